# Test logons through real SOCKS and HTTP proxies, and hostile proxies.
add_test(NAME integ_proxy COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/proxy.sh
	$<TARGET_FILE:popconn> $<TARGET_FILE:pc_hostile>)
set_tests_properties(integ_proxy PROPERTIES LABELS integ TIMEOUT 600
	SKIP_RETURN_CODE 77)
