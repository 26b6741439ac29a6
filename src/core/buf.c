/*
 * buf.c - bounded growable buffers (after curl's dynbuf): every buffer that
 * holds outside input has a hard maximum so a hostile peer cannot make us
 * grow without end.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/buf.h"

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max == 0 ? SIZE_MAX / 2 : max;
}

void
buf_init_secret(struct buf *b, size_t max)
{
	buf_init(b, max);
	b->sensitive = 1;
}

void
buf_cleanup(struct buf *b)
{
	if (b->data != NULL) {
		if (b->sensitive)
			xfreezero(b->data, b->cap);
		else
			free(b->data);
	}
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	if (b->data != NULL) {
		if (b->sensitive)
			explicit_bzero(b->data, b->cap);
		b->data[0] = '\0';
	}
	b->len = 0;
}

static void
buf_grow(struct buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (need <= b->cap)
		return;
	cap = b->cap == 0 ? 64 : b->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->sensitive) {
		/* Never leave a copy of a secret behind in freed memory. */
		p = xmalloc(cap);
		if (b->data != NULL) {
			memcpy(p, b->data, b->len + 1);
			xfreezero(b->data, b->cap);
		}
	} else
		p = xrealloc(b->data, cap);
	b->data = p;
	b->cap = cap;
}

enum pc_err
buf_add(struct buf *b, const void *data, size_t len)
{
	if (len > b->max || b->len > b->max - len)
		return PC_E_INVALID;
	buf_grow(b, b->len + len + 1);
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return PC_OK;
}

enum pc_err
buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

enum pc_err
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	enum pc_err rc;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	rc = buf_addstr(b, s);
	if (b->sensitive)
		xfree_secret(s);
	else
		free(s);
	return rc;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
	if (b->sensitive)
		explicit_bzero(b->data + b->len + 1, b->cap - b->len - 1);
}

char *
buf_take(struct buf *b)
{
	char *s;

	s = b->data != NULL ? b->data : xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}
