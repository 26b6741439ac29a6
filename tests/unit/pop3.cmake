if(TARGET pc_proto)
	pc_unit_test(test_pop3 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pop3.c
		LIBS pc_proto)
	pc_unit_test(test_pop3_resp
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pop3_resp.c
		LIBS pc_proto)
endif()
