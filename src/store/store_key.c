/*
 * store_key.c - key modes and key rotation.  A database's secrets are
 * sealed under one 256-bit key, kept either in a key file (mode 0600) or
 * derived from a master passphrase with PBKDF2-HMAC-SHA256 (salt and
 * iteration count in the meta table).  store_rekey re-seals every secret
 * under a new key in one transaction, so a crash leaves the old key and
 * the old ciphertexts, or the new of both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"

const char *
store_key_mode(struct store *st)
{
	return st->passphrase_mode ? "passphrase" : "keyfile";
}

/* Re-seal one column of every profile from old to st->key. */
static enum pc_err
store_rekey_column(struct store *st, const unsigned char *old,
    const char *col, const char *key, int *n, char **cause)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	char *sql, *aad = NULL, *clear = NULL, *sealed = NULL;
	const unsigned char *uid, *enc;
	int src;
	enum pc_err rc;

	/* The refresh token lives in its own table, keyed by profile id. */
	bool tok = strcmp(col, "refresh_enc") == 0;

	if (tok)
		sql = xasprintf("SELECT p.id, p.uid, o.%s FROM oauth_tokens o "
		    "JOIN profiles p ON p.id = o.profile_id WHERE o.%s IS NOT "
		    "NULL", col, col);
	else
		sql = xasprintf("SELECT id, uid, %s FROM profiles WHERE %s IS "
		    "NOT NULL", col, col);
	rc = store_prepare(st, sql, &sel, cause);
	free(sql);
	if (rc)
		return rc;
	if (tok)
		sql = xasprintf("UPDATE oauth_tokens SET %s = ? WHERE "
		    "profile_id = ?", col);
	else
		sql = xasprintf("UPDATE profiles SET %s = ? WHERE id = ?", col);
	rc = store_prepare(st, sql, &upd, cause);
	free(sql);
	if (rc)
		goto out;
	while ((src = sqlite3_step(sel)) == SQLITE_ROW) {
		uid = sqlite3_column_text(sel, 1);
		enc = sqlite3_column_text(sel, 2);
		aad = store_aad((const char *)uid, key);
		if (secret_open(old, (const char *)enc, aad, &clear) != PC_OK) {
			rc = store_fail(cause, PC_E_CRYPTO, "a stored %s does "
			    "not open with the current key: nothing changed",
			    key);
			goto out;
		}
		rc = secret_seal(st->key, clear, aad, &sealed);
		xfree_secret(clear);
		clear = NULL;
		free(aad);
		aad = NULL;
		if (rc) {
			rc = store_fail(cause, PC_E_CRYPTO, "cannot seal a "
			    "secret under the new key");
			goto out;
		}
		sqlite3_bind_text(upd, 1, sealed, -1, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
		src = sqlite3_step(upd);
		sqlite3_reset(upd);
		free(sealed);
		sealed = NULL;
		if (src != SQLITE_DONE) {
			rc = store_db_fail(st, "write", src, cause);
			goto out;
		}
		(*n)++;
	}
	if (src != SQLITE_DONE)
		rc = store_db_fail(st, "read", src, cause);
out:
	free(aad);
	free(sealed);
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rc;
}

enum pc_err
store_rekey(struct store *st, const char *passphrase, int *nsecrets,
    char **cause)
{
	unsigned char old[SECRET_KEY_LEN], salt[16];
	sqlite3_stmt *s = NULL;
	char *check = NULL, *next = NULL, *detail = NULL;
	bool was_passphrase = st->passphrase_mode;
	int n = 0, src;
	enum pc_err rc;

	if (passphrase == NULL && st->key_path == NULL)
		return store_fail(cause, PC_E_INVALID, "no key file path");
	if (passphrase != NULL && strlen(passphrase) < 8)
		return store_fail(cause, PC_E_INVALID, "the master passphrase "
		    "must be at least 8 characters");
	rc = store_begin(st, true, cause);
	if (rc)
		return rc;
	memcpy(old, st->key, sizeof old);
	if (passphrase != NULL) {
		rc = secret_random(salt, sizeof salt);
		if (rc == PC_OK)
			rc = secret_key_derive(passphrase, salt, sizeof salt,
			    SECRET_PBKDF2_ITERATIONS, st->key);
	} else
		rc = secret_random(st->key, sizeof st->key);
	if (rc) {
		rc = store_fail(cause, PC_E_CRYPTO, "cannot make a new key");
		goto fail;
	}
	rc = store_rekey_column(st, old, "password_enc", "password", &n,
	    cause);
	if (rc == PC_OK)
		rc = store_rekey_column(st, old, "proxy_password_enc",
		    "proxy_password", &n, cause);
	if (rc == PC_OK)
		rc = store_rekey_column(st, old, "oauth_client_secret_enc",
		    "oauth_client_secret", &n, cause);
	if (rc == PC_OK)
		rc = store_rekey_column(st, old, "refresh_enc",
		    "oauth_refresh_token", &n, cause);
	if (rc)
		goto fail;
	/* The undo record holds values sealed under the old key. */
	src = sqlite3_exec(st->db, "DELETE FROM bulk_undo; DELETE FROM "
	    "bulk_ops;", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = store_db_fail(st, "write", src, cause);
		goto fail;
	}
	rc = secret_seal(st->key, STORE_KEYCHECK_TEXT, STORE_KEYCHECK_AAD,
	    &check);
	if (rc) {
		rc = store_fail(cause, PC_E_CRYPTO, "cannot seal the key check "
		    "value");
		goto fail;
	}
	rc = store_prepare(st, "UPDATE meta SET key_mode = ?, kdf_salt = ?, "
	    "kdf_iterations = ?, key_check = ? WHERE id = 1", &s, cause);
	if (rc)
		goto fail;
	sqlite3_bind_text(s, 1, passphrase != NULL ? "passphrase" : "keyfile",
	    -1, SQLITE_STATIC);
	if (passphrase != NULL) {
		sqlite3_bind_blob(s, 2, salt, sizeof salt, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 3, SECRET_PBKDF2_ITERATIONS);
	} else {
		sqlite3_bind_null(s, 2);
		sqlite3_bind_null(s, 3);
	}
	sqlite3_bind_text(s, 4, check, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	sqlite3_finalize(s);
	s = NULL;
	if (src != SQLITE_DONE || sqlite3_changes(st->db) != 1) {
		rc = store_db_fail(st, "write", src == SQLITE_DONE ?
		    SQLITE_CORRUPT : src, cause);
		goto fail;
	}
	detail = xasprintf("%s -> %s; %d secret%s re-sealed", was_passphrase ?
	    "passphrase" : "key file", passphrase != NULL ? "passphrase" :
	    "new key file", n, n == 1 ? "" : "s");
	rc = audit_add(st, "", 0, "rekey", "", detail, cause);
	if (rc)
		goto fail;
	/*
	 * The new key file goes beside the old one before the commit; it is
	 * moved into place after.  store_open finishes the move if we die
	 * in between, because the database then matches the .new file.
	 */
	if (passphrase == NULL) {
		next = xasprintf("%s%s", st->key_path, STORE_KEY_NEW_SUFFIX);
		rc = secret_key_write(next, st->key, cause);
		if (rc)
			goto fail;
	}
	rc = store_commit(st, cause);
	if (rc) {
		if (next != NULL)
			unlink(next);
		goto fail;
	}
	if (next != NULL && rename(next, st->key_path) != 0) {
		rc = store_fail(cause, PC_E_IO, "the secrets are re-sealed but "
		    "the new key is still in %s (%s): move it to %s", next,
		    strerror(errno), st->key_path);
		goto out;
	}
	st->passphrase_mode = passphrase != NULL;
	if (nsecrets != NULL)
		*nsecrets = n;
	goto out;
fail:
	store_rollback(st);
	memcpy(st->key, old, sizeof old);
out:
	explicit_bzero(old, sizeof old);
	explicit_bzero(salt, sizeof salt);
	free(check);
	free(next);
	free(detail);
	return rc;
}
