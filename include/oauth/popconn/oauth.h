/*
 * oauth.h - the built-in OAuth2 client (issue 15): the device
 * authorization grant (RFC 8628) for a user mailbox, the refresh-token
 * grant with rotation, and the client-credentials grant (RFC 6749 4.4),
 * over HTTPS with libcurl (certificate checks on: the system store plus
 * the profile's tls_ca_file; the profile's proxy for the token requests).
 *
 * Every request is one blocking libcurl transfer bounded by the profile's
 * timeout, which a cancel flag (set from a signal handler or a key) stops
 * early.  Each step is traced (endpoint, grant type, HTTP status, the
 * error code and description of a refusal); tokens, codes and secrets
 * never are: the response bodies are never traced, and a description that
 * quotes one of them is masked.
 *
 * oauth_acquire ties the client to the store: the access token a test
 * logon needs, from the sealed refresh token (a rotated one is saved in
 * the same step) or by client credentials.  It lives here, not in a front,
 * so the CLI and the TUI share it.
 */
#ifndef POPCONN_OAUTH_H
#define POPCONN_OAUTH_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "popconn/err.h"
#include "popconn/profile.h"
#include "popconn/store.h"
#include "popconn/trace.h"
#include "popconn/xmalloc.h"

/* What a request came to. */
enum oauth_status {
	OAUTH_OK,		/* tokens issued */
	OAUTH_PENDING,		/* device: authorization_pending */
	OAUTH_SLOW_DOWN,	/* device: slow_down (interval + 5 s) */
	OAUTH_REFUSED,		/* an OAuth error (error, description) */
	OAUTH_UNREACHABLE,	/* DNS, connect, proxy, timeout */
	OAUTH_TLS,		/* the endpoint's certificate did not verify */
	OAUTH_BAD_REPLY,	/* not the JSON RFC 6749 says */
	OAUTH_CANCELLED,	/* the cancel flag was set */
	OAUTH_CONFIG,		/* the profile lacks what the flow needs */
};

/* The failure of a request, in words; all owned, no secret. */
struct oauth_error {
	enum oauth_status status;
	long		 http_status;	/* 0 when there was no answer */
	char		*error;		/* "invalid_grant", or NULL */
	char		*description;	/* server's words, escaped, masked */
	char		*message;	/* one sentence: what failed */
	char		*hint;		/* what to do about it */
};

/* A device authorization (RFC 8628 3.2). */
struct oauth_device {
	char		*device_code;	/* SECRET */
	char		*user_code;	/* shown to the user */
	char		*verification_uri;
	char		*verification_uri_complete; /* or NULL */
	int		 expires_in;	/* seconds */
	int		 interval;	/* seconds between polls (default 5) */
	int64_t		 deadline_ms;	/* monotonic end of expires_in */
};

/* What the token endpoint issued. */
struct oauth_tokens {
	char		*access_token;	/* SECRET */
	char		*refresh_token;	/* SECRET; NULL when none was issued */
	char		*scope;		/* granted, or NULL */
	int64_t		 expires_in;	/* seconds, 0 = not said */
};

struct oauth;

/* oauth.c */
/*
 * A client for p's built-in flow (copied), tracing to tr (may be NULL).
 * cancel (may be NULL) is read during every transfer and every wait.
 * PC_E_INVALID when p's endpoints cannot be resolved (*cause names the
 * field).  Caller frees with oauth_free.
 */
enum pc_err	 oauth_new(const struct profile *p, struct trace *tr,
		    volatile sig_atomic_t *cancel, struct oauth **out,
		    char **cause);
void		 oauth_free(struct oauth *o);		/* NULL allowed */
/* The endpoints in use.  Borrowed, valid until oauth_free. */
const char	*oauth_token_url(const struct oauth *o);
const char	*oauth_scope(const struct oauth *o);
/*
 * The device authorization request.  OAUTH_OK fills dev; otherwise err
 * says why.
 */
enum oauth_status oauth_device_start(struct oauth *o,
		    struct oauth_device *dev, struct oauth_error *err);
/*
 * One poll of the token endpoint with dev's device code: OAUTH_OK (tok
 * filled), OAUTH_PENDING, OAUTH_SLOW_DOWN (dev->interval grown by 5 s),
 * or a failure in err (expired_token, access_denied: OAUTH_REFUSED).
 */
enum oauth_status oauth_device_poll(struct oauth *o,
		    struct oauth_device *dev, struct oauth_tokens *tok,
		    struct oauth_error *err);
/*
 * Poll until the user approved or denied, the code expired (its own
 * expires_in, checked locally too) or cancel was set, sleeping
 * dev->interval between polls.
 */
enum oauth_status oauth_device_wait(struct oauth *o,
		    struct oauth_device *dev, struct oauth_tokens *tok,
		    struct oauth_error *err);
/* The refresh-token grant; a rotated refresh token is in tok. */
enum oauth_status oauth_refresh(struct oauth *o, const char *refresh_token,
		    struct oauth_tokens *tok, struct oauth_error *err);
/* The client-credentials grant. */
enum oauth_status oauth_client_credentials(struct oauth *o,
		    struct oauth_tokens *tok, struct oauth_error *err);
void		 oauth_device_cleanup(struct oauth_device *d);
void		 oauth_tokens_cleanup(struct oauth_tokens *t);
void		 oauth_error_cleanup(struct oauth_error *e);
/* An event in o's trace, timed on o's clock (no secret in it). */
void		 oauth_tracef(struct oauth *o, enum trace_kind k,
		    const char *fmt, ...) PC_PRINTFLIKE(3, 4);
/* Milliseconds on the monotonic clock. */
int64_t		 oauth_now_ms(void);

/* oauth_acquire.c */
/*
 * The access token a test logon of p needs (profile_oauth_builtin):
 * device: the refresh token stored for p (st; NULL or an unsaved profile
 * has none) is exchanged, and a rotated one is saved at once;
 * client_credentials: asked for with the client secret.  On PC_OK
 * *access_token is the caller's (a secret: xfree_secret).  On failure
 * *failure is a message with the hint (caller frees), nothing was sent to
 * the mail server, and the result is PC_E_AUTH (refused), PC_E_IO
 * (unreachable or bad reply), PC_E_CANCELLED or PC_E_INVALID (the profile
 * lacks something).  Blocks for at most the profile's timeout.
 */
enum pc_err	 oauth_acquire(struct store *st, const struct profile *p,
		    struct trace *tr, volatile sig_atomic_t *cancel,
		    char **access_token, char **failure);

#endif
