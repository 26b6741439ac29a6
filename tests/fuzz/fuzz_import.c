/*
 * fuzz_import.c - libFuzzer target for the import parsers of cli_xfer.c
 * (cli/).
 *
 * The first byte of an input picks the format (bit 0 set: CSV, else JSON)
 * and the rest is the file.  cli_xfer.c is compiled with -DPOPCONN_FUZZING,
 * which adds cli_xfer_fuzz: it runs xfer_parse_json or xfer_parse_csv, then
 * sets every field of every record on a fresh profile and validates it, as
 * xfer_build does.  The rest of the CLI and the store are stubs here: an
 * import reaches them only after parsing, so a stub that is called aborts.
 * cli_error formats its message (so format bugs still show) and drops it;
 * set FUZZ_VERBOSE=1 in the environment to see the messages.
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

#include "cli_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	cli_xfer_fuzz(const char *data, size_t len, int csv);

void
cli_error(const char *fmt, ...)
{
	static int verbose = -1;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "popconn: %s\n", msg);
	free(msg);
}

int
cli_usage(const char *cmd)
{
	abort();
}

int
cli_open(struct cli *c)
{
	abort();
}

enum pc_err
cli_read_secret(const char *what, char **out)
{
	abort();
}

int
cli_report(enum pc_err rc, char *cause)
{
	abort();
}

json_t *
cli_profile_json(const struct profile *p, int secrets)
{
	abort();
}

void
cli_print_profile_json(FILE *f, const struct profile *p, int secrets,
    int indent)
{
	abort();
}

enum pc_err
store_get(struct store *st, const char *name, struct profile **out,
    char **cause)
{
	abort();
}

enum pc_err
store_list(struct store *st, const char *group, bool with_secrets,
    struct store_list *out, char **cause)
{
	abort();
}

void
store_list_cleanup(struct store_list *l)
{
	abort();
}

enum pc_err
store_import(struct store *st, struct profile *const *list, int n,
    char **cause)
{
	abort();
}

enum pc_err
secret_key_derive(const char *passphrase, const unsigned char *salt,
    int saltlen, int iterations, unsigned char key[SECRET_KEY_LEN])
{
	abort();
}

enum pc_err
secret_seal(const unsigned char key[SECRET_KEY_LEN], const char *plaintext,
    const char *aad, char **out)
{
	abort();
}

enum pc_err
secret_open(const unsigned char key[SECRET_KEY_LEN], const char *sealed,
    const char *aad, char **out)
{
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	/* A private copy, so that a read past the end is caught. */
	text = xmalloc(size - 1 > 0 ? size - 1 : 1);
	memcpy(text, data + 1, size - 1);
	(void)cli_xfer_fuzz(text, size - 1, data[0] & 1);
	free(text);
	return 0;
}
