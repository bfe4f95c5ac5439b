/* src/imap/view.c — sequence numbers, and the news the client is owed.
 *
 * The map holds, in sequence order, every UID the client knows, including
 * those expunged but not yet announced; state[] marks the latter, and
 * the messages whose new flags the client is owed. A sync
 * merges the folder's report: expunged UIDs are marked (their numbers
 * stay until EXPUNGE may be sent), new UIDs are appended (the client
 * hears EXISTS), changed flags are marked for FETCH (FLAGS), sent in
 * sequence order.
 *
 * When EXPUNGE may be sent, the marked entries go out highest sequence
 * number first (each EXPUNGE renumbers the ones above it: RFC 3501
 * 7.4.1), and the map is compacted once. */
#include <stdlib.h>

#include "imap/flags.h"
#include "imap/uidmap.h"
#include "imap/view.h"
#include "util/log.h"
#include "util/xalloc.h"

/* state[] bits, one byte a message beside the map's UIDs. */
#define GONE      1     /* expunged, EXPUNGE not sent yet */
#define FLAGS_DUE 2     /* flags changed by another, FETCH not sent yet */

struct view {
	struct folder *f;
	struct keywords *kw;
	struct uidmap map;
	unsigned char *state;
	size_t state_cap;
	size_t ngone;
	size_t nflags_due;
	uint32_t told_exists;   /* EXISTS as last sent */
	uint32_t told_recent;
	unsigned mode;          /* VIEW_MODSEQ, VIEW_VANISHED */
	uint64_t safe_highest;  /* view_highestmodseq */
	uint64_t sent_highest;  /* highest MODSEQ sent since the fence */
};

static void
state_reserve(struct view *v, size_t n)
{
	uidmap_reserve(&v->map, n);
	if (n <= v->state_cap)
		return;
	v->state_cap = v->map.cap;
	v->state = xrealloc(v->state, v->state_cap);
}

static void
append(struct view *v, uint32_t uid)
{
	size_t i = v->map.n;

	state_reserve(v, i + 1);
	if (uidmap_append(&v->map, uid) == 0)
		v->state[i] = 0;
	else
		log_error("view: UID %u reported after UID %u; the client "
			  "will not see it until it selects again", uid,
			  uidmap_uid(&v->map, (uint32_t)i));
}

struct view *
view_new(struct folder *f, struct keywords *kw)
{
	struct view *v = xcalloc(1, sizeof(*v));
	const struct store_msg *m;
	size_t n;

	v->f = f;
	v->kw = kw;
	uidmap_init(&v->map);
	m = folder_msgs(f, &n);
	state_reserve(v, n);
	for (size_t i = 0; i < n; i++)
		append(v, m[i].uid);
	uidmap_reindex(&v->map);
	v->told_exists = (uint32_t)v->map.n;
	v->told_recent = view_recent(v);
	v->safe_highest = folder_highestmodseq(f);
	return v;
}

void
view_free(struct view **vp)
{
	struct view *v = *vp;

	if (v == NULL)
		return;
	uidmap_free(&v->map);
	free(v->state);
	free(v);
	*vp = NULL;
}

uint32_t
view_exists(const struct view *v)
{
	return (uint32_t)v->map.n;
}

uint32_t
view_recent(const struct view *v)
{
	const struct store_msg *m;
	size_t n;
	uint32_t count = 0;

	m = folder_msgs(v->f, &n);
	for (size_t i = 0; i < n; i++)
		count += m[i].recent != 0;
	return count;
}

uint32_t
view_uid(const struct view *v, uint32_t seq)
{
	return uidmap_uid(&v->map, seq);
}

uint32_t
view_seq(const struct view *v, uint32_t uid)
{
	return uidmap_seq(&v->map, uid);
}

uint32_t
view_seq_at_least(const struct view *v, uint32_t uid)
{
	return uidmap_seq_at_least(&v->map, uid);
}

int
view_is_expunged(const struct view *v, uint32_t seq)
{
	return seq >= 1 && seq <= v->map.n && (v->state[seq - 1] & GONE);
}

size_t
view_bytes(const struct view *v)
{
	return sizeof(*v) + uidmap_bytes(&v->map) + v->state_cap;
}

static void
owe_flags(struct view *v, uint32_t uid)
{
	uint32_t seq = view_seq(v, uid);

	if (seq != 0 && !(v->state[seq - 1] & FLAGS_DUE)) {
		v->state[seq - 1] |= FLAGS_DUE;
		v->nflags_due++;
	}
}

int
view_sync(struct view *v, const char **err_r)
{
	struct folder_changes ch;
	int r = folder_sync(v->f, &ch, err_r);

	if (r != 0)
		return r;
	for (size_t i = 0; i < ch.nexpunged; i++) {
		uint32_t seq = view_seq(v, ch.expunged[i]);
		if (seq != 0 && !(v->state[seq - 1] & GONE)) {
			v->state[seq - 1] |= GONE;
			v->ngone++;
		}
	}
	/* New UIDs are above every known one: appending keeps the order
	 * (uidmap refuses anything else). */
	state_reserve(v, v->map.n + ch.nadded);
	for (size_t i = 0; i < ch.nadded; i++)
		append(v, ch.added[i]);
	if (ch.nadded > 0)
		uidmap_reindex(&v->map);
	for (size_t i = 0; i < ch.nflagged; i++)
		owe_flags(v, ch.flagged[i]);
	/* The sync brought the index in step with the list: every expunge
	 * up to this HIGHESTMODSEQ is either told or marked GONE; once an
	 * expunge waits, later values may pass it (RFC 7162 3.2). */
	if (v->ngone == 0)
		v->safe_highest = folder_highestmodseq(v->f);
	return 0;
}

void
view_set_mode(struct view *v, unsigned mode)
{
	v->mode = mode;
}

unsigned
view_mode(const struct view *v)
{
	return v->mode;
}

uint64_t
view_highestmodseq(const struct view *v)
{
	/* RFC 7162 7: mod-sequence-value is positive; an index that never
	 * gave one says 0, and the first it gives is 1. */
	return v->safe_highest > 0 ? v->safe_highest : 1;
}

void
view_modseq_sent(struct view *v, uint64_t modseq)
{
	if (modseq > v->sent_highest)
		v->sent_highest = modseq;
}

void
view_modseq_fence(struct view *v, struct stream *out)
{
	if ((v->mode & VIEW_MODSEQ) && v->sent_highest > v->safe_highest)
		stream_printf(out, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
			      (unsigned long long)view_highestmodseq(v));
	v->sent_highest = 0;
}

void
view_flags_told(struct view *v, uint32_t uid)
{
	uint32_t seq = view_seq(v, uid);

	if (seq != 0 && (v->state[seq - 1] & FLAGS_DUE)) {
		v->state[seq - 1] &= ~FLAGS_DUE;
		v->nflags_due--;
	}
}

static void
write_range(struct stream *out, uint32_t lo, uint32_t hi)
{
	if (lo == hi)
		stream_printf(out, "%u", lo);
	else
		stream_printf(out, "%u:%u", lo, hi);
}

/* RFC 7162 3.2.10.2: with QRESYNC, one "* VANISHED uid-set" of the
 * messages the client was told of (their UIDs increase with sequence
 * numbers, so ranges come out in order); each one takes one off the
 * count the client keeps. */
static void
announce_vanished(struct view *v, struct stream *out)
{
	uint32_t lo = 0, hi = 0;
	size_t told = 0;

	for (size_t i = 0; i < v->map.n && i < v->told_exists; i++) {
		uint32_t uid = v->map.uids[i];

		if (!(v->state[i] & GONE))
			continue;
		if (told++ > 0 && uid == hi + 1 && hi != 0) {
			hi = uid;
			continue;
		}
		if (told > 1) {
			write_range(out, lo, hi);
			stream_puts(out, ",");
		} else {
			stream_puts(out, "* VANISHED ");
		}
		lo = hi = uid;
	}
	if (told == 0)
		return;
	write_range(out, lo, hi);
	stream_puts(out, "\r\n");
	v->told_exists -= (uint32_t)told;
}

/* Messages the client was never told of (beyond told_exists) leave
 * without a word; the others one EXPUNGE each, and the count the client
 * keeps goes down by one each time (RFC 3501 7.4.1). */
static void
announce_expunges(struct view *v, struct stream *out)
{
	size_t k = 0, n = v->map.n;

	if (v->mode & VIEW_VANISHED)
		announce_vanished(v, out);
	else
		for (size_t i = n; i-- > 0;)
			if ((v->state[i] & GONE) && i < v->told_exists) {
				stream_printf(out, "* %zu EXPUNGE\r\n", i + 1);
				v->told_exists--;
			}
	uidmap_compact(&v->map, v->state, GONE);
	uidmap_reindex(&v->map);
	for (size_t i = 0; i < n; i++)
		if (!(v->state[i] & GONE))
			v->state[k++] = v->state[i];
		else if (v->state[i] & FLAGS_DUE)
			v->nflags_due--;
	v->ngone = 0;
}

static void
announce_flags(struct view *v, struct stream *out, int uid_fetch)
{
	for (size_t i = 0; i < v->map.n && v->nflags_due > 0; i++) {
		const struct store_msg *m;

		if (!(v->state[i] & FLAGS_DUE))
			continue;
		v->state[i] &= ~FLAGS_DUE;
		v->nflags_due--;
		m = folder_msg(v->f, v->map.uids[i]);
		/* An expunged message's flags are news no longer. */
		if (m == NULL || (v->state[i] & GONE))
			continue;
		stream_printf(out, "* %zu FETCH (", i + 1);
		/* RFC 7162 3.2.4: UID and MODSEQ in every untagged FETCH
		 * once CONDSTORE is on. */
		if (uid_fetch || (v->mode & (VIEW_MODSEQ | VIEW_REV2)))
			stream_printf(out, "UID %u ", m->uid);
		stream_puts(out, "FLAGS ");
		flags_write(out, m->flags, m->keywords,
			    m->recent && !(v->mode & VIEW_REV2), v->kw);
		if (v->mode & VIEW_MODSEQ) {
			uint64_t ms = folder_modseq(v->f, m->uid);
			stream_printf(out, " MODSEQ (%llu)",
				      (unsigned long long)(ms ? ms : 1));
			view_modseq_sent(v, ms);
		}
		stream_puts(out, ")\r\n");
	}
}

unsigned
view_due(const struct view *v)
{
	return (v->ngone > 0 ? VIEW_DUE_EXPUNGE : 0) |
	       (v->map.n != v->told_exists ? VIEW_DUE_EXISTS : 0) |
	       (v->nflags_due > 0 ? VIEW_DUE_FLAGS : 0);
}

void
view_announce(struct view *v, struct stream *out, int allow_expunge,
	      int uid_fetch)
{
	uint32_t recent;

	if (allow_expunge && v->ngone > 0) {
		announce_expunges(v, out);
		/* Called right after a sync: all is told up to here. */
		v->safe_highest = folder_highestmodseq(v->f);
	}
	if (v->map.n != v->told_exists) {
		stream_printf(out, "* %zu EXISTS\r\n", v->map.n);
		v->told_exists = (uint32_t)v->map.n;
		recent = view_recent(v);
		if (!(v->mode & VIEW_REV2))
			stream_printf(out, "* %u RECENT\r\n", recent);
		v->told_recent = recent;
	}
	if (v->nflags_due > 0)
		announce_flags(v, out, uid_fetch);
	view_modseq_fence(v, out);
}
