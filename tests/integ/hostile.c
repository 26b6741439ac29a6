/*
 * hostile.c - pc_hostile, a scripted POP3 (and proxy) server that misbehaves
 * on purpose, for popconn's integration tests.
 *
 *	pc_hostile --mode MODE [--port N|0] [--portfile F] [--log F]
 *	           [--once] [--max-time S] [--drip-ms MS]
 *
 * It listens on 127.0.0.1 only.  With --port 0 (the default) the kernel picks
 * a free port; it is written to --portfile (atomically: a temporary file is
 * renamed) and printed on standard output.  Each client is served by a
 * forked child (at most HOSTILE_CHILDREN_MAX at a time) until the client
 * leaves, the dialogue ends or --max-time runs out; --once serves one client
 * in-process and exits.  SIGTERM or SIGINT stops the server and its
 * children, removes the port file and exits 0.
 *
 * Each POP3 mode plays a realistic dialogue (greeting, CAPA, USER/PASS, APOP,
 * AUTH PLAIN/LOGIN/CRAM-MD5/XOAUTH2, STAT, LIST, UIDL, NOOP, QUIT) until the
 * misbehaviour the mode is named after; `pc_hostile --list-modes` describes
 * them.  There is no TLS here: an STLS that a mode accepts is never
 * followed by a handshake.  Everything the client sends is recorded in the
 * --log file, one line per client line:
 *
 *	<conn> C: <line>	client bytes; CRLF removed; bytes outside
 *				0x20-0x7e and the backslash shown as \xNN
 *	<conn> S: <line>	what the server sent
 *	<conn> # <event>	accept, close, timeout
 *
 * so a test can assert, for example, that no PASS followed a refused STLS:
 * grep -E '^[0-9]+ C: PASS' LOG.  Every read, line, write and wait is
 * capped; the log stops growing at HOSTILE_LOG_MAX.
 *
 * This file links only libc on purpose: it must keep working while the
 * layers it tests are being rewritten.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* Caps */
#define HOSTILE_LINE_MAX	65536		/* client line */
#define HOSTILE_IN_MAX		(4u << 20)	/* read per client */
#define HOSTILE_CMDS_MAX	1000		/* commands per client */
#define HOSTILE_CHILDREN_MAX	32		/* clients at once */
#define HOSTILE_LOG_MAX		(16L << 20)	/* log file size */
#define HOSTILE_LOG_SHOW	2048		/* bytes of a line logged */
/* Sizes of the misbehaviours */
#define HOSTILE_LONG_LINE	(1u << 20)	/* long_line greeting */
#define HOSTILE_NO_CRLF_MAX	(64u << 10)	/* no_crlf text */
#define HOSTILE_HEADERS_MAX	(8u << 20)	/* http_huge_headers */
#define HOSTILE_GARBAGE		(64u << 10)	/* socks5_oversized */
#define HOSTILE_STAT		"3 300"		/* ok modes' STAT */

enum hostile_kind {
	HOSTILE_KIND_POP3,
	HOSTILE_KIND_SOCKS5,
	HOSTILE_KIND_HTTP,
	HOSTILE_KIND_SILENT,
	HOSTILE_KIND_TLS,
};

enum hostile_mode {
	HOSTILE_OK_PLAIN,
	HOSTILE_STLS_REFUSED,
	HOSTILE_STLS_HIDDEN,
	HOSTILE_STLS_INJECT,
	HOSTILE_ESCAPE_GREETING,
	HOSTILE_LONG_LINE_MODE,
	HOSTILE_NUL_BYTE,
	HOSTILE_NO_CRLF,
	HOSTILE_DRIP,
	HOSTILE_CLOSE_MID,
	HOSTILE_BAD_BASE64,
	HOSTILE_IN_USE,
	HOSTILE_LOGIN_DELAY,
	HOSTILE_SYS_TEMP,
	HOSTILE_SYS_PERM,
	HOSTILE_AUTH_FAIL,
	HOSTILE_ESCAPE_ERR,
	HOSTILE_ERR_CP1251,
	HOSTILE_ERR_KOI8R,
	HOSTILE_XOAUTH2_ERROR,
	HOSTILE_XOAUTH2_OK,
	HOSTILE_SILENT,
	HOSTILE_SOCKS5_TRUNCATED,
	HOSTILE_SOCKS5_OVERSIZED,
	HOSTILE_HTTP_HUGE_HEADERS,
	HOSTILE_PROXY_SILENT,
	HOSTILE_BLACKHOLE,
	HOSTILE_TLS_HELLO_CLOSE,
	HOSTILE__COUNT
};

static const struct hostile_mode_info {
	const char		*name;
	enum hostile_kind	 kind;
	const char		*help;
} hostile_modes[HOSTILE__COUNT] = {
	[HOSTILE_OK_PLAIN] = { "ok_plain", HOSTILE_KIND_POP3,
	    "well-behaved plain POP3, no STLS; any USER/PASS, APOP or AUTH "
	    "logs in; STAT " HOSTILE_STAT },
	[HOSTILE_STLS_REFUSED] = { "stls_refused", HOSTILE_KIND_POP3,
	    "CAPA lists STLS, STLS gets -ERR; then behaves like ok_plain" },
	[HOSTILE_STLS_HIDDEN] = { "stls_hidden", HOSTILE_KIND_POP3,
	    "CAPA lacks STLS and STLS gets -ERR (no TLS in pc_hostile); "
	    "then behaves like ok_plain" },
	[HOSTILE_STLS_INJECT] = { "stls_inject", HOSTILE_KIND_POP3,
	    "STLS is answered \"+OK Begin TLS\" and \"+OK injected\" in one "
	    "write; then only records what the client sends" },
	[HOSTILE_ESCAPE_GREETING] = { "escape_greeting", HOSTILE_KIND_POP3,
	    "greeting holds ESC [2J, an OSC title with BEL, raw C1 bytes "
	    "(0x9b, 0x85) and UTF-8 C1 (U+009B); then ok_plain" },
	[HOSTILE_LONG_LINE_MODE] = { "long_line", HOSTILE_KIND_POP3,
	    "greeting is \"+OK \" and 1 MiB of text before its CRLF; then "
	    "ok_plain" },
	[HOSTILE_NUL_BYTE] = { "nul_byte", HOSTILE_KIND_POP3,
	    "greeting contains a NUL byte; then ok_plain" },
	[HOSTILE_NO_CRLF] = { "no_crlf", HOSTILE_KIND_POP3,
	    "greeting never ends: 256 bytes every 50 ms up to 64 KiB, no "
	    "CR or LF, then silence" },
	[HOSTILE_DRIP] = { "drip", HOSTILE_KIND_POP3,
	    "ok_plain, but every byte sent is followed by a --drip-ms pause "
	    "(500 ms)" },
	[HOSTILE_CLOSE_MID] = { "close_mid", HOSTILE_KIND_POP3,
	    "closes the connection in the middle of the CAPA response" },
	[HOSTILE_BAD_BASE64] = { "bad_base64", HOSTILE_KIND_POP3,
	    "CAPA offers SASL CRAM-MD5 only; AUTH CRAM-MD5 gets a challenge "
	    "that is not base64" },
	[HOSTILE_IN_USE] = { "in_use", HOSTILE_KIND_POP3,
	    "logon (PASS, APOP, AUTH) gets -ERR [IN-USE]" },
	[HOSTILE_LOGIN_DELAY] = { "login_delay", HOSTILE_KIND_POP3,
	    "CAPA has LOGIN-DELAY 900; logon gets -ERR [LOGIN-DELAY]" },
	[HOSTILE_SYS_TEMP] = { "sys_temp", HOSTILE_KIND_POP3,
	    "logon gets -ERR [SYS/TEMP]" },
	[HOSTILE_SYS_PERM] = { "sys_perm", HOSTILE_KIND_POP3,
	    "logon gets -ERR [SYS/PERM]" },
	[HOSTILE_AUTH_FAIL] = { "auth_fail", HOSTILE_KIND_POP3,
	    "logon gets -ERR [AUTH] Authentication failed." },
	[HOSTILE_ESCAPE_ERR] = { "escape_err", HOSTILE_KIND_POP3,
	    "logon gets -ERR [AUTH] with ESC [2J, a right-to-left override "
	    "(U+202E) and a zero-width space (U+200B) in its text" },
	[HOSTILE_ERR_CP1251] = { "err_cp1251", HOSTILE_KIND_POP3,
	    "logon gets -ERR [AUTH] and \"wrong password\" in Russian, "
	    "encoded in Windows-1251 (not UTF-8)" },
	[HOSTILE_ERR_KOI8R] = { "err_koi8r", HOSTILE_KIND_POP3,
	    "logon gets -ERR [AUTH] and \"wrong password\" in Russian, "
	    "encoded in KOI8-R" },
	[HOSTILE_XOAUTH2_ERROR] = { "xoauth2_error", HOSTILE_KIND_POP3,
	    "CAPA SASL XOAUTH2; the token gets \"+ \" and base64 of a JSON "
	    "error (status 401), then -ERR [AUTH] after the client's empty "
	    "line" },
	[HOSTILE_XOAUTH2_OK] = { "xoauth2_ok", HOSTILE_KIND_POP3,
	    "CAPA SASL XOAUTH2; any token (any length up to 64 KiB) logs "
	    "in; STAT " HOSTILE_STAT },
	[HOSTILE_SILENT] = { "silent", HOSTILE_KIND_SILENT,
	    "accepts and never sends a byte" },
	[HOSTILE_SOCKS5_TRUNCATED] = { "socks5_truncated", HOSTILE_KIND_SOCKS5,
	    "SOCKS5: one byte of the method reply, then close" },
	[HOSTILE_SOCKS5_OVERSIZED] = { "socks5_oversized", HOSTILE_KIND_SOCKS5,
	    "SOCKS5: accepts no-auth or any user/pass, answers CONNECT with "
	    "success, a 255-byte domain, then 64 KiB of binary garbage" },
	[HOSTILE_HTTP_HUGE_HEADERS] = { "http_huge_headers", HOSTILE_KIND_HTTP,
	    "HTTP CONNECT: \"200\" status line, then headers without end "
	    "(8 MiB, never the empty line)" },
	[HOSTILE_PROXY_SILENT] = { "proxy_silent", HOSTILE_KIND_SILENT,
	    "proxy that accepts and never replies (same as silent)" },
	[HOSTILE_BLACKHOLE] = { "blackhole", HOSTILE_KIND_SILENT,
	    "listens with a full accept queue: further SYNs are dropped, so "
	    "a TCP connect times out without leaving loopback" },
	[HOSTILE_TLS_HELLO_CLOSE] = { "tls_hello_close", HOSTILE_KIND_TLS,
	    "reads the client's first TLS record (the ClientHello) and "
	    "closes without an alert" },
};

struct hostile_conn {
	int		 fd;
	int		 logfd;		/* -1: no log */
	enum hostile_mode mode;
	unsigned	 id;		/* connection number, for the log */
	long long	 deadline;	/* monotonic ms: the hard cap */
	int		 drip_ms;	/* pause after each byte, 0: none */
	bool		 authed;
	char		 banner[80];	/* APOP / CRAM-MD5 timestamp */
	unsigned char	 in[HOSTILE_LINE_MAX + 1]; /* unparsed input */
	size_t		 inlen;
	size_t		 total_in;
	char		 cline[HOSTILE_LOG_SHOW + 8]; /* for the log */
	size_t		 clen;
	size_t		 cskip;		/* bytes of it not shown */
	bool		 ccr;		/* last client byte was CR */
};

static volatile sig_atomic_t hostile_stop;

static void
hostile_on_signal(int sig)
{
	(void)sig;
	hostile_stop = 1;
}

static long long
hostile_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before the connection's deadline, capped by want. */
static int
hostile_left(const struct hostile_conn *c, int want)
{
	long long left = c->deadline - hostile_now();

	if (left <= 0)
		return 0;
	if (want >= 0 && left > want)
		return want;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* --- log ------------------------------------------------------------- */

static void
hostile_log_write(int logfd, const char *s, size_t len)
{
	struct stat st;
	ssize_t n;

	if (logfd < 0)
		return;
	if (fstat(logfd, &st) == 0 && st.st_size > HOSTILE_LOG_MAX)
		return;
	/* O_APPEND and one write() per line: children do not interleave */
	n = write(logfd, s, len);
	(void)n;
}

static void __attribute__((format(printf, 2, 3)))
hostile_event(const struct hostile_conn *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n, m;

	n = snprintf(line, sizeof line, "%u # ", c->id);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	hostile_log_write(c->logfd, line, (size_t)n);
}

/* Appends byte ch, escaped, to an escaped line of at most cap bytes. */
static void
hostile_escape_add(char *line, size_t *len, size_t *skip, size_t cap,
    unsigned char ch)
{
	static const char hex[] = "0123456789abcdef";

	if (*len + 4 > cap) {
		(*skip)++;
		return;
	}
	if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
		line[(*len)++] = (char)ch;
		return;
	}
	line[(*len)++] = '\\';
	if (ch == '\\') {
		line[(*len)++] = '\\';
		return;
	}
	line[(*len)++] = 'x';
	line[(*len)++] = hex[ch >> 4];
	line[(*len)++] = hex[ch & 15];
}

static void
hostile_log_line(const struct hostile_conn *c, char who, const char *esc,
    size_t len, size_t skipped, const char *note)
{
	char out[HOSTILE_LOG_SHOW + 128];
	int n;

	n = snprintf(out, sizeof out, "%u %c: %.*s", c->id, who, (int)len, esc);
	if (n < 0)
		return;
	if (skipped > 0 && (size_t)n < sizeof out)
		n += snprintf(out + n, sizeof out - (size_t)n,
		    " [+%zu bytes]", skipped);
	if (note != NULL && (size_t)n < sizeof out)
		n += snprintf(out + n, sizeof out - (size_t)n, " %s", note);
	if ((size_t)n > sizeof out - 2)
		n = (int)sizeof out - 2;
	out[n++] = '\n';
	hostile_log_write(c->logfd, out, (size_t)n);
}

static void
hostile_log_client_flush(struct hostile_conn *c, const char *note)
{
	if (c->clen == 0 && c->cskip == 0 && note == NULL)
		return;
	hostile_log_line(c, 'C', c->cline, c->clen, c->cskip, note);
	c->clen = 0;
	c->cskip = 0;
}

/* Records client bytes: a log line per CRLF (or bare LF) ended line. */
static void
hostile_log_client(struct hostile_conn *c, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (c->ccr) {
			c->ccr = false;
			if (p[i] == '\n') {
				hostile_log_client_flush(c, NULL);
				continue;
			}
			hostile_escape_add(c->cline, &c->clen, &c->cskip,
			    HOSTILE_LOG_SHOW, '\r');
		}
		if (p[i] == '\r')
			c->ccr = true;
		else if (p[i] == '\n')
			hostile_log_client_flush(c, "[bare LF]");
		else
			hostile_escape_add(c->cline, &c->clen, &c->cskip,
			    HOSTILE_LOG_SHOW, p[i]);
	}
}

/* Records what the server sends, a log line per line. */
static void
hostile_log_server(const struct hostile_conn *c, const char *p, size_t n)
{
	char line[HOSTILE_LOG_SHOW + 8];
	size_t len = 0, skip = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue;
		if (p[i] == '\n') {
			hostile_log_line(c, 'S', line, len, skip, NULL);
			len = skip = 0;
			continue;
		}
		hostile_escape_add(line, &len, &skip, HOSTILE_LOG_SHOW,
		    (unsigned char)p[i]);
	}
	if (len > 0 || skip > 0)
		hostile_log_line(c, 'S', line, len, skip, "[no line end]");
}

/* --- I/O ------------------------------------------------------------- */

/*
 * Waits up to ms for client bytes and appends them to c->in.  Returns 1 when
 * bytes came, 0 on timeout (or no room left), -1 when the client closed,
 * failed, passed HOSTILE_IN_MAX or the server is stopping.
 */
static int
hostile_fill(struct hostile_conn *c, int ms)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	size_t room = sizeof c->in - 1 - c->inlen;
	ssize_t n;
	int r;

	if (hostile_stop)
		return -1;
	if (room == 0)
		return 0;
	r = poll(&pfd, 1, hostile_left(c, ms));
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	if (r == 0)
		return 0;
	n = recv(c->fd, c->in + c->inlen, room, 0);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		hostile_event(c, "client closed");
		return -1;
	}
	hostile_log_client(c, c->in + c->inlen, (size_t)n);
	c->inlen += (size_t)n;
	c->total_in += (size_t)n;
	if (c->total_in > HOSTILE_IN_MAX) {
		hostile_event(c, "client sent more than %u bytes",
		    HOSTILE_IN_MAX);
		return -1;
	}
	return 1;
}

/* Keeps reading (and recording) until the client leaves or time is up. */
static void
hostile_drain(struct hostile_conn *c)
{
	while (hostile_left(c, -1) > 0) {
		if (hostile_fill(c, -1) < 0)
			return;
		c->inlen = 0;
	}
	hostile_event(c, "time limit reached");
}

/* Pauses ms, still recording client bytes; -1 when the client left. */
static int
hostile_pause(struct hostile_conn *c, int ms)
{
	long long until = hostile_now() + ms, wait;

	for (;;) {
		wait = until - hostile_now();
		if (wait <= 0)
			return 0;
		if (hostile_left(c, -1) == 0)
			return -1;
		if (c->inlen == sizeof c->in - 1)
			c->inlen = 0;	/* nobody reads it: log only */
		if (hostile_fill(c, (int)wait) < 0)
			return -1;
	}
}

/* Writes all of p (dripping when drip_ms is set); -1 on failure. */
static int
hostile_write(struct hostile_conn *c, const void *p, size_t n)
{
	const char *s = p;
	struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
	size_t chunk;
	ssize_t w;

	while (n > 0) {
		if (hostile_stop)
			return -1;
		if (hostile_left(c, -1) == 0) {
			hostile_event(c, "time limit reached, %zu bytes "
			    "unsent", n);
			return -1;
		}
		chunk = c->drip_ms > 0 ? 1 : n;
		w = send(c->fd, s, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				hostile_event(c, "write failed: %s",
				    strerror(errno));
				return -1;
			}
			if (poll(&pfd, 1, hostile_left(c, 1000)) < 0 &&
			    errno != EINTR)
				return -1;
			continue;
		}
		s += w;
		n -= (size_t)w;
		if (c->drip_ms > 0 && n > 0 &&
		    hostile_pause(c, c->drip_ms) == -1)
			return -1;
	}
	return 0;
}

/* Sends bytes as they are and records them. */
static int
hostile_send(struct hostile_conn *c, const char *p, size_t n)
{
	hostile_log_server(c, p, n);
	return hostile_write(c, p, n);
}

static int
hostile_send_str(struct hostile_conn *c, const char *s)
{
	return hostile_send(c, s, strlen(s));
}

/* Sends one formatted line, CRLF added. */
static int __attribute__((format(printf, 2, 3)))
hostile_say(struct hostile_conn *c, const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n > sizeof line - 3)
		n = (int)sizeof line - 3;
	line[n++] = '\r';
	line[n++] = '\n';
	return hostile_send(c, line, (size_t)n);
}

/*
 * Reads one client line into out (CRLF or LF removed, NUL-terminated; a NUL
 * inside cuts it short).  Returns 1 with a line, -1 when the client left,
 * time ran out or the line passed HOSTILE_LINE_MAX.
 */
static int
hostile_getline(struct hostile_conn *c, char *out, size_t outsz)
{
	unsigned char *lf;
	size_t len;
	int r;

	for (;;) {
		lf = memchr(c->in, '\n', c->inlen);
		if (lf != NULL) {
			len = (size_t)(lf - c->in);
			if (len > 0 && c->in[len - 1] == '\r')
				len--;
			if (len >= outsz)
				len = outsz - 1;
			memcpy(out, c->in, len);
			out[len] = '\0';
			len = (size_t)(lf - c->in) + 1;
			memmove(c->in, c->in + len, c->inlen - len);
			c->inlen -= len;
			return 1;
		}
		if (c->inlen >= HOSTILE_LINE_MAX) {
			hostile_event(c, "client line longer than %d bytes",
			    HOSTILE_LINE_MAX);
			return -1;
		}
		if (hostile_left(c, -1) == 0) {
			hostile_event(c, "time limit reached");
			return -1;
		}
		r = hostile_fill(c, -1);
		if (r < 0)
			return -1;
	}
}

/* Takes exactly n bytes of client input (binary protocols). */
static int
hostile_take(struct hostile_conn *c, unsigned char *out, size_t n)
{
	while (c->inlen < n) {
		if (hostile_left(c, -1) == 0 || hostile_fill(c, -1) < 0)
			return -1;
	}
	if (out != NULL)
		memcpy(out, c->in, n);
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
	return 0;
}

/* --- POP3 ------------------------------------------------------------ */

static void
hostile_base64(const unsigned char *in, size_t len, char *out, size_t outsz)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < len && o + 5 < outsz; i += 3) {
		v = (unsigned)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

static int
hostile_greet(struct hostile_conn *c)
{
	static const char esc[] = "+OK \x1b[2J\x1b]0;pc_hostile title\x07"
	    " hello \x9b" "31m red \x85 next \xc2\x9b" "1;1H ready";
	static const char nul[] = "+OK hello\0world ready\r\n";
	char chunk[4096];
	size_t sent;

	switch (c->mode) {
	case HOSTILE_ESCAPE_GREETING:
		return hostile_say(c, "%s %s", esc, c->banner);
	case HOSTILE_NUL_BYTE:
		return hostile_send(c, nul, sizeof nul - 1);
	case HOSTILE_LONG_LINE_MODE:
		if (hostile_send(c, "+OK ", 4) == -1)
			return -1;
		memset(chunk, 'A', sizeof chunk);
		for (sent = 0; sent < HOSTILE_LONG_LINE; sent += sizeof chunk)
			if (hostile_write(c, chunk, sizeof chunk) == -1)
				return -1;
		hostile_event(c, "sent %u bytes of greeting text",
		    HOSTILE_LONG_LINE);
		return hostile_send(c, "\r\n", 2);
	case HOSTILE_NO_CRLF:
		if (hostile_send(c, "+OK this greeting never ends", 28) == -1)
			return -1;
		memset(chunk, 'x', 256);
		for (sent = 0; sent < HOSTILE_NO_CRLF_MAX; sent += 256) {
			if (hostile_write(c, chunk, 256) == -1 ||
			    hostile_pause(c, 50) == -1)
				return -1;
		}
		hostile_event(c, "sent %u bytes without a line end",
		    HOSTILE_NO_CRLF_MAX);
		hostile_drain(c);
		return -1;
	default:
		return hostile_say(c, "+OK pc_hostile POP3 ready %s",
		    c->banner);
	}
}

static int
hostile_capa(struct hostile_conn *c)
{
	static const char cut[] = "+OK Capability list follows\r\nTOP\r\nUI";
	char capa[512];
	int n;

	if (c->mode == HOSTILE_CLOSE_MID) {
		hostile_send(c, cut, sizeof cut - 1);
		hostile_event(c, "closing in the middle of CAPA");
		return -1;
	}
	n = snprintf(capa, sizeof capa,
	    "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n"
	    "AUTH-RESP-CODE\r\nPIPELINING\r\nUSER\r\n%s%s%s"
	    "IMPLEMENTATION pc_hostile\r\n.\r\n",
	    c->mode == HOSTILE_STLS_REFUSED || c->mode == HOSTILE_STLS_INJECT ?
	    "STLS\r\n" : "",
	    c->mode == HOSTILE_LOGIN_DELAY ? "LOGIN-DELAY 900\r\n" : "",
	    c->mode == HOSTILE_BAD_BASE64 ? "SASL CRAM-MD5\r\n" :
	    c->mode == HOSTILE_XOAUTH2_ERROR || c->mode == HOSTILE_XOAUTH2_OK ?
	    "SASL XOAUTH2\r\n" : "SASL PLAIN LOGIN CRAM-MD5\r\n");
	if (n < 0 || (size_t)n >= sizeof capa)
		return -1;
	return hostile_send(c, capa, (size_t)n);
}

/* The answer to a complete logon attempt: the mode's failure or +OK. */
static int
hostile_outcome(struct hostile_conn *c)
{
	switch (c->mode) {
	case HOSTILE_IN_USE:
		return hostile_say(c, "-ERR [IN-USE] Mailbox is locked by "
		    "another POP3 session");
	case HOSTILE_LOGIN_DELAY:
		return hostile_say(c, "-ERR [LOGIN-DELAY] Minimum time between "
		    "logons (900 s) not reached");
	case HOSTILE_SYS_TEMP:
		return hostile_say(c, "-ERR [SYS/TEMP] Temporary system "
		    "failure, try again later");
	case HOSTILE_SYS_PERM:
		return hostile_say(c, "-ERR [SYS/PERM] Mailbox permanently "
		    "unavailable");
	case HOSTILE_AUTH_FAIL:
	case HOSTILE_XOAUTH2_ERROR:
		return hostile_say(c, "-ERR [AUTH] Authentication failed.");
	case HOSTILE_ESCAPE_ERR:
		return hostile_say(c, "-ERR [AUTH] \033[2Jbad \xe2\x80\xae"
		    "drowssap\xe2\x80\x8b here");
	case HOSTILE_ERR_CP1251:
		/* "Неверный пароль" in Windows-1251 */
		return hostile_say(c, "-ERR [AUTH] \xcd\xe5\xe2\xe5\xf0\xed"
		    "\xfb\xe9 \xef\xe0\xf0\xee\xeb\xfc");
	case HOSTILE_ERR_KOI8R:
		/* The same words in KOI8-R */
		return hostile_say(c, "-ERR [AUTH] \xee\xc5\xd7\xc5\xd2\xce"
		    "\xd9\xca \xd0\xc1\xd2\xcf\xcc\xd8");
	default:
		c->authed = true;
		return hostile_say(c, "+OK Logged in.");
	}
}

/* Sends a continuation and reads the client's answer into resp. */
static int
hostile_challenge(struct hostile_conn *c, const char *text, char *resp,
    size_t respsz)
{
	if (hostile_say(c, "+ %s", text) == -1)
		return -1;
	return hostile_getline(c, resp, respsz) == 1 ? 0 : -1;
}

static int
hostile_auth(struct hostile_conn *c, char *args)
{
	static const char json[] = "{\"status\":\"401\",\"schemes\":\"bearer\","
	    "\"scope\":\"https://mail.google.com/\"}";
	static char resp[HOSTILE_LINE_MAX + 1];
	char b64[256], *ir;
	bool xo;

	ir = strchr(args, ' ');
	if (ir != NULL)
		*ir++ = '\0';
	xo = c->mode == HOSTILE_XOAUTH2_ERROR || c->mode == HOSTILE_XOAUTH2_OK;
	if (strcasecmp(args, "XOAUTH2") == 0 && xo) {
		if (ir == NULL && hostile_challenge(c, "", resp, sizeof resp))
			return -1;
		if (strcmp(ir != NULL ? ir : resp, "*") == 0)
			return hostile_say(c, "-ERR Authentication cancelled");
		if (c->mode == HOSTILE_XOAUTH2_OK)
			return hostile_outcome(c);
		hostile_base64((const unsigned char *)json, sizeof json - 1,
		    b64, sizeof b64);
		/* the client owes an empty line before the final -ERR */
		if (hostile_challenge(c, b64, resp, sizeof resp))
			return -1;
		return hostile_outcome(c);
	}
	if (strcasecmp(args, "CRAM-MD5") == 0 &&
	    c->mode == HOSTILE_BAD_BASE64) {
		if (hostile_challenge(c, "!!not*base64~~ <1.2@pc_hostile>",
		    resp, sizeof resp))
			return -1;
		if (strcmp(resp, "*") == 0)
			return hostile_say(c, "-ERR Authentication cancelled");
		return hostile_say(c, "-ERR [AUTH] Authentication failed.");
	}
	if (xo || c->mode == HOSTILE_BAD_BASE64)
		return hostile_say(c, "-ERR Unsupported authentication "
		    "mechanism");
	if (strcasecmp(args, "PLAIN") == 0) {
		if (ir == NULL && hostile_challenge(c, "", resp, sizeof resp))
			return -1;
	} else if (strcasecmp(args, "LOGIN") == 0) {
		if (hostile_challenge(c, "VXNlcm5hbWU6", resp, sizeof resp))
			return -1;
		if (strcmp(resp, "*") != 0 &&
		    hostile_challenge(c, "UGFzc3dvcmQ6", resp, sizeof resp))
			return -1;
	} else if (strcasecmp(args, "CRAM-MD5") == 0) {
		hostile_base64((const unsigned char *)c->banner,
		    strlen(c->banner), b64, sizeof b64);
		if (hostile_challenge(c, b64, resp, sizeof resp))
			return -1;
	} else
		return hostile_say(c, "-ERR Unsupported authentication "
		    "mechanism");
	if (ir == NULL && strcmp(resp, "*") == 0)
		return hostile_say(c, "-ERR Authentication cancelled");
	return hostile_outcome(c);
}

/* One command; returns -1 when the connection must end. */
static int
hostile_command(struct hostile_conn *c, char *line)
{
	static const char inject[] = "+OK Begin TLS negotiation now\r\n"
	    "+OK injected\r\n";
	char *args;

	args = strchr(line, ' ');
	if (args != NULL)
		*args++ = '\0';
	else
		args = line + strlen(line);

	if (strcasecmp(line, "CAPA") == 0)
		return hostile_capa(c);
	if (strcasecmp(line, "STLS") == 0) {
		if (c->mode != HOSTILE_STLS_INJECT)
			return hostile_say(c, "-ERR TLS is not available here");
		hostile_send(c, inject, sizeof inject - 1);
		hostile_drain(c);
		return -1;
	}
	if (strcasecmp(line, "USER") == 0)
		return *args != '\0' ? hostile_say(c, "+OK") :
		    hostile_say(c, "-ERR USER needs a name");
	if (strcasecmp(line, "PASS") == 0 || strcasecmp(line, "APOP") == 0)
		return hostile_outcome(c);
	if (strcasecmp(line, "AUTH") == 0)
		return hostile_auth(c, args);
	if (strcasecmp(line, "QUIT") == 0) {
		hostile_say(c, "+OK Bye");
		return -1;
	}
	if (strcasecmp(line, "NOOP") == 0 || strcasecmp(line, "RSET") == 0)
		return hostile_say(c, "+OK");
	if (!c->authed)
		return hostile_say(c, "-ERR Unknown command or not logged in");
	if (strcasecmp(line, "STAT") == 0)
		return hostile_say(c, "+OK " HOSTILE_STAT);
	if (strcasecmp(line, "LIST") == 0 && *args == '\0')
		return hostile_send_str(c, "+OK 3 messages\r\n1 100\r\n"
		    "2 100\r\n3 100\r\n.\r\n");
	if (strcasecmp(line, "UIDL") == 0 && *args == '\0')
		return hostile_send_str(c, "+OK\r\n1 uid-1\r\n2 uid-2\r\n"
		    "3 uid-3\r\n.\r\n");
	/* RETR, TOP, DELE...: a logon test never needs them */
	return hostile_say(c, "-ERR Not offered by this test server");
}

static void
hostile_pop3(struct hostile_conn *c)
{
	static char line[HOSTILE_LINE_MAX + 1];
	int i;

	if (hostile_greet(c) == -1)
		return;
	for (i = 0; i < HOSTILE_CMDS_MAX; i++) {
		if (hostile_getline(c, line, sizeof line) != 1)
			return;
		if (hostile_command(c, line) == -1)
			return;
	}
	hostile_event(c, "more than %d commands", HOSTILE_CMDS_MAX);
}

/* --- proxies --------------------------------------------------------- */

static void
hostile_socks5(struct hostile_conn *c)
{
	unsigned char b[512], reply[4 + 1 + 255 + 2], noise[4096];
	size_t i, len, sent;

	/* version, method count, methods */
	if (hostile_take(c, b, 2) == -1 || hostile_take(c, b + 2, b[1]) == -1)
		return;
	if (c->mode == HOSTILE_SOCKS5_TRUNCATED) {
		hostile_send(c, "\x05", 1);
		hostile_event(c, "closing after 1 byte of the method reply");
		return;
	}
	if (memchr(b + 2, 0x00, b[1]) != NULL) {
		hostile_send(c, "\x05\x00", 2);
	} else if (memchr(b + 2, 0x02, b[1]) != NULL) {
		/* RFC 1929: any user name and password will do */
		hostile_send(c, "\x05\x02", 2);
		if (hostile_take(c, b, 2) == -1 ||
		    hostile_take(c, NULL, b[1]) == -1 ||
		    hostile_take(c, b, 1) == -1 ||
		    hostile_take(c, NULL, b[0]) == -1)
			return;
		hostile_send(c, "\x01\x00", 2);
	} else {
		hostile_send(c, "\x05\xff", 2);
		return;
	}
	/* request: version, command, reserved, address type, address, port */
	if (hostile_take(c, b, 4) == -1)
		return;
	if (b[3] == 1)
		len = 4 + 2;
	else if (b[3] == 4)
		len = 16 + 2;
	else if (b[3] == 3 && hostile_take(c, b, 1) == 0)
		len = (size_t)b[0] + 2;
	else
		return;
	if (hostile_take(c, NULL, len) == -1)
		return;
	memcpy(reply, "\x05\x00\x00\x03\xff", 5);
	memset(reply + 5, 'D', 255);
	reply[5 + 255] = 0x00;
	reply[5 + 256] = 110;
	if (hostile_send(c, (const char *)reply, sizeof reply) == -1)
		return;
	for (i = 0; i < sizeof noise; i++)
		noise[i] = (unsigned char)(i * 37 + 11);
	for (sent = 0; sent < HOSTILE_GARBAGE; sent += sizeof noise)
		if (hostile_write(c, noise, sizeof noise) == -1)
			return;
	hostile_event(c, "sent %u bytes of garbage after the reply",
	    HOSTILE_GARBAGE);
}

static void
hostile_http(struct hostile_conn *c)
{
	static char line[HOSTILE_LINE_MAX + 1];
	char hdr[160];
	size_t sent = 0;
	unsigned i;
	int n;

	for (i = 0; i < 100; i++) {
		if (hostile_getline(c, line, sizeof line) != 1)
			return;
		if (line[0] == '\0')
			break;
	}
	if (hostile_say(c, "HTTP/1.1 200 Connection established") == -1)
		return;
	hostile_event(c, "sending headers without end");
	for (i = 0; sent < HOSTILE_HEADERS_MAX; i++) {
		n = snprintf(hdr, sizeof hdr, "X-Filler-%06u: %.100s\r\n", i,
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		/* the log keeps the first few, not 8 MiB of them */
		if ((i < 3 ? hostile_send(c, hdr, (size_t)n) :
		    hostile_write(c, hdr, (size_t)n)) == -1)
			return;
		sent += (size_t)n;
	}
	hostile_event(c, "sent %zu bytes of headers", sent);
	hostile_drain(c);
}

/* --- TLS ------------------------------------------------------------- */

/*
 * A server that reads the ClientHello record (5-byte header and body) and
 * closes without an alert, as some servers do when they refuse a
 * handshake.
 */
static void
hostile_tls_hello_close(struct hostile_conn *c)
{
	unsigned char hdr[5];
	size_t len;

	if (hostile_take(c, hdr, sizeof hdr) == -1)
		return;
	len = (size_t)hdr[3] << 8 | hdr[4];
	if (hostile_take(c, NULL, len) == -1)
		return;
	hostile_event(c, "read a TLS record of type %u, %zu bytes: closing "
	    "without an alert", hdr[0], len);
}

/* --- server ---------------------------------------------------------- */

static void
hostile_serve(int fd, int logfd, enum hostile_mode mode, unsigned id,
    int max_time, int drip_ms)
{
	struct hostile_conn *c;
	struct sockaddr_in peer = { .sin_family = AF_INET };
	socklen_t plen = sizeof peer;
	char addr[INET_ADDRSTRLEN] = "?";

	c = calloc(1, sizeof *c);
	if (c == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->logfd = logfd;
	c->mode = mode;
	c->id = id;
	c->drip_ms = mode == HOSTILE_DRIP ? drip_ms : 0;
	c->deadline = hostile_now() + (long long)max_time * 1000;
	snprintf(c->banner, sizeof c->banner, "<%ld.%lld@pc_hostile>",
	    (long)getpid(), (long long)time(NULL));
	if (getpeername(fd, (struct sockaddr *)&peer, &plen) == 0)
		inet_ntop(AF_INET, &peer.sin_addr, addr, sizeof addr);
	hostile_event(c, "accept from %s:%u, mode %s", addr,
	    (unsigned)ntohs(peer.sin_port), hostile_modes[mode].name);

	switch (hostile_modes[mode].kind) {
	case HOSTILE_KIND_POP3:
		hostile_pop3(c);
		break;
	case HOSTILE_KIND_SOCKS5:
		hostile_socks5(c);
		break;
	case HOSTILE_KIND_HTTP:
		hostile_http(c);
		break;
	case HOSTILE_KIND_SILENT:
		hostile_drain(c);
		break;
	case HOSTILE_KIND_TLS:
		hostile_tls_hello_close(c);
		break;
	}
	if (c->ccr)
		hostile_escape_add(c->cline, &c->clen, &c->cskip,
		    HOSTILE_LOG_SHOW, '\r');
	if (c->clen > 0 || c->cskip > 0)
		hostile_log_client_flush(c, "[no line end]");
	hostile_event(c, "close");
	close(fd);
	free(c);
}

static int
hostile_portfile(const char *path, unsigned port)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >=
	    (int)sizeof tmp)
		return -1;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
hostile_listen(unsigned port, int backlog, unsigned *bound)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    listen(fd, backlog) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

/*
 * Fill the accept queue of the listener on port (backlog 0) with our own
 * connections, which are never accepted: once it is full, the kernel drops
 * further SYNs.  The descriptors stay open (leaked on purpose) for the life
 * of the process.
 */
static void
hostile_fill_queue(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct pollfd pfd;
	int i, fd;

	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 16; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
		if (fd == -1)
			return;
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			continue;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (errno != EINPROGRESS || poll(&pfd, 1, 200) != 1) {
			close(fd);	/* this SYN was dropped: the queue is full */
			return;
		}
	}
}

/* Reaps finished children; returns how many are still running. */
static int
hostile_reap(pid_t *kids, int nkids)
{
	int i, st;

	for (i = 0; i < nkids; i++) {
		if (waitpid(kids[i], &st, WNOHANG) == kids[i]) {
			kids[i] = kids[--nkids];
			i--;
		}
	}
	return nkids;
}

/* SIGTERM to every child, then SIGKILL to those alive after 2 s. */
static void
hostile_kill_children(pid_t *kids, int nkids)
{
	long long until = hostile_now() + 2000;
	int i;

	for (i = 0; i < nkids; i++)
		kill(kids[i], SIGTERM);
	while (nkids > 0 && hostile_now() < until) {
		nkids = hostile_reap(kids, nkids);
		if (nkids > 0)
			poll(NULL, 0, 10);
	}
	for (i = 0; i < nkids; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
}

static void
hostile_usage(FILE *f)
{
	int i;

	fprintf(f, "usage: pc_hostile --mode MODE [--port N|0] [--portfile F] "
	    "[--log F]\n                  [--once] [--max-time S] "
	    "[--drip-ms MS]\n       pc_hostile --list-modes\nmodes:");
	for (i = 0; i < HOSTILE__COUNT; i++)
		fprintf(f, "%s %s", i % 6 == 0 ? "\n " : "",
		    hostile_modes[i].name);
	fputc('\n', f);
}

static long
hostile_number(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "pc_hostile: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "portfile", required_argument, NULL, 'f' },
		{ "log", required_argument, NULL, 'l' },
		{ "once", no_argument, NULL, '1' },
		{ "max-time", required_argument, NULL, 't' },
		{ "drip-ms", required_argument, NULL, 'd' },
		{ "list-modes", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sigaction sa;
	pid_t kids[HOSTILE_CHILDREN_MAX], pid;
	const char *portfile = NULL, *logpath = NULL, *modename = NULL;
	unsigned port = 0, bound, id = 0;
	int ch, i, lfd, cfd, logfd = -1, nkids = 0;
	int max_time = 30, drip_ms = 500;
	bool once = false;
	enum hostile_mode mode = HOSTILE__COUNT;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = (unsigned)hostile_number(optarg, 0, 65535,
			    "port");
			break;
		case 'm':
			modename = optarg;
			break;
		case 'f':
			portfile = optarg;
			break;
		case 'l':
			logpath = optarg;
			break;
		case '1':
			once = true;
			break;
		case 't':
			max_time = (int)hostile_number(optarg, 1, 3600,
			    "max-time");
			break;
		case 'd':
			drip_ms = (int)hostile_number(optarg, 1, 60000,
			    "drip-ms");
			break;
		case 'L':
			for (i = 0; i < HOSTILE__COUNT; i++)
				printf("%-18s %s\n", hostile_modes[i].name,
				    hostile_modes[i].help);
			return 0;
		case 'h':
			hostile_usage(stdout);
			return 0;
		default:
			hostile_usage(stderr);
			return 2;
		}
	}
	for (i = 0; modename != NULL && i < HOSTILE__COUNT; i++)
		if (strcmp(modename, hostile_modes[i].name) == 0)
			mode = (enum hostile_mode)i;
	if (mode == HOSTILE__COUNT || optind != argc) {
		if (modename != NULL)
			fprintf(stderr, "pc_hostile: unknown mode: %s\n",
			    modename);
		hostile_usage(stderr);
		return 2;
	}

	memset(&sa, 0, sizeof sa);
	/* no SA_RESTART: a signal ends poll() at once */
	sa.sa_handler = hostile_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (logpath != NULL) {
		logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0644);
		if (logfd == -1) {
			fprintf(stderr, "pc_hostile: %s: %s\n", logpath,
			    strerror(errno));
			return 1;
		}
	}
	lfd = hostile_listen(port, mode == HOSTILE_BLACKHOLE ? 0 : 16, &bound);
	if (lfd == -1) {
		fprintf(stderr, "pc_hostile: cannot listen on 127.0.0.1:%u: "
		    "%s\n", port, strerror(errno));
		return 1;
	}
	if (portfile != NULL && hostile_portfile(portfile, bound) == -1) {
		fprintf(stderr, "pc_hostile: %s: %s\n", portfile,
		    strerror(errno));
		return 1;
	}
	if (mode == HOSTILE_BLACKHOLE)
		hostile_fill_queue(bound);
	printf("pc_hostile: mode %s on 127.0.0.1:%u\n",
	    hostile_modes[mode].name, bound);
	fflush(stdout);
	if (mode == HOSTILE_BLACKHOLE) {
		/* Never accept: the queue stays full until we are stopped. */
		while (!hostile_stop)
			poll(NULL, 0, 200);
		if (portfile != NULL)
			unlink(portfile);
		return 0;
	}

	while (!hostile_stop) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };

		nkids = hostile_reap(kids, nkids);
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd == -1)
			continue;
		id++;
		if (once) {
			hostile_serve(cfd, logfd, mode, id, max_time, drip_ms);
			break;
		}
		if (nkids == HOSTILE_CHILDREN_MAX) {
			static const char full[] = "0 # refused: too many "
			    "clients\n";

			hostile_log_write(logfd, full, sizeof full - 1);
			close(cfd);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			close(lfd);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			alarm((unsigned)max_time + 5);	/* backstop */
			hostile_serve(cfd, logfd, mode, id, max_time, drip_ms);
			_exit(0);
		}
		if (pid > 0)
			kids[nkids++] = pid;
		close(cfd);
	}
	hostile_kill_children(kids, nkids);
	close(lfd);
	if (portfile != NULL)
		unlink(portfile);
	if (logfd != -1)
		close(logfd);
	return 0;
}
