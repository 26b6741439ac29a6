#!/usr/bin/env bash
# tests/integ/keys.sh POPCONN - key management: rotation of the key file,
# moving to a master passphrase (PBKDF2) and back, wrong and missing
# passphrases, and that every secret still opens after each move.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
KEY=$T/config/popconn/key
pc() { "$PC" "$@"; }
S1='Rotate-Me-Secret-1' S2='Proxy-Secret-2'
pc add a address=pop.example.com >/dev/null
printf '%s\n' "$S1" | pc set a password=- >/dev/null
pc add b address=pop.example.com proxy_type=socks5 proxy_address=127.0.0.1 proxy_port=1080 proxy_auth=yes proxy_username=u >/dev/null
printf '%s\n' "$S2" | pc set b proxy_password=- >/dev/null

# secrets_open [ARGS...]: every secret decrypts (export --with-secrets
# opens each one) and a re-import under the same passphrase gives them back.
secrets_open() {
	run_in "exp-pass-123" pc "$@" export --with-secrets -o "$T/sec.json"
	[ "$RC" = 0 ] && grep -q password_enc "$T/sec.json"
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
