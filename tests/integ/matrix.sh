#!/usr/bin/env bash
# tests/integ/matrix.sh POPCONN - test logons against three real POP3
# servers: Dovecot 2.3 (servers.sh "main"), Courier pop3d 1.0.16 and Cyrus
# pop3d 3.6.1 (unpacked Debian packages, started by servers.sh in private
# mount namespaces), every one with the same account and mailbox.  For each
# server, the same combinations of security (ssl = implicit TLS, tls =
# STLS, none with allow_plaintext=1) and logon method, then a wrong
# password, a plaintext logon refused before anything is sent, and Cyrus's
# [LOGIN-DELAY].  Every case checks the diagnosis, the exit status, the
# mailbox size from STAT when it succeeds (a successful logon must never be
# reported as failed) and that no password reaches any output or server log.
#
# The table "server x security x method -> result" is written, in markdown,
# to $POPCONN_MATRIX (default: matrix.md beside POPCONN) and printed.
# A server that does not start is a failure, not a skip.  Needs root (the
# servers, mount namespaces); exits 77 without it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
MATRIX=${POPCONN_MATRIX:-$(dirname "$PC")/matrix.md}
[ "$(id -u)" = 0 ] || { echo "needs root (servers, mount namespaces)"; exit 77; }
T=$(mktemp -d)
chmod 755 "$T"
cleanup() {
	"$here/servers.sh" stop "$T/srv" >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/srv"
t0=$(date +%s%N)
if POPCONN_SERVERS_ONLY="dovecot-main courier cyrus" \
	"$here/servers.sh" start "$T/srv" 2>"$T/start.err"; then
	t1=$(date +%s%N)
	ok "servers started (Dovecot, Courier, Cyrus) in $(((t1 - t0) / 1000000)) ms"
else
	not_ok "servers started (Dovecot, Courier, Cyrus)" "$(cat "$T/start.err")"
	finish
	exit 1
fi
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
LOGS=$POPCONN_SERVERS_LOGS
WRONG=not-the-Password-42
# Courier delays a refused logon about 5 s, Cyrus about 3 s, Dovecot 2 s:
# every wait of a case is bounded by this
TIMEOUT=10

# server facts: name in the table, ports, the log its sessions go to
declare -A NAME=([dovecot]="Dovecot 2.3.19" [courier]="Courier $COURIER_VERSION"
	[cyrus]="Cyrus $CYRUS_VERSION")
declare -A SSLPORT=([dovecot]=$POP3S_PORT [courier]=$COURIER_POP3S_PORT
	[cyrus]=$CYRUS_POP3S_PORT)
declare -A PLAINPORT=([dovecot]=$POP3_PLAIN_PORT [courier]=$COURIER_POP3_PORT
	[cyrus]=$CYRUS_POP3_PORT)
declare -A LOG=([dovecot]=$LOGS/dovecot-main.log [courier]=$LOGS/courier-pop3.log
	[cyrus]=$LOGS/cyrus.log)
# a line that ends a session in the server's log, and one that shows a
# logon attempt (successful or not)
declare -A LOG_END=([dovecot]='Disconnected' [courier]='Disconnected|LOGOUT'
	[cyrus]='counts: retr=')
declare -A LOG_LOGON=([dovecot]='user=<[^>]' [courier]='user='
	[cyrus]='( login: |badlogin: )')

ROWS=()
# row SERVER SECURITY METHOD EXPECTED GOT STAT MS NOTE
row() {
	local note=${8//|/\\|}
	ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 | $note |")
}

# lines_of FILE: its line count (0 when missing)
lines_of() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# wait_log SERVER FROM: until a session end appears after line FROM of the
# server's log (the server may log after popconn has exited); sets NEW to
# the lines added
wait_log() {
	local f=${LOG[$1]} i
	for i in $(seq 100); do
		NEW=$(tail -n +"$(($2 + 1))" "$f" 2>/dev/null || true)
		grep -qE -- "${LOG_END[$1]}" <<<"$NEW" && return 0
		sleep 0.1
	done
	return 1
}

N=0
# case SERVER SECURITY METHOD EXPECTED [FIELD=VALUE...]: one test logon;
# METHOD "wrong" is PLAIN with a wrong password.  Sets OUT, RC, DIAG.
run_case() {
	local srv=$1 sec=$2 method=$3 want=$4 port pw=$TEST_PASS auth user=$TEST_USER
	local what name msgs octets stat ms msg want_stat=$TEST_STAT
	shift 4
	N=$((N + 1))
	name=$srv-$N
	auth=$method
	case $method in
	wrong) auth=plain pw=$WRONG ;;
	esac
	case $sec in
	ssl) port=${SSLPORT[$srv]} ;;
	*) port=${PLAINPORT[$srv]} ;;
	esac
	local addr=localhost
	local -a f=()
	[ "$sec" = none ] && addr=127.0.0.1 f+=(allow_plaintext=1)
	for a in "$@"; do
		case $a in
		user=*) user=${a#user=} ;;
		pass=*) pw=${a#pass=} ;;
		stat=*) want_stat=${a#stat=} ;;
		port=*) port=${a#port=} ;;
		auth=*) auth=${a#auth=} ;;
		*) f+=("$a") ;;
		esac
	done
	f+=(address="$addr" port="$port" security="$sec" username="$user"
		auth="$auth" timeout=$TIMEOUT "tls_ca_file=$POPCONN_TEST_CA")
	"$PC" add "$name" "${f[@]}" >/dev/null
	printf '%s\n' "$pw" | "$PC" set "$name" password=- >/dev/null
	what="${NAME[$srv]} $sec $method"
	run timeout 120 "$PC" test "$name" --json
	DIAG=$(jq -r .diagnosis <<<"$OUT" 2>/dev/null || echo "(no JSON)")
	msgs=$(jq -r '.mailbox.messages // empty' <<<"$OUT" 2>/dev/null || true)
	octets=$(jq -r '.mailbox.octets // empty' <<<"$OUT" 2>/dev/null || true)
	ms=$(jq -r '.elapsed_ms // empty' <<<"$OUT" 2>/dev/null || true)
	msg=$(jq -r '.message // empty' <<<"$OUT" 2>/dev/null || true)
	stat=${msgs:+$msgs $octets}
	expect_eq "$DIAG" "$want" "$what: diagnosis $want"
	if [ "$want" = ok ]; then
		expect_rc 0 "$what: exit status 0"
		expect_eq "$stat" "$want_stat" "$what: STAT $want_stat"
	else
		expect_rc 1 "$what: exit status 1"
	fi
	for s in "$TEST_PASS" "$WRONG" "$CYRUS_DELAY_PASS"; do
		if grep -qF -- "$s" <<<"$OUT$ERR"; then
			not_ok "$what: no password in the output"
		fi
	done
	local verdict="$DIAG"
	[ "$DIAG" = "$want" ] || verdict="**$DIAG** (FAIL)"
	[ "$DIAG" = ok ] && msg=""
	row "${NAME[$srv]}" "$sec" "$method" "$want" "$verdict" "${stat:--}" "${ms:--}" "$msg"
}

# plaintext_case SERVER: security=none, allow_plaintext off: refused by
# popconn after CAPA, and the server's log shows the session without any
# logon attempt
plaintext_case() {
	local srv=$1 from
	from=$(lines_of "${LOG[$srv]}")
	N=$((N + 1))
	"$PC" add "$srv-$N" address=127.0.0.1 port="${PLAINPORT[$srv]}" security=none \
		username="$TEST_USER" timeout=$TIMEOUT >/dev/null
	printf '%s\n' "$TEST_PASS" | "$PC" set "$srv-$N" password=- >/dev/null
	run timeout 120 "$PC" test "$srv-$N" --json
	DIAG=$(jq -r .diagnosis <<<"$OUT" 2>/dev/null || echo "(no JSON)")
	expect_eq "$DIAG" plaintext_refused "${NAME[$srv]} none, allow_plaintext=0: diagnosis plaintext_refused"
	expect_rc 1 "${NAME[$srv]} plaintext refused: exit status 1"
	local sent
	sent=$(jq -r '.trace[] | select(.kind == "C:") | .text' <<<"$OUT" | tr '\n' ' ')
	if grep -qE '(^| )(USER|PASS|AUTH|APOP)' <<<"$sent"; then
		not_ok "${NAME[$srv]} plaintext refused: no logon command sent" "sent: $sent"
	else
		ok "${NAME[$srv]} plaintext refused: no logon command sent (sent: $sent)"
	fi
	if wait_log "$srv" "$from"; then
		ok "${NAME[$srv]} plaintext refused: the server logged the session"
		if grep -qE -- "${LOG_LOGON[$srv]}" <<<"$NEW"; then
			not_ok "${NAME[$srv]} plaintext refused: no logon attempt in the server's log" "$NEW"
		else
			ok "${NAME[$srv]} plaintext refused: no logon attempt in the server's log"
		fi
	else
		not_ok "${NAME[$srv]} plaintext refused: the server logged the session" \
			"no '${LOG_END[$srv]}' after line $from of ${LOG[$srv]}"
	fi
	local verdict=$DIAG
	[ "$DIAG" = plaintext_refused ] || verdict="**$DIAG** (FAIL)"
	row "${NAME[$srv]}" "none, allow_plaintext=0" auto plaintext_refused "$verdict" - - \
		"sent: $sent"
}

# expected SERVER SECURITY METHOD: what each server is expected to answer
expected() {
	case $1:$2:$3 in
	# popconn discards everything received before STLS, the greeting's
	# APOP timestamp included (and no server greets again after STLS)
	*:tls:apop) echo auth_mechanism_unavailable ;;
	# Courier: no APOP (no greeting timestamp); CRAM-MD5 only before
	# TLS (POP3AUTH), LOGIN and PLAIN after it (POP3AUTH_TLS)
	courier:*:apop) echo auth_mechanism_unavailable ;;
	courier:ssl:cram-md5 | courier:tls:cram-md5) echo auth_mechanism_unavailable ;;
	# Cyrus (allowplaintext: 0): USER "only available under a layer",
	# no PLAIN or LOGIN offered without TLS
	cyrus:none:user) echo auth_failed ;;
	cyrus:none:plain | cyrus:none:login) echo auth_mechanism_unavailable ;;
	# Dovecot treats 127.0.0.1 -> 127.0.0.1 as secure: all allowed
	*) echo ok ;;
	esac
}

SERVERS=${POPCONN_MATRIX_SERVERS:-dovecot courier cyrus}
SECURITY=${POPCONN_MATRIX_SECURITY-ssl tls none}
METHODS=${POPCONN_MATRIX_METHODS-auto user apop plain login cram-md5}
for srv in $SERVERS; do
	for sec in $SECURITY; do
		for m in $METHODS; do
			run_case "$srv" "$sec" "$m" "$(expected "$srv" "$sec" "$m")"
		done
	done
	plaintext_case "$srv"
done

# --- Cyrus popminpoll (1 minute) on its own service and user ------------------
if [[ " $SERVERS " == *" cyrus "* ]]; then
	run_case cyrus ssl login-delay-1st ok port="$CYRUS_DELAY_PORT" auth=auto \
		user="$CYRUS_DELAY_USER" pass="$CYRUS_DELAY_PASS" stat="0 0"
	run_case cyrus ssl login-delay-2nd login_delay port="$CYRUS_DELAY_PORT" \
		auth=auto user="$CYRUS_DELAY_USER" pass="$CYRUS_DELAY_PASS"
	expect_out 'LOGIN-DELAY' "Cyrus popminpoll: the server's [LOGIN-DELAY] is in the trace"
fi

# --- wrong passwords, last (Dovecot's auth penalty delays the next logon) ------
for srv in $SERVERS; do
	run_case "$srv" ssl wrong auth_failed
	case $srv in
	# Courier's refusal has no response code: popconn's diagnosis
	# comes from the -ERR after the logon alone
	courier) expect_out 'Authentication failed' "Courier wrong password: the server's text is in the trace" ;;
	*) expect_out '\[AUTH\]' "${NAME[$srv]} wrong password: the server's [AUTH] is in the trace" ;;
	esac
done

# no secret in any server log
if grep -rqF -e "$TEST_PASS" -e "$WRONG" -e "$CYRUS_DELAY_PASS" "$LOGS"; then
	not_ok "no password in any server log" "$(grep -rlF -e "$TEST_PASS" -e "$WRONG" -e "$CYRUS_DELAY_PASS" "$LOGS")"
else
	ok "no password in any server log"
fi

{
	echo "| server | security | method | expected | result | STAT | ms | note |"
	echo "|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${ROWS[@]}"
} >"$MATRIX"
echo "---- $MATRIX"
cat "$MATRIX"
finish
