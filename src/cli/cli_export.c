/*
 * cli_export.c - "popconn export": profiles as JSON (jansson) or CSV.
 * Secrets leave popconn only sealed: export --with-secrets asks for a
 * passphrase and writes each secret as "pc1$ITER$SALT$SEALED"
 * (cli_xfer.c); without it a secret shows as set/unset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>
#include <jansson.h>

#include "cli_int.h"
#include "cli_xfer_int.h"
#include "popconn/profile.h"

static enum pc_err
cli_export_json(FILE *f, struct store_list *l, struct xfer_key *k)
{
	const struct prof_field *fl;
	const char *sv;
	json_t *o;
	char *s, *sealed, *key;
	int i, j, nf;
	enum pc_err rc;

	fl = profile_fields(&nf);
	fputs("[", f);
	for (i = 0; i < l->n; i++) {
		fputs(i ? ",\n" : "\n", f);
		if (k == NULL) {
			cli_print_profile_json(f, l->v[i], l->secrets != NULL ?
			    (int)l->secrets[i] : -1, 0);
			continue;
		}
		o = cli_profile_json(l->v[i], -1);
		/* Every secret field, sealed under the export passphrase. */
		for (j = 0; j < nf; j++) {
			if (fl[j].type != PROF_F_SECRET)
				continue;
			sv = profile_secret_get(l->v[i], fl[j].key);
			if (sv == NULL)
				continue;
			rc = cli_xfer_seal(k, sv, &sealed);
			if (rc) {
				json_decref(o);
				return rc;
			}
			key = xasprintf("%s_enc", fl[j].key);
			json_object_set_new(o, key, json_string(sealed));
			free(key);
			free(sealed);
		}
		s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
		fputs(s, f);
		free(s);
		json_decref(o);
	}
	fputs(l->n ? "\n]\n" : "]\n", f);
	return PC_OK;
}

static void
cli_export_csv_cell(FILE *f, const char *s, int first)
{
	if (!first)
		fputc(',', f);
	csv_fwrite(f, s, strlen(s));
}

static enum pc_err
cli_export_csv(FILE *f, struct store_list *l, struct xfer_key *k)
{
	const struct prof_field *fl;
	char *v, *sealed, *name;
	int i, j, n;
	enum pc_err rc;

	fl = profile_fields(&n);
	for (j = 0; j < n; j++) {
		name = fl[j].type == PROF_F_SECRET ? xasprintf("%s_%s",
		    fl[j].key, k ? "enc" : "set") : xstrdup(fl[j].key);
		cli_export_csv_cell(f, name, j == 0);
		free(name);
	}
	fputs("\r\n", f);
	for (i = 0; i < l->n; i++) {
		for (j = 0; j < n; j++) {
			if (fl[j].type == PROF_F_SECRET && k != NULL) {
				const char *sv = profile_secret_get(l->v[i],
				    fl[j].key);
				sealed = NULL;
				if (sv != NULL) {
					rc = cli_xfer_seal(k, sv, &sealed);
					if (rc)
						return rc;
				}
				cli_export_csv_cell(f, sealed ? sealed : "",
				    j == 0);
				free(sealed);
				continue;
			}
			v = profile_field_get(l->v[i], fl[j].key);
			if (fl[j].type == PROF_F_SECRET && l->secrets != NULL)
				cli_export_csv_cell(f, l->secrets[i] &
				    store_secret_bit(fl[j].key) ? "yes" : "no",
				    j == 0);
			else if (fl[j].type == PROF_F_SECRET)
				cli_export_csv_cell(f, *v ? "yes" : "no",
				    j == 0);
			else
				cli_export_csv_cell(f, v, j == 0);
			free(v);
		}
		fputs("\r\n", f);
	}
	return PC_OK;
}

int
cli_cmd_export(struct cli *c)
{
	struct store_list l = { 0 };
	struct xfer_key key;
	const char *group = NULL, *fmt = NULL, *out = NULL;
	char *cause = NULL, *tmp = NULL;
	bool secrets = false;
	FILE *f = stdout;
	enum pc_err rc;
	int i, ret, fd;

	memset(&key, 0, sizeof key);
	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--group") == 0 && i + 1 < c->argc)
			group = c->argv[++i];
		else if (strcmp(c->argv[i], "--format") == 0 && i + 1 < c->argc)
			fmt = c->argv[++i];
		else if (strcmp(c->argv[i], "-o") == 0 && i + 1 < c->argc)
			out = c->argv[++i];
		else if (strcmp(c->argv[i], "--with-secrets") == 0)
			secrets = true;
		else
			return cli_usage("export");
	}
	fmt = cli_xfer_format(fmt, out);
	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0) {
		cli_error("--format: '%s' is not json or csv", fmt);
		return CLI_EXIT_USAGE;
	}
	ret = cli_open(c);
	if (ret)
		return ret;
	if (secrets && cli_xfer_passphrase(&key, true) != PC_OK) {
		ret = CLI_EXIT_USAGE;	/* the key holds a secret: wipe it */
		goto out;
	}
	rc = store_list(c->st, group, secrets, &l, &cause);
	if (rc) {
		ret = cli_report(rc, cause);
		goto out;
	}
	if (group != NULL && l.n == 0) {
		cli_group_not_found(group);
		ret = CLI_EXIT_NOTFOUND;
		goto out;
	}
	if (out != NULL && strcmp(out, "-") != 0) {
		/* Write beside the target, then rename: never half a file. */
		tmp = xasprintf("%s.tmp.XXXXXX", out);
		fd = mkstemp(tmp);
		if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
			cli_error("-o: cannot write %s: %s", out,
			    strerror(errno));
			ret = CLI_EXIT_USAGE;
			free(tmp);
			tmp = NULL;
			goto out;
		}
	}
	if (strcmp(fmt, "json") == 0)
		rc = cli_export_json(f, &l, secrets ? &key : NULL);
	else
		rc = cli_export_csv(f, &l, secrets ? &key : NULL);
	if (f != stdout) {
		if (fflush(f) != 0 || fsync(fileno(f)) != 0)
			rc = PC_E_IO;
		fclose(f);
		if (rc == PC_OK && rename(tmp, out) != 0)
			rc = PC_E_IO;
		if (rc)
			unlink(tmp);
	}
	if (rc) {
		cli_error("export failed: %s", pc_err_str(rc));
		ret = CLI_EXIT_DB;
	} else if (out != NULL && strcmp(out, "-") != 0)
		fprintf(stderr, "exported %d profile%s to %s\n", l.n,
		    l.n == 1 ? "" : "s", out);
out:
	free(tmp);
	store_list_cleanup(&l);
	cli_xfer_key_cleanup(&key);
	return ret;
}
