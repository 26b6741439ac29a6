/*
 * logon_result.c - the end of a test logon: what happened becomes the
 * result.  A transport failure is mapped to a diagnosis by the step it
 * happened in and the transport's own verdict (logon_fail_xport), the
 * POP3 machine's outcome is taken over (logon_take_outcome), the TLS
 * details are copied, and logon_finish closes the session and says the
 * result in the trace.
 */
#include <stdlib.h>
#include <string.h>

#include "popconn/buf.h"
#include "popconn/clock.h"
#include "popconn/xmalloc.h"
#include "logon_int.h"

void
logon_finish(struct logon *lg, enum diag d, enum step failed_step,
    const char *message)
{
	int i;

	if (lg->phase == LOGON_PH_DONE)
		return;
	logon_token_end(lg);
	for (i = 0; i < lg->res.nsteps; i++)
		if (!lg->res.steps[i].done)
			logon_step_end(lg, i, d == DIAG_OK);
	lg->res.diag = d;
	lg->res.failed_at = d == DIAG_OK ? STEP_NONE : failed_step;
	lg->res.failed_step = step_name(lg->res.failed_at);
	free(lg->res.message);
	lg->res.message = xstrdup(message != NULL && *message != '\0' ?
	    message : diag_hint(d));
	lg->res.elapsed_ms = clock_now_ms() - lg->t0;
	if (lg->x != NULL) {
		xport_close(lg->x);
		xport_free(lg->x);
		lg->x = NULL;
	}
	buf_cleanup(&lg->out);
	if (d == DIAG_OK)
		logon_trace(lg, TRACE_INFO, "result: ok (%s)", lg->res.message);
	else
		logon_trace(lg, TRACE_ERROR, "result: %s at step %s: %s",
		    diag_key(d), step_name(failed_step) != NULL ?
		    step_name(failed_step) : "?",
		    lg->res.message);
	lg->phase = LOGON_PH_DONE;
}

void
logon_tls_info_cleanup(struct logon_tls_info *t)
{
	free(t->version);
	free(t->cipher);
	free(t->subject);
	free(t->issuer);
	free(t->sans);
	free(t->not_before);
	free(t->not_after);
	free(t->fingerprint);
	free(t->verify_text);
	memset(t, 0, sizeof *t);
}

void
logon_take_tls_info(struct logon *lg)
{
	const struct xport_tls_info *ti;
	struct logon_tls_info *t = &lg->res.tls;
	struct buf b;
	int i;

	ti = xport_tls_info(lg->x);
	if (ti == NULL)
		return;
	logon_tls_info_cleanup(t);
	t->version = xstrdup_or_null(ti->version);
	t->cipher = xstrdup_or_null(ti->cipher);
	t->subject = xstrdup_or_null(ti->subject);
	t->issuer = xstrdup_or_null(ti->issuer);
	buf_init(&b, 0);
	for (i = 0; i < ti->nsans; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", ti->sans[i]);
	t->sans = buf_take(&b);
	t->not_before = xstrdup_or_null(ti->not_before);
	t->not_after = xstrdup_or_null(ti->not_after);
	t->fingerprint = xstrdup_or_null(ti->fingerprint);
	t->verify_text = xstrdup_or_null(ti->verify_result);
	t->verified = ti->verified != 0;
	lg->res.have_tls = true;
}

void
logon_trace_tls(struct logon *lg)
{
	const struct logon_tls_info *t = &lg->res.tls;

	/* The TLS layer has already said version, cipher and verdict. */
	logon_trace(lg, TRACE_TLS, "certificate: subject %s, issuer %s",
	    t->subject ? t->subject : "?", t->issuer ? t->issuer : "?");
	logon_trace(lg, TRACE_TLS, "certificate: names %s; valid %s to %s",
	    t->sans && *t->sans ? t->sans : "(none)",
	    t->not_before ? t->not_before : "?",
	    t->not_after ? t->not_after : "?");
	logon_trace(lg, TRACE_TLS, "certificate: SHA-256 %s",
	    t->fingerprint ? t->fingerprint : "?");
}

void
logon_fail_xport(struct logon *lg, enum step step, enum pc_err rc)
{
	enum xport_fail f;
	enum diag d;
	const char *cause;

	f = xport_fail(lg->x);
	cause = xport_cause(lg->x);
	d = xport_fail_diag(f);
	if (f == XPORT_FAIL_NONE && rc == PC_E_TIMEOUT)
		d = step == STEP_CONNECT ? DIAG_CONNECT_TIMEOUT :
		    DIAG_TIMEOUT;
	else if (f == XPORT_FAIL_NONE || f == XPORT_FAIL_IO ||
	    f == XPORT_FAIL_CLOSED) {
		if (step == STEP_TLS)
			d = DIAG_TLS_HANDSHAKE_FAILED;
		else if (step == STEP_PROXY)
			d = DIAG_PROXY_FAILED;
		else if (step != STEP_CONNECT)
			d = DIAG_PROTOCOL_ERROR;
	}
	/* Connecting to the proxy itself is part of using the proxy. */
	if (step == STEP_CONNECT && lg->p->proxy_type !=
	    PROF_PROXY_NONE && d != DIAG_DNS_FAILED) {
		d = DIAG_PROXY_FAILED;
		logon_finish(lg, d, step, logon_tmpf(lg, "cannot reach the "
		    "proxy %s port %d: %s", lg->p->proxy_address,
		    lg->p->proxy_port, cause != NULL && *cause != '\0' ? cause :
		    pc_err_str(rc)));
		return;
	}
	if (step == STEP_TLS) {
		logon_take_tls_info(lg);
		if (lg->res.have_tls)
			logon_trace_tls(lg);
	}
	logon_finish(lg, d, step, cause != NULL && *cause != '\0' ? cause :
	    pc_err_str(rc));
}

/* Trusted capabilities that a logon failed with (logon_capa_stale). */
static bool
logon_stale(bool trusted, enum diag d, enum step failed_step)
{
	return trusted && d != DIAG_OK && failed_step == STEP_LOGON;
}

/* Lines joined with '\n' (NULL when there are none). */
static char *
logon_join_lines(char *const *v, size_t n)
{
	struct buf b;
	size_t i;

	if (n == 0)
		return NULL;
	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addstr(&b, "\n");
		buf_addstr(&b, v[i]);
	}
	return buf_take(&b);
}

void
logon_take_outcome(struct logon *lg)
{
	const struct pop3_outcome *o;
	char *msg;

	o = pop3_outcome(lg->pop);
	lg->res.have_stat = o->stat_ok;
	lg->res.messages = (long)o->messages;
	lg->res.octets = (long)o->octets;
	free(lg->res.method);
	lg->res.method = o->method == POP3_M_AUTO ? NULL :
	    xstrdup(pop3_method_name(o->method));
	lg->res.capa_trusted = o->capa_trusted;
	free(lg->res.capa);
	lg->res.capa = NULL;
	if (o->capa.seen && o->tls && !o->capa_trusted)
		lg->res.capa = logon_join_lines(o->capa.lines, o->capa.nlines);
	if (logon_stale(o->capa_trusted, o->diag, o->failed_step)) {
		msg = xasprintf("%s (the capabilities of the last test were "
		    "trusted: a full test asks CAPA again)", o->message);
		logon_finish(lg, o->diag, o->failed_step, msg);
		free(msg);
		return;
	}
	logon_finish(lg, o->diag, o->failed_step, o->message);
}

bool
logon_capa_stale(const struct logon_result *r)
{
	return logon_stale(r->capa_trusted, r->diag, r->failed_at);
}
