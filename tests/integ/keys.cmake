# Key rotation and master-passphrase mode with the real binary.
add_test(NAME integ_keys COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/keys.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_keys PROPERTIES LABELS integ TIMEOUT 300)
