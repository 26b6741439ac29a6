# The CLI's exit statuses and error lines (PRODUCT.md section 4): not
# found (3) for a group or history name with no profile, conflict (5), the
# bulk-set count of profiles a bad value would break.
pc_unit_test(test_cli_exit SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cli_exit.c
	LIBS pc_cli)
