#!/usr/bin/env bash
# tests/integ/cli.sh POPCONN - the real binary against a real database file:
# add / set / show / list --json / bulk-set on a group / rm / import /
# export / history, bad values (exit 2, nothing changed), literal secrets in
# argv refused, and the secret never reaching output or the database file.
# What a command wrote is read back with `popconn show NAME --json` and
# compared exactly, field by field (expect_stored, tests/lib/assert.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export POPCONN_DB=$T/data/pc.db XDG_CONFIG_HOME=$T/config
unset POPCONN_KEY
pc() { "$PC" "$@"; }
SECRET='Zq-9!secret-Passw0rd'

# --- add, show, defaults, presets -----------------------------------------
run pc add home address=pop.example.com username=alice
expect_rc 0 "add a profile"
run pc show home
expect_out 'security +ssl' "new profile defaults to ssl"
expect_out 'port +995' "new profile defaults to port 995"
expect_out 'tls_versions +tls1.2,tls1.3' "default TLS versions"
expect_stored home security '"ssl"' "stored: security ssl"
expect_stored home port 995 "stored: port 995"
expect_stored home tls_versions '"tls1.2,tls1.3"' "stored: TLS versions tls1.2,tls1.3"
expect_stored home username '"alice"' "stored: username alice"
run stat -c %a "$POPCONN_DB"
expect_eq "$OUT" 600 "database file is mode 0600"
run stat -c %a "$XDG_CONFIG_HOME/popconn/key"
expect_eq "$OUT" 600 "key file is mode 0600"
run pc add gm --preset gmail username=bob
expect_rc 0 "add from the gmail preset"
expect_stored gm address '"pop.gmail.com"' "preset filled the address"
expect_stored gm port 995 "preset filled the port"
expect_stored gm username '"bob"' "the preset kept the username given"
run pc add mac --preset icloud
expect_rc 2 "iCloud preset is refused"
expect_err 'does not offer POP3' "the refusal says iCloud has no POP3"
run pc add starttls security=tls address=mail.example.org
expect_stored starttls port 110 "port rule: security=tls on a new profile gives 110"
run pc add typed port=2110 security=ssl address=mail.example.org
expect_stored typed port 2110 "port rule: a typed port is kept"

# --- secrets ---------------------------------------------------------------
run pc set home "password=$SECRET"
expect_rc 2 "literal password in argv is refused"
expect_err 'password=-' "the refusal says how to give it"
expect_no "$SECRET" "the refused secret is not echoed"
run_in "$SECRET" pc set home password=-
expect_rc 0 "password read from standard input"
run pc show home
expect_out 'password +\(set\)' "show says the password is set"
expect_no "$SECRET" "show never prints the password"
expect_stored home password_set true "stored: the password is set"
run pc list --json
expect_no "$SECRET" "list --json never prints the password"
expect_out '"password_set": ?true' "list --json says set"
run pc export
expect_no "$SECRET" "export never prints the password"
if grep -qaF "$SECRET" "$POPCONN_DB" "$POPCONN_DB-wal" 2>/dev/null; then
	not_ok "the database file and WAL do not hold the password"
else
	ok "the database file and WAL do not hold the password"
fi

# --- bad values: exit 2, nothing changed -----------------------------------
before=$(pc show home --json)
run pc set home port=70000
expect_rc 2 "port 70000 refused"
expect_err 'port' "the error names the port field"
run pc set home timeout=0 port=110
expect_rc 2 "timeout 0 refused"
expect_eq "$(pc show home --json)" "$before" "a refused set changes nothing"
run pc set home address='bad host!'
expect_rc 2 "invalid address refused"
expect_err 'address' "the error names the address field"
run pc set home colour=blue
expect_rc 2 "unknown field refused"
expect_err "unknown field 'colour'" "the error names the unknown field"
run pc set nosuch port=110
expect_rc 3 "set on a missing profile: exit 3"
run pc add home address=pop.example.com
expect_rc 2 "duplicate name refused"
run pc add HOME address=pop.example.com
expect_rc 2 "duplicate name refused case-insensitively"
run pc add x
expect_rc 2 "address is required"
expect_err 'address: required' "the error names the missing address"

# --- set -------------------------------------------------------------------
run pc set home port=1995 group=sales
expect_rc 0 "set two fields"
expect_out 'changed.*group.*port' "set reports the changed fields"
expect_stored home port 1995 "set stored port 1995"
expect_stored home group '"sales"' "set stored group sales"

# --- bulk-set on a group ---------------------------------------------------
for i in 1 2 3 4 5; do pc add "s$i" group=sales address=pop$i.example.com >/dev/null; done
run pc bulk-set --group sales timeout=90 --dry-run
expect_rc 0 "bulk-set dry run"
expect_out 'timeout: 30 -> 90' "dry run lists each change"
expect_out 'would make 6 changes' "dry run counts the changes"
expect_stored s1 timeout 30 "dry run changed nothing"
run pc bulk-set --group sales timeout=90 security=tls
expect_rc 0 "bulk-set applies"
bad=
for n in home s1 s2 s3 s4 s5; do
	[ "$(stored "$n" timeout)" = 90 ] || bad+="$n timeout $(stored "$n" timeout); "
	[ "$(stored "$n" security)" = '"tls"' ] || bad+="$n security $(stored "$n" security); "
done
expect_eq "$bad" "" "every member of the group changed (timeout 90, security tls)"
expect_stored s1 port 110 "bulk-set moves a saved profile's default port with security (995 -> 110)"
expect_stored home port 1995 "bulk-set does not move a typed port either"
run pc bulk-set --group sales port=0
expect_rc 2 "bulk-set with an invalid value is refused"
expect_out '^$' "nothing printed on stdout for a refused bulk-set"
expect_stored s2 port 110 "a refused bulk-set changes nothing"
s3_username=$(stored s3 username)
run pc bulk-set s1 s2 username=carol
expect_rc 0 "bulk-set by names"
expect_stored s1 username '"carol"' "bulk-set by names changed s1"
expect_stored s2 username '"carol"' "bulk-set by names changed s2"
expect_stored s3 username "$s3_username" "bulk-set by names left s3 alone"
run pc bulk-set --group sales "password=$SECRET"
expect_rc 2 "bulk-set refuses a literal secret"

# --- list, rm, history -----------------------------------------------------
run pc list --group sales --json
expect_rc 0 "list a group as JSON"
n=$(printf '%s' "$OUT" | grep -c '"name"' || true)
expect_eq "$n" 6 "the group has six members"
run pc rm s5
expect_rc 0 "rm"
run pc rm s5
expect_rc 3 "rm of a missing profile: exit 3"
run pc history home
expect_rc 0 "history"
expect_out 'add' "history records the add"
expect_out 'password' "history records that the password changed"
expect_no "$SECRET" "history never shows the password"
expect_out "$(id -un)" "history records the OS user"

# --- export / import round trip --------------------------------------------
# fields_of: every field of every profile, one line each, as show --json
# reads them back; not the test result, nor whether a secret is set (an
# export without secrets carries none: checked after the sealed export).
fields_of() {
	local n
	for n in $(pc list --json | perl -MJSON::PP -0777 -e \
	    'print "$_->{name}\n" for @{decode_json(scalar <STDIN>)}'); do
		pc show "$n" --json | perl -MJSON::PP -0777 -e '
		    my $o = decode_json(scalar <STDIN>);
		    delete @$o{qw(last_result last_tested password_set proxy_password_set)};
		    print JSON::PP->new->canonical->encode($o), "\n";'
	done
}
# same_fields WHAT: this database's fields_of is the original's.
same_fields() {
	local got
	got=$(fields_of)
	if [ "$got" = "$ORIG" ] && [ -n "$got" ]; then
		ok "$1 ($(wc -l <<<"$got") profiles)"
	else
		not_ok "$1" "$(diff <(printf '%s\n' "$ORIG") <(printf '%s\n' "$got") | head -6)"
	fi
}
ORIG=$(fields_of)
run pc export -o "$T/all.json"
expect_rc 0 "export to a JSON file"
run pc export --format csv -o "$T/all.csv"
expect_rc 0 "export to a CSV file"
export POPCONN_DB=$T/data/copy.db
run pc import "$T/all.json"
expect_rc 0 "import the JSON export into a new database"
expect_stored s3 timeout 90 "imported values match (s3 timeout 90)"
same_fields "the JSON import holds every field of every profile as stored"
export POPCONN_DB=$T/data/copy2.db
run pc import "$T/all.csv"
expect_rc 0 "import the CSV export into a new database"
run pc list
expect_out 's4' "CSV import brought the profiles"
same_fields "the CSV import holds every field of every profile as stored"
# Import rejection: two bad records, both reported by line, nothing changed.
cat >"$T/bad.json" <<'JSON'
[
{"name": "ok1", "address": "pop.example.com"},
{"name": "bad1", "address": "pop.example.com", "port": 99999},
{"name": "ok2", "address": "pop.example.com"},
{"name": "bad2", "address": "", "security": "quantum"}
]
JSON
run pc import "$T/bad.json"
expect_rc 2 "import with bad records is refused"
expect_err 'line 3: bad1: port' "bad record 1 is reported with its line"
expect_err 'line 5: bad2' "bad record 2 is reported with its line"
run pc show ok1
expect_rc 3 "a refused import adds nothing"
printf 'name,address,port\nc1,pop.example.com,110\nc2,pop.example.com,notaport\n' >"$T/bad.csv"
run pc import "$T/bad.csv"
expect_rc 2 "CSV import with a bad record is refused"
expect_err 'line 3: c2: port' "the bad CSV record is reported with its line"
run pc show c1
expect_rc 3 "a refused CSV import adds nothing"

# --- export with secrets ---------------------------------------------------
export POPCONN_DB=$T/data/pc.db
run_in "export-pass-1" pc export --with-secrets -o "$T/sec.json"
expect_rc 0 "export --with-secrets"
if grep -qF "$SECRET" "$T/sec.json"; then not_ok "the secret export holds no clear password"; else ok "the secret export holds no clear password"; fi
grep -q 'password_enc' "$T/sec.json" && ok "the secret export holds the sealed password" || not_ok "the secret export holds the sealed password"
export POPCONN_DB=$T/data/copy3.db XDG_CONFIG_HOME=$T/config3
run_in "wrong-pass" pc import "$T/sec.json"
expect_rc 2 "import with the wrong passphrase is refused"
expect_err 'passphrase' "the refusal names the passphrase"
run_in "export-pass-1" pc import "$T/sec.json"
expect_rc 0 "import with the right passphrase"
run pc show home
expect_out 'password +\(set\)' "the password came across"
expect_stored home password_set true "stored in the copy: the password is set"

# --- usage -----------------------------------------------------------------
run pc frobnicate
expect_rc 2 "unknown command: exit 2"
run pc --version
expect_out '^popconn [0-9]' "--version"
run pc --help
expect_out 'bulk-set' "--help lists the commands"
run env POPCONN_DB= XDG_DATA_HOME=$T/xdg "$PC" list
expect_rc 0 "XDG_DATA_HOME default path works"
[ -f "$T/xdg/popconn/popconn.db" ] && ok "database created under XDG_DATA_HOME" || not_ok "database created under XDG_DATA_HOME"
run pc --db "$T/explicit.db" list
[ -f "$T/explicit.db" ] && ok "--db PATH is used" || not_ok "--db PATH is used"

# --- list columns by display width ------------------------------------------
# A group "Zweigstelle Ü" (two bytes, one column) and a group of wide CJK
# characters must not shift the columns: every ADDRESS starts at the same
# terminal column, and a value too long for its column is cut with an
# ellipsis.
W=$T/width.db
run pc --db "$W" add w1 address=w1.example.com group="Zweigstelle Ü"
run pc --db "$W" add w2 address=w2.example.com group="plain"
run pc --db "$W" add averyveryverylongprofilename-xyz address=w3.example.com \
    group="東京オフィス支店グループ"
run pc --db "$W" list
expect_rc 0 "list with wide and accented group names"
cols=$(perl -CS -Mutf8 -ne 'next unless /^(.*?)w\d\.example\.com/;
	my $p = $1; my $w = 0;
	$w += (/\p{East_Asian_Width=Wide}|\p{East_Asian_Width=Fullwidth}/ ? 2 : 1) for split //, $p;
	print "$w\n"' <<<"$OUT" | sort -u | tr '\n' ' ')
expect_eq "$cols" "40 " "list: every ADDRESS starts at column 40, whatever the group's letters"
expect_out 'averyveryverylongprofil… ' "list: a name longer than its column is cut with an ellipsis"
expect_out '東京オフィス… ' "list: a wide group name is cut by columns, not bytes"

finish
