/*
 * store_int.h - internals shared by the files of the store layer (and by
 * its unit tests): the store handle, the mapping between the model's field
 * table and the columns of the profiles table, transactions, errors in
 * words, migrations and the audit log.
 */
#ifndef POPCONN_STORE_INT_H
#define POPCONN_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "popconn/buf.h"
#include "popconn/err.h"
#include "popconn/profile.h"
#include "popconn/store.h"

/* The aad of the key check value, and the known text it seals. */
#define STORE_KEYCHECK_AAD	"popconn/v1/keycheck"
#define STORE_KEYCHECK_TEXT	"popconn key check v1"
/* Secrets of one profile (see STORE_SECRET_* in store.h). */
#define STORE_MAX_SECRETS	3

/* How a column of the profiles table holds its field. */
enum store_ctype {
	STORE_C_TEXT,		/* text, NULL when empty */
	STORE_C_INT,		/* integer, NULL when empty (proxy_port) */
	STORE_C_BOOL,		/* 0 / 1 */
	STORE_C_SECRET,		/* sealed text, NULL when empty */
};

/* One column of the profiles table that holds a field. */
struct store_col {
	const char	*key;		/* field key, or "port_typed" */
	const struct prof_field *f;	/* NULL for port_typed */
	enum store_ctype type;
	int		 secret;	/* index among secrets, or -1 */
	char		 default_text[32]; /* its text in profile_new() */
	bool		 has_default;	/* default_text is valid */
	char		 name[40];	/* column name */
};

/* A column value as SQLite holds it. */
enum store_vtype {
	STORE_V_NULL,
	STORE_V_INT,
	STORE_V_TEXT,
};

struct store_val {
	enum store_vtype type;
	int64_t		 i;
	char		*s;		/* owned */
};

/* A profile as loaded from its row, with what the model does not hold. */
struct store_row {
	struct profile	*p;
	char		*uid;
	char		*sealed[STORE_MAX_SECRETS]; /* as stored, or NULL */
};

struct store {
	sqlite3		*db;
	char		*path;
	char		*key_path;
	char		*os_user;
	int		 schema;
	int		 busy_ms;	/* busy timeout */
	bool		 memory;	/* ":memory:" */
	bool		 read_only_ok;	/* store_opts.read_only_ok */
	bool		 read_only;	/* opened read-only: no write at all */
	unsigned char	 key[SECRET_KEY_LEN];
	bool		 passphrase_mode; /* key derived from a passphrase */
	const char	*passphrase;	/* borrowed from the opts during
					   store_open only, then NULL */
	/* Profile field columns in field-table order, then port_typed. */
	struct store_col *cols;
	int		 ncols;
	int		 nsecrets;
	char		*select_sql;	/* "SELECT <columns> FROM profiles" */
	sqlite3_stmt	*audit_ins;	/* cached by audit.c */
	sqlite3_stmt	*get_by_name;	/* cached by store_load_one */
	sqlite3_stmt	*get_by_id;
};

/*
 * Columns of store.select_sql: id, uid, version, then the field columns
 * (store.cols), then last_result, last_tested.
 */
#define STORE_SEL_ID		0
#define STORE_SEL_UID		1
#define STORE_SEL_VERSION	2
#define STORE_SEL_FIELDS	3
/* Columns after the field columns in select_sql. */
#define STORE_SEL_AFTER(st, k)	(STORE_SEL_FIELDS + (st)->ncols + (k))

/*
 * The certificate end (unix time, NULL when unknown) of the newest test
 * result of the profiles row in the query: one lookup in
 * test_results_by_profile per row it is evaluated on.
 */
#define STORE_CERT_SQL "(SELECT nullif(r.cert_not_after, 0) FROM " \
	"test_results r WHERE r.profile_id = profiles.id ORDER BY r.id DESC " \
	"LIMIT 1)"

/* store_filter.c - a struct store_filter as SQL. */
/* The parameter of the first filter term; ?1 is f->group, and ?2 to ?9
 * are the caller's. */
#define STORE_WHERE_FIRST	10
struct store_where {
	char		*sql;		/* "" or " WHERE ..." */
	struct store_fterms terms;	/* parsed f->text */
	int64_t		 now;		/* f->now, or the clock */
};
/*
 * The WHERE clause of f (NULL = all) with extra ANDed (NULL = none).
 * PC_E_INVALID when f->text does not parse.  store_where_cleanup after.
 */
enum pc_err	 store_where_build(const struct store_filter *f,
		    const char *extra, struct store_where *w, char **cause);
/* Bind ?1 and the terms' parameters of w to s. */
void		 store_where_bind(sqlite3_stmt *s, const struct store_filter *f,
		    const struct store_where *w);
void		 store_where_cleanup(struct store_where *w);
/* The ORDER BY terms (without "ORDER BY") of f->sort.  Static. */
const char	*store_where_order(const struct store_filter *f);

/* store_db.c */
/* SQLite's failure src in words ("the disk is full").  Borrowed. */
const char	*store_db_reason(sqlite3 *db, int src);
/*
 * A cause in words for an SQLite failure: "cannot <what> the database
 * <path>: <reason>".  Caller frees.
 */
char		*store_db_cause(struct store *st, const char *what, int src);
/*
 * Set *cause (when cause is not NULL and *cause is still NULL: the first
 * cause wins) and return rc.
 */
enum pc_err	 store_fail(char **cause, enum pc_err rc, const char *fmt, ...)
		    PC_PRINTFLIKE(3, 4);
/* Set *cause (when cause is not NULL) to store_db_cause(); PC_E_DB. */
enum pc_err	 store_db_fail(struct store *st, const char *what, int src,
		    char **cause);
enum pc_err	 store_prepare(struct store *st, const char *sql,
		    sqlite3_stmt **out, char **cause);
/* store_prepare, then bind ?1 to id (a row id). */
enum pc_err	 store_prepare_id(struct store *st, const char *sql,
		    int64_t id, sqlite3_stmt **out, char **cause);
/* Run sql, a write whose one parameter ?1 is id, to its end. */
enum pc_err	 store_exec_id(struct store *st, const char *sql, int64_t id,
		    char **cause);
/*
 * The end of a loop over the rows of s: s is finalised; the read failure
 * when src (its last step) is not SQLITE_DONE.
 */
enum pc_err	 store_rows_end(struct store *st, sqlite3_stmt *s, int src,
		    char **cause);
/*
 * Step s, a read of at most one row: PC_OK when s stands on its row,
 * PC_E_NOTFOUND (no cause) when there is none, else the read failure.
 */
enum pc_err	 store_step_one(struct store *st, sqlite3_stmt *s,
		    char **cause);
/* Step s, a write, to its end; else the write failure. */
enum pc_err	 store_step_done(struct store *st, sqlite3_stmt *s,
		    char **cause);
/* The same, then finalise s (whatever the result). */
enum pc_err	 store_run(struct store *st, sqlite3_stmt *s, char **cause);
/*
 * v (n elements of size bytes, room for *cap) with room for one more:
 * grown to twice its room (16 at first) when full.
 */
void		*store_grow(void *v, int n, int *cap, size_t size);
/*
 * Prepare sql (a SELECT from profiles with one ?, the name), bind name and
 * step to the profile's row: *out stands on it, the caller reads its
 * columns and finalises it.  PC_E_NOTFOUND ("no profile named '<name>'")
 * when none; *out is NULL on any failure.
 */
enum pc_err	 store_profile_named(struct store *st, const char *sql,
		    const char *name, sqlite3_stmt **out, char **cause);
/* The integer in the first column of the one row sql (no parameters)
 * gives; *out is untouched on failure. */
enum pc_err	 store_query_int(struct store *st, const char *sql,
		    int64_t *out, char **cause);
/* BEGIN IMMEDIATE (write) or BEGIN (consistent read). */
enum pc_err	 store_begin(struct store *st, bool write, char **cause);
enum pc_err	 store_commit(struct store *st, char **cause);
void		 store_rollback(struct store *st);
/* The end of a write transaction: commit when rc is PC_OK, else roll
 * back.  Its result. */
enum pc_err	 store_end(struct store *st, enum pc_err rc, char **cause);
/* "2026-01-02 10:11:12" local time.  Caller frees. */
char		*store_time_str(int64_t t);

/* store_row.c */
/* "popconn/v1/<uid>/<key>".  Caller frees. */
char		*store_aad(const char *uid, const char *key);
/* Seal clear for column c of the profile with identity uid. */
enum pc_err	 store_seal(struct store *st, const char *uid,
		    const struct store_col *c, const char *clear, char **out,
		    char **cause);
/* Load the current row of s (a select_sql statement). */
enum pc_err	 store_row_load(struct store *st, sqlite3_stmt *s,
		    bool with_secrets, struct store_row *row, char **cause);
void		 store_row_cleanup(struct store_row *row);
/*
 * Step s (bound, selecting at most one row), load that row, reset s.
 * PC_E_NOTFOUND when there is none.
 */
enum pc_err	 store_row_load_stmt(struct store *st, sqlite3_stmt *s,
		    bool with_secrets, struct store_row *row, char **cause);
/* The value column c (not a secret) holds for p, or for the text form t
 * of its field (as profile_field_get gives it). */
void		 store_col_value(const struct store_col *c,
		    const struct profile *p, struct store_val *out);
void		 store_col_value_text(const struct store_col *c, const char *t,
		    struct store_val *out);
/*
 * The text form of column idx of s holding column c, as profile_field_get
 * would give it (secrets "set"/"").  Borrowed until s moves on, or from
 * buf (STORE_CSTR_BUF bytes) for a number.
 */
#define STORE_CSTR_BUF	24
const char	*store_col_cstr(const struct store_col *c, sqlite3_stmt *s,
		    int idx, char *buf);
/* A column by field key, or by column name.  NULL when unknown. */
const struct store_col *store_col_find(struct store *st, const char *key);
const struct store_col *store_col_named(struct store *st, const char *name);
int		 store_bind_val(sqlite3_stmt *s, int idx,
		    const struct store_val *v);
void		 store_val_cleanup(struct store_val *v);
/* Which STORE_SECRET_* bits a row's sealed columns hold. */
unsigned	 store_row_secrets(const struct store_row *row);
/* The column map (st->cols, st->ncols, st->select_sql) from the model's
 * field table; PC_E_DB when a field has no column (a missing migration). */
enum pc_err	 store_cols_init(struct store *st, char **cause);
/* A new random identity for a profile's row (hex).  Caller frees. */
char		*store_new_uid(void);
/* The INSERT and UPDATE statements over every field column.  Caller
 * frees. */
char		*store_insert_sql(struct store *st);
char		*store_update_sql(struct store *st);
/* Insert p (a store_insert_sql statement) as a new row with identity uid;
 * *id gets its row id. */
enum pc_err	 store_insert_row(struct store *st, sqlite3_stmt *ins,
		    const struct profile *p, const char *uid, int64_t *id,
		    char **cause);
/*
 * Update row old (loaded with secrets) to hold p, with upd a
 * store_update_sql statement.  Secrets equal to the stored ones keep their
 * sealed text.  PC_E_CONFLICT when the row moved past old's version.
 */
enum pc_err	 store_update_row(struct store *st, sqlite3_stmt *upd,
		    const struct profile *p, const struct store_row *old,
		    char **cause);

/* store_query.c */
/*
 * Load the row selected by select_sql + where (one ?, bound to name, else
 * id) through the statement cached in *cache (st->get_by_name or
 * st->get_by_id, kept until store_close).  PC_E_NOTFOUND when none.
 */
enum pc_err	 store_load_one(struct store *st, sqlite3_stmt **cache,
		    const char *where, const char *name, int64_t id,
		    bool with_secrets, struct store_row *row, char **cause);

/* store.c */
/* profile_validate(p), its issues as the cause. */
enum pc_err	 store_validate(const struct profile *p, char **cause);

/* store_key.c */
/*
 * Get the key and check it against the database, before anything is
 * written.  *write_meta says the meta row must be written (new database,
 * or a new key for a database without secrets): store_key_meta_write,
 * after the migrations.
 */
enum pc_err	 store_key_setup(struct store *st, int version,
		    bool *write_meta, char **cause);
/* Record the key mode and check value (after the migrations). */
enum pc_err	 store_key_meta_write(struct store *st, char **cause);

/* secret.c */
/* Create the missing folders above the file path, mode 0700. */
enum pc_err	 secret_mkdir_parents(const char *path, char **cause);

/* store_migrate.c */
/* Number of embedded migrations; 0 when they are misnumbered. */
int		 store_migrate_count(void);
/* The i-th migration (1-based): its file name and SQL. */
const char	*store_migrate_name(int i);
const char	*store_migrate_sql(int i);
/*
 * user_version from the header of the file at path, without SQLite (so the
 * file is not touched).  *version = 0 for a missing or empty file.
 * PC_E_DB when the file is not an SQLite database.
 */
enum pc_err	 store_migrate_peek(const char *path, int *version,
		    char **cause);
/*
 * Apply migrations after the database's version up to target, each in its
 * own transaction with its user_version update.  path names the file in
 * causes.
 */
enum pc_err	 store_migrate_run(sqlite3 *db, const char *path, int target,
		    char **cause);
/* PRAGMA user_version, or -1 on failure. */
int		 store_migrate_version(sqlite3 *db);

/* audit.c */
/* Record one audit row in the current transaction. */
enum pc_err	 audit_add(struct store *st, const char *profile,
		    int64_t profile_id, const char *action, const char *fields,
		    const char *detail, char **cause);
/* The same for a row written by bulk change bulk_id (its change or its
 * undo); 0 = none. */
enum pc_err	 audit_add_bulk(struct store *st, const char *profile,
		    int64_t profile_id, const char *action, const char *fields,
		    const char *detail, int64_t bulk_id, char **cause);
/*
 * The fields that differ between old and new, and the detail text
 * ("port: 110 -> 995; password: changed").  old NULL = a new profile
 * (every field that is not at its default).  Never a secret value.
 * *fields and *detail are "" when nothing differs; caller frees both.
 */
void		 audit_diff(const struct profile *old,
		    const struct profile *new, char **fields, char **detail);
/* Detail of one field change, appended to b with "; " between. */
void		 audit_detail_add(struct buf *b, const char *key,
		    bool secret, const char *old_text, const char *new_text);
/*
 * Who made the last change of profile id, and when: "bob at 2026-...
 * (set)"; *name (may be NULL) gets the profile's name in that entry.
 * NULL when the log has no entry.  Caller frees both.
 */
char		*audit_last_change(struct store *st, int64_t profile_id,
		    char **name);
void		 audit_cleanup(struct store *st);

#endif
