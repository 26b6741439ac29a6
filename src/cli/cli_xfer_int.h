/*
 * cli_xfer_int.h - what export and import share (cli_xfer.c: the
 * passphrase and the sealing of secrets), and the records of an import
 * (cli_xfer_rec.c): a JSON or CSV file parsed into records of key/value
 * pairs, each with its line, then built into profiles and checked.
 * cli_cmd_import and the fuzzer (tests/fuzz/fuzz_import.c) both run
 * exactly this code.
 */
#ifndef POPCONN_CLI_XFER_INT_H
#define POPCONN_CLI_XFER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "popconn/err.h"
#include "popconn/profile.h"
#include "popconn/store.h"

/* One record read from a file: its line and its key/value pairs. */
struct xfer_rec {
	int		 line;
	int		 n;
	char		**keys;
	char		**values;	/* may hold secrets: wiped */
};

struct xfer_recs {
	struct xfer_rec	*v;
	int		 n;
	int		 cap;		/* allocated elements of v */
};

/*
 * Where a build looks things up.  lookup: the stored profile of that name
 * (caller frees), or NULL for a new one.  open: a sealed "<secret>_enc"
 * value in clear (*clear, wiped by the caller), or an error with *cause.
 */
struct xfer_src {
	struct profile	*(*lookup)(void *arg, const char *name);
	enum pc_err	 (*open)(void *arg, const char *sealed, char **clear,
			    char **cause);
	void		*arg;
};

/* The export/import passphrase and the key derived from it. */
struct xfer_key {
	char		*passphrase;	/* secret */
	unsigned char	 salt[16];
	int		 iterations;
	unsigned char	 key[SECRET_KEY_LEN];
	int		 have_key;
};

/* cli_xfer.c */
void	 cli_xfer_key_cleanup(struct xfer_key *k);
/*
 * Ask for the export passphrase once (again, to confirm, on a terminal
 * when confirm); an empty one is refused.  PC_OK when k holds one.
 */
enum pc_err cli_xfer_passphrase(struct xfer_key *k, bool confirm);
/* "pc1$ITER$SALT$SEALED" for one secret (key derived once); caller frees. */
enum pc_err cli_xfer_seal(struct xfer_key *k, const char *secret, char **out);
/*
 * One sealed value in clear (*out, wiped by the caller); asks for the
 * passphrase when k has no key for its salt yet.  *cause on failure.
 */
enum pc_err cli_xfer_open(struct xfer_key *k, const char *in, char **out,
	    char **cause);
/* The format: opt when given, else "csv" for a .csv file, else "json". */
const char *cli_xfer_format(const char *opt, const char *file);

/* cli_xfer_rec.c */
/* The first offset at or after off that is not white space. */
size_t	 cli_xfer_rec_skip_ws(const char *s, size_t len, size_t off);
/*
 * Parse s (len bytes, need not be NUL-terminated) into rs, record by
 * record in file order; every problem is reported with cli_error and its
 * line.  Returns the number of problems.
 */
int	 cli_xfer_rec_parse_json(const char *s, size_t len,
	    struct xfer_recs *rs);
int	 cli_xfer_rec_parse_csv(const char *s, size_t len,
	    struct xfer_recs *rs);
/*
 * Build and validate the profile of every record (on top of the stored
 * one, if src finds one), then check names appear once.  *list and
 * *lines (rs->n + 1 entries, caller frees, and the profiles with
 * profile_free) get the good ones in order, *nlist how many.  Every
 * problem is reported with cli_error; returns the number of bad records.
 */
int	 cli_xfer_rec_build_all(const struct xfer_recs *rs,
	    const struct xfer_src *src, struct profile ***list, int **lines,
	    int *nlist);
void	 cli_xfer_recs_cleanup(struct xfer_recs *rs);

#endif
