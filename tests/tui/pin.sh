#!/usr/bin/env bash
# tests/tui/pin.sh POPCONN - the test pane after a refused certificate and
# the pane's test history, against the real Dovecot with a certificate from
# an unknown CA (tests/integ/servers.sh, dovecot-untrusted):
# - after cert_untrusted the key bar offers "p pin cert"; p opens a dialog
#   that shows the whole SHA-256 fingerprint (the one openssl computed when
#   the certificate was made) and what pinning means; n writes nothing; y
#   saves tls_verify=pin with that fingerprint (show --json), and the next
#   test passes with the pin verified; the key bar no longer offers p;
# - a profile another program changed after the test read it (its own pin)
#   is a conflict: nothing written, their pin kept; "test their version"
#   tests what is stored (cert_pin_mismatch, where p does not apply);
# - a test of unsaved values (^T in the editor) writes nothing and says so;
# - the last results of the profile show below the result where rows are
#   free, and h lists them all (when, result, elapsed, method).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"
SRV=$TUI_T/servers

stop_all() {
	[ -d "$SRV" ] && bash "$here/../integ/servers.sh" stop "$SRV" >/dev/null 2>&1
	tui_cleanup
}
trap stop_all EXIT

# Dovecot's mail processes (other users) must reach the directory.
chmod 711 "$TUI_T"
mkdir -p "$SRV"
POPCONN_SERVERS_ONLY="dovecot-untrusted" \
	bash "$here/../integ/servers.sh" start "$SRV" >"$TUI_T/servers.log" 2>&1 || {
	not_ok "the test servers start" "$(tail -5 "$TUI_T/servers.log")"
	finish
	exit 1
}
eval "$(bash "$here/../integ/servers.sh" env "$SRV")"

# The fingerprint as popconn shows it: upper case, colon-separated.
colons() { sed 's/../&:/g; s/:$//' <<<"${1^^}"; }
FP=$(colons "$POP3_UNTRUSTED_SHA256")
FP1=${FP:0:47} FP2=${FP:48}
OTHER=$(colons "$POP3_UNTRUSTED_CA_SHA256")

for n in pinme other; do
	pc add "$n" group=pin address=localhost port="$POP3S_UNTRUSTED_PORT" \
		security=ssl username="$TEST_USER" >/dev/null
	printf '%s\n' "$TEST_PASS" | pc set "$n" password=- >/dev/null
done

tui_start A 80 24
tui_wait A 'pin \(2\)'
tui_keys A Home Down Down
tui_expect_cursor A 'pinme .*not tested' "the cursor is on pinme"
tui_keys A t
tui_expect A 'Result: cert_untrusted' "the untrusted certificate is refused" 15
tui_expect A ' p pin cert ' "the key bar offers p after cert_untrusted"
tui_keys A p
tui_expect A 'Pin certificate' "p opens the pin dialog"
tui_expect A "│ +$FP1 +│" "the dialog shows the fingerprint's first half"
tui_expect A "│ +$FP2 +│" "and its second half: the fingerprint whole"
tui_expect A 'cert_pin_mismatch' "the dialog says what a renewal does"
tui_expect A 'host name are no longer' "and that chain and name are no longer checked"
tui_keys A n
tui_expect A 'not pinned; nothing was written' "n pins nothing"
run pc show pinme --json
expect_out '"tls_verify": "full"' "after n the profile still verifies fully"
tui_keys A p
tui_expect A 'Pin certificate' "p asks again"
tui_keys A y
tui_expect A 'pinned: pinme now accepts only' "y pins"
run pc show pinme --json
expect_out '"tls_verify": "pin"' "show --json: tls_verify is pin"
expect_out "\"tls_pin\": \"$FP\"" "show --json: tls_pin is the fingerprint shown"
tui_expect_not A ' p pin cert ' "the key bar no longer offers p"
tui_keys A r
tui_expect A 'passed in' "the next test passes" 15
tui_expect A 'pinned SHA-256 fingerprint matches' "with the pin verified"
tui_expect_not A ' p pin cert ' "no p after a test that passed"

# The pane's history: at 80x24 the pinned result fills the rows, h lists
# every result; a taller terminal shows the last results below it.
tui_keys A h
tui_expect A 'Test results of pinme \(2, newest first\)' "h lists the profile's results"
tui_expect A '^ *[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}  ok +[0-9.]+m?s +(PLAIN|LOGIN|USER|SCRAM-SHA-256) +TLSv1\.[23]' \
	"the newest: ok with its elapsed time, method and TLS version"
tui_expect A '^ *[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}  cert_untrusted at tls +[0-9.]+m?s +-$' \
	"then cert_untrusted at tls, no method"
if tui_screen A | grep -nE ' ok | cert_untrusted ' | head -1 | grep -q ' ok '; then
	ok "newest first"
else
	not_ok "newest first" "$(tui_screen A)"
fi
tui_keys A Escape
tui_expect A 'Test logon: pinme' "Esc closes the list"
tui_keys A Escape
tui_expect A 'pinme .*ok' "the list shows pinme ok"

# A profile changed by another program after the test read it.
tui_keys A Up
tui_expect_cursor A 'other .*not tested' "the cursor is on other"
tui_keys A t
tui_expect A 'Result: cert_untrusted' "other is refused too" 15
pc set other tls_verify=pin tls_pin="$OTHER" >/dev/null
tui_keys A p y
tui_expect A 'Pin conflict' "a profile changed since the test is a conflict"
tui_expect A 'Nothing was pinned' "the dialog says nothing was pinned"
run pc show other --json
expect_out "\"tls_pin\": \"$OTHER\"" "their pin is kept"
tui_keys A c
tui_expect A 'not pinned; nothing was written' "cancel writes nothing"
tui_keys A p y
tui_expect A 'Pin conflict' "asking again is a conflict again"
tui_keys A r
tui_expect A 'Result: cert_pin_mismatch' "their version is tested: their pin does not match" 15
tui_expect_not A ' p pin cert ' "p does not apply to cert_pin_mismatch"
run pc show other --json
expect_out "\"tls_pin\": \"$OTHER\"" "their pin is still kept"
tui_keys A Escape

# ^T in the editor tests unsaved values: nothing is written.
pc set other tls_verify=full >/dev/null
tui_expect A 'other .*cert_pin_mismatch' "the list shows other"
tui_keys A Enter
tui_expect A 'Edit profile: other' "the editor of other"
tui_keys A Tab Tab
tui_keys A C-u
tui_type A 17
tui_keys A C-t
tui_expect A 'Result: cert_untrusted' "the unsaved values are refused" 15
before=$(pc show other --json)
tui_keys A p
tui_expect A 'not pinned: this test ran on values that are not saved' "p on unsaved values says so"
tui_expect_not A 'Pin certificate' "and asks nothing"
expect_eq "$(pc show other --json)" "$before" "the database is unchanged"
tui_keys A h
tui_expect A 'no history: this test ran on values' "h on unsaved values says so"
tui_keys A Escape Escape
tui_expect A 'Unsaved changes' "the edit is still unsaved"
tui_keys A d
tui_expect A 'other .*cert_pin_mismatch' "back in the list"
tui_keys A q
tui_expect A '\[popconn exit 0\]' "q quits"

# A taller terminal: the last results below the result.
tui_start B 80 32
tui_wait B 'pin \(2\)'
tui_keys B Home Down Down
tui_expect_cursor B 'pinme' "B: the cursor is on pinme"
tui_keys B t
tui_expect B 'passed in' "B: pinme passes" 15
tui_expect B 'Last results of this profile \(h shows them all\):' "the last results are shown"
rows=$(tui_screen B | sed -n '/Last results of this profile/,$p' | grep -cE '^ +[0-9]{2}-[0-9]{2} [0-9:]{5}  (ok|cert_untrusted)')
expect_eq "$rows" 3 "three results below it: ok, ok, cert_untrusted"
tui_expect B '[0-9:]{5}  cert_untrusted at tls ' "the failure with its step"
tui_keys B Escape q
tui_expect B '\[popconn exit 0\]' "B: q quits"
finish
