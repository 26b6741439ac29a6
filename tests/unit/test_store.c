/*
 * test_store.c - the store on real SQLite files in a mkdtemp folder (and
 * ":memory:"): CRUD, case-insensitive unique names, validation refusals,
 * migrations from an empty file and from every earlier schema version,
 * sealed secrets (round trip, wrong key, tampering, moved ciphertext),
 * version conflicts between two handles, bulk changes (dry run, apply,
 * refusal of the whole change, undo), the audit log, import, paged
 * listing, a locked database, and errors in words.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "popconn/store.h"
#include "popconn/xmalloc.h"
#include "store/store_int.h"

#define TEST_PW		"S3cr3t-Passw0rd-XYZ"

struct test_env {
	char		*dir;
	char		*db;
	char		*key;
	struct store	*st;
};

static int
test_rm_cb(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static struct store *
test_open_as(struct test_env *e, const char *db, const char *key,
    const char *user)
{
	struct store_opts o = { db, key, user, 0, NULL, false };
	struct store *st = NULL;
	char *cause = NULL;
	enum pc_err rc;

	rc = store_open(&o, &st, &cause);
	if (rc)
		print_error("store_open: %s\n", cause);
	assert_int_equal(rc, PC_OK);
	assert_null(cause);
	(void)e;
	return st;
}

static int
test_setup(void **state)
{
	struct test_env *e = xcalloc(1, sizeof *e);

	e->dir = xstrdup("/tmp/popconn-store-XXXXXX");
	if (mkdtemp(e->dir) == NULL)
		return -1;
	e->db = xasprintf("%s/data/popconn.db", e->dir);
	e->key = xasprintf("%s/conf/key", e->dir);
	e->st = test_open_as(e, e->db, e->key, "alice");
	*state = e;
	return 0;
}

static int
test_teardown(void **state)
{
	struct test_env *e = *state;

	store_close(e->st);
	nftw(e->dir, test_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(e->dir);
	free(e->db);
	free(e->key);
	free(e);
	return 0;
}

/* A valid profile. */
static struct profile *
test_profile(const char *name, const char *group, const char *password)
{
	struct profile *p = profile_new();

	assert_int_equal(profile_field_set(p, "name", name, NULL), PC_OK);
	if (group != NULL)
		assert_int_equal(profile_field_set(p, "group", group, NULL),
		    PC_OK);
	assert_int_equal(profile_field_set(p, "address", "pop.example.com",
	    NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "username", "user@example.com",
	    NULL), PC_OK);
	if (password != NULL)
		assert_int_equal(profile_field_set(p, "password", password,
		    NULL), PC_OK);
	return p;
}

static void
test_add(struct store *st, const char *name, const char *group,
    const char *password)
{
	struct profile *p = test_profile(name, group, password);
	char *cause = NULL;

	assert_int_equal(store_add(st, p, &cause), PC_OK);
	assert_null(cause);
	profile_free(p);
}

static struct profile *
test_get(struct store *st, const char *name)
{
	struct profile *p = NULL;
	char *cause = NULL;

	assert_int_equal(store_get(st, name, &p, &cause), PC_OK);
	assert_null(cause);
	return p;
}

static int64_t
test_count(struct store *st, const char *group)
{
	int64_t n = -1;

	assert_int_equal(store_count(st, group, &n, NULL), PC_OK);
	return n;
}

static int
test_history_n(struct store *st, const char *name)
{
	struct store_audit_list l;
	int n;

	assert_int_equal(store_history(st, name, 0, &l, NULL), PC_OK);
	n = l.n;
	store_audit_list_cleanup(&l);
	return n;
}

/* Run one SQL statement on the file behind the store's back. */
static void
test_sql(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	char *err = NULL;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(h);
}

/* One text value from the file. */
static char *
test_sql_text(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	char *out = NULL;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		out = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(h);
	return out;
}

/* One integer value from the file. */
static int
test_sql_int(const char *db, const char *sql)
{
	char *t = test_sql_text(db, sql);
	int n;

	assert_non_null(t);
	n = atoi(t);
	free(t);
	return n;
}

/* ------------------------------------------------------------------ */

static void
test_store_crud(void **state)
{
	struct test_env *e = *state;
	struct profile *p, *q;
	char *cause = NULL;

	p = test_profile("Alpha", "office", TEST_PW);
	assert_int_equal(profile_field_set(p, "proxy_type", "socks5", NULL),
	    PC_OK);
	assert_int_equal(profile_field_set(p, "proxy_address", "127.0.0.1",
	    NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "proxy_port", "1080", NULL),
	    PC_OK);
	assert_int_equal(profile_field_set(p, "proxy_auth", "yes", NULL),
	    PC_OK);
	assert_int_equal(profile_field_set(p, "proxy_username", "pu", NULL),
	    PC_OK);
	assert_int_equal(profile_field_set(p, "proxy_password", "proxy-pw",
	    NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "tls_versions", "tls1.3", NULL),
	    PC_OK);
	assert_int_equal(profile_field_set(p, "codepage", "1252", NULL), PC_OK);
	assert_int_equal(store_add(e->st, p, &cause), PC_OK);
	assert_true(p->id > 0);
	assert_int_equal(p->version, 1);

	/* Every field comes back as it went in, by any case of the name. */
	q = test_get(e->st, "ALPHA");
	assert_int_equal(q->id, p->id);
	assert_int_equal(q->version, 1);
	{
		const struct prof_field *ft;
		int i, n;

		ft = profile_fields(&n);
		for (i = 0; i < n; i++)
			if (profile_field_differs(p, q, ft[i].key))
				fail_msg("field %s differs", ft[i].key);
	}
	assert_string_equal(q->password, TEST_PW);
	assert_string_equal(q->proxy_password, "proxy-pw");
	assert_int_equal(q->port_typed, p->port_typed);

	/* Save a change: the version moves on. */
	assert_int_equal(profile_field_set(q, "port", "1995", NULL), PC_OK);
	assert_int_equal(store_save(e->st, q, &cause), PC_OK);
	assert_int_equal(q->version, 2);
	profile_free(q);
	q = test_get(e->st, "alpha");
	assert_int_equal(q->port, 1995);
	assert_true(q->port_typed);
	assert_int_equal(q->version, 2);
	assert_string_equal(q->password, TEST_PW);

	/* Saving with no change writes nothing. */
	assert_int_equal(store_save(e->st, q, &cause), PC_OK);
	assert_int_equal(q->version, 2);
	assert_int_equal(test_history_n(e->st, "alpha"), 2);

	/* A rename keeps the secrets readable (bound to the uid). */
	assert_int_equal(profile_field_set(q, "name", "Beta", NULL), PC_OK);
	assert_int_equal(store_save(e->st, q, &cause), PC_OK);
	profile_free(q);
	assert_int_equal(store_get(e->st, "alpha", &q, &cause), PC_E_NOTFOUND);
	assert_non_null(strstr(cause, "alpha"));
	free(cause);
	cause = NULL;
	q = test_get(e->st, "beta");
	assert_string_equal(q->password, TEST_PW);
	assert_string_equal(q->proxy_password, "proxy-pw");
	/* Clearing a secret stores nothing for it. */
	assert_int_equal(profile_field_set(q, "password", "", NULL), PC_OK);
	assert_int_equal(store_save(e->st, q, &cause), PC_OK);
	profile_free(q);
	q = test_get(e->st, "beta");
	assert_null(q->password);
	profile_free(q);
	assert_null(test_sql_text(e->db, "SELECT password_enc FROM profiles"));

	assert_int_equal(store_remove(e->st, "BETA", &cause), PC_OK);
	assert_int_equal(test_count(e->st, NULL), 0);
	assert_int_equal(store_remove(e->st, "beta", &cause), PC_E_NOTFOUND);
	free(cause);
	cause = NULL;
	assert_int_equal(store_get(e->st, "beta", &q, NULL), PC_E_NOTFOUND);
	/* add, set (port), set (rename), set (password), rm */
	assert_int_equal(test_history_n(e->st, NULL), 5);
	profile_free(p);
}

static void
test_store_unique_name(void **state)
{
	struct test_env *e = *state;
	struct profile *p, *q;
	char *cause = NULL;

	test_add(e->st, "Alpha", NULL, NULL);
	p = test_profile("ALPHA", NULL, NULL);
	assert_int_equal(store_add(e->st, p, &cause), PC_E_EXISTS);
	assert_non_null(strstr(cause, "ALPHA"));
	assert_int_equal(p->id, 0);
	free(cause);
	cause = NULL;
	profile_free(p);
	assert_int_equal(test_count(e->st, NULL), 1);

	/* Renaming another one onto it is refused as well. */
	test_add(e->st, "Gamma", NULL, NULL);
	q = test_get(e->st, "gamma");
	assert_int_equal(profile_field_set(q, "name", "alpha", NULL), PC_OK);
	assert_int_equal(store_save(e->st, q, &cause), PC_E_EXISTS);
	assert_int_equal(q->version, 1);
	free(cause);
	profile_free(q);
	q = test_get(e->st, "gamma");
	assert_int_equal(q->version, 1);
	profile_free(q);
	/* Only the two adds were audited. */
	assert_int_equal(test_history_n(e->st, NULL), 2);
}

static void
test_store_validation_refused(void **state)
{
	struct test_env *e = *state;
	struct profile *p, *q;
	char *cause = NULL;

	p = test_profile("bad", NULL, TEST_PW);
	assert_int_equal(profile_field_set(p, "address", "", NULL), PC_OK);
	assert_int_equal(store_add(e->st, p, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "address"));
	assert_non_null(strstr(cause, "bad"));
	free(cause);
	cause = NULL;
	assert_int_equal(p->id, 0);
	assert_int_equal(test_count(e->st, NULL), 0);
	assert_int_equal(test_history_n(e->st, NULL), 0);
	profile_free(p);

	/* An invalid save leaves the row as it was. */
	test_add(e->st, "good", NULL, NULL);
	q = test_get(e->st, "good");
	assert_int_equal(profile_field_set(q, "auth", "xoauth2", NULL), PC_OK);
	assert_int_equal(store_save(e->st, q, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "oauth_token_cmd"));
	free(cause);
	assert_int_equal(q->version, 1);
	profile_free(q);
	q = test_get(e->st, "good");
	assert_int_equal(q->auth, PROF_AUTH_AUTO);
	assert_int_equal(q->version, 1);
	profile_free(q);
	assert_int_equal(test_history_n(e->st, NULL), 1);
}

static void
test_store_list_and_pages(void **state)
{
	struct test_env *e = *state;
	struct store_filter f = { .group = NULL };
	struct store_group_list gl;
	struct store_list l;
	int64_t n, pos;
	char name[32];
	int i;

	/* 3 without a group, 4 in "b-team", 5 in "A-team". */
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "p%02d", 11 - i);
		test_add(e->st, name, i < 3 ? NULL : i < 7 ? "b-team" :
		    "A-team", i % 2 ? TEST_PW : NULL);
	}
	assert_int_equal(store_list(e->st, NULL, false, &l, NULL), PC_OK);
	assert_int_equal(l.n, 12);
	/* No group first, then A-team, then b-team (case-insensitive),
	 * names in order within each. */
	assert_string_equal(l.v[0]->name, "p09");
	assert_null(l.v[0]->group);
	assert_string_equal(l.v[3]->name, "p00");
	assert_string_equal(l.v[3]->group, "A-team");
	assert_string_equal(l.v[8]->name, "p05");
	assert_string_equal(l.v[8]->group, "b-team");
	/* Nothing decrypted, but the listing knows which are set. */
	for (i = 0; i < l.n; i++) {
		assert_null(l.v[i]->password);
		assert_int_equal(l.secrets[i] & STORE_SECRET_PASSWORD,
		    (11 - atoi(l.v[i]->name + 1)) % 2 ? STORE_SECRET_PASSWORD :
		    0);
	}
	store_list_cleanup(&l);
	assert_int_equal(store_list(e->st, "a-TEAM", true, &l, NULL), PC_OK);
	assert_int_equal(l.n, 5);
	for (i = 0; i < l.n; i++)
		if (l.secrets[i])
			assert_string_equal(l.v[i]->password, TEST_PW);
	store_list_cleanup(&l);
	assert_int_equal(test_count(e->st, ""), 3);
	assert_int_equal(test_count(e->st, "b-team"), 4);

	/* Pages read the same order, a slice at a time. */
	assert_int_equal(store_list_page(e->st, &f, 2, 3, &l, NULL), PC_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0]->name, "p11");
	assert_string_equal(l.v[1]->name, "p00");
	store_list_cleanup(&l);
	assert_int_equal(store_list_page(e->st, &f, 11, 10, &l, NULL), PC_OK);
	assert_int_equal(l.n, 1);
	store_list_cleanup(&l);
	assert_int_equal(store_position(e->st, &f, "P05", &pos, NULL), PC_OK);
	assert_int_equal(pos, 8);
	assert_int_equal(store_position(e->st, &f, "p10", &pos, NULL), PC_OK);
	assert_int_equal(pos, 1);

	f.text = "P1";	/* p10, p11 */
	assert_int_equal(store_count_filter(e->st, &f, &n, NULL), PC_OK);
	assert_int_equal(n, 2);
	f.text = "TEAM";
	f.group = "b-team";
	assert_int_equal(store_count_filter(e->st, &f, &n, NULL), PC_OK);
	assert_int_equal(n, 4);
	assert_int_equal(store_position(e->st, &f, "p06", &pos, NULL), PC_OK);
	assert_int_equal(pos, 1);
	assert_int_equal(store_position(e->st, &f, "p09", &pos, NULL),
	    PC_E_NOTFOUND);
	f.group = "";
	f.text = NULL;
	assert_int_equal(store_list_page(e->st, &f, 0, 100, &l, NULL), PC_OK);
	assert_int_equal(l.n, 3);
	store_list_cleanup(&l);

	assert_int_equal(store_groups(e->st, &gl, NULL), PC_OK);
	assert_int_equal(gl.n, 3);
	assert_string_equal(gl.v[0].name, "");
	assert_int_equal(gl.v[0].count, 3);
	assert_string_equal(gl.v[1].name, "A-team");
	assert_int_equal(gl.v[1].count, 5);
	assert_int_equal(gl.v[2].count, 4);
	store_group_list_cleanup(&gl);
}

/*
 * Saved capabilities: kept per profile and endpoint, replaced by the next
 * save, forgotten on request and with the profile; never a change of the
 * profile (no audit entry, no version bump).
 */
static void
test_store_capa(void **state)
{
	struct test_env *e = *state;
	struct profile *p;
	char *capa = NULL, *cause = NULL;
	int64_t seen = 0;

	test_add(e->st, "one", NULL, NULL);
	assert_int_equal(store_capa_get(e->st, "one", "ssl h 995", &capa,
	    &seen, NULL), PC_E_NOTFOUND);
	assert_null(capa);
	assert_int_equal(store_capa_put(e->st, "ONE", "ssl h 995",
	    "USER\nPIPELINING", 1700000000, NULL), PC_OK);
	assert_int_equal(store_capa_get(e->st, "one", "ssl h 995", &capa,
	    &seen, NULL), PC_OK);
	assert_string_equal(capa, "USER\nPIPELINING");
	assert_int_equal(seen, 1700000000);
	free(capa);
	/* Another endpoint (the address or port changed): not trusted. */
	assert_int_equal(store_capa_get(e->st, "one", "ssl other 995", &capa,
	    NULL, NULL), PC_E_NOTFOUND);
	/* The next save replaces it. */
	assert_int_equal(store_capa_put(e->st, "one", "tls h 110",
	    "STLS\nUSER", 1700000100, NULL), PC_OK);
	assert_int_equal(store_capa_get(e->st, "one", "ssl h 995", &capa,
	    NULL, NULL), PC_E_NOTFOUND);
	assert_int_equal(store_capa_get(e->st, "one", "tls h 110", &capa,
	    NULL, NULL), PC_OK);
	assert_string_equal(capa, "STLS\nUSER");
	free(capa);
	p = test_get(e->st, "one");
	assert_int_equal(p->version, 1);
	profile_free(p);
	assert_int_equal(test_history_n(e->st, NULL), 1);
	/* Forget. */
	assert_int_equal(store_capa_put(e->st, "one", NULL, NULL, 0, NULL),
	    PC_OK);
	assert_int_equal(store_capa_get(e->st, "one", "tls h 110", &capa,
	    NULL, NULL), PC_E_NOTFOUND);
	/* Unknown profile. */
	assert_int_equal(store_capa_put(e->st, "nobody", "ssl h 995", "USER",
	    1, &cause), PC_E_NOTFOUND);
	assert_non_null(strstr(cause, "nobody"));
	free(cause);
	/* After a test: saved when new, untouched when the same, forgotten
	   when stale. */
	assert_int_equal(store_capa_record(e->st, "one", "ssl h 995", "USER",
	    false, 5, NULL), PC_OK);
	assert_int_equal(store_capa_record(e->st, "one", "ssl h 995", "USER",
	    false, 9, NULL), PC_OK);
	assert_int_equal(store_capa_get(e->st, "one", "ssl h 995", &capa,
	    &seen, NULL), PC_OK);
	assert_int_equal(seen, 5);	/* the same lines: nothing written */
	free(capa);
	assert_int_equal(store_capa_record(e->st, "one", "ssl h 995", NULL,
	    false, 9, NULL), PC_OK);	/* nothing to save: kept */
	assert_int_equal(store_capa_get(e->st, "one", "ssl h 995", &capa,
	    NULL, NULL), PC_OK);
	free(capa);
	assert_int_equal(store_capa_record(e->st, "one", "ssl h 995", NULL,
	    true, 9, NULL), PC_OK);
	assert_int_equal(store_capa_get(e->st, "one", "ssl h 995", &capa,
	    NULL, NULL), PC_E_NOTFOUND);
	/* Gone with the profile. */
	assert_int_equal(store_capa_put(e->st, "one", "ssl h 995", "USER", 1,
	    NULL), PC_OK);
	assert_int_equal(store_remove(e->st, "one", NULL), PC_OK);
	test_add(e->st, "one", NULL, NULL);
	assert_int_equal(store_capa_get(e->st, "one", "ssl h 995", &capa,
	    NULL, NULL), PC_E_NOTFOUND);
}

static void
test_store_memory(void **state)
{
	struct store_opts o = { ":memory:", NULL, "tester", 0, NULL, false };
	struct store *st = NULL;
	struct profile *p;

	(void)state;
	assert_int_equal(store_open(&o, &st, NULL), PC_OK);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	test_add(st, "mem", NULL, TEST_PW);
	p = test_get(st, "mem");
	assert_string_equal(p->password, TEST_PW);
	profile_free(p);
	store_close(st);
}

/* ------------------------------------------------------------------ */
/* Migrations. */

/*
 * Data written at schema version k, through SQL of that version: one
 * profile with a sealed password, and the key check.  A new migration
 * adds an entry here (often the previous one still fits), so the upgrade
 * from every earlier version keeps being tested with data in it.
 */
static void
test_fixture_v1(sqlite3 *h, const unsigned char *key)
{
	sqlite3_stmt *s = NULL;
	char *check = NULL, *pw = NULL, *aad;

	aad = store_aad("00112233445566778899aabbccddeeff", "password");
	assert_int_equal(secret_seal(key, STORE_KEYCHECK_TEXT,
	    STORE_KEYCHECK_AAD, &check), PC_OK);
	assert_int_equal(secret_seal(key, TEST_PW, aad, &pw), PC_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "INSERT INTO meta (id, "
	    "key_mode, key_check, created) VALUES (1, 'keyfile', ?, 1)", -1,
	    &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, check, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(h, "INSERT INTO profiles (uid, "
	    "version, name, group_name, timeout, codepage, address, port, "
	    "port_typed, username, password_enc, security, tls_versions, "
	    "tls_verify, auth, allow_plaintext, proxy_type, proxy_auth, "
	    "created, updated) VALUES ('00112233445566778899aabbccddeeff', 3, "
	    "'Fixture', 'old', 45, 1252, 'pop.old.example', 110, 1, 'olduser', "
	    "?, 'tls', 'tls1.2', 'full', 'user', 0, 'none', 0, 1, 1)", -1, &s,
	    NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, pw, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	free(aad);
	free(check);
	free(pw);
}

/* Version 2 adds saved capabilities. */
static void
test_fixture_v2(sqlite3 *h, const unsigned char *key)
{
	test_fixture_v1(h, key);
	assert_int_equal(sqlite3_exec(h, "INSERT INTO capabilities (profile_id, "
	    "endpoint, lines, seen) SELECT id, 'tls pop.old.example 110', "
	    "'STLS' || char(10) || 'USER', 1 FROM profiles", NULL, NULL, NULL),
	    SQLITE_OK);
}

/* Version 3 adds the test history. */
static void
test_fixture_v3(sqlite3 *h, const unsigned char *key)
{
	test_fixture_v2(h, key);
	assert_int_equal(sqlite3_exec(h, "INSERT INTO test_results (profile_id, "
	    "time, source, diagnosis, elapsed_ms) SELECT id, 1, 'test', 'ok', "
	    "5 FROM profiles", NULL, NULL, NULL), SQLITE_OK);
}

/* Version 4 adds the OAuth2 fields and a sealed refresh token. */
static void
test_fixture_v4(sqlite3 *h, const unsigned char *key)
{
	char *aad, *sealed, *sql;
	const unsigned char *uid;
	sqlite3_stmt *s;

	test_fixture_v3(h, key);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT uid FROM profiles",
	    -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	uid = sqlite3_column_text(s, 0);
	aad = xasprintf("popconn/v1/%s/oauth_refresh_token", uid);
	assert_int_equal(secret_seal(key, "fixture-refresh", aad, &sealed),
	    PC_OK);
	sqlite3_finalize(s);
	sql = xasprintf("INSERT INTO oauth_tokens (profile_id, refresh_enc, "
	    "scope, obtained) SELECT id, '%s', 'pop', 1 FROM profiles",
	    sealed);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	free(sealed);
	free(aad);
}

/*
 * Version 5 adds audit.bulk_id: a bulk change of the fixture (timeout 40
 * -> 45) with its undo record and its audit row.  Builds on version 4's
 * fixture.
 */
static void
test_fixture_v5(sqlite3 *h, const unsigned char *key)
{
	test_fixture_v4(h, key);
	assert_int_equal(sqlite3_exec(h, "INSERT INTO bulk_ops (id, time, "
	    "os_user, columns, nprofiles) VALUES (7, 1, 'old', 'timeout', 1); "
	    "INSERT INTO bulk_undo (op_id, profile_id, version_after, "
	    "old_values, new_values) SELECT 7, id, 3, json_array(40), "
	    "json_array(45) FROM profiles; "
	    "INSERT INTO audit (time, os_user, profile, profile_id, action, "
	    "fields, detail, bulk_id) SELECT 1, 'old', name, id, 'bulk-set', "
	    "'timeout', 'timeout: 40 -> 45', 7 FROM profiles", NULL, NULL,
	    NULL), SQLITE_OK);
}

typedef void (*test_fixture_fn)(sqlite3 *, const unsigned char *);
static const test_fixture_fn test_fixtures[] = {
	NULL,			/* version 0: an empty database */
	test_fixture_v1,
	test_fixture_v2,
	test_fixture_v3,
	test_fixture_v4,
	test_fixture_v5,
};

/* Undo of the fixture's bulk change #7 (dry run): there when recorded. */
static void
test_migrated_undo(struct store *st, bool recorded)
{
	struct store_changes ch;
	struct store_audit_list al;
	char *cause = NULL;

	if (!recorded) {
		assert_int_equal(store_bulk_undo(st, 7, true, NULL, NULL,
		    &cause), PC_E_NOTFOUND);
		free(cause);
		return;
	}
	assert_int_equal(store_bulk_undo(st, 7, true, NULL, &ch, &cause),
	    PC_OK);
	assert_int_equal(ch.nprofiles, 1);
	assert_int_equal(ch.n, 1);
	assert_string_equal(ch.v[0].old_value, "45");
	assert_string_equal(ch.v[0].new_value, "40");
	store_changes_cleanup(&ch);
	assert_int_equal(store_history(st, "fixture", 1, &al, NULL), PC_OK);
	assert_int_equal(al.v[0].bulk_id, 7);
	store_audit_list_cleanup(&al);
}

static void
test_store_migrate_every_version(void **state)
{
	struct test_env *e = *state;
	unsigned char key[SECRET_KEY_LEN];
	struct profile *p;
	struct store *st;
	sqlite3 *h;
	char *db, *cause = NULL;
	int k, latest, fd;

	latest = store_schema_latest();
	assert_true(latest >= 1);
	if ((size_t)latest >= sizeof test_fixtures / sizeof test_fixtures[0])
		fail_msg("add a fixture for schema %d to test_fixtures",
		    latest);
	assert_int_equal(secret_key_load(e->key, false, key, NULL), PC_OK);
	for (k = 0; k <= latest; k++) {
		db = xasprintf("%s/mig%d.db", e->dir, k);
		/* Version 0 is an empty file, as "touch" leaves it. */
		fd = open(db, O_CREAT | O_WRONLY, 0600);
		assert_true(fd >= 0);
		close(fd);
		if (k > 0) {
			assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
			assert_int_equal(store_migrate_run(h, db, k, &cause),
			    PC_OK);
			assert_int_equal(store_migrate_version(h), k);
			test_fixtures[k](h, key);
			sqlite3_close(h);
		}
		st = test_open_as(e, db, e->key, "mig");
		assert_int_equal(store_schema_version(st), latest);
		if (k == 0) {
			assert_int_equal(test_count(st, NULL), 0);
		} else {
			p = test_get(st, "fixture");
			assert_string_equal(p->password, TEST_PW);
			assert_string_equal(p->group, "old");
			assert_string_equal(p->address, "pop.old.example");
			assert_int_equal(p->port, 110);
			assert_true(p->port_typed);
			assert_int_equal(p->security, PROF_SEC_TLS);
			assert_int_equal(p->tls_versions, PROF_TLS_12);
			assert_int_equal(p->auth, PROF_AUTH_USER);
			assert_int_equal(p->codepage, 1252);
			assert_int_equal(p->timeout, 45);
			assert_int_equal(p->version, 3);
			assert_int_equal(p->oauth_flow, PROF_OAUTH_COMMAND);
			if (k >= 4) {
				struct store_oauth o;

				assert_int_equal(store_oauth_get(st, "fixture",
				    &o, NULL), PC_OK);
				assert_string_equal(o.refresh_token,
				    "fixture-refresh");
				store_oauth_cleanup(&o);
			}
			/* A bulk change recorded at version 5 is found by
			 * its ID; none before. */
			test_migrated_undo(st, k >= 5);
			/* And it can be changed after the upgrade. */
			assert_int_equal(profile_field_set(p, "port", "111",
			    NULL), PC_OK);
			assert_int_equal(store_save(st, p, NULL), PC_OK);
			profile_free(p);
		}
		test_add(st, "after", NULL, TEST_PW);
		store_close(st);
		/* Opening again is a no-op on the schema. */
		st = test_open_as(e, db, e->key, "mig");
		assert_int_equal(test_count(st, NULL), k == 0 ? 1 : 2);
		store_close(st);
		free(db);
	}
	explicit_bzero(key, sizeof key);
}

static void
test_store_migration_is_atomic(void **state)
{
	struct test_env *e = *state;
	sqlite3 *h;
	char *db, *cause = NULL, *t;

	/* A table in the way makes migration 1 fail half-way: nothing of
	 * it may stay, and the version must not move. */
	db = xasprintf("%s/clash.db", e->dir);
	test_sql(db, "CREATE TABLE audit (x)");
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(store_migrate_run(h, db, 1, &cause), PC_E_DB);
	assert_non_null(strstr(cause, "schema 1"));
	assert_non_null(strstr(cause, "0001_init.sql"));
	free(cause);
	assert_int_equal(store_migrate_version(h), 0);
	sqlite3_close(h);
	t = test_sql_text(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "name IN ('meta', 'profiles')");
	assert_string_equal(t, "0");
	free(t);
	free(db);
}

static void
test_store_migration_names(void **state)
{
	int i;

	(void)state;
	for (i = 1; i <= store_schema_latest(); i++) {
		assert_non_null(store_migrate_sql(i));
		assert_int_equal(atoi(store_migrate_name(i)), i);
	}
	assert_null(store_migrate_name(store_schema_latest() + 1));
}

/* ------------------------------------------------------------------ */
/* Secrets in the database. */

static void
test_store_secrets_sealed(void **state)
{
	struct test_env *e = *state;
	struct profile *p;
	char *enc, *cause = NULL;

	test_add(e->st, "one", NULL, TEST_PW);
	test_add(e->st, "two", NULL, "another-pw");
	enc = test_sql_text(e->db, "SELECT password_enc FROM profiles WHERE "
	    "name = 'one'");
	assert_non_null(enc);
	assert_true(strncmp(enc, "v1:", 3) == 0);
	assert_null(strstr(enc, TEST_PW));
	free(enc);

	/* A ciphertext moved to another profile does not open there. */
	test_sql(e->db, "UPDATE profiles SET password_enc = (SELECT "
	    "password_enc FROM profiles WHERE name = 'one') WHERE name = "
	    "'two'");
	assert_int_equal(store_get(e->st, "two", &p, &cause), PC_E_CRYPTO);
	assert_non_null(strstr(cause, "password"));
	assert_non_null(strstr(cause, "two"));
	assert_null(strstr(cause, TEST_PW));
	free(cause);
	cause = NULL;

	/* A tampered one does not open either. */
	test_sql(e->db, "UPDATE profiles SET password_enc = "
	    "substr(password_enc, 1, 10) || "
	    "(CASE substr(password_enc, 11, 1) WHEN 'A' THEN 'B' ELSE 'A' END)"
	    " || substr(password_enc, 12) WHERE name = 'one'");
	assert_int_equal(store_get(e->st, "one", &p, &cause), PC_E_CRYPTO);
	free(cause);
	cause = NULL;
	/* A listing without secrets still works. */
	{
		struct store_list l;

		assert_int_equal(store_list(e->st, NULL, false, &l, NULL),
		    PC_OK);
		assert_int_equal(l.n, 2);
		store_list_cleanup(&l);
		assert_int_equal(store_list(e->st, NULL, true, &l, &cause),
		    PC_E_CRYPTO);
		free(cause);
	}
}

static void
test_store_wrong_key(void **state)
{
	struct test_env *e = *state;
	struct store_opts o = { e->db, NULL, "eve", 0, NULL, false };
	struct store *st = NULL;
	unsigned char k[SECRET_KEY_LEN];
	char *other, *cause = NULL;

	test_add(e->st, "one", NULL, TEST_PW);

	other = xasprintf("%s/other/key", e->dir);
	assert_int_equal(secret_key_load(other, true, k, NULL), PC_OK);
	o.key_path = other;
	assert_int_equal(store_open(&o, &st, &cause), PC_E_CRYPTO);
	assert_null(st);
	assert_non_null(strstr(cause, "the key file"));
	assert_non_null(strstr(cause, other));
	assert_non_null(strstr(cause, "does not match this database"));
	free(cause);
	/* A new, empty database takes the other key happily. */
	o.db_path = xasprintf("%s/other.db", e->dir);
	assert_int_equal(store_open(&o, &st, NULL), PC_OK);
	store_close(st);
	free((char *)(uintptr_t)o.db_path);
	free(other);
}

static void
test_store_key_missing(void **state)
{
	struct test_env *e = *state;
	struct store_opts o = { e->db, e->key, "alice", 0, NULL, false };
	struct store *st = NULL;
	struct profile *p;
	struct stat sb;
	char *cause = NULL;

	struct store_assign as[] = { { "password", "Bulk-Pw" } };
	const char *names[] = { "one" };

	test_add(e->st, "one", NULL, TEST_PW);
	assert_int_equal(store_bulk_set(e->st, NULL, names, 1, as, 1, false,
	    NULL, NULL), PC_OK);
	store_close(e->st);
	e->st = NULL;
	assert_int_equal(unlink(e->key), 0);
	assert_int_equal(store_open(&o, &st, &cause), PC_E_CRYPTO);
	assert_non_null(strstr(cause, "key file missing"));
	assert_non_null(strstr(cause, e->key));
	free(cause);
	cause = NULL;
	/* No new key was made behind the user's back. */
	assert_int_not_equal(stat(e->key, &sb), 0);
	/* The undo record of the bulk change holds sealed values too. */
	test_sql(e->db, "UPDATE profiles SET password_enc = NULL");
	assert_int_equal(store_open(&o, &st, &cause), PC_E_CRYPTO);
	assert_non_null(strstr(cause, "key file missing"));
	free(cause);
	cause = NULL;
	assert_int_not_equal(stat(e->key, &sb), 0);

	/* Without any sealed secret, a new key is harmless and is made. */
	test_sql(e->db, "DELETE FROM bulk_undo");
	assert_int_equal(store_open(&o, &e->st, &cause), PC_OK);
	assert_int_equal(stat(e->key, &sb), 0);
	test_add(e->st, "two", NULL, TEST_PW);
	store_close(e->st);
	e->st = test_open_as(e, e->db, e->key, "alice");
	p = test_get(e->st, "two");	/* opens: the key check holds */
	assert_string_equal(p->password, TEST_PW);
	profile_free(p);
}

/* ------------------------------------------------------------------ */
/* Conflicts. */

static void
test_store_conflict_two_handles(void **state)
{
	struct test_env *e = *state;
	struct store *bob;
	struct profile *a, *b;
	char *cause = NULL;

	test_add(e->st, "shared", NULL, TEST_PW);
	bob = test_open_as(e, e->db, e->key, "bob");
	a = test_get(e->st, "shared");
	b = test_get(bob, "shared");
	assert_int_equal(profile_field_set(b, "port", "2995", NULL), PC_OK);
	assert_int_equal(store_save(bob, b, NULL), PC_OK);

	assert_int_equal(profile_field_set(a, "username", "alice-was-here",
	    NULL), PC_OK);
	assert_int_equal(store_save(e->st, a, &cause), PC_E_CONFLICT);
	assert_non_null(strstr(cause, "bob"));
	assert_non_null(strstr(cause, "shared"));
	assert_non_null(strstr(cause, "version"));
	free(cause);
	cause = NULL;
	assert_int_equal(a->version, 1);
	profile_free(a);
	/* Nothing of alice's change was written. */
	a = test_get(e->st, "shared");
	assert_int_equal(a->port, 2995);
	assert_string_equal(a->username, "user@example.com");
	assert_int_equal(a->version, 2);
	/* After a reload the change goes through. */
	assert_int_equal(profile_field_set(a, "username", "alice-was-here",
	    NULL), PC_OK);
	assert_int_equal(store_save(e->st, a, NULL), PC_OK);

	/* Removed under an editor: a conflict that says so. */
	assert_int_equal(store_remove(bob, "shared", NULL), PC_OK);
	assert_int_equal(profile_field_set(a, "port", "3995", NULL), PC_OK);
	assert_int_equal(store_save(e->st, a, &cause), PC_E_CONFLICT);
	assert_non_null(strstr(cause, "removed by bob"));
	free(cause);
	profile_free(a);
	profile_free(b);
	store_close(bob);
}

/* ------------------------------------------------------------------ */
/* Bulk changes. */

static void
test_bulk_fixture(struct store *st)
{
	char name[16];
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "g%d", i);
		test_add(st, name, "grp", i == 4 ? NULL : TEST_PW);
	}
	test_add(st, "outsider", "other", TEST_PW);
}

static void
test_store_bulk_dry_run(void **state)
{
	struct test_env *e = *state;
	struct store_assign as[] = {
		{ "port", "2995" }, { "password", "new" }
	};
	struct store_changes ch;
	struct profile *p;
	int i;

	test_bulk_fixture(e->st);
	assert_int_equal(store_bulk_set(e->st, "GRP", NULL, 0, as, 2, true,
	    &ch, NULL), PC_OK);
	assert_int_equal(ch.nprofiles, 5);
	assert_int_equal(ch.n, 10);
	assert_int_equal(ch.nerrors, 0);
	assert_string_equal(ch.v[0].profile, "g0");
	assert_string_equal(ch.v[0].field, "port");
	assert_string_equal(ch.v[0].old_value, "995");
	assert_string_equal(ch.v[0].new_value, "2995");
	assert_string_equal(ch.v[1].field, "password");
	assert_string_equal(ch.v[1].old_value, "set");
	assert_string_equal(ch.v[1].new_value, "set");
	assert_string_equal(ch.v[9].profile, "g4");
	assert_string_equal(ch.v[9].old_value, "");
	for (i = 0; i < ch.n; i++) {
		assert_null(strstr(ch.v[i].old_value, "new"));
		assert_null(strstr(ch.v[i].new_value, "new"));
	}
	store_changes_cleanup(&ch);
	/* Nothing written. */
	p = test_get(e->st, "g0");
	assert_int_equal(p->port, 995);
	assert_int_equal(p->version, 1);
	assert_string_equal(p->password, TEST_PW);
	profile_free(p);
	assert_int_equal(test_history_n(e->st, NULL), 6);
	assert_int_equal(store_bulk_undo(e->st, 0, false, NULL, NULL, NULL),
	    PC_E_NOTFOUND);
}

static void
test_store_bulk_apply_and_undo(void **state)
{
	struct test_env *e = *state;
	struct store_assign as[] = {
		{ "port", "2995" }, { "security", "tls" },
		{ "password", "Bulk-Pw-123" }, { "group", "moved" },
	};
	struct store_audit_list al;
	struct store_changes ch;
	struct profile *p;
	char *cause = NULL, name[16];
	int i, n = 0;

	test_bulk_fixture(e->st);
	assert_int_equal(store_bulk_set(e->st, "grp", NULL, 0, as, 4, false,
	    &ch, &cause), PC_OK);
	assert_null(cause);
	assert_int_equal(ch.nprofiles, 5);
	store_changes_cleanup(&ch);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "g%d", i);
		p = test_get(e->st, name);
		assert_int_equal(p->port, 2995);
		assert_true(p->port_typed);
		assert_int_equal(p->security, PROF_SEC_TLS);
		assert_string_equal(p->group, "moved");
		assert_string_equal(p->password, "Bulk-Pw-123");
		assert_int_equal(p->version, 2);
		profile_free(p);
	}
	p = test_get(e->st, "outsider");
	assert_int_equal(p->version, 1);
	profile_free(p);
	assert_int_equal(test_count(e->st, "grp"), 0);
	/* One audit row per profile, no secret in it. */
	assert_int_equal(store_history(e->st, "g4", 0, &al, NULL), PC_OK);
	assert_int_equal(al.n, 2);
	assert_string_equal(al.v[0].action, "bulk-set");
	assert_string_equal(al.v[0].os_user, "alice");
	assert_string_equal(al.v[0].fields, "group,port,password,security");
	assert_non_null(strstr(al.v[0].detail, "port: 995 -> 2995"));
	assert_non_null(strstr(al.v[0].detail, "password: set"));
	assert_null(strstr(al.v[0].detail, "Bulk-Pw"));
	store_audit_list_cleanup(&al);
	assert_int_equal(store_history(e->st, "g1", 1, &al, NULL), PC_OK);
	assert_non_null(strstr(al.v[0].detail, "password: changed"));
	store_audit_list_cleanup(&al);

	/* Undo restores exactly, and is itself audited. */
	assert_int_equal(store_bulk_undo(e->st, 0, false, NULL, &ch, &cause),
	    PC_OK);
	assert_null(cause);
	n = ch.nprofiles;
	store_changes_cleanup(&ch);
	assert_int_equal(n, 5);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "g%d", i);
		p = test_get(e->st, name);
		assert_int_equal(p->port, 995);
		assert_false(p->port_typed);
		assert_int_equal(p->security, PROF_SEC_SSL);
		assert_string_equal(p->group, "grp");
		if (i == 4)
			assert_null(p->password);
		else
			assert_string_equal(p->password, TEST_PW);
		assert_int_equal(p->version, 3);
		profile_free(p);
	}
	assert_int_equal(store_history(e->st, "g4", 1, &al, NULL), PC_OK);
	assert_string_equal(al.v[0].action, "undo");
	assert_non_null(strstr(al.v[0].detail, "port: 2995 -> 995"));
	assert_non_null(strstr(al.v[0].detail, "password: cleared"));
	store_audit_list_cleanup(&al);
	assert_int_equal(store_bulk_undo(e->st, 0, false, NULL, NULL, &cause),
	    PC_E_NOTFOUND);
	free(cause);
}

static void
test_store_bulk_by_names(void **state)
{
	struct test_env *e = *state;
	const char *names[] = { "G3", "g1", "g3" };
	const char *missing[] = { "g1", "nope" };
	struct store_assign as[] = { { "timeout", "99" } };
	struct store_changes ch;
	struct profile *p;
	char *cause = NULL;

	test_bulk_fixture(e->st);
	assert_int_equal(store_bulk_set(e->st, NULL, names, 3, as, 1, false,
	    &ch, NULL), PC_OK);
	assert_int_equal(ch.nprofiles, 2);
	assert_string_equal(ch.v[0].profile, "g3");
	store_changes_cleanup(&ch);
	p = test_get(e->st, "g3");
	assert_int_equal(p->timeout, 99);
	profile_free(p);
	p = test_get(e->st, "g2");
	assert_int_equal(p->timeout, PROF_TIMEOUT_DEFAULT);
	profile_free(p);

	/* A missing name changes nothing. */
	assert_int_equal(store_bulk_set(e->st, NULL, missing, 2, as, 1, false,
	    NULL, &cause), PC_E_NOTFOUND);
	assert_non_null(strstr(cause, "nope"));
	free(cause);
	cause = NULL;
	/* Setting what is already there is no change at all. */
	assert_int_equal(store_bulk_set(e->st, NULL, names, 3, as, 1, false,
	    &ch, NULL), PC_OK);
	assert_int_equal(ch.nprofiles, 0);
	store_changes_cleanup(&ch);
	p = test_get(e->st, "g3");
	assert_int_equal(p->version, 2);
	profile_free(p);
	assert_int_equal(store_bulk_set(e->st, "no-such-group", NULL, 0, as,
	    1, false, NULL, &cause), PC_E_NOTFOUND);
	free(cause);
}

static void
test_store_bulk_invalid_aborts(void **state)
{
	struct test_env *e = *state;
	struct store_assign as[] = { { "auth", "xoauth2" } };
	struct store_assign badval[] = { { "port", "2995" }, { "port", "x" } };
	struct store_assign unknown[] = { { "colour", "red" } };
	struct store_assign name[] = { { "name", "same" } };
	struct store_changes ch;
	struct profile *p;
	char *cause = NULL;
	int i;

	test_bulk_fixture(e->st);
	/* Four of five have a token command; g2 would become invalid. */
	for (i = 0; i < 5; i++) {
		char n[8];

		if (i == 2)
			continue;
		snprintf(n, sizeof n, "g%d", i);
		p = test_get(e->st, n);
		assert_int_equal(profile_field_set(p, "oauth_token_cmd",
		    "token-helper", NULL), PC_OK);
		assert_int_equal(store_save(e->st, p, NULL), PC_OK);
		profile_free(p);
	}
	assert_int_equal(store_bulk_set(e->st, "grp", NULL, 0, as, 1, false,
	    &ch, &cause), PC_E_INVALID);
	assert_int_equal(ch.nerrors, 1);
	assert_non_null(strstr(ch.errors[0], "'g2'"));
	assert_non_null(strstr(ch.errors[0], "oauth_token_cmd"));
	assert_non_null(strstr(cause, "nothing was changed"));
	store_changes_cleanup(&ch);
	free(cause);
	cause = NULL;
	for (i = 0; i < 5; i++) {
		char n[8];

		snprintf(n, sizeof n, "g%d", i);
		p = test_get(e->st, n);
		assert_int_equal(p->auth, PROF_AUTH_AUTO);
		profile_free(p);
	}
	assert_int_equal(store_bulk_undo(e->st, 0, false, NULL, NULL, NULL),
	    PC_E_NOTFOUND);
	assert_int_equal(test_history_n(e->st, NULL), 6 + 4);

	/* Values that do not parse, unknown fields, names: refused, nothing
	 * written.  A value that does not parse breaks every target: one
	 * error per profile of the group, each naming it and the field. */
	assert_int_equal(store_bulk_set(e->st, "grp", NULL, 0, badval, 2,
	    false, &ch, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "port"));
	assert_non_null(strstr(cause, "5 profiles would become invalid"));
	assert_int_equal(ch.nerrors, 5);
	assert_int_equal(ch.nprofiles, 5);
	for (i = 0; i < 5; i++) {
		char n[16];

		snprintf(n, sizeof n, "profile 'g%d': ", i);
		assert_non_null(strstr(ch.errors[i], n));
		assert_non_null(strstr(ch.errors[i], "port"));
	}
	store_changes_cleanup(&ch);
	free(cause);
	cause = NULL;
	/* The same by names, and in a dry run. */
	{
		const char *two[] = { "g3", "outsider" };

		assert_int_equal(store_bulk_set(e->st, NULL, two, 2, badval,
		    2, true, &ch, &cause), PC_E_INVALID);
		assert_int_equal(ch.nerrors, 2);
		assert_non_null(strstr(ch.errors[0], "'g3'"));
		assert_non_null(strstr(ch.errors[1], "'outsider'"));
		store_changes_cleanup(&ch);
		free(cause);
		cause = NULL;
		/* A missing group is "not found" before the bad value. */
		assert_int_equal(store_bulk_set(e->st, "nosuch", NULL, 0,
		    badval, 2, false, &ch, &cause), PC_E_NOTFOUND);
		assert_non_null(strstr(cause, "nosuch"));
		store_changes_cleanup(&ch);
	}
	free(cause);
	cause = NULL;
	assert_int_equal(store_bulk_set(e->st, "grp", NULL, 0, unknown, 1,
	    false, NULL, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "colour"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_bulk_set(e->st, "grp", NULL, 0, name, 1, false,
	    NULL, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "name"));
	free(cause);
	p = test_get(e->st, "g0");
	assert_int_equal(p->port, 995);
	profile_free(p);
}

static void
test_store_bulk_undo_conflict(void **state)
{
	struct test_env *e = *state;
	struct store_assign as[] = { { "port", "2995" } };
	struct store_changes ch;
	struct store_bulk_op op;
	struct profile *p;
	char *cause = NULL;
	int dry;

	test_bulk_fixture(e->st);
	assert_int_equal(store_bulk_set(e->st, "grp", NULL, 0, as, 1, false,
	    NULL, NULL), PC_OK);
	p = test_get(e->st, "g3");
	assert_int_equal(profile_field_set(p, "timeout", "5", NULL), PC_OK);
	assert_int_equal(store_save(e->st, p, NULL), PC_OK);
	profile_free(p);
	/* The refusal names the profile once, in full, with who did it. */
	assert_int_equal(store_bulk_undo(e->st, 0, false, &op, &ch, &cause),
	    PC_E_CONFLICT);
	assert_int_equal(op.id, 1);
	assert_int_equal(ch.nerrors, 1);
	assert_non_null(strstr(ch.errors[0], "profile 'g3' was changed by "
	    "alice at "));
	assert_non_null(strstr(cause, "profile 'g3' was changed"));
	assert_null(strstr(strstr(cause, "g3") + 1, "g3"));
	assert_non_null(strstr(cause, "nothing was undone"));
	free(cause);
	cause = NULL;
	store_changes_cleanup(&ch);
	store_bulk_op_cleanup(&op);
	/* Two of them (one removed): each named once; a dry run too. */
	assert_int_equal(store_remove(e->st, "g1", NULL), PC_OK);
	for (dry = 0; dry < 2; dry++) {
		assert_int_equal(store_bulk_undo(e->st, 1, dry, NULL, &ch,
		    &cause), PC_E_CONFLICT);
		assert_int_equal(ch.nerrors, 2);
		assert_non_null(strstr(ch.errors[0], "profile 'g1' was "
		    "removed by alice at "));
		assert_non_null(strstr(ch.errors[1], "profile 'g3' was "
		    "changed"));
		assert_non_null(strstr(cause, "2 profiles were changed or "
		    "removed after it: 'g1', 'g3'; nothing was undone"));
		free(cause);
		cause = NULL;
		store_changes_cleanup(&ch);
	}
	/* All or nothing: g0 keeps the bulk value too. */
	p = test_get(e->st, "g0");
	assert_int_equal(p->port, 2995);
	profile_free(p);
}

/* Undo by ID, any kept change; the ID is in the history of both. */
static void
test_store_bulk_undo_by_id(void **state)
{
	struct test_env *e = *state;
	struct store_assign a1[] = { { "timeout", "61" } };
	struct store_assign a2[] = { { "username", "u2" } };
	const char *names[] = { "outsider" };
	struct store_audit_list al;
	struct store_changes ch;
	struct store_bulk_op op;
	struct profile *p;
	char *cause = NULL;
	int64_t first, second;

	test_bulk_fixture(e->st);
	assert_int_equal(store_bulk_set(e->st, "grp", NULL, 0, a1, 1, false,
	    &ch, NULL), PC_OK);
	first = ch.bulk_id;
	store_changes_cleanup(&ch);
	assert_int_equal(store_bulk_set(e->st, NULL, names, 1, a2, 1, false,
	    &ch, NULL), PC_OK);
	second = ch.bulk_id;
	store_changes_cleanup(&ch);
	assert_true(first > 0 && second > first);
	assert_int_equal(store_history(e->st, "g2", 1, &al, NULL), PC_OK);
	assert_int_equal(al.v[0].bulk_id, first);
	store_audit_list_cleanup(&al);

	/* A dry run of the older one: what it would do, nothing written. */
	assert_int_equal(store_bulk_undo(e->st, first, true, &op, &ch,
	    &cause), PC_OK);
	assert_null(cause);
	assert_int_equal(op.id, first);
	assert_string_equal(op.fields, "timeout");
	assert_string_equal(op.os_user, "alice");
	assert_int_equal(op.nprofiles, 5);
	assert_int_equal(ch.nprofiles, 5);
	assert_int_equal(ch.n, 5);
	assert_string_equal(ch.v[0].profile, "g0");
	assert_string_equal(ch.v[0].field, "timeout");
	assert_string_equal(ch.v[0].old_value, "61");
	assert_string_equal(ch.v[0].new_value, "30");
	store_changes_cleanup(&ch);
	store_bulk_op_cleanup(&op);
	p = test_get(e->st, "g0");
	assert_int_equal(p->timeout, 61);
	profile_free(p);

	/* The older one for real, while the newer one stays. */
	assert_int_equal(store_bulk_undo(e->st, first, false, NULL, &ch,
	    &cause), PC_OK);
	assert_int_equal(ch.nprofiles, 5);
	store_changes_cleanup(&ch);
	p = test_get(e->st, "g0");
	assert_int_equal(p->timeout, 30);
	profile_free(p);
	p = test_get(e->st, "outsider");
	assert_string_equal(p->username, "u2");
	profile_free(p);
	assert_int_equal(store_history(e->st, "g2", 1, &al, NULL), PC_OK);
	assert_string_equal(al.v[0].action, "undo");
	assert_int_equal(al.v[0].bulk_id, first);
	assert_string_equal(al.v[0].detail, "timeout: 61 -> 30");
	store_audit_list_cleanup(&al);
	assert_int_equal(store_bulk_undo(e->st, first, false, NULL, NULL,
	    &cause), PC_E_NOTFOUND);
	assert_non_null(strstr(cause, "undone already"));
	free(cause);

	/* The last one, then nothing: undo never walks further back. */
	assert_int_equal(store_bulk_undo(e->st, 0, false, &op, NULL, &cause),
	    PC_OK);
	assert_int_equal(op.id, second);
	store_bulk_op_cleanup(&op);
	p = test_get(e->st, "outsider");
	assert_string_equal(p->username, "user@example.com");
	profile_free(p);
	assert_int_equal(store_bulk_undo(e->st, 0, true, NULL, NULL, &cause),
	    PC_E_NOTFOUND);
	assert_non_null(strstr(cause, "was undone already"));
	free(cause);
	assert_int_equal(store_bulk_undo(e->st, 99, false, NULL, NULL,
	    &cause), PC_E_NOTFOUND);
	assert_non_null(strstr(cause, "there is no bulk change #99"));
	free(cause);
}

/* The undo records of the last STORE_BULK_KEEP changes are kept. */
static void
test_store_bulk_keep(void **state)
{
	struct test_env *e = *state;
	struct store_assign as[] = { { "timeout", NULL } };
	char val[16], *cause = NULL;
	int i;

	test_bulk_fixture(e->st);
	for (i = 0; i < STORE_BULK_KEEP + 1; i++) {
		snprintf(val, sizeof val, "%d", 40 + i);
		as[0].value = val;
		assert_int_equal(store_bulk_set(e->st, "grp", NULL, 0, as, 1,
		    false, NULL, NULL), PC_OK);
	}
	assert_int_equal(test_sql_int(e->db, "SELECT count(*) FROM bulk_ops"),
	    STORE_BULK_KEEP);
	assert_int_equal(test_sql_int(e->db, "SELECT count(*) FROM "
	    "bulk_undo"), STORE_BULK_KEEP * 5);
	assert_int_equal(store_bulk_undo(e->st, 1, true, NULL, NULL, &cause),
	    PC_E_NOTFOUND);
	assert_non_null(strstr(cause, "no longer kept"));
	free(cause);
	assert_int_equal(store_bulk_undo(e->st, 2, true, NULL, NULL, &cause),
	    PC_E_CONFLICT);	/* kept, but later ones changed it */
	free(cause);
	assert_int_equal(store_bulk_undo(e->st, 0, false, NULL, NULL, NULL),
	    PC_OK);
	assert_int_equal(test_sql_int(e->db, "SELECT timeout FROM profiles "
	    "WHERE name = 'g0'"), 40 + STORE_BULK_KEEP - 1);
}

/* ------------------------------------------------------------------ */
/* Audit and import. */

static void
test_store_audit_no_secrets(void **state)
{
	struct test_env *e = *state;
	struct store_audit_list al;
	struct profile *p;
	int i;

	test_add(e->st, "aud", "g", TEST_PW);
	p = test_get(e->st, "aud");
	assert_int_equal(profile_field_set(p, "password", "Second-Pw-456",
	    NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "port", "110", NULL), PC_OK);
	assert_int_equal(store_save(e->st, p, NULL), PC_OK);
	profile_free(p);
	assert_int_equal(store_history(e->st, "AUD", 0, &al, NULL), PC_OK);
	assert_int_equal(al.n, 2);
	assert_string_equal(al.v[0].action, "set");
	assert_string_equal(al.v[0].fields, "port,password");
	assert_string_equal(al.v[0].detail, "port: 995 -> 110; password: "
	    "changed");
	assert_string_equal(al.v[1].action, "add");
	assert_non_null(strstr(al.v[1].detail, "password: set"));
	assert_non_null(strstr(al.v[1].detail, "address: pop.example.com"));
	assert_string_equal(al.v[1].fields, "group,address,username,password");
	for (i = 0; i < al.n; i++) {
		assert_string_equal(al.v[i].os_user, "alice");
		assert_string_equal(al.v[i].profile, "aud");
		assert_true(al.v[i].profile_id > 0);
		assert_true(al.v[i].when > 1600000000);
		assert_null(strstr(al.v[i].detail, "S3cr3t"));
		assert_null(strstr(al.v[i].detail, "Second-Pw"));
	}
	store_audit_list_cleanup(&al);
	/* History stays after removal. */
	assert_int_equal(store_remove(e->st, "aud", NULL), PC_OK);
	assert_int_equal(test_history_n(e->st, "aud"), 3);
	assert_int_equal(store_history(e->st, NULL, 1, &al, NULL), PC_OK);
	assert_int_equal(al.n, 1);
	assert_string_equal(al.v[0].action, "rm");
	store_audit_list_cleanup(&al);
}

static void
test_store_import(void **state)
{
	struct test_env *e = *state;
	struct profile *list[3], *p;
	struct store_audit_list al;
	char *uid_before, *uid_after, *cause = NULL;

	test_add(e->st, "Keep", NULL, TEST_PW);
	uid_before = test_sql_text(e->db, "SELECT uid FROM profiles");
	list[0] = test_profile("KEEP", "imported", NULL);	/* no secret */
	assert_int_equal(profile_field_set(list[0], "port", "1995", NULL),
	    PC_OK);
	list[1] = test_profile("new-one", "imported", "Import-Pw");
	list[2] = test_profile("new-two", NULL, NULL);
	assert_int_equal(store_import(e->st, list, 3, STORE_IMPORT_UPDATE,
	    false, NULL, &cause), PC_OK);
	assert_null(cause);
	assert_true(list[0]->id > 0 && list[1]->id > 0 && list[2]->id > 0);
	assert_int_equal(list[0]->version, 2);
	assert_int_equal(test_count(e->st, NULL), 3);
	p = test_get(e->st, "keep");
	assert_int_equal(p->port, 1995);
	assert_string_equal(p->group, "imported");
	assert_string_equal(p->password, TEST_PW);	/* kept */
	assert_int_equal(p->id, list[0]->id);
	profile_free(p);
	uid_after = test_sql_text(e->db, "SELECT uid FROM profiles WHERE "
	    "name = 'KEEP'");
	assert_string_equal(uid_before, uid_after);
	p = test_get(e->st, "new-one");
	assert_string_equal(p->password, "Import-Pw");
	profile_free(p);
	assert_int_equal(store_history(e->st, "keep", 1, &al, NULL), PC_OK);
	assert_string_equal(al.v[0].action, "import");
	assert_string_equal(al.v[0].fields, "name,group,port");
	store_audit_list_cleanup(&al);

	/* One invalid profile: nothing imported. */
	profile_free(list[2]);
	list[2] = test_profile("broken", NULL, NULL);
	assert_int_equal(profile_field_set(list[2], "address", "", NULL),
	    PC_OK);
	profile_free(list[1]);
	list[1] = test_profile("would-be-new", NULL, NULL);
	assert_int_equal(store_import(e->st, list, 3, STORE_IMPORT_UPDATE,
	    false, NULL, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "broken"));
	free(cause);
	assert_int_equal(test_count(e->st, NULL), 3);
	assert_int_equal(store_get(e->st, "would-be-new", &p, NULL),
	    PC_E_NOTFOUND);
	free(uid_before);
	free(uid_after);
	profile_free(list[0]);
	profile_free(list[1]);
	profile_free(list[2]);
}

/*
 * Modes: ADD refuses a profile that exists and differs (with its diff,
 * secrets only as changed) and leaves an identical one unchanged; UPDATE
 * and REPLACE write; a dry run decides the same and writes nothing.
 */
static void
test_store_import_modes(void **state)
{
	struct test_env *e = *state;
	struct store_import_result r;
	struct profile *list[3], *p;
	char *cause = NULL;
	int i;

	test_add(e->st, "same", "g", TEST_PW);
	test_add(e->st, "differs", "g", TEST_PW);
	list[0] = test_profile("same", "g", NULL);	/* secret kept */
	list[1] = test_profile("differs", "g", "Other-Pw-77");
	assert_int_equal(profile_field_set(list[1], "timeout", "45", NULL),
	    PC_OK);
	list[2] = test_profile("brand-new", NULL, NULL);
	for (i = 0; i < 2; i++) {
		assert_int_equal(store_import(e->st, list, 3, STORE_IMPORT_ADD,
		    i == 1, &r, &cause), PC_E_EXISTS);
		assert_non_null(strstr(cause, "1 profile exists and differs"));
		free(cause);
		cause = NULL;
		assert_int_equal(r.n, 3);
		assert_int_equal(r.what[0], STORE_IMPORT_UNCHANGED);
		assert_null(r.diff[0]);
		assert_int_equal(r.what[1], STORE_IMPORT_REFUSED);
		assert_string_equal(r.diff[1], "timeout: 30 -> 45; password: "
		    "changed");
		assert_int_equal(r.what[2], STORE_IMPORT_ADDED);
		assert_int_equal(r.count[STORE_IMPORT_REFUSED], 1);
		store_import_result_cleanup(&r);
		assert_int_equal(store_get(e->st, "brand-new", &p, NULL),
		    PC_E_NOTFOUND);
	}
	assert_int_equal(test_sql_int(e->db, "SELECT count(*) FROM audit "
	    "WHERE action = 'import'"), 0);
	/* Without the one that differs: added, and one unchanged. */
	assert_int_equal(store_import(e->st, (struct profile *const[]){
	    list[0], list[2] }, 2, STORE_IMPORT_ADD, false, &r, &cause), PC_OK);
	assert_int_equal(r.count[STORE_IMPORT_ADDED], 1);
	assert_int_equal(r.count[STORE_IMPORT_UNCHANGED], 1);
	store_import_result_cleanup(&r);
	p = test_get(e->st, "same");
	assert_int_equal(p->version, 1);
	profile_free(p);
	/* UPDATE, dry run then real. */
	assert_int_equal(store_import(e->st, list, 3, STORE_IMPORT_UPDATE, true,
	    &r, &cause), PC_OK);
	assert_int_equal(r.what[1], STORE_IMPORT_UPDATED);
	assert_int_equal(r.what[2], STORE_IMPORT_UNCHANGED);
	store_import_result_cleanup(&r);
	p = test_get(e->st, "differs");
	assert_int_equal(p->timeout, 30);
	profile_free(p);
	assert_int_equal(store_import(e->st, list, 3, STORE_IMPORT_UPDATE,
	    false, &r, &cause), PC_OK);
	assert_int_equal(r.count[STORE_IMPORT_UPDATED], 1);
	assert_int_equal(r.count[STORE_IMPORT_UNCHANGED], 2);
	store_import_result_cleanup(&r);
	p = test_get(e->st, "differs");
	assert_int_equal(p->timeout, 45);
	assert_string_equal(p->password, "Other-Pw-77");
	profile_free(p);
	/* REPLACE: what the profile says, counted as replaced. */
	profile_free(list[0]);
	list[0] = test_profile("same", NULL, NULL);	/* no group now */
	assert_int_equal(store_import(e->st, list, 1, STORE_IMPORT_REPLACE,
	    false, &r, &cause), PC_OK);
	assert_int_equal(r.what[0], STORE_IMPORT_REPLACED);
	assert_string_equal(r.diff[0], "group: g -> (empty)");
	store_import_result_cleanup(&r);
	p = test_get(e->st, "same");
	assert_null(p->group);
	assert_string_equal(p->password, TEST_PW);
	profile_free(p);
	/* UPDATE of a profile read before someone else changed it. */
	p = test_get(e->st, "differs");
	assert_int_equal(profile_field_set(p, "timeout", "50", NULL), PC_OK);
	list[1]->id = p->id;
	list[1]->version = p->version;
	assert_int_equal(store_save(e->st, p, NULL), PC_OK);
	profile_free(p);
	assert_int_equal(profile_field_set(list[1], "timeout", "55", NULL),
	    PC_OK);
	assert_int_equal(store_import(e->st, list + 1, 1, STORE_IMPORT_UPDATE,
	    false, &r, &cause), PC_E_CONFLICT);
	assert_non_null(strstr(cause, "differs"));
	free(cause);
	for (i = 0; i < 3; i++)
		profile_free(list[i]);
}

/* ------------------------------------------------------------------ */
/* Errors. */

static void
test_store_locked(void **state)
{
	struct test_env *e = *state;
	struct store_opts o = { e->db, e->key, "late", 300, NULL, false };
	struct store *st = NULL;
	struct profile *p;
	struct timeval t0, t1;
	sqlite3 *h = NULL;
	char *cause = NULL;
	long ms;

	assert_int_equal(store_open(&o, &st, NULL), PC_OK);
	assert_int_equal(sqlite3_open(e->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	p = test_profile("blocked", NULL, NULL);
	gettimeofday(&t0, NULL);
	assert_int_equal(store_add(st, p, &cause), PC_E_DB);
	gettimeofday(&t1, NULL);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
	assert_true(ms >= 250);
	assert_non_null(strstr(cause, "locked"));
	assert_non_null(strstr(cause, e->db));
	assert_non_null(strstr(cause, "300 ms"));
	free(cause);
	cause = NULL;
	assert_int_equal(p->id, 0);
	/* Once the other program lets go, it works. */
	assert_int_equal(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(store_add(st, p, &cause), PC_OK);
	profile_free(p);
	store_close(st);
}

static void
test_store_errors_in_words(void **state)
{
	struct test_env *e = *state;
	struct store_opts o = { NULL, NULL, "x", 0, NULL, false };
	struct store *st = NULL;
	char *path, *cause = NULL;
	int fd;

	/* Not a database. */
	path = xasprintf("%s/notes.txt", e->dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	{
		const char *junk = "this is not SQLite, just some text that "
		    "is long enough to fill a header of one hundred bytes or "
		    "more, really, yes\n";

		assert_true(write(fd, junk, strlen(junk)) ==
		    (ssize_t)strlen(junk));
	}
	close(fd);
	o.db_path = path;
	o.key_path = e->key;
	assert_int_equal(store_open(&o, &st, &cause), PC_E_DB);
	assert_non_null(strstr(cause, path));
	assert_non_null(strstr(cause, "not a popconn database"));
	free(cause);
	cause = NULL;
	free(path);
	/* A folder where the file should be. */
	o.db_path = e->dir;
	assert_int_equal(store_open(&o, &st, &cause), PC_E_DB);
	assert_non_null(strstr(cause, "folder"));
	free(cause);
	cause = NULL;
	/* No key file for a file database. */
	o.db_path = e->db;
	o.key_path = NULL;
	assert_int_equal(store_open(&o, &st, &cause), PC_E_INVALID);
	free(cause);
	cause = NULL;

	/* SQLite failures in words. */
	cause = store_db_cause(e->st, "write", SQLITE_FULL);
	assert_non_null(strstr(cause, "cannot write the database"));
	assert_non_null(strstr(cause, e->db));
	assert_non_null(strstr(cause, "the disk is full"));
	free(cause);
	cause = store_db_cause(e->st, "write", SQLITE_READONLY);
	assert_non_null(strstr(cause, "read-only"));
	free(cause);
	cause = store_db_cause(e->st, "read", SQLITE_CORRUPT);
	assert_non_null(strstr(cause, "damaged"));
	free(cause);
	cause = store_db_cause(e->st, "read", SQLITE_BUSY);
	assert_non_null(strstr(cause, "locked"));
	free(cause);
}

/* The refresh token: sealed at rest, re-sealed by rekey, forgotten. */
static void
test_store_oauth(void **state)
{
	struct test_env *e = *state;
	struct store_oauth o, got;
	sqlite3 *h;
	sqlite3_stmt *s;
	bool had;
	int n;

	test_add(e->st, "ms", NULL, TEST_PW);
	assert_int_equal(store_oauth_get(e->st, "ms", &got, NULL), PC_OK);
	assert_null(got.refresh_token);
	assert_int_equal(store_oauth_get(e->st, "nosuch", &got, NULL),
	    PC_E_NOTFOUND);
	memset(&o, 0, sizeof o);
	o.refresh_token = xstrdup("rt-very-secret-1");
	o.scope = xstrdup("pop offline_access");
	o.obtained = 100;
	o.access_expires = 200;
	assert_int_equal(store_oauth_put(e->st, "ms", &o, true, NULL), PC_OK);
	assert_int_equal(store_oauth_get(e->st, "MS", &got, NULL), PC_OK);
	assert_string_equal(got.refresh_token, "rt-very-secret-1");
	assert_string_equal(got.scope, "pop offline_access");
	assert_int_equal(got.obtained, 100);
	assert_int_equal(got.access_expires, 200);
	store_oauth_cleanup(&got);
	/* Not in clear in the file. */
	assert_int_equal(sqlite3_open(e->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM "
	    "oauth_tokens WHERE refresh_enc LIKE 'v1:%' AND refresh_enc NOT "
	    "LIKE '%secret%'", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 1);
	sqlite3_finalize(s);
	sqlite3_close(h);
	/* A new key: the token still opens. */
	assert_int_equal(store_rekey(e->st, NULL, &n, NULL), PC_OK);
	assert_int_equal(n, 2);		/* the password and the token */
	assert_int_equal(store_oauth_get(e->st, "ms", &got, NULL), PC_OK);
	assert_string_equal(got.refresh_token, "rt-very-secret-1");
	store_oauth_cleanup(&got);
	assert_int_equal(store_oauth_forget(e->st, "ms", &had, NULL), PC_OK);
	assert_true(had);
	assert_int_equal(store_oauth_forget(e->st, "ms", &had, NULL), PC_OK);
	assert_false(had);
	assert_int_equal(store_oauth_get(e->st, "ms", &got, NULL), PC_OK);
	assert_null(got.refresh_token);
	/* Removing the profile removes its row (foreign key). */
	assert_int_equal(store_oauth_put(e->st, "ms", &o, false, NULL), PC_OK);
	assert_int_equal(store_remove(e->st, "ms", NULL), PC_OK);
	assert_int_equal(sqlite3_open(e->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM "
	    "oauth_tokens", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	store_oauth_cleanup(&o);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_store_crud),
		T(test_store_unique_name),
		T(test_store_validation_refused),
		T(test_store_list_and_pages),
		T(test_store_capa),
		T(test_store_oauth),
		cmocka_unit_test(test_store_memory),
		T(test_store_migrate_every_version),
		T(test_store_migration_is_atomic),
		cmocka_unit_test(test_store_migration_names),
		T(test_store_secrets_sealed),
		T(test_store_wrong_key),
		T(test_store_key_missing),
		T(test_store_conflict_two_handles),
		T(test_store_bulk_dry_run),
		T(test_store_bulk_undo_by_id),
		T(test_store_bulk_keep),
		T(test_store_import_modes),
		T(test_store_bulk_apply_and_undo),
		T(test_store_bulk_by_names),
		T(test_store_bulk_invalid_aborts),
		T(test_store_bulk_undo_conflict),
		T(test_store_audit_no_secrets),
		T(test_store_import),
		T(test_store_locked),
		T(test_store_errors_in_words),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
