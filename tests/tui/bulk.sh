#!/usr/bin/env bash
# tests/tui/bulk.sh POPCONN - bulk edit: a group heading's b edits every
# member (fields start unchanged, the preview lists every profile and
# field, y applies it as one change), checked with the CLI; u undoes it;
# the marked set (Space) works the same; a value that does not parse is
# refused before anything is written.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"

for n in a1 a2 a3; do
	pc add $n group=team address=$n.example.com >/dev/null
done
pc add b1 group=other address=b1.example.com >/dev/null
field() { pc show "$1" --json | sed -n "s/^ *\"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p"; }

tui_start A
tui_wait A 'team \(3\)'
tui_keys A Down
tui_expect A 'group team: 3 profiles' "the cursor is on the team heading"
tui_keys A b
tui_expect A 'Bulk edit: group team \(3 profiles\)' "b on a heading edits the group"
tui_expect A 'Group +\(unchanged\)' "fields start unchanged"
tui_expect A '0 fields to change' "nothing to change yet"
tui_keys A C-s
tui_expect A 'nothing to change' "an empty bulk edit is refused"
tui_keys A PgDn Tab
tui_type A '2995'
tui_keys A Tab Tab Tab Right Right Right
tui_expect A 'Port +2995' "a port typed for all"
tui_expect A 'Cryptographic protocol +TLS' "security picked for all"
tui_expect A '2 fields to change' "two fields to change"
tui_result A bulk_form
tui_keys A C-s
tui_expect A 'Bulk edit preview' "^S shows the preview"
tui_expect A 'preview: group team \(3 profiles\)' "the preview names the group"
tui_expect A '^ 3 profiles will change \(6 field changes\)' "the preview counts profiles and changes"
for n in a1 a2 a3; do
	tui_expect A "^ $n\$" "the preview lists $n"
done
tui_expect A 'port +995 . 2995' "the preview shows the port change"
tui_expect A 'security +ssl . tls' "the preview shows the security change"
tui_expect_not A 'b1' "a profile of another group is not in it"
tui_result A bulk_preview
tui_keys A y
tui_expect A 'bulk change applied to 3 profiles' "y applies it"
for n in a1 a2 a3; do
	expect_eq "$(field $n port)/$(field $n security)" "2995/tls" "$n changed (CLI)"
done
expect_eq "$(field b1 port)/$(field b1 security)" "995/ssl" "b1 unchanged (CLI)"
tui_expect A 'a1 +a1.example.com +2995 tls' "the list shows the change"

tui_keys A u
tui_expect A 'Undo bulk change #1 ' "u asks before undoing, naming the change"
tui_keys A y
tui_expect A 'undid bulk change #1: 3 profiles restored' "undo restores"
for n in a1 a2 a3; do
	expect_eq "$(field $n port)/$(field $n security)" "995/ssl" "$n restored (CLI)"
done
run pc history a1
expect_out 'undo' "the undo is in the audit log"

# Marked profiles: b1 and a2.
tui_keys A Home Down Space
tui_expect A 'marked 1$' "Space marks a profile"
tui_keys A Down Down Space
tui_expect A 'marked 2$' "two marked"
tui_keys A b
tui_expect A 'Bulk edit: 2 marked profiles' "b edits the marked profiles"
tui_keys A Tab
tui_type A '0'
tui_keys A C-s
tui_expect A 'This change cannot be applied; nothing was written' "a bad value is refused"
tui_expect A "timeout: '0' is not a number of seconds" "with its message"
tui_keys A Escape
tui_expect A 'Bulk edit: 2 marked profiles' "Esc goes back to the form"
tui_keys A C-u
tui_type A '45'
tui_keys A C-s
tui_expect A '^ 2 profiles will change \(2 field changes\)' "the preview counts the marked profiles"
tui_expect A 'timeout +30 . 45' "the preview shows the timeout change"
tui_keys A y
tui_expect A 'bulk change applied to 2 profiles' "applied"
expect_eq "$(field b1 timeout) $(field a2 timeout)" "45 45" "the marked profiles changed (CLI)"
expect_eq "$(field a1 timeout) $(field a3 timeout)" "30 30" "the others did not (CLI)"

# Leaving a bulk edit with changes asks first.
tui_keys A b PgDn Tab
tui_type A '1234'
tui_keys A Escape
tui_expect A 'Leave without changing any profile' "Esc with changes asks"
tui_keys A d
tui_expect A 'e edit' "back in the list"
expect_eq "$(field b1 port)" "995" "leaving changed nothing"
tui_keys A q
tui_expect A '\[popconn exit 0\]' "q quits with status 0"
finish
