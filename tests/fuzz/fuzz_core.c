/*
 * fuzz_core.c - libFuzzer target for the text helpers of str.c (core/):
 * str_escape, str_needs_escape, b64_decode and b64_encode.
 *
 * Invariants checked beyond the sanitizers, on every input:
 * - str_escape gives printable UTF-8 (see fuzz_check.h) without a NUL,
 *   it can be undone (\\, \xNN and \uNNNN) to give the input back, and
 *   it changes nothing exactly when str_needs_escape says so;
 * - a string b64_decode accepts is the encoding of what it decoded (the
 *   decoder is strict, so only canonical base64 passes), and any bytes
 *   survive b64_encode then b64_decode.
 *
 * Build: cmake -DPOPCONN_FUZZ=ON with CC=clang; run for example
 *   ./fuzz_core -max_total_time=60 -rss_limit_mb=2048 corpus/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/str.h"
#include "popconn/xmalloc.h"
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Undo str_escape into out (room for len bytes); the length, or -1. */
static long
fuzz_unescape(const char *e, size_t len, char *out)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (e[i] != '\\') {
			out[n++] = e[i];
			continue;
		}
		if (i + 1 < len && e[i + 1] == '\\') {
			out[n++] = '\\';
			i++;
			continue;
		}
		/* \uNNNN: a bidi or invisible format character, as UTF-8. */
		if (i + 5 < len && e[i + 1] == 'u') {
			unsigned cp = 0;
			int k, h;

			for (k = 2; k < 6; k++) {
				if ((h = fuzz_hex(e[i + k])) < 0)
					return -1;
				cp = cp * 16 + (unsigned)h;
			}
			if (cp < 0x800) {
				out[n++] = (char)(0xc0 | (cp >> 6));
				out[n++] = (char)(0x80 | (cp & 0x3f));
			} else {
				out[n++] = (char)(0xe0 | (cp >> 12));
				out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				out[n++] = (char)(0x80 | (cp & 0x3f));
			}
			i += 5;
			continue;
		}
		if (i + 3 >= len || e[i + 1] != 'x' ||
		    (hi = fuzz_hex(e[i + 2])) < 0 ||
		    (lo = fuzz_hex(e[i + 3])) < 0)
			return -1;
		out[n++] = (char)(hi * 16 + lo);
		i += 3;
	}
	return (long)n;
}

static void
fuzz_escape(const char *d, size_t n)
{
	char *e, *back;
	size_t elen;
	long blen;

	e = str_escape(d, n);
	elen = strlen(e);
	if (!fuzz_printable(e, elen))
		abort();
	if (str_needs_escape(d, n) != (elen != n || memcmp(e, d, n) != 0))
		abort();
	back = xmalloc(elen + 1);
	blen = fuzz_unescape(e, elen, back);
	if (blen < 0 || (size_t)blen != n || memcmp(back, d, n) != 0)
		abort();
	free(back);
	free(e);
}

static void
fuzz_b64(const char *d, size_t n)
{
	unsigned char *out = NULL;
	size_t outlen = 0;
	char *enc;

	if (b64_decode(d, n, &out, &outlen) == PC_OK) {
		if (out[outlen] != '\0')
			abort();
		enc = b64_encode(out, outlen);
		if (strlen(enc) != n || memcmp(enc, d, n) != 0)
			abort();
		free(enc);
		free(out);
	} else if (out != NULL)
		abort();	/* *out untouched on failure */

	enc = b64_encode(d, n);
	out = NULL;
	if (b64_decode(enc, strlen(enc), &out, &outlen) != PC_OK ||
	    outlen != n || memcmp(out, d, n) != 0)
		abort();
	free(out);
	free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *d;

	/* A private copy, so that a read past the end is caught. */
	d = xmalloc(size > 0 ? size : 1);
	memcpy(d, data, size);
	fuzz_escape(d, size);
	fuzz_b64(d, size);
	free(d);
	return 0;
}
