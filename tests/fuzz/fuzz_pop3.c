/*
 * fuzz_pop3.c - libFuzzer target for the POP3 machine (proto/).
 *
 * Each input drives two things.  First the reply parsers of pop3_resp.c
 * get the bytes directly (framing with a small cap, status, codes, STAT,
 * the APOP timestamp, CAPA lines, multi-line unstuffing).  Then a whole
 * session runs: the first byte picks the configuration (method, STLS,
 * implicit TLS, plaintext, token, small caps), the second the chunk size
 * (bits 0-5) and trusted capabilities of a repeat test (bits 6-7), and
 * the rest is what "the server" sends; TLS_READY follows a STARTTLS
 * action at the next chunk boundary and the peer closes at the end.
 *
 * Beyond the sanitizers, the target aborts when an invariant breaks: a
 * display text holds a control character or a secret, the outcome message
 * holds a secret, or the session is not finished after the peer closed.
 *
 * Build: cmake -DPOPCONN_FUZZ=ON with CC=clang; run for example
 *   ./fuzz_pop3 -max_total_time=60 -rss_limit_mb=2048 corpus/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/pop3_int.h"

#define FUZZ_PW		"s3cr3t-PW"
#define FUZZ_TOKEN	"t0ken-XYZ"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Printable, and free of the secrets the session was given (token NULL
 * when the session had none: then it is not a secret).
 */
static void
fuzz_check_text(const char *t, const char *pw, const char *token)
{
	const unsigned char *u;

	for (u = (const unsigned char *)t; *u != '\0'; u++)
		if (*u < 0x20 || *u == 0x7f)
			abort();
	if (pw != NULL && strstr(t, pw) != NULL)
		abort();
	if (token != NULL && strstr(t, token) != NULL)
		abort();
}

static void
fuzz_parsers(const char *d, size_t n)
{
	struct pop3_lines l;
	struct pop3_multi m;
	struct pop3_capa c;
	const char *line;
	size_t used, len;
	uint64_t a, b;
	bool complete;
	char *ts = NULL, *cause = NULL;

	pop3_resp_lines_init(&l, 64);
	pop3_resp_multi_init(&m, 256);
	memset(&c, 0, sizeof c);
	while (n > 0) {
		if (pop3_resp_lines_take(&l, d, n, &used, &complete,
		    &cause) != PC_OK) {
			free(cause);
			cause = NULL;
			break;
		}
		d += used;
		n -= used;
		if (!complete)
			break;
		line = l.line.data;
		len = l.line.len;
		(void)pop3_resp_status(line, len);
		(void)pop3_resp_diag(pop3_resp_code(line, len), DIAG_OK);
		(void)pop3_resp_stat(line, len, &a, &b);
		if (pop3_resp_timestamp(line, len, &ts) == PC_OK) {
			if (ts[0] != '<' || strchr(ts, '@') == NULL)
				abort();
			free(ts);
			ts = NULL;
		}
		if (pop3_resp_multi_line(&m, &line, &len) > 0)
			pop3_resp_capa_line(&c, line, len);
		pop3_resp_lines_clear(&l);
	}
	if (c.sasl_list != NULL)
		fuzz_check_text(c.sasl_list, NULL, NULL);
	pop3_resp_capa_cleanup(&c);
	pop3_resp_lines_cleanup(&l);
}

/* Drain the queue; returns 1 when a STARTTLS action came out. */
static int
fuzz_drain(struct pop3 *p, const struct pop3_cfg *cfg)
{
	struct pop3_action a;
	int tls = 0;

	while (pop3_next_action(p, &a)) {
		fuzz_check_text(a.text, cfg->password, cfg->oauth_token);
		if (a.kind == POP3_ACT_SEND && (a.len < 2 ||
		    memcmp(a.data + a.len - 2, "\r\n", 2) != 0))
			abort();
		if (a.kind == POP3_ACT_STARTTLS)
			tls = 1;
	}
	return tls;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pop3_cfg cfg;
	struct pop3 *p;
	size_t chunk, n;
	const char *d;
	int tls = 0;

	if (size < 2)
		return 0;
	fuzz_parsers((const char *)data + 2, size - 2);

	memset(&cfg, 0, sizeof cfg);
	cfg.username = "fuzzuser";
	cfg.password = FUZZ_PW;
	cfg.method = (enum pop3_method)(data[0] % POP3_M__COUNT);
	cfg.stls = (data[0] & 0x08) != 0;
	cfg.tls_active = (data[0] & 0x10) != 0;
	cfg.allow_plaintext = (data[0] & 0x20) != 0;
	cfg.oauth_token = (data[0] & 0x40) != 0 ? FUZZ_TOKEN : NULL;
	if (data[0] & 0x80) {
		cfg.max_line = 40;
		cfg.max_multi = 100;
	}
	chunk = (size_t)(data[1] % 64) + 1;
	if (data[1] & 0x40)
		cfg.trusted_capa = (data[1] & 0x80) != 0 ? "SASL PLAIN" :
		    "USER\nSASL PLAIN LOGIN CRAM-MD5 XOAUTH2\nPIPELINING\n";

	p = pop3_new(&cfg);
	pop3_event(p, POP3_EV_CONNECTED);
	fuzz_drain(p, &cfg);
	d = (const char *)data + 2;
	size -= 2;
	while (size > 0) {
		if (tls) {
			pop3_event(p, POP3_EV_TLS_READY);
			tls = 0;
			fuzz_drain(p, &cfg);
		}
		n = size < chunk ? size : chunk;
		pop3_feed(p, d, n);
		tls = fuzz_drain(p, &cfg);
		d += n;
		size -= n;
	}
	pop3_event(p, POP3_EV_CLOSED);
	fuzz_drain(p, &cfg);
	if (!pop3_done(p))
		abort();
	fuzz_check_text(pop3_outcome(p)->message, cfg.password,
	    cfg.oauth_token);
	pop3_free(p);
	return 0;
}
