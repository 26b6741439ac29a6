/*
 * test_store_next.c - store_list_next, the keyset pages a group test reads
 * its profiles by: every profile of the group once, in name order
 * (case-insensitive), secrets loaded, other groups never, and a profile
 * added behind the cursor during the run not seen twice.
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

#define TEST_PW		"Next-Page-Passw0rd"

static void
test_add(struct store *st, const char *name, const char *group)
{
	struct profile *p = profile_new();

	assert_int_equal(profile_field_set(p, "name", name, NULL), PC_OK);
	if (group != NULL)
		assert_int_equal(profile_field_set(p, "group", group, NULL),
		    PC_OK);
	assert_int_equal(profile_field_set(p, "address", "pop.example.com",
	    NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "password", TEST_PW, NULL),
	    PC_OK);
	assert_int_equal(store_add(st, p, NULL), PC_OK);
	profile_free(p);
}

static int
test_setup(void **state)
{
	struct store_opts o = { ":memory:", NULL, "tester", 0, NULL, false };
	struct store *st = NULL;

	assert_int_equal(store_open(&o, &st, NULL), PC_OK);
	*state = st;
	return 0;
}

static int
test_teardown(void **state)
{
	store_close(*state);
	return 0;
}

/* Every name of group read through pages of limit, joined by ' '. */
static char *
test_walk(struct store *st, const char *group, int limit, int *pages)
{
	struct store_list l;
	char out[4096] = "", *after = NULL;
	int i;

	*pages = 0;
	for (;;) {
		assert_int_equal(store_list_next(st, group, after, limit, &l,
		    NULL), PC_OK);
		if (l.n == 0)
			break;
		assert_true(l.n <= limit);
		/* A cursor that does not move would loop forever. */
		assert_true(++*pages <= 100);
		for (i = 0; i < l.n; i++) {
			/* Loaded with its secret: ready for a logon. */
			assert_string_equal(l.v[i]->password, TEST_PW);
			strcat(out, *out ? " " : "");
			strcat(out, l.v[i]->name);
		}
		xstr_replace(&after, l.v[l.n - 1]->name);
		store_list_cleanup(&l);
	}
	free(after);
	return xstrdup(out);
}

static void
test_store_next_pages(void **state)
{
	struct store *st = *state;
	char *names;
	int pages;

	test_add(st, "b2", "Team");
	test_add(st, "A1", "team");
	test_add(st, "c3", "TEAM");
	test_add(st, "a0", "team");
	test_add(st, "other", "elsewhere");
	test_add(st, "lone", NULL);
	test_add(st, "B1", "team");

	names = test_walk(st, "team", 2, &pages);
	assert_string_equal(names, "a0 A1 B1 b2 c3");
	assert_int_equal(pages, 3);
	free(names);
	names = test_walk(st, "TEAM", 100, &pages);
	assert_string_equal(names, "a0 A1 B1 b2 c3");
	assert_int_equal(pages, 1);
	free(names);
	/* "" is the profiles without a group. */
	names = test_walk(st, "", 1, &pages);
	assert_string_equal(names, "lone");
	free(names);
	names = test_walk(st, "nobody", 5, &pages);
	assert_string_equal(names, "");
	assert_int_equal(pages, 0);
	free(names);
}

static void
test_store_next_added_during_run(void **state)
{
	struct store *st = *state;
	struct store_list l;

	test_add(st, "m1", "g");
	test_add(st, "m3", "g");
	assert_int_equal(store_list_next(st, "g", NULL, 1, &l, NULL), PC_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->name, "m1");
	store_list_cleanup(&l);
	/* Added behind the cursor: not in this run; ahead of it: seen. */
	test_add(st, "m0", "g");
	test_add(st, "m2", "g");
	assert_int_equal(store_list_next(st, "g", "m1", 10, &l, NULL), PC_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0]->name, "m2");
	assert_string_equal(l.v[1]->name, "m3");
	store_list_cleanup(&l);
	/* Limit 0: nothing, no error. */
	assert_int_equal(store_list_next(st, "g", NULL, 0, &l, NULL), PC_OK);
	assert_int_equal(l.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_next_pages,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_next_added_during_run, test_setup,
		    test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
