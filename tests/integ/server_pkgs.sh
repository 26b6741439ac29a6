#!/bin/bash
# server_pkgs.sh - fetch Courier's and Cyrus's POP3 servers as unpacked
# Debian packages, for servers.sh.  They cannot be installed beside
# dovecot-pop3d (all three provide and conflict with pop3-server, and they
# would pull in an MTA), so their .debs are downloaded with "apt-get
# download" and unpacked with "dpkg -x" into a private tree that servers.sh
# lays over /usr inside a private mount namespace.  Their shared-library
# dependencies are ordinary packages, installed by scripts/deps.sh.
#
#   server_pkgs.sh [CACHE]   print the tree's path (CACHE/root) on stdout
#
# CACHE defaults to $POPCONN_SERVER_CACHE or /var/cache/popconn-servers.
# Idempotent and cached: once CACHE/root/.complete exists nothing is
# downloaded again (delete CACHE to refresh).  Parallel runs wait on
# CACHE/lock.  Needs root and Debian's mirror (apt-get), nothing else.
# CACHE/root/.complete lists "package version" for every unpacked package.

set -eu
export LC_ALL=C

CACHE=${1:-${POPCONN_SERVER_CACHE:-/var/cache/popconn-servers}}
PKGS="courier-pop courier-base courier-authdaemon courier-authlib
	courier-authlib-userdb cyrus-pop3d cyrus-common"

say() { printf '[server_pkgs] %s\n' "$*" >&2; }

root=$CACHE/root
if [ -f "$root/.complete" ]; then
	echo "$root"
	exit 0
fi
[ "$(id -u)" = 0 ] || { say "must run as root"; exit 1; }
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock -w 600 9 || { say "cannot take $CACHE/lock"; exit 1; }
# another run may have finished while we waited
if [ -f "$root/.complete" ]; then
	echo "$root"
	exit 0
fi

dl=$CACHE/debs
rm -rf "$dl" "$root" "$root.new"
mkdir -p "$dl" "$root.new"
# apt's download sandbox user must be able to write there
if getent passwd _apt >/dev/null; then
	chown _apt "$dl"
fi
# shellcheck disable=SC2086
if ! (cd "$dl" && apt-get download -q $PKGS >&2); then
	say "apt-get download failed; running apt-get update once"
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	(cd "$dl" && apt-get download -q $PKGS >&2) ||
		{ say "cannot download $PKGS"; exit 1; }
fi
for f in "$dl"/*.deb; do
	dpkg -x "$f" "$root.new"
	printf '%s %s\n' "$(dpkg-deb -f "$f" Package)" \
		"$(dpkg-deb -f "$f" Version)" >>"$root.new/.versions"
done
mv "$root.new/.versions" "$root.new/.complete"
mv "$root.new" "$root"
say "unpacked into $root: $(tr '\n' ' ' <"$root/.complete")"
echo "$root"
