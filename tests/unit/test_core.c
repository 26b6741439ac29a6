/*
 * test_core.c - the core helpers: bounded buffers, escaping of hostile
 * text, base64, integer parsing, the diagnosis table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "popconn/buf.h"
#include "popconn/clock.h"
#include "popconn/diag.h"
#include "popconn/str.h"

static void
test_core_buf_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_addstr(&b, "12345678"), PC_OK);
	assert_int_equal(buf_addstr(&b, "9"), PC_E_INVALID);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	buf_consume(&b, 3);
	assert_string_equal(b.data, "45678");
	assert_int_equal(buf_addf(&b, "%d", 123), PC_OK);
	assert_string_equal(b.data, "45678123");
	buf_cleanup(&b);
	buf_init_secret(&b, 0);
	assert_int_equal(buf_add(&b, "s3cret", 6), PC_OK);
	buf_cleanup(&b);
	assert_null(b.data);
}

static void
test_core_escape(void **state)
{
	char *s;

	(void)state;
	s = str_escape("ok \x1b[2J\x1b]0;pwn\x07 end", 19);
	assert_null(strchr(s, 0x1b));
	assert_null(strchr(s, 0x07));
	assert_string_equal(s, "ok \\x1b[2J\\x1b]0;pwn\\x07 end");
	free(s);
	/* C1 controls as raw bytes and as UTF-8 are both escaped. */
	s = str_escape("a\x9b" "b\xc2\x9b" "c", 6);
	assert_string_equal(s, "a\\x9bb\\xc2\\x9bc");
	free(s);
	/* Valid UTF-8 is kept; NUL is escaped. */
	s = str_escape("caf\xc3\xa9\0x", 7);
	assert_string_equal(s, "caf\xc3\xa9\\x00x");
	free(s);
	assert_true(str_needs_escape("\r", 1));
	assert_false(str_needs_escape("+OK ready", 9));
	/*
	 * Bidirectional and invisible format characters would reorder or
	 * hide text: RLO (U+202E), ZWSP (U+200B), RLI/PDI (U+2067/2069).
	 */
	s = str_escape("+OK \xe2\x80\xae" "cod.exe \xe2\x80\x8b" "x "
	    "\xe2\x81\xa7y\xe2\x81\xa9", 27);
	assert_string_equal(s, "+OK \\u202ecod.exe \\u200bx \\u2067y\\u2069");
	free(s);
	assert_true(str_needs_escape("\xe2\x80\x8f", 3));
	assert_false(str_printable("a\xe2\x80\xae" "b", 5));
	/* Neighbours of the ranges stay: U+2010 (hyphen), U+2070. */
	assert_false(str_needs_escape("\xe2\x80\x90\xe2\x81\xb0", 6));
}

static void
test_core_base64(void **state)
{
	unsigned char *out;
	size_t len;
	char *e;

	(void)state;
	e = b64_encode("\0tim\0tanstaaf", 13);
	assert_string_equal(e, "AHRpbQB0YW5zdGFhZg==");
	assert_int_equal(b64_decode(e, strlen(e), &out, &len), PC_OK);
	assert_int_equal(len, 13);
	assert_memory_equal(out, "\0tim\0tanstaaf", 13);
	free(out);
	free(e);
	e = b64_encode("", 0);
	assert_string_equal(e, "");
	free(e);
	assert_int_equal(b64_decode("Zm9v", 4, &out, &len), PC_OK);
	assert_string_equal((char *)out, "foo");
	free(out);
	assert_int_equal(b64_decode("Zm9", 3, &out, &len), PC_E_INVALID);
	assert_int_equal(b64_decode("Zm9*", 4, &out, &len), PC_E_INVALID);
	assert_int_equal(b64_decode("Zg=a", 4, &out, &len), PC_E_INVALID);
	assert_int_equal(b64_decode("Zh==", 4, &out, &len), PC_E_INVALID);
	assert_int_equal(b64_decode("=Zm9", 4, &out, &len), PC_E_INVALID);
}

static void
test_core_int_and_diag(void **state)
{
	long v;

	(void)state;
	assert_int_equal(str_to_int("42", 1, 100, &v), PC_OK);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_int("101", 1, 100, &v), PC_E_INVALID);
	assert_int_equal(str_to_int("4x", 1, 100, &v), PC_E_INVALID);
	assert_int_equal(str_to_int("", 1, 100, &v), PC_E_INVALID);
	assert_string_equal(diag_key(DIAG_STLS_INJECTION), "stls_injection");
	assert_int_equal(diag_from_key("cert_pin_mismatch"),
	    DIAG_CERT_PIN_MISMATCH);
	for (int i = 0; i < DIAG__COUNT; i++) {
		assert_int_equal(diag_from_key(diag_key((enum diag)i)), i);
		assert_true(strlen(diag_hint((enum diag)i)) > 10);
		assert_string_equal(diag_hint_at((enum diag)i, STEP_NONE),
		    diag_hint((enum diag)i));
	}
	/* A timeout right after the credentials: say servers delay. */
	assert_non_null(strstr(diag_hint_at(DIAG_TIMEOUT, STEP_LOGON),
	    "Servers delay a refused logon"));
	assert_non_null(strstr(diag_hint_at(DIAG_TIMEOUT, STEP_LOGON),
	    "raise the timeout"));
	assert_string_equal(diag_hint_at(DIAG_TIMEOUT, STEP_STAT),
	    diag_hint(DIAG_TIMEOUT));
	assert_string_equal(diag_hint_at(DIAG_AUTH_FAILED, STEP_LOGON),
	    diag_hint(DIAG_AUTH_FAILED));
	assert_non_null(strstr(diag_hint_at(DIAG_AUTH_FAILED,
	    STEP_CREDENTIALS), "code page"));
	assert_non_null(strstr(diag_hint_at(DIAG_TOKEN_FAILED, STEP_OAUTH),
	    "authorization server"));
	/* Step names: what output shows, one for each step but none. */
	assert_null(step_name(STEP_NONE));
	assert_null(step_name(STEP__COUNT));
	assert_string_equal(step_name(STEP_CAPA2), "capa2");
	assert_string_equal(step_name(STEP_CREDENTIALS), "credentials");
	for (int i = 1; i < STEP__COUNT; i++) {
		assert_non_null(step_name((enum step)i));
		for (int j = 1; j < i; j++)
			assert_string_not_equal(step_name((enum step)i),
			    step_name((enum step)j));
	}
	/* The one monotonic clock: ms and us read the same clock. */
	{
		int64_t a = clock_now_us(), m = clock_now_ms();
		int64_t b = clock_now_us();

		assert_true(a > 0 && a <= b);
		assert_true(m >= a / 1000 && m <= b / 1000);
	}
}

/* Column output: widths by terminal columns, cut with an ellipsis. */
static void
test_core_width_fit(void **state)
{
	char *f;

	(void)state;
	assert_int_equal(str_width("abc"), 3);
	assert_int_equal(str_width("Zweigstelle \xc3\x9c"), 13);
	assert_int_equal(str_width("\xe6\x9d\xb1\xe4\xba\xac"), 4);	/* two CJK */
	assert_int_equal(str_width("e\xcc\x81"), 1);	/* e + combining acute */
	assert_int_equal(str_width("\xff"), 1);		/* not UTF-8 */
	f = str_fit("\xc3\x9c", 3);
	assert_string_equal(f, "\xc3\x9c  ");
	free(f);
	f = str_fit("abcdef", 4);
	assert_string_equal(f, "abc\xe2\x80\xa6");
	free(f);
	/* A wide character that would straddle the cut is left out whole
	 * and the column is filled to exactly its width. */
	f = str_fit("a\xe6\x9d\xb1\xe4\xba\xac", 4);
	assert_string_equal(f, "a\xe6\x9d\xb1\xe2\x80\xa6");
	free(f);
	f = str_fit("\xe6\x9d\xb1\xe4\xba\xac\xe4\xba\xac", 4);
	assert_string_equal(f, "\xe6\x9d\xb1\xe2\x80\xa6 ");
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_buf_cap),
		cmocka_unit_test(test_core_escape),
		cmocka_unit_test(test_core_width_fit),
		cmocka_unit_test(test_core_base64),
		cmocka_unit_test(test_core_int_and_diag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
