#!/usr/bin/env bash
# tests/integ/features.sh POPCONN PC_HOSTILE - the CLI features that had no
# test of their own, against the real binary, real Dovecot and tinyproxy
# (tests/integ/servers.sh) and a real terminal (tmux):
#   presets, fields, codepages; history --limit; import --dry-run (nothing
#   written, says what it would do); export --group; export --with-secrets
#   and import of JSON and CSV (the secrets survive exactly: a real logon
#   through an authenticating proxy passes with the imported profile, and a
#   copy without them fails); the echo-off prompts on a terminal (password,
#   export passphrase); POPCONN_KEY; the OAuth2 token command's failures
#   (exits non-zero, prints nothing, times out: token_failed, exit 1,
#   nothing sent to the server, nothing it printed in the output); exit
#   status 5 for a conflict and 3 for a group or history name with no
#   profile.
# No secret is ever printed: every comparison is by a logon or by grep -F.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
PC=$(realpath "$1")
HOSTILE=$(realpath "$2")
[ "$(id -u)" = 0 ] || { echo "needs root (Dovecot)"; exit 77; }
command -v tmux >/dev/null || { echo "needs tmux"; exit 77; }
T=$(mktemp -d)
chmod 755 "$T"
HPIDS=()
TMUX_SOCK=pcfeat$$
tx() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
cleanup() {
	for p in "${HPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	tx kill-server 2>/dev/null || true
	"$here/servers.sh" stop "$T/srv" >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/srv"
POPCONN_SERVERS_ONLY="dovecot-group tinyproxy" \
	"$here/servers.sh" start "$T/srv" >/dev/null
eval "$("$here/servers.sh" env "$T/srv")"
export POPCONN_DB=$T/pc.db XDG_CONFIG_HOME=$T/config
unset POPCONN_KEY
pc() { "$PC" "$@"; }
# diag: the diagnosis key of a test --json in $OUT.
diag() { sed -n 's/^  "diagnosis": "\(.*\)",$/\1/p' <<<"$OUT"; }
# no_secret WHAT S...: none of the strings is in $OUT or $ERR.
no_secret() {
	local what=$1 s bad=0
	shift
	for s in "$@"; do
		[ -n "$s" ] || continue
		if grep -qF -- "$s" <<<"$OUT$ERR"; then bad=1; fi
	done
	if [ $bad = 0 ]; then ok "$what"; else not_ok "$what" "a secret is in the output"; fi
}
# alive PID: the process exists and is not a zombie.
alive() {
	local st
	st=$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null || true)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
# until_true SECONDS CMD...: poll CMD every 50 ms until it succeeds.
until_true() {
	local n=$(($1 * 20)) i
	shift
	for ((i = 0; i < n; i++)); do
		if "$@"; then return 0; fi
		sleep 0.05
	done
	return 1
}

# --- presets -------------------------------------------------------------------
run pc presets
expect_rc 0 "presets"
expect_out '^office365 +Office 365 +outlook\.office365\.com +995 ssl +xoauth2' \
	"presets: Office 365 is outlook.office365.com 995 ssl xoauth2"
expect_out '^gmail +Gmail +pop\.gmail\.com +995 ssl' "presets: Gmail is pop.gmail.com 995 ssl"
expect_out '^icloud .*\(no POP3\)' "presets: iCloud says it has no POP3"
for k in outlook yahoo aol gmx webde zoho yandex fastmail mailru; do
	expect_out "^$k " "presets: $k is listed"
done
# Presets are data: one line per row of data/presets.tsv, each as the row
# says, and add --preset fills address, port and security from it.
TSV=$here/../../data/presets.tsv
rows=$(grep -cv '^#' "$TSV")
expect_eq "$(($(wc -l <<<"$OUT") - 1))" "$rows" "presets: one line per row of data/presets.tsv"
LIST=$OUT
while IFS=$'\t' read -r key label addr port sec auth _; do
	case $key in '#'* | icloud) continue ;; esac
	if grep -qE "^$key +$label +$addr +$port $sec +$auth" <<<"$LIST"; then
		ok "presets: $key is listed as $addr $port $sec $auth"
	else
		not_ok "presets: $key is listed as $addr $port $sec $auth" "$(grep "^$key " <<<"$LIST")"
	fi
	# (An xoauth2 preset needs a token command to be valid.)
	pc add "p-$key" --preset "$key" oauth_token_cmd=true >/dev/null
	got=$(pc show "p-$key" --json | tr -d ' \n')
	case $got in
	*"\"address\":\"$addr\""*"\"port\":$port,"*"\"security\":\"$sec\""*) ok "presets: add --preset $key fills $addr $port $sec" ;;
	*) not_ok "presets: add --preset $key fills $addr $port $sec" "$got" ;;
	esac
	pc rm "p-$key" >/dev/null
done <"$TSV"
run pc presets extra
expect_rc 2 "presets takes no argument"

# --- fields --------------------------------------------------------------------
run pc fields
expect_rc 0 "fields"
for k in name group timeout codepage address port username password security \
	tls_versions tls_verify tls_pin tls_ca_file auth oauth_token_cmd \
	allow_plaintext proxy_type proxy_address proxy_port proxy_auth \
	proxy_domain proxy_username proxy_password; do
	expect_out "^$k " "fields: $k is listed"
done
expect_out '^security .*\[none ssl tls\]' "fields: security lists its choices"
expect_out '^password .*secret: give password=-' "fields: password says how a secret is given"
expect_out '^proxy_password .*secret: give proxy_password=-' "fields: proxy_password too"
# Every field it lists is a field set/show know (and nothing else).
pc add f-probe address=pop.example.com >/dev/null
keys=$(cut -d' ' -f1 <<<"$OUT" | sort)
shown=$(pc show f-probe --json | sed -n 's/^  "\([a-z_]*\)": .*/\1/p' | sed 's/_set$//' |
	grep -vx 'last_result\|last_tested' | sort)
expect_eq "$keys" "$shown" "fields: the same keys as show --json"
pc rm f-probe >/dev/null
run pc fields extra
expect_rc 2 "fields takes no argument"

# --- codepages -----------------------------------------------------------------
run pc codepages
expect_rc 0 "codepages"
for n in 65001 1252 28591 20127 932 936 949 950 1250 1251 1253 1254 1255 1256 1257 1258 866 20866; do
	expect_out "^ *$n " "codepages: $n is listed"
done
# Every code page listed is accepted, by number and by name.
pc add cp address=pop.example.com >/dev/null
bad=""
while read -r num name _; do
	pc set cp codepage="$num" >/dev/null 2>&1 || bad="$bad $num"
	pc show cp --json | grep -q "\"codepage\": $num," || bad="$bad $num(shown)"
	pc set cp codepage="$name" >/dev/null 2>&1 || bad="$bad $name"
done <<<"$OUT"
expect_eq "$bad" "" "codepages: every listed code page is accepted by number and by name"
run pc set cp codepage=12345
expect_rc 2 "codepages: an unlisted code page is refused"
expect_err 'codepage' "codepages: the refusal names the field"
run pc codepages extra
expect_rc 2 "codepages takes no argument"

# --- history --limit -------------------------------------------------------------
pc add h address=pop.example.com >/dev/null
for v in 31 32 33 34 35; do pc set h timeout=$v >/dev/null; done
run pc history h
expect_eq "$(wc -l <<<"$OUT")" 6 "history: add and five sets"
run pc history h --limit 2
expect_rc 0 "history --limit 2"
expect_eq "$(wc -l <<<"$OUT")" 2 "history --limit 2: two lines"
expect_out '35' "history --limit 2: the newest change first"
if grep -q ' add ' <<<"$OUT"; then not_ok "history --limit 2: not the oldest entry"; else ok "history --limit 2: not the oldest entry"; fi
run pc history --limit 3
expect_eq "$(wc -l <<<"$OUT")" 3 "history --limit 3 over every profile: three lines"
run pc history h --limit 0
expect_rc 2 "history --limit 0 is refused"
expect_err 'limit' "the refusal names --limit"
run pc history h --limit many
expect_rc 2 "history --limit with a word is refused"

# --- exit statuses: not found, conflict -------------------------------------------
run pc list --group nosuch
expect_rc 3 "list --group with no profile: exit 3"
expect_eq "$ERR" "popconn: group 'nosuch' has no profiles" "list --group: one clear line"
run pc history nosuch
expect_rc 3 "history of a name that never was: exit 3"
expect_eq "$(wc -l <<<"$ERR")" 1 "history nosuch: one line on stderr"
expect_err "nosuch" "history nosuch: the line names it"
run pc export --group nosuch
expect_rc 3 "export --group with no profile: exit 3"
run pc test --group nosuch
expect_rc 3 "test --group with no profile: exit 3 (as before)"
for i in 1 2 3 4; do pc add "south$i" group=south address=pop$i.example.com >/dev/null; done
run pc bulk-set --group south port=70000
expect_rc 2 "bulk-set port=70000: refused"
for i in 1 2 3 4; do expect_err "profile 'south$i': port" "bulk-set port=70000: south$i is named with the field"; done
expect_err 'nothing changed \(4 profiles would be invalid\)' "bulk-set port=70000: all four counted"

# A conflict: set reads its secret from standard input after it read the
# profile; someone else saves the profile meanwhile.  It must exit 5 (not
# 4, a database error) and write nothing.
pc add cf address=pop.example.com username=first >/dev/null
mkfifo "$T/fifo"
exec 7<>"$T/fifo"
"$PC" set cf username=mine password=- <"$T/fifo" >"$T/cf.out" 2>"$T/cf.err" &
cfpid=$!
# Blocked reading descriptor 0 (read(2) is syscall 0 on x86-64).
reading() { [ "$(cut -d' ' -f1,2 "/proc/$cfpid/syscall" 2>/dev/null)" = "0 0x0" ]; }
if until_true 30 reading; then ok "conflict: set waits for its secret"; else not_ok "conflict: set waits for its secret" "$(cat "/proc/$cfpid/syscall" 2>&1)"; fi
run pc set cf username=theirs
expect_rc 0 "conflict: another set saves first"
printf 'conflict-Secret-9\n' >&7
set +e
wait "$cfpid"
cfrc=$?
set -e
exec 7>&-
expect_eq "$cfrc" 5 "conflict: exit 5"
OUT=$(cat "$T/cf.out") ERR=$(cat "$T/cf.err")
expect_eq "$(wc -l <<<"$ERR")" 1 "conflict: one line on stderr"
expect_err "profile 'cf' was changed by .*nothing was saved" "conflict: the line says who changed it and that nothing was saved"
no_secret "conflict: the secret is not in the output" conflict-Secret-9
run pc show cf --json
expect_out '"username": "theirs"' "conflict: the other change stands"
expect_out '"password_set": false' "conflict: nothing of ours was written"

# --- import --dry-run ------------------------------------------------------------------
pc add dr address=pop.example.com timeout=10 >/dev/null
cat >"$T/dry.json" <<'JSON'
[
{"name": "dr", "address": "pop.example.com", "timeout": 20},
{"name": "dr-new", "address": "pop.new.example.com"}
]
JSON
sqlite3 "$POPCONN_DB" .dump >"$T/before.sql"
run pc import "$T/dry.json" --dry-run
expect_rc 2 "import --dry-run without --update: dr exists and differs"
expect_err "line 2: profile 'dr' exists and differs: timeout: 10 -> 20" "import --dry-run: names dr with its diff"
run pc import "$T/dry.json" --dry-run --update
expect_rc 0 "import --dry-run --update"
expect_out '^would update dr: timeout: 10 -> 20$' "import --dry-run --update: says it would update dr"
expect_out '^would add dr-new$' "import --dry-run: says it would add dr-new"
expect_out '^dry run, nothing written: would be 1 added, 1 updated, 0 replaced, 0 unchanged$' "import --dry-run: counts them"
sqlite3 "$POPCONN_DB" .dump >"$T/after.sql"
if cmp -s "$T/before.sql" "$T/after.sql"; then ok "import --dry-run: the database is unchanged (profiles, audit, everything)"; else not_ok "import --dry-run: the database is unchanged" "$(diff "$T/before.sql" "$T/after.sql" | head -5)"; fi
run pc show dr-new
expect_rc 3 "import --dry-run: dr-new was not added"
printf 'name,address,port\nc-ok,pop.example.com,110\nc-bad,pop.example.com,0\n' >"$T/dry-bad.csv"
run pc import "$T/dry-bad.csv" --dry-run
expect_rc 2 "import --dry-run still validates: a bad record is refused"
expect_err 'line 3: c-bad: port' "import --dry-run: the bad record's line"
run pc import "$T/dry.json" --update
expect_rc 0 "the same import for real"
run pc show dr-new
expect_rc 0 "the real import added dr-new"

# --- export --group --------------------------------------------------------------------
pc add ga1 group=alpha address=pop.example.com >/dev/null
pc add ga2 group=alpha address=pop.example.com >/dev/null
pc add gb1 group=beta address=pop.example.com >/dev/null
run pc export --group alpha
expect_rc 0 "export --group alpha"
expect_eq "$(grep -o '^{"name":"[^"]*"' <<<"$OUT" | cut -d'"' -f4 | tr '\n' ' ')" "ga1 ga2 " \
	"export --group alpha (JSON): exactly its two members"
run pc export --group beta --format csv
expect_rc 0 "export --group beta --format csv"
expect_eq "$(wc -l <<<"$OUT")" 2 "export --group beta (CSV): a header and one row"
expect_out '^"gb1","beta",' "export --group beta (CSV): the row is gb1"

# --- export --with-secrets, import: JSON and CSV, checked by a real logon -----------------
# The profile logs on to Dovecot through tinyproxy with Basic credentials:
# the logon passes only with both the password and the proxy password.
pc add sec group=sec address=localhost port="$POP3S_GROUP_PORT" security=ssl \
	"tls_ca_file=$POPCONN_TEST_CA" "username=$TEST_USER" auth=plain \
	proxy_type=http proxy_address=127.0.0.1 proxy_port="$HTTP_AUTH_PORT" \
	proxy_auth=yes "proxy_username=$PROXY_USER" >/dev/null
printf '%s\n' "$TEST_PASS" | pc set sec password=- >/dev/null
printf '%s\n' "$PROXY_PASS" | pc set sec proxy_password=- >/dev/null
run timeout 60 "$PC" test sec --json
expect_eq "$(diag)" ok "secrets: the source profile logs on through the proxy"
PASSPH='Export-Pass-phrase-4'
for fmt in json csv; do
	run_in "$PASSPH" pc export --group sec --with-secrets --format "$fmt" -o "$T/sec.$fmt"
	expect_rc 0 "secrets ($fmt): export --with-secrets"
	no_secret "secrets ($fmt): export prints no secret" "$TEST_PASS" "$PROXY_PASS" "$PASSPH"
	if grep -qF -e "$TEST_PASS" -e "$PROXY_PASS" -e "$PASSPH" "$T/sec.$fmt"; then
		not_ok "secrets ($fmt): the file holds no secret in clear"
	else
		ok "secrets ($fmt): the file holds no secret in clear"
	fi
	grep -q 'password_enc' "$T/sec.$fmt" && ok "secrets ($fmt): the file holds the sealed secrets" ||
		not_ok "secrets ($fmt): the file holds the sealed secrets"
	# Another database with another key.
	run_in "not-$PASSPH" env POPCONN_DB="$T/imp-$fmt.db" XDG_CONFIG_HOME="$T/cfg-$fmt" "$PC" import "$T/sec.$fmt"
	expect_rc 2 "secrets ($fmt): import with a wrong passphrase is refused"
	expect_err 'passphrase' "secrets ($fmt): the refusal names the passphrase"
	run env POPCONN_DB="$T/imp-$fmt.db" XDG_CONFIG_HOME="$T/cfg-$fmt" "$PC" list
	expect_eq "$OUT" "" "secrets ($fmt): the refused import added nothing"
	run_in "$PASSPH" env POPCONN_DB="$T/imp-$fmt.db" XDG_CONFIG_HOME="$T/cfg-$fmt" "$PC" import "$T/sec.$fmt"
	expect_rc 0 "secrets ($fmt): import asks the passphrase back"
	no_secret "secrets ($fmt): import prints no secret" "$TEST_PASS" "$PROXY_PASS" "$PASSPH"
	run timeout 60 env POPCONN_DB="$T/imp-$fmt.db" XDG_CONFIG_HOME="$T/cfg-$fmt" "$PC" test sec --json
	expect_eq "$(diag)" ok "secrets ($fmt): the imported profile logs on through the proxy (both secrets exact)"
	no_secret "secrets ($fmt): the logon prints no secret" "$TEST_PASS" "$PROXY_PASS"
	if grep -qaF -e "$TEST_PASS" -e "$PROXY_PASS" "$T/imp-$fmt.db" "$T/imp-$fmt.db-wal" 2>/dev/null; then
		not_ok "secrets ($fmt): the new database holds no secret in clear"
	else
		ok "secrets ($fmt): the new database holds no secret in clear"
	fi
done
# The control: the same export without secrets gives a profile that cannot
# log on, so the logons above depend on the imported secrets.
pc export --group sec --format csv -o "$T/nosec.csv" 2>/dev/null
env POPCONN_DB="$T/nosec.db" XDG_CONFIG_HOME="$T/cfg-nosec" "$PC" import "$T/nosec.csv" >/dev/null
run timeout 60 env POPCONN_DB="$T/nosec.db" XDG_CONFIG_HOME="$T/cfg-nosec" "$PC" test sec --json
expect_rc 1 "secrets (control): without the secrets the logon fails"
expect_eq "$(diag)" proxy_auth_failed "secrets (control): the proxy refuses it"

# --- POPCONN_KEY ---------------------------------------------------------------------
# The key file: --key, else $POPCONN_KEY, else $XDG_CONFIG_HOME/popconn/key.
K=$T/keys/sub/k1
run env POPCONN_KEY="$K" POPCONN_DB="$T/k.db" XDG_CONFIG_HOME="$T/cfg-k" "$PC" add k \
	address=localhost port="$POP3S_GROUP_PORT" "tls_ca_file=$POPCONN_TEST_CA" "username=$TEST_USER"
expect_rc 0 "POPCONN_KEY: add"
run_in "$TEST_PASS" env POPCONN_KEY="$K" POPCONN_DB="$T/k.db" XDG_CONFIG_HOME="$T/cfg-k" "$PC" set k password=-
expect_rc 0 "POPCONN_KEY: set a password"
[ -f "$K" ] && ok "POPCONN_KEY: the key file is made there (folders too)" || not_ok "POPCONN_KEY: the key file is made there (folders too)"
expect_eq "$(stat -c %a "$K" 2>/dev/null)" 600 "POPCONN_KEY: the key file is mode 0600"
[ ! -e "$T/cfg-k/popconn/key" ] && ok "POPCONN_KEY: no key file at the XDG path" || not_ok "POPCONN_KEY: no key file at the XDG path"
run timeout 60 env POPCONN_KEY="$K" POPCONN_DB="$T/k.db" XDG_CONFIG_HOME="$T/cfg-k" "$PC" test k --json
expect_eq "$(diag)" ok "POPCONN_KEY: the password sealed under it opens (real logon)"
run env POPCONN_DB="$T/k.db" XDG_CONFIG_HOME="$T/cfg-k" "$PC" list
expect_rc 4 "POPCONN_KEY unset: the XDG key path has no key for this database"
[ ! -e "$T/cfg-k/popconn/key" ] && ok "POPCONN_KEY unset: no new key file made for a database with secrets" ||
	not_ok "POPCONN_KEY unset: no new key file made for a database with secrets"
run env POPCONN_KEY="$T/nope" POPCONN_DB="$T/k.db" "$PC" --key "$K" list
expect_rc 0 "--key wins over POPCONN_KEY"
run env POPCONN_KEY= POPCONN_DB="$T/k.db" XDG_CONFIG_HOME="$T/cfg-k2" "$PC" list
expect_rc 4 "an empty POPCONN_KEY falls back to the XDG path"
cp "$K" "$T/k-copy"
run env POPCONN_KEY="$T/k-copy" POPCONN_DB="$T/k.db" "$PC" list
expect_rc 0 "POPCONN_KEY: a copy of the key opens the database"

# --- the OAuth2 token command's failures ------------------------------------------------
# pc_hostile logs every line a client sends; xoauth2_ok accepts any token.
rm -f "$T/hport"
"$HOSTILE" --mode xoauth2_ok --portfile "$T/hport" --log "$T/hostile.log" --max-time 20 >/dev/null &
HPIDS+=($!)
until_true 10 test -s "$T/hport" || true
HPORT=$(cat "$T/hport")
# tok NAME CMD WHAT MESSAGE: a profile with that token command; the test
# fails with token_failed, exit 1, MESSAGE, nothing sent.
tok() {
	local name=$1 cmd=$2 what=$3 msg=$4 before
	pc add "$name" address=127.0.0.1 port="$HPORT" security=none allow_plaintext=yes \
		timeout=2 username=victim auth=xoauth2 "oauth_token_cmd=$cmd" >/dev/null
	before=$(grep -c '# accept' "$T/hostile.log" 2>/dev/null || true)
	run timeout 30 "$PC" test "$name" --json
	expect_rc 1 "token $what: exit 1"
	expect_eq "$(diag)" token_failed "token $what: diagnosis token_failed"
	expect_out "$msg" "token $what: the message says why"
	expect_out '"failed_step": "token"' "token $what: the failed step is token"
	expect_eq "$(grep -c '# accept' "$T/hostile.log" 2>/dev/null || true)" "$before" \
		"token $what: no connection to the server"
	no_secret "token $what: nothing it printed is in the output" TOKLEAK-OUT TOKLEAK-ERR
	run timeout 30 "$PC" test "$name"
	expect_rc 1 "token $what: exit 1 (text)"
	no_secret "token $what: nothing it printed is in the text output" TOKLEAK-OUT TOKLEAK-ERR
}
tok tk-exit "printf TOKLEAK-OUT-1; printf TOKLEAK-ERR-2 >&2; exit 3" "exits 3" \
	'exit status 3 .it wrote 13 bytes to standard output'
tok tk-empty "printf TOKLEAK-ERR-3 >&2; true" "prints nothing" 'printed nothing'
tok tk-slow "printf TOKLEAK-OUT-4; sleep 60 & echo \$! >$T/tk.pid; wait" "times out" \
	'did not finish within 2 s: it was ended with its process group'
gpid=$(cat "$T/tk.pid")
if until_true 10 eval '! alive '"$gpid"; then ok "token times out: what the command started is ended too"; else not_ok "token times out: what the command started is ended too" "pid $gpid alive"; fi
# The control: a command that prints a token logs on to the same server.
pc add tk-ok address=127.0.0.1 port="$HPORT" security=none allow_plaintext=yes \
	timeout=5 username=victim auth=xoauth2 "oauth_token_cmd=printf TOKLEAK-OUT-5" >/dev/null
run timeout 30 "$PC" test tk-ok --json
expect_eq "$(diag)" ok "token (control): a command that prints a token logs on"
grep -q 'C: AUTH XOAUTH2' "$T/hostile.log" && ok "token (control): the server saw AUTH XOAUTH2" ||
	not_ok "token (control): the server saw AUTH XOAUTH2"
no_secret "token (control): the token is not in the output" TOKLEAK-OUT-5

# --- echo-off prompts on a terminal ---------------------------------------------------------
# popconn in tmux: the typed secret never shows on the screen, and it was
# stored exactly (a real logon passes).
tx new-session -d -s _keep -x 100 -y 30 "exec sleep 3600" \; set-option -g status off
# term NAME CMD...: run CMD in a new 100x30 window; "[exit N]" when done.
term() {
	local name=$1
	shift
	tx new-session -d -s "$name" -x 100 -y 30 \
		-e "POPCONN_DB=$POPCONN_DB" -e "XDG_CONFIG_HOME=$XDG_CONFIG_HOME" -e LANG=C.UTF-8 \
		"$(printf '%q ' "$@"); echo \"[exit \$?]\"; exec sleep 3600"
}
screen() { tx capture-pane -p -S -100 -t "$1"; }
on_screen() { screen "$1" | grep -qE -- "$2"; }
wait_screen() { until_true "${3:-20}" on_screen "$1" "$2"; }
expect_screen() { if wait_screen "$1" "$2"; then ok "$3"; else not_ok "$3" "screen lacks /$2/: $(screen "$1" | grep -v '^$' | tail -5)"; fi; }
secret_hidden() {
	if screen "$1" | grep -qF -- "$2"; then not_ok "$3"; else ok "$3"; fi
}

pc add tty address=localhost port="$POP3S_GROUP_PORT" "tls_ca_file=$POPCONN_TEST_CA" "username=$TEST_USER" group=tty >/dev/null
term pw "$PC" set tty password=-
expect_screen pw '^password:' "prompt: set password=- on a terminal asks 'password:'"
tx send-keys -t pw -l -- "$TEST_PASS"
tx send-keys -t pw Enter
expect_screen pw '\[exit 0\]' "prompt: the password is taken"
secret_hidden pw "$TEST_PASS" "prompt: the typed password is not on the screen"
run timeout 60 "$PC" test tty --json
expect_eq "$(diag)" ok "prompt: the typed password was stored exactly (real logon)"

TTYPASS='Tty-Export-Phrase-7'
term ex "$PC" export --group tty --with-secrets -o "$T/tty.json"
expect_screen ex '^export passphrase:' "prompt: export --with-secrets asks for a passphrase"
tx send-keys -t ex -l -- "$TTYPASS"
tx send-keys -t ex Enter
expect_screen ex 'repeat the passphrase:' "prompt: and asks for it again"
tx send-keys -t ex -l -- "$TTYPASS"
tx send-keys -t ex Enter
expect_screen ex '\[exit 0\]' "prompt: the export is written"
secret_hidden ex "$TTYPASS" "prompt: the typed passphrase is not on the screen"
term ex2 "$PC" export --group tty --with-secrets -o "$T/tty2.json"
wait_screen ex2 '^export passphrase:' || true
tx send-keys -t ex2 -l -- "$TTYPASS"
tx send-keys -t ex2 Enter
wait_screen ex2 'repeat the passphrase:' || true
tx send-keys -t ex2 -l -- "other-$TTYPASS"
tx send-keys -t ex2 Enter
expect_screen ex2 '\[exit 2\]' "prompt: two different passphrases are refused (exit 2)"
expect_screen ex2 'the passphrases differ' "prompt: the refusal says why"
[ ! -e "$T/tty2.json" ] && ok "prompt: nothing exported after the refusal" || not_ok "prompt: nothing exported after the refusal"
term im env POPCONN_DB="$T/tty-imp.db" XDG_CONFIG_HOME="$T/cfg-tty" "$PC" import "$T/tty.json"
expect_screen im '^export passphrase:' "prompt: import asks for the passphrase back"
tx send-keys -t im -l -- "$TTYPASS"
tx send-keys -t im Enter
expect_screen im '\[exit 0\]' "prompt: the import is done"
secret_hidden im "$TTYPASS" "prompt: the passphrase is not on the import's screen"
run timeout 60 env POPCONN_DB="$T/tty-imp.db" XDG_CONFIG_HOME="$T/cfg-tty" "$PC" test tty --json
expect_eq "$(diag)" ok "prompt: the imported password is exact (real logon)"

finish
