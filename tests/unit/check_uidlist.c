/* tests/unit/check_uidlist.c — store/uidlist and store/dotlock: the
 * dovecot-uidlist files Dovecot writes, our rewrites of them, damage,
 * Courier import, UIDVALIDITY allocation, the dot-lock's stale rules, and
 * many writers at once, some of them killed with -9. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/uidlist.h"

#define EXPECT_INT(got, want) do {					\
	long long got_ = (long long)(got), want_ = (long long)(want);	\
	ck_assert_msg(got_ == want_, "%s: got %lld, want %lld",		\
		      #got, got_, want_);				\
} while (0)

#define EXPECT_STR(got, want) do {					\
	const char *got_ = (got), *want_ = (want);			\
	ck_assert_msg(strcmp(got_, want_) == 0,				\
		      "%s: got '%s', want '%s'", #got, got_, want_);	\
} while (0)

/* Written by Dovecot 2.3.19: three files delivered to new/, SELECT, then
 * an APPEND, then two more deliveries. New records are appended in place,
 * so the header still says N1. */
static const char dovecot_appended[] =
	"3 V1795617659 N1 Ga86f030d7bf3066bb267000083ecc375\n"
	"1 :1000000001.M1P1.host\n"
	"2 :1000000002.M1P1.host\n"
	"3 :1000000003.M1P1.host\n"
	"4 :1795617659.M225840P26546.vm,S=24,W=27\n"
	"5 :1000000004.M1P1.host\n"
	"6 :1000000005.M1P1.host\n";

/* Written by Dovecot 2.3.19: the same folder recreated after expunges
 * and a FETCH RFC822.SIZE, which stored the virtual size (W). */
static const char dovecot_recreated[] =
	"3 V1795617659 N9 Ga86f030d7bf3066bb267000083ecc375\n"
	"6 W34 :1000000005.M1P1.host\n"
	"7 W34 :1000000006.M1P1.host\n"
	"8 W34 :1000000007.M1P1.host\n";

/* Written by Dovecot 2.3.19 for a new, empty folder. */
static const char dovecot_empty[] =
	"3 V1795617660 N1 G08c4e70083f3066b3168000083ecc375\n";

static char tmpdir[256];

static void
rm_rf(const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		ck_abort_msg("test bug: cannot remove %s", path);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_uidlist.XXXXXX");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void
teardown(void)
{
	rm_rf(tmpdir);
}

static const char *
in_dir(const char *name)
{
	static char path[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmpdir, name);
	return path[i];
}

static void
put_file(const char *name, const char *data)
{
	FILE *f = fopen(in_dir(name), "w");

	ck_assert_msg(f != NULL, "test bug: fopen %s", name);
	fputs(data, f);
	fclose(f);
}

/* The file's contents (static buffer). */
static const char *
get_file(const char *name)
{
	static char data[1 << 16];
	FILE *f = fopen(in_dir(name), "r");
	size_t n;

	ck_assert_msg(f != NULL, "%s: got no file, want one", name);
	n = fread(data, 1, sizeof(data) - 1, f);
	fclose(f);
	data[n] = '\0';
	return data;
}

static struct uidlist *
open_list(int *damaged_r)
{
	struct uidlist *l = NULL;
	const char *err = NULL;

	ck_assert_msg(uidlist_open(tmpdir, tmpdir, &l, damaged_r, &err) == 0,
		      "uidlist_open: got error '%s', want success", err);
	return l;
}

static void
update(struct uidlist *l, const char *const *add, size_t n_add,
       const char *const *gone, size_t n_gone)
{
	const char *err = NULL;

	ck_assert_msg(uidlist_update(l, add, n_add, gone, n_gone, &err) == 0,
		      "uidlist_update: got error '%s', want success", err);
}

/* Records are sorted, UIDs unique and below next_uid, bases unique. */
static void
check_invariants(const struct uidlist *l)
{
	size_t n, i;
	const struct uidlist_rec *r = uidlist_records(l, &n);

	for (i = 0; i < n; i++) {
		ck_assert_msg(i == 0 || r[i].uid > r[i - 1].uid,
			      "record %zu: uid %u after %u, want increasing",
			      i, r[i].uid, i ? r[i - 1].uid : 0);
		ck_assert_msg(r[i].uid < uidlist_next_uid(l),
			      "uid %u: got >= next_uid %u", r[i].uid,
			      uidlist_next_uid(l));
		EXPECT_INT(uidlist_lookup(l, r[i].base), r[i].uid);
	}
}

/* --- Dovecot's own files -------------------------------------------- */

START_TEST(dovecot_appended_file)
{
	struct uidlist *l;
	int damaged = -1;
	size_t n;
	const struct uidlist_rec *r;

	put_file("dovecot-uidlist", dovecot_appended);
	l = open_list(&damaged);
	EXPECT_INT(damaged, 0);
	EXPECT_INT(uidlist_uidvalidity(l), 1795617659u);
	EXPECT_INT(uidlist_next_uid(l), 7);     /* not the stale N1 */
	r = uidlist_records(l, &n);
	EXPECT_INT(n, 6);
	EXPECT_INT(r[3].uid, 4);
	EXPECT_STR(r[3].base, "1795617659.M225840P26546.vm,S=24,W=27");
	EXPECT_STR(r[3].ext, "");
	EXPECT_INT(uidlist_lookup(l, "1000000004.M1P1.host:2,S"), 5);
	EXPECT_INT(uidlist_lookup(l, "1000000004.M1P1.host"), 5);
	EXPECT_INT(uidlist_lookup(l, "1000000004.M1P1"), 0);
	EXPECT_INT(uidlist_lookup(l, "nothing"), 0);
	check_invariants(l);
	uidlist_free(&l);
	ck_assert_msg(l == NULL, "uidlist_free: got non-NULL, want NULL");
}
END_TEST

START_TEST(dovecot_round_trip_with_extensions)
{
	const char *add[] = { "1000000008.M1P1.host:2,S" };
	char want[1024];
	struct uidlist *l;
	int damaged = -1;

	put_file("dovecot-uidlist", dovecot_recreated);
	l = open_list(&damaged);
	EXPECT_INT(damaged, 0);
	EXPECT_STR(uidlist_records(l, &(size_t){0})[0].ext, "W34");
	/* nothing to change: the file is left alone */
	update(l, NULL, 0, NULL, 0);
	EXPECT_STR(get_file("dovecot-uidlist"), dovecot_recreated);
	/* a new record is appended in place, as Dovecot does: the header's
	 * N lags behind the last UID, which readers allow for */
	update(l, add, 1, NULL, 0);
	snprintf(want, sizeof(want), "%s%s", dovecot_recreated,
		 "9 :1000000008.M1P1.host\n");
	EXPECT_STR(get_file("dovecot-uidlist"), want);
	EXPECT_INT(uidlist_lookup(l, "1000000008.M1P1.host"), 9);
	uidlist_free(&l);
}
END_TEST

START_TEST(dovecot_appended_kept)
{
	const char *add[] = { "2000000000.M1P1.host" };
	char want[1024];
	struct uidlist *l;

	put_file("dovecot-uidlist", dovecot_appended);
	l = open_list(NULL);
	update(l, add, 1, NULL, 0);
	snprintf(want, sizeof(want), "%s%s", dovecot_appended,
		 "7 :2000000000.M1P1.host\n");
	EXPECT_STR(get_file("dovecot-uidlist"), want);
	uidlist_free(&l);
}
END_TEST

START_TEST(dovecot_empty_folder)
{
	struct uidlist *l;
	int damaged = -1;
	size_t n;

	put_file("dovecot-uidlist", dovecot_empty);
	l = open_list(&damaged);
	EXPECT_INT(damaged, 0);
	EXPECT_INT(uidlist_uidvalidity(l), 1795617660u);
	EXPECT_INT(uidlist_next_uid(l), 1);
	uidlist_records(l, &n);
	EXPECT_INT(n, 0);
	uidlist_free(&l);
}
END_TEST

START_TEST(header_fields_kept)
{
	struct uidlist *l;

	put_file("dovecot-uidlist",
		 "3 V5 N3 G00112233445566778899aabbccddeeff P%f\n"
		 "1 P+UIDL O2 :a\n");
	l = open_list(NULL);
	update(l, (const char *[]){ "b" }, 1, NULL, 0);
	EXPECT_STR(get_file("dovecot-uidlist"),
		   "3 V5 N3 G00112233445566778899aabbccddeeff P%f\n"
		   "1 P+UIDL O2 :a\n"
		   "3 :b\n");
	/* a drop rewrites the file, with N brought up to date */
	update(l, NULL, 0, (const char *[]){ "a" }, 1);
	EXPECT_STR(get_file("dovecot-uidlist"),
		   "3 V5 N4 G00112233445566778899aabbccddeeff P%f\n"
		   "3 :b\n");
	uidlist_free(&l);
}
END_TEST

START_TEST(version1_read)
{
	struct uidlist *l;
	int damaged = -1;

	put_file("dovecot-uidlist", "1 12345 10\n3 foo:2,S\n5 bar\n");
	l = open_list(&damaged);
	EXPECT_INT(damaged, 0);
	EXPECT_INT(uidlist_uidvalidity(l), 12345);
	EXPECT_INT(uidlist_next_uid(l), 10);
	EXPECT_INT(uidlist_lookup(l, "foo"), 3);
	EXPECT_INT(uidlist_lookup(l, "bar:2,"), 5);
	update(l, NULL, 0, NULL, 0);    /* a version 1 file is upgraded */
	ck_assert_msg(strncmp(get_file("dovecot-uidlist"), "3 V12345 N10 G",
			      14) == 0, "got '%s', want a version 3 header",
		      get_file("dovecot-uidlist"));
	ck_assert_msg(strstr(get_file("dovecot-uidlist"),
			     "\n3 :foo\n5 :bar\n") != NULL,
		      "got '%s', want the records", get_file("dovecot-uidlist"));
	uidlist_free(&l);
}
END_TEST

/* --- updates -------------------------------------------------------- */

/* Two writers appending in turn: each appends to the file the other
 * left (rereading it first), and a third reader sees every record. */
START_TEST(appends_interleaved)
{
	struct uidlist *a, *b, *c;

	put_file("dovecot-uidlist", dovecot_recreated);
	a = open_list(NULL);
	b = open_list(NULL);
	update(a, (const char *[]){ "x1" }, 1, NULL, 0);
	update(b, (const char *[]){ "x2" }, 1, NULL, 0);
	update(a, (const char *[]){ "x3", "x2" }, 2, NULL, 0);
	EXPECT_INT(uidlist_lookup(a, "x1"), 9);
	EXPECT_INT(uidlist_lookup(a, "x2"), 10);
	EXPECT_INT(uidlist_lookup(b, "x2"), 10);
	EXPECT_INT(uidlist_lookup(a, "x3"), 11);
	EXPECT_INT(uidlist_next_uid(a), 12);
	c = open_list(NULL);
	EXPECT_INT(uidlist_lookup(c, "x3"), 11);
	EXPECT_INT(uidlist_next_uid(c), 12);
	check_invariants(c);
	uidlist_free(&a);
	uidlist_free(&b);
	uidlist_free(&c);
}
END_TEST

/* A last line cut by a crash is dropped by readers and never appended
 * to: the next update rewrites the file whole. */
START_TEST(torn_line_rewritten)
{
	char torn[1024];
	struct uidlist *l;
	int damaged = -1;

	snprintf(torn, sizeof(torn), "%s9 :1000000", dovecot_recreated);
	put_file("dovecot-uidlist", torn);
	l = open_list(&damaged);
	EXPECT_INT(damaged, 1);
	update(l, (const char *[]){ "y" }, 1, NULL, 0);
	ck_assert_msg(strstr(get_file("dovecot-uidlist"), ":1000000\n") ==
		      NULL && strstr(get_file("dovecot-uidlist"),
				     "\n9 :y\n") != NULL,
		      "got '%s', want the torn line gone and 9 :y",
		      get_file("dovecot-uidlist"));
	ck_assert_msg(strncmp(get_file("dovecot-uidlist"), "3 V1795617659 N10 ",
			      18) == 0, "got '%s', want a rewritten header",
		      get_file("dovecot-uidlist"));
	uidlist_free(&l);
}
END_TEST

START_TEST(new_and_gone)
{
	const char *add1[] = { "a:2,", "b", "c:2,S", "b" };
	const char *add2[] = { "a:2,S", "d" };
	const char *gone[] = { "b:2,T", "zz" };
	struct uidlist *l;
	uint32_t uv;
	size_t n;

	l = open_list(NULL);
	uv = uidlist_uidvalidity(l);
	ck_assert_msg(uv != 0, "uidvalidity: got 0, want nonzero");
	update(l, add1, 4, NULL, 0);
	EXPECT_INT(uidlist_lookup(l, "a"), 1);
	EXPECT_INT(uidlist_lookup(l, "b"), 2);
	EXPECT_INT(uidlist_lookup(l, "c"), 3);
	EXPECT_INT(uidlist_next_uid(l), 4);
	update(l, add2, 2, gone, 2);
	EXPECT_INT(uidlist_lookup(l, "a"), 1);
	EXPECT_INT(uidlist_lookup(l, "b"), 0);
	EXPECT_INT(uidlist_lookup(l, "d"), 4);
	uidlist_records(l, &n);
	EXPECT_INT(n, 3);
	uidlist_free(&l);

	/* what was written reads back the same, by another reader */
	l = open_list(NULL);
	EXPECT_INT(uidlist_uidvalidity(l), uv);
	EXPECT_INT(uidlist_next_uid(l), 5);
	EXPECT_INT(uidlist_lookup(l, "d"), 4);
	/* expunging the highest UID never lowers next_uid */
	update(l, NULL, 0, (const char *[]){ "d" }, 1);
	EXPECT_INT(uidlist_next_uid(l), 5);
	update(l, (const char *[]){ "d" }, 1, NULL, 0);
	EXPECT_INT(uidlist_lookup(l, "d"), 5);
	check_invariants(l);
	uidlist_free(&l);
}
END_TEST

START_TEST(refresh_sees_other_writer)
{
	struct uidlist *a, *b;
	const char *err = NULL;

	a = open_list(NULL);
	update(a, (const char *[]){ "x" }, 1, NULL, 0);
	b = open_list(NULL);
	EXPECT_INT(uidlist_refresh(b, &err), 0);
	update(a, (const char *[]){ "y" }, 1, NULL, 0);
	EXPECT_INT(uidlist_refresh(b, &err), 1);
	EXPECT_INT(uidlist_lookup(b, "y"), 2);
	/* b's own update rereads first: no UID is given twice */
	update(a, (const char *[]){ "z" }, 1, NULL, 0);
	update(b, (const char *[]){ "w" }, 1, NULL, 0);
	EXPECT_INT(uidlist_lookup(b, "z"), 3);
	EXPECT_INT(uidlist_lookup(b, "w"), 4);
	uidlist_free(&a);
	uidlist_free(&b);
}
END_TEST

START_TEST(names_that_cannot_be_stored)
{
	struct uidlist *l = open_list(NULL);

	update(l, (const char *[]){ "", ":2,S", "a/b", "a\nb", "ok" }, 5,
	       NULL, 0);
	EXPECT_INT(uidlist_lookup(l, "ok"), 1);
	EXPECT_INT(uidlist_next_uid(l), 2);
	uidlist_free(&l);
}
END_TEST

/* --- damage --------------------------------------------------------- */

struct damage_case {
	const char *file;
	uint32_t uidvalidity;   /* 0: a new one */
	uint32_t next_uid;
	const char *kept;       /* "base=uid,..." */
	int damaged;
};

static const struct damage_case damage_cases[] = {
	/* a last line cut short by a dying writer */
	{ "3 V7 N3 G00112233445566778899aabbccddeeff\n1 :a\n2 :b\n3 :cc",
	  7, 3, "a=1,b=2", 1 },
	/* garbage lines between good ones */
	{ "3 V7 N1 G00112233445566778899aabbccddeeff\n1 :a\n##junk\n"
	  "0 :zero\n2 x\n4 :d/e\n5 :b\n",
	  7, 6, "a=1,b=5", 1 },
	/* a duplicate UID: the first line keeps it */
	{ "3 V7 N1 G00112233445566778899aabbccddeeff\n1 :a\n2 :b\n2 :c\n"
	  "3 :d\n", 7, 4, "a=1,b=2,d=3", 1 },
	/* out of order but unused: kept, sorted */
	{ "3 V7 N1 G00112233445566778899aabbccddeeff\n5 :a\n2 :b\n9 :c\n"
	  "5 :dup\n", 7, 10, "a=5,b=2,c=9", 1 },
	/* a bad extension field is dropped, the record kept */
	{ "3 V7 N1 G00112233445566778899aabbccddeeff\n1 W10 x5 :a\n",
	  7, 2, "a=1", 1 },
	/* header missing: new UIDVALIDITY, records kept */
	{ "1 :a\n2 :b\n", 0, 3, "a=1,b=2", 1 },
	/* header garbage */
	{ "hello world\n4 :a\n", 0, 5, "a=4", 1 },
	/* empty file */
	{ "", 0, 1, "", 1 },
	/* an expunged file that came back: the later UID wins, as in
	 * Dovecot, and that is not damage */
	{ "3 V7 N1 G00112233445566778899aabbccddeeff\n1 :a\n2 :b\n3 :a\n",
	  7, 4, "b=2,a=3", 0 },
	/* UIDs over Dovecot's limit */
	{ "3 V7 N1 G00112233445566778899aabbccddeeff\n4294967295 :a\n"
	  "99999999999 :b\n1 :c\n", 7, 2, "c=1", 1 },
};

static void
expect_kept(const struct uidlist *l, const char *kept)
{
	char buf[256], *tok, *save = NULL;
	size_t n, want = 0;

	snprintf(buf, sizeof(buf), "%s", kept);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		*eq = '\0';
		ck_assert_msg(uidlist_lookup(l, tok) == strtoul(eq + 1, NULL, 10),
			      "%s: got uid %u, want %s", tok,
			      uidlist_lookup(l, tok), eq + 1);
		want++;
	}
	uidlist_records(l, &n);
	EXPECT_INT(n, want);
}

START_TEST(damage_recovery)
{
	const struct damage_case *c = &damage_cases[_i];
	struct uidlist *l;
	int damaged = -1;

	put_file("dovecot-uidlist", c->file);
	l = open_list(&damaged);
	EXPECT_INT(damaged, c->damaged);
	if (c->uidvalidity != 0)
		EXPECT_INT(uidlist_uidvalidity(l), c->uidvalidity);
	else
		ck_assert_msg(uidlist_uidvalidity(l) != 0 &&
			      uidlist_uidvalidity(l) != 7,
			      "uidvalidity: got %u, want a new one",
			      uidlist_uidvalidity(l));
	EXPECT_INT(uidlist_next_uid(l), c->next_uid);
	expect_kept(l, c->kept);
	check_invariants(l);

	/* the next update writes a clean file with the same UIDs */
	update(l, NULL, 0, NULL, 0);
	uidlist_free(&l);
	l = open_list(&damaged);
	EXPECT_INT(damaged, 0);
	expect_kept(l, c->kept);
	EXPECT_INT(uidlist_next_uid(l), c->next_uid);
	uidlist_free(&l);
}
END_TEST

START_TEST(damage_under_lock_keeps_known_uids)
{
	struct uidlist *l = open_list(NULL);
	uint32_t uv = uidlist_uidvalidity(l);

	update(l, (const char *[]){ "a", "b", "c" }, 3, NULL, 0);
	/* someone cuts the file to a broken header and one line */
	put_file("dovecot-uidlist", "3 V\n1 :a\n");
	update(l, (const char *[]){ "d" }, 1, NULL, 0);
	EXPECT_INT(uidlist_uidvalidity(l), uv);
	EXPECT_INT(uidlist_lookup(l, "b"), 2);
	EXPECT_INT(uidlist_lookup(l, "c"), 3);
	EXPECT_INT(uidlist_lookup(l, "d"), 4);
	uidlist_free(&l);
	/* and a deleted file is written again from memory */
	l = open_list(NULL);
	unlink(in_dir("dovecot-uidlist"));
	update(l, (const char *[]){ "e" }, 1, NULL, 0);
	uidlist_free(&l);
	l = open_list(NULL);
	EXPECT_INT(uidlist_uidvalidity(l), uv);
	EXPECT_INT(uidlist_lookup(l, "a"), 1);
	EXPECT_INT(uidlist_lookup(l, "e"), 5);
	uidlist_free(&l);
}
END_TEST

/* Found by tests/fuzz/fuzz_uidlist: a refresh that finds the file cut to
 * nothing (a writer killed mid-write) took the damaged path with no
 * records read, and restore_lost gave bsearch a NULL array (undefined
 * behaviour that check-asan's UBSan stops on). The known UIDs must come
 * back under the known UIDVALIDITY. */
START_TEST(refresh_emptied_file_keeps_uids)
{
	struct uidlist *l;
	const char *err = NULL;
	struct timeval tv[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	put_file("dovecot-uidlist", "3 V42 N3 G0123456789abcdef0123456789abcdef\n"
		 "1 :a\n2 :b\n");
	l = open_list(NULL);
	EXPECT_INT(uidlist_uidvalidity(l), 42);
	put_file("dovecot-uidlist", "");
	utimes(in_dir("dovecot-uidlist"), tv);  /* differs from the read */
	ck_assert_msg(uidlist_refresh(l, &err) == 1,
		      "uidlist_refresh: got error '%s', want 1", err);
	EXPECT_INT(uidlist_uidvalidity(l), 42);
	EXPECT_INT(uidlist_lookup(l, "a"), 1);
	EXPECT_INT(uidlist_lookup(l, "b"), 2);
	EXPECT_INT(uidlist_next_uid(l), 3);
	check_invariants(l);
	uidlist_free(&l);
}
END_TEST

/* --- Courier -------------------------------------------------------- */

START_TEST(courier_import)
{
	struct uidlist *l;
	int damaged = -1;

	put_file("courierimapuiddb",
		 "1 1199999999 21\n"
		 "7 1199990000.12345_0.mx,S=300\n"
		 "9 1199990001.12346_0.mx:2,S\n"
		 "junk\n"
		 "20 1199990002.12347_0.mx\n");
	l = open_list(&damaged);
	EXPECT_INT(damaged, 0);
	EXPECT_INT(uidlist_uidvalidity(l), 1199999999);
	EXPECT_INT(uidlist_next_uid(l), 21);
	EXPECT_INT(uidlist_lookup(l, "1199990000.12345_0.mx,S=300:2,S"), 7);
	EXPECT_INT(uidlist_lookup(l, "1199990001.12346_0.mx"), 9);
	update(l, (const char *[]){ "1199990003.1_0.mx" }, 1, NULL, 0);
	uidlist_free(&l);
	ck_assert_msg(strncmp(get_file("dovecot-uidlist"),
			      "3 V1199999999 N22 G", 19) == 0,
		      "got '%s', want the imported header",
		      get_file("dovecot-uidlist"));
	l = open_list(NULL);
	EXPECT_INT(uidlist_lookup(l, "1199990002.12347_0.mx"), 20);
	EXPECT_INT(uidlist_lookup(l, "1199990003.1_0.mx"), 21);
	uidlist_free(&l);
}
END_TEST

START_TEST(courier_version2_and_ignored_when_uidlist_exists)
{
	struct uidlist *l;

	put_file("courierimapuiddb", "2 555 3\n1 a\n2 b\n");
	l = open_list(NULL);
	EXPECT_INT(uidlist_uidvalidity(l), 555);
	EXPECT_INT(uidlist_lookup(l, "b"), 2);
	uidlist_free(&l);
	put_file("dovecot-uidlist", dovecot_empty);
	l = open_list(NULL);
	EXPECT_INT(uidlist_uidvalidity(l), 1795617660u);
	EXPECT_INT(uidlist_lookup(l, "b"), 0);
	uidlist_free(&l);
}
END_TEST

/* --- UIDVALIDITY ---------------------------------------------------- */

START_TEST(uidvalidity_distinct)
{
	uint32_t seen[20];
	char want[64];
	int i, j;

	for (i = 0; i < 20; i++) {
		seen[i] = uidvalidity_new(tmpdir);
		ck_assert_msg(seen[i] != 0, "got 0, want a UIDVALIDITY");
		for (j = 0; j < i; j++)
			ck_assert_msg(seen[i] != seen[j],
				      "folder %d: got %u again", i, seen[i]);
	}
	EXPECT_INT(seen[19], seen[0] + 19);
	/* Dovecot's files: the counter and its marker */
	snprintf(want, sizeof(want), "%08x", seen[19]);
	EXPECT_STR(get_file("dovecot-uidvalidity"), want);
	snprintf(want, sizeof(want), "dovecot-uidvalidity.%08x", seen[19]);
	ck_assert_msg(access(in_dir(want), F_OK) == 0,
		      "%s: got none, want the marker", want);
	/* without the counter file, the marker still carries on */
	unlink(in_dir("dovecot-uidvalidity"));
	EXPECT_INT(uidvalidity_new(tmpdir), seen[19] + 1);
	/* new folders under the same root never share one */
	{
		struct uidlist *a, *b;
		const char *err;
		char sub[300];

		snprintf(sub, sizeof(sub), "%s/.A", tmpdir);
		mkdir(sub, 0700);
		ck_assert(uidlist_open(sub, tmpdir, &a, NULL, &err) == 0);
		snprintf(sub, sizeof(sub), "%s/.B", tmpdir);
		mkdir(sub, 0700);
		ck_assert(uidlist_open(sub, tmpdir, &b, NULL, &err) == 0);
		ck_assert_msg(uidlist_uidvalidity(a) != uidlist_uidvalidity(b),
			      "got %u twice", uidlist_uidvalidity(a));
		uidlist_free(&a);
		uidlist_free(&b);
	}
}
END_TEST

/* --- the lock ------------------------------------------------------- */

static void
put_lock(const char *content, time_t age)
{
	struct timeval tv[2];

	put_file("dovecot-uidlist.lock", content);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= age;
	tv[1] = tv[0];
	utimes(in_dir("dovecot-uidlist.lock"), tv);
}

static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	if (pid < 0)     /* not ck_assert: the child would run it too */
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static const char *
hostname(void)
{
	static char host[256];

	gethostname(host, sizeof(host) - 1);
	return host;
}

START_TEST(lock_content_and_release)
{
	const char *err = NULL;
	char want[300];

	EXPECT_INT(dotlock_take(in_dir("dovecot-uidlist"), 1, &err), 0);
	snprintf(want, sizeof(want), "%ld:%s", (long)getpid(), hostname());
	EXPECT_STR(get_file("dovecot-uidlist.lock"), want);
	dotlock_release(in_dir("dovecot-uidlist"));
	ck_assert_msg(access(in_dir("dovecot-uidlist.lock"), F_OK) < 0,
		      "lock: got still there, want removed");

	/* someone overrode ours: release leaves theirs alone */
	EXPECT_INT(dotlock_take(in_dir("dovecot-uidlist"), 1, &err), 0);
	unlink(in_dir("dovecot-uidlist.lock"));
	put_file("dovecot-uidlist.lock", "1:elsewhere");
	EXPECT_INT(dotlock_is_ours(in_dir("dovecot-uidlist")), 0);
	dotlock_release(in_dir("dovecot-uidlist"));
	EXPECT_STR(get_file("dovecot-uidlist.lock"), "1:elsewhere");
}
END_TEST

START_TEST(lock_stale_dead_pid)
{
	const char *err = NULL;
	char content[300];
	time_t t0 = time(NULL);

	snprintf(content, sizeof(content), "%ld:%s", (long)dead_pid(),
		 hostname());
	put_lock(content, 0);
	EXPECT_INT(dotlock_take(in_dir("dovecot-uidlist"), 5, &err), 0);
	ck_assert_msg(time(NULL) - t0 <= 2, "took %ld s, want at once",
		      (long)(time(NULL) - t0));
	EXPECT_INT(dotlock_is_ours(in_dir("dovecot-uidlist")), 1);
	dotlock_release(in_dir("dovecot-uidlist"));
}
END_TEST

START_TEST(lock_stale_old)
{
	const char *err = NULL;

	/* another host's lock, untouched for longer than 2 minutes */
	put_lock("4242:some.other.host", DOTLOCK_STALE_SECS + 10);
	EXPECT_INT(dotlock_take(in_dir("dovecot-uidlist"), 5, &err), 0);
	dotlock_release(in_dir("dovecot-uidlist"));
	/* an empty lock (pid not written yet), just as old */
	put_lock("", DOTLOCK_STALE_SECS + 10);
	EXPECT_INT(dotlock_take(in_dir("dovecot-uidlist"), 5, &err), 0);
	dotlock_release(in_dir("dovecot-uidlist"));
}
END_TEST

START_TEST(lock_live_times_out)
{
	const char *err = NULL;
	char content[300];
	time_t t0;
	struct uidlist *l;

	/* a live process on this host: our parent */
	snprintf(content, sizeof(content), "%ld:%s", (long)getppid(),
		 hostname());
	put_lock(content, 30);
	t0 = time(NULL);
	EXPECT_INT(dotlock_take(in_dir("dovecot-uidlist"), 1, &err), -1);
	ck_assert_msg(err != NULL && strstr(err, "locked") != NULL,
		      "err: got '%s', want a lock timeout", err);
	ck_assert_msg(time(NULL) - t0 >= 1 && time(NULL) - t0 <= 3,
		      "waited %ld s, want about 1", (long)(time(NULL) - t0));
	/* a fresh lock of another host: not stale either */
	put_lock("4242:some.other.host", 10);
	EXPECT_INT(dotlock_take(in_dir("dovecot-uidlist"), 0, &err), -1);
	EXPECT_STR(get_file("dovecot-uidlist.lock"), "4242:some.other.host");
	/* an update fails and changes nothing */
	l = open_list(NULL);
	uidlist_free(&l);
}
END_TEST

/* --- many writers --------------------------------------------------- */

#define WRITERS 6
#define ROUNDS 25

static void
writer(int w)
{
	struct uidlist *l;
	const char *err;
	char names[3][64];
	const char *add[3];
	int r, k;

	if (uidlist_open(tmpdir, tmpdir, &l, NULL, &err) < 0)
		_exit(2);
	for (r = 0; r < ROUNDS; r++) {
		for (k = 0; k < 3; k++) {
			snprintf(names[k], sizeof(names[k]), "w%d.r%d.k%d:2,",
				 w, r, k);
			add[k] = names[k];
		}
		if (uidlist_update(l, add, 3, NULL, 0, &err) < 0)
			_exit(3);
		for (k = 0; k < 3; k++)
			if (uidlist_lookup(l, add[k]) == 0)
				_exit(4);
	}
	uidlist_free(&l);
	_exit(0);
}

START_TEST(concurrent_writers)
{
	pid_t pids[WRITERS];
	struct uidlist *l;
	size_t n;
	int i, status;

	for (i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)     /* not ck_assert: the child would run it too */
			ck_abort_msg("fork: %s", strerror(errno));
		if (pids[i] == 0)
			writer(i);
	}
	for (i = 0; i < WRITERS; i++) {
		waitpid(pids[i], &status, 0);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "writer %d: got status %d, want 0", i, status);
	}
	l = open_list(NULL);
	uidlist_records(l, &n);
	EXPECT_INT(n, WRITERS * ROUNDS * 3);
	EXPECT_INT(uidlist_next_uid(l), WRITERS * ROUNDS * 3 + 1);
	check_invariants(l);
	uidlist_free(&l);
	ck_assert_msg(access(in_dir("dovecot-uidlist.lock"), F_OK) < 0,
		      "lock: got left behind, want removed");
}
END_TEST

/* A child updates in a loop and is killed with -9 at a random moment;
 * afterwards the file must read cleanly with every record that was
 * committed before the child started. */
START_TEST(crash_safety)
{
	struct uidlist *l;
	time_t t0 = time(NULL);
	int iter;

	srand((unsigned)getpid());
	l = open_list(NULL);
	update(l, (const char *[]){ "base0" }, 1, NULL, 0);
	for (iter = 0; iter < 200 && time(NULL) - t0 < 20; iter++) {
		struct uidlist *after;
		const struct uidlist_rec *r;
		const char *err;
		int damaged = -1;
		size_t n, i;
		pid_t pid;

		pid = fork();
		if (pid < 0)     /* not ck_assert: the child would run it too */
			ck_abort_msg("fork: %s", strerror(errno));
		if (pid == 0) {
			char name[64];
			const char *add[1] = { name };
			int k;

			for (k = 0;; k++) {
				snprintf(name, sizeof(name), "i%d.k%d", iter, k);
				if (uidlist_update(l, add, 1, NULL, 0, &err) < 0)
					_exit(3);
			}
		}
		usleep((useconds_t)(rand() % 4000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		after = open_list(&damaged);
		EXPECT_INT(damaged, 0);
		EXPECT_INT(uidlist_uidvalidity(after), uidlist_uidvalidity(l));
		r = uidlist_records(l, &n);
		for (i = 0; i < n; i++)
			ck_assert_msg(uidlist_lookup(after, r[i].base) == r[i].uid,
				      "iteration %d, %s: got uid %u, want %u",
				      iter, r[i].base,
				      uidlist_lookup(after, r[i].base), r[i].uid);
		ck_assert_msg(uidlist_next_uid(after) >= uidlist_next_uid(l),
			      "next_uid: got %u, want >= %u",
			      uidlist_next_uid(after), uidlist_next_uid(l));
		check_invariants(after);
		uidlist_free(&l);
		l = after;
	}
	uidlist_free(&l);
}
END_TEST

/* uidlist_index_many gives what uidlist_index gives, name by name: for
 * bases, whole names, unknown names, a base listed twice (the later UID
 * wins) and an empty list. */
START_TEST(index_many_agrees)
{
	enum { N = 3000, Q = 2 * N + 3 };
	static char names[Q][64];
	const char *q[Q];
	long pos[Q];
	struct uidlist *l;
	FILE *f;
	int i;

	l = open_list(NULL);            /* no file yet: empty */
	q[0] = "1.M1P1.host";
	uidlist_index_many(l, q, 1, pos);
	EXPECT_INT(pos[0], -1);
	uidlist_free(&l);
	f = fopen(in_dir("dovecot-uidlist"), "w");
	ck_assert(f != NULL);
	fprintf(f, "3 V1 N1 G00112233445566778899aabbccddeeff\n");
	for (i = 1; i <= N; i++)
		fprintf(f, "%d :%d.M%dP1.host\n", i, 1700000000 + i, i);
	fprintf(f, "%d :%d.M%dP1.host\n", N + 1, 1700000007, 7);
	fclose(f);
	l = open_list(NULL);
	for (i = 0; i < N; i++) {
		snprintf(names[2 * i], sizeof(names[0]), "%d.M%dP1.host%s",
			 1700000001 + i, i + 1, i % 3 == 0 ? ":2,S" : "");
		snprintf(names[2 * i + 1], sizeof(names[0]), "%d.M%dP2.host",
			 1700000001 + i, i + 1);         /* unknown */
	}
	snprintf(names[2 * N], sizeof(names[0]), "1700000007.M7P1.hos");
	snprintf(names[2 * N + 1], sizeof(names[0]), "1700000007.M7P1.hostx");
	snprintf(names[2 * N + 2], sizeof(names[0]), "1700000007.M7P1.host:2,");
	for (i = 0; i < Q; i++)
		q[i] = names[i];
	uidlist_index_many(l, q, Q, pos);
	for (i = 0; i < Q; i++)
		ck_assert_msg(pos[i] == uidlist_index(l, q[i]),
			      "%s: many %ld, one %ld", q[i], pos[i],
			      uidlist_index(l, q[i]));
	EXPECT_INT(pos[1], -1);
	EXPECT_INT(pos[2 * N], -1);
	EXPECT_INT(pos[2 * N + 1], -1);
	EXPECT_INT(uidlist_lookup(l, "1700000007.M7P1.host"), N + 1);
	EXPECT_INT(uidlist_records(l, &(size_t){ 0 })[pos[2 * N + 2]].uid,
		   N + 1);
	EXPECT_INT(uidlist_records(l, &(size_t){ 0 })[pos[2]].uid, 2);
	uidlist_free(&l);
}
END_TEST

/* --- speed ---------------------------------------------------------- */

START_TEST(parse_100k)
{
	struct timespec a, b;
	struct uidlist *l;
	FILE *f = fopen(in_dir("dovecot-uidlist"), "w");
	double ms;
	int i;

	ck_assert(f != NULL);
	fprintf(f, "3 V1 N100001 G00112233445566778899aabbccddeeff\n");
	for (i = 1; i <= 100000; i++)
		fprintf(f, "%d W%d :%d.M%dP%d.mail.example.com,S=%d\n",
			i, 1000 + i, 1700000000 + i, i, i, 900 + i);
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &a);
	l = open_list(NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
		(double)(b.tv_nsec - a.tv_nsec) / 1e6;
	fprintf(stderr, "check_uidlist: 100000 records parsed in %.1f ms\n",
		ms);
	EXPECT_INT(uidlist_lookup(l, "1700054321.M54321P54321.mail.example.com,"
				  "S=55221:2,S"), 54321);
	EXPECT_INT(uidlist_next_uid(l), 100001);
	/* loose: valgrind is 50 times slower; a quadratic parse takes minutes */
	ck_assert_msg(ms < 2000, "parse: got %.1f ms, want a few", ms);
	uidlist_free(&l);
}
END_TEST

static Suite *
uidlist_suite(void)
{
	Suite *s = suite_create("uidlist");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, dovecot_appended_file);
	tcase_add_test(tc, dovecot_round_trip_with_extensions);
	tcase_add_test(tc, dovecot_appended_kept);
	tcase_add_test(tc, appends_interleaved);
	tcase_add_test(tc, torn_line_rewritten);
	tcase_add_test(tc, dovecot_empty_folder);
	tcase_add_test(tc, header_fields_kept);
	tcase_add_test(tc, version1_read);
	tcase_add_test(tc, new_and_gone);
	tcase_add_test(tc, refresh_sees_other_writer);
	tcase_add_test(tc, names_that_cannot_be_stored);
	tcase_add_loop_test(tc, damage_recovery, 0,
			    (int)(sizeof(damage_cases) / sizeof(damage_cases[0])));
	tcase_add_test(tc, damage_under_lock_keeps_known_uids);
	tcase_add_test(tc, refresh_emptied_file_keeps_uids);
	tcase_add_test(tc, courier_import);
	tcase_add_test(tc, courier_version2_and_ignored_when_uidlist_exists);
	tcase_add_test(tc, uidvalidity_distinct);
	tcase_add_test(tc, lock_content_and_release);
	tcase_add_test(tc, lock_stale_dead_pid);
	tcase_add_test(tc, lock_stale_old);
	tcase_add_test(tc, lock_live_times_out);
	tcase_add_test(tc, concurrent_writers);
	tcase_add_test(tc, crash_safety);
	tcase_add_test(tc, parse_100k);
	tcase_add_test(tc, index_many_agrees);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(uidlist_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
