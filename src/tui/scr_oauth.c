/*
 * scr_oauth.c - the editor's Authenticate action (^Y on a saved profile
 * with oauth_flow=device): the RFC 8628 device login of
 * "popconn oauth login", as a screen.  It shows the verification address,
 * the user code and how long the code stays valid, polls the token
 * endpoint from the loop's tick at the interval the server asks (so keys
 * work between polls), and stores the refresh token sealed.  Esc cancels;
 * nothing is stored then.  The OAuth work is src/oauth's: each request is
 * one transfer bounded by the profile's timeout.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui_int.h"
#include "popconn/oauth.h"
#include "popconn/xmalloc.h"

enum scr_oauth_state {
	SCR_OAUTH_WAITING,	/* the user has not decided yet */
	SCR_OAUTH_DONE,		/* refresh token stored */
	SCR_OAUTH_FAILED,	/* refused, expired, unreachable ... */
};

struct scr_oauth {
	struct profile	*p;		/* owned copy of the saved profile */
	struct trace	*tr;
	struct wdg_trace *tw;
	struct oauth	*o;
	struct oauth_device dev;	/* holds the device code: a secret */
	enum scr_oauth_state state;
	char		*result;	/* what happened, when not waiting */
	int64_t		 next_poll_ms;	/* tui_now_ms() of the next poll */
	int64_t		 end_ms;	/* tui_now_ms() when the code expires */
};

static void
scr_oauth_fail(struct scr_oauth *a, const struct oauth_error *err)
{
	a->state = SCR_OAUTH_FAILED;
	free(a->result);
	a->result = xasprintf("%s; hint: %s", err->message != NULL ?
	    err->message : "the device login failed", err->hint != NULL ?
	    err->hint : "see the trace");
}

/* Keep the refresh token the server issued. */
static void
scr_oauth_store(struct tui *t, struct scr_oauth *a, struct oauth_tokens *tok)
{
	struct store_oauth so;
	char *cause = NULL;
	enum pc_err rc;

	if (tok->refresh_token == NULL) {
		a->state = SCR_OAUTH_FAILED;
		a->result = xstrdup("the server issued no refresh token; hint: "
		    "ask for offline access (Microsoft: offline_access in "
		    "oauth_scope)");
		return;
	}
	memset(&so, 0, sizeof so);
	so.refresh_token = tok->refresh_token;
	so.scope = tok->scope;
	so.token_url = xstrdup(oauth_token_url(a->o));
	so.obtained = (int64_t)time(NULL);
	so.access_expires = tok->expires_in > 0 ? so.obtained +
	    tok->expires_in : 0;
	rc = store_oauth_put(t->st, a->p->name, &so, true, &cause);
	free(so.token_url);
	if (rc) {
		a->state = SCR_OAUTH_FAILED;
		a->result = tui_write_cause(t, rc, cause);
		return;
	}
	a->state = SCR_OAUTH_DONE;
	a->result = xasprintf("authorised: the refresh token is stored sealed "
	    "for %s%s%s", a->p->name, tok->scope != NULL ? "; granted scope: " :
	    "", tok->scope != NULL ? tok->scope : "");
	tui_msg(t, TUI_MSG_OK, "%s authorised (OAuth2 refresh token stored)",
	    a->p->name);
	tui_changed(t);
}

/* One poll, when it is due.  Returns TUI_* flags. */
static int
scr_oauth_tick(struct tui *t, struct tui_screen *s)
{
	struct scr_oauth *a = s->priv;
	struct oauth_tokens tok;
	struct oauth_error err;
	enum oauth_status st;
	int64_t now = tui_now_ms();

	if (a->state != SCR_OAUTH_WAITING)
		return TUI_NONE;
	if (now < a->next_poll_ms) {
		/* Come back for the poll, and each second for the clock. */
		t->wake_at = a->next_poll_ms < now + 1000 ? a->next_poll_ms :
		    now + 1000;
		return TUI_REDRAW;
	}
	memset(&tok, 0, sizeof tok);
	st = oauth_device_poll(a->o, &a->dev, &tok, &err);
	if (st == OAUTH_OK)
		scr_oauth_store(t, a, &tok);
	else if (st == OAUTH_PENDING || st == OAUTH_SLOW_DOWN) {
		if (tui_now_ms() >= a->end_ms) {
			a->state = SCR_OAUTH_FAILED;
			a->result = xasprintf("the code expired after %d s "
			    "without an approval; hint: press ^Y again and "
			    "approve in time", a->dev.expires_in);
		}
	} else
		scr_oauth_fail(a, &err);
	oauth_tokens_cleanup(&tok);
	oauth_error_cleanup(&err);
	a->next_poll_ms = tui_now_ms() + (int64_t)a->dev.interval * 1000;
	if (a->state == SCR_OAUTH_WAITING)
		t->wake_at = tui_now_ms() + 1000 < a->next_poll_ms ?
		    tui_now_ms() + 1000 : a->next_poll_ms;
	else
		oauth_device_cleanup(&a->dev);
	return TUI_REDRAW;
}

static void
scr_oauth_draw(struct tui *t, struct tui_screen *s)
{
	struct scr_oauth *a = s->priv;
	struct wdg_key keys[4];
	WINDOW *w = s->win;
	char *title, **lines = NULL;
	int64_t left;
	int y = 2, n = 0, i, nl;

	werase(w);
	title = xasprintf("Authenticate: %s", a->p->name);
	wdg_status_title(w, title, a->state == SCR_OAUTH_WAITING ?
	    "waiting" : a->state == SCR_OAUTH_DONE ? "authorised" : "failed");
	free(title);
	tui_putf(w, 1, 1, COLS - 2, A_NORMAL, "OAuth2 device login (%s), "
	    "client %s", profile_oauth_provider_str(a->p->oauth_provider),
	    a->p->oauth_client_id != NULL ? a->p->oauth_client_id : "");
	if (a->dev.user_code != NULL) {
		tui_put(w, y++, 1, COLS - 2, A_NORMAL, "Open this address in "
		    "a browser (on any machine) and enter the code:");
		tui_put(w, ++y, 5, COLS - 6, A_BOLD, a->dev.verification_uri);
		y += 2;
		tui_put(w, y, 5, COLS - 6, A_BOLD, a->dev.user_code);
		y += 2;
		left = (a->end_ms - tui_now_ms()) / 1000;
		if (left < 0)
			left = 0;
		tui_putf(w, y++, 1, COLS - 2, theme_attr(TUI_R_DIM), "The "
		    "code is valid for %lld:%02lld more; asking every %d s. "
		    "Esc cancels.", (long long)(left / 60),
		    (long long)(left % 60), a->dev.interval);
	}
	if (a->result != NULL) {
		nl = tui_wrap(a->result, COLS - 2, &lines);
		for (i = 0; i < nl && y < 13; i++)
			tui_put(w, y++, 1, COLS - 2, theme_attr(a->state ==
			    SCR_OAUTH_DONE ? TUI_R_OK : TUI_R_ERROR),
			    lines[i]);
		for (i = 0; i < nl; i++)
			free(lines[i]);
		free(lines);
	}
	tui_rule(w, 13);
	wdg_trace_draw(a->tw, w, 14, LINES - 14 - 2);
	wdg_status_draw(t, w, LINES - 2, a->state == SCR_OAUTH_WAITING ?
	    "waiting for the approval" : "done: Esc closes");
	keys[n++] = (struct wdg_key){ "Esc", a->state == SCR_OAUTH_WAITING ?
	    "cancel" : "close", true };
	wdg_status_keybar(w, LINES - 1, keys, n);
}

static int
scr_oauth_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct scr_oauth *a = s->priv;

	if (tui_key_cancel(k) || (a->state != SCR_OAUTH_WAITING &&
	    (tui_key_is(k, '\n') || tui_key_is(k, '\r') ||
	    tui_key_fn(k, KEY_ENTER)))) {
		if (a->state == SCR_OAUTH_WAITING)
			tui_msg(t, TUI_MSG_WARN, "device login of %s "
			    "cancelled; nothing was stored", a->p->name);
		return TUI_CLOSE;
	}
	if (wdg_trace_key(a->tw, k))
		return TUI_REDRAW;
	return TUI_NONE;
}

static void
scr_oauth_free(struct tui *t, struct tui_screen *s)
{
	struct scr_oauth *a = s->priv;

	(void)t;
	tui_screen_window_free(s);
	oauth_device_cleanup(&a->dev);
	oauth_free(a->o);
	trace_free(a->tr);
	wdg_trace_free(a->tw);
	profile_free(a->p);
	free(a->result);
	free(a);
}

static const struct tui_screen_ops scr_oauth_ops = {
	.name = "oauth",
	.draw = scr_oauth_draw,
	.key = scr_oauth_key,
	.free = scr_oauth_free,
	.tick = scr_oauth_tick,
};

void
scr_oauth_enter(struct tui *t, struct profile *p)
{
	struct oauth_error err;
	struct scr_oauth *a;
	struct tui_screen *s;
	char *cause = NULL;

	a = xcalloc(1, sizeof *a);
	a->p = p;
	a->tw = wdg_trace_new();
	a->tr = trace_new(0);
	wdg_trace_attach(a->tw, a->tr);
	s = tui_push(t, &scr_oauth_ops, a);
	if (s == NULL)
		return;
	tui_screen_window(s);
	if (oauth_new(p, a->tr, NULL, &a->o, &cause) != PC_OK) {
		a->state = SCR_OAUTH_FAILED;
		a->result = cause;
		return;
	}
	/* The one request before the screen shows: bounded by timeout. */
	memset(&err, 0, sizeof err);
	if (oauth_device_start(a->o, &a->dev, &err) != OAUTH_OK) {
		scr_oauth_fail(a, &err);
		oauth_error_cleanup(&err);
		return;
	}
	a->end_ms = tui_now_ms() + (int64_t)a->dev.expires_in * 1000;
	a->next_poll_ms = tui_now_ms() + (int64_t)a->dev.interval * 1000;
	t->wake_at = tui_now_ms() + 1000;
}
