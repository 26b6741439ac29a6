/*
 * cli_check.c - "popconn check": a Monitoring Plugins check (Nagios,
 * Icinga, Naemon, Sensu).  A real test logon of one profile, or of a
 * group's profiles concurrently (run_batch: one poll() loop), judged against
 * thresholds, printed as one status line with performance data (a group:
 * a summary line, then one line per profile), with the plugin exit codes:
 * 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 *
 * It never prompts and needs no terminal: a bad argument, a database that
 * is missing or cannot be read, a key that is missing or wrong (or a
 * master passphrase not given with --passphrase-fd), a profile or group
 * that does not exist are all UNKNOWN with the reason, never OK.  Output
 * goes to standard output, as plugins do; '|' in a message (it would start
 * the performance data) is shown as '/'.  Each result is kept in the test
 * history (source "check"); a database that cannot be written does not
 * change the state.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_int.h"
#include "popconn/logon.h"
#include "popconn/logon_record.h"
#include "popconn/run.h"
#include "popconn/str.h"

#define CLI_CHECK_OK		0
#define CLI_CHECK_WARNING	1
#define CLI_CHECK_CRITICAL	2
#define CLI_CHECK_UNKNOWN	3
#define CLI_CHECK_MAX_JOBS	256

static const char *const cli_check_states[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN"
};

struct cli_check_opts {
	double		 warn_time;	/* seconds; 0 = none */
	double		 crit_time;
	long		 warn_days;
	long		 crit_days;
};

/* One profile's verdict. */
struct cli_check_res {
	int		 state;
	char		*text;		/* after "POP3 <STATE> - " */
	char		*perf;		/* performance data, or NULL */
};

/* Replace '|' (the performance data separator) and line ends. */
static void
cli_check_clean(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s == '|')
			*s = '/';
		else if (*s == '\n' || *s == '\r')
			*s = ' ';
}

/* Print "POP3 UNKNOWN - <reason>" and return 3. */
static int
cli_check_unknown(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	cli_check_clean(s);
	printf("POP3 UNKNOWN - %s\n", s);
	fflush(stdout);
	free(s);
	return CLI_CHECK_UNKNOWN;
}

static void
cli_check_fmt_threshold(char *buf, size_t len, double v)
{
	if (v > 0)
		snprintf(buf, len, "%g", v);
	else
		buf[0] = '\0';
}

/* Judge one finished logon. */
static void
cli_check_judge(const struct logon_result *r, const struct cli_check_opts *o,
    struct cli_check_res *out)
{
	char w[32], c[32], *days_text = NULL, *time_text = NULL, *mbox;
	double secs = (double)r->elapsed_ms / 1000.0;
	int64_t not_after, diff, left = 0;
	bool have_days = false;
	int state = CLI_CHECK_OK;

	cli_check_fmt_threshold(w, sizeof w, o->warn_time);
	cli_check_fmt_threshold(c, sizeof c, o->crit_time);
	if (r->have_tls && r->tls.not_after != NULL) {
		not_after = logon_record_time(r->tls.not_after);
		if (not_after != 0) {
			have_days = true;
			/* Whole days left, rounded down (-1 the day
			 * after it expired). */
			diff = not_after - (int64_t)time(NULL);
			left = diff >= 0 ? diff / 86400 :
			    -((-diff + 86399) / 86400);
		}
	}
	if (have_days)
		out->perf = xasprintf("time=%.3fs;%s;%s;0 cert_days=%lld;%ld:;"
		    "%ld:;0", secs, w, c, (long long)left, o->warn_days,
		    o->crit_days);
	else
		out->perf = xasprintf("time=%.3fs;%s;%s;0", secs, w, c);

	if (r->diag != DIAG_OK) {
		out->state = CLI_CHECK_CRITICAL;
		out->text = xasprintf("%s%s%s: %s (%s)", diag_key(r->diag),
		    r->failed_step ? " at step " : "",
		    r->failed_step ? r->failed_step : "",
		    r->message != NULL ? r->message : "",
		    diag_hint_at(r->diag, r->failed_at));
		cli_check_clean(out->text);
		return;
	}
	if (o->crit_time > 0 && secs >= o->crit_time) {
		state = CLI_CHECK_CRITICAL;
		time_text = xasprintf(", response time %.3f s at or over the "
		    "critical %g s", secs, o->crit_time);
	} else if (o->warn_time > 0 && secs >= o->warn_time) {
		state = CLI_CHECK_WARNING;
		time_text = xasprintf(", response time %.3f s at or over the "
		    "warning %g s", secs, o->warn_time);
	}
	if (have_days && left < o->crit_days) {
		state = CLI_CHECK_CRITICAL;
		days_text = xasprintf(", certificate valid %lld days (under "
		    "the critical %ld)", (long long)left, o->crit_days);
	} else if (have_days && left < o->warn_days) {
		if (state < CLI_CHECK_WARNING)
			state = CLI_CHECK_WARNING;
		days_text = xasprintf(", certificate valid %lld days (under "
		    "the warning %ld)", (long long)left, o->warn_days);
	} else if (have_days)
		days_text = xasprintf(", certificate valid %lld days",
		    (long long)left);
	if (r->have_stat)
		mbox = xasprintf(", %ld message%s", r->messages,
		    r->messages == 1 ? "" : "s");
	else
		mbox = xstrdup("");
	out->state = state;
	out->text = xasprintf("logged on with %s in %lld ms%s%s%s%s",
	    r->method != NULL ? r->method : "?", (long long)r->elapsed_ms,
	    mbox, days_text != NULL ? days_text : ", no TLS",
	    time_text != NULL ? time_text : "",
	    r->tls.verified || !r->have_tls ? "" :
	    ", certificate NOT verified (tls_verify off)");
	cli_check_clean(out->text);
	free(mbox);
	free(days_text);
	free(time_text);
}

/*
 * Open the database without a prompt: a missing file is not created.
 * Returns 0, or the UNKNOWN status after printing why.
 */
static int
cli_check_open(struct cli *c)
{
	struct stat sb;
	char *cause = NULL;
	enum pc_err rc;

	if (strcmp(c->db_path, ":memory:") != 0 &&
	    stat(c->db_path, &sb) != 0)
		return cli_check_unknown("cannot read the database %s: %s",
		    c->db_path, strerror(errno));
	if (c->passphrase_fd >= 0 && c->passphrase == NULL &&
	    cli_read_secret_fd(c->passphrase_fd, "--passphrase-fd",
	    &c->passphrase) != PC_OK)
		return cli_check_unknown("cannot read the master passphrase "
		    "from descriptor %d", c->passphrase_fd);
	c->opts.passphrase = c->passphrase;
	c->opts.read_only_ok = true;
	rc = store_open(&c->opts, &c->st, &cause);
	if (rc == PC_E_AUTH && c->passphrase == NULL) {
		free(cause);
		return cli_check_unknown("the database %s is sealed under a "
		    "master passphrase: give it with --passphrase-fd N "
		    "(check never prompts)", c->db_path);
	}
	if (rc) {
		cli_check_unknown("%s", cause != NULL ? cause :
		    pc_err_str(rc));
		free(cause);
		return CLI_CHECK_UNKNOWN;
	}
	return 0;
}

/* A check's run: its profiles in list order, each judged as it ends. */
struct cli_check_run {
	struct cli	*c;
	struct store_list *l;
	const struct cli_check_opts *o;
	struct cli_check_res *res;
	int		 next;		/* the next profile to start */
	int		 low;		/* the first one without a verdict */
};

static struct profile *
cli_check_run_next(void *arg)
{
	struct cli_check_run *k = arg;

	return k->next < k->l->n ? k->l->v[k->next++] : NULL;
}

static void
cli_check_run_done(void *arg, const struct profile *p,
    const struct logon_result *r, const struct trace *tr)
{
	struct cli_check_run *k = arg;
	struct store_test h;
	int i;

	for (i = k->low; i < k->next && k->l->v[i] != p; i++)
		;
	if (i == k->next)
		return;
	cli_check_judge(r, k->o, &k->res[i]);
	while (k->low < k->next && k->res[k->low].text != NULL)
		k->low++;
	run_record(k->c->st, p, r, "check", false, &h);
	store_test_cleanup(&h);
}

/* Run every profile of l, at most jobs at once; judge and record each. */
static void
cli_check_run(struct cli *c, struct store_list *l, long jobs,
    const struct cli_check_opts *o, struct cli_check_res *res)
{
	struct cli_check_run k = { c, l, o, res, 0, 0 };
	struct run_batch_opts bo = { 0 };
	struct run_batch *b;
	enum pc_err rc;
	int i, err;

	bo.jobs = jobs;
	bo.trace_cap = 64;
	bo.next = cli_check_run_next;
	bo.done = cli_check_run_done;
	bo.arg = &k;
	b = run_batch_new(c->st, &bo);
	rc = run_batch_run(b);
	err = errno;
	run_batch_free(b);
	/* Only after a failed poll(): what did not finish is UNKNOWN. */
	for (i = 0; rc && i < k.next; i++) {
		if (res[i].text != NULL)
			continue;
		res[i].state = CLI_CHECK_UNKNOWN;
		res[i].text = xasprintf("poll: %s", strerror(err));
	}
	for (i = k.next; i < l->n; i++) {
		res[i].state = CLI_CHECK_UNKNOWN;
		res[i].text = xstrdup("not run");
	}
}

static int
cli_check_print(const char *group, struct store_list *l,
    struct cli_check_res *res)
{
	int count[4] = { 0, 0, 0, 0 }, worst = CLI_CHECK_OK, i;

	if (group == NULL) {
		printf("POP3 %s - %s | %s\n", cli_check_states[res[0].state],
		    res[0].text, res[0].perf != NULL ? res[0].perf : "");
		return res[0].state;
	}
	for (i = 0; i < l->n; i++) {
		count[res[i].state]++;
		/* UNKNOWN ranks below CRITICAL, above WARNING. */
		if (res[i].state == CLI_CHECK_CRITICAL ||
		    (res[i].state == CLI_CHECK_UNKNOWN &&
		    worst != CLI_CHECK_CRITICAL) ||
		    (res[i].state == CLI_CHECK_WARNING &&
		    worst == CLI_CHECK_OK))
			worst = res[i].state;
	}
	printf("POP3 %s - group %s: %d profile%s, %d OK, %d WARNING, "
	    "%d CRITICAL, %d UNKNOWN | ok=%d;;;0 warning=%d;;;0 "
	    "critical=%d;;;0 unknown=%d;;;0\n", cli_check_states[worst], group,
	    l->n, l->n == 1 ? "" : "s", count[0], count[1], count[2],
	    count[3], count[0], count[1], count[2], count[3]);
	for (i = 0; i < l->n; i++)
		printf("[%s] %s - %s\n", cli_check_states[res[i].state],
		    l->v[i]->name, res[i].text);
	return worst;
}

static int
cli_check_double(const char *opt, const char *v, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno || end == v || *end != '\0' || !(*out > 0) ||
	    *out > 86400) {
		cli_check_unknown("%s: '%s' is not a number of seconds over 0",
		    opt, v);
		return -1;
	}
	return 0;
}

static int
cli_check_days(const char *opt, const char *v, long *out)
{
	if (str_to_int(v, 0, 100000, out)) {
		cli_check_unknown("%s: '%s' is not a number of days from 0 to "
		    "100000", opt, v);
		return -1;
	}
	return 0;
}

#define CLI_CHECK_USAGE "popconn check (NAME or --group G) [--warning-time S] " \
	"[--critical-time S] [--cert-warning-days N] [--cert-critical-days N] " \
	"[--jobs N]"

/* Whether a is one of the options that take a value. */
static bool
cli_check_valued(const char *a)
{
	static const char *const opts[] = { "--group", "--warning-time",
	    "--critical-time", "--cert-warning-days", "--cert-critical-days",
	    "--jobs" };
	size_t i;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (strcmp(a, opts[i]) == 0)
			return true;
	return false;
}

int
cli_cmd_check(struct cli *c)
{
	struct cli_check_opts o = { 0, 0, 30, 7 };
	struct store_list l = { 0 };
	struct cli_check_res *res;
	struct profile *p = NULL;
	const char *name = NULL, *group = NULL, *a, *v;
	char *cause = NULL;
	long jobs = 8;
	enum pc_err rc;
	int i, ret;

	for (i = 0; i < c->argc; i++) {
		a = c->argv[i];
		if (a[0] != '-' && name == NULL) {
			name = a;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			/* As the Monitoring Plugins do: help, then UNKNOWN. */
			printf("usage: %s\n"
			    "  A real test logon judged as a Monitoring Plugins "
			    "check: exit 0 OK, 1 WARNING,\n  2 CRITICAL, 3 "
			    "UNKNOWN.  A failed logon is CRITICAL.  The response "
			    "time is\n  WARNING/CRITICAL at or over "
			    "--warning-time/--critical-time seconds (none by\n"
			    "  default), the certificate under "
			    "--cert-warning-days/--cert-critical-days days\n"
			    "  left (30/7).  A group gives its worst state, a "
			    "summary line and a line per\n  profile.  Never "
			    "prompts: give a master passphrase with "
			    "--passphrase-fd N.\n", CLI_CHECK_USAGE);
			return CLI_CHECK_UNKNOWN;
		}
		if (!cli_check_valued(a))
			return cli_check_unknown("unexpected argument '%s' "
			    "(usage: %s)", a, CLI_CHECK_USAGE);
		if (i + 1 >= c->argc)
			return cli_check_unknown("%s needs a value (usage: "
			    "%s)", a, CLI_CHECK_USAGE);
		v = c->argv[++i];
		if (strcmp(a, "--group") == 0)
			group = v;
		else if (strcmp(a, "--warning-time") == 0) {
			if (cli_check_double(a, v, &o.warn_time))
				return CLI_CHECK_UNKNOWN;
		} else if (strcmp(a, "--critical-time") == 0) {
			if (cli_check_double(a, v, &o.crit_time))
				return CLI_CHECK_UNKNOWN;
		} else if (strcmp(a, "--cert-warning-days") == 0) {
			if (cli_check_days(a, v, &o.warn_days))
				return CLI_CHECK_UNKNOWN;
		} else if (strcmp(a, "--cert-critical-days") == 0) {
			if (cli_check_days(a, v, &o.crit_days))
				return CLI_CHECK_UNKNOWN;
		} else if (str_to_int(v, 1, CLI_CHECK_MAX_JOBS, &jobs))
			return cli_check_unknown("--jobs: '%s' is not a number "
			    "from 1 to %d", v, CLI_CHECK_MAX_JOBS);
	}
	if ((name == NULL) == (group == NULL))
		return cli_check_unknown("give one profile NAME or --group G");
	if (o.warn_time > 0 && o.crit_time > 0 && o.crit_time < o.warn_time)
		return cli_check_unknown("--critical-time %g is below "
		    "--warning-time %g", o.crit_time, o.warn_time);
	if (o.crit_days > o.warn_days)
		return cli_check_unknown("--cert-critical-days %ld is over "
		    "--cert-warning-days %ld", o.crit_days, o.warn_days);
	ret = cli_check_open(c);
	if (ret)
		return ret;
	if (group != NULL) {
		rc = store_list(c->st, group, true, &l, &cause);
		if (rc == PC_OK && l.n == 0) {
			store_list_cleanup(&l);
			return cli_check_unknown("no profile in group '%s'",
			    group);
		}
	} else {
		rc = store_get(c->st, name, &p, &cause);
		if (rc == PC_OK) {
			l.v = xcalloc(1, sizeof *l.v);
			l.v[0] = p;
			l.n = 1;
		}
	}
	if (rc) {
		ret = cli_check_unknown("%s", cause != NULL ? cause :
		    pc_err_str(rc));
		free(cause);
		return ret;
	}
	res = xcalloc((size_t)l.n, sizeof *res);
	cli_check_run(c, &l, jobs, &o, res);
	ret = cli_check_print(group, &l, res);
	fflush(stdout);
	for (i = 0; i < l.n; i++) {
		free(res[i].text);
		free(res[i].perf);
	}
	free(res);
	if (group != NULL)
		store_list_cleanup(&l);
	else {
		profile_free(p);
		free(l.v);
	}
	return ret;
}
