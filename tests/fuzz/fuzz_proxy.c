/*
 * fuzz_proxy.c - libFuzzer target for the proxy handshakes (proxy.c,
 * proxy_socks.c, proxy_http.c), their transport glue (xport_proxy.c) and
 * the NTLM challenge parser (net/).
 *
 * Each input drives three things.  First ntlm_challenge_parse gets the
 * bytes after the first one directly; when it accepts them, an
 * AUTHENTICATE is built on the parsed challenge.  Then the sans-I/O
 * handshake is fed those same bytes as the proxy's reply, and every
 * request it asks to send is taken whole, until it is final or the bytes
 * run out.  Last a proxy transport runs over an in-memory pipe of the unit
 * tests (xport_mem) whose other end holds the bytes, and closes once the
 * client waits for more.  The first byte picks the configuration:
 *	bits 0-1  type: SOCKS4, SOCKS4a, SOCKS5, HTTP CONNECT
 *	bit  2    credentials on
 *	bit  3    HTTP: an NTLM domain (with credentials)
 *	bit  4    destination a name instead of an IPv4 literal (never for
 *		  SOCKS4, which would resolve it with DNS)
 *	bit  5    delivery byte by byte, else in chunks of up to 7 bytes
 *	bit  6    AGAIN mode (every other read and write waits first)
 *	bit  7    destination an IPv6 literal (SOCKS5 and HTTP)
 * xport_connect runs until it is final, then xport_read drains the tunnel.
 *
 * Beyond the sanitizers, the target aborts when an invariant breaks: a
 * trace note or the cause holds a control character or the password
 * (unless the reply itself holds it), the connect does not finish
 * although the peer closed, a failure has no class, or the tunnel hands
 * out bytes the peer never sent (the handshake's tunnel bytes must be the
 * last ones fed).  Set FUZZ_VERBOSE=1 in the environment to see the trace
 * notes.
 *
 * Build: cmake -DPOPCONN_FUZZ=ON with CC=clang; run for example
 *   ./fuzz_proxy -max_total_time=60 -rss_limit_mb=2048 corpus/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/xport_mem.h"
#include "net/net_int.h"
#include "popconn/ntlm.h"
#include "popconn/xport.h"

#define FUZZ_PW		"s3cr3t-PW"
#define FUZZ_STEPS	100000

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * 1 when the peer's reply holds the password itself: then a text that
 * quotes the reply may show it without a leak on our side.
 */
static int fuzz_pw_in_reply;

/* Printable and free of the password. */
static void
fuzz_check_text(const char *t)
{
	const unsigned char *u;

	for (u = (const unsigned char *)t; *u != '\0'; u++)
		if (*u < 0x20 || *u == 0x7f)
			abort();
	if (!fuzz_pw_in_reply && strstr(t, FUZZ_PW) != NULL)
		abort();
}

static void
fuzz_note(void *arg, const char *text)
{
	static int verbose = -1;

	(void)arg;
	fuzz_check_text(text);
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "note: %s\n", text);
}

static void
fuzz_ntlm(const unsigned char *d, size_t n)
{
	static const unsigned char cchal[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ntlm_challenge ch;
	unsigned char *m = NULL;
	size_t mlen = 0;
	char *cause = NULL;

	if (ntlm_challenge_parse(d, n, &ch, &cause) != PC_OK) {
		if (cause == NULL)
			abort();
		free(cause);
		return;
	}
	if (ch.target_info_len > NTLM_TARGET_INFO_MAX ||
	    (ch.target_info_len > 0 && ch.target_info == NULL))
		abort();
	if (ntlm_authenticate(&ch, "fuzzuser", "FUZZDOM", FUZZ_PW, cchal,
	    ntlm_filetime(1700000000), &m, &mlen, &cause) == PC_OK)
		free(m);
	else
		free(cause);
	ntlm_challenge_cleanup(&ch);
}

/*
 * Run connect until it is final.  The peer closes (an end of stream for
 * the proxy client) once the client has read every byte and waited a few
 * times for more: a closed pipe also refuses writes, so it must not close
 * while the client still has a request to send.
 */
static enum pc_err
fuzz_connect(struct xport *x, struct xport *mem, struct xport *peer,
    int *closed)
{
	enum pc_err rc = PC_E_AGAIN;
	int i, idle = 0;

	for (i = 0; i < FUZZ_STEPS; i++) {
		rc = xport_connect(x);
		if (rc != PC_E_AGAIN)
			return rc;
		if (*closed || xport_pending(mem) > 0) {
			idle = 0;
			continue;
		}
		if (++idle >= 4) {
			xport_close(peer);
			*closed = 1;
		}
	}
	/* The peer's data is finite and then it closes: always final. */
	abort();
}

/* The configuration the first byte picks. */
static void
fuzz_cfg(uint8_t sel, struct xport_proxy_cfg *cfg_out)
{
	struct xport_proxy_cfg cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.type = (enum xport_proxy_type)(sel & 3);
	cfg.proxy_host = "127.0.0.1";
	cfg.proxy_port = 1080;
	cfg.host = "192.0.2.7";
	if ((sel & 0x10) && cfg.type != XPORT_PROXY_SOCKS4)
		cfg.host = "pop.example.org";
	else if ((sel & 0x80) && cfg.type >= XPORT_PROXY_SOCKS5)
		cfg.host = "[2001:db8::7]";
	cfg.port = 995;
	if (sel & 0x04) {
		cfg.username = "fuzzuser";
		cfg.password = FUZZ_PW;
		if (sel & 0x08)
			cfg.domain = "FUZZDOM";
	}
	*cfg_out = cfg;
}

/*
 * The handshake alone: every request goes out whole, the reply comes in
 * chunks of 1 or up to 7 bytes.  When the bytes run out while it needs
 * more, it stops there (the transport would fail with "closed").
 */
static void
fuzz_handshake(uint8_t sel, const unsigned char *d, size_t n)
{
	struct xport_proxy_cfg cfg;
	struct proxy hs;
	size_t fed = 0, chunk, took;
	int i;

	fuzz_cfg(sel, &cfg);
	if (proxy_init(&hs, &cfg, NULL) != PC_OK)
		abort();	/* every configuration is valid */
	hs.note = fuzz_note;
	/* No RNG for the NTLM leg: the input decides all. */
	hs.ntlm_fixed = 1;
	hs.ntlm_time = 1700000000;
	proxy_start(&hs, NULL);
	for (i = 0; i < FUZZ_STEPS; i++) {
		switch (proxy_step(&hs)) {
		case PROXY_SEND:
			if (hs.out.len == 0)
				abort();
			proxy_sent(&hs, hs.out.len);
			continue;
		case PROXY_NEED:
			if (fed == n)
				break;
			chunk = (sel & 0x20) ? 1 : 1 + (fed * 5 + n) % 7;
			if (chunk > n - fed)
				chunk = n - fed;
			took = proxy_feed(&hs, d + fed, chunk);
			if (took > chunk)
				abort();
			fed += took;
			if (took == 0 && hs.ph != PROXY_PH_FAILED)
				abort();	/* no room must fail */
			continue;
		case PROXY_DONE:
			/* The tunnel bytes are the last ones fed. */
			if (hs.in.len > fed || (hs.in.len > 0 &&
			    memcmp(hs.in.data, d + fed - hs.in.len,
			    hs.in.len) != 0))
				abort();
			break;
		case PROXY_FAILED:
			if (hs.fail == XPORT_FAIL_NONE || hs.fail_rc == PC_OK ||
			    hs.cause == NULL)
				abort();
			fuzz_check_text(hs.cause);
			break;
		}
		break;
	}
	if (i == FUZZ_STEPS)
		abort();
	proxy_cleanup(&hs);
}

static void
fuzz_proxy(uint8_t sel, const unsigned char *d, size_t n)
{
	struct xport_proxy_cfg cfg;
	struct xport *mem, *peer, *x;
	unsigned char buf[512];
	char *cause = NULL;
	size_t got, put, total = 0;
	enum pc_err rc;
	int i, closed = 0;

	fuzz_cfg(sel, &cfg);
	/* The peer's whole reply waits in the pipe from the start. */
	xport_mem_pair(&mem, &peer);
	if (n > 0 && (xport_write(peer, d, n, &put) != PC_OK || put != n))
		abort();
	xport_mem_set_chunk(mem, (sel & 0x20) ? 1 : 7);
	xport_mem_set_again(mem, (sel & 0x40) != 0);
	if (xport_proxy_new(mem, &cfg, &x, &cause) != PC_OK)
		abort();	/* every configuration above is valid */
	xport_set_note(x, fuzz_note, NULL);

	rc = fuzz_connect(x, mem, peer, &closed);
	if (rc == PC_OK) {
		/* The tunnel: what followed the reply, then the end. */
		if (!closed) {
			xport_close(peer);
			closed = 1;
		}
		for (i = 0; i < FUZZ_STEPS; i++) {
			rc = xport_read(x, buf, sizeof buf, &got);
			if (rc == PC_E_AGAIN)
				continue;
			if (rc != PC_OK)
				break;
			if (got == 0 || got > sizeof buf)
				abort();
			total += got;
		}
		if (i == FUZZ_STEPS || rc != PC_E_CLOSED || total > n)
			abort();
	} else if (xport_fail(x) == XPORT_FAIL_NONE)
		abort();
	fuzz_check_text(xport_cause(x));
	xport_free(x);
	xport_free(peer);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_pw_in_reply = memmem(data, size, FUZZ_PW, strlen(FUZZ_PW)) !=
	    NULL;
	fuzz_ntlm(data + 1, size - 1);
	fuzz_handshake(data[0], data + 1, size - 1);
	fuzz_proxy(data[0], data + 1, size - 1);
	return 0;
}
