#!/usr/bin/python3
"""oauth_server.py - a real OAuth2 authorization server for popconn's tests,
built on Authlib (Debian's python3-authlib): the device authorization grant
(RFC 8628) with a user-facing approve/deny page, the client-credentials
grant, the refresh-token grant with rotation (the old refresh token dies
when a new one is issued) and token revocation (RFC 7009).  It listens on
127.0.0.1 over HTTPS with a certificate from the test CA and issues HS256
JWT access tokens signed with the key Dovecot's oauth2 passdb validates
(servers.sh: local_validation_key_dict, claims sub/iat/exp), so the real
Dovecot accepts what it issues.

Clients (client_id: what it may do):
  popconn-device   public; device_code + refresh_token
  popconn-short    public; device_code whose codes expire after 3 s
  popconn-slow     public; device_code, answers slow_down to its first poll
  popconn-norefresh public; device_code, no refresh tokens (no rotation)
  popconn-app      confidential (secret from --app-secret);
                   client_credentials, tokens for the mailbox --user
  popconn-device is also refused the client_credentials grant
  (unauthorized_client).

Endpoints: POST /device_authorization, POST /token, POST /revoke,
GET /device (the page), POST /device (user_code, username, password,
decision=approve|deny).  Every token it issues is appended to
STATE/issued.txt (one "kind value" line) so the test can check that none
leaks and can revoke a refresh token; nothing else of it is logged.

Usage: oauth_server.py --cert C --key K --jwt-key FILE --user U
       --password P --app-secret S --state DIR [--port N]
Writes DIR/port when it listens; stops on SIGTERM.
"""
import argparse
import base64
import html
import json
import os
import signal
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

from authlib.common.security import generate_token
from authlib.jose import jwt
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.wrappers import OAuth2Request
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc8628 import (DeviceAuthorizationEndpoint,
                                    DeviceCodeGrant, DeviceCredentialDict)

AUTH_NONE = 'none'
AUTH_POST = ['client_secret_post', 'client_secret_basic']
SCOPES = ['pop', 'offline_access', 'mail.app']


class Client(ClientMixin):
    def __init__(self, client_id, secret=None, grant_types=(), scope='',
                 device_expires=60, slow_down_once=False, mailbox=None):
        self.client_id = client_id
        self.secret = secret
        self.grant_types = set(grant_types)
        self.scope = scope
        self.device_expires = device_expires
        self.slow_down_once = slow_down_once
        self.mailbox = mailbox

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        allowed = set(self.scope.split())
        return ' '.join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        return self.secret is not None and client_secret == self.secret

    def check_endpoint_auth_method(self, method, endpoint):
        if self.secret is None:
            return method == AUTH_NONE
        return method in AUTH_POST

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


class RefreshToken:
    """A refresh token: alive until rotated away or revoked."""

    def __init__(self, value, client_id, user, scope):
        self.value = value
        self.client_id = client_id
        self.user = user
        self.scope = scope
        self.revoked = False

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return 3600

    def is_expired(self):
        return False

    def is_revoked(self):
        return self.revoked


class State:
    def __init__(self, args):
        self.args = args
        self.clients = {}
        self.devices = {}       # device_code -> DeviceCredentialDict
        self.grants = {}        # user_code -> (user, approved)
        self.slowed = set()     # device codes that got their slow_down
        self.refresh = {}       # value -> RefreshToken
        with open(args.jwt_key) as f:
            self.jwt_key = base64.b64decode(f.read().strip())
        self.issued = os.path.join(args.state, 'issued.txt')

    def record(self, kind, value):
        with open(self.issued, 'a') as f:
            f.write(f'{kind} {value}\n')


STATE = None


class Server(AuthorizationServer):
    def query_client(self, client_id):
        return STATE.clients.get(client_id)

    def save_token(self, token, request):
        STATE.record('access', token['access_token'])
        if 'refresh_token' in token:
            user = request.user
            STATE.refresh[token['refresh_token']] = RefreshToken(
                token['refresh_token'], request.client.get_client_id(),
                user, token.get('scope', ''))
            STATE.record('refresh', token['refresh_token'])

    def create_oauth2_request(self, request):
        if isinstance(request, OAuth2Request):
            return request
        method, uri, form, headers = request
        return OAuth2Request(method, uri, form, headers)

    def create_json_request(self, request):
        raise NotImplementedError()

    def handle_response(self, status, body, headers):
        return status, body, headers

    def send_signal(self, name, *args, **kwargs):
        pass


class DeviceAuthorization(DeviceAuthorizationEndpoint):
    CLIENT_AUTH_METHODS = [AUTH_NONE] + AUTH_POST

    def create_endpoint_response(self, request):
        client = STATE.clients.get(request.client_id)
        self.EXPIRES_IN = client.device_expires if client else 60
        self.INTERVAL = 1
        return super().create_endpoint_response(request)

    def get_verification_uri(self):
        return f'https://localhost:{STATE.port}/device'

    def save_device_credential(self, client_id, scope, data):
        cred = DeviceCredentialDict(client_id=client_id, scope=scope,
                                    **data)
        cred['expires_at'] = time.time() + data['expires_in']
        STATE.devices[data['device_code']] = cred
        STATE.record('device_code', data['device_code'])


class DeviceGrant(DeviceCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [AUTH_NONE] + AUTH_POST

    def query_device_credential(self, device_code):
        return STATE.devices.get(device_code)

    def query_user_grant(self, user_code):
        return STATE.grants.get(user_code)

    def should_slow_down(self, credential):
        client = STATE.clients[credential.get_client_id()]
        code = credential['device_code']
        if client.slow_down_once and code not in STATE.slowed:
            STATE.slowed.add(code)
            return True
        return False


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [AUTH_NONE] + AUTH_POST
    INCLUDE_NEW_REFRESH_TOKEN = True        # rotation

    def authenticate_refresh_token(self, refresh_token):
        t = STATE.refresh.get(refresh_token)
        if t is None or t.revoked:
            return None
        return t

    def authenticate_user(self, credential):
        return credential.user

    def revoke_old_credential(self, credential):
        credential.revoked = True


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_POST


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = [AUTH_NONE] + AUTH_POST

    def query_token(self, token_string, token_type_hint):
        return STATE.refresh.get(token_string)

    def revoke_token(self, token, request):
        token.revoked = True


def make_access_token(client, grant_type, user, scope):
    now = int(time.time())
    sub = user if user is not None else client.mailbox
    claims = {'sub': sub, 'iat': now - 5, 'exp': now + 3600,
              'scope': scope or '', 'client_id': client.get_client_id()}
    return jwt.encode({'alg': 'HS256', 'typ': 'JWT'}, claims,
                      STATE.jwt_key).decode('ascii')


def make_refresh_token(client, grant_type, user, scope):
    return generate_token(48)


class Handler(BaseHTTPRequestHandler):
    server_version = 'popconn-test-oauth/1'

    def log_message(self, fmt, *args):
        # Request lines only: no bodies (they hold codes and tokens).
        sys.stderr.write('oauth_server: %s %s\n' % (
            self.command, self.path.split('?')[0]))

    def form(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n).decode('utf-8', 'replace')
        return dict(urllib.parse.parse_qsl(body, keep_blank_values=True))

    def reply(self, status, body, headers=(), ctype='application/json'):
        data = body if isinstance(body, bytes) else \
            json.dumps(body).encode()
        self.send_response(status)
        sent = set()
        for k, v in headers:
            self.send_header(k, v)
            sent.add(k.lower())
        if 'content-type' not in sent:
            self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        self.send_header('Cache-Control', 'no-store')
        self.end_headers()
        self.wfile.write(data)

    def oauth_request(self, form):
        uri = f'https://localhost:{STATE.port}{self.path}'
        return ('POST', uri, form, dict(self.headers))

    def do_POST(self):
        path = self.path.split('?')[0]
        form = self.form()
        if path == '/token':
            self.reply(*AS.create_token_response(self.oauth_request(form)))
        elif path == '/device_authorization':
            self.reply(*AS.create_endpoint_response(
                'device_authorization', self.oauth_request(form)))
        elif path == '/revoke':
            self.reply(*AS.create_endpoint_response(
                'revocation', self.oauth_request(form)))
        elif path == '/device':
            self.verify(form)
        else:
            self.reply(404, {'error': 'not_found'})

    def do_GET(self):
        path, _, query = self.path.partition('?')
        if path != '/device':
            self.reply(404, {'error': 'not_found'})
            return
        code = html.escape(dict(urllib.parse.parse_qsl(query)).get(
            'user_code', ''))
        page = f'''<!doctype html><title>Device login</title>
<form method="post" action="/device">
<p>Code <input name="user_code" value="{code}">
<p>User <input name="username"> Password <input name="password"
 type="password">
<p><button name="decision" value="approve">Approve</button>
<button name="decision" value="deny">Deny</button></form>'''
        self.reply(200, page.encode(), ctype='text/html; charset=utf-8')

    def verify(self, form):
        """The user-facing step: the user signs in and decides."""
        code = form.get('user_code', '').strip().upper()
        known = any(d['user_code'] == code for d in STATE.devices.values())
        if not known:
            self.reply(400, b'unknown code\n', ctype='text/plain')
            return
        if (form.get('username') != STATE.args.user or
                form.get('password') != STATE.args.password):
            self.reply(403, b'wrong user name or password\n',
                       ctype='text/plain')
            return
        approved = form.get('decision') == 'approve'
        STATE.grants[code] = (STATE.args.user, approved)
        self.reply(200, b'approved\n' if approved else b'denied\n',
                   ctype='text/plain')


def main():
    global STATE, AS
    ap = argparse.ArgumentParser()
    for a in ('--cert', '--key', '--jwt-key', '--user', '--password',
              '--app-secret', '--state'):
        ap.add_argument(a, required=True)
    ap.add_argument('--port', type=int, default=0)
    args = ap.parse_args()
    STATE = State(args)
    dev = ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token']
    user_scope = 'pop offline_access'
    STATE.clients = {
        'popconn-device': Client('popconn-device', grant_types=dev,
                                 scope=user_scope),
        'popconn-short': Client('popconn-short', grant_types=dev,
                                scope=user_scope, device_expires=3),
        'popconn-slow': Client('popconn-slow', grant_types=dev,
                               scope=user_scope, slow_down_once=True),
        'popconn-norefresh': Client('popconn-norefresh',
                                    grant_types=dev[:1], scope=user_scope),
        'popconn-app': Client('popconn-app', secret=args.app_secret,
                              grant_types=['client_credentials'],
                              scope='mail.app', mailbox=args.user),
    }
    AS = Server(scopes_supported=SCOPES)
    AS.register_token_generator('default', BearerTokenGenerator(
        make_access_token, make_refresh_token, expires_generator=3600))
    AS.register_grant(DeviceGrant)
    AS.register_grant(RefreshGrant)
    AS.register_grant(ClientCredentials)
    AS.register_endpoint(DeviceAuthorization)
    AS.register_endpoint(Revocation)

    httpd = HTTPServer(('127.0.0.1', args.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    STATE.port = httpd.server_address[1]
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    tmp = os.path.join(args.state, 'port.tmp')
    with open(tmp, 'w') as f:
        f.write(f'{STATE.port}\n')
    os.rename(tmp, os.path.join(args.state, 'port'))
    httpd.serve_forever()


AS = None

if __name__ == '__main__':
    main()
