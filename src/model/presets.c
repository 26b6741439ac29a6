/*
 * presets.c - "default settings for some servers".  The presets are data:
 * data/presets.tsv, compiled into the binary and parsed once on first use.
 * A malformed line in that file is a build-time mistake, caught by the unit
 * test that loads every preset.
 */
#include <stdlib.h>
#include <string.h>

#include "popconn/buf.h"
#include "popconn/embed.h"
#include "popconn/presets.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"

extern const struct pc_embed presets_files[];
extern const int presets_files_count;
extern const struct pc_embed oauth_providers_files[];
extern const int oauth_providers_files_count;

#define PRESETS_MAX 64

static struct preset presets_table[PRESETS_MAX];
static int presets_n = -1;
static char *presets_text;	/* owns the strings of presets_table */

static int
presets_choice(const char *const *keys, const char *v)
{
	int i;

	for (i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], v) == 0)
			return i;
	return -1;
}

static void
presets_load(void)
{
	/* The field table's own keys: one list of values, not two. */
	const char *const *sec = profile_field_find("security")->choices;
	const char *const *auth = profile_field_find("auth")->choices;
	const char *const *flow = profile_field_find("oauth_flow")->choices;
	const char *const *prov =
	    profile_field_find("oauth_provider")->choices;
	char *line, *save, *col[9], *p;
	int f, o;
	struct preset *ps;
	int n, c;

	presets_n = 0;
	if (presets_files_count < 1)
		return;
	presets_text = xstrdup(presets_files[0].data);
	for (line = strtok_r(presets_text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (*line == '#' || *line == '\0')
			continue;
		for (c = 0, p = line; c < 9; c++) {
			col[c] = p;
			p = p == NULL ? NULL : strchr(p, '\t');
			if (p != NULL)
				*p++ = '\0';
		}
		if (col[6] == NULL || presets_n == PRESETS_MAX)
			continue;
		ps = &presets_table[presets_n];
		ps->key = col[0];
		ps->label = col[1];
		ps->address = strcmp(col[2], "-") == 0 ? NULL : col[2];
		ps->port = atoi(col[3]);
		n = presets_choice(sec, col[4]);
		ps->security = n < 0 ? PROF_SEC_SSL : (enum prof_security)n;
		n = presets_choice(auth, col[5]);
		ps->auth = n < 0 ? PROF_AUTH_AUTO : (enum prof_auth)n;
		ps->note = col[6];
		f = col[8] == NULL ? -1 : presets_choice(flow, col[7]);
		o = col[8] == NULL ? -1 : presets_choice(prov, col[8]);
		ps->has_oauth = f >= 0 && o >= 0;
		ps->oauth_flow = f < 0 ? PROF_OAUTH_COMMAND :
		    (enum prof_oauth_flow)f;
		ps->oauth_provider = o < 0 ? PROF_OAUTH_MICROSOFT :
		    (enum prof_oauth_provider)o;
		presets_n++;
	}
}

const struct preset *
presets_all(int *n)
{
	if (presets_n < 0)
		presets_load();
	*n = presets_n;
	return presets_table;
}

const struct preset *
presets_find(const char *key)
{
	int i, n;
	const struct preset *all;

	all = presets_all(&n);
	for (i = 0; i < n; i++)
		if (str_ieq(all[i].key, key))
			return &all[i];
	return NULL;
}

enum pc_err
presets_apply(const struct preset *ps, struct profile *p, char **cause)
{
	if (ps->address == NULL) {
		if (cause != NULL)
			*cause = xasprintf("preset %s: %s", ps->key, ps->note);
		return PC_E_INVALID;
	}
	xstr_replace(&p->address, ps->address);
	p->security = ps->security;
	/* Filled in, not typed: the port rule may still move it. */
	p->port = ps->port;
	p->port_typed = false;
	p->auth = ps->auth;
	if (ps->has_oauth) {
		p->oauth_flow = ps->oauth_flow;
		p->oauth_provider = ps->oauth_provider;
	}
	return PC_OK;
}

/* ------------------------------------------------------------------ */
/* OAuth2 providers: data/oauth_providers.tsv. */

#define PRESETS_OAUTH_MAX 8

static struct oauth_provider_data presets_oauth_table[PRESETS_OAUTH_MAX];
static int presets_oauth_n = -1;
static char *presets_oauth_text;

static const char *
presets_dash(const char *s)
{
	return strcmp(s, "-") == 0 ? NULL : s;
}

static void
presets_oauth_load(void)
{
	struct oauth_provider_data *d;
	char *line, *save, *col[7], *p;
	int c;

	presets_oauth_n = 0;
	if (oauth_providers_files_count < 1)
		return;
	presets_oauth_text = xstrdup(oauth_providers_files[0].data);
	for (line = strtok_r(presets_oauth_text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (*line == '#' || *line == '\0')
			continue;
		for (c = 0, p = line; c < 7; c++) {
			col[c] = p;
			p = p == NULL ? NULL : strchr(p, '\t');
			if (p != NULL)
				*p++ = '\0';
		}
		if (col[6] == NULL || presets_oauth_n == PRESETS_OAUTH_MAX)
			continue;
		d = &presets_oauth_table[presets_oauth_n++];
		d->key = col[0];
		d->label = col[1];
		d->device_url = col[2];
		d->token_url = col[3];
		d->scope_user = col[4];
		d->scope_app = presets_dash(col[5]);
		d->tenant = presets_dash(col[6]);
	}
}

const struct oauth_provider_data *
presets_oauth_provider(enum prof_oauth_provider o)
{
	const char *key = profile_oauth_provider_str(o);
	int i;

	if (presets_oauth_n < 0)
		presets_oauth_load();
	for (i = 0; i < presets_oauth_n; i++)
		if (strcmp(presets_oauth_table[i].key, key) == 0)
			return &presets_oauth_table[i];
	return NULL;
}

/* url with every {tenant} replaced by tenant.  Caller frees. */
static char *
presets_oauth_url(const char *url, const char *tenant)
{
	struct buf b;
	const char *at;

	buf_init(&b, 0);
	while ((at = strstr(url, "{tenant}")) != NULL) {
		buf_add(&b, url, (size_t)(at - url));
		buf_addstr(&b, tenant);
		url = at + strlen("{tenant}");
	}
	buf_addstr(&b, url);
	return buf_take(&b);
}

void
presets_oauth_cleanup(struct oauth_endpoints *e)
{
	if (e == NULL)
		return;
	free(e->device_url);
	free(e->token_url);
	free(e->scope);
	memset(e, 0, sizeof *e);
}

static bool
presets_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

enum pc_err
presets_oauth_endpoints(const struct profile *p, struct oauth_endpoints *out,
    char **cause)
{
	const struct oauth_provider_data *d;
	const char *tenant, *scope;
	bool device = p->oauth_flow == PROF_OAUTH_DEVICE;

	memset(out, 0, sizeof *out);
	d = presets_oauth_provider(p->oauth_provider);
	if (d == NULL) {
		/* custom: the profile's own endpoints. */
		if (presets_empty(p->oauth_token_url) ||
		    (device && presets_empty(p->oauth_device_url))) {
			if (cause != NULL)
				*cause = xasprintf("%s: required when "
				    "oauth_provider is custom",
				    presets_empty(p->oauth_token_url) ?
				    "oauth_token_url" : "oauth_device_url");
			return PC_E_INVALID;
		}
		if (device)
			out->device_url = xstrdup(p->oauth_device_url);
		out->token_url = xstrdup(p->oauth_token_url);
		out->scope = xstrdup(p->oauth_scope != NULL ?
		    p->oauth_scope : "");
		return PC_OK;
	}
	tenant = !presets_empty(p->oauth_tenant) ? p->oauth_tenant :
	    d->tenant != NULL ? d->tenant : "";
	scope = !presets_empty(p->oauth_scope) ? p->oauth_scope :
	    device ? d->scope_user : d->scope_app;
	if (scope == NULL) {
		if (cause != NULL)
			*cause = xasprintf("oauth_flow: %s offers no %s grant "
			    "for mail", d->label,
			    profile_oauth_flow_str(p->oauth_flow));
		return PC_E_INVALID;
	}
	/* A custom URL on a named provider wins (a sovereign cloud). */
	if (device)
		out->device_url = presets_empty(p->oauth_device_url) ?
		    presets_oauth_url(d->device_url, tenant) :
		    xstrdup(p->oauth_device_url);
	out->token_url = presets_empty(p->oauth_token_url) ?
	    presets_oauth_url(d->token_url, tenant) :
	    xstrdup(p->oauth_token_url);
	out->scope = xstrdup(scope);
	return PC_OK;
}
