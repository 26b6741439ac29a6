pc_unit_test(test_trace SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_trace.c
	LIBS pc_trace)
