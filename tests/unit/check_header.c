/* tests/unit/check_header.c — header block, fields, unfolding and the
 * HEADER.FIELDS selections. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mail/header.h"

#define U(s) ((const unsigned char *)(s))

START_TEST(block_len_shapes)
{
	static const struct { const char *in; size_t want; } t[] = {
		{ "A: b\r\n\r\nbody", 8 },
		{ "A: b\n\nbody", 6 },
		{ "\r\nbody", 2 },
		{ "\nbody", 1 },
		{ "A: b\r\nC: d", 10 },         /* no blank line: all */
		{ "", 0 },
		{ "A: b\r\n c\r\n\r\n", 12 },
		{ "A: b\r\r\n\r\n", 9 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t got = header_block_len(U(t[i].in), strlen(t[i].in));

		ck_assert_msg(got == t[i].want, "case %zu: got %zu, want %zu",
			      i, got, t[i].want);
	}
}
END_TEST

START_TEST(iter_fields)
{
	static const char h[] = " orphan\r\nFrom : a@b\r\nno colon here\r\n"
		"Subject: one\r\n\ttwo\nX\0Y: 8\377\r\n\r\nTo: body";
	struct header_iter it;
	struct header_field f;

	header_iter_init(&it, U(h), sizeof(h) - 1);
	ck_assert_int_eq(header_iter_next(&it, &f), 1);
	ck_assert_msg(f.name_len == 4 && memcmp(f.name, "From", 4) == 0,
		      "got name %.*s, want From", (int)f.name_len, f.name);
	ck_assert_msg(f.value_len == 4 && memcmp(f.value, " a@b", 4) == 0,
		      "got value %.*s", (int)f.value_len, f.value);
	ck_assert_int_eq(f.raw_len, strlen("From : a@b\r\n"));
	ck_assert_int_eq(header_iter_next(&it, &f), 1);
	ck_assert_msg(f.value_len == 10 &&
		      memcmp(f.value, " one\r\n\ttwo", 10) == 0,
		      "got value %.*s", (int)f.value_len, f.value);
	ck_assert_int_eq(f.raw_len, strlen("Subject: one\r\n\ttwo\n"));
	ck_assert_int_eq(header_iter_next(&it, &f), 1);
	ck_assert_int_eq(f.name_len, 3);
	ck_assert_int_eq(f.value_len, 3);
	ck_assert_int_eq(header_iter_next(&it, &f), 0);  /* blank line ends */
}
END_TEST

START_TEST(find_case_insensitive)
{
	static const char h[] = "subject: a\r\nSUBJECT: b\r\n\r\n";
	struct header_field f;

	ck_assert_int_eq(header_find(U(h), sizeof(h) - 1, "Subject", &f), 1);
	ck_assert_msg(f.value[1] == 'a', "got %c, want first field", f.value[1]);
	ck_assert_int_eq(header_find(U(h), sizeof(h) - 1, "Subj", &f), 0);
}
END_TEST

START_TEST(unfold_value)
{
	static const char v[] = "  a\r\n b\n\tc \r\n ";
	struct buf b;

	buf_init(&b, 100);
	ck_assert_int_eq(header_unfold(U(v), sizeof(v) - 1, &b), 0);
	ck_assert_msg(strcmp(buf_str(&b), "a b\tc") == 0, "got '%s', want 'a b\tc'",
		      buf_str(&b));
	buf_free(&b);
}
END_TEST

START_TEST(select_fields)
{
	static const char h[] = "From: a\nTo: b\r\n c\nSubject: s\r\nto: d";
	static const char *const names[] = { "TO", "X-None" };
	struct buf b;

	buf_init(&b, 1000);
	ck_assert_int_eq(header_select(U(h), sizeof(h) - 1, names, 2, 0, &b), 0);
	ck_assert_msg(strcmp(buf_str(&b), "To: b\r\n c\r\nto: d\r\n\r\n") == 0,
		      "got '%s'", buf_str(&b));
	buf_reset(&b);
	ck_assert_int_eq(header_select(U(h), sizeof(h) - 1, names, 2, 1, &b), 0);
	ck_assert_msg(strcmp(buf_str(&b), "From: a\r\nSubject: s\r\n\r\n") == 0,
		      "got '%s'", buf_str(&b));
	buf_reset(&b);
	ck_assert_int_eq(header_select(U(h), sizeof(h) - 1, names, 0, 0, &b), 0);
	ck_assert_msg(strcmp(buf_str(&b), "\r\n") == 0, "got '%s'", buf_str(&b));
	buf_free(&b);

	buf_init(&b, 5);
	ck_assert_int_eq(header_select(U(h), sizeof(h) - 1, names, 2, 0, &b), -1);
	buf_free(&b);
}
END_TEST

START_TEST(long_folded_header)
{
	struct buf in, out;
	struct header_field f;

	buf_init(&in, 1 << 20);
	buf_init(&out, 1 << 20);
	buf_append_str(&in, "References:");
	for (int i = 0; i < 10000; i++)
		buf_printf(&in, "\r\n <id%d@example.com>", i);
	buf_append_str(&in, "\r\n\r\n");
	ck_assert_int_eq(header_find(in.data, in.len, "references", &f), 1);
	ck_assert_int_eq(f.raw_len, in.len - 2);
	ck_assert_int_eq(header_unfold(f.value, f.value_len, &out), 0);
	ck_assert_msg(strncmp(buf_str(&out), "<id0@example.com> <id1@", 23) == 0,
		      "got %.40s", buf_str(&out));
	buf_free(&in);
	buf_free(&out);
}
END_TEST

static Suite *
header_suite(void)
{
	Suite *s = suite_create("header");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, block_len_shapes);
	tcase_add_test(tc, iter_fields);
	tcase_add_test(tc, find_case_insensitive);
	tcase_add_test(tc, unfold_value);
	tcase_add_test(tc, select_fields);
	tcase_add_test(tc, long_folded_header);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(header_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
