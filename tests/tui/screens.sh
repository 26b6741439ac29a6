#!/usr/bin/env bash
# tests/tui/screens.sh POPCONN - screens that used to keep or hide
# something: the "needs 80x24" screen quits on q and ^C; an editor error
# goes once the saved value is typed back; the saved trace's path expands
# "~" and the status line shows the full path; a preset's note shows; Tab
# passes over TLS versions that cannot be ticked; the help's colour legend
# is drawn in the colours it explains; ^O shows the recent messages.
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

# --- Tab passes over the TLS versions the library cannot do ------------------------
tui_keys E Tab Tab
tui_expect E '^ none, ssl \(POP3S' "on the cryptographic protocol"
tui_keys E Tab
tui_expect E '^ Versions the server may use' "Tab lands on a version that can be ticked"
tui_expect_not E '^ unavailable:' "not on an unavailable one"
tui_keys E BTab
tui_expect E '^ none, ssl \(POP3S' "Shift-Tab goes back over them"
tui_keys E Tab Left
tui_expect E '^ unavailable:' "Left still reaches an unavailable one, which says why"
tui_keys E Escape q
tui_expect E '\[popconn exit 0\]' "q quits with status 0"

# --- a preset's note shows when it is chosen (as the CLI prints it) ----------------
tui_start P 80 24
tui_wait P 'east-1'
tui_keys P n
tui_expect P 'New profile: start from' "n offers the presets"
tui_keys P Down Enter
tui_expect P 'New profile' "Office 365 opens the editor"
tui_expect P 'Office 365: Microsoft 365 needs OAuth2' "with the preset's note"

# --- ^O shows the recent messages in full ------------------------------------------
tui_keys P Escape
tui_wait P 'e edit'
tui_keys P C-o
tui_expect P 'Recent messages \(newest last\)' "^O opens the recent messages"
tui_expect P '^ [0-9:]{8} Office 365: Microsoft 365 needs OAuth2' "the preset note is there, with its time"
tui_expect P '^ +run popconn oauth login \(docs/oauth\.md\)\.$' "in full (wrapped, not cut)"
tui_keys P Escape '?'
tui_expect P '\^O +the recent messages in full' "the help names ^O"
tui_keys P Escape
tui_keys P q
tui_expect P '\[popconn exit 0\]' "q quits with status 0"

# --- the trace is saved where the path says: ~ expanded, the full path shown --------
mkdir -p "$TUI_T/home"
tui_start S 80 24 HOME=$TUI_T/home
tui_wait S 'east-1'
tui_keys S t
tui_expect S 'Result: ' "t runs a test logon" 20
tui_keys S s
tui_expect S 'Write the trace to the file:' "s asks for a path"
tui_keys S C-u
tui_type S '~/t1.txt'
tui_keys S Enter
tui_expect S "trace saved to $TUI_T/home/t1\.txt" "~/ is the home directory, and the message says so"
expect_eq "$(head -1 "$TUI_T/home/t1.txt" 2>&1)" "popconn test logon trace: east-1" "the file is there"
tui_keys S s C-u
tui_type S 'rel.txt'
tui_keys S Enter
tui_expect S "trace saved to $TUI_T/rel\.txt" "a relative path is shown in full"
expect_eq "$(head -1 "$TUI_T/rel.txt" 2>&1)" "popconn test logon trace: east-1" "the relative file is there"

# --- the help shows the trace's colours in those colours ---------------------------
tui_keys S '?'
tui_expect S 'The trace in its colours' "? in the test pane shows the colour legend"
legend() {
	tx capture-pane -p -e -t S | grep -E -- "$1" | grep -qE $'\e\\[[0-9;]*'"$2"$'m[^\e]*'"$3"
}
for c in 'what popconn sent|36' 'what the server answered|32' \
	'network and TLS steps|35' 'result: \.\.\. +errors|31'; do
	IFS='|' read -r text code <<<"$c"
	if legend "$text" "$code" "$text"; then
		ok "legend: \"$text\" is drawn in colour $code, as in the trace"
	else
		not_ok "legend: \"$text\" is drawn in colour $code, as in the trace" \
			"$(tx capture-pane -p -e -t S | grep -F -- "$text" | cat -v)"
	fi
done
tui_keys S Escape Escape q
tui_expect S '\[popconn exit 0\]' "q quits with status 0"
finish
