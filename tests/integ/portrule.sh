#!/usr/bin/env bash
# tests/integ/portrule.sh POPCONN - the port rule on saved profiles
# (PRODUCT.md section 1): changing security moves a port that still holds
# the old mode's default and says so; a typed port stays; set with both
# security and port keeps the given port; bulk-set previews the port per
# profile and writes it; STLS on 995 and SSL on 110 are warned about, by
# set and in the test result (text, trace and JSON).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export POPCONN_DB=$T/data/pc.db XDG_CONFIG_HOME=$T/config
unset POPCONN_KEY
port() { "$PC" show "$1" --json | sed -n 's/^ *"port": \([0-9]*\),*$/\1/p'; }

"$PC" add std110 address=mail.example.org security=none >/dev/null
expect_eq "$(port std110)" 110 "a new profile with security=none gets 110"
run "$PC" set std110 security=ssl
expect_rc 0 "set security=ssl on a saved profile on 110"
expect_eq "$(port std110)" 995 "the default port follows: 110 -> 995"
expect_out 'port 110 -> 995: the default port follows security=ssl' "set says the port moved"
run "$PC" set std110 security=tls
expect_eq "$(port std110)" 110 "back to tls: 995 -> 110"

"$PC" add custom address=mail.example.org security=none port=2110 >/dev/null
run "$PC" set custom security=ssl
expect_eq "$(port custom)" 2110 "a port that is not a default stays"
expect_no 'follows' "nothing is said about a port that stays"

"$PC" add both address=mail.example.org security=none >/dev/null
run "$PC" set both port=110 security=ssl
expect_eq "$(port both)" 110 "set with security and port: the given port wins"
expect_err 'warning: both: security=ssl starts TLS at once on port 110' "SSL on 110 is warned about"
run "$PC" set both security=tls port=995
expect_err 'warning: both: security=tls sends STLS on port 995' "STLS on 995 is warned about"

# bulk-set: preview lists the port per profile, apply writes it.
for n in 1 2 3; do "$PC" add "s-$n" address=mail.example.org security=none group=south >/dev/null; done
"$PC" set s-3 port=2110 >/dev/null
run "$PC" bulk-set --group south security=ssl --dry-run
expect_rc 0 "bulk-set --dry-run"
expect_out 's-1.*port.*110.*995' "the preview lists s-1's port change"
expect_out 's-2.*port.*110.*995' "the preview lists s-2's port change"
expect_eq "$(grep -c 's-3.*port' <<<"$OUT" || true)" 0 "the preview lists no port change for s-3 (2110)"
expect_eq "$(port s-1)" 110 "a dry run writes nothing"
run "$PC" bulk-set --group south security=ssl
expect_rc 0 "bulk-set applies"
expect_eq "$(port s-1) $(port s-2) $(port s-3)" "995 995 2110" "bulk-set moved the default ports only"
run "$PC" history s-1
expect_out 'port' "the audit log records the port change"

# The test result carries the warning, whatever the logon's outcome (here
# most likely connect_refused: nothing needs to listen on 995).
"$PC" set both address=127.0.0.1 timeout=5 >/dev/null
"$PC" set custom address=127.0.0.1 timeout=5 >/dev/null
run "$PC" test both
expect_out '^  Warning: security=tls sends STLS on port 995' "test: the result warns about STLS on 995"
expect_out 'warning: security=tls sends STLS on port 995' "test: the trace says it first"
run "$PC" test both --json --quiet
expect_out '"warning": "security=tls sends STLS on port 995' "test --json: the warning field"
run "$PC" test custom --json --quiet
expect_out '"warning": null' "test --json: no warning for SSL on 2110"
finish
