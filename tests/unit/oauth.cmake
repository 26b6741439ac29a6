# Unit tests of the OAuth2 client's own decisions that need no server:
# endpoints it refuses, an unreachable endpoint, cancel, an unauthorised
# profile.  The flows against a real server: tests/integ/oauth.sh.
if(TARGET pc_oauth)
	pc_unit_test(test_oauth SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_oauth.c
		LIBS pc_oauth)
endif()
