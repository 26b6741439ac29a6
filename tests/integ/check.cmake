# popconn check, the Monitoring Plugins check, against a real Dovecot:
# OK, WARNING, CRITICAL, a group, UNKNOWN for every bad input, no prompt.
add_test(NAME integ_check COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/check.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_check PROPERTIES LABELS integ TIMEOUT 300)
