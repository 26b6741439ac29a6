/*
 * cli_import.c - "popconn import": profiles from JSON or CSV (the records:
 * cli_xfer_rec.c).  Import is all or nothing: every record is parsed and
 * validated first, every bad record is reported with its line number, and
 * the store is touched only when the whole file is good, in one
 * transaction.  Sealed secrets are opened with the export passphrase.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "cli_xfer_int.h"
#include "popconn/buf.h"
#include "popconn/profile.h"
#include "popconn/str.h"

#define XFER_MAX_FILE	(256u * 1024 * 1024)

/* Read a whole file (or stdin for "-"), capped. */
static enum pc_err
cli_import_slurp(const char *path, char **out, size_t *outlen)
{
	struct buf b;
	FILE *f;
	char chunk[65536];
	size_t n;
	enum pc_err rc = PC_OK;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL)
		return PC_E_NOTFOUND;
	buf_init_secret(&b, XFER_MAX_FILE);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		rc = buf_add(&b, chunk, n);
		if (rc)
			break;
	}
	if (ferror(f))
		rc = PC_E_IO;
	explicit_bzero(chunk, sizeof chunk);
	if (f != stdin)
		fclose(f);
	if (rc) {
		buf_cleanup(&b);
		return rc;
	}
	*outlen = b.len;
	*out = buf_take(&b);
	return PC_OK;
}

/* struct xfer_src for an import: the store and the export passphrase. */
struct cli_import {
	struct cli	*c;
	struct xfer_key	*key;
	enum store_import_mode mode;
};

/*
 * The profile a record is built on: the stored one (only the fields the
 * record gives change), or, for --replace, none (the defaults).
 */
static struct profile *
cli_import_lookup(void *arg, const char *name)
{
	struct cli_import *im = arg;
	struct profile *p = NULL;

	if (im->mode == STORE_IMPORT_REPLACE)
		return NULL;
	if (store_get(im->c->st, name, &p, NULL) != PC_OK)
		return NULL;
	return p;
}

static enum pc_err
cli_import_open(void *arg, const char *sealed, char **clear, char **cause)
{
	struct cli_import *im = arg;

	return cli_xfer_open(im->key, sealed, clear, cause);
}

/* The summary line: "2 added, 1 updated, 0 replaced, 3 unchanged". */
static void
cli_import_summary(const struct store_import_result *r, bool dry)
{
	printf("%s%d added, %d updated, %d replaced, %d unchanged\n",
	    dry ? "dry run, nothing written: would be " : "imported: ",
	    r->count[STORE_IMPORT_ADDED], r->count[STORE_IMPORT_UPDATED],
	    r->count[STORE_IMPORT_REPLACED], r->count[STORE_IMPORT_UNCHANGED]);
}

/* A refused import: every existing profile that differs, with its diff. */
static void
cli_import_refused(const struct store_import_result *r,
    struct profile *const *list, const int *lines)
{
	int i, n = r->count[STORE_IMPORT_REFUSED];

	for (i = 0; i < r->n; i++)
		if (r->what[i] == STORE_IMPORT_REFUSED)
			cli_error("line %d: profile '%s' exists and differs: "
			    "%s", lines[i], list[i]->name, r->diff[i]);
	cli_error("nothing imported: %d profile%s exist%s and differ%s "
	    "(--update changes the fields the file gives, --replace replaces "
	    "the whole profile)", n, n == 1 ? "" : "s", n == 1 ? "s" : "",
	    n == 1 ? "s" : "");
}

int
cli_cmd_import(struct cli *c)
{
	static const char *const verb[STORE_IMPORT_NWHAT] = {
		"add", "update", "replace", "leave unchanged", "refuse"
	};
	struct xfer_recs rs = { NULL, 0, 0 };
	struct store_import_result res;
	struct xfer_key key;
	struct cli_import im = { c, &key, STORE_IMPORT_ADD };
	struct xfer_src src = { cli_import_lookup, cli_import_open, &im };
	struct profile **list = NULL;
	int *lines = NULL;
	const char *file = NULL, *fmt = NULL;
	char *text = NULL, *cause = NULL;
	size_t len = 0;
	bool dry = false;
	enum pc_err rc;
	int i, bad, ret, nlist = 0, nbad = 0;

	memset(&key, 0, sizeof key);
	memset(&res, 0, sizeof res);
	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--format") == 0 && i + 1 < c->argc)
			fmt = c->argv[++i];
		else if (strcmp(c->argv[i], "--dry-run") == 0)
			dry = true;
		else if (strcmp(c->argv[i], "--update") == 0 &&
		    im.mode != STORE_IMPORT_REPLACE)
			im.mode = STORE_IMPORT_UPDATE;
		else if (strcmp(c->argv[i], "--replace") == 0 &&
		    im.mode != STORE_IMPORT_UPDATE)
			im.mode = STORE_IMPORT_REPLACE;
		else if (file == NULL && (c->argv[i][0] != '-' ||
		    strcmp(c->argv[i], "-") == 0))
			file = c->argv[i];
		else
			return cli_usage("import");
	}
	if (file == NULL)
		return cli_usage("import");
	rc = cli_import_slurp(file, &text, &len);
	if (rc) {
		cli_error("%s: %s", file, rc == PC_E_INVALID ? "larger than "
		    "256 MiB" : strerror(errno));
		return rc == PC_E_NOTFOUND ? CLI_EXIT_NOTFOUND : CLI_EXIT_USAGE;
	}
	if (fmt == NULL) {
		size_t off = cli_xfer_rec_skip_ws(text, len, 0);
		fmt = off < len && (text[off] == '[' || text[off] == '{') ?
		    "json" : cli_xfer_format(NULL, file);
	}
	if (strcmp(fmt, "json") == 0)
		bad = cli_xfer_rec_parse_json(text, len, &rs);
	else if (strcmp(fmt, "csv") == 0)
		bad = cli_xfer_rec_parse_csv(text, len, &rs);
	else {
		cli_error("--format: '%s' is not json or csv", fmt);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		cli_error("%s: contains a NUL byte: not a text file", file);
		bad++;
	}
	ret = cli_open(c);
	if (ret)
		goto out;
	nbad = cli_xfer_rec_build_all(&rs, &src, &list, &lines, &nlist);
	if (bad || nbad) {
		cli_error("nothing imported: %d bad record%s", bad + nbad,
		    bad + nbad == 1 ? "" : "s");
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	rc = store_import(c->st, list, nlist, im.mode, dry, &res, &cause);
	if (rc == PC_E_EXISTS && res.count[STORE_IMPORT_REFUSED] > 0) {
		free(cause);
		cli_import_refused(&res, list, lines);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	ret = cli_report(rc, cause);
	if (ret)
		goto out;
	for (i = 0; dry && i < res.n; i++)
		printf("would %s %s%s%s\n", verb[res.what[i]], list[i]->name,
		    res.diff[i] != NULL ? ": " : "",
		    res.diff[i] != NULL ? res.diff[i] : "");
	cli_import_summary(&res, dry);
out:
	store_import_result_cleanup(&res);
	for (i = 0; i < nlist; i++)
		profile_free(list[i]);
	free(list);
	free(lines);
	cli_xfer_recs_cleanup(&rs);
	if (text != NULL)
		xfreezero(text, len);
	cli_xfer_key_cleanup(&key);
	return ret;
}
