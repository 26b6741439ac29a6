/*
 * proxy_socks.c - the SOCKS handshakes, sans I/O: SOCKS4, SOCKS4a and
 * SOCKS5 (RFC 1928, with RFC 1929 user/password).  proxy.c drives them:
 * the request functions queue bytes in p->out, the reply parsers read
 * p->in.
 *
 * Deviations: SOCKS4 replies must carry VN 0 (as RFC-less practice and
 * curl insist); an RFC 1929 reply with version 5 instead of 1 is accepted,
 * as some servers send it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "popconn/buf.h"
#include "popconn/str.h"
#include "popconn/xport.h"
#include "net/net_int.h"

static const char *const xport_proxy_s5_codes[] = {
	"succeeded",
	"general SOCKS server failure",
	"connection not allowed by ruleset",
	"network unreachable",
	"host unreachable",
	"connection refused by destination host",
	"TTL expired",
	"command not supported",
	"address type not supported",
};

const char *
xport_proxy_socks5_str(unsigned code)
{
	if (code < sizeof xport_proxy_s5_codes /
	    sizeof xport_proxy_s5_codes[0])
		return xport_proxy_s5_codes[code];
	return "unknown reply code";
}

const char *
xport_proxy_socks4_str(unsigned code)
{
	switch (code) {
	case 0x5a:
		return "request granted";
	case 0x5b:
		return "request rejected or failed";
	case 0x5c:
		return "request rejected because the proxy cannot reach the "
		    "identd of the client";
	case 0x5d:
		return "request rejected because the client program and "
		    "identd report different user-ids";
	default:
		return "unknown reply code";
	}
}

static void
proxy_socks_add16(struct buf *b, unsigned v)
{
	unsigned char	 be[2] = { (v >> 8) & 0xff, v & 0xff };

	buf_add(b, be, 2);
}

/* The SOCKS4 / SOCKS4a request; ip is NULL for SOCKS4a with a name. */
void
proxy_socks_s4_request(struct proxy *p, const unsigned char *ip)
{
	static const unsigned char marker[4] = { 0, 0, 0, 1 };
	const char	*user = p->user != NULL ? p->user : "";

	buf_add(&p->out, "\x04\x01", 2);
	proxy_socks_add16(&p->out, (unsigned)p->port);
	buf_add(&p->out, ip != NULL ? ip : marker, 4);
	buf_add(&p->out, user, strlen(user) + 1);
	if (ip == NULL)
		buf_add(&p->out, p->host, strlen(p->host) + 1);
	p->ph = PROXY_PH_S4_REPLY;
}

static void
proxy_socks_s5_request(struct proxy *p)
{
	unsigned char	 ip[16];
	int		 fam = xport_dns_parse_ip(p->host, ip);
	unsigned char	 len = (unsigned char)strlen(p->host);

	buf_add(&p->out, "\x05\x01\x00", 3);
	if (fam == AF_INET) {
		buf_add(&p->out, "\x01", 1);
		buf_add(&p->out, ip, 4);
	} else if (fam == AF_INET6) {
		buf_add(&p->out, "\x04", 1);
		buf_add(&p->out, ip, 16);
	} else {
		/* A name: the proxy resolves it (socks5h). */
		buf_add(&p->out, "\x03", 1);
		buf_add(&p->out, &len, 1);
		buf_add(&p->out, p->host, len);
	}
	proxy_socks_add16(&p->out, (unsigned)p->port);
	p->ph = PROXY_PH_S5_REPLY;
}

/* The SOCKS5 greeting: the methods offered. */
void
proxy_socks_s5_start(struct proxy *p)
{
	if (p->user != NULL)
		buf_add(&p->out, "\x05\x02\x00\x02", 4);
	else
		buf_add(&p->out, "\x05\x01\x00", 3);
	p->ph = PROXY_PH_S5_METHOD;
}

/* Parsers: PC_OK when they advanced, PC_E_AGAIN when bytes are missing. */

/*
 * The first two bytes of every SOCKS reply: PC_E_AGAIN until both are in,
 * the failure bad when the version byte is neither v nor also; code gets
 * the second byte as 0xNN.
 */
static enum pc_err
proxy_socks_head(struct proxy *p, unsigned char v, unsigned char also,
    const char *bad, char *code, size_t size)
{
	const unsigned char	*r = (const unsigned char *)p->in.data;

	if (p->in.len < 2)
		return PC_E_AGAIN;
	if (r[0] != v && r[0] != also)
		return proxy_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO, "%s", bad);
	snprintf(code, size, "0x%02x", r[1]);
	return PC_OK;
}

/* The request went through: drop its reply of n bytes. */
static enum pc_err
proxy_socks_granted(struct proxy *p, size_t n)
{
	buf_consume(&p->in, n);
	proxy_note(p, "%s: request granted", p->label);
	p->ph = PROXY_PH_DONE;
	return PC_OK;
}

enum pc_err
proxy_socks_s4_reply(struct proxy *p)
{
	const unsigned char	*r = (const unsigned char *)p->in.data;
	char			 code[8];
	enum pc_err		 rc;

	rc = proxy_socks_head(p, 0, 0,
	    "not a SOCKS4 reply (version byte is not 0)", code, sizeof code);
	if (rc)
		return rc;
	if (r[1] != 0x5a)
		return proxy_fail(p, r[1] == 0x5d ?
		    XPORT_FAIL_PROXY_AUTH : XPORT_FAIL_PROXY, PC_E_IO,
		    "%s (reply %s)", xport_proxy_socks4_str(r[1]), code);
	if (p->in.len < 8)
		return PC_E_AGAIN;
	return proxy_socks_granted(p, 8);
}

enum pc_err
proxy_socks_s5_method(struct proxy *p)
{
	const unsigned char	*r = (const unsigned char *)p->in.data;
	unsigned char		 ulen, plen, method;
	char			 code[8];
	enum pc_err		 rc;

	rc = proxy_socks_head(p, 5, 5,
	    "not a SOCKS5 reply (version byte is not 5)", code, sizeof code);
	if (rc)
		return rc;
	if (r[1] == 0xff && p->user == NULL)
		return proxy_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy requires authentication, and no credentials "
		    "are configured");
	if (r[1] == 0xff)
		return proxy_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy accepts none of the offered methods "
		    "(none, username/password)");
	if (r[1] != 0 && (r[1] != 2 || p->user == NULL))
		return proxy_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "the proxy chose authentication method %s, which was not "
		    "offered", code);
	method = r[1];
	buf_consume(&p->in, 2);
	if (method == 0) {
		proxy_socks_s5_request(p);
		return PC_OK;
	}
	/* RFC 1929: lengths were checked when the transport was made. */
	ulen = (unsigned char)strlen(p->user);
	plen = (unsigned char)strlen(p->password);
	buf_add(&p->out, "\x01", 1);
	buf_add(&p->out, &ulen, 1);
	buf_add(&p->out, p->user, ulen);
	buf_add(&p->out, &plen, 1);
	buf_add(&p->out, p->password, plen);
	p->ph = PROXY_PH_S5_AUTH;
	return PC_OK;
}

enum pc_err
proxy_socks_s5_auth(struct proxy *p)
{
	const unsigned char	*r = (const unsigned char *)p->in.data;
	char			 code[8], *user;
	enum pc_err		 rc;

	rc = proxy_socks_head(p, 1, 5,
	    "bad username/password reply (version byte is not 1)", code,
	    sizeof code);
	if (rc)
		return rc;
	user = str_escape(p->user, strlen(p->user));
	if (r[1] != 0) {
		snprintf(code, sizeof code, "%u", r[1]);
		rc = proxy_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy rejected the username or password for \"%s\" "
		    "(status %s)", user, code);
		free(user);
		return rc;
	}
	proxy_note(p, "%s: authenticated as %s", p->label, user);
	free(user);
	buf_consume(&p->in, 2);
	proxy_socks_s5_request(p);
	return PC_OK;
}

enum pc_err
proxy_socks_s5_reply(struct proxy *p)
{
	const unsigned char	*r = (const unsigned char *)p->in.data;
	size_t			 need;
	char			 code[8];
	enum pc_err		 rc;

	rc = proxy_socks_head(p, 5, 5,
	    "not a SOCKS5 reply (version byte is not 5)", code, sizeof code);
	if (rc)
		return rc;
	/*
	 * Some proxies (dante with PAM) accept any RFC 1929 credentials and
	 * check them only against their rules, answering "not allowed by
	 * ruleset": say that it may be the password, not only the target.
	 */
	if (r[1] == 2 && p->user != NULL)
		return proxy_fail(p, XPORT_FAIL_PROXY, PC_E_IO,
		    "%s (reply %s): the proxy refuses this destination, or "
		    "it checks the user name and password only here",
		    xport_proxy_socks5_str(r[1]), code);
	if (r[1] != 0)
		return proxy_fail(p, XPORT_FAIL_PROXY, PC_E_IO,
		    "%s (reply %s)", xport_proxy_socks5_str(r[1]), code);
	if (p->in.len < 5)
		return PC_E_AGAIN;
	switch (r[3]) {
	case 1:
		need = 4 + 4 + 2;
		break;
	case 3:
		need = 4 + 1 + (size_t)r[4] + 2;
		break;
	case 4:
		need = 4 + 16 + 2;
		break;
	default:
		snprintf(code, sizeof code, "0x%02x", r[3]);
		return proxy_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "reply with unknown address type %s", code);
	}
	if (p->in.len < need)
		return PC_E_AGAIN;
	return proxy_socks_granted(p, need);
}
