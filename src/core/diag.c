/*
 * diag.c - the diagnosis table: key and hint for every code.
 */
#include <string.h>

#include "popconn/diag.h"

static const struct {
	const char	*key;
	const char	*hint;
} diag_table[DIAG__COUNT] = {
	[DIAG_OK] = { "ok",
	    "The server accepted the logon and reported the mailbox." },
	[DIAG_DNS_FAILED] = { "dns_failed",
	    "The address could not be resolved: check the spelling of the "
	    "server name and this host's DNS." },
	[DIAG_CONNECT_REFUSED] = { "connect_refused",
	    "Nothing accepts connections on that port: check the port and "
	    "that the POP3 service is running." },
	[DIAG_CONNECT_TIMEOUT] = { "connect_timeout",
	    "No answer to the connection attempt within the timeout: a "
	    "firewall may drop the traffic, or the address is wrong." },
	[DIAG_PROXY_FAILED] = { "proxy_failed",
	    "The proxy could not be reached or would not connect to the "
	    "server: check the proxy address and what it allows." },
	[DIAG_PROXY_AUTH_FAILED] = { "proxy_auth_failed",
	    "The proxy rejected the credentials: check the proxy user name, "
	    "password and domain." },
	[DIAG_TLS_HANDSHAKE_FAILED] = { "tls_handshake_failed",
	    "The TLS handshake failed (the message names the server's alert, "
	    "if it sent one): check that the port and the cryptographic "
	    "protocol match (SSL = POP3S on 995, TLS = STLS on 110), then the "
	    "server's TLS settings." },
	[DIAG_TLS_VERSION_MISMATCH] = { "tls_version_mismatch",
	    "The server said it speaks none of the allowed SSL/TLS versions, "
	    "or chose one outside them: allow the version the server speaks, "
	    "if it is safe." },
	[DIAG_CERT_UNTRUSTED] = { "cert_untrusted",
	    "The server's certificate is not signed by a trusted authority: "
	    "add the company CA file, or pin the certificate." },
	[DIAG_CERT_NAME_MISMATCH] = { "cert_name_mismatch",
	    "The certificate is not for this server name: use the name the "
	    "certificate was issued for." },
	[DIAG_CERT_EXPIRED] = { "cert_expired",
	    "The server's certificate has expired or is not yet valid: the "
	    "server's administrator must renew it (or check this host's "
	    "clock)." },
	[DIAG_CERT_PIN_MISMATCH] = { "cert_pin_mismatch",
	    "The certificate does not match the pinned SHA-256 fingerprint: "
	    "the server's certificate changed, or the connection is "
	    "intercepted." },
	[DIAG_CLIENT_CERT_REQUIRED] = { "client_cert_required",
	    "The server demands a client certificate, and popconn does not "
	    "send one: use a port or server that does not require client "
	    "certificates, or ask its administrator." },
	[DIAG_STLS_UNAVAILABLE] = { "stls_unavailable",
	    "The server refused STLS: the link stays unencrypted, so the "
	    "test stopped. Use SSL (port 995) or ask for STLS support." },
	[DIAG_STLS_INJECTION] = { "stls_injection",
	    "Data arrived between the server's STLS answer and the TLS "
	    "handshake: a sign of a response-injection attack. The test "
	    "stopped." },
	[DIAG_PLAINTEXT_REFUSED] = { "plaintext_refused",
	    "A credential would have crossed the network unencrypted, so "
	    "nothing was sent: use SSL or TLS, or allow plaintext "
	    "deliberately." },
	[DIAG_TOKEN_FAILED] = { "token_failed",
	    "The OAuth2 token command failed, timed out or printed nothing, "
	    "so nothing was sent to the server: run the command by hand and "
	    "fix it (the server is not at fault)." },
	[DIAG_AUTH_FAILED] = { "auth_failed",
	    "The server rejected the user name or password." },
	[DIAG_AUTH_MECHANISM_UNAVAILABLE] = { "auth_mechanism_unavailable",
	    "No logon method is both offered by the server and usable with "
	    "what the profile holds (the message lists both): set the "
	    "missing password or OAuth2 token, or choose a method the "
	    "server offers, or auto." },
	[DIAG_MAILBOX_IN_USE] = { "mailbox_in_use",
	    "The mailbox is locked by another POP3 session: wait for it to "
	    "end and test again." },
	[DIAG_LOGIN_DELAY] = { "login_delay",
	    "The server limits how often this account may log on: wait "
	    "before testing again." },
	[DIAG_SERVER_TEMPORARY] = { "server_temporary",
	    "The server reported a temporary problem: try again later." },
	[DIAG_SERVER_PERMANENT] = { "server_permanent",
	    "The server reported a permanent problem with this account: ask "
	    "the server's administrator." },
	[DIAG_PROTOCOL_ERROR] = { "protocol_error",
	    "The server broke the POP3 protocol: it may not be a POP3 "
	    "server, or the port is wrong." },
	[DIAG_TIMEOUT] = { "timeout",
	    "The server stopped answering within the timeout." },
	[DIAG_CANCELLED] = { "cancelled",
	    "The test was cancelled by the user before it finished." },
};

const char *
diag_key(enum diag d)
{
	if ((unsigned)d >= DIAG__COUNT)
		return "protocol_error";
	return diag_table[d].key;
}

const char *
diag_hint(enum diag d)
{
	if ((unsigned)d >= DIAG__COUNT)
		return "";
	return diag_table[d].hint;
}

const char *
diag_hint_at(enum diag d, enum step step)
{
	/* The code page check stops the test before anything is sent. */
	if (d == DIAG_AUTH_FAILED && step == STEP_CREDENTIALS)
		return "The user name or password holds a character the "
		    "profile's code page cannot hold, so the test stopped "
		    "before sending anything: set the code page the server "
		    "expects (65001, UTF-8, holds every character), or choose "
		    "a logon method that sends UTF-8 (plain).";
	/*
	 * Courier (about 5 s), Cyrus (about 3 s) and Dovecot (2 s) answer
	 * a refused logon only after a delay: a short timeout turns the
	 * refusal into a timeout at the logon step.
	 */
	if (d == DIAG_TIMEOUT && step == STEP_LOGON)
		return "The server did not answer the logon within the "
		    "timeout. Servers delay a refused logon; a timeout right "
		    "after the credentials usually means they were wrong: "
		    "raise the timeout to see the answer.";
	/* The built-in OAuth2 flows get their token at the "oauth" step. */
	if (d == DIAG_TOKEN_FAILED && step == STEP_OAUTH)
		return "popconn could not get an OAuth2 access token from the "
		    "authorization server, so nothing was sent to the mail "
		    "server: the message gives the server's error and what to "
		    "do (run popconn oauth login again, fix the client id, "
		    "secret or tenant, grant consent, or reach the endpoint).";
	return diag_hint(d);
}

int
diag_from_key(const char *key)
{
	int i;

	for (i = 0; i < DIAG__COUNT; i++)
		if (strcmp(diag_table[i].key, key) == 0)
			return i;
	return -1;
}
