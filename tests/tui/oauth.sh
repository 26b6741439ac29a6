#!/usr/bin/env bash
# tests/tui/oauth.sh POPCONN - the editor's Authenticate action (^Y): the
# OAuth2 device login against the real authorization server of
# tests/integ/oauth_server.py (Authlib) in front of the real Dovecot.
#  - on the Authentication tab of a device profile the key bar offers ^Y;
#  - ^Y shows the verification address and the user code; Esc cancels and
#    nothing is stored;
#  - ^Y again, the user approves at the server's page while the screen
#    polls: the screen says authorised, the refresh token is stored, and
#    ^T then logs on with XOAUTH2.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"
INTEG=$here/../integ
[ "$(id -u)" = 0 ] || skip_test "needs root (Dovecot)"
/usr/bin/python3 -c 'import authlib' 2>/dev/null ||
	skip_test "python3-authlib is missing (scripts/deps.sh installs it)"
AS_PID=
oauth_cleanup() {
	[ -z "$AS_PID" ] || kill "$AS_PID" 2>/dev/null
	"$INTEG/servers.sh" stop "$TUI_T/srv" >/dev/null 2>&1
	tui_cleanup
}
trap oauth_cleanup EXIT
chmod 755 "$TUI_T"
mkdir -p "$TUI_T/srv" "$TUI_T/as"
POPCONN_SERVERS_ONLY="dovecot-main" "$INTEG/servers.sh" start "$TUI_T/srv" \
	>/dev/null || { not_ok "the test servers start"; finish; exit 1; }
eval "$("$INTEG/servers.sh" env "$TUI_T/srv")"
/usr/bin/python3 "$INTEG/oauth_server.py" \
	--cert "$POPCONN_TEST_CERT_DIR/server.crt" \
	--key "$POPCONN_TEST_CERT_DIR/server.key" \
	--jwt-key "$POPCONN_SERVERS_DIR/dovecot/keys/default/HS256/default" \
	--user "$TEST_USER" --password "$TEST_PASS" --app-secret unused \
	--state "$TUI_T/as" 2>"$TUI_T/as/log" &
AS_PID=$!
wait_until 30 test -s "$TUI_T/as/port" || { not_ok "the authorization server starts"; finish; exit 1; }
AS=https://localhost:$(cat "$TUI_T/as/port")

pc add dev address=localhost port="$POP3S_PORT" security=ssl \
	tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" auth=xoauth2 \
	timeout=10 oauth_flow=device oauth_provider=custom \
	oauth_client_id=popconn-device "oauth_scope=pop offline_access" \
	oauth_device_url="$AS/device_authorization" \
	oauth_token_url="$AS/token" >/dev/null

screen_code() { tui_screen A | grep -oE '\b[B-Z]{4}-[B-Z]{4}\b' | head -n 1; }

tui_start A
tui_expect A 'dev +localhost' "the profile is listed"
tui_keys A Home Down Enter
tui_expect A 'Edit profile: dev|dev' "the editor opens"
tui_keys A PgDn PgDn
tui_expect A 'OAuth2 flow +Device code' "the Authentication tab shows the flow"
tui_expect A '\^Y authenticate' "the key bar offers ^Y"

# --- ^Y, then Esc: cancelled, nothing stored -----------------------------
tui_keys A C-y
tui_expect A 'Authenticate: dev' "^Y opens the device login" 15
tui_expect A 'https://localhost:[0-9]+/device' "it shows the verification address"
tui_expect A '[B-Z]{4}-[B-Z]{4}' "it shows the user code"
tui_expect A 'valid for [0-9]+:[0-9]{2} more' "it says how long the code lasts"
tui_keys A Escape
tui_expect A 'device login of dev cancelled; nothing was stored' "Esc cancels"
run pc oauth status dev
expect_out '^refresh token: +none' "cancelled: no refresh token"

# --- ^Y, approved while the screen polls -----------------------------------
tui_keys A C-y
tui_expect A 'authorization_pending' "the screen polls (pending)" 15
code=$(screen_code)
OUT=$(curl -sS --cacert "$POPCONN_TEST_CA" "$AS/device" -d "user_code=$code" \
	-d "username=$TEST_USER" -d "password=$TEST_PASS" -d decision=approve)
expect_eq "$OUT" approved "the user approves at the server's page"
tui_expect A 'authorised: the refresh token is stored sealed' "the screen says authorised" 15
tui_keys A Escape
tui_wait A 'OAuth2 flow' 5
run pc oauth status dev
expect_out '^refresh token: +held' "approved: the refresh token is stored"
tui_keys A C-t
tui_expect A 'Result: ok' "^T then logs on" 20
tui_expect A 'XOAUTH2' "with XOAUTH2"
tui_keys A Escape
tui_wait A 'OAuth2 flow' 5
tui_keys A Escape
tui_keys A q
tui_expect A 'popconn exit 0' "popconn quits"
finish
