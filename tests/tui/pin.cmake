# The test pane after a refused certificate (p pins it) and its history,
# against the real untrusted Dovecot of tests/integ/servers.sh.
if(TARGET pc_tui AND TARGET popconn)
	add_test(NAME tui_pin COMMAND bash
		${CMAKE_CURRENT_LIST_DIR}/pin.sh $<TARGET_FILE:popconn>)
	set_tests_properties(tui_pin PROPERTIES LABELS tui TIMEOUT 180)
endif()
