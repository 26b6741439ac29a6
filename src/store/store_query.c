/*
 * store_query.c - reading profiles: one by name, whole lists, pages and
 * keyset pages of a filtered listing, the ids of a listing, counts, the
 * position of a profile in a listing, and the groups.  The filter's SQL
 * comes from store_filter.c, each row from store_row.c.
 */
#include <stdlib.h>
#include <string.h>

#include "popconn/buf.h"
#include "popconn/xmalloc.h"
#include "store_int.h"

/*
 * Load the row selected by select_sql + where (one ?, bound to name, else
 * id).  The statement is prepared once into *cache and kept until
 * store_close: an import looks up every record by name, and preparing the
 * statement each time was a third of its time.
 */
enum pc_err
store_load_one(struct store *st, sqlite3_stmt **cache, const char *where,
    const char *name, int64_t id, bool with_secrets, struct store_row *row,
    char **cause)
{
	char *sql;
	int src;

	if (*cache == NULL) {
		sql = xasprintf("%s %s", st->select_sql, where);
		src = sqlite3_prepare_v3(st->db, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, cache, NULL);
		free(sql);
		if (src != SQLITE_OK) {
			*cache = NULL;
			return store_db_fail(st, "read", src, cause);
		}
	}
	if (name != NULL)
		sqlite3_bind_text(*cache, 1, name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(*cache, 1, id);
	/* Steps, loads and resets the statement. */
	return store_row_load_stmt(st, *cache, with_secrets, row, cause);
}

enum pc_err
store_get(struct store *st, const char *name, struct profile **out,
    char **cause)
{
	struct store_row row;
	enum pc_err rc;

	*out = NULL;
	rc = store_load_one(st, &st->get_by_name, "WHERE name = ?", name, 0,
	    true, &row, cause);
	if (rc == PC_E_NOTFOUND)
		return store_fail(cause, rc, "no profile named '%s'", name);
	if (rc)
		return rc;
	*out = row.p;
	row.p = NULL;
	store_row_cleanup(&row);
	return PC_OK;
}

void
store_list_cleanup(struct store_list *l)
{
	int i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		profile_free(l->v[i]);
	free(l->v);
	free(l->secrets);
	free(l->cert_not_after);
	l->v = NULL;
	l->secrets = NULL;
	l->cert_not_after = NULL;
	l->n = 0;
}

/*
 * Step s (a select_sql statement) to the end, appending to out; cert_col
 * >= 0 is the column of STORE_CERT_SQL (out->cert_not_after), else -1.
 */
static enum pc_err
store_list_fill(struct store *st, sqlite3_stmt *s, bool with_secrets,
    int cert_col, struct store_list *out, char **cause)
{
	struct store_row row;
	int src, cap = 0;
	enum pc_err rc = PC_OK;

	out->v = NULL;
	out->secrets = NULL;
	out->cert_not_after = NULL;
	out->n = 0;
	for (;;) {
		src = sqlite3_step(s);
		if (src != SQLITE_ROW)
			break;
		rc = store_row_load(st, s, with_secrets, &row, cause);
		if (rc)
			break;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->v = xreallocarray(out->v, (size_t)cap,
			    sizeof *out->v);
			out->secrets = xreallocarray(out->secrets, (size_t)cap,
			    sizeof *out->secrets);
			if (cert_col >= 0)
				out->cert_not_after = xreallocarray(
				    out->cert_not_after, (size_t)cap,
				    sizeof *out->cert_not_after);
		}
		if (cert_col >= 0)
			out->cert_not_after[out->n] =
			    sqlite3_column_int64(s, cert_col);
		out->secrets[out->n] = store_row_secrets(&row);
		out->v[out->n++] = row.p;
		row.p = NULL;
		store_row_cleanup(&row);
	}
	if (rc == PC_OK && src != SQLITE_DONE)
		rc = store_db_fail(st, "read", src, cause);
	if (rc)
		store_list_cleanup(out);
	return rc;
}

/* sql with f's ORDER BY terms for its "%s", when it holds one. */
static char *
store_filter_order(const char *sql, const struct store_filter *f)
{
	const char *p = strstr(sql, "%s");

	if (p == NULL)
		return xstrdup(sql);
	return xasprintf("%.*s%s%s", (int)(p - sql), sql,
	    store_where_order(f), p + 2);
}

/*
 * Prepare head + the WHERE of f and extra + tail (with f's order for
 * "%s" in either, when it holds one), and bind the filter.  *w is the
 * caller's to clean up (also on error).
 */
static enum pc_err
store_filter_prepare(struct store *st, const char *head,
    const struct store_filter *f, const char *extra, const char *tail,
    struct store_where *w, sqlite3_stmt **s, char **cause)
{
	char *sql, *h, *t;
	enum pc_err rc;

	*s = NULL;
	rc = store_where_build(f, extra, w, cause);
	if (rc)
		return rc;
	h = store_filter_order(head, f);
	t = store_filter_order(tail, f);
	sql = xasprintf("%s%s%s", h, w->sql, t);
	free(h);
	free(t);
	rc = store_prepare(st, sql, s, cause);
	free(sql);
	if (rc)
		return rc;
	store_where_bind(*s, f, w);
	return PC_OK;
}

enum pc_err
store_list(struct store *st, const char *group, bool with_secrets,
    struct store_list *out, char **cause)
{
	struct store_filter f = { .group = group };
	struct store_where w;
	sqlite3_stmt *s = NULL;
	enum pc_err rc;

	rc = store_filter_prepare(st, st->select_sql, &f, NULL,
	    " ORDER BY group_name, name", &w, &s, cause);
	if (rc == PC_OK)
		rc = store_list_fill(st, s, with_secrets, -1, out, cause);
	sqlite3_finalize(s);
	store_where_cleanup(&w);
	return rc;
}

/* select_sql with the certificate's end as one more column (its index
 * is STORE_SEL_AFTER(st, 2)).  Caller frees. */
static char *
store_page_sql(struct store *st)
{
	size_t len = strlen(st->select_sql) - strlen(" FROM profiles");

	return xasprintf("%.*s, %s FROM profiles", (int)len, st->select_sql,
	    STORE_CERT_SQL);
}

enum pc_err
store_list_page(struct store *st, const struct store_filter *f,
    int64_t offset, int limit, struct store_list *out, char **cause)
{
	struct store_where w;
	sqlite3_stmt *s = NULL;
	char *head;
	enum pc_err rc;

	memset(out, 0, sizeof *out);
	if (limit <= 0 || offset < 0)
		return PC_OK;
	head = store_page_sql(st);
	rc = store_filter_prepare(st, head, f, NULL,
	    " ORDER BY %s LIMIT ?3 OFFSET ?4", &w, &s, cause);
	free(head);
	if (rc == PC_OK) {
		sqlite3_bind_int(s, 3, limit);
		sqlite3_bind_int64(s, 4, offset);
		rc = store_list_fill(st, s, false, STORE_SEL_AFTER(st, 2),
		    out, cause);
	}
	sqlite3_finalize(s);
	store_where_cleanup(&w);
	return rc;
}

enum pc_err
store_list_ids(struct store *st, const struct store_filter *f, int64_t **ids,
    int64_t *n, char **cause)
{
	struct store_where w;
	sqlite3_stmt *s = NULL;
	int64_t cap = 0;
	int src;
	enum pc_err rc;

	*ids = NULL;
	*n = 0;
	rc = store_filter_prepare(st, "SELECT id FROM profiles", f, NULL,
	    " ORDER BY %s", &w, &s, cause);
	while (rc == PC_OK) {
		src = sqlite3_step(s);
		if (src == SQLITE_DONE)
			break;
		if (src != SQLITE_ROW) {
			rc = store_db_fail(st, "read", src, cause);
			break;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			*ids = xreallocarray(*ids, (size_t)cap, sizeof **ids);
		}
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	store_where_cleanup(&w);
	if (rc) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

enum pc_err
store_list_by_ids(struct store *st, const int64_t *ids, int n,
    struct store_list *out, char **cause)
{
	struct store_list got;
	struct buf b;
	sqlite3_stmt *s = NULL;
	char *head, *sql;
	enum pc_err rc;
	int i, j;

	memset(out, 0, sizeof *out);
	if (n <= 0)
		return PC_OK;
	head = store_page_sql(st);
	buf_init(&b, 0);
	buf_addf(&b, "%s WHERE id IN (", head);
	for (i = 0; i < n; i++)
		buf_addstr(&b, i ? ", ?" : "?");
	buf_addstr(&b, ")");
	sql = buf_take(&b);
	free(head);
	rc = store_prepare(st, sql, &s, cause);
	free(sql);
	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		sqlite3_bind_int64(s, i + 1, ids[i]);
	rc = store_list_fill(st, s, false, STORE_SEL_AFTER(st, 2), &got,
	    cause);
	sqlite3_finalize(s);
	if (rc)
		return rc;
	/* Back into the order of ids (a profile removed since is left
	 * out). */
	out->v = xcalloc((size_t)n, sizeof *out->v);
	out->secrets = xcalloc((size_t)n, sizeof *out->secrets);
	out->cert_not_after = xcalloc((size_t)n,
	    sizeof *out->cert_not_after);
	for (i = 0; i < n; i++)
		for (j = 0; j < got.n; j++) {
			if (got.v[j] == NULL || got.v[j]->id != ids[i])
				continue;
			out->v[out->n] = got.v[j];
			out->secrets[out->n] = got.secrets[j];
			out->cert_not_after[out->n++] = got.cert_not_after[j];
			got.v[j] = NULL;
			break;
		}
	for (j = 0; j < got.n; j++)
		profile_free(got.v[j]);
	got.n = 0;
	store_list_cleanup(&got);
	return PC_OK;
}

enum pc_err
store_list_next(struct store *st, const char *group, const char *after,
    int limit, struct store_list *out, char **cause)
{
	struct store_filter f = { .group = group };
	struct store_where w;
	sqlite3_stmt *s = NULL;
	enum pc_err rc;

	memset(out, 0, sizeof *out);
	if (limit <= 0 || group == NULL)
		return PC_OK;
	/* Keyset paging: the index (group_name, name) finds the next page
	 * directly, where an OFFSET would walk every row before it. */
	rc = store_filter_prepare(st, st->select_sql, &f, after != NULL ?
	    "name > ?5" : NULL, " ORDER BY name LIMIT ?3", &w, &s, cause);
	if (rc == PC_OK) {
		sqlite3_bind_int(s, 3, limit);
		if (after != NULL)
			sqlite3_bind_text(s, 5, after, -1, SQLITE_STATIC);
		rc = store_list_fill(st, s, true, -1, out, cause);
	}
	sqlite3_finalize(s);
	store_where_cleanup(&w);
	return rc;
}

/*
 * One integer from head + f's WHERE (and extra) + tail: a count or a
 * position, with the filter bound, ?3 = name and ?4 = group4 when given.
 * *out is -1 when the query gives no row.
 */
static enum pc_err
store_count_sql(struct store *st, const char *head,
    const struct store_filter *f, const char *extra, const char *tail,
    const char *name, const char *group4, int64_t *out, char **cause)
{
	struct store_where w;
	sqlite3_stmt *s = NULL;
	int src;
	enum pc_err rc;

	*out = 0;
	rc = store_filter_prepare(st, head, f, extra, tail, &w, &s, cause);
	if (rc)
		goto out;
	if (name != NULL)
		sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	if (group4 != NULL)
		sqlite3_bind_text(s, 4, group4, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	else if (src == SQLITE_DONE)
		*out = -1;
	else
		rc = store_db_fail(st, "read", src, cause);
out:
	sqlite3_finalize(s);
	store_where_cleanup(&w);
	return rc;
}

enum pc_err
store_count_filter(struct store *st, const struct store_filter *f,
    int64_t *out, char **cause)
{
	return store_count_sql(st, "SELECT count(*) FROM profiles", f, NULL,
	    "", NULL, NULL, out, cause);
}

enum pc_err
store_count(struct store *st, const char *group, int64_t *out, char **cause)
{
	struct store_filter f = { .group = group };

	return store_count_filter(st, &f, out, cause);
}

enum pc_err
store_position(struct store *st, const struct store_filter *f,
    const char *name, int64_t *out, char **cause)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *g;
	char *grp = NULL, *nm = NULL;
	int64_t n;
	enum pc_err rc;

	*out = -1;
	rc = store_profile_named(st, "SELECT group_name, name FROM profiles "
	    "WHERE name = ?", name, &s, cause);
	if (rc)
		return rc;
	g = sqlite3_column_text(s, 0);
	grp = g == NULL ? NULL : xstrdup((const char *)g);
	nm = xstrdup((const char *)sqlite3_column_text(s, 1));
	sqlite3_finalize(s);

	/* Is it in the listing at all? */
	rc = store_count_sql(st, "SELECT count(*) FROM profiles", f,
	    "name = ?3", "", nm, NULL, &n, cause);
	if (rc == PC_OK && n == 0)
		rc = store_fail(cause, PC_E_NOTFOUND, "profile '%s' is not in "
		    "this listing", name);
	if (rc)
		goto out;
	if (f != NULL && f->sort != STORE_SORT_NAME) {
		/* Another order: number the whole listing (it is sorted
		 * whole for every page anyway). */
		rc = store_count_sql(st, "SELECT pos FROM (SELECT name, "
		    "row_number() OVER (ORDER BY %s) - 1 AS pos FROM profiles",
		    f, NULL, ") WHERE name = ?3", nm, NULL, out, cause);
		if (rc == PC_OK && *out < 0)
			rc = store_fail(cause, PC_E_NOTFOUND, "profile '%s' "
			    "is not in this listing", name);
		goto out;
	}
	/* Rows before it in the order group_name, name (NULL groups
	 * first); comparisons use the columns' NOCASE collation. */
	rc = store_count_sql(st, "SELECT count(*) FROM profiles", f,
	    grp == NULL ? "(group_name IS NULL AND name < ?3)" :
	    "(group_name IS NULL OR group_name < ?4 OR "
	    "(group_name = ?4 AND name < ?3))", "", nm, grp, out, cause);
out:
	free(grp);
	free(nm);
	return rc;
}

enum pc_err
store_groups(struct store *st, struct store_group_list *out, char **cause)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	int src, cap = 0;
	enum pc_err rc;

	out->v = NULL;
	out->n = 0;
	rc = store_prepare(st, "SELECT group_name, count(*) FROM profiles "
	    "GROUP BY group_name ORDER BY group_name", &s, cause);
	if (rc)
		return rc;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		out->v = store_grow(out->v, out->n, &cap, sizeof *out->v);
		t = sqlite3_column_text(s, 0);
		out->v[out->n].name = xstrdup(t == NULL ? "" :
		    (const char *)t);
		out->v[out->n].count = sqlite3_column_int64(s, 1);
		out->n++;
	}
	rc = store_rows_end(st, s, src, cause);
	if (rc)
		store_group_list_cleanup(out);
	return rc;
}

void
store_group_list_cleanup(struct store_group_list *l)
{
	int i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
