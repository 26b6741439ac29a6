/*
 * test_pop3_resp.c - the pure pieces of the POP3 machine, called directly:
 * line framing (whole, split at every byte, caps, NUL), status and response
 * code classification, multi-line unstuffing and its cap, the APOP
 * timestamp, CAPA and STAT parsing, MD5 / HMAC-MD5 against the RFC vectors
 * and the credential builders of pop3_auth.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "popconn/str.h"
#include "proto/pop3_int.h"

/* Frame all of data with pieces of at most step bytes; lines joined "|". */
static char *
frame(const char *data, size_t len, size_t step, size_t max, char **cause)
{
	struct pop3_lines l;
	struct buf out;
	size_t off = 0, n, used;
	bool complete;
	enum pc_err rc = PC_OK;

	pop3_resp_lines_init(&l, max);
	buf_init(&out, 0);
	while (off < len && rc == PC_OK) {
		n = len - off < step ? len - off : step;
		while (n > 0) {
			rc = pop3_resp_lines_take(&l, data + off, n, &used,
			    &complete, cause);
			if (rc != PC_OK)
				break;
			off += used;
			n -= used;
			if (complete) {
				buf_add(&out, l.line.data, l.line.len);
				buf_addstr(&out, "|");
				pop3_resp_lines_clear(&l);
			}
		}
	}
	if (rc == PC_OK && pop3_resp_lines_pending(&l) > 0)
		buf_addf(&out, "partial:%zu", pop3_resp_lines_pending(&l));
	pop3_resp_lines_cleanup(&l);
	if (rc != PC_OK) {
		buf_cleanup(&out);
		return NULL;
	}
	return buf_take(&out);
}

static void
test_pop3_resp_lines_split_anywhere(void **state)
{
	static const char in[] = "+OK hello\r\nbare lf\n\r\nmid\rcr\r\n"
	    ".\r\ntail";
	static const char want[] = "+OK hello|bare lf||mid\rcr|.|partial:4";
	size_t step;
	char *got;

	/* Every chunk size, down to byte by byte, gives the same lines. */
	for (step = 1; step <= sizeof in; step++) {
		got = frame(in, sizeof in - 1, step, 100, NULL);
		assert_non_null(got);
		assert_string_equal(got, want);
		free(got);
	}
}

static void
test_pop3_resp_lines_cap(void **state)
{
	char line[64], *got, *cause = NULL;

	/* Exactly max bytes of content is fine, with CRLF or bare LF. */
	memset(line, 'x', 10);
	memcpy(line + 10, "\r\n", 3);
	got = frame(line, 12, 1, 10, NULL);
	assert_string_equal(got, "xxxxxxxxxx|");
	free(got);
	got = frame(line, 12, 12, 10, NULL);
	assert_string_equal(got, "xxxxxxxxxx|");
	free(got);
	memcpy(line + 10, "\n", 2);
	got = frame(line, 11, 3, 10, NULL);
	assert_string_equal(got, "xxxxxxxxxx|");
	free(got);

	/* One more byte is an error, however it arrives. */
	memset(line, 'x', 11);
	memcpy(line + 11, "\r\n", 3);
	assert_null(frame(line, 13, 1, 10, &cause));
	assert_string_equal(cause, "line longer than 10 bytes");
	free(cause);
	cause = NULL;
	memcpy(line + 11, "\n", 2);
	assert_null(frame(line, 12, 5, 10, &cause));
	assert_non_null(strstr(cause, "longer than 10"));
	free(cause);
	cause = NULL;

	/* No line end at all: the error comes before the data ends. */
	memset(line, 'y', 40);
	assert_null(frame(line, 40, 40, 10, &cause));
	assert_non_null(strstr(cause, "longer than 10"));
	free(cause);
}

static void
test_pop3_resp_lines_nul(void **state)
{
	static const char in[] = "+OK a\0b\r\n";
	char *got, *cause = NULL;

	assert_null(frame(in, sizeof in - 1, 1, 100, &cause));
	assert_non_null(strstr(cause, "NUL"));
	free(cause);
	cause = NULL;
	assert_null(frame(in, sizeof in - 1, 100, 100, &cause));
	free(cause);
	/* A NUL after the line end belongs to the next line. */
	got = frame("+OK\r\n", 5, 100, 100, NULL);
	assert_string_equal(got, "+OK|");
	free(got);
}

static void
test_pop3_resp_status(void **state)
{
	static const struct {
		const char	*line;
		enum pop3_status st;
	} cases[] = {
		{ "+OK", POP3_RESP_OK },
		{ "+OK ready", POP3_RESP_OK },
		{ "+ok ready", POP3_RESP_OK },
		{ "+OK\tx", POP3_RESP_OK },
		{ "+OKAY", POP3_RESP_OTHER },
		{ "-ERR", POP3_RESP_ERR },
		{ "-ERR [AUTH] no", POP3_RESP_ERR },
		{ "-ERRx", POP3_RESP_OTHER },
		{ "+", POP3_RESP_CONT },
		{ "+ ", POP3_RESP_CONT },
		{ "+ PDE4OTY=", POP3_RESP_CONT },
		{ "+x", POP3_RESP_OTHER },
		{ "", POP3_RESP_OTHER },
		{ "OK", POP3_RESP_OTHER },
		{ "220 smtp ready", POP3_RESP_OTHER },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(pop3_resp_status(cases[i].line,
		    strlen(cases[i].line)), cases[i].st);
}

static void
test_pop3_resp_text(void **state)
{
	const char *t;
	size_t n;

	t = pop3_resp_text("+OK hello world", 15, &n);
	assert_int_equal(n, 11);
	assert_memory_equal(t, "hello world", 11);
	t = pop3_resp_text("-ERR", 4, &n);
	assert_int_equal(n, 0);
	t = pop3_resp_text("+ abc=", 6, &n);
	assert_int_equal(n, 4);
	assert_memory_equal(t, "abc=", 4);
	t = pop3_resp_text("+", 1, &n);
	assert_int_equal(n, 0);
	t = pop3_resp_text("garbage", 7, &n);
	assert_int_equal(n, 7);
	assert_memory_equal(t, "garbage", 7);
}

static void
test_pop3_resp_codes(void **state)
{
	static const struct {
		const char	*line;
		enum pop3_code	 code;
		enum diag	 diag;
	} cases[] = {
		{ "-ERR [AUTH] Authentication failed.", POP3_CODE_AUTH,
		    DIAG_AUTH_FAILED },
		{ "-ERR [SYS/TEMP] try later", POP3_CODE_SYS_TEMP,
		    DIAG_SERVER_TEMPORARY },
		{ "-ERR [SYS/PERM] account disabled", POP3_CODE_SYS_PERM,
		    DIAG_SERVER_PERMANENT },
		{ "-ERR [IN-USE] locked", POP3_CODE_IN_USE,
		    DIAG_MAILBOX_IN_USE },
		{ "-ERR [LOGIN-DELAY] wait", POP3_CODE_LOGIN_DELAY,
		    DIAG_LOGIN_DELAY },
		{ "-ERR [login-delay] wait", POP3_CODE_LOGIN_DELAY,
		    DIAG_LOGIN_DELAY },
		{ "-ERR [SYS/TEMP/QUOTA] x", POP3_CODE_SYS_TEMP,
		    DIAG_SERVER_TEMPORARY },
		{ "-ERR [SYS] x", POP3_CODE_OTHER, DIAG_PROTOCOL_ERROR },
		{ "-ERR [AUTHX] x", POP3_CODE_OTHER, DIAG_PROTOCOL_ERROR },
		{ "-ERR [FOO/BAR] x", POP3_CODE_OTHER, DIAG_PROTOCOL_ERROR },
		{ "-ERR [AUTH no bracket", POP3_CODE_NONE,
		    DIAG_PROTOCOL_ERROR },
		{ "-ERR plain text [AUTH]", POP3_CODE_NONE,
		    DIAG_PROTOCOL_ERROR },
		{ "-ERR", POP3_CODE_NONE, DIAG_PROTOCOL_ERROR },
		{ "-ERR [", POP3_CODE_NONE, DIAG_PROTOCOL_ERROR },
		{ "-ERR []", POP3_CODE_OTHER, DIAG_PROTOCOL_ERROR },
	};
	size_t i;
	enum pop3_code c;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c = pop3_resp_code(cases[i].line, strlen(cases[i].line));
		assert_int_equal(c, cases[i].code);
		assert_int_equal(pop3_resp_diag(c, DIAG_PROTOCOL_ERROR),
		    cases[i].diag);
	}
}

static void
test_pop3_resp_multi(void **state)
{
	struct pop3_multi m;
	const char *l;
	size_t n;

	pop3_resp_multi_init(&m, 20);
	l = "SASL PLAIN";
	n = strlen(l);
	assert_int_equal(pop3_resp_multi_line(&m, &l, &n), 1);
	assert_int_equal(n, 10);
	l = "..hidden";
	n = strlen(l);
	assert_int_equal(pop3_resp_multi_line(&m, &l, &n), 1);
	assert_int_equal(n, 7);
	assert_memory_equal(l, ".hidden", 7);
	l = "";
	n = 0;
	assert_int_equal(pop3_resp_multi_line(&m, &l, &n), 1);
	assert_int_equal(m.total, 11 + 8 + 1);
	/* The cap counts every byte: nothing more fits. */
	l = "x";
	n = 1;
	assert_int_equal(pop3_resp_multi_line(&m, &l, &n), -1);
	l = ".";
	n = 1;
	assert_int_equal(pop3_resp_multi_line(&m, &l, &n), 0);
}

static void
test_pop3_resp_timestamp(void **state)
{
	static const struct {
		const char	*line;
		enum pc_err	 rc;
		const char	*ts;
	} cases[] = {
		{ "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>",
		    PC_OK, "<1896.697170952@dbc.mtview.ca.us>" },
		{ "+OK Dovecot (Debian) ready. "
		    "<1f2b.3.6b09acd6.dQ8CHUhTio/l8FftHxTNjg==@vm>", PC_OK,
		    "<1f2b.3.6b09acd6.dQ8CHUhTio/l8FftHxTNjg==@vm>" },
		{ "+OK <a@b> trailing text", PC_OK, "<a@b>" },
		{ "+OK Dovecot ready.", PC_E_NOTFOUND, NULL },
		{ "+OK <no-at-sign>", PC_E_INVALID, NULL },
		{ "+OK <has space@x>", PC_E_INVALID, NULL },
		{ "+OK <tab\t@x>", PC_E_INVALID, NULL },
		{ "+OK <esc\033[2J@x>", PC_E_INVALID, NULL },
		{ "+OK <8bit\xc3\xa9@x>", PC_E_INVALID, NULL },
		{ "+OK <unterminated@x", PC_E_INVALID, NULL },
		{ "+OK <>", PC_E_INVALID, NULL },
		{ "+OK <@>", PC_OK, "<@>" },
		{ "+OK <<a@b>", PC_E_INVALID, NULL },
	};
	char long_ts[400], *ts;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ts = NULL;
		assert_int_equal(pop3_resp_timestamp(cases[i].line,
		    strlen(cases[i].line), &ts), cases[i].rc);
		if (cases[i].ts != NULL) {
			assert_non_null(ts);
			assert_string_equal(ts, cases[i].ts);
		} else
			assert_null(ts);
		free(ts);
	}
	/* Bounded: 256 bytes with the brackets is the most accepted. */
	memset(long_ts, 'a', sizeof long_ts);
	long_ts[0] = '<';
	long_ts[10] = '@';
	long_ts[255] = '>';
	ts = NULL;
	assert_int_equal(pop3_resp_timestamp(long_ts, 256, &ts), PC_OK);
	assert_int_equal(strlen(ts), 256);
	free(ts);
	long_ts[255] = 'a';
	long_ts[256] = '>';
	assert_int_equal(pop3_resp_timestamp(long_ts, 257, &ts),
	    PC_E_INVALID);
}

static void
test_pop3_resp_capa(void **state)
{
	static const char *const lines[] = {
		"TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE",
		"STLS", "USER", "SASL PLAIN LOGIN  CRAM-MD5",
		"sasl xoauth2 SCRAM-SHA-1", "IMPLEMENTATION \033]0;evil\007",
	};
	struct pop3_capa c;
	size_t i;

	memset(&c, 0, sizeof c);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		pop3_resp_capa_line(&c, lines[i], strlen(lines[i]));
	assert_true(c.stls);
	assert_true(c.user);
	assert_true(c.pipelining);
	assert_true(c.resp_codes);
	assert_true(c.auth_resp_code);
	assert_int_equal(c.sasl, POP3_SASL_PLAIN | POP3_SASL_LOGIN |
	    POP3_SASL_CRAM_MD5 | POP3_SASL_XOAUTH2 | POP3_SASL_SCRAM_SHA1);
	/* IMPLEMENTATION names a server other than Dovecot. */
	assert_true(c.impl_other);
	assert_string_equal(c.sasl_list,
	    "PLAIN LOGIN CRAM-MD5 xoauth2 SCRAM-SHA-1");
	assert_int_equal(c.nlines, 10);
	/* Stored escaped: no control character survives. */
	assert_string_equal(c.lines[9],
	    "IMPLEMENTATION \\x1b]0;evil\\x07");
	pop3_resp_capa_cleanup(&c);
	assert_int_equal(c.nlines, 0);

	/* Only the first POP3_CAPA_MAX_LINES lines are kept. */
	for (i = 0; i < POP3_CAPA_MAX_LINES + 10; i++)
		pop3_resp_capa_line(&c, "X-FOO", 5);
	assert_int_equal(c.nlines, POP3_CAPA_MAX_LINES);
	assert_false(c.stls);
	assert_int_equal(c.sasl, 0);
	/* "STLSX" is not STLS; "USER" must be the whole word. */
	pop3_resp_capa_line(&c, "STLSX", 5);
	pop3_resp_capa_line(&c, "USERS", 5);
	assert_false(c.stls);
	assert_false(c.user);
	pop3_resp_capa_cleanup(&c);
}

static void
test_pop3_resp_stat(void **state)
{
	static const struct {
		const char	*line;
		enum pc_err	 rc;
		uint64_t	 n, m;
	} cases[] = {
		{ "+OK 2 364", PC_OK, 2, 364 },
		{ "+OK 0 0", PC_OK, 0, 0 },
		{ "+OK 2 364 messages", PC_OK, 2, 364 },
		{ "+OK 18446744073709551615 1", PC_OK, UINT64_MAX, 1 },
		{ "+OK 18446744073709551616 1", PC_E_PROTO, 0, 0 },
		{ "+OK", PC_E_PROTO, 0, 0 },
		{ "+OK 2", PC_E_PROTO, 0, 0 },
		{ "+OK 2  364", PC_E_PROTO, 0, 0 },
		{ "+OK -2 364", PC_E_PROTO, 0, 0 },
		{ "+OK 2 36x", PC_E_PROTO, 0, 0 },
		{ "+OK two 364", PC_E_PROTO, 0, 0 },
		{ "-ERR 2 364", PC_E_PROTO, 0, 0 },
	};
	uint64_t n, m;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = m = 77;
		assert_int_equal(pop3_resp_stat(cases[i].line,
		    strlen(cases[i].line), &n, &m), cases[i].rc);
		if (cases[i].rc == PC_OK) {
			assert_true(n == cases[i].n);
			assert_true(m == cases[i].m);
		}
	}
}

static void
md5_hex_of(const void *data, size_t len, char hex[33])
{
	struct pop3_md5 c;
	unsigned char d[16];

	pop3_md5_init(&c);
	pop3_md5_update(&c, data, len);
	pop3_md5_final(&c, d);
	pop3_md5_hex(d, hex);
}

static void
test_pop3_resp_md5_vectors(void **state)
{
	/* RFC 1321 appendix A.5. */
	static const struct {
		const char	*in;
		const char	*hex;
	} v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz",
		    "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789", "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890123456789012345678"
		    "9012345678901234567890",
		    "57edf4a22be3c955ac49da2e2107b67a" },
	};
	struct pop3_md5 c;
	unsigned char d[16];
	char hex[33], *big;
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		md5_hex_of(v[i].in, strlen(v[i].in), hex);
		assert_string_equal(hex, v[i].hex);
	}
	/* Fed in odd pieces across block boundaries: same digest. */
	pop3_md5_init(&c);
	for (i = 0; i < 80; i += 7)
		pop3_md5_update(&c, v[6].in + i, 80 - i < 7 ? 80 - i : 7);
	pop3_md5_final(&c, d);
	pop3_md5_hex(d, hex);
	assert_string_equal(hex, v[6].hex);
	/* A million 'a'. */
	big = malloc(1000000);
	assert_non_null(big);
	memset(big, 'a', 1000000);
	md5_hex_of(big, 1000000, hex);
	assert_string_equal(hex, "7707d6ae4e027c70eea2a935c2296f21");
	free(big);
}

static void
test_pop3_resp_hmac_vectors(void **state)
{
	/* RFC 2104 section 4 / RFC 2202 section 2. */
	static const char big_msg[] =
	    "Test Using Larger Than Block-Size Key - Hash Key First";
	unsigned char key[80], d[16];
	char hex[33];

	memset(key, 0x0b, 16);
	pop3_md5_hmac(key, 16, "Hi There", 8, d);
	pop3_md5_hex(d, hex);
	assert_string_equal(hex, "9294727a3638bb1c13f48ef8158bfc9d");
	pop3_md5_hmac("Jefe", 4, "what do ya want for nothing?", 28, d);
	pop3_md5_hex(d, hex);
	assert_string_equal(hex, "750c783e6ab0b503eaa86e310a5db738");
	/* A key longer than the block is hashed first. */
	memset(key, 0xaa, 80);
	pop3_md5_hmac(key, 80, big_msg, strlen(big_msg), d);
	pop3_md5_hex(d, hex);
	assert_string_equal(hex, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
}

static void
test_pop3_resp_auth_builders(void **state)
{
	static const char chal[] = "<1896.697170952@postoffice.reston.mci.net>";
	unsigned char *dec;
	size_t dlen;
	char *s;

	/* RFC 1939 section 7. */
	s = pop3_auth_apop("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf");
	assert_string_equal(s, "c4c9334bac560ecc979e58001b3e22fb");
	free(s);
	/* RFC 2195 section 2. */
	s = pop3_auth_cram("tim", "tanstaaftanstaaf",
	    (const unsigned char *)chal, strlen(chal));
	assert_int_equal(b64_decode(s, strlen(s), &dec, &dlen), PC_OK);
	assert_string_equal((char *)dec,
	    "tim b913a602c7eda7a495b4e6e7334d3890");
	free(dec);
	free(s);
	/* RFC 4616: empty authzid, NUL, authcid, NUL, password. */
	s = pop3_auth_plain("tim", "tanstaaf");
	assert_string_equal(s, "AHRpbQB0YW5zdGFhZg==");
	free(s);
	s = pop3_auth_xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2N");
	assert_int_equal(b64_decode(s, strlen(s), &dec, &dlen), PC_OK);
	assert_int_equal(dlen, strlen("user=someuser@example.com\001auth="
	    "Bearer ya29.vF9dft4qmTc2N\001\001"));
	assert_memory_equal(dec, "user=someuser@example.com\001auth=Bearer "
	    "ya29.vF9dft4qmTc2N\001\001", dlen);
	free(dec);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pop3_resp_lines_split_anywhere),
		cmocka_unit_test(test_pop3_resp_lines_cap),
		cmocka_unit_test(test_pop3_resp_lines_nul),
		cmocka_unit_test(test_pop3_resp_status),
		cmocka_unit_test(test_pop3_resp_text),
		cmocka_unit_test(test_pop3_resp_codes),
		cmocka_unit_test(test_pop3_resp_multi),
		cmocka_unit_test(test_pop3_resp_timestamp),
		cmocka_unit_test(test_pop3_resp_capa),
		cmocka_unit_test(test_pop3_resp_stat),
		cmocka_unit_test(test_pop3_resp_md5_vectors),
		cmocka_unit_test(test_pop3_resp_hmac_vectors),
		cmocka_unit_test(test_pop3_resp_auth_builders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
