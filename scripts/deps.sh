#!/bin/sh
# deps.sh - install everything popconn needs to build and test on a fresh
# Debian 12 (bookworm), as root.  Idempotent: it asks dpkg what is missing,
# runs "apt-get update" only when something is, and installs just that.
# Prints one line saying what it installed.  "deps.sh --check" only lists
# what is missing (exit 1 if anything is) and needs no root.
#
# Test servers (Dovecot, tinyproxy, danted) are never used as system
# services: tests/integ/servers.sh runs private instances.  Neither is
# Icinga 2: tests/integ/icinga.sh starts a private "icinga2 daemon" with
# its own configuration (monitoring-plugins-basic gives bench/ check_pop).
# The same holds for prometheus and prometheus-node-exporter
# (tests/integ/prom.sh starts its own on the run's loopback ports): on a
# machine without policy-rc.d apt starts the packaged services on :9090
# and :9100, which no test uses.  On machines with a policy-rc.d that
# forbids service starts, apt prints "invoke-rc.d:
# policy-rc.d denied execution of start"; that is expected and harmless.
# C.UTF-8 needs no "locales" package (libc-bin ships it).
#
# Courier's and Cyrus's POP3 servers conflict with dovecot-pop3d as
# installed packages: tests/integ/server_pkgs.sh downloads and unpacks them
# into a private tree instead; the lines from libcourier-unicode4 on are
# the shared libraries (and Cyrus SASL's plugins and saslpasswd2) their
# binaries need, none of which conflicts with anything here.
set -eu

PACKAGES="
	build-essential cmake pkg-config
	libwolfssl-dev libncurses-dev libsqlite3-dev libcmocka-dev
	libjansson-dev libcsv-dev sqlite3 libcurl4-openssl-dev
	tmux
	dovecot-pop3d microsocks tinyproxy dante-server libpam-pwdfile
	libio-socket-socks-perl perl openssl curl jq python3-authlib
	clang libfuzzer-14-dev libclang-rt-14-dev
	iproute2 procps util-linux time dialog
	prometheus prometheus-node-exporter
	libcourier-unicode4 libidn12 libltdl7 libgdbm6 libgnutls30 libpcre3
	libical3 libxapian30 libicu72 libjansson4 libkrb5-3 libldap-2.5-0
	libpq5 libsasl2-2 libsasl2-modules libsasl2-modules-db sasl2-bin
	libwrap0 libxml2 libsqlite3-0 libssl3 libcom-err2 zlib1g
	icinga2 monitoring-plugins-basic
"

missing=""
n=0
for p in $PACKAGES; do
	n=$((n + 1))
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $status in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ "${1:-}" = --check ]; then
	if [ -n "$missing" ]; then
		echo "deps.sh: missing:$missing"
		exit 1
	fi
	echo "deps.sh: all $n packages present"
	exit 0
fi
if [ -z "$missing" ]; then
	echo "deps.sh: nothing to install, all $n packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing:$missing; run as root to install" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q $missing >/dev/null
echo "deps.sh: installed$missing"
