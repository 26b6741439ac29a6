/*
 * logon.h - the test logon: drives the POP3 machine (proto) over a stack of
 * transports (net: socket, proxy, TLS), emits the live trace, and produces
 * the result: steps with times, TLS details, STAT figures and a diagnosis.
 *
 * Sessions are non-blocking and run in the caller's poll() loop, so the
 * TUI stays responsive and a group test runs many sessions in one thread:
 *
 *	lg = logon_new(profile, trace, NULL);
 *	while (!logon_done(lg)) {
 *		n = logon_pollfds(lg, fds, 4);
 *		poll(fds, n, logon_timeout_ms(lg));
 *		logon_advance(lg, fds, n);
 *	}
 *	res = logon_result(lg);
 *
 * logon_run() does exactly that for one session.  No call blocks: the
 * OAuth2 token command (oauth_token_cmd) runs as a phase of the session,
 * its pipes polled like the socket, and every phase is bounded by the
 * profile's timeout (DNS included).
 *
 * The transport stack is built through struct logon_xport_ops, which a
 * caller may replace (tests and the fuzzer put a scripted transport at the
 * bottom: tests/unit/helpers/xport_mem.c).
 */
#ifndef POPCONN_LOGON_H
#define POPCONN_LOGON_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "popconn/diag.h"
#include "popconn/profile.h"
#include "popconn/step.h"
#include "popconn/trace.h"
#include "popconn/xport.h"

#define LOGON_MAX_STEPS 16

struct logon_step {
	enum step	 id;		/* STEP_TOKEN (command) or STEP_OAUTH
					   (built-in), STEP_CONNECT, _PROXY,
					   _TLS, then the POP3 machine's */
	const char	*name;		/* step_name(id), for output */
	int64_t		 start_us;	/* since the session started */
	int64_t		 end_us;
	bool		 ok;
	bool		 done;
};

struct logon_tls_info {
	char		*version;	/* "TLSv1.3" */
	char		*cipher;
	char		*subject;
	char		*issuer;
	char		*sans;		/* "DNS:localhost, IP:127.0.0.1" */
	char		*not_before;
	char		*not_after;
	char		*fingerprint;	/* SHA-256, hex with colons */
	bool		 verified;
	char		*verify_text;	/* "verified (full chain and name)" */
};

struct logon_result {
	enum diag	 diag;
	char		*message;	/* what happened, escaped, no secret */
	enum step	 failed_at;	/* STEP_NONE when ok */
	const char	*failed_step;	/* step_name(failed_at), for output */
	int64_t		 elapsed_ms;
	struct logon_step steps[LOGON_MAX_STEPS];
	int		 nsteps;
	bool		 have_tls;
	struct logon_tls_info tls;
	bool		 have_stat;
	long		 messages;
	long		 octets;
	char		*method;	/* logon method used, e.g. "CRAM-MD5" */
	/*
	 * A setting the profile is allowed to have but that is usually a
	 * mistake (STLS on 995, SSL on 110: profile_port_warning), shown
	 * with the result whatever it is; NULL when none.  Static text.
	 */
	const char	*warning;
	/*
	 * The capability lines the server answered to CAPA over TLS in this
	 * session, '\n' between them, for a repeat test to trust (see
	 * logon_opts.trusted_capa); NULL when there were none to keep (clear
	 * link, no CAPA, or they were the trusted ones).
	 */
	char		*capa;
	bool		 capa_trusted;	/* CAPA was skipped: trusted lines */
};

/*
 * The builders of the transport stack, bottom up.  A NULL member uses the
 * real one: xport_sock_new, xport_proxy_new, xport_tls_new (same contracts,
 * arg passed first).  sock must return a transport (it connects lazily, in
 * xport_connect).
 */
struct logon_xport_ops {
	struct xport	*(*sock)(void *arg, const char *host, int port,
			    const char *bind_address);
	enum pc_err	 (*proxy)(void *arg, struct xport *next,
			    const struct xport_proxy_cfg *cfg, struct xport **out,
			    char **cause);
	enum pc_err	 (*tls)(void *arg, struct xport *next,
			    const struct xport_tls_cfg *cfg, struct xport **out,
			    char **cause);
	void		*arg;
};

struct logon_opts {
	const char	*bind_address;	/* local address to bind, or NULL */
	/* The transport seam; NULL: real sockets.  Borrowed, outlives lg. */
	const struct logon_xport_ops *xops;
	/*
	 * A repeat test: the logon_result.capa of a former test of the same
	 * endpoint (logon_endpoint), trusted instead of asking CAPA on a TLS
	 * link; one round trip fewer.  Copied; NULL = ask CAPA.
	 */
	const char	*trusted_capa;
	/*
	 * Built-in OAuth2 (profile_oauth_builtin: oauth_flow device or
	 * client_credentials): the access token the caller obtained with
	 * oauth_acquire (SECRET; copied and wiped), used where the token
	 * command's output would be.  Or token_failure: why none could be
	 * had (no secret in it); the session is then done at once with
	 * token_failed at the "oauth" step and nothing is sent.  With
	 * neither, such a profile fails the same way.
	 */
	const char	*access_token;
	const char	*token_failure;
	int64_t		 token_ms;	/* how long getting it took: the
					   "token" step and the session's
					   elapsed time include it */
};

struct logon;

/* logon.c */
/*
 * Start a session for p (copied; p may be freed afterwards).  Events go to
 * tr, which must outlive the session.  opts may be NULL.  Never fails and
 * never blocks: a profile that cannot even start gives a session that is
 * already done with a diagnosis.  With a token command (xoauth2 or auto)
 * the session starts by running it (/bin/sh -c, in a session of its own,
 * standard input /dev/null); its standard output is the token, a secret,
 * and its standard error is read and dropped, never passed through.
 */
struct logon	*logon_new(const struct profile *p, struct trace *tr,
		    const struct logon_opts *opts);
void		 logon_free(struct logon *lg);		/* NULL allowed */
/*
 * Fill up to max pollfd entries (4 is always enough); returns how many.
 * With fewer, logon_timeout_ms makes the caller come back soon.
 */
/* The TLS versions this wolfSSL offers, as the profile's PROF_TLS_* bits. */
unsigned	 logon_tls_available(void);
int		 logon_pollfds(struct logon *lg, struct pollfd *fds, int max);
/* Milliseconds until this session's next deadline (0..timeout). */
int		 logon_timeout_ms(struct logon *lg);
/* Advance after poll() returned (fds as filled, with revents). */
void		 logon_advance(struct logon *lg, const struct pollfd *fds,
		    int n);
/*
 * Stop now: the result is DIAG_CANCELLED at the running step.  A running
 * token command is ended with its whole process group.
 */
void		 logon_cancel(struct logon *lg);
bool		 logon_done(const struct logon *lg);
/* Borrowed; valid until logon_free.  Complete once logon_done. */
const struct logon_result *logon_result(const struct logon *lg);
/* Run one session to the end, blocking (CLI). */
void		 logon_run(struct logon *lg);
/*
 * Where a profile's capabilities were seen: "<security> <address> <port>".
 * Saved capabilities are trusted only for the same endpoint.  Caller frees.
 */
char		*logon_endpoint(const struct profile *p);
/*
 * Whether r failed its logon with trusted capabilities: they may be out of
 * date, and should be forgotten so that the next repeat asks CAPA.
 */
bool		 logon_capa_stale(const struct logon_result *r);

#endif
