#!/usr/bin/env bash
# tests/integ/concurrency.sh POPCONN [--no-tui] - several popconn processes
# changing one database file at once: 2 and then 4 CLI workers, each a loop
# of
#   set o<w>-<k> username=...   on its own profiles (must always succeed)
#   set s<k> username=...       on profiles every worker changes
#   bulk-set --group shared port=...   over those same shared profiles
# and, alongside them, popconn's terminal UI in a tmux session (80x24, a
# private tmux server) that in a loop opens a shared profile in the
# editor, types a new username and saves.  Every other edit makes its own
# conflict: between typing and Ctrl-S the driver changes that profile from
# the CLI (`popconn set`), so the save must meet it; the driver then picks
# keep mine, take theirs and cancel (then keep mine) in turn, explicitly.
# A conflict made by the workers instead gets keep mine.  Every value
# written is used only once in the whole run, so every command is a real
# change and every audit entry can be traced to its writer.
#
# A phase ends on conditions, never on a count inside a time: the workers
# have run every command asked for (CONC_OPS, default 2000, split between
# them) AND the TUI has met its quota (CONC_TUI_SAVES saves, default 10 at
# 1000 commands or more, else 3; at least one keep mine, one take theirs,
# one cancel and one save without conflict).  On a fast machine the TUI
# goes on editing after the workers are done; on a slow one the workers
# wait for nobody.  A phase not finished after CONC_DEADLINE seconds (400
# times POPCONN_TEST_SLOW, see tests/lib/assert.sh) is stopped and FAILS.
# Checked afterwards, from the workers' logs, the TUI's log and the
# database:
#   - "database is locked" (or "busy") never reached the user: not in any
#     CLI stderr, not on any TUI screen (captured after every step);
#   - a CLI command either succeeded or (set on a shared profile only) was
#     refused with exit 5 and the clear "was changed by ... nothing was
#     saved" message; the TUI never failed to save for another reason,
#     every conflict the driver made was shown (a save that did not see
#     it is a lost update), and Enter on the list always opened the
#     editor;
#   - every successful change has exactly one audit entry (os user,
#     profile, action, the value written) and nothing else was audited; a
#     change the TUI dropped (take theirs) or cancelled left no trace;
#   - no lost update: each audit entry changed only the fields its writer
#     meant to change (a set: username; a bulk-set: port; a TUI save:
#     username, plus, after "keep mine", the rest of the form as it was on
#     screen), each entry starts from the value the previous one left, the
#     database holds the value of the last entry, and every version counter
#     is 1 + the number of entries of its profile; an own profile ends with
#     the last value its worker set.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
slow_factor "$PC"
WITH_TUI=1
[ "${2:-}" != --no-tui ] || WITH_TUI=0
if [ "$WITH_TUI" = 1 ] && ! command -v tmux >/dev/null 2>&1; then
	skip_test "tmux is not installed: the TUI writer cannot run"
fi
T=$(mktemp -d)
SOCK=pcconc$$.$RANDOM
PIDS=()
cleanup() {
	local p
	: >"$T/stop"
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	if [ "$WITH_TUI" = 1 ]; then
		tmux -L "$SOCK" -f /dev/null kill-server 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
export XDG_CONFIG_HOME=$T/config
unset POPCONN_DB POPCONN_KEY
OPS=${CONC_OPS:-2000}
DEADLINE=${CONC_DEADLINE:-$(deadline 400)}
if [ "${CONC_TUI_SAVES:-}" ]; then
	TUI_SAVES=$CONC_TUI_SAVES
elif [ "$OPS" -ge 1000 ]; then
	TUI_SAVES=10
else
	TUI_SAVES=3
fi
NSHARED=4
NOWN=3
START_PORT=995		# an imported profile without a port: SSL, 995

q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
# Microseconds since the epoch, without a fork.
now_us() { NOW=${EPOCHREALTIME//[.,]/}; }

# Under ASan, LeakSanitizer's check at exit costs about 65 ms of CPU a
# process, nearly half of a command: keep it on one command of each kind in
# 16 (so also on some refused ones), skip it elsewhere.
ASAN_LEAKS=${ASAN_OPTIONS-}
ASAN_NOLEAKS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

# worker W N: N commands; one line per command in $T/w<W>.log:
#   kind target value rc stderr-lines stderr-on-one-line
worker() {
	local w=$1 n=$2 j kind target value rc lines ao cmd
	for ((j = 0; j < n; j++)); do
		# Stop on the deadline, or when the script itself is gone.
		[ ! -e "$T/stop" ] && kill -0 $$ 2>/dev/null || break
		case $((j % 4)) in
		0 | 1)
			kind=own target=o$w-$((j % NOWN)) value=o$w.$j
			cmd=(set "$target" "username=$value")
			;;
		2)
			kind=shared target=s$(((j / 4 + w) % NSHARED)) value=w$w.$j
			cmd=(set "$target" "username=$value")
			;;
		3)
			# Unique over workers and commands: always a change.
			kind=bulk target=shared
			value=$((10000 + (j / 4) * NW + w - 1))
			cmd=(bulk-set --group shared "port=$value")
			;;
		esac
		if [ $((j % 16)) -lt 4 ]; then
			ao=$ASAN_LEAKS
		else
			ao=$ASAN_NOLEAKS
		fi
		ASAN_OPTIONS=$ao "$PC" --db "$DB" "${cmd[@]}" >/dev/null \
		    2>"$T/w$w.err" && rc=0 || rc=$?
		mapfile -t lines <"$T/w$w.err"
		printf '%s %s %s %s %s %s\n' "$kind" "$target" "$value" "$rc" \
		    "${#lines[@]}" "${lines[*]}" >>"$T/w$w.log"
	done
	: >"$T/done.$w"
}

# ---- the TUI writer ---------------------------------------------------------
#
# Every wait polls the screen for what the step must show (never a fixed
# sleep alone) and takes a screen only when two captures in a row agree, so
# a half-drawn screen is never read.  Every capture is searched for
# "locked" / "busy".  $T/tui.log gets one line per attempt:
#   profile value outcome port-on-screen conflicts
# outcome: saved (no conflict), kept (keep mine after a conflict), dropped
# (take theirs), error.

tx() { tmux -L "$SOCK" -f /dev/null "$@"; }
tk() { tx send-keys -t tui "$@"; }
# Patterns are bash EREs over the screen with a newline before its first
# line and after its last: $NL stands for a line's start or end.  (No grep
# or sleep processes: each one costs a lot on a machine this busy.)
NL=$'\n'
tui_has() { [[ $NL$SCREEN$NL =~ $1 ]]; }
nap() { read -r -t "$1" -u 8 _ || true; }

tui_cap() {
	local s
	SCREEN=$(tx capture-pane -p -t tui 2>/dev/null) || SCREEN=
	TUI_CAPS=$((TUI_CAPS + 1))
	s=${SCREEN//"$T"/}
	s=${s,,}
	if [[ $s == *locked* || $s == *busy* ]]; then
		TUI_LOCKED=$((TUI_LOCKED + 1))
		printf '%s\n----\n' "$SCREEN" >>"$T/tui-locked.txt"
	fi
}

# tui_until PATTERN [SECONDS [NOT-THIS-SCREEN]]: 0 once the screen
# matches PATTERN (ERE, per line), is the same in two captures in a row,
# and differs from NOT-THIS-SCREEN; 1 after SECONDS (30) times the factor.
tui_until() {
	local pat=$1 end prev=$'\001' not=${3-$'\002'}
	now_us
	end=$((NOW + ${2:-30} * SLOW * 1000000))
	[ -z "${CONC_TRACE-}" ] || echo "$NOW ${pat//$NL/\\n}" >>"$CONC_TRACE"
	while :; do
		tui_cap
		if [ "$SCREEN" = "$prev" ] && [ "$SCREEN" != "$not" ] &&
		    tui_has "$pat"; then
			return 0
		fi
		prev=$SCREEN
		now_us
		[ "$NOW" -lt "$end" ] || return 1
		nap 0.02
	done
}

# The list is on top: its title line.
TUI_LIST="^$NL popconn "

tui_start() {
	local v envs=()
	for v in POPCONN_DB XDG_CONFIG_HOME LANG ESCDELAY LSAN_OPTIONS; do
		envs+=(-e "$v=${!v-}")
	done
	tx new-session -d -s tui -x 80 -y 24 "${envs[@]}" \
	    "$(printf '%q' "$PC"); echo \"[popconn exit \$?]\"; exec sleep 3600"
	tx resize-window -t tui -x 80 -y 24 >/dev/null 2>&1 || true
	tui_until "$TUI_LIST" 60 && tui_until 'shared \(4\)' 30
}

# Back to the list from wherever the writer was left.
tui_recover() {
	local i
	for ((i = 0; i < 10; i++)); do
		tui_until . 5 || true
		if tui_has "$TUI_LIST" && ! tui_has 'Edit conflict|Unsaved changes'; then
			return 0
		fi
		if tui_has '\[popconn exit'; then
			return 1
		elif tui_has 'Edit conflict'; then
			tk c
		elif tui_has 'Unsaved changes'; then
			tk d
		else
			tk Escape
		fi
		tui_until "$TUI_LIST|Edit conflict|Unsaved changes" 5 "$SCREEN" || true
	done
	return 1
}

# tui_error PROFILE VALUE WHAT: record a step that did not show what it
# should, with the screen, and go back to the list.
tui_error() {
	printf '%s %s error - %s %s\n' "$1" "$2" "$TUI_NCONF" "${3// /_}" >>"$T/tui.log"
	printf '%s %s: %s\n%s\n----\n' "$1" "$2" "$3" "$SCREEN" >>"$T/tui-errors.txt"
	tui_recover || TUI_DEAD=1
}

# tui_force K: change s<K>'s username from the CLI, as the editor's
# competitor; retried while a worker's change wins (exit 5).  Each command
# goes to $T/f.log in the workers' format, so the audit checks see it.
tui_force() {
	local p=s$1 try value rc lines
	for ((try = 0; try < 50; try++)); do
		value=f$NW.$TUI_CYCLES.$try
		"$PC" --db "$DB" set "$p" "username=$value" >/dev/null \
		    2>"$T/f.err" && rc=0 || rc=$?
		mapfile -t lines <"$T/f.err"
		printf '%s %s %s %s %s %s\n' shared "$p" "$value" "$rc" \
		    "${#lines[@]}" "${lines[*]}" >>"$T/f.log"
		[ "$rc" != 0 ] || return 0
		[ "$rc" = 5 ] || return 1
	done
	return 1
}

# tui_cycle K VALUE FORCE: edit s<K>, username=VALUE, save; settle a
# conflict.  FORCE=1: make a conflict (tui_force) between typing and
# saving, and take the next way out of it in turn (k, t, c).
tui_cycle() {
	local p=s$1 val=$2 force=$3 port choice= before n=0 re outcome=
	re=${val//./\\.}
	tk / C-u
	tk -l "$p"
	tk Enter
	if ! tui_until "1 profile match \"$p\"" ||
	    ! tui_has "$NL +$p +s\.example\.com "; then
		tui_error "$p" "$val" "filter on $p"
		return
	fi
	tk Enter
	tui_until "$NL Edit profile: $p +saved *$NL|cannot open|move to a profile to edit it" ||
	    { tui_error "$p" "$val" "open the editor"; return; }
	if tui_has 'move to a profile to edit it'; then
		# The cursor is on the one row the filter shows: Enter lost.
		TUI_LOST=$((TUI_LOST + 1))
		tui_error "$p" "$val" "Enter on the list was lost (move to a profile to edit it)"
		return
	fi
	tui_has "$NL Edit profile: $p " ||
	    { tui_error "$p" "$val" "open the editor"; return; }
	# Connection tab: address, port, username.  One key at a time: keys
	# typed ahead of a redraw act on the old page (see the report).
	tk PageDown
	tui_until "$NL DNS name or IP address of the POP3 server" ||
	    { tui_error "$p" "$val" "go to the connection tab"; return; }
	tk Tab
	tui_until "$NL TCP port: " ||
	    { tui_error "$p" "$val" "go to the port"; return; }
	tk Tab
	tui_until "$NL User name of the mail account" ||
	    { tui_error "$p" "$val" "go to the username"; return; }
	port=-
	if [[ $SCREEN =~ $NL.{0,3}Port\ +([0-9]+)\ *$NL ]]; then
		port=${BASH_REMATCH[1]}
	fi
	tk C-u
	tk -l "$val"
	tui_until "Username +$re *$NL" ||
	    { tui_error "$p" "$val" "type the username"; return; }
	if [ "$force" = 1 ]; then
		tui_force "$1" ||
		    { tui_error "$p" "$val" "the CLI change of $p (see f.log)"; return; }
	fi
	tk C-s
	tui_until "saved \"$p\"|Edit conflict|not saved" ||
	    { tui_error "$p" "$val" "save"; return; }
	if [ "$force" = 1 ] && ! tui_has 'Edit conflict'; then
		tui_error "$p" "$val" "the save did not see the CLI's change (lost update)"
		return
	fi
	while tui_has 'Edit conflict'; do
		n=$((n + 1))
		TUI_NCONF=$((TUI_NCONF + 1))
		tui_until '\[c\] Cancel +\[k\] Keep mine +\[t\] Take theirs' 5 &&
		    tui_has 'was changed by' ||
		    { tui_error "$p" "$val" "the conflict dialog"; return; }
		if [ "$force" = 1 ] && [ "$n" = 1 ]; then
			# The next way out, in turn: every path on any machine.
			choice=${TUI_CHOICES:TUI_NFORCED % 3:1}
			TUI_NFORCED=$((TUI_NFORCED + 1))
		else
			choice=k	# after a cancel, or a conflict the workers made
		fi
		before=$SCREEN
		case $choice in
		t)
			tk t
			tui_until 'loaded the other change' ||
			    { tui_error "$p" "$val" "take theirs"; return; }
			if tui_has "Username +$re *$NL"; then
				tui_error "$p" "$val" "take theirs kept my value"
				return
			fi
			outcome=dropped
			break
			;;
		c)
			tk c
			tui_until 'not saved; your changes are still on screen' &&
			    tui_has "Username +$re *$NL" ||
			    { tui_error "$p" "$val" "cancel"; return; }
			TUI_CANCELLED=$((TUI_CANCELLED + 1))
			before=$SCREEN
			tk C-s
			tui_until "saved \"$p\"|Edit conflict|not saved" 30 "$before" ||
			    { tui_error "$p" "$val" "save after cancel"; return; }
			tui_has 'Edit conflict' ||
			    { tui_error "$p" "$val" "no conflict on the stale save"; return; }
			continue
			;;
		k)
			tk k
			tui_until "saved \"$p\"|Edit conflict|not saved" 30 "$before" ||
			    { tui_error "$p" "$val" "keep mine"; return; }
			;;
		esac
	done
	if [ "$outcome" = dropped ]; then
		printf '%s %s dropped %s %s\n' "$p" "$val" "$port" "$n" >>"$T/tui.log"
		TUI_DROPPED=$((TUI_DROPPED + 1))
	elif tui_has "saved \"$p\""; then
		if [ "$n" = 0 ]; then
			TUI_SAVED=$((TUI_SAVED + 1))
		else
			TUI_KEPT=$((TUI_KEPT + 1))
		fi
		printf '%s %s %s %s %s\n' "$p" "$val" \
		    "$([ "$n" = 0 ] && echo saved || echo kept)" "$port" "$n" >>"$T/tui.log"
	else
		tui_error "$p" "$val" "not saved"
		return
	fi
	tk Escape
	tui_until "$TUI_LIST|Unsaved changes" ||
	    { tui_error "$p" "$val" "close the editor"; return; }
	tui_has "$TUI_LIST" ||
	    { tui_error "$p" "$val" "the editor held unsaved changes"; return; }
}

# The TUI's quota for a phase: enough saves, every way out of a conflict
# taken, and one save that met no conflict.
tui_quota_met() {
	[ $((TUI_SAVED + TUI_KEPT)) -ge "$TUI_SAVES" ] && [ "$TUI_KEPT" -gt 0 ] &&
	    [ "$TUI_DROPPED" -gt 0 ] && [ "$TUI_CANCELLED" -gt 0 ] &&
	    [ "$TUI_SAVED" -gt 0 ]
}

tui_quit() {
	tui_recover || true
	tk q
	if tui_until '\[popconn exit [0-9]+\]' 60; then
		TUI_EXIT=$(sed -n 's/.*\[popconn exit \([0-9]*\)\].*/\1/p' <<<"$SCREEN" | tail -1)
	else
		TUI_EXIT=none
	fi
	TUI_LAST=$SCREEN
	tx kill-session -t tui 2>/dev/null || true
}

if [ "$WITH_TUI" = 1 ]; then
	# nap's clock: a FIFO nobody writes to.
	mkfifo "$T/nap"
	exec 8<>"$T/nap"
	export LANG=C.UTF-8 ESCDELAY=25
	# ncurses' panel library keeps one allocation on purpose.
	LSAN_OPTIONS=suppressions=$here/../tui/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
	export LSAN_OPTIONS
	# A first session holds the server and its options: no status line,
	# so the pane is exactly 80x24.  It also ends the server (and the TUI
	# with it) if this script is killed without its trap running.
	tx new-session -d -s _keep -x 80 -y 24 "while kill -0 $$ 2>/dev/null; \
	    do sleep 2; done; tmux -L $SOCK -f /dev/null kill-server" \; \
	    set-option -g status off \; set-option -g remain-on-exit off
fi

# ---- one phase ----------------------------------------------------------------

phase() {
	local nw=$1 w k n total nok nconf bad locked p t0 secs hit=0 ndone
	local got want last nset naudit osu tsaved tkept me
	NW=$nw
	DB=$T/p$nw.db
	export POPCONN_DB=$DB
	rm -f "$T"/w*.log "$T"/done.* "$T/stop" "$T/tui.log" "$T/tui-errors.txt" \
	    "$T/tui-locked.txt" "$T/f.log"
	: >"$T/tui.log"
	: >"$T/f.log"
	{
		echo '['
		for ((k = 0; k < NSHARED; k++)); do
			printf '{"name":"s%d","group":"shared","address":"s.example.com","username":"start"},\n' "$k"
		done
		for ((w = 1; w <= nw; w++)); do
			for ((k = 0; k < NOWN; k++)); do
				printf '{"name":"o%d-%d","group":"own%d","address":"o.example.com","username":"start"},\n' "$w" "$k" "$w"
			done
		done
		printf '{"name":"other","address":"x.example.com"}\n]\n'
	} >"$T/setup.json"
	"$PC" --db "$DB" import "$T/setup.json" >/dev/null
	BASE=$(q 'SELECT max(id) FROM audit')
	osu=$(q "SELECT os_user FROM audit WHERE id = $BASE")

	TUI_CAPS=0 TUI_LOCKED=0 TUI_NCONF=0 TUI_DROPPED=0 TUI_CANCELLED=0
	TUI_DEAD=0 TUI_EXIT=none TUI_LAST= TUI_CYCLES=0 TUI_LOST=0
	TUI_SAVED=0 TUI_KEPT=0 TUI_NFORCED=0 TUI_CHOICES=tck
	if [ "$WITH_TUI" = 1 ]; then
		if tui_start; then
			ok "$nw workers: the TUI shows the list"
		else
			not_ok "$nw workers: the TUI shows the list" "$SCREEN"
			TUI_DEAD=1
		fi
	fi

	now_us
	t0=$NOW
	PIDS=()
	for ((w = 1; w <= nw; w++)); do
		n=$((OPS / nw + (w <= OPS % nw ? 1 : 0)))
		worker "$w" "$n" &
		PIDS+=($!)
	done
	# The phase ends when the workers are done AND the TUI has met its
	# quota (or is dead: a failure); the deadline stops all, a failure too.
	while :; do
		ndone=0
		for ((w = 1; w <= nw; w++)); do
			if [ -e "$T/done.$w" ] || ! kill -0 "${PIDS[w - 1]}" 2>/dev/null; then
				ndone=$((ndone + 1))
			fi
		done
		if [ "$ndone" -ge "$nw" ] && { [ "$WITH_TUI" = 0 ] ||
		    [ "$TUI_DEAD" = 1 ] || tui_quota_met; }; then
			break
		fi
		now_us
		if [ $((NOW - t0)) -ge $((DEADLINE * 1000000)) ]; then
			hit=1
			: >"$T/stop"
			break
		fi
		if [ "$WITH_TUI" = 1 ] && [ "$TUI_DEAD" = 0 ]; then
			TUI_CYCLES=$((TUI_CYCLES + 1))
			tui_cycle $((TUI_CYCLES % NSHARED)) "t$nw.$TUI_CYCLES" \
			    $((TUI_CYCLES % 2))
		else
			sleep 0.2
		fi
	done
	for p in "${PIDS[@]}"; do
		wait "$p" || true
	done
	PIDS=()
	now_us
	secs=$(((NOW - t0) / 1000000))
	[ "$WITH_TUI" = 0 ] || tui_quit
	total=$(cat "$T"/w*.log | wc -l)
	# The TUI driver's own CLI changes are checked with the workers'.
	cat "$T"/w*.log "$T/f.log" >"$T/all.log"

	nok=$(awk '$4 == 0' "$T/all.log" | wc -l)
	nconf=$(awk '$4 != 0' "$T/all.log" | wc -l)
	tsaved=$(awk '$3 == "saved"' "$T/tui.log" | wc -l)
	tkept=$(awk '$3 == "kept"' "$T/tui.log" | wc -l)
	printf '# %d workers: %d commands in %d s: %d succeeded, %d refused (conflict), of which %d by the TUI driver\n' \
	    "$nw" "$total" "$secs" "$nok" "$nconf" "$(wc -l <"$T/f.log")"
	if [ "$WITH_TUI" = 1 ]; then
		printf '# %d workers: TUI: %d edits (%d with a conflict made on purpose), %d saves (%d without conflict, %d keep mine), %d conflicts shown, %d take theirs, %d cancel, %d screens captured\n' \
		    "$nw" "$TUI_CYCLES" "$TUI_NFORCED" $((tsaved + tkept)) "$tsaved" "$tkept" \
		    "$TUI_NCONF" "$TUI_DROPPED" "$TUI_CANCELLED" "$TUI_CAPS"
		if [ "$TUI_LOST" = 0 ]; then
			ok "$nw workers: TUI: Enter on the list always opened the editor"
		else
			not_ok "$nw workers: TUI: Enter on the list was lost $TUI_LOST times" \
			    "\"move to a profile to edit it\" with the cursor on the one profile the filter shows"
		fi
	fi
	if [ "$hit" = 0 ]; then
		ok "$nw workers: finished within the ${DEADLINE} s deadline ($secs s)"
	else
		not_ok "$nw workers: DEADLINE HIT: stopped after $DEADLINE s with $total of $OPS commands run" \
		    "TUI quota ($TUI_SAVES saves, each way out of a conflict, one save without conflict): $(tui_quota_met && echo met || echo not met)"
	fi
	expect_eq "$total" "$OPS" "$nw workers: ran every command ($OPS)"

	locked=$(sed "s|$T||g" "$T/all.log" | grep -ciE 'locked|busy' || true)
	if [ "$locked" = 0 ]; then
		ok "$nw workers: no 'database is locked' reached the CLI"
	else
		not_ok "$nw workers: 'database is locked' reached the CLI $locked times" \
		    "$(grep -iE 'locked|busy' "$T/all.log" | head -3)"
	fi
	# Refused: only a set on a shared profile, exit 5, the conflict text.
	bad=$(awk '$4 != 0 && !($1 == "shared" && $4 == 5 &&
	    $0 ~ /was changed by .* nothing was saved/)' "$T/all.log")
	if [ -z "$bad" ]; then
		ok "$nw workers: every command succeeded or was a clear conflict"
	else
		not_ok "$nw workers: every command succeeded or was a clear conflict" \
		    "$(head -3 <<<"$bad")"
	fi
	bad=$(awk '($4 != 0 && ($5 != 1 || $6 != "popconn:")) || ($4 == 0 && $5 != 0)' "$T/all.log")
	[ -z "$bad" ] && ok "$nw workers: a refusal is one popconn: line, a success silent on stderr" ||
	    not_ok "$nw workers: a refusal is one popconn: line, a success silent on stderr" "$(head -3 <<<"$bad")"

	if [ "$WITH_TUI" = 1 ]; then
		if [ "$TUI_LOCKED" = 0 ]; then
			ok "$nw workers: TUI: no 'locked' or 'busy' on $TUI_CAPS screens"
		else
			not_ok "$nw workers: TUI: 'locked' or 'busy' on $TUI_LOCKED screens" \
			    "$(head -30 "$T/tui-locked.txt")"
		fi
		n=$(awk '$3 == "error"' "$T/tui.log" | wc -l)
		if [ "$n" = 0 ] && [ "$TUI_DEAD" = 0 ]; then
			ok "$nw workers: TUI: every step showed what it should"
		else
			not_ok "$nw workers: TUI: $n steps did not show what they should" \
			    "$(head -40 "$T/tui-errors.txt" 2>/dev/null)"
		fi
		# The quota the phase waited for, counted again from the log.
		if [ "$tsaved" = "$TUI_SAVED" ] && [ "$tkept" = "$TUI_KEPT" ] &&
		    tui_quota_met; then
			ok "$nw workers: TUI: $((tsaved + tkept)) saves (wanted $TUI_SAVES), $tsaved without conflict; conflicts met: keep mine $tkept, take theirs $TUI_DROPPED, cancel $TUI_CANCELLED"
		else
			not_ok "$nw workers: TUI: quota not met" \
			    "$((tsaved + tkept)) saves (wanted $TUI_SAVES; log: $tsaved saved, $tkept kept) in $TUI_CYCLES edits; keep mine $TUI_KEPT, take theirs $TUI_DROPPED, cancel $TUI_CANCELLED, without conflict $TUI_SAVED"
		fi
		expect_eq "$TUI_EXIT" 0 "$nw workers: TUI: quits with status 0 (no sanitizer report)"
		[ "$TUI_EXIT" = 0 ] || printf '%s\n' "$TUI_LAST"
	fi

	# ---- the audit log against what the writers did ----------------------
	sqlite3 -cmd '.timeout 10000' -separator $'\t' "$DB" \
	    "SELECT id, os_user, profile, action, fields, detail FROM audit WHERE id > $BASE ORDER BY id" \
	    >"$T/audit.tsv"
	# What each writer says it wrote: profile action value fields [port].
	{
		awk -v ns=$NSHARED '$4 == 0 && $1 != "bulk" { print $2, "set", $3, "username" }
		    $4 == 0 && $1 == "bulk" { for (k = 0; k < ns; k++) print "s" k, "bulk-set", $3, "port" }' \
		    "$T/all.log"
		awk '$3 == "saved" { print $1, "set", $2, "username" }
		    $3 == "kept" { print $1, "set", $2, "username+", $4 }' "$T/tui.log"
	} >"$T/writes"
	# What the audit log says, one line per entry: profile action value.
	# The value is the new username of a set, the new port of a bulk-set.
	awk -F'\t' '{ v = "?"; n = split($6, part, "; ")
	    for (i = 1; i <= n; i++) {
		key = substr(part[i], 1, index(part[i], ": ") - 1)
		new = substr(part[i], index(part[i], " -> ") + 4)
		if (($4 == "set" && key == "username") || ($4 == "bulk-set" && key == "port"))
			v = new
	    }
	    print $3, $4, v }' "$T/audit.tsv" | sort >"$T/audited"
	awk '{ print $1, $2, $3 }' "$T/writes" | sort >"$T/written"
	if cmp -s "$T/audited" "$T/written"; then
		ok "$nw workers: one audit entry per successful change (CLI and TUI), nothing more"
	else
		not_ok "$nw workers: one audit entry per successful change, nothing more" \
		    "$(diff "$T/written" "$T/audited" | grep '^[<>]' | head -5 | tr '\n' ' ') (< written, not audited; > audited, not written)"
	fi
	# (Under sudo popconn writes "root (sudo from alice)".)
	bad=$(awk -F'\t' -v u="$osu" '$2 != u' "$T/audit.tsv" | head -3)
	me=$(id -un)
	if [[ -n $osu && ($osu == "$me" || $osu == "$me (sudo from "*")") && -z $bad ]]; then
		ok "$nw workers: every audit entry names the OS user ($osu)"
	else
		not_ok "$nw workers: every audit entry names the OS user ($me)" "import by '$osu'; $bad"
	fi

	if [ "$WITH_TUI" = 1 ]; then
		# Each TUI save: its own entry, by this OS user, on that profile,
		# with the username in its fields; dropped values: no trace.
		bad=$(awk -F'\t' -v u="$osu" '
		    FNR == NR { if ($0 ~ / (saved|kept) /) { split($0, f, " "); want[f[2]] = f[1] }
			else if ($0 ~ / dropped /) { split($0, f, " "); gone[f[2]] = 1 }
			next }
		    { n = split($6, part, "; ")
		      for (i = 1; i <= n; i++) {
			new = substr(part[i], index(part[i], " -> ") + 4)
			if (new in gone) print "dropped value " new " in audit entry " $1
			if (new in want && substr(part[i], 1, 10) == "username: ") {
				if ($2 == u && $3 == want[new] && $4 == "set" &&
				    ("," $5 ",") ~ /,username,/)
					found[new]++
				else
					print "entry " $1 " for " new ": " $2 " " $3 " " $4 " " $5
			}
		      } }
		    END { for (v in want) if (found[v] != 1)
			print v " (" want[v] "): " found[v] + 0 " entries" }' \
		    "$T/tui.log" "$T/audit.tsv" | head -5)
		[ -z "$bad" ] &&
		    ok "$nw workers: TUI: each save has its entry (user, profile, username), nothing dropped was written" ||
		    not_ok "$nw workers: TUI: each save has its entry, nothing dropped was written" "$bad"
	fi

	# ---- no lost update ---------------------------------------------------
	# Walk the audit log: each entry changes only the fields its writer
	# meant (a keep-mine TUI save may also put back the port it showed),
	# starts from the values the previous entry left; then the database
	# must hold the last values and version = 1 + entries.
	q "SELECT name, username, port, version FROM profiles ORDER BY name" >"$T/final.db"
	bad=$(awk -F'\t' -v sp=$START_PORT '
	    FILENAME ~ /writes$/ { split($0, f, " "); fields[f[3]] = f[4]; tport[f[3]] = f[5]; next }
	    FILENAME ~ /final.db$/ { split($0, f, "|"); db[f[1]] = f[2] " " f[3] " " f[4]; next }
	    { n = split($6, part, "; "); v = "?"; flist = ""; pnew = ""
	      for (i = 1; i <= n; i++) {
		key = substr(part[i], 1, index(part[i], ": ") - 1)
		old = substr(part[i], index(part[i], ": ") + 2)
		old = substr(old, 1, index(old, " -> ") - 1)
		new = substr(part[i], index(part[i], " -> ") + 4)
		pk = $3 SUBSEP key
		cur = pk in val ? val[pk] : (key == "port" ? sp : key == "username" ? "start" : "")
		if (old != cur)
			print "entry " $1 " (" $3 "): " key " was " cur ", the entry says " old
		val[pk] = new
		if (($4 == "set" && key == "username") || ($4 == "bulk-set" && key == "port"))
			v = new
		flist = flist (flist == "" ? "" : ",") key
		if (key == "port" && $4 == "set") pnew = new
	      }
	      nent[$3]++
	      w = fields[v]
	      if (w == "username+" && (flist == "username" || (flist == "port,username" && pnew == tport[v])))
		next
	      if (flist != w)
		print "entry " $1 " (" $3 ", " v "): changed " flist ", its writer changed " w
	    }
	    END { for (p in db) {
		split(db[p], f, " ")
		u = (p SUBSEP "username") in val ? val[p SUBSEP "username"] : "start"
		pt = (p SUBSEP "port") in val ? val[p SUBSEP "port"] : sp
		if (p != "other" && (f[1] != u || f[2] != pt || f[3] != nent[p] + 1))
			print p ": database " db[p] ", audit log says " u " " pt " " nent[p] + 1
	    } }' "$T/writes" "$T/final.db" "$T/audit.tsv" | head -6)
	[ -z "$bad" ] &&
	    ok "$nw workers: no lost update: each entry changed only its writer's fields, from the last values; database = last entry, version = 1 + entries" ||
	    not_ok "$nw workers: no lost update" "$bad"

	# Own profiles: the last value its worker set wins, one entry per set.
	bad=
	for ((w = 1; w <= nw; w++)); do
		for ((k = 0; k < NOWN; k++)); do
			nset=$(awk -v t="o$w-$k" '$2 == t && $4 == 0' "$T/all.log" | wc -l)
			last=$(awk -v t="o$w-$k" '$2 == t && $4 == 0 { v = $3 } END { print v == "" ? "start" : v }' "$T/all.log")
			got=$(awk -F'|' -v t="o$w-$k" '$1 == t { print $2, $4 }' "$T/final.db")
			naudit=$(awk -F'\t' -v t="o$w-$k" '$3 == t && $4 == "set"' "$T/audit.tsv" | wc -l)
			want="$last $((nset + 1))"
			[ "$got" = "$want" ] && [ "$naudit" = "$nset" ] ||
			    bad+="o$w-$k: database '$got' (audit $naudit), wanted '$want' (audit $nset); "
		done
	done
	[ -z "$bad" ] && ok "$nw workers: own profiles hold their worker's last value, one audit entry per set" ||
	    not_ok "$nw workers: own profiles hold their worker's last value" "$bad"

	expect_eq "$(q 'PRAGMA integrity_check')" ok "$nw workers: integrity_check"
	printf '# %d workers: summary: %d commands (%d conflicts), TUI %d saves (%d conflicts), %d s\n' \
	    "$nw" "$total" "$nconf" $((tsaved + tkept)) "$TUI_NCONF" "$secs"
}

now_us
T0=$NOW
phase 2
phase 4
now_us
printf '# total %d s\n' $(((NOW - T0) / 1000000))
finish
