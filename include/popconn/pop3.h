/*
 * pop3.h - the POP3 client session as a pure state machine.  It does no
 * I/O, reads no clock and allocates only through xmalloc.
 *
 * The driver (logon/) owns the transport.  It tells the machine what
 * happened with pop3_event() (connected, TLS ready, peer closed, timeout)
 * and hands it every byte it reads with pop3_feed().  After each call it
 * drains pop3_next_action() and carries the actions out in order: write
 * bytes, stack TLS, show a trace line, time a step, stop.  The session runs
 * greeting -> CAPA -> [STLS -> TLS -> CAPA] -> logon -> STAT -> QUIT and
 * never retrieves or deletes mail.  When the CAPA of the current link
 * lists PIPELINING (RFC 2449), commands that may go together (USER and
 * PASS over TLS; STAT and QUIT after the logon's +OK; with Dovecot the
 * final logon line, STAT and QUIT) come as consecutive SEND actions from
 * one call: the driver should write them in one go before it waits for
 * the server.  Nothing goes past the logon command before its answer to
 * any other server.
 *
 * Safety is enforced here, not in the driver: STLS is
 * sent whenever cfg.stls is set and a refusal ends the session; bytes that
 * arrive between the +OK to STLS and TLS_READY end it as an injection;
 * credentials never cross a link that is not TLS unless allow_plaintext is
 * set; every read is bounded; secrets never appear in a display string, a
 * note or the outcome.
 */
#ifndef POPCONN_POP3_H
#define POPCONN_POP3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "popconn/diag.h"
#include "popconn/step.h"

/* Logon methods.  The driver maps the profile's auth field onto these. */
enum pop3_method {
	POP3_M_AUTO,		/* strongest offered that the profile can use */
	POP3_M_USER,		/* USER / PASS (RFC 1939) */
	POP3_M_APOP,		/* APOP digest (RFC 1939) */
	POP3_M_PLAIN,		/* SASL PLAIN (RFC 4616, RFC 5034) */
	POP3_M_LOGIN,		/* SASL LOGIN (draft-murchison-sasl-login) */
	POP3_M_CRAM_MD5,	/* SASL CRAM-MD5 (RFC 2195) */
	POP3_M_XOAUTH2,		/* SASL XOAUTH2 (Google / Microsoft) */
	POP3_M_OAUTHBEARER,	/* SASL OAUTHBEARER (RFC 7628) */
	POP3_M_SCRAM_SHA1,	/* SASL SCRAM-SHA-1 (RFC 5802) */
	POP3_M_SCRAM_SHA256,	/* SASL SCRAM-SHA-256 (RFC 7677) */
	POP3_M__COUNT
};

#define POP3_MAX_LINE_DEFAULT	8192		/* bytes per server line */
#define POP3_MAX_MULTI_DEFAULT	(1024 * 1024)	/* bytes per multi-line */
#define POP3_CAPA_MAX_LINES	64		/* capability lines kept */

struct pop3_cfg {
	const char	*username;	/* required; copied */
	const char	*password;	/* secret; NULL = none; copied, wiped */
	const char	*oauth_token;	/* secret; NULL = none; copied, wiped */
	enum pop3_method method;
	bool		 stls;		/* security=tls: send STLS after CAPA */
	bool		 tls_active;	/* link is TLS from the start (ssl) */
	bool		 allow_plaintext; /* credentials may go in clear */
	size_t		 max_line;	/* 0 = POP3_MAX_LINE_DEFAULT */
	size_t		 max_multi;	/* 0 = POP3_MAX_MULTI_DEFAULT */
	/*
	 * A repeat test: the capability lines a former test saw over TLS
	 * ('\n' between lines; pop3_outcome.capa.lines joined), used instead
	 * of asking CAPA.  Only on a TLS link (ssl, or after STLS; with STLS
	 * the CAPA in clear is skipped too, since STLS is sent anyway); on a
	 * clear link it is ignored with a note.  NULL = ask CAPA.  Copied.
	 */
	const char	*trusted_capa;
	/*
	 * SCRAM client nonce: printable ASCII without ',', at least 16
	 * characters, fresh for every session (the driver makes it from a
	 * CSPRNG).  NULL: SCRAM is not available.  Copied.
	 */
	const char	*scram_nonce;
	/*
	 * The profile's code page: the user name and
	 * password written in it, for the methods that send them so (USER,
	 * PASS, APOP, LOGIN, CRAM-MD5).  PLAIN, SCRAM, XOAUTH2 and
	 * OAUTHBEARER send username/password (UTF-8, as their RFCs say).
	 * NULL: the same bytes as username/password.  password_cp is a
	 * secret.  Both copied (the password wiped on free).
	 */
	const char	*username_cp;
	const char	*password_cp;
	/*
	 * Why the user name or password cannot be written in the code page
	 * (no secret in it), or NULL.  When set, the methods above are never
	 * tried (auto leaves them out and says why) and nothing of the
	 * credentials is sent by them.  Copied.
	 */
	const char	*cp_error;
	/*
	 * Server text for display: decode len bytes from the server's code
	 * page to UTF-8 and escape them as str_escape does (a byte that does
	 * not decode shown as \xNN).  Returns a string the machine frees.
	 * NULL: server text is taken as UTF-8 (str_escape).  It is called
	 * with secrets already masked.
	 */
	char		*(*decode)(void *arg, const char *s, size_t len);
	void		*decode_arg;
};

enum pop3_event {
	POP3_EV_CONNECTED,	/* transport up (after TLS for ssl mode) */
	POP3_EV_TLS_READY,	/* handshake done after a STARTTLS action */
	POP3_EV_CLOSED,		/* the peer closed the connection */
	POP3_EV_TIMEOUT,	/* the driver's wait for the server ran out */
};

enum pop3_act {
	POP3_ACT_SEND,		/* write data/len to the transport */
	POP3_ACT_STARTTLS,	/* stack TLS now, then POP3_EV_TLS_READY */
	POP3_ACT_RECV_LINE,	/* trace: one server line (text) */
	POP3_ACT_NOTE,		/* trace: information (text) */
	POP3_ACT_STATE,		/* trace: the state changed (text) */
	POP3_ACT_STEP,		/* a step begins or ends (step) */
	POP3_ACT_DONE,		/* finished: pop3_outcome() is final */
};

/*
 * One action.  The pointers are owned by the machine and stay valid until
 * the next pop3_next_action() or pop3_free() call.
 */
struct pop3_action {
	enum pop3_act	 kind;
	const char	*data;		/* SEND: bytes to write, with CRLF */
	size_t		 len;		/* SEND: length of data */
	/*
	 * SEND: what to show ("PASS <redacted>"); RECV_LINE: the server line,
	 * escaped (no control characters), secrets masked; NOTE: the note;
	 * STATE: "OLD -> NEW" (state names); STEP: step_name(step); DONE:
	 * the outcome message.  Never NULL, never a secret.
	 */
	const char	*text;
	/* STEP: which one (STEP_GREETING, _CAPA, _STLS, _CAPA2, _LOGON,
	   _STAT or _QUIT). */
	enum step	 step;
	bool		 sensitive;	/* SEND: data carries a secret */
	bool		 begin;		/* STEP: true = begins, false = ends */
	bool		 ok;		/* STEP end: the step passed */
};

/* SASL mechanisms the machine knows (bits of pop3_capa.sasl). */
#define POP3_SASL_PLAIN		0x01
#define POP3_SASL_LOGIN		0x02
#define POP3_SASL_CRAM_MD5	0x04
#define POP3_SASL_XOAUTH2	0x08
#define POP3_SASL_OAUTHBEARER	0x10
#define POP3_SASL_SCRAM_SHA1	0x20
#define POP3_SASL_SCRAM_SHA256	0x40

/* What a CAPA answer said (RFC 2449). */
struct pop3_capa {
	bool		 seen;		/* CAPA answered +OK */
	bool		 stls;
	bool		 user;
	bool		 pipelining;
	bool		 resp_codes;
	bool		 auth_resp_code;
	bool		 impl_other;	/* IMPLEMENTATION names a server
					   other than Dovecot */
	unsigned int	 sasl;		/* POP3_SASL_* offered */
	char		*sasl_list;	/* mechanisms offered, escaped; owned */
	char		**lines;	/* capability lines, escaped; owned */
	size_t		 nlines;
};

struct pop3_outcome {
	enum diag	 diag;		/* DIAG_OK: logon and STAT passed */
	char		*message;	/* escaped; never holds a secret */
	enum step	 failed_step;	/* STEP_NONE on success */
	enum pop3_method method;	/* method tried; POP3_M_AUTO = none */
	bool		 logged_in;	/* the server took the credentials */
	bool		 tls;		/* the session ran over TLS */
	bool		 apop_timestamp; /* greeting had a valid timestamp */
	char		*greeting;	/* escaped greeting line, or NULL */
	bool		 stat_ok;	/* STAT answered with counts */
	uint64_t	 messages;	/* from STAT */
	uint64_t	 octets;	/* from STAT */
	struct pop3_capa capa;		/* last CAPA (over TLS after STLS) */
	bool		 capa_trusted;	/* capa is cfg.trusted_capa: no CAPA
					   was sent */
};

struct pop3;

/* pop3.c */
/*
 * A new session in its initial state, waiting for POP3_EV_CONNECTED.
 * Strings in cfg are copied (secrets are wiped on free).  Never NULL.
 */
struct pop3	*pop3_new(const struct pop3_cfg *cfg);
/* Wipe the secrets and free everything.  NULL is allowed. */
void		 pop3_free(struct pop3 *p);
/*
 * Bytes received from the server.  Any length; split anywhere.  Bytes fed
 * after DONE are ignored; bytes fed between a STARTTLS action and
 * POP3_EV_TLS_READY end the session with DIAG_STLS_INJECTION.
 */
void		 pop3_feed(struct pop3 *p, const void *data, size_t len);
/* Something happened on the transport; ignored after DONE. */
void		 pop3_event(struct pop3 *p, enum pop3_event ev);
/*
 * Take the next action into *out: 1 when there was one, 0 when the queue is
 * empty.  The previous action's buffers are released (and wiped when they
 * held a secret) by this call.
 */
int		 pop3_next_action(struct pop3 *p, struct pop3_action *out);
/* 1 once the DONE action has been queued. */
int		 pop3_done(const struct pop3 *p);
/*
 * The outcome so far; final after POP3_ACT_DONE.  Borrowed, valid until
 * pop3_free().
 */
const struct pop3_outcome *pop3_outcome(const struct pop3 *p);
/* "auto", "USER", "APOP", "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2" ... */
const char	*pop3_method_name(enum pop3_method m);
/*
 * True for the methods that send the user name and password in the
 * profile's code page (cfg.username_cp): USER (and PASS), APOP, LOGIN,
 * CRAM-MD5.
 */
bool		 pop3_method_uses_cp(enum pop3_method m);

#endif
