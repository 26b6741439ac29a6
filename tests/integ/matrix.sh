#!/usr/bin/env bash
# tests/integ/matrix.sh POPCONN - test logons against three real POP3
# servers: Dovecot 2.3 (servers.sh "main"), Courier pop3d 1.0.16 and Cyrus
# pop3d 3.6.1 (unpacked Debian packages, started by servers.sh in private
# mount namespaces), every one with the same account and mailbox.  For each
# server, the same combinations of security (ssl = implicit TLS, tls =
# STLS, none with allow_plaintext=1) and logon method, then a wrong
# password, a plaintext logon refused before anything is sent, and Cyrus's
# [LOGIN-DELAY].  Every case checks the diagnosis, the mailbox size from
# STAT when it succeeds (a successful logon must never be reported as
# failed) and that no password reaches any output or server log; the exit
# status is checked per logon for the cases run alone (ssl and tls with
# auto, plaintext, LOGIN-DELAY) and per group for the rest (run four at a
# time: 0 when every one must succeed).
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

# --- the cases ------------------------------------------------------------------
# Every case is a profile, all made by one "popconn import" (the profile's
# group says how it runs and which password bulk-set gives it), so that the
# run is spent on logons, not on starting popconn.
CASES=()			# case names, in table order
declare -A C_SRV C_SEC C_METH C_WANT C_STAT GROUP_OF ROW
declare -A RES_DIAG RES_STAT RES_MS RES_MSG RES_SENT
: >"$T/import.json"

# add_case GROUP SERVER SECURITY METHOD EXPECTED [port=N] [user=U] [auth=A]
#          [stat="M O"] [plain=true|false]: one profile; METHOD "wrong" is
# PLAIN with a wrong password; security none has allow_plaintext=1 unless
# plain=false
add_case() {
	local group=$1 srv=$2 sec=$3 method=$4 want=$5 name port auth a
	local user=$TEST_USER addr=localhost plain=false stat=$TEST_STAT
	shift 5
	name=$srv-$sec-$method
	auth=$method
	[ "$method" = wrong ] && auth=plain
	case $sec in
	ssl) port=${SSLPORT[$srv]} ;;
	*) port=${PLAINPORT[$srv]} ;;
	esac
	[ "$sec" = none ] && addr=127.0.0.1 plain=true
	for a in "$@"; do
		case $a in
		port=*) port=${a#port=} ;;
		user=*) user=${a#user=} ;;
		auth=*) auth=${a#auth=} ;;
		stat=*) stat=${a#stat=} ;;
		plain=*) plain=${a#plain=} ;;
		esac
	done
	[ "$plain" = false ] && [ "$sec" = none ] && name=$srv-none-plaintext-off
	CASES+=("$name")
	C_SRV[$name]=$srv C_SEC[$name]=$sec C_METH[$name]=$method
	C_WANT[$name]=$want C_STAT[$name]=$stat GROUP_OF[$name]=$group
	printf '%s{"name":"%s","group":"%s","address":"%s","port":%s,"security":"%s","username":"%s","auth":"%s","timeout":%s,"allow_plaintext":%s,"tls_ca_file":"%s"}\n' \
		"$([ -s "$T/import.json" ] && echo , || echo '[')" "$name" "$group" \
		"$addr" "$port" "$sec" "$user" "$auth" $TIMEOUT "$plain" \
		"$POPCONN_TEST_CA" >>"$T/import.json"
}

# collect: the results in $OUT (one JSON object, or a group run's array)
# into RES_* by case name
collect() {
	local name diag msgs octets ms msg sent
	# fields split on US (0x1f): tabs are IFS white space, and empty
	# fields between them would collapse
	while IFS=$'\x1f' read -r name diag msgs octets ms msg sent; do
		RES_DIAG[$name]=$diag RES_MS[$name]=$ms RES_MSG[$name]=$msg
		RES_STAT[$name]=${msgs:+$msgs $octets} RES_SENT[$name]=$sent
	done < <(jq -r '(if type == "array" then .[] else . end) |
		[.name, .diagnosis, (.mailbox.messages // "" | tostring),
		 (.mailbox.octets // "" | tostring), (.elapsed_ms | tostring),
		 (.message // ""),
		 ([.trace[] | select(.kind == "C:") | .text] | join(" "))] |
		map(gsub("[\u0000-\u001f]"; " ")) | join("\u001f")' <<<"$OUT" 2>/dev/null)
}

# no_secret WHAT: no password in the last command's output
no_secret() {
	local s leak=0
	for s in "$TEST_PASS" "$WRONG" "$CYRUS_DELAY_PASS"; do
		if grep -qF -- "$s" <<<"$OUT$ERR"; then leak=1; fi
	done
	if [ $leak = 0 ]; then
		ok "$1: no password in the output"
	else
		not_ok "$1: no password in the output"
	fi
}

# label NAME: "server security method" for messages
label() {
	local extra=""
	[ "${C_WANT[$1]}" = plaintext_refused ] && extra=", allow_plaintext=0"
	echo "${NAME[${C_SRV[$1]}]} ${C_SEC[$1]}$extra ${C_METH[$1]}"
}

# judge NAME: the checks of one case, and its table row
judge() {
	local n=$1 what want got stat note verdict sec=${C_SEC[$1]}
	what=$(label "$n")
	want=${C_WANT[$n]} got=${RES_DIAG[$n]:-(no result)} stat=${RES_STAT[$n]:-}
	expect_eq "$got" "$want" "$what: diagnosis $want"
	if [ "$want" = ok ]; then
		expect_eq "$stat" "${C_STAT[$n]}" "$what: STAT ${C_STAT[$n]}"
	fi
	verdict=$got
	[ "$got" = "$want" ] || verdict="**$got** (FAIL)"
	note=${RES_MSG[$n]:-}
	[ "$got" = ok ] && note=""
	if [ "$want" = plaintext_refused ]; then
		note="sent: ${RES_SENT[$n]:-}"
		sec="none, allow_plaintext=0"
	fi
	note=${note//|/\\|}
	ROW[$n]="| ${NAME[${C_SRV[$n]}]} | $sec | ${C_METH[$n]} | $want | $verdict | ${stat:--} | ${RES_MS[$n]:--} | $note |"
}

# run_one NAME: one test logon, alone; its exit status is checked too
run_one() {
	local n=$1
	run timeout 120 "$PC" test "$n" --json
	collect
	if [ "${C_WANT[$n]}" = ok ]; then
		expect_rc 0 "$(label "$n"): exit status 0"
	else
		expect_rc 1 "$(label "$n"): exit status 1"
	fi
	no_secret "$(label "$n")"
	judge "$n"
}

# run_group GROUP RC WHAT: the group's logons, four at a time; RC is the
# exit status wanted (0: every logon succeeded)
run_group() {
	local g=$1 n
	run timeout 600 "$PC" test --group "$g" --json --jobs 4
	collect
	expect_rc "$2" "$3"
	no_secret "group $g"
	for n in "${CASES[@]}"; do
		if [ "${GROUP_OF[$n]}" = "$g" ]; then judge "$n"; fi
	done
}

# in_servers NAME: NAME is one of the servers this run covers
in_servers() { [[ " $SERVERS " == *" $1 "* ]]; }

# expected SERVER SECURITY METHOD: what each server is expected to answer
expected() {
	case $1:$2:$3 in
	# popconn discards everything received before STLS, the greeting's
	# APOP timestamp included (and no server greets again after STLS)
	*:tls:apop) echo auth_mechanism_unavailable ;;
	# Courier: no APOP (no greeting timestamp), no SCRAM; CRAM-MD5 only before
	# TLS (POP3AUTH), LOGIN and PLAIN after it (POP3AUTH_TLS)
	courier:*:apop | courier:*:scram-*) echo auth_mechanism_unavailable ;;
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
METHODS=${POPCONN_MATRIX_METHODS-auto user apop plain login cram-md5 scram-sha-1 scram-sha-256}

# implicit TLS and STLS with auto, each alone (exit status checked)
for srv in $SERVERS; do
	add_case single "$srv" ssl auto ok
	add_case single "$srv" tls auto ok
done
for srv in $SERVERS; do
	for sec in $SECURITY; do
		for m in $METHODS; do
			[ "$m" = auto ] && [ "$sec" != none ] && continue
			w=$(expected "$srv" "$sec" "$m")
			if [ "$w" = ok ]; then
				add_case m-ok "$srv" "$sec" "$m" "$w"
			else
				add_case m-refused "$srv" "$sec" "$m" "$w"
			fi
		done
	done
	# allow_plaintext off: refused by popconn itself
	add_case plaintext "$srv" none auto plaintext_refused plain=false
done
if in_servers cyrus; then
	add_case delay cyrus ssl login-delay-1st ok port="$CYRUS_DELAY_PORT" \
		auth=auto user="$CYRUS_DELAY_USER" stat="0 0"
	add_case delay cyrus ssl login-delay-2nd login_delay \
		port="$CYRUS_DELAY_PORT" auth=auto user="$CYRUS_DELAY_USER"
fi
for srv in $SERVERS; do
	add_case m-wrong "$srv" ssl wrong auth_failed
done
echo ']' >>"$T/import.json"

run "$PC" import "$T/import.json" --format json
expect_rc 0 "${#CASES[@]} profiles imported"
# set_pw PASSWORD GROUP...: for the groups that have profiles
set_pw() {
	local pw=$1 g
	shift
	for g in "$@"; do
		grep -q "\"group\":\"$g\"" "$T/import.json" || continue
		printf '%s\n' "$pw" | "$PC" bulk-set --group "$g" password=- >/dev/null
	done
}
set_pw "$TEST_PASS" single m-ok m-refused plaintext
set_pw "$CYRUS_DELAY_PASS" delay
set_pw "$WRONG" m-wrong

for n in "${CASES[@]}"; do
	if [ "${GROUP_OF[$n]}" = single ]; then run_one "$n"; fi
done
if grep -q '"group":"m-ok"' "$T/import.json"; then
	run_group m-ok 0 "every expected success, four at a time: exit status 0"
fi
if grep -q '"group":"m-refused"' "$T/import.json"; then
	run_group m-refused 1 "the expected refusals, four at a time: exit status 1"
fi

# --- plaintext refused: nothing sent, and the server saw no logon --------------
for srv in $SERVERS; do
	n=$srv-none-plaintext-off
	from=$(lines_of "${LOG[$srv]}")
	run_one "$n"
	if grep -qE '(^| )(USER|PASS|AUTH|APOP)' <<<"${RES_SENT[$n]:-}"; then
		not_ok "${NAME[$srv]} plaintext refused: no logon command sent" "sent: ${RES_SENT[$n]:-}"
	else
		ok "${NAME[$srv]} plaintext refused: no logon command sent (sent: ${RES_SENT[$n]:-})"
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
done

# --- Cyrus popminpoll (1 minute) on its own service and user ------------------
if in_servers cyrus; then
	run_one cyrus-ssl-login-delay-1st
	run_one cyrus-ssl-login-delay-2nd
	expect_out 'LOGIN-DELAY' "Cyrus popminpoll: the server's [LOGIN-DELAY] is in the trace"
fi

# --- wrong passwords, last (Dovecot's auth penalty delays the next logon) ------
run_group m-wrong 1 "wrong passwords: exit status 1"
for srv in $SERVERS; do
	tr=$(jq -r --arg n "$srv-ssl-wrong" '.[] | select(.name == $n) | .trace[].text' <<<"$OUT")
	case $srv in
	# Courier's refusal has no response code: popconn's diagnosis
	# comes from the -ERR to the logon alone
	courier) re='Authentication failed' ;;
	*) re='\[AUTH\]' ;;
	esac
	if grep -qE -- "$re" <<<"$tr"; then
		ok "${NAME[$srv]} wrong password: the server's refusal is in the trace"
	else
		not_ok "${NAME[$srv]} wrong password: the server's refusal is in the trace"
	fi
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
	for n in "${CASES[@]}"; do
		printf '%s\n' "${ROW[$n]:-| ${NAME[${C_SRV[$n]}]} | ${C_SEC[$n]} | ${C_METH[$n]} | ${C_WANT[$n]} | **not run** (FAIL) | - | - | |}"
	done
} >"$MATRIX"
echo "---- $MATRIX"
cat "$MATRIX"
finish
