#!/usr/bin/env bash
# tests/tui/terminal.sh POPCONN - terminal manners: NO_COLOR (no colour
# escape reaches the terminal, colours otherwise), TERM=xterm,
# xterm-256color, screen, tmux-256color, linux and vt100 really in effect
# (the moving keys, Shift-Tab and an unused F12 on each), an ASCII locale (LANG=C), and the terminal given
# back on every way out: q, SIGTERM, SIGINT, SIGSEGV.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"

pc add plain group=demo address=pop.example.com >/dev/null
pc add insecure group=demo address=pop.example.net tls_verify=off >/dev/null

restored='\[tty icanon isig echo ixon \]|\[tty (isig |icanon |echo |ixon ){4}\]'

# --- colours ------------------------------------------------------------------
tui_start C 80 24
tui_wait C 'insecure'
if tx capture-pane -p -e -t C | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7])m'; then
	ok "colours are used by default"
else
	not_ok "colours are used by default" "no colour escape in the capture"
fi
tui_keys C q
tui_start N 80 24 NO_COLOR=1
tui_wait N 'insecure'
if tx capture-pane -p -e -t N | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7]|9[0-7]|10[0-7]|38;|48;)'; then
	not_ok "NO_COLOR: no colour escape" "$(tx capture-pane -p -e -t N | cat -v | head -5)"
else
	ok "NO_COLOR: no colour escape"
fi
if tx capture-pane -p -e -t N | grep -qE $'\e\\[(7|1)m'; then
	ok "NO_COLOR: the cursor row still stands out (reverse/bold)"
else
	not_ok "NO_COLOR: the cursor row still stands out (reverse/bold)"
fi
tui_expect N 'insecure +pop.example.net +995 ssl!' "certificate checks off show as a warning"
tui_keys N Enter PgDn
tui_expect N 'Cryptographic protocol' "NO_COLOR: the editor works"
tui_result N nocolor_edit
tui_keys N Escape q
tui_expect N '\[popconn exit 0\]' "NO_COLOR: q quits with status 0"

# --- terminal types -----------------------------------------------------------
# tmux gives every pane its default-terminal as TERM (a TERM passed with -e
# does not survive), so each type is set there, and the pane shows what is
# in effect, with what its terminfo entry says, before popconn starts.
# The keys are tmux's, whatever the entry says: vt100 defines no PgUp,
# PgDn, Home, End or Shift-Tab, linux another Shift-Tab, and F12 exists in
# none of the entries for vt100; none may ever read as Esc plus letters.
show_term='echo "[TERM=$TERM colors=$(tput colors) kpp=$(tput kpp >/dev/null'
show_term+=' 2>&1 && echo yes || echo no)] Enter starts popconn"; read -r _'
for term in xterm xterm-256color screen tmux-256color linux vt100; do
	case $term in
	vt100) colors=-1 kpp=no ;;
	linux | xterm | screen) colors=8 kpp=yes ;;
	*) colors=256 kpp=yes ;;
	esac
	tx set-option -g default-terminal "$term"
	TUI_PRE=$show_term tui_start "T$term" 80 24
	tui_expect "T$term" "^\\[TERM=$term colors=$colors kpp=$kpp\\]" \
		"TERM=$term is in effect in the pane (colours $colors, kpp $kpp)"
	tui_keys "T$term" Enter
	if ! tui_wait "T$term" 'demo \(2\)' 5; then
		not_ok "TERM=$term: the list shows" "$(tui_screen "T$term")"
		continue
	fi
	ok "TERM=$term: the list shows"
	tui_keys "T$term" End
	tui_expect_cursor "T$term" 'plain +pop\.example\.com +995' "TERM=$term: End goes to the last row"
	tui_keys "T$term" Home
	tui_expect "T$term" '^ group demo: 2 profiles' "TERM=$term: Home goes to the first row"
	tui_keys "T$term" NPage
	tui_expect_cursor "T$term" 'plain +pop\.example\.com +995' "TERM=$term: PgDn goes a page down"
	tui_keys "T$term" PPage
	tui_expect "T$term" '^ group demo: 2 profiles' "TERM=$term: PgUp goes a page up"
	tui_keys "T$term" Down Down Enter
	tui_expect "T$term" 'Edit profile: plain' "TERM=$term: Enter opens the editor"
	tui_keys "T$term" F12
	tui_expect "T$term" 'Name +plain$' "TERM=$term: F12 (no use here) types nothing"
	tui_expect_not "T$term" 'unsaved|\[24|24~' "TERM=$term: F12 leaves the editor clean"
	tui_keys "T$term" NPage
	tui_expect "T$term" 'Address +pop.example.com' "TERM=$term: PgDn switches tabs"
	tui_expect_not "T$term" 'Unsaved|unsaved|~' "TERM=$term: PgDn is not read as Esc"
	tui_keys "T$term" Tab
	tui_expect "T$term" '^ TCP port' "TERM=$term: Tab goes to the next field"
	tui_keys "T$term" BTab
	tui_expect "T$term" '^ DNS name or IP' "TERM=$term: Shift-Tab goes back"
	tui_keys "T$term" PPage
	tui_expect "T$term" '^ Unique name' "TERM=$term: PgUp switches back"
	tui_keys "T$term" C-n
	tui_expect "T$term" 'Address +pop.example.com' "TERM=$term: ^N switches tabs"
	tui_expect "T$term" 'Edit profile: plain +saved' "TERM=$term: nothing was typed"
	tui_keys "T$term" Escape
	tui_expect "T$term" 'e edit' "TERM=$term: Esc goes back"
	tui_keys "T$term" q
	tui_expect "T$term" '\[popconn exit 0\]' "TERM=$term: q quits with status 0"
	tui_expect "T$term" "$restored" "TERM=$term: the terminal modes are restored"
done
tx set-option -g default-terminal screen

# --- ASCII locale -------------------------------------------------------------
tui_start L 80 24 LANG=C LC_ALL=C
tui_wait L 'demo \(2\)'
tui_expect L '^ - demo \(2\)' "LANG=C: the group glyph is ASCII"
if tui_screen L | LC_ALL=C grep -q $'[\x80-\xff]'; then
	not_ok "LANG=C: only ASCII reaches the screen" "$(tui_screen L | LC_ALL=C grep $'[\x80-\xff]' | head -3)"
else
	ok "LANG=C: only ASCII reaches the screen"
fi
tui_keys L q
tui_expect L '\[popconn exit 0\]' "LANG=C: q quits with status 0"

# --- every way out restores the terminal ----------------------------------------
# The pane's shell runs popconn as its only child: signal exactly that pid.
child_of_pane() {
	local ppid
	ppid=$(tx display-message -p -t "$1" '#{pane_pid}')
	pgrep -P "$ppid" | head -1
}
for sig in TERM INT SEGV; do
	tui_start "S$sig" 80 24
	tui_wait "S$sig" 'demo \(2\)'
	tui_keys "S$sig" Down Enter
	tui_wait "S$sig" 'Edit profile'
	pid=$(child_of_pane "S$sig")
	if [ -z "$pid" ]; then
		not_ok "SIG$sig: found popconn's pid"
		continue
	fi
	kill -"$sig" "$pid"
	tui_expect "S$sig" "\\[popconn exit $((128 + $(kill -l "$sig")))\\]" "SIG$sig: popconn dies of the signal"
	tui_expect "S$sig" "$restored" "SIG$sig: the terminal modes are restored"
	if [ "$(tx display-message -p -t "S$sig" '#{alternate_on}')" = 0 ]; then
		ok "SIG$sig: the alternate screen is left"
	else
		not_ok "SIG$sig: the alternate screen is left"
	fi
done
finish
