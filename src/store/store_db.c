/*
 * store_db.c - the helpers every file of the store uses around SQLite: an
 * SQLite failure in words (PC_E_DB with a cause), the first cause kept
 * (store_fail), preparing a statement, stepping one (to its single row, to
 * its end, over its rows), a profile by name, transactions, and a time as
 * text.
 * Every SQLite failure becomes PC_E_DB with a cause in words.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "popconn/xmalloc.h"
#include "store_int.h"

const char *
store_db_reason(sqlite3 *db, int src)
{
	switch (src & 0xff) {
	case SQLITE_FULL:
		return "the disk is full";
	case SQLITE_READONLY:
		return "the file is read-only (check its permissions and "
		    "those of its folder)";
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "the database is locked by another program";
	case SQLITE_CORRUPT:
		return "the file is damaged (malformed database)";
	case SQLITE_NOTADB:
		return "it is not a popconn database (not an SQLite file)";
	case SQLITE_CANTOPEN:
		return "the file cannot be opened (check the path and its "
		    "permissions)";
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return "permission denied";
	case SQLITE_NOMEM:
		return "out of memory";
	case SQLITE_IOERR:
		return "input/output error";
	default:
		return db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(src);
	}
}

char *
store_db_cause(struct store *st, const char *what, int src)
{
	int e;

	switch (src & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return xasprintf("cannot %s the database %s: it is locked by "
		    "another program (waited %d ms)", what, st->path,
		    st->busy_ms);
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_FULL:
		e = st->db != NULL ? sqlite3_system_errno(st->db) : 0;
		/* An I/O error that is really a full disk (creating the WAL
		 * or shm file, growing the file) is said as such; nothing can
		 * be written then, whatever the command meant to do. */
		if (e == ENOSPC || e == EDQUOT)
			return xasprintf("cannot write the database %s: the "
			    "disk is full (%s)", st->path, strerror(e));
		if (e != 0 && (src & 0xff) != SQLITE_FULL)
			return xasprintf("cannot %s the database %s: %s (%s)",
			    what, st->path, store_db_reason(st->db, src),
			    strerror(e));
		break;
	case SQLITE_CONSTRAINT:
	case SQLITE_ERROR:
		/* Name what SQLite says: a schema or constraint problem. */
		return xasprintf("cannot %s the database %s: %s", what,
		    st->path, sqlite3_errmsg(st->db));
	}
	return xasprintf("cannot %s the database %s: %s", what, st->path,
	    store_db_reason(st->db, src));
}

enum pc_err
store_db_fail(struct store *st, const char *what, int src, char **cause)
{
	if (cause != NULL && *cause == NULL)
		*cause = store_db_cause(st, what, src);
	return PC_E_DB;
}

enum pc_err
store_fail(char **cause, enum pc_err rc, const char *fmt, ...)
{
	va_list ap;

	if (cause != NULL && *cause == NULL) {
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return rc;
}

enum pc_err
store_prepare(struct store *st, const char *sql, sqlite3_stmt **out,
    char **cause)
{
	int src;

	*out = NULL;
	src = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
	if (src != SQLITE_OK)
		return store_db_fail(st, "read", src, cause);
	return PC_OK;
}

enum pc_err
store_prepare_id(struct store *st, const char *sql, int64_t id,
    sqlite3_stmt **out, char **cause)
{
	enum pc_err rc;

	rc = store_prepare(st, sql, out, cause);
	if (rc == PC_OK)
		sqlite3_bind_int64(*out, 1, id);
	return rc;
}

enum pc_err
store_exec_id(struct store *st, const char *sql, int64_t id, char **cause)
{
	sqlite3_stmt *s;
	enum pc_err rc;

	rc = store_prepare_id(st, sql, id, &s, cause);
	if (rc)
		return rc;
	return store_run(st, s, cause);
}

enum pc_err
store_run(struct store *st, sqlite3_stmt *s, char **cause)
{
	enum pc_err rc;

	rc = store_step_done(st, s, cause);
	sqlite3_finalize(s);
	return rc;
}

enum pc_err
store_rows_end(struct store *st, sqlite3_stmt *s, int src, char **cause)
{
	enum pc_err rc = PC_OK;

	if (src != SQLITE_DONE)
		rc = store_db_fail(st, "read", src, cause);
	sqlite3_finalize(s);
	return rc;
}

enum pc_err
store_step_one(struct store *st, sqlite3_stmt *s, char **cause)
{
	int src;

	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		return PC_OK;
	if (src == SQLITE_DONE)
		return PC_E_NOTFOUND;
	return store_db_fail(st, "read", src, cause);
}

enum pc_err
store_step_done(struct store *st, sqlite3_stmt *s, char **cause)
{
	int src;

	src = sqlite3_step(s);
	if (src != SQLITE_DONE)
		return store_db_fail(st, "write", src, cause);
	return PC_OK;
}

void *
store_grow(void *v, int n, int *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	return xreallocarray(v, (size_t)*cap, size);
}

enum pc_err
store_profile_named(struct store *st, const char *sql, const char *name,
    sqlite3_stmt **out, char **cause)
{
	enum pc_err rc;

	rc = store_prepare(st, sql, out, cause);
	if (rc)
		return rc;
	sqlite3_bind_text(*out, 1, name, -1, SQLITE_STATIC);
	rc = store_step_one(st, *out, cause);
	if (rc == PC_E_NOTFOUND)
		store_fail(cause, rc, "no profile named '%s'", name);
	if (rc) {
		sqlite3_finalize(*out);
		*out = NULL;
	}
	return rc;
}

enum pc_err
store_query_int(struct store *st, const char *sql, int64_t *out,
    char **cause)
{
	sqlite3_stmt *s = NULL;
	enum pc_err rc;
	int src;

	rc = store_prepare(st, sql, &s, cause);
	if (rc)
		return rc;
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	else
		rc = store_db_fail(st, "read", src, cause);
	sqlite3_finalize(s);
	return rc;
}

enum pc_err
store_begin(struct store *st, bool write, char **cause)
{
	int src;

	src = sqlite3_exec(st->db, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL,
	    NULL, NULL);
	if (src != SQLITE_OK)
		return store_db_fail(st, write ? "write" : "read", src, cause);
	return PC_OK;
}

enum pc_err
store_commit(struct store *st, char **cause)
{
	int src;

	src = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		store_rollback(st);
		return store_db_fail(st, "write", src, cause);
	}
	return PC_OK;
}

enum pc_err
store_end(struct store *st, enum pc_err rc, char **cause)
{
	if (rc == PC_OK)
		return store_commit(st, cause);
	store_rollback(st);
	return rc;
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

char *
store_time_str(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[32];

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return xasprintf("%lld", (long long)t);
	return xstrdup(s);
}
