/*
 * xport_tls_ctx.c - TLS contexts: the version set, the cipher list, the
 * trust anchors, and the cache that shares a context between sessions.
 *
 * Versions (environment.md 2.4): this build has TLS 1.1-1.3 only.  The
 * minimum and maximum are always set explicitly, since the library's
 * default minimum is TLS 1.1 and a failed set_max leaves the context broken,
 * and a hole in the allowed set is cut out with WOLFSSL_OP_NO_TLSv1_x.
 * Every return value is checked.  The cipher list is explicit too: RC4,
 * NULL and anonymous suites are compiled into this wolfSSL and must never
 * be offered.
 */
#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "popconn/buf.h"
#include "popconn/str.h"
#include "popconn/xport.h"
#include "net/net_int.h"

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

/* The XPORT_TLS_* bits, lowest first, with what wolfSSL calls them. */
static const struct xport_tls_version {
	unsigned	 bit;
	int		 proto;		/* for set_min/max_proto_version */
	long		 no_opt;	/* WOLFSSL_OP_NO_* */
	const char	*name;
} xport_tls_versions[] = {
	{ XPORT_TLS_SSL2, 0x0002, 0, "SSL 2.0" },
	{ XPORT_TLS_SSL3, SSL3_VERSION, WOLFSSL_OP_NO_SSLv3, "SSL 3.0" },
	{ XPORT_TLS_1_0, TLS1_VERSION, WOLFSSL_OP_NO_TLSv1, "TLS 1.0" },
	{ XPORT_TLS_1_1, TLS1_1_VERSION, WOLFSSL_OP_NO_TLSv1_1, "TLS 1.1" },
	{ XPORT_TLS_1_2, TLS1_2_VERSION, WOLFSSL_OP_NO_TLSv1_2, "TLS 1.2" },
	{ XPORT_TLS_1_3, TLS1_3_VERSION, WOLFSSL_OP_NO_TLSv1_3, "TLS 1.3" },
};
#define XPORT_TLS_NVERSIONS \
	(sizeof xport_tls_versions / sizeof xport_tls_versions[0])

unsigned
xport_tls_versions_available(void)
{
	unsigned	 bits = 0;

	/* SSL 2.0 was never implemented by wolfSSL. */
#if defined(WOLFSSL_ALLOW_SSLV3) && !defined(NO_OLD_TLS)
	bits |= XPORT_TLS_SSL3;
#endif
#if defined(WOLFSSL_ALLOW_TLSV10) && !defined(NO_OLD_TLS)
	bits |= XPORT_TLS_1_0;
#endif
#ifndef NO_OLD_TLS
	bits |= XPORT_TLS_1_1;
#endif
#ifndef WOLFSSL_NO_TLS12
	bits |= XPORT_TLS_1_2;
#endif
#ifdef WOLFSSL_TLS13
	bits |= XPORT_TLS_1_3;
#endif
	return bits;
}

const char *
xport_tls_version_reason(unsigned bit)
{
	if (xport_tls_versions_available() & bit)
		return NULL;
	switch (bit) {
	case XPORT_TLS_SSL2:
		return "SSL 2.0 is not implemented by wolfSSL (and is "
		    "prohibited by RFC 6176)";
	case XPORT_TLS_SSL3:
		return "this wolfSSL build has no SSL 3.0 (built without "
		    "WOLFSSL_ALLOW_SSLV3; RFC 7568 deprecates it)";
	case XPORT_TLS_1_0:
		return "this wolfSSL build has no TLS 1.0 (built without "
		    "WOLFSSL_ALLOW_TLSV10; RFC 8996 deprecates it)";
	case XPORT_TLS_1_1:
		return "this wolfSSL build has no TLS 1.1 (built with "
		    "NO_OLD_TLS)";
	case XPORT_TLS_1_2:
		return "this wolfSSL build has no TLS 1.2";
	case XPORT_TLS_1_3:
		return "this wolfSSL build has no TLS 1.3";
	default:
		return "unknown TLS version";
	}
}

/* Names of the allowed set, "TLS 1.2, TLS 1.3".  Caller frees. */
char *
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

/*
 * NULL when every bit of versions can be offered by this build, else why
 * the lowest one that cannot (caller frees).
 */
char *
xport_tls_versions_check(unsigned versions)
{
	unsigned	 bad;
	size_t		 i;

	bad = versions & ~xport_tls_versions_available() & XPORT_TLS_ALL;
	if (bad == 0)
		return NULL;
	for (i = 0; !(bad & xport_tls_versions[i].bit); i++)
		continue;
	return xasprintf("%s cannot be offered: %s",
	    xport_tls_versions[i].name,
	    xport_tls_version_reason(xport_tls_versions[i].bit));
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
WOLFSSL_CTX *
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

