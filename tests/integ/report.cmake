# popconn report over real test results against Dovecot.
add_test(NAME integ_report COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/report.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_report PROPERTIES LABELS integ TIMEOUT 300)
