#!/usr/bin/env bash
# tests/integ/faults.sh POPCONN - the real binary against broken
# surroundings.  Each fault must give one clear line on stderr (naming the
# file or the problem), a non-zero exit (not a crash), and leave the
# database, its -wal and the key file exactly as they were (size and
# sha256):
#   a read-only database (mode 0400 on a read-only tmpfs mount: root ignores
#   permission bits), a full disk (a filled 512k tmpfs; the database still
#   passes integrity_check with nothing half-applied), a damaged database
#   (random bytes over its middle), a file that is not a database, a WAL
#   truncated to half after a writer was SIGKILLed (open and recover, or
#   refuse clearly: never crash), a missing key file for a database with
#   secrets, a wrong key (32 other bytes), a key of the wrong size, and a
#   database from a newer popconn (user_version 999).
# Needs root for the mounts: exits 77 (CTest "skipped") without it, fails
# with CI=true.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
slow_factor "$PC"
if [ "$(id -u)" != 0 ]; then
	skip_test "needs root for tmpfs mounts"
fi
T=$(mktemp -d)
MOUNTS=()
cleanup() {
	local m
	for m in "${MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
export XDG_CONFIG_HOME=$T/config
unset POPCONN_DB POPCONN_KEY
SECRET='Fx-7!faults-Passw0rd'

q() { sqlite3 "$1" "$2"; }

# mk DB KEY [N]: a database with N (default 20) profiles in group g, the
# first one with a password (a sealed secret).
mk() {
	local db=$1 key=$2 n=${3:-20}
	awk -v n="$n" 'BEGIN {
		print "[";
		for (i = 1; i <= n; i++)
			printf "{\"name\":\"p%d\",\"group\":\"g\",\"timeout\":30," \
			    "\"address\":\"h%d.example.com\",\"username\":\"u%d\"}%s\n",
			    i, i, i, (i < n ? "," : "");
		print "]";
	}' >"$T/mk.json"
	"$PC" --db "$db" --key "$key" import "$T/mk.json" >/dev/null
	printf '%s\n' "$SECRET" | "$PC" --db "$db" --key "$key" set p1 password=- >/dev/null
}

# snap FILE...: one line per file: name, size, sha256 (or "absent").  An
# empty -wal counts as absent: SQLite creates one on open and it holds
# nothing.
snap() {
	local f
	for f in "$@"; do
		if [ -e "$f" ] && ! { [ "${f%-wal}" != "$f" ] && [ ! -s "$f" ]; }; then
			printf '%s %s %s\n' "$f" "$(stat -c %s "$f")" \
			    "$(sha256sum <"$f" | cut -d' ' -f1)"
		else
			printf '%s absent\n' "$f"
		fi
	done
}

# fault LABEL PATTERN DB KEY CMD...: run popconn --db DB --key KEY CMD...;
# expect a non-zero exit below 128, exactly one stderr line matching
# PATTERN (extended regex, case-insensitive), no sanitizer report, and DB,
# DB-wal and KEY unchanged.
fault() {
	local label=$1 pat=$2 db=$3 key=$4 before after nl
	shift 4
	before=$(snap "$db" "$db-wal" "$key")
	run "$PC" --db "$db" --key "$key" "$@"
	after=$(snap "$db" "$db-wal" "$key")
	if [ "$RC" -ne 0 ] && [ "$RC" -lt 128 ]; then
		ok "$label: non-zero exit ($RC)"
	else
		not_ok "$label: non-zero exit, no crash" "exit $RC; stderr: $(head -c 400 <<<"$ERR")"
	fi
	nl=$(grep -c '' <<<"$ERR" || true)
	if [ -n "$ERR" ] && [ "$nl" = 1 ] && grep -qiE -- "$pat" <<<"$ERR"; then
		ok "$label: one clear line: $ERR"
	else
		not_ok "$label: one stderr line matching /$pat/" "got $nl lines: $(head -c 600 <<<"$ERR")"
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' <<<"$ERR"; then
		not_ok "$label: no sanitizer report"
	fi
	if grep -qF -- "$SECRET" <<<"$OUT$ERR"; then
		not_ok "$label: the secret is not printed"
	fi
	if [ "$before" = "$after" ]; then
		ok "$label: database, WAL and key file unchanged"
	else
		not_ok "$label: database, WAL and key file unchanged" \
		    "before: $before / after: $after"
	fi
}

# tmpfs DIR SIZE: mount a private tmpfs (unmounted by the trap).
tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1"
	MOUNTS=("$1" "${MOUNTS[@]}")
}

# --- read-only database ----------------------------------------------------
K=$T/key
tmpfs "$T/ro" 1m
mk "$T/ro/pc.db" "$K"
chmod 0400 "$T/ro/pc.db"
mount -o remount,ro "$T/ro"
if touch "$T/ro/probe" 2>/dev/null; then
	not_ok "the read-only mount refuses writes (test setup)"
fi
fault "read-only: add" 'read-only|read only|readonly' "$T/ro/pc.db" "$K" \
    add new address=n.example.com
fault "read-only: set" 'read-only|read only|readonly' "$T/ro/pc.db" "$K" \
    set p2 timeout=40
fault "read-only: bulk-set" 'read-only|read only|readonly' "$T/ro/pc.db" "$K" \
    bulk-set --group g timeout=40
# Commands that only read work on it, and leave it as it was.
before=$(snap "$T/ro/pc.db" "$T/ro/pc.db-wal" "$K")
run "$PC" --db "$T/ro/pc.db" --key "$K" list
expect_rc 0 "read-only: list works"
expect_eq "$(grep -c '^p[0-9]' <<<"$OUT")" 20 "read-only: list shows every profile"
run "$PC" --db "$T/ro/pc.db" --key "$K" show p1 --json
expect_rc 0 "read-only: show works"
expect_out '"password_set": true' "read-only: show reads the sealed password's state"
run "$PC" --db "$T/ro/pc.db" --key "$K" history p1
expect_out 'p1 .*password: set' "read-only: history reads the audit log"
run "$PC" --db "$T/ro/pc.db" --key "$K" export --format csv
expect_eq "$(grep -c '^"p[0-9]' <<<"$OUT")" 20 "read-only: export writes every profile"
expect_no "$SECRET" "read-only: no secret printed"
expect_eq "$(snap "$T/ro/pc.db" "$T/ro/pc.db-wal" "$K")" "$before" "read-only: the reads changed no file"

# --- full disk -------------------------------------------------------------
tmpfs "$T/full" 512k
mk "$T/full/pc.db" "$K" 200
dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null || true
dd if=/dev/zero of="$T/full/filler2" bs=512 2>/dev/null || true
expect_eq "$(df --output=avail "$T/full" | tail -1 | tr -d ' ')" 0 \
    "the small tmpfs is full (test setup)"
fault "full disk: add" 'disk is full' "$T/full/pc.db" "$K" \
    add new address=n.example.com
fault "full disk: bulk-set" 'disk is full' "$T/full/pc.db" "$K" \
    bulk-set --group g timeout=41 address=a-much-longer-address-than-before.example.com
rm -f "$T/full/filler" "$T/full/filler2"
expect_eq "$(q "$T/full/pc.db" 'PRAGMA integrity_check')" ok \
    "full disk: integrity_check afterwards"
expect_eq "$(q "$T/full/pc.db" "SELECT count(*) FROM profiles WHERE timeout = 30 AND name <> 'new'")" 200 \
    "full disk: nothing half-applied (200 profiles, all timeout 30, no 'new')"
expect_eq "$(q "$T/full/pc.db" "SELECT count(*) FROM audit WHERE action IN ('add', 'bulk-set')")" 0 \
    "full disk: no audit entry for the refused changes"

# The disk fills while another program holds the database open, so the
# -wal and -shm exist and the bulk-set fails in the middle of writing its
# transaction (not when opening).  The WAL may hold the frames written
# before the failure (never committed); the database and key must not
# change and nothing may be applied.
mkfifo "$T/full.fifo"
sqlite3 "$T/full/pc.db" <"$T/full.fifo" >/dev/null 2>&1 &
holder=$!
exec 8>"$T/full.fifo"
printf 'SELECT count(*) FROM profiles;\n' >&8
wait_until 5 test -e "$T/full/pc.db-shm" ||
	not_ok "full disk: the sqlite3 shell holding the database opened it"
dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null || true
dd if=/dev/zero of="$T/full/filler2" bs=512 2>/dev/null || true
before=$(snap "$T/full/pc.db" "$K")
run "$PC" --db "$T/full/pc.db" --key "$K" bulk-set --group g timeout=42 \
    address=a-much-longer-address-than-before.example.com
if [ "$RC" -ne 0 ] && [ "$RC" -lt 128 ]; then
	ok "full disk, mid-transaction: bulk-set fails ($RC)"
else
	not_ok "full disk, mid-transaction: bulk-set fails, no crash" "exit $RC: $(head -c 400 <<<"$ERR")"
fi
if [ "$(grep -c '' <<<"$ERR")" = 1 ] && grep -qi 'disk is full' <<<"$ERR"; then
	ok "full disk, mid-transaction: one line says the disk is full: $ERR"
else
	not_ok "full disk, mid-transaction: one line saying 'disk is full'" "$(head -c 600 <<<"$ERR")"
fi
expect_eq "$(snap "$T/full/pc.db" "$K")" "$before" \
    "full disk, mid-transaction: database and key file unchanged"
exec 8>&-
wait "$holder" 2>/dev/null || true
rm -f "$T/full/filler" "$T/full/filler2"
expect_eq "$(q "$T/full/pc.db" 'PRAGMA integrity_check')" ok \
    "full disk, mid-transaction: integrity_check afterwards"
expect_eq "$(q "$T/full/pc.db" "SELECT count(*) FROM profiles WHERE timeout = 30 AND address NOT LIKE 'a-much%'")" 200 \
    "full disk, mid-transaction: nothing half-applied"
expect_eq "$(q "$T/full/pc.db" "SELECT count(*) FROM audit WHERE action = 'bulk-set'")" 0 \
    "full disk, mid-transaction: no audit entry"

# --- damaged database ------------------------------------------------------
mkdir -p "$T/bad"
mk "$T/bad/pc.db" "$K" 400
size=$(stat -c %s "$T/bad/pc.db")
# Random bytes over the middle 80% (page 1 with the header stays).
dd if=/dev/urandom of="$T/bad/pc.db" bs=1 seek=$((size / 10)) \
    count=$((size * 8 / 10)) conv=notrunc 2>/dev/null
fault "damaged database: list" 'damaged|malformed|corrupt' "$T/bad/pc.db" "$K" list
fault "damaged database: add" 'damaged|malformed|corrupt' "$T/bad/pc.db" "$K" \
    add new address=n.example.com
head -c 16384 /dev/urandom >"$T/bad/random.db"
fault "random bytes: list" 'not a popconn database|not an sqlite|not a database' \
    "$T/bad/random.db" "$K" list
printf 'name,address\nx,y\n' >"$T/bad/text.db"
fault "text file: add" 'not a popconn database|not an sqlite|not a database' \
    "$T/bad/text.db" "$K" add new address=n.example.com

# --- truncated WAL ---------------------------------------------------------
mkdir -p "$T/wal"
W=$T/wal/pc.db
mk "$W" "$K" 2000
# A committed change that stays in the WAL: the sqlite3 shell commits it
# with automatic checkpoints off, then keeps a read transaction open, so
# that no other connection can fold the WAL back or delete it.
mkfifo "$T/wal/fifo"
sqlite3 "$W" <"$T/wal/fifo" >"$T/wal/sq.out" 2>&1 &
sq=$!
exec 7>"$T/wal/fifo"
printf 'PRAGMA wal_autocheckpoint = 0;\nUPDATE profiles SET timeout = 77;\nBEGIN;\nSELECT count(*) FROM profiles;\n' >&7
# The shell has answered the SELECT: the read transaction is open.
wal_big() { [ "$(stat -c %s "$W-wal" 2>/dev/null || echo 0)" -gt 100000 ]; }
wait_until 10 wal_big && wait_until 10 grep -qE '^[0-9]+$' "$T/wal/sq.out" ||
	not_ok "truncated WAL: the sqlite3 shell committed to the WAL and holds a read transaction" \
	    "$(stat -c %s "$W-wal" 2>/dev/null) bytes; $(head -c 300 "$T/wal/sq.out")"
# Then a popconn writer killed once it has written to the WAL (or, on a
# fast machine, after it ended), and the sqlite3 shell killed too.
w0=$(stat -c %s "$W-wal" 2>/dev/null || echo 0)
"$PC" --db "$W" --key "$K" bulk-set --group g timeout=55 >/dev/null 2>&1 &
pw=$!
wal_moved() { [ "$(stat -c %s "$W-wal" 2>/dev/null || echo 0)" != "$w0" ] || ! kill -0 "$pw" 2>/dev/null; }
wait_until 30 wal_moved || true
kill -KILL "$pw" 2>/dev/null || true
{ wait "$pw"; } 2>/dev/null || true
kill -KILL "$sq"
{ wait "$sq"; } 2>/dev/null || true
exec 7>&-
wsize=$(stat -c %s "$W-wal" 2>/dev/null || echo 0)
if [ "$wsize" -gt 0 ]; then
	ok "truncated WAL: the WAL is non-empty after the kills ($wsize bytes)"
else
	not_ok "truncated WAL: the WAL is non-empty after the kills (test setup)"
fi
truncate -s $((wsize / 2)) "$W-wal"
ksum=$(snap "$K")
run "$PC" --db "$W" --key "$K" list --json
if [ "$RC" -ge 128 ] || grep -qE 'AddressSanitizer|runtime error' <<<"$ERR"; then
	not_ok "truncated WAL: popconn does not crash" "exit $RC: $(head -c 400 <<<"$ERR")"
elif [ "$RC" = 0 ]; then
	ok "truncated WAL: popconn opened and recovered"
	n=$(grep -o '"name"' <<<"$OUT" | wc -l)
	expect_eq "$n" 2000 "truncated WAL: every profile is still there"
	t=$(q "$W" 'SELECT group_concat(timeout) FROM (SELECT DISTINCT timeout FROM profiles)')
	case $t in
	30 | 77 | 55) ok "truncated WAL: one committed state (every timeout $t)" ;;
	*) not_ok "truncated WAL: one committed state" "timeouts: $t" ;;
	esac
	expect_eq "$(q "$W" 'PRAGMA integrity_check')" ok "truncated WAL: integrity_check"
	run "$PC" --db "$W" --key "$K" show p1
	expect_rc 0 "truncated WAL: the profile with a secret still opens"
else
	nl=$(grep -c '' <<<"$ERR" || true)
	if [ "$nl" = 1 ] && grep -qiE 'damaged|malformed|corrupt|wal|journal' <<<"$ERR"; then
		ok "truncated WAL: refused clearly: $ERR"
	else
		not_ok "truncated WAL: a clear refusal" "exit $RC, $nl lines: $(head -c 400 <<<"$ERR")"
	fi
fi
expect_eq "$(snap "$K")" "$ksum" "truncated WAL: key file unchanged"

# --- key file faults -------------------------------------------------------
mkdir -p "$T/keys"
D=$T/keys/pc.db
KK=$T/keys/key
mk "$D" "$KK"
cp "$KK" "$T/keys/key.good"
mv "$KK" "$T/keys/key.moved"
fault "missing key file: list" 'key' "$D" "$KK" list
fault "missing key file: show" 'key' "$D" "$KK" show p1
fault "missing key file: add" 'key' "$D" "$KK" add new address=n.example.com
if [ -e "$KK" ]; then
	not_ok "missing key file: no new key was made for a database with secrets"
else
	ok "missing key file: no new key was made for a database with secrets"
fi
head -c 32 /dev/urandom >"$KK"
chmod 0600 "$KK"
fault "wrong key: show" 'key' "$D" "$KK" show p1
fault "wrong key: add" 'key' "$D" "$KK" add new address=n.example.com
fault "wrong key: set" 'key' "$D" "$KK" set p2 timeout=40
head -c 16 /dev/urandom >"$KK"
fault "16-byte key: list" 'key' "$D" "$KK" list
fault "16-byte key: add" 'key' "$D" "$KK" add new address=n.example.com
cat "$T/keys/key.good" "$T/keys/key.good" >"$KK"
fault "64-byte key: show" 'key' "$D" "$KK" show p1
: >"$KK"
fault "empty key file: list" 'key' "$D" "$KK" list
cp "$T/keys/key.good" "$KK"
run "$PC" --db "$D" --key "$KK" show p1
expect_rc 0 "the right key still opens the database afterwards"

# --- database from a newer popconn -------------------------------------------
q "$D" 'PRAGMA user_version = 999;'
fault "newer database: list" 'newer|version' "$D" "$KK" list
fault "newer database: add" 'newer|version' "$D" "$KK" add new address=n.example.com
expect_eq "$(q "$D" 'PRAGMA user_version')" 999 "newer database: user_version stays 999"

# --- another program holds the write lock for longer than the busy timeout ----
# Opening an up-to-date database takes no write lock, so reads go on.
# The lock is held until this script lets go (a FIFO feeds the sqlite3
# shell), not for a fixed time: the checks below run while it is held,
# on any machine, and that is checked too.
L=$T/locked.db
mk "$L" "$KK" 5
mkfifo "$T/lock.fifo"
sqlite3 "$L" <"$T/lock.fifo" >"$T/locker.out" 2>&1 &
locker=$!
exec 6>"$T/lock.fifo"
# A busy timeout for the locker itself: a BEGIN refused for a moment would
# leave it in autocommit mode, holding nothing.
printf '.timeout 10000\nBEGIN IMMEDIATE;\nUPDATE profiles SET timeout = timeout;\n' >&6
lock_held() { ! sqlite3 -cmd '.timeout 0' "$L" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; }
wait_until 10 lock_held || not_ok "write lock held elsewhere: the sqlite3 shell took the lock" \
	"locker alive: $(kill -0 "$locker" 2>/dev/null && echo yes || echo no); it said: $(cat "$T/locker.out")"
run "$PC" --db "$L" --key "$KK" list
expect_rc 0 "write lock held elsewhere: list still works"
expect_eq "$(grep -c '^p[0-9]' <<<"$OUT")" 5 "write lock held elsewhere: list shows the profiles"
run "$PC" --db "$L" --key "$KK" show p2
expect_rc 0 "write lock held elsewhere: show still works"
lock_held && ok "write lock held elsewhere: still held after the checks" ||
	not_ok "write lock held elsewhere: still held after the checks"
printf 'COMMIT;\n' >&6
exec 6>&-
wait "$locker" || true

# --- a folder that cannot be made: the message names which one -----------------
: >"$T/plainfile"
run "$PC" --db "$T/plainfile/sub/pc.db" --key "$KK" list
expect_rc 4 "database folder cannot be made: exit 4"
expect_err "^popconn: cannot create the folder of the database $T/plainfile/sub/pc\.db: Not a directory$" \
	"database folder cannot be made: the message names the database"
run "$PC" --db "$T/other.db" --key "$T/plainfile/k/key" list
expect_rc 4 "key folder cannot be made: exit 4"
expect_err "^popconn: cannot create the folder of the key file $T/plainfile/k/key: Not a directory$" \
	"key folder cannot be made: the message names the key file"
if [ -e "$T/other.db" ]; then
	not_ok "key folder cannot be made: no database was created"
else
	ok "key folder cannot be made: no database was created"
fi

finish
