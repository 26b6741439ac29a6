/*
 * secret.c - sealing of secrets for the store and for export: AES-256-GCM
 * with a fresh 12-byte random nonce and a 16-byte tag (wolfCrypt), keys
 * from a 32-byte key file or from a passphrase through PBKDF2-HMAC-SHA256.
 * A sealed secret is text, "v1:" + base64(nonce | ciphertext | tag), so it
 * fits a TEXT column and a JSON string.  The additional data (aad) binds a
 * ciphertext to where it belongs, so it cannot be moved to another profile
 * or field unnoticed.
 *
 * Bottom of the store layer: no SQLite here.  Every buffer that held a key
 * or a clear secret is wiped with explicit_bzero before it is released.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/pwdbased.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "popconn/store.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"
#include "store_int.h"

#define SECRET_NONCE_LEN	12
#define SECRET_TAG_LEN		16
#define SECRET_PREFIX		"v1:"
/* A sealed text longer than this is not ours: refuse before decoding. */
#define SECRET_SEALED_MAX	(1024 * 1024)

/*
 * One DRBG for the process, seeded from the kernel on first use.  It is
 * re-seeded in a child after fork(): two processes drawing the same
 * nonces under one key would break GCM.
 */
static WC_RNG	secret_rng;
static pid_t	secret_rng_pid;
static int	secret_rng_ready;

static enum pc_err
secret_rng_get(WC_RNG **out)
{
	pid_t pid = getpid();

	if (secret_rng_ready && secret_rng_pid != pid) {
		wc_FreeRng(&secret_rng);
		secret_rng_ready = 0;
	}
	if (!secret_rng_ready) {
		if (wc_InitRng(&secret_rng) != 0)
			return PC_E_CRYPTO;
		secret_rng_ready = 1;
		secret_rng_pid = pid;
	}
	*out = &secret_rng;
	return PC_OK;
}

enum pc_err
secret_random(void *buf, size_t len)
{
	WC_RNG *rng;
	enum pc_err rc;

	if (len > UINT_MAX)
		return PC_E_INVALID;
	rc = secret_rng_get(&rng);
	if (rc)
		return rc;
	if (wc_RNG_GenerateBlock(rng, buf, (word32)len) != 0)
		return PC_E_CRYPTO;
	return PC_OK;
}

/* Create every missing folder of dir (mode 0700), like mkdir -p. */
enum pc_err
secret_mkdir_parents(const char *path, char **cause)
{
	char *dir, *p;
	struct stat sb;
	enum pc_err rc = PC_OK;

	dir = xstrdup(path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		goto out;	/* current folder or the root: nothing to do */
	*p = '\0';
	if (stat(dir, &sb) == 0)
		goto out;
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			rc = PC_E_IO;
			break;
		}
		*p = '/';
	}
	if (rc == PC_OK && mkdir(dir, 0700) != 0 && errno != EEXIST)
		rc = PC_E_IO;
	if (rc && cause != NULL)
		*cause = xasprintf("cannot create the folder %s: %s", dir,
		    strerror(errno));
out:
	free(dir);
	return rc;
}

/* Read exactly SECRET_KEY_LEN bytes from an open key file. */
static enum pc_err
secret_key_read(int fd, const char *path, unsigned char *key, char **cause)
{
	struct stat sb;
	ssize_t n;
	size_t got = 0;

	if (fstat(fd, &sb) != 0) {
		if (cause != NULL)
			*cause = xasprintf("cannot read the key file %s: %s",
			    path, strerror(errno));
		return PC_E_IO;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size != SECRET_KEY_LEN) {
		if (cause != NULL)
			*cause = xasprintf("the key file %s is not a popconn "
			    "key (%lld bytes, a key has %d)", path,
			    (long long)sb.st_size, SECRET_KEY_LEN);
		return PC_E_INVALID;
	}
	while (got < SECRET_KEY_LEN) {
		n = read(fd, key + got, SECRET_KEY_LEN - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			explicit_bzero(key, SECRET_KEY_LEN);
			if (cause != NULL)
				*cause = xasprintf("cannot read the key file "
				    "%s: %s", path, n < 0 ? strerror(errno) :
				    "it is shorter than a key");
			return n < 0 ? PC_E_IO : PC_E_INVALID;
		}
		got += (size_t)n;
	}
	return PC_OK;
}

/*
 * Write a new key to a temporary file beside path and link it into place,
 * so that a reader never sees half a key and two processes creating the
 * key at once agree on one (the loser of link() reads the winner's).
 */
static enum pc_err
secret_key_create(const char *path, char **cause)
{
	unsigned char key[SECRET_KEY_LEN];
	char *tmp = NULL;
	ssize_t n;
	int fd = -1, saved;
	enum pc_err rc = PC_OK;

	rc = secret_mkdir_parents(path, cause);
	if (rc)
		return rc;
	rc = secret_random(key, sizeof key);
	if (rc) {
		if (cause != NULL)
			*cause = xstrdup("cannot draw random bytes for a new "
			    "key");
		goto out;
	}
	tmp = xasprintf("%s.XXXXXX", path);
	fd = mkstemp(tmp);	/* mode 0600 */
	if (fd < 0) {
		rc = PC_E_IO;
		if (cause != NULL)
			*cause = xasprintf("cannot create the key file %s: %s",
			    path, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, 0600) != 0)
		goto fail;
	do
		n = write(fd, key, sizeof key);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof key || fsync(fd) != 0)
		goto fail;
	if (link(tmp, path) != 0 && errno != EEXIST)
		goto fail;
	goto out;
fail:
	saved = errno;
	rc = PC_E_IO;
	if (cause != NULL)
		*cause = xasprintf("cannot write the key file %s: %s", path,
		    strerror(saved ? saved : EIO));
out:
	explicit_bzero(key, sizeof key);
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	return rc;
}

enum pc_err
secret_key_write(const char *path, const unsigned char key[SECRET_KEY_LEN],
    char **cause)
{
	char *tmp;
	ssize_t n;
	int fd, saved;
	enum pc_err rc;

	rc = secret_mkdir_parents(path, cause);
	if (rc)
		return rc;
	tmp = xasprintf("%s.XXXXXX", path);
	fd = mkstemp(tmp);	/* mode 0600 */
	if (fd < 0)
		goto fail;
	if (fchmod(fd, 0600) != 0)
		goto fail;
	do
		n = write(fd, key, SECRET_KEY_LEN);
	while (n < 0 && errno == EINTR);
	if (n != SECRET_KEY_LEN || fsync(fd) != 0)
		goto fail;
	close(fd);
	fd = -1;
	/* rename() replaces atomically: a reader sees the old or the new. */
	if (rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return PC_OK;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	if (cause != NULL)
		*cause = xasprintf("cannot write the key file %s: %s", path,
		    strerror(saved ? saved : EIO));
	return PC_E_IO;
}

enum pc_err
secret_key_load(const char *path, bool create,
    unsigned char key[SECRET_KEY_LEN], char **cause)
{
	int fd;
	enum pc_err rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		rc = secret_key_create(path, cause);
		if (rc)
			return rc;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno == ENOENT) {
			if (cause != NULL)
				*cause = xasprintf("key file missing: %s does "
				    "not exist", path);
			return PC_E_NOTFOUND;
		}
		if (cause != NULL)
			*cause = xasprintf("cannot open the key file %s: %s",
			    path, strerror(errno));
		return PC_E_IO;
	}
	rc = secret_key_read(fd, path, key, cause);
	close(fd);
	return rc;
}

enum pc_err
secret_key_derive(const char *passphrase, const unsigned char *salt,
    int saltlen, int iterations, unsigned char key[SECRET_KEY_LEN])
{
	size_t plen;

	if (iterations <= 0)
		iterations = SECRET_PBKDF2_ITERATIONS;
	plen = strlen(passphrase);
	if (plen > INT_MAX || saltlen < 8)
		return PC_E_INVALID;
	if (wc_PBKDF2(key, (const byte *)passphrase, (int)plen, salt, saltlen,
	    iterations, SECRET_KEY_LEN, WC_SHA256) != 0) {
		explicit_bzero(key, SECRET_KEY_LEN);
		return PC_E_CRYPTO;
	}
	return PC_OK;
}

enum pc_err
secret_seal(const unsigned char key[SECRET_KEY_LEN], const char *plaintext,
    const char *aad, char **out)
{
	unsigned char *blob;
	size_t len, blen, alen;
	Aes aes;
	enum pc_err rc = PC_OK;

	len = strlen(plaintext);
	alen = aad == NULL ? 0 : strlen(aad);
	if (len > SECRET_SEALED_MAX || alen > UINT_MAX)
		return PC_E_INVALID;
	blen = SECRET_NONCE_LEN + len + SECRET_TAG_LEN;
	blob = xmalloc(blen);
	rc = secret_random(blob, SECRET_NONCE_LEN);
	if (rc)
		goto out;
	if (wc_AesInit(&aes, NULL, INVALID_DEVID) != 0) {
		rc = PC_E_CRYPTO;
		goto out;
	}
	if (wc_AesGcmSetKey(&aes, key, SECRET_KEY_LEN) != 0 ||
	    wc_AesGcmEncrypt(&aes, blob + SECRET_NONCE_LEN,
	    (const byte *)plaintext, (word32)len, blob, SECRET_NONCE_LEN,
	    blob + SECRET_NONCE_LEN + len, SECRET_TAG_LEN,
	    (const byte *)aad, (word32)alen) != 0)
		rc = PC_E_CRYPTO;
	wc_AesFree(&aes);
	explicit_bzero(&aes, sizeof aes);	/* holds the key schedule */
	if (rc == PC_OK) {
		/* "v1:" + base64 in one allocation. */
		char *b64 = b64_encode(blob, blen);

		*out = xasprintf("%s%s", SECRET_PREFIX, b64);
		free(b64);
	}
out:
	free(blob);	/* nonce, ciphertext, tag: nothing secret */
	return rc;
}

enum pc_err
secret_open(const unsigned char key[SECRET_KEY_LEN], const char *sealed,
    const char *aad, char **out)
{
	unsigned char *blob = NULL;
	char *plain = NULL;
	size_t blen = 0, len, alen, slen;
	Aes aes;
	enum pc_err rc = PC_OK;

	slen = strlen(sealed);
	alen = aad == NULL ? 0 : strlen(aad);
	if (slen > SECRET_SEALED_MAX || alen > UINT_MAX ||
	    strncmp(sealed, SECRET_PREFIX, strlen(SECRET_PREFIX)) != 0)
		return PC_E_CRYPTO;
	sealed += strlen(SECRET_PREFIX);
	if (b64_decode(sealed, strlen(sealed), &blob, &blen) != PC_OK)
		return PC_E_CRYPTO;
	if (blen < SECRET_NONCE_LEN + SECRET_TAG_LEN) {
		rc = PC_E_CRYPTO;
		goto out;
	}
	len = blen - SECRET_NONCE_LEN - SECRET_TAG_LEN;
	plain = xmalloc(len + 1);
	if (wc_AesInit(&aes, NULL, INVALID_DEVID) != 0) {
		rc = PC_E_CRYPTO;
		goto out;
	}
	if (wc_AesGcmSetKey(&aes, key, SECRET_KEY_LEN) != 0 ||
	    wc_AesGcmDecrypt(&aes, (byte *)plain, blob + SECRET_NONCE_LEN,
	    (word32)len, blob, SECRET_NONCE_LEN, blob + SECRET_NONCE_LEN + len,
	    SECRET_TAG_LEN, (const byte *)aad, (word32)alen) != 0)
		rc = PC_E_CRYPTO;
	wc_AesFree(&aes);
	explicit_bzero(&aes, sizeof aes);
	if (rc)
		goto out;
	plain[len] = '\0';
	*out = plain;
	plain = NULL;
out:
	if (plain != NULL)
		xfreezero(plain, len + 1);
	free(blob);
	return rc;
}
