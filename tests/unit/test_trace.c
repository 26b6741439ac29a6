/*
 * test_trace.c - the trace ring: order, bounds, sinks, escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "popconn/trace.h"

struct seen {
	int		 n;
	uint64_t	 last_seq;
	char		 last[256];
};

static void
sink(void *arg, const struct trace_event *ev)
{
	struct seen *s = arg;

	s->n++;
	s->last_seq = ev->seq;
	strncpy(s->last, ev->text, sizeof s->last - 1);
}

static void
test_trace_ring_and_sinks(void **state)
{
	struct trace *tr;
	struct seen a = { 0 }, b = { 0 };
	int i;

	(void)state;
	tr = trace_new(4);
	assert_int_equal(trace_subscribe(tr, sink, &a), 0);
	assert_int_equal(trace_subscribe(tr, sink, &b), 0);
	for (i = 0; i < 10; i++)
		trace_emitf(tr, i * 1000, TRACE_RECV, "line %d", i);
	assert_int_equal(a.n, 10);
	assert_int_equal(b.n, 10);
	assert_string_equal(a.last, "line 9");
	assert_int_equal(trace_count(tr), 4);
	assert_int_equal(trace_dropped(tr), 6);
	assert_string_equal(trace_get(tr, 0)->text, "line 6");
	assert_int_equal(trace_get(tr, 0)->seq, 7);
	assert_string_equal(trace_get(tr, 3)->text, "line 9");
	assert_null(trace_get(tr, 4));
	trace_free(tr);
}

static void
test_trace_escapes_everything(void **state)
{
	struct trace *tr;
	const struct trace_event *ev;
	char *line;

	(void)state;
	tr = trace_new(0);
	trace_emit(tr, 1500, TRACE_RECV, "+OK \x1b[31mred\x1b]0;t\x07\0x", 20);
	ev = trace_get(tr, 0);
	assert_null(strchr(ev->text, 0x1b));
	assert_null(strchr(ev->text, 0x07));
	assert_non_null(strstr(ev->text, "\\x1b[31mred"));
	assert_non_null(strstr(ev->text, "\\x00x"));
	line = trace_format(ev);
	assert_non_null(strstr(line, "0.001 S: +OK"));
	free(line);
	trace_free(tr);
}

static void
test_trace_escaped_text_not_doubled(void **state)
{
	struct trace *tr;

	(void)state;
	tr = trace_new(0);
	/* Already escaped by the POP3 machine: kept as it is. */
	trace_emit_escaped(tr, 0, TRACE_RECV, "+OK \\x1b[2J ready");
	assert_string_equal(trace_get(tr, 0)->text, "+OK \\x1b[2J ready");
	/* A raw control or C1 byte is still escaped. */
	trace_emit_escaped(tr, 0, TRACE_RECV, "bad \x1b[2J and \x9b");
	assert_null(strchr(trace_get(tr, 1)->text, 0x1b));
	assert_null(strchr(trace_get(tr, 1)->text, (char)0x9b));
	trace_free(tr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_ring_and_sinks),
		cmocka_unit_test(test_trace_escapes_everything),
		cmocka_unit_test(test_trace_escaped_text_not_doubled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
