/*
 * test_profile.c - the profile model: defaults, every field's validation
 * and boundaries, the port rule, the field table, code pages and presets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "popconn/codepage.h"
#include "popconn/presets.h"
#include "popconn/profile.h"
#include "popconn/xmalloc.h"

/* A valid profile to start each case from. */
static struct profile *
valid_profile(void)
{
	struct profile *p = profile_new();

	p->name = xstrdup("home");
	p->address = xstrdup("pop.example.com");
	return p;
}

/* Set key=value and return whether validation then flags key. */
static int
flags_field(const char *key, const char *value)
{
	struct profile *p = valid_profile();
	struct prof_issues iss;
	char *cause = NULL;
	int flagged;

	if (profile_field_set(p, key, value, &cause) != PC_OK) {
		assert_non_null(cause);
		assert_non_null(strstr(cause, key));
		free(cause);
		profile_free(p);
		return 1;
	}
	profile_validate(p, &iss);
	flagged = profile_issues_find(&iss, key) != NULL;
	if (flagged)
		assert_non_null(strstr(profile_issues_find(&iss, key)->message,
		    key));
	profile_issues_cleanup(&iss);
	profile_free(p);
	return flagged;
}

static void
test_profile_defaults(void **state)
{
	struct profile *p = profile_new();
	char *v;

	(void)state;
	assert_int_equal(p->security, PROF_SEC_SSL);
	assert_int_equal(p->port, 995);
	assert_int_equal(p->timeout, 30);
	assert_int_equal(p->codepage, 65001);
	assert_int_equal(p->tls_versions, PROF_TLS_12 | PROF_TLS_13);
	assert_int_equal(p->tls_verify, PROF_VERIFY_FULL);
	assert_int_equal(p->auth, PROF_AUTH_AUTO);
	assert_false(p->allow_plaintext);
	assert_int_equal(p->proxy_type, PROF_PROXY_NONE);
	v = profile_field_get(p, "tls_versions");
	assert_string_equal(v, "tls1.2,tls1.3");
	free(v);
	/* A new profile is invalid only for its missing name and address. */
	struct prof_issues iss;
	assert_int_equal(profile_validate(p, &iss), PC_E_INVALID);
	assert_int_equal(iss.n, 2);
	assert_non_null(profile_issues_find(&iss, "name"));
	assert_non_null(profile_issues_find(&iss, "address"));
	profile_issues_cleanup(&iss);
	profile_free(p);
}

static void
test_profile_valid_ok(void **state)
{
	struct profile *p = valid_profile();

	(void)state;
	assert_int_equal(profile_validate(p, NULL), PC_OK);
	profile_free(p);
}

static void
test_profile_name_rules(void **state)
{
	char long_name[200];

	(void)state;
	assert_true(flags_field("name", ""));
	memset(long_name, 'a', 128);
	long_name[128] = '\0';
	assert_false(flags_field("name", long_name));
	long_name[128] = 'a';
	long_name[129] = '\0';
	assert_true(flags_field("name", long_name));
	assert_true(flags_field("name", "bad\nname"));
	assert_false(flags_field("name", "x"));
	assert_false(flags_field("group", ""));
	assert_false(flags_field("group", "Sales EMEA"));
	assert_true(flags_field("group", "a\x1b[2J"));
}

static void
test_profile_timeout_bounds(void **state)
{
	(void)state;
	assert_true(flags_field("timeout", "0"));
	assert_false(flags_field("timeout", "1"));
	assert_false(flags_field("timeout", "3600"));
	assert_true(flags_field("timeout", "3601"));
	assert_true(flags_field("timeout", "-5"));
	assert_true(flags_field("timeout", "30s"));
	assert_true(flags_field("timeout", ""));
}

static void
test_profile_port_bounds(void **state)
{
	(void)state;
	assert_true(flags_field("port", "0"));
	assert_false(flags_field("port", "1"));
	assert_false(flags_field("port", "65535"));
	assert_true(flags_field("port", "65536"));
	assert_true(flags_field("port", "abc"));
	assert_true(flags_field("port", " 110"));
	assert_false(flags_field("proxy_port", "1080"));
	assert_true(flags_field("proxy_port", "70000"));
}

static void
test_profile_address_rules(void **state)
{
	(void)state;
	assert_false(flags_field("address", "pop.example.com"));
	assert_false(flags_field("address", "localhost"));
	assert_false(flags_field("address", "127.0.0.1"));
	assert_false(flags_field("address", "::1"));
	assert_false(flags_field("address", "2001:db8::25"));
	assert_true(flags_field("address", ""));
	assert_true(flags_field("address", "pop..example.com"));
	assert_true(flags_field("address", "-pop.example.com"));
	assert_true(flags_field("address", "pop example.com"));
	assert_true(flags_field("address", "1.2.3"));
	assert_true(flags_field("address", "256.1.1.1"));
	assert_true(flags_field("address", "pop.example.com:995"));
}

static void
test_profile_codepages(void **state)
{
	int cp;
	const struct codepage *c;

	(void)state;
	assert_false(flags_field("codepage", "65001"));
	assert_false(flags_field("codepage", "1252"));
	assert_false(flags_field("codepage", "windows-1251"));
	assert_true(flags_field("codepage", "12345"));
	assert_true(flags_field("codepage", "klingon"));
	assert_int_equal(codepage_parse("UTF-8", &cp), PC_OK);
	assert_int_equal(cp, 65001);
	assert_int_equal(codepage_parse("iso-8859-1", &cp), PC_OK);
	assert_int_equal(cp, 28591);
	assert_int_equal(codepage_parse("cp932", &cp), PC_OK);
	assert_int_equal(cp, 932);
	c = codepage_by_number(1252);
	assert_non_null(c);
	assert_string_equal(c->iconv, "CP1252");
	for (cp = 1250; cp <= 1258; cp++)
		assert_non_null(codepage_by_number(cp));
	assert_non_null(codepage_by_number(866));
	assert_non_null(codepage_by_number(20866));
	assert_non_null(codepage_by_number(950));
	assert_non_null(codepage_by_number(949));
	assert_non_null(codepage_by_number(936));
	assert_non_null(codepage_by_number(20127));
}

static void
test_profile_choices(void **state)
{
	struct profile *p = valid_profile();
	char *cause = NULL;

	(void)state;
	assert_int_equal(profile_field_set(p, "security", "starttls", &cause),
	    PC_E_INVALID);
	assert_non_null(strstr(cause, "security"));
	assert_non_null(strstr(cause, "none, ssl, tls"));
	free(cause);
	assert_int_equal(profile_field_set(p, "auth", "CRAM-MD5", NULL), PC_OK);
	assert_int_equal(p->auth, PROF_AUTH_CRAM_MD5);
	assert_int_equal(profile_field_set(p, "auth", "kerberos", NULL),
	    PC_E_INVALID);
	assert_int_equal(p->auth, PROF_AUTH_CRAM_MD5);	/* unchanged */
	assert_int_equal(profile_field_set(p, "proxy_type", "socks4a", NULL),
	    PC_OK);
	assert_int_equal(p->proxy_type, PROF_PROXY_SOCKS4A);
	assert_int_equal(profile_field_set(p, "allow_plaintext", "yes", NULL),
	    PC_OK);
	assert_true(p->allow_plaintext);
	assert_int_equal(profile_field_set(p, "allow_plaintext", "maybe",
	    NULL), PC_E_INVALID);
	assert_int_equal(profile_field_set(p, "no_such_field", "1", &cause),
	    PC_E_INVALID);
	assert_non_null(strstr(cause, "no_such_field"));
	free(cause);
	profile_free(p);
}

static void
test_profile_tls_versions(void **state)
{
	struct profile *p = valid_profile();
	struct prof_issues iss;
	char *v;

	(void)state;
	assert_int_equal(profile_field_set(p, "tls_versions",
	    "tls1.3, tls1.1", NULL), PC_OK);
	v = profile_field_get(p, "tls_versions");
	assert_string_equal(v, "tls1.1,tls1.3");
	free(v);
	assert_int_equal(profile_field_set(p, "tls_versions", "tls2.0", NULL),
	    PC_E_INVALID);
	/* Unavailable versions are reported with the reason, not dropped. */
	profile_set_tls_available(PROF_TLS_11 | PROF_TLS_12 | PROF_TLS_13);
	assert_int_equal(profile_field_set(p, "tls_versions", "ssl3,tls1.2",
	    NULL), PC_OK);
	assert_int_equal(p->tls_versions, PROF_TLS_SSL3 | PROF_TLS_12);
	assert_int_equal(profile_validate(p, &iss), PC_E_INVALID);
	assert_non_null(profile_issues_find(&iss, "tls_versions"));
	assert_non_null(strstr(profile_issues_find(&iss,
	    "tls_versions")->message, "ssl3 is unavailable"));
	profile_issues_cleanup(&iss);
	assert_non_null(profile_tls_unavailable_reason(PROF_TLS_SSL2));
	assert_null(profile_tls_unavailable_reason(PROF_TLS_13));
	/* Empty set is invalid with security, ignored without. */
	assert_int_equal(profile_field_set(p, "tls_versions", "", NULL), PC_OK);
	assert_int_equal(profile_validate(p, NULL), PC_E_INVALID);
	profile_set_security(p, PROF_SEC_NONE);
	assert_int_equal(profile_validate(p, NULL), PC_OK);
	assert_false(profile_field_applies(p, "tls_versions"));
	profile_free(p);
}

static void
test_profile_pin_and_oauth(void **state)
{
	struct profile *p = valid_profile();
	struct prof_issues iss;

	(void)state;
	profile_field_set(p, "tls_verify", "pin", NULL);
	profile_validate(p, &iss);
	assert_non_null(profile_issues_find(&iss, "tls_pin"));
	profile_issues_cleanup(&iss);
	profile_field_set(p, "tls_pin", "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:"
	    "23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
	    NULL);
	assert_int_equal(profile_validate(p, NULL), PC_OK);
	assert_false(profile_valid_pin("abcd"));
	profile_field_set(p, "auth", "xoauth2", NULL);
	profile_validate(p, &iss);
	assert_non_null(profile_issues_find(&iss, "oauth_token_cmd"));
	profile_issues_cleanup(&iss);
	profile_field_set(p, "oauth_token_cmd", "/usr/local/bin/get-token", NULL);
	assert_int_equal(profile_validate(p, NULL), PC_OK);
	profile_free(p);
}

static void
test_profile_proxy_rules(void **state)
{
	struct profile *p = valid_profile();
	struct prof_issues iss;

	(void)state;
	assert_false(profile_field_applies(p, "proxy_address"));
	profile_field_set(p, "proxy_type", "socks5", NULL);
	assert_true(profile_field_applies(p, "proxy_address"));
	assert_false(profile_field_applies(p, "proxy_username"));
	profile_validate(p, &iss);
	assert_non_null(profile_issues_find(&iss, "proxy_address"));
	assert_non_null(profile_issues_find(&iss, "proxy_port"));
	profile_issues_cleanup(&iss);
	profile_field_set(p, "proxy_address", "127.0.0.1", NULL);
	profile_field_set(p, "proxy_port", "1080", NULL);
	profile_field_set(p, "proxy_auth", "yes", NULL);
	profile_validate(p, &iss);
	assert_int_equal(iss.n, 1);
	assert_non_null(profile_issues_find(&iss, "proxy_username"));
	profile_issues_cleanup(&iss);
	profile_field_set(p, "proxy_username", "proxyuser", NULL);
	assert_int_equal(profile_validate(p, NULL), PC_OK);
	/* Domain only for http; SOCKS4 has no password. */
	assert_false(profile_field_applies(p, "proxy_domain"));
	assert_true(profile_field_applies(p, "proxy_password"));
	profile_field_set(p, "proxy_type", "http", NULL);
	assert_true(profile_field_applies(p, "proxy_domain"));
	profile_field_set(p, "proxy_type", "socks4", NULL);
	assert_false(profile_field_applies(p, "proxy_password"));
	profile_free(p);
}

static void
test_profile_control_chars_in_credentials(void **state)
{
	(void)state;
	/* A CR/LF in a credential would inject a protocol command. */
	assert_true(flags_field("username", "bob\r\nDELE 1"));
	assert_true(flags_field("password", "x\ny"));
	assert_false(flags_field("password", "p@ss w0rd!"));
}

static void
test_profile_port_rule(void **state)
{
	struct profile *p = profile_new();

	(void)state;
	/* New profile: the port follows security while it is a default. */
	assert_int_equal(p->port, 995);
	profile_field_set(p, "security", "tls", NULL);
	assert_int_equal(p->port, 110);
	profile_field_set(p, "security", "ssl", NULL);
	assert_int_equal(p->port, 995);
	profile_field_set(p, "security", "none", NULL);
	assert_int_equal(p->port, 110);
	/* tls -> none keeps 110 (both modes default to 110). */
	profile_field_set(p, "security", "tls", NULL);
	assert_int_equal(p->port, 110);
	/* A typed port is never overwritten, even when it equals a default. */
	profile_field_set(p, "port", "110", NULL);
	profile_field_set(p, "security", "ssl", NULL);
	assert_int_equal(p->port, 110);
	profile_free(p);

	p = profile_new();
	profile_field_set(p, "port", "2995", NULL);
	profile_field_set(p, "security", "none", NULL);
	assert_int_equal(p->port, 2995);
	profile_free(p);

	/* A saved profile's port never changes by itself. */
	p = profile_new();
	p->id = 7;
	profile_field_set(p, "security", "tls", NULL);
	assert_int_equal(p->port, 995);
	assert_int_equal(p->security, PROF_SEC_TLS);
	profile_free(p);
}

static void
test_profile_field_table_roundtrip(void **state)
{
	const struct prof_field *f;
	struct profile *a, *b;
	char *v;
	int i, n;

	(void)state;
	a = valid_profile();
	profile_field_set(a, "group", "sales", NULL);
	profile_field_set(a, "username", "alice", NULL);
	profile_field_set(a, "password", "hunter2", NULL);
	profile_field_set(a, "proxy_type", "http", NULL);
	profile_field_set(a, "proxy_address", "proxy.example.com", NULL);
	profile_field_set(a, "proxy_port", "3128", NULL);
	b = profile_new();
	f = profile_fields(&n);
	assert_int_equal(n, 31);
	for (i = 0; i < n; i++) {
		v = profile_field_get(a, f[i].key);
		assert_non_null(v);
		if (f[i].type != PROF_F_SECRET)
			assert_int_equal(profile_field_set(b, f[i].key, v,
			    NULL), PC_OK);
		free(v);
	}
	for (i = 0; i < n; i++)
		if (f[i].type != PROF_F_SECRET)
			assert_false(profile_field_differs(a, b, f[i].key));
	/* Secrets are never returned by the field table. */
	v = profile_field_get(a, "password");
	assert_string_equal(v, "set");
	free(v);
	assert_true(profile_field_differs(a, b, "password"));
	profile_free(b);
	b = profile_dup(a);
	assert_string_equal(b->password, "hunter2");
	assert_false(profile_field_differs(a, b, "password"));
	profile_free(a);
	profile_free(b);
}

static void
test_profile_presets(void **state)
{
	const struct preset *all, *ps;
	struct profile *p;
	char *cause = NULL;
	int i, n;

	(void)state;
	all = presets_all(&n);
	assert_true(n >= 12);
	for (i = 0; i < n; i++) {
		assert_non_null(all[i].key);
		assert_non_null(all[i].label);
		if (all[i].address != NULL) {
			assert_true(profile_valid_hostname(all[i].address));
			assert_true(all[i].port > 0);
		}
	}
	ps = presets_find("Office365");
	assert_non_null(ps);
	p = profile_new();
	assert_int_equal(presets_apply(ps, p, NULL), PC_OK);
	assert_string_equal(p->address, "outlook.office365.com");
	assert_int_equal(p->port, 995);
	assert_int_equal(p->security, PROF_SEC_SSL);
	assert_int_equal(p->auth, PROF_AUTH_XOAUTH2);
	profile_free(p);
	ps = presets_find("gmail");
	assert_non_null(ps);
	assert_string_equal(ps->address, "pop.gmail.com");
	for (i = 0; i < 8; i++) {
		static const char *const want[] = { "outlook", "yahoo", "aol",
		    "gmx", "webde", "zoho", "yandex", "fastmail" };
		assert_non_null(presets_find(want[i]));
	}
	assert_non_null(presets_find("mailru"));
	/* iCloud has no POP3: applying it says so. */
	ps = presets_find("icloud");
	assert_non_null(ps);
	p = profile_new();
	assert_int_equal(presets_apply(ps, p, &cause), PC_E_INVALID);
	assert_non_null(strstr(cause, "POP3"));
	assert_null(p->address);
	free(cause);
	profile_free(p);
	assert_null(presets_find("nosuch"));
}

/* Validation of p; the message for key (NULL when none).  Caller frees. */
static char *
issue_of(const struct profile *p, const char *key)
{
	struct prof_issues iss;
	const struct prof_issue *i;
	char *m;

	profile_validate(p, &iss);
	i = profile_issues_find(&iss, key);
	m = i == NULL ? NULL : xstrdup(i->message);
	profile_issues_cleanup(&iss);
	return m;
}

static void
set_ok(struct profile *p, const char *key, const char *value)
{
	assert_int_equal(profile_field_set(p, key, value, NULL), PC_OK);
}

static void
test_profile_oauth_builtin(void **state)
{
	struct profile *p = valid_profile();
	char *m, *v;

	(void)state;
	set_ok(p, "auth", "xoauth2");
	set_ok(p, "oauth_flow", "device");
	/* No token command needed; a client id is. */
	assert_null(issue_of(p, "oauth_token_cmd"));
	m = issue_of(p, "oauth_client_id");
	assert_non_null(m);
	assert_non_null(strstr(m, "oauth_client_id: required"));
	free(m);
	set_ok(p, "oauth_client_id", "0a1b-c2");
	assert_null(issue_of(p, "oauth_client_id"));
	assert_true(profile_oauth_builtin(p));
	/* Client credentials: a secret and a real tenant (Microsoft). */
	set_ok(p, "oauth_flow", "client_credentials");
	m = issue_of(p, "oauth_client_secret");
	assert_non_null(m);
	free(m);
	m = issue_of(p, "oauth_tenant");
	assert_non_null(strstr(m, "oauth_tenant:"));
	free(m);
	set_ok(p, "oauth_tenant", "common");
	m = issue_of(p, "oauth_tenant");
	assert_non_null(m);
	free(m);
	set_ok(p, "oauth_tenant", "contoso.onmicrosoft.com");
	assert_null(issue_of(p, "oauth_tenant"));
	set_ok(p, "oauth_client_secret", "s3cret");
	assert_null(issue_of(p, "oauth_client_secret"));
	v = profile_field_get(p, "oauth_client_secret");
	assert_string_equal(v, "set");
	free(v);
	/* Google has no client credentials for Gmail. */
	set_ok(p, "oauth_provider", "google");
	m = issue_of(p, "oauth_flow");
	assert_non_null(m);
	free(m);
	/* Custom: both URLs, https only. */
	set_ok(p, "oauth_provider", "custom");
	set_ok(p, "oauth_flow", "device");
	m = issue_of(p, "oauth_device_url");
	assert_non_null(strstr(m, "oauth_device_url: required"));
	free(m);
	set_ok(p, "oauth_device_url", "http://idp.example/device");
	m = issue_of(p, "oauth_device_url");
	assert_non_null(strstr(m, "https"));
	free(m);
	set_ok(p, "oauth_device_url", "https://idp.example/device");
	set_ok(p, "oauth_token_url", "https://idp.example/token");
	assert_null(issue_of(p, "oauth_device_url"));
	assert_null(issue_of(p, "oauth_token_url"));
	/* A client id that would break a form body. */
	set_ok(p, "oauth_client_id", "a b");
	m = issue_of(p, "oauth_client_id");
	assert_non_null(m);
	free(m);
	/* With another logon method the fields are ignored. */
	set_ok(p, "auth", "plain");
	assert_false(profile_oauth_builtin(p));
	assert_false(profile_field_applies(p, "oauth_client_secret"));
	profile_free(p);
}

static void
test_profile_oauth_endpoints(void **state)
{
	struct profile *p = valid_profile();
	struct oauth_endpoints e;
	const struct preset *ps;
	char *cause = NULL;

	(void)state;
	ps = presets_find("office365");
	assert_int_equal(presets_apply(ps, p, NULL), PC_OK);
	assert_int_equal(p->oauth_flow, PROF_OAUTH_DEVICE);
	assert_int_equal(p->oauth_provider, PROF_OAUTH_MICROSOFT);
	assert_int_equal(presets_oauth_endpoints(p, &e, NULL), PC_OK);
	assert_string_equal(e.device_url, "https://login.microsoftonline.com/"
	    "organizations/oauth2/v2.0/devicecode");
	assert_string_equal(e.token_url, "https://login.microsoftonline.com/"
	    "organizations/oauth2/v2.0/token");
	assert_string_equal(e.scope, "https://outlook.office.com/"
	    "POP.AccessAsUser.All offline_access");
	presets_oauth_cleanup(&e);
	set_ok(p, "oauth_flow", "client_credentials");
	set_ok(p, "oauth_tenant", "contoso.example");
	assert_int_equal(presets_oauth_endpoints(p, &e, NULL), PC_OK);
	assert_null(e.device_url);
	assert_string_equal(e.token_url, "https://login.microsoftonline.com/"
	    "contoso.example/oauth2/v2.0/token");
	assert_string_equal(e.scope, "https://outlook.office365.com/.default");
	presets_oauth_cleanup(&e);
	set_ok(p, "oauth_provider", "google");
	assert_int_equal(presets_oauth_endpoints(p, &e, &cause),
	    PC_E_INVALID);
	assert_non_null(strstr(cause, "oauth_flow"));
	free(cause);
	set_ok(p, "oauth_flow", "device");
	set_ok(p, "oauth_scope", "https://mail.google.com/ openid");
	assert_int_equal(presets_oauth_endpoints(p, &e, NULL), PC_OK);
	assert_string_equal(e.token_url, "https://oauth2.googleapis.com/token");
	assert_string_equal(e.scope, "https://mail.google.com/ openid");
	presets_oauth_cleanup(&e);
	profile_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_defaults),
		cmocka_unit_test(test_profile_valid_ok),
		cmocka_unit_test(test_profile_name_rules),
		cmocka_unit_test(test_profile_timeout_bounds),
		cmocka_unit_test(test_profile_port_bounds),
		cmocka_unit_test(test_profile_address_rules),
		cmocka_unit_test(test_profile_codepages),
		cmocka_unit_test(test_profile_choices),
		cmocka_unit_test(test_profile_tls_versions),
		cmocka_unit_test(test_profile_pin_and_oauth),
		cmocka_unit_test(test_profile_proxy_rules),
		cmocka_unit_test(test_profile_control_chars_in_credentials),
		cmocka_unit_test(test_profile_port_rule),
		cmocka_unit_test(test_profile_field_table_roundtrip),
		cmocka_unit_test(test_profile_presets),
		cmocka_unit_test(test_profile_oauth_builtin),
		cmocka_unit_test(test_profile_oauth_endpoints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
