/*
 * test_xport_tls.c - the TLS transport over an in-memory pipe against a
 * wolfSSL server run in the same thread (both sides non-blocking, stepped
 * in turn).  Certificates are made at test time with the openssl CLI in a
 * temporary directory: a test CA, a server certificate for localhost /
 * 127.0.0.1 / ::1, one for another name, an expired and a not-yet-valid
 * one.  Covers trust, names and IPs, pins, verify off, versions (mismatch,
 * holes, unavailable bits), the system store read by issuer from a private
 * hashed directory, a peer that closes mid-handshake, a plain-text
 * answer, the STLS injection guard, timeouts, and the details captured.
 */
#include <ctype.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "popconn/xport.h"
#include "helpers/xport_mem.h"

/* The set a new profile allows. */
#define TLS_DEFAULT	(XPORT_TLS_1_2 | XPORT_TLS_1_3)

static char	 dir[64];		/* temporary directory of the certs */
static char	 fingerprint[128];	/* of server.crt, "AB:CD:..." */

enum srv_method {
	SRV_ANY,
	SRV_TLS12,
	SRV_TLS13,
};

/* The wolfSSL server on one end of the pipe. */
struct srv {
	WOLFSSL_CTX	*ctx;
	WOLFSSL		*ssl;
	struct xport	*end;
	int		 done;
	int		 err;		/* wolfSSL error when it failed */
	unsigned char	 seen[8192];	/* what it received during accept */
	size_t		 nseen;
};

static char *
path(const char *name)
{
	static char	 p[4][128];
	static int	 i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

static int
srv_recv(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct srv	*s = arg;
	size_t		 got, n;
	enum pc_err	 rc;

	rc = xport_read(s->end, buf, (size_t)sz, &got);
	if (rc == PC_E_AGAIN)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	if (rc)
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	n = sizeof s->seen - s->nseen;
	n = got < n ? got : n;
	memcpy(s->seen + s->nseen, buf, n);
	s->nseen += n;
	return (int)got;
}

static int
srv_send(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct srv	*s = arg;
	size_t		 put;
	enum pc_err	 rc;

	rc = xport_write(s->end, buf, (size_t)sz, &put);
	if (rc == PC_E_AGAIN)
		return WOLFSSL_CBIO_ERR_WANT_WRITE;
	if (rc)
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	return (int)put;
}

static void
srv_init(struct srv *s, struct xport *end, const char *cert,
    enum srv_method method)
{
	memset(s, 0, sizeof *s);
	s->end = end;
	s->ctx = wolfSSL_CTX_new(method == SRV_TLS12 ?
	    wolfTLSv1_2_server_method() : method == SRV_TLS13 ?
	    wolfTLSv1_3_server_method() : wolfSSLv23_server_method());
	assert_non_null(s->ctx);
	assert_int_equal(wolfSSL_CTX_use_certificate_chain_file(s->ctx,
	    path(cert)), WOLFSSL_SUCCESS);
	assert_int_equal(wolfSSL_CTX_use_PrivateKey_file(s->ctx,
	    path("server.key"), WOLFSSL_FILETYPE_PEM), WOLFSSL_SUCCESS);
	s->ssl = wolfSSL_new(s->ctx);
	assert_non_null(s->ssl);
	wolfSSL_SSLSetIORecv(s->ssl, srv_recv);
	wolfSSL_SSLSetIOSend(s->ssl, srv_send);
	wolfSSL_SetIOReadCtx(s->ssl, s);
	wolfSSL_SetIOWriteCtx(s->ssl, s);
}

static void
srv_cleanup(struct srv *s)
{
	wolfSSL_free(s->ssl);
	wolfSSL_CTX_free(s->ctx);
	xport_free(s->end);
}

static void
srv_step(struct srv *s)
{
	int	 r, e;

	if (s->done || s->err)
		return;
	r = wolfSSL_accept(s->ssl);
	if (r == WOLFSSL_SUCCESS) {
		s->done = 1;
		return;
	}
	e = wolfSSL_get_error(s->ssl, r);
	if (e != WOLFSSL_ERROR_WANT_READ && e != WOLFSSL_ERROR_WANT_WRITE)
		s->err = e;
}

/* Step client and server in turn until the client's connect is final. */
static enum pc_err
run(struct xport *c, struct srv *s)
{
	enum pc_err	 rc = PC_E_AGAIN;
	int		 i;

	for (i = 0; i < 20000 && rc == PC_E_AGAIN; i++) {
		rc = xport_connect(c);
		if (s != NULL)
			srv_step(s);
	}
	/* Let the server take the client's last flight (or its alert). */
	for (i = 0; s != NULL && i < 100 && !s->done && !s->err; i++)
		srv_step(s);
	return rc;
}

static struct xport *
client(struct xport *end, const char *host, unsigned versions,
    enum xport_tls_verify verify, const char *pin, const char *ca)
{
	struct xport_tls_cfg	 cfg = {
		.host = host, .versions = versions, .verify = verify,
		.pin = pin, .ca_file = ca, .no_system_ca = 1,
	};
	struct xport		*t = NULL;
	char			*cause = NULL;

	if (xport_tls_new(end, &cfg, &t, &cause) != PC_OK)
		fail_msg("xport_tls_new: %s", cause);
	return t;
}

static int
group_setup(void **state)
{
	char	 cmd[4096];
	FILE	*f;
	char	*p;

	snprintf(dir, sizeof dir, "/tmp/popconn-tls-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cmd, sizeof cmd,
	    "set -e; cd '%s'\n"
	    "exec >openssl.log 2>&1\n"
	    "openssl ecparam -name prime256v1 -genkey -noout -out ca.key\n"
	    "openssl req -x509 -new -key ca.key -sha256 -days 30"
	    " -subj '/CN=popconn test CA' -out ca.crt"
	    " -addext basicConstraints=critical,CA:TRUE"
	    " -addext keyUsage=critical,keyCertSign,cRLSign\n"
	    "openssl ecparam -name prime256v1 -genkey -noout -out server.key\n"
	    "openssl req -new -key server.key -subj /CN=localhost"
	    " -out server.csr\n"
	    "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\\n"
	    "basicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n'"
	    " >server.ext\n"
	    "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key"
	    " -CAcreateserial -days 30 -sha256 -extfile server.ext"
	    " -out server.crt\n"
	    "openssl req -new -key server.key -subj /CN=other.example"
	    " -out other.csr\n"
	    "printf 'subjectAltName=DNS:other.example\\n' >other.ext\n"
	    "openssl x509 -req -in other.csr -CA ca.crt -CAkey ca.key"
	    " -CAcreateserial -days 30 -sha256 -extfile other.ext"
	    " -out other.crt\n"
	    "mkdir db; : >db/index.txt; echo 1000 >db/serial\n"
	    "printf '[ca]\\ndefault_ca=tca\\n[tca]\\ndatabase=db/index.txt\\n"
	    "serial=db/serial\\nnew_certs_dir=db\\ndefault_md=sha256\\n"
	    "policy=any\\ncopy_extensions=copy\\nunique_subject=no\\n"
	    "[any]\\ncommonName=supplied\\n' >ca.cnf\n"
	    "openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key"
	    " -startdate 200101000000Z -enddate 210101000000Z"
	    " -in server.csr -out expired.crt -notext -extfile server.ext\n"
	    "openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key"
	    " -startdate 400101000000Z -enddate 410101000000Z"
	    " -in server.csr -out future.crt -notext -extfile server.ext\n"
	    "openssl ecparam -name prime256v1 -genkey -noout -out ca2.key\n"
	    "openssl req -x509 -new -key ca2.key -sha256 -days 30"
	    " -subj '/CN=another test CA' -out ca2.crt\n"
	    "openssl x509 -in server.crt -noout -fingerprint -sha256"
	    " >server.fp\n"
	    /* A chain: leaf + intermediate, the root only in a store. */
	    "openssl ecparam -name prime256v1 -genkey -noout -out int.key\n"
	    "openssl req -new -key int.key -subj '/CN=popconn test sub CA'"
	    " -out int.csr\n"
	    "printf 'basicConstraints=critical,CA:TRUE\\n"
	    "keyUsage=critical,keyCertSign,cRLSign\\n' >int.ext\n"
	    "openssl x509 -req -in int.csr -CA ca.crt -CAkey ca.key"
	    " -CAcreateserial -days 30 -sha256 -extfile int.ext -out int.crt\n"
	    "openssl x509 -req -in server.csr -CA int.crt -CAkey int.key"
	    " -CAcreateserial -days 30 -sha256 -extfile server.ext"
	    " -out leaf.crt\n"
	    "cat leaf.crt int.crt >chain.crt\n"
	    /* Private system stores, named the way c_rehash names them. */
	    "mkdir store store2 misnamed flat\n"
	    "cp ca.crt misnamed/00000000.0\n"
	    "cp ca.crt store/$(openssl x509 -noout -subject_hash -in ca.crt).0\n"
	    "cp ca2.crt store/$(openssl x509 -noout -subject_hash"
	    " -in ca2.crt).0\n"
	    "cp ca2.crt store2/$(openssl x509 -noout -subject_hash"
	    " -in ca2.crt).0\n"
	    "cp ca.crt flat/test-ca.pem\n", dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "certificate generation failed, see %s\n",
		    path("openssl.log"));
		return -1;
	}
	f = fopen(path("server.fp"), "r");
	if (f == NULL || fgets(fingerprint, sizeof fingerprint, f) == NULL)
		return -1;
	fclose(f);
	/* "sha256 Fingerprint=AB:CD:...\n" */
	p = strchr(fingerprint, '=');
	if (p == NULL)
		return -1;
	memmove(fingerprint, p + 1, strlen(p + 1) + 1);
	fingerprint[strcspn(fingerprint, "\r\n")] = '\0';
	wolfSSL_Init();
	return 0;
}

static int
group_teardown(void **state)
{
	char	 cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return -1;
	xport_tls_cache_clear();
	wolfSSL_Cleanup();
	return 0;
}

static void
test_xport_tls_ok(void **state)
{
	struct xport			*a, *b, *t;
	struct srv			 s;
	const struct xport_tls_info	*in;
	char				 buf[64];
	size_t				 got, put, total = 0;
	int				 i, n, dns = 0, ip = 0;

	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_ANY);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, path("ca.crt"));
	assert_null(xport_tls_info(t));
	assert_int_equal(run(t, &s), PC_OK);
	assert_true(s.done);
	assert_int_equal(xport_fail(t), XPORT_FAIL_NONE);
	/* SNI carried the name. */
	assert_non_null(memmem(s.seen, s.nseen, "localhost", 9));

	in = xport_tls_info(t);
	assert_non_null(in);
	assert_string_equal(in->version, "TLSv1.3");
	assert_true(strlen(in->cipher) > 0);
	assert_non_null(strstr(in->subject, "CN=localhost"));
	assert_non_null(strstr(in->issuer, "CN=popconn test CA"));
	for (i = 0; i < in->nsans; i++) {
		dns |= strcmp(in->sans[i], "DNS:localhost") == 0;
		ip |= strcmp(in->sans[i], "IP:127.0.0.1") == 0;
	}
	assert_true(dns);
	assert_true(ip);
	assert_int_equal(in->nsans, 3);
	assert_int_equal(strlen(in->not_before), 23);
	assert_non_null(strstr(in->not_after, " UTC"));
	assert_string_equal(in->fingerprint, fingerprint);
	assert_true(in->verified);
	assert_non_null(strstr(in->verify_result, "verified"));

	/* Application data both ways. */
	n = wolfSSL_write(s.ssl, "+OK ready\r\n", 11);
	assert_int_equal(n, 11);
	for (i = 0; i < 100 && total < 11; i++) {
		if (xport_read(t, buf + total, sizeof buf - total, &got) ==
		    PC_OK)
			total += got;
	}
	assert_int_equal(total, 11);
	assert_memory_equal(buf, "+OK ready\r\n", 11);
	assert_int_equal(xport_read(t, buf, sizeof buf, &got), PC_E_AGAIN);
	assert_int_equal(xport_write(t, "QUIT\r\n", 6, &put), PC_OK);
	assert_int_equal(put, 6);
	assert_int_equal(xport_flush(t), PC_OK);
	n = wolfSSL_read(s.ssl, buf, sizeof buf);
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "QUIT\r\n", 6);

	/* An orderly close sends close_notify. */
	xport_close(t);
	n = wolfSSL_read(s.ssl, buf, sizeof buf);
	assert_true(n <= 0);
	assert_int_equal(wolfSSL_get_error(s.ssl, n),
	    WOLFSSL_ERROR_ZERO_RETURN);
	xport_free(t);
	srv_cleanup(&s);
}

static void
test_xport_tls_server_close(void **state)
{
	struct xport	*a, *b, *t;
	struct srv	 s;
	char		 buf[16];
	size_t		 got;

	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_ANY);
	t = client(a, "localhost", XPORT_TLS_1_2, XPORT_TLS_VERIFY_FULL, NULL,
	    path("ca.crt"));
	assert_int_equal(run(t, &s), PC_OK);
	assert_string_equal(xport_tls_info(t)->version, "TLSv1.2");
	wolfSSL_shutdown(s.ssl);
	assert_int_equal(xport_read(t, buf, sizeof buf, &got), PC_E_CLOSED);
	xport_free(t);
	srv_cleanup(&s);

	/* Without close_notify: the end of the stream all the same. */
	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_ANY);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, path("ca.crt"));
	assert_int_equal(run(t, &s), PC_OK);
	xport_close(b);
	assert_int_equal(xport_read(t, buf, sizeof buf, &got), PC_E_CLOSED);
	xport_free(t);
	srv_cleanup(&s);
}

static void
test_xport_tls_byte_by_byte(void **state)
{
	struct xport	*a, *b, *t;
	struct srv	 s;

	/* Every read and write of both ends first answers AGAIN. */
	xport_mem_pair(&a, &b);
	xport_mem_set_chunk(a, 1);
	xport_mem_set_again(a, 1);
	xport_mem_set_again(b, 1);
	srv_init(&s, b, "server.crt", SRV_ANY);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, path("ca.crt"));
	assert_int_equal(run(t, &s), PC_OK);
	assert_true(xport_mem_agains(a) > 100);
	assert_true(xport_tls_info(t)->verified);
	xport_free(t);
	srv_cleanup(&s);
}

static void
test_xport_tls_untrusted(void **state)
{
	struct xport			*a, *b, *t;
	struct srv			 s;
	const struct xport_tls_info	*in;

	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_ANY);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, NULL);
	assert_int_equal(run(t, &s), PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_CERT_UNTRUSTED);
	assert_int_equal(xport_fail_diag(xport_fail(t)), DIAG_CERT_UNTRUSTED);
	assert_non_null(strstr(xport_cause(t), "trusted"));
	/* The rejected certificate is still described (to pin it, say). */
	in = xport_tls_info(t);
	assert_non_null(in);
	assert_non_null(strstr(in->subject, "CN=localhost"));
	assert_string_equal(in->fingerprint, fingerprint);
	assert_false(in->verified);
	assert_non_null(strstr(in->verify_result, "failed"));
	/* Final. */
	assert_int_equal(xport_connect(t), PC_E_TLS);
	xport_free(t);
	srv_cleanup(&s);
}

static void
test_xport_tls_system_store(void **state)
{
	struct xport_tls_cfg	 cfg = {
		.host = "localhost", .versions = TLS_DEFAULT,
		.verify = XPORT_TLS_VERIFY_FULL,
	};
	struct xport		*a, *b, *t = NULL;
	struct srv		 s;

	/* The system store does not know the test CA... */
	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_ANY);
	assert_int_equal(xport_tls_new(a, &cfg, &t, NULL), PC_OK);
	assert_int_equal(run(t, &s), PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_CERT_UNTRUSTED);
	xport_free(t);
	srv_cleanup(&s);
	/* ...the CA file adds to it. */
	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_ANY);
	cfg.ca_file = path("ca.crt");
	assert_int_equal(xport_tls_new(a, &cfg, &t, NULL), PC_OK);
	assert_int_equal(run(t, &s), PC_OK);
	xport_free(t);
	srv_cleanup(&s);
}

/* One handshake to server.crt (or cert) with the system store only. */
static enum pc_err
store_logon(const char *cert, enum xport_fail *fail)
{
	struct xport_tls_cfg	 cfg = {
		.host = "localhost", .versions = TLS_DEFAULT,
		.verify = XPORT_TLS_VERIFY_FULL,
	};
	struct xport		*a, *b, *t = NULL;
	struct srv		 s;
	enum pc_err		 rc;

	xport_mem_pair(&a, &b);
	srv_init(&s, b, cert, SRV_ANY);
	assert_int_equal(xport_tls_new(a, &cfg, &t, NULL), PC_OK);
	rc = run(t, &s);
	*fail = xport_fail(t);
	xport_free(t);
	srv_cleanup(&s);
	return rc;
}

static void
test_xport_tls_store_by_issuer(void **state)
{
	enum xport_fail	 f;
	char		 cmd[512];

	/* A store that holds the test CA under its hashed name. */
	assert_int_equal(setenv("SSL_CERT_DIR", path("store"), 1), 0);
	assert_int_equal(store_logon("server.crt", &f), PC_OK);
	/* leaf + intermediate: the root comes from the store. */
	assert_int_equal(store_logon("chain.crt", &f), PC_OK);
	/*
	 * The anchor read once stays parsed in the shared context: with
	 * the store emptied the next session still verifies.
	 */
	snprintf(cmd, sizeof cmd, "mv '%s' '%s.away'", path("store"),
	    path("store"));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(store_logon("server.crt", &f), PC_OK);
	snprintf(cmd, sizeof cmd, "mv '%s.away' '%s'", path("store"),
	    path("store"));
	assert_int_equal(system(cmd), 0);

	/* A store without the test CA (but with hashed names): untrusted. */
	assert_int_equal(setenv("SSL_CERT_DIR", path("store2"), 1), 0);
	assert_int_equal(store_logon("server.crt", &f), PC_E_TLS);
	assert_int_equal(f, XPORT_FAIL_CERT_UNTRUSTED);
	assert_int_equal(store_logon("chain.crt", &f), PC_E_TLS);
	assert_int_equal(f, XPORT_FAIL_CERT_UNTRUSTED);

	/*
	 * The lookup goes by the issuer's name hash, not through every
	 * file: the test CA under another hashed name is not found.
	 */
	assert_int_equal(setenv("SSL_CERT_DIR", path("misnamed"), 1), 0);
	assert_int_equal(store_logon("server.crt", &f), PC_E_TLS);
	assert_int_equal(f, XPORT_FAIL_CERT_UNTRUSTED);

	/* A store without hashed names is read whole. */
	xport_tls_cache_clear();
	assert_int_equal(setenv("SSL_CERT_DIR", path("flat"), 1), 0);
	assert_int_equal(store_logon("server.crt", &f), PC_OK);

	assert_int_equal(unsetenv("SSL_CERT_DIR"), 0);
	xport_tls_cache_clear();
}

/* Copy a file by writing a new one and renaming it over dst. */
static void
replace_file(const char *src, const char *dst)
{
	char	 cmd[512];

	snprintf(cmd, sizeof cmd, "cp '%s' '%s.new' && mv '%s.new' '%s'",
	    src, dst, dst, dst);
	assert_int_equal(system(cmd), 0);
}

static void
test_xport_tls_context_cache(void **state)
{
	struct xport	*a, *b, *t;
	struct srv	 s;
	int		 i;
	char		 ca[128];

	/* Same configuration twice: both work (the context is shared). */
	snprintf(ca, sizeof ca, "%s", path("trust.pem"));
	replace_file(path("ca.crt"), ca);
	for (i = 0; i < 2; i++) {
		xport_mem_pair(&a, &b);
		srv_init(&s, b, "server.crt", SRV_ANY);
		t = client(a, "localhost", TLS_DEFAULT,
		    XPORT_TLS_VERIFY_FULL, NULL, ca);
		assert_int_equal(run(t, &s), PC_OK);
		xport_free(t);
		srv_cleanup(&s);
	}
	/* The file now holds another CA: it is read again. */
	replace_file(path("ca2.crt"), ca);
	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_ANY);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, ca);
	assert_int_equal(run(t, &s), PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_CERT_UNTRUSTED);
	/* A session outlives a cleared cache. */
	xport_tls_cache_clear();
	assert_int_equal(xport_fail(t), XPORT_FAIL_CERT_UNTRUSTED);
	xport_free(t);
	srv_cleanup(&s);
}

static void
test_xport_tls_name_mismatch(void **state)
{
	struct xport	*a, *b, *t;
	struct srv	 s;

	xport_mem_pair(&a, &b);
	srv_init(&s, b, "other.crt", SRV_ANY);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, path("ca.crt"));
	assert_int_equal(run(t, &s), PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_CERT_NAME);
	assert_non_null(strstr(xport_cause(t), "name"));
	assert_non_null(strstr(xport_tls_info(t)->subject, "other.example"));
	xport_free(t);
	srv_cleanup(&s);
}

static void
test_xport_tls_ip_literal(void **state)
{
	static const struct {
		const char	*host;
		const char	*cert;
		enum pc_err	 rc;
	} cases[] = {
		{ "127.0.0.1", "server.crt", PC_OK },
		{ "::1", "server.crt", PC_OK },
		{ "[::1]", "server.crt", PC_OK },
		{ "127.0.0.2", "server.crt", PC_E_TLS },
		{ "::2", "server.crt", PC_E_TLS },
		{ "127.0.0.1", "other.crt", PC_E_TLS },
	};
	struct xport	*a, *b, *t;
	struct srv	 s;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		xport_mem_pair(&a, &b);
		srv_init(&s, b, cases[i].cert, SRV_ANY);
		t = client(a, cases[i].host, TLS_DEFAULT,
		    XPORT_TLS_VERIFY_FULL, NULL, path("ca.crt"));
		assert_int_equal(run(t, &s), cases[i].rc);
		/* IP literals are never sent as SNI (RFC 6066). */
		assert_null(memmem(s.seen, s.nseen, "127.0.0", 7));
		assert_null(memmem(s.seen, s.nseen, "localhost", 9));
		if (cases[i].rc != PC_OK) {
			assert_int_equal(xport_fail(t), XPORT_FAIL_CERT_NAME);
			assert_non_null(strstr(xport_cause(t), "IP address"));
		} else
			assert_non_null(strstr(xport_tls_info(t)->
			    verify_result, "IP"));
		xport_free(t);
		srv_cleanup(&s);
	}
}

static void
test_xport_tls_expired(void **state)
{
	static const char *const certs[] = { "expired.crt", "future.crt" };
	static const char *const words[] = { "expired", "not yet valid" };
	struct xport	*a, *b, *t;
	struct srv	 s;
	int		 i;

	for (i = 0; i < 2; i++) {
		xport_mem_pair(&a, &b);
		srv_init(&s, b, certs[i], SRV_ANY);
		t = client(a, "localhost", TLS_DEFAULT,
		    XPORT_TLS_VERIFY_FULL, NULL, path("ca.crt"));
		assert_int_equal(run(t, &s), PC_E_TLS);
		assert_int_equal(xport_fail(t), XPORT_FAIL_CERT_EXPIRED);
		assert_int_equal(xport_fail_diag(xport_fail(t)),
		    DIAG_CERT_EXPIRED);
		assert_non_null(strstr(xport_cause(t), words[i]));
		assert_non_null(strstr(xport_tls_info(t)->not_after,
		    i == 0 ? "2021-01-01" : "2041-01-01"));
		xport_free(t);
		srv_cleanup(&s);
	}
}

static void
test_xport_tls_pin(void **state)
{
	struct xport			*a, *b, *t = NULL;
	struct srv			 s;
	struct xport_tls_cfg		 cfg = {
		.host = "localhost", .versions = TLS_DEFAULT,
		.verify = XPORT_TLS_VERIFY_PIN, .no_system_ca = 1,
	};
	char				 pin[160], *cause = NULL;
	const struct xport_tls_info	*in;
	size_t				 i, j;

	/* Lower case, and without the colons: both fine.  No CA needed. */
	for (i = j = 0; fingerprint[i] != '\0'; i++) {
		if (fingerprint[i] != ':')
			pin[j++] = (char)tolower((unsigned char)fingerprint[i]);
	}
	pin[j] = '\0';
	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_ANY);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_PIN,
	    pin, NULL);
	assert_int_equal(run(t, &s), PC_OK);
	in = xport_tls_info(t);
	assert_true(in->verified);
	assert_non_null(strstr(in->verify_result, "pinned"));
	xport_free(t);
	srv_cleanup(&s);

	/* The pin of another certificate (same key, other name). */
	xport_mem_pair(&a, &b);
	srv_init(&s, b, "other.crt", SRV_ANY);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_PIN,
	    fingerprint, NULL);
	assert_int_equal(run(t, &s), PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_CERT_PIN);
	assert_int_equal(xport_fail_diag(xport_fail(t)),
	    DIAG_CERT_PIN_MISMATCH);
	in = xport_tls_info(t);
	assert_false(in->verified);
	/* The cause names the fingerprint that was seen. */
	assert_non_null(strstr(xport_cause(t), in->fingerprint));
	assert_string_not_equal(in->fingerprint, fingerprint);
	xport_free(t);
	srv_cleanup(&s);

	/* Malformed pins are refused up front. */
	xport_mem_pair(&a, &b);
	cfg.pin = "abcd";
	assert_int_equal(xport_tls_new(a, &cfg, &t, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "64 hex"));
	free(cause);
	cause = NULL;
	snprintf(pin, sizeof pin, "%sZZ", fingerprint);
	cfg.pin = pin;
	assert_int_equal(xport_tls_new(a, &cfg, &t, &cause), PC_E_INVALID);
	free(cause);
	xport_free(a);
	xport_free(b);
}

static void
test_xport_tls_verify_off(void **state)
{
	struct xport			*a, *b, *t;
	struct srv			 s;
	const struct xport_tls_info	*in;

	xport_mem_pair(&a, &b);
	srv_init(&s, b, "expired.crt", SRV_ANY);
	t = client(a, "wrong.name", TLS_DEFAULT, XPORT_TLS_VERIFY_OFF,
	    NULL, NULL);
	assert_int_equal(run(t, &s), PC_OK);
	in = xport_tls_info(t);
	assert_false(in->verified);
	assert_non_null(strstr(in->verify_result, "NOT verified"));
	xport_free(t);
	srv_cleanup(&s);
}

static void
test_xport_tls_version_mismatch(void **state)
{
	struct xport	*a, *b, *t;
	struct srv	 s;

	/* Server 1.3 only, client 1.2 only. */
	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_TLS13);
	t = client(a, "localhost", XPORT_TLS_1_2, XPORT_TLS_VERIFY_FULL, NULL,
	    path("ca.crt"));
	assert_int_equal(run(t, &s), PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_TLS_VERSION);
	assert_int_equal(xport_fail_diag(xport_fail(t)),
	    DIAG_TLS_VERSION_MISMATCH);
	assert_non_null(strstr(xport_cause(t), "TLS 1.2"));
	assert_null(xport_tls_info(t));
	xport_free(t);
	srv_cleanup(&s);

	/* Server 1.2 only, client 1.3 only. */
	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_TLS12);
	t = client(a, "localhost", XPORT_TLS_1_3, XPORT_TLS_VERIFY_FULL, NULL,
	    path("ca.crt"));
	assert_int_equal(run(t, &s), PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_TLS_VERSION);
	xport_free(t);
	srv_cleanup(&s);

	/* A hole: 1.1 and 1.3 allowed, the server speaks only 1.2. */
	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_TLS12);
	t = client(a, "localhost", XPORT_TLS_1_1 | XPORT_TLS_1_3,
	    XPORT_TLS_VERIFY_FULL, NULL, path("ca.crt"));
	assert_int_equal(run(t, &s), PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_TLS_VERSION);
	xport_free(t);
	srv_cleanup(&s);

	/* The same hole against a server that can do anything: 1.3. */
	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_ANY);
	t = client(a, "localhost", XPORT_TLS_1_1 | XPORT_TLS_1_3,
	    XPORT_TLS_VERIFY_FULL, NULL, path("ca.crt"));
	assert_int_equal(run(t, &s), PC_OK);
	assert_string_equal(xport_tls_info(t)->version, "TLSv1.3");
	xport_free(t);
	srv_cleanup(&s);
}

static void
test_xport_tls_versions_available(void **state)
{
	struct xport_tls_cfg	 cfg = {
		.host = "localhost", .verify = XPORT_TLS_VERIFY_OFF,
	};
	unsigned		 avail = xport_tls_versions_available();
	struct xport		*m = xport_mem_new(), *t = NULL;
	char			*cause = NULL;

	/* environment.md 2.1: this build does 1.1-1.3, nothing older. */
	assert_int_equal(avail, XPORT_TLS_1_1 | XPORT_TLS_1_2 | XPORT_TLS_1_3);
	assert_null(xport_tls_version_reason(XPORT_TLS_1_2));
	assert_non_null(strstr(xport_tls_version_reason(XPORT_TLS_1_0),
	    "TLS 1.0"));
	assert_non_null(xport_tls_version_reason(XPORT_TLS_SSL3));
	assert_non_null(xport_tls_version_reason(XPORT_TLS_SSL2));

	/* Asking for one is an error, never a silent drop. */
	cfg.versions = XPORT_TLS_1_0 | XPORT_TLS_1_2;
	assert_int_equal(xport_tls_new(m, &cfg, &t, &cause), PC_E_INVALID);
	assert_null(t);
	assert_non_null(strstr(cause, "TLS 1.0 cannot be offered"));
	free(cause);
	cause = NULL;
	cfg.versions = XPORT_TLS_SSL2;
	assert_int_equal(xport_tls_new(m, &cfg, &t, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "SSL 2.0"));
	free(cause);
	cause = NULL;
	cfg.versions = 0;
	assert_int_equal(xport_tls_new(m, &cfg, &t, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "no TLS version"));
	free(cause);
	cause = NULL;
	cfg.versions = TLS_DEFAULT;
	cfg.verify = XPORT_TLS_VERIFY_FULL;
	cfg.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(xport_tls_new(m, &cfg, &t, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "/nonexistent/ca.pem"));
	free(cause);
	xport_free(m);
}

static void
test_xport_tls_peer_closes(void **state)
{
	struct xport	*a, *b, *t;
	char		 buf[512];
	size_t		 got;
	int		 i;

	/*
	 * Like Dovecot with no version in common, or a server refusing for
	 * any other reason: read the ClientHello, close without an alert.
	 * Silence is not a protocol_version alert: a handshake failure
	 * whatever versions were allowed, and nothing says "version
	 * mismatch" (PRODUCT.md section 2).
	 */
	for (i = 0; i < 2; i++) {
		xport_mem_pair(&a, &b);
		t = client(a, "localhost", i == 0 ? TLS_DEFAULT :
		    xport_tls_versions_available(), XPORT_TLS_VERIFY_FULL,
		    NULL, path("ca.crt"));
		assert_int_equal(xport_connect(t), PC_E_AGAIN);
		assert_int_equal(xport_read(b, buf, sizeof buf, &got), PC_OK);
		assert_int_equal((unsigned char)buf[0], 0x16);
		xport_close(b);
		assert_int_equal(run(t, NULL), PC_E_TLS);
		assert_int_equal(xport_fail(t), XPORT_FAIL_TLS_HANDSHAKE);
		assert_int_equal(xport_fail_diag(xport_fail(t)),
		    DIAG_TLS_HANDSHAKE_FAILED);
		assert_null(strstr(xport_cause(t), "mismatch"));
		assert_non_null(strstr(xport_cause(t), "without an alert"));
		xport_free(t);
		xport_free(b);
	}
}

/*
 * A server that demands a client certificate: TLS 1.2 sends a
 * CertificateRequest and refuses the empty Certificate with an alert
 * during the handshake; TLS 1.3 refuses it after the client's side of the
 * handshake is over, so the failure comes on the first read.  Both are
 * client_cert_required, never a version mismatch.
 */
static void
test_xport_tls_client_cert(void **state)
{
	struct xport	*a, *b, *t;
	struct srv	 s;
	char		 buf[64];
	size_t		 got = 0;
	enum pc_err	 rc = PC_E_AGAIN;
	int		 i;

	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_TLS12);
	wolfSSL_set_verify(s.ssl, WOLFSSL_VERIFY_PEER |
	    WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, path("ca.crt"));
	/* The server fails, then closes as a real one does. */
	for (i = 0; i < 20000 && rc == PC_E_AGAIN && !s.err; i++) {
		rc = xport_connect(t);
		srv_step(&s);
	}
	assert_true(s.err != 0);
	xport_close(s.end);
	assert_int_equal(run(t, NULL), PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_TLS_CLIENT_CERT);
	assert_int_equal(xport_fail_diag(xport_fail(t)),
	    DIAG_CLIENT_CERT_REQUIRED);
	assert_non_null(strstr(xport_cause(t), "CertificateRequest"));
	assert_null(strstr(xport_cause(t), "version"));
	/* The summary of the handshake has a reason. */
	assert_non_null(xport_tls_info(t));
	assert_non_null(strstr(xport_tls_info(t)->verify_result,
	    "client certificate"));
	xport_free(t);
	srv_cleanup(&s);

	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_TLS13);
	wolfSSL_set_verify(s.ssl, WOLFSSL_VERIFY_PEER |
	    WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, path("ca.crt"));
	assert_int_equal(run(t, &s), PC_OK);
	assert_true(s.err != 0);
	rc = PC_E_AGAIN;
	for (i = 0; i < 100 && rc == PC_E_AGAIN; i++)
		rc = xport_read(t, buf, sizeof buf, &got);
	assert_int_equal(rc, PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_TLS_CLIENT_CERT);
	assert_non_null(strstr(xport_cause(t), "certificate_required"));
	xport_free(t);
	srv_cleanup(&s);
}

/* No cipher suite in common: the alert is named, no version blamed. */
static void
test_xport_tls_no_shared_cipher(void **state)
{
	struct xport	*a, *b, *t;
	struct srv	 s;

	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_TLS12);
	assert_int_equal(wolfSSL_set_cipher_list(s.ssl,
	    "ECDHE-ECDSA-AES128-CCM"), WOLFSSL_SUCCESS);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, path("ca.crt"));
	assert_int_equal(run(t, &s), PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_TLS_HANDSHAKE);
	assert_non_null(strstr(xport_cause(t), "handshake_failure (40)"));
	assert_null(strstr(xport_cause(t), "mismatch"));
	xport_free(t);
	srv_cleanup(&s);
}

static void
test_xport_tls_plaintext_answer(void **state)
{
	struct xport	*a, *b, *t;
	size_t		 put;

	/* security=ssl against a plain POP3 port. */
	xport_mem_pair(&a, &b);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, path("ca.crt"));
	assert_int_equal(xport_connect(t), PC_E_AGAIN);
	assert_int_equal(xport_write(b, "+OK Dovecot ready.\r\n", 20, &put),
	    PC_OK);
	assert_int_equal(run(t, NULL), PC_E_TLS);
	assert_int_equal(xport_fail(t), XPORT_FAIL_TLS_HANDSHAKE);
	assert_non_null(strstr(xport_cause(t), "\"+OK Dovecot ready.\""));
	assert_non_null(strstr(xport_cause(t), "plain"));
	xport_free(t);
	xport_free(b);
}

static void
test_xport_tls_stls_injection(void **state)
{
	struct xport_tls_cfg	 cfg = {
		.host = "localhost", .versions = TLS_DEFAULT,
		.verify = XPORT_TLS_VERIFY_FULL, .no_system_ca = 1,
		.stls = 1,
	};
	struct xport		*a, *b, *t = NULL;
	struct srv		 s;
	size_t			 put;

	cfg.ca_file = path("ca.crt");
	/* Bytes already waiting when the handshake would begin. */
	xport_mem_pair(&a, &b);
	assert_int_equal(xport_write(b, "-ERR injected\r\n", 15, &put), PC_OK);
	assert_int_equal(xport_pending(a), 15);
	assert_int_equal(xport_tls_new(a, &cfg, &t, NULL), PC_OK);
	assert_int_equal(xport_connect(t), PC_E_PROTO);
	assert_int_equal(xport_fail(t), XPORT_FAIL_INJECTION);
	assert_int_equal(xport_fail_diag(xport_fail(t)), DIAG_STLS_INJECTION);
	assert_int_equal(xport_tls_early_bytes(t), 15);
	xport_free(t);
	xport_free(b);

	/* A clean STLS upgrade passes the guard. */
	xport_mem_pair(&a, &b);
	srv_init(&s, b, "server.crt", SRV_ANY);
	assert_int_equal(xport_tls_new(a, &cfg, &t, NULL), PC_OK);
	assert_int_equal(run(t, &s), PC_OK);
	assert_int_equal(xport_tls_early_bytes(t), 0);
	xport_free(t);
	srv_cleanup(&s);
}

static void
test_xport_tls_timeout(void **state)
{
	struct xport	*a, *b, *t;
	int64_t		 t0 = xport_now_ms();
	enum pc_err	 rc;

	/* The server takes the ClientHello and says nothing. */
	xport_mem_pair(&a, &b);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, path("ca.crt"));
	xport_set_deadline(t, t0 + 100);
	for (;;) {
		rc = xport_connect(t);
		if (rc != PC_E_AGAIN)
			break;
		usleep(1000);
	}
	assert_int_equal(rc, PC_E_TIMEOUT);
	assert_true(xport_now_ms() - t0 >= 100);
	assert_int_equal(xport_fail(t), XPORT_FAIL_STALLED);
	assert_int_equal(xport_fail_diag(xport_fail(t)), DIAG_TIMEOUT);
	assert_non_null(strstr(xport_cause(t), "timeout"));
	xport_free(t);
	xport_free(b);
}

static void
test_xport_tls_poll_events(void **state)
{
	struct xport	*a, *b, *t;

	xport_mem_pair(&a, &b);
	t = client(a, "localhost", TLS_DEFAULT, XPORT_TLS_VERIFY_FULL,
	    NULL, path("ca.crt"));
	assert_int_equal(xport_connect(t), PC_E_AGAIN);
	/* ClientHello is out: the handshake waits for the server. */
	assert_true(xport_poll_events(t) & POLLIN);
	assert_int_equal(xport_fd(t), -1);
	xport_free(t);
	xport_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xport_tls_ok),
		cmocka_unit_test(test_xport_tls_server_close),
		cmocka_unit_test(test_xport_tls_byte_by_byte),
		cmocka_unit_test(test_xport_tls_untrusted),
		cmocka_unit_test(test_xport_tls_system_store),
		cmocka_unit_test(test_xport_tls_store_by_issuer),
		cmocka_unit_test(test_xport_tls_context_cache),
		cmocka_unit_test(test_xport_tls_name_mismatch),
		cmocka_unit_test(test_xport_tls_ip_literal),
		cmocka_unit_test(test_xport_tls_expired),
		cmocka_unit_test(test_xport_tls_pin),
		cmocka_unit_test(test_xport_tls_verify_off),
		cmocka_unit_test(test_xport_tls_version_mismatch),
		cmocka_unit_test(test_xport_tls_versions_available),
		cmocka_unit_test(test_xport_tls_peer_closes),
		cmocka_unit_test(test_xport_tls_client_cert),
		cmocka_unit_test(test_xport_tls_no_shared_cipher),
		cmocka_unit_test(test_xport_tls_plaintext_answer),
		cmocka_unit_test(test_xport_tls_stls_injection),
		cmocka_unit_test(test_xport_tls_timeout),
		cmocka_unit_test(test_xport_tls_poll_events),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
