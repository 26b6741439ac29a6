#!/usr/bin/env bash
# tests/integ/keys.sh POPCONN PC_HOSTILE - key management: rotation of the
# key file, moving to a master passphrase (PBKDF2) and back, wrong and
# missing passphrases, and that every secret still opens after each move
# and holds the value stored: exported with secrets, imported into a fresh
# database with its own key, and used there by a test logon (pc_hostile
# logs the PASS line it gets, and the Proxy-Authorization an HTTP proxy
# gets), the password and the proxy password are exactly those set.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
HOSTILE=$(realpath "${2:-$(dirname "$PC")/tests/pc_hostile}")
slow_factor "$PC"
T=$(mktemp -d)
HPIDS=()
cleanup() {
	local p
	for p in "${HPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
[ -x "$HOSTILE" ] || skip_test "pc_hostile is not built ($HOSTILE)"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
KEY=$T/config/popconn/key
pc() { "$PC" "$@"; }
S1='Rotate-Me-Secret-1' S2='Proxy-Secret-2'
pc add a address=pop.example.com >/dev/null
printf '%s\n' "$S1" | pc set a password=- >/dev/null
pc add b address=pop.example.com proxy_type=socks5 proxy_address=127.0.0.1 proxy_port=1080 proxy_auth=yes proxy_username=u >/dev/null
printf '%s\n' "$S2" | pc set b proxy_password=- >/dev/null

# hostile MODE LOG: start pc_hostile; sets HPORT.
hostile() {
	rm -f "$T/port"
	"$HOSTILE" --mode "$1" --port 0 --portfile "$T/port" --log "$2" \
	    --max-time 20 >/dev/null 2>&1 &
	HPIDS+=($!)
	wait_until 5 test -s "$T/port" || { ERR="pc_hostile $1 wrote no port"; return 1; }
	HPORT=$(cat "$T/port")
}

# secrets_open [ARGS...]: every secret decrypts (export --with-secrets
# opens each one and seals it under an export passphrase), a re-import
# under the same passphrase into a fresh database (its own key file)
# gives them back, and there they are exactly S1 and S2: a test logon
# against pc_hostile sends "PASS $S1" (pc_hostile logs what the client
# sends), a test logon through an HTTP proxy (pc_hostile again) sends
# Proxy-Authorization: Basic base64("u:$S2").  ERR says what failed.
NOPEN=0
secrets_open() {
	local d plog xlog got
	NOPEN=$((NOPEN + 1))
	d=$T/open$NOPEN
	mkdir -p "$d"
	run_in "exp-pass-123" pc "$@" export --with-secrets -o "$d/sec.json"
	[ "$RC" = 0 ] && grep -q password_enc "$d/sec.json" ||
	    { ERR="export: exit $RC: $ERR"; return 1; }
	run_in "exp-pass-123" env XDG_CONFIG_HOME="$d/config" \
	    "$PC" --db "$d/pc.db" import "$d/sec.json"
	[ "$RC" = 0 ] || { ERR="re-import: exit $RC: $ERR"; return 1; }
	ip() { env XDG_CONFIG_HOME="$d/config" "$PC" --db "$d/pc.db" "$@"; }
	plog=$d/pop3.log xlog=$d/proxy.log
	hostile ok_plain "$plog" || return 1
	ip set a address=127.0.0.1 port="$HPORT" security=none \
	    allow_plaintext=yes auth=user username=keys timeout=5 >/dev/null
	run ip test a --json
	got=$(sed -n 's/^[0-9]* C: PASS //p' "$plog")
	if [ "$got" != "$S1" ]; then
		ERR="the re-imported password is not the one set (test exit $RC; pc_hostile got $(wc -c <<<"$got") bytes after PASS)"
		return 1
	fi
	hostile http_huge_headers "$xlog" || return 1
	ip set b address=127.0.0.1 port=110 security=none allow_plaintext=yes \
	    proxy_type=http proxy_address=127.0.0.1 proxy_port="$HPORT" \
	    timeout=5 >/dev/null
	run ip test b --json
	got=$(sed -n 's/^[0-9]* C: Proxy-Authorization: Basic //p' "$xlog" |
	    base64 -d 2>/dev/null || true)
	if [ "$got" != "u:$S2" ]; then
		ERR="the re-imported proxy password is not the one set (test exit $RC; the proxy got $(wc -c <<<"$got") bytes of user:password)"
		return 1
	fi
}

cp "$KEY" "$T/old-key"
run pc rekey
expect_rc 0 "rekey rotates the key file"
cmp -s "$KEY" "$T/old-key" && not_ok "the key file changed" || ok "the key file changed"
run stat -c %a "$KEY"
expect_eq "$OUT" 600 "the new key file is mode 0600"
secrets_open && ok "secrets open with the rotated key" || not_ok "secrets open with the rotated key" "$ERR"
run pc --key "$T/old-key" list
expect_rc 4 "the old key no longer opens the database"
expect_err 'does not match' "the message says the key does not match"

run pc rekey --to passphrase --new-passphrase-fd 3 3< <(printf 'short\n')
expect_rc 2 "a short passphrase is refused"
run pc rekey --to passphrase --new-passphrase-fd 3 3< <(printf 'correct horse battery\n')
expect_rc 0 "move to a master passphrase"
run pc list
expect_rc 4 "without the passphrase the database does not open"
expect_err 'master passphrase' "the message asks for the master passphrase"
run pc --passphrase-fd 3 list 3< <(printf 'wrong horse\n')
expect_rc 4 "a wrong passphrase is refused"
expect_err 'wrong master passphrase' "the message says the passphrase is wrong"
mv "$KEY" "$T/unused-key"
secrets_open --passphrase-fd 3 3< <(printf 'correct horse battery\n') && ok "secrets open with the passphrase, without any key file" || not_ok "secrets open with the passphrase, without any key file" "$ERR"
if grep -qaF -e "$S1" -e "$S2" "$POPCONN_DB" "$POPCONN_DB-wal" 2>/dev/null; then not_ok "no secret in clear in the database"; else ok "no secret in clear in the database"; fi
run pc --passphrase-fd 3 rekey --to keyfile 3< <(printf 'correct horse battery\n')
expect_rc 0 "move back to a key file"
[ -f "$KEY" ] && ok "a new key file was written" || not_ok "a new key file was written"
secrets_open && ok "secrets open with the new key file" || not_ok "secrets open with the new key file" "$ERR"
run pc history
expect_out 'rekey.*passphrase -> new key file' "the audit log records each rekey"
expect_no "$S1" "the audit log holds no secret"
# A rekey that died between its commit and moving the new key file into
# place: the database matches key.new while key still holds the old key.
cp "$KEY" "$T/k-before"
run pc rekey
mv "$KEY" "$KEY.new"
cp "$T/k-before" "$KEY"
run pc list
expect_rc 0 "an interrupted rekey is finished at the next open"
[ ! -e "$KEY.new" ] && ok "key.new was moved into place" || not_ok "key.new was moved into place"
secrets_open && ok "secrets open after the recovery" || not_ok "secrets open after the recovery" "$ERR"
run pc rekey --to password
expect_rc 2 "an unknown key mode is refused"
finish
