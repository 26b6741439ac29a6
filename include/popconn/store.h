/*
 * store.h - the profile database: SQLite with forward-only migrations
 * compiled from db/migrations, WAL, a busy timeout, foreign keys, mode 0600;
 * secrets sealed with AES-256-GCM (wolfCrypt) under a key held in a key
 * file (or, later, derived from a master passphrase); an audit log of every
 * change; a per-profile version counter that detects a save over someone
 * else's newer change.
 *
 * Only this module touches SQLite.  Every multi-row change is one
 * transaction: it applies whole or not at all.
 */
#ifndef POPCONN_STORE_H
#define POPCONN_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "popconn/err.h"
#include "popconn/profile.h"

struct store;

struct store_opts {
	const char	*db_path;	/* database file; created 0600 */
	const char	*key_path;	/* key file; created 0600 on first use */
	const char	*os_user;	/* recorded in the audit log */
	int		 busy_timeout_ms; /* 0 = 5000 */
};

/* One audit entry. */
struct store_audit {
	int64_t		 id;
	int64_t		 when;		/* unix time */
	char		*os_user;
	char		*profile;	/* profile name at the time */
	char		*action;	/* "add" "set" "rm" "bulk-set" "import" "undo" */
	char		*fields;	/* "port,security" (never values of secrets) */
	char		*detail;	/* "port: 110 -> 995; password: changed" */
};

struct store_audit_list {
	struct store_audit *v;
	int		 n;
};

/* A list of profiles, owned. */
struct store_list {
	struct profile	**v;
	int		  n;
};

/* One FIELD=VALUE assignment of a bulk change. */
struct store_assign {
	const char	*key;
	const char	*value;		/* text form; secrets in clear */
};

/* What a bulk change does (or would do) to one profile. */
struct store_change {
	char		*profile;	/* name */
	char		*field;
	char		*old_value;	/* text form; secrets "set"/"" */
	char		*new_value;
};

struct store_changes {
	struct store_change *v;
	int		 n;
	/* Validation failures, one per profile that would become invalid. */
	char		**errors;
	int		 nerrors;
};

/* store.c */
/*
 * Open (creating if needed) and migrate the database.  PC_E_SCHEMA when the
 * file was written by a newer popconn (the file is not modified);
 * PC_E_CRYPTO when the key file does not match the database's key check;
 * PC_E_DB otherwise.  *cause says which, in words.
 */
enum pc_err	 store_open(const struct store_opts *o, struct store **out,
		    char **cause);
void		 store_close(struct store *st);	/* NULL allowed */
/* Schema version of the open database (PRAGMA user_version). */
int		 store_schema_version(struct store *st);
/* Highest migration compiled into this binary. */
int		 store_schema_latest(void);

/*
 * Profiles.  store_get returns PC_E_NOTFOUND when there is no such name
 * (case-insensitive).  Loaded profiles carry decrypted secrets; the caller
 * frees them with profile_free.
 */
enum pc_err	 store_get(struct store *st, const char *name,
		    struct profile **out, char **cause);
/* All profiles (group == NULL) or one group's, ordered by group, name. */
enum pc_err	 store_list(struct store *st, const char *group,
		    bool with_secrets, struct store_list *out, char **cause);
void		 store_list_cleanup(struct store_list *l);
/* Number of profiles (group NULL = all). */
enum pc_err	 store_count(struct store *st, const char *group,
		    int64_t *out, char **cause);
/*
 * Insert a new profile (p->id must be 0).  Validates first (PC_E_INVALID),
 * refuses a duplicate name (PC_E_EXISTS).  On success p->id and p->version
 * are set.  Audited as "add".
 */
enum pc_err	 store_add(struct store *st, struct profile *p, char **cause);
/*
 * Save an existing profile.  The row must still have version p->version,
 * else PC_E_CONFLICT and nothing is written.  On success p->version is
 * incremented.  The audit entry lists the changed field names.
 */
enum pc_err	 store_save(struct store *st, struct profile *p, char **cause);
/* Delete by name.  PC_E_NOTFOUND when absent.  Audited. */
enum pc_err	 store_remove(struct store *st, const char *name, char **cause);
/* Record the outcome of a test logon (not audited: not a change). */
enum pc_err	 store_set_last_result(struct store *st, const char *name,
		    const char *diagnosis, int64_t when);

/*
 * Bulk change: apply every assignment to every named profile (names) or to
 * every member of group (names == NULL).  Everything is validated first;
 * any invalid resulting profile fails the whole change with PC_E_INVALID
 * (changes->errors lists each one).  dry_run computes changes without
 * writing.  Otherwise one transaction, one audit entry per profile, and an
 * undo record.  changes may be NULL when the caller does not need the list.
 */
enum pc_err	 store_bulk_set(struct store *st, const char *group,
		    const char *const *names, int nnames,
		    const struct store_assign *assign, int nassign,
		    bool dry_run, struct store_changes *changes, char **cause);
void		 store_changes_cleanup(struct store_changes *c);
/* Undo the last bulk change (one transaction).  PC_E_NOTFOUND if none. */
enum pc_err	 store_bulk_undo(struct store *st, int *nprofiles, char **cause);

/*
 * Import: insert or replace (by name) every profile of list in one
 * transaction.  The caller has validated them already.  Audited as
 * "import".
 */
enum pc_err	 store_import(struct store *st, struct profile *const *list,
		    int n, char **cause);

/* Audit log, newest first; name NULL = all profiles. */
enum pc_err	 store_history(struct store *st, const char *name, int limit,
		    struct store_audit_list *out, char **cause);
void		 store_audit_list_cleanup(struct store_audit_list *l);

/* secret.c - AES-256-GCM sealing used by the store and by export. */
#define SECRET_KEY_LEN	32
/*
 * Load the key file at path, creating it (0600, 32 random bytes, and its
 * folder 0700) when create is true and it does not exist.  PC_E_NOTFOUND
 * when absent and !create; PC_E_INVALID when it has the wrong size.
 */
enum pc_err	 secret_key_load(const char *path, bool create,
		    unsigned char key[SECRET_KEY_LEN], char **cause);
/* PBKDF2-HMAC-SHA256 from a passphrase (for export and master mode). */
enum pc_err	 secret_key_derive(const char *passphrase,
		    const unsigned char *salt, int saltlen, int iterations,
		    unsigned char key[SECRET_KEY_LEN]);
/*
 * Seal plaintext with a fresh random nonce, binding aad.  *out is text:
 * "v1:" + base64(nonce | ciphertext | tag).  Caller frees.
 */
enum pc_err	 secret_seal(const unsigned char key[SECRET_KEY_LEN],
		    const char *plaintext, const char *aad, char **out);
/* Reverse of secret_seal.  PC_E_CRYPTO when the key or aad is wrong or the
 * text was tampered with.  Caller frees *out with xfree_secret. */
enum pc_err	 secret_open(const unsigned char key[SECRET_KEY_LEN],
		    const char *sealed, const char *aad, char **out);

#endif
