/*
 * store_import.c - importing a list of profiles in one transaction: each is
 * added, left alone when identical, refused (mode add) or written over the
 * profile of its name; a dry run only says which.
 */
#include <stdlib.h>
#include <string.h>

#include "popconn/xmalloc.h"
#include "store_int.h"

void
store_import_result_cleanup(struct store_import_result *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->diff != NULL ? r->diff[i] : NULL);
	free(r->diff);
	free(r->what);
	memset(r, 0, sizeof *r);
}

/* The statements and the choices of one import. */
struct store_imp {
	struct store	*st;
	enum store_import_mode mode;
	bool		 dry_run;
	sqlite3_stmt	*sel;
	sqlite3_stmt	*ins;
	sqlite3_stmt	*upd;
};

/*
 * Import one profile: insert it, leave the identical row named like it
 * alone, refuse it (mode ADD) or write it over that row.  *what says
 * which, *diff (for a row that differs) what differs.
 */
static enum pc_err
store_import_one(struct store_imp *im, struct profile *p, int64_t *id,
    int64_t *version, enum store_import_what *what, char **diff,
    char **cause)
{
	struct store *st = im->st;
	struct store_row old = { NULL, NULL, { NULL } };
	struct profile *merged = NULL;
	char *uid = NULL, *fields = NULL, *detail = NULL, *who;
	enum pc_err rc;

	sqlite3_bind_text(im->sel, 1, p->name, -1, SQLITE_STATIC);
	rc = store_row_load_stmt(st, im->sel, true, &old, cause);
	if (rc == PC_E_NOTFOUND) {
		*what = STORE_IMPORT_ADDED;
		rc = PC_OK;
		if (im->dry_run)
			goto out;
		uid = store_new_uid();
		rc = store_insert_row(st, im->ins, p, uid, id, cause);
		if (rc)
			goto out;
		*version = 1;
		audit_diff(NULL, p, &fields, &detail);
		rc = audit_add(st, p->name, *id, "import", fields, detail,
		    cause);
		goto out;
	}
	if (rc)
		goto out;
	/* Keep the row's identity; a secret the file lacks stays. */
	merged = profile_dup(p);
	merged->id = old.p->id;
	if (merged->password == NULL)
		merged->password = xstrdup_or_null(old.p->password);
	if (merged->proxy_password == NULL)
		merged->proxy_password = xstrdup_or_null(old.p->proxy_password);
	if (merged->oauth_client_secret == NULL)
		merged->oauth_client_secret =
		    xstrdup_or_null(old.p->oauth_client_secret);
	*id = old.p->id;
	*version = old.p->version;
	audit_diff(old.p, merged, &fields, &detail);
	if (*fields == '\0') {
		*what = STORE_IMPORT_UNCHANGED;
		goto out;
	}
	*diff = xstrdup(detail);
	if (im->mode == STORE_IMPORT_ADD) {
		*what = STORE_IMPORT_REFUSED;
		goto out;
	}
	*what = im->mode == STORE_IMPORT_UPDATE ? STORE_IMPORT_UPDATED :
	    STORE_IMPORT_REPLACED;
	/* Built on the stored profile as it was read: it must still be. */
	if (p->id != 0 && (p->id != old.p->id ||
	    p->version != old.p->version)) {
		who = audit_last_change(st, old.p->id, NULL);
		rc = store_fail(cause, PC_E_CONFLICT, "profile '%s' was "
		    "changed by %s while the import read it; nothing was "
		    "imported",
		    old.p->name, who == NULL ? "someone" : who);
		free(who);
		goto out;
	}
	if (im->dry_run)
		goto out;
	rc = store_update_row(st, im->upd, merged, &old, cause);
	if (rc == PC_E_CONFLICT)
		rc = store_fail(cause, PC_E_CONFLICT, "profile '%s' was "
		    "changed by someone else during the import; nothing was "
		    "imported", p->name);
	if (rc)
		goto out;
	*version = old.p->version + 1;
	rc = audit_add(st, p->name, *id, "import", fields, detail, cause);
out:
	profile_free(merged);
	store_row_cleanup(&old);
	free(uid);
	free(fields);
	free(detail);
	return rc;
}

enum pc_err
store_import(struct store *st, struct profile *const *list, int n,
    enum store_import_mode mode, bool dry_run,
    struct store_import_result *res, char **cause)
{
	struct store_import_result local;
	struct store_imp im;
	int64_t *ids = NULL, *versions = NULL;
	char *sql;
	int i;
	enum pc_err rc = PC_OK;

	if (cause != NULL)
		*cause = NULL;
	memset(&local, 0, sizeof local);
	memset(&im, 0, sizeof im);
	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof *res);
	if (n <= 0)
		return PC_OK;
	for (i = 0; i < n; i++) {
		rc = store_validate(list[i], cause);
		if (rc)
			return rc;
	}
	im.st = st;
	im.mode = mode;
	im.dry_run = dry_run;
	res->n = n;
	res->what = xcalloc((size_t)n, sizeof *res->what);
	res->diff = xcalloc((size_t)n, sizeof *res->diff);
	ids = xcalloc((size_t)n, sizeof *ids);
	versions = xcalloc((size_t)n, sizeof *versions);
	/* A dry run reads one consistent snapshot. */
	rc = store_begin(st, !dry_run, cause);
	if (rc)
		goto out;
	if (!dry_run) {
		sql = store_insert_sql(st);
		rc = store_prepare(st, sql, &im.ins, cause);
		free(sql);
		if (rc)
			goto out;
		sql = store_update_sql(st);
		rc = store_prepare(st, sql, &im.upd, cause);
		free(sql);
		if (rc)
			goto out;
	}
	sql = xasprintf("%s WHERE name = ?", st->select_sql);
	rc = store_prepare(st, sql, &im.sel, cause);
	free(sql);
	if (rc)
		goto out;
	for (i = 0; i < n; i++) {
		rc = store_import_one(&im, list[i], &ids[i], &versions[i],
		    &res->what[i], &res->diff[i], cause);
		if (rc)
			goto out;
		res->count[res->what[i]]++;
		/* After the first refusal nothing more is written: the
		 * rest is only looked at, to list every refusal. */
		if (res->what[i] == STORE_IMPORT_REFUSED)
			im.dry_run = true;
	}
	if (res->count[STORE_IMPORT_REFUSED] > 0) {
		rc = store_fail(cause, PC_E_EXISTS, "%d profile%s exist%s and "
		    "differ%s; nothing was imported",
		    res->count[STORE_IMPORT_REFUSED],
		    res->count[STORE_IMPORT_REFUSED] == 1 ? "" : "s",
		    res->count[STORE_IMPORT_REFUSED] == 1 ? "s" : "",
		    res->count[STORE_IMPORT_REFUSED] == 1 ? "s" : "");
		goto out;
	}
	if (dry_run)
		goto out;
	sqlite3_finalize(im.sel);
	sqlite3_finalize(im.ins);
	sqlite3_finalize(im.upd);
	im.sel = im.ins = im.upd = NULL;
	rc = store_commit(st, cause);
	if (rc)
		goto out;
	for (i = 0; i < n; i++) {
		list[i]->id = ids[i];
		list[i]->version = versions[i];
	}
out:
	sqlite3_finalize(im.sel);
	sqlite3_finalize(im.ins);
	sqlite3_finalize(im.upd);
	store_rollback(st);
	free(ids);
	free(versions);
	if (rc != PC_OK && rc != PC_E_EXISTS)
		store_import_result_cleanup(res);
	store_import_result_cleanup(&local);
	return rc;
}
