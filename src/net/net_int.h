/*
 * net_int.h - internals shared by the files of the net layer: the
 * asynchronous resolver used by the TCP transport and by SOCKS4 (which must
 * resolve the destination itself), stack helpers, and the TLS transport's
 * session struct and the functions its files (xport_tls*.c) share.
 */
#ifndef POPCONN_NET_INT_H
#define POPCONN_NET_INT_H

#include <stddef.h>

#include "popconn/buf.h"
#include "popconn/err.h"
#include "popconn/xport.h"

struct addrinfo;
struct xport_dns;
/* wolfSSL's types, without its headers (ssl.h typedefs these structs). */
struct WOLFSSL;
struct WOLFSSL_CTX;
struct WOLFSSL_X509_STORE_CTX;

/* Sizes of the buffers the layers keep. */
#define XPORT_CHUNK		4096		/* one read from next */

/* xport.c */
/* The first layer of x's stack (x included) whose ops are ops, or NULL. */
struct xport	*xport_find(struct xport *x, const struct xport_ops *ops);
/* 1 when the deadline of x is set and has passed. */
int		 xport_expired(struct xport *x);
/* Milliseconds until the deadline of x (at least 0); -1 when none. */
int64_t		 xport_remaining_ms(struct xport *x);

/* xport_dns.c */
/*
 * Start resolving host (brackets around an IPv6 literal allowed) for a TCP
 * connection to port, restricted to family (AF_UNSPEC, AF_INET, AF_INET6).
 * IP literals are converted at once; names are looked up by getaddrinfo()
 * on a detached thread that signals a pipe, so the caller can poll
 * xport_dns_fd.  Never blocks.  Returns the handle (never NULL); errors
 * show up in xport_dns_result.
 */
struct xport_dns *xport_dns_start(const char *host, int port, int family);
/* The descriptor to poll for POLLIN while the lookup runs, -1 when done. */
int		 xport_dns_fd(struct xport_dns *d);
/* 1 when host was an IP literal (no lookup was needed). */
int		 xport_dns_literal(struct xport_dns *d);
/*
 * PC_E_AGAIN while the lookup runs; PC_OK with *res (caller frees with
 * freeaddrinfo, never NULL) once done; PC_E_IO or PC_E_INVALID with
 * *cause (caller frees: "no such host", "temporary failure") when it
 * failed.  The result is handed out once.
 */
enum pc_err	 xport_dns_result(struct xport_dns *d, struct addrinfo **res,
		    char **cause);
/*
 * Forget the lookup.  A thread still running keeps the shared state alive
 * and frees it when it ends, so this never waits.  NULL is allowed.
 */
void		 xport_dns_free(struct xport_dns *d);
/* Numeric text of an address, "127.0.0.1" / "::1".  Caller frees. */
char		*xport_dns_numeric(const struct addrinfo *ai);
/*
 * Parse an IP literal (brackets allowed) into 4 or 16 bytes.  Returns
 * AF_INET, AF_INET6, or 0 when s is not an IP literal.
 */
int		 xport_dns_parse_ip(const char *s, unsigned char out[16]);

/* The TLS transport (xport_tls*.c): one session. */
enum xport_tls_state {
	XPORT_TLS_NEW,		/* next not connected yet */
	XPORT_TLS_HANDSHAKE,
	XPORT_TLS_FLUSH,	/* handshake done, last flight queued */
	XPORT_TLS_READY,
	XPORT_TLS_FAILED,
};

struct xport_tls {
	struct xport	 base;
	struct WOLFSSL_CTX *ctx;
	struct WOLFSSL	*ssl;
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

/* xport_tls_ctx.c */
/* Names of the allowed set, "TLS 1.2, TLS 1.3".  Caller frees. */
char		*xport_tls_versions_str(unsigned bits);
/*
 * NULL when every XPORT_TLS_* bit of versions can be offered by this
 * build, else why the lowest one cannot (caller frees).
 */
char		*xport_tls_versions_check(unsigned versions);
/*
 * A context for cfg and the version set with a reference for the caller
 * (shared through the cache), or NULL with *why (caller frees) and *rc.
 */
struct WOLFSSL_CTX *xport_tls_ctx_get(const struct xport_tls_cfg *cfg,
		    unsigned versions, char **why, enum pc_err *rc);

/* xport_tls_cert.c */
void		 xport_tls_info_cleanup(struct xport_tls_info *in);
/*
 * wolfSSL's verify callback for every context: keeps the leaf's details
 * and the first error, and decides only under full verification.
 */
int		 xport_tls_verify_cb(int preverify,
		    struct WOLFSSL_X509_STORE_CTX *store);
/* 64 hex digits, any case, ':' (and blanks) ignored, into 32 bytes. */
int		 xport_tls_parse_pin(const char *s, unsigned char out[32]);
/* Checks after a completed handshake, before any application byte. */
enum pc_err	 xport_tls_post(struct xport_tls *t);

/* xport_tls_fail.c */
/* Fail t with class f and rc; text (never a secret) is the cause. */
enum pc_err	 xport_tls_failed(struct xport_tls *t, enum xport_fail f,
		    enum pc_err rc, const char *text);
/* Why did the handshake fail?  ret is wolfSSL_connect's answer. */
enum pc_err	 xport_tls_classify(struct xport_tls *t, int ret);
/*
 * A wolfSSL_read/write that returned ret: PC_E_AGAIN (t->want set),
 * PC_E_CLOSED, or a classified failure.  what: "read" or "write".
 */
enum pc_err	 xport_tls_io_error(struct xport_tls *t, int ret,
		    const char *what);

#endif
