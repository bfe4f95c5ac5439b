/* src/store/snap.c — skua.snap, the mapped message list of a folder.
 *
 * Why. Opening a 100,000-message folder means listing cur/ and parsing
 * a 5 MB dovecot-uidlist to learn what a session that opened it a
 * minute ago already knew, and keeping 100 bytes a message of it for
 * the session's life. When neither directory nor the uidlist changed
 * since a full sync, that sync's result is still the folder: a file
 * holding it can be mapped in well under a millisecond, and every
 * session of the folder shares the pages it only reads.
 *
 * Format (native byte order and layout: the file never leaves the
 * machine; another layout fails the checks):
 *   header, padded to body_off (a multiple of the page size):
 *     magic "skuasnp1", version, record size, a probe record with
 *     known values (so that another bit-field layout of struct
 *     store_msg is refused, not misread), UIDVALIDITY, UIDNEXT, count,
 *     the stamp, the first and last UID, CRC32 of the header;
 *   body: count records, struct store_msg as in memory, \Recent and
 *     the kept-name bit clear.
 *
 * Writers. A file is never changed once it has its name: it is written
 * as skua.snap.tmp and renamed over, so a mapping never sees it move or
 * shrink. Two writers at once share the one temporary name under flock
 * (the loser gives up: the winner writes the same thing), and the
 * winner checks that the file it locked is still the one under that
 * name before emptying it, so a renamed snapshot is never written to.
 * The data is fdatasync'd before the rename: after a crash the name
 * holds the old file or the whole new one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "store/snap.h"

#define SNAP_MAGIC   "skuasnp1"
#define SNAP_VERSION 1
#define SNAP_NAME    "skua.snap"
#define SNAP_TMP     "skua.snap.tmp"
#define MAX_COUNT    ((uint64_t)1 << 28)
#define CHUNK        4096       /* records copied per write */

struct disk_snap {
	char magic[8];
	uint32_t version;
	uint32_t rec_size;
	struct store_msg probe;
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t n;
	uint64_t body_off;
	char guid[40];
	struct snap_stamp stamp;
	uint32_t first_uid, last_uid;
	uint32_t pad;
	uint32_t hdr_crc;       /* of the bytes before it */
};

static size_t
page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

static struct store_msg
probe_record(void)
{
	struct store_msg m;

	memset(&m, 0, sizeof(m));
	m.uid = 0x01020304u;
	m.keywords = 0x05060708u;
	m.vsize = 0x0a0b0c0d0e0fLL;
	m.flags = 0x11;
	m.size = 0x121314151617LL;
	return m;
}

static uint32_t
hdr_crc(const struct disk_snap *h)
{
	return (uint32_t)crc32(0, (const void *)h,
			       (uInt)offsetof(struct disk_snap, hdr_crc));
}

int
snap_stamp_dirs_eq(const struct snap_stamp *a, const struct snap_stamp *b)
{
	return a->cur_sec == b->cur_sec && a->cur_nsec == b->cur_nsec &&
	       a->new_sec == b->new_sec && a->new_nsec == b->new_nsec &&
	       a->ul_dev == b->ul_dev && a->ul_ino == b->ul_ino &&
	       a->ul_size == b->ul_size && a->ul_sec == b->ul_sec &&
	       a->ul_nsec == b->ul_nsec;
}

static void
header_make(struct disk_snap *h, const struct snap_info *info,
	    const struct store_msg *msgs, size_t n)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, SNAP_MAGIC, sizeof(h->magic));
	h->version = SNAP_VERSION;
	h->rec_size = sizeof(struct store_msg);
	h->probe = probe_record();
	h->uidvalidity = info->uidvalidity;
	h->uidnext = info->uidnext;
	h->n = n;
	memcpy(h->guid, info->guid, sizeof(info->guid));
	h->guid[sizeof(info->guid) - 1] = '\0';
	h->body_off = (sizeof(*h) + page_size() - 1) / page_size() *
		      page_size();
	h->stamp = info->stamp;
	h->first_uid = n > 0 ? msgs[0].uid : 0;
	h->last_uid = n > 0 ? msgs[n - 1].uid : 0;
	h->hdr_crc = hdr_crc(h);
}

static int
write_all(int fd, const void *p, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t w = pwrite(fd, p, len, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p = (const char *)p + w;
		len -= (size_t)w;
		off += w;
	}
	return 0;
}

/* The records without what belongs to one session. */
static int
write_body(int fd, off_t off, const struct store_msg *msgs, size_t n)
{
	struct store_msg *buf = malloc(CHUNK * sizeof(*buf));
	int r = 0;

	if (buf == NULL)
		return -1;
	for (size_t i = 0; i < n && r == 0; i += CHUNK) {
		size_t k = n - i < CHUNK ? n - i : CHUNK;

		memcpy(buf, msgs + i, k * sizeof(*buf));
		for (size_t j = 0; j < k; j++)
			buf[j].recent = 0;
		r = write_all(fd, buf, k * sizeof(*buf), off);
		off += (off_t)(k * sizeof(*buf));
	}
	free(buf);
	return r;
}

/* Opens the temporary file for this writer alone, or -1 (errno EBUSY
 * when another writer has it). */
static int
tmp_take(const char *tmp)
{
	struct stat a, b;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &a) < 0 ||
	    stat(tmp, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev ||
	    ftruncate(fd, 0) < 0) {
		close(fd);
		errno = EBUSY;
		return -1;
	}
	return fd;
}

int
snap_write(const char *dir, const struct snap_info *info,
	   const struct store_msg *msgs, size_t n)
{
	char path[4200], tmp[4200];
	struct disk_snap h;
	int fd, e;

	if ((uint64_t)n > MAX_COUNT) {
		errno = EFBIG;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/" SNAP_NAME, dir);
	snprintf(tmp, sizeof(tmp), "%s/" SNAP_TMP, dir);
	if ((fd = tmp_take(tmp)) < 0)
		return -1;
	header_make(&h, info, msgs, n);
	if (write_all(fd, &h, sizeof(h), 0) < 0 ||
	    write_body(fd, (off_t)h.body_off, msgs, n) < 0 ||
	    ftruncate(fd, (off_t)(h.body_off + n * sizeof(*msgs))) < 0 ||
	    fdatasync(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);              /* drops the lock, after the rename */
	return 0;
}

static int
header_ok(const struct disk_snap *h, off_t size)
{
	struct store_msg probe = probe_record();

	return memcmp(h->magic, SNAP_MAGIC, sizeof(h->magic)) == 0 &&
	       h->version == SNAP_VERSION &&
	       h->rec_size == sizeof(struct store_msg) &&
	       memcmp(&h->probe, &probe, sizeof(probe)) == 0 &&
	       h->hdr_crc == hdr_crc(h) && h->n <= MAX_COUNT &&
	       h->body_off >= sizeof(*h) && h->body_off % page_size() == 0 &&
	       (uint64_t)size == h->body_off + h->n * h->rec_size;
}

int
snap_open(const char *dir, struct snap_info *info_r, int *fd_r)
{
	char path[4200];
	struct disk_snap h;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/" SNAP_NAME, dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    !header_ok(&h, st.st_size)) {
		close(fd);
		return -1;
	}
	info_r->uidvalidity = h.uidvalidity;
	info_r->uidnext = h.uidnext;
	info_r->n = h.n;
	memcpy(info_r->guid, h.guid, sizeof(info_r->guid));
	info_r->guid[sizeof(info_r->guid) - 1] = '\0';
	info_r->stamp = h.stamp;
	*fd_r = fd;
	return 0;
}

struct store_msg *
snap_map(int fd, const struct snap_info *info, size_t *len_r)
{
	struct disk_snap h;
	struct store_msg *m;
	size_t len = (size_t)info->n * sizeof(*m);
	void *p;

	if (info->n == 0 || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
		 (off_t)h.body_off);
	if (p == MAP_FAILED)
		return NULL;
	m = p;
	/* Two pages of the body against the header: a file whose body is
	 * not the one its header was written with is refused. */
	if (m[0].uid != h.first_uid || m[info->n - 1].uid != h.last_uid ||
	    m[0].uid == 0 || m[0].uid > m[info->n - 1].uid ||
	    h.last_uid >= h.uidnext) {
		munmap(p, len);
		return NULL;
	}
	*len_r = len;
	return m;
}

void
snap_unmap(struct store_msg *msgs, size_t len)
{
	if (msgs != NULL && len > 0)
		munmap(msgs, len);
}
