/*
 * pop3_auth.c - the logon methods of the POP3 machine: which method auto
 * picks and why, whether an explicitly chosen one may be tried, the
 * credentials each method sends, and the answers to SASL continuations.
 *
 * RFCs: 1939 (USER/PASS, APOP), 5034 (POP3 AUTH, initial response, "*"
 * cancels), 4616 (PLAIN), 2195 (CRAM-MD5), draft-murchison-sasl-login
 * (LOGIN), 5802 / 7677 (SCRAM, the arithmetic in pop3_scram.c), 7628
 * (OAUTHBEARER), and Google's / Microsoft's XOAUTH2 description.
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

const char *
pop3_auth_sasl_name(enum pop3_method m)
{
	/* The SASL names are the methods' own names in pop3.c's table. */
	if (m == POP3_M_AUTO || m == POP3_M_USER || m == POP3_M_APOP ||
	    (unsigned)m >= POP3_M__COUNT)
		return NULL;
	return pop3_method_name(m);
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
	case POP3_M_OAUTHBEARER:
		return POP3_SASL_OAUTHBEARER;
	case POP3_M_SCRAM_SHA1:
		return POP3_SASL_SCRAM_SHA1;
	case POP3_M_SCRAM_SHA256:
		return POP3_SASL_SCRAM_SHA256;
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

/* Could method m be tried with a password on this link? */
static bool
pop3_auth_usable(const struct pop3 *p, enum pop3_method m)
{
	const struct pop3_capa *c = &p->out.capa;

	/* The credentials cannot be written in the code page. */
	if (pop3_method_uses_cp(m) && p->cp_error != NULL)
		return false;
	switch (m) {
	case POP3_M_USER:
		/* RFC 1939 servers have USER without saying so in CAPA. */
		return !c->seen || c->user;
	case POP3_M_APOP:
		return p->timestamp != NULL;
	case POP3_M_SCRAM_SHA1:
	case POP3_M_SCRAM_SHA256:
		if (p->scram_nonce == NULL)
			return false;
		return c->seen && (c->sasl & pop3_auth_bit(m));
	default:
		return c->seen && (c->sasl & pop3_auth_bit(m));
	}
}

/*
 * Over TLS the password is protected by TLS, and PLAIN works however the
 * server stores passwords (CRAM-MD5 and APOP need the clear password on
 * the server, and fail where every mail client succeeds): PLAIN, LOGIN,
 * USER first.  On a clear link (allow_plaintext)
 * what keeps the password off the wire comes first.
 */
static const enum pop3_method pop3_auth_tls_order[] = {
	POP3_M_PLAIN, POP3_M_LOGIN, POP3_M_USER, POP3_M_SCRAM_SHA256,
	POP3_M_SCRAM_SHA1, POP3_M_CRAM_MD5, POP3_M_APOP, POP3_M_AUTO
};
static const enum pop3_method pop3_auth_clear_order[] = {
	POP3_M_SCRAM_SHA256, POP3_M_SCRAM_SHA1, POP3_M_CRAM_MD5, POP3_M_APOP,
	POP3_M_PLAIN, POP3_M_LOGIN, POP3_M_USER, POP3_M_AUTO
};

enum pop3_method
pop3_auth_choose(const struct pop3 *p, char **why)
{
	const struct pop3_capa *c = &p->out.capa;
	bool pw = p->password != NULL;
	bool tok = p->token != NULL && *p->token != '\0';
	bool tls = p->tls_active || p->tls_done;
	const enum pop3_method *order;
	enum pop3_method m = POP3_M_AUTO;
	const char *rule;
	char *offered;
	int i;

	/* A token: the OAuth2 mechanisms, the standard one first. */
	if (tok && c->seen && (c->sasl & POP3_SASL_OAUTHBEARER))
		m = POP3_M_OAUTHBEARER;
	else if (tok && c->seen && (c->sasl & POP3_SASL_XOAUTH2))
		m = POP3_M_XOAUTH2;
	order = tls ? pop3_auth_tls_order : pop3_auth_clear_order;
	rule = tls ? "over TLS: PLAIN, LOGIN, USER first" :
	    "clear link: challenge-response first";
	for (i = 0; m == POP3_M_AUTO && pw && order[i] != POP3_M_AUTO; i++)
		if (pop3_auth_usable(p, order[i]))
			m = order[i];

	offered = pop3_auth_offered(p);
	if (m == POP3_M_XOAUTH2 || m == POP3_M_OAUTHBEARER)
		*why = xasprintf("auto: chose %s (the profile has an OAuth2 "
		    "token; offered: %s)", pop3_method_name(m), offered);
	else if (m != POP3_M_AUTO)
		*why = xasprintf("auto: chose %s (%s; offered: %s%s)",
		    pop3_method_name(m), rule, offered,
		    tok ? "; no OAuth2 mechanism offered" : "");
	else
		*why = xasprintf("auto: no logon method fits (server offers: "
		    "%s; the profile has %s%s%s)", offered,
		    pw && tok ? "a password and a token" :
		    pw ? "a password" : tok ? "a token only" :
		    "no password and no token", p->cp_error != NULL ?
		    "; USER, APOP, LOGIN and CRAM-MD5 left out: " : "",
		    p->cp_error != NULL ? p->cp_error : "");
	free(offered);
	return m;
}

/*
 * After a refused challenge-response logon: say when PLAIN was offered,
 * since a server that stores hashed passwords refuses CRAM-MD5, APOP and
 * SCRAM (without stored SCRAM keys) for a right password.  "" otherwise.
 */
const char *
pop3_auth_plain_hint(const struct pop3 *p, enum pop3_method m)
{
	if (m != POP3_M_CRAM_MD5 && m != POP3_M_APOP &&
	    m != POP3_M_SCRAM_SHA1 && m != POP3_M_SCRAM_SHA256)
		return "";
	if (!p->out.capa.seen || !(p->out.capa.sasl & POP3_SASL_PLAIN))
		return "";
	return " (the server offers PLAIN too: a server that stores hashed "
	    "passwords refuses this method even for the right password; "
	    "try plain over TLS)";
}

enum diag
pop3_auth_check(const struct pop3 *p, enum pop3_method m, char **why)
{
	const struct pop3_capa *c = &p->out.capa;
	char *offered;

	if ((m == POP3_M_XOAUTH2 || m == POP3_M_OAUTHBEARER) &&
	    (p->token == NULL || *p->token == '\0')) {
		*why = xasprintf("%s needs an OAuth2 access token and none "
		    "was supplied: nothing was sent", pop3_method_name(m));
		return DIAG_AUTH_FAILED;
	}
	if ((m == POP3_M_SCRAM_SHA1 || m == POP3_M_SCRAM_SHA256) &&
	    p->scram_nonce == NULL) {
		*why = xasprintf("%s needs a client nonce and the driver gave "
		    "none", pop3_method_name(m));
		return DIAG_AUTH_MECHANISM_UNAVAILABLE;
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

void
pop3_auth_saslname(struct buf *b, const char *name)
{
	for (; *name != '\0'; name++) {
		if (*name == '=')
			buf_addstr(b, "=3D");
		else if (*name == ',')
			buf_addstr(b, "=2C");
		else
			buf_add(b, name, 1);
	}
}

char *
pop3_auth_oauthbearer(const char *user, const char *token)
{
	struct buf b;
	size_t n;
	char *m;

	buf_init_secret(&b, 0);
	buf_addstr(&b, "n,a=");
	pop3_auth_saslname(&b, user);
	buf_addstr(&b, ",\001auth=Bearer ");
	buf_addstr(&b, token);
	buf_addstr(&b, "\001\001");
	n = b.len;
	m = buf_take(&b);
	return pop3_auth_b64_take(m, n);
}

/* The OAuth2 mechanisms' error continuation carries a base64 JSON error. */
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
	/* RFC 7628 3.2.2: the error is JSON, UTF-8 whatever the code page. */
	s = pop3_show_utf8(p, (const char *)json, jlen);
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
	case POP3_M_OAUTHBEARER:
		/* The token; a refusal asks for one more line. */
		return s->replies == 1;
	case POP3_M_SCRAM_SHA1:
	case POP3_M_SCRAM_SHA256:
		/* The empty answer to the server-final message. */
		return s->replies == (s->ir_sent ? 2 : 3);
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
	const char *pw_cp = p->password_cp != NULL ? p->password_cp : "";
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
		/*
		 * The prompts are "Username:" / "Password:"; by order only.
		 * LOGIN predates SASL's UTF-8 rule: the server's code page.
		 */
		if (s->replies == 0)
			*resp = b64_encode(p->username_cp,
			    strlen(p->username_cp));
		else if (s->replies == 1)
			*resp = b64_encode(pw_cp, strlen(pw_cp));
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
		/* RFC 2195 predates SASLprep: the server's code page. */
		*resp = pop3_auth_cram(p->username_cp, pw_cp, chal, clen);
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
	case POP3_M_OAUTHBEARER:
		if (s->replies == 0)
			*resp = pop3_auth_oauthbearer(p->username, p->token);
		else if (s->replies == 1) {
			/* RFC 7628 3.2.3: a refusal is answered with ^A. */
			free(s->xoauth2_err);
			s->xoauth2_err = pop3_auth_xoauth2_error(p, text, len);
			*resp = xstrdup("AQ==");
			*display = "(^A: end of the failed exchange)";
		}
		break;
	case POP3_M_SCRAM_SHA1:
	case POP3_M_SCRAM_SHA256:
		switch (s->replies + (s->ir_sent ? 1 : 0)) {
		case 0:
			*resp = pop3_scram_first(&s->scram, p->username,
			    p->scram_nonce);
			*display = "<redacted> (client-first message)";
			break;
		case 1:
			if (pop3_scram_final(&s->scram, pw, text, len, resp,
			    cause) != PC_OK)
				return PC_E_PROTO;
			*display = "<redacted> (client proof)";
			break;
		case 2:
			if (pop3_scram_verify(&s->scram, text, len, cause) !=
			    PC_OK)
				return PC_E_PROTO;
			*resp = xstrdup("");
			*display = "(empty line: the server's signature is "
			    "right)";
			break;
		default:
			break;
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
