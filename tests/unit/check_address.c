/* tests/unit/check_address.c — address lists as ENVELOPE wants them.
 * Expectations follow what Dovecot 2.3.19 put into ENVELOPE for the same
 * field value (see check_envelope.c for the full wire form). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/address.h"

static const char *
show(const char *s)
{
	return s != NULL ? s : "NIL";
}

/* Renders a list as "name|route|mailbox|host" entries, groups as "g:"
 * and ";". */
static void
render(const char *in, char *out, size_t outlen)
{
	struct arena *a = arena_new(1024);
	struct mail_address *l;
	size_t n = address_parse(in, strlen(in), a, &l), used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (l[i].group_end)
			used += snprintf(out + used, outlen - used, ";");
		else if (l[i].group_start)
			used += snprintf(out + used, outlen - used, "%s:",
					 l[i].mailbox);
		else
			used += snprintf(out + used, outlen - used, "[%s|%s|%s|%s]",
					 show(l[i].name), show(l[i].route),
					 show(l[i].mailbox), show(l[i].host));
	}
	arena_free(&a);
}

static const struct {
	const char *in, *want;
} cases[] = {
	{ "", "" },
	{ "  (only a comment) ", "" },
	{ "a@b", "[NIL|NIL|a|b]" },
	{ "user@host (Comment Name)", "[Comment Name|NIL|user|host]" },
	{ "(Comment Name) user@host", "[NIL|NIL|user|host]" },
	{ "\"a b\"@host", "[NIL|NIL|a b|host]" },
	{ "Joe <@a.com,@b.com:user@host>", "[Joe|@a.com,@b.com|user|host]" },
	{ "user", "[NIL|NIL|user|MISSING_DOMAIN]" },
	{ "@host", "[NIL|NIL|MISSING_MAILBOX|host]" },
	{ "Joe <a@b", "[Joe|NIL|a|SYNTAX_ERROR]" },
	{ "Doe, John <j@d>", "[NIL|NIL|Doe|MISSING_DOMAIN][John|NIL|j|d]" },
	{ "John Smith", "[John Smith|NIL|MISSING_MAILBOX|MISSING_DOMAIN]" },
	{ "\"Joe \\\"Q\\\" Public\" <a@b>", "[Joe \"Q\" Public|NIL|a|b]" },
	{ "Joe    Q.   Public   <a@b>", "[Joe Q. Public|NIL|a|b]" },
	{ "a.b..c@d, .a.@b", "[NIL|NIL|a.b..c|d][NIL|NIL|.a.|b]" },
	{ "a@b.", "[NIL|NIL|a|MISSING_DOMAIN]" },
	{ "a@[1.2.3.4]", "[NIL|NIL|a|[1.2.3.4]]" },
	{ "<@a:b@c>, <@a b@c>", "[NIL|@a|b|c][NIL|INVALID_ROUTE|b|c]" },
	{ "undisclosed-recipients:;", "undisclosed-recipients:;" },
	{ "A Group:Ed Jones <c@a.test>,joe@where.test;, x@y",
	  "A Group:[Ed Jones|NIL|c|a.test][NIL|NIL|joe|where.test];"
	  "[NIL|NIL|x|y]" },
	{ "grp: a@b, c@d", "grp:[NIL|NIL|a|b][NIL|NIL|c|d];" },
	{ ":;", ":;" },
	{ "a@b, c@d,, ,e@f", "[NIL|NIL|a|b][NIL|NIL|c|d]"
	  "[NIL|NIL|MISSING_MAILBOX|MISSING_DOMAIN]"
	  "[NIL|NIL|MISSING_MAILBOX|MISSING_DOMAIN][NIL|NIL|e|f]" },
	{ "\"Joe <a@b>", "[NIL|NIL|MISSING_MAILBOX|MISSING_DOMAIN]" },
	{ "a@b (Joe", "[NIL|NIL|a|MISSING_DOMAIN]" },
	{ "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	  "[Pete|NIL|pete|silly.test]" },
	{ "\"J\303\266rg\" <j@b>", "[J\303\266rg|NIL|j|b]" },
	{ "=?utf-8?q?J=C3=B6rg?= <j@b>", "[=?utf-8?q?J=C3=B6rg?=|NIL|j|b]" },
	{ "\"Joe\r\n Q\" <a@b>", "[Joe Q|NIL|a|b]" },
};

START_TEST(parse)
{
	char got[1024];

	render(cases[_i].in, got, sizeof(got));
	ck_assert_msg(strcmp(got, cases[_i].want) == 0,
		      "'%s': got %s, want %s", cases[_i].in, got, cases[_i].want);
}
END_TEST

START_TEST(nul_in_quoted_name)
{
	static const char in[] = "\"J\0oe\" <a@b>";
	struct arena *a = arena_new(1024);
	struct mail_address *l;

	ck_assert_int_eq(address_parse(in, sizeof(in) - 1, a, &l), 1);
	ck_assert_msg(strcmp(l[0].name, "J\357\277\275oe") == 0,
		      "got %s, want J<U+FFFD>oe", l[0].name);
	arena_free(&a);
}
END_TEST

START_TEST(many_addresses_linear)
{
	size_t n = 20000, len = 0;
	char *in = malloc(n * 32);
	struct arena *a = arena_new(1 << 16);
	struct mail_address *l;

	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(in + len, "%su%zu@example.com",
				       i > 0 ? ", " : "", i);
	ck_assert_int_eq(address_parse(in, len, a, &l), n);
	ck_assert_str_eq(l[n - 1].mailbox, "u19999");
	free(in);
	arena_free(&a);
}
END_TEST

START_TEST(unterminated_everything)
{
	/* each of these runs to the end of the value; none may loop */
	static const char *const in[] = {
		"\"", "(", "<", "[", "\\", "a@[", "a@(", "g:", "g: <", "\"a\\",
		"(a\\", "<@", "<@a,", "<@a:", "a@b\\", ".", "@", ",", ";", ":",
	};
	struct arena *a = arena_new(1024);
	struct mail_address *l;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		(void)address_parse(in[i], strlen(in[i]), a, &l);
	arena_free(&a);
}
END_TEST

START_TEST(random_never_crash)
{
	static const char alphabet[] = "\"\\()<>@,;:.[] \t\r\n\0\377aZ";
	char in[300];
	uint32_t seed = 99;

	for (int round = 0; round < 30000; round++) {
		struct arena *a = arena_new(1024);
		struct mail_address *l;
		size_t len, n;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % sizeof(in);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		n = address_parse(in, len, a, &l);
		for (size_t i = 0; i < n; i++)
			ck_assert(l[i].group_start || l[i].group_end ||
				  (l[i].mailbox != NULL && l[i].host != NULL));
		arena_free(&a);
	}
}
END_TEST

static Suite *
address_suite(void)
{
	Suite *s = suite_create("address");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, parse, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, nul_in_quoted_name);
	tcase_add_test(tc, many_addresses_linear);
	tcase_add_test(tc, unterminated_everything);
	tcase_add_test(tc, random_never_crash);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(address_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
