/*
 * str.c - string helpers: escaping of untrusted text for display, base64
 * (RFC 4648), trimming and strict integer parsing.
 *
 * Escaping is the last line of defence between a hostile server and the
 * administrator's terminal: nothing that str_escape returns can move the
 * cursor, change colours or set a window title.
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "popconn/buf.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"

/*
 * Length of the UTF-8 sequence at s (at most len bytes; a NUL ends it
 * early), or 0 when it is not valid UTF-8; its code point in *cpp.  C1
 * controls decode (str_utf8_len refuses them).
 */
static size_t
str_utf8_dec(const unsigned char *s, size_t len, unsigned int *cpp)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] < 0xf0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else {
		n = 4;
		cp = s[0] & 0x07;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*cpp = cp;
	return n;
}

/* As str_utf8_dec, and C1 controls count as not UTF-8. */
static size_t
str_utf8_len(const unsigned char *s, size_t len, unsigned int *cpp)
{
	unsigned int cp;
	size_t n;

	n = str_utf8_dec(s, len, &cp);
	if (n == 0 || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	*cpp = cp;
	return n;
}

/*
 * Invisible format characters that reorder or hide text on a terminal
 * (PRODUCT.md section 2): bidirectional marks, embeddings, overrides and
 * isolates, zero-width characters, the word joiner and invisible
 * operators, the Arabic letter mark and the BOM.  Shown escaped.
 */
static int
str_invisible(unsigned int cp)
{
	return (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x2064) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061c || cp == 0xfeff;
}

/* 1 when s holds a byte that must not reach a terminal (backslash aside
 * when allow_bs is set). */
static int
str_unsafe(const char *s, size_t len, int allow_bs)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int cp;
	size_t i, n;

	for (i = 0; i < len; i++) {
		if ((u[i] == '\\' && !allow_bs) || u[i] < 0x20 || u[i] == 0x7f)
			return 1;
		if (u[i] >= 0x80) {
			n = str_utf8_len(u + i, len - i, &cp);
			if (n == 0 || str_invisible(cp))
				return 1;
			i += n - 1;
		}
	}
	return 0;
}

int
str_needs_escape(const char *s, size_t len)
{
	return str_unsafe(s, len, 0);
}

int
str_printable(const char *s, size_t len)
{
	return !str_unsafe(s, len, 1);
}

char *
str_escape(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int cp;
	struct buf b;
	size_t i, n;

	buf_init(&b, 0);
	for (i = 0; i < len; i++) {
		if (u[i] == '\\')
			buf_add(&b, "\\\\", 2);
		else if (u[i] < 0x20 || u[i] == 0x7f)
			buf_addf(&b, "\\x%02x", u[i]);
		else if (u[i] < 0x80)
			buf_add(&b, u + i, 1);
		else {
			n = str_utf8_len(u + i, len - i, &cp);
			if (n == 0)
				buf_addf(&b, "\\x%02x", u[i]);
			else if (str_invisible(cp)) {
				buf_addf(&b, "\\u%04x", cp);
				i += n - 1;
			} else {
				buf_add(&b, u + i, n);
				i += n - 1;
			}
		}
	}
	return buf_take(&b);
}

int
str_ieq(const char *a, const char *b)
{
	return strcasecmp(a == NULL ? "" : a, b == NULL ? "" : b) == 0;
}

char *
str_trim(char *s)
{
	size_t len;
	char *p;

	for (p = s; *p != '\0' && isspace((unsigned char)*p); p++)
		;
	len = strlen(p);
	while (len > 0 && isspace((unsigned char)p[len - 1]))
		len--;
	memmove(s, p, len);
	s[len] = '\0';
	return s;
}

enum pc_err
str_to_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return PC_E_INVALID;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return PC_E_INVALID;
	*out = v;
	return PC_OK;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
b64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i, o, olen;
	unsigned int v;
	char *out;

	olen = 4 * ((len + 2) / 3);
	out = xmalloc(olen + 1);
	for (i = 0, o = 0; i + 2 < len; i += 3) {
		v = ((unsigned)p[i] << 16) | ((unsigned)p[i + 1] << 8) | p[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned)p[i] << 16;
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		v = ((unsigned)p[i] << 16) | ((unsigned)p[i + 1] << 8);
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int
b64_value(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(b64_alphabet, c);
	return p == NULL ? -1 : (int)(p - b64_alphabet);
}

enum pc_err
b64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *o;
	size_t i, n, pad;
	unsigned int v;
	int d[4], k;

	if (len % 4 != 0)
		return PC_E_INVALID;
	pad = 0;
	if (len > 0 && s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	o = xmalloc(len / 4 * 3 + 1);
	n = 0;
	for (i = 0; i < len; i += 4) {
		for (k = 0; k < 4; k++) {
			if (i + 4 == len && k >= 4 - (int)pad)
				d[k] = 0;
			else if ((d[k] = b64_value(s[i + k])) < 0)
				goto fail;
		}
		v = ((unsigned)d[0] << 18) | ((unsigned)d[1] << 12) |
		    ((unsigned)d[2] << 6) | (unsigned)d[3];
		o[n++] = (v >> 16) & 0xff;
		if (!(i + 4 == len && pad == 2))
			o[n++] = (v >> 8) & 0xff;
		else if ((v & 0xffff) != 0)
			goto fail;
		if (!(i + 4 == len && pad >= 1))
			o[n++] = v & 0xff;
		else if ((v & 0xff) != 0)
			goto fail;
	}
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return PC_OK;
fail:
	free(o);
	return PC_E_INVALID;
}

/*
 * Columns one character takes on a terminal, from the C library's tables
 * for UTF-8 (a C.UTF-8 locale object, whatever the process's own locale is,
 * so the CLI need not call setlocale); -1 when it is not printable (C0 and
 * C1 controls, DEL, what the library gives no width); 1 when the library
 * cannot say.
 */
static int
str_cp_width(unsigned int cp)
{
	static locale_t	utf8;
	static int	tried;
	locale_t	old;
	int		w;

	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
		return -1;
	if (cp < 0x7f)
		return 1;
	if (!tried) {
		tried = 1;
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	if (utf8 == (locale_t)0)
		return 1;
	old = uselocale(utf8);
	w = wcwidth((wchar_t)cp);
	uselocale(old);
	return w < 0 ? -1 : w;
}

size_t
str_char(const char *s, unsigned int *cp, int *cols)
{
	size_t n;

	n = str_utf8_dec((const unsigned char *)s, 4, cp);
	if (n == 0) {
		/* ASCII, or a byte that is not UTF-8. */
		*cp = (unsigned char)s[0];
		*cols = *cp < 0x80 ? str_cp_width(*cp) : -1;
		return 1;
	}
	*cols = str_cp_width(*cp);
	return n;
}

size_t
str_width(const char *s)
{
	size_t i, len = strlen(s), w = 0;
	unsigned int cp;
	int cols;

	for (i = 0; i < len; ) {
		i += str_char(s + i, &cp, &cols);
		w += cols < 0 ? 1 : (size_t)cols;
	}
	return w;
}

char *
str_fit(const char *s, size_t width)
{
	size_t i, n, len = strlen(s), w = 0, cw, keep = 0;
	unsigned int cp;
	int cols;
	struct buf b;

	if (str_width(s) <= width) {
		buf_init(&b, 0);
		buf_add(&b, s, len);
		for (w = str_width(s); w < width; w++)
			buf_add(&b, " ", 1);
		return buf_take(&b);
	}
	/* Too wide: keep what fits in width - 1 columns, then the marker. */
	for (i = 0; i < len; i += n) {
		n = str_char(s + i, &cp, &cols);
		cw = cols < 0 ? 1 : (size_t)cols;
		if (w + cw + 1 > width)
			break;
		w += cw;
		keep = i + n;
	}
	buf_init(&b, 0);
	buf_add(&b, s, keep);
	if (width > 0) {
		buf_add(&b, "\xe2\x80\xa6", 3);	/* U+2026 HORIZONTAL ELLIPSIS */
		w++;
	}
	for (; w < width; w++)
		buf_add(&b, " ", 1);
	return buf_take(&b);
}
