/*
 * net_int.h - internals shared by the files of the net layer: the
 * asynchronous resolver used by the TCP transport and by SOCKS4 (which must
 * resolve the destination itself), and stack helpers.
 */
#ifndef POPCONN_NET_INT_H
#define POPCONN_NET_INT_H

#include <stddef.h>

#include "popconn/err.h"
#include "popconn/xport.h"

struct addrinfo;
struct xport_dns;

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

#endif
