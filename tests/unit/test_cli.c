/*
 * test_cli.c - the CLI's import and export, in-process: a JSON and a CSV
 * round trip keep every field, and an import with bad records changes
 * nothing and names each bad record's line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "popconn/cli.h"
#include "popconn/profile.h"
#include "popconn/store.h"
#include "popconn/xmalloc.h"

static char dir[] = "/tmp/popconn-test-cli-XXXXXX";

static int
pc(const char *db, ...)
{
	char *argv[32];
	const char *a;
	va_list ap;
	int argc = 0, i, rc;

	/* Writable copies, as a real argv is (FIELD=VALUE is split in place). */
	argv[argc++] = xstrdup("popconn");
	argv[argc++] = xstrdup("--db");
	argv[argc++] = xstrdup(db);
	va_start(ap, db);
	while (argc < 31 && (a = va_arg(ap, const char *)) != NULL)
		argv[argc++] = xstrdup(a);
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	rc = cli_main(argc, argv, NULL);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return rc;
}

static char *
path(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static struct store *
open_db(const char *db)
{
	struct store_opts o = { 0 };
	struct store *st = NULL;
	char *key = path("config/popconn/key");

	o.db_path = db;
	o.key_path = key;
	o.os_user = "test";
	assert_int_equal(store_open(&o, &st, NULL), PC_OK);
	free(key);
	return st;
}

static int
setup(void **state)
{
	char *cfg;

	(void)state;
	assert_non_null(mkdtemp(dir));
	cfg = path("config");
	setenv("XDG_CONFIG_HOME", cfg, 1);
	unsetenv("POPCONN_KEY");
	free(cfg);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* Every non-secret field of every profile is the same in both stores. */
static void
assert_same_profiles(const char *a, const char *b)
{
	struct store *sa = open_db(a), *sb = open_db(b);
	struct store_list la = { 0 }, lb = { 0 };
	const struct prof_field *f;
	int i, j, n;

	assert_int_equal(store_list(sa, NULL, false, &la, NULL), PC_OK);
	assert_int_equal(store_list(sb, NULL, false, &lb, NULL), PC_OK);
	assert_int_equal(la.n, lb.n);
	f = profile_fields(&n);
	for (i = 0; i < la.n; i++)
		for (j = 0; j < n; j++)
			if (f[j].type != PROF_F_SECRET &&
			    profile_field_differs(la.v[i], lb.v[i], f[j].key))
				fail_msg("%s: %s differs", la.v[i]->name,
				    f[j].key);
	store_list_cleanup(&la);
	store_list_cleanup(&lb);
	store_close(sa);
	store_close(sb);
}

static void
test_cli_export_import_roundtrip(void **state)
{
	char *src = path("src.db"), *js = path("all.json"),
	    *csv = path("all.csv"), *dj = path("from-json.db"),
	    *dc = path("from-csv.db");

	(void)state;
	assert_int_equal(pc(src, "add", "a", "address=pop.example.com",
	    "group=g1", "timeout=77", "codepage=1252", "security=tls",
	    "tls_versions=tls1.2", "auth=cram-md5", "username=al,ice \"q\"",
	    NULL), 0);
	assert_int_equal(pc(src, "add", "b", "address=::1", "port=2995",
	    "tls_verify=pin", "tls_pin=" "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef", "proxy_type=http",
	    "proxy_address=proxy.example.com", "proxy_port=3128",
	    "proxy_auth=yes", "proxy_username=px", "proxy_domain=CORP",
	    "allow_plaintext=yes", NULL), 0);
	assert_int_equal(pc(src, "add", "c", "--preset", "gmail",
	    "oauth_token_cmd=printf '%s' tok", "group=", NULL), 0);
	assert_int_equal(pc(src, "export", "-o", js, NULL), 0);
	assert_int_equal(pc(src, "export", "-o", csv, NULL), 0);
	assert_int_equal(pc(dj, "import", js, NULL), 0);
	assert_int_equal(pc(dc, "import", csv, NULL), 0);
	assert_same_profiles(src, dj);
	assert_same_profiles(src, dc);
	/* Importing the same file again replaces, it does not duplicate. */
	assert_int_equal(pc(dj, "import", js, NULL), 0);
	assert_same_profiles(src, dj);
	free(src);
	free(js);
	free(csv);
	free(dj);
	free(dc);
}

static void
test_cli_import_rejection_changes_nothing(void **state)
{
	char *db = path("rej.db"), *bad = path("bad.json"),
	    *badcsv = path("bad.csv"), *before = path("before.json"),
	    *after = path("after.json"), *cmd;
	FILE *f;

	(void)state;
	assert_int_equal(pc(db, "add", "keep", "address=pop.example.com",
	    "timeout=10", NULL), 0);
	assert_int_equal(pc(db, "export", "-o", before, NULL), 0);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("[\n{\"name\":\"new1\",\"address\":\"pop.example.com\"},\n"
	    "{\"name\":\"keep\",\"address\":\"pop.example.com\","
	    "\"timeout\":20},\n"
	    "{\"name\":\"bad\",\"address\":\"pop.example.com\","
	    "\"port\":0},\n"
	    "{\"name\":\"new1\",\"address\":\"pop.example.com\"}\n]\n", f);
	fclose(f);
	assert_int_equal(pc(db, "import", bad, NULL), 2);
	f = fopen(badcsv, "w");
	assert_non_null(f);
	fputs("name,address,timeout\nnew2,pop.example.com,5\n"
	    "keep,pop.example.com,0\n", f);
	fclose(f);
	assert_int_equal(pc(db, "import", badcsv, NULL), 2);
	assert_int_equal(pc(db, "export", "-o", after, NULL), 0);
	cmd = xasprintf("cmp -s '%s' '%s'", before, after);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(pc(db, "show", "new1", NULL), 3);
	assert_int_equal(pc(db, "show", "new2", NULL), 3);
	free(db);
	free(bad);
	free(badcsv);
	free(before);
	free(after);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_export_import_roundtrip),
		cmocka_unit_test(test_cli_import_rejection_changes_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
