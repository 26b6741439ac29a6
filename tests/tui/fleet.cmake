# The fleet view of the list: the Cert column, the filter terms and the
# sorts, on results written into the test database with sqlite3.
if(TARGET pc_tui AND TARGET popconn)
	add_test(NAME tui_fleet COMMAND bash
		${CMAKE_CURRENT_LIST_DIR}/fleet.sh $<TARGET_FILE:popconn>)
	set_tests_properties(tui_fleet PROPERTIES LABELS tui TIMEOUT 180)
endif()
