# SIGKILL in the middle of bulk-set and import of 100,000 profiles, 10
# times each at moments spread over the run: all or nothing, integrity_check
# ok, the audit log with it.  About 6 minutes under ASan on 2 cores; the
# script itself fails after 4 minutes if one uninterrupted run is that slow.
add_test(NAME integ_crash COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/crash.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_crash PROPERTIES LABELS integ TIMEOUT 1200)
