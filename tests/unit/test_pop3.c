/*
 * test_pop3.c - the POP3 machine driven by scripted transcripts: every
 * state and every logon method, success and failure, the STLS rules
 * (refusal, hidden from CAPA, injection), plaintext refusal, response
 * codes, the RFC examples for APOP and CRAM-MD5, XOAUTH2 with a long token
 * and a JSON error, hostile framing (huge lines, NUL, no line end),
 * PIPELINING (what goes in one batch, failures with the pipelined replies
 * following, never before TLS or without the capability), and
 * redaction: a secret never shows in a display string, note or outcome,
 * but is in the bytes sent for the method that needs it.
 *
 * A script is a list of lines: "S: x" the server sends x CRLF, "C: x" the
 * client must have sent x CRLF next, "--" the client has sent nothing more
 * so far (what it pipelines and what it holds back), "E: TLS" /
 * "E: CLOSED" / "E: TIMEOUT" are events.
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

#define PW	"Sekr1t-PW-42"
#define TS	"<1896.697170952@dbc.mtview.ca.us>"

struct run {
	struct pop3	*p;
	struct buf	 sent;		/* every byte the client sent */
	size_t		 checked;	/* bytes of sent matched by "C:" */
	struct buf	 plain;		/* bytes of non-sensitive sends */
	struct buf	 trace;		/* every display text, one a line */
	struct buf	 steps;		/* "+name -name:ok ..." */
	int		 starttls;
	int		 done;
	bool		 bytewise;	/* feed one byte at a time */
};

static void
drain(struct run *r)
{
	struct pop3_action a;
	const unsigned char *t;

	while (pop3_next_action(r->p, &a)) {
		assert_non_null(a.text);
		/* No display text may carry a control character. */
		for (t = (const unsigned char *)a.text; *t != '\0'; t++)
			assert_true(*t >= 0x20 && *t != 0x7f);
		switch (a.kind) {
		case POP3_ACT_SEND:
			assert_true(a.len >= 2);
			assert_memory_equal(a.data + a.len - 2, "\r\n", 2);
			/* Nothing goes out between STARTTLS and TLS ready. */
			assert_int_not_equal(r->p->state, POP3_ST_TLS_WAIT);
			buf_add(&r->sent, a.data, a.len);
			if (!a.sensitive)
				buf_add(&r->plain, a.data, a.len);
			buf_addf(&r->trace, "C: %s\n", a.text);
			break;
		case POP3_ACT_RECV_LINE:
			buf_addf(&r->trace, "S: %s\n", a.text);
			break;
		case POP3_ACT_NOTE:
			/* A state change comes as STATE, never as a note. */
			assert_null(strstr(a.text, " -> "));
			buf_addf(&r->trace, "N: %s\n", a.text);
			break;
		case POP3_ACT_STATE:
			buf_addf(&r->trace, "T: %s\n", a.text);
			break;
		case POP3_ACT_STEP:
			/* The step travels as the enum; text is its name. */
			assert_non_null(step_name(a.step));
			assert_string_equal(a.text, step_name(a.step));
			if (a.begin)
				buf_addf(&r->steps, "+%s ", step_name(a.step));
			else
				buf_addf(&r->steps, "-%s:%s ",
				    step_name(a.step), a.ok ? "ok" : "fail");
			break;
		case POP3_ACT_STARTTLS:
			r->starttls++;
			buf_addstr(&r->trace, "TLS\n");
			break;
		case POP3_ACT_DONE:
			r->done++;
			assert_true(pop3_done(r->p));
			buf_addf(&r->trace, "DONE: %s\n", a.text);
			break;
		}
	}
}

static void
feed(struct run *r, const char *data, size_t len)
{
	size_t i;

	if (!r->bytewise)
		pop3_feed(r->p, data, len);
	else
		for (i = 0; i < len; i++)
			pop3_feed(r->p, data + i, 1);
	drain(r);
}

static void
run_start(struct run *r, const struct pop3_cfg *cfg)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->sent, 0);
	buf_init(&r->plain, 0);
	buf_init(&r->trace, 0);
	buf_init(&r->steps, 0);
	r->p = pop3_new(cfg);
	pop3_event(r->p, POP3_EV_CONNECTED);
	drain(r);
}

static void
run_end(struct run *r)
{
	pop3_free(r->p);
	buf_cleanup(&r->sent);
	buf_cleanup(&r->plain);
	buf_cleanup(&r->trace);
	buf_cleanup(&r->steps);
}

static void
expect_sent(struct run *r, const char *line)
{
	size_t n = strlen(line), have = r->sent.len - r->checked;
	const char *at = r->sent.data != NULL ? r->sent.data + r->checked : "";

	if (have < n + 2 || memcmp(at, line, n) != 0 ||
	    memcmp(at + n, "\r\n", 2) != 0)
		fail_msg("client should have sent \"%s\", sent \"%.*s\"", line,
		    (int)(have > 200 ? 200 : have), at);
	r->checked += n + 2;
}

static void
expect_nothing_more(struct run *r)
{
	if (r->sent.len != r->checked)
		fail_msg("client sent more: \"%.*s\"",
		    (int)(r->sent.len - r->checked),
		    r->sent.data + r->checked);
}

static void
play(struct run *r, const char *const *script)
{
	const char *s;
	char *line;

	for (; *script != NULL; script++) {
		s = *script;
		if (strncmp(s, "S: ", 3) == 0) {
			line = xasprintf("%s\r\n", s + 3);
			feed(r, line, strlen(line));
			free(line);
		} else if (strncmp(s, "C: ", 3) == 0)
			expect_sent(r, s + 3);
		else if (strcmp(s, "--") == 0)
			expect_nothing_more(r);
		else if (strcmp(s, "E: TLS") == 0) {
			assert_int_equal(r->starttls, 1);
			pop3_event(r->p, POP3_EV_TLS_READY);
			drain(r);
		} else if (strcmp(s, "E: CLOSED") == 0) {
			pop3_event(r->p, POP3_EV_CLOSED);
			drain(r);
		} else if (strcmp(s, "E: TIMEOUT") == 0) {
			pop3_event(r->p, POP3_EV_TIMEOUT);
			drain(r);
		} else
			fail_msg("bad script line: %s", s);
	}
}

/* Run a whole script; every byte sent must be accounted for. */
static void
session(struct run *r, const struct pop3_cfg *cfg, const char *const *script)
{
	run_start(r, cfg);
	play(r, script);
	expect_nothing_more(r);
}

static struct pop3_cfg
cfg_tls(enum pop3_method m)
{
	struct pop3_cfg c;

	memset(&c, 0, sizeof c);
	c.username = "tim";
	c.password = PW;
	c.method = m;
	c.tls_active = true;
	return c;
}

/* Base64 of s, valid until the next call. */
static const char *
b64_encode_tmp(const char *s)
{
	static char *last;

	free(last);
	last = b64_encode(s, strlen(s));
	return last;
}

static const struct pop3_outcome *
outcome(struct run *r)
{
	return pop3_outcome(r->p);
}

static bool
contains(const struct buf *b, const char *s)
{
	size_t n = strlen(s), i;

	if (b->len < n)
		return false;
	for (i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, s, n) == 0)
			return true;
	return false;
}

/* The secret is nowhere a person or a log could see it. */
static void
assert_hidden(struct run *r, const char *secret)
{
	const struct pop3_outcome *o = outcome(r);
	size_t i;

	assert_false(contains(&r->trace, secret));
	assert_false(contains(&r->plain, secret));
	assert_null(strstr(o->message, secret));
	if (o->greeting != NULL)
		assert_null(strstr(o->greeting, secret));
	for (i = 0; i < o->capa.nlines; i++)
		assert_null(strstr(o->capa.lines[i], secret));
}

static void
assert_outcome(struct run *r, enum diag d, const char *step)
{
	const struct pop3_outcome *o = outcome(r);

	if (o->diag != d)
		fail_msg("diag %s, want %s (%s)", diag_key(o->diag),
		    diag_key(d), o->message);
	assert_int_equal(r->done, 1);
	if (step == NULL)
		assert_int_equal(o->failed_step, STEP_NONE);
	else {
		assert_non_null(step_name(o->failed_step));
		assert_string_equal(step_name(o->failed_step), step);
	}
}

/* Greeting */

static void
test_pop3_user_ok(void **state)
{
	static const char *const script[] = {
		"S: +OK POP3 ready",
		"C: CAPA",
		"S: +OK Capability list follows",
		"S: TOP",
		"S: USER",
		"S: PIPELINING",
		"S: RESP-CODES",
		"S: .",
		"C: USER tim",
		"S: +OK send PASS",
		"C: PASS " PW,
		"S: +OK logged in",
		"C: STAT",
		"S: +OK 2 364",
		"C: QUIT",
		"S: +OK bye",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	const struct pop3_outcome *o;
	struct run r;

	session(&r, &c, script);
	o = outcome(&r);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_int_equal(o->method, POP3_M_USER);
	assert_true(o->logged_in);
	assert_true(o->tls);
	assert_true(o->stat_ok);
	assert_true(o->messages == 2);
	assert_true(o->octets == 364);
	assert_true(o->capa.seen);
	assert_true(o->capa.pipelining);
	assert_true(o->capa.user);
	assert_true(o->capa.resp_codes);
	assert_false(o->capa.stls);
	assert_int_equal(o->capa.nlines, 4);
	assert_string_equal(o->greeting, "+OK POP3 ready");
	assert_false(o->apop_timestamp);
	assert_string_equal(o->message, "logged on with USER; the mailbox "
	    "holds 2 messages, 364 octets");
	assert_string_equal(r.steps.data, "+greeting -greeting:ok +capa "
	    "-capa:ok +logon -logon:ok +stat -stat:ok +quit -quit:ok ");
	assert_true(contains(&r.trace, "C: PASS <redacted>\n"));
	assert_true(contains(&r.trace, "T: GREETING -> CAPA\n"));
	assert_true(contains(&r.trace, "T: QUIT -> DONE\n"));
	assert_true(contains(&r.trace, "S: +OK 2 364\n"));
	assert_true(contains(&r.sent, "PASS " PW "\r\n"));
	assert_hidden(&r, PW);

	/* After DONE nothing happens any more. */
	pop3_feed(r.p, "+OK more\r\n", 10);
	pop3_event(r.p, POP3_EV_CLOSED);
	pop3_event(r.p, POP3_EV_TIMEOUT);
	pop3_event(r.p, POP3_EV_TLS_READY);
	drain(&r);
	assert_int_equal(r.done, 1);
	expect_nothing_more(&r);
	run_end(&r);
}

static void
test_pop3_greeting_timestamps(void **state)
{
	static const char *const no_ts[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"S: -ERR no CAPA here",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	static const char *const bad_ts[] = {
		"S: +OK hello <no-at-sign.here>",
		"C: CAPA",
		"S: -ERR",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	static const char *const ctl_ts[] = {
		"S: +OK hello <a\033[2J@evil>",
		"C: CAPA",
		"S: -ERR",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_APOP);
	struct run r;

	/* Without a valid timestamp APOP is not tried at all. */
	session(&r, &c, no_ts);
	assert_outcome(&r, DIAG_AUTH_MECHANISM_UNAVAILABLE, "logon");
	assert_false(outcome(&r)->apop_timestamp);
	assert_false(contains(&r.trace, "malformed"));
	assert_non_null(strstr(outcome(&r)->message, "no valid APOP"));
	assert_false(contains(&r.sent, "APOP"));
	run_end(&r);

	session(&r, &c, bad_ts);
	assert_outcome(&r, DIAG_AUTH_MECHANISM_UNAVAILABLE, "logon");
	assert_true(contains(&r.trace, "N: the greeting has a malformed "
	    "APOP timestamp: APOP is not available\n"));
	assert_false(contains(&r.sent, "APOP"));
	run_end(&r);

	session(&r, &c, ctl_ts);
	assert_outcome(&r, DIAG_AUTH_MECHANISM_UNAVAILABLE, "logon");
	assert_true(contains(&r.trace, "malformed APOP"));
	/* Shown escaped. */
	assert_true(contains(&r.trace, "S: +OK hello <a\\x1b[2J@evil>\n"));
	assert_string_equal(outcome(&r)->greeting,
	    "+OK hello <a\\x1b[2J@evil>");
	run_end(&r);
}

static void
test_pop3_greeting_err(void **state)
{
	static const struct {
		const char	*greeting;
		enum diag	 diag;
	} cases[] = {
		{ "-ERR too many connections", DIAG_SERVER_TEMPORARY },
		{ "-ERR [SYS/TEMP] busy", DIAG_SERVER_TEMPORARY },
		{ "-ERR [SYS/PERM] closed for good", DIAG_SERVER_PERMANENT },
		{ "-ERR [IN-USE] locked", DIAG_MAILBOX_IN_USE },
		{ "220 mail.example.com ESMTP", DIAG_PROTOCOL_ERROR },
		{ "+ PDE4OTY=", DIAG_PROTOCOL_ERROR },
	};
	struct pop3_cfg c = cfg_tls(POP3_M_AUTO);
	const char *script[4];
	struct run r;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = xasprintf("S: %s", cases[i].greeting);

		script[0] = s;
		script[1] = "C: QUIT";
		script[2] = "E: CLOSED";
		script[3] = NULL;
		session(&r, &c, script);
		assert_outcome(&r, cases[i].diag, "greeting");
		assert_non_null(strstr(outcome(&r)->message,
		    cases[i].greeting));
		assert_string_equal(r.steps.data, "+greeting -greeting:fail "
		    "+quit -quit:ok ");
		run_end(&r);
		free(s);
	}
}

/* CAPA */

static void
test_pop3_capa_legacy(void **state)
{
	static const char *const auto_user[] = {
		"S: +OK old server",
		"C: CAPA",
		"S: -ERR unknown command",
		"C: USER tim",
		"S: +OK",
		"C: PASS " PW,
		"S: +OK",
		"C: STAT",
		"S: +OK 1 10",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	static const char *const cram_tried[] = {
		"S: +OK old server",
		"C: CAPA",
		"S: -ERR",
		"C: AUTH CRAM-MD5",
		"S: -ERR unknown command",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_AUTO);
	struct run r;

	session(&r, &c, auto_user);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_false(outcome(&r)->capa.seen);
	assert_int_equal(outcome(&r)->method, POP3_M_USER);
	assert_true(contains(&r.trace, "N: the server has no CAPA"));
	assert_true(contains(&r.trace, "N: auto: chose USER (over TLS: "
	    "PLAIN, LOGIN, USER first; offered: no CAPA)\n"));
	assert_true(contains(&r.steps, "-capa:ok"));
	run_end(&r);

	/* Without CAPA an explicit SASL method is simply tried. */
	c.method = POP3_M_CRAM_MD5;
	session(&r, &c, cram_tried);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	run_end(&r);
}

static void
test_pop3_capa_bad_reply(void **state)
{
	static const char *const script[] = {
		"S: +OK",
		"C: CAPA",
		"S: what?",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_AUTO);
	struct run r;

	session(&r, &c, script);
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "capa");
	run_end(&r);
}

/* STLS */

static void
test_pop3_stls_ok(void **state)
{
	static const char *const script[] = {
		"S: +OK ready " TS,
		"C: CAPA",
		"S: +OK",
		"S: STLS",
		"S: USER",
		"S: SASL PLAIN",
		"S: .",
		"C: STLS",
		"S: +OK Begin TLS negotiation now.",
		"E: TLS",
		"C: CAPA",
		"S: +OK",
		"S: USER",
		"S: SASL PLAIN LOGIN",
		"S: .",
		"C: AUTH PLAIN AHRpbQB0YW5zdGFhZg==",
		"S: +OK Logged in.",
		"C: STAT",
		"S: +OK 0 0",
		"C: QUIT",
		"S: +OK Logging out",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_AUTO);
	const struct pop3_outcome *o;
	struct run r;

	c.password = "tanstaaf";
	c.tls_active = false;
	c.stls = true;
	session(&r, &c, script);
	o = outcome(&r);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_int_equal(r.starttls, 1);
	assert_true(o->tls);
	/* Pre-TLS state is gone: no APOP, CAPA is the one over TLS. */
	assert_int_equal(o->method, POP3_M_PLAIN);
	assert_false(o->apop_timestamp);
	assert_false(o->capa.stls);
	assert_int_equal(o->capa.sasl, POP3_SASL_PLAIN | POP3_SASL_LOGIN);
	assert_true(contains(&r.trace, "N: TLS is up: discarding"));
	assert_true(contains(&r.trace, "C: AUTH PLAIN <redacted>\n"));
	assert_string_equal(r.steps.data, "+greeting -greeting:ok +capa "
	    "-capa:ok +stls -stls:ok +capa2 -capa2:ok +logon -logon:ok "
	    "+stat -stat:ok +quit -quit:ok ");
	assert_hidden(&r, "tanstaaf");
	assert_hidden(&r, "AHRpbQB0YW5zdGFhZg==");
	run_end(&r);
}

static void
test_pop3_stls_apop_discarded(void **state)
{
	static const char *const script[] = {
		"S: +OK ready " TS,
		"C: CAPA",
		"S: -ERR",
		"C: STLS",
		"S: +OK",
		"E: TLS",
		"C: CAPA",
		"S: -ERR",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_APOP);
	struct run r;

	c.tls_active = false;
	c.stls = true;
	session(&r, &c, script);
	/* The timestamp came in clear: APOP is not possible after STLS. */
	assert_outcome(&r, DIAG_AUTH_MECHANISM_UNAVAILABLE, "logon");
	assert_non_null(strstr(outcome(&r)->message, "discarded"));
	assert_false(outcome(&r)->apop_timestamp);
	assert_true(contains(&r.trace, "N: no CAPA; sending STLS anyway "
	    "(security=tls)\n"));
	run_end(&r);
}

static void
test_pop3_stls_refused(void **state)
{
	static const char *const script[] = {
		"S: +OK ready",
		"C: CAPA",
		"S: +OK",
		"S: STLS",
		"S: USER",
		"S: .",
		"C: STLS",
		"S: -ERR [SYS/TEMP] TLS not available right now",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	c.tls_active = false;
	c.stls = true;
	c.allow_plaintext = true;	/* even so: never continue in clear */
	session(&r, &c, script);
	assert_outcome(&r, DIAG_STLS_UNAVAILABLE, "stls");
	assert_int_equal(r.starttls, 0);
	assert_false(contains(&r.sent, "USER"));
	assert_false(contains(&r.sent, "PASS"));
	assert_non_null(strstr(outcome(&r)->message, "TLS not available"));
	run_end(&r);
}

static void
test_pop3_stls_hidden_from_capa(void **state)
{
	static const char *const script[] = {
		"S: +OK ready",
		"C: CAPA",
		"S: +OK",
		"S: USER",
		"S: .",
		"C: STLS",
		"S: +OK go",
		"E: TLS",
		"C: CAPA",
		"S: +OK",
		"S: USER",
		"S: .",
		"C: USER tim",
		"S: +OK",
		"C: PASS " PW,
		"S: +OK",
		"C: STAT",
		"S: +OK 3 3000",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_AUTO);
	struct run r;

	c.tls_active = false;
	c.stls = true;
	session(&r, &c, script);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(contains(&r.trace, "N: CAPA did not list STLS; sending "
	    "STLS anyway (security=tls)\n"));
	assert_hidden(&r, PW);
	run_end(&r);
}

static const char *const stls_prefix[] = {
	"S: +OK ready",
	"C: CAPA",
	"S: +OK",
	"S: STLS",
	"S: .",
	"C: STLS",
	NULL
};

static void
test_pop3_stls_injection_same_chunk(void **state)
{
	static const char *const injected[] = {
		"+OK Begin TLS\r\n+OK fake CAPA\r\nSASL PLAIN\r\n.\r\n",
		"+OK Begin TLS\r\nX",
		"+OK Begin TLS\r\n\r\n",
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;
	size_t i;

	c.tls_active = false;
	c.stls = true;
	for (i = 0; i < sizeof injected / sizeof injected[0]; i++) {
		run_start(&r, &c);
		play(&r, stls_prefix);
		feed(&r, injected[i], strlen(injected[i]));
		assert_outcome(&r, DIAG_STLS_INJECTION, "stls");
		assert_int_equal(r.starttls, 0);
		expect_nothing_more(&r);	/* not even QUIT */
		assert_non_null(strstr(outcome(&r)->message, "injection"));
		/* A late TLS_READY changes nothing. */
		pop3_event(r.p, POP3_EV_TLS_READY);
		drain(&r);
		expect_nothing_more(&r);
		run_end(&r);
	}
}

static void
test_pop3_stls_injection_before_ready(void **state)
{
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	c.tls_active = false;
	c.stls = true;
	run_start(&r, &c);
	play(&r, stls_prefix);
	feed(&r, "+OK Begin TLS\r\n", 15);
	assert_int_equal(r.starttls, 1);
	assert_int_equal(r.done, 0);
	/* The server sends more in clear before the handshake. */
	feed(&r, "+OK\r\n", 5);
	assert_outcome(&r, DIAG_STLS_INJECTION, "stls");
	expect_nothing_more(&r);
	pop3_event(r.p, POP3_EV_TLS_READY);
	drain(&r);
	expect_nothing_more(&r);
	run_end(&r);
}

static void
test_pop3_stls_closed_during_tls(void **state)
{
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	c.tls_active = false;
	c.stls = true;
	run_start(&r, &c);
	play(&r, stls_prefix);
	play(&r, (const char *const[]){ "S: +OK", "E: CLOSED", NULL });
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "stls");
	expect_nothing_more(&r);
	run_end(&r);
}

/* Plaintext */

static void
test_pop3_plaintext_refused(void **state)
{
	static const char *const script[] = {
		"S: +OK ready " TS,
		"C: CAPA",
		"S: +OK",
		"S: USER",
		"S: SASL PLAIN LOGIN CRAM-MD5 XOAUTH2",
		"S: .",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_AUTO);
	struct run r;
	int m;

	c.tls_active = false;
	c.oauth_token = "ya29.token-abcdef";
	for (m = POP3_M_AUTO; m < POP3_M__COUNT; m++) {
		c.method = (enum pop3_method)m;
		session(&r, &c, script);
		assert_outcome(&r, DIAG_PLAINTEXT_REFUSED, "logon");
		/* CAPA and QUIT only: no USER, PASS, APOP or AUTH. */
		assert_int_equal(r.sent.len, strlen("CAPA\r\nQUIT\r\n"));
		assert_hidden(&r, PW);
		assert_hidden(&r, "ya29.token-abcdef");
		run_end(&r);
	}
}

static void
test_pop3_plaintext_allowed(void **state)
{
	static const char *const script[] = {
		"S: +OK ready",
		"C: CAPA",
		"S: +OK",
		"S: USER",
		"S: .",
		"C: USER tim",
		"S: +OK",
		"C: PASS " PW,
		"S: +OK",
		"C: STAT",
		"S: +OK 0 0",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_AUTO);
	struct run r;

	c.tls_active = false;
	c.allow_plaintext = true;
	session(&r, &c, script);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_false(outcome(&r)->tls);
	run_end(&r);
}

/* Response codes */

static void
test_pop3_response_codes(void **state)
{
	static const struct {
		const char	*reply;
		enum diag	 diag;
	} cases[] = {
		{ "-ERR [AUTH] Authentication failed.", DIAG_AUTH_FAILED },
		{ "-ERR [SYS/TEMP] try again", DIAG_SERVER_TEMPORARY },
		{ "-ERR [SYS/PERM] account closed", DIAG_SERVER_PERMANENT },
		{ "-ERR [IN-USE] Mailbox is locked", DIAG_MAILBOX_IN_USE },
		{ "-ERR [LOGIN-DELAY] wait 15 minutes", DIAG_LOGIN_DELAY },
		{ "-ERR invalid password", DIAG_AUTH_FAILED },
		{ "-ERR [X-UNKNOWN] what", DIAG_AUTH_FAILED },
		{ "* strange", DIAG_PROTOCOL_ERROR },
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	const char *script[12];
	struct run r;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = xasprintf("S: %s", cases[i].reply);

		script[0] = "S: +OK";
		script[1] = "C: CAPA";
		script[2] = "S: -ERR";
		script[3] = "C: USER tim";
		script[4] = "S: +OK";
		script[5] = "C: PASS " PW;
		script[6] = s;
		script[7] = "C: QUIT";
		script[8] = "S: +OK";
		script[9] = NULL;
		session(&r, &c, script);
		assert_outcome(&r, cases[i].diag, "logon");
		assert_false(outcome(&r)->logged_in);
		assert_non_null(strstr(outcome(&r)->message,
		    cases[i].reply));
		assert_true(contains(&r.steps, "-logon:fail +quit -quit:ok"));
		run_end(&r);
		free(s);
	}

	/* A code on the USER reply counts as well. */
	script[0] = "S: +OK";
	script[1] = "C: CAPA";
	script[2] = "S: -ERR";
	script[3] = "C: USER tim";
	script[4] = "S: -ERR [IN-USE] locked";
	script[5] = "C: QUIT";
	script[6] = "S: +OK";
	script[7] = NULL;
	session(&r, &c, script);
	assert_outcome(&r, DIAG_MAILBOX_IN_USE, "logon");
	assert_false(contains(&r.sent, "PASS"));
	run_end(&r);
}

static void
test_pop3_stat_replies(void **state)
{
	static const struct {
		const char	*reply;
		enum diag	 diag;
	} cases[] = {
		{ "-ERR [SYS/TEMP] index busy", DIAG_SERVER_TEMPORARY },
		{ "-ERR mailbox corrupt", DIAG_SERVER_PERMANENT },
		{ "+OK lots of mail", DIAG_PROTOCOL_ERROR },
		{ "hello", DIAG_PROTOCOL_ERROR },
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	const char *script[16];
	struct run r;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = xasprintf("S: %s", cases[i].reply);

		script[0] = "S: +OK";
		script[1] = "C: CAPA";
		script[2] = "S: -ERR";
		script[3] = "C: USER tim";
		script[4] = "S: +OK";
		script[5] = "C: PASS " PW;
		script[6] = "S: +OK";
		script[7] = "C: STAT";
		script[8] = s;
		script[9] = "C: QUIT";
		script[10] = "S: +OK";
		script[11] = NULL;
		session(&r, &c, script);
		assert_outcome(&r, cases[i].diag, "stat");
		assert_true(outcome(&r)->logged_in);
		assert_false(outcome(&r)->stat_ok);
		run_end(&r);
		free(s);
	}
}

static void
test_pop3_quit_replies(void **state)
{
	static const char *const head[] = {
		"S: +OK",
		"C: CAPA",
		"S: -ERR",
		"C: USER tim",
		"S: +OK",
		"C: PASS " PW,
		"S: +OK",
		"C: STAT",
		"S: +OK 1 1",
		"C: QUIT",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	/* Closing instead of answering QUIT is harmless. */
	run_start(&r, &c);
	play(&r, head);
	play(&r, (const char *const[]){ "E: CLOSED", NULL });
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(contains(&r.trace, "without answering QUIT"));
	run_end(&r);

	/* A -ERR to QUIT is noted; the logon still passed. */
	run_start(&r, &c);
	play(&r, head);
	play(&r, (const char *const[]){ "S: -ERR some messages not "
	    "deleted", NULL });
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(contains(&r.steps, "-quit:fail"));
	run_end(&r);

	/* No reply at all within the driver's timeout. */
	run_start(&r, &c);
	play(&r, head);
	play(&r, (const char *const[]){ "E: TIMEOUT", NULL });
	assert_outcome(&r, DIAG_TIMEOUT, "quit");
	assert_non_null(strstr(outcome(&r)->message, "QUIT"));
	run_end(&r);
}

/* Methods */

static void
test_pop3_apop_rfc1939(void **state)
{
	static const char *const script[] = {
		"S: +OK POP3 server ready " TS,
		"C: CAPA",
		"S: -ERR",
		"C: APOP mrose c4c9334bac560ecc979e58001b3e22fb",
		"S: +OK mrose's maildrop has 2 messages (320 octets)",
		"C: STAT",
		"S: +OK 2 320",
		"C: QUIT",
		"S: +OK dewey POP3 server signing off (maildrop empty)",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_APOP);
	struct run r;
	int pass;

	c.username = "mrose";
	c.password = "tanstaaf";
	/*
	 * Explicit APOP, then auto on a clear link (allow_plaintext): there
	 * APOP beats USER, which would send the password itself.
	 */
	for (pass = 0; pass < 2; pass++) {
		c.method = pass == 0 ? POP3_M_APOP : POP3_M_AUTO;
		c.tls_active = pass == 0;
		c.allow_plaintext = pass == 1;
		session(&r, &c, script);
		assert_outcome(&r, DIAG_OK, NULL);
		assert_int_equal(outcome(&r)->method, POP3_M_APOP);
		assert_true(outcome(&r)->apop_timestamp);
		assert_true(contains(&r.trace, "C: APOP mrose <redacted>\n"));
		assert_hidden(&r, "c4c9334bac560ecc979e58001b3e22fb");
		assert_hidden(&r, "tanstaaf");
		run_end(&r);
	}
}

/* Code page */

/* "jörg" / "pässwörd" in UTF-8 and in ISO-8859-1. */
#define CP_USER		"j\xc3\xb6rg"
#define CP_USER_L1	"j\xf6rg"
#define CP_PW		"p\xc3\xa4ssw\xc3\xb6rd"
#define CP_PW_L1	"p\xe4ssw\xf6rd"

static struct pop3_cfg
cfg_cp(enum pop3_method m)
{
	struct pop3_cfg c = cfg_tls(m);

	c.username = CP_USER;
	c.password = CP_PW;
	c.username_cp = CP_USER_L1;
	c.password_cp = CP_PW_L1;
	return c;
}

/*
 * USER, PASS, APOP, LOGIN and CRAM-MD5 send the credentials in the code
 * page; PLAIN sends UTF-8 (RFC 4616).  The trace shows the UTF-8 name.
 */
static void
test_pop3_codepage_credentials(void **state)
{
	const char *script[16];
	struct pop3_cfg c;
	struct run r;
	char *l1, *utf8, *u64, *p64, *apop, *cram;
	unsigned char chal[] = "<1896.697170952@postoffice.example.net>";

	/* USER / PASS, no CAPA: nothing pipelined. */
	c = cfg_cp(POP3_M_USER);
	script[0] = "S: +OK ready";
	script[1] = "C: CAPA";
	script[2] = "S: -ERR no CAPA";
	script[3] = "C: USER " CP_USER_L1;
	script[4] = "--";
	script[5] = "S: +OK";
	script[6] = "C: PASS " CP_PW_L1;
	script[7] = "S: +OK";
	script[8] = "C: STAT";
	script[9] = "S: +OK 0 0";
	script[10] = "C: QUIT";
	script[11] = "S: +OK";
	script[12] = NULL;
	session(&r, &c, script);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(contains(&r.trace, "C: USER j\xc3\xb6rg\n"));
	assert_false(contains(&r.sent, CP_PW));
	assert_hidden(&r, CP_PW_L1);
	run_end(&r);

	/* APOP: the digest of the timestamp and the Latin-1 password. */
	c = cfg_cp(POP3_M_APOP);
	apop = pop3_auth_apop(TS, CP_PW_L1);
	utf8 = pop3_auth_apop(TS, CP_PW);
	assert_string_not_equal(apop, utf8);
	l1 = xasprintf("C: APOP " CP_USER_L1 " %s", apop);
	script[0] = "S: +OK ready " TS;
	script[3] = l1;
	script[4] = "S: +OK";
	script[5] = "C: STAT";
	script[6] = "S: +OK 0 0";
	script[7] = "C: QUIT";
	script[8] = "S: +OK";
	script[9] = NULL;
	session(&r, &c, script);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(contains(&r.trace, "C: APOP j\xc3\xb6rg <redacted>\n"));
	assert_hidden(&r, apop);
	run_end(&r);
	free(l1);
	free(utf8);
	free(apop);

	/* LOGIN: base64 of the Latin-1 name and password. */
	c = cfg_cp(POP3_M_LOGIN);
	u64 = xasprintf("C: %s", b64_encode_tmp(CP_USER_L1));
	p64 = xasprintf("C: %s", b64_encode_tmp(CP_PW_L1));
	script[0] = "S: +OK ready";
	script[1] = "C: CAPA";
	script[2] = "S: +OK";
	script[3] = "S: SASL LOGIN CRAM-MD5 PLAIN";
	script[4] = "S: .";
	script[5] = "C: AUTH LOGIN";
	script[6] = "S: + VXNlcm5hbWU6";
	script[7] = u64;
	script[8] = "S: + UGFzc3dvcmQ6";
	script[9] = p64;
	script[10] = "S: +OK";
	script[11] = "C: STAT";
	script[12] = "S: +OK 0 0";
	script[13] = "C: QUIT";
	script[14] = "S: +OK";
	script[15] = NULL;
	session(&r, &c, script);
	assert_outcome(&r, DIAG_OK, NULL);
	run_end(&r);
	free(u64);
	free(p64);

	/* CRAM-MD5: the Latin-1 name and the HMAC keyed with Latin-1. */
	c = cfg_cp(POP3_M_CRAM_MD5);
	cram = pop3_auth_cram(CP_USER_L1, CP_PW_L1, chal, sizeof chal - 1);
	utf8 = pop3_auth_cram(CP_USER, CP_PW, chal, sizeof chal - 1);
	assert_string_not_equal(cram, utf8);
	l1 = xasprintf("C: %s", cram);
	u64 = xasprintf("S: + %s", b64_encode_tmp((const char *)chal));
	script[5] = "C: AUTH CRAM-MD5";
	script[6] = u64;
	script[7] = l1;
	script[8] = "S: +OK";
	script[9] = "C: STAT";
	script[10] = "S: +OK 0 0";
	script[11] = "C: QUIT";
	script[12] = "S: +OK";
	script[13] = NULL;
	session(&r, &c, script);
	assert_outcome(&r, DIAG_OK, NULL);
	run_end(&r);
	free(l1);
	free(u64);
	free(utf8);
	free(cram);

	/* PLAIN stays UTF-8 whatever the code page. */
	c = cfg_cp(POP3_M_PLAIN);
	utf8 = pop3_auth_plain(CP_USER, CP_PW);
	l1 = xasprintf("C: AUTH PLAIN %s", utf8);
	script[5] = l1;
	script[6] = "S: +OK";
	script[7] = "C: STAT";
	script[8] = "S: +OK 0 0";
	script[9] = "C: QUIT";
	script[10] = "S: +OK";
	script[11] = NULL;
	session(&r, &c, script);
	assert_outcome(&r, DIAG_OK, NULL);
	run_end(&r);
	free(l1);
	free(utf8);
}

/* A stand-in decoder: marks what went through it. */
static char *
cp_decode(void *arg, const char *s, size_t len)
{
	char *e, *out;

	(*(int *)arg)++;
	e = str_escape(s, len);
	out = xasprintf("dec<%s>", e);
	free(e);
	return out;
}

/*
 * Server text goes through the decoder for the trace and the message,
 * after the secrets (in the code page too) are masked; the OAuth2 JSON
 * error is UTF-8 and does not.
 */
static void
test_pop3_codepage_decode(void **state)
{
	static const char *const script[] = {
		"S: +OK ready",
		"C: CAPA",
		"S: -ERR no",
		"C: USER " CP_USER_L1,
		"S: +OK",
		"C: PASS " CP_PW_L1,
		"S: -ERR [AUTH] bad \xe9 " CP_PW_L1,
		"C: QUIT",
		"S: +OK",
		NULL
	};
	static const char json[] = "{\"status\":\"401\"}";
	const char *x2[16];
	struct pop3_cfg c = cfg_cp(POP3_M_USER);
	struct run r;
	char *b64, *l;
	int calls = 0;

	c.decode = cp_decode;
	c.decode_arg = &calls;
	session(&r, &c, script);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_true(calls > 0);
	assert_true(contains(&r.trace, "S: dec<+OK ready>\n"));
	assert_non_null(strstr(outcome(&r)->message,
	    "dec<-ERR [AUTH] bad \\xe9 <redacted>>"));
	assert_hidden(&r, CP_PW_L1);
	run_end(&r);

	/* XOAUTH2's JSON error: UTF-8, not through the decoder. */
	c = cfg_tls(POP3_M_XOAUTH2);
	c.oauth_token = "ya29.token-value";
	c.decode = cp_decode;
	c.decode_arg = &calls;
	b64 = b64_encode(json, strlen(json));
	l = xasprintf("S: + %s", b64);
	x2[0] = "S: +OK ready";
	x2[1] = "C: CAPA";
	x2[2] = "S: +OK";
	x2[3] = "S: SASL XOAUTH2";
	x2[4] = "S: .";
	x2[5] = "C: AUTH XOAUTH2";
	x2[6] = "S: + ";
	x2[7] = NULL;
	run_start(&r, &c);
	play(&r, x2);
	pop3_feed(r.p, l + 3, strlen(l + 3));
	pop3_feed(r.p, "\r\n", 2);
	drain(&r);
	assert_non_null(r.p->sasl.xoauth2_err);
	assert_string_equal(r.p->sasl.xoauth2_err, json);
	run_end(&r);
	free(l);
	free(b64);
}

/*
 * The credentials cannot be written in the code page: the methods that
 * need it are never tried (nothing of the credentials is sent), auto
 * leaves them out and says why, PLAIN (UTF-8) still works.
 */
static void
test_pop3_codepage_error(void **state)
{
	static const char *const user[] = {
		"S: +OK ready",
		"C: CAPA",
		"S: +OK",
		"S: USER",
		"S: SASL LOGIN",
		"S: .",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	static const char *const plain[] = {
		"S: +OK ready",
		"C: CAPA",
		"S: +OK",
		"S: USER",
		"S: SASL LOGIN PLAIN",
		"S: .",
		NULL
	};
	static const char why[] = "the password cannot be written in code "
	    "page 20127";
	struct pop3_cfg c;
	struct run r;
	char *ir, *l;

	c = cfg_cp(POP3_M_USER);
	c.username_cp = c.password_cp = NULL;
	c.cp_error = why;
	session(&r, &c, user);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_non_null(strstr(outcome(&r)->message, why));
	assert_non_null(strstr(outcome(&r)->message, "nothing was sent"));
	run_end(&r);

	c.method = POP3_M_AUTO;
	session(&r, &c, user);
	assert_outcome(&r, DIAG_AUTH_MECHANISM_UNAVAILABLE, "logon");
	assert_non_null(strstr(outcome(&r)->message, why));
	run_end(&r);

	ir = pop3_auth_plain(CP_USER, CP_PW);
	l = xasprintf("AUTH PLAIN %s", ir);
	run_start(&r, &c);
	play(&r, plain);
	expect_sent(&r, l);
	run_end(&r);
	free(l);
	free(ir);
}

static void
test_pop3_cram_md5_rfc2195(void **state)
{
	static const char *const script[] = {
		"S: +OK ready",
		"C: CAPA",
		"S: +OK",
		"S: SASL CRAM-MD5",
		"S: .",
		"C: AUTH CRAM-MD5",
		"S: + PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
		"C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw",
		"S: +OK CRAM authentication successful",
		"C: STAT",
		"S: +OK 0 0",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_CRAM_MD5);
	struct run r;

	c.password = "tanstaaftanstaaf";
	session(&r, &c, script);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_int_equal(outcome(&r)->method, POP3_M_CRAM_MD5);
	/* The challenge is server data and shown; the answer is not. */
	assert_true(contains(&r.trace, "S: + PDE4OTYuNjk3MTcwOTUyQHBvc3Rv"));
	assert_true(contains(&r.trace, "C: <redacted>\n"));
	assert_hidden(&r, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	assert_hidden(&r, "tanstaaftanstaaf");
	run_end(&r);
}

static void
test_pop3_cram_md5_bad_challenge(void **state)
{
	static const char *const challenges[] = {
		"S: + not*base64!",
		"S: + PDE4OTYu=",
		"S: + ",
		"S: +",
	};
	struct pop3_cfg c = cfg_tls(POP3_M_CRAM_MD5);
	const char *script[16];
	struct run r;
	size_t i;

	for (i = 0; i < sizeof challenges / sizeof challenges[0]; i++) {
		script[0] = "S: +OK";
		script[1] = "C: CAPA";
		script[2] = "S: +OK";
		script[3] = "S: SASL CRAM-MD5";
		script[4] = "S: .";
		script[5] = "C: AUTH CRAM-MD5";
		script[6] = challenges[i];
		script[7] = "C: *";
		script[8] = "S: -ERR authentication cancelled";
		script[9] = "C: QUIT";
		script[10] = "S: +OK";
		script[11] = NULL;
		session(&r, &c, script);
		assert_outcome(&r, DIAG_PROTOCOL_ERROR, "logon");
		assert_non_null(strstr(outcome(&r)->message, "CRAM-MD5"));
		assert_true(contains(&r.trace, "C: *\n"));
		run_end(&r);
	}
}

static void
test_pop3_plain_forms(void **state)
{
	static const char *const robust[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: SASL PLAIN",
		"S: .",
		"C: AUTH PLAIN AHRpbQB0YW5zdGFhZg==",
		"S: + ",
		"C: AHRpbQB0YW5zdGFhZg==",
		"S: +OK",
		"C: STAT",
		"S: +OK 1 2",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	static const char *const twice[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: SASL PLAIN",
		"S: .",
		"C: AUTH PLAIN AHRpbQB0YW5zdGFhZg==",
		"S: +",
		"C: AHRpbQB0YW5zdGFhZg==",
		"S: + ",
		"C: *",
		"S: -ERR",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	static const char *const refused[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: SASL PLAIN",
		"S: .",
		"C: AUTH PLAIN AHRpbQB0YW5zdGFhZg==",
		"S: -ERR [AUTH] Authentication failed.",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_PLAIN);
	struct run r;

	c.password = "tanstaaf";
	/* The server asks again despite the initial response: answer once. */
	session(&r, &c, robust);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(contains(&r.trace, "C: <redacted>\n"));
	assert_hidden(&r, "AHRpbQB0YW5zdGFhZg==");
	run_end(&r);

	session(&r, &c, twice);
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "logon");
	assert_non_null(strstr(outcome(&r)->message, "one challenge too "
	    "many"));
	run_end(&r);

	session(&r, &c, refused);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	run_end(&r);
}

static void
test_pop3_plain_long_two_step(void **state)
{
	static const char *const head[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: SASL PLAIN",
		"S: .",
		"C: AUTH PLAIN",
		"S: + ",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_PLAIN);
	char user[201], *payload;
	struct run r;

	/* Too long for the 255-octet AUTH line of RFC 5034. */
	memset(user, 'u', 200);
	user[200] = '\0';
	c.username = user;
	run_start(&r, &c);
	play(&r, head);
	payload = pop3_auth_plain(user, PW);
	expect_sent(&r, payload);
	play(&r, (const char *const[]){ "S: +OK", "C: STAT", "S: +OK 0 0",
	    "C: QUIT", "S: +OK", NULL });
	expect_nothing_more(&r);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_hidden(&r, payload);
	assert_hidden(&r, PW);
	free(payload);
	run_end(&r);
}

static void
test_pop3_login(void **state)
{
	static const char *const ok[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: SASL LOGIN",
		"S: .",
		"C: AUTH LOGIN",
		"S: + VXNlcm5hbWU6",
		"C: dGlt",
		"S: + UGFzc3dvcmQ6",
		"C: dGFuc3RhYWY=",
		"S: +OK Logged in.",
		"C: STAT",
		"S: +OK 5 500",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	static const char *const three[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: SASL LOGIN",
		"S: .",
		"C: AUTH LOGIN",
		"S: + odd prompt",
		"C: dGlt",
		"S: +",
		"C: dGFuc3RhYWY=",
		"S: + more?",
		"C: *",
		"S: -ERR",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_LOGIN);
	struct run r;

	c.password = "tanstaaf";
	session(&r, &c, ok);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(outcome(&r)->messages == 5);
	assert_hidden(&r, "dGFuc3RhYWY=");
	assert_hidden(&r, "tanstaaf");
	run_end(&r);

	/* Prompt text does not matter; a third challenge is cancelled. */
	session(&r, &c, three);
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "logon");
	run_end(&r);
}

static char *
long_token(size_t n)
{
	char *t = xmalloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		t[i] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-._~"[i % 66];
	t[n] = '\0';
	return t;
}

static void
test_pop3_xoauth2_long_token(void **state)
{
	static const char *const head[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: SASL PLAIN XOAUTH2",
		"S: .",
		"C: AUTH XOAUTH2",
		"S: +",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_AUTO);
	char *tok, *payload, *want;
	unsigned char *dec;
	size_t dlen;
	struct run r;

	tok = long_token(6000);
	c.oauth_token = tok;
	c.username = "someone@example.com";
	run_start(&r, &c);
	play(&r, head);
	payload = pop3_auth_xoauth2(c.username, tok);
	assert_true(strlen(payload) > 8000);
	expect_sent(&r, payload);
	assert_int_equal(b64_decode(payload, strlen(payload), &dec, &dlen),
	    PC_OK);
	want = xasprintf("user=someone@example.com\001auth=Bearer %s\001\001",
	    tok);
	assert_int_equal(dlen, strlen(want));
	assert_memory_equal(dec, want, dlen);
	play(&r, (const char *const[]){ "S: +OK", "C: STAT", "S: +OK 0 0",
	    "C: QUIT", "S: +OK", NULL });
	expect_nothing_more(&r);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_int_equal(outcome(&r)->method, POP3_M_XOAUTH2);
	assert_true(contains(&r.trace, "N: auto: chose XOAUTH2 (the profile "
	    "has an OAuth2 token; offered: SASL PLAIN XOAUTH2)\n"));
	assert_hidden(&r, tok);
	assert_hidden(&r, payload);
	assert_hidden(&r, PW);
	free(dec);
	free(want);
	free(payload);
	run_end(&r);
	free(tok);
}

static void
test_pop3_xoauth2_json_error(void **state)
{
	static const char *const script[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: SASL XOAUTH2",
		"S: .",
		"C: AUTH XOAUTH2",
		"S: + ",
		NULL
	};
	static const char json[] = "{\"status\":\"401\",\"schemes\":\"bearer\","
	    "\"scope\":\"https://outlook.office.com/POP.AccessAsUser.All\"}";
	struct pop3_cfg c = cfg_tls(POP3_M_XOAUTH2);
	char *b64, *line, *tokline;
	struct run r;

	c.oauth_token = "expired-token-123";
	run_start(&r, &c);
	play(&r, script);
	tokline = pop3_auth_xoauth2("tim", c.oauth_token);
	expect_sent(&r, tokline);
	b64 = b64_encode(json, strlen(json));
	line = xasprintf("S: + %s", b64);
	play(&r, (const char *const[]){ line, "C: ", "S: -ERR Authentication "
	    "failed", "C: QUIT", "S: +OK", NULL });
	expect_nothing_more(&r);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_non_null(strstr(outcome(&r)->message, json));
	assert_non_null(strstr(outcome(&r)->message, "Authentication failed"));
	assert_true(contains(&r.trace, "C: (empty line)\n"));
	assert_hidden(&r, "expired-token-123");
	free(line);
	free(b64);
	run_end(&r);

	/* An error that is not base64 is shown as received. */
	run_start(&r, &c);
	play(&r, script);
	expect_sent(&r, tokline);
	play(&r, (const char *const[]){ "S: + {oops}", "C: ", "S: -ERR",
	    "C: QUIT", "S: +OK", NULL });
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_non_null(strstr(outcome(&r)->message, "(not base64) {oops}"));
	run_end(&r);
	free(tokline);
}

/*
 * auto: a token picks OAUTHBEARER, then XOAUTH2;
 * over TLS PLAIN, LOGIN, USER come first (PLAIN works however the server
 * stores passwords), then SCRAM, CRAM-MD5, APOP; on a clear link
 * (allow_plaintext) the challenge-response methods come first.
 */
static void
test_pop3_auto_choice(void **state)
{
	static const struct {
		bool		 clear;		/* clear link, allow_plaintext */
		const char	*greeting;
		const char	*capa[4];	/* NULL-terminated */
		bool		 token;
		bool		 password;
		const char	*first;		/* first logon line starts so */
		const char	*note;
	} cases[] = {
		{ false, "+OK " TS, { "SASL PLAIN LOGIN CRAM-MD5 XOAUTH2",
		    "USER" }, true, true, "AUTH XOAUTH2", "auto: chose XOAUTH2 "
		    "(the profile has an OAuth2 token" },
		{ false, "+OK", { "SASL PLAIN XOAUTH2 OAUTHBEARER" }, true,
		    true, "AUTH OAUTHBEARER", "auto: chose OAUTHBEARER" },
		{ false, "+OK " TS, { "SASL PLAIN LOGIN CRAM-MD5 XOAUTH2",
		    "USER" }, false, true, "AUTH PLAIN ", "auto: chose PLAIN "
		    "(over TLS: PLAIN, LOGIN, USER first; offered: SASL PLAIN "
		    "LOGIN CRAM-MD5 XOAUTH2, USER, APOP timestamp)" },
		{ false, "+OK", { "SASL LOGIN CRAM-MD5 SCRAM-SHA-256" }, false,
		    true, "AUTH LOGIN", "auto: chose LOGIN" },
		{ false, "+OK", { "SASL CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256" },
		    false, true, "AUTH SCRAM-SHA-256 ", "auto: chose "
		    "SCRAM-SHA-256" },
		{ false, "+OK", { "SASL CRAM-MD5 SCRAM-SHA-1" }, false, true,
		    "AUTH SCRAM-SHA-1 ", "auto: chose SCRAM-SHA-1" },
		{ false, "+OK " TS, { "SASL CRAM-MD5" }, false, true,
		    "AUTH CRAM-MD5", "auto: chose CRAM-MD5" },
		{ false, "+OK " TS, { "TOP" }, false, true, "APOP tim ",
		    "auto: chose APOP" },
		{ false, "+OK", { "USER" }, false, true, "USER tim",
		    "auto: chose USER" },
		{ false, "+OK", { "SASL PLAIN" }, true, true, "AUTH PLAIN ",
		    "no OAuth2 mechanism offered" },
		{ false, "+OK", { "SASL XOAUTH2", "USER" }, true, false,
		    "AUTH XOAUTH2", "auto: chose XOAUTH2" },
		{ false, "+OK", { "TOP" }, false, true, NULL,
		    "auto: no logon method fits" },
		{ false, "+OK", { "SASL PLAIN", "USER" }, true, false, NULL,
		    "a token only" },
		{ false, "+OK " TS, { "SASL CRAM-MD5" }, false, false, NULL,
		    "no password and no token" },
		{ true, "+OK " TS, { "SASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1",
		    "USER" }, false, true, "AUTH SCRAM-SHA-1 ", "auto: chose "
		    "SCRAM-SHA-1 (clear link: challenge-response first" },
		{ true, "+OK", { "SASL PLAIN LOGIN CRAM-MD5", "USER" }, false,
		    true, "AUTH CRAM-MD5", "auto: chose CRAM-MD5" },
		{ true, "+OK " TS, { "SASL PLAIN LOGIN", "USER" }, false, true,
		    "APOP tim ", "auto: chose APOP" },
		{ true, "+OK", { "SASL LOGIN", "USER" }, false, true,
		    "AUTH LOGIN", "auto: chose LOGIN" },
	};
	struct pop3_cfg c;
	struct run r;
	size_t i, k, at;
	char *s;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c = cfg_tls(POP3_M_AUTO);
		c.oauth_token = cases[i].token ? "tok-abc" : NULL;
		c.password = cases[i].password ? PW : NULL;
		c.scram_nonce = "fyko+d2lbbFgONRv9qkxdawL";
		c.tls_active = !cases[i].clear;
		c.allow_plaintext = cases[i].clear;
		run_start(&r, &c);
		s = xasprintf("S: %s", cases[i].greeting);
		play(&r, (const char *const[]){ s, "C: CAPA", "S: +OK", NULL });
		free(s);
		for (k = 0; cases[i].capa[k] != NULL; k++) {
			s = xasprintf("%s\r\n", cases[i].capa[k]);
			feed(&r, s, strlen(s));
			free(s);
		}
		at = r.sent.len;
		feed(&r, ".\r\n", 3);
		if (!contains(&r.trace, cases[i].note))
			fail_msg("case %zu: no note \"%s\" in\n%s", i,
			    cases[i].note, r.trace.data);
		if (cases[i].first != NULL) {
			assert_true(r.sent.len > at);
			if (strncmp(r.sent.data + at, cases[i].first,
			    strlen(cases[i].first)) != 0)
				fail_msg("case %zu: sent %s", i,
				    r.sent.data + at);
			assert_int_equal(r.done, 0);
		} else {
			assert_string_equal(r.sent.data + at, "QUIT\r\n");
			play(&r, (const char *const[]){ "S: +OK", NULL });
			assert_outcome(&r, DIAG_AUTH_MECHANISM_UNAVAILABLE,
			    "logon");
		}
		run_end(&r);
	}
	/* Without a nonce from the driver SCRAM is never chosen. */
	c = cfg_tls(POP3_M_AUTO);
	run_start(&r, &c);
	play(&r, (const char *const[]){ "S: +OK", "C: CAPA", "S: +OK",
	    "S: SASL SCRAM-SHA-256 CRAM-MD5", "S: .", "C: AUTH CRAM-MD5",
	    NULL });
	run_end(&r);
}

static void
test_pop3_explicit_unavailable(void **state)
{
	static const char *const script[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: SASL PLAIN LOGIN",
		"S: USER",
		"S: .",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_CRAM_MD5);
	struct run r;

	session(&r, &c, script);
	assert_outcome(&r, DIAG_AUTH_MECHANISM_UNAVAILABLE, "logon");
	assert_string_equal(outcome(&r)->message, "the server does not offer "
	    "SASL CRAM-MD5 (offers: SASL PLAIN LOGIN, USER)");
	assert_int_equal(outcome(&r)->method, POP3_M_CRAM_MD5);
	run_end(&r);

	c.method = POP3_M_XOAUTH2;
	session(&r, &c, script);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_non_null(strstr(outcome(&r)->message, "token"));
	run_end(&r);
}

static void
test_pop3_creds_with_line_break(void **state)
{
	static const char *const script[] = {
		"S: +OK",
		"C: CAPA",
		"S: -ERR",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	c.username = "tim\r\nDELE 1";
	session(&r, &c, script);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_false(contains(&r.sent, "DELE"));
	run_end(&r);

	c.username = "tim";
	c.password = "pw\r\nDELE 1";
	session(&r, &c, script);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_false(contains(&r.sent, "DELE"));
	run_end(&r);

	/* A token only matters to XOAUTH2 (the driver should trim it). */
	c.password = PW;
	c.oauth_token = "tok-abc\n";
	c.method = POP3_M_XOAUTH2;
	session(&r, &c, script);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	run_end(&r);
	c.method = POP3_M_USER;
	run_start(&r, &c);
	play(&r, (const char *const[]){ "S: +OK", "C: CAPA", "S: -ERR",
	    "C: USER tim", NULL });
	expect_nothing_more(&r);
	run_end(&r);
}

/* Hostile framing, closes and timeouts */

static void
test_pop3_huge_line(void **state)
{
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	size_t big = 1024 * 1024, off;
	struct run r;
	char *mib;

	mib = xmalloc(big);
	memset(mib, 'A', big);
	/* In one piece. */
	run_start(&r, &c);
	feed(&r, mib, big);
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "greeting");
	assert_string_equal(outcome(&r)->message, "line longer than 8192 "
	    "bytes, during greeting");
	assert_int_equal(r.sent.len, 0);
	run_end(&r);

	/* In 4 KiB reads: stops at the cap, ignores the rest. */
	run_start(&r, &c);
	for (off = 0; off < big; off += 4096)
		feed(&r, mib + off, 4096);
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "greeting");
	assert_int_equal(r.sent.len, 0);
	run_end(&r);

	/* A 1 MiB line later in the session, CRLF-terminated. */
	run_start(&r, &c);
	play(&r, (const char *const[]){ "S: +OK", "C: CAPA", "S: +OK", NULL });
	mib[big - 2] = '\r';
	mib[big - 1] = '\n';
	feed(&r, mib, big);
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "capa");
	expect_nothing_more(&r);
	run_end(&r);
	free(mib);
}

static void
test_pop3_nul_byte(void **state)
{
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	run_start(&r, &c);
	feed(&r, "+OK hi\0there\r\n", 14);
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "greeting");
	assert_non_null(strstr(outcome(&r)->message, "NUL"));
	assert_int_equal(r.sent.len, 0);
	run_end(&r);
}

static void
test_pop3_no_line_end_then_close(void **state)
{
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	run_start(&r, &c);
	feed(&r, "+OK never ends", 14);
	assert_int_equal(r.done, 0);
	pop3_event(r.p, POP3_EV_CLOSED);
	drain(&r);
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "greeting");
	assert_string_equal(outcome(&r)->message, "the server closed the "
	    "connection during greeting, after 14 bytes with no line end");
	assert_int_equal(r.sent.len, 0);
	run_end(&r);
}

static void
test_pop3_multi_line_cap(void **state)
{
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;
	char line[8002];
	int i;

	/* The default cap: 1 MiB in all. */
	run_start(&r, &c);
	play(&r, (const char *const[]){ "S: +OK", "C: CAPA", "S: +OK", NULL });
	memset(line, 'X', 8000);
	memcpy(line + 8000, "\r\n", 2);
	for (i = 0; i < 140 && r.done == 0; i++)
		feed(&r, line, sizeof line);
	assert_int_equal(i, 132);	/* 131 lines fit in 1 MiB */
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "capa");
	assert_non_null(strstr(outcome(&r)->message, "multi-line response "
	    "longer than 1048576 bytes"));
	expect_nothing_more(&r);
	/* Only POP3_CAPA_MAX_LINES are kept. */
	assert_int_equal(outcome(&r)->capa.nlines, POP3_CAPA_MAX_LINES);
	run_end(&r);

	/* A configured cap. */
	c.max_multi = 12;	/* "USER" fits, "PIPELINING" not */
	run_start(&r, &c);
	play(&r, (const char *const[]){ "S: +OK", "C: CAPA", "S: +OK",
	    "S: USER", "S: PIPELINING", NULL });
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "capa");
	run_end(&r);
}

static void
test_pop3_closed_mid_session(void **state)
{
	static const char *const script[] = {
		"S: +OK",
		"C: CAPA",
		"E: CLOSED",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	session(&r, &c, script);
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "capa");
	assert_string_equal(outcome(&r)->message, "the server closed the "
	    "connection during capa");
	assert_true(contains(&r.steps, "-capa:fail"));
	run_end(&r);

	/* Before any greeting. */
	run_start(&r, &c);
	play(&r, (const char *const[]){ "E: CLOSED", NULL });
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "greeting");
	run_end(&r);
}

static void
test_pop3_timeouts(void **state)
{
	static const char *const at_logon[] = {
		"S: +OK",
		"C: CAPA",
		"S: -ERR",
		"C: USER tim",
		"S: +OK",
		"C: PASS " PW,
		"E: TIMEOUT",
		NULL
	};
	static const char *const at_greeting[] = {
		"E: TIMEOUT",
		NULL
	};
	static const char *const after_failure[] = {
		"S: +OK",
		"C: CAPA",
		"S: -ERR",
		"C: USER tim",
		"S: -ERR [AUTH] no",
		"C: QUIT",
		"E: TIMEOUT",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	session(&r, &c, at_logon);
	assert_outcome(&r, DIAG_TIMEOUT, "logon");
	assert_string_equal(outcome(&r)->message, "timed out waiting for the "
	    "server during logon");
	run_end(&r);

	session(&r, &c, at_greeting);
	assert_outcome(&r, DIAG_TIMEOUT, "greeting");
	assert_null(strstr(outcome(&r)->message, "security=ssl"));
	run_end(&r);

	/* No greeting on a clear link: maybe a POP3S port; say so. */
	c.tls_active = false;
	c.stls = true;
	session(&r, &c, at_greeting);
	assert_outcome(&r, DIAG_TIMEOUT, "greeting");
	assert_non_null(strstr(outcome(&r)->message, "use security=ssl"));
	run_end(&r);
	c.tls_active = true;
	c.stls = false;

	/* The first failure is the diagnosis; the QUIT wait just ends. */
	session(&r, &c, after_failure);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	run_end(&r);
}

/* Redaction and framing independence */

static void
test_pop3_server_echo_masked(void **state)
{
	static const char *const script[] = {
		"S: +OK",
		"C: CAPA",
		"S: -ERR",
		"C: USER tim",
		"S: +OK",
		"C: PASS " PW,
		"S: -ERR [AUTH] wrong password " PW " for tim",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	session(&r, &c, script);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_true(contains(&r.trace, "S: -ERR [AUTH] wrong password "
	    "<redacted> for tim\n"));
	assert_hidden(&r, PW);
	run_end(&r);
}

static void
test_pop3_capa_echo_masked(void **state)
{
	static const char *const script[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: SASL X-" PW,
		"S: IMPLEMENTATION " PW,
		"S: .",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_AUTO);
	struct run r;

	/* Found by fuzz_pop3: CAPA text reaches notes and the outcome. */
	session(&r, &c, script);
	assert_outcome(&r, DIAG_AUTH_MECHANISM_UNAVAILABLE, "logon");
	assert_string_equal(outcome(&r)->capa.sasl_list, "X-<redacted>");
	assert_string_equal(outcome(&r)->capa.lines[1],
	    "IMPLEMENTATION <redacted>");
	assert_true(contains(&r.trace, "SASL X-<redacted>"));
	assert_hidden(&r, PW);
	run_end(&r);
}

/* One successful session per method, each with its secret form. */
static void
test_pop3_redaction_all_methods(void **state)
{
	static const char chal[] = "<1896.697170952@postoffice.reston.mci.net>";
	struct pop3_cfg c;
	struct run r;
	char *want, *line, *b64chal;
	int m;

	b64chal = b64_encode(chal, strlen(chal));
	/* SCRAM has its own test with the RFC vectors (test_pop3_scram). */
	for (m = POP3_M_USER; m <= POP3_M_OAUTHBEARER; m++) {
		c = cfg_tls((enum pop3_method)m);
		c.oauth_token = "tok-" PW;
		run_start(&r, &c);
		play(&r, (const char *const[]){ "S: +OK hi " TS, "C: CAPA",
		    "S: +OK", "S: USER", "S: SASL PLAIN LOGIN CRAM-MD5 XOAUTH2 "
		    "OAUTHBEARER", "S: .", NULL });
		want = NULL;
		switch (m) {
		case POP3_M_USER:
			play(&r, (const char *const[]){ "C: USER tim",
			    "S: +OK", NULL });
			want = xstrdup(PW);
			break;
		case POP3_M_APOP:
			want = pop3_auth_apop(TS, PW);
			break;
		case POP3_M_PLAIN:
			want = pop3_auth_plain("tim", PW);
			break;
		case POP3_M_LOGIN:
			play(&r, (const char *const[]){ "C: AUTH LOGIN",
			    "S: + VXNlcm5hbWU6", "C: dGlt",
			    "S: + UGFzc3dvcmQ6", NULL });
			want = b64_encode(PW, strlen(PW));
			break;
		case POP3_M_CRAM_MD5:
			line = xasprintf("S: + %s", b64chal);
			play(&r, (const char *const[]){ "C: AUTH CRAM-MD5",
			    line, NULL });
			free(line);
			want = pop3_auth_cram("tim", PW,
			    (const unsigned char *)chal, strlen(chal));
			break;
		case POP3_M_XOAUTH2:
			play(&r, (const char *const[]){ "C: AUTH XOAUTH2",
			    "S: +", NULL });
			want = pop3_auth_xoauth2("tim", "tok-" PW);
			break;
		case POP3_M_OAUTHBEARER:
			play(&r, (const char *const[]){ "C: AUTH OAUTHBEARER",
			    "S: +", NULL });
			want = pop3_auth_oauthbearer("tim", "tok-" PW);
			break;
		}
		/* The secret form went out, flagged sensitive ... */
		assert_true(contains(&r.sent, want));
		assert_false(contains(&r.plain, want));
		play(&r, (const char *const[]){ "S: +OK", NULL });
		r.checked = r.sent.len - strlen("STAT\r\n");
		play(&r, (const char *const[]){ "C: STAT", "S: +OK 1 1",
		    "C: QUIT", "S: +OK", NULL });
		expect_nothing_more(&r);
		assert_outcome(&r, DIAG_OK, NULL);
		assert_int_equal(outcome(&r)->method, m);
		/* ... and shows nowhere. */
		assert_hidden(&r, want);
		assert_hidden(&r, PW);
		assert_true(contains(&r.trace, "<redacted>"));
		free(want);
		run_end(&r);
	}
	free(b64chal);
}

/*
 * SCRAM with the vectors of RFC 5802 section 5 (SHA-1) and RFC 7677
 * section 3 (SHA-256): the client-first message rides on the AUTH line,
 * the proof matches the RFC, the server's signature is checked (a wrong
 * one fails, a missing one fails), nothing secret shows.
 */
static void
test_pop3_scram(void **state)
{
	static const struct {
		enum pop3_method m;
		const char	*nonce;
		const char	*sfirst;
		const char	*cfinal;
		const char	*sfinal;
	} v[] = {
		{ POP3_M_SCRAM_SHA1, "fyko+d2lbbFgONRv9qkxdawL",
		  "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
		  "s=QSXCR+Q6sek8bf92,i=4096",
		  "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
		  "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		  "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=" },
		{ POP3_M_SCRAM_SHA256, "rOprNGfwEbeRWgbNEkqO",
		  "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		  "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		  "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		  "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" },
	};
	struct pop3_cfg c;
	struct run r;
	char *first, *cf, *sf, *sfin, *bad, *l1, *l2, *l3, *l4;
	const char *name;
	size_t i;
	int kind;

	(void)state;
	for (i = 0; i < 2; i++) {
		name = v[i].m == POP3_M_SCRAM_SHA1 ? "SCRAM-SHA-1" :
		    "SCRAM-SHA-256";
		first = xasprintf("n,,n=user,r=%s", v[i].nonce);
		l1 = b64_encode(first, strlen(first));
		free(first);
		first = xasprintf("C: AUTH %s %s", name, l1);
		sf = b64_encode(v[i].sfirst, strlen(v[i].sfirst));
		l2 = xasprintf("S: + %s", sf);
		free(sf);
		cf = b64_encode(v[i].cfinal, strlen(v[i].cfinal));
		l3 = xasprintf("C: %s", cf);
		sfin = b64_encode(v[i].sfinal, strlen(v[i].sfinal));
		l4 = xasprintf("S: + %s", sfin);
		/* v= of the right length, all zero bytes. */
		bad = v[i].m == POP3_M_SCRAM_SHA1 ?
		    b64_encode("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=", 30) :
		    b64_encode("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		    46);
		for (kind = 0; kind < 3; kind++) {
			c = cfg_tls(v[i].m);
			c.username = "user";
			c.password = "pencil";
			c.scram_nonce = v[i].nonce;
			run_start(&r, &c);
			play(&r, (const char *const[]){ "S: +OK Dovecot ready.",
			    "C: CAPA", "S: +OK", "S: SASL SCRAM-SHA-1 "
			    "SCRAM-SHA-256 PLAIN", "S: .", first, "--", l2, l3,
			    "--", NULL });
			if (kind == 0) {
				/* Right signature: empty line, then +OK. */
				play(&r, (const char *const[]){ l4, "C: ",
				    "--", "S: +OK Logged in.", "C: STAT",
				    "S: +OK 0 0", "C: QUIT", "S: +OK", "--",
				    NULL });
				assert_outcome(&r, DIAG_OK, NULL);
				assert_int_equal(outcome(&r)->method, v[i].m);
				assert_true(contains(&r.trace, "C: <redacted> "
				    "(client proof)\n"));
			} else if (kind == 1) {
				/* A wrong signature: "*", nothing more. */
				sf = xasprintf("S: + %s", bad);
				play(&r, (const char *const[]){ sf, "C: *",
				    "--", "S: -ERR cancelled", "C: QUIT",
				    "S: +OK", NULL });
				free(sf);
				assert_outcome(&r, DIAG_PROTOCOL_ERROR,
				    "logon");
				assert_non_null(strstr(outcome(&r)->message,
				    "signature is wrong"));
			} else {
				/* +OK without the server's signature. */
				play(&r, (const char *const[]){
				    "S: +OK Logged in.", "C: QUIT", "S: +OK",
				    NULL });
				assert_outcome(&r, DIAG_PROTOCOL_ERROR,
				    "logon");
				assert_non_null(strstr(outcome(&r)->message,
				    "without proving"));
			}
			assert_hidden(&r, "pencil");
			assert_hidden(&r, cf);
			assert_false(contains(&r.plain, "pencil"));
			run_end(&r);
		}
		free(first);
		free(l1);
		free(l2);
		free(l3);
		free(l4);
		free(cf);
		free(sfin);
		free(bad);
	}

	/* A server nonce that does not extend ours: cancelled. */
	c = cfg_tls(POP3_M_SCRAM_SHA256);
	c.scram_nonce = "abcdefghijklmnopqrstuvwx";
	run_start(&r, &c);
	sf = b64_encode("r=zzz,s=QSXCR+Q6sek8bf92,i=4096", 31);
	l2 = xasprintf("S: + %s", sf);
	play(&r, (const char *const[]){ "S: +OK", "C: CAPA", "S: +OK",
	    "S: SASL SCRAM-SHA-256", "S: .", NULL });
	r.checked = r.sent.len;
	play(&r, (const char *const[]){ l2, "C: *", "S: -ERR", "C: QUIT",
	    "S: +OK", NULL });
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "logon");
	assert_non_null(strstr(outcome(&r)->message, "tampered"));
	run_end(&r);
	free(l2);
	free(sf);
	/* An iteration count past the cap (a stall): cancelled. */
	run_start(&r, &c);
	sf = b64_encode("r=abcdefghijklmnopqrstuvwxY,s=QSXC,i=99999999", 45);
	l2 = xasprintf("S: + %s", sf);
	play(&r, (const char *const[]){ "S: +OK", "C: CAPA", "S: +OK",
	    "S: SASL SCRAM-SHA-256", "S: .", NULL });
	r.checked = r.sent.len;
	play(&r, (const char *const[]){ l2, "C: *", "S: -ERR", "C: QUIT",
	    "S: +OK", NULL });
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "logon");
	assert_non_null(strstr(outcome(&r)->message, "iteration count"));
	run_end(&r);
	free(l2);
	free(sf);
}

/* A refused challenge-response logon says when PLAIN was offered too. */
static void
test_pop3_plain_hint(void **state)
{
	static const char *const cram[] = {
		"S: +OK ready",
		"C: CAPA",
		"S: +OK",
		"S: SASL CRAM-MD5 PLAIN",
		"S: .",
		"C: AUTH CRAM-MD5",
		"S: + PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
		"C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw",
		"S: -ERR [AUTH] Authentication failed.",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_CRAM_MD5);
	struct run r;

	(void)state;
	c.password = "tanstaaftanstaaf";
	session(&r, &c, cram);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_non_null(strstr(outcome(&r)->message, "the server offers "
	    "PLAIN too"));
	run_end(&r);
	/* Without [AUTH], or for PLAIN itself, no such hint. */
	c = cfg_tls(POP3_M_PLAIN);
	session(&r, &c, (const char *const[]){ "S: +OK", "C: CAPA", "S: +OK",
	    "S: SASL CRAM-MD5 PLAIN", "S: .",
	    "C: AUTH PLAIN AHRpbQBTZWtyMXQtUFctNDI=",
	    "S: -ERR [AUTH] Authentication failed.", "C: QUIT", "S: +OK",
	    NULL });
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_null(strstr(outcome(&r)->message, "PLAIN too"));
	run_end(&r);
}

static void
test_pop3_bytewise_same_trace(void **state)
{
	static const char *const script[] = {
		"S: +OK ready " TS,
		"C: CAPA",
		"S: +OK",
		"S: STLS",
		"S: SASL CRAM-MD5",
		"S: ..stuffed",
		"S: .",
		"C: STLS",
		"S: +OK",
		"E: TLS",
		"C: CAPA",
		"S: +OK",
		"S: SASL CRAM-MD5",
		"S: .",
		"C: AUTH CRAM-MD5",
		"S: + PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
		"C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw",
		"S: +OK",
		"C: STAT",
		"S: +OK 7 7777",
		"C: QUIT",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_AUTO);
	struct run a, b;

	c.password = "tanstaaftanstaaf";
	c.tls_active = false;
	c.stls = true;
	session(&a, &c, script);
	run_start(&b, &c);
	b.bytewise = true;
	play(&b, script);
	expect_nothing_more(&b);
	assert_outcome(&a, DIAG_OK, NULL);
	assert_outcome(&b, DIAG_OK, NULL);
	assert_string_equal(a.trace.data, b.trace.data);
	assert_string_equal(a.steps.data, b.steps.data);
	assert_int_equal(a.sent.len, b.sent.len);
	assert_memory_equal(a.sent.data, b.sent.data, a.sent.len);
	assert_true(outcome(&b)->messages == 7);
	/* The unstuffed CAPA line from before TLS is gone. */
	assert_int_equal(outcome(&b)->capa.nlines, 1);
	run_end(&a);
	run_end(&b);
}

static void
test_pop3_bare_lf_and_escape(void **state)
{
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;
	static const char srv[] = "+OK \033]2;owned\007 \xc3\xa9t\xc3\xa9\n"
	    "+OK\nUSER\n.\n";

	run_start(&r, &c);
	feed(&r, srv, strlen(srv));
	expect_sent(&r, "CAPA");
	expect_sent(&r, "USER tim");
	assert_true(contains(&r.trace, "S: +OK \\x1b]2;owned\\x07 "
	    "\xc3\xa9t\xc3\xa9\n"));
	assert_true(outcome(&r)->capa.user);
	run_end(&r);
}

/* Pipelining (RFC 2449) */

static void
test_pop3_pipeline_user(void **state)
{
	static const char *const script[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"--",
		"S: +OK",
		"S: USER",
		"S: PIPELINING",
		"S: .",
		/* One batch: USER, PASS, STAT, QUIT before any reply. */
		"C: USER tim",
		"C: PASS " PW,
		"C: STAT",
		"C: QUIT",
		"--",
		"S: +OK send PASS",
		"--",
		"S: +OK logged in",
		"--",
		"S: +OK 2 364",
		"S: +OK bye",
		"--",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	const struct pop3_outcome *o;
	struct run a, b;

	session(&a, &c, script);
	o = outcome(&a);
	assert_outcome(&a, DIAG_OK, NULL);
	assert_true(o->logged_in);
	assert_true(o->stat_ok);
	assert_true(o->messages == 2 && o->octets == 364);
	assert_string_equal(a.steps.data, "+greeting -greeting:ok +capa "
	    "-capa:ok +logon -logon:ok +stat -stat:ok +quit -quit:ok ");
	assert_true(contains(&a.trace, "N: the server offers PIPELINING"));
	assert_true(contains(&a.trace, "C: USER tim\nC: PASS <redacted>\n"
	    "N: the server offers PIPELINING and is Dovecot: STAT and QUIT go "
	    "out with the logon\nC: STAT\nC: QUIT\n"));
	assert_true(contains(&a.trace, "T: STAT -> QUIT\n"));
	assert_hidden(&a, PW);

	/* Byte by byte: the same trace, the same bytes. */
	run_start(&b, &c);
	b.bytewise = true;
	play(&b, script);
	assert_outcome(&b, DIAG_OK, NULL);
	assert_string_equal(a.trace.data, b.trace.data);
	assert_string_equal(a.steps.data, b.steps.data);
	run_end(&a);
	run_end(&b);
}

/* Every reply to the pipelined batch in one chunk, whole and bytewise. */
static void
test_pop3_pipeline_one_chunk(void **state)
{
	static const char srv[] = "+OK Dovecot ready.\r\n+OK\r\nPIPELINING\r\n"
	    "SASL PLAIN\r\n.\r\n";
	static const char ok[] = "+OK Logged in.\r\n+OK 3 33\r\n"
	    "+OK Logging out\r\n";
	static const char bad[] = "-ERR [AUTH] Authentication failed.\r\n"
	    "-ERR Unknown command.\r\n+OK Logging out\r\n";
	struct pop3_cfg c = cfg_tls(POP3_M_PLAIN);
	char *ir, *line;
	struct run r;
	int bytewise;

	ir = pop3_auth_plain("tim", PW);
	line = xasprintf("AUTH PLAIN %s", ir);
	for (bytewise = 0; bytewise < 2; bytewise++) {
		run_start(&r, &c);
		r.bytewise = bytewise;
		feed(&r, srv, strlen(srv));
		expect_sent(&r, "CAPA");
		expect_sent(&r, line);
		expect_sent(&r, "STAT");
		expect_sent(&r, "QUIT");
		expect_nothing_more(&r);
		feed(&r, ok, strlen(ok));
		expect_nothing_more(&r);
		assert_outcome(&r, DIAG_OK, NULL);
		assert_true(outcome(&r)->messages == 3);
		assert_true(contains(&r.trace, "C: AUTH PLAIN <redacted>\n"
		    "N: the server offers PIPELINING"));
		assert_hidden(&r, ir);
		assert_hidden(&r, PW);
		run_end(&r);

		/* The logon's -ERR is the diagnosis, not STAT's. */
		run_start(&r, &c);
		r.bytewise = bytewise;
		feed(&r, srv, strlen(srv));
		feed(&r, bad, strlen(bad));
		expect_sent(&r, "CAPA");
		expect_sent(&r, line);
		expect_sent(&r, "STAT");
		expect_sent(&r, "QUIT");
		expect_nothing_more(&r);
		assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
		assert_non_null(strstr(outcome(&r)->message,
		    "Authentication failed"));
		assert_false(outcome(&r)->logged_in);
		assert_false(outcome(&r)->stat_ok);
		run_end(&r);
	}
	xfree_secret(line);
	xfree_secret(ir);
}

static void
test_pop3_pipeline_logon_err(void **state)
{
	static const char *const pass_err[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"S: +OK",
		"S: PIPELINING",
		"S: USER",
		"S: .",
		"C: USER tim",
		"C: PASS " PW,
		"C: STAT",
		"C: QUIT",
		"S: +OK",
		"S: -ERR [AUTH] Authentication failed.",
		"S: -ERR Unknown command.",
		"--",
		"S: +OK Logging out",
		"--",
		NULL
	};
	static const char *const user_err[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"S: +OK",
		"S: PIPELINING",
		"S: .",
		"C: USER tim",
		"C: PASS " PW,
		"C: STAT",
		"C: QUIT",
		"S: -ERR [SYS/TEMP] try later",
		"S: -ERR No username given.",
		"S: -ERR Unknown command.",
		"S: +OK Logging out",
		"--",
		NULL
	};
	static const char *const in_use[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"S: +OK",
		"S: PIPELINING",
		"S: SASL PLAIN",
		"S: .",
		NULL
	};
	static const char *const closes[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"S: +OK",
		"S: PIPELINING",
		"S: USER",
		"S: .",
		"C: USER tim",
		"C: PASS " PW,
		"C: STAT",
		"C: QUIT",
		"S: +OK",
		"S: -ERR [AUTH] Authentication failed.",
		"E: CLOSED",
		"--",
		NULL
	};
	static const char *const stat_err[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"S: +OK",
		"S: PIPELINING",
		"S: USER",
		"S: .",
		"C: USER tim",
		"C: PASS " PW,
		"C: STAT",
		"C: QUIT",
		"S: +OK",
		"S: +OK",
		"S: -ERR [SYS/PERM] mailbox broken",
		"S: +OK bye",
		"--",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct pop3_cfg cp = cfg_tls(POP3_M_PLAIN);
	char *ir, *line;
	struct run r;

	session(&r, &c, pass_err);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_string_equal(outcome(&r)->message, "logon failed: -ERR [AUTH] "
	    "Authentication failed.");
	assert_string_equal(r.steps.data, "+greeting -greeting:ok +capa "
	    "-capa:ok +logon -logon:fail +quit -quit:ok ");
	assert_true(contains(&r.trace, "T: PASS -> DRAIN\n"));
	assert_true(contains(&r.trace, "T: DRAIN -> QUIT\n"));
	assert_true(contains(&r.trace, "T: QUIT -> DONE\n"));
	assert_hidden(&r, PW);
	run_end(&r);

	/* USER refused: PASS's and STAT's replies are skipped. */
	session(&r, &c, user_err);
	assert_outcome(&r, DIAG_SERVER_TEMPORARY, "logon");
	assert_non_null(strstr(outcome(&r)->message, "refused USER"));
	run_end(&r);

	/* [IN-USE] on AUTH PLAIN with its initial response. */
	ir = pop3_auth_plain("tim", PW);
	line = xasprintf("C: AUTH PLAIN %s", ir);
	run_start(&r, &cp);
	play(&r, in_use);
	play(&r, (const char *const[]){ line, "C: STAT", "C: QUIT", "--",
	    "S: -ERR [IN-USE] locked", "S: -ERR", "S: +OK", "--", NULL });
	assert_outcome(&r, DIAG_MAILBOX_IN_USE, "logon");
	run_end(&r);
	xfree_secret(line);
	xfree_secret(ir);

	/* The server closes right after the -ERR: still auth_failed. */
	session(&r, &c, closes);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_true(contains(&r.trace, "N: the server closed the connection "
	    "after the failure"));
	run_end(&r);

	/* ... or says nothing more: the timeout ends the wait, same result. */
	run_start(&r, &c);
	play(&r, (const char *const[]){ "S: +OK Dovecot ready.", "C: CAPA", "S: +OK",
	    "S: PIPELINING", "S: .", "C: USER tim", "C: PASS " PW, "C: STAT",
	    "C: QUIT", "S: +OK", "S: -ERR nope", "E: TIMEOUT", "--", NULL });
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	run_end(&r);

	/* STAT refused after a good logon: QUIT is not sent twice. */
	session(&r, &c, stat_err);
	assert_outcome(&r, DIAG_SERVER_PERMANENT, "stat");
	assert_true(outcome(&r)->logged_in);
	run_end(&r);
}

static void
test_pop3_pipeline_sasl(void **state)
{
	static const char *const cram[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"S: +OK",
		"S: SASL CRAM-MD5",
		"S: PIPELINING",
		"S: .",
		"C: AUTH CRAM-MD5",
		"--",
		"S: + PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
		"C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw",
		"C: STAT",
		"C: QUIT",
		"--",
		"S: +OK CRAM authentication successful",
		"S: +OK 0 0",
		"S: +OK",
		"--",
		NULL
	};
	static const char *const login[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"S: +OK",
		"S: SASL LOGIN",
		"S: PIPELINING",
		"S: .",
		"C: AUTH LOGIN",
		"--",
		"S: + VXNlcm5hbWU6",
		"C: dGlt",
		"--",
		"S: + UGFzc3dvcmQ6",
		"C: dGFuc3RhYWY=",
		"C: STAT",
		"C: QUIT",
		"--",
		"S: +OK Logged in.",
		"S: +OK 5 500",
		"S: +OK",
		"--",
		NULL
	};
	static const char *const apop[] = {
		"S: +OK Dovecot ready. " TS,
		"C: CAPA",
		"S: +OK",
		"S: PIPELINING",
		"S: .",
		"C: APOP mrose c4c9334bac560ecc979e58001b3e22fb",
		"C: STAT",
		"C: QUIT",
		"--",
		"S: +OK maildrop has 1 message (369 octets)",
		"S: +OK 1 369",
		"S: +OK",
		NULL
	};
	/* A challenge after PLAIN's initial response eats our STAT. */
	static const char *const late[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"S: +OK",
		"S: SASL PLAIN",
		"S: PIPELINING",
		"S: .",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_CRAM_MD5);
	char *ir, *line;
	struct run r;

	c.password = "tanstaaftanstaaf";
	session(&r, &c, cram);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_hidden(&r, "tanstaaftanstaaf");
	run_end(&r);

	c = cfg_tls(POP3_M_LOGIN);
	c.password = "tanstaaf";
	session(&r, &c, login);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(outcome(&r)->messages == 5);
	assert_hidden(&r, "dGFuc3RhYWY=");
	run_end(&r);

	c = cfg_tls(POP3_M_APOP);
	c.username = "mrose";
	c.password = "tanstaaf";
	session(&r, &c, apop);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_hidden(&r, "c4c9334bac560ecc979e58001b3e22fb");
	run_end(&r);

	c = cfg_tls(POP3_M_PLAIN);
	ir = pop3_auth_plain("tim", PW);
	line = xasprintf("C: AUTH PLAIN %s", ir);
	run_start(&r, &c);
	play(&r, late);
	play(&r, (const char *const[]){ line, "C: STAT", "C: QUIT", "--",
	    "S: + what?", "--", "S: -ERR bad answer", "--", "S: +OK bye",
	    "--", NULL });
	assert_outcome(&r, DIAG_PROTOCOL_ERROR, "logon");
	assert_non_null(strstr(outcome(&r)->message, "challenge after the "
	    "last line of AUTH PLAIN"));
	run_end(&r);
	xfree_secret(line);
	xfree_secret(ir);
}

/* XOAUTH2 refusal: the pipelined STAT answers the error challenge. */
static void
test_pop3_pipeline_xoauth2_error(void **state)
{
	static const char *const script[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"S: +OK",
		"S: SASL XOAUTH2",
		"S: PIPELINING",
		"S: .",
		"C: AUTH XOAUTH2",
		"--",
		"S: + ",
		NULL
	};
	static const char json[] = "{\"status\":\"401\",\"schemes\":\"bearer\"}";
	struct pop3_cfg c = cfg_tls(POP3_M_XOAUTH2);
	char *b64, *err, *tokline;
	struct run r;

	c.oauth_token = "expired-token-123";
	run_start(&r, &c);
	play(&r, script);
	tokline = pop3_auth_xoauth2("tim", c.oauth_token);
	expect_sent(&r, tokline);
	b64 = b64_encode(json, strlen(json));
	err = xasprintf("S: + %s", b64);
	play(&r, (const char *const[]){ "C: STAT", "C: QUIT", "--", err, "--",
	    "S: -ERR [AUTH] Authentication failed.", "--", "S: +OK bye", "--",
	    NULL });
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_non_null(strstr(outcome(&r)->message, json));
	assert_true(contains(&r.trace, "N: the server refused the token; the "
	    "pipelined STAT answers"));
	assert_hidden(&r, "expired-token-123");
	assert_hidden(&r, tokline);
	run_end(&r);

	/* A good token: one batch, three replies. */
	run_start(&r, &c);
	play(&r, script);
	expect_sent(&r, tokline);
	play(&r, (const char *const[]){ "C: STAT", "C: QUIT", "--", "S: +OK",
	    "S: +OK 1 1", "S: +OK", "--", NULL });
	assert_outcome(&r, DIAG_OK, NULL);
	run_end(&r);
	free(err);
	free(b64);
	xfree_secret(tokline);
}

/*
 * Servers other than Dovecot (Courier, Cyrus) may drop commands sent
 * before the logon's answer: nothing goes past the logon command until its
 * +OK, then STAT and QUIT together.  A Dovecot-like greeting does not count
 * when CAPA names another implementation.
 */
static void
test_pop3_pipeline_past_logon_unknown(void **state)
{
	static const char *const courier_plain[] = {
		"S: +OK Hello there.",
		"C: CAPA",
		"S: +OK Here's what I can do:",
		"S: SASL LOGIN PLAIN",
		"S: TOP",
		"S: USER",
		"S: LOGIN-DELAY 10",
		"S: PIPELINING",
		"S: UIDL",
		"S: IMPLEMENTATION Courier Mail Server",
		"S: .",
		NULL
	};
	static const char *const cyrus_login[] = {
		"S: +OK mail.example Cyrus POP3 v3.6.1 server ready "
		    "<1234.5678@mail.example>",
		"C: CAPA",
		"S: +OK List of capabilities follows",
		"S: SASL PLAIN LOGIN CRAM-MD5",
		"S: USER",
		"S: PIPELINING",
		"S: IMPLEMENTATION Cyrus POP3 v3.6.1",
		"S: .",
		"C: AUTH LOGIN",
		"--",
		"S: + VXNlcm5hbWU6",
		"C: dGlt",
		"--",
		"S: + UGFzc3dvcmQ6",
		"C: U2VrcjF0LVBXLTQy",
		"--",
		"S: +OK Mailbox locked and ready",
		"C: STAT",
		"C: QUIT",
		"--",
		"S: +OK 2 458",
		"S: +OK",
		"--",
		NULL
	};
	static const char *const user_courier[] = {
		"S: +OK Hello there.",
		"C: CAPA",
		"S: +OK",
		"S: USER",
		"S: PIPELINING",
		"S: IMPLEMENTATION Courier Mail Server",
		"S: .",
		/* USER and PASS go together; PASS is the logon command. */
		"C: USER tim",
		"C: PASS " PW,
		"--",
		"S: +OK Password required.",
		"--",
		"S: +OK logged in.",
		"C: STAT",
		"C: QUIT",
		"--",
		"S: +OK 2 458",
		"S: +OK Bye-bye.",
		"--",
		NULL
	};
	static const char *const disguised[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"S: +OK",
		"S: USER",
		"S: PIPELINING",
		"S: IMPLEMENTATION Cyrus POP3 v3.6.1",
		"S: .",
		"C: USER tim",
		"C: PASS " PW,
		"--",
		"S: +OK",
		"S: +OK",
		"C: STAT",
		"C: QUIT",
		"--",
		"S: -ERR [SYS/PERM] mailbox broken",
		"--",
		"S: +OK",
		"--",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_PLAIN);
	char *ir, *line;
	struct run r;

	(void)state;
	ir = pop3_auth_plain("tim", PW);
	line = xasprintf("C: AUTH PLAIN %s", ir);
	run_start(&r, &c);
	play(&r, courier_plain);
	play(&r, (const char *const[]){ line, "--", "S: +OK logged in.",
	    "C: STAT", "C: QUIT", "--", "S: +OK 2 458", "S: +OK Bye-bye.",
	    "--", NULL });
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(outcome(&r)->messages == 2 && outcome(&r)->octets == 458);
	assert_true(contains(&r.trace, "N: the server offers PIPELINING; STAT "
	    "and QUIT wait for the logon's answer"));
	assert_false(contains(&r.trace, "go out with the logon"));
	assert_string_equal(r.steps.data, "+greeting -greeting:ok +capa "
	    "-capa:ok +logon -logon:ok +stat -stat:ok +quit -quit:ok ");
	assert_hidden(&r, PW);
	run_end(&r);

	/* A refused logon: QUIT alone, nothing was pipelined. */
	run_start(&r, &c);
	play(&r, courier_plain);
	play(&r, (const char *const[]){ line, "--",
	    "S: -ERR Login failed.", "C: QUIT", "--", "S: +OK Bye-bye.", "--",
	    NULL });
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	run_end(&r);
	xfree_secret(line);
	xfree_secret(ir);

	c = cfg_tls(POP3_M_LOGIN);
	session(&r, &c, cyrus_login);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(outcome(&r)->messages == 2);
	assert_hidden(&r, PW);
	run_end(&r);

	c = cfg_tls(POP3_M_USER);
	session(&r, &c, user_courier);
	assert_outcome(&r, DIAG_OK, NULL);
	run_end(&r);

	session(&r, &c, disguised);
	assert_outcome(&r, DIAG_SERVER_PERMANENT, "stat");
	assert_true(outcome(&r)->capa.impl_other);
	run_end(&r);
}

/* No PIPELINING, or not yet over TLS: one command at a time. */
static void
test_pop3_pipeline_never(void **state)
{
	static const char *const no_capa[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: USER",
		"S: .",
		"C: USER tim",
		"--",
		"S: +OK",
		"C: PASS " PW,
		"--",
		"S: +OK",
		"C: STAT",
		"--",
		"S: +OK 0 0",
		"C: QUIT",
		"--",
		"S: +OK",
		NULL
	};
	/* PIPELINING in clear is thrown away with the rest; not over TLS. */
	static const char *const stls_lost[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: STLS",
		"S: PIPELINING",
		"S: USER",
		"S: .",
		"C: STLS",
		"--",
		"S: +OK go",
		"--",
		"E: TLS",
		"C: CAPA",
		"--",
		"S: +OK",
		"S: USER",
		"S: .",
		"C: USER tim",
		"--",
		"S: +OK",
		"C: PASS " PW,
		"--",
		"S: +OK",
		"C: STAT",
		"--",
		"S: +OK 0 0",
		"C: QUIT",
		"--",
		"S: +OK",
		NULL
	};
	/* Over TLS it is offered again: pipelined after STLS only. */
	static const char *const stls_ok[] = {
		"S: +OK Dovecot ready.",
		"C: CAPA",
		"--",
		"S: +OK",
		"S: STLS",
		"S: PIPELINING",
		"S: USER",
		"S: .",
		"C: STLS",
		"--",
		"S: +OK go",
		"E: TLS",
		"C: CAPA",
		"--",
		"S: +OK",
		"S: PIPELINING",
		"S: USER",
		"S: .",
		"C: USER tim",
		"C: PASS " PW,
		"C: STAT",
		"C: QUIT",
		"--",
		"S: +OK",
		"S: +OK",
		"S: +OK 0 0",
		"S: +OK",
		NULL
	};
	/* Bytes behind the +OK to STLS are still an injection. */
	static const char inject[] = "+OK\r\n+OK\r\nPIPELINING\r\nSTLS\r\n"
	    ".\r\n";
	static const char *const clear[] = {
		"S: +OK",
		"C: CAPA",
		"S: +OK",
		"S: PIPELINING",
		"S: USER",
		"S: .",
		"C: QUIT",
		"--",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	session(&r, &c, no_capa);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_false(contains(&r.trace, "PIPELINING"));
	run_end(&r);

	c.tls_active = false;
	c.stls = true;
	session(&r, &c, stls_lost);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_false(outcome(&r)->capa.pipelining);
	run_end(&r);

	session(&r, &c, stls_ok);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(outcome(&r)->capa.pipelining);
	run_end(&r);

	run_start(&r, &c);
	feed(&r, inject, strlen(inject));
	play(&r, (const char *const[]){ "C: CAPA", "C: STLS", "--",
	    "S: +OK go", "--", NULL });
	expect_nothing_more(&r);
	run_end(&r);
	run_start(&r, &c);
	play(&r, (const char *const[]){ "S: +OK", "C: CAPA", "S: +OK",
	    "S: PIPELINING", "S: .", "C: STLS", NULL });
	feed(&r, "+OK go\r\nUSER\r\n", 14);
	expect_nothing_more(&r);
	assert_outcome(&r, DIAG_STLS_INJECTION, "stls");
	run_end(&r);

	/* Clear link, allow_plaintext off: nothing pipelined, nothing sent. */
	c.stls = false;
	session(&r, &c, clear);
	assert_outcome(&r, DIAG_PLAINTEXT_REFUSED, "logon");
	run_end(&r);

	/*
	 * allow_plaintext on: PASS waits for USER's +OK (a server refusing
	 * clear logons says so to USER), then PASS, STAT, QUIT together.
	 */
	c.allow_plaintext = true;
	session(&r, &c, (const char *const[]){ "S: +OK Dovecot ready.",
	    "C: CAPA", "S: +OK", "S: PIPELINING", "S: .", "C: USER tim", "--",
	    "S: +OK", "C: PASS " PW, "C: STAT", "C: QUIT", "--", "S: +OK", "S: +OK 0 0",
	    "S: +OK", "--", NULL });
	assert_outcome(&r, DIAG_OK, NULL);
	run_end(&r);
	session(&r, &c, (const char *const[]){ "S: +OK", "C: CAPA", "S: +OK",
	    "S: PIPELINING", "S: .", "C: USER tim", "--",
	    "S: -ERR [AUTH] Plaintext authentication disallowed", "C: QUIT",
	    "--", "S: +OK", NULL });
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_false(contains(&r.sent, PW));
	run_end(&r);
}

/*
 * A repeat test that trusts the last test's capabilities: no CAPA, and the
 * trusted lines drive the choice of method and PIPELINING as a CAPA
 * answer would.  Implicit TLS: greeting, then one batch.
 */
static void
test_pop3_trusted_capa_ssl(void **state)
{
	static const char *const script[] = {
		"S: +OK POP3 ready",
		"C: AUTH PLAIN AHRpbQBTZWtyMXQtUFctNDI=",
		"--",
		"S: +OK logged in",
		"C: STAT",
		"C: QUIT",
		"--",
		"S: +OK 3 300",
		"S: +OK bye",
		"--",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_AUTO);
	const struct pop3_outcome *o;
	struct run r;

	(void)state;
	c.trusted_capa = "USER\nSASL PLAIN LOGIN\nPIPELINING\nIMPLEMENTATION x";
	session(&r, &c, script);
	o = outcome(&r);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(o->capa_trusted);
	assert_true(o->capa.seen && o->capa.pipelining);
	assert_int_equal(o->capa.nlines, 4);
	assert_string_equal(o->capa.lines[1], "SASL PLAIN LOGIN");
	assert_int_equal(o->method, POP3_M_PLAIN);
	assert_string_equal(r.steps.data, "+greeting -greeting:ok +logon "
	    "-logon:ok +stat -stat:ok +quit -quit:ok ");
	assert_true(contains(&r.trace, "N: CAPA not sent: trusting the "
	    "capabilities of the last test (PIPELINING, SASL PLAIN LOGIN)"));
	assert_hidden(&r, PW);
	run_end(&r);
}

/*
 * STLS: security=tls sends STLS at once (no CAPA in clear), and after the
 * handshake the trusted lines stand for the CAPA over TLS.  Nothing is
 * pipelined before TLS.
 */
static void
test_pop3_trusted_capa_stls(void **state)
{
	static const char *const script[] = {
		"S: +OK Dovecot ready.",
		"C: STLS",
		"--",
		"S: +OK begin TLS",
		"--",
		"E: TLS",
		"C: USER tim",
		"C: PASS " PW,
		"C: STAT",
		"C: QUIT",
		"--",
		"S: +OK",
		"S: +OK logged in",
		"S: +OK 0 0",
		"S: +OK bye",
		"--",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	(void)state;
	c.tls_active = false;
	c.stls = true;
	c.trusted_capa = "USER\nPIPELINING\n";
	session(&r, &c, script);
	assert_outcome(&r, DIAG_OK, NULL);
	assert_true(outcome(&r)->capa_trusted);
	assert_true(outcome(&r)->tls);
	assert_int_equal(r.starttls, 1);
	assert_string_equal(r.steps.data, "+greeting -greeting:ok +stls "
	    "-stls:ok +logon -logon:ok +stat -stat:ok +quit -quit:ok ");
	assert_hidden(&r, PW);
	run_end(&r);
}

/*
 * A clear link never trusts saved capabilities (they stand for a TLS
 * link): CAPA is asked, and without allow_plaintext nothing is sent.  A
 * trusted list without PIPELINING sends one command at a time, and a
 * refusal of the trusted method fails the logon as usual.
 */
static void
test_pop3_trusted_capa_limits(void **state)
{
	static const char *const clear[] = {
		"S: +OK",
		"C: CAPA",
		"--",
		"S: +OK",
		"S: USER",
		"S: PIPELINING",
		"S: .",
		"C: QUIT",
		"--",
		"S: +OK",
		NULL
	};
	static const char *const nopipe[] = {
		"S: +OK",
		"C: USER tim",
		"--",
		"S: +OK",
		"C: PASS " PW,
		"--",
		"S: -ERR [AUTH] wrong password",
		"C: QUIT",
		"--",
		"S: +OK",
		NULL
	};
	struct pop3_cfg c = cfg_tls(POP3_M_USER);
	struct run r;

	(void)state;
	c.tls_active = false;
	c.trusted_capa = "USER\nPIPELINING";
	session(&r, &c, clear);
	assert_outcome(&r, DIAG_PLAINTEXT_REFUSED, "logon");
	assert_false(outcome(&r)->capa_trusted);
	assert_true(contains(&r.trace, "N: the capabilities of the last test "
	    "are trusted only on a TLS link: asking CAPA"));
	run_end(&r);

	c = cfg_tls(POP3_M_USER);
	c.trusted_capa = "USER";
	session(&r, &c, nopipe);
	assert_outcome(&r, DIAG_AUTH_FAILED, "logon");
	assert_true(outcome(&r)->capa_trusted);
	assert_false(outcome(&r)->logged_in);
	assert_hidden(&r, PW);
	run_end(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pop3_user_ok),
		cmocka_unit_test(test_pop3_greeting_timestamps),
		cmocka_unit_test(test_pop3_greeting_err),
		cmocka_unit_test(test_pop3_capa_legacy),
		cmocka_unit_test(test_pop3_capa_bad_reply),
		cmocka_unit_test(test_pop3_stls_ok),
		cmocka_unit_test(test_pop3_stls_apop_discarded),
		cmocka_unit_test(test_pop3_stls_refused),
		cmocka_unit_test(test_pop3_stls_hidden_from_capa),
		cmocka_unit_test(test_pop3_stls_injection_same_chunk),
		cmocka_unit_test(test_pop3_stls_injection_before_ready),
		cmocka_unit_test(test_pop3_stls_closed_during_tls),
		cmocka_unit_test(test_pop3_plaintext_refused),
		cmocka_unit_test(test_pop3_plaintext_allowed),
		cmocka_unit_test(test_pop3_response_codes),
		cmocka_unit_test(test_pop3_stat_replies),
		cmocka_unit_test(test_pop3_quit_replies),
		cmocka_unit_test(test_pop3_apop_rfc1939),
		cmocka_unit_test(test_pop3_cram_md5_rfc2195),
		cmocka_unit_test(test_pop3_cram_md5_bad_challenge),
		cmocka_unit_test(test_pop3_plain_forms),
		cmocka_unit_test(test_pop3_plain_long_two_step),
		cmocka_unit_test(test_pop3_login),
		cmocka_unit_test(test_pop3_xoauth2_long_token),
		cmocka_unit_test(test_pop3_xoauth2_json_error),
		cmocka_unit_test(test_pop3_auto_choice),
		cmocka_unit_test(test_pop3_explicit_unavailable),
		cmocka_unit_test(test_pop3_creds_with_line_break),
		cmocka_unit_test(test_pop3_huge_line),
		cmocka_unit_test(test_pop3_nul_byte),
		cmocka_unit_test(test_pop3_no_line_end_then_close),
		cmocka_unit_test(test_pop3_multi_line_cap),
		cmocka_unit_test(test_pop3_closed_mid_session),
		cmocka_unit_test(test_pop3_timeouts),
		cmocka_unit_test(test_pop3_server_echo_masked),
		cmocka_unit_test(test_pop3_capa_echo_masked),
		cmocka_unit_test(test_pop3_redaction_all_methods),
		cmocka_unit_test(test_pop3_scram),
		cmocka_unit_test(test_pop3_plain_hint),
		cmocka_unit_test(test_pop3_bytewise_same_trace),
		cmocka_unit_test(test_pop3_bare_lf_and_escape),
		cmocka_unit_test(test_pop3_pipeline_user),
		cmocka_unit_test(test_pop3_pipeline_one_chunk),
		cmocka_unit_test(test_pop3_pipeline_logon_err),
		cmocka_unit_test(test_pop3_pipeline_sasl),
		cmocka_unit_test(test_pop3_pipeline_xoauth2_error),
		cmocka_unit_test(test_pop3_pipeline_past_logon_unknown),
		cmocka_unit_test(test_pop3_pipeline_never),
		cmocka_unit_test(test_pop3_trusted_capa_ssl),
		cmocka_unit_test(test_pop3_trusted_capa_stls),
		cmocka_unit_test(test_pop3_trusted_capa_limits),
		cmocka_unit_test(test_pop3_codepage_credentials),
		cmocka_unit_test(test_pop3_codepage_decode),
		cmocka_unit_test(test_pop3_codepage_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
