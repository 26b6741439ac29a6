/*
 * run_text.c - a finished test logon rendered as text, the way "popconn
 * test" prints it under its trace: the steps with their times, the TLS
 * details, the mailbox, the diagnosis with its hint, the elapsed time.
 */
#include "popconn/diag.h"
#include "popconn/run.h"

void
run_text_result(FILE *f, const struct logon_result *r)
{
	int j;

	fprintf(f, "\nSteps:\n");
	for (j = 0; j < r->nsteps; j++)
		fprintf(f, "  %-10s %-4s %8.1f ms\n", r->steps[j].name,
		    r->steps[j].ok ? "ok" : "FAIL", (double)(
		    r->steps[j].end_us - r->steps[j].start_us) / 1000.0);
	if (r->have_tls)
		fprintf(f, "\nTLS: %s%s%s; %s\n  subject %s\n  issuer  %s\n"
		    "  SHA-256 %s\n", r->tls.version ? r->tls.version :
		    "handshake not completed", r->tls.cipher ? " " : "",
		    r->tls.cipher ? r->tls.cipher : "",
		    r->tls.verify_text ? r->tls.verify_text : "not verified",
		    r->tls.subject ? r->tls.subject : "?",
		    r->tls.issuer ? r->tls.issuer : "?",
		    r->tls.fingerprint ? r->tls.fingerprint : "?");
	if (r->have_stat)
		fprintf(f, "\nMailbox: %ld message%s, %ld octets\n",
		    r->messages, r->messages == 1 ? "" : "s", r->octets);
	fprintf(f, "\nDiagnosis: %s%s%s\n  %s\n", diag_key(r->diag),
	    r->failed_step ? " at step " : "",
	    r->failed_step ? r->failed_step : "", r->message);
	if (r->diag != DIAG_OK)
		fprintf(f, "  Hint: %s\n", diag_hint_at(r->diag,
		    r->failed_at));
	if (r->warning != NULL)
		fprintf(f, "  Warning: %s\n", r->warning);
	fprintf(f, "Time: %lld ms\n", (long long)r->elapsed_ms);
}
