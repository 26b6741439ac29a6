/*
 * run.h - what happens around a test logon, the same for the command line
 * and the terminal UI (src/run, library pc_run): before it, which saved
 * capabilities a repeat trusts and the built-in OAuth2 token; after it,
 * the result recorded (the test history row and the capabilities CAPA
 * showed) and rendered as text; and one runner for many logons at once
 * (test --group, check), which never blocks unless asked to.
 */
#ifndef POPCONN_RUN_H
#define POPCONN_RUN_H

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>

#include "popconn/logon.h"
#include "popconn/profile.h"
#include "popconn/store.h"
#include "popconn/trace.h"

/* run.c */
/*
 * The capabilities the last test saw at p's endpoint, for a repeat that
 * skips CAPA; NULL (with a trace note saying so) when none are saved, or
 * when saved is false (p has unsaved changes: nothing is looked up).
 * Caller frees.
 */
char		*run_trusted(struct store *st, const struct profile *p,
		    struct trace *tr, bool saved);
/*
 * Start one test logon of p as every front does: the built-in OAuth2
 * token first (bounded by the profile's timeout), then logon_new with lo
 * (NULL: the defaults; its trusted_capa is used as given).  Never NULL.
 */
struct logon	*run_start(struct store *st, const struct profile *p,
		    struct trace *tr, const struct logon_opts *lo);
/*
 * After a test of the saved profile p: the test history row (source
 * "test", "check" or "tui"), filled into h (clean up with
 * store_test_cleanup; h->id 0 when it could not be written), and, with
 * capa, what CAPA said over TLS kept for a repeat (trusted lines the logon
 * failed with are forgotten).  A database that cannot be written
 * (read-only) fails neither: returns whether the history row was written.
 */
bool		 run_record(struct store *st, const struct profile *p,
		    const struct logon_result *r, const char *source, bool capa,
		    struct store_test *h);

/* run_text.c */
/* A finished test as text: steps, TLS, mailbox, diagnosis, hint, time. */
void		 run_text_result(FILE *f, const struct logon_result *r);

/* run_batch.c */
struct run_batch;
/*
 * The next profile to test, or NULL when there is none (now or at all:
 * the batch then starts nothing more).  Owned by the batch when
 * run_batch_opts.own, else borrowed until its done callback returns.
 */
typedef struct profile *(*run_batch_next_cb)(void *arg);
/*
 * A logon finished: p as next gave it, its result and trace (both
 * borrowed, freed when the callback returns).
 */
typedef void (*run_batch_done_cb)(void *arg, const struct profile *p,
    const struct logon_result *r, const struct trace *tr);

struct run_batch_opts {
	long		 jobs;		/* at most this many at once, >= 1 */
	size_t		 trace_cap;	/* each session's ring (trace_new) */
	const struct logon_opts *lo;	/* NULL: the defaults */
	bool		 trust;		/* saved capabilities (run_trusted) */
	bool		 own;		/* free the profiles next gives */
	run_batch_next_cb next;
	run_batch_done_cb done;
	void		*arg;
};

/* Many test logons at once (o is copied); nothing starts before a poll. */
struct run_batch *run_batch_new(struct store *st,
		    const struct run_batch_opts *o);
/*
 * Start sessions while slots are free, then fill fds (room for
 * o->jobs entries) with what the running ones wait for; returns the
 * count, *timeout the milliseconds to the nearest deadline (-1: none).
 */
int		 run_batch_pollfds(struct run_batch *b, struct pollfd *fds,
		    int *timeout);
/* After poll(): advance every session and report the finished ones. */
void		 run_batch_advance(struct run_batch *b);
/* Whether nothing runs and next has nothing more. */
bool		 run_batch_done(const struct run_batch *b);
/*
 * Run to the end, blocking in poll().  PC_E_IO when poll() failed (errno
 * kept): the sessions still running stay in the batch, unreported.
 */
enum pc_err	 run_batch_run(struct run_batch *b);
/* Stop what still runs, without a report, and free.  NULL allowed. */
void		 run_batch_free(struct run_batch *b);

#endif
