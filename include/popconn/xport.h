/*
 * xport.h - non-blocking byte transports that stack: tls -> proxy -> sock.
 *
 * A transport is a struct xport with an ops vtable and a "next" pointer to
 * the transport below it.  The TLS transport reads and writes its records
 * through next, so TLS works over a TCP socket, over a proxy tunnel, or over
 * an in-memory pipe in the tests.  Every operation is non-blocking: when it
 * cannot progress it returns PC_E_AGAIN and the caller waits with poll() on
 * xport_fd() for xport_poll_events() (plus POLLIN when it wants to read).
 * Nothing here sleeps, so one poll() loop can drive many sessions.
 *
 * Driving a stack:
 *	x = xport_sock_new(host, port, NULL);
 *	(optionally) xport_proxy_new(x, &pcfg, &x, &cause);
 *	(optionally) xport_tls_new(x, &tcfg, &x, &cause);
 *	xport_set_deadline(x, xport_now_ms() + timeout * 1000);
 *	while ((rc = xport_connect(x)) == PC_E_AGAIN)
 *		poll({ xport_fd(x), xport_poll_events(x) }, deadline - now);
 *	if (rc) -> xport_fail(x), xport_cause(x) say why (diagnosis);
 *	then xport_read / xport_write, each until PC_E_AGAIN before polling.
 *
 * The fd to poll can change while connecting (a DNS resolver pipe first,
 * then the socket): ask xport_fd() before every poll.  A layer may hold
 * bytes that poll() cannot see (decrypted TLS records, bytes that arrived
 * with a proxy reply): read until PC_E_AGAIN, or check xport_pending(),
 * before going back to poll().
 *
 * Errors: errno and library codes are converted where they happen.  Each
 * layer keeps the errno it saw (last_errno), a failure class (enum
 * xport_fail, which maps onto the diagnosis codes) and a cause text that
 * never holds a secret.  xport_fail()/xport_cause() report the failure of
 * the highest layer that classified one, because that layer knows most
 * (the proxy layer turns "connection refused" into "proxy unreachable").
 */
#ifndef POPCONN_XPORT_H
#define POPCONN_XPORT_H

#include <stddef.h>
#include <stdint.h>

#include "popconn/diag.h"
#include "popconn/err.h"
#include "popconn/xmalloc.h"

/* Why a transport failed.  xport_fail_diag() gives the diagnosis code. */
enum xport_fail {
	XPORT_FAIL_NONE,
	XPORT_FAIL_DNS,		/* name not found, or lookup timed out */
	XPORT_FAIL_REFUSED,	/* ECONNREFUSED */
	XPORT_FAIL_TIMEOUT,	/* TCP connect did not finish in time */
	XPORT_FAIL_IO,		/* any other system error */
	XPORT_FAIL_CLOSED,	/* peer closed where that is an error */
	XPORT_FAIL_PROXY,	/* proxy unreachable, refused, broken reply */
	XPORT_FAIL_PROXY_AUTH,	/* proxy wants / rejected credentials */
	XPORT_FAIL_TLS_HANDSHAKE, /* any other handshake failure */
	XPORT_FAIL_TLS_VERSION,	/* the server sent protocol_version, or
				   chose a version outside the set */
	XPORT_FAIL_TLS_CLIENT_CERT, /* the server wants a client cert */
	XPORT_FAIL_CERT_UNTRUSTED,
	XPORT_FAIL_CERT_NAME,	/* certificate not for this name / IP */
	XPORT_FAIL_CERT_EXPIRED, /* expired or not yet valid */
	XPORT_FAIL_CERT_PIN,	/* SHA-256 of the leaf differs from the pin */
	XPORT_FAIL_INJECTION,	/* bytes waiting before the STLS handshake */
	XPORT_FAIL_STALLED,	/* connected, but the peer stopped answering */
	XPORT_FAIL__COUNT
};

/* Trace hook: human-readable steps, never a secret. */
typedef void	(*xport_note_cb)(void *arg, const char *text);

struct xport;

/*
 * The vtable of one kind of transport.  Only implementations of a
 * transport (src/net, tests/unit/helpers/xport_mem.c) look inside it;
 * everybody else calls the xport_* functions below.  A NULL entry means
 * "pass through to next" (connect, flush, poll_events, fd, pending) or
 * "nothing to do" (close, free).
 */
struct xport_ops {
	const char	*name;		/* "sock", "tls", "proxy", "mem" */
	enum pc_err	 (*connect)(struct xport *);
	enum pc_err	 (*read)(struct xport *, void *, size_t, size_t *);
	enum pc_err	 (*write)(struct xport *, const void *, size_t,
			    size_t *);
	enum pc_err	 (*flush)(struct xport *);
	short		 (*poll_events)(struct xport *);
	int		 (*fd)(struct xport *);
	size_t		 (*pending)(struct xport *);
	void		 (*close)(struct xport *);	/* idempotent */
	void		 (*free)(struct xport *);	/* frees x itself */
};

/*
 * The common head of every transport; an implementation embeds it as its
 * first member.
 */
struct xport {
	const struct xport_ops *ops;
	struct xport	*next;		/* owned: freed with this one */
	enum xport_fail	 fail;		/* XPORT_FAIL_NONE until it fails */
	char		*cause;		/* owned; why it failed, or NULL */
	int		 last_errno;	/* errno of the last failed call */
	int		 closed;	/* xport_close was called */
	int64_t		 deadline;	/* monotonic ms for connect; 0: none */
	xport_note_cb	 note;		/* trace hook, may be NULL */
	void		*note_arg;
};

/* xport.c */
/*
 * Drive the connection of the whole stack one step (DNS, TCP connect,
 * proxy negotiation, TLS handshake).  PC_OK once the stack is ready to
 * carry data (and stays PC_OK on later calls); PC_E_AGAIN when it must
 * wait: poll xport_fd() for xport_poll_events(), then call again.  Any
 * other value is final: xport_fail()/xport_cause() say why.  When the
 * deadline set by xport_set_deadline has passed, connect fails with
 * PC_E_TIMEOUT and a failure class for the step that was running.  Never
 * blocks.
 */
enum pc_err	 xport_connect(struct xport *x);
/*
 * Read up to len (> 0) bytes.  PC_OK with *got > 0; PC_E_AGAIN when no
 * byte is available; PC_E_CLOSED at the peer's orderly end of stream;
 * another error with xport_fail/xport_cause set.  Never blocks.
 */
enum pc_err	 xport_read(struct xport *x, void *buf, size_t len,
		    size_t *got);
/*
 * Write up to len (> 0) bytes; *put says how many were taken (a layer may
 * queue them: see xport_flush).  PC_E_AGAIN when none could be taken.
 * Never blocks.
 */
enum pc_err	 xport_write(struct xport *x, const void *buf, size_t len,
		    size_t *put);
/*
 * Push out bytes a layer queued (TLS records).  PC_OK when nothing is
 * left queued, PC_E_AGAIN when some is (poll for POLLOUT), else an error.
 */
enum pc_err	 xport_flush(struct xport *x);
/*
 * The poll() events the stack needs for its own progress now: POLLOUT
 * while a TCP connect runs or output is queued, POLLIN while a handshake
 * waits for the peer.  Add POLLIN yourself when you want to read.
 */
short		 xport_poll_events(struct xport *x);
/* The descriptor to poll now, or -1 (in-memory transports). */
int		 xport_fd(struct xport *x);
/*
 * Bytes this stack already holds that a read can return without waiting
 * for the descriptor: buffered by a layer, or already in the kernel's
 * receive queue of the socket.  The STLS guard: any such byte before the
 * TLS handshake starts is a response-injection attempt.
 */
size_t		 xport_pending(struct xport *x);
/* Start an orderly close, best effort, without blocking.  Idempotent. */
void		 xport_close(struct xport *x);
/* Close and free the whole stack (x and every next).  NULL is allowed. */
void		 xport_free(struct xport *x);

/* Deadline (monotonic ms, see xport_now_ms) for connect; the whole stack. */
void		 xport_set_deadline(struct xport *x, int64_t deadline_ms);
/* Trace hook for the whole stack (arg is passed back).  cb may be NULL. */
void		 xport_set_note(struct xport *x, xport_note_cb cb, void *arg);
/* CLOCK_MONOTONIC in milliseconds. */
int64_t		 xport_now_ms(void);

/*
 * The failure of the highest layer that has one, XPORT_FAIL_NONE when
 * none failed.  xport_cause: that layer's text (borrowed, valid until the
 * stack is freed), "" when none failed.  xport_last_errno: the errno of
 * the lowest layer that recorded one, 0 when none.
 */
enum xport_fail	 xport_fail(struct xport *x);
const char	*xport_cause(struct xport *x);
int		 xport_last_errno(struct xport *x);
/* "dns_failed"... as diagnosis keys; XPORT_FAIL_IO gives "io". */
const char	*xport_fail_str(enum xport_fail f);
/*
 * The diagnosis for a failure class.  XPORT_FAIL_IO and XPORT_FAIL_CLOSED
 * have no exact match: they give DIAG_PROTOCOL_ERROR before any byte was
 * carried; the driver may prefer another code for its step.
 */
enum diag	 xport_fail_diag(enum xport_fail f);

/*
 * For implementations of a transport: initialise the common head
 * (next may be NULL), and record a failure: sets the class and the cause
 * (printf-style, never a secret) on x and returns rc so callers can write
 * "return xport_fail_set(x, ...)".
 */
void		 xport_init(struct xport *x, const struct xport_ops *ops,
		    struct xport *next);
enum pc_err	 xport_fail_set(struct xport *x, enum xport_fail f,
		    enum pc_err rc, const char *fmt, ...) PC_PRINTFLIKE(4, 5);
/* Call cb, unless it is NULL, with a formatted line (arg passed back). */
void		 xport_note_to(xport_note_cb cb, void *arg, const char *fmt,
		    ...) PC_PRINTFLIKE(3, 4);
/* Call x's trace hook, if any, with a formatted line. */
#define xport_note(x, ...) \
	xport_note_to((x)->note, (x)->note_arg, __VA_ARGS__)

/* xport_sock.c */
/*
 * A TCP transport to host (DNS name or IPv4/IPv6 literal, brackets
 * allowed) and port.  bind_addr (an IP literal, or NULL) is the local
 * address to connect from.  Nothing happens until xport_connect: DNS runs
 * on a resolver thread bounded by the deadline (IP literals skip DNS),
 * then each address is tried in turn with a non-blocking connect; every
 * attempt but the last gets an equal share of the remaining time.
 * Failure classes: XPORT_FAIL_DNS, _REFUSED, _TIMEOUT, _IO.  Caller frees
 * with xport_free.
 */
struct xport	*xport_sock_new(const char *host, int port,
		    const char *bind_addr);
/*
 * The numeric address of the connected peer, "127.0.0.1 port 110" (or of
 * the last attempt while connecting); "" before that.  Borrowed.  x may
 * be any stack with a sock at the bottom.
 */
const char	*xport_sock_peer(struct xport *x);

/* xport_proxy.c */
enum xport_proxy_type {
	XPORT_PROXY_SOCKS4,	/* IPv4 resolved here; userid = username */
	XPORT_PROXY_SOCKS4A,	/* name resolved by the proxy */
	XPORT_PROXY_SOCKS5,	/* RFC 1928, RFC 1929 user/password */
	XPORT_PROXY_HTTP,	/* CONNECT; Basic, or NTLM with a domain */
};

struct xport_proxy_cfg {
	enum xport_proxy_type type;
	const char	*proxy_host;	/* for trace notes only */
	int		 proxy_port;	/* for trace notes only */
	const char	*host;		/* destination: name or IP literal */
	int		 port;		/* destination port */
	const char	*username;	/* NULL or "": no credentials */
	const char	*password;	/* SECRET; NULL is "" */
	const char	*domain;	/* http: non-empty selects NTLM */
};

/*
 * Stack a proxy client on next (a transport connected to the proxy
 * server, normally a sock).  On success *out is the new transport and owns
 * next; on failure (PC_E_INVALID: a field the protocol cannot carry, such
 * as an IPv6 destination for SOCKS4, a name longer than 255 bytes for
 * SOCKS5, a control character in a header value) *cause says why and the
 * caller still owns next.  The configuration is copied (the password is
 * wiped when freed).  Failure classes: XPORT_FAIL_PROXY (unreachable,
 * refused, bad reply: cause names the reply code in words) and
 * XPORT_FAIL_PROXY_AUTH.  Trace notes name each step, never a secret.
 */
enum pc_err	 xport_proxy_new(struct xport *next,
		    const struct xport_proxy_cfg *cfg, struct xport **out,
		    char **cause);
/* Reply codes in words.  Never NULL. */
const char	*xport_proxy_socks4_str(unsigned code);
const char	*xport_proxy_socks5_str(unsigned code);

/* xport_tls.c, xport_tls_ctx.c */
/* TLS versions, as bits of a set (struct xport_tls_cfg.versions). */
#define XPORT_TLS_SSL2	0x01
#define XPORT_TLS_SSL3	0x02
#define XPORT_TLS_1_0	0x04
#define XPORT_TLS_1_1	0x08
#define XPORT_TLS_1_2	0x10
#define XPORT_TLS_1_3	0x20
#define XPORT_TLS_ALL	0x3f

enum xport_tls_verify {
	XPORT_TLS_VERIFY_FULL,	/* trusted chain + host name / IP */
	XPORT_TLS_VERIFY_PIN,	/* SHA-256 of the leaf certificate */
	XPORT_TLS_VERIFY_OFF,	/* accept anything (shown as a warning) */
};

struct xport_tls_cfg {
	const char	*host;		/* server name or IP literal: SNI is
					   sent for names, and full verify
					   checks it (IPs against IP SANs) */
	unsigned	 versions;	/* XPORT_TLS_* bits */
	enum xport_tls_verify verify;
	const char	*pin;		/* verify=pin: 64 hex digits, any case,
					   ':' separators allowed */
	const char	*ca_file;	/* NULL/"": system store only */
	int		 no_system_ca;	/* 1: skip the system store (tests) */
	int		 stls;		/* 1: fail with XPORT_FAIL_INJECTION
					   when bytes wait below before the
					   handshake (STLS guard) */
};

/* What the handshake showed; strings escaped (safe to print), owned. */
struct xport_tls_info {
	char		*version;	/* "TLSv1.3" */
	char		*cipher;	/* "TLS13-AES128-GCM-SHA256" */
	char		*subject;	/* "/CN=localhost" */
	char		*issuer;
	char		**sans;		/* "DNS:localhost", "IP:127.0.0.1" */
	int		 nsans;
	char		*not_before;	/* "2026-01-31 12:00:00 UTC" */
	char		*not_after;
	char		*fingerprint;	/* SHA-256 of the DER, "AB:CD:..." */
	char		*verify_result;	/* one line: what was checked */
	int		 verified;	/* chain+name or pin checked and ok */
};

/*
 * Stack a TLS client on next (connected or not: connect drives next
 * first).  Checks the configuration: a version bit this library cannot do
 * (see xport_tls_versions_available), an empty set, a malformed pin or an
 * unreadable CA file give PC_E_INVALID with *cause, and the caller still
 * owns next.  On success *out owns next.  Handshake failures are
 * classified (XPORT_FAIL_TLS_*, _CERT_*, _INJECTION, _STALLED).
 */
enum pc_err	 xport_tls_new(struct xport *next,
		    const struct xport_tls_cfg *cfg, struct xport **out,
		    char **cause);
/*
 * Details of the handshake, also after a certificate failure (then with
 * the rejected certificate).  NULL before the server sent a certificate.
 * x may be any stack with a TLS layer in it.  Borrowed, valid until freed.
 */
const struct xport_tls_info *xport_tls_info(struct xport *x);
/* Bytes that were waiting below when the handshake began. */
size_t		 xport_tls_early_bytes(struct xport *x);
/*
 * The server name sent as SNI, or NULL when none is (an IP address: RFC
 * 6066 carries DNS names only).  Borrowed.
 */
const char	*xport_tls_sni(struct xport *x);
/*
 * TLS contexts (trust store, versions) are shared between sessions of the
 * same configuration and kept in a small cache; this releases it (at exit,
 * or to force the system store to be read again).  Sessions still open
 * keep their context alive.
 */
void		 xport_tls_cache_clear(void);
/* XPORT_TLS_* bits the linked wolfSSL can offer. */
unsigned	 xport_tls_versions_available(void);
/* Why an XPORT_TLS_* bit is unavailable; NULL when it is available. */
const char	*xport_tls_version_reason(unsigned bit);

#endif
