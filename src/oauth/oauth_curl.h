/*
 * oauth_curl.h - libcurl, loaded on first use.  Only the OAuth2 client
 * needs HTTP, and linking libcurl made every popconn command pay for its
 * start-up (libcurl pulls in OpenSSL, GnuTLS, Kerberos, LDAP and more:
 * `popconn --version` took three times the CPU).  The few functions the
 * client calls are looked up in libcurl.so.4 the first time a token is
 * requested; the types and constants still come from <curl/curl.h>.
 */
#ifndef POPCONN_OAUTH_CURL_H
#define POPCONN_OAUTH_CURL_H

#include <curl/curl.h>

struct oauth_curl {
	CURL		*(*easy_init)(void);
	CURLcode	 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	 (*easy_perform)(CURL *);
	CURLcode	 (*easy_getinfo)(CURL *, CURLINFO, ...);
	void		 (*easy_cleanup)(CURL *);
	const char	*(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void		 (*slist_free_all)(struct curl_slist *);
};

/*
 * The loaded functions, or NULL with *cause (caller frees) saying why
 * libcurl could not be loaded.  Loads once per process.
 */
const struct oauth_curl	*oauth_curl(char **cause);

#endif
