# CLI features without a test of their own elsewhere (presets, fields,
# codepages, history --limit, import --dry-run, export --group, secrets
# through export/import checked by a real logon, echo-off prompts in tmux,
# POPCONN_KEY, the token command's failures, exit statuses 3 and 5), with
# real Dovecot, tinyproxy and pc_hostile.  Needs root and tmux (77 without).
add_test(NAME integ_features COMMAND bash
	${CMAKE_CURRENT_LIST_DIR}/features.sh $<TARGET_FILE:popconn>
	$<TARGET_FILE:pc_hostile>)
set_tests_properties(integ_features PROPERTIES LABELS integ TIMEOUT 900
	SKIP_RETURN_CODE 77)
