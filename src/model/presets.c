/*
 * presets.c - "default settings for some servers".  The presets are data:
 * data/presets.tsv, compiled into the binary and parsed once on first use.
 * A malformed line in that file is a build-time mistake, caught by the unit
 * test that loads every preset.
 */
#include <stdlib.h>
#include <string.h>

#include "popconn/embed.h"
#include "popconn/presets.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"

extern const struct pc_embed presets_files[];
extern const int presets_files_count;

#define PRESETS_MAX 64

static struct preset presets_table[PRESETS_MAX];
static int presets_n = -1;
static char *presets_text;	/* owns the strings of presets_table */

static int
presets_choice(const char *const *keys, const char *v)
{
	int i;

	for (i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], v) == 0)
			return i;
	return -1;
}

static void
presets_load(void)
{
	/* The field table's own keys: one list of values, not two. */
	const char *const *sec = profile_field_find("security")->choices;
	const char *const *auth = profile_field_find("auth")->choices;
	char *line, *save, *col[7], *p;
	struct preset *ps;
	int n, c;

	presets_n = 0;
	if (presets_files_count < 1)
		return;
	presets_text = xstrdup(presets_files[0].data);
	for (line = strtok_r(presets_text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (*line == '#' || *line == '\0')
			continue;
		for (c = 0, p = line; c < 7; c++) {
			col[c] = p;
			p = p == NULL ? NULL : strchr(p, '\t');
			if (p != NULL)
				*p++ = '\0';
		}
		if (col[6] == NULL || presets_n == PRESETS_MAX)
			continue;
		ps = &presets_table[presets_n];
		ps->key = col[0];
		ps->label = col[1];
		ps->address = strcmp(col[2], "-") == 0 ? NULL : col[2];
		ps->port = atoi(col[3]);
		n = presets_choice(sec, col[4]);
		ps->security = n < 0 ? PROF_SEC_SSL : (enum prof_security)n;
		n = presets_choice(auth, col[5]);
		ps->auth = n < 0 ? PROF_AUTH_AUTO : (enum prof_auth)n;
		ps->note = col[6];
		presets_n++;
	}
}

const struct preset *
presets_all(int *n)
{
	if (presets_n < 0)
		presets_load();
	*n = presets_n;
	return presets_table;
}

const struct preset *
presets_find(const char *key)
{
	int i, n;
	const struct preset *all;

	all = presets_all(&n);
	for (i = 0; i < n; i++)
		if (str_ieq(all[i].key, key))
			return &all[i];
	return NULL;
}

enum pc_err
presets_apply(const struct preset *ps, struct profile *p, char **cause)
{
	if (ps->address == NULL) {
		if (cause != NULL)
			*cause = xasprintf("preset %s: %s", ps->key, ps->note);
		return PC_E_INVALID;
	}
	xstr_replace(&p->address, ps->address);
	p->security = ps->security;
	/* Filled in, not typed: the port rule may still move it. */
	p->port = ps->port;
	p->port_typed = false;
	p->auth = ps->auth;
	return PC_OK;
}
