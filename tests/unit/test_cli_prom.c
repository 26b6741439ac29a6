/*
 * test_cli_prom.c - the Prometheus file of test --prom (cli_prom.c):
 * label values escaped per the text format (backslash, double quote,
 * newline; invalid UTF-8 replaced), certificate dates read as Unix times,
 * the file's families and samples, the atomic replacement (no temporary
 * file left, mode 0644), and the refusals that leave the old file as it
 * was.  promtool and node_exporter read real files in
 * tests/integ/prom.sh.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/cli_prom_int.h"
#include "popconn/xmalloc.h"

static char dir[] = "/tmp/popconn-test-prom-XXXXXX";
/* Writable strings for the char * members of a logon_result. */
static char m_plain[] = "PLAIN", m_user[] = "USER", v_tls13[] = "TLSv1.3";
static char t_after[] = "2029-03-11 17:14:23 UTC";

static void
test_label_is(const char *in, const char *want)
{
	char *got = cli_prom_label(in);

	assert_string_equal(got, want);
	free(got);
}

static void
test_cli_prom_label_escapes(void **state)
{
	(void)state;
	test_label_is("plain-name_1", "plain-name_1");
	test_label_is("a\\b", "a\\\\b");
	test_label_is("say \"hi\"", "say \\\"hi\\\"");
	test_label_is("two\nlines", "two\\nlines");
	test_label_is("\\\"\n", "\\\\\\\"\\n");
	test_label_is("Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x93\xa7",
	    "Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x93\xa7");
	/* Not UTF-8: a lone byte, an overlong '/', a surrogate, a cut
	 * sequence; each bad byte becomes U+FFFD. */
	test_label_is("a\xff" "b", "a\xef\xbf\xbd" "b");
	test_label_is("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	test_label_is("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	test_label_is("x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd");
	test_label_is("", "");
}

static void
test_cli_prom_time_parses(void **state)
{
	(void)state;
	assert_int_equal(cli_prom_time("2029-03-11 17:14:23 UTC"),
	    1867943663);
	assert_int_equal(cli_prom_time("1970-01-01 00:00:00 UTC"), 0);
	assert_int_equal(cli_prom_time("?"), -1);
	assert_int_equal(cli_prom_time(NULL), -1);
	assert_int_equal(cli_prom_time("2029-03-11 17:14:23"), -1);
	assert_int_equal(cli_prom_time("2029-03-11 17:14:23 UTC!"), -1);
	assert_int_equal(cli_prom_time("2029-13-11 17:14:23 UTC"), -1);
}

static struct profile *
test_profile(const char *name, const char *group)
{
	struct profile *p = profile_new();

	assert_int_equal(profile_field_set(p, "name", name, NULL), PC_OK);
	if (group != NULL)
		assert_int_equal(profile_field_set(p, "group", group, NULL),
		    PC_OK);
	return p;
}

static char *
test_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = xmalloc((size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* Entries in dir other than . and .. */
static int
test_dir_entries(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_contains(const char *text, const char *line)
{
	if (strstr(text, line) == NULL)
		fail_msg("the file lacks: %s", line);
}

static void
test_cli_prom_file(void **state)
{
	struct logon_result ok, bad;
	struct profile *p1, *p2;
	struct cli_prom *pm;
	struct stat sb;
	char *path, *text, *cause = NULL;
	const char *family[] = { "popconn_logon_success",
	    "popconn_logon_duration_seconds",
	    "popconn_cert_not_after_timestamp_seconds",
	    "popconn_logon_info", "popconn_last_test_timestamp_seconds" };
	size_t i;

	(void)state;
	path = xasprintf("%s/popconn.prom", dir);
	memset(&ok, 0, sizeof ok);
	ok.diag = DIAG_OK;
	ok.elapsed_ms = 32;
	ok.method = m_plain;
	ok.have_tls = true;
	ok.tls.version = v_tls13;
	ok.tls.not_after = t_after;
	memset(&bad, 0, sizeof bad);
	bad.diag = DIAG_AUTH_FAILED;
	bad.elapsed_ms = 2041;
	bad.method = m_user;
	p1 = test_profile("ok \"one\"", "branch\\office");
	p2 = test_profile("bad", "branch\\office");

	pm = cli_prom_open(path, &cause);
	assert_non_null(pm);
	assert_null(cause);
	/* The temporary file is made at once, beside the target. */
	assert_int_equal(test_dir_entries(), 1);
	cli_prom_add(pm, p2, &bad, 1796000000.25);
	cli_prom_add(pm, p1, &ok, 1796000001.5);
	assert_int_equal(cli_prom_commit(pm, &cause), PC_OK);
	cli_prom_free(pm);
	assert_int_equal(test_dir_entries(), 1);	/* just the file */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	text = test_slurp(path);
	for (i = 0; i < sizeof family / sizeof *family; i++) {
		char *l = xasprintf("# HELP %s ", family[i]);
		char *t = xasprintf("# TYPE %s gauge\n", family[i]);

		test_contains(text, l);
		test_contains(text, t);
		free(l);
		free(t);
	}
	test_contains(text, "popconn_logon_success{profile=\"ok \\\"one\\\"\","
	    "group=\"branch\\\\office\"} 1\n");
	test_contains(text, "popconn_logon_success{profile=\"bad\","
	    "group=\"branch\\\\office\"} 0\n");
	test_contains(text, "popconn_logon_duration_seconds{profile=\"bad\","
	    "group=\"branch\\\\office\"} 2.041\n");
	test_contains(text, "popconn_cert_not_after_timestamp_seconds{profile="
	    "\"ok \\\"one\\\"\",group=\"branch\\\\office\"} 1867943663\n");
	/* No certificate seen: no sample for it. */
	assert_null(strstr(text, "popconn_cert_not_after_timestamp_seconds{"
	    "profile=\"bad\""));
	test_contains(text, "popconn_logon_info{profile=\"bad\",group=\"branch"
	    "\\\\office\",diagnosis=\"auth_failed\",method=\"USER\","
	    "tls_version=\"\"} 1\n");
	test_contains(text, "popconn_logon_info{profile=\"ok \\\"one\\\"\","
	    "group=\"branch\\\\office\",diagnosis=\"ok\",method=\"PLAIN\","
	    "tls_version=\"TLSv1.3\"} 1\n");
	test_contains(text, "popconn_last_test_timestamp_seconds{profile="
	    "\"bad\",group=\"branch\\\\office\"} 1796000000.250\n");
	test_contains(text, "popconn_group_profiles_tested{group=\"branch"
	    "\\\\office\"} 2\n");
	test_contains(text, "popconn_group_profiles_failed{group=\"branch"
	    "\\\\office\"} 1\n");
	/* Sorted by profile: "bad" before "ok ...". */
	assert_true(strstr(text, "success{profile=\"bad\"") <
	    strstr(text, "success{profile=\"ok"));
	free(text);

	/* A second run replaces the file as a whole. */
	pm = cli_prom_open(path, NULL);
	assert_non_null(pm);
	cli_prom_add(pm, p2, &ok, 1796000100.0);
	assert_int_equal(cli_prom_commit(pm, NULL), PC_OK);
	cli_prom_free(pm);
	text = test_slurp(path);
	assert_null(strstr(text, "profile=\"ok"));
	test_contains(text, "popconn_logon_success{profile=\"bad\","
	    "group=\"branch\\\\office\"} 1\n");
	free(text);

	/* A run that is freed without commit leaves nothing behind. */
	pm = cli_prom_open(path, NULL);
	assert_int_equal(test_dir_entries(), 2);
	cli_prom_free(pm);
	assert_int_equal(test_dir_entries(), 1);

	profile_free(p1);
	profile_free(p2);
	unlink(path);
	free(path);
}

static void
test_cli_prom_refusals(void **state)
{
	struct logon_result ok;
	struct profile *p;
	struct cli_prom *pm;
	char *path, *inner, *cause = NULL, *text;
	FILE *f;

	(void)state;
	/* No such directory: refused at open, with the path named. */
	path = xasprintf("%s/missing/popconn.prom", dir);
	assert_null(cli_prom_open(path, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, path));
	free(cause);
	cause = NULL;
	free(path);

	/* A directory where the file should be: refused at open. */
	assert_null(cli_prom_open(dir, &cause));
	assert_non_null(strstr(cause, "not a regular file"));
	free(cause);
	cause = NULL;

	/* The rename fails (a directory took the name during the run): an
	 * error naming the file, the temporary file removed. */
	path = xasprintf("%s/late.prom", dir);
	pm = cli_prom_open(path, NULL);
	assert_non_null(pm);
	assert_int_equal(mkdir(path, 0700), 0);
	inner = xasprintf("%s/keep", path);
	f = fopen(inner, "w");
	assert_non_null(f);
	fputs("old\n", f);
	fclose(f);
	memset(&ok, 0, sizeof ok);
	ok.method = m_plain;
	p = test_profile("x", NULL);
	cli_prom_add(pm, p, &ok, 1.0);
	assert_int_equal(cli_prom_commit(pm, &cause), PC_E_IO);
	assert_non_null(strstr(cause, path));
	assert_non_null(strstr(cause, "unchanged"));
	free(cause);
	cli_prom_free(pm);
	text = test_slurp(inner);
	assert_string_equal(text, "old\n");
	free(text);
	assert_int_equal(test_dir_entries(), 1);	/* only late.prom/ */
	unlink(inner);
	rmdir(path);
	free(inner);
	free(path);
	profile_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_prom_label_escapes),
		cmocka_unit_test(test_cli_prom_time_parses),
		cmocka_unit_test(test_cli_prom_file),
		cmocka_unit_test(test_cli_prom_refusals),
	};
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
