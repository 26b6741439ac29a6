/*
 * cli_hist.c - the test history on the command line (run_record keeps
 * each result): what a recorded result says beyond itself (the
 * certificate changed since the last test; failing since when), and
 * "popconn history --tests [NAME] [--json] [--limit N]".
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_int.h"
#include "popconn/str.h"

void
cli_hist_time(int64_t t, char *buf, size_t len, bool iso)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, iso ? "%Y-%m-%dT%H:%M:%SZ" :
	    "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

void
cli_hist_print(FILE *f, const struct store_test *t)
{
	char when[40];

	if (t->id == 0)
		return;
	if (t->cert_changed)
		fprintf(f, "Certificate: the SHA-256 fingerprint changed since "
		    "the last test of this profile (was %s): a renewal, or "
		    "someone in the middle\n", t->cert_previous != NULL ?
		    t->cert_previous : "?");
	if (t->failing_since != 0) {
		cli_hist_time(t->failing_since, when, sizeof when, false);
		fprintf(f, "Failing since: %s\n", when);
	}
}

void
cli_hist_json(json_t *o, const struct store_test *t)
{
	char when[40];
	json_t *h;

	if (t->id == 0) {
		json_object_set_new(o, "history", json_null());
		return;
	}
	h = json_object();
	json_object_set_new(h, "cert_changed", json_boolean(t->cert_changed));
	json_object_set_new(h, "cert_previous_sha256", t->cert_changed &&
	    t->cert_previous != NULL ? json_string(t->cert_previous) :
	    json_null());
	if (t->failing_since != 0) {
		cli_hist_time(t->failing_since, when, sizeof when, true);
		json_object_set_new(h, "failing_since", json_string(when));
	} else
		json_object_set_new(h, "failing_since", json_null());
	json_object_set_new(o, "history", h);
}

static json_t *
cli_hist_test_json(const struct store_test *t)
{
	char when[40];
	json_t *o;

	o = json_object();
	json_object_set_new(o, "profile", json_string(t->profile));
	cli_hist_time(t->when, when, sizeof when, true);
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "source", cli_jstr(t->source));
	json_object_set_new(o, "ok", json_boolean(t->diagnosis != NULL &&
	    strcmp(t->diagnosis, "ok") == 0));
	json_object_set_new(o, "diagnosis", cli_jstr(t->diagnosis));
	json_object_set_new(o, "failed_step", cli_jstr(t->failed_step));
	json_object_set_new(o, "elapsed_ms", json_integer(t->elapsed_ms));
	json_object_set_new(o, "method", cli_jstr(t->method));
	json_object_set_new(o, "tls_version", cli_jstr(t->tls_version));
	json_object_set_new(o, "tls_cipher", cli_jstr(t->tls_cipher));
	json_object_set_new(o, "cert_sha256", cli_jstr(t->cert_sha256));
	if (t->cert_not_after != 0) {
		cli_hist_time(t->cert_not_after, when, sizeof when, true);
		json_object_set_new(o, "cert_not_after", json_string(when));
	} else
		json_object_set_new(o, "cert_not_after", json_null());
	json_object_set_new(o, "cert_changed", json_boolean(t->cert_changed));
	if (t->messages >= 0) {
		json_object_set_new(o, "messages", json_integer(t->messages));
		json_object_set_new(o, "octets", json_integer(t->octets));
	} else {
		json_object_set_new(o, "messages", json_null());
		json_object_set_new(o, "octets", json_null());
	}
	if (t->failing_since != 0) {
		cli_hist_time(t->failing_since, when, sizeof when, true);
		json_object_set_new(o, "failing_since", json_string(when));
	} else
		json_object_set_new(o, "failing_since", json_null());
	return o;
}

static void
cli_hist_test_line(const struct store_test *t)
{
	char when[40], since[40], mbox[32];

	cli_hist_time(t->when, when, sizeof when, false);
	if (t->messages >= 0)
		snprintf(mbox, sizeof mbox, "%lld", (long long)t->messages);
	else
		snprintf(mbox, sizeof mbox, "-");
	printf("%s  %-20s %-6s %-22s %-9s %7lld %-13s %-8s %5s",
	    when, t->profile, t->source, t->diagnosis,
	    t->failed_step != NULL ? t->failed_step : "-",
	    (long long)t->elapsed_ms, t->method != NULL ? t->method : "-",
	    t->tls_version != NULL ? t->tls_version : "-", mbox);
	if (t->cert_changed)
		printf("  certificate changed");
	if (t->failing_since != 0 && t->failing_since != t->when) {
		cli_hist_time(t->failing_since, since, sizeof since, false);
		printf("  failing since %s", since);
	}
	printf("\n");
}

int
cli_hist_args(struct cli *c, const char **name, long *limit, bool *json)
{
	int i;

	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--tests") == 0)
			continue;
		if (strcmp(c->argv[i], "--json") == 0)
			*json = true;
		else if (strcmp(c->argv[i], "--limit") == 0 &&
		    i + 1 < c->argc) {
			if (str_to_int(c->argv[++i], 1, 1000000, limit)) {
				cli_error("--limit: '%s' is not a number from "
				    "1 to 1000000", c->argv[i]);
				return CLI_EXIT_USAGE;
			}
		} else if (*name == NULL && c->argv[i][0] != '-')
			*name = c->argv[i];
		else
			return cli_usage("history");
	}
	return cli_open(c);
}

/* popconn history --tests [NAME] [--json] [--limit N] */
int
cli_hist_cmd(struct cli *c)
{
	struct store_test_list l = { 0 };
	const char *name = NULL;
	bool json = false;
	char *cause = NULL;
	long limit = 100;
	enum pc_err rc;
	json_t *a;
	int i, ret;

	ret = cli_hist_args(c, &name, &limit, &json);
	if (ret)
		return ret;
	rc = store_test_list(c->st, name, (int)limit, &l, &cause);
	if (rc)
		return cli_report(rc, cause);
	if (json) {
		a = json_array();
		for (i = 0; i < l.n; i++)
			json_array_append_new(a, cli_hist_test_json(&l.v[i]));
		cli_json_print(a);
	} else {
		printf("%-23s  %-20s %-6s %-22s %-9s %7s %-13s %-8s %5s\n",
		    "TIME", "PROFILE", "SOURCE", "DIAGNOSIS", "STEP", "MS",
		    "METHOD", "TLS", "MSGS");
		for (i = 0; i < l.n; i++)
			cli_hist_test_line(&l.v[i]);
	}
	store_test_list_cleanup(&l);
	return CLI_EXIT_OK;
}
