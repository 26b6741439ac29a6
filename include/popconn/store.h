/*
 * store.h - the profile database: SQLite with forward-only migrations
 * compiled from db/migrations, WAL, a busy timeout, foreign keys, mode 0600;
 * secrets sealed with AES-256-GCM (wolfCrypt) under a key held in a key
 * file (or, later, derived from a master passphrase); an audit log of every
 * change; a per-profile version counter that detects a save over someone
 * else's newer change.
 *
 * Only this module touches SQLite.  Every multi-row change is one
 * transaction: it applies whole or not at all.  Every function may block
 * for up to the busy timeout while another program holds the write lock;
 * after that it fails with PC_E_DB and a cause that says the database is
 * locked.  Any SQLite failure is PC_E_DB with a cause in words ("cannot
 * write the database /x/y.db: the disk is full").
 */
#ifndef POPCONN_STORE_H
#define POPCONN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "popconn/err.h"
#include "popconn/profile.h"

struct store;

struct store_opts {
	const char	*db_path;	/* database file; created 0600, its
					   folder 0700; ":memory:" allowed */
	const char	*key_path;	/* key file; created 0600 on first use.
					   NULL only with ":memory:" (a
					   throw-away key) */
	const char	*os_user;	/* recorded in the audit log; NULL =
					   the login name of the process */
	int		 busy_timeout_ms; /* 0 = 5000 */
	const char	*passphrase;	/* SECRET: master passphrase, for a
					   database in passphrase mode; NULL
					   when not given */
	/*
	 * A file this process may not write (permissions, read-only mount)
	 * is opened for reading instead of refused: reads work, every write
	 * fails with PC_E_DB ("the file is read-only").  It must be at the
	 * latest schema and have its key check (nothing can be migrated or
	 * recorded).  false: such a file is refused at open.
	 */
	bool		 read_only_ok;
};

/* One audit entry. */
struct store_audit {
	int64_t		 id;
	int64_t		 when;		/* unix time */
	char		*os_user;
	char		*profile;	/* profile name at the time */
	int64_t		 profile_id;	/* row id (stays after a rename) */
	char		*action;	/* "add" "set" "rm" "bulk-set" "import"
					   "undo" */
	char		*fields;	/* "port,security" (names only) */
	char		*detail;	/* "port: 110 -> 995; password:
					   changed" (never a secret's value) */
	int64_t		 bulk_id;	/* the bulk change ("bulk-set") or the
					   one undone ("undo") that wrote it;
					   0 = none */
};

struct store_audit_list {
	struct store_audit *v;
	int		 n;
};

/* Bits of store_list.secrets. */
#define STORE_SECRET_PASSWORD		0x01
#define STORE_SECRET_PROXY_PASSWORD	0x02
#define STORE_SECRET_OAUTH_CLIENT	0x04

/* The STORE_SECRET_* bit of a secret field ("password", "proxy_password",
 * "oauth_client_secret"). */
static inline unsigned
store_secret_bit(const char *key)
{
	if (strcmp(key, "password") == 0)
		return STORE_SECRET_PASSWORD;
	if (strcmp(key, "oauth_client_secret") == 0)
		return STORE_SECRET_OAUTH_CLIENT;
	return STORE_SECRET_PROXY_PASSWORD;
}

/* A list of profiles, owned. */
struct store_list {
	struct profile	**v;
	int		  n;
	/*
	 * Per profile, the STORE_SECRET_* bits of the secrets that are set in
	 * the database, filled even when the secrets were not loaded (so a
	 * listing can say "set" without decrypting anything).
	 */
	unsigned	 *secrets;
	/*
	 * store_list_page only (else NULL): per profile, the end of validity
	 * (unix time) of the certificate its newest test result saw; 0 =
	 * unknown (never tested, or the newest test saw no certificate).
	 */
	int64_t		 *cert_not_after;
};

/*
 * The order of a paged listing: always by group first (the rows of a group
 * stay together under its heading), then within each group by
 */
enum store_sort {
	STORE_SORT_NAME,	/* name (the default) */
	STORE_SORT_RESULT,	/* last result: failed, then never tested,
				   then ok; then name */
	STORE_SORT_CERT,	/* certificate days left, soonest (or
				   expired) first, unknown last; then name */
	STORE_SORT_AGE,		/* time of the last test, never tested
				   first, then oldest first; then name */
	STORE_SORT_N
};

/* Which profiles a paged listing shows, and in which order. */
struct store_filter {
	const char	*group;		/* NULL = every group; "" = profiles
					   without a group; else that group
					   (case-insensitive) */
	/*
	 * NULL or "" = all; else words separated by blanks, each of which
	 * must hold (store_filter_parse): a plain word matches profiles
	 * whose name, group, address or username holds it (ASCII
	 * case-insensitive); "status:ok", "status:failed",
	 * "status:untested", "status:<diagnosis>", "group:NAME",
	 * "cert<N" (also <=, >, >=: days left on the certificate of the
	 * newest result; unknown never matches), "untested>N[dhw]" (never
	 * tested, or not for that long; d when no unit).  A term that does
	 * not parse makes the listing fail with PC_E_INVALID and a cause
	 * that names it.
	 */
	const char	*text;
	enum store_sort	 sort;		/* 0 = STORE_SORT_NAME */
	int64_t		 now;		/* unix time the terms count from;
					   0 = the clock */
};

/* store_filter.c - the filter syntax of struct store_filter.text. */
enum store_fterm_kind {
	STORE_FT_WORD,		/* text: a plain word */
	STORE_FT_GROUP,		/* text: the group ("" = none) */
	STORE_FT_OK,		/* status:ok */
	STORE_FT_FAILED,	/* status:failed (any diagnosis but ok) */
	STORE_FT_UNTESTED,	/* status:untested */
	STORE_FT_DIAG,		/* text: status:<diagnosis key> */
	STORE_FT_CERT_LT,	/* n: days left < n ("cert<=n" is < n + 1) */
	STORE_FT_CERT_GE,	/* n: days left >= n ("cert>n" is >= n + 1) */
	STORE_FT_UNTESTED_GT,	/* n: seconds since the last test > n, or
				   never tested */
};

struct store_fterm {
	enum store_fterm_kind kind;
	char		*text;		/* owned, or NULL */
	int64_t		 n;
};

struct store_fterms {
	struct store_fterm *v;
	int		 n;
};

/*
 * Split text (NULL = empty) into its terms, in order.  PC_E_INVALID with a
 * cause naming the term ("cert< needs a number of days: cert<x") when one
 * does not parse; out is then empty.  Caller cleans up (also on error).
 */
enum pc_err	 store_filter_parse(const char *text, struct store_fterms *out,
		    char **cause);
void		 store_fterms_cleanup(struct store_fterms *t);
/* "name" "result" "cert" "age".  Static. */
const char	*store_sort_str(enum store_sort s);

/* A group and how many profiles it holds. */
struct store_group {
	char		*name;		/* "" for profiles without a group */
	int64_t		 count;
};

struct store_group_list {
	struct store_group *v;
	int		 n;
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
	int		 nprofiles;	/* profiles that change (or would) */
	int64_t		 bulk_id;	/* store_bulk_set: the ID of the change
					   written (history, undo); 0 when
					   nothing was written */
};

/* store.c */
/*
 * Open (creating if needed) and migrate the database.  PC_E_SCHEMA when the
 * file was written by a newer popconn (the file is not modified);
 * PC_E_CRYPTO when the key file does not match the database's key check, or
 * when the key file is missing but the database holds sealed secrets (a new
 * key is made only for a database without any), or when the key file
 * cannot be read or made; PC_E_INVALID when o lacks a path (or a key path
 * for a file); PC_E_DB otherwise (not a database, read-only file, locked,
 * ...).  Both crypto and schema refusals happen before anything is
 * written.  *cause says which, in words.
 */
enum pc_err	 store_open(const struct store_opts *o, struct store **out,
		    char **cause);
void		 store_close(struct store *st);	/* NULL allowed */
/* Schema version of the open database (PRAGMA user_version). */
int		 store_schema_version(struct store *st);
/* Highest migration compiled into this binary. */
int		 store_schema_latest(void);
/* The database path given to store_open.  Borrowed, valid until close. */
const char	*store_path(struct store *st);
/* Whether the database was opened read-only (store_opts.read_only_ok). */
bool		 store_read_only(struct store *st);

/*
 * Profiles.  store_get returns PC_E_NOTFOUND when there is no such name
 * (case-insensitive).  Loaded profiles carry decrypted secrets; the caller
 * frees them with profile_free.  PC_E_CRYPTO when a secret cannot be
 * decrypted (altered data).
 */
enum pc_err	 store_get(struct store *st, const char *name,
		    struct profile **out, char **cause);
/*
 * All profiles (group == NULL) or one group's ("" = profiles without a
 * group; case-insensitive), ordered by group, name.  With with_secrets
 * false nothing is decrypted and the secret fields are NULL: such a profile
 * must not be given to store_save (it would clear its secrets); load it
 * with store_get first.  out->secrets tells which secrets are set.
 */
enum pc_err	 store_list(struct store *st, const char *group,
		    bool with_secrets, struct store_list *out, char **cause);
void		 store_list_cleanup(struct store_list *l);
/* Number of profiles (group NULL = all, "" = without a group). */
enum pc_err	 store_count(struct store *st, const char *group,
		    int64_t *out, char **cause);
/*
 * One page of the listing (in f->sort's order; STORE_SORT_NAME is the
 * order of store_list): at most limit profiles from position offset
 * (0-based) among those f selects (NULL = all).  Never decrypts: secrets
 * are NULL, out->secrets says which are set; out->cert_not_after is filled.
 * With STORE_SORT_NAME it reads only the rows of the page, for screens over
 * 100,000 profiles; another sort orders every profile the filter selects
 * (once per page: one index lookup per profile for STORE_SORT_CERT).
 */
enum pc_err	 store_list_page(struct store *st, const struct store_filter *f,
		    int64_t offset, int limit, struct store_list *out,
		    char **cause);
/*
 * The row ids of every profile f selects, in f->sort's order: a sort other
 * than by name costs a sort of every selected profile, so a screen that
 * scrolls under it sorts once (here) and reads each page with
 * store_list_by_ids.  *ids is the caller's (free); none: NULL and 0.
 */
enum pc_err	 store_list_ids(struct store *st, const struct store_filter *f,
		    int64_t **ids, int64_t *n, char **cause);
/*
 * The profiles with these row ids, in the order of ids, as store_list_page
 * gives them (no secrets; cert_not_after filled).  A profile removed since
 * is left out.
 */
enum pc_err	 store_list_by_ids(struct store *st, const int64_t *ids, int n,
		    struct store_list *out, char **cause);
/*
 * The next profiles of one group, with their secrets, for a run over a
 * whole group that holds only a page of it at a time (test --group): at
 * most limit profiles of group ("" = profiles without a group;
 * case-insensitive) whose name sorts after `after` (NULL = from the
 * first), ordered by name (case-insensitive).  An empty list after the
 * last.  A profile added or renamed during the run is seen only when its
 * name sorts after the page being read; none is seen twice.
 */
enum pc_err	 store_list_next(struct store *st, const char *group,
		    const char *after, int limit, struct store_list *out,
		    char **cause);
/* Number of profiles f selects (NULL = all; f->sort does not matter). */
enum pc_err	 store_count_filter(struct store *st,
		    const struct store_filter *f, int64_t *out, char **cause);
/*
 * Position (0-based) of the named profile in the listing f selects (in
 * f->sort's order), to keep a cursor on it after a change.  PC_E_NOTFOUND when the profile does
 * not exist or f does not select it.
 */
enum pc_err	 store_position(struct store *st, const struct store_filter *f,
		    const char *name, int64_t *out, char **cause);
/* Every group with its number of profiles, ordered by name. */
enum pc_err	 store_groups(struct store *st, struct store_group_list *out,
		    char **cause);
void		 store_group_list_cleanup(struct store_group_list *l);
/*
 * Insert a new profile (p->id must be 0).  Validates first (PC_E_INVALID),
 * refuses a duplicate name (PC_E_EXISTS).  On success p->id and p->version
 * are set.  Audited as "add".
 */
enum pc_err	 store_add(struct store *st, struct profile *p, char **cause);
/*
 * Save an existing profile (loaded with its secrets: see store_list).
 * Validates first (PC_E_INVALID); refuses a name another profile has
 * (PC_E_EXISTS).  The row must still have version p->version, else
 * PC_E_CONFLICT (the cause names who changed or removed it and when) and
 * nothing is written.  On success p->version is incremented and the audit
 * entry ("set") lists the changed field names; when no field differs
 * nothing is written and the version stays.
 */
enum pc_err	 store_save(struct store *st, struct profile *p, char **cause);
/* Delete by name.  PC_E_NOTFOUND when absent.  Audited. */
enum pc_err	 store_remove(struct store *st, const char *name, char **cause);

/*
 * store_test.c - the history of test logons (table test_results, migration
 * 0003): one row per test of a profile, the newest STORE_TEST_KEEP_DEFAULT
 * (or $POPCONN_HISTORY_KEEP) kept per profile.  Never a secret and never
 * server text.  Not a change of the profile: not audited, the version does
 * not move.
 */
#define STORE_TEST_KEEP_DEFAULT	100
#define STORE_TEST_KEEP_MAX	100000

/* One test logon's result.  Every string is owned (store_test_cleanup). */
struct store_test {
	int64_t		 id;		/* row id; 0 = none (never tested) */
	char		*profile;	/* profile name (when read) */
	int64_t		 when;		/* unix time the test ended */
	char		*source;	/* "test" "check" "tui" */
	char		*diagnosis;	/* diag key */
	char		*failed_step;	/* NULL when ok */
	int64_t		 elapsed_ms;
	char		*method;	/* logon method used, or NULL */
	char		*tls_version;	/* NULL without TLS */
	char		*tls_cipher;
	char		*cert_sha256;	/* hex with colons, or NULL */
	int64_t		 cert_not_after; /* unix time; 0 = unknown */
	int64_t		 messages;	/* STAT; -1 = not reached */
	int64_t		 octets;
	/* Worked out by store_test_add from the profile's earlier results: */
	bool		 cert_changed;	/* fingerprint differs from the last
					   one seen for this profile */
	char		*cert_previous;	/* that last one (add only), or NULL */
	int64_t		 failing_since;	/* failed: first failure of this run
					   of failures; 0 when ok */
};

struct store_test_list {
	struct store_test *v;
	int		 n;
};

void		 store_test_cleanup(struct store_test *t);	/* NULL ok */
void		 store_test_list_cleanup(struct store_test_list *l);
/*
 * How many results are kept per profile: $POPCONN_HISTORY_KEEP when it is
 * a number from 1 to STORE_TEST_KEEP_MAX, else STORE_TEST_KEEP_DEFAULT.
 */
int		 store_test_keep(void);
/*
 * Record one result for the profile name, in one transaction: the row
 * (t->id set), the profile's last_result and last_tested (not audited:
 * not a change, and the version does not move, so an open editor does not
 * see a conflict), t->cert_changed, t->cert_previous and
 * t->failing_since worked out from the earlier rows, and the profile's
 * rows beyond the newest keep (<= 0: store_test_keep()) removed.
 * PC_E_NOTFOUND when there is no such profile.
 */
enum pc_err	 store_test_add(struct store *st, const char *name,
		    struct store_test *t, int keep, char **cause);
/*
 * Results, newest first: of the profile name (NULL = every profile), at
 * most limit (<= 0 = all).  PC_E_NOTFOUND when name names no profile.
 */
enum pc_err	 store_test_list(struct store *st, const char *name, int limit,
		    struct store_test_list *out, char **cause);
/* Rows in the table (all profiles): to see that retention caps it. */
enum pc_err	 store_test_count(struct store *st, int64_t *out, char **cause);

/*
 * The capabilities a test logon saw over TLS (logon_result.capa), kept per
 * profile with the endpoint they were seen at (logon_endpoint), for a
 * repeat test that trusts them.  Not audited; the version does not move.
 * store_capa_get: PC_E_NOTFOUND when none were saved for that profile at
 * that endpoint; *capa is the caller's, *seen (may be NULL) is when.
 * store_capa_put replaces what was saved; capa NULL forgets it.
 */
enum pc_err	 store_capa_get(struct store *st, const char *name,
		    const char *endpoint, char **capa, int64_t *seen,
		    char **cause);
enum pc_err	 store_capa_put(struct store *st, const char *name,
		    const char *endpoint, const char *capa, int64_t seen,
		    char **cause);
/*
 * After a test logon: forget what is saved when stale (trusted lines the
 * logon failed with: logon_capa_stale), else save capa (NULL = nothing to
 * save) when it differs from what is saved, so a repeat writes nothing.
 */
enum pc_err	 store_capa_record(struct store *st, const char *name,
		    const char *endpoint, const char *capa, bool stale,
		    int64_t when, char **cause);

/*
 * Bulk change: apply every assignment to every named profile (names) or to
 * every member of group (names == NULL; "" = profiles without a group).
 * Everything is validated first: a name that does not exist or an empty
 * group give PC_E_NOTFOUND; an unknown field, a value that does not parse,
 * or "name" fail with PC_E_INVALID, and so does any invalid resulting
 * profile: changes->errors then has one line per target profile that
 * would become invalid, naming the profile and each field at fault (a
 * value that does not parse breaks every target), and changes->nprofiles
 * counts them.  dry_run computes changes without writing.
 * Otherwise one transaction, one audit entry ("bulk-set", carrying the
 * change's ID) per profile that changes, and an undo record (those of the
 * last STORE_BULK_KEEP changes are kept); changes->bulk_id gets the ID.
 * Secrets are never decrypted: assigning a password counts as a change
 * for every profile ("changed" or "set").  changes may be NULL when the caller does
 * not need the list; it is filled on PC_E_INVALID too.
 */
enum pc_err	 store_bulk_set(struct store *st, const char *group,
		    const char *const *names, int nnames,
		    const struct store_assign *assign, int nassign,
		    bool dry_run, struct store_changes *changes, char **cause);
void		 store_changes_cleanup(struct store_changes *c);
/* A recorded bulk change, as store_bulk_undo found it. */
struct store_bulk_op {
	int64_t		 id;		/* the ID history shows */
	int64_t		 when;		/* unix time */
	char		*os_user;
	char		*fields;	/* "security,port": field keys */
	int		 nprofiles;	/* profiles it changed */
};
void		 store_bulk_op_cleanup(struct store_bulk_op *op); /* NULL ok */
/* Undo records of this many bulk changes are kept (the oldest go). */
#define STORE_BULK_KEEP	10
/*
 * Undo bulk change id (0 = the last bulk change; it must not have been
 * undone already: undo never walks further back by itself), in one
 * transaction: every field it changed gets its previous value back
 * (secrets their previous sealed value), versions move on, one audit row
 * ("undo", with the change's ID) per profile.  dry_run computes the same
 * without writing.
 * PC_E_NOTFOUND: nothing to undo (no bulk change, the last one or that
 * one undone already, an ID never given or whose undo record is no
 * longer kept: the cause says which).  PC_E_CONFLICT (nothing undone)
 * when any of its profiles was changed or removed since: changes->errors
 * has one line per such profile, naming it once ("profile 'x' was
 * changed by bob at ... (set) after it"), and the cause says the same
 * for one profile, or names them all for several.
 * op (may be NULL) gets the change once it is found (also on
 * PC_E_CONFLICT); changes (may be NULL) the fields per profile, old_value
 * the value now, new_value the one restored (secrets "set"/""), and
 * nprofiles the number restored (or that would be).
 */
enum pc_err	 store_bulk_undo(struct store *st, int64_t id, bool dry_run,
		    struct store_bulk_op *op, struct store_changes *changes,
		    char **cause);

/* How an import treats a profile that exists (same name). */
enum store_import_mode {
	STORE_IMPORT_ADD,	/* refuse it unless identical */
	STORE_IMPORT_UPDATE,	/* write it (built on the stored one) */
	STORE_IMPORT_REPLACE,	/* write it (built on the defaults) */
};

/* What an import does (or would do) to each profile. */
enum store_import_what {
	STORE_IMPORT_ADDED,
	STORE_IMPORT_UPDATED,
	STORE_IMPORT_REPLACED,
	STORE_IMPORT_UNCHANGED,	/* exists, identical: nothing written */
	STORE_IMPORT_REFUSED,	/* exists, differs, mode ADD */
	STORE_IMPORT_NWHAT
};

struct store_import_result {
	enum store_import_what *what;	/* per profile of the list */
	char		**diff;		/* per profile: "port: 110 -> 995;
					   password: changed" for a profile
					   that exists and differs, else
					   NULL (never a secret's value) */
	int		 n;
	int		 count[STORE_IMPORT_NWHAT];
};
void		 store_import_result_cleanup(struct store_import_result *r);

/*
 * Import every profile of list in one transaction, matched with the
 * stored ones by name (case-insensitive).  A profile that does not exist
 * is added.  One that exists and is identical (every field, a secret the
 * import does not carry counting as kept) is unchanged: nothing written.
 * One that differs is refused in mode ADD (PC_E_EXISTS, nothing written,
 * after every profile was looked at: res says which, with their diffs);
 * written otherwise, keeping its row id and its identity (so its sealed
 * secrets stay valid), its version moving on; a secret that is NULL in
 * the imported profile keeps its stored value (an export without
 * secrets does not wipe them).  In mode UPDATE a profile that carries an
 * id (built on the stored one) must still have its version, else
 * PC_E_CONFLICT.  Each profile is validated again (PC_E_INVALID names it;
 * nothing is written).  dry_run decides the same without writing.  On
 * success each list[i]->id and ->version are set (not for a dry run).
 * Audited as "import".  res (may be NULL) is filled on success and on
 * PC_E_EXISTS.
 */
enum pc_err	 store_import(struct store *st, struct profile *const *list,
		    int n, enum store_import_mode mode, bool dry_run,
		    struct store_import_result *res, char **cause);

/* Audit log, newest first; name NULL = all profiles; limit <= 0 = all. */
enum pc_err	 store_history(struct store *st, const char *name, int limit,
		    struct store_audit_list *out, char **cause);
void		 store_audit_list_cleanup(struct store_audit_list *l);

/*
 * The OAuth2 state of a profile (table oauth_tokens, migration 0004):
 * the refresh token that "popconn oauth login" obtained, sealed, and what
 * the server said about it.  Not audited as a field change; the profile's
 * version does not move.
 */
struct store_oauth {
	char		*refresh_token;	/* SECRET: clear, or NULL = none */
	char		*scope;		/* granted scopes, or NULL */
	char		*token_url;	/* where it came from, or NULL */
	int64_t		 obtained;	/* unix time of the login, 0 = none */
	int64_t		 refreshed;	/* unix time of the last refresh */
	int64_t		 access_expires; /* the last access token's end */
};

/* store_oauth.c */
/*
 * Load (st->refresh_token opened with the key: PC_E_CRYPTO when it does
 * not open).  PC_E_NOTFOUND when the profile does not exist; a profile
 * without a row gives PC_OK and an empty *out.  Caller cleans up.
 */
enum pc_err	 store_oauth_get(struct store *st, const char *name,
		    struct store_oauth *out, char **cause);
/*
 * Replace the row (refresh_token sealed under the profile's identity; a
 * NULL refresh_token stores none).  Audited as "oauth-login" when login
 * is true (the detail never holds a token).  PC_E_NOTFOUND when there is
 * no such profile.
 */
enum pc_err	 store_oauth_put(struct store *st, const char *name,
		    const struct store_oauth *o, bool login, char **cause);
/* Forget the row; audited as "oauth-logout".  *had: there was one. */
enum pc_err	 store_oauth_forget(struct store *st, const char *name,
		    bool *had, char **cause);
void		 store_oauth_cleanup(struct store_oauth *o);

/* store_key.c - key modes and key rotation. */
/* "keyfile" or "passphrase".  Borrowed, static. */
const char	*store_key_mode(struct store *st);
/*
 * Re-seal every secret under a new key, in one transaction: with
 * passphrase NULL, a new random key in the key file (a rotation, or a move
 * from passphrase mode to key-file mode); else a key derived from the new
 * master passphrase (PBKDF2-HMAC-SHA256, SECRET_PBKDF2_ITERATIONS, a new
 * random salt).  The undo record of the last bulk change is dropped (it
 * holds values sealed under the old key).  Audited as "rekey".  A new key
 * file is written beside the old one first and moved into place only after
 * the commit; store_open finishes an interrupted move.
 */
enum pc_err	 store_rekey(struct store *st, const char *passphrase,
		    int *nsecrets, char **cause);

/* secret.c - AES-256-GCM sealing used by the store and by export. */
#define SECRET_KEY_LEN			32
#define SECRET_PBKDF2_ITERATIONS	600000
/*
 * Load the key file at path, creating it (0600, 32 random bytes, and its
 * missing folders 0700) when create is true and it does not exist.
 * PC_E_NOTFOUND when absent and !create ("key file missing: ...");
 * PC_E_INVALID when it has the wrong size; PC_E_IO when it cannot be read
 * or written.
 */
enum pc_err	 secret_key_load(const char *path, bool create,
		    unsigned char key[SECRET_KEY_LEN], char **cause);
/* Write key to path (mode 0600), replacing it atomically. */
enum pc_err	 secret_key_write(const char *path,
		    const unsigned char key[SECRET_KEY_LEN], char **cause);
/*
 * PBKDF2-HMAC-SHA256 from a passphrase (for export and master mode).
 * iterations <= 0 means SECRET_PBKDF2_ITERATIONS.  The salt has at least 8
 * bytes (use 16 random ones from secret_random), else PC_E_INVALID.
 */
enum pc_err	 secret_key_derive(const char *passphrase,
		    const unsigned char *salt, int saltlen, int iterations,
		    unsigned char key[SECRET_KEY_LEN]);
/*
 * Seal plaintext with a fresh random nonce, binding aad (NULL = none).
 * *out is text: "v1:" + base64(nonce | ciphertext | tag).  Caller frees.
 */
enum pc_err	 secret_seal(const unsigned char key[SECRET_KEY_LEN],
		    const char *plaintext, const char *aad, char **out);
/* Reverse of secret_seal.  PC_E_CRYPTO when the key or aad is wrong or the
 * text was tampered with.  Caller frees *out with xfree_secret. */
enum pc_err	 secret_open(const unsigned char key[SECRET_KEY_LEN],
		    const char *sealed, const char *aad, char **out);
/* len bytes from the process's DRBG (salts, identities).  PC_E_CRYPTO. */
enum pc_err	 secret_random(void *buf, size_t len);

#endif
