#!/usr/bin/env bash
# tests/integ/proxy.sh POPCONN PC_HOSTILE - test logons through real proxies
# started on loopback (dante for SOCKS4/5, microsocks for SOCKS5 with
# credentials, a perl SOCKS4a server, tinyproxy for HTTP CONNECT) to the real
# Dovecot, in ssl and tls modes; wrong credentials; a proxy refusing the
# destination; a proxy that is not listening; hostile proxies.  Every case
# asserts the diagnosis, the proxy step, and that neither password shows.
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
POPCONN_SERVERS_ONLY="dovecot-main dante microsocks perl-socks tinyproxy" \
	"$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
pc() { "$PC" "$@"; }

# add NAME PROXYPASS FIELD=VALUE...: the mail password is always set; the
# proxy password too when PROXYPASS is not empty.
add() {
	local name=$1 ppw=$2
	shift 2
	pc add "$name" "$@" >/dev/null
	printf '%s\n' "$TEST_PASS" | pc set "$name" password=- >/dev/null
	if [ -n "$ppw" ]; then printf '%s\n' "$ppw" | pc set "$name" proxy_password=- >/dev/null; fi
}
check() {
	local name=$1 want=$2 what=$3 got
	run timeout "$(deadline 60)" "$PC" test "$name" --json
	got=$(sed -n 's/^  "diagnosis": "\(.*\)",$/\1/p' <<<"$OUT")
	expect_eq "$got" "$want" "$what: diagnosis $want"
	for s in "$TEST_PASS" "$PROXY_PASS" wrong-Proxy-Pass; do
		if grep -qF -- "$s" <<<"$OUT$ERR"; then not_ok "$what: no password in the output"; fi
	done
	if ! grep -q '"step": "proxy"' <<<"$OUT" && [ "$name" != down ]; then not_ok "$what: the proxy step is shown"; fi
}
MAIL=(address=localhost "tls_ca_file=$POPCONN_TEST_CA" "username=$TEST_USER")
PX=(proxy_address=127.0.0.1)
CRED=(proxy_auth=yes "proxy_username=$PROXY_USER")

for mode in ssl tls; do
	if [ $mode = ssl ]; then port=$POP3S_PORT; else port=$POP3_PLAIN_PORT; fi
	M=("${MAIL[@]}" security=$mode port="$port")
	add "s4-$mode" "" "${M[@]}" proxy_type=socks4 "${PX[@]}" proxy_port="$DANTE_OPEN_PORT"
	check "s4-$mode" ok "SOCKS4 (dante), $mode"
	add "s4u-$mode" "" "${M[@]}" proxy_type=socks4 "${PX[@]}" proxy_port="$PERL_SOCKS_PORT" "${CRED[@]}"
	check "s4u-$mode" ok "SOCKS4 with a user id (perl), $mode"
	add "s4a-$mode" "" "${M[@]}" proxy_type=socks4a "${PX[@]}" proxy_port="$PERL_SOCKS_PORT" "${CRED[@]}"
	check "s4a-$mode" ok "SOCKS4a, name resolved by the proxy, $mode"
	expect_out 'localhost' "SOCKS4a sends the name"
	add "s5-$mode" "" "${M[@]}" proxy_type=socks5 "${PX[@]}" proxy_port="$DANTE_OPEN_PORT"
	check "s5-$mode" ok "SOCKS5 without credentials (dante), $mode"
	add "s5m-$mode" "$PROXY_PASS" "${M[@]}" proxy_type=socks5 "${PX[@]}" proxy_port="$SOCKS5_AUTH_PORT" "${CRED[@]}"
	check "s5m-$mode" ok "SOCKS5 with credentials (microsocks), $mode"
	add "s5d-$mode" "$PROXY_PASS" "${M[@]}" proxy_type=socks5 "${PX[@]}" proxy_port="$DANTE_AUTH_PORT" "${CRED[@]}"
	check "s5d-$mode" ok "SOCKS5 with credentials (dante, PAM), $mode"
	add "h-$mode" "$PROXY_PASS" "${M[@]}" proxy_type=http "${PX[@]}" proxy_port="$HTTP_AUTH_PORT" "${CRED[@]}"
	check "h-$mode" ok "HTTP CONNECT with Basic credentials (tinyproxy), $mode"
	add "ho-$mode" "" "${M[@]}" proxy_type=http "${PX[@]}" proxy_port="$HTTP_OPEN_PORT"
	check "ho-$mode" ok "HTTP CONNECT without credentials, $mode"
done
add s6 "" address=::1 port="$POP3S_PORT" security=ssl "tls_ca_file=$POPCONN_TEST_CA" "username=$TEST_USER" \
	proxy_type=socks5 "${PX[@]}" proxy_port="$PERL_SOCKS_PORT" "${CRED[@]}"
printf '%s\n' "$PROXY_PASS" | pc set s6 proxy_password=- >/dev/null
check s6 ok "SOCKS5 to an IPv6 destination"

M=("${MAIL[@]}" security=ssl port="$POP3S_PORT")
# --- wrong or missing credentials -------------------------------------------
add bad-s5m wrong-Proxy-Pass "${M[@]}" proxy_type=socks5 "${PX[@]}" proxy_port="$SOCKS5_AUTH_PORT" "${CRED[@]}"
check bad-s5m proxy_auth_failed "SOCKS5 wrong password (microsocks)"
add none-s5m "" "${M[@]}" proxy_type=socks5 "${PX[@]}" proxy_port="$SOCKS5_AUTH_PORT"
check none-s5m proxy_auth_failed "SOCKS5 without credentials where they are required"
add bad-s5d wrong-Proxy-Pass "${M[@]}" proxy_type=socks5 "${PX[@]}" proxy_port="$DANTE_AUTH_PORT" "${CRED[@]}"
# dante with PAM accepts any RFC 1929 credentials and checks them only
# against its rules, answering "not allowed by ruleset" (reply 2), which a
# client cannot tell from a refused destination: the message says both.
check bad-s5d proxy_failed "SOCKS5 wrong password (dante, PAM)"
expect_out 'user name and password' "the message names the credentials as a possible cause"
add bad-h wrong-Proxy-Pass "${M[@]}" proxy_type=http "${PX[@]}" proxy_port="$HTTP_AUTH_PORT" "${CRED[@]}"
check bad-h proxy_auth_failed "HTTP wrong password (tinyproxy answers 401)"
add none-h "" "${M[@]}" proxy_type=http "${PX[@]}" proxy_port="$HTTP_AUTH_PORT"
check none-h proxy_auth_failed "HTTP without credentials (407)"
add bad-s4a "" "${M[@]}" proxy_type=socks4a "${PX[@]}" proxy_port="$PERL_SOCKS_PORT" proxy_auth=yes proxy_username=intruder
check bad-s4a proxy_auth_failed "SOCKS4a with the wrong user id"

# --- the proxy refuses the destination, or is not there ------------------------
D=(address="$PROXY_DENY_HOST" "tls_ca_file=$POPCONN_TEST_CA" "username=$TEST_USER" security=ssl port="$POP3S_PORT")
add deny-s5 "" "${D[@]}" proxy_type=socks5 "${PX[@]}" proxy_port="$DANTE_OPEN_PORT"
check deny-s5 proxy_failed "SOCKS5 proxy refuses the destination"
expect_out 'not allowed|ruleset|refused' "the SOCKS5 reply code is put in words"
add deny-s4 "" "${D[@]}" proxy_type=socks4 "${PX[@]}" proxy_port="$DANTE_OPEN_PORT"
check deny-s4 proxy_failed "SOCKS4 proxy refuses the destination"
add deny-h "" "${D[@]}" proxy_type=http "${PX[@]}" proxy_port="$HTTP_OPEN_PORT"
check deny-h proxy_failed "HTTP proxy refuses the destination (403)"
expect_out '403' "the HTTP status is shown"
add down "" "${M[@]}" proxy_type=socks5 "${PX[@]}" proxy_port="$POP3_CLOSED_PORT"
check down proxy_failed "proxy not listening"
expect_out 'cannot reach the proxy' "the message says the proxy is unreachable"
add target-down "" "${MAIL[@]}" security=ssl port="$POP3_CLOSED_PORT" proxy_type=socks5 "${PX[@]}" proxy_port="$DANTE_OPEN_PORT"
check target-down proxy_failed "proxy cannot reach the server"
# The proxy address points at a POP3 server (any banner service): its
# banner is quoted at once, not waited on as a silent proxy.
add not-http "" "${MAIL[@]}" security=ssl port="$POP3S_PORT" timeout=20 proxy_type=http "${PX[@]}" proxy_port="$POP3_PLAIN_PORT"
check not-http proxy_failed "an HTTP proxy address that speaks another protocol"
expect_out 'not HTTP: .*Dovecot' "the other service's banner is quoted"
expect_eq "$(grep -c 'timed out' <<<"$OUT")" 0 "the banner is not reported as a timeout"

# --- hostile proxies ---------------------------------------------------------------
hostile() {
	rm -f "$T/port"
	"$HOSTILE" --mode "$1" --portfile "$T/port" --log "$T/h-$1.log" --max-time 20 >/dev/null &
	HPIDS+=($!)
	wait_until 5 test -s "$T/port" || not_ok "pc_hostile --mode $1 writes its port file"
	HPORT=$(cat "$T/port")
}
# socks5_oversized is a well-formed success reply (a 255-byte name is legal)
# followed by garbage: the garbage reaches TLS, which must refuse it.
for hm in socks5_truncated:socks5:proxy_failed socks5_oversized:socks5:tls_handshake_failed \
	http_huge_headers:http:proxy_failed proxy_silent:socks5:proxy_failed proxy_silent:http:proxy_failed; do
	IFS=: read -r mode type want <<<"$hm"
	hostile "$mode"
	add "hp-$mode-$type" "" "${M[@]}" timeout=3 proxy_type="$type" "${PX[@]}" proxy_port="$HPORT"
	check "hp-$mode-$type" "$want" "hostile proxy $mode ($type)"
	# Bounded: it ended on its own (timeout=3), not killed by the guard.
	if [ "$RC" != 124 ]; then ok "hostile proxy $mode ($type): ends on its own (exit $RC)"; else not_ok "hostile proxy $mode ($type): ends on its own" "killed by the guard"; fi
done

finish
