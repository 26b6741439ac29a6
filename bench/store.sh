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
# RUNS rounds (default 5), popconn and the shell alternating, each write on a
# fresh copy of the same database file; median (min-max) and the load average.
set -euo pipefail
N=${1:-100000}
RUNS=${RUNS:-5}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bench/lib.sh"
PC=${POPCONN:-$root/build/popconn}
[ -x "$PC" ] || { echo "build popconn first (scripts/run --help)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 2; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export XDG_CONFIG_HOME=$W/config POPCONN_DB=$W/base.db

now_ns() { date +%s%N; }
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

# one_* print the wall time of one run in ms
one() { local t0 t1; t0=$(now_ns); "$@" >/dev/null; t1=$(now_ns); awk -v n=$((t1 - t0)) 'BEGIN {printf "%.1f\n", n / 1e6}'; }
fresh() { rm -f "$W/run.db" "$W/run.db-wal" "$W/run.db-shm"; cp "$POPCONN_DB" "$W/run.db"; }
audit_sql="UPDATE profiles SET timeout = 61, version = version + 1 WHERE $col = 'bench'; INSERT INTO audit(time, os_user, profile, profile_id, action, fields, detail) SELECT strftime('%s','now'), 'bench', name, id, 'bulk-set', 'timeout', 'timeout: 30 -> 61' FROM profiles WHERE $col = 'bench';"
load0=$(loadavg)
for r in $(seq "$RUNS"); do
	fresh
	POPCONN_DB=$W/run.db one "$PC" bulk-set --group bench timeout=$((60 + r)) >>"$W/pc-bulk"
	fresh
	one sqlite3 "$W/run.db" "PRAGMA journal_mode=WAL; BEGIN; UPDATE profiles SET timeout = 61 WHERE $col = 'bench'; COMMIT;" >>"$W/sql-bulk"
	fresh
	one sqlite3 "$W/run.db" "PRAGMA journal_mode=WAL; BEGIN; $audit_sql COMMIT;" >>"$W/sql-audit"
	one "$PC" list --json >>"$W/pc-list"
	one sqlite3 -json "$POPCONN_DB" "SELECT * FROM profiles;" >>"$W/sql-list"
done
rm -f "$W/run.db" "$W/run.db-wal" "$W/run.db-shm"

printf '\n%d profiles, %d runs each, alternating; median (min-max) ms; load average before %s, after %s\n\n' \
	"$N" "$RUNS" "$load0" "$(loadavg)"
printf '| %-40s | %-24s | %-24s | %6s |\n' operation popconn "sqlite3 shell" ratio
printf '|%s|%s|%s|%s|\n' ------------------------------------------ -------------------------- -------------------------- -------:
line() { # LABEL PC-FILE SQL-FILE
	local a b
	a=$(stats <"$2") b=$(stats <"$3")
	printf '| %-40s | %-24s | %-24s | %6s |\n' "$1" "$(fmt_stats "$a")" "$(fmt_stats "$b")" "$(ratio "${a%% *}" "${b%% *}")"
}
line "bulk-set one field vs bare UPDATE" "$W/pc-bulk" "$W/sql-bulk"
line "bulk-set vs UPDATE + audit rows" "$W/pc-bulk" "$W/sql-audit"
line "list --json vs sqlite3 -json SELECT *" "$W/pc-list" "$W/sql-list"
