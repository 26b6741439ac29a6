pc_unit_test(test_profile SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_profile.c
	LIBS pc_model)
pc_unit_test(test_core SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_core.c
	LIBS pc_core)
