#!/usr/bin/env bash
# tests/integ/hist.sh POPCONN - the test history against a real Dovecot
# (servers.sh):
#  - a test logon's result is kept with its details (diagnosis, method, TLS
#    version and cipher, the server's certificate fingerprint and expiry,
#    STAT) and `history --tests [NAME] [--json] [--limit N]` shows it;
#  - a failing profile says since when it fails (text and --json), from its
#    first failure on, and that ends with a success;
#  - a certificate whose fingerprint changed since the last test is pointed
#    out, with the previous fingerprint;
#  - test --group records every profile; POPCONN_HISTORY_KEEP caps the rows;
#  - no password is in the history (nor anywhere in the database file).
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
POPCONN_SERVERS_ONLY="dovecot-main dovecot-group dovecot-untrusted" \
	"$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
unset POPCONN_HISTORY_KEEP
WRONG=Wr0ng-Passw0rd-hist

# jq over $OUT
jqo() { jq -r "$1" <<<"$OUT"; }
# the fingerprint as popconn prints it: upper case, colons
colons() { tr a-f A-F <<<"$1" | sed 's/../&:/g; s/:$//'; }

"$PC" add good address=localhost port="$POP3S_PORT" security=ssl \
	tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" group=hist >/dev/null
printf '%s\n' "$TEST_PASS" | "$PC" set good password=- >/dev/null
# wrong password on the group instance (no auth penalty there)
"$PC" add bad address=localhost port="$POP3S_GROUP_PORT" security=ssl \
	tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" group=hist >/dev/null
printf '%s\n' "$WRONG" | "$PC" set bad password=- >/dev/null

# --- a success is kept with its details -----------------------------------
run "$PC" history --tests good --json
expect_rc 0 "history --tests of a profile never tested: exit 0"
expect_eq "$(jqo length)" 0 "history --tests of a profile never tested: empty"
run timeout "$(deadline 60)" "$PC" test good --quiet
expect_rc 0 "test good: ok"
expect_no "Failing since" "test good: no 'failing since'"
run "$PC" history --tests good --json
expect_eq "$(jqo length)" 1 "history --tests good: one result"
expect_eq "$(jqo '.[0].diagnosis')" ok "history: diagnosis ok"
expect_eq "$(jqo '.[0].source')" test "history: source test"
expect_eq "$(jqo '.[0].failed_step')" null "history: no failed step"
expect_eq "$(jqo '.[0].method')" PLAIN "history: logon method PLAIN"
expect_eq "$(jqo '.[0].tls_version')" TLSv1.3 "history: TLS version"
expect_out '"tls_cipher": "TLS13-' "history: TLS cipher"
expect_eq "$(jqo '.[0].cert_sha256')" "$(colons "$POP3_SERVER_SHA256")" \
	"history: the server certificate's SHA-256"
na=$(openssl x509 -in "$POPCONN_TEST_CERT_DIR/server.crt" -noout -enddate |
	sed 's/notAfter=//')
expect_eq "$(jqo '.[0].cert_not_after')" "$(date -u -d "$na" +%Y-%m-%dT%H:%M:%SZ)" \
	"history: the certificate's not-after"
expect_eq "$(jqo '.[0].messages') $(jqo '.[0].octets')" "$TEST_MSGS $TEST_OCTETS" \
	"history: mailbox size from STAT"
expect_eq "$(jqo '.[0].failing_since')" null "history: not failing"
expect_eq "$(jqo '.[0].elapsed_ms | type')" number "history: elapsed"

# --- a failure: since when ---------------------------------------------------
run timeout "$(deadline 60)" "$PC" test bad --json
expect_rc 1 "test bad: exit 1"
first=$(jqo .history.failing_since)
expect_out '"diagnosis": "auth_failed"' "test bad: auth_failed"
expect_eq "$(jqo .history.cert_changed)" false "test bad: certificate unchanged"
[ "$first" != null ] && ok "test bad --json: history.failing_since is set ($first)" ||
	not_ok "test bad --json: history.failing_since is set"
run timeout "$(deadline 60)" "$PC" test bad --quiet
expect_rc 1 "test bad again: exit 1"
expect_out "^Failing since: $(date -u -d "$first" '+%Y-%m-%d %H:%M:%S') UTC$" \
	"test bad again: failing since the first failure"
run "$PC" history --tests bad
expect_rc 0 "history --tests bad: exit 0"
expect_out "bad +test +auth_failed +logon .*failing since" \
	"history --tests bad: the second failure says since when"
run "$PC" history --tests bad --json --limit 1
expect_eq "$(jqo length)" 1 "history --tests --limit 1: one result"
expect_eq "$(jqo '.[0].failing_since')" "$first" "history --json: failing_since"
expect_eq "$(jqo '.[0].failed_step')" logon "history --json: failed step"
# the right password ends the run of failures
printf '%s\n' "$TEST_PASS" | "$PC" set bad password=- >/dev/null
run timeout "$(deadline 60)" "$PC" test bad --json
expect_rc 0 "test bad with the right password: ok"
expect_eq "$(jqo .history.failing_since)" null "after a success: not failing"
printf '%s\n' "$WRONG" | "$PC" set bad password=- >/dev/null

# --- the certificate changed --------------------------------------------------
# Same profile, now answered by a server with another certificate.
"$PC" set good port="$POP3S_UNTRUSTED_PORT" tls_verify=off >/dev/null
run timeout "$(deadline 60)" "$PC" test good --quiet
expect_rc 0 "test good on another certificate (verify off): ok"
expect_out "^Certificate: the SHA-256 fingerprint changed since the last test of this profile \(was $(colons "$POP3_SERVER_SHA256")\)" \
	"test: the changed fingerprint is pointed out, with the previous one"
run timeout "$(deadline 60)" "$PC" test good --json
expect_eq "$(jqo .history.cert_changed)" false "the same certificate again: no change"
"$PC" set good port="$POP3S_PORT" tls_verify=full >/dev/null
run timeout "$(deadline 60)" "$PC" test good --json
expect_eq "$(jqo .history.cert_changed)" true "back to the first certificate: changed (--json)"
expect_eq "$(jqo .history.cert_previous_sha256)" "$(colons "$POP3_UNTRUSTED_SHA256")" \
	"--json: the previous fingerprint"
run "$PC" history --tests good
expect_out "certificate changed" "history --tests: the row says the certificate changed"

# --- a group test records every profile -------------------------------------
run "$PC" history --tests --json
before=$(jqo length)
run timeout "$(deadline 60)" "$PC" test --group hist --json
expect_rc 1 "test --group: one failed"
expect_eq "$(jqo '[.[] | select(.history != null)] | length')" 2 \
	"test --group --json: both results recorded"
since=$(jqo '.[] | select(.name == "bad") | .history.failing_since')
[ "$since" != null ] && [ "$since" != "$first" ] &&
	ok "test --group --json: bad fails again, since this test ($since)" ||
	not_ok "test --group --json: bad fails again, since this test" "got $since (first run $first)"
run "$PC" history --tests --json
expect_eq "$(jqo length)" $((before + 2)) "history --tests: two rows more"

# --- POPCONN_HISTORY_KEEP caps the rows per profile -------------------------
for _ in 1 2 3; do
	POPCONN_HISTORY_KEEP=2 timeout "$(deadline 60)" "$PC" test good --quiet >/dev/null
done
run "$PC" history --tests good --json
expect_eq "$(jqo length)" 2 "POPCONN_HISTORY_KEEP=2: two results kept for good"

# --- errors, no secrets ------------------------------------------------------------
run "$PC" history --tests nosuch
expect_rc 3 "history --tests of an unknown profile: exit 3"
run "$PC" history --tests --limit 0
expect_rc 2 "history --tests --limit 0: exit 2"
dump=$(sqlite3 "$POPCONN_DB" .dump)
if grep -qF -e "$TEST_PASS" -e "$WRONG" <<<"$dump"; then
	not_ok "no password in the database file (dump)"
else
	ok "no password in the database file (dump)"
fi
OUT=$(sqlite3 "$POPCONN_DB" "SELECT count(*) FROM test_results") ERR=
expect_eq "$OUT" "$(("$("$PC" history --tests --json | jq length)"))" \
	"history --tests lists every row of the table"

finish
