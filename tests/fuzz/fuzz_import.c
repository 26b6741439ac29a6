/*
 * fuzz_import.c - libFuzzer target for the records of an import
 * (src/cli/cli_xfer_rec.c), the very code `popconn import` runs: parse the
 * file (JSON or CSV), then build every record into a profile on top of
 * the stored one, open sealed values, validate, and check for names that
 * appear twice.
 *
 * The first byte of an input picks the format (bit 0 set: CSV, else JSON)
 * and the rest is the file.  The fuzzer stands in for the store and the
 * passphrase (struct xfer_src): a name starting with "old" (any case) is
 * "stored" (a valid profile of that name, so a record updates it), and a
 * sealed "_enc" value opens to the text after "ok:" and fails otherwise.
 * cli_error formats its message (so format bugs show) and drops it; set
 * FUZZ_VERBOSE=1 in the environment to see the messages.
 *
 * Aborts when records come out of line order, when a message holds
 * "(null)" that the input does not (a refusal without a reason), when a built profile does not
 * validate, when two built profiles share a name, or when the counts do
 * not add up.
 *
 * Build: cmake -DPOPCONN_FUZZ=ON with CC=clang; run for example
 *   ./fuzz_import -max_total_time=60 -rss_limit_mb=2048 corpus/
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_int.h"
#include "cli_xfer_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input holds "(null)" itself: a message may quote it. */
static int fuzz_null_in_input;

void
cli_error(const char *fmt, ...)
{
	static int verbose = -1;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (strstr(msg, "(null)") != NULL && !fuzz_null_in_input)
		abort();
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "popconn: %s\n", msg);
	free(msg);
}

static struct profile *
fuzz_lookup(void *arg, const char *name)
{
	struct profile *p;

	if (strncasecmp(name, "old", 3) != 0)
		return NULL;
	p = profile_new();
	if (profile_field_set(p, "name", name, NULL) != PC_OK ||
	    profile_field_set(p, "address", "pop.example.net", NULL) !=
	    PC_OK) {
		/* Not a name a store could hold: there is none. */
		profile_free(p);
		return NULL;
	}
	p->id = 42;
	return p;
}

static enum pc_err
fuzz_open(void *arg, const char *sealed, char **clear, char **cause)
{
	if (strncmp(sealed, "ok:", 3) == 0) {
		*clear = xstrdup(sealed + 3);
		return PC_OK;
	}
	*cause = xstrdup("cannot decrypt");
	return PC_E_INVALID;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfer_recs rs = { NULL, 0, 0 };
	struct xfer_src src = { fuzz_lookup, fuzz_open, NULL };
	struct prof_issues iss;
	struct profile **list = NULL;
	int *lines = NULL, nlist = 0, bad, i, j, prev = 1;
	char *text;

	if (size < 1)
		return 0;
	/* A private copy, so that a read past the end is caught. */
	text = xmalloc(size - 1 > 0 ? size - 1 : 1);
	memcpy(text, data + 1, size - 1);
	fuzz_null_in_input = memmem(data, size, "(null)", 6) != NULL;
	if (data[0] & 1)
		(void)cli_xfer_rec_parse_csv(text, size - 1, &rs);
	else
		(void)cli_xfer_rec_parse_json(text, size - 1, &rs);
	/* Records come in file order, each on a real line. */
	for (i = 0; i < rs.n; i++) {
		if (rs.v[i].line < prev)
			abort();
		prev = rs.v[i].line;
	}
	bad = cli_xfer_rec_build_all(&rs, &src, &list, &lines, &nlist);
	if (nlist < 0 || nlist > rs.n || bad < rs.n - nlist)
		abort();
	for (i = 0; i < nlist; i++) {
		/* What the builder hands out is a valid profile... */
		if (profile_validate(list[i], &iss) != PC_OK)
			abort();
		profile_issues_cleanup(&iss);
		if (i > 0 && lines[i] < lines[i - 1])
			abort();
		/* ...and, when the import would go ahead, names are unique. */
		for (j = 0; bad == 0 && j < i; j++)
			if (strcasecmp(list[i]->name, list[j]->name) == 0)
				abort();
	}
	for (i = 0; i < nlist; i++)
		profile_free(list[i]);
	free(list);
	free(lines);
	cli_xfer_recs_cleanup(&rs);
	free(text);
	return 0;
}
