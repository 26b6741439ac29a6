#!/usr/bin/env bash
# tests/integ/report.sh POPCONN - `popconn report [--group G] [--json]`
# over results of real test logons against Dovecot (servers.sh):
#  - results by diagnosis, TLS versions, ciphers and logon methods in use;
#  - weak settings: tls_verify off, allow_plaintext, TLS 1.1 allowed,
#    security none (and nothing for a profile without any);
#  - a certificate expiring within 30 days (the "expired" Dovecot, whose
#    certificate ended in 2021, reached with tls_verify off);
#  - profiles failing and since when (a wrong password, twice);
#  - never tested, and not tested for 7 days (a result moved 8 days back
#    in the database: nobody waits a week);
#  - --group limits it; an empty group is exit 3.
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
POPCONN_SERVERS_ONLY="dovecot-main dovecot-group dovecot-expired" \
	"$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
jqo() { jq -r "$1" <<<"$OUT"; }

add() {	# add NAME PORT [FIELD=VALUE...]
	local n=$1 port=$2
	shift 2
	"$PC" add "$n" address=localhost port="$port" security=ssl \
		tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" group=fleet "$@" >/dev/null
	printf '%s\n' "${PW:-$TEST_PASS}" | "$PC" set "$n" password=- >/dev/null
}
add good "$POP3S_PORT"
add user "$POP3S_PORT" auth=user
add expiring "$POP3S_EXPIRED_PORT" tls_verify=off
PW=Wr0ng-report add failing "$POP3S_GROUP_PORT"
add old "$POP3S_PORT" tls_versions=tls1.1,tls1.2
add plain "$POP3_GROUP_PORT" security=none allow_plaintext=true
"$PC" add elsewhere address=localhost port="$POP3S_PORT" security=ssl \
	tls_verify=off group=other >/dev/null

run timeout "$(deadline 60)" "$PC" test --group fleet --json
expect_rc 1 "test --group fleet: some fail"
# added after the group test: never tested
add never "$POP3S_PORT"
# "failing" fails a second time: failing since the first time
run timeout "$(deadline 60)" "$PC" test failing --json
first=$(sqlite3 "$POPCONN_DB" "SELECT min(t.time) FROM test_results t JOIN profiles p ON p.id = t.profile_id WHERE p.name = 'failing'")
# "old" was last tested 8 days ago
sqlite3 "$POPCONN_DB" "UPDATE profiles SET last_tested = last_tested - 8*86400 WHERE name = 'old'; UPDATE test_results SET time = time - 8*86400 WHERE profile_id = (SELECT id FROM profiles WHERE name = 'old')"

run "$PC" report --group fleet --json
expect_rc 0 "report --group fleet --json: exit 0"
expect_eq "$(jqo .group) $(jqo .profiles) $(jqo .tested)" "fleet 7 6" \
	"report: 7 profiles, 6 tested"
expect_eq "$(jqo .by_diagnosis.ok) $(jqo .by_diagnosis.auth_failed)" "5 1" \
	"report: 5 ok, 1 auth_failed by diagnosis"
expect_eq "$(jqo '.tls_versions["TLSv1.3"]')" 4 "report: TLS 1.3 in use by 4 (ssl profiles that logged on or reached TLS)"
expect_eq "$(jqo '.tls_ciphers | keys | length > 0')" true "report: ciphers in use"
# over TLS auto picks PLAIN; on the clear link (plain) SCRAM-SHA-256 first
expect_eq "$(jqo '.logon_methods | to_entries | map("\(.key)=\(.value)") | join(" ")')" \
	"PLAIN=3 SCRAM-SHA-256=1 USER=1" "report: logon methods in use"
expect_eq "$(jqo '[.weak_settings[] | select(.name == "expiring") | .settings[]] | join(",")')" \
	"tls_verify off" "report: tls_verify off"
expect_eq "$(jqo '[.weak_settings[] | select(.name == "old") | .settings[]] | join(",")')" \
	"TLS 1.1 allowed" "report: TLS 1.1 allowed"
expect_eq "$(jqo '[.weak_settings[] | select(.name == "plain") | .settings[]] | join(",")')" \
	"security none (no encryption),allow_plaintext" "report: security none, allow_plaintext"
expect_eq "$(jqo '[.weak_settings[] | select(.name == "good")] | length')" 0 \
	"report: no weak setting for good"
expect_eq "$(jqo '[.certificates_expiring[].name] | join(",")')" expiring \
	"report: the expiring certificate (expired in 2021)"
expect_eq "$(jqo '.certificates_expiring[0].not_after')" 2021-01-01T00:00:00Z \
	"report: its not-after"
expect_eq "$(jqo '.certificates_expiring[0].days_left < 0')" true "report: days left below 0"
expect_eq "$(jqo '[.failing[].name] | join(",")')" failing "report: failing"
expect_eq "$(jqo '.failing[0].diagnosis')" auth_failed "report: failing with auth_failed"
expect_eq "$(jqo '.failing[0].failing_since')" "$(date -u -d "@$first" +%Y-%m-%dT%H:%M:%SZ)" \
	"report: failing since the first failure"
expect_eq "$(jqo '[.never_tested[].name] | join(",")')" never "report: never tested"
expect_eq "$(jqo '[.not_tested_recently[].name] | join(",")')" old "report: not tested for 7 days"
expect_eq "$(jqo '.not_tested_recently[0].days')" 8 "report: 8 days"

run "$PC" report --group fleet
expect_rc 0 "report (text): exit 0"
expect_out "^Report for group fleet: 7 profiles, 6 tested$" "report text: the heading"
expect_out "^Failing: 1$" "report text: failing count"
expect_out "^  failing +auth_failed +since " "report text: failing since"
expect_out "^  old +TLS 1.1 allowed$" "report text: weak settings"
expect_out "^  expiring +-[0-9]+ days left \(until 2021-01-01 00:00:00 UTC\)$" \
	"report text: the expiring certificate"
expect_out "^Not tested for 7 days: 1$" "report text: stale count"

run "$PC" report --json
expect_eq "$(jqo .profiles)" 8 "report without --group: every profile"
expect_eq "$(jqo '[.weak_settings[] | select(.name == "elsewhere")] | length')" 1 \
	"report without --group: the other group's weak setting"
# tested before the history existed: only profiles.last_result is known
"$PC" add legacy address=localhost port="$POP3S_PORT" security=ssl group=legacy >/dev/null
sqlite3 "$POPCONN_DB" "UPDATE profiles SET last_result = 'timeout', last_tested = 1700000000 WHERE name = 'legacy'"
run "$PC" report --group legacy --json
expect_eq "$(jqo .tested) $(jqo .by_diagnosis.timeout)" "1 1" \
	"report: a result from before the history counts (last_result)"
expect_eq "$(jqo '.failing[0].failing_since')" 2023-11-14T22:13:20Z \
	"report: failing since its last test, at least"
expect_eq "$(jqo '[.not_tested_recently[].name] | join(",")')" legacy \
	"report: and not tested for 7 days"

run "$PC" report --group nosuch
expect_rc 3 "report --group of an empty group: exit 3"
run "$PC" report --bogus
expect_rc 2 "report --bogus: exit 2"

finish
