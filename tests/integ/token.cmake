# The OAuth2 token command against a real Dovecot: slow, hung (its process
# group ended at the timeout), failing with the token on stderr.
add_test(NAME integ_token COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/token.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_token PROPERTIES LABELS integ TIMEOUT 300
	SKIP_RETURN_CODE 77)

# The terminal UI takes keys while a token command runs (tmux).  Registered
# here rather than in tests/tui/tui.cmake, beside the other token tests.
if(TARGET pc_tui)
	add_test(NAME tui_token COMMAND bash
		${CMAKE_SOURCE_DIR}/tests/tui/token.sh $<TARGET_FILE:popconn>)
	set_tests_properties(tui_token PROPERTIES LABELS tui TIMEOUT 180)
endif()
