#!/usr/bin/env bash
# tests/integ/concurrency.sh POPCONN - several popconn processes changing
# one database file at once: 2 and then 4 workers, each a loop of
#   set o<w>-<k> username=...   on its own profiles (must always succeed)
#   set s<k> username=...       on profiles every worker changes
#   bulk-set --group shared port=...   over those same shared profiles
# with a value used only once in the whole run, so every command is a real
# change.  Every command must succeed, or (set on a shared profile only)
# fail with exit 4 and the clear "was changed by ... nothing was saved"
# conflict message; "database is locked" must never reach the user.  Then,
# from the workers' own logs against the database: no lost update (each
# profile ends with the value of the last change the audit log records for
# it, an own profile with the last value its worker set), exactly one audit
# entry per successful change and none for a refused one, and each version
# counter equals 1 + its number of changes.
#
# CONC_SECONDS (default 45) bounds each phase; CONC_OPS (default 1000) caps
# the commands per worker.  A phase stops at whichever comes first, so the
# whole run stays under two minutes on a slow (sanitizer) build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
T=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
export XDG_CONFIG_HOME=$T/config
unset POPCONN_DB POPCONN_KEY
SECS=${CONC_SECONDS:-45}
OPS=${CONC_OPS:-1000}
NSHARED=4
NOWN=3

q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }

# worker W DEADLINE: the loop; one line per command in $T/w<W>.log:
#   kind target value rc stderr-lines stderr-on-one-line
worker() {
	local w=$1 deadline=$2 j kind target value rc err nl
	for ((j = 0; j < OPS; j++)); do
		[ "$(date +%s)" -lt "$deadline" ] || break
		case $((j % 4)) in
		0 | 1)
			kind=own target=o$w-$((j % NOWN)) value=o$w.$j
			"$PC" --db "$DB" set "$target" "username=$value" \
			    >/dev/null 2>"$T/w$w.err" && rc=0 || rc=$?
			;;
		2)
			kind=shared target=s$(((j / 4 + w) % NSHARED)) value=w$w.$j
			"$PC" --db "$DB" set "$target" "username=$value" \
			    >/dev/null 2>"$T/w$w.err" && rc=0 || rc=$?
			;;
		3)
			kind=bulk target=shared value=$((10000 + w * 2000 + j / 4))
			"$PC" --db "$DB" bulk-set --group shared "port=$value" \
			    >/dev/null 2>"$T/w$w.err" && rc=0 || rc=$?
			;;
		esac
		nl=$(grep -c '' "$T/w$w.err" || true)
		err=$(tr '\n' ' ' <"$T/w$w.err")
		printf '%s %s %s %s %s %s\n' "$kind" "$target" "$value" "$rc" "$nl" "$err" \
		    >>"$T/w$w.log"
	done
}

phase() {
	local nw=$1 w k deadline total nok nconf bad locked p
	local expect_ver got want last nset nbulk naudit
	DB=$T/p$nw.db
	rm -f "$T"/w*.log
	{
		echo '['
		for ((k = 0; k < NSHARED; k++)); do
			printf '{"name":"s%d","group":"shared","address":"s.example.com","username":"start"},\n' "$k"
		done
		for ((w = 1; w <= nw; w++)); do
			for ((k = 0; k < NOWN; k++)); do
				printf '{"name":"o%d-%d","group":"own%d","address":"o.example.com","username":"start"},\n' "$w" "$k" "$w"
			done
		done
		printf '{"name":"other","address":"x.example.com"}\n]\n'
	} >"$T/setup.json"
	"$PC" --db "$DB" import "$T/setup.json" >/dev/null
	BASE=$(q 'SELECT max(id) FROM audit')
	deadline=$(($(date +%s) + SECS))
	PIDS=()
	for ((w = 1; w <= nw; w++)); do
		worker "$w" "$deadline" &
		PIDS+=($!)
	done
	for p in "${PIDS[@]}"; do
		wait "$p"
	done
	PIDS=()
	cat "$T"/w*.log >"$T/all.log"

	total=$(wc -l <"$T/all.log")
	nok=$(awk '$4 == 0' "$T/all.log" | wc -l)
	nconf=$(awk '$4 != 0' "$T/all.log" | wc -l)
	printf '# %d workers: %d commands, %d succeeded, %d refused\n' \
	    "$nw" "$total" "$nok" "$nconf"
	[ "$total" -ge $((nw * 8)) ] && ok "$nw workers: ran $total commands" ||
	    not_ok "$nw workers: too few commands ran ($total)"

	locked=$(grep -ciE 'locked|busy' "$T/all.log" || true)
	if [ "$locked" = 0 ]; then
		ok "$nw workers: no 'database is locked' reached the user"
	else
		not_ok "$nw workers: 'database is locked' reached the user $locked times" \
		    "$(grep -iE 'locked|busy' "$T/all.log" | head -3)"
	fi
	# Refused: only a set on a shared profile, exit 4, the conflict text.
	bad=$(awk '$4 != 0 && !($1 == "shared" && $4 == 4 &&
	    $0 ~ /was changed by .* nothing was saved/)' "$T/all.log")
	if [ -z "$bad" ]; then
		ok "$nw workers: every command succeeded or was a clear conflict"
	else
		not_ok "$nw workers: every command succeeded or was a clear conflict" \
		    "$(head -3 <<<"$bad")"
	fi
	bad=$(awk '($4 != 0 && ($5 != 1 || $6 != "popconn:")) || ($4 == 0 && $5 != 0)' "$T/all.log")
	[ -z "$bad" ] && ok "$nw workers: a refusal is one popconn: line, a success silent on stderr" ||
	    not_ok "$nw workers: a refusal is one popconn: line, a success silent on stderr" "$(head -3 <<<"$bad")"

	# Own profiles: the last value set wins, one audit entry per set.
	bad=
	for ((w = 1; w <= nw; w++)); do
		for ((k = 0; k < NOWN; k++)); do
			nset=$(awk -v t="o$w-$k" '$2 == t && $4 == 0' "$T/all.log" | wc -l)
			last=$(awk -v t="o$w-$k" '$2 == t && $4 == 0 { v = $3 } END { print v == "" ? "start" : v }' "$T/all.log")
			got=$(q "SELECT username || ' ' || version FROM profiles WHERE name = 'o$w-$k'")
			naudit=$(q "SELECT count(*) FROM audit WHERE id > $BASE AND profile = 'o$w-$k' AND action = 'set'")
			want="$last $((nset + 1))"
			[ "$got" = "$want" ] && [ "$naudit" = "$nset" ] ||
			    bad+="o$w-$k: database '$got' (audit $naudit), wanted '$want' (audit $nset); "
		done
	done
	[ -z "$bad" ] && ok "$nw workers: own profiles hold their last value, one audit entry per set" ||
	    not_ok "$nw workers: own profiles hold their last value" "$bad"

	# Shared profiles: audit entries are exactly the successful commands;
	# the row holds the values of the last audited set and bulk-set.
	nbulk=$(awk '$1 == "bulk" && $4 == 0' "$T/all.log" | wc -l)
	bad=
	for ((k = 0; k < NSHARED; k++)); do
		want=$(awk -v t="s$k" '$2 == t && $4 == 0 { print $3 }' "$T/all.log" | sort)
		got=$(q "SELECT substr(detail, instr(detail, '-> ') + 3) FROM audit WHERE id > $BASE AND profile = 's$k' AND action = 'set'" | sort)
		[ "$got" = "$want" ] ||
		    bad+="s$k: audited sets differ from successful sets; "
		want=$(awk '$1 == "bulk" && $4 == 0 { print $3 }' "$T/all.log" | sort)
		got=$(q "SELECT substr(detail, instr(detail, '-> ') + 3) FROM audit WHERE id > $BASE AND profile = 's$k' AND action = 'bulk-set'" | sort)
		[ "$got" = "$want" ] ||
		    bad+="s$k: audited bulk-sets differ from successful bulk-sets; "
		nset=$(awk -v t="s$k" '$2 == t && $4 == 0' "$T/all.log" | wc -l)
		expect_ver=$((1 + nset + nbulk))
		last=$(q "SELECT coalesce((SELECT substr(detail, instr(detail, '-> ') + 3) FROM audit WHERE id > $BASE AND profile = 's$k' AND action = 'set' ORDER BY id DESC LIMIT 1), 'start') || ' ' || coalesce((SELECT substr(detail, instr(detail, '-> ') + 3) FROM audit WHERE id > $BASE AND profile = 's$k' AND action = 'bulk-set' ORDER BY id DESC LIMIT 1), '995')")
		got=$(q "SELECT username || ' ' || port || ' ' || version FROM profiles WHERE name = 's$k'")
		[ "$got" = "$last $expect_ver" ] ||
		    bad+="s$k: database '$got', wanted '$last $expect_ver'; "
	done
	[ -z "$bad" ] && ok "$nw workers: shared profiles: no lost update, every audit entry present" ||
	    not_ok "$nw workers: shared profiles: no lost update" "$bad"

	# Nothing else was audited.
	naudit=$(q "SELECT count(*) FROM audit WHERE id > $BASE")
	want=$(awk -v ns=$NSHARED '$4 == 0 { n += ($1 == "bulk" ? ns : 1) } END { print n + 0 }' "$T/all.log")
	expect_eq "$naudit" "$want" "$nw workers: one audit entry per change, nothing more"
	expect_eq "$(q 'PRAGMA integrity_check')" ok "$nw workers: integrity_check"
}

phase 2
phase 4
finish
