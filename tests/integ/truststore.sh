#!/usr/bin/env bash
# tests/integ/truststore.sh POPCONN - full verification through the system
# store, read by issuer.  $SSL_CERT_DIR points the store at a private
# directory laid out the way update-ca-certificates lays out /etc/ssl/certs
# (each anchor under "<subject hash>.0", the hash from `openssl x509
# -subject_hash`), next to decoy anchors.  A chain the store trusts
# verifies, one it does not fails with cert_untrusted, and a group test
# verifies every profile against the same store.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
[ "$(id -u)" = 0 ] || { echo "needs root (Dovecot)"; exit 77; }
T=$(mktemp -d)
chmod 755 "$T"
trap '"$here/servers.sh" stop "$T/srv" >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
mkdir -p "$T/srv"
POPCONN_SERVERS_ONLY="dovecot-main dovecot-untrusted" "$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config

# hashed DIR CERT...: put each CERT into DIR under its subject hash.
hashed() {
	local d=$1 c h n
	shift
	mkdir -p "$d"
	for c in "$@"; do
		h=$(openssl x509 -noout -subject_hash -in "$c")
		n=0
		while [ -e "$d/$h.$n" ]; do n=$((n + 1)); done
		cp "$c" "$d/$h.$n"
	done
}
# decoys: a few unrelated self-signed CAs
for i in 1 2 3; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=decoy $i" -keyout "$T/decoy$i.key" -out "$T/decoy$i.crt" >/dev/null 2>&1
done
hashed "$T/trusting" "$T/decoy1.crt" "$POPCONN_TEST_CA" "$T/decoy2.crt"
hashed "$T/other" "$T/decoy1.crt" "$T/decoy2.crt" "$T/decoy3.crt"

# check NAME STORE DIAG WHAT: test --json with SSL_CERT_DIR=STORE.
check() {
	local got
	run env SSL_CERT_DIR="$2" timeout 60 "$PC" test "$1" --json
	got=$(printf '%s' "$OUT" | sed -n 's/^  "diagnosis": "\(.*\)",$/\1/p')
	expect_eq "$got" "$3" "$4: diagnosis $3"
	if grep -qF -- "$TEST_PASS" <<<"$OUT$ERR"; then not_ok "$4: no password in the output"; fi
}
add() {
	local name=$1
	shift
	"$PC" add "$name" "$@" >/dev/null
	printf '%s\n' "$TEST_PASS" | "$PC" set "$name" password=- >/dev/null
}

# No tls_ca_file: the system store alone decides.
add sys address=localhost port="$POP3S_PORT" security=ssl "username=$TEST_USER"
check sys "$T/trusting" ok "the store holds the test CA"
expect_out '"verified": true' "the chain is verified"
check sys "$T/other" cert_untrusted "the store lacks the test CA"
expect_out 'not signed by a trusted authority' "the cause names the missing authority"
add stls address=localhost port="$POP3_PLAIN_PORT" security=tls "username=$TEST_USER"
check stls "$T/trusting" ok "STLS, the store holds the test CA"
add untrusted address=localhost port="$POP3S_UNTRUSTED_PORT" security=ssl "username=$TEST_USER"
check untrusted "$T/trusting" cert_untrusted "a server from another CA"
# A CA file adds to the store.
add file address=localhost port="$POP3S_UNTRUSTED_PORT" security=ssl "username=$TEST_USER" \
	"tls_ca_file=$POPCONN_TEST_UNTRUSTED_CA"
check file "$T/other" ok "the CA file trusts what the store does not"

# A group test: one process, every profile verified through the store.
for i in 1 2 3 4 5 6; do
	add "g$i" group=g address=localhost port="$POP3S_PORT" security=ssl "username=$TEST_USER"
done
run env SSL_CERT_DIR="$T/trusting" timeout 120 "$PC" test --group g --jobs 3
expect_rc 0 "group test through the store"
n=$(grep -c ' ok ' <<<"$OUT" || true)
expect_eq "$n" 6 "all six profiles ok"
run env SSL_CERT_DIR="$T/other" timeout 120 "$PC" test --group g --jobs 3
n=$(grep -c 'cert_untrusted' <<<"$OUT" || true)
expect_eq "$n" 6 "all six cert_untrusted without the anchor"
finish
