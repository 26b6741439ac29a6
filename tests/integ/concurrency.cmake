# 2 and 4 popconn processes changing one database file at once, with the
# terminal UI (in tmux) editing the same profiles alongside them: no
# "database is locked", no lost update, every audit entry present.  A
# phase ends when its commands (CONC_OPS, default 2000) are done AND the
# TUI has met its quota (saves, and every way out of a conflict, made on
# purpose); a phase that needs more than CONC_DEADLINE (400 s times
# POPCONN_TEST_SLOW, 1200 s under ASan) fails.  Skipped (77) without tmux,
# a failure with CI=true.
if(TARGET pc_tui)
	add_test(NAME integ_concurrency COMMAND bash
		${CMAKE_CURRENT_LIST_DIR}/concurrency.sh $<TARGET_FILE:popconn>)
else()
	add_test(NAME integ_concurrency COMMAND bash
		${CMAKE_CURRENT_LIST_DIR}/concurrency.sh $<TARGET_FILE:popconn>
		--no-tui)
endif()
set_tests_properties(integ_concurrency PROPERTIES LABELS integ TIMEOUT 3000
	SKIP_RETURN_CODE 77)
