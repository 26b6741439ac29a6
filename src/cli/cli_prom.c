/*
 * cli_prom.c - "popconn test --prom FILE": the results of a test run as a
 * Prometheus text-format file (exposition format 0.0.4) for
 * node_exporter's textfile collector, replaced atomically.
 *
 * Names follow Prometheus's conventions: the popconn_ prefix, base units
 * (seconds), _seconds and _timestamp_seconds suffixes, one HELP and one
 * TYPE line per family with all its samples together.  Profile and group
 * names are user data: they only ever appear as escaped label values.
 * The diagnosis, the logon method and the TLS version are labels of an
 * info-style metric (value 1), so that success and duration stay series
 * whose labels do not change from one run to the next.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_prom_int.h"
#include "popconn/xmalloc.h"

/* One finished test; the strings are label values, already escaped. */
struct cli_prom_ent {
	char		*profile;	/* owned */
	const char	*group;		/* interned, see cli_prom_intern */
	const char	*method;	/* interned; "" when none */
	const char	*tls;		/* interned; "" when no TLS */
	enum diag	 diag;
	int64_t		 elapsed_ms;
	int64_t		 not_after;	/* Unix time, -1 when not known */
	double		 when;		/* Unix time the test ended */
};

struct cli_prom {
	char		*path;		/* the target file */
	char		*tmp;		/* the temporary file beside it */
	int		 fd;		/* open on tmp, -1 once closed */
	struct cli_prom_ent *v;
	size_t		 n;
	size_t		 cap;
	/*
	 * Groups, methods and TLS versions have few distinct values in a
	 * run (one group, a handful of methods and versions): each is kept
	 * once, so the memory per result is its name and a fixed size.
	 */
	char		**interned;
	size_t		 ninterned;
};

/* U+FFFD, for a byte that is not part of valid UTF-8. */
static const char cli_prom_replacement[] = "\xef\xbf\xbd";

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid. */
static size_t
cli_prom_utf8_len(const unsigned char *s)
{
	unsigned int c;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	c = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* No overlong form, no surrogate, nothing past U+10FFFF. */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

char *
cli_prom_label(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out, *o;
	size_t n;

	/* Worst case: every byte becomes U+FFFD (3 bytes). */
	out = o = xmalloc(strlen(s) * 3 + 1);
	while (*u != '\0') {
		if (*u == '\\' || *u == '"') {
			*o++ = '\\';
			*o++ = (char)*u++;
		} else if (*u == '\n') {
			*o++ = '\\';
			*o++ = 'n';
			u++;
		} else {
			n = cli_prom_utf8_len(u);
			if (n == 0) {
				memcpy(o, cli_prom_replacement, 3);
				o += 3;
				u++;
			} else {
				memcpy(o, u, n);
				o += n;
				u += n;
			}
		}
	}
	*o = '\0';
	return out;
}

int64_t
cli_prom_time(const char *s)
{
	struct tm tm;
	int n = 0;
	time_t t;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d UTC%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n == 0 || s[n] != '\0')
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	return (int64_t)t;
}

struct cli_prom *
cli_prom_open(const char *path, char **cause)
{
	struct cli_prom *pm;
	struct stat sb;
	const char *slash;
	int fd;

	if (*path == '\0') {
		if (cause != NULL)
			*cause = xstrdup("--prom: the file name is empty");
		return NULL;
	}
	/* rename() would fail at the end: say so before testing. */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		if (cause != NULL)
			*cause = xasprintf("--prom: %s is not a regular file",
			    path);
		return NULL;
	}
	pm = xcalloc(1, sizeof *pm);
	pm->fd = -1;
	pm->path = xstrdup(path);
	/*
	 * Beside the target (rename is atomic only within a file system),
	 * hidden and without the .prom suffix: node_exporter reads *.prom
	 * only, so it never sees a half-written file.
	 */
	slash = strrchr(path, '/');
	if (slash == NULL)
		pm->tmp = xasprintf(".%s.tmp.XXXXXX", path);
	else
		pm->tmp = xasprintf("%.*s/.%s.tmp.XXXXXX",
		    (int)(slash - path), path, slash + 1);
	fd = mkstemp(pm->tmp);
	if (fd < 0) {
		if (cause != NULL)
			*cause = xasprintf("--prom: cannot write beside %s: "
			    "%s", path, strerror(errno));
		free(pm->tmp);
		pm->tmp = NULL;
		cli_prom_free(pm);
		return NULL;
	}
	/* Metrics hold no secret; node_exporter runs as another user. */
	(void)fchmod(fd, 0644);
	pm->fd = fd;
	return pm;
}

/* s as a label value, kept once per distinct value.  Borrowed. */
static const char *
cli_prom_intern(struct cli_prom *pm, const char *s)
{
	char *lab;
	size_t i;

	lab = cli_prom_label(s != NULL ? s : "");
	for (i = 0; i < pm->ninterned; i++)
		if (strcmp(pm->interned[i], lab) == 0) {
			free(lab);
			return pm->interned[i];
		}
	pm->interned = xreallocarray(pm->interned, pm->ninterned + 1,
	    sizeof *pm->interned);
	pm->interned[pm->ninterned++] = lab;
	return lab;
}

void
cli_prom_add(struct cli_prom *pm, const struct profile *p,
    const struct logon_result *r, double when)
{
	struct cli_prom_ent *e;

	if (pm->n == pm->cap) {
		pm->cap = pm->cap ? pm->cap * 2 : 64;
		pm->v = xreallocarray(pm->v, pm->cap, sizeof *pm->v);
	}
	e = &pm->v[pm->n++];
	e->profile = cli_prom_label(p->name);
	e->group = cli_prom_intern(pm, p->group);
	e->method = cli_prom_intern(pm, r->method);
	e->tls = cli_prom_intern(pm, r->have_tls ? r->tls.version : NULL);
	e->diag = r->diag;
	e->elapsed_ms = r->elapsed_ms;
	e->not_after = r->have_tls ? cli_prom_time(r->tls.not_after) : -1;
	e->when = when;
}

double
cli_prom_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cli_prom_cmp(const void *a, const void *b)
{
	const struct cli_prom_ent *x = a, *y = b;

	return strcmp(x->profile, y->profile);
}

enum cli_prom_family {
	CLI_PROM_SUCCESS,
	CLI_PROM_DURATION,
	CLI_PROM_NOT_AFTER,
	CLI_PROM_INFO,
	CLI_PROM_LAST_TEST,
	CLI_PROM__COUNT
};

static const struct {
	const char	*name;
	const char	*help;
} cli_prom_families[CLI_PROM__COUNT] = {
	{ "popconn_logon_success",
	    "Whether the last test logon of the profile succeeded (1) or "
	    "not (0)." },
	{ "popconn_logon_duration_seconds",
	    "How long the last test logon of the profile took, from the "
	    "first step to QUIT." },
	{ "popconn_cert_not_after_timestamp_seconds",
	    "When the certificate the server showed in the last test "
	    "expires (notAfter), as a Unix time." },
	{ "popconn_logon_info",
	    "The last test logon's diagnosis, logon method and TLS version "
	    "as labels; always 1." },
	{ "popconn_last_test_timestamp_seconds",
	    "When the last test logon of the profile ended, as a Unix time." },
};

/* One sample line of family f for e. */
static void
cli_prom_sample(FILE *f, enum cli_prom_family fam,
    const struct cli_prom_ent *e)
{
	const char *name = cli_prom_families[fam].name;

	switch (fam) {
	case CLI_PROM_SUCCESS:
		fprintf(f, "%s{profile=\"%s\",group=\"%s\"} %d\n", name,
		    e->profile, e->group, e->diag == DIAG_OK);
		break;
	case CLI_PROM_DURATION:
		fprintf(f, "%s{profile=\"%s\",group=\"%s\"} %.3f\n", name,
		    e->profile, e->group, (double)e->elapsed_ms / 1000.0);
		break;
	case CLI_PROM_NOT_AFTER:
		/* No certificate seen (no TLS, or it failed before): no
		 * sample rather than a made-up time. */
		if (e->not_after >= 0)
			fprintf(f, "%s{profile=\"%s\",group=\"%s\"} %lld\n",
			    name, e->profile, e->group,
			    (long long)e->not_after);
		break;
	case CLI_PROM_INFO:
		fprintf(f, "%s{profile=\"%s\",group=\"%s\",diagnosis=\"%s\","
		    "method=\"%s\",tls_version=\"%s\"} 1\n", name, e->profile,
		    e->group, diag_key(e->diag), e->method, e->tls);
		break;
	case CLI_PROM_LAST_TEST:
		fprintf(f, "%s{profile=\"%s\",group=\"%s\"} %.3f\n", name,
		    e->profile, e->group, e->when);
		break;
	default:
		break;
	}
}

/* Every family, then the per-group counts. */
static void
cli_prom_print(struct cli_prom *pm, FILE *f)
{
	size_t i, j, tested, failed;
	int fam;

	fprintf(f, "# popconn test results; replaced as a whole by each "
	    "run.\n");
	for (fam = 0; fam < CLI_PROM__COUNT; fam++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n",
		    cli_prom_families[fam].name, cli_prom_families[fam].help,
		    cli_prom_families[fam].name);
		for (i = 0; i < pm->n; i++)
			cli_prom_sample(f, (enum cli_prom_family)fam,
			    &pm->v[i]);
	}
	fprintf(f, "# HELP popconn_group_profiles_tested How many profiles "
	    "of the group the run tested.\n"
	    "# TYPE popconn_group_profiles_tested gauge\n");
	for (j = 0; j < pm->ninterned; j++) {
		tested = 0;
		for (i = 0; i < pm->n; i++)
			tested += pm->v[i].group == pm->interned[j];
		if (tested > 0)
			fprintf(f, "popconn_group_profiles_tested{"
			    "group=\"%s\"} %zu\n", pm->interned[j], tested);
	}
	fprintf(f, "# HELP popconn_group_profiles_failed How many profiles "
	    "of the group failed their test logon in the run.\n"
	    "# TYPE popconn_group_profiles_failed gauge\n");
	for (j = 0; j < pm->ninterned; j++) {
		tested = failed = 0;
		for (i = 0; i < pm->n; i++)
			if (pm->v[i].group == pm->interned[j]) {
				tested++;
				failed += pm->v[i].diag != DIAG_OK;
			}
		if (tested > 0)
			fprintf(f, "popconn_group_profiles_failed{"
			    "group=\"%s\"} %zu\n", pm->interned[j], failed);
	}
}

enum pc_err
cli_prom_commit(struct cli_prom *pm, char **cause)
{
	FILE *f;
	const char *what = "write";
	char *dir;
	int dfd, err = 0;

	qsort(pm->v, pm->n, sizeof *pm->v, cli_prom_cmp);
	f = fdopen(pm->fd, "w");
	if (f == NULL) {
		err = errno;
		goto fail;
	}
	pm->fd = -1;		/* f owns it now */
	errno = 0;
	cli_prom_print(pm, f);
	if (ferror(f) || fflush(f) != 0)
		err = errno != 0 ? errno : EIO;
	else if (fsync(fileno(f)) != 0) {
		err = errno;
		what = "sync";
	}
	if (fclose(f) != 0 && err == 0)
		err = errno;
	if (err != 0)
		goto fail;
	if (rename(pm->tmp, pm->path) != 0) {
		err = errno;
		what = "rename the new file to";
		goto fail;
	}
	free(pm->tmp);
	pm->tmp = NULL;
	/* Make the rename itself durable; the file is in place either way. */
	dir = strrchr(pm->path, '/') != NULL ? xstrndup(pm->path,
	    (size_t)(strrchr(pm->path, '/') - pm->path) + 1) : xstrdup(".");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(dir);
	return PC_OK;
fail:
	if (cause != NULL)
		*cause = xasprintf("--prom: cannot %s %s: %s (the old file is "
		    "unchanged)", what, pm->path, strerror(err));
	unlink(pm->tmp);
	free(pm->tmp);
	pm->tmp = NULL;
	return PC_E_IO;
}

void
cli_prom_free(struct cli_prom *pm)
{
	size_t i;

	if (pm == NULL)
		return;
	if (pm->fd >= 0)
		close(pm->fd);
	if (pm->tmp != NULL)
		unlink(pm->tmp);
	for (i = 0; i < pm->n; i++)
		free(pm->v[i].profile);
	for (i = 0; i < pm->ninterned; i++)
		free(pm->interned[i]);
	free(pm->interned);
	free(pm->v);
	free(pm->tmp);
	free(pm->path);
	free(pm);
}
