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
 * 7.4.1), and the map is compacted once.
 *
 * Until the folder's membership changes, the view is "direct": the
 * sequence list IS the folder's own (folder_msgs, in UID order, seq =
 * index + 1), the map is empty and state[] is not even allocated, so a
 * SELECT of a big unchanged folder reads no message record (the list may
 * be a mapped file, each page read counts in the session's PSS) and
 * keeps nothing per message. Only folder_sync changes the membership,
 * and it says how (struct folder_changes). A sync that only appends new
 * UIDs above the old ones leaves the view direct: a materialized view
 * would append the same. Any other change, or an error after the list
 * changed (the report is then not applied, as for a materialized view),
 * first rebuilds the list the client knows, which is the folder's new
 * one without what was added and with what was expunged, then applies
 * the report as always. Once the expunges are told and the copy equals
 * the folder's list again, the view drops it and is direct again.
 * state[] is made on demand (flags owed), and dropped once nothing is
 * owed. */
#include <stdlib.h>
#include <string.h>

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
	int direct;             /* the list is the folder's; map is empty */
	int pinned;             /* view_materialize: never direct again */
	struct uidmap map;
	unsigned char *state;   /* NULL when nothing is owed in direct mode */
	size_t state_cap;
	size_t ngone;
	size_t nflags_due;
	uint32_t told_exists;   /* EXISTS as last sent */
	uint32_t told_recent;
	unsigned mode;          /* VIEW_MODSEQ, VIEW_VANISHED */
	uint64_t safe_highest;  /* view_highestmodseq */
	uint64_t sent_highest;  /* highest MODSEQ sent since the fence */
};

/* Makes state[] hold n entries; the new ones are zero, since a direct
 * view's list grows without writing state[]. Grows exactly: the
 * materialized callers pass the map's capacity, which already grows
 * geometrically. */
static void
state_cover(struct view *v, size_t n)
{
	if (n <= v->state_cap)
		return;
	if (v->state == NULL) {
		/* fresh zero pages cost nothing until a flag is marked */
		v->state = xcalloc(n, 1);
	} else {
		v->state = xrealloc(v->state, n);
		memset(v->state + v->state_cap, 0, n - v->state_cap);
	}
	v->state_cap = n;
}

/* A direct view with nothing owed keeps no byte a message. */
static void
state_release_if_idle(struct view *v)
{
	if (!v->direct || v->nflags_due > 0)
		return;
	free(v->state);
	v->state = NULL;
	v->state_cap = 0;
}

static void
state_reserve(struct view *v, size_t n)
{
	uidmap_reserve(&v->map, n);
	state_cover(v, v->map.cap);
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

	v->f = f;
	v->kw = kw;
	v->direct = 1;          /* reads no message: see the top */
	uidmap_init(&v->map);
	v->told_exists = view_exists(v);
	v->told_recent = view_recent(v);
	v->safe_highest = folder_highestmodseq(f);
	return v;
}

/* Gives the view its own copy of the list the client knows, as it was
 * before the sync that reported ch: the folder's list now, without the
 * UIDs added, with the UIDs expunged (every list here increases). The
 * map is reserved exactly for that plus what ch adds, so applying ch
 * does not grow it. */
static void
materialize(struct view *v, const struct folder_changes *ch)
{
	const struct store_msg *m;
	size_t n, a = 0, e = 0, bad = 0;

	m = folder_msgs(v->f, &n);
	uidmap_reserve(&v->map, n + ch->nexpunged);
	for (size_t i = 0; i < n; i++) {
		if (a < ch->nadded && ch->added[a] == m[i].uid) {
			a++;
			continue;
		}
		while (e < ch->nexpunged && ch->expunged[e] < m[i].uid)
			bad += uidmap_append(&v->map, ch->expunged[e++]) != 0;
		bad += uidmap_append(&v->map, m[i].uid) != 0;
	}
	while (e < ch->nexpunged)
		bad += uidmap_append(&v->map, ch->expunged[e++]) != 0;
	if (bad > 0 || a != ch->nadded)
		log_error("view: the folder's report does not match its "
			  "list (%zu of %zu added found, %zu out of order)",
			  a, ch->nadded, bad);
	uidmap_reindex(&v->map);
	state_cover(v, v->map.cap);
	v->direct = 0;
}

void
view_materialize(struct view *v)
{
	struct folder_changes none = { 0 };

	if (v->direct)
		materialize(v, &none);
	v->pinned = 1;
}

/* Drops the copy when it says what the folder's list says and no
 * expunge waits: an idle session then holds nothing a message again.
 * Reads the list, which the change that made the copy did as well. */
static void
try_direct(struct view *v)
{
	const struct store_msg *m;
	size_t n;

	if (v->pinned || v->direct || v->ngone > 0)
		return;
	m = folder_msgs(v->f, &n);
	if (n != v->map.n)
		return;
	for (size_t i = 0; i < n; i++)
		if (m[i].uid != v->map.uids[i])
			return;
	uidmap_free(&v->map);
	v->direct = 1;
	/* compaction left old bytes past the end; direct growth needs
	 * zeros there */
	if (v->state != NULL)
		memset(v->state + n, 0, v->state_cap - n);
	state_release_if_idle(v);
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
	size_t n;

	if (!v->direct)
		return (uint32_t)v->map.n;
	(void)folder_msgs(v->f, &n);
	return (uint32_t)n;
}

uint32_t
view_recent(const struct view *v)
{
	/* the folder counts them as it builds the list: no record read */
	return (uint32_t)folder_recent_count(v->f);
}

uint32_t
view_uid(const struct view *v, uint32_t seq)
{
	const struct store_msg *m;
	size_t n;

	if (!v->direct)
		return uidmap_uid(&v->map, seq);
	m = folder_msgs(v->f, &n);
	return seq >= 1 && seq <= n ? m[seq - 1].uid : 0;
}

/* The direct view's uidmap_seq_at_least: the folder's own search. */
static uint32_t
direct_seq_at_least(const struct view *v, uint32_t uid)
{
	return (uint32_t)folder_msg_index(v->f, uid) + 1;
}

uint32_t
view_seq(const struct view *v, uint32_t uid)
{
	uint32_t seq;

	if (!v->direct)
		return uidmap_seq(&v->map, uid);
	seq = direct_seq_at_least(v, uid);
	return view_uid(v, seq) == uid && uid != 0 ? seq : 0;
}

uint32_t
view_seq_at_least(const struct view *v, uint32_t uid)
{
	if (v->direct)
		return direct_seq_at_least(v, uid);
	return uidmap_seq_at_least(&v->map, uid);
}

int
view_is_expunged(const struct view *v, uint32_t seq)
{
	/* a direct view has no expunge waiting: the first one ends it */
	return !v->direct && seq >= 1 && seq <= v->map.n &&
	       (v->state[seq - 1] & GONE);
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

	if (seq == 0)
		return;
	state_cover(v, view_exists(v));     /* a direct view's first */
	if (!(v->state[seq - 1] & FLAGS_DUE)) {
		v->state[seq - 1] |= FLAGS_DUE;
		v->nflags_due++;
	}
}

/* 1 when the sync only appended: no expunge, and the added UIDs are
 * the last of the folder's list, so above every UID the client knows;
 * a materialized view would append exactly them. Reads only the tail. */
static int
only_appended(const struct view *v, const struct folder_changes *ch)
{
	const struct store_msg *m;
	size_t n;

	if (ch->nexpunged > 0)
		return 0;
	m = folder_msgs(v->f, &n);
	if (ch->nadded > n)
		return 0;
	m += n - ch->nadded;
	for (size_t i = 0; i < ch->nadded; i++)
		if (m[i].uid != ch->added[i])
			return 0;
	return 1;
}

/* Applies a report to the copy: marks the expunged, appends the new. */
static void
apply_membership(struct view *v, const struct folder_changes *ch)
{
	for (size_t i = 0; i < ch->nexpunged; i++) {
		uint32_t seq = view_seq(v, ch->expunged[i]);
		if (seq != 0 && !(v->state[seq - 1] & GONE)) {
			v->state[seq - 1] |= GONE;
			v->ngone++;
		}
	}
	/* New UIDs are above every known one: appending keeps the order
	 * (uidmap refuses anything else). */
	state_reserve(v, v->map.n + ch->nadded);
	for (size_t i = 0; i < ch->nadded; i++)
		append(v, ch->added[i]);
	if (ch->nadded > 0)
		uidmap_reindex(&v->map);
}

int
view_sync(struct view *v, const char **err_r)
{
	/* zeroed: a failed sync may return before reporting */
	struct folder_changes ch = { 0 };
	int r = folder_sync(v->f, &ch, err_r);

	/* The folder's list may have changed under a direct view. A failed
	 * sync's report is not applied (as ever), so the client keeps the
	 * list it knew; a change other than an append needs it too. */
	if (v->direct && (ch.nadded > 0 || ch.nexpunged > 0) &&
	    (r != 0 || !only_appended(v, &ch)))
		materialize(v, &ch);
	if (r != 0)
		return r;
	if (!v->direct)
		apply_membership(v, &ch);
	for (size_t i = 0; i < ch.nflagged; i++)
		owe_flags(v, ch.flagged[i]);
	if (ch.nadded > 0 || ch.nexpunged > 0)
		try_direct(v);
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
	uint32_t seq;

	if (v->nflags_due == 0)         /* a big STORE: no lookup a message */
		return;
	seq = view_seq(v, uid);
	if (seq != 0 && seq <= v->state_cap &&
	    (v->state[seq - 1] & FLAGS_DUE)) {
		v->state[seq - 1] &= ~FLAGS_DUE;
		v->nflags_due--;
		state_release_if_idle(v);
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
	try_direct(v);
}

static void
announce_flags(struct view *v, struct stream *out, int uid_fetch)
{
	/* a direct view's list may have grown past state[]: nothing is
	 * owed there */
	size_t n = view_exists(v);

	if (n > v->state_cap)
		n = v->state_cap;
	for (size_t i = 0; i < n && v->nflags_due > 0; i++) {
		const struct store_msg *m;

		if (!(v->state[i] & FLAGS_DUE))
			continue;
		v->state[i] &= ~FLAGS_DUE;
		v->nflags_due--;
		m = folder_msg(v->f, view_uid(v, (uint32_t)i + 1));
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
	       (view_exists(v) != v->told_exists ? VIEW_DUE_EXISTS : 0) |
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
	if (view_exists(v) != v->told_exists) {
		v->told_exists = view_exists(v);
		stream_printf(out, "* %u EXISTS\r\n", v->told_exists);
		recent = view_recent(v);
		if (!(v->mode & VIEW_REV2))
			stream_printf(out, "* %u RECENT\r\n", recent);
		v->told_recent = recent;
	}
	if (v->nflags_due > 0)
		announce_flags(v, out, uid_fetch);
	state_release_if_idle(v);
	view_modseq_fence(v, out);
}
