# The OAuth2 token command against a real Dovecot: slow, hung (its process
# group ended at the timeout), failing with the token on stderr.
add_test(NAME integ_token COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/token.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_token PROPERTIES LABELS integ TIMEOUT 300
	SKIP_RETURN_CODE 77)
