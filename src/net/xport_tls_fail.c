/*
 * xport_tls_fail.c - why a TLS session failed: the failure class and the
 * words of a handshake, certificate or record error.
 *
 * Diagnosis of a failed handshake (PRODUCT.md section 2): a version
 * mismatch only when the server sent protocol_version or chose a version
 * outside the set (wolfSSL refuses it with protocol_version); a request
 * for a client certificate when the server sent a CertificateRequest
 * (TLS 1.2: read from the handshake records while they are still in
 * clear, xport_tls_scan) or the alert certificate_required (TLS 1.3,
 * where the request is encrypted and the alert may come after our
 * Finished, on the first read); anything else is a handshake failure
 * named by the alert the server sent, or by its silence.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "popconn/str.h"
#include "popconn/xport.h"
#include "net/net_int.h"

/*
 * The failure class of a certificate error, XPORT_FAIL_NONE if none.  The
 * verify callback sees OpenSSL-style X509_V_ERR_* codes (this build has
 * the compatibility layer), wolfSSL_get_error the library's own: map both.
 */
static enum xport_fail
xport_tls_cert_class(int e)
{
	switch (e) {
	case ASN_AFTER_DATE_E:
	case ASN_BEFORE_DATE_E:
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return XPORT_FAIL_CERT_EXPIRED;
	case DOMAIN_NAME_MISMATCH:
	case IPADDR_MISMATCH:
		return XPORT_FAIL_CERT_NAME;
	case ASN_NO_SIGNER_E:
	case ASN_SELF_SIGNED_E:
	case ASN_SIG_CONFIRM_E:
	case ASN_SIG_OID_E:
	case ASN_PATHLEN_SIZE_E:
	case ASN_PATHLEN_INV_E:
	case VERIFY_CERT_ERROR:
	case CRL_CERT_REVOKED:
	case OCSP_CERT_REVOKED:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REVOKED:
		return XPORT_FAIL_CERT_UNTRUSTED;
	default:
		return XPORT_FAIL_NONE;
	}
}

static const char *
xport_tls_cert_words(enum xport_fail f, int e)
{
	switch (f) {
	case XPORT_FAIL_CERT_EXPIRED:
		return e == ASN_BEFORE_DATE_E ||
		    e == X509_V_ERR_CERT_NOT_YET_VALID ? "the certificate is "
		    "not yet valid" : "the certificate has expired";
	case XPORT_FAIL_CERT_NAME:
		return "the certificate is not for this server name";
	case XPORT_FAIL_CERT_UNTRUSTED:
		return e == ASN_SELF_SIGNED_E ||
		    e == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ? "the "
		    "certificate is self-signed and not trusted" :
		    "the certificate is not signed by a trusted authority";
	default:
		return "the certificate was rejected";
	}
}

static const char *
xport_tls_alert_str(int code)
{
	switch (code) {
	case 0:
		return "close_notify";
	case 10:
		return "unexpected_message";
	case 20:
		return "bad_record_mac";
	case 40:
		return "handshake_failure";
	case 42:
		return "bad_certificate";
	case 43:
		return "unsupported_certificate";
	case 46:
		return "certificate_unknown";
	case 47:
		return "illegal_parameter";
	case 48:
		return "unknown_ca";
	case 50:
		return "decode_error";
	case 51:
		return "decrypt_error";
	case 70:
		return "protocol_version";
	case 71:
		return "insufficient_security";
	case 80:
		return "internal_error";
	case 86:
		return "inappropriate_fallback";
	case 109:
		return "missing_extension";
	case 112:
		return "unrecognized_name";
	case 116:
		return "certificate_required";
	case 120:
		return "no_application_protocol";
	default:
		return "alert";
	}
}

enum pc_err
xport_tls_failed(struct xport_tls *t, enum xport_fail f, enum pc_err rc,
    const char *text)
{
	t->st = XPORT_TLS_FAILED;
	t->fail_rc = rc;
	if (t->info.verify_result == NULL) {
		switch (f) {
		case XPORT_FAIL_CERT_UNTRUSTED:
		case XPORT_FAIL_CERT_NAME:
		case XPORT_FAIL_CERT_EXPIRED:
		case XPORT_FAIL_CERT_PIN:
			t->info.verify_result = xasprintf("failed: %s", text);
			break;
		default:
			/* The summary says why, never an empty reason. */
			t->info.verify_result = xasprintf("certificate not "
			    "fully checked: %s", text);
			break;
		}
	}
	xport_note(&t->base, "TLS: %s", text);
	return xport_fail_set(&t->base, f, rc, "TLS: %s", text);
}

/*
 * wolfSSL stopped after a 5-byte record header: read what else is there
 * (without waiting) so the cause can quote the server's line.
 */
static void
xport_tls_more_first(struct xport_tls *t)
{
	size_t	 got;

	while (t->nfirst < sizeof t->first - 1 &&
	    memchr(t->first, '\n', t->nfirst) == NULL &&
	    xport_read(t->base.next, t->first + t->nfirst,
	    sizeof t->first - 1 - t->nfirst, &got) == PC_OK)
		t->nfirst += got;
	t->first[t->nfirst] = '\0';
}

/* Why did the handshake fail?  ret is wolfSSL_connect's answer. */
enum pc_err
xport_tls_classify(struct xport_tls *t, int ret)
{
	WOLFSSL_ALERT_HISTORY	 ah;
	char			 ebuf[WOLFSSL_MAX_ERROR_SZ], *text, *esc;
	char			*offered;
	int			 e = wolfSSL_get_error(t->ssl, ret);
	enum xport_fail		 f;
	enum pc_err		 rc;

	offered = xport_tls_versions_str(t->versions);
	memset(&ah, 0, sizeof ah);
	(void)wolfSSL_get_alert_history(t->ssl, &ah);

	/* A plain-text answer: "+OK ..." from a POP3 port, say. */
	if (t->nfirst > 0 && (t->first[0] < 0x14 || t->first[0] > 0x18)) {
		xport_tls_more_first(t);
		esc = str_escape((const char *)t->first,
		    strcspn((const char *)t->first, "\r\n"));
		text = xasprintf("the server did not answer with TLS but with "
		    "\"%s\": is this a port for plain POP3 (security "
		    "none, or tls with STLS)?", esc);
		free(esc);
		f = XPORT_FAIL_TLS_HANDSHAKE;
		rc = PC_E_TLS;
		goto out;
	}
	f = xport_tls_cert_class(t->verify_err);
	if (t->verify == XPORT_TLS_VERIFY_FULL && f != XPORT_FAIL_NONE) {
		text = xasprintf("%s (%s)", xport_tls_cert_words(f,
		    t->verify_err), wolfSSL_ERR_error_string(
		    (unsigned long)t->verify_err, ebuf));
		rc = PC_E_TLS;
		goto out;
	}
	f = xport_tls_cert_class(e);
	if (f != XPORT_FAIL_NONE) {
		text = xasprintf("%s (%s)", xport_tls_cert_words(f, e),
		    wolfSSL_ERR_error_string((unsigned long)e, ebuf));
		rc = PC_E_TLS;
		goto out;
	}
	if (e == VERSION_ERROR || e == UNSUPPORTED_PROTO_VERSION ||
	    ah.last_rx.code == 70 || ah.last_tx.code == 70) {
		f = XPORT_FAIL_TLS_VERSION;
		text = xasprintf("no TLS version in common with the server "
		    "(allowed: %s)%s%s", offered, ah.last_rx.code == 70 ?
		    ": the server sent alert protocol_version" : "",
		    ah.last_tx.code == 70 ? ": the server chose a version "
		    "that is not allowed" : "");
		rc = PC_E_TLS;
		goto out;
	}
	/*
	 * A TLS 1.2 CertificateRequest (13) after a ServerHello (2), or
	 * TLS 1.3's alert.
	 */
	if (((t->scan.seen & 1u << 2) && (t->scan.seen & 1u << 13)) ||
	    ah.last_rx.code == 116) {
		f = XPORT_FAIL_TLS_CLIENT_CERT;
		if (ah.last_rx.code == 116)
			text = xstrdup("the server requires a client "
			    "certificate (it sent alert certificate_required "
			    "(116)); popconn sends none");
		else if (ah.last_rx.code != 0)
			text = xasprintf("the server asked for a client "
			    "certificate (CertificateRequest), got none and "
			    "sent alert %s (%d)", xport_tls_alert_str(
			    ah.last_rx.code), ah.last_rx.code);
		else
			text = xstrdup("the server asked for a client "
			    "certificate (CertificateRequest), got none and "
			    "ended the handshake without an alert");
		rc = PC_E_TLS;
		goto out;
	}
	if (e == FATAL_ERROR && ah.last_rx.code != 0) {
		f = XPORT_FAIL_TLS_HANDSHAKE;
		text = xasprintf("the server sent alert %s (%d)%s",
		    xport_tls_alert_str(ah.last_rx.code), ah.last_rx.code,
		    ah.last_rx.code == 40 ? ": it accepts nothing the client "
		    "offered (no cipher suite, group or signature algorithm "
		    "in common, or a setting it insists on)" : "");
		rc = PC_E_TLS;
		goto out;
	}
	if (t->io_closed) {
		/*
		 * Some servers (Dovecot) close without an alert when no
		 * version is in common, others for any refusal: the
		 * silence names nothing, so the versions are only listed.
		 */
		f = XPORT_FAIL_TLS_HANDSHAKE;
		text = xasprintf("the server closed the connection during the "
		    "handshake without an alert: it refused the handshake "
		    "without saying why (allowed: %s; some servers do this "
		    "when none of these versions suits them)", offered);
		rc = PC_E_TLS;
		goto out;
	}
	if (t->io_rc != PC_OK) {
		esc = str_escape(xport_cause(t->base.next),
		    strlen(xport_cause(t->base.next)));
		f = XPORT_FAIL_TLS_HANDSHAKE;
		text = xasprintf("handshake interrupted: %s", esc);
		free(esc);
		rc = t->io_rc;
		goto out;
	}
	f = XPORT_FAIL_TLS_HANDSHAKE;
	text = xasprintf("handshake failed: %s (%d)",
	    wolfSSL_ERR_error_string((unsigned long)e, ebuf), e);
	rc = PC_E_TLS;
out:
	free(offered);
	rc = xport_tls_failed(t, f, rc, text);
	free(text);
	return rc;
}


enum pc_err
xport_tls_io_error(struct xport_tls *t, int ret, const char *what)
{
	WOLFSSL_ALERT_HISTORY	 ah;
	char			 ebuf[WOLFSSL_MAX_ERROR_SZ];
	int			 e = wolfSSL_get_error(t->ssl, ret);

	if (e == WOLFSSL_ERROR_WANT_READ) {
		t->want = POLLIN;
		return PC_E_AGAIN;
	}
	if (e == WOLFSSL_ERROR_WANT_WRITE) {
		t->want = POLLOUT;
		return PC_E_AGAIN;
	}
	/*
	 * TLS 1.3: the client's handshake ends before the server has
	 * checked its (empty) Certificate; the refusal comes as an alert on
	 * the first read, before or with the close.
	 */
	memset(&ah, 0, sizeof ah);
	(void)wolfSSL_get_alert_history(t->ssl, &ah);
	if (ah.last_rx.code == 116)
		return xport_fail_set(&t->base, XPORT_FAIL_TLS_CLIENT_CERT,
		    PC_E_TLS, "TLS: the server requires a client certificate "
		    "(it sent alert certificate_required (116) after the "
		    "handshake); popconn sends none");
	if (ah.last_rx.level == alert_fatal && ah.last_rx.code != 0)
		return xport_fail_set(&t->base, XPORT_FAIL_IO, PC_E_TLS, "TLS "
		    "%s: the server sent alert %s (%d)", what,
		    xport_tls_alert_str(ah.last_rx.code), ah.last_rx.code);
	if (e == WOLFSSL_ERROR_ZERO_RETURN || t->io_closed)
		return PC_E_CLOSED;
	if (t->io_rc != PC_OK)
		return t->io_rc;	/* next recorded why */
	return xport_fail_set(&t->base, XPORT_FAIL_IO, PC_E_TLS, "TLS %s: %s "
	    "(%d)", what, wolfSSL_ERR_error_string((unsigned long)e, ebuf),
	    e);
}

