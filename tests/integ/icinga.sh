#!/usr/bin/env bash
# tests/integ/icinga.sh POPCONN - `popconn check` run by a real Icinga 2:
# a PRIVATE instance (`icinga2 daemon -c` with this test's own
# icinga2.conf, every path under the test's folder, no system service,
# stopped by its pid) with a CheckCommand running popconn check, and
# three hosts with a service each against the real Dovecot (servers.sh):
#  - good: OK;
#  - wrong password: CRITICAL, the diagnosis in the output;
#  - certificate expiring within the warning days: WARNING (the server's
#    own certificate, valid 825 days from the start of servers.sh, against
#    --cert-warning-days 900).
# The states, outputs and performance data are read back from the files
# Icinga's PerfdataWriter wrote.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
slow_factor "$PC"
[ "$(id -u)" = 0 ] || skip_test "needs root (Dovecot)"
command -v icinga2 >/dev/null || skip_test "icinga2 is not installed (scripts/deps.sh)"
T=$(mktemp -d)
chmod 755 "$T"
I=$T/icinga
IPID=
stop_icinga() {
	[ -n "$IPID" ] || return 0
	# Its own session (setsid): TERM the group, wait, then KILL what is
	# left of it.  Only processes of that group, which this test made.
	kill -TERM -- "-$IPID" 2>/dev/null || true
	for _ in $(seq 100); do
		ps -e -o pgid=,stat= | awk -v g="$IPID" '$1 == g && $2 !~ /^Z/' |
			grep -q . || break
		sleep 0.1
	done
	kill -KILL -- "-$IPID" 2>/dev/null || true
	IPID=
}
cleanup() {
	stop_icinga
	"$here/servers.sh" stop "$T/srv" >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/srv"
POPCONN_SERVERS_ONLY="dovecot-main dovecot-group" \
	"$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
KEY=$XDG_CONFIG_HOME/popconn/key

add() {	# add NAME PORT PASSWORD
	"$PC" add "$1" address=localhost port="$2" security=ssl \
		tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" >/dev/null
	printf '%s\n' "$3" | "$PC" set "$1" password=- >/dev/null
}
add good "$POP3S_PORT" "$TEST_PASS"
add expiring "$POP3S_PORT" "$TEST_PASS"
add wrongpw "$POP3S_GROUP_PORT" Wr0ng-icinga

mkdir -p "$I"/{run/icinga2,data,log,cache,spool,perf}
cat >"$I/icinga2.conf" <<EOF
// A private Icinga 2 for tests/integ/icinga.sh: no features but the
// check scheduler and a PerfdataWriter, nothing listens.
include <itl>

object CheckerComponent "checker" { }

object PerfdataWriter "perfdata" {
	host_perfdata_path = "$I/perf/host-perfdata"
	service_perfdata_path = "$I/perf/service-perfdata"
	host_temp_path = "$I/perf/host-perfdata.tmp"
	service_temp_path = "$I/perf/service-perfdata.tmp"
	service_format_template = "SERVICE::\$host.name\$\\tSTATE::\$service.state\$\\tOUTPUT::\$service.output\$\\tPERFDATA::\$service.perfdata\$"
	rotation_interval = 1s
}

object CheckCommand "popconn" {
	command = [ "$PC", "--db", "$POPCONN_DB", "--key", "$KEY", "check" ]
	arguments = {
		"--cert-warning-days" = {
			value = "\$popconn_cert_warning_days\$"
			order = 1
		}
		"--warning-time" = {
			value = "\$popconn_warning_time\$"
			order = 2
		}
		"--critical-time" = {
			value = "\$popconn_critical_time\$"
			order = 3
		}
		"profile" = {
			value = "\$popconn_profile\$"
			skip_key = true
			order = 10
		}
	}
	timeout = 60s
}

template Host "pop-host" {
	check_command = "dummy"
	vars.dummy_state = 0
	check_interval = 1h
}

apply Service "pop3" {
	check_command = "popconn"
	check_interval = 2s
	retry_interval = 2s
	max_check_attempts = 1
	vars.popconn_profile = host.vars.profile
	vars.popconn_warning_time = 30
	vars.popconn_critical_time = 50
	if (host.vars.cert_warning_days) {
		vars.popconn_cert_warning_days = host.vars.cert_warning_days
	}
	assign where host.vars.profile
}

object Host "good" {
	import "pop-host"
	vars.profile = "good"
}
object Host "wrongpw" {
	import "pop-host"
	vars.profile = "wrongpw"
}
object Host "expiring" {
	import "pop-host"
	vars.profile = "expiring"
	vars.cert_warning_days = 900
}
EOF

defs=(-DRunAsUser=root -DRunAsGroup=root -DDataDir="$I/data"
	-DLogDir="$I/log" -DCacheDir="$I/cache" -DSpoolDir="$I/spool"
	-DInitRunDir="$I/run" -DPidPath="$I/run/icinga2/icinga2.pid"
	-DVarsPath="$I/cache/icinga2.vars" -DObjectsPath="$I/cache/icinga2.debug"
	-DStatePath="$I/data/icinga2.state"
	-DModAttrPath="$I/data/modified-attributes.conf")
run icinga2 daemon -C -c "$I/icinga2.conf" "${defs[@]}"
expect_rc 0 "icinga2 daemon -C: the test's configuration is valid"
[ "$RC" = 0 ] || { printf '%s\n' "$OUT" | tail -20; finish; }

setsid icinga2 daemon -c "$I/icinga2.conf" "${defs[@]}" \
	>"$I/icinga2.out" 2>&1 </dev/null &
IPID=$!

# Icinga writes a temporary file and renames it to
# service-perfdata.<unix time> every second (and at shutdown, possibly
# onto the name of the last second's file): collect and remove what it
# rotated, then take the newest line per host from what was collected.
collect() {
	local f
	for f in "$I"/perf/service-perfdata.[0-9]*; do
		[ -e "$f" ] || continue
		cat "$f" >>"$I/seen"
		rm -f "$f"
	done
}
latest() {
	awk -F'\t' -v h="SERVICE::$1" '$1 == h { l = $0 } END { print l }' \
		"$I/seen" 2>/dev/null
}
all_seen() {
	collect
	[ -n "$(latest good)" ] && [ -n "$(latest wrongpw)" ] &&
		[ -n "$(latest expiring)" ]
}
if wait_until 90 all_seen; then
	ok "Icinga ran the three checks and wrote their performance data"
else
	not_ok "Icinga ran the three checks and wrote their performance data" \
		"$(tail -20 "$I/icinga2.out"; ls -l "$I/perf")"
fi
stop_icinga

field() { tr '\t' '\n' <<<"$1" | sed -n "s/^$2:://p"; }
g=$(latest good)
w=$(latest wrongpw)
e=$(latest expiring)
printf 'Icinga recorded:\n%s\n%s\n%s\n' "$g" "$w" "$e"
expect_eq "$(field "$g" STATE)" OK "Icinga: good is OK"
OUT=$(field "$g" OUTPUT) ERR=
expect_out "^POP3 OK - logged on with PLAIN in [0-9]+ ms, $TEST_MSGS messages, certificate valid [0-9]+ days ?$" \
	"Icinga: good's output"
OUT=$(field "$g" PERFDATA)
expect_out "^time=[0-9.]+s;30;50;0 cert_days=[0-9]+;30:;7:;0$" \
	"Icinga: good's performance data (time, cert_days with thresholds)"
expect_eq "$(field "$w" STATE)" CRITICAL "Icinga: wrong password is CRITICAL"
OUT=$(field "$w" OUTPUT)
expect_out "^POP3 CRITICAL - auth_failed at step logon: .*Authentication failed" \
	"Icinga: the diagnosis in the CRITICAL output"
expect_no "Wr0ng-icinga" "Icinga: no password in the output"
expect_eq "$(field "$e" STATE)" WARNING "Icinga: certificate within 900 days is WARNING"
OUT=$(field "$e" OUTPUT)
expect_out "certificate valid [0-9]+ days \(under the warning 900\)" \
	"Icinga: the WARNING says why"
OUT=$(field "$e" PERFDATA)
expect_out "cert_days=[0-9]+;900:;7:;0" "Icinga: cert_days with the warning threshold"
run "$PC" history --tests wrongpw --json
expect_eq "$(jq -r '.[0].source' <<<"$OUT")" check \
	"the checks Icinga ran are in popconn's history"

finish
