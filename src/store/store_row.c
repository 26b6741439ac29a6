/*
 * store_row.c - one profile as one row of the profiles table: the column
 * map built from the model's field table, loading a row into a profile
 * (opening its secrets), binding a profile to an INSERT or UPDATE (sealing
 * its secrets), and writing that row.
 *
 * The field table (profile.c) is the single source of the columns: one
 * column per field key, read and written through profile_field_get and
 * profile_field_set, so a new field needs only a migration.  Secrets are
 * stored only sealed, bound to the profile's random uid and the field key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "popconn/buf.h"
#include "popconn/xmalloc.h"
#include "store_int.h"

#define STORE_UID_BYTES		16

/* The column map of the profiles table, from the field table. */
enum pc_err
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

char *
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

enum pc_err
store_row_load_stmt(struct store *st, sqlite3_stmt *s, bool with_secrets,
    struct store_row *row, char **cause)
{
	enum pc_err rc;

	rc = store_step_one(st, s, cause);
	if (rc == PC_OK)
		rc = store_row_load(st, s, with_secrets, row, cause);
	sqlite3_reset(s);
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
char *
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

char *
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

/* Insert p as a new row with identity uid; *id gets its row id. */
enum pc_err
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
enum pc_err
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
