/*
 * ntlm.c - NTLMv2 (MS-NLMP) for the HTTP CONNECT proxy client.
 *
 * Implements NEGOTIATE (2.2.1.1), CHALLENGE parsing (2.2.1.2) and
 * AUTHENTICATE (2.2.1.3) with the NTLMv2 response of 3.3.2.  MD4 and
 * HMAC-MD5 come from wolfCrypt (this wolfSSL build has MD4: NO_MD4 is not
 * set and wc_Md4* are exported).
 *
 * Deliberate limits: no NTLMv1/LM fallback (weak, and every proxy of the
 * last twenty years speaks v2), no session key exchange, no MIC (an HTTP
 * proxy does not sign anything).  UPPER() of the user name, which Windows
 * does with its Unicode tables, is done here for ASCII and Latin-1 only.
 * Every buffer that held key material is wiped.
 */
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/md4.h>

#include "popconn/ntlm.h"
#include "popconn/xmalloc.h"

#define NTLM_SIG		"NTLMSSP"	/* with its NUL: 8 bytes */
#define NTLM_AV_EOL		0
#define NTLM_AV_TIMESTAMP	7
#define NTLM_TYPE3_HEAD		64
#define NTLM_FIELD_MAX		256		/* characters in a name */

static void
ntlm_put16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void
ntlm_put32(unsigned char *p, uint32_t v)
{
	ntlm_put16(p, v & 0xffff);
	ntlm_put16(p + 2, v >> 16);
}

static unsigned
ntlm_get16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t
ntlm_get32(const unsigned char *p)
{
	return (uint32_t)ntlm_get16(p) | (uint32_t)ntlm_get16(p + 2) << 16;
}

/*
 * Decode UTF-8 (strictly: no overlong forms, no surrogates) into UTF-16LE,
 * optionally upper-casing ASCII and Latin-1.  *out holds at most
 * NTLM_FIELD_MAX code units' worth of bytes plus pairs; caller frees (and
 * wipes, it may be a password).
 */
static enum pc_err
ntlm_utf16le(const char *s, int upper, unsigned char **out, size_t *outlen)
{
	const unsigned char	*p;
	size_t			 n = strlen(s != NULL ? s : ""), o = 0;
	unsigned char		*u;
	uint32_t		 cp;
	int			 extra, i;

	if (n > NTLM_FIELD_MAX)
		return PC_E_INVALID;
	p = (const unsigned char *)(s != NULL ? s : "");
	/* Each byte gives at most one UTF-16 unit (4 bytes give 2). */
	u = xmalloc(2 * n + 2);
	while (*p != '\0') {
		if (*p < 0x80) {
			cp = *p;
			extra = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			extra = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			extra = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			extra = 3;
		} else
			goto bad;
		p++;
		for (i = 0; i < extra; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (*p & 0x3f);
		}
		if ((extra == 1 && cp < 0x80) ||
		    (extra == 2 && cp < 0x800) ||
		    (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		if (upper) {
			if (cp >= 'a' && cp <= 'z')
				cp -= 0x20;
			else if (cp >= 0xe0 && cp <= 0xfe && cp != 0xf7)
				cp -= 0x20;
			else if (cp == 0xff)
				cp = 0x178;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			ntlm_put16(u + o, 0xd800 | (cp >> 10));
			ntlm_put16(u + o + 2, 0xdc00 | (cp & 0x3ff));
			o += 4;
		} else {
			ntlm_put16(u + o, cp);
			o += 2;
		}
	}
	*out = u;
	*outlen = o;
	return PC_OK;
bad:
	xfreezero(u, 2 * n + 2);
	return PC_E_INVALID;
}

void
ntlm_hmac_md5(const unsigned char *key, size_t keylen,
    const unsigned char *a, size_t alen, const unsigned char *b, size_t blen,
    unsigned char out[16])
{
	Hmac	 h;

	/* MD5 is always in wolfCrypt; these calls fail only on bad args. */
	wc_HmacInit(&h, NULL, INVALID_DEVID);
	wc_HmacSetKey(&h, WC_MD5, key, (word32)keylen);
	if (alen > 0)
		wc_HmacUpdate(&h, a, (word32)alen);
	if (blen > 0)
		wc_HmacUpdate(&h, b, (word32)blen);
	wc_HmacFinal(&h, out);
	wc_HmacFree(&h);
	explicit_bzero(&h, sizeof h);
}

enum pc_err
ntlm_ntowfv1(const char *password, unsigned char out[16])
{
	Md4		 md;
	unsigned char	*u;
	size_t		 ulen;

	if (ntlm_utf16le(password, 0, &u, &ulen) != PC_OK)
		return PC_E_INVALID;
	wc_InitMd4(&md);
	wc_Md4Update(&md, u, (word32)ulen);
	wc_Md4Final(&md, out);
	explicit_bzero(&md, sizeof md);
	xfreezero(u, ulen);
	return PC_OK;
}

enum pc_err
ntlm_ntowfv2(const char *user, const char *domain, const char *password,
    unsigned char out[16])
{
	unsigned char	 v1[16], *uu = NULL, *ud = NULL;
	size_t		 uulen = 0, udlen = 0;
	enum pc_err	 rc = PC_OK;

	if (ntlm_ntowfv1(password, v1) != PC_OK ||
	    ntlm_utf16le(user, 1, &uu, &uulen) != PC_OK ||
	    ntlm_utf16le(domain, 0, &ud, &udlen) != PC_OK) {
		rc = PC_E_INVALID;
		goto out;
	}
	ntlm_hmac_md5(v1, sizeof v1, uu, uulen, ud, udlen, out);
out:
	explicit_bzero(v1, sizeof v1);
	if (uu != NULL)
		xfreezero(uu, uulen);
	if (ud != NULL)
		xfreezero(ud, udlen);
	return rc;
}

uint64_t
ntlm_filetime(int64_t unix_seconds)
{
	/* 1601-01-01 to 1970-01-01 is 11644473600 s; ticks of 100 ns. */
	return ((uint64_t)unix_seconds + 11644473600ULL) * 10000000ULL;
}

void
ntlm_v2_blob(const unsigned char cchal[8], uint64_t time,
    const unsigned char *target_info, size_t ti_len, unsigned char **out,
    size_t *outlen)
{
	unsigned char	*b;
	size_t		 len = 28 + ti_len + 4;
	int		 i;

	b = xcalloc(1, len);
	b[0] = 1;		/* RespType */
	b[1] = 1;		/* HiRespType */
	for (i = 0; i < 8; i++)
		b[8 + i] = (time >> (8 * i)) & 0xff;
	memcpy(b + 16, cchal, 8);
	if (ti_len > 0)
		memcpy(b + 28, target_info, ti_len);
	*out = b;
	*outlen = len;
}

void
ntlm_negotiate(unsigned char **out, size_t *outlen)
{
	unsigned char	*m;

	m = xcalloc(1, 32);
	memcpy(m, NTLM_SIG, 8);
	ntlm_put32(m + 8, 1);
	ntlm_put32(m + 12, NTLM_NEGOTIATE_UNICODE | NTLM_NEGOTIATE_OEM |
	    NTLM_REQUEST_TARGET | NTLM_NEGOTIATE_NTLM |
	    NTLM_NEGOTIATE_ALWAYS_SIGN |
	    NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLM_NEGOTIATE_128 |
	    NTLM_NEGOTIATE_56);
	/* Empty domain and workstation fields, offsets past the header. */
	ntlm_put32(m + 20, 32);
	ntlm_put32(m + 28, 32);
	*out = m;
	*outlen = 32;
}

/* A security buffer (len, maxlen, offset) that must lie inside msg. */
static int
ntlm_secbuf(const unsigned char *msg, size_t len, size_t at, size_t *off,
    size_t *flen)
{
	*flen = ntlm_get16(msg + at);
	*off = ntlm_get32(msg + at + 4);
	if (*flen == 0)
		return 1;
	return *off <= len && *flen <= len - *off;
}

enum pc_err
ntlm_challenge_parse(const unsigned char *msg, size_t len,
    struct ntlm_challenge *ch, char **cause)
{
	struct ntlm_challenge	 c;
	const char		*why = NULL;
	size_t			 off, flen, at, id, alen;
	int			 eol = 0;

	memset(&c, 0, sizeof c);
	if (len < 32 || len > NTLM_MSG_MAX) {
		why = "bad length";
		goto bad;
	}
	if (memcmp(msg, NTLM_SIG, 8) != 0) {
		why = "no NTLMSSP signature";
		goto bad;
	}
	if (ntlm_get32(msg + 8) != 2) {
		why = "not a CHALLENGE message";
		goto bad;
	}
	if (!ntlm_secbuf(msg, len, 12, &off, &flen)) {
		why = "target name outside the message";
		goto bad;
	}
	c.flags = ntlm_get32(msg + 20);
	memcpy(c.server_challenge, msg + 24, 8);
	if (len >= 48 && (c.flags & NTLM_NEGOTIATE_TARGET_INFO)) {
		if (!ntlm_secbuf(msg, len, 40, &off, &flen)) {
			why = "target information outside the message";
			goto bad;
		}
		if (flen > NTLM_TARGET_INFO_MAX) {
			why = "target information too long";
			goto bad;
		}
		/* Walk the AV pairs: each must fit, MsvAvEOL ends them. */
		for (at = 0; at + 4 <= flen && !eol; at += 4 + alen) {
			id = ntlm_get16(msg + off + at);
			alen = ntlm_get16(msg + off + at + 2);
			if (alen > flen - at - 4) {
				why = "AV pair outside the target information";
				goto bad;
			}
			if (id == NTLM_AV_EOL)
				eol = 1;
			else if (id == NTLM_AV_TIMESTAMP && alen == 8) {
				c.have_timestamp = 1;
				c.timestamp = (uint64_t)ntlm_get32(msg + off +
				    at + 4) | (uint64_t)ntlm_get32(msg + off +
				    at + 8) << 32;
			}
		}
		if (flen > 0 && !eol) {
			why = "target information without MsvAvEOL";
			goto bad;
		}
		if (at > 0) {
			c.target_info = xmalloc(at);
			memcpy(c.target_info, msg + off, at);
			c.target_info_len = at;
		}
	}
	*ch = c;
	return PC_OK;
bad:
	if (cause != NULL)
		*cause = xasprintf("malformed NTLM challenge: %s", why);
	return PC_E_PROTO;
}

void
ntlm_challenge_cleanup(struct ntlm_challenge *ch)
{
	free(ch->target_info);
	memset(ch, 0, sizeof *ch);
}

/* Encode a name field: UTF-16LE when Unicode was negotiated, else ASCII. */
static enum pc_err
ntlm_field(const char *s, int unicode, unsigned char **out, size_t *outlen)
{
	size_t	 i, n;

	if (unicode)
		return ntlm_utf16le(s, 0, out, outlen);
	s = s != NULL ? s : "";
	n = strlen(s);
	if (n > NTLM_FIELD_MAX)
		return PC_E_INVALID;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return PC_E_INVALID;
	}
	*out = (unsigned char *)xstrdup(s);
	*outlen = n;
	return PC_OK;
}

enum pc_err
ntlm_authenticate(const struct ntlm_challenge *ch, const char *user,
    const char *domain, const char *password, const unsigned char cchal[8],
    uint64_t time, unsigned char **out, size_t *outlen, char **cause)
{
	unsigned char	 key[16], proof[16], lm[24];
	unsigned char	*blob = NULL, *fdom = NULL, *fuser = NULL, *m;
	size_t		 bloblen = 0, fdomlen = 0, fuserlen = 0, len, at;
	uint32_t	 flags;
	int		 unicode = (ch->flags & NTLM_NEGOTIATE_UNICODE) != 0;
	enum pc_err	 rc = PC_OK;

	if (ntlm_ntowfv2(user, domain, password, key) != PC_OK ||
	    ntlm_field(domain, unicode, &fdom, &fdomlen) != PC_OK ||
	    ntlm_field(user, unicode, &fuser, &fuserlen) != PC_OK) {
		rc = PC_E_INVALID;
		if (cause != NULL)
			*cause = xstrdup("NTLM: user name, domain or password "
			    "is too long or not valid UTF-8 (or not ASCII for "
			    "a proxy without Unicode)");
		goto out;
	}
	/*
	 * With a server timestamp the client must use it and send an empty
	 * (zero) LMv2 response (MS-NLMP 3.1.5.1.2).
	 */
	if (ch->have_timestamp)
		time = ch->timestamp;
	ntlm_v2_blob(cchal, time, ch->target_info, ch->target_info_len,
	    &blob, &bloblen);
	ntlm_hmac_md5(key, sizeof key, ch->server_challenge, 8, blob, bloblen,
	    proof);
	memset(lm, 0, sizeof lm);
	if (!ch->have_timestamp) {
		ntlm_hmac_md5(key, sizeof key, ch->server_challenge, 8, cchal,
		    8, lm);
		memcpy(lm + 16, cchal, 8);
	}

	flags = ch->flags & (NTLM_NEGOTIATE_NTLM | NTLM_NEGOTIATE_ALWAYS_SIGN |
	    NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY |
	    NTLM_NEGOTIATE_TARGET_INFO | NTLM_NEGOTIATE_128 |
	    NTLM_NEGOTIATE_56 | NTLM_REQUEST_TARGET);
	flags |= unicode ? NTLM_NEGOTIATE_UNICODE : NTLM_NEGOTIATE_OEM;

	len = NTLM_TYPE3_HEAD + sizeof lm + 16 + bloblen + fdomlen + fuserlen;
	m = xcalloc(1, len);
	memcpy(m, NTLM_SIG, 8);
	ntlm_put32(m + 8, 3);
	at = NTLM_TYPE3_HEAD;
	/* LmChallengeResponse */
	ntlm_put16(m + 12, sizeof lm);
	ntlm_put16(m + 14, sizeof lm);
	ntlm_put32(m + 16, (uint32_t)at);
	memcpy(m + at, lm, sizeof lm);
	at += sizeof lm;
	/* NtChallengeResponse = NTProofStr || blob */
	ntlm_put16(m + 20, (unsigned)(16 + bloblen));
	ntlm_put16(m + 22, (unsigned)(16 + bloblen));
	ntlm_put32(m + 24, (uint32_t)at);
	memcpy(m + at, proof, 16);
	memcpy(m + at + 16, blob, bloblen);
	at += 16 + bloblen;
	/* DomainName */
	ntlm_put16(m + 28, (unsigned)fdomlen);
	ntlm_put16(m + 30, (unsigned)fdomlen);
	ntlm_put32(m + 32, (uint32_t)at);
	memcpy(m + at, fdom, fdomlen);
	at += fdomlen;
	/* UserName */
	ntlm_put16(m + 36, (unsigned)fuserlen);
	ntlm_put16(m + 38, (unsigned)fuserlen);
	ntlm_put32(m + 40, (uint32_t)at);
	memcpy(m + at, fuser, fuserlen);
	at += fuserlen;
	/* Workstation and EncryptedRandomSessionKey: empty, at the end. */
	ntlm_put32(m + 48, (uint32_t)at);
	ntlm_put32(m + 56, (uint32_t)at);
	ntlm_put32(m + 60, flags);
	*out = m;
	*outlen = len;
out:
	explicit_bzero(key, sizeof key);
	explicit_bzero(proof, sizeof proof);
	explicit_bzero(lm, sizeof lm);
	free(blob);
	if (fdom != NULL)
		xfreezero(fdom, fdomlen);
	if (fuser != NULL)
		xfreezero(fuser, fuserlen);
	return rc;
}
