/* tests/unit/check_mutf7.c — store/mutf7: modified UTF-7 (RFC 3501 5.1.3)
 * both ways, the canonical-spelling rules, strict UTF-8, and round trips
 * over deterministic random names. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/mutf7.h"
#include "util/buf.h"

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

/* Pairs of equal names, mUTF-7 and UTF-8. */
static const struct {
	const char *mutf7, *utf8;
} pairs[] = {
	{ "", "" },
	{ "INBOX", "INBOX" },
	{ "&-", "&" },
	{ "&-&-", "&&" },
	{ "x&-y", "x&y" },
	{ "~/\\%*\"' ", "~/\\%*\"' " },
	{ "Entw&APw-rfe", "Entw\xc3\xbcrfe" },
	{ "&AOQ-", "\xc3\xa4" },
	{ "&AOQA5A-", "\xc3\xa4\xc3\xa4" },
	{ "&AOQA5ADk-", "\xc3\xa4\xc3\xa4\xc3\xa4" },
	{ "&AOQ-&-", "\xc3\xa4&" },
	{ "&-&AOQ-", "&\xc3\xa4" },
	/* RFC 3501 5.1.3, the example and the corrected forms. */
	{ "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
	  "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "&U,BTF2XlZyyKng-",
	  "\xe5\x8f\xb0\xe5\x8c\x97\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "&Jjo-!", "\xe2\x98\xba!" },
	/* U+1F600 as a surrogate pair, alone and between text. */
	{ "&2D3eAA-", "\xf0\x9f\x98\x80" },
	{ "a&2D3eAA-b", "a\xf0\x9f\x98\x80" "b" },
	{ "&2D3eANg93gA-", "\xf0\x9f\x98\x80\xf0\x9f\x98\x80" },
	/* U+10FFFF, U+FFFD, U+0080, U+07FF, U+0800. */
	{ "&2,,f,w-", "\xf4\x8f\xbf\xbf" },
	{ "&,,0-", "\xef\xbf\xbd" },
	{ "&AIA-", "\xc2\x80" },
	{ "&B,8-", "\xdf\xbf" },
	{ "&CAA-", "\xe0\xa0\x80" },
	/* Non-printable ASCII is encoded, and that is valid mUTF-7. */
	{ "&AAE-", "\x01" },
	{ "&AH8-", "\x7f" },
	{ "&AAkACg-", "\t\n" },
};

/* Not valid modified UTF-7; each with why. */
static const struct {
	const char *in, *why;
} bad_mutf7[] = {
	{ "&", "unterminated shift" },
	{ "a&", "unterminated shift at the end" },
	{ "&AOQ", "run not closed by -" },
	{ "&Jjo!", "RFC 3501: no implicit shift back" },
	{ "&Jjo!-", "'!' is not base64" },
	{ "&AOQ=-", "'=' padding is not modified base64" },
	{ "&//8-", "'/' is replaced by ',' in modified base64" },
	{ "&AGE-", "encodes printable 'a'" },
	{ "&ACY-", "encodes '&', which has \"&-\"" },
	{ "&AC8-", "encodes '/'" },
	{ "&AC4-", "encodes '.'" },
	{ "&ACAA5A-", "encodes ' ' before a real character" },
	{ "&AOR-", "non-zero padding bits" },
	{ "&AOQA-", "a whole sextet left over" },
	{ "&A-", "fewer than 16 bits" },
	{ "&,,,,-", "eight bits left over" },
	{ "&AOQ-&AOQ-", "superfluous shift" },
	{ "&U,BTFw-&ZeVnLIqe-", "RFC 3501's superfluous shift example" },
	{ "&2D0-", "high surrogate alone" },
	{ "&2D0-x", "high surrogate alone, then text" },
	{ "&3gA-", "low surrogate alone" },
	{ "&2D3YPQ-", "two high surrogates" },
	{ "&2D0AYQ-", "high surrogate, then not a low one" },
	{ "&AAA-", "U+0000" },
	{ "\x01", "raw control character" },
	{ "a\tb", "raw tab" },
	{ "\x7f", "raw DEL" },
	{ "Entw\xc3\xbcrfe", "raw 8-bit" },
	{ "\xff", "raw 8-bit" },
	{ "&&-", "'&' inside a run" },
	{ "&-&", "unterminated shift after \"&-\"" },
};

/* Not valid UTF-8 (or NUL); each with why. */
static const struct {
	const char *in;
	size_t len;
	const char *why;
} bad_utf8[] = {
	{ "\xc0\xaf", 2, "overlong '/'" },
	{ "\xc1\xbf", 2, "overlong" },
	{ "\xe0\x80\xaf", 3, "overlong, three bytes" },
	{ "\xf0\x80\x80\xaf", 4, "overlong, four bytes" },
	{ "\xed\xa0\x80", 3, "surrogate U+D800" },
	{ "\xed\xbf\xbf", 3, "surrogate U+DFFF" },
	{ "\xf4\x90\x80\x80", 4, "U+110000" },
	{ "\xf5\x80\x80\x80", 4, "beyond U+10FFFF" },
	{ "\xf8\x88\x80\x80\x80", 5, "five-byte form" },
	{ "\xff", 1, "0xff" },
	{ "\x80", 1, "stray continuation byte" },
	{ "a\xc3", 2, "truncated two-byte sequence" },
	{ "\xe2\x82", 2, "truncated three-byte sequence" },
	{ "\xc3(", 2, "bad continuation byte" },
};

START_TEST(decode_pairs)
{
	struct buf b;

	buf_init(&b, 4096);
	ck_assert_msg(mutf7_to_utf8(pairs[_i].mutf7, strlen(pairs[_i].mutf7),
				    &b) == 0,
		      "'%s': got error, want '%s'", pairs[_i].mutf7,
		      pairs[_i].utf8);
	EXPECT_STR(buf_str(&b), pairs[_i].utf8);
	EXPECT_INT(mutf7_valid(pairs[_i].mutf7, strlen(pairs[_i].mutf7)), 1);
	buf_free(&b);
}
END_TEST

START_TEST(encode_pairs)
{
	struct buf b;

	buf_init(&b, 4096);
	ck_assert_msg(utf8_to_mutf7(pairs[_i].utf8, strlen(pairs[_i].utf8),
				    &b) == 0,
		      "'%s': got error, want '%s'", pairs[_i].utf8,
		      pairs[_i].mutf7);
	EXPECT_STR(buf_str(&b), pairs[_i].mutf7);
	EXPECT_INT(utf8_valid(pairs[_i].utf8, strlen(pairs[_i].utf8)), 1);
	buf_free(&b);
}
END_TEST

START_TEST(decode_refused)
{
	struct buf b;
	const char *in = bad_mutf7[_i].in;
	int ret;

	buf_init(&b, 4096);
	buf_append_str(&b, "keep");
	ret = mutf7_to_utf8(in, strlen(in), &b);
	ck_assert_msg(ret == -1, "'%s' (%s): got %d ('%s'), want -1", in,
		      bad_mutf7[_i].why, ret, buf_str(&b));
	/* A refusal leaves the buffer as it was. */
	EXPECT_STR(buf_str(&b), "keep");
	EXPECT_INT(mutf7_valid(in, strlen(in)), 0);
	buf_free(&b);
}
END_TEST

START_TEST(encode_refused)
{
	struct buf b;
	int ret;

	buf_init(&b, 4096);
	buf_append_str(&b, "keep");
	ret = utf8_to_mutf7(bad_utf8[_i].in, bad_utf8[_i].len, &b);
	ck_assert_msg(ret == -1, "%s: got %d ('%s'), want -1",
		      bad_utf8[_i].why, ret, buf_str(&b));
	EXPECT_STR(buf_str(&b), "keep");
	EXPECT_INT(utf8_valid(bad_utf8[_i].in, bad_utf8[_i].len), 0);
	buf_free(&b);
}
END_TEST

/* A NUL byte is valid UTF-8 but cannot be part of a name. */
START_TEST(encode_nul_refused)
{
	struct buf b;

	buf_init(&b, 64);
	EXPECT_INT(utf8_to_mutf7("a\0b", 3, &b), -1);
	EXPECT_INT(b.len, 0);
	EXPECT_INT(utf8_valid("a\0b", 3), 1);
	buf_free(&b);
}
END_TEST

/* The length argument is honoured: nothing past it is read. */
START_TEST(length_not_nul)
{
	struct buf b;

	buf_init(&b, 64);
	EXPECT_INT(mutf7_to_utf8("&AOQ-xyz", 5, &b), 0);
	EXPECT_STR(buf_str(&b), "\xc3\xa4");
	buf_reset(&b);
	EXPECT_INT(mutf7_to_utf8("&AOQ-xyz", 4, &b), -1);
	EXPECT_INT(utf8_to_mutf7("\xc3\xa4zz", 2, &b), 0);
	EXPECT_STR(buf_str(&b), "&AOQ-");
	buf_free(&b);
}
END_TEST

/* Output past the buffer's maximum fails and leaves the buffer whole. */
START_TEST(overflow)
{
	struct buf b;

	buf_init(&b, 6);
	buf_append_str(&b, "ab");
	EXPECT_INT(utf8_to_mutf7("\xc3\xa4\xc3\xa4", 4, &b), -1);
	EXPECT_STR(buf_str(&b), "ab");
	EXPECT_INT(utf8_to_mutf7("\xc3\xa4", 2, &b), -1);   /* "&AOQ-" */
	EXPECT_STR(buf_str(&b), "ab");
	EXPECT_INT(utf8_to_mutf7("xy", 2, &b), 0);
	EXPECT_STR(buf_str(&b), "abxy");
	EXPECT_INT(mutf7_to_utf8("&AOQA5A-", 8, &b), -1);
	EXPECT_STR(buf_str(&b), "abxy");
	EXPECT_INT(mutf7_to_utf8("&AOQ-", 5, &b), 0);
	EXPECT_STR(buf_str(&b), "abxy\xc3\xa4");
	buf_free(&b);
}
END_TEST

/* xorshift32: the same names on every run. */
static uint32_t
rnd(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* A random scalar value, weighted to printable ASCII and "&". */
static uint32_t
random_char(uint32_t *state)
{
	uint32_t c;

	switch (rnd(state) % 6) {
	case 0:
		return '&';
	case 1:
	case 2:
		return 0x20 + rnd(state) % 0x5f;
	case 3:
		return 1 + rnd(state) % 0x7ff;
	case 4:
		do
			c = 1 + rnd(state) % 0xffff;
		while (c >= 0xd800 && c <= 0xdfff);
		return c;
	default:
		return 0x10000 + rnd(state) % 0x100000;
	}
}

/* Appends c as UTF-8, independently of the code under test. */
static void
put_utf8(struct buf *b, uint32_t c)
{
	if (c < 0x80) {
		buf_append_byte(b, (unsigned char)c);
	} else if (c < 0x800) {
		buf_append_byte(b, (unsigned char)(0xc0 | (c >> 6)));
		buf_append_byte(b, (unsigned char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_append_byte(b, (unsigned char)(0xe0 | (c >> 12)));
		buf_append_byte(b, (unsigned char)(0x80 | ((c >> 6) & 0x3f)));
		buf_append_byte(b, (unsigned char)(0x80 | (c & 0x3f)));
	} else {
		buf_append_byte(b, (unsigned char)(0xf0 | (c >> 18)));
		buf_append_byte(b, (unsigned char)(0x80 | ((c >> 12) & 0x3f)));
		buf_append_byte(b, (unsigned char)(0x80 | ((c >> 6) & 0x3f)));
		buf_append_byte(b, (unsigned char)(0x80 | (c & 0x3f)));
	}
}

START_TEST(random_round_trip)
{
	struct buf utf8, m, back, again;
	uint32_t state = 0x5c0a2024;
	int n, k, len;

	buf_init(&utf8, 1024);
	buf_init(&m, 4096);
	buf_init(&back, 1024);
	buf_init(&again, 4096);
	for (n = 0; n < 20000; n++) {
		buf_reset(&utf8);
		buf_reset(&m);
		buf_reset(&back);
		buf_reset(&again);
		len = (int)(rnd(&state) % 12);
		for (k = 0; k < len; k++)
			put_utf8(&utf8, random_char(&state));
		ck_assert_msg(utf8_to_mutf7((char *)utf8.data, utf8.len, &m)
			      == 0, "case %d: encode got -1, want 0", n);
		ck_assert_msg(mutf7_valid((char *)m.data, m.len),
			      "case %d: '%s' got invalid, want valid", n,
			      buf_str(&m));
		ck_assert_msg(mutf7_to_utf8((char *)m.data, m.len, &back)
			      == 0, "case %d: decode '%s' got -1, want 0", n,
			      buf_str(&m));
		ck_assert_msg(back.len == utf8.len &&
			      memcmp(back.data, utf8.data, utf8.len) == 0,
			      "case %d: '%s' decoded differently", n,
			      buf_str(&m));
		utf8_to_mutf7((char *)back.data, back.len, &again);
		EXPECT_STR(buf_str(&again), buf_str(&m));
	}
	buf_free(&utf8);
	buf_free(&m);
	buf_free(&back);
	buf_free(&again);
}
END_TEST

/* Random byte strings over the mUTF-7 alphabet: whatever decodes must
 * encode back to the very same bytes (one spelling per name). */
START_TEST(random_canonical)
{
	static const char alpha[] = "&-AOQ5D2d3e,+Zz09 a";
	struct buf in, u, m;
	uint32_t state = 0xdeadbeef;
	int n, k, len, ok = 0;

	buf_init(&in, 64);
	buf_init(&u, 256);
	buf_init(&m, 256);
	for (n = 0; n < 50000; n++) {
		buf_reset(&in);
		buf_reset(&u);
		buf_reset(&m);
		len = (int)(rnd(&state) % 14);
		for (k = 0; k < len; k++) {
			size_t j = rnd(&state) % (sizeof(alpha) - 1);

			buf_append_byte(&in, (unsigned char)alpha[j]);
		}
		if (mutf7_to_utf8((char *)in.data, in.len, &u) < 0) {
			EXPECT_INT(u.len, 0);
			continue;
		}
		ok++;
		ck_assert_msg(utf8_to_mutf7((char *)u.data, u.len, &m) == 0,
			      "'%s': re-encode got -1, want 0", buf_str(&in));
		EXPECT_STR(buf_str(&m), buf_str(&in));
	}
	ck_assert_msg(ok > 1000, "valid inputs: got %d, want > 1000", ok);
	buf_free(&in);
	buf_free(&u);
	buf_free(&m);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
mutf7_suite(void)
{
	Suite *s = suite_create("mutf7");
	TCase *tc;

	tc = tcase_create("convert");
	tcase_add_loop_test(tc, decode_pairs, 0, N(pairs));
	tcase_add_loop_test(tc, encode_pairs, 0, N(pairs));
	tcase_add_test(tc, length_not_nul);
	tcase_add_test(tc, overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("refuse");
	tcase_add_loop_test(tc, decode_refused, 0, N(bad_mutf7));
	tcase_add_loop_test(tc, encode_refused, 0, N(bad_utf8));
	tcase_add_test(tc, encode_nul_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, random_round_trip);
	tcase_add_test(tc, random_canonical);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mutf7_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
