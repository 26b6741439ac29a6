#!/bin/bash
# servers.sh - real POP3 servers and proxies on loopback for popconn's
# integration, TUI and benchmark tests.
#
#   servers.sh start DIR    generate certificates and configs under DIR, start
#                           every daemon, wait until all ports listen (< 2 s)
#   servers.sh env DIR      print shell "export" lines (ports, paths, users,
#                           fingerprints, tokens): eval "$(servers.sh env DIR)"
#   servers.sh status DIR   one line per daemon: running or not
#   servers.sh stop DIR     stop exactly the process groups "start" created
#
# Everything lives under DIR (a directory the test created) except one PAM
# service file, /etc/pam.d/popconn-dante-<run id>, that dante needs for
# user/password SOCKS5; "stop" removes it.  Ports are chosen free at start,
# in a block below the kernel's ephemeral range, under a lock shared by all
# runs on the machine, so parallel runs do not collide.  Every daemon runs in
# its own session (pid = process group id, written by the process itself)
# with POPCONN_SERVERS_TAG in its environment; "stop" signals a group only
# when one of its processes carries this run's tag or DIR on its command line.
# Must run as root (Dovecot's privilege separation, dante's PAM).
# README.md next to this file lists what runs where.

set -u
export LC_ALL=C

LOCK=/tmp/popconn-servers.lock	# serialises port choice between runs
NPORTS=24			# size of one run's port block
MAIL_UID=5000			# owner of the mailboxes (no account needed)
TEST_USER=testuser TEST_PASS=secret1
EMPTY_USER=emptyuser EMPTY_PASS=secret2
PROXY_USER=proxyuser PROXY_PASS=proxypass
PROXY_DENY_HOST=127.0.0.2	# Dovecot listens there, every proxy refuses it
DELAY_MS=${POPCONN_DELAY_MS:-25}	# latency relay, each way
AUTH_FAIL_DELAY_MS=2000		# Dovecot's auth_failure_delay (default 2 s)

say() { printf '[servers] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

usage()
{
	echo "usage: servers.sh start|stop|env|status DIR" >&2
	exit 2
}

# --- directory and state --------------------------------------------------

set_paths()
{
	DIR=$(readlink -f -- "$1") || die "no such directory: $1"
	[ -d "$DIR" ] || die "not a directory: $1"
	case $DIR in
	*[[:space:]\"\'\\\$]*) die "DIR must not contain spaces or quotes: $DIR" ;;
	/) die "refusing DIR=/" ;;
	esac
	CERTS=$DIR/certs
	DV=$DIR/dovecot
	PX=$DIR/proxy
	LOGS=$DIR/log
	PIDS=$DIR/pid
	STATE=$DIR/state
	ENVFILE=$DIR/env.sh
}

# state is a list of KEY=VALUE lines: RUNID, PAMFILE, RUNDIR
state_get()
{
	[ -f "$STATE" ] || return 1
	sed -n "s/^$1=//p" "$STATE" | tail -n 1
}

# --- ports -----------------------------------------------------------------

# Picks NPORTS consecutive free TCP ports in 20000..31999 (below the default
# ephemeral range 32768-60999, so an outgoing connection cannot sit on one).
# POPCONN_PORT_BASE forces the base.  Called with the lock held.
pick_ports()
{
	local -A used=()
	local p base try ok
	for p in $(ss -Htan | awk '{ n = split($4, a, ":"); print a[n] }'); do
		used[$p]=1
	done
	for try in $(seq 1 100); do
		if [ -n "${POPCONN_PORT_BASE:-}" ]; then
			base=$POPCONN_PORT_BASE
		else
			base=$((20000 + (RANDOM % 299) * 40))
		fi
		ok=1
		for ((p = base; p < base + NPORTS; p++)); do
			if [ -n "${used[$p]:-}" ]; then
				ok=0
				break
			fi
		done
		if [ $ok = 1 ]; then
			BASE=$base
			return 0
		fi
		[ -n "${POPCONN_PORT_BASE:-}" ] && break
	done
	die "no free block of $NPORTS ports found"
}

assign_ports()
{
	local b=$BASE
	POP3_PLAIN_PORT=$b;		POP3S_PORT=$((b + 1))
	POP3_TLS13_PORT=$((b + 2));	POP3S_TLS13_PORT=$((b + 3))
	POP3_UNTRUSTED_PORT=$((b + 4));	POP3S_UNTRUSTED_PORT=$((b + 5))
	POP3_EXPIRED_PORT=$((b + 6));	POP3S_EXPIRED_PORT=$((b + 7))
	POP3_GROUP_PORT=$((b + 8));	POP3S_GROUP_PORT=$((b + 9))
	POP3S_LEGACY_PORT=$((b + 10))
	SOCKS5_AUTH_PORT=$((b + 11));	DANTE_OPEN_PORT=$((b + 12))
	DANTE_AUTH_PORT=$((b + 13));	PERL_SOCKS_PORT=$((b + 14))
	HTTP_AUTH_PORT=$((b + 15));	HTTP_OPEN_PORT=$((b + 16))
	DELAY_POP3S_PORT=$((b + 17));	DELAY_POP3_PORT=$((b + 18))
	POP3_CLOSED_PORT=$((b + 19))	# nothing listens here
	# listening, but refused by dante, tinyproxy and the perl SOCKS server
	PROXY_DENY_PORT=$POP3S_LEGACY_PORT
}

# --- certificates ------------------------------------------------------------

# fp FILE: SHA-256 of the DER certificate, 64 lower-case hex digits
fp()
{
	openssl x509 -in "$1" -noout -fingerprint -sha256 |
		sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}

gen_certs()
{
	local c=$CERTS ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
	mkdir -p "$c/ca-db"
	cat >"$c/server.ext" <<-'EOF'
	basicConstraints=critical,CA:FALSE
	keyUsage=critical,digitalSignature,keyEncipherment
	extendedKeyUsage=serverAuth
	subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
	EOF
	(
		set -e
		cd "$c"
		for ca in ca untrusted-ca; do
			openssl req -x509 "${ec[@]}" -keyout $ca.key -out $ca.crt \
				-days 3650 -subj "/O=popconn tests/CN=popconn $ca" \
				-addext "basicConstraints=critical,CA:TRUE" \
				-addext "keyUsage=critical,keyCertSign,cRLSign"
		done
		for s in server untrusted expired; do
			openssl req "${ec[@]}" -keyout $s.key -out $s.csr \
				-subj "/O=popconn tests/CN=localhost"
		done
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
			-set_serial 0x1001 -days 825 -extfile server.ext \
			-out server.crt
		openssl x509 -req -in untrusted.csr -CA untrusted-ca.crt \
			-CAkey untrusted-ca.key -set_serial 0x2001 -days 825 \
			-extfile server.ext -out untrusted.crt
		# openssl 3.0 "x509" cannot set a past validity; "ca" can
		: >ca-db/index.txt
		echo 3001 >ca-db/serial
		cat >ca.cnf <<-'EOF'
		[ ca ]
		default_ca = testca
		[ testca ]
		database = ca-db/index.txt
		new_certs_dir = ca-db
		serial = ca-db/serial
		default_md = sha256
		policy = anything
		unique_subject = no
		[ anything ]
		commonName = supplied
		organizationName = optional
		EOF
		openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key \
			-in expired.csr -out expired.crt -notext \
			-startdate 20200101000000Z -enddate 20210101000000Z \
			-extfile server.ext
		rm -f ./*.csr
		chmod 644 ./*.crt
		chmod 600 ./*.key
	) >"$LOGS/certs.log" 2>&1 || {
		cat "$LOGS/certs.log" >&2
		die "certificate generation failed"
	}
	FP_CA=$(fp "$c/ca.crt")
	FP_SERVER=$(fp "$c/server.crt")
	FP_UNTRUSTED_CA=$(fp "$c/untrusted-ca.crt")
	FP_UNTRUSTED=$(fp "$c/untrusted.crt")
	FP_EXPIRED=$(fp "$c/expired.crt")
}

# --- mail, users, XOAUTH2 tokens -------------------------------------------

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# jwt SUB IAT EXP [PAD]: an HS256 JWT signed with $DV/jwt.key
jwt()
{
	local hdr body sig key pad=""
	[ -n "${4:-}" ] && pad=",\"pad\":\"$(head -c "$4" /dev/zero | tr '\0' x)\""
	hdr=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	body=$(printf '{"sub":"%s","iat":%d,"exp":%d%s}' "$1" "$2" "$3" "$pad" |
		b64url)
	key=$(od -An -v -tx1 "$DV/jwt.key" | tr -d ' \n')
	sig=$(printf '%s.%s' "$hdr" "$body" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary |
		b64url)
	printf '%s.%s.%s' "$hdr" "$body" "$sig"
}

gen_mail()
{
	local u i m f
	mkdir -p "$DV/keys/default/HS256"
	printf '%s:{PLAIN}%s::::::\n%s:{PLAIN}%s::::::\n' \
		"$TEST_USER" "$TEST_PASS" "$EMPTY_USER" "$EMPTY_PASS" >"$DV/users"
	chmod 644 "$DV/users"
	for u in "$TEST_USER" "$EMPTY_USER"; do
		mkdir -p "$DIR/mail/$u/Maildir/"{cur,new,tmp}
	done
	m=$DIR/mail/$TEST_USER/Maildir/new
	TEST_MSGS=0
	TEST_OCTETS=0
	for i in 1 2; do
		f=$m/170406720$i.M${i}P1.localhost
		printf 'From: sender@example.test\nTo: %s@localhost\nSubject: test message %s\nDate: Mon, 01 Jan 2024 00:00:0%s +0000\nMessage-ID: <msg%s@example.test>\n\nHello, this is test message %s.\n' \
			"$TEST_USER" $i $i $i $i >"$f"
		# POP3 sizes count CRLF line ends: bytes + one per LF
		TEST_MSGS=$((TEST_MSGS + 1))
		TEST_OCTETS=$((TEST_OCTETS + $(wc -c <"$f") + $(wc -l <"$f")))
	done
	chown -R $MAIL_UID:$MAIL_UID "$DIR/mail"
	# XOAUTH2 / OAUTHBEARER: Dovecot validates JWTs locally with this key
	head -c 32 /dev/urandom >"$DV/jwt.key"
	chmod 600 "$DV/jwt.key"
	base64 -w0 "$DV/jwt.key" >"$DV/keys/default/HS256/default"
	chmod 644 "$DV/keys/default/HS256/default"
	cat >"$DV/oauth2.conf.ext" <<-EOF
	# oauth2 passdb: local JWT validation only, no token server
	introspection_mode = local
	local_validation_key_dict = fs:posix:prefix=$DV/keys/
	username_attribute = sub
	EOF
	chmod 644 "$DV/oauth2.conf.ext"
	local now
	now=$(date +%s)
	TEST_OAUTH_TOKEN=$(jwt "$TEST_USER" $((now - 60)) $((now + 7 * 86400)))
	TEST_OAUTH_TOKEN_EXPIRED=$(jwt "$TEST_USER" $((now - 7200)) $((now - 3600)))
	TEST_OAUTH_TOKEN_LONG=$(jwt "$TEST_USER" $((now - 60)) $((now + 7 * 86400)) 3200)
}

# --- Dovecot ---------------------------------------------------------------

# dv_conf NAME LISTEN PLAIN_PORT SSL_PORT CERTNAME EXTRA
dv_conf()
{
	local name=$1 listen=$2 pport=$3 sport=$4 cert=$5 extra=$6
	mkdir -p "$DV/state-$name"
	cat >"$DV/$name.conf" <<-EOF
	# popconn test Dovecot "$name", generated by servers.sh
	protocols = pop3
	listen = $listen
	base_dir = $RUNDIR/$name
	state_dir = $DV/state-$name
	instance_name = popconn-$RUNID-$name
	log_path = $LOGS/dovecot-$name.log
	info_log_path = $LOGS/dovecot-$name.log
	auth_verbose = yes
	default_internal_user = dovecot
	default_login_user = dovenull

	ssl = yes
	ssl_cert = <$CERTS/$cert.crt
	ssl_key = <$CERTS/$cert.key
	ssl_min_protocol = TLSv1.2
	disable_plaintext_auth = yes
	auth_mechanisms = plain login cram-md5 apop xoauth2 oauthbearer
	mail_max_userip_connections = 100

	passdb {
	  driver = oauth2
	  mechanisms = xoauth2 oauthbearer
	  args = $DV/oauth2.conf.ext
	}
	passdb {
	  driver = passwd-file
	  args = scheme=PLAIN username_format=%u $DV/users
	}
	userdb {
	  driver = passwd-file
	  args = username_format=%u $DV/users
	  default_fields = uid=$MAIL_UID gid=$MAIL_UID home=$DIR/mail/%u
	}
	mail_location = maildir:~/Maildir
	first_valid_uid = 1000
	pop3_uidl_format = %08Xu%08Xv

	service pop3-login {
	  process_limit = 256
	  inet_listener pop3 {
	    port = $pport
	  }
	  inet_listener pop3s {
	    port = $sport
	    ssl = yes
	  }
	}
	service pop3 {
	  process_limit = 256
	}
	$extra
	EOF
}

gen_dovecot()
{
	local lo="127.0.0.1, ::1"
	dv_conf main "127.0.0.1, $PROXY_DENY_HOST, ::1" \
		$POP3_PLAIN_PORT $POP3S_PORT server ""
	dv_conf tls13 "$lo" $POP3_TLS13_PORT $POP3S_TLS13_PORT server \
		"ssl_min_protocol = TLSv1.3"
	dv_conf untrusted "$lo" $POP3_UNTRUSTED_PORT $POP3S_UNTRUSTED_PORT \
		untrusted ""
	dv_conf expired "$lo" $POP3_EXPIRED_PORT $POP3S_EXPIRED_PORT expired ""
	dv_conf group "$lo" $POP3_GROUP_PORT $POP3S_GROUP_PORT server \
		"login_trusted_networks = 127.0.0.0/8 ::1"
	dv_conf legacy "$lo" 0 $POP3S_LEGACY_PORT server \
		"ssl_min_protocol = TLSv1
	ssl_cipher_list = DEFAULT:@SECLEVEL=0"
	DOVECOTS="main tls13 untrusted expired group legacy"
}

# --- proxies -----------------------------------------------------------------

# dante_conf NAME PORT METHOD: loopback targets only; PROXY_DENY_HOST and
# PROXY_DENY_PORT are blocked by rule (SOCKS5 reply 2, SOCKS4 reply 91)
dante_conf()
{
	local name=$1 port=$2 method=$3 auth=""
	[ "$method" = pam.username ] &&
		auth="socksmethod: pam.username
	  pam.servicename: $PAMSVC"
	cat >"$PX/$name.conf" <<-EOF
	# danted for popconn tests, generated by servers.sh
	logoutput: $LOGS/$name.log
	internal: 127.0.0.1 port = $port
	external: lo
	clientmethod: none
	socksmethod: $method
	user.privileged: root
	user.unprivileged: nobody
	client pass {
	  from: 127.0.0.0/8 to: 0.0.0.0/0
	  log: error
	}
	socks block {
	  from: 0.0.0.0/0 to: $PROXY_DENY_HOST/32
	  log: connect error
	}
	socks block {
	  from: 0.0.0.0/0 to: 0.0.0.0/0 port = $PROXY_DENY_PORT
	  log: connect error
	}
	socks block {
	  from: 0.0.0.0/0 to: ::/0 port = $PROXY_DENY_PORT
	  log: connect error
	}
	socks pass {
	  from: 127.0.0.0/8 to: 127.0.0.0/8
	  command: connect
	  protocol: tcp
	  $auth
	  log: connect error
	}
	socks pass {
	  from: 127.0.0.0/8 to: ::1/128
	  command: connect
	  protocol: tcp
	  $auth
	  log: connect error
	}
	EOF
}

# tiny_conf NAME PORT AUTH(0|1)
tiny_conf()
{
	local name=$1 port=$2 auth=$3 p
	install -o nobody -g nogroup -m 644 /dev/null "$LOGS/$name.log"
	{
		echo "# tinyproxy for popconn tests, generated by servers.sh"
		echo "User nobody"
		echo "Group nogroup"
		echo "Port $port"
		echo "Listen 127.0.0.1"
		echo "Timeout 60"
		echo "LogFile \"$LOGS/$name.log\""
		echo "LogLevel Info"
		echo "MaxClients 100"
		echo "Allow 127.0.0.0/8"
		echo "DisableViaHeader Yes"
		[ "$auth" = 1 ] && echo "BasicAuth $PROXY_USER $PROXY_PASS"
		# CONNECT only to the Dovecot ports (not PROXY_DENY_PORT) ...
		for p in $POP3_PLAIN_PORT $POP3S_PORT $POP3_TLS13_PORT \
		    $POP3S_TLS13_PORT $POP3_UNTRUSTED_PORT $POP3S_UNTRUSTED_PORT \
		    $POP3_EXPIRED_PORT $POP3S_EXPIRED_PORT $POP3_GROUP_PORT \
		    $POP3S_GROUP_PORT $POP3_CLOSED_PORT; do
			echo "ConnectPort $p"
		done
		# ... and only to these host names (an allow-list)
		echo "Filter \"$PX/tinyproxy.filter\""
		echo "FilterDefaultDeny Yes"
		echo "FilterExtended Yes"
	} >"$PX/$name.conf"
}

write_socks_pl()
{
	cat >"$PX/socks.pl" <<-'EOF'
	#!/usr/bin/perl
	# SOCKS 4 / 4a / 5 test proxy for popconn (the Debian SOCKS daemons lack
	# SOCKS4a).  Usage: socks.pl PORT USER PASS DENY_HOST DENY_PORT
	# SOCKS5 needs USER/PASS (RFC 1929); SOCKS4 and 4a need USERID = USER.
	# Targets: localhost, 127/8 and ::1 only, minus DENY_HOST and DENY_PORT.
	use strict;
	use warnings;
	use IO::Socket::Socks qw(:constants $SOCKS_ERROR);
	use IO::Socket::IP;
	use IO::Select;

	my ($port, $user, $pass, $deny_host, $deny_port) = @ARGV;
	die "usage: socks.pl PORT USER PASS DENY_HOST DENY_PORT\n"
	    unless defined $deny_port;
	$| = 1;
	$SIG{CHLD} = 'IGNORE';

	sub check_user {
		my ($u, $p) = @_;
		return 0 unless defined $u && $u eq $user;
		return @_ < 2 || (defined $p && $p eq $pass);
	}

	sub allowed {
		my ($host, $dport) = @_;
		return 0 unless defined $host && defined $dport;
		return 0 if $host eq $deny_host || $dport == $deny_port;
		return $host eq 'localhost' || $host eq '::1'
		    || $host =~ /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
	}

	my $srv = IO::Socket::Socks->new(ProxyAddr => '127.0.0.1',
	    ProxyPort => $port, Listen => 64, ReuseAddr => 1,
	    SocksVersion => [4, 5], SocksResolve => 1, RequireAuth => 1,
	    UserAuth => \&check_user, Timeout => 10)
	    or die "socks.pl: cannot listen on $port: $SOCKS_ERROR\n";
	print "socks.pl listening on 127.0.0.1:$port\n";
	while (1) {
		my $c = $srv->accept() or next;
		my $pid = fork();
		if (!defined $pid || $pid) {
			$c->close();
			next;
		}
		$srv->close();
		alarm 600;
		my ($cmd, $host, $dport) = @{ $c->command() || [] };
		my $v4 = $c->version == 4;
		my $t;
		if (defined $cmd && $cmd == CMD_CONNECT && allowed($host, $dport)) {
			$t = IO::Socket::IP->new(PeerHost => $host,
			    PeerPort => $dport, Timeout => 10);
		}
		if (!$t) {
			print "v", $c->version, " refused ", $host // '?', ":",
			    $dport // '?', "\n";
			$c->command_reply($v4 ? REQUEST_FAILED :
			    REPLY_CONN_NOT_ALLOWED, '0.0.0.0', 0);
			exit 0;
		}
		print "v", $c->version, " CONNECT $host:$dport\n";
		$c->command_reply($v4 ? REQUEST_GRANTED : REPLY_SUCCESS,
		    $t->sockhost, $t->sockport);
		my $sel = IO::Select->new($c, $t);
		PUMP: while (1) {
			for my $s ($sel->can_read()) {
				my $n = sysread($s, my $buf, 65536);
				last PUMP unless $n;
				my $d = $s == $c ? $t : $c;
				defined syswrite($d, $buf) or last PUMP;
			}
		}
		exit 0;
	}
	EOF
}

write_relay_pl()
{
	cat >"$PX/relay.pl" <<-'EOF'
	#!/usr/bin/perl
	# Latency relay for popconn tests: the kernel here has no netem, so this
	# holds every chunk DELAY_MS before passing it on, in each direction,
	# keeping order without serialising chunks.  Connecting to the relay
	# itself is not delayed.  One forked child per client.
	# Usage: relay.pl DELAY_MS LISTEN_PORT:TARGET_HOST:TARGET_PORT ...
	use strict;
	use warnings;
	use IO::Socket::IP;
	use IO::Select;
	use Time::HiRes qw(time);

	my ($ms, @routes) = @ARGV;
	die "usage: relay.pl DELAY_MS LPORT:THOST:TPORT ...\n" unless @routes;
	my $delay = $ms / 1000;
	$| = 1;
	$SIG{CHLD} = 'IGNORE';
	my (%target, @listeners);
	for my $r (@routes) {
		my ($lport, $thost, $tport) = split /:/, $r, 3;
		my $l = IO::Socket::IP->new(LocalHost => '127.0.0.1',
		    LocalPort => $lport, Listen => 64, ReuseAddr => 1)
		    or die "relay.pl: cannot listen on $lport: $@\n";
		$target{$l} = [$thost, $tport];
		push @listeners, $l;
		print "relay 127.0.0.1:$lport -> $thost:$tport, $ms ms each way\n";
	}
	my $accept = IO::Select->new(@listeners);

	sub pump {
		my ($c, $u) = @_;
		# $due{$dst} holds [due_time, bytes or undef for end of stream]
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
					defined syswrite($dst, $chunk) or return;
				}
				$wake = $q->[0][0]
				    if @$q && (!defined $wake || $q->[0][0] < $wake);
			}
			return if $done{$c} && $done{$u};
			return if !$sel->count && !defined $wake;
			my $wait = defined $wake ? $wake - time : undef;
			$wait = 0 if defined $wait && $wait < 0;
			for my $s ($sel->can_read($wait)) {
				my $n = sysread($s, my $buf, 65536);
				my $dst = $peer{$s};
				if (!$n) {
					$sel->remove($s);
					push @{ $due{$dst} }, [time + $delay, undef];
					next;
				}
				push @{ $due{$dst} }, [time + $delay, $buf];
			}
		}
	}

	while (1) {
		for my $l ($accept->can_read()) {
			my $c = $l->accept() or next;
			my $pid = fork();
			if (!defined $pid || $pid) {
				close $c;
				next;
			}
			close $_ for @listeners;
			alarm 600;
			my ($th, $tp) = @{ $target{$l} };
			my $u = IO::Socket::IP->new(PeerHost => $th, PeerPort => $tp)
			    or exit 1;
			pump($c, $u);
			exit 0;
		}
	}
	EOF
}

gen_proxies()
{
	dante_conf dante-open "$DANTE_OPEN_PORT" none
	dante_conf dante-auth "$DANTE_AUTH_PORT" pam.username
	echo "$PROXY_USER:$(openssl passwd -6 "$PROXY_PASS")" >"$PX/dante.passwd"
	chmod 644 "$PX/dante.passwd"
	cat >"$PAMFILE" <<-EOF
	# popconn test run $RUNID ($DIR): dante users from a private file.
	# Removed by servers.sh stop.
	auth    required pam_pwdfile.so pwdfile=$PX/dante.passwd
	account required pam_permit.so
	EOF
	printf '%s\n' '^localhost$' '^127\.0\.0\.1$' '^\[?::1\]?$' \
		>"$PX/tinyproxy.filter"
	tiny_conf tinyproxy-auth "$HTTP_AUTH_PORT" 1
	tiny_conf tinyproxy-open "$HTTP_OPEN_PORT" 0
	write_socks_pl
	write_relay_pl
}

# --- processes -------------------------------------------------------------

# spawn NAME CMD...: CMD runs in a new session, writes its own pid (= its
# process group) to NAME.pid, logs to NAME.out; never inherits the lock fd
spawn()
{
	local name=$1
	shift
	POPCONN_SERVERS_TAG=$TAG setsid bash -c 'echo $$ >"$0"; exec "$@"' \
		"$PIDS/$name.pid" "$@" </dev/null >"$LOGS/$name.out" 2>&1 9>&- &
}

# live_members PGID: pids of the group that are not zombies
live_members()
{
	ps -e -o pid=,pgid=,stat= | awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1 }'
}

# owned PID: the process carries this run's tag or DIR on its command line
owned()
{
	local pid=$1
	[ -r "/proc/$pid/environ" ] || return 1
	tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null |
		grep -qxF "POPCONN_SERVERS_TAG=$TAG" && return 0
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$DIR/"
}

# group_alive PGID: some live process of the group belongs to this run
group_alive()
{
	local p
	for p in $(live_members "$1"); do
		owned "$p" && return 0
	done
	return 1
}

show_log()
{
	local f
	for f in "$LOGS/$1.out" "$LOGS/$1.log" "$LOGS/dovecot-${1#dovecot-}.log"; do
		if [ -s "$f" ]; then
			say "---- $f"
			tail -n 40 "$f" >&2
		fi
	done
}

# wait_ready "NAME PORT" ...: until every 127.0.0.1:PORT listens; a daemon
# whose group died fails at once
wait_ready()
{
	local deadline pending item name port listening
	deadline=$(($(now_ms) + 8000))
	pending=("$@")
	while [ ${#pending[@]} -gt 0 ]; do
		listening=" $(ss -Hltn | awk '{ printf "%s ", $4 }')"
		local next=()
		for item in "${pending[@]}"; do
			read -r name port <<<"$item"
			case $listening in
			*" 127.0.0.1:$port "*) continue ;;
			esac
			local pg
			pg=$(cat "$PIDS/$name.pid" 2>/dev/null)
			if [ -n "$pg" ] && ! group_alive "$pg"; then
				say "$name exited before listening on $port"
				show_log "$name"
				return 1
			fi
			next+=("$item")
		done
		pending=("${next[@]}")
		[ ${#pending[@]} -eq 0 ] && break
		if [ "$(now_ms)" -gt "$deadline" ]; then
			for item in "${pending[@]}"; do
				say "timeout: not listening: $item"
				show_log "${item% *}"
			done
			return 1
		fi
		sleep 0.02
	done
}

# --- commands ----------------------------------------------------------------

cmd_start()
{
	local t0 d dir_mode
	t0=$(now_ms)
	[ "$(id -u)" = 0 ] || die "must run as root (Dovecot, dante PAM)"
	if [ -f "$STATE" ]; then
		say "previous run found in $DIR: stopping it first"
		cmd_stop || true
	fi
	# the mail processes (uid $MAIL_UID) and dovenull must reach DIR
	d=$DIR
	while [ "$d" != / ]; do
		dir_mode=$(stat -c %A "$d")
		if [ "${dir_mode:9:1}" != x ] && [ "${dir_mode:9:1}" != t ]; then
			if [ "$d" = "$DIR" ]; then
				chmod o+x "$DIR"
			else
				die "$d is not searchable by other users (mode $dir_mode); Dovecot's mail processes need it"
			fi
		fi
		d=$(dirname "$d")
	done
	rm -rf "$CERTS" "$DV" "$PX" "$LOGS" "$PIDS" "$DIR/mail" "$ENVFILE"
	mkdir -p "$CERTS" "$DV" "$PX" "$LOGS" "$PIDS"
	RUNID=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
	TAG=$RUNID:$DIR
	PAMSVC=popconn-dante-$RUNID
	PAMFILE=/etc/pam.d/$PAMSVC
	# unix socket paths are limited to 107 bytes: keep Dovecot's
	# base_dir short even when DIR is deep
	RUNDIR=$DIR/run
	if [ ${#RUNDIR} -gt 60 ]; then
		RUNDIR=$(mktemp -d /tmp/pcsrv.XXXXXX) || die "mktemp failed"
		chmod 755 "$RUNDIR"
	fi
	printf 'RUNID=%s\nPAMFILE=%s\nRUNDIR=%s\n' "$RUNID" "$PAMFILE" "$RUNDIR" \
		>"$STATE"

	gen_certs
	gen_mail

	exec 9>"$LOCK"
	flock -w 60 9 || die "cannot take $LOCK"
	pick_ports
	assign_ports
	gen_dovecot
	gen_proxies

	local n ready=()
	for n in $DOVECOTS; do
		spawn "dovecot-$n" dovecot -F -c "$DV/$n.conf"
	done
	ready+=("dovecot-main $POP3_PLAIN_PORT" "dovecot-main $POP3S_PORT"
		"dovecot-tls13 $POP3_TLS13_PORT" "dovecot-tls13 $POP3S_TLS13_PORT"
		"dovecot-untrusted $POP3_UNTRUSTED_PORT"
		"dovecot-untrusted $POP3S_UNTRUSTED_PORT"
		"dovecot-expired $POP3_EXPIRED_PORT"
		"dovecot-expired $POP3S_EXPIRED_PORT"
		"dovecot-group $POP3_GROUP_PORT" "dovecot-group $POP3S_GROUP_PORT"
		"dovecot-legacy $POP3S_LEGACY_PORT")
	spawn microsocks microsocks -i 127.0.0.1 -p "$SOCKS5_AUTH_PORT" \
		-u "$PROXY_USER" -P "$PROXY_PASS" -b 127.0.0.1
	spawn dante-open danted -f "$PX/dante-open.conf" \
		-p "$PIDS/dante-open.daemon.pid" -N 1
	spawn dante-auth danted -f "$PX/dante-auth.conf" \
		-p "$PIDS/dante-auth.daemon.pid" -N 1
	spawn perl-socks perl "$PX/socks.pl" "$PERL_SOCKS_PORT" "$PROXY_USER" \
		"$PROXY_PASS" "$PROXY_DENY_HOST" "$PROXY_DENY_PORT"
	spawn tinyproxy-auth tinyproxy -d -c "$PX/tinyproxy-auth.conf"
	spawn tinyproxy-open tinyproxy -d -c "$PX/tinyproxy-open.conf"
	spawn relay perl "$PX/relay.pl" "$DELAY_MS" \
		"$DELAY_POP3S_PORT:127.0.0.1:$POP3S_PORT" \
		"$DELAY_POP3_PORT:127.0.0.1:$POP3_PLAIN_PORT"
	ready+=("microsocks $SOCKS5_AUTH_PORT" "dante-open $DANTE_OPEN_PORT"
		"dante-auth $DANTE_AUTH_PORT" "perl-socks $PERL_SOCKS_PORT"
		"tinyproxy-auth $HTTP_AUTH_PORT" "tinyproxy-open $HTTP_OPEN_PORT"
		"relay $DELAY_POP3S_PORT" "relay $DELAY_POP3_PORT")
	if ! wait_ready "${ready[@]}"; then
		exec 9>&-
		cmd_stop
		die "start failed (logs in $LOGS)"
	fi
	exec 9>&-
	write_env
	say "started 14 daemons on ports $BASE-$((BASE + NPORTS - 1)) in $(($(now_ms) - t0)) ms"
}

write_env()
{
	local v
	{
		echo "# popconn test servers in $DIR (servers.sh env)"
		for v in POPCONN_SERVERS_DIR=$DIR \
		    POPCONN_TEST_CA=$CERTS/ca.crt \
		    POPCONN_TEST_UNTRUSTED_CA=$CERTS/untrusted-ca.crt \
		    POPCONN_TEST_CERT_DIR=$CERTS \
		    POP3_HOST=127.0.0.1 POP3_HOST6=::1 POP3_NAME=localhost \
		    POP3_MISMATCH_HOST=$PROXY_DENY_HOST \
		    POP3_PLAIN_PORT=$POP3_PLAIN_PORT POP3S_PORT=$POP3S_PORT \
		    POP3_TLS13_PORT=$POP3_TLS13_PORT \
		    POP3S_TLS13_PORT=$POP3S_TLS13_PORT \
		    POP3_UNTRUSTED_PORT=$POP3_UNTRUSTED_PORT \
		    POP3S_UNTRUSTED_PORT=$POP3S_UNTRUSTED_PORT \
		    POP3_EXPIRED_PORT=$POP3_EXPIRED_PORT \
		    POP3S_EXPIRED_PORT=$POP3S_EXPIRED_PORT \
		    POP3_GROUP_PORT=$POP3_GROUP_PORT \
		    POP3S_GROUP_PORT=$POP3S_GROUP_PORT \
		    POP3S_LEGACY_PORT=$POP3S_LEGACY_PORT \
		    POP3_CLOSED_PORT=$POP3_CLOSED_PORT \
		    POPCONN_TEST_CA_SHA256=$FP_CA \
		    POP3_SERVER_SHA256=$FP_SERVER \
		    POP3_UNTRUSTED_CA_SHA256=$FP_UNTRUSTED_CA \
		    POP3_UNTRUSTED_SHA256=$FP_UNTRUSTED \
		    POP3_EXPIRED_SHA256=$FP_EXPIRED \
		    TEST_USER=$TEST_USER TEST_PASS=$TEST_PASS \
		    TEST_MSGS=$TEST_MSGS TEST_OCTETS=$TEST_OCTETS \
		    "TEST_STAT=$TEST_MSGS $TEST_OCTETS" \
		    EMPTY_USER=$EMPTY_USER EMPTY_PASS=$EMPTY_PASS \
		    "EMPTY_STAT=0 0" \
		    TEST_OAUTH_TOKEN=$TEST_OAUTH_TOKEN \
		    TEST_OAUTH_TOKEN_EXPIRED=$TEST_OAUTH_TOKEN_EXPIRED \
		    TEST_OAUTH_TOKEN_LONG=$TEST_OAUTH_TOKEN_LONG \
		    DOVECOT_AUTH_FAIL_DELAY_MS=$AUTH_FAIL_DELAY_MS \
		    PROXY_USER=$PROXY_USER PROXY_PASS=$PROXY_PASS \
		    SOCKS5_AUTH_PORT=$SOCKS5_AUTH_PORT \
		    DANTE_OPEN_PORT=$DANTE_OPEN_PORT \
		    DANTE_AUTH_PORT=$DANTE_AUTH_PORT \
		    PERL_SOCKS_PORT=$PERL_SOCKS_PORT \
		    HTTP_AUTH_PORT=$HTTP_AUTH_PORT HTTP_OPEN_PORT=$HTTP_OPEN_PORT \
		    PROXY_DENY_HOST=$PROXY_DENY_HOST \
		    PROXY_DENY_PORT=$PROXY_DENY_PORT \
		    DELAY_MS=$DELAY_MS DELAY_POP3S_PORT=$DELAY_POP3S_PORT \
		    DELAY_POP3_PORT=$DELAY_POP3_PORT \
		    POPCONN_SERVERS_LOGS=$LOGS; do
			printf 'export %s=%q\n' "${v%%=*}" "${v#*=}"
		done
	} >"$ENVFILE"
}

cmd_stop()
{
	local t0 f pg groups=() left rundir pam deadline
	t0=$(now_ms)
	if [ ! -f "$STATE" ]; then
		say "nothing to stop in $DIR"
		return 0
	fi
	RUNID=$(state_get RUNID)
	TAG=$RUNID:$DIR
	for f in "$PIDS"/*.pid; do
		[ -f "$f" ] || continue
		case $f in *.daemon.pid) continue ;; esac
		pg=$(cat "$f" 2>/dev/null)
		[[ $pg =~ ^[0-9]+$ ]] || continue
		if group_alive "$pg"; then
			kill -TERM -- "-$pg" 2>/dev/null
			groups+=("$pg")
		fi
	done
	deadline=$(($(now_ms) + 5000))
	while :; do
		left=()
		for pg in "${groups[@]}"; do
			group_alive "$pg" && left+=("$pg")
		done
		[ ${#left[@]} -eq 0 ] && break
		if [ "$(now_ms)" -gt "$deadline" ]; then
			say "still running after SIGTERM: groups ${left[*]}: SIGKILL"
			for pg in "${left[@]}"; do
				kill -KILL -- "-$pg" 2>/dev/null
			done
			deadline=$(($(now_ms) + 3000))
			groups=("${left[@]}")
			sleep 0.1
			continue
		fi
		groups=("${left[@]}")
		sleep 0.02
	done
	pam=$(state_get PAMFILE)
	case $pam in
	/etc/pam.d/popconn-dante-*) rm -f "$pam" ;;
	esac
	rundir=$(state_get RUNDIR)
	case $rundir in
	/tmp/pcsrv.*) rm -rf "$rundir" ;;
	esac
	rm -f "$PIDS"/*.pid "$STATE" "$ENVFILE"
	say "stopped in $(($(now_ms) - t0)) ms"
}

cmd_env()
{
	[ -f "$ENVFILE" ] || die "no servers running in $DIR (no env.sh)"
	cat "$ENVFILE"
}

cmd_status()
{
	local f pg name rc=0
	[ -f "$STATE" ] || die "no servers started in $DIR"
	RUNID=$(state_get RUNID)
	TAG=$RUNID:$DIR
	for f in "$PIDS"/*.pid; do
		case $f in *.daemon.pid) continue ;; esac
		name=$(basename "$f" .pid)
		pg=$(cat "$f" 2>/dev/null)
		if [ -n "$pg" ] && group_alive "$pg"; then
			printf '%-18s running (process group %s)\n' "$name" "$pg"
		else
			printf '%-18s NOT running\n' "$name"
			rc=1
		fi
	done
	return $rc
}

[ $# -eq 2 ] || usage
set_paths "$2"
case $1 in
start) cmd_start ;;
stop) cmd_stop ;;
env) cmd_env ;;
status) cmd_status ;;
*) usage ;;
esac
