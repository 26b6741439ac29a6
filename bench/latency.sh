#!/usr/bin/env bash
# bench/latency.sh - a test logon against the limit set by latency.  The test
# Dovecot sits behind a relay that holds every chunk DELAY_MS (default 25 ms)
# in each direction; the script measures a test logon (logon + STAT + QUIT)
# with implicit TLS and with STLS, auth auto and auth plain, for popconn and
# for curl, and prints each beside the protocol minimum:
#
#   wall ms   median process wall time of RUNS runs (default 9)
#   direct    the same, straight to Dovecot (no relay): start-up and CPU
#   ~RTT      (wall - direct) / (2 * DELAY_MS): the latency part only
#   RTT       round trips counted exactly from the relay's chunk log of one
#             extra run: every client flight the server answers is one; a
#             server flight nobody asked for (the greeting of a plain
#             connection) is a half
#   min       the fewest round trips the protocol allows for that case
#
# The relay does not delay the TCP handshake to itself, so a real link adds
# one RTT (TCP) to every figure.  A benchmark, not a test: nothing asserts a
# time.  Run as root (it starts the test servers).  POPCONN=path picks the
# binary (default build/popconn); POPCONN_BASELINE=path adds rows for a
# second popconn binary (an older build, say).  KEEP_LOGS=dir keeps the
# chunk logs.
set -euo pipefail
RUNS=${RUNS:-9}
DELAY=${DELAY_MS:-25}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PC=${POPCONN:-$root/build/popconn}
BASE=${POPCONN_BASELINE:-}
[ -x "$PC" ] || { echo "build popconn first (cmake --build build)" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 2; }
W=$(mktemp -d)
chmod 755 "$W"
relay_pid=
cleanup()
{
	[ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null
	"$root/tests/integ/servers.sh" stop "$W/srv" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
mkdir "$W/srv" "$W/log"
POPCONN_SERVERS_ONLY="dovecot-main" "$root/tests/integ/servers.sh" start "$W/srv" >/dev/null
eval "$("$root/tests/integ/servers.sh" env "$W/srv")"
export POPCONN_DB=$W/pc.db XDG_CONFIG_HOME=$W/config

# The counting relay: the same delay discipline as the relay of servers.sh
# (chunks held DELAY ms each way, order kept, no serialisation), plus one log
# file per connection with a line per chunk as the relay received it.
cat >"$W/relay.pl" <<'EOF'
use strict;
use warnings;
use IO::Socket::IP;
use IO::Select;
use Time::HiRes qw(time);

my ($ms, $logdir, $portfile, @targets) = @ARGV;
my $delay = $ms / 1000;
$SIG{CHLD} = 'IGNORE';
my (%target, @ls, @ports);
for my $t (@targets) {
    my $l = IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 0,
        Listen => 16, ReuseAddr => 1) or die "relay: listen: $@\n";
    $target{$l} = $t;
    push @ls, $l;
    push @ports, $l->sockport;
}
open my $pf, '>', "$portfile.tmp" or die;
print $pf "@ports\n";
close $pf;
rename "$portfile.tmp", $portfile;
my $acc = IO::Select->new(@ls);
my $n = 0;
while (1) {
    for my $l ($acc->can_read()) {
        my $c = $l->accept() or next;
        $n++;
        my $pid = fork();
        if (!defined $pid || $pid) { close $c; next; }
        my ($lport, $tport) = ($l->sockport, $target{$l});
        close $_ for @ls;
        alarm 120;
        my $u = IO::Socket::IP->new(PeerHost => '127.0.0.1',
            PeerPort => $tport) or exit 1;
        open my $lf, '>', sprintf('%s/conn-%d-%05d.log', $logdir,
            $lport, $n) or exit 1;
        $lf->autoflush(1);
        my $t0 = time;
        my %peer = ($c => $u, $u => $c);
        my %due = ($c => [], $u => []);
        my %done;
        my $sel = IO::Select->new($c, $u);
        while (1) {
            my $now = time;
            my $wake;
            for my $dst ($c, $u) {
                my $q = $due{$dst};
                while (@$q && $q->[0][0] <= $now) {
                    my $chunk = (shift @$q)->[1];
                    if (!defined $chunk) {
                        shutdown($dst, 1);
                        $done{$dst} = 1;
                        next;
                    }
                    defined syswrite($dst, $chunk) or exit 0;
                }
                $wake = $q->[0][0]
                    if @$q && (!defined $wake || $q->[0][0] < $wake);
            }
            last if $done{$c} && $done{$u};
            last if !$sel->count && !defined $wake;
            my $wait = defined $wake ? $wake - time : undef;
            $wait = 0 if defined $wait && $wait < 0;
            for my $s ($sel->can_read($wait)) {
                my $r = sysread($s, my $buf, 65536);
                my $dst = $peer{$s};
                if (!$r) {
                    $sel->remove($s);
                    push @{ $due{$dst} }, [time + $delay, undef];
                    next;
                }
                printf $lf "%9.1f %s %6d\n", (time - $t0) * 1000,
                    $s == $c ? 'C' : 'S', $r;
                push @{ $due{$dst} }, [time + $delay, $buf];
            }
        }
        exit 0;
    }
}
EOF
perl "$W/relay.pl" "$DELAY" "$W/log" "$W/ports" "$POP3S_PORT" "$POP3_PLAIN_PORT" &
relay_pid=$!
for _ in $(seq 50); do [ -s "$W/ports" ] && break; sleep 0.1; done
read -r R_SSL R_TLS <"$W/ports"

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# round trips in one chunk log (see the header)
count_rtt() {
	awk '{ if ($2 == "C") { if (last != "C") cf = 1; last = "C" }
	       else { if (last != "S") { rtt += cf ? 1 : 0.5; cf = 0 } last = "S" } }
	     END { printf "%g", rtt }' "$1"
}
# CMD...: median wall time in ns
median_ns() {
	local t0 t1
	for _ in $(seq "$RUNS"); do
		t0=$(now_ns)
		"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
		t1=$(now_ns)
		echo $((t1 - t0))
	done | median
}
# NAME CMD...: "median-wall-ns exact-rtt"
measure() {
	local f name=$1
	shift
	median_ns "$@" >"$W/med"
	rm -f "$W"/log/conn-*.log
	"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
	sleep 0.2
	f=$(ls "$W"/log/conn-*.log | head -1)
	if [ -n "$KEEP_LOGS" ]; then cp "$f" "$KEEP_LOGS/$name.log"; fi
	echo "$(cat "$W/med") $(count_rtt "$f")"
}
KEEP_LOGS=${KEEP_LOGS:-}
[ -n "$KEEP_LOGS" ] && mkdir -p "$KEEP_LOGS"

profiles() { # BIN: l-SEC-AUTH through the relay, d-SEC-AUTH direct
	local sec auth port dport
	for sec in ssl tls; do
		port=$R_SSL dport=$POP3S_PORT
		[ $sec = tls ] && port=$R_TLS dport=$POP3_PLAIN_PORT
		for auth in auto plain; do
			"$1" add "l-$sec-$auth" address=127.0.0.1 port="$port" \
				security=$sec auth=$auth "tls_ca_file=$POPCONN_TEST_CA" \
				"username=$TEST_USER" timeout=10 >/dev/null
			printf '%s\n' "$TEST_PASS" | "$1" set "l-$sec-$auth" password=- >/dev/null
			"$1" add "d-$sec-$auth" address=127.0.0.1 port="$dport" \
				security=$sec auth=$auth "tls_ca_file=$POPCONN_TEST_CA" \
				"username=$TEST_USER" timeout=10 >/dev/null
			printf '%s\n' "$TEST_PASS" | "$1" set "d-$sec-$auth" password=- >/dev/null
		done
	done
}
profiles "$PC"

C=(curl -sS --max-time 10 --cacert "$POPCONN_TEST_CA" -u "$TEST_USER:$TEST_PASS" -X STAT -I -o /dev/null)
PLAIN=(--sasl-ir --login-options AUTH=PLAIN)
rows=()
row() { # label min DIRECT-CMD... -- RELAY-CMD...
	local label=$1 min=$2 r d
	local -a direct=()
	shift 2
	while [ "$1" != -- ]; do direct+=("$1"); shift; done
	shift
	d=$(median_ns "${direct[@]}")
	r=$(measure "$(echo "$label" | tr -c 'A-Za-z0-9-' _)" "$@")
	rows+=("$label|${r% *}|$d|${r#* }|$min")
}
# The minimum through the relay (TCP not delayed): implicit TLS = TLS 1.3
# handshake, greeting (sent after the client's Finished), CAPA, then
# logon + STAT + QUIT in one flight (PIPELINING) = 4.  STLS = greeting
# (0.5), CAPA, STLS, TLS handshake, CAPA again (rides with the client's
# Finished), logon + STAT + QUIT = 5.5 (the CAPA before STLS is the
# flow PRODUCT.md fixes; without it, one less).  The minimum assumes a
# SASL-IR PLAIN logon; CRAM-MD5 (auto's choice) needs one more.  A repeat
# test that trusts the last test's capabilities (--trust-capabilities)
# skips CAPA: 3 for implicit TLS; with STLS it skips both CAPAs (STLS is
# sent whatever CAPA says), 3.5.
for sec in ssl tls; do
	for auth in auto plain; do
		case $sec/$auth in
		ssl/auto) min=5 ;; ssl/plain) min=4 ;; tls/auto) min=6.5 ;; tls/plain) min=5.5 ;;
		esac
		row "popconn|$sec|$auth" "$min" "$PC" test "d-$sec-$auth" --quiet -- \
			"$PC" test "l-$sec-$auth" --quiet
		# The repeat test: the row above saved the capabilities, this one
		# trusts them (no CAPA: one round trip less; with STLS, two).
		case $sec/$auth in
		ssl/auto) rmin=4 ;; ssl/plain) rmin=3 ;; tls/auto) rmin=4.5 ;; tls/plain) rmin=3.5 ;;
		esac
		row "popconn repeat|$sec|$auth" "$rmin" "$PC" test "d-$sec-$auth" --quiet --trust-capabilities -- \
			"$PC" test "l-$sec-$auth" --quiet --trust-capabilities
		if [ -n "$BASE" ]; then
			POPCONN_DB=$W/base.db
			export POPCONN_DB
			[ -f "$W/base.db" ] || profiles "$BASE"
			row "popconn (baseline)|$sec|$auth" "$min" "$BASE" test "d-$sec-$auth" --quiet -- \
				"$BASE" test "l-$sec-$auth" --quiet
			POPCONN_DB=$W/pc.db
		fi
	done
	if [ $sec = ssl ]; then
		row "curl|ssl|auto" 5 "${C[@]}" "pop3s://127.0.0.1:$POP3S_PORT/" -- \
			"${C[@]}" "pop3s://127.0.0.1:$R_SSL/"
		row "curl|ssl|plain" 4 "${C[@]}" "${PLAIN[@]}" "pop3s://127.0.0.1:$POP3S_PORT/" -- \
			"${C[@]}" "${PLAIN[@]}" "pop3s://127.0.0.1:$R_SSL/"
	else
		row "curl|tls|auto" 6.5 "${C[@]}" --ssl-reqd "pop3://127.0.0.1:$POP3_PLAIN_PORT/" -- \
			"${C[@]}" --ssl-reqd "pop3://127.0.0.1:$R_TLS/"
		row "curl|tls|plain" 5.5 "${C[@]}" --ssl-reqd "${PLAIN[@]}" "pop3://127.0.0.1:$POP3_PLAIN_PORT/" -- \
			"${C[@]}" --ssl-reqd "${PLAIN[@]}" "pop3://127.0.0.1:$R_TLS/"
	fi
done

printf '\nDovecot behind a %d ms each-way relay (RTT %d ms; TCP connect not delayed), median of %d runs\n\n' \
	"$DELAY" $((2 * DELAY)) "$RUNS"
printf '| %-20s | %-8s | %-8s | %8s | %7s | %5s | %4s | %4s |\n' client security auth "wall ms" "direct" "~RTT" RTT min
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' ---------------------- ---------- ---------- ---------: --------: ------: -----: -----:
for r in "${rows[@]}"; do
	IFS='|' read -r cl sec auth ns dns rtt min <<<"$r"
	if [ $sec = ssl ]; then sec="implicit"; else sec="STLS"; fi
	if [ "$cl" = curl ] && [ "$auth" = plain ]; then auth="plain-ir"; fi
	printf '| %-20s | %-8s | %-8s | %8.0f | %7.0f | %5.1f | %4s | %4s |\n' "$cl" "$sec" "$auth" \
		"$(awk -v n="$ns" 'BEGIN {print n / 1e6}')" \
		"$(awk -v n="$dns" 'BEGIN {print n / 1e6}')" \
		"$(awk -v n="$ns" -v m="$dns" -v d="$DELAY" 'BEGIN {print (n - m) / 1e6 / (2 * d)}')" "$rtt" "$min"
done
