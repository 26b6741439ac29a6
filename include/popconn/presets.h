/*
 * presets.h - "default settings for some servers": data compiled from
 * data/presets.tsv, applied when a profile is created.
 */
#ifndef POPCONN_PRESETS_H
#define POPCONN_PRESETS_H

#include "popconn/err.h"
#include "popconn/profile.h"

struct preset {
	const char	*key;		/* "gmail", "office365" ... */
	const char	*label;		/* "Gmail" */
	const char	*address;	/* NULL when the service has no POP3 */
	int		 port;
	enum prof_security security;
	enum prof_auth	 auth;
	const char	*note;		/* hint shown with the preset, or "" */
};

/* presets.c */
/* All presets; *n receives the count.  Borrowed, static. */
const struct preset *presets_all(int *n);
/* Case-insensitive lookup by key.  NULL when unknown. */
const struct preset *presets_find(const char *key);
/*
 * Fill address, port, security and auth of p (the port counts as a
 * default, not as typed).  A preset for a
 * service with no POP3 (iCloud) fails with PC_E_INVALID and *cause says so.
 */
enum pc_err	 presets_apply(const struct preset *ps, struct profile *p,
		    char **cause);

#endif
