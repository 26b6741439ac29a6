/*
 * scr_logon.c - the test logon pane: the live trace of one session
 * scrolling while it runs, with the step list and the diagnosis always in
 * view below it.  The session is a tui_job, advanced by the event loop's
 * poll() beside the keyboard, so the pane answers keys at once: Esc
 * cancels a running test (and closes a finished one), "s" saves the trace
 * to a file, "r" runs it again, "t" runs it again trusting the
 * capabilities the last test saw (no CAPA: a round trip less), "h" shows
 * every recorded result of the profile, the arrows scroll.  After
 * cert_untrusted or cert_name_mismatch, "p" pins the certificate the
 * server showed (tls_verify=pin with its SHA-256), once the user has seen
 * the whole fingerprint and said yes; saved with the profile's version, so
 * a profile changed meanwhile is a conflict, never overwritten.  Not after
 * cert_expired: a pin skips the date check, so it would hide the problem
 * instead of fixing it.
 *
 * The trace arrives already escaped and redacted (trace.h); the pane only
 * colours it.  When the test was started on a saved, unmodified profile,
 * its diagnosis is recorded as the profile's last result, and what CAPA
 * said over TLS is saved for a repeat (both by run_record).  Below the
 * result, the rows the result leaves free show the profile's last
 * recorded results (store_test_list), read when the pane opens and after
 * each test, never while drawing.
 */
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "popconn/diag.h"
#include "popconn/logon.h"
#include "popconn/run.h"
#include "tui_int.h"

struct scr_logon {
	struct tui_screen *s;
	struct profile	*p;
	char		*name;		/* profile name, or "unsaved" */
	struct trace	*tr;
	struct wdg_trace *tw;
	struct tui_job	*job;
	bool		 record;	/* store the result as last_result */
	bool		 finished;
	bool		 cancelled;	/* by the user, with Esc */
	int64_t		 started_ms;
	int64_t		 ended_ms;
	char		*pending_path;	/* awaiting "overwrite?" */
	char		*last_path;	/* where the trace was last saved */
	struct store_test_list hist;	/* the profile's last results */
};

#define SCR_LOGON_HIST_ROWS	8	/* results read for the pane */

/* "12ms", "1.4s" */
static void
scr_logon_dur(char *buf, size_t len, int64_t us)
{
	if (us < 0)
		us = 0;
	if (us < 1000000)
		snprintf(buf, len, "%lldms", (long long)(us / 1000));
	else
		snprintf(buf, len, "%.1fs", (double)us / 1e6);
}

/* Whether the tested profile is the saved one (its results are its own). */
static bool
scr_logon_saved(const struct scr_logon *l)
{
	return l->record && l->p->id != 0 && l->p->name != NULL;
}

/* Read the profile's last results for the pane (nothing when unsaved). */
static void
scr_logon_hist_load(struct tui *t, struct scr_logon *l)
{
	store_test_list_cleanup(&l->hist);
	if (!scr_logon_saved(l))
		return;
	if (store_test_list(t->st, l->p->name, SCR_LOGON_HIST_ROWS, &l->hist,
	    NULL) != PC_OK)
		store_test_list_cleanup(&l->hist);
}

/* "12-07 19:20" in local time. */
static void
scr_logon_when(char *buf, size_t len, int64_t when, bool full)
{
	struct tm tm;
	time_t tt = (time_t)when;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, full ? "%Y-%m-%d %H:%M" : "%m-%d %H:%M",
	    &tm) == 0)
		snprintf(buf, len, "?");
}

static void
scr_logon_done_cb(struct tui *t, struct tui_job *j, void *arg)
{
	struct scr_logon *l = arg;
	const struct logon_result *res;
	struct store_test h;

	l->finished = true;
	l->ended_ms = tui_now_ms();
	res = tui_job_result(j);
	if (res == NULL)
		return;
	if (l->record && !l->cancelled && l->p->name != NULL) {
		/* The history row, with the profile's last result, and CAPA. */
		if (run_record(t->st, l->p, res, "tui", true, &h))
			tui_changed(t);
		store_test_cleanup(&h);
	}
	scr_logon_hist_load(t, l);
}

static void
scr_logon_start(struct tui *t, struct scr_logon *l, bool trust)
{
	char *trusted = NULL;

	tui_job_free(t, l->job);
	l->job = NULL;
	trace_free(l->tr);
	wdg_trace_clear(l->tw);
	l->tr = trace_new(0);
	wdg_trace_attach(l->tw, l->tr);
	l->finished = false;
	l->cancelled = false;
	l->started_ms = tui_now_ms();
	if (trust)
		trusted = run_trusted(t->st, l->p, l->tr, l->record);
	l->job = tui_job_start(t, l->p, l->tr, trusted, scr_logon_done_cb, l);
	free(trusted);
}

/* ---- drawing --------------------------------------------------------- */

static int
scr_logon_steps_rows(const struct logon_result *res, int cols)
{
	int per = (cols - 2) / 19, n;

	if (per < 1)
		per = 1;
	n = res != NULL && res->nsteps > 0 ? res->nsteps : 1;
	return (n + per - 1) / per;
}

static void
scr_logon_draw_steps(struct scr_logon *l, WINDOW *w, int y,
    const struct logon_result *res)
{
	const struct logon_step *st;
	char dur[16];
	int per = (COLS - 2) / 19, i, x, yy;
	attr_t a;
	int64_t now_us;

	if (per < 1)
		per = 1;
	if (res == NULL || res->nsteps == 0) {
		tui_put(w, y, 1, COLS - 2, theme_attr(TUI_R_DIM),
		    l->finished ? "no step ran" : "starting...");
		return;
	}
	now_us = (tui_now_ms() - l->started_ms) * 1000;
	for (i = 0; i < res->nsteps; i++) {
		st = &res->steps[i];
		yy = y + i / per;
		x = 1 + (i % per) * 19;
		if (st->done) {
			a = st->ok ? theme_attr(TUI_R_OK) :
			    theme_attr(TUI_R_ERROR);
			tui_put(w, yy, x, 1, a, theme_glyph(st->ok ?
			    TUI_G_CHECK : TUI_G_CROSS));
			scr_logon_dur(dur, sizeof dur, st->end_us -
			    st->start_us);
		} else {
			a = theme_attr(TUI_R_WARN);
			tui_put(w, yy, x, 1, a, theme_glyph(TUI_G_RUNNING));
			scr_logon_dur(dur, sizeof dur, now_us - st->start_us);
		}
		tui_put(w, yy, x + 2, 9, st->done ? A_NORMAL : A_BOLD,
		    st->name != NULL ? st->name : "?");
		tui_putf(w, yy, x + 11, 6, theme_attr(TUI_R_DIM), "%6s", dur);
	}
}

/* The diagnosis and TLS lines; returns rows used (at most max). */
static int
scr_logon_draw_result(struct scr_logon *l, WINDOW *w, int y, int max,
    const struct logon_result *res)
{
	char **lines, *s, *oct, *mbox;
	const char *fp;
	int n, i, row = 0;
	attr_t a;

	if (!l->finished || res == NULL) {
		tui_put(w, y, 1, COLS - 2, theme_attr(TUI_R_DIM), l->job ==
		    NULL ? "" : "running: Esc cancels");
		return 1;
	}
	a = res->diag == DIAG_OK ? theme_attr(TUI_R_OK) :
	    theme_attr(TUI_R_ERROR);
	if (res->diag == DIAG_OK) {
		oct = res->have_stat ? wdg_status_count(res->octets) : NULL;
		mbox = res->have_stat ? xasprintf("; mailbox %ld message%s, %s "
		    "octets", res->messages, res->messages == 1 ? "" : "s",
		    oct) : xstrdup("");
		s = xasprintf("Result: ok%s%s%s", res->method != NULL ?
		    ", logged on with " : "", res->method != NULL ?
		    res->method : "", mbox);
		free(mbox);
		free(oct);
	} else if (l->cancelled)
		s = xasprintf("Result: cancelled by you%s%s",
		    res->failed_step != NULL ? " at step " : "",
		    res->failed_step != NULL ? res->failed_step : "");
	else
		s = xasprintf("Result: %s%s%s: %s", diag_key(res->diag),
		    res->failed_step != NULL ? " at step " : "",
		    res->failed_step != NULL ? res->failed_step : "",
		    res->message != NULL ? res->message : "");
	n = tui_wrap(s, COLS - 2, &lines);
	for (i = 0; i < n; i++) {
		if (row < max - 1 || (row < max && i == n - 1))
			tui_put(w, y + row++, 1, COLS - 2, i == 0 ? a | A_BOLD :
			    a, lines[i]);
		free(lines[i]);
	}
	free(lines);
	free(s);
	if (res->diag != DIAG_OK && !l->cancelled && row < max) {
		n = tui_wrap(diag_hint_at(res->diag, res->failed_at),
		    COLS - 4, &lines);
		for (i = 0; i < n; i++) {
			if (row < max)
				tui_put(w, y + row++, 3, COLS - 4, A_NORMAL,
				    lines[i]);
			free(lines[i]);
		}
		free(lines);
	}
	if (res->warning != NULL && row < max) {
		s = xasprintf("Warning: %s", res->warning);
		n = tui_wrap(s, COLS - 2, &lines);
		for (i = 0; i < n; i++) {
			if (row < max)
				tui_put(w, y + row++, 1, COLS - 2,
				    theme_attr(TUI_R_WARN), lines[i]);
			free(lines[i]);
		}
		free(lines);
		free(s);
	}
	if (res->have_tls && row < max) {
		s = xasprintf("TLS: %s %s, %s", res->tls.version != NULL ?
		    res->tls.version : "?", res->tls.cipher != NULL ?
		    res->tls.cipher : "", res->tls.verify_text != NULL ?
		    res->tls.verify_text : res->tls.verified ? "verified" :
		    "NOT verified");
		n = tui_wrap(s, COLS - 2, &lines);
		for (i = 0; i < n; i++) {
			/* Keep a row for the certificate line. */
			if (row < max - 1 || (row < max && n == 1))
				tui_put(w, y + row++, 1, COLS - 2,
				    res->tls.verified ? theme_attr(TUI_R_DIM) :
				    theme_attr(TUI_R_WARN), lines[i]);
			free(lines[i]);
		}
		free(lines);
		free(s);
	}
	if (res->have_tls && row < max) {
		fp = res->tls.fingerprint != NULL ? res->tls.fingerprint : "";
		s = xasprintf("Certificate: %s; SHA-256 %s",
		    res->tls.subject != NULL ? res->tls.subject : "?", fp);
		if (tui_width(s) > COLS - 2 && strlen(fp) > 24) {
			/* The whole fingerprint is in the saved trace. */
			free(s);
			s = xasprintf("Certificate: %s; SHA-256 %.11s%s%s",
			    res->tls.subject != NULL ? res->tls.subject : "?",
			    fp, theme_glyph(TUI_G_ELLIPSIS),
			    fp + strlen(fp) - 11);
		}
		tui_put(w, y + row++, 1, COLS - 2, theme_attr(TUI_R_DIM), s);
		free(s);
	}
	return row;
}

/* One recorded result on a line: when, result, elapsed, method. */
static char *
scr_logon_hist_line(const struct store_test *h, bool full)
{
	char when[32], dur[16], *res;
	char *s;

	scr_logon_when(when, sizeof when, h->when, full);
	scr_logon_dur(dur, sizeof dur, h->elapsed_ms * 1000);
	res = h->failed_step != NULL ? xasprintf("%s at %s", h->diagnosis !=
	    NULL ? h->diagnosis : "?", h->failed_step) : xstrdup(h->diagnosis
	    != NULL ? h->diagnosis : "?");
	s = xasprintf("%s  %-27s %7s  %-13s %s", when, res, dur,
	    h->method != NULL ? h->method : "-", h->tls_version != NULL ?
	    h->tls_version : "");
	free(res);
	return s;
}

/* The last recorded results in the rows [y, y+max) the result left. */
static void
scr_logon_draw_hist(struct scr_logon *l, WINDOW *w, int y, int max)
{
	const struct store_test *h;
	char *s;
	int i;

	if (l->hist.n == 0 || max < 2)
		return;
	tui_put(w, y, 1, COLS - 2, theme_attr(TUI_R_DIM),
	    "Last results of this profile (h shows them all):");
	for (i = 0; i < l->hist.n && i < max - 1; i++) {
		h = &l->hist.v[i];
		s = scr_logon_hist_line(h, false);
		tui_put(w, y + 1 + i, 3, COLS - 4, h->diagnosis != NULL &&
		    strcmp(h->diagnosis, "ok") == 0 ? theme_attr(TUI_R_OK) :
		    theme_attr(TUI_R_ERROR), s);
		free(s);
	}
}

/*
 * The fingerprint "p" would pin, or NULL when it does not apply: a
 * finished test of a TLS certificate that was refused as untrusted or for
 * its name, not already pinned.  Borrowed from the job's result.
 */
static const char *
scr_logon_pin_fp(const struct scr_logon *l)
{
	const struct logon_result *res;

	if (l->job == NULL || !l->finished || l->cancelled)
		return NULL;
	res = tui_job_result(l->job);
	if (res == NULL || !res->have_tls || (res->diag !=
	    DIAG_CERT_UNTRUSTED && res->diag != DIAG_CERT_NAME_MISMATCH) ||
	    !profile_valid_pin(res->tls.fingerprint))
		return NULL;
	if (l->p->tls_verify == PROF_VERIFY_PIN && l->p->tls_pin != NULL &&
	    strcasecmp(l->p->tls_pin, res->tls.fingerprint) == 0)
		return NULL;
	return res->tls.fingerprint;
}

static void
scr_logon_draw(struct tui *t, struct tui_screen *s)
{
	struct scr_logon *l = s->priv;
	const struct logon_result *res = NULL;
	struct wdg_key keys[10];
	WINDOW *w = s->win;
	char *title, *right, dur[16];
	int srows, rrows, trace_h, y, used, n = 0;

	werase(w);
	if (l->job != NULL)
		res = tui_job_result(l->job);
	title = xasprintf("Test logon: %s", l->name);
	scr_logon_dur(dur, sizeof dur, ((l->finished ? l->ended_ms :
	    tui_now_ms()) - l->started_ms) * 1000);
	if (!l->finished)
		right = xasprintf("running %s", dur);
	else if (res != NULL)
		right = xasprintf("%s in %s", res->diag == DIAG_OK ? "passed" :
		    "failed", dur);
	else
		right = xstrdup("not run");
	wdg_status_title(w, title, right);
	free(title);
	free(right);
	tui_putf(w, 1, 1, COLS - 2, A_NORMAL, "%s port %d, %s, logon %s%s%s%s",
	    l->p->address != NULL ? l->p->address : "(no address)", l->p->port,
	    profile_security_str(l->p->security), profile_auth_str(l->p->auth),
	    l->p->proxy_type != PROF_PROXY_NONE ? ", via " : "",
	    l->p->proxy_type != PROF_PROXY_NONE ?
	    profile_proxy_str(l->p->proxy_type) : "",
	    l->p->security != PROF_SEC_NONE &&
	    l->p->tls_verify == PROF_VERIFY_OFF ?
	    "  (certificate checks OFF)" : "");
	tui_rule(w, 2);

	srows = scr_logon_steps_rows(res, COLS);
	rrows = 5;
	/* A taller terminal gives the last results rows of their own. */
	if (LINES > TUI_MIN_LINES && l->hist.n > 0)
		rrows += LINES - TUI_MIN_LINES < l->hist.n + 1 ?
		    LINES - TUI_MIN_LINES : l->hist.n + 1;
	trace_h = LINES - 3 - 1 - srows - rrows - 2;
	if (trace_h < 3)
		trace_h = 3;
	wdg_trace_draw(l->tw, w, 3, trace_h);
	y = 3 + trace_h;
	tui_rule(w, y++);
	scr_logon_draw_steps(l, w, y, res);
	y += srows;
	used = scr_logon_draw_result(l, w, y, LINES - 2 - y, res);
	scr_logon_draw_hist(l, w, y + used, LINES - 2 - y - used);

	wdg_status_draw(t, w, LINES - 2, NULL);
	if (!l->finished)
		keys[n++] = (struct wdg_key){ "Esc", "cancel", true };
	keys[n++] = (struct wdg_key){ "Up/Dn", "scroll", false };
	keys[n++] = (struct wdg_key){ "End", "follow", false };
	keys[n++] = (struct wdg_key){ "s", "save trace", true };
	if (scr_logon_pin_fp(l) != NULL)
		keys[n++] = (struct wdg_key){ "p", "pin cert", true };
	if (l->finished) {
		keys[n++] = (struct wdg_key){ "r", "run again", false };
		keys[n++] = (struct wdg_key){ "t", "trust CAPA", false };
	}
	if (scr_logon_saved(l))
		keys[n++] = (struct wdg_key){ "h", "history", false };
	keys[n++] = (struct wdg_key){ "?", "help", false };
	if (l->finished)
		keys[n++] = (struct wdg_key){ "Esc", "close", true };
	wdg_status_keybar(w, LINES - 1, keys, n);
}

/* ---- saving the trace ------------------------------------------------ */

enum pc_err
scr_logon_save(const char *path, const struct trace *tr, const char *name,
    const struct logon_result *res, char **cause)
{
	const struct trace_event *ev;
	FILE *f;
	char *line;
	size_t i;
	int fd, k;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (cause != NULL)
			*cause = xasprintf("cannot write %s: %s", path,
			    strerror(errno));
		return errno == ENOENT ? PC_E_NOTFOUND : PC_E_IO;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		if (cause != NULL)
			*cause = xasprintf("cannot write %s: %s", path,
			    strerror(errno));
		return PC_E_IO;
	}
	fprintf(f, "popconn test logon trace: %s\n", name);
	if (trace_dropped(tr) > 0)
		fprintf(f, "(the first %llu events were dropped from the "
		    "ring)\n", (unsigned long long)trace_dropped(tr));
	fprintf(f, "\n");
	for (i = 0; i < trace_count(tr); i++) {
		ev = trace_get(tr, i);
		line = trace_format(ev);
		fprintf(f, "%s\n", line);
		free(line);
	}
	if (res != NULL) {
		fprintf(f, "\nsteps:\n");
		for (k = 0; k < res->nsteps; k++)
			fprintf(f, "  %-10s %-4s %8.3f s\n",
			    res->steps[k].name != NULL ? res->steps[k].name :
			    "?", res->steps[k].ok ? "ok" : "FAIL",
			    (double)(res->steps[k].end_us -
			    res->steps[k].start_us) / 1e6);
		fprintf(f, "diagnosis: %s\n", diag_key(res->diag));
		if (res->message != NULL)
			fprintf(f, "message: %s\n", res->message);
		if (res->diag != DIAG_OK)
			fprintf(f, "hint: %s\n", diag_hint_at(res->diag,
			    res->failed_at));
		if (res->have_tls)
			fprintf(f, "tls: %s %s; %s; subject %s; issuer %s; "
			    "SANs %s; valid %s to %s; SHA-256 %s\n",
			    res->tls.version ? res->tls.version : "?",
			    res->tls.cipher ? res->tls.cipher : "?",
			    res->tls.verify_text ? res->tls.verify_text : "?",
			    res->tls.subject ? res->tls.subject : "?",
			    res->tls.issuer ? res->tls.issuer : "?",
			    res->tls.sans ? res->tls.sans : "",
			    res->tls.not_before ? res->tls.not_before : "?",
			    res->tls.not_after ? res->tls.not_after : "?",
			    res->tls.fingerprint ? res->tls.fingerprint : "?");
		if (res->have_stat)
			fprintf(f, "mailbox: %ld messages, %ld octets\n",
			    res->messages, res->octets);
		fprintf(f, "elapsed: %lld ms\n", (long long)res->elapsed_ms);
	}
	if (fclose(f) != 0) {
		if (cause != NULL)
			*cause = xasprintf("cannot write %s: %s", path,
			    strerror(errno));
		return PC_E_IO;
	}
	return PC_OK;
}

static void
scr_logon_write(struct tui *t, struct scr_logon *l, const char *path)
{
	char *cause = NULL;

	if (scr_logon_save(path, l->tr, l->name, l->job != NULL &&
	    l->finished ? tui_job_result(l->job) : NULL, &cause) != PC_OK) {
		tui_msg(t, TUI_MSG_ERROR, "%s", cause);
		free(cause);
		return;
	}
	tui_msg(t, TUI_MSG_OK, "trace saved to %s%s", path, l->finished ? "" :
	    " (the test was still running)");
	xstr_replace(&l->last_path, path);
}

static void
scr_logon_overwrite_cb(struct tui *t, void *arg, int key)
{
	struct scr_logon *l = arg;

	if (key == 'y' && l->pending_path != NULL)
		scr_logon_write(t, l, l->pending_path);
	free(l->pending_path);
	l->pending_path = NULL;
}

/*
 * The path as the user meant it: "~" and "~/x" are the home directory
 * ($HOME, else the password file), "~user/x" that user's; a relative
 * path is made absolute, so the status line says exactly where the file
 * went.  Caller frees.
 */
static char *
scr_logon_expand(const char *text)
{
	const struct passwd *pw;
	const char *home = NULL, *rest;
	char *user, *cwd, *s;

	if (text[0] == '~') {
		rest = text + 1 + strcspn(text + 1, "/");
		if (rest == text + 1) {
			home = getenv("HOME");
			if (home == NULL || *home == '\0') {
				pw = getpwuid(getuid());
				home = pw != NULL ? pw->pw_dir : NULL;
			}
		} else {
			user = xstrndup(text + 1, (size_t)(rest - text - 1));
			pw = getpwnam(user);
			free(user);
			home = pw != NULL ? pw->pw_dir : NULL;
		}
		if (home != NULL)
			return xasprintf("%s%s", home, rest);
	}
	if (text[0] == '/')
		return xstrdup(text);
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return xstrdup(text);
	s = xasprintf("%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd,
	    strncmp(text, "./", 2) == 0 ? text + 2 : text);
	free(cwd);
	return s;
}

static void
scr_logon_path_cb(struct tui *t, void *arg, const char *typed)
{
	struct scr_logon *l = arg;
	char *q, *text;

	if (typed == NULL || *typed == '\0')
		return;
	text = scr_logon_expand(typed);
	if (access(text, F_OK) == 0) {
		free(l->pending_path);
		l->pending_path = xstrdup(text);
		q = xasprintf("%s exists.  Overwrite it?", text);
		wdg_menu_confirm_open(t, "Save trace", q, "n:No|y:Overwrite",
		    scr_logon_overwrite_cb, l);
		free(q);
		free(text);
		return;
	}
	scr_logon_write(t, l, text);
	free(text);
}

/* ./popconn-trace-NAME.txt with NAME made safe for a file name. */
static char *
scr_logon_default_path(const char *name)
{
	char *safe, *p, *path;

	safe = xstrdup(name);
	for (p = safe; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			*p = '_';
	path = xasprintf("./popconn-trace-%s.txt", safe);
	free(safe);
	return path;
}

/* ---- pinning the certificate ---------------------------------------- */

/*
 * The fingerprint split in two lines of 16 bytes ("AB:CD:...") so it is
 * shown whole, never cut, in a dialog at 80 columns.  Caller frees.
 */
static char *
scr_logon_fp_lines(const char *fp)
{
	size_t len = strlen(fp), half;

	/* "XX:" * 16 = 48 bytes: split after the 16th byte's colon. */
	half = len == 95 ? 48 : (len + 1) / 2;
	return xasprintf("  %.*s\n  %s", (int)(half == 48 ? 47 : half), fp,
	    fp + half);
}

static void
scr_logon_retest_cb(struct tui *t, void *arg, int key)
{
	struct scr_logon *l = arg;
	struct profile *fresh = NULL;
	char *cause = NULL;
	enum pc_err rc;

	if (key != 'r') {
		tui_msg(t, TUI_MSG_INFO, "not pinned; nothing was written");
		return;
	}
	rc = store_get(t->st, l->p->name, &fresh, &cause);
	if (rc) {
		tui_msg(t, TUI_MSG_ERROR, "%s", rc == PC_E_NOTFOUND ?
		    "the profile was deleted (or renamed) by someone else" :
		    cause != NULL ? cause : pc_err_str(rc));
		free(cause);
		return;
	}
	profile_free(l->p);
	l->p = fresh;
	xstr_replace(&l->name, fresh->name);
	scr_logon_hist_load(t, l);
	scr_logon_start(t, l, false);
}

static void
scr_logon_pin_cb(struct tui *t, void *arg, int key)
{
	struct scr_logon *l = arg;
	struct profile *p;
	const char *fp;
	char *cause = NULL, *text;
	enum pc_err rc;

	fp = scr_logon_pin_fp(l);
	if (key != 'y' || fp == NULL) {
		tui_msg(t, TUI_MSG_INFO, "not pinned; nothing was written");
		return;
	}
	/*
	 * Saved with the version the test read: a profile someone changed
	 * since (another address, another pin) is a conflict, because this
	 * fingerprint belongs to what was tested, not to what is stored now.
	 */
	p = profile_dup(l->p);
	p->tls_verify = PROF_VERIFY_PIN;
	xstr_replace(&p->tls_pin, fp);
	rc = store_save(t->st, p, &cause);
	switch (rc) {
	case PC_OK:
		free(cause);
		profile_free(l->p);
		l->p = p;
		tui_changed(t);
		tui_msg(t, TUI_MSG_OK, "pinned: %s now accepts only the "
		    "certificate with SHA-256 %s; r tests it again", l->name,
		    fp);
		return;
	case PC_E_CONFLICT:
		profile_free(p);
		if (cause != NULL && strstr(cause, "; nothing was saved") !=
		    NULL)
			strcpy(strstr(cause, "; nothing was saved"), ".");
		text = xasprintf("%s\n\nNothing was pinned: the fingerprint "
		    "belongs to the profile as it was tested, and the stored "
		    "one differs now.\n\nr  test their version now (then pin "
		    "from that test if it still applies)\nc  cancel",
		    cause != NULL ? cause : "Someone else changed this "
		    "profile after the test read it.");
		free(cause);
		wdg_menu_confirm_open(t, "Pin conflict", text,
		    "c:Cancel|r:Test their version", scr_logon_retest_cb, l);
		free(text);
		return;
	default:
		profile_free(p);
		cause = tui_write_cause(t, rc, cause);
		tui_msg(t, TUI_MSG_ERROR, "not pinned: %s", cause);
		free(cause);
		return;
	}
}

/* "p": ask, showing the whole fingerprint, then pin (scr_logon_pin_cb). */
static void
scr_logon_pin(struct tui *t, struct scr_logon *l)
{
	const char *fp = scr_logon_pin_fp(l);
	char *lines, *text;

	if (fp == NULL)
		return;
	if (!scr_logon_saved(l)) {
		/* Only the saved profile's own test may write the database. */
		tui_msg(t, TUI_MSG_WARN, "not pinned: this test ran on values "
		    "that are not saved, so nothing is written; save the "
		    "profile and test it again, or set tls_verify=pin and "
		    "tls_pin=%s", fp);
		return;
	}
	lines = scr_logon_fp_lines(fp);
	text = xasprintf("Pin the certificate %s showed?\n\nSHA-256 "
	    "fingerprint:\n%s\n\nCompare it with the one the server's "
	    "administrator gives you.  Pinned, the test accepts this exact "
	    "certificate only: chain and host name are no longer checked, "
	    "and a renewed certificate fails with cert_pin_mismatch until "
	    "it is pinned again.  Saved as tls_verify=pin.", l->name, lines);
	wdg_menu_confirm_open(t, "Pin certificate", text, "n:No|y:Pin it",
	    scr_logon_pin_cb, l);
	free(text);
	free(lines);
}

/* "h": every recorded result of the profile, newest first. */
static void
scr_logon_history(struct tui *t, struct scr_logon *l)
{
	struct store_test_list all = { NULL, 0 };
	char **lines, *cause = NULL, *title;
	int i, n = 0;
	enum pc_err rc;

	if (!scr_logon_saved(l)) {
		tui_msg(t, TUI_MSG_INFO, "no history: this test ran on values "
		    "that are not saved");
		return;
	}
	rc = store_test_list(t->st, l->p->name, 0, &all, &cause);
	if (rc) {
		tui_msg(t, TUI_MSG_ERROR, "%s", cause != NULL ? cause :
		    pc_err_str(rc));
		free(cause);
		return;
	}
	lines = xcalloc((size_t)all.n + 2, sizeof *lines);
	lines[n++] = wdg_menu_view_line(TUI_R_COLHEAD, "%-16s  %-27s %7s  "
	    "%-13s %s", "when", "result", "elapsed", "method", "TLS");
	if (all.n == 0)
		lines[n++] = xstrdup("(never tested)");
	for (i = 0; i < all.n; i++) {
		char *s = scr_logon_hist_line(&all.v[i], true);

		lines[n++] = wdg_menu_view_line(all.v[i].diagnosis != NULL &&
		    strcmp(all.v[i].diagnosis, "ok") == 0 ? TUI_R_OK :
		    TUI_R_ERROR, "%s", s);
		free(s);
	}
	title = xasprintf("Test results of %s (%d, newest first)", l->name,
	    all.n);
	wdg_menu_view_open(t, title, lines, n, NULL, 0, NULL, NULL);
	free(title);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	store_test_list_cleanup(&all);
}

/* ---- keys ------------------------------------------------------------ */

static int
scr_logon_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct scr_logon *l = s->priv;
	char *path;

	tui_msg_clear(t);
	if (tui_key_cancel(k) || (l->finished && tui_key_is(k, 'q'))) {
		if (!l->finished) {
			l->cancelled = true;
			tui_job_cancel(l->job);
			tui_msg(t, TUI_MSG_WARN, "test cancelled");
			return TUI_REDRAW;
		}
		return TUI_CLOSE;
	}
	if (wdg_trace_key(l->tw, k))
		return TUI_REDRAW;
	if (tui_key_is(k, 's')) {
		path = l->last_path != NULL ? xstrdup(l->last_path) :
		    scr_logon_default_path(l->name);
		wdg_menu_prompt_open(t, "Save trace", "Write the trace to the "
		    "file:", path, scr_logon_path_cb, l);
		free(path);
		return TUI_REDRAW;
	}
	if ((tui_key_is(k, 'r') || tui_key_is(k, 't')) && l->finished) {
		scr_logon_start(t, l, tui_key_is(k, 't'));
		return TUI_REDRAW;
	}
	if (tui_key_is(k, 'p') && scr_logon_pin_fp(l) != NULL) {
		scr_logon_pin(t, l);
		return TUI_REDRAW;
	}
	if (tui_key_is(k, 'h')) {
		scr_logon_history(t, l);
		return TUI_REDRAW;
	}
	if (tui_key_is(k, '?') || tui_key_fn(k, KEY_F(1))) {
		scr_list_help(t, "logon");
		return TUI_REDRAW;
	}
	return TUI_NONE;
}

static void
scr_logon_free(struct tui *t, struct tui_screen *s)
{
	struct scr_logon *l = s->priv;

	/* The session writes to the trace, which feeds the pane. */
	tui_job_free(t, l->job);
	trace_free(l->tr);
	wdg_trace_free(l->tw);
	tui_screen_window_free(s);
	profile_free(l->p);
	free(l->name);
	free(l->pending_path);
	free(l->last_path);
	store_test_list_cleanup(&l->hist);
	free(l);
}

static const struct tui_screen_ops scr_logon_ops = {
	.name = "logon",
	.draw = scr_logon_draw,
	.key = scr_logon_key,
	.free = scr_logon_free,
};

void
scr_logon_enter(struct tui *t, struct profile *p, bool record)
{
	struct scr_logon *l;
	struct tui_screen *s;

	l = xcalloc(1, sizeof *l);
	l->p = p;
	l->record = record;
	l->name = xstrdup(p->name != NULL && *p->name != '\0' ? p->name :
	    "unsaved");
	l->tw = wdg_trace_new();
	s = tui_push(t, &scr_logon_ops, l);
	if (s == NULL)
		return;
	l->s = s;
	tui_screen_window(s);
	scr_logon_hist_load(t, l);
	scr_logon_start(t, l, false);
}
