/*
 * xport.c - the generic half of the transport stack: dispatch through the
 * ops vtable (a NULL entry passes through to next), the failure record each
 * layer keeps (class, cause, last_errno), deadlines and trace notes.
 *
 * Failures are reported from the top down: the highest layer that
 * classified a failure wins, because it knows what the lower error meant
 * (a refused TCP connect below a proxy layer is an unreachable proxy).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "popconn/clock.h"
#include "popconn/xport.h"
#include "net/net_int.h"

static const char *const xport_fail_names[XPORT_FAIL__COUNT] = {
	[XPORT_FAIL_NONE] = "ok",
	[XPORT_FAIL_DNS] = "dns_failed",
	[XPORT_FAIL_REFUSED] = "connect_refused",
	[XPORT_FAIL_TIMEOUT] = "connect_timeout",
	[XPORT_FAIL_IO] = "io",
	[XPORT_FAIL_CLOSED] = "closed",
	[XPORT_FAIL_PROXY] = "proxy_failed",
	[XPORT_FAIL_PROXY_AUTH] = "proxy_auth_failed",
	[XPORT_FAIL_TLS_HANDSHAKE] = "tls_handshake_failed",
	[XPORT_FAIL_TLS_VERSION] = "tls_version_mismatch",
	[XPORT_FAIL_TLS_CLIENT_CERT] = "client_cert_required",
	[XPORT_FAIL_CERT_UNTRUSTED] = "cert_untrusted",
	[XPORT_FAIL_CERT_NAME] = "cert_name_mismatch",
	[XPORT_FAIL_CERT_EXPIRED] = "cert_expired",
	[XPORT_FAIL_CERT_PIN] = "cert_pin_mismatch",
	[XPORT_FAIL_INJECTION] = "stls_injection",
	[XPORT_FAIL_STALLED] = "timeout",
};

static const enum diag xport_fail_diags[XPORT_FAIL__COUNT] = {
	[XPORT_FAIL_NONE] = DIAG_OK,
	[XPORT_FAIL_DNS] = DIAG_DNS_FAILED,
	[XPORT_FAIL_REFUSED] = DIAG_CONNECT_REFUSED,
	[XPORT_FAIL_TIMEOUT] = DIAG_CONNECT_TIMEOUT,
	[XPORT_FAIL_IO] = DIAG_PROTOCOL_ERROR,
	[XPORT_FAIL_CLOSED] = DIAG_PROTOCOL_ERROR,
	[XPORT_FAIL_PROXY] = DIAG_PROXY_FAILED,
	[XPORT_FAIL_PROXY_AUTH] = DIAG_PROXY_AUTH_FAILED,
	[XPORT_FAIL_TLS_HANDSHAKE] = DIAG_TLS_HANDSHAKE_FAILED,
	[XPORT_FAIL_TLS_VERSION] = DIAG_TLS_VERSION_MISMATCH,
	[XPORT_FAIL_TLS_CLIENT_CERT] = DIAG_CLIENT_CERT_REQUIRED,
	[XPORT_FAIL_CERT_UNTRUSTED] = DIAG_CERT_UNTRUSTED,
	[XPORT_FAIL_CERT_NAME] = DIAG_CERT_NAME_MISMATCH,
	[XPORT_FAIL_CERT_EXPIRED] = DIAG_CERT_EXPIRED,
	[XPORT_FAIL_CERT_PIN] = DIAG_CERT_PIN_MISMATCH,
	[XPORT_FAIL_INJECTION] = DIAG_STLS_INJECTION,
	[XPORT_FAIL_STALLED] = DIAG_TIMEOUT,
};

void
xport_init(struct xport *x, const struct xport_ops *ops, struct xport *next)
{
	x->ops = ops;
	x->next = next;
	x->fail = XPORT_FAIL_NONE;
	x->cause = NULL;
	x->last_errno = 0;
	x->closed = 0;
	x->deadline = next != NULL ? next->deadline : 0;
	x->note = next != NULL ? next->note : NULL;
	x->note_arg = next != NULL ? next->note_arg : NULL;
}

enum pc_err
xport_fail_set(struct xport *x, enum xport_fail f, enum pc_err rc,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	free(x->cause);
	x->cause = xvasprintf(fmt, ap);
	va_end(ap);
	x->fail = f;
	return rc;
}

void
xport_note_to(xport_note_cb cb, void *arg, const char *fmt, ...)
{
	va_list	 ap;
	char	*text;

	if (cb == NULL)
		return;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	cb(arg, text);
	free(text);
}

enum pc_err
xport_connect(struct xport *x)
{
	for (; x != NULL; x = x->next) {
		if (x->ops->connect != NULL)
			return x->ops->connect(x);
	}
	return PC_OK;
}

enum pc_err
xport_read(struct xport *x, void *buf, size_t len, size_t *got)
{
	*got = 0;
	if (len == 0)
		return PC_E_INVALID;
	return x->ops->read(x, buf, len, got);
}

enum pc_err
xport_write(struct xport *x, const void *buf, size_t len, size_t *put)
{
	*put = 0;
	if (len == 0)
		return PC_E_INVALID;
	return x->ops->write(x, buf, len, put);
}

enum pc_err
xport_flush(struct xport *x)
{
	for (; x != NULL; x = x->next) {
		if (x->ops->flush != NULL)
			return x->ops->flush(x);
	}
	return PC_OK;
}

short
xport_poll_events(struct xport *x)
{
	for (; x != NULL; x = x->next) {
		if (x->ops->poll_events != NULL)
			return x->ops->poll_events(x);
	}
	return 0;
}

int
xport_fd(struct xport *x)
{
	for (; x != NULL; x = x->next) {
		if (x->ops->fd != NULL)
			return x->ops->fd(x);
	}
	return -1;
}

size_t
xport_pending(struct xport *x)
{
	for (; x != NULL; x = x->next) {
		if (x->ops->pending != NULL)
			return x->ops->pending(x);
	}
	return 0;
}

void
xport_close(struct xport *x)
{
	for (; x != NULL; x = x->next) {
		if (!x->closed && x->ops->close != NULL)
			x->ops->close(x);
		x->closed = 1;
	}
}

void
xport_free(struct xport *x)
{
	struct xport	*next;

	/* Top first: a TLS close_notify still needs the layers below. */
	xport_close(x);
	while (x != NULL) {
		next = x->next;
		free(x->cause);
		x->cause = NULL;
		if (x->ops->free != NULL)
			x->ops->free(x);
		x = next;
	}
}

void
xport_set_deadline(struct xport *x, int64_t deadline_ms)
{
	for (; x != NULL; x = x->next)
		x->deadline = deadline_ms;
}

void
xport_set_note(struct xport *x, xport_note_cb cb, void *arg)
{
	for (; x != NULL; x = x->next) {
		x->note = cb;
		x->note_arg = arg;
	}
}

int64_t
xport_now_ms(void)
{
	return clock_now_ms();
}

int
xport_expired(struct xport *x)
{
	return x->deadline != 0 && xport_now_ms() >= x->deadline;
}

int64_t
xport_remaining_ms(struct xport *x)
{
	int64_t	 left;

	if (x->deadline == 0)
		return -1;
	left = x->deadline - xport_now_ms();
	return left > 0 ? left : 0;
}

enum xport_fail
xport_fail(struct xport *x)
{
	for (; x != NULL; x = x->next) {
		if (x->fail != XPORT_FAIL_NONE)
			return x->fail;
	}
	return XPORT_FAIL_NONE;
}

const char *
xport_cause(struct xport *x)
{
	for (; x != NULL; x = x->next) {
		if (x->fail != XPORT_FAIL_NONE)
			return x->cause != NULL ? x->cause : "";
	}
	return "";
}

int
xport_last_errno(struct xport *x)
{
	int	 e = 0;

	for (; x != NULL; x = x->next) {
		if (x->last_errno != 0)
			e = x->last_errno;
	}
	return e;
}

const char *
xport_fail_str(enum xport_fail f)
{
	if ((unsigned)f >= XPORT_FAIL__COUNT)
		return "unknown";
	return xport_fail_names[f];
}

enum diag
xport_fail_diag(enum xport_fail f)
{
	if ((unsigned)f >= XPORT_FAIL__COUNT)
		return DIAG_PROTOCOL_ERROR;
	return xport_fail_diags[f];
}

struct xport *
xport_find(struct xport *x, const struct xport_ops *ops)
{
	for (; x != NULL; x = x->next) {
		if (x->ops == ops)
			return x;
	}
	return NULL;
}
