# Unit tests of the net layer.  They link only pc_net (and its pc_core);
# xport_mem is the scripted in-memory peer shared with other layers' tests.
if(TARGET pc_net)
	pc_unit_test(test_ntlm SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ntlm.c
		LIBS pc_net)
	pc_unit_test(test_xport SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_xport.c
		${CMAKE_CURRENT_LIST_DIR}/helpers/xport_mem.c LIBS pc_net)
	# The proxy handshakes, sans I/O: no transport at all.
	pc_unit_test(test_proxy SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_proxy.c
		LIBS pc_net)
	pc_unit_test(test_xport_tls
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_xport_tls.c
		${CMAKE_CURRENT_LIST_DIR}/helpers/xport_mem.c LIBS pc_net)
endif()
