/*
 * cli.c - popconn's command line: global options, the database location
 * (--db, $POPCONN_DB, $XDG_DATA_HOME/popconn/popconn.db), the command table,
 * exit statuses, and the helpers every command shares (secrets from standard
 * input, FIELD=VALUE parsing, JSON output of a profile).
 *
 * Secrets never come from argv: they would show in ps(1) and in the shell's
 * history.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "cli_int.h"
#include "popconn/buf.h"
#include "popconn/profile.h"
#include "popconn/str.h"

static const struct cli_cmd cli_cmds[] = {
	{ "list", "list [--group G] [--json]", "list profiles",
	  cli_cmd_list, true },
	{ "show", "show NAME [--json]", "show one profile", cli_cmd_show,
	  true },
	{ "add", "add NAME [--preset P] [FIELD=VALUE ...]",
	  "create a profile", cli_cmd_add, false },
	{ "set", "set NAME FIELD=VALUE ...", "change fields of a profile",
	  cli_cmd_set, false },
	{ "rm", "rm NAME", "delete a profile", cli_cmd_rm, false },
	{ "bulk-set", "bulk-set (--group G | NAME ...) FIELD=VALUE ... "
	  "[--dry-run]", "change fields of many profiles at once",
	  cli_cmd_bulk_set, false },
	{ "export", "export [--group G] [--format json|csv] [-o FILE] "
	  "[--with-secrets]", "write profiles to a file", cli_cmd_export,
	  true },
	{ "import", "import FILE [--format json|csv] [--update | --replace] "
	  "[--dry-run]", "read profiles from a file (all or nothing)",
	  cli_cmd_import, false },
	{ "history", "history [NAME] [--json] [--limit N] | history --tests "
	  "[NAME] [--json] [--limit N]", "show the audit log, or the test "
	  "results", cli_cmd_history, true },
	{ "undo", "undo [ID] [--dry-run]", "revert a bulk change (the last, "
	  "or ID from history)", cli_cmd_undo, false },
	{ "test", "test (NAME [--quiet] | --group G [--jobs N]) [--json] "
	  "[--prom FILE] [--source ADDR] [--trust-capabilities]",
	  "run a test logon",
	  cli_cmd_test, true },
	{ "check", "check (NAME | --group G) [--warning-time S] "
	  "[--critical-time S] [--cert-warning-days N] [--cert-critical-days N] "
	  "[--jobs N]", "a Monitoring Plugins check (exit 0 OK, 1 WARNING, "
	  "2 CRITICAL, 3 UNKNOWN)", cli_cmd_check, true },
	{ "report", "report [--group G] [--json]", "summarise results, TLS, "
	  "logon methods, weak settings, expiring certificates, failures",
	  cli_cmd_report, true },
	{ "oauth", "oauth (login | status | logout) NAME", "authorise a "
	  "profile's built-in OAuth2 once, show or forget it", cli_cmd_oauth,
	  false },
	{ "rekey", "rekey [--to keyfile|passphrase] [--new-passphrase-fd N]",
	  "re-seal every secret under a new key", cli_cmd_rekey, false },
	{ "presets", "presets", "list server presets", cli_cmd_presets, false },
	{ "fields", "fields", "list the profile fields", cli_cmd_fields, false },
	{ "codepages", "codepages", "list the accepted code pages",
	  cli_cmd_codepages, false },
};

#define CLI_NCMDS ((int)(sizeof cli_cmds / sizeof cli_cmds[0]))

void
cli_error(const char *fmt, ...)
{
	va_list ap;
	char *s, *esc;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	/*
	 * Messages quote what the user or a file gave (a value with CR/LF,
	 * an escape sequence): one line, nothing raw reaches the terminal.
	 */
	esc = str_printable(s, strlen(s)) ? NULL : str_escape(s, strlen(s));
	fprintf(stderr, "popconn: %s\n", esc != NULL ? esc : s);
	free(esc);
	free(s);
}

static void
cli_help(FILE *f)
{
	int i;

	fprintf(f, "usage: popconn [--db PATH] [--key PATH] [--passphrase-fd N] "
	    "[COMMAND ...]\n"
	    "With no command, popconn opens the terminal UI.\n\n"
	    "Commands:\n");
	for (i = 0; i < CLI_NCMDS; i++)
		fprintf(f, "  %-58s %s\n", cli_cmds[i].usage,
		    cli_cmds[i].summary);
	fprintf(f, "\nSecret fields (password, proxy_password, "
	    "oauth_client_secret) are never "
	    "taken from the command line:\nwrite password=- to read the "
	    "value from standard input (or a prompt).\n"
	    "Database: --db PATH, else $POPCONN_DB, else "
	    "$XDG_DATA_HOME/popconn/popconn.db.\n"
	    "Key file: --key PATH, else $POPCONN_KEY, else "
	    "$XDG_CONFIG_HOME/popconn/key.\n"
	    "Exit status: 0 ok, 1 test logon failed, 2 bad usage or input, "
	    "3 not found, 4 database error,\n5 conflict (someone else "
	    "changed it first; nothing written).\n");
}

int
cli_usage(const char *cmd)
{
	int i;

	for (i = 0; i < CLI_NCMDS; i++) {
		if (strcmp(cli_cmds[i].name, cmd) == 0) {
			fprintf(stderr, "usage: popconn %s\n",
			    cli_cmds[i].usage);
			return CLI_EXIT_USAGE;
		}
	}
	fprintf(stderr, "usage: popconn %s\n", cmd);
	return CLI_EXIT_USAGE;
}

int
cli_exit_for(enum pc_err rc)
{
	switch (rc) {
	case PC_OK:
		return CLI_EXIT_OK;
	case PC_E_INVALID:
	case PC_E_EXISTS:
		return CLI_EXIT_USAGE;
	case PC_E_NOTFOUND:
		return CLI_EXIT_NOTFOUND;
	case PC_E_CONFLICT:
		return CLI_EXIT_CONFLICT;
	default:
		return CLI_EXIT_DB;
	}
}

void
cli_group_not_found(const char *group)
{
	if (*group == '\0')
		cli_error("there is no profile without a group");
	else
		cli_error("group '%s' has no profiles", group);
}

void
cli_trace_sink(void *arg, const struct trace_event *ev)
{
	char *line;

	(void)arg;
	line = trace_format(ev);
	printf("%s\n", line);
	fflush(stdout);
	free(line);
}

json_t *
cli_jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

int
cli_group_list(struct cli *c, const char *cmd, bool *json,
    const char **group, struct store_list *l)
{
	char *cause = NULL;
	enum pc_err rc;
	int i, ret;

	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--json") == 0)
			*json = true;
		else if (strcmp(c->argv[i], "--group") == 0 && i + 1 < c->argc)
			*group = c->argv[++i];
		else
			return cli_usage(cmd);
	}
	ret = cli_open(c);
	if (ret)
		return ret;
	rc = store_list(c->st, *group, false, l, &cause);
	if (rc)
		return cli_report(rc, cause);
	/* An empty database lists nothing; a group that has no profile is
	 * "not found", as in every command that takes --group. */
	if (*group != NULL && l->n == 0) {
		cli_group_not_found(*group);
		store_list_cleanup(l);
		return CLI_EXIT_NOTFOUND;
	}
	return 0;
}

/* $VAR/sub, or $HOME/fallback/sub when VAR is unset or empty. */
static char *
cli_xdg_path(const char *var, const char *fallback, const char *sub)
{
	const char *base, *home;

	base = getenv(var);
	if (base != NULL && *base == '/')
		return xasprintf("%s/%s", base, sub);
	home = getenv("HOME");
	if (home == NULL || *home == '\0') {
		struct passwd *pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : "/";
	}
	return xasprintf("%s/%s/%s", home, fallback, sub);
}

/* mkdir -p for the folder that holds path, mode 0700 for what it makes. */
static int
cli_make_parent(const char *path)
{
	char *dir, *p;
	int rc = 0, saved;

	dir = xstrdup(path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		goto out;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
		if (rc != 0)
			goto out;	/* errno says why */
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		rc = -1;
out:
	saved = errno;
	free(dir);
	errno = saved;
	return rc;
}

static char *
cli_os_user(void)
{
	struct passwd *pw;
	const char *sudo;
	char *name;

	pw = getpwuid(getuid());
	name = pw != NULL ? xstrdup(pw->pw_name) :
	    xasprintf("uid %u", (unsigned)getuid());
	sudo = getenv("SUDO_USER");
	if (sudo != NULL && *sudo != '\0' && strcmp(sudo, name) != 0) {
		char *both = xasprintf("%s (sudo from %s)", name, sudo);
		free(name);
		name = both;
	}
	return name;
}

int
cli_open(struct cli *c)
{
	char *cause = NULL;
	enum pc_err rc;
	int tries;

	if (c->st != NULL)
		return CLI_EXIT_OK;
	if (cli_make_parent(c->db_path) != 0) {
		cli_error("cannot create the folder of the database %s: %s",
		    c->db_path, strerror(errno));
		return CLI_EXIT_DB;
	}
	if (cli_make_parent(c->key_path) != 0) {
		cli_error("cannot create the folder of the key file %s: %s",
		    c->key_path, strerror(errno));
		return CLI_EXIT_DB;
	}
	if (c->passphrase_fd >= 0 && c->passphrase == NULL &&
	    cli_read_secret_fd(c->passphrase_fd, "--passphrase-fd",
	    &c->passphrase) != PC_OK)
		return CLI_EXIT_USAGE;
	c->opts.passphrase = c->passphrase;
	rc = store_open(&c->opts, &c->st, &cause);
	/* A database in passphrase mode: ask on the terminal, three times. */
	for (tries = 0; rc == PC_E_AUTH && c->passphrase_fd < 0 &&
	    tries < 3 && isatty(STDIN_FILENO); tries++) {
		if (tries > 0)
			cli_error("%s", cause);
		free(cause);
		cause = NULL;
		xfree_secret(c->passphrase);
		c->passphrase = NULL;
		if (cli_read_secret("master passphrase", &c->passphrase))
			break;
		c->opts.passphrase = c->passphrase;
		rc = store_open(&c->opts, &c->st, &cause);
	}
	if (rc) {
		cli_error("%s", cause != NULL ? cause : pc_err_str(rc));
		free(cause);
		return rc == PC_E_INVALID ? CLI_EXIT_USAGE : CLI_EXIT_DB;
	}
	return CLI_EXIT_OK;
}

enum pc_err
cli_read_secret_fd(int fd, const char *what, char **out)
{
	struct buf b;
	char ch;
	ssize_t n;

	buf_init_secret(&b, 4096);
	for (;;) {
		n = read(fd, &ch, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error("%s: cannot read descriptor %d: %s", what, fd,
			    strerror(errno));
			buf_cleanup(&b);
			return PC_E_IO;
		}
		if (n == 0 || ch == '\n')
			break;
		if (ch != '\r' && buf_add(&b, &ch, 1) != PC_OK) {
			cli_error("%s: longer than 4096 bytes", what);
			buf_cleanup(&b);
			return PC_E_INVALID;
		}
	}
	*out = buf_take(&b);
	return PC_OK;
}

enum pc_err
cli_read_secret(const char *what, char **out)
{
	struct termios old, quiet;
	struct buf b;
	FILE *tty = NULL;
	int ch, echo_off = 0;
	enum pc_err rc = PC_OK;

	buf_init_secret(&b, 4096);
	if (isatty(STDIN_FILENO)) {
		tty = fopen("/dev/tty", "r+");
		if (tty != NULL && tcgetattr(fileno(tty), &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			if (tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0)
				echo_off = 1;
			fprintf(tty, "%s: ", what);
			fflush(tty);
		}
	}
	for (;;) {
		ch = fgetc(tty != NULL ? tty : stdin);
		if (ch == EOF || ch == '\n')
			break;
		if (ch == '\r')
			continue;
		if (buf_add(&b, &(char){ (char)ch }, 1) != PC_OK) {
			rc = PC_E_INVALID;
			break;
		}
	}
	if (echo_off) {
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fputc('\n', tty);
	}
	if (tty != NULL)
		fclose(tty);
	if (rc) {
		buf_cleanup(&b);
		cli_error("%s: longer than 4096 bytes", what);
		return rc;
	}
	*out = buf_take(&b);
	return PC_OK;
}

int
cli_parse_assign(char *arg, const char **key, char **value)
{
	const struct prof_field *f;
	char *eq;

	eq = strchr(arg, '=');
	if (eq == NULL || eq == arg) {
		cli_error("'%s' is not FIELD=VALUE", arg);
		return CLI_EXIT_USAGE;
	}
	*eq = '\0';
	*key = arg;
	f = profile_field_find(arg);
	if (f == NULL) {
		cli_error("unknown field '%s' ('popconn fields' lists them)",
		    arg);
		return CLI_EXIT_USAGE;
	}
	if (f->type == PROF_F_SECRET && strcmp(eq + 1, "-") == 0) {
		if (cli_read_secret(arg, value) != PC_OK)
			return CLI_EXIT_USAGE;
		return CLI_EXIT_OK;
	}
	if (f->type == PROF_F_SECRET && eq[1] != '\0') {
		/* Wipe it from our argv copy too: /proc/PID/cmdline. */
		explicit_bzero(eq + 1, strlen(eq + 1));
		cli_error("%s: secrets are not accepted on the command line "
		    "(they would show in ps and in the shell history); write "
		    "%s=- and give the value on standard input", arg, arg);
		return CLI_EXIT_USAGE;
	}
	*value = xstrdup(eq + 1);
	return CLI_EXIT_OK;
}

int
cli_report(enum pc_err rc, char *cause)
{
	if (rc)
		cli_error("%s", cause != NULL ? cause : pc_err_str(rc));
	free(cause);
	return cli_exit_for(rc);
}

json_t *
cli_profile_json(const struct profile *p, int secrets)
{
	const struct prof_field *fl;
	json_t *o;
	char *v, *k;
	int i, n;

	o = json_object();
	fl = profile_fields(&n);
	for (i = 0; i < n; i++) {
		v = profile_field_get(p, fl[i].key);
		switch (fl[i].type) {
		case PROF_F_INT:
			if (*v == '\0')
				json_object_set_new(o, fl[i].key, json_null());
			else
				json_object_set_new(o, fl[i].key,
				    json_integer(atoll(v)));
			break;
		case PROF_F_BOOL:
			json_object_set_new(o, fl[i].key,
			    json_boolean(strcmp(v, "yes") == 0));
			break;
		case PROF_F_SECRET:
			k = xasprintf("%s_set", fl[i].key);
			if (secrets >= 0)
				json_object_set_new(o, k, json_boolean(secrets &
				    store_secret_bit(fl[i].key)));
			else
				json_object_set_new(o, k,
				    json_boolean(*v != '\0'));
			free(k);
			break;
		default:
			json_object_set_new(o, fl[i].key, json_string(v));
			break;
		}
		free(v);
	}
	json_object_set_new(o, "last_result", p->last_result != NULL ?
	    json_string(p->last_result) : json_null());
	json_object_set_new(o, "last_tested", json_integer(p->last_tested));
	return o;
}

void
cli_print_profile_json(FILE *f, const struct profile *p, int secrets,
    int indent)
{
	json_t *o;
	char *s;

	o = cli_profile_json(p, secrets);
	s = json_dumps(o, JSON_PRESERVE_ORDER | (indent ? JSON_INDENT(indent) :
	    JSON_COMPACT));
	fputs(s, f);
	free(s);
	json_decref(o);
}

void
cli_json_print(json_t *j)
{
	char *s;

	s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	printf("%s\n", s);
	free(s);
	json_decref(j);
}

static void
cli_cleanup(struct cli *c)
{
	store_close(c->st);
	xfree_secret(c->passphrase);
	free(c->db_path);
	free(c->key_path);
	free(c->os_user);
}

int
cli_main(int argc, char **argv, cli_tui_cb tui)
{
	struct cli c;
	const char *db = NULL, *key = NULL, *cmd;
	int i, ret;

	memset(&c, 0, sizeof c);
	c.passphrase_fd = -1;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			db = argv[i] + 5;
		else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strncmp(argv[i], "--key=", 6) == 0)
			key = argv[i] + 6;
		else if (strcmp(argv[i], "--passphrase-fd") == 0 &&
		    i + 1 < argc) {
			long fd;

			if (str_to_int(argv[++i], 0, 1024, &fd)) {
				cli_error("--passphrase-fd: '%s' is not a file "
				    "descriptor number", argv[i]);
				return CLI_EXIT_USAGE;
			}
			c.passphrase_fd = (int)fd;
		}
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			cli_help(stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("popconn %s\n", POPCONN_VERSION);
			return CLI_EXIT_OK;
		} else {
			cli_error("unknown option '%s' (try --help)", argv[i]);
			return CLI_EXIT_USAGE;
		}
	}
	if (db == NULL || *db == '\0')
		db = getenv("POPCONN_DB");
	c.db_path = db != NULL && *db != '\0' ? xstrdup(db) :
	    cli_xdg_path("XDG_DATA_HOME", ".local/share", "popconn/popconn.db");
	if (key == NULL || *key == '\0')
		key = getenv("POPCONN_KEY");
	c.key_path = key != NULL && *key != '\0' ? xstrdup(key) :
	    cli_xdg_path("XDG_CONFIG_HOME", ".config", "popconn/key");
	c.os_user = cli_os_user();
	c.opts.db_path = c.db_path;
	c.opts.key_path = c.key_path;
	c.opts.os_user = c.os_user;

	if (i == argc) {
		if (tui == NULL) {
			cli_error("this build has no terminal UI; try --help");
			ret = CLI_EXIT_USAGE;
		} else {
			/* Open once here: it asks for a master passphrase if
			 * the database needs one, before curses starts.  A
			 * read-only database can still be browsed. */
			c.opts.read_only_ok = true;
			ret = cli_open(&c);
			if (ret == CLI_EXIT_OK) {
				store_close(c.st);
				c.st = NULL;
				ret = tui(&c.opts);
			}
		}
		cli_cleanup(&c);
		return ret;
	}
	cmd = argv[i];
	c.argc = argc - i - 1;
	c.argv = argv + i + 1;
	ret = -1;
	if (strcmp(cmd, "help") == 0) {
		cli_help(stdout);
		ret = CLI_EXIT_OK;
	}
	for (i = 0; ret < 0 && i < CLI_NCMDS; i++)
		if (strcmp(cli_cmds[i].name, cmd) == 0) {
			c.opts.read_only_ok = cli_cmds[i].reads;
			ret = cli_cmds[i].exec(&c);
		}
	if (ret < 0) {
		cli_error("unknown command '%s' (try --help)", cmd);
		ret = CLI_EXIT_USAGE;
	}
	cli_cleanup(&c);
	return ret;
}
