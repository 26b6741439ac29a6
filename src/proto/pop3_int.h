/*
 * pop3_int.h - internals of the POP3 machine shared by pop3.c (states and
 * actions), pop3_resp.c (reading server replies), pop3_auth.c (logon
 * methods) and pop3_md5.c (MD5 and HMAC-MD5 for APOP and CRAM-MD5).
 * Unit tests and the fuzzer include it too; nothing outside proto/ may.
 */
#ifndef POPCONN_POP3_INT_H
#define POPCONN_POP3_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "popconn/buf.h"
#include "popconn/err.h"
#include "popconn/pop3.h"
#include "popconn/xmalloc.h"

/* One enum, one names table (pop3.c), one function that changes it. */
enum pop3_state {
	POP3_ST_INIT,		/* waiting for POP3_EV_CONNECTED */
	POP3_ST_GREETING,	/* waiting for the greeting */
	POP3_ST_CAPA,		/* CAPA sent (before or after STLS) */
	POP3_ST_STLS,		/* STLS sent */
	POP3_ST_TLS_WAIT,	/* STARTTLS handed out, waiting TLS_READY */
	POP3_ST_USER,		/* USER sent */
	POP3_ST_PASS,		/* PASS sent */
	POP3_ST_APOP,		/* APOP sent */
	POP3_ST_AUTH,		/* an AUTH exchange is running */
	POP3_ST_STAT,		/* STAT sent */
	POP3_ST_DRAIN,		/* failed: skipping pipelined replies */
	POP3_ST_QUIT,		/* QUIT sent */
	POP3_ST_DONE,		/* outcome final */
	POP3_ST__COUNT
};

/* Longest APOP timestamp accepted, angle brackets included. */
#define POP3_TIMESTAMP_MAX	256
/* RFC 5034 section 4: an AUTH command line is at most 255 octets. */
#define POP3_AUTH_LINE_MAX	255
/* Secrets shorter than this are not masked inside server text. */
#define POP3_SCRUB_MIN		3

/* Line framing state (pop3_resp.c). */
struct pop3_lines {
	struct buf	 line;		/* line being assembled, no LF */
	size_t		 max;		/* longest line content allowed */
};

/* Multi-line response state (pop3_resp.c). */
struct pop3_multi {
	size_t		 total;		/* unstuffed bytes so far, with LFs */
	size_t		 max;		/* cap on total */
};

enum pop3_status {
	POP3_RESP_OK,		/* "+OK" */
	POP3_RESP_ERR,		/* "-ERR" */
	POP3_RESP_CONT,		/* "+" or "+ text": a SASL continuation */
	POP3_RESP_OTHER,	/* anything else */
};

/* Extended response codes (RFC 2449 section 8, RFC 3206). */
enum pop3_code {
	POP3_CODE_NONE,
	POP3_CODE_AUTH,
	POP3_CODE_SYS_TEMP,
	POP3_CODE_SYS_PERM,
	POP3_CODE_IN_USE,
	POP3_CODE_LOGIN_DELAY,
	POP3_CODE_OTHER,	/* a code this client does not know */
};

/* One queued action; the machine owns the strings. */
struct pop3_item {
	struct pop3_item *next;
	enum pop3_act	 kind;
	char		*data;		/* SEND bytes; wiped when sensitive */
	size_t		 len;
	char		*text;		/* never a secret */
	enum step	 step;		/* STEP */
	bool		 sensitive;
	bool		 begin;
	bool		 ok;
};

/* SCRAM state between its messages (pop3_scram.c). */
struct pop3_scram {
	bool		 sha256;	/* SCRAM-SHA-256, else SCRAM-SHA-1 */
	char		*nonce;		/* client nonce, printable */
	char		*first_bare;	/* client-first-message-bare */
	char		*auth_message;	/* RFC 5802 AuthMessage */
	unsigned char	 server_sig[32]; /* expected ServerSignature */
	bool		 verified;	/* the server proved its signature */
};

/* A running AUTH exchange. */
struct pop3_sasl {
	enum pop3_method mech;
	int		 replies;	/* continuations answered so far */
	bool		 ir_sent;	/* initial response on the AUTH line */
	bool		 cancelled;	/* "*" sent; waiting for the -ERR */
	char		*xoauth2_err;	/* decoded error JSON, escaped */
	struct pop3_scram scram;
};

struct pop3 {
	enum pop3_state	 state;

	char		*username;
	char		*password;	/* secret */
	char		*token;		/* secret */
	char		*scram_nonce;	/* cfg.scram_nonce, or NULL */
	char		*username_cp;	/* in the code page (cfg), never NULL */
	char		*password_cp;	/* secret; in the code page, or NULL */
	char		*cp_error;	/* cfg.cp_error, or NULL */
	char		*(*decode)(void *, const char *, size_t); /* or NULL */
	void		*decode_arg;
	enum pop3_method method;	/* as configured */
	bool		 stls;
	bool		 tls_active;
	bool		 allow_plaintext;
	char		*trusted;	/* cfg.trusted_capa, on a TLS link */
	bool		 trust_ignored;	/* given, but the link is clear */

	struct pop3_lines lines;
	struct pop3_multi multi;
	size_t		 max_multi;	/* cap on one multi-line body */
	bool		 in_multi;	/* inside a multi-line body */
	size_t		 rest;		/* bytes of this feed after the line */
	char		*show;		/* display form of the line handled */

	bool		 tls_done;	/* STLS completed */
	/*
	 * PIPELINING (RFC 2449): commands sent behind the one the state
	 * waits for (PASS, STAT, QUIT), and after a failure the replies
	 * still to skip before QUIT's.
	 */
	int		 ahead;
	int		 drain;
	bool		 dovecot;	/* greeting in Dovecot's words */
	char		*timestamp;	/* APOP timestamp, NULL when none */
	struct pop3_sasl sasl;

	enum step	 step;		/* current or last step, or STEP_NONE */
	bool		 step_open;
	bool		 failed;	/* outcome holds a failure */

	char		**secrets;	/* strings masked in server text */
	size_t		 nsecrets;

	struct pop3_item *head;		/* queue */
	struct pop3_item *tail;
	struct pop3_item *cur;		/* handed out, freed on the next call */

	struct pop3_outcome out;
};

/* pop3.c */
/*
 * Server text for display: secrets masked, then decoded from the server's
 * code page (cfg.decode) and escaped.  Caller frees.
 */
char		*pop3_show(const struct pop3 *p, const char *s, size_t len);
/* The same for text that is UTF-8 whatever the code page (SASL JSON). */
char		*pop3_show_utf8(const struct pop3 *p, const char *s,
		    size_t len);


/* pop3_resp.c */
void		 pop3_resp_lines_init(struct pop3_lines *l, size_t max);
void		 pop3_resp_lines_cleanup(struct pop3_lines *l);
/*
 * Take bytes up to and including the first LF of data into the line being
 * assembled.  *used is how many were taken; *complete is set when a line
 * ended (then l->line holds it without CR LF, until
 * pop3_resp_lines_clear).  PC_E_PROTO with *cause (caller frees) on a NUL
 * byte or a line longer than l->max.
 */
enum pc_err	 pop3_resp_lines_take(struct pop3_lines *l, const char *data,
		    size_t len, size_t *used, bool *complete, char **cause);
void		 pop3_resp_lines_clear(struct pop3_lines *l);
/* Bytes of an unfinished line held. */
size_t		 pop3_resp_lines_pending(const struct pop3_lines *l);

enum pop3_status pop3_resp_status(const char *line, size_t len);
/* The text after the status indicator and one space (may be empty). */
const char	*pop3_resp_text(const char *line, size_t len, size_t *tlen);
/* The [CODE] at the start of the text of a -ERR or +OK line. */
enum pop3_code	 pop3_resp_code(const char *line, size_t len);
/* The diagnosis a code means; dflt for POP3_CODE_NONE and _OTHER. */
enum diag	 pop3_resp_diag(enum pop3_code code, enum diag dflt);

void		 pop3_resp_multi_init(struct pop3_multi *m, size_t max);
/*
 * One line of a multi-line body: 1 = data (*line and *len are moved past a
 * stuffed dot), 0 = the terminating ".", -1 = the body is over its cap.
 */
int		 pop3_resp_multi_line(struct pop3_multi *m, const char **line,
		    size_t *len);

/*
 * The APOP timestamp of a greeting: PC_OK with *out ("<...@...>", caller
 * frees), PC_E_NOTFOUND when there is none, PC_E_INVALID when one is
 * there but malformed (not printable ASCII, no '@', too long).
 */
enum pc_err	 pop3_resp_timestamp(const char *line, size_t len,
		    char **out);
/* Add one capability line (already unstuffed) to c. */
bool		 pop3_resp_greeting_dovecot(const char *line, size_t len);
void		 pop3_resp_capa_line(struct pop3_capa *c, const char *line,
		    size_t len);
void		 pop3_resp_capa_cleanup(struct pop3_capa *c);
/* "+OK n m": PC_E_PROTO unless both counts are there. */
enum pc_err	 pop3_resp_stat(const char *line, size_t len, uint64_t *msgs,
		    uint64_t *octets);

/* pop3_auth.c */
/*
 * auto: the strongest method that the server offers and the profile can
 * use, or POP3_M_AUTO when none; *why (caller frees) says why.
 */
enum pop3_method pop3_auth_choose(const struct pop3 *p, char **why);
/* " (the server offers PLAIN too ...)" after a refused CRAM-MD5/APOP/SCRAM. */
const char	*pop3_auth_plain_hint(const struct pop3 *p, enum pop3_method m);
/*
 * An explicitly chosen method: DIAG_OK when it may be tried, otherwise the
 * diagnosis with *why (caller frees).
 */
enum diag	 pop3_auth_check(const struct pop3 *p, enum pop3_method m,
		    char **why);
/* Hex MD5(timestamp password) (RFC 1939 APOP).  Caller frees (secret). */
char		*pop3_auth_apop(const char *timestamp, const char *password);
/* Base64 of "\0user\0password" (RFC 4616).  Caller frees (secret). */
char		*pop3_auth_plain(const char *user, const char *password);
/* Base64 of "user hex(HMAC-MD5(password, chal))" (RFC 2195). */
char		*pop3_auth_cram(const char *user, const char *password,
		    const unsigned char *chal, size_t len);
/* Base64 of "user=U\1auth=Bearer T\1\1".  Caller frees (secret). */
char		*pop3_auth_xoauth2(const char *user, const char *token);
/* Base64 of RFC 7628 "n,a=USER,^Aauth=Bearer TOKEN^A^A"; a secret. */
char		*pop3_auth_oauthbearer(const char *user, const char *token);
/* Append name as an RFC 5802 saslname ('=' as =3D, ',' as =2C). */
void		 pop3_auth_saslname(struct buf *b, const char *name);
/*
 * Answer a "+ text" continuation of the running AUTH exchange: PC_OK with
 * *resp (the line to send, secret, caller frees) and *display (static);
 * PC_E_PROTO with *cause (caller frees) when the exchange must be
 * cancelled.
 */
enum pc_err	 pop3_auth_continue(struct pop3 *p, const char *text,
		    size_t len, char **resp, const char **display,
		    char **cause);
/*
 * True when the line just answered (pop3_auth_continue) was the last one
 * the running mechanism sends: only a result can follow.
 */
bool		 pop3_auth_last(const struct pop3 *p);
/* SASL name of a method ("CRAM-MD5"); NULL for USER, APOP, auto. */
const char	*pop3_auth_sasl_name(enum pop3_method m);

/* pop3_scram.c */
void		 pop3_scram_init(struct pop3_scram *s, bool sha256);
void		 pop3_scram_cleanup(struct pop3_scram *s);
/* Base64 client-first message "n,,n=USER,r=NONCE"; caller frees. */
char		*pop3_scram_first(struct pop3_scram *s, const char *user,
		    const char *nonce);
/*
 * The answer to the server-first message (base64 text): base64 client-
 * final message with the proof in *resp (a secret: wipe it).  PC_E_PROTO
 * with *cause (caller frees) on a malformed or tampered message.
 */
enum pc_err	 pop3_scram_final(struct pop3_scram *s, const char *password,
		    const char *text, size_t len, char **resp, char **cause);
/* Check the server-final message (base64 text): PC_OK when v= is right. */
enum pc_err	 pop3_scram_verify(struct pop3_scram *s, const char *text,
		    size_t len, char **cause);

/* pop3_md5.c */
struct pop3_md5 {
	uint32_t	 h[4];
	uint64_t	 bytes;
	unsigned char	 block[64];
};

void		 pop3_md5_init(struct pop3_md5 *c);
void		 pop3_md5_update(struct pop3_md5 *c, const void *data,
		    size_t len);
/* Write the digest and wipe c. */
void		 pop3_md5_final(struct pop3_md5 *c, unsigned char out[16]);
/* HMAC-MD5 (RFC 2104). */
void		 pop3_md5_hmac(const void *key, size_t klen, const void *msg,
		    size_t mlen, unsigned char out[16]);
/* 32 lower-case hex digits and a NUL. */
void		 pop3_md5_hex(const unsigned char d[16], char out[33]);

#endif
