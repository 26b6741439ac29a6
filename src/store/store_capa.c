/*
 * store_capa.c - the capabilities a test logon saw over TLS, kept per
 * profile for a repeat test that trusts them (table capabilities,
 * migration 0002).  Like the last test result these are not changes of
 * the profile: no audit entry, no version bump.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

enum pc_err
store_capa_get(struct store *st, const char *name, const char *endpoint,
    char **capa, int64_t *seen, char **cause)
{
	sqlite3_stmt *s = NULL;
	enum pc_err rc;

	*capa = NULL;
	rc = store_prepare(st, "SELECT c.lines, c.seen FROM capabilities c "
	    "JOIN profiles p ON p.id = c.profile_id WHERE p.name = ? AND "
	    "c.endpoint = ?", &s, cause);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, endpoint, -1, SQLITE_STATIC);
	rc = store_step_one(st, s, cause);
	if (rc == PC_OK) {
		*capa = xstrdup((const char *)sqlite3_column_text(s, 0));
		if (seen != NULL)
			*seen = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return rc;
}

enum pc_err
store_capa_put(struct store *st, const char *name, const char *endpoint,
    const char *capa, int64_t seen, char **cause)
{
	sqlite3_stmt *s = NULL;
	enum pc_err rc;
	int src;

	if (capa == NULL)
		rc = store_prepare(st, "DELETE FROM capabilities WHERE "
		    "profile_id = (SELECT id FROM profiles WHERE name = ?)",
		    &s, cause);
	else
		rc = store_prepare(st, "INSERT INTO capabilities (profile_id, "
		    "endpoint, lines, seen) SELECT id, ?2, ?3, ?4 FROM profiles "
		    "WHERE name = ?1 ON CONFLICT (profile_id) DO UPDATE SET "
		    "endpoint = excluded.endpoint, lines = excluded.lines, "
		    "seen = excluded.seen", &s, cause);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (capa != NULL) {
		sqlite3_bind_text(s, 2, endpoint, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, capa, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, seen);
	}
	src = sqlite3_step(s);
	if (src != SQLITE_DONE)
		rc = store_db_fail(st, "write", src, cause);
	else if (capa != NULL && sqlite3_changes(st->db) == 0)
		rc = store_fail(cause, PC_E_NOTFOUND, "no profile named '%s'",
		    name);
	sqlite3_finalize(s);
	return rc;
}

enum pc_err
store_capa_record(struct store *st, const char *name, const char *endpoint,
    const char *capa, bool stale, int64_t when, char **cause)
{
	char *old = NULL;
	enum pc_err rc;

	if (stale)
		return store_capa_put(st, name, NULL, NULL, 0, cause);
	if (capa == NULL)
		return PC_OK;
	rc = store_capa_get(st, name, endpoint, &old, NULL, NULL);
	if (rc == PC_OK && strcmp(old, capa) == 0) {
		free(old);
		return PC_OK;
	}
	free(old);
	return store_capa_put(st, name, endpoint, capa, when, cause);
}
