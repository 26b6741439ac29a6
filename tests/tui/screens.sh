#!/usr/bin/env bash
# tests/tui/screens.sh POPCONN - screens that used to keep or hide
# something: the "needs 80x24" screen quits on q and ^C; an editor error
# goes once the saved value is typed back.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"

pc add east-1 group=east address=pop.example.com >/dev/null

# --- too small: q and ^C quit ----------------------------------------------------
tui_start Q 60 20
tui_expect Q 'popconn needs 80x24' "below 80x24 a message says so"
tui_expect Q 'please enlarge it \(q quits\)' "and that q quits"
tui_keys Q q
tui_expect Q '\[popconn exit 0\]' "too small: q quits with status 0"
tui_start C 60 20
tui_wait C 'popconn needs 80x24'
tui_keys C C-c
tui_expect C '\[popconn exit 0\]' "too small: ^C quits with status 0"

# --- the editor drops an error when the saved value is typed back ----------------
tui_start E 80 24
tui_wait E 'east-1'
tui_keys E e NPage Tab C-u
tui_type E 70000
tui_keys E Tab
tui_expect E "'70000' is not a port number" "70000 is refused with a message"
tui_keys E BTab C-u
tui_type E 995
tui_keys E Tab
tui_expect E 'Port +995$' "the saved port is typed back"
tui_expect_not E "70000|! Port|Connection!" "the error is gone (field, message, tab)"
tui_expect E 'Edit profile: east-1 +saved$' "and the profile is unchanged"
tui_keys E Escape q
tui_expect E '\[popconn exit 0\]' "q quits with status 0"
finish
