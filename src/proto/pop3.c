/*
 * pop3.c - the POP3 client session as a state machine with no I/O: states,
 * the action queue, the per-state reply handlers (pop3_on_<state>) and the
 * per-command senders (pop3_send_<cmd>).  Reading replies lives in
 * pop3_resp.c, the logon methods in pop3_auth.c.
 *
 * RFCs: 1939 (POP3), 2449 (CAPA, response codes), 2595 (STLS), 3206
 * (SYS and AUTH response codes), 5034 (AUTH), 4616 (PLAIN), 2195
 * (CRAM-MD5), 5802 and 7677 (SCRAM), 7628 (OAUTHBEARER).
 *
 * Safety rules and where they are enforced:
 * - security=tls sends STLS whether or not CAPA listed it, and a refusal
 *   ends the session (pop3_after_capa, pop3_on_stls);
 * - any byte after the +OK to STLS and before TLS_READY ends the session
 *   as an injection (pop3_on_stls, pop3_feed), and TLS_READY throws away
 *   everything learned in clear (pop3_on_tls_ready);
 * - no credential exchange of any kind starts on a clear link unless
 *   allow_plaintext is set (pop3_logon);
 * - server text is masked (our secrets) and escaped before it is shown
 *   (pop3_show), and the display form of anything we send that carries a
 *   secret says "<redacted>".
 *
 * Pipelining (RFC 2449 PIPELINING) saves round trips, but never crosses
 * the logon for a server not known to keep what it read: Courier's login
 * process reads commands sent behind the logon and then hands the session
 * to a mail process that never sees them, and Cyrus drops its input after
 * AUTH, so a logon that succeeded would end in a timeout.  When the CAPA of
 * the current link lists PIPELINING (after STLS only the CAPA received over
 * TLS counts): over TLS USER and PASS go in one write; after the logon's
 * +OK, STAT and QUIT go in one write; and only with a server whose greeting
 * is Dovecot's (pop3_resp_greeting_dovecot), STAT and QUIT already go with
 * the final logon line (PASS, APOP, AUTH PLAIN with its initial response,
 * the last SASL answer; pop3_pipeline).  The replies are then read in
 * order: p->ahead counts the commands sent behind the one the state waits
 * for, and the senders pop3_send_pass/_stat/_quit only move the state when
 * theirs is already on its way.  After a failure the replies still due
 * before QUIT's are skipped in POP3_ST_DRAIN, so the diagnosis always comes
 * from the first -ERR.  Nothing is ever pipelined before the logon: not
 * CAPA, not STLS, not across STLS, and never before the credentials are
 * known to go over TLS (or allow_plaintext is set).
 *
 * Deliberate deviations: after a failure on a session that still works it
 * sends QUIT and waits for one reply (the driver's timeout bounds that
 * wait); a -ERR to QUIT after a good logon is noted but does not change the
 * diagnosis.
 *
 * Why this file is over 900 lines and one piece: the command senders
 * (pop3_send_<cmd>) and the reply handlers (pop3_on_<state>) call each
 * other around one state variable and one action queue; they are the
 * machine's transitions, and a split would only spread them over two
 * files.  The jobs of their own are apart already: reading replies
 * (pop3_resp.c), choosing and running logon methods (pop3_auth.c), SCRAM
 * (pop3_scram.c) and MD5 (pop3_md5.c).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/str.h"
#include "pop3_int.h"

static const char *const pop3_state_names[POP3_ST__COUNT] = {
	[POP3_ST_INIT] = "INIT",
	[POP3_ST_GREETING] = "GREETING",
	[POP3_ST_CAPA] = "CAPA",
	[POP3_ST_STLS] = "STLS",
	[POP3_ST_TLS_WAIT] = "TLS_WAIT",
	[POP3_ST_USER] = "USER",
	[POP3_ST_PASS] = "PASS",
	[POP3_ST_APOP] = "APOP",
	[POP3_ST_AUTH] = "AUTH",
	[POP3_ST_STAT] = "STAT",
	[POP3_ST_DRAIN] = "DRAIN",
	[POP3_ST_QUIT] = "QUIT",
	[POP3_ST_DONE] = "DONE",
};

static const char *const pop3_method_names[POP3_M__COUNT] = {
	[POP3_M_AUTO] = "auto",
	[POP3_M_USER] = "USER",
	[POP3_M_APOP] = "APOP",
	[POP3_M_PLAIN] = "PLAIN",
	[POP3_M_LOGIN] = "LOGIN",
	[POP3_M_CRAM_MD5] = "CRAM-MD5",
	[POP3_M_XOAUTH2] = "XOAUTH2",
	[POP3_M_OAUTHBEARER] = "OAUTHBEARER",
	[POP3_M_SCRAM_SHA1] = "SCRAM-SHA-1",
	[POP3_M_SCRAM_SHA256] = "SCRAM-SHA-256",
};

/* The commands this client sends and the state that waits for the reply. */
enum pop3_cmd {
	POP3_CMD_CAPA,
	POP3_CMD_STLS,
	POP3_CMD_USER,
	POP3_CMD_PASS,
	POP3_CMD_APOP,
	POP3_CMD_AUTH,
	POP3_CMD_STAT,
	POP3_CMD_QUIT,
};

static const struct {
	const char	*verb;
	enum pop3_state	 next;
} pop3_cmds[] = {
	[POP3_CMD_CAPA] = { "CAPA", POP3_ST_CAPA },
	[POP3_CMD_STLS] = { "STLS", POP3_ST_STLS },
	[POP3_CMD_USER] = { "USER", POP3_ST_USER },
	[POP3_CMD_PASS] = { "PASS", POP3_ST_PASS },
	[POP3_CMD_APOP] = { "APOP", POP3_ST_APOP },
	[POP3_CMD_AUTH] = { "AUTH", POP3_ST_AUTH },
	[POP3_CMD_STAT] = { "STAT", POP3_ST_STAT },
	[POP3_CMD_QUIT] = { "QUIT", POP3_ST_QUIT },
};

static void	pop3_send_capa(struct pop3 *);
static void	pop3_send_stls(struct pop3 *);
static void	pop3_send_user(struct pop3 *);
static void	pop3_send_pass(struct pop3 *);
static void	pop3_send_apop(struct pop3 *);
static void	pop3_send_auth(struct pop3 *, enum pop3_method);
static void	pop3_send_stat(struct pop3 *);
static void	pop3_send_quit(struct pop3 *);
static void	pop3_finish(struct pop3 *);

static const char *
pop3_state_name(enum pop3_state st)
{
	if ((unsigned)st >= POP3_ST__COUNT)
		return "?";
	return pop3_state_names[st];
}

const char *
pop3_method_name(enum pop3_method m)
{
	if ((unsigned)m >= POP3_M__COUNT)
		return "?";
	return pop3_method_names[m];
}

/* Action queue. */

static struct pop3_item *
pop3_push(struct pop3 *p, enum pop3_act kind, char *text)
{
	struct pop3_item *it;

	it = xcalloc(1, sizeof *it);
	it->kind = kind;
	it->text = text;
	if (p->tail != NULL)
		p->tail->next = it;
	else
		p->head = it;
	p->tail = it;
	return it;
}

static void
pop3_item_free(struct pop3_item *it)
{
	if (it == NULL)
		return;
	if (it->data != NULL) {
		if (it->sensitive)
			xfreezero(it->data, it->len);
		else
			free(it->data);
	}
	free(it->text);
	free(it);
}

static void PC_PRINTFLIKE(2, 3)
pop3_note(struct pop3 *p, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	pop3_push(p, POP3_ACT_NOTE, s);
}

/* Queue line + CRLF; display is what the trace shows. */
static void
pop3_send(struct pop3 *p, const char *line, const char *display,
    bool sensitive)
{
	struct pop3_item *it;
	size_t n = strlen(line);

	it = pop3_push(p, POP3_ACT_SEND, xstrdup(display));
	it->data = xmalloc(n + 3);
	memcpy(it->data, line, n);
	memcpy(it->data + n, "\r\n", 3);
	it->len = n + 2;
	it->sensitive = sensitive;
}

/* Steps are what the driver times and lists. */

static void
pop3_step_end(struct pop3 *p, bool ok)
{
	struct pop3_item *it;

	if (!p->step_open)
		return;
	p->step_open = false;
	it = pop3_push(p, POP3_ACT_STEP, xstrdup(step_name(p->step)));
	it->step = p->step;
	it->ok = ok;
}

static void
pop3_step_begin(struct pop3 *p, enum step step)
{
	struct pop3_item *it;

	pop3_step_end(p, true);
	p->step = step;
	p->step_open = true;
	it = pop3_push(p, POP3_ACT_STEP, xstrdup(step_name(step)));
	it->step = step;
	it->begin = true;
}

/* The step a failure belongs to: the greeting before any began. */
static enum step
pop3_step_now(const struct pop3 *p)
{
	return p->step != STEP_NONE ? p->step : STEP_GREETING;
}

/* Its name, for messages. */
static const char *
pop3_step_name(const struct pop3 *p)
{
	return step_name(pop3_step_now(p));
}

/* The only place the state changes. */
static void
pop3_state_set(struct pop3 *p, enum pop3_state st)
{
	if (st == p->state)
		return;
	pop3_push(p, POP3_ACT_STATE, xasprintf("%s -> %s",
	    pop3_state_name(p->state), pop3_state_name(st)));
	p->state = st;
}

/* Secrets and display. */

/* Remember s so that server text echoing it is masked. */
static void
pop3_secret_add(struct pop3 *p, const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) < POP3_SCRUB_MIN)
		return;
	for (i = 0; i < p->nsecrets; i++)
		if (strcmp(p->secrets[i], s) == 0)
			return;
	p->secrets = xreallocarray(p->secrets, p->nsecrets + 1,
	    sizeof *p->secrets);
	p->secrets[p->nsecrets++] = xstrdup(s);
}

/*
 * Server bytes with every known secret replaced by "<redacted>"; *outlen
 * is the length (NUL-terminated too).  Caller frees (wipe: xfreezero).
 */
static char *
pop3_scrub(const struct pop3 *p, const char *s, size_t len, size_t *outlen)
{
	struct buf b;
	size_t i, run, k, n = 0;

	/*
	 * A server knows the password and sees every payload we send, so
	 * it could echo one back into the trace: mask them.  "<redacted>"
	 * holds no byte that could join its neighbours into a secret.
	 */
	buf_init_secret(&b, 0);
	for (i = 0, run = 0; i < len; i++) {
		for (k = 0; k < p->nsecrets; k++) {
			n = strlen(p->secrets[k]);
			if (n <= len - i && s[i] == p->secrets[k][0] &&
			    memcmp(s + i, p->secrets[k], n) == 0)
				break;
		}
		if (k == p->nsecrets)
			continue;
		buf_add(&b, s + run, i - run);
		buf_addstr(&b, "<redacted>");
		i += n - 1;
		run = i + 1;
	}
	buf_add(&b, s + run, len - run);
	*outlen = b.len;
	return buf_take(&b);
}

static char *
pop3_show_as(const struct pop3 *p, const char *s, size_t len, bool cp)
{
	size_t n;
	char *raw, *out;

	/*
	 * Mask first, decode and escape after: the secrets are masked in
	 * the bytes the server sent (in its code page, password_cp is among
	 * them), and escaping only inserts "\" sequences.
	 */
	raw = pop3_scrub(p, s, len, &n);
	if (cp && p->decode != NULL)
		out = p->decode(p->decode_arg, raw, n);
	else
		out = str_escape(raw, n);
	xfreezero(raw, n + 1);
	return out;
}

char *
pop3_show(const struct pop3 *p, const char *s, size_t len)
{
	return pop3_show_as(p, s, len, true);
}

char *
pop3_show_utf8(const struct pop3 *p, const char *s, size_t len)
{
	return pop3_show_as(p, s, len, false);
}

bool
pop3_method_uses_cp(enum pop3_method m)
{
	return m == POP3_M_USER || m == POP3_M_APOP || m == POP3_M_LOGIN ||
	    m == POP3_M_CRAM_MD5;
}

/* The password in the code page, "" when there is none. */
static const char *
pop3_password_cp(const struct pop3 *p)
{
	return p->password_cp != NULL ? p->password_cp : "";
}

/* Outcomes. */

/* Record a failure (the first one wins) and close the step as failed. */
static void
pop3_record(struct pop3 *p, enum diag d, char *msg)
{
	if (!p->failed) {
		p->failed = true;
		p->out.diag = d;
		free(p->out.message);
		p->out.message = msg;
		p->out.failed_step = pop3_step_now(p);
	} else
		free(msg);
	pop3_step_end(p, false);
}

/*
 * Record a failure, then end: with QUIT when the session still works and
 * quit is true, else at once.
 */
static void PC_PRINTFLIKE(4, 0)
pop3_failv(struct pop3 *p, enum diag d, bool quit, const char *fmt,
    va_list ap)
{
	pop3_record(p, d, xvasprintf(fmt, ap));
	if (quit && p->state != POP3_ST_QUIT && p->state != POP3_ST_DONE)
		pop3_send_quit(p);
	else
		pop3_finish(p);
}

/* A failure on a session that still works: QUIT, then finish. */
static void PC_PRINTFLIKE(3, 4)
pop3_fail(struct pop3 *p, enum diag d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pop3_failv(p, d, true, fmt, ap);
	va_end(ap);
}

/* A failure after which nothing more may be sent: finish now. */
static void PC_PRINTFLIKE(3, 4)
pop3_abort(struct pop3 *p, enum diag d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pop3_failv(p, d, false, fmt, ap);
	va_end(ap);
}

static void
pop3_finish(struct pop3 *p)
{
	if (p->state == POP3_ST_DONE)
		return;
	pop3_step_end(p, !p->failed);
	if (!p->failed) {
		p->out.diag = DIAG_OK;
		free(p->out.message);
		p->out.message = xasprintf("logged on with %s; the mailbox "
		    "holds %" PRIu64 " messages, %" PRIu64 " octets",
		    pop3_method_name(p->out.method), p->out.messages,
		    p->out.octets);
	}
	pop3_state_set(p, POP3_ST_DONE);
	pop3_push(p, POP3_ACT_DONE, xstrdup(p->out.message));
}

/* Commands. */

/* Queue "VERB[ arg]"; display NULL shows the line itself, escaped. */
static void
pop3_cmd_out(struct pop3 *p, enum pop3_cmd cmd, const char *arg,
    const char *display, bool sensitive)
{
	char *line, *shown;

	line = arg != NULL ? xasprintf("%s %s", pop3_cmds[cmd].verb, arg) :
	    xstrdup(pop3_cmds[cmd].verb);
	shown = display != NULL ? xstrdup(display) :
	    str_escape(line, strlen(line));
	pop3_send(p, line, shown, sensitive);
	if (sensitive)
		xfree_secret(line);
	else
		free(line);
	free(shown);
}

/* Send a command and wait for its reply. */
static void
pop3_cmd(struct pop3 *p, enum pop3_cmd cmd, const char *arg,
    const char *display, bool sensitive)
{
	pop3_state_set(p, pop3_cmds[cmd].next);
	pop3_cmd_out(p, cmd, arg, display, sensitive);
}

/* Send a command behind those whose replies are awaited (PIPELINING). */
static void
pop3_cmd_ahead(struct pop3 *p, enum pop3_cmd cmd, const char *arg,
    const char *display, bool sensitive)
{
	pop3_cmd_out(p, cmd, arg, display, sensitive);
	p->ahead++;
}

/* A command sent ahead is next: wait for its reply. */
static void
pop3_expect(struct pop3 *p, enum pop3_cmd cmd)
{
	p->ahead--;
	pop3_state_set(p, pop3_cmds[cmd].next);
}

/*
 * RFC 2449 PIPELINING: only when the CAPA of this link lists it (the one
 * received over TLS after STLS: the one before was thrown away), never
 * while STLS is still to come, and only where credentials may go at all.
 */
static bool
pop3_can_pipeline(const struct pop3 *p)
{
	if (!p->out.capa.seen || !p->out.capa.pipelining)
		return false;
	if (p->stls && !p->tls_done)
		return false;
	return p->tls_active || p->tls_done || p->allow_plaintext;
}

/*
 * Dovecot keeps what its login process read past the logon and hands it
 * to the mail process; a server that names another implementation in its
 * CAPA is not taken for Dovecot whatever its greeting says.
 */
static bool
pop3_keeps_pipelined(const struct pop3 *p)
{
	return p->dovecot && !p->out.capa.impl_other;
}

/*
 * The final logon line is queued: STAT and QUIT go in the same write only
 * to a server known to keep them; any other waits for the logon's answer.
 */
static void
pop3_pipeline(struct pop3 *p)
{
	if (!pop3_can_pipeline(p))
		return;
	if (!pop3_keeps_pipelined(p)) {
		pop3_note(p, "the server offers PIPELINING; STAT and QUIT wait "
		    "for the logon's answer (servers other than Dovecot may "
		    "drop commands sent before it)");
		return;
	}
	pop3_note(p, "the server offers PIPELINING and is Dovecot: STAT and "
	    "QUIT go out with the logon");
	pop3_cmd_ahead(p, POP3_CMD_STAT, NULL, NULL, false);
	pop3_cmd_ahead(p, POP3_CMD_QUIT, NULL, NULL, false);
}

static void
pop3_send_capa(struct pop3 *p)
{
	pop3_step_begin(p, p->tls_done ? STEP_CAPA2 : STEP_CAPA);
	p->in_multi = false;
	pop3_cmd(p, POP3_CMD_CAPA, NULL, NULL, false);
}

/*
 * A repeat test (cfg.trusted_capa): the capabilities a former test saw
 * over TLS stand for this link's CAPA, which saves its round trip.  They
 * are parsed like a CAPA answer, so every rule that reads CAPA (the choice
 * of method, PIPELINING) reads them the same way.
 */
static void
pop3_trust_capa(struct pop3 *p)
{
	const char *s = p->trusted;
	size_t n;

	pop3_resp_capa_cleanup(&p->out.capa);
	while (*s != '\0') {
		n = strcspn(s, "\n");
		if (n > 0)
			pop3_resp_capa_line(&p->out.capa, s, n);
		s += n;
		if (*s == '\n')
			s++;
	}
	p->out.capa.seen = true;
	p->out.capa_trusted = true;
	pop3_note(p, "CAPA not sent: trusting the capabilities of the last "
	    "test (%s%s%s)", p->out.capa.pipelining ? "PIPELINING" :
	    "no PIPELINING", p->out.capa.sasl_list != NULL ? ", SASL " : "",
	    p->out.capa.sasl_list != NULL ? p->out.capa.sasl_list : "");
}

static void
pop3_send_stls(struct pop3 *p)
{
	pop3_step_begin(p, STEP_STLS);
	pop3_cmd(p, POP3_CMD_STLS, NULL, NULL, false);
}

static void
pop3_send_user(struct pop3 *p)
{
	char *user, *shown;

	/* The bytes in the code page; the trace shows the UTF-8 name. */
	user = str_escape(p->username, strlen(p->username));
	shown = xasprintf("USER %s", user);
	pop3_cmd(p, POP3_CMD_USER, p->username_cp, shown, false);
	free(user);
	free(shown);
	/*
	 * USER, PASS, STAT, QUIT in one write; PASS's reply comes second.
	 * On a clear link (allow_plaintext) PASS waits for USER's +OK: a
	 * server refusing plaintext logons says so to USER, and the
	 * password then never goes out in clear.
	 */
	if (!pop3_can_pipeline(p) || (!p->tls_active && !p->tls_done))
		return;
	pop3_cmd_ahead(p, POP3_CMD_PASS, pop3_password_cp(p),
	    "PASS <redacted>", true);
	pop3_pipeline(p);
}

static void
pop3_send_pass(struct pop3 *p)
{
	if (p->ahead > 0) {
		pop3_expect(p, POP3_CMD_PASS);	/* sent with USER */
		return;
	}
	pop3_cmd(p, POP3_CMD_PASS, pop3_password_cp(p), "PASS <redacted>",
	    true);
	pop3_pipeline(p);
}

static void
pop3_send_apop(struct pop3 *p)
{
	char *digest, *arg, *user, *shown;

	digest = pop3_auth_apop(p->timestamp, pop3_password_cp(p));
	pop3_secret_add(p, digest);
	arg = xasprintf("%s %s", p->username_cp, digest);
	user = str_escape(p->username, strlen(p->username));
	shown = xasprintf("APOP %s <redacted>", user);
	pop3_cmd(p, POP3_CMD_APOP, arg, shown, true);
	pop3_pipeline(p);
	xfree_secret(digest);
	xfree_secret(arg);
	free(user);
	free(shown);
}

static void
pop3_send_auth(struct pop3 *p, enum pop3_method m)
{
	char *payload, *arg, *shown;

	free(p->sasl.xoauth2_err);
	pop3_scram_cleanup(&p->sasl.scram);
	memset(&p->sasl, 0, sizeof p->sasl);
	p->sasl.mech = m;
	if (m == POP3_M_SCRAM_SHA1 || m == POP3_M_SCRAM_SHA256) {
		pop3_scram_init(&p->sasl.scram, m == POP3_M_SCRAM_SHA256);
		payload = pop3_scram_first(&p->sasl.scram, p->username,
		    p->scram_nonce);
		/* The client-first message rides on the AUTH line if it fits. */
		if (strlen("AUTH SCRAM-SHA-256 ") + strlen(payload) + 2 <=
		    POP3_AUTH_LINE_MAX) {
			arg = xasprintf("%s %s", pop3_auth_sasl_name(m),
			    payload);
			shown = xasprintf("AUTH %s <redacted>",
			    pop3_auth_sasl_name(m));
			p->sasl.ir_sent = true;
			pop3_cmd(p, POP3_CMD_AUTH, arg, shown, true);
			free(shown);
			free(arg);
		} else
			pop3_cmd(p, POP3_CMD_AUTH, pop3_auth_sasl_name(m),
			    NULL, false);
		free(payload);
		return;
	}
	if (m != POP3_M_PLAIN) {
		pop3_cmd(p, POP3_CMD_AUTH, pop3_auth_sasl_name(m), NULL, false);
		return;
	}
	/*
	 * RFC 5034 lets the initial response ride on the AUTH line, which
	 * saves a round trip, as long as the line fits in 255 octets.
	 */
	payload = pop3_auth_plain(p->username,
	    p->password != NULL ? p->password : "");
	pop3_secret_add(p, payload);
	if (strlen("AUTH PLAIN ") + strlen(payload) + 2 <= POP3_AUTH_LINE_MAX) {
		arg = xasprintf("PLAIN %s", payload);
		p->sasl.ir_sent = true;
		pop3_cmd(p, POP3_CMD_AUTH, arg, "AUTH PLAIN <redacted>", true);
		pop3_pipeline(p);
		xfree_secret(arg);
	} else
		pop3_cmd(p, POP3_CMD_AUTH, "PLAIN", NULL, false);
	xfree_secret(payload);
}

static void
pop3_send_stat(struct pop3 *p)
{
	pop3_step_begin(p, STEP_STAT);
	if (p->ahead > 0) {
		pop3_expect(p, POP3_CMD_STAT);	/* sent with the logon */
		return;
	}
	pop3_cmd(p, POP3_CMD_STAT, NULL, NULL, false);
	/* The logon has its answer: QUIT may follow STAT at once. */
	if (pop3_can_pipeline(p))
		pop3_cmd_ahead(p, POP3_CMD_QUIT, NULL, NULL, false);
}

static void
pop3_send_quit(struct pop3 *p)
{
	pop3_step_begin(p, STEP_QUIT);
	if (p->ahead == 0) {
		pop3_cmd(p, POP3_CMD_QUIT, NULL, NULL, false);
		return;
	}
	/* QUIT is on its way, last: skip the replies due before its. */
	p->drain = p->ahead - 1;
	p->ahead = 0;
	pop3_state_set(p, p->drain > 0 ? POP3_ST_DRAIN : POP3_ST_QUIT);
}

/* Logon. */

/*
 * What goes on a command line may not hold a line break (command
 * injection), and XOAUTH2 fields may not hold its \001 separator.
 */
static bool
pop3_creds_safe(const struct pop3 *p, enum pop3_method m)
{
	if (strpbrk(p->username, "\r\n") != NULL ||
	    strpbrk(p->username_cp, "\r\n") != NULL)
		return false;
	if (m == POP3_M_USER && p->password_cp != NULL &&
	    strpbrk(p->password_cp, "\r\n") != NULL)
		return false;
	if ((m == POP3_M_XOAUTH2 || m == POP3_M_OAUTHBEARER) &&
	    (strchr(p->username, '\001') != NULL ||
	    strpbrk(p->token, "\r\n\001") != NULL))
		return false;
	return true;
}

static void
pop3_logon(struct pop3 *p)
{
	enum pop3_method m = p->method;
	char *why = NULL;
	enum diag d;

	pop3_step_begin(p, STEP_LOGON);
	p->out.method = m;
	/* Every method exchanges a credential, CRAM-MD5 and APOP too. */
	if (!p->tls_active && !p->tls_done && !p->allow_plaintext) {
		pop3_fail(p, DIAG_PLAINTEXT_REFUSED, "the connection is not "
		    "encrypted and allow_plaintext is off: no credentials "
		    "were sent");
		return;
	}
	if (m == POP3_M_AUTO) {
		m = pop3_auth_choose(p, &why);
		pop3_note(p, "%s", why);
		if (m == POP3_M_AUTO) {
			pop3_fail(p, DIAG_AUTH_MECHANISM_UNAVAILABLE, "%s",
			    why);
			free(why);
			return;
		}
		free(why);
	} else {
		d = pop3_auth_check(p, m, &why);
		if (d != DIAG_OK) {
			pop3_fail(p, d, "%s", why);
			free(why);
			return;
		}
	}
	/* The driver normally stops before connecting; be safe anyway. */
	if (pop3_method_uses_cp(m) && p->cp_error != NULL) {
		pop3_fail(p, DIAG_AUTH_FAILED, "%s: %s sends them in the code "
		    "page, so nothing was sent", p->cp_error,
		    pop3_method_name(m));
		return;
	}
	p->out.method = m;
	if (!pop3_creds_safe(p, m)) {
		pop3_fail(p, DIAG_AUTH_FAILED, "the user name, password or "
		    "token contains a line break or control character: "
		    "nothing was sent");
		return;
	}
	switch (m) {
	case POP3_M_USER:
		pop3_send_user(p);
		break;
	case POP3_M_APOP:
		pop3_send_apop(p);
		break;
	default:
		pop3_send_auth(p, m);
		break;
	}
}

static void
pop3_logged_in(struct pop3 *p)
{
	p->out.logged_in = true;
	pop3_step_end(p, true);
	pop3_send_stat(p);
}

/* Reply handlers, one per state. */

static void
pop3_on_greeting(struct pop3 *p, const char *line, size_t len)
{
	enum pc_err rc;
	char *ts = NULL;

	switch (pop3_resp_status(line, len)) {
	case POP3_RESP_OK:
		p->out.greeting = xstrdup(p->show);
		p->dovecot = pop3_resp_greeting_dovecot(line, len);
		pop3_step_end(p, true);
		rc = pop3_resp_timestamp(line, len, &ts);
		if (rc == PC_OK) {
			p->timestamp = ts;
			p->out.apop_timestamp = true;
		} else if (rc == PC_E_INVALID)
			pop3_note(p, "the greeting has a malformed APOP "
			    "timestamp: APOP is not available");
		if (p->trust_ignored)
			pop3_note(p, "the capabilities of the last test are "
			    "trusted only on a TLS link: asking CAPA");
		if (p->trusted != NULL && p->stls) {
			pop3_note(p, "security=tls: STLS without asking CAPA "
			    "first (the last test's capabilities are trusted "
			    "once TLS is up)");
			pop3_send_stls(p);
		} else if (p->trusted != NULL) {
			pop3_trust_capa(p);
			pop3_logon(p);
		} else
			pop3_send_capa(p);
		break;
	case POP3_RESP_ERR:
		p->out.greeting = xstrdup(p->show);
		pop3_fail(p, pop3_resp_diag(pop3_resp_code(line, len),
		    DIAG_SERVER_TEMPORARY), "the server refused the session: "
		    "%s", p->show);
		break;
	default:
		pop3_fail(p, DIAG_PROTOCOL_ERROR, "the greeting is not +OK: %s",
		    p->show);
		break;
	}
}

static void
pop3_after_capa(struct pop3 *p)
{
	if (p->stls && !p->tls_done) {
		if (!p->out.capa.stls)
			pop3_note(p, "%s; sending STLS anyway (security=tls)",
			    p->out.capa.seen ? "CAPA did not list STLS" :
			    "no CAPA");
		pop3_send_stls(p);
	} else
		pop3_logon(p);
}

static void
pop3_on_capa(struct pop3 *p, const char *line, size_t len)
{
	char *masked;
	size_t mlen;
	int r;

	if (!p->in_multi) {
		switch (pop3_resp_status(line, len)) {
		case POP3_RESP_OK:
			p->in_multi = true;
			pop3_resp_multi_init(&p->multi, p->max_multi);
			pop3_resp_capa_cleanup(&p->out.capa);
			break;
		case POP3_RESP_ERR:
			/* RFC 1939 servers: a result, not a failure. */
			pop3_note(p, "the server has no CAPA (RFC 2449): "
			    "continuing without capabilities");
			pop3_step_end(p, true);
			pop3_after_capa(p);
			break;
		default:
			pop3_fail(p, DIAG_PROTOCOL_ERROR, "unexpected reply to "
			    "CAPA: %s", p->show);
			break;
		}
		return;
	}
	r = pop3_resp_multi_line(&p->multi, &line, &len);
	if (r < 0) {
		pop3_abort(p, DIAG_PROTOCOL_ERROR, "multi-line response longer "
		    "than %zu bytes, during %s", p->multi.max,
		    pop3_step_name(p));
		return;
	}
	if (r > 0) {
		/* Kept in the outcome and shown in notes: mask it too. */
		masked = pop3_scrub(p, line, len, &mlen);
		pop3_resp_capa_line(&p->out.capa, masked, mlen);
		xfreezero(masked, mlen + 1);
		return;
	}
	p->in_multi = false;
	p->out.capa.seen = true;
	pop3_step_end(p, true);
	pop3_after_capa(p);
}

static void
pop3_on_stls(struct pop3 *p, const char *line, size_t len)
{
	switch (pop3_resp_status(line, len)) {
	case POP3_RESP_OK:
		/*
		 * Whatever the server sent after its +OK arrived in clear
		 * and would be read as if it came over TLS (the STARTTLS
		 * command-injection class): stop, send nothing more.
		 */
		if (p->rest > 0) {
			pop3_abort(p, DIAG_STLS_INJECTION, "%zu more bytes "
			    "arrived right after the +OK to STLS, before the "
			    "TLS handshake: possible response injection",
			    p->rest);
			return;
		}
		pop3_step_end(p, true);
		pop3_state_set(p, POP3_ST_TLS_WAIT);
		pop3_push(p, POP3_ACT_STARTTLS, xstrdup("start TLS"));
		break;
	case POP3_RESP_ERR:
		pop3_fail(p, DIAG_STLS_UNAVAILABLE, "the server refused STLS: "
		    "%s", p->show);
		break;
	default:
		pop3_fail(p, DIAG_PROTOCOL_ERROR, "unexpected reply to STLS: "
		    "%s", p->show);
		break;
	}
}

static void
pop3_on_tls_ready(struct pop3 *p)
{
	/* RFC 2595 section 4: forget everything learned in clear. */
	p->tls_done = true;
	p->out.tls = true;
	free(p->timestamp);
	p->timestamp = NULL;
	p->out.apop_timestamp = false;
	pop3_resp_capa_cleanup(&p->out.capa);
	pop3_resp_lines_clear(&p->lines);
	pop3_note(p, "TLS is up: discarding what was learned before it "
	    "(capabilities, APOP timestamp)");
	if (p->trusted != NULL) {
		pop3_trust_capa(p);
		pop3_logon(p);
	} else
		pop3_send_capa(p);
}

static void
pop3_on_user(struct pop3 *p, const char *line, size_t len)
{
	switch (pop3_resp_status(line, len)) {
	case POP3_RESP_OK:
		pop3_send_pass(p);
		break;
	case POP3_RESP_ERR:
		pop3_fail(p, pop3_resp_diag(pop3_resp_code(line, len),
		    DIAG_AUTH_FAILED), "the server refused USER: %s", p->show);
		break;
	default:
		pop3_fail(p, DIAG_PROTOCOL_ERROR, "unexpected reply to USER: "
		    "%s", p->show);
		break;
	}
}

/* PASS and APOP: the last reply of a logon. */
static void
pop3_on_logon_reply(struct pop3 *p, const char *line, size_t len,
    const char *cmd)
{
	switch (pop3_resp_status(line, len)) {
	case POP3_RESP_OK:
		pop3_logged_in(p);
		break;
	case POP3_RESP_ERR:
		pop3_fail(p, pop3_resp_diag(pop3_resp_code(line, len),
		    DIAG_AUTH_FAILED), "logon failed: %s%s", p->show,
		    pop3_resp_code(line, len) == POP3_CODE_AUTH ?
		    pop3_auth_plain_hint(p, p->out.method) : "");
		break;
	default:
		pop3_fail(p, DIAG_PROTOCOL_ERROR, "unexpected reply to %s: %s",
		    cmd, p->show);
		break;
	}
}

static void
pop3_on_pass(struct pop3 *p, const char *line, size_t len)
{
	pop3_on_logon_reply(p, line, len, "PASS");
}

static void
pop3_on_apop(struct pop3 *p, const char *line, size_t len)
{
	pop3_on_logon_reply(p, line, len, "APOP");
}

/* RFC 5034: "*" cancels the exchange; the server answers -ERR. */
static void
pop3_auth_cancel(struct pop3 *p, char *cause)
{
	pop3_record(p, DIAG_PROTOCOL_ERROR, cause);
	if (p->ahead > 0) {
		/* The exchange is over for us; STAT and QUIT are sent. */
		pop3_send_quit(p);
		return;
	}
	p->sasl.cancelled = true;
	pop3_send(p, "*", "*", false);
}

/*
 * A continuation after our final line, with STAT and QUIT sent behind it:
 * the server reads the pipelined STAT as its answer, so only QUIT's reply
 * will follow the result.  XOAUTH2 does this to refuse a token (any line
 * answers its error challenge); from any other mechanism it is a protocol
 * error.
 */
static void
pop3_on_auth_late(struct pop3 *p, const char *line, size_t len)
{
	const char *text, *display;
	char *resp = NULL, *cause = NULL;
	size_t tlen;

	p->ahead--;
	text = pop3_resp_text(line, len, &tlen);
	if ((p->sasl.mech == POP3_M_XOAUTH2 ||
	    p->sasl.mech == POP3_M_OAUTHBEARER) && p->sasl.replies == 1 &&
	    pop3_auth_continue(p, text, tlen, &resp, &display, &cause) ==
	    PC_OK) {
		xfree_secret(resp);
		pop3_note(p, "the server refused the token; the pipelined "
		    "STAT answers its error challenge");
		return;
	}
	free(cause);
	pop3_record(p, DIAG_PROTOCOL_ERROR, xasprintf("the server sent a "
	    "challenge after the last line of AUTH %s: %s",
	    pop3_auth_sasl_name(p->sasl.mech), p->show));
	/* Whatever comes next ends the exchange; then QUIT's reply. */
	p->sasl.cancelled = true;
}

static void
pop3_on_auth(struct pop3 *p, const char *line, size_t len)
{
	const char *text, *display;
	char *resp = NULL, *cause = NULL;
	size_t tlen;

	if (p->sasl.cancelled) {
		/* The failure is recorded; any reply ends the exchange. */
		pop3_send_quit(p);
		return;
	}
	switch (pop3_resp_status(line, len)) {
	case POP3_RESP_OK:
		if (p->sasl.xoauth2_err != NULL)
			pop3_fail(p, DIAG_PROTOCOL_ERROR, "the server accepted "
			    "the logon after refusing the token: %s",
			    p->sasl.xoauth2_err);
		else if ((p->sasl.mech == POP3_M_SCRAM_SHA1 ||
		    p->sasl.mech == POP3_M_SCRAM_SHA256) &&
		    !p->sasl.scram.verified)
			pop3_fail(p, DIAG_PROTOCOL_ERROR, "the server accepted "
			    "the %s logon without proving that it knows the "
			    "password (no server signature): %s",
			    pop3_auth_sasl_name(p->sasl.mech), p->show);
		else
			pop3_logged_in(p);
		break;
	case POP3_RESP_ERR:
		if (p->sasl.xoauth2_err != NULL)
			pop3_fail(p, pop3_resp_diag(pop3_resp_code(line, len),
			    DIAG_AUTH_FAILED), "the server refused the OAuth2 "
			    "token: %s; %s", p->sasl.xoauth2_err, p->show);
		else
			pop3_fail(p, pop3_resp_diag(pop3_resp_code(line, len),
			    DIAG_AUTH_FAILED), "logon failed: %s%s", p->show,
			    pop3_resp_code(line, len) == POP3_CODE_AUTH ?
			    pop3_auth_plain_hint(p, p->sasl.mech) : "");
		break;
	case POP3_RESP_CONT:
		if (p->ahead > 0) {
			pop3_on_auth_late(p, line, len);
			break;
		}
		text = pop3_resp_text(line, len, &tlen);
		if (pop3_auth_continue(p, text, tlen, &resp, &display,
		    &cause) != PC_OK) {
			pop3_auth_cancel(p, cause);
			break;
		}
		pop3_secret_add(p, resp);
		pop3_send(p, resp, display, true);
		xfree_secret(resp);
		if (pop3_auth_last(p))
			pop3_pipeline(p);
		break;
	default:
		pop3_auth_cancel(p, xasprintf("unexpected reply during AUTH "
		    "%s: %s", pop3_auth_sasl_name(p->sasl.mech), p->show));
		break;
	}
}

static void
pop3_on_stat(struct pop3 *p, const char *line, size_t len)
{
	uint64_t n, m;

	switch (pop3_resp_status(line, len)) {
	case POP3_RESP_OK:
		if (pop3_resp_stat(line, len, &n, &m) != PC_OK) {
			pop3_fail(p, DIAG_PROTOCOL_ERROR, "malformed STAT "
			    "reply: %s", p->show);
			break;
		}
		p->out.stat_ok = true;
		p->out.messages = n;
		p->out.octets = m;
		pop3_step_end(p, true);
		pop3_send_quit(p);
		break;
	case POP3_RESP_ERR:
		pop3_fail(p, pop3_resp_diag(pop3_resp_code(line, len),
		    DIAG_SERVER_PERMANENT), "STAT failed: %s", p->show);
		break;
	default:
		pop3_fail(p, DIAG_PROTOCOL_ERROR, "unexpected reply to STAT: "
		    "%s", p->show);
		break;
	}
}

/* After a failure: the reply of a command that was pipelined. */
static void
pop3_on_drain(struct pop3 *p, const char *line, size_t len)
{
	(void)line;
	(void)len;
	if (--p->drain > 0)
		return;
	pop3_state_set(p, POP3_ST_QUIT);
}

static void
pop3_on_quit(struct pop3 *p, const char *line, size_t len)
{
	if (pop3_resp_status(line, len) == POP3_RESP_OK)
		pop3_step_end(p, true);
	else {
		pop3_step_end(p, false);
		pop3_note(p, "unexpected reply to QUIT: %s", p->show);
	}
	pop3_finish(p);
}

/* What each state does with a complete line; INIT, TLS_WAIT, DONE get none. */
typedef void (*pop3_line_cb)(struct pop3 *, const char *, size_t);

static const pop3_line_cb pop3_line_handlers[POP3_ST__COUNT] = {
	[POP3_ST_GREETING] = pop3_on_greeting,
	[POP3_ST_CAPA] = pop3_on_capa,
	[POP3_ST_STLS] = pop3_on_stls,
	[POP3_ST_USER] = pop3_on_user,
	[POP3_ST_PASS] = pop3_on_pass,
	[POP3_ST_APOP] = pop3_on_apop,
	[POP3_ST_AUTH] = pop3_on_auth,
	[POP3_ST_STAT] = pop3_on_stat,
	[POP3_ST_DRAIN] = pop3_on_drain,
	[POP3_ST_QUIT] = pop3_on_quit,
};

/* One complete server line: show it, then hand it to the state. */
static void
pop3_on_line(struct pop3 *p, const char *line, size_t len)
{
	pop3_line_cb fn;

	p->show = pop3_show(p, line, len);
	pop3_push(p, POP3_ACT_RECV_LINE, xstrdup(p->show));
	fn = (unsigned)p->state < POP3_ST__COUNT ?
	    pop3_line_handlers[p->state] : NULL;
	if (fn != NULL)
		fn(p, line, len);
	free(p->show);
	p->show = NULL;
}

/* Events. */

static void
pop3_on_connected(struct pop3 *p)
{
	if (p->state != POP3_ST_INIT)
		return;
	p->out.tls = p->tls_active;
	pop3_state_set(p, POP3_ST_GREETING);
	pop3_step_begin(p, STEP_GREETING);
}

static void
pop3_on_closed(struct pop3 *p)
{
	size_t pending = pop3_resp_lines_pending(&p->lines);

	switch (p->state) {
	case POP3_ST_DONE:
		return;
	case POP3_ST_QUIT:
		/* Closing is what QUIT asked for; the reply is a nicety. */
		pop3_step_end(p, true);
		pop3_note(p, "the server closed the connection without "
		    "answering QUIT");
		pop3_finish(p);
		return;
	case POP3_ST_DRAIN:
		/* Only after a failure, which stays the diagnosis. */
		pop3_step_end(p, true);
		pop3_note(p, "the server closed the connection after the "
		    "failure, before answering the pipelined commands");
		pop3_finish(p);
		return;
	default:
		if (pending > 0)
			pop3_abort(p, DIAG_PROTOCOL_ERROR, "the server closed "
			    "the connection during %s, after %zu bytes with no "
			    "line end", pop3_step_name(p), pending);
		else
			pop3_abort(p, DIAG_PROTOCOL_ERROR, "the server closed "
			    "the connection during %s", pop3_step_name(p));
		return;
	}
}

static void
pop3_on_timeout(struct pop3 *p)
{
	switch (p->state) {
	case POP3_ST_DONE:
		return;
	case POP3_ST_DRAIN:
	case POP3_ST_QUIT:
		if (p->failed) {
			pop3_finish(p);
			return;
		}
		pop3_abort(p, DIAG_TIMEOUT, "timed out waiting for the reply "
		    "to QUIT");
		return;
	case POP3_ST_GREETING:
		if (!p->tls_active) {
			/*
			 * The reverse of a plain answer to a ClientHello: a
			 * POP3S port waits silently for the client's TLS.
			 */
			pop3_abort(p, DIAG_TIMEOUT, "timed out waiting for the "
			    "greeting: a port that speaks TLS at once (POP3S, "
			    "usually 995) waits silently for the client; if "
			    "this is one, use security=ssl");
			return;
		}
		/* FALLTHROUGH */
	default:
		pop3_abort(p, DIAG_TIMEOUT, "timed out waiting for the server "
		    "during %s", pop3_step_name(p));
		return;
	}
}

/* Public API. */

struct pop3 *
pop3_new(const struct pop3_cfg *cfg)
{
	struct pop3 *p;

	p = xcalloc(1, sizeof *p);
	p->state = POP3_ST_INIT;
	p->username = xstrdup(cfg->username != NULL ? cfg->username : "");
	p->password = xstrdup_or_null(cfg->password);
	p->token = xstrdup_or_null(cfg->oauth_token);
	p->scram_nonce = xstrdup_or_null(cfg->scram_nonce);
	p->username_cp = xstrdup(cfg->username_cp != NULL ? cfg->username_cp :
	    p->username);
	p->password_cp = xstrdup_or_null(cfg->password_cp != NULL ?
	    cfg->password_cp : cfg->password);
	p->cp_error = xstrdup_or_null(cfg->cp_error);
	p->decode = cfg->decode;
	p->decode_arg = cfg->decode_arg;
	p->method = (unsigned)cfg->method < POP3_M__COUNT ? cfg->method :
	    POP3_M_AUTO;
	p->tls_active = cfg->tls_active;
	/* STLS inside implicit TLS would make no sense. */
	p->stls = cfg->stls && !cfg->tls_active;
	p->allow_plaintext = cfg->allow_plaintext;
	if (cfg->trusted_capa != NULL && (p->tls_active || p->stls))
		p->trusted = xstrdup(cfg->trusted_capa);
	else
		p->trust_ignored = cfg->trusted_capa != NULL;
	pop3_resp_lines_init(&p->lines, cfg->max_line != 0 ? cfg->max_line :
	    POP3_MAX_LINE_DEFAULT);
	p->max_multi = cfg->max_multi != 0 ? cfg->max_multi :
	    POP3_MAX_MULTI_DEFAULT;
	pop3_secret_add(p, p->password);
	pop3_secret_add(p, p->password_cp);
	pop3_secret_add(p, p->token);
	p->out.diag = DIAG_OK;
	p->out.message = xstrdup("the session has not finished");
	p->out.method = POP3_M_AUTO;
	return p;
}

void
pop3_free(struct pop3 *p)
{
	struct pop3_item *it, *next;
	size_t i;

	if (p == NULL)
		return;
	pop3_item_free(p->cur);
	for (it = p->head; it != NULL; it = next) {
		next = it->next;
		pop3_item_free(it);
	}
	free(p->username);
	free(p->username_cp);
	free(p->cp_error);
	free(p->trusted);
	xfree_secret(p->password);
	xfree_secret(p->password_cp);
	xfree_secret(p->token);
	for (i = 0; i < p->nsecrets; i++)
		xfree_secret(p->secrets[i]);
	free(p->secrets);
	pop3_resp_lines_cleanup(&p->lines);
	free(p->show);
	free(p->timestamp);
	free(p->sasl.xoauth2_err);
	pop3_scram_cleanup(&p->sasl.scram);
	free(p->scram_nonce);
	free(p->out.message);
	free(p->out.greeting);
	pop3_resp_capa_cleanup(&p->out.capa);
	free(p);
}

void
pop3_feed(struct pop3 *p, const void *data, size_t len)
{
	const char *d = data;
	char *cause = NULL;
	bool complete;
	size_t used;

	if (p->state == POP3_ST_INIT && len > 0)
		pop3_on_connected(p);
	while (len > 0 && p->state != POP3_ST_DONE) {
		if (p->state == POP3_ST_TLS_WAIT) {
			pop3_abort(p, DIAG_STLS_INJECTION, "%zu bytes arrived "
			    "after the +OK to STLS, before the TLS handshake: "
			    "possible response injection", len);
			return;
		}
		if (pop3_resp_lines_take(&p->lines, d, len, &used, &complete,
		    &cause) != PC_OK) {
			pop3_abort(p, DIAG_PROTOCOL_ERROR, "%s, during %s",
			    cause, pop3_step_name(p));
			free(cause);
			return;
		}
		d += used;
		len -= used;
		if (!complete)
			break;
		p->rest = len;
		pop3_on_line(p, p->lines.line.data, p->lines.line.len);
		pop3_resp_lines_clear(&p->lines);
	}
}

void
pop3_event(struct pop3 *p, enum pop3_event ev)
{
	switch (ev) {
	case POP3_EV_CONNECTED:
		pop3_on_connected(p);
		break;
	case POP3_EV_TLS_READY:
		if (p->state == POP3_ST_TLS_WAIT)
			pop3_on_tls_ready(p);
		else if (p->state != POP3_ST_DONE)
			pop3_note(p, "TLS ready in state %s: ignored",
			    pop3_state_name(p->state));
		break;
	case POP3_EV_CLOSED:
		pop3_on_closed(p);
		break;
	case POP3_EV_TIMEOUT:
		pop3_on_timeout(p);
		break;
	}
}

int
pop3_next_action(struct pop3 *p, struct pop3_action *out)
{
	struct pop3_item *it;

	pop3_item_free(p->cur);
	p->cur = NULL;
	it = p->head;
	if (it == NULL)
		return 0;
	p->head = it->next;
	if (p->head == NULL)
		p->tail = NULL;
	it->next = NULL;
	p->cur = it;
	memset(out, 0, sizeof *out);
	out->kind = it->kind;
	out->data = it->data;
	out->len = it->len;
	out->text = it->text != NULL ? it->text : "";
	out->sensitive = it->sensitive;
	out->step = it->step;
	out->begin = it->begin;
	out->ok = it->ok;
	return 1;
}

int
pop3_done(const struct pop3 *p)
{
	return p->state == POP3_ST_DONE;
}

const struct pop3_outcome *
pop3_outcome(const struct pop3 *p)
{
	return &p->out;
}
