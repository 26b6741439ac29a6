/*
 * xmalloc.c - allocation wrappers that abort on out-of-memory, in the
 * manner of tmux's xmalloc.c, plus secret wiping.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/xmalloc.h"

static void
xmalloc_die(const char *what, size_t n)
{
	fprintf(stderr, "popconn: %s: out of memory (%zu bytes)\n", what, n);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p;

	if (size == 0)
		xmalloc_die("xmalloc: zero size", 0);
	p = malloc(size);
	if (p == NULL)
		xmalloc_die("xmalloc", size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		xmalloc_die("xcalloc: zero size", 0);
	p = calloc(nmemb, size);
	if (p == NULL)
		xmalloc_die("xcalloc", nmemb * size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	return xreallocarray(ptr, 1, size);
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		xmalloc_die("xreallocarray: zero size", 0);
	if (SIZE_MAX / nmemb < size)
		xmalloc_die("xreallocarray: overflow", SIZE_MAX);
	p = realloc(ptr, nmemb * size);
	if (p == NULL)
		xmalloc_die("xreallocarray", nmemb * size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len;

	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xstrdup_or_null(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) == -1)
		xmalloc_die("xvasprintf", 0);
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void
xfreezero(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

void
xfree_secret(char *s)
{
	if (s != NULL)
		xfreezero(s, strlen(s));
}

void
xstr_replace(char **dst, const char *src)
{
	char *old = *dst;

	*dst = xstrdup_or_null(src);
	free(old);
}

void
xstr_replace_secret(char **dst, const char *src)
{
	char *old = *dst;

	*dst = xstrdup_or_null(src);
	xfree_secret(old);
}
