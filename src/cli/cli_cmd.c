/*
 * cli_cmd.c - the profile commands: list, show, add, set, rm, bulk-set,
 * history, undo, presets, fields, codepages.  Each validates everything before it
 * changes anything; errors name the field at fault.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli_int.h"
#include "popconn/codepage.h"
#include "popconn/presets.h"
#include "popconn/profile.h"
#include "popconn/str.h"

/* Print every validation issue of p, one line each. */
static void
cli_print_issues(const char *name, const struct prof_issues *iss)
{
	int i;

	for (i = 0; i < iss->n; i++)
		cli_error("%s: %s", name, iss->v[i].message);
}

/*
 * Apply FIELD=VALUE arguments to p.  Returns an exit status; on error p may
 * be partly changed (callers throw it away).
 */
static int
cli_apply_assigns(struct profile *p, char **args, int n)
{
	const char *key;
	char *value, *cause = NULL;
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = cli_parse_assign(args[i], &key, &value);
		if (ret)
			return ret;
		if (profile_field_set(p, key, value, &cause) != PC_OK) {
			cli_error("%s", cause);
			free(cause);
			xfree_secret(value);
			return CLI_EXIT_USAGE;
		}
		xfree_secret(value);
	}
	return CLI_EXIT_OK;
}

/* Whether one of the FIELD=VALUE arguments sets key. */
static bool
cli_assigns_key(char **args, int n, const char *key)
{
	size_t len = strlen(key);
	int i;

	for (i = 0; i < n; i++)
		if (strncmp(args[i], key, len) == 0 && args[i][len] == '=')
			return true;
	return false;
}

static int
cli_validate(const struct profile *p)
{
	struct prof_issues iss;

	if (profile_validate(p, &iss) == PC_OK)
		return CLI_EXIT_OK;
	cli_print_issues(p->name != NULL ? p->name : "(new profile)", &iss);
	profile_issues_cleanup(&iss);
	return CLI_EXIT_USAGE;
}

/*
 * One column of `list`: the value escaped, padded to width columns of the
 * terminal (not bytes: "Zweigstelle Ü" lines up) and cut with an ellipsis
 * when longer, then the separating space.
 */
static void
cli_list_cell(const char *v, size_t width)
{
	char *e, *f;

	e = str_escape(v, strlen(v));
	f = str_fit(e, width);
	printf("%s ", f);
	free(f);
	free(e);
}

int
cli_cmd_list(struct cli *c)
{
	struct store_list l = { 0 };
	const char *group = NULL, *last;
	bool json = false;
	int i, ret;

	ret = cli_group_list(c, "list", &json, &group, &l);
	if (ret)
		return ret;
	if (json) {
		fputs("[", stdout);
		for (i = 0; i < l.n; i++) {
			fputs(i ? ",\n" : "\n", stdout);
			cli_print_profile_json(stdout, l.v[i],
			    l.secrets != NULL ? (int)l.secrets[i] : -1, 0);
		}
		fputs(l.n ? "\n]\n" : "]\n", stdout);
	} else {
		if (l.n > 0)
			printf("%-24s %-14s %-26s %5s %-4s %s\n", "NAME",
			    "GROUP", "ADDRESS", "PORT", "SEC", "LAST TEST");
		for (i = 0; i < l.n; i++) {
			last = l.v[i]->last_result ? l.v[i]->last_result : "-";
			cli_list_cell(l.v[i]->name, 24);
			cli_list_cell(l.v[i]->group != NULL &&
			    *l.v[i]->group ? l.v[i]->group : "-", 14);
			cli_list_cell(l.v[i]->address ? l.v[i]->address : "",
			    26);
			printf("%5d %-4s %s\n", l.v[i]->port,
			    profile_security_str(l.v[i]->security), last);
		}
	}
	store_list_cleanup(&l);
	return CLI_EXIT_OK;
}

static void
cli_show_text(const struct profile *p)
{
	static const char *const tabs[] = { "Common", "Connection",
	    "Authentication", "Proxy" };
	const struct prof_field *f;
	const char *reason;
	char *v;
	int i, n, tab = -1;
	unsigned bit;

	f = profile_fields(&n);
	for (i = 0; i < n; i++) {
		if ((int)f[i].tab != tab) {
			tab = (int)f[i].tab;
			printf("%s[%s]\n", tab ? "\n" : "", tabs[tab]);
		}
		v = profile_field_get(p, f[i].key);
		if (f[i].type == PROF_F_SECRET)
			printf("  %-16s %s\n", f[i].key, *v ? "(set)" :
			    "(not set)");
		else if (!profile_field_applies(p, f[i].key))
			printf("  %-16s %s%s\n", f[i].key, v,
			    *v ? "  (not used)" : "(not used)");
		else
			printf("  %-16s %s\n", f[i].key, v);
		free(v);
	}
	if (p->security != PROF_SEC_NONE && p->tls_verify == PROF_VERIFY_OFF)
		printf("\nWARNING: certificate checks are off: anyone on the "
		    "path can read the password.\n");
	if (p->security == PROF_SEC_NONE)
		printf("\nWARNING: no encryption%s.\n", p->allow_plaintext ?
		    ": the password crosses the network in clear" :
		    ": a test logon stops before sending the password");
	for (bit = 1; p->security != PROF_SEC_NONE && bit <= PROF_TLS_13;
	    bit <<= 1) {
		if (!(p->tls_versions & bit))
			continue;
		reason = profile_tls_unavailable_reason(bit);
		if (reason != NULL) {
			v = profile_tls_versions_str(bit);
			printf("NOTE: %s is unavailable: %s.\n", v, reason);
			free(v);
		}
	}
	if (p->last_tested) {
		char when[32];
		time_t t = (time_t)p->last_tested;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S",
		    localtime(&t));
		printf("\nLast test: %s at %s\n", p->last_result ?
		    p->last_result : "?", when);
	}
}

int
cli_cmd_show(struct cli *c)
{
	struct profile *p = NULL;
	const char *name = NULL;
	char *cause = NULL;
	bool json = false;
	enum pc_err rc;
	int i, ret;

	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--json") == 0)
			json = true;
		else if (name == NULL && c->argv[i][0] != '-')
			name = c->argv[i];
		else
			return cli_usage("show");
	}
	if (name == NULL)
		return cli_usage("show");
	ret = cli_open(c);
	if (ret)
		return ret;
	rc = store_get(c->st, name, &p, &cause);
	if (rc)
		return cli_report(rc, cause);
	if (json) {
		cli_print_profile_json(stdout, p, -1, 2);
		fputc('\n', stdout);
	} else
		cli_show_text(p);
	profile_free(p);
	return CLI_EXIT_OK;
}

int
cli_cmd_add(struct cli *c)
{
	struct profile *p;
	const struct preset *ps = NULL;
	const char *name = NULL;
	char *cause = NULL;
	enum pc_err rc;
	int i, nassign = 0, ret;
	char **assign;
	bool flow_given;

	assign = xcalloc((size_t)c->argc + 1, sizeof *assign);
	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--preset") == 0 && i + 1 < c->argc) {
			ps = presets_find(c->argv[++i]);
			if (ps == NULL) {
				cli_error("unknown preset '%s' ('popconn "
				    "presets' lists them)", c->argv[i]);
				free(assign);
				return CLI_EXIT_USAGE;
			}
		} else if (c->argv[i][0] == '-') {
			free(assign);
			return cli_usage("add");
		} else if (name == NULL)
			name = c->argv[i];
		else
			assign[nassign++] = c->argv[i];
	}
	if (name == NULL) {
		free(assign);
		return cli_usage("add");
	}
	p = profile_new();
	ret = CLI_EXIT_USAGE;
	if (profile_field_set(p, "name", name, &cause) != PC_OK) {
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	if (ps != NULL && presets_apply(ps, p, &cause) != PC_OK) {
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	flow_given = cli_assigns_key(assign, nassign, "oauth_flow");
	ret = cli_apply_assigns(p, assign, nassign);
	if (ret)
		goto out;
	/*
	 * A preset's built-in OAuth2 flow yields to a token command given
	 * here without an oauth_flow: "add X --preset office365
	 * oauth_token_cmd=..." keeps meaning what it meant before issue 15.
	 */
	if (ps != NULL && ps->has_oauth && p->oauth_token_cmd != NULL &&
	    !flow_given)
		p->oauth_flow = PROF_OAUTH_COMMAND;
	ret = cli_validate(p);
	if (ret)
		goto out;
	ret = cli_open(c);
	if (ret)
		goto out;
	rc = store_add(c->st, p, &cause);
	ret = cli_report(rc, cause);
	if (ret == CLI_EXIT_OK) {
		printf("added %s\n", p->name);
		if (ps != NULL && ps->note[0] != '\0')
			printf("note: %s\n", ps->note);
	}
out:
	profile_free(p);
	free(assign);
	return ret;
}

int
cli_cmd_set(struct cli *c)
{
	struct profile *p = NULL, *before = NULL;
	const struct prof_field *f;
	char *cause = NULL;
	enum pc_err rc;
	int i, n, ret, changed = 0;
	bool moved, port_given;

	if (c->argc < 2 || c->argv[0][0] == '-')
		return cli_usage("set");
	for (i = 1; i < c->argc; i++)
		if (strchr(c->argv[i], '=') == NULL)
			return cli_usage("set");
	ret = cli_open(c);
	if (ret)
		return ret;
	rc = store_get(c->st, c->argv[0], &p, &cause);
	if (rc)
		return cli_report(rc, cause);
	before = profile_dup(p);
	/* The port rule: a default port follows the mode unless set too
	 * (looked at first: applying cuts each argument at its '='). */
	for (i = 1; i < c->argc; i++)
		if (strncmp(c->argv[i], "port=", 5) == 0)
			break;
	port_given = i < c->argc;
	ret = cli_apply_assigns(p, c->argv + 1, c->argc - 1);
	if (ret)
		goto out;
	moved = !port_given && p->security != before->security &&
	    profile_port_follow(p, before->security);
	ret = cli_validate(p);
	if (ret)
		goto out;
	f = profile_fields(&n);
	for (i = 0; i < n; i++)
		if (profile_field_differs(before, p, f[i].key))
			changed++;
	if (changed == 0) {
		printf("%s: nothing changed\n", p->name);
		goto out;
	}
	rc = store_save(c->st, p, &cause);
	ret = cli_report(rc, cause);
	if (ret == CLI_EXIT_OK) {
		printf("%s: changed", p->name);
		for (i = 0; i < n; i++)
			if (profile_field_differs(before, p, f[i].key))
				printf(" %s", f[i].key);
		printf("\n");
		if (moved)
			printf("%s: port %d -> %d: the default port follows "
			    "security=%s (a port you typed never moves)\n",
			    p->name, before->port, p->port,
			    profile_security_str(p->security));
		if (profile_port_warning(p) != NULL)
			fprintf(stderr, "popconn: warning: %s: %s\n", p->name,
			    profile_port_warning(p));
	}
out:
	profile_free(before);
	profile_free(p);
	return ret;
}

int
cli_cmd_rm(struct cli *c)
{
	char *cause = NULL;
	enum pc_err rc;
	int ret;

	if (c->argc != 1 || c->argv[0][0] == '-')
		return cli_usage("rm");
	ret = cli_open(c);
	if (ret)
		return ret;
	rc = store_remove(c->st, c->argv[0], &cause);
	ret = cli_report(rc, cause);
	if (ret == CLI_EXIT_OK)
		printf("removed %s\n", c->argv[0]);
	return ret;
}

int
cli_cmd_bulk_set(struct cli *c)
{
	struct store_changes ch;
	struct store_assign *as;
	const char **names;
	const char *group = NULL, *key;
	char *value, *cause = NULL;
	bool dry = false;
	enum pc_err rc;
	int i, nnames = 0, nas = 0, ret = CLI_EXIT_USAGE;

	memset(&ch, 0, sizeof ch);
	names = xcalloc((size_t)c->argc + 1, sizeof *names);
	as = xcalloc((size_t)c->argc + 1, sizeof *as);
	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--dry-run") == 0)
			dry = true;
		else if (strcmp(c->argv[i], "--group") == 0 &&
		    i + 1 < c->argc)
			group = c->argv[++i];
		else if (c->argv[i][0] == '-')
			goto usage;
		else if (strchr(c->argv[i], '=') != NULL) {
			if (cli_parse_assign(c->argv[i], &key, &value))
				goto out;
			as[nas].key = key;
			as[nas++].value = value;
		} else
			names[nnames++] = c->argv[i];
	}
	if (nas == 0 || (group == NULL) == (nnames == 0))
		goto usage;
	ret = cli_open(c);
	if (ret)
		goto out;
	rc = store_bulk_set(c->st, group, nnames ? names : NULL, nnames, as,
	    nas, dry, &ch, &cause);
	if (rc == PC_E_INVALID && ch.nerrors > 0) {
		for (i = 0; i < ch.nerrors; i++)
			cli_error("%s", ch.errors[i]);
		cli_error("nothing changed (%d profile%s would be invalid)",
		    ch.nerrors, ch.nerrors == 1 ? "" : "s");
		free(cause);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	ret = cli_report(rc, cause);
	if (ret)
		goto out;
	for (i = 0; i < ch.n; i++)
		printf("%s: %s: %s -> %s\n", ch.v[i].profile, ch.v[i].field,
		    *ch.v[i].old_value ? ch.v[i].old_value : "(empty)",
		    *ch.v[i].new_value ? ch.v[i].new_value : "(empty)");
	if (ch.bulk_id > 0)
		printf("%d change%s (bulk change #%lld: popconn undo %lld "
		    "reverts it)\n", ch.n, ch.n == 1 ? "" : "s",
		    (long long)ch.bulk_id, (long long)ch.bulk_id);
	else
		printf("%s%d change%s\n", dry ? "dry run: would make " : "",
		    ch.n, ch.n == 1 ? "" : "s");
	goto out;
usage:
	ret = cli_usage("bulk-set");
out:
	store_changes_cleanup(&ch);
	for (i = 0; i < nas; i++)
		xfree_secret((char *)(uintptr_t)as[i].value);
	free(as);
	free(names);
	return ret;
}

/* One audit entry as JSON (history --json). */
static json_t *
cli_history_json(const struct store_audit *a)
{
	json_t *o, *fields;
	char when[32], *copy, *tok, *save;
	time_t t = (time_t)a->when;

	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	fields = json_array();
	copy = xstrdup(a->fields != NULL ? a->fields : "");
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		json_array_append_new(fields, json_string(tok));
	free(copy);
	o = json_object();
	json_object_set_new(o, "id", json_integer(a->id));
	json_object_set_new(o, "time", json_integer(a->when));
	json_object_set_new(o, "when", json_string(when));
	json_object_set_new(o, "os_user", json_string(a->os_user));
	json_object_set_new(o, "profile", json_string(a->profile));
	json_object_set_new(o, "action", json_string(a->action));
	json_object_set_new(o, "fields", fields);
	json_object_set_new(o, "detail", json_string(a->detail));
	json_object_set_new(o, "bulk_id", a->bulk_id > 0 ?
	    json_integer(a->bulk_id) : json_null());
	return o;
}

int
cli_cmd_history(struct cli *c)
{
	struct store_audit_list l = { 0 };
	const char *name = NULL;
	char *cause = NULL, when[32], bulk[32];
	long limit = 100;
	bool json = false;
	enum pc_err rc;
	json_t *arr;
	time_t t;
	int i, ret;

	for (i = 0; i < c->argc; i++)
		if (strcmp(c->argv[i], "--tests") == 0)
			return cli_hist_cmd(c);
	ret = cli_hist_args(c, &name, &limit, &json);
	if (ret)
		return ret;
	rc = store_history(c->st, name, (int)limit, &l, &cause);
	if (rc)
		return cli_report(rc, cause);
	/* No entry for that name: a profile that exists (its history may
	 * predate the audit log) lists nothing; a name that never was is
	 * "not found". */
	if (name != NULL && l.n == 0) {
		struct profile *p = NULL;

		rc = store_get(c->st, name, &p, &cause);
		profile_free(p);
		if (rc) {
			store_audit_list_cleanup(&l);
			if (rc == PC_E_NOTFOUND) {
				free(cause);
				cli_error("no profile named '%s' and no history "
				    "for that name", name);
				return CLI_EXIT_NOTFOUND;
			}
			return cli_report(rc, cause);
		}
	}
	if (json) {
		arr = json_array();
		for (i = 0; i < l.n; i++)
			json_array_append_new(arr, cli_history_json(&l.v[i]));
		cli_json_print(arr);
		store_audit_list_cleanup(&l);
		return CLI_EXIT_OK;
	}
	for (i = 0; i < l.n; i++) {
		t = (time_t)l.v[i].when;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S",
		    localtime(&t));
		/* A bulk change's rows (and its undo's) carry its ID. */
		bulk[0] = '\0';
		if (l.v[i].bulk_id > 0)
			snprintf(bulk, sizeof bulk, "#%lld ",
			    (long long)l.v[i].bulk_id);
		printf("%s  %-10s %-8s %-20s %s%s\n", when, l.v[i].os_user,
		    l.v[i].action, l.v[i].profile, bulk,
		    l.v[i].detail && *l.v[i].detail ? l.v[i].detail :
		    l.v[i].fields ? l.v[i].fields : "");
	}
	store_audit_list_cleanup(&l);
	return CLI_EXIT_OK;
}

int
cli_cmd_undo(struct cli *c)
{
	struct store_changes ch;
	struct store_bulk_op op;
	char *cause = NULL, when[32];
	const char *prev = NULL;
	long id = 0;
	bool dry = false, have_id = false;
	enum pc_err rc;
	time_t t;
	int i, ret;

	memset(&ch, 0, sizeof ch);
	memset(&op, 0, sizeof op);
	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--dry-run") == 0)
			dry = true;
		else if (!have_id && c->argv[i][0] != '-') {
			if (str_to_int(c->argv[i][0] == '#' ? c->argv[i] + 1 :
			    c->argv[i], 1, 2147483647, &id)) {
				cli_error("undo: '%s' is not the ID of a bulk "
				    "change (a number, see popconn history)",
				    c->argv[i]);
				return CLI_EXIT_USAGE;
			}
			have_id = true;
		} else
			return cli_usage("undo");
	}
	ret = cli_open(c);
	if (ret)
		return ret;
	rc = store_bulk_undo(c->st, id, dry, &op, &ch, &cause);
	if (rc == PC_E_CONFLICT && ch.nerrors > 0) {
		for (i = 0; i < ch.nerrors; i++)
			cli_error("%s", ch.errors[i]);
		cli_error("cannot undo bulk change #%lld: nothing was undone "
		    "(%d profile%s changed or removed after it)",
		    (long long)op.id, ch.nerrors, ch.nerrors == 1 ? "" : "s");
		free(cause);
		ret = CLI_EXIT_CONFLICT;
		goto out;
	}
	ret = cli_report(rc, cause);
	if (ret)
		goto out;
	for (i = 0; i < ch.n; i++) {
		/* One profile's fields on consecutive lines: name it once. */
		if (prev == NULL || strcmp(prev, ch.v[i].profile) != 0)
			printf("%s\n", ch.v[i].profile);
		prev = ch.v[i].profile;
		printf("    %s: %s -> %s\n", ch.v[i].field,
		    *ch.v[i].old_value ? ch.v[i].old_value : "(empty)",
		    *ch.v[i].new_value ? ch.v[i].new_value : "(empty)");
	}
	t = (time_t)op.when;
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&t));
	printf("%s bulk change #%lld (%s, %s; %s): %d profile%s %s\n",
	    dry ? "dry run, nothing written: would undo" : "undid",
	    (long long)op.id, op.os_user, when, op.fields, ch.nprofiles,
	    ch.nprofiles == 1 ? "" : "s", dry ? "to restore" : "restored");
out:
	store_changes_cleanup(&ch);
	store_bulk_op_cleanup(&op);
	return ret;
}

int
cli_cmd_presets(struct cli *c)
{
	const struct preset *ps;
	int i, n;

	if (c->argc != 0)
		return cli_usage("presets");
	ps = presets_all(&n);
	printf("%-10s %-14s %-24s %5s %-4s %-8s %s\n", "PRESET", "SERVICE",
	    "ADDRESS", "PORT", "SEC", "AUTH", "NOTE");
	for (i = 0; i < n; i++)
		printf("%-10s %-14s %-24s %5d %-4s %-8s %s\n", ps[i].key,
		    ps[i].label, ps[i].address ? ps[i].address : "(no POP3)",
		    ps[i].port, profile_security_str(ps[i].security),
		    profile_auth_str(ps[i].auth), ps[i].note);
	return CLI_EXIT_OK;
}

int
cli_cmd_fields(struct cli *c)
{
	static const char *const tabs[] = { "Common", "Connection",
	    "Authentication", "Proxy" };
	const struct prof_field *f;
	int i, j, n;

	if (c->argc != 0)
		return cli_usage("fields");
	f = profile_fields(&n);
	for (i = 0; i < n; i++) {
		printf("%-16s %-15s %s", f[i].key, tabs[f[i].tab], f[i].help);
		if (f[i].choices != NULL) {
			printf(" [");
			for (j = 0; f[i].choices[j] != NULL; j++)
				printf("%s%s", j ? " " : "", f[i].choices[j]);
			printf("]");
		}
		if (f[i].type == PROF_F_SECRET)
			printf(" (secret: give %s=- and the value on "
			    "standard input)", f[i].key);
		printf("\n");
	}
	return CLI_EXIT_OK;
}

int
cli_cmd_codepages(struct cli *c)
{
	const struct codepage *cp;
	int i, n;

	if (c->argc != 0)
		return cli_usage("codepages");
	cp = codepage_all(&n);
	for (i = 0; i < n; i++)
		printf("%6d  %-16s %-12s %s\n", cp[i].number, cp[i].name,
		    cp[i].iconv, cp[i].label);
	return CLI_EXIT_OK;
}

int
cli_cmd_rekey(struct cli *c)
{
	const char *to = NULL;
	char *pass = NULL, *again = NULL, *cause = NULL;
	long fd = -1;
	int i, ret, n = 0;
	enum pc_err rc;

	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--to") == 0 && i + 1 < c->argc)
			to = c->argv[++i];
		else if (strcmp(c->argv[i], "--new-passphrase-fd") == 0 &&
		    i + 1 < c->argc) {
			if (str_to_int(c->argv[++i], 0, 1024, &fd)) {
				cli_error("--new-passphrase-fd: '%s' is not a "
				    "file descriptor number", c->argv[i]);
				return CLI_EXIT_USAGE;
			}
		} else
			return cli_usage("rekey");
	}
	if (to != NULL && strcmp(to, "keyfile") != 0 &&
	    strcmp(to, "passphrase") != 0) {
		cli_error("--to: '%s' is not keyfile or passphrase", to);
		return CLI_EXIT_USAGE;
	}
	ret = cli_open(c);
	if (ret)
		return ret;
	if (to == NULL)
		to = store_key_mode(c->st);
	if (strcmp(to, "passphrase") == 0) {
		if (fd >= 0)
			rc = cli_read_secret_fd((int)fd, "--new-passphrase-fd",
			    &pass);
		else if (isatty(STDIN_FILENO)) {
			rc = cli_read_secret("new master passphrase", &pass);
			if (rc == PC_OK)
				rc = cli_read_secret("repeat it", &again);
			if (rc == PC_OK && strcmp(pass, again) != 0) {
				cli_error("the passphrases differ; nothing "
				    "changed");
				rc = PC_E_INVALID;
			}
		} else {
			cli_error("rekey --to passphrase: give the new "
			    "passphrase with --new-passphrase-fd N or at a "
			    "terminal (never on the command line)");
			rc = PC_E_INVALID;
		}
		if (rc) {
			ret = CLI_EXIT_USAGE;
			goto out;
		}
	}
	rc = store_rekey(c->st, pass, &n, &cause);
	ret = cli_report(rc, cause);
	if (ret == CLI_EXIT_OK)
		printf("re-sealed %d secret%s under a new key (%s)\n", n,
		    n == 1 ? "" : "s", strcmp(to, "passphrase") == 0 ?
		    "master passphrase" : c->key_path);
out:
	xfree_secret(pass);
	xfree_secret(again);
	return ret;
}
