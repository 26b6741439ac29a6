/*
 * pop3_resp.c - reading what a POP3 server says: line framing with hard
 * caps, +OK / -ERR / continuation classification, extended response codes,
 * multi-line bodies with dot-unstuffing, the APOP timestamp of a greeting,
 * CAPA lines and the STAT reply.  Pure functions over bytes: no I/O.
 *
 * RFCs: 1939 (lines, status indicators, multi-line, APOP timestamp),
 * 2449 (CAPA, extended response codes), 3206 (SYS and AUTH codes),
 * 5034 (SASL continuations "+ ").
 *
 * Deliberate deviations, all on the lenient side where that is safe:
 * a bare LF ends a line like CR LF; "+OK" and "-ERR" are matched without
 * regard to case; a tab may follow the status indicator.  Never lenient
 * about size: a line longer than the cap or a NUL byte is an error, and a
 * multi-line body has a total cap.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/str.h"
#include "pop3_int.h"

void
pop3_resp_lines_init(struct pop3_lines *l, size_t max)
{
	/* One extra byte for the CR, which is stripped when the LF comes. */
	buf_init(&l->line, max + 1);
	l->max = max;
}

void
pop3_resp_lines_cleanup(struct pop3_lines *l)
{
	buf_cleanup(&l->line);
}

enum pc_err
pop3_resp_lines_take(struct pop3_lines *l, const char *data, size_t len,
    size_t *used, bool *complete, char **cause)
{
	const char *nl;
	size_t seg;

	*used = 0;
	*complete = false;
	nl = memchr(data, '\n', len);
	seg = nl != NULL ? (size_t)(nl - data) : len;
	if (memchr(data, '\0', seg) != NULL) {
		if (cause != NULL)
			*cause = xstrdup("NUL byte in a server line");
		return PC_E_PROTO;
	}
	if (buf_add(&l->line, data, seg) != PC_OK)
		goto toolong;
	*used = seg;
	if (nl == NULL)
		return PC_OK;
	(*used)++;
	if (l->line.len > 0 && l->line.data[l->line.len - 1] == '\r') {
		l->line.len--;
		l->line.data[l->line.len] = '\0';
	}
	if (l->line.len > l->max)
		goto toolong;
	*complete = true;
	return PC_OK;

toolong:
	if (cause != NULL)
		*cause = xasprintf("line longer than %zu bytes", l->max);
	return PC_E_PROTO;
}

void
pop3_resp_lines_clear(struct pop3_lines *l)
{
	buf_reset(&l->line);
}

size_t
pop3_resp_lines_pending(const struct pop3_lines *l)
{
	return l->line.len;
}

/* 1 when line starts with word (any case) followed by the end or a blank. */
static int
pop3_resp_word(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len < n || strncasecmp(line, word, n) != 0)
		return 0;
	return len == n || line[n] == ' ' || line[n] == '\t';
}

enum pop3_status
pop3_resp_status(const char *line, size_t len)
{
	if (pop3_resp_word(line, len, "+OK"))
		return POP3_RESP_OK;
	if (pop3_resp_word(line, len, "-ERR"))
		return POP3_RESP_ERR;
	if (len >= 1 && line[0] == '+' && (len == 1 || line[1] == ' '))
		return POP3_RESP_CONT;
	return POP3_RESP_OTHER;
}

const char *
pop3_resp_text(const char *line, size_t len, size_t *tlen)
{
	size_t i;

	switch (pop3_resp_status(line, len)) {
	case POP3_RESP_OK:
		i = 3;
		break;
	case POP3_RESP_ERR:
		i = 4;
		break;
	case POP3_RESP_CONT:
		i = 1;
		break;
	default:
		i = 0;
		break;
	}
	if (i > 0 && i < len)
		i++;			/* the one blank after the indicator */
	*tlen = len - i;
	return line + i;
}

/* Known codes; a longer code matches at a '/' boundary ("SYS/TEMP/X"). */
static const struct {
	const char	*name;
	enum pop3_code	 code;
} pop3_resp_codes[] = {
	{ "AUTH", POP3_CODE_AUTH },
	{ "SYS/TEMP", POP3_CODE_SYS_TEMP },
	{ "SYS/PERM", POP3_CODE_SYS_PERM },
	{ "IN-USE", POP3_CODE_IN_USE },
	{ "LOGIN-DELAY", POP3_CODE_LOGIN_DELAY },
};

enum pop3_code
pop3_resp_code(const char *line, size_t len)
{
	const char *t, *end;
	size_t tlen, clen, n, i;

	t = pop3_resp_text(line, len, &tlen);
	if (tlen < 2 || t[0] != '[')
		return POP3_CODE_NONE;
	end = memchr(t, ']', tlen);
	if (end == NULL)
		return POP3_CODE_NONE;
	clen = (size_t)(end - t) - 1;
	for (i = 0; i < sizeof pop3_resp_codes / sizeof pop3_resp_codes[0];
	    i++) {
		n = strlen(pop3_resp_codes[i].name);
		if (clen < n || strncasecmp(t + 1, pop3_resp_codes[i].name,
		    n) != 0)
			continue;
		if (clen == n || t[1 + n] == '/')
			return pop3_resp_codes[i].code;
	}
	return POP3_CODE_OTHER;
}

enum diag
pop3_resp_diag(enum pop3_code code, enum diag dflt)
{
	switch (code) {
	case POP3_CODE_AUTH:
		return DIAG_AUTH_FAILED;
	case POP3_CODE_SYS_TEMP:
		return DIAG_SERVER_TEMPORARY;
	case POP3_CODE_SYS_PERM:
		return DIAG_SERVER_PERMANENT;
	case POP3_CODE_IN_USE:
		return DIAG_MAILBOX_IN_USE;
	case POP3_CODE_LOGIN_DELAY:
		return DIAG_LOGIN_DELAY;
	default:
		return dflt;
	}
}

void
pop3_resp_multi_init(struct pop3_multi *m, size_t max)
{
	m->total = 0;
	m->max = max;
}

int
pop3_resp_multi_line(struct pop3_multi *m, const char **line, size_t *len)
{
	if (*len == 1 && (*line)[0] == '.')
		return 0;
	if (*len > 0 && (*line)[0] == '.') {
		(*line)++;
		(*len)--;
	}
	if (*len + 1 > m->max - m->total)
		return -1;
	m->total += *len + 1;
	return 1;
}

enum pc_err
pop3_resp_timestamp(const char *line, size_t len, char **out)
{
	const char *lt, *gt, *q;
	bool at = false;

	lt = memchr(line, '<', len);
	if (lt == NULL)
		return PC_E_NOTFOUND;
	gt = memchr(lt, '>', len - (size_t)(lt - line));
	if (gt == NULL || gt - lt + 1 > POP3_TIMESTAMP_MAX || gt - lt < 2)
		return PC_E_INVALID;
	/*
	 * RFC 1939 wants a msg-id: printable ASCII with an '@'.  The digest
	 * covers these bytes, so anything odd here could only be an attempt
	 * to make the client hash chosen data (curl checks the '@' too).
	 */
	for (q = lt + 1; q < gt; q++) {
		if (*q <= 0x20 || *q >= 0x7f || *q == '<')
			return PC_E_INVALID;
		if (*q == '@')
			at = true;
	}
	if (!at)
		return PC_E_INVALID;
	*out = xstrndup(lt, (size_t)(gt - lt) + 1);
	return PC_OK;
}

/* 1 when the n bytes at w are the keyword kw, in any case. */
static int
pop3_resp_is(const char *w, size_t n, const char *kw)
{
	return n == strlen(kw) && strncasecmp(w, kw, n) == 0;
}

/* Append an escaped SASL mechanism name to the offered list (bounded). */
static void
pop3_resp_capa_mech(struct pop3_capa *c, const char *name, size_t n)
{
	static const struct {
		const char	*name;
		unsigned int	 bit;
	} mechs[] = {
		{ "PLAIN", POP3_SASL_PLAIN },
		{ "LOGIN", POP3_SASL_LOGIN },
		{ "CRAM-MD5", POP3_SASL_CRAM_MD5 },
		{ "XOAUTH2", POP3_SASL_XOAUTH2 },
		{ "OAUTHBEARER", POP3_SASL_OAUTHBEARER },
		{ "SCRAM-SHA-1", POP3_SASL_SCRAM_SHA1 },
		{ "SCRAM-SHA-256", POP3_SASL_SCRAM_SHA256 },
	};
	char *esc, *list;
	size_t i, old;

	for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
		if (pop3_resp_is(name, n, mechs[i].name))
			c->sasl |= mechs[i].bit;
	old = c->sasl_list != NULL ? strlen(c->sasl_list) : 0;
	if (old > 512)			/* enough to tell a story */
		return;
	esc = str_escape(name, n);
	if (old == 0)
		list = esc;
	else {
		list = xasprintf("%s %s", c->sasl_list, esc);
		free(esc);
	}
	free(c->sasl_list);
	c->sasl_list = list;
}

/* Does text start with the word w (followed by a blank, '(' or '.')? */
static bool
pop3_resp_word_is(const char *text, size_t len, const char *w)
{
	size_t n = strlen(w);

	if (len < n || memcmp(text, w, n) != 0)
		return false;
	return len == n || text[n] == ' ' || text[n] == '(' ||
	    text[n] == '.';
}

/*
 * A greeting in Dovecot's own words ("+OK Dovecot ready.", "+OK Dovecot
 * (Debian) ready.").  Dovecot's login process hands whatever it has read
 * past the logon to the mail process, so commands pipelined behind the
 * logon are answered there (proven by the Dovecot tests); Courier and
 * Cyrus drop them.  An administrator who changed login_greeting simply
 * gets the slower, always-safe flow.
 */
bool
pop3_resp_greeting_dovecot(const char *line, size_t len)
{
	const char *t;
	size_t tlen;

	if (pop3_resp_status(line, len) != POP3_RESP_OK)
		return false;
	t = pop3_resp_text(line, len, &tlen);
	return pop3_resp_word_is(t, tlen, "Dovecot");
}

void
pop3_resp_capa_line(struct pop3_capa *c, const char *line, size_t len)
{
	const char *p, *end, *w;
	size_t n;

	if (c->nlines < POP3_CAPA_MAX_LINES) {
		c->lines = xreallocarray(c->lines, c->nlines + 1,
		    sizeof *c->lines);
		c->lines[c->nlines++] = str_escape(line, len);
	}
	p = line;
	end = line + len;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (w = p; p < end && *p != ' ' && *p != '\t'; p++)
		;
	n = (size_t)(p - w);
	if (pop3_resp_is(w, n, "STLS"))
		c->stls = true;
	else if (pop3_resp_is(w, n, "USER"))
		c->user = true;
	else if (pop3_resp_is(w, n, "PIPELINING"))
		c->pipelining = true;
	else if (pop3_resp_is(w, n, "RESP-CODES"))
		c->resp_codes = true;
	else if (pop3_resp_is(w, n, "AUTH-RESP-CODE"))
		c->auth_resp_code = true;
	else if (pop3_resp_is(w, n, "IMPLEMENTATION")) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		c->impl_other = !pop3_resp_word_is(p, (size_t)(end - p),
		    "Dovecot");
	}
	else if (pop3_resp_is(w, n, "SASL")) {
		for (;;) {
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if (p == end)
				break;
			for (w = p; p < end && *p != ' ' && *p != '\t'; p++)
				;
			pop3_resp_capa_mech(c, w, (size_t)(p - w));
		}
	}
}

void
pop3_resp_capa_cleanup(struct pop3_capa *c)
{
	size_t i;

	for (i = 0; i < c->nlines; i++)
		free(c->lines[i]);
	free(c->lines);
	free(c->sasl_list);
	memset(c, 0, sizeof *c);
}

/* Strict unsigned decimal at *p, advancing it; -1 on no digits/overflow. */
static int
pop3_resp_u64(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t n = 0;
	unsigned int d;

	if (s == end || !isdigit((unsigned char)*s))
		return -1;
	for (; s < end && isdigit((unsigned char)*s); s++) {
		d = (unsigned int)(*s - '0');
		if (n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*p = s;
	*v = n;
	return 0;
}

enum pc_err
pop3_resp_stat(const char *line, size_t len, uint64_t *msgs,
    uint64_t *octets)
{
	const char *t, *p, *end;
	size_t tlen;
	uint64_t n, m;

	if (pop3_resp_status(line, len) != POP3_RESP_OK)
		return PC_E_PROTO;
	t = pop3_resp_text(line, len, &tlen);
	p = t;
	end = t + tlen;
	/* RFC 1939: exactly one space between the counts. */
	if (pop3_resp_u64(&p, end, &n) != 0 || p == end || *p != ' ')
		return PC_E_PROTO;
	p++;
	if (pop3_resp_u64(&p, end, &m) != 0 || (p != end && *p != ' '))
		return PC_E_PROTO;
	*msgs = n;
	*octets = m;
	return PC_OK;
}
