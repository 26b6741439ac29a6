# Undo by ID, history --json and import modes, on the real binary and a
# database file (no server).
add_test(NAME integ_undo COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/undo.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_undo PROPERTIES LABELS integ TIMEOUT 120)
