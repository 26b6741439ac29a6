#!/usr/bin/env bash
# tests/integ/oauth.sh POPCONN - the built-in OAuth2 flows against a real
# authorization server (oauth_server.py: Authlib, HTTPS with the test CA)
# whose JWT access tokens the real Dovecot validates (servers.sh's oauth2
# passdb):
#  - never authorised: token_failed, the hint says to run oauth login;
#  - device login approved through the server's own page: the refresh
#    token is stored, status shows it (no token), a test logs on with
#    XOAUTH2 and then OAUTHBEARER, each test rotates the refresh token and
#    the old one is dead at the server;
#  - slow_down honoured (the interval grows by 5 s) and the login succeeds;
#  - denied: access_denied, nothing stored; expired: expired_token;
#  - a refresh token revoked at the server (RFC 7009): token_failed with
#    invalid_grant and the "oauth login again" hint;
#  - client credentials: logs on; a wrong secret: invalid_client;
#  - the token endpoint through the HTTP and the SOCKS5 proxy, and through
#    a proxy that is not there (unreachable hint);
#  - logout forgets the token;
#  - no access token, refresh token, device code or client secret in any
#    output, export (with and without secrets) or the database files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
slow_factor "$PC"
[ "$(id -u)" = 0 ] || skip_test "needs root (Dovecot)"
/usr/bin/python3 -c 'import authlib' 2>/dev/null ||
	skip_test "python3-authlib is missing (scripts/deps.sh installs it)"
T=$(mktemp -d)
chmod 755 "$T"
AS_PID=
cleanup() {
	[ -z "$AS_PID" ] || kill "$AS_PID" 2>/dev/null || true
	"$here/servers.sh" stop "$T/srv" >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/srv" "$T/as"
POPCONN_SERVERS_ONLY="dovecot-main tinyproxy-open dante-open" \
	"$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
APP_SECRET=app-$RANDOM$RANDOM-secret-$RANDOM
# The authorization server takes the one port servers.sh keeps closed:
# the only port besides Dovecot's that tinyproxy lets CONNECT reach.
/usr/bin/python3 "$here/oauth_server.py" \
	--cert "$POPCONN_TEST_CERT_DIR/server.crt" \
	--key "$POPCONN_TEST_CERT_DIR/server.key" \
	--jwt-key "$POPCONN_SERVERS_DIR/dovecot/keys/default/HS256/default" \
	--user "$TEST_USER" --password "$TEST_PASS" \
	--app-secret "$APP_SECRET" --state "$T/as" --port "$POP3_CLOSED_PORT" \
	2>"$T/as/log" &
AS_PID=$!
wait_until 30 test -s "$T/as/port" ||
	{ cat "$T/as/log"; not_ok "the authorization server starts"; finish; }
AS=https://localhost:$(cat "$T/as/port")
ALL=$T/all-output	# everything popconn printed, for the leak check
keep() { printf '%s\n%s\n' "$OUT" "$ERR" >>"$ALL"; }

# add NAME CLIENT_ID [FIELD=VALUE...]: a device profile on Dovecot's POP3S.
add() {
	local n=$1 id=$2
	shift 2
	run "$PC" add "$n" address=localhost port="$POP3S_PORT" security=ssl \
		tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" \
		auth=xoauth2 timeout=10 oauth_flow=device oauth_provider=custom \
		oauth_client_id="$id" "oauth_scope=pop offline_access" \
		oauth_device_url="$AS/device_authorization" \
		oauth_token_url="$AS/token" "$@"
	keep
	expect_rc 0 "add $n"
}
diag() { sed -n 's/^  "diagnosis": "\(.*\)",$/\1/p' <<<"$OUT"; }
# login_start NAME: oauth login in the background; LOGIN_PID, its files.
login_start() {
	rm -f "$T/$1.out" "$T/$1.err"	# no code of an earlier login
	timeout "$(deadline 90)" "$PC" oauth login "$1" >"$T/$1.out" \
		2>"$T/$1.err" &
	LOGIN_PID=$!
}
# user_code NAME: the code the login printed (empty until then).
user_code() { sed -n 's/^    \([A-Z]\{4\}-[A-Z]\{4\}\)$/\1/p' "$T/$1.out"; }
has_code() { [ -n "$(user_code "$1")" ]; }
# decide NAME approve|deny: the user at the server's page.
decide() {
	curl -sS --cacert "$POPCONN_TEST_CA" "$AS/device" \
		-d "user_code=$(user_code "$1")" -d "username=$TEST_USER" \
		-d "password=$TEST_PASS" -d "decision=$2"
}
# login_end NAME: wait for the login; RC, OUT, ERR.
login_end() {
	set +e
	wait "$LOGIN_PID"
	RC=$?
	set -e
	OUT=$(cat "$T/$1.out") ERR=$(cat "$T/$1.err")
	keep
}
last_refresh() { sed -n 's/^refresh //p' "$T/as/issued.txt" | tail -n 1; }
# refresh_at_server TOKEN: what the token endpoint says to it, directly.
refresh_at_server() {
	curl -sS --cacert "$POPCONN_TEST_CA" "$AS/token" \
		-d grant_type=refresh_token -d client_id=popconn-device \
		--data-urlencode "refresh_token=$1"
}

# --- the Office 365 preset ------------------------------------------------
run "$PC" add o365 --preset office365 username=u@contoso.example
keep
expect_rc 2 "office365 preset without a client id is refused"
expect_err "oauth_client_id: required when oauth_flow is device" "the message names oauth_client_id"
run "$PC" add o365 --preset office365 username=u@contoso.example oauth_client_id=0a1b2c3d
keep
expect_rc 0 "office365 preset with a client id"
expect_stored o365 oauth_flow '"device"' "the preset chose the device flow"
expect_stored o365 oauth_provider '"microsoft"' "the preset chose Microsoft"
run "$PC" oauth status o365
keep
expect_out "^token endpoint: https://login.microsoftonline.com/organizations/oauth2/v2.0/token\$" \
	"status: Microsoft's token endpoint, default tenant"
expect_out "^scope asked: +https://outlook.office.com/POP.AccessAsUser.All offline_access\$" \
	"status: Microsoft's POP scope"
run "$PC" add o365cmd --preset office365 oauth_token_cmd=true
keep
expect_stored o365cmd oauth_flow '"command"' "a token command given with the preset keeps the command flow"
run "$PC" rm o365
run "$PC" rm o365cmd

# --- never authorised ---------------------------------------------------
add dev popconn-device
run "$PC" test dev --json
keep
expect_rc 1 "before any login: the test fails"
expect_eq "$(diag)" token_failed "before any login: token_failed"
expect_out "oauth login dev" "before any login: the hint says to run oauth login"

# --- device login, approved ------------------------------------------------
login_start dev
if wait_until 30 has_code dev; then
	ok "login prints a user code"
else
	not_ok "login prints a user code" "$(cat "$T/dev.out" "$T/dev.err")"
fi
# The user approves once popconn polls (a condition, not a sleep).
wait_until 30 grep -q authorization_pending "$T/dev.out" || true
expect_eq "$(decide dev approve)" approved "the user approves at the server's page"
login_end dev
expect_rc 0 "approved device login"
expect_out "open\$" "login: says to open the verification address"
expect_out "^    https://localhost:[0-9]+/device\$" "login: prints the verification URI"
expect_out "valid for [0-9]+ minute" "login: says how long the code lasts"
expect_out "authorization_pending" "login: the trace shows the pending polls"
expect_out "authorised: the refresh token is stored sealed" "login: says what it stored"
run "$PC" oauth status dev
keep
expect_rc 0 "status"
expect_out "^refresh token: +held \\(sealed\\)" "status: a refresh token is held"
expect_out "^granted scope: +pop offline_access" "status: the granted scopes"
expect_out "^access token: +the last one expires" "status: when the access token ends"

# --- test logons: XOAUTH2 then OAUTHBEARER, each rotating ---------------
old=$(last_refresh)
run "$PC" test dev --json
keep
expect_rc 0 "device profile: the test logs on"
expect_eq "$(diag)" ok "device profile: diagnosis ok"
expect_out '"method": "XOAUTH2"' "device profile: logged on with XOAUTH2"
expect_out 'OAuth: POST https://localhost:[0-9]+/token \(token, grant_type refresh_token\)' \
	"trace: the refresh step names endpoint and grant type"
expect_out 'OAuth: HTTP 200' "trace: the HTTP status"
expect_out 'the new refresh token replaced the old one' "trace: the rotation"
new=$(last_refresh)
if [ -n "$old" ] && [ -n "$new" ] && [ "$old" != "$new" ]; then
	ok "the server rotated the refresh token"
else
	not_ok "the server rotated the refresh token"
fi
OUT=$(refresh_at_server "$old")
expect_out '"error": "invalid_grant"' "the replaced refresh token is refused at the server"
run "$PC" set dev auth=oauthbearer
keep
run "$PC" test dev --json
keep
expect_rc 0 "OAUTHBEARER: the test logs on with the rotated token"
expect_out '"method": "OAUTHBEARER"' "logged on with OAUTHBEARER"
tok=$(last_refresh)	# dev's, the last one issued so far

# --- revoked refresh token ----------------------------------------------------
OUT=$(curl -sS --cacert "$POPCONN_TEST_CA" "$AS/revoke" -d client_id=popconn-device \
	--data-urlencode "token=$tok" -d token_type_hint=refresh_token -w ' %{http_code}')
expect_out ' 200$' "the refresh token is revoked at the server (RFC 7009)"
run "$PC" test dev --json
keep
expect_rc 1 "revoked: the test fails"
expect_eq "$(diag)" token_failed "revoked: token_failed"
expect_out "invalid_grant" "revoked: the error code is in the message"
expect_out "run 'popconn oauth login dev' again" "revoked: the hint says to log in again"
expect_out '"failed_step": "oauth"' "revoked: failed at the oauth step"
expect_out 'OAuth: HTTP 400 error invalid_grant' "revoked: the trace has status and error code"


# --- slow_down ----------------------------------------------------------------
add slow popconn-slow
login_start slow
wait_until 30 grep -q 'error slow_down' "$T/slow.out" || true
decide slow approve >/dev/null
login_end slow
expect_rc 0 "slow_down: the login still succeeds"
expect_out "slow_down: polling every 6 s" "slow_down: the interval grows by 5 s"

# --- denied -------------------------------------------------------------
add denied popconn-device
login_start denied
wait_until 30 grep -q authorization_pending "$T/denied.out" || true
expect_eq "$(decide denied deny)" denied "the user denies at the server's page"
login_end denied
expect_rc 1 "denied login fails"
expect_err "access_denied" "denied: the error code is named"
expect_err "hint: the user declined" "denied: the hint"
run "$PC" oauth status denied
keep
expect_out "^refresh token: +none" "denied: nothing stored"

# --- expired ------------------------------------------------------------------
add short popconn-short
login_start short
login_end short
expect_rc 1 "expired code: the login fails"
expect_err "expired_token|expired after" "expired code: says it expired"
expect_err "approve in time" "expired code: the hint"

# --- client credentials ------------------------------------------------------
run_in "$APP_SECRET" "$PC" add app address=localhost port="$POP3S_PORT" \
	security=ssl tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" \
	auth=xoauth2 timeout=10 oauth_flow=client_credentials \
	oauth_provider=custom oauth_client_id=popconn-app oauth_scope=mail.app \
	oauth_token_url="$AS/token" oauth_client_secret=-
keep
expect_rc 0 "add a client-credentials profile (secret on stdin)"
run "$PC" add bad oauth_client_secret="$APP_SECRET" address=x.example
keep
expect_rc 2 "a client secret on the command line is refused"
run "$PC" test app --json
keep
expect_rc 0 "client credentials: the test logs on"
expect_out 'grant_type client_credentials' "client credentials: the trace names the grant"
run_in "wrong-$APP_SECRET" "$PC" set app oauth_client_secret=-
keep
run "$PC" test app --json
keep
expect_eq "$(diag)" token_failed "wrong client secret: token_failed"
expect_out "invalid_client" "wrong client secret: invalid_client"
expect_out "check oauth_client_id" "wrong client secret: the hint"
run_in "$APP_SECRET" "$PC" set app oauth_client_secret=-
keep

# --- the token endpoint through the proxies ------------------------------------
run "$PC" set app proxy_type=http proxy_address=127.0.0.1 proxy_port="$HTTP_OPEN_PORT"
keep
: >"$POPCONN_SERVERS_LOGS/tinyproxy-open.log"
run "$PC" test app --json
keep
expect_rc 0 "client credentials through the HTTP proxy"
expect_out 'OAuth: through the http proxy' "HTTP proxy: the trace says so"
if grep -q "CONNECT.*:$POP3_CLOSED_PORT" "$POPCONN_SERVERS_LOGS/tinyproxy-open.log"; then
	ok "HTTP proxy: tinyproxy carried the token request"
else
	not_ok "HTTP proxy: tinyproxy carried the token request" \
		"$(cat "$POPCONN_SERVERS_LOGS/tinyproxy-open.log")"
fi
run "$PC" set app proxy_type=socks5 proxy_port="$DANTE_OPEN_PORT"
keep
run "$PC" test app --json
keep
expect_rc 0 "client credentials through the SOCKS5 proxy"
expect_out 'OAuth: through the socks5 proxy' "SOCKS5 proxy: the trace says so"
run "$PC" set app proxy_port="$PROXY_DENY_PORT"
keep
run "$PC" test app --json
keep
expect_eq "$(diag)" token_failed "proxy not there: token_failed"
expect_out "endpoint is unreachable" "proxy not there: the unreachable hint"

# --- logout -------------------------------------------------------------------
login_start dev
wait_until 30 grep -q authorization_pending "$T/dev.out" || true
decide dev approve >/dev/null
login_end dev
expect_rc 0 "log in again after the revocation"
run "$PC" test dev --quiet
keep
expect_rc 0 "logged in again: the test logs on"
run "$PC" oauth logout dev
keep
expect_out "forgot the refresh token of dev" "logout"
run "$PC" oauth status dev
keep
expect_out "^refresh token: +none" "after logout: none held"

# --- no secret anywhere ----------------------------------------------------------
run "$PC" export -o "$T/plain.json"
keep
run_in "pass phrase 1" "$PC" export --with-secrets -o "$T/sealed.json"
keep
expect_rc 0 "export --with-secrets"
if grep -q '"oauth_client_secret_enc": *"pc1\$' "$T/sealed.json"; then
	ok "export --with-secrets seals the client secret"
else
	not_ok "export --with-secrets seals the client secret" "$(grep -o '"oauth_client_secret[^,]*' "$T/sealed.json")"
fi
# The sealed client secret comes back with import: the copy logs on.
run_in "pass phrase 1" env POPCONN_DB="$T/imp.db" "$PC" import "$T/sealed.json"
keep
expect_rc 0 "import of the sealed export"
run env POPCONN_DB="$T/imp.db" "$PC" set app proxy_type=none
keep
run env POPCONN_DB="$T/imp.db" "$PC" test app --quiet
keep
expect_rc 0 "the imported client-credentials profile logs on (secret restored)"
sqlite3 "$POPCONN_DB" 'PRAGMA wal_checkpoint(FULL)' >/dev/null 2>&1 || true
n=0 leaks=0
while read -r kind value; do
	n=$((n + 1))
	for f in "$ALL" "$T/plain.json" "$T/sealed.json" "$POPCONN_DB" \
	    "$POPCONN_DB-wal" "$T/imp.db" "$T/imp.db-wal" "$T"/*.out \
	    "$T"/*.err; do
		[ -f "$f" ] || continue
		if grep -qaF -- "$value" "$f"; then
			leaks=$((leaks + 1))
			not_ok "a $kind appears in $(basename "$f")"
		fi
	done
done < <(cat "$T/as/issued.txt"; echo "client_secret $APP_SECRET")
if [ "$n" -ge 10 ] && [ "$leaks" -eq 0 ]; then
	ok "none of $n tokens, device codes and the client secret is in any output, export or the database"
elif [ "$n" -lt 10 ]; then
	not_ok "the leak check saw the server's tokens" "only $n"
fi
finish
