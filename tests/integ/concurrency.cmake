# 2 and 4 popconn processes changing one database file at once: no
# "database is locked", no lost update, every audit entry present.
add_test(NAME integ_concurrency COMMAND bash
	${CMAKE_CURRENT_LIST_DIR}/concurrency.sh $<TARGET_FILE:popconn>)
set_tests_properties(integ_concurrency PROPERTIES LABELS integ TIMEOUT 400)
