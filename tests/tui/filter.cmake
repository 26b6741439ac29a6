# The list's filter over 1,230 profiles: counts and rows of a broad and of
# a narrow filter.
if(TARGET pc_tui AND TARGET popconn)
	add_test(NAME tui_filter COMMAND bash
		${CMAKE_CURRENT_LIST_DIR}/filter.sh $<TARGET_FILE:popconn>)
	set_tests_properties(tui_filter PROPERTIES LABELS tui TIMEOUT 120)
endif()
