#!/usr/bin/env bash
# tests/tui/token.sh POPCONN - the terminal UI answers keys while an OAuth2
# token command runs: the command waits until the test has seen the
# screen react to a key (a file it creates then), so a UI that ran the
# command to its end before taking keys would show nothing until the
# command timed out.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"

G=$TUI_T/go
pc add slowtoken address=127.0.0.1 port=1 security=none timeout=30 \
	auth=xoauth2 allow_plaintext=yes \
	"oauth_token_cmd=echo \$\$ > $TUI_T/started.tmp; mv $TUI_T/started.tmp $TUI_T/started; while [ ! -e $G ]; do sleep 0.05; done; echo tok" >/dev/null

tui_start A
tui_expect A 'slowtoken' "the profile is listed"
tui_keys A Home Down
tui_wait A 'slowtoken' 3
tui_keys A t
tui_expect A 'running' "the test starts"
for i in $(seq 200); do [ -e "$TUI_T/started" ] && break; sleep 0.05; done
[ -e "$TUI_T/started" ] && ok "the token command runs" || not_ok "the token command runs"
tui_keys A s
tui_expect A 'file:' "a key works while the token command runs (the save prompt opens)"
# ...and the command was still waiting then (not ended by its timeout).
pid=$(cat "$TUI_T/started" 2>/dev/null)
state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
if [ -n "$pid" ] && [ -n "$state" ] && [ "$state" != Z ]; then
	ok "the token command was still running when the key was answered"
else
	not_ok "the token command was still running when the key was answered" "pid '$pid' state '$state'"
fi
tui_keys A Escape
tui_gone A 'file:' 3
touch "$G"
tui_expect A 'Result: connect_refused' "after the token, the test goes on (port 1: connect_refused)" 15
tui_keys A Escape
tui_keys A q
tui_expect A 'popconn exit 0' "popconn quits"
finish
