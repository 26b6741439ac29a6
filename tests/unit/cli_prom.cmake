# The Prometheus file of test --prom (cli_prom.c), written to a mkdtemp
# folder.
pc_unit_test(test_cli_prom SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cli_prom.c
	LIBS pc_cli)
