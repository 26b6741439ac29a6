#!/usr/bin/env bash
# tests/tui/mkscreens.sh POPCONN [PC_HOSTILE] - regenerate docs/screens/*.txt,
# the text captures of the README's tour (80x24): the list, the editor's
# four tabs, a live test logon against Dovecot, bulk edit and its preview.
# Not a test: run it by hand after changing how a screen looks.  Needs the
# test servers (root) for the test-pane capture.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"
OUTDIR=$(cd "$here/../.." && pwd)/docs/screens
SRV=$TUI_T/servers
mkdir -p "$OUTDIR"
stop_all() {
	[ -d "$SRV" ] && bash "$here/../integ/servers.sh" stop "$SRV" >/dev/null 2>&1
	tui_cleanup
}
trap stop_all EXIT
chmod 711 "$TUI_T"
mkdir -p "$SRV"
POPCONN_SERVERS_ONLY="dovecot-main" bash "$here/../integ/servers.sh" \
	start "$SRV" >/dev/null 2>&1 || { echo "servers did not start"; exit 1; }
eval "$(bash "$here/../integ/servers.sh" env "$SRV")"

# shot NAME FILE: the screen with the temporary paths masked.
shot() {
	tui_screen "$1" | sed -e "s|$TUI_T/data/pc.db|~/.local/share/popconn/popconn.db|" \
		-e "s|$TUI_T|/tmp|g" >"$OUTDIR/$2.txt"
	echo "wrote docs/screens/$2.txt"
}

pc add office --preset office365 group=Customers username=ops@contoso.example oauth_flow=command \
	oauth_token_cmd='pass show contoso/token' >/dev/null 2>&1
pc add gmail-support --preset gmail group=Customers \
	username=support@example.com >/dev/null 2>&1
pc add legacy-erp group=Customers address=mail.erp.example.net security=tls \
	username=erp tls_verify=off >/dev/null
pc add dovecot group=Lab address=127.0.0.1 port="$POP3S_PORT" \
	username="$TEST_USER" tls_ca_file="$POPCONN_TEST_CA" >/dev/null
printf '%s\n' "$TEST_PASS" | pc set dovecot password=- >/dev/null
pc add dovecot-stls group=Lab address=127.0.0.1 port="$POP3_PLAIN_PORT" \
	security=tls username="$TEST_USER" tls_ca_file="$POPCONN_TEST_CA" >/dev/null
printf '%s\n' "$TEST_PASS" | pc set dovecot-stls password=- >/dev/null
pc add via-proxy group=Lab address=pop.example.org proxy_type=http \
	proxy_address=proxy.lan proxy_port=3128 proxy_auth=yes \
	proxy_domain=CORP proxy_username=jdoe >/dev/null

tui_start A 80 24
tui_wait A 'via-proxy'
# A last result for two of them, then the list.
tui_keys A Home Down Down Down Down Down t
tui_wait A 'passed in|failed in' 15
tui_keys A Escape Down t
tui_wait A 'passed in|failed in' 15
shot A test-pane
tui_keys A Escape
tui_keys A Home Down Down Space Down Down Space
shot A list
tui_keys A Escape Home Down Down Down
tui_keys A Enter
tui_wait A 'Edit profile: office'
shot A edit-common
tui_keys A C-n
shot A edit-connection
tui_keys A C-n
shot A edit-authentication
tui_keys A Escape End Enter C-n C-n C-n
tui_wait A 'Proxy type'
shot A edit-proxy
tui_keys A Escape Home Down Down Down Down
tui_wait A 'group Lab'
tui_keys A b Tab
tui_type A 60
tui_keys A C-n Tab Tab Tab Tab Right Right Right
shot A bulk-edit
tui_keys A C-s
tui_wait A 'Bulk edit preview'
shot A bulk-preview
tui_keys A Escape Escape d q
