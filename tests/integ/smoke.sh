#!/bin/bash
# smoke.sh [--hostile PATH_TO_pc_hostile] - checks the integration test
# servers themselves: starts servers.sh in a temporary directory, talks to
# every daemon with curl (logons, TLS versions, certificate failures, each
# proxy's grant and refusal cases, the latency relay), stops them and checks
# that nothing is left listening or running.  With --hostile it also plays
# each pc_hostile mode once.  Prints "ok"/"FAIL" per check and ends with
# "N passed, N failed"; exit 0 only when nothing failed, 77 (skip) when not
# root or a tool is missing (a failure with CI=true, see skip_test).
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
SERVERS=$HERE/servers.sh
HOSTILE=""
[ "${1:-}" = --hostile ] && HOSTILE=${2:-}

# Only its skip_test and its factor for deadlines (POPCONN_TEST_SLOW, 3
# when pc_hostile is an ASan build): this script keeps its own ok/FAIL
# counting.
SLOW=$(. "$HERE/../lib/assert.sh" && slow_factor "${HOSTILE:-}" && echo "$SLOW")
skip_test() {
	(. "$HERE/../lib/assert.sh" && skip_test "$1")
	exit $?
}
if [ "$EUID" != 0 ]; then
	skip_test "the test servers need root"
fi
for t in dovecot danted tinyproxy microsocks curl openssl perl setsid flock; do
	if ! command -v $t >/dev/null; then
		skip_test "$t is not installed (scripts/deps.sh installs it)"
	fi
done

T=$(mktemp -d /tmp/popconn-smoke.XXXXXX)
OUT=$T/out
PASS=0
FAIL=0
HPIDS=()

cleanup()
{
	local p
	for p in "${HPIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	bash "$SERVERS" stop "$T" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

LAST=${EPOCHREALTIME/./}
# took: TOOK = the time since the previous result, when worth showing
took()
{
	local now=${EPOCHREALTIME/./} ms
	ms=$(((now - LAST) / 1000))
	LAST=$now
	TOOK=""
	[ $ms -ge 500 ] && TOOK=" ($ms ms)"
}
ok()
{
	took
	PASS=$((PASS + 1))
	echo "ok   - $*$TOOK"
}
bad()
{
	took
	FAIL=$((FAIL + 1))
	echo "FAIL - $*$TOOK"
	[ -s "$OUT" ] && tail -n 15 "$OUT" | sed 's/^/       | /'
}

# check NAME RC REGEX CMD...: CMD exits with RC and its output (stdout and
# stderr) matches the extended REGEX (empty: anything)
check()
{
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$OUT" 2>&1
	rc=$?
	if [ "$rc" != "$want" ]; then
		bad "$name (exit $rc, expected $want)"
	elif [ -n "$re" ] && ! grep -aqE -- "$re" "$OUT"; then
		bad "$name (output lacks /$re/)"
	else
		ok "$name"
	fi
}

# refute NAME REGEX: the last check's output does not match
refute()
{
	if grep -aqE -- "$2" "$OUT"; then
		bad "$1 (output has /$2/)"
	else
		ok "$1"
	fi
}

# --- servers ---------------------------------------------------------------

t0=${EPOCHREALTIME/./}
if ! bash "$SERVERS" start "$T"; then
	echo "servers.sh start failed"
	echo "0 passed, 1 failed"
	exit 1
fi
t1=${EPOCHREALTIME/./}
eval "$(bash "$SERVERS" env "$T")"
echo "# servers up in $(((t1 - t0) / 1000)) ms, ports $POP3_PLAIN_PORT..$POP3_CLOSED_PORT"

C=(curl -v -sS --max-time 15 --cacert "$POPCONN_TEST_CA")
U=(-u "$TEST_USER:$TEST_PASS")
S="pop3s://localhost:$POP3S_PORT/"
P="pop3://localhost:$POP3_PLAIN_PORT/"
STAT_RE="< \\+OK ${TEST_STAT}[[:space:]]*\$"

check "pop3s LIST 127.0.0.1, verified" 0 "^2 182" \
	"${C[@]}" "${U[@]}" "pop3s://127.0.0.1:$POP3S_PORT/"
check "pop3s LIST [::1]" 0 "^2 182" "${C[@]}" "${U[@]}" "pop3s://[::1]:$POP3S_PORT/"
check "pop3 + STLS, STAT = $TEST_STAT" 0 "$STAT_RE" \
	"${C[@]}" "${U[@]}" --ssl-reqd "$P" -X STAT -I
check "empty mailbox STAT = $EMPTY_STAT" 0 "< \\+OK ${EMPTY_STAT}[[:space:]]*\$" \
	"${C[@]}" -u "$EMPTY_USER:$EMPTY_PASS" "$S" -X STAT -I
for m in PLAIN LOGIN CRAM-MD5; do
	check "AUTH $m" 0 "> AUTH $m" "${C[@]}" "${U[@]}" \
		--login-options "AUTH=$m" "$S" -X STAT -I
done
check "APOP" 0 "> APOP $TEST_USER [0-9a-f]{32}" \
	"${C[@]}" "${U[@]}" --login-options "AUTH=+APOP" "$S" -X STAT -I
check "OAuth bearer token, local JWT validation" 0 "$STAT_RE" \
	"${C[@]}" -u "$TEST_USER:" --oauth2-bearer "$TEST_OAUTH_TOKEN" \
	"$S" -X STAT -I
check "CAPA lists XOAUTH2" 0 "< SASL .*XOAUTH2" "${C[@]}" "${U[@]}" "$S"
check "plain port seen from 127.0.0.2: USER/PLAIN hidden" 0 "< STLS" \
	"${C[@]}" "${U[@]}" --interface 127.0.0.2 \
	"pop3://127.0.0.1:$POP3_PLAIN_PORT/" -X STAT -I
refute "plain port seen from 127.0.0.2: no USER" "^< USER"
check "group instance from 127.0.0.2: USER offered (trusted network)" 0 \
	"^< USER" "${C[@]}" "${U[@]}" --interface 127.0.0.2 \
	"pop3://127.0.0.1:$POP3_GROUP_PORT/" -X STAT -I
# failed logons on the group instance: the main one would add its auth
# penalty (about 4 s) to the next good logon from 127.0.0.1
G="pop3s://localhost:$POP3S_GROUP_PORT/"
check "wrong password -> -ERR [AUTH] after the delay" 67 \
	"< -ERR \\[AUTH\\]" "${C[@]}" -u "$TEST_USER:wrong" "$G" -X STAT -I
check "expired OAuth token refused" 67 "< \\+ ey" \
	"${C[@]}" -u "$TEST_USER:" --oauth2-bearer "$TEST_OAUTH_TOKEN_EXPIRED" \
	"$G" -X STAT -I
check "TLS 1.3-only port, TLS 1.3 client" 0 "SSL connection using TLSv1.3" \
	"${C[@]}" "${U[@]}" "pop3s://localhost:$POP3S_TLS13_PORT/" -X STAT -I
check "TLS 1.3-only port, TLS 1.2 client refused" 35 "" \
	"${C[@]}" "${U[@]}" --tls-max 1.2 "pop3s://localhost:$POP3S_TLS13_PORT/"
check "TLS 1.3-only STLS port, TLS 1.2 client refused" 35 "" \
	"${C[@]}" "${U[@]}" --tls-max 1.2 --ssl-reqd \
	"pop3://localhost:$POP3_TLS13_PORT/"
check "TLS 1.2+ port, TLS 1.1 client refused" 35 "" \
	"${C[@]}" "${U[@]}" --tlsv1.1 --tls-max 1.1 \
	--ciphers 'DEFAULT:@SECLEVEL=0' "$S"
check "legacy port, TLS 1.1 client" 0 "SSL connection using TLSv1.1" \
	"${C[@]}" "${U[@]}" --tlsv1.1 --tls-max 1.1 \
	--ciphers 'DEFAULT:@SECLEVEL=0' "pop3s://localhost:$POP3S_LEGACY_PORT/"
check "untrusted CA refused" 60 "unable to get local issuer" \
	"${C[@]}" "${U[@]}" "pop3s://localhost:$POP3S_UNTRUSTED_PORT/"
check "untrusted CA refused after STLS" 60 "" \
	"${C[@]}" "${U[@]}" --ssl-reqd "pop3://localhost:$POP3_UNTRUSTED_PORT/"
check "untrusted port verifies against its own CA" 0 "^2 182" \
	curl -sS --max-time 15 --cacert "$POPCONN_TEST_UNTRUSTED_CA" "${U[@]}" \
	"pop3s://localhost:$POP3S_UNTRUSTED_PORT/"
check "expired certificate refused" 60 "certificate has expired" \
	"${C[@]}" "${U[@]}" "pop3s://localhost:$POP3S_EXPIRED_PORT/"
check "expired certificate refused after STLS" 60 "expired" \
	"${C[@]}" "${U[@]}" --ssl-reqd "pop3://localhost:$POP3_EXPIRED_PORT/"
check "host $POP3_MISMATCH_HOST: name mismatch" 60 "subject name|does not match" \
	"${C[@]}" "${U[@]}" "pop3s://$POP3_MISMATCH_HOST:$POP3S_PORT/"
check "pinned fingerprint matches the server" 0 "" \
	"${C[@]}" "${U[@]}" --pinnedpubkey \
	"sha256//$(openssl x509 -in "$POPCONN_TEST_CERT_DIR/server.crt" -noout \
	-pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary |
	openssl base64)" "$S"
fp=$(openssl s_client -connect "127.0.0.1:$POP3S_PORT" </dev/null 2>/dev/null |
	openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
	tr 'A-F' 'a-f')
if [ "$fp" = "$POP3_SERVER_SHA256" ]; then
	ok "POP3_SERVER_SHA256 is the served certificate's"
else
	bad "POP3_SERVER_SHA256 $POP3_SERVER_SHA256 != served $fp"
fi
check "closed port refused" 7 "" "${C[@]}" "pop3://127.0.0.1:$POP3_CLOSED_PORT/"

# proxies
PX="$PROXY_USER:$PROXY_PASS"
check "microsocks socks5h + auth" 0 "^2 182" "${C[@]}" "${U[@]}" \
	--proxy "socks5h://$PX@127.0.0.1:$SOCKS5_AUTH_PORT" "$S"
check "microsocks without credentials" 97 "" "${C[@]}" "${U[@]}" \
	--proxy "socks5h://127.0.0.1:$SOCKS5_AUTH_PORT" "$S"
check "dante open socks4" 0 "^2 182" "${C[@]}" "${U[@]}" \
	--proxy "socks4://127.0.0.1:$DANTE_OPEN_PORT" "pop3s://127.0.0.1:$POP3S_PORT/"
check "dante open socks5h + STLS" 0 "$STAT_RE" "${C[@]}" "${U[@]}" \
	--proxy "socks5h://127.0.0.1:$DANTE_OPEN_PORT" --ssl-reqd "$P" -X STAT -I
check "dante open refuses $PROXY_DENY_HOST" 97 "" "${C[@]}" "${U[@]}" \
	--proxy "socks5://127.0.0.1:$DANTE_OPEN_PORT" \
	"pop3s://$PROXY_DENY_HOST:$POP3S_PORT/"
check "dante open refuses port $PROXY_DENY_PORT" 97 "" "${C[@]}" "${U[@]}" \
	--proxy "socks5://127.0.0.1:$DANTE_OPEN_PORT" \
	"pop3s://127.0.0.1:$PROXY_DENY_PORT/"
check "dante PAM socks5h + auth" 0 "^2 182" "${C[@]}" "${U[@]}" \
	--proxy "socks5h://$PX@127.0.0.1:$DANTE_AUTH_PORT" "$S"
check "dante PAM bad password" 97 "" "${C[@]}" "${U[@]}" \
	--proxy "socks5h://$PROXY_USER:wrong@127.0.0.1:$DANTE_AUTH_PORT" "$S"
check "perl socks4a (name resolved by the proxy)" 0 "^2 182" \
	"${C[@]}" "${U[@]}" --proxy "socks4a://$PROXY_USER@127.0.0.1:$PERL_SOCKS_PORT" "$S"
check "perl socks4" 0 "^2 182" "${C[@]}" "${U[@]}" \
	--proxy "socks4://$PROXY_USER@127.0.0.1:$PERL_SOCKS_PORT" \
	"pop3s://127.0.0.1:$POP3S_PORT/"
check "perl socks5h + auth + STLS" 0 "$STAT_RE" "${C[@]}" "${U[@]}" \
	--proxy "socks5h://$PX@127.0.0.1:$PERL_SOCKS_PORT" --ssl-reqd "$P" \
	-X STAT -I
check "perl socks4a wrong user id" 97 "" "${C[@]}" "${U[@]}" \
	--proxy "socks4a://nobody@127.0.0.1:$PERL_SOCKS_PORT" "$S"
check "perl socks5 refuses $PROXY_DENY_HOST" 97 "" "${C[@]}" "${U[@]}" \
	--proxy "socks5://$PX@127.0.0.1:$PERL_SOCKS_PORT" \
	"pop3s://$PROXY_DENY_HOST:$POP3S_PORT/"
check "tinyproxy CONNECT + Basic" 0 "^2 182" "${C[@]}" "${U[@]}" -p \
	--proxy "http://$PX@127.0.0.1:$HTTP_AUTH_PORT" "$S"
check "tinyproxy CONNECT + Basic + STLS" 0 "$STAT_RE" "${C[@]}" "${U[@]}" -p \
	--proxy "http://$PX@127.0.0.1:$HTTP_AUTH_PORT" --ssl-reqd "$P" -X STAT -I
check "tinyproxy without credentials: 407" 56 "407" "${C[@]}" "${U[@]}" -p \
	--proxy "http://127.0.0.1:$HTTP_AUTH_PORT" "$S"
check "tinyproxy bad password: 401" 56 "401" "${C[@]}" "${U[@]}" -p \
	--proxy "http://$PROXY_USER:wrong@127.0.0.1:$HTTP_AUTH_PORT" "$S"
check "tinyproxy open CONNECT" 0 "^2 182" "${C[@]}" "${U[@]}" -p \
	--proxy "http://127.0.0.1:$HTTP_OPEN_PORT" "$S"
check "tinyproxy refuses $PROXY_DENY_HOST: 403" 56 "403" "${C[@]}" "${U[@]}" -p \
	--proxy "http://127.0.0.1:$HTTP_OPEN_PORT" \
	"pop3s://$PROXY_DENY_HOST:$POP3S_PORT/"
check "tinyproxy refuses port $PROXY_DENY_PORT: 403" 56 "403" "${C[@]}" "${U[@]}" -p \
	--proxy "http://127.0.0.1:$HTTP_OPEN_PORT" \
	"pop3s://localhost:$PROXY_DENY_PORT/"

# latency relay: a CRAM-MD5 logon + STAT is 6 round trips
check "relay pop3s STAT" 0 "$STAT_RE" "${C[@]}" "${U[@]}" \
	"pop3s://localhost:$DELAY_POP3S_PORT/" -X STAT -I -w 'total=%{time_total}\n'
total=$(sed -n 's/^total=//p' "$OUT")
min=$(awk -v d="$DELAY_MS" 'BEGIN { print 6 * 2 * d / 1000 }')
if awk -v t="$total" -v m="$min" 'BEGIN { exit !(t >= m) }'; then
	ok "relay adds latency: ${total}s >= ${min}s (6 RTT of $((2 * DELAY_MS)) ms)"
else
	bad "relay adds latency: ${total}s < ${min}s"
fi
check "relay pop3 + STLS" 0 "$STAT_RE" "${C[@]}" "${U[@]}" --ssl-reqd \
	"pop3://localhost:$DELAY_POP3_PORT/" -X STAT -I

# --- pc_hostile ----------------------------------------------------------------

# hostile MODE: starts pc_hostile, sets HP (port) and HLOG
hostile()
{
	local pf=$T/hostile-$1.port i
	HLOG=$T/hostile-$1.log
	rm -f "$pf"
	"$HOSTILE" --mode "$1" --port 0 --portfile "$pf" --log "$HLOG" \
		--max-time 10 >/dev/null &
	HPIDS+=($!)
	i=$((${EPOCHREALTIME/./} + 5 * SLOW * 1000000))
	until [ -s "$pf" ] || [ "${EPOCHREALTIME/./}" -gt "$i" ]; do
		sleep 0.01
	done
	HP=$(<"$pf")
}

# talk SECONDS LINE...: sends the lines (CRLF) 0.1 s apart to 127.0.0.1:HP
# and keeps what the server sends in OUT, until it closes the connection
# or SECONDS times the factor have passed (a cap: the checks are on what
# came, never on how fast).
talk()
{
	local secs=$1
	shift
	talk_for "$(awk -v s="$secs" -v f="$SLOW" 'BEGIN { print s * f }')" "$@"
}
# With TALK_UNTIL=CONDITION (shell code) it also stops once CONDITION
# holds (for a server that never closes).
# talk_for SECONDS LINE...: the same for exactly SECONDS, for the one check
# on how little comes in a window (drip).
talk_for()
{
	local secs=$1 l
	shift
	(
		exec 3<>"/dev/tcp/127.0.0.1/$HP" || exit 1
		timeout "$secs" cat <&3 >"$OUT" &
		cpid=$!
		for l in "$@"; do
			sleep 0.1
			printf '%s\r\n' "$l" >&3
		done
		if [ -n "${TALK_UNTIL:-}" ]; then
			until eval "$TALK_UNTIL" ||
			    ! kill -0 "$cpid" 2>/dev/null; do
				sleep 0.05
			done
			kill "$cpid" 2>/dev/null
		fi
		wait
	) 2>/dev/null
}

# has REGEX: the server's output matches (binary safe)
has() { grep -aqE -- "$1" "$OUT"; }

hcheck()
{
	if eval "$2"; then
		ok "pc_hostile $1"
	else
		bad "pc_hostile $1"
	fi
}

if [ -n "$HOSTILE" ]; then
	hostile ok_plain
	check "pc_hostile ok_plain: STAT $("$HOSTILE" --list-modes | sed -n 's/^ok_plain.*STAT //p')" \
		0 "< \\+OK 3 300" curl -v -sS --max-time 10 -u a:b \
		"pop3://127.0.0.1:$HP/" -X STAT -I
	hostile stls_refused
	check "pc_hostile stls_refused: curl --ssl-reqd gives up" 64 "" \
		curl -v -sS --max-time 10 -u a:b --ssl-reqd "pop3://127.0.0.1:$HP/"
	hcheck "stls_refused: log has STLS and no credentials" \
		"grep -qE '^[0-9]+ C: STLS' $HLOG && ! grep -qE '^[0-9]+ C: (USER|PASS|AUTH|APOP)' $HLOG"
	hostile stls_hidden
	talk 10 CAPA STLS QUIT
	hcheck "stls_hidden: no STLS in CAPA, STLS refused" \
		"! has '^STLS' && has '^-ERR TLS'"
	hostile stls_inject
	TALK_UNTIL="has '^\+OK injected'" talk 10 CAPA STLS
	hcheck "stls_inject: +OK and injected line in one answer" \
		"has '^\\+OK Begin TLS' && has '^\\+OK injected'"
	hostile escape_greeting
	talk 10 QUIT
	hcheck "escape_greeting: ESC, BEL, C1 bytes in the greeting" \
		"has $'\\x1b\\\\[2J' && has $'\\x07' && has $'\\x9b' && has $'\\x85'"
	hostile long_line
	talk 30 QUIT
	hcheck "long_line: greeting of more than 1 MiB, then a dialogue" \
		"[ \$(head -n 1 $OUT | wc -c) -gt 1048576 ] && has '^\\+OK Bye'"
	hostile nul_byte
	talk 10 QUIT
	hcheck "nul_byte: a NUL in the greeting" \
		"[ \$(head -n 1 $OUT | tr -d '\\000' | wc -c) -lt \$(head -n 1 $OUT | wc -c) ]"
	hostile no_crlf
	TALK_UNTIL='[ "$(wc -c <"$OUT")" -ge 4096 ]' talk 10
	hcheck "no_crlf: text keeps coming, never a line end" \
		"[ -s $OUT ] && [ \$(tr -cd '\\r\\n' <$OUT | wc -c) = 0 ]"
	hostile drip
	talk_for 1.2
	hcheck "drip: at most 3 bytes in 1.2 s" \
		"[ \$(wc -c <$OUT) -le 3 ] && [ -s $OUT ]"
	hostile close_mid
	talk 10 CAPA
	hcheck "close_mid: CAPA cut after \"UI\"" \
		"[ \"\$(tail -c 2 $OUT)\" = UI ]"
	hostile bad_base64
	TALK_UNTIL="has '^\+ !!not'" talk 10 CAPA "AUTH CRAM-MD5" "*"
	hcheck "bad_base64: SASL CRAM-MD5 only, challenge not base64" \
		"has '^SASL CRAM-MD5' && has '^\\+ !!not\\*base64'"
	for m in "in_use IN-USE" "login_delay LOGIN-DELAY" "sys_temp SYS/TEMP" \
	    "sys_perm SYS/PERM" "auth_fail AUTH"; do
		set -- $m
		hostile "$1"
		talk 10 "USER a" "PASS b" "AUTH PLAIN AGEAYg==" QUIT
		hcheck "$1: PASS and AUTH get -ERR [$2]" \
			"[ \$(grep -ac '^-ERR \\[$2\\]' $OUT) = 2 ]"
	done
	hostile xoauth2_error
	talk 10 CAPA "AUTH XOAUTH2" "dXNlcj1hAWF1dGg9QmVhcmVyIHQBAQ==" "" QUIT
	JSON=$(sed -n 's/^+ \(ey.*\)\r$/\1/p' "$OUT" | base64 -d 2>/dev/null)
	if has '^SASL XOAUTH2' && [[ $JSON == *'"status":"401"'* ]] &&
	    has '^-ERR \[AUTH\]'; then
		ok "pc_hostile xoauth2_error: base64 JSON status 401, then -ERR [AUTH]"
	else
		bad "pc_hostile xoauth2_error: JSON '$JSON'"
	fi
	hostile xoauth2_ok
	talk 10 "AUTH XOAUTH2" "$(head -c 9000 /dev/zero | tr '\0' A)" STAT QUIT
	hcheck "xoauth2_ok: a 9000-byte token logs in, STAT 3 300" \
		"has '^\\+OK Logged in' && has '^\\+OK 3 300'"
	hostile silent
	talk 1 CAPA
	hcheck "silent: not a byte in 1 s, client line logged" \
		"[ ! -s $OUT ] && grep -q 'C: CAPA' $HLOG"
	hostile socks5_truncated
	check "pc_hostile socks5_truncated: curl fails" 97 "" curl -sS \
		--max-time 5 --proxy "socks5://127.0.0.1:$HP" "pop3://127.0.0.1:1/"
	hostile socks5_oversized
	check "pc_hostile socks5_oversized: curl fails on the garbage" 56 "" \
		curl -sS --max-time 5 --proxy "socks5h://127.0.0.1:$HP" \
		"pop3://localhost:1/"
	hcheck "socks5_oversized: log shows the CONNECT request" \
		"grep -q 'localhost' $HLOG"
	hostile http_huge_headers
	check "pc_hostile http_huge_headers: curl gives up" 56 "" curl -sS \
		--max-time 5 -p --proxy "http://127.0.0.1:$HP" "pop3://localhost:1/"
	hostile proxy_silent
	check "pc_hostile proxy_silent: curl times out" 28 "" curl -sS \
		--max-time 1 --proxy "socks5://127.0.0.1:$HP" "pop3://127.0.0.1:1/"
	hostile ok_plain
	pf=$T/hostile-ok_plain.port
	kill "${HPIDS[-1]}"
	wait "${HPIDS[-1]}"
	rc=$?
	hcheck "SIGTERM: exit 0 and port file removed (rc $rc)" \
		"[ $rc = 0 ] && [ ! -e $pf ]"
	for p in "${HPIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	HPIDS=()
fi

# --- stop, and nothing left ------------------------------------------------------

pam=$(sed -n 's/^PAMFILE=//p' "$T/state")
t0=${EPOCHREALTIME/./}
bash "$SERVERS" stop "$T"
t1=${EPOCHREALTIME/./}
echo "# servers stopped in $(((t1 - t0) / 1000)) ms"
left=$(ss -Hltn | awk -v lo="$POP3_PLAIN_PORT" -v hi="$POP3_CLOSED_PORT" \
	'{ n = split($4, a, ":"); if (a[n] >= lo && a[n] <= hi) print $4 }')
if [ -z "$left" ]; then
	ok "after stop: no test port listening"
else
	bad "after stop: still listening: $left"
fi
# tagged PID: the process carries POPCONN_SERVERS_TAG=<run id>:$T
tagged()
{
	local e
	local -a v
	mapfile -t -d "" v 2>/dev/null <"/proc/$1/environ" || return 1
	for e in "${v[@]}"; do
		[[ $e == POPCONN_SERVERS_TAG=*:"$T" ]] && return 0
	done
	return 1
}
alive=""
for d in /proc/[0-9]*; do
	read -r st 2>/dev/null <"$d/stat" || continue
	st=${st##*) }
	[ "${st:0:1}" = Z ] && continue
	tagged "${d#/proc/}" && alive+=" ${d#/proc/}"
done
if [ -z "$alive" ]; then
	ok "after stop: no process of this run alive"
else
	bad "after stop: still alive:$alive"
fi
if [ -n "$pam" ] && [ ! -e "$pam" ]; then
	ok "after stop: $pam removed"
else
	bad "after stop: PAM file '$pam' still there"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
