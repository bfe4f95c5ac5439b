/* include/store/snap.h — skua.snap: the message list of one Maildir
 * folder as a full sync last found it, with what it was found from, so
 * that opening the folder while nothing changed maps the list instead
 * of scanning cur/ and reading dovecot-uidlist.
 *
 * The file is a cache, never the truth: the folder (store/folder.c)
 * decides when its stamp still describes the directories and the
 * uidlist, and writes a new file when it does not. A missing, damaged
 * or foreign file only costs one full sync. See src/store/snap.c for
 * the format. */
#ifndef SKUA_STORE_SNAP_H
#define SKUA_STORE_SNAP_H

#include <stddef.h>
#include <stdint.h>

#include "store/folder.h"

/* What a list was made from: the mtimes of cur/ and new/ taken before
 * the scan, the identity of the dovecot-uidlist it was matched with,
 * and the generation of skua.index just after the index was brought in
 * step with it (store/mindex.h: mindex_generation). */
struct snap_stamp {
	int64_t cur_sec, cur_nsec;
	int64_t new_sec, new_nsec;
	uint64_t ul_dev, ul_ino, ul_size;
	int64_t ul_sec, ul_nsec;
	uint64_t ix_dev, ix_ino, ix_end, ix_highest;
};

struct snap_info {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t n;             /* messages */
	char guid[33];          /* the uidlist's mailbox GUID, or "" */
	struct snap_stamp stamp;
};

/* 1 when a and b are the same stamp apart from the index's part. */
int  snap_stamp_dirs_eq(const struct snap_stamp *a,
			const struct snap_stamp *b);

/* Writes dir/skua.snap: msgs[0..n) (UID order, none with a name the
 * folder keeps) with info, through skua.snap.tmp, fdatasync'd before
 * the rename so that a crash leaves the old file or the whole new one.
 * \Recent is not written: it belongs to a session. Returns 0, or -1
 * with errno (the old file, if any, stays). */
int  snap_write(const char *dir, const struct snap_info *info,
		const struct store_msg *msgs, size_t n);

/* Opens dir/skua.snap and reads its header: 0 with *info_r and *fd_r
 * when it checks out, -1 when it is missing, short, damaged or written
 * by another layout of struct store_msg. */
int  snap_open(const char *dir, struct snap_info *info_r, int *fd_r);
/* Maps the list of an open snapshot privately: the pages are the
 * file's until written, so sessions of one folder share those they
 * only read, and what is written (\Recent, flag changes) stays the
 * process's. Returns the messages with *len_r (for snap_unmap), or
 * NULL when the file does not hold them all. */
struct store_msg *snap_map(int fd, const struct snap_info *info,
			   size_t *len_r);
void snap_unmap(struct store_msg *msgs, size_t len);

#endif
