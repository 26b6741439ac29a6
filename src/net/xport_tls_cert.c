/*
 * xport_tls_cert.c - the server certificate of a TLS session: its details
 * for the report, and its verification.
 *
 * Verification: full = chain (optional CA file + the system store, read
 * by issuer: xport_tls_system_store) and the host name
 * (wolfSSL_check_domain_name; SNI is sent for names only, RFC 6066 3) or, for an IP literal, the IP SANs compared here byte by byte.
 * pin = SHA-256 of the leaf's DER, checked right after the handshake and
 * before any application byte is read.  off = nothing, said loudly in the
 * verification text.  A verify callback sees every certificate, so the
 * details of a rejected certificate are still reported.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/hash.h>

#include "popconn/str.h"
#include "popconn/xport.h"
#include "net/net_int.h"

#define XPORT_TLS_SANS_MAX	64

/* "2026-01-31 12:00:00 UTC" for a certificate time.  Caller frees. */
static char *
xport_tls_time_str(WOLFSSL_ASN1_TIME *at)
{
	struct tm	 tm;
	char		 s[64];

	memset(&tm, 0, sizeof tm);
	if (at == NULL || wolfSSL_ASN1_TIME_to_tm(at, &tm) != WOLFSSL_SUCCESS)
		return xstrdup("?");
	if (strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		return xstrdup("?");
	return xstrdup(s);
}

static char *
xport_tls_name_str(WOLFSSL_X509_NAME *name)
{
	char	 s[2048];

	if (name == NULL || wolfSSL_X509_NAME_oneline(name, s, sizeof s) ==
	    NULL)
		return xstrdup("");
	s[sizeof s - 1] = '\0';
	return str_escape(s, strlen(s));
}

void
xport_tls_info_cleanup(struct xport_tls_info *in)
{
	int	 i;

	free(in->version);
	free(in->cipher);
	free(in->subject);
	free(in->issuer);
	for (i = 0; i < in->nsans; i++)
		free(in->sans[i]);
	free(in->sans);
	free(in->not_before);
	free(in->not_after);
	free(in->fingerprint);
	free(in->verify_result);
	memset(in, 0, sizeof *in);
}

/*
 * Walk the subjectAltName entries of x509: collect them as text into info
 * (when info is not NULL) and say whether one is the IP ip (family fam).
 */
static int
xport_tls_sans(WOLFSSL_X509 *x509, struct xport_tls_info *info, int fam,
    const unsigned char *ip)
{
	WOLFSSL_STACK		*sk;
	WOLFSSL_GENERAL_NAME	*gn;
	const unsigned char	*d;
	char			 txt[INET6_ADDRSTRLEN], *esc;
	int			 i, n, len, match = 0;

	sk = wolfSSL_X509_get_ext_d2i(x509, NID_subject_alt_name, NULL, NULL);
	if (sk == NULL)
		return 0;
	n = wolfSSL_sk_GENERAL_NAME_num(sk);
	for (i = 0; i < n; i++) {
		gn = wolfSSL_sk_GENERAL_NAME_value(sk, i);
		if (gn == NULL || gn->d.ptr == NULL)
			continue;
		esc = NULL;
		if (gn->type == ASN_DNS_TYPE) {
			d = wolfSSL_ASN1_STRING_get0_data(gn->d.dNSName);
			len = wolfSSL_ASN1_STRING_length(gn->d.dNSName);
			if (d != NULL && len >= 0) {
				char	*raw = str_escape((const char *)d,
				    (size_t)len);

				esc = xasprintf("DNS:%s", raw);
				free(raw);
			}
		} else if (gn->type == ASN_IP_TYPE) {
			d = wolfSSL_ASN1_STRING_get0_data(gn->d.iPAddress);
			len = wolfSSL_ASN1_STRING_length(gn->d.iPAddress);
			if (d != NULL && (len == 4 || len == 16)) {
				inet_ntop(len == 4 ? AF_INET : AF_INET6, d,
				    txt, sizeof txt);
				esc = xasprintf("IP:%s", txt);
				if (fam != 0 && len == (fam == AF_INET ? 4 :
				    16) && memcmp(d, ip, (size_t)len) == 0)
					match = 1;
			}
		} else if (gn->type == ASN_RFC822_TYPE) {
			d = wolfSSL_ASN1_STRING_get0_data(gn->d.rfc822Name);
			len = wolfSSL_ASN1_STRING_length(gn->d.rfc822Name);
			if (d != NULL && len >= 0) {
				char	*raw = str_escape((const char *)d,
				    (size_t)len);

				esc = xasprintf("email:%s", raw);
				free(raw);
			}
		}
		if (esc == NULL)
			continue;
		if (info != NULL && info->nsans < XPORT_TLS_SANS_MAX) {
			info->sans = xreallocarray(info->sans,
			    (size_t)info->nsans + 1, sizeof *info->sans);
			info->sans[info->nsans++] = esc;
		} else
			free(esc);
	}
	wolfSSL_sk_GENERAL_NAME_pop_free(sk, wolfSSL_GENERAL_NAME_free);
	return match;
}

/* Fill t->info with the details of the leaf certificate x509. */
static void
xport_tls_capture(struct xport_tls *t, WOLFSSL_X509 *x509)
{
	struct xport_tls_info	*in = &t->info;
	const unsigned char	*der;
	unsigned char		 md[32];
	int			 len, i;
	char			*p;

	if (t->have_cert || x509 == NULL)
		return;
	der = wolfSSL_X509_get_der(x509, &len);
	if (der == NULL || len <= 0 ||
	    wc_Sha256Hash(der, (word32)len, md) != 0)
		return;
	t->have_cert = 1;
	in->subject = xport_tls_name_str(wolfSSL_X509_get_subject_name(x509));
	in->issuer = xport_tls_name_str(wolfSSL_X509_get_issuer_name(x509));
	in->not_before = xport_tls_time_str(wolfSSL_X509_get_notBefore(x509));
	in->not_after = xport_tls_time_str(wolfSSL_X509_get_notAfter(x509));
	in->fingerprint = p = xmalloc(sizeof md * 3);
	for (i = 0; i < (int)sizeof md; i++)
		p += sprintf(p, "%s%02X", i ? ":" : "", md[i]);
	xport_tls_sans(x509, in, 0, NULL);
}

int
xport_tls_verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
	struct xport_tls	*t = store->userCtx;

	if (t == NULL)
		return preverify;
#if defined(HAVE_ECC) && defined(FP_ECC)
	/*
	 * This wolfSSL keeps a fixed-point table per ECC point and builds it
	 * on the point's second use (256 points made affine: as much CPU as
	 * the rest of a P-256 handshake).  A handshake uses the base point
	 * once per signature, so the first one of a process builds it: a
	 * waste for the single test logon of the CLI.  Emptying the cache
	 * after each certificate of the first session keeps every point at
	 * one use; later sessions (a group test, the TUI) build the tables
	 * and gain from them.
	 */
	if (t->fp_reset)
		wc_ecc_fp_free();
#endif
	if (store->error_depth == 0 && store->current_cert != NULL)
		xport_tls_capture(t, store->current_cert);
	if (!preverify && t->verify_err == 0) {
		t->verify_err = store->error != 0 ? store->error :
		    VERIFY_CERT_ERROR;
		t->verify_depth = store->error_depth;
	}
	/* pin and off decide after the handshake (pin) or not at all. */
	return t->verify == XPORT_TLS_VERIFY_FULL ? preverify : 1;
}


/* Checks after a completed handshake, before any application byte. */
enum pc_err
xport_tls_post(struct xport_tls *t)
{
	WOLFSSL_X509_CHAIN	*chain;
	WOLFSSL_X509		*leaf = NULL;
	const unsigned char	*der;
	unsigned char		 md[32];
	int			 len = 0, ipok = 1;
	enum pc_err		 rc = PC_OK;
	char			 ebuf[WOLFSSL_MAX_ERROR_SZ], *text;

	t->info.version = xstrdup(wolfSSL_get_version(t->ssl));
	t->info.cipher = xstrdup(wolfSSL_get_cipher_name(t->ssl) != NULL ?
	    wolfSSL_get_cipher_name(t->ssl) : "?");
	chain = wolfSSL_get_peer_chain(t->ssl);
	if (chain != NULL && wolfSSL_get_chain_count(chain) > 0) {
		der = wolfSSL_get_chain_cert(chain, 0);
		len = wolfSSL_get_chain_length(chain, 0);
		if (der != NULL && len > 0)
			leaf = wolfSSL_X509_d2i(NULL, der, len);
	}
	if (leaf == NULL)
		return xport_tls_failed(t, XPORT_FAIL_TLS_HANDSHAKE, PC_E_TLS,
		    "the server sent no certificate");
	xport_tls_capture(t, leaf);
	der = wolfSSL_X509_get_der(leaf, &len);
	if (der == NULL || len <= 0 ||
	    wc_Sha256Hash(der, (word32)len, md) != 0) {
		rc = xport_tls_failed(t, XPORT_FAIL_TLS_HANDSHAKE, PC_E_TLS,
		    "cannot hash the server certificate");
		goto out;
	}
	if (t->ip_family != 0)
		ipok = xport_tls_sans(leaf, NULL, t->ip_family, t->ip);

	switch (t->verify) {
	case XPORT_TLS_VERIFY_PIN:
		if (memcmp(md, t->pin, sizeof md) != 0) {
			text = xasprintf("the certificate (SHA-256 %s) does "
			    "not match the pinned fingerprint",
			    t->info.fingerprint);
			rc = xport_tls_failed(t, XPORT_FAIL_CERT_PIN, PC_E_TLS,
			    text);
			free(text);
			goto out;
		}
		t->info.verified = 1;
		t->info.verify_result = xasprintf("pinned SHA-256 fingerprint "
		    "matches (chain and name not checked%s%s)",
		    t->verify_err ? "; chain: " : "", t->verify_err ?
		    wolfSSL_ERR_error_string((unsigned long)t->verify_err,
		    ebuf) : "");
		break;
	case XPORT_TLS_VERIFY_OFF:
		if (t->verify_err)
			t->info.verify_result = xasprintf("NOT verified: "
			    "certificate checks are off (chain: %s)",
			    wolfSSL_ERR_error_string(
			    (unsigned long)t->verify_err, ebuf));
		else
			t->info.verify_result = xstrdup("NOT verified: "
			    "certificate checks are off");
		break;
	case XPORT_TLS_VERIFY_FULL:
		if (!ipok) {
			text = xasprintf("the certificate is not for the IP "
			    "address %s (no matching IP subjectAltName)",
			    t->host);
			rc = xport_tls_failed(t, XPORT_FAIL_CERT_NAME,
			    PC_E_TLS, text);
			free(text);
			goto out;
		}
		t->info.verified = 1;
		t->info.verify_result = xasprintf("verified: trusted chain, "
		    "certificate is for %s%s", t->ip_family ? "IP " : "",
		    t->host);
		break;
	}
out:
	wolfSSL_X509_free(leaf);
	return rc;
}


/* 64 hex digits, any case, ':' (and blanks) ignored, into 32 bytes. */
int
xport_tls_parse_pin(const char *s, unsigned char out[32])
{
	int	 n = 0, v;

	if (s == NULL)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == ':' || *s == ' ')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			return -1;
		if (n >= 64)
			return -1;
		if (n % 2 == 0)
			out[n / 2] = (unsigned char)(v << 4);
		else
			out[n / 2] |= (unsigned char)v;
		n++;
	}
	return n == 64 ? 0 : -1;
}

