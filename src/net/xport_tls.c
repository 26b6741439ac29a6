/*
 * xport_tls.c - the TLS client transport (wolfSSL), stacked on any other
 * transport.
 *
 * wolfSSL gets per-session I/O callbacks (wolfSSL_SSLSetIORecv/SetIOSend)
 * that read from and write to next, so the same code runs over a socket, a
 * proxy tunnel, or the in-memory pipe of the tests.  PC_E_AGAIN from next
 * becomes WOLFSSL_CBIO_ERR_WANT_READ; outgoing records that next cannot
 * take yet are queued here (bounded) instead of being refused, because
 * wolfSSL_write insists on being retried with the same buffer after
 * WANT_WRITE, which would leak into every caller.
 *
 * Versions (environment.md 2.4): this build has TLS 1.1-1.3 only.  The
 * minimum and maximum are always set explicitly, since the library's
 * default minimum is TLS 1.1 and a failed set_max leaves the context broken,
 * and a hole in the allowed set is cut out with WOLFSSL_OP_NO_TLSv1_x.
 * Every return value is checked.  The cipher list is explicit too: RC4,
 * NULL and anonymous suites are compiled into this wolfSSL and must never
 * be offered.
 *
 * Verification: full = chain (optional CA file + the system store, read
 * by issuer: xport_tls_system_store) and the host name
 * (wolfSSL_check_domain_name; SNI is sent for names only, RFC 6066 3) or, for an IP literal, the IP SANs compared here byte by byte.
 * pin = SHA-256 of the leaf's DER, checked right after the handshake and
 * before any application byte is read.  off = nothing, said loudly in the
 * verification text.  A verify callback sees every certificate, so the
 * details of a rejected certificate are still reported.
 *
 * Diagnosis of a failed handshake (PRODUCT.md section 2): a version
 * mismatch only when the server sent protocol_version or chose a version
 * outside the set (wolfSSL refuses it with protocol_version); a request
 * for a client certificate when the server sent a CertificateRequest
 * (TLS 1.2: read from the handshake records while they are still in
 * clear, xport_tls_scan) or the alert certificate_required (TLS 1.3,
 * where the request is encrypted and the alert may come after our
 * Finished, on the first read); anything else is a handshake failure
 * named by the alert the server sent, or by its silence.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>

#include "popconn/buf.h"
#include "popconn/profile.h"
#include "popconn/str.h"
#include "popconn/xport.h"
#include "net/net_int.h"

#define XPORT_TLS_OUT_SOFT	(32 * 1024)	/* stop taking writes */
#define XPORT_TLS_OUT_MAX	(96 * 1024)	/* hard cap on queued records */
#define XPORT_TLS_WRITE_MAX	16384		/* one record per write */
#define XPORT_TLS_SANS_MAX	64
#define XPORT_TLS_SYSTEM_DIR	"/etc/ssl/certs"

/* Mozilla "intermediate"-like, plus CBC suites TLS 1.1 servers need. */
static const char xport_tls_ciphers[] =
    "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:"
    "TLS13-CHACHA20-POLY1305-SHA256:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:"
    "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:"
    "ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:"
    "DHE-RSA-AES128-SHA:DHE-RSA-AES256-SHA:"
    "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA";

/* The PROF_TLS_* bits, lowest first, with what wolfSSL calls them. */
static const struct xport_tls_version {
	unsigned	 bit;
	int		 proto;		/* for set_min/max_proto_version */
	long		 no_opt;	/* WOLFSSL_OP_NO_* */
	const char	*name;
} xport_tls_versions[] = {
	{ PROF_TLS_SSL2, 0x0002, 0, "SSL 2.0" },
	{ PROF_TLS_SSL3, SSL3_VERSION, WOLFSSL_OP_NO_SSLv3, "SSL 3.0" },
	{ PROF_TLS_10, TLS1_VERSION, WOLFSSL_OP_NO_TLSv1, "TLS 1.0" },
	{ PROF_TLS_11, TLS1_1_VERSION, WOLFSSL_OP_NO_TLSv1_1, "TLS 1.1" },
	{ PROF_TLS_12, TLS1_2_VERSION, WOLFSSL_OP_NO_TLSv1_2, "TLS 1.2" },
	{ PROF_TLS_13, TLS1_3_VERSION, WOLFSSL_OP_NO_TLSv1_3, "TLS 1.3" },
};
#define XPORT_TLS_NVERSIONS \
	(sizeof xport_tls_versions / sizeof xport_tls_versions[0])

enum xport_tls_state {
	XPORT_TLS_NEW,		/* next not connected yet */
	XPORT_TLS_HANDSHAKE,
	XPORT_TLS_FLUSH,	/* handshake done, last flight queued */
	XPORT_TLS_READY,
	XPORT_TLS_FAILED,
};

struct xport_tls {
	struct xport	 base;
	WOLFSSL_CTX	*ctx;
	WOLFSSL		*ssl;
	enum xport_tls_state st;
	enum pc_err	 fail_rc;
	char		*host;		/* brackets removed */
	int		 ip_family;	/* AF_INET/AF_INET6 for a literal */
	unsigned char	 ip[16];
	unsigned	 versions;
	enum xport_tls_verify verify;
	unsigned char	 pin[32];
	int		 stls;
	struct buf	 out;		/* records next has not taken yet */
	short		 want;		/* what wolfSSL waits for */
	enum pc_err	 io_rc;		/* error next gave the callbacks */
	int		 io_closed;	/* next reached end of stream */
	unsigned char	 first[81];	/* first bytes of the server */
	size_t		 nfirst;
	size_t		 early;		/* bytes waiting when we began */
	struct {
		unsigned char	 hdr[5];	/* record header so far */
		size_t		 nhdr;
		size_t		 body;		/* record body bytes left */
		unsigned char	 hs[4];		/* handshake header so far */
		size_t		 nhs;
		size_t		 msg;		/* handshake body bytes left */
		int		 done;		/* encrypted from here on */
		uint32_t	 seen;		/* 1 << handshake type (< 32) */
	} scan;				/* the server's records in clear */
	int		 verify_err;	/* first error the callback saw */
	int		 verify_depth;
	int		 have_cert;	/* info holds the leaf's details */
	int		 fp_reset;	/* the process's first session */
	struct xport_tls_info info;
};

static pthread_once_t xport_tls_once = PTHREAD_ONCE_INIT;
static int xport_tls_init_rc;
static atomic_uint xport_tls_sessions;	/* made so far */

static void
xport_tls_global_init(void)
{
	xport_tls_init_rc = wolfSSL_Init();
}

unsigned
xport_tls_versions_available(void)
{
	unsigned	 bits = 0;

	/* SSL 2.0 was never implemented by wolfSSL. */
#if defined(WOLFSSL_ALLOW_SSLV3) && !defined(NO_OLD_TLS)
	bits |= PROF_TLS_SSL3;
#endif
#if defined(WOLFSSL_ALLOW_TLSV10) && !defined(NO_OLD_TLS)
	bits |= PROF_TLS_10;
#endif
#ifndef NO_OLD_TLS
	bits |= PROF_TLS_11;
#endif
#ifndef WOLFSSL_NO_TLS12
	bits |= PROF_TLS_12;
#endif
#ifdef WOLFSSL_TLS13
	bits |= PROF_TLS_13;
#endif
	return bits;
}

const char *
xport_tls_version_reason(unsigned bit)
{
	if (xport_tls_versions_available() & bit)
		return NULL;
	switch (bit) {
	case PROF_TLS_SSL2:
		return "SSL 2.0 is not implemented by wolfSSL (and is "
		    "prohibited by RFC 6176)";
	case PROF_TLS_SSL3:
		return "this wolfSSL build has no SSL 3.0 (built without "
		    "WOLFSSL_ALLOW_SSLV3; RFC 7568 deprecates it)";
	case PROF_TLS_10:
		return "this wolfSSL build has no TLS 1.0 (built without "
		    "WOLFSSL_ALLOW_TLSV10; RFC 8996 deprecates it)";
	case PROF_TLS_11:
		return "this wolfSSL build has no TLS 1.1 (built with "
		    "NO_OLD_TLS)";
	case PROF_TLS_12:
		return "this wolfSSL build has no TLS 1.2";
	case PROF_TLS_13:
		return "this wolfSSL build has no TLS 1.3";
	default:
		return "unknown TLS version";
	}
}

/* Names of the allowed set, "TLS 1.2, TLS 1.3".  Caller frees. */
static char *
xport_tls_versions_str(unsigned bits)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 256);
	for (i = 0; i < XPORT_TLS_NVERSIONS; i++) {
		if (bits & xport_tls_versions[i].bit)
			buf_addf(&b, "%s%s", b.len ? ", " : "",
			    xport_tls_versions[i].name);
	}
	return buf_take(&b);
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

/* "2026-01-31 12:00:00 UTC" for a certificate time.  Caller frees. */
static char *
xport_tls_time_str(WOLFSSL_ASN1_TIME *at)
{
	struct tm	 tm;
	char		 s[64];

	memset(&tm, 0, sizeof tm);
	if (at == NULL || wolfSSL_ASN1_TIME_to_tm(at, &tm) != WOLFSSL_SUCCESS)
		return xstrdup("?");
	if (strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		return xstrdup("?");
	return xstrdup(s);
}

static char *
xport_tls_name_str(WOLFSSL_X509_NAME *name)
{
	char	 s[2048];

	if (name == NULL || wolfSSL_X509_NAME_oneline(name, s, sizeof s) ==
	    NULL)
		return xstrdup("");
	s[sizeof s - 1] = '\0';
	return str_escape(s, strlen(s));
}

static void
xport_tls_info_cleanup(struct xport_tls_info *in)
{
	int	 i;

	free(in->version);
	free(in->cipher);
	free(in->subject);
	free(in->issuer);
	for (i = 0; i < in->nsans; i++)
		free(in->sans[i]);
	free(in->sans);
	free(in->not_before);
	free(in->not_after);
	free(in->fingerprint);
	free(in->verify_result);
	memset(in, 0, sizeof *in);
}

/*
 * Walk the subjectAltName entries of x509: collect them as text into info
 * (when info is not NULL) and say whether one is the IP ip (family fam).
 */
static int
xport_tls_sans(WOLFSSL_X509 *x509, struct xport_tls_info *info, int fam,
    const unsigned char *ip)
{
	WOLFSSL_STACK		*sk;
	WOLFSSL_GENERAL_NAME	*gn;
	const unsigned char	*d;
	char			 txt[INET6_ADDRSTRLEN], *esc;
	int			 i, n, len, match = 0;

	sk = wolfSSL_X509_get_ext_d2i(x509, NID_subject_alt_name, NULL, NULL);
	if (sk == NULL)
		return 0;
	n = wolfSSL_sk_GENERAL_NAME_num(sk);
	for (i = 0; i < n; i++) {
		gn = wolfSSL_sk_GENERAL_NAME_value(sk, i);
		if (gn == NULL || gn->d.ptr == NULL)
			continue;
		esc = NULL;
		if (gn->type == ASN_DNS_TYPE) {
			d = wolfSSL_ASN1_STRING_get0_data(gn->d.dNSName);
			len = wolfSSL_ASN1_STRING_length(gn->d.dNSName);
			if (d != NULL && len >= 0) {
				char	*raw = str_escape((const char *)d,
				    (size_t)len);

				esc = xasprintf("DNS:%s", raw);
				free(raw);
			}
		} else if (gn->type == ASN_IP_TYPE) {
			d = wolfSSL_ASN1_STRING_get0_data(gn->d.iPAddress);
			len = wolfSSL_ASN1_STRING_length(gn->d.iPAddress);
			if (d != NULL && (len == 4 || len == 16)) {
				inet_ntop(len == 4 ? AF_INET : AF_INET6, d,
				    txt, sizeof txt);
				esc = xasprintf("IP:%s", txt);
				if (fam != 0 && len == (fam == AF_INET ? 4 :
				    16) && memcmp(d, ip, (size_t)len) == 0)
					match = 1;
			}
		} else if (gn->type == ASN_RFC822_TYPE) {
			d = wolfSSL_ASN1_STRING_get0_data(gn->d.rfc822Name);
			len = wolfSSL_ASN1_STRING_length(gn->d.rfc822Name);
			if (d != NULL && len >= 0) {
				char	*raw = str_escape((const char *)d,
				    (size_t)len);

				esc = xasprintf("email:%s", raw);
				free(raw);
			}
		}
		if (esc == NULL)
			continue;
		if (info != NULL && info->nsans < XPORT_TLS_SANS_MAX) {
			info->sans = xreallocarray(info->sans,
			    (size_t)info->nsans + 1, sizeof *info->sans);
			info->sans[info->nsans++] = esc;
		} else
			free(esc);
	}
	wolfSSL_sk_GENERAL_NAME_pop_free(sk, wolfSSL_GENERAL_NAME_free);
	return match;
}

/* Fill t->info with the details of the leaf certificate x509. */
static void
xport_tls_capture(struct xport_tls *t, WOLFSSL_X509 *x509)
{
	struct xport_tls_info	*in = &t->info;
	const unsigned char	*der;
	unsigned char		 md[32];
	int			 len, i;
	char			*p;

	if (t->have_cert || x509 == NULL)
		return;
	der = wolfSSL_X509_get_der(x509, &len);
	if (der == NULL || len <= 0 ||
	    wc_Sha256Hash(der, (word32)len, md) != 0)
		return;
	t->have_cert = 1;
	in->subject = xport_tls_name_str(wolfSSL_X509_get_subject_name(x509));
	in->issuer = xport_tls_name_str(wolfSSL_X509_get_issuer_name(x509));
	in->not_before = xport_tls_time_str(wolfSSL_X509_get_notBefore(x509));
	in->not_after = xport_tls_time_str(wolfSSL_X509_get_notAfter(x509));
	in->fingerprint = p = xmalloc(sizeof md * 3);
	for (i = 0; i < (int)sizeof md; i++)
		p += sprintf(p, "%s%02X", i ? ":" : "", md[i]);
	xport_tls_sans(x509, in, 0, NULL);
}

static int
xport_tls_verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
	struct xport_tls	*t = store->userCtx;

	if (t == NULL)
		return preverify;
#if defined(HAVE_ECC) && defined(FP_ECC)
	/*
	 * This wolfSSL keeps a fixed-point table per ECC point and builds it
	 * on the point's second use (256 points made affine: as much CPU as
	 * the rest of a P-256 handshake).  A handshake uses the base point
	 * once per signature, so the first one of a process builds it: a
	 * waste for the single test logon of the CLI.  Emptying the cache
	 * after each certificate of the first session keeps every point at
	 * one use; later sessions (a group test, the TUI) build the tables
	 * and gain from them.
	 */
	if (t->fp_reset)
		wc_ecc_fp_free();
#endif
	if (store->error_depth == 0 && store->current_cert != NULL)
		xport_tls_capture(t, store->current_cert);
	if (!preverify && t->verify_err == 0) {
		t->verify_err = store->error != 0 ? store->error :
		    VERIFY_CERT_ERROR;
		t->verify_depth = store->error_depth;
	}
	/* pin and off decide after the handshake (pin) or not at all. */
	return t->verify == XPORT_TLS_VERIFY_FULL ? preverify : 1;
}

/*
 * The failure class of a certificate error, XPORT_FAIL_NONE if none.  The
 * verify callback sees OpenSSL-style X509_V_ERR_* codes (this build has
 * the compatibility layer), wolfSSL_get_error the library's own: map both.
 */
static enum xport_fail
xport_tls_cert_class(int e)
{
	switch (e) {
	case ASN_AFTER_DATE_E:
	case ASN_BEFORE_DATE_E:
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return XPORT_FAIL_CERT_EXPIRED;
	case DOMAIN_NAME_MISMATCH:
	case IPADDR_MISMATCH:
		return XPORT_FAIL_CERT_NAME;
	case ASN_NO_SIGNER_E:
	case ASN_SELF_SIGNED_E:
	case ASN_SIG_CONFIRM_E:
	case ASN_SIG_OID_E:
	case ASN_PATHLEN_SIZE_E:
	case ASN_PATHLEN_INV_E:
	case VERIFY_CERT_ERROR:
	case CRL_CERT_REVOKED:
	case OCSP_CERT_REVOKED:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REVOKED:
		return XPORT_FAIL_CERT_UNTRUSTED;
	default:
		return XPORT_FAIL_NONE;
	}
}

static const char *
xport_tls_cert_words(enum xport_fail f, int e)
{
	switch (f) {
	case XPORT_FAIL_CERT_EXPIRED:
		return e == ASN_BEFORE_DATE_E ||
		    e == X509_V_ERR_CERT_NOT_YET_VALID ? "the certificate is "
		    "not yet valid" : "the certificate has expired";
	case XPORT_FAIL_CERT_NAME:
		return "the certificate is not for this server name";
	case XPORT_FAIL_CERT_UNTRUSTED:
		return e == ASN_SELF_SIGNED_E ||
		    e == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ? "the "
		    "certificate is self-signed and not trusted" :
		    "the certificate is not signed by a trusted authority";
	default:
		return "the certificate was rejected";
	}
}

static const char *
xport_tls_alert_str(int code)
{
	switch (code) {
	case 0:
		return "close_notify";
	case 10:
		return "unexpected_message";
	case 20:
		return "bad_record_mac";
	case 40:
		return "handshake_failure";
	case 42:
		return "bad_certificate";
	case 43:
		return "unsupported_certificate";
	case 46:
		return "certificate_unknown";
	case 47:
		return "illegal_parameter";
	case 48:
		return "unknown_ca";
	case 50:
		return "decode_error";
	case 51:
		return "decrypt_error";
	case 70:
		return "protocol_version";
	case 71:
		return "insufficient_security";
	case 80:
		return "internal_error";
	case 86:
		return "inappropriate_fallback";
	case 109:
		return "missing_extension";
	case 112:
		return "unrecognized_name";
	case 116:
		return "certificate_required";
	case 120:
		return "no_application_protocol";
	default:
		return "alert";
	}
}

static enum pc_err
xport_tls_failed(struct xport_tls *t, enum xport_fail f, enum pc_err rc,
    const char *text)
{
	t->st = XPORT_TLS_FAILED;
	t->fail_rc = rc;
	if (t->info.verify_result == NULL) {
		switch (f) {
		case XPORT_FAIL_CERT_UNTRUSTED:
		case XPORT_FAIL_CERT_NAME:
		case XPORT_FAIL_CERT_EXPIRED:
		case XPORT_FAIL_CERT_PIN:
			t->info.verify_result = xasprintf("failed: %s", text);
			break;
		default:
			/* The summary says why, never an empty reason. */
			t->info.verify_result = xasprintf("certificate not "
			    "fully checked: %s", text);
			break;
		}
	}
	xport_note(&t->base, "TLS: %s", text);
	return xport_fail_set(&t->base, f, rc, "TLS: %s", text);
}

/*
 * wolfSSL stopped after a 5-byte record header: read what else is there
 * (without waiting) so the cause can quote the server's line.
 */
static void
xport_tls_more_first(struct xport_tls *t)
{
	size_t	 got;

	while (t->nfirst < sizeof t->first - 1 &&
	    memchr(t->first, '\n', t->nfirst) == NULL &&
	    xport_read(t->base.next, t->first + t->nfirst,
	    sizeof t->first - 1 - t->nfirst, &got) == PC_OK)
		t->nfirst += got;
	t->first[t->nfirst] = '\0';
}

/* Why did the handshake fail?  ret is wolfSSL_connect's answer. */
static enum pc_err
xport_tls_classify(struct xport_tls *t, int ret)
{
	WOLFSSL_ALERT_HISTORY	 ah;
	char			 ebuf[WOLFSSL_MAX_ERROR_SZ], *text, *esc;
	char			*offered;
	int			 e = wolfSSL_get_error(t->ssl, ret);
	enum xport_fail		 f;
	enum pc_err		 rc;

	offered = xport_tls_versions_str(t->versions);
	memset(&ah, 0, sizeof ah);
	(void)wolfSSL_get_alert_history(t->ssl, &ah);

	/* A plain-text answer: "+OK ..." from a POP3 port, say. */
	if (t->nfirst > 0 && (t->first[0] < 0x14 || t->first[0] > 0x18)) {
		xport_tls_more_first(t);
		esc = str_escape((const char *)t->first,
		    strcspn((const char *)t->first, "\r\n"));
		text = xasprintf("the server did not answer with TLS but with "
		    "\"%s\": is this a port for plain POP3 (security "
		    "none, or tls with STLS)?", esc);
		free(esc);
		f = XPORT_FAIL_TLS_HANDSHAKE;
		rc = PC_E_TLS;
		goto out;
	}
	f = xport_tls_cert_class(t->verify_err);
	if (t->verify == XPORT_TLS_VERIFY_FULL && f != XPORT_FAIL_NONE) {
		text = xasprintf("%s (%s)", xport_tls_cert_words(f,
		    t->verify_err), wolfSSL_ERR_error_string(
		    (unsigned long)t->verify_err, ebuf));
		rc = PC_E_TLS;
		goto out;
	}
	f = xport_tls_cert_class(e);
	if (f != XPORT_FAIL_NONE) {
		text = xasprintf("%s (%s)", xport_tls_cert_words(f, e),
		    wolfSSL_ERR_error_string((unsigned long)e, ebuf));
		rc = PC_E_TLS;
		goto out;
	}
	if (e == VERSION_ERROR || e == UNSUPPORTED_PROTO_VERSION ||
	    ah.last_rx.code == 70 || ah.last_tx.code == 70) {
		f = XPORT_FAIL_TLS_VERSION;
		text = xasprintf("no TLS version in common with the server "
		    "(allowed: %s)%s%s", offered, ah.last_rx.code == 70 ?
		    ": the server sent alert protocol_version" : "",
		    ah.last_tx.code == 70 ? ": the server chose a version "
		    "that is not allowed" : "");
		rc = PC_E_TLS;
		goto out;
	}
	/*
	 * A TLS 1.2 CertificateRequest (13) after a ServerHello (2), or
	 * TLS 1.3's alert.
	 */
	if (((t->scan.seen & 1u << 2) && (t->scan.seen & 1u << 13)) ||
	    ah.last_rx.code == 116) {
		f = XPORT_FAIL_TLS_CLIENT_CERT;
		if (ah.last_rx.code == 116)
			text = xstrdup("the server requires a client "
			    "certificate (it sent alert certificate_required "
			    "(116)); popconn sends none");
		else if (ah.last_rx.code != 0)
			text = xasprintf("the server asked for a client "
			    "certificate (CertificateRequest), got none and "
			    "sent alert %s (%d)", xport_tls_alert_str(
			    ah.last_rx.code), ah.last_rx.code);
		else
			text = xstrdup("the server asked for a client "
			    "certificate (CertificateRequest), got none and "
			    "ended the handshake without an alert");
		rc = PC_E_TLS;
		goto out;
	}
	if (e == FATAL_ERROR && ah.last_rx.code != 0) {
		f = XPORT_FAIL_TLS_HANDSHAKE;
		text = xasprintf("the server sent alert %s (%d)%s",
		    xport_tls_alert_str(ah.last_rx.code), ah.last_rx.code,
		    ah.last_rx.code == 40 ? ": it accepts nothing the client "
		    "offered (no cipher suite, group or signature algorithm "
		    "in common, or a setting it insists on)" : "");
		rc = PC_E_TLS;
		goto out;
	}
	if (t->io_closed) {
		/*
		 * Some servers (Dovecot) close without an alert when no
		 * version is in common, others for any refusal: the
		 * silence names nothing, so the versions are only listed.
		 */
		f = XPORT_FAIL_TLS_HANDSHAKE;
		text = xasprintf("the server closed the connection during the "
		    "handshake without an alert: it refused the handshake "
		    "without saying why (allowed: %s; some servers do this "
		    "when none of these versions suits them)", offered);
		rc = PC_E_TLS;
		goto out;
	}
	if (t->io_rc != PC_OK) {
		esc = str_escape(xport_cause(t->base.next),
		    strlen(xport_cause(t->base.next)));
		f = XPORT_FAIL_TLS_HANDSHAKE;
		text = xasprintf("handshake interrupted: %s", esc);
		free(esc);
		rc = t->io_rc;
		goto out;
	}
	f = XPORT_FAIL_TLS_HANDSHAKE;
	text = xasprintf("handshake failed: %s (%d)",
	    wolfSSL_ERR_error_string((unsigned long)e, ebuf), e);
	rc = PC_E_TLS;
out:
	free(offered);
	rc = xport_tls_failed(t, f, rc, text);
	free(text);
	return rc;
}

/* Checks after a completed handshake, before any application byte. */
static enum pc_err
xport_tls_post(struct xport_tls *t)
{
	WOLFSSL_X509_CHAIN	*chain;
	WOLFSSL_X509		*leaf = NULL;
	const unsigned char	*der;
	unsigned char		 md[32];
	int			 len = 0, ipok = 1;
	enum pc_err		 rc = PC_OK;
	char			 ebuf[WOLFSSL_MAX_ERROR_SZ], *text;

	t->info.version = xstrdup(wolfSSL_get_version(t->ssl));
	t->info.cipher = xstrdup(wolfSSL_get_cipher_name(t->ssl) != NULL ?
	    wolfSSL_get_cipher_name(t->ssl) : "?");
	chain = wolfSSL_get_peer_chain(t->ssl);
	if (chain != NULL && wolfSSL_get_chain_count(chain) > 0) {
		der = wolfSSL_get_chain_cert(chain, 0);
		len = wolfSSL_get_chain_length(chain, 0);
		if (der != NULL && len > 0)
			leaf = wolfSSL_X509_d2i(NULL, der, len);
	}
	if (leaf == NULL)
		return xport_tls_failed(t, XPORT_FAIL_TLS_HANDSHAKE, PC_E_TLS,
		    "the server sent no certificate");
	xport_tls_capture(t, leaf);
	der = wolfSSL_X509_get_der(leaf, &len);
	if (der == NULL || len <= 0 ||
	    wc_Sha256Hash(der, (word32)len, md) != 0) {
		rc = xport_tls_failed(t, XPORT_FAIL_TLS_HANDSHAKE, PC_E_TLS,
		    "cannot hash the server certificate");
		goto out;
	}
	if (t->ip_family != 0)
		ipok = xport_tls_sans(leaf, NULL, t->ip_family, t->ip);

	switch (t->verify) {
	case XPORT_TLS_VERIFY_PIN:
		if (memcmp(md, t->pin, sizeof md) != 0) {
			text = xasprintf("the certificate (SHA-256 %s) does "
			    "not match the pinned fingerprint",
			    t->info.fingerprint);
			rc = xport_tls_failed(t, XPORT_FAIL_CERT_PIN, PC_E_TLS,
			    text);
			free(text);
			goto out;
		}
		t->info.verified = 1;
		t->info.verify_result = xasprintf("pinned SHA-256 fingerprint "
		    "matches (chain and name not checked%s%s)",
		    t->verify_err ? "; chain: " : "", t->verify_err ?
		    wolfSSL_ERR_error_string((unsigned long)t->verify_err,
		    ebuf) : "");
		break;
	case XPORT_TLS_VERIFY_OFF:
		if (t->verify_err)
			t->info.verify_result = xasprintf("NOT verified: "
			    "certificate checks are off (chain: %s)",
			    wolfSSL_ERR_error_string(
			    (unsigned long)t->verify_err, ebuf));
		else
			t->info.verify_result = xstrdup("NOT verified: "
			    "certificate checks are off");
		break;
	case XPORT_TLS_VERIFY_FULL:
		if (!ipok) {
			text = xasprintf("the certificate is not for the IP "
			    "address %s (no matching IP subjectAltName)",
			    t->host);
			rc = xport_tls_failed(t, XPORT_FAIL_CERT_NAME,
			    PC_E_TLS, text);
			free(text);
			goto out;
		}
		t->info.verified = 1;
		t->info.verify_result = xasprintf("verified: trusted chain, "
		    "certificate is for %s%s", t->ip_family ? "IP " : "",
		    t->host);
		break;
	}
out:
	wolfSSL_X509_free(leaf);
	return rc;
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

static enum pc_err
xport_tls_io_error(struct xport_tls *t, int ret, const char *what)
{
	WOLFSSL_ALERT_HISTORY	 ah;
	char			 ebuf[WOLFSSL_MAX_ERROR_SZ];
	int			 e = wolfSSL_get_error(t->ssl, ret);

	if (e == WOLFSSL_ERROR_WANT_READ) {
		t->want = POLLIN;
		return PC_E_AGAIN;
	}
	if (e == WOLFSSL_ERROR_WANT_WRITE) {
		t->want = POLLOUT;
		return PC_E_AGAIN;
	}
	/*
	 * TLS 1.3: the client's handshake ends before the server has
	 * checked its (empty) Certificate; the refusal comes as an alert on
	 * the first read, before or with the close.
	 */
	memset(&ah, 0, sizeof ah);
	(void)wolfSSL_get_alert_history(t->ssl, &ah);
	if (ah.last_rx.code == 116)
		return xport_fail_set(&t->base, XPORT_FAIL_TLS_CLIENT_CERT,
		    PC_E_TLS, "TLS: the server requires a client certificate "
		    "(it sent alert certificate_required (116) after the "
		    "handshake); popconn sends none");
	if (ah.last_rx.level == alert_fatal && ah.last_rx.code != 0)
		return xport_fail_set(&t->base, XPORT_FAIL_IO, PC_E_TLS, "TLS "
		    "%s: the server sent alert %s (%d)", what,
		    xport_tls_alert_str(ah.last_rx.code), ah.last_rx.code);
	if (e == WOLFSSL_ERROR_ZERO_RETURN || t->io_closed)
		return PC_E_CLOSED;
	if (t->io_rc != PC_OK)
		return t->io_rc;	/* next recorded why */
	return xport_fail_set(&t->base, XPORT_FAIL_IO, PC_E_TLS, "TLS %s: %s "
	    "(%d)", what, wolfSSL_ERR_error_string((unsigned long)e, ebuf),
	    e);
}

static enum pc_err
xport_tls_read(struct xport *x, void *buf, size_t len, size_t *got)
{
	struct xport_tls	*t = (struct xport_tls *)x;
	enum pc_err		 rc;
	int			 n;

	if (t->st != XPORT_TLS_READY || x->closed)
		return PC_E_INVALID;
	rc = xport_tls_push(t);
	if (rc && rc != PC_E_AGAIN)
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

	if (t->st != XPORT_TLS_READY || x->closed)
		return PC_E_INVALID;
	rc = xport_tls_push(t);
	if (rc && rc != PC_E_AGAIN)
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

/* 64 hex digits, any case, ':' (and blanks) ignored, into 32 bytes. */
static int
xport_tls_parse_pin(const char *s, unsigned char out[32])
{
	int	 n = 0, v;

	if (s == NULL)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == ':' || *s == ' ')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			return -1;
		if (n >= 64)
			return -1;
		if (n % 2 == 0)
			out[n / 2] = (unsigned char)(v << 4);
		else
			out[n / 2] |= (unsigned char)v;
		n++;
	}
	return n == 64 ? 0 : -1;
}

/* Allowed versions into the context: min, max, holes.  NULL when ok. */
static char *
xport_tls_set_versions(WOLFSSL_CTX *ctx, unsigned bits)
{
	const struct xport_tls_version	*lo = NULL, *hi = NULL;
	long				 holes = 0;
	size_t				 i;

	for (i = 0; i < XPORT_TLS_NVERSIONS; i++) {
		if (!(bits & xport_tls_versions[i].bit))
			continue;
		if (lo == NULL)
			lo = &xport_tls_versions[i];
		hi = &xport_tls_versions[i];
	}
	for (i = 0; lo != NULL && &xport_tls_versions[i] != hi; i++) {
		if (&xport_tls_versions[i] >= lo &&
		    !(bits & xport_tls_versions[i].bit))
			holes |= xport_tls_versions[i].no_opt;
	}
	if (lo == NULL)
		return xstrdup("no TLS version is allowed");
	if (wolfSSL_CTX_set_min_proto_version(ctx, lo->proto) !=
	    WOLFSSL_SUCCESS)
		return xasprintf("cannot set the minimum version %s",
		    lo->name);
	if (wolfSSL_CTX_set_max_proto_version(ctx, hi->proto) !=
	    WOLFSSL_SUCCESS)
		return xasprintf("cannot set the maximum version %s",
		    hi->name);
	/* The library clamps silently: make sure it took what we asked. */
	if (wolfSSL_CTX_get_min_proto_version(ctx) != lo->proto ||
	    wolfSSL_CTX_get_max_proto_version(ctx) != hi->proto)
		return xasprintf("the TLS library did not accept the version "
		    "range %s to %s", lo->name, hi->name);
	if (holes != 0 &&
	    (wolfSSL_CTX_set_options(ctx, holes) & holes) != holes)
		return xstrdup("cannot exclude a version inside the range");
	return NULL;
}

/*
 * The system store: $SSL_CERT_DIR when set (as OpenSSL has it; the tests
 * point it at a private directory), else Debian's /etc/ssl/certs.
 */
static const char *
xport_tls_system_dir(void)
{
	const char	*d = getenv("SSL_CERT_DIR");

	return d != NULL && *d != '\0' ? d : XPORT_TLS_SYSTEM_DIR;
}

/* 1 when dir holds an OpenSSL-style hashed name, "0123abcd.0". */
static int
xport_tls_dir_hashed(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 i;
	int		 found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		for (i = 0; i < 8 && isxdigit((unsigned char)e->d_name[i]);
		    i++)
			continue;
		found = i == 8 && e->d_name[8] == '.' &&
		    isdigit((unsigned char)e->d_name[9]);
	}
	closedir(d);
	return found;
}

/*
 * Trust anchors from the system store, loaded only as far as a chain needs
 * them.  wolfSSL_CTX_load_system_CA_certs parses every file of the store
 * (about 140 PEM files on Debian, 80% of a test logon's instructions).
 * Instead the context's X509 store gets a hash-directory lookup: when a
 * certificate's issuer is not a known signer, wolfSSL (OPENSSL_ALL builds,
 * 5.5.4 included) reads "<subject hash>.N" from the directory, the name
 * OpenSSL's c_rehash / update-ca-certificates give the anchors, and adds
 * what it found to the context, so later sessions of the same context (a
 * group test, the TUI) find it parsed.  wolfSSL's hash is OpenSSL's (SHA-1
 * of the canonical name): checked against openssl x509 -subject_hash.  A
 * store without hashed names is loaded whole, as before.
 */
static void
xport_tls_system_store(WOLFSSL_CTX *ctx, const char *dir)
{
	WOLFSSL_X509_STORE	*store;
	WOLFSSL_X509_LOOKUP	*lookup;

	if (xport_tls_dir_hashed(dir) &&
	    (store = wolfSSL_CTX_get_cert_store(ctx)) != NULL &&
	    (lookup = wolfSSL_X509_STORE_add_lookup(store,
	    wolfSSL_X509_LOOKUP_hash_dir())) != NULL &&
	    wolfSSL_X509_LOOKUP_add_dir(lookup, dir, WOLFSSL_FILETYPE_PEM) ==
	    WOLFSSL_SUCCESS)
		return;
	if (strcmp(dir, XPORT_TLS_SYSTEM_DIR) == 0)
		(void)wolfSSL_CTX_load_system_CA_certs(ctx);
	else
		(void)wolfSSL_CTX_load_verify_locations(ctx, NULL, dir);
}

/*
 * A new client context for a configuration.  NULL with *why (caller frees)
 * and *rc when it cannot be made.  sys_dir: the system store's directory.
 */
static WOLFSSL_CTX *
xport_tls_ctx_make(const struct xport_tls_cfg *cfg, unsigned versions,
    const char *sys_dir, char **why, enum pc_err *rc)
{
	WOLFSSL_CTX	*ctx;
	char		 ebuf[WOLFSSL_MAX_ERROR_SZ], *esc;
	int		 r;

	*rc = PC_E_INVALID;
	ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	if (ctx == NULL) {
		*rc = PC_E_TLS;
		*why = xstrdup("cannot create a TLS context");
		return NULL;
	}
	if (wolfSSL_CTX_set_cipher_list(ctx, xport_tls_ciphers) !=
	    WOLFSSL_SUCCESS) {
		*rc = PC_E_TLS;
		*why = xstrdup("the TLS library rejected the cipher list");
		goto fail;
	}
	*why = xport_tls_set_versions(ctx, versions);
	if (*why != NULL)
		goto fail;
	if (cfg->verify == XPORT_TLS_VERIFY_FULL) {
		if (cfg->ca_file != NULL && *cfg->ca_file != '\0') {
			r = wolfSSL_CTX_load_verify_locations(ctx,
			    cfg->ca_file, NULL);
			if (r != WOLFSSL_SUCCESS) {
				esc = str_escape(cfg->ca_file,
				    strlen(cfg->ca_file));
				*why = xasprintf("cannot load the CA file %s: "
				    "%s", esc, wolfSSL_ERR_error_string(
				    (unsigned long)r, ebuf));
				free(esc);
				goto fail;
			}
		}
		/* A missing system store just leaves fewer anchors. */
		if (!cfg->no_system_ca)
			xport_tls_system_store(ctx, sys_dir);
	}
	/* pin and off verify too, so the result can say what was wrong. */
	wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, xport_tls_verify_cb);
	return ctx;
fail:
	wolfSSL_CTX_free(ctx);
	return NULL;
}

/*
 * Contexts are shared by the sessions of one configuration, so the anchors
 * a context has parsed (the CA file, what the system store gave by issuer)
 * serve every logon of a group test or a TUI session.  The cache holds one reference to each context, every
 * session another (wolfSSL counts them).  A CA file is identified by its
 * path and stat data, so an edited file is read again.
 */
#define XPORT_TLS_CACHE_SIZE	8

static struct xport_tls_cached {
	WOLFSSL_CTX	*ctx;		/* NULL: free slot */
	unsigned	 versions;
	enum xport_tls_verify verify;
	int		 no_system_ca;
	char		*ca_file;	/* "" when none */
	char		*sys_dir;	/* the system store's directory */
	struct stat	 ca_st;
	uint64_t	 used;		/* LRU clock */
} xport_tls_cache[XPORT_TLS_CACHE_SIZE];
static pthread_mutex_t	 xport_tls_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t		 xport_tls_cache_clock;

static int
xport_tls_cache_match(const struct xport_tls_cached *c,
    const struct xport_tls_cfg *cfg, unsigned versions, const char *ca,
    const char *sys_dir, const struct stat *st)
{
	/* Only full verification reads the trust anchors. */
	if (c->ctx == NULL || c->versions != versions ||
	    c->verify != cfg->verify)
		return 0;
	if (cfg->verify != XPORT_TLS_VERIFY_FULL)
		return 1;
	return c->no_system_ca == (cfg->no_system_ca != 0) &&
	    (cfg->no_system_ca || strcmp(c->sys_dir, sys_dir) == 0) &&
	    strcmp(c->ca_file, ca) == 0 && (*ca == '\0' ||
	    (c->ca_st.st_dev == st->st_dev && c->ca_st.st_ino == st->st_ino &&
	    c->ca_st.st_size == st->st_size &&
	    c->ca_st.st_mtim.tv_sec == st->st_mtim.tv_sec &&
	    c->ca_st.st_mtim.tv_nsec == st->st_mtim.tv_nsec));
}

/* A context for cfg with a reference for the caller, or NULL (*why). */
static WOLFSSL_CTX *
xport_tls_ctx_get(const struct xport_tls_cfg *cfg, unsigned versions,
    char **why, enum pc_err *rc)
{
	struct xport_tls_cached	*c, *victim = NULL;
	const char		*ca = cfg->ca_file != NULL ? cfg->ca_file : "";
	const char		*sys_dir = xport_tls_system_dir();
	struct stat		 st;
	WOLFSSL_CTX		*ctx = NULL;
	size_t			 i;

	memset(&st, 0, sizeof st);
	if (*ca != '\0' && stat(ca, &st) == -1)
		memset(&st, 0, sizeof st);	/* loading will say why */
	pthread_mutex_lock(&xport_tls_cache_lock);
	for (i = 0; i < XPORT_TLS_CACHE_SIZE; i++) {
		c = &xport_tls_cache[i];
		if (xport_tls_cache_match(c, cfg, versions, ca, sys_dir,
		    &st)) {
			c->used = ++xport_tls_cache_clock;
			ctx = c->ctx;
			if (wolfSSL_CTX_up_ref(ctx) != WOLFSSL_SUCCESS)
				ctx = NULL;
			break;
		}
		if (victim == NULL || c->ctx == NULL ||
		    (victim->ctx != NULL && c->used < victim->used))
			victim = c;
	}
	pthread_mutex_unlock(&xport_tls_cache_lock);
	if (ctx != NULL)
		return ctx;

	ctx = xport_tls_ctx_make(cfg, versions, sys_dir, why, rc);
	if (ctx == NULL || wolfSSL_CTX_up_ref(ctx) != WOLFSSL_SUCCESS)
		return ctx;
	pthread_mutex_lock(&xport_tls_cache_lock);
	if (victim->ctx != NULL)
		wolfSSL_CTX_free(victim->ctx);
	free(victim->ca_file);
	free(victim->sys_dir);
	victim->ctx = ctx;
	victim->versions = versions;
	victim->verify = cfg->verify;
	victim->no_system_ca = cfg->no_system_ca != 0;
	victim->ca_file = xstrdup(ca);
	victim->sys_dir = xstrdup(sys_dir);
	victim->ca_st = st;
	victim->used = ++xport_tls_cache_clock;
	pthread_mutex_unlock(&xport_tls_cache_lock);
	return ctx;
}

void
xport_tls_cache_clear(void)
{
	size_t	 i;

	pthread_mutex_lock(&xport_tls_cache_lock);
	for (i = 0; i < XPORT_TLS_CACHE_SIZE; i++) {
		if (xport_tls_cache[i].ctx != NULL)
			wolfSSL_CTX_free(xport_tls_cache[i].ctx);
		free(xport_tls_cache[i].ca_file);
		free(xport_tls_cache[i].sys_dir);
		memset(&xport_tls_cache[i], 0, sizeof xport_tls_cache[i]);
	}
	pthread_mutex_unlock(&xport_tls_cache_lock);
}

enum pc_err
xport_tls_new(struct xport *next, const struct xport_tls_cfg *cfg,
    struct xport **out, char **cause)
{
	struct xport_tls	*t;
	unsigned		 bad;
	size_t			 i, len;
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
	bad = cfg->versions & ~xport_tls_versions_available() & PROF_TLS_ALL;
	if (bad != 0) {
		for (i = 0; !(bad & xport_tls_versions[i].bit); i++)
			continue;
		if (cause != NULL)
			*cause = xasprintf("%s cannot be offered: %s",
			    xport_tls_versions[i].name,
			    xport_tls_version_reason(xport_tls_versions[i].bit));
		return PC_E_INVALID;
	}

	t = xcalloc(1, sizeof *t);
	xport_init(&t->base, &xport_tls_ops, next);
	t->st = XPORT_TLS_NEW;
	t->versions = cfg->versions & PROF_TLS_ALL;
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
	if (t->versions & PROF_TLS_13)
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
