/*
 * codepage.c - the Windows code pages the codepage field accepts, each with
 * the iconv name glibc knows it by.  Unknown code pages are rejected rather
 * than guessed.  The conversions (with iconv) both ways: server text to
 * UTF-8 for display, credentials from UTF-8 to the server's code page.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "popconn/buf.h"
#include "popconn/codepage.h"
#include "popconn/str.h"

static const struct codepage codepage_table[] = {
	{ 65001, "utf-8", "UTF-8", "Unicode (UTF-8)" },
	{ 20127, "us-ascii", "ASCII", "US-ASCII" },
	{ 28591, "iso-8859-1", "ISO-8859-1", "Western European (ISO)" },
	{ 28592, "iso-8859-2", "ISO-8859-2", "Central European (ISO)" },
	{ 28593, "iso-8859-3", "ISO-8859-3", "Latin 3 (ISO)" },
	{ 28594, "iso-8859-4", "ISO-8859-4", "Baltic (ISO)" },
	{ 28595, "iso-8859-5", "ISO-8859-5", "Cyrillic (ISO)" },
	{ 28596, "iso-8859-6", "ISO-8859-6", "Arabic (ISO)" },
	{ 28597, "iso-8859-7", "ISO-8859-7", "Greek (ISO)" },
	{ 28598, "iso-8859-8", "ISO-8859-8", "Hebrew (ISO-Visual)" },
	{ 28599, "iso-8859-9", "ISO-8859-9", "Turkish (ISO)" },
	{ 28603, "iso-8859-13", "ISO-8859-13", "Estonian (ISO)" },
	{ 28605, "iso-8859-15", "ISO-8859-15", "Latin 9 (ISO)" },
	{ 1250, "windows-1250", "CP1250", "Central European (Windows)" },
	{ 1251, "windows-1251", "CP1251", "Cyrillic (Windows)" },
	{ 1252, "windows-1252", "CP1252", "Western European (Windows)" },
	{ 1253, "windows-1253", "CP1253", "Greek (Windows)" },
	{ 1254, "windows-1254", "CP1254", "Turkish (Windows)" },
	{ 1255, "windows-1255", "CP1255", "Hebrew (Windows)" },
	{ 1256, "windows-1256", "CP1256", "Arabic (Windows)" },
	{ 1257, "windows-1257", "CP1257", "Baltic (Windows)" },
	{ 1258, "windows-1258", "CP1258", "Vietnamese (Windows)" },
	{ 874, "windows-874", "CP874", "Thai (Windows)" },
	{ 437, "ibm437", "CP437", "OEM United States" },
	{ 850, "ibm850", "CP850", "Western European (DOS)" },
	{ 852, "ibm852", "CP852", "Central European (DOS)" },
	{ 866, "cp866", "CP866", "Cyrillic (DOS)" },
	{ 20866, "koi8-r", "KOI8-R", "Cyrillic (KOI8-R)" },
	{ 21866, "koi8-u", "KOI8-U", "Cyrillic (KOI8-U)" },
	{ 932, "shift_jis", "CP932", "Japanese (Shift-JIS)" },
	{ 50220, "iso-2022-jp", "ISO-2022-JP", "Japanese (JIS)" },
	{ 51932, "euc-jp", "EUC-JP", "Japanese (EUC)" },
	{ 936, "gb2312", "CP936", "Chinese Simplified (GBK)" },
	{ 54936, "gb18030", "GB18030", "Chinese Simplified (GB18030)" },
	{ 949, "ks_c_5601-1987", "CP949", "Korean" },
	{ 51949, "euc-kr", "EUC-KR", "Korean (EUC)" },
	{ 950, "big5", "BIG5", "Chinese Traditional (Big5)" },
	{ 1200, "utf-16", "UTF-16LE", "Unicode (UTF-16LE)" },
	{ 1201, "unicodefffe", "UTF-16BE", "Unicode (UTF-16BE)" },
};

#define CODEPAGE_N ((int)(sizeof codepage_table / sizeof codepage_table[0]))

const struct codepage *
codepage_all(int *n)
{
	*n = CODEPAGE_N;
	return codepage_table;
}

const struct codepage *
codepage_by_number(int number)
{
	int i;

	for (i = 0; i < CODEPAGE_N; i++)
		if (codepage_table[i].number == number)
			return &codepage_table[i];
	return NULL;
}

enum pc_err
codepage_parse(const char *s, int *number)
{
	const char *digits;
	long v;
	int i;

	if (s == NULL || *s == '\0')
		return PC_E_INVALID;
	/* "65001", "cp1252", "windows-1252" all name a number. */
	digits = s;
	if (strncasecmp(s, "cp", 2) == 0)
		digits = s + 2;
	else if (strncasecmp(s, "windows-", 8) == 0)
		digits = s + 8;
	if (str_to_int(digits, 1, 99999, &v) == PC_OK) {
		if (codepage_by_number((int)v) == NULL)
			return PC_E_INVALID;
		*number = (int)v;
		return PC_OK;
	}
	for (i = 0; i < CODEPAGE_N; i++) {
		if (str_ieq(s, codepage_table[i].name) ||
		    str_ieq(s, codepage_table[i].iconv)) {
			*number = codepage_table[i].number;
			return PC_OK;
		}
	}
	if (str_ieq(s, "utf8")) {
		*number = 65001;
		return PC_OK;
	}
	return PC_E_INVALID;
}

/* Escape the decoded UTF-8 gathered in u onto b, and empty u. */
static void
codepage_flush(struct buf *b, struct buf *u)
{
	char *e;

	if (u->len == 0)
		return;
	e = str_escape(u->data, u->len);
	buf_addstr(b, e);
	free(e);
	buf_reset(u);
}

/*
 * Convert what is left of the input (*ip, *il) through cd onto out.  0 when
 * all of it went, with a stateful page's (ISO-2022-JP) return to its base
 * added; -1 with errno (EILSEQ, or EINVAL for an incomplete end) when a
 * byte stopped it: *ip is then that byte.  The chunk is wiped, since an
 * encoded password passes through it.
 */
static int
codepage_iconv(iconv_t cd, char **ip, size_t *il, struct buf *out)
{
	char tmp[512], *op;
	size_t ol, r;
	int err;

	while (*il > 0) {
		op = tmp;
		ol = sizeof tmp;
		r = iconv(cd, ip, il, &op, &ol);
		buf_add(out, tmp, (size_t)(op - tmp));
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		err = errno;
		explicit_bzero(tmp, sizeof tmp);
		errno = err;
		return -1;
	}
	op = tmp;
	ol = sizeof tmp;
	(void)iconv(cd, NULL, NULL, &op, &ol);
	buf_add(out, tmp, (size_t)(op - tmp));
	explicit_bzero(tmp, sizeof tmp);
	return 0;
}

char *
codepage_display(int number, const char *in, size_t len)
{
	const struct codepage *cp;
	struct buf b, u;
	char *ip, *copy;
	size_t il;
	iconv_t cd;

	cp = codepage_by_number(number);
	if (cp == NULL)
		return NULL;
	if (cp->number == 65001)
		return str_escape(in, len);
	cd = iconv_open("UTF-8", cp->iconv);
	if (cd == (iconv_t)-1)		/* the table names only known pages */
		return str_escape(in, len);
	buf_init(&b, 0);
	buf_init(&u, 0);
	/* iconv's input is not const. */
	copy = xmalloc(len + 1);
	memcpy(copy, in, len);
	ip = copy;
	il = len;
	while (codepage_iconv(cd, &ip, &il, &u) != 0) {
		/* EILSEQ, or EINVAL (an incomplete end): one byte as \xNN. */
		codepage_flush(&b, &u);
		buf_addf(&b, "\\x%02X", (unsigned char)*ip);
		ip++;
		il--;
		(void)iconv(cd, NULL, NULL, NULL, NULL);
	}
	codepage_flush(&b, &u);
	iconv_close(cd);
	free(copy);
	buf_cleanup(&u);
	return buf_take(&b);
}

enum pc_err
codepage_encode(int number, const char *in, size_t len, char **out,
    size_t *outlen, char **cause)
{
	const struct codepage *cp;
	struct buf b;
	char *ip, *copy;
	size_t il;
	iconv_t cd;
	enum pc_err rc = PC_OK;

	cp = codepage_by_number(number);
	if (cp == NULL) {
		*cause = xasprintf("unknown code page %d", number);
		return PC_E_INVALID;
	}
	cd = iconv_open(cp->iconv, "UTF-8");
	if (cd == (iconv_t)-1) {
		*cause = xasprintf("code page %d cannot be used here", number);
		return PC_E_INVALID;
	}
	buf_init_secret(&b, 0);
	copy = xmalloc(len + 1);
	memcpy(copy, in, len);
	ip = copy;
	il = len;
	if (codepage_iconv(cd, &ip, &il, &b) != 0) {
		*cause = xasprintf(errno == EILSEQ ? "the character at byte %zu "
		    "cannot be written in code page %d (%s), or is not UTF-8" :
		    "the text ends in the middle of a character (byte %zu, "
		    "code page %d, %s)", (size_t)(ip - copy) + 1, number,
		    cp->name);
		rc = PC_E_INVALID;
	}
	xfreezero(copy, len + 1);
	iconv_close(cd);
	if (rc) {
		buf_cleanup(&b);
		return rc;
	}
	*outlen = b.len;
	*out = buf_take(&b);
	return PC_OK;
}
