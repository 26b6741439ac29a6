# tests/lib/assert.sh - tiny assertion helpers for shell tests.  Source it,
# call the checks, end with `finish`, which prints "N passed, N failed" and
# exits non-zero when anything failed.
PASSED=0
FAILED=0

ok() { PASSED=$((PASSED + 1)); printf 'ok   - %s\n' "$1"; }
not_ok() { FAILED=$((FAILED + 1)); printf 'FAIL - %s\n' "$1"; [ -n "${2:-}" ] && printf '       %s\n' "$2"; return 0; }

# run CMD...: runs it, keeping stdout in $OUT, stderr in $ERR, status in $RC.
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	set +e
	"$@" >"$o" 2>"$e"
	RC=$?
	set -e
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
}

# run_in INPUT CMD...: like run, with INPUT on standard input.
run_in() {
	local o e in=$1
	shift
	o=$(mktemp) e=$(mktemp)
	set +e
	printf '%s\n' "$in" | "$@" >"$o" 2>"$e"
	RC=$?
	set -e
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
}

expect_rc() { if [ "$RC" -eq "$1" ]; then ok "$2"; else not_ok "$2" "exit $RC, wanted $1; stderr: $ERR"; fi; }
# (grep reads a here-string: with pipefail, "printf | grep -q" can fail on
# SIGPIPE when grep stops reading early.)
expect_out() { if grep -qE -- "$1" <<<"$OUT"; then ok "$2"; else not_ok "$2" "stdout lacks /$1/: $OUT"; fi; }
expect_err() { if grep -qE -- "$1" <<<"$ERR"; then ok "$2"; else not_ok "$2" "stderr lacks /$1/: $ERR"; fi; }
expect_no() { if grep -qF -- "$1" <<<"$OUT$ERR"; then not_ok "$2" "found '$1'"; else ok "$2"; fi; }
expect_eq() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got '$1', wanted '$2'"; fi; }

finish() {
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	[ "$FAILED" -eq 0 ]
}
