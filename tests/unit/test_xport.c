/*
 * test_xport.c - the transport stack below TLS: the TCP transport against
 * real sockets on loopback (refused, ok, bind address, DNS failure,
 * timeout), the proxy clients against scripted peers (exact request bytes
 * of each SOCKS version and HTTP CONNECT, every failure reply, truncated
 * and oversized replies, NTLM), and the in-memory helper itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "popconn/buf.h"
#include "popconn/ntlm.h"
#include "popconn/str.h"
#include "popconn/xport.h"
#include "helpers/ntlm_chal.h"
#include "helpers/xport_mem.h"

#define SECRET	"proxypass"
/* SOCKS5 CONNECT 127.0.0.1:110 */
#define S5_REQ	"\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x6e"

/* Collects trace notes; each test checks the secret never shows up. */
struct notes {
	struct buf	 b;
};

static void
notes_cb(void *arg, const char *text)
{
	struct notes	*n = arg;

	buf_addf(&n->b, "%s\n", text);
}

static void
notes_init(struct notes *n)
{
	buf_init(&n->b, 0);
}

static const char *
notes_text(struct notes *n)
{
	return n->b.data != NULL ? n->b.data : "";
}

/* Drive connect, polling the descriptor when there is one. */
static enum pc_err
drive(struct xport *x, int max_ms)
{
	int64_t		 end = xport_now_ms() + max_ms;
	struct pollfd	 pfd;
	enum pc_err	 rc;

	for (;;) {
		rc = xport_connect(x);
		if (rc != PC_E_AGAIN)
			return rc;
		if (xport_now_ms() > end)
			return PC_E_AGAIN;
		pfd.fd = xport_fd(x);
		pfd.events = xport_poll_events(x);
		pfd.revents = 0;
		if (pfd.fd >= 0)
			(void)poll(&pfd, 1, 10);
	}
}

/* A listening socket on 127.0.0.1 (or ::1); *port gets its port. */
static int
listener(int family, int backlog, int *port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, one = 1;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *sin;
	} else {
		struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof *sin6;
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, backlog) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* A port on 127.0.0.1 with nobody listening. */
static int
closed_port(void)
{
	int	 port, fd = listener(AF_INET, 1, &port);

	assert_true(fd >= 0);
	close(fd);
	return port;
}

/* ---- TCP ---------------------------------------------------------- */

static void
test_xport_sock_refused(void **state)
{
	struct xport	*x = xport_sock_new("127.0.0.1", closed_port(), NULL);
	struct notes	 n;

	notes_init(&n);
	xport_set_note(x, notes_cb, &n);
	xport_set_deadline(x, xport_now_ms() + 5000);
	assert_int_equal(drive(x, 5000), PC_E_IO);
	assert_int_equal(xport_fail(x), XPORT_FAIL_REFUSED);
	assert_int_equal(xport_last_errno(x), ECONNREFUSED);
	assert_non_null(strstr(xport_cause(x), "127.0.0.1 port"));
	assert_non_null(strstr(xport_cause(x), "refused"));
	assert_int_equal(xport_fail_diag(xport_fail(x)),
	    DIAG_CONNECT_REFUSED);
	assert_string_equal(xport_fail_str(xport_fail(x)), "connect_refused");
	assert_non_null(strstr(notes_text(&n), "TCP: connecting to"));
	/* Final: another call gives the same answer. */
	assert_int_equal(xport_connect(x), PC_E_IO);
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_sock_ok(void **state)
{
	struct xport	*x;
	int		 lfd, port, cfd;
	char		 buf[64];
	size_t		 got, put;

	lfd = listener(AF_INET, 4, &port);
	assert_true(lfd >= 0);
	x = xport_sock_new("127.0.0.1", port, NULL);
	assert_int_equal(xport_read(x, buf, sizeof buf, &got), PC_E_INVALID);
	assert_int_equal(drive(x, 5000), PC_OK);
	assert_int_equal(xport_fail(x), XPORT_FAIL_NONE);
	assert_string_equal(xport_cause(x), "");
	assert_true(xport_fd(x) >= 0);
	snprintf(buf, sizeof buf, "127.0.0.1 port %d", port);
	assert_string_equal(xport_sock_peer(x), buf);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);

	assert_int_equal(xport_read(x, buf, sizeof buf, &got), PC_E_AGAIN);
	assert_int_equal(xport_pending(x), 0);
	assert_int_equal(write(cfd, "+OK hi\r\n", 8), 8);
	/* Wait until the bytes are in our receive queue. */
	for (int i = 0; i < 500 && xport_pending(x) < 8; i++)
		usleep(1000);
	assert_int_equal(xport_pending(x), 8);
	assert_int_equal(xport_read(x, buf, sizeof buf, &got), PC_OK);
	assert_int_equal(got, 8);
	assert_memory_equal(buf, "+OK hi\r\n", 8);
	assert_int_equal(xport_write(x, "QUIT\r\n", 6, &put), PC_OK);
	assert_int_equal(put, 6);
	assert_int_equal(xport_flush(x), PC_OK);
	assert_int_equal(read(cfd, buf, sizeof buf), 6);
	close(cfd);
	for (int i = 0; i < 500; i++) {
		if (xport_read(x, buf, sizeof buf, &got) != PC_E_AGAIN)
			break;
		usleep(1000);
	}
	assert_int_equal(xport_read(x, buf, sizeof buf, &got), PC_E_CLOSED);
	xport_free(x);
	close(lfd);
}

static void
test_xport_sock_bind(void **state)
{
	struct xport		*x;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 lfd, port, cfd;
	char			 ip[INET_ADDRSTRLEN];

	lfd = listener(AF_INET, 4, &port);
	assert_true(lfd >= 0);
	x = xport_sock_new("127.0.0.1", port, "127.0.0.2");
	assert_int_equal(drive(x, 5000), PC_OK);
	cfd = accept(lfd, (struct sockaddr *)&sin, &len);
	assert_true(cfd >= 0);
	inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof ip);
	assert_string_equal(ip, "127.0.0.2");
	close(cfd);
	xport_free(x);

	/* Not an IP literal; and a family no destination address has. */
	x = xport_sock_new("127.0.0.1", port, "nonsense");
	assert_int_equal(drive(x, 5000), PC_E_INVALID);
	assert_int_equal(xport_fail(x), XPORT_FAIL_IO);
	xport_free(x);
	x = xport_sock_new("127.0.0.1", port, "::1");
	assert_int_equal(drive(x, 5000), PC_E_IO);
	assert_non_null(strstr(xport_cause(x), "family"));
	xport_free(x);
	close(lfd);
}

static void
test_xport_sock_dns_failed(void **state)
{
	struct xport	*x = xport_sock_new("nonexistent.invalid", 110, NULL);
	struct notes	 n;

	notes_init(&n);
	xport_set_note(x, notes_cb, &n);
	xport_set_deadline(x, xport_now_ms() + 10000);
	/* The lookup runs on a thread: the first call cannot block. */
	assert_int_equal(drive(x, 10000), PC_E_INVALID);
	assert_int_equal(xport_fail(x), XPORT_FAIL_DNS);
	assert_int_equal(xport_fail_diag(xport_fail(x)), DIAG_DNS_FAILED);
	assert_non_null(strstr(xport_cause(x), "nonexistent.invalid"));
	assert_non_null(strstr(notes_text(&n), "DNS:"));
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_sock_dns_name(void **state)
{
	struct xport	*x;
	struct notes	 n;
	int		 lfd, port, cfd;

	lfd = listener(AF_INET, 4, &port);
	assert_true(lfd >= 0);
	x = xport_sock_new("localhost", port, NULL);
	notes_init(&n);
	xport_set_note(x, notes_cb, &n);
	assert_int_equal(drive(x, 10000), PC_OK);
	assert_non_null(strstr(notes_text(&n), "DNS: localhost -> "));
	assert_non_null(strstr(notes_text(&n), "TCP: connected to"));
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	close(cfd);
	xport_free(x);
	buf_cleanup(&n.b);
	close(lfd);

	/* Freeing while the lookup runs must neither block nor leak. */
	x = xport_sock_new("localhost", port, NULL);
	(void)xport_connect(x);
	xport_free(x);
}

static void
test_xport_sock_ipv6(void **state)
{
	struct xport	*x;
	int		 lfd, port, cfd;

	/*
	 * Not a skip: the integration servers listen on ::1 too, so a
	 * machine that runs this suite must have IPv6 loopback.
	 */
	lfd = listener(AF_INET6, 4, &port);
	if (lfd == -1)
		fail_msg("no IPv6 loopback (::1): %s", strerror(errno));
	x = xport_sock_new("[::1]", port, NULL);
	assert_int_equal(drive(x, 5000), PC_OK);
	assert_non_null(strstr(xport_sock_peer(x), "::1 port"));
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	close(cfd);
	xport_free(x);
	close(lfd);
}

static void
test_xport_sock_timeout(void **state)
{
	struct xport	*x;
	int		 lfd, port, fill[64], i, nfill = 0;
	int64_t		 t0;

	/*
	 * A listener whose accept queue is full drops further SYNs, so a
	 * connect to it hangs: a timeout without leaving loopback.  Linux
	 * completes backlog + 1 connections; fill the queue until one
	 * connect does not complete (a generous bound: the test fails,
	 * never skips, if the kernel keeps accepting).
	 */
	lfd = listener(AF_INET, 0, &port);
	assert_true(lfd >= 0);
	for (i = 0; i < 64; i++) {
		x = xport_sock_new("127.0.0.1", port, NULL);
		xport_set_deadline(x, xport_now_ms() + 200);
		if (drive(x, 5000) != PC_OK) {
			xport_free(x);
			break;
		}
		fill[nfill++] = dup(xport_fd(x));
		xport_free(x);
	}
	if (i == 64)
		fail_msg("the kernel accepted 64 connections on a listener "
		    "with backlog 0: no way to make a connect hang");
	x = xport_sock_new("127.0.0.1", port, NULL);
	t0 = xport_now_ms();
	xport_set_deadline(x, t0 + 300);
	/*
	 * drive() gives up with PC_E_AGAIN after its own bound: PC_E_TIMEOUT
	 * means the transport's deadline fired.  No upper bound on the time:
	 * a slow machine is not a failure.
	 */
	assert_int_equal(drive(x, 60000), PC_E_TIMEOUT);
	assert_true(xport_now_ms() - t0 >= 290);
	assert_int_equal(xport_fail(x), XPORT_FAIL_TIMEOUT);
	assert_int_equal(xport_fail_diag(xport_fail(x)),
	    DIAG_CONNECT_TIMEOUT);
	assert_non_null(strstr(xport_cause(x), "timed out"));
	xport_free(x);
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	close(lfd);
}

/* ---- in-memory helper --------------------------------------------- */

static void
test_xport_mem_script(void **state)
{
	struct xport	*m = xport_mem_new();
	char		 buf[16];
	size_t		 got, put, len;

	xport_mem_reply_str(m, "hel");
	xport_mem_reply_str(m, "lo");
	xport_mem_expect_str(m, "ping");
	xport_mem_reply_str(m, "pong");
	xport_mem_eof(m);
	xport_mem_set_chunk(m, 2);
	assert_int_equal(xport_connect(m), PC_OK);
	/* Both replies before the expectation are readable now. */
	assert_int_equal(xport_pending(m), 5);
	/* At most 2 bytes a read, one step at a time: "he" "l" "lo". */
	assert_int_equal(xport_read(m, buf, sizeof buf, &got), PC_OK);
	assert_int_equal(got, 2);
	assert_int_equal(xport_read(m, buf, sizeof buf, &got), PC_OK);
	assert_int_equal(got, 1);
	assert_int_equal(xport_pending(m), 2);
	assert_int_equal(xport_read(m, buf, sizeof buf, &got), PC_OK);
	assert_int_equal(got, 2);
	assert_int_equal(xport_pending(m), 0);
	/* "pong" waits for "ping". */
	assert_int_equal(xport_read(m, buf, sizeof buf, &got), PC_E_AGAIN);
	assert_int_equal(xport_write(m, "pi", 2, &put), PC_OK);
	assert_int_equal(xport_write(m, "ng", 2, &put), PC_OK);
	assert_int_equal(xport_read(m, buf, sizeof buf, &got), PC_OK);
	assert_int_equal(xport_read(m, buf, sizeof buf, &got), PC_OK);
	assert_int_equal(xport_read(m, buf, sizeof buf, &got), PC_E_CLOSED);
	assert_true(xport_mem_done(m));
	assert_null(xport_mem_error(m));
	assert_memory_equal(xport_mem_written(m, &len), "ping", 4);
	/* After the peer's EOF, TCP still takes bytes: every later write. */
	assert_int_equal(xport_write(m, "a", 1, &put), PC_OK);
	assert_int_equal(xport_write(m, "bc", 2, &put), PC_OK);
	assert_int_equal(put, 2);
	assert_memory_equal(xport_mem_written(m, &len), "pingabc", 7);
	assert_null(xport_mem_error(m));
	xport_free(m);

	/* A wrong byte is reported, with its position. */
	m = xport_mem_new();
	xport_mem_expect_str(m, "USER a\r\n");
	assert_int_equal(xport_write(m, "USER b\r\n", 8, &put), PC_E_IO);
	assert_non_null(strstr(xport_mem_error(m), "offset 5"));
	xport_free(m);
}

static void
test_xport_mem_pair(void **state)
{
	struct xport	*a, *b;
	char		 buf[16];
	size_t		 got, put;

	xport_mem_pair(&a, &b);
	assert_int_equal(xport_read(b, buf, sizeof buf, &got), PC_E_AGAIN);
	assert_int_equal(xport_write(a, "abc", 3, &put), PC_OK);
	assert_int_equal(xport_pending(b), 3);
	assert_int_equal(xport_read(b, buf, sizeof buf, &got), PC_OK);
	assert_int_equal(got, 3);
	xport_close(a);
	assert_int_equal(xport_read(b, buf, sizeof buf, &got), PC_E_CLOSED);
	assert_int_equal(xport_write(b, "x", 1, &put), PC_E_IO);
	xport_free(a);
	xport_free(b);
}

/* ---- proxies ------------------------------------------------------ */

/* A proxy stacked on a scripted peer; the test fills the script. */
static struct xport *
proxy_on(struct xport *m, enum xport_proxy_type type, const char *host,
    int port, const char *user, const char *pass, const char *domain)
{
	struct xport_proxy_cfg	 cfg = {
		.type = type, .proxy_host = "127.0.0.1", .proxy_port = 1080,
		.host = host, .port = port, .username = user,
		.password = pass, .domain = domain,
	};
	struct xport		*x = NULL;
	char			*cause = NULL;

	assert_int_equal(xport_proxy_new(m, &cfg, &x, &cause), PC_OK);
	assert_null(cause);
	return x;
}

/* Connect and check that no secret leaked anywhere. */
static enum pc_err
proxy_drive(struct xport *x, struct notes *n)
{
	enum pc_err	 rc;

	notes_init(n);
	xport_set_note(x, notes_cb, n);
	rc = drive(x, 5000);
	assert_null(strstr(notes_text(n), SECRET));
	assert_null(strstr(xport_cause(x), SECRET));
	return rc;
}

static void
expect_tunnel(struct xport *x, const char *data)
{
	char	 buf[64];
	size_t	 got, put;

	assert_true(xport_pending(x) >= strlen(data));
	assert_int_equal(xport_read(x, buf, sizeof buf, &got), PC_OK);
	assert_int_equal(got, strlen(data));
	assert_memory_equal(buf, data, got);
	assert_int_equal(xport_write(x, "QUIT\r\n", 6, &put), PC_OK);
}

static void
test_xport_proxy_socks4(void **state)
{
	struct xport	*m = xport_mem_new(), *x;
	struct notes	 n;
	static const unsigned char req[] = {
		4, 1, 0, 110, 127, 0, 0, 1,
		'p', 'r', 'o', 'x', 'y', 'u', 's', 'e', 'r', 0 };

	xport_mem_expect(m, req, sizeof req);
	xport_mem_reply(m, "\x00\x5a\x00\x00\x00\x00\x00\x00+OK\r\n", 13);
	xport_mem_expect_str(m, "QUIT\r\n");
	xport_mem_set_chunk(m, 1);
	xport_mem_set_again(m, 1);
	x = proxy_on(m, XPORT_PROXY_SOCKS4, "127.0.0.1", 110, "proxyuser",
	    SECRET, NULL);
	assert_int_equal(proxy_drive(x, &n), PC_OK);
	assert_null(xport_mem_error(m));
	assert_true(xport_mem_agains(m) > 0);
	assert_non_null(strstr(notes_text(&n),
	    "SOCKS4: connecting to 127.0.0.1:110 via 127.0.0.1:1080"));
	assert_non_null(strstr(notes_text(&n), "SOCKS4: request granted"));
	xport_mem_set_again(m, 0);
	expect_tunnel(x, "+");
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_proxy_socks4_resolves(void **state)
{
	struct xport	*m = xport_mem_new(), *x;
	struct notes	 n;
	static const unsigned char req[] = {
		4, 1, 0x03, 0xe3, 127, 0, 0, 1, 0 };

	/* SOCKS4 sends an IPv4 address: "localhost" is looked up here. */
	xport_mem_expect(m, req, sizeof req);
	xport_mem_reply(m, "\x00\x5a\x00\x00\x00\x00\x00\x00", 8);
	x = proxy_on(m, XPORT_PROXY_SOCKS4, "localhost", 995, NULL, NULL,
	    NULL);
	assert_int_equal(proxy_drive(x, &n), PC_OK);
	assert_null(xport_mem_error(m));
	assert_true(xport_mem_done(m));
	xport_free(x);
	buf_cleanup(&n.b);

	m = xport_mem_new();
	x = proxy_on(m, XPORT_PROXY_SOCKS4, "nonexistent.invalid", 995, NULL,
	    NULL, NULL);
	assert_int_equal(proxy_drive(x, &n), PC_E_INVALID);
	assert_int_equal(xport_fail(x), XPORT_FAIL_DNS);
	assert_non_null(strstr(xport_cause(x), "locally"));
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_proxy_socks4a(void **state)
{
	struct xport	*m = xport_mem_new(), *x;
	struct notes	 n;
	static const unsigned char req[] = {
		4, 1, 0x03, 0xe3, 0, 0, 0, 1,
		'u', 0,
		'p', 'o', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
		'c', 'o', 'm', 0 };

	xport_mem_expect(m, req, sizeof req);
	xport_mem_reply(m, "\x00\x5a\x00\x00\x00\x00\x00\x00", 8);
	x = proxy_on(m, XPORT_PROXY_SOCKS4A, "pop.example.com", 995, "u",
	    SECRET, NULL);
	assert_int_equal(proxy_drive(x, &n), PC_OK);
	assert_null(xport_mem_error(m));
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_proxy_socks4_failures(void **state)
{
	static const struct {
		const char	*reply;
		size_t		 len;
		enum xport_fail	 fail;
		const char	*words;
	} cases[] = {
		{ "\x00\x5b\0\0\0\0\0\0", 8, XPORT_FAIL_PROXY,
		    "request rejected or failed" },
		{ "\x00\x5c\0\0\0\0\0\0", 8, XPORT_FAIL_PROXY, "identd" },
		{ "\x00\x5d\0\0\0\0\0\0", 8, XPORT_FAIL_PROXY_AUTH,
		    "different user-ids" },
		{ "\x00\x77\0\0\0\0\0\0", 8, XPORT_FAIL_PROXY,
		    "unknown reply code" },
		{ "\x04\x5a\0\0\0\0\0\0", 8, XPORT_FAIL_PROXY,
		    "not a SOCKS4 reply" },
		{ "\x00\x5a\0", 3, XPORT_FAIL_PROXY, "middle of its reply" },
		{ "", 0, XPORT_FAIL_PROXY, "without a reply" },
	};
	struct xport	*m, *x;
	struct notes	 n;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		m = xport_mem_new();
		xport_mem_expect(m, "\x04\x01\x00\x6e\x7f\x00\x00\x01u", 10);
		if (cases[i].len > 0)
			xport_mem_reply(m, cases[i].reply, cases[i].len);
		xport_mem_eof(m);
		x = proxy_on(m, XPORT_PROXY_SOCKS4, "127.0.0.1", 110, "u",
		    NULL, NULL);
		assert_int_not_equal(proxy_drive(x, &n), PC_OK);
		assert_int_equal(xport_fail(x), cases[i].fail);
		assert_non_null(strstr(xport_cause(x), cases[i].words));
		assert_non_null(strstr(xport_cause(x), "SOCKS4"));
		xport_free(x);
		buf_cleanup(&n.b);
	}
}

static void
test_xport_proxy_invalid(void **state)
{
	struct xport_proxy_cfg	 cfg = {
		.type = XPORT_PROXY_SOCKS4, .host = "::1", .port = 110,
	};
	struct xport		*m = xport_mem_new(), *x = NULL;
	char			*cause = NULL, longname[300];

	assert_int_equal(xport_proxy_new(m, &cfg, &x, &cause), PC_E_INVALID);
	assert_null(x);
	assert_non_null(strstr(cause, "IPv6"));
	free(cause);
	cause = NULL;

	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	cfg.type = XPORT_PROXY_SOCKS5;
	cfg.host = longname;
	assert_int_equal(xport_proxy_new(m, &cfg, &x, &cause), PC_E_INVALID);
	free(cause);
	cause = NULL;

	/* Header injection through the host or the user. */
	cfg.type = XPORT_PROXY_HTTP;
	cfg.host = "pop.example.com\r\nX-Evil: 1";
	assert_int_equal(xport_proxy_new(m, &cfg, &x, &cause), PC_E_INVALID);
	free(cause);
	cause = NULL;
	cfg.host = "pop.example.com";
	cfg.username = "a:b";
	cfg.password = SECRET;
	assert_int_equal(xport_proxy_new(m, &cfg, &x, &cause), PC_E_INVALID);
	assert_null(strstr(cause, SECRET));
	free(cause);
	cause = NULL;
	cfg.username = NULL;
	cfg.port = 0;
	assert_int_equal(xport_proxy_new(m, &cfg, &x, &cause), PC_E_INVALID);
	free(cause);
	/* The caller still owns next after a failure. */
	xport_free(m);
}

static void
test_xport_proxy_socks5_noauth(void **state)
{
	struct xport	*m = xport_mem_new(), *x;
	struct notes	 n;
	static const unsigned char req[] = {
		5, 1, 0, 3, 15,
		'p', 'o', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
		'c', 'o', 'm', 0x03, 0xe3 };

	xport_mem_expect(m, "\x05\x01\x00", 3);
	xport_mem_reply(m, "\x05\x00", 2);
	xport_mem_expect(m, req, sizeof req);
	/* Bound address as a name, then the first tunnel bytes. */
	xport_mem_reply(m, "\x05\x00\x00\x03\x04host\x01\xbb* OK", 15);
	x = proxy_on(m, XPORT_PROXY_SOCKS5, "pop.example.com", 995, NULL,
	    NULL, NULL);
	assert_int_equal(proxy_drive(x, &n), PC_OK);
	assert_null(xport_mem_error(m));
	assert_non_null(strstr(notes_text(&n),
	    "SOCKS5: connecting to pop.example.com:995 via 127.0.0.1:1080"));
	assert_int_equal(xport_pending(x), 4);
	xport_mem_expect_str(m, "QUIT\r\n");
	expect_tunnel(x, "* OK");
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_proxy_socks5_auth(void **state)
{
	struct xport	*m = xport_mem_new(), *x;
	struct notes	 n;
	static const unsigned char auth[] = {
		1, 9, 'p', 'r', 'o', 'x', 'y', 'u', 's', 'e', 'r',
		9, 'p', 'r', 'o', 'x', 'y', 'p', 'a', 's', 's' };
	static const unsigned char req[] = {
		5, 1, 0, 1, 127, 0, 0, 1, 0x03, 0xe3 };

	xport_mem_expect(m, "\x05\x02\x00\x02", 4);
	xport_mem_reply(m, "\x05\x02", 2);
	xport_mem_expect(m, auth, sizeof auth);
	xport_mem_reply(m, "\x01\x00", 2);
	xport_mem_expect(m, req, sizeof req);
	xport_mem_reply(m, "\x05\x00\x00\x01\x7f\x00\x00\x01\x30\x39", 10);
	xport_mem_set_chunk(m, 1);
	x = proxy_on(m, XPORT_PROXY_SOCKS5, "127.0.0.1", 995, "proxyuser",
	    SECRET, NULL);
	assert_int_equal(proxy_drive(x, &n), PC_OK);
	assert_null(xport_mem_error(m));
	assert_true(xport_mem_done(m));
	assert_non_null(strstr(notes_text(&n),
	    "SOCKS5: authenticated as proxyuser"));
	assert_int_equal(xport_pending(x), 0);
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_proxy_socks5_ipv6(void **state)
{
	struct xport	*m = xport_mem_new(), *x;
	struct notes	 n;
	static const unsigned char req[] = {
		5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0, 110 };
	static const unsigned char rep[] = {
		5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x30, 0x39 };

	xport_mem_expect(m, "\x05\x01\x00", 3);
	xport_mem_reply(m, "\x05\x00", 2);
	xport_mem_expect(m, req, sizeof req);
	xport_mem_reply(m, rep, sizeof rep);
	x = proxy_on(m, XPORT_PROXY_SOCKS5, "[::1]", 110, NULL, NULL, NULL);
	assert_int_equal(proxy_drive(x, &n), PC_OK);
	assert_null(xport_mem_error(m));
	assert_non_null(strstr(notes_text(&n), "[::1]:110"));
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_proxy_socks5_failures(void **state)
{
	struct xport	*m, *x;
	struct notes	 n;
	unsigned	 code;
	char		 rep[10];

	/* Every reply code has its words. */
	for (code = 1; code <= 9; code++) {
		m = xport_mem_new();
		xport_mem_expect(m, "\x05\x01\x00", 3);
		xport_mem_reply(m, "\x05\x00", 2);
		xport_mem_expect(m, S5_REQ, 10);
		memcpy(rep, "\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);
		rep[1] = (char)code;
		xport_mem_reply(m, rep, 10);
		x = proxy_on(m, XPORT_PROXY_SOCKS5, "127.0.0.1", 110, NULL,
		    NULL, NULL);
		assert_int_equal(proxy_drive(x, &n), PC_E_IO);
		assert_int_equal(xport_fail(x), XPORT_FAIL_PROXY);
		assert_non_null(strstr(xport_cause(x),
		    xport_proxy_socks5_str(code)));
		assert_int_equal(xport_fail_diag(xport_fail(x)),
		    DIAG_PROXY_FAILED);
		xport_free(x);
		buf_cleanup(&n.b);
	}
	assert_string_equal(xport_proxy_socks5_str(5),
	    "connection refused by destination host");
	assert_string_equal(xport_proxy_socks4_str(0x5b),
	    "request rejected or failed");

	/* No acceptable method, without and with credentials. */
	m = xport_mem_new();
	xport_mem_expect(m, "\x05\x01\x00", 3);
	xport_mem_reply(m, "\x05\xff", 2);
	x = proxy_on(m, XPORT_PROXY_SOCKS5, "127.0.0.1", 110, NULL, NULL,
	    NULL);
	assert_int_equal(proxy_drive(x, &n), PC_E_AUTH);
	assert_int_equal(xport_fail(x), XPORT_FAIL_PROXY_AUTH);
	assert_non_null(strstr(xport_cause(x), "no credentials"));
	xport_free(x);
	buf_cleanup(&n.b);

	/* Wrong password. */
	m = xport_mem_new();
	xport_mem_expect(m, "\x05\x02\x00\x02", 4);
	xport_mem_reply(m, "\x05\x02", 2);
	xport_mem_expect_until(m, SECRET);
	xport_mem_reply(m, "\x01\x01", 2);
	x = proxy_on(m, XPORT_PROXY_SOCKS5, "127.0.0.1", 110, "proxyuser",
	    SECRET, NULL);
	assert_int_equal(proxy_drive(x, &n), PC_E_AUTH);
	assert_int_equal(xport_fail(x), XPORT_FAIL_PROXY_AUTH);
	assert_int_equal(xport_fail_diag(xport_fail(x)),
	    DIAG_PROXY_AUTH_FAILED);
	assert_non_null(strstr(xport_cause(x), "proxyuser"));
	xport_free(x);
	buf_cleanup(&n.b);

	/* A method that was not offered; a non-SOCKS5 answer. */
	m = xport_mem_new();
	xport_mem_expect(m, "\x05\x01\x00", 3);
	xport_mem_reply(m, "\x05\x02", 2);
	x = proxy_on(m, XPORT_PROXY_SOCKS5, "127.0.0.1", 110, NULL, NULL,
	    NULL);
	assert_int_equal(proxy_drive(x, &n), PC_E_PROTO);
	assert_non_null(strstr(xport_cause(x), "not offered"));
	xport_free(x);
	buf_cleanup(&n.b);
	m = xport_mem_new();
	xport_mem_expect(m, "\x05\x01\x00", 3);
	xport_mem_reply_str(m, "HTTP/1.1 400 Bad Request\r\n\r\n");
	x = proxy_on(m, XPORT_PROXY_SOCKS5, "127.0.0.1", 110, NULL, NULL,
	    NULL);
	assert_int_equal(proxy_drive(x, &n), PC_E_PROTO);
	assert_non_null(strstr(xport_cause(x), "not a SOCKS5 reply"));
	xport_free(x);
	buf_cleanup(&n.b);

	/* Unknown address type; a reply cut short. */
	m = xport_mem_new();
	xport_mem_expect(m, "\x05\x01\x00", 3);
	xport_mem_reply(m, "\x05\x00", 2);
	xport_mem_expect(m, S5_REQ, 10);
	xport_mem_reply(m, "\x05\x00\x00\x09\x00\x00\x00\x00\x00\x00", 10);
	x = proxy_on(m, XPORT_PROXY_SOCKS5, "127.0.0.1", 110, NULL, NULL,
	    NULL);
	assert_int_equal(proxy_drive(x, &n), PC_E_PROTO);
	assert_non_null(strstr(xport_cause(x), "address type"));
	xport_free(x);
	buf_cleanup(&n.b);
	m = xport_mem_new();
	xport_mem_expect(m, "\x05\x01\x00", 3);
	xport_mem_reply(m, "\x05\x00", 2);
	xport_mem_expect(m, S5_REQ, 10);
	xport_mem_reply(m, "\x05\x00\x00\x01\x7f", 5);
	xport_mem_eof(m);
	x = proxy_on(m, XPORT_PROXY_SOCKS5, "127.0.0.1", 110, NULL, NULL,
	    NULL);
	assert_int_equal(proxy_drive(x, &n), PC_E_PROTO);
	assert_non_null(strstr(xport_cause(x), "middle of its reply"));
	xport_free(x);
	buf_cleanup(&n.b);
}

static const char *
http_req(const char *hostport, const char *auth)
{
	static char	 s[512];

	snprintf(s, sizeof s, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s%s%s"
	    "User-Agent: popconn/%s\r\nProxy-Connection: Keep-Alive\r\n\r\n",
	    hostport, hostport, auth != NULL ? "Proxy-Authorization: " : "",
	    auth != NULL ? auth : "", auth != NULL ? "\r\n" : "",
	    POPCONN_VERSION);
	return s;
}

static void
test_xport_proxy_http_ok(void **state)
{
	struct xport	*m = xport_mem_new(), *x;
	struct notes	 n;

	xport_mem_expect_str(m, http_req("pop.example.com:995", NULL));
	xport_mem_reply_str(m, "HTTP/1.0 200 Connection established\r\n"
	    "Proxy-agent: tinyproxy/1.11.1\r\n\r\n+OK ready\r\n");
	xport_mem_set_chunk(m, 3);
	x = proxy_on(m, XPORT_PROXY_HTTP, "pop.example.com", 995, NULL, NULL,
	    NULL);
	assert_int_equal(proxy_drive(x, &n), PC_OK);
	assert_null(xport_mem_error(m));
	assert_non_null(strstr(notes_text(&n),
	    "HTTP CONNECT: 200 Connection established"));
	xport_mem_expect_str(m, "QUIT\r\n");
	/* The bytes after the header block are the tunnel's first bytes. */
	xport_mem_set_chunk(m, 0);
	{
		char	 buf[64];
		size_t	 got, total = 0;

		while (total < 11 && xport_read(x, buf + total,
		    sizeof buf - total, &got) == PC_OK)
			total += got;
		assert_int_equal(total, 11);
		assert_memory_equal(buf, "+OK ready\r\n", 11);
	}
	xport_free(x);
	buf_cleanup(&n.b);

	/* Basic credentials (the value curl sends for the same pair). */
	m = xport_mem_new();
	xport_mem_expect_str(m, http_req("[::1]:110",
	    "Basic cHJveHl1c2VyOnByb3h5cGFzcw=="));
	xport_mem_reply_str(m, "HTTP/1.1 200 OK\n\n");
	x = proxy_on(m, XPORT_PROXY_HTTP, "::1", 110, "proxyuser", SECRET,
	    NULL);
	assert_int_equal(proxy_drive(x, &n), PC_OK);
	assert_null(xport_mem_error(m));
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_proxy_http_failures(void **state)
{
	static const struct {
		const char	*user;
		const char	*reply;
		enum xport_fail	 fail;
		const char	*words;
	} cases[] = {
		{ NULL, "HTTP/1.0 407 Proxy Authentication Required\r\n"
		    "Proxy-Authenticate: Basic realm=\"Tinyproxy\"\r\n\r\n",
		    XPORT_FAIL_PROXY_AUTH, "no credentials" },
		{ "proxyuser", "HTTP/1.0 401 Unauthorized\r\n\r\n",
		    XPORT_FAIL_PROXY_AUTH, "rejected the credentials" },
		{ "proxyuser", "HTTP/1.1 407 Proxy Authentication Required"
		    "\r\nContent-Length: 0\r\n\r\n",
		    XPORT_FAIL_PROXY_AUTH, "HTTP 407" },
		{ NULL, "HTTP/1.1 403 Access violation\r\n\r\n",
		    XPORT_FAIL_PROXY, "HTTP 403 Access violation" },
		{ NULL, "HTTP/1.1 502 Bad \x1b[31mGateway\r\n\r\n",
		    XPORT_FAIL_PROXY, "Bad \\x1b[31mGateway" },
		/* Another service's banner is quoted, not waited on. */
		{ NULL, "SSH-2.0-OpenSSH_9.2\r\n", XPORT_FAIL_PROXY,
		    "not HTTP: \"SSH-2.0-OpenSSH_9.2\"" },
		{ NULL, "220 mx.example ESMTP \x1b[2J\r\n", XPORT_FAIL_PROXY,
		    "not HTTP: \"220 mx.example ESMTP \\x1b[2J\"" },
		{ NULL, "HTTP/1.1 200 OK\r\nbroken header\r\n\r\n",
		    XPORT_FAIL_PROXY, "not an HTTP reply" },
		{ NULL, "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		    XPORT_FAIL_PROXY, "not an HTTP reply" },
		{ NULL, "HTTP/1.1 200 OK\r\nServer: x", XPORT_FAIL_PROXY,
		    "middle of its reply" },
	};
	struct xport	*m, *x;
	struct notes	 n;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		m = xport_mem_new();
		xport_mem_expect_until(m, "\r\n\r\n");
		xport_mem_reply_str(m, cases[i].reply);
		xport_mem_eof(m);
		x = proxy_on(m, XPORT_PROXY_HTTP, "pop.example.com", 995,
		    cases[i].user, SECRET, NULL);
		assert_int_not_equal(proxy_drive(x, &n), PC_OK);
		assert_int_equal(xport_fail(x), cases[i].fail);
		assert_non_null(strstr(xport_cause(x), cases[i].words));
		assert_non_null(strstr(xport_cause(x), "HTTP CONNECT"));
		xport_free(x);
		buf_cleanup(&n.b);
	}
}

static void
test_xport_proxy_http_too_large(void **state)
{
	struct xport	*m = xport_mem_new(), *x;
	struct notes	 n;
	char		*big;

	/* A header block that never ends within 16 KiB. */
	big = xmalloc(40000);
	memcpy(big, "HTTP/1.1 200 OK\r\nX-Pad: ", 24);
	memset(big + 24, 'a', 40000 - 24 - 1);
	big[40000 - 1] = '\0';
	xport_mem_expect_until(m, "\r\n\r\n");
	xport_mem_reply_str(m, big);
	x = proxy_on(m, XPORT_PROXY_HTTP, "pop.example.com", 995, NULL, NULL,
	    NULL);
	assert_int_equal(proxy_drive(x, &n), PC_E_PROTO);
	assert_int_equal(xport_fail(x), XPORT_FAIL_PROXY);
	assert_non_null(strstr(xport_cause(x), "16 KiB"));
	xport_free(x);
	buf_cleanup(&n.b);

	/* Ending just past the cap is refused too. */
	m = xport_mem_new();
	memcpy(big + 16384, "\r\n\r\n", 5);
	xport_mem_expect_until(m, "\r\n\r\n");
	xport_mem_reply_str(m, big);
	x = proxy_on(m, XPORT_PROXY_HTTP, "pop.example.com", 995, NULL, NULL,
	    NULL);
	assert_int_equal(proxy_drive(x, &n), PC_E_PROTO);
	assert_non_null(strstr(xport_cause(x), "16 KiB"));
	xport_free(x);
	buf_cleanup(&n.b);
	free(big);
}

/* The NTLM token of the last Proxy-Authorization in what was written. */
static unsigned char *
ntlm_token(struct xport *m, size_t *len)
{
	const unsigned char	*w;
	size_t			 wlen;
	char			*s, *p, *end;
	unsigned char		*out = NULL;

	w = xport_mem_written(m, &wlen);
	s = xstrndup((const char *)w, wlen);
	p = s;
	for (;;) {
		end = strstr(p, "Proxy-Authorization: NTLM ");
		if (end == NULL)
			break;
		p = end + 26;
	}
	assert_true(p != s);
	end = strstr(p, "\r\n");
	assert_non_null(end);
	assert_int_equal(b64_decode(p, (size_t)(end - p), &out, len), PC_OK);
	free(s);
	return out;
}

static unsigned
get16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t
get32(const unsigned char *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static void
test_xport_proxy_http_ntlm(void **state)
{
	struct xport	*m = xport_mem_new(), *x;
	struct notes	 n;
	char		*b64, *reply;
	unsigned char	*t, key[16], proof[16];
	size_t		 tlen, off, nlen;
	static const unsigned char user16[] = {
		'p', 0, 'r', 0, 'o', 0, 'x', 0, 'y', 0, 'u', 0, 's', 0,
		'e', 0, 'r', 0 };

	b64 = b64_encode(ntlm_test_chal, sizeof ntlm_test_chal);
	reply = xasprintf("HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: Negotiate\r\nProxy-Authenticate: NTLM %s\r\n"
	    "Content-Length: 12\r\n\r\n<html></html", b64);
	xport_mem_expect_until(m, "\r\n\r\n");
	xport_mem_reply_str(m, reply);
	xport_mem_expect_until(m, "\r\n\r\n");
	xport_mem_reply_str(m, "HTTP/1.1 200 Connection established\r\n\r\n");
	xport_mem_set_chunk(m, 7);
	x = proxy_on(m, XPORT_PROXY_HTTP, "pop.example.com", 995, "proxyuser",
	    SECRET, "CORP");
	assert_int_equal(proxy_drive(x, &n), PC_OK);
	assert_null(xport_mem_error(m));
	assert_true(xport_mem_done(m));
	assert_non_null(strstr(notes_text(&n), "NTLM challenge received, "
	    "answering as CORP\\proxyuser"));
	assert_int_equal(xport_pending(x), 0);

	/* The AUTHENTICATE is for proxyuser and proves the password. */
	t = ntlm_token(m, &tlen);
	assert_true(tlen > 64);
	assert_memory_equal(t, "NTLMSSP\0", 8);
	assert_int_equal(get32(t + 8), 3);
	assert_int_equal(get16(t + 36), sizeof user16);
	assert_memory_equal(t + get32(t + 40), user16, sizeof user16);
	nlen = get16(t + 20);
	off = get32(t + 24);
	assert_true(off + nlen <= tlen);
	assert_int_equal(ntlm_ntowfv2("proxyuser", "CORP", SECRET, key),
	    PC_OK);
	ntlm_hmac_md5(key, 16, ntlm_test_chal + 24, 8, t + off + 16,
	    nlen - 16, proof);
	assert_memory_equal(proof, t + off, 16);
	free(t);
	free(b64);
	free(reply);
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_proxy_http_ntlm_failures(void **state)
{
	struct xport	*m, *x;
	struct notes	 n;

	/* The proxy offers only Basic. */
	m = xport_mem_new();
	xport_mem_expect_until(m, "\r\n\r\n");
	xport_mem_reply_str(m, "HTTP/1.1 407 Proxy Authentication Required"
	    "\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n");
	x = proxy_on(m, XPORT_PROXY_HTTP, "pop.example.com", 995, "proxyuser",
	    SECRET, "CORP");
	assert_int_equal(proxy_drive(x, &n), PC_E_AUTH);
	assert_int_equal(xport_fail(x), XPORT_FAIL_PROXY_AUTH);
	assert_non_null(strstr(xport_cause(x), "does not offer NTLM"));
	assert_non_null(strstr(xport_cause(x), "Basic"));
	xport_free(x);
	buf_cleanup(&n.b);

	/* A broken challenge. */
	m = xport_mem_new();
	xport_mem_expect_until(m, "\r\n\r\n");
	xport_mem_reply_str(m, "HTTP/1.1 407 Proxy Authentication Required"
	    "\r\nProxy-Authenticate: NTLM TlRMTVNTUAACAAAA\r\n\r\n");
	x = proxy_on(m, XPORT_PROXY_HTTP, "pop.example.com", 995, "proxyuser",
	    SECRET, "CORP");
	assert_int_equal(proxy_drive(x, &n), PC_E_PROTO);
	assert_int_equal(xport_fail(x), XPORT_FAIL_PROXY_AUTH);
	assert_non_null(strstr(xport_cause(x), "malformed NTLM"));
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_proxy_unreachable(void **state)
{
	struct xport	*s, *x;
	struct notes	 n;

	s = xport_sock_new("127.0.0.1", closed_port(), NULL);
	x = proxy_on(s, XPORT_PROXY_SOCKS5, "pop.example.com", 995, NULL,
	    NULL, NULL);
	assert_int_equal(proxy_drive(x, &n), PC_E_IO);
	/* The proxy layer reclassifies: it is the proxy that is down. */
	assert_int_equal(xport_fail(x), XPORT_FAIL_PROXY);
	assert_non_null(strstr(xport_cause(x), "cannot reach the proxy"));
	assert_non_null(strstr(xport_cause(x), "refused"));
	assert_int_equal(xport_last_errno(x), ECONNREFUSED);
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_proxy_timeout(void **state)
{
	struct xport	*m = xport_mem_new(), *x;
	struct notes	 n;

	/* The proxy takes the greeting and never answers. */
	xport_mem_expect(m, "\x05\x01\x00", 3);
	x = proxy_on(m, XPORT_PROXY_SOCKS5, "pop.example.com", 995, NULL,
	    NULL, NULL);
	xport_set_deadline(x, xport_now_ms() + 100);
	assert_int_equal(proxy_drive(x, &n), PC_E_TIMEOUT);
	assert_int_equal(xport_fail(x), XPORT_FAIL_PROXY);
	assert_non_null(strstr(xport_cause(x), "timeout"));
	xport_free(x);
	buf_cleanup(&n.b);
}

static void
test_xport_fail_names(void **state)
{
	int	 f;

	for (f = 0; f < XPORT_FAIL__COUNT; f++) {
		assert_non_null(xport_fail_str((enum xport_fail)f));
		if (f != XPORT_FAIL_IO && f != XPORT_FAIL_CLOSED)
			assert_int_equal(diag_from_key(xport_fail_str(
			    (enum xport_fail)f)),
			    (int)xport_fail_diag((enum xport_fail)f));
	}
	assert_int_equal(xport_fail_diag(XPORT_FAIL_CERT_PIN),
	    DIAG_CERT_PIN_MISMATCH);
	assert_int_equal(xport_fail_diag(XPORT_FAIL_INJECTION),
	    DIAG_STLS_INJECTION);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xport_sock_refused),
		cmocka_unit_test(test_xport_sock_ok),
		cmocka_unit_test(test_xport_sock_bind),
		cmocka_unit_test(test_xport_sock_dns_failed),
		cmocka_unit_test(test_xport_sock_dns_name),
		cmocka_unit_test(test_xport_sock_ipv6),
		cmocka_unit_test(test_xport_sock_timeout),
		cmocka_unit_test(test_xport_mem_script),
		cmocka_unit_test(test_xport_mem_pair),
		cmocka_unit_test(test_xport_proxy_socks4),
		cmocka_unit_test(test_xport_proxy_socks4_resolves),
		cmocka_unit_test(test_xport_proxy_socks4a),
		cmocka_unit_test(test_xport_proxy_socks4_failures),
		cmocka_unit_test(test_xport_proxy_invalid),
		cmocka_unit_test(test_xport_proxy_socks5_noauth),
		cmocka_unit_test(test_xport_proxy_socks5_auth),
		cmocka_unit_test(test_xport_proxy_socks5_ipv6),
		cmocka_unit_test(test_xport_proxy_socks5_failures),
		cmocka_unit_test(test_xport_proxy_http_ok),
		cmocka_unit_test(test_xport_proxy_http_failures),
		cmocka_unit_test(test_xport_proxy_http_too_large),
		cmocka_unit_test(test_xport_proxy_http_ntlm),
		cmocka_unit_test(test_xport_proxy_http_ntlm_failures),
		cmocka_unit_test(test_xport_proxy_unreachable),
		cmocka_unit_test(test_xport_proxy_timeout),
		cmocka_unit_test(test_xport_fail_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
