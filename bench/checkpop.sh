#!/usr/bin/env bash
# bench/checkpop.sh - `popconn check` beside the Monitoring Plugins'
# check_pop (Debian: monitoring-plugins-basic) on the same three servers,
# the ones tests/integ/icinga.sh gives Icinga 2: a good account, a wrong
# password, and a certificate within the warning days (the test server's
# own certificate, valid 825 days, against 900 warning days).  Prints, per
# case, what each says and its exit status, as a Markdown table.  Not a
# timing: the point is what each can see.  POPCONN=path picks the binary
# (build/popconn).  Run as root (servers.sh starts Dovecot).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
PC=${POPCONN:-$root/build/popconn}
CHECK_POP=${CHECK_POP:-/usr/lib/nagios/plugins/check_pop}
[ -x "$PC" ] || { echo "build popconn first (cmake --build build)" >&2; exit 2; }
[ -x "$CHECK_POP" ] || { echo "no $CHECK_POP (scripts/deps.sh installs monitoring-plugins-basic)" >&2; exit 2; }
W=$(mktemp -d)
chmod 755 "$W"
trap '"$root/tests/integ/servers.sh" stop "$W/srv" >/dev/null 2>&1; rm -rf "$W"' EXIT
mkdir -p "$W/srv"
POPCONN_SERVERS_ONLY="dovecot-main dovecot-group" \
	"$root/tests/integ/servers.sh" start "$W/srv" >/dev/null
eval "$("$root/tests/integ/servers.sh" env "$W/srv")"
export POPCONN_DB=$W/pc.db XDG_CONFIG_HOME=$W/config

add() {	# add NAME PORT PASSWORD
	"$PC" add "$1" address=localhost port="$2" security=ssl \
		tls_ca_file="$POPCONN_TEST_CA" username="$TEST_USER" >/dev/null
	printf '%s\n' "$3" | "$PC" set "$1" password=- >/dev/null
}
add good "$POP3S_PORT" "$TEST_PASS"
add wrongpw "$POP3S_GROUP_PORT" Wr0ng-bench
add expiring "$POP3S_PORT" "$TEST_PASS"

# row CASE -- POPCONN-ARGS -- CHECK_POP-ARGS
row() {
	local name=$1 a=() b=() out1 out2 rc1 rc2
	shift 2
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	set +e
	out1=$("$PC" check "${a[@]}" </dev/null 2>&1)
	rc1=$?
	# check_pop verifies no certificate chain; -D only looks at expiry
	out2=$("$CHECK_POP" "${b[@]}" 2>&1)
	rc2=$?
	set -e
	printf '| %s | `popconn check %s` | %d | `%s` |\n' "$name" "${a[*]}" \
		"$rc1" "$(head -1 <<<"$out1" | sed 's/|/\\|/g')"
	printf '| %s | `check_pop %s` | %d | `%s` |\n' "$name" \
		"$(sed "s#-p [0-9]*#-p PORT#" <<<"${b[*]}")" "$rc2" \
		"$(head -1 <<<"$out2" | sed 's/|/\\|/g')"
}

echo "*popconn check and check_pop on the same servers (Dovecot on loopback,"
echo "implicit TLS); $(date -u '+%Y-%m-%d %H:%M UTC'); check_pop: $("$CHECK_POP" -V | head -1)*"
echo
echo "| case | command | exit | first line of output |"
echo "|------|---------|-----:|----------------------|"
# check_pop with -D looks at the certificate only (and ends there); without
# it, at the greeting and its response time: both for the first two cases
row good -- good -- -H localhost -p "$POP3S_PORT" -S
row good -- good -- -H localhost -p "$POP3S_PORT" -S -D 30,7
row "wrong password" -- wrongpw -- -H localhost -p "$POP3S_GROUP_PORT" -S
row "wrong password" -- wrongpw -- -H localhost -p "$POP3S_GROUP_PORT" -S -D 30,7
row "certificate within 900 days" -- expiring --cert-warning-days 900 -- \
	-H localhost -p "$POP3S_PORT" -S -D 900,7
