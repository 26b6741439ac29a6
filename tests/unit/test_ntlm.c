/*
 * test_ntlm.c - NTLMv2 against the MS-NLMP section 4.2 test vectors
 * (user "User", domain "Domain", password "Password", server challenge
 * 0123456789abcdef, client challenge aaaaaaaaaaaaaaaa, time 0, target
 * information NbDomainName "Domain" + NbComputerName "Server"), plus the
 * bounds of the CHALLENGE parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "popconn/ntlm.h"

static const unsigned char server_chal[8] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
static const unsigned char client_chal[8] = {
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa };

/* MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", MsvAvEOL. */
static const unsigned char target_info[] = {
	0x02, 0x00, 0x0c, 0x00, 'D', 0, 'o', 0, 'm', 0, 'a', 0, 'i', 0,
	'n', 0,
	0x01, 0x00, 0x0c, 0x00, 'S', 0, 'e', 0, 'r', 0, 'v', 0, 'e', 0,
	'r', 0,
	0x00, 0x00, 0x00, 0x00 };

/* MS-NLMP 4.2.2.1.2 / 4.2.4.1.1 / 4.2.4.2.1 / 4.2.4.2.2 */
static const unsigned char ntowfv1[16] = {
	0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
	0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52 };
static const unsigned char ntowfv2[16] = {
	0x0c, 0x86, 0x8a, 0x40, 0x3b, 0xfd, 0x7a, 0x93,
	0xa3, 0x00, 0x1e, 0xf2, 0x2e, 0xf0, 0x2e, 0x3f };
static const unsigned char lmv2[24] = {
	0x86, 0xc3, 0x50, 0x97, 0xac, 0x9c, 0xec, 0x10,
	0x25, 0x54, 0x76, 0x4a, 0x57, 0xcc, 0xcc, 0x19,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa };
static const unsigned char ntproofstr[16] = {
	0x68, 0xcd, 0x0a, 0xb8, 0x51, 0xe5, 0x1c, 0x96,
	0xaa, 0xbc, 0x92, 0x7b, 0xeb, 0xef, 0x6a, 0x1c };
static const unsigned char session_base_key[16] = {
	0x8d, 0xe4, 0x0c, 0xca, 0xdb, 0xc1, 0x4a, 0x82,
	0xf1, 0x5c, 0xb0, 0xad, 0x0d, 0xe9, 0x5c, 0xa3 };

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static unsigned
get16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t
get32(const unsigned char *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* A CHALLENGE message like MS-NLMP 4.2.4.3 (target name "Server"). */
static size_t
make_challenge(unsigned char *m, uint32_t flags, const unsigned char *ti,
    size_t tilen)
{
	static const unsigned char name[] = {
		'S', 0, 'e', 0, 'r', 0, 'v', 0, 'e', 0, 'r', 0 };

	memset(m, 0, 56);
	memcpy(m, "NTLMSSP", 8);
	put32(m + 8, 2);
	put16(m + 12, sizeof name);
	put16(m + 14, sizeof name);
	put32(m + 16, 56);
	put32(m + 20, flags);
	memcpy(m + 24, server_chal, 8);
	put16(m + 40, (unsigned)tilen);
	put16(m + 42, (unsigned)tilen);
	put32(m + 44, 56 + sizeof name);
	memcpy(m + 56, name, sizeof name);
	memcpy(m + 56 + sizeof name, ti, tilen);
	return 56 + sizeof name + tilen;
}

static void
test_ntlm_ntowfv1(void **state)
{
	unsigned char	 out[16];

	assert_int_equal(ntlm_ntowfv1("Password", out), PC_OK);
	assert_memory_equal(out, ntowfv1, 16);
}

static void
test_ntlm_ntowfv2(void **state)
{
	unsigned char	 out[16];

	assert_int_equal(ntlm_ntowfv2("User", "Domain", "Password", out),
	    PC_OK);
	assert_memory_equal(out, ntowfv2, 16);
	/* The user name is upper-cased, the domain is not. */
	assert_int_equal(ntlm_ntowfv2("user", "Domain", "Password", out),
	    PC_OK);
	assert_memory_equal(out, ntowfv2, 16);
	assert_int_equal(ntlm_ntowfv2("User", "DOMAIN", "Password", out),
	    PC_OK);
	assert_memory_not_equal(out, ntowfv2, 16);
}

static void
test_ntlm_v2_vectors(void **state)
{
	unsigned char	*blob, proof[16], key[16];
	size_t		 bloblen;

	ntlm_v2_blob(client_chal, 0, target_info, sizeof target_info, &blob,
	    &bloblen);
	assert_int_equal(bloblen, 28 + sizeof target_info + 4);
	assert_int_equal(blob[0], 1);
	assert_int_equal(blob[1], 1);
	assert_memory_equal(blob + 16, client_chal, 8);
	ntlm_hmac_md5(ntowfv2, 16, server_chal, 8, blob, bloblen, proof);
	assert_memory_equal(proof, ntproofstr, 16);
	ntlm_hmac_md5(ntowfv2, 16, proof, 16, NULL, 0, key);
	assert_memory_equal(key, session_base_key, 16);
	free(blob);
}

static void
test_ntlm_negotiate(void **state)
{
	unsigned char	*m;
	size_t		 len;
	uint32_t	 flags;

	ntlm_negotiate(&m, &len);
	assert_int_equal(len, 32);
	assert_memory_equal(m, "NTLMSSP\0", 8);
	assert_int_equal(get32(m + 8), 1);
	flags = get32(m + 12);
	assert_true(flags & NTLM_NEGOTIATE_UNICODE);
	assert_true(flags & NTLM_NEGOTIATE_NTLM);
	assert_true(flags & NTLM_REQUEST_TARGET);
	free(m);
}

static void
test_ntlm_authenticate_vectors(void **state)
{
	unsigned char		 msg[256], *m;
	struct ntlm_challenge	 ch;
	size_t			 len, mlen, off, n;
	char			*cause = NULL;
	uint32_t		 flags = NTLM_NEGOTIATE_UNICODE |
				    NTLM_NEGOTIATE_NTLM |
				    NTLM_NEGOTIATE_TARGET_INFO |
				    NTLM_NEGOTIATE_ALWAYS_SIGN |
				    NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY;
	static const unsigned char user16[] = {
		'U', 0, 's', 0, 'e', 0, 'r', 0 };
	static const unsigned char dom16[] = {
		'D', 0, 'o', 0, 'm', 0, 'a', 0, 'i', 0, 'n', 0 };

	len = make_challenge(msg, flags, target_info, sizeof target_info);
	assert_int_equal(ntlm_challenge_parse(msg, len, &ch, &cause), PC_OK);
	assert_memory_equal(ch.server_challenge, server_chal, 8);
	assert_int_equal(ch.target_info_len, sizeof target_info);
	assert_memory_equal(ch.target_info, target_info, sizeof target_info);
	assert_int_equal(ch.have_timestamp, 0);

	assert_int_equal(ntlm_authenticate(&ch, "User", "Domain", "Password",
	    client_chal, 0, &m, &mlen, &cause), PC_OK);
	assert_memory_equal(m, "NTLMSSP\0", 8);
	assert_int_equal(get32(m + 8), 3);
	/* LmChallengeResponse = LMv2 */
	assert_int_equal(get16(m + 12), 24);
	off = get32(m + 16);
	assert_true(off + 24 <= mlen);
	assert_memory_equal(m + off, lmv2, 24);
	/* NtChallengeResponse = NTProofStr || blob */
	n = get16(m + 20);
	off = get32(m + 24);
	assert_int_equal(n, 16 + 28 + sizeof target_info + 4);
	assert_true(off + n <= mlen);
	assert_memory_equal(m + off, ntproofstr, 16);
	assert_memory_equal(m + off + 16 + 28, target_info,
	    sizeof target_info);
	/* DomainName and UserName in UTF-16LE */
	assert_int_equal(get16(m + 28), sizeof dom16);
	assert_memory_equal(m + get32(m + 32), dom16, sizeof dom16);
	assert_int_equal(get16(m + 36), sizeof user16);
	assert_memory_equal(m + get32(m + 40), user16, sizeof user16);
	assert_true(get32(m + 60) & NTLM_NEGOTIATE_UNICODE);
	/* Nothing of the password in clear, in any encoding. */
	assert_null(memmem(m, mlen, "Password", 8));
	assert_null(memmem(m, mlen, "P\0a\0s\0s\0w\0o\0r\0d\0", 16));
	free(m);
	ntlm_challenge_cleanup(&ch);
}

static void
test_ntlm_timestamp_from_server(void **state)
{
	unsigned char		 ti[sizeof target_info + 12], msg[256], *m;
	struct ntlm_challenge	 ch;
	size_t			 len, mlen, off;
	static const unsigned char zero[24];

	/* Insert MsvAvTimestamp (7) = 0x0102030405060708 before EOL. */
	memcpy(ti, target_info, sizeof target_info - 4);
	memcpy(ti + sizeof target_info - 4,
	    "\x07\x00\x08\x00\x08\x07\x06\x05\x04\x03\x02\x01", 12);
	memcpy(ti + sizeof target_info + 8, "\0\0\0\0", 4);
	len = make_challenge(msg, NTLM_NEGOTIATE_UNICODE |
	    NTLM_NEGOTIATE_TARGET_INFO, ti, sizeof ti);
	assert_int_equal(ntlm_challenge_parse(msg, len, &ch, NULL), PC_OK);
	assert_int_equal(ch.have_timestamp, 1);
	assert_true(ch.timestamp == 0x0102030405060708ULL);
	assert_int_equal(ntlm_authenticate(&ch, "User", "Domain", "Password",
	    client_chal, 0, &m, &mlen, NULL), PC_OK);
	/* The blob carries the server's time; LMv2 is all zero. */
	off = get32(m + 24);
	assert_memory_equal(m + off + 16 + 8,
	    "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	assert_memory_equal(m + get32(m + 16), zero, 24);
	free(m);
	ntlm_challenge_cleanup(&ch);
}

static void
test_ntlm_challenge_bounds(void **state)
{
	unsigned char		 msg[256];
	struct ntlm_challenge	 ch;
	size_t			 len;
	char			*cause = NULL;
	uint32_t		 flags = NTLM_NEGOTIATE_UNICODE |
				    NTLM_NEGOTIATE_TARGET_INFO;

	len = make_challenge(msg, flags, target_info, sizeof target_info);
	/* Too short, wrong signature, wrong type. */
	assert_int_equal(ntlm_challenge_parse(msg, 31, &ch, &cause),
	    PC_E_PROTO);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	msg[0] = 'X';
	assert_int_equal(ntlm_challenge_parse(msg, len, &ch, NULL),
	    PC_E_PROTO);
	msg[0] = 'N';
	put32(msg + 8, 3);
	assert_int_equal(ntlm_challenge_parse(msg, len, &ch, NULL),
	    PC_E_PROTO);
	put32(msg + 8, 2);
	/* Target info running past the end of the message. */
	put16(msg + 40, (unsigned)sizeof target_info + 1);
	assert_int_equal(ntlm_challenge_parse(msg, len, &ch, &cause),
	    PC_E_PROTO);
	assert_non_null(strstr(cause, "outside"));
	free(cause);
	cause = NULL;
	/* Offset pointing far outside. */
	put16(msg + 40, sizeof target_info);
	put32(msg + 44, 0xfffffff0u);
	assert_int_equal(ntlm_challenge_parse(msg, len, &ch, NULL),
	    PC_E_PROTO);
	/* An AV pair whose length overruns the target info. */
	len = make_challenge(msg, flags, target_info, sizeof target_info);
	put16(msg + 56 + 12 + 2, 0x0100);
	assert_int_equal(ntlm_challenge_parse(msg, len, &ch, NULL),
	    PC_E_PROTO);
	/* Target info without MsvAvEOL. */
	len = make_challenge(msg, flags, target_info, sizeof target_info - 4);
	assert_int_equal(ntlm_challenge_parse(msg, len, &ch, NULL),
	    PC_E_PROTO);
	/* Target name outside. */
	len = make_challenge(msg, flags, target_info, sizeof target_info);
	put32(msg + 16, (uint32_t)len);
	assert_int_equal(ntlm_challenge_parse(msg, len, &ch, NULL),
	    PC_E_PROTO);
	/* Still fine when the target-info flag is off: it is ignored. */
	len = make_challenge(msg, NTLM_NEGOTIATE_UNICODE, target_info,
	    sizeof target_info);
	assert_int_equal(ntlm_challenge_parse(msg, len, &ch, NULL), PC_OK);
	assert_null(ch.target_info);
	ntlm_challenge_cleanup(&ch);
}

static void
test_ntlm_bad_utf8(void **state)
{
	unsigned char	 out[16];

	assert_int_equal(ntlm_ntowfv1("\xc3", out), PC_E_INVALID);
	assert_int_equal(ntlm_ntowfv1("\xc0\xaf", out), PC_E_INVALID);
	assert_int_equal(ntlm_ntowfv1("\xed\xa0\x80", out), PC_E_INVALID);
	/* Valid UTF-8 beyond the BMP is encoded as a surrogate pair. */
	assert_int_equal(ntlm_ntowfv1("\xf0\x9f\x94\x91", out), PC_OK);
}

static void
test_ntlm_oem(void **state)
{
	unsigned char		 msg[256], *m;
	struct ntlm_challenge	 ch;
	size_t			 len, mlen;

	len = make_challenge(msg, NTLM_NEGOTIATE_OEM |
	    NTLM_NEGOTIATE_TARGET_INFO, target_info, sizeof target_info);
	assert_int_equal(ntlm_challenge_parse(msg, len, &ch, NULL), PC_OK);
	assert_int_equal(ntlm_authenticate(&ch, "User", "Domain", "Password",
	    client_chal, 0, &m, &mlen, NULL), PC_OK);
	assert_int_equal(get16(m + 36), 4);
	assert_memory_equal(m + get32(m + 40), "User", 4);
	assert_false(get32(m + 60) & NTLM_NEGOTIATE_UNICODE);
	free(m);
	/* A non-ASCII user cannot be sent without Unicode. */
	assert_int_equal(ntlm_authenticate(&ch, "J\xc3\xbcrgen", "Domain",
	    "Password", client_chal, 0, &m, &mlen, NULL), PC_E_INVALID);
	ntlm_challenge_cleanup(&ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ntlm_ntowfv1),
		cmocka_unit_test(test_ntlm_ntowfv2),
		cmocka_unit_test(test_ntlm_v2_vectors),
		cmocka_unit_test(test_ntlm_negotiate),
		cmocka_unit_test(test_ntlm_authenticate_vectors),
		cmocka_unit_test(test_ntlm_timestamp_from_server),
		cmocka_unit_test(test_ntlm_challenge_bounds),
		cmocka_unit_test(test_ntlm_bad_utf8),
		cmocka_unit_test(test_ntlm_oem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
