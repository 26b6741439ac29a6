/*
 * pop3_auth.c - the logon methods of the POP3 machine: which method auto
 * picks and why, whether an explicitly chosen one may be tried, the
 * credentials each method sends, and the answers to SASL continuations.
 *
 * RFCs: 1939 (USER/PASS, APOP), 5034 (POP3 AUTH, initial response, "*"
 * cancels), 4616 (PLAIN), 2195 (CRAM-MD5), draft-murchison-sasl-login
 * (LOGIN), and Google's / Microsoft's XOAUTH2 description.
 *
 * Every string built here that holds a credential is wiped before it is
 * freed; the caller of the builders owns the result and wipes it too.
 * Deliberate choices: XOAUTH2 always uses the two-step form (some servers
 * refuse a long initial response); LOGIN never looks at the text of the
 * server's prompts; a CRAM-MD5 challenge must be strict base64 and
 * non-empty, or the exchange is cancelled with "*".
 */
#include <stdlib.h>
#include <string.h>

#include "popconn/str.h"
#include "pop3_int.h"

static const char *const pop3_auth_sasl_names[POP3_M__COUNT] = {
	[POP3_M_PLAIN] = "PLAIN",
	[POP3_M_LOGIN] = "LOGIN",
	[POP3_M_CRAM_MD5] = "CRAM-MD5",
	[POP3_M_XOAUTH2] = "XOAUTH2",
};

const char *
pop3_auth_sasl_name(enum pop3_method m)
{
	if ((unsigned)m >= POP3_M__COUNT)
		return NULL;
	return pop3_auth_sasl_names[m];
}

/* The POP3_SASL_* bit of a SASL method, 0 for the others. */
static unsigned int
pop3_auth_bit(enum pop3_method m)
{
	switch (m) {
	case POP3_M_PLAIN:
		return POP3_SASL_PLAIN;
	case POP3_M_LOGIN:
		return POP3_SASL_LOGIN;
	case POP3_M_CRAM_MD5:
		return POP3_SASL_CRAM_MD5;
	case POP3_M_XOAUTH2:
		return POP3_SASL_XOAUTH2;
	default:
		return 0;
	}
}

/* What the server offers, for notes: "SASL PLAIN LOGIN, USER". */
static char *
pop3_auth_offered(const struct pop3 *p)
{
	const struct pop3_capa *c = &p->out.capa;
	struct buf b;

	buf_init(&b, 0);
	if (!c->seen)
		buf_addstr(&b, "no CAPA");
	else if (c->sasl_list != NULL && *c->sasl_list != '\0')
		buf_addf(&b, "SASL %s", c->sasl_list);
	else
		buf_addstr(&b, "no SASL");
	if (c->seen && c->user)
		buf_addstr(&b, ", USER");
	if (p->timestamp != NULL)
		buf_addstr(&b, ", APOP timestamp");
	return buf_take(&b);
}

enum pop3_method
pop3_auth_choose(const struct pop3 *p, char **why)
{
	const struct pop3_capa *c = &p->out.capa;
	bool pw = p->password != NULL;
	bool tok = p->token != NULL && *p->token != '\0';
	enum pop3_method m = POP3_M_AUTO;
	char *offered;

	/*
	 * Strongest first.  Without a CAPA answer nothing is known about
	 * SASL, so only what needs no advertisement is tried: APOP (the
	 * greeting says so) and USER (RFC 1939 servers have it).
	 */
	if (tok && c->seen && (c->sasl & POP3_SASL_XOAUTH2))
		m = POP3_M_XOAUTH2;
	else if (pw && c->seen && (c->sasl & POP3_SASL_CRAM_MD5))
		m = POP3_M_CRAM_MD5;
	else if (pw && p->timestamp != NULL)
		m = POP3_M_APOP;
	else if (pw && c->seen && (c->sasl & POP3_SASL_PLAIN))
		m = POP3_M_PLAIN;
	else if (pw && c->seen && (c->sasl & POP3_SASL_LOGIN))
		m = POP3_M_LOGIN;
	else if (pw && (!c->seen || c->user))
		m = POP3_M_USER;

	offered = pop3_auth_offered(p);
	if (m != POP3_M_AUTO)
		*why = xasprintf("auto: chose %s (strongest offered: %s%s)",
		    pop3_method_name(m), offered,
		    tok && m != POP3_M_XOAUTH2 ?
		    "; XOAUTH2 not offered" : "");
	else
		*why = xasprintf("auto: no logon method fits (server offers: "
		    "%s; the profile has %s)", offered,
		    pw && tok ? "a password and a token" :
		    pw ? "a password" : tok ? "a token only" :
		    "no password and no token");
	free(offered);
	return m;
}

enum diag
pop3_auth_check(const struct pop3 *p, enum pop3_method m, char **why)
{
	const struct pop3_capa *c = &p->out.capa;
	char *offered;

	if (m == POP3_M_XOAUTH2 && (p->token == NULL || *p->token == '\0')) {
		*why = xstrdup("XOAUTH2 needs an OAuth2 access token and none "
		    "was supplied: nothing was sent");
		return DIAG_AUTH_FAILED;
	}
	if (m == POP3_M_APOP && p->timestamp == NULL) {
		*why = xstrdup(p->tls_done ?
		    "APOP needs the greeting's timestamp, and everything "
		    "received before STLS was discarded" :
		    "the greeting carries no valid APOP timestamp");
		return DIAG_AUTH_MECHANISM_UNAVAILABLE;
	}
	/* Without a CAPA answer the mechanism is simply tried. */
	if (pop3_auth_bit(m) != 0 && c->seen && !(c->sasl & pop3_auth_bit(m))) {
		offered = pop3_auth_offered(p);
		*why = xasprintf("the server does not offer SASL %s "
		    "(offers: %s)", pop3_auth_sasl_name(m), offered);
		free(offered);
		return DIAG_AUTH_MECHANISM_UNAVAILABLE;
	}
	return DIAG_OK;
}

char *
pop3_auth_apop(const char *timestamp, const char *password)
{
	struct pop3_md5 c;
	unsigned char d[16];
	char hex[33], *s;

	pop3_md5_init(&c);
	pop3_md5_update(&c, timestamp, strlen(timestamp));
	pop3_md5_update(&c, password, strlen(password));
	pop3_md5_final(&c, d);
	pop3_md5_hex(d, hex);
	s = xstrdup(hex);
	explicit_bzero(d, sizeof d);
	explicit_bzero(hex, sizeof hex);
	return s;
}

/* Base64 of len secret bytes at data, then wipe and free data. */
static char *
pop3_auth_b64_take(char *data, size_t len)
{
	char *s;

	s = b64_encode(data, len);
	xfreezero(data, len);
	return s;
}

char *
pop3_auth_plain(const char *user, const char *password)
{
	size_t ul = strlen(user), pl = strlen(password), n;
	char *m;

	/* authzid (empty) NUL authcid NUL passwd */
	n = 1 + ul + 1 + pl;
	m = xmalloc(n);
	m[0] = '\0';
	memcpy(m + 1, user, ul);
	m[1 + ul] = '\0';
	memcpy(m + 2 + ul, password, pl);
	return pop3_auth_b64_take(m, n);
}

char *
pop3_auth_cram(const char *user, const char *password,
    const unsigned char *chal, size_t len)
{
	unsigned char d[16];
	char hex[33], *m;
	size_t n;

	pop3_md5_hmac(password, strlen(password), chal, len, d);
	pop3_md5_hex(d, hex);
	m = xasprintf("%s %s", user, hex);
	n = strlen(m);
	explicit_bzero(d, sizeof d);
	explicit_bzero(hex, sizeof hex);
	return pop3_auth_b64_take(m, n);
}

char *
pop3_auth_xoauth2(const char *user, const char *token)
{
	struct buf b;
	size_t n;
	char *m;

	buf_init_secret(&b, 0);
	buf_addstr(&b, "user=");
	buf_addstr(&b, user);
	buf_addstr(&b, "\001auth=Bearer ");
	buf_addstr(&b, token);
	buf_addstr(&b, "\001\001");
	n = b.len;
	m = buf_take(&b);
	return pop3_auth_b64_take(m, n);
}

/* XOAUTH2's second continuation carries a base64 JSON error. */
static char *
pop3_auth_xoauth2_error(const struct pop3 *p, const char *text, size_t len)
{
	unsigned char *json;
	size_t jlen;
	char *shown, *s;

	if (b64_decode(text, len, &json, &jlen) != PC_OK) {
		shown = pop3_show(p, text, len);
		s = xasprintf("(not base64) %s", shown);
		free(shown);
		return s;
	}
	s = pop3_show(p, (const char *)json, jlen);
	free(json);
	return s;
}

bool
pop3_auth_last(const struct pop3 *p)
{
	const struct pop3_sasl *s = &p->sasl;

	switch (s->mech) {
	case POP3_M_PLAIN:
	case POP3_M_CRAM_MD5:
		return s->replies == 1;
	case POP3_M_LOGIN:
		return s->replies == 2;
	case POP3_M_XOAUTH2:
		/* The token; a refusal asks for one more (empty) line. */
		return s->replies == 1;
	default:
		return false;
	}
}

enum pc_err
pop3_auth_continue(struct pop3 *p, const char *text, size_t len,
    char **resp, const char **display, char **cause)
{
	struct pop3_sasl *s = &p->sasl;
	const char *pw = p->password != NULL ? p->password : "";
	unsigned char *chal;
	size_t clen;

	*resp = NULL;
	*display = "<redacted>";
	switch (s->mech) {
	case POP3_M_PLAIN:
		/* Also after an initial response: be robust, answer once. */
		if (s->replies == 0)
			*resp = pop3_auth_plain(p->username, pw);
		break;
	case POP3_M_LOGIN:
		/* The prompts are "Username:" / "Password:"; by order only. */
		if (s->replies == 0)
			*resp = b64_encode(p->username, strlen(p->username));
		else if (s->replies == 1)
			*resp = b64_encode(pw, strlen(pw));
		break;
	case POP3_M_CRAM_MD5:
		if (s->replies > 0)
			break;
		if (len == 0 || b64_decode(text, len, &chal, &clen) != PC_OK) {
			*cause = xstrdup(len == 0 ?
			    "the CRAM-MD5 challenge is empty" :
			    "the CRAM-MD5 challenge is not valid base64");
			return PC_E_PROTO;
		}
		*resp = pop3_auth_cram(p->username, pw, chal, clen);
		xfreezero(chal, clen);
		break;
	case POP3_M_XOAUTH2:
		if (s->replies == 0)
			*resp = pop3_auth_xoauth2(p->username, p->token);
		else if (s->replies == 1) {
			/*
			 * The token was refused; the server waits for an
			 * empty line before it sends the -ERR.
			 */
			free(s->xoauth2_err);
			s->xoauth2_err = pop3_auth_xoauth2_error(p, text, len);
			*resp = xstrdup("");
			*display = "(empty line)";
		}
		break;
	default:
		*cause = xstrdup("continuation outside a SASL exchange");
		return PC_E_PROTO;
	}
	if (*resp == NULL) {
		*cause = xasprintf("the server sent one challenge too many to "
		    "AUTH %s", pop3_auth_sasl_name(s->mech));
		return PC_E_PROTO;
	}
	s->replies++;
	return PC_OK;
}
