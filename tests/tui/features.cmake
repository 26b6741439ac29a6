# TUI list features without a test of their own elsewhere: the filter,
# marking a whole group, help, and a test of many marked profiles against
# real Dovecot (skipped, 77, when the servers cannot start).
if(TARGET pc_tui AND TARGET popconn)
	add_test(NAME tui_features COMMAND bash
		${CMAKE_CURRENT_LIST_DIR}/features.sh $<TARGET_FILE:popconn>)
	set_tests_properties(tui_features PROPERTIES LABELS tui TIMEOUT 300
		SKIP_RETURN_CODE 77)
endif()
