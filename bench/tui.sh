#!/usr/bin/env bash
# bench/tui.sh - the terminal UI at 80x24 in tmux: time to first screen and
# memory with 10 and with 100,000 profiles (the ratio shows whether the cost
# grows with the data), and bytes written to the terminal per cursor
# movement in the list, beside dialog --menu (a peer ncurses list) in the
# same run.  A benchmark, not a test.
set -euo pipefail
BIG=${BIG:-100000}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PC=${POPCONN:-$root/build/popconn}
[ -x "$PC" ] || { echo "build popconn first (cmake --build build)" >&2; exit 2; }
command -v tmux >/dev/null && command -v dialog >/dev/null || { echo "needs tmux and dialog" >&2; exit 2; }
W=$(mktemp -d)
S=pcbench$$
tm() { tmux -L "$S" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null || true; rm -rf "$W"' EXIT
export XDG_CONFIG_HOME=$W/config LANG=C.UTF-8 TERM=xterm

mkdb() { # N DB
	awk -v n="$1" 'BEGIN {print "["; for (i = 0; i < n; i++) printf "{\"name\":\"p%06d\",\"group\":\"g%03d\",\"address\":\"pop%d.example.com\"}%s\n", i, i % 200, i % 97, (i < n - 1 ? "," : ""); print "]"}' >"$W/seed.json"
	POPCONN_DB=$2 "$PC" import "$W/seed.json" >/dev/null
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# first_screen DB: ms from start to the first full list screen, and the
# peak RSS (KiB) of popconn then.
first_screen() {
	local t0 t1 pid
	tm kill-server 2>/dev/null || true
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
	sleep 0.5
	after=$(stat -c %s "$W/pipe")
	tm pipe-pane
	echo $(((after - before) / n))
}

mkdb 10 "$W/small.db"
mkdb "$BIG" "$W/big.db"
read -r small_ms small_kb < <(first_screen "$W/small.db")
read -r big_ms big_kb < <(first_screen "$W/big.db")
pc_down=$(bytes_per Down 20)
pc_pgdn=$(bytes_per NPage 10)
tm kill-server 2>/dev/null || true

# The peer: dialog --menu over 10,000 items (dialog reads all of them).
seq 10000 | awk '{printf "%d item-%d ", $1, $1}' >"$W/items"
printf '#!/bin/sh\nexec dialog --menu pick 22 76 16 $(cat %s)\n' "$W/items" >"$W/dlg.sh"
tm new-session -d -x 80 -y 24 "sh $W/dlg.sh"
until tm capture-pane -p | grep -q 'item-1'; do sleep 0.01; done
dlg_down=$(bytes_per Down 20)
dlg_pgdn=$(bytes_per NPage 10)

printf '\n%-46s %12s %12s %8s\n' "terminal UI, 80x24, TERM=xterm" "10" "$BIG" "ratio"
printf '%-46s %12s %12s %8s\n' "time to first screen (ms)" "$small_ms" "$big_ms" "$(awk -v a="$big_ms" -v b="$small_ms" 'BEGIN {printf "%.1fx", a / b}')"
printf '%-46s %12s %12s %8s\n' "peak memory at first screen (MiB)" "$(awk -v k="$small_kb" 'BEGIN {printf "%.1f", k / 1024}')" "$(awk -v k="$big_kb" 'BEGIN {printf "%.1f", k / 1024}')" "$(awk -v a="$big_kb" -v b="$small_kb" 'BEGIN {printf "%.2fx", a / b}')"
printf '\n%-46s %12s %12s %8s\n' "bytes written to the terminal" "popconn" "dialog" "ratio"
printf '%-46s %12s %12s %8s\n' "per Down" "$pc_down" "$dlg_down" "$(awk -v a="$pc_down" -v b="$dlg_down" 'BEGIN {printf "%.2fx", a / b}')"
printf '%-46s %12s %12s %8s\n' "per PageDown" "$pc_pgdn" "$dlg_pgdn" "$(awk -v a="$pc_pgdn" -v b="$dlg_pgdn" 'BEGIN {printf "%.2fx", a / b}')"
