# The diagnosis of failed TLS handshakes against openssl s_server (client
# certificate required with TLS 1.2 and 1.3, no cipher in common, a TLS
# 1.1-only server) and pc_hostile's tls_hello_close.
add_test(NAME integ_tlsdiag COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/tlsdiag.sh
	$<TARGET_FILE:popconn> $<TARGET_FILE:pc_hostile>)
set_tests_properties(integ_tlsdiag PROPERTIES LABELS integ TIMEOUT 120
	SKIP_RETURN_CODE 77)
