/*
 * xport_sock.c - the TCP transport at the bottom of every stack.
 *
 * Connecting is a small state machine driven by xport_connect: resolve
 * (xport_dns.c: a thread for names, nothing for IP literals), then try each
 * address in turn with a non-blocking connect().  When a deadline is set,
 * every attempt but the last gets an equal share of the time that is left,
 * so one black-holed address (an unreachable IPv6 route, say) does not eat
 * the whole budget.  The failure of the last attempt decides the class:
 * ECONNREFUSED is connect_refused, running out of time connect_timeout,
 * anything else io; the cause lists every attempt.
 *
 * errno is converted here, where it happens, and kept in last_errno.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "popconn/buf.h"
#include "popconn/xport.h"
#include "net/net_int.h"

enum xport_sock_state {
	XPORT_SOCK_NEW,
	XPORT_SOCK_RESOLVING,
	XPORT_SOCK_CONNECTING,
	XPORT_SOCK_CONNECTED,
	XPORT_SOCK_FAILED,
};

struct xport_sock {
	struct xport	 base;
	char		*host;
	int		 port;
	char		*bind_addr;	/* IP literal or NULL */
	enum xport_sock_state st;
	enum pc_err	 fail_rc;	/* returned again after a failure */
	struct xport_dns *dns;
	struct addrinfo	*addrs;		/* owned */
	struct addrinfo	*cur;		/* address being tried */
	int		 nleft;		/* addresses not tried yet */
	int		 fd;
	int64_t		 attempt_end;	/* deadline of this attempt; 0 none */
	char		*peer;		/* "127.0.0.1 port 110" */
	struct buf	 tried;		/* "addr: reason; " per attempt */
	enum xport_fail	 last_class;	/* of the last failed attempt */
};

static enum pc_err	 xport_sock_try_next(struct xport_sock *);

static enum pc_err
xport_sock_failed(struct xport_sock *s, enum xport_fail f, enum pc_err rc,
    const char *what)
{
	s->st = XPORT_SOCK_FAILED;
	s->fail_rc = rc;
	return xport_fail_set(&s->base, f, rc, "%s", what);
}

/* Note the failure of the current attempt, then move on. */
static void
xport_sock_attempt_failed(struct xport_sock *s, int err, int timed_out)
{
	const char	*why;

	if (s->fd != -1) {
		close(s->fd);
		s->fd = -1;
	}
	if (timed_out) {
		s->last_class = XPORT_FAIL_TIMEOUT;
		why = "timed out";
	} else {
		s->base.last_errno = err;
		s->last_class = err == ECONNREFUSED ? XPORT_FAIL_REFUSED :
		    (err == ETIMEDOUT ? XPORT_FAIL_TIMEOUT : XPORT_FAIL_IO);
		why = strerror(err);
	}
	buf_addf(&s->tried, "%s%s: %s", s->tried.len ? "; " : "", s->peer,
	    why);
	xport_note(&s->base, "TCP: %s: %s", s->peer, why);
}

static enum pc_err
xport_sock_bind(struct xport_sock *s, int fd, int family, int *err)
{
	struct addrinfo	 hints, *res = NULL;
	int		 rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	rc = getaddrinfo(s->bind_addr, NULL, &hints, &res);
	if (rc != 0) {
		*err = EINVAL;
		return PC_E_INVALID;
	}
	rc = bind(fd, res->ai_addr, res->ai_addrlen);
	*err = errno;
	freeaddrinfo(res);
	return rc == -1 ? PC_E_IO : PC_OK;
}

static enum pc_err
xport_sock_connected(struct xport_sock *s)
{
	int	 one = 1;

	/* POP3 is request/response with short lines: no Nagle delay. */
	(void)setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	s->st = XPORT_SOCK_CONNECTED;
	freeaddrinfo(s->addrs);
	s->addrs = s->cur = NULL;
	xport_note(&s->base, "TCP: connected to %s", s->peer);
	return PC_OK;
}

static enum pc_err
xport_sock_try_next(struct xport_sock *s)
{
	struct addrinfo	*ai;
	char		*num;
	int64_t		 left;
	int		 err, bind_family = AF_UNSPEC;
	unsigned char	 ip[16];

	if (s->bind_addr != NULL)
		bind_family = xport_dns_parse_ip(s->bind_addr, ip);
	for (; s->cur != NULL; s->cur = s->cur->ai_next, s->nleft--) {
		ai = s->cur;
		num = xport_dns_numeric(ai);
		free(s->peer);
		s->peer = xasprintf("%s port %d", num, s->port);
		free(num);
		if (bind_family != AF_UNSPEC && ai->ai_family != bind_family)
			continue;
		if (xport_expired(&s->base)) {
			xport_sock_attempt_failed(s, 0, 1);
			break;
		}
		s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (s->fd == -1) {
			xport_sock_attempt_failed(s, errno, 0);
			continue;
		}
		if (s->bind_addr != NULL &&
		    xport_sock_bind(s, s->fd, ai->ai_family, &err) != PC_OK) {
			s->base.last_errno = err;
			close(s->fd);
			s->fd = -1;
			return xport_sock_failed(s, XPORT_FAIL_IO, PC_E_IO,
			    err == EINVAL ? "invalid local bind address" :
			    strerror(err));
		}
		xport_note(&s->base, "TCP: connecting to %s", s->peer);
		if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return xport_sock_connected(s);
		if (errno != EINPROGRESS) {
			xport_sock_attempt_failed(s, errno, 0);
			continue;
		}
		left = xport_remaining_ms(&s->base);
		if (left < 0)
			s->attempt_end = 0;
		else
			s->attempt_end = xport_now_ms() +
			    (s->nleft > 1 ? left / s->nleft : left);
		s->st = XPORT_SOCK_CONNECTING;
		return PC_E_AGAIN;
	}

	if (s->tried.len == 0)
		return xport_sock_failed(s, XPORT_FAIL_IO, PC_E_IO,
		    "no address of the local bind address's family");
	if (s->last_class == XPORT_FAIL_TIMEOUT)
		return xport_sock_failed(s, XPORT_FAIL_TIMEOUT, PC_E_TIMEOUT,
		    s->tried.data);
	return xport_sock_failed(s, s->last_class, PC_E_IO, s->tried.data);
}

/* The current connect attempt: done, failed, or still running? */
static enum pc_err
xport_sock_check(struct xport_sock *s)
{
	struct pollfd	 pfd = { .fd = s->fd, .events = POLLOUT };
	int		 err = 0, n;
	socklen_t	 len = sizeof err;

	n = poll(&pfd, 1, 0);
	if (n == -1 && errno != EINTR)
		return xport_sock_failed(s, XPORT_FAIL_IO, PC_E_IO,
		    strerror(errno));
	if (n <= 0) {
		if (s->attempt_end != 0 && xport_now_ms() >= s->attempt_end) {
			xport_sock_attempt_failed(s, 0, 1);
			s->cur = s->cur->ai_next;
			s->nleft--;
			return xport_sock_try_next(s);
		}
		return PC_E_AGAIN;
	}
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0)
		return xport_sock_connected(s);
	xport_sock_attempt_failed(s, err, 0);
	s->cur = s->cur->ai_next;
	s->nleft--;
	return xport_sock_try_next(s);
}

static enum pc_err
xport_sock_connect(struct xport *x)
{
	struct xport_sock	*s = (struct xport_sock *)x;
	struct addrinfo		*ai;
	struct buf		 list;
	char			*cause = NULL, *num;
	enum pc_err		 rc;
	int			 family = AF_UNSPEC;
	unsigned char		 ip[16];

	switch (s->st) {
	case XPORT_SOCK_NEW:
		if (s->bind_addr != NULL) {
			family = xport_dns_parse_ip(s->bind_addr, ip);
			if (family == 0)
				return xport_sock_failed(s, XPORT_FAIL_IO,
				    PC_E_INVALID, "invalid local bind address");
		}
		s->dns = xport_dns_start(s->host, s->port, AF_UNSPEC);
		s->st = XPORT_SOCK_RESOLVING;
		/* FALLTHROUGH */
	case XPORT_SOCK_RESOLVING:
		rc = xport_dns_result(s->dns, &s->addrs, &cause);
		if (rc == PC_E_AGAIN) {
			if (xport_expired(x))
				return xport_sock_failed(s, XPORT_FAIL_DNS,
				    PC_E_TIMEOUT, "DNS lookup did not finish "
				    "within the timeout");
			return PC_E_AGAIN;
		}
		if (rc) {
			rc = xport_sock_failed(s, XPORT_FAIL_DNS, rc, cause);
			xport_note(x, "DNS: %s", cause);
			free(cause);
			return rc;
		}
		s->nleft = 0;
		buf_init(&list, 4096);
		for (ai = s->addrs; ai != NULL; ai = ai->ai_next) {
			num = xport_dns_numeric(ai);
			buf_addf(&list, "%s%s", list.len ? ", " : "", num);
			free(num);
			s->nleft++;
		}
		if (!xport_dns_literal(s->dns))
			xport_note(x, "DNS: %s -> %s", s->host, list.data);
		buf_cleanup(&list);
		xport_dns_free(s->dns);
		s->dns = NULL;
		s->cur = s->addrs;
		return xport_sock_try_next(s);
	case XPORT_SOCK_CONNECTING:
		return xport_sock_check(s);
	case XPORT_SOCK_CONNECTED:
		return PC_OK;
	case XPORT_SOCK_FAILED:
		break;
	}
	return s->fail_rc;
}

static enum pc_err
xport_sock_read(struct xport *x, void *buf, size_t len, size_t *got)
{
	struct xport_sock	*s = (struct xport_sock *)x;
	ssize_t			 n;

	if (s->st != XPORT_SOCK_CONNECTED || x->closed)
		return PC_E_INVALID;
	do
		n = recv(s->fd, buf, len, 0);
	while (n == -1 && errno == EINTR);
	if (n > 0) {
		*got = (size_t)n;
		return PC_OK;
	}
	if (n == 0)
		return PC_E_CLOSED;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return PC_E_AGAIN;
	x->last_errno = errno;
	return xport_fail_set(x, errno == ECONNRESET ? XPORT_FAIL_CLOSED :
	    XPORT_FAIL_IO, PC_E_IO, "receive from %s: %s", s->peer,
	    strerror(errno));
}

static enum pc_err
xport_sock_write(struct xport *x, const void *buf, size_t len, size_t *put)
{
	struct xport_sock	*s = (struct xport_sock *)x;
	ssize_t			 n;

	if (s->st != XPORT_SOCK_CONNECTED || x->closed)
		return PC_E_INVALID;
	do
		n = send(s->fd, buf, len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n >= 0) {
		*put = (size_t)n;
		return n > 0 ? PC_OK : PC_E_AGAIN;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return PC_E_AGAIN;
	x->last_errno = errno;
	return xport_fail_set(x, errno == EPIPE || errno == ECONNRESET ?
	    XPORT_FAIL_CLOSED : XPORT_FAIL_IO, PC_E_IO, "send to %s: %s",
	    s->peer, strerror(errno));
}

static short
xport_sock_poll_events(struct xport *x)
{
	struct xport_sock	*s = (struct xport_sock *)x;

	switch (s->st) {
	case XPORT_SOCK_NEW:
	case XPORT_SOCK_CONNECTING:
		return POLLOUT;
	case XPORT_SOCK_RESOLVING:
		return POLLIN;
	default:
		return 0;
	}
}

static int
xport_sock_fd(struct xport *x)
{
	struct xport_sock	*s = (struct xport_sock *)x;

	if (s->st == XPORT_SOCK_RESOLVING)
		return xport_dns_fd(s->dns);
	return s->fd;
}

static size_t
xport_sock_pending(struct xport *x)
{
	struct xport_sock	*s = (struct xport_sock *)x;
	int			 n = 0;

	if (s->st != XPORT_SOCK_CONNECTED || x->closed)
		return 0;
	if (ioctl(s->fd, FIONREAD, &n) == -1 || n < 0)
		return 0;
	return (size_t)n;
}

static void
xport_sock_close(struct xport *x)
{
	struct xport_sock	*s = (struct xport_sock *)x;

	if (s->fd != -1) {
		close(s->fd);
		s->fd = -1;
	}
}

static void
xport_sock_free(struct xport *x)
{
	struct xport_sock	*s = (struct xport_sock *)x;

	xport_sock_close(x);
	xport_dns_free(s->dns);
	if (s->addrs != NULL)
		freeaddrinfo(s->addrs);
	buf_cleanup(&s->tried);
	free(s->host);
	free(s->bind_addr);
	free(s->peer);
	free(s);
}

static const struct xport_ops xport_sock_ops = {
	.name = "sock",
	.connect = xport_sock_connect,
	.read = xport_sock_read,
	.write = xport_sock_write,
	.poll_events = xport_sock_poll_events,
	.fd = xport_sock_fd,
	.pending = xport_sock_pending,
	.close = xport_sock_close,
	.free = xport_sock_free,
};

struct xport *
xport_sock_new(const char *host, int port, const char *bind_addr)
{
	struct xport_sock	*s;

	s = xcalloc(1, sizeof *s);
	xport_init(&s->base, &xport_sock_ops, NULL);
	s->host = xstrdup(host);
	s->port = port;
	s->bind_addr = xstrdup_or_null(bind_addr);
	s->fd = -1;
	s->st = XPORT_SOCK_NEW;
	s->peer = xstrdup("");
	buf_init(&s->tried, 4096);
	return &s->base;
}

const char *
xport_sock_peer(struct xport *x)
{
	struct xport_sock	*s;

	s = (struct xport_sock *)xport_find(x, &xport_sock_ops);
	return s != NULL ? s->peer : "";
}
