/*
 * fuzz_codepage.c - libFuzzer target for codepage.c (model/): the parsing
 * of code page names and popconn's own conversions, codepage_display
 * (server text to printable UTF-8) and codepage_encode (credentials from
 * UTF-8 to the server's code page).
 *
 * An input drives three things.  First codepage_parse gets the input up
 * to its first NUL (or all of it) as a code page name; when it accepts
 * it, the number must be in the table, and the bytes after the NUL (or
 * the whole input) are displayed from that page.  Then the first byte
 * picks an entry of the table: its name and its number in decimal must
 * parse back to it, the rest of the input is displayed from it, and
 * encoded to it as if it were a credential.
 *
 * Invariants: a displayed text is printable UTF-8 (fuzz_check.h) and never
 * NULL for a known page; an encode either fails with a cause and no
 * output, or succeeds only for valid UTF-8; for single-byte pages that
 * glibc maps one to one, what was encoded displays back as the input
 * itself (escaped).
 *
 * Build: cmake -DPOPCONN_FUZZ=ON with CC=clang; run for example
 *   ./fuzz_codepage -max_total_time=60 -rss_limit_mb=2048 corpus/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/codepage.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"
#include "fuzz_check.h"

#define FUZZ_NAME_MAX	64

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_display(int number, const char *in, size_t len)
{
	char *copy, *e;

	/* A private copy, so that a read past the end is caught. */
	copy = xmalloc(len > 0 ? len : 1);
	memcpy(copy, in, len);
	e = codepage_display(number, copy, len);
	if (e == NULL || !fuzz_printable(e, strlen(e)))
		abort();
	free(e);
	free(copy);
}

/* Single-byte pages glibc maps one to one (CP1255/1258 compose). */
static int
fuzz_one_to_one(int number)
{
	switch (number) {
	case 20127: case 28591: case 28592: case 28593: case 28594:
	case 28595: case 28596: case 28597: case 28598: case 28599:
	case 28603: case 28605: case 1250: case 1251: case 1252: case 1253:
	case 1254: case 1256: case 1257: case 874: case 437: case 850:
	case 852: case 866: case 20866: case 21866:
		return 1;
	}
	return 0;
}

static void
fuzz_encode(int number, const char *in, size_t len)
{
	char *copy, *out = NULL, *cause = NULL, *back, *want;
	size_t outlen = 0;

	copy = xmalloc(len > 0 ? len : 1);
	memcpy(copy, in, len);
	if (codepage_encode(number, copy, len, &out, &outlen, &cause) !=
	    PC_OK) {
		if (cause == NULL || out != NULL || !fuzz_printable(cause,
		    strlen(cause)))
			abort();
		free(cause);
		free(copy);
		return;
	}
	if (out == NULL || cause != NULL)
		abort();
	/* Only valid UTF-8 encodes (NUL and controls are valid UTF-8). */
	want = str_escape(copy, len);
	if (fuzz_one_to_one(number)) {
		back = codepage_display(number, out, outlen);
		if (back == NULL || strcmp(back, want) != 0)
			abort();
		free(back);
	}
	free(want);
	xfreezero(out, outlen);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct codepage *all, *cp;
	const char *d = (const char *)data, *nul, *text;
	char name[FUZZ_NAME_MAX + 1], num[16];
	size_t nlen, tlen;
	int n, number;

	if (size < 1)
		return 0;

	/* The input (to its first NUL) as a name. */
	nul = memchr(d, '\0', size);
	nlen = nul != NULL ? (size_t)(nul - d) : size;
	if (nlen <= FUZZ_NAME_MAX) {
		memcpy(name, d, nlen);
		name[nlen] = '\0';
		if (codepage_parse(name, &number) == PC_OK) {
			cp = codepage_by_number(number);
			if (cp == NULL)
				abort();
			text = nul != NULL ? nul + 1 : d;
			tlen = nul != NULL ? size - nlen - 1 : size;
			fuzz_display(cp->number, text, tlen);
		}
	}

	/* A table entry picked by the first byte. */
	all = codepage_all(&n);
	if (n <= 0)
		abort();
	cp = &all[data[0] % n];
	if (codepage_parse(cp->name, &number) != PC_OK ||
	    number != cp->number)
		abort();
	snprintf(num, sizeof num, "%d", cp->number);
	if (codepage_parse(num, &number) != PC_OK || number != cp->number)
		abort();
	fuzz_display(cp->number, d + 1, size - 1);
	fuzz_encode(cp->number, d + 1, size - 1);
	/* An unknown page is refused, not guessed. */
	if (codepage_display(-1, d, size) != NULL)
		abort();
	return 0;
}
