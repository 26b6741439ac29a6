/*
 * profile.c - the connection profile: defaults, lifetime, the port rule and
 * the field table through which every other layer reads and writes a field
 * by its stable key (CLI FIELD=VALUE, JSON, CSV, the store's columns, the
 * TUI form).  Pure model: no I/O.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/buf.h"
#include "popconn/codepage.h"
#include "popconn/profile.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"

static const char *const profile_security_keys[] = {
	"none", "ssl", "tls", NULL
};
static const char *const profile_security_labels[] = {
	"No encryption", "SSL (implicit TLS, POP3S)", "TLS (STLS command)", NULL
};
static const char *const profile_verify_keys[] = {
	"full", "pin", "off", NULL
};
static const char *const profile_verify_labels[] = {
	"Full (trusted chain and host name)", "Pinned SHA-256 fingerprint",
	"Off (INSECURE)", NULL
};
static const char *const profile_auth_keys[] = {
	"auto", "user", "apop", "plain", "login", "cram-md5", "xoauth2",
	"oauthbearer", "scram-sha-1", "scram-sha-256", NULL
};
static const char *const profile_auth_labels[] = {
	"Automatic (strongest offered)", "USER/PASS", "APOP", "SASL PLAIN",
	"SASL LOGIN", "SASL CRAM-MD5", "SASL XOAUTH2 (OAuth2 token)",
	"SASL OAUTHBEARER (OAuth2 token)", "SASL SCRAM-SHA-1",
	"SASL SCRAM-SHA-256", NULL
};
static const char *const profile_oauth_flow_keys[] = {
	"command", "device", "client_credentials", NULL
};
static const char *const profile_oauth_flow_labels[] = {
	"Token command", "Device code (user mailbox)",
	"Client credentials (app-only)", NULL
};
static const char *const profile_oauth_provider_keys[] = {
	"microsoft", "google", "custom", NULL
};
static const char *const profile_oauth_provider_labels[] = {
	"Microsoft (Entra ID)", "Google", "Custom endpoints", NULL
};
static const char *const profile_proxy_keys[] = {
	"none", "socks4", "socks4a", "socks5", "http", NULL
};
static const char *const profile_proxy_labels[] = {
	"None", "SOCKS4", "SOCKS4a", "SOCKS5", "HTTP (CONNECT)", NULL
};
/* Order matches the PROF_TLS_* bits, lowest first. */
static const char *const profile_tls_keys[] = {
	"ssl2", "ssl3", "tls1.0", "tls1.1", "tls1.2", "tls1.3", NULL
};
static const char *const profile_tls_labels[] = {
	"SSL version 2", "SSL version 3", "TLS version 1", "TLS version 1.1",
	"TLS version 1.2", "TLS version 1.3", NULL
};

static const struct prof_field profile_field_table[] = {
	{ "name", "Name", PROF_TAB_COMMON, PROF_F_TEXT, NULL, NULL,
	  "Unique name of the connection (1-128 characters)" },
	{ "group", "Group", PROF_TAB_COMMON, PROF_F_TEXT, NULL, NULL,
	  "Group the connection belongs to; bulk edits act on groups" },
	{ "timeout", "Timeout", PROF_TAB_COMMON, PROF_F_INT, NULL, NULL,
	  "Seconds before any network step fails (1-3600)" },
	{ "codepage", "Code page", PROF_TAB_COMMON, PROF_F_INT, NULL, NULL,
	  "Code page of server text: 65001 (UTF-8), 1252, 28591 ..." },
	{ "address", "Address", PROF_TAB_CONNECTION, PROF_F_TEXT, NULL, NULL,
	  "DNS name or IP address of the POP3 server" },
	{ "port", "Port", PROF_TAB_CONNECTION, PROF_F_INT, NULL, NULL,
	  "TCP port: 110 for none/TLS, 995 for SSL" },
	{ "username", "Username", PROF_TAB_CONNECTION, PROF_F_TEXT, NULL,
	  NULL, "User name of the mail account" },
	{ "password", "Password", PROF_TAB_CONNECTION, PROF_F_SECRET, NULL,
	  NULL, "Password of the mail account (stored encrypted)" },
	{ "security", "Cryptographic protocol", PROF_TAB_CONNECTION,
	  PROF_F_CHOICE, profile_security_keys, profile_security_labels,
	  "none, ssl (POP3S from the first byte) or tls (STLS)" },
	{ "tls_versions", "Allowed SSL/TLS versions", PROF_TAB_CONNECTION,
	  PROF_F_SET, profile_tls_keys, profile_tls_labels,
	  "Versions the server may use" },
	{ "tls_verify", "Certificate check", PROF_TAB_CONNECTION,
	  PROF_F_CHOICE, profile_verify_keys, profile_verify_labels,
	  "full, pin (SHA-256 fingerprint) or off" },
	{ "tls_pin", "Pinned SHA-256", PROF_TAB_CONNECTION, PROF_F_TEXT, NULL,
	  NULL, "SHA-256 fingerprint of the server certificate (64 hex)" },
	{ "tls_ca_file", "CA file", PROF_TAB_CONNECTION, PROF_F_TEXT, NULL,
	  NULL, "Extra trusted CA certificates (PEM file); empty = system" },
	{ "auth", "Logon method", PROF_TAB_AUTH, PROF_F_CHOICE,
	  profile_auth_keys, profile_auth_labels,
	  "auto: over TLS PLAIN, LOGIN, USER; in clear SCRAM, CRAM-MD5, APOP" },
	{ "oauth_flow", "OAuth2 flow", PROF_TAB_AUTH, PROF_F_CHOICE,
	  profile_oauth_flow_keys, profile_oauth_flow_labels,
	  "command (token command), device (popconn oauth login) or "
	  "client_credentials" },
	{ "oauth_token_cmd", "OAuth2 token command", PROF_TAB_AUTH,
	  PROF_F_TEXT, NULL, NULL,
	  "Command that prints an OAuth2 access token (xoauth2, "
	  "oauthbearer)" },
	{ "oauth_provider", "OAuth2 provider", PROF_TAB_AUTH, PROF_F_CHOICE,
	  profile_oauth_provider_keys, profile_oauth_provider_labels,
	  "microsoft, google or custom (then the two endpoint URLs)" },
	{ "oauth_tenant", "Tenant", PROF_TAB_AUTH, PROF_F_TEXT, NULL, NULL,
	  "Microsoft tenant id or domain; empty = organizations" },
	{ "oauth_client_id", "Application (client) id", PROF_TAB_AUTH,
	  PROF_F_TEXT, NULL, NULL, "Client id of the registered application" },
	{ "oauth_client_secret", "Client secret", PROF_TAB_AUTH,
	  PROF_F_SECRET, NULL, NULL,
	  "Client secret (client_credentials; stored encrypted)" },
	{ "oauth_scope", "Scope", PROF_TAB_AUTH, PROF_F_TEXT, NULL, NULL,
	  "Scopes asked for; empty = the provider's default" },
	{ "oauth_device_url", "Device authorization URL", PROF_TAB_AUTH,
	  PROF_F_TEXT, NULL, NULL,
	  "custom: https URL of the device authorization endpoint" },
	{ "oauth_token_url", "Token URL", PROF_TAB_AUTH, PROF_F_TEXT, NULL,
	  NULL, "custom: https URL of the token endpoint" },
	{ "allow_plaintext", "Allow plaintext credentials", PROF_TAB_AUTH,
	  PROF_F_BOOL, NULL, NULL,
	  "Send a password over an unencrypted link (unsafe)" },
	{ "proxy_type", "Proxy type", PROF_TAB_PROXY, PROF_F_CHOICE,
	  profile_proxy_keys, profile_proxy_labels,
	  "none, socks4, socks4a, socks5 or http" },
	{ "proxy_address", "Address", PROF_TAB_PROXY, PROF_F_TEXT, NULL, NULL,
	  "Host name or IP address of the proxy server" },
	{ "proxy_port", "Port", PROF_TAB_PROXY, PROF_F_INT, NULL, NULL,
	  "Port of the proxy server" },
	{ "proxy_auth", "Use credentials", PROF_TAB_PROXY, PROF_F_BOOL, NULL,
	  NULL, "Authenticate with the proxy server" },
	{ "proxy_domain", "Domain", PROF_TAB_PROXY, PROF_F_TEXT, NULL, NULL,
	  "Domain for NTLM (HTTP proxy only)" },
	{ "proxy_username", "Username", PROF_TAB_PROXY, PROF_F_TEXT, NULL,
	  NULL, "User name for the proxy server" },
	{ "proxy_password", "Password", PROF_TAB_PROXY, PROF_F_SECRET, NULL,
	  NULL, "Password for the proxy server (stored encrypted)" },
};

#define PROFILE_NFIELDS \
	((int)(sizeof profile_field_table / sizeof profile_field_table[0]))

struct profile *
profile_new(void)
{
	struct profile *p;

	p = xcalloc(1, sizeof *p);
	p->timeout = PROF_TIMEOUT_DEFAULT;
	p->codepage = PROF_CODEPAGE_DEFAULT;
	p->security = PROF_SEC_SSL;
	p->port = PROF_PORT_SSL;
	p->tls_versions = PROF_TLS_DEFAULT;
	p->tls_verify = PROF_VERIFY_FULL;
	p->auth = PROF_AUTH_AUTO;
	p->proxy_type = PROF_PROXY_NONE;
	return p;
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->group);
	free(p->address);
	free(p->username);
	xfree_secret(p->password);
	free(p->tls_pin);
	free(p->tls_ca_file);
	free(p->oauth_token_cmd);
	free(p->oauth_tenant);
	free(p->oauth_client_id);
	xfree_secret(p->oauth_client_secret);
	free(p->oauth_scope);
	free(p->oauth_device_url);
	free(p->oauth_token_url);
	free(p->proxy_address);
	free(p->proxy_domain);
	free(p->proxy_username);
	xfree_secret(p->proxy_password);
	free(p->last_result);
	explicit_bzero(p, sizeof *p);
	free(p);
}

struct profile *
profile_dup(const struct profile *p)
{
	struct profile *d;

	d = xmalloc(sizeof *d);
	*d = *p;
	d->name = xstrdup_or_null(p->name);
	d->group = xstrdup_or_null(p->group);
	d->address = xstrdup_or_null(p->address);
	d->username = xstrdup_or_null(p->username);
	d->password = xstrdup_or_null(p->password);
	d->tls_pin = xstrdup_or_null(p->tls_pin);
	d->tls_ca_file = xstrdup_or_null(p->tls_ca_file);
	d->oauth_token_cmd = xstrdup_or_null(p->oauth_token_cmd);
	d->oauth_tenant = xstrdup_or_null(p->oauth_tenant);
	d->oauth_client_id = xstrdup_or_null(p->oauth_client_id);
	d->oauth_client_secret = xstrdup_or_null(p->oauth_client_secret);
	d->oauth_scope = xstrdup_or_null(p->oauth_scope);
	d->oauth_device_url = xstrdup_or_null(p->oauth_device_url);
	d->oauth_token_url = xstrdup_or_null(p->oauth_token_url);
	d->proxy_address = xstrdup_or_null(p->proxy_address);
	d->proxy_domain = xstrdup_or_null(p->proxy_domain);
	d->proxy_username = xstrdup_or_null(p->proxy_username);
	d->proxy_password = xstrdup_or_null(p->proxy_password);
	d->last_result = xstrdup_or_null(p->last_result);
	return d;
}

int
profile_default_port(enum prof_security sec)
{
	return sec == PROF_SEC_SSL ? PROF_PORT_SSL : PROF_PORT_PLAIN;
}

void
profile_set_security(struct profile *p, enum prof_security sec)
{
	/*
	 * The seed's rule: only a profile that was never saved follows the
	 * mode, and only while its port is still the old mode's default and
	 * was not typed by the user.
	 */
	if (p->id == 0 && !p->port_typed &&
	    p->port == profile_default_port(p->security))
		p->port = profile_default_port(sec);
	p->security = sec;
}

bool
profile_port_follow(struct profile *p, enum prof_security old_sec)
{
	int from = profile_default_port(old_sec);
	int to = profile_default_port(p->security);

	if (p->id == 0 || from == to || p->port != from)
		return false;
	p->port = to;
	return true;
}

const char *
profile_port_warning(const struct profile *p)
{
	if (p->security == PROF_SEC_TLS && p->port == 995)
		return "security=tls sends STLS on port 995, where POP3S "
		    "servers speak TLS at once: security=ssl is usual there";
	if (p->security == PROF_SEC_SSL && p->port == 110)
		return "security=ssl starts TLS at once on port 110, where "
		    "servers speak plain POP3 (with STLS): security=tls is "
		    "usual there";
	return NULL;
}

const struct prof_field *
profile_fields(int *n)
{
	*n = PROFILE_NFIELDS;
	return profile_field_table;
}

const struct prof_field *
profile_field_find(const char *key)
{
	int i;

	if (key == NULL)
		return NULL;
	for (i = 0; i < PROFILE_NFIELDS; i++)
		if (strcmp(profile_field_table[i].key, key) == 0)
			return &profile_field_table[i];
	return NULL;
}

static int
profile_choice_index(const char *const *choices, const char *value)
{
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (str_ieq(choices[i], value))
			return i;
	return -1;
}

static char *
profile_choice_list(const char *const *choices)
{
	struct buf b;
	int i;

	buf_init(&b, 0);
	for (i = 0; choices[i] != NULL; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", choices[i]);
	return buf_take(&b);
}

static enum pc_err
profile_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on", NULL };
	static const char *const no[] = { "0", "no", "false", "off", "", NULL };

	if (profile_choice_index(yes, v) >= 0)
		*out = true;
	else if (profile_choice_index(no, v) >= 0)
		*out = false;
	else
		return PC_E_INVALID;
	return PC_OK;
}

/* Parse "tls1.2,tls1.3" (also "tls1.2 tls1.3", "" = none) into bits. */
static enum pc_err
profile_parse_tls_set(const char *v, unsigned *out, char **bad)
{
	char *copy, *tok, *save;
	unsigned bits = 0;
	int i;
	enum pc_err rc = PC_OK;

	copy = xstrdup(v);
	for (tok = strtok_r(copy, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		i = profile_choice_index(profile_tls_keys, tok);
		/* Accept the common spellings "tls1" and "tls1.0". */
		if (i < 0 && str_ieq(tok, "tls1"))
			i = 2;
		if (i < 0) {
			*bad = xstrdup(tok);
			rc = PC_E_INVALID;
			break;
		}
		bits |= 1u << i;
	}
	free(copy);
	if (rc == PC_OK)
		*out = bits;
	return rc;
}

char *
profile_tls_versions_str(unsigned bits)
{
	struct buf b;
	int i, first = 1;

	buf_init(&b, 0);
	for (i = 0; profile_tls_keys[i] != NULL; i++) {
		if (bits & (1u << i)) {
			buf_addf(&b, "%s%s", first ? "" : ",",
			    profile_tls_keys[i]);
			first = 0;
		}
	}
	return buf_take(&b);
}

/* Field storage: where each text field lives in struct profile. */
static char **
profile_text_slot(struct profile *p, const char *key)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} slots[] = {
		{ "name", offsetof(struct profile, name) },
		{ "group", offsetof(struct profile, group) },
		{ "address", offsetof(struct profile, address) },
		{ "username", offsetof(struct profile, username) },
		{ "password", offsetof(struct profile, password) },
		{ "tls_pin", offsetof(struct profile, tls_pin) },
		{ "tls_ca_file", offsetof(struct profile, tls_ca_file) },
		{ "oauth_token_cmd", offsetof(struct profile, oauth_token_cmd) },
		{ "oauth_tenant", offsetof(struct profile, oauth_tenant) },
		{ "oauth_client_id", offsetof(struct profile, oauth_client_id) },
		{ "oauth_client_secret",
		  offsetof(struct profile, oauth_client_secret) },
		{ "oauth_scope", offsetof(struct profile, oauth_scope) },
		{ "oauth_device_url",
		  offsetof(struct profile, oauth_device_url) },
		{ "oauth_token_url", offsetof(struct profile, oauth_token_url) },
		{ "proxy_address", offsetof(struct profile, proxy_address) },
		{ "proxy_domain", offsetof(struct profile, proxy_domain) },
		{ "proxy_username", offsetof(struct profile, proxy_username) },
		{ "proxy_password", offsetof(struct profile, proxy_password) },
	};
	size_t i;

	for (i = 0; i < sizeof slots / sizeof slots[0]; i++)
		if (strcmp(slots[i].key, key) == 0)
			return (char **)(void *)((char *)p + slots[i].off);
	return NULL;
}

static const char *
profile_text_get(const struct profile *p, const char *key)
{
	char **slot;

	/* The slot lookup only computes an address; nothing is written. */
	slot = profile_text_slot((struct profile *)(uintptr_t)p, key);
	return slot == NULL ? NULL : *slot;
}

const char *
profile_secret_get(const struct profile *p, const char *key)
{
	const struct prof_field *f = profile_field_find(key);

	if (f == NULL || f->type != PROF_F_SECRET)
		return NULL;
	return profile_text_get(p, key);
}

static enum pc_err
profile_set_int(struct profile *p, const char *key, const char *value,
    char **cause)
{
	long v;
	int cp;

	if (strcmp(key, "codepage") == 0) {
		if (codepage_parse(value, &cp) != PC_OK) {
			if (cause != NULL)
				*cause = xasprintf("codepage: unknown code page "
				    "'%s' (try 65001, 1252, 28591, 20127, 932 "
				    "...; 'popconn codepages' lists them)",
				    value);
			return PC_E_INVALID;
		}
		p->codepage = cp;
		return PC_OK;
	}
	if (strcmp(key, "proxy_port") == 0 && *value == '\0') {
		p->proxy_port = 0;
		return PC_OK;
	}
	if (str_to_int(value, 1, 65535, &v) != PC_OK ||
	    (strcmp(key, "timeout") == 0 && v > PROF_TIMEOUT_MAX)) {
		if (cause != NULL) {
			if (strcmp(key, "timeout") == 0)
				*cause = xasprintf("timeout: '%s' is not a "
				    "number of seconds from 1 to %d", value,
				    PROF_TIMEOUT_MAX);
			else
				*cause = xasprintf("%s: '%s' is not a port "
				    "number from 1 to 65535", key, value);
		}
		return PC_E_INVALID;
	}
	if (strcmp(key, "timeout") == 0)
		p->timeout = (int)v;
	else if (strcmp(key, "port") == 0) {
		p->port = (int)v;
		p->port_typed = true;
	} else
		p->proxy_port = (int)v;
	return PC_OK;
}

enum pc_err
profile_field_set(struct profile *p, const char *key, const char *value,
    char **cause)
{
	const struct prof_field *f;
	char *list, *bad = NULL, **slot;
	unsigned bits;
	bool b;
	int i;

	f = profile_field_find(key);
	if (f == NULL) {
		if (cause != NULL)
			*cause = xasprintf("unknown field '%s' ('popconn "
			    "fields' lists them)", key);
		return PC_E_INVALID;
	}
	if (value == NULL)
		value = "";
	switch (f->type) {
	case PROF_F_TEXT:
	case PROF_F_SECRET:
		if (strlen(value) > PROF_TEXT_MAX) {
			if (cause != NULL)
				*cause = xasprintf("%s: longer than %d "
				    "characters", key, PROF_TEXT_MAX);
			return PC_E_INVALID;
		}
		slot = profile_text_slot(p, key);
		if (f->type == PROF_F_SECRET)
			xstr_replace_secret(slot, *value ? value : NULL);
		else
			xstr_replace(slot, *value ? value : NULL);
		return PC_OK;
	case PROF_F_INT:
		return profile_set_int(p, key, value, cause);
	case PROF_F_BOOL:
		if (profile_parse_bool(value, &b) != PC_OK) {
			if (cause != NULL)
				*cause = xasprintf("%s: '%s' is not yes or no",
				    key, value);
			return PC_E_INVALID;
		}
		if (strcmp(key, "allow_plaintext") == 0)
			p->allow_plaintext = b;
		else
			p->proxy_auth = b;
		return PC_OK;
	case PROF_F_CHOICE:
		i = profile_choice_index(f->choices, value);
		if (i < 0) {
			if (cause != NULL) {
				list = profile_choice_list(f->choices);
				*cause = xasprintf("%s: '%s' is not one of: %s",
				    key, value, list);
				free(list);
			}
			return PC_E_INVALID;
		}
		if (strcmp(key, "security") == 0)
			profile_set_security(p, (enum prof_security)i);
		else if (strcmp(key, "tls_verify") == 0)
			p->tls_verify = (enum prof_verify)i;
		else if (strcmp(key, "auth") == 0)
			p->auth = (enum prof_auth)i;
		else if (strcmp(key, "oauth_flow") == 0)
			p->oauth_flow = (enum prof_oauth_flow)i;
		else if (strcmp(key, "oauth_provider") == 0)
			p->oauth_provider = (enum prof_oauth_provider)i;
		else
			p->proxy_type = (enum prof_proxy)i;
		return PC_OK;
	case PROF_F_SET:
		if (profile_parse_tls_set(value, &bits, &bad) != PC_OK) {
			if (cause != NULL) {
				list = profile_choice_list(f->choices);
				*cause = xasprintf("%s: '%s' is not a version "
				    "(use a comma-separated list of: %s)", key,
				    bad, list);
				free(list);
			}
			free(bad);
			return PC_E_INVALID;
		}
		p->tls_versions = bits;
		return PC_OK;
	}
	return PC_E_INVALID;
}

char *
profile_field_get(const struct profile *p, const char *key)
{
	const struct prof_field *f;
	const char *s;

	f = profile_field_find(key);
	if (f == NULL)
		return NULL;
	switch (f->type) {
	case PROF_F_TEXT:
		s = profile_text_get(p, key);
		return xstrdup(s == NULL ? "" : s);
	case PROF_F_SECRET:
		s = profile_text_get(p, key);
		return xstrdup(s != NULL && *s != '\0' ? "set" : "");
	case PROF_F_INT:
		if (strcmp(key, "timeout") == 0)
			return xasprintf("%d", p->timeout);
		if (strcmp(key, "codepage") == 0)
			return xasprintf("%d", p->codepage);
		if (strcmp(key, "port") == 0)
			return xasprintf("%d", p->port);
		return p->proxy_port ? xasprintf("%d", p->proxy_port) :
		    xstrdup("");
	case PROF_F_BOOL:
		if (strcmp(key, "allow_plaintext") == 0)
			return xstrdup(p->allow_plaintext ? "yes" : "no");
		return xstrdup(p->proxy_auth ? "yes" : "no");
	case PROF_F_CHOICE:
		if (strcmp(key, "security") == 0)
			return xstrdup(profile_security_str(p->security));
		if (strcmp(key, "tls_verify") == 0)
			return xstrdup(profile_verify_str(p->tls_verify));
		if (strcmp(key, "auth") == 0)
			return xstrdup(profile_auth_str(p->auth));
		if (strcmp(key, "oauth_flow") == 0)
			return xstrdup(profile_oauth_flow_str(p->oauth_flow));
		if (strcmp(key, "oauth_provider") == 0)
			return xstrdup(profile_oauth_provider_str(
			    p->oauth_provider));
		return xstrdup(profile_proxy_str(p->proxy_type));
	case PROF_F_SET:
		return profile_tls_versions_str(p->tls_versions);
	}
	return NULL;
}

int
profile_field_differs(const struct profile *a, const struct profile *b,
    const char *key)
{
	const struct prof_field *f;
	const char *sa, *sb;
	char *va, *vb;
	int d;

	f = profile_field_find(key);
	if (f == NULL)
		return 0;
	if (f->type == PROF_F_TEXT || f->type == PROF_F_SECRET) {
		sa = profile_text_get(a, key);
		sb = profile_text_get(b, key);
		return strcmp(sa == NULL ? "" : sa, sb == NULL ? "" : sb) != 0;
	}
	va = profile_field_get(a, key);
	vb = profile_field_get(b, key);
	d = strcmp(va, vb) != 0;
	free(va);
	free(vb);
	return d;
}

bool
profile_field_applies(const struct profile *p, const char *key)
{
	bool proxy = p->proxy_type != PROF_PROXY_NONE;

	if (strcmp(key, "tls_versions") == 0 ||
	    strcmp(key, "tls_verify") == 0 || strcmp(key, "tls_ca_file") == 0)
		return p->security != PROF_SEC_NONE;
	if (strcmp(key, "tls_pin") == 0)
		return p->security != PROF_SEC_NONE &&
		    p->tls_verify == PROF_VERIFY_PIN;
	if (strncmp(key, "oauth_", 6) == 0) {
		if (p->auth != PROF_AUTH_XOAUTH2 &&
		    p->auth != PROF_AUTH_OAUTHBEARER &&
		    p->auth != PROF_AUTH_AUTO)
			return false;
		if (strcmp(key, "oauth_flow") == 0)
			return true;
		if (strcmp(key, "oauth_token_cmd") == 0)
			return p->oauth_flow == PROF_OAUTH_COMMAND;
		if (p->oauth_flow == PROF_OAUTH_COMMAND)
			return false;
		if (strcmp(key, "oauth_client_secret") == 0)
			return p->oauth_flow == PROF_OAUTH_CLIENT;
		if (strcmp(key, "oauth_tenant") == 0)
			return p->oauth_provider == PROF_OAUTH_MICROSOFT;
		if (strcmp(key, "oauth_device_url") == 0)
			return p->oauth_provider == PROF_OAUTH_CUSTOM &&
			    p->oauth_flow == PROF_OAUTH_DEVICE;
		if (strcmp(key, "oauth_token_url") == 0)
			return p->oauth_provider == PROF_OAUTH_CUSTOM;
		return true;
	}
	if (strcmp(key, "proxy_address") == 0 ||
	    strcmp(key, "proxy_port") == 0 || strcmp(key, "proxy_auth") == 0)
		return proxy;
	if (strcmp(key, "proxy_domain") == 0)
		return p->proxy_type == PROF_PROXY_HTTP && p->proxy_auth;
	if (strcmp(key, "proxy_username") == 0)
		return proxy && p->proxy_auth;
	if (strcmp(key, "proxy_password") == 0)
		/* SOCKS4 and 4a carry a user id but no password. */
		return proxy && p->proxy_auth &&
		    p->proxy_type != PROF_PROXY_SOCKS4 &&
		    p->proxy_type != PROF_PROXY_SOCKS4A;
	return true;
}

static const char *
profile_key_at(const char *const *keys, int n, unsigned i)
{
	return i < (unsigned)n ? keys[i] : "?";
}

const char *
profile_security_str(enum prof_security s)
{
	return profile_key_at(profile_security_keys, 3, s);
}

const char *
profile_auth_str(enum prof_auth a)
{
	return profile_key_at(profile_auth_keys, 10, a);
}

const char *
profile_proxy_str(enum prof_proxy t)
{
	return profile_key_at(profile_proxy_keys, 5, t);
}

const char *
profile_verify_str(enum prof_verify v)
{
	return profile_key_at(profile_verify_keys, 3, v);
}

const char *
profile_oauth_flow_str(enum prof_oauth_flow f)
{
	return profile_key_at(profile_oauth_flow_keys, 3, f);
}

const char *
profile_oauth_provider_str(enum prof_oauth_provider o)
{
	return profile_key_at(profile_oauth_provider_keys, 3, o);
}

bool
profile_oauth_builtin(const struct profile *p)
{
	return p->oauth_flow != PROF_OAUTH_COMMAND &&
	    (p->auth == PROF_AUTH_XOAUTH2 || p->auth == PROF_AUTH_OAUTHBEARER ||
	    p->auth == PROF_AUTH_AUTO);
}
