/*
 * store.c - the profile database: opening (file made 0600, schema check
 * before any write, key check, WAL, migrations), the mapping between the
 * model's field table and the columns of the profiles table, and the
 * single-profile operations (get, list, pages, add, save, remove, import).
 * Bulk changes and their undo live in store_bulk.c, the audit log in
 * audit.c, sealing in secret.c, the schema in store_migrate.c.
 *
 * The field table (profile.c) is the single source of the columns: one
 * column per field key, read and written through profile_field_get and
 * profile_field_set, so a new field needs only a migration.  Secrets are
 * stored only sealed, bound to the profile's random uid and the field key.
 * Every SQLite failure becomes PC_E_DB with a cause in words.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "popconn/buf.h"
#include "popconn/store.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"
#include "store_int.h"

#define STORE_BUSY_DEFAULT	5000
#define STORE_UID_BYTES		16

/* Columns after the field columns in select_sql. */
#define STORE_SEL_AFTER(st, k)	(STORE_SEL_FIELDS + (st)->ncols + (k))

/* ------------------------------------------------------------------ */
/* Errors in words. */

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

/* ------------------------------------------------------------------ */
/* Columns of the profiles table, from the field table. */

static enum pc_err
store_cols_init(struct store *st, char **cause)
{
	const struct prof_field *ft;
	struct store_col *c;
	struct profile *fresh;
	struct buf b;
	sqlite3_stmt *s = NULL;
	char *t;
	int i, n, src;

	ft = profile_fields(&n);
	st->cols = xcalloc((size_t)n + 1, sizeof *st->cols);
	st->ncols = n + 1;
	for (i = 0; i < n; i++) {
		c = &st->cols[i];
		c->key = ft[i].key;
		c->f = &ft[i];
		c->secret = -1;
		switch (ft[i].type) {
		case PROF_F_INT:
			c->type = STORE_C_INT;
			break;
		case PROF_F_BOOL:
			c->type = STORE_C_BOOL;
			break;
		case PROF_F_SECRET:
			c->type = STORE_C_SECRET;
			if (st->nsecrets == STORE_MAX_SECRETS)
				return store_fail(cause, PC_E_DB, "the profile "
				    "has more secret fields than the store "
				    "knows (%s)", c->key);
			c->secret = st->nsecrets++;
			break;
		default:
			c->type = STORE_C_TEXT;
			break;
		}
		if (strcmp(c->key, "group") == 0)
			snprintf(c->name, sizeof c->name, "group_name");
		else if (c->type == STORE_C_SECRET)
			snprintf(c->name, sizeof c->name, "%s_enc", c->key);
		else
			snprintf(c->name, sizeof c->name, "%s", c->key);
	}
	/* What a new profile holds (see store_row_load). */
	fresh = profile_new();
	for (i = 0; i < n; i++) {
		t = profile_field_get(fresh, st->cols[i].key);
		st->cols[i].has_default = strlen(t) <
		    sizeof st->cols[i].default_text;
		if (st->cols[i].has_default)
			memcpy(st->cols[i].default_text, t, strlen(t) + 1);
		free(t);
	}
	profile_free(fresh);
	c = &st->cols[n];
	c->key = "port_typed";
	c->type = STORE_C_BOOL;
	c->secret = -1;
	snprintf(c->name, sizeof c->name, "port_typed");

	buf_init(&b, 0);
	buf_addstr(&b, "SELECT id, uid, version");
	for (i = 0; i < st->ncols; i++)
		buf_addf(&b, ", %s", st->cols[i].name);
	buf_addstr(&b, ", last_result, last_tested FROM profiles");
	st->select_sql = buf_take(&b);

	/* A field without a column means a missing migration: say so now
	 * rather than on the first read. */
	src = sqlite3_prepare_v2(st->db, st->select_sql, -1, &s, NULL);
	sqlite3_finalize(s);
	if (src != SQLITE_OK)
		return store_fail(cause, PC_E_DB, "the database %s does not "
		    "match this build of popconn (%s); a migration is "
		    "missing", st->path, sqlite3_errmsg(st->db));
	return PC_OK;
}

const struct store_col *
store_col_find(struct store *st, const char *key)
{
	int i;

	for (i = 0; i < st->ncols; i++)
		if (strcmp(st->cols[i].key, key) == 0)
			return &st->cols[i];
	return NULL;
}

const struct store_col *
store_col_named(struct store *st, const char *name)
{
	int i;

	for (i = 0; i < st->ncols; i++)
		if (strcmp(st->cols[i].name, name) == 0)
			return &st->cols[i];
	return NULL;
}

/* Decimal text of v in buf (STORE_CSTR_BUF bytes); snprintf is slow. */
static const char *
store_int_str(int64_t v, char *buf)
{
	char *p = buf + STORE_CSTR_BUF - 1;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	return p;
}

const char *
store_col_cstr(const struct store_col *c, sqlite3_stmt *s, int idx,
    char *buf)
{
	const unsigned char *t;
	int type;

	type = sqlite3_column_type(s, idx);
	if (type == SQLITE_NULL)
		return "";
	switch (c->type) {
	case STORE_C_BOOL:
		return sqlite3_column_int64(s, idx) ? "yes" : "no";
	case STORE_C_SECRET:
		return "set";
	case STORE_C_INT:
		/* Formatted here: SQLite's own conversion allocates. */
		if (type == SQLITE_INTEGER)
			return store_int_str(sqlite3_column_int64(s, idx), buf);
		/* FALLTHROUGH */
	default:
		t = sqlite3_column_text(s, idx);
		return t == NULL ? "" : (const char *)t;
	}
}

void
store_val_cleanup(struct store_val *v)
{
	free(v->s);
	v->s = NULL;
	v->type = STORE_V_NULL;
}

void
store_col_value_text(const struct store_col *c, const char *t,
    struct store_val *out)
{
	out->type = STORE_V_NULL;
	out->i = 0;
	out->s = NULL;
	switch (c->type) {
	case STORE_C_BOOL:
		out->type = STORE_V_INT;
		out->i = strcmp(t, "yes") == 0;
		break;
	case STORE_C_INT:
		if (*t != '\0') {
			out->type = STORE_V_INT;
			out->i = strtoll(t, NULL, 10);
		}
		break;
	case STORE_C_TEXT:
		if (*t != '\0') {
			out->type = STORE_V_TEXT;
			out->s = xstrdup(t);
		}
		break;
	case STORE_C_SECRET:
		break;		/* sealed by the caller, never from here */
	}
}

void
store_col_value(const struct store_col *c, const struct profile *p,
    struct store_val *out)
{
	char *t;

	if (c->f == NULL) {		/* port_typed */
		out->type = STORE_V_INT;
		out->i = p->port_typed;
		out->s = NULL;
		return;
	}
	t = profile_field_get(p, c->key);
	store_col_value_text(c, t, out);
	free(t);
}

int
store_bind_val(sqlite3_stmt *s, int idx, const struct store_val *v)
{
	switch (v->type) {
	case STORE_V_INT:
		return sqlite3_bind_int64(s, idx, v->i);
	case STORE_V_TEXT:
		return sqlite3_bind_text(s, idx, v->s, -1, SQLITE_TRANSIENT);
	default:
		return sqlite3_bind_null(s, idx);
	}
}

char *
store_aad(const char *uid, const char *key)
{
	return xasprintf("popconn/v1/%s/%s", uid, key);
}

enum pc_err
store_seal(struct store *st, const char *uid, const struct store_col *c,
    const char *clear, char **out, char **cause)
{
	char *aad;
	enum pc_err rc;

	aad = store_aad(uid, c->key);
	rc = secret_seal(st->key, clear, aad, out);
	free(aad);
	if (rc)
		return store_fail(cause, rc, "cannot encrypt the %s: %s",
		    c->key, pc_err_str(rc));
	return PC_OK;
}

static char *
store_new_uid(void)
{
	unsigned char r[STORE_UID_BYTES];
	char *s;
	int i;

	/* The DRBG failing is not recoverable; fall back on SQLite's
	 * generator rather than aborting (a uid needs no secrecy). */
	if (secret_random(r, sizeof r) != PC_OK)
		sqlite3_randomness((int)sizeof r, r);
	s = xmalloc(2 * sizeof r + 1);
	for (i = 0; i < (int)sizeof r; i++)
		snprintf(s + 2 * i, 3, "%02x", r[i]);
	return s;
}

void
store_row_cleanup(struct store_row *row)
{
	int i;

	profile_free(row->p);
	free(row->uid);
	for (i = 0; i < STORE_MAX_SECRETS; i++)
		free(row->sealed[i]);
	memset(row, 0, sizeof *row);
}

unsigned
store_row_secrets(const struct store_row *row)
{
	unsigned bits = 0;

	const struct prof_field *ft;
	int i, n, k = 0;

	/* Secrets are numbered in field-table order (store_cols_init). */
	ft = profile_fields(&n);
	for (i = 0; i < n && k < STORE_MAX_SECRETS; i++) {
		if (ft[i].type != PROF_F_SECRET)
			continue;
		if (row->sealed[k] != NULL)
			bits |= store_secret_bit(ft[i].key);
		k++;
	}
	return bits;
}

static const char *
store_row_name(struct store *st, sqlite3_stmt *s)
{
	const unsigned char *t;
	int i;

	for (i = 0; i < st->ncols; i++) {
		if (strcmp(st->cols[i].key, "name") == 0) {
			t = sqlite3_column_text(s, STORE_SEL_FIELDS + i);
			return t == NULL ? "?" : (const char *)t;
		}
	}
	return "?";
}

static enum pc_err
store_row_secret(struct store *st, struct store_row *row,
    const struct store_col *c, const char *sealed, const char *name,
    char **cause)
{
	char *aad, *clear = NULL;
	enum pc_err rc;

	aad = store_aad(row->uid, c->key);
	rc = secret_open(st->key, sealed, aad, &clear);
	free(aad);
	if (rc)
		return store_fail(cause, PC_E_CRYPTO, "cannot decrypt the %s "
		    "of profile '%s': the key file %s does not match it or "
		    "the stored value was altered", c->key, name,
		    st->key_path == NULL ? "(none)" : st->key_path);
	rc = profile_field_set(row->p, c->key, clear, NULL);
	xfree_secret(clear);
	if (rc)
		return store_fail(cause, PC_E_CRYPTO, "the %s of profile '%s' "
		    "is too long", c->key, name);
	return PC_OK;
}

enum pc_err
store_row_load(struct store *st, sqlite3_stmt *s, bool with_secrets,
    struct store_row *row, char **cause)
{
	const struct store_col *c;
	const unsigned char *t;
	const char *name, *v;
	char *why = NULL, num[STORE_CSTR_BUF];
	int i, idx;
	enum pc_err rc = PC_OK;

	memset(row, 0, sizeof *row);
	row->p = profile_new();
	/* A saved profile: the port rule must not move the port while the
	 * fields are set one by one. */
	row->p->id = sqlite3_column_int64(s, STORE_SEL_ID);
	row->p->version = sqlite3_column_int64(s, STORE_SEL_VERSION);
	t = sqlite3_column_text(s, STORE_SEL_UID);
	row->uid = xstrdup(t == NULL ? "" : (const char *)t);
	name = store_row_name(st, s);
	for (i = 0; i < st->ncols; i++) {
		c = &st->cols[i];
		idx = STORE_SEL_FIELDS + i;
		if (c->f == NULL) {
			row->p->port_typed = sqlite3_column_int(s, idx) != 0;
			continue;
		}
		if (c->type == STORE_C_SECRET) {
			t = sqlite3_column_text(s, idx);
			if (t == NULL || *t == '\0')
				continue;
			row->sealed[c->secret] = xstrdup((const char *)t);
			if (!with_secrets)
				continue;
			rc = store_row_secret(st, row, c, (const char *)t, name,
			    cause);
			if (rc)
				goto fail;
			continue;
		}
		/*
		 * A value equal to the field's default is already in place
		 * (profile_new): most columns of most rows, so a listing of
		 * 100,000 profiles skips most field-table lookups.
		 */
		v = store_col_cstr(c, s, idx, num);
		if (c->has_default && strcmp(v, c->default_text) == 0)
			continue;
		rc = profile_field_set(row->p, c->key, v, &why);
		if (rc) {
			rc = store_fail(cause, PC_E_DB, "the database %s holds "
			    "an invalid value for profile '%s': %s", st->path,
			    name, why);
			goto fail;
		}
	}
	/* profile_field_set("port") marked the port typed: put it back. */
	row->p->port_typed = sqlite3_column_int(s,
	    STORE_SEL_FIELDS + st->ncols - 1) != 0;
	t = sqlite3_column_text(s, STORE_SEL_AFTER(st, 0));
	row->p->last_result = t == NULL ? NULL : xstrdup((const char *)t);
	row->p->last_tested = sqlite3_column_int64(s, STORE_SEL_AFTER(st, 1));
	return PC_OK;
fail:
	free(why);
	store_row_cleanup(row);
	return rc;
}

/*
 * Bind p's field columns to s from index first on: every field column in
 * order, then port_typed.  sealed[] holds what to store for each secret.
 */
static void
store_bind_profile(struct store *st, sqlite3_stmt *s, int first,
    const struct profile *p, char *const *sealed)
{
	const struct store_col *c;
	struct store_val v;
	int i;

	for (i = 0; i < st->ncols; i++) {
		c = &st->cols[i];
		if (c->type == STORE_C_SECRET) {
			if (sealed[c->secret] != NULL)
				sqlite3_bind_text(s, first + i,
				    sealed[c->secret], -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(s, first + i);
			continue;
		}
		store_col_value(c, p, &v);
		store_bind_val(s, first + i, &v);
		store_val_cleanup(&v);
	}
}

static const char *
store_secret_of(const struct profile *p, const struct store_col *c)
{
	return profile_secret_get(p, c->key);
}

/*
 * Fill sealed[] for writing p: a secret equal to the stored one keeps its
 * sealed text (old may be NULL: nothing stored), a new one is sealed under
 * uid with a fresh nonce, an empty one is NULL.
 */
static enum pc_err
store_seal_profile(struct store *st, const char *uid,
    const struct profile *p, const struct store_row *old, char **sealed,
    char **cause)
{
	const struct store_col *c;
	const char *clear;
	int i;
	enum pc_err rc;

	for (i = 0; i < STORE_MAX_SECRETS; i++)
		sealed[i] = NULL;
	for (i = 0; i < st->ncols; i++) {
		c = &st->cols[i];
		if (c->type != STORE_C_SECRET)
			continue;
		clear = store_secret_of(p, c);
		if (clear == NULL || *clear == '\0')
			continue;
		if (old != NULL && old->sealed[c->secret] != NULL &&
		    !profile_field_differs(old->p, p, c->key)) {
			sealed[c->secret] = xstrdup(old->sealed[c->secret]);
			continue;
		}
		rc = store_seal(st, uid, c, clear, &sealed[c->secret], cause);
		if (rc)
			return rc;
	}
	return PC_OK;
}

static void
store_sealed_free(char **sealed)
{
	int i;

	for (i = 0; i < STORE_MAX_SECRETS; i++) {
		free(sealed[i]);
		sealed[i] = NULL;
	}
}

/* The INSERT and UPDATE statements over every field column. */
static char *
store_insert_sql(struct store *st)
{
	struct buf b;
	int i;

	buf_init(&b, 0);
	buf_addstr(&b, "INSERT INTO profiles (uid, version");
	for (i = 0; i < st->ncols; i++)
		buf_addf(&b, ", %s", st->cols[i].name);
	buf_addstr(&b, ", last_result, last_tested, created, updated) "
	    "VALUES (?, 1");
	for (i = 0; i < st->ncols + 4; i++)
		buf_addstr(&b, ", ?");
	buf_addstr(&b, ")");
	return buf_take(&b);
}

static char *
store_update_sql(struct store *st)
{
	struct buf b;
	int i;

	buf_init(&b, 0);
	buf_addstr(&b, "UPDATE profiles SET ");
	for (i = 0; i < st->ncols; i++)
		buf_addf(&b, "%s = ?, ", st->cols[i].name);
	buf_addstr(&b, "version = version + 1, updated = ? "
	    "WHERE id = ? AND version = ?");
	return buf_take(&b);
}

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

static enum pc_err
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

/* ------------------------------------------------------------------ */
/* Opening. */

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

/* Whether anything sealed under the key is stored (schema >= 1). */
static enum pc_err
store_has_sealed(struct store *st, bool *out, char **cause)
{
	sqlite3_stmt *s = NULL;
	int src;
	enum pc_err rc;

	rc = store_prepare(st, "SELECT EXISTS (SELECT 1 FROM profiles WHERE "
	    "password_enc IS NOT NULL OR proxy_password_enc IS NOT NULL OR "
	    "oauth_client_secret_enc IS NOT NULL) OR EXISTS (SELECT 1 FROM "
	    "oauth_tokens WHERE refresh_enc IS NOT NULL) OR "
	    "EXISTS (SELECT 1 FROM bulk_undo WHERE "
	    "old_values LIKE '%\"v1:%' OR new_values LIKE '%\"v1:%')", &s,
	    cause);
	if (rc)
		return rc;
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*out = sqlite3_column_int(s, 0) != 0;
	else
		rc = store_db_fail(st, "read", src, cause);
	sqlite3_finalize(s);
	return rc;
}

bool
store_key_matches(struct store *st, const char *check)
{
	char *plain = NULL;
	bool ok;

	if (check == NULL || secret_open(st->key, check, STORE_KEYCHECK_AAD,
	    &plain) != PC_OK)
		return false;
	ok = strcmp(plain, STORE_KEYCHECK_TEXT) == 0;
	xfree_secret(plain);
	return ok;
}

static enum pc_err
store_key_mismatch(struct store *st, char **cause)
{
	return store_fail(cause, PC_E_CRYPTO, "the key file %s does not match "
	    "this database (%s); use the key file it was created with",
	    st->key_path, st->path);
}

/* Load (or make) the key file. */
static enum pc_err
store_key_file(struct store *st, bool create, char **cause)
{
	enum pc_err rc;

	if (st->key_path == NULL)	/* ":memory:": a throw-away key */
		return secret_random(st->key, sizeof st->key);
	/* A read-only database makes no key file either. */
	rc = secret_key_load(st->key_path, create && !st->read_only, st->key,
	    cause);
	/* Not a key, or unreadable: either way the database cannot be
	 * opened with it.  PC_E_NOTFOUND is decided by the caller. */
	if (rc == PC_E_INVALID || rc == PC_E_IO)
		rc = PC_E_CRYPTO;
	return rc;
}

/*
 * A rekey writes the new key to <key>.new, commits, then renames it over
 * the key file.  If it was interrupted between the two, the database
 * matches the .new file: finish the move.  1 when that made the key match.
 */
static bool
store_key_finish_rekey(struct store *st, const char *check)
{
	unsigned char old[SECRET_KEY_LEN];
	char *next;
	bool ok = false;

	if (st->key_path == NULL)
		return false;
	memcpy(old, st->key, sizeof old);
	next = xasprintf("%s%s", st->key_path, STORE_KEY_NEW_SUFFIX);
	if (secret_key_load(next, false, st->key, NULL) == PC_OK &&
	    store_key_matches(st, check) && rename(next, st->key_path) == 0)
		ok = true;
	if (!ok)
		memcpy(st->key, old, sizeof old);
	explicit_bzero(old, sizeof old);
	free(next);
	return ok;
}

/*
 * Passphrase mode: derive the key from the master passphrase with the
 * salt and iteration count kept in meta.  PC_E_AUTH when no passphrase was
 * given or it is wrong (the CLI then asks for it).
 */
static enum pc_err
store_key_passphrase(struct store *st, const char *check, char **cause)
{
	sqlite3_stmt *s = NULL;
	const void *salt;
	int saltlen, iter = 0, src;
	enum pc_err rc;

	st->passphrase_mode = true;
	if (st->passphrase == NULL)
		return store_fail(cause, PC_E_AUTH, "the database %s is "
		    "protected by a master passphrase: give it at the prompt "
		    "or with --passphrase-fd N", st->path);
	rc = store_prepare(st, "SELECT kdf_salt, kdf_iterations FROM meta "
	    "WHERE id = 1", &s, cause);
	if (rc)
		return rc;
	src = sqlite3_step(s);
	if (src != SQLITE_ROW) {
		rc = store_db_fail(st, "read", src, cause);
		goto out;
	}
	salt = sqlite3_column_blob(s, 0);
	saltlen = sqlite3_column_bytes(s, 0);
	iter = sqlite3_column_int(s, 1);
	if (salt == NULL || saltlen < 8 || iter < 1000) {
		rc = store_fail(cause, PC_E_CRYPTO, "the database %s is in "
		    "passphrase mode but its key parameters are damaged",
		    st->path);
		goto out;
	}
	rc = secret_key_derive(st->passphrase, salt, saltlen, iter, st->key);
	if (rc) {
		rc = store_fail(cause, PC_E_CRYPTO, "cannot derive the key from "
		    "the master passphrase");
		goto out;
	}
	if (!store_key_matches(st, check))
		rc = store_fail(cause, PC_E_AUTH, "wrong master passphrase for "
		    "%s", st->path);
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * Get the key and check it against the database, before anything is
 * written.  *write_meta says the meta row must be written (new database,
 * or a new key for a database without secrets).
 */
static enum pc_err
store_key_setup(struct store *st, int version, bool *write_meta,
    char **cause)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	char *mode = NULL, *check = NULL;
	bool sealed = false;
	int src;
	enum pc_err rc = PC_OK;

	*write_meta = false;
	if (version >= 1) {
		rc = store_prepare(st, "SELECT key_mode, key_check FROM meta "
		    "WHERE id = 1", &s, cause);
		if (rc)
			return rc;
		src = sqlite3_step(s);
		if (src == SQLITE_ROW) {
			t = sqlite3_column_text(s, 0);
			mode = xstrdup(t == NULL ? "" : (const char *)t);
			t = sqlite3_column_text(s, 1);
			check = t == NULL ? NULL : xstrdup((const char *)t);
		} else if (src != SQLITE_DONE)
			rc = store_db_fail(st, "read", src, cause);
		sqlite3_finalize(s);
		if (rc)
			return rc;
	}
	if (mode == NULL) {			/* a new database */
		*write_meta = true;
		return store_key_file(st, true, cause);
	}
	if (strcmp(mode, "passphrase") == 0) {
		rc = store_key_passphrase(st, check, cause);
		goto out;
	}
	if (strcmp(mode, "keyfile") != 0) {
		rc = store_fail(cause, PC_E_CRYPTO, "the database %s has an "
		    "unknown key mode '%s'", st->path, mode);
		goto out;
	}
	rc = store_key_file(st, false, cause);
	if (rc == PC_E_NOTFOUND) {
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
		rc = store_has_sealed(st, &sealed, cause);
		if (rc)
			goto out;
		if (sealed) {
			rc = store_fail(cause, PC_E_CRYPTO, "key file missing: "
			    "%s does not exist, but the database %s holds "
			    "passwords encrypted under it; restore the key "
			    "file (a new key could not decrypt them)",
			    st->key_path, st->path);
			goto out;
		}
		/* Nothing is sealed yet: a new key loses nothing. */
		*write_meta = true;
		rc = store_key_file(st, true, cause);
		goto out;
	}
	if (rc)
		goto out;
	if (!store_key_matches(st, check) && !store_key_finish_rekey(st,
	    check))
		rc = store_key_mismatch(st, cause);
out:
	free(mode);
	free(check);
	return rc;
}

/* Record the key mode and check value (after the migrations). */
static enum pc_err
store_meta_write(struct store *st, char **cause)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	char *check = NULL;
	bool exists = false, sealed = false;
	int src;
	enum pc_err rc;

	rc = store_begin(st, true, cause);
	if (rc)
		return rc;
	/* Another popconn may have written it since we looked. */
	rc = store_prepare(st, "SELECT key_check FROM meta WHERE id = 1", &s,
	    cause);
	if (rc)
		goto out;
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		exists = true;
		t = sqlite3_column_text(s, 0);
		if (store_key_matches(st, (const char *)t)) {
			sqlite3_finalize(s);
			return store_commit(st, cause);
		}
	} else if (src != SQLITE_DONE)
		rc = store_db_fail(st, "read", src, cause);
	sqlite3_finalize(s);
	s = NULL;
	if (rc)
		goto out;
	if (exists) {
		rc = store_has_sealed(st, &sealed, cause);
		if (rc == PC_OK && sealed)
			rc = store_key_mismatch(st, cause);
		if (rc)
			goto out;
	}
	rc = secret_seal(st->key, STORE_KEYCHECK_TEXT, STORE_KEYCHECK_AAD,
	    &check);
	if (rc) {
		rc = store_fail(cause, PC_E_CRYPTO, "cannot seal the key check "
		    "value");
		goto out;
	}
	rc = store_prepare(st, "INSERT OR REPLACE INTO meta (id, key_mode, "
	    "key_check, created) VALUES (1, 'keyfile', ?, ?)", &s, cause);
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, check, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)time(NULL));
	src = sqlite3_step(s);
	if (src != SQLITE_DONE)
		rc = store_db_fail(st, "write", src, cause);
	sqlite3_finalize(s);
	s = NULL;
	if (rc == PC_OK)
		rc = store_commit(st, cause);
out:
	sqlite3_finalize(s);
	free(check);
	store_rollback(st);
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
		rc = store_meta_write(st, cause);
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

/* ------------------------------------------------------------------ */
/* Reading. */

enum pc_err
store_row_load_stmt(struct store *st, sqlite3_stmt *s, bool with_secrets,
    struct store_row *row, char **cause)
{
	int src;
	enum pc_err rc;

	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		rc = store_row_load(st, s, with_secrets, row, cause);
	else if (src == SQLITE_DONE)
		rc = PC_E_NOTFOUND;
	else
		rc = store_db_fail(st, "read", src, cause);
	sqlite3_reset(s);
	return rc;
}

/*
 * Load the row selected by select_sql + where (one ?, bound to name, else
 * id).  The statement is prepared once into *cache and kept until
 * store_close: an import looks up every record by name, and preparing the
 * statement each time was a third of its time.
 */
static enum pc_err
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
	int src;
	enum pc_err rc;

	*out = -1;
	rc = store_prepare(st, "SELECT group_name, name FROM profiles "
	    "WHERE name = ?", &s, cause);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		g = sqlite3_column_text(s, 0);
		grp = g == NULL ? NULL : xstrdup((const char *)g);
		nm = xstrdup((const char *)sqlite3_column_text(s, 1));
	} else if (src == SQLITE_DONE)
		rc = store_fail(cause, PC_E_NOTFOUND, "no profile named '%s'",
		    name);
	else
		rc = store_db_fail(st, "read", src, cause);
	sqlite3_finalize(s);
	if (rc)
		return rc;

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
	for (;;) {
		src = sqlite3_step(s);
		if (src != SQLITE_ROW)
			break;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xreallocarray(out->v, (size_t)cap,
			    sizeof *out->v);
		}
		t = sqlite3_column_text(s, 0);
		out->v[out->n].name = xstrdup(t == NULL ? "" :
		    (const char *)t);
		out->v[out->n].count = sqlite3_column_int64(s, 1);
		out->n++;
	}
	if (src != SQLITE_DONE) {
		rc = store_db_fail(st, "read", src, cause);
		store_group_list_cleanup(out);
	}
	sqlite3_finalize(s);
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

enum pc_err
store_history(struct store *st, const char *name, int limit,
    struct store_audit_list *out, char **cause)
{
	return audit_history(st, name, limit, out, cause);
}

/* ------------------------------------------------------------------ */
/* Writing. */

/* Insert p as a new row with identity uid; *id gets its row id. */
static enum pc_err
store_insert_row(struct store *st, sqlite3_stmt *ins, const struct profile *p,
    const char *uid, int64_t *id, char **cause)
{
	char *sealed[STORE_MAX_SECRETS];
	int64_t now = (int64_t)time(NULL);
	int src, k;
	enum pc_err rc;

	rc = store_seal_profile(st, uid, p, NULL, sealed, cause);
	if (rc)
		goto out;
	sqlite3_bind_text(ins, 1, uid, -1, SQLITE_STATIC);
	store_bind_profile(st, ins, 2, p, sealed);
	k = 2 + st->ncols;
	if (p->last_result != NULL)
		sqlite3_bind_text(ins, k, p->last_result, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(ins, k);
	if (p->last_tested != 0)
		sqlite3_bind_int64(ins, k + 1, p->last_tested);
	else
		sqlite3_bind_null(ins, k + 1);
	sqlite3_bind_int64(ins, k + 2, now);
	sqlite3_bind_int64(ins, k + 3, now);
	src = sqlite3_step(ins);
	if (src == SQLITE_CONSTRAINT_UNIQUE)
		rc = store_fail(cause, PC_E_EXISTS, "a profile named '%s' "
		    "already exists (names ignore case)", p->name);
	else if (src != SQLITE_DONE)
		rc = store_db_fail(st, "write", src, cause);
	else
		*id = sqlite3_last_insert_rowid(st->db);
out:
	sqlite3_reset(ins);
	sqlite3_clear_bindings(ins);
	store_sealed_free(sealed);
	return rc;
}

/*
 * Update row old (loaded with secrets) to hold p.  Secrets equal to the
 * stored ones keep their sealed text.  PC_E_CONFLICT when the row moved
 * past old's version.
 */
static enum pc_err
store_update_row(struct store *st, sqlite3_stmt *upd, const struct profile *p,
    const struct store_row *old, char **cause)
{
	char *sealed[STORE_MAX_SECRETS];
	int src, k;
	enum pc_err rc;

	rc = store_seal_profile(st, old->uid, p, old, sealed, cause);
	if (rc)
		goto out;
	store_bind_profile(st, upd, 1, p, sealed);
	k = 1 + st->ncols;
	sqlite3_bind_int64(upd, k, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(upd, k + 1, old->p->id);
	sqlite3_bind_int64(upd, k + 2, old->p->version);
	src = sqlite3_step(upd);
	if (src == SQLITE_CONSTRAINT_UNIQUE)
		rc = store_fail(cause, PC_E_EXISTS, "a profile named '%s' "
		    "already exists (names ignore case)", p->name);
	else if (src != SQLITE_DONE)
		rc = store_db_fail(st, "write", src, cause);
	else if (sqlite3_changes(st->db) != 1)
		rc = PC_E_CONFLICT;
out:
	sqlite3_reset(upd);
	sqlite3_clear_bindings(upd);
	store_sealed_free(sealed);
	return rc;
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
	rc = store_validate(p, cause);
	if (rc)
		return rc;
	rc = store_begin(st, true, cause);
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
	rc = store_validate(p, cause);
	if (rc)
		return rc;
	rc = store_begin(st, true, cause);
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
	int src;
	enum pc_err rc;

	if (cause != NULL)
		*cause = NULL;
	rc = store_begin(st, true, cause);
	if (rc)
		return rc;
	rc = store_prepare(st, "SELECT id, name FROM profiles WHERE name = ?",
	    &s, cause);
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		real = xstrdup((const char *)sqlite3_column_text(s, 1));
	} else if (src == SQLITE_DONE)
		rc = store_fail(cause, PC_E_NOTFOUND, "no profile named '%s'",
		    name);
	else
		rc = store_db_fail(st, "read", src, cause);
	sqlite3_finalize(s);
	s = NULL;
	if (rc)
		goto out;
	rc = store_prepare(st, "DELETE FROM profiles WHERE id = ?", &s, cause);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	src = sqlite3_step(s);
	if (src != SQLITE_DONE) {
		rc = store_db_fail(st, "write", src, cause);
		goto out;
	}
	rc = audit_add(st, real, id, "rm", "", "", cause);
	if (rc)
		goto out;
	sqlite3_finalize(s);
	s = NULL;
	rc = store_commit(st, cause);
out:
	sqlite3_finalize(s);
	store_rollback(st);
	free(real);
	return rc;
}

enum pc_err
store_set_last_result(struct store *st, const char *name,
    const char *diagnosis, int64_t when)
{
	sqlite3_stmt *s = NULL;
	int src;
	enum pc_err rc;

	rc = store_prepare(st, "UPDATE profiles SET last_result = ?, "
	    "last_tested = ? WHERE name = ?", &s, NULL);
	if (rc)
		return rc;
	if (diagnosis != NULL)
		sqlite3_bind_text(s, 1, diagnosis, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, when);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src != SQLITE_DONE)
		rc = PC_E_DB;
	else if (sqlite3_changes(st->db) == 0)
		rc = PC_E_NOTFOUND;
	sqlite3_finalize(s);
	return rc;
}

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
