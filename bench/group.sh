#!/usr/bin/env bash
# bench/group.sh - `popconn test --group` over N profiles (default 1000)
# against the local Dovecot at 1, 16 and 64 jobs: wall time, logons per
# second and peak memory, beside curl run as wide (xargs -P) in the same
# run.  Run as root (it starts the test servers).  A benchmark, not a test.
set -euo pipefail
N=${N:-1000}
WIDTHS=${WIDTHS:-"1 16 64"}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PC=${POPCONN:-$root/build/popconn}
[ -x "$PC" ] || { echo "build popconn first (cmake --build build)" >&2; exit 2; }
W=$(mktemp -d)
chmod 755 "$W"
trap '"$root/tests/integ/servers.sh" stop "$W/srv" >/dev/null 2>&1; rm -rf "$W"' EXIT
mkdir "$W/srv"
POPCONN_SERVERS_ONLY="dovecot-group" "$root/tests/integ/servers.sh" start "$W/srv" >/dev/null
eval "$("$root/tests/integ/servers.sh" env "$W/srv")"
export POPCONN_DB=$W/pc.db XDG_CONFIG_HOME=$W/config
awk -v n="$N" -v port="$POP3S_GROUP_PORT" -v ca="$POPCONN_TEST_CA" -v u="$TEST_USER" \
	'BEGIN {print "["; for (i = 0; i < n; i++) printf "{\"name\":\"g%05d\",\"group\":\"bench\",\"address\":\"localhost\",\"port\":%d,\"security\":\"ssl\",\"tls_ca_file\":\"%s\",\"username\":\"%s\",\"password\":\"%s\"}%s\n", i, port, ca, u, ENVIRON["TEST_PASS"], (i < n - 1 ? "," : ""); print "]"}' >"$W/group.json"
"$PC" import "$W/group.json" >/dev/null
rm -f "$W/group.json"

printf '%-8s %14s %10s %12s   %14s %10s %12s\n' "jobs" "popconn s" "logon/s" "peak MiB" "curl s" "logon/s" "MiB/process"
for j in $WIDTHS; do
	/usr/bin/time -f '%e %M' -o "$W/pc.time" "$PC" test --group bench --jobs "$j" >"$W/pc.out" || true
	okn=$(grep -c ' ok ' "$W/pc.out" || true)
	grep -vE ' ok |^NAME|^$|tested' "$W/pc.out" | head -3 >&2 || true
	read -r pe pm < <(tail -n 1 "$W/pc.time")
	/usr/bin/time -f '%e %M' -o "$W/curl.time" sh -c "seq $N | xargs -P $j -I{} curl -sS --max-time 30 \
		--cacert '$POPCONN_TEST_CA' -u '$TEST_USER:$TEST_PASS' -X STAT -I \
		'pop3s://localhost:$POP3S_GROUP_PORT/' -o /dev/null" || true
	read -r ce cm < <(tail -n 1 "$W/curl.time")
	printf '%-8s %14s %10s %12s   %14s %10s %12s\n' "$j" "$pe ($okn ok)" \
		"$(awk -v n="$N" -v t="$pe" 'BEGIN {printf "%.0f", n / t}')" \
		"$(awk -v k="$pm" 'BEGIN {printf "%.1f", k / 1024}')" "$ce" \
		"$(awk -v n="$N" -v t="$ce" 'BEGIN {printf "%.0f", n / t}')" \
		"$(awk -v k="$cm" 'BEGIN {printf "%.1f", k / 1024}')"
done
echo "(curl: peak RSS of the largest single curl process; $N processes in all, up to 'jobs' at once)"
