/*
 * main.c - popconn entry point: hands the arguments to the CLI, which opens
 * the TUI when no command is given.  Only this file knows both.
 */
#include <stddef.h>

#include "popconn/cli.h"
#ifdef POPCONN_HAVE_TUI
#include "popconn/tui.h"
#endif

int
main(int argc, char **argv)
{
#ifdef POPCONN_HAVE_TUI
	return cli_main(argc, argv, tui_main);
#else
	return cli_main(argc, argv, NULL);
#endif
}
