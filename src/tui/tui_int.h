/*
 * tui_int.h - internals shared by the files of the terminal UI: the screen
 * stack and its action flags, the single event loop's job runner (test
 * logons polled beside the keyboard), the theme, safe text output, and the
 * widgets (form engine, menus and dialogs, trace pane, status and key bar).
 *
 * Rules the files follow (STYLE.md section 8): every screen is a module
 * scr_<x> with _enter (push it), _draw and _key; key handlers change state
 * and return TUI_* flags, they never draw; tui.c's one loop redraws, reads
 * keys and advances the running logons; KEY_RESIZE is handled there only.
 * Nothing here issues SQL (the store API does) or touches wolfSSL.
 */
#ifndef POPCONN_TUI_INT_H
#define POPCONN_TUI_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

#include <curses.h>
#include <form.h>
#include <menu.h>
#include <panel.h>

#include "popconn/err.h"
#include "popconn/profile.h"
#include "popconn/store.h"
#include "popconn/trace.h"
#include "popconn/xmalloc.h"

struct logon_result;

#define TUI_MIN_COLS	80
#define TUI_MIN_LINES	24
#define TUI_MAX_SCREENS	16
#define TUI_TICK_IDLE_MS 3000	/* how often the top screen may look again */
#define TUI_CTRL(c)	((c) & 0x1f)
#define TUI_ESC		27
#define TUI_MSG_HIST	100	/* messages ^O shows */
#define TUI_KEY_MSGS	TUI_CTRL('o')

/* Flags a key handler returns to the loop. */
#define TUI_NONE	0x00
#define TUI_REDRAW	0x01	/* state changed: redraw */
#define TUI_CLOSE	0x02	/* close the screen that handled the key */
#define TUI_QUIT	0x04	/* leave popconn */
#define TUI_UNHANDLED	0x08	/* the key meant nothing here */

/* One key from wget_wch: a character, or a KEY_* code when fn is set. */
struct tui_key {
	wint_t		 ch;
	bool		 fn;		/* ch is a KEY_* code */
};

/* Key tests shared by the screens. */
static inline bool
tui_key_enter(const struct tui_key *k)
{
	return k->fn ? k->ch == KEY_ENTER : k->ch == '\r' || k->ch == '\n';
}

static inline bool
tui_key_cancel(const struct tui_key *k)
{
	return !k->fn && (k->ch == TUI_ESC || k->ch == TUI_CTRL('c'));
}

static inline bool
tui_key_is(const struct tui_key *k, wint_t c)
{
	return !k->fn && k->ch == c;
}

static inline bool
tui_key_fn(const struct tui_key *k, int code)
{
	return k->fn && k->ch == (wint_t)code;
}

struct tui;
struct tui_screen;

struct tui_screen_ops {
	const char	*name;
	bool		 overlay;	/* a dialog over the screen below */
	/* Draw into the screen's windows (never refresh). */
	void		 (*draw)(struct tui *t, struct tui_screen *s);
	/* Handle one key; returns TUI_* flags. */
	int		 (*key)(struct tui *t, struct tui_screen *s,
			    const struct tui_key *k);
	/* The terminal changed size (may be NULL). */
	void		 (*resize)(struct tui *t, struct tui_screen *s);
	/* Free priv and every curses object, in reverse order. */
	void		 (*free)(struct tui *t, struct tui_screen *s);
	/* Whether the terminal cursor should show (may be NULL = no). */
	bool		 (*cursor)(struct tui *t, struct tui_screen *s);
	/*
	 * Called every TUI_TICK_IDLE_MS while the screen is on top (may be
	 * NULL): a chance to notice changes made by other programs.
	 * Returns TUI_* flags like a key handler.
	 */
	int		 (*tick)(struct tui *t, struct tui_screen *s);
	/* Whether the screen holds changes not saved yet (may be NULL). */
	bool		 (*unsaved)(struct tui *t, struct tui_screen *s);
};

struct tui_screen {
	const struct tui_screen_ops *ops;
	void		*priv;
	bool		 closing;	/* removed by the loop after the key */
	WINDOW		*win;		/* full-screen window (base screens) */
	PANEL		*pan;
};

/* A running test logon, polled by the loop beside the keyboard. */
struct tui_job;
typedef void (*tui_job_done_cb)(struct tui *t, struct tui_job *j, void *arg);

enum tui_msg {
	TUI_MSG_INFO,
	TUI_MSG_OK,
	TUI_MSG_WARN,
	TUI_MSG_ERROR,
};

struct tui {
	const struct store_opts *opts;
	struct store	*st;
	struct tui_screen *stack[TUI_MAX_SCREENS];
	int		 depth;
	struct tui_job	*jobs;		/* running or finished, linked */
	char		*msg;		/* status line message, or NULL */
	enum tui_msg	 msg_kind;
	/* The last messages in full (the status line may cut them), a ring. */
	char		*hist[TUI_MSG_HIST];
	enum tui_msg	 hist_kind[TUI_MSG_HIST];
	int		 nhist;		/* messages ever kept */
	uint64_t	 gen;		/* bumped on every store change */
	char		*focus;		/* profile the list should show next */
	int64_t		 wake_at;	/* tui_now_ms() when the top screen's
					   tick is wanted early; 0 = none */
	bool		 dirty;
	bool		 quit;
	bool		 small;		/* terminal below 80x24 */
	bool		 small_quit;	/* q pressed once there, over unsaved
					   changes: once more quits */
	bool		 utf8;
	bool		 color;
	int		 exit_code;
};

/* tui.c */
/* Push a screen (priv owned by the screen's free).  Returns it. */
struct tui_screen *tui_push(struct tui *t, const struct tui_screen_ops *ops,
		    void *priv);
/* Ask the loop to remove s after the current key (s may be any screen). */
void		 tui_close(struct tui *t, struct tui_screen *s);
/* The topmost screen that is not closing. */
struct tui_screen *tui_top(struct tui *t);
/* Set the status-line message (printf-style); replaces the previous one. */
void		 tui_msg(struct tui *t, enum tui_msg kind, const char *fmt, ...)
		    PC_PRINTFLIKE(3, 4);
void		 tui_msg_clear(struct tui *t);
/* Record that the store changed (screens reload what they show). */
void		 tui_changed(struct tui *t);
/* Give a base screen its full-screen window and panel. */
void		 tui_screen_window(struct tui_screen *s);
void		 tui_screen_window_free(struct tui_screen *s);
/* Milliseconds since an arbitrary start (monotonic). */
int64_t		 tui_now_ms(void);
/*
 * Write s at (y, x) in w, at most width columns, with attr.  Bytes that do
 * not decode in the locale and characters that are not printable become
 * '?', so no control sequence can reach the terminal.  When s does not fit
 * the last column shows an ellipsis.  Returns the columns written.
 */
int		 tui_put(WINDOW *w, int y, int x, int width, attr_t attr,
		    const char *s);
int		 tui_putf(WINDOW *w, int y, int x, int width, attr_t attr,
		    const char *fmt, ...) PC_PRINTFLIKE(6, 7);
/* Display width of s as tui_put would draw it. */
int		 tui_width(const char *s);
/* How many bytes of s fit in width columns (whole characters). */
size_t		 tui_fit(const char *s, int width);
/*
 * Split s into lines of at most width columns, at spaces when it can.
 * *lines (caller frees each and the array) gets the pieces; returns count.
 */
int		 tui_wrap(const char *s, int width, char ***lines);
/* Fill columns [x, x+n) of row y with blanks in attr. */
void		 tui_fill(WINDOW *w, int y, int x, int n, attr_t attr);
/* A horizontal rule across w at row y. */
void		 tui_rule(WINDOW *w, int y);
/*
 * What to show for a failed write: cause (else rc's text), or, for a
 * database error on a database opened read-only, just that (the title
 * names the file).  Takes
 * cause; the result is the caller's.
 */
char		*tui_write_cause(struct tui *t, enum pc_err rc, char *cause);
/*
 * Start a test logon of p (copied) whose events go to tr (which must live
 * until tui_job_free).  trusted: capability lines a former test saved, for
 * a repeat that skips CAPA (logon_opts.trusted_capa; copied), or NULL.
 * done is called once, from the loop, when it ends.  Never NULL.
 */
struct tui_job	*tui_job_start(struct tui *t, const struct profile *p,
		    struct trace *tr, const char *trusted, tui_job_done_cb done,
		    void *arg);
void		 tui_job_cancel(struct tui_job *j);
/* Borrowed; valid until tui_job_free. */
const struct logon_result *tui_job_result(const struct tui_job *j);
/* Stop (if running) and free.  NULL allowed. */
void		 tui_job_free(struct tui *t, struct tui_job *j);
/* Whether any job is running (the loop ticks for running clocks). */
bool		 tui_jobs_running(const struct tui *t);

/* theme.c */
enum tui_role {
	TUI_R_NORMAL,
	TUI_R_TITLE,		/* top line */
	TUI_R_TAB,		/* editor tab */
	TUI_R_TAB_CUR,		/* current tab */
	TUI_R_HEADING,		/* group heading in the list */
	TUI_R_COLHEAD,		/* column titles */
	TUI_R_CURSOR,		/* selected row */
	TUI_R_MARK,		/* mark sign */
	TUI_R_KEY,		/* key name in the key bar */
	TUI_R_DIM,
	TUI_R_ERROR,
	TUI_R_WARN,
	TUI_R_OK,
	TUI_R_FIELD,		/* input field */
	TUI_R_FIELD_CUR,	/* input field with the focus */
	TUI_R_FIELD_BAD,	/* input field with a validation message */
	TUI_R_FIELD_OFF,	/* disabled field */
	TUI_R_TR_CLIENT,	/* trace: what popconn sent */
	TUI_R_TR_SERVER,	/* trace: what the server sent */
	TUI_R_TR_INFO,		/* trace: state, decisions */
	TUI_R_TR_NET,		/* trace: connect, proxy, TLS */
	TUI_R_TR_ERROR,
	TUI_R_BOX,		/* dialog frame */
	TUI_R__COUNT
};

enum tui_glyph {
	TUI_G_MARK,		/* marked profile */
	TUI_G_CHECK,		/* step passed */
	TUI_G_CROSS,		/* step failed */
	TUI_G_ARROW,		/* old -> new */
	TUI_G_GROUP,		/* group heading */
	TUI_G_FOLDED,		/* group heading, folded */
	TUI_G_ELLIPSIS,
	TUI_G_RUNNING,		/* step in progress */
	TUI_G_BAR_FULL,		/* progress bar */
	TUI_G_BAR_EMPTY,
	TUI_G__COUNT
};

/* Decide colours (has_colors, NO_COLOR) and glyphs (locale).  After initscr. */
void		 theme_init(bool utf8);
attr_t		 theme_attr(enum tui_role r);
/* Colour pair number of a role (0 when colours are off). */
short		 theme_pair(enum tui_role r);
const char	*theme_glyph(enum tui_glyph g);
bool		 theme_has_color(void);
/* The role of a trace event kind. */
enum tui_role	 theme_trace_role(enum trace_kind k);

/* wdg_status.c: status line and key bar (bottom two rows of a screen). */
struct wdg_key {
	const char	*key;		/* "^S", "Enter", "q" */
	const char	*label;		/* "save" */
	bool		 keep;		/* always shown (help, quit) */
};

/* Draw the status line on row y of w: the tui message if any, else hint. */
void		 wdg_status_draw(struct tui *t, WINDOW *w, int y,
		    const char *hint);
/* Draw a key bar on row y of w: the keys marked keep always show, the
 * others in order while they fit. */
void		 wdg_status_keybar(WINDOW *w, int y, const struct wdg_key *keys,
		    int n);
/* Title line on row 0: left text, right text (either may be NULL). */
void		 wdg_status_title(WINDOW *w, const char *left,
		    const char *right);
/* Count with thousands separators ("100,000").  Caller frees. */
char		*wdg_status_count(int64_t n);
/* "5m ago", "3d ago", "never".  Caller frees. */
char		*wdg_status_age(int64_t when);

/* wdg_menu.c: dialogs pushed as overlay screens; results by callback. */
/* Selected index, or -1 when cancelled with Esc. */
typedef void (*wdg_menu_cb)(struct tui *t, void *arg, int choice);
/* key: the letter pressed (one of the choices' keys), or 0 on Esc. */
typedef void (*wdg_menu_confirm_cb)(struct tui *t, void *arg, int key);
/* text: what was typed, or NULL on Esc. */
typedef void (*wdg_menu_prompt_cb)(struct tui *t, void *arg, const char *text);

/*
 * A menu of labels (with optional descriptions, same count; may be NULL)
 * over the current screen.  The arrays are copied.
 */
void		 wdg_menu_open(struct tui *t, const char *title,
		    const char *const *labels, const char *const *descs, int n,
		    int initial, wdg_menu_cb cb, void *arg);
/*
 * A question with lettered answers: choices is like "y:Delete|n:Keep"; the
 * first is the default for Enter.  Esc answers 0.
 */
void		 wdg_menu_confirm_open(struct tui *t, const char *title,
		    const char *text, const char *choices,
		    wdg_menu_confirm_cb cb, void *arg);
/* One line of input, prefilled with initial. */
void		 wdg_menu_prompt_open(struct tui *t, const char *title,
		    const char *label, const char *initial,
		    wdg_menu_prompt_cb cb, void *arg);
/*
 * A full-screen text viewer (help, bulk preview).  lines are copied; each
 * may start with a role tag "\001N" (N = 'A' + enum tui_role) for colour.
 * keys/nkeys: extra keys shown in the key bar; on one of them (matched by
 * its first character, or "Enter") act is called with the key and the
 * viewer closes when act returns true.
 */
typedef bool (*wdg_menu_view_cb)(struct tui *t, void *arg, wint_t key);
void		 wdg_menu_view_open(struct tui *t, const char *title,
		    char *const *lines, int n, const struct wdg_key *keys,
		    int nkeys, wdg_menu_view_cb act, void *arg);
/* A line with a role tag for wdg_menu_view_open.  Caller frees. */
char		*wdg_menu_view_line(enum tui_role r, const char *fmt, ...)
		    PC_PRINTFLIKE(2, 3);

/* wdg_form.c: the form engine on the ncurses form library. */
enum wdg_ftype {
	WDG_F_TEXT,
	WDG_F_NUMBER,		/* digits only */
	WDG_F_PASSWORD,		/* masked; reveal toggle */
	WDG_F_CHOICE,		/* one of choices: Space, Left/Right, menu */
	WDG_F_BOOL,		/* [x] yes / [ ] no */
	WDG_F_SET,		/* checkboxes: a subset of choices */
};

/* Results of wdg_form_key. */
#define WDG_FORM_UNHANDLED	0x00
#define WDG_FORM_HANDLED	0x01
#define WDG_FORM_COMMIT		0x02	/* an item's value changed */
#define WDG_FORM_MENU		0x04	/* the user asked for the choice list */
#define WDG_FORM_EDITED		0x08	/* text typed, not yet committed */

struct wdg_form;

struct wdg_form	*wdg_form_new(bool bulk);
/* Tear down: unpost, free the form, then the fields.  NULL allowed. */
void		 wdg_form_free(struct wdg_form *f);
/* Add an item on page; choices/labels borrowed (static).  Returns index. */
int		 wdg_form_add(struct wdg_form *f, const char *key,
		    const char *label, int page, enum wdg_ftype type,
		    const char *const *choices, const char *const *labels);
int		 wdg_form_count(const struct wdg_form *f);
int		 wdg_form_find(const struct wdg_form *f, const char *key);
const char	*wdg_form_key_of(const struct wdg_form *f, int i);
enum wdg_ftype	 wdg_form_type(const struct wdg_form *f, int i);
int		 wdg_form_page_of(const struct wdg_form *f, int i);
/* Preferred field width (0 = as wide as the room allows). */
void		 wdg_form_set_width(struct wdg_form *f, int i, int width);
/*
 * The value in text form: TEXT/NUMBER/PASSWORD as typed, CHOICE the choice
 * key, BOOL "yes"/"no", SET comma-separated choice keys.  Borrowed until
 * the next call that changes the form.  In a bulk form, NULL when the item
 * is unchanged.
 */
const char	*wdg_form_get(struct wdg_form *f, int i);
/* Set the value (text form; NULL = unchanged in a bulk form). */
void		 wdg_form_set(struct wdg_form *f, int i, const char *value);
void		 wdg_form_set_hidden(struct wdg_form *f, int i, bool hidden);
bool		 wdg_form_hidden(const struct wdg_form *f, int i);
/* Validation message under the item (NULL = none); copied. */
void		 wdg_form_set_message(struct wdg_form *f, int i,
		    const char *msg);
/* The item's message (borrowed), or NULL. */
const char	*wdg_form_message(const struct wdg_form *f, int i);
/* A short note drawn right of the field (code page name); copied. */
void		 wdg_form_set_note(struct wdg_form *f, int i,
		    const char *note);
/* SET: bits of choices that cannot be chosen (shown as unavailable). */
void		 wdg_form_set_unavailable(struct wdg_form *f, int i,
		    unsigned mask);
/* Page (tab) shown; moves the focus to its first item. */
void		 wdg_form_set_page(struct wdg_form *f, int page);
int		 wdg_form_page(const struct wdg_form *f);
/* Focus item i (switching page when needed). */
void		 wdg_form_focus(struct wdg_form *f, int i);
/* The focused item, and for a SET the focused box (else -1). */
int		 wdg_form_current(const struct wdg_form *f, int *box);
/* The item whose value last changed (after WDG_FORM_COMMIT). */
int		 wdg_form_changed(const struct wdg_form *f);
/* Copy what is typed in the focused field into its value. */
void		 wdg_form_sync(struct wdg_form *f);
/* Place the form in rows [y, y+h) of the screen. */
void		 wdg_form_place(struct wdg_form *f, int y, int h);
/* Draw (building the FORM when the layout changed). */
void		 wdg_form_draw(struct wdg_form *f);
/* Put the terminal cursor in the focused field (last thing drawn). */
void		 wdg_form_cursor(struct wdg_form *f);
int		 wdg_form_key(struct wdg_form *f, const struct tui_key *k);
/* Toggle showing the focused password in clear. */
void		 wdg_form_reveal(struct wdg_form *f);
/* Whether the focused item takes typed text (for the key bar). */
bool		 wdg_form_typing(const struct wdg_form *f);
/* Whether any item is changed in a bulk form. */
bool		 wdg_form_any_changed(const struct wdg_form *f);
/* Tear the FORM down now (before the window it uses goes). */
void		 wdg_form_unpost(struct wdg_form *f);

/* wdg_trace.c: the live trace pane. */
struct wdg_trace;

struct wdg_trace *wdg_trace_new(void);
void		 wdg_trace_free(struct wdg_trace *w);
/* Show tr's events, from its ring (tr outlives the pane or a clear). */
void		 wdg_trace_attach(struct wdg_trace *w, const struct trace *tr);
/* Show nothing, and follow the end again. */
void		 wdg_trace_clear(struct wdg_trace *w);
/* Draw rows [y, y+h) of w, wrapping long lines; follows the end. */
void		 wdg_trace_draw(struct wdg_trace *tw, WINDOW *w, int y, int h);
/* Scroll keys: Up Down PgUp PgDn Home End.  Returns true when used. */
bool		 wdg_trace_key(struct wdg_trace *w, const struct tui_key *k);

/* scr_list.c */
void		 scr_list_enter(struct tui *t);
/* scr_edit.c: p is taken (loaded with its secrets, or new). */
void		 scr_edit_enter(struct tui *t, struct profile *p);
/* scr_logon.c: test p (taken); record: store the result under its name. */
void		 scr_logon_enter(struct tui *t, struct profile *p, bool record);
/* scr_oauth.c: the device login (Authenticate) for p (taken; saved). */
void		 scr_oauth_enter(struct tui *t, struct profile *p);
/* Save events of tr and res (may be NULL) as text to path. */
enum pc_err	 scr_logon_save(const char *path, const struct trace *tr,
		    const char *name, const struct logon_result *res,
		    char **cause);
/* scr_bulk.c: bulk edit of a group (names NULL) or of names (copied). */
void		 scr_bulk_enter(struct tui *t, const char *group,
		    char *const *names, int n);
/* Test many profiles at once, 8 at a time, with a result table. */
void		 scr_bulk_test_enter(struct tui *t, const char *group,
		    char *const *names, int n);
/* Help screen for a context ("list", "edit", "logon", "bulk"). */
void		 scr_list_help(struct tui *t, const char *context);

#endif
