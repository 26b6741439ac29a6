/*
 * proxy.c - the proxy handshakes as a sans-I/O machine, the way the POP3
 * core is: fed the bytes the proxy sent, it says what to do next (send
 * these bytes, read more, the tunnel is ready, or failed with a class and
 * a cause).  xport_proxy.c does the I/O; the unit tests and the fuzzer
 * drive it directly.  This file holds the configuration checks and the
 * driver; the protocols are in proxy_socks.c and proxy_http.c.
 *
 * Replies are parsed with strict bounds and reply codes are translated
 * into words.  Bytes that arrive after a reply belong to the tunnel: they
 * stay in p->in.  The password never appears in a cause or trace note:
 * requests that hold it live in a buffer that is wiped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "popconn/buf.h"
#include "popconn/str.h"
#include "popconn/xport.h"
#include "net/net_int.h"

#define PROXY_NAME_MAX	255

enum pc_err
proxy_fail(struct proxy *p, enum xport_fail f, enum pc_err rc,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	p->ph = PROXY_PH_FAILED;
	p->fail = f;
	p->fail_rc = rc;
	free(p->cause);
	p->cause = xasprintf("%s: %s", p->label, text);
	proxy_note(p, "%s", p->cause);
	free(text);
	buf_cleanup(&p->out);
	return rc;
}

char *
proxy_hostport(const char *host, int port)
{
	if (strchr(host, ':') != NULL)
		return xasprintf("[%s]:%d", host, port);
	return xasprintf("%s:%d", host, port);
}

/* 1 when s holds a control character (CR/LF would inject headers). */
static int
proxy_has_ctl(const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	}
	return 0;
}

static const char *
proxy_check(const struct xport_proxy_cfg *cfg, const char *host)
{
	const char	*user = cfg->username, *pass = cfg->password;
	unsigned char	 ip[16];
	int		 creds = user != NULL && *user != '\0';

	if (*host == '\0')
		return "the destination host is empty";
	if (cfg->port < 1 || cfg->port > 65535)
		return "the destination port is not in 1-65535";
	if (proxy_has_ctl(host) || proxy_has_ctl(user) ||
	    proxy_has_ctl(cfg->domain))
		return "a host, user or domain holds a control character";
	if (strlen(host) > PROXY_NAME_MAX)
		return "the destination host is longer than 255 bytes";
	switch (cfg->type) {
	case XPORT_PROXY_SOCKS4:
	case XPORT_PROXY_SOCKS4A:
		if (xport_dns_parse_ip(host, ip) == AF_INET6)
			return "SOCKS4 cannot carry an IPv6 destination: use "
			    "SOCKS5";
		if (creds && strlen(user) > PROXY_NAME_MAX)
			return "the proxy user is longer than 255 bytes";
		break;
	case XPORT_PROXY_SOCKS5:
		if (creds && (strlen(user) > PROXY_NAME_MAX ||
		    (pass != NULL && strlen(pass) > PROXY_NAME_MAX)))
			return "SOCKS5 user and password are limited to 255 "
			    "bytes each";
		break;
	case XPORT_PROXY_HTTP:
		if (creds && (cfg->domain == NULL || *cfg->domain == '\0') &&
		    strchr(user, ':') != NULL)
			return "a Basic proxy user cannot contain ':'";
		break;
	default:
		return "unknown proxy type";
	}
	return NULL;
}

enum pc_err
proxy_init(struct proxy *p, const struct xport_proxy_cfg *cfg, char **cause)
{
	static const char *const labels[] = {
		[XPORT_PROXY_SOCKS4] = "SOCKS4",
		[XPORT_PROXY_SOCKS4A] = "SOCKS4a",
		[XPORT_PROXY_SOCKS5] = "SOCKS5",
		[XPORT_PROXY_HTTP] = "HTTP CONNECT",
	};
	const char	*why;
	char		*host;
	size_t		 len;

	memset(p, 0, sizeof *p);
	host = xstrdup(cfg->host != NULL ? cfg->host : "");
	len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		memmove(host, host + 1, len - 2);
		host[len - 2] = '\0';
	}
	why = proxy_check(cfg, host);
	if (why != NULL) {
		if (cause != NULL)
			*cause = xstrdup(why);
		free(host);
		return PC_E_INVALID;
	}
	p->type = cfg->type;
	p->label = labels[cfg->type];
	p->host = host;
	p->port = cfg->port;
	if (cfg->username != NULL && *cfg->username != '\0') {
		p->user = xstrdup(cfg->username);
		p->password = xstrdup(cfg->password != NULL ? cfg->password :
		    "");
		if (cfg->type == XPORT_PROXY_HTTP && cfg->domain != NULL &&
		    *cfg->domain != '\0')
			p->domain = xstrdup(cfg->domain);
	}
	p->ph = PROXY_PH_START;
	buf_init_secret(&p->out, 0);
	buf_init(&p->in, XPORT_PROXY_HDR_MAX + XPORT_CHUNK);
	return PC_OK;
}

void
proxy_cleanup(struct proxy *p)
{
	buf_cleanup(&p->out);
	buf_cleanup(&p->in);
	free(p->host);
	free(p->user);
	xfree_secret(p->password);
	free(p->domain);
	free(p->cause);
	memset(p, 0, sizeof *p);
}

void
proxy_start(struct proxy *p, const unsigned char *ip4)
{
	unsigned char	 ip[16];

	switch (p->type) {
	case XPORT_PROXY_SOCKS4:
		if (ip4 == NULL && xport_dns_parse_ip(p->host, ip) == AF_INET)
			ip4 = ip;
		if (ip4 == NULL) {
			(void)proxy_fail(p, XPORT_FAIL_DNS, PC_E_INVALID,
			    "SOCKS4 needs the IPv4 address of the "
			    "destination");
			break;
		}
		proxy_socks_s4_request(p, ip4);
		break;
	case XPORT_PROXY_SOCKS4A:
		if (xport_dns_parse_ip(p->host, ip) == AF_INET)
			proxy_socks_s4_request(p, ip);
		else
			proxy_socks_s4_request(p, NULL);
		break;
	case XPORT_PROXY_SOCKS5:
		proxy_socks_s5_start(p);
		break;
	case XPORT_PROXY_HTTP:
		proxy_http_start(p);
		break;
	}
}

size_t
proxy_feed(struct proxy *p, const void *data, size_t len)
{
	size_t	 room = p->in.max - p->in.len;

	if (p->ph == PROXY_PH_FAILED || len == 0)
		return 0;
	if (room == 0) {
		(void)proxy_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "reply too long");
		return 0;
	}
	if (len > room)
		len = room;
	buf_add(&p->in, data, len);
	return len;
}

size_t
proxy_room(const struct proxy *p)
{
	return p->in.max - p->in.len;
}

void
proxy_sent(struct proxy *p, size_t n)
{
	/* Wipe what went out: it may hold credentials. */
	explicit_bzero(p->out.data, n);
	buf_consume(&p->out, n);
}

static enum pc_err
proxy_parse(struct proxy *p)
{
	switch (p->ph) {
	case PROXY_PH_S4_REPLY:
		return proxy_socks_s4_reply(p);
	case PROXY_PH_S5_METHOD:
		return proxy_socks_s5_method(p);
	case PROXY_PH_S5_AUTH:
		return proxy_socks_s5_auth(p);
	case PROXY_PH_S5_REPLY:
		return proxy_socks_s5_reply(p);
	case PROXY_PH_HTTP_SKIP:
		return proxy_http_skip(p);
	case PROXY_PH_HTTP_REPLY:
		return proxy_http_reply(p);
	default:
		return PC_E_INVALID;
	}
}

enum proxy_act
proxy_step(struct proxy *p)
{
	enum pc_err	 rc;

	for (;;) {
		switch (p->ph) {
		case PROXY_PH_DONE:
			return PROXY_DONE;
		case PROXY_PH_FAILED:
			return PROXY_FAILED;
		case PROXY_PH_START:
			(void)proxy_fail(p, XPORT_FAIL_PROXY, PC_E_INVALID,
			    "the handshake was not started");
			return PROXY_FAILED;
		default:
			break;
		}
		if (p->out.len > 0)
			return PROXY_SEND;
		rc = proxy_parse(p);
		if (rc == PC_E_AGAIN)
			return PROXY_NEED;
		if (rc != PC_OK && p->ph != PROXY_PH_FAILED)
			(void)proxy_fail(p, XPORT_FAIL_PROXY, rc,
			    "the handshake is in no known state");
	}
}
