/*
 * scr_list_act.c - what the list screen's keys do to the marked set or the
 * profile under the cursor beyond moving: test (t), bulk edit (b), delete
 * (d) and undo the last bulk change (u), each with its dialog.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scr_list_int.h"

/* ---- the marked set under a filter ------------------------------------ */

/*
 * Marks survive filtering, so the marked set can hold profiles the screen
 * does not show.  Acting on them unasked would delete or change what the
 * user cannot see: every action on the marked set goes through here, and
 * when the filter hides some a dialog says how many, lists them, and lets
 * the user choose the shown ones only or all.
 */
enum scr_list_act {
	SCR_LIST_ACT_DELETE,
	SCR_LIST_ACT_BULK,
	SCR_LIST_ACT_TEST,
};

void
scr_list_split_free(struct scr_list *l)
{
	scr_list_names_free(l->shown, l->nshown);
	scr_list_names_free(l->hidden, l->nhidden);
	l->shown = l->hidden = NULL;
	l->nshown = l->nhidden = 0;
}

#define SCR_LIST_SPLIT_PAGE	5000

/*
 * Split the marks into l->shown and l->hidden, reading the filter's whole
 * listing from the store (not the rows on screen, which are a page).
 */
static enum pc_err
scr_list_split(struct tui *t, struct scr_list *l, char **cause)
{
	struct store_filter f = scr_list_filter(l, NULL);
	struct store_list sl = { NULL, 0, NULL, NULL };
	struct scr_list_marks vis;
	enum pc_err rc = PC_OK;
	int64_t off = 0;
	char **all;
	int n, i;

	scr_list_split_free(l);
	all = scr_list_marks_names(&l->marks, &n);
	if (l->filter == NULL) {
		l->shown = all;
		l->nshown = n;
		l->hidden = xcalloc(1, sizeof *l->hidden);
		return PC_OK;
	}
	memset(&vis, 0, sizeof vis);
	for (;;) {
		rc = store_list_page(t->st, &f, off, SCR_LIST_SPLIT_PAGE, &sl,
		    cause);
		if (rc)
			break;
		for (i = 0; i < sl.n; i++)
			if (scr_list_marked(&l->marks, sl.v[i]->name))
				scr_list_marks_add(&vis, sl.v[i]->name);
		off += sl.n;
		i = sl.n;
		store_list_cleanup(&sl);
		if (i < SCR_LIST_SPLIT_PAGE)
			break;
	}
	l->shown = xcalloc((size_t)n + 1, sizeof *l->shown);
	l->hidden = xcalloc((size_t)n + 1, sizeof *l->hidden);
	for (i = 0; i < n; i++) {
		if (scr_list_marked(&vis, all[i]))
			l->shown[l->nshown++] = all[i];
		else
			l->hidden[l->nhidden++] = all[i];
	}
	free(all);
	scr_list_marks_clear(&vis);
	if (rc)
		scr_list_split_free(l);
	return rc;
}

/* "a, b, c and 4 more" (at most max names).  Caller frees. */
static char *
scr_list_name_list(char *const *v, int n, int max)
{
	char *s = xstrdup(""), *u, *cnt;
	int i;

	for (i = 0; i < n && i < max; i++) {
		u = xasprintf("%s%s%s", s, i > 0 ? ", " : "", v[i]);
		free(s);
		s = u;
	}
	if (n > max) {
		cnt = wdg_status_count(n - max);
		u = xasprintf("%s and %s more", s, cnt);
		free(s);
		free(cnt);
		s = u;
	}
	return s;
}

static void scr_list_delete_names(struct tui *, struct scr_list *,
		    char *const *, int);

static void
scr_list_act(struct tui *t, struct scr_list *l, enum scr_list_act act,
    char *const *names, int n)
{
	switch (act) {
	case SCR_LIST_ACT_DELETE:
		scr_list_delete_names(t, l, names, n);
		break;
	case SCR_LIST_ACT_BULK:
		scr_bulk_enter(t, NULL, names, n);
		break;
	case SCR_LIST_ACT_TEST:
		scr_bulk_test_enter(t, NULL, names, n);
		break;
	}
}

static void
scr_list_hidden_cb(struct tui *t, void *arg, int key, enum scr_list_act act)
{
	struct scr_list *l = arg;

	if (key == 's' && l->nshown > 0)
		scr_list_act(t, l, act, l->shown, l->nshown);
	else if (key == 'a') {
		char **all;
		int n;

		all = scr_list_marks_names(&l->marks, &n);
		scr_list_act(t, l, act, all, n);
		scr_list_names_free(all, n);
	} else if (act == SCR_LIST_ACT_DELETE)
		tui_msg(t, TUI_MSG_INFO, "nothing deleted");
	scr_list_split_free(l);
}

static void
scr_list_hidden_delete_cb(struct tui *t, void *arg, int key)
{
	scr_list_hidden_cb(t, arg, key, SCR_LIST_ACT_DELETE);
}

static void
scr_list_hidden_bulk_cb(struct tui *t, void *arg, int key)
{
	scr_list_hidden_cb(t, arg, key, SCR_LIST_ACT_BULK);
}

static void
scr_list_hidden_test_cb(struct tui *t, void *arg, int key)
{
	scr_list_hidden_cb(t, arg, key, SCR_LIST_ACT_TEST);
}

/*
 * Act on the marked set: at once when the filter hides none of it (ask
 * is NULL) or after the dialog.  Returns false when nothing is marked.
 */
static bool
scr_list_marked_act(struct tui *t, struct scr_list *l, enum scr_list_act act)
{
	static const char *const verbs[] = { "Delete", "Bulk edit", "Test" };
	static const wdg_menu_confirm_cb cbs[] = { scr_list_hidden_delete_cb,
	    scr_list_hidden_bulk_cb, scr_list_hidden_test_cb };
	char *cause = NULL, *text, *choices, *sh, *hi, *cm, *cs, *ch, *tl;
	enum pc_err rc;

	if (l->marks.n == 0)
		return false;
	rc = scr_list_split(t, l, &cause);
	if (rc) {
		scr_list_error(t, "cannot read the marked profiles", rc, cause);
		return true;
	}
	if (l->nhidden == 0) {
		if (act == SCR_LIST_ACT_DELETE) {
			/* Asked by scr_list_delete's own dialog. */
			return true;
		}
		scr_list_act(t, l, act, l->shown, l->nshown);
		scr_list_split_free(l);
		return true;
	}
	cm = wdg_status_count((int64_t)l->marks.n);
	cs = wdg_status_count(l->nshown);
	ch = wdg_status_count(l->nhidden);
	sh = scr_list_name_list(l->shown, l->nshown, 6);
	hi = scr_list_name_list(l->hidden, l->nhidden, 6);
	text = xasprintf("%s profile%s marked; the filter \"%s\" hides %s of "
	    "them.\n\nShown (%s): %s\nHidden (%s): %s\n\n%s the %s shown "
	    "only, or all %s?", cm, l->marks.n == 1 ? " is" : "s are",
	    l->filter, ch, cs, l->nshown > 0 ? sh : "none", ch, hi,
	    verbs[act], cs, cm);
	if (act == SCR_LIST_ACT_DELETE)
		choices = l->nshown > 0 ? xasprintf("n:Keep|s:Delete %s shown|"
		    "a:Delete all %s", cs, cm) : xasprintf("n:Keep|a:Delete "
		    "all %s", cm);
	else
		choices = l->nshown > 0 ? xasprintf("s:%s shown|a:All %s|"
		    "n:Cancel", cs, cm) : xasprintf("a:All %s|n:Cancel", cm);
	tl = xasprintf("%s: %s marked profile%s hidden", verbs[act], ch,
	    l->nhidden == 1 ? "" : "s");
	wdg_menu_confirm_open(t, tl, text, choices, cbs[act], l);
	free(tl);
	free(choices);
	free(text);
	free(sh);
	free(hi);
	free(cm);
	free(cs);
	free(ch);
	return true;
}

void
scr_list_test(struct tui *t, struct scr_list *l)
{
	const struct profile *cp = scr_list_cur_profile(t, l);
	struct profile *p = NULL;
	char *cause = NULL;
	const char *grp;
	enum pc_err rc;

	if (scr_list_marked_act(t, l, SCR_LIST_ACT_TEST))
		return;
	if (cp == NULL) {
		grp = scr_list_cur_group(l);
		if (grp != NULL)
			scr_bulk_test_enter(t, grp, NULL, 0);
		return;
	}
	rc = store_get(t->st, cp->name, &p, &cause);
	if (rc) {
		scr_list_error(t, "cannot open the profile", rc, cause);
		return;
	}
	scr_logon_enter(t, p, true);
}

void
scr_list_bulk(struct tui *t, struct scr_list *l)
{
	const char *grp;

	if (scr_list_marked_act(t, l, SCR_LIST_ACT_BULK))
		return;
	grp = scr_list_cur_group(l);
	if (scr_list_cur_profile(t, l) == NULL && grp != NULL) {
		scr_bulk_enter(t, grp, NULL, 0);
		return;
	}
	tui_msg(t, TUI_MSG_INFO, "bulk edit acts on the marked profiles "
	    "(Space marks, g marks a group) or on the group heading under "
	    "the cursor");
}

/* Delete names (after the dialog); their marks go with them. */
static void
scr_list_delete_names(struct tui *t, struct scr_list *l, char *const *names,
    int n)
{
	char *cause = NULL, *cnt, *left;
	enum pc_err rc;
	int i, done = 0;

	for (i = 0; i < n; i++) {
		rc = store_remove(t->st, names[i], &cause);
		if (rc && rc != PC_E_NOTFOUND) {
			scr_list_error(t, "delete stopped", rc, cause);
			cause = NULL;
			break;
		}
		free(cause);
		cause = NULL;
		scr_list_marks_del(&l->marks, names[i]);
		done++;
	}
	if (i == n) {
		cnt = wdg_status_count(done);
		left = wdg_status_count((int64_t)l->marks.n);
		if (l->marks.n > 0)
			tui_msg(t, TUI_MSG_OK, "deleted %s profile%s; %s "
			    "marked profile%s the filter hides kept", cnt,
			    done == 1 ? "" : "s", left, l->marks.n == 1 ?
			    "" : "s");
		else
			tui_msg(t, TUI_MSG_OK, "deleted %s profile%s", cnt,
			    done == 1 ? "" : "s");
		free(cnt);
		free(left);
	}
	tui_changed(t);
}

static void
scr_list_delete_cb(struct tui *t, void *arg, int key)
{
	struct scr_list *l = arg;
	const struct profile *cp;
	char *cause = NULL;
	enum pc_err rc;

	if (key != 'y') {
		scr_list_split_free(l);
		return;
	}
	if (l->shown != NULL) {
		scr_list_delete_names(t, l, l->shown, l->nshown);
		scr_list_split_free(l);
		return;
	}
	cp = scr_list_cur_profile(t, l);
	if (cp == NULL)
		return;
	rc = store_remove(t->st, cp->name, &cause);
	if (rc)
		scr_list_error(t, "cannot delete", rc, cause);
	else
		tui_msg(t, TUI_MSG_OK, "deleted %s", cp->name);
	tui_changed(t);
}

void
scr_list_delete(struct tui *t, struct scr_list *l)
{
	const struct profile *cp = scr_list_cur_profile(t, l);
	char *text, *cnt, *names;

	if (l->marks.n > 0) {
		if (!scr_list_marked_act(t, l, SCR_LIST_ACT_DELETE) ||
		    l->shown == NULL || l->nhidden > 0)
			return;		/* an error, or the hidden dialog */
		cnt = wdg_status_count(l->nshown);
		names = scr_list_name_list(l->shown, l->nshown, 6);
		text = xasprintf("Delete the %s marked profile%s (%s)?  This "
		    "cannot be undone.", cnt, l->nshown == 1 ? "" : "s",
		    names);
		free(cnt);
		free(names);
	} else if (cp != NULL) {
		text = xasprintf("Delete the profile \"%s\" (%s)?  This cannot "
		    "be undone.", cp->name, cp->address != NULL ? cp->address :
		    "no address");
	} else {
		tui_msg(t, TUI_MSG_INFO, "move to a profile (or mark some) to "
		    "delete");
		return;
	}
	wdg_menu_confirm_open(t, "Delete", text, "n:Keep|y:Delete",
	    scr_list_delete_cb, l);
	free(text);
}

/*
 * An undo that cannot be: the reason in a dialog, whole (it names each
 * profile changed since once, and a name may be long); the status line
 * only counts them, so that no name shows twice or cut.
 */
static void
scr_list_undo_refused(struct tui *t, enum pc_err rc, char *cause,
    int64_t id, int n)
{
	char *s = tui_write_cause(t, rc, cause);

	tui_msg(t, TUI_MSG_ERROR, "cannot undo bulk change #%lld: %d "
	    "profile%s changed since; nothing was undone", (long long)id, n,
	    n == 1 ? "" : "s");
	wdg_menu_confirm_open(t, "Cannot undo", s, "o:OK", NULL, NULL);
	free(s);
}

static void
scr_list_undo_cb(struct tui *t, void *arg, int key)
{
	struct scr_list *l = arg;
	struct store_changes ch;
	char *cause = NULL;
	enum pc_err rc;

	if (key != 'y')
		return;
	rc = store_bulk_undo(t->st, l->undo_id, false, NULL, &ch, &cause);
	if (rc == PC_E_NOTFOUND) {
		tui_msg(t, TUI_MSG_INFO, "%s", cause != NULL ? cause :
		    "there is nothing to undo");
		free(cause);
	} else if (rc == PC_E_CONFLICT)
		scr_list_undo_refused(t, rc, cause, l->undo_id, ch.nerrors);
	else if (rc)
		scr_list_error(t, "cannot undo", rc, cause);
	else {
		free(cause);
		tui_msg(t, TUI_MSG_OK, "undid bulk change #%lld: %d profile%s "
		    "restored", (long long)l->undo_id, ch.nprofiles,
		    ch.nprofiles == 1 ? "" : "s");
	}
	store_changes_cleanup(&ch);
	tui_changed(t);
}

/*
 * u: find out first (a dry run) what undo would do.  Nothing to undo, or
 * a refusal, is said at once; otherwise the dialog says which change it
 * reverts: its ID, who made it and when, the fields, the profiles.
 */
void
scr_list_undo(struct tui *t, struct scr_list *l)
{
	struct store_changes ch;
	struct store_bulk_op op;
	char **names = NULL, *list, *text, *cnt, when[32];
	char *cause = NULL;
	time_t tt;
	int i, n = 0;
	enum pc_err rc;

	rc = store_bulk_undo(t->st, 0, true, &op, &ch, &cause);
	if (rc == PC_E_NOTFOUND) {
		tui_msg(t, TUI_MSG_INFO, "%s", cause != NULL ? cause :
		    "there is nothing to undo");
		free(cause);
		goto out;
	}
	if (rc == PC_E_CONFLICT) {
		scr_list_undo_refused(t, rc, cause, op.id, ch.nerrors);
		goto out;
	}
	if (rc) {
		scr_list_error(t, "cannot undo", rc, cause);
		goto out;
	}
	free(cause);
	/* The changes come profile by profile: one name per profile. */
	names = xcalloc((size_t)ch.n + 1, sizeof *names);
	for (i = 0; i < ch.n; i++)
		if (n == 0 || strcmp(names[n - 1], ch.v[i].profile) != 0)
			names[n++] = ch.v[i].profile;
	list = scr_list_name_list(names, n, 6);
	cnt = wdg_status_count(ch.nprofiles);
	tt = (time_t)op.when;
	strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime(&tt));
	text = xasprintf("Undo bulk change #%lld (%s, %s): %s on %s "
	    "profile%s (%s)?  Every field it changed gets its previous value "
	    "back.", (long long)op.id, op.os_user, when, op.fields, cnt,
	    ch.nprofiles == 1 ? "" : "s", list);
	l->undo_id = op.id;
	wdg_menu_confirm_open(t, "Undo", text, "y:Undo|n:Keep",
	    scr_list_undo_cb, l);
	free(text);
	free(cnt);
	free(list);
	free(names);
out:
	store_changes_cleanup(&ch);
	store_bulk_op_cleanup(&op);
}
