#!/usr/bin/env bash
# tests/integ/check.sh POPCONN - `popconn check`, the Monitoring Plugins
# check, against a real Dovecot (servers.sh), without a terminal (setsid,
# standard input /dev/null):
#  - OK: one status line "POP3 OK - logged on with PLAIN in N ms, 2
#    messages, certificate valid D days | time=...s;W;C;0
#    cert_days=D;W:;C:;0", exit 0; D is the server certificate's real
#    validity (825 days from the start of servers.sh);
#  - WARNING (exit 1): the certificate expires within --cert-warning-days
#    (the server's own validity: 900 warning days), or the response time
#    is at or over --warning-time;
#  - CRITICAL (exit 2): a wrong password (auth_failed with the hint), a
#    certificate within --cert-critical-days, --critical-time;
#  - a group: the worst state, a summary line, one line per profile;
#  - UNKNOWN (exit 3), never OK: bad arguments, a missing database, a
#    missing key file, a database under a master passphrase not given (no
#    prompt), an unknown profile or empty group;
#  - each check is kept in the test history (source "check"); no password
#    in any output.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
slow_factor "$PC"
[ "$(id -u)" = 0 ] || skip_test "needs root (Dovecot)"
T=$(mktemp -d)
chmod 755 "$T"
cleanup() {
	"$here/servers.sh" stop "$T/srv" >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/srv"
POPCONN_SERVERS_ONLY="dovecot-main dovecot-group" \
	"$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
WRONG=Wr0ng-Passw0rd-check

# check ARGS...: popconn check without a terminal, into OUT/ERR/RC
check() {
	run timeout "$(deadline 60)" setsid "$PC" "$@" </dev/null
}
no_secret() {
	if grep -qF -e "$TEST_PASS" -e "$WRONG" <<<"$OUT$ERR"; then
		not_ok "$1: no password in the output"
	else
		ok "$1: no password in the output"
	fi
}

"$PC" add good address=localhost port="$POP3S_PORT" security=ssl \
	tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" group=mon >/dev/null
printf '%s\n' "$TEST_PASS" | "$PC" set good password=- >/dev/null
"$PC" add bad address=localhost port="$POP3S_GROUP_PORT" security=ssl \
	tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" group=mon >/dev/null
printf '%s\n' "$WRONG" | "$PC" set bad password=- >/dev/null

# The certificate's whole days left, as check counts them.
na=$(openssl x509 -in "$POPCONN_TEST_CERT_DIR/server.crt" -noout -enddate |
	sed 's/notAfter=//')
days=$((($(date -u -d "$na" +%s) - $(date +%s)) / 86400))
# The certificate is made when servers.sh starts, valid a whole number of
# days, so its days left sit right on a day boundary: a second later check
# counts one day less.  Either is right.
days="($days|$((days - 1)))"

# --- OK ----------------------------------------------------------------------
check check good
expect_rc 0 "check good: exit 0 (OK)"
expect_eq "$(wc -l <<<"$OUT")" 1 "check good: one line"
expect_out "^POP3 OK - logged on with PLAIN in [0-9]+ ms, $TEST_MSGS messages, certificate valid $days days \| time=[0-9]+\.[0-9]{3}s;;;0 cert_days=$days;30:;7:;0$" \
	"check good: status line and performance data"
no_secret "check good"
check check good --warning-time 30 --critical-time 60
expect_rc 0 "check good with time thresholds: OK"
expect_out "\| time=[0-9.]+s;30;60;0 cert_days=" "check good: the time thresholds in the performance data"

# --- WARNING -------------------------------------------------------------------
check check good --cert-warning-days 900
expect_rc 1 "check good --cert-warning-days 900: exit 1 (WARNING)"
expect_out "^POP3 WARNING - logged on with PLAIN .*certificate valid $days days \(under the warning 900\) \| .*cert_days=$days;900:;7:;0$" \
	"check: the certificate within the warning days"
check check good --warning-time 0.001
expect_rc 1 "check good --warning-time 0.001: exit 1 (WARNING)"
expect_out "^POP3 WARNING - .*response time [0-9.]+ s at or over the warning 0.001 s" \
	"check: the response time at or over the warning"

# --- CRITICAL ------------------------------------------------------------------
check check bad
expect_rc 2 "check bad (wrong password): exit 2 (CRITICAL)"
expect_out "^POP3 CRITICAL - auth_failed at step logon: logon failed: -ERR \[AUTH\] Authentication failed\. \(The server rejected the user name or password\.\) \| time=" \
	"check bad: the diagnosis code, message and hint"
no_secret "check bad"
check check good --cert-warning-days 2000 --cert-critical-days 1000
expect_rc 2 "check good --cert-critical-days 1000: exit 2 (CRITICAL)"
expect_out "certificate valid $days days \(under the critical 1000\)" \
	"check: the certificate within the critical days"
check check good --warning-time 0.001 --critical-time 0.002
expect_rc 2 "check good --critical-time 0.002: exit 2 (CRITICAL)"

# --- a group --------------------------------------------------------------------
check check --group mon --cert-warning-days 900
expect_rc 2 "check --group: exit 2, the worst state"
expect_eq "$(sed -n 1p <<<"$OUT")" "POP3 CRITICAL - group mon: 2 profiles, 0 OK, 1 WARNING, 1 CRITICAL, 0 UNKNOWN | ok=0;;;0 warning=1;;;0 critical=1;;;0 unknown=0;;;0" \
	"check --group: the summary line"
expect_out "^\[CRITICAL\] bad - auth_failed at step logon" "check --group: the line of bad"
expect_out "^\[WARNING\] good - logged on with PLAIN" "check --group: the line of good"
expect_eq "$(wc -l <<<"$OUT")" 3 "check --group: three lines"
"$PC" add good2 address=localhost port="$POP3S_PORT" security=ssl \
	tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" group=fine >/dev/null
printf '%s\n' "$TEST_PASS" | "$PC" set good2 password=- >/dev/null
check check --group fine
expect_rc 0 "check --group of good profiles: exit 0"
expect_out "^POP3 OK - group fine: 1 profile, 1 OK" "check --group fine: OK summary"

# --- the history ----------------------------------------------------------------
run "$PC" history --tests bad --json
expect_eq "$(jq -r '[.[] | select(.source == "check")] | length' <<<"$OUT")" 2 \
	"both checks of bad are in the history (source check)"
expect_eq "$(jq -r '.[0].diagnosis' <<<"$OUT")" auth_failed "history: check's diagnosis"

# --- UNKNOWN, never OK ---------------------------------------------------------
unknown() {
	local what=$1 pat=$2
	shift 2
	check "$@"
	expect_rc 3 "$what: exit 3 (UNKNOWN)"
	expect_out "^POP3 UNKNOWN - $pat" "$what: the reason"
}
check check --help
expect_rc 3 "check --help: exit 3, as the Monitoring Plugins do"
expect_out "^usage: popconn check \(NAME or --group G\)" "check --help: the usage"
unknown "no profile" "give one profile NAME or --group G" check
unknown "both NAME and --group" "give one profile NAME" check good --group mon
unknown "a bad time" "--warning-time: 'soon' is not a number" check good --warning-time soon
unknown "a missing value" "--critical-time needs a value" check good --critical-time
unknown "a bad day count" "--cert-warning-days: '-1' is not" check good --cert-warning-days -1
unknown "critical days over warning days" "--cert-critical-days 40 is over" \
	check good --cert-critical-days 40
unknown "an unknown option" "unexpected argument '--verbose'" check good --verbose
unknown "an unknown profile" "no profile named 'nosuch'" check nosuch
unknown "an empty group" "no profile in group 'none'" check --group none
unknown "a missing database" "cannot read the database $T/none.db" --db "$T/none.db" check good
[ ! -e "$T/none.db" ] && ok "a missing database is not created" ||
	not_ok "a missing database is not created"
unknown "a missing key file" "key file missing" --key "$T/nokey" check good
echo "not a database" >"$T/junk.db"
unknown "a file that is not a database" "" --db "$T/junk.db" check good
cp "$POPCONN_DB" "$T/pp.db"
"$PC" --db "$T/pp.db" rekey --to passphrase --new-passphrase-fd 3 \
	3< <(echo master-pass-check) >/dev/null
unknown "a passphrase database without --passphrase-fd (no prompt)" \
	"the database .* is sealed under a master passphrase" --db "$T/pp.db" check good
check --db "$T/pp.db" --passphrase-fd 3 check good 3< <(echo master-pass-check)
expect_rc 0 "the same with --passphrase-fd: OK"

finish
