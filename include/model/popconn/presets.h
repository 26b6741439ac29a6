/*
 * presets.h - "default settings for some servers": data compiled from
 * data/presets.tsv, applied when a profile is created.
 */
#ifndef POPCONN_PRESETS_H
#define POPCONN_PRESETS_H

#include <stdbool.h>

#include "popconn/err.h"
#include "popconn/profile.h"

struct preset {
	const char	*key;		/* "gmail", "office365" ... */
	const char	*label;		/* "Gmail" */
	const char	*address;	/* NULL when the service has no POP3 */
	int		 port;
	enum prof_security security;
	enum prof_auth	 auth;
	const char	*note;		/* hint shown with the preset, or "" */
	bool		 has_oauth;	/* the two below are set */
	enum prof_oauth_flow oauth_flow;
	enum prof_oauth_provider oauth_provider;
};

/* An OAuth2 provider's endpoints and default scopes (oauth_provider). */
struct oauth_provider_data {
	const char	*key;		/* "microsoft" */
	const char	*label;
	const char	*device_url;	/* may hold {tenant} */
	const char	*token_url;	/* may hold {tenant} */
	const char	*scope_user;	/* default for oauth_flow device */
	const char	*scope_app;	/* for client_credentials; NULL = none */
	const char	*tenant;	/* default tenant; NULL = none */
};

/* Where a profile's built-in OAuth2 flow goes: all owned, caller frees
 * with presets_oauth_cleanup. */
struct oauth_endpoints {
	char		*device_url;	/* NULL for client_credentials */
	char		*token_url;
	char		*scope;		/* "" = ask for none */
};

/* presets.c */
/* All presets; *n receives the count.  Borrowed, static. */
const struct preset *presets_all(int *n);
/* Case-insensitive lookup by key.  NULL when unknown. */
const struct preset *presets_find(const char *key);
/*
 * The data of a provider (data/oauth_providers.tsv); NULL for custom.
 * Borrowed, static.
 */
const struct oauth_provider_data *presets_oauth_provider(
		    enum prof_oauth_provider o);
/*
 * The endpoints and scope p's built-in flow uses: the provider's URLs with
 * {tenant} replaced (oauth_tenant, else the default), or the custom URLs;
 * oauth_scope, else the provider's default for the flow.  PC_E_INVALID
 * with *cause naming the field when one is missing.
 */
enum pc_err	 presets_oauth_endpoints(const struct profile *p,
		    struct oauth_endpoints *out, char **cause);
void		 presets_oauth_cleanup(struct oauth_endpoints *e);
/*
 * Fill address, port, security and auth of p (and oauth_flow and
 * oauth_provider when the preset has them) (the port counts as a
 * default, not as typed).  A preset for a
 * service with no POP3 (iCloud) fails with PC_E_INVALID and *cause says so.
 */
enum pc_err	 presets_apply(const struct preset *ps, struct profile *p,
		    char **cause);

#endif
