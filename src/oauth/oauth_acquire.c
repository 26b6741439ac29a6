/*
 * oauth_acquire.c - the access token a test logon needs, for the CLI and
 * the TUI alike: from the refresh token stored by "popconn oauth login"
 * (a rotated refresh token replaces the old one in the same step, before
 * the access token is used, so a crash cannot lose it), or by client
 * credentials.  Access tokens stay in memory.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "popconn/oauth.h"
#include "popconn/xmalloc.h"

static enum pc_err
oauth_acquire_rc(enum oauth_status st)
{
	switch (st) {
	case OAUTH_OK:
		return PC_OK;
	case OAUTH_CANCELLED:
		return PC_E_CANCELLED;
	case OAUTH_CONFIG:
		return PC_E_INVALID;
	case OAUTH_REFUSED:
	case OAUTH_PENDING:
	case OAUTH_SLOW_DOWN:
		return PC_E_AUTH;
	default:
		return PC_E_IO;
	}
}

static char *
oauth_acquire_failure(const struct oauth_error *e)
{
	return xasprintf("%s; hint: %s", e->message != NULL ? e->message :
	    "getting an OAuth2 access token failed", e->hint != NULL ?
	    e->hint : "see the trace");
}

enum pc_err
oauth_acquire(struct store *st, const struct profile *p, struct trace *tr,
    volatile sig_atomic_t *cancel, char **access_token, char **failure)
{
	struct store_oauth so;
	struct oauth_tokens tok;
	struct oauth_error err;
	struct oauth *o = NULL;
	char *cause = NULL;
	const char *name;
	enum oauth_status ost;
	enum pc_err rc;

	*access_token = NULL;
	*failure = NULL;
	memset(&so, 0, sizeof so);
	memset(&tok, 0, sizeof tok);
	memset(&err, 0, sizeof err);
	rc = oauth_new(p, tr, cancel, &o, &cause);
	if (rc) {
		*failure = xasprintf("%s; hint: complete the OAuth2 fields of "
		    "the Authentication tab", cause);
		free(cause);
		return rc;
	}
	if (p->oauth_flow == PROF_OAUTH_CLIENT) {
		ost = oauth_client_credentials(o, &tok, &err);
		goto done;
	}
	/* device: the refresh token from oauth login. */
	if (st != NULL && p->id != 0 && p->name != NULL)
		rc = store_oauth_get(st, p->name, &so, &cause);
	if (rc || so.refresh_token == NULL) {
		name = p->name != NULL ? p->name : "NAME";
		*failure = rc ? xasprintf("cannot read the stored refresh "
		    "token: %s; hint: run 'popconn oauth login %s'", cause,
		    name) : xasprintf("no refresh token is stored for this "
		    "profile: it was never authorised (or was logged out); "
		    "hint: run 'popconn oauth login %s' (or the TUI's "
		    "Authenticate action) once", name);
		free(cause);
		rc = rc ? rc : PC_E_AUTH;
		goto out;
	}
	ost = oauth_refresh(o, so.refresh_token, &tok, &err);
	if (ost == OAUTH_OK) {
		/* Rotation: keep the new refresh token before anything else. */
		if (tok.refresh_token != NULL) {
			xfree_secret(so.refresh_token);
			so.refresh_token = xstrdup(tok.refresh_token);
		}
		so.refreshed = (int64_t)time(NULL);
		so.access_expires = tok.expires_in > 0 ? so.refreshed +
		    tok.expires_in : 0;
		if (tok.scope != NULL) {
			free(so.scope);
			so.scope = xstrdup(tok.scope);
		}
		rc = store_oauth_put(st, p->name, &so, false, &cause);
		if (rc) {
			*failure = xasprintf("cannot save the rotated refresh "
			    "token: %s", cause);
			free(cause);
			goto out;
		}
		if (tok.refresh_token != NULL)
			oauth_tracef(o, TRACE_INFO, "OAuth: the new refresh "
			    "token replaced the old one (sealed)");
	}
done:
	rc = oauth_acquire_rc(ost);
	if (rc)
		*failure = oauth_acquire_failure(&err);
	else {
		*access_token = tok.access_token;
		tok.access_token = NULL;
	}
out:
	oauth_tokens_cleanup(&tok);
	oauth_error_cleanup(&err);
	store_oauth_cleanup(&so);
	oauth_free(o);
	return rc;
}
