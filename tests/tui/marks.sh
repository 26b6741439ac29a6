#!/usr/bin/env bash
# tests/tui/marks.sh POPCONN - marks hidden by a filter never act silently
# (PRODUCT.md section 3): east-1 is marked, the filter "px" hides it, px1
# is marked on screen.  d, b and t then say how many marked profiles the
# filter hides, list them, and act on the shown ones only (s), on all (a),
# or on none (n, Esc).  Without a filter the marked set acts as before.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"

# Profiles nothing can reach: a test of them ends at once (port 1 closed).
fresh() {
	local n
	for n in east-1 px1 px2; do
		pc rm "$n" >/dev/null 2>&1
	done
	pc add east-1 group=east address=127.0.0.1 port=1 security=none >/dev/null
	pc add px1 group=west address=127.0.0.1 port=1 security=none >/dev/null
	pc add px2 group=west address=127.0.0.1 port=1 security=none >/dev/null
}
exists() { pc show "$1" >/dev/null 2>&1 && echo yes || echo no; }

# setup NAME: a session with east-1 marked, the filter px, px1 marked.
setup() {
	fresh
	tui_start "$1" 80 24
	tui_wait "$1" 'px2'
	# Rows: east, east-1, west, px1, px2; the cursor starts on east-1.
	tui_keys "$1" Space
	tui_expect "$1" 'marked 1$' "$1: east-1 marked"
	tui_keys "$1" /
	tui_type "$1" px
	tui_keys "$1" Enter
	tui_expect "$1" 'filter "px": 2 of 3 \| marked 1$' "$1: the filter hides east-1"
	tui_expect_not "$1" 'east-1' "$1: east-1 is not on screen"
	tui_keys "$1" Home Down Space
	tui_expect "$1" 'marked 2$' "$1: px1 marked too"
}

# ask NAME KEY WHAT: the dialog KEY opens over the filtered list.
ask() {
	tui_keys "$1" "$2"
	tui_expect "$1" "$3: 1 marked profile hidden" "$1: $2 says a marked profile is hidden"
	tui_expect "$1" 'the filter "px" hides 1 of' "$1: $2 names the filter and the count"
	tui_expect "$1" 'Shown \(1\): px1' "$1: $2 lists the shown one"
	tui_expect "$1" 'Hidden \(1\): east-1' "$1: $2 lists the hidden one"
}

# --- delete ---------------------------------------------------------------------
setup D
ask D d Delete
tui_expect D '\[n\] Keep +\[s\] Delete 1 shown +\[a\] Delete all 2' "delete offers keep, shown, all"
tui_keys D s
tui_expect D 'deleted 1 profile; 1 marked profile the filter hides kept' "s deletes the shown one only"
expect_eq "$(exists px1)/$(exists east-1)/$(exists px2)" "no/yes/yes" "px1 gone, east-1 and px2 kept (CLI)"
tui_expect D 'marked 1$' "east-1 is still marked"
tui_keys D q

setup A
ask A d Delete
tui_keys A a
tui_expect A 'deleted 2 profiles$' "a deletes all the marked"
expect_eq "$(exists px1)/$(exists east-1)/$(exists px2)" "no/no/yes" "px1 and east-1 gone, px2 kept (CLI)"
tui_keys A q

setup C
ask C d Delete
tui_keys C n
tui_expect C 'nothing deleted' "n deletes nothing"
tui_keys C d
tui_expect C 'Delete: 1 marked profile hidden' "d asks again"
tui_keys C Escape
tui_expect C 'nothing deleted' "Esc deletes nothing"
expect_eq "$(exists px1)/$(exists east-1)/$(exists px2)" "yes/yes/yes" "all three kept (CLI)"
tui_expect C 'marked 2$' "both still marked"

# --- bulk edit -------------------------------------------------------------------
ask C b 'Bulk edit'
tui_expect C '\[s\] 1 shown +\[a\] All 2 +\[n\] Cancel' "bulk edit offers shown, all, cancel"
tui_keys C s
tui_expect C 'Bulk edit: 1 marked profile' "s edits the shown one only"
tui_keys C Escape
tui_wait C 'marked 2$'
ask C b 'Bulk edit'
tui_keys C a
tui_expect C 'Bulk edit: 2 marked profiles' "a edits all the marked"
tui_keys C Escape
tui_wait C 'marked 2$'
ask C b 'Bulk edit'
tui_keys C n
tui_expect C 'marked 2$' "n goes back to the list"
tui_expect_not C 'Bulk edit' "n opens no bulk edit"

# --- test marked -----------------------------------------------------------------
ask C t Test
tui_keys C s
tui_expect C 'Test 1 marked profile' "s tests the shown one only"
tui_expect C '1/1 done' "the one test finishes" 20
tui_expect_not C 'east-1' "east-1 is not tested"
tui_keys C Escape
tui_wait C 'marked 2$'
ask C t Test
tui_keys C a
tui_expect C 'Test 2 marked profiles' "a tests all the marked"
tui_expect C '2/2 done' "both tests finish" 20
tui_expect C 'east-1' "east-1 is tested"
tui_keys C Escape
tui_wait C 'marked 2$'
ask C t Test
tui_keys C Escape
tui_expect C 'marked 2$' "Esc goes back to the list"
tui_expect_not C 'Test [0-9]' "Esc tests nothing"

# --- no filter: no question about hidden marks --------------------------------------
tui_keys C Escape
tui_expect C '3 profiles \| marked 2$' "Esc clears the filter, the marks stay"
tui_keys C d
tui_expect C 'Delete the 2 marked profiles \(east-1, px1\)\?' "without a filter d asks as before, naming them"
tui_keys C y
tui_expect C 'deleted 2 profiles$' "y deletes both"
expect_eq "$(exists px1)/$(exists east-1)/$(exists px2)" "no/no/yes" "both gone (CLI)"
tui_keys C q
tui_expect C '\[popconn exit 0\]' "q quits with status 0"
finish
