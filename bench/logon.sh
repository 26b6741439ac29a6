#!/usr/bin/env bash
# bench/logon.sh - test-logon cost against the local Dovecot, side by side
# with curl doing the same logon and STAT in the same run (a benchmark, not a
# test: nothing asserts a time).  Run as root (it starts the test servers).
#
#   1. one test logon, implicit TLS (pop3s) and STLS: median wall time of
#      RUNS runs (default 20), popconn `test NAME --quiet` against
#      `curl -X STAT -I`;
#   2. `popconn test --group` over GROUP profiles (default 200) at --jobs 16
#      against curl run 16-wide with xargs -P 16.
set -euo pipefail
RUNS=${RUNS:-20}
GROUP=${GROUP:-200}
JOBS=${JOBS:-16}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PC=${POPCONN:-$root/build/popconn}
[ -x "$PC" ] || { echo "build popconn first (cmake --build build)" >&2; exit 2; }
W=$(mktemp -d)
chmod 755 "$W"
trap '"$root/tests/integ/servers.sh" stop "$W/srv" >/dev/null 2>&1; rm -rf "$W"' EXIT
mkdir "$W/srv"
POPCONN_SERVERS_ONLY="dovecot-main dovecot-group" "$root/tests/integ/servers.sh" start "$W/srv" >/dev/null
eval "$("$root/tests/integ/servers.sh" env "$W/srv")"
export POPCONN_DB=$W/pc.db XDG_CONFIG_HOME=$W/config

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v n="$1" 'BEGIN {printf "%.1f", n / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
timeit() { # CMD...: median wall time in ns over RUNS runs
	for _ in $(seq "$RUNS"); do
		t0=$(now_ns)
		"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
		t1=$(now_ns)
		echo $((t1 - t0))
	done | median
}

for sec in ssl tls; do
	port=$POP3S_GROUP_PORT
	[ $sec = tls ] && port=$POP3_GROUP_PORT
	"$PC" add "b-$sec" address=localhost port="$port" security=$sec \
		"tls_ca_file=$POPCONN_TEST_CA" "username=$TEST_USER" >/dev/null
	printf '%s\n' "$TEST_PASS" | "$PC" set "b-$sec" password=- >/dev/null
done
pc_ssl=$(timeit "$PC" test b-ssl --quiet)
curl_ssl=$(timeit curl -sS --max-time 10 --cacert "$POPCONN_TEST_CA" -u "$TEST_USER:$TEST_PASS" \
	-X STAT -I "pop3s://localhost:$POP3S_GROUP_PORT/")
pc_tls=$(timeit "$PC" test b-tls --quiet)
curl_tls=$(timeit curl -sS --max-time 10 --ssl-reqd --cacert "$POPCONN_TEST_CA" -u "$TEST_USER:$TEST_PASS" \
	-X STAT -I "pop3://localhost:$POP3_GROUP_PORT/")

# A group of GROUP profiles, all logging on to the group instance.
awk -v n="$GROUP" -v port="$POP3S_GROUP_PORT" -v ca="$POPCONN_TEST_CA" -v u="$TEST_USER" \
	'BEGIN {print "["; for (i = 0; i < n; i++) printf "{\"name\":\"g%04d\",\"group\":\"bench\",\"address\":\"localhost\",\"port\":%d,\"security\":\"ssl\",\"tls_ca_file\":\"%s\",\"username\":\"%s\",\"password\":\"%s\"}%s\n", i, port, ca, u, ENVIRON["TEST_PASS"], (i < n - 1 ? "," : ""); print "]"}' >"$W/group.json"
"$PC" import "$W/group.json" >/dev/null
rm -f "$W/group.json"
t0=$(now_ns)
"$PC" test --group bench --jobs "$JOBS" >"$W/group.out" || true
t1=$(now_ns)
pc_group=$((t1 - t0))
pc_ok=$(grep -c ' ok ' "$W/group.out" || true)
t0=$(now_ns)
seq "$GROUP" | xargs -P "$JOBS" -I{} curl -sS --max-time 30 --cacert "$POPCONN_TEST_CA" \
	-u "$TEST_USER:$TEST_PASS" -X STAT -I "pop3s://localhost:$POP3S_GROUP_PORT/" -o /dev/null
t1=$(now_ns)
curl_group=$((t1 - t0))

printf '\n%-46s %12s %12s %8s\n' "test logon (Dovecot on loopback)" "popconn ms" "curl ms" "ratio"
printf '%-46s %12s %12s %8s\n' "implicit TLS, median of $RUNS" "$(ms "$pc_ssl")" "$(ms "$curl_ssl")" "$(ratio "$pc_ssl" "$curl_ssl")"
printf '%-46s %12s %12s %8s\n' "STLS, median of $RUNS" "$(ms "$pc_tls")" "$(ms "$curl_tls")" "$(ratio "$pc_tls" "$curl_tls")"
printf '%-46s %12s %12s %8s\n' "$GROUP profiles, $JOBS at a time ($pc_ok ok)" "$(ms "$pc_group")" "$(ms "$curl_group")" "$(ratio "$pc_group" "$curl_group")"
