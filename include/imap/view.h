/* include/imap/view.h — the selected mailbox as the client knows it:
 * message sequence numbers, and what it has not been told yet.
 *
 * The store speaks UIDs; sequence numbers exist only here. Until the
 * folder's membership changes other than by new mail, they are the
 * folder's own list (seq = index + 1) and the view holds nothing a
 * message; after, it keeps them in a uidmap (imap/uidmap.h): seq -> UID
 * and UID -> seq in constant time, under 6 bytes a message with its
 * state byte, until the client has been told and the lists agree again.
 * A message expunged by anyone keeps its sequence number until the
 * client may be told (RFC 3501 7.4.1: no
 * EXPUNGE during FETCH, STORE or SEARCH, so that numbers never shift
 * under the client); until then a FETCH of it answers from what is known
 * or with NO (RFC 2180 4.1.2). New mail is announced with EXISTS and
 * RECENT, flag changes by others with FETCH (FLAGS). */
#ifndef SKUA_IMAP_VIEW_H
#define SKUA_IMAP_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "store/folder.h"
#include "store/keywords.h"
#include "util/stream.h"

struct view;

/* Starts a view of every message now in f; the client is about to be
 * told EXISTS and RECENT by SELECT. */
struct view *view_new(struct folder *f, struct keywords *kw);
void view_free(struct view **v);

/* EXISTS as the client knows it. */
uint32_t view_exists(const struct view *v);
/* Messages with \Recent in this session. */
uint32_t view_recent(const struct view *v);
/* The UID of seq (1-based), or 0 when out of range. */
uint32_t view_uid(const struct view *v, uint32_t seq);
/* The sequence number of uid, or 0 when the client does not know it. */
uint32_t view_seq(const struct view *v, uint32_t uid);
/* The first sequence number whose UID is at least uid, EXISTS + 1 when
 * none. */
uint32_t view_seq_at_least(const struct view *v, uint32_t uid);
/* 1 when seq is expunged but not yet announced. */
int  view_is_expunged(const struct view *v, uint32_t seq);

/* Bytes the view holds (its memory figure). */
size_t view_bytes(const struct view *v);
/* Makes the view keep its own copy of the sequence numbers from now on,
 * as after an expunge, and never drop it: the tests compare what both
 * ways of keeping them announce. */
void view_materialize(struct view *v);

/* Syncs the folder and queues what changed. Returns 0, -1 with *err_r,
 * or FOLDER_RESET (the session must end the selection with BYE or
 * re-SELECT; RFC 3501 2.3.1.1). */
int  view_sync(struct view *v, const char **err_r);
/* What view_announce would send now (VIEW_DUE_* bits), for NOTIFY, which
 * announces only the events the client asked for (RFC 5465 5). */
#define VIEW_DUE_EXPUNGE 0x01
#define VIEW_DUE_EXISTS  0x02
#define VIEW_DUE_FLAGS   0x04
unsigned view_due(const struct view *v);
/* Writes the queued untagged responses that may be sent now: EXPUNGE
 * (only with allow_expunge, highest first so numbers stay valid),
 * EXISTS, RECENT, and FETCH (FLAGS) of messages others changed (with UID
 * when uid_fetch, RFC 3501 6.4.8). */
void view_announce(struct view *v, struct stream *out, int allow_expunge,
		   int uid_fetch);
/* Drops our own flag change from the queue: the client hears of it in
 * its STORE's answer. */
void view_flags_told(struct view *v, uint32_t uid);

/* CONDSTORE and QRESYNC (RFC 7162), set by the session once enabled. */
#define VIEW_MODSEQ   0x01  /* UID and MODSEQ in every FETCH the view
			     * sends (3.1, 3.2.4) */
#define VIEW_VANISHED 0x02  /* VANISHED instead of EXPUNGE (3.2.10.2) */
/* IMAP4rev2 (RFC 9051, once enabled): no RECENT response and no \Recent
 * (Appendix E item 12), UID in every unsolicited FETCH (item 21). */
#define VIEW_REV2     0x04
void view_set_mode(struct view *v, unsigned mode);
unsigned view_mode(const struct view *v);
/* The HIGHESTMODSEQ the client may be told now: that of the last sync
 * that left no expunge unannounced, so below the MODSEQ of every expunge
 * the client has not heard of (RFC 7162 3.2, the example of 6). */
uint64_t view_highestmodseq(const struct view *v);
/* Notes a MODSEQ sent in an untagged FETCH. */
void view_modseq_sent(struct view *v, uint64_t modseq);
/* When a MODSEQ above view_highestmodseq was sent since the last call,
 * writes "* OK [HIGHESTMODSEQ n]" with the safe value, so that a client
 * never counts past an expunge it has not been told of (RFC 7162 3.2). */
void view_modseq_fence(struct view *v, struct stream *out);

#endif
