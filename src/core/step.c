/*
 * step.c - the names of the steps (step.h), as output shows them.
 */
#include <stddef.h>

#include "popconn/step.h"

static const char *const step_names[STEP__COUNT] = {
	[STEP_NONE] = NULL,
	[STEP_TOKEN] = "token",
	[STEP_OAUTH] = "oauth",
	[STEP_CREDENTIALS] = "credentials",
	[STEP_CONNECT] = "connect",
	[STEP_PROXY] = "proxy",
	[STEP_TLS] = "tls",
	[STEP_GREETING] = "greeting",
	[STEP_CAPA] = "capa",
	[STEP_STLS] = "stls",
	[STEP_CAPA2] = "capa2",
	[STEP_LOGON] = "logon",
	[STEP_STAT] = "stat",
	[STEP_QUIT] = "quit",
	[STEP_POP3] = "pop3",
};

const char *
step_name(enum step s)
{
	if ((unsigned)s >= STEP__COUNT)
		return NULL;
	return step_names[s];
}
