/*
 * logon.c - the test logon driver.  It builds the transport stack one
 * layer at a time (TCP, then the proxy, then TLS) so that each step gets
 * its own time in the result, feeds the POP3 machine what the server says
 * and carries out the machine's actions.  Turning whatever happened into a
 * diagnosis is logon_result.c's job; the OAuth2 token command is
 * logon_token.c's.
 *
 * Nothing here blocks: the caller's poll() loop calls logon_advance() when
 * a descriptor is ready or a deadline passes.  The OAuth2 token command is
 * a phase like the others, its pipes (and a pidfd for its exit) polled
 * with the rest.  Every wait for the server is
 * bounded by the profile's timeout, counted from the moment the wait began
 * (a connection attempt, a command sent), so a server that drips one byte
 * at a time cannot stretch a step beyond it.
 *
 * The profile's code page: the user name and password are written in it
 * here, once, before anything is sent (logon_cp_encode), and the POP3
 * machine is handed both forms (it sends the code-page one only with
 * USER, PASS, APOP, LOGIN and CRAM-MD5) and a decoder for server text
 * (logon_cp_decode), so the trace, the messages and the diagnosis show
 * what the server said in its own code page.  proto/ stays free of iconv.
 *
 * Safety lives in the layers below (the POP3 machine refuses to send a
 * credential in clear and checks STLS; the TLS transport verifies the
 * certificate and checks for bytes injected before the handshake); this
 * driver only wires them together and never puts a secret in the trace.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "popconn/buf.h"
#include "popconn/clock.h"
#include "popconn/codepage.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"
#include "logon_int.h"

#define LOGON_OUT_MAX	(256 * 1024)	/* bytes queued for the server */
#define LOGON_TICK_MS	50		/* re-check when a fd is not polled */

/* The real builders of the stack (struct logon_xport_ops defaults). */
static struct xport *
logon_sock_new(void *arg, const char *host, int port, const char *bind_addr)
{
	return xport_sock_new(host, port, bind_addr);
}

static enum pc_err
logon_proxy_new(void *arg, struct xport *next,
    const struct xport_proxy_cfg *cfg, struct xport **out, char **cause)
{
	return xport_proxy_new(next, cfg, out, cause);
}

static enum pc_err
logon_tls_new(void *arg, struct xport *next, const struct xport_tls_cfg *cfg,
    struct xport **out, char **cause)
{
	return xport_tls_new(next, cfg, out, cause);
}

/* Microseconds since the session started. */
static int64_t
logon_us(const struct logon *lg)
{
	return clock_now_us() - lg->t0_us;
}

void
logon_trace(struct logon *lg, enum trace_kind k, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	/* Server text in s is escaped already (pop3_show): not twice. */
	trace_emit_escaped(lg->tr, logon_us(lg), k, s);
	free(s);
}

/* Trace hook of the transports: proxy and TLS steps, DNS answers. */
static void
logon_note_cb(void *arg, const char *text)
{
	struct logon *lg = arg;
	enum trace_kind k;

	switch (lg->phase) {
	case LOGON_PH_PROXY:
		k = TRACE_PROXY;
		break;
	case LOGON_PH_TLS:
		k = TRACE_TLS;
		break;
	default:
		k = TRACE_CONNECT;
		break;
	}
	trace_emit(lg->tr, logon_us(lg), k, text, strlen(text));
}

static int
logon_step_begin(struct logon *lg, enum step step)
{
	struct logon_step *s;

	if (lg->res.nsteps == LOGON_MAX_STEPS)
		return -1;
	s = &lg->res.steps[lg->res.nsteps];
	s->id = step;
	s->name = step_name(step);
	s->start_us = logon_us(lg);
	s->done = false;
	s->ok = false;
	return lg->res.nsteps++;
}

void
logon_step_end(struct logon *lg, int i, bool ok)
{
	if (i < 0 || i >= lg->res.nsteps || lg->res.steps[i].done)
		return;
	lg->res.steps[i].end_us = logon_us(lg);
	lg->res.steps[i].ok = ok;
	lg->res.steps[i].done = true;
}

static void
logon_wait_from_now(struct logon *lg)
{
	lg->deadline = clock_now_ms() + (int64_t)lg->p->timeout * 1000;
}

const char *
logon_tmpf(struct logon *lg, const char *fmt, ...)
{
	va_list ap;

	free(lg->tmp);
	va_start(ap, fmt);
	lg->tmp = xvasprintf(fmt, ap);
	va_end(ap);
	return lg->tmp;
}

/* The TLS versions: the profile's PROF_TLS_* bit beside net's XPORT_TLS_*. */
static const unsigned logon_tls_map[][2] = {
	{ PROF_TLS_SSL2, XPORT_TLS_SSL2 },
	{ PROF_TLS_SSL3, XPORT_TLS_SSL3 },
	{ PROF_TLS_10, XPORT_TLS_1_0 },
	{ PROF_TLS_11, XPORT_TLS_1_1 },
	{ PROF_TLS_12, XPORT_TLS_1_2 },
	{ PROF_TLS_13, XPORT_TLS_1_3 },
};

/* bits of one side (from: 0 profile, 1 net) as the other side's. */
static unsigned
logon_tls_bits(unsigned bits, int from)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < sizeof logon_tls_map / sizeof logon_tls_map[0]; i++)
		if (bits & logon_tls_map[i][from])
			v |= logon_tls_map[i][!from];
	return v;
}

unsigned
logon_tls_available(void)
{
	return logon_tls_bits(xport_tls_versions_available(), 1);
}

/* Build and start the TLS layer over what we have. */
static void
logon_start_tls(struct logon *lg, bool stls)
{
	struct xport_tls_cfg cfg;
	struct xport *tls = NULL;
	char *cause = NULL;
	enum pc_err rc;

	memset(&cfg, 0, sizeof cfg);
	cfg.host = lg->p->address;
	cfg.versions = logon_tls_bits(lg->p->tls_versions, 0);
	cfg.verify = lg->p->tls_verify == PROF_VERIFY_PIN ?
	    XPORT_TLS_VERIFY_PIN : lg->p->tls_verify == PROF_VERIFY_OFF ?
	    XPORT_TLS_VERIFY_OFF : XPORT_TLS_VERIFY_FULL;
	cfg.pin = lg->p->tls_pin;
	cfg.ca_file = lg->p->tls_ca_file;
	cfg.stls = stls;
	lg->phase = LOGON_PH_TLS;
	lg->after_stls = stls;
	lg->step_tls = logon_step_begin(lg, STEP_TLS);
	if (lg->p->tls_verify == PROF_VERIFY_OFF)
		logon_trace(lg, TRACE_ERROR, "WARNING: certificate checks are "
		    "off (tls_verify=off): the server is not authenticated");
	rc = lg->xops.tls(lg->xops.arg, lg->x, &cfg, &tls, &cause);
	if (rc) {
		logon_finish(lg, DIAG_TLS_HANDSHAKE_FAILED, STEP_TLS,
		    cause != NULL ? cause : "cannot set up TLS");
		free(cause);
		return;
	}
	lg->x = tls;
	logon_wait_from_now(lg);
	xport_set_deadline(lg->x, lg->deadline);
	if (xport_tls_sni(lg->x) != NULL)
		logon_trace(lg, TRACE_TLS, "TLS handshake%s (SNI %s)", stls ?
		    " after STLS" : "", xport_tls_sni(lg->x));
	else
		logon_trace(lg, TRACE_TLS, "TLS handshake%s (no SNI for an IP "
		    "address; the certificate must name the IP)", stls ?
		    " after STLS" : "");
}

static void
logon_start_proxy(struct logon *lg)
{
	static const enum xport_proxy_type types[] = {
		[PROF_PROXY_SOCKS4] = XPORT_PROXY_SOCKS4,
		[PROF_PROXY_SOCKS4A] = XPORT_PROXY_SOCKS4A,
		[PROF_PROXY_SOCKS5] = XPORT_PROXY_SOCKS5,
		[PROF_PROXY_HTTP] = XPORT_PROXY_HTTP,
	};
	struct xport_proxy_cfg cfg;
	struct xport *px = NULL;
	char *cause = NULL;
	enum pc_err rc;

	memset(&cfg, 0, sizeof cfg);
	cfg.type = types[lg->p->proxy_type];
	cfg.proxy_host = lg->p->proxy_address;
	cfg.proxy_port = lg->p->proxy_port;
	cfg.host = lg->p->address;
	cfg.port = lg->p->port;
	if (lg->p->proxy_auth) {
		cfg.username = lg->p->proxy_username;
		cfg.password = lg->p->proxy_password;
		cfg.domain = lg->p->proxy_domain;
	}
	lg->phase = LOGON_PH_PROXY;
	lg->step_tls = logon_step_begin(lg, STEP_PROXY);
	rc = lg->xops.proxy(lg->xops.arg, lg->x, &cfg, &px, &cause);
	if (rc) {
		logon_finish(lg, DIAG_PROXY_FAILED, STEP_PROXY, cause != NULL ?
		    cause : "cannot use this proxy");
		free(cause);
		return;
	}
	lg->x = px;
	logon_wait_from_now(lg);
	xport_set_deadline(lg->x, lg->deadline);
}

static enum pop3_method
logon_method(enum prof_auth a)
{
	switch (a) {
	case PROF_AUTH_USER:
		return POP3_M_USER;
	case PROF_AUTH_APOP:
		return POP3_M_APOP;
	case PROF_AUTH_PLAIN:
		return POP3_M_PLAIN;
	case PROF_AUTH_LOGIN:
		return POP3_M_LOGIN;
	case PROF_AUTH_CRAM_MD5:
		return POP3_M_CRAM_MD5;
	case PROF_AUTH_XOAUTH2:
		return POP3_M_XOAUTH2;
	case PROF_AUTH_OAUTHBEARER:
		return POP3_M_OAUTHBEARER;
	case PROF_AUTH_SCRAM_SHA1:
		return POP3_M_SCRAM_SHA1;
	case PROF_AUTH_SCRAM_SHA256:
		return POP3_M_SCRAM_SHA256;
	default:
		return POP3_M_AUTO;
	}
}

/* Server text for display: from the profile's code page, escaped. */
static char *
logon_cp_decode(void *arg, const char *s, size_t len)
{
	const struct logon *lg = arg;
	char *out;

	out = codepage_display(lg->p->codepage, s, len);
	return out != NULL ? out : str_escape(s, len);
}

/*
 * One credential in the code page: *out (NULL for UTF-8, which needs no
 * copy), or false with lg->cp_error set.  A NUL byte in the result (a
 * UTF-16 page) cannot go on a POP3 line either.
 */
static bool
logon_cp_one(struct logon *lg, const char *what, const char *in, char **out)
{
	const struct codepage *cp = codepage_by_number(lg->p->codepage);
	char *enc = NULL, *cause = NULL;
	size_t n = 0;

	*out = NULL;
	if (in == NULL || lg->p->codepage == 65001)
		return true;
	if (codepage_encode(lg->p->codepage, in, strlen(in), &enc, &n,
	    &cause) == PC_OK && memchr(enc, '\0', n) == NULL) {
		*out = enc;
		return true;
	}
	if (enc != NULL)
		xfreezero(enc, n + 1);
	lg->cp_error = cause != NULL ? xasprintf("the %s cannot be written "
	    "in the profile's code page: %s", what, cause) : xasprintf("the "
	    "%s cannot be written in code page %d (%s): it would hold a NUL "
	    "byte", what, lg->p->codepage, cp != NULL ? cp->name : "?");
	free(cause);
	return false;
}

/* Write the user name and password in the code page (before any byte). */
static void
logon_cp_encode(struct logon *lg)
{
	if (logon_cp_one(lg, "user name", lg->p->username, &lg->user_cp))
		(void)logon_cp_one(lg, "password", lg->p->password,
		    &lg->pass_cp);
	if (lg->cp_error != NULL) {
		xfree_secret(lg->pass_cp);
		lg->pass_cp = NULL;
		free(lg->user_cp);
		lg->user_cp = NULL;
	}
}

/* Hand over to the POP3 machine: the link is up (TLS too for ssl). */
static void
logon_start_pop3(struct logon *lg)
{
	struct pop3_cfg cfg;
	unsigned char raw[24];
	char *nonce = NULL;

	memset(&cfg, 0, sizeof cfg);
	/* A fresh SCRAM nonce per session from the kernel's CSPRNG: 32
	 * base64 characters, never a ','.  Without one SCRAM is unavailable. */
	if (getrandom(raw, sizeof raw, 0) == (ssize_t)sizeof raw)
		cfg.scram_nonce = nonce = b64_encode(raw, sizeof raw);
	cfg.username = lg->p->username != NULL ? lg->p->username : "";
	cfg.password = lg->p->password;
	cfg.oauth_token = lg->token;
	cfg.method = logon_method(lg->p->auth);
	cfg.stls = lg->p->security == PROF_SEC_TLS;
	cfg.tls_active = lg->p->security == PROF_SEC_SSL;
	cfg.allow_plaintext = lg->p->allow_plaintext;
	cfg.trusted_capa = lg->trusted;
	cfg.username_cp = lg->user_cp;
	cfg.password_cp = lg->pass_cp;
	cfg.cp_error = lg->cp_error;
	cfg.decode = logon_cp_decode;
	cfg.decode_arg = lg;
	lg->pop = pop3_new(&cfg);
	free(nonce);
	lg->phase = LOGON_PH_POP3;
	logon_wait_from_now(lg);
	pop3_event(lg->pop, POP3_EV_CONNECTED);
}

/* Where the connect of the current layer leads next. */
static void
logon_layer_up(struct logon *lg)
{
	switch (lg->phase) {
	case LOGON_PH_CONNECT:
		logon_step_end(lg, lg->step_tls, true);
		logon_trace(lg, TRACE_CONNECT, "connected to %s",
		    xport_sock_peer(lg->x));
		if (lg->p->proxy_type != PROF_PROXY_NONE)
			logon_start_proxy(lg);
		else if (lg->p->security == PROF_SEC_SSL)
			logon_start_tls(lg, false);
		else
			logon_start_pop3(lg);
		break;
	case LOGON_PH_PROXY:
		logon_step_end(lg, lg->step_tls, true);
		if (lg->p->security == PROF_SEC_SSL)
			logon_start_tls(lg, false);
		else
			logon_start_pop3(lg);
		break;
	case LOGON_PH_TLS:
		logon_step_end(lg, lg->step_tls, true);
		logon_take_tls_info(lg);
		logon_trace_tls(lg);
		if (lg->after_stls) {
			lg->phase = LOGON_PH_POP3;
			logon_wait_from_now(lg);
			pop3_event(lg->pop, POP3_EV_TLS_READY);
		} else
			logon_start_pop3(lg);
		break;
	default:
		break;
	}
}

/* Carry out what the POP3 machine asks for, in order. */
static void
logon_actions(struct logon *lg)
{
	struct pop3_action a;

	while (lg->phase == LOGON_PH_POP3 && pop3_next_action(lg->pop, &a)) {
		switch (a.kind) {
		case POP3_ACT_SEND:
			logon_trace(lg, TRACE_SEND, "%s", a.text);
			if (buf_add(&lg->out, a.data, a.len) != PC_OK) {
				logon_finish(lg, DIAG_PROTOCOL_ERROR,
				    STEP_POP3,
				    "too much output queued");
				return;
			}
			logon_wait_from_now(lg);
			break;
		case POP3_ACT_STARTTLS:
			/* Send what is queued (nothing: STLS went already). */
			logon_start_tls(lg, true);
			return;
		case POP3_ACT_RECV_LINE:
			/* The machine escaped it already. */
			trace_emit_escaped(lg->tr, logon_us(lg), TRACE_RECV,
			    a.text);
			break;
		case POP3_ACT_NOTE:
			trace_emit_escaped(lg->tr, logon_us(lg), TRACE_INFO,
			    a.text);
			break;
		case POP3_ACT_STATE:
			trace_emit_escaped(lg->tr, logon_us(lg), TRACE_STATE,
			    a.text);
			break;
		case POP3_ACT_STEP:
			if (a.begin)
				lg->step_pop = logon_step_begin(lg, a.step);
			else
				logon_step_end(lg, lg->step_pop, a.ok);
			break;
		case POP3_ACT_DONE:
			/* Push out QUIT if the socket takes it now. */
			if (lg->out.len > 0 && lg->x != NULL) {
				size_t put = 0;
				xport_write(lg->x, lg->out.data, lg->out.len,
				    &put);
				xport_flush(lg->x);
			}
			logon_take_outcome(lg);
			return;
		}
	}
}

/*
 * Write what is queued until the transport would block.  True when some
 * bytes went out.
 */
static bool
logon_write(struct logon *lg)
{
	size_t put;
	enum pc_err rc;
	bool wrote = false;

	while (lg->out.len > 0) {
		put = 0;
		rc = xport_write(lg->x, lg->out.data, lg->out.len, &put);
		if (rc == PC_E_AGAIN)
			break;
		if (rc) {
			pop3_event(lg->pop, POP3_EV_CLOSED);
			return wrote;
		}
		buf_consume(&lg->out, put);
		wrote = true;
	}
	rc = xport_flush(lg->x);
	if (rc && rc != PC_E_AGAIN)
		pop3_event(lg->pop, POP3_EV_CLOSED);
	return wrote;
}

/* Read until the transport would block.  True when bytes came in. */
static bool
logon_read(struct logon *lg)
{
	char chunk[16384];
	size_t got;
	enum pc_err rc;
	bool any = false;

	for (;;) {
		got = 0;
		rc = xport_read(lg->x, chunk, sizeof chunk, &got);
		if (rc == PC_E_AGAIN)
			break;
		if (rc == PC_E_CLOSED) {
			pop3_event(lg->pop, POP3_EV_CLOSED);
			break;
		}
		if (rc) {
			logon_trace(lg, TRACE_ERROR, "read failed: %s",
			    xport_cause(lg->x));
			/*
			 * TLS 1.3 refuses a missing client certificate
			 * after our side of the handshake: on this read.
			 */
			if (xport_fail(lg->x) == XPORT_FAIL_TLS_CLIENT_CERT) {
				logon_finish(lg, DIAG_CLIENT_CERT_REQUIRED,
				    lg->step_pop >= 0 ? lg->res.steps[
				    lg->step_pop].id : STEP_GREETING,
				    xport_cause(lg->x));
				break;
			}
			pop3_event(lg->pop, POP3_EV_CLOSED);
			break;
		}
		any = true;
		pop3_feed(lg->pop, chunk, got);
		logon_actions(lg);
		if (lg->phase != LOGON_PH_POP3)
			break;
	}
	explicit_bzero(chunk, sizeof chunk);
	return any;
}

static void
logon_pump(struct logon *lg)
{
	enum pc_err rc;
	enum step step;
	bool moved;

	for (;;) {
		switch (lg->phase) {
		case LOGON_PH_TOKEN:
			logon_token_pump(lg);
			if (lg->phase == LOGON_PH_TOKEN)
				return;
			break;
		case LOGON_PH_CONNECT:
		case LOGON_PH_PROXY:
		case LOGON_PH_TLS:
			rc = xport_connect(lg->x);
			if (rc == PC_E_AGAIN) {
				if (clock_now_ms() < lg->deadline)
					return;
				rc = PC_E_TIMEOUT;
			}
			step = lg->phase == LOGON_PH_CONNECT ? STEP_CONNECT :
			    lg->phase == LOGON_PH_PROXY ? STEP_PROXY : STEP_TLS;
			if (rc) {
				logon_fail_xport(lg, step, rc);
				return;
			}
			logon_layer_up(lg);
			break;
		case LOGON_PH_POP3:
			/*
			 * Until neither direction moves: what a read makes
			 * the machine say goes out now, not after the next
			 * poll() (a transport without a descriptor, such as
			 * the scripted one of the tests, gets no POLLOUT).
			 */
			do {
				logon_actions(lg);
				if (lg->phase != LOGON_PH_POP3)
					break;
				moved = logon_write(lg);
				logon_actions(lg);
				if (lg->phase != LOGON_PH_POP3)
					break;
				moved |= logon_read(lg);
			} while (moved && lg->phase == LOGON_PH_POP3);
			if (lg->phase != LOGON_PH_POP3)
				break;
			if (clock_now_ms() >= lg->deadline) {
				pop3_event(lg->pop, POP3_EV_TIMEOUT);
				logon_actions(lg);
				if (lg->phase == LOGON_PH_POP3)
					logon_finish(lg, DIAG_TIMEOUT,
					    STEP_POP3, "the server stopped "
					    "answering");
			}
			return;
		case LOGON_PH_DONE:
			return;
		}
	}
}

void
logon_start_connect(struct logon *lg)
{
	const struct profile *p = lg->p;
	const char *host;
	int port;

	if (p->proxy_type != PROF_PROXY_NONE) {
		host = p->proxy_address;
		port = p->proxy_port;
	} else {
		host = p->address;
		port = p->port;
	}
	lg->phase = LOGON_PH_CONNECT;
	lg->step_tls = logon_step_begin(lg, STEP_CONNECT);
	lg->x = lg->xops.sock(lg->xops.arg, host, port, lg->opts.bind_address);
	xport_set_note(lg->x, logon_note_cb, lg);
	logon_wait_from_now(lg);
	xport_set_deadline(lg->x, lg->deadline);
	logon_trace(lg, TRACE_CONNECT, "connecting to %s port %d%s", host,
	    port, p->proxy_type != PROF_PROXY_NONE ? " (the proxy)" : "");
}

struct logon *
logon_new(const struct profile *p, struct trace *tr,
    const struct logon_opts *opts)
{
	struct logon *lg;
	char *cause = NULL, *msg;

	lg = xcalloc(1, sizeof *lg);
	lg->p = profile_dup(p);
	lg->tr = tr;
	lg->tok.pid = -1;
	lg->tok.out = lg->tok.err = lg->tok.pidfd = -1;
	if (opts != NULL) {
		lg->opts = *opts;
		lg->trusted = xstrdup_or_null(opts->trusted_capa);
		lg->opts.trusted_capa = NULL;
		lg->opts.access_token = NULL;
		lg->opts.token_failure = NULL;
		if (opts->xops != NULL)
			lg->xops = *opts->xops;
		lg->opts.xops = NULL;
	}
	if (lg->xops.sock == NULL)
		lg->xops.sock = logon_sock_new;
	if (lg->xops.proxy == NULL)
		lg->xops.proxy = logon_proxy_new;
	if (lg->xops.tls == NULL)
		lg->xops.tls = logon_tls_new;
	lg->t0 = clock_now_ms();
	lg->t0_us = clock_now_us();
	lg->step_tls = lg->step_pop = -1;
	buf_init_secret(&lg->out, LOGON_OUT_MAX);
	lg->phase = LOGON_PH_CONNECT;

	logon_trace(lg, TRACE_INFO, "test logon of %s: %s port %d, security "
	    "%s, logon %s%s", p->name ? p->name : "(unsaved)", p->address,
	    p->port, profile_security_str(p->security),
	    profile_auth_str(p->auth), p->proxy_type != PROF_PROXY_NONE ?
	    ", via proxy" : "");
	lg->res.warning = profile_port_warning(p);
	if (lg->res.warning != NULL)
		logon_trace(lg, TRACE_INFO, "warning: %s", lg->res.warning);
	logon_cp_encode(lg);
	if (lg->cp_error != NULL && pop3_method_uses_cp(logon_method(p->auth))) {
		/* The code page cannot hold them: stop before anything is sent. */
		msg = xasprintf("%s: %s sends the credentials in the code page, "
		    "so the test stopped before connecting; nothing was sent",
		    lg->cp_error, pop3_method_name(logon_method(p->auth)));
		logon_finish(lg, DIAG_AUTH_FAILED, STEP_CREDENTIALS, msg);
		free(msg);
		return lg;
	}
	if (lg->cp_error != NULL)
		logon_trace(lg, TRACE_INFO, "%s: auto leaves out USER, APOP, "
		    "LOGIN and CRAM-MD5, which send the credentials in it",
		    lg->cp_error);
	if (profile_oauth_builtin(p)) {
		/* The caller ran the OAuth2 steps (oauth_acquire): their
		 * trace is already in tr, and their time counts. */
		if (opts != NULL && opts->token_ms > 0) {
			lg->t0_us -= opts->token_ms * 1000;
			lg->t0 -= opts->token_ms;
		}
		lg->step_pop = logon_step_begin(lg, STEP_OAUTH);
		lg->res.steps[lg->step_pop].start_us = 0;
		if (opts != NULL && opts->access_token != NULL &&
		    *opts->access_token != '\0') {
			lg->token = xstrdup(opts->access_token);
			logon_step_end(lg, lg->step_pop, true);
			logon_trace(lg, TRACE_INFO, "OAuth2 (%s): access token "
			    "obtained, %zu bytes (a secret: not shown)",
			    profile_oauth_flow_str(p->oauth_flow),
			    strlen(lg->token));
		} else {
			logon_finish(lg, DIAG_TOKEN_FAILED, STEP_OAUTH,
			    opts != NULL && opts->token_failure != NULL ?
			    opts->token_failure : "no OAuth2 access token was "
			    "obtained for the built-in flow");
			return lg;
		}
	} else if (p->oauth_token_cmd != NULL && *p->oauth_token_cmd != '\0' &&
	    (p->auth == PROF_AUTH_XOAUTH2 || p->auth == PROF_AUTH_OAUTHBEARER ||
	    p->auth == PROF_AUTH_AUTO)) {
		lg->phase = LOGON_PH_TOKEN;
		lg->step_pop = logon_step_begin(lg, STEP_TOKEN);
		logon_wait_from_now(lg);
		logon_trace(lg, TRACE_INFO, "running the token command (its "
		    "output is a secret and is not shown)");
		if (logon_token_start(lg, &cause) != PC_OK) {
			logon_finish(lg, DIAG_TOKEN_FAILED, STEP_TOKEN, cause);
			free(cause);
		}
		/* It has not written yet: the caller's poll() comes first. */
		return lg;
	}
	logon_start_connect(lg);
	logon_pump(lg);
	return lg;
}

void
logon_free(struct logon *lg)
{
	if (lg == NULL)
		return;
	logon_token_end(lg);
	xport_free(lg->x);
	pop3_free(lg->pop);
	profile_free(lg->p);
	xfree_secret(lg->token);
	xfree_secret(lg->pass_cp);
	free(lg->user_cp);
	free(lg->cp_error);
	free(lg->tmp);
	buf_cleanup(&lg->out);
	free(lg->res.message);
	free(lg->res.method);
	free(lg->res.capa);
	free(lg->trusted);
	logon_tls_info_cleanup(&lg->res.tls);
	free(lg);
}

int
logon_pollfds(struct logon *lg, struct pollfd *fds, int max)
{
	int fd, n = 0;
	short ev;

	if (lg->phase == LOGON_PH_TOKEN) {
		/* Both pipes, and the pidfd that says it exited. */
		int want[3] = { lg->tok.out, lg->tok.err, lg->tok.pidfd };
		int i, need = 0;

		for (i = 0; i < 3; i++) {
			if (want[i] < 0)
				continue;
			need++;
			if (n < max) {
				fds[n].fd = want[i];
				fds[n].events = POLLIN;
				fds[n].revents = 0;
				n++;
			}
		}
		lg->tok.polled_all = n == need && lg->tok.pidfd >= 0;
		return n;
	}
	if (lg->phase == LOGON_PH_DONE || lg->x == NULL || max < 1)
		return 0;
	fd = xport_fd(lg->x);
	if (fd < 0)
		return 0;
	ev = xport_poll_events(lg->x);
	if (lg->phase == LOGON_PH_POP3) {
		ev |= POLLIN;
		if (lg->out.len > 0)
			ev |= POLLOUT;
	}
	fds[0].fd = fd;
	fds[0].events = ev;
	fds[0].revents = 0;
	return 1;
}

int
logon_timeout_ms(struct logon *lg)
{
	int64_t left;

	if (lg->phase == LOGON_PH_DONE)
		return 0;
	/*
	 * The token command's exit is seen only by ticking when there is
	 * no pidfd, or when a pipe did not fit in the caller's array.
	 */
	if (lg->phase == LOGON_PH_TOKEN && !lg->tok.polled_all) {
		left = lg->deadline - clock_now_ms();
		return left < 0 ? 0 : left < LOGON_TICK_MS ? (int)left :
		    LOGON_TICK_MS;
	}
	/* A layer may hold decrypted bytes poll() cannot see. */
	if (lg->x != NULL && lg->phase == LOGON_PH_POP3 &&
	    xport_pending(lg->x) > 0)
		return 0;
	left = lg->deadline - clock_now_ms();
	if (left < 0)
		return 0;
	return left > 3600 * 1000 ? 3600 * 1000 : (int)left;
}

void
logon_advance(struct logon *lg, const struct pollfd *fds, int n)
{
	(void)fds;
	(void)n;
	/* Every layer is non-blocking: just try to make progress. */
	logon_pump(lg);
}

void
logon_cancel(struct logon *lg)
{
	if (lg->phase == LOGON_PH_DONE)
		return;
	logon_finish(lg, DIAG_CANCELLED, lg->res.nsteps > 0 ?
	    lg->res.steps[lg->res.nsteps - 1].id : STEP_CONNECT,
	    "cancelled by the user");
}

bool
logon_done(const struct logon *lg)
{
	return lg->phase == LOGON_PH_DONE;
}

const struct logon_result *
logon_result(const struct logon *lg)
{
	return &lg->res;
}

void
logon_run(struct logon *lg)
{
	struct pollfd fds[4];
	int n;

	while (!logon_done(lg)) {
		n = logon_pollfds(lg, fds, 4);
		if (poll(fds, (nfds_t)n, logon_timeout_ms(lg)) < 0 &&
		    errno != EINTR)
			break;
		logon_advance(lg, fds, n);
	}
}

char *
logon_endpoint(const struct profile *p)
{
	char *sec, *s;

	sec = profile_field_get(p, "security");
	s = xasprintf("%s %s %d", sec, p->address != NULL ? p->address : "",
	    p->port);
	free(sec);
	return s;
}
