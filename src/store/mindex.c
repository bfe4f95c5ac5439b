/* src/store/mindex.c — skua.index: MODSEQs, HIGHESTMODSEQ and expunges.
 *
 * The problem. RFC 7162 3.1 wants a positive 63-bit MODSEQ per message
 * that grows with every change, a HIGHESTMODSEQ that never goes back for
 * a UIDVALIDITY, and (5.3) a queue of expunged UIDs with their MODSEQs.
 * Flags live in Maildir file names, changed by Dovecot and by other skua
 * sessions, so nobody tells us of a change: the first skua process that
 * sees a message whose flags differ from the recorded ones gives it the
 * next MODSEQ. Several processes do this at once, any of them may be
 * killed at any instruction, and a 100,000-message folder must open and
 * find "nothing changed" in a few milliseconds.
 *
 * Two files.
 *
 *   skua.index      a snapshot, then an appended log:
 *     header (48 bytes): magic "skuaidx1", version, uidvalidity,
 *       highest, floor (the expunge log is complete above it), counts of
 *       records and expunges, CRC32 of the body, CRC32 of the header;
 *     body: records {uid, state, modseq} (16 bytes, UID order), then
 *       expunges {uid, 0, modseq} (MODSEQ order);
 *     log records: {magic, type SET|EXPUNGE, count, crc, offset} and
 *       count entries of 16 bytes; the CRC covers the file offset the
 *       record was written at, so stale bytes never pass for a record.
 *   skua.index.hwm  the high-water mark: a MODSEQ ceiling no process has
 *     gone beyond (24 bytes with a CRC); also the file every writer
 *     locks (fcntl F_SETLKW), because it is never replaced.
 *
 * Native byte order: the files never leave the machine; another order
 * fails the checks and the index is rebuilt.
 *
 * Writing. Under the lock, a writer reads what others appended, compares,
 * takes MODSEQs above everything in the file and above the ceiling it
 * reads, raises the ceiling first when it would pass it (fdatasync'd, in
 * steps of HWM_STEP so that this is rare), then appends its records with
 * one pwrite. When the log outgrows the snapshot it writes a new
 * snapshot to skua.index.tmp, fsyncs it and renames it over skua.index.
 * Readers need no lock: they read the log up to the first record that
 * does not check out (it may be in the middle of being written) and see
 * a rename as a new inode.
 *
 * Reading lazily. Opening a folder often needs only HIGHESTMODSEQ and
 * the answer to "did anyone write since?", so an open reads the header
 * and checks the log records after the snapshot (their CRCs, MODSEQs
 * growing, which also raises HIGHESTMODSEQ) without applying them; the
 * body, 16 bytes a message, is read, checked and the log applied to it
 * by the first call that needs a record (body_read). Nothing is lost by
 * waiting: the inode is never rewritten in place, only appended to, so
 * the bytes are the ones the open saw. A body found damaged then is
 * treated as an open treats a damaged file: forgotten, HIGHESTMODSEQ
 * kept, rewritten under the lock. The generation (mindex_generation) is
 * the inode and how far it was read, which every writer changes: a
 * folder compares it to skip comparing its messages with the records.
 *
 * Crash safety. kill -9 can leave (a) a torn last record: its CRC fails;
 * the next writer, holding the lock and so knowing nobody is writing,
 * treats anything unreadable after the last good record as damage and
 * writes a fresh snapshot from what it read; (b) a raised ceiling with no
 * records: a harmless gap in MODSEQs; (c) a stale skua.index.tmp: it is
 * overwritten. The rename makes a snapshot all-or-nothing. Lost log
 * records only lose "last seen" flags, so the next sync sees the change
 * again and gives it a new MODSEQ; a lost expunge brings the UID back to
 * the table until the next full update expunges it again.
 *
 * Never lowering HIGHESTMODSEQ. Every MODSEQ handed out is at most the
 * ceiling, and the ceiling is on disk (fsynced) before the MODSEQ is
 * written anywhere. Opening reads the ceiling under the lock, when no
 * writer is between raising it and appending, and starts HIGHESTMODSEQ
 * there: whatever skua.index lost (truncated, corrupt, deleted, or
 * unsynced records after a power failure), nothing reported before is
 * above it. If the ceiling file itself is damaged while skua.index has
 * content, the index's own highest plus HWM_MARGIN is taken: one damaged
 * file is survived; both at once only with that margin.
 *
 * A new UIDVALIDITY empties the records and the expunge log (RFC 7162
 * 5.3) but keeps counting from the old HIGHESTMODSEQ, so that two
 * processes disagreeing for a moment about the UIDVALIDITY cannot make
 * it go back for either. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "store/mindex.h"
#include "util/xalloc.h"

#define IDX_MAGIC       "skuaidx1"
#define IDX_VERSION     1
#define LREC_MAGIC      0x534b4c52u     /* "RLKS" */
#define LREC_SET        1
#define LREC_EXPUNGE    2
#define HWM_MAGIC       0x534b4857u
#define HWM_STEP        1024            /* ceiling raised by this at least */
#define HWM_MARGIN      ((uint64_t)1 << 32)
#define COMPACT_MIN     65536           /* log bytes before compaction */
#define MAX_COUNT       ((uint32_t)1 << 27)

struct disk_hdr {
	char magic[8];
	uint32_t version;
	uint32_t uidvalidity;
	uint64_t highest;
	uint64_t floor;
	uint32_t nrec;
	uint32_t nexp;
	uint32_t body_crc;
	uint32_t hdr_crc;       /* of the bytes before it */
};

struct disk_lrec {
	uint32_t magic;
	uint32_t type;
	uint32_t count;
	uint32_t crc;           /* of offset, this header with crc 0, entries */
	uint64_t offset;
};

struct disk_hwm {
	uint32_t magic;
	uint32_t version;
	uint64_t ceiling;
	uint32_t crc;
	uint32_t pad;
};

struct mindex {
	char *path, *tmp_path, *hwm_path;
	int fd;                 /* skua.index, -1 when not there */
	int lock_fd;            /* skua.index.hwm */
	dev_t dev;
	ino_t ino;
	uint32_t uidvalidity;   /* the folder's, as opened */
	uint32_t file_uidvalidity; /* of the file read; 0 when unknown */
	uint64_t highest;       /* never lowered */
	uint64_t file_max;      /* highest MODSEQ the file's content shows */
	uint64_t ceiling;       /* as read under the lock */
	uint64_t floor;
	struct mindex_rec *recs;
	size_t n, cap;
	struct mindex_rec *exps; /* uid, 0, modseq; in MODSEQ order */
	size_t nexp, capexp;
	size_t exp_limit;
	/* The snapshot's header; its body (records, expunges) is read at
	 * the first call that needs it, so that an open touches no more
	 * than the header and the log (see body_read). */
	struct disk_hdr snap;
	int body_pending;       /* snap's body not read yet: tables empty */
	off_t snap_end;         /* where the log starts */
	off_t end;              /* log read up to here */
	int damaged;            /* bytes after end, or the file, are bad */
	int locked;             /* nesting depth */
	char err[512];
};

static const char *
ierr(struct mindex *ix, const char *what, const char *path)
{
	if (snprintf(ix->err, sizeof(ix->err), "%s %s: %s", what, path,
		     strerror(errno)) >= (int)sizeof(ix->err))
		ix->err[sizeof(ix->err) - 1] = '\0';
	return ix->err;
}

static uint32_t
crc(uint32_t c, const void *p, size_t n)
{
	return (uint32_t)crc32(c, p, (uInt)n);
}

uint32_t
mindex_state(unsigned flags, uint32_t keywords)
{
	uint32_t h;

	if (flags < 64 && keywords < ((uint32_t)1 << 26))
		return flags | keywords << 6;
	/* Outside today's ranges: any value that differs when they do,
	 * almost surely; a collision only delays a MODSEQ to the next
	 * change. */
	h = (uint32_t)flags * 0x9e3779b1u ^ keywords * 0x85ebca77u;
	return h ^ h >> 15;
}

/* --- memory ------------------------------------------------------------ */

static size_t
rec_find(const struct mindex *ix, uint32_t uid, int *found_r)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->recs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found_r = lo < ix->n && ix->recs[lo].uid == uid;
	return lo;
}

static void
rec_set(struct mindex *ix, uint32_t uid, uint32_t state, uint64_t modseq)
{
	int found = 0;
	/* New messages come in UID order: past the last, no search. */
	size_t i = ix->n == 0 || uid > ix->recs[ix->n - 1].uid ? ix->n :
		   rec_find(ix, uid, &found);

	if (!found) {
		if (ix->n == ix->cap) {
			ix->cap = ix->cap ? ix->cap * 2 : 1024;
			ix->recs = xrealloc(ix->recs, ix->cap * sizeof(*ix->recs));
		}
		memmove(&ix->recs[i + 1], &ix->recs[i],
			(ix->n - i) * sizeof(*ix->recs));
		ix->n++;
		ix->recs[i].uid = uid;
	}
	ix->recs[i].state = state;
	ix->recs[i].modseq = modseq;
}

static void
exp_push(struct mindex *ix, uint32_t uid, uint64_t modseq)
{
	if (ix->nexp == ix->capexp) {
		ix->capexp = ix->capexp ? ix->capexp * 2 : 256;
		ix->exps = xrealloc(ix->exps, ix->capexp * sizeof(*ix->exps));
	}
	ix->exps[ix->nexp].uid = uid;
	ix->exps[ix->nexp].state = 0;
	ix->exps[ix->nexp].modseq = modseq;
	ix->nexp++;
}

/* Drops the records an expunge marked (modseq 0). */
static void
recs_sweep(struct mindex *ix)
{
	size_t k = 0;

	for (size_t i = 0; i < ix->n; i++)
		if (ix->recs[i].modseq != 0)
			ix->recs[k++] = ix->recs[i];
	ix->n = k;
}

static void
state_clear(struct mindex *ix)
{
	ix->body_pending = 0;
	ix->n = ix->nexp = 0;
	ix->file_max = 0;
	ix->floor = ix->highest;
	ix->file_uidvalidity = 0;
}

static void
raise_highest(struct mindex *ix, uint64_t v)
{
	if (v > ix->highest)
		ix->highest = v;
}

/* --- reading ----------------------------------------------------------- */

static uint32_t
lrec_crc(const struct disk_lrec *h, const unsigned char *entries)
{
	struct disk_lrec c = *h;
	uint64_t off = h->offset;
	uint32_t v;

	c.crc = 0;
	v = crc(0, &off, sizeof(off));
	v = crc(v, &c, sizeof(c));
	return crc(v, entries, (size_t)h->count * sizeof(struct mindex_rec));
}

/* Applies count entries of one log record of type (LREC_SET or
 * LREC_EXPUNGE) to memory. Returns 1 when records were marked for
 * recs_sweep. */
static int
entries_apply(struct mindex *ix, uint32_t type, const unsigned char *e,
	      uint32_t count)
{
	int swept = 0;

	for (uint32_t i = 0; i < count; i++) {
		struct mindex_rec r;
		int found;
		memcpy(&r, e + i * sizeof(r), sizeof(r));
		if (type == LREC_SET) {
			rec_set(ix, r.uid, r.state, r.modseq);
			continue;
		}
		size_t at = rec_find(ix, r.uid, &found);
		if (found) {
			ix->recs[at].modseq = 0;
			swept = 1;
		}
		exp_push(ix, r.uid, r.modseq);
	}
	return swept;
}

/* Applies the log records in buf (read from file offset off) up to the
 * first one that does not check out. Returns the bytes used. With apply
 * 0 (the body not read yet) only checks them and counts their MODSEQs:
 * body_read applies them later from the file. */
static size_t
log_apply(struct mindex *ix, const unsigned char *buf, size_t len, off_t off,
	  int apply)
{
	size_t pos = 0;
	int swept = 0;

	while (len - pos >= sizeof(struct disk_lrec)) {
		struct disk_lrec h;
		const unsigned char *e = buf + pos + sizeof(h);
		uint64_t max = ix->file_max;

		memcpy(&h, buf + pos, sizeof(h));
		if (h.magic != LREC_MAGIC || h.count == 0 ||
		    h.count > MAX_COUNT ||
		    (h.type != LREC_SET && h.type != LREC_EXPUNGE) ||
		    h.offset != (uint64_t)off + pos ||
		    (len - pos - sizeof(h)) / sizeof(struct mindex_rec) < h.count ||
		    lrec_crc(&h, e) != h.crc)
			break;
		/* MODSEQs grow along the file; anything else is damage. */
		for (uint32_t i = 0; i < h.count; i++) {
			struct mindex_rec r;
			memcpy(&r, e + i * sizeof(r), sizeof(r));
			if (r.uid == 0 || r.modseq <= max ||
			    r.modseq > MINDEX_MODSEQ_MAX)
				goto out;
			max = r.modseq;
		}
		if (apply)
			swept |= entries_apply(ix, h.type, e, h.count);
		ix->file_max = max;
		raise_highest(ix, max);
		pos += sizeof(h) + (size_t)h.count * sizeof(struct mindex_rec);
	}
out:
	if (swept)
		recs_sweep(ix);
	return pos;
}

static int
pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (char *)buf + done, len - done,
				  off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

static int
pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pwrite(fd, (const char *)buf + done, len - done,
				   off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ENOSPC;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

/* Reads the log from ix->end to the end of the file. Sets ix->damaged
 * when unreadable bytes remain (which, without the lock, may just be a
 * record being written). */
static int
read_tail(struct mindex *ix, off_t size)
{
	size_t len = (size_t)(size - ix->end), used;
	unsigned char *buf;

	ix->damaged = 0;
	if (len == 0)
		return 0;
	buf = xrealloc(NULL, len);
	if (pread_full(ix->fd, buf, len, ix->end) < 0) {
		free(buf);
		/* Shrunk under us: the caller's next look reloads. */
		ix->damaged = 1;
		return 0;
	}
	used = log_apply(ix, buf, len, ix->end, !ix->body_pending);
	free(buf);
	ix->end += (off_t)used;
	ix->damaged = used < len;
	return 0;
}

/* Checks the snapshot's header and notes where the log starts; the
 * body is left for body_read. 0 when good, 1 when the file is damaged
 * (the tables are then empty). */
static int
read_header(struct mindex *ix, off_t size)
{
	struct disk_hdr h;
	size_t nb, eb;

	if ((size_t)size < sizeof(h) || pread_full(ix->fd, &h, sizeof(h), 0) < 0)
		return 1;
	if (memcmp(h.magic, IDX_MAGIC, 8) != 0 || h.version != IDX_VERSION ||
	    crc(0, &h, offsetof(struct disk_hdr, hdr_crc)) != h.hdr_crc)
		return 1;
	/* A good header's highest counts even when the body is bad. */
	if (h.highest <= MINDEX_MODSEQ_MAX)
		raise_highest(ix, h.highest);
	nb = (size_t)h.nrec * sizeof(struct mindex_rec);
	eb = (size_t)h.nexp * sizeof(struct mindex_rec);
	if (h.highest > MINDEX_MODSEQ_MAX || h.floor > h.highest ||
	    h.nrec > MAX_COUNT || h.nexp > MAX_COUNT ||
	    (size_t)size - sizeof(h) < nb + eb)
		return 1;
	ix->snap = h;
	ix->body_pending = 1;
	ix->floor = h.floor;
	ix->file_max = h.highest;
	ix->file_uidvalidity = h.uidvalidity;
	ix->snap_end = ix->end = (off_t)(sizeof(h) + nb + eb);
	return 0;
}

/* Reads and checks the body ix->snap describes into the tables. 0 when
 * good, 1 when not. */
static int
body_load(struct mindex *ix)
{
	const struct disk_hdr *h = &ix->snap;
	size_t nb = (size_t)h->nrec * sizeof(struct mindex_rec);
	size_t eb = (size_t)h->nexp * sizeof(struct mindex_rec);

	if (h->nrec > ix->cap) {
		ix->cap = h->nrec + 1024;
		ix->recs = xrealloc(ix->recs, ix->cap * sizeof(*ix->recs));
	}
	if (h->nexp > ix->capexp) {
		ix->capexp = h->nexp + 256;
		ix->exps = xrealloc(ix->exps, ix->capexp * sizeof(*ix->exps));
	}
	if ((nb && pread_full(ix->fd, ix->recs, nb, sizeof(*h)) < 0) ||
	    (eb && pread_full(ix->fd, ix->exps, eb, (off_t)(sizeof(*h) + nb)) < 0))
		return 1;
	if (crc(crc(0, ix->recs, nb), ix->exps, eb) != h->body_crc)
		return 1;
	for (size_t i = 0; i < h->nrec; i++) {
		const struct mindex_rec *r = &ix->recs[i];
		if (r->uid == 0 || (i > 0 && r->uid <= r[-1].uid) ||
		    r->modseq == 0 || r->modseq > h->highest)
			return 1;
	}
	for (size_t i = 0; i < h->nexp; i++) {
		const struct mindex_rec *r = &ix->exps[i];
		if (r->uid == 0 || r->modseq > h->highest ||
		    (i > 0 && r->modseq <= r[-1].modseq))
			return 1;
	}
	ix->n = h->nrec;
	ix->nexp = h->nexp;
	return 0;
}

/* Applies the log records read_tail checked but could not apply: those
 * between the snapshot and ix->end. The inode only grows after the
 * snapshot, so they are the same bytes; if not, 1 (damage). */
static int
log_replay(struct mindex *ix)
{
	size_t len = (size_t)(ix->end - ix->snap_end);
	unsigned char *buf;
	uint64_t max = ix->file_max;
	int bad;

	if (len == 0)
		return 0;
	buf = xrealloc(NULL, len);
	ix->file_max = ix->snap.highest;
	bad = pread_full(ix->fd, buf, len, ix->snap_end) < 0 ||
	      log_apply(ix, buf, len, ix->snap_end, 1) != len ||
	      ix->file_max != max;
	free(buf);
	return bad;
}

/* Reads the snapshot's body if it is not read yet, then the log records
 * seen so far. Returns 0, or 1 when the body (or log) turned out
 * damaged: the state is then what reload leaves for a damaged file
 * (empty tables, damaged set, to be rewritten by the next writer). */
static int
body_read(struct mindex *ix)
{
	if (!ix->body_pending)
		return 0;
	ix->body_pending = 0;
	if (body_load(ix) == 0 && log_replay(ix) == 0)
		return 0;
	state_clear(ix);
	ix->snap_end = ix->end = 0;
	ix->damaged = 1;
	return 1;
}

/* (Re)opens skua.index and reads its header and log; the body waits
 * for body_read. A missing file leaves the tables empty with fd -1; a
 * damaged one, empty with damaged set. */
static int
reload(struct mindex *ix)
{
	struct stat st;

	if (ix->fd >= 0)
		close(ix->fd);
	ix->fd = open(ix->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	state_clear(ix);
	ix->snap_end = ix->end = 0;
	ix->damaged = 0;
	if (ix->fd < 0) {
		if (errno == ENOENT)
			return 0;
		ierr(ix, "cannot open", ix->path);
		return -1;
	}
	if (fstat(ix->fd, &st) < 0) {
		ierr(ix, "cannot stat", ix->path);
		return -1;
	}
	ix->dev = st.st_dev;
	ix->ino = st.st_ino;
	if (read_header(ix, st.st_size) != 0) {
		state_clear(ix);
		ix->damaged = 1;
		return 0;
	}
	return read_tail(ix, st.st_size);
}

/* Catches up with the file: a new inode (a snapshot by someone else), a
 * shorter file (damage), or appended records. */
static int
catch_up(struct mindex *ix)
{
	struct stat st, fst;

	if (stat(ix->path, &st) < 0) {
		if (errno != ENOENT) {
			ierr(ix, "cannot stat", ix->path);
			return -1;
		}
		return ix->fd >= 0 ? reload(ix) : 0;
	}
	if (ix->fd < 0 || st.st_dev != ix->dev || st.st_ino != ix->ino)
		return reload(ix);
	if (fstat(ix->fd, &fst) < 0) {
		ierr(ix, "cannot stat", ix->path);
		return -1;
	}
	if (fst.st_size < ix->end)
		return reload(ix);
	if (fst.st_size == ix->end) {
		ix->damaged = 0;
		return 0;
	}
	return read_tail(ix, fst.st_size);
}

/* --- the ceiling --------------------------------------------------------- */

static uint32_t
hwm_crc(const struct disk_hwm *w)
{
	return crc(0, w, offsetof(struct disk_hwm, crc));
}

static int
hwm_write(struct mindex *ix, uint64_t ceiling)
{
	struct disk_hwm w = { HWM_MAGIC, 1, ceiling, 0, 0 };

	w.crc = hwm_crc(&w);
	if (pwrite_full(ix->lock_fd, &w, sizeof(w), 0) < 0 ||
	    fdatasync(ix->lock_fd) < 0) {
		ierr(ix, "cannot write", ix->hwm_path);
		return -1;
	}
	ix->ceiling = ceiling;
	return 0;
}

/* Reads the ceiling (under the lock). A bad one is replaced by a value
 * above anything the index shows, with a margin for what it may have
 * lost. */
static int
hwm_read(struct mindex *ix)
{
	struct disk_hwm w;
	struct stat st;
	uint64_t safe;

	if (pread_full(ix->lock_fd, &w, sizeof(w), 0) == 0 &&
	    w.magic == HWM_MAGIC && w.version == 1 &&
	    w.crc == hwm_crc(&w) && w.ceiling <= MINDEX_MODSEQ_MAX) {
		ix->ceiling = w.ceiling;
		return 0;
	}
	if (fstat(ix->lock_fd, &st) == 0 && st.st_size == 0 && ix->fd < 0)
		return hwm_write(ix, 0);        /* a new folder */
	safe = ix->highest;
	if (safe < MINDEX_MODSEQ_MAX - HWM_MARGIN)
		safe += HWM_MARGIN;
	return hwm_write(ix, safe);
}

/* --- writing ------------------------------------------------------------ */

static int
fsync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, r;

	if (slash == NULL || (size_t)(slash - path) >= sizeof(dir))
		return 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* Trims the expunge log to the limit; the floor moves up past what is
 * dropped (RFC 7162 5.3: keep the highest MODSEQ of expired entries). */
static void
exps_trim(struct mindex *ix)
{
	size_t drop;

	if (ix->nexp <= ix->exp_limit)
		return;
	drop = ix->nexp - ix->exp_limit;
	if (ix->exps[drop - 1].modseq > ix->floor)
		ix->floor = ix->exps[drop - 1].modseq;
	memmove(ix->exps, ix->exps + drop, ix->exp_limit * sizeof(*ix->exps));
	ix->nexp = ix->exp_limit;
}

/* Writes a snapshot of memory (under the lock). */
static int
snapshot_write(struct mindex *ix)
{
	struct disk_hdr h;
	size_t nb, eb;
	struct stat st;
	int fd;

	assert(!ix->body_pending);
	exps_trim(ix);
	nb = ix->n * sizeof(*ix->recs);
	eb = ix->nexp * sizeof(*ix->exps);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, IDX_MAGIC, 8);
	h.version = IDX_VERSION;
	h.uidvalidity = ix->uidvalidity;
	h.highest = ix->highest;
	h.floor = ix->floor;
	h.nrec = (uint32_t)ix->n;
	h.nexp = (uint32_t)ix->nexp;
	h.body_crc = crc(crc(0, ix->recs, nb), ix->exps, eb);
	h.hdr_crc = crc(0, &h, offsetof(struct disk_hdr, hdr_crc));
	fd = open(ix->tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC |
		  O_NOFOLLOW, 0600);
	if (fd < 0) {
		ierr(ix, "cannot create", ix->tmp_path);
		return -1;
	}
	if (pwrite_full(fd, &h, sizeof(h), 0) < 0 ||
	    (nb && pwrite_full(fd, ix->recs, nb, sizeof(h)) < 0) ||
	    (eb && pwrite_full(fd, ix->exps, eb, (off_t)(sizeof(h) + nb)) < 0) ||
	    fsync(fd) < 0 || fstat(fd, &st) < 0) {
		ierr(ix, "cannot write", ix->tmp_path);
		close(fd);
		unlink(ix->tmp_path);
		return -1;
	}
	if (rename(ix->tmp_path, ix->path) < 0) {
		ierr(ix, "cannot rename", ix->tmp_path);
		close(fd);
		unlink(ix->tmp_path);
		return -1;
	}
	fsync_dir(ix->path);
	if (ix->fd >= 0)
		close(ix->fd);
	ix->fd = fd;
	ix->dev = st.st_dev;
	ix->ino = st.st_ino;
	ix->snap_end = ix->end = (off_t)(sizeof(h) + nb + eb);
	ix->file_max = ix->highest;
	ix->file_uidvalidity = ix->uidvalidity;
	ix->damaged = 0;
	return 0;
}

/* Under the lock: up to date, repaired, ours. With body, the tables are
 * read too (an open leaves them to the first call that needs them). */
static int
locked_catch_up(struct mindex *ix, int reset_ok, int body)
{
	if (catch_up(ix) < 0 || hwm_read(ix) < 0)
		return -1;
	if (body)
		(void)body_read(ix);
	if (ix->fd >= 0 && !ix->damaged &&
	    ix->file_uidvalidity != ix->uidvalidity) {
		if (!reset_ok)
			return MINDEX_RESET;
		state_clear(ix);
		ix->damaged = 1;
	}
	if (ix->fd < 0 || ix->damaged) {
		/* Records others reported may be lost: count on from the
		 * ceiling. Older expunges are unknown now. What is
		 * readable is kept. */
		(void)body_read(ix);
		raise_highest(ix, ix->ceiling);
		ix->floor = ix->highest;
		return snapshot_write(ix);
	}
	return 0;
}

/* Under the lock, for a caller holding it across calls (a refresh may
 * have reloaded the file since mindex_lock): the tables read, a damaged
 * body handled as locked_catch_up handles damage. */
static int
locked_body(struct mindex *ix)
{
	if (body_read(ix) == 0)
		return 0;
	raise_highest(ix, ix->ceiling);
	ix->floor = ix->highest;
	return snapshot_write(ix);
}

int
mindex_lock(struct mindex *ix, const char **err_r)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int r;

	if (ix->locked++ > 0)
		return 0;
	while (fcntl(ix->lock_fd, F_SETLKW, &fl) < 0) {
		if (errno != EINTR) {
			*err_r = ierr(ix, "cannot lock", ix->hwm_path);
			ix->locked = 0;
			return -1;
		}
	}
	r = locked_catch_up(ix, 0, 1);
	if (r < 0) {
		if (r == -1)
			*err_r = ix->err;
		else
			*err_r = "the folder's UIDVALIDITY changed";
		mindex_unlock(ix);
		return r;
	}
	return 0;
}

void
mindex_unlock(struct mindex *ix)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	if (ix->locked == 0 || --ix->locked > 0)
		return;
	fcntl(ix->lock_fd, F_SETLK, &fl);
}

/* Lists the changes msgs makes to the records: new and changed messages
 * into set, gone ones (MINDEX_FULL only) into gone, when not NULL.
 * Returns their number; *nset_r gets the first part of it. */
static size_t
diff(const struct mindex *ix, const struct mindex_msg *msgs, size_t n,
     int mode, struct mindex_rec *set, struct mindex_rec *gone,
     size_t *nset_r)
{
	size_t i = 0, j = 0, ns = 0, ng = 0;
	int found;

	/* A partial update (one STORE of one message) starts where its
	 * first UID is, not at the front: a walk from there made STORE
	 * 1:* quadratic. */
	if (mode != MINDEX_FULL && n > 0)
		j = rec_find(ix, msgs[0].uid, &found);
	while (i < n || (j < ix->n && mode == MINDEX_FULL)) {
		const struct mindex_rec *r = j < ix->n ? &ix->recs[j] : NULL;
		uint32_t s;

		if (r != NULL && (i == n || r->uid < msgs[i].uid)) {
			if (mode == MINDEX_FULL && gone != NULL)
				gone[ng] = (struct mindex_rec){ r->uid, 0, 0 };
			ng += mode == MINDEX_FULL;
			j++;
			continue;
		}
		s = mindex_state(msgs[i].flags, msgs[i].keywords);
		if (r == NULL || r->uid != msgs[i].uid || s != r->state) {
			if (set != NULL)
				set[ns] = (struct mindex_rec){ msgs[i].uid, s, 0 };
			ns++;
		}
		if (r != NULL && r->uid == msgs[i].uid)
			j++;
		i++;
	}
	if (nset_r != NULL)
		*nset_r = ns;
	return ns + ng;
}

/* Appends one log record for v[0..n) at the end of buf. */
static size_t
lrec_build(unsigned char *buf, uint32_t type, const struct mindex_rec *v,
	   size_t n, off_t off)
{
	struct disk_lrec h = { LREC_MAGIC, type, (uint32_t)n, 0,
			       (uint64_t)off };

	memcpy(buf + sizeof(h), v, n * sizeof(*v));
	h.crc = lrec_crc(&h, buf + sizeof(h));
	memcpy(buf, &h, sizeof(h));
	return sizeof(h) + n * sizeof(*v);
}

static int
needs_compaction(const struct mindex *ix)
{
	off_t log = ix->end - ix->snap_end;

	return (log > COMPACT_MIN && log > ix->snap_end) ||
	       ix->nexp > ix->exp_limit + ix->exp_limit / 2;
}

/* Under the lock: a change whose log record would be compacted at once
 * (a folder's first sync numbers every message) goes straight into a
 * new snapshot instead, which writes the table once, not twice. v holds
 * nset records to set, then the expunges, MODSEQs given. On failure
 * memory is read back from the file: as if nothing had been applied. */
static int
write_direct(struct mindex *ix, struct mindex_rec **vp, size_t nset,
	     size_t total)
{
	char err[sizeof(ix->err)];
	struct mindex_rec *v = *vp;
	int swept = 0;

	raise_highest(ix, v[total - 1].modseq);
	if (ix->n == 0 && total == nset) {
		/* Nothing recorded yet: v, in UID order, is the table.
		 * Taking it saves copying 100,000 records into fresh
		 * memory. */
		free(ix->recs);
		ix->recs = v;
		ix->n = ix->cap = total;
		*vp = NULL;
	} else {
		if (nset > 0)
			swept |= entries_apply(ix, LREC_SET,
					       (const unsigned char *)v,
					       (uint32_t)nset);
		if (total > nset)
			swept |= entries_apply(ix, LREC_EXPUNGE,
					       (const unsigned char *)(v + nset),
					       (uint32_t)(total - nset));
	}
	if (swept)
		recs_sweep(ix);
	if (snapshot_write(ix) == 0)
		return 0;
	memcpy(err, ix->err, sizeof(err));
	(void)reload(ix);
	memcpy(ix->err, err, sizeof(err));
	return -1;
}

/* Under the lock: gives MODSEQs to the changes and appends them. */
static int
write_changes(struct mindex *ix, const struct mindex_msg *msgs, size_t n,
	      int mode)
{
	size_t nset, total = diff(ix, msgs, n, mode, NULL, NULL, &nset);
	struct mindex_rec *v;
	unsigned char *buf;
	uint64_t next;
	size_t len = 0, used;

	if (total == 0)
		return 0;
	if (ix->highest > MINDEX_MODSEQ_MAX - total) {
		snprintf(ix->err, sizeof(ix->err), "%s: MODSEQ exhausted",
			 ix->path);
		return -1;
	}
	v = xrealloc(NULL, total * sizeof(*v));
	diff(ix, msgs, n, mode, v, v + nset, NULL);
	next = ix->highest;
	for (size_t k = 0; k < total; k++)
		v[k].modseq = ++next;
	/* The ceiling goes to disk before any MODSEQ above it exists. */
	if (next > ix->ceiling) {
		uint64_t c = next + HWM_STEP;
		if (c > MINDEX_MODSEQ_MAX)
			c = MINDEX_MODSEQ_MAX;
		if (hwm_write(ix, c) < 0) {
			free(v);
			return -1;
		}
	}
	len = (nset > 0 ? sizeof(struct disk_lrec) : 0) +
	      (total > nset ? sizeof(struct disk_lrec) : 0) +
	      total * sizeof(*v);
	if (ix->end - ix->snap_end + (off_t)len > COMPACT_MIN &&
	    ix->end - ix->snap_end + (off_t)len > ix->snap_end) {
		int r = write_direct(ix, &v, nset, total);
		free(v);
		return r < 0 ? -1 : (int)(total > (size_t)INT32_MAX ?
					  INT32_MAX : total);
	}
	len = 0;
	buf = xrealloc(NULL, 2 * sizeof(struct disk_lrec) + total * sizeof(*v));
	if (nset > 0)
		len += lrec_build(buf, LREC_SET, v, nset, ix->end);
	if (total > nset)
		len += lrec_build(buf + len, LREC_EXPUNGE, v + nset,
				  total - nset, ix->end + (off_t)len);
	if (pwrite_full(ix->fd, buf, len, ix->end) < 0) {
		ierr(ix, "cannot write", ix->path);
		if (ftruncate(ix->fd, ix->end) < 0)
			ix->damaged = 1;
		free(buf);
		free(v);
		return -1;
	}
	used = log_apply(ix, buf, len, ix->end, 1);
	ix->end += (off_t)used;
	free(buf);
	free(v);
	if (needs_compaction(ix) && snapshot_write(ix) < 0)
		return -1;
	return (int)(total > (size_t)INT32_MAX ? INT32_MAX : total);
}

static int
msgs_sorted(const struct mindex_msg *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (msgs[i].uid == 0 || (i > 0 && msgs[i].uid <= msgs[i - 1].uid))
			return 0;
	return 1;
}

int
mindex_update(struct mindex *ix, const struct mindex_msg *msgs, size_t n,
	      int mode, const char **err_r)
{
	int r;

	if (!msgs_sorted(msgs, n)) {
		*err_r = "mindex_update: messages not in UID order";
		return -1;
	}
	/* Cheap path: nothing differs from what the file says. */
	if (!ix->locked) {
		r = mindex_refresh(ix, err_r);
		if (r < 0)
			return r;
		/* (with no records, any message is a change; a body found
		 * damaged now is repaired under the lock) */
		if (body_read(ix) == 0 && (ix->n > 0 || n == 0) &&
		    diff(ix, msgs, n, mode, NULL, NULL, NULL) == 0)
			return 0;
	}
	r = mindex_lock(ix, err_r);
	if (r < 0)
		return r;
	r = locked_body(ix);
	if (r == 0)
		r = write_changes(ix, msgs, n, mode);
	if (r < 0)
		*err_r = ix->err;
	mindex_unlock(ix);
	return r;
}

int
mindex_refresh(struct mindex *ix, const char **err_r)
{
	if (catch_up(ix) < 0) {
		*err_r = ix->err;
		return -1;
	}
	if (ix->fd >= 0 && !ix->damaged &&
	    ix->file_uidvalidity != ix->uidvalidity) {
		*err_r = "the folder's UIDVALIDITY changed";
		return MINDEX_RESET;
	}
	return 0;
}

int
mindex_compact(struct mindex *ix, const char **err_r)
{
	int r = mindex_lock(ix, err_r);

	if (r < 0)
		return r;
	r = locked_body(ix);
	if (r == 0)
		r = snapshot_write(ix);
	if (r < 0)
		*err_r = ix->err;
	mindex_unlock(ix);
	return r;
}

/* --- opening and queries ------------------------------------------------ */

int
mindex_open(const char *dir, uint32_t uidvalidity, struct mindex **ix_r,
	    const char **err_r)
{
	struct mindex *ix = calloc(1, sizeof(*ix));
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int r;

	if (ix == NULL)
		abort();
	ix->fd = -1;
	ix->uidvalidity = uidvalidity;
	ix->exp_limit = MINDEX_EXPUNGE_MAX;
	ix->path = path_join(dir, "skua.index");
	ix->tmp_path = path_join(dir, "skua.index.tmp");
	ix->hwm_path = path_join(dir, "skua.index.hwm");
	ix->lock_fd = open(ix->hwm_path, O_RDWR | O_CREAT | O_CLOEXEC |
			   O_NOFOLLOW, 0600);
	if (ix->lock_fd < 0) {
		*err_r = ierr(ix, "cannot open", ix->hwm_path);
		goto fail;
	}
	while ((r = fcntl(ix->lock_fd, F_SETLKW, &fl)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		*err_r = ierr(ix, "cannot lock", ix->hwm_path);
		goto fail;
	}
	ix->locked = 1;
	r = locked_catch_up(ix, 1, 0);
	/* Whatever skua.index lost, nothing given out is above this. */
	if (r == 0)
		raise_highest(ix, ix->ceiling);
	mindex_unlock(ix);
	if (r < 0) {
		*err_r = ix->err;
		goto fail;
	}
	*ix_r = ix;
	return 0;
fail:
	{
		/* The message outlives ix, as uidlist_open's does. */
		static char msg[512];
		snprintf(msg, sizeof(msg), "%s", ix->err);
		*err_r = msg;
	}
	mindex_free(&ix);
	return -1;
}

void
mindex_free(struct mindex **ixp)
{
	struct mindex *ix = *ixp;

	if (ix == NULL)
		return;
	if (ix->fd >= 0)
		close(ix->fd);
	if (ix->lock_fd >= 0)
		close(ix->lock_fd);
	free(ix->recs);
	free(ix->exps);
	free(ix->path);
	free(ix->tmp_path);
	free(ix->hwm_path);
	free(ix);
	*ixp = NULL;
}

uint64_t
mindex_highest(const struct mindex *ix)
{
	return ix->highest;
}

/* The queries below read the body at their first call (they take a
 * const handle, as they did when the body was read by the open: the
 * handle is never const itself). A damaged body is handled as an open
 * of a damaged file handles it: empty tables, HIGHESTMODSEQ kept, and
 * a fresh file written under the lock, or by the next writer if the
 * lock cannot be had now. */
static void
body_need(const struct mindex *cix)
{
	struct mindex *ix = (struct mindex *)cix;
	const char *err;

	if (!ix->body_pending)
		return;
	if (ix->locked > 0) {
		(void)locked_body(ix);
		return;
	}
	if (body_read(ix) != 0 && mindex_lock(ix, &err) == 0)
		mindex_unlock(ix);
}

uint64_t
mindex_modseq(const struct mindex *ix, uint32_t uid)
{
	int found;
	size_t i;

	body_need(ix);
	i = rec_find(ix, uid, &found);

	return found ? ix->recs[i].modseq : 0;
}

const struct mindex_rec *
mindex_records(const struct mindex *ix, size_t *n_r)
{
	body_need(ix);
	*n_r = ix->n;
	return ix->recs;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
mindex_expunged_since(const struct mindex *ix, uint64_t since,
		      uint32_t **uids_r, size_t *n_r)
{
	size_t lo, hi, k = 0;
	uint32_t *v = NULL;

	body_need(ix);
	lo = 0;
	hi = ix->nexp;
	/* RFC 7162 5.3: from the tail back to the first entry <= since. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->exps[mid].modseq <= since)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ix->nexp) {
		v = xrealloc(NULL, (ix->nexp - lo) * sizeof(*v));
		for (size_t i = lo; i < ix->nexp; i++)
			v[k++] = ix->exps[i].uid;
		qsort(v, k, sizeof(*v), uid_cmp);
	}
	*uids_r = v;
	*n_r = k;
	return since >= ix->floor;
}

uint64_t
mindex_expunge_floor(const struct mindex *ix)
{
	/* The header's floor, unless the body turns out damaged. */
	body_need(ix);
	return ix->floor;
}

void
mindex_set_expunge_limit(struct mindex *ix, size_t max)
{
	ix->exp_limit = max;
}

size_t
mindex_bytes(const struct mindex *ix)
{
	return (ix->cap + ix->capexp) * sizeof(struct mindex_rec);
}

void
mindex_generation(const struct mindex *ix, struct mindex_gen *g)
{
	memset(g, 0, sizeof(*g));
	/* Nothing good read, or unreadable bytes after it: no generation
	 * (end 0), equal to none. */
	if (ix->fd < 0 || ix->damaged || ix->end == 0)
		return;
	g->dev = (uint64_t)ix->dev;
	g->ino = (uint64_t)ix->ino;
	g->end = (uint64_t)ix->end;
	g->highest = ix->file_max;
}

int
mindex_gen_eq(const struct mindex_gen *a, const struct mindex_gen *b)
{
	return a->end != 0 && a->dev == b->dev && a->ino == b->ino &&
	       a->end == b->end && a->highest == b->highest;
}
