#!/bin/sh
# scripts/deps.sh — makes sure the Debian packages skua builds and tests
# with are installed. As root it installs what is missing with apt-get
# (keeping any daemon a package brings from starting); otherwise it prints
# the exact command and fails, so make stops with something to do.
#
# Usage: scripts/deps.sh build|check
set -eu

build_pkgs="autoconf automake pkg-config gcc make libssl-dev libpam0g-dev
check zlib1g-dev libcrypt-dev openssl libsqlite3-dev"
check_pkgs="$build_pkgs libpam-wrapper libnss-wrapper libuid-wrapper
python3 dovecot-imapd isync fetchmail mutt haproxy fail2ban mandoc"

case "${1:-build}" in
build) want=$build_pkgs ;;
check) want=$check_pkgs ;;
*) echo "usage: $0 build|check" >&2; exit 2 ;;
esac

command -v dpkg-query >/dev/null 2>&1 || {
	echo "deps: not a Debian system; make sure these are installed:" $want >&2
	exit 0
}

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
# tests/interop/test_imapflow.py runs imapflow under node and installs it
# with npm (into the build directory). Any node with npm will do (the
# nodesource package has both in "nodejs"); Debian's when there is none.
if [ "${1:-build}" = check ] && ! { command -v node && command -v npm; } \
    >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi

echo "deps: installing$missing"
# Packages that ship a daemon must not start it on this machine: every
# test runs its own private instance.
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1
if [ $had_policy = 0 ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
    $missing; } </dev/null >"$log" 2>&1; then
	cat "$log" >&2
	rm -f "$log"
	echo "deps: apt-get failed" >&2
	exit 1
fi
rm -f "$log"
