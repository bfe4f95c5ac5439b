#!/bin/sh
# tests/sanitize.sh — runs the tests with a memory checker watching and
# fails on any report it makes (make check-asan, make check-valgrind).
#
#   sanitize.sh asan BUILD UNIT-TEST...   BUILD made with -fsanitize=
#                                         address,undefined: unit, session,
#                                         interop and mail tests
#   sanitize.sh valgrind BUILD            the session tests with every
#                                         imapd under valgrind memcheck
#
# A test sees a forked connection process only through its socket, so a
# report must not depend on anyone reading its stderr: every report goes
# to a file in one log directory (mode 1777: the connection processes
# write there after dropping to the test users), and any report file
# there at the end fails the run, printed in full.
set -u
cd "$(dirname "$0")/.."
mode=$1 build=$2
shift 2
logs=$(mktemp -d "${TMPDIR:-/tmp}/skua-$mode.XXXXXX")
chmod 1777 "$logs"
fail=0

case $mode in
asan)
	# halt_on_error with -fno-sanitize-recover: the first report ends
	# the process with exit 86, which a test notices too. Leaks: see
	# check-asan in the Makefile.
	ASAN_OPTIONS="log_path=$logs/asan:halt_on_error=1:abort_on_error=0"
	ASAN_OPTIONS="$ASAN_OPTIONS:exitcode=86:detect_leaks=1"
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_stack_use_after_return=1"
	UBSAN_OPTIONS="log_path=$logs/ubsan:halt_on_error=1:exitcode=86"
	UBSAN_OPTIONS="$UBSAN_OPTIONS:print_stacktrace=1"
	export ASAN_OPTIONS UBSAN_OPTIONS
	# The wrappers dlopen with RTLD_DEEPBIND, which libasan refuses;
	# pam_wrapper 1.1 reads uid_wrapper's variable for it.
	NSS_WRAPPER_DISABLE_DEEPBIND=1 UID_WRAPPER_DISABLE_DEEPBIND=1
	PAM_WRAPPER_DISABLE_DEEPBIND=1
	export NSS_WRAPPER_DISABLE_DEEPBIND UID_WRAPPER_DISABLE_DEEPBIND
	export PAM_WRAPPER_DISABLE_DEEPBIND
	# The load test's 60 s are for make check; here a few seconds of
	# it give every command kind under contention to the sanitizers.
	SKUA_LOAD_SECONDS=${SKUA_LOAD_SECONDS:-5}
	SKUA_SANITIZER=asan
	export SKUA_LOAD_SECONDS SKUA_SANITIZER
	# One process a suite, not one a test: LeakSanitizer's pass at
	# each exit made the forked tests take minutes.
	CK_FORK=no sh tests/run-unit.sh "$@" || fail=1
	python3 tests/session/run.py --build "$build" || fail=1
	python3 tests/session/diff_dovecot.py --build "$build" || fail=1
	python3 tests/session/run.py --build "$build" --dir tests/interop ||
		fail=1
	# Not tests/store/interop_dovecot.py: measured with gcov, every line
	# of skua it runs is run by the unit and session tests too, so under
	# the sanitizers it only cost time. The mail layer's diff stays: its
	# corpus reaches parser branches (RFC 2231 continuations, quoting in
	# BODYSTRUCTURE) that nothing else does.
	python3 tests/mail/diff_dovecot.py --build "$build" || fail=1
	reports=$(find "$logs" -type f | sort)
	;;
valgrind)
	command -v valgrind >/dev/null || {
		echo "check-valgrind: valgrind is needed (apt-get install valgrind)"
		exit 1
	}
	# Every process of the server, the forked connection processes
	# included, logs to its own file; a definite leak counts as an
	# error, a still reachable block at exit does not. No vgdb: its
	# FIFOs, made before the privilege drop, could not be removed after.
	SKUA_WRAP="valgrind --quiet --trace-children=yes
		--child-silent-after-fork=no --error-exitcode=86
		--leak-check=full --errors-for-leak-kinds=definite
		--show-leak-kinds=definite --num-callers=30 --vgdb=no
		--suppressions=$(pwd)/tests/valgrind.supp
		--log-file=$logs/vg.%p"
	SKUA_TIMEOUT_FACTOR=${SKUA_TIMEOUT_FACTOR:-6}
	SKUA_LOAD_SECONDS=${SKUA_LOAD_SECONDS:-8}
	SKUA_SANITIZER=valgrind
	export SKUA_WRAP SKUA_TIMEOUT_FACTOR SKUA_LOAD_SECONDS SKUA_SANITIZER
	# The verdict is valgrind's. Some tests cannot pass under it (peak
	# RSS, process titles, tight timing); their failures are shown,
	# and make check is where behaviour is judged.
	python3 tests/session/run.py --build "$build" "$@" ||
		echo "valgrind: failed tests above are not counted"
	# With --quiet a clean process leaves an empty file.
	reports=$(find "$logs" -type f -size +0 | sort)
	;;
*)
	echo "usage: $0 asan|valgrind BUILD [TEST...]" >&2
	exit 2
	;;
esac

for f in $reports; do
	echo "=== $mode report: $f"
	cat "$f"
	fail=1
done
if [ -n "$reports" ]; then
	echo "$mode: $(echo "$reports" | wc -l) report(s); kept in $logs"
else
	rm -rf "$logs"
	echo "$mode: no reports"
fi
exit $fail
