/*
 * logon.c - the test logon driver.  It builds the transport stack one
 * layer at a time (TCP, then the proxy, then TLS) so that each step gets
 * its own time in the result, feeds the POP3 machine what the server says,
 * carries out the machine's actions, and turns whatever happened into a
 * diagnosis.
 *
 * Nothing here blocks: the caller's poll() loop calls logon_advance() when
 * a descriptor is ready or a deadline passes.  Every wait for the server is
 * bounded by the profile's timeout, counted from the moment the wait began
 * (a connection attempt, a command sent), so a server that drips one byte
 * at a time cannot stretch a step beyond it.
 *
 * Safety lives in the layers below (the POP3 machine refuses to send a
 * credential in clear and checks STLS; the TLS transport verifies the
 * certificate and checks for bytes injected before the handshake); this
 * driver only wires them together and never puts a secret in the trace.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "popconn/buf.h"
#include "popconn/logon.h"
#include "popconn/pop3.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"
#include "popconn/xport.h"

#define LOGON_OUT_MAX	(256 * 1024)	/* bytes queued for the server */
#define LOGON_TOKEN_MAX	(64 * 1024)	/* OAuth token command output */

enum logon_phase {
	LOGON_PH_CONNECT,	/* DNS + TCP to the server or the proxy */
	LOGON_PH_PROXY,		/* proxy negotiation */
	LOGON_PH_TLS,		/* handshake (ssl, or after STLS) */
	LOGON_PH_POP3,		/* the POP3 dialogue */
	LOGON_PH_DONE,
};

struct logon {
	struct profile	*p;		/* own copy (secrets wiped on free) */
	struct trace	*tr;		/* borrowed */
	struct logon_opts opts;
	char		*trusted;	/* opts.trusted_capa, copied */
	enum logon_phase phase;
	struct xport	*x;		/* the stack so far */
	struct pop3	*pop;
	char		*token;		/* SECRET: OAuth2 access token */
	struct buf	 out;		/* queued bytes for the server */
	int64_t		 t0;		/* xport_now_ms at start */
	int64_t		 t0_us;		/* CLOCK_MONOTONIC in us at start */
	int64_t		 deadline;	/* ms; the current wait ends here */
	bool		 after_stls;	/* the TLS phase follows STLS */
	struct logon_result res;
	int		 step_tls;	/* index of the running steps, or -1 */
	int		 step_pop;
	char		*tmp;		/* scratch message, see logon_tmpf */
};

/* CLOCK_MONOTONIC in microseconds. */
static int64_t
logon_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Microseconds since the session started. */
static int64_t
logon_us(const struct logon *lg)
{
	return logon_mono_us() - lg->t0_us;
}

static void
logon_trace(struct logon *lg, enum trace_kind k, const char *fmt, ...)
    PC_PRINTFLIKE(3, 4);

static void
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
logon_step_begin(struct logon *lg, const char *name)
{
	struct logon_step *s;

	if (lg->res.nsteps == LOGON_MAX_STEPS)
		return -1;
	s = &lg->res.steps[lg->res.nsteps];
	s->name = name;
	s->start_us = logon_us(lg);
	s->done = false;
	s->ok = false;
	return lg->res.nsteps++;
}

static void
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
	lg->deadline = xport_now_ms() + (int64_t)lg->p->timeout * 1000;
}

/* Steps of the POP3 machine have static names; map ours onto them. */
static const char *
logon_static_name(const char *name)
{
	static const char *const names[] = { "greeting", "capa", "stls",
	    "capa2", "logon", "stat", "quit", NULL };
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return names[i];
	return "pop3";
}

/* End the session: close everything, fill in the result. */
static void
logon_finish(struct logon *lg, enum diag d, const char *failed_step,
    const char *message)
{
	int i;

	if (lg->phase == LOGON_PH_DONE)
		return;
	for (i = 0; i < lg->res.nsteps; i++)
		if (!lg->res.steps[i].done)
			logon_step_end(lg, i, d == DIAG_OK);
	lg->res.diag = d;
	lg->res.failed_step = d == DIAG_OK ? NULL : failed_step;
	free(lg->res.message);
	lg->res.message = xstrdup(message != NULL && *message != '\0' ?
	    message : diag_hint(d));
	lg->res.elapsed_ms = xport_now_ms() - lg->t0;
	if (lg->x != NULL) {
		xport_close(lg->x);
		xport_free(lg->x);
		lg->x = NULL;
	}
	buf_cleanup(&lg->out);
	if (d == DIAG_OK)
		logon_trace(lg, TRACE_INFO, "result: ok (%s)", lg->res.message);
	else
		logon_trace(lg, TRACE_ERROR, "result: %s at step %s: %s",
		    diag_key(d), failed_step != NULL ? failed_step : "?",
		    lg->res.message);
	lg->phase = LOGON_PH_DONE;
}

static void
logon_tls_info_cleanup(struct logon_tls_info *t)
{
	free(t->version);
	free(t->cipher);
	free(t->subject);
	free(t->issuer);
	free(t->sans);
	free(t->not_before);
	free(t->not_after);
	free(t->fingerprint);
	free(t->verify_text);
	memset(t, 0, sizeof *t);
}

/* Copy the TLS details into the result and the trace. */
static void
logon_take_tls_info(struct logon *lg)
{
	const struct xport_tls_info *ti;
	struct logon_tls_info *t = &lg->res.tls;
	struct buf b;
	int i;

	ti = xport_tls_info(lg->x);
	if (ti == NULL)
		return;
	logon_tls_info_cleanup(t);
	t->version = xstrdup_or_null(ti->version);
	t->cipher = xstrdup_or_null(ti->cipher);
	t->subject = xstrdup_or_null(ti->subject);
	t->issuer = xstrdup_or_null(ti->issuer);
	buf_init(&b, 0);
	for (i = 0; i < ti->nsans; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", ti->sans[i]);
	t->sans = buf_take(&b);
	t->not_before = xstrdup_or_null(ti->not_before);
	t->not_after = xstrdup_or_null(ti->not_after);
	t->fingerprint = xstrdup_or_null(ti->fingerprint);
	t->verify_text = xstrdup_or_null(ti->verify_result);
	t->verified = ti->verified != 0;
	lg->res.have_tls = true;
}

static void
logon_trace_tls(struct logon *lg)
{
	const struct logon_tls_info *t = &lg->res.tls;

	/* The TLS layer has already said version, cipher and verdict. */
	logon_trace(lg, TRACE_TLS, "certificate: subject %s, issuer %s",
	    t->subject ? t->subject : "?", t->issuer ? t->issuer : "?");
	logon_trace(lg, TRACE_TLS, "certificate: names %s; valid %s to %s",
	    t->sans && *t->sans ? t->sans : "(none)",
	    t->not_before ? t->not_before : "?",
	    t->not_after ? t->not_after : "?");
	logon_trace(lg, TRACE_TLS, "certificate: SHA-256 %s",
	    t->fingerprint ? t->fingerprint : "?");
}

/* A formatted message that lives as long as the session (for finish). */
static const char *
logon_tmpf(struct logon *lg, const char *fmt, ...) PC_PRINTFLIKE(2, 3);

static const char *
logon_tmpf(struct logon *lg, const char *fmt, ...)
{
	va_list ap;

	free(lg->tmp);
	va_start(ap, fmt);
	lg->tmp = xvasprintf(fmt, ap);
	va_end(ap);
	return lg->tmp;
}

/* A transport failed: say why, in the step that was running. */
static void
logon_fail_xport(struct logon *lg, const char *step, enum pc_err rc)
{
	enum xport_fail f;
	enum diag d;
	const char *cause;

	f = xport_fail(lg->x);
	cause = xport_cause(lg->x);
	d = xport_fail_diag(f);
	if (f == XPORT_FAIL_NONE && rc == PC_E_TIMEOUT)
		d = strcmp(step, "connect") == 0 ? DIAG_CONNECT_TIMEOUT :
		    DIAG_TIMEOUT;
	else if (f == XPORT_FAIL_NONE || f == XPORT_FAIL_IO ||
	    f == XPORT_FAIL_CLOSED) {
		if (strcmp(step, "tls") == 0)
			d = DIAG_TLS_HANDSHAKE_FAILED;
		else if (strcmp(step, "proxy") == 0)
			d = DIAG_PROXY_FAILED;
		else if (strcmp(step, "connect") != 0)
			d = DIAG_PROTOCOL_ERROR;
	}
	/* Connecting to the proxy itself is part of using the proxy. */
	if (strcmp(step, "connect") == 0 && lg->p->proxy_type !=
	    PROF_PROXY_NONE && d != DIAG_DNS_FAILED) {
		d = DIAG_PROXY_FAILED;
		logon_finish(lg, d, step, logon_tmpf(lg, "cannot reach the "
		    "proxy %s port %d: %s", lg->p->proxy_address,
		    lg->p->proxy_port, cause != NULL && *cause != '\0' ? cause :
		    pc_err_str(rc)));
		return;
	}
	if (strcmp(step, "tls") == 0 && (d == DIAG_TLS_HANDSHAKE_FAILED ||
	    f == XPORT_FAIL_TLS_VERSION) && xport_tls_version_suspect(lg->x))
		d = DIAG_TLS_VERSION_MISMATCH;
	if (strcmp(step, "tls") == 0) {
		logon_take_tls_info(lg);
		if (lg->res.have_tls)
			logon_trace_tls(lg);
	}
	logon_finish(lg, d, step, cause != NULL && *cause != '\0' ? cause :
	    pc_err_str(rc));
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
	cfg.versions = lg->p->tls_versions;
	cfg.verify = lg->p->tls_verify == PROF_VERIFY_PIN ?
	    XPORT_TLS_VERIFY_PIN : lg->p->tls_verify == PROF_VERIFY_OFF ?
	    XPORT_TLS_VERIFY_OFF : XPORT_TLS_VERIFY_FULL;
	cfg.pin = lg->p->tls_pin;
	cfg.ca_file = lg->p->tls_ca_file;
	cfg.stls = stls;
	lg->phase = LOGON_PH_TLS;
	lg->after_stls = stls;
	lg->step_tls = logon_step_begin(lg, "tls");
	if (lg->p->tls_verify == PROF_VERIFY_OFF)
		logon_trace(lg, TRACE_ERROR, "WARNING: certificate checks are "
		    "off (tls_verify=off): the server is not authenticated");
	rc = xport_tls_new(lg->x, &cfg, &tls, &cause);
	if (rc) {
		logon_finish(lg, DIAG_TLS_HANDSHAKE_FAILED, "tls",
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
	lg->step_tls = logon_step_begin(lg, "proxy");
	rc = xport_proxy_new(lg->x, &cfg, &px, &cause);
	if (rc) {
		logon_finish(lg, DIAG_PROXY_FAILED, "proxy", cause != NULL ?
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

/* Trusted capabilities that a logon failed with (logon_capa_stale). */
static bool
logon_stale(bool trusted, enum diag d, const char *failed_step)
{
	return trusted && d != DIAG_OK && failed_step != NULL &&
	    strcmp(failed_step, "logon") == 0;
}

/* Lines joined with '\n' (NULL when there are none). */
static char *
logon_join_lines(char *const *v, size_t n)
{
	struct buf b;
	size_t i;

	if (n == 0)
		return NULL;
	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addstr(&b, "\n");
		buf_addstr(&b, v[i]);
	}
	return buf_take(&b);
}

static void
logon_take_outcome(struct logon *lg)
{
	const struct pop3_outcome *o;
	char *msg;

	o = pop3_outcome(lg->pop);
	lg->res.have_stat = o->stat_ok;
	lg->res.messages = (long)o->messages;
	lg->res.octets = (long)o->octets;
	free(lg->res.method);
	lg->res.method = o->method == POP3_M_AUTO ? NULL :
	    xstrdup(pop3_method_name(o->method));
	lg->res.capa_trusted = o->capa_trusted;
	free(lg->res.capa);
	lg->res.capa = NULL;
	if (o->capa.seen && o->tls && !o->capa_trusted)
		lg->res.capa = logon_join_lines(o->capa.lines, o->capa.nlines);
	if (logon_stale(o->capa_trusted, o->diag, o->failed_step)) {
		msg = xasprintf("%s (the capabilities of the last test were "
		    "trusted: a full test asks CAPA again)", o->message);
		logon_finish(lg, o->diag, o->failed_step, msg);
		free(msg);
		return;
	}
	logon_finish(lg, o->diag, o->failed_step, o->message);
}

/* Carry out what the POP3 machine asks for, in order. */
static void
logon_actions(struct logon *lg)
{
	struct pop3_action a;
	enum trace_kind k;

	while (lg->phase == LOGON_PH_POP3 && pop3_next_action(lg->pop, &a)) {
		switch (a.kind) {
		case POP3_ACT_SEND:
			logon_trace(lg, TRACE_SEND, "%s", a.text);
			if (buf_add(&lg->out, a.data, a.len) != PC_OK) {
				logon_finish(lg, DIAG_PROTOCOL_ERROR, "pop3",
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
			k = strstr(a.text, " -> ") != NULL ? TRACE_STATE :
			    TRACE_INFO;
			trace_emit_escaped(lg->tr, logon_us(lg), k, a.text);
			break;
		case POP3_ACT_STEP:
			if (a.begin)
				lg->step_pop = logon_step_begin(lg,
				    logon_static_name(a.text));
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

/* Write what is queued until the transport would block. */
static void
logon_write(struct logon *lg)
{
	size_t put;
	enum pc_err rc;

	while (lg->out.len > 0) {
		put = 0;
		rc = xport_write(lg->x, lg->out.data, lg->out.len, &put);
		if (rc == PC_E_AGAIN)
			break;
		if (rc) {
			pop3_event(lg->pop, POP3_EV_CLOSED);
			return;
		}
		buf_consume(&lg->out, put);
	}
	rc = xport_flush(lg->x);
	if (rc && rc != PC_E_AGAIN)
		pop3_event(lg->pop, POP3_EV_CLOSED);
}

static void
logon_read(struct logon *lg)
{
	char chunk[16384];
	size_t got;
	enum pc_err rc;

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
			pop3_event(lg->pop, POP3_EV_CLOSED);
			break;
		}
		pop3_feed(lg->pop, chunk, got);
		logon_actions(lg);
		if (lg->phase != LOGON_PH_POP3)
			break;
	}
	explicit_bzero(chunk, sizeof chunk);
}

static void
logon_pump(struct logon *lg)
{
	enum pc_err rc;
	const char *step;

	for (;;) {
		switch (lg->phase) {
		case LOGON_PH_CONNECT:
		case LOGON_PH_PROXY:
		case LOGON_PH_TLS:
			rc = xport_connect(lg->x);
			if (rc == PC_E_AGAIN) {
				if (xport_now_ms() < lg->deadline)
					return;
				rc = PC_E_TIMEOUT;
			}
			step = lg->phase == LOGON_PH_CONNECT ? "connect" :
			    lg->phase == LOGON_PH_PROXY ? "proxy" : "tls";
			if (rc) {
				logon_fail_xport(lg, step, rc);
				return;
			}
			logon_layer_up(lg);
			break;
		case LOGON_PH_POP3:
			logon_actions(lg);
			if (lg->phase != LOGON_PH_POP3)
				break;
			logon_write(lg);
			logon_actions(lg);
			if (lg->phase != LOGON_PH_POP3)
				break;
			logon_read(lg);
			if (lg->phase != LOGON_PH_POP3)
				break;
			if (xport_now_ms() >= lg->deadline) {
				pop3_event(lg->pop, POP3_EV_TIMEOUT);
				logon_actions(lg);
				if (lg->phase == LOGON_PH_POP3)
					logon_finish(lg, DIAG_TIMEOUT,
					    "pop3", "the server stopped "
					    "answering");
			}
			return;
		case LOGON_PH_DONE:
			return;
		}
	}
}

/*
 * Run the OAuth2 token command through /bin/sh, reading at most
 * LOGON_TOKEN_MAX bytes within the timeout.  Its output is a secret.
 */
static enum pc_err
logon_run_token_cmd(struct logon *lg, char **cause)
{
	struct pollfd pfd;
	struct buf b;
	int fds[2], status, n;
	int64_t end;
	pid_t pid;
	char chunk[4096];
	ssize_t r;
	enum pc_err rc = PC_OK;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		*cause = xasprintf("cannot run the token command: %s",
		    strerror(errno));
		return PC_E_IO;
	}
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		*cause = xasprintf("cannot run the token command: %s",
		    strerror(errno));
		return PC_E_IO;
	}
	if (pid == 0) {
		/* Its own process group, so that a timeout ends everything
		 * it started; its standard error is a secret too (a helper
		 * may print the token or a refresh token there), so it goes
		 * nowhere. */
		setpgid(0, 0);
		dup2(fds[1], STDOUT_FILENO);
		n = open("/dev/null", O_RDWR);
		if (n >= 0) {
			dup2(n, STDIN_FILENO);
			dup2(n, STDERR_FILENO);
		}
		execl("/bin/sh", "sh", "-c", lg->p->oauth_token_cmd,
		    (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);	/* both sides: no race with the kill below */
	close(fds[1]);
	buf_init_secret(&b, LOGON_TOKEN_MAX);
	end = xport_now_ms() + (int64_t)lg->p->timeout * 1000;
	for (;;) {
		pfd.fd = fds[0];
		pfd.events = POLLIN;
		n = poll(&pfd, 1, (int)(end - xport_now_ms() > 0 ?
		    end - xport_now_ms() : 0));
		if (n == 0) {
			*cause = xstrdup("the token command did not finish "
			    "within the timeout");
			rc = PC_E_TIMEOUT;
			break;
		}
		if (n < 0 && errno == EINTR)
			continue;
		r = read(fds[0], chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (buf_add(&b, chunk, (size_t)r) != PC_OK) {
			*cause = xasprintf("the token command printed more "
			    "than %d bytes", LOGON_TOKEN_MAX);
			rc = PC_E_INVALID;
			break;
		}
	}
	explicit_bzero(chunk, sizeof chunk);
	close(fds[0]);
	if (rc)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == PC_OK && WIFSIGNALED(status)) {
		*cause = xasprintf("the token command was ended by signal %d "
		    "(it wrote %zu bytes)", WTERMSIG(status), b.len);
		rc = PC_E_AUTH;
	} else if (rc == PC_OK && (!WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)) {
		*cause = xasprintf("the token command failed (exit status %d; "
		    "it wrote %zu bytes)", WIFEXITED(status) ?
		    WEXITSTATUS(status) : -1, b.len);
		rc = PC_E_AUTH;
	}
	while (rc == PC_OK && b.len > 0 && (b.data[b.len - 1] == '\n' ||
	    b.data[b.len - 1] == '\r' || b.data[b.len - 1] == ' '))
		b.data[--b.len] = '\0';
	if (rc == PC_OK && b.len == 0) {
		*cause = xstrdup("the token command printed nothing");
		rc = PC_E_AUTH;
	}
	if (rc == PC_OK && str_needs_escape(b.data, b.len)) {
		*cause = xstrdup("the token command printed control "
		    "characters");
		rc = PC_E_AUTH;
	}
	if (rc)
		buf_cleanup(&b);
	else
		lg->token = buf_take(&b);
	return rc;
}

struct logon *
logon_new(const struct profile *p, struct trace *tr,
    const struct logon_opts *opts)
{
	struct logon *lg;
	const char *host;
	char *cause = NULL;
	int port;

	lg = xcalloc(1, sizeof *lg);
	lg->p = profile_dup(p);
	lg->tr = tr;
	if (opts != NULL) {
		lg->opts = *opts;
		lg->trusted = xstrdup_or_null(opts->trusted_capa);
		lg->opts.trusted_capa = NULL;
	}
	lg->t0 = xport_now_ms();
	lg->t0_us = logon_mono_us();
	lg->step_tls = lg->step_pop = -1;
	buf_init_secret(&lg->out, LOGON_OUT_MAX);
	lg->phase = LOGON_PH_CONNECT;

	logon_trace(lg, TRACE_INFO, "test logon of %s: %s port %d, security "
	    "%s, logon %s%s", p->name ? p->name : "(unsaved)", p->address,
	    p->port, profile_security_str(p->security),
	    profile_auth_str(p->auth), p->proxy_type != PROF_PROXY_NONE ?
	    ", via proxy" : "");
	if (p->oauth_token_cmd != NULL && *p->oauth_token_cmd != '\0' &&
	    (p->auth == PROF_AUTH_XOAUTH2 || p->auth == PROF_AUTH_OAUTHBEARER ||
	    p->auth == PROF_AUTH_AUTO)) {
		logon_trace(lg, TRACE_INFO, "running the token command "
		    "(its output is a secret and is not shown)");
		if (logon_run_token_cmd(lg, &cause) != PC_OK) {
			lg->step_pop = logon_step_begin(lg, "token");
			logon_finish(lg, DIAG_TOKEN_FAILED, "token", cause);
			free(cause);
			return lg;
		}
	}
	if (p->proxy_type != PROF_PROXY_NONE) {
		host = p->proxy_address;
		port = p->proxy_port;
	} else {
		host = p->address;
		port = p->port;
	}
	lg->step_tls = logon_step_begin(lg, "connect");
	lg->x = xport_sock_new(host, port, lg->opts.bind_address);
	xport_set_note(lg->x, logon_note_cb, lg);
	logon_wait_from_now(lg);
	xport_set_deadline(lg->x, lg->deadline);
	logon_trace(lg, TRACE_CONNECT, "connecting to %s port %d%s", host,
	    port, p->proxy_type != PROF_PROXY_NONE ? " (the proxy)" : "");
	logon_pump(lg);
	return lg;
}

void
logon_free(struct logon *lg)
{
	if (lg == NULL)
		return;
	xport_free(lg->x);
	pop3_free(lg->pop);
	profile_free(lg->p);
	xfree_secret(lg->token);
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
	int fd;
	short ev;

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
	/* A layer may hold decrypted bytes poll() cannot see. */
	if (lg->x != NULL && lg->phase == LOGON_PH_POP3 &&
	    xport_pending(lg->x) > 0)
		return 0;
	left = lg->deadline - xport_now_ms();
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
	logon_finish(lg, DIAG_TIMEOUT, lg->res.nsteps > 0 ?
	    lg->res.steps[lg->res.nsteps - 1].name : "connect",
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

bool
logon_capa_stale(const struct logon_result *r)
{
	return logon_stale(r->capa_trusted, r->diag, r->failed_step);
}
