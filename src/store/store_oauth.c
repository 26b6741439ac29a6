/*
 * store_oauth.c - the OAuth2 state of a profile (table oauth_tokens,
 * migration 0004): the refresh token that "popconn oauth login" obtained,
 * sealed with the store's key under the profile's identity like a
 * password, the granted scopes and the times the status shows.  A login
 * and a logout are audited (never the token); a rotation at a test logon
 * is not a change of the profile and is not.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define STORE_OAUTH_AAD_KEY	"oauth_refresh_token"

void
store_oauth_cleanup(struct store_oauth *o)
{
	if (o == NULL)
		return;
	xfree_secret(o->refresh_token);
	free(o->scope);
	free(o->token_url);
	memset(o, 0, sizeof *o);
}

/* The row id and identity of a profile.  PC_E_NOTFOUND when none. */
static enum pc_err
store_oauth_profile(struct store *st, const char *name, int64_t *id,
    char **uid, char **cause)
{
	sqlite3_stmt *s = NULL;
	enum pc_err rc;

	rc = store_profile_named(st, "SELECT id, uid, name FROM profiles WHERE "
	    "name = ?", name, &s, cause);
	if (rc)
		return rc;
	*id = sqlite3_column_int64(s, 0);
	*uid = xstrdup((const char *)sqlite3_column_text(s, 1));
	sqlite3_finalize(s);
	return PC_OK;
}

static char *
store_oauth_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t == NULL ? NULL : xstrdup((const char *)t);
}

enum pc_err
store_oauth_get(struct store *st, const char *name, struct store_oauth *out,
    char **cause)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *enc;
	char *uid = NULL, *aad = NULL;
	int64_t id;
	enum pc_err rc;

	memset(out, 0, sizeof *out);
	rc = store_oauth_profile(st, name, &id, &uid, cause);
	if (rc)
		return rc;
	rc = store_prepare_id(st, "SELECT refresh_enc, scope, token_url, "
	    "obtained, refreshed, access_expires FROM oauth_tokens WHERE "
	    "profile_id = ?", id, &s, cause);
	if (rc)
		goto out;
	rc = store_step_one(st, s, cause);
	if (rc) {
		if (rc == PC_E_NOTFOUND)
			rc = PC_OK;	/* no token: out stays empty */
		goto out;
	}
	out->scope = store_oauth_col_text(s, 1);
	out->token_url = store_oauth_col_text(s, 2);
	out->obtained = sqlite3_column_int64(s, 3);
	out->refreshed = sqlite3_column_int64(s, 4);
	out->access_expires = sqlite3_column_int64(s, 5);
	enc = sqlite3_column_text(s, 0);
	if (enc != NULL) {
		aad = store_aad(uid, STORE_OAUTH_AAD_KEY);
		if (secret_open(st->key, (const char *)enc, aad,
		    &out->refresh_token) != PC_OK) {
			rc = store_fail(cause, PC_E_CRYPTO, "cannot decrypt "
			    "the OAuth2 refresh token of profile '%s': the "
			    "key does not match it or it was altered", name);
			store_oauth_cleanup(out);
		}
	}
out:
	sqlite3_finalize(s);
	free(uid);
	free(aad);
	return rc;
}

/* The start of a change: a write transaction, then the profile's row id
 * and identity (as store_oauth_profile); rolled back on failure. */
static enum pc_err
store_oauth_begin(struct store *st, const char *name, int64_t *id,
    char **uid, char **cause)
{
	enum pc_err rc;

	rc = store_begin(st, true, cause);
	if (rc)
		return rc;
	rc = store_oauth_profile(st, name, id, uid, cause);
	if (rc)
		store_rollback(st);
	return rc;
}

/*
 * The end of a change: commit when rc is PC_OK, else roll back; s is
 * finalised and uid freed either way.  The change's result.
 */
static enum pc_err
store_oauth_end(struct store *st, enum pc_err rc, sqlite3_stmt *s, char *uid,
    char **cause)
{
	rc = store_end(st, rc, cause);
	sqlite3_finalize(s);
	free(uid);
	return rc;
}

enum pc_err
store_oauth_put(struct store *st, const char *name,
    const struct store_oauth *o, bool login, char **cause)
{
	sqlite3_stmt *s = NULL;
	char *uid = NULL, *aad = NULL, *sealed = NULL, *detail = NULL;
	int64_t id;
	enum pc_err rc;

	rc = store_oauth_begin(st, name, &id, &uid, cause);
	if (rc)
		return rc;
	if (o->refresh_token != NULL) {
		aad = store_aad(uid, STORE_OAUTH_AAD_KEY);
		rc = secret_seal(st->key, o->refresh_token, aad, &sealed);
		if (rc) {
			rc = store_fail(cause, PC_E_CRYPTO, "cannot seal the "
			    "refresh token");
			goto out;
		}
	}
	rc = store_prepare_id(st, "INSERT OR REPLACE INTO oauth_tokens "
	    "(profile_id, refresh_enc, scope, token_url, obtained, refreshed, "
	    "access_expires) VALUES (?, ?, ?, ?, ?, ?, ?)", id, &s, cause);
	if (rc)
		goto out;
	if (sealed != NULL)
		sqlite3_bind_text(s, 2, sealed, -1, SQLITE_STATIC);
	if (o->scope != NULL)
		sqlite3_bind_text(s, 3, o->scope, -1, SQLITE_STATIC);
	if (o->token_url != NULL)
		sqlite3_bind_text(s, 4, o->token_url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, o->obtained);
	if (o->refreshed != 0)
		sqlite3_bind_int64(s, 6, o->refreshed);
	if (o->access_expires != 0)
		sqlite3_bind_int64(s, 7, o->access_expires);
	rc = store_step_done(st, s, cause);
	if (rc)
		goto out;
	if (login) {
		detail = xasprintf("refresh token %s; scope: %s",
		    o->refresh_token != NULL ? "stored" : "none",
		    o->scope != NULL ? o->scope : "(not said)");
		rc = audit_add(st, name, id, "oauth-login", "", detail, cause);
	}
out:
	rc = store_oauth_end(st, rc, s, uid, cause);
	free(aad);
	free(sealed);
	free(detail);
	return rc;
}

enum pc_err
store_oauth_forget(struct store *st, const char *name, bool *had,
    char **cause)
{
	sqlite3_stmt *s = NULL;
	char *uid = NULL;
	int64_t id;
	enum pc_err rc;

	*had = false;
	rc = store_oauth_begin(st, name, &id, &uid, cause);
	if (rc)
		return rc;
	rc = store_exec_id(st, "DELETE FROM oauth_tokens WHERE profile_id = ?",
	    id, cause);
	if (rc)
		goto out;
	*had = sqlite3_changes(st->db) > 0;
	if (*had) {
		rc = audit_add(st, name, id, "oauth-logout", "",
		    "refresh token forgotten", cause);
	}
out:
	return store_oauth_end(st, rc, s, uid, cause);
}
