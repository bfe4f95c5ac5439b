/* tests/unit/check_cache_blob.c — mail/cache_blob: round trips give the
 * same BODYSTRUCTURE, BODY, RFC822.SIZE and sections as the parse they
 * came from; damaged blobs (every byte flipped, every truncation,
 * random bytes, a wrong magic or version) give NULL or a tree that is
 * safe to walk, never a crash. Run under valgrind and ASan. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/bodystructure.h"
#include "mail/cache_blob.h"
#include "mail/message.h"
#include "mail/section.h"
#include "util/arena.h"
#include "util/buf.h"

static const char *const msgs[] = {
	"",
	"Subject: x",
	"Subject: single\nX-A: 1\n\nline1\nline2\n",
	"From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
	"boundary=\"X\"\r\n\r\npre\r\n--X\r\nContent-Type: text/plain; "
	"charset=utf-8; name*0*=utf-8''%E2%82%AC; name*1=x\r\n"
	"Content-Language: en, de\r\nContent-MD5: abc==\r\nContent-Location:"
	" http://x/y\r\nContent-ID: <i@d>\r\nContent-Description: d\r\n"
	"Content-Disposition: inline; filename=\"a.txt\"\r\n\r\nhello\r\n--X"
	"\r\n\r\nno header\r\n--X\r\nContent-Type: message/rfc822\r\n\r\n"
	"From: c@d\r\nSubject: inner\r\nContent-Type: multipart/alternative; "
	"boundary=Y\r\n\r\n--Y\r\nContent-Type: text/plain\r\n\r\ninner\r\n"
	"--Y\r\nContent-Type: text/html\r\n\r\n<b>x</b>\r\n--Y--\r\n--X\r\n"
	"Content-Type: multipart/digest; boundary=Z\r\n\r\n--Z\r\n\r\n"
	"Subject: deep\r\n\r\ndeep body\r\n--Z--\r\n--X--\r\nepi\r\n",
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nnothing",
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	"Content-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\n--b\r\n"
	"Content-Type: message/rfc822\r\n\r\n--b--\r\n",
	"MIME-Version: 1.0\r\nContent-Type: text/plain; name=\"\xc3\xa9\"\r\n"
	"Content-Description: caf\xc3\xa9\r\n\r\n8bit\r\n",
};

static const char *const specs[] = {
	"", "HEADER", "TEXT", "1", "1.MIME", "2", "2.MIME", "3", "3.HEADER",
	"3.TEXT", "3.1", "3.2.MIME", "4.1", "4.1.HEADER",
	"HEADER.FIELDS (SUBJECT FROM)", "HEADER.FIELDS.NOT (SUBJECT)",
	"3.HEADER.FIELDS (SUBJECT)",
};

/* Everything FETCH derives from a tree, one string. */
static void
describe(const struct mail_part *root, const unsigned char *data,
	 struct arena *a, struct buf *out)
{
	struct section s;
	const char *err;

	buf_printf(out, "%zu ", mail_wire_size(root));
	bodystructure_write(root, data, 1, a, out);
	bodystructure_write(root, data, 0, a, out);
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		section_parse(specs[i], i % 3 == 0 ? "<2.30>" : NULL, a, &s,
			      &err);
		section_fetch(&s, root, data, out);
		buf_append_byte(out, '|');
	}
}

static void
round_trip(const unsigned char *d, size_t len)
{
	struct arena *a = arena_new(1 << 16);
	struct mail_part *root = mail_parse(d, len, a), *back;
	struct buf blob, x, y;

	buf_init(&blob, 1 << 24);
	buf_init(&x, 1 << 24);
	buf_init(&y, 1 << 24);
	ck_assert_msg(cache_blob_write(root, &blob) == 0,
		      "cache_blob_write: got -1, want 0");
	back = cache_blob_read(blob.data, blob.len, a);
	ck_assert_msg(back != NULL, "cache_blob_read of its own blob "
		      "(%zu bytes): got NULL, want a tree", blob.len);
	describe(root, d, a, &x);
	describe(back, d, a, &y);
	ck_assert_msg(x.len == y.len && memcmp(x.data, y.data, x.len) == 0,
		      "after the round trip:\n got %s\nwant %s", buf_str(&y),
		      buf_str(&x));
	buf_free(&blob);
	buf_free(&x);
	buf_free(&y);
	arena_free(&a);
}

START_TEST(round_trips)
{
	round_trip((const unsigned char *)msgs[_i], strlen(msgs[_i]));
}
END_TEST

START_TEST(round_trip_deep)
{
	struct buf m;

	buf_init(&m, 1 << 20);
	for (int i = 0; i < 1000; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=b%d\n"
			   "\n--b%d\n", i, i);
	round_trip(m.data, m.len);
	buf_reset(&m);
	for (int i = 0; i < 1000; i++)
		buf_append_str(&m, "Content-Type: message/rfc822\r\n\r\n");
	buf_append_str(&m, "Subject: end\r\n\r\nleaf\r\n");
	round_trip(m.data, m.len);
	buf_free(&m);
}
END_TEST

/* Touches every field, as a reader of the tree would. */
static size_t
walk(const struct mail_part *root)
{
	const struct mail_part *stack[4096];
	size_t n = 0, sum = 0;

	stack[n++] = root;
	while (n > 0) {
		const struct mail_part *p = stack[--n];
		const char *strs[] = { p->type, p->subtype, p->id,
				       p->description, p->encoding, p->md5,
				       p->disposition, p->location };

		for (size_t i = 0; i < 8; i++)
			sum += strs[i] != NULL ? strlen(strs[i]) : 0;
		for (size_t i = 0; i < p->nparams; i++)
			sum += strlen(p->params[i].name) +
				strlen(p->params[i].value);
		for (size_t i = 0; i < p->ndisp_params; i++)
			sum += strlen(p->disp_params[i].name) +
				strlen(p->disp_params[i].value);
		for (size_t i = 0; p->language != NULL && p->language[i]; i++)
			sum += strlen(p->language[i]);
		ck_assert_msg(n + p->nchildren + 1 < 4096, "tree too wide");
		if (p->message != NULL)
			stack[n++] = p->message;
		for (size_t i = 0; i < p->nchildren; i++)
			stack[n++] = &p->children[i];
	}
	return sum;
}

/* A damaged blob read back: NULL, or a tree whose every FETCH item can be
 * computed on the message it claims to describe. */
static void
try_damaged(const unsigned char *blob, size_t len, const unsigned char *d,
	    size_t dlen)
{
	struct arena *a = arena_new(1 << 16);
	struct mail_part *t;
	struct buf out;

	t = cache_blob_read(blob, len, a);
	if (t != NULL) {
		walk(t);
		/* The spans were checked against the root's extent; use the
		 * message only when that extent is the real one. */
		if (mail_wire_size(t) <= dlen * 2 &&
		    t->body.start + t->body.len == dlen) {
			buf_init(&out, 1 << 24);
			describe(t, d, a, &out);
			buf_free(&out);
		}
	}
	arena_free(&a);
}

START_TEST(mutations)
{
	const unsigned char *d = (const unsigned char *)msgs[_i];
	size_t dlen = strlen(msgs[_i]);
	struct arena *a = arena_new(1 << 16);
	struct buf blob;
	unsigned char *copy;

	buf_init(&blob, 1 << 24);
	cache_blob_write(mail_parse(d, dlen, a), &blob);
	copy = malloc(blob.len + 1);
	for (size_t cut = 0; cut < blob.len; cut++) {
		/* truncated: an exact-size copy, so overreads are caught */
		memcpy(copy, blob.data, cut);
		ck_assert_msg(cache_blob_read(copy, cut, a) == NULL,
			      "blob cut at %zu of %zu: got a tree, want NULL",
			      cut, blob.len);
	}
	for (size_t i = 0; i < blob.len; i++) {
		static const unsigned char flips[] = { 0x01, 0x80, 0xff, 0x7f };
		for (size_t f = 0; f < sizeof(flips); f++) {
			memcpy(copy, blob.data, blob.len);
			copy[i] ^= flips[f];
			try_damaged(copy, blob.len, d, dlen);
		}
	}
	/* a wrong version */
	memcpy(copy, blob.data, blob.len);
	copy[4] = 2;
	ck_assert_msg(cache_blob_read(copy, blob.len, a) == NULL,
		      "version 2: got a tree, want NULL");
	free(copy);
	buf_free(&blob);
	arena_free(&a);
}
END_TEST

/* Random bytes, half of them behind a valid magic and version. */
START_TEST(random_blobs)
{
	unsigned long seed = 7;
	unsigned char b[256];
	const unsigned char *d = (const unsigned char *)msgs[3];

	for (int round = 0; round < 20000; round++) {
		size_t n = (seed = seed * 6364136223846793005ULL + 1) >> 56;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ULL + 1;
			b[i] = (seed >> 59) < 8 ? (unsigned char)(seed >> 59) :
				(unsigned char)(seed >> 33);
		}
		if (round % 2 == 0 && n >= 5)
			memcpy(b, "skMB\x01", 5);
		unsigned char *copy = malloc(n + 1);
		memcpy(copy, b, n);
		try_damaged(copy, n, d, strlen(msgs[3]));
		free(copy);
	}
}
END_TEST

START_TEST(overflow)
{
	struct arena *a = arena_new(4096);
	struct buf blob;

	buf_init(&blob, 8);
	ck_assert_msg(cache_blob_write(mail_parse((const unsigned char *)msgs[3],
						  strlen(msgs[3]), a),
				       &blob) == -1,
		      "small buffer: got 0, want -1");
	buf_free(&blob);
	arena_free(&a);
}
END_TEST

static Suite *
cache_blob_suite(void)
{
	Suite *s = suite_create("cache_blob");
	TCase *tc = tcase_create("core");
	size_t n = sizeof(msgs) / sizeof(msgs[0]);

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, round_trips, 0, (int)n);
	tcase_add_test(tc, round_trip_deep);
	tcase_add_loop_test(tc, mutations, 0, (int)n);
	tcase_add_test(tc, random_blobs);
	tcase_add_test(tc, overflow);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cache_blob_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
