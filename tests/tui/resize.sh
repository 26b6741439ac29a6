#!/usr/bin/env bash
# tests/tui/resize.sh POPCONN - the UI at 80x24 and 200x60 and resized at
# any moment: in the list, in the editor while typing (nothing typed is
# lost), with a dialog open, and below the 80x24 minimum (a message until
# the terminal grows again).  Screens are compared with results/ so that
# nothing is cut or garbled.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"

pc add short group=g1 address=mail.example.com >/dev/null
pc add a-rather-long-profile-name-for-testing group=g1 \
	address=pop3.a-very-long-host-name.subdomain.example.org >/dev/null
pc add third group=g2 address=10.1.2.3 security=none >/dev/null

# Every row: the last line is the key bar and no line is wider than cols.
check_frame() {
	local name=$1 cols=$2 rows=$3 scr n w
	scr=$(tui_screen "$name")
	n=$(printf '%s\n' "$scr" | wc -l)
	expect_eq "$n" "$rows" "$cols x $rows: $rows rows on screen"
	w=$(printf '%s\n' "$scr" | wc -L)
	if [ "$w" -le "$cols" ]; then
		ok "$cols x $rows: no line wider than $cols"
	else
		not_ok "$cols x $rows: no line wider than $cols" "widest $w"
	fi
	if printf '%s\n' "$scr" | tail -1 | grep -qE '\? help +q quit|\^G help +Esc'; then
		ok "$cols x $rows: the key bar is whole on the last row"
	else
		not_ok "$cols x $rows: the key bar is whole on the last row" "$(printf '%s\n' "$scr" | tail -1)"
	fi
}

# keybar_back NAME: the editor's key bar is on the last row.
keybar_back() { tui_screen "$1" | tail -1 | grep -q 'Esc close'; }

tui_start A 80 24
tui_wait A 'third'
check_frame A 80 24
tui_expect A 'a-rather-long-pro… pop3.a-very-long-h…' "long values end in an ellipsis at 80 columns"
tui_result A resize_list_80x24

tx resize-window -t A -x 200 -y 60
tui_wait A 'pop3.a-very-long-host-name.subdomain.example.org'
check_frame A 200 60
tui_expect A 'a-rather-long-profile-name-for-testing +pop3.a-very-long-host-name.subdomain.example.org' "at 200 columns long values show whole"
tui_expect A 'e edit  n new  t test' "a wide key bar spaces its keys"
tui_result A resize_list_200x60

# The editor, resized while typing.
tui_keys A End Enter
tui_expect A 'Edit profile: third' "the editor at 200x60"
tui_keys A Tab C-u
tui_type A 'typed-before'
tx resize-window -t A -x 80 -y 24
tui_wait A '^  Group +typed-before'
# The line above shows at both sizes: also wait for the key bar to be back
# on the last row of the smaller screen.
wait_until 5 keybar_back A || true
check_frame A 80 24
tui_type A '-after'
tui_expect A 'Group +typed-before-after' "text typed across a resize is kept"
tui_result A resize_edit_80x24

# Too small, then back.
tx resize-window -t A -x 60 -y 20
tui_expect A 'popconn needs 80x24' "below 80x24 a message says so"
tui_expect A 'this terminal is 60x20' "with the size"
tui_keys A q
tui_expect A 'unsaved changes: q again quits without saving' "q over unsaved changes asks for a second q"
tx resize-window -t A -x 80 -y 24
tui_expect A 'Group +typed-before-after' "back at 80x24 the editor is as it was"
tui_expect_not A 'popconn exit' "keys were ignored while too small"

# A dialog follows a resize.
tui_keys A Escape
tui_expect A 'Unsaved changes' "the unsaved-changes question"
tx resize-window -t A -x 120 -y 40
tui_wait A 'Keep editing'
wait_until 5 keybar_back A || true
check_frame A 120 40
tui_expect A '^ +│ \[n\] Keep editing +\[s\] Save +\[d\] Discard +│' "the dialog is whole after a resize"
tx resize-window -t A -x 80 -y 24
# Wait for the redraw at the new size (the dialog re-centred at 80x24), not
# just for the dialog, which was already on the screen before the resize.
tui_wait A '^       ┌─ Unsaved changes'
tui_result A resize_dialog_80x24
tui_keys A d
tui_expect A 'changes discarded' "the dialog still answers"
run pc show third --json
expect_out '"group": "g2"' "discarding wrote nothing"
tui_keys A q
tui_expect A '\[popconn exit 0\]' "q quits with status 0"
finish
