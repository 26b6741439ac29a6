/*
 * test_logon.c - the logon driver over scripted transports: the seam of
 * logon_opts.xops puts a scripted peer (helpers/xport_mem.c) at the bottom
 * of the stack, and, where a diagnosis comes from the TLS layer, a fake TLS
 * layer that fails with a given class (the real TLS layer is tested
 * against a real wolfSSL server in test_xport_tls.c).  The real proxy
 * client and the real TLS layer's STLS guard run over the scripted peer.
 *
 * Covered: every diagnosis the driver gives, the STLS injection guard (in
 * the POP3 machine and in the TLS layer), cancel in every phase, every
 * timeout, and the token command: run without blocking, its standard
 * error dropped, its failures (exit status, nothing printed, too much,
 * control characters, timeout) as token_failed with nothing sent, and its
 * whole process group ended on timeout and on cancel.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "popconn/buf.h"
#include "popconn/logon.h"
#include "popconn/str.h"
#include "helpers/xport_mem.h"

#define PW	"Sekr1t-PW-42"
#define TOKEN	"ya29.TOKEN-secret-0123456789"

/* ---- fake layers --------------------------------------------------- */

enum fake_mode {
	FAKE_PASS,		/* connect succeeds, bytes pass through */
	FAKE_FAIL,		/* connect fails with a class */
	FAKE_STALL,		/* connect never finishes */
};

/*
 * The bottom of the stack: delegates to a scripted peer it does not own,
 * so a test can look at what was written after the session freed its
 * stack.  Also the fake TLS layer (then below is NULL and next is used).
 */
struct fake {
	struct xport	 base;
	struct xport	*peer;		/* borrowed scripted peer, or NULL */
	enum fake_mode	 mode;
	enum xport_fail	 fail;
};

static struct xport *
fake_below(struct xport *x)
{
	struct fake *f = (struct fake *)x;

	return f->peer != NULL ? f->peer : x->next;
}

static enum pc_err
fake_connect(struct xport *x)
{
	struct fake *f = (struct fake *)x;
	enum pc_err rc;

	if (x->next != NULL) {
		rc = xport_connect(x->next);
		if (rc)
			return rc;
	}
	if (f->mode == FAKE_STALL)
		return PC_E_AGAIN;
	if (f->mode == FAKE_FAIL)
		return xport_fail_set(x, f->fail, PC_E_IO, "fake: %s",
		    xport_fail_str(f->fail));
	return PC_OK;
}

static enum pc_err
fake_read(struct xport *x, void *buf, size_t len, size_t *got)
{
	return xport_read(fake_below(x), buf, len, got);
}

static enum pc_err
fake_write(struct xport *x, const void *buf, size_t len, size_t *put)
{
	return xport_write(fake_below(x), buf, len, put);
}

static size_t
fake_pending(struct xport *x)
{
	return xport_pending(fake_below(x));
}

static int
fake_fd(struct xport *x)
{
	return -1;
}

static void
fake_free(struct xport *x)
{
	free(x);
}

static const struct xport_ops fake_ops = {
	.name = "fake",
	.connect = fake_connect,
	.read = fake_read,
	.write = fake_write,
	.pending = fake_pending,
	.fd = fake_fd,
	.free = fake_free,
};

/* What a test sets up; the builders read it. */
struct env {
	struct xport	*peer;		/* scripted peer, owned by the test */
	enum fake_mode	 sock_mode;
	enum xport_fail	 sock_fail;
	bool		 real_tls;	/* the real TLS layer (STLS guard) */
	enum fake_mode	 tls_mode;
	enum xport_fail	 tls_fail;
	int		 socks;		/* sock builder calls */
	int		 tlss;		/* tls builder calls */
	char		 host[64];	/* what sock was asked for */
	int		 port;
	struct trace	*tr;
	struct logon_xport_ops xops;
};

static struct xport *
env_sock(void *arg, const char *host, int port, const char *bind_addr)
{
	struct env *e = arg;
	struct fake *f;

	e->socks++;
	snprintf(e->host, sizeof e->host, "%s", host);
	e->port = port;
	f = calloc(1, sizeof *f);
	assert_non_null(f);
	xport_init(&f->base, &fake_ops, NULL);
	f->peer = e->peer;
	f->mode = e->sock_mode;
	f->fail = e->sock_fail;
	return &f->base;
}

static enum pc_err
env_tls(void *arg, struct xport *next, const struct xport_tls_cfg *cfg,
    struct xport **out, char **cause)
{
	struct env *e = arg;
	struct fake *f;

	e->tlss++;
	if (e->real_tls)
		return xport_tls_new(next, cfg, out, cause);
	f = calloc(1, sizeof *f);
	assert_non_null(f);
	xport_init(&f->base, &fake_ops, next);
	f->mode = e->tls_mode;
	f->fail = e->tls_fail;
	*out = &f->base;
	return PC_OK;
}

static int
env_setup(void **state)
{
	struct env *e;

	e = calloc(1, sizeof *e);
	assert_non_null(e);
	e->peer = xport_mem_new();
	e->tr = trace_new(0);
	e->xops.sock = env_sock;
	e->xops.tls = env_tls;
	e->xops.arg = e;
	*state = e;
	return 0;
}

static int
env_teardown(void **state)
{
	struct env *e = *state;

	xport_free(e->peer);
	trace_free(e->tr);
	free(e);
	return 0;
}

/* ---- helpers --------------------------------------------------------- */

/* A profile from "key=value" strings, NULL-terminated. */
static struct profile *
prof(const char *kv, ...)
{
	struct profile *p;
	va_list ap;
	char *k, *v, *cause = NULL;

	p = profile_new();
	va_start(ap, kv);
	for (; kv != NULL; kv = va_arg(ap, const char *)) {
		k = strdup(kv);
		v = strchr(k, '=');
		assert_non_null(v);
		*v++ = '\0';
		if (profile_field_set(p, k, v, &cause) != PC_OK)
			fail_msg("%s: %s", kv, cause);
		free(k);
	}
	va_end(ap);
	return p;
}

/* The script: "S: x" server line, "C: x" exact client line, "C*" any. */
static void
script(struct env *e, const char *const *lines)
{
	char *s;

	for (; *lines != NULL; lines++) {
		if (strcmp(*lines, "C*") == 0) {
			xport_mem_expect_until(e->peer, "\r\n");
			continue;
		}
		s = xasprintf("%s\r\n", *lines + 3);
		if (strncmp(*lines, "S: ", 3) == 0)
			xport_mem_reply_str(e->peer, s);
		else if (strncmp(*lines, "C: ", 3) == 0)
			xport_mem_expect_str(e->peer, s);
		else
			fail_msg("bad script line %s", *lines);
		free(s);
	}
}

static struct logon *
start(struct env *e, const struct profile *p)
{
	struct logon_opts o;

	memset(&o, 0, sizeof o);
	o.xops = &e->xops;
	return logon_new(p, e->tr, &o);
}

/* Every trace event, one a line. */
static char *
trace_text(struct env *e)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < trace_count(e->tr); i++)
		buf_addf(&b, "%s\n", trace_get(e->tr, i)->text);
	return buf_take(&b);
}

/* Run p to the end; check the diagnosis, the step, and secrets hidden. */
static const struct logon_result *
run_expect(struct env *e, struct logon **lgp, const struct profile *p,
    enum diag want, const char *step)
{
	const struct logon_result *r;
	struct logon *lg;
	char *t;

	lg = start(e, p);
	logon_run(lg);
	assert_true(logon_done(lg));
	r = logon_result(lg);
	if (r->diag != want)
		fail_msg("diagnosis %s (%s), wanted %s", diag_key(r->diag),
		    r->message, diag_key(want));
	if (step == NULL) {
		assert_null(r->failed_step);
		assert_int_equal(r->failed_at, STEP_NONE);
	} else {
		assert_non_null(r->failed_step);
		assert_string_equal(r->failed_step, step);
		/* The step travels as the enum; the name is made from it. */
		assert_string_equal(step_name(r->failed_at), step);
	}
	for (int k = 0; k < r->nsteps; k++)
		assert_string_equal(r->steps[k].name,
		    step_name(r->steps[k].id));
	assert_non_null(r->message);
	t = trace_text(e);
	assert_null(strstr(t, PW));
	assert_null(strstr(t, TOKEN));
	assert_null(strstr(r->message, PW));
	assert_null(strstr(r->message, TOKEN));
	/* The trace ends with the result, in the same words. */
	assert_non_null(strstr(t, diag_key(r->diag)));
	assert_non_null(strstr(t, r->message));
	free(t);
	*lgp = lg;
	return r;
}

static bool
written_has(struct env *e, const char *s)
{
	const unsigned char *w;
	size_t n;
	char *c;
	bool found;

	w = xport_mem_written(e->peer, &n);
	c = xstrndup((const char *)w, n);
	found = strstr(c, s) != NULL;
	free(c);
	return found;
}

static const char *const greet_capa[] = {
	"S: +OK ready",
	"C: CAPA",
	"S: +OK",
	"S: USER",
	"S: SASL PLAIN",
	"S: RESP-CODES",
	"S: .",
	NULL
};

/* ---- success ---------------------------------------------------------- */

static void
test_logon_ok_plain_link(void **state)
{
	struct env *e = *state;
	static const char *const rest[] = {
		"C: USER tim",
		"S: +OK",
		"C: PASS " PW,
		"S: +OK logged in",
		"C: STAT",
		"S: +OK 2 364",
		"C: QUIT",
		"S: +OK bye",
		NULL
	};
	const struct logon_result *r;
	struct profile *p;
	struct logon *lg;
	int i;

	script(e, greet_capa);
	script(e, rest);
	p = prof("address=pop.example.net", "security=none", "port=110",
	    "username=tim", "password=" PW, "auth=user",
	    "allow_plaintext=yes", NULL);
	r = run_expect(e, &lg, p, DIAG_OK, NULL);
	assert_null(xport_mem_error(e->peer));
	assert_true(xport_mem_done(e->peer));
	assert_string_equal(e->host, "pop.example.net");
	assert_int_equal(e->port, 110);
	assert_int_equal(e->tlss, 0);
	assert_true(r->have_stat);
	assert_int_equal(r->messages, 2);
	assert_int_equal(r->octets, 364);
	assert_string_equal(r->method, "USER");
	/* Steps: connect, then the machine's, all done and ok. */
	assert_string_equal(r->steps[0].name, "connect");
	for (i = 0; i < r->nsteps; i++) {
		assert_true(r->steps[i].done);
		assert_true(r->steps[i].ok);
	}
	logon_free(lg);
	profile_free(p);
}

static void
test_logon_ok_ssl(void **state)
{
	struct env *e = *state;
	static const char *const rest[] = {
		"C*",		/* AUTH PLAIN ... */
		"S: +OK logged in",
		"C: STAT",
		"S: +OK 0 0",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	const struct logon_result *r;
	const struct trace_event *ev;
	struct profile *p;
	struct logon *lg;
	size_t i, seen;

	script(e, greet_capa);
	script(e, rest);
	p = prof("address=pop.example.net", "security=ssl", "username=tim",
	    "password=" PW, "auth=plain", NULL);
	r = run_expect(e, &lg, p, DIAG_OK, NULL);
	assert_int_equal(e->tlss, 1);
	assert_int_equal(e->port, 995);
	assert_string_equal(r->steps[1].name, "tls");
	assert_string_equal(r->method, "PLAIN");
	/* The machine's state changes are state events in the trace. */
	for (i = 0, seen = 0; i < trace_count(e->tr); i++) {
		ev = trace_get(e->tr, i);
		if (strcmp(ev->text, "GREETING -> CAPA") == 0 ||
		    strcmp(ev->text, "QUIT -> DONE") == 0) {
			assert_int_equal(ev->kind, TRACE_STATE);
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	logon_free(lg);
	profile_free(p);
}

/* ---- connect, proxy, TLS ---------------------------------------------- */

static void
test_logon_connect_failures(void **state)
{
	struct env *e = *state;
	static const struct {
		enum xport_fail	 fail;
		enum diag	 diag;
	} cases[] = {
		{ XPORT_FAIL_DNS, DIAG_DNS_FAILED },
		{ XPORT_FAIL_REFUSED, DIAG_CONNECT_REFUSED },
		{ XPORT_FAIL_TIMEOUT, DIAG_CONNECT_TIMEOUT },
	};
	struct profile *p;
	struct logon *lg;
	size_t i;

	p = prof("address=pop.example.net", "security=ssl", NULL);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		e->sock_mode = FAKE_FAIL;
		e->sock_fail = cases[i].fail;
		run_expect(e, &lg, p, cases[i].diag, "connect");
		assert_int_equal(e->tlss, 0);
		logon_free(lg);
	}
	profile_free(p);
}

static void
test_logon_proxy_failures(void **state)
{
	struct env *e = *state;
	const struct logon_result *r;
	struct profile *p;
	struct logon *lg;

	/* The proxy cannot be reached: its fault, not the server's. */
	p = prof("address=pop.example.net", "security=ssl",
	    "proxy_type=socks5", "proxy_address=proxy.example.net",
	    "proxy_port=1080", NULL);
	e->sock_mode = FAKE_FAIL;
	e->sock_fail = XPORT_FAIL_REFUSED;
	r = run_expect(e, &lg, p, DIAG_PROXY_FAILED, "connect");
	assert_string_equal(e->host, "proxy.example.net");
	assert_int_equal(e->port, 1080);
	assert_non_null(strstr(r->message, "proxy.example.net"));
	logon_free(lg);
	profile_free(p);

	/* SOCKS5: the proxy refuses the connection to the server. */
	e->sock_mode = FAKE_PASS;
	xport_mem_expect(e->peer, "\x05\x01\x00", 3);
	xport_mem_reply(e->peer, "\x05\x00", 2);
	xport_mem_expect_until(e->peer, "\x03\xe3");	/* port 995 */
	xport_mem_reply(e->peer, "\x05\x05\x00\x01\0\0\0\0\0\0", 10);
	p = prof("address=pop.example.net", "security=ssl",
	    "proxy_type=socks5", "proxy_address=127.0.0.1", "proxy_port=1080",
	    NULL);
	run_expect(e, &lg, p, DIAG_PROXY_FAILED, "proxy");
	assert_int_equal(e->tlss, 0);
	logon_free(lg);
	profile_free(p);
}

static void
test_logon_proxy_auth_failed(void **state)
{
	struct env *e = *state;
	struct profile *p;
	struct logon *lg;

	xport_mem_expect(e->peer, "\x05\x02\x00\x02", 4);
	xport_mem_reply(e->peer, "\x05\x02", 2);
	xport_mem_expect_until(e->peer, "pxpw");
	xport_mem_reply(e->peer, "\x01\x01", 2);
	p = prof("address=pop.example.net", "security=ssl",
	    "proxy_type=socks5", "proxy_address=127.0.0.1", "proxy_port=1080",
	    "proxy_auth=yes", "proxy_username=pxu", "proxy_password=pxpw",
	    NULL);
	run_expect(e, &lg, p, DIAG_PROXY_AUTH_FAILED, "proxy");
	logon_free(lg);
	profile_free(p);
}

static void
test_logon_tls_failures(void **state)
{
	struct env *e = *state;
	static const struct {
		enum xport_fail	 fail;
		enum diag	 diag;
	} cases[] = {
		{ XPORT_FAIL_TLS_HANDSHAKE, DIAG_TLS_HANDSHAKE_FAILED },
		{ XPORT_FAIL_TLS_VERSION, DIAG_TLS_VERSION_MISMATCH },
		{ XPORT_FAIL_TLS_CLIENT_CERT, DIAG_CLIENT_CERT_REQUIRED },
		{ XPORT_FAIL_CERT_UNTRUSTED, DIAG_CERT_UNTRUSTED },
		{ XPORT_FAIL_CERT_NAME, DIAG_CERT_NAME_MISMATCH },
		{ XPORT_FAIL_CERT_EXPIRED, DIAG_CERT_EXPIRED },
		{ XPORT_FAIL_CERT_PIN, DIAG_CERT_PIN_MISMATCH },
		/* A peer that just closes is a failed handshake. */
		{ XPORT_FAIL_CLOSED, DIAG_TLS_HANDSHAKE_FAILED },
		{ XPORT_FAIL_IO, DIAG_TLS_HANDSHAKE_FAILED },
	};
	const struct logon_result *r;
	struct profile *p;
	struct logon *lg;
	size_t i;

	p = prof("address=pop.example.net", "security=ssl", "username=tim",
	    "password=" PW, NULL);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		e->tls_mode = FAKE_FAIL;
		e->tls_fail = cases[i].fail;
		r = run_expect(e, &lg, p, cases[i].diag, "tls");
		assert_non_null(strstr(r->message, "fake: "));
		logon_free(lg);
	}
	/* Nothing reached the server in clear. */
	assert_false(written_has(e, "CAPA"));
	profile_free(p);
}

/* ---- STLS ------------------------------------------------------------- */

static const char *const stls_capa[] = {
	"S: +OK ready",
	"C: CAPA",
	"S: +OK",
	"S: STLS",
	"S: USER",
	"S: .",
	"C: STLS",
	NULL
};

static void
test_logon_stls_unavailable(void **state)
{
	struct env *e = *state;
	struct profile *p;
	struct logon *lg;

	script(e, stls_capa);
	xport_mem_reply_str(e->peer, "-ERR not now\r\n");
	p = prof("address=pop.example.net", "security=tls", "username=tim",
	    "password=" PW, "allow_plaintext=yes", NULL);
	run_expect(e, &lg, p, DIAG_STLS_UNAVAILABLE, "stls");
	assert_int_equal(e->tlss, 0);
	assert_false(written_has(e, "USER"));
	logon_free(lg);
	profile_free(p);
}

/* Bytes after the +OK to STLS, in the same read: the machine sees them. */
static void
test_logon_stls_injection_same_read(void **state)
{
	struct env *e = *state;
	const unsigned char *w;
	struct profile *p;
	struct logon *lg;
	size_t n;

	script(e, stls_capa);
	xport_mem_reply_str(e->peer, "+OK go\r\n+OK injected\r\n");
	e->real_tls = true;
	p = prof("address=pop.example.net", "security=tls", "username=tim",
	    "password=" PW, NULL);
	run_expect(e, &lg, p, DIAG_STLS_INJECTION, "stls");
	w = xport_mem_written(e->peer, &n);
	assert_true(n >= 6);
	assert_memory_equal(w + n - 6, "STLS\r\n", 6);
	logon_free(lg);
	profile_free(p);
}

/*
 * Bytes that arrive as a read of their own after the +OK: the machine
 * has asked for TLS already, and the real TLS layer finds them waiting
 * before its handshake.
 */
static void
test_logon_stls_injection_before_handshake(void **state)
{
	struct env *e = *state;
	const unsigned char *w;
	struct profile *p;
	struct logon *lg;
	size_t n;

	script(e, stls_capa);
	xport_mem_reply_str(e->peer, "+OK go\r\n");
	xport_mem_reply_str(e->peer, "+OK injected\r\n");
	e->real_tls = true;
	p = prof("address=pop.example.net", "security=tls", "username=tim",
	    "password=" PW, NULL);
	run_expect(e, &lg, p, DIAG_STLS_INJECTION, "tls");
	assert_int_equal(e->tlss, 1);
	/* Not one byte of a ClientHello went out. */
	w = xport_mem_written(e->peer, &n);
	assert_memory_equal(w + n - 6, "STLS\r\n", 6);
	logon_free(lg);
	profile_free(p);
}

static void
test_logon_stls_ok(void **state)
{
	struct env *e = *state;
	static const char *const rest[] = {
		"S: +OK go",
		"C: CAPA",
		"S: +OK",
		"S: USER",
		"S: .",
		"C: USER tim",
		"S: +OK",
		"C: PASS " PW,
		"S: +OK",
		"C: STAT",
		"S: +OK 1 10",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	const struct logon_result *r;
	struct profile *p;
	struct logon *lg;

	script(e, stls_capa);
	script(e, rest);
	p = prof("address=pop.example.net", "security=tls", "username=tim",
	    "password=" PW, "auth=user", NULL);
	r = run_expect(e, &lg, p, DIAG_OK, NULL);
	assert_int_equal(e->tlss, 1);
	assert_int_equal(r->messages, 1);
	logon_free(lg);
	profile_free(p);
}

/* ---- POP3 results ----------------------------------------------------- */

static void
test_logon_plaintext_refused(void **state)
{
	struct env *e = *state;
	struct profile *p;
	struct logon *lg;

	script(e, greet_capa);
	xport_mem_expect_str(e->peer, "QUIT\r\n");
	xport_mem_reply_str(e->peer, "+OK\r\n");
	p = prof("address=pop.example.net", "security=none", "port=110",
	    "username=tim", "password=" PW, "auth=user", NULL);
	run_expect(e, &lg, p, DIAG_PLAINTEXT_REFUSED, "logon");
	assert_false(written_has(e, "USER"));
	assert_false(written_has(e, PW));
	logon_free(lg);
	profile_free(p);
}

/*
 * The profile's code page: a -ERR in Windows-1251
 * or KOI8-R reads as Russian in the message and the trace; a Latin-1
 * password goes out in Latin-1; a password the page cannot hold stops the
 * test before anything is connected.
 */
static void
test_logon_codepage(void **state)
{
	struct env *e = *state;
	static const struct {
		const char	*cp;
		const char	*reply;
	} cases[] = {
		{ "1251", "-ERR [AUTH] \xcd\xe5\xe2\xe5\xf0\xed\xfb\xe9 "
		    "\xef\xe0\xf0\xee\xeb\xfc\r\n" },
		{ "koi8-r", "-ERR [AUTH] \xee\xc5\xd7\xc5\xd2\xce\xd9\xca "
		    "\xd0\xc1\xd2\xcf\xcc\xd8\r\n" },
	};
	/* "Неверный пароль" */
	static const char ru[] = "\xd0\x9d\xd0\xb5\xd0\xb2\xd0\xb5\xd1\x80"
	    "\xd0\xbd\xd1\x8b\xd0\xb9 \xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb"
	    "\xd1\x8c";
	const struct logon_result *r;
	struct profile *p;
	struct logon *lg;
	char *t, *cp;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		xport_free(e->peer);
		e->peer = xport_mem_new();
		cp = xasprintf("codepage=%s", cases[i].cp);
		p = prof("address=pop.example.net", "security=ssl",
		    "username=tim", "password=" PW, "auth=user", cp, NULL);
		script(e, greet_capa);
		xport_mem_expect_str(e->peer, "USER tim\r\n");
		xport_mem_reply_str(e->peer, "+OK\r\n");
		xport_mem_expect_str(e->peer, "PASS " PW "\r\n");
		xport_mem_reply_str(e->peer, cases[i].reply);
		xport_mem_eof(e->peer);
		r = run_expect(e, &lg, p, DIAG_AUTH_FAILED, "logon");
		assert_non_null(strstr(r->message, ru));
		t = trace_text(e);
		assert_non_null(strstr(t, ru));
		free(t);
		logon_free(lg);
		profile_free(p);
		free(cp);
	}

	/* "pässwörd" goes out in ISO-8859-1 with USER/PASS. */
	xport_free(e->peer);
	e->peer = xport_mem_new();
	p = prof("address=pop.example.net", "security=ssl", "username=tim",
	    "password=p\xc3\xa4ssw\xc3\xb6rd", "auth=user", "codepage=28591",
	    NULL);
	script(e, greet_capa);
	xport_mem_expect_str(e->peer, "USER tim\r\n");
	xport_mem_reply_str(e->peer, "+OK\r\n");
	xport_mem_expect_str(e->peer, "PASS p\xe4ssw\xf6rd\r\n");
	xport_mem_reply_str(e->peer, "+OK\r\n");
	xport_mem_expect_str(e->peer, "STAT\r\n");
	xport_mem_reply_str(e->peer, "+OK 0 0\r\n");
	xport_mem_expect_str(e->peer, "QUIT\r\n");
	xport_mem_reply_str(e->peer, "+OK\r\n");
	r = run_expect(e, &lg, p, DIAG_OK, NULL);
	assert_null(xport_mem_error(e->peer));
	logon_free(lg);
	profile_free(p);

	/* ASCII cannot hold it: stopped before connecting. */
	xport_free(e->peer);
	e->peer = xport_mem_new();
	e->socks = 0;
	p = prof("address=pop.example.net", "security=ssl", "username=tim",
	    "password=p\xc3\xa4ssw\xc3\xb6rd", "auth=user", "codepage=20127",
	    NULL);
	r = run_expect(e, &lg, p, DIAG_AUTH_FAILED, "credentials");
	assert_int_equal(e->socks, 0);
	assert_non_null(strstr(r->message, "nothing was sent"));
	assert_non_null(strstr(r->message, "20127"));
	assert_null(strstr(r->message, "p\xc3\xa4ssw"));
	logon_free(lg);
	profile_free(p);
}

static void
test_logon_response_codes(void **state)
{
	struct env *e = *state;
	static const struct {
		const char	*reply;
		enum diag	 diag;
	} cases[] = {
		{ "-ERR [AUTH] Authentication failed.", DIAG_AUTH_FAILED },
		{ "-ERR [IN-USE] locked", DIAG_MAILBOX_IN_USE },
		{ "-ERR [LOGIN-DELAY] wait", DIAG_LOGIN_DELAY },
		{ "-ERR [SYS/TEMP] later", DIAG_SERVER_TEMPORARY },
		{ "-ERR [SYS/PERM] closed", DIAG_SERVER_PERMANENT },
	};
	const struct logon_result *r;
	struct profile *p;
	struct logon *lg;
	size_t i;

	p = prof("address=pop.example.net", "security=ssl", "username=tim",
	    "password=" PW, "auth=user", NULL);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		xport_free(e->peer);
		e->peer = xport_mem_new();
		script(e, greet_capa);
		xport_mem_expect_str(e->peer, "USER tim\r\n");
		xport_mem_reply_str(e->peer, "+OK\r\n");
		xport_mem_expect_str(e->peer, "PASS " PW "\r\n");
		xport_mem_reply_str(e->peer, cases[i].reply);
		xport_mem_reply_str(e->peer, "\r\n");
		xport_mem_eof(e->peer);
		r = run_expect(e, &lg, p, cases[i].diag, "logon");
		assert_non_null(strstr(r->message, cases[i].reply));
		logon_free(lg);
	}
	profile_free(p);
}

static void
test_logon_mechanism_unavailable(void **state)
{
	struct env *e = *state;
	struct profile *p;
	struct logon *lg;

	script(e, greet_capa);
	xport_mem_eof(e->peer);
	p = prof("address=pop.example.net", "security=ssl", "username=tim",
	    "password=" PW, "auth=cram-md5", NULL);
	run_expect(e, &lg, p, DIAG_AUTH_MECHANISM_UNAVAILABLE, "logon");
	assert_false(written_has(e, "AUTH"));
	logon_free(lg);
	profile_free(p);
}

static void
test_logon_protocol_error(void **state)
{
	struct env *e = *state;
	const struct logon_result *r;
	struct profile *p;
	struct logon *lg;

	xport_mem_reply_str(e->peer, "HTTP/1.1 400 Bad Request\r\n");
	xport_mem_eof(e->peer);
	p = prof("address=pop.example.net", "security=ssl", NULL);
	r = run_expect(e, &lg, p, DIAG_PROTOCOL_ERROR, "greeting");
	assert_non_null(strstr(r->message, "HTTP/1.1 400"));
	logon_free(lg);
	profile_free(p);
}

/* ---- timeouts and cancel ---------------------------------------------- */

static void
test_logon_timeouts(void **state)
{
	struct env *e = *state;
	struct profile *p;
	struct logon *lg;

	p = prof("address=pop.example.net", "security=ssl", "timeout=1",
	    "username=tim", "password=" PW, NULL);

	/* TCP connect. */
	e->sock_mode = FAKE_STALL;
	run_expect(e, &lg, p, DIAG_CONNECT_TIMEOUT, "connect");
	logon_free(lg);

	/* TLS handshake. */
	e->sock_mode = FAKE_PASS;
	e->tls_mode = FAKE_STALL;
	run_expect(e, &lg, p, DIAG_TIMEOUT, "tls");
	logon_free(lg);

	/* The server never greets. */
	e->tls_mode = FAKE_PASS;
	run_expect(e, &lg, p, DIAG_TIMEOUT, "greeting");
	logon_free(lg);

	/* It stops answering after the logon. */
	script(e, greet_capa);
	xport_mem_expect_until(e->peer, "\r\n");
	run_expect(e, &lg, p, DIAG_TIMEOUT, "logon");
	logon_free(lg);
	profile_free(p);

	/* The proxy never answers. */
	xport_free(e->peer);
	e->peer = xport_mem_new();
	xport_mem_expect(e->peer, "\x05\x01\x00", 3);
	p = prof("address=pop.example.net", "security=ssl", "timeout=1",
	    "proxy_type=socks5", "proxy_address=127.0.0.1", "proxy_port=1080",
	    NULL);
	run_expect(e, &lg, p, DIAG_PROXY_FAILED, "proxy");
	assert_non_null(strstr(logon_result(lg)->message, "timeout"));
	logon_free(lg);
	profile_free(p);
}

static void
cancel_check(struct env *e, struct logon *lg, const char *step)
{
	const struct logon_result *r;
	const struct trace_event *ev;

	assert_false(logon_done(lg));
	logon_cancel(lg);
	assert_true(logon_done(lg));
	r = logon_result(lg);
	assert_int_equal(r->diag, DIAG_CANCELLED);
	assert_string_equal(r->failed_step, step);
	assert_string_equal(r->message, "cancelled by the user");
	/* The trace says the same, in the same words. */
	ev = trace_get(e->tr, trace_count(e->tr) - 1);
	assert_non_null(strstr(ev->text, "cancelled at step"));
	assert_non_null(strstr(ev->text, "cancelled by the user"));
	/* Cancelling twice changes nothing. */
	logon_cancel(lg);
	assert_int_equal(logon_result(lg)->diag, DIAG_CANCELLED);
	logon_free(lg);
}

static void
test_logon_cancel(void **state)
{
	struct env *e = *state;
	struct profile *p;
	struct logon *lg;

	p = prof("address=pop.example.net", "security=ssl", "username=tim",
	    "password=" PW, NULL);
	e->sock_mode = FAKE_STALL;
	lg = start(e, p);
	logon_advance(lg, NULL, 0);
	cancel_check(e, lg, "connect");

	e->sock_mode = FAKE_PASS;
	e->tls_mode = FAKE_STALL;
	lg = start(e, p);
	cancel_check(e, lg, "tls");

	e->tls_mode = FAKE_PASS;
	script(e, greet_capa);
	xport_mem_expect_until(e->peer, "\r\n");
	lg = start(e, p);
	logon_advance(lg, NULL, 0);
	cancel_check(e, lg, "logon");
	profile_free(p);
}

/* ---- the token command ------------------------------------------------ */

/* 1 while any process of group pgid is alive (zombies do not count). */
static int
group_alive(pid_t pgid)
{
	char cmd[128], line[64];
	FILE *f;
	int alive = 0;

	snprintf(cmd, sizeof cmd, "ps -e -o pgid=,stat= | awk '$1 == %d && "
	    "$2 !~ /^Z/'", (int)pgid);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL)
		alive = 1;
	pclose(f);
	return alive;
}

/* The pid a token command wrote to path (it is its group: setsid). */
static pid_t
read_pid(const char *path)
{
	FILE *f;
	int pid = 0;

	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	return (pid_t)pid;
}

static void
test_logon_token_ok(void **state)
{
	struct env *e = *state;
	static const char *const rest[] = {
		"S: +OK ready",
		"C: CAPA",
		"S: +OK",
		"S: SASL XOAUTH2",
		"S: .",
		"C: AUTH XOAUTH2",
		"S: +",
		"C*",
		"S: +OK",
		"C: STAT",
		"S: +OK 0 0",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	const struct logon_result *r;
	struct profile *p;
	struct logon *lg;
	char *b64, *sasl;

	script(e, rest);
	p = prof("address=pop.example.net", "security=ssl", "username=tim",
	    "auth=xoauth2", "oauth_token_cmd=printf '%s\\n' " TOKEN
	    "; echo noise >&2", NULL);
	r = run_expect(e, &lg, p, DIAG_OK, NULL);
	assert_string_equal(r->steps[0].name, "token");
	assert_true(r->steps[0].ok);
	assert_string_equal(r->steps[1].name, "connect");
	/* The token went to the server, and only there. */
	sasl = xasprintf("user=tim\001auth=Bearer %s\001\001", TOKEN);
	b64 = b64_encode(sasl, strlen(sasl));
	assert_true(written_has(e, b64));
	free(b64);
	free(sasl);
	logon_free(lg);
	profile_free(p);
}

/*
 * logon_new returns while the command runs: the command waits for a file
 * that the test creates only after logon_new returned.  Were the command
 * run to its end inside logon_new, it would time out (token_failed).
 */
static void
test_logon_token_does_not_block(void **state)
{
	struct env *e = *state;
	char dir[] = "/tmp/test_logon.XXXXXX", *cmd, *go;
	struct profile *p;
	struct logon *lg;
	int fd;

	assert_non_null(mkdtemp(dir));
	go = xasprintf("%s/go", dir);
	cmd = xasprintf("oauth_token_cmd=while [ ! -e %s ]; do sleep 0.02; "
	    "done; echo " TOKEN, go);
	script(e, greet_capa);
	xport_mem_eof(e->peer);
	p = prof("address=pop.example.net", "security=ssl", "timeout=30",
	    "auth=xoauth2", cmd, NULL);
	lg = start(e, p);
	assert_false(logon_done(lg));
	assert_int_equal(e->socks, 0);
	logon_advance(lg, NULL, 0);
	assert_false(logon_done(lg));
	fd = open(go, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	logon_run(lg);
	/* It got past the token: the server (no XOAUTH2) is the problem. */
	assert_int_equal(logon_result(lg)->diag,
	    DIAG_AUTH_MECHANISM_UNAVAILABLE);
	assert_int_equal(e->socks, 1);
	logon_free(lg);
	profile_free(p);
	unlink(go);
	rmdir(dir);
	free(go);
	free(cmd);
}

/*
 * The built-in OAuth2 flows: without an access token from the caller the
 * session ends at once with token_failed at the "oauth" step, sends
 * nothing, and gets the hint of that step; the caller's token_failure is
 * the message.
 */
static void
test_logon_oauth_builtin_failures(void **state)
{
	struct env *e = *state;
	const struct logon_result *r;
	struct logon_opts o;
	struct profile *p;
	struct logon *lg;

	p = prof("address=pop.example.net", "security=ssl", "auth=xoauth2",
	    "oauth_flow=device", "oauth_client_id=app", NULL);
	r = run_expect(e, &lg, p, DIAG_TOKEN_FAILED, "oauth");
	assert_int_equal(r->failed_at, STEP_OAUTH);
	assert_int_equal(e->socks, 0);
	assert_int_equal(r->nsteps, 1);
	assert_int_equal(r->steps[0].id, STEP_OAUTH);
	assert_false(r->steps[0].ok);
	assert_non_null(strstr(r->message, "no OAuth2 access token"));
	assert_non_null(strstr(diag_hint_at(r->diag, r->failed_at),
	    "authorization server"));
	logon_free(lg);

	memset(&o, 0, sizeof o);
	o.xops = &e->xops;
	o.token_failure = "invalid_grant: the refresh token has expired";
	lg = logon_new(p, e->tr, &o);
	assert_true(logon_done(lg));
	r = logon_result(lg);
	assert_int_equal(r->diag, DIAG_TOKEN_FAILED);
	assert_int_equal(r->failed_at, STEP_OAUTH);
	assert_string_equal(r->failed_step, "oauth");
	assert_string_equal(r->message, o.token_failure);
	assert_int_equal(e->socks, 0);
	logon_free(lg);
	profile_free(p);
}

static void
test_logon_token_failures(void **state)
{
	struct env *e = *state;
	static const struct {
		const char	*cmd;
		const char	*says;
	} cases[] = {
		{ "echo " TOKEN " >&2; exit 3", "exit status 3" },
		{ "echo " TOKEN "; exit 1", "exit status 1" },
		{ "true", "printed nothing" },
		{ "printf '\\n  \\n'", "printed nothing" },
		{ "printf 'a\\001b'", "control characters" },
		{ "head -c 70000 /dev/zero | tr '\\0' a", "more than 65536" },
		{ "kill -TERM $$", "signal 15" },
		{ "exec /nonexistent/helper", "exit status 127" },
	};
	const struct logon_result *r;
	struct profile *p;
	struct logon *lg;
	char *kv;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kv = xasprintf("oauth_token_cmd=%s", cases[i].cmd);
		p = prof("address=pop.example.net", "security=ssl",
		    "auth=auto", kv, NULL);
		r = run_expect(e, &lg, p, DIAG_TOKEN_FAILED, "token");
		if (strstr(r->message, cases[i].says) == NULL)
			fail_msg("%s: message '%s' lacks '%s'", cases[i].cmd,
			    r->message, cases[i].says);
		assert_non_null(strstr(r->message, "not shown"));
		/* Nothing was sent: not even a connection was made. */
		assert_int_equal(e->socks, 0);
		assert_false(r->steps[0].ok);
		logon_free(lg);
		profile_free(p);
		free(kv);
	}
	/* How much it wrote, never what. */
	kv = xasprintf("oauth_token_cmd=printf 12345; printf abc >&2; exit 2");
	p = prof("address=pop.example.net", "auth=xoauth2", kv, NULL);
	r = run_expect(e, &lg, p, DIAG_TOKEN_FAILED, "token");
	assert_non_null(strstr(r->message, "exit status 2"));
	assert_non_null(strstr(r->message, "5 bytes to standard output "
	    "and 3 to standard error"));
	logon_free(lg);
	profile_free(p);
	free(kv);
}

/*
 * A hung command, with a child that keeps its standard error open: at the
 * timeout the whole process group is gone.  The same for cancel.
 */
static void
test_logon_token_timeout_and_cancel(void **state)
{
	struct env *e = *state;
	char dir[] = "/tmp/test_logon.XXXXXX", *pidf, *kv;
	const struct logon_result *r;
	struct profile *p;
	struct logon *lg;
	pid_t pg;
	int i;

	assert_non_null(mkdtemp(dir));
	pidf = xasprintf("%s/pid", dir);
	kv = xasprintf("oauth_token_cmd=echo $$ > %s.tmp; mv %s.tmp %s; "
	    "(sleep 1000; echo late) & sleep 1000", pidf, pidf, pidf);
	p = prof("address=pop.example.net", "timeout=1", "auth=xoauth2", kv,
	    NULL);
	r = run_expect(e, &lg, p, DIAG_TOKEN_FAILED, "token");
	assert_non_null(strstr(r->message, "did not finish within 1 s"));
	assert_int_equal(e->socks, 0);
	pg = read_pid(pidf);
	assert_true(pg > 1);
	assert_int_equal(group_alive(pg), 0);
	logon_free(lg);
	unlink(pidf);

	/* Cancel while it runs (once it has started: its pid is there). */
	lg = start(e, p);
	for (i = 0; i < 2000 && access(pidf, F_OK) != 0; i++) {
		struct pollfd fds[4];
		int n = logon_pollfds(lg, fds, 4);

		(void)poll(fds, (nfds_t)n, 10);
		logon_advance(lg, fds, n);
	}
	pg = read_pid(pidf);
	assert_int_equal(group_alive(pg), 1);
	cancel_check(e, lg, "token");
	assert_int_equal(group_alive(pg), 0);
	assert_int_equal(e->socks, 0);
	unlink(pidf);

	/* Freed while it runs: the same. */
	lg = start(e, p);
	for (i = 0; i < 2000 && access(pidf, F_OK) != 0; i++)
		usleep(5000);
	pg = read_pid(pidf);
	logon_free(lg);
	assert_int_equal(group_alive(pg), 0);

	unlink(pidf);
	rmdir(dir);
	profile_free(p);
	free(pidf);
	free(kv);
}

/* A caller with room for one descriptor still sees the command end. */
static void
test_logon_token_one_pollfd(void **state)
{
	struct env *e = *state;
	struct pollfd fd;
	struct profile *p;
	struct logon *lg;
	int n, guard = 0;

	p = prof("address=pop.example.net", "auth=xoauth2",
	    "oauth_token_cmd=exec 1>&-; sleep 0.2; exit 4", NULL);
	lg = start(e, p);
	while (!logon_done(lg) && guard++ < 10000) {
		n = logon_pollfds(lg, &fd, 1);
		assert_true(n <= 1);
		(void)poll(&fd, (nfds_t)n, logon_timeout_ms(lg));
		logon_advance(lg, &fd, n);
	}
	assert_true(logon_done(lg));
	assert_int_equal(logon_result(lg)->diag, DIAG_TOKEN_FAILED);
	assert_non_null(strstr(logon_result(lg)->message, "exit status 4"));
	logon_free(lg);
	profile_free(p);
}

#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_logon_ok_plain_link),
		T(test_logon_ok_ssl),
		T(test_logon_connect_failures),
		T(test_logon_proxy_failures),
		T(test_logon_proxy_auth_failed),
		T(test_logon_tls_failures),
		T(test_logon_stls_unavailable),
		T(test_logon_stls_injection_same_read),
		T(test_logon_stls_injection_before_handshake),
		T(test_logon_stls_ok),
		T(test_logon_plaintext_refused),
		T(test_logon_response_codes),
		T(test_logon_codepage),
		T(test_logon_mechanism_unavailable),
		T(test_logon_protocol_error),
		T(test_logon_timeouts),
		T(test_logon_cancel),
		T(test_logon_token_ok),
		T(test_logon_token_does_not_block),
		T(test_logon_token_failures),
		T(test_logon_oauth_builtin_failures),
		T(test_logon_token_timeout_and_cancel),
		T(test_logon_token_one_pollfd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
