#!/usr/bin/env bash
# tests/tui/features.sh POPCONN [PC_HOSTILE] - list features of the terminal
# UI that had no test of their own: the filter (/ with a match count, Enter
# keeps it, Esc clears it, no match), marking a whole group (g, and Space
# on a heading; again unmarks), folding groups (Left/Right, Enter on a
# heading; kept through a reload), help (?) and leaving it, and "test marked"
# on many profiles at once (more than the eight that run together) against
# real Dovecot (tests/integ/servers.sh), with the result table and every
# result recorded, capabilities too.  The servers part is skipped (exit 77
# at the end) when they cannot start.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"
SRV=$TUI_T/servers
stop_all() {
	[ -d "$SRV" ] && bash "$here/../integ/servers.sh" stop "$SRV" >/dev/null 2>&1
	tui_cleanup
}
trap stop_all EXIT

# Three groups.
for n in alpha-1 alpha-2 alpha-3; do
	pc add "$n" group=alpha address="$n.example.com" >/dev/null
done
for n in beta-1 beta-2; do
	pc add "$n" group=beta address="$n.example.net" >/dev/null
done
pc add lone group=zeta address=lone.example.org username=findme >/dev/null

tui_start A
tui_wait A 'alpha \(3\)'
tui_expect A '6 profiles$' "six profiles in the list"

# --- filter ---------------------------------------------------------------
tui_keys A /
tui_expect A '^ / ' "/ opens the filter line"
tui_type A 'beta'
tui_expect A '2 match' "the filter line counts the matches as you type"
tui_keys A Enter
tui_expect A 'filter "beta": 2 of 6$' "Enter keeps the filter; the title says 2 of 6"
tui_expect A 'beta-1 ' "beta-1 is shown"
tui_expect A 'beta-2 ' "beta-2 is shown"
tui_expect_not A 'alpha-|lone' "the others are hidden"
tui_keys A Escape
tui_expect A '6 profiles$' "Esc clears the filter"
tui_expect A 'alpha-1 ' "everything is back"
# A user name matches too, and a filter matching nothing says so.
tui_keys A /
tui_type A 'findme'
tui_keys A Enter
tui_expect A 'filter "findme": 1 of 6$' "the filter matches the user name"
tui_expect A 'lone ' "lone is shown"
tui_keys A Escape /
tui_type A 'zzz-nothing'
tui_keys A Enter
tui_expect A 'No profile matches "zzz-nothing"' "a filter without a match says so"
tui_keys A Escape
tui_expect A '6 profiles$' "and Esc clears it"

# --- group marking ----------------------------------------------------------
# Rows: alpha heading, alpha-1..3, beta heading, beta-1, beta-2, zeta ...
tui_keys A Home Down
tui_expect_cursor A 'alpha-1 .*example' "the cursor is on alpha-1"
tui_keys A g
tui_expect A 'marked 3$' "g marks the whole group of the cursor"
tui_expect A 'marked 3 profiles of group alpha' "and says so"
tui_keys A g
tui_gone A 'marked [0-9]+$' 3 && ok "g again unmarks the group" || not_ok "g again unmarks the group" "$(tui_screen A | head -1)"
# Space on a group heading marks the group too.
tui_keys A Home Down Down Down Down
tui_expect A 'group beta: 2 profiles' "the cursor is on the beta heading"
tui_keys A Space
tui_expect A 'marked 2$' "Space on a heading marks the group"
tui_keys A Home Down g
tui_expect A 'marked 5$' "marks of two groups add up"
tui_keys A Escape
tui_gone A 'marked [0-9]+$' 3 && ok "Esc clears the marks" || not_ok "Esc clears the marks"

# --- folding -------------------------------------------------------------------
# Left on a profile folds its group (cursor to the heading), the rows go,
# Down goes to the next heading, Enter on a heading unfolds, Right too;
# a fold survives a reload caused by another program's change.
tui_keys A Home Down Down
tui_expect_cursor A 'alpha-2 ' "the cursor is on alpha-2"
tui_keys A Left
tui_expect_cursor A '▸ alpha \(3\)' "Left folds alpha and the cursor goes to its heading"
tui_expect_not A 'alpha-[123] ' "alpha's rows are hidden"
tui_expect A 'Enter unfold' "the key bar offers to unfold"
tui_keys A Down
tui_expect_cursor A '▾ beta \(2\)' "Down from the folded heading goes to beta's heading"
tui_keys A Down
tui_expect_cursor A 'beta-1 ' "and then to beta-1"
tui_keys A Up Enter
tui_expect_cursor A '▸ beta \(2\)' "Enter on a heading folds it"
tui_expect_not A 'beta-[12] ' "beta's rows are hidden"
pc add alpha-4 group=alpha address=alpha-4.example.com >/dev/null
tui_expect A 'alpha \(4\)' "another program's new profile is counted" 8
tui_expect_not A 'alpha-[1234] ' "the fold stays through the reload"
tui_keys A Home Right
tui_expect_cursor A '▾ alpha \(4\)' "Right unfolds"
tui_expect A 'alpha-4 ' "its rows are back"
tui_keys A Down Down Down Down Down
tui_expect_cursor A '▸ beta \(2\)' "rows below a folded group are reached row by row"
tui_keys A Enter
tui_expect A 'beta-2 ' "Enter unfolds beta again"
pc rm alpha-4 >/dev/null
tui_expect A 'alpha \(3\)' "back to three in alpha" 8

# --- help -------------------------------------------------------------------
tui_keys A '?'
tui_expect A 'popconn help' "? opens the help"
tui_expect A 'The connection list' "for the list"
tui_expect A '/ +filter by name' "the help names the filter key"
tui_expect A 'g +mark or unmark the group' "the help names group marking"
tui_keys A Escape
tui_expect A '6 profiles$' "Esc leaves the help"
tui_expect_not A 'popconn help' "the help is gone"
tui_keys A q
tui_expect A '\[popconn exit 0\]' "q quits with status 0"

# --- test of many marked profiles ------------------------------------------
chmod 711 "$TUI_T"
mkdir -p "$SRV"
if ! POPCONN_SERVERS_ONLY="dovecot-group" \
	bash "$here/../integ/servers.sh" start "$SRV" >"$TUI_T/servers.log" 2>&1; then
	printf 'SKIP: the test servers did not start: %s\n' "$(tail -1 "$TUI_T/servers.log")"
	finish
	exit 77
fi
eval "$(bash "$here/../integ/servers.sh" env "$SRV")"
for n in alpha-1 alpha-2 alpha-3 beta-1 beta-2 lone; do pc rm "$n" >/dev/null; done
N=12
for i in $(seq -w 1 $N); do
	pc add "m$i" group=many address=127.0.0.1 port="$POP3S_GROUP_PORT" \
		username="$TEST_USER" tls_ca_file="$POPCONN_TEST_CA" >/dev/null
	printf '%s\n' "$TEST_PASS" | pc set "m$i" password=- >/dev/null
done
# One of them fails: its server is not there.
pc set m07 port="$POP3_CLOSED_PORT" >/dev/null
tui_start B 80 30
tui_wait B 'many \(12\)'
tui_keys B Home
tui_expect B 'group many: 12 profiles' "the cursor is on the many heading"
tui_keys B Down g
tui_expect B 'marked 12$' "g marks all twelve"
tui_keys B t
tui_expect B 'Test 12 marked profiles' "t tests the marked profiles"
tui_expect B '12/12 done' "all twelve finish" 60
for i in $(seq -w 1 $N); do
	if [ "$i" = 07 ]; then
		tui_expect B "m07 +connect_refused" "the table shows m07 connect_refused"
	else
		tui_expect B "m$i +ok" "the table shows m$i ok"
	fi
done
if tui_screen B | grep -qF -- "$TEST_PASS"; then
	not_ok "the password is not on the screen"
else
	ok "the password is not on the screen"
fi
tui_keys B Escape
tui_expect B 'm01 .*ok' "the list shows the results"
run pc list --group many
expect_eq "$(grep -c ' ok$' <<<"$OUT")" 11 "eleven results recorded ok (CLI)"
expect_eq "$(grep -c ' connect_refused$' <<<"$OUT")" 1 "one recorded connect_refused (CLI)"
# The group test also keeps what CAPA said, as the test pane does: a
# repeat from the CLI trusts those lines and sends no CAPA.
for n in m01 m12; do
	run pc test "$n" --trust-capabilities --json
	expect_out '"capabilities_trusted": true' "the group test saved $n's capabilities (a repeat trusts them)"
	expect_no 'no capabilities saved' "$n: the repeat finds them"
done
tui_keys B q
tui_expect B '\[popconn exit 0\]' "q quits with status 0"
finish
