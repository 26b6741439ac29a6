/*
 * test_cli_exit.c - the CLI's exit statuses and error lines (PRODUCT.md
 * section 4), in-process: a group with no profile and a history name that
 * never was are "not found" (3) with one line on standard error; a
 * conflict is 5, not 4 (database error); a bulk-set value that breaks every
 * target counts and names each profile.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/cli_int.h"
#include "popconn/cli.h"
#include "popconn/xmalloc.h"

static char dir[] = "/tmp/popconn-test-cli-exit-XXXXXX";
static char *db;
static char *err_text;		/* what the last pc() wrote on stderr */
static char *out_text;		/* and on stdout */

static char *
test_read_file(const char *p)
{
	FILE *f;
	char *s;
	long n;

	f = fopen(p, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	s = xmalloc((size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* Point descriptor fd at a new file; returns the saved descriptor. */
static int
test_catch(int fd, const char *p)
{
	int saved, f;

	saved = dup(fd);
	f = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && f >= 0);
	assert_true(dup2(f, fd) >= 0);
	close(f);
	return saved;
}

/* Run popconn --db DB ARGS..., catching stdout and stderr. */
static int
pc(const char *first, ...)
{
	char *argv[32], *errp, *outp;
	const char *a;
	va_list ap;
	int argc = 0, i, rc, saved_out, saved_err;

	argv[argc++] = xstrdup("popconn");
	argv[argc++] = xstrdup("--db");
	argv[argc++] = xstrdup(db);
	argv[argc++] = xstrdup(first);
	va_start(ap, first);
	while (argc < 31 && (a = va_arg(ap, const char *)) != NULL)
		argv[argc++] = xstrdup(a);
	va_end(ap);
	argv[argc] = NULL;
	errp = xasprintf("%s/stderr", dir);
	outp = xasprintf("%s/stdout", dir);
	fflush(stdout);
	fflush(stderr);
	saved_out = test_catch(STDOUT_FILENO, outp);
	saved_err = test_catch(STDERR_FILENO, errp);
	rc = cli_main(argc, argv, NULL);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(saved_out, STDOUT_FILENO) >= 0);
	assert_true(dup2(saved_err, STDERR_FILENO) >= 0);
	close(saved_out);
	close(saved_err);
	free(err_text);
	free(out_text);
	err_text = test_read_file(errp);
	out_text = test_read_file(outp);
	free(errp);
	free(outp);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return rc;
}

static int
test_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

static int
setup(void **state)
{
	char *cfg;

	(void)state;
	assert_non_null(mkdtemp(dir));
	cfg = xasprintf("%s/config", dir);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	unsetenv("POPCONN_KEY");
	free(cfg);
	db = xasprintf("%s/pc.db", dir);
	assert_int_equal(pc("add", "n1", "group=north",
	    "address=pop.example.com", NULL), 0);
	assert_int_equal(pc("add", "s1", "group=south",
	    "address=pop1.example.com", NULL), 0);
	assert_int_equal(pc("add", "s2", "group=south",
	    "address=pop2.example.com", NULL), 0);
	assert_int_equal(pc("add", "s3", "group=south",
	    "address=pop3.example.com", NULL), 0);
	assert_int_equal(pc("add", "s4", "group=south",
	    "address=pop4.example.com", NULL), 0);
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
	free(db);
	free(err_text);
	free(out_text);
	return 0;
}

static void
test_cli_exit_statuses(void **state)
{
	(void)state;
	assert_int_equal(cli_exit_for(PC_OK), 0);
	assert_int_equal(cli_exit_for(PC_E_INVALID), 2);
	assert_int_equal(cli_exit_for(PC_E_EXISTS), 2);
	assert_int_equal(cli_exit_for(PC_E_NOTFOUND), 3);
	assert_int_equal(cli_exit_for(PC_E_DB), 4);
	/* Someone else changed it first: 5, never "database error". */
	assert_int_equal(cli_exit_for(PC_E_CONFLICT), 5);
	assert_int_equal(CLI_EXIT_CONFLICT, 5);
}

static void
test_cli_exit_group_not_found(void **state)
{
	(void)state;
	assert_int_equal(pc("list", "--group", "nosuch", NULL), 3);
	assert_string_equal(err_text,
	    "popconn: group 'nosuch' has no profiles\n");
	assert_int_equal(pc("list", "--group", "nosuch", "--json", NULL), 3);
	assert_int_equal(test_lines(err_text), 1);
	assert_int_equal(pc("export", "--group", "nosuch", NULL), 3);
	assert_string_equal(err_text,
	    "popconn: group 'nosuch' has no profiles\n");
	/* Every profile here has a group. */
	assert_int_equal(pc("list", "--group", "", NULL), 3);
	assert_string_equal(err_text,
	    "popconn: there is no profile without a group\n");
	assert_string_equal(out_text, "");
	/* A group that exists still lists, silently on stderr. */
	assert_int_equal(pc("list", "--group", "south", NULL), 0);
	assert_string_equal(err_text, "");
	assert_non_null(strstr(out_text, "s4"));
	assert_null(strstr(out_text, "n1"));
	assert_int_equal(pc("export", "--group", "north", NULL), 0);
	assert_string_equal(err_text, "");
	/* An empty database lists nothing, and that is no error. */
	{
		char *keep = db;

		db = xasprintf("%s/empty.db", dir);
		assert_int_equal(pc("list", NULL), 0);
		assert_string_equal(err_text, "");
		free(db);
		db = keep;
	}
}

static void
test_cli_exit_history_not_found(void **state)
{
	(void)state;
	assert_int_equal(pc("history", "nosuch", NULL), 3);
	assert_string_equal(err_text, "popconn: no profile named 'nosuch' and "
	    "no history for that name\n");
	assert_int_equal(pc("history", "s1", NULL), 0);
	assert_string_equal(err_text, "");
	/* A removed profile keeps its history. */
	assert_int_equal(pc("add", "gone", "address=pop.example.com", NULL),
	    0);
	assert_int_equal(pc("rm", "gone", NULL), 0);
	assert_int_equal(pc("history", "gone", NULL), 0);
	assert_string_equal(err_text, "");
}

static void
test_cli_exit_bulk_set_counts_every_profile(void **state)
{
	const char *want[] = { "s1", "s2", "s3", "s4" };
	char *line, *p;
	int i;

	(void)state;
	assert_int_equal(pc("bulk-set", "--group", "south", "port=70000",
	    NULL), 2);
	/* One line per profile naming it and the field, then the count. */
	assert_int_equal(test_lines(err_text), 5);
	p = err_text;
	for (i = 0; i < 4; i++) {
		line = xasprintf("popconn: profile '%s': port", want[i]);
		assert_non_null(strstr(p, line));
		p = strstr(p, line) + strlen(line);
		free(line);
	}
	assert_non_null(strstr(err_text,
	    "nothing changed (4 profiles would be invalid)\n"));
	assert_int_equal(pc("bulk-set", "--group", "south", "port=70000",
	    "--dry-run", NULL), 2);
	assert_non_null(strstr(err_text, "(4 profiles would be invalid)"));
	/* Named profiles: exactly those. */
	assert_int_equal(pc("bulk-set", "s2", "n1", "timeout=0", NULL), 2);
	assert_int_equal(test_lines(err_text), 3);
	assert_non_null(strstr(err_text, "profile 's2': timeout"));
	assert_non_null(strstr(err_text, "profile 'n1': timeout"));
	assert_non_null(strstr(err_text, "(2 profiles would be invalid)"));
	/* Nothing changed, nothing printed on stdout. */
	assert_string_equal(out_text, "");
	assert_int_equal(pc("list", "--group", "south", NULL), 0);
	assert_null(strstr(out_text, "70000"));
	assert_non_null(strstr(out_text, "  995 ssl"));
	assert_int_equal(pc("bulk-set", "--group", "nosuch", "port=70000",
	    NULL), 3);
	assert_string_equal(err_text,
	    "popconn: there is no profile in group 'nosuch'\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_exit_statuses),
		cmocka_unit_test(test_cli_exit_group_not_found),
		cmocka_unit_test(test_cli_exit_history_not_found),
		cmocka_unit_test(test_cli_exit_bulk_set_counts_every_profile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
