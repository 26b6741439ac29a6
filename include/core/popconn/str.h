/*
 * str.h - small string helpers: escaping for display, base64, trimming,
 * case-insensitive compare.
 */
#ifndef POPCONN_STR_H
#define POPCONN_STR_H

#include <stddef.h>
#include <stdint.h>

#include "popconn/err.h"

/* str.c */
/*
 * Copy len bytes of server or user text into a printable string: control
 * characters (C0, DEL, and C1 when they arrive as bytes 0x80-0x9f that do
 * not belong to valid UTF-8) become \xNN, backslash becomes "\\", and
 * bidirectional or invisible format characters (U+200B-200F, U+202A-202E,
 * U+2060-2064, U+2066-2069, U+061C, U+FEFF) become \uNNNN.  Other valid
 * UTF-8 is kept.  Caller frees.
 */
char		*str_escape(const char *s, size_t len);
/* 1 when s (len bytes) holds a byte that str_escape would change. */
int		 str_needs_escape(const char *s, size_t len);
/* 1 when s is safe for a terminal as it is: no C0, DEL, C1 or invalid
 * UTF-8 (backslashes allowed: output of str_escape passes). */
int		 str_printable(const char *s, size_t len);
/*
 * The character at s (not at its end, NUL-terminated): returns the bytes
 * it takes, 1 for a byte that is not UTF-8.  *cp gets its code point (the
 * byte when not UTF-8) and *cols the columns it takes on a UTF-8 terminal,
 * or -1 when it must not reach one as it is (a control character, C1
 * included, a byte that is not UTF-8, what the C library gives no width).
 */
size_t		 str_char(const char *s, unsigned int *cp, int *cols);
/* Columns s takes on a UTF-8 terminal (wide East Asian characters count
 * two, combining marks none; what str_char finds not printable counts
 * one). */
size_t		 str_width(const char *s);
/* s padded with spaces to exactly width columns, or cut to width - 1 and
 * ended with an ellipsis when it is wider.  For column output of text that
 * is already escaped.  Caller frees. */
char		*str_fit(const char *s, size_t width);
/* ASCII case-insensitive equality; NULLs compare equal to "". */
int		 str_ieq(const char *a, const char *b);
/* Trim ASCII white space on both ends, in place; returns s. */
char		*str_trim(char *s);
/*
 * Parse a base-10 integer in [min, max] that fills the whole string.
 * PC_E_INVALID otherwise.
 */
enum pc_err	 str_to_int(const char *s, long min, long max, long *out);

/* Base64 (RFC 4648, with padding). */
/* Caller frees; never NULL. */
char		*b64_encode(const void *data, size_t len);
/*
 * Strict decode: rejects characters outside the alphabet, bad padding and
 * non-zero trailing bits.  *out is NUL-terminated (not counted in *outlen)
 * and the caller frees it.  PC_E_INVALID on bad input, *out untouched.
 */
enum pc_err	 b64_decode(const char *s, size_t len, unsigned char **out,
		    size_t *outlen);

#endif
