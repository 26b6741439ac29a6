#!/usr/bin/env bash
# tests/integ/token.sh POPCONN - the OAuth2 token command against a real
# Dovecot (XOAUTH2 validated by its oauth2 passdb, servers.sh):
#  - a command that sleeps 3 s, then prints the token: the logon succeeds;
#  - a hung command (sleep 1000, with a child that keeps standard error
#    open) and timeout=2: popconn ends with token_failed, `out=$(popconn
#    test X 2>&1)` returns (nothing of the helper holds popconn's output
#    open), and no process of the helper's group is left (pgrep -g);
#  - a command that prints the token on standard error and exits 1:
#    token_failed, and the token is in no output (text or --json);
#  - a command that prints nothing: token_failed, nothing sent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
[ "$(id -u)" = 0 ] || { echo "needs root (Dovecot)"; exit 77; }
T=$(mktemp -d)
chmod 755 "$T"
cleanup() {
	# The helper's group, should a broken popconn have left it behind.
	if [ -s "$T/hung.pid" ]; then
		kill -KILL -- "-$(cat "$T/hung.pid")" 2>/dev/null || true
	fi
	"$here/servers.sh" stop "$T/srv" >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/srv"
POPCONN_SERVERS_ONLY="dovecot-main" "$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
printf '%s\n' "$TEST_OAUTH_TOKEN" >"$T/token"

# add NAME TIMEOUT COMMAND: an xoauth2 profile on the implicit-TLS port.
add() {
	"$PC" add "$1" address=localhost port="$POP3S_PORT" security=ssl \
		tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" \
		auth=xoauth2 timeout="$2" "oauth_token_cmd=$3" >/dev/null
}
diag() { sed -n 's/^  "diagnosis": "\(.*\)",$/\1/p' <<<"$OUT"; }
no_token() {
	if grep -qF -- "$TEST_OAUTH_TOKEN" <<<"$OUT$ERR"; then
		not_ok "$1: the token is in no output"
	else
		ok "$1: the token is in no output"
	fi
}

# --- a slow command: the logon waits for it, then succeeds --------------
add slow 10 "sleep 3; cat $T/token"
run timeout 60 "$PC" test slow --json
expect_rc 0 "slow token command (3 s): the logon succeeds"
expect_eq "$(diag)" ok "slow token command: diagnosis ok"
expect_out '"step": "token"' "slow token command: the token step is listed"
expect_out 'XOAUTH2' "slow token command: logged on with XOAUTH2"
no_token "slow token command"

# --- a hung command, with a child holding standard error open ------------
add hung 2 "echo \$\$ > $T/hung.pid.tmp; mv $T/hung.pid.tmp $T/hung.pid; (sleep 1000; echo late >&2) & sleep 1000"
set +e
# Command substitution waits until every writer of its pipe is gone: a
# helper left holding popconn's stderr would keep it waiting (up to the
# CTest timeout, which fails the test).
out=$(timeout -k 5 60 "$PC" test hung 2>&1)
RC=$?
set -e
expect_rc 1 "hung token command (timeout=2): popconn exits with 1, not killed by timeout(1)"
OUT=$out ERR=
expect_out 'Diagnosis: token_failed at step token' "hung token command: token_failed"
expect_out 'did not finish within 2 s' "hung token command: the message says it timed out"
expect_out 'Hint: The OAuth2 token command' "hung token command: the hint blames the command"
if [ -s "$T/hung.pid" ]; then
	pg=$(cat "$T/hung.pid")
	# Killed at once: what is left are zombies, which this sandbox's
	# init reaps late (notes/environment.md), so look at their state...
	alive=$(ps -e -o pgid=,pid=,stat= | awk -v g="$pg" '$1 == g && $3 !~ /^Z/ { print $2 }')
	expect_eq "$alive" "" "hung token command: no process of its group ($pg) runs on"
	# ...then wait for init to reap them (deadline 60 s): pgrep -g empty.
	for _ in $(seq 600); do
		[ -z "$(pgrep -g "$pg" || true)" ] && break
		sleep 0.1
	done
	expect_eq "$(pgrep -g "$pg" || true)" "" "hung token command: pgrep -g $pg finds nothing"
else
	not_ok "hung token command: it wrote its pid"
fi
expect_no 'late' "hung token command: its child never wrote to popconn's output"

# --- the token on standard error, exit 1 -----------------------------------
add leak 10 "cat $T/token >&2; echo oops >&2; exit 1"
run timeout 60 "$PC" test leak
expect_rc 1 "token on stderr, exit 1: the test fails"
expect_out 'Diagnosis: token_failed at step token' "token on stderr, exit 1: token_failed"
expect_out 'failed with exit status 1' "token on stderr, exit 1: the message shows the exit status"
expect_out "wrote 0 bytes to standard output and $((${#TEST_OAUTH_TOKEN} + 6)) to standard error" \
	"token on stderr, exit 1: the message counts what it wrote"
no_token "token on stderr, exit 1"
expect_no 'oops' "token on stderr, exit 1: its stderr is not passed through"
run timeout 60 "$PC" test leak --json
expect_eq "$(diag)" token_failed "token on stderr, exit 1 (--json): token_failed"
no_token "token on stderr, exit 1 (--json)"

# --- a command that prints nothing: nothing is sent -----------------------
add empty 10 "true"
run timeout 60 "$PC" test empty --json
expect_eq "$(diag)" token_failed "empty token command: token_failed"
expect_out 'printed nothing' "empty token command: the message says so"
if grep -q '"step": "connect"' <<<"$OUT"; then
	not_ok "empty token command: no connection was made"
else
	ok "empty token command: no connection was made"
fi

finish
