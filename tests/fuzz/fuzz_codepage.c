/*
 * fuzz_codepage.c - libFuzzer target for codepage.c (model/) and for what
 * displaying server text in a profile's code page does: convert it with
 * iconv from that code page to UTF-8 into a bounded buffer, then escape it
 * with str_escape.
 *
 * An input drives two conversions.  First codepage_parse gets the input up
 * to its first NUL (or all of it) as a code page name; when it accepts it,
 * the number must be in the table, and the bytes after the NUL (or the
 * whole input) are converted from that page.  Then the first byte picks an
 * entry of the table: its name and its number in decimal must parse back
 * to it, and the rest of the input is converted from that page.
 * Conversion stops when the output buffer is full or the input ends in an
 * incomplete sequence; an invalid byte becomes '?'.  The escaped text must
 * be printable UTF-8 (fuzz_check.h).
 *
 * Build: cmake -DPOPCONN_FUZZ=ON with CC=clang; run for example
 *   ./fuzz_codepage -max_total_time=60 -rss_limit_mb=2048 corpus/
 */
#include <errno.h>
#include <iconv.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/codepage.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"
#include "fuzz_check.h"

#define FUZZ_OUT_MAX	2048	/* the bounded display buffer */
#define FUZZ_NAME_MAX	64

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* iconv descriptors by number, opened once (glibc loads modules). */
static struct {
	int	 number;
	iconv_t	 cd;
} fuzz_cds[64];
static int fuzz_ncds;

static iconv_t
fuzz_cd(const struct codepage *cp)
{
	int i;

	for (i = 0; i < fuzz_ncds; i++)
		if (fuzz_cds[i].number == cp->number)
			return fuzz_cds[i].cd;
	if (fuzz_ncds == (int)(sizeof fuzz_cds / sizeof fuzz_cds[0]))
		abort();
	fuzz_cds[fuzz_ncds].number = cp->number;
	fuzz_cds[fuzz_ncds].cd = iconv_open("UTF-8", cp->iconv);
	/* Every page of the table must be one iconv knows. */
	if (fuzz_cds[fuzz_ncds].cd == (iconv_t)-1)
		abort();
	return fuzz_cds[fuzz_ncds++].cd;
}

static void
fuzz_convert(const struct codepage *cp, const char *in, size_t inlen)
{
	char out[FUZZ_OUT_MAX], *ip, *op, *copy, *e;
	size_t il, ol;
	iconv_t cd;

	cd = fuzz_cd(cp);
	(void)iconv(cd, NULL, NULL, NULL, NULL);
	copy = xmalloc(inlen > 0 ? inlen : 1);
	memcpy(copy, in, inlen);
	ip = copy;
	il = inlen;
	op = out;
	ol = sizeof out;
	while (il > 0) {
		if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno == EILSEQ && ol > 0) {
			*op++ = '?';
			ol--;
			ip++;
			il--;
			continue;
		}
		break;		/* E2BIG: truncated; EINVAL: incomplete end */
	}
	if (op < out || op > out + sizeof out)
		abort();
	e = str_escape(out, (size_t)(op - out));
	if (!fuzz_printable(e, strlen(e)))
		abort();
	free(e);
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
			fuzz_convert(cp, text, tlen);
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
	fuzz_convert(cp, d + 1, size - 1);
	return 0;
}
