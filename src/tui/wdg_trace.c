/*
 * wdg_trace.c - the live trace pane: it draws the events of a trace from
 * the trace's own ring (src/trace: the events are kept once, there),
 * each formatted as it is drawn ("  0.012  S: +OK ready"), with one colour
 * per direction (client, server, network, info, error), wrapping long
 * lines.  The pane follows the end while the session runs, until the user
 * scrolls back; End follows again.
 *
 * The trace has already escaped and redacted every event; drawing goes
 * through tui_put all the same, so nothing unprintable reaches the screen.
 */
#include <stdlib.h>

#include "tui_int.h"

struct wdg_trace {
	const struct trace *tr;		/* borrowed; NULL: nothing to show */
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
	w->tr = NULL;
	w->follow = true;
	w->top = 0;
}

void
wdg_trace_attach(struct wdg_trace *w, const struct trace *tr)
{
	wdg_trace_clear(w);
	w->tr = tr;
}

void
wdg_trace_free(struct wdg_trace *w)
{
	free(w);
}

/* Events to draw. */
static size_t
wdg_trace_count(const struct wdg_trace *w)
{
	return w->tr != NULL ? trace_count(w->tr) : 0;
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
	const struct trace_event *ev;
	const char *s;
	char *piece, *text;
	int cols = getmaxx(w) - 2, total = 0, row, yy, sub, lr, x, width;
	int ind = wdg_trace_indent(cols);
	size_t len, i, n = wdg_trace_count(tw);
	attr_t a;

	for (yy = 0; yy < h; yy++)
		tui_fill(w, y + yy, 0, getmaxx(w), A_NORMAL);
	for (i = 0; i < n; i++) {
		text = trace_format(trace_get(tw->tr, i));
		total += wdg_trace_line_rows(text, cols);
		free(text);
	}
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
	for (i = 0; i < n && yy < y + h; i++) {
		ev = trace_get(tw->tr, i);
		text = trace_format(ev);
		lr = wdg_trace_line_rows(text, cols);
		if (row + lr <= tw->top) {
			row += lr;
			free(text);
			continue;
		}
		a = theme_attr(theme_trace_role(ev->kind));
		s = text;
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
		free(text);
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
