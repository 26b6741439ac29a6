/*
 * profile_validate.c - every rule of PRODUCT.md section 1: one message per
 * invalid field, naming it, so each layer can point at the field at fault
 * (the CLI in its error line, the TUI by highlighting the field).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/codepage.h"
#include "popconn/profile.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"

/*
 * What the linked TLS library can offer.  The net layer knows (it links
 * wolfSSL) and tells us at start-up; until then assume the versions every
 * supported build has.
 */
static unsigned profile_tls_mask = PROF_TLS_11 | PROF_TLS_12 | PROF_TLS_13;

void
profile_set_tls_available(unsigned mask)
{
	profile_tls_mask = mask & PROF_TLS_ALL;
}

unsigned
profile_tls_available(void)
{
	return profile_tls_mask;
}

const char *
profile_tls_unavailable_reason(unsigned bit)
{
	if (profile_tls_mask & bit)
		return NULL;
	switch (bit) {
	case PROF_TLS_SSL2:
		return "SSL 2.0 is broken (RFC 6176) and no supported TLS "
		    "library offers it";
	case PROF_TLS_SSL3:
		return "SSL 3.0 is prohibited (RFC 7568) and the linked "
		    "wolfSSL was built without it";
	case PROF_TLS_10:
		return "TLS 1.0 is deprecated (RFC 8996) and the linked "
		    "wolfSSL was built without it";
	default:
		return "the linked wolfSSL was built without this version";
	}
}

static void
profile_issue_add(struct prof_issues *iss, const char *key, char *msg)
{
	iss->v = xreallocarray(iss->v, (size_t)iss->n + 1, sizeof *iss->v);
	iss->v[iss->n].key = key;
	iss->v[iss->n].message = msg;
	iss->n++;
}

void
profile_issues_cleanup(struct prof_issues *iss)
{
	int i;

	for (i = 0; i < iss->n; i++)
		free(iss->v[i].message);
	free(iss->v);
	iss->v = NULL;
	iss->n = 0;
}

const struct prof_issue *
profile_issues_find(const struct prof_issues *iss, const char *key)
{
	int i;

	for (i = 0; i < iss->n; i++)
		if (strcmp(iss->v[i].key, key) == 0)
			return &iss->v[i];
	return NULL;
}

static bool
profile_has_control(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

bool
profile_valid_hostname(const char *s)
{
	unsigned char a6[16], a4[4];
	size_t len, lablen = 0;
	const char *p;
	bool alpha_tld = false;

	if (s == NULL || *s == '\0')
		return false;
	if (inet_pton(AF_INET6, s, a6) == 1 || inet_pton(AF_INET, s, a4) == 1)
		return true;
	len = strlen(s);
	if (len > 253)
		return false;
	/* RFC 1123 labels: letters, digits, hyphens; not at either end. */
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (lablen == 0 || p[-1] == '-')
				return false;
			lablen = 0;
			alpha_tld = false;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
		if (lablen == 0 && *p == '-')
			return false;
		if (isalpha((unsigned char)*p))
			alpha_tld = true;
		if (++lablen > 63)
			return false;
	}
	if (p[-1] == '-')
		return false;
	/* "1.2.3" is neither an address nor a name: the last label of a
	 * name is never all digits. */
	if (s[len - 1] != '.' && !alpha_tld)
		return false;
	return true;
}

bool
profile_valid_pin(const char *s)
{
	int n = 0;

	if (s == NULL)
		return false;
	for (; *s != '\0'; s++) {
		if (*s == ':')
			continue;
		if (!isxdigit((unsigned char)*s))
			return false;
		n++;
	}
	return n == 64;
}

static void
profile_validate_text(const struct profile *p, struct prof_issues *iss)
{
	size_t len;

	len = p->name == NULL ? 0 : strlen(p->name);
	if (len == 0)
		profile_issue_add(iss, "name", xstrdup("name: required"));
	else if (len > PROF_NAME_MAX)
		profile_issue_add(iss, "name", xasprintf("name: longer than "
		    "%d characters", PROF_NAME_MAX));
	else if (profile_has_control(p->name))
		profile_issue_add(iss, "name", xstrdup("name: contains a "
		    "control character"));
	if (p->group != NULL && strlen(p->group) > PROF_NAME_MAX)
		profile_issue_add(iss, "group", xasprintf("group: longer than "
		    "%d characters", PROF_NAME_MAX));
	else if (profile_has_control(p->group))
		profile_issue_add(iss, "group", xstrdup("group: contains a "
		    "control character"));
	/* These travel inside protocol lines: a CR or LF would inject a
	 * command. */
	if (profile_has_control(p->username))
		profile_issue_add(iss, "username", xstrdup("username: "
		    "contains a control character"));
	if (profile_has_control(p->password))
		profile_issue_add(iss, "password", xstrdup("password: "
		    "contains a control character"));
	if (profile_has_control(p->proxy_username))
		profile_issue_add(iss, "proxy_username", xstrdup(
		    "proxy_username: contains a control character"));
	if (profile_has_control(p->proxy_password))
		profile_issue_add(iss, "proxy_password", xstrdup(
		    "proxy_password: contains a control character"));
	if (profile_has_control(p->proxy_domain))
		profile_issue_add(iss, "proxy_domain", xstrdup(
		    "proxy_domain: contains a control character"));
	if (profile_has_control(p->tls_ca_file))
		profile_issue_add(iss, "tls_ca_file", xstrdup("tls_ca_file: "
		    "contains a control character"));
	if (profile_has_control(p->oauth_token_cmd))
		profile_issue_add(iss, "oauth_token_cmd", xstrdup(
		    "oauth_token_cmd: contains a control character"));
}

static void
profile_validate_tls(const struct profile *p, struct prof_issues *iss)
{
	unsigned bit, unavailable;
	char *names;
	int i;

	if (p->security == PROF_SEC_NONE)
		return;		/* the versions are hidden and ignored */
	if ((p->tls_versions & PROF_TLS_ALL) == 0) {
		profile_issue_add(iss, "tls_versions", xstrdup("tls_versions: "
		    "at least one version must be allowed"));
	} else {
		unavailable = p->tls_versions & ~profile_tls_mask;
		for (i = 0; i < 6; i++) {
			bit = 1u << i;
			if (!(unavailable & bit))
				continue;
			names = profile_tls_versions_str(bit);
			profile_issue_add(iss, "tls_versions", xasprintf(
			    "tls_versions: %s is unavailable: %s", names,
			    profile_tls_unavailable_reason(bit)));
			free(names);
			break;	/* one message per field */
		}
	}
	if (p->tls_verify == PROF_VERIFY_PIN && !profile_valid_pin(p->tls_pin))
		profile_issue_add(iss, "tls_pin", xstrdup("tls_pin: a SHA-256 "
		    "fingerprint is 64 hexadecimal digits (colons allowed)"));
}

static bool
profile_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* An https URL without spaces or control characters. */
static bool
profile_valid_url(const char *s)
{
	const char *c;

	if (strncmp(s, "https://", 8) != 0 || s[8] == '\0' || s[8] == '/')
		return false;
	for (c = s; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return false;
	return true;
}

static void
profile_validate_url(const char *key, const char *v, bool required,
    const char *why, struct prof_issues *iss)
{
	if (profile_empty(v)) {
		if (required)
			profile_issue_add(iss, key, xasprintf("%s: required %s",
			    key, why));
	} else if (!profile_valid_url(v))
		profile_issue_add(iss, key, xasprintf("%s: '%s' is not an "
		    "https:// URL", key, v));
}

/* A token or form field that travels in an HTTP body or a URL path. */
static bool
profile_valid_word(const char *s, const char *extra)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(extra, *s) == NULL)
			return false;
	return true;
}

/*
 * The built-in OAuth2 fields: what each flow needs, and what a provider
 * can do.  Only checked when they apply (an OAuth2 logon method or auto);
 * elsewhere they are kept but ignored.
 */
static void
profile_validate_oauth(const struct profile *p, struct prof_issues *iss)
{
	const char *fl = profile_oauth_flow_str(p->oauth_flow);
	char *why;

	if (!profile_empty(p->oauth_client_id) &&
	    !profile_valid_word(p->oauth_client_id, "-._~:/@"))
		profile_issue_add(iss, "oauth_client_id", xstrdup(
		    "oauth_client_id: holds a character a client id cannot "
		    "hold (space or control character)"));
	if (!profile_empty(p->oauth_tenant) &&
	    !profile_valid_word(p->oauth_tenant, "-."))
		profile_issue_add(iss, "oauth_tenant", xstrdup("oauth_tenant: "
		    "a tenant is a GUID or a domain name (letters, digits, "
		    "'-' and '.')"));
	if (profile_has_control(p->oauth_scope))
		profile_issue_add(iss, "oauth_scope", xstrdup("oauth_scope: "
		    "contains a control character"));
	if (profile_has_control(p->oauth_client_secret))
		profile_issue_add(iss, "oauth_client_secret", xstrdup(
		    "oauth_client_secret: contains a control character"));
	if (!profile_oauth_builtin(p))
		return;
	if (profile_empty(p->oauth_client_id))
		profile_issue_add(iss, "oauth_client_id", xasprintf(
		    "oauth_client_id: required when oauth_flow is %s (the "
		    "application id of the registered app: docs/oauth.md)",
		    fl));
	if (p->oauth_flow == PROF_OAUTH_CLIENT &&
	    profile_empty(p->oauth_client_secret))
		profile_issue_add(iss, "oauth_client_secret", xstrdup(
		    "oauth_client_secret: required when oauth_flow is "
		    "client_credentials (oauth_client_secret=- reads it)"));
	if (p->oauth_flow == PROF_OAUTH_CLIENT &&
	    p->oauth_provider == PROF_OAUTH_GOOGLE)
		profile_issue_add(iss, "oauth_flow", xstrdup("oauth_flow: "
		    "Google offers no client_credentials grant for Gmail; use "
		    "device"));
	if (p->oauth_flow == PROF_OAUTH_CLIENT &&
	    p->oauth_provider == PROF_OAUTH_MICROSOFT &&
	    (profile_empty(p->oauth_tenant) ||
	    str_ieq(p->oauth_tenant, "common") ||
	    str_ieq(p->oauth_tenant, "organizations") ||
	    str_ieq(p->oauth_tenant, "consumers")))
		profile_issue_add(iss, "oauth_tenant", xstrdup("oauth_tenant: "
		    "app-only access (client_credentials) needs your own "
		    "tenant id or domain, not common/organizations/consumers"));
	if (p->oauth_provider != PROF_OAUTH_CUSTOM) {
		if (!profile_empty(p->oauth_device_url))
			profile_validate_url("oauth_device_url",
			    p->oauth_device_url, false, "", iss);
		if (!profile_empty(p->oauth_token_url))
			profile_validate_url("oauth_token_url",
			    p->oauth_token_url, false, "", iss);
		return;
	}
	why = xasprintf("when oauth_provider is custom and oauth_flow is %s",
	    fl);
	profile_validate_url("oauth_device_url", p->oauth_device_url,
	    p->oauth_flow == PROF_OAUTH_DEVICE, why, iss);
	profile_validate_url("oauth_token_url", p->oauth_token_url, true, why,
	    iss);
	free(why);
}

enum pc_err
profile_validate(const struct profile *p, struct prof_issues *out)
{
	struct prof_issues iss = { NULL, 0 };
	int n;

	profile_validate_text(p, &iss);
	if (p->timeout < 1 || p->timeout > PROF_TIMEOUT_MAX)
		profile_issue_add(&iss, "timeout", xasprintf("timeout: must be "
		    "from 1 to %d seconds", PROF_TIMEOUT_MAX));
	if (codepage_by_number(p->codepage) == NULL)
		profile_issue_add(&iss, "codepage", xasprintf("codepage: "
		    "unknown code page %d", p->codepage));
	if (p->address == NULL || *p->address == '\0')
		profile_issue_add(&iss, "address", xstrdup("address: required"));
	else if (!profile_valid_hostname(p->address))
		profile_issue_add(&iss, "address", xasprintf("address: '%s' is "
		    "not a valid DNS name or IP address", p->address));
	if (p->port < 1 || p->port > 65535)
		profile_issue_add(&iss, "port", xstrdup("port: must be from 1 "
		    "to 65535"));
	profile_validate_tls(p, &iss);
	if ((p->auth == PROF_AUTH_XOAUTH2 || p->auth == PROF_AUTH_OAUTHBEARER) &&
	    p->oauth_flow == PROF_OAUTH_COMMAND &&
	    (p->oauth_token_cmd == NULL || *p->oauth_token_cmd == '\0'))
		profile_issue_add(&iss, "oauth_token_cmd", xasprintf(
		    "oauth_token_cmd: required when auth is %s and "
		    "oauth_flow is command", profile_auth_str(p->auth)));
	profile_validate_oauth(p, &iss);
	if (p->proxy_type != PROF_PROXY_NONE) {
		if (p->proxy_address == NULL || *p->proxy_address == '\0')
			profile_issue_add(&iss, "proxy_address", xstrdup(
			    "proxy_address: required when a proxy is set"));
		else if (!profile_valid_hostname(p->proxy_address))
			profile_issue_add(&iss, "proxy_address", xasprintf(
			    "proxy_address: '%s' is not a valid DNS name or "
			    "IP address", p->proxy_address));
		if (p->proxy_port < 1 || p->proxy_port > 65535)
			profile_issue_add(&iss, "proxy_port", xstrdup(
			    "proxy_port: required when a proxy is set (1 to "
			    "65535)"));
		if (p->proxy_auth && (p->proxy_username == NULL ||
		    *p->proxy_username == '\0'))
			profile_issue_add(&iss, "proxy_username", xstrdup(
			    "proxy_username: required when proxy credentials "
			    "are used"));
	}
	n = iss.n;
	if (out != NULL)
		*out = iss;
	else
		profile_issues_cleanup(&iss);
	return n ? PC_E_INVALID : PC_OK;
}
