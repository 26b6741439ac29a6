/*
 * store_bulk.c - bulk changes (FIELD=VALUE on a group or on named
 * profiles) and their undo.
 *
 * A bulk change takes the write lock, lists the target row ids, then
 * streams over them once: each profile is read without decrypting
 * anything, the assignments are applied to a copy, the copy is validated,
 * and (while every profile so far was valid) the row is written at once
 * with statements prepared once: the UPDATE guarded by the row version,
 * one undo row (the old and new values of the touched columns as stored,
 * so a secret stays sealed), and the audit row.  The first invalid
 * profile stops the writing; the scan goes on to report every invalid
 * profile, and the transaction is rolled back: nothing changes.  Keeping
 * nothing per profile keeps 100,000 profiles within a few megabytes.  A
 * secret assignment is sealed per profile with a fresh nonce under the
 * profile's own aad.
 *
 * One file over 900 lines because a change and its undo are one format:
 * the undo reads back the bulk_undo rows the change writes and applies
 * them with the same UPDATE (store_bulk_update_sql) and the same report
 * of changes and errors (store_bulk_change, store_bulk_error).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "popconn/buf.h"
#include "popconn/store.h"
#include "popconn/xmalloc.h"
#include "store_int.h"

struct store_bulk {
	struct store	*st;
	const struct store_assign *assign;
	int		 nassign;
	bool		 dry_run;
	/* security is set and port is not: a default port follows it. */
	bool		 port_follows;
	/* Touched columns: assigned fields in table order (and port when it
	 * follows security), then port_typed when port is assigned. */
	const struct store_col **tc;
	const char	**secret_value;	/* per tc: assigned clear value */
	int		 ntc;
	/* Scratch reused for every profile. */
	char		**ot;		/* per tc: old / new text form */
	char		**nt;
	struct store_val *oldv;		/* per tc: old / new column value */
	struct store_val *newv;
	char		**sealed;	/* per tc: the new sealed secret */
	struct buf	 fields;
	struct buf	 detail;
	/* Write statements (not for a dry run). */
	sqlite3_stmt	*upd;
	sqlite3_stmt	*und;
	int64_t		 op;
	int64_t		 now;
	int		 written;	/* profiles written */
	struct store_changes *ch;
	bool		 want_changes;
};

static void
store_bulk_error(struct store_changes *ch, char *line)
{
	ch->errors = xreallocarray(ch->errors, (size_t)ch->nerrors + 1,
	    sizeof *ch->errors);
	ch->errors[ch->nerrors++] = line;
}

static void
store_bulk_change(struct store_changes *ch, const char *profile,
    const char *field, const char *old_value, const char *new_value)
{
	struct store_change *c;

	if ((ch->n & (ch->n - 1)) == 0)		/* 0, 1, 2, 4, 8 ... */
		ch->v = xreallocarray(ch->v, ch->n ? (size_t)ch->n * 2 : 1,
		    sizeof *ch->v);
	c = &ch->v[ch->n++];
	c->profile = xstrdup(profile);
	c->field = xstrdup(field);
	c->old_value = xstrdup(old_value);
	c->new_value = xstrdup(new_value);
}

/*
 * Where a change or an undo lists what it does: the caller's changes
 * (cleared; *want says the caller wants them), else local (cleared).
 */
static struct store_changes *
store_bulk_changes(struct store_changes *changes,
    struct store_changes *local, bool *want)
{
	memset(local, 0, sizeof *local);
	*want = changes != NULL;
	if (changes == NULL)
		changes = local;
	memset(changes, 0, sizeof *changes);
	return changes;
}

/* Commit a change or an undo; its two statements must be done before
 * COMMIT: they are finalised first. */
static enum pc_err
store_bulk_commit(struct store *st, sqlite3_stmt **a, sqlite3_stmt **b,
    char **cause)
{
	sqlite3_finalize(*a);
	sqlite3_finalize(*b);
	*a = *b = NULL;
	return store_commit(st, cause);
}

void
store_changes_cleanup(struct store_changes *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->v[i].profile);
		free(c->v[i].field);
		free(c->v[i].old_value);
		free(c->v[i].new_value);
	}
	for (i = 0; i < c->nerrors; i++)
		free(c->errors[i]);
	free(c->v);
	free(c->errors);
	memset(c, 0, sizeof *c);
}

/* Free the per-profile scratch (not the arrays). */
static void
store_bulk_scratch_reset(struct store_bulk *b)
{
	int t;

	for (t = 0; t < b->ntc; t++) {
		free(b->ot[t]);
		free(b->nt[t]);
		free(b->sealed[t]);
		b->ot[t] = b->nt[t] = b->sealed[t] = NULL;
		store_val_cleanup(&b->oldv[t]);
		store_val_cleanup(&b->newv[t]);
	}
	buf_reset(&b->fields);
	buf_reset(&b->detail);
}

static void
store_bulk_cleanup(struct store_bulk *b)
{
	if (b->tc != NULL)
		store_bulk_scratch_reset(b);
	sqlite3_finalize(b->upd);
	sqlite3_finalize(b->und);
	free(b->tc);
	free(b->secret_value);
	free(b->ot);
	free(b->nt);
	free(b->oldv);
	free(b->newv);
	free(b->sealed);
	buf_cleanup(&b->fields);
	buf_cleanup(&b->detail);
}

/*
 * Check the assignments once, on a scratch profile: an unknown field or a
 * value that does not parse fails for every profile alike.  Then work out
 * the touched columns.
 */
static enum pc_err
store_bulk_prepare(struct store_bulk *b, char **cause)
{
	struct store *st = b->st;
	struct profile *scratch;
	char *why;
	bool port = false, sec = false, hit;
	int i, k;
	enum pc_err rc = PC_OK;

	if (b->nassign < 1)
		return store_fail(cause, PC_E_INVALID, "nothing to set: give "
		    "at least one FIELD=VALUE");
	scratch = profile_new();
	scratch->id = 1;	/* behave like a saved profile */
	for (k = 0; k < b->nassign; k++) {
		why = NULL;
		if (strcmp(b->assign[k].key, "name") == 0)
			why = xstrdup("name: cannot be set on several profiles "
			    "at once (names are unique)");
		else if (profile_field_set(scratch, b->assign[k].key,
		    b->assign[k].value, &why) == PC_OK)
			continue;
		if (why == NULL)
			why = xasprintf("%s: invalid value", b->assign[k].key);
		store_bulk_error(b->ch, xstrdup(why));
		rc = store_fail(cause, PC_E_INVALID, "%s", why);
		free(why);
	}
	profile_free(scratch);
	if (rc)
		return rc;
	b->tc = xcalloc((size_t)st->ncols, sizeof *b->tc);
	b->secret_value = xcalloc((size_t)st->ncols, sizeof *b->secret_value);
	b->ot = xcalloc((size_t)st->ncols, sizeof *b->ot);
	b->nt = xcalloc((size_t)st->ncols, sizeof *b->nt);
	b->oldv = xcalloc((size_t)st->ncols, sizeof *b->oldv);
	b->newv = xcalloc((size_t)st->ncols, sizeof *b->newv);
	b->sealed = xcalloc((size_t)st->ncols, sizeof *b->sealed);
	for (k = 0; k < b->nassign; k++) {
		if (strcmp(b->assign[k].key, "security") == 0)
			sec = true;
		else if (strcmp(b->assign[k].key, "port") == 0)
			port = true;
	}
	b->port_follows = sec && !port;
	for (i = 0; i < st->ncols; i++) {
		hit = b->port_follows && strcmp(st->cols[i].key, "port") == 0;
		for (k = 0; k < b->nassign; k++) {
			if (strcmp(st->cols[i].key, b->assign[k].key) != 0)
				continue;
			hit = true;
			/* The last assignment of a field wins. */
			if (st->cols[i].type == STORE_C_SECRET)
				b->secret_value[b->ntc] = b->assign[k].value;
		}
		if (hit)
			b->tc[b->ntc++] = &st->cols[i];
	}
	/* Setting the port marks it typed (profile_field_set). */
	if (port)
		b->tc[b->ntc++] = store_col_find(st, "port_typed");
	return PC_OK;
}

/*
 * Compare old and new on the touched fields: fill the text forms, the
 * audit fields and detail, and the change list.  Whether any differs.
 */
static bool
store_bulk_compare(struct store_bulk *b, const struct store_row *row,
    const struct profile *new)
{
	const struct profile *old = row->p;
	const struct store_col *c;
	const char *sv;
	bool was, is, any = false;
	int t;

	for (t = 0; t < b->ntc; t++) {
		c = b->tc[t];
		if (c->f == NULL)
			continue;	/* port_typed follows port */
		if (c->type == STORE_C_SECRET) {
			/* Not decrypted: assigning a value is a change. */
			sv = b->secret_value[t];
			was = row->sealed[c->secret] != NULL;
			is = sv != NULL && *sv != '\0';
			if (!was && !is)
				continue;
			b->ot[t] = xstrdup(was ? "set" : "");
			b->nt[t] = xstrdup(is ? "set" : "");
		} else {
			b->ot[t] = profile_field_get(old, c->key);
			b->nt[t] = profile_field_get(new, c->key);
			if (strcmp(b->ot[t], b->nt[t]) == 0)
				continue;
		}
		any = true;
		if (b->fields.len > 0)
			buf_addstr(&b->fields, ",");
		buf_addstr(&b->fields, c->key);
		audit_detail_add(&b->detail, c->key,
		    c->type == STORE_C_SECRET, b->ot[t], b->nt[t]);
		if (b->want_changes)
			store_bulk_change(b->ch, old->name, c->key, b->ot[t],
			    b->nt[t]);
	}
	return any;
}

/* Write one changed, valid profile: UPDATE, undo row, audit row. */
static enum pc_err
store_bulk_write(struct store_bulk *b, const struct store_row *row,
    const struct profile *new, char **cause)
{
	struct store *st = b->st;
	const struct profile *old = row->p;
	const struct store_col *c;
	int t, k, src;
	enum pc_err rc;

	for (t = 0; t < b->ntc; t++) {
		c = b->tc[t];
		k = 4 + b->ntc + t;	/* the new value in the undo row */
		if (c->type == STORE_C_SECRET) {
			/* The old value stays sealed as it is. */
			if (row->sealed[c->secret] != NULL)
				sqlite3_bind_text(b->und, 4 + t,
				    row->sealed[c->secret], -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(b->und, 4 + t);
			if (b->secret_value[t] != NULL &&
			    *b->secret_value[t] != '\0') {
				rc = store_seal(st, row->uid, c,
				    b->secret_value[t], &b->sealed[t], cause);
				if (rc)
					return rc;
				sqlite3_bind_text(b->upd, t + 1, b->sealed[t],
				    -1, SQLITE_STATIC);
				sqlite3_bind_text(b->und, k, b->sealed[t], -1,
				    SQLITE_STATIC);
			} else {
				sqlite3_bind_null(b->upd, t + 1);
				sqlite3_bind_null(b->und, k);
			}
			continue;
		}
		/* The text forms are at hand: no second get. */
		if (b->ot[t] != NULL) {
			store_col_value_text(c, b->ot[t], &b->oldv[t]);
			store_col_value_text(c, b->nt[t], &b->newv[t]);
		} else {
			store_col_value(c, old, &b->oldv[t]);
			store_col_value(c, new, &b->newv[t]);
		}
		store_bind_val(b->upd, t + 1, &b->newv[t]);
		store_bind_val(b->und, 4 + t, &b->oldv[t]);
		store_bind_val(b->und, k, &b->newv[t]);
	}
	sqlite3_bind_int64(b->upd, b->ntc + 1, b->now);
	sqlite3_bind_int64(b->upd, b->ntc + 2, old->id);
	sqlite3_bind_int64(b->upd, b->ntc + 3, old->version);
	src = sqlite3_step(b->upd);
	sqlite3_reset(b->upd);
	if (src != SQLITE_DONE)
		return store_db_fail(st, "write", src, cause);
	if (sqlite3_changes(st->db) != 1)	/* we hold the write lock */
		return store_fail(cause, PC_E_CONFLICT, "profile '%s' changed "
		    "during the bulk change", old->name);
	sqlite3_bind_int64(b->und, 2, old->id);
	sqlite3_bind_int64(b->und, 3, old->version + 1);
	src = sqlite3_step(b->und);
	sqlite3_reset(b->und);
	if (src != SQLITE_DONE)
		return store_db_fail(st, "write", src, cause);
	return audit_add_bulk(st, old->name, old->id, "bulk-set",
	    b->fields.data, b->detail.data, b->op, cause);
}

/* One profile: apply, compare, validate, write. */
static enum pc_err
store_bulk_one(struct store_bulk *b, const struct store_row *row,
    char **cause)
{
	struct prof_issues iss;
	struct profile *new;
	struct buf line;
	int k;
	enum pc_err rc = PC_OK;

	new = profile_dup(row->p);
	for (k = 0; k < b->nassign; k++)
		(void)profile_field_set(new, b->assign[k].key,
		    b->assign[k].value, NULL);	/* checked on a scratch */
	if (b->port_follows)
		(void)profile_port_follow(new, row->p->security);
	if (!store_bulk_compare(b, row, new))
		goto out;
	b->ch->nprofiles++;
	if (profile_validate(new, &iss) != PC_OK) {
		buf_init(&line, 0);
		buf_addf(&line, "profile '%s': ", row->p->name);
		for (k = 0; k < iss.n; k++)
			buf_addf(&line, "%s%s", k ? "; " : "",
			    iss.v[k].message);
		store_bulk_error(b->ch, buf_take(&line));
	}
	profile_issues_cleanup(&iss);
	/* After the first invalid profile nothing more is written: the
	 * whole change will be rolled back. */
	if (b->dry_run || b->ch->nerrors > 0)
		goto out;
	rc = store_bulk_write(b, row, new, cause);
	if (rc == PC_OK)
		b->written++;
out:
	store_bulk_scratch_reset(b);
	profile_free(new);
	return rc;
}

/* UPDATE of the columns cols[n], guarded by the version. */
static char *
store_bulk_update_sql(const struct store_col *const *cols, int n,
    const char *returning)
{
	struct buf sb;
	int t;

	buf_init(&sb, 0);
	buf_addstr(&sb, "UPDATE profiles SET ");
	for (t = 0; t < n; t++)
		buf_addf(&sb, "%s = ?, ", cols[t]->name);
	buf_addf(&sb, "version = version + 1, updated = ? WHERE id = ? AND "
	    "version = ?%s", returning);
	return buf_take(&sb);
}

/* One undo row per profile: old and new values as JSON arrays. */
static char *
store_bulk_undo_sql(int n)
{
	struct buf sb;
	int t;

	buf_init(&sb, 0);
	buf_addstr(&sb, "INSERT INTO bulk_undo (op_id, profile_id, "
	    "version_after, old_values, new_values) VALUES (?1, ?2, ?3, "
	    "json_array(");
	for (t = 0; t < n; t++)
		buf_addf(&sb, "%s?%d", t ? ", " : "", 4 + t);
	buf_addstr(&sb, "), json_array(");
	for (t = 0; t < n; t++)
		buf_addf(&sb, "%s?%d", t ? ", " : "", 4 + n + t);
	buf_addstr(&sb, "))");
	return buf_take(&sb);
}

/*
 * Start writing: drop the undo records of the oldest bulk changes (those
 * of the last STORE_BULK_KEEP stay, this one included), record this one,
 * prepare the statements.
 */
static enum pc_err
store_bulk_begin_write(struct store_bulk *b, char **cause)
{
	struct store *st = b->st;
	sqlite3_stmt *ops = NULL;
	struct buf cols;
	char *sql;
	int t, src;
	enum pc_err rc;

	b->now = (int64_t)time(NULL);
	sql = xasprintf("DELETE FROM bulk_undo WHERE op_id IN (SELECT id "
	    "FROM bulk_ops ORDER BY id DESC LIMIT -1 OFFSET %d); "
	    "DELETE FROM bulk_ops WHERE id IN (SELECT id FROM bulk_ops "
	    "ORDER BY id DESC LIMIT -1 OFFSET %d)", STORE_BULK_KEEP - 1,
	    STORE_BULK_KEEP - 1);
	src = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	free(sql);
	if (src != SQLITE_OK)
		return store_db_fail(st, "write", src, cause);
	rc = store_prepare(st, "INSERT INTO bulk_ops (time, os_user, columns, "
	    "nprofiles) VALUES (?, ?, ?, 0)", &ops, cause);
	if (rc)
		return rc;
	buf_init(&cols, 0);
	for (t = 0; t < b->ntc; t++)
		buf_addf(&cols, "%s%s", t ? "," : "", b->tc[t]->name);
	sqlite3_bind_int64(ops, 1, b->now);
	sqlite3_bind_text(ops, 2, st->os_user, -1, SQLITE_STATIC);
	sqlite3_bind_text(ops, 3, cols.data, -1, SQLITE_STATIC);
	src = sqlite3_step(ops);
	sqlite3_finalize(ops);
	buf_cleanup(&cols);
	if (src != SQLITE_DONE)
		return store_db_fail(st, "write", src, cause);
	b->op = sqlite3_last_insert_rowid(st->db);
	sql = store_bulk_update_sql(b->tc, b->ntc, "");
	rc = store_prepare(st, sql, &b->upd, cause);
	free(sql);
	if (rc)
		return rc;
	sql = store_bulk_undo_sql(b->ntc);
	rc = store_prepare(st, sql, &b->und, cause);
	free(sql);
	if (rc)
		return rc;
	sqlite3_bind_int64(b->und, 1, b->op);
	return PC_OK;
}

static enum pc_err
store_bulk_end_write(struct store_bulk *b, char **cause)
{
	sqlite3_stmt *s = NULL;
	int src;
	enum pc_err rc;

	rc = store_prepare(b->st, "UPDATE bulk_ops SET nprofiles = ? "
	    "WHERE id = ?", &s, cause);
	if (rc)
		return rc;
	sqlite3_bind_int(s, 1, b->written);
	sqlite3_bind_int64(s, 2, b->op);
	src = sqlite3_step(s);
	sqlite3_finalize(s);
	if (src != SQLITE_DONE)
		return store_db_fail(b->st, "write", src, cause);
	return PC_OK;
}

static int
store_bulk_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The ids of the named profiles, each once, in the order given. */
static enum pc_err
store_bulk_ids_names(struct store_bulk *b, const char *const *names,
    int nnames, int64_t **out, int *nout, char **cause)
{
	struct store *st = b->st;
	sqlite3_stmt *s = NULL;
	int64_t *ids, *sorted = NULL, *hit;
	bool *done = NULL;
	int i, n = 0, m = 0, src;
	enum pc_err rc;

	rc = store_prepare(st, "SELECT id FROM profiles WHERE name = ?", &s,
	    cause);
	if (rc)
		return rc;
	ids = xcalloc((size_t)nnames + 1, sizeof *ids);
	for (i = 0; i < nnames; i++) {
		sqlite3_bind_text(s, 1, names[i], -1, SQLITE_STATIC);
		src = sqlite3_step(s);
		if (src == SQLITE_ROW)
			ids[n++] = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (src == SQLITE_DONE) {
			rc = store_fail(cause, PC_E_NOTFOUND, "no profile "
			    "named '%s'; nothing was changed", names[i]);
			goto out;
		}
		if (src != SQLITE_ROW) {
			rc = store_db_fail(st, "read", src, cause);
			goto out;
		}
	}
	sorted = xcalloc((size_t)n + 1, sizeof *sorted);
	memcpy(sorted, ids, (size_t)n * sizeof *ids);
	qsort(sorted, (size_t)n, sizeof *sorted, store_bulk_id_cmp);
	done = xcalloc((size_t)n + 1, sizeof *done);
	for (i = 0; i < n; i++) {
		hit = bsearch(&ids[i], sorted, (size_t)n, sizeof *sorted,
		    store_bulk_id_cmp);
		if (done[hit - sorted])
			continue;
		done[hit - sorted] = true;
		ids[m++] = ids[i];
	}
out:
	sqlite3_finalize(s);
	free(sorted);
	free(done);
	if (rc) {
		free(ids);
		return rc;
	}
	*out = ids;
	*nout = m;
	return PC_OK;
}

/* The ids of a group's profiles, in listing order. */
static enum pc_err
store_bulk_ids_group(struct store_bulk *b, const char *group, int64_t **out,
    int *nout, char **cause)
{
	struct store *st = b->st;
	sqlite3_stmt *s = NULL;
	int64_t *ids = NULL;
	int src, n = 0, cap = 0;
	enum pc_err rc;

	rc = store_prepare(st, *group == '\0' ? "SELECT id FROM profiles "
	    "WHERE group_name IS NULL ORDER BY group_name, name" :
	    "SELECT id FROM profiles WHERE group_name = ?1 "
	    "ORDER BY group_name, name", &s, cause);
	if (rc)
		return rc;
	if (*group != '\0')
		sqlite3_bind_text(s, 1, group, -1, SQLITE_STATIC);
	for (;;) {
		src = sqlite3_step(s);
		if (src != SQLITE_ROW)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			ids = xreallocarray(ids, (size_t)cap, sizeof *ids);
		}
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (src != SQLITE_DONE) {
		free(ids);
		return store_db_fail(st, "read", src, cause);
	}
	if (n == 0 && *group == '\0')
		return store_fail(cause, PC_E_NOTFOUND, "there is no profile "
		    "without a group");
	if (n == 0)
		return store_fail(cause, PC_E_NOTFOUND, "there is no profile "
		    "in group '%s'", group);
	*out = ids;
	*nout = n;
	return PC_OK;
}

/*
 * A value that is invalid on its own (port=70000) makes every target
 * invalid: replace the per-value errors of store_bulk_prepare with one
 * line per target profile, naming it and each field at fault, so that the
 * count says how many profiles the change would break.
 */
static enum pc_err
store_bulk_bad_values(struct store_bulk *b, const int64_t *ids, int n,
    char **cause)
{
	struct store *st = b->st;
	struct store_changes *ch = b->ch;
	sqlite3_stmt *s = NULL;
	struct buf line;
	char **why;
	int i, k, nwhy, src;
	enum pc_err rc;

	why = ch->errors;
	nwhy = ch->nerrors;
	ch->errors = NULL;
	ch->nerrors = 0;
	rc = store_prepare(st, "SELECT name FROM profiles WHERE id = ?", &s,
	    cause);
	for (i = 0; rc == PC_OK && i < n; i++) {
		sqlite3_bind_int64(s, 1, ids[i]);
		src = sqlite3_step(s);
		if (src != SQLITE_ROW) {
			rc = store_db_fail(st, "read", src, cause);
			break;
		}
		buf_init(&line, 0);
		buf_addf(&line, "profile '%s': ",
		    (const char *)sqlite3_column_text(s, 0));
		for (k = 0; k < nwhy; k++)
			buf_addf(&line, "%s%s", k ? "; " : "", why[k]);
		store_bulk_error(ch, buf_take(&line));
		sqlite3_reset(s);
	}
	ch->nprofiles = ch->nerrors;
	sqlite3_finalize(s);
	for (k = 0; k < nwhy; k++)
		free(why[k]);
	free(why);
	if (rc)
		return rc;
	return store_fail(cause, PC_E_INVALID, "%d profile%s would become "
	    "invalid; nothing was changed: %s", ch->nerrors,
	    ch->nerrors == 1 ? "" : "s", ch->errors[0]);
}

/* Stream over the target rows. */
static enum pc_err
store_bulk_scan(struct store_bulk *b, const int64_t *ids, int n,
    char **cause)
{
	struct store *st = b->st;
	struct store_row row;
	sqlite3_stmt *s = NULL;
	char *sql;
	int i;
	enum pc_err rc;

	sql = xasprintf("%s WHERE id = ?", st->select_sql);
	rc = store_prepare(st, sql, &s, cause);
	free(sql);
	if (rc)
		return rc;
	for (i = 0; i < n && rc == PC_OK; i++) {
		sqlite3_bind_int64(s, 1, ids[i]);
		rc = store_row_load_stmt(st, s, false, &row, cause);
		if (rc == PC_E_NOTFOUND)
			rc = store_fail(cause, PC_E_DB, "a profile vanished "
			    "during the bulk change");
		if (rc)
			break;
		rc = store_bulk_one(b, &row, cause);
		store_row_cleanup(&row);
	}
	sqlite3_finalize(s);
	return rc;
}

enum pc_err
store_bulk_set(struct store *st, const char *group, const char *const *names,
    int nnames, const struct store_assign *assign, int nassign, bool dry_run,
    struct store_changes *changes, char **cause)
{
	struct store_changes local;
	struct store_bulk b;
	int64_t *ids = NULL;
	int n = 0;
	bool bad_value;
	enum pc_err rc;

	if (cause != NULL)
		*cause = NULL;
	memset(&b, 0, sizeof b);
	b.st = st;
	b.assign = assign;
	b.nassign = nassign;
	b.dry_run = dry_run;
	b.ch = store_bulk_changes(changes, &local, &b.want_changes);
	buf_init(&b.fields, 0);
	buf_init(&b.detail, 0);
	if (names == NULL && group == NULL)
		return store_fail(cause, PC_E_INVALID, "name the profiles or a "
		    "group to change");
	rc = store_bulk_prepare(&b, cause);
	bad_value = rc == PC_E_INVALID && b.ch->nerrors > 0;
	if (rc && !bad_value)
		goto out;
	if (bad_value && cause != NULL) {
		free(*cause);	/* said again per profile below */
		*cause = NULL;
	}
	/* The write lock from the first read: what is read is what gets
	 * overwritten.  A dry run only needs a consistent snapshot. */
	rc = store_begin(st, !dry_run && !bad_value, cause);
	if (rc)
		goto out;
	if (names != NULL)
		rc = store_bulk_ids_names(&b, names, nnames, &ids, &n, cause);
	else
		rc = store_bulk_ids_group(&b, group, &ids, &n, cause);
	if (rc)
		goto out;
	if (bad_value) {
		rc = store_bulk_bad_values(&b, ids, n, cause);
		goto out;
	}
	if (!dry_run) {
		rc = store_bulk_begin_write(&b, cause);
		if (rc)
			goto out;
	}
	rc = store_bulk_scan(&b, ids, n, cause);
	if (rc)
		goto out;
	if (b.ch->nerrors > 0) {
		rc = store_fail(cause, PC_E_INVALID, "%d profile%s would "
		    "become invalid; nothing was changed: %s", b.ch->nerrors,
		    b.ch->nerrors == 1 ? "" : "s", b.ch->errors[0]);
		goto out;
	}
	/* Nothing differs: keep the previous undo record. */
	if (dry_run || b.written == 0)
		goto out;
	rc = store_bulk_end_write(&b, cause);
	if (rc)
		goto out;
	rc = store_bulk_commit(st, &b.upd, &b.und, cause);
	if (rc == PC_OK)
		b.ch->bulk_id = b.op;
out:
	store_bulk_cleanup(&b);
	store_rollback(st);
	store_changes_cleanup(&local);
	free(ids);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Undo. */

struct store_undo {
	struct store	*st;
	bool		 dry_run;
	int64_t		 op;
	const struct store_col **cols;	/* what the bulk change wrote */
	int		 ncols;
	sqlite3_stmt	*cur;		/* name, version of a profile */
	sqlite3_stmt	*upd;
	struct store_changes *ch;
	bool		 want_changes;
	char		*first;		/* the first conflict's line */
	struct buf	 names;		/* "'a', 'b'": every conflict's */
};

void
store_bulk_op_cleanup(struct store_bulk_op *op)
{
	if (op == NULL)
		return;
	free(op->os_user);
	free(op->fields);
	memset(op, 0, sizeof *op);
}

/*
 * A profile of the change was changed or removed since (its version is
 * not the one the change made): one line naming it once, with who did
 * what last.
 */
static void
store_undo_conflict(struct store_undo *u, int64_t pid, const char *name)
{
	char *who, *logged = NULL, *line;

	who = audit_last_change(u->st, pid, &logged);
	if (name != NULL)
		line = xasprintf("profile '%s' was changed by %s after it",
		    name, who == NULL ? "someone" : who);
	else
		line = xasprintf("profile '%s' was removed by %s after it",
		    logged == NULL ? "?" : logged,
		    who == NULL ? "someone" : who);
	if (u->first == NULL)
		u->first = xstrdup(line);
	buf_addf(&u->names, "%s'%s'", u->names.len ? ", " : "",
	    name != NULL ? name : logged != NULL ? logged : "?");
	store_bulk_error(u->ch, line);
	free(who);
	free(logged);
}

/* Whether columns a and b of s hold the same sealed secret (or none). */
static bool
store_undo_same_sealed(sqlite3_stmt *s, int a, int b)
{
	const unsigned char *x = sqlite3_column_text(s, a);
	const unsigned char *y = sqlite3_column_text(s, b);

	if (x == NULL || y == NULL)
		return x == y;
	return strcmp((const char *)x, (const char *)y) == 0;
}

/*
 * One profile, from the current row of s: profile_id, version_after,
 * json_array_length(old_values), the old values, then the new ones (one
 * column each).  A profile that moved on since is a conflict: reported,
 * and from then on nothing is written (the transaction rolls back).
 */
static enum pc_err
store_undo_one(struct store_undo *u, sqlite3_stmt *s, char **cause)
{
	struct store *st = u->st;
	const struct store_col *c;
	const char *ot, *nt;
	struct buf fields, detail;
	char *name = NULL, nbuf[STORE_CSTR_BUF], obuf[STORE_CSTR_BUF];
	int64_t pid, after;
	int i, src, o = 3, nw = 3 + u->ncols;
	enum pc_err rc = PC_OK;

	pid = sqlite3_column_int64(s, 0);
	after = sqlite3_column_int64(s, 1);
	if (sqlite3_column_int(s, 2) != u->ncols)
		return store_fail(cause, PC_E_DB, "the undo record of the "
		    "database %s is damaged", st->path);
	sqlite3_bind_int64(u->cur, 1, pid);
	src = sqlite3_step(u->cur);
	if (src == SQLITE_ROW) {
		name = xstrdup((const char *)sqlite3_column_text(u->cur, 0));
		if (sqlite3_column_int64(u->cur, 1) != after) {
			store_undo_conflict(u, pid, name);
			src = SQLITE_DONE;
			goto out;
		}
	} else if (src == SQLITE_DONE)
		store_undo_conflict(u, pid, NULL);
	if (src != SQLITE_ROW)
		goto out;
	src = SQLITE_DONE;
	buf_init(&fields, 0);
	buf_init(&detail, 0);
	for (i = 0; i < u->ncols; i++) {
		c = u->cols[i];
		if (c->f == NULL)
			continue;	/* port_typed: not a field */
		/* From what the bulk change wrote back to what it replaced
		 * (two columns: each text stays valid while the other is
		 * read). */
		nt = store_col_cstr(c, s, nw + i, nbuf);
		ot = store_col_cstr(c, s, o + i, obuf);
		if (c->type == STORE_C_SECRET ?
		    store_undo_same_sealed(s, nw + i, o + i) :
		    strcmp(nt, ot) == 0)
			continue;
		buf_addf(&fields, "%s%s", fields.len ? "," : "", c->key);
		audit_detail_add(&detail, c->key, c->type == STORE_C_SECRET,
		    nt, ot);
		if (u->want_changes)
			store_bulk_change(u->ch, name, c->key, nt, ot);
	}
	u->ch->nprofiles++;
	if (u->dry_run || u->ch->nerrors > 0)
		goto done;
	for (i = 0; i < u->ncols; i++)
		sqlite3_bind_value(u->upd, i + 1,
		    sqlite3_column_value(s, o + i));
	sqlite3_bind_int64(u->upd, u->ncols + 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(u->upd, u->ncols + 2, pid);
	sqlite3_bind_int64(u->upd, u->ncols + 3, after);
	src = sqlite3_step(u->upd);
	sqlite3_reset(u->upd);
	if (src != SQLITE_DONE)
		rc = store_db_fail(st, "write", src, cause);
	else if (sqlite3_changes(st->db) != 1)	/* we hold the write lock */
		rc = store_fail(cause, PC_E_CONFLICT, "profile '%s' changed "
		    "during the undo", name);
	else
		rc = audit_add_bulk(st, name, pid, "undo", fields.data,
		    detail.data, u->op, cause);
done:
	buf_cleanup(&fields);
	buf_cleanup(&detail);
out:
	sqlite3_reset(u->cur);
	if (rc == PC_OK && src != SQLITE_DONE)
		rc = store_db_fail(st, "read", src, cause);
	free(name);
	return rc;
}

/* Parse "port,port_typed" into columns, and op->fields. */
static enum pc_err
store_undo_columns(struct store_undo *u, const char *list,
    struct store_bulk_op *op, char **cause)
{
	const struct store_col *c;
	struct buf keys;
	char *copy, *tok, *save;
	enum pc_err rc = PC_OK;

	buf_init(&keys, 0);
	copy = xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		c = store_col_named(u->st, tok);
		if (c == NULL) {
			rc = store_fail(cause, PC_E_DB, "the undo record of "
			    "the database %s names an unknown column '%s'",
			    u->st->path, tok);
			break;
		}
		u->cols = xreallocarray(u->cols, (size_t)u->ncols + 1,
		    sizeof *u->cols);
		u->cols[u->ncols++] = c;
		if (c->f != NULL)
			buf_addf(&keys, "%s%s", keys.len ? "," : "", c->key);
	}
	free(copy);
	if (rc == PC_OK && u->ncols == 0)
		rc = store_fail(cause, PC_E_DB, "the undo record of the "
		    "database %s is empty", u->st->path);
	op->fields = buf_take(&keys);
	return rc;
}

/* The select of the undo rows, one column per value. */
static char *
store_undo_select_sql(int n)
{
	struct buf sb;
	int i;

	buf_init(&sb, 0);
	buf_addstr(&sb, "SELECT profile_id, version_after, "
	    "json_array_length(old_values)");
	for (i = 0; i < n; i++)
		buf_addf(&sb, ", json_extract(old_values, '$[%d]')", i);
	for (i = 0; i < n; i++)
		buf_addf(&sb, ", json_extract(new_values, '$[%d]')", i);
	buf_addstr(&sb, " FROM bulk_undo WHERE op_id = ? ORDER BY rowid");
	return buf_take(&sb);
}

/*
 * Find the bulk change to undo: id, or the last one.  *cols gets its
 * columns.  PC_E_NOTFOUND with a cause that says why there is nothing.
 */
static enum pc_err
store_undo_find(struct store *st, int64_t id, struct store_bulk_op *op,
    char **cols, char **cause)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	bool undone = false, logged = false;
	int src;
	enum pc_err rc;

	rc = store_prepare(st, id > 0 ? "SELECT id, columns, time, os_user, "
	    "nprofiles, undone FROM bulk_ops WHERE id = ?1" : "SELECT id, "
	    "columns, time, os_user, nprofiles, undone FROM bulk_ops ORDER BY "
	    "id DESC LIMIT 1", &s, cause);
	if (rc)
		return rc;
	if (id > 0)
		sqlite3_bind_int64(s, 1, id);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		op->id = sqlite3_column_int64(s, 0);
		t = sqlite3_column_text(s, 1);
		*cols = xstrdup(t == NULL ? "" : (const char *)t);
		op->when = sqlite3_column_int64(s, 2);
		t = sqlite3_column_text(s, 3);
		op->os_user = xstrdup(t == NULL ? "" : (const char *)t);
		op->nprofiles = sqlite3_column_int(s, 4);
		undone = sqlite3_column_int(s, 5) != 0;
	} else if (src != SQLITE_DONE)
		rc = store_db_fail(st, "read", src, cause);
	sqlite3_finalize(s);
	s = NULL;
	if (rc)
		return rc;
	if (src == SQLITE_ROW && !undone)
		return PC_OK;
	if (src == SQLITE_ROW && id > 0)
		return store_fail(cause, PC_E_NOTFOUND, "bulk change #%lld was "
		    "undone already; there is nothing to undo",
		    (long long)op->id);
	if (src == SQLITE_ROW)
		return store_fail(cause, PC_E_NOTFOUND, "the last bulk change "
		    "(#%lld) was undone already; there is nothing to undo",
		    (long long)op->id);
	if (id <= 0)
		return store_fail(cause, PC_E_NOTFOUND, "there is no bulk "
		    "change to undo");
	/* Not kept: a change the audit log knows, or never one. */
	if (store_prepare(st, "SELECT EXISTS (SELECT 1 FROM audit WHERE "
	    "bulk_id = ?1)", &s, NULL) == PC_OK) {
		sqlite3_bind_int64(s, 1, id);
		logged = sqlite3_step(s) == SQLITE_ROW &&
		    sqlite3_column_int(s, 0) != 0;
		sqlite3_finalize(s);
	}
	if (logged)
		return store_fail(cause, PC_E_NOTFOUND, "the undo record of "
		    "bulk change #%lld is no longer kept (only the last %d "
		    "are, and a rekey drops them)", (long long)id,
		    STORE_BULK_KEEP);
	return store_fail(cause, PC_E_NOTFOUND, "there is no bulk change "
	    "#%lld", (long long)id);
}

/* The cause of a refused undo: the one profile, or every name once. */
static enum pc_err
store_undo_refused(struct store_undo *u, char **cause)
{
	int n = u->ch->nerrors;

	if (n == 1)
		return store_fail(cause, PC_E_CONFLICT, "cannot undo bulk "
		    "change #%lld: %s; nothing was undone", (long long)u->op,
		    u->first);
	return store_fail(cause, PC_E_CONFLICT, "cannot undo bulk change "
	    "#%lld: %d profiles were changed or removed after it: %s; "
	    "nothing was undone", (long long)u->op, n, u->names.data);
}

enum pc_err
store_bulk_undo(struct store *st, int64_t id, bool dry_run,
    struct store_bulk_op *opp, struct store_changes *changes, char **cause)
{
	struct store_changes local;
	struct store_bulk_op lop;
	struct store_bulk_op *op = opp != NULL ? opp : &lop;
	struct store_undo u;
	sqlite3_stmt *s = NULL;
	char *sql, *cols = NULL;
	int src;
	enum pc_err rc;

	if (cause != NULL)
		*cause = NULL;
	memset(op, 0, sizeof *op);
	memset(&u, 0, sizeof u);
	u.st = st;
	u.dry_run = dry_run;
	u.ch = store_bulk_changes(changes, &local, &u.want_changes);
	buf_init(&u.names, 0);
	rc = store_begin(st, !dry_run, cause);
	if (rc)
		goto out;
	rc = store_undo_find(st, id, op, &cols, cause);
	if (rc)
		goto out;
	u.op = op->id;
	rc = store_undo_columns(&u, cols, op, cause);
	if (rc)
		goto out;
	rc = store_prepare(st, "SELECT name, version FROM profiles WHERE "
	    "id = ?", &u.cur, cause);
	if (rc)
		goto out;
	if (!dry_run) {
		sql = store_bulk_update_sql(u.cols, u.ncols, "");
		rc = store_prepare(st, sql, &u.upd, cause);
		free(sql);
		if (rc)
			goto out;
	}
	sql = store_undo_select_sql(u.ncols);
	rc = store_prepare(st, sql, &s, cause);
	free(sql);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, op->id);
	for (;;) {
		src = sqlite3_step(s);
		if (src != SQLITE_ROW)
			break;
		rc = store_undo_one(&u, s, cause);
		if (rc)
			goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (src != SQLITE_DONE) {
		rc = store_db_fail(st, "read", src, cause);
		goto out;
	}
	if (u.ch->nerrors > 0) {
		rc = store_undo_refused(&u, cause);
		goto out;
	}
	if (dry_run)
		goto out;
	rc = store_exec_id(st, "UPDATE bulk_ops SET undone = 1 WHERE id = ?1",
	    op->id, cause);
	/* Its undo rows are of no more use. */
	if (rc == PC_OK)
		rc = store_exec_id(st, "DELETE FROM bulk_undo WHERE "
		    "op_id = ?1", op->id, cause);
	if (rc)
		goto out;
	rc = store_bulk_commit(st, &u.upd, &u.cur, cause);
out:
	sqlite3_finalize(s);
	sqlite3_finalize(u.upd);
	sqlite3_finalize(u.cur);
	store_rollback(st);
	free(u.cols);
	free(u.first);
	buf_cleanup(&u.names);
	free(cols);
	store_changes_cleanup(&local);
	if (opp == NULL)
		store_bulk_op_cleanup(&lop);
	return rc;
}
