/*
 * tui.h - the terminal UI (PRODUCT.md section 3): the connection list, the
 * tabbed profile editor, bulk edit, and the live test logon pane, in one
 * ncurses event loop.  Only src/main.c calls it, through the CLI's
 * callback, so that nothing else links ncurses.
 */
#ifndef POPCONN_TUI_H
#define POPCONN_TUI_H

struct store_opts;

/* tui.c */
/*
 * Open the database described by o and run the UI on the terminal until
 * the user quits.  Needs standard input and output to be a terminal of at
 * least 80x24 (smaller ones get a message until they grow).  The terminal
 * is restored on every way out, a crash signal included.  Returns an exit
 * status of the CLI's contract: 0, 2 (no terminal), 4 (database error).
 */
int	tui_main(const struct store_opts *o);

#endif
