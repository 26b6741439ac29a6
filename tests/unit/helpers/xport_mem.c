/*
 * xport_mem.c - the in-memory transports of xport_mem.h: a scripted peer
 * and a pipe pair, both with delivery controls (chunk size, AGAIN mode),
 * so the layers above can be tested byte by byte without a socket.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/buf.h"
#include "popconn/xmalloc.h"
#include "helpers/xport_mem.h"

enum xport_mem_kind {
	XPORT_MEM_EXPECT,
	XPORT_MEM_EXPECT_UNTIL,
	XPORT_MEM_REPLY,
	XPORT_MEM_EOF,
	XPORT_MEM_FAIL,
};

struct xport_mem_step {
	enum xport_mem_kind kind;
	unsigned char	*data;		/* owned (the terminator for UNTIL) */
	size_t		 len;
	int		 err;		/* FAIL: the errno */
};

/* One direction of a pipe pair. */
struct xport_mem_dir {
	struct buf	 q;
	int		 closed;	/* the writer closed it */
};

struct xport_mem_pipe {
	struct xport_mem_dir dir[2];	/* dir[i]: bytes written by side i */
	int		 refs;
};

struct xport_mem {
	struct xport	 base;
	/* scripted */
	struct xport_mem_step *steps;
	int		 nsteps;
	int		 rstep;		/* step reads deliver from */
	size_t		 roff;
	int		 wstep;		/* step writes must match */
	size_t		 woff;
	int		 peer_eof;	/* writes went past the script's EOF */
	struct buf	 written;
	char		*error;
	/* pair */
	struct xport_mem_pipe *pipe;
	int		 side;
	/* controls */
	size_t		 chunk;
	int		 again;
	int		 tick[2];	/* reads, writes */
	int		 agains;
	int		 connect_again;
};

static void
xport_mem_add(struct xport *x, enum xport_mem_kind kind, const void *data,
    size_t len, int err)
{
	struct xport_mem	*m = (struct xport_mem *)x;
	struct xport_mem_step	*s;

	m->steps = xreallocarray(m->steps, (size_t)m->nsteps + 1,
	    sizeof *m->steps);
	s = &m->steps[m->nsteps++];
	s->kind = kind;
	s->len = len;
	s->err = err;
	s->data = NULL;
	if (len > 0) {
		s->data = xmalloc(len);
		memcpy(s->data, data, len);
	}
}

void
xport_mem_expect(struct xport *x, const void *data, size_t len)
{
	xport_mem_add(x, XPORT_MEM_EXPECT, data, len, 0);
}

void
xport_mem_expect_str(struct xport *x, const char *s)
{
	xport_mem_expect(x, s, strlen(s));
}

void
xport_mem_expect_until(struct xport *x, const char *term)
{
	xport_mem_add(x, XPORT_MEM_EXPECT_UNTIL, term, strlen(term), 0);
}

void
xport_mem_reply(struct xport *x, const void *data, size_t len)
{
	xport_mem_add(x, XPORT_MEM_REPLY, data, len, 0);
}

void
xport_mem_reply_str(struct xport *x, const char *s)
{
	xport_mem_reply(x, s, strlen(s));
}

void
xport_mem_eof(struct xport *x)
{
	xport_mem_add(x, XPORT_MEM_EOF, NULL, 0, 0);
}

void
xport_mem_fail(struct xport *x, int err)
{
	xport_mem_add(x, XPORT_MEM_FAIL, NULL, 0, err);
}

static int
xport_mem_is_expect(const struct xport_mem_step *s)
{
	return s->kind == XPORT_MEM_EXPECT || s->kind == XPORT_MEM_EXPECT_UNTIL;
}

/*
 * AGAIN mode: every other call says "not now".  Reads and writes count
 * separately, or a caller alternating them would only ever see AGAIN.
 */
static int
xport_mem_skip(struct xport_mem *m, int dir)
{
	if (!m->again)
		return 0;
	if (m->tick[dir]++ % 2 == 0) {
		m->agains++;
		return 1;
	}
	return 0;
}

static enum pc_err
xport_mem_connect(struct xport *x)
{
	struct xport_mem	*m = (struct xport_mem *)x;

	if (m->connect_again > 0) {
		m->connect_again--;
		return PC_E_AGAIN;
	}
	return PC_OK;
}

static enum pc_err
xport_mem_script_read(struct xport_mem *m, unsigned char *buf, size_t len,
    size_t *got)
{
	struct xport_mem_step	*s;
	size_t			 n;

	for (;;) {
		if (m->rstep >= m->nsteps)
			return PC_E_AGAIN;	/* script ran dry: a stall */
		s = &m->steps[m->rstep];
		if (xport_mem_is_expect(s)) {
			if (m->rstep >= m->wstep)
				return PC_E_AGAIN;
			m->rstep++;
			continue;
		}
		if (s->kind == XPORT_MEM_EOF)
			return PC_E_CLOSED;
		if (s->kind == XPORT_MEM_FAIL) {
			m->base.last_errno = s->err;
			return xport_fail_set(&m->base, XPORT_FAIL_IO, PC_E_IO,
			    "mem: read failed: %s", strerror(s->err));
		}
		if (m->roff >= s->len) {
			m->rstep++;
			m->roff = 0;
			continue;
		}
		n = s->len - m->roff;
		n = n < len ? n : len;
		memcpy(buf, s->data + m->roff, n);
		m->roff += n;
		*got = n;
		return PC_OK;
	}
}

static enum pc_err xport_mem_mismatch(struct xport_mem *, const char *, ...)
		    PC_PRINTFLIKE(2, 3);

static enum pc_err
xport_mem_mismatch(struct xport_mem *m, const char *fmt, ...)
{
	va_list	 ap;

	if (m->error == NULL) {
		va_start(ap, fmt);
		m->error = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return xport_fail_set(&m->base, XPORT_FAIL_IO, PC_E_IO, "mem: %s",
	    m->error);
}

static enum pc_err
xport_mem_script_write(struct xport_mem *m, const unsigned char *buf,
    size_t len, size_t *put)
{
	struct xport_mem_step	*s;
	size_t			 done = 0, n, tl, i;

	while (done < len) {
		/* Find the expectation; a FAIL on the way fails the write. */
		while (m->wstep < m->nsteps &&
		    !xport_mem_is_expect(&m->steps[m->wstep])) {
			s = &m->steps[m->wstep];
			if (s->kind == XPORT_MEM_FAIL) {
				m->base.last_errno = s->err;
				return xport_fail_set(&m->base, XPORT_FAIL_IO,
				    PC_E_IO, "mem: write failed: %s",
				    strerror(s->err));
			}
			m->peer_eof |= s->kind == XPORT_MEM_EOF;
			m->wstep++;
		}
		if (m->wstep >= m->nsteps) {
			/*
			 * After the peer's EOF, TCP still takes bytes, in
			 * this call and in every later one.
			 */
			if (m->peer_eof) {
				buf_add(&m->written, buf + done, len - done);
				done = len;
				break;
			}
			return xport_mem_mismatch(m, "unexpected write after "
			    "the script (step %d, offset %zu)", m->wstep, done);
		}
		s = &m->steps[m->wstep];
		if (s->kind == XPORT_MEM_EXPECT) {
			n = s->len - m->woff;
			n = n < len - done ? n : len - done;
			if (memcmp(s->data + m->woff, buf + done, n) != 0) {
				for (i = 0; s->data[m->woff + i] ==
				    buf[done + i]; i++)
					continue;
				return xport_mem_mismatch(m, "write differs "
				    "from step %d at offset %zu (expected "
				    "0x%02x, got 0x%02x)", m->wstep,
				    m->woff + i, s->data[m->woff + i],
				    buf[done + i]);
			}
			buf_add(&m->written, buf + done, n);
			done += n;
			m->woff += n;
			if (m->woff < s->len)
				continue;
		} else {
			/* Take bytes one by one until the terminator. */
			buf_add(&m->written, buf + done, 1);
			done++;
			m->woff++;
			tl = s->len;
			if (m->woff < tl || memcmp(m->written.data +
			    m->written.len - tl, s->data, tl) != 0)
				continue;
		}
		m->wstep++;
		m->woff = 0;
	}
	*put = done;
	return PC_OK;
}

static enum pc_err
xport_mem_read(struct xport *x, void *buf, size_t len, size_t *got)
{
	struct xport_mem	*m = (struct xport_mem *)x;
	struct xport_mem_dir	*d;
	size_t			 n;

	if (x->closed)
		return PC_E_INVALID;
	if (xport_mem_skip(m, 0))
		return PC_E_AGAIN;
	if (m->chunk > 0 && len > m->chunk)
		len = m->chunk;
	if (m->pipe == NULL) {
		enum pc_err	 rc = xport_mem_script_read(m, buf, len, got);

		if (rc == PC_E_AGAIN)
			m->agains++;
		return rc;
	}
	d = &m->pipe->dir[!m->side];
	if (d->q.len == 0) {
		if (d->closed)
			return PC_E_CLOSED;
		m->agains++;
		return PC_E_AGAIN;
	}
	n = d->q.len < len ? d->q.len : len;
	memcpy(buf, d->q.data, n);
	buf_consume(&d->q, n);
	*got = n;
	return PC_OK;
}

static enum pc_err
xport_mem_write(struct xport *x, const void *buf, size_t len, size_t *put)
{
	struct xport_mem	*m = (struct xport_mem *)x;
	struct xport_mem_dir	*d;

	if (x->closed)
		return PC_E_INVALID;
	if (xport_mem_skip(m, 1))
		return PC_E_AGAIN;
	if (m->chunk > 0 && len > m->chunk)
		len = m->chunk;
	if (m->pipe == NULL)
		return xport_mem_script_write(m, buf, len, put);
	d = &m->pipe->dir[m->side];
	if (d->closed || m->pipe->dir[!m->side].closed) {
		/* The peer is gone: like EPIPE. */
		return xport_fail_set(x, XPORT_FAIL_CLOSED, PC_E_IO,
		    "mem: peer closed");
	}
	if (buf_add(&d->q, buf, len) != PC_OK)
		return PC_E_AGAIN;
	*put = len;
	return PC_OK;
}

static size_t
xport_mem_pending(struct xport *x)
{
	struct xport_mem	*m = (struct xport_mem *)x;
	struct xport_mem_step	*s;
	size_t			 n = 0;
	int			 i;

	if (m->pipe != NULL)
		return m->pipe->dir[!m->side].q.len;
	/* Every reply byte readable before the next unmet expectation. */
	for (i = m->rstep; i < m->nsteps; i++) {
		s = &m->steps[i];
		if (xport_mem_is_expect(s) && i >= m->wstep)
			break;
		if (s->kind == XPORT_MEM_EOF || s->kind == XPORT_MEM_FAIL)
			break;
		if (s->kind == XPORT_MEM_REPLY)
			n += s->len - (i == m->rstep ? m->roff : 0);
	}
	return n;
}

static int
xport_mem_fd(struct xport *x)
{
	return -1;
}

static short
xport_mem_poll_events(struct xport *x)
{
	return 0;
}

static void
xport_mem_close(struct xport *x)
{
	struct xport_mem	*m = (struct xport_mem *)x;

	if (m->pipe != NULL)
		m->pipe->dir[m->side].closed = 1;
}

static void
xport_mem_free(struct xport *x)
{
	struct xport_mem	*m = (struct xport_mem *)x;
	int			 i;

	for (i = 0; i < m->nsteps; i++)
		free(m->steps[i].data);
	free(m->steps);
	buf_cleanup(&m->written);
	free(m->error);
	if (m->pipe != NULL && --m->pipe->refs == 0) {
		buf_cleanup(&m->pipe->dir[0].q);
		buf_cleanup(&m->pipe->dir[1].q);
		free(m->pipe);
	}
	free(m);
}

static const struct xport_ops xport_mem_ops = {
	.name = "mem",
	.connect = xport_mem_connect,
	.read = xport_mem_read,
	.write = xport_mem_write,
	.poll_events = xport_mem_poll_events,
	.fd = xport_mem_fd,
	.pending = xport_mem_pending,
	.close = xport_mem_close,
	.free = xport_mem_free,
};

struct xport *
xport_mem_new(void)
{
	struct xport_mem	*m;

	m = xcalloc(1, sizeof *m);
	xport_init(&m->base, &xport_mem_ops, NULL);
	buf_init(&m->written, 0);
	return &m->base;
}

void
xport_mem_pair(struct xport **a, struct xport **b)
{
	struct xport_mem_pipe	*p;
	struct xport_mem	*m;

	p = xcalloc(1, sizeof *p);
	buf_init(&p->dir[0].q, 4 * 1024 * 1024);
	buf_init(&p->dir[1].q, 4 * 1024 * 1024);
	p->refs = 2;
	*a = xport_mem_new();
	*b = xport_mem_new();
	m = (struct xport_mem *)*a;
	m->pipe = p;
	m->side = 0;
	m = (struct xport_mem *)*b;
	m->pipe = p;
	m->side = 1;
}

int
xport_mem_done(struct xport *x)
{
	struct xport_mem	*m = (struct xport_mem *)x;
	int			 i;

	for (i = 0; i < m->nsteps; i++) {
		if (xport_mem_is_expect(&m->steps[i]) && i >= m->wstep)
			return 0;
		if (m->steps[i].kind == XPORT_MEM_REPLY && (i > m->rstep ||
		    (i == m->rstep && m->roff < m->steps[i].len)))
			return 0;
	}
	return 1;
}

const char *
xport_mem_error(struct xport *x)
{
	return ((struct xport_mem *)x)->error;
}

const unsigned char *
xport_mem_written(struct xport *x, size_t *len)
{
	struct xport_mem	*m = (struct xport_mem *)x;

	*len = m->written.len;
	return (const unsigned char *)(m->written.data != NULL ?
	    m->written.data : "");
}

void
xport_mem_set_chunk(struct xport *x, size_t n)
{
	((struct xport_mem *)x)->chunk = n;
}

void
xport_mem_set_again(struct xport *x, int on)
{
	((struct xport_mem *)x)->again = on;
}

void
xport_mem_set_connect_again(struct xport *x, int n)
{
	((struct xport_mem *)x)->connect_again = n;
}

int
xport_mem_agains(struct xport *x)
{
	return ((struct xport_mem *)x)->agains;
}
