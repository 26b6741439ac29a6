#!/usr/bin/env bash
# tests/integ/tlsdiag.sh POPCONN PC_HOSTILE - the diagnosis of a failed TLS
# handshake against real servers (PRODUCT.md section 2, issue 12 item 4):
# tls_version_mismatch only when the server says so (a protocol_version
# alert) or chooses a version outside the set, client_cert_required when
# it asks for a client certificate, tls_handshake_failed with the alert's
# name otherwise.  The servers: openssl s_server (a real TLS stack) that
#  - requires a client certificate with TLS 1.2 (CertificateRequest, then
#    handshake_failure) and with TLS 1.3 (certificate_required after the
#    client's Finished: the failure comes while reading the greeting);
#  - has no cipher suite in common with popconn (TLS 1.2 and TLS 1.3);
#  - speaks only TLS 1.1 (the control: a real version mismatch);
# and pc_hostile tls_hello_close, which reads the ClientHello and closes.
# Every run uses the default allowed versions (TLS 1.2 and 1.3), which are
# narrower than what wolfSSL can do: the old code called all of these a
# version mismatch for that reason.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
HOSTILE=$(realpath "$2")
slow_factor "$PC"
command -v openssl >/dev/null || skip_test "openssl is not installed"
T=$(mktemp -d)
SPIDS=()
cleanup() {
	for p in "${SPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	exec 3>&- 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config

# A test CA and a server certificate for localhost (P-256), made now.
(
	cd "$T"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=tlsdiag CA' \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout server.key -out server.csr -subj /CN=localhost
	printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >ext
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
		-CAcreateserial -days 2 -extfile ext -out server.crt
) >"$T/openssl.log" 2>&1 || { cat "$T/openssl.log"; not_ok "test certificates made"; finish; }

# s_server reads its standard input; a FIFO held open gives it one that
# never ends (an end of input would close a connection).
mkfifo "$T/in"
exec 3<>"$T/in"

# listening PORT: something listens on 127.0.0.1:PORT (IPv4 table).
listening() {
	local hex
	printf -v hex '%04X' "$1"
	grep -q "^ *[0-9]*: 0100007F:$hex 00000000:0000 0A" /proc/net/tcp
}
# gone PID: the process has exited (a zombie counts: PID 1 reaps late).
gone() {
	local st
	[ -r "/proc/$1/stat" ] || return 0
	read -r _ _ st _ <"/proc/$1/stat" || return 0
	[ "$st" = Z ]
}
# srv NAME ARGS...: openssl s_server with ARGS on a free port; sets SPORT.
srv() {
	local name=$1 try pid
	shift
	for try in 1 2 3 4 5 6; do
		SPORT=$((20000 + RANDOM % 20000))
		listening "$SPORT" && continue
		openssl s_server -accept "127.0.0.1:$SPORT" -cert "$T/server.crt" \
			-key "$T/server.key" -quiet "$@" <&3 >"$T/$name.log" 2>&1 &
		pid=$!
		SPIDS+=("$pid")
		wait_until 10 eval "listening $SPORT || gone $pid" || true
		if listening "$SPORT" && ! gone "$pid"; then
			return 0
		fi
		kill "$pid" 2>/dev/null || true
	done
	not_ok "openssl s_server $name listens" "$(cat "$T/$name.log")"
	finish
}
# check NAME DIAG STEP WHAT: test --json; the diagnosis and the step.
check() {
	local name=$1 want=$2 step=$3 what=$4 got
	run timeout "$(deadline 60)" "$PC" test "$name" --json
	got=$(sed -n 's/^  "diagnosis": "\(.*\)",$/\1/p' <<<"$OUT")
	expect_eq "$got" "$want" "$what: diagnosis $want"
	got=$(sed -n 's/^  "failed_step": "\(.*\)",$/\1/p' <<<"$OUT")
	expect_eq "$got" "$step" "$what: failed at step $step"
	MSG=$(sed -n 's/^  "message": "\(.*\)",$/\1/p' <<<"$OUT")
}
# msg_has RE WHAT / msg_lacks RE WHAT: about the result's message.
msg_has() { if grep -qE -- "$1" <<<"$MSG"; then ok "$2"; else not_ok "$2" "message: $MSG"; fi; }
msg_lacks() { if grep -qiE -- "$1" <<<"$MSG"; then not_ok "$2" "message: $MSG"; else ok "$2"; fi; }
# summary WHAT: the text output's TLS summary line gives a reason.
summary() {
	local line
	run timeout "$(deadline 60)" "$PC" test "$1"
	line=$(grep -m1 '^TLS: ' <<<"$OUT" || true)
	if [ -z "$line" ]; then
		not_ok "$2: the TLS summary is printed" "$OUT"
	elif grep -qE ';[[:space:]]*$' <<<"$line"; then
		not_ok "$2: the TLS summary does not end in an empty reason" "$line"
	else
		ok "$2: the TLS summary does not end in an empty reason"
	fi
}
# add NAME PORT: an ssl profile with the default allowed versions.
add() {
	"$PC" add "$1" address=localhost port="$2" security=ssl \
		tls_ca_file="$T/ca.crt" username=tim auth=user timeout=5 >/dev/null
	printf 'tlsdiag-Secret-3\n' | "$PC" set "$1" password=- >/dev/null
}

# --- a client certificate is required -------------------------------------
srv cc12 -tls1_2 -Verify 1
add cc12 "$SPORT"
check cc12 client_cert_required tls "TLS 1.2, client certificate required"
msg_has 'CertificateRequest' "TLS 1.2 client certificate: the request is named"
msg_has 'handshake_failure \(40\)' "TLS 1.2 client certificate: the alert is named"
msg_lacks 'mismatch' "TLS 1.2 client certificate: no version mismatch"
summary cc12 "TLS 1.2 client certificate"
expect_out 'Hint: The server demands a client certificate' "TLS 1.2 client certificate: the hint"

srv cc13 -tls1_3 -Verify 1
add cc13 "$SPORT"
check cc13 client_cert_required greeting "TLS 1.3, client certificate required"
msg_has 'certificate_required \(116\)' "TLS 1.3 client certificate: the alert is named"
msg_lacks 'closed|mismatch' "TLS 1.3 client certificate: not a closed connection"

# --- no cipher suite in common --------------------------------------------
srv nc12 -tls1_2 -cipher ECDHE-ECDSA-AES128-CCM8
add nc12 "$SPORT"
check nc12 tls_handshake_failed tls "TLS 1.2, no cipher suite in common"
msg_has 'alert handshake_failure \(40\)' "TLS 1.2 no shared cipher: the alert is named"
msg_lacks 'mismatch|version' "TLS 1.2 no shared cipher: no version blamed"
expect_no 'allow the version' "TLS 1.2 no shared cipher: the hint does not push older versions"

srv nc13 -tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256
add nc13 "$SPORT"
check nc13 tls_handshake_failed tls "TLS 1.3, no cipher suite in common"
msg_has 'alert handshake_failure \(40\)' "TLS 1.3 no shared cipher: the alert is named"
msg_lacks 'mismatch' "TLS 1.3 no shared cipher: no version mismatch"

# --- a server that reads the ClientHello and closes --------------------------
rm -f "$T/hport"
"$HOSTILE" --mode tls_hello_close --portfile "$T/hport" --log "$T/hostile.log" \
	--max-time 20 >/dev/null &
SPIDS+=($!)
wait_until 5 test -s "$T/hport" || not_ok "pc_hostile tls_hello_close writes its port file"
add close "$(cat "$T/hport")"
check close tls_handshake_failed tls "the server reads the ClientHello and closes"
msg_has 'without an alert' "close after ClientHello: the silence is named"
msg_lacks 'mismatch' "close after ClientHello: no version mismatch"
if grep -q 'read a TLS record of type 22' "$T/hostile.log"; then
	ok "close after ClientHello: pc_hostile read the ClientHello"
else
	not_ok "close after ClientHello: pc_hostile read the ClientHello" "$(cat "$T/hostile.log")"
fi

# --- the control: a real version mismatch ------------------------------------
srv v11 -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'
add v11 "$SPORT"
check v11 tls_version_mismatch tls "TLS 1.1-only server, TLS 1.2 and 1.3 allowed"
msg_has 'protocol_version' "TLS 1.1 only: the server's protocol_version alert is named"

finish
