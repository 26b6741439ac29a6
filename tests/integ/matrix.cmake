# Test logons against Dovecot, Courier pop3d and Cyrus pop3d (servers.sh
# families "courier" and "cyrus": unpacked Debian packages, fetched once into
# /var/cache/popconn-servers by server_pkgs.sh).  Writes the result table to
# matrix.md in the build folder (POPCONN_MATRIX overrides).  Needs root;
# exits 77 (skipped) without it, fails when a server does not start.
add_test(NAME integ_matrix COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/matrix.sh
	$<TARGET_FILE:popconn>)
set_tests_properties(integ_matrix PROPERTIES LABELS integ TIMEOUT 900
	SKIP_RETURN_CODE 77)
