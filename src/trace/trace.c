/*
 * trace.c - the bounded event ring behind every trace view.  Links only the
 * core: the TUI, the CLI and the file writer are sinks that subscribe.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/str.h"
#include "popconn/trace.h"
#include "popconn/xmalloc.h"

#define TRACE_SINKS 4

struct trace {
	struct trace_event *ring;	/* ring_max slots */
	size_t		 ring_max;
	size_t		 head;		/* index of the oldest event */
	size_t		 count;
	uint64_t	 seq;
	uint64_t	 dropped;
	struct {
		trace_sink_cb	 cb;
		void		*arg;
	}		 sinks[TRACE_SINKS];
	int		 nsinks;
};

struct trace *
trace_new(size_t ring_max)
{
	struct trace *tr;

	tr = xcalloc(1, sizeof *tr);
	tr->ring_max = ring_max == 0 ? 4096 : ring_max;
	tr->ring = xcalloc(tr->ring_max, sizeof *tr->ring);
	return tr;
}

void
trace_free(struct trace *tr)
{
	size_t i;

	if (tr == NULL)
		return;
	/* Only the slots in use: touching all ring_max of them faulted in
	 * pages a short logon never wrote. */
	for (i = 0; i < tr->count; i++)
		free(tr->ring[(tr->head + i) % tr->ring_max].text);
	free(tr->ring);
	free(tr);
}

int
trace_subscribe(struct trace *tr, trace_sink_cb cb, void *arg)
{
	if (tr->nsinks == TRACE_SINKS)
		return -1;
	tr->sinks[tr->nsinks].cb = cb;
	tr->sinks[tr->nsinks].arg = arg;
	tr->nsinks++;
	return 0;
}

static void
trace_store(struct trace *tr, int64_t t_us, enum trace_kind kind, char *text)
{
	struct trace_event *ev;
	size_t slot;
	int i;

	if (tr->count == tr->ring_max) {
		free(tr->ring[tr->head].text);
		tr->ring[tr->head].text = NULL;
		tr->head = (tr->head + 1) % tr->ring_max;
		tr->count--;
		tr->dropped++;
	}
	slot = (tr->head + tr->count) % tr->ring_max;
	ev = &tr->ring[slot];
	ev->seq = ++tr->seq;
	ev->t_us = t_us;
	ev->kind = kind;
	ev->text = text;
	tr->count++;
	for (i = 0; i < tr->nsinks; i++)
		tr->sinks[i].cb(tr->sinks[i].arg, ev);
}

void
trace_emit(struct trace *tr, int64_t t_us, enum trace_kind kind,
    const char *text, size_t len)
{
	trace_store(tr, t_us, kind, str_escape(text, len));
}

void
trace_emit_escaped(struct trace *tr, int64_t t_us, enum trace_kind kind,
    const char *text)
{
	size_t len = strlen(text);

	trace_store(tr, t_us, kind, str_printable(text, len) ? xstrdup(text) :
	    str_escape(text, len));
}

void
trace_emitf(struct trace *tr, int64_t t_us, enum trace_kind kind,
    const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	trace_emit(tr, t_us, kind, s, strlen(s));
	free(s);
}

size_t
trace_count(const struct trace *tr)
{
	return tr->count;
}

const struct trace_event *
trace_get(const struct trace *tr, size_t i)
{
	if (i >= tr->count)
		return NULL;
	return &tr->ring[(tr->head + i) % tr->ring_max];
}

uint64_t
trace_dropped(const struct trace *tr)
{
	return tr->dropped;
}

const char *
trace_kind_tag(enum trace_kind k)
{
	static const char *const tags[TRACE__COUNT] = {
		[TRACE_CONNECT] = "**", [TRACE_PROXY] = "PX",
		[TRACE_TLS] = "TL", [TRACE_SEND] = "C:", [TRACE_RECV] = "S:",
		[TRACE_STATE] = "--", [TRACE_INFO] = "..",
		[TRACE_ERROR] = "!!",
	};

	if ((unsigned)k >= TRACE__COUNT)
		return "??";
	return tags[k];
}

char *
trace_format(const struct trace_event *ev)
{
	return xasprintf("%4lld.%03lld %s %s",
	    (long long)(ev->t_us / 1000000),
	    (long long)(ev->t_us / 1000 % 1000), trace_kind_tag(ev->kind),
	    ev->text);
}
