/*
 * logon_record.h - a test logon's result as a row of the test history:
 * logon_result (logon) to struct store_test (store).  Header-only, in the
 * run layer (which links both) for run.c and the fronts above it, so that
 * neither logon nor store depends on the other.  Nothing secret and no server text is copied: the
 * diagnosis key, the failed step, times, the logon method's name, TLS
 * version and cipher, the certificate's fingerprint and expiry, STAT.
 */
#ifndef POPCONN_LOGON_RECORD_H
#define POPCONN_LOGON_RECORD_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "popconn/logon.h"
#include "popconn/store.h"
#include "popconn/xmalloc.h"

/*
 * "2029-03-11 17:14:23 UTC" (logon_tls_info.not_after) as a unix time;
 * 0 when it does not parse.
 */
static inline int64_t
logon_record_time(const char *s)
{
	struct tm tm;
	int n = 0;

	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%d-%d-%d %d:%d:%d UTC%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n == 0)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

/*
 * Fill t (cleaned up with store_test_cleanup) from r; source is "test",
 * "check" or "tui"; when is the time the test ended.
 */
static inline void
logon_record_fill(struct store_test *t, const struct logon_result *r,
    const char *source, int64_t when)
{
	memset(t, 0, sizeof *t);
	t->when = when;
	t->source = xstrdup(source);
	t->diagnosis = xstrdup(diag_key(r->diag));
	t->failed_step = xstrdup_or_null(r->failed_step);
	t->elapsed_ms = r->elapsed_ms;
	t->method = xstrdup_or_null(r->method);
	if (r->have_tls) {
		t->tls_version = xstrdup_or_null(r->tls.version);
		t->tls_cipher = xstrdup_or_null(r->tls.cipher);
		t->cert_sha256 = xstrdup_or_null(r->tls.fingerprint);
		t->cert_not_after = logon_record_time(r->tls.not_after);
	}
	t->messages = r->have_stat ? r->messages : -1;
	t->octets = r->have_stat ? r->octets : -1;
}

#endif
