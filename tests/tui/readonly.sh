#!/usr/bin/env bash
# tests/tui/readonly.sh POPCONN - a database on a read-only mount (root
# ignores file modes, a read-only filesystem it does not): the TUI opens it
# for browsing and says so in the title; a save in the editor fails with a
# clear "read-only" message and the file stays exactly as it was.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"
[ "$(id -u)" = 0 ] || skip_test "needs root (mount)"
RO=$TUI_T/ro
mkdir -p "$RO"
mount -t tmpfs -o size=2m,mode=0700 tmpfs "$RO" ||
	skip_test "cannot mount a tmpfs"
ro_cleanup() {
	tmux -L "$TUI_SOCK" -f /dev/null kill-server 2>/dev/null
	umount "$RO" 2>/dev/null
	tui_cleanup
}
trap ro_cleanup EXIT
export POPCONN_DB=$RO/pc.db

run pc add shared address=pop.example.com group=start
expect_rc 0 "a profile on the mount"
mount -o remount,ro "$RO"
if touch "$RO/probe" 2>/dev/null; then not_ok "the mount refuses writes (setup)"; fi
before=$(sha256sum "$RO/pc.db")

tui_start A
tui_expect A 'popconn  .*pc\.db \(read-only\)' "the title says the database is read-only"
tui_expect A 'shared +pop\.example\.com' "the list is there to browse"
tui_keys A Enter
tui_expect A 'Edit profile: shared' "the editor opens"
tui_keys A Tab C-u
tui_type A 'changed'
tui_keys A C-s
tui_expect A 'not saved: the database is read-only \(opened for browsing\)' "a save says the database is read-only"
tui_expect A 'Group +changed' "the edit stays on screen"
tui_keys A Escape
tui_expect A 'Unsaved changes' "closing asks about the unsaved edit"
tui_keys A d
tui_keys A q
tui_wait A '\[popconn exit 0\]' 10
tui_expect A '\[popconn exit 0\]' "popconn exits normally"
expect_eq "$(sha256sum "$RO/pc.db")" "$before" "the database file is unchanged"
run pc show shared --json
expect_out '"group": "start"' "the stored value is the old one"

finish
