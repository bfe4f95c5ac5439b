/* tests/unit/check_view.c — the selected mailbox's sequence numbers and
 * announcements. A fresh view shows the folder's own list and holds no
 * byte a message; it must number and announce exactly as a view that
 * keeps its own copy (view_materialize) through new mail, flag changes
 * by others, expunges (told at once or later, as EXPUNGE or VANISHED),
 * and go back to holding nothing once the lists agree again. Another
 * folder handle plays the other session that makes the changes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/view.h"
#include "store/filename.h"
#include "store/folder.h"
#include "maildir_fixture.h"
#include "store/keywords.h"
#include "util/stream.h"

enum { N = 3000 };

static char root[256];

/* ---- an in-memory stream that keeps what is written --------------- */

struct mem {
	char *out;
	size_t len;
};

static ssize_t
mem_read(struct stream *s, void *buf, size_t len, int timeout_ms)
{
	(void)s; (void)buf; (void)len; (void)timeout_ms;
	return STREAM_EOF;
}

static int
mem_write(struct stream *s, const void *buf, size_t len)
{
	struct mem *m = s->ctx;

	m->out = realloc(m->out, m->len + len + 1);
	ck_assert_ptr_nonnull(m->out);
	memcpy(m->out + m->len, buf, len);
	m->len += len;
	m->out[m->len] = '\0';
	return 0;
}

static void
mem_destroy(struct stream *s)
{
	struct mem *m = s->ctx;

	free(m->out);
	free(m);
}

static const struct stream_ops mem_ops = {
	.read = mem_read,
	.write = mem_write,
	.destroy = mem_destroy,
};

/* ---- the folder ------------------------------------------------------ */


static void
put(const char *sub, const char *name)
{
	fixture_put(root, sub, name, "Subject: x\n\nx\n");
}

static void
setup(void)
{
	char name[128];

	fixture_maildir(root, sizeof(root), "view");
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "17000%05d.M%dP1.host:2,%s", i,
			 i, i % 3 == 0 ? "S" : "");
		put("cur", name);
	}
}

static void
teardown(void)
{
	fixture_remove(root);
}

/* A session: its folder handle, keywords, view and output. */
struct sess {
	struct folder *f;
	struct keywords *kw;
	struct view *v;
	struct stream *out;
};

static void
sess_open(struct sess *s, int materialize)
{
	const char *err = NULL;

	s->f = fixture_open(root, 0);
	ck_assert_int_eq(keywords_open(root, &s->kw, &err), 0);
	s->v = view_new(s->f, s->kw);
	if (materialize)
		view_materialize(s->v);
	s->out = stream_new(&mem_ops, calloc(1, sizeof(struct mem)));
}

static void
sess_close(struct sess *s)
{
	view_free(&s->v);
	keywords_free(&s->kw);
	folder_close(&s->f);
	stream_free(&s->out);
}

static void
sess_sync(struct sess *s)
{
	const char *err = NULL;

	ck_assert_msg(view_sync(s->v, &err) == 0, "view_sync: %s", err);
}

/* Syncs and announces; returns what the client was told (the stream's
 * buffer, valid until the next call). */
static const char *
sess_tell(struct sess *s, int allow_expunge)
{
	struct mem *m = s->out->ctx;

	sess_sync(s);
	m->len = 0;
	if (m->out != NULL)
		m->out[0] = '\0';
	view_announce(s->v, s->out, allow_expunge, 0);
	ck_assert_int_eq(stream_flush(s->out), 0);
	return m->out != NULL ? m->out : "";
}

/* Both views number every message alike; lookups of every UID up to
 * past UIDNEXT agree. */
static void
same_numbers(const struct sess *a, const struct sess *b)
{
	uint32_t n = view_exists(a->v), top = folder_uidnext(a->f) + 2;

	ck_assert_uint_eq(n, view_exists(b->v));
	ck_assert_uint_eq(view_recent(a->v), view_recent(b->v));
	ck_assert_uint_eq(view_due(a->v), view_due(b->v));
	for (uint32_t seq = 0; seq <= n + 1; seq++)
		if (view_uid(a->v, seq) != view_uid(b->v, seq) ||
		    view_is_expunged(a->v, seq) !=
		    view_is_expunged(b->v, seq))
			ck_abort_msg("seq %u: uid %u/%u", seq,
				     view_uid(a->v, seq), view_uid(b->v, seq));
	for (uint32_t uid = 0; uid <= top; uid++)
		if (view_seq(a->v, uid) != view_seq(b->v, uid) ||
		    view_seq_at_least(a->v, uid) !=
		    view_seq_at_least(b->v, uid))
			ck_abort_msg("uid %u: seq %u/%u, at least %u/%u", uid,
				     view_seq(a->v, uid), view_seq(b->v, uid),
				     view_seq_at_least(a->v, uid),
				     view_seq_at_least(b->v, uid));
}

/* Both sessions sync and announce; they must say the same, and, when
 * want is given, exactly that. Returns what they said, in a buffer the
 * next call reuses. */
static const char *
tell_both(struct sess *d, struct sess *m, int allow_expunge,
	  const char *want)
{
	static char *said;

	free(said);
	said = strdup(sess_tell(d, allow_expunge));
	ck_assert_str_eq(said, sess_tell(m, allow_expunge));
	if (want != NULL)
		ck_assert_str_eq(said, want);
	same_numbers(d, m);
	return said;
}

static void
change(struct folder *o, uint32_t uid, int expunge)
{
	const char *err = NULL;

	if (expunge)
		ck_assert_int_eq(folder_expunge(o, uid, &err), 0);
	else
		ck_assert_int_eq(folder_set_flags(o, uid, MF_FLAGGED, 0,
						  &err), 0);
}

/* The other session's sync comes first, so that it claims \Recent and
 * neither view sees any: their RECENT lines are alike and known. */
static void
other_sync(struct folder *o)
{
	const char *err = NULL;

	ck_assert_msg(folder_sync(o, NULL, &err) == 0, "sync: %s", err);
}

/* Holds no byte a message, whatever N. */
#define SMALL 512

START_TEST(direct_holds_nothing_per_message)
{
	struct sess d, m;
	struct folder *o = fixture_open(root, 0);       /* claims \Recent */

	sess_open(&d, 0);
	sess_open(&m, 1);
	ck_assert_uint_eq(view_exists(d.v), N);
	ck_assert_msg(view_bytes(d.v) < SMALL, "%zu bytes for %d messages",
		      view_bytes(d.v), N);
	/* the copy: 4 bytes a UID, one of state, the bucket table */
	ck_assert_msg(view_bytes(m.v) >= 5 * (size_t)N &&
		      view_bytes(m.v) <= 6 * (size_t)N + SMALL,
		      "%zu bytes for a copy of %d", view_bytes(m.v), N);
	same_numbers(&d, &m);
	tell_both(&d, &m, 1, "");
	folder_close(&o);
	sess_close(&d);
	sess_close(&m);
}
END_TEST

START_TEST(same_news_both_ways)
{
	struct sess d, m;
	struct folder *o;
	char buf[512];
	const char *said;

	o = fixture_open(root, 0);
	sess_open(&d, 0);
	sess_open(&m, 1);

	/* Flags by another: FETCH in sequence order; the direct view
	 * needs state[] only while it owes them. */
	change(o, 17, 0);
	change(o, 5, 0);
	other_sync(o);
	tell_both(&d, &m, 1, "* 5 FETCH (FLAGS (\\Flagged))\r\n"
		  "* 17 FETCH (FLAGS (\\Flagged))\r\n");
	ck_assert_uint_lt(view_bytes(d.v), SMALL);

	/* New mail: appended, the view stays direct. */
	put("new", "1800000001.M1P1.host");
	put("new", "1800000002.M2P1.host");
	other_sync(o);
	snprintf(buf, sizeof(buf), "* %d EXISTS\r\n* 0 RECENT\r\n", N + 2);
	tell_both(&d, &m, 1, buf);
	ck_assert_uint_lt(view_bytes(d.v), SMALL);

	/* Expunges while EXPUNGE may not be sent (RFC 3501 7.4.1), with a
	 * flag change owed (synced, not yet announced) on one of them and
	 * on a kept one, and more new mail: numbers stay, EXISTS counts
	 * the expunged, the gone one's flags are no news. */
	change(o, 12, 0);
	change(o, 10, 0);
	other_sync(o);
	sess_sync(&d);
	sess_sync(&m);
	same_numbers(&d, &m);
	change(o, 3, 1);
	change(o, 10, 1);
	put("new", "1800000003.M3P1.host");
	other_sync(o);
	snprintf(buf, sizeof(buf), "* %d EXISTS\r\n* 0 RECENT\r\n"
		 "* 12 FETCH (FLAGS (\\Flagged))\r\n", N + 3);
	tell_both(&d, &m, 0, buf);
	ck_assert(view_is_expunged(d.v, 3) && view_is_expunged(d.v, 10));
	ck_assert_uint_eq(view_uid(d.v, 10), 10);
	ck_assert_uint_eq(view_exists(d.v), N + 3);
	tell_both(&d, &m, 1, "* 10 EXPUNGE\r\n* 3 EXPUNGE\r\n");
	ck_assert_uint_eq(view_exists(d.v), N + 1);
	ck_assert_uint_eq(view_seq(d.v, 11), 9);
	/* told, and the lists agree: nothing a message again */
	ck_assert_msg(view_bytes(d.v) < SMALL, "%zu bytes after EXPUNGE",
		      view_bytes(d.v));
	ck_assert_uint_ge(view_bytes(m.v), 5 * (size_t)N);

	/* QRESYNC: VANISHED, and UID and MODSEQ in FETCH. */
	view_set_mode(d.v, VIEW_MODSEQ | VIEW_VANISHED);
	view_set_mode(m.v, VIEW_MODSEQ | VIEW_VANISHED);
	change(o, 20, 1);
	change(o, 21, 1);
	change(o, 22, 1);
	change(o, 40, 1);
	change(o, 41, 0);
	change(o, (uint32_t)N + 3, 1);
	other_sync(o);
	said = tell_both(&d, &m, 1, NULL);
	snprintf(buf, sizeof(buf), "* VANISHED 20:22,40,%d\r\n"
		 "* 35 FETCH (UID 41 FLAGS (\\Flagged) MODSEQ (", N + 3);
	ck_assert_msg(strncmp(said, buf, strlen(buf)) == 0, "said %s", said);
	ck_assert_uint_eq(view_exists(d.v), N - 4);
	ck_assert_uint_lt(view_bytes(d.v), SMALL);
	ck_assert_uint_eq(view_seq(d.v, 41), 35);

	/* Flag changes alone never make a copy. */
	change(o, 100, 0);
	other_sync(o);
	tell_both(&d, &m, 1, NULL);
	ck_assert_uint_lt(view_bytes(d.v), SMALL);
	folder_close(&o);
	sess_close(&d);
	sess_close(&m);
}
END_TEST

/* The exact words of a QRESYNC expunge, by hand: the messages the client
 * knows as one VANISHED set; one it never heard of leaves unsaid. */
START_TEST(vanished_by_hand)
{
	struct sess d;
	struct folder *o;
	char buf[256];

	o = fixture_open(root, 0);
	sess_open(&d, 0);
	view_set_mode(d.v, VIEW_VANISHED);
	put("new", "1800000001.M1P1.host");
	other_sync(o);
	(void)sess_tell(&d, 0);         /* EXISTS for UID N+1 */
	put("new", "1800000002.M2P1.host");
	other_sync(o);
	sess_sync(&d);                  /* knows N+2, not told yet */
	change(o, 7, 1);
	change(o, 8, 1);
	change(o, 9, 1);
	change(o, 30, 1);
	change(o, (uint32_t)N + 2, 1);  /* arrived and left unannounced */
	other_sync(o);
	snprintf(buf, sizeof(buf), "* VANISHED 7:9,30\r\n");
	ck_assert_str_eq(sess_tell(&d, 1), buf);
	ck_assert_uint_eq(view_exists(d.v), N - 3);
	ck_assert_uint_eq(view_uid(d.v, 7), 10);
	ck_assert_uint_eq(view_seq(d.v, (uint32_t)N + 1), N - 3);
	ck_assert_uint_lt(view_bytes(d.v), SMALL);
	folder_close(&o);
	sess_close(&d);
}
END_TEST

/* A deterministic mix of everything, round after round: both views must
 * agree after each, whether they announce at once or only sync. */
static uint32_t
next_rand(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* One round of the other session's changes: flags, expunges of
 * messages it still has, deliveries. */
static void
random_changes(struct folder *o, uint32_t *seed, int round)
{
	const struct store_msg *msgs;
	char name[64];
	size_t n;

	msgs = folder_msgs(o, &n);
	for (uint32_t k = next_rand(seed) % 4; k > 0 && n > 0; k--)
		change(o, msgs[next_rand(seed) % n].uid, 0);
	for (uint32_t k = next_rand(seed) % 4; k > 0 && n > 0; k--) {
		change(o, msgs[next_rand(seed) % n].uid, 1);
		other_sync(o);
		msgs = folder_msgs(o, &n);
	}
	for (uint32_t k = next_rand(seed) % 3; k > 0; k--) {
		snprintf(name, sizeof(name), "18%03d%05u.M1P1.host", round,
			 next_rand(seed) % 100000);
		put("new", name);
	}
	other_sync(o);
}

START_TEST(random_rounds)
{
	struct sess d, m;
	struct folder *o = fixture_open(root, 0);
	uint32_t seed = 7;

	sess_open(&d, 0);
	sess_open(&m, 1);
	for (int round = 0; round < 60; round++) {
		unsigned mode = round >= 30 ? VIEW_VANISHED | VIEW_MODSEQ : 0;

		view_set_mode(d.v, mode);
		view_set_mode(m.v, mode);
		random_changes(o, &seed, round);
		if (next_rand(&seed) % 3 == 0) {
			sess_sync(&d);
			sess_sync(&m);
			same_numbers(&d, &m);
		} else {
			tell_both(&d, &m, next_rand(&seed) % 2, NULL);
		}
	}
	tell_both(&d, &m, 1, NULL);
	ck_assert_uint_lt(view_bytes(d.v), SMALL);
	folder_close(&o);
	sess_close(&d);
	sess_close(&m);
}
END_TEST

static Suite *
view_suite(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, direct_holds_nothing_per_message);
	tcase_add_test(tc, same_news_both_ways);
	tcase_add_test(tc, vanished_by_hand);
	tcase_add_test(tc, random_rounds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(view_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
