/* include/store/mcache.h — skua.cache: per-message metadata of one
 * folder (sizes, internal date, header length, and opaque blobs from the
 * mail layer: ENVELOPE, BODYSTRUCTURE, cache_blob), so that a warm FETCH
 * opens no message file.
 *
 * Disposable: a record that fails a check is a miss, a file that fails
 * one is started afresh; the caller then parses the message and puts the
 * record again. Records are appended under a lock; readers need none.
 * See src/store/mcache.c. */
#ifndef SKUA_STORE_MCACHE_H
#define SKUA_STORE_MCACHE_H

#include <stddef.h>
#include <stdint.h>

/* Blob types; the cache does not look inside. */
#define MCACHE_ENVELOPE       1
#define MCACHE_BODYSTRUCTURE  2
#define MCACHE_BODY           3
#define MCACHE_PARTS          4         /* include/mail/cache_blob.h */
#define MCACHE_PREVIEW        5         /* RFC 8970 text, include/mail/preview.h */
#define MCACHE_KEY            6         /* the file's base name: whose record */
#define MCACHE_ENVHDR         7         /* the header fields ENVELOPE reads */
#define MCACHE_MAX_BLOBS      8
#define MCACHE_MAX_BLOB       (16u << 20)

struct mcache_blob {
	uint32_t type;
	const unsigned char *data;
	size_t len;
};

/* A vsize not known (the writer read only the header). */
#define MCACHE_UNKNOWN        UINT64_MAX

struct mcache_entry {
	uint64_t psize;         /* bytes on disk */
	uint64_t vsize;         /* RFC822.SIZE: with CRLF line ends, or
				 * MCACHE_UNKNOWN */
	int64_t idate;          /* internal date, seconds since the epoch */
	uint32_t hdr_len;       /* bytes of the header block, blank line too */
	size_t nblobs;
	struct mcache_blob blobs[MCACHE_MAX_BLOBS];
};

struct mcache;

/* Opens (creating when missing, restarting when it belongs to another
 * UIDVALIDITY or fails its header check) dir/skua.cache. A file that
 * may be read but not written (a read-only folder, another owner) is
 * opened for reading: lookups work and puts fail. Returns 0, or -1 with
 * *err_r (no file and none can be made). */
int  mcache_open(const char *dir, uint32_t uidvalidity, struct mcache **c_r,
		 const char **err_r);
/* Flushes what is queued (errors ignored), closes, sets *c to NULL. */
void mcache_free(struct mcache **c);
/* Catches up with the file as other processes left it (records they
 * appended, a new file after a compaction, a file that is missing or
 * not ours written anew, as mcache_open does): the way to keep c open
 * from one command to the next. Returns 0, or -1 with *err_r. */
int  mcache_refresh(struct mcache *c, const char **err_r);

/* Looks uid up: 1 and *e filled (blob data point into the file's
 * mapping, valid until the next call on c), or 0 when there is no good
 * record. O(log n). */
int  mcache_get(struct mcache *c, uint32_t uid, struct mcache_entry *e);
/* The same without looking for records others added since the file
 * was last read: no system call, for a pass over many messages. */
int  mcache_peek(struct mcache *c, uint32_t uid, struct mcache_entry *e);
/* The blob of type in e, or NULL. */
const struct mcache_blob *mcache_blob(const struct mcache_entry *e,
				      uint32_t type);
/* Appends a record for uid (replacing an older one). Returns 0, or -1
 * with *err_r. */
int  mcache_put(struct mcache *c, uint32_t uid, const struct mcache_entry *e,
		const char **err_r);
/* Like mcache_put, but the record waits in memory and goes to the file
 * with the others at the next mcache_flush (or when many wait), in one
 * write under one lock: the way to put a record per message of a large
 * folder. A queued record is not yet seen by mcache_get. */
int  mcache_queue(struct mcache *c, uint32_t uid, const struct mcache_entry *e,
		  const char **err_r);
/* Writes the queued records. Returns 0 (also with none), or -1 with
 * *err_r; the queue is emptied either way (the cache is disposable). */
int  mcache_flush(struct mcache *c, const char **err_r);
/* 1 when the file was opened for reading only. */
int  mcache_readonly(const struct mcache *c);
/* With live the folder's UIDs (sorted), rewrites the file without the
 * records of other UIDs and damaged bytes when those are more than half
 * of it (always, with force). Returns 1 when it did, 0 when not needed,
 * -1 with *err_r. */
int  mcache_compact(struct mcache *c, const uint32_t *live, size_t n,
		    int force, const char **err_r);
/* Number of UIDs with a record (good or not yet checked). */
size_t mcache_count(const struct mcache *c);

#endif
