/*
 * wdg_trace.c - the live trace pane: a trace sink that keeps the formatted
 * events ("  0.012  S: +OK ready") and draws them with one colour per
 * direction (client, server, network, info, error), wrapping long lines.
 * The pane follows the end while the session runs, until the user scrolls
 * back; End follows again.
 *
 * The trace has already escaped and redacted every event; drawing goes
 * through tui_put all the same, so nothing unprintable reaches the screen.
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

#define WDG_TRACE_MAX	8192	/* lines kept; the oldest go first */

struct wdg_trace_line {
	enum trace_kind	 kind;
	char		*text;
};

struct wdg_trace {
	struct wdg_trace_line *v;
	int		 n;
	int		 cap;
	bool		 follow;	/* stick to the end */
	int		 top;		/* first row shown when not following */
	int		 rows;		/* display rows at the last draw */
	int		 page;		/* rows shown at the last draw */
};

struct wdg_trace *
wdg_trace_new(void)
{
	struct wdg_trace *w;

	w = xcalloc(1, sizeof *w);
	w->follow = true;
	return w;
}

void
wdg_trace_clear(struct wdg_trace *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		free(w->v[i].text);
	w->n = 0;
	w->follow = true;
	w->top = 0;
}

void
wdg_trace_free(struct wdg_trace *w)
{
	if (w == NULL)
		return;
	wdg_trace_clear(w);
	free(w->v);
	free(w);
}

void
wdg_trace_sink(void *arg, const struct trace_event *ev)
{
	struct wdg_trace *w = arg;

	if (w->n == WDG_TRACE_MAX) {
		free(w->v[0].text);
		memmove(w->v, w->v + 1, (size_t)(w->n - 1) * sizeof *w->v);
		w->n--;
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->v = xreallocarray(w->v, (size_t)w->cap, sizeof *w->v);
	}
	w->v[w->n].kind = ev->kind;
	w->v[w->n].text = trace_format(ev);
	w->n++;
}

/*
 * Continuation rows of a long line start under its text, past the time
 * and the direction tag ("    0.123 S: "), when the pane is wide enough.
 */
static int
wdg_trace_indent(int cols)
{
	return cols >= 40 ? 13 : 0;
}

/*
 * Bytes of s that go on one row of width columns: up to the last space that
 * fits when the rest does not fit (so words are not cut), else what fits.
 */
static size_t
wdg_trace_piece(const char *s, int width)
{
	size_t fit, cut;

	fit = tui_fit(s, width);
	if (s[fit] == '\0')
		return fit;
	for (cut = fit; cut > 0 && s[cut] != ' '; cut--)
		;
	if (cut == 0)
		cut = fit;
	return cut > 0 ? cut : 1;
}

/* Display rows of one line at width cols. */
static int
wdg_trace_line_rows(const char *s, int cols)
{
	int ind = wdg_trace_indent(cols), rows = 0;

	do {
		s += wdg_trace_piece(s, cols - (rows > 0 ? ind : 0));
		while (*s == ' ')
			s++;
		rows++;
	} while (*s != '\0');
	return rows;
}

void
wdg_trace_draw(struct wdg_trace *tw, WINDOW *w, int y, int h)
{
	const char *s;
	char *piece;
	int cols = getmaxx(w) - 2, i, total = 0, row, yy, sub, lr, x, width;
	int ind = wdg_trace_indent(cols);
	size_t len;
	attr_t a;

	for (i = 0; i < h; i++)
		tui_fill(w, y + i, 0, getmaxx(w), A_NORMAL);
	for (i = 0; i < tw->n; i++)
		total += wdg_trace_line_rows(tw->v[i].text, cols);
	tw->rows = total;
	tw->page = h;
	if (tw->follow || tw->top > total - h)
		tw->top = total - h;
	if (tw->top < 0)
		tw->top = 0;
	if (tw->top >= total - h)
		tw->follow = true;
	row = 0;
	yy = y;
	for (i = 0; i < tw->n && yy < y + h; i++) {
		lr = wdg_trace_line_rows(tw->v[i].text, cols);
		if (row + lr <= tw->top) {
			row += lr;
			continue;
		}
		a = theme_attr(theme_trace_role(tw->v[i].kind));
		s = tw->v[i].text;
		for (sub = 0; sub < lr; sub++) {
			x = 1 + (sub > 0 ? ind : 0);
			width = cols - (sub > 0 ? ind : 0);
			len = wdg_trace_piece(s, width);
			/* Rows of this line above the top are skipped. */
			if (row + sub >= tw->top && yy < y + h) {
				piece = xstrndup(s, len);
				tui_put(w, yy++, x, width, a, piece);
				free(piece);
			}
			s += len;
			while (*s == ' ')
				s++;
		}
		row += lr;
	}
}

bool
wdg_trace_key(struct wdg_trace *w, const struct tui_key *k)
{
	int max = w->rows - w->page;

	if (max < 0)
		max = 0;
	if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k'))
		w->top--;
	else if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j'))
		w->top++;
	else if (tui_key_fn(k, KEY_PPAGE) || tui_key_is(k, TUI_CTRL('b')))
		w->top -= w->page - 1;
	else if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, TUI_CTRL('f')) ||
	    tui_key_is(k, ' '))
		w->top += w->page - 1;
	else if (tui_key_fn(k, KEY_HOME) || tui_key_is(k, 'g'))
		w->top = 0;
	else if (tui_key_fn(k, KEY_END) || tui_key_is(k, 'G'))
		w->top = max;
	else
		return false;
	if (w->top < 0)
		w->top = 0;
	if (w->top > max)
		w->top = max;
	w->follow = w->top >= max;
	return true;
}
