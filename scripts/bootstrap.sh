#!/bin/sh
# scripts/bootstrap.sh — from a fresh clone to a configured tree:
# build dependencies, autoreconf, ./configure. The Makefile runs it when
# config.mk is missing or older than configure.ac.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh build
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi
fi
./configure ${CONFIGURE_FLAGS:-}
