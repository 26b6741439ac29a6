# The profile's code page for real: Windows-1252 credentials against a real
# Dovecot, a stop before connecting when the page cannot hold a character,
# and pc_hostile's -ERR text in Windows-1251 and KOI8-R.
add_test(NAME integ_codepage COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/codepage.sh
	$<TARGET_FILE:popconn> $<TARGET_FILE:pc_hostile>)
set_tests_properties(integ_codepage PROPERTIES LABELS integ TIMEOUT 180
	SKIP_RETURN_CODE 77)
