/*
 * run.c - before and after one test logon, for every front: the saved
 * capabilities a repeat trusts, the built-in OAuth2 token, then the
 * result kept in the test history with what CAPA said for the next
 * repeat.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "popconn/logon_record.h"
#include "popconn/oauth.h"
#include "popconn/run.h"

char *
run_trusted(struct store *st, const struct profile *p, struct trace *tr,
    bool saved)
{
	char *endpoint, *capa = NULL;

	endpoint = logon_endpoint(p);
	if (!saved || p->name == NULL ||
	    store_capa_get(st, p->name, endpoint, &capa, NULL, NULL) !=
	    PC_OK) {
		trace_emitf(tr, 0, TRACE_INFO, "no capabilities saved for "
		    "%s%s: asking CAPA%s", endpoint, saved ? "" :
		    " (the profile has unsaved changes)", saved ?
		    " (they are saved for the next repeat test)" : "");
		capa = NULL;
	}
	free(endpoint);
	return capa;
}

struct logon *
run_start(struct store *st, const struct profile *p, struct trace *tr,
    const struct logon_opts *lo)
{
	struct logon_opts o;
	struct logon *lg;
	char *token = NULL, *failure = NULL;

	if (lo != NULL)
		o = *lo;
	else
		memset(&o, 0, sizeof o);
	/* Built-in OAuth2: the token first (bounded by the timeout). */
	if (profile_oauth_builtin(p)) {
		int64_t t0 = oauth_now_ms();

		(void)oauth_acquire(st, p, tr, NULL, &token, &failure);
		o.access_token = token;
		o.token_failure = failure;
		o.token_ms = oauth_now_ms() - t0;
	}
	lg = logon_new(p, tr, &o);
	xfree_secret(token);
	free(failure);
	return lg;
}

bool
run_record(struct store *st, const struct profile *p,
    const struct logon_result *r, const char *source, bool capa,
    struct store_test *h)
{
	char *endpoint;
	bool kept = true;

	logon_record_fill(h, r, source, (int64_t)time(NULL));
	/* Like the last result, a database that cannot be written (read
	 * only) does not fail the test: the result just is not kept. */
	if (store_test_add(st, p->name, h, 0, NULL) != PC_OK) {
		h->id = 0;
		kept = false;
	}
	if (capa) {
		endpoint = logon_endpoint(p);
		(void)store_capa_record(st, p->name, endpoint, r->capa,
		    logon_capa_stale(r), (int64_t)time(NULL), NULL);
		free(endpoint);
	}
	return kept;
}
