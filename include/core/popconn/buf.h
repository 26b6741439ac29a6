/*
 * buf.h - a growable byte buffer with a hard maximum set at creation.
 *
 * Every buffer that holds outside input has a cap: appending past it fails
 * with PC_E_INVALID and leaves the buffer unchanged.  The data is always
 * NUL-terminated (the terminator is not counted in len), so text can be used
 * as a C string when it holds no NUL.
 */
#ifndef POPCONN_BUF_H
#define POPCONN_BUF_H

#include <stddef.h>

#include "popconn/err.h"
#include "popconn/xmalloc.h"

struct buf {
	char	*data;		/* owned; NULL until the first append */
	size_t	 len;		/* bytes used, excluding the NUL */
	size_t	 cap;		/* bytes allocated */
	size_t	 max;		/* hard limit on len; 0 means SIZE_MAX/2 */
	int	 sensitive;	/* wipe on growth and cleanup */
};

/* buf.c */
void		 buf_init(struct buf *b, size_t max);
void		 buf_init_secret(struct buf *b, size_t max);	/* wipes */
void		 buf_cleanup(struct buf *b);			/* b may be zeroed */
void		 buf_reset(struct buf *b);			/* len = 0 */
enum pc_err	 buf_add(struct buf *b, const void *data, size_t len);
enum pc_err	 buf_addstr(struct buf *b, const char *s);
enum pc_err	 buf_addf(struct buf *b, const char *fmt, ...)
		    PC_PRINTFLIKE(2, 3);
/* Remove the first n bytes (n <= len). */
void		 buf_consume(struct buf *b, size_t n);
/*
 * Hand the data to the caller (never NULL: an empty buffer gives "") and
 * reset b.  Caller frees.
 */
char		*buf_take(struct buf *b);

#endif
