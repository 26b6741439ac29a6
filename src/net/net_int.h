/*
 * net_int.h - internals shared by the files of the net layer: the
 * asynchronous resolver used by the TCP transport and by SOCKS4 (which must
 * resolve the destination itself), stack helpers, the proxy handshakes
 * (sans I/O) and the TLS transport's session struct and the functions its
 * files (xport_tls*.c) share.
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

/*
 * The proxy handshakes without I/O (proxy.c, proxy_socks.c,
 * proxy_http.c), driven like the POP3 core: proxy_init, proxy_start, then
 * proxy_step until it is final.  PROXY_SEND: write out the bytes in out,
 * tell proxy_sent how many went, step again.  PROXY_NEED: proxy_feed what
 * the proxy sent, step again.  PROXY_DONE: the tunnel is ready, in holds
 * its first bytes.  PROXY_FAILED: fail, fail_rc and cause say why.
 */
#define XPORT_PROXY_HDR_MAX	16384	/* HTTP reply header block */

enum proxy_act {
	PROXY_SEND,
	PROXY_NEED,
	PROXY_DONE,
	PROXY_FAILED,
};

enum proxy_phase {
	PROXY_PH_START,		/* proxy_start not called yet */
	PROXY_PH_S4_REPLY,
	PROXY_PH_S5_METHOD,
	PROXY_PH_S5_AUTH,
	PROXY_PH_S5_REPLY,
	PROXY_PH_HTTP_SKIP,	/* discarding a 407 body */
	PROXY_PH_HTTP_REPLY,
	PROXY_PH_DONE,
	PROXY_PH_FAILED,
};

struct proxy {
	enum xport_proxy_type type;
	const char	*label;		/* "SOCKS5", "HTTP CONNECT" */
	char		*host;		/* destination, brackets removed */
	int		 port;
	char		*user;		/* NULL: no credentials */
	char		*password;	/* SECRET, "" when none */
	char		*domain;	/* NULL unless NTLM */
	enum proxy_phase ph;
	struct buf	 out;		/* request not yet written; wiped */
	struct buf	 in;		/* reply bytes, then tunnel bytes */
	size_t		 http_scanned;	/* bytes of in searched for the end of
					   an HTTP header block */
	int		 ntlm_leg;	/* 1: NEGOTIATE sent, 2: AUTHENTICATE */
	size_t		 skip;		/* body bytes still to discard */
	enum xport_fail	 fail;		/* set when ph is PROXY_PH_FAILED */
	enum pc_err	 fail_rc;
	char		*cause;		/* "SOCKS5: ...", never a secret */
	xport_note_cb	 note;		/* trace notes, may be NULL */
	void		*note_arg;
	/* NTLM: a fixed client challenge and time (tests), else random/now. */
	int		 ntlm_fixed;
	unsigned char	 ntlm_cchal[8];
	int64_t		 ntlm_time;	/* Unix seconds */
};

/* proxy.c */
/*
 * Check cfg (PC_E_INVALID with *cause, caller frees, for a field the
 * protocol cannot carry) and copy it into p.
 */
enum pc_err	 proxy_init(struct proxy *p,
		    const struct xport_proxy_cfg *cfg, char **cause);
void		 proxy_cleanup(struct proxy *p);
/*
 * Queue the first request.  ip4: the destination's IPv4 address for
 * SOCKS4 when the host is a name (the caller resolves it), else NULL.
 */
void		 proxy_start(struct proxy *p, const unsigned char *ip4);
/* What to do next; see above. */
enum proxy_act	 proxy_step(struct proxy *p);
/*
 * Hand the proxy's bytes to the handshake: takes up to proxy_room()
 * of them and says how many.  With no room left it fails the handshake.
 */
size_t		 proxy_feed(struct proxy *p, const void *data, size_t len);
size_t		 proxy_room(const struct proxy *p);
/* The first n bytes of out went out: wipe and drop them. */
void		 proxy_sent(struct proxy *p, size_t n);
/*
 * Fail the handshake with class f and rc; the cause is the label and the
 * formatted text (never a secret), also given as a trace note.
 */
enum pc_err	 proxy_fail(struct proxy *p, enum xport_fail f, enum pc_err rc,
		    const char *fmt, ...) PC_PRINTFLIKE(4, 5);
/* A trace note of the handshake (printf-style). */
#define proxy_note(p, ...) \
	xport_note_to((p)->note, (p)->note_arg, __VA_ARGS__)
/* host:port, with brackets around an IPv6 literal.  Caller frees. */
char		*proxy_hostport(const char *host, int port);

/*
 * proxy_socks.c, proxy_http.c: the requests, and the reply parsers
 * (PC_OK when they advanced, PC_E_AGAIN when bytes are missing, else
 * failed).
 */
void		 proxy_socks_s4_request(struct proxy *p,
		    const unsigned char *ip);
void		 proxy_socks_s5_start(struct proxy *p);
enum pc_err	 proxy_socks_s4_reply(struct proxy *p);
enum pc_err	 proxy_socks_s5_method(struct proxy *p);
enum pc_err	 proxy_socks_s5_auth(struct proxy *p);
enum pc_err	 proxy_socks_s5_reply(struct proxy *p);
void		 proxy_http_start(struct proxy *p);
enum pc_err	 proxy_http_reply(struct proxy *p);
enum pc_err	 proxy_http_skip(struct proxy *p);

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
