#!/usr/bin/env bash
# tests/integ/escape.sh POPCONN - what the user or a file gives is quoted
# escaped in every CLI error: a value with CR/LF, an escape sequence or a
# bidirectional override never reaches the terminal raw, and the error
# stays one line.  Nothing is written by a refused command.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export POPCONN_DB=$T/data/pc.db XDG_CONFIG_HOME=$T/config
unset POPCONN_KEY

raw() { grep -cP "$1" <<<"$ERR" || true; }

run "$PC" add crlf $'address=mail.example.org\r\nX-Injected: 1'
expect_rc 2 "add: an address with CR/LF is refused"
expect_eq "$(wc -l <<<"$ERR")" 1 "add: the error is one line"
expect_eq "$(raw '\r')" 0 "add: no raw CR in the error"
expect_err "'mail\.example\.org\\\\x0d\\\\x0aX-Injected: 1' is not a valid" "add: CR/LF shown as \\x0d\\x0a"

run "$PC" add esc $'address=a\e[2Jb' 'port=995'
expect_rc 2 "add: an address with ESC is refused"
expect_eq "$(raw '\x1b')" 0 "add: no raw ESC in the error"
expect_err 'a\\x1b\[2Jb' "add: ESC shown escaped"

run "$PC" add bidi $'address=evil\u202Eexample.com'
expect_rc 2 "add: an address with U+202E is refused"
expect_eq "$(raw '\xe2\x80\xae')" 0 "add: no raw right-to-left override in the error"
expect_err 'evil\\u202eexample' "add: U+202E shown as \\u202e"

run "$PC" add $'nm\r\nx' address=mail.example.org timeout=$'5\r\n'
expect_rc 2 "add: a timeout with CR/LF is refused"
expect_eq "$(raw '\r|\n.')" 0 "add: the timeout error has no raw CR/LF"

run "$PC" list --json
expect_eq "$OUT" "[]" "nothing was written by the refused commands"
finish
