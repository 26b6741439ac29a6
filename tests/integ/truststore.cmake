# Full verification through a private system store ($SSL_CERT_DIR).
add_test(NAME integ_truststore COMMAND bash
	${CMAKE_CURRENT_LIST_DIR}/truststore.sh $<TARGET_FILE:popconn>)
set_tests_properties(integ_truststore PROPERTIES LABELS integ TIMEOUT 300
	SKIP_RETURN_CODE 77)
