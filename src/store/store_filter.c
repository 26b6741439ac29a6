/*
 * store_filter.c - the filter syntax of the list ("/" in the TUI): plain
 * words and the terms status:, group:, cert<N and untested>N, parsed into
 * a list of terms (store_filter_parse) and turned into SQL WHERE terms
 * with their parameters (store_where_*) for the paged listing in store.c.
 * Every term is a condition on one profile row; cert terms read the newest
 * test result of the row through the index test_results_by_profile, one
 * lookup per row, never a scan of the history.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "popconn/buf.h"
#include "popconn/diag.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"
#include "store_int.h"

#define STORE_FILTER_MAX_TERMS	32
#define STORE_DAY		86400

void
store_fterms_cleanup(struct store_fterms *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->v[i].text);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const char *
store_sort_str(enum store_sort s)
{
	switch (s) {
	case STORE_SORT_RESULT:
		return "result";
	case STORE_SORT_CERT:
		return "cert";
	case STORE_SORT_AGE:
		return "age";
	default:
		return "name";
	}
}

/* Whether word starts with prefix (ASCII case-insensitive). */
static bool
store_filter_prefix(const char *word, const char *prefix)
{
	return strncasecmp(word, prefix, strlen(prefix)) == 0;
}

/* A whole number (an optional sign, digits) at most 100 years of days. */
static bool
store_filter_num(const char *s, size_t len, int64_t *out)
{
	char buf[16];
	char *end;
	long v;

	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!isdigit((unsigned char)buf[buf[0] == '-' || buf[0] == '+']))
		return false;
	v = strtol(buf, &end, 10);
	if (*end != '\0' || v < -36500 || v > 36500)
		return false;
	*out = v;
	return true;
}

/* One blank-separated word into t.  PC_E_INVALID names the word. */
static enum pc_err
store_filter_word(const char *w, struct store_fterm *t, char **cause)
{
	const char *v;
	size_t len;
	int64_t n;
	int mul;

	memset(t, 0, sizeof *t);
	if (store_filter_prefix(w, "status:")) {
		v = w + 7;
		if (strcasecmp(v, "ok") == 0)
			t->kind = STORE_FT_OK;
		else if (strcasecmp(v, "failed") == 0)
			t->kind = STORE_FT_FAILED;
		else if (strcasecmp(v, "untested") == 0)
			t->kind = STORE_FT_UNTESTED;
		else {
			/* Diagnosis keys are lower case. */
			t->text = xstrdup(v);
			for (len = 0; t->text[len] != '\0'; len++)
				t->text[len] = (char)tolower(
				    (unsigned char)t->text[len]);
			t->kind = STORE_FT_DIAG;
		}
		if (t->kind == STORE_FT_DIAG && diag_from_key(t->text) < 0) {
			free(t->text);
			t->text = NULL;
			return store_fail(cause, PC_E_INVALID, "status: takes "
			    "ok, failed, untested or a diagnosis such as "
			    "auth_failed: %s", w);
		}
		return PC_OK;
	}
	if (store_filter_prefix(w, "group:")) {
		t->kind = STORE_FT_GROUP;
		t->text = xstrdup(w + 6);
		return PC_OK;
	}
	if (store_filter_prefix(w, "cert<") || store_filter_prefix(w, "cert>")) {
		v = w + 5;
		len = strlen(v);
		if (len > 0 && (v[len - 1] == 'd' || v[len - 1] == 'D'))
			len--;
		if (!store_filter_num(v + (*v == '='), len - (*v == '='), &n))
			return store_fail(cause, PC_E_INVALID, "%.5s needs a "
			    "number of days: %s", w, w);
		if (w[4] == '<') {
			t->kind = STORE_FT_CERT_LT;
			t->n = *v == '=' ? n + 1 : n;
		} else {
			t->kind = STORE_FT_CERT_GE;
			t->n = *v == '=' ? n : n + 1;
		}
		return PC_OK;
	}
	if (store_filter_prefix(w, "untested>")) {
		v = w + 9;
		len = strlen(v);
		mul = STORE_DAY;
		if (len > 0 && strchr("dDhHwW", v[len - 1]) != NULL) {
			if (tolower((unsigned char)v[len - 1]) == 'h')
				mul = 3600;
			else if (tolower((unsigned char)v[len - 1]) == 'w')
				mul = 7 * STORE_DAY;
			len--;
		}
		if (!store_filter_num(v, len, &n) || n < 0)
			return store_fail(cause, PC_E_INVALID, "untested> needs "
			    "a time such as 7d, 12h or 2w: %s", w);
		t->kind = STORE_FT_UNTESTED_GT;
		t->n = n * mul;
		return PC_OK;
	}
	t->kind = STORE_FT_WORD;
	t->text = xstrdup(w);
	return PC_OK;
}

enum pc_err
store_filter_parse(const char *text, struct store_fterms *out, char **cause)
{
	const char *p = text != NULL ? text : "", *e;
	enum pc_err rc = PC_OK;
	char *w;

	out->v = NULL;
	out->n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		if (out->n == STORE_FILTER_MAX_TERMS) {
			rc = store_fail(cause, PC_E_INVALID, "a filter holds "
			    "at most %d words", STORE_FILTER_MAX_TERMS);
			break;
		}
		w = xstrndup(p, (size_t)(e - p));
		out->v = xreallocarray(out->v, (size_t)out->n + 1,
		    sizeof *out->v);
		rc = store_filter_word(w, &out->v[out->n], cause);
		free(w);
		if (rc)
			break;
		out->n++;
		p = e;
	}
	if (rc)
		store_fterms_cleanup(out);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The SQL of a filter. */

/* Not tested: the same test as the list's "not tested". */
#define STORE_UNTESTED_SQL \
	"(last_result IS NULL OR coalesce(last_tested, 0) <= 0)"

const char *
store_where_order(const struct store_filter *f)
{
	switch (f != NULL ? f->sort : STORE_SORT_NAME) {
	case STORE_SORT_RESULT:
		return "group_name, CASE WHEN " STORE_UNTESTED_SQL " THEN 1 "
		    "WHEN last_result = 'ok' THEN 2 ELSE 0 END, name";
	case STORE_SORT_CERT:
		return "group_name, " STORE_CERT_SQL " IS NULL, "
		    STORE_CERT_SQL ", name";
	case STORE_SORT_AGE:
		return "group_name, CASE WHEN " STORE_UNTESTED_SQL " THEN 0 "
		    "ELSE last_tested END, name";
	default:
		return "group_name, name";
	}
}

enum pc_err
store_where_build(const struct store_filter *f, const char *extra,
    struct store_where *w, char **cause)
{
	const struct store_fterm *t;
	const char *and = " WHERE ";
	struct buf b;
	enum pc_err rc;
	int i, k;

	memset(w, 0, sizeof *w);
	w->now = f != NULL && f->now != 0 ? f->now : (int64_t)time(NULL);
	if (f != NULL) {
		rc = store_filter_parse(f->text, &w->terms, cause);
		if (rc)
			return rc;
	}
	buf_init(&b, 0);
	if (f != NULL && f->group != NULL) {
		buf_addf(&b, "%s%s", and, *f->group == '\0' ?
		    "group_name IS NULL" : "group_name = ?1");
		and = " AND ";
	}
	for (i = 0; i < w->terms.n; i++) {
		t = &w->terms.v[i];
		k = STORE_WHERE_FIRST + i;
		buf_addstr(&b, and);
		and = " AND ";
		switch (t->kind) {
		case STORE_FT_WORD:
			buf_addf(&b, "(instr(lower(name), lower(?%d)) > 0 OR "
			    "instr(lower(coalesce(group_name, '')), "
			    "lower(?%d)) > 0 OR "
			    "instr(lower(coalesce(address, '')), "
			    "lower(?%d)) > 0 OR "
			    "instr(lower(coalesce(username, '')), "
			    "lower(?%d)) > 0)", k, k, k, k);
			break;
		case STORE_FT_GROUP:
			if (*t->text == '\0')
				buf_addstr(&b, "group_name IS NULL");
			else
				buf_addf(&b, "group_name = ?%d", k);
			break;
		case STORE_FT_OK:
			buf_addstr(&b, "(last_result = 'ok' AND "
			    "last_tested > 0)");
			break;
		case STORE_FT_FAILED:
			buf_addstr(&b, "(last_result <> 'ok' AND "
			    "last_tested > 0)");
			break;
		case STORE_FT_UNTESTED:
			buf_addstr(&b, STORE_UNTESTED_SQL);
			break;
		case STORE_FT_DIAG:
			buf_addf(&b, "(last_result = ?%d AND "
			    "last_tested > 0)", k);
			break;
		case STORE_FT_CERT_LT:
			buf_addf(&b, STORE_CERT_SQL " < ?%d", k);
			break;
		case STORE_FT_CERT_GE:
			buf_addf(&b, STORE_CERT_SQL " >= ?%d", k);
			break;
		case STORE_FT_UNTESTED_GT:
			buf_addf(&b, "(" STORE_UNTESTED_SQL " OR "
			    "last_tested < ?%d)", k);
			break;
		}
	}
	if (extra != NULL)
		buf_addf(&b, "%s%s", and, extra);
	w->sql = buf_take(&b);
	return PC_OK;
}

void
store_where_bind(sqlite3_stmt *s, const struct store_filter *f,
    const struct store_where *w)
{
	const struct store_fterm *t;
	int i, k;

	if (f != NULL && f->group != NULL && *f->group != '\0')
		sqlite3_bind_text(s, 1, f->group, -1, SQLITE_STATIC);
	for (i = 0; i < w->terms.n; i++) {
		t = &w->terms.v[i];
		k = STORE_WHERE_FIRST + i;
		switch (t->kind) {
		case STORE_FT_WORD:
		case STORE_FT_GROUP:
		case STORE_FT_DIAG:
			if (*t->text != '\0')
				sqlite3_bind_text(s, k, t->text, -1,
				    SQLITE_STATIC);
			break;
		case STORE_FT_CERT_LT:
		case STORE_FT_CERT_GE:
			/* Whole days left, rounded down (as check and
			 * report count them): days < n is not_after <
			 * now + n days. */
			sqlite3_bind_int64(s, k, w->now + t->n * STORE_DAY);
			break;
		case STORE_FT_UNTESTED_GT:
			sqlite3_bind_int64(s, k, w->now - t->n);
			break;
		default:
			break;
		}
	}
}

void
store_where_cleanup(struct store_where *w)
{
	free(w->sql);
	store_fterms_cleanup(&w->terms);
	memset(w, 0, sizeof *w);
}
