/*
 * wdg_menu.c - dialogs: a pick list on the ncurses menu library, a
 * question with lettered answers, a one-line prompt on the form library,
 * and a full-screen text viewer (help, bulk-change preview).
 *
 * Each is a screen pushed on the stack, so the event loop keeps running
 * under it (a live test logon goes on while the "save trace as" prompt is
 * open).  Results go back through a callback called once, after the dialog
 * has asked to be closed.  Dialog windows are panels; every curses object
 * is freed in the reverse order of its making, and rebuilt on a resize.
 */
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "tui_int.h"

/* ---- common frame ---------------------------------------------------- */

/* Window (and panel) of h x w centred on the terminal. */
static void
wdg_menu_dialog_window(WINDOW **win, PANEL **pan, int h, int w)
{
	if (h > LINES)
		h = LINES;
	if (w > COLS)
		w = COLS;
	*win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
	keypad(*win, TRUE);
	*pan = new_panel(*win);
}

static void
wdg_menu_dialog_free(WINDOW **win, PANEL **pan)
{
	if (*pan != NULL)
		del_panel(*pan);
	if (*win != NULL)
		delwin(*win);
	*pan = NULL;
	*win = NULL;
}

static void
wdg_menu_dialog_frame(WINDOW *w, const char *title)
{
	int cols = getmaxx(w);

	wattrset(w, (int)theme_attr(TUI_R_BOX));
	box(w, 0, 0);
	wattrset(w, A_NORMAL);
	if (title != NULL) {
		tui_put(w, 0, 2, 1, theme_attr(TUI_R_BOX), " ");
		tui_put(w, 0, 3, cols - 6, theme_attr(TUI_R_HEADING), title);
		tui_put(w, 0, 3 + (int)(tui_width(title) < cols - 6 ?
		    tui_width(title) : cols - 6), 1, theme_attr(TUI_R_BOX),
		    " ");
	}
}

/* ---- menu ------------------------------------------------------------ */

struct wdg_menu {
	char		*title;
	char		**labels;
	char		**descs;
	int		 n;
	int		 current;
	ITEM		**items;
	MENU		*menu;
	WINDOW		*win;
	WINDOW		*sub;
	PANEL		*pan;
	int		 built_lines;
	int		 built_cols;
	wdg_menu_cb	 cb;
	void		*arg;
};

static void
wdg_menu_teardown(struct wdg_menu *m)
{
	int i;

	if (m->menu != NULL) {
		m->current = item_index(current_item(m->menu));
		unpost_menu(m->menu);
		free_menu(m->menu);
		m->menu = NULL;
	}
	if (m->items != NULL) {
		for (i = 0; i < m->n; i++)
			free_item(m->items[i]);
		free(m->items);
		m->items = NULL;
	}
	if (m->sub != NULL)
		delwin(m->sub);
	m->sub = NULL;
	wdg_menu_dialog_free(&m->win, &m->pan);
}

static void
wdg_menu_build(struct wdg_menu *m)
{
	int i, lw = 0, dw = 0, w, h, rows;

	for (i = 0; i < m->n; i++) {
		if (tui_width(m->labels[i]) > lw)
			lw = tui_width(m->labels[i]);
		if (m->descs != NULL && tui_width(m->descs[i]) > dw)
			dw = tui_width(m->descs[i]);
	}
	w = 2 + lw + (dw ? 2 + dw : 0) + 4;
	if (w < tui_width(m->title) + 8)
		w = tui_width(m->title) + 8;
	if (w < 36)
		w = 36;
	if (w > COLS - 4)
		w = COLS - 4;
	rows = m->n;
	if (rows > LINES - 8)
		rows = LINES - 8;
	if (rows < 1)
		rows = 1;
	h = rows + 4;
	wdg_menu_dialog_window(&m->win, &m->pan, h, w);
	m->sub = derwin(m->win, rows, w - 4, 1, 2);
	m->items = xcalloc((size_t)m->n + 1, sizeof *m->items);
	for (i = 0; i < m->n; i++)
		m->items[i] = new_item(m->labels[i],
		    m->descs != NULL ? m->descs[i] : "");
	m->menu = new_menu(m->items);
	set_menu_win(m->menu, m->win);
	set_menu_sub(m->menu, m->sub);
	set_menu_format(m->menu, rows, 1);
	set_menu_mark(m->menu, "");
	set_menu_fore(m->menu, theme_attr(TUI_R_CURSOR));
	set_menu_back(m->menu, A_NORMAL);
	set_menu_grey(m->menu, theme_attr(TUI_R_DIM));
	if (m->descs == NULL)
		menu_opts_off(m->menu, O_SHOWDESC);
	if (m->current >= 0 && m->current < m->n)
		set_current_item(m->menu, m->items[m->current]);
	post_menu(m->menu);
	m->built_lines = LINES;
	m->built_cols = COLS;
}

static void
wdg_menu_draw(struct tui *t, struct tui_screen *s)
{
	struct wdg_menu *m = s->priv;
	const char *pat;
	int h, w;

	(void)t;
	if (m->menu == NULL || m->built_lines != LINES ||
	    m->built_cols != COLS) {
		wdg_menu_teardown(m);
		wdg_menu_build(m);
	}
	getmaxyx(m->win, h, w);
	wdg_menu_dialog_frame(m->win, m->title);
	pat = menu_pattern(m->menu);
	tui_fill(m->win, h - 2, 2, w - 4, A_NORMAL);
	if (pat != NULL && *pat != '\0')
		tui_putf(m->win, h - 2, 2, w - 4, theme_attr(TUI_R_DIM),
		    "jump: %s_   Enter choose   Esc cancel", pat);
	else
		tui_put(m->win, h - 2, 2, w - 4, theme_attr(TUI_R_DIM),
		    "type to jump   Enter choose   Esc cancel");
	touchwin(m->win);
}

static void
wdg_menu_finish(struct tui *t, struct tui_screen *s, int choice)
{
	struct wdg_menu *m = s->priv;

	tui_close(t, s);
	if (m->cb != NULL)
		m->cb(t, m->arg, choice);
	m->cb = NULL;
}

static int
wdg_menu_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct wdg_menu *m = s->priv;
	int req = 0;

	if (m->menu == NULL)
		return TUI_NONE;
	if (tui_key_cancel(k)) {
		wdg_menu_finish(t, s, -1);
		return TUI_REDRAW;
	}
	if (tui_key_enter(k)) {
		wdg_menu_finish(t, s, item_index(current_item(m->menu)));
		return TUI_REDRAW;
	}
	/*
	 * Type-ahead: printable keys build a pattern that the menu library
	 * matches against the start of the labels, ignoring case (so letters
	 * are not navigation here); Backspace takes one back.  A key that
	 * matches nothing leaves pattern and choice as they were.
	 */
	if (!k->fn && k->ch >= 0x20 && k->ch < 0x7f) {
		if (menu_driver(m->menu, k->ch) != E_OK)
			beep();
		return TUI_REDRAW;
	}
	if (tui_key_fn(k, KEY_BACKSPACE) || tui_key_is(k, 127) ||
	    tui_key_is(k, TUI_CTRL('h'))) {
		menu_driver(m->menu, REQ_BACK_PATTERN);
		return TUI_REDRAW;
	}
	if (tui_key_fn(k, KEY_UP) || tui_key_is(k, TUI_CTRL('p')))
		req = REQ_UP_ITEM;
	else if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, TUI_CTRL('n')) ||
	    tui_key_is(k, '\t'))
		req = REQ_DOWN_ITEM;
	else if (tui_key_fn(k, KEY_BTAB))
		req = REQ_UP_ITEM;
	else if (tui_key_fn(k, KEY_PPAGE) || tui_key_is(k, TUI_CTRL('b')))
		req = REQ_SCR_UPAGE;
	else if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, TUI_CTRL('f')))
		req = REQ_SCR_DPAGE;
	else if (tui_key_fn(k, KEY_HOME))
		req = REQ_FIRST_ITEM;
	else if (tui_key_fn(k, KEY_END))
		req = REQ_LAST_ITEM;
	if (req == 0)
		return TUI_NONE;
	/* Moving past either end wraps around. */
	if (menu_driver(m->menu, req) == E_REQUEST_DENIED) {
		if (req == REQ_DOWN_ITEM)
			menu_driver(m->menu, REQ_FIRST_ITEM);
		else if (req == REQ_UP_ITEM)
			menu_driver(m->menu, REQ_LAST_ITEM);
	}
	return TUI_REDRAW;
}

static void
wdg_menu_free(struct tui *t, struct tui_screen *s)
{
	struct wdg_menu *m = s->priv;
	int i;

	if (m->cb != NULL)
		m->cb(t, m->arg, -1);
	wdg_menu_teardown(m);
	for (i = 0; i < m->n; i++) {
		free(m->labels[i]);
		if (m->descs != NULL)
			free(m->descs[i]);
	}
	free(m->labels);
	free(m->descs);
	free(m->title);
	free(m);
}

static void
wdg_menu_resize(struct tui *t, struct tui_screen *s)
{
	struct wdg_menu *m = s->priv;

	(void)t;
	wdg_menu_teardown(m);
}

static const struct tui_screen_ops wdg_menu_ops = {
	.name = "menu",
	.overlay = true,
	.draw = wdg_menu_draw,
	.key = wdg_menu_key,
	.resize = wdg_menu_resize,
	.free = wdg_menu_free,
};

void
wdg_menu_open(struct tui *t, const char *title, const char *const *labels,
    const char *const *descs, int n, int initial, wdg_menu_cb cb, void *arg)
{
	struct wdg_menu *m;
	int i;

	m = xcalloc(1, sizeof *m);
	m->title = xstrdup(title);
	m->n = n;
	m->labels = xcalloc((size_t)n, sizeof *m->labels);
	if (descs != NULL)
		m->descs = xcalloc((size_t)n, sizeof *m->descs);
	for (i = 0; i < n; i++) {
		m->labels[i] = xstrdup(labels[i]);
		if (descs != NULL)
			m->descs[i] = xstrdup(descs[i] != NULL ? descs[i] : "");
	}
	m->current = initial;
	m->cb = cb;
	m->arg = arg;
	tui_push(t, &wdg_menu_ops, m);
}

/* ---- confirm --------------------------------------------------------- */

#define WDG_MENU_CONFIRM_MAX 6

struct wdg_menu_confirm {
	char		*title;
	char		*text;
	int		 keys[WDG_MENU_CONFIRM_MAX];
	char		*labels[WDG_MENU_CONFIRM_MAX];
	int		 n;
	WINDOW		*win;
	PANEL		*pan;
	int		 built_lines;
	int		 built_cols;
	wdg_menu_confirm_cb	 cb;
	void		*arg;
};

static void
wdg_menu_confirm_draw(struct tui *t, struct tui_screen *s)
{
	struct wdg_menu_confirm *c = s->priv;
	char **lines;
	int n, i, w, x, bw = 0, total;

	(void)t;
	w = COLS - 8 > 66 ? 66 : COLS - 8;
	for (i = 0; i < c->n; i++)
		bw += 4 + tui_width(c->labels[i]) + 3;
	if (bw + 4 > w)
		w = bw + 4 > COLS - 2 ? COLS - 2 : bw + 4;
	total = tui_wrap(c->text, w - 4, &lines);
	n = total > LINES - 6 ? LINES - 6 : total;
	if (c->win == NULL || c->built_lines != LINES ||
	    c->built_cols != COLS || getmaxy(c->win) != n + 4 ||
	    getmaxx(c->win) != w) {
		wdg_menu_dialog_free(&c->win, &c->pan);
		wdg_menu_dialog_window(&c->win, &c->pan, n + 4, w);
		c->built_lines = LINES;
		c->built_cols = COLS;
	}
	werase(c->win);
	wdg_menu_dialog_frame(c->win, c->title);
	for (i = 0; i < n; i++)
		tui_put(c->win, 1 + i, 2, w - 4, A_NORMAL, lines[i]);
	x = 2;
	for (i = 0; i < c->n; i++) {
		char key[2] = { (char)c->keys[i], '\0' };

		x += tui_put(c->win, n + 2, x, 1, A_NORMAL, "[");
		x += tui_put(c->win, n + 2, x, 1, theme_attr(TUI_R_KEY), key);
		x += tui_put(c->win, n + 2, x, 2, A_NORMAL, "] ");
		x += tui_put(c->win, n + 2, x, w - x - 2,
		    i == 0 ? A_BOLD : A_NORMAL, c->labels[i]);
		x += 3;
	}
	for (i = 0; i < total; i++)
		free(lines[i]);
	free(lines);
	touchwin(c->win);
}

static void
wdg_menu_confirm_finish(struct tui *t, struct tui_screen *s, int key)
{
	struct wdg_menu_confirm *c = s->priv;

	tui_close(t, s);
	if (c->cb != NULL)
		c->cb(t, c->arg, key);
	c->cb = NULL;
}

static int
wdg_menu_confirm_key(struct tui *t, struct tui_screen *s,
    const struct tui_key *k)
{
	struct wdg_menu_confirm *c = s->priv;
	int i;

	if (tui_key_cancel(k)) {
		wdg_menu_confirm_finish(t, s, 0);
		return TUI_REDRAW;
	}
	if (tui_key_enter(k)) {
		wdg_menu_confirm_finish(t, s, c->keys[0]);
		return TUI_REDRAW;
	}
	if (k->fn)
		return TUI_NONE;
	for (i = 0; i < c->n; i++) {
		if ((wint_t)c->keys[i] == towlower(k->ch)) {
			wdg_menu_confirm_finish(t, s, c->keys[i]);
			return TUI_REDRAW;
		}
	}
	return TUI_NONE;
}

static void
wdg_menu_confirm_free(struct tui *t, struct tui_screen *s)
{
	struct wdg_menu_confirm *c = s->priv;
	int i;

	if (c->cb != NULL)
		c->cb(t, c->arg, 0);
	wdg_menu_dialog_free(&c->win, &c->pan);
	for (i = 0; i < c->n; i++)
		free(c->labels[i]);
	free(c->title);
	free(c->text);
	free(c);
}

static const struct tui_screen_ops wdg_menu_confirm_ops = {
	.name = "confirm",
	.overlay = true,
	.draw = wdg_menu_confirm_draw,
	.key = wdg_menu_confirm_key,
	.free = wdg_menu_confirm_free,
};

void
wdg_menu_confirm_open(struct tui *t, const char *title, const char *text,
    const char *choices, wdg_menu_confirm_cb cb, void *arg)
{
	struct wdg_menu_confirm *c;
	const char *p, *bar;

	c = xcalloc(1, sizeof *c);
	c->title = xstrdup(title);
	c->text = xstrdup(text);
	for (p = choices; p != NULL && *p != '\0' &&
	    c->n < WDG_MENU_CONFIRM_MAX; p = bar != NULL ? bar + 1 : NULL) {
		bar = strchr(p, '|');
		if (p[0] == '\0' || p[1] != ':')
			break;
		c->keys[c->n] = (unsigned char)p[0];
		c->labels[c->n] = bar != NULL ? xstrndup(p + 2,
		    (size_t)(bar - p - 2)) : xstrdup(p + 2);
		c->n++;
	}
	c->cb = cb;
	c->arg = arg;
	tui_push(t, &wdg_menu_confirm_ops, c);
}

/* ---- prompt ---------------------------------------------------------- */

struct wdg_menu_prompt {
	char		*title;
	char		*label;
	char		*text;		/* typed so far, kept across resizes */
	FIELD		*fields[2];
	FORM		*form;
	WINDOW		*win;
	WINDOW		*sub;
	PANEL		*pan;
	int		 built_lines;
	int		 built_cols;
	wdg_menu_prompt_cb	 cb;
	void		*arg;
};

/* The field's text without the padding. */
static char *
wdg_menu_prompt_text(struct wdg_menu_prompt *p)
{
	char *s;
	size_t n;

	form_driver(p->form, REQ_VALIDATION);
	s = xstrdup(field_buffer(p->fields[0], 0));
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

static void
wdg_menu_prompt_teardown(struct wdg_menu_prompt *p)
{
	if (p->form != NULL) {
		free(p->text);
		p->text = wdg_menu_prompt_text(p);
		unpost_form(p->form);
		free_form(p->form);
		p->form = NULL;
	}
	if (p->fields[0] != NULL)
		free_field(p->fields[0]);
	p->fields[0] = NULL;
	if (p->sub != NULL)
		delwin(p->sub);
	p->sub = NULL;
	wdg_menu_dialog_free(&p->win, &p->pan);
}

static void
wdg_menu_prompt_build(struct wdg_menu_prompt *p)
{
	int w, fw;

	w = COLS - 6 > 74 ? 74 : COLS - 6;
	fw = w - 4;
	wdg_menu_dialog_window(&p->win, &p->pan, 6, w);
	p->sub = derwin(p->win, 1, fw, 2, 2);
	p->fields[0] = new_field(1, fw, 0, 0, 0, 0);
	p->fields[1] = NULL;
	field_opts_off(p->fields[0], O_STATIC | O_AUTOSKIP);
	set_max_field(p->fields[0], 4096);
	set_field_back(p->fields[0], theme_attr(TUI_R_FIELD_CUR));
	set_field_buffer(p->fields[0], 0, p->text);
	p->form = new_form(p->fields);
	set_form_win(p->form, p->win);
	set_form_sub(p->form, p->sub);
	post_form(p->form);
	form_driver(p->form, REQ_END_LINE);
	p->built_lines = LINES;
	p->built_cols = COLS;
}

static void
wdg_menu_prompt_draw(struct tui *t, struct tui_screen *s)
{
	struct wdg_menu_prompt *p = s->priv;
	int w;

	(void)t;
	if (p->form == NULL || p->built_lines != LINES ||
	    p->built_cols != COLS) {
		wdg_menu_prompt_teardown(p);
		wdg_menu_prompt_build(p);
	}
	w = getmaxx(p->win);
	wdg_menu_dialog_frame(p->win, p->title);
	tui_put(p->win, 1, 2, w - 4, A_NORMAL, p->label);
	tui_put(p->win, 4, 2, w - 4, theme_attr(TUI_R_DIM),
	    "Enter accept   Esc cancel   ^U clear");
	touchwin(p->win);
}

static bool
wdg_menu_prompt_cursor(struct tui *t, struct tui_screen *s)
{
	struct wdg_menu_prompt *p = s->priv;

	(void)t;
	if (p->form == NULL)
		return false;
	pos_form_cursor(p->form);
	wnoutrefresh(p->win);
	return true;
}

static int
wdg_menu_prompt_key(struct tui *t, struct tui_screen *s,
    const struct tui_key *k)
{
	struct wdg_menu_prompt *p = s->priv;
	wdg_menu_prompt_cb cb;
	char *text;

	if (p->form == NULL)
		return TUI_NONE;
	if (tui_key_cancel(k)) {
		cb = p->cb;
		p->cb = NULL;
		tui_close(t, s);
		if (cb != NULL)
			cb(t, p->arg, NULL);
		return TUI_REDRAW;
	}
	if (tui_key_enter(k)) {
		text = wdg_menu_prompt_text(p);
		cb = p->cb;
		p->cb = NULL;
		tui_close(t, s);
		if (cb != NULL)
			cb(t, p->arg, text);
		free(text);
		return TUI_REDRAW;
	}
	if (k->fn) {
		switch (k->ch) {
		case KEY_LEFT:
			form_driver(p->form, REQ_PREV_CHAR);
			break;
		case KEY_RIGHT:
			form_driver(p->form, REQ_NEXT_CHAR);
			break;
		case KEY_HOME:
			form_driver(p->form, REQ_BEG_LINE);
			break;
		case KEY_END:
			form_driver(p->form, REQ_END_LINE);
			break;
		case KEY_BACKSPACE:
			form_driver(p->form, REQ_DEL_PREV);
			break;
		case KEY_DC:
			form_driver(p->form, REQ_DEL_CHAR);
			break;
		default:
			return TUI_NONE;
		}
		return TUI_REDRAW;
	}
	if (k->ch == 127 || k->ch == TUI_CTRL('h'))
		form_driver(p->form, REQ_DEL_PREV);
	else if (k->ch == TUI_CTRL('u'))
		form_driver(p->form, REQ_CLR_FIELD);
	else if (k->ch == TUI_CTRL('a'))
		form_driver(p->form, REQ_BEG_LINE);
	else if (k->ch == TUI_CTRL('e'))
		form_driver(p->form, REQ_END_LINE);
	else if (iswprint(k->ch))
		form_driver_w(p->form, OK, (wchar_t)k->ch);
	else
		return TUI_NONE;
	return TUI_REDRAW;
}

static void
wdg_menu_prompt_free(struct tui *t, struct tui_screen *s)
{
	struct wdg_menu_prompt *p = s->priv;

	if (p->cb != NULL)
		p->cb(t, p->arg, NULL);
	wdg_menu_prompt_teardown(p);
	free(p->text);
	free(p->title);
	free(p->label);
	free(p);
}

static void
wdg_menu_prompt_resize(struct tui *t, struct tui_screen *s)
{
	(void)t;
	wdg_menu_prompt_teardown(s->priv);
}

static const struct tui_screen_ops wdg_menu_prompt_ops = {
	.name = "prompt",
	.overlay = true,
	.draw = wdg_menu_prompt_draw,
	.key = wdg_menu_prompt_key,
	.resize = wdg_menu_prompt_resize,
	.free = wdg_menu_prompt_free,
	.cursor = wdg_menu_prompt_cursor,
};

void
wdg_menu_prompt_open(struct tui *t, const char *title, const char *label,
    const char *initial, wdg_menu_prompt_cb cb, void *arg)
{
	struct wdg_menu_prompt *p;

	p = xcalloc(1, sizeof *p);
	p->title = xstrdup(title);
	p->label = xstrdup(label);
	p->text = xstrdup(initial != NULL ? initial : "");
	p->cb = cb;
	p->arg = arg;
	tui_push(t, &wdg_menu_prompt_ops, p);
}

/* ---- viewer ---------------------------------------------------------- */

#define WDG_MENU_VIEW_TAG	'\001'
#define WDG_MENU_VIEW_MAXKEYS 8

struct wdg_menu_view {
	char		*title;
	char		**lines;
	int		 n;
	int		 top;		/* first display row shown */
	struct wdg_key	 keys[WDG_MENU_VIEW_MAXKEYS + 1];
	int		 nkeys;
	wdg_menu_view_cb	 act;
	void		*arg;
	int		 rows;		/* display rows at the last draw */
	int		 page;		/* rows shown per page */
};

char *
wdg_menu_view_line(enum tui_role r, const char *fmt, ...)
{
	va_list ap;
	char *s, *out;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	out = xasprintf("%c%c%s", WDG_MENU_VIEW_TAG, 'A' + (int)r, s);
	free(s);
	return out;
}

/* Role and text of a line. */
static const char *
wdg_menu_view_split(const char *line, enum tui_role *r)
{
	*r = TUI_R_NORMAL;
	if (line[0] == WDG_MENU_VIEW_TAG && line[1] >= 'A' &&
	    line[1] < 'A' + TUI_R__COUNT) {
		*r = (enum tui_role)(line[1] - 'A');
		return line + 2;
	}
	return line;
}

static void
wdg_menu_view_draw(struct tui *t, struct tui_screen *s)
{
	struct wdg_menu_view *v = s->priv;
	WINDOW *w = s->win;
	enum tui_role r;
	const char *text;
	char **parts, *total;
	int i, j, np, row = 0, y, width = COLS - 2, cont;

	werase(w);
	v->page = LINES - 3;
	y = 1;
	for (i = 0; i < v->n; i++) {
		text = wdg_menu_view_split(v->lines[i], &r);
		/* Continuation rows are indented past the leading blanks. */
		cont = (int)strspn(text, " ") + 2;
		if (cont > width / 2)
			cont = 2;
		if (tui_width(text) <= width)
			np = tui_wrap(text, width, &parts);
		else
			np = tui_wrap(text, width - cont, &parts);
		for (j = 0; j < np; j++) {
			if (row >= v->top && y < LINES - 2)
				tui_put(w, y++, 1 + (j > 0 ? cont : 0),
				    width - (j > 0 ? cont : 0),
				    theme_attr(r), parts[j]);
			row++;
			free(parts[j]);
		}
		free(parts);
	}
	v->rows = row;
	/* The title goes last: it says which rows are in view. */
	total = v->rows > v->page ? xasprintf("rows %d-%d of %d", v->top + 1,
	    v->top + v->page < v->rows ? v->top + v->page : v->rows, v->rows) :
	    NULL;
	wdg_status_title(w, v->title, total);
	free(total);
	wdg_status_draw(t, w, LINES - 2, v->rows > v->page ?
	    "Up/Down/PgUp/PgDn scroll" : NULL);
	wdg_status_keybar(w, LINES - 1, v->keys, v->nkeys);
}

static int
wdg_menu_view_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct wdg_menu_view *v = s->priv;
	int i, max = v->rows - v->page;
	wint_t want;

	if (max < 0)
		max = 0;
	for (i = 0; i < v->nkeys - 1; i++) {
		if (strcmp(v->keys[i].key, "Enter") == 0)
			want = '\r';
		else
			want = (unsigned char)v->keys[i].key[0];
		if ((want == '\r' && tui_key_enter(k)) ||
		    (want != '\r' && tui_key_is(k, want))) {
			tui_msg_clear(t);
			if (v->act != NULL && v->act(t, v->arg, want))
				return TUI_CLOSE;
			return TUI_REDRAW;
		}
	}
	if (tui_key_cancel(k) || tui_key_is(k, 'q'))
		return TUI_CLOSE;
	if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j'))
		v->top++;
	else if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k'))
		v->top--;
	else if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, ' ') ||
	    tui_key_is(k, TUI_CTRL('f')))
		v->top += v->page;
	else if (tui_key_fn(k, KEY_PPAGE) || tui_key_is(k, TUI_CTRL('b')))
		v->top -= v->page;
	else if (tui_key_fn(k, KEY_HOME) || tui_key_is(k, 'g'))
		v->top = 0;
	else if (tui_key_fn(k, KEY_END) || tui_key_is(k, 'G'))
		v->top = max;
	else
		return TUI_NONE;
	if (v->top > max)
		v->top = max;
	if (v->top < 0)
		v->top = 0;
	return TUI_REDRAW;
}

static void
wdg_menu_view_free(struct tui *t, struct tui_screen *s)
{
	struct wdg_menu_view *v = s->priv;
	int i;

	(void)t;
	tui_screen_window_free(s);
	for (i = 0; i < v->n; i++)
		free(v->lines[i]);
	free(v->lines);
	for (i = 0; i < v->nkeys; i++) {
		free((char *)(uintptr_t)v->keys[i].key);
		free((char *)(uintptr_t)v->keys[i].label);
	}
	free(v->title);
	free(v);
}

static const struct tui_screen_ops wdg_menu_view_ops = {
	.name = "view",
	.draw = wdg_menu_view_draw,
	.key = wdg_menu_view_key,
	.free = wdg_menu_view_free,
};

void
wdg_menu_view_open(struct tui *t, const char *title, char *const *lines, int n,
    const struct wdg_key *keys, int nkeys, wdg_menu_view_cb act, void *arg)
{
	struct tui_screen *s;
	struct wdg_menu_view *v;
	int i;

	v = xcalloc(1, sizeof *v);
	v->title = xstrdup(title);
	v->n = n;
	v->lines = xcalloc(n > 0 ? (size_t)n : 1, sizeof *v->lines);
	for (i = 0; i < n; i++)
		v->lines[i] = xstrdup(lines[i]);
	if (nkeys > WDG_MENU_VIEW_MAXKEYS)
		nkeys = WDG_MENU_VIEW_MAXKEYS;
	for (i = 0; i < nkeys; i++) {
		v->keys[i].key = xstrdup(keys[i].key);
		v->keys[i].label = xstrdup(keys[i].label);
		v->keys[i].keep = keys[i].keep;
	}
	v->keys[nkeys].key = xstrdup("Esc");
	v->keys[nkeys].label = xstrdup("close");
	v->keys[nkeys].keep = true;
	v->nkeys = nkeys + 1;
	v->act = act;
	v->arg = arg;
	s = tui_push(t, &wdg_menu_view_ops, v);
	if (s != NULL)
		tui_screen_window(s);
}
