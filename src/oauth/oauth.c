/*
 * oauth.c - the OAuth2 client: RFC 8628 (device authorization grant),
 * RFC 6749 sections 4.4 (client credentials), 5 (token responses and
 * errors) and 6 (refresh, with rotation as OAuth 2.1 and Microsoft do it).
 * HTTP is libcurl's (loaded on first use: oauth_curl.c), JSON jansson's:
 * no hand-written HTTP here.
 *
 * Deliberate choices:
 * - The client authenticates with client_secret_post (client_id and
 *   client_secret in the form body), which Entra ID, Google and Authlib
 *   all accept; a public client sends its client_id only.
 * - Certificates are always checked, whatever the profile's tls_verify
 *   says about the mail server: the system store (CAPATH) plus the
 *   profile's tls_ca_file (CAINFO) for a private authorization server.
 * - Request and response bodies hold codes and tokens: they are never
 *   traced, held in wiping buffers, and capped (OAUTH_BODY_MAX).
 * - Google answers the device request with "verification_url" where RFC
 *   8628 says "verification_uri": both are read.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "popconn/clock.h"
#include "popconn/buf.h"
#include "popconn/oauth.h"
#include "popconn/presets.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"

#include "oauth_curl.h"

#define OAUTH_BODY_MAX		(256 * 1024)
#define OAUTH_SYSTEM_CAPATH	"/etc/ssl/certs"
#define OAUTH_MAX_SECRETS	4

struct oauth {
	struct profile	*p;
	struct oauth_endpoints ep;
	struct trace	*tr;
	volatile sig_atomic_t *cancel;
	int64_t		 t0_us;
	/* Values to mask should a server quote them back (borrowed). */
	const char	*secrets[OAUTH_MAX_SECRETS];
};

int64_t
oauth_now_ms(void)
{
	return clock_now_ms();
}

static int64_t
oauth_us(const struct oauth *o)
{
	return clock_now_us() - o->t0_us;
}

#define oauth_trace oauth_tracef

void
oauth_tracef(struct oauth *o, enum trace_kind k, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (o->tr == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return;
	trace_emit(o->tr, oauth_us(o), k, s, strlen(s));
	free(s);
}

enum pc_err
oauth_new(const struct profile *p, struct trace *tr,
    volatile sig_atomic_t *cancel, struct oauth **out, char **cause)
{
	struct oauth *o;
	enum pc_err rc;

	*out = NULL;
	o = xcalloc(1, sizeof *o);
	rc = presets_oauth_endpoints(p, &o->ep, cause);
	if (rc) {
		free(o);
		return rc;
	}
	o->p = profile_dup(p);
	o->tr = tr;
	o->cancel = cancel;
	o->t0_us = oauth_now_ms() * 1000;
	o->secrets[0] = o->p->oauth_client_secret;
	*out = o;
	return PC_OK;
}

void
oauth_free(struct oauth *o)
{
	if (o == NULL)
		return;
	presets_oauth_cleanup(&o->ep);
	profile_free(o->p);
	free(o);
}

const char *
oauth_token_url(const struct oauth *o)
{
	return o->ep.token_url;
}

const char *
oauth_scope(const struct oauth *o)
{
	return o->ep.scope;
}

void
oauth_device_cleanup(struct oauth_device *d)
{
	if (d == NULL)
		return;
	xfree_secret(d->device_code);
	free(d->user_code);
	free(d->verification_uri);
	free(d->verification_uri_complete);
	memset(d, 0, sizeof *d);
}

void
oauth_tokens_cleanup(struct oauth_tokens *t)
{
	if (t == NULL)
		return;
	xfree_secret(t->access_token);
	xfree_secret(t->refresh_token);
	free(t->scope);
	memset(t, 0, sizeof *t);
}

void
oauth_error_cleanup(struct oauth_error *e)
{
	if (e == NULL)
		return;
	free(e->error);
	free(e->description);
	free(e->message);
	free(e->hint);
	memset(e, 0, sizeof *e);
}

/* ------------------------------------------------------------------ */
/* Text a server sent, made safe to show: escaped, our secrets masked. */

static char *
oauth_show(const struct oauth *o, const char *s)
{
	struct buf b;
	const char *at, *from;
	char *cur, *esc;
	size_t n;
	int i;

	cur = xstrdup(s);
	for (i = 0; i < OAUTH_MAX_SECRETS; i++) {
		if (o->secrets[i] == NULL || *o->secrets[i] == '\0')
			continue;
		n = strlen(o->secrets[i]);
		/* One forward scan: the mask itself is never searched. */
		buf_init(&b, 0);
		for (from = cur; (at = strstr(from, o->secrets[i])) != NULL;
		    from = at + n) {
			buf_add(&b, from, (size_t)(at - from));
			buf_addstr(&b, "<redacted>");
		}
		buf_addstr(&b, from);
		free(cur);
		cur = buf_take(&b);
	}
	esc = str_escape(cur, strlen(cur));
	free(cur);
	/* Keep a runaway description to one screen line or so. */
	if (strlen(esc) > 300)
		strcpy(esc + 297, "...");
	return esc;
}

/* ------------------------------------------------------------------ */
/* Hints: what each refusal means for the person at the keyboard. */

static bool
oauth_desc_has(const struct oauth_error *e, const char *s)
{
	return e->description != NULL && strstr(e->description, s) != NULL;
}

static void
oauth_explain(const struct oauth *o, struct oauth_error *e)
{
	const char *code = e->error != NULL ? e->error : "";
	const char *name = o->p->name != NULL ? o->p->name : "NAME";

	if (e->hint != NULL)
		return;
	if (strcmp(code, "invalid_grant") == 0)
		e->hint = xasprintf("the refresh token was revoked or has "
		    "expired (or the password changed): run 'popconn oauth "
		    "login %s' again", name);
	else if (oauth_desc_has(e, "AADSTS65001") ||
	    strcmp(code, "consent_required") == 0 ||
	    strcmp(code, "interaction_required") == 0)
		e->hint = xstrdup("consent is missing: an administrator must "
		    "grant the application its permissions (admin consent) "
		    "in this tenant");
	else if (oauth_desc_has(e, "AADSTS90002") ||
	    oauth_desc_has(e, "AADSTS700016") ||
	    oauth_desc_has(e, "AADSTS90072") ||
	    oauth_desc_has(e, "AADSTS50020") ||
	    strcmp(code, "invalid_tenant") == 0)
		e->hint = xstrdup("wrong tenant: the tenant in oauth_tenant "
		    "does not exist or does not hold this application (check "
		    "oauth_tenant and oauth_client_id)");
	else if (strcmp(code, "invalid_client") == 0)
		e->hint = xstrdup("the authorization server does not accept "
		    "this client: check oauth_client_id, and "
		    "oauth_client_secret (a confidential app needs it, a "
		    "public one must not send a wrong one; secrets expire)");
	else if (strcmp(code, "unauthorized_client") == 0)
		e->hint = xstrdup("the application may not use this grant: "
		    "allow public client flows for device code, or give it "
		    "application permissions for client credentials");
	else if (strcmp(code, "invalid_scope") == 0)
		e->hint = xstrdup("the scope asked for is not known or not "
		    "allowed: check oauth_scope (empty = the provider's "
		    "default)");
	else if (strcmp(code, "access_denied") == 0)
		e->hint = xasprintf("the user declined the sign-in; run "
		    "'popconn oauth login %s' again to retry", name);
	else if (strcmp(code, "expired_token") == 0)
		e->hint = xasprintf("the code expired before anyone approved "
		    "it: run 'popconn oauth login %s' again and approve in "
		    "time", name);
	else if (e->status == OAUTH_UNREACHABLE)
		e->hint = xstrdup("the endpoint is unreachable: check the "
		    "address, the proxy settings and the network (firewall, "
		    "DNS) from this host");
	else if (e->status == OAUTH_TLS)
		e->hint = xstrdup("the endpoint's certificate is not trusted: "
		    "for a private authorization server put its CA in "
		    "tls_ca_file");
	else if (e->status == OAUTH_BAD_REPLY)
		e->hint = xstrdup("the endpoint did not answer as an OAuth2 "
		    "token endpoint: check the URL (oauth_token_url or "
		    "oauth_device_url)");
	else if (e->status == OAUTH_CANCELLED)
		e->hint = xstrdup("cancelled");
	else
		e->hint = xstrdup("the authorization server refused the "
		    "request: its error code and description say why");
}

/* ------------------------------------------------------------------ */
/* One POST. */

struct oauth_xfer {
	struct oauth	*o;
	struct buf	 body;		/* secret: holds tokens */
	bool		 too_big;
};

static size_t
oauth_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct oauth_xfer *x = arg;

	if (buf_add(&x->body, data, size * n) != PC_OK) {
		x->too_big = true;
		return 0;
	}
	return size * n;
}

static int
oauth_progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct oauth_xfer *x = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return x->o->cancel != NULL && *x->o->cancel ? 1 : 0;
}

/*
 * Append "&key=value" to a form body, value percent-encoded as
 * application/x-www-form-urlencoded allows: every byte but RFC 3986's
 * unreserved characters as %XX (what curl_easy_escape does).
 */
static void
oauth_form_add(struct buf *b, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *v;
	char esc[3];

	if (value == NULL)
		return;
	buf_addf(b, "%s%s=", b->len ? "&" : "", key);
	for (v = (const unsigned char *)value; *v != '\0'; v++) {
		if ((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') ||
		    (*v >= '0' && *v <= '9') || *v == '-' || *v == '.' ||
		    *v == '_' || *v == '~')
			buf_add(b, v, 1);
		else {
			esc[0] = '%';
			esc[1] = hex[*v >> 4];
			esc[2] = hex[*v & 15];
			buf_add(b, esc, sizeof esc);
		}
	}
}

static const char *
oauth_proxy_scheme(enum prof_proxy t)
{
	switch (t) {
	case PROF_PROXY_SOCKS4:
		return "socks4";
	case PROF_PROXY_SOCKS4A:
		return "socks4a";
	case PROF_PROXY_SOCKS5:
		/* The proxy resolves the name, like the POP3 link does. */
		return "socks5h";
	case PROF_PROXY_HTTP:
		return "http";
	default:
		return NULL;
	}
}

static void
oauth_set_proxy(struct oauth *o, const struct oauth_curl *cu, CURL *c,
    char **url)
{
	const struct profile *p = o->p;
	const char *scheme = oauth_proxy_scheme(p->proxy_type);
	bool v6;

	if (scheme == NULL) {
		/* No proxy: ignore http_proxy and friends too. */
		cu->easy_setopt(c, CURLOPT_PROXY, "");
		return;
	}
	v6 = strchr(p->proxy_address, ':') != NULL;
	*url = xasprintf("%s://%s%s%s:%d", scheme, v6 ? "[" : "",
	    p->proxy_address, v6 ? "]" : "", p->proxy_port);
	cu->easy_setopt(c, CURLOPT_PROXY, *url);
	if (p->proxy_auth && p->proxy_username != NULL) {
		cu->easy_setopt(c, CURLOPT_PROXYUSERNAME, p->proxy_username);
		cu->easy_setopt(c, CURLOPT_PROXYPASSWORD,
		    p->proxy_password != NULL ? p->proxy_password : "");
		if (p->proxy_type == PROF_PROXY_HTTP)
			cu->easy_setopt(c, CURLOPT_PROXYAUTH,
			    (long)CURLAUTH_ANY);
	}
	oauth_trace(o, TRACE_PROXY, "OAuth: through the %s proxy %s port %d",
	    profile_proxy_str(p->proxy_type), p->proxy_address,
	    p->proxy_port);
}

/* Classify a libcurl failure. */
static enum oauth_status
oauth_curl_status(CURLcode cc)
{
	switch (cc) {
	case CURLE_ABORTED_BY_CALLBACK:
		return OAUTH_CANCELLED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
		return OAUTH_TLS;
	case CURLE_WRITE_ERROR:
		return OAUTH_BAD_REPLY;
	default:
		return OAUTH_UNREACHABLE;
	}
}

/*
 * POST form to url; on an answer with a JSON object body, *json is it
 * (caller decrefs) and *http the status.  Otherwise err is filled.
 * what names the step in the trace ("device authorization", "token").
 */
static enum oauth_status
oauth_post(struct oauth *o, const char *url, const char *what,
    const char *grant, struct buf *form, json_t **json, long *http,
    struct oauth_error *err)
{
	struct oauth_xfer x;
	char ebuf[CURL_ERROR_SIZE] = "", *proxy = NULL, *show;
	struct curl_slist *hdr = NULL;
	json_error_t jerr;
	const struct oauth_curl *cu;
	CURLcode cc;
	CURL *c = NULL;
	char *why = NULL;
	enum oauth_status st = OAUTH_OK;

	*json = NULL;
	*http = 0;
	memset(&x, 0, sizeof x);
	x.o = o;
	buf_init_secret(&x.body, OAUTH_BODY_MAX);
	if ((cu = oauth_curl(&why)) == NULL) {
		err->status = st = OAUTH_UNREACHABLE;
		err->message = why;
		oauth_trace(o, TRACE_ERROR, "OAuth: %s", err->message);
		goto out;
	}
	c = cu->easy_init();
	if (c == NULL) {
		err->status = OAUTH_UNREACHABLE;
		err->message = xstrdup("cannot start libcurl");
		st = OAUTH_UNREACHABLE;
		goto out;
	}
	oauth_trace(o, TRACE_CONNECT, "OAuth: POST %s (%s%s%s)", url, what,
	    grant != NULL ? ", grant_type " : "", grant != NULL ? grant : "");
	cu->easy_setopt(c, CURLOPT_URL, url);
	cu->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	cu->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	cu->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cu->easy_setopt(c, CURLOPT_POSTFIELDS, form->data == NULL ? "" :
	    form->data);
	cu->easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)form->len);
	hdr = cu->slist_append(hdr, "Accept: application/json");
	cu->easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	cu->easy_setopt(c, CURLOPT_USERAGENT, "popconn/" POPCONN_VERSION);
	cu->easy_setopt(c, CURLOPT_TIMEOUT, (long)o->p->timeout);
	cu->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)o->p->timeout);
	cu->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	cu->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	cu->easy_setopt(c, CURLOPT_CAPATH, OAUTH_SYSTEM_CAPATH);
	if (o->p->tls_ca_file != NULL && *o->p->tls_ca_file != '\0')
		cu->easy_setopt(c, CURLOPT_CAINFO, o->p->tls_ca_file);
	cu->easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	cu->easy_setopt(c, CURLOPT_WRITEFUNCTION, oauth_write_cb);
	cu->easy_setopt(c, CURLOPT_WRITEDATA, &x);
	cu->easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	cu->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, oauth_progress_cb);
	cu->easy_setopt(c, CURLOPT_XFERINFODATA, &x);
	oauth_set_proxy(o, cu, c, &proxy);
	cc = cu->easy_perform(c);
	cu->easy_getinfo(c, CURLINFO_RESPONSE_CODE, http);
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && x.too_big)) {
		st = oauth_curl_status(cc);
		err->status = st;
		err->http_status = *http;
		show = oauth_show(o, ebuf[0] ? ebuf : cu->easy_strerror(cc));
		err->message = xasprintf("%s request to %s failed: %s", what,
		    url, show);
		free(show);
		oauth_trace(o, TRACE_ERROR, "OAuth: %s", err->message);
		goto out;
	}
	if (x.too_big) {
		st = err->status = OAUTH_BAD_REPLY;
		err->http_status = *http;
		err->message = xasprintf("%s endpoint %s answered with more "
		    "than %d bytes", what, url, OAUTH_BODY_MAX);
		oauth_trace(o, TRACE_ERROR, "OAuth: %s", err->message);
		goto out;
	}
	*json = json_loadb(x.body.data == NULL ? "" : x.body.data, x.body.len,
	    0, &jerr);
	if (*json == NULL || !json_is_object(*json)) {
		json_decref(*json);
		*json = NULL;
		st = err->status = OAUTH_BAD_REPLY;
		err->http_status = *http;
		err->message = xasprintf("%s endpoint %s answered HTTP %ld "
		    "without a JSON object (%zu bytes, not shown)", what, url,
		    *http, x.body.len);
		oauth_trace(o, TRACE_ERROR, "OAuth: %s", err->message);
		goto out;
	}
	/* The answer holds tokens or codes: only its status is traced here. */
	oauth_trace(o, TRACE_RECV, "OAuth: HTTP %ld (%zu bytes, not shown)",
	    *http, x.body.len);
out:
	if (cu != NULL) {
		cu->slist_free_all(hdr);
		if (c != NULL)
			cu->easy_cleanup(c);
	}
	free(proxy);
	buf_cleanup(&x.body);
	return st;
}

static const char *
oauth_jstr(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t
oauth_jint(json_t *j, const char *key, int64_t dflt)
{
	json_t *v = json_object_get(j, key);

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	/* Some servers send numbers as strings. */
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return dflt;
}

/* An error response (RFC 6749 5.2): fill err, trace it. */
static enum oauth_status
oauth_refusal(struct oauth *o, json_t *j, long http, const char *what,
    struct oauth_error *err)
{
	const char *code = oauth_jstr(j, "error");
	const char *desc = oauth_jstr(j, "error_description");

	err->status = OAUTH_REFUSED;
	err->http_status = http;
	err->error = oauth_show(o, code != NULL ? code : "(no error code)");
	err->description = desc != NULL ? oauth_show(o, desc) : NULL;
	err->message = xasprintf("the %s request was refused: HTTP %ld, %s%s%s",
	    what, http, err->error, err->description != NULL ? ": " : "",
	    err->description != NULL ? err->description : "");
	oauth_explain(o, err);
	/* Waiting for the user is not a failure. */
	oauth_trace(o, strcmp(err->error, "authorization_pending") == 0 ||
	    strcmp(err->error, "slow_down") == 0 ? TRACE_INFO : TRACE_ERROR,
	    "OAuth: HTTP %ld error %s%s%s", http,
	    err->error, err->description != NULL ? ", description: " : "",
	    err->description != NULL ? err->description : "");
	return OAUTH_REFUSED;
}

/* A token response (RFC 6749 5.1) into tok. */
static enum oauth_status
oauth_token_reply(struct oauth *o, json_t *j, long http,
    struct oauth_tokens *tok, struct oauth_error *err)
{
	const char *at = oauth_jstr(j, "access_token");
	const char *rt = oauth_jstr(j, "refresh_token");
	const char *sc = oauth_jstr(j, "scope");
	const char *tt = oauth_jstr(j, "token_type");

	if (http != 200 || oauth_jstr(j, "error") != NULL)
		return oauth_refusal(o, j, http, "token", err);
	if (at == NULL || *at == '\0' || strpbrk(at, "\r\n\001 ") != NULL) {
		err->status = OAUTH_BAD_REPLY;
		err->http_status = http;
		err->message = xstrdup("the token endpoint answered without "
		    "a usable access_token");
		oauth_explain(o, err);
		oauth_trace(o, TRACE_ERROR, "OAuth: %s", err->message);
		return OAUTH_BAD_REPLY;
	}
	memset(tok, 0, sizeof *tok);
	tok->access_token = xstrdup(at);
	tok->refresh_token = rt != NULL && *rt != '\0' ? xstrdup(rt) : NULL;
	tok->scope = sc != NULL ? oauth_show(o, sc) : NULL;
	tok->expires_in = oauth_jint(j, "expires_in", 0);
	oauth_trace(o, TRACE_INFO, "OAuth: issued a %s access token "
	    "(expires in %lld s)%s%s%s", tt != NULL ? tt : "", (long long)
	    tok->expires_in, tok->refresh_token != NULL ? " and a refresh "
	    "token" : "", tok->scope != NULL ? "; scope: " : "",
	    tok->scope != NULL ? tok->scope : "");
	return OAUTH_OK;
}

/* The client's own part of every form. */
static void
oauth_form_client(struct oauth *o, struct buf *f)
{
	oauth_form_add(f, "client_id", o->p->oauth_client_id);
	if (o->p->oauth_client_secret != NULL &&
	    *o->p->oauth_client_secret != '\0')
		oauth_form_add(f, "client_secret",
		    o->p->oauth_client_secret);
}

/* Request tokens with grant (and k1=v1, when given). */
static enum oauth_status
oauth_token_request(struct oauth *o, const char *grant, const char *k1,
    const char *v1, struct oauth_tokens *tok, struct oauth_error *err)
{
	struct buf form;
	json_t *j = NULL;
	long http;
	enum oauth_status st;

	buf_init_secret(&form, 0);
	oauth_form_add(&form, "grant_type", grant);
	if (k1 != NULL)
		oauth_form_add(&form, k1, v1);
	oauth_form_client(o, &form);
	if (strcmp(grant, "client_credentials") == 0 ||
	    strcmp(grant, "refresh_token") == 0)
		if (o->ep.scope != NULL && *o->ep.scope != '\0')
			oauth_form_add(&form, "scope", o->ep.scope);
	st = oauth_post(o, o->ep.token_url, "token", grant, &form, &j, &http,
	    err);
	buf_cleanup(&form);
	if (st != OAUTH_OK) {
		oauth_explain(o, err);
		return st;
	}
	st = oauth_token_reply(o, j, http, tok, err);
	json_decref(j);
	return st;
}

enum oauth_status
oauth_device_start(struct oauth *o, struct oauth_device *dev,
    struct oauth_error *err)
{
	struct buf form;
	const char *dc, *uc, *uri, *full;
	json_t *j = NULL;
	long http;
	enum oauth_status st;

	memset(dev, 0, sizeof *dev);
	memset(err, 0, sizeof *err);
	if (o->ep.device_url == NULL) {
		err->status = OAUTH_CONFIG;
		err->message = xstrdup("oauth_flow: a device login needs "
		    "oauth_flow=device");
		err->hint = xstrdup("set oauth_flow=device");
		return OAUTH_CONFIG;
	}
	buf_init_secret(&form, 0);
	oauth_form_client(o, &form);
	if (*o->ep.scope != '\0')
		oauth_form_add(&form, "scope", o->ep.scope);
	st = oauth_post(o, o->ep.device_url, "device authorization", NULL,
	    &form, &j, &http, err);
	buf_cleanup(&form);
	if (st != OAUTH_OK) {
		oauth_explain(o, err);
		return st;
	}
	if (http != 200 || oauth_jstr(j, "error") != NULL) {
		st = oauth_refusal(o, j, http, "device authorization", err);
		json_decref(j);
		return st;
	}
	dc = oauth_jstr(j, "device_code");
	uc = oauth_jstr(j, "user_code");
	uri = oauth_jstr(j, "verification_uri");
	if (uri == NULL)
		uri = oauth_jstr(j, "verification_url");
	full = oauth_jstr(j, "verification_uri_complete");
	if (dc == NULL || uc == NULL || uri == NULL) {
		err->status = st = OAUTH_BAD_REPLY;
		err->http_status = http;
		err->message = xstrdup("the device authorization answer lacks "
		    "device_code, user_code or verification_uri");
		oauth_explain(o, err);
		oauth_trace(o, TRACE_ERROR, "OAuth: %s", err->message);
		json_decref(j);
		return st;
	}
	dev->device_code = xstrdup(dc);
	o->secrets[1] = dev->device_code;
	dev->user_code = oauth_show(o, uc);
	dev->verification_uri = oauth_show(o, uri);
	dev->verification_uri_complete = full != NULL ? oauth_show(o, full) :
	    NULL;
	dev->expires_in = (int)oauth_jint(j, "expires_in", 900);
	dev->interval = (int)oauth_jint(j, "interval", 5);
	if (dev->interval < 1)
		dev->interval = 1;
	if (dev->expires_in < 1)
		dev->expires_in = 1;
	dev->deadline_ms = oauth_now_ms() + (int64_t)dev->expires_in * 1000;
	json_decref(j);
	oauth_trace(o, TRACE_INFO, "OAuth: device code issued: go to %s and "
	    "enter the code shown (valid %d s, polling every %d s)",
	    dev->verification_uri, dev->expires_in, dev->interval);
	return OAUTH_OK;
}

enum oauth_status
oauth_device_poll(struct oauth *o, struct oauth_device *dev,
    struct oauth_tokens *tok, struct oauth_error *err)
{
	enum oauth_status st;

	memset(err, 0, sizeof *err);
	o->secrets[1] = dev->device_code;
	st = oauth_token_request(o, "urn:ietf:params:oauth:grant-type:"
	    "device_code", "device_code", dev->device_code, tok, err);
	if (st != OAUTH_REFUSED || err->error == NULL)
		return st;
	if (strcmp(err->error, "authorization_pending") == 0) {
		oauth_error_cleanup(err);
		return OAUTH_PENDING;
	}
	if (strcmp(err->error, "slow_down") == 0) {
		oauth_error_cleanup(err);
		dev->interval += 5;
		oauth_trace(o, TRACE_INFO, "OAuth: slow_down: polling every "
		    "%d s from now on", dev->interval);
		return OAUTH_SLOW_DOWN;
	}
	return st;
}

enum oauth_status
oauth_device_wait(struct oauth *o, struct oauth_device *dev,
    struct oauth_tokens *tok, struct oauth_error *err)
{
	struct timespec ts = { 0, 100 * 1000000L };
	enum oauth_status st;
	int64_t next;

	for (;;) {
		next = oauth_now_ms() + (int64_t)dev->interval * 1000;
		while (oauth_now_ms() < next) {
			if (o->cancel != NULL && *o->cancel)
				goto cancelled;
			nanosleep(&ts, NULL);
		}
		if (o->cancel != NULL && *o->cancel)
			goto cancelled;
		st = oauth_device_poll(o, dev, tok, err);
		if (st != OAUTH_PENDING && st != OAUTH_SLOW_DOWN)
			return st;
		if (oauth_now_ms() >= dev->deadline_ms) {
			memset(err, 0, sizeof *err);
			err->status = OAUTH_REFUSED;
			err->error = xstrdup("expired_token");
			err->message = xasprintf("the device code expired after "
			    "%d s without an approval", dev->expires_in);
			oauth_explain(o, err);
			oauth_trace(o, TRACE_ERROR, "OAuth: %s", err->message);
			return OAUTH_REFUSED;
		}
	}
cancelled:
	memset(err, 0, sizeof *err);
	err->status = OAUTH_CANCELLED;
	err->message = xstrdup("the device login was cancelled");
	oauth_explain(o, err);
	oauth_trace(o, TRACE_INFO, "OAuth: %s", err->message);
	return OAUTH_CANCELLED;
}

enum oauth_status
oauth_refresh(struct oauth *o, const char *refresh_token,
    struct oauth_tokens *tok, struct oauth_error *err)
{
	memset(err, 0, sizeof *err);
	o->secrets[2] = refresh_token;
	return oauth_token_request(o, "refresh_token", "refresh_token",
	    refresh_token, tok, err);
}

enum oauth_status
oauth_client_credentials(struct oauth *o, struct oauth_tokens *tok,
    struct oauth_error *err)
{
	memset(err, 0, sizeof *err);
	return oauth_token_request(o, "client_credentials", NULL, NULL, tok,
	    err);
}
