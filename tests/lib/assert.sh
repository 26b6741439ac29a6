# tests/lib/assert.sh - tiny assertion helpers for shell tests.  Source it,
# call the checks, end with `finish`, which prints "N passed, N failed" and
# exits non-zero when anything failed.  Also the rules every shell test
# shares: how slow this build may be (slow_factor, deadline, wait_until)
# and what a skip means (skip_test).
PASSED=0
FAILED=0

# ---- one factor for every deadline -------------------------------------------
# POPCONN_TEST_SLOW (a whole number, default 1; 3 when the binary under test
# links AddressSanitizer) multiplies every deadline of every shell test.
# A deadline only bounds a wait for a condition; no test asserts that
# something was fast.  Set it by hand for a slow machine (valgrind, an
# emulator, a loaded CI runner).
# slow_factor BINARY: sets SLOW once, from POPCONN_TEST_SLOW or BINARY.
slow_factor() {
	if [ -n "${POPCONN_TEST_SLOW:-}" ]; then
		SLOW=$POPCONN_TEST_SLOW
	elif [ -n "${1:-}" ] &&
	    grep -q libasan <<<"$(ldd "$1" 2>/dev/null)"; then
		SLOW=3
	else
		SLOW=1
	fi
	case $SLOW in '' | *[!0-9]* | 0) SLOW=1 ;; esac
	export POPCONN_TEST_SLOW=$SLOW
}
SLOW=${SLOW:-1}
# deadline SECONDS: prints SECONDS scaled by the factor.
deadline() { echo $(($1 * SLOW)); }

# wait_until SECONDS CMD...: runs CMD every 50 ms until it succeeds (0) or
# SECONDS (scaled by the factor) have passed (1).
wait_until() {
	local end=$((${EPOCHREALTIME/[.,]/} + $1 * SLOW * 1000000))
	shift
	until "$@"; do
		[ "${EPOCHREALTIME/[.,]/}" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# ---- a skip is not a pass ------------------------------------------------------
# skip_test REASON: the test cannot run here.  Exit 77 (CTest "skipped")
# on a developer's machine; with CI=true (root, packages installed) every
# test must run, so the same condition is a failure, exit 1.
skip_test() {
	if [ "${CI:-}" = true ]; then
		printf 'FAIL - CI=true and this test cannot run: %s\n' "$1"
		exit 1
	fi
	printf 'SKIP: %s\n' "$1"
	exit 77
}

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

# ---- what was stored --------------------------------------------------------
# stored NAME FIELD: FIELD of profile NAME as `popconn show NAME --json`
# reads it back from the database ($POPCONN_DB, or $PC's --db if
# STORED_DB is set), printed as canonical JSON text: a string with its
# quotes ("fromB"), a number (995), true, null.  Nothing, status 1, when
# the profile or the field is missing.
stored() {
	local db=()
	[ -z "${STORED_DB:-}" ] || db=(--db "$STORED_DB")
	"$PC" "${db[@]}" show "$1" --json 2>/dev/null |
	    perl -MJSON::PP -0777 -e '
		my $o = eval { JSON::PP->new->decode(scalar <STDIN>) };
		exit 1 unless ref $o eq "HASH" && exists $o->{$ARGV[0]};
		print JSON::PP->new->canonical->allow_nonref->encode($o->{$ARGV[0]});' "$2"
}
# expect_stored NAME FIELD JSON WHAT: the stored value is exactly JSON.
expect_stored() {
	local got
	got=$(stored "$1" "$2") || got="(no profile '$1' or no field '$2')"
	expect_eq "$got" "$3" "$4"
}

finish() {
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	[ "$FAILED" -eq 0 ]
}
