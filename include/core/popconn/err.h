/*
 * err.h - error codes shared by every layer.
 *
 * A fallible function returns enum pc_err; PC_OK is zero so callers write
 * "if (rc)".  Human-readable detail travels in an optional "char **cause"
 * out-parameter that the callee allocates and the caller frees.  A server's
 * -ERR or a failed logon is a *result*, never an error of the function that
 * read it.
 */
#ifndef POPCONN_ERR_H
#define POPCONN_ERR_H

enum pc_err {
	PC_OK = 0,
	PC_E_IO,		/* system call failed (errno kept on the object) */
	PC_E_TLS,		/* TLS library failure */
	PC_E_PROTO,		/* peer broke the protocol */
	PC_E_AUTH,		/* credentials rejected (by a proxy, a key file) */
	PC_E_TIMEOUT,		/* a bounded wait ran out */
	PC_E_DB,		/* SQLite failure */
	PC_E_INVALID,		/* bad input: a field, a line, an argument */
	PC_E_AGAIN,		/* non-blocking operation would block */
	PC_E_NOTFOUND,		/* no such profile / file */
	PC_E_CONFLICT,		/* row changed by someone else since it was read */
	PC_E_EXISTS,		/* unique name already taken */
	PC_E_SCHEMA,		/* database written by a newer popconn */
	PC_E_CRYPTO,		/* wrong key, tampered ciphertext */
	PC_E_CLOSED,		/* peer closed the connection */
	PC_E_CANCELLED,		/* the user cancelled */
	PC_E__COUNT
};

/* err.c */
/* A short constant description of rc.  Never NULL. */
const char	*pc_err_str(enum pc_err rc);

#endif
