/* tests/unit/check_sasl.c — base64 (RFC 4648) and the AUTHENTICATE
 * mechanisms PLAIN (RFC 4616, with SASL-IR, RFC 4959) and LOGIN. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/sasl.h"

#define CHECK_INT(got, want)                                              \
	do {                                                              \
		long got_ = (long)(got), want_ = (long)(want);            \
		ck_assert_msg(got_ == want_, "%s: got %ld, want %ld",     \
			      #got, got_, want_);                         \
	} while (0)

#define CHECK_STR(got, want)                                              \
	do {                                                              \
		const char *got_ = (got), *want_ = (want);                \
		ck_assert_msg(got_ != NULL && strcmp(got_, want_) == 0,   \
			      "%s: got \"%s\", want \"%s\"", #got,        \
			      got_ ? got_ : "(null)", want_);             \
	} while (0)

static const char *
step_name(enum sasl_step st)
{
	switch (st) {
	case SASL_CONTINUE:
		return "SASL_CONTINUE";
	case SASL_DONE:
		return "SASL_DONE";
	case SASL_FAIL:
		return "SASL_FAIL";
	}
	return "?";
}

#define CHECK_STEP(got, want)                                             \
	do {                                                              \
		enum sasl_step got_ = (got), want_ = (want);              \
		ck_assert_msg(got_ == want_, "%s: got %s, want %s", #got, \
			      step_name(got_), step_name(want_));         \
	} while (0)

/* base64 of len bytes, in a buffer that lives until the next call. */
static const char *
b64(const void *data, size_t len)
{
	static char out[8192];
	size_t n = base64_encode(data, len, out, sizeof(out));

	ck_assert_msg(n < sizeof(out), "test data too long: %zu", n);
	return out;
}

/* A string literal with its NULs, without the terminating one. */
#define B64_LIT(s) b64((s), sizeof(s) - 1)

/* --- base64 ------------------------------------------------------------ */

static const struct {
	const char *plain, *encoded;
} rfc4648_vectors[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

START_TEST(base64_rfc4648_encode)
{
	const char *plain = rfc4648_vectors[_i].plain;
	char out[32];
	size_t n = base64_encode((const unsigned char *)plain, strlen(plain),
				 out, sizeof(out));

	CHECK_INT(n, strlen(rfc4648_vectors[_i].encoded));
	CHECK_STR(out, rfc4648_vectors[_i].encoded);
}
END_TEST

START_TEST(base64_rfc4648_decode)
{
	const char *enc = rfc4648_vectors[_i].encoded;
	unsigned char out[32];
	long n = base64_decode(enc, strlen(enc), out, sizeof(out));

	CHECK_INT(n, strlen(rfc4648_vectors[_i].plain));
	out[n] = '\0';
	CHECK_STR((char *)out, rfc4648_vectors[_i].plain);
}
END_TEST

START_TEST(base64_round_trip_all_lengths)
{
	unsigned char in[300], back[300];
	char enc[420];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);   /* includes 0 and 0xff */
	for (size_t len = 0; len <= sizeof(in); len++) {
		size_t n = base64_encode(in, len, enc, sizeof(enc));
		long m;

		CHECK_INT(n, (len + 2) / 3 * 4);
		CHECK_INT(strlen(enc), n);
		m = base64_decode(enc, n, back, sizeof(back));
		CHECK_INT(m, len);
		ck_assert_msg(memcmp(in, back, len) == 0,
			      "round trip of %zu bytes: got different bytes, "
			      "want the input", len);
	}
}
END_TEST

static const char *const base64_bad[] = {
	"Zg",           /* no padding */
	"Zg=",          /* short padding */
	"Z===",         /* three pad characters */
	"====",
	"=Zg=",         /* pad at the start */
	"Zg==Zg==",     /* pad in the middle */
	"AA=A",
	"Zm9v\n",       /* line end */
	"Zm 9",         /* space */
	"Zm9v\r\n",
	"Zm9-",         /* base64url, not base64 */
	"Zm9_",
	"Zh==",         /* non-zero bits after the data */
	"Zm9=",
	"Zm9v====",
	"Zm\x80v",
};

START_TEST(base64_rejects_bad_input)
{
	const char *in = base64_bad[_i];
	unsigned char out[32];

	ck_assert_msg(base64_decode(in, strlen(in), out, sizeof(out)) == -1,
		      "decode of \"%s\": got success, want -1", in);
}
END_TEST

START_TEST(base64_decode_respects_out_size)
{
	unsigned char out[6];

	CHECK_INT(base64_decode("Zm9vYmFy", 8, out, 6), 6);
	CHECK_INT(base64_decode("Zm9vYmFy", 8, out, 5), -1);
	CHECK_INT(base64_decode("Zm9vYg==", 8, out, 4), 4);
	CHECK_INT(base64_decode("Zm9vYg==", 8, out, 3), -1);
}
END_TEST

START_TEST(base64_encode_too_small)
{
	char out[8];
	size_t n;

	memset(out, 'x', sizeof(out));
	/* "foobar" needs 8 characters plus the NUL: it does not fit. */
	n = base64_encode((const unsigned char *)"foobar", 6, out, sizeof(out));
	CHECK_INT(n, 8);
	CHECK_STR(out, "");
	n = base64_encode((const unsigned char *)"fooba", 5, out, sizeof(out));
	CHECK_INT(n, 8);
	CHECK_STR(out, "");
	n = base64_encode((const unsigned char *)"foob", 4, out, sizeof(out));
	CHECK_INT(n, 8);
	CHECK_STR(out, "");
	n = base64_encode((const unsigned char *)"foo", 3, out, sizeof(out));
	CHECK_INT(n, 4);
	CHECK_STR(out, "Zm9v");
}
END_TEST

/* --- mechanism lookup -------------------------------------------------- */

START_TEST(mech_lookup)
{
	enum sasl_mech m = SASL_LOGIN;

	CHECK_INT(sasl_mech_lookup("PLAIN", &m), 0);
	CHECK_INT(m, SASL_PLAIN);
	CHECK_INT(sasl_mech_lookup("login", &m), 0);
	CHECK_INT(m, SASL_LOGIN);
	CHECK_INT(sasl_mech_lookup("pLaIn", &m), 0);
	CHECK_INT(m, SASL_PLAIN);
	CHECK_INT(sasl_mech_lookup("CRAM-MD5", &m), -1);
	CHECK_INT(sasl_mech_lookup("PLAINX", &m), -1);
	CHECK_INT(sasl_mech_lookup("", &m), -1);
}
END_TEST

/* --- PLAIN ------------------------------------------------------------- */

START_TEST(plain_initial_response_without_authzid)
{
	struct sasl s;

	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, B64_LIT("\0alice\0secret")), SASL_DONE);
	CHECK_STR(s.authzid, "");
	CHECK_STR(s.user, "alice");
	CHECK_STR(s.password, "secret");
	sasl_clear(&s);
}
END_TEST

START_TEST(plain_initial_response_with_authzid)
{
	struct sasl s;

	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, B64_LIT("admin\0alice\0pass word")), SASL_DONE);
	CHECK_STR(s.authzid, "admin");
	CHECK_STR(s.user, "alice");
	CHECK_STR(s.password, "pass word");
}
END_TEST

START_TEST(plain_rfc4616_example)
{
	struct sasl s;

	/* RFC 4616 section 4: "tim" with password "tanstaaftanstaaf". */
	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"), SASL_DONE);
	CHECK_STR(s.user, "tim");
	CHECK_STR(s.password, "tanstaaftanstaaf");
	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, B64_LIT("Ursel\0Kurt\0xipj3plmq")), SASL_DONE);
	CHECK_STR(s.authzid, "Ursel");
	CHECK_STR(s.user, "Kurt");
	CHECK_STR(s.password, "xipj3plmq");
}
END_TEST

START_TEST(plain_without_initial_response)
{
	struct sasl s;

	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, NULL), SASL_CONTINUE);
	CHECK_STR(s.challenge, "");
	CHECK_STEP(sasl_step(&s, B64_LIT("\0bob\0hunter2")), SASL_DONE);
	CHECK_STR(s.user, "bob");
	CHECK_STR(s.password, "hunter2");
}
END_TEST

static const struct {
	const char *msg;
	size_t len;
} plain_malformed[] = {
#define M(s) { s, sizeof(s) - 1 }
	M(""),                          /* nothing */
	M("alice"),                     /* no NUL */
	M("alice\0secret"),             /* one NUL */
	M("\0\0secret"),                /* empty authcid */
	M("admin\0\0secret"),
	M("\0alice\0"),                 /* empty passwd */
	M("\0\0"),
	M("\0alice\0sec\0ret"),         /* three NULs */
	M("\0alice\0secret\0"),
	M("a\0b\0c\0d"),
#undef M
};

START_TEST(plain_malformed_fails)
{
	struct sasl s;

	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, b64(plain_malformed[_i].msg,
				     plain_malformed[_i].len)), SASL_FAIL);
	CHECK_STR(s.error, "malformed PLAIN response");
	CHECK_STR(s.user, "");
	CHECK_STR(s.password, "");
}
END_TEST

/* Builds authzid NUL authcid NUL passwd with fields of the lengths given. */
static const char *
plain_of_lengths(size_t zlen, size_t clen, size_t plen)
{
	static unsigned char msg[3 * SASL_FIELD_MAX + 8];
	size_t o = 0;

	ck_assert(zlen + clen + plen + 2 <= sizeof(msg));
	memset(msg + o, 'z', zlen);
	o += zlen;
	msg[o++] = '\0';
	memset(msg + o, 'c', clen);
	o += clen;
	msg[o++] = '\0';
	memset(msg + o, 'p', plen);
	o += plen;
	return b64(msg, o);
}

START_TEST(plain_field_limits)
{
	const size_t max = SASL_FIELD_MAX - 1;
	struct sasl s;

	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, plain_of_lengths(max, max, max)), SASL_DONE);
	CHECK_INT(strlen(s.authzid), max);
	CHECK_INT(strlen(s.user), max);
	CHECK_INT(strlen(s.password), max);

	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, plain_of_lengths(max + 1, 5, 5)), SASL_FAIL);
	CHECK_STR(s.error, "malformed PLAIN response");
	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, plain_of_lengths(0, max + 1, 5)), SASL_FAIL);
	CHECK_STR(s.error, "malformed PLAIN response");
	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, plain_of_lengths(0, 5, max + 1)), SASL_FAIL);
	CHECK_STR(s.error, "malformed PLAIN response");
	CHECK_STR(s.user, "");
}
END_TEST

START_TEST(plain_response_too_long)
{
	static char resp[3 * SASL_FIELD_MAX / 3 * 4 + 5];
	struct sasl s;

	memset(resp, 'A', sizeof(resp) - 1);
	resp[sizeof(resp) - 1] = '\0';
	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, resp), SASL_FAIL);
	CHECK_STR(s.error, "response too long");
}
END_TEST

START_TEST(plain_empty_initial_response)
{
	struct sasl s;

	/* "=" is a present but empty response: PLAIN needs more than that. */
	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, "="), SASL_FAIL);
	CHECK_STR(s.error, "malformed PLAIN response");
	/* After a challenge an empty response is an empty line, not "=". */
	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, NULL), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, "="), SASL_FAIL);
	CHECK_STR(s.error, "invalid base64");
	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, NULL), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, ""), SASL_FAIL);
	CHECK_STR(s.error, "malformed PLAIN response");
}
END_TEST

START_TEST(plain_cancel)
{
	struct sasl s;

	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, NULL), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, "*"), SASL_FAIL);
	CHECK_STR(s.error, "cancelled");
	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, "*"), SASL_FAIL);
	CHECK_STR(s.error, "cancelled");
}
END_TEST

START_TEST(plain_invalid_base64)
{
	struct sasl s;

	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, "AGFsaWNlAHNlY3JldA"), SASL_FAIL);  /* no pad */
	CHECK_STR(s.error, "invalid base64");
	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, NULL), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, "AGFsaWNl AHNlY3JldA=="), SASL_FAIL);
	CHECK_STR(s.error, "invalid base64");
}
END_TEST

START_TEST(plain_steps_after_the_end_fail)
{
	struct sasl s;

	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, B64_LIT("\0alice\0secret")), SASL_DONE);
	CHECK_STEP(sasl_step(&s, B64_LIT("\0alice\0secret")), SASL_FAIL);
	CHECK_STR(s.error, "unexpected response");
	CHECK_STR(s.password, "");
	/* A failed exchange stays failed. */
	CHECK_STEP(sasl_step(&s, B64_LIT("\0alice\0secret")), SASL_FAIL);
	CHECK_STR(s.error, "unexpected response");
	/* NULL is only "no initial response". */
	sasl_begin(&s, SASL_PLAIN);
	CHECK_STEP(sasl_step(&s, NULL), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, NULL), SASL_FAIL);
	CHECK_STR(s.error, "unexpected response");
}
END_TEST

/* --- LOGIN ------------------------------------------------------------- */

START_TEST(login_challenges_are_base64_prompts)
{
	unsigned char out[32];
	long n;

	n = base64_decode("VXNlcm5hbWU6", 12, out, sizeof(out));
	CHECK_INT(n, 9);
	ck_assert_msg(memcmp(out, "Username:", 9) == 0,
		      "got \"%.*s\", want \"Username:\"", (int)n, out);
	n = base64_decode("UGFzc3dvcmQ6", 12, out, sizeof(out));
	CHECK_INT(n, 9);
	ck_assert_msg(memcmp(out, "Password:", 9) == 0,
		      "got \"%.*s\", want \"Password:\"", (int)n, out);
}
END_TEST

START_TEST(login_flow)
{
	struct sasl s;

	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, NULL), SASL_CONTINUE);
	CHECK_STR(s.challenge, "VXNlcm5hbWU6");
	CHECK_STEP(sasl_step(&s, B64_LIT("alice")), SASL_CONTINUE);
	CHECK_STR(s.challenge, "UGFzc3dvcmQ6");
	CHECK_STR(s.user, "alice");
	CHECK_STEP(sasl_step(&s, B64_LIT("s3cret pw")), SASL_DONE);
	CHECK_STR(s.user, "alice");
	CHECK_STR(s.password, "s3cret pw");
	CHECK_STR(s.authzid, "");
	CHECK_STEP(sasl_step(&s, B64_LIT("more")), SASL_FAIL);
	CHECK_STR(s.error, "unexpected response");
}
END_TEST

START_TEST(login_with_initial_response)
{
	struct sasl s;

	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, B64_LIT("bob")), SASL_CONTINUE);
	CHECK_STR(s.challenge, "UGFzc3dvcmQ6");
	CHECK_STR(s.user, "bob");
	CHECK_STEP(sasl_step(&s, B64_LIT("hunter2")), SASL_DONE);
	CHECK_STR(s.password, "hunter2");
}
END_TEST

START_TEST(login_empty_and_bad_fields)
{
	char big[SASL_FIELD_MAX + 1];
	struct sasl s;

	/* An empty user name is malformed, as an initial "=" or a line. */
	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, "="), SASL_FAIL);
	CHECK_STR(s.error, "malformed LOGIN response");
	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, NULL), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, ""), SASL_FAIL);
	CHECK_STR(s.error, "malformed LOGIN response");
	/* An empty password passes: the backend refuses it. */
	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, B64_LIT("bob")), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, ""), SASL_DONE);
	CHECK_STR(s.password, "");
	/* NUL inside a field. */
	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, B64_LIT("b\0b")), SASL_FAIL);
	CHECK_STR(s.error, "malformed LOGIN response");
	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, B64_LIT("bob")), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, B64_LIT("pw\0")), SASL_FAIL);
	CHECK_STR(s.error, "malformed LOGIN response");
	CHECK_STR(s.user, "");
	/* Field length limits. */
	memset(big, 'x', sizeof(big));
	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, b64(big, SASL_FIELD_MAX - 1)), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, b64(big, SASL_FIELD_MAX - 1)), SASL_DONE);
	CHECK_INT(strlen(s.password), SASL_FIELD_MAX - 1);
	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, b64(big, SASL_FIELD_MAX)), SASL_FAIL);
	CHECK_STR(s.error, "malformed LOGIN response");
}
END_TEST

START_TEST(login_cancel_and_bad_base64)
{
	struct sasl s;

	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, NULL), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, B64_LIT("alice")), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, "*"), SASL_FAIL);
	CHECK_STR(s.error, "cancelled");
	CHECK_STR(s.user, "");
	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, NULL), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, "YWxpY2U"), SASL_FAIL);
	CHECK_STR(s.error, "invalid base64");
}
END_TEST

START_TEST(clear_wipes_everything)
{
	static const unsigned char zero[sizeof(struct sasl)];
	struct sasl s;

	sasl_begin(&s, SASL_LOGIN);
	CHECK_STEP(sasl_step(&s, B64_LIT("alice")), SASL_CONTINUE);
	CHECK_STEP(sasl_step(&s, B64_LIT("secret")), SASL_DONE);
	sasl_clear(&s);
	ck_assert_msg(memcmp(&s, zero, sizeof(s)) == 0,
		      "after sasl_clear: got non-zero bytes, want all zero");
}
END_TEST

static Suite *
sasl_suite(void)
{
	Suite *s = suite_create("sasl");
	TCase *tc;

	tc = tcase_create("base64");
	tcase_add_loop_test(tc, base64_rfc4648_encode, 0,
			    sizeof(rfc4648_vectors) / sizeof(rfc4648_vectors[0]));
	tcase_add_loop_test(tc, base64_rfc4648_decode, 0,
			    sizeof(rfc4648_vectors) / sizeof(rfc4648_vectors[0]));
	tcase_add_test(tc, base64_round_trip_all_lengths);
	tcase_add_loop_test(tc, base64_rejects_bad_input, 0,
			    sizeof(base64_bad) / sizeof(base64_bad[0]));
	tcase_add_test(tc, base64_decode_respects_out_size);
	tcase_add_test(tc, base64_encode_too_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("plain");
	tcase_add_test(tc, mech_lookup);
	tcase_add_test(tc, plain_initial_response_without_authzid);
	tcase_add_test(tc, plain_initial_response_with_authzid);
	tcase_add_test(tc, plain_rfc4616_example);
	tcase_add_test(tc, plain_without_initial_response);
	tcase_add_loop_test(tc, plain_malformed_fails, 0,
			    sizeof(plain_malformed) / sizeof(plain_malformed[0]));
	tcase_add_test(tc, plain_field_limits);
	tcase_add_test(tc, plain_response_too_long);
	tcase_add_test(tc, plain_empty_initial_response);
	tcase_add_test(tc, plain_cancel);
	tcase_add_test(tc, plain_invalid_base64);
	tcase_add_test(tc, plain_steps_after_the_end_fail);
	suite_add_tcase(s, tc);

	tc = tcase_create("login");
	tcase_add_test(tc, login_challenges_are_base64_prompts);
	tcase_add_test(tc, login_flow);
	tcase_add_test(tc, login_with_initial_response);
	tcase_add_test(tc, login_empty_and_bad_fields);
	tcase_add_test(tc, login_cancel_and_bad_base64);
	tcase_add_test(tc, clear_wipes_everything);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sasl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
