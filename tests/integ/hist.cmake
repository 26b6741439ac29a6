# The test history against a real Dovecot: details kept, failing since,
# certificate changes, group tests, retention by POPCONN_HISTORY_KEEP.
add_test(NAME integ_hist COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/hist.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_hist PROPERTIES LABELS integ TIMEOUT 300)
