# popconn check as a CheckCommand of a private Icinga 2 instance: OK,
# CRITICAL (wrong password), WARNING (certificate within the warning days),
# read back from Icinga's PerfdataWriter files.
add_test(NAME integ_icinga COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/icinga.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_icinga PROPERTIES LABELS integ TIMEOUT 300)
