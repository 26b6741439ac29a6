/*
 * profile.h - the POP3 connection profile: every field of the seed page
 * (PRODUCT.md section 1), its defaults, validation, the port rule, and a
 * field table that gives every layer (store, CLI, JSON/CSV, TUI form) one
 * way to read and write a field by its stable key.
 *
 * The model does no I/O.  Secret fields (password, oauth_client_secret,
 * proxy_password) are held
 * in clear only in memory, wiped on free, and are never returned by
 * profile_field_get (it says "set" or "").
 */
#ifndef POPCONN_PROFILE_H
#define POPCONN_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "popconn/err.h"

enum prof_security {
	PROF_SEC_NONE,		/* no encryption */
	PROF_SEC_SSL,		/* implicit TLS from the first byte (POP3S) */
	PROF_SEC_TLS,		/* plain connect, then STLS (RFC 2595) */
};

enum prof_verify {
	PROF_VERIFY_FULL,	/* trusted chain + host name */
	PROF_VERIFY_PIN,	/* SHA-256 fingerprint in tls_pin */
	PROF_VERIFY_OFF,	/* explicit, shown as a warning everywhere */
};

enum prof_auth {
	PROF_AUTH_AUTO,
	PROF_AUTH_USER,
	PROF_AUTH_APOP,
	PROF_AUTH_PLAIN,
	PROF_AUTH_LOGIN,
	PROF_AUTH_CRAM_MD5,
	PROF_AUTH_XOAUTH2,
	PROF_AUTH_OAUTHBEARER,
	PROF_AUTH_SCRAM_SHA1,
	PROF_AUTH_SCRAM_SHA256,
};

/* How an OAuth2 access token is obtained (xoauth2, oauthbearer). */
enum prof_oauth_flow {
	PROF_OAUTH_COMMAND,	/* oauth_token_cmd prints it */
	PROF_OAUTH_DEVICE,	/* RFC 8628, authorised once, then refreshed */
	PROF_OAUTH_CLIENT,	/* client credentials (app-only) */
};

/* Whose endpoints and default scopes (data/oauth_providers.tsv). */
enum prof_oauth_provider {
	PROF_OAUTH_MICROSOFT,
	PROF_OAUTH_GOOGLE,
	PROF_OAUTH_CUSTOM,	/* oauth_device_url, oauth_token_url */
};

enum prof_proxy {
	PROF_PROXY_NONE,
	PROF_PROXY_SOCKS4,
	PROF_PROXY_SOCKS4A,
	PROF_PROXY_SOCKS5,
	PROF_PROXY_HTTP,
};

/* Bits of tls_versions. */
#define PROF_TLS_SSL2	0x01
#define PROF_TLS_SSL3	0x02
#define PROF_TLS_10	0x04
#define PROF_TLS_11	0x08
#define PROF_TLS_12	0x10
#define PROF_TLS_13	0x20
#define PROF_TLS_ALL	0x3f
#define PROF_TLS_DEFAULT (PROF_TLS_12 | PROF_TLS_13)

#define PROF_NAME_MAX		128
#define PROF_TIMEOUT_DEFAULT	30
#define PROF_TIMEOUT_MAX	3600
#define PROF_CODEPAGE_DEFAULT	65001
#define PROF_PORT_PLAIN		110
#define PROF_PORT_SSL		995
#define PROF_TEXT_MAX		1024	/* cap on any other text field */

struct profile {
	int64_t		 id;		/* store row id; 0 = never saved */
	int64_t		 version;	/* store row version, for conflicts */

	/* Common */
	char		*name;		/* required, 1-128 chars */
	char		*group;		/* may be NULL or "" */
	int		 timeout;	/* seconds, 1-3600 */
	int		 codepage;	/* Windows code-page number */

	/* Connection */
	char		*address;	/* DNS name or IP literal */
	int		 port;		/* 1-65535 */
	bool		 port_typed;	/* user set the port: never moved */
	char		*username;
	char		*password;	/* SECRET: clear text in memory only */
	enum prof_security security;
	unsigned	 tls_versions;	/* PROF_TLS_* bits */
	enum prof_verify tls_verify;
	char		*tls_pin;	/* 64 hex digits when verify=pin */
	char		*tls_ca_file;	/* optional PEM path */

	/* Authentication */
	enum prof_auth	 auth;
	char		*oauth_token_cmd; /* command printing a token */
	enum prof_oauth_flow oauth_flow;
	enum prof_oauth_provider oauth_provider;
	char		*oauth_tenant;	/* microsoft: tenant id or domain */
	char		*oauth_client_id;
	char		*oauth_client_secret; /* SECRET */
	char		*oauth_scope;	/* NULL = the provider's default */
	char		*oauth_device_url; /* custom: device authorization */
	char		*oauth_token_url; /* custom: token endpoint */
	bool		 allow_plaintext;

	/* Proxy */
	enum prof_proxy	 proxy_type;
	char		*proxy_address;
	int		 proxy_port;
	bool		 proxy_auth;
	char		*proxy_domain;	/* NTLM domain, http only */
	char		*proxy_username;
	char		*proxy_password; /* SECRET */

	/* Kept by the store, shown by list screens; not editable. */
	char		*last_result;	/* diagnosis code of the last test */
	int64_t		 last_tested;	/* unix time, 0 = never */
};

/* Field types in the field table. */
enum prof_ftype {
	PROF_F_TEXT,
	PROF_F_INT,
	PROF_F_BOOL,
	PROF_F_CHOICE,		/* one of choices[] */
	PROF_F_SET,		/* comma-separated subset of choices[] */
	PROF_F_SECRET,		/* text that is never shown */
};

enum prof_tab {
	PROF_TAB_COMMON,
	PROF_TAB_CONNECTION,
	PROF_TAB_AUTH,
	PROF_TAB_PROXY,
};

struct prof_field {
	const char		*key;	/* stable key: column, CLI, JSON, CSV */
	const char		*label;	/* as on the seed page */
	enum prof_tab		 tab;
	enum prof_ftype		 type;
	const char *const	*choices; /* CHOICE/SET: NULL-terminated keys */
	const char *const	*choice_labels; /* same order, for the TUI */
	const char		*help;	/* one line for the TUI status bar */
};

/* One validation failure: which field, and why. */
struct prof_issue {
	const char	*key;		/* borrowed from the field table */
	char		*message;	/* owned; names the field */
};

struct prof_issues {
	struct prof_issue *v;
	int		 n;
};

/* profile.c */
/* A new profile with every default set (security ssl, port 995, ...). */
struct profile	*profile_new(void);
/* Frees p, wiping its secrets.  NULL is allowed. */
void		 profile_free(struct profile *p);
/* Deep copy (secrets included).  Caller frees. */
struct profile	*profile_dup(const struct profile *p);
/* Default port for a security mode: 995 for ssl, else 110. */
int		 profile_default_port(enum prof_security sec);
/*
 * Change the security mode, applying the port rule: on a profile that was
 * never saved (id == 0) whose port was not typed by the user and still holds
 * the old mode's default, the port moves to the new mode's default.  A saved
 * profile's port never changes by itself.
 */
void		 profile_set_security(struct profile *p, enum prof_security sec);
/*
 * The port rule for a saved profile (PRODUCT.md section 1): after an edit
 * changed security from old_sec (and did not set the port), a port that
 * still holds old_sec's default (110 or 995) follows the new mode.  True
 * when the port moved.  A port that is not a default stays.
 */
bool		 profile_port_follow(struct profile *p,
		    enum prof_security old_sec);
/*
 * A port that contradicts the mode: STLS on 995 (POP3S speaks TLS at
 * once) or SSL on 110 (plain POP3).  Allowed, but the editor, set and the
 * test result warn.  A sentence, or NULL when the pair is usual.
 */
const char	*profile_port_warning(const struct profile *p);

/* The field table, in tab order; *n receives the count.  Borrowed. */
const struct prof_field *profile_fields(int *n);
/* Look up a field by key (case-sensitive).  NULL when unknown. */
const struct prof_field *profile_field_find(const char *key);
/*
 * Set a field from its text form (as typed on the CLI or read from a file).
 * Applies the port rule when key is "security"; setting "port" marks it
 * typed.  On PC_E_INVALID, *cause (if not NULL) gets a message naming the
 * field and p is unchanged.  Caller frees *cause.
 */
enum pc_err	 profile_field_set(struct profile *p, const char *key,
		    const char *value, char **cause);
/*
 * The text form of a field.  Secrets come back as "set" or "" (never the
 * value).  Caller frees.  NULL for an unknown key.
 */
char		*profile_field_get(const struct profile *p, const char *key);
/*
 * The clear value of a secret field (PROF_F_SECRET), for the code that
 * seals it (the store, export --with-secrets) and nothing else.  Borrowed;
 * NULL when unset or when key is not a secret field.
 */
const char	*profile_secret_get(const struct profile *p, const char *key);
/* Whether the field matters given the other fields (TUI hide/disable). */
bool		 profile_field_applies(const struct profile *p,
		    const char *key);
/* 1 when the two profiles hold different values for key (secrets too). */
int		 profile_field_differs(const struct profile *a,
		    const struct profile *b, const char *key);

/* Names for the enums; never NULL. */
const char	*profile_security_str(enum prof_security s);
const char	*profile_auth_str(enum prof_auth a);
const char	*profile_proxy_str(enum prof_proxy t);
const char	*profile_verify_str(enum prof_verify v);
const char	*profile_oauth_flow_str(enum prof_oauth_flow f);
const char	*profile_oauth_provider_str(enum prof_oauth_provider o);
/*
 * Whether the profile gets its access token itself (oauth_flow device or
 * client_credentials with an OAuth2 logon method or auto).
 */
bool		 profile_oauth_builtin(const struct profile *p);
/* "tls1.2,tls1.3" style.  Caller frees. */
char		*profile_tls_versions_str(unsigned bits);

/* profile_validate.c */
/*
 * Check every field and the rules between fields.  Fills out (which the
 * caller releases with profile_issues_cleanup) with one issue per invalid
 * field.  Returns PC_OK when there is none, else PC_E_INVALID.
 */
enum pc_err	 profile_validate(const struct profile *p,
		    struct prof_issues *out);
void		 profile_issues_cleanup(struct prof_issues *iss);
/* The issue for one field, or NULL.  Borrowed from iss. */
const struct prof_issue *profile_issues_find(const struct prof_issues *iss,
		    const char *key);
/*
 * TLS versions the linked TLS library can offer (PROF_TLS_* bits), and for
 * a version it cannot, the reason.  Implemented by the net layer's
 * capabilities (xport_tls_versions_available) but declared here so the model stays free of
 * TLS headers: the model receives the mask from whoever links TLS.
 */
void		 profile_set_tls_available(unsigned mask);
unsigned	 profile_tls_available(void);
/* Reason a version bit is unavailable, or NULL when it is available. */
const char	*profile_tls_unavailable_reason(unsigned bit);
/* Syntax checks, usable by the TUI field by field. */
bool		 profile_valid_hostname(const char *s);
bool		 profile_valid_pin(const char *s);

#endif
