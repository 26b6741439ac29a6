/*
 * step.h - the steps of a test logon, shared by the POP3 machine (proto),
 * the driver (logon) and the hints (diag.h).  A step travels as this enum;
 * its name is made only for output (trace, JSON "step", history rows).
 */
#ifndef POPCONN_STEP_H
#define POPCONN_STEP_H

enum step {
	STEP_NONE,		/* no step (success): name NULL */
	STEP_TOKEN,		/* the OAuth2 token command */
	STEP_OAUTH,		/* the built-in OAuth2 flow's token */
	STEP_CREDENTIALS,	/* writing the credentials in the code page */
	STEP_CONNECT,		/* DNS and TCP, to the server or the proxy */
	STEP_PROXY,		/* proxy negotiation */
	STEP_TLS,		/* TLS handshake (ssl, or after STLS) */
	STEP_GREETING,		/* POP3: waiting for the greeting */
	STEP_CAPA,		/* CAPA in clear (or the first link) */
	STEP_STLS,		/* STLS */
	STEP_CAPA2,		/* CAPA again over TLS after STLS */
	STEP_LOGON,		/* the logon method's commands */
	STEP_STAT,		/* STAT */
	STEP_QUIT,		/* QUIT */
	STEP_POP3,		/* the POP3 dialogue as a whole (driver) */
	STEP__COUNT
};

/* step.c */
/* "token", "connect", "logon" ...; NULL for STEP_NONE or out of range. */
const char	*step_name(enum step s);

#endif
