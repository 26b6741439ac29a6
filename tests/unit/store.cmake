# Unit tests of the store layer: real SQLite files in a mkdtemp folder.
pc_unit_test(test_store SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store.c
	LIBS pc_store)
pc_unit_test(test_secret SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_secret.c
	LIBS pc_store)
pc_unit_test(test_store_files
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store_files.c LIBS pc_store)
