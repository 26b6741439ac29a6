# SIGKILL in the middle of bulk-set and import on a large real database:
# all or nothing, integrity_check ok, the audit log with it.
add_test(NAME integ_crash COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/crash.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_crash PROPERTIES LABELS integ TIMEOUT 600)
