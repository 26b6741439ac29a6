#!/usr/bin/env bash
# tests/tui/logon.sh POPCONN - the live test logon pane against real
# Dovecot on loopback (tests/integ/servers.sh): t in the list runs it, the
# trace shows the server's lines and the step list and diagnosis show;
# the password never reaches the screen or the saved trace; a failing
# logon (wrong password, closed port) gets its diagnosis and hint; Esc
# cancels a test that hangs (the UI keeps answering); s saves the trace;
# test marked runs several at once with a result table.  Skipped (exit 77;
# a failure with CI=true) when the logon layer is not linked yet; servers
# that do not start are a failure.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"
HOSTILE=${2:-$(dirname "$PC")/tests/pc_hostile}
SRV=$TUI_T/servers
HPID=

stop_all() {
	[ -n "$HPID" ] && kill "$HPID" 2>/dev/null
	[ -d "$SRV" ] && bash "$here/../integ/servers.sh" stop "$SRV" >/dev/null 2>&1
	tui_cleanup
}
trap stop_all EXIT

# Is there a test logon in this build?
pc add probe address=127.0.0.1 port=1 security=none >/dev/null
tui_start P
tui_wait P 'probe'
tui_keys P t
tui_wait P 'Test logon: probe' 5
if tui_screen P | grep -q 'has no test logon yet'; then
	skip_test "the logon layer is not linked into this popconn yet"
fi
tui_keys P Escape q
pc rm probe >/dev/null

# Dovecot's mail processes (other users) must reach the directory.
chmod 711 "$TUI_T"
mkdir -p "$SRV"
POPCONN_SERVERS_ONLY="dovecot-main dovecot-group" \
	bash "$here/../integ/servers.sh" start "$SRV" >"$TUI_T/servers.log" 2>&1 || {
	# Not a skip: a server that does not start is a failure, always.
	not_ok "the test servers start" "$(tail -5 "$TUI_T/servers.log")"
	finish
	exit 1
}
eval "$(bash "$here/../integ/servers.sh" env "$SRV")"

pc add dovecot group=live address=127.0.0.1 port="$POP3S_PORT" \
	username="$TEST_USER" tls_ca_file="$POPCONN_TEST_CA" >/dev/null
printf '%s\n' "$TEST_PASS" | pc set dovecot password=- >/dev/null
pc add stls group=live address=127.0.0.1 port="$POP3_PLAIN_PORT" security=tls \
	username="$TEST_USER" tls_ca_file="$POPCONN_TEST_CA" >/dev/null
printf '%s\n' "$TEST_PASS" | pc set stls password=- >/dev/null
pc add wrongpw group=live address=127.0.0.1 port="$POP3S_GROUP_PORT" \
	username="$TEST_USER" tls_ca_file="$POPCONN_TEST_CA" >/dev/null
printf 'not-%s\n' "$TEST_PASS" | pc set wrongpw password=- >/dev/null
pc add closed group=live address=127.0.0.1 port="$POP3_CLOSED_PORT" \
	security=none >/dev/null

tui_start A 80 24
tui_wait A 'live \(4\)'
# Rows: heading, closed, dovecot, stls, wrongpw.
tui_keys A Home Down Down
tui_expect_cursor A 'dovecot.*not tested' "the cursor is on dovecot"
tui_keys A t
tui_expect A 'Test logon: dovecot' "t opens the test pane"
tui_expect A 'passed in' "the logon passes" 15
tui_expect A 'S: \+OK' "the trace shows the server's lines"
tui_expect A 'C: (QUIT|STAT)' "and what popconn sent"
tui_expect A '✓ connect .*✓ tls' "the step list shows each step"
tui_expect A 'Result: ok, logged on with' "the diagnosis says ok"
tui_expect A "mailbox $TEST_MSGS messages, $TEST_OCTETS octets" "with the mailbox size from STAT"
tui_expect A 'TLS: TLSv1\.[23]' "and the TLS version"
tui_expect_not A "$TEST_PASS" "the password is not on screen"
if tx capture-pane -p -e -t A | grep -qE $'\e\\[[0-9;]*3[0-7]m.*S: \\+OK'; then
	ok "server lines are coloured"
else
	not_ok "server lines are coloured"
fi
tui_keys A PgUp
tui_expect A 'auto: chose' "PgUp scrolls back"
tui_keys A Home
tui_expect A 'test logon of dovecot' "Home goes to the start"
tui_keys A s
tui_expect A 'Write the trace to the file:' "s asks for a path"
tui_expect A 'popconn-trace-dovecot\.txt' "the default path names the profile"
tui_keys A C-u
tui_type A "$TUI_T/trace.txt"
tui_keys A Enter
tui_expect A "trace saved to $TUI_T/trace.txt" "the trace is saved"
if grep -q 'S: +OK' "$TUI_T/trace.txt" && grep -q '^diagnosis: ok' "$TUI_T/trace.txt"; then
	ok "the file holds the trace and the diagnosis"
else
	not_ok "the file holds the trace and the diagnosis" "$(head -5 "$TUI_T/trace.txt")"
fi
if grep -qF "$TEST_PASS" "$TUI_T/trace.txt"; then
	not_ok "the saved trace holds no password"
else
	ok "the saved trace holds no password"
fi
expect_eq "$(stat -c %a "$TUI_T/trace.txt")" 600 "the trace file is private (0600)"
tui_keys A s
tui_expect A "$TUI_T/trace.txt" "s again proposes the last path"
tui_keys A Enter
tui_expect A 'exists\.  Overwrite it\?' "an existing file is not overwritten without asking"
tui_keys A n
# "t" in the finished pane: a repeat that trusts the capabilities the first
# run saved (no CAPA step), then "r" asks CAPA again.
tui_expect A 'r run again t trust CAPA' "the key bar offers the repeat"
tui_keys A t
tui_expect A 'passed in' "the repeat trusting the capabilities passes" 15
tui_expect A '✓ greeting .*✓ logon' "no capa step between greeting and logon"
tui_keys A s
tui_expect A 'Write the trace to the file:' "s asks for a path for the repeat's trace"
tui_keys A C-u
tui_type A "$TUI_T/repeat.txt"
tui_keys A Enter
tui_expect A "trace saved to $TUI_T/repeat.txt" "the repeat's trace is saved"
if grep -q 'C: CAPA' "$TUI_T/repeat.txt" || ! grep -q 'C: AUTH' "$TUI_T/repeat.txt"; then
	not_ok "the repeat sent no CAPA, and logged on" "$(cat "$TUI_T/repeat.txt")"
else
	ok "the repeat sent no CAPA, and logged on"
fi
if grep -q 'CAPA not sent: trusting the capabilities of the last test' "$TUI_T/repeat.txt"; then
	ok "the repeat's trace says CAPA was skipped"
else
	not_ok "the repeat's trace says CAPA was skipped" "$(cat "$TUI_T/repeat.txt")"
fi
tui_keys A r
tui_expect A '✓ capa' "r asks CAPA again" 15
tui_keys A Escape
tui_expect A 'dovecot +127\.0\.0\.1 +[0-9]+ ssl +[0-9]+d ok' "the list shows the last result and the certificate's days left"
run pc show dovecot --json
expect_out '"last_result": "ok"' "the result is recorded in the store"

# ^T in the editor tests the values on screen, saved or not.
tui_keys A Enter
tui_expect A 'Edit profile: dovecot' "the editor of dovecot"
tui_keys A C-t
tui_expect A 'Test logon: dovecot' "^T opens the test pane from the editor"
tui_expect A 'passed in' "the saved values pass" 15
tui_keys A Escape
tui_expect A 'Edit profile: dovecot' "Esc goes back to the editor"
tui_keys A C-n Tab C-u
tui_type A "$POP3_CLOSED_PORT"
tui_keys A C-t
tui_expect A "127\.0\.0\.1 port $POP3_CLOSED_PORT" "^T uses the unsaved port"
tui_expect A 'Result: connect_refused' "and fails on the closed port" 10
tui_keys A Escape Escape
tui_expect A 'Unsaved changes' "the edit is still unsaved"
tui_keys A d
run pc show dovecot --json
expect_out '"last_result": "ok"' "a test of unsaved values is not recorded"
expect_out "\"port\": $POP3S_PORT" "nor saved"

# STLS, and a wrong password on the group instance (no auth penalty).
tui_keys A Down t
tui_expect A 'passed in' "STLS logon passes" 15
tui_expect A '✓ stls' "the steps show STLS"
tui_expect A '✓ capa2' "and CAPA again after TLS"
tui_keys A Escape Down t
tui_expect A 'failed in' "a wrong password fails" 15
tui_expect A 'Result: auth_failed' "diagnosis auth_failed"
tui_expect A '✗ logon' "the failed step is marked"
tui_keys A Escape
tui_expect A 'wrongpw .*auth_failed' "the list shows auth_failed"

# A closed port.
tui_keys A Home Down t
tui_expect A 'Result: connect_refused' "a closed port: connect_refused" 10
tui_keys A Escape

# A server that never answers: the UI stays responsive and Esc cancels.
"$HOSTILE" --mode silent --port 0 --portfile "$TUI_T/silent.port" \
	--max-time 60 >/dev/null 2>&1 &
HPID=$!
wait_until 5 test -s "$TUI_T/silent.port" ||
	not_ok "pc_hostile --mode silent writes its port file"
pc add silent address=127.0.0.1 port="$(cat "$TUI_T/silent.port")" \
	security=none timeout=30 >/dev/null
tui_expect A 'silent +127' "the list notices a profile another program added" 8
# Without a group it sorts first: rows (no group), silent, live, closed ...
tui_keys A Home Down
tui_expect_cursor A 'silent +127\.0\.0\.1 ' "the cursor is on silent"
tui_keys A t
tui_expect A 'running [0-9.]+(ms|s)' "a hanging test shows a running clock"
# The clock on screen changes: waited for (not a count inside a time).
clock() { tui_screen A | sed -n 's/.*running \([0-9.]*m\{0,1\}s\).*/\1/p' | head -1; }
clock_moved() { t2=$(clock); [ -n "$t2" ] && [ "$t2" != "$t1" ]; }
t1=$(clock)
t2=
if [ -n "$t1" ] && wait_until 10 clock_moved; then
	ok "the clock moves while the session waits ($t1 -> $t2)"
else
	not_ok "the clock moves while the session waits" "'$t1' then '$t2'"
fi
tui_keys A Up Up Down
tui_expect A 'Esc cancel' "keys still work while it runs"
tui_keys A Escape
tui_expect A 'Result: cancelled by you at step greeting' "Esc cancels the running test"
tui_expect A 'failed in' "the pane shows it ended"
tui_keys A Escape
tui_expect A 'silent .*not tested' "a cancelled test is not recorded"

# Test marked: three at once.
tui_keys A Home Down Down Down Space Space Space
tui_expect A 'marked 3$' "three profiles marked"
tui_keys A t
tui_expect A 'Test 3 marked profiles' "t tests the marked profiles"
tui_expect A '3/3 done' "all three finish" 20
tui_expect A 'closed +connect_refused' "the table shows each result"
tui_expect A 'dovecot +ok' "dovecot ok in the table"
tui_expect A 'stls +ok' "stls ok in the table"
tui_expect A 'dovecot +ok (PLAIN|LOGIN|USER|SCRAM-SHA-256|SCRAM-SHA-1|CRAM-MD5|APOP) ' "the table names the logon method, whole"
tui_expect A 'dovecot +ok .* 2 msg, 364 B' "and the mailbox size from STAT"
tui_expect A 'closed +connect_refused +[0-9.]+s 127\.0\.0\.1 port' "a failed row's message starts where the mailbox would be"
tui_keys A Escape

# A setting that is allowed but usually wrong is said with the result.
tui_keys A Escape
tui_gone A 'marked 3' 5 || true
pc add stls995 group=zz address=127.0.0.1 port=995 security=tls timeout=5 >/dev/null
tui_keys A /
tui_type A stls995
tui_keys A Enter
tui_expect_cursor A 'stls995 +127\.0\.0\.1 +995' "the cursor is on stls995" 8
tui_keys A t
tui_expect A 'Result: ' "the test of stls995 ends" 20
tui_expect A 'Warning: security=tls sends STLS on port 995' "the result warns about STLS on 995"
tui_keys A Escape q
tui_expect A '\[popconn exit 0\]' "q quits with status 0"
finish
