/*
 * test_codepage.c - the conversions of codepage.c: server text displayed
 * from a code page (decoded, escaped, undecodable bytes as \xNN) and
 * credentials encoded to one (refused when a character does not fit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "popconn/codepage.h"
#include "popconn/xmalloc.h"

static void
display_is(int number, const char *in, size_t len, const char *want)
{
	char *s;

	s = codepage_display(number, in, len);
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void
test_codepage_display(void **state)
{
	display_is(1252, "\x80 caf\xe9", 6, "\xe2\x82\xac caf\xc3\xa9");
	display_is(866, "\x8f\xe0\xa8", 3, "\xd0\x9f\xd1\x80\xd0\xb8");
	display_is(932, "\x93\xfa\x96\x7b", 4, "\xe6\x97\xa5\xe6\x9c\xac");
	display_is(50220, "\x1b$B$3\x1b(B!", 9, "\xe3\x81\x93!");
	/* ASCII cannot hold 0xE9: shown as an escape, the rest decoded. */
	display_is(20127, "a\xe9" "b", 3, "a\\xE9b");
	/* Control characters and backslashes are escaped as str_escape. */
	display_is(1252, "a\x1b[2Jb\\", 7, "a\\x1b[2Jb\\\\");
	display_is(65001, "caf\xc3\xa9", 5, "caf\xc3\xa9");
	/* A multi-byte sequence cut short at the end. */
	display_is(932, "ok\x93", 3, "ok\\x93");
	assert_null(codepage_display(12345, "x", 1));
}

static void
test_codepage_encode(void **state)
{
	char *out = NULL, *cause = NULL;
	size_t n = 0;

	assert_int_equal(codepage_encode(1252, "caf\xc3\xa9 \xe2\x82\xac", 9,
	    &out, &n, &cause), PC_OK);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "caf\xe9 \x80", 6);
	xfreezero(out, n);
	assert_int_equal(codepage_encode(932, "\xe6\x97\xa5", 3, &out, &n,
	    &cause), PC_OK);
	assert_memory_equal(out, "\x93\xfa", 2);
	xfreezero(out, n);

	/* The euro sign is not in ISO-8859-1: refused, nothing out. */
	out = NULL;
	assert_int_equal(codepage_encode(28591, "pw\xe2\x82\xac", 5, &out, &n,
	    &cause), PC_E_INVALID);
	assert_null(out);
	assert_non_null(strstr(cause, "byte 3"));
	assert_null(strstr(cause, "\xe2\x82\xac"));
	free(cause);
	/* Not UTF-8 at all. */
	cause = NULL;
	assert_int_equal(codepage_encode(1252, "\xff", 1, &out, &n, &cause),
	    PC_E_INVALID);
	free(cause);
	cause = NULL;
	assert_int_equal(codepage_encode(4711, "a", 1, &out, &n, &cause),
	    PC_E_INVALID);
	free(cause);
}

/* Every page of the table is one iconv can use, both ways. */
static void
test_codepage_table_usable(void **state)
{
	const struct codepage *cp;
	char *out, *cause, *s;
	size_t n;
	int i, count;

	cp = codepage_all(&count);
	for (i = 0; i < count; i++) {
		out = cause = NULL;
		if (codepage_encode(cp[i].number, "A1", 2, &out, &n, &cause) !=
		    PC_OK)
			fail_msg("%d: %s", cp[i].number, cause);
		s = codepage_display(cp[i].number, out, n);
		assert_string_equal(s, "A1");
		free(s);
		xfreezero(out, n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codepage_display),
		cmocka_unit_test(test_codepage_encode),
		cmocka_unit_test(test_codepage_table_usable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
