# test --prom read by the real Prometheus tools, private instances on
# loopback: promtool check metrics / check rules / test rules, a
# node_exporter textfile collector, a Prometheus server's query API.
add_test(NAME integ_prom COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/prom.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_prom PROPERTIES LABELS integ TIMEOUT 300
	SKIP_RETURN_CODE 77)
