/*
 * tui_text.c - safe text output, through which every string on screen
 * passes, so that no byte from a server, a file or the database can reach
 * the terminal as a control sequence: tui_put draws (a character that is
 * not printable becomes '?'), tui_width and tui_fit measure as it draws,
 * tui_wrap breaks lines, tui_fill and tui_rule draw blanks and rules.
 * The functions keep the tui_ prefix the screens call them by.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/str.h"
#include "tui_int.h"

/* The locale's character set is UTF-8 (else text is shown as ASCII). */
static bool tui_utf8;

void
tui_text_init(bool utf8)
{
	tui_utf8 = utf8;
}

/*
 * Decode the next character of s; *len gets the bytes used (>= 1), *width
 * its columns.  In a UTF-8 locale core's str_char decodes and measures it
 * (as str_width does for the CLI); what it finds not printable shows as
 * one '?'.  Any other locale gets ASCII: every other byte is a '?'.
 */
static wchar_t
tui_decode(const char *s, size_t *len, int *width)
{
	unsigned char c = (unsigned char)*s;
	unsigned int cp;
	int cols;

	if (!tui_utf8) {
		*len = 1;
		*width = 1;
		return c >= 0x20 && c < 0x7f ? (wchar_t)c : L'?';
	}
	*len = str_char(s, &cp, &cols);
	if (cols < 0) {
		*width = 1;
		return L'?';
	}
	*width = cols;
	return (wchar_t)cp;
}

int
tui_width(const char *s)
{
	if (s == NULL)
		return 0;
	return (int)(tui_utf8 ? str_width(s) : strlen(s));
}

size_t
tui_fit(const char *s, int width)
{
	const char *p = s;
	size_t len;
	int w, used = 0;

	while (*p != '\0') {
		tui_decode(p, &len, &w);
		if (used + w > width)
			break;
		used += w;
		p += len;
	}
	return (size_t)(p - s);
}

/* Wrap one paragraph (no newline) onto v. */
static int
tui_wrap_para(const char *s, size_t len, int width, char ***v, int n)
{
	const char *end = s + len;
	char *para;
	size_t fit, cut;

	para = xstrndup(s, len);
	s = para;
	end = para + len;
	do {
		fit = tui_fit(s, width);
		cut = fit;
		if (s[fit] != '\0') {
			/* Break at the last space that leaves something. */
			while (cut > 0 && s[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = fit;
			if (cut == 0)	/* a character wider than width */
				cut = 1;
		}
		*v = xreallocarray(*v, (size_t)n + 1, sizeof **v);
		(*v)[n++] = xstrndup(s, cut);
		s += cut;
		while (*s == ' ')
			s++;
	} while (s < end && *s != '\0');
	free(para);
	return n;
}

int
tui_wrap(const char *s, int width, char ***lines)
{
	char **v = NULL;
	const char *nl;
	int n = 0;

	if (width < 1)
		width = 1;
	for (;;) {
		nl = strchr(s, '\n');
		n = tui_wrap_para(s, nl != NULL ? (size_t)(nl - s) : strlen(s),
		    width, &v, n);
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	*lines = v;
	return n;
}

int
tui_put(WINDOW *w, int y, int x, int width, attr_t attr, const char *s)
{
	wchar_t buf[256], wc;
	size_t len;
	int cw, used = 0, n = 0, total;

	if (width <= 0 || s == NULL)
		return 0;
	total = tui_width(s);
	wmove(w, y, x);
	wattrset(w, (int)attr);
	while (*s != '\0') {
		wc = tui_decode(s, &len, &cw);
		s += len;
		if (cw == 0)
			continue;	/* combining marks: dropped */
		/* Keep a column for the ellipsis when the rest will not fit. */
		if (used + cw > width || (total > width && used + cw >
		    width - 1))
			break;
		buf[n++] = wc;
		used += cw;
		if (n == (int)(sizeof buf / sizeof buf[0]) - 1) {
			waddnwstr(w, buf, n);
			n = 0;
		}
	}
	if (n > 0)
		waddnwstr(w, buf, n);
	if (total > width && used < width) {
		waddstr(w, theme_glyph(TUI_G_ELLIPSIS));
		used++;
	}
	wattrset(w, A_NORMAL);
	return used;
}

int
tui_putf(WINDOW *w, int y, int x, int width, attr_t attr, const char *fmt,
    ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	n = tui_put(w, y, x, width, attr, s);
	free(s);
	return n;
}

void
tui_fill(WINDOW *w, int y, int x, int n, attr_t attr)
{
	if (n <= 0)
		return;
	wattrset(w, (int)attr);
	mvwhline(w, y, x, ' ', n);
	wattrset(w, A_NORMAL);
}

void
tui_rule(WINDOW *w, int y)
{
	wattrset(w, (int)theme_attr(TUI_R_DIM));
	mvwhline(w, y, 0, ACS_HLINE, getmaxx(w));
	wattrset(w, A_NORMAL);
}
