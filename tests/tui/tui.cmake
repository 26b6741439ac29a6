# Terminal UI tests: popconn driven through tmux (tests/tui/tuilib.sh), one
# CTest per script, labelled tui.  logon.sh and hostile.sh need the logon
# layer and the test servers; they exit 77 (skipped) without them.
if(TARGET pc_tui AND TARGET popconn)
	foreach(t create fields conflict bulk undo resize terminal readonly marks
	    screens codepage)
		add_test(NAME tui_${t} COMMAND bash
			${CMAKE_CURRENT_LIST_DIR}/${t}.sh $<TARGET_FILE:popconn>)
		set_tests_properties(tui_${t} PROPERTIES LABELS tui TIMEOUT 180)
	endforeach()
	foreach(t logon hostile)
		if(TARGET pc_hostile)
			add_test(NAME tui_${t} COMMAND bash
				${CMAKE_CURRENT_LIST_DIR}/${t}.sh
				$<TARGET_FILE:popconn> $<TARGET_FILE:pc_hostile>)
		else()
			add_test(NAME tui_${t} COMMAND bash
				${CMAKE_CURRENT_LIST_DIR}/${t}.sh $<TARGET_FILE:popconn>)
		endif()
		set_tests_properties(tui_${t} PROPERTIES LABELS tui TIMEOUT 300
			SKIP_RETURN_CODE 77)
	endforeach()
endif()
