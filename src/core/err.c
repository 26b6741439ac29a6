/*
 * err.c - names for enum pc_err.  Bottom of the core layer; used by all.
 */
#include <stddef.h>

#include "popconn/err.h"

static const char *const pc_err_names[PC_E__COUNT] = {
	[PC_OK] = "ok",
	[PC_E_IO] = "input/output error",
	[PC_E_TLS] = "TLS error",
	[PC_E_PROTO] = "protocol error",
	[PC_E_AUTH] = "authentication failed",
	[PC_E_TIMEOUT] = "timed out",
	[PC_E_DB] = "database error",
	[PC_E_INVALID] = "invalid input",
	[PC_E_AGAIN] = "would block",
	[PC_E_NOTFOUND] = "not found",
	[PC_E_CONFLICT] = "changed by someone else",
	[PC_E_EXISTS] = "already exists",
	[PC_E_SCHEMA] = "database from a newer popconn",
	[PC_E_CRYPTO] = "decryption failed",
	[PC_E_CLOSED] = "connection closed",
	[PC_E_CANCELLED] = "cancelled",
};

const char *
pc_err_str(enum pc_err rc)
{
	if ((unsigned)rc >= PC_E__COUNT || pc_err_names[rc] == NULL)
		return "unknown error";
	return pc_err_names[rc];
}
