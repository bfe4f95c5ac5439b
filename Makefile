# Makefile — skua. Hand-written; ./configure only writes config.mk and
# config.h. A fresh clone needs nothing but `make demo` or `make check`:
# missing build dependencies and the configure step are taken care of.

.DEFAULT_GOAL := all

include config.mk

# `make install PREFIX=/usr` as well as configure's --prefix.
ifdef PREFIX
prefix = $(PREFIX)
endif

# Regenerates config.mk (make then restarts with it) on a fresh clone.
config.mk: config.mk.in configure.ac
	sh scripts/bootstrap.sh

CFLAGS_ALL = $(CFLAGS) -std=gnu11 -Wall -Wextra -Wshadow -Wno-unused-parameter \
	-Wformat=2 -Wmissing-prototypes -Wstrict-prototypes
CPPFLAGS_ALL = $(CPPFLAGS) -include config.h -I$(B) -Iinclude $(OPENSSL_CFLAGS) $(ZLIB_CFLAGS) \
	$(SQLITE_CFLAGS)
LIBS_ALL = $(OPENSSL_LIBS) $(ZLIB_LIBS) $(PAM_LIBS) $(CRYPT_LIBS) $(SQLITE_LIBS)

B = build
LAYERS = util net auth imap store mail
LIB_SRC = $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
PROGS = $(B)/imapd $(B)/rimapd
UNIT_SRC = $(wildcard tests/unit/check_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
# Small programs the tests drive (tests/tools/NAME.c -> build/tests/NAME).
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(B)/tests/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_SECONDS ?= 60

.PHONY: all check unit-check session-check interop-check check-asan \
	check-valgrind test-programs fuzz demo install clean distclean bench

all: $(PROGS)

$(B)/%.o: %.c config.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(B)/libskua.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

# The configuration path compiled into the programs follows sysconfdir,
# also when it is given on make's command line: paths.h changes only when
# its contents do, so nothing else is rebuilt.
$(B)/paths.h: FORCE
	@mkdir -p $(B)
	@printf '#define SYSCONFDIR "%s"\n' '$(sysconfdir)' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@
	@rm -f $@.tmp

$(B)/src/imapd.o $(B)/src/rimapd.o: $(B)/paths.h

FORCE:

$(B)/imapd: $(B)/src/imapd.o $(B)/libskua.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_ALL)

$(B)/rimapd: $(B)/src/rimapd.o $(B)/libskua.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_ALL)

$(B)/tests/check_%: tests/unit/check_%.c $(wildcard tests/unit/*.h) $(B)/libskua.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CHECK_CFLAGS) $(CFLAGS_ALL) -o $@ $< \
		$(B)/libskua.a $(LIBS_ALL) $(CHECK_LIBS)

$(B)/tests/%: tests/tools/%.c $(B)/libskua.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ $< $(B)/libskua.a $(LIBS_ALL)

# --- tests -----------------------------------------------------------------

check: all $(UNIT_BIN) $(TOOL_BIN)
	@sh scripts/deps.sh check
	@sh tests/run-unit.sh $(UNIT_BIN)
	@python3 tests/session/run.py --build $(B)
	@python3 tests/session/run.py --build $(B) --dir tests/interop
	@python3 tests/session/run.py --build $(B) --dir tests/ops
	@python3 tests/session/diff_dovecot.py --build $(B)
	@python3 tests/store/interop_dovecot.py --build $(B)
	@python3 tests/mail/diff_dovecot.py --build $(B)

unit-check: $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)

session-check: all
	@python3 tests/session/run.py --build $(B)

interop-check: all
	@python3 tests/session/run.py --build $(B) --dir tests/interop

test-programs: all $(UNIT_BIN) $(TOOL_BIN)

# check-asan: the whole tree once more in build-asan/ with AddressSanitizer
# and UBSan, and the unit, session, interop and mail tests against it
# (not tests/ops, which relinks imapd for `make install`, nor the store
# interop test, which adds no line the others miss); a report
# anywhere, a forked connection process included, fails the run
# (tests/sanitize.sh).
# The runtimes are linked statically: only then does gcc's UBSan write its
# reports to log_path rather than to a stderr nobody reads, and libasan
# need not come first in LD_PRELOAD ahead of the harness's wrappers.
# Leaks: LeakSanitizer checks at exit(): the unit tests, the tools,
# rimapd, imapd -i and the imapd master. A connection process of the
# daemon ends in _exit(), which LSan does not see; its leaks are what
# check-valgrind is for.
ASAN_B = build-asan
ASAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all -g -O1 -static-libasan -static-libubsan

check-asan:
	@sh scripts/deps.sh check
	@$(MAKE) --no-print-directory B=$(ASAN_B) CFLAGS="$(ASAN_FLAGS)" \
		LDFLAGS="$(ASAN_FLAGS)" test-programs
	@sh tests/sanitize.sh asan $(ASAN_B) $(UNIT_BIN:$(B)/%=$(ASAN_B)/%)

# check-valgrind: the session tests with every imapd process under
# valgrind memcheck (needs valgrind); any invalid access, use of an
# uninitialised value or definite leak, in a connection process too,
# fails it. VG_TESTS selects tests by name, as run.py's arguments do.
check-valgrind: all
	@sh tests/sanitize.sh valgrind $(B) $(VG_TESTS)

# libFuzzer targets, built with clang and the sanitizers, each run for
# FUZZ_SECONDS on its seed corpus (tests/fuzz/corpus/NAME). A crash leaves
# its input in build/fuzz/NAME/ for a regression test.
fuzz: $(FUZZ_SRC)
	@command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang)"; exit 1; }
	@mkdir -p $(B)/fuzz
	@set -e; for src in $(FUZZ_SRC); do \
		name=$$(basename $$src .c); \
		clang -g -O1 -fsanitize=fuzzer,address,undefined \
			-fno-sanitize-recover=undefined -std=gnu11 \
			$(CPPFLAGS_ALL) -o $(B)/fuzz/$$name $$src $(LIB_SRC) $(LIBS_ALL); \
		mkdir -p $(B)/fuzz/$$name.corpus $(B)/fuzz/$$name.crash; \
		echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
		$(B)/fuzz/$$name -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=$(B)/fuzz/$$name.crash/ \
			$(B)/fuzz/$$name.corpus tests/fuzz/corpus/$$name; \
	done

# --- benchmark -------------------------------------------------------------

# bench: skua and a private Dovecot side by side on copies of the same
# generated corpora (cached in $(B)/bench), every workload alternately on
# both; prints a table with the ratios and the targets of issue 8.
# QUICK=1: small corpora and fewer repetitions (under two minutes).
# README.md, "Benchmarks", says what each workload is.
$(B)/bench/imapbench: tests/bench/imapbench.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(OPENSSL_CFLAGS) -o $@ $< $(OPENSSL_LIBS)

$(B)/bench/renfloor: tests/bench/renfloor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $<

bench: all $(B)/bench/imapbench $(B)/bench/renfloor
	@sh scripts/deps.sh check
	@python3 tests/bench/run.py --build $(B) $(if $(QUICK),--quick)

# --- demo ------------------------------------------------------------------

demo: all
	@sh scripts/demo.sh $(B)

# --- install ---------------------------------------------------------------

DESTDIR ?=
# Places that are read from one spot whatever the prefix: PAM reads only
# /etc/pam.d, xinetd /etc/xinetd.d. Unit files go where systemd looks for
# the prefix (/usr/local/lib/systemd/system is searched too). Override any
# on the command line: make install pamdir=/tmp/pam.d
systemdunitdir = $(prefix)/lib/systemd/system
pamdir = /etc/pam.d
xinetddir = /etc/xinetd.d
fail2bandir = /etc/fail2ban
docdir = $(datarootdir)/doc/skua
# Files with paths in them are templates (*.in) or name the default paths.
SUBST = sed -e 's|@sbindir@|$(sbindir)|g' -e 's|@sysconfdir@|$(sysconfdir)|g' \
	-e 's|/usr/local/etc/skua|$(sysconfdir)/skua|g' \
	-e 's|/usr/local/sbin/imapd|$(sbindir)/imapd|g' \
	-e 's|/usr/local/bin/rimapd|$(bindir)/rimapd|g'
install: all
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(bindir) \
		$(DESTDIR)$(sysconfdir)/skua $(DESTDIR)$(mandir)/man8 \
		$(DESTDIR)$(mandir)/man5
	install -m 755 $(B)/imapd $(DESTDIR)$(sbindir)/imapd
	install -m 755 $(B)/rimapd $(DESTDIR)$(bindir)/rimapd
	[ -e $(DESTDIR)$(sysconfdir)/skua/imapd.conf ] || \
		install -m 644 etc/imapd.conf $(DESTDIR)$(sysconfdir)/skua/imapd.conf
	@mkdir -p $(B)/etc
	set -e; for f in man/imapd.8 man/rimapd.8 man/imapd.conf.5; do \
		n=$$(basename $$f); $(SUBST) $$f > $(B)/etc/$$n; \
		install -m 644 $(B)/etc/$$n $(DESTDIR)$(mandir)/man$${n##*.}/$$n; \
	done
	install -d $(DESTDIR)$(systemdunitdir) $(DESTDIR)$(pamdir) \
		$(DESTDIR)$(xinetddir) $(DESTDIR)$(docdir)
	set -e; for f in etc/systemd/* etc/xinetd.d/* etc/inetd.conf.in; do \
		n=$$(basename $$f .in); $(SUBST) $$f > $(B)/etc/$$n; \
	done
	set -e; for f in etc/systemd/*; do \
		n=$$(basename $$f .in); \
		install -m 644 $(B)/etc/$$n $(DESTDIR)$(systemdunitdir)/$$n; \
	done
	[ -e $(DESTDIR)$(pamdir)/imap ] || \
		install -m 644 etc/pam.d/imap $(DESTDIR)$(pamdir)/imap
	set -e; for n in imap imaps; do \
		[ -e $(DESTDIR)$(xinetddir)/$$n ] || \
		install -m 644 $(B)/etc/$$n $(DESTDIR)$(xinetddir)/$$n; \
	done
	install -m 644 $(B)/etc/inetd.conf $(DESTDIR)$(docdir)/inetd.conf
	install -d $(DESTDIR)$(fail2bandir)/filter.d $(DESTDIR)$(fail2bandir)/jail.d
	install -m 644 etc/fail2ban/filter.d/skua-imapd.conf \
		$(DESTDIR)$(fail2bandir)/filter.d/skua-imapd.conf
	[ -e $(DESTDIR)$(fail2bandir)/jail.d/skua-imapd.conf ] || \
		install -m 644 etc/fail2ban/jail.d/skua-imapd.conf \
		$(DESTDIR)$(fail2bandir)/jail.d/skua-imapd.conf
	@echo "installed under $(DESTDIR)$(prefix); configuration in $(DESTDIR)$(sysconfdir)/skua"

clean:
	rm -rf $(B)

distclean: clean
	rm -rf config.mk config.h config.log config.status configure \
		config.h.in config.h.in~ autom4te.cache aclocal.m4 demo

-include $(LIB_OBJ:.o=.d) $(B)/src/imapd.d $(B)/src/rimapd.d
