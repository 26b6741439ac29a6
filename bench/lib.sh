# shellcheck shell=bash
# bench/lib.sh - helpers shared by the benchmark scripts (sourced).
#
# Every figure a script prints comes from runs it made itself: runs of
# popconn and of its peer alternate (popconn, peer, popconn, peer ...) so
# that a change in the machine's load hits both, and each figure is the
# median with its spread (min-max) beside the load average.

# loadavg: "1.23 1.10 0.98" (1, 5, 15 minutes)
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# run_cost CMD...: run CMD once (output discarded) and print "WALL_MS
# CPU_MS": wall time and process CPU (user + system, children included).
# perf stat (task-clock, duration_time) when it works, else GNU time (10 ms
# resolution).  Exits 1 when CMD fails.
BENCH_PERF=
if command -v perf >/dev/null 2>&1 &&
	perf stat -x, -e task-clock,duration_time -o /dev/null true 2>/dev/null; then
	BENCH_PERF=1
fi
run_cost() {
	local f rc
	f=$(mktemp)
	set +e
	if [ -n "$BENCH_PERF" ]; then
		perf stat -x, -e task-clock,duration_time -o "$f" -- "$@" >/dev/null 2>&1
		rc=$?
		awk -F, '$3 == "task-clock" {c = $1} $3 == "duration_time" {w = $1 / 1e6}
			END {printf "%.2f %.2f\n", w, c}' "$f"
	else
		/usr/bin/time -f '%e %U %S' -o "$f" "$@" >/dev/null 2>&1
		rc=$?
		tail -n 1 "$f" | awk '{printf "%.2f %.2f\n", $1 * 1000, ($2 + $3) * 1000}'
	fi
	set -e
	rm -f "$f"
	[ "$rc" -eq 0 ] || { echo "failed (exit $rc): $*" >&2; return 1; }
}

# stats: numbers on stdin -> "MEDIAN MIN MAX"
stats() {
	sort -g | awk '{a[NR] = $1}
		END {if (NR == 0) {print "- - -"; exit}
		     m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		     printf "%.1f %.1f %.1f\n", m, a[1], a[NR]}'
}
# fmt_stats "MEDIAN MIN MAX" -> "12.3 (11.0-14.2)"
fmt_stats() { awk -v s="$1" 'BEGIN {split(s, a, " "); printf "%s (%s-%s)", a[1], a[2], a[3]}'; }
# ratio A B -> "0.52x"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else printf "-"}'; }
