# Unit tests of the logon driver: it runs over a scripted transport
# (helpers/xport_mem.c) put in through logon_opts.xops.
if(TARGET pc_logon)
	pc_unit_test(test_logon SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_logon.c
		${CMAKE_CURRENT_LIST_DIR}/helpers/xport_mem.c LIBS pc_logon)
	set_tests_properties(test_logon PROPERTIES TIMEOUT 180)
endif()
