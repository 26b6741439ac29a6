#!/usr/bin/env bash
# tests/tui/create.sh POPCONN - create a profile from a preset through the
# form (n, pick Gmail, type name, group, user, password, ^S) and find it
# with "popconn show"; the password is masked on screen and never shown.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"

tui_start A
tui_expect A 'No connection profiles yet' "an empty database says how to start"
tui_result A list_empty
tui_keys A n
tui_expect A 'New profile: start from' "n offers the presets"
tui_expect A 'Gmail +pop.gmail.com +995 ssl' "the preset menu shows address, port, security"
tui_expect A 'iCloud.*no POP3' "iCloud is shown as having no POP3"
tui_result A presets_menu
# Type-ahead: letters jump to the first label they start (any case).
tui_type A 'gmx'
tui_expect_cursor A 'GMX +pop\.gmx\.net' "typing gmx jumps to GMX"
tui_expect A 'jump: gmx_' "the footer shows what was typed"
tui_keys A Escape
tui_gone A 'New profile: start from' 3 || true
tui_keys A n
tui_type A 'Gm'
tui_expect_cursor A 'Gmail +pop\.gmail\.com' "typing Gm jumps to Gmail"
tui_keys A Enter
tui_expect A 'New profile' "Enter on Gmail opens the editor"
tui_type A 'work-gmail'
tui_keys A Tab
tui_type A 'Mail'
tui_keys A Tab
tui_expect A 'New profile: work-gmail' "the title follows the name"
tui_keys A PgDn
tui_expect A 'Address +pop.gmail.com' "the preset filled the address"
tui_expect A 'Port +995' "the preset filled the port"
tui_expect A 'Cryptographic protocol +SSL' "the preset chose SSL"
tui_keys A Tab Tab
tui_type A 'alice@gmail.com'
tui_keys A Tab
tui_type A 'S3cret-pw'
tui_expect A 'Password +\*{9}' "the password is masked"
tui_expect_not A 'S3cret-pw' "the password is not shown"
tui_result A edit_connection
tui_keys A C-s
tui_expect A 'created "work-gmail"' "^S saves"
tui_expect A 'saved *$' "the title says saved"
tui_keys A Escape
tui_expect A 'work-gmail +pop.gmail.com +995 ssl' "the list shows the new profile"
tui_expect A 'Mail \(1\)' "under its group heading"

run pc show work-gmail --json
expect_rc 0 "popconn show finds it"
expect_out '"address": "pop.gmail.com"' "address from the preset"
expect_out '"port": 995' "port from the preset"
expect_out '"security": "ssl"' "security from the preset"
expect_out '"group": "Mail"' "group typed in the form"
expect_out '"username": "alice@gmail.com"' "username typed in the form"
expect_out '"password_set": true' "the password was stored"
expect_no 'S3cret-pw' "show does not print it"

# Delete asks first; "Keep" keeps, "Delete" deletes.
pc add second group=Mail address=pop.example.org >/dev/null
tui_expect A 'second +pop.example.org' "a profile added by the CLI appears" 8
tui_keys A End d
tui_expect A 'Delete the profile "work-gmail"' "d asks before deleting"
tui_keys A n
tui_expect A 'work-gmail' "Keep keeps it"
run pc show work-gmail
expect_rc 0 "still there (CLI)"
tui_keys A d y
tui_expect A 'deleted work-gmail' "y deletes it"
run pc show work-gmail
expect_rc 3 "gone (CLI)"
tui_keys A u
tui_expect A 'there is no bulk change to undo' "u with nothing to undo says so at once"
tui_expect_not A 'Undo bulk change' "u with nothing to undo asks nothing"

# The unavailable TLS versions say why.  Tab passes over them (from the
# protocol to TLS 1.1); Left reaches them.
tui_keys A Enter C-n Tab Tab Tab Tab Tab Left Left Left
tui_expect A 'unavailable: SSL 2\.0 is broken' "the status line gives the reason for SSL 2"
tui_keys A Space
tui_expect A '\[-\] SSL version 2' "an unavailable version cannot be ticked"
tui_keys A Escape

tui_keys A q
tui_expect A '\[popconn exit 0\]' "q quits with status 0"
finish
