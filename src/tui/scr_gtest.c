/*
 * scr_gtest.c - the group test: the test logons of many profiles (the
 * marked ones, or a group's) run concurrently, at most SCR_GTEST_JOBS at a
 * time, all in the one event loop, with a progress bar and a result table;
 * each result is recorded as the profile's last result, with the
 * capabilities CAPA showed (run_record).  Enter on a row runs that one
 * again in the test pane, with its trace.
 */
#include <stdlib.h>
#include <string.h>

#include "popconn/diag.h"
#include "popconn/logon.h"
#include "popconn/run.h"
#include "tui_int.h"

#define SCR_GTEST_JOBS	8

enum scr_bulk_test_state {
	SCR_BULK_T_WAIT,
	SCR_BULK_T_RUN,
	SCR_BULK_T_DONE,
	SCR_BULK_T_SKIP,
};

struct scr_bulk_test_row {
	char		*name;
	enum scr_bulk_test_state state;
	bool		 ok;
	char		*result;	/* diagnosis key (ok: with the method) */
	char		*message;
	int64_t		 ms;
	bool		 have_stat;	/* the mailbox size from STAT */
	long		 messages;
	long		 octets;
	struct tui_job	*job;
	struct trace	*tr;
	struct profile	*p;		/* while it runs, for run_record */
};

struct scr_bulk_test {
	struct tui_screen *s;
	char		*title;
	struct scr_bulk_test_row *rows;
	int		 n;
	int		 next;		/* next row to start */
	int		 running;
	int		 done;
	int		 nok;
	int		 cur;
	int		 top;
	int		 page;
	bool		 stopped;
	int64_t		 started_ms;
	int64_t		 ended_ms;
};

static void scr_bulk_test_fill(struct tui *t, struct scr_bulk_test *b);

static void
scr_bulk_test_finish_row(struct tui *t, struct scr_bulk_test *b,
    struct scr_bulk_test_row *r)
{
	(void)t;
	r->state = SCR_BULK_T_DONE;
	b->done++;
	if (r->ok)
		b->nok++;
	if (b->done == b->n || (b->stopped && b->running == 0))
		b->ended_ms = tui_now_ms();
}

static void
scr_bulk_test_done_cb(struct tui *t, struct tui_job *j, void *arg)
{
	struct scr_bulk_test *b = arg;
	const struct logon_result *res;
	struct scr_bulk_test_row *r = NULL;
	int i;

	for (i = 0; i < b->n; i++) {
		if (b->rows[i].job == j) {
			r = &b->rows[i];
			break;
		}
	}
	if (r == NULL)
		return;
	res = tui_job_result(j);
	b->running--;
	if (res != NULL) {
		r->ok = res->diag == DIAG_OK;
		r->result = r->ok && res->method != NULL ? xasprintf("ok %s",
		    res->method) : xstrdup(diag_key(res->diag));
		r->message = xstrdup(res->message != NULL ? res->message : "");
		r->ms = res->elapsed_ms;
		r->have_stat = res->have_stat;
		r->messages = res->messages;
		r->octets = res->octets;
		if (!b->stopped) {
			struct store_test h;

			/* The history row, with the last result, and what
			 * CAPA said for a repeat, as the test pane keeps. */
			if (run_record(t->st, r->p, res, "tui", true, &h))
				tui_changed(t);
			store_test_cleanup(&h);
		}
	}
	/* The callback may free its own job: the loop allows it. */
	tui_job_free(t, r->job);
	r->job = NULL;
	trace_free(r->tr);
	r->tr = NULL;
	profile_free(r->p);
	r->p = NULL;
	scr_bulk_test_finish_row(t, b, r);
	scr_bulk_test_fill(t, b);
}

/* Start sessions until SCR_GTEST_JOBS run or none is left. */
static void
scr_bulk_test_fill(struct tui *t, struct scr_bulk_test *b)
{
	struct scr_bulk_test_row *r;
	struct profile *p = NULL;
	char *cause = NULL;
	enum pc_err rc;

	while (!b->stopped && b->running < SCR_GTEST_JOBS && b->next < b->n) {
		r = &b->rows[b->next++];
		rc = store_get(t->st, r->name, &p, &cause);
		if (rc) {
			r->result = xstrdup(rc == PC_E_NOTFOUND ? "missing" :
			    "error");
			r->message = cause != NULL ? cause :
			    xstrdup(pc_err_str(rc));
			cause = NULL;
			scr_bulk_test_finish_row(t, b, r);
			continue;
		}
		r->tr = trace_new(256);
		r->p = p;
		r->job = tui_job_start(t, p, r->tr, NULL,
		    scr_bulk_test_done_cb, b);
		p = NULL;
		r->state = SCR_BULK_T_RUN;
		b->running++;
	}
}

/* A mailbox size in a few columns: "3 msg, 12 kB". */
static char *
scr_bulk_mailbox(long messages, long octets)
{
	if (octets < 10000)
		return xasprintf("%ld msg, %ld B", messages, octets);
	if (octets < 10000000)
		return xasprintf("%ld msg, %ld kB", messages, octets / 1000);
	return xasprintf("%ld msg, %ld MB", messages, octets / 1000000);
}

static void
scr_bulk_test_draw(struct tui *t, struct tui_screen *s)
{
	struct scr_bulk_test *b = s->priv;
	struct scr_bulk_test_row *r;
	struct wdg_key keys[8];
	WINDOW *w = s->win;
	char *right, *dn, *tn, *hint, *mbox, dur[32];
	int i, y, bar, fill, nw, rw, tw, bw, mw, nk = 0;
	attr_t a;
	bool all_done = b->done == b->n || (b->stopped && b->running == 0);

	werase(w);
	dn = wdg_status_count(b->done);
	tn = wdg_status_count(b->n);
	right = xasprintf("%s/%s done, %d running, %d ok", dn, tn, b->running,
	    b->nok);
	wdg_status_title(w, b->title, right);
	free(right);
	/* Progress bar. */
	bar = COLS - 24;
	fill = b->n > 0 ? (int)((int64_t)bar * b->done / b->n) : bar;
	tui_put(w, 1, 1, 1, A_NORMAL, "[");
	for (i = 0; i < bar; i++)
		tui_put(w, 1, 2 + i, 1, i < fill ? theme_attr(TUI_R_OK) :
		    theme_attr(TUI_R_DIM), theme_glyph(i < fill ?
		    TUI_G_BAR_FULL : TUI_G_BAR_EMPTY));
	tui_put(w, 1, 2 + bar, 1, A_NORMAL, "]");
	snprintf(dur, sizeof dur, "%.1fs", (double)((all_done ? b->ended_ms :
	    tui_now_ms()) - b->started_ms) / 1000.0);
	tui_putf(w, 1, 4 + bar, COLS - bar - 5, A_NORMAL, "%3d%%  %s",
	    b->n > 0 ? (int)((int64_t)100 * b->done / b->n) : 100, dur);
	free(dn);
	free(tn);

	/*
	 * Name, result (the longest diagnosis key, or "ok" with the logon
	 * method, whole), time, mailbox (STAT) and the message; a failed
	 * row has no mailbox, so its message starts there.  The row under
	 * the cursor shows its whole message on the status line.
	 */
	nw = 18;
	rw = 26;
	tw = 7;
	bw = 14;
	mw = COLS - 3 - nw - rw - tw - bw - 4;
	tui_put(w, 2, 3, nw, theme_attr(TUI_R_COLHEAD), "Name");
	tui_put(w, 2, 3 + nw + 1, rw, theme_attr(TUI_R_COLHEAD), "Result");
	tui_put(w, 2, 3 + nw + rw + 2, tw, theme_attr(TUI_R_COLHEAD),
	    "   Time");
	tui_put(w, 2, 3 + nw + rw + tw + 3, bw, theme_attr(TUI_R_COLHEAD),
	    "Mailbox");
	tui_put(w, 2, 3 + nw + rw + tw + bw + 4, mw,
	    theme_attr(TUI_R_COLHEAD), "Message");
	b->page = LINES - 5;
	if (b->cur < b->top)
		b->top = b->cur;
	if (b->cur >= b->top + b->page)
		b->top = b->cur - b->page + 1;
	for (i = 0, y = 3; b->top + i < b->n && i < b->page; i++, y++) {
		r = &b->rows[b->top + i];
		a = b->top + i == b->cur ? theme_attr(TUI_R_CURSOR) : A_NORMAL;
		tui_fill(w, y, 0, COLS, a);
		tui_put(w, y, 3, nw, a, r->name);
		switch (r->state) {
		case SCR_BULK_T_WAIT:
			tui_put(w, y, 3 + nw + 1, rw, a | A_DIM, "waiting");
			break;
		case SCR_BULK_T_SKIP:
			tui_put(w, y, 3 + nw + 1, rw, a | A_DIM, "skipped");
			break;
		case SCR_BULK_T_RUN:
			tui_put(w, y, 3 + nw + 1, rw, b->top + i == b->cur ? a :
			    theme_attr(TUI_R_WARN), "running");
			break;
		case SCR_BULK_T_DONE:
			tui_put(w, y, 1, 1, b->top + i == b->cur ? a :
			    r->ok ? theme_attr(TUI_R_OK) :
			    theme_attr(TUI_R_ERROR), theme_glyph(r->ok ?
			    TUI_G_CHECK : TUI_G_CROSS));
			tui_put(w, y, 3 + nw + 1, rw, b->top + i == b->cur ?
			    a : r->ok ? theme_attr(TUI_R_OK) :
			    theme_attr(TUI_R_ERROR), r->result != NULL ?
			    r->result : "?");
			if (r->ms > 0)
				tui_putf(w, y, 3 + nw + rw + 2, tw, a,
				    "%6.2fs", (double)r->ms / 1000.0);
			if (r->have_stat) {
				mbox = scr_bulk_mailbox(r->messages,
				    r->octets);
				tui_put(w, y, 3 + nw + rw + tw + 3, bw, a,
				    mbox);
				free(mbox);
				tui_put(w, y, 3 + nw + rw + tw + bw + 4, mw, a,
				    r->message != NULL ? r->message : "");
			} else
				tui_put(w, y, 3 + nw + rw + tw + 3,
				    bw + 1 + mw, a, r->message != NULL ?
				    r->message : "");
			break;
		}
	}
	/* The whole message of the row under the cursor. */
	r = b->n > 0 ? &b->rows[b->cur] : NULL;
	if (r != NULL && r->state == SCR_BULK_T_DONE && r->message != NULL &&
	    *r->message != '\0') {
		hint = xasprintf("%s: %s", r->name, r->message);
		wdg_status_draw(t, w, LINES - 2, hint);
		free(hint);
	} else
		wdg_status_draw(t, w, LINES - 2, all_done ? "Enter tests the "
		    "profile under the cursor again, with its trace" :
		    "the tests run 8 at a time; Esc stops them");
	if (!all_done)
		keys[nk++] = (struct wdg_key){ "Esc", "stop", true };
	keys[nk++] = (struct wdg_key){ "Up/Dn", "move", false };
	keys[nk++] = (struct wdg_key){ "Enter", "test one, with trace",
	    false };
	if (all_done)
		keys[nk++] = (struct wdg_key){ "Esc", "close", true };
	wdg_status_keybar(w, LINES - 1, keys, nk);
}

static int
scr_bulk_test_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct scr_bulk_test *b = s->priv;
	struct profile *p = NULL;
	char *cause = NULL;
	enum pc_err rc;
	int i;

	tui_msg_clear(t);
	if (tui_key_cancel(k) || tui_key_is(k, 'q')) {
		if (b->done == b->n || (b->stopped && b->running == 0))
			return TUI_CLOSE;
		b->stopped = true;
		for (i = 0; i < b->n; i++) {
			if (b->rows[i].state == SCR_BULK_T_RUN)
				tui_job_cancel(b->rows[i].job);
			else if (b->rows[i].state == SCR_BULK_T_WAIT)
				b->rows[i].state = SCR_BULK_T_SKIP;
		}
		if (b->running == 0)
			b->ended_ms = tui_now_ms();
		tui_msg(t, TUI_MSG_WARN, "tests stopped");
		return TUI_REDRAW;
	}
	if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j'))
		b->cur++;
	else if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k'))
		b->cur--;
	else if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, TUI_CTRL('f')))
		b->cur += b->page - 1;
	else if (tui_key_fn(k, KEY_PPAGE) || tui_key_is(k, TUI_CTRL('b')))
		b->cur -= b->page - 1;
	else if (tui_key_fn(k, KEY_HOME))
		b->cur = 0;
	else if (tui_key_fn(k, KEY_END))
		b->cur = b->n - 1;
	else if (tui_key_enter(k) && b->n > 0) {
		rc = store_get(t->st, b->rows[b->cur].name, &p, &cause);
		if (rc) {
			tui_msg(t, TUI_MSG_ERROR, "%s", cause != NULL ? cause :
			    pc_err_str(rc));
			free(cause);
		} else
			scr_logon_enter(t, p, true);
		return TUI_REDRAW;
	} else
		return TUI_NONE;
	if (b->cur >= b->n)
		b->cur = b->n - 1;
	if (b->cur < 0)
		b->cur = 0;
	return TUI_REDRAW;
}

static void
scr_bulk_test_free(struct tui *t, struct tui_screen *s)
{
	struct scr_bulk_test *b = s->priv;
	int i;

	for (i = 0; i < b->n; i++) {
		tui_job_free(t, b->rows[i].job);
		trace_free(b->rows[i].tr);
		profile_free(b->rows[i].p);
		free(b->rows[i].name);
		free(b->rows[i].result);
		free(b->rows[i].message);
	}
	free(b->rows);
	free(b->title);
	tui_screen_window_free(s);
	free(b);
}

static const struct tui_screen_ops scr_bulk_test_ops = {
	.name = "test-marked",
	.draw = scr_bulk_test_draw,
	.key = scr_bulk_test_key,
	.free = scr_bulk_test_free,
};

void
scr_bulk_test_enter(struct tui *t, const char *group, char *const *names,
    int n)
{
	struct store_list sl = { NULL, 0, NULL, NULL };
	struct store_filter f = { .group = NULL };
	struct scr_bulk_test *b;
	struct tui_screen *s;
	char *cause = NULL, *cnt;
	int64_t count = 0;
	int i;

	b = xcalloc(1, sizeof *b);
	if (names == NULL) {
		f.group = group;
		f.text = NULL;
		if (store_count_filter(t->st, &f, &count, &cause) != PC_OK ||
		    store_list_page(t->st, &f, 0, (int)count, &sl, &cause) !=
		    PC_OK) {
			tui_msg(t, TUI_MSG_ERROR, "%s", cause != NULL ? cause :
			    "cannot read the group");
			free(cause);
			free(b);
			return;
		}
		b->n = sl.n;
		b->rows = xcalloc(sl.n > 0 ? (size_t)sl.n : 1,
		    sizeof *b->rows);
		for (i = 0; i < sl.n; i++)
			b->rows[i].name = xstrdup(sl.v[i]->name);
		store_list_cleanup(&sl);
		b->title = xasprintf("Test group %s", *group ? group :
		    "(no group)");
	} else {
		b->n = n;
		b->rows = xcalloc(n > 0 ? (size_t)n : 1, sizeof *b->rows);
		for (i = 0; i < n; i++)
			b->rows[i].name = xstrdup(names[i]);
		cnt = wdg_status_count(n);
		b->title = xasprintf("Test %s marked profile%s", cnt, n == 1 ?
		    "" : "s");
		free(cnt);
	}
	b->started_ms = tui_now_ms();
	s = tui_push(t, &scr_bulk_test_ops, b);
	if (s == NULL)
		return;
	b->s = s;
	tui_screen_window(s);
	scr_bulk_test_fill(t, b);
	if (b->done == b->n)
		b->ended_ms = tui_now_ms();
}
