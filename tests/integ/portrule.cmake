# The port rule on saved profiles: set and bulk-set.
add_test(NAME integ_portrule COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/portrule.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_portrule PROPERTIES LABELS integ TIMEOUT 120)
