/* include/store/mindex.h — skua.index: MODSEQ per message, HIGHESTMODSEQ
 * and the log of recent expunges of one Maildir folder (RFC 7162 3.1,
 * 5.3), shared by every skua process of the user and safe against
 * kill -9 at any point. See src/store/mindex.c for the file format and
 * the crash-safety argument.
 *
 * Flags live in file names that others (Dovecot, other sessions) rename
 * without telling us, so a MODSEQ is given by whichever skua process
 * first notices a change: mindex_update() compares the folder's current
 * messages with what the index last recorded and gives each new message,
 * each changed one and each expunged UID a new MODSEQ, under a lock, so
 * that MODSEQs only grow and no update is lost.
 *
 * An open index must not be used across fork(): open it in the child. */
#ifndef SKUA_STORE_MINDEX_H
#define SKUA_STORE_MINDEX_H

#include <stddef.h>
#include <stdint.h>

/* RFC 7162 3.1: a mod-sequence is a positive 63-bit value. */
#define MINDEX_MODSEQ_MAX INT64_MAX
/* Expunges kept in the log by default (RFC 7162 5.3 asks for a bound). */
#define MINDEX_EXPUNGE_MAX 100000

/* One message as the folder sees it now. */
struct mindex_msg {
	uint32_t uid;
	unsigned flags;         /* MF_* of store/filename.h, < 64 */
	uint32_t keywords;      /* bit i: keyword letter 'a' + i, i < 26 */
};

/* What the index records per message, in UID order. */
struct mindex_rec {
	uint32_t uid;
	uint32_t state;         /* mindex_state(flags, keywords) */
	uint64_t modseq;
};

struct mindex;

/* The value recorded for a flags/keywords pair; only equality matters. */
uint32_t mindex_state(unsigned flags, uint32_t keywords);

/* Opens (creating when missing) the index in dir for uidvalidity. An
 * index of another UIDVALIDITY is started afresh (RFC 7162 5.3: expunge
 * state of an old UIDVALIDITY SHOULD be deleted); a damaged one is
 * rebuilt. Neither lowers HIGHESTMODSEQ. Returns 0, or -1 with *err_r.
 *
 * The open reads the file's header and log, not the records and
 * expunges of its snapshot (16 bytes a message): those are read into
 * memory by the first call that needs them (mindex_modseq,
 * mindex_records, mindex_expunged_since, mindex_expunge_floor,
 * mindex_update, mindex_lock, mindex_compact), so that mindex_highest
 * and mindex_generation of an unchanged folder cost no memory per
 * message. A snapshot body found damaged then is handled as the open
 * would have: the records are forgotten, HIGHESTMODSEQ is kept, and the
 * file is rebuilt under the lock (or by the next writer). */
int  mindex_open(const char *dir, uint32_t uidvalidity, struct mindex **ix_r,
		 const char **err_r);
void mindex_free(struct mindex **ix);   /* sets *ix to NULL */

/* HIGHESTMODSEQ as of the last open, refresh or update: at least every
 * MODSEQ this index has handed out; 0 before any was given. */
uint64_t mindex_highest(const struct mindex *ix);
/* The MODSEQ of uid, or 0 when the index does not know it. O(log n)
 * (the first call reads the records; see mindex_open). */
uint64_t mindex_modseq(const struct mindex *ix, uint32_t uid);
/* The records in UID order, valid until the next call on ix. */
const struct mindex_rec *mindex_records(const struct mindex *ix, size_t *n_r);

/* Reads what other processes wrote since. Returns 0, or -1 with *err_r. */
int  mindex_refresh(struct mindex *ix, const char **err_r);

#define MINDEX_FULL    0        /* msgs is every message: others are gone */
#define MINDEX_PARTIAL 1        /* msgs is some messages (our STORE) */
/* Brings the index in step with msgs (sorted by UID, no repeats): a
 * message that is new or whose flags or keywords differ from the record
 * gets a new MODSEQ; with MINDEX_FULL, a recorded UID missing from msgs
 * is logged as expunged with a new MODSEQ. Every change gets its own
 * MODSEQ, greater than any given before. Returns the number of changes,
 * -1 with *err_r, or MINDEX_RESET when the file now belongs to another
 * UIDVALIDITY (the folder must be opened again). */
#define MINDEX_RESET -2
int  mindex_update(struct mindex *ix, const struct mindex_msg *msgs, size_t n,
		   int mode, const char **err_r);

/* Holds the index lock across several calls, for a conditional STORE
 * (RFC 7162 3.1.3): lock, mindex_refresh, compare with UNCHANGEDSINCE,
 * rename the files, mindex_update(MINDEX_PARTIAL), unlock. Calls nest. */
int  mindex_lock(struct mindex *ix, const char **err_r);
void mindex_unlock(struct mindex *ix);

/* The UIDs expunged with a MODSEQ greater than since, increasing, in a
 * malloc'ed array (*uids_r may be NULL when *n_r is 0). Returns 1 when the
 * log is complete back to since, 0 when older expunges were dropped (or
 * predate the index) and the caller must fall back to comparing UID sets
 * (RFC 7162 3.2.5.2, 5.3). */
int  mindex_expunged_since(const struct mindex *ix, uint64_t since,
			   uint32_t **uids_r, size_t *n_r);
/* The lowest MODSEQ since which the expunge log is complete. */
uint64_t mindex_expunge_floor(const struct mindex *ix);

/* Rewrites the file from what is known, dropping the oldest expunges
 * beyond the limit (MINDEX_EXPUNGE_MAX unless set). Done by updates when
 * the appended log outgrows the snapshot; public for tests and tools. */
void mindex_set_expunge_limit(struct mindex *ix, size_t max);
int  mindex_compact(struct mindex *ix, const char **err_r);

/* Bytes of memory held for records and expunges: 0 until the first call
 * that needs them (see mindex_open). */
size_t mindex_bytes(const struct mindex *ix);

/* The content a handle has read: the file's identity and how far into
 * it, and the highest MODSEQ that content shows. skua.index only grows
 * between rewrites, and a rewrite (compaction, repair, new UIDVALIDITY)
 * renames a new file in, so a folder can take the generation after its
 * own mindex_update and, from a fresh mindex_open (in any process),
 * learn that nobody has written to the index since.
 *
 * Two generations are equal (mindex_gen_eq) when both name the same
 * device and inode, both have read up to the same byte offset, and the
 * highest MODSEQ read is the same (highest is the largest MODSEQ in the
 * file, which may be below mindex_highest: that one an open raises to
 * the ceiling); a generation with end 0 (the file missing or damaged,
 * or unreadable bytes after what was read) equals none.
 * mindex_generation after mindex_open, mindex_refresh or
 * mindex_update gives the end of what it read and wrote, so a writer
 * right after its update and a fresh open of the same unchanged file
 * give equal generations (an open waits for a writer's lock, so it
 * never sees half a record; a refresh that does gives end 0).
 *
 * Equal means the two handles read the same bytes, hence the same
 * records, expunges and MODSEQs: no MODSEQ was given and no expunge
 * logged in between. The one hole: the file system reusing the inode
 * number of a replaced file for a later rewrite of exactly the same
 * size and highest MODSEQ, which takes at least two rewrites that give
 * no new MODSEQ (mindex_compact with nothing new, a repair of a damaged
 * file, a reset of a still empty index). Different generations say
 * nothing: the content may be the same. */
struct mindex_gen {
	uint64_t dev, ino, end, highest;
};
void mindex_generation(const struct mindex *ix, struct mindex_gen *g);
int  mindex_gen_eq(const struct mindex_gen *a, const struct mindex_gen *b);

#endif
