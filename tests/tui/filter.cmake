# The list's filter over more profiles than its first query reads (the
# probe of scr_list_rows.c) and fewer.
if(TARGET pc_tui AND TARGET popconn)
	add_test(NAME tui_filter COMMAND bash
		${CMAKE_CURRENT_LIST_DIR}/filter.sh $<TARGET_FILE:popconn>)
	set_tests_properties(tui_filter PROPERTIES LABELS tui TIMEOUT 120)
endif()
