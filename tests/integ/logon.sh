#!/usr/bin/env bash
# tests/integ/logon.sh POPCONN PC_HOSTILE - the test logon against a real
# Dovecot (certificates made at test time) and against a hostile server that
# misbehaves on purpose.  Every case asserts the diagnosis and that no
# password appears in any output; the hostile cases also assert that nothing
# hangs (each run is bounded) and that no control character reaches output.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
HOSTILE=$(realpath "$2")
slow_factor "$PC"
[ "$(id -u)" = 0 ] || skip_test "needs root (Dovecot, dante)"
T=$(mktemp -d)
chmod 755 "$T"
HPIDS=()
cleanup() {
	for p in "${HPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	"$here/servers.sh" stop "$T/srv" >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/srv"
POPCONN_SERVERS_ONLY="dovecot-main dovecot-tls13 dovecot-untrusted dovecot-expired dovecot-group" \
	"$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
pc() { "$PC" "$@"; }

# add NAME FIELD=VALUE... [password from $PW]
add() {
	local name=$1
	shift
	pc add "$name" "$@" >/dev/null
	if [ -n "${PW:-}" ]; then printf '%s\n' "$PW" | pc set "$name" password=- >/dev/null; fi
}
# check NAME DIAG WHAT [extra test args]: run test --json, assert diagnosis.
check() {
	local name=$1 want=$2 what=$3
	shift 3
	# A guard, not a measure: a run it kills (124) hung.
	run timeout "$(deadline 60)" "$PC" test "$name" --json "$@"
	local got
	got=$(printf '%s' "$OUT" | sed -n 's/^  "diagnosis": "\(.*\)",$/\1/p')
	expect_eq "$got" "$want" "$what: diagnosis $want"
	for s in "$TEST_PASS" "$EMPTY_PASS" "${PW:-}"; do
		[ -n "$s" ] || continue
		if grep -qF -- "$s" <<<"$OUT$ERR"; then
			not_ok "$what: no password in the output"
		fi
	done
	if grep -qP '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]' <<<"$OUT$ERR"; then
		not_ok "$what: no control character in the output"
	fi
}

CA=tls_ca_file=$POPCONN_TEST_CA
U=username=$TEST_USER

# A profile without a password: the logon step says what is missing, and
# the hint points at the profile, not only at the server's offer.
PW='' add nopass address=localhost port="$POP3S_PORT" security=ssl "$CA" "$U"
check nopass auth_mechanism_unavailable "no password set"
expect_out '"message": "auto: no logon method fits .*the profile has no password and no token' \
    "no password: the message says the profile has none"
expect_out '"hint": "No logon method .*set the missing password' \
    "no password: the hint says to set it"

PW=$TEST_PASS

# --- the happy paths against the real Dovecot ------------------------------
add ssl address=localhost port="$POP3S_PORT" security=ssl "$CA" "$U"
check ssl ok "implicit TLS"
expect_out "\"messages\": $TEST_MSGS" "STAT messages match the maildrop"
expect_out "\"octets\": $TEST_OCTETS" "STAT octets match the maildrop"
expect_out '"verified": true' "certificate verified"
expect_out '"version": "TLSv1.3"' "TLS 1.3 negotiated"
expect_out '"fingerprint_sha256"' "fingerprint reported"
expect_out 'redacted|AUTH' "the logon is in the trace"

add stls address=localhost port="$POP3_PLAIN_PORT" security=tls "$CA" "$U"
check stls ok "STLS"
expect_out '"text": "STLS"' "STLS sent"
expect_out 'TLS handshake after STLS .SNI localhost' "a DNS name is sent as SNI"
# CAPA is asked again over TLS (count the client's lines only).
n=$(grep -B1 '"text": "CAPA"' <<<"$OUT" | grep -c '"kind": "C:"' || true)
expect_eq "$n" 2 "CAPA asked before and after STLS"

add ip address=127.0.0.1 port="$POP3S_PORT" security=ssl "$CA" "$U"
check ip ok "IP address checked against the certificate's IP SAN"
expect_out 'TLS handshake .no SNI for an IP address' "IP address: the trace says no SNI is sent"
expect_eq "$(grep -c 'SNI 127.0.0.1' <<<"$OUT")" 0 "IP address: the trace does not claim an SNI"
add v6 address=::1 port="$POP3S_PORT" security=ssl "$CA" "$U"
check v6 ok "IPv6"

for m in user apop plain login cram-md5 scram-sha-1 scram-sha-256; do
	add "m-$m" address=localhost port="$POP3S_PORT" security=ssl "$CA" "$U" auth="$m"
	check "m-$m" ok "logon method $m"
done
printf '%s\n' "$TEST_OAUTH_TOKEN" >"$T/token"
printf '%s\n' "$TEST_OAUTH_TOKEN_LONG" >"$T/token-long"
printf '%s\n' "$TEST_OAUTH_TOKEN_EXPIRED" >"$T/token-expired"
PW='' add m-xoauth2 address=localhost port="$POP3S_PORT" security=ssl "$CA" "$U" auth=xoauth2 "oauth_token_cmd=cat $T/token"
check m-xoauth2 ok "logon method xoauth2"
if grep -qF "$TEST_OAUTH_TOKEN" <<<"$OUT"; then not_ok "the token is not in the output"; else ok "the token is not in the output"; fi
PW='' add m-xoauth2-long address=localhost port="$POP3S_PORT" security=ssl "$CA" "$U" auth=xoauth2 "oauth_token_cmd=cat $T/token-long"
check m-xoauth2-long ok "xoauth2 with a token over 4096 bytes"
PW='' add m-oauthbearer address=localhost port="$POP3S_PORT" security=ssl "$CA" "$U" auth=oauthbearer "oauth_token_cmd=cat $T/token"
check m-oauthbearer ok "logon method oauthbearer"
PW='' add m-oauthbearer-exp address=localhost port="$POP3S_PORT" security=ssl "$CA" "$U" auth=oauthbearer "oauth_token_cmd=cat $T/token-expired"
check m-oauthbearer-exp auth_failed "oauthbearer: an expired token is refused"
expect_out 'refused the OAuth2 token: .*status' "oauthbearer: the server's JSON error is decoded into the message"
PW='' add m-auto-oauth address=localhost port="$POP3S_PORT" security=ssl "$CA" "$U" auth=auto "oauth_token_cmd=cat $T/token"
check m-auto-oauth ok "auto picks an OAuth2 method when a token command is set"
expect_out 'auto: chose OAUTHBEARER' "auto says it chose OAUTHBEARER (the standard one first)"
add m-auto address=localhost port="$POP3S_PORT" security=ssl "$CA" "$U"
check m-auto ok "auto"
expect_out 'auto: chose PLAIN .over TLS' "auto over TLS picks PLAIN, not CRAM-MD5"

# --- repeat test trusting the last test's capabilities -----------------------
# client_lines TEXT: the commands the client sent, from a --json trace.
client_lines() { grep -A1 '"kind": "C:"' | sed -n 's/^ *"text": "\(.*\)"$/\1/p'; }
q() { sqlite3 "$POPCONN_DB" "$1"; }
add rep address=localhost port="$POP3S_PORT" security=ssl "$CA" "$U" auth=plain
check rep ok "repeat: a first test with --trust-capabilities (nothing saved yet)" --trust-capabilities
expect_out 'no capabilities saved for ssl localhost' "repeat: the trace says nothing was saved"
expect_eq "$(client_lines <<<"$OUT" | head -1)" "CAPA" "repeat: the first test asks CAPA"
expect_eq "$(q "SELECT endpoint FROM capabilities JOIN profiles p ON p.id = profile_id WHERE p.name = 'rep'")" \
	"ssl localhost $POP3S_PORT" "repeat: the capabilities are saved with their endpoint"
check rep ok "repeat: implicit TLS trusting the saved capabilities" --trust-capabilities
expect_eq "$(client_lines <<<"$OUT" | tr '\n' ' ')" "AUTH PLAIN <redacted> STAT QUIT " \
	"repeat: no CAPA; logon, STAT and QUIT in one batch"
expect_out '"capabilities_trusted": true' "repeat: --json says the capabilities were trusted"
expect_out "\"messages\": $TEST_MSGS" "repeat: STAT as in a full test"
check rep ok "repeat: without the flag a test asks CAPA again"
expect_eq "$(client_lines <<<"$OUT" | head -1)" "CAPA" "repeat: CAPA without --trust-capabilities"

add rep-stls address=localhost port="$POP3_PLAIN_PORT" security=tls "$CA" "$U" auth=plain
check rep-stls ok "repeat STLS: first test"
check rep-stls ok "repeat STLS: trusting the saved capabilities" --trust-capabilities
expect_eq "$(client_lines <<<"$OUT" | tr '\n' ' ')" "STLS AUTH PLAIN <redacted> STAT QUIT " \
	"repeat STLS: STLS at once, no CAPA before or after it"

# A group: each profile trusts its own saved capabilities.
add rg1 address=localhost port="$POP3S_PORT" security=ssl "$CA" "$U" group=rgroup
add rg2 address=localhost port="$POP3_PLAIN_PORT" security=tls "$CA" "$U" group=rgroup
run timeout "$(deadline 60)" "$PC" test --group rgroup --json --trust-capabilities
expect_rc 0 "repeat group: the first run passes"
expect_eq "$(grep -c '"capabilities_trusted": false' <<<"$OUT")" 2 "repeat group: nothing trusted on the first run"
run timeout "$(deadline 60)" "$PC" test --group rgroup --json --trust-capabilities
expect_rc 0 "repeat group: the repeat passes"
expect_eq "$(grep -c '"capabilities_trusted": true' <<<"$OUT")" 2 "repeat group: both profiles trusted their own capabilities"
expect_eq "$(client_lines <<<"$OUT" | grep -c '^CAPA$' || true)" 0 "repeat group: no CAPA sent"

# Stale capabilities: the saved lines no longer match the server.  The
# logon fails with a hint, and the next repeat asks CAPA again.
q "UPDATE capabilities SET lines = 'USER' WHERE profile_id = (SELECT id FROM profiles WHERE name = 'rep')"
check rep auth_mechanism_unavailable "repeat: stale capabilities (no SASL PLAIN) fail the logon" --trust-capabilities
expect_out 'a full test asks CAPA again' "repeat: the message says the capabilities were trusted"
expect_eq "$(q "SELECT count(*) FROM capabilities JOIN profiles p ON p.id = profile_id WHERE p.name = 'rep'")" 0 \
	"repeat: stale capabilities are forgotten after the failure"
check rep ok "repeat: the next repeat asks CAPA and passes" --trust-capabilities
expect_eq "$(client_lines <<<"$OUT" | head -1)" "CAPA" "repeat: CAPA asked after forgetting"
# Another endpoint: what was saved for the old port is not trusted.
pc set rep port="$POP3S_GROUP_PORT" >/dev/null
check rep ok "repeat: the port changed" --trust-capabilities
expect_out "no capabilities saved for ssl localhost $POP3S_GROUP_PORT" "repeat: a new endpoint is not trusted"
expect_eq "$(client_lines <<<"$OUT" | head -1)" "CAPA" "repeat: CAPA asked at the new endpoint"

# --- certificates and versions ---------------------------------------------
add untrusted address=localhost port="$POP3S_UNTRUSTED_PORT" security=ssl "$CA" "$U"
check untrusted cert_untrusted "certificate from an unknown CA"
add nameless address="$POP3_MISMATCH_HOST" port="$POP3S_PORT" security=ssl "$CA" "$U"
check nameless cert_name_mismatch "certificate for another name"
add expired address=localhost port="$POP3S_EXPIRED_PORT" security=ssl "$CA" "$U"
check expired cert_expired "expired certificate"
add pinned address=localhost port="$POP3S_UNTRUSTED_PORT" security=ssl "$U" tls_verify=pin tls_pin="$POP3_UNTRUSTED_SHA256"
check pinned ok "pinned fingerprint (untrusted CA, pin matches)"
add badpin address=localhost port="$POP3S_PORT" security=ssl "$U" tls_verify=pin tls_pin="$POP3_UNTRUSTED_SHA256"
check badpin cert_pin_mismatch "wrong pin"
add old address=localhost port="$POP3S_TLS13_PORT" security=ssl "$CA" "$U" tls_versions=tls1.2
# Dovecot closes without an alert: the server did not say "version", so
# the failure is a handshake failure that lists the allowed versions.
check old tls_handshake_failed "TLS 1.3-only server, only TLS 1.2 allowed"
expect_out 'without an alert.*allowed: TLS 1.2' "TLS 1.3-only server: the silence and the allowed versions are named"
add old-stls address=localhost port="$POP3_TLS13_PORT" security=tls "$CA" "$U" tls_versions=tls1.2
check old-stls tls_handshake_failed "TLS 1.3-only server after STLS, only TLS 1.2 allowed"

# --- plaintext ---------------------------------------------------------------
# What Dovecot (2.3, auth_verbose = yes) really writes when a client from
# 127.0.0.2 tries credentials on the plain port: "Login failed: Plaintext
# authentication disabled: user=<testuser>, rip=127.0.0.2, ..." for
# USER/PASS, "Authenticate PLAIN failed: ...: user=<>, method=PLAIN,
# rip=127.0.0.2" and "(tried to use disallowed plaintext auth)" for SASL;
# a client that sends none: "Disconnected: ... (no auth attempts in 0
# secs): user=<>, rip=127.0.0.2".  (user= comes before rip=; nothing is in
# capitals.)  The password itself is not logged, but is looked for too.
DVLOG=$POPCONN_SERVERS_LOGS/dovecot-main.log
# dv_from N: the log's lines after line N from the client's 127.0.0.2.
dv_from() { tail -n +$(($1 + 1)) "$DVLOG" | grep -F 'rip=127.0.0.2,' || true; }
# dv_ended N: a connection from 127.0.0.2 has ended since line N.
dv_ended() { grep -q 'Disconnected' <<<"$(dv_from "$1")"; }
# dv_creds N: the lines since N that show a credential from 127.0.0.2.
dv_creds() {
	dv_from "$1" | grep -iE -e 'user=<[^>]' -e 'tried to use disallowed plaintext' \
	    -e 'authenticate [a-z0-9-]+ failed' -e 'login failed' \
	    -e "$TEST_USER" -e "$TEST_PASS" -e "$(printf '%s' "$TEST_PASS" | base64)" || true
}
# dv_check WHAT N WANT: WANT=none: no credential since line N; WANT=some:
# the credential the client did send is found (the check can fail).
dv_check() {
	local what=$1 n=$2 want=$3 found
	if [ ! -s "$DVLOG" ]; then
		not_ok "$what" "Dovecot's log $DVLOG is missing or empty"
		return 0
	fi
	if ! wait_until 10 dv_ended "$n"; then
		not_ok "$what" "Dovecot logged no connection from 127.0.0.2 (lines after $n: $(tail -n +$((n + 1)) "$DVLOG" | head -5))"
		return 0
	fi
	found=$(dv_creds "$n")
	if [ "$want" = none ] && [ -z "$found" ]; then
		ok "$what"
	elif [ "$want" = some ] && [ -n "$found" ]; then
		ok "$what ($(sed -n 's/.*\(Login failed[^,]*user=<[^>]*>\).*/\1/p' <<<"$found" | head -1))"
	else
		not_ok "$what" "$(head -3 <<<"${found:-nothing found since line $n}")"
	fi
}
add clear address=127.0.0.1 port="$POP3_PLAIN_PORT" security=none "$U"
n0=$(wc -l <"$DVLOG" 2>/dev/null || echo 0)
check clear plaintext_refused "no encryption, allow_plaintext off" --source 127.0.0.2
dv_check "no credential reached Dovecot (its log, connection from 127.0.0.2)" "$n0" none
expect_no 'C: USER' "no USER sent"
add clear-ok address=127.0.0.1 port="$POP3_PLAIN_PORT" security=none "$U" auth=user allow_plaintext=yes
n0=$(wc -l <"$DVLOG" 2>/dev/null || echo 0)
check clear-ok auth_failed "Dovecot's own plaintext refusal from 127.0.0.2" --source 127.0.0.2
expect_out 'disallowed|Plaintext' "Dovecot's reason is shown"
# The control: the same check on a run that did send USER finds it.
dv_check "the log check finds the user name a plaintext USER sent" "$n0" some

# --- network failures ----------------------------------------------------------
add closed address=127.0.0.1 port="$POP3_CLOSED_PORT" security=ssl "$CA" "$U"
check closed connect_refused "closed port"
add nxdomain address=nonexistent.invalid port=995 security=ssl "$U"
check nxdomain dns_failed "unknown host"
# A listener whose accept queue is full drops SYNs: a connect that never
# completes, without leaving loopback.
rm -f "$T/port"
"$HOSTILE" --mode blackhole --portfile "$T/port" >/dev/null &
HPIDS+=($!)
wait_until 5 test -s "$T/port" || not_ok "pc_hostile --mode blackhole writes its port file"
add blackhole address=127.0.0.1 port="$(cat "$T/port")" security=ssl "$U" timeout=2
t0=$(date +%s%N)
check blackhole connect_timeout "no answer to the connection attempt"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
# Not before the 2 s; the upper side is the diagnosis itself (the client's
# own timer ended it: the guard would have left none), never a time limit.
if [ "$ms" -ge 1900 ] && [ "$RC" != 124 ]; then ok "connect timeout honours timeout=2 ($ms ms, ended by the client)"; else not_ok "connect timeout honours timeout=2" "$ms ms, exit $RC"; fi

# --- wrong password (group instance: no auth penalty) -------------------------
PW=not-the-password add wrong address=localhost port="$POP3S_GROUP_PORT" security=ssl "$CA" "$U" auth=plain
PW=not-the-password check wrong auth_failed "wrong password"
PW='' add expired-token address=localhost port="$POP3S_GROUP_PORT" security=ssl "$CA" "$U" auth=xoauth2 "oauth_token_cmd=cat $T/token-expired"
check expired-token auth_failed "expired OAuth token"
expect_out 'status.*401' "the server's JSON error is decoded"

# --- security and port swapped: each mistake names the other mode ----------------
add swap-ssl address=localhost port="$POP3_PLAIN_PORT" security=ssl "$CA" "$U"
check swap-ssl tls_handshake_failed "security=ssl against the plain port"
expect_out 'did not answer with TLS but with .*Dovecot' "swap: the plain greeting is quoted"
add swap-tls address=localhost port="$POP3S_PORT" security=tls timeout=2 "$CA" "$U"
check swap-tls timeout "security=tls against the POP3S port"
expect_out 'use security=ssl' "swap: a silent POP3S port suggests security=ssl"

# --- hostile servers -------------------------------------------------------------
# hostile MODE [LOG]: start pc_hostile in MODE; sets HPORT.
hostile() {
	rm -f "$T/port"
	"$HOSTILE" --mode "$1" --portfile "$T/port" --log "$T/${2:-hostile-$1}.log" --max-time 20 >/dev/null &
	HPIDS+=($!)
	wait_until 5 test -s "$T/port" || not_ok "pc_hostile --mode $1 writes its port file"
	HPORT=$(cat "$T/port")
}
# hcase MODE DIAG WHAT [FIELD=VALUE...]
hcase() {
	local mode=$1 want=$2 what=$3
	shift 3
	hostile "$mode"
	PW=hostile-Secret-42 add "h-$mode" address=127.0.0.1 port="$HPORT" security=none allow_plaintext=yes timeout=3 username=victim "$@"
	PW=hostile-Secret-42 check "h-$mode" "$want" "hostile $mode"
	# Bounded: it ended on its own (timeout=3), not killed by the guard.
	if [ "$RC" != 124 ]; then ok "hostile $mode: ends on its own (exit $RC)"; else not_ok "hostile $mode: ends on its own" "killed by the $(deadline 60) s guard"; fi
}
hcase ok_plain ok "well-behaved control"
hcase stls_refused stls_unavailable "STLS refused" security=tls
if sed -n '/C: STLS/,$p' "$T/hostile-stls_refused.log" | grep -qE 'C: (USER|PASS|AUTH|APOP)'; then
	not_ok "nothing sent in clear after the STLS refusal"
else
	ok "nothing sent in clear after the STLS refusal"
fi
hcase stls_hidden stls_unavailable "STLS hidden from CAPA (still sent)" security=tls
grep -q 'C: STLS' "$T/hostile-stls_hidden.log" && ok "STLS sent although CAPA hid it" || not_ok "STLS sent although CAPA hid it"
hcase stls_inject stls_injection "bytes injected after STLS +OK" security=tls
hcase escape_greeting ok "escape sequences in the greeting"
run "$PC" test h-escape_greeting
if grep -qP '\x1b|\x07|\x9b' <<<"$OUT"; then not_ok "live trace has no escape sequence"; else ok "live trace has no escape sequence"; fi
expect_out '\\x1b\[2J' "escapes are shown escaped"
hcase long_line protocol_error "1 MiB line"
hcase nul_byte protocol_error "NUL byte"
hcase no_crlf protocol_error "no CRLF ever"
hcase drip timeout "drip-feed slower than the timeout"
hcase close_mid protocol_error "close mid-response"
hcase bad_base64 protocol_error "invalid base64 challenge" auth=cram-md5
hcase in_use mailbox_in_use "[IN-USE]" auth=user
hcase login_delay login_delay "[LOGIN-DELAY]" auth=user
hcase sys_temp server_temporary "[SYS/TEMP]" auth=user
hcase sys_perm server_permanent "[SYS/PERM]" auth=user
hcase auth_fail auth_failed "[AUTH]" auth=user
hcase escape_err auth_failed "escape sequence and bidi override in the -ERR" auth=user
run "$PC" test h-escape_err
if grep -qP '\x1b|\xe2\x80[\xae\x8b]' <<<"$OUT"; then not_ok "escape_err: no raw ESC, RLO or ZWSP reaches the terminal"; else ok "escape_err: no raw ESC, RLO or ZWSP reaches the terminal"; fi
expect_eq "$(grep -c 'result: auth_failed.*-ERR \[AUTH\] \\x1b\[2Jbad \\u202edrowssap\\u200b here' <<<"$OUT")" 1 \
	"escape_err: the result line escapes the server text exactly once"
hcase silent timeout "silent server"
printf 'x%.0s' $(seq 9000) >"$T/token-9k"
PW='' hcase xoauth2_ok ok "xoauth2 token of 9000 bytes" auth=xoauth2 "oauth_token_cmd=cat $T/token-9k"
PW='' hcase xoauth2_error auth_failed "xoauth2 JSON error" auth=xoauth2 "oauth_token_cmd=cat $T/token-9k"
expect_out 'mail.google.com' "the JSON error is decoded into the message"
# The secret must not reach the hostile server's log in any method over a
# clear link without allow_plaintext.
hostile ok_plain refuse
PW=never-Sent-77 add h-refuse address=127.0.0.1 port="$HPORT" security=none timeout=3 username=victim
PW=never-Sent-77 check h-refuse plaintext_refused "hostile: plaintext refused"
grep -q 'C: CAPA' "$T/refuse.log" && ok "the refusal case did talk to the server" || not_ok "the refusal case did talk to the server"
if grep -qE 'C: (USER|PASS|AUTH|APOP)' "$T/refuse.log"; then not_ok "no credential reached the hostile server"; else ok "no credential reached the hostile server"; fi

finish
