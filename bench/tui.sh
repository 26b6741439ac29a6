#!/usr/bin/env bash
# bench/tui.sh - the terminal UI at 80x24 in tmux: time to first screen and
# memory with 10 and with 100,000 profiles (the ratio shows whether the cost
# grows with the data), and bytes written to the terminal per cursor
# movement in the list, beside dialog --menu (a peer ncurses list) showing
# the same number of list rows, in the same run; and the time from the
# Enter that applies a filter over the 100,000 profiles to the screen of
# its matches (measured from outside through tmux, so it includes tmux's
# own round trip and the 5 ms polling).  The tmux server runs with
# default-terminal xterm, so TERM in the panes really is xterm (tmux
# replaces a TERM given on the command line); the script checks it.  The
# first-screen and byte counts are taken REPS times (default 5), popconn
# and dialog alternating; median (min-max).  A benchmark, not a test.
set -euo pipefail
BIG=${BIG:-100000}
REPS=${REPS:-5}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PC=${POPCONN:-$root/build/popconn}
. "$root/bench/lib.sh"
[ -x "$PC" ] || { echo "build popconn first (cmake --build build)" >&2; exit 2; }
command -v tmux >/dev/null && command -v dialog >/dev/null || { echo "needs tmux and dialog" >&2; exit 2; }
W=$(mktemp -d)
S=pcbench$$
# Each session on a socket of its own: a new server on the socket of one
# just killed can meet it still exiting ("server exited unexpectedly").
SN=0
tm() { tmux -L "$S-$SN" -f "$W/tmux.conf" "$@"; }
fresh() { tm kill-server 2>/dev/null || true; SN=$((SN + 1)); }
trap 'tm kill-server 2>/dev/null || true; rm -rf "$W"' EXIT
export XDG_CONFIG_HOME=$W/config LANG=C.UTF-8
echo 'set -g default-terminal xterm' >"$W/tmux.conf"
tm new-session -d -x 80 -y 24 "echo TERM=\$TERM; sleep 30"
until tm capture-pane -p | grep -q '^TERM='; do sleep 0.05; done
pane_term=$(tm capture-pane -p | sed -n 's/^TERM=//p')
fresh
[ "$pane_term" = xterm ] || { echo "TERM in the pane is $pane_term, not xterm" >&2; exit 1; }

mkdb() { # N DB
	awk -v n="$1" 'BEGIN {print "["; for (i = 0; i < n; i++) printf "{\"name\":\"p%06d\",\"group\":\"g%03d\",\"address\":\"pop%d.example.com\"}%s\n", i, i % 200, i % 97, (i < n - 1 ? "," : ""); print "]"}' >"$W/seed.json"
	POPCONN_DB=$2 "$PC" import "$W/seed.json" >/dev/null
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# first_screen DB: ms from start to the first full list screen, and the
# peak RSS (KiB) of popconn then.
first_screen() {
	local t0 t1 pid
	fresh
	t0=$(now_ms)
	tm new-session -d -x 80 -y 24 "env POPCONN_DB=$1 ESCDELAY=25 $PC"
	until tm capture-pane -p | grep -q ' profiles'; do sleep 0.005; done
	t1=$(now_ms)
	pid=$(tm list-panes -F '#{pane_pid}')
	echo "$((t1 - t0)) $(awk '/VmHWM/ {print $2}' /proc/"$pid"/status)"
}

# bytes_per KEY N: bytes the program in the pane writes per KEY press.
bytes_per() {
	local key=$1 n=$2 before after
	: >"$W/pipe"
	tm pipe-pane -o "cat >>$W/pipe"
	sleep 0.3
	before=$(stat -c %s "$W/pipe")
	for _ in $(seq "$n"); do tm send-keys "$key"; sleep 0.05; done
	# until the output has been still for 0.5 s
	after=-1
	while [ "$after" != "$(stat -c %s "$W/pipe")" ]; do
		after=$(stat -c %s "$W/pipe")
		sleep 0.5
	done
	tm pipe-pane
	echo $(((after - before) / n))
}

# filter_ms DB TEXT: ms from sending "/TEXT" + Enter to the title that
# names the filter's match count (drawn in the same update as its rows),
# with the list already on screen; the peak RSS (KiB) then.
filter_ms() {
	local t0 t1 pid
	start_pc "$1"
	t0=$(now_ms)
	tm send-keys "/$2" Enter
	until tm capture-pane -p | grep -q "filter \"$2\": [0-9,]* of"; do sleep 0.005; done
	t1=$(now_ms)
	pid=$(tm list-panes -F '#{pane_pid}')
	echo "$((t1 - t0)) $(awk '/VmHWM/ {print $2}' /proc/"$pid"/status)"
}

mkdb 10 "$W/small.db"
mkdb "$BIG" "$W/big.db"

# rows: list rows on popconn's first screen (profile names p000000...)
start_pc() { # DB
	fresh
	tm new-session -d -x 80 -y 24 "env POPCONN_DB=$1 ESCDELAY=25 $PC"
	until tm capture-pane -p | grep -q ' profiles'; do sleep 0.005; done
}
start_dlg() { # ROWS
	fresh
	tm new-session -d -x 80 -y "$(($1 + 9))" "sh $W/dlg.sh"
	until tm capture-pane -p | grep -q 'item-1 '; do sleep 0.01; done
}
start_pc "$W/big.db"
rows=$(tm capture-pane -p | grep -cE 'p[0-9]{6}')
fresh
# The peer: dialog --menu over 10,000 items (dialog reads all of them) with
# a list as tall as popconn's, in a pane tall enough for its frame.
seq 10000 | awk '{printf "%d item-%d ", $1, $1}' >"$W/items"
printf '#!/bin/sh\nexec dialog --menu pick %d 76 %d $(cat %s)\n' $((rows + 7)) "$rows" "$W/items" >"$W/dlg.sh"
start_dlg "$rows"
dlg_rows=$(tm capture-pane -p | grep -cE '[0-9]+ +item-[0-9]+')
fresh

: >"$W/fs-small"; : >"$W/fs-big"; : >"$W/flt-big"; : >"$W/pc-down"; : >"$W/pc-pgdn"; : >"$W/dlg-down"; : >"$W/dlg-pgdn"
for _ in $(seq "$REPS"); do
	first_screen "$W/small.db" >>"$W/fs-small"
	first_screen "$W/big.db" >>"$W/fs-big"
	filter_ms "$W/big.db" p01234 >>"$W/flt-big"
	start_pc "$W/big.db"
	bytes_per Down 20 >>"$W/pc-down"
	bytes_per NPage 10 >>"$W/pc-pgdn"
	start_dlg "$rows"
	bytes_per Down 20 >>"$W/dlg-down"
	bytes_per NPage 10 >>"$W/dlg-pgdn"
done
tm kill-server 2>/dev/null || true

col() { cut -d' ' -f"$1" "$2" | stats; }
kib() { awk -v s="$1" 'BEGIN {split(s, a, " "); printf "%.1f %.1f %.1f", a[1] / 1024, a[2] / 1024, a[3] / 1024}'; }
s_ms=$(col 1 "$W/fs-small") b_ms=$(col 1 "$W/fs-big")
s_kb=$(kib "$(col 2 "$W/fs-small")") b_kb=$(kib "$(col 2 "$W/fs-big")")
printf '\nterminal UI, 80x24, TERM=%s in the pane; %d runs, alternating; median (min-max); load average %s\n' "$pane_term" "$REPS" "$(loadavg)"
printf '\n| %-34s | %-22s | %-22s | %6s |\n' "popconn" "10 profiles" "$BIG profiles" ratio
printf '|%s|%s|%s|%s|\n' ------------------------------------ ------------------------ ------------------------ -------:
printf '| %-34s | %-22s | %-22s | %6s |\n' "time to first screen (ms)" "$(fmt_stats "$s_ms")" "$(fmt_stats "$b_ms")" "$(ratio "${b_ms%% *}" "${s_ms%% *}")"
printf '| %-34s | %-22s | %-22s | %6s |\n' "peak memory at first screen (MiB)" "$(fmt_stats "$s_kb")" "$(fmt_stats "$b_kb")" "$(ratio "${b_kb%% *}" "${s_kb%% *}")"
f_ms=$(col 1 "$W/flt-big") f_kb=$(kib "$(col 2 "$W/flt-big")")
printf '| %-34s | %-22s | %-22s | %6s |\n' "filter + Enter to its screen (ms)" "" "$(fmt_stats "$f_ms")" ""
printf '| %-34s | %-22s | %-22s | %6s |\n' "peak memory after the filter (MiB)" "" "$(fmt_stats "$f_kb")" "$(ratio "${f_kb%% *}" "${s_kb%% *}")"
pd=$(stats <"$W/pc-down") pp=$(stats <"$W/pc-pgdn") dd=$(stats <"$W/dlg-down") dp=$(stats <"$W/dlg-pgdn")
printf '\n| %-34s | %-22s | %-22s | %6s |\n' "bytes to the terminal" "popconn ($rows rows)" "dialog --menu ($dlg_rows rows)" ratio
printf '|%s|%s|%s|%s|\n' ------------------------------------ ------------------------ ------------------------ -------:
printf '| %-34s | %-22s | %-22s | %6s |\n' "per Down" "$(fmt_stats "$pd")" "$(fmt_stats "$dd")" "$(ratio "${pd%% *}" "${dd%% *}")"
printf '| %-34s | %-22s | %-22s | %6s |\n' "per PageDown" "$(fmt_stats "$pp")" "$(fmt_stats "$dp")" "$(ratio "${pp%% *}" "${dp%% *}")"
