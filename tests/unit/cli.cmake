pc_unit_test(test_cli SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cli.c
	LIBS pc_cli)
