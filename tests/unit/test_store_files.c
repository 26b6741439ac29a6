/*
 * test_store_files.c - what the store leaves on disk: the database, its
 * -wal and -shm files, the key file and their folders are the user's alone
 * (0600 / 0700) whatever the umask; no password reaches the database or
 * its WAL in any readable form (raw, base64, hex), not even while the
 * writers are still open; and a database the store refuses (newer schema,
 * wrong or missing key) is left byte for byte as it was.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <sqlite3.h>
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

#define TEST_PW		"S3cr3t-Passw0rd-XYZ"
#define TEST_PROXY_PW	"Pr0xy-Secret-Word-QRS"

struct test_env {
	char	*dir;
	char	*db;
	char	*key;
};

/* A file's bytes and identity, to prove it was not touched. */
struct test_snap {
	char		*data;
	size_t		 len;
	struct stat	 sb;
};

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
test_setup(void **state)
{
	struct test_env *e = xcalloc(1, sizeof *e);

	e->dir = xstrdup("/tmp/popconn-files-XXXXXX");
	if (mkdtemp(e->dir) == NULL)
		return -1;
	e->db = xasprintf("%s/data/sub/popconn.db", e->dir);
	e->key = xasprintf("%s/conf/popconn/key", e->dir);
	*state = e;
	return 0;
}

static int
test_teardown(void **state)
{
	struct test_env *e = *state;

	nftw(e->dir, test_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(e->dir);
	free(e->db);
	free(e->key);
	free(e);
	return 0;
}

/* The whole file, or NULL (len 0) when it does not exist. */
static char *
test_read(const char *path, size_t *len)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd;

	*len = 0;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	assert_int_equal(fstat(fd, &sb), 0);
	buf = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		n = read(fd, buf + got, (size_t)sb.st_size - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

static void
test_snap_take(const char *path, struct test_snap *s)
{
	assert_int_equal(stat(path, &s->sb), 0);
	s->data = test_read(path, &s->len);
	assert_non_null(s->data);
}

static void
test_snap_same(const char *path, struct test_snap *s)
{
	struct test_snap now;

	test_snap_take(path, &now);
	assert_int_equal(now.len, s->len);
	assert_memory_equal(now.data, s->data, s->len);
	assert_int_equal(now.sb.st_ino, s->sb.st_ino);
	assert_int_equal(now.sb.st_mtim.tv_sec, s->sb.st_mtim.tv_sec);
	assert_int_equal(now.sb.st_mtim.tv_nsec, s->sb.st_mtim.tv_nsec);
	assert_int_equal(now.sb.st_mode, s->sb.st_mode);
	free(now.data);
	free(s->data);
	s->data = NULL;
}

static bool
test_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static void
test_mode_is(const char *path, mode_t mode)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		fail_msg("%s does not exist", path);
	if ((sb.st_mode & 0777) != mode)
		fail_msg("%s has mode %o, want %o", path,
		    (unsigned)(sb.st_mode & 0777), (unsigned)mode);
}

static struct store *
test_open(const char *db, const char *key, const char *user)
{
	struct store_opts o = { db, key, user, 0, NULL, false };
	struct store *st = NULL;
	char *cause = NULL;

	if (store_open(&o, &st, &cause) != PC_OK)
		fail_msg("store_open: %s", cause);
	return st;
}

static void
test_add(struct store *st, const char *name)
{
	struct profile *p = profile_new();

	assert_int_equal(profile_field_set(p, "name", name, NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "address", "pop.example.com",
	    NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "password", TEST_PW, NULL),
	    PC_OK);
	assert_int_equal(profile_field_set(p, "proxy_type", "http", NULL),
	    PC_OK);
	assert_int_equal(profile_field_set(p, "proxy_address", "127.0.0.1",
	    NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "proxy_port", "3128", NULL),
	    PC_OK);
	assert_int_equal(profile_field_set(p, "proxy_auth", "yes", NULL),
	    PC_OK);
	assert_int_equal(profile_field_set(p, "proxy_username", "pu", NULL),
	    PC_OK);
	assert_int_equal(profile_field_set(p, "proxy_password", TEST_PROXY_PW,
	    NULL), PC_OK);
	assert_int_equal(store_add(st, p, NULL), PC_OK);
	profile_free(p);
}

/*
 * In which form buf holds secret, or NULL: the bytes, hex (either case),
 * or base64 at each of the three alignments (the part of the encoding
 * that depends on the secret alone).
 */
static const char *
test_find_secret(const char *buf, size_t len, const char *secret)
{
	char pre[3 + 64], *enc, *needle, hex[2 * 64 + 1];
	const char *found = NULL;
	size_t sl = strlen(secret), el, i, k;

	if (buf == NULL)
		return NULL;
	assert_true(sl < 64);
	if (memmem(buf, len, secret, sl) != NULL)
		return "clear text";
	for (k = 0; k < 2; k++) {
		for (i = 0; i < sl; i++)
			snprintf(hex + 2 * i, 3, k ? "%02X" : "%02x",
			    (unsigned char)secret[i]);
		if (memmem(buf, len, hex, 2 * sl) != NULL)
			return "hex";
	}
	for (k = 0; k < 3 && found == NULL; k++) {
		memset(pre, 'A', k);
		memcpy(pre + k, secret, sl);
		enc = b64_encode(pre, k + sl);
		el = strlen(enc);
		/* Skip the group that mixes in the prefix and the last one
		 * (padding, or what follows the secret). */
		needle = xstrndup(enc + (k ? 4 : 0), el - 4 - (k ? 4 : 0));
		assert_true(strlen(needle) >= 16);
		if (memmem(buf, len, needle, strlen(needle)) != NULL)
			found = "base64";
		free(needle);
		free(enc);
	}
	return found;
}

static void
test_no_secret(const char *what, const char *buf, size_t len,
    const char *secret)
{
	const char *form;

	form = test_find_secret(buf, len, secret);
	if (form != NULL)
		fail_msg("%s holds the secret (%s)", what, form);
}

/* The detector itself finds every form it claims to. */
static void
test_files_detector(void **state)
{
	const char *forms[] = { "", "x", "xy" };
	char *enc, *hex, *buf;
	size_t i, k;

	(void)state;
	assert_null(test_find_secret("nothing here", 12, TEST_PW));
	buf = xasprintf("...%s...", TEST_PW);
	assert_string_equal(test_find_secret(buf, strlen(buf), TEST_PW),
	    "clear text");
	free(buf);
	hex = xmalloc(2 * strlen(TEST_PW) + 1);
	for (i = 0; i < strlen(TEST_PW); i++)
		snprintf(hex + 2 * i, 3, "%02X", (unsigned char)TEST_PW[i]);
	assert_string_equal(test_find_secret(hex, strlen(hex), TEST_PW), "hex");
	free(hex);
	for (k = 0; k < 3; k++) {
		buf = xasprintf("%s%s\n", forms[k], TEST_PW);
		enc = b64_encode(buf, strlen(buf));
		assert_string_equal(test_find_secret(enc, strlen(enc), TEST_PW),
		    "base64");
		free(enc);
		free(buf);
	}
}

static void
test_files_modes(void **state)
{
	struct test_env *e = *state;
	struct store *st;
	char *wal, *shm, *folder;
	mode_t old;

	/* Whatever the umask: the files are the user's alone. */
	old = umask(0);
	st = test_open(e->db, e->key, "alice");
	test_add(st, "one");
	umask(old);
	wal = xasprintf("%s-wal", e->db);
	shm = xasprintf("%s-shm", e->db);
	test_mode_is(e->db, 0600);
	test_mode_is(wal, 0600);
	test_mode_is(shm, 0600);
	test_mode_is(e->key, 0600);
	folder = xasprintf("%s/data/sub", e->dir);
	test_mode_is(folder, 0700);
	free(folder);
	folder = xasprintf("%s/data", e->dir);
	test_mode_is(folder, 0700);
	free(folder);
	folder = xasprintf("%s/conf/popconn", e->dir);
	test_mode_is(folder, 0700);
	free(folder);
	store_close(st);
	test_mode_is(e->db, 0600);
	free(wal);
	free(shm);
}

static void
test_files_no_clear_password(void **state)
{
	struct test_env *e = *state;
	struct store *alice, *bob;
	struct profile *p;
	struct store_assign as[] = { { "password", TEST_PW } };
	char *wal, *dbb, *walb, *keyb;
	size_t dbl, wall, keyl;

	alice = test_open(e->db, e->key, "alice");
	bob = test_open(e->db, e->key, "bob");
	test_add(alice, "from-alice");
	test_add(bob, "from-bob");
	/* Through every path that writes a secret: save, bulk, undo. */
	assert_int_equal(store_get(alice, "from-bob", &p, NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "password", TEST_PW "-2", NULL),
	    PC_OK);
	assert_int_equal(store_save(alice, p, NULL), PC_OK);
	profile_free(p);
	assert_int_equal(store_bulk_set(bob, NULL, (const char *const [])
	    { "from-alice", "from-bob" }, 2, as, 1, false, NULL, NULL), PC_OK);
	assert_int_equal(store_bulk_undo(alice, 0, false, NULL, NULL, NULL),
	    PC_OK);

	/* Both writers still open: the WAL has not been checkpointed. */
	wal = xasprintf("%s-wal", e->db);
	walb = test_read(wal, &wall);
	assert_non_null(walb);
	assert_true(wall > 4096);	/* the changes are in there */
	dbb = test_read(e->db, &dbl);
	keyb = test_read(e->key, &keyl);
	assert_int_equal(keyl, SECRET_KEY_LEN);
	test_no_secret("the WAL", walb, wall, TEST_PW);
	test_no_secret("the WAL", walb, wall, TEST_PROXY_PW);
	test_no_secret("the database", dbb, dbl, TEST_PW);
	test_no_secret("the database", dbb, dbl, TEST_PROXY_PW);
	/* The key itself is not in the database either. */
	assert_null(memmem(walb, wall, keyb, keyl));
	assert_null(memmem(dbb, dbl, keyb, keyl));
	test_mode_is(e->db, 0600);
	test_mode_is(wal, 0600);
	test_mode_is(e->key, 0600);
	free(walb);
	free(dbb);

	/* After both close (checkpoint into the main file). */
	store_close(alice);
	store_close(bob);
	dbb = test_read(e->db, &dbl);
	walb = test_read(wal, &wall);
	assert_true(dbl > 0);
	test_no_secret("the database", dbb, dbl, TEST_PW);
	test_no_secret("the database", dbb, dbl, TEST_PROXY_PW);
	test_no_secret("the WAL", walb, wall, TEST_PW);
	assert_null(memmem(dbb, dbl, keyb, keyl));
	test_mode_is(e->db, 0600);
	test_mode_is(e->key, 0600);
	free(walb);
	free(dbb);
	explicit_bzero(keyb, keyl);
	free(keyb);

	/* And the passwords are still there for popconn. */
	alice = test_open(e->db, e->key, "alice");
	assert_int_equal(store_get(alice, "from-bob", &p, NULL), PC_OK);
	assert_string_equal(p->password, TEST_PW "-2");
	assert_string_equal(p->proxy_password, TEST_PROXY_PW);
	profile_free(p);
	store_close(alice);
	free(wal);
}

/* A database at user_version 7, as a newer popconn would leave it. */
static void
test_make_future_db(const char *path, bool wal)
{
	sqlite3 *h = NULL;
	char *dir, *slash;

	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdir(dir, 0700);
	free(dir);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	if (wal)
		assert_int_equal(sqlite3_exec(h, "PRAGMA journal_mode = WAL",
		    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE future (x); "
	    "INSERT INTO future VALUES ('from the future'); "
	    "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static void
test_refused_newer(struct test_env *e, const char *user)
{
	struct store_opts o = { e->db, e->key, user, 0, NULL, false };
	struct store *st = NULL;
	char *cause = NULL, *want;

	assert_int_equal(store_open(&o, &st, &cause), PC_E_SCHEMA);
	assert_null(st);
	assert_non_null(cause);
	want = xasprintf("was written by a newer popconn (schema 7, this "
	    "build knows up to %d); upgrade popconn", store_schema_latest());
	assert_non_null(strstr(cause, want));
	assert_non_null(strstr(cause, e->db));
	free(want);
	free(cause);
}

static void
test_files_newer_schema_untouched(void **state)
{
	struct test_env *e = *state;
	struct test_snap snap;
	char *wal, *shm, *sub;
	int k;

	sub = xasprintf("%s/data", e->dir);
	mkdir(sub, 0700);
	free(sub);
	wal = xasprintf("%s-wal", e->db);
	shm = xasprintf("%s-shm", e->db);
	for (k = 0; k < 2; k++) {
		unlink(e->db);
		test_make_future_db(e->db, k == 1);
		assert_false(test_exists(wal));
		test_snap_take(e->db, &snap);
		test_refused_newer(e, "alice");
		test_snap_same(e->db, &snap);
		/* Not even a WAL or shared-memory file was made... */
		assert_false(test_exists(wal));
		assert_false(test_exists(shm));
		/* ...nor a key for a database we will not use. */
		assert_false(test_exists(e->key));
	}
	free(wal);
	free(shm);
}

static void
test_files_newer_schema_in_wal(void **state)
{
	struct test_env *e = *state;
	struct test_snap snap;
	sqlite3 *h = NULL;
	char *sub;

	/* The newer popconn is still running: its schema change is only in
	 * its WAL, the main file's header still says 0. */
	sub = xasprintf("%s/data", e->dir);
	mkdir(sub, 0700);
	free(sub);
	sub = xasprintf("%s/data/sub", e->dir);
	mkdir(sub, 0700);
	free(sub);
	assert_int_equal(sqlite3_open(e->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "PRAGMA journal_mode = WAL; "
	    "PRAGMA wal_autocheckpoint = 0; CREATE TABLE future (x); "
	    "PRAGMA user_version = 8; INSERT INTO future VALUES ('x')", NULL,
	    NULL, NULL), SQLITE_OK);
	test_snap_take(e->db, &snap);
	{
		size_t len;
		char *b = test_read(e->db, &len);

		/* The header the store peeks at does not know yet. */
		assert_true(len >= 100);
		assert_int_equal(b[60] | b[61] | b[62] | b[63], 0);
		free(b);
	}
	{
		struct store_opts o = { e->db, e->key, "alice", 0, NULL, false };
		struct store *st = NULL;
		char *cause = NULL;

		assert_int_equal(store_open(&o, &st, &cause), PC_E_SCHEMA);
		assert_non_null(strstr(cause, "schema 8"));
		free(cause);
	}
	test_snap_same(e->db, &snap);
	sqlite3_close(h);
}

static void
test_files_wrong_key_untouched(void **state)
{
	struct test_env *e = *state;
	struct store_opts o = { e->db, NULL, "mallory", 0, NULL, false };
	struct test_snap snap;
	struct store *st = NULL;
	unsigned char k[SECRET_KEY_LEN];
	char *other, *cause = NULL, *wal;

	st = test_open(e->db, e->key, "alice");
	test_add(st, "one");
	store_close(st);
	st = NULL;
	wal = xasprintf("%s-wal", e->db);
	assert_false(test_exists(wal));
	other = xasprintf("%s/other-key", e->dir);
	assert_int_equal(secret_key_load(other, true, k, NULL), PC_OK);
	test_snap_take(e->db, &snap);
	o.key_path = other;
	assert_int_equal(store_open(&o, &st, &cause), PC_E_CRYPTO);
	assert_null(st);
	assert_non_null(strstr(cause, "does not match this database"));
	free(cause);
	cause = NULL;
	test_snap_same(e->db, &snap);
	assert_false(test_exists(wal));

	/* Key file missing: refused, untouched, and no key made. */
	free(other);
	other = xasprintf("%s/nowhere/key", e->dir);
	o.key_path = other;
	test_snap_take(e->db, &snap);
	assert_int_equal(store_open(&o, &st, &cause), PC_E_CRYPTO);
	assert_non_null(strstr(cause, "key file missing"));
	assert_non_null(strstr(cause, other));
	free(cause);
	test_snap_same(e->db, &snap);
	assert_false(test_exists(other));
	free(other);
	free(wal);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_detector),
		T(test_files_modes),
		T(test_files_no_clear_password),
		T(test_files_newer_schema_untouched),
		T(test_files_newer_schema_in_wal),
		T(test_files_wrong_key_untouched),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
