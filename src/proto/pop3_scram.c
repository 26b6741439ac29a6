/*
 * pop3_scram.c - SASL SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677)
 * for the POP3 machine: the client-first message, the client proof for
 * the server-first message, and the check of the server's signature.  The
 * password never leaves popconn, and the server proves that it knows it.
 *
 * wolfCrypt supplies the hash, HMAC and PBKDF2 primitives (pure
 * computation: no I/O).  The client nonce comes from the driver
 * (pop3_cfg.scram_nonce), so a transcript test can replay the RFC
 * examples.  No channel binding ("n,,"): popconn does not offer -PLUS.
 * The password is used as given (UTF-8), without SASLprep: equal for
 * ASCII passwords, which is what servers that store SCRAM keys hold.
 *
 * Every buffer that holds the password, a key or the proof is wiped.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/pwdbased.h>

#include "popconn/str.h"
#include "pop3_int.h"

/* Iteration counts above this are refused (a hostile server's stall). */
#define POP3_SCRAM_MAX_ITER	1000000
#define POP3_SCRAM_MAX_LEN	4096	/* longest server message accepted */

static int
pop3_scram_type(const struct pop3_scram *s)
{
	return s->sha256 ? WC_SHA256 : WC_SHA;
}

static size_t
pop3_scram_hlen(const struct pop3_scram *s)
{
	return s->sha256 ? WC_SHA256_DIGEST_SIZE : WC_SHA_DIGEST_SIZE;
}

static int
pop3_scram_hmac(const struct pop3_scram *s, const unsigned char *key,
    size_t klen, const void *msg, size_t mlen, unsigned char *out)
{
	Hmac h;
	int rc;

	if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		return -1;
	rc = wc_HmacSetKey(&h, pop3_scram_type(s), key, (word32)klen);
	if (rc == 0)
		rc = wc_HmacUpdate(&h, msg, (word32)mlen);
	if (rc == 0)
		rc = wc_HmacFinal(&h, out);
	wc_HmacFree(&h);
	return rc == 0 ? 0 : -1;
}

void
pop3_scram_init(struct pop3_scram *s, bool sha256)
{
	memset(s, 0, sizeof *s);
	s->sha256 = sha256;
}

void
pop3_scram_cleanup(struct pop3_scram *s)
{
	free(s->first_bare);
	free(s->nonce);
	explicit_bzero(s->server_sig, sizeof s->server_sig);
	free(s->auth_message);
	memset(s, 0, sizeof *s);
}

char *
pop3_scram_first(struct pop3_scram *s, const char *user, const char *nonce)
{
	struct buf b;
	char *msg, *out;

	free(s->nonce);
	s->nonce = xstrdup(nonce);
	buf_init(&b, 0);
	buf_addstr(&b, "n=");
	pop3_auth_saslname(&b, user);
	buf_addf(&b, ",r=%s", nonce);
	free(s->first_bare);
	s->first_bare = buf_take(&b);
	msg = xasprintf("n,,%s", s->first_bare);
	out = b64_encode(msg, strlen(msg));
	free(msg);
	return out;
}

/* The value of attribute "k=" in a comma-separated message, or NULL. */
static const char *
pop3_scram_attr(const char *msg, char k, size_t *vlen)
{
	const char *p = msg, *end;

	for (;;) {
		end = strchr(p, ',');
		if (p[0] == k && p[1] == '=') {
			*vlen = (end != NULL ? (size_t)(end - p) :
			    strlen(p)) - 2;
			return p + 2;
		}
		if (end == NULL)
			return NULL;
		p = end + 1;
	}
}

/* Decode a base64 server message into a NUL-terminated string. */
static enum pc_err
pop3_scram_decode(const char *text, size_t len, char **msg, char **cause,
    const char *what)
{
	unsigned char *d;
	size_t n;

	if (len == 0 || len > POP3_SCRAM_MAX_LEN ||
	    b64_decode(text, len, &d, &n) != PC_OK) {
		*cause = xasprintf("the SCRAM %s is not valid base64", what);
		return PC_E_PROTO;
	}
	if (memchr(d, '\0', n) != NULL) {
		free(d);
		*cause = xasprintf("the SCRAM %s holds a NUL byte", what);
		return PC_E_PROTO;
	}
	*msg = xmalloc(n + 1);
	memcpy(*msg, d, n);
	(*msg)[n] = '\0';
	free(d);
	return PC_OK;
}

enum pc_err
pop3_scram_final(struct pop3_scram *s, const char *password,
    const char *text, size_t len, char **resp, char **cause)
{
	unsigned char salted[WC_SHA256_DIGEST_SIZE];
	unsigned char ckey[WC_SHA256_DIGEST_SIZE];
	unsigned char stored[WC_SHA256_DIGEST_SIZE];
	unsigned char csig[WC_SHA256_DIGEST_SIZE];
	unsigned char skey[WC_SHA256_DIGEST_SIZE];
	unsigned char *salt = NULL;
	const char *r, *sv, *iv;
	char *msg = NULL, *without = NULL, *proof = NULL, *iter = NULL;
	size_t rlen, slen, ilen, saltlen = 0, hlen = pop3_scram_hlen(s), i;
	long n;
	enum pc_err rc = PC_E_PROTO;
	char *endp;

	*resp = NULL;
	if (pop3_scram_decode(text, len, &msg, cause, "server-first "
	    "message") != PC_OK)
		return PC_E_PROTO;
	if (msg[0] == 'm' && msg[1] == '=') {
		*cause = xstrdup("the SCRAM server-first message asks for an "
		    "extension popconn does not know (m=)");
		goto out;
	}
	r = pop3_scram_attr(msg, 'r', &rlen);
	sv = pop3_scram_attr(msg, 's', &slen);
	iv = pop3_scram_attr(msg, 'i', &ilen);
	if (r == NULL || sv == NULL || iv == NULL) {
		*cause = xstrdup("the SCRAM server-first message lacks the "
		    "nonce, salt or iteration count");
		goto out;
	}
	/* The server's nonce must extend ours (RFC 5802 section 5.1). */
	if (rlen <= strlen(s->nonce) ||
	    memcmp(r, s->nonce, strlen(s->nonce)) != 0) {
		*cause = xstrdup("the SCRAM server nonce does not start with "
		    "the client's: the exchange was tampered with");
		goto out;
	}
	iter = xstrndup(iv, ilen);
	n = strtol(iter, &endp, 10);
	if (ilen == 0 || *endp != '\0' || n < 1 || n > POP3_SCRAM_MAX_ITER) {
		*cause = xasprintf("the SCRAM iteration count is not a number "
		    "from 1 to %d", POP3_SCRAM_MAX_ITER);
		goto out;
	}
	if (slen == 0 || b64_decode(sv, slen, &salt, &saltlen) != PC_OK) {
		*cause = xstrdup("the SCRAM salt is not valid base64");
		goto out;
	}
	without = xasprintf("c=biws,r=%.*s", (int)rlen, r);
	free(s->auth_message);
	s->auth_message = xasprintf("%s,%s,%s", s->first_bare, msg, without);

	if (wc_PBKDF2(salted, (const byte *)password, (int)strlen(password),
	    salt, (int)saltlen, (int)n, (int)hlen, pop3_scram_type(s)) != 0 ||
	    pop3_scram_hmac(s, salted, hlen, "Client Key", 10, ckey) != 0 ||
	    wc_Hash(s->sha256 ? WC_HASH_TYPE_SHA256 : WC_HASH_TYPE_SHA, ckey,
	    (word32)hlen, stored, (word32)hlen) != 0 ||
	    pop3_scram_hmac(s, stored, hlen, s->auth_message,
	    strlen(s->auth_message), csig) != 0 ||
	    pop3_scram_hmac(s, salted, hlen, "Server Key", 10, skey) != 0 ||
	    pop3_scram_hmac(s, skey, hlen, s->auth_message,
	    strlen(s->auth_message), s->server_sig) != 0) {
		*cause = xstrdup("the SCRAM computation failed in wolfCrypt");
		goto out;
	}
	for (i = 0; i < hlen; i++)
		ckey[i] ^= csig[i];		/* ClientProof */
	proof = b64_encode(ckey, hlen);
	free(msg);
	msg = xasprintf("%s,p=%s", without, proof);
	*resp = b64_encode(msg, strlen(msg));
	rc = PC_OK;
out:
	explicit_bzero(salted, sizeof salted);
	explicit_bzero(ckey, sizeof ckey);
	explicit_bzero(stored, sizeof stored);
	explicit_bzero(csig, sizeof csig);
	explicit_bzero(skey, sizeof skey);
	if (proof != NULL)
		xfree_secret(proof);
	if (msg != NULL)
		xfree_secret(msg);
	free(without);
	free(iter);
	free(salt);
	return rc;
}

enum pc_err
pop3_scram_verify(struct pop3_scram *s, const char *text, size_t len,
    char **cause)
{
	unsigned char *sig = NULL;
	const char *v;
	char *msg = NULL, *e;
	size_t vlen, n = 0, i;
	unsigned char diff = 0;
	enum pc_err rc = PC_E_PROTO;

	if (pop3_scram_decode(text, len, &msg, cause, "server-final "
	    "message") != PC_OK)
		return PC_E_PROTO;
	if (msg[0] == 'e' && msg[1] == '=') {
		e = str_escape(msg + 2, strnlen(msg + 2, 64));
		*cause = xasprintf("the server ended the SCRAM exchange: %s",
		    e);
		free(e);
		goto out;
	}
	v = pop3_scram_attr(msg, 'v', &vlen);
	if (v == NULL || vlen == 0 || b64_decode(v, vlen, &sig, &n) !=
	    PC_OK || n != pop3_scram_hlen(s)) {
		*cause = xstrdup("the SCRAM server-final message carries no "
		    "valid server signature");
		goto out;
	}
	for (i = 0; i < n; i++)
		diff |= sig[i] ^ s->server_sig[i];
	if (diff != 0) {
		*cause = xstrdup("the server's SCRAM signature is wrong: it "
		    "does not know the password (an impostor, or a "
		    "tampered exchange)");
		goto out;
	}
	s->verified = true;
	rc = PC_OK;
out:
	free(sig);
	free(msg);
	return rc;
}
