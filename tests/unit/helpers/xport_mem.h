/*
 * xport_mem.h - in-memory transports for tests (no sockets, no mocks).
 *
 * Two kinds:
 *
 * A scripted peer: a list of steps.  EXPECT steps are what the code under
 * test must write, byte for byte (a mismatch fails the write with PC_E_IO
 * and is recorded for xport_mem_error); REPLY steps become readable once
 * every EXPECT before them was written; EOF and FAIL end the stream.
 * Writes may run ahead of reads (the next EXPECT is matched), reads never
 * run ahead of writes (PC_E_AGAIN until the EXPECT is satisfied).
 *
 *	m = xport_mem_new();
 *	xport_mem_expect(m, "\x05\x01\x00", 3);
 *	xport_mem_reply(m, "\x05\x00", 2);
 *	xport_mem_eof(m);
 *
 * A pipe pair: two connected ends, what one writes the other reads, and a
 * close on one end is an end of stream for the other once drained.  The
 * TLS tests run a wolfSSL server on one end.
 *
 * Both kinds take delivery controls: a chunk size (1 delivers byte by
 * byte), an AGAIN mode (every other read/write returns PC_E_AGAIN first)
 * and a number of PC_E_AGAIN answers to connect.  xport_fd is -1: a test
 * drives the stack by calling it in a loop instead of polling.
 */
#ifndef POPCONN_TEST_XPORT_MEM_H
#define POPCONN_TEST_XPORT_MEM_H

#include <stddef.h>

#include "popconn/xport.h"

/* xport_mem.c */
/* A scripted peer with an empty script.  Free with xport_free. */
struct xport	*xport_mem_new(void);
/* The code under test must write exactly these bytes next. */
void		 xport_mem_expect(struct xport *x, const void *data,
		    size_t len);
void		 xport_mem_expect_str(struct xport *x, const char *s);
/*
 * The code under test may write anything that ends with term (checked as
 * the bytes arrive); what it wrote is in xport_mem_written.
 */
void		 xport_mem_expect_until(struct xport *x, const char *term);
/* Then these bytes become readable. */
void		 xport_mem_reply(struct xport *x, const void *data,
		    size_t len);
void		 xport_mem_reply_str(struct xport *x, const char *s);
/* Then reads see the end of the stream (PC_E_CLOSED). */
void		 xport_mem_eof(struct xport *x);
/* Then reads and writes fail with PC_E_IO, last_errno err. */
void		 xport_mem_fail(struct xport *x, int err);

/* 1 when every step of the script was consumed (EOF/FAIL reached). */
int		 xport_mem_done(struct xport *x);
/* The first mismatch or unexpected write, NULL when none.  Borrowed. */
const char	*xport_mem_error(struct xport *x);
/* Every byte the code under test wrote so far.  Borrowed. */
const unsigned char *xport_mem_written(struct xport *x, size_t *len);

/* Two connected in-memory ends.  Free each with xport_free. */
void		 xport_mem_pair(struct xport **a, struct xport **b);

/* Delivery controls (both kinds). */
void		 xport_mem_set_chunk(struct xport *x, size_t n); /* 0: any */
void		 xport_mem_set_again(struct xport *x, int on);
void		 xport_mem_set_connect_again(struct xport *x, int n);
/* Count of read/write calls that returned PC_E_AGAIN. */
int		 xport_mem_agains(struct xport *x);

#endif
