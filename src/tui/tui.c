/*
 * tui.c - the terminal UI's core: start-up and every exit path (the
 * terminal is restored on a normal exit, on exit(), and on a crash or
 * termination signal), the screen stack, and the one event loop.
 *
 * The loop polls standard input and the sockets of every running test
 * logon together, so a live trace scrolls while keys still work and a
 * group test runs many sessions in one thread.  Each turn it advances the
 * logons, reads the keys that are waiting, hands each to the top screen
 * (which returns TUI_* flags and never draws), removes closed screens, and
 * redraws when something changed.  KEY_RESIZE is handled here and only here.
 *
 * Safe text output (tui_put), through which every string on screen
 * passes, is in tui_text.c.
 *
 * A little over 900 lines, one piece: start-up and the exit paths, the
 * screen stack, the job runner and the loop share struct tui and the loop's
 * poll set.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "popconn/tui.h"
#include "tui_int.h"
#include "popconn/clock.h"
#include "popconn/logon.h"
#include "popconn/run.h"

#define TUI_MAX_POLLFDS	72
#define TUI_TICK_MS	200	/* clock refresh while a logon runs */

/* Set while curses owns the terminal; read by the signal handler. */
static volatile sig_atomic_t tui_in_curses;

struct tui_job {
	struct tui_job	*next;
	struct logon	*lg;
	tui_job_done_cb	 done;
	void		*arg;
	bool		 reported;	/* done callback called */
	int		 fd_first;	/* its entries in the loop's pollfds */
	int		 nfd;
};

/* ---- exit paths ------------------------------------------------------ */

static void
tui_restore(void)
{
	if (tui_in_curses) {
		tui_in_curses = 0;
		endwin();
	}
}

/*
 * A crash or a termination signal: give the terminal back, then die of the
 * same signal with its default action (so a core dump or the shell's
 * "Terminated" still happens).  endwin() is not async-signal-safe; we are
 * about to die anyway and a usable terminal matters more.
 */
static void
tui_signal(int sig)
{
	tui_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
tui_signals_install(void)
{
	static const int sigs[] = { SIGSEGV, SIGABRT, SIGTERM, SIGINT,
	    SIGHUP, SIGQUIT, SIGBUS, SIGFPE, SIGILL };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tui_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	/* A peer closing a socket must not kill the UI. */
	signal(SIGPIPE, SIG_IGN);
}

/* ---- small helpers --------------------------------------------------- */

int64_t
tui_now_ms(void)
{
	return clock_now_ms();
}

/* Keep msg, with the time, for the recent-messages view (^O). */
static void
tui_msg_keep(struct tui *t, enum tui_msg kind, const char *msg)
{
	char when[16];
	struct tm tm;
	time_t now = time(NULL);
	int i;

	if (t->nhist > 0) {
		i = (t->nhist - 1) % TUI_MSG_HIST;
		/* The same message again (a repeated key) is kept once. */
		if (strcmp(t->hist[i] + 9, msg) == 0)
			return;
	}
	localtime_r(&now, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	i = t->nhist % TUI_MSG_HIST;
	free(t->hist[i]);
	t->hist[i] = xasprintf("%s %s", when, msg);
	t->hist_kind[i] = kind;
	t->nhist++;
}

/* The recent messages, oldest first, in full and in their colours. */
static void
tui_msgs_open(struct tui *t)
{
	static const enum tui_role roles[] = { TUI_R_NORMAL, TUI_R_OK,
	    TUI_R_WARN, TUI_R_ERROR };
	char **lines;
	int n, i, first, k;

	n = t->nhist < TUI_MSG_HIST ? t->nhist : TUI_MSG_HIST;
	first = t->nhist - n;
	lines = xcalloc((size_t)n + 1, sizeof *lines);
	if (n == 0)
		lines[0] = xstrdup("No messages yet.");
	for (i = 0; i < n; i++) {
		k = (first + i) % TUI_MSG_HIST;
		lines[i] = wdg_menu_view_line(roles[t->hist_kind[k]], "%s",
		    t->hist[k]);
	}
	wdg_menu_view_open(t, "Recent messages (newest last)", lines,
	    n > 0 ? n : 1, NULL, 0, NULL, NULL);
	for (i = 0; i < (n > 0 ? n : 1); i++)
		free(lines[i]);
	free(lines);
}

void
tui_msg(struct tui *t, enum tui_msg kind, const char *fmt, ...)
{
	va_list ap;

	free(t->msg);
	va_start(ap, fmt);
	t->msg = xvasprintf(fmt, ap);
	va_end(ap);
	t->msg_kind = kind;
	t->dirty = true;
	tui_msg_keep(t, kind, t->msg);
}

void
tui_msg_clear(struct tui *t)
{
	free(t->msg);
	t->msg = NULL;
}

void
tui_changed(struct tui *t)
{
	t->gen++;
	t->dirty = true;
}

/* ---- screens --------------------------------------------------------- */

struct tui_screen *
tui_push(struct tui *t, const struct tui_screen_ops *ops, void *priv)
{
	struct tui_screen *s;

	if (t->depth == TUI_MAX_SCREENS) {
		/* Cannot happen with the screens popconn has; refuse. */
		ops->free(t, &(struct tui_screen){ .ops = ops, .priv = priv });
		tui_msg(t, TUI_MSG_ERROR, "too many windows open");
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->ops = ops;
	s->priv = priv;
	t->stack[t->depth++] = s;
	t->dirty = true;
	return s;
}

void
tui_close(struct tui *t, struct tui_screen *s)
{
	s->closing = true;
	t->dirty = true;
}

/* The topmost screen that is not closing. */
static struct tui_screen *
tui_top(struct tui *t)
{
	int i;

	for (i = t->depth - 1; i >= 0; i--)
		if (!t->stack[i]->closing)
			return t->stack[i];
	return NULL;
}

void
tui_screen_window(struct tui_screen *s)
{
	s->win = newwin(LINES, COLS, 0, 0);
	keypad(s->win, TRUE);
	s->pan = new_panel(s->win);
}

void
tui_screen_window_free(struct tui_screen *s)
{
	if (s->pan != NULL)
		del_panel(s->pan);
	if (s->win != NULL)
		delwin(s->win);
	s->pan = NULL;
	s->win = NULL;
}

/* Remove closed screens, topmost first (a dialog before its parent). */
static void
tui_reap(struct tui *t)
{
	struct tui_screen *s;
	int i, j;

	for (i = t->depth - 1; i >= 0; i--) {
		s = t->stack[i];
		if (!s->closing)
			continue;
		s->ops->free(t, s);
		free(s);
		for (j = i; j < t->depth - 1; j++)
			t->stack[j] = t->stack[j + 1];
		t->depth--;
		t->dirty = true;
	}
}

/* ---- too small ------------------------------------------------------- */

/* Whether any screen holds changes not saved yet. */
static bool
tui_unsaved(struct tui *t)
{
	struct tui_screen *s;
	int i;

	for (i = 0; i < t->depth; i++) {
		s = t->stack[i];
		if (!s->closing && s->ops->unsaved != NULL &&
		    s->ops->unsaved(t, s))
			return true;
	}
	return false;
}

static WINDOW *tui_small_win;
static PANEL *tui_small_pan;

static void
tui_small_draw(struct tui *t)
{
	char *a, *b;
	int y, x;

	if (tui_small_win == NULL) {
		tui_small_win = newwin(LINES, COLS, 0, 0);
		tui_small_pan = new_panel(tui_small_win);
	}
	top_panel(tui_small_pan);
	werase(tui_small_win);
	y = LINES / 2 - 1;
	if (y < 0)
		y = 0;
	a = xasprintf("popconn needs %dx%d", TUI_MIN_COLS, TUI_MIN_LINES);
	b = xasprintf("this terminal is %dx%d: please enlarge it (q quits)",
	    COLS, LINES);
	if (t->small_quit) {
		free(b);
		b = xstrdup("unsaved changes: q again quits without saving");
	}
	x = (COLS - tui_width(a)) / 2;
	tui_put(tui_small_win, y, x > 0 ? x : 0, COLS, theme_attr(TUI_R_WARN),
	    a);
	x = (COLS - tui_width(b)) / 2;
	if (LINES > 1)
		tui_put(tui_small_win, y + 1, x > 0 ? x : 0, COLS, A_NORMAL, b);
	free(a);
	free(b);
}

static void
tui_small_free(void)
{
	if (tui_small_pan != NULL)
		del_panel(tui_small_pan);
	if (tui_small_win != NULL)
		delwin(tui_small_win);
	tui_small_pan = NULL;
	tui_small_win = NULL;
}

/* ---- drawing and resizing -------------------------------------------- */

/*
 * Draw the screens; out = false lays them out without writing to the
 * terminal (between keys of one burst, see tui_read_keys).
 */
static void
tui_draw(struct tui *t, bool out)
{
	struct tui_screen *s, *top;
	int i, base = 0;
	bool cur = false;

	if (t->small) {
		tui_small_draw(t);
		curs_set(0);
		update_panels();
		if (out)
			doupdate();
		return;
	}
	tui_small_free();
	/* Only from the topmost full screen up: the rest is hidden. */
	for (i = t->depth - 1; i >= 0; i--) {
		if (!t->stack[i]->closing && !t->stack[i]->ops->overlay) {
			base = i;
			break;
		}
	}
	for (i = base; i < t->depth; i++) {
		s = t->stack[i];
		if (!s->closing)
			s->ops->draw(t, s);
	}
	update_panels();
	top = tui_top(t);
	if (top != NULL && top->ops->cursor != NULL)
		cur = top->ops->cursor(t, top);
	curs_set(cur ? 1 : 0);
	/* No cursor shown: leave it where the last change left it instead
	 * of moving it back to the top window's position, which costs a
	 * cursor address on every update (bench/tui.sh).  The next
	 * wnoutrefresh sets this again from its window. */
	if (!cur)
		leaveok(newscr, TRUE);
	if (out)
		doupdate();
}

/* The one place KEY_RESIZE is handled. */
static void
tui_resize(struct tui *t)
{
	struct tui_screen *s;
	int i;

	t->small = COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES;
	t->small_quit = false;
	tui_small_free();
	for (i = 0; i < t->depth; i++) {
		s = t->stack[i];
		if (s->win != NULL && !s->ops->overlay) {
			wresize(s->win, LINES, COLS);
			mvwin(s->win, 0, 0);
			replace_panel(s->pan, s->win);
		}
		if (s->ops->resize != NULL)
			s->ops->resize(t, s);
	}
	/* Repaint every cell: a terminal may keep junk after a resize. */
	clearok(curscr, TRUE);
	t->dirty = true;
}

char *
tui_write_cause(struct tui *t, enum pc_err rc, char *cause)
{
	char *s;

	if (rc == PC_E_DB && store_read_only(t->st))
		s = xstrdup("the database is read-only (opened for browsing)");
	else
		s = xstrdup(cause != NULL ? cause : pc_err_str(rc));
	free(cause);
	return s;
}

/* ---- jobs (test logons) ---------------------------------------------- */

struct tui_job *
tui_job_start(struct tui *t, const struct profile *p, struct trace *tr,
    const char *trusted, tui_job_done_cb done, void *arg)
{
	struct logon_opts o;
	struct tui_job *j;

	memset(&o, 0, sizeof o);
	o.trusted_capa = trusted;
	/*
	 * Built-in OAuth2: the token request (run_start) blocks (bounded by
	 * the profile's timeout) before the session starts.  TODO(issue 15):
	 * run it in the poll loop (curl multi) so Esc can stop it.
	 */
	j = xcalloc(1, sizeof *j);
	j->done = done;
	j->arg = arg;
	j->lg = run_start(t->st, p, tr, &o);
	j->next = t->jobs;
	t->jobs = j;
	t->dirty = true;
	return j;
}

void
tui_job_cancel(struct tui_job *j)
{
	if (j != NULL && !logon_done(j->lg))
		logon_cancel(j->lg);
}

const struct logon_result *
tui_job_result(const struct tui_job *j)
{
	return logon_result(j->lg);
}

void
tui_job_free(struct tui *t, struct tui_job *j)
{
	struct tui_job **pp;

	if (j == NULL)
		return;
	for (pp = &t->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	if (!logon_done(j->lg))
		logon_cancel(j->lg);
	logon_free(j->lg);
	free(j);
}

/* Whether any job is running (the loop ticks for running clocks). */
static bool
tui_jobs_running(const struct tui *t)
{
	const struct tui_job *j;

	for (j = t->jobs; j != NULL; j = j->next)
		if (!logon_done(j->lg))
			return true;
	return false;
}

/* Collect the jobs' descriptors after fds[0] (stdin); returns the count. */
static int
tui_jobs_pollfds(struct tui *t, struct pollfd *fds, int *timeout)
{
	struct tui_job *j;
	int n = 1, tmo;

	for (j = t->jobs; j != NULL; j = j->next) {
		j->fd_first = n;
		j->nfd = 0;
		if (logon_done(j->lg)) {
			/* Finished (or cancelled) but not reported yet. */
			if (!j->reported)
				*timeout = 0;
			continue;
		}
		if (n + 4 <= TUI_MAX_POLLFDS)
			j->nfd = logon_pollfds(j->lg, fds + n, 4);
		n += j->nfd;
		tmo = logon_timeout_ms(j->lg);
		if (tmo > TUI_TICK_MS)
			tmo = TUI_TICK_MS;
		if (*timeout < 0 || tmo < *timeout)
			*timeout = tmo;
	}
	return n;
}

static void
tui_jobs_advance(struct tui *t, const struct pollfd *fds)
{
	struct tui_job *j, *next;

	for (j = t->jobs; j != NULL; j = j->next) {
		if (logon_done(j->lg))
			continue;
		logon_advance(j->lg, fds + j->fd_first, j->nfd);
		t->dirty = true;
	}
	/* Done callbacks may free their own job, so walk with care. */
	for (j = t->jobs; j != NULL; j = next) {
		next = j->next;
		if (logon_done(j->lg) && !j->reported) {
			j->reported = true;
			t->dirty = true;
			if (j->done != NULL)
				j->done(t, j, j->arg);
		}
	}
}


/* ---- the loop -------------------------------------------------------- */

static void
tui_dispatch(struct tui *t, const struct tui_key *k)
{
	struct tui_screen *top;
	int fl;

	if (k->fn && k->ch == KEY_RESIZE) {
		tui_resize(t);
		return;
	}
	if (t->small) {
		/*
		 * Nothing is visible to act on, but leaving must work: q or
		 * ^C quits, at once unless a screen holds unsaved changes
		 * (then the message says so and a second press quits).
		 */
		if (tui_key_is(k, 'q') || tui_key_is(k, 'Q') ||
		    tui_key_is(k, TUI_CTRL('c'))) {
			if (t->small_quit || !tui_unsaved(t))
				t->quit = true;
			t->small_quit = true;
			t->dirty = true;
		} else if (t->small_quit) {
			t->small_quit = false;
			t->dirty = true;
		}
		return;
	}
	top = tui_top(t);
	if (top == NULL) {
		t->quit = true;
		return;
	}
	/* On every screen: the recent messages in full. */
	if (tui_key_is(k, TUI_KEY_MSGS)) {
		if (strcmp(top->ops->name, "view") != 0)
			tui_msgs_open(t);
		return;
	}
	fl = top->ops->key(t, top, k);
	if (fl & TUI_CLOSE)
		tui_close(t, top);
	if (fl & TUI_QUIT)
		t->quit = true;
	if (fl & (TUI_REDRAW | TUI_CLOSE))
		t->dirty = true;
	tui_reap(t);
	if (tui_top(t) == NULL)
		t->quit = true;
}

/* ---- keys the terminal description does not know -------------------- */

/*
 * Sequences terminals send for the moving keys popconn uses, in both
 * cursor modes.  A terminfo entry such as vt100 defines none of PgUp,
 * PgDn, Home, End or Shift-Tab, and linux calls Shift-Tab "\E^I", yet the
 * terminal in between (tmux, screen, an xterm under TERM=vt100) still
 * sends these.  Only sequences the entry leaves undefined are added, so
 * the entry wins wherever it has a say.
 */
static const struct {
	const char	*seq;
	int		 code;
} tui_extra_keys[] = {
	{ "\033[A", KEY_UP },	{ "\033OA", KEY_UP },
	{ "\033[B", KEY_DOWN },	{ "\033OB", KEY_DOWN },
	{ "\033[C", KEY_RIGHT },	{ "\033OC", KEY_RIGHT },
	{ "\033[D", KEY_LEFT },	{ "\033OD", KEY_LEFT },
	{ "\033[5~", KEY_PPAGE },	{ "\033[6~", KEY_NPAGE },
	{ "\033[1~", KEY_HOME },	{ "\033[7~", KEY_HOME },
	{ "\033[H", KEY_HOME },	{ "\033OH", KEY_HOME },
	{ "\033[4~", KEY_END },	{ "\033[8~", KEY_END },
	{ "\033[F", KEY_END },	{ "\033OF", KEY_END },
	{ "\033[2~", KEY_IC },	{ "\033[3~", KEY_DC },
	{ "\033[Z", KEY_BTAB },
};

static void
tui_keys_define(void)
{
	size_t i;
	int have;

	for (i = 0; i < sizeof tui_extra_keys / sizeof tui_extra_keys[0];
	    i++) {
		/*
		 * Codes past KEY_MAX are the entry's extended names, which
		 * the screens do not know: linux calls "\E[Z" kcbt2 (a
		 * second Shift-Tab); that becomes KEY_BTAB.
		 */
		have = key_defined(tui_extra_keys[i].seq);
		if (have == 0 || have > KEY_MAX)
			define_key(tui_extra_keys[i].seq,
			    tui_extra_keys[i].code);
	}
}

/* The key of a CSI sequence "ESC [ P ; ... F" curses did not know. */
static int
tui_csi_key(int param, wint_t final)
{
	switch (final) {
	case 'A':
		return KEY_UP;
	case 'B':
		return KEY_DOWN;
	case 'C':
		return KEY_RIGHT;
	case 'D':
		return KEY_LEFT;
	case 'H':
		return KEY_HOME;
	case 'F':
		return KEY_END;
	case 'Z':
		return KEY_BTAB;
	case '~':
		switch (param) {
		case 1:
		case 7:
			return KEY_HOME;
		case 4:
		case 8:
			return KEY_END;
		case 2:
			return KEY_IC;
		case 3:
			return KEY_DC;
		case 5:
			return KEY_PPAGE;
		case 6:
			return KEY_NPAGE;
		}
		break;
	}
	return 0;
}

/*
 * curses hands over an escape sequence it does not know (a function key
 * the terminfo entry lacks, a key with a modifier such as Ctrl-PgDn) as
 * Esc followed by its characters, which would close a screen and then
 * type letters.  When Esc comes with "[" or "O" right behind it in the
 * same read, the whole sequence is taken here: a moving key popconn
 * knows becomes that key, anything else is dropped.  An Esc typed by
 * itself is alone in its read (curses waited ESCDELAY for more).
 * Returns false when k is a plain Esc to deliver.
 */
static bool
tui_escape_seq(struct tui_key *k)
{
	wint_t ch, intro;
	int r, param = 0, nparam = 0, n;

	r = wget_wch(stdscr, &intro);
	if (r == ERR)
		return false;
	if (r != OK || (intro != '[' && intro != 'O')) {
		/* Esc then another key: give that key back. */
		if (r == KEY_CODE_YES)
			ungetch((int)intro);
		else
			unget_wch((wchar_t)intro);
		return false;
	}
	/* Parameter and intermediate bytes, then one final byte. */
	for (n = 0; n < 32; n++) {
		r = wget_wch(stdscr, &ch);
		if (r != OK)
			break;
		if (intro == '[' && ch >= '0' && ch <= '9' && nparam == 0)
			param = param * 10 + (int)(ch - '0');
		else if (intro == '[' && ch >= 0x20 && ch <= 0x3f)
			nparam++;	/* ';' and what follows: modifiers */
		else
			break;
	}
	k->fn = true;
	k->ch = 0;
	if (r == OK && ch >= 0x40 && ch <= 0x7e)
		k->ch = (wint_t)tui_csi_key(intro == 'O' ? 0 : param, ch);
	return true;
}

/* Read every key that is waiting (stdin is non-blocking for curses). */
static void
tui_read_keys(struct tui *t)
{
	struct tui_key k;
	wint_t ch;
	int r, n;
	bool redrawn = false;

	for (n = 0; n < 512 && !t->quit; n++) {
		/*
		 * A key that changed the screen (a new tab, a dialog) is
		 * drawn before the next key of the same burst is taken: the
		 * next key acts on the layout it was typed at.  Nothing is
		 * written to the terminal until the burst ends.
		 */
		if (t->dirty && n > 0 && tui_top(t) != NULL) {
			tui_draw(t, false);
			t->dirty = false;
			redrawn = true;
		}
		r = wget_wch(stdscr, &ch);
		if (r == ERR)
			break;
		k.ch = ch;
		k.fn = r == KEY_CODE_YES;
		if (!k.fn && k.ch == TUI_ESC && tui_escape_seq(&k) &&
		    k.ch == 0)
			continue;	/* a sequence popconn has no use for */
		tui_dispatch(t, &k);
	}
	if (redrawn)
		t->dirty = true;	/* the loop writes the last state */
}

/* The top screen's idle tick, when it has one and it is due. */
static int
tui_tick_timeout(struct tui *t, int64_t *next_tick, int timeout)
{
	struct tui_screen *top = tui_top(t);
	int64_t left;

	if (top == NULL || top->ops->tick == NULL || t->small)
		return timeout;
	left = *next_tick - tui_now_ms();
	if (t->wake_at > 0 && t->wake_at - tui_now_ms() < left)
		left = t->wake_at - tui_now_ms();
	if (left < 0)
		left = 0;
	if (timeout < 0 || left < timeout)
		timeout = (int)left;
	return timeout;
}

static void
tui_tick(struct tui *t, int64_t *next_tick)
{
	struct tui_screen *top = tui_top(t);
	int fl;

	if (tui_now_ms() < *next_tick && (t->wake_at == 0 ||
	    tui_now_ms() < t->wake_at))
		return;
	if (t->wake_at == 0 || tui_now_ms() < t->wake_at)
		*next_tick = tui_now_ms() + TUI_TICK_IDLE_MS;
	t->wake_at = 0;
	if (top == NULL || top->ops->tick == NULL || t->small)
		return;
	fl = top->ops->tick(t, top);
	if (fl & TUI_REDRAW)
		t->dirty = true;
}

static void
tui_loop(struct tui *t)
{
	struct pollfd fds[TUI_MAX_POLLFDS];
	int64_t next_tick = tui_now_ms() + TUI_TICK_IDLE_MS;
	int n, timeout;

	t->dirty = true;
	while (!t->quit) {
		tui_reap(t);
		if (tui_top(t) == NULL)
			break;
		if (t->dirty) {
			t->dirty = false;
			tui_draw(t, true);
		}
		fds[0].fd = STDIN_FILENO;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		timeout = -1;
		n = tui_jobs_pollfds(t, fds, &timeout);
		timeout = tui_tick_timeout(t, &next_tick, timeout);
		if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR)
			break;
		tui_tick(t, &next_tick);
		tui_jobs_advance(t, fds);
		if (tui_jobs_running(t))
			t->dirty = true;	/* running clocks */
		/*
		 * Also after EINTR: SIGWINCH interrupts poll() and curses
		 * then reports KEY_RESIZE.
		 */
		if (fds[0].revents & POLLIN)
			next_tick = tui_now_ms() + TUI_TICK_IDLE_MS;
		tui_read_keys(t);
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			t->quit = true;		/* the terminal went away */
	}
}

static void
tui_free_all(struct tui *t)
{
	struct tui_screen *s;

	while (t->depth > 0) {
		s = t->stack[--t->depth];
		s->ops->free(t, s);
		free(s);
	}
	while (t->jobs != NULL)
		tui_job_free(t, t->jobs);
	tui_small_free();
}

int
tui_main(const struct store_opts *o)
{
	struct tui t;
	SCREEN *scr;
	char *cause = NULL;
	const char *cs;
	enum pc_err rc;
	bool utf8;
	int i;

	memset(&t, 0, sizeof t);
	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "popconn: the terminal UI needs a terminal; "
		    "use a command instead (popconn --help)\n");
		return 2;
	}
	rc = store_open(o, &t.st, &cause);
	if (rc) {
		fprintf(stderr, "popconn: %s\n", cause != NULL ? cause :
		    pc_err_str(rc));
		free(cause);
		return rc == PC_E_INVALID ? 2 : 4;
	}
	scr = newterm(NULL, stdout, stdin);
	if (scr == NULL) {
		fprintf(stderr, "popconn: cannot use this terminal (TERM=%s)\n",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		store_close(t.st);
		return 2;
	}
	tui_in_curses = 1;
	atexit(tui_restore);
	tui_signals_install();
	/* Esc answers at once (25 ms) unless the user chose a delay. */
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	raw();			/* ^S, ^Q, ^C, ^Z arrive as keys */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	tui_keys_define();
	tui_text_init(utf8);
	theme_init(utf8);
	/* stdscr stays blank under the panels; refresh it once. */
	refresh();
	t.small = COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES;
	scr_list_enter(&t);
	tui_loop(&t);
	tui_free_all(&t);
	tui_restore();
	delscreen(scr);
	free(t.msg);
	for (i = 0; i < TUI_MSG_HIST; i++)
		free(t.hist[i]);
	store_close(t.st);
	return 0;
}
