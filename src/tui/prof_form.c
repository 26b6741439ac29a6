/*
 * prof_form.c - the profile form shared by the editor (scr_edit.c) and
 * group edit (scr_bulk.c): the model's fields as form items (type and
 * width), the four tabs with their names, the tab bar and the keys that
 * change tab, and the status line's word on a TLS box that cannot be
 * chosen.
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

static const char *const prof_form_tab_names[PROF_FORM_TABS] = {
	"Common", "Connection", "Authentication", "Proxy"
};

static enum wdg_ftype
prof_form_ftype(const struct prof_field *f)
{
	switch (f->type) {
	case PROF_F_INT:
		/* The code page also takes names ("utf-8", "cp1252"). */
		return strcmp(f->key, "codepage") == 0 ? WDG_F_TEXT :
		    WDG_F_NUMBER;
	case PROF_F_BOOL:
		return WDG_F_BOOL;
	case PROF_F_CHOICE:
		return WDG_F_CHOICE;
	case PROF_F_SET:
		return WDG_F_SET;
	case PROF_F_SECRET:
		return WDG_F_PASSWORD;
	default:
		return WDG_F_TEXT;
	}
}

int
prof_form_add(struct wdg_form *form, const struct prof_field *f)
{
	int k;

	k = wdg_form_add(form, f->key, f->label, (int)f->tab,
	    prof_form_ftype(f), f->choices, f->choice_labels);
	if (strcmp(f->key, "codepage") == 0)
		wdg_form_set_width(form, k, 12);
	return k;
}

void
prof_form_tabbar(WINDOW *w, int page, const int *bad)
{
	int x, i;

	x = 1;
	for (i = 0; i < PROF_FORM_TABS; i++) {
		attr_t a = i == page ? theme_attr(TUI_R_TAB_CUR) :
		    theme_attr(TUI_R_TAB);

		x += tui_put(w, 1, x, 1, a, " ");
		x += tui_put(w, 1, x, 20, a, prof_form_tab_names[i]);
		if (bad != NULL && bad[i] > 0)
			x += tui_put(w, 1, x, 1, i == page ? a :
			    theme_attr(TUI_R_ERROR), "!");
		x += tui_put(w, 1, x, 1, a, " ");
		x += 1;
	}
	tui_put(w, 1, COLS - 23, 22, theme_attr(TUI_R_DIM),
	    "  PgDn/PgUp: ^N/^P tab");
	tui_rule(w, 2);
}

int
prof_form_tab_key(const struct tui_key *k, int page)
{
	if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, TUI_CTRL('n')))
		return (page + 1) % PROF_FORM_TABS;
	if (tui_key_fn(k, KEY_PPAGE) || tui_key_is(k, TUI_CTRL('p')))
		return (page + PROF_FORM_TABS - 1) % PROF_FORM_TABS;
	return -1;
}

char *
prof_form_box_hint(int box)
{
	const char *reason;

	if (box < 0)
		return NULL;
	reason = profile_tls_unavailable_reason(1u << (unsigned)box);
	return reason != NULL ? xasprintf("unavailable: %s", reason) : NULL;
}
