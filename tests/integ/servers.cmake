# The integration test servers (servers.sh: Dovecot instances, SOCKS and
# HTTP proxies, a latency relay) checked end to end with curl, plus every
# pc_hostile mode.  Needs root and the packages from scripts/deps.sh; exits
# 77 (skipped) otherwise.
add_test(NAME integ_servers_smoke
	COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/smoke.sh
		--hostile $<TARGET_FILE:pc_hostile>)
set_tests_properties(integ_servers_smoke PROPERTIES LABELS integ TIMEOUT 300
	SKIP_RETURN_CODE 77)
