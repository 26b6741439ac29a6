/*
 * xport_proxy.c - proxy clients stacked on a transport connected to the
 * proxy: SOCKS4, SOCKS4a, SOCKS5 and HTTP CONNECT.  This is the transport
 * glue: it connects next to the proxy, resolves the destination for SOCKS4
 * (which must send an IPv4 address), and does the I/O of the handshake
 * that proxy.c (with proxy_socks.c and proxy_http.c) runs without any:
 * it writes what the handshake queues, feeds it what the proxy sends, and
 * turns its failure into the transport's.  Bytes that arrive after a reply
 * belong to the tunnel: the handshake keeps them, and the first reads hand
 * them out (xport_pending counts them, for the STLS guard).
 */
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "popconn/buf.h"
#include "popconn/str.h"
#include "popconn/xport.h"
#include "net/net_int.h"

enum xport_proxy_phase {
	XPORT_PROXY_CONNECT,	/* connecting next to the proxy */
	XPORT_PROXY_RESOLVE,	/* SOCKS4: looking the destination up */
	XPORT_PROXY_SHAKE,	/* the handshake runs (hs says how far) */
};

struct xport_proxy {
	struct xport	 base;
	struct proxy	 hs;		/* the handshake, sans I/O */
	char		*proxy_host;
	int		 proxy_port;
	enum xport_proxy_phase ph;
	struct xport_dns *dns;
};

/* The handshake failed (hs holds why): the transport fails with it. */
static enum pc_err
xport_proxy_failed(struct xport_proxy *p)
{
	return xport_fail_set(&p->base, p->hs.fail, p->hs.fail_rc, "%s",
	    p->hs.cause);
}

/* The handshake's trace notes go to the transport's hook. */
static void
xport_proxy_note(void *arg, const char *text)
{
	struct xport_proxy	*p = arg;

	xport_note(&p->base, "%s", text);
}

/* Start the handshake once the proxy is reachable. */
static void
xport_proxy_start(struct xport_proxy *p)
{
	char		*hp = proxy_hostport(p->hs.host, p->hs.port);
	char		*via;
	unsigned char	 ip[16];

	via = proxy_hostport(p->proxy_host, p->proxy_port);
	xport_note(&p->base, "%s: connecting to %s via %s", p->hs.label, hp,
	    via);
	free(hp);
	free(via);
	if (p->hs.type == XPORT_PROXY_SOCKS4 &&
	    xport_dns_parse_ip(p->hs.host, ip) != AF_INET) {
		p->dns = xport_dns_start(p->hs.host, p->hs.port, AF_INET);
		p->ph = XPORT_PROXY_RESOLVE;
		return;
	}
	proxy_start(&p->hs, NULL);
	p->ph = XPORT_PROXY_SHAKE;
}

static enum pc_err
xport_proxy_resolve(struct xport_proxy *p)
{
	struct addrinfo		*res = NULL;
	char			*cause = NULL;
	enum pc_err		 rc;
	const unsigned char	*ip;

	rc = xport_dns_result(p->dns, &res, &cause);
	if (rc == PC_E_AGAIN)
		return rc;
	if (rc) {
		char	*esc = str_escape(cause, strlen(cause));

		(void)proxy_fail(&p->hs, XPORT_FAIL_DNS, rc,
		    "SOCKS4 resolves the destination locally: %s", esc);
		free(esc);
		free(cause);
		return xport_proxy_failed(p);
	}
	ip = (const unsigned char *)&((struct sockaddr_in *)(void *)
	    res->ai_addr)->sin_addr;
	proxy_start(&p->hs, ip);
	p->ph = XPORT_PROXY_SHAKE;
	freeaddrinfo(res);
	xport_dns_free(p->dns);
	p->dns = NULL;
	return PC_OK;
}

/* Write queued request bytes.  PC_OK when all are out. */
static enum pc_err
xport_proxy_send(struct xport_proxy *p)
{
	enum pc_err	 rc;
	size_t		 put;

	while (p->hs.out.len > 0) {
		rc = xport_write(p->base.next, p->hs.out.data, p->hs.out.len,
		    &put);
		if (rc == PC_E_AGAIN)
			return rc;
		if (rc) {
			char	*esc = str_escape(xport_cause(p->base.next),
			    strlen(xport_cause(p->base.next)));

			(void)proxy_fail(&p->hs, XPORT_FAIL_PROXY, rc,
			    "sending to the proxy failed: %s", esc);
			free(esc);
			return xport_proxy_failed(p);
		}
		proxy_sent(&p->hs, put);
	}
	return PC_OK;
}

/* Read more reply bytes into the handshake.  PC_OK when some arrived. */
static enum pc_err
xport_proxy_recv(struct xport_proxy *p)
{
	char		 chunk[XPORT_CHUNK];
	size_t		 room = proxy_room(&p->hs), got;
	enum pc_err	 rc;

	if (room == 0) {
		(void)proxy_fail(&p->hs, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "reply too long");
		return xport_proxy_failed(p);
	}
	rc = xport_read(p->base.next, chunk, room < sizeof chunk ? room :
	    sizeof chunk, &got);
	if (rc == PC_E_AGAIN)
		return rc;
	if (rc == PC_E_CLOSED) {
		(void)proxy_fail(&p->hs, XPORT_FAIL_PROXY, PC_E_PROTO,
		    p->hs.in.len == 0 ? "the proxy closed the connection "
		    "without a reply" : "the proxy closed the connection in "
		    "the middle of its reply");
		return xport_proxy_failed(p);
	}
	if (rc) {
		char	*esc = str_escape(xport_cause(p->base.next),
		    strlen(xport_cause(p->base.next)));

		(void)proxy_fail(&p->hs, XPORT_FAIL_PROXY, rc,
		    "receiving from the proxy failed: %s", esc);
		free(esc);
		return xport_proxy_failed(p);
	}
	proxy_feed(&p->hs, chunk, got);
	return PC_OK;
}

static enum pc_err
xport_proxy_connect(struct xport *x)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;
	enum pc_err		 rc = PC_OK;
	char			*via, *esc;

	for (;;) {
		if (p->hs.ph == PROXY_PH_FAILED)
			return p->hs.fail_rc;
		switch (p->ph) {
		case XPORT_PROXY_CONNECT:
			rc = xport_connect(x->next);
			if (rc == PC_E_AGAIN)
				return rc;
			if (rc) {
				via = proxy_hostport(p->proxy_host,
				    p->proxy_port);
				esc = str_escape(xport_cause(x->next),
				    strlen(xport_cause(x->next)));
				(void)proxy_fail(&p->hs, XPORT_FAIL_PROXY, rc,
				    "cannot reach the proxy %s: %s", via, esc);
				free(via);
				free(esc);
				return xport_proxy_failed(p);
			}
			xport_proxy_start(p);
			continue;
		case XPORT_PROXY_RESOLVE:
			rc = xport_proxy_resolve(p);
			if (rc == PC_E_AGAIN)
				goto again;
			if (rc)
				return rc;
			continue;
		case XPORT_PROXY_SHAKE:
			break;
		}
		switch (proxy_step(&p->hs)) {
		case PROXY_DONE:
			return PC_OK;
		case PROXY_FAILED:
			return xport_proxy_failed(p);
		case PROXY_SEND:
			rc = xport_proxy_send(p);
			break;
		case PROXY_NEED:
			rc = xport_proxy_recv(p);
			break;
		}
		if (rc == PC_E_AGAIN)
			goto again;
		if (rc)
			return rc;
	}
again:
	if (xport_expired(x)) {
		(void)proxy_fail(&p->hs, XPORT_FAIL_PROXY, PC_E_TIMEOUT,
		    p->ph == XPORT_PROXY_RESOLVE ? "the local lookup of the "
		    "destination did not finish within the timeout" :
		    "no answer from the proxy within the timeout");
		return xport_proxy_failed(p);
	}
	return PC_E_AGAIN;
}

static enum pc_err
xport_proxy_read(struct xport *x, void *buf, size_t len, size_t *got)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;
	size_t			 n;

	if (p->hs.ph != PROXY_PH_DONE)
		return PC_E_INVALID;
	if (p->hs.in.len > 0) {
		n = p->hs.in.len < len ? p->hs.in.len : len;
		memcpy(buf, p->hs.in.data, n);
		buf_consume(&p->hs.in, n);
		*got = n;
		return PC_OK;
	}
	return xport_read(x->next, buf, len, got);
}

static enum pc_err
xport_proxy_write(struct xport *x, const void *buf, size_t len, size_t *put)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;

	if (p->hs.ph != PROXY_PH_DONE)
		return PC_E_INVALID;
	return xport_write(x->next, buf, len, put);
}

static short
xport_proxy_poll_events(struct xport *x)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;
	short			 ev = xport_poll_events(x->next);

	if (p->hs.ph == PROXY_PH_DONE || p->hs.ph == PROXY_PH_FAILED)
		return ev;
	switch (p->ph) {
	case XPORT_PROXY_CONNECT:
		return ev;
	case XPORT_PROXY_RESOLVE:
		return POLLIN;
	default:
		return ev | (p->hs.out.len > 0 ? POLLOUT : POLLIN);
	}
}

static int
xport_proxy_fd(struct xport *x)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;

	if (p->ph == XPORT_PROXY_RESOLVE && p->hs.ph != PROXY_PH_FAILED)
		return xport_dns_fd(p->dns);
	return xport_fd(x->next);
}

static size_t
xport_proxy_pending(struct xport *x)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;

	return p->hs.in.len + xport_pending(x->next);
}

static void
xport_proxy_free(struct xport *x)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;

	proxy_cleanup(&p->hs);
	xport_dns_free(p->dns);
	free(p->proxy_host);
	free(p);
}

static const struct xport_ops xport_proxy_ops = {
	.name = "proxy",
	.connect = xport_proxy_connect,
	.read = xport_proxy_read,
	.write = xport_proxy_write,
	.poll_events = xport_proxy_poll_events,
	.fd = xport_proxy_fd,
	.pending = xport_proxy_pending,
	.free = xport_proxy_free,
};

enum pc_err
xport_proxy_new(struct xport *next, const struct xport_proxy_cfg *cfg,
    struct xport **out, char **cause)
{
	struct xport_proxy	*p;
	enum pc_err		 rc;

	*out = NULL;
	p = xcalloc(1, sizeof *p);
	rc = proxy_init(&p->hs, cfg, cause);
	if (rc) {
		free(p);
		return rc;
	}
	xport_init(&p->base, &xport_proxy_ops, next);
	p->hs.note = xport_proxy_note;
	p->hs.note_arg = p;
	p->proxy_host = xstrdup(cfg->proxy_host != NULL ? cfg->proxy_host :
	    "?");
	p->proxy_port = cfg->proxy_port;
	p->ph = XPORT_PROXY_CONNECT;
	*out = &p->base;
	return PC_OK;
}
