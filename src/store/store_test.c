/*
 * store_test.c - the history of test logons (table test_results, migration
 * 0003).  Each insert works out, from the profile's newest earlier row,
 * whether the certificate changed and since when the profile has been
 * failing, stores both in the new row (so pruning loses neither), updates
 * the profile's last result, and prunes the profile's rows beyond the
 * newest N, all in one transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void
store_test_cleanup(struct store_test *t)
{
	if (t == NULL)
		return;
	free(t->profile);
	free(t->source);
	free(t->diagnosis);
	free(t->failed_step);
	free(t->method);
	free(t->tls_version);
	free(t->tls_cipher);
	free(t->cert_sha256);
	free(t->cert_previous);
	memset(t, 0, sizeof *t);
}

void
store_test_list_cleanup(struct store_test_list *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		store_test_cleanup(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_test_keep(void)
{
	const char *e = getenv("POPCONN_HISTORY_KEEP");
	char *end;
	long n;

	if (e == NULL || *e == '\0')
		return STORE_TEST_KEEP_DEFAULT;
	n = strtol(e, &end, 10);
	if (*end != '\0' || n < 1 || n > STORE_TEST_KEEP_MAX)
		return STORE_TEST_KEEP_DEFAULT;
	return (int)n;
}

static void
store_test_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static char *
store_test_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *v = sqlite3_column_text(s, i);

	return v != NULL ? xstrdup((const char *)v) : NULL;
}

/*
 * From the profile's earlier rows: the last fingerprint seen, and whether
 * the newest row failed and since when.
 */
static enum pc_err
store_test_previous(struct store *st, int64_t pid, struct store_test *t,
    char **cause)
{
	sqlite3_stmt *s = NULL;
	bool ok = strcmp(t->diagnosis, "ok") == 0;
	enum pc_err rc;

	t->cert_changed = false;
	t->failing_since = ok ? 0 : t->when;
	rc = store_prepare_id(st, "SELECT cert_sha256 FROM test_results WHERE "
	    "profile_id = ? AND cert_sha256 IS NOT NULL ORDER BY id DESC "
	    "LIMIT 1", pid, &s, cause);
	if (rc)
		return rc;
	rc = store_step_one(st, s, cause);
	if (rc == PC_OK) {
		free(t->cert_previous);
		t->cert_previous = store_test_col_text(s, 0);
		t->cert_changed = t->cert_sha256 != NULL &&
		    strcmp(t->cert_sha256, t->cert_previous) != 0;
	}
	sqlite3_finalize(s);
	if (rc == PC_E_NOTFOUND)
		rc = PC_OK;
	if (rc || ok)
		return rc;
	rc = store_prepare_id(st, "SELECT failing_since FROM test_results "
	    "WHERE profile_id = ? ORDER BY id DESC LIMIT 1", pid, &s, cause);
	if (rc)
		return rc;
	rc = store_step_one(st, s, cause);
	if (rc == PC_OK && sqlite3_column_type(s, 0) != SQLITE_NULL)
		t->failing_since = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == PC_E_NOTFOUND ? PC_OK : rc;
}

enum pc_err
store_test_add(struct store *st, const char *name, struct store_test *t,
    int keep, char **cause)
{
	sqlite3_stmt *s = NULL;
	int64_t pid = 0;
	enum pc_err rc;

	if (cause != NULL)
		*cause = NULL;
	if (t->diagnosis == NULL || t->source == NULL)
		return store_fail(cause, PC_E_INVALID, "a test result needs a "
		    "diagnosis and a source");
	if (keep <= 0)
		keep = store_test_keep();
	rc = store_begin(st, true, cause);
	if (rc)
		return rc;
	rc = store_profile_named(st, "SELECT id FROM profiles WHERE name = ?",
	    name, &s, cause);
	if (rc)
		goto out;
	pid = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	rc = store_test_previous(st, pid, t, cause);
	if (rc)
		goto out;

	rc = store_prepare(st, "INSERT INTO test_results (profile_id, time, "
	    "source, diagnosis, failed_step, elapsed_ms, method, tls_version, "
	    "tls_cipher, cert_sha256, cert_not_after, messages, octets, "
	    "cert_changed, failing_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?)", &s, cause);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, pid);
	sqlite3_bind_int64(s, 2, t->when);
	store_test_bind_text(s, 3, t->source);
	store_test_bind_text(s, 4, t->diagnosis);
	store_test_bind_text(s, 5, t->failed_step);
	sqlite3_bind_int64(s, 6, t->elapsed_ms);
	store_test_bind_text(s, 7, t->method);
	store_test_bind_text(s, 8, t->tls_version);
	store_test_bind_text(s, 9, t->tls_cipher);
	store_test_bind_text(s, 10, t->cert_sha256);
	if (t->cert_not_after != 0)
		sqlite3_bind_int64(s, 11, t->cert_not_after);
	if (t->messages >= 0) {
		sqlite3_bind_int64(s, 12, t->messages);
		sqlite3_bind_int64(s, 13, t->octets);
	}
	sqlite3_bind_int(s, 14, t->cert_changed);
	if (t->failing_since != 0)
		sqlite3_bind_int64(s, 15, t->failing_since);
	rc = store_run(st, s, cause);
	s = NULL;
	if (rc)
		goto out;
	t->id = sqlite3_last_insert_rowid(st->db);

	rc = store_prepare(st, "UPDATE profiles SET last_result = ?, "
	    "last_tested = ? WHERE id = ?", &s, cause);
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, t->diagnosis, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, t->when);
	sqlite3_bind_int64(s, 3, pid);
	rc = store_run(st, s, cause);
	s = NULL;
	if (rc)
		goto out;

	/* Keep the newest keep rows: remove those at or below the first
	 * one past them. */
	rc = store_prepare_id(st, "DELETE FROM test_results WHERE "
	    "profile_id = ?1 AND id <= (SELECT id FROM test_results WHERE "
	    "profile_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)", pid, &s,
	    cause);
	if (rc)
		goto out;
	sqlite3_bind_int(s, 2, keep);
	rc = store_run(st, s, cause);
	s = NULL;
out:
	sqlite3_finalize(s);
	return store_end(st, rc, cause);
}

#define STORE_TEST_COLS "t.id, p.name, t.time, t.source, t.diagnosis, " \
	"t.failed_step, t.elapsed_ms, t.method, t.tls_version, t.tls_cipher, " \
	"t.cert_sha256, t.cert_not_after, t.messages, t.octets, " \
	"t.cert_changed, t.failing_since"

static void
store_test_load(sqlite3_stmt *s, struct store_test *t)
{
	memset(t, 0, sizeof *t);
	t->id = sqlite3_column_int64(s, 0);
	t->profile = store_test_col_text(s, 1);
	t->when = sqlite3_column_int64(s, 2);
	t->source = store_test_col_text(s, 3);
	t->diagnosis = store_test_col_text(s, 4);
	t->failed_step = store_test_col_text(s, 5);
	t->elapsed_ms = sqlite3_column_int64(s, 6);
	t->method = store_test_col_text(s, 7);
	t->tls_version = store_test_col_text(s, 8);
	t->tls_cipher = store_test_col_text(s, 9);
	t->cert_sha256 = store_test_col_text(s, 10);
	t->cert_not_after = sqlite3_column_int64(s, 11);
	if (sqlite3_column_type(s, 12) == SQLITE_NULL)
		t->messages = t->octets = -1;
	else {
		t->messages = sqlite3_column_int64(s, 12);
		t->octets = sqlite3_column_int64(s, 13);
	}
	t->cert_changed = sqlite3_column_int(s, 14) != 0;
	t->failing_since = sqlite3_column_int64(s, 15);
}

static enum pc_err
store_test_exists(struct store *st, const char *name, char **cause)
{
	sqlite3_stmt *s = NULL;
	enum pc_err rc;

	rc = store_profile_named(st, "SELECT 1 FROM profiles WHERE name = ?",
	    name, &s, cause);
	sqlite3_finalize(s);
	return rc;
}

enum pc_err
store_test_list(struct store *st, const char *name, int limit,
    struct store_test_list *out, char **cause)
{
	sqlite3_stmt *s = NULL;
	enum pc_err rc;
	int src, cap = 0;

	if (cause != NULL)
		*cause = NULL;
	memset(out, 0, sizeof *out);
	rc = store_begin(st, false, cause);
	if (rc)
		return rc;
	if (name != NULL) {
		rc = store_test_exists(st, name, cause);
		if (rc)
			goto out;
		rc = store_prepare(st, "SELECT " STORE_TEST_COLS " FROM "
		    "test_results t JOIN profiles p ON p.id = t.profile_id "
		    "WHERE p.name = ?1 ORDER BY t.id DESC LIMIT ?2", &s, cause);
	} else
		rc = store_prepare(st, "SELECT " STORE_TEST_COLS " FROM "
		    "test_results t JOIN profiles p ON p.id = t.profile_id "
		    "ORDER BY t.id DESC LIMIT ?2", &s, cause);
	if (rc)
		goto out;
	if (name != NULL)
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit > 0 ? limit : -1);
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		out->v = store_grow(out->v, out->n, &cap, sizeof *out->v);
		store_test_load(s, &out->v[out->n++]);
	}
	if (src != SQLITE_DONE)
		rc = store_db_fail(st, "read", src, cause);
out:
	sqlite3_finalize(s);
	store_rollback(st);
	if (rc)
		store_test_list_cleanup(out);
	return rc;
}

enum pc_err
store_test_count(struct store *st, int64_t *out, char **cause)
{
	*out = 0;
	return store_query_int(st, "SELECT count(*) FROM test_results", out,
	    cause);
}
