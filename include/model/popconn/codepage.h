/*
 * codepage.h - Windows code pages accepted by the codepage field, and the
 * iconv name each maps to.
 */
#ifndef POPCONN_CODEPAGE_H
#define POPCONN_CODEPAGE_H

#include <stddef.h>

#include "popconn/err.h"

struct codepage {
	int		 number;	/* 65001 */
	const char	*name;		/* "utf-8": Windows/IANA name */
	const char	*iconv;		/* "UTF-8": name iconv_open takes */
	const char	*label;		/* "Unicode (UTF-8)" */
};

/* codepage.c */
const struct codepage *codepage_all(int *n);
const struct codepage *codepage_by_number(int number);
/*
 * Parse "65001", "utf-8", "windows-1252", "cp1252", "iso-8859-1" ...
 * (case-insensitive).  PC_E_INVALID when unknown.
 */
enum pc_err	 codepage_parse(const char *s, int *number);
/*
 * Server text (len bytes in code page number) for display: decoded to
 * UTF-8 and escaped as str_escape does; a byte that does not decode is
 * shown as \xNN.  NULL for an unknown code page.  Caller frees.
 */
char		*codepage_display(int number, const char *in, size_t len);
/*
 * A credential (UTF-8, len bytes) encoded to code page number for the
 * methods that send it in the server's code page (USER, PASS, APOP,
 * LOGIN, CRAM-MD5).  *out (NUL-terminated, *outlen bytes without it) is
 * a secret: the caller wipes and frees it.  PC_E_INVALID with *cause when
 * the text is not UTF-8, a character cannot be written in that code page
 * (the cause gives its position, never the character) or the page is
 * unknown; nothing is written to *out then.
 */
enum pc_err	 codepage_encode(int number, const char *in, size_t len,
		    char **out, size_t *outlen, char **cause);

#endif
