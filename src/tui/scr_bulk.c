/*
 * scr_bulk.c - editing many profiles at once (group edit).
 *
 * Bulk edit: a form of every field but the name, each starting
 * "(unchanged)"; the user sets the fields to change; ^S shows a preview of
 * every profile and field that will change (store_bulk_set with dry_run),
 * and "y" applies it as one transaction.  The list's "u" undoes it
 * (store_bulk_undo).  The group test of many profiles is scr_gtest.c.
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

struct scr_bulk {
	struct tui_screen *s;
	char		*group;		/* NULL when names are given */
	char		**names;
	int		 nnames;
	int64_t		 count;		/* profiles acted on */
	struct wdg_form	*form;
	const struct prof_field *fields;
	int		*fmap;		/* item -> fields[] index */
	int		 n;
};

static char *
scr_bulk_target(const struct scr_bulk *b)
{
	char *n = wdg_status_count(b->count), *s;

	if (b->group != NULL)
		s = xasprintf("group %s (%s profile%s)", *b->group ? b->group :
		    "(no group)", n, b->count == 1 ? "" : "s");
	else
		s = xasprintf("%s marked profile%s", n, b->count == 1 ? "" :
		    "s");
	free(n);
	return s;
}

static void
scr_bulk_draw(struct tui *t, struct tui_screen *s)
{
	struct scr_bulk *b = s->priv;
	struct wdg_key keys[10];
	WINDOW *w = s->win;
	char *title, *target;
	int i, cur, box, n = 0, nchanged = 0;
	const char *help = NULL;
	char *hint = NULL;

	werase(w);
	target = scr_bulk_target(b);
	title = xasprintf("Bulk edit: %s", target);
	for (i = 0; i < b->n; i++)
		if (wdg_form_get(b->form, i) != NULL)
			nchanged++;
	{
		char *right = xasprintf("%d field%s to change", nchanged,
		    nchanged == 1 ? "" : "s");

		wdg_status_title(w, title, right);
		free(right);
	}
	free(title);
	free(target);
	prof_form_tabbar(w, wdg_form_page(b->form), NULL);
	wdg_form_place(b->form, 3, LINES - 5);
	cur = wdg_form_current(b->form, &box);
	if (cur >= 0) {
		help = b->fields[b->fmap[cur]].help;
		hint = prof_form_box_hint(box);
	}
	wdg_status_draw(t, w, LINES - 2, hint != NULL ? hint : help);
	free(hint);
	keys[n++] = (struct wdg_key){ "^S", "preview", true };
	keys[n++] = (struct wdg_key){ "^X", "unchanged", false };
	if (cur >= 0 && wdg_form_type(b->form, cur) == WDG_F_PASSWORD)
		keys[n++] = (struct wdg_key){ "^R", "reveal", false };
	keys[n++] = (struct wdg_key){ "Tab", "field", false };
	keys[n++] = (struct wdg_key){ "^N/^P", "tab", false };
	keys[n++] = (struct wdg_key){ "^G", "help", true };
	keys[n++] = (struct wdg_key){ "Esc", "cancel", true };
	wdg_status_keybar(w, LINES - 1, keys, n);
	wdg_form_draw(b->form);
}

static bool
scr_bulk_cursor(struct tui *t, struct tui_screen *s)
{
	struct scr_bulk *b = s->priv;

	(void)t;
	wdg_form_cursor(b->form);
	return wdg_form_typing(b->form);
}

/* The assignments of the changed items.  Values borrowed from the form. */
static struct store_assign *
scr_bulk_assign(struct scr_bulk *b, int *n)
{
	struct store_assign *a;
	const char *v;
	int i, k = 0;

	wdg_form_sync(b->form);
	a = xcalloc((size_t)b->n + 1, sizeof *a);
	for (i = 0; i < b->n; i++) {
		v = wdg_form_get(b->form, i);
		if (v == NULL)
			continue;
		a[k].key = b->fields[b->fmap[i]].key;
		/* SET values live in a scratch buffer: copy them all. */
		a[k].value = xstrdup(v);
		k++;
	}
	*n = k;
	return a;
}

static void
scr_bulk_assign_free(struct store_assign *a, int n)
{
	int i;

	for (i = 0; i < n; i++)
		xfree_secret((char *)(uintptr_t)a[i].value);
	free(a);
}

static enum pc_err
scr_bulk_run(struct tui *t, struct scr_bulk *b, bool dry,
    struct store_changes *ch, char **cause)
{
	struct store_assign *a;
	enum pc_err rc;
	int n;

	a = scr_bulk_assign(b, &n);
	if (n == 0) {
		scr_bulk_assign_free(a, n);
		*cause = xstrdup("nothing to change: set at least one field "
		    "(they all start unchanged)");
		return PC_E_INVALID;
	}
	rc = store_bulk_set(t->st, b->group, (const char *const *)b->names,
	    b->group != NULL ? 0 : b->nnames, a, n, dry, ch, cause);
	scr_bulk_assign_free(a, n);
	return rc;
}

static bool
scr_bulk_apply_cb(struct tui *t, void *arg, wint_t key)
{
	struct scr_bulk *b = arg;
	struct store_changes ch;
	char *cause = NULL, *cnt;
	enum pc_err rc;

	if (key != 'y')
		return false;
	memset(&ch, 0, sizeof ch);
	rc = scr_bulk_run(t, b, false, &ch, &cause);
	if (rc) {
		cause = tui_write_cause(t, rc, cause);
		tui_msg(t, TUI_MSG_ERROR, "nothing changed: %s", cause);
		free(cause);
		store_changes_cleanup(&ch);
		return true;
	}
	free(cause);
	cnt = wdg_status_count(ch.nprofiles);
	tui_msg(t, TUI_MSG_OK, "bulk change applied to %s profile%s (u in "
	    "the list undoes it)", cnt, ch.nprofiles == 1 ? "" : "s");
	free(cnt);
	store_changes_cleanup(&ch);
	tui_changed(t);
	tui_close(t, b->s);
	return true;
}

static void
scr_bulk_preview(struct tui *t, struct scr_bulk *b)
{
	static const struct wdg_key apply_keys[] = {
		{ "y", "apply all", true },
	};
	struct store_changes ch;
	const char *prev = NULL;
	char **lines = NULL, *cause = NULL, *cnt, *target, *title;
	enum pc_err rc;
	int n = 0, i, cap;

	memset(&ch, 0, sizeof ch);
	rc = scr_bulk_run(t, b, true, &ch, &cause);
	if (rc && rc != PC_E_INVALID) {
		tui_msg(t, TUI_MSG_ERROR, "%s", cause != NULL ? cause :
		    pc_err_str(rc));
		free(cause);
		store_changes_cleanup(&ch);
		return;
	}
	if (rc == PC_E_INVALID && ch.nerrors == 0) {
		tui_msg(t, TUI_MSG_ERROR, "%s", cause != NULL ? cause :
		    pc_err_str(rc));
		free(cause);
		store_changes_cleanup(&ch);
		return;
	}
	cap = ch.n * 2 + ch.nerrors + 8;
	lines = xcalloc((size_t)cap, sizeof *lines);
	target = scr_bulk_target(b);
	cnt = wdg_status_count(ch.nprofiles);
	if (rc == PC_E_INVALID) {
		lines[n++] = wdg_menu_view_line(TUI_R_ERROR, "This change "
		    "cannot be applied; nothing was written:");
		lines[n++] = xstrdup("");
		for (i = 0; i < ch.nerrors; i++)
			lines[n++] = wdg_menu_view_line(TUI_R_ERROR, "  %s",
			    ch.errors[i]);
		lines[n++] = xstrdup("");
		lines[n++] = xstrdup("Esc goes back to the form.");
	} else if (ch.nprofiles == 0) {
		lines[n++] = xasprintf("No profile would change: they already "
		    "hold these values.");
	} else {
		lines[n++] = wdg_menu_view_line(TUI_R_HEADING, "%s profile%s "
		    "will change (%d field change%s).  y applies it all as one "
		    "transaction; Esc goes back.", cnt, ch.nprofiles == 1 ?
		    "" : "s", ch.n, ch.n == 1 ? "" : "s");
		lines[n++] = xstrdup("");
		for (i = 0; i < ch.n; i++) {
			if (prev == NULL || strcmp(prev, ch.v[i].profile) != 0)
				lines[n++] = wdg_menu_view_line(TUI_R_HEADING,
				    "%s", ch.v[i].profile);
			prev = ch.v[i].profile;
			lines[n++] = xasprintf("    %-16s %s %s %s",
			    ch.v[i].field, *ch.v[i].old_value ?
			    ch.v[i].old_value : "(empty)",
			    theme_glyph(TUI_G_ARROW), *ch.v[i].new_value ?
			    ch.v[i].new_value : "(empty)");
		}
	}
	title = xasprintf("Bulk edit preview: %s", target);
	wdg_menu_view_open(t, title, lines, n,
	    rc == PC_OK && ch.nprofiles > 0 ? apply_keys : NULL,
	    rc == PC_OK && ch.nprofiles > 0 ? 1 : 0, scr_bulk_apply_cb, b);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(cnt);
	free(target);
	free(title);
	free(cause);
	store_changes_cleanup(&ch);
}

static void
scr_bulk_menu_cb(struct tui *t, void *arg, int choice)
{
	struct scr_bulk *b = arg;
	int i;

	(void)t;
	i = wdg_form_current(b->form, NULL);
	if (choice < 0 || i < 0)
		return;
	wdg_form_set(b->form, i, b->fields[b->fmap[i]].choices[choice]);
}

static void
scr_bulk_leave_cb(struct tui *t, void *arg, int key)
{
	struct scr_bulk *b = arg;

	if (key == 'd')
		tui_close(t, b->s);
}

static int
scr_bulk_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct scr_bulk *b = s->priv;
	const struct prof_field *f;
	int r, page, i, n;

	tui_msg_clear(t);
	page = wdg_form_page(b->form);
	if (tui_key_cancel(k)) {
		wdg_form_sync(b->form);
		if (!wdg_form_any_changed(b->form))
			return TUI_CLOSE;
		wdg_menu_confirm_open(t, "Bulk edit", "Leave without changing "
		    "any profile?", "n:Stay|d:Leave", scr_bulk_leave_cb, b);
		return TUI_REDRAW;
	}
	if (tui_key_is(k, TUI_CTRL('s')) || tui_key_fn(k, KEY_F(2))) {
		scr_bulk_preview(t, b);
		return TUI_REDRAW;
	}
	if (tui_key_is(k, TUI_CTRL('g')) || tui_key_fn(k, KEY_F(1))) {
		scr_list_help(t, "bulk");
		return TUI_REDRAW;
	}
	if (tui_key_is(k, TUI_CTRL('r'))) {
		wdg_form_reveal(b->form);
		return TUI_REDRAW;
	}
	page = prof_form_tab_key(k, page);
	if (page >= 0) {
		wdg_form_set_page(b->form, page);
		return TUI_REDRAW;
	}
	r = wdg_form_key(b->form, k);
	if (r & WDG_FORM_MENU) {
		i = wdg_form_current(b->form, NULL);
		f = &b->fields[b->fmap[i]];
		for (n = 0; f->choices[n] != NULL; n++)
			;
		wdg_menu_open(t, f->label, f->choice_labels != NULL ?
		    f->choice_labels : f->choices, NULL, n, 0,
		    scr_bulk_menu_cb, b);
	}
	return r == WDG_FORM_UNHANDLED ? TUI_NONE : TUI_REDRAW;
}

static void
scr_bulk_resize(struct tui *t, struct tui_screen *s)
{
	struct scr_bulk *b = s->priv;

	(void)t;
	wdg_form_unpost(b->form);
}

static void
scr_bulk_free(struct tui *t, struct tui_screen *s)
{
	struct scr_bulk *b = s->priv;
	int i;

	(void)t;
	wdg_form_free(b->form);
	tui_screen_window_free(s);
	for (i = 0; i < b->nnames; i++)
		free(b->names[i]);
	free(b->names);
	free(b->group);
	free(b->fmap);
	free(b);
}

static bool
scr_bulk_unsaved(struct tui *t, struct tui_screen *s)
{
	struct scr_bulk *b = s->priv;

	(void)t;
	return wdg_form_any_changed(b->form);
}

static const struct tui_screen_ops scr_bulk_ops = {
	.name = "bulk",
	.draw = scr_bulk_draw,
	.key = scr_bulk_key,
	.resize = scr_bulk_resize,
	.free = scr_bulk_free,
	.cursor = scr_bulk_cursor,
	.unsaved = scr_bulk_unsaved,
};

void
scr_bulk_enter(struct tui *t, const char *group, char *const *names, int n)
{
	struct scr_bulk *b;
	struct tui_screen *s;
	const struct prof_field *f;
	char *cause = NULL;
	int i, nf, k;

	b = xcalloc(1, sizeof *b);
	if (names == NULL) {
		b->group = xstrdup(group != NULL ? group : "");
		if (store_count(t->st, b->group, &b->count, &cause) != PC_OK) {
			tui_msg(t, TUI_MSG_ERROR, "%s", cause != NULL ? cause :
			    "cannot count the group");
			free(cause);
			free(b->group);
			free(b);
			return;
		}
	} else {
		b->names = xcalloc(n > 0 ? (size_t)n : 1, sizeof *b->names);
		for (i = 0; i < n; i++)
			b->names[i] = xstrdup(names[i]);
		b->nnames = n;
		b->count = n;
	}
	b->fields = profile_fields(&nf);
	b->fmap = xcalloc((size_t)nf, sizeof *b->fmap);
	b->form = wdg_form_new(true);
	for (i = 0; i < nf; i++) {
		f = &b->fields[i];
		if (strcmp(f->key, "name") == 0)
			continue;	/* names are unique: never bulk-set */
		k = prof_form_add(b->form, f);
		b->fmap[k] = i;
		if (f->type == PROF_F_SET)
			wdg_form_set_unavailable(b->form, k,
			    ~profile_tls_available() & PROF_TLS_ALL);
	}
	b->n = wdg_form_count(b->form);
	wdg_form_set_page(b->form, 0);
	s = tui_push(t, &scr_bulk_ops, b);
	if (s == NULL)
		return;
	b->s = s;
	tui_screen_window(s);
}
