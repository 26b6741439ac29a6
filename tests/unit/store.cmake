# Unit tests of the store layer: real SQLite files in a mkdtemp folder.
pc_unit_test(test_store SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store.c
	LIBS pc_store)
pc_unit_test(test_secret SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_secret.c
	LIBS pc_store)
pc_unit_test(test_store_files
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store_files.c LIBS pc_store)
# The test history: details, certificate change, failing since, retention
# (200 runs over 1,000 profiles stay capped at 100 rows per profile).
pc_unit_test(test_store_hist
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store_hist.c LIBS pc_store)
# 200,000 small transactions: slower under the sanitizers.
set_tests_properties(test_store_hist PROPERTIES TIMEOUT 400)
# The list's filter terms, the certificate column's data and the sorts.
pc_unit_test(test_store_filter
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store_filter.c LIBS pc_store)
