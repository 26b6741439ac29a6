#!/usr/bin/env bash
# tests/tui/conflict.sh POPCONN - two people edit one profile at once (two
# tmux sessions on one database): A opens it, B saves a change, A saves ->
# the conflict is detected and offered as a choice; cancel keeps A's edit
# on screen and writes nothing; keep mine overwrites; take theirs loads the
# other version.  Nothing is silently overwritten.  What is stored is read
# back with `popconn show shared --json` and compared exactly.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"

run pc add shared address=pop.example.com group=start
expect_rc 0 "a profile to share"
tui_start A
tui_start B
tui_wait A 'shared'
tui_wait B 'shared'

tui_keys A Enter
tui_expect A 'Edit profile: shared' "A opens the profile"
tui_keys A Tab C-u
tui_type A 'fromA'
tui_keys B Enter
tui_expect B 'Edit profile: shared' "B opens the profile too"
tui_keys B Tab C-u
tui_type B 'fromB'
tui_keys B C-s
tui_expect B 'saved "shared"' "B saves first"
expect_stored shared group '"fromB"' "B's change is stored"

tui_keys A C-s
tui_expect A 'Edit conflict' "A's save over B's change is caught"
tui_expect A 'was changed by' "the dialog says who changed it"
tui_expect A '\[c\] Cancel +\[k\] Keep mine +\[t\] Take theirs' "and offers the choice"
tui_keys A c
tui_expect A 'not saved; your changes are still on screen' "cancel writes nothing"
tui_expect A 'Group +fromA' "A's value is still on screen"
expect_stored shared group '"fromB"' "B's change is still stored"

tui_keys A C-s
tui_expect A 'Edit conflict' "saving again asks again"
tui_keys A k
tui_expect A 'saved "shared"' "keep mine saves A's version"
expect_stored shared group '"fromA"' "A's change is stored"

# B still holds the old version: its next save conflicts too.
tui_keys B C-u
tui_type B 'fromB2'
tui_keys B C-s
tui_expect B 'Edit conflict' "B's stale save is caught as well"
tui_keys B t
tui_expect B 'loaded the other change' "take theirs loads A's version"
tui_expect B 'Group +fromA' "B's form shows A's value"
tui_expect B 'saved *$' "and nothing is unsaved"
expect_stored shared group '"fromA"' "take theirs wrote nothing"
# The audit log: B's save and A's keep mine, newest first, nothing more
# (cancel and take theirs wrote nothing).
run pc history shared
expect_eq "$(grep -E ' set ' <<<"$OUT" | sed -E 's/.* set +shared +//')" \
    "group: fromB -> fromA
group: start -> fromB" "the audit log holds exactly the two saves"

tui_keys B Escape
tui_expect B 'fromA \(1\)' "B closes without a question"
tui_keys A Escape q
tui_keys B q
tui_expect A '\[popconn exit 0\]' "A quits with status 0"
tui_expect B '\[popconn exit 0\]' "B quits with status 0"
finish
