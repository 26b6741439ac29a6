/*
 * cli_xfer.c - export and import of profiles as JSON (jansson) or CSV
 * (libcsv).  Import is all or nothing: every record is parsed and validated
 * first, every bad record is reported with its line number, and the store
 * is touched only when the whole file is good, in one transaction.
 *
 * Secrets leave popconn only sealed: export --with-secrets asks for a
 * passphrase and writes each secret as "pc1$ITER$SALT$SEALED" (PBKDF2-
 * HMAC-SHA256 then AES-256-GCM); without it a secret shows as set/unset.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>
#include <jansson.h>

#include "cli_int.h"
#include "cli_xfer_int.h"
#include "popconn/buf.h"
#include "popconn/profile.h"
#include "popconn/str.h"

#define XFER_ITERATIONS	600000
#define XFER_MAX_FILE	(256u * 1024 * 1024)
#define XFER_AAD	"popconn-export-v1"

/* The export/import passphrase and the key derived from it. */
struct xfer_key {
	char		*passphrase;	/* secret */
	unsigned char	 salt[16];
	int		 iterations;
	unsigned char	 key[SECRET_KEY_LEN];
	int		 have_key;
};

static void
xfer_key_cleanup(struct xfer_key *k)
{
	xfree_secret(k->passphrase);
	explicit_bzero(k, sizeof *k);
}

static enum pc_err
xfer_passphrase(struct xfer_key *k, bool confirm)
{
	char *again = NULL;
	enum pc_err rc;

	if (k->passphrase != NULL)
		return PC_OK;
	rc = cli_read_secret("export passphrase", &k->passphrase);
	if (rc)
		return rc;
	if (*k->passphrase == '\0') {
		cli_error("the export passphrase may not be empty");
		return PC_E_INVALID;
	}
	if (confirm && isatty(STDIN_FILENO)) {
		rc = cli_read_secret("repeat the passphrase", &again);
		if (rc == PC_OK && strcmp(again, k->passphrase) != 0) {
			cli_error("the passphrases differ");
			rc = PC_E_INVALID;
		}
		xfree_secret(again);
	}
	return rc;
}

/* "pc1$ITER$SALT$SEALED" for one secret. */
static enum pc_err
xfer_seal(struct xfer_key *k, const char *secret, char **out)
{
	char *salt, *sealed;
	enum pc_err rc;

	if (!k->have_key) {
		if (getentropy(k->salt, sizeof k->salt) != 0)
			return PC_E_IO;
		k->iterations = XFER_ITERATIONS;
		rc = secret_key_derive(k->passphrase, k->salt,
		    (int)sizeof k->salt, k->iterations, k->key);
		if (rc)
			return rc;
		k->have_key = 1;
	}
	rc = secret_seal(k->key, secret, XFER_AAD, &sealed);
	if (rc)
		return rc;
	salt = b64_encode(k->salt, sizeof k->salt);
	*out = xasprintf("pc1$%d$%s$%s", k->iterations, salt, sealed);
	free(salt);
	free(sealed);
	return PC_OK;
}

static enum pc_err
xfer_open(struct xfer_key *k, const char *in, char **out, char **cause)
{
	unsigned char *salt = NULL;
	size_t saltlen;
	char *copy, *f[4], *save = NULL;
	long iter;
	int i;
	enum pc_err rc = PC_E_INVALID;

	copy = xstrdup(in);
	for (i = 0; i < 4; i++)
		f[i] = strtok_r(i ? NULL : copy, "$", &save);
	if (f[3] == NULL || strcmp(f[0], "pc1") != 0 ||
	    str_to_int(f[1], 1000, 100000000, &iter) ||
	    b64_decode(f[2], strlen(f[2]), &salt, &saltlen) ||
	    saltlen != sizeof k->salt) {
		*cause = xstrdup("not an encrypted popconn export value");
		goto out;
	}
	if (!k->have_key || k->iterations != (int)iter ||
	    memcmp(k->salt, salt, saltlen) != 0) {
		rc = xfer_passphrase(k, false);
		if (rc) {
			*cause = xstrdup("no passphrase given");
			goto out;
		}
		memcpy(k->salt, salt, saltlen);
		k->iterations = (int)iter;
		rc = secret_key_derive(k->passphrase, k->salt,
		    (int)saltlen, k->iterations, k->key);
		if (rc)
			goto out;
		k->have_key = 1;
	}
	rc = secret_open(k->key, f[3], XFER_AAD, out);
	if (rc)
		*cause = xstrdup("cannot decrypt: wrong export passphrase, or "
		    "the value was changed");
out:
	free(salt);
	free(copy);
	return rc;
}

/* Choose the format from --format, then the file name's extension. */
static const char *
xfer_format(const char *opt, const char *file)
{
	const char *dot;

	if (opt != NULL)
		return opt;
	dot = file != NULL ? strrchr(file, '.') : NULL;
	if (dot != NULL && strcasecmp(dot, ".csv") == 0)
		return "csv";
	return "json";
}

static enum pc_err
xfer_export_json(FILE *f, struct store_list *l, struct xfer_key *k)
{
	const struct prof_field *fl;
	const char *sv;
	json_t *o;
	char *s, *sealed, *key;
	int i, j, nf;
	enum pc_err rc;

	fl = profile_fields(&nf);
	fputs("[", f);
	for (i = 0; i < l->n; i++) {
		fputs(i ? ",\n" : "\n", f);
		if (k == NULL) {
			cli_print_profile_json(f, l->v[i], l->secrets != NULL ?
			    (int)l->secrets[i] : -1, 0);
			continue;
		}
		o = cli_profile_json(l->v[i], -1);
		/* Every secret field, sealed under the export passphrase. */
		for (j = 0; j < nf; j++) {
			if (fl[j].type != PROF_F_SECRET)
				continue;
			sv = profile_secret_get(l->v[i], fl[j].key);
			if (sv == NULL)
				continue;
			rc = xfer_seal(k, sv, &sealed);
			if (rc) {
				json_decref(o);
				return rc;
			}
			key = xasprintf("%s_enc", fl[j].key);
			json_object_set_new(o, key, json_string(sealed));
			free(key);
			free(sealed);
		}
		s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
		fputs(s, f);
		free(s);
		json_decref(o);
	}
	fputs(l->n ? "\n]\n" : "]\n", f);
	return PC_OK;
}

static void
xfer_csv_cell(FILE *f, const char *s, int first)
{
	if (!first)
		fputc(',', f);
	csv_fwrite(f, s, strlen(s));
}

static enum pc_err
xfer_export_csv(FILE *f, struct store_list *l, struct xfer_key *k)
{
	const struct prof_field *fl;
	char *v, *sealed, *name;
	int i, j, n;
	enum pc_err rc;

	fl = profile_fields(&n);
	for (j = 0; j < n; j++) {
		name = fl[j].type == PROF_F_SECRET ? xasprintf("%s_%s",
		    fl[j].key, k ? "enc" : "set") : xstrdup(fl[j].key);
		xfer_csv_cell(f, name, j == 0);
		free(name);
	}
	fputs("\r\n", f);
	for (i = 0; i < l->n; i++) {
		for (j = 0; j < n; j++) {
			if (fl[j].type == PROF_F_SECRET && k != NULL) {
				const char *sv = profile_secret_get(l->v[i],
				    fl[j].key);
				sealed = NULL;
				if (sv != NULL) {
					rc = xfer_seal(k, sv, &sealed);
					if (rc)
						return rc;
				}
				xfer_csv_cell(f, sealed ? sealed : "", j == 0);
				free(sealed);
				continue;
			}
			v = profile_field_get(l->v[i], fl[j].key);
			if (fl[j].type == PROF_F_SECRET && l->secrets != NULL)
				xfer_csv_cell(f, l->secrets[i] &
				    store_secret_bit(fl[j].key) ? "yes" : "no",
				    j == 0);
			else if (fl[j].type == PROF_F_SECRET)
				xfer_csv_cell(f, *v ? "yes" : "no", j == 0);
			else
				xfer_csv_cell(f, v, j == 0);
			free(v);
		}
		fputs("\r\n", f);
	}
	return PC_OK;
}

int
cli_cmd_export(struct cli *c)
{
	struct store_list l = { 0 };
	struct xfer_key key;
	const char *group = NULL, *fmt = NULL, *out = NULL;
	char *cause = NULL, *tmp = NULL;
	bool secrets = false;
	FILE *f = stdout;
	enum pc_err rc;
	int i, ret, fd;

	memset(&key, 0, sizeof key);
	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--group") == 0 && i + 1 < c->argc)
			group = c->argv[++i];
		else if (strcmp(c->argv[i], "--format") == 0 && i + 1 < c->argc)
			fmt = c->argv[++i];
		else if (strcmp(c->argv[i], "-o") == 0 && i + 1 < c->argc)
			out = c->argv[++i];
		else if (strcmp(c->argv[i], "--with-secrets") == 0)
			secrets = true;
		else
			return cli_usage("export");
	}
	fmt = xfer_format(fmt, out);
	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0) {
		cli_error("--format: '%s' is not json or csv", fmt);
		return CLI_EXIT_USAGE;
	}
	ret = cli_open(c);
	if (ret)
		return ret;
	if (secrets && xfer_passphrase(&key, true) != PC_OK) {
		ret = CLI_EXIT_USAGE;	/* the key holds a secret: wipe it */
		goto out;
	}
	rc = store_list(c->st, group, secrets, &l, &cause);
	if (rc) {
		ret = cli_report(rc, cause);
		goto out;
	}
	if (group != NULL && l.n == 0) {
		cli_group_not_found(group);
		ret = CLI_EXIT_NOTFOUND;
		goto out;
	}
	if (out != NULL && strcmp(out, "-") != 0) {
		/* Write beside the target, then rename: never half a file. */
		tmp = xasprintf("%s.tmp.XXXXXX", out);
		fd = mkstemp(tmp);
		if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
			cli_error("-o: cannot write %s: %s", out,
			    strerror(errno));
			ret = CLI_EXIT_USAGE;
			free(tmp);
			tmp = NULL;
			goto out;
		}
	}
	if (strcmp(fmt, "json") == 0)
		rc = xfer_export_json(f, &l, secrets ? &key : NULL);
	else
		rc = xfer_export_csv(f, &l, secrets ? &key : NULL);
	if (f != stdout) {
		if (fflush(f) != 0 || fsync(fileno(f)) != 0)
			rc = PC_E_IO;
		fclose(f);
		if (rc == PC_OK && rename(tmp, out) != 0)
			rc = PC_E_IO;
		if (rc)
			unlink(tmp);
	}
	if (rc) {
		cli_error("export failed: %s", pc_err_str(rc));
		ret = CLI_EXIT_DB;
	} else if (out != NULL && strcmp(out, "-") != 0)
		fprintf(stderr, "exported %d profile%s to %s\n", l.n,
		    l.n == 1 ? "" : "s", out);
out:
	free(tmp);
	store_list_cleanup(&l);
	xfer_key_cleanup(&key);
	return ret;
}

/* Read a whole file (or stdin for "-"), capped. */
static enum pc_err
xfer_slurp(const char *path, char **out, size_t *outlen)
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
struct xfer_import {
	struct cli	*c;
	struct xfer_key	*key;
	enum store_import_mode mode;
};

/*
 * The profile a record is built on: the stored one (only the fields the
 * record gives change), or, for --replace, none (the defaults).
 */
static struct profile *
xfer_import_lookup(void *arg, const char *name)
{
	struct xfer_import *im = arg;
	struct profile *p = NULL;

	if (im->mode == STORE_IMPORT_REPLACE)
		return NULL;
	if (store_get(im->c->st, name, &p, NULL) != PC_OK)
		return NULL;
	return p;
}

static enum pc_err
xfer_import_open(void *arg, const char *sealed, char **clear, char **cause)
{
	struct xfer_import *im = arg;

	return xfer_open(im->key, sealed, clear, cause);
}

/* The summary line: "2 added, 1 updated, 0 replaced, 3 unchanged". */
static void
xfer_import_summary(const struct store_import_result *r, bool dry)
{
	printf("%s%d added, %d updated, %d replaced, %d unchanged\n",
	    dry ? "dry run, nothing written: would be " : "imported: ",
	    r->count[STORE_IMPORT_ADDED], r->count[STORE_IMPORT_UPDATED],
	    r->count[STORE_IMPORT_REPLACED], r->count[STORE_IMPORT_UNCHANGED]);
}

/* A refused import: every existing profile that differs, with its diff. */
static void
xfer_import_refused(const struct store_import_result *r,
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
	struct xfer_import im = { c, &key, STORE_IMPORT_ADD };
	struct xfer_src src = { xfer_import_lookup, xfer_import_open, &im };
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
	rc = xfer_slurp(file, &text, &len);
	if (rc) {
		cli_error("%s: %s", file, rc == PC_E_INVALID ? "larger than "
		    "256 MiB" : strerror(errno));
		return rc == PC_E_NOTFOUND ? CLI_EXIT_NOTFOUND : CLI_EXIT_USAGE;
	}
	if (fmt == NULL) {
		size_t off = cli_xfer_rec_skip_ws(text, len, 0);
		fmt = off < len && (text[off] == '[' || text[off] == '{') ?
		    "json" : xfer_format(NULL, file);
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
		xfer_import_refused(&res, list, lines);
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
	xfer_import_summary(&res, dry);
out:
	store_import_result_cleanup(&res);
	for (i = 0; i < nlist; i++)
		profile_free(list[i]);
	free(list);
	free(lines);
	cli_xfer_recs_cleanup(&rs);
	if (text != NULL)
		xfreezero(text, len);
	xfer_key_cleanup(&key);
	return ret;
}
