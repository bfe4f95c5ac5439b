/* tests/unit/check_names.c — store/names: wire names to Maildir++
 * directories and back, under Dovecot's rules (separator "/", mUTF-7 on
 * disk) and Courier's (prefix "INBOX.", separator ".", UTF-8 on disk),
 * every refusal, and random round trips.
 *
 * The pairs marked "observed with Dovecot 2.3.19" were produced by
 * Debian's dovecot-imapd 2.3.19 (preauthenticated imap process on pipes,
 * mail_location = maildir:~/Maildir:LAYOUT=maildir++, namespace inbox with
 * separator "/" and an empty prefix): CREATE of the wire name, then the
 * new entry in the Maildir, or the NO text quoted in the comment. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/names.h"

#define EXPECT_INT(got, want) do {					\
	long got_ = (got), want_ = (want);				\
	ck_assert_msg(got_ == want_, "%s: got %ld, want %ld",		\
		      #got, got_, want_);				\
} while (0)

#define EXPECT_STR(got, want) do {					\
	const char *got_ = (got), *want_ = (want);			\
	ck_assert_msg(strcmp(got_, want_) == 0,				\
		      "%s: got '%s', want '%s'", #got, got_, want_);	\
} while (0)

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct name_rules dovecot = { '/', "", 0 };
static const struct name_rules courier = { '.', "INBOX.", 1 };

struct pair {
	const char *wire, *dir;
};

/* Observed with Dovecot 2.3.19: CREATE wire -> directory. */
static const struct pair dovecot_pairs[] = {
	{ "A/B", ".A.B" },
	{ "Sent/2024", ".Sent.2024" },
	{ "Entw&APw-rfe", ".Entw&APw-rfe" },
	{ "x&-y", ".x&-y" },
	{ "&-", ".&-" },
	{ "&-&-", ".&-&-" },
	{ "A&-B/C", ".A&-B.C" },
	{ "&-x&AOQ-", ".&-x&AOQ-" },
	{ "&AOQA5A-", ".&AOQA5A-" },
	{ "&AOQ-x", ".&AOQ-x" },
	{ "&Jjo-", ".&Jjo-" },
	{ "&ZeVnLIqe-", ".&ZeVnLIqe-" },
	{ "&2D3eAA-", ".&2D3eAA-" },
	{ "&2D3eAA-x", ".&2D3eAA-x" },
	{ "&AIU-", ".&AIU-" },                  /* U+0085, a C1 control */
	{ "&ICg-", ".&ICg-" },                  /* U+2028 */
	{ "INBOX/sub", ".INBOX.sub" },
	{ "inbox/sub", ".INBOX.sub" },
	{ "InBoX/sub", ".INBOX.sub" },
	{ "INBOX/INBOX", ".INBOX.INBOX" },
	{ "sub/INBOX", ".sub.INBOX" },
	{ "INBOX", "" },
	{ "inbox", "" },
	{ "with space", ".with space" },
	{ " lead", ". lead" },
	{ "trail ", ".trail " },
	{ " ", ". " },
	{ "A/ /B", ".A. .B" },
	{ "a%b", ".a%b" },
	{ "a*b", ".a*b" },
	{ "a\\b", ".a\\b" },
	{ "Foo\\bar", ".Foo\\bar" },
	{ "a\"b", ".a\"b" },
	{ "a,b", ".a,b" },
	{ "a:b", ".a:b" },
	{ "a;b", ".a;b" },
	{ "-", ".-" },
	{ "a~", ".a~" },
	{ "A/~b", ".A.~b" },
	{ "a/~/b", ".a.~.b" },
	{ "cur", ".cur" },
	{ "new", ".new" },
	{ "tmp", ".tmp" },
	{ "dovecot-uidlist", ".dovecot-uidlist" },
	{ "maildirfolder", ".maildirfolder" },
	{ "x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x",
	  ".x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x" },
};

/* Courier rules: prefix "INBOX.", separator ".", UTF-8 on disk. */
static const struct pair courier_pairs[] = {
	{ "INBOX", "" },
	{ "inbox", "" },
	{ "INBOX.A.B", ".A.B" },
	{ "inbox.Sent", ".Sent" },
	{ "INBOX.Entw&APw-rfe", ".Entw\xc3\xbcrfe" },
	{ "INBOX.a&-b", ".a&b" },
	{ "INBOX.Foo&-AOQ-", ".Foo&AOQ-" },    /* "&" is literal on disk */
	{ "INBOX.INBOX", ".INBOX" },
	{ "INBOX.a b.c", ".a b.c" },
	{ "INBOX.cur", ".cur" },
	{ "INBOX.&2D3eAA-", ".\xf0\x9f\x98\x80" },
};

struct refusal {
	const char *wire, *err;
};

#define E_DOT "Character not allowed in mailbox name: '.'"
#define E_MUTF7 "Mailbox name is not valid mUTF-7"
#define E_TILDE "Invalid mailbox name: Begins with '~'"
#define E_BEGINS "Invalid mailbox name: Begins with hierarchy separator"
#define E_ENDS "Invalid mailbox name: Ends with hierarchy separator"
#define E_ADJ "Invalid mailbox name: Has adjacent hierarchy separators"
#define E_CTL "Control characters not allowed in mailbox names"
#define E_LONG "Mailbox name too long"
#define E_RESERVED "Mailbox name is reserved for the server's own files"

/* Refused under Dovecot's rules. Unless noted otherwise, Dovecot 2.3.19
 * refuses the same names with the same sentence (after "NO [CANNOT]" or
 * "NO"). */
static const struct refusal dovecot_refused[] = {
	{ "", "Invalid mailbox name: Name is empty" },
	{ "a.b", E_DOT },
	{ "A/b.c", E_DOT },
	{ ".", E_DOT },
	{ "..", E_DOT },
	{ "A/./B", E_DOT },
	{ "A/../B", E_DOT },
	{ "..A", E_DOT },
	{ ".hidden", E_DOT },
	{ "a..b", E_DOT },
	{ "x/.", E_DOT },
	{ "x/..", E_DOT },
	{ "x/.y", E_DOT },
	{ "x&y", E_MUTF7 },
	{ "&", E_MUTF7 },
	{ "a&", E_MUTF7 },
	{ "&&-", E_MUTF7 },
	{ "&AOQ", E_MUTF7 },
	{ "&Jjo", E_MUTF7 },
	{ "&Jjo!-", E_MUTF7 },
	{ "&AGE-", E_MUTF7 },
	{ "&AC8-", E_MUTF7 },
	{ "&AC4-", E_MUTF7 },
	{ "&ACY-", E_MUTF7 },
	{ "&2D0-", E_MUTF7 },
	{ "&2D0-x", E_MUTF7 },
	{ "&3gA-", E_MUTF7 },
	{ "&2D3-", E_MUTF7 },
	{ "&2D3eAA", E_MUTF7 },
	{ "&AAA-", E_MUTF7 },
	{ "&AOQA-", E_MUTF7 },
	{ "&AOQ,-", E_MUTF7 },
	{ "&,,,,-", E_MUTF7 },
	{ "&//8-", E_MUTF7 },
	{ "&AOQ=-", E_MUTF7 },
	{ "&AOQ-&AOQ-", E_MUTF7 },
	{ "&U,BTFw-&ZeVnLIqe-", E_MUTF7 },
	{ "Entw\xc3\xbcrfe", E_MUTF7 },
	{ "\xff", E_MUTF7 },
	{ "a\x01" "b", E_MUTF7 },
	{ "a\x7f" "b", E_MUTF7 },
	{ "a\tb", E_MUTF7 },
	/* Dovecot clears the padding bits and creates ".&AOQ-"; we refuse
	 * the second spelling of a name. */
	{ "&AOR-", E_MUTF7 },
	{ "~tilde", E_TILDE },
	{ "~", E_TILDE },
	{ "~peter/mail/&U,BTFw-/&ZeVnLIqe-", E_TILDE },
	{ "/lead", E_BEGINS },
	{ "/", E_BEGINS },
	/* Dovecot's CREATE strips one trailing separator ("A/B/" creates
	 * ".A.B"; "trail//" gets E_ENDS); SELECT, STATUS and DELETE do not,
	 * and give these sentences. */
	{ "trail//", E_ADJ },
	{ "a//", E_ADJ },
	{ "//a", E_BEGINS },
	{ "trail/", E_ENDS },
	{ "~a/", E_ENDS },
	{ "a.b/", E_DOT },
	{ "A/B/", E_ENDS },
	{ "INBOX/", E_ENDS },
	{ "A//B", E_ADJ },
	{ "A///B", E_ADJ },
	/* Dovecot: "Control characters not allowed in new mailbox names". */
	{ "ctl&AAE-", E_CTL },
	/* Dovecot creates ".&AH8-" for DEL; we refuse it. */
	{ "&AH8-", E_CTL },
	/* Dovecot creates ".subscriptions"; for us it is a file. */
	{ "subscriptions", E_RESERVED },
	{ "subscriptions/lock", E_RESERVED },
};

/* Refused under Courier's rules. */
static const struct refusal courier_refused[] = {
	{ "Foo", "Mailbox name is outside the namespace prefix" },
	{ "INBOXFoo", "Mailbox name is outside the namespace prefix" },
	{ "INBOX.", "Mailbox name is only the namespace prefix" },
	{ "INBOX.a/b", "Character not allowed in mailbox name: '/'" },
	{ "INBOX..a", E_BEGINS },
	{ "INBOX.a..b", E_ADJ },
	{ "INBOX.a.", E_ENDS },
	{ "INBOX.~x", E_TILDE },
	{ "INBOX.subscriptions", E_RESERVED },
	{ "INBOX.Entw\xc3\xbcrfe", E_MUTF7 },
	{ "INBOX.ctl&AAE-", E_CTL },
};

/* Directory entries that are not folders under Dovecot's rules. Dovecot
 * 2.3.19 lists some of them (in brackets: as what), but cannot open them
 * under that name either. */
static const char *const dovecot_not_folders[] = {
	"", ".", "..", "cur", "new", "tmp", "dovecot-uidlist", "maildirfolder",
	"subscriptions", "noleadingdot",
	"...",                  /* [""  and "/"] */
	".a..b",                /* [a//b] */
	".x.",                  /* [x/] */
	".INBOX",               /* [INBOX] */
	".Inbox",               /* [INBOX] */
	".inbox.sub",           /* [INBOX/sub], opens .INBOX.sub */
	".bad&mutf7",           /* [bad&-mutf7] */
	".&AGE-",               /* [&-AGE-] */
	".&AOR-",
	".&AOQ-&AOQ-",          /* [&-AOQ-&-AOQ-] */
	".&2D0-",               /* [&-2D0-] */
	".ctl\x01",             /* [ctl&AAE-] */
	".&AAE-",
	".~tilde",              /* [~tilde] */
	".subscriptions",       /* [subscriptions] */
	".subscriptions.lock",
	".Foo\xc3\xa4",         /* not listed */
	".\xff",                /* not listed */
	".a/b",
};

static const char *const courier_not_folders[] = {
	".", "..", "cur", "...", ".a..b", ".x.", ".~x", ".\xff", ".a\x01",
	".subscriptions", ".a/b", ".Foo\xc3",
};

static void
expect_to_dir(const struct name_rules *r, const char *wire, int wire_utf8,
	      const char *dir)
{
	char out[NAMES_DIR_MAX + 1];
	const char *err = NULL;

	ck_assert_msg(names_to_dir(r, wire, wire_utf8, out, sizeof(out),
				   &err) == 0,
		      "'%s': got error '%s', want '%s'", wire, err, dir);
	ck_assert_msg(strcmp(out, dir) == 0, "'%s': got '%s', want '%s'",
		      wire, out, dir);
}

static void
expect_refused(const struct name_rules *r, const char *wire, int wire_utf8,
	       const char *want_err)
{
	char out[NAMES_DIR_MAX + 1] = "untouched";
	const char *err = NULL;
	int ret;

	ret = names_to_dir(r, wire, wire_utf8, out, sizeof(out), &err);
	ck_assert_msg(ret == -1, "'%s': got %d ('%s'), want -1 '%s'", wire,
		      ret, out, want_err);
	ck_assert_msg(err != NULL && strcmp(err, want_err) == 0,
		      "'%s': got reason '%s', want '%s'", wire,
		      err != NULL ? err : "(null)", want_err);
	EXPECT_STR(out, "untouched");
}

static void
expect_from_dir(const struct name_rules *r, const char *dir, int wire_utf8,
		const char *wire)
{
	char out[NAMES_MAX_LEN + 1];

	ck_assert_msg(names_from_dir(r, dir, wire_utf8, out, sizeof(out))
		      == 0, "'%s': got -1, want '%s'", dir, wire);
	ck_assert_msg(strcmp(out, wire) == 0, "'%s': got '%s', want '%s'",
		      dir, out, wire);
}

static void
expect_not_folder(const struct name_rules *r, const char *dir, int wire_utf8)
{
	char out[NAMES_MAX_LEN + 1] = "";
	int ret;

	ret = names_from_dir(r, dir, wire_utf8, out, sizeof(out));
	ck_assert_msg(ret == -1, "'%s': got %d ('%s'), want -1", dir, ret,
		      out);
}

START_TEST(dovecot_to_dir)
{
	expect_to_dir(&dovecot, dovecot_pairs[_i].wire, 0,
		      dovecot_pairs[_i].dir);
}
END_TEST

START_TEST(dovecot_from_dir)
{
	const struct pair *p = &dovecot_pairs[_i];
	char out[NAMES_MAX_LEN + 1];

	if (p->dir[0] == '\0')
		return;                 /* INBOX has no entry */
	ck_assert_msg(names_from_dir(&dovecot, p->dir, 0, out, sizeof(out))
		      == 0, "'%s': got -1, want success", p->dir);
	/* The wire name back is the canonical one: "inbox/sub" lists as
	 * "INBOX/sub". Mapping it again gives the same directory. */
	if (strncasecmp(p->wire, "INBOX/", 6) == 0)
		ck_assert_msg(strncmp(out, "INBOX/", 6) == 0 &&
			      strcmp(out + 6, p->wire + 6) == 0,
			      "'%s': got '%s', want 'INBOX/%s'", p->dir, out,
			      p->wire + 6);
	else
		EXPECT_STR(out, p->wire);
}
END_TEST

START_TEST(dovecot_refusals)
{
	expect_refused(&dovecot, dovecot_refused[_i].wire, 0,
		       dovecot_refused[_i].err);
}
END_TEST

START_TEST(dovecot_not_folder)
{
	expect_not_folder(&dovecot, dovecot_not_folders[_i], 0);
	expect_not_folder(&dovecot, dovecot_not_folders[_i], 1);
}
END_TEST

START_TEST(courier_to_dir)
{
	expect_to_dir(&courier, courier_pairs[_i].wire, 0,
		      courier_pairs[_i].dir);
}
END_TEST

START_TEST(courier_from_dir)
{
	const struct pair *p = &courier_pairs[_i];

	if (p->dir[0] == '\0')
		return;
	/* "inbox.Sent" lists as "INBOX.Sent". */
	if (strncmp(p->wire, "inbox.", 6) == 0) {
		expect_from_dir(&courier, p->dir, 0, "INBOX.Sent");
		return;
	}
	expect_from_dir(&courier, p->dir, 0, p->wire);
}
END_TEST

START_TEST(courier_refusals)
{
	expect_refused(&courier, courier_refused[_i].wire, 0,
		       courier_refused[_i].err);
}
END_TEST

START_TEST(courier_not_folder)
{
	expect_not_folder(&courier, courier_not_folders[_i], 0);
	expect_not_folder(&courier, courier_not_folders[_i], 1);
}
END_TEST

/* UTF8=ACCEPT: the wire is UTF-8, the disk stays as the rules say. */
START_TEST(utf8_wire)
{
	expect_to_dir(&dovecot, "Entw\xc3\xbcrfe", 1, ".Entw&APw-rfe");
	expect_to_dir(&dovecot, "x&y", 1, ".x&-y");
	expect_to_dir(&dovecot, "\xe5\x8f\xb0\xe5\x8c\x97/a", 1,
		      ".&U,BTFw-.a");
	expect_to_dir(&dovecot, "inbox/\xc3\xa4", 1, ".INBOX.&AOQ-");
	expect_to_dir(&courier, "INBOX.Entw\xc3\xbcrfe", 1,
		      ".Entw\xc3\xbcrfe");
	expect_to_dir(&courier, "INBOX.x&y", 1, ".x&y");

	expect_from_dir(&dovecot, ".Entw&APw-rfe", 1, "Entw\xc3\xbcrfe");
	expect_from_dir(&dovecot, ".x&-y.&2D3eAA-", 1,
			"x&y/\xf0\x9f\x98\x80");
	expect_from_dir(&courier, ".Entw\xc3\xbcrfe", 1,
			"INBOX.Entw\xc3\xbcrfe");
	expect_from_dir(&courier, ".Foo&AOQ-", 1, "INBOX.Foo&AOQ-");
}
END_TEST

START_TEST(utf8_wire_refused)
{
	expect_refused(&dovecot, "\xff", 1, "Mailbox name is not valid UTF-8");
	expect_refused(&dovecot, "a\xc0\xaf", 1,
		       "Mailbox name is not valid UTF-8");
	expect_refused(&dovecot, "\xed\xa0\x80", 1,
		       "Mailbox name is not valid UTF-8");
	expect_refused(&dovecot, "\xf4\x90\x80\x80", 1,
		       "Mailbox name is not valid UTF-8");
	expect_refused(&dovecot, "a\x01", 1, E_CTL);
	expect_refused(&dovecot, "a\x7f", 1, E_CTL);
	expect_refused(&dovecot, "a\x1f/b", 1, E_CTL);
	expect_refused(&dovecot, "a.\xc3\xa4", 1, E_DOT);
	expect_refused(&dovecot, "~\xc3\xa4", 1, E_TILDE);
	expect_refused(&courier, "INBOX.a/b", 1,
		       "Character not allowed in mailbox name: '/'");
}
END_TEST

/* Writes n copies of unit joined by sep into s (of size 8192). */
static const char *
repeat(char *s, const char *unit, int n, const char *sep)
{
	size_t len = 0, ul = strlen(unit), sl = strlen(sep);
	int i;

	for (i = 0; i < n; i++) {
		if (i > 0) {
			ck_assert(len + sl < 8192);
			memcpy(s + len, sep, sl);
			len += sl;
		}
		ck_assert(len + ul < 8192);
		memcpy(s + len, unit, ul);
		len += ul;
	}
	s[len] = '\0';
	return s;
}

START_TEST(limits)
{
	char dir[NAMES_DIR_MAX + 2];
	char small[8], r1[8192], r2[8192];
	const char *err = NULL;

	/* Observed with Dovecot 2.3.19: 254 "a" create a 255-byte entry;
	 * 255 fail (the file system's NAME_MAX; Dovecot says "Not found")
	 * and 256 get "Mailbox name too long". */
	dir[0] = '.';
	memset(dir + 1, 'a', 254);
	dir[255] = '\0';
	expect_to_dir(&dovecot, dir + 1, 0, dir);
	expect_from_dir(&dovecot, dir, 0, dir + 1);
	dir[255] = 'a';
	dir[256] = '\0';
	expect_refused(&dovecot, dir + 1, 0, E_LONG);
	expect_not_folder(&dovecot, dir, 0);
	expect_refused(&dovecot, repeat(r1, "a", 1025, ""), 0, E_LONG);
	expect_refused(&dovecot, repeat(r1, "a", 1025, ""), 1, E_LONG);
	/* Dovecot: 250/250 gets "Not found", the entry being too long. */
	repeat(r1, "b", 250, "");
	expect_refused(&dovecot, repeat(r2, r1, 2, "/"), 0, E_LONG);
	/* A short name whose mUTF-7 form is too long for the disk. */
	expect_refused(&dovecot, repeat(r1, "\xe6\x97\xa5", 100, ""), 1,
		       E_LONG);
	/* Depth: NAMES_MAX_DEPTH levels are fine, one more is not. */
	expect_to_dir(&dovecot, repeat(r1, "x", NAMES_MAX_DEPTH, "/"), 0,
		      repeat(r2, ".x", NAMES_MAX_DEPTH, ""));
	expect_refused(&dovecot, repeat(r1, "x", NAMES_MAX_DEPTH + 1, "/"), 0,
		       "Mailbox name has too many levels");
	/* A caller's buffer that is too small is refused, not overrun. */
	EXPECT_INT(names_to_dir(&dovecot, "Archive", 0, small, sizeof(small),
				&err), -1);
	EXPECT_STR(err, E_LONG);
	EXPECT_INT(names_to_dir(&dovecot, "Archiv", 0, small, sizeof(small),
				&err), 0);
	EXPECT_STR(small, ".Archiv");
	EXPECT_INT(names_from_dir(&dovecot, ".Archive/x", 0, small,
				  sizeof(small)), -1);
	EXPECT_INT(names_from_dir(&dovecot, ".Archives", 0, small,
				  sizeof(small)), -1);
	EXPECT_INT(names_from_dir(&dovecot, ".Archive", 0, small,
				  sizeof(small)), 0);
	EXPECT_STR(small, "Archive");
}
END_TEST

START_TEST(prefix_other)
{
	static const struct name_rules mail = { '/', "Mail/", 0 };

	expect_to_dir(&mail, "Mail/A/B", 0, ".A.B");
	expect_to_dir(&mail, "INBOX", 0, "");
	expect_refused(&mail, "A/B", 0,
		       "Mailbox name is outside the namespace prefix");
	expect_refused(&mail, "Mail/", 0,
		       "Mailbox name is only the namespace prefix");
	expect_from_dir(&mail, ".A.B", 0, "Mail/A/B");
}
END_TEST

START_TEST(detect_utf8)
{
	const char *none[] = { "cur", "new", "tmp", ".Sent", ".Foo&AOQ-" };
	const char *utf8[] = { "cur", ".Sent", ".Entw\xc3\xbcrfe" };
	const char *junk[] = { ".\xff", ".a\xc3" };
	const char *nodot[] = { "\xc3\xa4", "cur" };

	EXPECT_INT(names_detect_utf8(none, (size_t)N(none)), 0);
	EXPECT_INT(names_detect_utf8(utf8, (size_t)N(utf8)), 1);
	EXPECT_INT(names_detect_utf8(junk, (size_t)N(junk)), 0);
	EXPECT_INT(names_detect_utf8(nodot, (size_t)N(nodot)), 0);
	EXPECT_INT(names_detect_utf8(NULL, 0), 0);
}
END_TEST

static uint32_t
rnd(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* Level pieces, in mUTF-7 and in UTF-8; none contains "." or "/". */
static const char *const pieces[][2] = {
	{ "a", "a" }, { "Z", "Z" }, { " ", " " }, { "&-", "&" },
	{ "%", "%" }, { "~", "~" }, { "\\", "\\" }, { "-", "-" },
	{ "&AOQ-", "\xc3\xa4" }, { "&2D3eAA-", "\xf0\x9f\x98\x80" },
	{ "&U,BTFw-", "\xe5\x8f\xb0\xe5\x8c\x97" }, { "cur", "cur" },
};

#define IS_RUN(p) ((p)[0] == '&' && (p)[1] != '-')

/* Builds a random name of 1-5 levels: wire in mUTF-7 and in UTF-8. */
static void
random_name(uint32_t *state, char sep, const char *prefix, char *m,
	    char *u)
{
	int levels = 1 + (int)(rnd(state) % 5), i, k, n, last_run;
	size_t j;

	strcpy(m, prefix);
	strcpy(u, prefix);
	for (i = 0; i < levels; i++) {
		if (i > 0) {
			strncat(m, &sep, 1);
			strncat(u, &sep, 1);
		}
		n = 1 + (int)(rnd(state) % 4);
		last_run = 0;
		for (k = 0; k < n; k++) {
			j = rnd(state) % (size_t)N(pieces);
			/* Two runs in a row would be one run in mUTF-7
			 * ("-&" is a superfluous shift); put text between. */
			if (last_run && IS_RUN(pieces[j][0]))
				j = 0;
			last_run = IS_RUN(pieces[j][0]);
			strcat(m, pieces[j][0]);
			strcat(u, pieces[j][1]);
		}
	}
	/* A leading "~" is refused (Dovecot); start otherwise. */
	if (m[strlen(prefix)] == '~') {
		m[strlen(prefix)] = 'T';
		u[strlen(prefix)] = 'T';
	}
}

static void
round_trip(const struct name_rules *r, uint32_t seed)
{
	char m[512], u[512], dm[NAMES_DIR_MAX + 1], du[NAMES_DIR_MAX + 1];
	char back[NAMES_MAX_LEN + 1];
	const char *err = NULL;
	uint32_t state = seed;
	int n;

	for (n = 0; n < 5000; n++) {
		random_name(&state, r->sep, r->prefix, m, u);
		ck_assert_msg(names_to_dir(r, m, 0, dm, sizeof(dm), &err) == 0,
			      "'%s': got error '%s', want success", m, err);
		ck_assert_msg(names_to_dir(r, u, 1, du, sizeof(du), &err) == 0,
			      "'%s': got error '%s', want success", u, err);
		EXPECT_STR(du, dm);
		ck_assert_msg(names_from_dir(r, dm, 0, back, sizeof(back))
			      == 0, "'%s': got -1, want '%s'", dm, m);
		EXPECT_STR(back, m);
		ck_assert_msg(names_from_dir(r, dm, 1, back, sizeof(back))
			      == 0, "'%s': got -1, want '%s'", dm, u);
		EXPECT_STR(back, u);
	}
}

START_TEST(random_round_trip)
{
	round_trip(&dovecot, 0x1badcafe);
	round_trip(&courier, 0x0ddba11);
}
END_TEST

static Suite *
names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc;

	tc = tcase_create("dovecot");
	tcase_add_loop_test(tc, dovecot_to_dir, 0, N(dovecot_pairs));
	tcase_add_loop_test(tc, dovecot_from_dir, 0, N(dovecot_pairs));
	tcase_add_loop_test(tc, dovecot_refusals, 0, N(dovecot_refused));
	tcase_add_loop_test(tc, dovecot_not_folder, 0,
			    N(dovecot_not_folders));
	suite_add_tcase(s, tc);

	tc = tcase_create("courier");
	tcase_add_loop_test(tc, courier_to_dir, 0, N(courier_pairs));
	tcase_add_loop_test(tc, courier_from_dir, 0, N(courier_pairs));
	tcase_add_loop_test(tc, courier_refusals, 0, N(courier_refused));
	tcase_add_loop_test(tc, courier_not_folder, 0,
			    N(courier_not_folders));
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_add_test(tc, utf8_wire);
	tcase_add_test(tc, utf8_wire_refused);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, prefix_other);
	tcase_add_test(tc, detect_utf8);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, random_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(names_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
