#!/usr/bin/env bash
# tests/integ/codepage.sh POPCONN PC_HOSTILE - the profile's code page used
# for real (PRODUCT.md section 1, issue 12 item 1):
#  - a real Dovecot (the "group" instance: no auth penalty) with the account
#    LATIN_USER whose passwd-file password is the Windows-1252 bytes of
#    LATIN_PASS ("Grüße€1"; Dovecot compares bytes): with codepage=1252 the
#    logon passes with USER, APOP, LOGIN and CRAM-MD5; the same profile with
#    codepage=65001 is refused (the control: the bytes sent decide), and so
#    is PLAIN with codepage=1252 (SASL PLAIN stays UTF-8);
#  - codepage=28591 (ISO-8859-1 has no euro sign) with USER stops at step
#    "credentials" before connecting: nothing is sent, Dovecot sees nobody;
#  - pc_hostile answers the logon with a -ERR in Windows-1251 (err_cp1251)
#    or KOI8-R (err_koi8r): with the matching code page the message, the
#    trace and the JSON read "Неверный пароль"; with UTF-8 the same bytes
#    are shown escaped (\xNN), never raw.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
HOSTILE=$(realpath "$2")
slow_factor "$PC"
[ "$(id -u)" = 0 ] || skip_test "needs root (Dovecot)"
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
POPCONN_SERVERS_ONLY="dovecot-group" "$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
DVLOG=$POPCONN_SERVERS_LOGS/dovecot-group.log
RU='Неверный пароль'

# add NAME PASSWORD FIELD=VALUE...
add() {
	local name=$1 pw=$2
	shift 2
	"$PC" add "$name" "$@" >/dev/null
	printf '%s\n' "$pw" | "$PC" set "$name" password=- >/dev/null
}
# check NAME DIAG WHAT: test --json; the diagnosis, no password shown, no
# control character.
check() {
	local name=$1 want=$2 what=$3 got
	run timeout "$(deadline 60)" "$PC" test "$name" --json
	got=$(sed -n 's/^  "diagnosis": "\(.*\)",$/\1/p' <<<"$OUT")
	expect_eq "$got" "$want" "$what: diagnosis $want"
	if grep -qF -- "$LATIN_PASS" <<<"$OUT$ERR"; then
		not_ok "$what: the password is in no output"
	fi
	if grep -qP '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]' <<<"$OUT$ERR"; then
		not_ok "$what: no control character in the output"
	fi
}
# dv_count: lines of Dovecot's log that name the account
dv_count() { grep -c "user=<$LATIN_USER>" "$DVLOG" || true; }

lat() {
	local name=$1
	shift
	add "$name" "$LATIN_PASS" address=localhost port="$POP3S_GROUP_PORT" \
		security=ssl tls_ca_file="$POPCONN_TEST_CA" \
		username="$LATIN_USER" "$@"
}

# --- Windows-1252 credentials against Dovecot ----------------------------
for m in user apop login cram-md5; do
	lat "cp-$m" codepage=1252 auth="$m"
	check "cp-$m" ok "codepage 1252, $m: Dovecot takes the Windows-1252 password"
	expect_out '"messages": 0' "codepage 1252, $m: STAT of the empty mailbox"
done
expect_out "\"text\": \"result: ok" "the trace ends in the result"
# The name is shown as typed; the bytes went in the code page.
lat cp-name codepage=windows-1252 auth=user
check cp-name ok "codepage given by name (windows-1252)"
expect_out '"text": "USER latinuser"' "the trace shows the USER line"

lat cp-utf8 codepage=65001 auth=user
check cp-utf8 auth_failed "control: the same password sent as UTF-8 is refused"
lat cp-plain codepage=1252 auth=plain
check cp-plain auth_failed "PLAIN stays UTF-8 whatever the code page"
expect_out '"text": "AUTH PLAIN <redacted>"' "PLAIN: the credentials were sent"

# --- a character the code page cannot hold ------------------------------------
before=$(dv_count)
lat cp-latin1 codepage=28591 auth=user
check cp-latin1 auth_failed "ISO-8859-1 cannot hold the euro sign"
expect_out '"failed_step": "credentials"' "ISO-8859-1: stopped at step credentials"
expect_out 'nothing was sent' "ISO-8859-1: the message says nothing was sent"
expect_out 'code page 28591' "ISO-8859-1: the message names the code page"
if grep -q 'connecting to' <<<"$OUT"; then
	not_ok "ISO-8859-1: no connection was made"
else
	ok "ISO-8859-1: no connection was made"
fi
expect_eq "$(dv_count)" "$before" "ISO-8859-1: Dovecot's log has no new line for the account"
run timeout "$(deadline 60)" "$PC" test cp-latin1
expect_out 'Hint: The user name or password holds a character' "ISO-8859-1: the hint speaks of the code page"

# --- server text in Windows-1251 and KOI8-R ----------------------------------
# hostile MODE: start pc_hostile in MODE; sets HPORT.
hostile() {
	rm -f "$T/port"
	"$HOSTILE" --mode "$1" --portfile "$T/port" --log "$T/hostile-$1.log" \
		--max-time 20 >/dev/null &
	HPIDS+=($!)
	wait_until 5 test -s "$T/port" || not_ok "pc_hostile --mode $1 writes its port file"
	HPORT=$(cat "$T/port")
}
# ru MODE CODEPAGE SHOWN WHAT: the -ERR of MODE read with CODEPAGE; SHOWN
# is "ru" (Russian, in UTF-8) or "escaped" (\xNN, not Russian).
ru() {
	local mode=$1 cp=$2 shown=$3 what=$4 name="h-$1-$2"
	add "$name" hostile-Secret-7 address=127.0.0.1 port="$HPORT" \
		security=none allow_plaintext=yes timeout=5 username=ivan \
		auth=user codepage="$cp"
	check "$name" auth_failed "$what"
	if [ "$shown" = ru ]; then
		expect_out "\"message\": \"logon failed: -ERR \\[AUTH\\] $RU\"" "$what: the message reads $RU"
		expect_out "\"text\": \"-ERR \\[AUTH\\] $RU\"" "$what: the trace reads $RU"
		run timeout "$(deadline 60)" "$PC" test "$name"
		expect_out "logon failed: -ERR \\[AUTH\\] $RU" "$what: the text output reads $RU"
	else
		if grep -qF "$RU" <<<"$OUT"; then
			not_ok "$what: not read as Russian"
		else
			ok "$what: not read as Russian"
		fi
		expect_out '-ERR \[AUTH\] \\\\x' "$what: the undecodable bytes are shown escaped"
		if iconv -f UTF-8 -t UTF-8 <<<"$OUT" >/dev/null 2>&1; then
			ok "$what: the output is valid UTF-8"
		else
			not_ok "$what: the output is valid UTF-8"
		fi
	fi
}
hostile err_cp1251
ru err_cp1251 1251 ru "Windows-1251 -ERR, codepage 1251"
ru err_cp1251 65001 escaped "Windows-1251 -ERR, codepage 65001"
hostile err_koi8r
ru err_koi8r 20866 ru "KOI8-R -ERR, codepage 20866"
ru err_koi8r koi8-r ru "KOI8-R -ERR, codepage koi8-r"
ru err_koi8r 65001 escaped "KOI8-R -ERR, codepage 65001"

finish
