/*
 * audit.c - the audit log of the store: one row per changed profile per
 * change (when, which OS user, which profile, which action, which fields,
 * and a detail text "port: 110 -> 995; password: changed").  Rows are
 * written by the caller's transaction, so a change and its record commit
 * together.  A secret's value never reaches this file: secrets appear only
 * as "set", "changed" or "cleared".  The log is read back here too
 * (store_history), and a conflict's cause names the last change from it.
 */
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "popconn/buf.h"
#include "popconn/xmalloc.h"
#include "store_int.h"

enum pc_err
audit_add(struct store *st, const char *profile, int64_t profile_id,
    const char *action, const char *fields, const char *detail, char **cause)
{
	return audit_add_bulk(st, profile, profile_id, action, fields, detail,
	    0, cause);
}

enum pc_err
audit_add_bulk(struct store *st, const char *profile, int64_t profile_id,
    const char *action, const char *fields, const char *detail,
    int64_t bulk_id, char **cause)
{
	sqlite3_stmt *s;
	int src;

	if (st->audit_ins == NULL) {
		src = sqlite3_prepare_v3(st->db, "INSERT INTO audit (time, "
		    "os_user, profile, profile_id, action, fields, detail, "
		    "bulk_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1,
		    SQLITE_PREPARE_PERSISTENT, &st->audit_ins, NULL);
		if (src != SQLITE_OK)
			return store_db_fail(st, "write", src, cause);
	}
	s = st->audit_ins;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(s, 2, st->os_user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, profile, -1, SQLITE_STATIC);
	if (profile_id > 0)
		sqlite3_bind_int64(s, 4, profile_id);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_text(s, 5, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, fields == NULL ? "" : fields, -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 7, detail == NULL ? "" : detail, -1,
	    SQLITE_STATIC);
	if (bulk_id > 0)
		sqlite3_bind_int64(s, 8, bulk_id);
	else
		sqlite3_bind_null(s, 8);
	src = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (src != SQLITE_DONE)
		return store_db_fail(st, "write", src, cause);
	return PC_OK;
}

void
audit_detail_add(struct buf *b, const char *key, bool secret,
    const char *old_text, const char *new_text)
{
	bool was = old_text != NULL && *old_text != '\0';
	bool is = new_text != NULL && *new_text != '\0';

	/* Plain appends: this runs once per profile of a bulk change. */
	if (b->len > 0)
		buf_addstr(b, "; ");
	buf_addstr(b, key);
	buf_addstr(b, ": ");
	if (secret) {
		/* Only whether it is set: never a value, not even its
		 * length. */
		buf_addstr(b, !is ? "cleared" : was ? "changed" : "set");
		return;
	}
	if (old_text != NULL) {
		buf_addstr(b, was ? old_text : "(empty)");
		buf_addstr(b, " -> ");
	}
	buf_addstr(b, is ? new_text : "(empty)");
}

void
audit_diff(const struct profile *old, const struct profile *new,
    char **fields, char **detail)
{
	const struct prof_field *ft;
	const struct profile *base;
	struct profile *fresh = NULL;
	struct buf fb, db;
	char *ot, *nt;
	int i, n;

	buf_init(&fb, 0);
	buf_init(&db, 0);
	base = old;
	if (base == NULL) {
		fresh = profile_new();
		base = fresh;
	}
	ft = profile_fields(&n);
	for (i = 0; i < n; i++) {
		/* A new profile's name is the audit row's profile column. */
		if (old == NULL && strcmp(ft[i].key, "name") == 0)
			continue;
		if (!profile_field_differs(base, new, ft[i].key))
			continue;
		buf_addf(&fb, "%s%s", fb.len ? "," : "", ft[i].key);
		/* profile_field_get gives "set"/"" for a secret. */
		ot = profile_field_get(base, ft[i].key);
		nt = profile_field_get(new, ft[i].key);
		audit_detail_add(&db, ft[i].key, ft[i].type == PROF_F_SECRET,
		    old == NULL ? NULL : ot, nt);
		free(ot);
		free(nt);
	}
	profile_free(fresh);
	*fields = buf_take(&fb);
	*detail = buf_take(&db);
}

char *
audit_last_change(struct store *st, int64_t profile_id, char **name)
{
	sqlite3_stmt *s = NULL;
	char *when, *who = NULL;

	if (name != NULL)
		*name = NULL;
	if (sqlite3_prepare_v2(st->db, "SELECT os_user, time, action, profile "
	    "FROM "
	    "audit WHERE profile_id = ? ORDER BY id DESC LIMIT 1", -1, &s,
	    NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(s, 1, profile_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		when = store_time_str(sqlite3_column_int64(s, 1));
		who = xasprintf("%s at %s (%s)", sqlite3_column_text(s, 0),
		    when, sqlite3_column_text(s, 2));
		free(when);
		if (name != NULL)
			*name = xstrdup((const char *)sqlite3_column_text(s,
			    3));
	}
	sqlite3_finalize(s);
	return who;
}

static char *
audit_text(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return xstrdup(t == NULL ? "" : (const char *)t);
}

enum pc_err
store_history(struct store *st, const char *name, int limit,
    struct store_audit_list *out, char **cause)
{
	sqlite3_stmt *s = NULL;
	struct store_audit *a;
	int src, cap = 0;
	enum pc_err rc = PC_OK;

	out->v = NULL;
	out->n = 0;
	/*
	 * A profile that exists is found by its row id (its history holds
	 * its earlier names too); a removed one by name, which scans: the log
	 * has no index on names, to keep bulk changes fast.
	 */
	rc = store_prepare(st, name == NULL ?
	    "SELECT id, time, os_user, profile, profile_id, action, fields, "
	    "detail, bulk_id FROM audit ORDER BY id DESC LIMIT ?2" :
	    "SELECT id, time, os_user, profile, profile_id, action, fields, "
	    "detail, bulk_id FROM audit WHERE profile_id = (SELECT id FROM "
	    "profiles WHERE name = ?1) UNION ALL "
	    "SELECT id, time, os_user, profile, profile_id, action, fields, "
	    "detail, bulk_id FROM audit WHERE NOT EXISTS (SELECT 1 FROM "
	    "profiles WHERE name = ?1) AND profile = ?1 COLLATE NOCASE "
	    "ORDER BY id DESC LIMIT ?2", &s, cause);
	if (rc)
		return rc;
	if (name != NULL)
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit > 0 ? limit : -1);
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		out->v = store_grow(out->v, out->n, &cap, sizeof *out->v);
		a = &out->v[out->n++];
		a->id = sqlite3_column_int64(s, 0);
		a->when = sqlite3_column_int64(s, 1);
		a->os_user = audit_text(s, 2);
		a->profile = audit_text(s, 3);
		a->profile_id = sqlite3_column_int64(s, 4);
		a->action = audit_text(s, 5);
		a->fields = audit_text(s, 6);
		a->detail = audit_text(s, 7);
		a->bulk_id = sqlite3_column_int64(s, 8);	/* NULL: 0 */
	}
	rc = store_rows_end(st, s, src, cause);
	if (rc)
		store_audit_list_cleanup(out);
	return rc;
}

void
audit_cleanup(struct store *st)
{
	sqlite3_finalize(st->audit_ins);
	st->audit_ins = NULL;
}

void
store_audit_list_cleanup(struct store_audit_list *l)
{
	int i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].os_user);
		free(l->v[i].profile);
		free(l->v[i].action);
		free(l->v[i].fields);
		free(l->v[i].detail);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
