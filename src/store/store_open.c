/*
 * store_open.c - opening and closing the profile database: the file made
 * 0600, the schema checked before any write (from the file's header, then
 * through SQLite), the connection and its settings, a read-only fallback,
 * the key (store_key.c), WAL, the migrations (store_migrate.c) and the
 * column map (store_row.c); and what the open store tells about itself.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "popconn/buf.h"
#include "popconn/xmalloc.h"
#include "store_int.h"

#define STORE_BUSY_DEFAULT	5000

static char *
store_login_name(void)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	const char *u;

	if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &res) == 0 &&
	    res != NULL && res->pw_name != NULL && *res->pw_name != '\0')
		return xstrdup(res->pw_name);
	u = getenv("USER");
	if (u != NULL && *u != '\0')
		return xstrdup(u);
	return xasprintf("uid %ld", (long)geteuid());
}

static enum pc_err
store_schema_refuse(struct store *st, int version, char **cause)
{
	return store_fail(cause, PC_E_SCHEMA, "the database %s was written by "
	    "a newer popconn (schema %d, this build knows up to %d); upgrade "
	    "popconn", st->path, version, store_migrate_count());
}

/* Create the database file 0600 (and its folders 0700) when missing. */
static enum pc_err
store_create_file(struct store *st, char **cause)
{
	int fd;
	enum pc_err rc;

	fd = open(st->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT) {
		rc = secret_mkdir_parents(st->path, cause);
		if (rc)
			return PC_E_DB;
		fd = open(st->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
	}
	if (fd < 0) {
		if (errno == EEXIST)
			return PC_OK;
		return store_fail(cause, PC_E_DB, "cannot create the database "
		    "%s: %s", st->path, strerror(errno));
	}
	/* Whatever the umask, the file is the user's alone. */
	if (fchmod(fd, 0600) != 0) {
		close(fd);
		return store_fail(cause, PC_E_DB, "cannot set the permissions "
		    "of the database %s: %s", st->path, strerror(errno));
	}
	close(fd);
	return PC_OK;
}

/*
 * A WAL database is read through its -shm file, which SQLite must be able
 * to create next to the database when it is missing: in a folder this
 * process cannot write (a read-only mount) it cannot, so the file is
 * opened as immutable instead (nothing can change it there anyway).
 */
static enum pc_err
store_connect_read_only(struct store *st, char **cause)
{
	struct buf uri;
	const char *p;
	int src;

	src = sqlite3_exec(st->db, "SELECT count(*) FROM sqlite_master", NULL,
	    NULL, NULL);
	if (src == SQLITE_OK || ((src & 0xff) != SQLITE_READONLY &&
	    (src & 0xff) != SQLITE_CANTOPEN))
		return PC_OK;	/* reads work, or fail for another reason */
	sqlite3_close(st->db);
	st->db = NULL;
	buf_init(&uri, 0);
	buf_addstr(&uri, "file:");
	for (p = st->path; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			buf_addf(&uri, "%%%02X", (unsigned char)*p);
		else
			buf_add(&uri, p, 1);
	}
	buf_addstr(&uri, "?immutable=1");
	src = sqlite3_open_v2(uri.data, &st->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	buf_cleanup(&uri);
	if (src != SQLITE_OK)
		return store_db_fail(st, "open", src, cause);
	sqlite3_extended_result_codes(st->db, 1);
	return PC_OK;
}

static enum pc_err
store_connect(struct store *st, char **cause)
{
	char *sql;
	int flags, src;

	/*
	 * Before SQLite starts (a no-op afterwards): no global memory
	 * statistics, whose mutex costs about 5% of a bulk change.  Only
	 * this module uses SQLite, so the setting is ours to make.
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (st->memory)
		flags |= SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY;
	src = sqlite3_open_v2(st->path, &st->db, flags, NULL);
	if (src != SQLITE_OK)
		return store_db_fail(st, "open", src, cause);
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, st->busy_ms);
	src = sqlite3_exec(st->db, "PRAGMA foreign_keys = ON", NULL, NULL,
	    NULL);
	if (src != SQLITE_OK)
		return store_db_fail(st, "open", src, cause);
	/*
	 * Temporary tables and sorts stay in memory (no leftovers in /tmp).
	 * synchronous=NORMAL is the usual WAL setting: a power cut may lose
	 * the last commit, never consistency.  (A larger page cache or mmap
	 * made bulk changes slower here: fresh pages cost page faults.)
	 */
	sql = xstrdup("PRAGMA temp_store = MEMORY; "
	    "PRAGMA synchronous = NORMAL");
	sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	free(sql);
	if (!st->memory && sqlite3_db_readonly(st->db, "main") == 1) {
		if (st->read_only_ok) {
			st->read_only = true;
			return store_connect_read_only(st, cause);
		}
		return store_fail(cause, PC_E_DB, "cannot open the database %s "
		    "for writing: the file is read-only (check its "
		    "permissions and those of its folder)", st->path);
	}
	return PC_OK;
}

static enum pc_err
store_wal(struct store *st, char **cause)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *mode;
	int src;
	enum pc_err rc = PC_OK;

	if (st->memory)
		return PC_OK;
	src = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s,
	    NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(s);
	if (src != SQLITE_ROW) {
		rc = store_db_fail(st, "write", src, cause);
		goto out;
	}
	mode = sqlite3_column_text(s, 0);
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0)
		rc = store_fail(cause, PC_E_DB, "cannot switch the database %s "
		    "to WAL mode (it stays in %s mode)", st->path,
		    mode == NULL ? "an unknown" : (const char *)mode);
out:
	sqlite3_finalize(s);
	return rc;
}

enum pc_err
store_open(const struct store_opts *o, struct store **out, char **cause)
{
	struct store *st = NULL;
	bool write_meta = false;
	int v, latest;
	enum pc_err rc = PC_OK;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (o == NULL || o->db_path == NULL || *o->db_path == '\0')
		return store_fail(cause, PC_E_INVALID, "no database path "
		    "given");
	latest = store_migrate_count();
	if (latest < 1)
		return store_fail(cause, PC_E_DB, "this build of popconn has "
		    "misnumbered migrations (db/migrations/NNNN_name.sql)");
	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(o->db_path);
	st->memory = strcmp(o->db_path, ":memory:") == 0;
	st->key_path = xstrdup_or_null(o->key_path);
	st->read_only_ok = o->read_only_ok;
	st->passphrase = o->passphrase;
	st->os_user = o->os_user != NULL ? xstrdup(o->os_user) :
	    store_login_name();
	st->busy_ms = o->busy_timeout_ms > 0 ? o->busy_timeout_ms :
	    STORE_BUSY_DEFAULT;
	if (st->key_path == NULL && !st->memory) {
		rc = store_fail(cause, PC_E_INVALID, "no key file given for "
		    "the database %s", st->path);
		goto fail;
	}

	if (!st->memory) {
		/* Refuse a newer schema from the header alone: SQLite has
		 * not touched the file yet. */
		rc = store_migrate_peek(st->path, &v, cause);
		if (rc)
			goto fail;
		if (v > latest) {
			rc = store_schema_refuse(st, v, cause);
			goto fail;
		}
		rc = store_create_file(st, cause);
		if (rc)
			goto fail;
	}
	rc = store_connect(st, cause);
	if (rc)
		goto fail;
	/* Again through SQLite: a WAL file may hold a newer header. */
	v = store_migrate_version(st->db);
	if (v < 0) {
		rc = store_db_fail(st, "read", sqlite3_errcode(st->db), cause);
		goto fail;
	}
	if (v > latest) {
		/* Leave the newer popconn's WAL as it is. */
		sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
		rc = store_schema_refuse(st, v, cause);
		goto fail;
	}
	if (st->read_only && v < latest) {
		rc = store_fail(cause, PC_E_DB, "the database %s is read-only "
		    "and was written by an older popconn (schema %d, this one "
		    "reads %d): open it once with write access to upgrade it",
		    st->path, v, latest);
		goto fail;
	}
	rc = store_key_setup(st, v, &write_meta, cause);
	if (rc)
		goto fail;
	if (st->read_only && write_meta) {
		rc = store_fail(cause, PC_E_DB, "the database %s is read-only "
		    "and has no key check yet: open it once with write access",
		    st->path);
		goto fail;
	}
	if (st->read_only)
		goto done;

	/* From here on the file may be written. */
	rc = store_wal(st, cause);
	if (rc)
		goto fail;
	rc = store_migrate_run(st->db, st->path, latest, cause);
	if (rc)
		goto fail;
	if (write_meta) {
		rc = store_key_meta_write(st, cause);
		if (rc)
			goto fail;
	}
done:
	st->schema = store_migrate_version(st->db);
	rc = store_cols_init(st, cause);
	if (rc)
		goto fail;
	st->passphrase = NULL;		/* borrowed only while opening */
	*out = st;
	return PC_OK;
fail:
	st->passphrase = NULL;
	store_close(st);
	return rc;
}

bool
store_read_only(struct store *st)
{
	return st->read_only;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	audit_cleanup(st);
	sqlite3_finalize(st->get_by_name);
	sqlite3_finalize(st->get_by_id);
	if (st->db != NULL)
		sqlite3_close_v2(st->db);
	explicit_bzero(st->key, sizeof st->key);
	free(st->path);
	free(st->key_path);
	free(st->os_user);
	free(st->cols);
	free(st->select_sql);
	free(st);
}

int
store_schema_version(struct store *st)
{
	return st->schema;
}

int
store_schema_latest(void)
{
	return store_migrate_count();
}

const char *
store_path(struct store *st)
{
	return st->path;
}
