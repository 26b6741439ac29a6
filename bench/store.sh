#!/usr/bin/env bash
# bench/store.sh [N] - popconn's store against the sqlite3 shell on the same
# data, reported as ratios (a benchmark, not a test: nothing here asserts a
# time).  Needs a built popconn (scripts/run or cmake --build build).
#
#   1. bulk-set of one field on N profiles in a group (default 100,000):
#      `popconn bulk-set --group bench timeout=N` (validation, one audit row
#      per profile, undo data, one transaction) against the sqlite3 shell
#      running the bare UPDATE of the same column in one transaction, and
#      against the shell doing the UPDATE plus one audit row per profile.
#   2. `popconn list --json` of the N profiles against `sqlite3 -json`
#      selecting the same columns.
# Each figure is the median of RUNS runs (default 5), each on a fresh copy of
# the same database file.
set -euo pipefail
N=${1:-100000}
RUNS=${RUNS:-5}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PC=${POPCONN:-$root/build/popconn}
[ -x "$PC" ] || { echo "build popconn first (scripts/run --help)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 2; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export XDG_CONFIG_HOME=$W/config POPCONN_DB=$W/base.db

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v n="$1" 'BEGIN {printf "%.1f", n / 1e6}'; }

echo "preparing $N profiles ..." >&2
python3 - "$N" >"$W/seed.json" <<'PY' 2>/dev/null || awk -v n="$N" 'BEGIN {print "["; for (i = 0; i < n; i++) printf "{\"name\":\"p%06d\",\"group\":\"bench\",\"address\":\"pop%d.example.com\",\"username\":\"user%d\"}%s\n", i, i % 97, i, (i < n - 1 ? "," : ""); print "]"}' >"$W/seed.json"
import sys
n = int(sys.argv[1])
print("[")
for i in range(n):
    sep = "," if i < n - 1 else ""
    print('{"name":"p%06d","group":"bench","address":"pop%d.example.com","username":"user%d"}%s' % (i, i % 97, i, sep))
print("]")
PY
t0=$(now_ns)
"$PC" import "$W/seed.json" >/dev/null
t1=$(now_ns)
echo "import of $N profiles: $(ms $((t1 - t0))) ms" >&2
sqlite3 "$POPCONN_DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null

col=$(sqlite3 "$POPCONN_DB" "SELECT name FROM pragma_table_info('profiles') WHERE name IN ('group_name','\"group\"','grp') LIMIT 1;")
[ -n "$col" ] || col='"group"'

bench_pc_bulk() {
	for r in $(seq "$RUNS"); do
		cp "$POPCONN_DB" "$W/run.db"
		t0=$(now_ns)
		POPCONN_DB=$W/run.db "$PC" bulk-set --group bench timeout=$((60 + r)) >/dev/null
		t1=$(now_ns)
		echo $((t1 - t0))
		rm -f "$W/run.db" "$W/run.db-wal" "$W/run.db-shm"
	done | median
}
bench_sql() {
	local sql=$1
	for r in $(seq "$RUNS"); do
		cp "$POPCONN_DB" "$W/run.db"
		t0=$(now_ns)
		sqlite3 "$W/run.db" "PRAGMA journal_mode=WAL; BEGIN; $sql COMMIT;" >/dev/null
		t1=$(now_ns)
		echo $((t1 - t0))
		rm -f "$W/run.db" "$W/run.db-wal" "$W/run.db-shm"
	done | median
}

pc_bulk=$(bench_pc_bulk)
sql_bulk=$(bench_sql "UPDATE profiles SET timeout = 61 WHERE $col = 'bench';")
audit_cols=$(sqlite3 "$POPCONN_DB" "SELECT group_concat(name) FROM pragma_table_info('audit');")
sql_audit=$(bench_sql "UPDATE profiles SET timeout = 61, version = version + 1 WHERE $col = 'bench'; INSERT INTO audit(time, os_user, profile, profile_id, action, fields, detail) SELECT strftime('%s','now'), 'bench', name, id, 'bulk-set', 'timeout', 'timeout: 30 -> 61' FROM profiles WHERE $col = 'bench';" 2>/dev/null || echo 0)

pc_list=$(for r in $(seq "$RUNS"); do t0=$(now_ns); "$PC" list --json >/dev/null; t1=$(now_ns); echo $((t1 - t0)); done | median)
sql_list=$(for r in $(seq "$RUNS"); do t0=$(now_ns); sqlite3 -json "$POPCONN_DB" "SELECT * FROM profiles;" >/dev/null; t1=$(now_ns); echo $((t1 - t0)); done | median)

printf '\n%-44s %12s %12s %8s\n' "operation ($N profiles, median of $RUNS)" "popconn ms" "sqlite3 ms" "ratio"
printf '%-44s %12s %12s %8s\n' "bulk-set one field vs bare UPDATE" "$(ms "$pc_bulk")" "$(ms "$sql_bulk")" "$(awk -v a="$pc_bulk" -v b="$sql_bulk" 'BEGIN {printf "%.1fx", a / b}')"
if [ "$sql_audit" != 0 ]; then
	printf '%-44s %12s %12s %8s\n' "bulk-set vs UPDATE + audit rows" "$(ms "$pc_bulk")" "$(ms "$sql_audit")" "$(awk -v a="$pc_bulk" -v b="$sql_audit" 'BEGIN {printf "%.1fx", a / b}')"
fi
printf '%-44s %12s %12s %8s\n' "list --json vs sqlite3 -json SELECT *" "$(ms "$pc_list")" "$(ms "$sql_list")" "$(awk -v a="$pc_list" -v b="$sql_list" 'BEGIN {printf "%.1fx", a / b}')"
