/*
 * scr_edit.c - the profile editor: the four tabs of the seed page (Common,
 * Connection, Authentication, Proxy) built from the model's field table on
 * the form engine.
 *
 * Each value the user commits (leaving a field, changing a choice) goes
 * through profile_field_set on a working copy, so the model applies its
 * rules: the port follows security on a new profile (the port rule), a
 * typed port is never moved.  After every commit the editor recomputes
 * which fields apply (hidden otherwise), pushes back values the model
 * changed, and validates: a field that does not parse, or that
 * profile_validate names, is highlighted with its message once the user
 * has touched it or tried to save.  Save (^S) is refused while anything is
 * invalid; a save over someone else's newer change is caught by the store
 * (PC_E_CONFLICT) and the user chooses: keep mine, take theirs, or cancel.
 * ^T tests the values on screen, saved or not.
 */
#include <stdlib.h>
#include <string.h>

#include "popconn/codepage.h"
#include "tui_int.h"

struct scr_edit {
	struct tui_screen *s;
	struct profile	*orig;		/* as saved (or as created) */
	struct profile	*work;		/* the values on screen */
	struct wdg_form	*form;
	const struct prof_field *fields;	/* item i is fields[i] */
	int		 n;
	char		**perr;		/* value that did not parse, per item */
	bool		*touched;
	bool		 save_tried;
	bool		 close_after_save;
	int		 bad_shown[PROF_FORM_TABS];
	int		 nbad;		/* invalid fields (shown or not) */
	char		*note;		/* what the last commit did by itself */
	bool		 note_warn;
};

/* The value of item i in the working profile, text form.  Caller frees. */
static char *
scr_edit_model_value(const struct scr_edit *e, int i)
{
	const char *s;

	if (e->fields[i].type == PROF_F_SECRET) {
		s = profile_secret_get(e->work, e->fields[i].key);
		return xstrdup(s != NULL ? s : "");
	}
	return profile_field_get(e->work, e->fields[i].key);
}

static void
scr_edit_free_value(const struct scr_edit *e, int i, char *v)
{
	if (e->fields[i].type == PROF_F_SECRET)
		xfree_secret(v);
	else
		free(v);
}

/*
 * The label beside the codepage field, for what the field says (a number
 * or a name, as codepage_parse reads it): while it is typed, not only
 * once it is left.
 */
static void
scr_edit_cp_note(struct scr_edit *e, int i, const char *text)
{
	const struct codepage *cp = NULL;
	int number;

	if (text != NULL && codepage_parse(text, &number) == PC_OK)
		cp = codepage_by_number(number);
	wdg_form_set_note(e->form, i, cp != NULL ? cp->label :
	    text != NULL && *text != '\0' ? "unknown code page" : NULL);
}

/* Show the model's values in every item that does not hold a bad value. */
static void
scr_edit_push_values(struct scr_edit *e)
{
	const struct codepage *cp;
	const char *shown;
	char *v, *note;
	int i;

	for (i = 0; i < e->n; i++) {
		if (e->perr[i] != NULL)
			continue;
		v = scr_edit_model_value(e, i);
		shown = wdg_form_get(e->form, i);
		if (shown == NULL || strcmp(shown, v) != 0)
			wdg_form_set(e->form, i, v);
		scr_edit_free_value(e, i, v);
	}
	i = wdg_form_find(e->form, "codepage");
	cp = codepage_by_number(e->work->codepage);
	if (i >= 0 && e->perr[i] != NULL) {
		/* A value that did not parse: the label follows the field. */
		scr_edit_cp_note(e, i, wdg_form_get(e->form, i));
	} else if (i >= 0) {
		note = cp != NULL ? xstrdup(cp->label) : NULL;
		wdg_form_set_note(e->form, i, note);
		free(note);
	}
}

/* Hidden states and messages from the working profile. */
static void
scr_edit_refresh(struct scr_edit *e)
{
	struct prof_issues iss = { NULL, 0 };
	const struct prof_issue *is;
	const char *msg;
	int i, tab;
	bool hidden;

	profile_validate(e->work, &iss);
	memset(e->bad_shown, 0, sizeof e->bad_shown);
	e->nbad = 0;
	for (i = 0; i < e->n; i++) {
		hidden = !profile_field_applies(e->work, e->fields[i].key);
		wdg_form_set_hidden(e->form, i, hidden);
		is = profile_issues_find(&iss, e->fields[i].key);
		msg = e->perr[i] != NULL ? e->perr[i] : is != NULL ?
		    is->message : NULL;
		if (msg != NULL && !hidden)
			e->nbad++;
		if (msg != NULL && (hidden || !(e->touched[i] ||
		    e->save_tried)))
			msg = NULL;
		wdg_form_set_message(e->form, i, msg);
		tab = (int)e->fields[i].tab;
		if (msg != NULL && tab >= 0 && tab < PROF_FORM_TABS)
			e->bad_shown[tab]++;
	}
	profile_issues_cleanup(&iss);
	i = wdg_form_find(e->form, "tls_versions");
	if (i >= 0)
		wdg_form_set_unavailable(e->form, i,
		    ~profile_tls_available() & PROF_TLS_ALL);
}

/*
 * The port rule on a saved profile (PRODUCT.md section 1): a change of
 * security moves a port that holds the old mode's default (and was not
 * typed in this editor) and says so; STLS on 995 and SSL on 110 are
 * warned about whenever security or port changes.  (A profile never saved
 * follows inside profile_set_security, silently, as in the seed.)
 */
static void
scr_edit_port_rule(struct scr_edit *e, const char *key,
    enum prof_security old_sec, int old_port)
{
	const char *warn;
	bool sec = strcmp(key, "security") == 0;

	if (!sec && strcmp(key, "port") != 0)
		return;
	free(e->note);
	e->note = NULL;
	if (sec && e->work->id != 0 && !e->work->port_typed &&
	    profile_port_follow(e->work, old_sec))
		e->note = xasprintf("port %d -> %d: the default port follows "
		    "security", old_port, e->work->port);
	warn = profile_port_warning(e->work);
	e->note_warn = warn != NULL;
	if (warn != NULL && e->note != NULL) {
		char *both = xasprintf("%s; %s", e->note, warn);

		free(e->note);
		e->note = both;
	} else if (warn != NULL)
		e->note = xstrdup(warn);
}

/* Show, once, what the last commit did by itself. */
static void
scr_edit_show_note(struct tui *t, struct scr_edit *e)
{
	if (e->note == NULL)
		return;
	tui_msg(t, e->note_warn ? TUI_MSG_WARN : TUI_MSG_INFO, "%s", e->note);
	free(e->note);
	e->note = NULL;
}

/* Apply item i's value to the working profile. */
static void
scr_edit_commit(struct scr_edit *e, int i)
{
	const char *v;
	char *cur, *cause = NULL;
	enum prof_security old_sec;
	int old_port;

	if (i < 0 || i >= e->n)
		return;
	v = wdg_form_get(e->form, i);
	if (v == NULL)
		v = "";
	cur = scr_edit_model_value(e, i);
	if (strcmp(cur, v) == 0) {
		/*
		 * The saved value typed back: an error the field had (from
		 * a value the profile refused) goes, and the form is told.
		 */
		scr_edit_free_value(e, i, cur);
		if (e->perr[i] != NULL) {
			free(e->perr[i]);
			e->perr[i] = NULL;
			scr_edit_refresh(e);
		}
		return;
	}
	scr_edit_free_value(e, i, cur);
	e->touched[i] = true;
	free(e->perr[i]);
	e->perr[i] = NULL;
	old_sec = e->work->security;
	old_port = e->work->port;
	if (profile_field_set(e->work, e->fields[i].key, v, &cause) != PC_OK)
		e->perr[i] = cause != NULL ? cause :
		    xasprintf("%s: invalid value", e->fields[i].key);
	else
		scr_edit_port_rule(e, e->fields[i].key, old_sec, old_port);
	scr_edit_push_values(e);
	scr_edit_refresh(e);
}

/* Commit whatever is being typed in the focused field. */
static void
scr_edit_commit_current(struct scr_edit *e)
{
	wdg_form_sync(e->form);
	scr_edit_commit(e, wdg_form_current(e->form, NULL));
}

static bool
scr_edit_dirty(struct scr_edit *e)
{
	const char *shown;
	char *v;
	int i;
	bool d = false;

	for (i = 0; i < e->n && !d; i++)
		d = profile_field_differs(e->orig, e->work, e->fields[i].key) ||
		    e->perr[i] != NULL;
	if (d)
		return true;
	/* Text typed in the focused field and not committed yet. */
	i = wdg_form_current(e->form, NULL);
	if (i < 0 || !wdg_form_typing(e->form))
		return false;
	shown = wdg_form_get(e->form, i);
	v = scr_edit_model_value(e, i);
	d = shown != NULL && strcmp(shown, v) != 0;
	scr_edit_free_value(e, i, v);
	return d;
}

/* Load p into the form (after open or "take theirs"). */
static void
scr_edit_load(struct scr_edit *e)
{
	int i;

	for (i = 0; i < e->n; i++) {
		free(e->perr[i]);
		e->perr[i] = NULL;
		e->touched[i] = false;
	}
	e->save_tried = false;
	scr_edit_push_values(e);
	scr_edit_refresh(e);
}

/* ---- drawing --------------------------------------------------------- */

static void
scr_edit_draw(struct tui *t, struct tui_screen *s)
{
	struct scr_edit *e = s->priv;
	struct wdg_key keys[12];
	WINDOW *w = s->win;
	const char *help = NULL;
	char *title, *hint = NULL;
	int n = 0, cur, box;
	bool dirty;

	werase(w);
	dirty = scr_edit_dirty(e);
	if (e->work->id == 0)
		title = xasprintf("New profile%s%s", e->work->name != NULL &&
		    *e->work->name ? ": " : "", e->work->name != NULL ?
		    e->work->name : "");
	else
		title = xasprintf("Edit profile: %s", e->orig->name);
	wdg_status_title(w, title, dirty ? "unsaved changes" :
	    e->work->id == 0 ? "not saved yet" : "saved");
	free(title);

	prof_form_tabbar(w, wdg_form_page(e->form), e->bad_shown);

	wdg_form_place(e->form, 3, LINES - 5);

	cur = wdg_form_current(e->form, &box);
	if (cur >= 0) {
		help = e->fields[cur].help;
		hint = prof_form_box_hint(box);
	}
	if (hint == NULL && cur >= 0 && wdg_form_message(e->form, cur) != NULL)
		hint = xstrdup(wdg_form_message(e->form, cur));
	wdg_status_draw(t, w, LINES - 2, hint != NULL ? hint : help);
	free(hint);

	keys[n++] = (struct wdg_key){ "^S", "save", false };
	keys[n++] = (struct wdg_key){ "^T", "test", false };
	if (wdg_form_page(e->form) == PROF_TAB_AUTH &&
	    e->work->oauth_flow == PROF_OAUTH_DEVICE &&
	    profile_oauth_builtin(e->work))
		keys[n++] = (struct wdg_key){ "^Y", "authenticate", false };
	if (cur >= 0) {
		switch (wdg_form_type(e->form, cur)) {
		case WDG_F_CHOICE:
			keys[n++] = (struct wdg_key){ "Spc", "next", false };
			keys[n++] = (struct wdg_key){ "Enter", "list",
			    false };
			break;
		case WDG_F_BOOL:
		case WDG_F_SET:
			keys[n++] = (struct wdg_key){ "Spc", "tick", false };
			break;
		case WDG_F_PASSWORD:
			keys[n++] = (struct wdg_key){ "^R", "reveal", false };
			break;
		default:
			break;
		}
	}
	keys[n++] = (struct wdg_key){ "Tab", "field", false };
	keys[n++] = (struct wdg_key){ "^N/^P", "tab", false };
	keys[n++] = (struct wdg_key){ "^G", "help", true };
	keys[n++] = (struct wdg_key){ "Esc", "close", true };
	wdg_status_keybar(w, LINES - 1, keys, n);

	wdg_form_draw(e->form);
}

static bool
scr_edit_cursor(struct tui *t, struct tui_screen *s)
{
	struct scr_edit *e = s->priv;

	(void)t;
	wdg_form_cursor(e->form);
	return wdg_form_typing(e->form);
}

/* ---- saving ---------------------------------------------------------- */

static void scr_edit_save(struct tui *t, struct scr_edit *e);

static void
scr_edit_saved(struct tui *t, struct scr_edit *e, bool added)
{
	int i;

	profile_free(e->orig);
	e->orig = profile_dup(e->work);
	/* A fresh start: messages show again once touched or on ^S. */
	e->save_tried = false;
	for (i = 0; i < e->n; i++)
		e->touched[i] = false;
	scr_edit_refresh(e);
	tui_msg(t, TUI_MSG_OK, "%s \"%s\"", added ? "created" : "saved",
	    e->work->name);
	free(t->focus);
	t->focus = xstrdup(e->work->name);
	tui_changed(t);
	if (e->close_after_save)
		tui_close(t, e->s);
}

static void
scr_edit_conflict_cb(struct tui *t, void *arg, int key)
{
	struct scr_edit *e = arg;
	struct profile *fresh = NULL;
	char *cause = NULL;
	enum pc_err rc;

	if (key != 'k' && key != 't') {
		tui_msg(t, TUI_MSG_INFO, "not saved; your changes are still "
		    "on screen");
		e->close_after_save = false;
		return;
	}
	rc = store_get(t->st, e->orig->name, &fresh, &cause);
	if (rc && rc != PC_E_NOTFOUND) {
		tui_msg(t, TUI_MSG_ERROR, "%s", cause != NULL ? cause :
		    pc_err_str(rc));
		free(cause);
		return;
	}
	free(cause);
	cause = NULL;
	if (key == 't') {
		if (fresh == NULL) {
			tui_msg(t, TUI_MSG_WARN, "the profile was deleted (or "
			    "renamed) by someone else: nothing to take");
			return;
		}
		profile_free(e->orig);
		profile_free(e->work);
		e->orig = fresh;
		e->work = profile_dup(fresh);
		scr_edit_load(e);
		tui_msg(t, TUI_MSG_INFO, "loaded the other change; yours was "
		    "dropped");
		e->close_after_save = false;
		return;
	}
	/* Keep mine: write over their version (or add it back). */
	if (fresh == NULL) {
		e->work->id = 0;
		e->work->version = 0;
	} else {
		e->work->id = fresh->id;
		e->work->version = fresh->version;
		profile_free(fresh);
	}
	scr_edit_save(t, e);
}

static void
scr_edit_save(struct tui *t, struct scr_edit *e)
{
	char *cause = NULL, *text;
	bool added = e->work->id == 0;
	enum pc_err rc;
	int i;

	if (added)
		rc = store_add(t->st, e->work, &cause);
	else
		rc = store_save(t->st, e->work, &cause);
	switch (rc) {
	case PC_OK:
		free(cause);
		scr_edit_saved(t, e, added);
		return;
	case PC_E_CONFLICT:
		/*
		 * The store's cause ends with advice for the CLI ("nothing
		 * was saved: reload it ..."); here the choice replaces it.
		 */
		if (cause != NULL && strstr(cause, "; nothing was saved") !=
		    NULL)
			strcpy(strstr(cause, "; nothing was saved"), ".");
		text = xasprintf("%s\n\nk  keep mine: write your version "
		    "over theirs\nt  take theirs: load their version, drop "
		    "your changes\nc  cancel: nothing is written, your changes "
		    "stay on screen", cause != NULL ? cause :
		    "Someone else changed this profile after you opened it.");
		free(cause);
		wdg_menu_confirm_open(t, "Edit conflict", text,
		    "c:Cancel|k:Keep mine|t:Take theirs",
		    scr_edit_conflict_cb, e);
		free(text);
		return;
	case PC_E_EXISTS:
		i = wdg_form_find(e->form, "name");
		free(e->perr[i]);
		e->perr[i] = cause != NULL ? cause :
		    xstrdup("name: another profile has this name");
		e->touched[i] = true;
		scr_edit_refresh(e);
		wdg_form_focus(e->form, i);
		tui_msg(t, TUI_MSG_ERROR, "not saved: %s", e->perr[i]);
		e->close_after_save = false;
		return;
	default:
		cause = tui_write_cause(t, rc, cause);
		tui_msg(t, TUI_MSG_ERROR, "not saved: %s", cause);
		free(cause);
		e->close_after_save = false;
		return;
	}
}

/* ^S: commit, validate, refuse or save. */
static void
scr_edit_try_save(struct tui *t, struct scr_edit *e)
{
	char list[160];
	int i, first = -1;
	size_t len;

	scr_edit_commit_current(e);
	e->save_tried = true;
	scr_edit_refresh(e);
	if (e->nbad > 0) {
		list[0] = '\0';
		for (i = 0; i < e->n; i++) {
			if (wdg_form_hidden(e->form, i))
				continue;
			if (e->perr[i] == NULL) {
				struct prof_issues iss = { NULL, 0 };
				bool bad;

				profile_validate(e->work, &iss);
				bad = profile_issues_find(&iss,
				    e->fields[i].key) != NULL;
				profile_issues_cleanup(&iss);
				if (!bad)
					continue;
			}
			if (first < 0)
				first = i;
			len = strlen(list);
			if (len + strlen(e->fields[i].key) + 3 < sizeof list)
				snprintf(list + len, sizeof list - len, "%s%s",
				    len ? ", " : "", e->fields[i].key);
		}
		tui_msg(t, TUI_MSG_ERROR, "not saved: %d field%s to fix (%s)",
		    e->nbad, e->nbad == 1 ? "" : "s", list);
		if (first >= 0)
			wdg_form_focus(e->form, first);
		e->close_after_save = false;
		return;
	}
	scr_edit_save(t, e);
}

static void
scr_edit_close_cb(struct tui *t, void *arg, int key)
{
	struct scr_edit *e = arg;

	if (key == 'd') {
		tui_close(t, e->s);
		tui_msg(t, TUI_MSG_INFO, "changes discarded");
	} else if (key == 's') {
		e->close_after_save = true;
		scr_edit_try_save(t, e);
	}
}

static void
scr_edit_menu_cb(struct tui *t, void *arg, int choice)
{
	struct scr_edit *e = arg;
	int i;

	i = wdg_form_current(e->form, NULL);
	if (choice < 0 || i < 0 || e->fields[i].choices == NULL)
		return;
	wdg_form_set(e->form, i, e->fields[i].choices[choice]);
	scr_edit_commit(e, i);
	scr_edit_show_note(t, e);
}

static void
scr_edit_open_menu(struct tui *t, struct scr_edit *e)
{
	const struct prof_field *f;
	const char *v;
	int i, n = 0, cur = 0;

	i = wdg_form_current(e->form, NULL);
	if (i < 0)
		return;
	f = &e->fields[i];
	while (f->choices[n] != NULL)
		n++;
	v = wdg_form_get(e->form, i);
	for (cur = 0; cur < n; cur++)
		if (v != NULL && strcmp(f->choices[cur], v) == 0)
			break;
	wdg_menu_open(t, f->label, f->choice_labels != NULL ?
	    f->choice_labels : f->choices, NULL, n, cur < n ? cur : 0,
	    scr_edit_menu_cb, e);
}

static void
scr_edit_test(struct tui *t, struct scr_edit *e)
{
	struct prof_issues iss = { NULL, 0 };
	int i, blocking = 0;
	const char *what = NULL;

	scr_edit_commit_current(e);
	/* The name does not matter to a test; everything else does. */
	profile_validate(e->work, &iss);
	for (i = 0; i < iss.n; i++) {
		if (strcmp(iss.v[i].key, "name") != 0 &&
		    strcmp(iss.v[i].key, "group") != 0) {
			blocking++;
			what = iss.v[i].key;
		}
	}
	for (i = 0; i < e->n; i++) {
		if (e->perr[i] != NULL) {
			blocking++;
			what = e->fields[i].key;
		}
	}
	if (blocking > 0) {
		e->save_tried = true;
		scr_edit_refresh(e);
		tui_msg(t, TUI_MSG_ERROR, "cannot test: %s is not valid%s",
		    what, blocking > 1 ? " (and more)" : "");
		profile_issues_cleanup(&iss);
		return;
	}
	profile_issues_cleanup(&iss);
	/* Record the result only when the screen shows the saved profile. */
	scr_logon_enter(t, profile_dup(e->work), e->work->id != 0 &&
	    !scr_edit_dirty(e));
}

/*
 * ^Y: the device login for the saved profile (the refresh token belongs
 * to a saved profile, so unsaved changes are saved first by the user).
 */
static void
scr_edit_authenticate(struct tui *t, struct scr_edit *e)
{
	scr_edit_commit_current(e);
	if (e->work->oauth_flow != PROF_OAUTH_DEVICE ||
	    !profile_oauth_builtin(e->work)) {
		tui_msg(t, TUI_MSG_ERROR, "Authenticate (^Y) is for "
		    "oauth_flow=device with an OAuth2 logon method (xoauth2, "
		    "oauthbearer or auto)");
		return;
	}
	if (e->work->id == 0 || scr_edit_dirty(e)) {
		tui_msg(t, TUI_MSG_ERROR, "save the profile first (^S): the "
		    "refresh token is kept with the saved profile");
		return;
	}
	scr_oauth_enter(t, profile_dup(e->work));
}

static int
scr_edit_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct scr_edit *e = s->priv;
	int r, page, cpi;

	tui_msg_clear(t);
	page = wdg_form_page(e->form);
	if (tui_key_cancel(k)) {
		scr_edit_commit_current(e);
		if (!scr_edit_dirty(e))
			return TUI_CLOSE;
		wdg_menu_confirm_open(t, "Unsaved changes", "This profile has "
		    "changes that are not saved.", "n:Keep editing|s:Save|"
		    "d:Discard", scr_edit_close_cb, e);
		return TUI_REDRAW;
	}
	if (tui_key_is(k, TUI_CTRL('s')) || tui_key_fn(k, KEY_F(2))) {
		scr_edit_try_save(t, e);
		return TUI_REDRAW;
	}
	if (tui_key_is(k, TUI_CTRL('t')) || tui_key_fn(k, KEY_F(5))) {
		scr_edit_test(t, e);
		return TUI_REDRAW;
	}
	if (tui_key_is(k, TUI_CTRL('y')) || tui_key_fn(k, KEY_F(6))) {
		scr_edit_authenticate(t, e);
		return TUI_REDRAW;
	}
	if (tui_key_is(k, TUI_CTRL('g')) || tui_key_fn(k, KEY_F(1))) {
		scr_list_help(t, "edit");
		return TUI_REDRAW;
	}
	if (tui_key_is(k, TUI_CTRL('r'))) {
		wdg_form_reveal(e->form);
		return TUI_REDRAW;
	}
	page = prof_form_tab_key(k, page);
	if (page >= 0) {
		scr_edit_commit_current(e);
		scr_edit_show_note(t, e);
		wdg_form_set_page(e->form, page);
		return TUI_REDRAW;
	}
	if (tui_key_is(k, TUI_CTRL('l'))) {
		clearok(curscr, TRUE);
		return TUI_REDRAW;
	}
	r = wdg_form_key(e->form, k);
	if (r & WDG_FORM_COMMIT)
		scr_edit_commit(e, wdg_form_changed(e->form));
	scr_edit_show_note(t, e);
	cpi = wdg_form_find(e->form, "codepage");
	if ((r & WDG_FORM_EDITED) && cpi >= 0 &&
	    wdg_form_current(e->form, NULL) == cpi)
		scr_edit_cp_note(e, cpi, wdg_form_get(e->form, cpi));
	if (r & WDG_FORM_MENU)
		scr_edit_open_menu(t, e);
	return r == WDG_FORM_UNHANDLED ? TUI_NONE : TUI_REDRAW;
}

static void
scr_edit_resize(struct tui *t, struct tui_screen *s)
{
	struct scr_edit *e = s->priv;

	(void)t;
	wdg_form_unpost(e->form);
}

static void
scr_edit_free(struct tui *t, struct tui_screen *s)
{
	struct scr_edit *e = s->priv;
	int i;

	(void)t;
	wdg_form_free(e->form);
	tui_screen_window_free(s);
	for (i = 0; i < e->n; i++)
		free(e->perr[i]);
	free(e->perr);
	free(e->touched);
	free(e->note);
	profile_free(e->orig);
	profile_free(e->work);
	free(e);
}

static bool
scr_edit_unsaved(struct tui *t, struct tui_screen *s)
{
	(void)t;
	return scr_edit_dirty(s->priv);
}

static const struct tui_screen_ops scr_edit_ops = {
	.name = "edit",
	.draw = scr_edit_draw,
	.key = scr_edit_key,
	.resize = scr_edit_resize,
	.free = scr_edit_free,
	.cursor = scr_edit_cursor,
	.unsaved = scr_edit_unsaved,
};

void
scr_edit_enter(struct tui *t, struct profile *p)
{
	struct scr_edit *e;
	struct tui_screen *s;
	int i;

	e = xcalloc(1, sizeof *e);
	e->work = p;
	e->orig = profile_dup(p);
	e->fields = profile_fields(&e->n);
	e->perr = xcalloc((size_t)e->n, sizeof *e->perr);
	e->touched = xcalloc((size_t)e->n, sizeof *e->touched);
	e->form = wdg_form_new(false);
	for (i = 0; i < e->n; i++)
		prof_form_add(e->form, &e->fields[i]);
	scr_edit_load(e);
	/* Every profile, new or not, opens on Common with the name first. */
	wdg_form_set_page(e->form, 0);
	s = tui_push(t, &scr_edit_ops, e);
	if (s == NULL)
		return;
	e->s = s;
	tui_screen_window(s);
}
