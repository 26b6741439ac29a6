/*
 * xport_tls.c - the TLS client transport (wolfSSL), stacked on any other
 * transport: the session, its I/O and the transport's operations.
 *
 * wolfSSL gets per-session I/O callbacks (wolfSSL_SSLSetIORecv/SetIOSend)
 * that read from and write to next, so the same code runs over a socket, a
 * proxy tunnel, or the in-memory pipe of the tests.  PC_E_AGAIN from next
 * becomes WOLFSSL_CBIO_ERR_WANT_READ; outgoing records that next cannot
 * take yet are queued here (bounded) instead of being refused, because
 * wolfSSL_write insists on being retried with the same buffer after
 * WANT_WRITE, which would leak into every caller.
 *
 * The other rooms of the TLS transport: xport_tls_ctx.c (contexts, their
 * cache, the version set), xport_tls_cert.c (certificate details and
 * verification) and xport_tls_fail.c (why a handshake or a record
 * failed).  struct xport_tls is in net_int.h.
 */
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "popconn/buf.h"
#include "popconn/str.h"
#include "popconn/xport.h"
#include "net/net_int.h"

#define XPORT_TLS_OUT_SOFT	(32 * 1024)	/* stop taking writes */
#define XPORT_TLS_OUT_MAX	(96 * 1024)	/* hard cap on queued records */
#define XPORT_TLS_WRITE_MAX	16384		/* one record per write */

static pthread_once_t xport_tls_once = PTHREAD_ONCE_INIT;
static int xport_tls_init_rc;
static atomic_uint xport_tls_sessions;	/* made so far */

static void
xport_tls_global_init(void)
{
	xport_tls_init_rc = wolfSSL_Init();
}

/* Write queued records to next.  PC_OK when none is left. */
static enum pc_err
xport_tls_push(struct xport_tls *t)
{
	enum pc_err	 rc;
	size_t		 put;

	while (t->out.len > 0) {
		rc = xport_write(t->base.next, t->out.data, t->out.len, &put);
		if (rc == PC_E_AGAIN)
			return rc;
		if (rc) {
			t->io_rc = rc;
			return rc;
		}
		buf_consume(&t->out, put);
	}
	return PC_OK;
}

/*
 * Follow the server's handshake records while they are in clear and note
 * the types of the handshake messages in them (TLS 1.2: ServerHello,
 * Certificate, CertificateRequest ...; TLS 1.3: only ServerHello).  A
 * ChangeCipherSpec or an application_data record ends the clear part.
 * wolfSSL reads a record header and its body in separate calls, so this
 * is a byte stream parser.
 */
static void
xport_tls_scan(struct xport_tls *t, const unsigned char *p, size_t n)
{
	size_t	 k;

	while (n > 0 && !t->scan.done) {
		if (t->scan.nhdr < 5) {
			t->scan.hdr[t->scan.nhdr++] = *p++;
			n--;
			if (t->scan.nhdr < 5)
				continue;
			t->scan.body = (size_t)t->scan.hdr[3] << 8 |
			    t->scan.hdr[4];
			/* Encrypted from here on, or not TLS at all. */
			if (t->scan.hdr[0] == 20 || t->scan.hdr[0] == 23 ||
			    t->scan.hdr[1] != 3)
				t->scan.done = 1;
			if (t->scan.body == 0)
				t->scan.nhdr = 0;
			continue;
		}
		if (t->scan.hdr[0] != 22) {
			/* An alert: its body is not a handshake message. */
			k = n < t->scan.body ? n : t->scan.body;
			p += k;
			n -= k;
			t->scan.body -= k;
		} else if (t->scan.msg == 0 && t->scan.nhs < 4) {
			/* Handshake messages may span records. */
			t->scan.hs[t->scan.nhs++] = *p++;
			n--;
			t->scan.body--;
			if (t->scan.nhs == 4) {
				if (t->scan.hs[0] < 32)
					t->scan.seen |= 1u << t->scan.hs[0];
				t->scan.msg = (size_t)t->scan.hs[1] << 16 |
				    (size_t)t->scan.hs[2] << 8 | t->scan.hs[3];
				if (t->scan.msg == 0)
					t->scan.nhs = 0;
			}
		} else {
			k = n < t->scan.body ? n : t->scan.body;
			k = k < t->scan.msg ? k : t->scan.msg;
			p += k;
			n -= k;
			t->scan.body -= k;
			t->scan.msg -= k;
			if (t->scan.msg == 0)
				t->scan.nhs = 0;
		}
		if (t->scan.body == 0)
			t->scan.nhdr = 0;
	}
}

static int
xport_tls_recv_cb(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct xport_tls	*t = arg;
	enum pc_err		 rc;
	size_t			 got, n;

	if (sz <= 0)
		return 0;
	rc = xport_read(t->base.next, buf, (size_t)sz, &got);
	if (rc == PC_OK) {
		if (t->st == XPORT_TLS_HANDSHAKE &&
		    t->nfirst < sizeof t->first - 1) {
			n = sizeof t->first - 1 - t->nfirst;
			n = got < n ? got : n;
			memcpy(t->first + t->nfirst, buf, n);
			t->nfirst += n;
		}
		if (t->st == XPORT_TLS_HANDSHAKE)
			xport_tls_scan(t, (const unsigned char *)buf, got);
		return (int)got;
	}
	if (rc == PC_E_AGAIN) {
		t->want = POLLIN;
		return WOLFSSL_CBIO_ERR_WANT_READ;
	}
	if (rc == PC_E_CLOSED) {
		t->io_closed = 1;
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	}
	t->io_rc = rc;
	if (xport_fail(t->base.next) == XPORT_FAIL_CLOSED) {
		t->io_closed = 1;
		return WOLFSSL_CBIO_ERR_CONN_RST;
	}
	return WOLFSSL_CBIO_ERR_GENERAL;
}

static int
xport_tls_send_cb(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct xport_tls	*t = arg;
	enum pc_err		 rc;
	size_t			 put = 0;

	if (sz <= 0)
		return 0;
	rc = xport_tls_push(t);
	if (rc == PC_OK) {
		rc = xport_write(t->base.next, buf, (size_t)sz, &put);
		if (rc == PC_E_AGAIN)
			rc = PC_OK;
		else if (rc)
			t->io_rc = rc;
	}
	if (rc != PC_OK && rc != PC_E_AGAIN) {
		if (xport_fail(t->base.next) == XPORT_FAIL_CLOSED) {
			t->io_closed = 1;
			return WOLFSSL_CBIO_ERR_CONN_CLOSE;
		}
		return WOLFSSL_CBIO_ERR_GENERAL;
	}
	if (put < (size_t)sz &&
	    buf_add(&t->out, buf + put, (size_t)sz - put) != PC_OK) {
		/* Only when the peer reads nothing for 96 KiB. */
		t->want = POLLOUT;
		return put > 0 ? (int)put : WOLFSSL_CBIO_ERR_WANT_WRITE;
	}
	return sz;
}


static enum pc_err
xport_tls_connect(struct xport *x)
{
	struct xport_tls	*t = (struct xport_tls *)x;
	enum pc_err		 rc;
	char			*text;
	int			 ret, e;

	switch (t->st) {
	case XPORT_TLS_READY:
		return PC_OK;
	case XPORT_TLS_FAILED:
		return t->fail_rc;
	case XPORT_TLS_NEW:
		rc = xport_connect(x->next);
		if (rc)
			return rc;
		t->early = xport_pending(x->next);
		if (t->stls && t->early > 0) {
			text = xasprintf("%zu byte(s) arrived after the STLS "
			    "answer and before the TLS handshake: possible "
			    "response injection", t->early);
			rc = xport_tls_failed(t, XPORT_FAIL_INJECTION,
			    PC_E_PROTO, text);
			free(text);
			return rc;
		}
		t->st = XPORT_TLS_HANDSHAKE;
		/* FALLTHROUGH */
	case XPORT_TLS_HANDSHAKE:
		/* Records queued by the send callback go out first. */
		rc = xport_tls_push(t);
		if (rc && rc != PC_E_AGAIN)
			return xport_tls_classify(t, WOLFSSL_FATAL_ERROR);
		t->want = 0;
		ret = wolfSSL_connect(t->ssl);
		if (ret != WOLFSSL_SUCCESS) {
			e = wolfSSL_get_error(t->ssl, ret);
			if (e == WOLFSSL_ERROR_WANT_READ ||
			    e == WOLFSSL_ERROR_WANT_WRITE) {
				t->want = e == WOLFSSL_ERROR_WANT_READ ?
				    POLLIN : POLLOUT;
				goto again;
			}
			return xport_tls_classify(t, ret);
		}
		rc = xport_tls_post(t);
		if (rc)
			return rc;
		t->st = XPORT_TLS_FLUSH;
		xport_note(x, "TLS: %s %s, %s", t->info.version,
		    t->info.cipher, t->info.verify_result);
		/* FALLTHROUGH */
	case XPORT_TLS_FLUSH:
		/* Done only once our last flight is out: the server waits. */
		rc = xport_tls_push(t);
		if (rc == PC_E_AGAIN)
			goto again;
		if (rc)
			return xport_tls_classify(t, WOLFSSL_FATAL_ERROR);
		t->st = XPORT_TLS_READY;
		return PC_OK;
	}
	return PC_E_INVALID;
again:
	if (xport_expired(x))
		return xport_tls_failed(t, XPORT_FAIL_STALLED, PC_E_TIMEOUT,
		    "the handshake did not finish within the timeout");
	return PC_E_AGAIN;
}


/*
 * Before a read or a write: the session must be up; what is queued goes out
 * as far as the socket takes it (PC_E_AGAIN there is no failure).
 */
static enum pc_err
xport_tls_io_begin(struct xport_tls *t)
{
	enum pc_err rc;

	if (t->st != XPORT_TLS_READY || t->base.closed)
		return PC_E_INVALID;
	rc = xport_tls_push(t);
	if (rc && rc != PC_E_AGAIN)
		return rc;
	return PC_OK;
}

static enum pc_err
xport_tls_read(struct xport *x, void *buf, size_t len, size_t *got)
{
	struct xport_tls	*t = (struct xport_tls *)x;
	enum pc_err		 rc;
	int			 n;

	rc = xport_tls_io_begin(t);
	if (rc)
		return rc;
	t->want = 0;
	n = wolfSSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (n > 0) {
		*got = (size_t)n;
		return PC_OK;
	}
	return xport_tls_io_error(t, n, "read");
}

static enum pc_err
xport_tls_write(struct xport *x, const void *buf, size_t len, size_t *put)
{
	struct xport_tls	*t = (struct xport_tls *)x;
	enum pc_err		 rc;
	int			 n;

	rc = xport_tls_io_begin(t);
	if (rc)
		return rc;
	if (t->out.len >= XPORT_TLS_OUT_SOFT) {
		t->want = POLLOUT;
		return PC_E_AGAIN;
	}
	t->want = 0;
	n = wolfSSL_write(t->ssl, buf, len > XPORT_TLS_WRITE_MAX ?
	    XPORT_TLS_WRITE_MAX : (int)len);
	if (n > 0) {
		*put = (size_t)n;
		return PC_OK;
	}
	return xport_tls_io_error(t, n, "write");
}

static enum pc_err
xport_tls_flush(struct xport *x)
{
	struct xport_tls	*t = (struct xport_tls *)x;
	enum pc_err		 rc;

	rc = xport_tls_push(t);
	if (rc)
		return rc;
	return xport_flush(x->next);
}

static short
xport_tls_poll_events(struct xport *x)
{
	struct xport_tls	*t = (struct xport_tls *)x;
	short			 ev = xport_poll_events(x->next);

	if (t->st == XPORT_TLS_NEW || t->st == XPORT_TLS_FAILED)
		return ev;
	return ev | t->want | (t->out.len > 0 ? POLLOUT : 0);
}

static size_t
xport_tls_pending(struct xport *x)
{
	struct xport_tls	*t = (struct xport_tls *)x;
	int			 n = 0;

	if (t->st == XPORT_TLS_READY)
		n = wolfSSL_pending(t->ssl);
	return (n > 0 ? (size_t)n : 0) + xport_pending(x->next);
}

static void
xport_tls_close(struct xport *x)
{
	struct xport_tls	*t = (struct xport_tls *)x;

	/* One close_notify, best effort: never wait for the answer. */
	if (t->st == XPORT_TLS_READY && t->io_rc == PC_OK && !t->io_closed) {
		(void)wolfSSL_shutdown(t->ssl);
		(void)xport_tls_push(t);
	}
}

static void
xport_tls_free(struct xport *x)
{
	struct xport_tls	*t = (struct xport_tls *)x;

	if (t->ssl != NULL)
		wolfSSL_free(t->ssl);
	if (t->ctx != NULL)
		wolfSSL_CTX_free(t->ctx);
	buf_cleanup(&t->out);
	xport_tls_info_cleanup(&t->info);
	free(t->host);
	explicit_bzero(t->pin, sizeof t->pin);
	free(t);
}

static const struct xport_ops xport_tls_ops = {
	.name = "tls",
	.connect = xport_tls_connect,
	.read = xport_tls_read,
	.write = xport_tls_write,
	.flush = xport_tls_flush,
	.poll_events = xport_tls_poll_events,
	.pending = xport_tls_pending,
	.close = xport_tls_close,
	.free = xport_tls_free,
};


enum pc_err
xport_tls_new(struct xport *next, const struct xport_tls_cfg *cfg,
    struct xport **out, char **cause)
{
	struct xport_tls	*t;
	size_t			 len;
	char			*why = NULL;
	const char		*host = cfg->host != NULL ? cfg->host : "";
	enum pc_err		 rc = PC_E_INVALID;

	*out = NULL;
	pthread_once(&xport_tls_once, xport_tls_global_init);
	if (xport_tls_init_rc != WOLFSSL_SUCCESS) {
		if (cause != NULL)
			*cause = xstrdup("the TLS library failed to start");
		return PC_E_TLS;
	}
	why = xport_tls_versions_check(cfg->versions);
	if (why != NULL) {
		if (cause != NULL)
			*cause = why;
		else
			free(why);
		return PC_E_INVALID;
	}

	t = xcalloc(1, sizeof *t);
	xport_init(&t->base, &xport_tls_ops, next);
	t->st = XPORT_TLS_NEW;
	t->versions = cfg->versions & XPORT_TLS_ALL;
	t->verify = cfg->verify;
	t->stls = cfg->stls;
	t->fp_reset = atomic_fetch_add_explicit(&xport_tls_sessions, 1,
	    memory_order_relaxed) == 0;
	buf_init(&t->out, XPORT_TLS_OUT_MAX);
	len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
		t->host = xstrndup(host + 1, len - 2);
	else
		t->host = xstrdup(host);
	t->ip_family = xport_dns_parse_ip(t->host, t->ip);

	if (t->verify == XPORT_TLS_VERIFY_PIN &&
	    xport_tls_parse_pin(cfg->pin, t->pin) != 0) {
		why = xstrdup("the pin must be 64 hex digits (a SHA-256 "
		    "fingerprint; ':' separators allowed)");
		goto fail;
	}
	if (t->verify == XPORT_TLS_VERIFY_FULL && *t->host == '\0') {
		why = xstrdup("full verification needs the server name");
		goto fail;
	}
	t->ctx = xport_tls_ctx_get(cfg, t->versions, &why, &rc);
	if (t->ctx == NULL)
		goto fail;
	rc = PC_E_TLS;
	t->ssl = wolfSSL_new(t->ctx);
	if (t->ssl == NULL) {
		why = xstrdup("cannot create a TLS session");
		goto fail;
	}
	wolfSSL_SSLSetIORecv(t->ssl, xport_tls_recv_cb);
	wolfSSL_SSLSetIOSend(t->ssl, xport_tls_send_cb);
	wolfSSL_SetIOReadCtx(t->ssl, t);
	wolfSSL_SetIOWriteCtx(t->ssl, t);
	wolfSSL_SetCertCbCtx(t->ssl, t);
#ifdef HAVE_CURVE25519
	/*
	 * TLS 1.3 key share: X25519, as OpenSSL clients send it, instead of
	 * wolfSSL's default P-256 (half the handshake's CPU with this
	 * build's generic P-256 code).  A server without X25519 asks for
	 * another group (HelloRetryRequest); a failure keeps the default.
	 */
	if (t->versions & XPORT_TLS_1_3)
		(void)wolfSSL_UseKeyShare(t->ssl, WOLFSSL_ECC_X25519);
#endif
	/* SNI carries DNS names only (RFC 6066 section 3). */
	if (t->ip_family == 0 && *t->host != '\0' &&
	    wolfSSL_UseSNI(t->ssl, WOLFSSL_SNI_HOST_NAME, t->host,
	    (unsigned short)strlen(t->host)) != WOLFSSL_SUCCESS) {
		why = xstrdup("cannot set the server name indication");
		goto fail;
	}
	if (t->verify == XPORT_TLS_VERIFY_FULL && t->ip_family == 0 &&
	    wolfSSL_check_domain_name(t->ssl, t->host) != WOLFSSL_SUCCESS) {
		why = xstrdup("cannot set the name to verify");
		goto fail;
	}
	*out = &t->base;
	return PC_OK;

fail:
	if (cause != NULL)
		*cause = why;
	else
		free(why);
	t->base.next = NULL;	/* the caller keeps next */
	xport_free(&t->base);
	return rc;
}

const struct xport_tls_info *
xport_tls_info(struct xport *x)
{
	struct xport_tls	*t;

	t = (struct xport_tls *)xport_find(x, &xport_tls_ops);
	if (t == NULL || (!t->have_cert && t->info.version == NULL))
		return NULL;
	return &t->info;
}

const char *
xport_tls_sni(struct xport *x)
{
	struct xport_tls	*t;

	t = (struct xport_tls *)xport_find(x, &xport_tls_ops);
	if (t == NULL || t->ip_family != 0 || *t->host == '\0')
		return NULL;
	return t->host;
}

size_t
xport_tls_early_bytes(struct xport *x)
{
	struct xport_tls	*t;

	t = (struct xport_tls *)xport_find(x, &xport_tls_ops);
	return t != NULL ? t->early : 0;
}
