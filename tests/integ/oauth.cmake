# Built-in OAuth2 against a real authorization server (Authlib, HTTPS with
# the test CA) and the real Dovecot validating the JWTs it issues: device
# login approved, denied, expired, slow_down; refresh with rotation; a
# revoked refresh token; client credentials; XOAUTH2 and OAUTHBEARER; the
# token endpoint through the HTTP and SOCKS5 proxies; no token, code or
# secret in any output, export or the database.
add_test(NAME integ_oauth COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/oauth.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_oauth PROPERTIES LABELS integ TIMEOUT 300
	SKIP_RETURN_CODE 77)

# The editor's Authenticate action (^Y) against the same servers (tmux).
# Registered here rather than in tests/tui/tui.cmake, beside integ_oauth.
if(TARGET pc_tui)
	add_test(NAME tui_oauth COMMAND bash
		${CMAKE_SOURCE_DIR}/tests/tui/oauth.sh $<TARGET_FILE:popconn>)
	set_tests_properties(tui_oauth PROPERTIES LABELS tui TIMEOUT 300
		SKIP_RETURN_CODE 77)
endif()
