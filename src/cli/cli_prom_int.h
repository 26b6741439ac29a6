/*
 * cli_prom_int.h - the Prometheus text-format file of "popconn test
 * --prom FILE" (cli_prom.c), for node_exporter's textfile collector.
 *
 * The file is replaced atomically: a temporary file is made beside FILE
 * when the run starts (so a FILE that cannot be written is refused before
 * any test runs), the results are written to it at the end, then fsync,
 * rename over FILE, fsync of the directory.  On any failure the temporary
 * file is removed and FILE is left as it was.
 *
 * Only what the file needs is kept per result (a few dozen bytes and the
 * profile's name): no trace, no TLS details beyond the version and the
 * certificate's not-after.
 */
#ifndef POPCONN_CLI_PROM_INT_H
#define POPCONN_CLI_PROM_INT_H

#include <stdint.h>

#include "popconn/err.h"
#include "popconn/logon.h"
#include "popconn/profile.h"

struct cli_prom;

/* cli_prom.c */
/*
 * Start a file for path: makes the temporary file now.  NULL with *cause
 * (caller frees) when it cannot be made (no such directory, read-only,
 * ...).
 */
struct cli_prom	*cli_prom_open(const char *path, char **cause);
/*
 * Keep what the file says about one finished test of p: r as logon_result
 * gave it, when = the Unix time (seconds, with a fraction) it ended.
 * Nothing of p or r is borrowed.
 */
void		 cli_prom_add(struct cli_prom *pm, const struct profile *p,
		    const struct logon_result *r, double when);
/*
 * Write every result kept, then replace the file.  PC_E_IO with *cause
 * (caller frees) naming the file and the reason; the old file is then
 * unchanged.  Call once.
 */
enum pc_err	 cli_prom_commit(struct cli_prom *pm, char **cause);
/* The Unix time now, with a fraction: the when of cli_prom_add. */
double		 cli_prom_now(void);
/* Free; removes the temporary file unless committed.  NULL allowed. */
void		 cli_prom_free(struct cli_prom *pm);

/*
 * A label value in the text format's quoting: backslash, double quote
 * and newline escaped; a byte that is not part of valid UTF-8 becomes
 * U+FFFD (Prometheus refuses invalid UTF-8).  Caller frees.
 */
char		*cli_prom_label(const char *s);
/*
 * The Unix time of a certificate date as logon_result gives it
 * ("2029-03-11 17:14:23 UTC"); -1 when s is NULL or not that form.
 */
int64_t		 cli_prom_time(const char *s);

#endif
