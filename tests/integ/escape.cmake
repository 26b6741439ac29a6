# CLI errors quote bad values escaped (CR/LF, ESC, bidi overrides).
add_test(NAME integ_escape COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/escape.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_escape PROPERTIES LABELS integ TIMEOUT 120)
