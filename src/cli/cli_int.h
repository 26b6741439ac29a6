/*
 * cli_int.h - shared between the CLI's files: the run context, the command
 * table entry, and helpers for output, errors and secrets.
 */
#ifndef POPCONN_CLI_INT_H
#define POPCONN_CLI_INT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "popconn/cli.h"
#include "popconn/logon.h"
#include "popconn/err.h"
#include "popconn/store.h"
#include "popconn/xmalloc.h"

struct cli {
	struct store_opts opts;
	char		*db_path;	/* owned */
	char		*key_path;	/* owned */
	char		*os_user;	/* owned */
	char		*passphrase;	/* SECRET: master passphrase, or NULL */
	int		 passphrase_fd;	/* --passphrase-fd, or -1 */
	struct store	*st;		/* opened on demand */
	int		 argc;		/* the command's own arguments */
	char		**argv;
};

struct cli_cmd {
	const char	*name;
	const char	*usage;
	const char	*summary;
	int		(*exec)(struct cli *c);
	bool		 reads;		/* writes nothing the user asked for:
					   works on a read-only database */
};

/* cli.c */
void	 cli_error(const char *fmt, ...) PC_PRINTFLIKE(1, 2);
int	 cli_usage(const char *cmd);
int	 cli_exit_for(enum pc_err rc);
/* A trace sink: each event as a line on standard output, flushed. */
struct trace_event;
void	 cli_trace_sink(void *arg, const struct trace_event *ev);
/* The one line for a --group that names no profile (exit 3). */
void	 cli_group_not_found(const char *group);
/*
 * The arguments [--json] [--group G] of cmd (list, report), then the
 * store opened and its profiles (all, or G's: a G without any is not
 * found) listed into l without secrets.  Returns 0, or the exit status
 * after printing why (l is then empty).
 */
int	 cli_group_list(struct cli *c, const char *cmd, bool *json,
	    const char **group, struct store_list *l);
/* Open the store (once); prints the error and returns its exit status. */
int	 cli_open(struct cli *c);
/*
 * Read one secret: from the terminal with echo off (prompting with what),
 * else one line from standard input.  Caller frees with xfree_secret.
 */
enum pc_err cli_read_secret(const char *what, char **out);
/*
 * Split FIELD=VALUE.  Secret fields must be "-" (read from stdin or a
 * prompt) or empty (clear); a literal secret is refused.  On success *key
 * points into arg (which is modified) and *value is owned by the caller
 * (wipe with xfree_secret).
 */
int	 cli_parse_assign(char *arg, const char **key, char **value);
/* Print the error (cause, else rc's text), free cause, map to a status. */
int	 cli_report(enum pc_err rc, char *cause);
/*
 * A JSON object of the profile's fields, secrets as "<key>_set" booleans
 * only: from the STORE_SECRET_* bits in secrets, or, when secrets is -1,
 * from the secrets loaded in p.  Caller releases with json_decref.
 */
json_t	*cli_profile_json(const struct profile *p, int secrets);
/* Print it (indent 0 = one line). */
void	 cli_print_profile_json(FILE *f, const struct profile *p, int secrets,
	    int indent);
/* Print j to stdout, indented by 2, with a newline; then release j. */
void	 cli_json_print(json_t *j);
/* A JSON string of s, or null when s is NULL. */
json_t	*cli_jstr(const char *s);

/* cli_cmd.c */
int	 cli_cmd_list(struct cli *c);
int	 cli_cmd_show(struct cli *c);
int	 cli_cmd_add(struct cli *c);
int	 cli_cmd_set(struct cli *c);
int	 cli_cmd_rm(struct cli *c);
int	 cli_cmd_bulk_set(struct cli *c);
int	 cli_cmd_history(struct cli *c);
int	 cli_cmd_undo(struct cli *c);
int	 cli_cmd_presets(struct cli *c);
int	 cli_cmd_fields(struct cli *c);
int	 cli_cmd_codepages(struct cli *c);

/* cli_logon.c */
int	 cli_cmd_test(struct cli *c);

/* cli_oauth.c */
int	 cli_cmd_oauth(struct cli *c);

/* Read one line from descriptor fd (a secret).  Caller wipes. */
enum pc_err cli_read_secret_fd(int fd, const char *what, char **out);
int	 cli_cmd_rekey(struct cli *c);

/* cli_hist.c */
struct logon_result;
/* t as text: "2026-12-07 18:00:00 UTC", or ISO 8601 "...T...Z". */
void	 cli_hist_time(int64_t t, char *buf, size_t len, bool iso);
/* The lines a recorded result adds: certificate changed, failing since. */
void	 cli_hist_print(FILE *f, const struct store_test *t);
/* The same as o's member "history" (null when not recorded). */
void	 cli_hist_json(json_t *o, const struct store_test *t);
/*
 * The arguments [--tests] [NAME] [--json] [--limit N] of history, then the
 * store opened: 0, or the exit status.
 */
int	 cli_hist_args(struct cli *c, const char **name, long *limit,
	    bool *json);
/* popconn history --tests [NAME] [--json] [--limit N] */
int	 cli_hist_cmd(struct cli *c);

/* cli_check.c */
int	 cli_cmd_check(struct cli *c);

/* cli_fleet.c */
int	 cli_cmd_report(struct cli *c);

/* cli_export.c */
int	 cli_cmd_export(struct cli *c);

/* cli_import.c */
int	 cli_cmd_import(struct cli *c);

#endif
