/*
 * test_store_hist.c - the test history in the store (store_test.c) on a
 * real SQLite file: a result is kept with its details and updates the
 * profile's last result; a certificate whose fingerprint changed and a run
 * of failures are worked out from the earlier rows and survive pruning;
 * the rows go with their profile; $POPCONN_HISTORY_KEEP; and retention:
 * 200 runs over 1,000 profiles leave the table at 100 rows per profile and
 * the file no bigger than it was halfway.
 */
#include <sys/stat.h>

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

#define FP_A "AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:" \
	"AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA"
#define FP_B "BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:" \
	"BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB:BB"

struct hist_env {
	char		*dir;
	char		*db;
	struct store	*st;
};

static int
hist_rm_cb(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
hist_setup(void **state)
{
	struct hist_env *e = xcalloc(1, sizeof *e);
	struct store_opts o;
	char *cause = NULL, *key;

	e->dir = xstrdup("/tmp/popconn-hist-XXXXXX");
	if (mkdtemp(e->dir) == NULL)
		return -1;
	e->db = xasprintf("%s/popconn.db", e->dir);
	key = xasprintf("%s/key", e->dir);
	memset(&o, 0, sizeof o);
	o.db_path = e->db;
	o.key_path = key;
	o.os_user = "alice";
	if (store_open(&o, &e->st, &cause) != PC_OK) {
		print_error("store_open: %s\n", cause);
		return -1;
	}
	free(key);
	unsetenv("POPCONN_HISTORY_KEEP");
	*state = e;
	return 0;
}

static int
hist_teardown(void **state)
{
	struct hist_env *e = *state;

	store_close(e->st);
	nftw(e->dir, hist_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(e->dir);
	free(e->db);
	free(e);
	unsetenv("POPCONN_HISTORY_KEEP");
	return 0;
}

static struct profile *
hist_profile(const char *name)
{
	struct profile *p = profile_new();

	assert_int_equal(profile_field_set(p, "name", name, NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "address", "pop.example.com",
	    NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "username", "u@example.com",
	    NULL), PC_OK);
	return p;
}

static void
hist_add_profile(struct store *st, const char *name)
{
	struct profile *p = hist_profile(name);

	assert_int_equal(store_add(st, p, NULL), PC_OK);
	profile_free(p);
}

/* Record one result; returns what store_test_add worked out. */
static void
hist_record(struct store *st, const char *name, const char *diag,
    const char *fp, int64_t when, int keep, struct store_test *t)
{
	char *cause = NULL;

	memset(t, 0, sizeof *t);
	t->when = when;
	t->source = xstrdup("test");
	t->diagnosis = xstrdup(diag);
	t->failed_step = strcmp(diag, "ok") ? xstrdup("logon") : NULL;
	t->elapsed_ms = 42;
	t->method = xstrdup("PLAIN");
	t->tls_version = xstrdup("TLSv1.3");
	t->tls_cipher = xstrdup("TLS13-AES128-GCM-SHA256");
	t->cert_sha256 = fp != NULL ? xstrdup(fp) : NULL;
	t->cert_not_after = 1900000000;
	t->messages = strcmp(diag, "ok") ? -1 : 3;
	t->octets = strcmp(diag, "ok") ? -1 : 1234;
	if (store_test_add(st, name, t, keep, &cause) != PC_OK)
		fail_msg("store_test_add %s: %s", name, cause);
	assert_true(t->id > 0);
}

static void
test_store_hist_add_and_list(void **state)
{
	struct hist_env *e = *state;
	struct store_test t;
	struct store_test_list l = { 0 };
	struct profile *p = NULL;

	hist_add_profile(e->st, "one");
	hist_record(e->st, "ONE", "ok", FP_A, 1000, 0, &t);
	assert_false(t.cert_changed);
	assert_int_equal(t.failing_since, 0);
	store_test_cleanup(&t);

	assert_int_equal(store_test_list(e->st, "one", 0, &l, NULL), PC_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].profile, "one");
	assert_int_equal(l.v[0].when, 1000);
	assert_string_equal(l.v[0].diagnosis, "ok");
	assert_null(l.v[0].failed_step);
	assert_string_equal(l.v[0].method, "PLAIN");
	assert_string_equal(l.v[0].tls_version, "TLSv1.3");
	assert_string_equal(l.v[0].cert_sha256, FP_A);
	assert_int_equal(l.v[0].cert_not_after, 1900000000);
	assert_int_equal(l.v[0].messages, 3);
	assert_int_equal(l.v[0].octets, 1234);
	store_test_list_cleanup(&l);

	/* The profile's last result moved with it, its version did not. */
	assert_int_equal(store_get(e->st, "one", &p, NULL), PC_OK);
	assert_string_equal(p->last_result, "ok");
	assert_int_equal(p->last_tested, 1000);
	assert_int_equal(p->version, 1);
	profile_free(p);

	/* No such profile. */
	memset(&t, 0, sizeof t);
	t.source = xstrdup("test");
	t.diagnosis = xstrdup("ok");
	assert_int_equal(store_test_add(e->st, "none", &t, 0, NULL),
	    PC_E_NOTFOUND);
	store_test_cleanup(&t);
	assert_int_equal(store_test_list(e->st, "none", 0, &l, NULL),
	    PC_E_NOTFOUND);
}

static void
test_store_hist_cert_change_and_failing_since(void **state)
{
	struct hist_env *e = *state;
	struct store_test t;
	struct store_test_list l = { 0 };

	hist_add_profile(e->st, "one");
	hist_record(e->st, "one", "ok", FP_A, 1000, 3, &t);
	store_test_cleanup(&t);
	/* A failure before TLS (no fingerprint): nothing changed. */
	hist_record(e->st, "one", "connect_refused", NULL, 1100, 3, &t);
	assert_false(t.cert_changed);
	assert_int_equal(t.failing_since, 1100);
	store_test_cleanup(&t);
	/* Another certificate, still failing: since the first failure. */
	hist_record(e->st, "one", "auth_failed", FP_B, 1200, 3, &t);
	assert_true(t.cert_changed);
	assert_string_equal(t.cert_previous, FP_A);
	assert_int_equal(t.failing_since, 1100);
	store_test_cleanup(&t);
	/* Same certificate again: no change.  Rows 1000 and 1100 are pruned
	 * (keep 3), the run of failures still starts at 1100. */
	hist_record(e->st, "one", "auth_failed", FP_B, 1300, 3, &t);
	assert_false(t.cert_changed);
	assert_int_equal(t.failing_since, 1100);
	store_test_cleanup(&t);
	hist_record(e->st, "one", "auth_failed", FP_B, 1400, 3, &t);
	assert_int_equal(t.failing_since, 1100);
	store_test_cleanup(&t);
	assert_int_equal(store_test_list(e->st, "one", 0, &l, NULL), PC_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].when, 1400);
	assert_int_equal(l.v[2].when, 1200);
	assert_true(l.v[2].cert_changed);
	assert_int_equal(l.v[0].failing_since, 1100);
	store_test_list_cleanup(&l);
	/* Back to ok: not failing; the next failure starts a new run. */
	hist_record(e->st, "one", "ok", FP_B, 1500, 3, &t);
	assert_int_equal(t.failing_since, 0);
	store_test_cleanup(&t);
	hist_record(e->st, "one", "timeout", FP_A, 1600, 3, &t);
	assert_int_equal(t.failing_since, 1600);
	assert_true(t.cert_changed);
	store_test_cleanup(&t);
}

static void
test_store_hist_rows_go_with_profile(void **state)
{
	struct hist_env *e = *state;
	struct store_test t;
	int64_t n;

	hist_add_profile(e->st, "one");
	hist_add_profile(e->st, "two");
	hist_record(e->st, "one", "ok", FP_A, 1000, 0, &t);
	store_test_cleanup(&t);
	hist_record(e->st, "two", "ok", FP_A, 1000, 0, &t);
	store_test_cleanup(&t);
	assert_int_equal(store_test_count(e->st, &n, NULL), PC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_remove(e->st, "one", NULL), PC_OK);
	assert_int_equal(store_test_count(e->st, &n, NULL), PC_OK);
	assert_int_equal(n, 1);
}

static void
test_store_hist_keep_env(void **state)
{
	struct hist_env *e = *state;
	struct store_test t;
	int64_t n;
	int i;

	assert_int_equal(store_test_keep(), STORE_TEST_KEEP_DEFAULT);
	setenv("POPCONN_HISTORY_KEEP", "0", 1);
	assert_int_equal(store_test_keep(), STORE_TEST_KEEP_DEFAULT);
	setenv("POPCONN_HISTORY_KEEP", "12x", 1);
	assert_int_equal(store_test_keep(), STORE_TEST_KEEP_DEFAULT);
	setenv("POPCONN_HISTORY_KEEP", "5", 1);
	assert_int_equal(store_test_keep(), 5);
	hist_add_profile(e->st, "one");
	for (i = 0; i < 9; i++) {
		hist_record(e->st, "one", "ok", FP_A, 1000 + i, 0, &t);
		store_test_cleanup(&t);
	}
	assert_int_equal(store_test_count(e->st, &n, NULL), PC_OK);
	assert_int_equal(n, 5);
}

static int64_t
hist_pages(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int64_t n;

	/* Pages in use: the file's pages less the free list. */
	assert_int_equal(sqlite3_prepare_v2(st->db, "SELECT (SELECT page_count "
	    "FROM pragma_page_count) - (SELECT freelist_count FROM "
	    "pragma_freelist_count)", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void
test_store_hist_retention(void **state)
{
	struct hist_env *e = *state;
	struct profile *list[1000];
	struct store_test t;
	char name[32];
	int64_t n, half = 0, full;
	int i, run;

	/* 200,000 transactions: durability is not what is tested here, so
	 * this handle does not wait for the disk (the results are the same). */
	assert_int_equal(sqlite3_exec(e->st->db, "PRAGMA synchronous = OFF",
	    NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "p%04d", i);
		list[i] = hist_profile(name);
	}
	assert_int_equal(store_import(e->st, list, 1000,
	    STORE_IMPORT_ADD, false, NULL, NULL), PC_OK);
	for (i = 0; i < 1000; i++)
		profile_free(list[i]);
	for (run = 0; run < 200; run++) {
		for (i = 0; i < 1000; i++) {
			snprintf(name, sizeof name, "p%04d", i);
			hist_record(e->st, name, run % 7 ? "ok" : "timeout",
			    run % 50 ? FP_A : FP_B, 10000 + run, 0, &t);
			store_test_cleanup(&t);
		}
		if (run == 99) {
			assert_int_equal(store_test_count(e->st, &n, NULL),
			    PC_OK);
			assert_int_equal(n, 100 * 1000);
			half = hist_pages(e->st);
		}
	}
	assert_int_equal(store_test_count(e->st, &n, NULL), PC_OK);
	assert_int_equal(n, 100 * 1000);
	full = hist_pages(e->st);
	print_message("retention: %lld rows; %lld pages in use after 100 runs, "
	    "%lld after 200\n", (long long)n, (long long)half,
	    (long long)full);
	/* Pruned rows' pages are reused: the second hundred runs do not
	 * grow the database by more than a few percent. */
	assert_true(full <= half + half / 20);
	/* Each profile holds its newest 100: runs 100..199. */
	{
		struct store_test_list l = { 0 };

		assert_int_equal(store_test_list(e->st, "p0500", 0, &l, NULL),
		    PC_OK);
		assert_int_equal(l.n, 100);
		assert_int_equal(l.v[0].when, 10199);
		assert_int_equal(l.v[99].when, 10100);
		store_test_list_cleanup(&l);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_hist_add_and_list,
		    hist_setup, hist_teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_hist_cert_change_and_failing_since, hist_setup,
		    hist_teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_hist_rows_go_with_profile, hist_setup,
		    hist_teardown),
		cmocka_unit_test_setup_teardown(test_store_hist_keep_env,
		    hist_setup, hist_teardown),
		cmocka_unit_test_setup_teardown(test_store_hist_retention,
		    hist_setup, hist_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
