/*
 * diag.h - diagnosis codes of a test logon, each with a stable key and a
 * plain-language hint that says what to fix.
 */
#ifndef POPCONN_DIAG_H
#define POPCONN_DIAG_H

#include "popconn/step.h"

enum diag {
	DIAG_OK,
	DIAG_DNS_FAILED,
	DIAG_CONNECT_REFUSED,
	DIAG_CONNECT_TIMEOUT,
	DIAG_PROXY_FAILED,
	DIAG_PROXY_AUTH_FAILED,
	DIAG_TLS_HANDSHAKE_FAILED,
	DIAG_TLS_VERSION_MISMATCH,
	DIAG_CERT_UNTRUSTED,
	DIAG_CERT_NAME_MISMATCH,
	DIAG_CERT_EXPIRED,
	DIAG_CERT_PIN_MISMATCH,
	DIAG_CLIENT_CERT_REQUIRED,
	DIAG_STLS_UNAVAILABLE,
	DIAG_STLS_INJECTION,
	DIAG_PLAINTEXT_REFUSED,
	DIAG_TOKEN_FAILED,
	DIAG_AUTH_FAILED,
	DIAG_AUTH_MECHANISM_UNAVAILABLE,
	DIAG_MAILBOX_IN_USE,
	DIAG_LOGIN_DELAY,
	DIAG_SERVER_TEMPORARY,
	DIAG_SERVER_PERMANENT,
	DIAG_PROTOCOL_ERROR,
	DIAG_TIMEOUT,
	DIAG_CANCELLED,
	DIAG__COUNT
};

/* diag.c */
/* "ok", "dns_failed" ...  Never NULL. */
const char	*diag_key(enum diag d);
/* One sentence saying what it means and what to check.  Never NULL. */
const char	*diag_hint(enum diag d);
/*
 * The hint for a failure at a step (STEP_NONE when none): diag_hint,
 * except where the step changes what to check.  Never NULL.
 */
const char	*diag_hint_at(enum diag d, enum step step);
/* Reverse of diag_key; -1 when unknown. */
int		 diag_from_key(const char *key);

#endif
