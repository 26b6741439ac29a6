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
#include "popconn/buf.h"
#include "popconn/profile.h"
#include "popconn/str.h"

#define XFER_ITERATIONS	600000
#define XFER_MAX_FILE	(256u * 1024 * 1024)
#define XFER_AAD	"popconn-export-v1"

/* One record read from a file: its line and its key/value pairs. */
struct xfer_rec {
	int		 line;
	int		 n;
	char		**keys;
	char		**values;	/* may hold secrets: wiped */
};

struct xfer_recs {
	struct xfer_rec	*v;
	int		 n;
	int		 cap;		/* allocated elements of v */
};

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

static void
xfer_rec_add(struct xfer_rec *r, const char *key, const char *value)
{
	r->keys = xreallocarray(r->keys, (size_t)r->n + 1, sizeof *r->keys);
	r->values = xreallocarray(r->values, (size_t)r->n + 1,
	    sizeof *r->values);
	r->keys[r->n] = xstrdup(key);
	r->values[r->n] = xstrdup(value);
	r->n++;
}

static void
xfer_recs_cleanup(struct xfer_recs *rs)
{
	int i, j;

	for (i = 0; i < rs->n; i++) {
		for (j = 0; j < rs->v[i].n; j++) {
			free(rs->v[i].keys[j]);
			xfree_secret(rs->v[i].values[j]);
		}
		free(rs->v[i].keys);
		free(rs->v[i].values);
	}
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
	rs->cap = 0;
}

static struct xfer_rec *
xfer_recs_new(struct xfer_recs *rs, int line)
{
	/* Doubling: one element at a time is quadratic where realloc
	 * copies (ASan always does). */
	if (rs->n == rs->cap) {
		rs->cap = rs->cap > 0 ? rs->cap * 2 : 64;
		rs->v = xreallocarray(rs->v, (size_t)rs->cap, sizeof *rs->v);
	}
	memset(&rs->v[rs->n], 0, sizeof rs->v[rs->n]);
	rs->v[rs->n].line = line;
	return &rs->v[rs->n++];
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
	json_t *o;
	char *s, *sealed;
	int i;
	enum pc_err rc;

	fputs("[", f);
	for (i = 0; i < l->n; i++) {
		fputs(i ? ",\n" : "\n", f);
		if (k == NULL) {
			cli_print_profile_json(f, l->v[i], l->secrets != NULL ?
			    (int)l->secrets[i] : -1, 0);
			continue;
		}
		o = cli_profile_json(l->v[i], -1);
		if (l->v[i]->password != NULL) {
			rc = xfer_seal(k, l->v[i]->password, &sealed);
			if (rc) {
				json_decref(o);
				return rc;
			}
			json_object_set_new(o, "password_enc",
			    json_string(sealed));
			free(sealed);
		}
		if (l->v[i]->proxy_password != NULL) {
			rc = xfer_seal(k, l->v[i]->proxy_password, &sealed);
			if (rc) {
				json_decref(o);
				return rc;
			}
			json_object_set_new(o, "proxy_password_enc",
			    json_string(sealed));
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
				const char *sv = strcmp(fl[j].key,
				    "password") == 0 ? l->v[i]->password :
				    l->v[i]->proxy_password;
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

/*
 * Line of byte offset off, counting on from a known (offset, line) pair so
 * that walking a file front to back costs one pass, not one per record.
 */
static int
xfer_line_at(const char *s, size_t off, size_t *from, int *line)
{
	for (; *from < off; (*from)++)
		if (s[*from] == '\n')
			(*line)++;
	return *line;
}

static size_t
xfer_skip_ws(const char *s, size_t len, size_t off)
{
	while (off < len && isspace((unsigned char)s[off]))
		off++;
	return off;
}

/* Turn one JSON value into its text form for profile_field_set. */
static char *
xfer_json_text(json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_true(v))
		return xstrdup("yes");
	if (json_is_false(v))
		return xstrdup("no");
	if (json_is_null(v))
		return xstrdup("");
	return NULL;
}

/*
 * Parse a JSON array of objects (or a sequence of objects, one per line)
 * record by record, so that each record keeps the line it starts on.
 */
static int
xfer_parse_json(const char *s, size_t len, struct xfer_recs *rs)
{
	struct xfer_rec *r;
	json_error_t err;
	json_t *o, *v;
	const char *k;
	char *text;
	size_t off, lpos = 0;
	int array = 0, bad = 0, line, lcount = 1;

	off = xfer_skip_ws(s, len, 0);
	if (off < len && s[off] == '[') {
		array = 1;
		off = xfer_skip_ws(s, len, off + 1);
		if (off < len && s[off] == ']')
			return 0;
	}
	while (off < len) {
		line = xfer_line_at(s, off, &lpos, &lcount);
		o = json_loadb(s + off, len - off, JSON_DISABLE_EOF_CHECK |
		    JSON_REJECT_DUPLICATES, &err);
		if (o == NULL) {
			cli_error("line %d: %s", line + err.line - 1,
			    err.text);
			return bad + 1;
		}
		off += (size_t)err.position;
		if (!json_is_object(o)) {
			cli_error("line %d: a record must be a JSON object",
			    line);
			bad++;
		} else {
			r = xfer_recs_new(rs, line);
			json_object_foreach(o, k, v) {
				text = xfer_json_text(v);
				if (text == NULL) {
					cli_error("line %d: %s: must be a "
					    "string, number or boolean", line,
					    k);
					bad++;
					continue;
				}
				xfer_rec_add(r, k, text);
				xfree_secret(text);
			}
		}
		json_decref(o);
		off = xfer_skip_ws(s, len, off);
		if (array) {
			if (off < len && s[off] == ',') {
				off = xfer_skip_ws(s, len, off + 1);
				continue;
			}
			if (off < len && s[off] == ']') {
				off = xfer_skip_ws(s, len, off + 1);
				if (off < len) {
					cli_error("line %d: text after the end "
					    "of the array", xfer_line_at(s,
					    off, &lpos, &lcount));
					bad++;
				}
				return bad;
			}
			cli_error("line %d: expected ',' or ']'",
			    xfer_line_at(s, off, &lpos, &lcount));
			return bad + 1;
		}
	}
	if (array) {
		cli_error("line %d: the array is not closed with ']'",
		    xfer_line_at(s, len, &lpos, &lcount));
		bad++;
	}
	return bad;
}

/* libcsv callbacks collect one row of cells at a time. */
struct xfer_csv {
	char		**cells;
	int		 ncells;
	char		**header;
	int		 nheader;
	int		 line;		/* line being fed */
	int		 row_line;	/* line the current row started on */
	int		 bad;
	struct xfer_recs *rs;
};

static void
xfer_csv_field(void *data, size_t len, void *arg)
{
	struct xfer_csv *x = arg;

	x->cells = xreallocarray(x->cells, (size_t)x->ncells + 1,
	    sizeof *x->cells);
	x->cells[x->ncells++] = xstrndup(data == NULL ? "" : data, len);
}

static void
xfer_csv_row(int term, void *arg)
{
	struct xfer_csv *x = arg;
	struct xfer_rec *r;
	int i;

	(void)term;
	if (x->header == NULL) {
		x->header = x->cells;
		x->nheader = x->ncells;
	} else if (x->ncells == 1 && x->cells[0][0] == '\0') {
		/* blank line */
	} else if (x->ncells != x->nheader) {
		cli_error("line %d: %d columns, the header has %d",
		    x->row_line, x->ncells, x->nheader);
		x->bad++;
	} else {
		r = xfer_recs_new(x->rs, x->row_line);
		for (i = 0; i < x->ncells; i++)
			xfer_rec_add(r, x->header[i], x->cells[i]);
	}
	if (x->cells != x->header) {
		for (i = 0; i < x->ncells; i++)
			xfree_secret(x->cells[i]);
		free(x->cells);
	}
	x->cells = NULL;
	x->ncells = 0;
	x->row_line = x->line + 1;
}

static int
xfer_parse_csv(const char *s, size_t len, struct xfer_recs *rs)
{
	struct csv_parser p;
	struct xfer_csv x;
	size_t off = 0, end;
	int i;

	memset(&x, 0, sizeof x);
	x.rs = rs;
	x.line = x.row_line = 1;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return 1;
	/* Feed one physical line at a time so each row knows its line. */
	while (off < len) {
		for (end = off; end < len && s[end] != '\n'; end++)
			;
		if (end < len)
			end++;
		if (csv_parse(&p, s + off, end - off, xfer_csv_field,
		    xfer_csv_row, &x) != end - off) {
			cli_error("line %d: %s", x.line,
			    csv_strerror(csv_error(&p)));
			x.bad++;
			goto out;
		}
		off = end;
		x.line++;
	}
	x.line--;
	if (csv_fini(&p, xfer_csv_field, xfer_csv_row, &x) != 0) {
		cli_error("line %d: %s", x.row_line,
		    csv_strerror(csv_error(&p)));
		x.bad++;
	}
out:
	csv_free(&p);
	for (i = 0; i < x.nheader; i++)
		free(x.header[i]);
	free(x.header);
	for (i = 0; i < x.ncells; i++)
		xfree_secret(x.cells[i]);
	free(x.cells);
	return x.bad;
}

/* Keys an import reads but does not set. */
static bool
xfer_ignored_key(const char *k)
{
	return strcmp(k, "password_set") == 0 ||
	    strcmp(k, "proxy_password_set") == 0 ||
	    strcmp(k, "last_result") == 0 || strcmp(k, "last_tested") == 0 ||
	    strcmp(k, "id") == 0 || strcmp(k, "version") == 0;
}

/*
 * Build the profile a record describes, on top of the stored one with the
 * same name when there is one.  Prints every problem; returns their count.
 */
static int
xfer_build(struct cli *c, struct xfer_rec *r, struct xfer_key *k,
    struct profile **out)
{
	struct profile *p = NULL;
	struct prof_issues iss;
	const char *name = NULL, *sec = NULL, *key;
	char *cause = NULL, *clear = NULL, *base;
	int i, bad = 0;

	for (i = 0; i < r->n; i++) {
		if (strcmp(r->keys[i], "name") == 0)
			name = r->values[i];
		else if (strcmp(r->keys[i], "security") == 0)
			sec = r->values[i];
	}
	if (name == NULL || *name == '\0') {
		cli_error("line %d: name: required", r->line);
		return 1;
	}
	if (store_get(c->st, name, &p, NULL) != PC_OK)
		p = profile_new();
	/* Security first, so an explicit port is not moved afterwards. */
	if (sec != NULL && profile_field_set(p, "security", sec, &cause)) {
		cli_error("line %d: %s: %s", r->line, name, cause);
		free(cause);
		cause = NULL;
		bad++;
	}
	for (i = 0; i < r->n; i++) {
		key = r->keys[i];
		if (xfer_ignored_key(key) || strcmp(key, "security") == 0)
			continue;
		if (strlen(key) > 4 &&
		    strcmp(key + strlen(key) - 4, "_enc") == 0) {
			base = xstrndup(key, strlen(key) - 4);
			if (profile_field_find(base) == NULL ||
			    profile_field_find(base)->type != PROF_F_SECRET) {
				cli_error("line %d: unknown field '%s'",
				    r->line, key);
				bad++;
			} else if (*r->values[i] != '\0') {
				if (xfer_open(k, r->values[i], &clear,
				    &cause) != PC_OK) {
					cli_error("line %d: %s: %s: %s",
					    r->line, name, key, cause);
					free(cause);
					cause = NULL;
					bad++;
				} else
					profile_field_set(p, base, clear,
					    NULL);
				xfree_secret(clear);
				clear = NULL;
			}
			free(base);
			continue;
		}
		if (profile_field_set(p, key, r->values[i], &cause) != PC_OK) {
			cli_error("line %d: %s: %s", r->line, name, cause);
			free(cause);
			cause = NULL;
			bad++;
		}
	}
	if (bad == 0 && profile_validate(p, &iss) != PC_OK) {
		for (i = 0; i < iss.n; i++)
			cli_error("line %d: %s: %s", r->line, name,
			    iss.v[i].message);
		bad += iss.n;
		profile_issues_cleanup(&iss);
	}
	if (bad) {
		profile_free(p);
		return bad;
	}
	*out = p;
	return 0;
}

struct xfer_dup {
	const char	*name;
	int		 line;
};

static int
xfer_dup_cmp(const void *a, const void *b)
{
	const struct xfer_dup *x = a, *y = b;
	int d;

	d = strcasecmp(x->name, y->name);
	return d != 0 ? d : x->line - y->line;
}

/* Report every name that appears twice (case-insensitively); the count. */
static int
xfer_duplicates(struct profile **list, const int *lines, int n)
{
	struct xfer_dup *d;
	int i, bad = 0;

	if (n < 2)
		return 0;
	d = xcalloc((size_t)n, sizeof *d);
	for (i = 0; i < n; i++) {
		d[i].name = list[i]->name;
		d[i].line = lines[i];
	}
	qsort(d, (size_t)n, sizeof *d, xfer_dup_cmp);
	for (i = 1; i < n; i++) {
		if (strcasecmp(d[i].name, d[i - 1].name) == 0) {
			cli_error("line %d: %s: the same name appears already "
			    "on line %d", d[i].line, d[i].name,
			    d[i - 1].line);
			bad++;
		}
	}
	free(d);
	return bad;
}

int
cli_cmd_import(struct cli *c)
{
	struct xfer_recs rs = { NULL, 0, 0 };
	struct xfer_key key;
	struct profile **list = NULL;
	int *lines = NULL;
	const char *file = NULL, *fmt = NULL;
	char *text = NULL, *cause = NULL;
	size_t len = 0;
	bool dry = false;
	enum pc_err rc;
	int i, bad, ret, nlist = 0, nbad = 0;

	memset(&key, 0, sizeof key);
	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--format") == 0 && i + 1 < c->argc)
			fmt = c->argv[++i];
		else if (strcmp(c->argv[i], "--dry-run") == 0)
			dry = true;
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
		size_t off = xfer_skip_ws(text, len, 0);
		fmt = off < len && (text[off] == '[' || text[off] == '{') ?
		    "json" : xfer_format(NULL, file);
	}
	if (strcmp(fmt, "json") == 0)
		bad = xfer_parse_json(text, len, &rs);
	else if (strcmp(fmt, "csv") == 0)
		bad = xfer_parse_csv(text, len, &rs);
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
	list = xcalloc((size_t)rs.n + 1, sizeof *list);
	lines = xcalloc((size_t)rs.n + 1, sizeof *lines);
	for (i = 0; i < rs.n; i++) {
		struct profile *p = NULL;

		if (xfer_build(c, &rs.v[i], &key, &p) != 0) {
			nbad++;
			continue;
		}
		lines[nlist] = rs.v[i].line;
		list[nlist++] = p;
	}
	nbad += xfer_duplicates(list, lines, nlist);
	if (bad || nbad) {
		cli_error("nothing imported: %d bad record%s", bad + nbad,
		    bad + nbad == 1 ? "" : "s");
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	if (dry) {
		for (i = 0; i < nlist; i++)
			printf("would %s %s\n", list[i]->id ? "replace" : "add",
			    list[i]->name);
		printf("dry run: %d profile%s\n", nlist, nlist == 1 ? "" : "s");
		goto out;
	}
	rc = store_import(c->st, list, nlist, &cause);
	ret = cli_report(rc, cause);
	if (ret == CLI_EXIT_OK)
		printf("imported %d profile%s\n", nlist, nlist == 1 ? "" : "s");
out:
	for (i = 0; i < nlist; i++)
		profile_free(list[i]);
	free(list);
	free(lines);
	xfer_recs_cleanup(&rs);
	if (text != NULL)
		xfreezero(text, len);
	xfer_key_cleanup(&key);
	return ret;
}

#ifdef POPCONN_FUZZING
/*
 * Fuzzing entry (tests/fuzz/fuzz_import.c; built only with
 * -DPOPCONN_FUZZING): run the JSON (csv == 0) or CSV parser on data, then
 * check each record the way xfer_build does, on a fresh profile instead of
 * the stored one (sealed "_enc" values are only checked for a known secret
 * field, not opened: that needs a passphrase).  Aborts when a record
 * breaks an invariant of the parsers.  Returns the number of bad records.
 */
int	 cli_xfer_fuzz(const char *data, size_t len, int csv);

int
cli_xfer_fuzz(const char *data, size_t len, int csv)
{
	struct xfer_recs rs = { NULL, 0, 0 };
	struct prof_issues iss;
	struct profile *p;
	const struct prof_field *f;
	const char *key, *sec;
	char *cause, *base;
	int bad, i, j, prev = 1;

	bad = csv ? xfer_parse_csv(data, len, &rs) :
	    xfer_parse_json(data, len, &rs);
	for (i = 0; i < rs.n; i++) {
		/* Records come in file order, each on a real line. */
		if (rs.v[i].line < prev)
			abort();
		prev = rs.v[i].line;
		p = profile_new();
		sec = NULL;
		for (j = 0; j < rs.v[i].n; j++)
			if (strcmp(rs.v[i].keys[j], "security") == 0)
				sec = rs.v[i].values[j];
		cause = NULL;
		if (sec != NULL && profile_field_set(p, "security", sec,
		    &cause) != PC_OK)
			bad++;
		free(cause);
		for (j = 0; j < rs.v[i].n; j++) {
			key = rs.v[i].keys[j];
			if (xfer_ignored_key(key) ||
			    strcmp(key, "security") == 0)
				continue;
			if (strlen(key) > 4 &&
			    strcmp(key + strlen(key) - 4, "_enc") == 0) {
				base = xstrndup(key, strlen(key) - 4);
				f = profile_field_find(base);
				if (f == NULL || f->type != PROF_F_SECRET)
					bad++;
				free(base);
				continue;
			}
			cause = NULL;
			if (profile_field_set(p, key, rs.v[i].values[j],
			    &cause) != PC_OK) {
				/* A refused value has a reason. */
				if (cause == NULL)
					abort();
				bad++;
			}
			free(cause);
		}
		if (profile_validate(p, &iss) != PC_OK) {
			if (iss.n == 0)
				abort();
			bad += iss.n;
		}
		profile_issues_cleanup(&iss);
		profile_free(p);
	}
	xfer_recs_cleanup(&rs);
	return bad;
}
#endif
