/*
 * cli_logon.c - "popconn test": one test logon with its trace streamed live
 * to standard output, or a whole group run concurrently (run_batch, one
 * poll() loop) with a result table.  Exit 0 when every logon
 * succeeded, 1 when one did not.
 */
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "cli_prom_int.h"
#include "popconn/logon.h"
#include "popconn/run.h"
#include "popconn/str.h"

#define CLI_LOGON_MAX_JOBS 256

static json_t *
cli_logon_json(const char *name, const struct logon_result *r,
    const struct trace *tr)
{
	const struct trace_event *ev;
	json_t *o, *t, *a, *s;
	size_t i;
	int j;

	o = json_object();
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "ok", json_boolean(r->diag == DIAG_OK));
	json_object_set_new(o, "diagnosis", json_string(diag_key(r->diag)));
	json_object_set_new(o, "hint", json_string(diag_hint_at(r->diag,
	    r->failed_at)));
	json_object_set_new(o, "message", cli_jstr(r->message));
	json_object_set_new(o, "failed_step", cli_jstr(r->failed_step));
	json_object_set_new(o, "elapsed_ms", json_integer(r->elapsed_ms));
	json_object_set_new(o, "method", cli_jstr(r->method));
	json_object_set_new(o, "warning", cli_jstr(r->warning));
	json_object_set_new(o, "capabilities_trusted",
	    json_boolean(r->capa_trusted));
	if (r->have_tls) {
		t = json_object();
		json_object_set_new(t, "version", cli_jstr(r->tls.version));
		json_object_set_new(t, "cipher", cli_jstr(r->tls.cipher));
		json_object_set_new(t, "subject", cli_jstr(r->tls.subject));
		json_object_set_new(t, "issuer", cli_jstr(r->tls.issuer));
		json_object_set_new(t, "sans", cli_jstr(r->tls.sans));
		json_object_set_new(t, "not_before",
		    cli_jstr(r->tls.not_before));
		json_object_set_new(t, "not_after",
		    cli_jstr(r->tls.not_after));
		json_object_set_new(t, "fingerprint_sha256",
		    cli_jstr(r->tls.fingerprint));
		json_object_set_new(t, "verified",
		    json_boolean(r->tls.verified));
		json_object_set_new(t, "verification",
		    cli_jstr(r->tls.verify_text));
		json_object_set_new(o, "tls", t);
	} else
		json_object_set_new(o, "tls", json_null());
	if (r->have_stat) {
		t = json_object();
		json_object_set_new(t, "messages", json_integer(r->messages));
		json_object_set_new(t, "octets", json_integer(r->octets));
		json_object_set_new(o, "mailbox", t);
	} else
		json_object_set_new(o, "mailbox", json_null());
	a = json_array();
	for (j = 0; j < r->nsteps; j++) {
		s = json_object();
		json_object_set_new(s, "step", json_string(r->steps[j].name));
		json_object_set_new(s, "ok", json_boolean(r->steps[j].ok));
		json_object_set_new(s, "ms", json_real((double)(
		    r->steps[j].end_us - r->steps[j].start_us) / 1000.0));
		json_array_append_new(a, s);
	}
	json_object_set_new(o, "steps", a);
	a = json_array();
	for (i = 0; tr != NULL && i < trace_count(tr); i++) {
		ev = trace_get(tr, i);
		s = json_object();
		json_object_set_new(s, "t_ms", json_real((double)ev->t_us /
		    1000.0));
		json_object_set_new(s, "kind", json_string(trace_kind_tag(
		    ev->kind)));
		json_object_set_new(s, "text", json_string(ev->text));
		json_array_append_new(a, s);
	}
	json_object_set_new(o, "trace", a);
	return o;
}

static int
cli_logon_one(struct cli *c, const char *name, bool json, bool quiet,
    const struct logon_opts *lo, bool trust, struct cli_prom *pm)
{
	struct profile *p = NULL;
	struct trace *tr;
	struct logon *lg;
	const struct logon_result *r;
	struct store_test h;
	struct logon_opts o;
	char *cause = NULL, *capa = NULL;
	enum pc_err rc;
	json_t *j;
	int ret;

	rc = store_get(c->st, name, &p, &cause);
	if (rc)
		return cli_report(rc, cause);
	tr = trace_new(0);
	if (!json && !quiet)
		trace_subscribe(tr, cli_trace_sink, NULL);
	if (lo != NULL)
		o = *lo;
	else
		memset(&o, 0, sizeof o);
	if (trust)
		capa = run_trusted(c->st, p, tr, true);
	o.trusted_capa = capa;
	lg = run_start(c->st, p, tr, &o);
	free(capa);
	logon_run(lg);
	r = logon_result(lg);
	run_record(c->st, p, r, "test", true, &h);
	if (json) {
		j = cli_logon_json(p->name, r, tr);
		cli_hist_json(j, &h);
		cli_json_print(j);
	} else {
		run_text_result(stdout, r);
		cli_hist_print(stdout, &h);
	}
	store_test_cleanup(&h);
	if (pm != NULL)
		cli_prom_add(pm, p, r, cli_prom_now());
	ret = r->diag == DIAG_OK ? CLI_EXIT_OK : CLI_EXIT_FAILED;
	logon_free(lg);
	trace_free(tr);
	profile_free(p);
	return ret;
}

/*
 * The profiles of a group, read a page at a time (store_list_next) so that
 * a group test of any size holds only the sessions that run and one page,
 * never the whole group (with its decrypted secrets).
 */
struct cli_logon_feed {
	struct store	*st;
	const char	*group;
	struct store_list page;
	int		 pos;		/* next in page */
	char		*after;		/* the last profile handed out */
	bool		 end;		/* no profile after it */
};

#define CLI_LOGON_PAGE 64

/*
 * The next profile of the group (the caller owns it), or NULL at the end
 * or on a database error (*rc set, *cause filled).
 */
static struct profile *
cli_logon_feed_next(struct cli_logon_feed *feed, enum pc_err *rc, char **cause)
{
	struct profile *p;

	if (feed->pos == feed->page.n && !feed->end) {
		store_list_cleanup(&feed->page);
		feed->pos = 0;
		*rc = store_list_next(feed->st, feed->group, feed->after,
		    CLI_LOGON_PAGE, &feed->page, cause);
		if (*rc || feed->page.n == 0)
			feed->end = true;
	}
	if (feed->pos == feed->page.n)
		return NULL;
	p = feed->page.v[feed->pos];
	feed->page.v[feed->pos++] = NULL;	/* taken; cleanup skips NULL */
	xstr_replace(&feed->after, p->name);
	return p;
}

/*
 * One result of a group test's --json array, printed as soon as its logon
 * ends (then freed with its trace): the same text json_dumps gives for the
 * whole array, without holding every result until the end.
 */
static void
cli_logon_json_element(json_t *o, bool first)
{
	char *s, *line, *nl;

	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	printf("%s", first ? "[\n" : ",\n");
	for (line = s; line != NULL; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		printf("  %s%s", line, nl != NULL ? "\n" : "");
	}
	fflush(stdout);
	free(s);
	json_decref(o);
}

/* A group test: its profiles as the runner asks, its results as they end. */
struct cli_logon_run {
	struct cli	*c;
	struct cli_logon_feed feed;
	struct profile	*first;		/* read before the run starts */
	enum pc_err	 rc;		/* a page could not be read */
	char		*cause;
	bool		 json;
	struct cli_prom	*pm;
	int		 done;
	int		 failed;
};

static struct profile *
cli_logon_run_next(void *arg)
{
	struct cli_logon_run *g = arg;
	struct profile *p;

	if (g->first != NULL) {
		p = g->first;
		g->first = NULL;
		return p;
	}
	if (g->rc)
		return NULL;
	return cli_logon_feed_next(&g->feed, &g->rc, &g->cause);
}

static void
cli_logon_run_done(void *arg, const struct profile *p,
    const struct logon_result *r, const struct trace *tr)
{
	struct cli_logon_run *g = arg;
	struct store_test h;

	if (r->diag != DIAG_OK)
		g->failed++;
	run_record(g->c->st, p, r, "test", true, &h);
	if (g->json) {
		json_t *o = cli_logon_json(p->name, r, tr);

		cli_hist_json(o, &h);
		cli_logon_json_element(o, g->done == 0);
	} else {
		printf("%-24s %-26s %8lld  %s\n", p->name, diag_key(r->diag),
		    (long long)r->elapsed_ms, r->message);
		fflush(stdout);
	}
	store_test_cleanup(&h);
	if (g->pm != NULL)
		cli_prom_add(g->pm, p, r, cli_prom_now());
	g->done++;
}

static int
cli_logon_group(struct cli *c, const char *group, long jobs, bool json,
    const struct logon_opts *lo, bool trust, struct cli_prom *pm)
{
	struct cli_logon_run g = { 0 };
	struct run_batch_opts o = { 0 };
	struct run_batch *b;
	int ret;

	g.c = c;
	g.json = json;
	g.pm = pm;
	g.feed.st = c->st;
	g.feed.group = group;
	g.first = cli_logon_feed_next(&g.feed, &g.rc, &g.cause);
	if (g.rc)
		return cli_report(g.rc, g.cause);
	if (g.first == NULL) {
		cli_group_not_found(group);
		return CLI_EXIT_NOTFOUND;
	}
	if (!json)
		printf("%-24s %-26s %8s  %s\n", "NAME", "DIAGNOSIS", "MS",
		    "MESSAGE");
	o.jobs = jobs;
	o.trace_cap = json ? 0 : 256;
	o.lo = lo;
	o.trust = trust;
	o.own = true;
	o.next = cli_logon_run_next;
	o.done = cli_logon_run_done;
	o.arg = &g;
	b = run_batch_new(c->st, &o);
	(void)run_batch_run(b);		/* a failed poll() stops it short */
	run_batch_free(b);
	if (json)
		printf("%s\n", g.done > 0 ? "\n]" : "[]");
	else
		printf("\n%d tested, %d ok, %d failed\n", g.done,
		    g.done - g.failed, g.failed);
	ret = g.failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
	if (g.rc)	/* a page could not be read: the run stopped short */
		ret = cli_report(g.rc, g.cause);
	profile_free(g.first);
	free(g.feed.after);
	store_list_cleanup(&g.feed.page);
	return ret;
}

int
cli_cmd_test(struct cli *c)
{
	struct logon_opts lo;
	struct cli_prom *pm = NULL;
	const char *name = NULL, *group = NULL, *prom = NULL;
	char *cause = NULL;
	bool json = false, quiet = false, trust = false;
	long jobs = 8;
	enum pc_err rc;
	int i, ret;

	memset(&lo, 0, sizeof lo);
	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--json") == 0)
			json = true;
		else if (strcmp(c->argv[i], "--quiet") == 0)
			quiet = true;
		else if (strcmp(c->argv[i], "--trust-capabilities") == 0)
			trust = true;
		else if (strcmp(c->argv[i], "--group") == 0 && i + 1 < c->argc)
			group = c->argv[++i];
		else if (strcmp(c->argv[i], "--prom") == 0 && i + 1 < c->argc)
			prom = c->argv[++i];
		else if (strcmp(c->argv[i], "--jobs") == 0 && i + 1 < c->argc) {
			if (str_to_int(c->argv[++i], 1, CLI_LOGON_MAX_JOBS,
			    &jobs)) {
				cli_error("--jobs: '%s' is not a number from 1 "
				    "to %d", c->argv[i], CLI_LOGON_MAX_JOBS);
				return CLI_EXIT_USAGE;
			}
		} else if (strcmp(c->argv[i], "--source") == 0 &&
		    i + 1 < c->argc)
			lo.bind_address = c->argv[++i];
		else if (name == NULL && c->argv[i][0] != '-')
			name = c->argv[i];
		else
			return cli_usage("test");
	}
	if ((name == NULL) == (group == NULL))
		return cli_usage("test");
	ret = cli_open(c);
	if (ret)
		return ret;
	/* A file that cannot be written is refused before any test runs. */
	if (prom != NULL) {
		pm = cli_prom_open(prom, &cause);
		if (pm == NULL) {
			cli_error("%s", cause);
			free(cause);
			return CLI_EXIT_USAGE;
		}
	}
	if (group != NULL)
		ret = cli_logon_group(c, group, jobs, json, &lo, trust, pm);
	else
		ret = cli_logon_one(c, name, json, quiet, &lo, trust, pm);
	/* Nothing tested (not found, database error): the old file stays. */
	if (pm != NULL && (ret == CLI_EXIT_OK || ret == CLI_EXIT_FAILED)) {
		rc = cli_prom_commit(pm, &cause);
		if (rc) {
			cli_error("%s", cause);
			free(cause);
			ret = CLI_EXIT_DB;
		}
	}
	cli_prom_free(pm);
	return ret;
}
