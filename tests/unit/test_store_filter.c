/*
 * test_store_filter.c - the list's filter syntax (store_filter_parse): plain
 * words, status:, group:, cert<N (and <=, >, >=), untested>N with units,
 * and the refusals that name the term; then the paged listing on an
 * in-memory store with test results recorded through store_test_add: each
 * term and terms together as counts and pages, the Cert column's data
 * (the newest result's certificate end), the four sorts within groups,
 * the sorted row ids and pages read by them, and positions under a sort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "popconn/store.h"
#include "popconn/xmalloc.h"

#define DAY	86400
#define NOW	((int64_t)2000000000)

/* ---- the parser ------------------------------------------------------- */

static void
test_store_filter_parse_terms(void **state)
{
	struct store_fterms t;
	char *cause = NULL;

	(void)state;
	assert_int_equal(store_filter_parse("  web  status:FAILED group:Mail "
	    "cert<30 cert<=7d cert>60 cert>=-1 untested>7d untested>12h "
	    "untested>2w untested>3 status:ok status:untested "
	    "status:auth_failed group: a:b", &t, &cause), PC_OK);
	assert_null(cause);
	assert_int_equal(t.n, 16);
	assert_int_equal(t.v[0].kind, STORE_FT_WORD);
	assert_string_equal(t.v[0].text, "web");
	assert_int_equal(t.v[1].kind, STORE_FT_FAILED);
	assert_int_equal(t.v[2].kind, STORE_FT_GROUP);
	assert_string_equal(t.v[2].text, "Mail");
	assert_int_equal(t.v[3].kind, STORE_FT_CERT_LT);
	assert_int_equal(t.v[3].n, 30);
	assert_int_equal(t.v[4].kind, STORE_FT_CERT_LT);	/* <= 7: < 8 */
	assert_int_equal(t.v[4].n, 8);
	assert_int_equal(t.v[5].kind, STORE_FT_CERT_GE);	/* > 60: >= 61 */
	assert_int_equal(t.v[5].n, 61);
	assert_int_equal(t.v[6].kind, STORE_FT_CERT_GE);
	assert_int_equal(t.v[6].n, -1);
	assert_int_equal(t.v[7].kind, STORE_FT_UNTESTED_GT);
	assert_int_equal(t.v[7].n, 7 * DAY);
	assert_int_equal(t.v[8].n, 12 * 3600);
	assert_int_equal(t.v[9].n, 14 * DAY);
	assert_int_equal(t.v[10].n, 3 * DAY);		/* days by default */
	assert_int_equal(t.v[11].kind, STORE_FT_OK);
	assert_int_equal(t.v[12].kind, STORE_FT_UNTESTED);
	assert_int_equal(t.v[13].kind, STORE_FT_DIAG);
	assert_string_equal(t.v[13].text, "auth_failed");
	assert_int_equal(t.v[14].kind, STORE_FT_GROUP);
	assert_string_equal(t.v[14].text, "");
	/* Something else with a colon is a plain word. */
	assert_int_equal(t.v[15].kind, STORE_FT_WORD);
	assert_string_equal(t.v[15].text, "a:b");
	store_fterms_cleanup(&t);

	assert_int_equal(store_filter_parse(NULL, &t, NULL), PC_OK);
	assert_int_equal(t.n, 0);
	assert_int_equal(store_filter_parse("   ", &t, NULL), PC_OK);
	assert_int_equal(t.n, 0);
	store_fterms_cleanup(&t);
}

static void
test_store_filter_parse_refusals(void **state)
{
	static const struct {
		const char *text, *cause;
	} bad[] = {
		{ "web cert<x", "cert< needs a number of days: cert<x" },
		{ "cert>", "cert> needs a number of days: cert>" },
		{ "cert<=", "cert< needs a number of days: cert<=" },
		{ "cert<3x", "cert< needs a number of days: cert<3x" },
		{ "untested>soon", "untested> needs a time such as 7d, 12h or "
		    "2w: untested>soon" },
		{ "untested>-3d", "untested> needs a time such as 7d, 12h or "
		    "2w: untested>-3d" },
		{ "status:broken", "status: takes ok, failed, untested or a "
		    "diagnosis such as auth_failed: status:broken" },
		{ "status:", "status: takes ok, failed, untested or a "
		    "diagnosis such as auth_failed: status:" },
	};
	struct store_fterms t;
	char *cause;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		assert_int_equal(store_filter_parse(bad[i].text, &t, &cause),
		    PC_E_INVALID);
		assert_int_equal(t.n, 0);
		assert_non_null(cause);
		assert_string_equal(cause, bad[i].cause);
		free(cause);
	}
}

/* ---- the listing ------------------------------------------------------ */

static int
test_setup(void **state)
{
	struct store_opts o = { ":memory:", NULL, "alice", 0, NULL, false };
	struct store *st = NULL;

	if (store_open(&o, &st, NULL) != PC_OK)
		return -1;
	*state = st;
	return 0;
}

static int
test_teardown(void **state)
{
	store_close(*state);
	return 0;
}

static void
test_add(struct store *st, const char *name, const char *group,
    const char *address)
{
	struct profile *p = profile_new();

	assert_int_equal(profile_field_set(p, "name", name, NULL), PC_OK);
	if (group != NULL)
		assert_int_equal(profile_field_set(p, "group", group, NULL),
		    PC_OK);
	assert_int_equal(profile_field_set(p, "address", address, NULL),
	    PC_OK);
	assert_int_equal(store_add(st, p, NULL), PC_OK);
	profile_free(p);
}

/* A result of name: ended ago seconds before NOW, cert end (0 = none). */
static void
test_result(struct store *st, const char *name, int64_t ago,
    const char *diag, int64_t cert)
{
	struct store_test t;

	memset(&t, 0, sizeof t);
	t.when = NOW - ago;
	t.source = xstrdup("test");
	t.diagnosis = xstrdup(diag);
	t.failed_step = strcmp(diag, "ok") != 0 ? xstrdup("logon") : NULL;
	t.elapsed_ms = 12;
	t.cert_not_after = cert;
	t.messages = -1;
	assert_int_equal(store_test_add(st, name, &t, 0, NULL), PC_OK);
	store_test_cleanup(&t);
}

/*
 * The fleet:
 *   mail: m-expired (ok 10d ago, cert ended 3 days ago),
 *         m-never (never tested),
 *         m-ok (ok 1h ago, 45 days left, after an older result that saw
 *               a certificate with 5 days left: the newest one counts)
 *   web:  w-auth (auth_failed 3d ago, 12 days left),
 *         w-down (connect_refused 8d ago, no certificate: after an ok
 *                 test with 20 days left, "newest" means unknown now),
 *         w-fine (ok 10m ago, 100 days left)
 */
static void
test_fleet(struct store *st)
{
	test_add(st, "m-expired", "mail", "m1.example.net");
	test_add(st, "m-never", "mail", "m2.example.net");
	test_add(st, "m-ok", "mail", "m3.example.net");
	test_add(st, "w-auth", "web", "w1.example.com");
	test_add(st, "w-down", "web", "w2.example.com");
	test_add(st, "w-fine", "web", "w3.example.com");
	test_result(st, "m-expired", 10 * DAY, "ok", NOW - 3 * DAY + 3600);
	test_result(st, "m-ok", 2 * DAY, "ok", NOW + 5 * DAY);
	test_result(st, "m-ok", 3600, "ok", NOW + 45 * DAY + 3600);
	test_result(st, "w-auth", 3 * DAY, "auth_failed", NOW + 12 * DAY + 60);
	test_result(st, "w-down", 9 * DAY, "ok", NOW + 20 * DAY);
	test_result(st, "w-down", 8 * DAY, "connect_refused", 0);
	test_result(st, "w-fine", 600, "ok", NOW + 100 * DAY + 60);
}

/* The names f selects, in order, as "a b c". */
static char *
test_names(struct store *st, const struct store_filter *f)
{
	struct store_list l;
	char *s = xstrdup(""), *u;
	int64_t n;
	int i;

	char *cause = NULL;

	if (store_list_page(st, f, 0, 100, &l, &cause) != PC_OK)
		print_error("\"%s\": %s\n", f->text, cause);
	assert_null(cause);
	assert_int_equal(store_count_filter(st, f, &n, NULL), PC_OK);
	assert_int_equal(n, l.n);
	for (i = 0; i < l.n; i++) {
		u = xasprintf("%s%s%s", s, i ? " " : "", l.v[i]->name);
		free(s);
		s = u;
	}
	store_list_cleanup(&l);
	return s;
}

static void
test_expect(struct store *st, const char *text, enum store_sort sort,
    const char *want)
{
	struct store_filter f = { .group = NULL };
	char *got;

	f.text = text;
	f.sort = sort;
	f.now = NOW;
	got = test_names(st, &f);
	if (strcmp(got, want) != 0)
		print_error("filter \"%s\" sort %s: got \"%s\", want \"%s\"\n",
		    text != NULL ? text : "", store_sort_str(sort), got, want);
	assert_string_equal(got, want);
	free(got);
}

static void
test_store_filter_terms(void **state)
{
	struct store *st = *state;

	test_fleet(st);
	test_expect(st, NULL, STORE_SORT_NAME,
	    "m-expired m-never m-ok w-auth w-down w-fine");
	/* Plain words keep their meaning: name, group, address. */
	test_expect(st, "W-", STORE_SORT_NAME, "w-auth w-down w-fine");
	test_expect(st, "mail", STORE_SORT_NAME, "m-expired m-never m-ok");
	test_expect(st, "w2.example", STORE_SORT_NAME, "w-down");
	test_expect(st, "status:failed", STORE_SORT_NAME, "w-auth w-down");
	test_expect(st, "status:ok", STORE_SORT_NAME, "m-expired m-ok w-fine");
	test_expect(st, "status:untested", STORE_SORT_NAME, "m-never");
	test_expect(st, "status:Auth_Failed", STORE_SORT_NAME, "w-auth");
	test_expect(st, "status:cert_expired", STORE_SORT_NAME, "");
	test_expect(st, "group:WEB", STORE_SORT_NAME, "w-auth w-down w-fine");
	test_expect(st, "group:we", STORE_SORT_NAME, "");
	test_expect(st, "group:", STORE_SORT_NAME, "");
	/* Days left: m-expired -3 (rounded down), w-auth 12, m-ok 45,
	 * w-fine 100; w-down and m-never unknown. */
	test_expect(st, "cert<30", STORE_SORT_NAME, "m-expired w-auth");
	test_expect(st, "cert<12", STORE_SORT_NAME, "m-expired");
	test_expect(st, "cert<=12", STORE_SORT_NAME, "m-expired w-auth");
	test_expect(st, "cert<0", STORE_SORT_NAME, "m-expired");
	test_expect(st, "cert<-3", STORE_SORT_NAME, "");
	test_expect(st, "cert<=-3", STORE_SORT_NAME, "m-expired");
	test_expect(st, "cert>45", STORE_SORT_NAME, "w-fine");
	test_expect(st, "cert>=45", STORE_SORT_NAME, "m-ok w-fine");
	test_expect(st, "cert<1000", STORE_SORT_NAME,
	    "m-expired m-ok w-auth w-fine");
	/* Never tested, or the last test longer ago than that. */
	test_expect(st, "untested>7d", STORE_SORT_NAME,
	    "m-expired m-never w-down");
	test_expect(st, "untested>2d", STORE_SORT_NAME,
	    "m-expired m-never w-auth w-down");
	test_expect(st, "untested>60h", STORE_SORT_NAME,
	    "m-expired m-never w-auth w-down");
	test_expect(st, "untested>1w", STORE_SORT_NAME,
	    "m-expired m-never w-down");
	test_expect(st, "untested>2h", STORE_SORT_NAME,
	    "m-expired m-never w-auth w-down");
	/* Terms together: each must hold. */
	test_expect(st, "status:failed cert<30", STORE_SORT_NAME, "w-auth");
	test_expect(st, "cert<30 group:mail", STORE_SORT_NAME, "m-expired");
	test_expect(st, "w- untested>7d", STORE_SORT_NAME, "w-down");
	test_expect(st, "example.com status:ok", STORE_SORT_NAME, "w-fine");
	test_expect(st, "status:ok status:failed", STORE_SORT_NAME, "");
}

static void
test_store_filter_cert_column(void **state)
{
	struct store *st = *state;
	struct store_filter f = { .group = "mail" };
	struct store_list l;

	test_fleet(st);
	assert_int_equal(store_list_page(st, &f, 0, 10, &l, NULL), PC_OK);
	assert_int_equal(l.n, 3);
	assert_non_null(l.cert_not_after);
	assert_int_equal(l.cert_not_after[0], NOW - 3 * DAY + 3600);
	assert_int_equal(l.cert_not_after[1], 0);	/* never tested */
	/* The newest result's, not the older one's. */
	assert_int_equal(l.cert_not_after[2], NOW + 45 * DAY + 3600);
	store_list_cleanup(&l);
	f.group = "web";
	assert_int_equal(store_list_page(st, &f, 1, 1, &l, NULL), PC_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->name, "w-down");
	assert_int_equal(l.cert_not_after[0], 0);	/* newest saw none */
	store_list_cleanup(&l);
	/* Other listings do not carry it. */
	assert_int_equal(store_list(st, NULL, false, &l, NULL), PC_OK);
	assert_null(l.cert_not_after);
	store_list_cleanup(&l);
}

static void
test_store_filter_sorts(void **state)
{
	struct store *st = *state;
	struct store_filter f = { .group = NULL };
	int64_t pos;

	test_fleet(st);
	/* Within each group: failed first, then never tested, then ok. */
	test_expect(st, NULL, STORE_SORT_RESULT,
	    "m-never m-expired m-ok w-auth w-down w-fine");
	/* Soonest certificate end first, unknown last. */
	test_expect(st, NULL, STORE_SORT_CERT,
	    "m-expired m-ok m-never w-auth w-fine w-down");
	/* Never tested first, then the oldest test. */
	test_expect(st, NULL, STORE_SORT_AGE,
	    "m-never m-expired m-ok w-down w-auth w-fine");
	/* A sort with a filter. */
	test_expect(st, "cert<1000", STORE_SORT_CERT,
	    "m-expired m-ok w-auth w-fine");
	test_expect(st, "status:failed", STORE_SORT_AGE, "w-down w-auth");
	/* Pages slice the sorted listing. */
	f.sort = STORE_SORT_AGE;
	f.now = NOW;
	{
		struct store_list l;

		assert_int_equal(store_list_page(st, &f, 3, 2, &l, NULL),
		    PC_OK);
		assert_int_equal(l.n, 2);
		assert_string_equal(l.v[0]->name, "w-down");
		assert_string_equal(l.v[1]->name, "w-auth");
		store_list_cleanup(&l);
	}
	/* The whole order as row ids, then pages read by id in it. */
	{
		struct store_list l;
		int64_t *ids, n, drop[3];

		assert_int_equal(store_list_ids(st, &f, &ids, &n, NULL),
		    PC_OK);
		assert_int_equal(n, 6);
		assert_int_equal(store_list_by_ids(st, ids + 3, 3, &l, NULL),
		    PC_OK);
		assert_int_equal(l.n, 3);
		assert_string_equal(l.v[0]->name, "w-down");
		assert_string_equal(l.v[1]->name, "w-auth");
		assert_string_equal(l.v[2]->name, "w-fine");
		assert_int_equal(l.cert_not_after[1], NOW + 12 * DAY + 60);
		store_list_cleanup(&l);
		/* A profile removed since is left out; the order stays. */
		assert_int_equal(store_remove(st, "w-auth", NULL), PC_OK);
		memcpy(drop, ids + 3, sizeof drop);
		assert_int_equal(store_list_by_ids(st, drop, 3, &l, NULL),
		    PC_OK);
		assert_int_equal(l.n, 2);
		assert_string_equal(l.v[0]->name, "w-down");
		assert_string_equal(l.v[1]->name, "w-fine");
		store_list_cleanup(&l);
		free(ids);
		f.text = "status:failed";
		assert_int_equal(store_list_ids(st, &f, &ids, &n, NULL),
		    PC_OK);
		assert_int_equal(n, 1);
		free(ids);
		f.text = NULL;
		test_add(st, "w-auth", "web", "w1.example.com");
		test_result(st, "w-auth", 3 * DAY, "auth_failed",
		    NOW + 12 * DAY + 60);
	}
	/* Positions follow the sort (the list keeps its cursor with them). */
	assert_int_equal(store_position(st, &f, "M-NEVER", &pos, NULL), PC_OK);
	assert_int_equal(pos, 0);
	assert_int_equal(store_position(st, &f, "w-fine", &pos, NULL), PC_OK);
	assert_int_equal(pos, 5);
	f.sort = STORE_SORT_CERT;
	assert_int_equal(store_position(st, &f, "w-fine", &pos, NULL), PC_OK);
	assert_int_equal(pos, 4);
	assert_int_equal(store_position(st, &f, "m-never", &pos, NULL), PC_OK);
	assert_int_equal(pos, 2);
	f.text = "status:failed";
	assert_int_equal(store_position(st, &f, "w-down", &pos, NULL), PC_OK);
	assert_int_equal(pos, 1);
	assert_int_equal(store_position(st, &f, "w-fine", &pos, NULL),
	    PC_E_NOTFOUND);
	f.sort = STORE_SORT_NAME;
	assert_int_equal(store_position(st, &f, "w-down", &pos, NULL), PC_OK);
	assert_int_equal(pos, 1);
}

static void
test_store_filter_invalid(void **state)
{
	struct store *st = *state;
	struct store_filter f = { .group = NULL };
	struct store_list l;
	char *cause = NULL;
	int64_t n;

	test_fleet(st);
	f.text = "web cert<soon";
	assert_int_equal(store_count_filter(st, &f, &n, &cause), PC_E_INVALID);
	assert_string_equal(cause, "cert< needs a number of days: cert<soon");
	free(cause);
	cause = NULL;
	assert_int_equal(store_list_page(st, &f, 0, 10, &l, &cause),
	    PC_E_INVALID);
	assert_int_equal(l.n, 0);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	assert_int_equal(store_position(st, &f, "w-auth", &n, &cause),
	    PC_E_INVALID);
	free(cause);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_filter_parse_terms),
		cmocka_unit_test(test_store_filter_parse_refusals),
		T(test_store_filter_terms),
		T(test_store_filter_cert_column),
		T(test_store_filter_sorts),
		T(test_store_filter_invalid),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
