/*
 * store_migrate.c - the schema as numbered, forward-only migrations
 * (db/migrations/NNNN_name.sql) compiled into the binary by pc_embed.
 * PRAGMA user_version is the schema version; migration N runs in one
 * transaction together with "PRAGMA user_version = N", so a crash leaves
 * the database at N-1 or N, never between.  A file written by a newer
 * popconn is recognised from its header alone, before SQLite opens it, so
 * that refusing it cannot change a byte of it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "popconn/embed.h"
#include "popconn/xmalloc.h"
#include "store_int.h"

/* Generated from the files db/migrations/NNNN_name.sql, sorted by name. */
extern const struct pc_embed store_migrations[];
extern const int store_migrations_count;

/* The SQLite file header: magic, and user_version at offset 60. */
#define STORE_HDR_LEN		100
#define STORE_HDR_MAGIC		"SQLite format 3"
#define STORE_HDR_USER_VERSION	60

int
store_migrate_count(void)
{
	const char *n;
	int i, num;

	/* Names must be 0001_..., 0002_... in order: a gap or a duplicate
	 * would silently skip or repeat a schema step. */
	for (i = 0; i < store_migrations_count; i++) {
		n = store_migrations[i].name;
		if (strlen(n) < 6 || n[4] != '_')
			return 0;
		num = (n[0] - '0') * 1000 + (n[1] - '0') * 100 +
		    (n[2] - '0') * 10 + (n[3] - '0');
		if (num != i + 1)
			return 0;
	}
	return store_migrations_count;
}

const char *
store_migrate_name(int i)
{
	if (i < 1 || i > store_migrations_count)
		return NULL;
	return store_migrations[i - 1].name;
}

const char *
store_migrate_sql(int i)
{
	if (i < 1 || i > store_migrations_count)
		return NULL;
	return store_migrations[i - 1].data;
}

enum pc_err
store_migrate_peek(const char *path, int *version, char **cause)
{
	unsigned char hdr[STORE_HDR_LEN];
	const unsigned char *u;
	struct stat sb;
	ssize_t n;
	size_t got = 0;
	int fd;
	enum pc_err rc = PC_OK;

	*version = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return PC_OK;
		if (cause != NULL)
			*cause = xasprintf("cannot open the database %s: %s",
			    path, strerror(errno));
		return PC_E_DB;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (cause != NULL)
			*cause = xasprintf("cannot open the database %s: %s",
			    path, S_ISDIR(sb.st_mode) ? "it is a folder" :
			    "it is not a regular file");
		rc = PC_E_DB;
		goto out;
	}
	if (sb.st_size == 0)
		goto out;
	while (got < sizeof hdr) {
		n = read(fd, hdr + got, sizeof hdr - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof hdr ||
	    memcmp(hdr, STORE_HDR_MAGIC, sizeof STORE_HDR_MAGIC) != 0) {
		if (cause != NULL)
			*cause = xasprintf("cannot open the database %s: it "
			    "is not a popconn database (not an SQLite file)",
			    path);
		rc = PC_E_DB;
		goto out;
	}
	u = hdr + STORE_HDR_USER_VERSION;
	*version = (int)(((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) |
	    ((uint32_t)u[2] << 8) | u[3]);
out:
	close(fd);
	return rc;
}

int
store_migrate_version(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Apply migration n; the caller holds the write transaction. */
static int
store_migrate_one(sqlite3 *db, int n)
{
	char *sql;
	int src;

	src = sqlite3_exec(db, store_migrate_sql(n), NULL, NULL, NULL);
	if (src != SQLITE_OK)
		return src;
	sql = xasprintf("PRAGMA user_version = %d", n);
	src = sqlite3_exec(db, sql, NULL, NULL, NULL);
	free(sql);
	return src;
}

enum pc_err
store_migrate_run(sqlite3 *db, const char *path, int target, char **cause)
{
	int v, src;

	if (target > store_migrate_count()) {
		if (cause != NULL)
			*cause = xasprintf("this build of popconn has no "
			    "migration to schema %d", target);
		return PC_E_DB;
	}
	/*
	 * Up to date (the usual case): no write lock, so opening never waits
	 * for another program's long write.  Versions only go up, so a read
	 * without the lock cannot miss a needed upgrade.
	 */
	v = store_migrate_version(db);
	if (v >= target)
		return PC_OK;
	for (;;) {
		/*
		 * Take the write lock before reading the version: another
		 * popconn may be upgrading the same file right now.
		 */
		src = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (src != SQLITE_OK) {
			if (cause != NULL)
				*cause = xasprintf("cannot upgrade the "
				    "database %s: %s", path,
				    store_db_reason(db, src));
			return PC_E_DB;
		}
		v = store_migrate_version(db);
		if (v < 0 || v >= target)
			break;
		src = store_migrate_one(db, v + 1);
		if (src == SQLITE_OK)
			src = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (src != SQLITE_OK) {
			if (cause != NULL)
				*cause = xasprintf("cannot upgrade the "
				    "database %s to schema %d (%s): %s", path,
				    v + 1, store_migrate_name(v + 1),
				    store_db_reason(db, src));
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return PC_E_DB;
		}
	}
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (v < 0) {
		if (cause != NULL)
			*cause = xasprintf("cannot read the schema version of "
			    "the database %s: %s", path, sqlite3_errmsg(db));
		return PC_E_DB;
	}
	return PC_OK;
}
