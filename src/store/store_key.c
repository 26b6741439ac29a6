/*
 * store_key.c - key modes, the key check and key rotation.  A database's
 * secrets are sealed under one 256-bit key, kept either in a key file
 * (mode 0600) or derived from a master passphrase with PBKDF2-HMAC-SHA256
 * (salt and iteration count in the meta table).  At open the key is loaded
 * or derived and checked against the key check value in meta before
 * anything is written.  store_rekey re-seals every secret under a new key
 * in one transaction, so a crash leaves the old key and the old
 * ciphertexts, or the new of both.  store_key_check_write is the one
 * writer of the key check row.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "popconn/xmalloc.h"
#include "store_int.h"

#define STORE_KEY_NEW_SUFFIX	".new"

const char *
store_key_mode(struct store *st)
{
	return st->passphrase_mode ? "passphrase" : "keyfile";
}

/*
 * The one writer of the key check row: seal the known text under st->key
 * and record it with the key mode, in the caller's transaction.  salt NULL
 * is key file mode, else passphrase mode with saltlen bytes of salt.
 * fresh makes the row anew (key file mode only; created = now), else the
 * existing row is updated.
 */
static enum pc_err
store_key_check_write(struct store *st, bool fresh, const unsigned char *salt,
    size_t saltlen, char **cause)
{
	sqlite3_stmt *s = NULL;
	char *check = NULL;
	int src;
	enum pc_err rc;

	rc = secret_seal(st->key, STORE_KEYCHECK_TEXT, STORE_KEYCHECK_AAD,
	    &check);
	if (rc)
		return store_fail(cause, PC_E_CRYPTO, "cannot seal the key "
		    "check value");
	if (fresh) {
		rc = store_prepare(st, "INSERT OR REPLACE INTO meta (id, "
		    "key_mode, key_check, created) VALUES (1, 'keyfile', ?, ?)",
		    &s, cause);
		if (rc)
			goto out;
		sqlite3_bind_text(s, 1, check, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)time(NULL));
	} else {
		rc = store_prepare(st, "UPDATE meta SET key_mode = ?, kdf_salt = "
		    "?, kdf_iterations = ?, key_check = ? WHERE id = 1", &s,
		    cause);
		if (rc)
			goto out;
		sqlite3_bind_text(s, 1, salt != NULL ? "passphrase" :
		    "keyfile", -1, SQLITE_STATIC);
		if (salt != NULL) {
			sqlite3_bind_blob(s, 2, salt, (int)saltlen,
			    SQLITE_TRANSIENT);
			sqlite3_bind_int(s, 3, SECRET_PBKDF2_ITERATIONS);
		} else {
			sqlite3_bind_null(s, 2);
			sqlite3_bind_null(s, 3);
		}
		sqlite3_bind_text(s, 4, check, -1, SQLITE_STATIC);
	}
	src = sqlite3_step(s);
	/* The row is there (an INSERT OR REPLACE counts one change). */
	if (src != SQLITE_DONE || sqlite3_changes(st->db) != 1)
		rc = store_db_fail(st, "write", src == SQLITE_DONE ?
		    SQLITE_CORRUPT : src, cause);
out:
	sqlite3_finalize(s);
	free(check);
	return rc;
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
	char *next = NULL, *detail = NULL;
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
	rc = store_key_check_write(st, false, passphrase != NULL ? salt : NULL,
	    sizeof salt, cause);
	if (rc)
		goto fail;
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
	free(next);
	free(detail);
	return rc;
}

/* Whether anything sealed under the key is stored (schema >= 1). */
static enum pc_err
store_has_sealed(struct store *st, bool *out, char **cause)
{
	int64_t n;
	enum pc_err rc;

	rc = store_query_int(st, "SELECT EXISTS (SELECT 1 FROM profiles WHERE "
	    "password_enc IS NOT NULL OR proxy_password_enc IS NOT NULL OR "
	    "oauth_client_secret_enc IS NOT NULL) OR EXISTS (SELECT 1 FROM "
	    "oauth_tokens WHERE refresh_enc IS NOT NULL) OR "
	    "EXISTS (SELECT 1 FROM bulk_undo WHERE "
	    "old_values LIKE '%\"v1:%' OR new_values LIKE '%\"v1:%')", &n,
	    cause);
	if (rc == PC_OK)
		*out = n != 0;
	return rc;
}

/* 1 when check (a sealed key check value) opens with st->key. */
static bool
store_key_matches(struct store *st, const char *check)
{
	char *plain = NULL;
	bool ok;

	if (check == NULL || secret_open(st->key, check, STORE_KEYCHECK_AAD,
	    &plain) != PC_OK)
		return false;
	ok = strcmp(plain, STORE_KEYCHECK_TEXT) == 0;
	xfree_secret(plain);
	return ok;
}

static enum pc_err
store_key_mismatch(struct store *st, char **cause)
{
	return store_fail(cause, PC_E_CRYPTO, "the key file %s does not match "
	    "this database (%s); use the key file it was created with",
	    st->key_path, st->path);
}

/* Load (or make) the key file. */
static enum pc_err
store_key_file(struct store *st, bool create, char **cause)
{
	enum pc_err rc;

	if (st->key_path == NULL)	/* ":memory:": a throw-away key */
		return secret_random(st->key, sizeof st->key);
	/* A read-only database makes no key file either. */
	rc = secret_key_load(st->key_path, create && !st->read_only, st->key,
	    cause);
	/* Not a key, or unreadable: either way the database cannot be
	 * opened with it.  PC_E_NOTFOUND is decided by the caller. */
	if (rc == PC_E_INVALID || rc == PC_E_IO)
		rc = PC_E_CRYPTO;
	return rc;
}

/*
 * A rekey writes the new key to <key>.new, commits, then renames it over
 * the key file.  If it was interrupted between the two, the database
 * matches the .new file: finish the move.  1 when that made the key match.
 */
static bool
store_key_finish_rekey(struct store *st, const char *check)
{
	unsigned char old[SECRET_KEY_LEN];
	char *next;
	bool ok = false;

	if (st->key_path == NULL)
		return false;
	memcpy(old, st->key, sizeof old);
	next = xasprintf("%s%s", st->key_path, STORE_KEY_NEW_SUFFIX);
	if (secret_key_load(next, false, st->key, NULL) == PC_OK &&
	    store_key_matches(st, check) && rename(next, st->key_path) == 0)
		ok = true;
	if (!ok)
		memcpy(st->key, old, sizeof old);
	explicit_bzero(old, sizeof old);
	free(next);
	return ok;
}

/*
 * Passphrase mode: derive the key from the master passphrase with the
 * salt and iteration count kept in meta.  PC_E_AUTH when no passphrase was
 * given or it is wrong (the CLI then asks for it).
 */
static enum pc_err
store_key_passphrase(struct store *st, const char *check, char **cause)
{
	sqlite3_stmt *s = NULL;
	const void *salt;
	int saltlen, iter = 0, src;
	enum pc_err rc;

	st->passphrase_mode = true;
	if (st->passphrase == NULL)
		return store_fail(cause, PC_E_AUTH, "the database %s is "
		    "protected by a master passphrase: give it at the prompt "
		    "or with --passphrase-fd N", st->path);
	rc = store_prepare(st, "SELECT kdf_salt, kdf_iterations FROM meta "
	    "WHERE id = 1", &s, cause);
	if (rc)
		return rc;
	src = sqlite3_step(s);
	if (src != SQLITE_ROW) {
		rc = store_db_fail(st, "read", src, cause);
		goto out;
	}
	salt = sqlite3_column_blob(s, 0);
	saltlen = sqlite3_column_bytes(s, 0);
	iter = sqlite3_column_int(s, 1);
	if (salt == NULL || saltlen < 8 || iter < 1000) {
		rc = store_fail(cause, PC_E_CRYPTO, "the database %s is in "
		    "passphrase mode but its key parameters are damaged",
		    st->path);
		goto out;
	}
	rc = secret_key_derive(st->passphrase, salt, saltlen, iter, st->key);
	if (rc) {
		rc = store_fail(cause, PC_E_CRYPTO, "cannot derive the key from "
		    "the master passphrase");
		goto out;
	}
	if (!store_key_matches(st, check))
		rc = store_fail(cause, PC_E_AUTH, "wrong master passphrase for "
		    "%s", st->path);
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * Get the key and check it against the database, before anything is
 * written.  *write_meta says the meta row must be written (new database,
 * or a new key for a database without secrets).
 */
enum pc_err
store_key_setup(struct store *st, int version, bool *write_meta,
    char **cause)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	char *mode = NULL, *check = NULL;
	bool sealed = false;
	int src;
	enum pc_err rc = PC_OK;

	*write_meta = false;
	if (version >= 1) {
		rc = store_prepare(st, "SELECT key_mode, key_check FROM meta "
		    "WHERE id = 1", &s, cause);
		if (rc)
			return rc;
		src = sqlite3_step(s);
		if (src == SQLITE_ROW) {
			t = sqlite3_column_text(s, 0);
			mode = xstrdup(t == NULL ? "" : (const char *)t);
			t = sqlite3_column_text(s, 1);
			check = t == NULL ? NULL : xstrdup((const char *)t);
		} else if (src != SQLITE_DONE)
			rc = store_db_fail(st, "read", src, cause);
		sqlite3_finalize(s);
		if (rc)
			return rc;
	}
	if (mode == NULL) {			/* a new database */
		*write_meta = true;
		return store_key_file(st, true, cause);
	}
	if (strcmp(mode, "passphrase") == 0) {
		rc = store_key_passphrase(st, check, cause);
		goto out;
	}
	if (strcmp(mode, "keyfile") != 0) {
		rc = store_fail(cause, PC_E_CRYPTO, "the database %s has an "
		    "unknown key mode '%s'", st->path, mode);
		goto out;
	}
	rc = store_key_file(st, false, cause);
	if (rc == PC_E_NOTFOUND) {
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
		rc = store_has_sealed(st, &sealed, cause);
		if (rc)
			goto out;
		if (sealed) {
			rc = store_fail(cause, PC_E_CRYPTO, "key file missing: "
			    "%s does not exist, but the database %s holds "
			    "passwords encrypted under it; restore the key "
			    "file (a new key could not decrypt them)",
			    st->key_path, st->path);
			goto out;
		}
		/* Nothing is sealed yet: a new key loses nothing. */
		*write_meta = true;
		rc = store_key_file(st, true, cause);
		goto out;
	}
	if (rc)
		goto out;
	if (!store_key_matches(st, check) && !store_key_finish_rekey(st,
	    check))
		rc = store_key_mismatch(st, cause);
out:
	free(mode);
	free(check);
	return rc;
}

/* Record the key mode and check value (after the migrations). */
enum pc_err
store_key_meta_write(struct store *st, char **cause)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	bool exists = false, sealed = false;
	int src;
	enum pc_err rc;

	rc = store_begin(st, true, cause);
	if (rc)
		return rc;
	/* Another popconn may have written it since we looked. */
	rc = store_prepare(st, "SELECT key_check FROM meta WHERE id = 1", &s,
	    cause);
	if (rc)
		goto out;
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		exists = true;
		t = sqlite3_column_text(s, 0);
		if (store_key_matches(st, (const char *)t)) {
			sqlite3_finalize(s);
			return store_commit(st, cause);
		}
	} else if (src != SQLITE_DONE)
		rc = store_db_fail(st, "read", src, cause);
	sqlite3_finalize(s);
	s = NULL;
	if (rc)
		goto out;
	if (exists) {
		rc = store_has_sealed(st, &sealed, cause);
		if (rc == PC_OK && sealed)
			rc = store_key_mismatch(st, cause);
		if (rc)
			goto out;
	}
	rc = store_key_check_write(st, true, NULL, 0, cause);
	if (rc == PC_OK)
		rc = store_commit(st, cause);
out:
	sqlite3_finalize(s);
	store_rollback(st);
	return rc;
}
