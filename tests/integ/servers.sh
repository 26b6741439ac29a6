#!/bin/bash
# servers.sh - real POP3 servers and proxies on loopback for popconn's
# integration, TUI and benchmark tests.
#
#   servers.sh start DIR    generate certificates and configs under DIR, start
#                           every daemon, wait until all ports listen (< 2 s)
#   servers.sh env DIR      print shell "export" lines (ports, paths, users,
#                           fingerprints, tokens): eval "$(servers.sh env DIR)"
#   servers.sh status DIR   one line per daemon, exit 1 if one is not running
#   servers.sh stop DIR     stop exactly the process groups "start" created
#
# POPCONN_SERVERS_ONLY="dovecot-main dovecot-group ..." starts only those
# daemons (a family name such as "dovecot" or "tinyproxy" selects all of
# its members); POPCONN_DELAY_MS sets the relay latency (default 25 ms).
#
# Everything lives under DIR (a directory the test created) except one PAM
# service file, /etc/pam.d/popconn-dante-<run id>, that dante needs for
# user/password SOCKS5; "stop" removes it.  Ports are chosen free at start,
# in a block below the kernel's ephemeral range, under a lock shared by all
# runs on the machine, so parallel runs do not collide.  Every daemon runs in
# its own session (its pid is its process group id) with POPCONN_SERVERS_TAG
# in its environment; "stop" signals a group only when one of its processes
# carries this run's tag or DIR on its command line, never by name.
# Must run as root (Dovecot's privilege separation, dante's PAM).
#
# This machine forks slowly (20-40 ms per external command), so the script
# uses shell builtins wherever it can: /proc instead of ss and ps, here-
# documents read into variables instead of cat.  README.md next to this
# file lists what runs where.

set -u
set +m
umask 022
export LC_ALL=C

# this script's directory (server_pkgs.sh), before set_paths changes to DIR
case ${BASH_SOURCE[0]} in
*/*) HERE=${BASH_SOURCE[0]%/*} ;;
*) HERE=. ;;
esac
[[ $HERE == /* ]] || HERE=$PWD/$HERE
LOCK=/tmp/popconn-servers.lock	# serialises port choice between runs
NPORTS=32			# size of one run's port block
MAIL_UID=5000			# owner of the mailboxes (no account needed)
TEST_USER=testuser TEST_PASS=secret1
EMPTY_USER=emptyuser EMPTY_PASS=secret2
# The code-page account: its password as typed (UTF-8) and as Dovecot's
# passwd-file holds it, in Windows-1252 (u-umlaut, sharp s and the euro
# sign, which ISO-8859-1 lacks).  Dovecot compares bytes, so only a client
# that sends the Windows-1252 bytes logs on.
LATIN_USER=latinuser LATIN_PASS='Grüße€1' LATIN_PASS_CP1252=$'Gr\xfc\xdfe\x801'
PROXY_USER=proxyuser PROXY_PASS=proxypass
PROXY_DENY_HOST=127.0.0.2	# Dovecot listens there, every proxy refuses it
DELAY_MS=${POPCONN_DELAY_MS:-25}	# latency relay, each way
AUTH_FAIL_DELAY_MS=2000		# Dovecot's auth_failure_delay (default 2 s)
DOVECOTS="main tls13 untrusted expired group legacy"
OPT_IN="courier cyrus"		# started only when POPCONN_SERVERS_ONLY names them
COURIER_UID=5001 CYRUS_UID=5002	# their "courier" and "cyrus" users (namespace only)
CYRUS_DELAY_USER=delayuser CYRUS_DELAY_PASS=secret3
READY_MS=8000			# how long start waits for the ports
declare -A GROUP_LIVE=() PORTS_SEEN=()

say() { printf '[servers] %s\n' "$*" >&2; }

# die MESSAGE: a failing start first stops whatever it already started
die()
{
	say "error: $*"
	if [ "${STARTING:-0}" = 1 ]; then
		STARTING=0
		exec 9>&-
		cmd_stop
	fi
	exit 1
}
# now_ms: NOW = milliseconds since the epoch (no subshell: forks are dear)
now_ms() { local t=${EPOCHREALTIME/./}; NOW=$((t / 1000)); }

# mark WHAT: with POPCONN_SERVERS_DEBUG=1, print the time since start
mark()
{
	[ -n "${POPCONN_SERVERS_DEBUG:-}" ] || return 0
	now_ms
	say "$((NOW - T0)) ms: $*"
}

# put FILE: write standard input (a here-document) to FILE, no fork
put()
{
	local t
	IFS= read -r -d '' t || true
	printf '%s' "$t" >"$1"
}

# nap SECONDS: sleep without a fork (a read that times out on a pipe that
# never delivers); the descriptor is opened only after the daemons started
nap()
{
	[ -n "${NAP_FD:-}" ] || exec {NAP_FD}<> <(:)
	read -r -t "$1" -u "$NAP_FD" _ || true
}

usage()
{
	echo "usage: servers.sh start|stop|env|status DIR" >&2
	exit 2
}

# --- directory and state --------------------------------------------------

set_paths()
{
	cd -P -- "$1" 2>/dev/null || die "no such directory: $1"
	DIR=$PWD
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

# state_load: RUNID, PAMFILE, RUNDIR from DIR/state (KEY=VALUE lines)
state_load()
{
	local key value
	RUNID="" PAMFILE="" RUNDIR=""
	[ -f "$STATE" ] || return 1
	while IFS='=' read -r key value; do
		case $key in
		RUNID) RUNID=$value ;;
		PAMFILE) PAMFILE=$value ;;
		RUNDIR) RUNDIR=$value ;;
		esac
	done <"$STATE"
	TAG=$RUNID:$DIR
}

# --- processes and ports, read from /proc ---------------------------------

# scan_ports [STATE]: PORTS_SEEN[port]=1 for every TCP socket (IPv4 and
# IPv6) in that state (0A = listening), or in any state
scan_ports()
{
	local want=${1:-} f sl addr rest st
	PORTS_SEEN=()
	for f in /proc/net/tcp /proc/net/tcp6; do
		[ -r $f ] || continue
		while read -r sl addr _ st rest; do
			[ "$sl" = sl ] && continue
			[ -n "$want" ] && [ "$st" != "$want" ] && continue
			PORTS_SEEN[$((16#${addr##*:}))]=1
		done <$f
	done
}

# snapshot: GROUP_LIVE[pgid]="pid pid ..." for every process that is not a
# zombie (this sandbox's init reaps orphans late, so zombies linger)
snapshot()
{
	local f line rest
	local -a a
	GROUP_LIVE=()
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		rest=${line##*) }
		read -r -a a <<<"$rest"
		[ "${a[0]}" = Z ] && continue
		GROUP_LIVE[${a[2]}]+="${line%% *} "
	done
}

# owned PID: the process carries this run's tag or DIR on its command line
owned()
{
	local e
	local -a v
	mapfile -t -d "" v 2>/dev/null <"/proc/$1/environ" || return 1
	for e in "${v[@]}"; do
		[ "$e" = "POPCONN_SERVERS_TAG=$TAG" ] && return 0
	done
	mapfile -t -d "" v 2>/dev/null <"/proc/$1/cmdline" || return 1
	for e in "${v[@]}"; do
		[[ $e == *"$DIR/"* ]] && return 0
	done
	return 1
}

# group_owned PGID: a live process of the group (per snapshot) is this run's
group_owned()
{
	local p
	for p in ${GROUP_LIVE[$1]:-}; do
		owned "$p" && return 0
	done
	return 1
}

# leader_alive PID: the process exists and is not a zombie
leader_alive()
{
	local line
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	line=${line##*) }
	[ "${line:0:1}" != Z ]
}

# wanted NAME: POPCONN_SERVERS_ONLY is empty or names NAME or its family
# (the part before the first "-": dovecot, dante, tinyproxy); the OPT_IN
# families (courier, cyrus: unpacked packages, slower to start) only when
# named
wanted()
{
	local only=" ${POPCONN_SERVERS_ONLY:-} "
	if [ "$only" = "  " ]; then
		[[ " $OPT_IN " != *" ${1%%-*} "* ]]
		return
	fi
	[[ $only == *" $1 "* ]] || [[ $only == *" ${1%%-*} "* ]]
}

# spawn NAME CMD...: CMD runs in a new session whose id (= its pid = its
# process group) goes to NAME.pid; output to NAME.out; it inherits neither
# the lock nor the nap descriptor.  Without job control the subshell is not
# a group leader, so setsid(1) does not fork and $! is CMD's pid.
spawn()
{
	local name=$1
	shift
	wanted "$name" || return 0
	STARTED+=" $name"
	(
		exec 9>&- </dev/null >"$LOGS/$name.out" 2>&1
		[ -n "${NAP_FD:-}" ] && exec {NAP_FD}>&-
		export POPCONN_SERVERS_TAG=$TAG
		exec setsid "$@"
	) &
	echo $! >"$PIDS/$name.pid"
}

show_log()
{
	local f
	for f in "$LOGS/$1.out" "$LOGS/$1.log"; do
		if [ -s "$f" ]; then
			say "---- $f"
			tail -n 40 "$f" >&2
		fi
	done
}

# wait_ready "NAME PORT" ...: until every PORT listens; a daemon that died
# fails at once, with its log
wait_ready()
{
	local deadline item name port pg
	local -a pending=("$@") next
	now_ms
	deadline=$((NOW + READY_MS))
	while :; do
		scan_ports 0A
		next=()
		for item in "${pending[@]}"; do
			read -r name port <<<"$item"
			wanted "$name" || continue
			[ -n "${PORTS_SEEN[$port]:-}" ] && continue
			read -r pg <"$PIDS/$name.pid"
			if ! leader_alive "$pg"; then
				say "$name exited before listening on port $port"
				show_log "$name"
				return 1
			fi
			next+=("$item")
		done
		[ ${#next[@]} -eq 0 ] && return 0
		pending=("${next[@]}")
		now_ms
		if [ "$NOW" -gt "$deadline" ]; then
			for item in "${pending[@]}"; do
				say "timeout: not listening: $item"
				show_log "${item% *}"
			done
			return 1
		fi
		nap 0.02
	done
}

# --- ports -----------------------------------------------------------------

# Picks NPORTS consecutive free TCP ports in 20000..31959, below the default
# ephemeral range (32768-60999), so no outgoing connection sits on one.
# POPCONN_PORT_BASE forces the base.  Called with the lock held.
pick_ports()
{
	local p base ok i
	scan_ports
	for ((i = 0; i < 100; i++)); do
		base=${POPCONN_PORT_BASE:-$((20000 + (RANDOM % 299) * 40))}
		ok=1
		for ((p = base; p < base + NPORTS; p++)); do
			if [ -n "${PORTS_SEEN[$p]:-}" ]; then
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
	POP3_PLAIN_PORT=$b		POP3S_PORT=$((b + 1))
	POP3_TLS13_PORT=$((b + 2))	POP3S_TLS13_PORT=$((b + 3))
	POP3_UNTRUSTED_PORT=$((b + 4))	POP3S_UNTRUSTED_PORT=$((b + 5))
	POP3_EXPIRED_PORT=$((b + 6))	POP3S_EXPIRED_PORT=$((b + 7))
	POP3_GROUP_PORT=$((b + 8))	POP3S_GROUP_PORT=$((b + 9))
	POP3S_LEGACY_PORT=$((b + 10))
	SOCKS5_AUTH_PORT=$((b + 11))	DANTE_OPEN_PORT=$((b + 12))
	DANTE_AUTH_PORT=$((b + 13))	PERL_SOCKS_PORT=$((b + 14))
	HTTP_AUTH_PORT=$((b + 15))	HTTP_OPEN_PORT=$((b + 16))
	DELAY_POP3S_PORT=$((b + 17))	DELAY_POP3_PORT=$((b + 18))
	POP3_CLOSED_PORT=$((b + 19))	# nothing listens here
	COURIER_POP3_PORT=$((b + 20))	COURIER_POP3S_PORT=$((b + 21))
	CYRUS_POP3_PORT=$((b + 22))	CYRUS_POP3S_PORT=$((b + 23))
	CYRUS_DELAY_PORT=$((b + 24))	# implicit TLS, popminpoll 1 minute
	# listening (legacy Dovecot), but refused by dante, tinyproxy and the
	# perl SOCKS server
	PROXY_DENY_PORT=$POP3S_LEGACY_PORT
}

# --- certificates ------------------------------------------------------------

# fp NAME: NAME.crt's SHA-256 fingerprint (of the DER), as openssl prints
# it, in NAME.sha256; fp_read NAME sets FP to its 64 lower-case hex digits
fp() { openssl x509 -in $1.crt -noout -fingerprint -sha256 >$1.sha256; }

fp_read()
{
	read -r FP <"$CERTS/$1.sha256" || die "no fingerprint for $1"
	FP=${FP##*=}
	FP=${FP//:/}
	FP=${FP,,}
	[ ${#FP} = 64 ] || die "bad fingerprint for $1"
}

# ca_chain CA SERVER...: in $CERTS, a CA and the server certificates it
# signs, all P-256 (fast to generate), servers for localhost, 127.0.0.1 and
# ::1.  A SERVER named "expired" is valid only during 2020.  Writes each
# certificate's fingerprint to NAME.sha256.  Runs in a subshell.
ca_chain()
{
	local ca=$1 s
	local req=(openssl req -config min.cnf -nodes -newkey ec
		-pkeyopt ec_paramgen_curve:P-256)
	local ext=(-addext "basicConstraints=critical,CA:FALSE"
		-addext "keyUsage=critical,digitalSignature"
		-addext "extendedKeyUsage=serverAuth"
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1")
	shift
	set -e
	cd "$CERTS"
	"${req[@]}" -x509 -keyout $ca.key -out $ca.crt -days 3650 \
		-subj "/O=popconn tests/CN=popconn $ca" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign"
	for s in "$@"; do
		if [ $s != expired ]; then
			"${req[@]}" -x509 -CA $ca.crt -CAkey $ca.key -days 825 \
				-keyout $s.key -out $s.crt "${ext[@]}" \
				-subj "/O=popconn tests/CN=localhost"
			continue
		fi
		# openssl 3.0 cannot back-date with "req" or "x509"; "ca" can
		"${req[@]}" -keyout $s.key -out $s.csr "${ext[@]}" \
			-subj "/O=popconn tests/CN=localhost"
		mkdir ca-db
		: >ca-db/index.txt
		echo 3001 >ca-db/serial
		put ca.cnf <<-'EOF'
		[ ca ]
		default_ca = testca
		[ testca ]
		database = ca-db/index.txt
		new_certs_dir = ca-db
		serial = ca-db/serial
		default_md = sha256
		policy = anything
		unique_subject = no
		preserve = yes
		copy_extensions = copy
		[ anything ]
		commonName = supplied
		organizationName = optional
		EOF
		openssl ca -batch -config ca.cnf -cert $ca.crt -keyfile $ca.key \
			-in $s.csr -out $s.crt -notext \
			-startdate 20200101000000Z -enddate 20210101000000Z
		rm -f $s.csr
	done
	for s in "$ca" "$@"; do
		fp $s
	done
}

# the two chains are made in the background while the rest is set up
gen_certs_begin()
{
	printf '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n' \
		>"$CERTS/min.cnf"
	(ca_chain ca server expired) >"$LOGS/certs-ca.log" 2>&1 &
	CERT_JOBS=$!
	(ca_chain untrusted-ca untrusted) >"$LOGS/certs-untrusted.log" 2>&1 &
	CERT_JOBS="$CERT_JOBS $!"
}

gen_certs_end()
{
	local j rc=0
	for j in $CERT_JOBS; do
		wait "$j" || rc=1
	done
	if [ $rc != 0 ]; then
		cat "$LOGS"/certs-*.log >&2
		die "certificate generation failed"
	fi
	fp_read ca
	FP_CA=$FP
	fp_read server
	FP_SERVER=$FP
	fp_read untrusted-ca
	FP_UNTRUSTED_CA=$FP
	fp_read untrusted
	FP_UNTRUSTED=$FP
	fp_read expired
	FP_EXPIRED=$FP
}

# --- mail, users, XOAUTH2 tokens -------------------------------------------

# Prints four lines: three HS256 JWTs for $TEST_USER (valid for a week;
# expired an hour ago; valid and longer than 4096 bytes thanks to a "pad"
# claim, yet under Dovecot's 8192-byte limit for a SASL response once
# wrapped in XOAUTH2 and base64), then a SHA-512 crypt of $PROXY_PASS for
# pam_pwdfile.  Writes the random HMAC key, base64, where Dovecot's key
# dictionary looks it up (/shared/<azp>/<alg>/<kid>, both "default").
gen_secrets()
{
	perl -MDigest::SHA=hmac_sha256 -MMIME::Base64 -e '
		my ($keyfile, $sub, $pass) = @ARGV;
		open(my $r, "<:raw", "/dev/urandom") or die "urandom: $!";
		read($r, my $key, 48) == 48 or die "urandom: short read";
		my $salt = encode_base64(substr($key, 32), "");
		$salt =~ tr{+/=}{./}d;
		$key = substr($key, 0, 32);
		open(my $k, ">", $keyfile) or die "$keyfile: $!";
		print $k encode_base64($key, "");
		close $k or die "$keyfile: $!";
		sub b64u {
			my $s = encode_base64($_[0], "");
			$s =~ tr{+/}{-_};
			$s =~ s/=+$//;
			return $s;
		}
		sub jwt {
			my ($iat, $exp, $pad) = @_;
			my $h = b64u(q({"alg":"HS256","typ":"JWT"}));
			my $b = b64u(sprintf(q({"sub":"%s","iat":%d,"exp":%d%s}),
			    $sub, $iat, $exp,
			    $pad ? sprintf(q(,"pad":"%s"), "x" x $pad) : ""));
			return "$h.$b." . b64u(hmac_sha256("$h.$b", $key));
		}
		my $now = time;
		print jwt($now - 60, $now + 7 * 86400), "\n",
		    jwt($now - 7200, $now - 3600), "\n",
		    jwt($now - 60, $now + 7 * 86400, 3200), "\n",
		    crypt($pass, "\$6\$$salt\$"), "\n";
	' "$DV/keys/default/HS256/default" "$TEST_USER" "$PROXY_PASS"
}

gen_mail()
{
	local i f msg lf m=$DIR/mail
	printf '%s:{PLAIN}%s::::::\n%s:{PLAIN}%s::::::\n%s:{PLAIN}%s::::::\n' \
		"$TEST_USER" "$TEST_PASS" "$EMPTY_USER" "$EMPTY_PASS" \
		"$LATIN_USER" "$LATIN_PASS_CP1252" >"$DV/users"
	TEST_MSGS=0
	TEST_OCTETS=0
	for i in 1 2; do
		f=$m/$TEST_USER/Maildir/new/170406720$i.M${i}P1.localhost
		printf -v msg 'From: sender@example.test\nTo: %s@localhost\nSubject: test message %s\nDate: Mon, 01 Jan 2024 00:00:0%s +0000\nMessage-ID: <msg%s@example.test>\n\nHello, this is test message %s.\n' \
			"$TEST_USER" $i $i $i $i
		printf '%s' "$msg" >"$f"
		# POP3 sizes count CRLF line ends: bytes + one per LF
		lf=${msg//[!$'\n']/}
		TEST_MSGS=$((TEST_MSGS + 1))
		TEST_OCTETS=$((TEST_OCTETS + ${#msg} + ${#lf}))
	done
	chown -R $MAIL_UID:$MAIL_UID "$m"
	# XOAUTH2 / OAUTHBEARER: Dovecot validates JWTs locally, no token
	# server; its key dictionary is the directory tree under keys/
	{
		read -r TEST_OAUTH_TOKEN
		read -r TEST_OAUTH_TOKEN_EXPIRED
		read -r TEST_OAUTH_TOKEN_LONG
		read -r PROXY_PASS_CRYPT
	} < <(gen_secrets)
	[ -n "${PROXY_PASS_CRYPT:-}" ] || die "token generation failed"
	put "$DV/oauth2.conf.ext" <<-EOF
	# oauth2 passdb: local JWT validation only, no token server
	introspection_mode = local
	local_validation_key_dict = fs:posix:prefix=$DV/keys/
	username_attribute = sub
	EOF
}

# --- Dovecot ---------------------------------------------------------------

# dv_conf NAME LISTEN PLAIN_PORT SSL_PORT CERTNAME EXTRA
dv_conf()
{
	local name=$1 listen=$2 pport=$3 sport=$4 cert=$5 extra=$6
	put "$DV/$name.conf" <<-EOF
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
	auth_mechanisms = plain login cram-md5 apop xoauth2 oauthbearer scram-sha-1 scram-sha-256
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
	# for group tests: plaintext allowed from any loopback address, and
	# no auth penalty (trusted networks alone do not lift it in 2.3.19)
	dv_conf group "$lo" $POP3_GROUP_PORT $POP3S_GROUP_PORT server \
		"login_trusted_networks = 127.0.0.0/8 ::1
	service anvil {
	  unix_listener anvil-auth-penalty {
	    mode = 0
	  }
	}"
	dv_conf legacy "$lo" 0 $POP3S_LEGACY_PORT server \
		"ssl_min_protocol = TLSv1
	ssl_cipher_list = DEFAULT:@SECLEVEL=0"
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
	put "$PX/$name.conf" <<-EOF
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

# tiny_conf NAME PORT AUTH(0|1): CONNECT only to the Dovecot ports (not
# PROXY_DENY_PORT) and only to localhost, 127.0.0.1 and ::1
tiny_conf()
{
	local name=$1 port=$2 auth=$3 p
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
		for p in $POP3_PLAIN_PORT $POP3S_PORT $POP3_TLS13_PORT \
		    $POP3S_TLS13_PORT $POP3_UNTRUSTED_PORT $POP3S_UNTRUSTED_PORT \
		    $POP3_EXPIRED_PORT $POP3S_EXPIRED_PORT $POP3_GROUP_PORT \
		    $POP3S_GROUP_PORT $POP3_CLOSED_PORT; do
			echo "ConnectPort $p"
		done
		echo "Filter \"$PX/tinyproxy.filter\""
		echo "FilterDefaultDeny Yes"
		echo "FilterExtended Yes"
	} >"$PX/$name.conf"
	# tinyproxy opens its log after dropping to nobody
	: >"$LOGS/$name.log"
}

write_socks_pl()
{
	put "$PX/socks.pl" <<-'EOF'
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
	    if (!defined $cmd || $cmd != CMD_CONNECT || !allowed($host, $dport)) {
	        print "v", $c->version, " refused ", $host // '?', ":",
	            $dport // '?', "\n";
	        $c->command_reply($v4 ? REQUEST_FAILED : REPLY_CONN_NOT_ALLOWED,
	            '0.0.0.0', 0);
	        exit 0;
	    }
	    my $t = IO::Socket::IP->new(PeerHost => $host, PeerPort => $dport,
	        Timeout => 10);
	    if (!$t) {
	        print "v", $c->version, " $host:$dport: $@\n";
	        $c->command_reply($v4 ? REQUEST_FAILED : REPLY_CONN_REFUSED,
	            '0.0.0.0', 0);
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
	put "$PX/relay.pl" <<-'EOF'
	#!/usr/bin/perl
	# Latency relay for popconn tests: this kernel has no netem, so every
	# chunk is held DELAY_MS before it is passed on, in each direction,
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

	# pump: $due{$dst} holds [due time, bytes] in arrival order, undef
	# bytes standing for end of stream
	sub pump {
	    my ($c, $u) = @_;
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
	echo "$PROXY_USER:$PROXY_PASS_CRYPT" >"$PX/dante.passwd"
	put "$PAMFILE" <<-EOF
	# popconn test run $RUNID ($DIR): dante users from a private file.
	# Removed by servers.sh stop.
	auth    required pam_pwdfile.so pwdfile=$PX/dante.passwd
	account required pam_permit.so
	EOF
	printf '%s\n' '^localhost$' '^127\.0\.0\.1$' '^\[?::1\]?$' \
		>"$PX/tinyproxy.filter"
	tiny_conf tinyproxy-auth "$HTTP_AUTH_PORT" 1
	tiny_conf tinyproxy-open "$HTTP_OPEN_PORT" 0
	chown nobody:nogroup "$LOGS/tinyproxy-auth.log" "$LOGS/tinyproxy-open.log"
	write_socks_pl
	write_relay_pl
}

# --- Courier and Cyrus ---------------------------------------------------------
#
# Both come as unpacked Debian packages (server_pkgs.sh: they conflict with
# dovecot-pop3d as installed packages) and run in a private mount namespace
# ("unshare -m", private propagation, so nothing shows outside it) where:
#   /usr  = overlay of the unpacked tree over the real /usr, so their
#           compiled-in paths (/usr/lib/courier/..., /usr/lib/cyrus/bin,
#           authdaemond's modules) resolve;
#   /etc  = overlay of a small layer over the real /etc: passwd and group
#           with a "courier" or "cyrus" user (Courier's login process drops
#           to "courier" for STLS; Cyrus runs as "cyrus") and, for Courier,
#           /etc/courier bound to this run's configuration (authdaemond and
#           userdb have that path compiled in);
#   /run  = a tmpfs (Courier: the authdaemon socket, compiled in too);
#   /dev  = a tmpfs with null, zero, random, urandom and a /dev/log socket
#           read by a small perl syslog listener (Cyrus logs only to syslog).
# Each family is one spawned group: a bash "init" (ns.sh) that sets this up,
# starts the daemons, and on SIGTERM stops its children by pid and waits.
# couriertcpd makes its own process group: ns.sh records those groups as
# pid/courier-pop3.pid and pid/courier-pop3s.pid, so stop and status see
# them too.

# pkg_versions: COURIER_VERSION and CYRUS_VERSION, the unpacked packages'
# versions (courier-pop, cyrus-pop3d)
pkg_versions()
{
	local p v
	while read -r p v; do
		case $p in
		courier-pop) COURIER_VERSION=$v ;;
		cyrus-pop3d) CYRUS_VERSION=$v ;;
		esac
	done <"$PKGROOT/.complete"
}

# ns_etc DIR USER UID: DIR/etc with passwd and group plus USER (uid=gid=UID)
ns_etc()
{
	mkdir -p "$1/etc"
	{
		printf '%s\n' "$(</etc/passwd)"
		echo "$2:x:$3:$3:popconn test $2:/nonexistent:/usr/sbin/nologin"
	} >"$1/etc/passwd"
	{
		printf '%s\n' "$(</etc/group)"
		echo "$2:x:$3:"
	} >"$1/etc/group"
}

# ns_head DIR: the first lines of an ns.sh: the overlays on /etc and /usr;
# on SIGTERM the children are stopped (their groups) and waited for
ns_head()
{
	cat <<-EOF
	#!/bin/bash
	# generated by servers.sh: runs inside "unshare -m"
	set -u
	die() { echo "ns.sh: \$*" >&2; exit 1; }
	# overlayfs refuses an upper layer shared with a lower one: all read-only
	mount -t overlay popconn-etc -o "lowerdir=$1/etc:/etc" /etc || die "overlay /etc"
	mount -t overlay popconn-usr -o "lowerdir=$PKGROOT/usr:/usr" /usr || die "overlay /usr"
	kids=()
	stop_kids() {
		local p
		for p in "\${kids[@]}"; do kill -TERM -- "-\$p" "\$p" 2>/dev/null; done
		wait
		exit 0
	}
	trap stop_kids TERM INT
	# waitfor PATH WHAT: until PATH exists (20 s)
	waitfor() {
		local i
		for ((i = 0; i < 400; i++)); do
			[ -e "\$1" ] && return 0
			sleep 0.05
		done
		die "\$2 did not appear (\$1)"
	}
	# the end of every ns.sh: when one daemon exits, stop the others
	watch_kids() {
		wait -n
		echo "ns.sh: a daemon exited; stopping the others" >&2
		stop_kids
	}
	EOF
}

gen_courier()
{
	local C=$DIR/courier pw hm
	mkdir -p "$C/etc/courier" "$C/conf" "$C/mail"
	ns_etc "$C" courier $COURIER_UID
	cp -a "$DIR/mail/$TEST_USER" "$C/mail/"
	chown -R $MAIL_UID:$MAIL_UID "$C/mail"
	cat "$CERTS/server.key" "$CERTS/server.crt" >"$C/conf/pop3d.pem"
	chown $COURIER_UID "$C/conf/pop3d.pem"
	chmod 600 "$C/conf/pop3d.pem"
	put "$C/conf/authdaemonrc" <<-EOF
	# popconn test Courier, generated by servers.sh
	authmodulelist="authuserdb"
	daemons=2
	authdaemonvar=/run/courier/authdaemon
	DEBUG_LOGIN=0
	DEFAULTOPTIONS=""
	LOGGEROPTS=""
	EOF
	# userdb: the crypt password for USER/PLAIN/LOGIN, the HMAC-MD5
	# pre-computed state for CRAM-MD5 (userdbpw runs inside ns.sh)
	pw=$(printf '%s' "$TEST_PASS" | openssl passwd -6 -stdin)
	printf '%s\tuid=%s|gid=%s|home=%s|mail=%s|systempw=%s\n' "$TEST_USER" \
		$MAIL_UID $MAIL_UID "$C/mail/$TEST_USER" \
		"$C/mail/$TEST_USER/Maildir" "$pw" >"$C/conf/userdb.in"
	chmod 600 "$C/conf/userdb.in"
	printf '%s\n%s\n' "$TEST_PASS" "$TEST_PASS" >"$C/conf/pass"
	chmod 600 "$C/conf/pass"
	# Debian's /etc/courier/pop3d and pop3d-ssl, with SASL turned on:
	# CRAM-MD5 only before TLS (POP3AUTH), LOGIN and PLAIN after STLS and
	# on the implicit TLS port (POP3AUTH_TLS)
	{
		ns_head "$C"
		cat <<-EOF
		mount --bind "$C/conf" /etc/courier || die "bind /etc/courier"
		mount -t tmpfs -o mode=755 popconn-run /run || die "tmpfs /run"
		mkdir -p /run/courier/authdaemon
		hm=\$(userdbpw -hmac-md5 <"$C/conf/pass") || die userdbpw
		rm -f "$C/conf/pass"
		{ tr -d '\n' <"$C/conf/userdb.in"; echo "|hmac-md5pw=\$hm"; } >/etc/courier/userdb
		chmod 600 /etc/courier/userdb
		makeuserdb || die makeuserdb
		/usr/lib/courier/courier-authlib/authdaemond >>"$LOGS/courier-authdaemond.log" 2>&1 &
		kids+=(\$!)
		waitfor /run/courier/authdaemon/socket "authdaemond's socket"
		export POP3AUTH="LOGIN PLAIN CRAM-MD5" POP3AUTH_TLS="LOGIN PLAIN" \\
		    POP3_PROXY=0 POP3_TLS_REQUIRED=0 MAILDIRPATH=Maildir \\
		    COURIERTLS=/usr/bin/couriertls TLS_CERTFILE=/etc/courier/pop3d.pem \\
		    TLS_VERIFYPEER=NONE TLS_CACHEFILE= \\
		    MIME_UNICODE_MESSAGE_TYPE=message/global
		tcpd=(couriertcpd -address=127.0.0.1 -maxprocs=100 -maxperip=100
		    -nodnslookup -noidentlookup)
		POP3_STARTTLS=YES "\${tcpd[@]}" -stderr="$LOGS/courier-pop3.log" \\
		    $COURIER_POP3_PORT /usr/lib/courier/courier/courierpop3login \\
		    /usr/lib/courier/courier/courierpop3d Maildir &
		kids+=(\$!)
		echo \$! >"$PIDS/courier-pop3.pid"
		POP3_TLS=1 POP3_STARTTLS=NO "\${tcpd[@]}" -stderr="$LOGS/courier-pop3s.log" \\
		    $COURIER_POP3S_PORT /usr/bin/couriertls -server -tcpd -user=courier \\
		    /usr/lib/courier/courier/courierpop3login \\
		    /usr/lib/courier/courier/courierpop3d Maildir &
		kids+=(\$!)
		echo \$! >"$PIDS/courier-pop3s.pid"
		watch_kids
		EOF
	} >"$C/ns.sh"
}

gen_cyrus()
{
	local C=$DIR/cyrus L=$RUNDIR/cyrus i f conf
	mkdir -p "$C/spool" "$C/tls" "$C/msg" \
		"$L/"{db,proc,lock,log,socket,quota,user,sieve} || exit 1
	# the cyrus user must reach its configdirectory (mktemp made RUNDIR 700)
	chmod o+x "$RUNDIR"
	ns_etc "$C" cyrus $CYRUS_UID
	cp "$CERTS/server.crt" "$CERTS/server.key" "$C/tls/"
	chmod 600 "$C/tls/server.key"
	# the messages as Dovecot has them, with CRLF line ends as Cyrus
	# stores them
	i=0
	for f in "$DIR/mail/$TEST_USER/Maildir/new/"*; do
		i=$((i + 1))
		sed 's/$/\r/' "$f" >"$C/msg/$i."
	done
	printf '%s' "$TEST_PASS" | saslpasswd2 -f "$C/sasldb2" -c -p -u localhost "$TEST_USER" &&
		printf '%s' "$CYRUS_DELAY_PASS" | saslpasswd2 -f "$C/sasldb2" -c -p -u localhost "$CYRUS_DELAY_USER" ||
		die "saslpasswd2 failed"
	chown -R $CYRUS_UID:$CYRUS_UID "$C/spool" "$C/tls" "$C/sasldb2" "$L"
	conf=$C/imapd.conf
	put "$conf" <<-EOF
	# popconn test Cyrus, generated by servers.sh
	configdirectory: $L
	partition-default: $C/spool
	servername: localhost
	syslog_prefix: popconn-cyrus
	lmtpsocket: $L/socket/lmtp
	sasl_pwcheck_method: auxprop
	sasl_auxprop_plugin: sasldb
	sasl_sasldb_path: $C/sasldb2
	sasl_mech_list: PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256
	allowapop: 1
	tls_server_cert: $C/tls/server.crt
	tls_server_key: $C/tls/server.key
	autocreate_post: 1
	autocreate_quota: 0
	EOF
	# the delay service: its own log prefix (an option given twice is a
	# fatal error) and popminpoll
	{
		printf '%s\n' "$(<"$conf")" | while IFS= read -r line; do
			[[ $line == syslog_prefix:* ]] || printf '%s\n' "$line"
		done
		echo "syslog_prefix: popconn-cyrus-delay"
		echo "popminpoll: 1"
	} >"$C/imapd-delay.conf"
	# master passes no -C to what it runs: every command names its file.
	# The POP3 services are added (cyrus.conf rewritten, SIGHUP) only once
	# the mailbox is filled, so a listening port means ready.
	put "$C/cyrus-lmtp.conf" <<-EOF
	START {
	  recover cmd="ctl_cyrusdb -C $conf -r"
	}
	SERVICES {
	  lmtpunix cmd="lmtpd -C $conf" listen="$L/socket/lmtp" prefork=0
	}
	EOF
	put "$C/cyrus-full.conf" <<-EOF
	START {
	  recover cmd="ctl_cyrusdb -C $conf -r"
	}
	SERVICES {
	  lmtpunix cmd="lmtpd -C $conf" listen="$L/socket/lmtp" prefork=0
	  pop3 cmd="pop3d -C $conf" listen="127.0.0.1:$CYRUS_POP3_PORT" prefork=0
	  pop3s cmd="pop3d -s -C $conf" listen="127.0.0.1:$CYRUS_POP3S_PORT" prefork=0
	  pop3delay cmd="pop3d -s -C $C/imapd-delay.conf" listen="127.0.0.1:$CYRUS_DELAY_PORT" prefork=0
	}
	EOF
	cp "$C/cyrus-lmtp.conf" "$C/cyrus.conf"
	put "$C/syslog.pl" <<-'EOF'
	# syslog.pl SOCKET LOG: a syslog listener for Cyrus inside its namespace
	use strict;
	use warnings;
	use Socket;
	my ($path, $out) = @ARGV;
	unlink $path;
	socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\n";
	bind($s, sockaddr_un($path)) or die "bind $path: $!\n";
	chmod 0666, $path;
	open(my $o, '>>', $out) or die "$out: $!\n";
	$o->autoflush(1);
	while (defined(recv($s, my $m, 16384, 0))) {
	    $m =~ s/\n+$//;
	    print $o "$m\n";
	}
	EOF
	# The mailbox: lmtpd creates it with the first delivery; its files
	# are then replaced by ours (lmtpd adds a Received header with the
	# time and a session id) and reconstruct takes the new content.
	{
		ns_head "$C"
		cat <<-EOF
		mount -t tmpfs -o mode=755 popconn-dev /dev || die "tmpfs /dev"
		mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
		    mknod -m 666 /dev/random c 1 8 && mknod -m 666 /dev/urandom c 1 9 ||
		    die mknod
		perl "$C/syslog.pl" /dev/log "$LOGS/cyrus.log" &
		kids+=(\$!)
		waitfor /dev/log "the syslog socket"
		/usr/lib/cyrus/bin/master -C "$conf" -M "$C/cyrus.conf" -p "$L/master.pid" &
		kids+=(\$!)
		master=\$!
		waitfor "$L/socket/lmtp" "lmtpd's socket"
		for f in "$C"/msg/*; do
		    /usr/lib/cyrus/bin/deliver -C "$conf" -a "$TEST_USER" "$TEST_USER" <"\$f" ||
		        die "deliver \$f"
		done
		box=\$(/usr/lib/cyrus/bin/mbpath -C "$conf" "user/$TEST_USER") || die mbpath
		for f in "$C"/msg/*; do
		    [ -f "\$box/\${f##*/}" ] || die "no \$box/\${f##*/}"
		    cp "\$f" "\$box/\${f##*/}" && chown $CYRUS_UID:$CYRUS_UID "\$box/\${f##*/}"
		done
		/usr/lib/cyrus/bin/reconstruct -C "$conf" -G -R "user/$TEST_USER" >/dev/null ||
		    die reconstruct
		cp "$C/cyrus-full.conf" "$C/cyrus.conf"
		kill -HUP "\$master"
		watch_kids
		EOF
	} >"$C/ns.sh"
}

# --- commands ----------------------------------------------------------------

# the mail processes (uid MAIL_UID) and dovenull must be able to reach DIR
check_search()
{
	local d=$DIR p=() mode name
	while [ -n "$d" ]; do
		p+=("$d")
		d=${d%/*}
	done
	while read -r mode name; do
		case ${mode:9:1} in
		x | t) ;;
		*)
			[ "$name" = "$DIR" ] || die "$name is not searchable by other users (mode $mode); Dovecot's mail processes need it"
			chmod o+x "$DIR"
			;;
		esac
	done < <(stat -c '%A %n' "${p[@]}")
}

cmd_start()
{
	local n d
	local -a ready
	now_ms
	T0=$NOW
	STARTED=""
	[ "$EUID" = 0 ] || die "must run as root (Dovecot, dante's PAM)"
	if [ -f "$STATE" ]; then
		say "previous run found in $DIR: stopping it first"
		cmd_stop
	fi
	check_search
	if wanted courier || wanted cyrus; then
		PKGROOT=$("$HERE/server_pkgs.sh") ||
			die "cannot fetch the Courier and Cyrus packages"
		pkg_versions
		READY_MS=30000
	fi
	printf -v RUNID '%04x%04x' $RANDOM $RANDOM
	TAG=$RUNID:$DIR
	PAMSVC=popconn-dante-$RUNID
	PAMFILE=/etc/pam.d/$PAMSVC
	# unix socket paths are limited to 107 bytes: keep Dovecot's
	# base_dir short even when DIR is deep
	RUNDIR=$DIR/run
	[ ${#RUNDIR} -gt 60 ] && RUNDIR=$(mktemp -d /tmp/pcsrv.XXXXXX)
	for d in "$CERTS" "$DV" "$PX" "$LOGS" "$PIDS" "$DIR/mail" "$DIR/run"; do
		if [ -e "$d" ]; then
			rm -rf "$CERTS" "$DV" "$PX" "$LOGS" "$PIDS" "$DIR/mail" \
				"$DIR/run" "$DIR/courier" "$DIR/cyrus"
			break
		fi
	done
	rm -f "$ENVFILE"
	mkdir -p "$CERTS" "$PX" "$LOGS" "$PIDS" "$DV/keys/default/HS256" \
		"$DIR/mail/$TEST_USER/Maildir/"{cur,new,tmp} \
		"$DIR/mail/$EMPTY_USER/Maildir/"{cur,new,tmp} \
		"$DIR/mail/$LATIN_USER/Maildir/"{cur,new,tmp} \
		"$DV/state-"{main,tls13,untrusted,expired,group,legacy} || exit 1
	printf 'RUNID=%s\nPAMFILE=%s\nRUNDIR=%s\n' "$RUNID" "$PAMFILE" "$RUNDIR" \
		>"$STATE"
	STARTING=1

	gen_certs_begin
	gen_mail
	mark "mailboxes and tokens ready"

	exec 9>"$LOCK"
	# A deadline, not a measure: other runs hold the lock while they
	# start, which takes long on a loaded machine.
	flock -w 300 9 || die "cannot take $LOCK in 300 s"
	pick_ports
	assign_ports
	gen_dovecot
	gen_proxies
	mark "ports $BASE-$((BASE + NPORTS - 1)) chosen, configs written"

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
	mark "proxies spawned"
	gen_certs_end
	mark "certificates ready"
	for n in $DOVECOTS; do
		spawn "dovecot-$n" dovecot -F -c "$DV/$n.conf"
	done
	mark "Dovecots spawned"
	if wanted courier; then
		gen_courier
		spawn courier unshare -m --propagation private \
			bash "$DIR/courier/ns.sh"
	fi
	if wanted cyrus; then
		gen_cyrus
		spawn cyrus unshare -m --propagation private \
			bash "$DIR/cyrus/ns.sh"
	fi
	ready=("microsocks $SOCKS5_AUTH_PORT" "dante-open $DANTE_OPEN_PORT"
		"dante-auth $DANTE_AUTH_PORT" "perl-socks $PERL_SOCKS_PORT"
		"tinyproxy-auth $HTTP_AUTH_PORT" "tinyproxy-open $HTTP_OPEN_PORT"
		"relay $DELAY_POP3S_PORT" "relay $DELAY_POP3_PORT"
		"dovecot-main $POP3_PLAIN_PORT" "dovecot-main $POP3S_PORT"
		"dovecot-tls13 $POP3_TLS13_PORT" "dovecot-tls13 $POP3S_TLS13_PORT"
		"dovecot-untrusted $POP3_UNTRUSTED_PORT"
		"dovecot-untrusted $POP3S_UNTRUSTED_PORT"
		"dovecot-expired $POP3_EXPIRED_PORT"
		"dovecot-expired $POP3S_EXPIRED_PORT"
		"dovecot-group $POP3_GROUP_PORT" "dovecot-group $POP3S_GROUP_PORT"
		"dovecot-legacy $POP3S_LEGACY_PORT"
		"courier $COURIER_POP3_PORT" "courier $COURIER_POP3S_PORT"
		"cyrus $CYRUS_POP3_PORT" "cyrus $CYRUS_POP3S_PORT"
		"cyrus $CYRUS_DELAY_PORT")
	wait_ready "${ready[@]}" || die "start failed (logs in $LOGS)"
	STARTING=0
	exec 9>&-
	write_env
	now_ms
	say "started$STARTED on ports $BASE-$((BASE + NPORTS - 1)) in $((NOW - T0)) ms"
}

write_env()
{
	local v
	{
		echo "# popconn test servers in $DIR (servers.sh env)"
		for v in POPCONN_SERVERS_DIR=$DIR \
		    POPCONN_SERVERS_LOGS=$LOGS \
		    "POPCONN_SERVERS_STARTED=${STARTED# }" \
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
		    LATIN_USER=$LATIN_USER LATIN_PASS=$LATIN_PASS \
		    DOVECOT_AUTH_FAIL_DELAY_MS=$AUTH_FAIL_DELAY_MS \
		    TEST_OAUTH_TOKEN=$TEST_OAUTH_TOKEN \
		    TEST_OAUTH_TOKEN_EXPIRED=$TEST_OAUTH_TOKEN_EXPIRED \
		    TEST_OAUTH_TOKEN_LONG=$TEST_OAUTH_TOKEN_LONG \
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
		    COURIER_POP3_PORT=$COURIER_POP3_PORT \
		    COURIER_POP3S_PORT=$COURIER_POP3S_PORT \
		    CYRUS_POP3_PORT=$CYRUS_POP3_PORT \
		    CYRUS_POP3S_PORT=$CYRUS_POP3S_PORT \
		    CYRUS_DELAY_PORT=$CYRUS_DELAY_PORT \
		    CYRUS_DELAY_USER=$CYRUS_DELAY_USER \
		    CYRUS_DELAY_PASS=$CYRUS_DELAY_PASS \
		    "COURIER_VERSION=${COURIER_VERSION:-}" \
		    "CYRUS_VERSION=${CYRUS_VERSION:-}"; do
			printf 'export %s=%q\n' "${v%%=*}" "${v#*=}"
		done
	} >"$ENVFILE"
}

cmd_stop()
{
	local t0 f pg deadline killed=0
	local -a groups=() left=()
	now_ms
	t0=$NOW
	if [ ! -f "$STATE" ]; then
		say "nothing to stop in $DIR"
		return 0
	fi
	state_load
	snapshot
	for f in "$PIDS"/*.pid; do
		[ -f "$f" ] || continue
		case $f in *.daemon.pid) continue ;; esac
		read -r pg <"$f" || continue
		[[ $pg =~ ^[0-9]+$ ]] || continue
		if group_owned "$pg"; then
			kill -TERM -- "-$pg" 2>/dev/null
			groups+=("$pg")
		fi
	done
	# from here on a group counts as running while any member lives
	now_ms
	deadline=$((NOW + 5000))
	while [ ${#groups[@]} -gt 0 ]; do
		nap 0.02
		snapshot
		left=()
		for pg in "${groups[@]}"; do
			[ -n "${GROUP_LIVE[$pg]:-}" ] && left+=("$pg")
		done
		groups=("${left[@]}")
		[ ${#groups[@]} -eq 0 ] && break
		now_ms
		if [ "$NOW" -gt "$deadline" ]; then
			[ $killed = 1 ] && die "process groups ${groups[*]} survive SIGKILL"
			say "still running 5 s after SIGTERM: groups ${groups[*]}: SIGKILL"
			for pg in "${groups[@]}"; do
				kill -KILL -- "-$pg" 2>/dev/null
			done
			killed=1
			deadline=$((NOW + 3000))
		fi
	done
	case $PAMFILE in
	/etc/pam.d/popconn-dante-*) rm -f "$PAMFILE" ;;
	esac
	case $RUNDIR in
	/tmp/pcsrv.*) rm -rf "$RUNDIR" ;;
	esac
	rm -f "$PIDS"/*.pid "$STATE" "$ENVFILE"
	now_ms
	say "stopped in $((NOW - t0)) ms"
}

cmd_env()
{
	[ -f "$ENVFILE" ] || die "no servers running in $DIR (no env.sh)"
	printf '%s\n' "$(<"$ENVFILE")"
}

cmd_status()
{
	local f pg name rc=0
	[ -f "$STATE" ] || die "no servers started in $DIR"
	state_load
	snapshot
	for f in "$PIDS"/*.pid; do
		case $f in *.daemon.pid) continue ;; esac
		name=${f##*/}
		name=${name%.pid}
		read -r pg <"$f"
		if group_owned "$pg"; then
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
