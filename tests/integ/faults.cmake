# Read-only, full disk, damaged database, truncated WAL, key file faults,
# newer schema: one clear message, non-zero exit, files unchanged.  Needs
# root for its tmpfs mounts (exit 77 = skipped without).
add_test(NAME integ_faults COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/faults.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_faults PROPERTIES LABELS integ TIMEOUT 400
	SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
