/*
 * ntlm_chal.h - one NTLM CHALLENGE message shared by the net tests that
 * play an NTLM proxy (test_xport.c, test_proxy.c): Unicode, server
 * challenge 0123456789abcdef, target info "Domain"/"Server".
 */
#ifndef POPCONN_TEST_NTLM_CHAL_H
#define POPCONN_TEST_NTLM_CHAL_H

static const unsigned char ntlm_test_chal[] = {
	'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 2, 0, 0, 0,
	0, 0, 0, 0, 48, 0, 0, 0,
	0x01, 0x02, 0x81, 0x00,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0, 0, 0, 0, 0, 0, 0, 0,
	36, 0, 36, 0, 48, 0, 0, 0,
	0x02, 0x00, 0x0c, 0x00, 'D', 0, 'o', 0, 'm', 0, 'a', 0,
	'i', 0, 'n', 0,
	0x01, 0x00, 0x0c, 0x00, 'S', 0, 'e', 0, 'r', 0, 'v', 0,
	'e', 0, 'r', 0,
	0, 0, 0, 0 };

#endif
