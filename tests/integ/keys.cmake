# Key rotation and master-passphrase mode with the real binary; the secrets
# are checked through a re-import and test logons against pc_hostile.
add_test(NAME integ_keys COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/keys.sh
	$<TARGET_FILE:popconn> $<TARGET_FILE:pc_hostile>)
set_tests_properties(integ_keys PROPERTIES LABELS integ TIMEOUT 300)
