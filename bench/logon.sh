#!/usr/bin/env bash
# bench/logon.sh - one test logon against the local Dovecot, popconn beside
# curl doing the same logon + STAT in the same run (a benchmark, not a test:
# nothing asserts a time).  Run as root (it starts the test servers).
#
# For implicit TLS and for STLS, RUNS (default 21) runs of each client,
# alternating popconn, curl, popconn, curl ...: `popconn test NAME --quiet`
# (profile with its CA file, PLAIN, the "group" Dovecot) against
# `curl --cacert CA --login-options AUTH=PLAIN -X STAT -I`.  Printed: median
# and min-max of wall time and of process CPU (user + system, from perf
# stat's task-clock when available), the ratio of the medians, and the load
# average before and after.  POPCONN=path picks the binary (build/popconn);
# POPCONN_BASELINE=path adds a column for another popconn binary (an older
# build), run in the same alternation.
#
# Two more cases split popconn's CPU: "start-up" is `popconn --version`
# beside `curl --version` (process start and dynamic linking, no work), and
# "store" is `popconn show NAME` beside the same start-up (start-up plus
# opening the store and reading one profile; its peer column is curl
# --version again, so the ratio is only a scale).  What a test logon costs
# beyond "store" is the TLS handshake, the dialogue and the result written
# back.
set -euo pipefail
RUNS=${RUNS:-21}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bench/lib.sh"
PC=${POPCONN:-$root/build/popconn}
BASE=${POPCONN_BASELINE:-}
[ -x "$PC" ] || { echo "build popconn first (cmake --build build)" >&2; exit 2; }
W=$(mktemp -d)
chmod 755 "$W"
trap '"$root/tests/integ/servers.sh" stop "$W/srv" >/dev/null 2>&1; rm -rf "$W"' EXIT
mkdir "$W/srv"
POPCONN_SERVERS_ONLY="dovecot-group" "$root/tests/integ/servers.sh" start "$W/srv" >/dev/null
eval "$("$root/tests/integ/servers.sh" env "$W/srv")"
export POPCONN_DB=$W/pc.db XDG_CONFIG_HOME=$W/config

for sec in ssl tls; do
	port=$POP3S_GROUP_PORT
	[ $sec = tls ] && port=$POP3_GROUP_PORT
	"$PC" add "b-$sec" address=localhost port="$port" security=$sec auth=plain \
		"tls_ca_file=$POPCONN_TEST_CA" "username=$TEST_USER" >/dev/null
	printf '%s\n' "$TEST_PASS" | "$PC" set "b-$sec" password=- >/dev/null
done
# the baseline binary reads the same database (migrated by the newer one, if
# it can), else its own
if [ -n "$BASE" ] && ! "$BASE" show b-ssl >/dev/null 2>&1; then
	echo "POPCONN_BASELINE cannot read the database" >&2
	exit 2
fi
C=(curl -sS --max-time 10 --cacert "$POPCONN_TEST_CA" -u "$TEST_USER:$TEST_PASS"
	--login-options AUTH=PLAIN -X STAT -I)

load0=$(loadavg)
for sec in ssl tls; do
	if [ $sec = ssl ]; then url=pop3s://localhost:$POP3S_GROUP_PORT/; else
		url=pop3://localhost:$POP3_GROUP_PORT/; fi
	extra=()
	[ $sec = tls ] && extra=(--ssl-reqd)
	# one warm-up each (page cache), not counted
	run_cost "$PC" test "b-$sec" --quiet >/dev/null
	run_cost "${C[@]}" "${extra[@]}" "$url" >/dev/null
	: >"$W/pc-$sec" && : >"$W/curl-$sec" && : >"$W/base-$sec"
	for _ in $(seq "$RUNS"); do
		run_cost "$PC" test "b-$sec" --quiet >>"$W/pc-$sec"
		run_cost "${C[@]}" "${extra[@]}" "$url" >>"$W/curl-$sec"
		[ -z "$BASE" ] || run_cost "$BASE" test "b-$sec" --quiet >>"$W/base-$sec"
	done
done
# start-up and store, alternating the same way
run_cost "$PC" --version >/dev/null
run_cost curl --version >/dev/null
for f in pc-up curl-up base-up pc-st curl-st base-st; do : >"$W/$f"; done
for _ in $(seq "$RUNS"); do
	run_cost "$PC" --version >>"$W/pc-up"
	run_cost curl --version >>"$W/curl-up"
	[ -z "$BASE" ] || run_cost "$BASE" --version >>"$W/base-up"
	run_cost "$PC" show b-ssl >>"$W/pc-st"
	run_cost curl --version >>"$W/curl-st"
	[ -z "$BASE" ] || run_cost "$BASE" show b-ssl >>"$W/base-st"
done
load1=$(loadavg)

cpu_how="perf stat task-clock"
[ -n "$BENCH_PERF" ] || cpu_how="GNU time, 10 ms resolution"
printf '\ntest logon + STAT, PLAIN, Dovecot on loopback; %d runs each, alternating; median (min-max) ms\n' "$RUNS"
printf 'load average before: %s, after: %s; CPU = user + system (%s)\n\n' "$load0" "$load1" "$cpu_how"
bh='' bs=''
[ -z "$BASE" ] || bh=" baseline             |" bs="----------------------|"
printf '| %-12s | %-8s | %-20s | %-20s | %6s |%s\n' case measure popconn curl ratio "$bh"
printf '|%s|%s|%s|%s|%s|%s\n' -------------- ---------- ---------------------- ---------------------- -------: "$bs"
for sec in ssl tls up st; do
	case $sec in
	ssl) label="implicit TLS" ;;
	tls) label=STLS ;;
	up) label=start-up ;;
	st) label=store ;;
	esac
	for col in 1 2; do
		what=wall
		[ $col = 2 ] && what=CPU
		p=$(cut -d' ' -f$col "$W/pc-$sec" | stats)
		c=$(cut -d' ' -f$col "$W/curl-$sec" | stats)
		b=
		[ -z "$BASE" ] || b=" $(printf '%-20s' "$(fmt_stats "$(cut -d' ' -f$col "$W/base-$sec" | stats)")") |"
		printf '| %-12s | %-8s | %-20s | %-20s | %6s |%s\n' "$label" "$what" "$(fmt_stats "$p")" \
			"$(fmt_stats "$c")" "$(ratio "${p%% *}" "${c%% *}")" "$b"
	done
done
bt='`'
printf '\n*start-up: %s / %s; store: %s / %s*\n' "${bt}popconn --version$bt" \
	"${bt}curl --version$bt" "${bt}popconn show NAME$bt" "${bt}curl --version$bt"
