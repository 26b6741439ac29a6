/*
 * xmalloc.h - allocation that aborts on out-of-memory, and helpers to wipe
 * memory that held a secret.
 *
 * Allocating zero bytes is a programming error and aborts.
 */
#ifndef POPCONN_XMALLOC_H
#define POPCONN_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

#define PC_PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))

/* xmalloc.c */
void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *ptr, size_t size);
void	*xreallocarray(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);			/* s may not be NULL */
char	*xstrndup(const char *s, size_t n);
char	*xstrdup_or_null(const char *s);		/* NULL in, NULL out */
char	*xasprintf(const char *fmt, ...) PC_PRINTFLIKE(1, 2);
char	*xvasprintf(const char *fmt, va_list ap) PC_PRINTFLIKE(1, 0);

/*
 * Wipe len bytes at p so the compiler cannot drop the write, then free p.
 * NULL is allowed.
 */
void	 xfreezero(void *p, size_t len);
/* Wipe a NUL-terminated secret string, then free it.  NULL is allowed. */
void	 xfree_secret(char *s);

/*
 * Replace *dst with a copy of src (NULL allowed), freeing the old value.
 * The _secret variant wipes the old value first.
 */
void	 xstr_replace(char **dst, const char *src);
void	 xstr_replace_secret(char **dst, const char *src);

#endif
