/*
 * main.c - popconn entry point: hands the arguments to the CLI, which opens
 * the TUI when no command is given.
 */
#include "popconn/cli.h"

int
main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
