/* tests/unit/check_message.c — mail/message: the MIME tree, wire sizes
 * (RFC822.SIZE counts every bare LF as CRLF), header and body spans,
 * the nesting limit, CRLF output, and a deterministic random-input run
 * whose trees must stay inside the buffer. Sizes and spans were
 * verified with Dovecot 2.3.19 (RFC822.SIZE, BODY[n.MIME]). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/message.h"
#include "util/arena.h"
#include "util/buf.h"

#define EXPECT_SIZE(got, want) do {					\
	size_t got_ = (got), want_ = (want);				\
	ck_assert_msg(got_ == want_, "%s: got %zu, want %zu",		\
		      #got, got_, want_);				\
} while (0)

static const char barelf[] =
	"Subject: lf\nMIME-Version: 1.0\nContent-Type: multipart/mixed; "
	"boundary=q\n\n--q\nContent-Type: text/plain\n\none\ntwo\n--q\n\n"
	"three\n--q--\n";
static const char emptyparts[] =
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=e\r\n"
	"\r\n--e\r\n--e\r\nContent-Type: text/plain\r\n\r\n--e\r\n\r\n\r\n"
	"--e--\r\n";
static const char nofinal[] =
	"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; "
	"boundary=n\r\n\r\n--n\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
	"--n\r\nContent-Type: text/html\r\n\r\n<p>cut off";
static const char digest[] =
	"From: list@example.org\r\nSubject: Digest Vol 1\r\nMIME-Version: 1.0"
	"\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer"
	"\r\nContent-Type: text/plain\r\n\r\nToday's topics\r\n--outer\r\n"
	"Content-Type: multipart/digest; boundary=\"dig\"\r\n\r\n--dig\r\n\r\n"
	"From: a@example.org\r\nSubject: one\r\n\r\nfirst\r\n--dig\r\n\r\n"
	"From: b@example.org\r\nSubject: two\r\nContent-Type: text/html\r\n"
	"\r\n<p>second</p>\r\n--dig--\r\n--outer--\r\n";
/* message/rfc822 parts whose header ends right before a boundary */
static const char eoh_boundary[] =
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	"Content-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\n--b\r\n"
	"Content-Type: message/rfc822\r\n\r\n--b\r\nContent-Type: text/plain"
	"\r\n\r\n--b--\r\n";

static struct mail_part *
parse(const char *m, struct arena *a)
{
	return mail_parse((const unsigned char *)m, strlen(m), a);
}

/* RFC822.SIZE, verified with Dovecot 2.3.19. */
START_TEST(wire_sizes)
{
	struct arena *a = arena_new(4096);

	EXPECT_SIZE(mail_wire_size(parse(barelf, a)), 141);
	EXPECT_SIZE(mail_wire_size(parse(emptyparts, a)), 118);
	EXPECT_SIZE(mail_wire_size(parse(nofinal, a)), 152);
	EXPECT_SIZE(mail_wire_size(parse(digest, a)), 388);
	EXPECT_SIZE(mail_wire_size(parse(eoh_boundary, a)), 173);
	EXPECT_SIZE(mail_wire_size(parse("", a)), 0);
	EXPECT_SIZE(mail_wire_size(parse("\n", a)), 2);
	arena_free(&a);
}
END_TEST

START_TEST(tree_shapes)
{
	struct arena *a = arena_new(4096);
	struct mail_part *r;

	r = parse(barelf, a);
	EXPECT_SIZE(r->nchildren, 2);
	EXPECT_SIZE(r->children[0].body.len, 7);        /* "one\ntwo" */
	EXPECT_SIZE(r->children[0].body.wire_len, 8);
	EXPECT_SIZE(r->children[0].body.lines, 1);
	ck_assert_msg(r->children[1].type == NULL,
		      "part without header: got type %s, want NULL",
		      r->children[1].type);

	r = parse(digest, a);
	EXPECT_SIZE(r->nchildren, 2);
	EXPECT_SIZE(r->children[1].nchildren, 2);
	ck_assert_msg(r->children[1].children[0].message != NULL,
		      "digest child: got no message, want message/rfc822");
	ck_assert_msg(strcasecmp(r->children[1].children[1].message->type,
				 "text") == 0,
		      "second digest message: got type %s, want text",
		      r->children[1].children[1].message->type);

	r = parse(nofinal, a);
	EXPECT_SIZE(r->nchildren, 2);
	EXPECT_SIZE(r->children[1].body.len, strlen("<p>cut off"));

	r = parse(emptyparts, a);
	EXPECT_SIZE(r->nchildren, 3);
	for (size_t i = 0; i < 3; i++)
		EXPECT_SIZE(r->children[i].body.len, 0);
	arena_free(&a);
}
END_TEST

/* The empty line that ends a header directly before a boundary belongs
 * to the boundary (verified with Dovecot 2.3.19: BODY[1.1.MIME] is
 * "Subject: x\r\n", BODY[2.MIME] "Content-Type: message/rfc822\r\n",
 * BODY[3.MIME] "Content-Type: text/plain\r\n"), but the message/rfc822
 * body keeps it (BODYSTRUCTURE size 14). A multipart's own first
 * boundary does not take it. */
START_TEST(eoh_before_boundary)
{
	struct arena *a = arena_new(4096);
	struct mail_part *r = parse(eoh_boundary, a), *m;

	m = r->children[0].message;
	EXPECT_SIZE(m->header.len, strlen("Subject: x\r\n"));
	EXPECT_SIZE(r->children[0].body.len, strlen("Subject: x\r\n\r\n"));
	EXPECT_SIZE(r->children[1].header.len,
		    strlen("Content-Type: message/rfc822\r\n"));
	EXPECT_SIZE(r->children[2].header.len,
		    strlen("Content-Type: text/plain\r\n"));
	EXPECT_SIZE(r->header.len,
		    strlen("Content-Type: multipart/mixed; boundary=b\r\n\r\n"));
	arena_free(&a);
}
END_TEST

static int
write_buf(void *ctx, const void *bytes, size_t n)
{
	return buf_append(ctx, bytes, n);
}

START_TEST(crlf_output)
{
	static const struct {
		const char *in, *out;
	} c[] = {
		{ "", "" }, { "\n", "\r\n" }, { "\r\n", "\r\n" },
		{ "a\nb\r\nc\n", "a\r\nb\r\nc\r\n" }, { "\n\n", "\r\n\r\n" },
		{ "x\r", "x\r" }, { "\r\r\n", "\r\r\n" }, { "no end", "no end" },
	};
	struct buf out;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		buf_init(&out, 100);
		ck_assert_int_eq(mail_write_crlf((const unsigned char *)c[i].in,
						 strlen(c[i].in), write_buf,
						 &out), 0);
		ck_assert_msg(strcmp(buf_str(&out), c[i].out) == 0,
			      "'%s': got '%s', want '%s'", c[i].in,
			      buf_str(&out), c[i].out);
		buf_free(&out);
	}
	buf_init(&out, 3);
	ck_assert_msg(mail_write_crlf((const unsigned char *)"ab\ncd", 5,
				      write_buf, &out) == -1,
		      "full sink: got 0, want -1");
	buf_free(&out);
}
END_TEST

/* Checks every span of the tree lies in the buffer and agrees with its
 * wire size; returns the number of parts. Iterative: trees nest deep. */
static size_t
check_tree(const struct mail_part *root, const unsigned char *d, size_t len)
{
	const struct mail_part *stack[MAIL_MAX_DEPTH * 2 + 8];
	size_t n = 0, parts = 0;

	stack[n++] = root;
	while (n > 0) {
		const struct mail_part *p = stack[--n];
		const struct mail_span *sp[2] = { &p->header, &p->body };

		parts++;
		for (int k = 0; k < 2; k++) {
			size_t bare = 0, lf = 0;
			ck_assert_msg(sp[k]->start <= len &&
				      sp[k]->len <= len - sp[k]->start,
				      "span %zu+%zu outside %zu", sp[k]->start,
				      sp[k]->len, len);
			for (size_t i = 0; i < sp[k]->len; i++) {
				if (d[sp[k]->start + i] != '\n')
					continue;
				lf++;
				if (i == 0 || d[sp[k]->start + i - 1] != '\r')
					bare++;
			}
			EXPECT_SIZE(sp[k]->wire_len, sp[k]->len + bare);
			EXPECT_SIZE(sp[k]->lines, lf);
		}
		ck_assert_msg(p->header.start + p->header.len <= p->body.start,
			      "header runs into the body");
		ck_assert_msg(p->message == NULL || p->nchildren == 0,
			      "a part with both a message and children");
		ck_assert_msg(n + p->nchildren + 1 < sizeof(stack) /
			      sizeof(stack[0]) || p->nchildren == 0,
			      "tree too deep for the test");
		if (p->message != NULL)
			stack[n++] = p->message;
		for (size_t i = p->nchildren; i-- > 0 &&
		     n < sizeof(stack) / sizeof(stack[0]);)
			stack[n++] = &p->children[i];
	}
	return parts;
}

/* Random messages built from MIME-ish pieces: the parse never reads
 * outside the buffer (ASan/valgrind watch) and its spans are sane. */
START_TEST(random_messages)
{
	static const char *const pieces[] = {
		"Content-Type: multipart/mixed; boundary=a\r\n",
		"Content-Type: multipart/digest; boundary=\"b\"\n",
		"Content-Type: message/rfc822\r\n", "MIME-Version: 1.0\r\n",
		"Content-Type: text/plain; charset=\"x\r\n",
		"Content-Transfer-Encoding: base64\n", "\r\n", "\n", "--a\r\n",
		"--b\n", "--a--\r\n", "--b--", "body text\r\n", " folded\r\n",
		"Subject: s\r\n", "--", "\r", "Content-Type: multipart/x\r\n",
		"Content-Disposition: attachment; filename*0=a; filename*1=b\n",
		"Content-Language: en, (c) de\r\n",
	};
	unsigned long seed = 42;
	struct buf m;

	buf_init(&m, 1 << 16);
	for (int round = 0; round < 3000; round++) {
		struct arena *a = arena_new(4096);
		unsigned char *copy;
		size_t n;

		buf_reset(&m);
		n = (seed = seed * 6364136223846793005ULL + 1) >> 58;
		for (size_t i = 0; i < n * 2; i++) {
			seed = seed * 6364136223846793005ULL + 1;
			if ((seed >> 60) == 0) {
				buf_append_byte(&m, (unsigned char)(seed >> 40));
				continue;
			}
			buf_append_str(&m, pieces[(seed >> 33) %
						  (sizeof(pieces) /
						   sizeof(pieces[0]))]);
		}
		/* an exact-size copy so that any overread is caught */
		copy = malloc(m.len + 1);
		memcpy(copy, m.data != NULL ? m.data : (unsigned char *)"",
		       m.len);
		struct mail_part *r = mail_parse(copy, m.len, a);
		check_tree(r, copy, m.len);
		EXPECT_SIZE(mail_wire_size(r), r->header.wire_len +
			    r->body.wire_len);
		free(copy);
		arena_free(&a);
	}
	buf_free(&m);
}
END_TEST

/* 1000 levels of nesting cost no C stack and stop at MAIL_MAX_DEPTH. */
START_TEST(deep_nesting)
{
	struct arena *a = arena_new(1 << 16);
	struct buf m;
	struct mail_part *r;
	size_t depth = 0;

	buf_init(&m, 1 << 20);
	for (int i = 0; i < 1000; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=b%d\n"
			   "\n--b%d\n", i, i);
	r = mail_parse(m.data, m.len, a);
	check_tree(r, m.data, m.len);
	for (const struct mail_part *p = r; p->nchildren > 0;
	     p = &p->children[0])
		depth++;
	ck_assert_msg(depth > 0 && depth < MAIL_MAX_DEPTH,
		      "depth: got %zu, want 1..%d", depth, MAIL_MAX_DEPTH - 1);
	buf_reset(&m);
	for (int i = 0; i < 1000; i++)
		buf_append_str(&m, "Content-Type: message/rfc822\n\n");
	r = mail_parse(m.data, m.len, a);
	check_tree(r, m.data, m.len);
	buf_free(&m);
	arena_free(&a);
}
END_TEST

static Suite *
message_suite(void)
{
	Suite *s = suite_create("message");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, wire_sizes);
	tcase_add_test(tc, tree_shapes);
	tcase_add_test(tc, eoh_before_boundary);
	tcase_add_test(tc, crlf_output);
	tcase_add_test(tc, random_messages);
	tcase_add_test(tc, deep_nesting);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(message_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
