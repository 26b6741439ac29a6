#!/usr/bin/env bash
# bench/group.sh - `popconn test --group` over N profiles (default 1000)
# against the local Dovecot ("group" instance, implicit TLS, PLAIN) at 1, 16
# and 64 jobs, beside two curl peers doing the same logon + STAT:
#
#   curl --parallel   one curl process, --parallel-max JOBS, a -K config
#                     with one transfer per account and `next` between them
#                     (different credentials: no connection is reused, so
#                     every transfer is a real logon)
#   curl xargs -P     one curl process per logon, JOBS at a time
#
# Every profile / transfer has its own account (N accounts are added to the
# Dovecot instance's passwd-file).  Runs alternate (popconn, curl
# --parallel, curl xargs, popconn ...) REPS times (default 3) per width;
# printed: median and min-max of logons per second, counting only
# successful logons (failures are printed), peak RSS, and the load average
# per width.  Run as root (it starts the test servers).  A benchmark, not a
# test.  POPCONN=path picks the binary (build/popconn).
set -euo pipefail
N=${N:-1000}
REPS=${REPS:-3}
WIDTHS=${WIDTHS:-"1 16 64"}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bench/lib.sh"
PC=${POPCONN:-$root/build/popconn}
[ -x "$PC" ] || { echo "build popconn first (cmake --build build)" >&2; exit 2; }
W=$(mktemp -d)
chmod 755 "$W"
trap '"$root/tests/integ/servers.sh" stop "$W/srv" >/dev/null 2>&1; rm -rf "$W"' EXIT
mkdir "$W/srv"
POPCONN_SERVERS_ONLY="dovecot-group" "$root/tests/integ/servers.sh" start "$W/srv" >/dev/null 2>&1
eval "$("$root/tests/integ/servers.sh" env "$W/srv")"
export POPCONN_DB=$W/pc.db XDG_CONFIG_HOME=$W/config
URL=pop3s://localhost:$POP3S_GROUP_PORT/

# N accounts b00000.. (same password as the test user; Dovecot re-reads the
# file when it changes and makes each empty maildir on first logon)
awk -v n="$N" -v p="$TEST_PASS" 'BEGIN {for (i = 0; i < n; i++) printf "b%05d:{PLAIN}%s::::::\n", i, p}' \
	>>"$POPCONN_SERVERS_DIR/dovecot/users"
awk -v n="$N" -v port="$POP3S_GROUP_PORT" -v ca="$POPCONN_TEST_CA" \
	'BEGIN {print "["; for (i = 0; i < n; i++) printf "{\"name\":\"g%05d\",\"group\":\"bench\",\"address\":\"localhost\",\"port\":%d,\"security\":\"ssl\",\"auth\":\"plain\",\"tls_ca_file\":\"%s\",\"username\":\"b%05d\",\"password\":\"%s\"}%s\n", i, port, ca, i, ENVIRON["TEST_PASS"], (i < n - 1 ? "," : ""); print "]"}' >"$W/group.json"
"$PC" import "$W/group.json" >/dev/null
rm -f "$W/group.json"
# the curl config: one block per account, `next` between them
umask 077
awk -v n="$N" -v p="$TEST_PASS" -v ca="$POPCONN_TEST_CA" -v url="$URL" 'BEGIN {
	for (i = 0; i < n; i++) {
		if (i) print "next"
		printf "url = \"%s\"\nuser = \"b%05d:%s\"\ncacert = \"%s\"\n", url, i, p, ca
		print "login-options = \"AUTH=PLAIN\"\nrequest = \"STAT\"\nhead\noutput = \"/dev/null\""
		print "max-time = 60\nsilent\nshow-error\nwrite-out = \"%{exitcode} %{url_effective}\\n\""
	}}' >"$W/curl.cfg"
awk -v n="$N" 'BEGIN {for (i = 0; i < n; i++) printf "b%05d\n", i}' >"$W/accounts"
# warm-up: every account logs on once (Dovecot makes the maildirs)
"$PC" test --group bench --jobs 16 >/dev/null || true

# time_rss OUT CMD...: run CMD (stdout to OUT), print "SECONDS PEAK_KIB"
time_rss() {
	local out=$1
	shift
	/usr/bin/time -f '%e %M' -o "$W/time" "$@" >"$out" 2>"$out.err" || true
	tail -n 1 "$W/time"
}
# fails FILE WHAT: print up to 5 failed lines of a run
fails() { grep -v "$1" "$2" | head -5 | sed "s/^/  $3 failed: /" >&2 || true; }

printf '\n%d logons (one account each), implicit TLS, PLAIN + STAT, Dovecot on loopback; %d runs per cell, alternating\n' "$N" "$REPS"
printf 'logons/s: median (min-max) over the runs, successful logons only; ok = successful logons per run (min)\n\n'
printf '| %4s | %-24s | %-24s | %-24s | %-16s | %-15s |\n' jobs "popconn logons/s (ok)" "curl --parallel (ok)" "curl xargs -P (ok)" "peak MiB pc/par/x" "load average"
printf '|%s|%s|%s|%s|%s|%s|\n' -----: -------------------------- -------------------------- -------------------------- ------------------ -----------------
for j in $WIDTHS; do
	: >"$W/r-pc"; : >"$W/r-par"; : >"$W/r-x"
	load=$(loadavg | cut -d' ' -f1)
	for _ in $(seq "$REPS"); do
		read -r t m < <(time_rss "$W/pc.out" "$PC" test --group bench --jobs "$j")
		ok=$(grep -c ' ok ' "$W/pc.out" || true)
		grep -vE ' ok |^NAME|^$|tested' "$W/pc.out" | head -5 | sed 's/^/  popconn failed: /' >&2 || true
		echo "$t $m $ok" >>"$W/r-pc"
		read -r t m < <(time_rss "$W/par.out" curl --parallel --parallel-max "$j" -K "$W/curl.cfg")
		ok=$(grep -c '^0 ' "$W/par.out" || true)
		fails '^0 ' "$W/par.out" "curl --parallel"
		echo "$t $m $ok" >>"$W/r-par"
		read -r t m < <(time_rss "$W/x.out" sh -c "xargs -P $j -I{} curl -sS --max-time 60 \
			--cacert '$POPCONN_TEST_CA' -u '{}:$TEST_PASS' --login-options AUTH=PLAIN \
			-X STAT -I -o /dev/null -w '%{exitcode} {}\n' '$URL' <'$W/accounts'")
		ok=$(grep -c '^0 ' "$W/x.out" || true)
		fails '^0 ' "$W/x.out" "curl xargs"
		echo "$t $m $ok" >>"$W/r-x"
	done
	load="$load-$(loadavg | cut -d' ' -f1)"
	cell() { # FILE: "rate (min-max) (ok)" from "secs kib ok" lines
		local s okmin
		s=$(awk '{print $3 / $1}' "$1" | stats)
		okmin=$(awk 'NR == 1 || $3 < m {m = $3} END {print m}' "$1")
		printf '%s (%s)' "$(fmt_stats "$s")" "$okmin"
	}
	mib() { awk '{if ($2 > m) m = $2} END {printf "%.1f", m / 1024}' "$1"; }
	printf '| %4s | %-24s | %-24s | %-24s | %-16s | %-15s |\n' "$j" "$(cell "$W/r-pc")" "$(cell "$W/r-par")" \
		"$(cell "$W/r-x")" "$(mib "$W/r-pc")/$(mib "$W/r-par")/$(mib "$W/r-x")" "$load"
done
echo "(peak MiB: popconn's one process, the one curl --parallel process, the largest single curl of xargs)"
