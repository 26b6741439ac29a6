/*
 * pop3_md5.c - MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), only for the two
 * POP3 logon methods that are defined on them: APOP (RFC 1939) and
 * CRAM-MD5 (RFC 2195).
 *
 * Written here rather than taken from wolfCrypt, which proto links for
 * SCRAM's primitives only.  MD5 is broken as a hash; these methods are
 * kept because old servers offer nothing better, and auto prefers XOAUTH2
 * where it can.  Intermediate state is wiped.
 */
#include <string.h>

#include "pop3_int.h"

static const uint32_t pop3_md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
	0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
	0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
	0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* Left-rotation amounts, four per round. */
static const unsigned char pop3_md5_r[4][4] = {
	{ 7, 12, 17, 22 },
	{ 5, 9, 14, 20 },
	{ 4, 11, 16, 23 },
	{ 6, 10, 15, 21 },
};

static uint32_t
pop3_md5_rol(uint32_t x, unsigned int n)
{
	return (x << n) | (x >> (32 - n));
}

static void
pop3_md5_block(struct pop3_md5 *c, const unsigned char *b)
{
	uint32_t m[16], a, bb, cc, d, f, t;
	unsigned int i, g;

	/* MD5 reads its input as little-endian words. */
	for (i = 0; i < 16; i++)
		m[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
		    (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
	a = c->h[0];
	bb = c->h[1];
	cc = c->h[2];
	d = c->h[3];
	for (i = 0; i < 64; i++) {
		switch (i / 16) {
		case 0:
			f = (bb & cc) | (~bb & d);
			g = i;
			break;
		case 1:
			f = (d & bb) | (~d & cc);
			g = (5 * i + 1) % 16;
			break;
		case 2:
			f = bb ^ cc ^ d;
			g = (3 * i + 5) % 16;
			break;
		default:
			f = cc ^ (bb | ~d);
			g = (7 * i) % 16;
			break;
		}
		t = d;
		d = cc;
		cc = bb;
		bb = bb + pop3_md5_rol(a + f + pop3_md5_k[i] + m[g],
		    pop3_md5_r[i / 16][i % 4]);
		a = t;
	}
	c->h[0] += a;
	c->h[1] += bb;
	c->h[2] += cc;
	c->h[3] += d;
	explicit_bzero(m, sizeof m);
}

void
pop3_md5_init(struct pop3_md5 *c)
{
	memset(c, 0, sizeof *c);
	c->h[0] = 0x67452301;
	c->h[1] = 0xefcdab89;
	c->h[2] = 0x98badcfe;
	c->h[3] = 0x10325476;
}

void
pop3_md5_update(struct pop3_md5 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t used, n;

	used = (size_t)(c->bytes % 64);
	c->bytes += len;
	while (len > 0) {
		n = 64 - used;
		if (n > len)
			n = len;
		memcpy(c->block + used, p, n);
		used += n;
		p += n;
		len -= n;
		if (used == 64) {
			pop3_md5_block(c, c->block);
			used = 0;
		}
	}
}

void
pop3_md5_final(struct pop3_md5 *c, unsigned char out[16])
{
	static const unsigned char pad[64] = { 0x80 };
	unsigned char lenle[8];
	uint64_t bits;
	size_t used, padlen;
	int i;

	bits = c->bytes * 8;
	for (i = 0; i < 8; i++)
		lenle[i] = (unsigned char)(bits >> (8 * i));
	used = (size_t)(c->bytes % 64);
	padlen = used < 56 ? 56 - used : 120 - used;
	pop3_md5_update(c, pad, padlen);
	pop3_md5_update(c, lenle, 8);
	for (i = 0; i < 4; i++) {
		out[4 * i] = (unsigned char)c->h[i];
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 3] = (unsigned char)(c->h[i] >> 24);
	}
	explicit_bzero(c, sizeof *c);
}

void
pop3_md5_hmac(const void *key, size_t klen, const void *msg, size_t mlen,
    unsigned char out[16])
{
	unsigned char k[64], pad[64], inner[16];
	struct pop3_md5 c;
	int i;

	memset(k, 0, sizeof k);
	/* RFC 2104: a key longer than the block is hashed first. */
	if (klen > sizeof k) {
		pop3_md5_init(&c);
		pop3_md5_update(&c, key, klen);
		pop3_md5_final(&c, k);
	} else if (klen > 0)
		memcpy(k, key, klen);

	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	pop3_md5_init(&c);
	pop3_md5_update(&c, pad, sizeof pad);
	pop3_md5_update(&c, msg, mlen);
	pop3_md5_final(&c, inner);

	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	pop3_md5_init(&c);
	pop3_md5_update(&c, pad, sizeof pad);
	pop3_md5_update(&c, inner, sizeof inner);
	pop3_md5_final(&c, out);

	explicit_bzero(k, sizeof k);
	explicit_bzero(pad, sizeof pad);
	explicit_bzero(inner, sizeof inner);
}

void
pop3_md5_hex(const unsigned char d[16], char out[33])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[32] = '\0';
}
