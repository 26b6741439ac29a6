#!/usr/bin/env bash
# tests/tui/codepage.sh POPCONN - the label beside the editor's code page
# field follows what is typed, before the field is left (issue 12 item 1:
# it used to show "Unicode (UTF-8)" for 1251 until Tab), by number and by
# name; text that names no code page says so; leaving the field keeps the
# label of the value taken, and a bad value keeps "unknown code page"
# beside its error.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"

tui_start A
tui_wait A 'No connection profiles yet'
tui_keys A n Enter
tui_expect A 'New profile' "a blank new profile"
tui_expect A 'Code page +65001 +Unicode \(UTF-8\)' "a new profile starts in UTF-8"
tui_keys A Tab Tab Tab		# name group timeout -> code page
tui_keys A C-u
tui_type A '1251'
tui_expect A 'Code page +1251 +Cyrillic \(Windows\)' "typing 1251: the label says Cyrillic (Windows) at once"
tui_expect_not A 'Unicode \(UTF-8\)' "typing 1251: UTF-8 is no longer claimed"
tui_keys A BSpace
tui_expect A 'Code page +125 +unknown code page' "125 names no code page, and the label says so"
tui_type A '2'
tui_expect A 'Code page +1252 +Western European \(Windows\)' "1252: Western European (Windows)"
tui_keys A C-u
tui_type A 'koi8-r'
tui_expect A 'Code page +koi8-r +Cyrillic \(KOI8-R\)' "a name (koi8-r) is read as well"
tui_keys A Tab
tui_expect A 'Code page +20866 +Cyrillic \(KOI8-R\)' "left: the number of the page taken, same label"
tui_keys A Up C-u
tui_type A 'bogus'
tui_expect A 'Code page +bogus +unknown code page' "typing a bad name: unknown code page"
tui_keys A Tab
tui_expect A "unknown code page 'bogus'" "left with a bad name: its error is shown"
tui_expect A 'Code page +bogus +unknown code page' "left with a bad name: the label still says unknown"
tui_keys A Escape
tui_expect A 'Unsaved changes' "Esc asks about the unsaved profile"
tui_keys A d
tui_keys A q
tui_expect A '\[popconn exit 0\]' "q quits with status 0"
finish
