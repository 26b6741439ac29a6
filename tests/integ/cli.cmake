# The CLI contract, run against the real binary and a real database file.
add_test(NAME integ_cli COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_cli PROPERTIES LABELS integ TIMEOUT 300)
