# Test logons against real Dovecot instances and the hostile server.
add_test(NAME integ_logon COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/logon.sh
	$<TARGET_FILE:popconn> $<TARGET_FILE:pc_hostile>)
set_tests_properties(integ_logon PROPERTIES LABELS integ TIMEOUT 600
	SKIP_RETURN_CODE 77)
