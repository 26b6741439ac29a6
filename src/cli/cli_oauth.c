/*
 * cli_oauth.c - "popconn oauth login|status|logout NAME": authorise a
 * profile's built-in OAuth2 device flow once (RFC 8628: the verification
 * address and user code are printed, the token endpoint is polled at the
 * interval the server asks, Ctrl-C cancels), show what is held (never a
 * token), and forget it.  The OAuth work itself is src/oauth's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_int.h"
#include "popconn/oauth.h"
#include "popconn/presets.h"
#include "popconn/xmalloc.h"

static volatile sig_atomic_t cli_oauth_cancel;

static void
cli_oauth_on_signal(int sig)
{
	(void)sig;
	cli_oauth_cancel = 1;
}

/* "2026-01-02 10:11:12" local time, in buf. */
static const char *
cli_oauth_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

static int
cli_oauth_login(struct cli *c, struct profile *p)
{
	struct sigaction sa, old_int, old_term;
	struct store_oauth so;
	struct oauth_device dev;
	struct oauth_tokens tok;
	struct oauth_error err;
	struct oauth *o = NULL;
	struct prof_issues iss;
	struct trace *tr;
	char *cause = NULL, when[32];
	enum oauth_status st;
	enum pc_err rc;
	int i, ret = CLI_EXIT_FAILED;

	memset(&so, 0, sizeof so);
	memset(&dev, 0, sizeof dev);
	memset(&tok, 0, sizeof tok);
	memset(&err, 0, sizeof err);
	if (p->oauth_flow != PROF_OAUTH_DEVICE) {
		cli_error("oauth login %s: oauth_flow is %s; a login is for "
		    "oauth_flow=device (%s)", p->name,
		    profile_oauth_flow_str(p->oauth_flow),
		    p->oauth_flow == PROF_OAUTH_CLIENT ? "client_credentials "
		    "gets its token at every test, nothing to authorise" :
		    "set oauth_flow=device first");
		return CLI_EXIT_USAGE;
	}
	if (profile_validate(p, &iss) != PC_OK) {
		for (i = 0; i < iss.n; i++)
			cli_error("%s: %s", p->name, iss.v[i].message);
		profile_issues_cleanup(&iss);
		return CLI_EXIT_USAGE;
	}
	tr = trace_new(0);
	trace_subscribe(tr, cli_trace_sink, NULL);
	cli_oauth_cancel = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cli_oauth_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the waits notice the flag at once. */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = oauth_new(p, tr, &cli_oauth_cancel, &o, &cause);
	if (rc) {
		cli_error("oauth login %s: %s", p->name, cause);
		free(cause);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	st = oauth_device_start(o, &dev, &err);
	if (st != OAUTH_OK)
		goto failed;
	printf("\nTo authorise popconn for profile %s, open\n\n    %s\n\n"
	    "and enter the code\n\n    %s\n\n", p->name, dev.verification_uri,
	    dev.user_code);
	if (dev.verification_uri_complete != NULL)
		printf("(or open %s, which holds the code)\n",
		    dev.verification_uri_complete);
	printf("The code is valid for %d minute%s %d second%s (until %s); "
	    "waiting for the approval, asking every %d s (Ctrl-C "
	    "cancels)...\n", dev.expires_in / 60, dev.expires_in / 60 == 1 ?
	    "" : "s", dev.expires_in % 60, dev.expires_in % 60 == 1 ? "" : "s",
	    cli_oauth_time((int64_t)time(NULL) + dev.expires_in, when,
	    sizeof when), dev.interval);
	fflush(stdout);
	st = oauth_device_wait(o, &dev, &tok, &err);
	if (st != OAUTH_OK)
		goto failed;
	if (tok.refresh_token == NULL) {
		cli_error("oauth login %s: the server issued no refresh token, "
		    "so popconn could not get tokens later; hint: ask for "
		    "offline access (Microsoft: add offline_access to "
		    "oauth_scope)", p->name);
		goto out;
	}
	so.refresh_token = tok.refresh_token;
	tok.refresh_token = NULL;
	so.scope = tok.scope;
	tok.scope = NULL;
	so.token_url = xstrdup(oauth_token_url(o));
	so.obtained = (int64_t)time(NULL);
	so.access_expires = tok.expires_in > 0 ? so.obtained + tok.expires_in :
	    0;
	rc = store_oauth_put(c->st, p->name, &so, true, &cause);
	if (rc) {
		ret = cli_report(rc, cause);
		goto out;
	}
	printf("authorised: the refresh token is stored sealed for %s%s%s\n",
	    p->name, so.scope != NULL ? "; granted scope: " : "",
	    so.scope != NULL ? so.scope : "");
	ret = CLI_EXIT_OK;
	goto out;
failed:
	if (st == OAUTH_CANCELLED)
		cli_error("oauth login %s: cancelled; nothing was stored",
		    p->name);
	else
		cli_error("oauth login %s: %s; hint: %s", p->name,
		    err.message != NULL ? err.message : "failed",
		    err.hint != NULL ? err.hint : "see above");
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	store_oauth_cleanup(&so);
	oauth_tokens_cleanup(&tok);
	oauth_device_cleanup(&dev);
	oauth_error_cleanup(&err);
	oauth_free(o);
	trace_free(tr);
	return ret;
}

static int
cli_oauth_status(struct cli *c, struct profile *p)
{
	struct store_oauth so;
	struct oauth_endpoints ep;
	char *cause = NULL, t[32];
	int64_t now = (int64_t)time(NULL);
	enum pc_err rc;

	rc = store_oauth_get(c->st, p->name, &so, &cause);
	if (rc)
		return cli_report(rc, cause);
	printf("profile:        %s\n", p->name);
	printf("flow:           %s (provider %s)%s\n",
	    profile_oauth_flow_str(p->oauth_flow),
	    profile_oauth_provider_str(p->oauth_provider),
	    profile_oauth_builtin(p) ? "" : "; built-in OAuth2 not in use "
	    "(auth or oauth_flow)");
	if (p->oauth_flow != PROF_OAUTH_COMMAND &&
	    presets_oauth_endpoints(p, &ep, NULL) == PC_OK) {
		printf("token endpoint: %s\n", ep.token_url);
		printf("scope asked:    %s\n", *ep.scope ? ep.scope : "(none)");
		presets_oauth_cleanup(&ep);
	}
	if (p->oauth_flow == PROF_OAUTH_CLIENT)
		printf("client secret:  %s\n", p->oauth_client_secret != NULL ?
		    "set (sealed)" : "not set");
	if (so.refresh_token != NULL)
		printf("refresh token:  held (sealed), from the login of %s\n",
		    cli_oauth_time(so.obtained, t, sizeof t));
	else if (p->oauth_flow == PROF_OAUTH_DEVICE)
		printf("refresh token:  none: run 'popconn oauth login %s'\n",
		    p->name);
	else
		printf("refresh token:  none\n");
	if (so.refreshed != 0)
		printf("last refresh:   %s\n", cli_oauth_time(so.refreshed, t,
		    sizeof t));
	if (so.access_expires != 0)
		printf("access token:   %s %s (kept in memory only)\n",
		    so.access_expires <= now ? "the last one expired" :
		    "the last one expires", cli_oauth_time(so.access_expires,
		    t, sizeof t));
	else
		printf("access token:   none obtained yet\n");
	if (so.scope != NULL)
		printf("granted scope:  %s\n", so.scope);
	store_oauth_cleanup(&so);
	return CLI_EXIT_OK;
}

static int
cli_oauth_logout(struct cli *c, struct profile *p)
{
	char *cause = NULL;
	enum pc_err rc;
	bool had;

	rc = store_oauth_forget(c->st, p->name, &had, &cause);
	if (rc)
		return cli_report(rc, cause);
	if (had)
		printf("forgot the refresh token of %s\n", p->name);
	else
		printf("%s held no refresh token\n", p->name);
	return CLI_EXIT_OK;
}

int
cli_cmd_oauth(struct cli *c)
{
	struct profile *p = NULL;
	char *cause = NULL;
	const char *verb;
	enum pc_err rc;
	int ret;

	if (c->argc != 2)
		return cli_usage("oauth");
	verb = c->argv[0];
	if (strcmp(verb, "login") != 0 && strcmp(verb, "status") != 0 &&
	    strcmp(verb, "logout") != 0)
		return cli_usage("oauth");
	ret = cli_open(c);
	if (ret)
		return ret;
	rc = store_get(c->st, c->argv[1], &p, &cause);
	if (rc)
		return cli_report(rc, cause);
	if (strcmp(verb, "login") == 0)
		ret = cli_oauth_login(c, p);
	else if (strcmp(verb, "status") == 0)
		ret = cli_oauth_status(c, p);
	else
		ret = cli_oauth_logout(c, p);
	profile_free(p);
	return ret;
}
