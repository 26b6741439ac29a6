# tests/tui/tuilib.sh - drive popconn's terminal UI inside tmux.  Sourced by
# the tests/tui/*.sh scripts (it is not a test itself):
#
#   . "$here/tuilib.sh" "$1"          # $1 = the popconn binary
#   tui_start A [COLS ROWS [VAR=VALUE ...]]   # a session running popconn
#   tui_wait A 'Edit profile'         # poll the screen for a pattern
#   tui_keys A C-s                    # tmux key names
#   tui_type A 'text'                 # literal text
#   tui_screen A                      # the screen as text
#   tui_expect A 'pattern' "what"     # ok/not_ok on the screen
#   tui_result A name                 # compare with results/name.result
#
# Every wait polls the screen for a condition until a deadline scaled by
# POPCONN_TEST_SLOW (tests/lib/assert.sh: 3 for an ASan build); nothing
# checks a screen after a fixed sleep alone.
# Every run has its own tmux server (a private socket, -f /dev/null), its
# own database and key file (POPCONN_DB, XDG_CONFIG_HOME under a temp
# directory), a fixed size, ESCDELAY=25 and LANG=C.UTF-8.  The trap kills
# the tmux server and removes the directory on every exit.  GENERATE=1
# rewrites the results instead of comparing: such a run verifies nothing
# and so ends with a failure (finish exits 1 and says so).
set -uo pipefail
TUI_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$TUI_HERE/../lib/assert.sh"
# assert.sh's run() leaves "set -e" on; a screen test goes on after a
# failed check, so run the command the same way without it.
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$@" >"$o" 2>"$e"
	RC=$?
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
}
PC=$(realpath "$1")
slow_factor "$PC"
TUI_GENERATED=0
TUI_T=$(mktemp -d)
TUI_SOCK=popconn$$
export POPCONN_DB=$TUI_T/data/pc.db XDG_CONFIG_HOME=$TUI_T/config
export LANG=C.UTF-8 LC_ALL= ESCDELAY=25
# ncurses' panel library keeps one allocation on purpose (see lsan.supp).
export LSAN_OPTIONS=suppressions=$TUI_HERE/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
unset POPCONN_KEY NO_COLOR
TUI_RESULTS=$TUI_HERE/results
# Files the UI writes by default (./popconn-trace-NAME.txt) land here.
cd "$TUI_T" || exit 1

tui_cleanup() {
	tmux -L "$TUI_SOCK" -f /dev/null kill-server 2>/dev/null
	rm -rf "$TUI_T"
}
trap tui_cleanup EXIT

tx() { tmux -L "$TUI_SOCK" -f /dev/null "$@"; }
pc() { "$PC" "$@"; }

# A first session holds the server and its options: no status line, so a
# pane is exactly the size asked for.
tx new-session -d -s _keep -x 80 -y 24 "exec sleep 3600" \; \
	set-option -g status off \; set-option -g remain-on-exit off

# tui_start NAME [COLS ROWS [VAR=VALUE ...]]: popconn in a new session; when
# it exits the pane shows "[popconn exit N]" and stays.  TUI_PRE, when set,
# is a shell command the pane runs first (it must print "popconn").
tui_start() {
	local name=$1 cols=${2:-80} rows=${3:-24} envs=() v
	shift 3 2>/dev/null || shift $#
	for v in POPCONN_DB XDG_CONFIG_HOME LANG ESCDELAY LSAN_OPTIONS; do
		envs+=(-e "$v=${!v}")
	done
	for v in "$@"; do
		envs+=(-e "$v")
	done
	# After popconn: its exit status and the terminal modes it left.
	tx new-session -d -s "$name" -x "$cols" -y "$rows" "${envs[@]}" \
		"${TUI_PRE:+$TUI_PRE; }$(printf '%q' "$PC"); echo \"[popconn exit \$?]\"; \
		echo \"[tty \$(stty -a | tr ' ;' '\\n\\n' | \
		grep -xE -- '-?(icanon|echo|isig|ixon)' | tr '\\n' ' ')]\"; \
		exec sleep 3600"
	tx resize-window -t "$name" -x "$cols" -y "$rows" >/dev/null 2>&1
	tui_wait "$name" 'popconn' 10 || true
}

tui_screen() { tx capture-pane -p -t "$1"; }

# (grep reads a here-string: see expect_out in assert.sh.)
tui_has() { grep -qE -- "$2" <<<"$(tui_screen "$1")"; }
tui_lacks() { ! tui_has "$@"; }

# tui_wait NAME PATTERN [SECONDS]: 0 once the screen matches (ERE), 1
# after SECONDS (5) times the factor.
tui_wait() { wait_until "${3:-5}" tui_has "$1" "$2"; }

# tui_gone NAME PATTERN [SECONDS]: 0 once the screen no longer matches.
tui_gone() { wait_until "${3:-5}" tui_lacks "$1" "$2"; }

# tui_settle NAME [SECONDS]: 0 once two captures 0.1 s apart are the same
# (the screen has stopped changing).
TUI_PREV=
tui_same() {
	local s
	s=$(tui_screen "$1")
	[ "$s" = "$TUI_PREV" ] && return 0
	TUI_PREV=$s
	sleep 0.1
	return 1
}
tui_settle() { TUI_PREV=$'\001'; wait_until "${2:-5}" tui_same "$1"; }

# Keys go one send-keys at a time; a short pause lets the loop redraw.
tui_keys() {
	local name=$1 k
	shift
	for k in "$@"; do
		tx send-keys -t "$name" "$k"
		sleep 0.04
	done
	sleep 0.15
}

tui_type() { tx send-keys -t "$1" -l -- "$2"; sleep 0.15; }

tui_expect() {
	if tui_wait "$1" "$2" "${4:-3}"; then
		ok "$3"
	else
		not_ok "$3" "screen lacks /$2/:
$(tui_screen "$1")"
	fi
}

# tui_cursor NAME: the text of the list row under the cursor bar (the
# line between the title and the key bar that carries the cursor's colours,
# black on cyan, or reverse video without colours), escapes removed.
tui_cursor() {
	tx capture-pane -p -e -t "$1" | sed '1d;$d' |
		grep -E $'\e\\[([0-9;]*;)?(46|7)m' | head -1 |
		sed -E $'s/\e\\[[0-9;]*[A-Za-z]|\e\\(B//g'
}
tui_cursor_has() { grep -qE -- "$2" <<<"$(tui_cursor "$1")"; }

# tui_expect_cursor NAME PATTERN WHAT: the cursor bar comes to a row that
# matches PATTERN (ERE), within 3 s times the factor.
tui_expect_cursor() {
	if wait_until "${4:-3}" tui_cursor_has "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3" "the cursor row is '$(tui_cursor "$1")', not /$2/:
$(tui_screen "$1")"
	fi
}

# tui_expect_not NAME PATTERN WHAT: once the screen has settled, it lacks
# PATTERN.  (Callers wait for something the same screen must show first.)
tui_expect_not() {
	tui_settle "$1" || true
	if tui_screen "$1" | grep -qE -- "$2"; then
		not_ok "$3" "screen has /$2/:
$(tui_screen "$1")"
	else
		ok "$3"
	fi
}

# The screen with the run's temporary directory masked, so that a result
# does not depend on where mktemp put it.
tui_stable() {
	tui_screen "$1" | sed -E -e "s|$TUI_T|/TMP|g" \
		-e 's/[0-9]+[smhd] ago/N ago/g'
}

# A test logon screen: times, durations and ports change from run to run;
# mask them and squeeze the blanks that their widths move.
tui_stable_logon() {
	tui_stable "$1" | sed -E -e 's/[0-9]+\.[0-9]{3} /T /g' \
		-e 's/[0-9.]+(ms|s)\b/Nms/g' -e 's/port [0-9]+/port N/g' \
		-e 's/[0-9]+ more bytes/N more bytes/g' -e 's/ +/ /g'
}

# tui_result NAME RESULT [logon]: compare the screen with
# results/RESULT.result (with "logon", timings masked), waiting (5 s times
# the factor) for the screen to become the result.
tui_result_got() {
	if [ "${2:-}" = logon ]; then
		GOT=$(tui_stable_logon "$1")
	else
		GOT=$(tui_stable "$1")
	fi
}
tui_result_same() { tui_result_got "$1" "$3"; [ "$GOT" = "$WANT" ]; }
tui_result() {
	local want=$TUI_RESULTS/$2.result
	if [ "${GENERATE:-0}" = 1 ]; then
		tui_settle "$1" || true
		tui_result_got "$1" "${3:-}"
		mkdir -p "$TUI_RESULTS"
		printf '%s\n' "$GOT" >"$want"
		TUI_GENERATED=$((TUI_GENERATED + 1))
		printf 'GENERATED - results/%s.result (written, not verified)\n' "$2"
		return
	fi
	if [ ! -f "$want" ]; then
		not_ok "$2: screen matches results/$2.result" "no such file (run with GENERATE=1)"
		return
	fi
	WANT=$(cat "$want")
	if wait_until 5 tui_result_same "$1" "$2" "${3:-}"; then
		ok "$2: screen matches results/$2.result"
	else
		not_ok "$2: screen matches results/$2.result" \
			"$(diff <(cat "$want") <(printf '%s\n' "$GOT") | head -40)"
	fi
}

# tui_quit NAME: q from the list and wait for the exit line.
tui_exit_status() {
	tui_screen "$1" | sed -n 's/.*\[popconn exit \([0-9]*\)\].*/\1/p' | tail -1
}

# finish: as assert.sh's, but a run with GENERATE=1 verified nothing, so it
# fails, saying so.
eval "assert_$(declare -f finish)"
finish() {
	if [ "$TUI_GENERATED" -gt 0 ]; then
		printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
		printf 'GENERATE=1: %d results rewritten; the screens they hold were NOT verified (check them with git diff, then run without GENERATE): exit 1\n' \
			"$TUI_GENERATED"
		return 1
	fi
	assert_finish
}
