/*
 * proxy_http.c - the HTTP CONNECT handshake, sans I/O (RFC 9110 9.3.6),
 * with Basic auth (RFC 7617), or NTLM (MS-NLMP, see ntlm.c) when a domain
 * is configured.  proxy.c drives it: requests are queued in p->out, the
 * reply is parsed from p->in.
 *
 * A reply header block is capped at 16 KiB and searched for its end only
 * once per byte (http_scanned), however the reply is split.  HTTP 401 is
 * treated like 407: tinyproxy answers bad Basic credentials with 401.  A
 * 407 body is skipped by its Content-Length; a chunked 407 cannot carry an
 * NTLM leg here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include "popconn/buf.h"
#include "popconn/ntlm.h"
#include "popconn/str.h"
#include "popconn/xport.h"
#include "net/net_int.h"

#define XPORT_PROXY_BODY_MAX	(1024 * 1024) /* 407 body we skip */

static void
proxy_http_request(struct proxy *p, const char *auth)
{
	char	*hp = proxy_hostport(p->host, p->port);

	buf_addf(&p->out, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", hp, hp);
	if (auth != NULL)
		buf_addf(&p->out, "Proxy-Authorization: %s\r\n", auth);
	buf_addf(&p->out, "User-Agent: popconn/%s\r\n"
	    "Proxy-Connection: Keep-Alive\r\n\r\n", POPCONN_VERSION);
	free(hp);
	p->ph = PROXY_PH_HTTP_REPLY;
}

void
proxy_http_start(struct proxy *p)
{
	unsigned char	*m;
	size_t		 mlen;
	char		*b64, *auth, *pair;

	if (p->user == NULL) {
		proxy_http_request(p, NULL);
		return;
	}
	if (p->domain != NULL) {
		ntlm_negotiate(&m, &mlen);
		b64 = b64_encode(m, mlen);
		auth = xasprintf("NTLM %s", b64);
		proxy_http_request(p, auth);
		p->ntlm_leg = 1;
		free(m);
		free(b64);
		free(auth);
		return;
	}
	pair = xasprintf("%s:%s", p->user, p->password);
	b64 = b64_encode(pair, strlen(pair));
	auth = xasprintf("Basic %s", b64);
	proxy_http_request(p, auth);
	xfree_secret(pair);
	xfree_secret(b64);
	xfree_secret(auth);
}

/*
 * Where the header block ends (just past the empty line), or 0.  The scan
 * starts at from: bytes before it were searched already (a proxy that
 * sends its reply a byte at a time must not make the search quadratic).
 */
static size_t
proxy_http_end(const char *s, size_t len, size_t from)
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

struct proxy_http_reply {
	int		 status;
	char		*reason;	/* escaped */
	long		 content_length; /* -1 when absent */
	int		 chunked;
	int		 close;
	char		*ntlm;		/* base64 challenge, or NULL */
	struct buf	 schemes;	/* "Basic, NTLM" */
};

static void
proxy_http_reply_cleanup(struct proxy_http_reply *h)
{
	free(h->reason);
	free(h->ntlm);
	buf_cleanup(&h->schemes);
}

/* Parse the header block hdr (NUL-terminated, len bytes). */
static int
proxy_http_parse(char *hdr, struct proxy_http_reply *h)
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
proxy_http_ntlm_answer(struct proxy *p, const char *b64)
{
	struct ntlm_challenge	 ch;
	unsigned char		*raw = NULL, *m = NULL, cchal[8];
	size_t			 rawlen = 0, mlen = 0;
	char			*cause = NULL, *enc = NULL, *auth = NULL;
	WC_RNG			 rng;
	enum pc_err		 rc;

	if (b64_decode(b64, strlen(b64), &raw, &rawlen) != PC_OK)
		return proxy_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_PROTO,
		    "the NTLM challenge is not valid base64");
	rc = ntlm_challenge_parse(raw, rawlen, &ch, &cause);
	free(raw);
	if (rc) {
		rc = proxy_fail(p, XPORT_FAIL_PROXY_AUTH, rc, "%s",
		    cause);
		free(cause);
		return rc;
	}
	if (p->ntlm_fixed)
		memcpy(cchal, p->ntlm_cchal, sizeof cchal);
	else if (wc_InitRng(&rng) != 0 ||
	    wc_RNG_GenerateBlock(&rng, cchal, sizeof cchal) != 0) {
		ntlm_challenge_cleanup(&ch);
		return proxy_fail(p, XPORT_FAIL_PROXY, PC_E_IO,
		    "no random numbers for the NTLM client challenge");
	} else
		wc_FreeRng(&rng);
	rc = ntlm_authenticate(&ch, p->user, p->domain, p->password, cchal,
	    ntlm_filetime(p->ntlm_fixed ? p->ntlm_time : (int64_t)time(NULL)),
	    &m, &mlen, &cause);
	ntlm_challenge_cleanup(&ch);
	if (rc) {
		rc = proxy_fail(p, XPORT_FAIL_PROXY_AUTH, rc, "%s",
		    cause);
		free(cause);
		return rc;
	}
	enc = b64_encode(m, mlen);
	auth = xasprintf("NTLM %s", enc);
	proxy_http_request(p, auth);
	xfreezero(m, mlen);
	xfree_secret(enc);
	xfree_secret(auth);
	p->ntlm_leg = 2;
	return PC_OK;
}

enum pc_err
proxy_http_reply(struct proxy *p)
{
	struct proxy_http_reply	 h;
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
		rc = proxy_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "the proxy answered with something that is not HTTP: "
		    "\"%s\" (is the proxy address really an HTTP proxy?)",
		    esc);
		free(esc);
		return rc;
	}

	/* The end marker is up to 3 bytes: look again at the last two. */
	end = proxy_http_end(p->in.data, p->in.len, p->http_scanned > 2 ?
	    p->http_scanned - 2 : 0);
	if (end == 0 && p->in.len < XPORT_PROXY_HDR_MAX) {
		p->http_scanned = p->in.len;
		return PC_E_AGAIN;
	}
	p->http_scanned = 0;
	if (end == 0 || end > XPORT_PROXY_HDR_MAX)
		return proxy_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "reply header block larger than 16 KiB");
	if (memchr(p->in.data, '\0', end) != NULL)
		return proxy_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "reply header holds a NUL byte");
	hdr = xstrndup(p->in.data, end);
	buf_consume(&p->in, end);
	if (proxy_http_parse(hdr, &h) != 0) {
		free(hdr);
		proxy_http_reply_cleanup(&h);
		return proxy_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "not an HTTP reply");
	}
	free(hdr);
	snprintf(code, sizeof code, "%d", h.status);
	proxy_note(p, "%s: %s %s", p->label, code, h.reason);

	if (h.status >= 200 && h.status < 300) {
		p->ph = PROXY_PH_DONE;
		goto out;
	}
	if (h.status != 407 && h.status != 401) {
		rc = proxy_fail(p, XPORT_FAIL_PROXY, PC_E_IO,
		    "the proxy refused the connection: HTTP %s %s", code,
		    h.reason);
		goto out;
	}
	user = p->user != NULL ? str_escape(p->user, strlen(p->user)) : NULL;
	if (p->user == NULL)
		rc = proxy_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy requires authentication (HTTP %s), and no "
		    "credentials are configured", code);
	else if (p->ntlm_leg == 1 && h.ntlm == NULL)
		rc = proxy_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy does not offer NTLM (it offers: %s)",
		    h.schemes.len ? h.schemes.data : "nothing");
	else if (p->ntlm_leg == 1 && (h.chunked || h.close))
		rc = proxy_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO,
		    "the proxy %s after its NTLM challenge; NTLM needs one "
		    "persistent connection", h.close ?
		    "closes the connection" : "sends a chunked body");
	else if (p->ntlm_leg == 1) {
		proxy_note(p, "%s: NTLM challenge received, answering "
		    "as %s\\%s", p->label, p->domain, user);
		p->skip = h.content_length > 0 ? (size_t)h.content_length : 0;
		rc = proxy_http_ntlm_answer(p, h.ntlm);
		if (rc == PC_OK && p->skip > 0)
			p->ph = PROXY_PH_HTTP_SKIP;
	} else
		rc = proxy_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "the proxy rejected the credentials of \"%s\" (HTTP %s)",
		    user, code);
	free(user);
out:
	proxy_http_reply_cleanup(&h);
	return rc;
}

enum pc_err
proxy_http_skip(struct proxy *p)
{
	size_t	 n = p->in.len < p->skip ? p->in.len : p->skip;

	buf_consume(&p->in, n);
	p->skip -= n;
	if (p->skip > 0)
		return PC_E_AGAIN;
	p->ph = PROXY_PH_HTTP_REPLY;
	return PC_OK;
}
