#!/usr/bin/env bash
# bench/latency.sh - a test logon against the limit set by latency.  The test
# Dovecot sits behind a relay that holds every chunk DELAY_MS (default 25 ms)
# in each direction; the script measures a test logon (logon + STAT + QUIT)
# with implicit TLS and with STLS, auth auto and auth plain, for popconn and
# for curl, and prints each beside the protocol minimum:
#
#   wall ms   median (min-max) process wall time of RUNS runs (default 9);
#             the rows run in turn (popconn, popconn repeat, curl, ...)
#   direct    the same, straight to Dovecot (no relay): start-up and CPU
#   ~RTT      (wall - direct) / (2 * DELAY_MS): the latency part only
#   RTT       round trips counted exactly from the relay's chunk log of one
#             extra run: every client flight the server answers is one; a
#             server flight nobody asked for (the greeting of a plain
#             connection) is a half
#   min       the fewest round trips the protocol allows for that case (the
#             RFCs' count, independent of any client: see min_rtt)
#
# The relay does not delay the TCP handshake to itself, so a real link adds
# one RTT (TCP) to every figure.  A benchmark, not a test: nothing asserts a
# time.  Run as root (it starts the test servers).  POPCONN=path picks the
# binary (default build/popconn).  KEEP_LOGS=dir keeps the chunk logs.
# SERVER=dovecot (default), courier or cyrus picks the server: Courier and
# Cyrus drop commands pipelined past the logon, so popconn sends STAT and
# QUIT only after the logon's answer there (one round trip more than to
# Dovecot, counted in their min as well).
set -euo pipefail
RUNS=${RUNS:-9}
DELAY=${DELAY_MS:-25}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bench/lib.sh"
PC=${POPCONN:-$root/build/popconn}
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
SERVER=${SERVER:-dovecot}
case $SERVER in
dovecot) only=dovecot-main ;;
courier | cyrus) only=$SERVER ;;
*) echo "SERVER is dovecot, courier or cyrus" >&2; exit 2 ;;
esac
POPCONN_SERVERS_ONLY=$only "$root/tests/integ/servers.sh" start "$W/srv" >/dev/null
eval "$("$root/tests/integ/servers.sh" env "$W/srv")"
# The server's implicit-TLS and plain (STLS) ports; whether it keeps
# commands pipelined past the logon (only Dovecot: see src/proto/pop3.c).
case $SERVER in
dovecot) S_SSL=$POP3S_PORT S_PLAIN=$POP3_PLAIN_PORT KEEPS=1 ;;
courier) S_SSL=$COURIER_POP3S_PORT S_PLAIN=$COURIER_POP3_PORT KEEPS=0 ;;
cyrus) S_SSL=$CYRUS_POP3S_PORT S_PLAIN=$CYRUS_POP3_PORT KEEPS=0 ;;
esac
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
perl "$W/relay.pl" "$DELAY" "$W/log" "$W/ports" "$S_SSL" "$S_PLAIN" &
relay_pid=$!
for _ in $(seq 50); do [ -s "$W/ports" ] && break; sleep 0.1; done
read -r R_SSL R_TLS <"$W/ports"

now_ns() { date +%s%N; }
# round trips in one chunk log (see the header)
count_rtt() {
	awk '{ if ($2 == "C") { if (last != "C") cf = 1; last = "C" }
	       else { if (last != "S") { rtt += cf ? 1 : 0.5; cf = 0 } last = "S" } }
	     END { printf "%g", rtt }' "$1"
}
# once CMD-STRING: run it, print its wall time in ms
once() {
	local t0 t1
	t0=$(now_ns)
	eval "$1" >/dev/null 2>&1 || { echo "failed: $1" >&2; exit 1; }
	t1=$(now_ns)
	awk -v n=$((t1 - t0)) 'BEGIN {printf "%.1f\n", n / 1e6}'
}
KEEP_LOGS=${KEEP_LOGS:-}
[ -n "$KEEP_LOGS" ] && mkdir -p "$KEEP_LOGS"

profiles() { # l-SEC-AUTH through the relay, d-SEC-AUTH direct
	local sec auth port dport
	for sec in ssl tls; do
		port=$R_SSL dport=$S_SSL
		[ $sec = tls ] && port=$R_TLS dport=$S_PLAIN
		for auth in auto plain; do
			"$PC" add "l-$sec-$auth" address=127.0.0.1 port="$port" \
				security=$sec auth=$auth "tls_ca_file=$POPCONN_TEST_CA" \
				"username=$TEST_USER" timeout=10 >/dev/null
			printf '%s\n' "$TEST_PASS" | "$PC" set "l-$sec-$auth" password=- >/dev/null
			"$PC" add "d-$sec-$auth" address=127.0.0.1 port="$dport" \
				security=$sec auth=$auth "tls_ca_file=$POPCONN_TEST_CA" \
				"username=$TEST_USER" timeout=10 >/dev/null
			printf '%s\n' "$TEST_PASS" | "$PC" set "d-$sec-$auth" password=- >/dev/null
		done
	done
}
profiles

# min: the fewest round trips the protocol allows for the case, counted from
# the RFCs, not from popconn's flow.  TCP is excluded (the relay does not
# delay it; a real link adds 1).  Dovecot offers PIPELINING and SASL PLAIN
# and CRAM-MD5:
#   implicit TLS  TLS 1.3 handshake 1 (ClientHello -> server flight)
#                 + greeting 1 (Dovecot sends it after the client's
#                   Finished; TLS 1.3 would allow it as 0.5-RTT data, which
#                   no server here does)
#                 + CAPA 1 (to learn SASL and PIPELINING)
#                 + logon: PLAIN with initial response (RFC 5034) 1,
#                   CRAM-MD5 2 (challenge, answer), SCRAM 3
#                 + STAT and QUIT 0: PIPELINING (RFC 2449 6.6) lets them go
#                   with the last logon line -- to a server that keeps
#                   them (Dovecot); Courier and Cyrus offer PIPELINING but
#                   drop what comes before the logon's answer, so there
#                   STAT and QUIT cost 1 (KEEPS=0)
#   STLS          greeting 0.5 (unsolicited) + STLS 1 (RFC 2595 needs no
#                 CAPA before it) + TLS 1.3 handshake 1 + CAPA 1 (RFC 2595 4:
#                 capabilities are asked again; it rides with the client's
#                 Finished) + logon + 0
#   repeat        capabilities known from the last test: no CAPA (RFC 2595
#                 says SHOULD re-issue after STLS; this is the allowed floor)
# popconn's first test with STLS sends CAPA before STLS as well (PRODUCT.md's
# flow, so the trace says whether STLS was offered): one above the minimum.
min_rtt() { # SEC MECH REPEAT (MECH: the SASL mechanism the logon used)
	awk -v sec="$1" -v mech="$2" -v rep="$3" -v keeps="$KEEPS" 'BEGIN {
		# PLAIN with initial response 1; CRAM-MD5 2; SCRAM (RFC 5802 with
		# an initial response) 3: server-first, then server-final in a
		# continuation that the client answers empty (RFC 5034 4)
		logon = mech ~ /^PLAIN/ ? 1 : mech ~ /^SCRAM/ ? 3 : 2
		capa = rep ? 0 : 1
		after = keeps ? 0 : 1
		if (sec == "ssl") m = 1 + 1 + capa + logon + after
		else m = 0.5 + 1 + 1 + capa + logon + after
		printf "%g", m }'
}
# the mechanism popconn's auth=auto / curl's default picks (from a direct run)
pc_mech() { "$PC" test "d-$1-auto" 2>/dev/null | sed -n 's/.*auto: chose \([A-Z0-9-]*\).*/\1/p' | head -1; }
curl_mech() {
	local out
	out=$("${C[@]}" -v "$@" 2>&1) || { echo "curl failed: $out" >&2; exit 1; }
	sed -n 's/^> AUTH \([A-Z0-9-]*\).*/\1/p' <<<"$out" | head -1
}

# The rows: "label|min|direct command|relay command" (commands quoted).
q() { printf '%q ' "$@"; }
C=(curl -sS --max-time 10 --cacert "$POPCONN_TEST_CA" -u "$TEST_USER:$TEST_PASS" -X STAT -I -o /dev/null)
PLAIN=(--sasl-ir --login-options AUTH=PLAIN)
rows=()
for sec in ssl tls; do
	if [ $sec = ssl ]; then
		cd_=("pop3s://127.0.0.1:$S_SSL/") cr=("pop3s://127.0.0.1:$R_SSL/") cx=()
	else
		cd_=("pop3://127.0.0.1:$S_PLAIN/") cr=("pop3://127.0.0.1:$R_TLS/") cx=(--ssl-reqd)
	fi
	for auth in auto plain; do
		px=()
		[ $auth = plain ] && px=("${PLAIN[@]}")
		pm=PLAIN cm=PLAIN
		if [ $auth = auto ]; then
			pm=$(pc_mech $sec)
			cm=$(curl_mech "${cx[@]}" "${cd_[@]}")
		fi
		rows+=("popconn|$sec|$auth ($pm)|$(min_rtt $sec "$pm" 0)|$(q "$PC" test "d-$sec-$auth" --quiet)|$(q "$PC" test "l-$sec-$auth" --quiet)")
		# the repeat trusts the capabilities the row above saved
		rows+=("popconn repeat|$sec|$auth ($pm)|$(min_rtt $sec "$pm" 1)|$(q "$PC" test "d-$sec-$auth" --quiet --trust-capabilities)|$(q "$PC" test "l-$sec-$auth" --quiet --trust-capabilities)")
		rows+=("curl|$sec|$auth ($cm)|$(min_rtt $sec "$cm" 0)|$(q "${C[@]}" "${cx[@]}" "${px[@]}" "${cd_[@]}")|$(q "${C[@]}" "${cx[@]}" "${px[@]}" "${cr[@]}")")
	done
done
load0=$(loadavg)
# RUNS rounds; in each, every row runs once direct and once through the
# relay, popconn and curl alternating
for i in "${!rows[@]}"; do : >"$W/d-$i"; : >"$W/r-$i"; done
for _ in $(seq "$RUNS"); do
	for i in "${!rows[@]}"; do
		IFS='|' read -r _ _ _ _ dcmd rcmd <<<"${rows[$i]}"
		once "$dcmd" >>"$W/d-$i"
		once "$rcmd" >>"$W/r-$i"
	done
done
# one more run per row through the relay, counted from its chunk log
for i in "${!rows[@]}"; do
	IFS='|' read -r cl sec auth _ _ rcmd <<<"${rows[$i]}"
	rm -f "$W"/log/conn-*.log
	once "$rcmd" >/dev/null
	f=
	for _ in $(seq 50); do
		f=$(ls "$W"/log/conn-*.log 2>/dev/null | head -1)
		[ -n "$f" ] && break
		sleep 0.1
	done
	sleep 0.2
	[ -n "$KEEP_LOGS" ] && cp "$f" "$KEEP_LOGS/$(echo "$cl-$sec-$auth" | tr -c 'A-Za-z0-9-' _).log"
	count_rtt "$f" >"$W/rtt-$i"
done

case $SERVER in
dovecot) sname="Dovecot $(dovecot --version 2>/dev/null | cut -d' ' -f1)" ;;
courier) sname="Courier ${COURIER_VERSION:-}" ;;
cyrus) sname="Cyrus ${CYRUS_VERSION:-}" ;;
esac
printf '\n%s behind a %d ms each-way relay (RTT %d ms; TCP connect not delayed, not counted), %d rounds\n' \
	"$sname" "$DELAY" $((2 * DELAY)) "$RUNS"
printf 'load average before: %s, after: %s\n\n' "$load0" "$(loadavg)"
printf '| %-14s | %-8s | %-18s | %-22s | %7s | %5s | %4s | %4s |\n' client security auth "wall ms (min-max)" "direct" "~RTT" RTT min
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' ---------------- ---------- -------------------- ------------------------ --------: ------: -----: -----:
for i in "${!rows[@]}"; do
	IFS='|' read -r cl sec auth min _ _ <<<"${rows[$i]}"
	r=$(stats <"$W/r-$i")
	d=$(stats <"$W/d-$i")
	if [ $sec = ssl ]; then sec="implicit"; else sec="STLS"; fi
	printf '| %-14s | %-8s | %-18s | %-22s | %7s | %5s | %4s | %4s |\n' "$cl" "$sec" "$auth" "$(fmt_stats "$r")" \
		"${d%% *}" "$(awk -v n="${r%% *}" -v m="${d%% *}" -v d="$DELAY" 'BEGIN {printf "%.1f", (n - m) / (2 * d)}')" \
		"$(cat "$W/rtt-$i")" "$min"
done
