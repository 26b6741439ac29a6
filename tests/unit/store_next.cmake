# store_list_next: the keyset pages of a group test (in-memory SQLite).
pc_unit_test(test_store_next SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store_next.c
	LIBS pc_store)
