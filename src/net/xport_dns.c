/*
 * xport_dns.c - name lookups that never block the poll() loop.
 *
 * getaddrinfo() blocks for as long as the resolver likes, so a lookup runs
 * on a detached thread that writes one byte to a pipe when it is done; the
 * caller polls the pipe's read end and gives up when its own deadline
 * passes.  The state is shared by the caller and the thread and counted:
 * whoever lets go last frees it, closing both pipe ends, so a thread that
 * outlives its caller never writes to a closed (or reused) descriptor.
 * IP literals are converted at once, without a thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "popconn/xmalloc.h"
#include "net/net_int.h"

struct xport_dns {
	pthread_mutex_t	 lock;
	int		 refs;		/* caller + running thread */
	int		 done;		/* result fields are set */
	int		 literal;	/* host was an IP literal */
	int		 gai_rc;	/* getaddrinfo's answer */
	int		 sys_errno;	/* errno for EAI_SYSTEM */
	struct addrinfo	*res;		/* owned until handed out */
	char		*host;		/* brackets removed */
	char		 port[8];
	int		 family;
	int		 pipe[2];	/* [0] polled by the caller */
};

static void
xport_dns_release(struct xport_dns *d)
{
	int	 last;

	pthread_mutex_lock(&d->lock);
	last = --d->refs == 0;
	pthread_mutex_unlock(&d->lock);
	if (!last)
		return;
	pthread_mutex_destroy(&d->lock);
	if (d->res != NULL)
		freeaddrinfo(d->res);
	if (d->pipe[0] != -1)
		close(d->pipe[0]);
	if (d->pipe[1] != -1)
		close(d->pipe[1]);
	free(d->host);
	free(d);
}

static void
xport_dns_hints(struct addrinfo *hints, int family, int flags)
{
	memset(hints, 0, sizeof *hints);
	hints->ai_family = family;
	hints->ai_socktype = SOCK_STREAM;
	hints->ai_protocol = IPPROTO_TCP;
	/*
	 * No AI_ADDRCONFIG: glibc ignores loopback addresses for it, so on a
	 * host without a configured network "localhost" would not resolve.
	 */
	hints->ai_flags = flags;
}

static void *
xport_dns_thread(void *arg)
{
	struct xport_dns	*d = arg;
	struct addrinfo		 hints, *res = NULL;
	int			 rc, e;
	ssize_t			 n;

	xport_dns_hints(&hints, d->family, 0);
	rc = getaddrinfo(d->host, d->port, &hints, &res);
	e = errno;
	pthread_mutex_lock(&d->lock);
	d->gai_rc = rc;
	d->sys_errno = e;
	d->res = rc == 0 ? res : NULL;
	d->done = 1;
	pthread_mutex_unlock(&d->lock);
	/* The pipe stays open while we hold a reference: no EPIPE. */
	do
		n = write(d->pipe[1], "", 1);
	while (n == -1 && errno == EINTR);
	xport_dns_release(d);
	return NULL;
}

int
xport_dns_parse_ip(const char *s, unsigned char out[16])
{
	char	 tmp[INET6_ADDRSTRLEN + 2];
	size_t	 len = strlen(s);

	if (inet_pton(AF_INET, s, out) == 1)
		return AF_INET;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']' &&
	    len - 2 < sizeof tmp) {
		memcpy(tmp, s + 1, len - 2);
		tmp[len - 2] = '\0';
		s = tmp;
	}
	if (inet_pton(AF_INET6, s, out) == 1)
		return AF_INET6;
	return 0;
}

struct xport_dns *
xport_dns_start(const char *host, int port, int family)
{
	struct xport_dns	*d;
	struct addrinfo		 hints, *res = NULL;
	pthread_attr_t		 attr;
	size_t			 len = strlen(host);
	int			 rc;

	d = xcalloc(1, sizeof *d);
	pthread_mutex_init(&d->lock, NULL);
	d->refs = 1;
	d->pipe[0] = d->pipe[1] = -1;
	d->family = family;
	snprintf(d->port, sizeof d->port, "%d", port);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
		d->host = xstrndup(host + 1, len - 2);
	else
		d->host = xstrdup(host);

	/* An IP literal needs no lookup and never blocks. */
	xport_dns_hints(&hints, family, AI_NUMERICHOST);
	rc = getaddrinfo(d->host, d->port, &hints, &res);
	if (rc == 0 || (d->host[0] == '\0')) {
		d->literal = rc == 0;
		d->gai_rc = rc == 0 ? 0 : EAI_NONAME;
		d->res = res;
		d->done = 1;
		return d;
	}
	if (xport_dns_parse_ip(d->host, (unsigned char[16]){ 0 }) != 0) {
		/* A literal of the other family than the one required. */
		d->literal = 1;
		d->gai_rc = EAI_FAMILY;
		d->done = 1;
		return d;
	}

	if (pipe2(d->pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		goto fail;
	d->refs = 2;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&(pthread_t){ 0 }, &attr, xport_dns_thread, d);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		d->refs = 1;
		errno = rc;
		goto fail;
	}
	return d;

fail:
	d->gai_rc = EAI_SYSTEM;
	d->sys_errno = errno;
	d->done = 1;
	return d;
}

int
xport_dns_fd(struct xport_dns *d)
{
	int	 done;

	pthread_mutex_lock(&d->lock);
	done = d->done;
	pthread_mutex_unlock(&d->lock);
	return done ? -1 : d->pipe[0];
}

int
xport_dns_literal(struct xport_dns *d)
{
	return d->literal;
}

enum pc_err
xport_dns_result(struct xport_dns *d, struct addrinfo **res, char **cause)
{
	enum pc_err	 rc = PC_OK;
	char		 drain[16];

	*res = NULL;
	pthread_mutex_lock(&d->lock);
	if (!d->done) {
		rc = PC_E_AGAIN;
		goto out;
	}
	if (d->pipe[0] != -1) {
		while (read(d->pipe[0], drain, sizeof drain) > 0)
			continue;
	}
	switch (d->gai_rc) {
	case 0:
		if (d->res == NULL) {
			rc = PC_E_INVALID;	/* handed out before */
			if (cause != NULL)
				*cause = xstrdup("lookup result already used");
			break;
		}
		*res = d->res;
		d->res = NULL;
		break;
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
		rc = PC_E_INVALID;
		if (cause != NULL)
			*cause = xasprintf("no such host \"%s\"", d->host);
		break;
	case EAI_FAMILY:
	case EAI_ADDRFAMILY:
		rc = PC_E_INVALID;
		if (cause != NULL)
			*cause = xasprintf("\"%s\" has no address of the "
			    "required family (%s)", d->host,
			    d->family == AF_INET ? "IPv4" : "IPv6");
		break;
	case EAI_SYSTEM:
		rc = PC_E_IO;
		if (cause != NULL)
			*cause = xasprintf("lookup of \"%s\" failed: %s",
			    d->host, strerror(d->sys_errno));
		break;
	default:
		rc = PC_E_IO;
		if (cause != NULL)
			*cause = xasprintf("lookup of \"%s\" failed: %s",
			    d->host, gai_strerror(d->gai_rc));
		break;
	}
out:
	pthread_mutex_unlock(&d->lock);
	return rc;
}

void
xport_dns_free(struct xport_dns *d)
{
	if (d != NULL)
		xport_dns_release(d);
}

char *
xport_dns_numeric(const struct addrinfo *ai)
{
	char	 host[NI_MAXHOST];

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL,
	    0, NI_NUMERICHOST) != 0)
		return xstrdup("?");
	return xstrdup(host);
}
