/*
 * test_secret.c - sealing (AES-256-GCM through wolfCrypt): round trips,
 * fresh nonces, the binding to the aad, tampering, the key file (created
 * 0600 in a 0700 folder, never silently replaced), PBKDF2 against a known
 * vector, and a DRBG that does not repeat itself across fork().
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "popconn/store.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"

static const unsigned char test_key_a[SECRET_KEY_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
};
static const unsigned char test_key_b[SECRET_KEY_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 33
};

#define TEST_SECRET	"S3cr3t-Passw0rd-XYZ"
#define TEST_AAD	"popconn/v1/0011223344556677/password"

static int
test_rm_cb(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
test_setup_dir(void **state)
{
	char *dir = xstrdup("/tmp/popconn-secret-XXXXXX");

	if (mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int
test_teardown_dir(void **state)
{
	nftw(*state, test_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

static void
test_secret_round_trip(void **state)
{
	char *sealed = NULL, *plain = NULL;
	unsigned char *raw = NULL;
	size_t rawlen = 0;

	(void)state;
	assert_int_equal(secret_seal(test_key_a, TEST_SECRET, TEST_AAD,
	    &sealed), PC_OK);
	assert_true(strncmp(sealed, "v1:", 3) == 0);
	assert_null(strstr(sealed, TEST_SECRET));
	/* nonce (12) | ciphertext (same length as the text) | tag (16) */
	assert_int_equal(b64_decode(sealed + 3, strlen(sealed + 3), &raw,
	    &rawlen), PC_OK);
	assert_int_equal(rawlen, 12 + strlen(TEST_SECRET) + 16);
	assert_null(memmem(raw, rawlen, TEST_SECRET, strlen(TEST_SECRET)));
	free(raw);
	assert_int_equal(secret_open(test_key_a, sealed, TEST_AAD, &plain),
	    PC_OK);
	assert_string_equal(plain, TEST_SECRET);
	xfree_secret(plain);
	free(sealed);
}

static void
test_secret_empty_and_long(void **state)
{
	char *sealed = NULL, *plain = NULL, *big;

	(void)state;
	assert_int_equal(secret_seal(test_key_a, "", NULL, &sealed), PC_OK);
	assert_int_equal(secret_open(test_key_a, sealed, NULL, &plain), PC_OK);
	assert_string_equal(plain, "");
	xfree_secret(plain);
	free(sealed);

	big = xmalloc(5001);
	memset(big, 'x', 5000);
	big[5000] = '\0';
	assert_int_equal(secret_seal(test_key_a, big, "a", &sealed), PC_OK);
	assert_int_equal(secret_open(test_key_a, sealed, "a", &plain), PC_OK);
	assert_string_equal(plain, big);
	xfree_secret(plain);
	free(sealed);
	free(big);
}

static void
test_secret_fresh_nonce(void **state)
{
	char *s1 = NULL, *s2 = NULL;

	(void)state;
	assert_int_equal(secret_seal(test_key_a, TEST_SECRET, TEST_AAD, &s1),
	    PC_OK);
	assert_int_equal(secret_seal(test_key_a, TEST_SECRET, TEST_AAD, &s2),
	    PC_OK);
	/* Same key, text and aad: a different nonce makes every byte
	 * after the prefix differ in practice. */
	assert_string_not_equal(s1, s2);
	assert_true(memcmp(s1 + 3, s2 + 3, 16) != 0);
	free(s1);
	free(s2);
}

static void
test_secret_wrong_key_or_aad(void **state)
{
	char *sealed = NULL, *plain = NULL;

	(void)state;
	assert_int_equal(secret_seal(test_key_a, TEST_SECRET, TEST_AAD,
	    &sealed), PC_OK);
	assert_int_equal(secret_open(test_key_b, sealed, TEST_AAD, &plain),
	    PC_E_CRYPTO);
	assert_null(plain);
	/* Bound to the profile and the field: moving it elsewhere fails. */
	assert_int_equal(secret_open(test_key_a, sealed,
	    "popconn/v1/0011223344556677/proxy_password", &plain),
	    PC_E_CRYPTO);
	assert_int_equal(secret_open(test_key_a, sealed,
	    "popconn/v1/ffffffffffffffff/password", &plain), PC_E_CRYPTO);
	assert_int_equal(secret_open(test_key_a, sealed, NULL, &plain),
	    PC_E_CRYPTO);
	assert_null(plain);
	free(sealed);
}

/* Flip one bit of byte i of the decoded blob and re-encode. */
static char *
test_tamper(const char *sealed, size_t i)
{
	unsigned char *raw = NULL;
	size_t len = 0;
	char *b64, *out;

	assert_int_equal(b64_decode(sealed + 3, strlen(sealed + 3), &raw,
	    &len), PC_OK);
	assert_true(i < len);
	raw[i] ^= 0x01;
	b64 = b64_encode(raw, len);
	out = xasprintf("v1:%s", b64);
	free(b64);
	free(raw);
	return out;
}

static void
test_secret_tampered(void **state)
{
	char *sealed = NULL, *bad, *plain = NULL;
	size_t len, i, where[6];

	(void)state;
	assert_int_equal(secret_seal(test_key_a, TEST_SECRET, TEST_AAD,
	    &sealed), PC_OK);
	len = 12 + strlen(TEST_SECRET) + 16;
	/* nonce, first and last ciphertext byte, first and last tag byte */
	where[0] = 0;
	where[1] = 11;
	where[2] = 12;
	where[3] = 12 + strlen(TEST_SECRET) - 1;
	where[4] = len - 16;
	where[5] = len - 1;
	for (i = 0; i < 6; i++) {
		bad = test_tamper(sealed, where[i]);
		assert_int_equal(secret_open(test_key_a, bad, TEST_AAD, &plain),
		    PC_E_CRYPTO);
		assert_null(plain);
		free(bad);
	}
	/* Truncated, wrong prefix, not base64, empty. */
	bad = xstrndup(sealed, strlen(sealed) - 4);
	assert_int_equal(secret_open(test_key_a, bad, TEST_AAD, &plain),
	    PC_E_CRYPTO);
	free(bad);
	bad = xstrdup(sealed);
	bad[1] = '2';
	assert_int_equal(secret_open(test_key_a, bad, TEST_AAD, &plain),
	    PC_E_CRYPTO);
	free(bad);
	assert_int_equal(secret_open(test_key_a, "v1:!!!!", TEST_AAD, &plain),
	    PC_E_CRYPTO);
	assert_int_equal(secret_open(test_key_a, "v1:", TEST_AAD, &plain),
	    PC_E_CRYPTO);
	assert_int_equal(secret_open(test_key_a, "v1:AAAA", TEST_AAD, &plain),
	    PC_E_CRYPTO);
	assert_int_equal(secret_open(test_key_a, "", TEST_AAD, &plain),
	    PC_E_CRYPTO);
	assert_null(plain);
	free(sealed);
}

static void
test_secret_key_file(void **state)
{
	const char *dir = *state;
	unsigned char k1[SECRET_KEY_LEN], k2[SECRET_KEY_LEN];
	unsigned char zero[SECRET_KEY_LEN] = { 0 };
	char *path, *folder, *cause = NULL;
	struct stat sb;
	mode_t old;

	path = xasprintf("%s/conf/popconn/key", dir);
	folder = xasprintf("%s/conf/popconn", dir);
	/* Missing and not to be created. */
	assert_int_equal(secret_key_load(path, false, k1, &cause),
	    PC_E_NOTFOUND);
	assert_non_null(strstr(cause, "key file missing"));
	free(cause);
	cause = NULL;
	assert_int_not_equal(stat(path, &sb), 0);

	/* Created with folders 0700 and file 0600 even under umask 0. */
	old = umask(0);
	assert_int_equal(secret_key_load(path, true, k1, &cause), PC_OK);
	umask(old);
	assert_null(cause);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, SECRET_KEY_LEN);
	assert_int_equal(stat(folder, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_memory_not_equal(k1, zero, SECRET_KEY_LEN);

	/* Loaded again (create or not): the same key, never a new one. */
	assert_int_equal(secret_key_load(path, true, k2, NULL), PC_OK);
	assert_memory_equal(k1, k2, SECRET_KEY_LEN);
	assert_int_equal(secret_key_load(path, false, k2, NULL), PC_OK);
	assert_memory_equal(k1, k2, SECRET_KEY_LEN);
	free(path);
	free(folder);
}

static void
test_secret_key_file_bad_size(void **state)
{
	const char *dir = *state;
	unsigned char k[SECRET_KEY_LEN];
	char *path, *cause = NULL;
	int fd;

	path = xasprintf("%s/shortkey", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	assert_int_equal(secret_key_load(path, true, k, &cause),
	    PC_E_INVALID);
	assert_non_null(strstr(cause, "not a popconn key"));
	free(cause);
	free(path);
}

static void
test_secret_pbkdf2_vector(void **state)
{
	/* PBKDF2-HMAC-SHA256, 4096 iterations (a published test vector,
	 * also what Python's hashlib.pbkdf2_hmac gives). */
	static const unsigned char want[SECRET_KEY_LEN] = {
		0x34, 0x8c, 0x89, 0xdb, 0xcb, 0xd3, 0x2b, 0x2f,
		0x32, 0xd8, 0x14, 0xb8, 0x11, 0x6e, 0x84, 0xcf,
		0x2b, 0x17, 0x34, 0x7e, 0xbc, 0x18, 0x00, 0x18,
		0x1c, 0x4e, 0x2a, 0x1f, 0xb8, 0xdd, 0x53, 0xe1
	};
	static const char salt[] = "saltSALTsaltSALTsaltSALTsaltSALTsalt";
	unsigned char key[SECRET_KEY_LEN];

	(void)state;
	assert_int_equal(secret_key_derive("passwordPASSWORDpassword",
	    (const unsigned char *)salt, (int)strlen(salt), 4096, key), PC_OK);
	assert_memory_equal(key, want, SECRET_KEY_LEN);
	/* A salt too short to be a salt is refused. */
	assert_int_equal(secret_key_derive("x", (const unsigned char *)"ab", 2,
	    1000, key), PC_E_INVALID);
}

static void
test_secret_derived_key_seals(void **state)
{
	unsigned char salt[16], k1[SECRET_KEY_LEN], k2[SECRET_KEY_LEN];
	char *sealed = NULL, *plain = NULL;

	(void)state;
	assert_int_equal(secret_random(salt, sizeof salt), PC_OK);
	assert_int_equal(secret_key_derive("export pass", salt, sizeof salt,
	    1000, k1), PC_OK);
	assert_int_equal(secret_seal(k1, TEST_SECRET, "export", &sealed),
	    PC_OK);
	assert_int_equal(secret_key_derive("export pasS", salt, sizeof salt,
	    1000, k2), PC_OK);
	assert_int_equal(secret_open(k2, sealed, "export", &plain),
	    PC_E_CRYPTO);
	assert_int_equal(secret_key_derive("export pass", salt, sizeof salt,
	    1000, k2), PC_OK);
	assert_int_equal(secret_open(k2, sealed, "export", &plain), PC_OK);
	assert_string_equal(plain, TEST_SECRET);
	xfree_secret(plain);
	free(sealed);
}

static void
test_secret_random_after_fork(void **state)
{
	unsigned char parent[32], child[32], before[32];
	int fds[2], status;
	pid_t pid;

	(void)state;
	/* Seed the DRBG in the parent first: a copied state would make
	 * the child repeat the parent's next output. */
	assert_int_equal(secret_random(before, sizeof before), PC_OK);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (secret_random(child, sizeof child) != PC_OK ||
		    write(fds[1], child, sizeof child) != sizeof child)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(secret_random(parent, sizeof parent), PC_OK);
	assert_int_equal(read(fds[0], child, sizeof child), sizeof child);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_not_equal(parent, child, sizeof parent);
	assert_memory_not_equal(parent, before, sizeof parent);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_round_trip),
		cmocka_unit_test(test_secret_empty_and_long),
		cmocka_unit_test(test_secret_fresh_nonce),
		cmocka_unit_test(test_secret_wrong_key_or_aad),
		cmocka_unit_test(test_secret_tampered),
		cmocka_unit_test_setup_teardown(test_secret_key_file,
		    test_setup_dir, test_teardown_dir),
		cmocka_unit_test_setup_teardown(test_secret_key_file_bad_size,
		    test_setup_dir, test_teardown_dir),
		cmocka_unit_test(test_secret_pbkdf2_vector),
		cmocka_unit_test(test_secret_derived_key_seals),
		cmocka_unit_test(test_secret_random_after_fork),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
