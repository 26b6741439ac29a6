#!/usr/bin/env bash
# bench/group_mem.sh - peak memory of one `popconn test --group G --prom
# FILE` run over 1,000 and over 10,000 profiles, and the ratio.  Memory
# should not grow with the number of profiles beyond the results the
# Prometheus file needs (about 100 bytes each) and SQLite's page cache
# (bounded: 2 MiB by default).
#
#   TARGET=closed   (default) every profile points at a closed loopback
#                   port: connect_refused at once, so 10,000 logons take
#                   seconds
#   TARGET=hostile  every profile logs on to pc_hostile --mode ok_plain
#                   (a whole POP3 dialogue and trace per logon, no TLS;
#                   POPCONN_HOSTILE=path, default build/tests/pc_hostile)
#
# Peak RSS is GNU time's %M (KiB).  Runs alternate between the sizes, REPS
# times (default 3); printed: the median (min-max) per size, with and
# without --prom, the ratio 10,000 / 1,000, and what each extra profile
# cost.  POPCONN_BASELINE=path adds the same runs (without --prom) of
# another popconn binary, e.g. one built before this change.  JOBS (16).
# A benchmark, not a test.  POPCONN=path picks the binary (build/popconn).
set -euo pipefail
REPS=${REPS:-3}
JOBS=${JOBS:-16}
TARGET=${TARGET:-closed}
SIZES=${SIZES:-"1000 10000"}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bench/lib.sh"
PC=${POPCONN:-$root/build/popconn}
[ -x "$PC" ] || { echo "build popconn first (cmake --build build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time, package time)" >&2; exit 2; }
W=$(mktemp -d)
HOSTILE_PID=
cleanup() {
	if [ -n "$HOSTILE_PID" ]; then
		kill -TERM "$HOSTILE_PID" 2>/dev/null || true
		wait "$HOSTILE_PID" 2>/dev/null || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT
export XDG_CONFIG_HOME=$W/config

case $TARGET in
closed)
	# A port that was free a moment ago: bound, then closed again.
	PORT=$(perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(Listen => 1,
		    LocalAddr => "127.0.0.1:0") or die "bind: $!\n";
		print $s->sockport' )
	EXPECT=connect_refused
	;;
hostile)
	H=${POPCONN_HOSTILE:-$root/build/tests/pc_hostile}
	[ -x "$H" ] || { echo "no pc_hostile at $H" >&2; exit 2; }
	"$H" --mode ok_plain --port 0 --portfile "$W/port" >/dev/null 2>&1 &
	HOSTILE_PID=$!
	for _ in $(seq 200); do [ -s "$W/port" ] && break; sleep 0.05; done
	PORT=$(cat "$W/port")
	EXPECT=ok
	;;
*)
	echo "TARGET is closed or hostile" >&2
	exit 2
	;;
esac

# One database per size, made by a single import.
for n in $SIZES; do
	awk -v n="$n" -v port="$PORT" 'BEGIN { print "["; for (i = 0; i < n; i++)
		printf "{\"name\":\"m%05d\",\"group\":\"mem\",\"address\":\"127.0.0.1\",\"port\":%d,\"security\":\"none\",\"allow_plaintext\":true,\"auth\":\"user\",\"username\":\"u%05d\",\"password\":\"bench\"}%s\n", i, port, i, (i < n - 1 ? "," : "")
		print "]" }' >"$W/g$n.json"
	"$PC" --db "$W/p$n.db" import "$W/g$n.json" >/dev/null
	rm -f "$W/g$n.json"
done

# peak DB N BINARY [ARGS...]: one run, prints "KIB OK_COUNT".
peak() {
	local db=$1 bin=$2 n
	shift 2
	/usr/bin/time -f '%M' -o "$W/time" "$bin" --db "$db" test --group mem \
		--jobs "$JOBS" "$@" >"$W/out" 2>"$W/err" || true
	n=$(grep -c " $EXPECT " "$W/out" || true)
	echo "$(tail -n 1 "$W/time") $n"
}

declare -A R=()
binaries=("popconn --prom" "popconn")
[ -n "${POPCONN_BASELINE:-}" ] && binaries+=("baseline")
for _ in $(seq "$REPS"); do
	for n in $SIZES; do
		for b in "${binaries[@]}"; do
			case $b in
			"popconn --prom") read -r kib got < <(peak "$W/p$n.db" "$PC" --prom "$W/m$n.prom") ;;
			popconn) read -r kib got < <(peak "$W/p$n.db" "$PC") ;;
			baseline) read -r kib got < <(peak "$W/p$n.db" "$POPCONN_BASELINE") ;;
			esac
			[ "$got" = "$n" ] || echo "  $b, $n profiles: only $got of $n gave $EXPECT" >&2
			R[$b/$n]+="$kib"$'\n'
		done
	done
done

set -- $SIZES
small=$1 big=${2:-$1}
printf '\npeak RSS of one `popconn test --group` run, target %s (%s), --jobs %d; %d runs per cell, alternating\n' \
	"$TARGET" "$EXPECT" "$JOBS" "$REPS"
printf 'load average: %s\n\n' "$(loadavg)"
printf '| %-16s | %-22s | %-22s | %6s | %-22s |\n' run "$small profiles, KiB" "$big profiles, KiB" ratio "bytes per extra profile"
printf '|%s|%s|%s|%s|%s|\n' ------------------ ------------------------ ------------------------ -------: ------------------------
for b in "${binaries[@]}"; do
	read -r m1 lo1 hi1 < <(printf '%s' "${R[$b/$small]}" | stats)
	read -r m2 lo2 hi2 < <(printf '%s' "${R[$b/$big]}" | stats)
	awk -v b="$b" -v m1="$m1" -v lo1="$lo1" -v hi1="$hi1" -v m2="$m2" \
	    -v lo2="$lo2" -v hi2="$hi2" -v s="$small" -v g="$big" 'BEGIN {
		per = g > s ? (m2 - m1) * 1024 / (g - s) : 0
		printf "| %-16s | %-22s | %-22s | %5.2fx | %-22.0f |\n", b,
		    sprintf("%d (%d-%d)", m1, lo1, hi1),
		    sprintf("%d (%d-%d)", m2, lo2, hi2), m2 / m1, per }'
done
if [ -s "$W/m$big.prom" ]; then
	printf '\nthe Prometheus file for %s profiles: %s bytes, %s lines\n' "$big" \
		"$(stat -c %s "$W/m$big.prom")" "$(wc -l <"$W/m$big.prom")"
fi
printf 'database files: %s\n' "$(for n in $SIZES; do printf '%s profiles %s KiB; ' "$n" $(($(stat -c %s "$W/p$n.db") / 1024)); done)"
