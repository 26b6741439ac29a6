/*
 * test_proxy.c - the proxy handshakes of proxy.c, proxy_socks.c and
 * proxy_http.c driven without any transport: each test feeds the proxy's
 * bytes and checks the exact bytes the client sends, the moment it needs
 * more input, the tunnel bytes it keeps, and the class, return code and
 * words of each failure.  No cause or trace note may hold the password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "popconn/buf.h"
#include "popconn/ntlm.h"
#include "popconn/str.h"
#include "popconn/xport.h"
#include "net/net_int.h"
#include "helpers/ntlm_chal.h"

#define SECRET	"proxypass"

/* The handshake under test and the trace notes it gave. */
static struct proxy	 hs;
static struct buf	 notes;

static void
notes_cb(void *arg, const char *text)
{
	(void)arg;
	buf_addf(&notes, "%s\n", text);
}

/* A started handshake; ip4 as for proxy_start. */
static struct proxy *
hs_start(enum xport_proxy_type type, const char *host, int port,
    const char *user, const char *pass, const char *domain,
    const unsigned char *ip4)
{
	struct xport_proxy_cfg	 cfg = {
		.type = type, .proxy_host = "127.0.0.1", .proxy_port = 1080,
		.host = host, .port = port, .username = user,
		.password = pass, .domain = domain,
	};
	char			*cause = NULL;

	assert_int_equal(proxy_init(&hs, &cfg, &cause), PC_OK);
	assert_null(cause);
	buf_init(&notes, 0);
	hs.note = notes_cb;
	proxy_start(&hs, ip4);
	return &hs;
}

/* The next action is to send exactly these bytes; they go out. */
static void
expect_send(struct proxy *p, const void *bytes, size_t len)
{
	assert_int_equal(proxy_step(p), PROXY_SEND);
	assert_int_equal(p->out.len, len);
	assert_memory_equal(p->out.data, bytes, len);
	proxy_sent(p, len);
}

#define EXPECT_SEND(p, lit)	expect_send((p), (lit), sizeof (lit) - 1)

static void
feed(struct proxy *p, const void *bytes, size_t len)
{
	assert_int_equal(proxy_feed(p, bytes, len), len);
}

#define FEED(p, lit)		feed((p), (lit), sizeof (lit) - 1)
/* The handshake waits for input; it gets these bytes. */
#define NEED_FEED(p, lit) do {						\
	assert_int_equal(proxy_step(p), PROXY_NEED);			\
	FEED((p), lit);							\
} while (0)

/* The tunnel is ready and holds these first bytes. */
static void
expect_done(struct proxy *p, const char *tunnel)
{
	assert_int_equal(proxy_step(p), PROXY_DONE);
	assert_int_equal(p->in.len, strlen(tunnel));
	assert_memory_equal(p->in.data, tunnel, p->in.len);
}

/* The handshake failed with this class and rc, its cause holding words. */
static void
expect_fail(struct proxy *p, enum xport_fail f, enum pc_err rc,
    const char *words)
{
	assert_int_equal(proxy_step(p), PROXY_FAILED);
	assert_int_equal(p->fail, f);
	assert_int_equal(p->fail_rc, rc);
	assert_non_null(p->cause);
	if (strstr(p->cause, words) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", p->cause, words);
	/* The cause is a trace note too; the step stays final. */
	assert_non_null(strstr(notes.data, p->cause));
	assert_int_equal(proxy_step(p), PROXY_FAILED);
}

/* No secret anywhere; free the handshake. */
static void
hs_end(struct proxy *p)
{
	if (notes.data != NULL)
		assert_null(strstr(notes.data, SECRET));
	if (p->cause != NULL)
		assert_null(strstr(p->cause, SECRET));
	proxy_cleanup(p);
	buf_cleanup(&notes);
}

/* ---- SOCKS4 / SOCKS4a --------------------------------------------- */

static void
test_proxy_socks4(void **state)
{
	static const unsigned char ip[4] = { 192, 0, 2, 7 };
	struct proxy	*p;

	(void)state;
	/* An IPv4 literal: VN 4, CD 1, port 110, the address, the user. */
	p = hs_start(XPORT_PROXY_SOCKS4, "127.0.0.1", 110, "proxyuser",
	    SECRET, NULL, NULL);
	EXPECT_SEND(p, "\x04\x01\x00\x6e\x7f\x00\x00\x01proxyuser\0");
	NEED_FEED(p, "\x00\x5a\x00\x00");
	NEED_FEED(p, "\x00\x00\x00\x00+OK hi\r\n");
	/* What followed the reply is the tunnel's. */
	expect_done(p, "+OK hi\r\n");
	assert_non_null(strstr(notes.data, "SOCKS4: request granted"));
	hs_end(p);

	/* A name resolved by the caller: its address goes out. */
	p = hs_start(XPORT_PROXY_SOCKS4, "pop.example.com", 995, NULL, NULL,
	    NULL, ip);
	EXPECT_SEND(p, "\x04\x01\x03\xe3\xc0\x00\x02\x07\0");
	hs_end(p);

	/* A name nobody resolved cannot go out. */
	p = hs_start(XPORT_PROXY_SOCKS4, "pop.example.com", 995, NULL, NULL,
	    NULL, NULL);
	expect_fail(p, XPORT_FAIL_DNS, PC_E_INVALID, "IPv4 address");
	hs_end(p);
}

static void
test_proxy_socks4a(void **state)
{
	struct proxy	*p;

	(void)state;
	/* A name: the address 0.0.0.1, then user and name for the proxy. */
	p = hs_start(XPORT_PROXY_SOCKS4A, "pop.example.com", 995, "u", "pw",
	    NULL, NULL);
	EXPECT_SEND(p, "\x04\x01\x03\xe3\x00\x00\x00\x01u\0"
	    "pop.example.com\0");
	FEED(p, "\x00\x5a\x03\xe3\x00\x00\x00\x00");
	expect_done(p, "");
	hs_end(p);

	/* An IPv4 literal goes as an address, also in SOCKS4a. */
	p = hs_start(XPORT_PROXY_SOCKS4A, "10.1.2.3", 110, NULL, NULL, NULL,
	    NULL);
	EXPECT_SEND(p, "\x04\x01\x00\x6e\x0a\x01\x02\x03\0");
	hs_end(p);
}

static void
test_proxy_socks4_refusals(void **state)
{
	static const struct {
		unsigned char	 code;
		enum xport_fail	 f;
		const char	*words;
	} cases[] = {
		{ 0x5b, XPORT_FAIL_PROXY, "request rejected or failed (reply "
		    "0x5b)" },
		{ 0x5c, XPORT_FAIL_PROXY, "cannot reach the identd of the "
		    "client (reply 0x5c)" },
		{ 0x5d, XPORT_FAIL_PROXY_AUTH, "report different user-ids "
		    "(reply 0x5d)" },
		{ 0x42, XPORT_FAIL_PROXY, "unknown reply code (reply 0x42)" },
	};
	unsigned char	 reply[2] = { 0, 0 };
	struct proxy	*p;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		p = hs_start(XPORT_PROXY_SOCKS4, "127.0.0.1", 110, "u", NULL,
		    NULL, NULL);
		EXPECT_SEND(p, "\x04\x01\x00\x6e\x7f\x00\x00\x01u\0");
		/* Two bytes are enough to refuse. */
		reply[1] = cases[i].code;
		feed(p, reply, 2);
		expect_fail(p, cases[i].f, PC_E_IO, cases[i].words);
		assert_int_equal(p->out.len, 0);
		hs_end(p);
	}

	/* Not a SOCKS4 reply at all. */
	p = hs_start(XPORT_PROXY_SOCKS4, "127.0.0.1", 110, NULL, NULL, NULL,
	    NULL);
	EXPECT_SEND(p, "\x04\x01\x00\x6e\x7f\x00\x00\x01\0");
	FEED(p, "\x04\x5a");
	expect_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO, "version byte is not 0");
	hs_end(p);
}

/* ---- SOCKS5 --------------------------------------------------------- */

static void
test_proxy_socks5(void **state)
{
	struct proxy	*p;

	(void)state;
	/* No credentials: method 0 only; a name goes as ATYP 3. */
	p = hs_start(XPORT_PROXY_SOCKS5, "pop.example.com", 995, NULL, NULL,
	    NULL, NULL);
	EXPECT_SEND(p, "\x05\x01\x00");
	NEED_FEED(p, "\x05\x00");
	EXPECT_SEND(p, "\x05\x01\x00\x03\x0fpop.example.com\x03\xe3");
	/* The bound address is a name of 4 bytes here. */
	NEED_FEED(p, "\x05\x00\x00\x03\x04");
	NEED_FEED(p, "host\x00\x50+OK");
	expect_done(p, "+OK");
	hs_end(p);

	/* IPv4 and IPv6 destinations go as addresses. */
	p = hs_start(XPORT_PROXY_SOCKS5, "192.0.2.7", 110, NULL, NULL, NULL,
	    NULL);
	EXPECT_SEND(p, "\x05\x01\x00");
	FEED(p, "\x05\x00");
	EXPECT_SEND(p, "\x05\x01\x00\x01\xc0\x00\x02\x07\x00\x6e");
	FEED(p, "\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38");
	assert_int_equal(proxy_step(p), PROXY_DONE);
	hs_end(p);

	p = hs_start(XPORT_PROXY_SOCKS5, "[2001:db8::7]", 110, NULL, NULL,
	    NULL, NULL);
	EXPECT_SEND(p, "\x05\x01\x00");
	FEED(p, "\x05\x00");
	EXPECT_SEND(p, "\x05\x01\x00\x04\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0"
	    "\0\0\0\x07\x00\x6e");
	FEED(p, "\x05\x00\x00\x04" "0123456789abcdef" "\x00\x01");
	assert_int_equal(proxy_step(p), PROXY_DONE);
	hs_end(p);
}

static void
test_proxy_socks5_password(void **state)
{
	struct proxy	*p;

	(void)state;
	p = hs_start(XPORT_PROXY_SOCKS5, "pop.example.com", 995, "proxyuser",
	    SECRET, NULL, NULL);
	/* Offers none and username/password. */
	EXPECT_SEND(p, "\x05\x02\x00\x02");
	FEED(p, "\x05\x02");
	/* RFC 1929: version 1, user, password. */
	EXPECT_SEND(p, "\x01\x09proxyuser\x09" SECRET);
	NEED_FEED(p, "\x01\x00");
	EXPECT_SEND(p, "\x05\x01\x00\x03\x0fpop.example.com\x03\xe3");
	FEED(p, "\x05\x00\x00\x01\0\0\0\0\0\0");
	assert_int_equal(proxy_step(p), PROXY_DONE);
	assert_non_null(strstr(notes.data, "SOCKS5: authenticated as "
	    "proxyuser"));
	hs_end(p);

	/* The proxy may choose no authentication although we offer it. */
	p = hs_start(XPORT_PROXY_SOCKS5, "pop.example.com", 995, "proxyuser",
	    SECRET, NULL, NULL);
	EXPECT_SEND(p, "\x05\x02\x00\x02");
	FEED(p, "\x05\x00");
	EXPECT_SEND(p, "\x05\x01\x00\x03\x0fpop.example.com\x03\xe3");
	hs_end(p);
}

/* SOCKS5 up to the connect request, credentials or not. */
static struct proxy *
s5_at_reply(int creds)
{
	struct proxy	*p;

	p = hs_start(XPORT_PROXY_SOCKS5, "10.0.0.1", 110, creds ? "u" : NULL,
	    creds ? SECRET : NULL, NULL, NULL);
	if (creds) {
		EXPECT_SEND(p, "\x05\x02\x00\x02");
		FEED(p, "\x05\x02");
		EXPECT_SEND(p, "\x01\x01u\x09" SECRET);
		FEED(p, "\x01\x00");
	} else {
		EXPECT_SEND(p, "\x05\x01\x00");
		FEED(p, "\x05\x00");
	}
	EXPECT_SEND(p, "\x05\x01\x00\x01\x0a\x00\x00\x01\x00\x6e");
	return p;
}

static void
test_proxy_socks5_refusals(void **state)
{
	static const struct {
		const char	*user, *reply;
		enum xport_fail	 f;
		enum pc_err	 rc;
		const char	*words;
	} methods[] = {
		{ NULL, "\x05\xff", XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "requires authentication, and no credentials are "
		    "configured" },
		{ "u", "\x05\xff", XPORT_FAIL_PROXY_AUTH, PC_E_AUTH,
		    "accepts none of the offered methods" },
		{ NULL, "\x05\x02", XPORT_FAIL_PROXY, PC_E_PROTO,
		    "chose authentication method 0x02, which was not "
		    "offered" },
		{ NULL, "HT", XPORT_FAIL_PROXY, PC_E_PROTO,
		    "version byte is not 5" },
	};
	unsigned char	 reply[2] = { 5, 0 };
	char		 words[160];
	struct proxy	*p;
	unsigned	 code;
	size_t		 i;

	(void)state;
	/* Each reply code, in words, with its number. */
	for (code = 1; code <= 9; code++) {
		p = s5_at_reply(0);
		reply[1] = (unsigned char)code;
		feed(p, reply, 2);
		snprintf(words, sizeof words, "%s (reply 0x%02x)",
		    xport_proxy_socks5_str(code), code);
		expect_fail(p, XPORT_FAIL_PROXY, PC_E_IO, words);
		hs_end(p);
	}
	assert_string_equal(xport_proxy_socks5_str(5),
	    "connection refused by destination host");
	assert_string_equal(xport_proxy_socks5_str(9), "unknown reply code");

	/* "Not allowed" after a login may be about the password. */
	p = s5_at_reply(1);
	FEED(p, "\x05\x02");
	expect_fail(p, XPORT_FAIL_PROXY, PC_E_IO, "checks the user name and "
	    "password only here");
	hs_end(p);

	/* An address type no one knows. */
	p = s5_at_reply(0);
	FEED(p, "\x05\x00\x00\x07\x00");
	expect_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO, "unknown address type "
	    "0x07");
	hs_end(p);

	/* Method refusals: a reply to each greeting. */
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		p = hs_start(XPORT_PROXY_SOCKS5, "10.0.0.1", 110,
		    methods[i].user, SECRET, NULL, NULL);
		assert_int_equal(proxy_step(p), PROXY_SEND);
		proxy_sent(p, p->out.len);
		feed(p, methods[i].reply, 2);
		expect_fail(p, methods[i].f, methods[i].rc, methods[i].words);
		hs_end(p);
	}

	/* The password is refused: the user is named, never the secret. */
	p = hs_start(XPORT_PROXY_SOCKS5, "10.0.0.1", 110, "proxyuser", SECRET,
	    NULL, NULL);
	EXPECT_SEND(p, "\x05\x02\x00\x02");
	FEED(p, "\x05\x02");
	EXPECT_SEND(p, "\x01\x09proxyuser\x09" SECRET);
	FEED(p, "\x01\x01");
	expect_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH, "rejected the "
	    "username or password for \"proxyuser\" (status 1)");
	hs_end(p);
}

/* ---- HTTP CONNECT --------------------------------------------------- */

#define CONNECT_REQ(auth) \
	"CONNECT pop.example.com:995 HTTP/1.1\r\n" \
	"Host: pop.example.com:995\r\n" auth \
	"User-Agent: popconn/" POPCONN_VERSION "\r\n" \
	"Proxy-Connection: Keep-Alive\r\n\r\n"

/* HTTP CONNECT without credentials, its request sent. */
static struct proxy *
http_start(void)
{
	struct proxy	*p;

	p = hs_start(XPORT_PROXY_HTTP, "pop.example.com", 995, NULL, NULL,
	    NULL, NULL);
	EXPECT_SEND(p, CONNECT_REQ(""));
	return p;
}

static const char ok200[] = "HTTP/1.1 200 Connection established\r\n"
    "Via: test\r\n\r\n";

static void
test_proxy_http(void **state)
{
	struct proxy	*p;

	(void)state;
	p = http_start();
	assert_int_equal(proxy_step(p), PROXY_NEED);
	feed(p, ok200, strlen(ok200));
	FEED(p, "+OK ready\r\n");
	expect_done(p, "+OK ready\r\n");
	assert_non_null(strstr(notes.data, "HTTP CONNECT: 200 Connection "
	    "established"));
	hs_end(p);

	/* An IPv6 destination is bracketed. */
	p = hs_start(XPORT_PROXY_HTTP, "[2001:db8::7]", 110, NULL, NULL,
	    NULL, NULL);
	assert_int_equal(proxy_step(p), PROXY_SEND);
	assert_non_null(strstr(p->out.data, "CONNECT [2001:db8::7]:110 "
	    "HTTP/1.1\r\nHost: [2001:db8::7]:110\r\n"));
	hs_end(p);
}

static void
test_proxy_http_bytewise(void **state)
{
	static const char reply[] = "HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\n+OK";
	struct proxy	*p;
	size_t		 i, n = strlen(reply);

	(void)state;
	p = http_start();
	for (i = 0; i + 3 < n; i++) {
		assert_int_equal(proxy_step(p), PROXY_NEED);
		/* Searched bytes are not searched again. */
		assert_int_equal(p->http_scanned, i);
		feed(p, reply + i, 1);
	}
	expect_done(p, "");
	hs_end(p);

	/* A bare LF ends the block too. */
	p = http_start();
	FEED(p, "HTTP/1.1 200 OK\n\n");
	assert_int_equal(proxy_step(p), PROXY_DONE);
	hs_end(p);
}

/*
 * One request (with Basic credentials when user is set), one refusal of
 * len bytes.
 */
static void
http_refused(const char *user, const char *reply, size_t len,
    enum xport_fail f, enum pc_err rc, const char *words)
{
	struct proxy	*p;
	char		*pair, *b64, *req;

	pair = xasprintf("%s:%s", user != NULL ? user : "", SECRET);
	b64 = b64_encode(pair, strlen(pair));
	req = user == NULL ? xstrdup(CONNECT_REQ("")) :
	    xasprintf(CONNECT_REQ("Proxy-Authorization: Basic %s\r\n"), b64);
	p = hs_start(XPORT_PROXY_HTTP, "pop.example.com", 995, user, SECRET,
	    NULL, NULL);
	expect_send(p, req, strlen(req));
	assert_int_equal(proxy_step(p), PROXY_NEED);
	feed(p, reply, len);
	expect_fail(p, f, rc, words);
	hs_end(p);
	free(req);
	free(b64);
	free(pair);
}

#define HTTP_REFUSED(user, lit, f, rc, words) \
	http_refused((user), (lit), sizeof (lit) - 1, (f), (rc), (words))

static void
test_proxy_http_basic(void **state)
{
	(void)state;
	HTTP_REFUSED("proxyuser", "HTTP/1.1 407 Proxy Authentication "
	    "Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n",
	    XPORT_FAIL_PROXY_AUTH, PC_E_AUTH, "rejected the credentials of "
	    "\"proxyuser\" (HTTP 407)");
	/* tinyproxy says 401. */
	HTTP_REFUSED("proxyuser", "HTTP/1.1 401 Unauthorized\r\n\r\n",
	    XPORT_FAIL_PROXY_AUTH, PC_E_AUTH, "(HTTP 401)");
	/* No credentials configured. */
	HTTP_REFUSED(NULL, "HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "\r\n", XPORT_FAIL_PROXY_AUTH, PC_E_AUTH, "requires "
	    "authentication (HTTP 407), and no credentials are configured");
	/* Another refusal. */
	HTTP_REFUSED(NULL, "HTTP/1.1 403 Forbidden\r\n\r\n",
	    XPORT_FAIL_PROXY, PC_E_IO, "refused the connection: HTTP 403 "
	    "Forbidden");
}

/* The CONNECT with an NTLM token m (binary).  Caller frees. */
static char *
ntlm_request(const unsigned char *m, size_t len)
{
	char	*b64 = b64_encode(m, len), *s;

	s = xasprintf(CONNECT_REQ("Proxy-Authorization: NTLM %s\r\n"), b64);
	free(b64);
	return s;
}

/* A started NTLM handshake with a fixed client challenge and time. */
static struct proxy *
ntlm_start(void)
{
	struct proxy	*p;
	unsigned char	*m;
	size_t		 mlen;
	char		*req;

	p = hs_start(XPORT_PROXY_HTTP, "pop.example.com", 995, "proxyuser",
	    SECRET, "CORP", NULL);
	p->ntlm_fixed = 1;
	memcpy(p->ntlm_cchal, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	p->ntlm_time = 1700000000;
	/* Leg 1: NEGOTIATE. */
	ntlm_negotiate(&m, &mlen);
	req = ntlm_request(m, mlen);
	expect_send(p, req, strlen(req));
	free(req);
	free(m);
	return p;
}

static void
test_proxy_http_ntlm(void **state)
{
	struct ntlm_challenge	 ch;
	struct proxy		*p;
	unsigned char		*m;
	size_t			 mlen;
	char			*b64, *reply, *req, *cause = NULL;

	(void)state;
	p = ntlm_start();
	/* Leg 2: the CHALLENGE, with a body of 12 bytes split off. */
	b64 = b64_encode(ntlm_test_chal, sizeof ntlm_test_chal);
	reply = xasprintf("HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: Negotiate\r\nProxy-Authenticate: NTLM %s\r\n"
	    "Content-Length: 12\r\n\r\n<html>", b64);
	feed(p, reply, strlen(reply));

	/* Leg 3: the AUTHENTICATE for that challenge, byte for byte. */
	assert_int_equal(ntlm_challenge_parse(ntlm_test_chal,
	    sizeof ntlm_test_chal, &ch, &cause), PC_OK);
	assert_int_equal(ntlm_authenticate(&ch, "proxyuser", "CORP", SECRET,
	    (const unsigned char *)"\x11\x22\x33\x44\x55\x66\x77\x88",
	    ntlm_filetime(1700000000), &m, &mlen, &cause), PC_OK);
	req = ntlm_request(m, mlen);
	expect_send(p, req, strlen(req));
	assert_non_null(strstr(notes.data, "NTLM challenge received, "
	    "answering as CORP\\proxyuser"));
	/* The rest of the 407 body is skipped, then the 200 comes. */
	NEED_FEED(p, "</html");
	assert_int_equal(proxy_step(p), PROXY_NEED);
	feed(p, ok200, strlen(ok200));
	expect_done(p, "");
	hs_end(p);
	ntlm_challenge_cleanup(&ch);
	free(m);
	free(req);
	free(reply);
	free(b64);
}

static void
test_proxy_http_ntlm_failures(void **state)
{
	struct proxy	*p;
	char		*b64, *reply;

	(void)state;
	/* No NTLM on offer. */
	p = ntlm_start();
	FEED(p, "HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: Basic realm=\"x\"\r\n\r\n");
	expect_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH, "does not offer NTLM "
	    "(it offers: Basic)");
	hs_end(p);

	/* A challenge that is not one. */
	p = ntlm_start();
	FEED(p, "HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: NTLM TlRMTVNTUAACAAAA\r\n\r\n");
	expect_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_PROTO, "malformed NTLM");
	hs_end(p);

	p = ntlm_start();
	FEED(p, "HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: NTLM !!!\r\n\r\n");
	expect_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_PROTO, "not valid base64");
	hs_end(p);

	/* NTLM needs the connection to stay. */
	b64 = b64_encode(ntlm_test_chal, sizeof ntlm_test_chal);
	reply = xasprintf("HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: NTLM %s\r\nConnection: close\r\n\r\n", b64);
	p = ntlm_start();
	feed(p, reply, strlen(reply));
	expect_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO, "closes the connection "
	    "after its NTLM challenge");
	hs_end(p);
	free(reply);

	/* The third leg refused. */
	reply = xasprintf("HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: NTLM %s\r\n\r\n", b64);
	p = ntlm_start();
	feed(p, reply, strlen(reply));
	assert_int_equal(proxy_step(p), PROXY_SEND);
	proxy_sent(p, p->out.len);
	FEED(p, "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
	expect_fail(p, XPORT_FAIL_PROXY_AUTH, PC_E_AUTH, "rejected the "
	    "credentials of \"proxyuser\"");
	hs_end(p);
	free(reply);
	free(b64);
}

static void
test_proxy_http_bad_replies(void **state)
{
	struct proxy	*p;
	char		*big;
	size_t		 n;

	(void)state;
	/* A header block over 16 KiB, without its end. */
	p = http_start();
	FEED(p, "HTTP/1.1 200 OK\r\n");
	big = xmalloc(1024);
	memset(big, 'a', 1022);
	memcpy(big, "X-Pad: ", 7);
	memcpy(big + 1022, "\r\n", 2);
	for (n = 0; n < 16; n++) {
		assert_int_equal(proxy_step(p), PROXY_NEED);
		feed(p, big, 1024);
	}
	expect_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO, "reply header block "
	    "larger than 16 KiB");
	/* A failed handshake takes no more bytes. */
	assert_int_equal(proxy_feed(p, "x", 1), 0);
	hs_end(p);
	free(big);

	/* Not HTTP at all: quoted as soon as its line is there. */
	p = http_start();
	FEED(p, "SSH-2.0-Open");
	NEED_FEED(p, "SSH_9.2\r\n");
	expect_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO, "something that is not "
	    "HTTP: \"SSH-2.0-OpenSSH_9.2\"");
	hs_end(p);

	/* A broken status line, a NUL byte. */
	HTTP_REFUSED(NULL, "HTTP/1.1 2000 OK\r\n\r\n", XPORT_FAIL_PROXY,
	    PC_E_PROTO, "not an HTTP reply");
	HTTP_REFUSED(NULL, "HTTP/1.1 200 OK\r\nX: \0\r\n\r\n",
	    XPORT_FAIL_PROXY, PC_E_PROTO, "holds a NUL byte");
}

/* ---- configuration and driving -------------------------------------- */

static void
test_proxy_config(void **state)
{
	static const struct {
		enum xport_proxy_type type;
		const char	*host, *user, *words;
	} bad[] = {
		{ XPORT_PROXY_SOCKS4, "[2001:db8::1]", NULL, "IPv6" },
		{ XPORT_PROXY_SOCKS4A, "2001:db8::1", NULL, "IPv6" },
		{ XPORT_PROXY_HTTP, "a\r\nX-Evil: 1", NULL, "control" },
		{ XPORT_PROXY_HTTP, "pop.example.com", "a:b", "':'" },
		{ XPORT_PROXY_SOCKS5, "", NULL, "empty" },
	};
	struct xport_proxy_cfg	 cfg;
	struct proxy		 p;
	char			*cause, name[300];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&cfg, 0, sizeof cfg);
		cfg.type = bad[i].type;
		cfg.host = bad[i].host;
		cfg.port = 110;
		cfg.username = bad[i].user;
		cause = NULL;
		assert_int_equal(proxy_init(&p, &cfg, &cause), PC_E_INVALID);
		assert_non_null(cause);
		assert_non_null(strstr(cause, bad[i].words));
		free(cause);
	}
	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	memset(&cfg, 0, sizeof cfg);
	cfg.type = XPORT_PROXY_SOCKS5;
	cfg.host = name;
	cfg.port = 110;
	cause = NULL;
	assert_int_equal(proxy_init(&p, &cfg, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "255"));
	free(cause);
	cfg.host = "pop.example.com";
	cfg.port = 0;
	assert_int_equal(proxy_init(&p, &cfg, NULL), PC_E_INVALID);

	/* Stepping before the start is an error, not a hang. */
	cfg.port = 110;
	assert_int_equal(proxy_init(&p, &cfg, NULL), PC_OK);
	assert_int_equal(proxy_step(&p), PROXY_FAILED);
	assert_int_equal(p.fail_rc, PC_E_INVALID);
	proxy_cleanup(&p);
}

static void
test_proxy_feed_room(void **state)
{
	struct proxy	*p;
	char		*big;
	size_t		 room;

	(void)state;
	/* Tunnel bytes fill the room; then feeding fails the handshake. */
	p = s5_at_reply(0);
	FEED(p, "\x05\x00\x00\x01\0\0\0\0\0\0");
	assert_int_equal(proxy_step(p), PROXY_DONE);
	room = proxy_room(p);
	assert_true(room > 0);
	big = xcalloc(1, room + 10);
	assert_int_equal(proxy_feed(p, big, room + 10), room);
	assert_int_equal(proxy_room(p), 0);
	assert_int_equal(proxy_feed(p, big, 1), 0);
	expect_fail(p, XPORT_FAIL_PROXY, PC_E_PROTO, "reply too long");
	free(big);
	hs_end(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proxy_socks4),
		cmocka_unit_test(test_proxy_socks4a),
		cmocka_unit_test(test_proxy_socks4_refusals),
		cmocka_unit_test(test_proxy_socks5),
		cmocka_unit_test(test_proxy_socks5_password),
		cmocka_unit_test(test_proxy_socks5_refusals),
		cmocka_unit_test(test_proxy_http),
		cmocka_unit_test(test_proxy_http_bytewise),
		cmocka_unit_test(test_proxy_http_basic),
		cmocka_unit_test(test_proxy_http_ntlm),
		cmocka_unit_test(test_proxy_http_ntlm_failures),
		cmocka_unit_test(test_proxy_http_bad_replies),
		cmocka_unit_test(test_proxy_config),
		cmocka_unit_test(test_proxy_feed_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
