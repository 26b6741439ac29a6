/*
 * theme.c - how the terminal UI looks: one table gives every role (title,
 * cursor, field, trace direction ...) its colours and the attributes used
 * when there are no colours (NO_COLOR set, or a terminal such as vt100
 * without them), and one table gives the glyphs in UTF-8 and in ASCII.
 * Nothing else in the TUI names a colour or a glyph.
 */
#include <stdlib.h>

#include "tui_int.h"

struct theme_role {
	short	 fg;		/* -1 = terminal default */
	short	 bg;
	attr_t	 color_attr;	/* added to the colour pair */
	attr_t	 mono_attr;	/* used alone without colours */
};

static const struct theme_role theme_roles[TUI_R__COUNT] = {
	[TUI_R_NORMAL] =	{ -1, -1, A_NORMAL, A_NORMAL },
	[TUI_R_TITLE] =		{ COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
	[TUI_R_TAB] =		{ -1, -1, A_NORMAL, A_NORMAL },
	[TUI_R_TAB_CUR] =	{ COLOR_BLACK, COLOR_CYAN, A_BOLD,
				  A_REVERSE | A_BOLD },
	[TUI_R_HEADING] =	{ COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[TUI_R_COLHEAD] =	{ -1, -1, A_UNDERLINE, A_UNDERLINE },
	[TUI_R_CURSOR] =	{ COLOR_BLACK, COLOR_CYAN, A_NORMAL,
				  A_REVERSE },
	[TUI_R_MARK] =		{ COLOR_MAGENTA, -1, A_BOLD, A_BOLD },
	[TUI_R_KEY] =		{ COLOR_BLACK, COLOR_WHITE, A_NORMAL,
				  A_REVERSE },
	[TUI_R_DIM] =		{ -1, -1, A_DIM, A_DIM },
	[TUI_R_ERROR] =		{ COLOR_RED, -1, A_BOLD, A_BOLD },
	[TUI_R_WARN] =		{ COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[TUI_R_OK] =		{ COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[TUI_R_FIELD] =		{ -1, -1, A_UNDERLINE, A_UNDERLINE },
	[TUI_R_FIELD_CUR] =	{ COLOR_BLACK, COLOR_CYAN, A_NORMAL,
				  A_REVERSE },
	[TUI_R_FIELD_BAD] =	{ COLOR_WHITE, COLOR_RED, A_BOLD,
				  A_BOLD | A_UNDERLINE },
	[TUI_R_FIELD_OFF] =	{ -1, -1, A_DIM, A_DIM },
	[TUI_R_TR_CLIENT] =	{ COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[TUI_R_TR_SERVER] =	{ COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[TUI_R_TR_INFO] =	{ -1, -1, A_DIM, A_DIM },
	[TUI_R_TR_NET] =	{ COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL },
	[TUI_R_TR_ERROR] =	{ COLOR_RED, -1, A_BOLD, A_BOLD },
	[TUI_R_BOX] =		{ COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
};

static const char *const theme_glyphs_utf8[TUI_G__COUNT] = {
	[TUI_G_MARK] = "\u25cf",	/* black circle */
	[TUI_G_CHECK] = "\u2713",	/* check mark */
	[TUI_G_CROSS] = "\u2717",	/* ballot x */
	[TUI_G_ARROW] = "\u2192",	/* rightwards arrow */
	[TUI_G_GROUP] = "\u25be",	/* small down triangle */
	[TUI_G_FOLDED] = "\u25b8",	/* small right triangle */
	[TUI_G_ELLIPSIS] = "\u2026",
	[TUI_G_RUNNING] = "\u2026",
	[TUI_G_BAR_FULL] = "\u2588",	/* full block */
	[TUI_G_BAR_EMPTY] = "\u00b7",	/* middle dot */
};

static const char *const theme_glyphs_ascii[TUI_G__COUNT] = {
	[TUI_G_MARK] = "*",
	[TUI_G_CHECK] = "+",
	[TUI_G_CROSS] = "x",
	[TUI_G_ARROW] = "->",
	[TUI_G_GROUP] = "-",
	[TUI_G_FOLDED] = "+",
	[TUI_G_ELLIPSIS] = "~",
	[TUI_G_RUNNING] = ".",
	[TUI_G_BAR_FULL] = "#",
	[TUI_G_BAR_EMPTY] = ".",
};

static bool theme_color;
static bool theme_utf8;

void
theme_init(bool utf8)
{
	const char *nc;
	int i;

	theme_utf8 = utf8;
	/* https://no-color.org: any non-empty value turns colours off. */
	nc = getenv("NO_COLOR");
	theme_color = has_colors() && (nc == NULL || *nc == '\0');
	if (!theme_color)
		return;
	if (start_color() != OK) {
		theme_color = false;
		return;
	}
	use_default_colors();
	for (i = 1; i < TUI_R__COUNT && i < COLOR_PAIRS; i++)
		init_pair((short)i, theme_roles[i].fg, theme_roles[i].bg);
}

/* Colour pair number of a role (0 when colours are off). */
static short
theme_pair(enum tui_role r)
{
	if (!theme_color || (int)r <= 0 || (int)r >= TUI_R__COUNT ||
	    (int)r >= COLOR_PAIRS)
		return 0;
	return (short)r;
}

attr_t
theme_attr(enum tui_role r)
{
	if ((int)r < 0 || (int)r >= TUI_R__COUNT)
		return A_NORMAL;
	if (!theme_color)
		return theme_roles[r].mono_attr;
	return theme_roles[r].color_attr | (attr_t)COLOR_PAIR(theme_pair(r));
}

const char *
theme_glyph(enum tui_glyph g)
{
	if ((int)g < 0 || (int)g >= TUI_G__COUNT)
		return "?";
	return theme_utf8 ? theme_glyphs_utf8[g] : theme_glyphs_ascii[g];
}

enum tui_role
theme_trace_role(enum trace_kind k)
{
	switch (k) {
	case TRACE_SEND:
		return TUI_R_TR_CLIENT;
	case TRACE_RECV:
		return TUI_R_TR_SERVER;
	case TRACE_CONNECT:
	case TRACE_PROXY:
	case TRACE_TLS:
		return TUI_R_TR_NET;
	case TRACE_ERROR:
		return TUI_R_TR_ERROR;
	default:
		return TUI_R_TR_INFO;
	}
}
