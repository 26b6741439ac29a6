/*
 * wdg_status.c - the lines every screen shares: the title line at the top,
 * and at the bottom the status line (the last message, or a hint about
 * what is under the cursor) and the key bar, which lists only the keys
 * that work at that moment.  Also small formatters for counts and ages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui_int.h"

void
wdg_status_title(WINDOW *w, const char *left, const char *right)
{
	int cols = getmaxx(w), rw = 0;
	attr_t a = theme_attr(TUI_R_TITLE);

	tui_fill(w, 0, 0, cols, a);
	if (right != NULL && *right != '\0') {
		rw = tui_width(right);
		if (rw > cols / 2)
			rw = cols / 2;
		tui_put(w, 0, cols - rw - 1, rw, a, right);
	}
	tui_put(w, 0, 1, cols - rw - 3, a, left);
}

void
wdg_status_draw(struct tui *t, WINDOW *w, int y, const char *hint)
{
	static const enum tui_role roles[] = {
		[TUI_MSG_INFO] = TUI_R_NORMAL,
		[TUI_MSG_OK] = TUI_R_OK,
		[TUI_MSG_WARN] = TUI_R_WARN,
		[TUI_MSG_ERROR] = TUI_R_ERROR,
	};
	int cols = getmaxx(w);

	tui_fill(w, y, 0, cols, A_NORMAL);
	if (t->msg != NULL)
		tui_put(w, y, 1, cols - 2, theme_attr(roles[t->msg_kind]),
		    t->msg);
	else if (hint != NULL)
		tui_put(w, y, 1, cols - 2, theme_attr(TUI_R_DIM), hint);
}

static int
wdg_status_item_width(const struct wdg_key *k)
{
	return tui_width(k->key) + 1 + tui_width(k->label);
}

static int
wdg_status_item(WINDOW *w, int y, int x, const struct wdg_key *k)
{
	int n;

	n = tui_put(w, y, x, 40, theme_attr(TUI_R_KEY), k->key);
	n += tui_put(w, y, x + n, 1, A_NORMAL, " ");
	n += tui_put(w, y, x + n, 40, A_NORMAL, k->label);
	return n;
}

void
wdg_status_keybar(WINDOW *w, int y, const struct wdg_key *keys, int n)
{
	int cols = getmaxx(w), x = 1, i, kept = 0, gap = 2, total = 0, iw;
	bool *show;

	tui_fill(w, y, 0, cols, A_NORMAL);
	if (n <= 0)
		return;
	show = xcalloc((size_t)n, sizeof *show);
	for (i = 0; i < n; i++)
		total += wdg_status_item_width(&keys[i]) + (i ? 2 : 0);
	/* Two spaces between items when they all fit, else one. */
	if (total > cols - 2)
		gap = 1;
	for (i = 0; i < n; i++) {
		if (keys[i].keep) {
			show[i] = true;
			kept += wdg_status_item_width(&keys[i]) + gap;
		}
	}
	total = kept;
	for (i = 0; i < n; i++) {
		if (show[i])
			continue;
		iw = wdg_status_item_width(&keys[i]) + gap;
		if (total + iw > cols - 1)
			continue;
		show[i] = true;
		total += iw;
	}
	for (i = 0; i < n; i++)
		if (show[i])
			x += wdg_status_item(w, y, x, &keys[i]) + gap;
	free(show);
}

char *
wdg_status_count(int64_t n)
{
	char digits[32], out[48];
	int len, i, j = 0;

	snprintf(digits, sizeof digits, "%lld", (long long)(n < 0 ? -n : n));
	len = (int)strlen(digits);
	if (n < 0)
		out[j++] = '-';
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	out[j] = '\0';
	return xstrdup(out);
}

char *
wdg_status_age(int64_t when)
{
	int64_t d;

	if (when <= 0)
		return xstrdup("never");
	d = (int64_t)time(NULL) - when;
	if (d < 0)
		d = 0;
	if (d < 60)
		return xasprintf("%llds ago", (long long)d);
	if (d < 3600)
		return xasprintf("%lldm ago", (long long)(d / 60));
	if (d < 86400)
		return xasprintf("%lldh ago", (long long)(d / 3600));
	return xasprintf("%lldd ago", (long long)(d / 86400));
}
