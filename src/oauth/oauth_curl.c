/*
 * oauth_curl.c - libcurl, loaded with dlopen on the first token request
 * (see oauth_curl.h for why).  The Debian sonames are tried in turn: the
 * OpenSSL build (libcurl4), then the GnuTLS one (libcurl3-gnutls).
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

#include "oauth_curl.h"
#include "popconn/xmalloc.h"

static const char *const oauth_curl_sonames[] = {
	"libcurl.so.4", "libcurl-gnutls.so.4",
};

static struct oauth_curl oauth_curl_fns;
static int oauth_curl_state;	/* 0 not tried, 1 loaded, -1 failed */
static char *oauth_curl_why;

/* Look name up in h; false (and *why set) when it is missing. */
static void *
oauth_curl_sym(void *h, const char *name, char **why)
{
	void *f = dlsym(h, name);

	if (f == NULL && *why == NULL)
		*why = xasprintf("libcurl lacks %s", name);
	return f;
}

static void
oauth_curl_load(void)
{
	struct oauth_curl *c = &oauth_curl_fns;
	char *why = NULL, *first = NULL;
	const char *e;
	void *h = NULL;
	size_t i;

	for (i = 0; i < sizeof oauth_curl_sonames /
	    sizeof oauth_curl_sonames[0] && h == NULL; i++) {
		h = dlopen(oauth_curl_sonames[i], RTLD_NOW | RTLD_LOCAL);
		if (h == NULL && first == NULL && (e = dlerror()) != NULL)
			first = xstrdup(e);
	}
	if (h == NULL) {
		oauth_curl_why = xasprintf("cannot load libcurl for the "
		    "built-in OAuth2 client: %s (install libcurl4)",
		    first != NULL ? first : "not found");
		free(first);
		oauth_curl_state = -1;
		return;
	}
	free(first);
	/* ISO C has no object-to-function pointer cast; POSIX makes it work. */
	c->easy_init = (CURL *(*)(void))oauth_curl_sym(h, "curl_easy_init",
	    &why);
	c->easy_setopt = (CURLcode (*)(CURL *, CURLoption, ...))
	    oauth_curl_sym(h, "curl_easy_setopt", &why);
	c->easy_perform = (CURLcode (*)(CURL *))
	    oauth_curl_sym(h, "curl_easy_perform", &why);
	c->easy_getinfo = (CURLcode (*)(CURL *, CURLINFO, ...))
	    oauth_curl_sym(h, "curl_easy_getinfo", &why);
	c->easy_cleanup = (void (*)(CURL *))
	    oauth_curl_sym(h, "curl_easy_cleanup", &why);
	c->easy_strerror = (const char *(*)(CURLcode))
	    oauth_curl_sym(h, "curl_easy_strerror", &why);
	c->slist_append = (struct curl_slist *(*)(struct curl_slist *,
	    const char *))oauth_curl_sym(h, "curl_slist_append", &why);
	c->slist_free_all = (void (*)(struct curl_slist *))
	    oauth_curl_sym(h, "curl_slist_free_all", &why);
	if (why != NULL) {
		oauth_curl_why = xasprintf("cannot use libcurl for the "
		    "built-in OAuth2 client: %s", why);
		free(why);
		dlclose(h);
		oauth_curl_state = -1;
		return;
	}
	oauth_curl_state = 1;
}

const struct oauth_curl *
oauth_curl(char **cause)
{
	if (oauth_curl_state == 0)
		oauth_curl_load();
	if (oauth_curl_state < 0) {
		*cause = xstrdup(oauth_curl_why);
		return NULL;
	}
	return &oauth_curl_fns;
}
