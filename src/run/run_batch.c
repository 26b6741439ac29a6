/*
 * run_batch.c - many test logons at once in one poll() loop (no thread
 * per session), at most jobs of them: "popconn test --group" (with
 * --prom) and "popconn check" drive it to the end with run_batch_run; a
 * caller with a loop of its own uses run_batch_pollfds and
 * run_batch_advance instead, so it never blocks.  Sessions end in slot
 * order within one pass, and each is reported once, as it ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/run.h"
#include "popconn/xmalloc.h"

struct run_batch_job {
	struct logon	*lg;
	struct trace	*tr;
	struct profile	*p;		/* owned when o.own */
};

struct run_batch {
	struct store	*st;
	struct run_batch_opts o;
	struct run_batch_job *run;	/* o.jobs slots */
	int		 active;
	bool		 end;		/* next gave NULL */
};

struct run_batch *
run_batch_new(struct store *st, const struct run_batch_opts *o)
{
	struct run_batch *b;

	b = xcalloc(1, sizeof *b);
	b->st = st;
	b->o = *o;
	b->run = xcalloc((size_t)o->jobs, sizeof *b->run);
	return b;
}

/* One session of p in slot j: its own trace, trusted lines if asked. */
static void
run_batch_start(struct run_batch *b, struct run_batch_job *j,
    struct profile *p)
{
	struct logon_opts o;
	char *capa = NULL;

	if (b->o.lo != NULL)
		o = *b->o.lo;
	else
		memset(&o, 0, sizeof o);
	j->tr = trace_new(b->o.trace_cap);
	j->p = p;
	if (b->o.trust)
		capa = run_trusted(b->st, p, j->tr, true);
	o.trusted_capa = capa;
	j->lg = run_start(b->st, p, j->tr, &o);
	free(capa);
	b->active++;
}

int
run_batch_pollfds(struct run_batch *b, struct pollfd *fds, int *timeout)
{
	struct run_batch_job *j;
	struct profile *p;
	int i, n, nf = 0, t;

	/* Start sessions while there are free slots. */
	for (i = 0; i < b->o.jobs && !b->end; i++) {
		if (b->run[i].lg != NULL)
			continue;
		p = b->o.next(b->o.arg);
		if (p == NULL) {
			b->end = true;
			break;
		}
		run_batch_start(b, &b->run[i], p);
	}
	*timeout = -1;
	for (i = 0; i < b->o.jobs; i++) {
		j = &b->run[i];
		if (j->lg == NULL || logon_done(j->lg))
			continue;
		n = logon_pollfds(j->lg, fds + nf, 1);
		nf += n == 1;
		t = logon_timeout_ms(j->lg);
		if (*timeout < 0 || t < *timeout)
			*timeout = t;
	}
	return nf;
}

/* Free slot j's session (and its profile when owned). */
static void
run_batch_clear(struct run_batch *b, struct run_batch_job *j)
{
	logon_free(j->lg);
	trace_free(j->tr);
	if (b->o.own)
		profile_free(j->p);
	memset(j, 0, sizeof *j);
}

void
run_batch_advance(struct run_batch *b)
{
	struct run_batch_job *j;
	int i;

	for (i = 0; i < b->o.jobs; i++)
		if (b->run[i].lg != NULL && !logon_done(b->run[i].lg))
			logon_advance(b->run[i].lg, NULL, 0);
	/* Collect finished sessions. */
	for (i = 0; i < b->o.jobs; i++) {
		j = &b->run[i];
		if (j->lg == NULL || !logon_done(j->lg))
			continue;
		b->o.done(b->o.arg, j->p, logon_result(j->lg), j->tr);
		run_batch_clear(b, j);
		b->active--;
	}
}

bool
run_batch_done(const struct run_batch *b)
{
	return b->end && b->active == 0;
}

enum pc_err
run_batch_run(struct run_batch *b)
{
	struct pollfd *fds;
	enum pc_err rc = PC_OK;
	int nf, timeout;

	fds = xcalloc((size_t)b->o.jobs, sizeof *fds);
	while (!run_batch_done(b)) {
		nf = run_batch_pollfds(b, fds, &timeout);
		if (nf > 0 || timeout > 0)
			if (poll(fds, (nfds_t)nf, timeout < 0 ? 0 : timeout) <
			    0 && errno != EINTR) {
				rc = PC_E_IO;
				break;
			}
		run_batch_advance(b);
	}
	free(fds);
	return rc;
}

void
run_batch_free(struct run_batch *b)
{
	int i, saved = errno;

	if (b == NULL)
		return;
	for (i = 0; i < b->o.jobs; i++)
		if (b->run[i].lg != NULL)
			run_batch_clear(b, &b->run[i]);
	free(b->run);
	free(b);
	errno = saved;
}
