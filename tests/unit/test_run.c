/*
 * test_run.c - the after-test module (src/run) on a real SQLite file and
 * real loopback sockets: run_record keeps the history row and, only when
 * asked, the capabilities (the named drift: the TUI group test never kept
 * them); run_trusted gives them back for the same endpoint, and says in
 * the trace when it has none or the profile is unsaved; the runner starts
 * every profile once, never more than jobs at a time, reports each once
 * with its own trace, and owns (frees) the profiles only when told;
 * run_text_result prints the diagnosis with its hint.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "popconn/diag.h"
#include "popconn/run.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"

#define RUN_T_N		5

struct run_env {
	char		*dir;
	struct store	*st;
	int		 fd;		/* bound, never listening: refused */
	int		 port;
};

static int
run_rm_cb(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A saved profile on 127.0.0.1:port without TLS. */
static struct profile *
run_t_profile(struct run_env *e, const char *name)
{
	struct profile *p = profile_new();
	char *cause = NULL;

	xstr_replace(&p->name, name);
	xstr_replace(&p->address, "127.0.0.1");
	p->port = e->port;
	p->port_typed = true;
	p->security = PROF_SEC_NONE;
	p->timeout = 10;
	if (store_add(e->st, p, &cause) != PC_OK)
		fail_msg("store_add %s: %s", name, cause);
	return p;
}

static int
run_setup(void **state)
{
	struct run_env *e = xcalloc(1, sizeof *e);
	struct store_opts o;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	char *cause = NULL, *db, *key;

	e->dir = xstrdup("/tmp/popconn-run-XXXXXX");
	if (mkdtemp(e->dir) == NULL)
		return -1;
	db = xasprintf("%s/popconn.db", e->dir);
	key = xasprintf("%s/key", e->dir);
	memset(&o, 0, sizeof o);
	o.db_path = db;
	o.key_path = key;
	o.os_user = "alice";
	if (store_open(&o, &e->st, &cause) != PC_OK) {
		print_error("store_open: %s\n", cause);
		return -1;
	}
	free(db);
	free(key);
	/* A port that refuses: bound (so nobody else takes it), no listen. */
	e->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (e->fd < 0 || bind(e->fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(e->fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	e->port = ntohs(sa.sin_port);
	*state = e;
	return 0;
}

static int
run_teardown(void **state)
{
	struct run_env *e = *state;

	store_close(e->st);
	close(e->fd);
	nftw(e->dir, run_rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	free(e->dir);
	free(e);
	return 0;
}

/* A finished logon as the driver gives it: ok, with CAPA's lines. */
static void
run_t_result(struct logon_result *r, const char *capa)
{
	memset(r, 0, sizeof *r);
	r->diag = DIAG_OK;
	r->message = (char *)(uintptr_t)"logged on";
	r->elapsed_ms = 12;
	r->capa = (char *)(uintptr_t)capa;
}

/* Whether tr holds an event whose text contains s. */
static bool
run_t_traced(const struct trace *tr, const char *s)
{
	size_t i;

	for (i = 0; i < trace_count(tr); i++)
		if (strstr(trace_get(tr, i)->text, s) != NULL)
			return true;
	return false;
}

static void
test_run_record_capa(void **state)
{
	struct run_env *e = *state;
	struct profile *p = run_t_profile(e, "rec");
	struct store_test_list l = { 0 };
	struct logon_result r;
	struct store_test h;
	struct trace *tr;
	char *endpoint, *capa = NULL;

	endpoint = logon_endpoint(p);
	/* Without capa: the history row only, nothing for a repeat. */
	run_t_result(&r, "USER\nSASL PLAIN");
	assert_true(run_record(e->st, p, &r, "check", false, &h));
	assert_true(h.id != 0);
	store_test_cleanup(&h);
	assert_int_equal(store_capa_get(e->st, "rec", endpoint, &capa, NULL,
	    NULL), PC_E_NOTFOUND);
	tr = trace_new(0);
	assert_null(run_trusted(e->st, p, tr, true));
	assert_true(run_t_traced(tr, "no capabilities saved for"));
	trace_free(tr);

	/* With capa (every front's test now): both, and a repeat trusts. */
	assert_true(run_record(e->st, p, &r, "tui", true, &h));
	store_test_cleanup(&h);
	assert_int_equal(store_capa_get(e->st, "rec", endpoint, &capa, NULL,
	    NULL), PC_OK);
	assert_string_equal(capa, "USER\nSASL PLAIN");
	free(capa);
	tr = trace_new(0);
	capa = run_trusted(e->st, p, tr, true);
	assert_non_null(capa);
	assert_string_equal(capa, "USER\nSASL PLAIN");
	assert_false(run_t_traced(tr, "no capabilities saved"));
	free(capa);
	trace_free(tr);

	/* Unsaved values look nothing up, and the trace says why. */
	tr = trace_new(0);
	assert_null(run_trusted(e->st, p, tr, false));
	assert_true(run_t_traced(tr, "(the profile has unsaved changes)"));
	trace_free(tr);

	assert_int_equal(store_test_list(e->st, "rec", 0, &l, NULL), PC_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].source, "tui");
	assert_string_equal(l.v[1].source, "check");
	store_test_list_cleanup(&l);
	free(endpoint);
	profile_free(p);
}

struct run_t_batch {
	struct profile	*v[RUN_T_N];
	int		 next;
	int		 seen[RUN_T_N];	/* reports per profile */
	int		 running;
	int		 most;		/* most running at once */
	bool		 own;
	bool		 traced;	/* every report had its own events */
	struct store	*st;
};

static struct profile *
run_t_next(void *arg)
{
	struct run_t_batch *b = arg;
	struct profile *p;

	if (b->next == RUN_T_N)
		return NULL;
	p = b->own ? profile_dup(b->v[b->next]) : b->v[b->next];
	b->next++;
	if (++b->running > b->most)
		b->most = b->running;
	return p;
}

static void
run_t_done(void *arg, const struct profile *p, const struct logon_result *r,
    const struct trace *tr)
{
	struct run_t_batch *b = arg;
	struct store_test h;
	int i;

	b->running--;
	for (i = 0; i < RUN_T_N; i++)
		if (strcmp(b->v[i]->name, p->name) == 0)
			b->seen[i]++;
	assert_int_equal(r->diag, DIAG_CONNECT_REFUSED);
	if (trace_count(tr) == 0 || !run_t_traced(tr, "127.0.0.1"))
		b->traced = false;
	run_record(b->st, p, r, "test", true, &h);
	store_test_cleanup(&h);
}

/*
 * b for a batch of RUN_T_N new profiles named prefix0..: its options in
 * o (jobs at once; own: the batch gets copies and frees them).
 */
static void
run_t_init(struct run_env *e, struct run_t_batch *b,
    struct run_batch_opts *o, const char *prefix, bool own, long jobs)
{
	char name[16];
	int i;

	memset(b, 0, sizeof *b);
	b->own = own;
	b->traced = true;
	b->st = e->st;
	for (i = 0; i < RUN_T_N; i++) {
		snprintf(name, sizeof name, "%s%d", prefix, i);
		b->v[i] = run_t_profile(e, name);
	}
	memset(o, 0, sizeof *o);
	o->jobs = jobs;
	o->trace_cap = 64;
	o->own = own;
	o->next = run_t_next;
	o->done = run_t_done;
	o->arg = b;
}

static void
run_t_batch(struct run_env *e, bool own, long jobs)
{
	struct run_t_batch b;
	struct run_batch_opts o;
	struct run_batch *rb;
	struct store_test_list l = { 0 };
	int i;

	run_t_init(e, &b, &o, own ? "own" : "lent", own, jobs);
	rb = run_batch_new(e->st, &o);
	assert_false(run_batch_done(rb));
	assert_int_equal(run_batch_run(rb), PC_OK);
	assert_true(run_batch_done(rb));
	run_batch_free(rb);
	for (i = 0; i < RUN_T_N; i++) {
		assert_int_equal(b.seen[i], 1);
		assert_int_equal(store_test_list(e->st, b.v[i]->name, 0, &l,
		    NULL), PC_OK);
		assert_int_equal(l.n, 1);
		assert_string_equal(l.v[0].diagnosis, "connect_refused");
		store_test_list_cleanup(&l);
		profile_free(b.v[i]);
	}
	assert_int_equal(b.next, RUN_T_N);
	assert_int_equal(b.running, 0);
	assert_true(b.most >= 1 && b.most <= jobs);
	assert_true(b.traced);
}

static void
test_run_batch_lent(void **state)
{
	run_t_batch(*state, false, 2);
}

/* Owned profiles (copies) are freed by the batch: ASan sees any leak. */
static void
test_run_batch_owned(void **state)
{
	run_t_batch(*state, true, 8);
}

/* Non-blocking use: the caller's own loop, one pass at a time. */
static void
test_run_batch_steps(void **state)
{
	struct run_env *e = *state;
	struct run_t_batch b;
	struct run_batch_opts o;
	struct run_batch *rb;
	struct pollfd fds[3];
	int i, nf, timeout, passes = 0;

	run_t_init(e, &b, &o, "step", false, 3);
	rb = run_batch_new(e->st, &o);
	while (!run_batch_done(rb) && passes++ < 10000) {
		nf = run_batch_pollfds(rb, fds, &timeout);
		assert_true(nf <= 3);
		assert_true(b.running <= 3);
		if (nf > 0 || timeout > 0)
			(void)poll(fds, (nfds_t)nf, timeout < 0 ? 0 : timeout);
		run_batch_advance(rb);
	}
	assert_true(run_batch_done(rb));
	run_batch_free(rb);
	for (i = 0; i < RUN_T_N; i++) {
		assert_int_equal(b.seen[i], 1);
		profile_free(b.v[i]);
	}
	assert_true(b.traced);
}

/* A batch freed while its sessions run reports none of them. */
static void
test_run_batch_free_early(void **state)
{
	struct run_env *e = *state;
	struct run_t_batch b;
	struct run_batch_opts o;
	struct run_batch *rb;
	struct pollfd fds[RUN_T_N];
	int i, timeout;

	run_t_init(e, &b, &o, "early", true, RUN_T_N);
	rb = run_batch_new(e->st, &o);
	(void)run_batch_pollfds(rb, fds, &timeout);
	assert_int_equal(b.next, RUN_T_N);
	run_batch_free(rb);
	for (i = 0; i < RUN_T_N; i++) {
		assert_int_equal(b.seen[i], 0);
		profile_free(b.v[i]);
	}
}

static void
test_run_text(void **state)
{
	struct logon_result r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	run_t_result(&r, NULL);
	r.diag = DIAG_CONNECT_REFUSED;
	r.failed_step = "connect";
	r.message = (char *)(uintptr_t)"127.0.0.1 port 9 refused";
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	run_text_result(f, &r);
	fclose(f);
	assert_non_null(strstr(buf, "\nDiagnosis: connect_refused at step "
	    "connect\n  127.0.0.1 port 9 refused\n  Hint: "));
	assert_non_null(strstr(buf, "Time: 12 ms\n"));
	assert_null(strstr(buf, "TLS:"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_record_capa,
		    run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_batch_lent,
		    run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_batch_owned,
		    run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_batch_steps,
		    run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_batch_free_early,
		    run_setup, run_teardown),
		cmocka_unit_test(test_run_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
