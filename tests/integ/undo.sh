#!/usr/bin/env bash
# tests/integ/undo.sh POPCONN - undo, history and import you can trust, on
# the real binary and a real database file (no server needed):
# - bulk-set names the ID of its change; history shows it (#ID) on every
#   row the change wrote, and --json gives the same as JSON (jq reads it);
# - undo [ID] [--dry-run]: the dry run lists what it would revert and
#   writes nothing (the whole database dumped before and after); a change
#   that is not the last one is undone by its ID; one whose profiles were
#   changed or removed since is refused with exit 5, each such profile
#   named once, nothing written; a second undo says there is nothing to
#   undo (exit 3); an unknown ID is 3, a word is 2; only the undo records
#   of the last 10 changes are kept;
# - import: an identical file is "unchanged" and writes nothing (no audit
#   row); without --update/--replace a profile that exists and differs is
#   refused (exit 2) with its per-field diff, the secret only as
#   "changed"; --update changes only the fields the record gives,
#   --replace the whole profile (fields not given back to defaults, a
#   secret the file lacks kept); the summary counts added / updated /
#   replaced / unchanged, and the dry run says the same with "would".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export POPCONN_DB=$T/data/pc.db XDG_CONFIG_HOME=$T/config
unset POPCONN_KEY
pc() { "$PC" "$@"; }
SECRET='Undo-Secret-4711'
OTHER='Other-Secret-0815'

# dump: the whole database as SQL (profiles, audit, undo records).
dump() { sqlite3 "$POPCONN_DB" .dump; }
# unchanged_since FILE WHAT: the database is exactly as dumped to FILE.
unchanged_since() {
	if dump | cmp -s "$1" -; then ok "$2"; else not_ok "$2" "$(dump | diff "$1" - | head -6)"; fi
}
# count_in TEXT WORD: how many times WORD occurs in TEXT.
count_in() { grep -oF -- "$2" <<<"$1" | wc -l; }

# --- nothing to undo yet ---------------------------------------------------------
run pc undo
expect_rc 3 "undo with no bulk change: exit 3"
expect_err 'there is no bulk change to undo' "undo with no bulk change says so"

for n in s1 s2 s3; do pc add "$n" address=pop.example.com group=south >/dev/null; done
pc add n1 address=pop.example.com group=north >/dev/null
run_in "$SECRET" pc set s1 password=-
expect_rc 0 "s1 gets a password"

# --- bulk changes carry an ID ------------------------------------------------------
run pc bulk-set --group south timeout=60
expect_rc 0 "bulk change #1"
expect_out '^3 changes \(bulk change #1: popconn undo 1 reverts it\)$' "bulk-set names its ID"
run pc bulk-set --group north port=2110
expect_out 'bulk change #2' "the next bulk change is #2"
run pc history s2
expect_out 'bulk-set s2 +#1 timeout: 30 -> 60' "history shows the bulk change's ID on its row"
run pc history --json
expect_rc 0 "history --json"
if [ -n "$OUT" ] && jq -e 'type == "array" and length > 0' >/dev/null 2>&1 <<<"$OUT"; then ok "history --json is a JSON array"; else not_ok "history --json is a JSON array" "$OUT"; fi
expect_eq "$(jq -c '[.[] | select(.bulk_id == 1) | .profile] | sort' <<<"$OUT")" '["s1","s2","s3"]' "history --json: bulk_id 1 on the three rows of change #1"
expect_eq "$(jq -c '[.[] | select(.action == "bulk-set" and .profile == "n1")][0] | [.bulk_id, .fields, .detail]' <<<"$OUT")" '[2,["port"],"port: 995 -> 2110"]' "history --json: bulk_id, fields as a list, detail"
expect_eq "$(jq -r '[.[] | select(.action == "add")][0].bulk_id' <<<"$OUT")" null "history --json: a row of no bulk change has bulk_id null"
expect_eq "$(jq -r '.[0] | (.id | type) + " " + (.time | type) + " " + .os_user' <<<"$OUT")" "number number $(id -un)" "history --json: id, time, os_user"
expect_no "$SECRET" "history never shows the password"

# --- undo by ID: dry run, refusal, success ----------------------------------------
dump >"$T/before.sql"
run pc undo 1 --dry-run
expect_rc 0 "undo 1 --dry-run"
expect_out '^    timeout: 60 -> 30$' "the dry run lists the field it would revert"
expect_eq "$(grep -c '^s[123]$' <<<"$OUT")" 3 "the dry run names the three profiles"
expect_out '^dry run, nothing written: would undo bulk change #1 \(.*timeout\): 3 profiles to restore$' "the dry run says what it would undo"
unchanged_since "$T/before.sql" "undo --dry-run writes nothing"
pc set s3 timeout=61 >/dev/null
pc rm s2 >/dev/null
dump >"$T/before.sql"
for dry in "" --dry-run; do
	run pc undo 1 $dry
	expect_rc 5 "undo 1 $dry after s2 was removed and s3 changed: exit 5"
	expect_eq "$(count_in "$ERR" "'s2'")" 1 "undo 1 $dry: the removed s2 is named once"
	expect_eq "$(count_in "$ERR" "'s3'")" 1 "undo 1 $dry: the changed s3 is named once"
	expect_err "profile 's3' was changed by $(id -un) at .* \(set\) after it" "undo 1 $dry: says who changed s3 and how"
	expect_err "profile 's2' was removed by" "undo 1 $dry: says s2 was removed"
	expect_err 'nothing was undone' "undo 1 $dry: says nothing was undone"
	expect_eq "$(count_in "$ERR" "'s1'")" 0 "undo 1 $dry: s1, unchanged since, is not named"
done
unchanged_since "$T/before.sql" "a refused undo writes nothing"
expect_stored s1 timeout 60 "a refused undo leaves s1 as the change made it"

# The last change (#2), then nothing: undo never walks further back.
run pc undo
expect_rc 0 "undo (the last bulk change, #2)"
expect_out '^n1$' "undo names the profile it restores"
expect_out '^    port: 2110 -> 995$' "undo shows the field it restores"
expect_out '^undid bulk change #2 .*: 1 profile restored$' "undo says which change it undid"
expect_stored n1 port 995 "undo restored n1's port"
run pc history n1 --limit 1
expect_out 'undo +n1 +#2 port: 2110 -> 995' "history records the undo with the change's ID"
run pc undo
expect_rc 3 "a second undo: exit 3"
expect_err 'the last bulk change \(#2\) was undone already; there is nothing to undo' "a second undo says there is nothing to undo"
expect_eq "$(wc -l <<<"$ERR")" 1 "a second undo: one line on stderr"
run pc undo 2
expect_rc 3 "undo 2 again: exit 3"
expect_err 'bulk change #2 was undone already' "undo 2 again says it was undone"

# A change that is not the last one, by its ID.
run pc bulk-set --group south timeout=70
expect_out 'bulk change #3' "bulk change #3"
run pc bulk-set --group north timeout=71
expect_out 'bulk change #4' "bulk change #4"
run pc undo 3
expect_rc 0 "undo 3 while #4 is the last"
expect_stored s1 timeout 60 "undo 3 restored s1"
expect_stored s3 timeout 61 "undo 3 restored s3"
expect_stored n1 timeout 71 "undo 3 left #4's change alone"
expect_stored s1 password_set true "undo 3 kept s1's password"
run pc undo 99
expect_rc 3 "undo of an ID that never was: exit 3"
expect_err 'there is no bulk change #99' "undo 99 says there is no such change"
run pc undo many
expect_rc 2 "undo of a word: exit 2"

# Only the undo records of the last 10 changes are kept.
for i in $(seq 1 10); do pc bulk-set --group north "timeout=$((80 + i))" >/dev/null; done
run pc undo 4 --dry-run
expect_rc 3 "undo of a change older than the last 10: exit 3"
expect_err 'undo record of bulk change #4 is no longer kept' "it says the record is no longer kept"

# --- import ------------------------------------------------------------------------
run pc export -o "$T/all.json"
expect_rc 0 "export"
dump >"$T/before.sql"
run pc import "$T/all.json"
expect_rc 0 "import of what is stored"
expect_out '^imported: 0 added, 0 updated, 0 replaced, 3 unchanged$' "an identical import is reported as unchanged, not as imported"
unchanged_since "$T/before.sql" "an identical import writes nothing (no audit row either)"
run pc import "$T/all.json" --dry-run
expect_out '^would leave unchanged s1$' "the dry run of an identical record does not say replace"
expect_out '^dry run, nothing written: would be 0 added, 0 updated, 0 replaced, 3 unchanged$' "the dry run counts the same, with would"

# s1 differs (timeout, username, password), s3 is as stored, new1 is new.
s3=$(jq -c '.[] | select(.name == "s3")' "$T/all.json")
cat >"$T/mixed.json" <<JSON
[
{"name": "s1", "timeout": 45, "username": "carol", "password": "$OTHER"},
$s3,
{"name": "new1", "address": "pop.new.example.com"}
]
JSON
for dry in "" --dry-run; do
	run pc import "$T/mixed.json" $dry
	expect_rc 2 "import $dry of a file that changes s1, without --update: exit 2"
	expect_err "^popconn: line 2: profile 's1' exists and differs: timeout: 60 -> 45; username: \(empty\) -> carol; password: changed$" "import $dry: s1 refused with its per-field diff (the password only as changed)"
	expect_eq "$(count_in "$ERR" "'s3'")" 0 "import $dry: the identical s3 is not refused"
	expect_err 'nothing imported: 1 profile exists and differs \(--update' "import $dry: says nothing was imported and how to go on"
	expect_no "$OTHER" "import $dry: the new password is never shown"
	expect_no "$SECRET" "import $dry: the stored password is never shown"
done
unchanged_since "$T/before.sql" "a refused import writes nothing (new1 not added either)"
run pc import "$T/mixed.json" --update --dry-run
expect_rc 0 "import --update --dry-run"
expect_out '^would update s1: timeout: 60 -> 45; username: \(empty\) -> carol; password: changed$' "the dry run says it would update s1, with the diff"
expect_out '^would add new1$' "the dry run says it would add new1"
expect_out '^would leave unchanged s3$' "the dry run says s3 stays unchanged"
expect_out '^dry run, nothing written: would be 1 added, 1 updated, 0 replaced, 1 unchanged$' "the dry run's summary"
unchanged_since "$T/before.sql" "import --update --dry-run writes nothing"
run pc import "$T/mixed.json" --update
expect_rc 0 "import --update"
expect_out '^imported: 1 added, 1 updated, 0 replaced, 1 unchanged$' "the summary counts added, updated, unchanged"
expect_stored s1 timeout 45 "--update set the timeout the file gives"
expect_stored s1 username '"carol"' "--update set the username the file gives"
expect_stored s1 group '"south"' "--update kept the group the file does not give"
expect_stored new1 address '"pop.new.example.com"' "--update added new1"
run pc history s1 --limit 1
expect_out 'import +s1 +timeout: 60 -> 45; username: \(empty\) -> carol; password: changed' "the audit log records the update"
expect_no "$OTHER" "the audit log never shows the password"

# --replace: fields the record does not give return to their defaults.
printf '[{"name": "s1", "address": "pop.replaced.example.com"}]\n' >"$T/replace.json"
run pc import "$T/replace.json" --replace --dry-run
expect_out '^would replace s1: group: south -> \(empty\); timeout: 45 -> 30; address: pop.example.com -> pop.replaced.example.com; username: carol -> \(empty\)$' "the dry run of --replace lists every field that returns to its default"
run pc import "$T/replace.json" --replace
expect_rc 0 "import --replace"
expect_out '^imported: 0 added, 0 updated, 1 replaced, 0 unchanged$' "the summary counts the replaced profile"
expect_stored s1 timeout 30 "--replace: the timeout is back to its default"
expect_stored s1 group '""' "--replace: no group"
expect_stored s1 username '""' "--replace: no username"
expect_stored s1 password_set true "--replace: a password the file lacks is kept"
run pc import "$T/replace.json" --replace
expect_out '^imported: 0 added, 0 updated, 0 replaced, 1 unchanged$' "the same --replace again: unchanged"
run pc import "$T/replace.json" --replace --update
expect_rc 2 "--replace with --update: exit 2"

finish
