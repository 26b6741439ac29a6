/*
 * fuzz_logon.c - libFuzzer target for the logon driver (src/logon/logon.c)
 * with everything it drives: the POP3 machine, the proxy clients, the real
 * TLS layer with its STLS guard, and the mapping of failures onto
 * diagnoses.  The driver's transport seam (logon_opts.xops) puts one end
 * of an in-memory pipe of the unit tests (xport_mem_pair) at the bottom of
 * the stack; the fuzzer plays the server (or the proxy) on the other end.
 *
 * Input: two bytes of configuration, then what the server says, in
 * segments separated by "\n--\n".  Segment 0 is there from the start; the
 * next one is sent once the client wrote something new, or read all there
 * was; after the last one the server closes.  So a segment is the answer
 * to a command, or bytes the server sends unasked (after the +OK to STLS:
 * an injection, in the same read or in a read of its own).
 *	byte 0	bits 0-1  security: none, ssl, tls, tls
 *		bits 2-4  auth: auto user apop plain login cram-md5 user auto
 *		bit  5    allow_plaintext
 *		bit  6    delivery byte by byte (else any size)
 *		bit  7    AGAIN mode of xport_mem (every other call waits)
 *	byte 1	bits 0-1  proxy: none, SOCKS5, HTTP CONNECT, SOCKS4a
 *		bit  2    proxy credentials
 *		bit  3    a repeat test trusting saved capabilities
 *
 * Invariants (abort when broken), beyond the sanitizers:
 *  - the session ends once the server has closed (no hang);
 *  - the result is consistent: a known diagnosis, a message, a failed step
 *    exactly when it failed;
 *  - every trace text is printable UTF-8 (fuzz_check.h) and holds neither
 *    password (unless what the server sent holds it, maybe across two
 *    segments: then a quoted reply may);
 *  - no logon command (USER, PASS, APOP, AUTH) and no password leaves the
 *    client unless the link is allowed to carry it in clear (security none
 *    with allow_plaintext): with ssl or tls the TLS handshake can never
 *    succeed against these bytes, so anything of the logon that went out
 *    went out in clear;
 *  - with ssl or tls the result is never ok.
 * Set FUZZ_VERBOSE=1 to see the trace.
 *
 * Build: cmake -DPOPCONN_FUZZ=ON with CC=clang; run for example
 *   ./fuzz_logon -max_total_time=60 -timeout=10 -rss_limit_mb=1024 corpus/
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "helpers/xport_mem.h"
#include "popconn/buf.h"
#include "popconn/logon.h"
#include "popconn/profile.h"

#define FUZZ_PW		"Pw-s3cr3t-42"
#define FUZZ_PROXY_PW	"Px-s3cr3t-43"
#define FUZZ_SEP	"\n--\n"
#define FUZZ_STEPS	20000

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz {
	struct xport	*client;	/* handed to the driver (it frees) */
	struct xport	*cend;		/* the same, borrowed while it runs */
	struct xport	*server;	/* our end */
	struct buf	 wrote;		/* every byte the client wrote */
};

static struct xport *
fuzz_sock(void *arg, const char *host, int port, const char *bind_addr)
{
	struct fuzz *f = arg;
	struct xport *x = f->client;

	/* One connection per session. */
	if (x == NULL)
		abort();
	f->client = NULL;
	return x;
}

/* What the client wrote since the last call; returns how many bytes. */
static size_t
fuzz_drain(struct fuzz *f)
{
	char chunk[4096];
	size_t got, n = 0;

	while (xport_read(f->server, chunk, sizeof chunk, &got) == PC_OK) {
		buf_add(&f->wrote, chunk, got);
		n += got;
	}
	return n;
}

static bool
fuzz_has(const struct buf *b, const char *s)
{
	return b->len > 0 && memmem(b->data, b->len, s, strlen(s)) != NULL;
}

static void
fuzz_set(struct profile *p, const char *k, const char *v)
{
	if (profile_field_set(p, k, v, NULL) != PC_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sec[] = { "none", "ssl", "tls", "tls" };
	static const char *const auth[] = { "auto", "user", "apop", "plain",
	    "login", "cram-md5", "user", "auto" };
	static const char *const proxy[] = { "none", "socks5", "http",
	    "socks4a" };
	struct logon_xport_ops xops;
	struct logon_opts o;
	struct profile *p;
	struct trace *tr;
	struct logon *lg;
	const struct logon_result *r;
	const char *seg, *end, *stop;
	struct fuzz f;
	struct buf said;
	size_t i, put;
	bool pw_in_input, clear_ok, closed = false;
	int steps;

	if (size < 2)
		return 0;
	memset(&f, 0, sizeof f);
	buf_init(&f.wrote, 0);
	xport_mem_pair(&f.client, &f.server);
	f.cend = f.client;
	if (data[0] & 0x40)
		xport_mem_set_chunk(f.client, 1);
	if (data[0] & 0x80)
		xport_mem_set_again(f.client, 1);

	p = profile_new();
	fuzz_set(p, "name", "fuzz");
	fuzz_set(p, "address", "pop.example.net");
	fuzz_set(p, "security", sec[data[0] & 3]);
	fuzz_set(p, "auth", auth[(data[0] >> 2) & 7]);
	fuzz_set(p, "allow_plaintext", data[0] & 0x20 ? "yes" : "no");
	fuzz_set(p, "timeout", "3600");	/* never a wait on the clock */
	fuzz_set(p, "username", "tim");
	fuzz_set(p, "password", FUZZ_PW);
	fuzz_set(p, "proxy_type", proxy[data[1] & 3]);
	if ((data[1] & 3) != 0) {
		fuzz_set(p, "proxy_address", "proxy.example.net");
		fuzz_set(p, "proxy_port", "1080");
		if (data[1] & 4) {
			fuzz_set(p, "proxy_auth", "yes");
			fuzz_set(p, "proxy_username", "pxuser");
			fuzz_set(p, "proxy_password", FUZZ_PROXY_PW);
		}
	}
	clear_ok = (data[0] & 3) == 0 && (data[0] & 0x20) != 0;
	/* What the server sends: the segments without their separators. */
	buf_init(&said, 0);
	for (seg = (const char *)data + 2, stop = (const char *)data + size;
	    seg != NULL; seg = end < stop ? end + 4 : NULL) {
		end = memmem(seg, (size_t)(stop - seg), FUZZ_SEP, 4);
		if (end == NULL)
			end = stop;
		buf_add(&said, seg, (size_t)(end - seg));
	}
	pw_in_input = fuzz_has(&said, FUZZ_PW) || fuzz_has(&said,
	    FUZZ_PROXY_PW);
	buf_cleanup(&said);

	memset(&xops, 0, sizeof xops);
	xops.sock = fuzz_sock;
	xops.arg = &f;
	memset(&o, 0, sizeof o);
	o.xops = &xops;
	if (data[1] & 8)
		o.trusted_capa = "USER\nSASL PLAIN LOGIN CRAM-MD5\nPIPELINING"
		    "\nRESP-CODES";
	tr = trace_new(0);

	/* Segment 0 waits for the client from the start. */
	seg = (const char *)data + 2;
	stop = (const char *)data + size;
	end = memmem(seg, (size_t)(stop - seg), FUZZ_SEP, 4);
	if (end == NULL)
		end = stop;
	if (end > seg)
		xport_write(f.server, seg, (size_t)(end - seg), &put);
	seg = end < stop ? end + 4 : NULL;

	lg = logon_new(p, tr, &o);
	for (steps = 0; !logon_done(lg) && steps < FUZZ_STEPS; steps++) {
		/* The next segment answers something new, or follows. */
		if (fuzz_drain(&f) > 0 || xport_pending(f.cend) == 0) {
			if (seg != NULL) {
				end = memmem(seg, (size_t)(stop - seg),
				    FUZZ_SEP, 4);
				if (end == NULL)
					end = stop;
				if (end > seg)
					xport_write(f.server, seg,
					    (size_t)(end - seg), &put);
				seg = end < stop ? end + 4 : NULL;
			} else if (!closed) {
				xport_close(f.server);
				closed = true;
			}
		}
		logon_advance(lg, NULL, 0);
	}
	/* The server closed long ago: the session must be over. */
	if (!logon_done(lg))
		abort();
	fuzz_drain(&f);

	r = logon_result(lg);
	if ((unsigned)r->diag >= DIAG__COUNT || r->message == NULL ||
	    (r->diag == DIAG_OK) != (r->failed_step == NULL))
		abort();
	if ((data[0] & 3) != 0 && r->diag == DIAG_OK)
		abort();
	for (i = 0; i < trace_count(tr); i++) {
		const char *t = trace_get(tr, i)->text;

		if (getenv("FUZZ_VERBOSE") != NULL)
			fprintf(stderr, "%s\n", t);
		if (!fuzz_printable(t, strlen(t)))
			abort();
		if (!pw_in_input && (strstr(t, FUZZ_PW) != NULL ||
		    strstr(t, FUZZ_PROXY_PW) != NULL))
			abort();
	}
	if (!pw_in_input && strstr(r->message, FUZZ_PW) != NULL)
		abort();
	if (!clear_ok && (fuzz_has(&f.wrote, "USER ") ||
	    fuzz_has(&f.wrote, "PASS ") || fuzz_has(&f.wrote, "APOP ") ||
	    fuzz_has(&f.wrote, "AUTH ") || fuzz_has(&f.wrote, FUZZ_PW)))
		abort();

	logon_free(lg);
	trace_free(tr);
	profile_free(p);
	xport_free(f.server);
	if (f.client != NULL)
		xport_free(f.client);
	buf_cleanup(&f.wrote);
	return 0;
}
