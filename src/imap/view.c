/* src/imap/view.c — sequence numbers, and the news the client is owed.
 *
 * uids[] holds, in sequence order, every UID the client knows, including
 * those expunged but not yet announced; gone[] marks the latter. A sync
 * merges the folder's report: expunged UIDs are marked (their numbers
 * stay until EXPUNGE may be sent), new UIDs are appended (the client
 * hears EXISTS), changed flags are queued for FETCH (FLAGS).
 *
 * When EXPUNGE may be sent, the marked entries go out highest sequence
 * number first (each EXPUNGE renumbers the ones above it: RFC 3501
 * 7.4.1), and the array is compacted once. */
#include <stdlib.h>
#include <string.h>

#include "imap/flags.h"
#include "imap/view.h"
#include "util/log.h"

struct view {
	struct folder *f;
	struct keywords *kw;
	uint32_t *uids;
	unsigned char *gone;
	size_t n, cap;
	size_t ngone;
	uint32_t told_exists;   /* EXISTS as last sent */
	uint32_t told_recent;
	uint32_t *flagged;      /* UIDs whose new flags are owed */
	size_t nflagged, flagged_cap;
};

static void
reserve(struct view *v, size_t n)
{
	if (n <= v->cap)
		return;
	size_t cap = v->cap ? v->cap : 64;
	while (cap < n)
		cap *= 2;
	v->uids = realloc(v->uids, cap * sizeof(*v->uids));
	v->gone = realloc(v->gone, cap);
	if (v->uids == NULL || v->gone == NULL)
		fatal("out of memory");
	v->cap = cap;
}

struct view *
view_new(struct folder *f, struct keywords *kw)
{
	struct view *v = calloc(1, sizeof(*v));
	const struct store_msg *m;
	size_t n;

	if (v == NULL)
		fatal("out of memory");
	v->f = f;
	v->kw = kw;
	m = folder_msgs(f, &n);
	reserve(v, n);
	for (size_t i = 0; i < n; i++) {
		v->uids[i] = m[i].uid;
		v->gone[i] = 0;
	}
	v->n = n;
	v->told_exists = (uint32_t)n;
	v->told_recent = view_recent(v);
	return v;
}

void
view_free(struct view **vp)
{
	struct view *v = *vp;

	if (v == NULL)
		return;
	free(v->uids);
	free(v->gone);
	free(v->flagged);
	free(v);
	*vp = NULL;
}

uint32_t
view_exists(const struct view *v)
{
	return (uint32_t)v->n;
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
	return seq >= 1 && seq <= v->n ? v->uids[seq - 1] : 0;
}

uint32_t
view_seq(const struct view *v, uint32_t uid)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->uids[mid] == uid)
			return (uint32_t)mid + 1;
		if (v->uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int
view_is_expunged(const struct view *v, uint32_t seq)
{
	return seq >= 1 && seq <= v->n && v->gone[seq - 1];
}

static void
owe_flags(struct view *v, uint32_t uid)
{
	for (size_t i = 0; i < v->nflagged; i++)
		if (v->flagged[i] == uid)
			return;
	if (v->nflagged == v->flagged_cap) {
		v->flagged_cap = v->flagged_cap ? v->flagged_cap * 2 : 16;
		v->flagged = realloc(v->flagged,
				     v->flagged_cap * sizeof(*v->flagged));
		if (v->flagged == NULL)
			fatal("out of memory");
	}
	v->flagged[v->nflagged++] = uid;
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
		if (seq != 0 && !v->gone[seq - 1]) {
			v->gone[seq - 1] = 1;
			v->ngone++;
		}
	}
	/* New UIDs are above every known one: appending keeps the order. */
	reserve(v, v->n + ch.nadded);
	for (size_t i = 0; i < ch.nadded; i++) {
		if (v->n > 0 && ch.added[i] <= v->uids[v->n - 1])
			continue;
		v->uids[v->n] = ch.added[i];
		v->gone[v->n] = 0;
		v->n++;
	}
	for (size_t i = 0; i < ch.nflagged; i++)
		owe_flags(v, ch.flagged[i]);
	return 0;
}

void
view_flags_told(struct view *v, uint32_t uid)
{
	for (size_t i = 0; i < v->nflagged; i++)
		if (v->flagged[i] == uid) {
			v->flagged[i] = v->flagged[--v->nflagged];
			return;
		}
}

static void
announce_expunges(struct view *v, struct stream *out)
{
	size_t k = 0;

	for (size_t i = v->n; i-- > 0;)
		if (v->gone[i])
			stream_printf(out, "* %zu EXPUNGE\r\n", i + 1);
	for (size_t i = 0; i < v->n; i++)
		if (!v->gone[i]) {
			v->uids[k] = v->uids[i];
			v->gone[k++] = 0;
		}
	v->n = k;
	v->ngone = 0;
	/* EXPUNGE lowers the count the client keeps by itself. */
	v->told_exists = (uint32_t)k < v->told_exists ? (uint32_t)k :
			 v->told_exists;
}

void
view_announce(struct view *v, struct stream *out, int allow_expunge,
	      int uid_fetch)
{
	uint32_t recent;

	if (allow_expunge && v->ngone > 0)
		announce_expunges(v, out);
	if (v->n != v->told_exists) {
		stream_printf(out, "* %zu EXISTS\r\n", v->n);
		v->told_exists = (uint32_t)v->n;
		recent = view_recent(v);
		stream_printf(out, "* %u RECENT\r\n", recent);
		v->told_recent = recent;
	}
	for (size_t i = 0; i < v->nflagged; i++) {
		const struct store_msg *m = folder_msg(v->f, v->flagged[i]);
		uint32_t seq = view_seq(v, v->flagged[i]);

		if (m == NULL || seq == 0 || v->gone[seq - 1])
			continue;
		stream_printf(out, "* %u FETCH (", seq);
		if (uid_fetch)
			stream_printf(out, "UID %u ", m->uid);
		stream_puts(out, "FLAGS ");
		flags_write(out, m->flags, m->keywords, m->recent, v->kw);
		stream_puts(out, ")\r\n");
	}
	v->nflagged = 0;
}
