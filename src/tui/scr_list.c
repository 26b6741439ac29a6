/*
 * scr_list.c - the connection list, popconn's home screen: profiles under
 * group headings with address, port, security, the days left on the
 * certificate and the last test result with its age; "/" filters (with a
 * match count; plain words and the terms of store_filter_parse), s cycles
 * the order within each group (name, last result, certificate days left,
 * test age), Space marks, "g" (or Space on a
 * heading) marks a whole group, and the keys that act on the cursor or
 * the marked set: n new (from a preset), Enter/e edit, t test, b bulk edit,
 * d delete, u undo the last bulk change, ? help, q quit.
 *
 * It reads only what is on screen: group counts come from store_groups (or
 * one count per group under a filter) and the rows from store_list_page,
 * one page per redraw that moves, so 100,000 profiles scroll as quickly as
 * ten.  Under a sort other than by name every page would sort the whole
 * listing: the order is read once per reload as row ids (store_list_ids)
 * and each page by id.  Rows are virtual: each group is a heading row followed by its
 * profiles, and a row maps to a position in the store's listing order
 * (group, name), which is also the order of store_groups.
 *
 * Marks are a set of names (case-insensitive), so they survive scrolling,
 * filtering and reloading.
 *
 * The screen's other jobs have their own files (scr_list_int.h names
 * them): the row layout and cache, the sets of names, the actions on the
 * marked set, the help tables.  What stays here, a little over 900 lines,
 * is one piece: drawing the rows, the keys and the filter line.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "popconn/diag.h"
#include "popconn/presets.h"
#include "popconn/str.h"
#include "scr_list_int.h"

static const char *scr_list_filter_text(const struct scr_list *l);

void
scr_list_error(struct tui *t, const char *what, enum pc_err rc, char *cause)
{
	char *s = tui_write_cause(t, rc, cause);

	tui_msg(t, TUI_MSG_ERROR, "%s: %s", what, s);
	free(s);
}

/* ---- drawing --------------------------------------------------------- */

/* How the title names a sort. */
static const char *
scr_list_sort_label(enum store_sort s)
{
	switch (s) {
	case STORE_SORT_RESULT:
		return "result";
	case STORE_SORT_CERT:
		return "cert days";
	case STORE_SORT_AGE:
		return "test age";
	default:
		return "name";
	}
}

struct scr_list_cols {
	int	 name;
	int	 addr;
	int	 port;
	int	 sec;
	int	 cert;
	int	 result;
	int	 x_addr;
	int	 x_port;
	int	 x_sec;
	int	 x_cert;
	int	 x_result;
};

static void
scr_list_columns(int cols, struct scr_list_cols *c)
{
	int avail = cols - 4, extra, more;

	c->port = 5;
	c->sec = 4;
	c->cert = 5;
	c->result = 20;
	c->name = 18;
	/* 5 single-space gaps between the six columns. */
	c->addr = avail - c->name - c->port - c->sec - c->cert - c->result -
	    5;
	extra = c->addr - 19;
	if (extra > 0) {
		/* Wider terminals: the result a little, then name and
		 * address share the rest (2 to 3). */
		c->addr = 19;
		more = extra / 4 > 14 ? 14 : extra / 4;
		c->result += more;
		extra -= more;
		c->name += extra * 2 / 5;
		c->addr += extra - extra * 2 / 5;
	}
	c->x_addr = 3 + c->name + 1;
	c->x_port = c->x_addr + c->addr + 1;
	c->x_sec = c->x_port + c->port + 1;
	c->x_cert = c->x_sec + c->sec + 1;
	c->x_result = c->x_cert + c->cert + 1;
}

/*
 * Whole days left until end (rounded down, as check and report count
 * them: -1 from the day after it ended).
 */
static int64_t
scr_list_days_left(int64_t end, int64_t now)
{
	int64_t d = end - now;

	return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

/* Certificate days left below this are shown as a warning. */
#define SCR_LIST_CERT_WARN_DAYS	30

/* The Cert column: "12d", "-3d" (ended), "-" (unknown), right-aligned. */
static void
scr_list_draw_cert(WINDOW *w, int y, const struct scr_list_cols *c,
    int64_t end, int64_t now)
{
	int64_t d;
	attr_t a;

	if (end == 0) {
		tui_putf(w, y, c->x_cert, c->cert, theme_attr(TUI_R_DIM),
		    "%*s", c->cert, "-");
		return;
	}
	d = scr_list_days_left(end, now);
	a = d < 0 ? theme_attr(TUI_R_ERROR) : d < SCR_LIST_CERT_WARN_DAYS ?
	    theme_attr(TUI_R_WARN) : A_NORMAL;
	if (d > 9999)
		d = 9999;
	tui_putf(w, y, c->x_cert, c->cert, a, "%*lldd", c->cert - 1,
	    (long long)d);
}

static void
scr_list_draw_profile(struct tui *t, struct scr_list *l, WINDOW *w, int y,
    const struct scr_list_row *row, bool cur, const struct scr_list_cols *c)
{
	const struct profile *p = row->p;
	attr_t hl = cur ? theme_attr(TUI_R_CURSOR) : A_NORMAL, base = A_NORMAL;
	attr_t ra;
	char *age, *res;
	const char *sec;
	bool marked;

	(void)t;
	/* The cursor bar covers the mark and the name only: moving it
	 * rewrites two short cells, not two whole lines (bench/tui.sh). */
	tui_fill(w, y, 0, c->x_addr - 1, hl);
	tui_fill(w, y, c->x_addr - 1, getmaxx(w) - c->x_addr + 1, base);
	marked = scr_list_marked(&l->marks, p->name);
	if (marked)
		tui_put(w, y, 1, 1, cur ? hl : theme_attr(TUI_R_MARK),
		    theme_glyph(TUI_G_MARK));
	tui_put(w, y, 3, c->name, hl, p->name);
	cur = false;	/* the rest of the row in its own colours */
	tui_put(w, y, c->x_addr, c->addr, base, p->address != NULL ?
	    p->address : "");
	tui_putf(w, y, c->x_port, c->port, base, "%5d", p->port);
	sec = profile_security_str(p->security);
	if (p->security != PROF_SEC_NONE && p->tls_verify == PROF_VERIFY_OFF)
		/* Certificate checks off: a warning everywhere it shows. */
		tui_putf(w, y, c->x_sec, c->sec, cur ? base :
		    theme_attr(TUI_R_WARN), "%s!", sec);
	else
		tui_put(w, y, c->x_sec, c->sec, base, sec);
	scr_list_draw_cert(w, y, c, row->cert, l->now);
	if (p->last_result == NULL || p->last_tested <= 0) {
		tui_put(w, y, c->x_result, c->result, cur ? base :
		    theme_attr(TUI_R_DIM), "not tested");
		return;
	}
	age = wdg_status_age(p->last_tested);
	if (strlen(age) > 4 && strcmp(age + strlen(age) - 4, " ago") == 0)
		age[strlen(age) - 4] = '\0';
	res = xasprintf("%s %s", p->last_result, age);
	ra = strcmp(p->last_result, "ok") == 0 ? theme_attr(TUI_R_OK) :
	    theme_attr(TUI_R_ERROR);
	tui_put(w, y, c->x_result, c->result, cur ? base : ra, res);
	free(res);
	free(age);
}

static void
scr_list_draw_heading(struct scr_list *l, WINDOW *w, int y, int g, bool cur)
{
	const struct scr_list_group *gr = &l->groups[g];
	attr_t a = cur ? theme_attr(TUI_R_CURSOR) : theme_attr(TUI_R_HEADING);
	char *count;
	int x;

	/* One run of one attribute for glyph, name and count (each change
	 * of attribute costs the terminal bytes on every page); the cursor
	 * bar covers just that text, as it covers a profile's name. */
	count = wdg_status_count(gr->count);
	tui_fill(w, y, 0, getmaxx(w), A_NORMAL);
	x = 1 + tui_put(w, y, 1, 2, a, theme_glyph(gr->folded ?
	    TUI_G_FOLDED : TUI_G_GROUP));
	x += tui_put(w, y, x, 1, a, " ");
	x += tui_put(w, y, x, getmaxx(w) / 2, a, *gr->name != '\0' ?
	    gr->name : "(no group)");
	tui_putf(w, y, x, getmaxx(w) - x - 1, a, " (%s)", count);
	free(count);
}

static void
scr_list_keys(struct scr_list *l, bool heading, bool folded, struct wdg_key *k,
    int *n)
{
	/* At 80 columns two labels are shorter, so that "s sort" fits
	 * beside "/ filter". */
	bool narrow = COLS < 100;
	int i = 0;

	if (l->filtering) {
		k[i++] = (struct wdg_key){ "Enter", "keep filter", false };
		k[i++] = (struct wdg_key){ "Esc", "clear filter", true };
		*n = i;
		return;
	}
	if (l->nrows > 0) {
		if (!heading)
			k[i++] = (struct wdg_key){ "e", "edit", false };
		else
			k[i++] = (struct wdg_key){ "Enter", folded ? "unfold" :
			    "fold", false };
	}
	k[i++] = (struct wdg_key){ "n", "new", false };
	if (l->nrows > 0) {
		k[i++] = (struct wdg_key){ "t", l->marks.n > 0 ?
		    "test marked" : heading ? "test group" : "test", false };
		k[i++] = (struct wdg_key){ "Spc", heading ? "mark group" :
		    "mark", false };
		if (!heading)
			k[i++] = (struct wdg_key){ "g", narrow ?
			    "mark grp" : "mark group", false };
		if (l->marks.n > 0 || heading)
			k[i++] = (struct wdg_key){ "b", "bulk edit", false };
		if (l->marks.n > 0 || !heading)
			k[i++] = (struct wdg_key){ "d", narrow ? "del" :
			    "delete", false };
	}
	k[i++] = (struct wdg_key){ "/", "filter", false };
	if (l->nrows > 0)
		k[i++] = (struct wdg_key){ "s", "sort", false };
	k[i++] = (struct wdg_key){ "u", "undo bulk", false };
	k[i++] = (struct wdg_key){ "^O", "messages", false };
	k[i++] = (struct wdg_key){ "?", "help", true };
	k[i++] = (struct wdg_key){ "q", "quit", true };
	*n = i;
}

static char *
scr_list_hint(struct tui *t, struct scr_list *l)
{
	const struct profile *p = scr_list_cur_profile(t, l);
	int g;
	int diag;
	char *age, *s, *n;

	if (l->nrows == 0)
		return NULL;
	scr_list_pos_of(l, l->cur, &g);
	if (p == NULL && g >= 0) {
		n = wdg_status_count(l->groups[g].count);
		s = xasprintf("group %s: %s profile%s; Space marks them all, "
		    "b edits them, t tests them", *l->groups[g].name ?
		    l->groups[g].name : "(no group)", n,
		    l->groups[g].count == 1 ? "" : "s");
		free(n);
		return s;
	}
	if (p == NULL)
		return NULL;
	/* The row shows address, port and security: the hint adds what it
	 * does not (the user name last, so that moving between untested
	 * profiles rewrites only that). */
	if (p->last_result == NULL || p->last_tested <= 0) {
		struct scr_list_cols c;
		bool cut;

		scr_list_columns(COLS, &c);
		cut = p->address != NULL && tui_width(p->address) > c.addr;
		return xasprintf("not tested yet (t tests it)%s%s%s%s",
		    p->username != NULL && *p->username ? "; user " : "",
		    p->username != NULL ? p->username : "",
		    cut ? "; address " : "", cut ? p->address : "");
	}
	diag = diag_from_key(p->last_result);
	age = wdg_status_age(p->last_tested);
	s = xasprintf("tested %s: %s%s%s", age, p->last_result,
	    diag > 0 ? ": " : "", diag > 0 ? diag_hint((enum diag)diag) : "");
	free(age);
	return s;
}

static void
scr_list_draw(struct tui *t, struct tui_screen *s)
{
	struct scr_list *l = s->priv;
	struct scr_list_cols c;
	struct wdg_key keys[16];
	WINDOW *w = s->win;
	char *left, *right, *total, *match, *hint, *sort;
	int y, i, nkeys, g;
	int64_t r;
	bool heading;

	if (!l->loaded || l->gen != t->gen) {
		scr_list_reload(t, l, t->focus != NULL ? t->focus : NULL);
		free(t->focus);
		t->focus = NULL;
	}
	werase(w);
	l->page = LINES - 4;
	scr_list_scroll(l);
	scr_list_fetch(t, l);

	total = wdg_status_count(l->ntotal);
	sort = l->sort != STORE_SORT_NAME ? xasprintf("by %s | ",
	    scr_list_sort_label(l->sort)) : xstrdup("");
	left = xasprintf("popconn  %s%s", store_path(t->st),
	    store_read_only(t->st) ? " (read-only)" : "");
	if (l->filter != NULL) {
		match = wdg_status_count(l->nmatch);
		right = xasprintf("%sfilter \"%s\": %s of %s%s", sort,
		    l->filter, match, total, l->marks.n > 0 ? " | marked " :
		    "");
		free(match);
	} else
		right = xasprintf("%s%s profile%s%s", sort, total,
		    l->ntotal == 1 ? "" : "s", l->marks.n > 0 ? " | marked " :
		    "");
	if (l->marks.n > 0) {
		char *m = wdg_status_count((int64_t)l->marks.n), *both;

		both = xasprintf("%s%s", right, m);
		free(right);
		free(m);
		right = both;
	}
	wdg_status_title(w, left, right);
	free(left);
	free(right);
	free(total);
	free(sort);

	scr_list_columns(COLS, &c);
	tui_fill(w, 1, 0, COLS, A_NORMAL);
	tui_put(w, 1, 3, c.name, theme_attr(TUI_R_COLHEAD), "Name");
	tui_put(w, 1, c.x_addr, c.addr, theme_attr(TUI_R_COLHEAD), "Address");
	tui_put(w, 1, c.x_port, c.port, theme_attr(TUI_R_COLHEAD), " Port");
	tui_put(w, 1, c.x_sec, c.sec, theme_attr(TUI_R_COLHEAD), "Sec");
	tui_putf(w, 1, c.x_cert, c.cert, theme_attr(TUI_R_COLHEAD), "%*s",
	    c.cert, "Cert");
	tui_put(w, 1, c.x_result, c.result, theme_attr(TUI_R_COLHEAD),
	    "Last test");

	y = 2;
	if (l->err != NULL) {
		tui_put(w, y + 1, 3, COLS - 6, theme_attr(TUI_R_ERROR), l->err);
	} else if (l->nrows == 0 && l->filter == NULL) {
		tui_put(w, y + 1, 3, COLS - 6, A_NORMAL,
		    "No connection profiles yet.");
		tui_put(w, y + 3, 3, COLS - 6, A_NORMAL,
		    "Press n to create one: presets fill in the server "
		    "settings of well-known");
		tui_put(w, y + 4, 3, COLS - 6, A_NORMAL,
		    "providers (Gmail, Office 365, ...).  Press ? for help.");
	} else if (l->nrows == 0) {
		tui_putf(w, y + 1, 3, COLS - 6, A_NORMAL,
		    "No profile matches \"%s\".  Esc clears the filter.",
		    l->filter);
	}
	for (i = 0; i < l->ncache && y + i < LINES - 2; i++) {
		r = l->cache_top + i;
		g = l->cache[i].group;
		if (l->cache[i].p != NULL)
			scr_list_draw_profile(t, l, w, y + i, &l->cache[i],
			    r == l->cur, &c);
		else if (g >= 0)
			scr_list_draw_heading(l, w, y + i, g, r == l->cur);
	}

	if (l->filtering) {
		match = wdg_status_count(l->nmatch);
		tui_fill(w, LINES - 2, 0, COLS, A_NORMAL);
		if (l->typed != NULL)
			tui_putf(w, LINES - 2, COLS - 22, 21,
			    theme_attr(TUI_R_DIM), "%21s", "filtering...");
		else
			tui_putf(w, LINES - 2, COLS - 22, 21,
			    theme_attr(TUI_R_DIM), "%15s match", match);
		tui_put(w, LINES - 2, 1, 1, theme_attr(TUI_R_KEY), "/");
		tui_put(w, LINES - 2, 3, COLS - 27, A_NORMAL,
		    scr_list_filter_text(l));
		free(match);
	} else {
		hint = scr_list_hint(t, l);
		wdg_status_draw(t, w, LINES - 2, hint);
		free(hint);
	}
	heading = l->nrows > 0 && scr_list_cur_profile(t, l) == NULL;
	scr_list_pos_of(l, l->cur, &g);
	scr_list_keys(l, heading, heading && g >= 0 && l->groups[g].folded,
	    keys, &nkeys);
	wdg_status_keybar(w, LINES - 1, keys, nkeys);
}

static bool
scr_list_cursor(struct tui *t, struct tui_screen *s)
{
	struct scr_list *l = s->priv;

	(void)t;
	if (!l->filtering)
		return false;
	wmove(s->win, LINES - 2, 3 + tui_width(scr_list_filter_text(l)));
	wnoutrefresh(s->win);
	return true;
}

/* ---- actions --------------------------------------------------------- */

static void
scr_list_set_filter(struct tui *t, struct scr_list *l, const char *text)
{
	free(l->filter);
	l->filter = text != NULL && *text != '\0' ? xstrdup(text) : NULL;
	free(l->typed);
	l->typed = NULL;
	/* A new filter starts on its first match. */
	l->cur = 1;
	l->top = 0;
	scr_list_reload(t, l, NULL);
}

/*
 * While the filter is typed, apply it once typing pauses: with 100,000
 * profiles a filter costs a scan, and keys must not wait for it.
 */
#define SCR_LIST_FILTER_DELAY_MS 250

static void
scr_list_type_filter(struct tui *t, struct scr_list *l, const char *text)
{
	xstr_replace(&l->typed, text);
	t->wake_at = tui_now_ms() + SCR_LIST_FILTER_DELAY_MS;
}

/* The filter text on the filter line: typed, else applied. */
static const char *
scr_list_filter_text(const struct scr_list *l)
{
	if (l->typed != NULL)
		return l->typed;
	return l->filter != NULL ? l->filter : "";
}

/* Group of the cursor's row (heading or profile); NULL when none. */
const char *
scr_list_cur_group(struct scr_list *l)
{
	int g;

	scr_list_pos_of(l, l->cur, &g);
	return g >= 0 ? l->groups[g].name : NULL;
}

static void
scr_list_mark_group(struct tui *t, struct scr_list *l)
{
	struct store_filter f = { .group = NULL };
	struct store_list sl = { NULL, 0, NULL, NULL };
	char *cause = NULL, *n;
	enum pc_err rc;
	int g, i, already = 0;

	scr_list_pos_of(l, l->cur, &g);
	if (g < 0)
		return;
	f = scr_list_filter(l, l->groups[g].name);
	rc = store_list_page(t->st, &f, 0, (int)l->groups[g].count, &sl,
	    &cause);
	if (rc) {
		scr_list_error(t, "cannot read the group", rc, cause);
		return;
	}
	for (i = 0; i < sl.n; i++)
		if (scr_list_marked(&l->marks, sl.v[i]->name))
			already++;
	for (i = 0; i < sl.n; i++) {
		if (already == sl.n)
			scr_list_marks_del(&l->marks, sl.v[i]->name);
		else
			scr_list_marks_add(&l->marks, sl.v[i]->name);
	}
	n = wdg_status_count(sl.n);
	tui_msg(t, TUI_MSG_INFO, "%s %s profile%s of group %s", already ==
	    sl.n ? "unmarked" : "marked", n, sl.n == 1 ? "" : "s",
	    *l->groups[g].name ? l->groups[g].name : "(no group)");
	free(n);
	store_list_cleanup(&sl);
}

static void
scr_list_preset_cb(struct tui *t, void *arg, int choice)
{
	struct scr_list *l = arg;
	const struct preset *ps = NULL;
	struct profile *p;
	const char *grp;
	char *cause = NULL;
	int n;

	if (choice < 0)
		return;
	p = profile_new();
	if (choice > 0) {
		ps = presets_all(&n);
		if (choice - 1 >= n) {
			profile_free(p);
			return;
		}
		ps += choice - 1;
		if (presets_apply(ps, p, &cause) != PC_OK) {
			tui_msg(t, TUI_MSG_WARN, "%s", cause != NULL ? cause :
			    "this preset cannot be used");
			free(cause);
			profile_free(p);
			return;
		}
	}
	/* A new profile joins the group the cursor is in. */
	grp = scr_list_cur_group(l);
	if (grp != NULL && *grp != '\0')
		profile_field_set(p, "group", grp, NULL);
	scr_edit_enter(t, p);
	/* What the preset's data says beside the settings (as the CLI). */
	if (choice > 0 && ps->note != NULL && ps->note[0] != '\0')
		tui_msg(t, TUI_MSG_WARN, "%s: %s", ps->label, ps->note);
}

static void
scr_list_new(struct tui *t, struct scr_list *l)
{
	const struct preset *ps;
	const char **labels;
	char **descs;
	int n, i;

	ps = presets_all(&n);
	labels = xcalloc((size_t)n + 1, sizeof *labels);
	descs = xcalloc((size_t)n + 1, sizeof *descs);
	labels[0] = "Blank profile";
	descs[0] = xstrdup("every field yourself");
	for (i = 0; i < n; i++) {
		labels[i + 1] = ps[i].label;
		descs[i + 1] = ps[i].address != NULL ? xasprintf("%-21s %3d %s",
		    ps[i].address, ps[i].port, profile_security_str(
		    ps[i].security)) : xstrdup("no POP3 (IMAP only)");
	}
	wdg_menu_open(t, "New profile: start from", labels,
	    (const char *const *)descs, n + 1, 0, scr_list_preset_cb, l);
	for (i = 0; i <= n; i++)
		free(descs[i]);
	free(labels);
	free(descs);
}

static void
scr_list_edit(struct tui *t, struct scr_list *l)
{
	const struct profile *cp = scr_list_cur_profile(t, l);
	struct profile *p = NULL;
	char *cause = NULL;
	enum pc_err rc;

	if (cp == NULL) {
		tui_msg(t, TUI_MSG_INFO, "move to a profile to edit it");
		return;
	}
	rc = store_get(t->st, cp->name, &p, &cause);
	if (rc) {
		scr_list_error(t, "cannot open the profile", rc, cause);
		tui_changed(t);
		return;
	}
	scr_edit_enter(t, p);
}


static int
scr_list_filter_key(struct tui *t, struct scr_list *l,
    const struct tui_key *k)
{
	char *s, mb[MB_LEN_MAX + 1];
	const char *cur = scr_list_filter_text(l);
	mbstate_t mbs;
	size_t len, n;

	if (tui_key_cancel(k)) {
		l->filtering = false;
		scr_list_set_filter(t, l, NULL);
		return TUI_REDRAW;
	}
	if (tui_key_enter(k)) {
		l->filtering = false;
		if (l->typed != NULL) {
			s = xstrdup(l->typed);
			scr_list_set_filter(t, l, s);
			free(s);
		}
		if (l->filter != NULL) {
			s = wdg_status_count(l->nmatch);
			tui_msg(t, TUI_MSG_INFO, "%s profile%s match \"%s\"", s,
			    l->nmatch == 1 ? "" : "s", l->filter);
			free(s);
		}
		return TUI_REDRAW;
	}
	len = strlen(cur);
	if (tui_key_fn(k, KEY_BACKSPACE) || tui_key_is(k, 127) ||
	    tui_key_is(k, TUI_CTRL('h'))) {
		if (len == 0)
			return TUI_NONE;
		s = xstrdup(cur);
		while (len > 0 && ((unsigned char)s[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		s[len] = '\0';
		scr_list_type_filter(t, l, s);
		free(s);
		return TUI_REDRAW;
	}
	if (tui_key_is(k, TUI_CTRL('u'))) {
		scr_list_type_filter(t, l, "");
		return TUI_REDRAW;
	}
	if (k->fn) {
		/* Moving keys end the typing (applying it) and move. */
		l->filtering = false;
		if (l->typed != NULL) {
			s = xstrdup(l->typed);
			scr_list_set_filter(t, l, s);
			free(s);
		}
		return TUI_UNHANDLED;
	}
	if (!iswprint(k->ch) || len > 200)
		return TUI_NONE;
	memset(&mbs, 0, sizeof mbs);
	n = wcrtomb(mb, (wchar_t)k->ch, &mbs);
	if (n == (size_t)-1)
		return TUI_NONE;
	mb[n] = '\0';
	s = xasprintf("%s%s", cur, mb);
	scr_list_type_filter(t, l, s);
	free(s);
	return TUI_REDRAW;
}

/*
 * Fold (how 1), unfold (0) or toggle (-1) the group of the cursor; the
 * cursor goes to its heading.  Only the row layout changes: no query.
 * Folded groups are kept by name across reloads and filters.
 */
static void
scr_list_fold(struct scr_list *l, int how)
{
	struct scr_list_group *gr;
	int64_t row = 0;
	int g;
	bool want;

	scr_list_pos_of(l, l->cur, &g);
	if (g < 0)
		return;
	gr = &l->groups[g];
	want = how < 0 ? !gr->folded : how == 1;
	l->cur = gr->row;
	if (want == gr->folded)
		return;
	if (want)
		scr_list_marks_add(&l->folded, gr->name);
	else
		scr_list_marks_del(&l->folded, gr->name);
	gr->folded = want;
	for (g = 0; g < l->ngroups; g++) {
		l->groups[g].row = row;
		row += 1 + (l->groups[g].folded ? 0 : l->groups[g].count);
	}
	l->nrows = row;
	l->cur = gr->row;
	scr_list_cache_drop(l);
}

/*
 * s: the next order within each group (name, last result, certificate
 * days left, age of the last test); the cursor stays on its profile.
 */
static void
scr_list_sort(struct tui *t, struct scr_list *l)
{
	const struct profile *p = scr_list_cur_profile(t, l);
	char *keep = p != NULL ? xstrdup(p->name) : NULL;

	l->keep_id = p != NULL ? p->id : 0;
	l->sort = (enum store_sort)((l->sort + 1) % STORE_SORT_N);
	scr_list_reload(t, l, keep);
	free(keep);
	tui_msg(t, TUI_MSG_INFO, "sorted by %s within each group%s",
	    scr_list_sort_label(l->sort), l->sort == STORE_SORT_RESULT ?
	    " (failed first)" : l->sort == STORE_SORT_CERT ? " (soonest "
	    "first)" : l->sort == STORE_SORT_AGE ? " (oldest first)" : "");
}

static int
scr_list_move(struct scr_list *l, const struct tui_key *k)
{
	if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j') ||
	    tui_key_is(k, TUI_CTRL('n')))
		l->cur++;
	else if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k') ||
	    tui_key_is(k, TUI_CTRL('p')))
		l->cur--;
	else if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, TUI_CTRL('f')) ||
	    tui_key_is(k, TUI_CTRL('d')))
		l->cur += l->page - 1;
	else if (tui_key_fn(k, KEY_PPAGE) || tui_key_is(k, TUI_CTRL('b')) ||
	    tui_key_is(k, TUI_CTRL('u')))
		l->cur -= l->page - 1;
	else if (tui_key_fn(k, KEY_HOME) || tui_key_is(k, '<'))
		l->cur = 0;
	else if (tui_key_fn(k, KEY_END) || tui_key_is(k, '>'))
		l->cur = l->nrows - 1;
	else
		return TUI_UNHANDLED;
	if (l->cur >= l->nrows)
		l->cur = l->nrows - 1;
	if (l->cur < 0)
		l->cur = 0;
	return TUI_REDRAW;
}

static int
scr_list_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct scr_list *l = s->priv;
	const struct profile *cp;
	int fl;

	if (l->filtering) {
		fl = scr_list_filter_key(t, l, k);
		if (!(fl & TUI_UNHANDLED))
			return fl;
	}
	tui_msg_clear(t);
	fl = scr_list_move(l, k);
	if (fl != TUI_UNHANDLED)
		return fl;
	if (l->nrows > 0 && (tui_key_fn(k, KEY_LEFT) || tui_key_is(k, 'h'))) {
		scr_list_fold(l, 1);
		return TUI_REDRAW;
	}
	if (l->nrows > 0 && (tui_key_fn(k, KEY_RIGHT) || tui_key_is(k, 'l'))) {
		scr_list_fold(l, 0);
		return TUI_REDRAW;
	}
	if (tui_key_enter(k)) {
		if (l->nrows > 0 && scr_list_cur_profile(t, l) == NULL)
			scr_list_fold(l, -1);
		else
			scr_list_edit(t, l);
		return TUI_REDRAW;
	}
	if (k->fn)
		return TUI_NONE;
	cp = scr_list_cur_profile(t, l);
	switch (k->ch) {
	case 'q':
		return TUI_QUIT;
	case TUI_CTRL('c'):
		return TUI_QUIT;
	case TUI_ESC:
		if (l->filter != NULL)
			scr_list_set_filter(t, l, NULL);
		else if (l->marks.n > 0) {
			scr_list_marks_clear(&l->marks);
			tui_msg(t, TUI_MSG_INFO, "marks cleared");
		}
		break;
	case '/':
		l->filtering = true;
		break;
	case ' ':
		if (cp == NULL) {
			scr_list_mark_group(t, l);
			break;
		}
		if (scr_list_marked(&l->marks, cp->name))
			scr_list_marks_del(&l->marks, cp->name);
		else
			scr_list_marks_add(&l->marks, cp->name);
		if (l->cur < l->nrows - 1)
			l->cur++;
		break;
	case 'g':
		scr_list_mark_group(t, l);
		break;
	case 'n':
		scr_list_new(t, l);
		break;
	case 'e':
		scr_list_edit(t, l);
		break;
	case 't':
		scr_list_test(t, l);
		break;
	case 'b':
		scr_list_bulk(t, l);
		break;
	case 'd':
		scr_list_delete(t, l);
		break;
	case 'u':
		scr_list_undo(t, l);
		break;
	case 's':
		scr_list_sort(t, l);
		break;
	case '?':
		scr_list_help(t, "list");
		break;
	case TUI_CTRL('l'):
		clearok(curscr, TRUE);
		break;
	default:
		return TUI_NONE;
	}
	return TUI_REDRAW;
}

/*
 * Other programs (the CLI, a second popconn) change the database too: look
 * again now and then while the list is idle on top.  It costs one query
 * for the groups and one for the rows on screen.
 */
static int
scr_list_tick(struct tui *t, struct tui_screen *s)
{
	struct scr_list *l = s->priv;
	const struct profile *p;
	char *keep = NULL;

	if (l->typed != NULL) {
		keep = xstrdup(l->typed);
		scr_list_set_filter(t, l, keep);
		free(keep);
		return TUI_REDRAW;
	}
	if (l->filtering || l->reload_ms > SCR_LIST_TICK_MAX_MS)
		return TUI_NONE;
	p = scr_list_cur_profile(t, l);
	if (p != NULL) {
		keep = xstrdup(p->name);
		l->keep_id = p->id;
	}
	scr_list_reload(t, l, keep);
	free(keep);
	return TUI_REDRAW;
}

static void
scr_list_resize(struct tui *t, struct tui_screen *s)
{
	struct scr_list *l = s->priv;

	(void)t;
	scr_list_cache_drop(l);
}

static void
scr_list_free(struct tui *t, struct tui_screen *s)
{
	struct scr_list *l = s->priv;

	(void)t;
	scr_list_cache_drop(l);
	scr_list_groups_free(l);
	store_list_cleanup(&l->all);
	free(l->ids);
	scr_list_marks_clear(&l->marks);
	scr_list_marks_clear(&l->folded);
	scr_list_split_free(l);
	free(l->filter);
	free(l->typed);
	free(l->err);
	free(l);
	tui_screen_window_free(s);
}

static const struct tui_screen_ops scr_list_ops = {
	.name = "list",
	.draw = scr_list_draw,
	.key = scr_list_key,
	.resize = scr_list_resize,
	.free = scr_list_free,
	.cursor = scr_list_cursor,
	.tick = scr_list_tick,
};

void
scr_list_enter(struct tui *t)
{
	struct scr_list *l;
	struct tui_screen *s;

	l = xcalloc(1, sizeof *l);
	l->cache_top = -1;
	s = tui_push(t, &scr_list_ops, l);
	if (s == NULL)
		return;
	l->s = s;
	tui_screen_window(s);
}
