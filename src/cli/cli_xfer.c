/*
 * cli_xfer.c - what export and import share: the export passphrase (asked
 * once, only when a sealed value needs it), the sealing of each secret as
 * "pc1$ITER$SALT$SEALED" (PBKDF2-HMAC-SHA256 then AES-256-GCM, with
 * src/store/secret.c), and the format chosen from --format or the file
 * name.  Not pure crypto (opening a value may prompt for the passphrase),
 * so it stays with the CLI.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli_int.h"
#include "cli_xfer_int.h"
#include "popconn/buf.h"
#include "popconn/str.h"

#define XFER_ITERATIONS	600000
#define XFER_AAD	"popconn-export-v1"

void
cli_xfer_key_cleanup(struct xfer_key *k)
{
	xfree_secret(k->passphrase);
	explicit_bzero(k, sizeof *k);
}

enum pc_err
cli_xfer_passphrase(struct xfer_key *k, bool confirm)
{
	char *again = NULL;
	enum pc_err rc;

	if (k->passphrase != NULL)
		return PC_OK;
	rc = cli_read_secret("export passphrase", &k->passphrase);
	if (rc)
		return rc;
	if (*k->passphrase == '\0') {
		cli_error("the export passphrase may not be empty");
		return PC_E_INVALID;
	}
	if (confirm && isatty(STDIN_FILENO)) {
		rc = cli_read_secret("repeat the passphrase", &again);
		if (rc == PC_OK && strcmp(again, k->passphrase) != 0) {
			cli_error("the passphrases differ");
			rc = PC_E_INVALID;
		}
		xfree_secret(again);
	}
	return rc;
}

/* "pc1$ITER$SALT$SEALED" for one secret. */
enum pc_err
cli_xfer_seal(struct xfer_key *k, const char *secret, char **out)
{
	char *salt, *sealed;
	enum pc_err rc;

	if (!k->have_key) {
		if (getentropy(k->salt, sizeof k->salt) != 0)
			return PC_E_IO;
		k->iterations = XFER_ITERATIONS;
		rc = secret_key_derive(k->passphrase, k->salt,
		    (int)sizeof k->salt, k->iterations, k->key);
		if (rc)
			return rc;
		k->have_key = 1;
	}
	rc = secret_seal(k->key, secret, XFER_AAD, &sealed);
	if (rc)
		return rc;
	salt = b64_encode(k->salt, sizeof k->salt);
	*out = xasprintf("pc1$%d$%s$%s", k->iterations, salt, sealed);
	free(salt);
	free(sealed);
	return PC_OK;
}

enum pc_err
cli_xfer_open(struct xfer_key *k, const char *in, char **out, char **cause)
{
	unsigned char *salt = NULL;
	size_t saltlen;
	char *copy, *f[4], *save = NULL;
	long iter;
	int i;
	enum pc_err rc = PC_E_INVALID;

	copy = xstrdup(in);
	for (i = 0; i < 4; i++)
		f[i] = strtok_r(i ? NULL : copy, "$", &save);
	if (f[3] == NULL || strcmp(f[0], "pc1") != 0 ||
	    str_to_int(f[1], 1000, 100000000, &iter) ||
	    b64_decode(f[2], strlen(f[2]), &salt, &saltlen) ||
	    saltlen != sizeof k->salt) {
		*cause = xstrdup("not an encrypted popconn export value");
		goto out;
	}
	if (!k->have_key || k->iterations != (int)iter ||
	    memcmp(k->salt, salt, saltlen) != 0) {
		rc = cli_xfer_passphrase(k, false);
		if (rc) {
			*cause = xstrdup("no passphrase given");
			goto out;
		}
		memcpy(k->salt, salt, saltlen);
		k->iterations = (int)iter;
		rc = secret_key_derive(k->passphrase, k->salt,
		    (int)saltlen, k->iterations, k->key);
		if (rc)
			goto out;
		k->have_key = 1;
	}
	rc = secret_open(k->key, f[3], XFER_AAD, out);
	if (rc)
		*cause = xstrdup("cannot decrypt: wrong export passphrase, or "
		    "the value was changed");
out:
	free(salt);
	free(copy);
	return rc;
}

/* Choose the format from --format, then the file name's extension. */
const char *
cli_xfer_format(const char *opt, const char *file)
{
	const char *dot;

	if (opt != NULL)
		return opt;
	dot = file != NULL ? strrchr(file, '.') : NULL;
	if (dot != NULL && strcasecmp(dot, ".csv") == 0)
		return "csv";
	return "json";
}
