/*
 * main.c - popconn entry point: hands the arguments to the CLI, which opens
 * the TUI when no command is given.  Only this file knows both.  It also
 * tells the model which TLS versions the net layer's wolfSSL can offer.
 */
#include <stddef.h>

#include "popconn/cli.h"
#include "popconn/profile.h"
#include "popconn/xport.h"
#ifdef POPCONN_HAVE_TUI
#include "popconn/tui.h"
#endif

/* Net's XPORT_TLS_* bits the wolfSSL can offer, as the model's bits. */
static unsigned
main_tls_available(void)
{
	unsigned net = xport_tls_versions_available(), prof = 0;

	prof |= (net & XPORT_TLS_SSL2) ? PROF_TLS_SSL2 : 0;
	prof |= (net & XPORT_TLS_SSL3) ? PROF_TLS_SSL3 : 0;
	prof |= (net & XPORT_TLS_1_0) ? PROF_TLS_10 : 0;
	prof |= (net & XPORT_TLS_1_1) ? PROF_TLS_11 : 0;
	prof |= (net & XPORT_TLS_1_2) ? PROF_TLS_12 : 0;
	prof |= (net & XPORT_TLS_1_3) ? PROF_TLS_13 : 0;
	return prof;
}

int
main(int argc, char **argv)
{
	profile_set_tls_available(main_tls_available());
#ifdef POPCONN_HAVE_TUI
	return cli_main(argc, argv, tui_main);
#else
	return cli_main(argc, argv, NULL);
#endif
}
