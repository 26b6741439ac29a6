#!/usr/bin/env bash
# tests/integ/crash.sh POPCONN - nothing half-applied after a SIGKILL.
#
# Import: a pristine database holds x1, x2 (group "other", x1 with a
# password) and p1 (group g, timeout 31).  `popconn import` of a generated
# file of N profiles p1..pN (group g, timeout 30: N-1 inserts and one
# update: --update) runs once uninterrupted, timed and watched by crash_kill.pl
# (when the WAL grows, when the checkpoint that follows the commit writes
# the database file, when the WAL goes at close), then K+2 times on a
# fresh copy of the pristine database, killed with SIGKILL: K times at
# delays drawn across the time the database is open (one in each K-th of
# it, so kills land early, in the middle and late), once when the WAL has
# reached 95% of its final size (the end of the writing and the commit)
# and once inside the checkpoint.  Bulk-set: the same with `bulk-set
# --group g timeout=99` on the result of the uninterrupted import.  The
# import file and the pristine databases are made once and copied for
# every round; the key file is made once.
#
# After every kill: popconn opens the database first (as a user's next run
# would) and reads p1; PRAGMA integrity_check (and foreign_key_check) is ok;
# the counts are exactly those before the change or exactly those after it
# (every profile of g with the old timeout and version, no audit row of the
# change, no undo record; or every one with the new values, one audit row
# per profile and, for bulk-set, one undo record of N rows); the whole
# content (every table; times and random uids left out) is identical to the
# pristine database or to the result of the uninterrupted run; the key file
# is untouched; popconn can write to the database again.  Every round must
# really kill (a command that ends first is run again, the kill at the same
# fraction of the time that run took), each command must land both before
# and after its commit, and once while the WAL is being written (before
# the commit): when the rounds above did not land one there, more rounds
# kill when the WAL reaches a share of its final size (50%, 20%, 80%, 5%,
# ...) until one does, at most CRASH_WAL_TRIES (default 40) of them; the
# report says how many it took.  Nothing is left out on a fast machine.
#
# Environment: CRASH_N profiles (default 100000), CRASH_K spread kills per
# command (default 8, so 10 kills each), CRASH_MAX_S (default 240 times
# POPCONN_TEST_SLOW, see tests/lib/assert.sh): a guard, an uninterrupted
# run that takes longer fails the test at once (the rounds take about six
# times as long as one run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
slow_factor "$PC"
KILLER=$here/crash_kill.pl
T=$(mktemp -d)
BG=
cleanup() {
	local p
	for p in $BG; do
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
export XDG_CONFIG_HOME=$T/config
unset POPCONN_DB POPCONN_KEY

N=${CRASH_N:-100000}
K=${CRASH_K:-8}
MAX_S=${CRASH_MAX_S:-$(deadline 240)}
WAL_TRIES=${CRASH_WAL_TRIES:-40}
if [ "$N" -lt 2 ] || [ "$K" -lt 1 ]; then
	echo "crash.sh: CRASH_N must be 2 or more, CRASH_K 1 or more" >&2
	exit 2
fi
OLD=30
NEW=99
START_US=${EPOCHREALTIME/./}
printf '# %d profiles, %d spread kills + 2 at the commit per command\n' "$N" "$K"

now_us() { echo "${EPOCHREALTIME/./}"; }
since_ms() { echo $((($(now_us) - $1) / 1000)); }
q() { sqlite3 -batch "$1" "$2"; }
maxaudit() { q "$1" 'SELECT coalesce(max(id), 0) FROM audit'; }

# fresh SRC: r.db becomes a copy of the database SRC (with its WAL if any).
fresh() {
	rm -f "$T/r.db" "$T/r.db-wal" "$T/r.db-shm"
	cp "$1" "$T/r.db"
	if [ -e "$1-wal" ]; then cp "$1-wal" "$T/r.db-wal"; fi
}

# --- the data ---------------------------------------------------------------
t=$(now_us)
awk -v n="$N" -v t="$OLD" 'BEGIN {
	print "[";
	for (i = 1; i <= n; i++)
		printf "{\"name\":\"p%d\",\"group\":\"g\",\"timeout\":%d," \
		    "\"address\":\"h%d.example.com\",\"username\":\"u%d\"}%s\n",
		    i, t, i, i, (i < n ? "," : "");
	print "]";
}' >"$T/imp.json"
cat >"$T/small.json" <<'EOF'
[{"name":"x1","group":"other","timeout":40,"address":"x1.example.com","username":"ux1"},
 {"name":"x2","group":"other","timeout":41,"address":"x2.example.com","username":"ux2"},
 {"name":"p1","group":"g","timeout":31,"address":"h1.example.com","username":"u1"}]
EOF
printf '# import file of %d profiles generated in %d ms\n' "$N" "$(since_ms "$t")"

run "$PC" --db "$T/p0.db" import "$T/small.json"
expect_rc 0 "the pristine database for import is made"
run_in 'x1-secret' "$PC" --db "$T/p0.db" set x1 password=-
expect_rc 0 "x1 gets a password"
cp "$XDG_CONFIG_HOME/popconn/key" "$T/key.pristine"
BASE0=$(maxaudit "$T/p0.db")

# The digest: the schema, then every table in rowid order with all its
# columns but the times and the random uid, hashed by the sqlite3 shell's
# sha3_query() (which hashes each statement's text and every value with
# its type).
DIGEST_SQL=$(q "$T/p0.db" "SELECT 'SELECT ' || group_concat(c.name, ', ') ||
	    ' FROM ' || m.name || ' ORDER BY rowid;'
	FROM sqlite_master m, pragma_table_info(m.name) c
	WHERE m.type = 'table' AND
	    c.name NOT IN ('uid', 'time', 'created', 'updated')
	GROUP BY m.name ORDER BY m.name")
DIGEST_SQL="PRAGMA user_version; SELECT type, name, sql FROM sqlite_master ORDER BY name; $DIGEST_SQL"
digest() { q "$1" "SELECT substr(hex(sha3_query('${DIGEST_SQL//\'/\'\'}')), 1, 16)"; }

# summary DB AUDIT_BASE: profiles | g's timeout:count | g's version:count |
# audit rows after AUDIT_BASE as action:count | bulk_ops rows:profiles |
# bulk_undo rows.
summary() {
	q "$1" "SELECT (SELECT count(*) FROM profiles),
	    (SELECT group_concat(t || ':' || c) FROM (SELECT timeout t, count(*) c
		FROM profiles WHERE group_name = 'g' GROUP BY 1 ORDER BY 1)),
	    (SELECT group_concat(v || ':' || c) FROM (SELECT version v, count(*) c
		FROM profiles WHERE group_name = 'g' GROUP BY 1 ORDER BY 1)),
	    (SELECT group_concat(a || ':' || c) FROM (SELECT action a, count(*) c
		FROM audit WHERE id > $2 GROUP BY 1 ORDER BY 1)),
	    (SELECT count(*) || ':' || coalesce(sum(nprofiles), 0) FROM bulk_ops),
	    (SELECT count(*) FROM bulk_undo)"
}

# set_kind import|bulk: what the checks expect of that command.
set_kind() {
	KIND=$1
	if [ "$KIND" = import ]; then
		PRISTINE=$T/p0.db
		CMD=("$PC" --db "$T/r.db" import --update "$T/imp.json")
		AUDIT_BASE=$BASE0
		SUM_BEFORE="3|31:1|1:1||0:0|0"
		SUM_AFTER="$((N + 2))|$OLD:$N|1:$((N - 1)),2:1|import:$N|0:0|0"
		P1_BEFORE=31 P1_AFTER=$OLD
		COUNT_BEFORE=3
	else
		PRISTINE=$T/base.db
		CMD=("$PC" --db "$T/r.db" bulk-set --group g "timeout=$NEW")
		AUDIT_BASE=$BASE1
		SUM_BEFORE="$((N + 2))|$OLD:$N|1:$((N - 1)),2:1||0:0|0"
		SUM_AFTER="$((N + 2))|$NEW:$N|2:$((N - 1)),3:1|bulk-set:$N|1:$N|$N"
		P1_BEFORE=$OLD P1_AFTER=$NEW
		COUNT_BEFORE=$((N + 2))
	fi
}

# check LABEL: the state of r.db after a (possibly killed) run of the
# current command; sets LANDED to before / after / broken.
check() {
	local label=$1 ic sum dig want p1
	LANDED=broken
	# popconn opens the database first, as the user's next command would.
	run "$PC" --db "$T/r.db" show p1 --json
	local show_rc=$RC show_out=$OUT show_err=$ERR
	ic=$(q "$T/r.db" 'PRAGMA integrity_check; PRAGMA foreign_key_check' 2>&1) || true
	if [ "$ic" != ok ]; then
		not_ok "$label: integrity_check ok" "$(head -c 400 <<<"$ic")"
		return 0
	fi
	ok "$label: integrity_check ok"
	sum=$(summary "$T/r.db" "$AUDIT_BASE")
	if [ "$sum" = "$SUM_BEFORE" ]; then
		LANDED=before want=$DIG_BEFORE p1=$P1_BEFORE
	elif [ "$sum" = "$SUM_AFTER" ]; then
		LANDED=after want=$DIG_AFTER p1=$P1_AFTER
	else
		not_ok "$label: all or nothing" \
		    "got '$sum', wanted '$SUM_BEFORE' (before) or '$SUM_AFTER' (after)"
		return 0
	fi
	ok "$label: all or nothing, landed $LANDED the commit ($sum)"
	dig=$(digest "$T/r.db")
	expect_eq "$dig" "$want" "$label: content identical to the database $([ "$LANDED" = before ] &&
	    echo before the change || echo after an uninterrupted run)"
	if cmp -s "$XDG_CONFIG_HOME/popconn/key" "$T/key.pristine"; then
		ok "$label: key file untouched"
	else
		not_ok "$label: key file untouched"
	fi
	if [ "$show_rc" = 0 ] && grep -q "\"timeout\": $p1," <<<"$show_out"; then
		ok "$label: popconn opens it and reads p1 (timeout $p1)"
	else
		not_ok "$label: popconn opens it and reads p1 (timeout $p1)" \
		    "exit $show_rc: $(head -c 300 <<<"$show_err$show_out")"
	fi
	run "$PC" --db "$T/r.db" set x1 timeout=45
	expect_rc 0 "$label: popconn writes to it again"
}

# measure LABEL: one uninterrupted run of CMD on a fresh copy of PRISTINE,
# watched; sets RUN_MS (start to exit), W_MAX (largest WAL), T_WRITE (WAL
# first non-empty), T_WMAX (WAL first at W_MAX), T_CKPT (database file
# first written), T_CLOSE (WAL gone again).
measure() {
	local label=$1 t0 pid wpid
	fresh "$PRISTINE"
	t0=$(now_us)
	"${CMD[@]}" >"$T/cmd.out" 2>"$T/cmd.err" &
	pid=$!
	BG="$BG $pid"
	perl "$KILLER" watch "$pid" "$t0" "$T/r.db" $((MAX_S * 1000)) >"$T/watch.log" &
	wpid=$!
	set +e
	{ wait "$pid"; } 2>/dev/null
	RC=$?
	set -e
	RUN_MS=$(since_ms "$t0")
	BG=${BG%" $pid"}
	wait "$wpid" || true
	ERR=$(cat "$T/cmd.err")
	if grep -q timeout "$T/watch.log"; then
		not_ok "$label: done within $MAX_S s" \
		    "killed after $MAX_S s: the kill rounds would take about six times as long"
		finish
		exit 1
	fi
	expect_rc 0 "$label succeeds"
	eval "$(awk '
	    $2 == "wal" { if ($3 > 0 && !w) w = $1; if ($3 > max) { max = $3; tm = $1 }
		if ($3 < 0 && max > 0 && !cl) cl = $1 }
	    $2 == "db" && !ck { ck = $1 }
	    END { printf "W_MAX=%d T_WRITE=%d T_WMAX=%d T_CKPT=%d T_CLOSE=%d\n",
		max, w, tm, ck ? ck : -1, cl ? cl : -1 }' "$T/watch.log")"
	printf '# %s: %d ms: reading until %d ms, WAL written %d-%d ms (%d bytes), checkpoint writes the database from %d ms, WAL gone at %d ms\n' \
	    "$label" "$RUN_MS" "$T_WRITE" "$T_WRITE" "$T_WMAX" "$W_MAX" "$T_CKPT" "$T_CLOSE"
	if [ "$W_MAX" -gt 0 ] && [ "$T_CKPT" -gt 0 ]; then
		ok "$label: the watch saw the WAL written and checkpointed"
	else
		not_ok "$label: the watch saw the WAL written and checkpointed" "$(tail -5 "$T/watch.log")"
	fi
}

# attempt MODE ARG: one run of CMD on a fresh copy of PRISTINE that
# crash_kill.pl kills (MODE at / wal / db); sets KILLED (0/1), AT_MS and
# AT_WAL.
attempt() {
	local pid res
	fresh "$PRISTINE"
	local t0
	t0=$(now_us)
	"${CMD[@]}" >/dev/null 2>"$T/cmd.err" &
	pid=$!
	BG="$BG $pid"
	res=$(perl "$KILLER" "$1" "$pid" "$t0" "$T/r.db" "$2")
	set +e
	{ wait "$pid"; } 2>/dev/null
	RC=$?
	set -e
	BG=${BG%" $pid"}
	read -r KWORD AT_MS AT_WAL <<<"$res"
	KILLED=0
	if [ "$KWORD" = killed ] && [ "$RC" = 137 ]; then
		KILLED=1
	elif [ "$RC" != 0 ] && [ "$RC" != 137 ]; then
		not_ok "$KIND: the command fails on its own (exit $RC)" "$(head -c 400 "$T/cmd.err")"
	fi
	if grep -qE 'Sanitizer|runtime error' "$T/cmd.err"; then
		not_ok "$KIND: no sanitizer report" "$(head -5 "$T/cmd.err")"
	fi
}

# kill_round LABEL MODE ARG: attempts until one kills (at most 6), then
# checks.  MODE at: ARG is a fraction of the run in thousandths; when the
# command ends before its kill (a machine that got faster since the
# measured run: caches warm, other tests done), EST_MS (the expected run
# time) becomes the shortest run seen, and every further attempt comes a
# tenth of it earlier again, so the kill lands on any machine.
kill_round() {
	local label=$1 mode=$2 arg=$3 phase try at shrink
	for ((try = 0; try < 6; try++)); do
		at=$arg
		if [ "$mode" = at ]; then
			shrink=$((10 - try))
			at=$((EST_MS * OP_PERMILLE * arg / 1000000 * shrink / 10))
			printf '# %s: SIGKILL at %d ms (%d.%d%% of the %d ms the database is open%s)\n' \
			    "$label" "$at" $((arg / 10)) $((arg % 10)) $((EST_MS * OP_PERMILLE / 1000)) \
			    "$([ "$try" = 0 ] || echo ", times 0.$shrink")"
		fi
		# Inside the checkpoint: a checkpoint quicker than the delay
		# is met by a shorter delay each time (0 at the last tries).
		if [ "$mode" = db ] && [ "$try" -gt 0 ]; then
			at=$((arg * (4 - (try > 4 ? 4 : try)) / 4))
		fi
		attempt "$mode" "$at"
		[ "$KILLED" = 1 ] && break
		printf '# %s: the command ended at %d ms, before the kill; again\n' "$label" "$AT_MS"
		check "$label (not killed)"
		expect_eq "$LANDED" after "$label (not killed): a finished run is applied whole"
		if [ "$mode" = at ] && [ "$AT_MS" -lt "$EST_MS" ]; then EST_MS=$AT_MS; fi
	done
	if [ "$KILLED" != 1 ]; then
		not_ok "$label: killed" "the command ended first six times"
		return 0
	fi
	KILLS=$((KILLS + 1))
	check "$label (SIGKILL at $AT_MS ms, WAL $AT_WAL bytes)"
	classify
}

# classify: after check of a killed run, count where the kill landed.
classify() {
	local phase
	case $LANDED/$AT_WAL in
	before/-1 | before/0) phase="before the WAL was written, not applied" NB=$((NB + 1)) ;;
	before/*) phase="while the WAL was being written, not applied" NW=$((NW + 1)) ;;
	after/-1) phase="after the commit (WAL closed), applied" NA=$((NA + 1)) ;;
	after/*) phase="after the commit (WAL still open), applied" NA=$((NA + 1)) ;;
	*) phase=broken ;;
	esac
	printf '#   -> %s\n' "$phase"
	PHASES="$PHASES $AT_MS:$phase;"
}

# rounds: K kills spread over the time the database is open (from the
# start to the WAL's removal at close: what follows is the process's own
# exit), one in each K-th of it; one near the commit, one in the
# checkpoint.
rounds() {
	local i extra
	KILLS=0 PHASES='' NB=0 NW=0 NA=0
	EST_MS=$RUN_MS
	OP_PERMILLE=1000
	if [ "$T_CLOSE" -gt 0 ]; then OP_PERMILLE=$((T_CLOSE * 1000 / RUN_MS)); fi
	for ((i = 0; i < K; i++)); do
		kill_round "$KIND round $i" at $(((i * 1000 + RANDOM % 1000) / K))
	done
	printf '# %s round %d: SIGKILL when the WAL reaches %d bytes (95%%)\n' "$KIND" "$K" $((W_MAX * 95 / 100))
	kill_round "$KIND round $K" wal $((W_MAX * 95 / 100))
	extra=0
	if [ "$T_CLOSE" -gt "$T_CKPT" ] && [ "$T_CKPT" -gt 0 ]; then
		extra=$((RANDOM % ((T_CLOSE - T_CKPT) * 3 / 4 + 1)))
	fi
	printf '# %s round %d: SIGKILL %d ms after the checkpoint starts writing the database\n' \
	    "$KIND" $((K + 1)) "$extra"
	kill_round "$KIND round $((K + 1))" db "$extra"
	printf '# %s: %d kills: %d before the WAL was written and %d while it was (not applied), %d after the commit (applied)\n' \
	    "$KIND" "$KILLS" "$NB" "$NW" "$NA"
	expect_eq "$KILLS" $((K + 2)) "$KIND: every round killed the command"
	if [ $((NB + NW)) -ge 1 ] && [ "$NA" -ge 1 ]; then
		ok "$KIND: kills landed both before and after the commit"
	else
		not_ok "$KIND: kills landed both before and after the commit" "$PHASES"
	fi
	wal_window
	# The last round's database, read whole by popconn.
	local want=$((N + 2))
	if [ "$LANDED" = before ]; then want=$COUNT_BEFORE; fi
	run "$PC" --db "$T/r.db" list --json
	expect_eq "$(grep -c '"name"' <<<"$OUT" || true)" "$want" \
	    "$KIND: popconn lists all $want profiles after the last kill"
}

# wal_window: a kill must land while the WAL is being written, before the
# commit, on any machine: when none of the rounds did, kill when the WAL
# reaches a share of its final size, again and again, until one lands
# there (every such run checked like the others), at most WAL_TRIES.
wal_window() {
	local pct=(50 20 80 5 95 35 65 10 90 2) tries=0 thr
	if [ "$NW" -ge 1 ]; then
		ok "$KIND: a kill landed while the WAL was being written (in the rounds above, no extra try)"
		return 0
	fi
	while [ "$NW" -lt 1 ] && [ "$tries" -lt "$WAL_TRIES" ]; do
		thr=$((W_MAX * ${pct[tries % ${#pct[@]}]} / 100))
		[ "$thr" -gt 0 ] || thr=1
		tries=$((tries + 1))
		printf '# %s WAL try %d: SIGKILL when the WAL reaches %d bytes (%d%%)\n' \
		    "$KIND" "$tries" "$thr" "${pct[(tries - 1) % ${#pct[@]}]}"
		attempt wal "$thr"
		if [ "$KILLED" = 1 ]; then
			check "$KIND WAL try $tries (SIGKILL at $AT_MS ms, WAL $AT_WAL bytes, trigger $thr)"
			classify
		else
			check "$KIND WAL try $tries (not killed)"
			expect_eq "$LANDED" after "$KIND WAL try $tries (not killed): a finished run is applied whole"
		fi
	done
	if [ "$NW" -ge 1 ]; then
		ok "$KIND: a kill landed while the WAL was being written ($tries extra tries)"
	else
		not_ok "$KIND: a kill landed while the WAL was being written" \
		    "none in $tries tries (WAL $W_MAX bytes, written $T_WRITE-$T_WMAX ms): $PHASES"
	fi
}

# --- import -----------------------------------------------------------------
BASE1=0
set_kind import
DIG_BEFORE=$(digest "$T/p0.db")
measure "uninterrupted import of $N profiles"
# Its result is the pristine database for bulk-set: copy it before the
# checks write to it.
cp "$T/r.db" "$T/base.db"
if [ -e "$T/r.db-wal" ]; then cp "$T/r.db-wal" "$T/base.db-wal"; fi
DIG_AFTER=$(digest "$T/base.db")
check "uninterrupted import"
expect_eq "$LANDED" after "the uninterrupted import is applied whole"
IMPORT_MS=$RUN_MS
rounds

# --- bulk-set ---------------------------------------------------------------
BASE1=$(maxaudit "$T/base.db")
set_kind bulk
DIG_BEFORE=$(digest "$T/base.db")
measure "uninterrupted bulk-set of $N profiles"
DIG_AFTER=$(digest "$T/r.db")
check "uninterrupted bulk-set"
expect_eq "$LANDED" after "the uninterrupted bulk-set is applied whole"
BULK_MS=$RUN_MS
rounds

printf '# import %d ms, bulk-set %d ms, whole test %d s\n' "$IMPORT_MS" "$BULK_MS" \
    $((($(now_us) - START_US) / 1000000))
finish
