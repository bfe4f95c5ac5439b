/* tests/unit/check_imapurl.c — imap/imapurl: the URL forms CATENATE and
 * URLAUTH take (RFC 5092 11, RFC 4467 9, RFC 4469 A), percent-decoding,
 * and hostile input: bad escapes, encoded NULs, numbers out of range,
 * dot segments, pieces out of order, overlong URLs, every truncation. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imapurl.h"

static struct arena *A;

static int
parse(const char *text, struct imapurl *u)
{
	const char *err = NULL;
	int r = imapurl_parse(text, strlen(text), A, u, &err);

	if (r < 0)
		ck_assert_msg(err != NULL && *err != '\0', "no reason for %s",
			      text);
	return r;
}

START_TEST(absolute)
{
	struct imapurl u;
	const char *t = "imap://joe@example.com/INBOX/;uid=20/;section=1.2"
			";urlauth=submit+fred:internal:"
			"91354a473744909de610943775f92038";

	ck_assert_int_eq(parse(t, &u), 0);
	ck_assert(u.absolute);
	ck_assert_str_eq(u.user, "joe");
	ck_assert_str_eq(u.host, "example.com");
	ck_assert_str_eq(u.mailbox, "INBOX");
	ck_assert_uint_eq(u.uid, 20);
	ck_assert_str_eq(u.section, "1.2");
	ck_assert_str_eq(u.access, "submit+fred");
	ck_assert_str_eq(u.access_user, "fred");
	ck_assert_str_eq(u.mech, "internal");
	ck_assert_str_eq(u.token, "91354a473744909de610943775f92038");
	/* RFC 4467 6: the rump is the URL up to the ":" before mech. */
	ck_assert_uint_eq(u.rump_len, strstr(t, ":internal") - t);

	ck_assert_int_eq(parse("IMAP://minbari.example.org/gray-council"
			       ";UIDVALIDITY=385759045/;UID=20/"
			       ";PARTIAL=0.1024", &u), 0);
	ck_assert_ptr_eq(u.user, NULL);
	ck_assert_str_eq(u.mailbox, "gray-council");
	ck_assert_uint_eq(u.uidvalidity, 385759045);
	ck_assert_uint_eq(u.uid, 20);
	ck_assert(u.partial);
	ck_assert_uint_eq(u.origin, 0);
	ck_assert_uint_eq(u.octets, 1024);

	ck_assert_int_eq(parse("imap://;AUTH=GSSAPI@minbari.example.org/"
			       "gray-council/;uid=20/;section=1.2", &u), 0);
	ck_assert_ptr_eq(u.user, NULL);
	ck_assert_str_eq(u.section, "1.2");

	ck_assert_int_eq(parse("imap://u%40x;AUTH=*@h:143/a%20b/c"
			       "/;UID=4294967295/;PARTIAL=7", &u), 0);
	ck_assert_str_eq(u.user, "u@x");
	ck_assert_str_eq(u.host, "h:143");
	ck_assert_str_eq(u.mailbox, "a b/c");
	ck_assert_uint_eq(u.uid, 4294967295u);
	ck_assert_uint_eq(u.origin, 7);
	ck_assert_uint_eq(u.octets, 0);

	/* Not messages: server, mailbox, search (URLFETCH answers NIL). */
	ck_assert_int_eq(parse("imap://h", &u), 0);
	ck_assert_ptr_eq(u.mailbox, NULL);
	ck_assert_int_eq(parse("imap://h/", &u), 0);
	ck_assert_uint_eq(u.uid, 0);
	ck_assert_int_eq(parse("imap://h/INBOX", &u), 0);
	ck_assert_str_eq(u.mailbox, "INBOX");
	ck_assert_uint_eq(u.uid, 0);
	ck_assert_int_eq(parse("imap://h/INBOX?SUBJECT%20x", &u), 0);
	ck_assert(u.search);
	ck_assert_int_eq(parse("imap://h/INBOX;UIDVALIDITY=3?ALL", &u), 0);
	ck_assert(u.search);
	ck_assert_uint_eq(u.uidvalidity, 3);
}
END_TEST

START_TEST(relative)
{
	struct imapurl u;

	/* RFC 4469 A's forms. */
	ck_assert_int_eq(parse("/Drafts;UIDVALIDITY=385759045/;UID=20/"
			       ";section=HEADER", &u), 0);
	ck_assert(!u.absolute);
	ck_assert_ptr_eq(u.host, NULL);
	ck_assert_str_eq(u.mailbox, "Drafts");
	ck_assert_str_eq(u.section, "HEADER");
	ck_assert_int_eq(parse("/Drafts;UIDVALIDITY=385759045/;UID=20/"
			       ";Section=2.MIME", &u), 0);
	ck_assert_str_eq(u.section, "2.MIME");
	ck_assert_int_eq(parse("/INBOX;UIDVALIDITY=785799047/;UID=113330/"
			       ";section=1.5.9", &u), 0);
	ck_assert_uint_eq(u.uid, 113330);
	/* Relative to the base's mailbox (RFC 5092 9.1). */
	ck_assert_int_eq(parse(";UID=20", &u), 0);
	ck_assert_ptr_eq(u.mailbox, NULL);
	ck_assert_uint_eq(u.uid, 20);
	ck_assert_int_eq(parse(";UID=20/;SECTION=1.MIME", &u), 0);
	ck_assert_str_eq(u.section, "1.MIME");
	ck_assert_int_eq(parse("/INBOX/;UID=20", &u), 0);
	ck_assert_str_eq(u.mailbox, "INBOX");
	ck_assert_int_eq(parse("//h/INBOX/;UID=2", &u), 0);
	ck_assert_str_eq(u.host, "h");
	ck_assert_int_eq(parse("/a/b/c/;UID=2/;SECTION=HEADER.FIELDS%20"
			       "(FROM%20TO)", &u), 0);
	ck_assert_str_eq(u.mailbox, "a/b/c");
	ck_assert_str_eq(u.section, "HEADER.FIELDS (FROM TO)");
	/* RFC 5092 9.1: "..;UIDVALIDITY=" is no dot segment. */
	ck_assert_int_eq(parse("/..;UIDVALIDITY=385759045/;UID=20", &u), 0);
	ck_assert_str_eq(u.mailbox, "..");
}
END_TEST

START_TEST(urlauth_parts)
{
	struct imapurl u;

	ck_assert_int_eq(parse("imap://joe@h/INBOX/;uid=20/;section=1.2"
			       ";urlauth=submit+fred", &u), 0);
	ck_assert_str_eq(u.access, "submit+fred");
	ck_assert_ptr_eq(u.mech, NULL);
	ck_assert_uint_eq(u.rump_len, strlen("imap://joe@h/INBOX/;uid=20/"
			  ";section=1.2;urlauth=submit+fred"));
	ck_assert_int_eq(parse("imap://joe@h/INBOX/;uid=20"
			       ";EXPIRE=2030-01-01T00:00:00Z"
			       ";URLAUTH=anonymous", &u), 0);
	ck_assert(u.has_expire);
	ck_assert_int_eq((long long)u.expire, 1893456000LL);
	ck_assert_int_eq(parse("imap://joe@h/INBOX/;uid=20"
			       ";EXPIRE=2030-01-01T01:30:00.25+01:30"
			       ";URLAUTH=authuser", &u), 0);
	ck_assert_int_eq((long long)u.expire, 1893456000LL);
	ck_assert_int_eq(parse("imap://joe@h/INBOX/;uid=20/;PARTIAL=1.2"
			       ";URLAUTH=user+b%6Fb:INTERNAL:"
			       "0123456789abcdef0123456789ABCDEF", &u), 0);
	ck_assert_str_eq(u.access_user, "bob");
}
END_TEST

START_TEST(hostile)
{
	static const char *bad[] = {
		"", "INBOX/;UID=1", "Sent/;UID=3", ";SECTION=1", ";PARTIAL=0",
		"http://h/INBOX/;UID=1", "mailto:x@y",
		"/INBOX/;UID=0", "/INBOX/;UID=01", "/INBOX/;UID=4294967296",
		"/INBOX/;UID=99999999999999999999", "/INBOX/;UID=",
		"/INBOX/;UID=1x", "/INBOX;UIDVALIDITY=0/;UID=1",
		"/INBOX;UIDVALIDITY=-1/;UID=1", "/INBOX/;UID=-1",
		"/INBOX/;UID=1/;PARTIAL=x", "/INBOX/;UID=1/;PARTIAL=1.0",
		"/INBOX/;UID=1/;PARTIAL=1.", "/INBOX/;UID=1/;SECTION=",
		"/IN%00BOX/;UID=1", "/IN%0/;UID=1", "/IN%/;UID=1",
		"/IN%zzBOX/;UID=1", "/INBOX/;UID=1/;SECTION=1%00",
		"/IN BOX/;UID=1", "/IN\tBOX/;UID=1", "/IN\x80OX/;UID=1",
		"/INBOX/;UID=1/;SECTION=1\"", "/IN\"BOX/;UID=1",
		"/;UID=1", "//", "//h/;UID=1", "/../INBOX/;UID=1", "/a/./b/;UID=1",
		"/INBOX/../x/;UID=1", "/a/..", "//h//INBOX/;UID=1",
		"/INBOX;UID=1", "/INBOX/;SECTION=1", "/INBOX/;UID=1;SECTION=1",
		"/INBOX/;UID=1/;SECTION=1/;UID=2", "/INBOX/;UID=1/;UID=2",
		"/INBOX/;UID=1/;PARTIAL=1/;SECTION=1",
		"/INBOX/;UID=1/;BOGUS=1", "/INBOX;BOGUS=1",
		"/INBOX/;UID=1;URLAUTH=nobody",
		"/INBOX/;UID=1;URLAUTH=submit+",
		"/INBOX/;UID=1;URLAUTH=anonymous:internal",
		"/INBOX/;UID=1;URLAUTH=anonymous:internal:abc",
		"/INBOX/;UID=1;URLAUTH=anonymous::"
		"0123456789abcdef0123456789abcdef",
		"/INBOX/;UID=1;URLAUTH=anonymous:internal:"
		"0123456789abcdef0123456789abcdeg",
		"/INBOX/;UID=1;URLAUTH=anonymous:in:ternal:"
		"0123456789abcdef0123456789abcdef",
		"/INBOX/;UID=1;URLAUTH=anonymous;EXPIRE=2030-01-01T00:00:00Z",
		"/INBOX/;UID=1;EXPIRE=2030-01-01",
		"/INBOX/;UID=1;EXPIRE=2030-02-30T00:00:00Z;URLAUTH=anonymous",
		"/INBOX/;UID=1;EXPIRE=2030-01-01T25:00:00Z;URLAUTH=anonymous",
		"/INBOX/;UID=1;EXPIRE=2030-01-01T00:00:00;URLAUTH=anonymous",
		"/INBOX/;UID=1;EXPIRE=2030-01-01T00:00:00+1:00",
		"/INBOX;URLAUTH=anonymous", "imap://joe@/INBOX/;UID=1",
		"imap://jo e@h/INBOX/;UID=1", "imap://j;AUTH=@h/INBOX/;UID=1",
		"imap://h/INBOX/;UID=1;URLAUTH=user+%00:internal:"
		"0123456789abcdef0123456789abcdef",
	};
	struct imapurl u;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &u) < 0, "accepted %s", bad[i]);
}
END_TEST

/* Every prefix of a good URL parses or fails cleanly, and a huge one is
 * refused before anything else is looked at. */
START_TEST(truncations)
{
	const char *t = "imap://joe;AUTH=*@example.com:143/a%2Fb;UIDVALIDITY"
			"=7/;UID=20/;SECTION=1.2.MIME/;PARTIAL=3.4;EXPIRE="
			"2030-01-01T00:00:00Z;URLAUTH=submit+fred:internal:"
			"91354a473744909de610943775f92038";
	struct imapurl u;
	const char *err;
	char *big;

	for (size_t n = 0; n <= strlen(t); n++) {
		char *p = malloc(n + 1);

		memcpy(p, t, n);
		p[n] = '\0';
		(void)imapurl_parse(p, n, A, &u, &err);
		free(p);
	}
	ck_assert_int_eq(imapurl_parse(t, strlen(t), A, &u, &err), 0);
	ck_assert_str_eq(u.mailbox, "a/b");
	big = malloc(IMAPURL_MAX + 2);
	memset(big, 'a', IMAPURL_MAX + 1);
	memcpy(big, "/INBOX/;UID=1/;SECTION=", 23);
	big[IMAPURL_MAX + 1] = '\0';
	ck_assert_int_eq(imapurl_parse(big, IMAPURL_MAX + 1, A, &u, &err), -1);
	ck_assert_int_eq(imapurl_parse(big, IMAPURL_MAX, A, &u, &err), 0);
	free(big);
}
END_TEST

START_TEST(decode)
{
	ck_assert_str_eq(imapurl_decode("a%20b%2f%2F%E6%97%A5", 20, A),
			 "a b//\xe6\x97\xa5");
	ck_assert_str_eq(imapurl_decode("", 0, A), "");
	ck_assert_ptr_eq(imapurl_decode("%00", 3, A), NULL);
	ck_assert_ptr_eq(imapurl_decode("%", 1, A), NULL);
	ck_assert_ptr_eq(imapurl_decode("%4", 2, A), NULL);
	ck_assert_ptr_eq(imapurl_decode("%4g", 3, A), NULL);
	/* len bounds the read: "%41" cut after "%4" is bad. */
	ck_assert_ptr_eq(imapurl_decode("%41", 2, A), NULL);
	ck_assert_ptr_eq(imapurl_decode("a\0b", 3, A), NULL);
}
END_TEST

static Suite *
imapurl_suite(void)
{
	Suite *s = suite_create("imapurl");
	TCase *tc = tcase_create("core");

	A = arena_new(4096);
	tcase_add_test(tc, absolute);
	tcase_add_test(tc, relative);
	tcase_add_test(tc, urlauth_parts);
	tcase_add_test(tc, hostile);
	tcase_add_test(tc, truncations);
	tcase_add_test(tc, decode);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(imapurl_suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
