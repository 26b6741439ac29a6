/*
 * cli_fleet.c - "popconn report [--group G] [--json]": a summary of a
 * group (or of every profile) from the profiles and the newest result of
 * each in the test history: results by diagnosis, TLS versions, ciphers
 * and logon methods in use, weak settings (tls_verify off,
 * allow_plaintext, TLS 1.1 or older allowed, security none), certificates
 * expiring within 30 days, profiles failing and since when, profiles never
 * tested or not tested for 7 days.  Reads only; runs no logon.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_int.h"
#include "popconn/profile.h"

#define CLI_FLEET_CERT_DAYS	30
#define CLI_FLEET_STALE_DAYS	7

/* A count per distinct text, in order of first appearance. */
struct cli_fleet_tally {
	char		**key;
	int		 *n;
	int		  len;
};

static void
cli_fleet_count(struct cli_fleet_tally *t, const char *key)
{
	int i;

	for (i = 0; i < t->len; i++)
		if (strcmp(t->key[i], key) == 0) {
			t->n[i]++;
			return;
		}
	t->key = xreallocarray(t->key, (size_t)t->len + 1, sizeof *t->key);
	t->n = xreallocarray(t->n, (size_t)t->len + 1, sizeof *t->n);
	t->key[t->len] = xstrdup(key);
	t->n[t->len++] = 1;
}

static void
cli_fleet_tally_cleanup(struct cli_fleet_tally *t)
{
	int i;

	for (i = 0; i < t->len; i++)
		free(t->key[i]);
	free(t->key);
	free(t->n);
}

/* Most used first; ties by name. */
static void
cli_fleet_sort(struct cli_fleet_tally *t)
{
	char *k;
	int i, j, n;

	for (i = 1; i < t->len; i++)
		for (j = i; j > 0 && (t->n[j] > t->n[j - 1] || (t->n[j] ==
		    t->n[j - 1] && strcmp(t->key[j], t->key[j - 1]) < 0));
		    j--) {
			k = t->key[j];
			t->key[j] = t->key[j - 1];
			t->key[j - 1] = k;
			n = t->n[j];
			t->n[j] = t->n[j - 1];
			t->n[j - 1] = n;
		}
}

/* A list of lines about profiles: JSON objects and text at once. */
struct cli_fleet_list {
	json_t		*j;		/* array */
	char		**text;
	int		  len;
};

static void
cli_fleet_add(struct cli_fleet_list *l, json_t *o, char *text)
{
	json_array_append_new(l->j, o);
	l->text = xreallocarray(l->text, (size_t)l->len + 1,
	    sizeof *l->text);
	l->text[l->len++] = text;
}

struct cli_fleet {
	int64_t		 now;
	int		 profiles, tested;
	struct cli_fleet_tally diag, versions, ciphers, methods;
	struct cli_fleet_list weak, expiring, failing, never, stale;
};

static const char *
cli_fleet_weak_versions(unsigned v)
{
	if (v & PROF_TLS_SSL2)
		return "SSL 2";
	if (v & PROF_TLS_SSL3)
		return "SSL 3";
	if (v & PROF_TLS_10)
		return "TLS 1.0";
	if (v & PROF_TLS_11)
		return "TLS 1.1";
	return NULL;
}

/* The weak settings of p, as JSON strings in a and one text line. */
static void
cli_fleet_weak(struct cli_fleet *f, const struct profile *p)
{
	json_t *a = json_array(), *o;
	char *text = NULL, *s;
	const char *old;
	const char *why[4];
	int n = 0, i;

	if (p->security == PROF_SEC_NONE)
		why[n++] = "security none (no encryption)";
	else {
		if (p->tls_verify == PROF_VERIFY_OFF)
			why[n++] = "tls_verify off";
		old = cli_fleet_weak_versions(p->tls_versions);
		if (old != NULL)
			why[n++] = strcmp(old, "TLS 1.1") == 0 ?
			    "TLS 1.1 allowed" : "TLS 1.0 or older allowed";
	}
	if (p->allow_plaintext)
		why[n++] = "allow_plaintext";
	if (n == 0) {
		json_decref(a);
		return;
	}
	for (i = 0; i < n; i++) {
		json_array_append_new(a, json_string(why[i]));
		s = xasprintf("%s%s%s", text != NULL ? text : "",
		    text != NULL ? ", " : "", why[i]);
		free(text);
		text = s;
	}
	o = json_object();
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "settings", a);
	s = xasprintf("%-24s %s", p->name, text);
	free(text);
	cli_fleet_add(&f->weak, o, s);
}

static json_t *
cli_fleet_jtime(int64_t t)
{
	char buf[40];

	cli_hist_time(t, buf, sizeof buf, true);
	return json_string(buf);
}

/* What the newest result of p says. */
static void
cli_fleet_result(struct cli_fleet *f, const struct profile *p,
    const struct store_test *t)
{
	char when[40];
	int64_t days, since;
	json_t *o;

	f->tested++;
	cli_fleet_count(&f->diag, t->diagnosis);
	if (t->tls_version != NULL)
		cli_fleet_count(&f->versions, t->tls_version);
	if (t->tls_cipher != NULL)
		cli_fleet_count(&f->ciphers, t->tls_cipher);
	if (t->method != NULL && strcmp(t->diagnosis, "ok") == 0)
		cli_fleet_count(&f->methods, t->method);
	if (t->cert_not_after != 0) {
		days = t->cert_not_after - f->now;
		days = days >= 0 ? days / 86400 : -((-days + 86399) / 86400);
		if (days < CLI_FLEET_CERT_DAYS) {
			o = json_object();
			json_object_set_new(o, "name", json_string(p->name));
			json_object_set_new(o, "days_left", json_integer(days));
			json_object_set_new(o, "not_after",
			    cli_fleet_jtime(t->cert_not_after));
			json_object_set_new(o, "cert_sha256",
			    json_string(t->cert_sha256 != NULL ?
			    t->cert_sha256 : ""));
			cli_hist_time(t->cert_not_after, when, sizeof when,
			    false);
			cli_fleet_add(&f->expiring, o, xasprintf("%-24s %5lld "
			    "days left (until %s)", p->name, (long long)days,
			    when));
		}
	}
	if (strcmp(t->diagnosis, "ok") != 0) {
		since = t->failing_since != 0 ? t->failing_since : t->when;
		o = json_object();
		json_object_set_new(o, "name", json_string(p->name));
		json_object_set_new(o, "diagnosis", json_string(t->diagnosis));
		json_object_set_new(o, "failed_step", t->failed_step != NULL ?
		    json_string(t->failed_step) : json_null());
		json_object_set_new(o, "failing_since", cli_fleet_jtime(since));
		json_object_set_new(o, "last_tested", cli_fleet_jtime(t->when));
		cli_hist_time(since, when, sizeof when, false);
		cli_fleet_add(&f->failing, o, xasprintf("%-24s %-22s since %s",
		    p->name, t->diagnosis, when));
	}
}

/* Never tested, or not for CLI_FLEET_STALE_DAYS. */
static void
cli_fleet_age(struct cli_fleet *f, const struct profile *p, int64_t last)
{
	char when[40];
	json_t *o;

	if (last == 0) {
		o = json_object();
		json_object_set_new(o, "name", json_string(p->name));
		cli_fleet_add(&f->never, o, xasprintf("%s", p->name));
		return;
	}
	if (f->now - last < CLI_FLEET_STALE_DAYS * 86400)
		return;
	o = json_object();
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "last_tested", cli_fleet_jtime(last));
	json_object_set_new(o, "days", json_integer((f->now - last) / 86400));
	cli_hist_time(last, when, sizeof when, false);
	cli_fleet_add(&f->stale, o, xasprintf("%-24s last tested %s (%lld "
	    "days ago)", p->name, when, (long long)((f->now - last) / 86400)));
}

static json_t *
cli_fleet_tally_json(struct cli_fleet_tally *t)
{
	json_t *o = json_object();
	int i;

	cli_fleet_sort(t);
	for (i = 0; i < t->len; i++)
		json_object_set_new(o, t->key[i], json_integer(t->n[i]));
	return o;
}

static void
cli_fleet_tally_print(const char *title, struct cli_fleet_tally *t)
{
	int i;

	cli_fleet_sort(t);
	printf("\n%s:\n", title);
	if (t->len == 0)
		printf("  (none)\n");
	for (i = 0; i < t->len; i++)
		printf("  %-40s %6d\n", t->key[i], t->n[i]);
}

static void
cli_fleet_list_print(const char *title, const struct cli_fleet_list *l)
{
	int i;

	printf("\n%s: %d\n", title, l->len);
	for (i = 0; i < l->len; i++)
		printf("  %s\n", l->text[i]);
}

static void
cli_fleet_list_cleanup(struct cli_fleet_list *l)
{
	int i;

	for (i = 0; i < l->len; i++)
		free(l->text[i]);
	free(l->text);
	json_decref(l->j);
}

static void
cli_fleet_print(struct cli_fleet *f, const char *group, bool json)
{
	json_t *o;

	if (json) {
		o = json_object();
		json_object_set_new(o, "group", group != NULL ?
		    json_string(group) : json_null());
		json_object_set_new(o, "generated", cli_fleet_jtime(f->now));
		json_object_set_new(o, "profiles", json_integer(f->profiles));
		json_object_set_new(o, "tested", json_integer(f->tested));
		json_object_set_new(o, "by_diagnosis",
		    cli_fleet_tally_json(&f->diag));
		json_object_set_new(o, "tls_versions",
		    cli_fleet_tally_json(&f->versions));
		json_object_set_new(o, "tls_ciphers",
		    cli_fleet_tally_json(&f->ciphers));
		json_object_set_new(o, "logon_methods",
		    cli_fleet_tally_json(&f->methods));
		json_object_set_new(o, "weak_settings", json_incref(f->weak.j));
		json_object_set_new(o, "certificates_expiring",
		    json_incref(f->expiring.j));
		json_object_set_new(o, "failing", json_incref(f->failing.j));
		json_object_set_new(o, "never_tested", json_incref(f->never.j));
		json_object_set_new(o, "not_tested_recently",
		    json_incref(f->stale.j));
		cli_json_print(o);
		return;
	}
	printf("Report for %s%s: %d profile%s, %d tested\n",
	    group != NULL ? "group " : "every profile",
	    group != NULL ? group : "", f->profiles,
	    f->profiles == 1 ? "" : "s", f->tested);
	cli_fleet_tally_print("Last result by diagnosis", &f->diag);
	cli_fleet_tally_print("TLS versions in use", &f->versions);
	cli_fleet_tally_print("TLS ciphers in use", &f->ciphers);
	cli_fleet_tally_print("Logon methods in use (successful logons)",
	    &f->methods);
	cli_fleet_list_print("Weak settings", &f->weak);
	cli_fleet_list_print("Certificates expiring within 30 days",
	    &f->expiring);
	cli_fleet_list_print("Failing", &f->failing);
	cli_fleet_list_print("Never tested", &f->never);
	cli_fleet_list_print("Not tested for 7 days", &f->stale);
}

int
cli_cmd_report(struct cli *c)
{
	struct cli_fleet f;
	struct store_list l = { 0 };
	struct store_test_list h = { 0 };
	const char *group = NULL;
	bool json = false;
	char *cause = NULL;
	enum pc_err rc = PC_OK;
	int i, ret;

	ret = cli_group_list(c, "report", &json, &group, &l);
	if (ret)
		return ret;
	memset(&f, 0, sizeof f);
	f.now = (int64_t)time(NULL);
	f.weak.j = json_array();
	f.expiring.j = json_array();
	f.failing.j = json_array();
	f.never.j = json_array();
	f.stale.j = json_array();
	for (i = 0; i < l.n; i++) {
		f.profiles++;
		cli_fleet_weak(&f, l.v[i]);
		rc = store_test_list(c->st, l.v[i]->name, 1, &h, &cause);
		if (rc == PC_E_NOTFOUND) {	/* removed meanwhile */
			free(cause);
			cause = NULL;
			f.profiles--;
			continue;
		}
		if (rc)
			break;
		if (h.n == 1)
			cli_fleet_result(&f, l.v[i], &h.v[0]);
		else if (l.v[i]->last_result != NULL &&
		    l.v[i]->last_tested != 0) {
			/* Tested before the history existed (schema 2):
			 * only the last diagnosis and its time are known. */
			struct store_test old;

			memset(&old, 0, sizeof old);
			old.diagnosis = l.v[i]->last_result;
			old.when = l.v[i]->last_tested;
			cli_fleet_result(&f, l.v[i], &old);
		}
		cli_fleet_age(&f, l.v[i], h.n == 1 ? h.v[0].when :
		    l.v[i]->last_tested);
		store_test_list_cleanup(&h);
	}
	if (rc)
		ret = cli_report(rc, cause);
	else
		cli_fleet_print(&f, group, json);
	store_list_cleanup(&l);
	cli_fleet_tally_cleanup(&f.diag);
	cli_fleet_tally_cleanup(&f.versions);
	cli_fleet_tally_cleanup(&f.ciphers);
	cli_fleet_tally_cleanup(&f.methods);
	cli_fleet_list_cleanup(&f.weak);
	cli_fleet_list_cleanup(&f.expiring);
	cli_fleet_list_cleanup(&f.failing);
	cli_fleet_list_cleanup(&f.never);
	cli_fleet_list_cleanup(&f.stale);
	return ret;
}
