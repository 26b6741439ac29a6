#!/usr/bin/env bash
# tests/tui/fleet.sh POPCONN - the fleet view of the list (PRODUCT.md
# section 3, issue 14 item 2): the Cert column (days left on the
# certificate of the newest test result: "12d", "-3d" expired, "-"
# unknown) beside "Last test" (result and age) at 80x24; each filter term
# (status:failed, status:ok, status:untested, cert<30, untested>7d,
# group:NAME), terms with plain text together, a term that does not parse;
# s cycling the sort within each group (result, cert days, test age, name)
# with the title naming it and the cursor staying on its profile; help and
# key bar.  The results are written into the test database's history with
# sqlite3, as popconn test records them (test_results and the profile's
# last_result / last_tested), at times relative to now.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"
command -v sqlite3 >/dev/null || { echo "Bail out! sqlite3 is missing (scripts/deps.sh installs it)"; exit 1; }

for n in m-expired m-never m-ok; do
	pc add "$n" group=mail address="$n.example.net" >/dev/null
done
for n in w-auth w-down w-fine; do
	pc add "$n" group=web address="$n.example.com" >/dev/null
done
now=$(date +%s)
D=86400
# result NAME AGO DIAGNOSIS CERT_NOT_AFTER|NULL
result() {
	sqlite3 "$POPCONN_DB" "PRAGMA busy_timeout = 5000;
	INSERT INTO test_results (profile_id, time, source, diagnosis,
	    failed_step, elapsed_ms, cert_not_after)
	SELECT id, $((now - $2)), 'test', '$3',
	    CASE WHEN '$3' = 'ok' THEN NULL ELSE 'logon' END, 12, $4
	FROM profiles WHERE name = '$1';
	UPDATE profiles SET last_result = '$3', last_tested = $((now - $2))
	WHERE name = '$1';" >/dev/null
}
# (An hour's margin keeps each count of days clear of a day's edge.)
result m-expired $((10 * D)) ok $((now - 3 * D + 3600))
result m-ok $((2 * D)) ok $((now + 5 * D))
result m-ok 3600 ok $((now + 45 * D + 3600))
result w-auth $((3 * D)) auth_failed $((now + 12 * D + 3600))
result w-down $((9 * D)) ok $((now + 20 * D))
result w-down $((8 * D)) connect_refused NULL
result w-fine 600 ok $((now + 100 * D + 3600))

# order NAME: the profile names on the screen, top to bottom.
order() { tui_screen "$1" | sed -n 's/^ *\([mw]-[a-z]*\) .*/\1/p' | tr '\n' ' ' | sed 's/ $//'; }
order_is() { [ "$(order "$1")" = "$2" ]; }
expect_order() {
	if wait_until 3 order_is "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3" "the rows are '$(order "$1")', not '$2':
$(tui_screen "$1")"
	fi
}

tui_start A 80 24
tui_wait A 'web \(3\)'
# --- columns -----------------------------------------------------------------
tui_expect A '^   Name +Address +Port Sec +Cert Last test *$' "the header has Cert beside Last test"
tui_expect A '^   m-expired +m-expired\.example\.\S* +995 ssl +-3d ok 10d *$' "an expired certificate: -3d, then ok 10d"
tui_expect A '^   m-never +m-never\.example\.net +995 ssl +- not tested *$' "never tested: - and not tested"
tui_expect A '^   m-ok +m-ok\.example\.net +995 ssl +45d ok 1h *$' "the newest result's certificate: 45d (not the older 5d)"
tui_expect A '^   w-auth +w-auth\.example\.com +995 ssl +12d auth_failed 3d *$' "a failure that saw a certificate: 12d auth_failed 3d"
tui_expect A '^   w-down +w-down\.example\.com +995 ssl +- connect_refused 8d *$' "the newest result saw no certificate: -"
tui_expect A '^   w-fine +w-fine\.example\.com +995 ssl +100d ok 10m *$' "100d ok 10m"
tui_expect A ' s sort ' "the key bar offers s sort"
tui_expect A '/ filter' "and still / filter at 80 columns"
expect_order A "m-expired m-never m-ok w-auth w-down w-fine" "by name within groups at first"

# --- filter terms ---------------------------------------------------------------
# filter NAME TEXT: type TEXT as the filter and keep it.
filter() {
	tui_keys "$1" Escape /
	tui_type "$1" "$2"
	tui_keys "$1" Enter
}
filter A 'status:failed'
tui_expect A 'filter "status:failed": 2 of 6$' "status:failed: 2 of 6"
expect_order A "w-auth w-down" "status:failed shows the failed ones"
filter A 'status:ok'
tui_expect A 'filter "status:ok": 3 of 6$' "status:ok: 3 of 6"
expect_order A "m-expired m-ok w-fine" "status:ok shows the ok ones"
filter A 'status:untested'
expect_order A "m-never" "status:untested shows the one never tested"
filter A 'cert<30'
tui_expect A 'filter "cert<30": 2 of 6$' "cert<30: 2 of 6"
expect_order A "m-expired w-auth" "cert<30: expired and 12 days left, not unknown"
filter A 'untested>7d'
expect_order A "m-expired m-never w-down" "untested>7d: tested 8 and 10 days ago, or never"
filter A 'group:web'
expect_order A "w-auth w-down w-fine" "group:web: that group"
tui_expect_not A 'mail \(' "no other group's heading"
filter A 'status:failed cert<30'
expect_order A "w-auth" "two terms together: each must hold"
filter A 'example.net untested>7d'
tui_expect A 'filter "example.net untested>7d": 2 of 6$' "plain text with a term: 2 of 6"
expect_order A "m-expired m-never" "plain text (the address) with untested>7d"
filter A 'W-D'
expect_order A "w-down" "plain text alone keeps its meaning (name, any case)"
filter A 'cert<soon'
tui_expect A 'cert< needs a number of days: cert<soon' "a term that does not parse says why"
tui_keys A Escape
tui_expect A '6 profiles$' "Esc clears the filter"
expect_order A "m-expired m-never m-ok w-auth w-down w-fine" "every row is back"

# --- sorting ----------------------------------------------------------------------
tui_keys A Home Down Down
tui_expect_cursor A 'm-never ' "the cursor is on m-never"
tui_keys A s
tui_expect A 'by result \| 6 profiles$' "s: the title says by result"
tui_expect A 'sorted by result within each group \(failed first\)' "and the status line says how"
expect_order A "m-never m-expired m-ok w-auth w-down w-fine" "failed first, then never tested, then ok, within each group"
tui_expect_cursor A 'm-never ' "the cursor stays on m-never"
tui_keys A s
tui_expect A 'by cert days \| 6 profiles$' "s again: by cert days"
expect_order A "m-expired m-ok m-never w-auth w-fine w-down" "soonest certificate end first, unknown last"
tui_expect_cursor A 'm-never ' "the cursor follows m-never to its new row"
tui_keys A s
tui_expect A 'by test age \| 6 profiles$' "s again: by test age"
expect_order A "m-never m-expired m-ok w-down w-auth w-fine" "never tested first, then the oldest test"
# A sort and a filter together.
filter A 'cert<1000'
tui_expect A 'by test age \| filter "cert<1000": 4 of 6$' "the title names sort and filter"
expect_order A "m-expired m-ok w-auth w-fine" "the filtered rows in the sort's order"
tui_keys A Escape s
tui_expect A ' 6 profiles$' "s again: back to by name"
tui_expect_not A 'by (result|cert days|test age)' "the title names no sort"
expect_order A "m-expired m-never m-ok w-auth w-down w-fine" "by name again"

# --- help -----------------------------------------------------------------------------
tui_keys A '?'
tui_wait A 'popconn help'
tui_keys A NPage
tui_expect A 's +sort within each group' "the help names s"
tui_expect A 'status:failed +the last test failed' "the help lists the filter terms"
tui_expect A 'cert<30 +the certificate has under 30 days left' "cert<30 in the help"
tui_keys A Escape
tui_expect A '6 profiles$' "Esc leaves the help"
tui_keys A q
tui_expect A '\[popconn exit 0\]' "q quits with status 0"

# --- wider -----------------------------------------------------------------------------
tui_start B 120 30
tui_wait B 'web \(3\)'
tui_expect B '^   w-auth +w-auth\.example\.com +995 ssl +12d auth_failed 3d *$' "at 120 columns the row reads the same, wider"
finish
