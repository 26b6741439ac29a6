/*
 * store.c - writing one profile: add, save (refused when the row moved
 * since it was loaded) and remove.  Each change and its audit row commit
 * in one transaction.  The rest of the store: opening in store_open.c,
 * the row of a profile in store_row.c, reading in store_query.c, import in
 * store_import.c, bulk changes and their undo in store_bulk.c, the audit
 * log in audit.c, keys in store_key.c, sealing in secret.c, the schema in
 * store_migrate.c.
 */
#include <stdlib.h>

#include "popconn/buf.h"
#include "popconn/xmalloc.h"
#include "store_int.h"

static char *
store_issues_text(const struct profile *p, const struct prof_issues *iss)
{
	struct buf b;
	int i;

	buf_init(&b, 0);
	buf_addf(&b, "profile '%s': ", p->name == NULL ? "" : p->name);
	for (i = 0; i < iss->n; i++)
		buf_addf(&b, "%s%s", i ? "; " : "", iss->v[i].message);
	return buf_take(&b);
}

enum pc_err
store_validate(const struct profile *p, char **cause)
{
	struct prof_issues iss;
	enum pc_err rc;

	rc = profile_validate(p, &iss);
	if (rc && cause != NULL && *cause == NULL)
		*cause = store_issues_text(p, &iss);
	profile_issues_cleanup(&iss);
	return rc;
}

/* Validate p, then begin the transaction that writes it. */
static enum pc_err
store_write_begin(struct store *st, const struct profile *p, char **cause)
{
	enum pc_err rc;

	rc = store_validate(p, cause);
	if (rc)
		return rc;
	return store_begin(st, true, cause);
}

enum pc_err
store_add(struct store *st, struct profile *p, char **cause)
{
	sqlite3_stmt *ins = NULL;
	char *sql, *uid = NULL, *fields = NULL, *detail = NULL;
	int64_t id = 0;
	enum pc_err rc;

	if (cause != NULL)
		*cause = NULL;
	if (p->id != 0)
		return store_fail(cause, PC_E_INVALID, "profile '%s' is "
		    "already saved (use save, not add)", p->name);
	rc = store_write_begin(st, p, cause);
	if (rc)
		return rc;
	sql = store_insert_sql(st);
	rc = store_prepare(st, sql, &ins, cause);
	free(sql);
	if (rc)
		goto out;
	uid = store_new_uid();
	rc = store_insert_row(st, ins, p, uid, &id, cause);
	if (rc)
		goto out;
	audit_diff(NULL, p, &fields, &detail);
	rc = audit_add(st, p->name, id, "add", fields, detail, cause);
	if (rc)
		goto out;
	sqlite3_finalize(ins);
	ins = NULL;
	rc = store_commit(st, cause);
	if (rc == PC_OK) {
		p->id = id;
		p->version = 1;
	}
out:
	sqlite3_finalize(ins);
	if (rc)
		store_rollback(st);
	free(uid);
	free(fields);
	free(detail);
	return rc;
}

/* The cause of a conflict on profile id (name as the caller knows it). */
static enum pc_err
store_conflict(struct store *st, int64_t id, const char *name,
    int64_t have, int64_t mine, char **cause)
{
	char *who;

	who = audit_last_change(st, id, NULL);
	if (have < 0)
		store_fail(cause, PC_E_CONFLICT, "profile '%s' was removed by "
		    "%s since you loaded it; nothing was saved", name,
		    who == NULL ? "someone" : who);
	else
		store_fail(cause, PC_E_CONFLICT, "profile '%s' was changed by "
		    "%s since you loaded it (your copy is version %lld, the "
		    "database has version %lld); nothing was saved", name,
		    who == NULL ? "someone" : who, (long long)mine,
		    (long long)have);
	free(who);
	return PC_E_CONFLICT;
}

enum pc_err
store_save(struct store *st, struct profile *p, char **cause)
{
	struct store_row old = { NULL, NULL, { NULL } };
	sqlite3_stmt *upd = NULL;
	char *sql, *fields = NULL, *detail = NULL;
	enum pc_err rc;

	if (cause != NULL)
		*cause = NULL;
	if (p->id == 0)
		return store_fail(cause, PC_E_INVALID, "profile '%s' was never "
		    "saved (use add)", p->name);
	rc = store_write_begin(st, p, cause);
	if (rc)
		return rc;
	rc = store_load_one(st, &st->get_by_id, "WHERE id = ?", NULL, p->id,
	    true, &old,
	    cause);
	if (rc == PC_E_NOTFOUND) {
		rc = store_conflict(st, p->id, p->name, -1, p->version, cause);
		goto out;
	}
	if (rc)
		goto out;
	if (old.p->version != p->version) {
		rc = store_conflict(st, p->id, old.p->name, old.p->version,
		    p->version, cause);
		goto out;
	}
	audit_diff(old.p, p, &fields, &detail);
	if (*fields == '\0')
		goto out;		/* nothing changed: nothing to write */
	sql = store_update_sql(st);
	rc = store_prepare(st, sql, &upd, cause);
	free(sql);
	if (rc)
		goto out;
	rc = store_update_row(st, upd, p, &old, cause);
	if (rc == PC_E_CONFLICT)
		rc = store_conflict(st, p->id, p->name, old.p->version + 1,
		    p->version, cause);
	if (rc)
		goto out;
	rc = audit_add(st, p->name, p->id, "set", fields, detail, cause);
	if (rc)
		goto out;
	sqlite3_finalize(upd);
	upd = NULL;
	rc = store_commit(st, cause);
	if (rc == PC_OK)
		p->version++;
out:
	sqlite3_finalize(upd);
	store_rollback(st);
	store_row_cleanup(&old);
	free(fields);
	free(detail);
	return rc;
}

enum pc_err
store_remove(struct store *st, const char *name, char **cause)
{
	sqlite3_stmt *s = NULL;
	char *real = NULL;
	int64_t id = 0;
	enum pc_err rc;

	if (cause != NULL)
		*cause = NULL;
	rc = store_begin(st, true, cause);
	if (rc)
		return rc;
	rc = store_profile_named(st, "SELECT id, name FROM profiles WHERE "
	    "name = ?", name, &s, cause);
	if (rc)
		goto out;
	id = sqlite3_column_int64(s, 0);
	real = xstrdup((const char *)sqlite3_column_text(s, 1));
	sqlite3_finalize(s);
	rc = store_exec_id(st, "DELETE FROM profiles WHERE id = ?", id, cause);
	if (rc)
		goto out;
	rc = audit_add(st, real, id, "rm", "", "", cause);
out:
	rc = store_end(st, rc, cause);
	free(real);
	return rc;
}
