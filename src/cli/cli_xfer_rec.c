/*
 * cli_xfer_rec.c - the records of an import: JSON (jansson) or CSV
 * (libcsv) parsed record by record, each keeping the line it starts on,
 * then built into profiles (security first, sealed secrets opened, every
 * field set and the whole profile validated) and checked for names that
 * appear twice.  Every problem is reported with its line.  The store and
 * the passphrase are reached through struct xfer_src, so the fuzzer
 * (tests/fuzz/fuzz_import.c) runs this very code.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>
#include <jansson.h>

#include "cli_int.h"
#include "cli_xfer_int.h"
#include "popconn/xmalloc.h"

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

void
cli_xfer_recs_cleanup(struct xfer_recs *rs)
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

size_t
cli_xfer_rec_skip_ws(const char *s, size_t len, size_t off)
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
int
cli_xfer_rec_parse_json(const char *s, size_t len, struct xfer_recs *rs)
{
	struct xfer_rec *r;
	json_error_t err;
	json_t *o, *v;
	const char *k;
	char *text;
	size_t off, lpos = 0;
	int array = 0, bad = 0, line, lcount = 1;

	off = cli_xfer_rec_skip_ws(s, len, 0);
	if (off < len && s[off] == '[') {
		array = 1;
		off = cli_xfer_rec_skip_ws(s, len, off + 1);
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
		off = cli_xfer_rec_skip_ws(s, len, off);
		if (array) {
			if (off < len && s[off] == ',') {
				off = cli_xfer_rec_skip_ws(s, len, off + 1);
				continue;
			}
			if (off < len && s[off] == ']') {
				off = cli_xfer_rec_skip_ws(s, len, off + 1);
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

int
cli_xfer_rec_parse_csv(const char *s, size_t len, struct xfer_recs *rs)
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
	const struct prof_field *f;
	size_t n = strlen(k);
	char *base;
	bool secret;

	/* "<secret>_set": what an export without secrets says. */
	if (n > 4 && strcmp(k + n - 4, "_set") == 0) {
		base = xstrndup(k, n - 4);
		f = profile_field_find(base);
		secret = f != NULL && f->type == PROF_F_SECRET;
		free(base);
		if (secret)
			return true;
	}
	return
	    strcmp(k, "last_result") == 0 || strcmp(k, "last_tested") == 0 ||
	    strcmp(k, "id") == 0 || strcmp(k, "version") == 0;
}

/*
 * Build the profile a record describes, on top of the stored one with the
 * same name when there is one.  Prints every problem; returns their count.
 */
static int
xfer_build(const struct xfer_rec *r, const struct xfer_src *src,
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
	p = src->lookup(src->arg, name);
	if (p == NULL)
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
				if (src->open(src->arg, r->values[i], &clear,
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
cli_xfer_rec_build_all(const struct xfer_recs *rs, const struct xfer_src *src,
    struct profile ***listp, int **linesp, int *nlistp)
{
	struct profile **list, *p;
	int *lines, i, nlist = 0, nbad = 0;

	list = xcalloc((size_t)rs->n + 1, sizeof *list);
	lines = xcalloc((size_t)rs->n + 1, sizeof *lines);
	for (i = 0; i < rs->n; i++) {
		p = NULL;
		if (xfer_build(&rs->v[i], src, &p) != 0) {
			nbad++;
			continue;
		}
		lines[nlist] = rs->v[i].line;
		list[nlist++] = p;
	}
	nbad += xfer_duplicates(list, lines, nlist);
	*listp = list;
	*linesp = lines;
	*nlistp = nlist;
	return nbad;
}
