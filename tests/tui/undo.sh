#!/usr/bin/env bash
# tests/tui/undo.sh POPCONN - u in the list: the dialog says what it will
# undo (the change's ID, the fields, how many profiles and which); Keep
# keeps; a refused undo (a profile changed since) names that profile once,
# in full, even when the name is too long for the status line; y undoes
# the change and says which; a second u says at once that there is nothing
# to undo, without a dialog.  Bulk changes are made with the CLI and
# checked with it.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"

LONG=north-branch-office-pop3-account-with-a-long-name
for n in a1 a2 "$LONG"; do
	pc add "$n" group=team address=pop.example.com >/dev/null
done
pc add b1 group=other address=pop.example.com >/dev/null
field() { pc show "$1" --json | sed -n "s/^ *\"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p"; }
# occurrences TEXT: how often the screen holds the fixed text.
occurrences() { tui_screen A | grep -oF -- "$1" | wc -l; }
# The text of the open dialog, its wrapped lines joined by one space.
dialog() {
	tui_screen A | sed -n 's/^ *│ \(.*[^ ]\) *│ *$/\1/p' | tr '\n' ' ' |
	    tr -s ' '
}
dialog_has() { grep -qE -- "$1" <<<"$(dialog)"; }
# expect_dialog PATTERN WHAT: the dialog's text matches (waits for it).
expect_dialog() {
	if wait_until 3 dialog_has "$1"; then ok "$2"; else not_ok "$2" "dialog lacks /$1/: $(dialog)"; fi
}

run pc bulk-set --group team timeout=60
expect_out 'bulk change #1' "the CLI made bulk change #1"

tui_start A
tui_wait A 'team \(3\)'
tui_keys A u
tui_expect A 'Undo bulk change #1 ' "u: the dialog names the change by its ID"
expect_dialog '^Undo bulk change #1 \(.*\): timeout on 3 profiles \(a1, a2, north-branch-office-pop3-account-with-a-long-name\)\? Every field it changed gets its previous value back\. \[y\] Undo \[n\] Keep $' "u: the dialog says which field, how many profiles and which"
tui_keys A n
tui_gone A 'Undo bulk change' || true
tui_expect_not A 'Undo bulk change' "Keep closes the dialog"
expect_eq "$(field a1 timeout)" 60 "Keep keeps the change (CLI)"

# A profile changed since: refused at once, the long name whole, once.
pc set "$LONG" timeout=61 >/dev/null
tui_keys A u
tui_expect A 'Cannot undo' "u after a change since: refused at once"
expect_dialog "^cannot undo bulk change #1: profile '$LONG' was changed by .* \\(set\\) after it; nothing was undone \\[o\\] OK \$" "the refusal says which profile, who changed it, and that nothing was undone"
expect_eq "$(occurrences "$LONG")" 1 "the screen names the changed profile once, in full"
tui_expect A 'cannot undo bulk change #1: 1 profile changed since; nothing was undone' "the status line counts without naming it again"
expect_eq "$(occurrences "'a1'")" 0 "the refusal does not name a profile unchanged since"
tui_keys A Enter
tui_gone A 'Cannot undo' || true
tui_expect_not A 'Cannot undo' "Enter closes the refusal"
expect_eq "$(field a1 timeout)" 60 "the refused undo wrote nothing (CLI)"

# Another change, undone from the list; then nothing to undo.
run pc bulk-set --group team port=2995
expect_out 'bulk change #2' "the CLI made bulk change #2"
tui_keys A u
tui_expect A 'Undo bulk change #2 ' "u: the dialog offers the last change, #2"
expect_dialog ': port on 3 profiles ' "u: with its field"
tui_keys A y
tui_expect A 'undid bulk change #2: 3 profiles restored' "y undoes it and says which"
for n in a1 a2 "$LONG"; do
	expect_eq "$(field "$n" port)" 995 "$n's port restored (CLI)"
done
tui_keys A u
tui_expect A 'the last bulk change \(#2\) was undone already; there is nothing to undo' "a second u says at once there is nothing to undo"
tui_expect_not A 'Undo bulk change' "a second u opens no dialog"
run pc history a1 --limit 1
expect_out 'undo +a1 +#2 port: 2995 -> 995' "the undo is in the audit log with the change's ID"

tui_keys A q
finish
