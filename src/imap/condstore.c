/* src/imap/condstore.c — CONDSTORE and QRESYNC (RFC 7162) across the
 * commands: see imap/condstore.h.
 *
 * Expunged UIDs for VANISHED (EARLIER). The folder's expunge log
 * (folder_expunged_since) answers "which UIDs went after MODSEQ m" when
 * it reaches back that far; when it does not (trimmed to its bound, or
 * the index is younger than m), RFC 7162 5.1 allows the answer every
 * server can give: all UIDs of the client's set that are not in the
 * mailbox. Those are computed as the gaps between the UIDs the view
 * holds, range by range, so that a set like 1:4294967295 costs what the
 * mailbox holds, not what the set spans; the client's sequence match
 * data (3.2.5.2) trims the set from below. UIDs still holding a sequence
 * number in the view (expunged, but the client has not been told) are
 * left to the VANISHED that announces them (3.2.10: the two forms are
 * never combined for one message). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/condstore.h"
#include "imap/flags.h"
#include "imap/response.h"
#include "imap/view.h"
#include "store/folder.h"

void
condstore_enable(struct session *s)
{
	if (s->enabled & SESSION_EXT_CONDSTORE)
		return;
	s->enabled |= SESSION_EXT_CONDSTORE;
	if (s->state != ST_SELECTED || s->sel.view == NULL)
		return;
	view_set_mode(s->sel.view, condstore_view_mode(s));
	/* RFC 7162 3.1: "A first CONDSTORE enabling command executed in
	 * the session with a mailbox selected MUST cause the server to
	 * return HIGHESTMODSEQ". */
	resp_untagged(s->stream, "OK [HIGHESTMODSEQ %llu] Highest",
		      (unsigned long long)view_highestmodseq(s->sel.view));
}

unsigned
condstore_view_mode(const struct session *s)
{
	unsigned mode = 0;

	if (s->enabled & SESSION_EXT_CONDSTORE)
		mode |= VIEW_MODSEQ;
	if (s->enabled & SESSION_EXT_QRESYNC)
		mode |= VIEW_VANISHED;
	if (s->enabled & SESSION_EXT_IMAP4REV2)
		mode |= VIEW_REV2;
	return mode;
}

uint64_t
condstore_modseq(struct session *s, uint32_t uid)
{
	uint64_t ms = folder_modseq(s->sel.folder, uid);

	view_modseq_sent(s->sel.view, ms);
	return ms > 0 ? ms : 1;
}

static int
parse_u64(const struct arg *a, uint64_t max, uint64_t *n_r)
{
	uint64_t n = 0;

	if (a->type != ARG_ATOM || a->len == 0 || a->len > 19)
		return -1;
	for (size_t i = 0; i < a->len; i++) {
		if (a->data[i] < '0' || a->data[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(a->data[i] - '0');
	}
	if (n > max)
		return -1;
	*n_r = n;
	return 0;
}

int
condstore_parse_modseq(const struct arg *a, int zero_ok, uint64_t *ms_r)
{
	/* RFC 7162 7: 1 <= n <= 9,223,372,036,854,775,807. */
	if (parse_u64(a, INT64_MAX, ms_r) < 0 || (*ms_r == 0 && !zero_ok))
		return -1;
	return 0;
}

static int
is_atom(const struct arg *a, const char *word)
{
	return a->type == ARG_ATOM &&
		strcasecmp((const char *)a->data, word) == 0;
}

/* A sequence-set without "*" (known-uids, known-sequence-set,
 * known-uid-set). Returns 0 or -1. */
static int
parse_known_set(struct session *s, const struct arg *a, struct seqset *set)
{
	const char *err;

	if (a->type != ARG_ATOM ||
	    seqset_parse((const char *)a->data, s->arena, set, &err) < 0)
		return -1;
	for (size_t i = 0; i < set->n; i++)
		if (set->r[i].lo == SEQ_STAR || set->r[i].hi == SEQ_STAR)
			return -1;
	return 0;
}

/* RFC 7162 7: both sets of seq-match-data ascending, and (3.2.5.2) the
 * Nth number of one pairs with the Nth of the other. */
static int
match_sets_ok(const struct seqset *seqs, const struct seqset *uids)
{
	uint64_t count[2] = { 0, 0 };
	const struct seqset *set[2] = { seqs, uids };

	for (int k = 0; k < 2; k++) {
		uint32_t prev = 0;

		for (size_t i = 0; i < set[k]->n; i++) {
			const struct seqrange *r = &set[k]->r[i];

			if (r->lo > r->hi || r->lo <= prev)
				return 0;
			prev = r->hi;
			count[k] += (uint64_t)r->hi - r->lo + 1;
		}
	}
	return count[0] == count[1];
}

/* QRESYNC's list: uidvalidity mod-sequence-value [known-uids]
 * [seq-match-data]. */
static int
parse_qresync(struct session *s, const struct arg *a,
	      struct select_params *p, const char **err_r)
{
	uint64_t uv;
	size_t i = 2;

	*err_r = "Invalid QRESYNC parameters";
	if (a->type != ARG_LIST || a->count < 2 || a->count > 4 ||
	    parse_u64(&a->list[0], UINT32_MAX, &uv) < 0 || uv == 0 ||
	    condstore_parse_modseq(&a->list[1], 0, &p->modseq) < 0)
		return -1;
	p->uidvalidity = (uint32_t)uv;
	if (i < a->count && a->list[i].type == ARG_ATOM) {
		if (parse_known_set(s, &a->list[i], &p->known_uids) < 0)
			return -1;
		seqset_resolve(&p->known_uids, 0);
		p->have_uids = 1;
		i++;
	}
	if (i < a->count) {
		const struct arg *m = &a->list[i++];

		if (m->type != ARG_LIST || m->count != 2 ||
		    parse_known_set(s, &m->list[0], &p->match_seqs) < 0 ||
		    parse_known_set(s, &m->list[1], &p->match_uids) < 0 ||
		    !match_sets_ok(&p->match_seqs, &p->match_uids))
			return -1;
		p->have_match = 1;
	}
	return i == a->count ? 0 : -1;
}

int
select_params_parse(struct session *s, const struct arg *a,
		    struct select_params *p, const char **err_r)
{
	memset(p, 0, sizeof(*p));
	if (a == NULL)
		return 0;
	if (a->type != ARG_LIST || a->count == 0) {
		*err_r = "Invalid SELECT parameters";
		return -1;
	}
	for (size_t i = 0; i < a->count; i++) {
		const struct arg *e = &a->list[i];

		if (is_atom(e, "CONDSTORE") && !p->condstore) {
			p->condstore = 1;
		} else if (is_atom(e, "QRESYNC") && !p->qresync) {
			/* RFC 7162 3.2.5: BAD unless ENABLE QRESYNC came
			 * first. */
			if (!session_enabled(s, SESSION_EXT_QRESYNC)) {
				*err_r = "QRESYNC not enabled";
				return -1;
			}
			if (i + 1 >= a->count ||
			    parse_qresync(s, &a->list[i + 1], p, err_r) < 0) {
				*err_r = "Invalid QRESYNC parameters";
				return -1;
			}
			p->qresync = 1;
			i++;
		} else {
			*err_r = "Unknown SELECT parameter";
			return -1;
		}
	}
	return 0;
}

/* Writes UID ranges as one sequence-set, merging neighbours. */
struct uidout {
	struct stream *out;
	const char *head;
	uint32_t lo, hi;
	int pending, started;
};

static void
uidout_flush(struct uidout *o)
{
	if (!o->pending)
		return;
	stream_puts(o->out, o->started ? "," : o->head);
	o->started = 1;
	if (o->lo == o->hi)
		stream_printf(o->out, "%u", o->lo);
	else
		stream_printf(o->out, "%u:%u", o->lo, o->hi);
	o->pending = 0;
}

static void
uidout_add(struct uidout *o, uint32_t lo, uint32_t hi)
{
	if (o->pending && o->hi != UINT32_MAX && lo == o->hi + 1) {
		o->hi = hi;
		return;
	}
	uidout_flush(o);
	o->lo = lo;
	o->hi = hi;
	o->pending = 1;
}

static void
uidout_end(struct uidout *o)
{
	uidout_flush(o);
	if (o->started)
		stream_puts(o->out, "\r\n");
}

static int
uid_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* The UIDs of [lo, hi] that the view does not hold. */
static void
gaps(struct session *s, struct uidout *o, uint32_t lo, uint32_t hi)
{
	struct view *v = s->sel.view;
	uint32_t seq = view_seq_at_least(v, lo), exists = view_exists(v);
	uint64_t cur = lo;

	while (cur <= hi) {
		uint32_t u = seq <= exists ? view_uid(v, seq) : 0;

		if (u == 0 || u > hi) {
			uidout_add(o, (uint32_t)cur, hi);
			return;
		}
		if (u > cur)
			uidout_add(o, (uint32_t)cur, u - 1);
		cur = (uint64_t)u + 1;
		seq++;
	}
}

void
condstore_vanished_earlier(struct session *s, const struct seqset *uids,
			   uint64_t since, uint32_t floor_uid)
{
	struct uidout o = { .out = s->stream, .head = "* VANISHED (EARLIER) " };
	uint32_t *ex = NULL, maxuid = folder_uidnext(s->sel.folder) - 1;
	size_t nex = 0;

	if (folder_expunged_since(s->sel.folder, since, &ex, &nex) == 1) {
		if (nex > 1)
			qsort(ex, nex, sizeof(*ex), uid_cmp);
		/* 3.2.5.2: a matching sequence pair says the client knows
		 * of every expunge at or below floor_uid, log or no log. */
		for (size_t i = 0; i < nex; i++)
			if (ex[i] > floor_uid && seqset_contains(uids, ex[i]) &&
			    view_seq(s->sel.view, ex[i]) == 0 &&
			    folder_msg(s->sel.folder, ex[i]) == NULL)
				uidout_add(&o, ex[i], ex[i]);
	} else {
		/* RFC 7162 3.2.6, 5.1: everything gone from the set. */
		for (size_t i = 0; i < uids->n; i++) {
			uint32_t lo = uids->r[i].lo, hi = uids->r[i].hi;

			if (lo <= floor_uid)
				lo = floor_uid + 1;
			if (hi > maxuid)
				hi = maxuid;
			if (lo != 0 && lo <= hi)
				gaps(s, &o, lo, hi);
		}
	}
	free(ex);
	uidout_end(&o);
}

/* RFC 7162 3.2.5.2: the UID up to which the client's sample of sequence
 * numbers still matches the mailbox; no expunge at or below it is news. */
static uint32_t
match_floor(struct session *s, const struct select_params *p)
{
	const struct seqset *sq = &p->match_seqs, *ui = &p->match_uids;
	size_t a = 0, b = 0;
	uint64_t seq, uid, floor = 0;

	if (!p->have_match || sq->n == 0)
		return 0;
	seq = sq->r[0].lo;
	uid = ui->r[0].lo;
	for (;;) {
		if (seq > view_exists(s->sel.view) ||
		    view_uid(s->sel.view, (uint32_t)seq) != uid)
			break;
		floor = uid;
		if (seq++ == sq->r[a].hi) {
			if (++a == sq->n)
				break;
			seq = sq->r[a].lo;
		}
		if (uid++ == ui->r[b].hi) {
			if (++b == ui->n)
				break;
			uid = ui->r[b].lo;
		}
	}
	return (uint32_t)floor;
}

int
select_params_announce(struct session *s, const struct select_params *p)
{
	struct view *v = s->sel.view;
	struct seqset all;
	struct seqrange r;
	const struct seqset *known = &p->known_uids;
	uint32_t exists;

	if (p->condstore || p->qresync)
		s->enabled |= SESSION_EXT_CONDSTORE;
	view_set_mode(v, condstore_view_mode(s));
	if (!session_enabled(s, SESSION_EXT_CONDSTORE))
		return 0;
	/* RFC 7162 3.1.2.1; the index always keeps MODSEQs, so never
	 * NOMODSEQ (3.1.2.2). */
	resp_untagged(s->stream, "OK [HIGHESTMODSEQ %llu] Highest",
		      (unsigned long long)view_highestmodseq(v));
	if (!p->qresync)
		return 0;
	/* 3.2.5: another UIDVALIDITY: the rest is ignored. */
	if (p->uidvalidity != folder_uidvalidity(s->sel.folder))
		return 1;
	if (!p->have_uids) {
		/* 3.2.5.1: as if "1:<UIDNEXT - 1>"; nothing when the
		 * mailbox never had a message. */
		r.lo = 1;
		r.hi = folder_uidnext(s->sel.folder) - 1;
		all.r = &r;
		all.n = r.hi >= 1 ? 1 : 0;
		known = &all;
	}
	/* 3.2.5.1: like UID FETCH known-uids (FLAGS) (CHANGEDSINCE
	 * modseq VANISHED): VANISHED (EARLIER) first, then the FETCHes. */
	condstore_vanished_earlier(s, known, p->modseq, match_floor(s, p));
	exists = view_exists(v);
	for (uint32_t seq = 1; seq <= exists; seq++) {
		uint32_t uid = view_uid(v, seq);
		const struct store_msg *m = folder_msg(s->sel.folder, uid);

		if (m == NULL || !seqset_contains(known, uid) ||
		    folder_modseq(s->sel.folder, uid) <= p->modseq)
			continue;
		stream_printf(s->stream, "* %u FETCH (UID %u FLAGS ", seq, uid);
		flags_write(s->stream, m->flags, m->keywords,
			    m->recent && !session_enabled(s,
						SESSION_EXT_IMAP4REV2),
			    s->sel.kw);
		stream_printf(s->stream, " MODSEQ (%llu))\r\n",
			      (unsigned long long)condstore_modseq(s, uid));
		view_flags_told(v, uid);
	}
	return 0;
}

int
fetch_modifiers_parse(struct session *s, const struct arg *a,
		      uint64_t *changedsince_r, int *vanished_r,
		      const char **err_r)
{
	int changed = 0;

	*changedsince_r = 0;
	*vanished_r = 0;
	if (a->type != ARG_LIST || a->count == 0) {
		*err_r = "Invalid FETCH modifiers";
		return -1;
	}
	for (size_t i = 0; i < a->count; i++) {
		const struct arg *e = &a->list[i];

		if (is_atom(e, "CHANGEDSINCE") && !changed) {
			if (i + 1 >= a->count ||
			    condstore_parse_modseq(&a->list[++i], 1,
						   changedsince_r) < 0) {
				*err_r = "Invalid CHANGEDSINCE modseq";
				return -1;
			}
			changed = 1;
		} else if (is_atom(e, "VANISHED") && !*vanished_r) {
			/* RFC 7162 3.2.6: UID FETCH only, QRESYNC on. */
			if (!s->uid_command) {
				*err_r = "VANISHED only allowed with UID FETCH";
				return -1;
			}
			if (!session_enabled(s, SESSION_EXT_QRESYNC)) {
				*err_r = "QRESYNC not enabled";
				return -1;
			}
			*vanished_r = 1;
		} else {
			*err_r = "Invalid FETCH modifier";
			return -1;
		}
	}
	if (*vanished_r && !changed) {
		*err_r = "VANISHED requires CHANGEDSINCE";
		return -1;
	}
	return 0;
}
