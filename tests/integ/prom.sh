#!/usr/bin/env bash
# tests/integ/prom.sh POPCONN - `popconn test --prom FILE` read by the real
# Prometheus tools (Debian's prometheus and prometheus-node-exporter), all
# private: a node_exporter and a Prometheus server on two loopback ports of
# this run's servers.sh block (base + 25, + 26; servers.sh uses + 0..24),
# each with its own files under the test's folder, stopped by pid.  The
# packaged system services are never used.
#
#  - a group of three profiles on the real Dovecot ("group" instance): a
#    good one, one with a wrong password, one whose name holds a double
#    quote and a backslash (good too);
#  - `promtool check metrics` accepts the file;
#  - node_exporter (--collector.textfile.directory) serves the lines;
#  - Prometheus scrapes node_exporter every second, and its query API
#    (/api/v1/query) gives popconn_logon_success 1 / 0 / 1 back, the odd
#    name unharmed, the certificate's not-after as openssl reads it, and
#    the failing-logon alert of docs/popconn-alerts.rules.yml pending for
#    the wrong password;
#  - the two alert rules pass `promtool check rules` and `promtool test
#    rules tests/integ/prom_rules_test.yml`;
#  - `test NAME --prom` writes a file too;
#  - a directory that does not exist is refused before anything is tested
#    (exit 2), and a write that fails (a full 8 KiB tmpfs, in a private
#    mount namespace) exits 4 naming the file, with the old file intact
#    and no temporary file left;
#  - no password in any file or output.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
slow_factor "$PC"
[ "$(id -u)" = 0 ] || skip_test "needs root (Dovecot, a tmpfs mount)"
for tool in promtool prometheus prometheus-node-exporter curl jq unshare; do
	command -v "$tool" >/dev/null ||
		skip_test "$tool is missing (scripts/deps.sh installs it)"
done
T=$(mktemp -d)
chmod 755 "$T"
NODE_PID= PROM_PID=
# stop PID: TERM, then KILL after a generous wait; our own children only.
stop() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	# (a zombie still answers kill -0: look at its state)
	for ((i = 0; i < 200; i++)); do
		[[ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" =~ ^[^Z]$ ]] || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	stop "$PROM_PID"
	stop "$NODE_PID"
	"$here/servers.sh" stop "$T/srv" >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/srv" "$T/textfile"
POPCONN_SERVERS_ONLY="dovecot-group" "$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
NODE_PORT=$((POP3_PLAIN_PORT + 25))
PROM_PORT=$((POP3_PLAIN_PORT + 26))
WRONG_PASS=Wrong-Pr0m-Passw0rd
ODD='odd "quoted" \ name'
PROM_FILE=$T/textfile/popconn.prom

# add NAME PASSWORD [GROUP]: an implicit-TLS profile on the group instance.
add() {
	"$PC" add "$1" address=localhost port="$POP3S_GROUP_PORT" security=ssl \
		tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" \
		group="${3:-mon}" timeout=20 >/dev/null
	printf '%s\n' "$2" | "$PC" set "$1" password=- >/dev/null
}
add good "$TEST_PASS"
add bad "$WRONG_PASS"
add "$ODD" "$TEST_PASS"
# no_secret WHAT TEXT: neither password is in TEXT.
no_secret() {
	if grep -qF -e "$WRONG_PASS" -e "$TEST_PASS" <<<"$2"; then
		not_ok "$1: no password in it"
	else
		ok "$1: no password in it"
	fi
}

# --- the group test writes the file ---------------------------------------
run timeout 120 "$PC" test --group mon --jobs 3 --prom "$PROM_FILE"
expect_rc 1 "test --group --prom: exit 1 (one logon failed)"
no_secret "test --group --prom output" "$OUT$ERR"
if [ -s "$PROM_FILE" ]; then ok "the file is written"; else not_ok "the file is written"; fi
prom=$(cat "$PROM_FILE" 2>/dev/null || true)
no_secret "the Prometheus file" "$prom"
expect_eq "$(find "$T/textfile" -mindepth 1 | wc -l)" 1 "no temporary file left beside it"
expect_eq "$(stat -c %a "$PROM_FILE")" 644 "the file is 0644 (node_exporter reads it as another user)"
run promtool check metrics <"$PROM_FILE"
expect_rc 0 "promtool check metrics accepts the file"
[ "$RC" = 0 ] || printf '       %s\n' "$OUT" "$ERR"
OUT=$prom ERR=
expect_out '^popconn_logon_success\{profile="good",group="mon"\} 1$' "file: good succeeded"
expect_out '^popconn_logon_success\{profile="bad",group="mon"\} 0$' "file: bad failed"
expect_out '^popconn_logon_success\{profile="odd \\"quoted\\" \\\\ name",group="mon"\} 1$' \
	"file: the odd name's quote and backslash are escaped"
expect_out '^popconn_logon_info\{profile="bad",group="mon",diagnosis="auth_failed",method="PLAIN",tls_version="TLSv1\.[23]"\} 1$' \
	"file: the diagnosis is a label of popconn_logon_info"
expect_out '^popconn_logon_duration_seconds\{profile="good",group="mon"\} [0-9]+\.[0-9]{3}$' \
	"file: the duration in seconds"
expect_out '^popconn_last_test_timestamp_seconds\{profile="good",group="mon"\} [0-9]{10}\.[0-9]{3}$' \
	"file: when the test ran"
not_after=$(date -u -d "$(openssl x509 -enddate -noout -in "$POPCONN_TEST_CERT_DIR/server.crt" | cut -d= -f2)" +%s)
expect_out "^popconn_cert_not_after_timestamp_seconds\\{profile=\"good\",group=\"mon\"\\} $not_after\$" \
	"file: the certificate's not-after is the server certificate's ($not_after)"
expect_out '^popconn_group_profiles_failed\{group="mon"\} 1$' "file: the group counts one failure"

# --- node_exporter serves it ----------------------------------------------
for port in "$NODE_PORT" "$PROM_PORT"; do
	if ss -Htln "sport = :$port" | grep -q .; then
		not_ok "port $port (this run's servers.sh block) is free"
		finish
		exit 1
	fi
done
prometheus-node-exporter --web.listen-address="127.0.0.1:$NODE_PORT" \
	--collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$T/textfile" >"$T/node.log" 2>&1 &
NODE_PID=$!
metrics() { curl -fsS --max-time 5 "http://127.0.0.1:$NODE_PORT/metrics" >"$T/metrics" 2>/dev/null; }
node_has() { metrics && grep -qF 'popconn_logon_success{group="mon",profile="bad"} 0' "$T/metrics"; }
if wait_until 60 node_has; then
	ok "node_exporter serves popconn_logon_success for bad (0)"
else
	not_ok "node_exporter serves popconn_logon_success for bad (0)" "$(tail -5 "$T/node.log")"
fi
OUT=$(cat "$T/metrics" 2>/dev/null || true) ERR=
expect_out '^popconn_logon_success\{group="mon",profile="good"\} 1$' "node_exporter: good is 1"
expect_out '^popconn_logon_success\{group="mon",profile="odd \\"quoted\\" \\\\ name"\} 1$' \
	"node_exporter: the odd name read back"
expect_out '^node_textfile_scrape_error 0$' "node_exporter: no textfile scrape error"

# --- Prometheus scrapes node_exporter; the query API reads it back ----------
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $root/docs/popconn-alerts.rules.yml
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$NODE_PORT']
EOF
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$T/prom.log" 2>&1 &
PROM_PID=$!
# query EXPR: the result as "profile=value" lines, sorted.
query() {
	curl -fsS --max-time 5 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$1" 2>/dev/null |
		jq -r '.data.result[] | "\(.metric.profile)=\(.value[1])"' 2>/dev/null | sort
}
want_success=$(printf '%s\n' "bad=0" "good=1" "$ODD=1" | sort)
success_back() { [ "$(query 'popconn_logon_success{group="mon"}')" = "$want_success" ]; }
if wait_until 90 success_back; then
	ok "Prometheus query API: popconn_logon_success good=1, bad=0, odd name=1"
else
	not_ok "Prometheus query API: popconn_logon_success good=1, bad=0, odd name=1" \
		"got: $(query 'popconn_logon_success{group="mon"}' | tr '\n' ' '); log: $(tail -3 "$T/prom.log")"
fi
expect_eq "$(query 'popconn_cert_not_after_timestamp_seconds{profile="good"}')" "good=$not_after" \
	"Prometheus: the certificate's not-after for good"
expect_eq "$(query 'popconn_logon_info{diagnosis="auth_failed"}')" "bad=1" \
	"Prometheus: the info metric says bad's diagnosis is auth_failed"
expect_eq "$(query 'popconn_logon_info and on (profile, group) (popconn_logon_success == 0)')" "bad=1" \
	"Prometheus: docs/monitoring.md's query for the failing profiles and their diagnosis"
pending() { [ "$(query 'ALERTS{alertname="PopconnLogonFailing",alertstate="pending"}')" = "bad=1" ]; }
if wait_until 60 pending; then
	ok "Prometheus: the failing-logon alert is pending for bad only (fires after 15 min)"
else
	not_ok "Prometheus: the failing-logon alert is pending for bad only" \
		"got: $(query 'ALERTS' | tr '\n' ' ')"
fi

# --- the rules: promtool check rules, promtool test rules -------------------
run promtool check rules "$root/docs/popconn-alerts.rules.yml"
expect_rc 0 "promtool check rules docs/popconn-alerts.rules.yml"
expect_out 'SUCCESS: 2 rules found' "promtool finds the two rules"
run promtool test rules "$here/prom_rules_test.yml"
expect_rc 0 "promtool test rules tests/integ/prom_rules_test.yml"
[ "$RC" = 0 ] || printf '       %s\n' "$OUT" "$ERR"

# --- test NAME --prom -------------------------------------------------------
mkdir "$T/one"
run timeout 60 "$PC" test good --quiet --prom "$T/one/good.prom"
expect_rc 0 "test NAME --prom: exit 0"
run promtool check metrics <"$T/one/good.prom"
expect_rc 0 "test NAME --prom: promtool accepts the file"
OUT=$(cat "$T/one/good.prom") ERR=
expect_out '^popconn_logon_success\{profile="good",group="mon"\} 1$' "test NAME --prom: good succeeded"

# --- refusals ---------------------------------------------------------------
run timeout 60 "$PC" test --group mon --prom "$T/nowhere/popconn.prom"
expect_rc 2 "--prom into a missing directory: exit 2"
expect_err "$T/nowhere/popconn.prom" "--prom into a missing directory: the error names the file"
expect_eq "$OUT" "" "--prom into a missing directory: nothing was tested"

# A group big enough that its file cannot fit an 8 KiB tmpfs beside the old
# file: connections refused on the run's closed port, so it is quick.
awk -v port="$POP3_CLOSED_PORT" 'BEGIN { print "["; for (i = 0; i < 300; i++)
	printf "{\"name\":\"full%03d\",\"group\":\"full\",\"address\":\"127.0.0.1\",\"port\":%d,\"security\":\"none\"}%s\n", i, port, i < 299 ? "," : ""
	print "]" }' >"$T/full.json"
"$PC" import "$T/full.json" >/dev/null
mkdir "$T/full" "$T/small"
# In a private mount namespace: the tmpfs vanishes with it, whatever happens.
run unshare -m --propagation private bash -c '
	set -u
	mount -t tmpfs -o size=8k,mode=755 popconn-prom-test "$1" || exit 99
	printf "old file\n" >"$1/popconn.prom"
	timeout 120 "$2" test --group full --jobs 16 --prom "$1/popconn.prom" \
		>"$3/out" 2>"$3/err"
	echo $? >"$3/rc"
	cat "$1/popconn.prom" >"$3/after"
	ls -A "$1" >"$3/ls"
' _ "$T/small" "$PC" "$T/full"
expect_rc 0 "the tmpfs test ran (a private mount namespace)"
expect_eq "$(cat "$T/full/rc" 2>/dev/null)" 4 "a write that fails (full file system): exit 4"
OUT=$(cat "$T/full/out" 2>/dev/null) ERR=$(cat "$T/full/err" 2>/dev/null)
expect_err "cannot write $T/small/popconn.prom: No space left on device \\(the old file is unchanged\\)" \
	"a write that fails: the error names the file and the reason"
expect_out '300 tested' "a write that fails: the tests themselves ran"
expect_eq "$(cat "$T/full/after" 2>/dev/null)" "old file" "a write that fails: the old file is intact"
expect_eq "$(cat "$T/full/ls" 2>/dev/null)" "popconn.prom" "a write that fails: no temporary file left"

finish
