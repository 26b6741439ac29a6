#!/usr/bin/env bash
# tests/tui/hostile.sh POPCONN [PC_HOSTILE] - a hostile server cannot reach
# the terminal: pc_hostile --mode escape_greeting sends a greeting with a
# clear-screen, a window-title OSC, raw C1 bytes and a UTF-8 CSI; the pane
# shows them escaped, the pane title and the screen are untouched, no
# escape byte is in the capture or in the saved trace.  Also: a server
# that injects a response after STLS gets stls_injection.  Skipped (exit
# 77; a failure with CI=true) when the logon layer is not linked or
# pc_hostile is not built.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"
HOSTILE=${2:-$(dirname "$PC")/tests/pc_hostile}
PIDS=()

stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	tui_cleanup
}
trap stop_all EXIT
[ -x "$HOSTILE" ] || skip_test "pc_hostile is not built ($HOSTILE)"

# hostile MODE NAME: start one, wait for its port, set PORT.  (Not called
# in $(...): the pid must be recorded in this shell, for stop_all.)
hostile() {
	"$HOSTILE" --mode "$1" --port 0 --portfile "$TUI_T/$2.port" \
		--log "$TUI_T/$2.log" --max-time 20 >/dev/null 2>&1 &
	PIDS+=($!)
	wait_until 5 test -s "$TUI_T/$2.port" || {
		not_ok "pc_hostile --mode $1 writes its port file"
		finish
		exit 1
	}
	PORT=$(cat "$TUI_T/$2.port")
}

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

hostile escape_greeting esc
port=$PORT
pc add evil address=127.0.0.1 port="$port" security=none >/dev/null
hostile stls_inject inject
port=$PORT
pc add inject address=127.0.0.1 port="$port" security=tls >/dev/null

tui_start A 80 24
tui_wait A 'evil'
title0=$(tx display-message -p -t A '#{pane_title}')
tui_keys A Home Down
tui_expect_cursor A 'evil.*not tested' "the cursor is on evil"
tui_keys A t
tui_expect A 'failed in|passed in' "the test against the hostile server ends" 10
tui_keys A Home
tui_expect A 'S: \+OK \\+x1b\[2J\\+x1b\]0;pc_hostile title\\+x07' "the escapes show as text"
tui_expect A '\\+x9b31m red \\+x85' "raw C1 bytes show as text"
tui_expect A 'Test logon: evil' "the screen was not cleared"
if [ "$(tx display-message -p -t A '#{pane_title}')" = "$title0" ]; then
	ok "the window title did not change"
else
	not_ok "the window title did not change" "now: $(tx display-message -p -t A '#{pane_title}')"
fi
# capture-pane -p gives the text as drawn: no byte of an escape may be in it.
if tui_screen A | grep -qaP '\x1b|\x07|\x9b|\x85|\xc2[\x80-\x9f]'; then
	not_ok "no escape or C1 byte is on screen" "$(tui_screen A | cat -v | grep -a 'S: +OK' | head -2)"
else
	ok "no escape or C1 byte is on screen"
fi
tui_keys A s C-u
tui_type A "$TUI_T/evil.txt"
tui_keys A Enter
tui_expect A 'trace saved to' "the trace is saved"
if grep -qaP '\x1b|\x07|\x9b|\x85|\xc2[\x80-\x9f]' "$TUI_T/evil.txt"; then
	not_ok "the saved trace holds no escape or C1 byte"
else
	ok "the saved trace holds no escape or C1 byte"
fi
if grep -q '1b\[2J' "$TUI_T/evil.txt"; then
	ok "the saved trace keeps the escaped greeting"
else
	not_ok "the saved trace keeps the escaped greeting" "$(head -12 "$TUI_T/evil.txt")"
fi
tui_keys A Escape

tui_keys A Home Down Down
tui_expect_cursor A 'inject.*not tested' "the cursor is on inject"
tui_keys A t
tui_expect A 'Result: stls_injection' "bytes injected after STLS: stls_injection" 10
tui_expect A '✗ (stls|tls)' "the failed step is marked"
tui_result A hostile_stls_injection logon
tui_keys A Escape q
tui_expect A '\[popconn exit 0\]' "q quits with status 0"
finish
