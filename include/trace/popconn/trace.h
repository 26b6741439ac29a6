/*
 * trace.h - the protocol trace of a test logon: a stream of events (sequence
 * number, time since the session started, kind, text) kept in a bounded
 * ring and pushed live to subscribed sinks (the TUI pane, the CLI's standard
 * output, a file).
 *
 * Redaction happens at the source: whoever emits an event has already put
 * "<redacted>" in place of any secret.  The trace additionally escapes
 * control characters, so no event text can reach a terminal raw.
 */
#ifndef POPCONN_TRACE_H
#define POPCONN_TRACE_H

#include <stddef.h>
#include <stdint.h>

enum trace_kind {
	TRACE_CONNECT,		/* DNS, TCP */
	TRACE_PROXY,		/* proxy handshake */
	TRACE_TLS,		/* handshake, certificate */
	TRACE_SEND,		/* client line (redacted) */
	TRACE_RECV,		/* server line (escaped) */
	TRACE_STATE,		/* protocol state change */
	TRACE_INFO,		/* decisions, e.g. why a method was chosen */
	TRACE_ERROR,		/* what went wrong */
	TRACE__COUNT
};

struct trace_event {
	uint64_t	 seq;		/* 1, 2, ... */
	int64_t		 t_us;		/* microseconds since session start */
	enum trace_kind	 kind;
	char		*text;		/* escaped and redacted; owned */
};

struct trace;

/* Called for every new event, in order.  ev is borrowed for the call. */
typedef void (*trace_sink_cb)(void *arg, const struct trace_event *ev);

/* trace.c */
/* A trace keeping at most ring_max events (0 = 4096).  Caller frees. */
struct trace	*trace_new(size_t ring_max);
void		 trace_free(struct trace *tr);		/* NULL allowed */
/* Subscribe a sink (at most 4).  Returns 0, or -1 when full. */
int		 trace_subscribe(struct trace *tr, trace_sink_cb cb, void *arg);
/*
 * Record an event.  text (len bytes, may hold any byte) is escaped before
 * it is stored.  The caller guarantees it holds no secret.
 */
void		 trace_emit(struct trace *tr, int64_t t_us,
		    enum trace_kind kind, const char *text, size_t len);
/*
 * Record text that str_escape() already made printable (the POP3 machine
 * escapes server lines itself): stored as it is, so backslashes are not
 * doubled.  Should it hold a control character after all, it is escaped
 * like trace_emit would.
 */
void		 trace_emit_escaped(struct trace *tr, int64_t t_us,
		    enum trace_kind kind, const char *text);
void		 trace_emitf(struct trace *tr, int64_t t_us,
		    enum trace_kind kind, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
/* Events still in the ring, oldest first; i < trace_count(tr). */
size_t		 trace_count(const struct trace *tr);
const struct trace_event *trace_get(const struct trace *tr, size_t i);
/* Events dropped from the front of the ring so far. */
uint64_t	 trace_dropped(const struct trace *tr);
/* "C:", "S:", "--" ... a short tag for a kind.  Never NULL. */
const char	*trace_kind_tag(enum trace_kind k);
/* "  0.012  S: +OK ready" for one event.  Caller frees. */
char		*trace_format(const struct trace_event *ev);

#endif
