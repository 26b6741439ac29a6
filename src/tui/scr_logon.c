/*
 * scr_logon.c - the test logon pane: the live trace of one session
 * scrolling while it runs, with the step list and the diagnosis always in
 * view below it.  The session is a tui_job, advanced by the event loop's
 * poll() beside the keyboard, so the pane answers keys at once: Esc
 * cancels a running test (and closes a finished one), "s" saves the trace
 * to a file, "r" runs it again, "t" runs it again trusting the
 * capabilities the last test saw (no CAPA: a round trip less), the arrows
 * scroll.
 *
 * The trace arrives already escaped and redacted (trace.h); the pane only
 * colours it.  When the test was started on a saved, unmodified profile,
 * its diagnosis is recorded as the profile's last result, and what CAPA
 * said over TLS is saved for a repeat (store_capa_record).
 */
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "popconn/diag.h"
#include "popconn/logon.h"
#include "popconn/logon_record.h"
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
};

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

static void
scr_logon_done_cb(struct tui *t, struct tui_job *j, void *arg)
{
	struct scr_logon *l = arg;
	const struct logon_result *res;
	char *endpoint;

	l->finished = true;
	l->ended_ms = tui_now_ms();
	res = tui_job_result(j);
	if (res == NULL)
		return;
	if (l->record && !l->cancelled && l->p->name != NULL) {
		struct store_test h;

		/* The history row, with the profile's last result. */
		logon_record_fill(&h, res, "tui", (int64_t)time(NULL));
		if (store_test_add(t->st, l->p->name, &h, 0, NULL) == PC_OK)
			tui_changed(t);
		store_test_cleanup(&h);
		endpoint = logon_endpoint(l->p);
		(void)store_capa_record(t->st, l->p->name, endpoint, res->capa,
		    logon_capa_stale(res), (int64_t)time(NULL), NULL);
		free(endpoint);
	}
}

/*
 * The saved capabilities for a repeat ("t"), or NULL with a trace note
 * when there are none for this endpoint (or the profile is not saved).
 */
static char *
scr_logon_trusted(struct tui *t, struct scr_logon *l)
{
	char *endpoint, *capa = NULL;

	endpoint = logon_endpoint(l->p);
	if (!l->record || l->p->name == NULL ||
	    store_capa_get(t->st, l->p->name, endpoint, &capa, NULL, NULL) !=
	    PC_OK) {
		trace_emitf(l->tr, 0, TRACE_INFO, "no capabilities saved for "
		    "%s%s: asking CAPA", endpoint, l->record ? "" :
		    " (the profile has unsaved changes)");
		capa = NULL;
	}
	free(endpoint);
	return capa;
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
	trace_subscribe(l->tr, wdg_trace_sink, l->tw);
	l->finished = false;
	l->cancelled = false;
	l->started_ms = tui_now_ms();
	if (trust)
		trusted = scr_logon_trusted(t, l);
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
static void
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
		return;
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
		n = tui_wrap(diag_hint_at(res->diag, res->failed_step),
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
}

static void
scr_logon_draw(struct tui *t, struct tui_screen *s)
{
	struct scr_logon *l = s->priv;
	const struct logon_result *res = NULL;
	struct wdg_key keys[8];
	WINDOW *w = s->win;
	char *title, *right, dur[16];
	int srows, rrows, trace_h, y, n = 0;

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
	trace_h = LINES - 3 - 1 - srows - rrows - 2;
	if (trace_h < 3)
		trace_h = 3;
	wdg_trace_draw(l->tw, w, 3, trace_h);
	y = 3 + trace_h;
	tui_rule(w, y++);
	scr_logon_draw_steps(l, w, y, res);
	y += srows;
	scr_logon_draw_result(l, w, y, LINES - 2 - y, res);

	wdg_status_draw(t, w, LINES - 2, NULL);
	if (!l->finished)
		keys[n++] = (struct wdg_key){ "Esc", "cancel", true };
	keys[n++] = (struct wdg_key){ "Up/Dn", "scroll", false };
	keys[n++] = (struct wdg_key){ "End", "follow", false };
	keys[n++] = (struct wdg_key){ "s", "save trace", true };
	if (l->finished) {
		keys[n++] = (struct wdg_key){ "r", "run again", false };
		keys[n++] = (struct wdg_key){ "t", "trust CAPA", false };
	}
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
			    res->failed_step));
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
	scr_logon_start(t, l, false);
}
