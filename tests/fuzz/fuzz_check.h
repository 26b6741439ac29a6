/*
 * fuzz_check.h - a check shared by the fuzz targets: text that is safe to
 * put on a terminal.  Written independently of str.c, so that the fuzzers
 * compare str_escape against a second reading of UTF-8.
 */
#ifndef POPCONN_FUZZ_CHECK_H
#define POPCONN_FUZZ_CHECK_H

#include <stddef.h>

/*
 * 1 when s (len bytes) is well-formed UTF-8 (RFC 3629: no overlong form,
 * no surrogate, nothing beyond U+10FFFF) without a C0 control, DEL or a C1
 * control (U+0080-U+009F), else 0.
 */
static inline int
fuzz_printable(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp, min;
	size_t i = 0, k, n;

	while (i < len) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return 0;
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((u[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = u[i] & 0x1f;
			min = 0x80;
		} else if ((u[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = u[i] & 0x0f;
			min = 0x800;
		} else if ((u[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = u[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i < n)
			return 0;
		for (k = 1; k < n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (u[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
			return 0;
		i += n;
	}
	return 1;
}

#endif
