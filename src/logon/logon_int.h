/*
 * logon_int.h - internals of the test logon shared by logon.c (the
 * session, its phases and the POP3 dialogue), logon_token.c (the OAuth2
 * token command, LOGON_PH_TOKEN) and logon_result.c (the end of a session:
 * failures mapped to a diagnosis, the result filled in).  Nothing outside
 * logon/ may include it.
 */
#ifndef POPCONN_LOGON_INT_H
#define POPCONN_LOGON_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "popconn/buf.h"
#include "popconn/err.h"
#include "popconn/logon.h"
#include "popconn/pop3.h"
#include "popconn/step.h"
#include "popconn/xmalloc.h"
#include "popconn/xport.h"

enum logon_phase {
	LOGON_PH_TOKEN,		/* the OAuth2 token command runs */
	LOGON_PH_CONNECT,	/* DNS + TCP to the server or the proxy */
	LOGON_PH_PROXY,		/* proxy negotiation */
	LOGON_PH_TLS,		/* handshake (ssl, or after STLS) */
	LOGON_PH_POP3,		/* the POP3 dialogue */
	LOGON_PH_DONE,
};

struct logon {
	struct profile	*p;		/* own copy (secrets wiped on free) */
	struct trace	*tr;		/* borrowed */
	struct logon_opts opts;
	char		*trusted;	/* opts.trusted_capa, copied */
	enum logon_phase phase;
	struct xport	*x;		/* the stack so far */
	struct pop3	*pop;
	char		*token;		/* SECRET: OAuth2 access token */
	char		*user_cp;	/* user name in the code page, or NULL */
	char		*pass_cp;	/* SECRET: password in it, or NULL */
	char		*cp_error;	/* why one cannot be written, or NULL */
	struct buf	 out;		/* queued bytes for the server */
	int64_t		 t0;		/* clock_now_ms at start */
	int64_t		 t0_us;		/* clock_now_us at start */
	int64_t		 deadline;	/* ms; the current wait ends here */
	bool		 after_stls;	/* the TLS phase follows STLS */
	struct logon_result res;
	int		 step_tls;	/* index of the running steps, or -1 */
	int		 step_pop;
	char		*tmp;		/* scratch message, see logon_tmpf */
	struct logon_xport_ops xops;	/* the builders, defaults filled in */
	/* The token command while it runs (LOGON_PH_TOKEN). */
	struct {
		pid_t	 pid;		/* -1: none, or reaped */
		int	 out;		/* its stdout (the token), or -1 */
		int	 err;		/* its stderr (dropped), or -1 */
		int	 pidfd;		/* readable when it exits, or -1 */
		int	 status;	/* waitpid status once reaped */
		size_t	 nout;		/* bytes it wrote to stdout */
		size_t	 nerr;		/* bytes it wrote to stderr */
		bool	 too_long;	/* stdout went past LOGON_TOKEN_MAX */
		bool	 polled_all;	/* logon_pollfds had room for all */
		struct buf out_buf;	/* SECRET: what stdout said */
	} tok;
};

/* logon.c */
/* A trace line; server text in it is escaped already (not twice). */
void		 logon_trace(struct logon *lg, enum trace_kind k,
		    const char *fmt, ...) PC_PRINTFLIKE(3, 4);
void		 logon_step_end(struct logon *lg, int i, bool ok);
/* A formatted message that lives as long as the session (for finish). */
const char	*logon_tmpf(struct logon *lg, const char *fmt, ...)
		    PC_PRINTFLIKE(2, 3);
/* Open the connection to the server, or to the proxy: the first layer. */
void		 logon_start_connect(struct logon *lg);

/* logon_token.c */
/*
 * Start the token command (the caller has begun the "token" step):
 * PC_OK, or PC_E_IO with *cause (caller frees).
 */
enum pc_err	 logon_token_start(struct logon *lg, char **cause);
/* One step of LOGON_PH_TOKEN; it moves on to connecting when it is done. */
void		 logon_token_pump(struct logon *lg);
/* Stop the command for good, wipe what it said.  Idempotent. */
void		 logon_token_end(struct logon *lg);

/* logon_result.c */
/* End the session: close everything, fill in the result. */
void		 logon_finish(struct logon *lg, enum diag d,
		    enum step failed_step, const char *message);
/* A transport failed: say why, in the step that was running. */
void		 logon_fail_xport(struct logon *lg, enum step step,
		    enum pc_err rc);
/* The POP3 machine is done: its outcome becomes the result. */
void		 logon_take_outcome(struct logon *lg);
/* Copy the TLS details into the result, and show them in the trace. */
void		 logon_take_tls_info(struct logon *lg);
void		 logon_trace_tls(struct logon *lg);
void		 logon_tls_info_cleanup(struct logon_tls_info *t);

#endif
