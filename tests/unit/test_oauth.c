/*
 * test_oauth.c - the OAuth2 client (src/oauth) where no server is needed:
 * a profile without its endpoints is refused naming the field, a token
 * endpoint nobody listens on is "unreachable" with its hint and traced
 * without the client secret, a set cancel flag stops a device wait before
 * any request, and a device profile never authorised fails with the
 * "oauth login" hint.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "popconn/oauth.h"
#include "popconn/xmalloc.h"

#define TEST_SECRET "s3cret-value-never-shown"

static struct profile *
test_profile(const char *flow, const char *token_url)
{
	struct profile *p = profile_new();

	assert_int_equal(profile_field_set(p, "name", "ms", NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "address", "pop.example.com",
	    NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "auth", "xoauth2", NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "oauth_flow", flow, NULL),
	    PC_OK);
	assert_int_equal(profile_field_set(p, "oauth_provider", "custom",
	    NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "oauth_client_id", "cid",
	    NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "oauth_client_secret",
	    TEST_SECRET, NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "oauth_device_url",
	    "https://127.0.0.1:1/device", NULL), PC_OK);
	if (token_url != NULL)
		assert_int_equal(profile_field_set(p, "oauth_token_url",
		    token_url, NULL), PC_OK);
	assert_int_equal(profile_field_set(p, "timeout", "5", NULL), PC_OK);
	return p;
}

static void
test_oauth_endpoints_required(void **state)
{
	struct profile *p = test_profile("client_credentials", NULL);
	struct oauth *o = NULL;
	char *cause = NULL;

	(void)state;
	assert_int_equal(oauth_new(p, NULL, NULL, &o, &cause), PC_E_INVALID);
	assert_null(o);
	assert_non_null(strstr(cause, "oauth_token_url"));
	free(cause);
	profile_free(p);
}

static void
test_oauth_unreachable(void **state)
{
	struct profile *p = test_profile("client_credentials",
	    "https://127.0.0.1:1/token");
	struct oauth_tokens tok;
	struct oauth_error err;
	struct trace *tr = trace_new(0);
	struct oauth *o = NULL;
	size_t i;
	bool posted = false;

	(void)state;
	memset(&tok, 0, sizeof tok);
	assert_int_equal(oauth_new(p, tr, NULL, &o, NULL), PC_OK);
	assert_int_equal(oauth_client_credentials(o, &tok, &err),
	    OAUTH_UNREACHABLE);
	assert_null(tok.access_token);
	assert_non_null(strstr(err.message, "https://127.0.0.1:1/token"));
	assert_non_null(strstr(err.hint, "unreachable"));
	for (i = 0; i < trace_count(tr); i++) {
		assert_null(strstr(trace_get(tr, i)->text, TEST_SECRET));
		if (strstr(trace_get(tr, i)->text, "grant_type "
		    "client_credentials") != NULL)
			posted = true;
	}
	assert_true(posted);
	oauth_error_cleanup(&err);
	oauth_free(o);
	trace_free(tr);
	profile_free(p);
}

static void
test_oauth_wait_cancelled(void **state)
{
	struct profile *p = test_profile("device",
	    "https://127.0.0.1:1/token");
	volatile sig_atomic_t cancel = 1;
	struct oauth_device dev;
	struct oauth_tokens tok;
	struct oauth_error err;
	struct trace *tr = trace_new(0);
	struct oauth *o = NULL;
	size_t i;

	(void)state;
	memset(&dev, 0, sizeof dev);
	memset(&tok, 0, sizeof tok);
	dev.device_code = xstrdup("device-code-secret");
	dev.interval = 1;
	dev.expires_in = 60;
	dev.deadline_ms = oauth_now_ms() + 60000;
	assert_int_equal(oauth_new(p, tr, &cancel, &o, NULL), PC_OK);
	assert_int_equal(oauth_device_wait(o, &dev, &tok, &err),
	    OAUTH_CANCELLED);
	/* No request went out. */
	for (i = 0; i < trace_count(tr); i++)
		assert_null(strstr(trace_get(tr, i)->text, "POST"));
	oauth_error_cleanup(&err);
	oauth_device_cleanup(&dev);
	oauth_free(o);
	trace_free(tr);
	profile_free(p);
}

static void
test_oauth_acquire_not_authorised(void **state)
{
	struct profile *p = test_profile("device",
	    "https://127.0.0.1:1/token");
	char *token = NULL, *failure = NULL;

	(void)state;
	assert_int_equal(oauth_acquire(NULL, p, NULL, NULL, &token,
	    &failure), PC_E_AUTH);
	assert_null(token);
	assert_non_null(strstr(failure, "popconn oauth login ms"));
	free(failure);
	profile_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oauth_endpoints_required),
		cmocka_unit_test(test_oauth_unreachable),
		cmocka_unit_test(test_oauth_wait_cancelled),
		cmocka_unit_test(test_oauth_acquire_not_authorised),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
