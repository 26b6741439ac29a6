/*
 * ntlm.h - NTLMv2 messages (MS-NLMP) for HTTP proxy authentication:
 * NEGOTIATE (type 1), CHALLENGE (type 2) parsing, AUTHENTICATE (type 3).
 *
 * Only NTLMv2 responses are produced (no LM / NTLMv1, no session key
 * exchange, no MIC): what an HTTP proxy needs to let a CONNECT through.
 * Messages are raw bytes; the caller base64-encodes them for the
 * Proxy-Authorization header.  No function here keeps or logs a password;
 * every intermediate key is wiped.
 */
#ifndef POPCONN_NTLM_H
#define POPCONN_NTLM_H

#include <stddef.h>
#include <stdint.h>

#include "popconn/err.h"

/* NEGOTIATE_* flags used here (MS-NLMP 2.2.2.5). */
#define NTLM_NEGOTIATE_UNICODE		0x00000001u
#define NTLM_NEGOTIATE_OEM		0x00000002u
#define NTLM_REQUEST_TARGET		0x00000004u
#define NTLM_NEGOTIATE_NTLM		0x00000200u
#define NTLM_NEGOTIATE_ALWAYS_SIGN	0x00008000u
#define NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLM_NEGOTIATE_TARGET_INFO	0x00800000u
#define NTLM_NEGOTIATE_128		0x20000000u
#define NTLM_NEGOTIATE_56		0x80000000u

#define NTLM_MSG_MAX		8192	/* cap on a challenge we accept */
#define NTLM_TARGET_INFO_MAX	4096

/* What a CHALLENGE message carries that the answer needs. */
struct ntlm_challenge {
	uint32_t	 flags;
	unsigned char	 server_challenge[8];
	unsigned char	*target_info;	/* owned AV pairs, may be NULL */
	size_t		 target_info_len;
	int		 have_timestamp; /* MsvAvTimestamp present */
	uint64_t	 timestamp;	/* its value (FILETIME) */
};

/* ntlm.c */
/*
 * The NEGOTIATE message (32 bytes, no domain or workstation).  Caller
 * frees *out.
 */
void		 ntlm_negotiate(unsigned char **out, size_t *outlen);
/*
 * Parse a CHALLENGE message with strict bounds.  PC_E_PROTO with *cause
 * (caller frees) when it is malformed; ch is then untouched.  Release ch
 * with ntlm_challenge_cleanup.
 */
enum pc_err	 ntlm_challenge_parse(const unsigned char *msg, size_t len,
		    struct ntlm_challenge *ch, char **cause);
void		 ntlm_challenge_cleanup(struct ntlm_challenge *ch);
/*
 * The AUTHENTICATE message answering ch for user@domain with password
 * (UTF-8; NULL is ""), using the 8-byte client challenge cchal and, when
 * the challenge carries no timestamp, time (a FILETIME: 100 ns since
 * 1601).  Deterministic given its inputs, so it can be tested against the
 * MS-NLMP vectors.  PC_E_INVALID (*cause set) when a string is not valid
 * UTF-8 or too long.  Caller frees *out.
 */
enum pc_err	 ntlm_authenticate(const struct ntlm_challenge *ch,
		    const char *user, const char *domain,
		    const char *password, const unsigned char cchal[8],
		    uint64_t time, unsigned char **out, size_t *outlen,
		    char **cause);

/* The building blocks, exposed for the test vectors. */
/* NTOWFv1 = MD4(UTF-16LE(password)).  PC_E_INVALID on bad UTF-8. */
enum pc_err	 ntlm_ntowfv1(const char *password, unsigned char out[16]);
/* NTOWFv2 = HMAC-MD5(NTOWFv1, UTF-16LE(UPPER(user) || domain)). */
enum pc_err	 ntlm_ntowfv2(const char *user, const char *domain,
		    const char *password, unsigned char out[16]);
/*
 * NTProofStr = HMAC-MD5(ntowfv2, server_challenge || blob), where blob is
 * the NTLMv2 client challenge structure ("temp" in MS-NLMP 3.3.2).  The
 * NTLMv2 response is NTProofStr || blob.
 */
void		 ntlm_v2_blob(const unsigned char cchal[8], uint64_t time,
		    const unsigned char *target_info, size_t ti_len,
		    unsigned char **out, size_t *outlen);
void		 ntlm_hmac_md5(const unsigned char *key, size_t keylen,
		    const unsigned char *a, size_t alen,
		    const unsigned char *b, size_t blen,
		    unsigned char out[16]);
/* Seconds since 1970 as a FILETIME. */
uint64_t	 ntlm_filetime(int64_t unix_seconds);

#endif
