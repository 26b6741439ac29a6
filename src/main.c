/*
 * main.c - popconn entry point: hands the arguments to the CLI, which opens
 * the TUI when no command is given.  Only this file knows both.  It also
 * tells the model which TLS versions the net layer's wolfSSL can offer.
 */
#include <stddef.h>

#include "popconn/cli.h"
#include "popconn/logon.h"
#include "popconn/profile.h"
#ifdef POPCONN_HAVE_TUI
#include "popconn/tui.h"
#endif

int
main(int argc, char **argv)
{
	profile_set_tls_available(logon_tls_available());
#ifdef POPCONN_HAVE_TUI
	return cli_main(argc, argv, tui_main);
#else
	return cli_main(argc, argv, NULL);
#endif
}
