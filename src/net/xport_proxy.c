/*
 * xport_proxy.c - proxy clients stacked on a transport connected to the
 * proxy: SOCKS4, SOCKS4a, SOCKS5 (RFC 1928, with RFC 1929 user/password)
 * and HTTP CONNECT (RFC 9110 9.3.6, with Basic auth (RFC 7617), or NTLM
 * (MS-NLMP, see ntlm.c) when a domain is configured).
 *
 * The negotiation is a state machine run by xport_connect: queue a request,
 * write it out, read until the reply is complete, decide.  Replies are
 * parsed with strict bounds (an HTTP header block is capped at 16 KiB) and
 * reply codes are translated into words.  Bytes that arrive after a reply
 * belong to the tunnel: they are kept and handed out by the first reads
 * (and counted by xport_pending, for the STLS guard).
 *
 * Deviations: SOCKS4 replies must carry VN 0 (as RFC-less practice and
 * curl insist); an RFC 1929 reply with version 5 instead of 1 is accepted,
 * as some servers send it.  HTTP 401 is treated like 407: tinyproxy
 * answers bad Basic credentials with 401.  A 407 body is skipped by its
 * Content-Length; a chunked 407 cannot carry an NTLM leg here.
 *
 * The password never appears in a cause or trace note: requests that hold
 * it live in a buffer that is wiped.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include "popconn/buf.h"
#include "popconn/ntlm.h"
#include "popconn/str.h"
#include "popconn/xport.h"
#include "net/net_int.h"

#define XPORT_PROXY_HDR_MAX	16384	/* HTTP reply header block */
#define XPORT_PROXY_BODY_MAX	(1024 * 1024) /* 407 body we skip */
#define XPORT_PROXY_NAME_MAX	255

enum xport_proxy_phase {
	XPORT_PROXY_CONNECT,	/* connecting next to the proxy */
	XPORT_PROXY_RESOLVE,	/* SOCKS4: looking the destination up */
	XPORT_PROXY_S4_REPLY,
	XPORT_PROXY_S5_METHOD,
	XPORT_PROXY_S5_AUTH,
	XPORT_PROXY_S5_REPLY,
	XPORT_PROXY_HTTP_SKIP,	/* discarding a 407 body */
	XPORT_PROXY_HTTP_REPLY,
	XPORT_PROXY_DONE,
	XPORT_PROXY_FAILED,
};

struct xport_proxy {
	struct xport	 base;
	enum xport_proxy_type type;
	char		*proxy_host;
	int		 proxy_port;
	char		*host;		/* destination, brackets removed */
	int		 port;
	char		*user;		/* NULL: no credentials */
	char		*password;	/* SECRET, "" when none */
	char		*domain;	/* NULL unless NTLM */
	const char	*label;		/* "SOCKS5", "HTTP CONNECT" */
	enum xport_proxy_phase ph;
	enum pc_err	 fail_rc;
	struct buf	 out;		/* request not yet written; wiped */
	struct buf	 in;		/* reply bytes, then tunnel bytes */
	size_t		 http_scanned;	/* bytes of in searched for the end of
					   an HTTP header block */
	struct xport_dns *dns;
	int		 ntlm_leg;	/* 1: NEGOTIATE sent, 2: AUTHENTICATE */
	size_t		 skip;		/* body bytes still to discard */
};

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

static enum pc_err xport_proxy_failed(struct xport_proxy *, enum xport_fail,
		    enum pc_err, const char *, ...) PC_PRINTFLIKE(4, 5);

static enum pc_err
xport_proxy_failed(struct xport_proxy *p, enum xport_fail f, enum pc_err rc,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	p->ph = XPORT_PROXY_FAILED;
	p->fail_rc = rc;
	xport_fail_set(&p->base, f, rc, "%s: %s", p->label, text);
	xport_note(&p->base, "%s: %s", p->label, text);
	free(text);
	buf_cleanup(&p->out);
	return rc;
}

/* host:port, with brackets around an IPv6 literal. */
static char *
xport_proxy_hostport(const char *host, int port)
{
	if (strchr(host, ':') != NULL)
		return xasprintf("[%s]:%d", host, port);
	return xasprintf("%s:%d", host, port);
}

static void
xport_proxy_add16(struct buf *b, unsigned v)
{
	unsigned char	 be[2] = { (v >> 8) & 0xff, v & 0xff };

	buf_add(b, be, 2);
}

/* The SOCKS4 / SOCKS4a request; ip is NULL for SOCKS4a with a name. */
static void
xport_proxy_socks4_request(struct xport_proxy *p, const unsigned char *ip)
{
	static const unsigned char marker[4] = { 0, 0, 0, 1 };
	const char	*user = p->user != NULL ? p->user : "";

	buf_add(&p->out, "\x04\x01", 2);
	xport_proxy_add16(&p->out, (unsigned)p->port);
	buf_add(&p->out, ip != NULL ? ip : marker, 4);
	buf_add(&p->out, user, strlen(user) + 1);
	if (ip == NULL)
		buf_add(&p->out, p->host, strlen(p->host) + 1);
	p->ph = XPORT_PROXY_S4_REPLY;
}

static void
xport_proxy_socks5_request(struct xport_proxy *p)
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
	xport_proxy_add16(&p->out, (unsigned)p->port);
	p->ph = XPORT_PROXY_S5_REPLY;
}

static void
xport_proxy_http_request(struct xport_proxy *p, const char *auth)
{
	char	*hp = xport_proxy_hostport(p->host, p->port);

	buf_addf(&p->out, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", hp, hp);
	if (auth != NULL)
		buf_addf(&p->out, "Proxy-Authorization: %s\r\n", auth);
	buf_addf(&p->out, "User-Agent: popconn/%s\r\n"
	    "Proxy-Connection: Keep-Alive\r\n\r\n", POPCONN_VERSION);
	free(hp);
	p->ph = XPORT_PROXY_HTTP_REPLY;
}

static void
xport_proxy_http_start(struct xport_proxy *p)
{
	unsigned char	*m;
	size_t		 mlen;
	char		*b64, *auth, *pair;

	if (p->user == NULL) {
		xport_proxy_http_request(p, NULL);
		return;
	}
	if (p->domain != NULL) {
		ntlm_negotiate(&m, &mlen);
		b64 = b64_encode(m, mlen);
		auth = xasprintf("NTLM %s", b64);
		xport_proxy_http_request(p, auth);
		p->ntlm_leg = 1;
		free(m);
		free(b64);
		free(auth);
		return;
	}
	pair = xasprintf("%s:%s", p->user, p->password);
	b64 = b64_encode(pair, strlen(pair));
	auth = xasprintf("Basic %s", b64);
	xport_proxy_http_request(p, auth);
	xfree_secret(pair);
	xfree_secret(b64);
	xfree_secret(auth);
}

/* Queue the first request once the proxy is reachable. */
static void
xport_proxy_start(struct xport_proxy *p)
{
	char		*hp = xport_proxy_hostport(p->host, p->port);
	char		*via;
	unsigned char	 ip[16];

	via = xport_proxy_hostport(p->proxy_host, p->proxy_port);
	xport_note(&p->base, "%s: connecting to %s via %s", p->label, hp, via);
	free(hp);
	free(via);
	switch (p->type) {
	case XPORT_PROXY_SOCKS4:
		if (xport_dns_parse_ip(p->host, ip) == AF_INET) {
			xport_proxy_socks4_request(p, ip);
			break;
		}
		p->dns = xport_dns_start(p->host, p->port, AF_INET);
		p->ph = XPORT_PROXY_RESOLVE;
		break;
	case XPORT_PROXY_SOCKS4A:
		if (xport_dns_parse_ip(p->host, ip) == AF_INET)
			xport_proxy_socks4_request(p, ip);
		else
			xport_proxy_socks4_request(p, NULL);
		break;
	case XPORT_PROXY_SOCKS5:
		if (p->user != NULL)
			buf_add(&p->out, "\x05\x02\x00\x02", 4);
		else
			buf_add(&p->out, "\x05\x01\x00", 3);
		p->ph = XPORT_PROXY_S5_METHOD;
		break;
	case XPORT_PROXY_HTTP:
		xport_proxy_http_start(p);
		break;
	}
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

		rc = xport_proxy_failed(p, XPORT_FAIL_DNS, rc,
		    "SOCKS4 resolves the destination locally: %s", esc);
		free(esc);
		free(cause);
		return rc;
	}
	ip = (const unsigned char *)&((struct sockaddr_in *)(void *)
	    res->ai_addr)->sin_addr;
	xport_proxy_socks4_request(p, ip);
	freeaddrinfo(res);
	xport_dns_free(p->dns);
	p->dns = NULL;
	return PC_OK;
}

/* Parsers: PC_OK when they advanced, PC_E_AGAIN when bytes are missing. */

static enum pc_err
xport_proxy_s4_reply(struct xport_proxy *p)
{
	const unsigned char	*r = (const unsigned char *)p->in.data;
	char			 code[8];

	if (p->in.len < 2)
		return PC_E_AGAIN;
	if (r[0] != 0)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "not a SOCKS4 reply (version byte is not 0)");
	snprintf(code, sizeof code, "0x%02x", r[1]);
	if (r[1] != 0x5a)
		return xport_proxy_failed(p, r[1] == 0x5d ?
		    XPORT_FAIL_PROXY_AUTH : XPORT_FAIL_PROXY, PC_E_IO,
		    "%s (reply %s)", xport_proxy_socks4_str(r[1]), code);
	if (p->in.len < 8)
		return PC_E_AGAIN;
	buf_consume(&p->in, 8);
	xport_note(&p->base, "%s: request granted", p->label);
	p->ph = XPORT_PROXY_DONE;
	return PC_OK;
}

static enum pc_err
xport_proxy_s5_method(struct xport_proxy *p)
{
	const unsigned char	*r = (const unsigned char *)p->in.data;
	unsigned char		 ulen, plen, method;
	char			 code[8];

	if (p->in.len < 2)
		return PC_E_AGAIN;
	if (r[0] != 5)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "not a SOCKS5 reply (version byte is not 5)");
	snprintf(code, sizeof code, "0x%02x", r[1]);
	if (r[1] == 0xff && p->user == NULL)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy requires authentication, and no credentials "
		    "are configured");
	if (r[1] == 0xff)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy accepts none of the offered methods "
		    "(none, username/password)");
	if (r[1] != 0 && (r[1] != 2 || p->user == NULL))
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "the proxy chose authentication method %s, which was not "
		    "offered", code);
	method = r[1];
	buf_consume(&p->in, 2);
	if (method == 0) {
		xport_proxy_socks5_request(p);
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
	p->ph = XPORT_PROXY_S5_AUTH;
	return PC_OK;
}

static enum pc_err
xport_proxy_s5_auth(struct xport_proxy *p)
{
	const unsigned char	*r = (const unsigned char *)p->in.data;
	char			 code[8], *user;
	enum pc_err		 rc;

	if (p->in.len < 2)
		return PC_E_AGAIN;
	if (r[0] != 1 && r[0] != 5)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "bad username/password reply (version byte is not 1)"
		    "");
	user = str_escape(p->user, strlen(p->user));
	if (r[1] != 0) {
		snprintf(code, sizeof code, "%u", r[1]);
		rc = xport_proxy_failed(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy rejected the username or password for \"%s\" "
		    "(status %s)", user, code);
		free(user);
		return rc;
	}
	xport_note(&p->base, "%s: authenticated as %s", p->label, user);
	free(user);
	buf_consume(&p->in, 2);
	xport_proxy_socks5_request(p);
	return PC_OK;
}

static enum pc_err
xport_proxy_s5_reply(struct xport_proxy *p)
{
	const unsigned char	*r = (const unsigned char *)p->in.data;
	size_t			 need;
	char			 code[8];

	if (p->in.len < 2)
		return PC_E_AGAIN;
	if (r[0] != 5)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "not a SOCKS5 reply (version byte is not 5)");
	snprintf(code, sizeof code, "0x%02x", r[1]);
	/*
	 * Some proxies (dante with PAM) accept any RFC 1929 credentials and
	 * check them only against their rules, answering "not allowed by
	 * ruleset": say that it may be the password, not only the target.
	 */
	if (r[1] == 2 && p->user != NULL)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_IO,
		    "%s (reply %s): the proxy refuses this destination, or "
		    "it checks the user name and password only here",
		    xport_proxy_socks5_str(r[1]), code);
	if (r[1] != 0)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_IO,
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
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "reply with unknown address type %s", code);
	}
	if (p->in.len < need)
		return PC_E_AGAIN;
	buf_consume(&p->in, need);
	xport_note(&p->base, "%s: request granted", p->label);
	p->ph = XPORT_PROXY_DONE;
	return PC_OK;
}

/*
 * Where the header block ends (just past the empty line), or 0.  The scan
 * starts at from: bytes before it were searched already (a proxy that
 * sends its reply a byte at a time must not make the search quadratic).
 */
static size_t
xport_proxy_http_end(const char *s, size_t len, size_t from)
{
	size_t	 i;

	for (i = from; i + 1 < len; i++) {
		if (s[i] != '\n')
			continue;
		if (s[i + 1] == '\n')
			return i + 2;
		if (s[i + 1] == '\r' && i + 2 < len && s[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

struct xport_proxy_http_reply {
	int		 status;
	char		*reason;	/* escaped */
	long		 content_length; /* -1 when absent */
	int		 chunked;
	int		 close;
	char		*ntlm;		/* base64 challenge, or NULL */
	struct buf	 schemes;	/* "Basic, NTLM" */
};

static void
xport_proxy_http_reply_cleanup(struct xport_proxy_http_reply *h)
{
	free(h->reason);
	free(h->ntlm);
	buf_cleanup(&h->schemes);
}

/* Parse the header block hdr (NUL-terminated, len bytes). */
static int
xport_proxy_http_parse(char *hdr, struct xport_proxy_http_reply *h)
{
	char	*line, *next, *colon, *value, *sp;
	long	 v;

	memset(h, 0, sizeof *h);
	h->content_length = -1;
	buf_init(&h->schemes, 256);
	for (line = hdr; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next == NULL)
			break;
		*next++ = '\0';
		if (next - line >= 2 && next[-2] == '\r')
			next[-2] = '\0';
		if (line == hdr) {
			/* HTTP/1.x SP 3DIGIT [SP reason] */
			if (strncmp(line, "HTTP/1.", 7) != 0 ||
			    line[7] < '0' || line[7] > '9' || line[8] != ' ' ||
			    line[9] < '1' || line[9] > '5' ||
			    line[10] < '0' || line[10] > '9' ||
			    line[11] < '0' || line[11] > '9' ||
			    (line[12] != ' ' && line[12] != '\0'))
				return -1;
			h->status = (line[9] - '0') * 100 +
			    (line[10] - '0') * 10 + (line[11] - '0');
			value = line[12] == ' ' ? line + 13 : line + 12;
			h->reason = str_escape(value, strnlen(value, 200));
			continue;
		}
		if (*line == '\0')
			break;
		colon = strchr(line, ':');
		if (colon == NULL || colon == line)
			return -1;
		*colon = '\0';
		value = str_trim(colon + 1);
		if (strcasecmp(line, "Content-Length") == 0) {
			if (str_to_int(value, 0, XPORT_PROXY_BODY_MAX, &v) !=
			    PC_OK)
				return -1;
			h->content_length = v;
		} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
			h->chunked = strcasecmp(value, "identity") != 0;
		} else if (strcasecmp(line, "Connection") == 0 ||
		    strcasecmp(line, "Proxy-Connection") == 0) {
			if (strcasecmp(value, "close") == 0)
				h->close = 1;
		} else if (strcasecmp(line, "Proxy-Authenticate") == 0 ||
		    strcasecmp(line, "WWW-Authenticate") == 0) {
			sp = strchr(value, ' ');
			if (strncasecmp(value, "NTLM", 4) == 0 &&
			    sp == value + 4 && h->ntlm == NULL)
				h->ntlm = xstrdup(str_trim(sp + 1));
			if (sp != NULL)
				*sp = '\0';
			value = str_escape(value, strnlen(value, 32));
			buf_addf(&h->schemes, "%s%s", h->schemes.len ? ", " :
			    "", value);
			free(value);
		}
	}
	return h->status != 0 ? 0 : -1;
}

/* The second NTLM leg: answer the challenge with an AUTHENTICATE. */
static enum pc_err
xport_proxy_ntlm_answer(struct xport_proxy *p, const char *b64)
{
	struct ntlm_challenge	 ch;
	unsigned char		*raw = NULL, *m = NULL, cchal[8];
	size_t			 rawlen = 0, mlen = 0;
	char			*cause = NULL, *enc = NULL, *auth = NULL;
	WC_RNG			 rng;
	enum pc_err		 rc;

	if (b64_decode(b64, strlen(b64), &raw, &rawlen) != PC_OK)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY_AUTH, PC_E_PROTO,
		    "the NTLM challenge is not valid base64");
	rc = ntlm_challenge_parse(raw, rawlen, &ch, &cause);
	free(raw);
	if (rc) {
		rc = xport_proxy_failed(p, XPORT_FAIL_PROXY_AUTH, rc, "%s",
		    cause);
		free(cause);
		return rc;
	}
	if (wc_InitRng(&rng) != 0 ||
	    wc_RNG_GenerateBlock(&rng, cchal, sizeof cchal) != 0) {
		ntlm_challenge_cleanup(&ch);
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_IO,
		    "no random numbers for the NTLM client challenge");
	}
	wc_FreeRng(&rng);
	rc = ntlm_authenticate(&ch, p->user, p->domain, p->password, cchal,
	    ntlm_filetime((int64_t)time(NULL)), &m, &mlen, &cause);
	ntlm_challenge_cleanup(&ch);
	if (rc) {
		rc = xport_proxy_failed(p, XPORT_FAIL_PROXY_AUTH, rc, "%s",
		    cause);
		free(cause);
		return rc;
	}
	enc = b64_encode(m, mlen);
	auth = xasprintf("NTLM %s", enc);
	xport_proxy_http_request(p, auth);
	xfreezero(m, mlen);
	xfree_secret(enc);
	xfree_secret(auth);
	p->ntlm_leg = 2;
	return PC_OK;
}

static enum pc_err
xport_proxy_http_reply(struct xport_proxy *p)
{
	struct xport_proxy_http_reply	 h;
	size_t				 end, n;
	char				*hdr, code[8], *user, *esc;
	enum pc_err			 rc = PC_OK;

	/*
	 * Something that is not HTTP at all (an SMTP or SSH banner: the
	 * proxy address points at another service) is quoted at once,
	 * rather than waited on until the timeout as if the proxy were
	 * silent.
	 */
	n = p->in.len < 5 ? p->in.len : 5;
	if (n > 0 && memcmp(p->in.data, "HTTP/", n) != 0) {
		n = strcspn(p->in.data, "\r\n");
		if (n > p->in.len)
			n = p->in.len;
		if (n == p->in.len && n < 80 && p->in.len < XPORT_PROXY_HDR_MAX)
			return PC_E_AGAIN;	/* the rest of the line */
		esc = str_escape(p->in.data, n < 120 ? n : 120);
		rc = xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "the proxy answered with something that is not HTTP: "
		    "\"%s\" (is the proxy address really an HTTP proxy?)",
		    esc);
		free(esc);
		return rc;
	}

	/* The end marker is up to 3 bytes: look again at the last two. */
	end = xport_proxy_http_end(p->in.data, p->in.len, p->http_scanned > 2 ?
	    p->http_scanned - 2 : 0);
	if (end == 0 && p->in.len < XPORT_PROXY_HDR_MAX) {
		p->http_scanned = p->in.len;
		return PC_E_AGAIN;
	}
	p->http_scanned = 0;
	if (end == 0 || end > XPORT_PROXY_HDR_MAX)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "reply header block larger than 16 KiB");
	if (memchr(p->in.data, '\0', end) != NULL)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "reply header holds a NUL byte");
	hdr = xstrndup(p->in.data, end);
	buf_consume(&p->in, end);
	if (xport_proxy_http_parse(hdr, &h) != 0) {
		free(hdr);
		xport_proxy_http_reply_cleanup(&h);
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "not an HTTP reply");
	}
	free(hdr);
	snprintf(code, sizeof code, "%d", h.status);
	xport_note(&p->base, "%s: %s %s", p->label, code, h.reason);

	if (h.status >= 200 && h.status < 300) {
		p->ph = XPORT_PROXY_DONE;
		goto out;
	}
	if (h.status != 407 && h.status != 401) {
		rc = xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_IO,
		    "the proxy refused the connection: HTTP %s %s", code,
		    h.reason);
		goto out;
	}
	user = p->user != NULL ? str_escape(p->user, strlen(p->user)) : NULL;
	if (p->user == NULL)
		rc = xport_proxy_failed(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy requires authentication (HTTP %s), and no "
		    "credentials are configured", code);
	else if (p->ntlm_leg == 1 && h.ntlm == NULL)
		rc = xport_proxy_failed(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy does not offer NTLM (it offers: %s)",
		    h.schemes.len ? h.schemes.data : "nothing");
	else if (p->ntlm_leg == 1 && (h.chunked || h.close))
		rc = xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "the proxy %s after its NTLM challenge; NTLM needs one "
		    "persistent connection", h.close ?
		    "closes the connection" : "sends a chunked body");
	else if (p->ntlm_leg == 1) {
		xport_note(&p->base, "%s: NTLM challenge received, answering "
		    "as %s\\%s", p->label, p->domain, user);
		p->skip = h.content_length > 0 ? (size_t)h.content_length : 0;
		rc = xport_proxy_ntlm_answer(p, h.ntlm);
		if (rc == PC_OK && p->skip > 0)
			p->ph = XPORT_PROXY_HTTP_SKIP;
	} else
		rc = xport_proxy_failed(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy rejected the credentials of \"%s\" (HTTP %s)",
		    user, code);
	free(user);
out:
	xport_proxy_http_reply_cleanup(&h);
	return rc;
}

static enum pc_err
xport_proxy_http_skip(struct xport_proxy *p)
{
	size_t	 n = p->in.len < p->skip ? p->in.len : p->skip;

	buf_consume(&p->in, n);
	p->skip -= n;
	if (p->skip > 0)
		return PC_E_AGAIN;
	p->ph = XPORT_PROXY_HTTP_REPLY;
	return PC_OK;
}

/* Write queued request bytes.  PC_OK when all are out. */
static enum pc_err
xport_proxy_send(struct xport_proxy *p)
{
	enum pc_err	 rc;
	size_t		 put;

	while (p->out.len > 0) {
		rc = xport_write(p->base.next, p->out.data, p->out.len, &put);
		if (rc == PC_E_AGAIN)
			return rc;
		if (rc) {
			char	*esc = str_escape(xport_cause(p->base.next),
			    strlen(xport_cause(p->base.next)));

			rc = xport_proxy_failed(p, XPORT_FAIL_PROXY, rc,
			    "sending to the proxy failed: %s", esc);
			free(esc);
			return rc;
		}
		/* Wipe what went out: it may hold credentials. */
		explicit_bzero(p->out.data, put);
		buf_consume(&p->out, put);
	}
	return PC_OK;
}

/* Read more reply bytes.  PC_OK when some arrived. */
static enum pc_err
xport_proxy_recv(struct xport_proxy *p)
{
	char		 chunk[XPORT_CHUNK];
	size_t		 room = p->in.max - p->in.len, got;
	enum pc_err	 rc;

	if (room == 0)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "reply too long");
	rc = xport_read(p->base.next, chunk, room < sizeof chunk ? room :
	    sizeof chunk, &got);
	if (rc == PC_E_AGAIN)
		return rc;
	if (rc == PC_E_CLOSED)
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    p->in.len == 0 ? "the proxy closed the connection without "
		    "a reply" : "the proxy closed the connection in the "
		    "middle of its reply");
	if (rc) {
		char	*esc = str_escape(xport_cause(p->base.next),
		    strlen(xport_cause(p->base.next)));

		rc = xport_proxy_failed(p, XPORT_FAIL_PROXY, rc,
		    "receiving from the proxy failed: %s", esc);
		free(esc);
		return rc;
	}
	buf_add(&p->in, chunk, got);
	return PC_OK;
}

static enum pc_err
xport_proxy_parse(struct xport_proxy *p)
{
	switch (p->ph) {
	case XPORT_PROXY_S4_REPLY:
		return xport_proxy_s4_reply(p);
	case XPORT_PROXY_S5_METHOD:
		return xport_proxy_s5_method(p);
	case XPORT_PROXY_S5_AUTH:
		return xport_proxy_s5_auth(p);
	case XPORT_PROXY_S5_REPLY:
		return xport_proxy_s5_reply(p);
	case XPORT_PROXY_HTTP_SKIP:
		return xport_proxy_http_skip(p);
	case XPORT_PROXY_HTTP_REPLY:
		return xport_proxy_http_reply(p);
	default:
		return PC_E_INVALID;
	}
}

static enum pc_err
xport_proxy_connect(struct xport *x)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;
	enum pc_err		 rc;
	char			*via, *esc;

	for (;;) {
		switch (p->ph) {
		case XPORT_PROXY_DONE:
			return PC_OK;
		case XPORT_PROXY_FAILED:
			return p->fail_rc;
		case XPORT_PROXY_CONNECT:
			rc = xport_connect(x->next);
			if (rc == PC_E_AGAIN)
				return rc;
			if (rc) {
				via = xport_proxy_hostport(p->proxy_host,
				    p->proxy_port);
				esc = str_escape(xport_cause(x->next),
				    strlen(xport_cause(x->next)));
				rc = xport_proxy_failed(p, XPORT_FAIL_PROXY, rc,
				    "cannot reach the proxy %s: %s", via, esc);
				free(via);
				free(esc);
				return rc;
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
		default:
			break;
		}
		rc = xport_proxy_send(p);
		if (rc == PC_E_AGAIN)
			goto again;
		if (rc)
			return rc;
		rc = xport_proxy_parse(p);
		if (rc == PC_OK)
			continue;
		if (rc != PC_E_AGAIN)
			return rc;
		rc = xport_proxy_recv(p);
		if (rc == PC_E_AGAIN)
			goto again;
		if (rc)
			return rc;
	}
again:
	if (xport_expired(x))
		return xport_proxy_failed(p, XPORT_FAIL_PROXY, PC_E_TIMEOUT,
		    p->ph == XPORT_PROXY_RESOLVE ? "the local lookup of the "
		    "destination did not finish within the timeout" :
		    "no answer from the proxy within the timeout");
	return PC_E_AGAIN;
}

static enum pc_err
xport_proxy_read(struct xport *x, void *buf, size_t len, size_t *got)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;
	size_t			 n;

	if (p->ph != XPORT_PROXY_DONE)
		return PC_E_INVALID;
	if (p->in.len > 0) {
		n = p->in.len < len ? p->in.len : len;
		memcpy(buf, p->in.data, n);
		buf_consume(&p->in, n);
		*got = n;
		return PC_OK;
	}
	return xport_read(x->next, buf, len, got);
}

static enum pc_err
xport_proxy_write(struct xport *x, const void *buf, size_t len, size_t *put)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;

	if (p->ph != XPORT_PROXY_DONE)
		return PC_E_INVALID;
	return xport_write(x->next, buf, len, put);
}

static short
xport_proxy_poll_events(struct xport *x)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;
	short			 ev = xport_poll_events(x->next);

	switch (p->ph) {
	case XPORT_PROXY_CONNECT:
	case XPORT_PROXY_DONE:
	case XPORT_PROXY_FAILED:
		return ev;
	case XPORT_PROXY_RESOLVE:
		return POLLIN;
	default:
		return ev | (p->out.len > 0 ? POLLOUT : POLLIN);
	}
}

static int
xport_proxy_fd(struct xport *x)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;

	if (p->ph == XPORT_PROXY_RESOLVE)
		return xport_dns_fd(p->dns);
	return xport_fd(x->next);
}

static size_t
xport_proxy_pending(struct xport *x)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;

	return p->in.len + xport_pending(x->next);
}

static void
xport_proxy_free(struct xport *x)
{
	struct xport_proxy	*p = (struct xport_proxy *)x;

	buf_cleanup(&p->out);
	buf_cleanup(&p->in);
	xport_dns_free(p->dns);
	free(p->proxy_host);
	free(p->host);
	free(p->user);
	xfree_secret(p->password);
	free(p->domain);
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

/* 1 when s holds a control character (CR/LF would inject headers). */
static int
xport_proxy_has_ctl(const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	}
	return 0;
}

static const char *
xport_proxy_check(const struct xport_proxy_cfg *cfg, const char *host)
{
	const char	*user = cfg->username, *pass = cfg->password;
	unsigned char	 ip[16];
	int		 creds = user != NULL && *user != '\0';

	if (*host == '\0')
		return "the destination host is empty";
	if (cfg->port < 1 || cfg->port > 65535)
		return "the destination port is not in 1-65535";
	if (xport_proxy_has_ctl(host) || xport_proxy_has_ctl(user) ||
	    xport_proxy_has_ctl(cfg->domain))
		return "a host, user or domain holds a control character";
	if (strlen(host) > XPORT_PROXY_NAME_MAX)
		return "the destination host is longer than 255 bytes";
	switch (cfg->type) {
	case XPORT_PROXY_SOCKS4:
	case XPORT_PROXY_SOCKS4A:
		if (xport_dns_parse_ip(host, ip) == AF_INET6)
			return "SOCKS4 cannot carry an IPv6 destination: use "
			    "SOCKS5";
		if (creds && strlen(user) > XPORT_PROXY_NAME_MAX)
			return "the proxy user is longer than 255 bytes";
		break;
	case XPORT_PROXY_SOCKS5:
		if (creds && (strlen(user) > XPORT_PROXY_NAME_MAX ||
		    (pass != NULL && strlen(pass) > XPORT_PROXY_NAME_MAX)))
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
xport_proxy_new(struct xport *next, const struct xport_proxy_cfg *cfg,
    struct xport **out, char **cause)
{
	static const char *const labels[] = {
		[XPORT_PROXY_SOCKS4] = "SOCKS4",
		[XPORT_PROXY_SOCKS4A] = "SOCKS4a",
		[XPORT_PROXY_SOCKS5] = "SOCKS5",
		[XPORT_PROXY_HTTP] = "HTTP CONNECT",
	};
	struct xport_proxy	*p;
	const char		*why;
	char			*host;
	size_t			 len;

	*out = NULL;
	host = xstrdup(cfg->host != NULL ? cfg->host : "");
	len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		memmove(host, host + 1, len - 2);
		host[len - 2] = '\0';
	}
	why = xport_proxy_check(cfg, host);
	if (why != NULL) {
		if (cause != NULL)
			*cause = xstrdup(why);
		free(host);
		return PC_E_INVALID;
	}

	p = xcalloc(1, sizeof *p);
	xport_init(&p->base, &xport_proxy_ops, next);
	p->type = cfg->type;
	p->label = labels[cfg->type];
	p->proxy_host = xstrdup(cfg->proxy_host != NULL ? cfg->proxy_host :
	    "?");
	p->proxy_port = cfg->proxy_port;
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
	p->ph = XPORT_PROXY_CONNECT;
	buf_init_secret(&p->out, 0);
	buf_init(&p->in, XPORT_PROXY_HDR_MAX + XPORT_CHUNK);
	*out = &p->base;
	return PC_OK;
}
