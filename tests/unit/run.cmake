# The after-test module (src/run): recording, saved capabilities, the
# runner of many logons (real loopback sockets that refuse), the text.
pc_unit_test(test_run SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_run.c
	LIBS pc_run)
