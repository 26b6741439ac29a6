/*
 * codepage.h - Windows code pages accepted by the codepage field, and the
 * iconv name each maps to.
 */
#ifndef POPCONN_CODEPAGE_H
#define POPCONN_CODEPAGE_H

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

#endif
