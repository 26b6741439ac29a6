# 2 and 4 popconn processes changing one database file at once, with the
# terminal UI (in tmux) editing the same profiles alongside them: no
# "database is locked", no lost update, every audit entry present.  A
# fixed number of commands per phase (CONC_OPS, default 2000); about 5
# minutes under ASan on 2 cores; a phase that needs more than CONC_DEADLINE
# (600 s) fails.  Skipped (77) without tmux.
if(TARGET pc_tui)
	add_test(NAME integ_concurrency COMMAND bash
		${CMAKE_CURRENT_LIST_DIR}/concurrency.sh $<TARGET_FILE:popconn>)
else()
	add_test(NAME integ_concurrency COMMAND bash
		${CMAKE_CURRENT_LIST_DIR}/concurrency.sh $<TARGET_FILE:popconn>
		--no-tui)
endif()
set_tests_properties(integ_concurrency PROPERTIES LABELS integ TIMEOUT 1500
	SKIP_RETURN_CODE 77)
