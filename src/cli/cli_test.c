/*
 * cli_test.c - "popconn test": one test logon with its trace streamed live
 * to standard output, or a whole group run concurrently in one poll() loop
 * (no thread per session) with a result table.  Exit 0 when every logon
 * succeeded, 1 when one did not.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_int.h"
#include "popconn/oauth.h"
#include "cli_prom_int.h"
#include "popconn/logon.h"
#include "popconn/str.h"

#define CLI_TEST_MAX_JOBS 256

static void
cli_test_sink(void *arg, const struct trace_event *ev)
{
	char *line;

	(void)arg;
	line = trace_format(ev);
	printf("%s\n", line);
	fflush(stdout);
	free(line);
}

static json_t *
cli_test_jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
cli_test_json(const char *name, const struct logon_result *r,
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
	json_object_set_new(o, "message", cli_test_jstr(r->message));
	json_object_set_new(o, "failed_step", cli_test_jstr(r->failed_step));
	json_object_set_new(o, "elapsed_ms", json_integer(r->elapsed_ms));
	json_object_set_new(o, "method", cli_test_jstr(r->method));
	json_object_set_new(o, "warning", cli_test_jstr(r->warning));
	json_object_set_new(o, "capabilities_trusted",
	    json_boolean(r->capa_trusted));
	if (r->have_tls) {
		t = json_object();
		json_object_set_new(t, "version", cli_test_jstr(r->tls.version));
		json_object_set_new(t, "cipher", cli_test_jstr(r->tls.cipher));
		json_object_set_new(t, "subject", cli_test_jstr(r->tls.subject));
		json_object_set_new(t, "issuer", cli_test_jstr(r->tls.issuer));
		json_object_set_new(t, "sans", cli_test_jstr(r->tls.sans));
		json_object_set_new(t, "not_before",
		    cli_test_jstr(r->tls.not_before));
		json_object_set_new(t, "not_after",
		    cli_test_jstr(r->tls.not_after));
		json_object_set_new(t, "fingerprint_sha256",
		    cli_test_jstr(r->tls.fingerprint));
		json_object_set_new(t, "verified",
		    json_boolean(r->tls.verified));
		json_object_set_new(t, "verification",
		    cli_test_jstr(r->tls.verify_text));
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

static void
cli_test_print_result(const struct logon_result *r)
{
	int j;

	printf("\nSteps:\n");
	for (j = 0; j < r->nsteps; j++)
		printf("  %-10s %-4s %8.1f ms\n", r->steps[j].name,
		    r->steps[j].ok ? "ok" : "FAIL", (double)(
		    r->steps[j].end_us - r->steps[j].start_us) / 1000.0);
	if (r->have_tls)
		printf("\nTLS: %s%s%s; %s\n  subject %s\n  issuer  %s\n"
		    "  SHA-256 %s\n", r->tls.version ? r->tls.version :
		    "handshake not completed", r->tls.cipher ? " " : "",
		    r->tls.cipher ? r->tls.cipher : "",
		    r->tls.verify_text ? r->tls.verify_text : "not verified",
		    r->tls.subject ? r->tls.subject : "?",
		    r->tls.issuer ? r->tls.issuer : "?",
		    r->tls.fingerprint ? r->tls.fingerprint : "?");
	if (r->have_stat)
		printf("\nMailbox: %ld message%s, %ld octets\n", r->messages,
		    r->messages == 1 ? "" : "s", r->octets);
	printf("\nDiagnosis: %s%s%s\n  %s\n", diag_key(r->diag),
	    r->failed_step ? " at step " : "",
	    r->failed_step ? r->failed_step : "", r->message);
	if (r->diag != DIAG_OK)
		printf("  Hint: %s\n", diag_hint_at(r->diag,
		    r->failed_at));
	if (r->warning != NULL)
		printf("  Warning: %s\n", r->warning);
	printf("Time: %lld ms\n", (long long)r->elapsed_ms);
}

/*
 * --trust-capabilities: the capabilities the last test saw at this
 * profile's endpoint, or NULL when none are saved (the trace says so, and
 * this test asks CAPA and saves what it learns).
 */
static char *
cli_test_trusted(struct cli *c, const struct profile *p, struct trace *tr)
{
	char *endpoint, *capa = NULL;

	endpoint = logon_endpoint(p);
	if (store_capa_get(c->st, p->name, endpoint, &capa, NULL, NULL) !=
	    PC_OK) {
		trace_emitf(tr, 0, TRACE_INFO, "no capabilities saved for %s: "
		    "asking CAPA (they are saved for the next repeat test)",
		    endpoint);
		capa = NULL;
	}
	free(endpoint);
	return capa;
}

/*
 * After a test: keep what CAPA said over TLS for a repeat test, and forget
 * trusted lines that the logon failed with.  Like the last result, a
 * database that cannot be written (read-only) does not fail the test.
 */
static void
cli_test_keep_capa(struct cli *c, const struct profile *p,
    const struct logon_result *r)
{
	char *endpoint;

	endpoint = logon_endpoint(p);
	(void)store_capa_record(c->st, p->name, endpoint, r->capa,
	    logon_capa_stale(r), (int64_t)time(NULL), NULL);
	free(endpoint);
}

/* The options of one session: lo, plus trusted lines when asked for. */
struct logon *
cli_test_start(struct cli *c, const struct profile *p, struct trace *tr,
    const struct logon_opts *lo, bool trust)
{
	struct logon_opts o;
	struct logon *lg;
	char *capa = NULL, *token = NULL, *failure = NULL;

	if (lo != NULL)
		o = *lo;
	else
		memset(&o, 0, sizeof o);
	if (trust)
		capa = cli_test_trusted(c, p, tr);
	o.trusted_capa = capa;
	/* Built-in OAuth2: the token first (bounded by the timeout). */
	if (profile_oauth_builtin(p)) {
		int64_t t0 = oauth_now_ms();

		(void)oauth_acquire(c->st, p, tr, NULL, &token, &failure);
		o.access_token = token;
		o.token_failure = failure;
		o.token_ms = oauth_now_ms() - t0;
	}
	lg = logon_new(p, tr, &o);
	xfree_secret(token);
	free(failure);
	free(capa);
	return lg;
}

static int
cli_test_one(struct cli *c, const char *name, bool json, bool quiet,
    const struct logon_opts *lo, bool trust, struct cli_prom *pm)
{
	struct profile *p = NULL;
	struct trace *tr;
	struct logon *lg;
	const struct logon_result *r;
	struct store_test h;
	char *cause = NULL, *s;
	enum pc_err rc;
	json_t *o;
	int ret;

	rc = store_get(c->st, name, &p, &cause);
	if (rc)
		return cli_report(rc, cause);
	tr = trace_new(0);
	if (!json && !quiet)
		trace_subscribe(tr, cli_test_sink, NULL);
	lg = cli_test_start(c, p, tr, lo, trust);
	logon_run(lg);
	r = logon_result(lg);
	cli_hist_record(c, p->name, r, "test", &h);
	if (json) {
		o = cli_test_json(p->name, r, tr);
		cli_hist_json(o, &h);
		s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(2));
		printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		cli_test_print_result(r);
		cli_hist_print(stdout, &h);
	}
	store_test_cleanup(&h);
	cli_test_keep_capa(c, p, r);
	if (pm != NULL)
		cli_prom_add(pm, p, r, cli_prom_now());
	ret = r->diag == DIAG_OK ? CLI_EXIT_OK : CLI_EXIT_FAILED;
	logon_free(lg);
	trace_free(tr);
	profile_free(p);
	return ret;
}

struct cli_job {
	struct logon	*lg;
	struct trace	*tr;
	struct profile	*p;		/* owned */
};

/*
 * The profiles of a group, read a page at a time (store_list_next) so that
 * a group test of any size holds only the sessions that run and one page,
 * never the whole group (with its decrypted secrets).
 */
struct cli_test_feed {
	struct store	*st;
	const char	*group;
	struct store_list page;
	int		 pos;		/* next in page */
	char		*after;		/* the last profile handed out */
	bool		 end;		/* no profile after it */
};

#define CLI_TEST_PAGE 64

/*
 * The next profile of the group (the caller owns it), or NULL at the end
 * or on a database error (*rc set, *cause filled).
 */
static struct profile *
cli_test_feed_next(struct cli_test_feed *feed, enum pc_err *rc, char **cause)
{
	struct profile *p;

	if (feed->pos == feed->page.n && !feed->end) {
		store_list_cleanup(&feed->page);
		feed->pos = 0;
		*rc = store_list_next(feed->st, feed->group, feed->after,
		    CLI_TEST_PAGE, &feed->page, cause);
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
cli_test_json_element(json_t *o, bool first)
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

static int
cli_test_group(struct cli *c, const char *group, long jobs, bool json,
    const struct logon_opts *lo, bool trust, struct cli_prom *pm)
{
	struct cli_test_feed feed = { 0 };
	struct cli_job *run;
	struct pollfd *fds;
	struct profile *p;
	const struct logon_result *r;
	struct store_test h;
	char *cause = NULL;
	enum pc_err rc = PC_OK;
	int active = 0, done = 0, failed = 0, i, n, nf, timeout, t, ret;
	int *owner;

	feed.st = c->st;
	feed.group = group;
	p = cli_test_feed_next(&feed, &rc, &cause);
	if (rc)
		return cli_report(rc, cause);
	if (p == NULL) {
		cli_group_not_found(group);
		return CLI_EXIT_NOTFOUND;
	}
	run = xcalloc((size_t)jobs, sizeof *run);
	fds = xcalloc((size_t)jobs, sizeof *fds);
	owner = xcalloc((size_t)jobs, sizeof *owner);
	if (!json)
		printf("%-24s %-26s %8s  %s\n", "NAME", "DIAGNOSIS", "MS",
		    "MESSAGE");
	while (p != NULL || active > 0) {
		/* Start sessions while there are free slots. */
		for (i = 0; i < jobs && p != NULL; i++) {
			if (run[i].lg != NULL)
				continue;
			run[i].tr = trace_new(json ? 0 : 256);
			run[i].p = p;
			run[i].lg = cli_test_start(c, p, run[i].tr, lo, trust);
			active++;
			p = cli_test_feed_next(&feed, &rc, &cause);
		}
		nf = 0;
		timeout = -1;
		for (i = 0; i < jobs; i++) {
			if (run[i].lg == NULL || logon_done(run[i].lg))
				continue;
			n = logon_pollfds(run[i].lg, fds + nf, 1);
			if (n == 1)
				owner[nf++] = i;
			t = logon_timeout_ms(run[i].lg);
			if (timeout < 0 || t < timeout)
				timeout = t;
		}
		if (nf > 0 || timeout > 0)
			if (poll(fds, (nfds_t)nf, timeout < 0 ? 0 : timeout) <
			    0 && errno != EINTR)
				break;
		for (i = 0; i < jobs; i++)
			if (run[i].lg != NULL && !logon_done(run[i].lg))
				logon_advance(run[i].lg, NULL, 0);
		/* Collect finished sessions. */
		for (i = 0; i < jobs; i++) {
			if (run[i].lg == NULL || !logon_done(run[i].lg))
				continue;
			r = logon_result(run[i].lg);
			if (r->diag != DIAG_OK)
				failed++;
			cli_hist_record(c, run[i].p->name, r, "test", &h);
			if (json) {
				json_t *o = cli_test_json(run[i].p->name, r,
				    run[i].tr);

				cli_hist_json(o, &h);
				cli_test_json_element(o, done == 0);
			} else {
				printf("%-24s %-26s %8lld  %s\n",
				    run[i].p->name, diag_key(r->diag),
				    (long long)r->elapsed_ms, r->message);
				fflush(stdout);
			}
			store_test_cleanup(&h);
			cli_test_keep_capa(c, run[i].p, r);
			if (pm != NULL)
				cli_prom_add(pm, run[i].p, r, cli_prom_now());
			logon_free(run[i].lg);
			trace_free(run[i].tr);
			profile_free(run[i].p);
			run[i].lg = NULL;
			run[i].tr = NULL;
			run[i].p = NULL;
			active--;
			done++;
		}
	}
	if (json)
		printf("%s\n", done > 0 ? "\n]" : "[]");
	else
		printf("\n%d tested, %d ok, %d failed\n", done, done - failed,
		    failed);
	ret = failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
	if (rc)		/* a page could not be read: the run stopped short */
		ret = cli_report(rc, cause);
	for (i = 0; i < jobs; i++) {	/* left by a failed poll() */
		logon_free(run[i].lg);
		trace_free(run[i].tr);
		profile_free(run[i].p);
	}
	free(owner);
	free(fds);
	free(run);
	profile_free(p);
	free(feed.after);
	store_list_cleanup(&feed.page);
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
			if (str_to_int(c->argv[++i], 1, CLI_TEST_MAX_JOBS,
			    &jobs)) {
				cli_error("--jobs: '%s' is not a number from 1 "
				    "to %d", c->argv[i], CLI_TEST_MAX_JOBS);
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
		ret = cli_test_group(c, group, jobs, json, &lo, trust, pm);
	else
		ret = cli_test_one(c, name, json, quiet, &lo, trust, pm);
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
