/*
 * wdg_form.c - a small form engine on the ncurses form library.
 *
 * An item is one labelled input: text, number, password (masked, with a
 * reveal toggle), choice (cycles with Space/Left/Right, Enter asks the
 * owner for a pick list), yes/no, or a set of checkboxes (one FIELD per
 * box; choices the owner marks unavailable show as "[-]" and cannot be
 * ticked).  Items sit on pages (the editor's tabs); hidden items take no
 * room; an item with a message is highlighted and the message shows on the
 * row under it.  In a bulk form every item starts "unchanged" and the first
 * edit makes it a change.
 *
 * The engine knows nothing of profiles: the owner reads values in text
 * form after WDG_FORM_COMMIT, applies them to its model, and pushes back
 * values, hidden states and messages.  The FORM is rebuilt (unposted, freed
 * with its fields, made again) whenever the layout changes; text being
 * typed is copied into the item first, so nothing typed is lost.
 *
 * Editable fields are the ncurses form library's; the others are read-only
 * fields whose text the engine writes.  A masked password never enters a
 * FIELD buffer; a revealed one is blanked before its field is freed.
 *
 * One piece at some 1,300 lines: the items' values, their layout into
 * FIELDs, the drawing and the keys share the item array and the one FORM
 * that is rebuilt whenever the layout changes.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "popconn/str.h"
#include "tui_int.h"

#define WDG_SET_MAX	8
#define WDG_TEXT_MAX	1024	/* PROF_TEXT_MAX */
#define WDG_LABEL_COL	2
#define WDG_LABEL_MAX	28
#define WDG_UNCHANGED	"(unchanged)"

struct wdg_form_item {
	const char	*key;		/* borrowed, static */
	const char	*label;		/* borrowed, static */
	int		 page;
	enum wdg_ftype	 type;
	const char *const *choices;	/* borrowed, static */
	const char *const *labels;
	int		 nchoices;
	char		*value;		/* text form; NULL = unchanged (bulk) */
	unsigned	 bits;		/* SET: ticked choices */
	unsigned	 unavail;	/* SET: choices that cannot be ticked */
	bool		 hidden;
	bool		 reveal;	/* PASSWORD shown in clear */
	bool		 uncommitted;	/* typed text taken, not reported */
	char		*message;
	char		*note;
	int		 width;		/* preferred field width, 0 = auto */
	/* Layout, valid while the FORM is built. */
	bool		 placed;
	int		 row;
	int		 nrows;
	int		 msg_row;	/* -1 = no message row */
	int		 msg_nrows;	/* rows the message takes */
	int		 fwidth;
	FIELD		*fld;
	FIELD		*box[WDG_SET_MAX];
	int		 nbox;
	int		 box_w;
	int		 box_cols;
};

struct wdg_form {
	struct wdg_form_item	*items;
	int		 n;
	bool		 bulk;
	int		 page;
	int		 cur;		/* focused item */
	int		 cur_box;	/* focused box of a SET, else 0 */
	int		 changed;	/* item of the last commit */
	FORM		*form;
	FIELD		**fields;	/* NULL-terminated, as new_form wants */
	int		 *fitem;	/* fields[k] is items[fitem[k]]'s */
	int		 *fbox;		/* ... and is its box fbox[k] (or 0) */
	int		 nfields;
	WINDOW		*win;
	PANEL		*pan;
	int		 y;
	int		 h;
	int		 fcol;		/* column where fields start */
	bool		 dirty;		/* layout must be rebuilt */
	int		 built_cols;
	char		*scratch;	/* wdg_form_get's answer for SETs */
};

struct wdg_form *
wdg_form_new(bool bulk)
{
	struct wdg_form *f;

	f = xcalloc(1, sizeof *f);
	f->bulk = bulk;
	f->dirty = true;
	return f;
}

/* ---- values ---------------------------------------------------------- */

static bool
wdg_form_item_text(const struct wdg_form_item *it)
{
	return it->type == WDG_F_TEXT || it->type == WDG_F_NUMBER ||
	    (it->type == WDG_F_PASSWORD && it->reveal);
}

static void
wdg_form_item_set_value(struct wdg_form_item *it, const char *v)
{
	if (it->type == WDG_F_PASSWORD)
		xstr_replace_secret(&it->value, v);
	else
		xstr_replace(&it->value, v);
}

static int
wdg_form_item_choice(const struct wdg_form_item *it)
{
	int i;

	if (it->value == NULL)
		return -1;
	for (i = 0; i < it->nchoices; i++)
		if (str_ieq(it->choices[i], it->value))
			return i;
	return -1;
}

static unsigned
wdg_form_item_parse_set(const struct wdg_form_item *it, const char *v)
{
	unsigned bits = 0;
	const char *p = v, *e;
	size_t len;
	int i;

	while (p != NULL && *p != '\0') {
		p += strspn(p, ", ");
		e = p + strcspn(p, ", ");
		len = (size_t)(e - p);
		for (i = 0; len > 0 && i < it->nchoices; i++)
			if (strlen(it->choices[i]) == len &&
			    strncasecmp(it->choices[i], p, len) == 0)
				bits |= 1u << i;
		p = e;
	}
	return bits;
}

static void
wdg_form_item_bits_to_value(struct wdg_form_item *it)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < it->nchoices; i++)
		len += strlen(it->choices[i]) + 1;
	s = xcalloc(1, len);
	for (i = 0; i < it->nchoices; i++) {
		if (!(it->bits & (1u << i)))
			continue;
		if (*s != '\0')
			strcat(s, ",");
		strcat(s, it->choices[i]);
	}
	free(it->value);
	it->value = s;
}

/* Number of characters of a UTF-8 string. */
static int
wdg_chars(const char *s)
{
	int n = 0;

	for (; s != NULL && *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* What a read-only field shows for the item (or box b of a SET). */
static char *
wdg_form_item_display(const struct wdg_form *f,
    const struct wdg_form_item *it, int b)
{
	char *s;
	int i, n;

	switch (it->type) {
	case WDG_F_CHOICE:
		i = wdg_form_item_choice(it);
		if (i < 0)
			return xstrdup(it->value == NULL ? WDG_UNCHANGED :
			    it->value);
		return xstrdup(it->labels != NULL ? it->labels[i] :
		    it->choices[i]);
	case WDG_F_BOOL:
		if (it->value == NULL)
			return xstrdup(WDG_UNCHANGED);
		return xstrdup(str_ieq(it->value, "yes") ? "[x] yes" :
		    "[ ] no");
	case WDG_F_SET:
		return xasprintf("[%c] %s", it->value == NULL ? '?' :
		    (it->bits & (1u << b)) ? 'x' :
		    (it->unavail & (1u << b)) ? '-' : ' ',
		    it->labels != NULL ? it->labels[b] : it->choices[b]);
	case WDG_F_PASSWORD:
		if (it->value == NULL)
			return xstrdup(WDG_UNCHANGED);
		if (it->reveal)
			return xstrdup(it->value);
		n = wdg_chars(it->value);
		if (n > it->fwidth - 1)
			n = it->fwidth - 1;
		if (n < 0)
			n = 0;
		s = xcalloc(1, (size_t)n + 1);
		memset(s, '*', (size_t)n);
		return s;
	default:
		(void)f;
		return xstrdup(it->value == NULL ? WDG_UNCHANGED : it->value);
	}
}

/* Write the item's value into its field(s). */
static void
wdg_form_item_show(struct wdg_form *f, struct wdg_form_item *it)
{
	char *s;
	int b;

	if (!it->placed)
		return;
	if (it->type == WDG_F_SET) {
		for (b = 0; b < it->nbox; b++) {
			s = wdg_form_item_display(f, it, b);
			set_field_buffer(it->box[b], 0, s);
			free(s);
		}
		return;
	}
	s = wdg_form_item_display(f, it, 0);
	set_field_buffer(it->fld, 0, s);
	if (it->type == WDG_F_PASSWORD)
		xfree_secret(s);
	else
		free(s);
}

/* The text typed in a field, without the padding.  Caller frees. */
static char *
wdg_field_text(FIELD *fld)
{
	char *s;
	size_t n;

	s = xstrdup(field_buffer(fld, 0));
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

/*
 * Copy the text of the focused field into its item; a change is remembered
 * (uncommitted) until wdg_form_leave or wdg_form_sync reports it.
 */
static void
wdg_form_take_text(struct wdg_form *f)
{
	struct wdg_form_item *it;
	char *s;

	if (f->form == NULL || f->cur < 0 || f->cur >= f->n)
		return;
	it = &f->items[f->cur];
	if (!it->placed || !wdg_form_item_text(it) || it->value == NULL)
		return;
	form_driver(f->form, REQ_VALIDATION);
	s = wdg_field_text(it->fld);
	if (strcmp(s, it->value) != 0) {
		wdg_form_item_set_value(it, s);
		it->uncommitted = true;
	}
	if (it->type == WDG_F_PASSWORD)
		xfree_secret(s);
	else
		free(s);
}

/* Take the focused field's text; true when a change is to be reported. */
static bool
wdg_form_take_change(struct wdg_form *f)
{
	struct wdg_form_item *it;

	wdg_form_take_text(f);
	if (f->cur < 0 || f->cur >= f->n)
		return false;
	it = &f->items[f->cur];
	if (!it->uncommitted)
		return false;
	it->uncommitted = false;
	f->changed = f->cur;
	return true;
}

/* ---- items ----------------------------------------------------------- */

int
wdg_form_add(struct wdg_form *f, const char *key, const char *label,
    int page, enum wdg_ftype type, const char *const *choices,
    const char *const *labels)
{
	struct wdg_form_item *it;

	f->items = xreallocarray(f->items, (size_t)f->n + 1, sizeof *f->items);
	it = &f->items[f->n];
	memset(it, 0, sizeof *it);
	it->key = key;
	it->label = label;
	it->page = page;
	it->type = type;
	it->choices = choices;
	it->labels = labels;
	while (choices != NULL && choices[it->nchoices] != NULL)
		it->nchoices++;
	if (type == WDG_F_SET && it->nchoices > WDG_SET_MAX)
		it->nchoices = WDG_SET_MAX;
	it->msg_row = -1;
	if (!f->bulk) {
		it->value = xstrdup(type == WDG_F_BOOL ? "no" :
		    type == WDG_F_CHOICE && it->nchoices > 0 ? choices[0] : "");
	}
	f->dirty = true;
	return f->n++;
}

int
wdg_form_count(const struct wdg_form *f)
{
	return f->n;
}

int
wdg_form_find(const struct wdg_form *f, const char *key)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->items[i].key, key) == 0)
			return i;
	return -1;
}

enum wdg_ftype
wdg_form_type(const struct wdg_form *f, int i)
{
	return f->items[i].type;
}

void
wdg_form_set_width(struct wdg_form *f, int i, int width)
{
	f->items[i].width = width;
	f->dirty = true;
}

const char *
wdg_form_get(struct wdg_form *f, int i)
{
	struct wdg_form_item *it = &f->items[i];

	if (i == f->cur)
		wdg_form_take_text(f);
	if (it->type == WDG_F_SET && it->value != NULL) {
		wdg_form_item_bits_to_value(it);
		free(f->scratch);
		f->scratch = xstrdup(it->value);
		return f->scratch;
	}
	return it->value;
}

void
wdg_form_set(struct wdg_form *f, int i, const char *value)
{
	struct wdg_form_item *it = &f->items[i];

	if (value == NULL && !f->bulk)
		value = "";
	wdg_form_item_set_value(it, value);
	if (it->type == WDG_F_SET && value != NULL) {
		it->bits = wdg_form_item_parse_set(it, value);
		wdg_form_item_bits_to_value(it);
	}
	wdg_form_item_show(f, it);
}

void
wdg_form_set_hidden(struct wdg_form *f, int i, bool hidden)
{
	if (f->items[i].hidden == hidden)
		return;
	/* Keep what is being typed before the layout moves. */
	wdg_form_take_text(f);
	f->items[i].hidden = hidden;
	f->dirty = true;
}

bool
wdg_form_hidden(const struct wdg_form *f, int i)
{
	return f->items[i].hidden;
}

/* The message as shown under its field: "port: x" reads as "x" there. */
static const char *
wdg_form_msg_text(const struct wdg_form_item *it)
{
	const char *msg = it->message;
	size_t kl = strlen(it->key);

	if (msg != NULL && strncmp(msg, it->key, kl) == 0 &&
	    strncmp(msg + kl, ": ", 2) == 0)
		msg += kl + 2;
	return msg;
}

/*
 * Rows a message takes: one beside the fields when it fits there, else
 * wrapped from the label column (at most three rows).
 */
static int
wdg_form_msg_rows(const struct wdg_form *f, const struct wdg_form_item *it)
{
	const char *msg = wdg_form_msg_text(it);
	char **lines;
	int n, i;

	if (msg == NULL)
		return 0;
	if (tui_width(msg) <= COLS - f->fcol - 1)
		return 1;
	n = tui_wrap(msg, COLS - WDG_LABEL_COL - 4, &lines);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return n > 3 ? 3 : n;
}

void
wdg_form_set_message(struct wdg_form *f, int i, const char *msg)
{
	struct wdg_form_item *it = &f->items[i];
	int before = wdg_form_msg_rows(f, it);

	xstr_replace(&it->message, msg);
	if (wdg_form_msg_rows(f, it) != before) {
		wdg_form_take_text(f);
		f->dirty = true;
	}
}

const char *
wdg_form_message(const struct wdg_form *f, int i)
{
	return f->items[i].message;
}

void
wdg_form_set_note(struct wdg_form *f, int i, const char *note)
{
	xstr_replace(&f->items[i].note, note);
}

void
wdg_form_set_unavailable(struct wdg_form *f, int i, unsigned mask)
{
	f->items[i].unavail = mask;
	wdg_form_item_show(f, &f->items[i]);
}

int
wdg_form_page(const struct wdg_form *f)
{
	return f->page;
}

/* First item of the page that is shown, or -1. */
static int
wdg_form_first(const struct wdg_form *f, int page)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->items[i].page == page && !f->items[i].hidden)
			return i;
	return -1;
}

void
wdg_form_set_page(struct wdg_form *f, int page)
{
	wdg_form_take_text(f);
	f->page = page;
	f->cur = wdg_form_first(f, page);
	f->cur_box = 0;
	f->dirty = true;
}

void
wdg_form_focus(struct wdg_form *f, int i)
{
	wdg_form_take_text(f);
	if (f->items[i].page != f->page) {
		f->page = f->items[i].page;
		f->dirty = true;
	}
	f->cur = i;
	f->cur_box = 0;
	if (f->form != NULL && !f->dirty && f->items[i].placed)
		set_current_field(f->form, f->items[i].type == WDG_F_SET ?
		    f->items[i].box[0] : f->items[i].fld);
	else
		f->dirty = true;
}

int
wdg_form_current(const struct wdg_form *f, int *box)
{
	if (box != NULL)
		*box = f->cur >= 0 && f->items[f->cur].type == WDG_F_SET ?
		    f->cur_box : -1;
	return f->cur;
}

int
wdg_form_changed(const struct wdg_form *f)
{
	return f->changed;
}

void
wdg_form_sync(struct wdg_form *f)
{
	wdg_form_take_change(f);
}

bool
wdg_form_typing(const struct wdg_form *f)
{
	if (f->cur < 0 || f->cur >= f->n)
		return false;
	return wdg_form_item_text(&f->items[f->cur]) ||
	    f->items[f->cur].type == WDG_F_PASSWORD;
}

bool
wdg_form_any_changed(const struct wdg_form *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->items[i].value != NULL)
			return true;
	return false;
}

/* ---- layout ---------------------------------------------------------- */

static void
wdg_form_teardown(struct wdg_form *f)
{
	struct wdg_form_item *it;
	int k, i;

	if (f->form != NULL) {
		wdg_form_take_text(f);
		unpost_form(f->form);
		free_form(f->form);
		f->form = NULL;
	}
	for (k = 0; k < f->nfields; k++) {
		/* A revealed password sits in the buffer: blank it first. */
		if (f->items[f->fitem[k]].type == WDG_F_PASSWORD)
			set_field_buffer(f->fields[k], 0, "");
		free_field(f->fields[k]);
	}
	free(f->fields);
	free(f->fitem);
	free(f->fbox);
	f->fields = NULL;
	f->fitem = f->fbox = NULL;
	f->nfields = 0;
	for (i = 0; i < f->n; i++) {
		it = &f->items[i];
		it->placed = false;
		it->fld = NULL;
		memset(it->box, 0, sizeof it->box);
		it->nbox = 0;
		it->msg_row = -1;
	}
}

void
wdg_form_unpost(struct wdg_form *f)
{
	wdg_form_teardown(f);
	f->dirty = true;
}

static int
wdg_form_label_width(const struct wdg_form *f)
{
	int i, w = 0;

	for (i = 0; i < f->n; i++)
		if (tui_width(f->items[i].label) > w)
			w = tui_width(f->items[i].label);
	return w > WDG_LABEL_MAX ? WDG_LABEL_MAX : w;
}

/* Field width of an item given the room left of the screen edge. */
static int
wdg_form_item_width(const struct wdg_form *f, struct wdg_form_item *it,
    int avail)
{
	int w = 0, i;

	switch (it->type) {
	case WDG_F_NUMBER:
		w = 8;
		break;
	case WDG_F_BOOL:
		w = 8;
		break;
	case WDG_F_CHOICE:
		for (i = 0; i < it->nchoices; i++) {
			int lw = tui_width(it->labels != NULL ?
			    it->labels[i] : it->choices[i]);
			if (lw > w)
				w = lw;
		}
		w += 1;
		break;
	default:
		w = 60;
		break;
	}
	if (it->width > 0)
		w = it->width;
	if (f->bulk && w < (int)sizeof WDG_UNCHANGED)
		w = (int)sizeof WDG_UNCHANGED;
	if (w > avail)
		w = avail;
	return w < 4 ? 4 : w;
}

static void
wdg_form_add_field(struct wdg_form *f, FIELD *fld, int item, int box)
{
	f->fields = xreallocarray(f->fields, (size_t)f->nfields + 2,
	    sizeof *f->fields);
	f->fitem = xreallocarray(f->fitem, (size_t)f->nfields + 1,
	    sizeof *f->fitem);
	f->fbox = xreallocarray(f->fbox, (size_t)f->nfields + 1,
	    sizeof *f->fbox);
	f->fields[f->nfields] = fld;
	f->fitem[f->nfields] = item;
	f->fbox[f->nfields] = box;
	f->nfields++;
	f->fields[f->nfields] = NULL;
}

static FIELD *
wdg_form_new_field(struct wdg_form *f, struct wdg_form_item *it, int row,
    int col, int width)
{
	FIELD *fld;

	fld = new_field(1, width, row, col, 0, 0);
	if (fld == NULL)
		return NULL;
	field_opts_off(fld, O_AUTOSKIP | O_BLANK);
	field_opts_on(fld, O_NULLOK | O_PASSOK);
	if (wdg_form_item_text(it) || (f->bulk && it->value == NULL &&
	    (it->type == WDG_F_TEXT || it->type == WDG_F_NUMBER))) {
		field_opts_off(fld, O_STATIC);
		set_max_field(fld, it->type == WDG_F_NUMBER ? 10 :
		    WDG_TEXT_MAX);
	} else {
		field_opts_off(fld, O_EDIT);
	}
	return fld;
}

/* Rows an item takes (without its message). */
static int
wdg_form_item_rows(struct wdg_form_item *it, int avail)
{
	int lw = 0, i;

	if (it->type != WDG_F_SET)
		return 1;
	for (i = 0; i < it->nchoices; i++) {
		int w = tui_width(it->labels != NULL ? it->labels[i] :
		    it->choices[i]);
		if (w > lw)
			lw = w;
	}
	it->box_w = lw + 4;
	if (it->box_w > avail)
		it->box_w = avail;
	it->box_cols = (avail + 2) / (it->box_w + 2);
	if (it->box_cols < 1)
		it->box_cols = 1;
	if (it->box_cols > it->nchoices)
		it->box_cols = it->nchoices;
	return (it->nchoices + it->box_cols - 1) / it->box_cols;
}

static void
wdg_form_build(struct wdg_form *f)
{
	struct wdg_form_item *it;
	int i, b, row, avail, total, start, rows_cur, k, cur_field = -1;
	bool msgs_all = true;

	f->fcol = WDG_LABEL_COL + wdg_form_label_width(f) + 2;
	avail = COLS - f->fcol - 2;
	if (f->cur < 0 || f->cur >= f->n || f->items[f->cur].hidden ||
	    f->items[f->cur].page != f->page) {
		f->cur = wdg_form_first(f, f->page);
		f->cur_box = 0;
	}
	/* Room for every message row?  Else only the focused item's. */
	total = 0;
	for (i = 0; i < f->n; i++) {
		it = &f->items[i];
		if (it->page != f->page || it->hidden)
			continue;
		it->nrows = wdg_form_item_rows(it, avail);
		it->msg_nrows = wdg_form_msg_rows(f, it);
		total += it->nrows + it->msg_nrows;
	}
	if (total > f->h)
		msgs_all = false;
	/* Start late enough that the focused item is on screen. */
	start = 0;
	for (;;) {
		row = 0;
		rows_cur = -1;
		for (i = start; i < f->n; i++) {
			it = &f->items[i];
			if (it->page != f->page || it->hidden)
				continue;
			row += it->nrows;
			if (msgs_all || i == f->cur)
				row += it->msg_nrows;
			if (i == f->cur)
				rows_cur = row;
		}
		if (rows_cur < 0 || rows_cur <= f->h || start >= f->cur)
			break;
		start++;
	}
	row = 0;
	for (i = start; i < f->n; i++) {
		it = &f->items[i];
		if (it->page != f->page || it->hidden)
			continue;
		if (row + it->nrows > f->h)
			break;
		it->row = row;
		it->fwidth = wdg_form_item_width(f, it, avail);
		it->placed = true;
		if (it->type == WDG_F_SET) {
			it->nbox = it->nchoices;
			for (b = 0; b < it->nbox; b++) {
				it->box[b] = wdg_form_new_field(f, it,
				    row + b / it->box_cols, f->fcol +
				    (b % it->box_cols) * (it->box_w + 2),
				    it->box_w);
				if (i == f->cur && b == f->cur_box)
					cur_field = f->nfields;
				wdg_form_add_field(f, it->box[b], i, b);
			}
		} else {
			it->fld = wdg_form_new_field(f, it, row, f->fcol,
			    it->fwidth);
			if (i == f->cur)
				cur_field = f->nfields;
			wdg_form_add_field(f, it->fld, i, 0);
		}
		row += it->nrows;
		it->msg_row = -1;
		if (it->msg_nrows > 0 && (msgs_all || i == f->cur) &&
		    row + it->msg_nrows <= f->h) {
			it->msg_row = row;
			row += it->msg_nrows;
		}
	}
	werase(f->win);
	f->dirty = false;
	f->built_cols = COLS;
	if (f->nfields == 0)
		return;
	for (k = 0; k < f->nfields; k++)
		if (f->fields[k] == NULL)
			return;		/* out of memory in curses */
	f->form = new_form(f->fields);
	if (f->form == NULL)
		return;
	set_form_win(f->form, f->win);
	set_form_sub(f->form, f->win);
	if (post_form(f->form) != E_OK) {
		free_form(f->form);
		f->form = NULL;
		return;
	}
	for (i = 0; i < f->n; i++)
		wdg_form_item_show(f, &f->items[i]);
	if (cur_field >= 0)
		set_current_field(f->form, f->fields[cur_field]);
	else {
		f->cur = f->fitem[0];
		f->cur_box = f->fbox[0];
	}
	if (wdg_form_item_text(&f->items[f->cur]))
		form_driver(f->form, REQ_END_LINE);
}

void
wdg_form_place(struct wdg_form *f, int y, int h)
{
	if (f->win == NULL) {
		f->win = newwin(h, COLS, y, 0);
		keypad(f->win, TRUE);
		f->pan = new_panel(f->win);
		f->y = y;
		f->h = h;
		f->dirty = true;
		return;
	}
	if (f->y == y && f->h == h && f->built_cols == COLS &&
	    getmaxx(f->win) == COLS)
		return;
	wdg_form_teardown(f);
	wresize(f->win, h, COLS);
	mvwin(f->win, y, 0);
	replace_panel(f->pan, f->win);
	f->y = y;
	f->h = h;
	f->dirty = true;
}

/* ---- drawing --------------------------------------------------------- */

static attr_t
wdg_form_item_attr(const struct wdg_form *f, const struct wdg_form_item *it,
    int idx, int box)
{
	bool cur = idx == f->cur && (it->type != WDG_F_SET ||
	    box == f->cur_box);

	if (cur)
		return theme_attr(TUI_R_FIELD_CUR);
	if (it->message != NULL)
		return theme_attr(TUI_R_FIELD_BAD);
	if (f->bulk && it->value == NULL)
		return theme_attr(TUI_R_FIELD_OFF);
	if (it->type == WDG_F_SET && (it->unavail & (1u << box)))
		return theme_attr(TUI_R_FIELD_OFF);
	if (it->type == WDG_F_SET || it->type == WDG_F_BOOL)
		return A_NORMAL;
	return theme_attr(TUI_R_FIELD);
}

static void
wdg_form_draw_message(struct wdg_form *f, struct wdg_form_item *it, int cols)
{
	const char *msg = wdg_form_msg_text(it);
	char **lines;
	int n, i;

	for (i = 0; i < it->msg_nrows; i++)
		tui_fill(f->win, it->msg_row + i, 0, cols, A_NORMAL);
	if (it->msg_nrows == 1 && tui_width(msg) <= cols - f->fcol - 1) {
		tui_put(f->win, it->msg_row, f->fcol, cols - f->fcol - 1,
		    theme_attr(TUI_R_ERROR), msg);
		return;
	}
	n = tui_wrap(msg, cols - WDG_LABEL_COL - 4, &lines);
	for (i = 0; i < n; i++) {
		if (i < it->msg_nrows)
			tui_put(f->win, it->msg_row + i, WDG_LABEL_COL + 2,
			    cols - WDG_LABEL_COL - 4, theme_attr(TUI_R_ERROR),
			    lines[i]);
		free(lines[i]);
	}
	free(lines);
}

void
wdg_form_draw(struct wdg_form *f)
{
	struct wdg_form_item *it;
	int i, b, lw, nx, cols;

	if (f->win == NULL)
		return;
	if (f->dirty || f->built_cols != COLS) {
		wdg_form_teardown(f);
		wdg_form_build(f);
	}
	if (f->form == NULL)
		return;
	cols = getmaxx(f->win);
	lw = f->fcol - WDG_LABEL_COL - 2;
	for (i = 0; i < f->n; i++) {
		it = &f->items[i];
		if (!it->placed)
			continue;
		tui_fill(f->win, it->row, 0, f->fcol, A_NORMAL);
		if (it->message != NULL)
			tui_put(f->win, it->row, 0, 1,
			    theme_attr(TUI_R_ERROR), "!");
		tui_put(f->win, it->row, WDG_LABEL_COL, lw,
		    i == f->cur ? A_BOLD : A_NORMAL, it->label);
		if (it->type == WDG_F_SET) {
			for (b = 0; b < it->nbox; b++)
				set_field_back(it->box[b],
				    wdg_form_item_attr(f, it, i, b));
		} else {
			set_field_back(it->fld,
			    wdg_form_item_attr(f, it, i, 0));
			nx = f->fcol + it->fwidth + 2;
			tui_fill(f->win, it->row, f->fcol + it->fwidth,
			    cols - f->fcol - it->fwidth, A_NORMAL);
			if (it->note != NULL && nx < cols - 1)
				tui_put(f->win, it->row, nx, cols - nx - 1,
				    theme_attr(TUI_R_DIM), it->note);
		}
		if (it->msg_row >= 0)
			wdg_form_draw_message(f, it, cols);
	}
	if (f->cur >= 0)
		pos_form_cursor(f->form);
}

void
wdg_form_cursor(struct wdg_form *f)
{
	if (f->form == NULL)
		return;
	pos_form_cursor(f->form);
	wnoutrefresh(f->win);
}

void
wdg_form_free(struct wdg_form *f)
{
	int i;

	if (f == NULL)
		return;
	wdg_form_teardown(f);
	if (f->pan != NULL)
		del_panel(f->pan);
	if (f->win != NULL)
		delwin(f->win);
	for (i = 0; i < f->n; i++) {
		if (f->items[i].type == WDG_F_PASSWORD)
			xfree_secret(f->items[i].value);
		else
			free(f->items[i].value);
		free(f->items[i].message);
		free(f->items[i].note);
	}
	free(f->items);
	free(f->scratch);
	free(f);
}

/* ---- keys ------------------------------------------------------------ */

/* Move the focus to field k of the FORM. */
static void
wdg_form_goto(struct wdg_form *f, int k)
{
	if (k < 0)
		k = f->nfields - 1;
	if (k >= f->nfields)
		k = 0;
	f->cur = f->fitem[k];
	f->cur_box = f->fbox[k];
	set_current_field(f->form, f->fields[k]);
	if (wdg_form_item_text(&f->items[f->cur]))
		form_driver(f->form, REQ_END_LINE);
}

static int
wdg_form_field_index(const struct wdg_form *f)
{
	int k;

	for (k = 0; k < f->nfields; k++)
		if (f->fitem[k] == f->cur && f->fbox[k] == f->cur_box)
			return k;
	return 0;
}

/*
 * The field dir (+1, -1) steps from k, passing over the boxes of a SET
 * that cannot be ticked (Tab, Down, Shift-Tab, Up): they only say why, and
 * Left/Right still reach them.  A box that is ticked although unavailable
 * stays a stop, so it can be cleared.
 */
static int
wdg_form_step(const struct wdg_form *f, int k, int dir)
{
	const struct wdg_form_item *it;
	int n, j = k;

	for (n = 0; n < f->nfields; n++) {
		j += dir;
		if (j < 0)
			j = f->nfields - 1;
		if (j >= f->nfields)
			j = 0;
		it = &f->items[f->fitem[j]];
		if (it->type != WDG_F_SET || !(it->unavail & (1u <<
		    f->fbox[j])) || (it->bits & (1u << f->fbox[j])))
			return j;
	}
	return k + dir;
}

/* Leave the focused field: commit typed text.  Returns flags. */
static int
wdg_form_leave(struct wdg_form *f)
{
	return wdg_form_take_change(f) ? WDG_FORM_COMMIT : 0;
}

static int
wdg_form_commit(struct wdg_form *f, struct wdg_form_item *it)
{
	wdg_form_item_show(f, it);
	f->changed = (int)(it - f->items);
	return WDG_FORM_HANDLED | WDG_FORM_COMMIT;
}

static int
wdg_form_key_choice(struct wdg_form *f, struct wdg_form_item *it,
    const struct tui_key *k)
{
	int i = wdg_form_item_choice(it), step = 0, lo;

	if (tui_key_enter(k))
		return WDG_FORM_HANDLED | WDG_FORM_MENU;
	if (tui_key_is(k, ' ') || tui_key_fn(k, KEY_RIGHT))
		step = 1;
	else if (tui_key_fn(k, KEY_LEFT))
		step = -1;
	else
		return WDG_FORM_UNHANDLED;
	/* In a bulk form "unchanged" (-1) is one of the positions. */
	lo = f->bulk ? -1 : 0;
	i += step;
	if (i >= it->nchoices)
		i = lo;
	if (i < lo)
		i = it->nchoices - 1;
	wdg_form_item_set_value(it, i < 0 ? NULL : it->choices[i]);
	return wdg_form_commit(f, it);
}

static int
wdg_form_key_bool(struct wdg_form *f, struct wdg_form_item *it,
    const struct tui_key *k)
{
	if (!tui_key_is(k, ' ') && !tui_key_enter(k) &&
	    !tui_key_fn(k, KEY_LEFT) && !tui_key_fn(k, KEY_RIGHT))
		return WDG_FORM_UNHANDLED;
	if (it->value == NULL)
		wdg_form_item_set_value(it, "yes");
	else if (str_ieq(it->value, "yes"))
		wdg_form_item_set_value(it, "no");
	else
		wdg_form_item_set_value(it, f->bulk ? NULL : "yes");
	return wdg_form_commit(f, it);
}

static int
wdg_form_key_set(struct wdg_form *f, struct wdg_form_item *it,
    const struct tui_key *k)
{
	unsigned bit = 1u << f->cur_box;

	if (tui_key_fn(k, KEY_RIGHT)) {
		wdg_form_goto(f, wdg_form_field_index(f) + 1);
		return WDG_FORM_HANDLED;
	}
	if (tui_key_fn(k, KEY_LEFT)) {
		wdg_form_goto(f, wdg_form_field_index(f) - 1);
		return WDG_FORM_HANDLED;
	}
	if (!tui_key_is(k, ' ') && !tui_key_enter(k))
		return WDG_FORM_UNHANDLED;
	if (it->value == NULL) {
		/* First tick of an unchanged set: exactly what is ticked. */
		it->bits = 0;
		it->value = xstrdup("");
	}
	if ((it->unavail & bit) && !(it->bits & bit))
		return WDG_FORM_HANDLED;	/* the owner says why */
	it->bits ^= bit;
	wdg_form_item_bits_to_value(it);
	return wdg_form_commit(f, it);
}

/* Typing into a masked password: the FORM never sees the characters. */
static int
wdg_form_key_secret(struct wdg_form *f, struct wdg_form_item *it,
    const struct tui_key *k)
{
	char mb[MB_LEN_MAX + 1], *s;
	mbstate_t mbs;
	size_t n, len;

	if (it->value == NULL)
		it->value = xstrdup("");
	len = strlen(it->value);
	if (tui_key_fn(k, KEY_BACKSPACE) || tui_key_is(k, 127) ||
	    tui_key_is(k, TUI_CTRL('h'))) {
		if (len == 0)
			return WDG_FORM_HANDLED;
		while (len > 0 && ((unsigned char)it->value[len - 1] & 0xc0)
		    == 0x80)
			len--;
		if (len > 0)
			len--;
		it->value[len] = '\0';
	} else if (tui_key_is(k, TUI_CTRL('u')) || tui_key_fn(k, KEY_DC)) {
		explicit_bzero(it->value, len);
		it->value[0] = '\0';
	} else if (!k->fn && iswprint(k->ch)) {
		memset(&mbs, 0, sizeof mbs);
		n = wcrtomb(mb, (wchar_t)k->ch, &mbs);
		if (n == (size_t)-1 || len + n > WDG_TEXT_MAX)
			return WDG_FORM_HANDLED;
		s = xmalloc(len + n + 1);
		memcpy(s, it->value, len);
		memcpy(s + len, mb, n);
		s[len + n] = '\0';
		xfree_secret(it->value);
		it->value = s;
		explicit_bzero(mb, sizeof mb);
	} else
		return WDG_FORM_UNHANDLED;
	return wdg_form_commit(f, it);
}

static int
wdg_form_key_text(struct wdg_form *f, struct wdg_form_item *it,
    const struct tui_key *k)
{
	int req = 0;

	if (k->fn) {
		switch (k->ch) {
		case KEY_LEFT:
			req = REQ_PREV_CHAR;
			break;
		case KEY_RIGHT:
			req = REQ_NEXT_CHAR;
			break;
		case KEY_HOME:
			req = REQ_BEG_LINE;
			break;
		case KEY_END:
			req = REQ_END_LINE;
			break;
		case KEY_BACKSPACE:
			req = REQ_DEL_PREV;
			break;
		case KEY_DC:
			req = REQ_DEL_CHAR;
			break;
		default:
			return WDG_FORM_UNHANDLED;
		}
	} else if (k->ch == 127 || k->ch == TUI_CTRL('h'))
		req = REQ_DEL_PREV;
	else if (k->ch == TUI_CTRL('u'))
		req = REQ_CLR_FIELD;
	else if (k->ch == TUI_CTRL('a'))
		req = REQ_BEG_LINE;
	else if (k->ch == TUI_CTRL('e'))
		req = REQ_END_LINE;
	else if (k->ch == TUI_CTRL('k'))
		req = REQ_CLR_EOL;
	else if (!iswprint(k->ch))
		return WDG_FORM_UNHANDLED;
	else if (it->type == WDG_F_NUMBER && !iswdigit(k->ch))
		return WDG_FORM_HANDLED;	/* digits only */
	if (f->bulk && it->value == NULL) {
		/* The first edit of an unchanged item starts it empty. */
		if (req == REQ_PREV_CHAR || req == REQ_NEXT_CHAR ||
		    req == REQ_BEG_LINE || req == REQ_END_LINE)
			return WDG_FORM_HANDLED;
		it->value = xstrdup("");
		field_opts_on(it->fld, O_EDIT);
		field_opts_off(it->fld, O_STATIC);
		set_max_field(it->fld, it->type == WDG_F_NUMBER ? 10 :
		    WDG_TEXT_MAX);
		set_field_buffer(it->fld, 0, "");
		form_driver(f->form, REQ_BEG_LINE);
		if (req != 0) {
			f->changed = f->cur;
			return WDG_FORM_HANDLED | WDG_FORM_COMMIT;
		}
	}
	if (req != 0)
		form_driver(f->form, req);
	else
		form_driver_w(f->form, OK, (wchar_t)k->ch);
	return WDG_FORM_HANDLED | WDG_FORM_EDITED;
}

int
wdg_form_key(struct wdg_form *f, const struct tui_key *k)
{
	struct wdg_form_item *it;
	int r, idx;

	if (f->form == NULL || f->cur < 0)
		return WDG_FORM_UNHANDLED;
	it = &f->items[f->cur];
	idx = wdg_form_field_index(f);
	if (tui_key_is(k, '\t') || tui_key_fn(k, KEY_DOWN) ||
	    (tui_key_enter(k) && (wdg_form_item_text(it) ||
	    it->type == WDG_F_PASSWORD))) {
		r = wdg_form_leave(f);
		wdg_form_goto(f, wdg_form_step(f, idx, 1));
		return r | WDG_FORM_HANDLED;
	}
	if (tui_key_fn(k, KEY_BTAB) || tui_key_fn(k, KEY_UP)) {
		r = wdg_form_leave(f);
		wdg_form_goto(f, wdg_form_step(f, idx, -1));
		return r | WDG_FORM_HANDLED;
	}
	if (f->bulk && tui_key_is(k, TUI_CTRL('x'))) {
		/* Back to "unchanged". */
		if (it->value == NULL)
			return WDG_FORM_HANDLED;
		wdg_form_item_set_value(it, NULL);
		it->bits = 0;
		if (it->fld != NULL && (it->type == WDG_F_TEXT ||
		    it->type == WDG_F_NUMBER))
			f->dirty = true;	/* rebuild as read-only */
		return wdg_form_commit(f, it);
	}
	switch (it->type) {
	case WDG_F_CHOICE:
		return wdg_form_key_choice(f, it, k);
	case WDG_F_BOOL:
		return wdg_form_key_bool(f, it, k);
	case WDG_F_SET:
		return wdg_form_key_set(f, it, k);
	case WDG_F_PASSWORD:
		if (!it->reveal)
			return wdg_form_key_secret(f, it, k);
		/* FALLTHROUGH */
	default:
		return wdg_form_key_text(f, it, k);
	}
}

void
wdg_form_reveal(struct wdg_form *f)
{
	struct wdg_form_item *it;

	if (f->cur < 0 || f->items[f->cur].type != WDG_F_PASSWORD)
		return;
	it = &f->items[f->cur];
	/*
	 * Tear the FORM down while the field still shows what this mode
	 * shows: the masked field's stars must never be read as the value.
	 */
	wdg_form_teardown(f);
	if (it->value == NULL)
		it->value = xstrdup("");
	it->reveal = !it->reveal;
	f->dirty = true;
}
