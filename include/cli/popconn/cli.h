/*
 * cli.h - the command line (PRODUCT.md section 4).  With no command it
 * hands over to the terminal UI through a callback, so that the CLI library
 * never links ncurses.
 */
#ifndef POPCONN_CLI_H
#define POPCONN_CLI_H

struct store_opts;

/* Exit statuses, the documented contract. */
#define CLI_EXIT_OK		0
#define CLI_EXIT_FAILED		1	/* test: the logon did not succeed */
#define CLI_EXIT_USAGE		2	/* bad usage or invalid input */
#define CLI_EXIT_NOTFOUND	3
#define CLI_EXIT_DB		4	/* database error */
#define CLI_EXIT_CONFLICT	5	/* someone else changed it first;
					   nothing written */

/* Opens the TUI on the database described by o; returns an exit status. */
typedef int (*cli_tui_cb)(const struct store_opts *o);

/* cli.c */
/* Run popconn with argv; tui may be NULL when no TUI is built. */
int	cli_main(int argc, char **argv, cli_tui_cb tui);

#endif
