/* tests/unit/check_addr.c — util/addr: listen addresses, networks and
 * their matching (IPv4-mapped peers above all), and printing. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "util/addr.h"

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

/* Builds a socket address without going through the code under test. */
static const struct sockaddr *
make_sa(struct sockaddr_storage *ss, const char *host, unsigned port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		ck_assert_msg(inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1,
			      "test bug: bad IPv6 address '%s'", host);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		ck_assert_msg(inet_pton(AF_INET, host, &sin->sin_addr) == 1,
			      "test bug: bad IPv4 address '%s'", host);
	}
	return (const struct sockaddr *)ss;
}

/* Parses s as a listen address and prints it back as "host:port". */
static const char *
listen_round_trip(const char *s)
{
	static char out[ADDR_STR_MAX];
	struct sockaddr_storage ss;
	socklen_t len = 0;
	const char *err = NULL;

	ck_assert_msg(addr_parse_listen(s, &ss, &len, &err) == 0,
		      "'%s': got error '%s', want success", s, err);
	if (ss.ss_family == AF_INET)
		EXPECT_INT(len, sizeof(struct sockaddr_in));
	else
		EXPECT_INT(len, sizeof(struct sockaddr_in6));
	addr_ntop_port((struct sockaddr *)&ss, out, sizeof(out));
	return out;
}

START_TEST(listen_ipv4)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	socklen_t len;
	const char *err;

	EXPECT_INT(addr_parse_listen("192.0.2.7:143", &ss, &len, &err), 0);
	EXPECT_INT(ss.ss_family, AF_INET);
	EXPECT_INT(ntohs(sin->sin_port), 143);
	EXPECT_INT(ntohl(sin->sin_addr.s_addr), 0xc0000207);
	EXPECT_STR(listen_round_trip("127.0.0.1:0"), "127.0.0.1:0");
	EXPECT_STR(listen_round_trip("0.0.0.0:65535"), "0.0.0.0:65535");
	EXPECT_STR(listen_round_trip("10.0.0.1:00143"), "10.0.0.1:143");
}
END_TEST

START_TEST(listen_ipv6)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	const char *err;

	EXPECT_INT(addr_parse_listen("[::1]:993", &ss, &len, &err), 0);
	EXPECT_INT(ss.ss_family, AF_INET6);
	EXPECT_INT(ntohs(sin6->sin6_port), 993);
	ck_assert_msg(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr),
		      "got another address, want ::1");
	EXPECT_STR(listen_round_trip("[::]:143"), "[::]:143");
	EXPECT_STR(listen_round_trip("[2001:DB8::a]:1"), "[2001:db8::a]:1");
	/* A mapped address is printed as the IPv4 host it stands for. */
	EXPECT_STR(listen_round_trip("[::ffff:192.0.2.1]:143"),
		   "192.0.2.1:143");
}
END_TEST

START_TEST(listen_any)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	socklen_t len;
	const char *err;

	EXPECT_INT(addr_parse_listen("*:143", &ss, &len, &err), 0);
	EXPECT_INT(ss.ss_family, AF_INET);
	EXPECT_INT(len, sizeof(struct sockaddr_in));
	EXPECT_INT(sin->sin_addr.s_addr, htonl(INADDR_ANY));
	EXPECT_INT(ntohs(sin->sin_port), 143);
}
END_TEST

static const struct {
	const char *in;
	const char *err;        /* a part of the message */
} bad_listen[] = {
	{ "",                   "missing ':PORT'" },
	{ "192.0.2.1",          "missing ':PORT'" },
	{ "192.0.2.1:",         "port" },
	{ "192.0.2.1:65536",    "port" },
	{ "192.0.2.1:999999",   "port" },
	{ "192.0.2.1:-1",       "port" },
	{ "192.0.2.1:+1",       "port" },
	{ "192.0.2.1:14x",      "port" },
	{ "192.0.2.1: 143",     "port" },
	{ "192.0.2.1:143 ",     "port" },
	{ "192.0.2.1:0x8f",     "port" },
	{ "*:imap",             "port" },
	{ ":143",               "missing address" },
	{ "localhost:143",      "not a numeric IPv4" },
	{ "192.0.2:143",        "not a numeric IPv4" },
	{ "256.0.0.1:143",      "not a numeric IPv4" },
	{ " 192.0.2.1:143",     "not a numeric IPv4" },
	{ "192.0.2.1 :143",     "not a numeric IPv4" },
	{ "**:143",             "not a numeric IPv4" },
	{ "::1:143",            "brackets" },
	{ "[::1]",              "missing ':PORT'" },
	{ "[::1]143",           "missing ':PORT'" },
	{ "[::1]:",             "port" },
	{ "[::1:143",           "missing ']'" },
	{ "[]:143",             "missing address" },
	{ "[*]:143",            "not a numeric IPv6" },
	{ "[192.0.2.1]:143",    "not a numeric IPv6" },
	{ "[fe80::1%eth0]:143", "not a numeric IPv6" },
	{ "[::g]:143",          "not a numeric IPv6" },
	{ "[::1]:143]",         "port" },
};

START_TEST(listen_bad)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *in = bad_listen[_i].in, *err = NULL;
	int ret = addr_parse_listen(in, &ss, &len, &err);

	ck_assert_msg(ret == -1, "'%s': got %d, want -1", in, ret);
	ck_assert_msg(err != NULL && strstr(err, bad_listen[_i].err) != NULL,
		      "'%s': got error '%s', want one with '%s'", in,
		      err ? err : "(null)", bad_listen[_i].err);
}
END_TEST

START_TEST(range_parse)
{
	static const struct {
		const char *in;
		int family, prefix;
	} cases[] = {
		{ "10.0.0.0/8", AF_INET, 8 },
		{ "10.1.2.3", AF_INET, 32 },
		{ "0.0.0.0/0", AF_INET, 0 },
		{ "192.0.2.0/032", AF_INET, 32 },
		{ "::1", AF_INET6, 128 },
		{ "::/0", AF_INET6, 0 },
		{ "2001:db8::/32", AF_INET6, 32 },
		{ "::ffff:0:0/96", AF_INET6, 96 },
		{ "::ffff:10.0.0.0/104", AF_INET6, 104 },
	};
	struct net_range r;
	const char *err = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(addr_parse_range(cases[i].in, &r, &err) == 0,
			      "'%s': got error '%s', want success",
			      cases[i].in, err);
		ck_assert_msg(r.addr.ss_family == cases[i].family &&
			      r.prefix == cases[i].prefix,
			      "'%s': got family %d prefix %d, want %d and %d",
			      cases[i].in, r.addr.ss_family, r.prefix,
			      cases[i].family, cases[i].prefix);
	}
}
END_TEST

static const char *const bad_ranges[] = {
	"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/x", "10.0.0.0/-1",
	"10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.0/0008", "::/129", "::/",
	"localhost", "10.0.0", "[::1]/128", "10.0.0.0/8 ", "fe80::1%eth0",
};

START_TEST(range_bad)
{
	struct net_range r;
	const char *in = bad_ranges[_i], *err = NULL;
	int ret = addr_parse_range(in, &r, &err);

	ck_assert_msg(ret == -1, "'%s': got %d, want -1", in, ret);
	ck_assert_msg(err != NULL && *err != '\0',
		      "'%s': got no error message, want one", in);
}
END_TEST

START_TEST(range_check_list)
{
	const char *err = NULL;

	ck_assert_msg(addr_check_ranges("127.0.0.0/8 ::1/128", &err) == 0,
		      "got error '%s', want success", err);
	ck_assert_msg(addr_check_ranges(" \t10.0.0.0/8\t\t::1  ", &err) == 0,
		      "blanks: got error '%s', want success", err);
	ck_assert_msg(addr_check_ranges("", &err) == 0,
		      "empty list: got error '%s', want success", err);
	EXPECT_INT(addr_check_ranges("127.0.0.0/8 10.0.0.0/33 ::1", &err),
		   -1);
	EXPECT_STR(err, "'10.0.0.0/33': the prefix is not a number "
		   "from 0 to 32");
	EXPECT_INT(addr_check_ranges("::1 bogus", &err), -1);
	EXPECT_STR(err, "'bogus': not a numeric IPv4 or IPv6 address");
	EXPECT_INT(addr_check_ranges("1111111111111111111111111111111"
				     "1111111111111111111111111111111"
				     "111111", &err), -1);
	ck_assert_msg(strstr(err, "too long") != NULL,
		      "got '%s', want 'too long'", err);
}
END_TEST

static const struct {
	const char *peer, *list;
	int want;
} matches[] = {
	{ "10.1.2.3", "10.0.0.0/8", 1 },
	{ "11.1.2.3", "10.0.0.0/8", 0 },
	{ "192.0.3.255", "192.0.2.0/23", 1 },
	{ "192.0.4.0", "192.0.2.0/23", 0 },
	{ "192.0.1.255", "192.0.2.0/23", 0 },
	/* Host bits set in the range are ignored. */
	{ "10.9.9.9", "10.1.2.3/8", 1 },
	{ "203.0.113.9", "0.0.0.0/0", 1 },
	{ "203.0.113.9", "203.0.113.9", 1 },
	{ "203.0.113.8", "203.0.113.9", 0 },
	/* Later ranges count; broken ones are skipped. */
	{ "127.0.0.1", "bogus ::1/128\t 127.0.0.0/8", 1 },
	{ "127.0.0.1", "", 0 },
	{ "::1", "127.0.0.0/8 ::1", 1 },
	{ "::2", "::1/128", 0 },
	{ "2001:db8:ffff::1", "2001:db8::/32", 1 },
	{ "2001:db9::1", "2001:db8::/32", 0 },
	{ "2001:db8::1", "2001:db8::/127", 1 },
	{ "2001:db8::2", "2001:db8::/127", 0 },
	{ "2001:db8::2", "::/0", 1 },
	/* Families do not cross, except through the mapped form. */
	{ "2001:db8::2", "0.0.0.0/0", 0 },
	{ "10.0.0.1", "::/0", 0 },
	{ "::ffff:10.1.2.3", "10.0.0.0/8", 1 },
	{ "::ffff:127.0.0.1", "127.0.0.0/8 ::1/128", 1 },
	{ "::ffff:11.1.2.3", "10.0.0.0/8", 0 },
	{ "::ffff:10.1.2.3", "::ffff:10.1.2.3", 1 },
	/* A range in mapped form matches the plain IPv4 peer too. */
	{ "10.1.2.3", "::ffff:0:0/96", 1 },
	{ "10.1.2.3", "::ffff:10.0.0.0/104", 1 },
	{ "11.1.2.3", "::ffff:10.0.0.0/104", 0 },
	/* The IPv4-compatible form (::a.b.c.d) is plain IPv6. */
	{ "::10.1.2.3", "10.0.0.0/8", 0 },
};

START_TEST(match)
{
	struct sockaddr_storage ss;
	int got = addr_in_ranges(make_sa(&ss, matches[_i].peer, 1),
				 matches[_i].list);

	ck_assert_msg(got == matches[_i].want,
		      "'%s' in '%s': got %d, want %d", matches[_i].peer,
		      matches[_i].list, got, matches[_i].want);
}
END_TEST

START_TEST(match_other_family)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_msg(!addr_in_ranges((struct sockaddr *)&sun,
				      "0.0.0.0/0 ::/0"),
		      "AF_UNIX peer: got a match, want none");
}
END_TEST

START_TEST(ntop_formats)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_un sun;
	char out[ADDR_STR_MAX];

	addr_ntop(make_sa(&ss, "192.0.2.1", 143), out, sizeof(out));
	EXPECT_STR(out, "192.0.2.1");
	addr_ntop_port(make_sa(&ss, "192.0.2.1", 143), out, sizeof(out));
	EXPECT_STR(out, "192.0.2.1:143");
	addr_ntop(make_sa(&ss, "2001:db8:0:0::1", 993), out, sizeof(out));
	EXPECT_STR(out, "2001:db8::1");
	addr_ntop_port(make_sa(&ss, "2001:db8::1", 993), out, sizeof(out));
	EXPECT_STR(out, "[2001:db8::1]:993");
	addr_ntop(make_sa(&ss, "::ffff:192.0.2.1", 143), out, sizeof(out));
	EXPECT_STR(out, "192.0.2.1");
	addr_ntop_port(make_sa(&ss, "::ffff:192.0.2.1", 5), out, sizeof(out));
	EXPECT_STR(out, "192.0.2.1:5");

	make_sa(&ss, "fe80::1", 143);
	sin6->sin6_scope_id = 2;
	addr_ntop((struct sockaddr *)&ss, out, sizeof(out));
	EXPECT_STR(out, "fe80::1%2");
	addr_ntop_port((struct sockaddr *)&ss, out, sizeof(out));
	EXPECT_STR(out, "[fe80::1%2]:143");
	/* The longest form still fits ADDR_STR_MAX. */
	make_sa(&ss, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535);
	sin6->sin6_scope_id = 4294967295u;
	addr_ntop_port((struct sockaddr *)&ss, out, sizeof(out));
	EXPECT_STR(out, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe%4294967295]"
		   ":65535");

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	addr_ntop((struct sockaddr *)&sun, out, sizeof(out));
	EXPECT_STR(out, "unknown");
	addr_ntop_port((struct sockaddr *)&sun, out, sizeof(out));
	EXPECT_STR(out, "unknown");
}
END_TEST

START_TEST(ntop_small_buffer)
{
	struct sockaddr_storage ss;
	char out[8];

	memset(out, 'x', sizeof(out));
	addr_ntop_port(make_sa(&ss, "192.0.2.100", 143), out, sizeof(out));
	EXPECT_STR(out, "192.0.2");
	addr_ntop(make_sa(&ss, "192.0.2.100", 143), out, 1);
	EXPECT_STR(out, "");
	/* Size 0 writes nothing at all. */
	out[0] = 'x';
	addr_ntop(make_sa(&ss, "192.0.2.100", 143), out, 0);
	addr_ntop_port(make_sa(&ss, "192.0.2.100", 143), out, 0);
	EXPECT_INT(out[0], 'x');
}
END_TEST

static const struct {
	const char *a, *b;
	int want;
} hosts[] = {
	{ "192.0.2.1", "192.0.2.1", 1 },
	{ "192.0.2.1", "192.0.2.2", 0 },
	{ "192.0.2.1", "::ffff:192.0.2.1", 1 },
	{ "::ffff:192.0.2.1", "192.0.2.1", 1 },
	{ "2001:db8::1", "2001:db8::1", 1 },
	{ "2001:db8::1", "2001:db8::2", 0 },
	{ "::1", "127.0.0.1", 0 },
	{ "::", "0.0.0.0", 0 },
};

START_TEST(same_host)
{
	struct sockaddr_storage a, b;
	/* Ports differ: they must not matter. */
	int got = addr_same_host(make_sa(&a, hosts[_i].a, 1),
				 make_sa(&b, hosts[_i].b, 2));

	ck_assert_msg(got == hosts[_i].want, "'%s' and '%s': got %d, want %d",
		      hosts[_i].a, hosts[_i].b, got, hosts[_i].want);
}
END_TEST

START_TEST(same_host_scope)
{
	struct sockaddr_storage a, b;
	struct sockaddr_in6 *b6 = (struct sockaddr_in6 *)&b;

	make_sa(&a, "fe80::1", 1);
	make_sa(&b, "fe80::1", 1);
	b6->sin6_scope_id = 3;
	ck_assert_msg(!addr_same_host((struct sockaddr *)&a,
				      (struct sockaddr *)&b),
		      "fe80::1 on two links: got same, want different");
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("listen");

	tcase_add_test(tc, listen_ipv4);
	tcase_add_test(tc, listen_ipv6);
	tcase_add_test(tc, listen_any);
	tcase_add_loop_test(tc, listen_bad, 0,
			    sizeof(bad_listen) / sizeof(bad_listen[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("ranges");
	tcase_add_test(tc, range_parse);
	tcase_add_loop_test(tc, range_bad, 0,
			    sizeof(bad_ranges) / sizeof(bad_ranges[0]));
	tcase_add_test(tc, range_check_list);
	tcase_add_loop_test(tc, match, 0, sizeof(matches) / sizeof(matches[0]));
	tcase_add_test(tc, match_other_family);
	suite_add_tcase(s, tc);

	tc = tcase_create("print");
	tcase_add_test(tc, ntop_formats);
	tcase_add_test(tc, ntop_small_buffer);
	tcase_add_loop_test(tc, same_host, 0, sizeof(hosts) / sizeof(hosts[0]));
	tcase_add_test(tc, same_host_scope);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
