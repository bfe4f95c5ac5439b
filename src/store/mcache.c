/* src/store/mcache.c — skua.cache, a disposable per-message cache.
 *
 * The problem. A warm FETCH of sizes, dates, ENVELOPE or BODYSTRUCTURE
 * should read no message file, so the parse results are kept on disk.
 * Many processes of the user append to the same file at once and any
 * may be killed mid-write; a reader must never crash or believe a torn
 * record, and opening 100,000 records must be quick.
 *
 * The file. A 32-byte header (magic "skuacch1", version, UIDVALIDITY,
 * CRC), then records, each 8-byte aligned:
 *     magic, len (whole record), uid, hcrc, bcrc, 0       24 bytes
 *     psize, vsize, idate, hdr_len, nblobs                 32 bytes
 *     nblobs x { type, len, bytes, padding to 8 }
 * hcrc covers the record's file offset and magic, len, uid: a header
 * that checks out is where it was written, so the walk can trust len.
 * bcrc covers the rest and is checked when the record is used, not at
 * open: opening maps the file and walks the headers only, building a
 * sorted (uid, offset) array; a later record for a UID wins.
 *
 * Damage. A header that does not check out is skipped 8 bytes at a time
 * until one does, so a bad record costs only itself. A header whose len
 * runs past the end is a record still being written, and the walk waits
 * there. A writer holds an fcntl lock on the file; if under the lock the
 * tail still ends in such a record, its writer died, and the header's
 * magic is zeroed so that the walk skips it. Nothing is ever truncated
 * (another reader's mapping would fault); compaction writes a new file
 * and renames it, and a writer that finds a new inode after taking the
 * lock starts over with it. Any doubt about a record is a miss. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "store/mcache.h"
#include "util/xalloc.h"

#define CACHE_MAGIC     "skuacch1"
#define CACHE_VERSION   1
#define REC_MAGIC       0x534b4352u
#define COMPACT_MIN     65536
/* Queued bytes that force a flush. Small enough that the queue's pages
 * stay few and warm (every fresh page is a fault, and a fault is dear
 * under virtualisation), large enough that a flush (a dozen system
 * calls) is rare: about 500 records of an ENVELOPE and BODYSTRUCTURE. */
#define QUEUE_MAX       (512u << 10)

struct disk_hdr {
	char magic[8];
	uint32_t version;
	uint32_t uidvalidity;
	uint32_t pad[3];
	uint32_t crc;
};

struct disk_rec {
	uint32_t magic;
	uint32_t len;
	uint32_t uid;
	uint32_t hcrc;
	uint32_t bcrc;
	uint32_t pad;
};

struct disk_fixed {
	uint64_t psize;
	uint64_t vsize;
	int64_t idate;
	uint32_t hdr_len;
	uint32_t nblobs;
};

struct disk_blob {
	uint32_t type;
	uint32_t len;
};

struct slot {
	uint32_t uid;
	uint32_t len;
	uint64_t off;
};

struct mcache {
	char *path, *tmp_path;
	uint32_t uidvalidity;
	int fd;
	dev_t dev;
	ino_t ino;
	const unsigned char *map;
	size_t map_len;
	size_t walked;          /* headers read up to here */
	size_t dead;            /* bytes skipped or superseded */
	struct slot *slots;
	size_t n, cap;
	int sorted;
	int missing;            /* no file at the last load */
	int readonly;           /* opened for reading only */
	unsigned char *pend;    /* queued records (mcache_queue) */
	size_t pend_len, pend_cap;
	char err[512];
};

#define MIN_REC (sizeof(struct disk_rec) + sizeof(struct disk_fixed))

static const char *
cerr(struct mcache *c, const char *what, const char *path)
{
	if (snprintf(c->err, sizeof(c->err), "%s %s: %s", what, path,
		     strerror(errno)) >= (int)sizeof(c->err))
		c->err[sizeof(c->err) - 1] = '\0';
	return c->err;
}

static uint32_t
hdr_crc(const struct disk_rec *r, uint64_t off)
{
	uint32_t v = (uint32_t)crc32(0, (const void *)&off, sizeof(off));

	return (uint32_t)crc32(v, (const void *)r,
			       offsetof(struct disk_rec, hcrc));
}

static size_t
pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* --- mapping and walking ------------------------------------------------ */

static void
unmap(struct mcache *c)
{
	if (c->map != NULL)
		munmap((void *)c->map, c->map_len);
	c->map = NULL;
	c->map_len = 0;
}

static void
forget(struct mcache *c)
{
	unmap(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->n = 0;
	c->walked = 0;
	c->dead = 0;
	c->sorted = 1;
}

static int
slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Sorts the slots and keeps the last record of each UID. */
static void
slots_settle(struct mcache *c)
{
	size_t k = 0;

	if (c->sorted)
		return;
	qsort(c->slots, c->n, sizeof(*c->slots), slot_cmp);
	for (size_t i = 0; i < c->n; i++) {
		if (k > 0 && c->slots[k - 1].uid == c->slots[i].uid) {
			c->dead += c->slots[k - 1].len;
			c->slots[k - 1] = c->slots[i];
		} else {
			c->slots[k++] = c->slots[i];
		}
	}
	c->n = k;
	c->sorted = 1;
}

static void
slot_add(struct mcache *c, uint32_t uid, uint32_t len, uint64_t off)
{
	if (c->n > 0 && c->slots[c->n - 1].uid == uid) {
		c->dead += c->slots[c->n - 1].len;
		c->slots[c->n - 1].len = len;
		c->slots[c->n - 1].off = off;
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->slots = xrealloc(c->slots, c->cap * sizeof(*c->slots));
	}
	if (c->n > 0 && c->slots[c->n - 1].uid > uid)
		c->sorted = 0;
	c->slots[c->n++] = (struct slot){ uid, len, off };
}

/* Reads record headers from c->walked to the end of the mapping. Stops
 * at a record that runs past the end (still being written, or torn) or
 * at a header cut short, leaving c->walked there. */
static void
walk(struct mcache *c)
{
	size_t pos = c->walked;

	while (c->map_len - pos >= sizeof(struct disk_rec)) {
		struct disk_rec r;

		memcpy(&r, c->map + pos, sizeof(r));
		if (r.magic != REC_MAGIC || r.len < MIN_REC || r.len % 8 != 0 ||
		    r.uid == 0 || hdr_crc(&r, pos) != r.hcrc) {
			pos += 8;
			c->dead += 8;
			continue;
		}
		if (r.len > c->map_len - pos)
			break;
		slot_add(c, r.uid, r.len, pos);
		pos += r.len;
	}
	c->walked = pos;
	slots_settle(c);
}

/* Maps size bytes of the file. A whole file is read by the walk, which
 * touches a header in every page: with populate all are mapped at once
 * rather than faulted in one by one. A file that grew keeps the pages
 * already mapped (mremap), so that following one's own appends does not
 * map the whole file again each time. */
static int
map_file(struct mcache *c, size_t size, int populate)
{
	if (!populate && c->map != NULL && size > c->map_len) {
		void *m = mremap((void *)c->map, c->map_len, size,
				 MREMAP_MAYMOVE);

		if (m != MAP_FAILED) {
			c->map = m;
			c->map_len = size;
			return 0;
		}
	}
	unmap(c);
	if (size == 0)
		return 0;
	c->map = mmap(NULL, size, PROT_READ,
		      MAP_SHARED | (populate ? MAP_POPULATE : 0), c->fd, 0);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		cerr(c, "cannot map", c->path);
		return -1;
	}
	c->map_len = size;
	return 0;
}

static int
hdr_ok(const struct mcache *c)
{
	struct disk_hdr h;

	if (c->map_len < sizeof(h))
		return 0;
	memcpy(&h, c->map, sizeof(h));
	return memcmp(h.magic, CACHE_MAGIC, 8) == 0 &&
	       h.version == CACHE_VERSION && h.uidvalidity == c->uidvalidity &&
	       (uint32_t)crc32(0, (const void *)&h,
			       offsetof(struct disk_hdr, crc)) == h.crc;
}

/* Opens the file and walks it. 0, 1 when it is missing or not ours (to
 * be written anew), -1 on error. */
static int
load(struct mcache *c)
{
	struct stat st;

	forget(c);
	c->missing = 0;
	c->fd = open(c->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	c->readonly = 0;
	if (c->fd < 0 && (errno == EACCES || errno == EROFS ||
			  errno == EPERM)) {
		/* Readable, not writable: serve hits, put nothing. */
		c->fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		c->readonly = c->fd >= 0;
	}
	if (c->fd < 0) {
		c->missing = errno == ENOENT;
		if (c->missing)
			return 1;
		cerr(c, "cannot open", c->path);
		return -1;
	}
	if (fstat(c->fd, &st) < 0) {
		cerr(c, "cannot stat", c->path);
		return -1;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (map_file(c, (size_t)st.st_size, 1) < 0)
		return -1;
	if (!hdr_ok(c))
		return 1;
	c->walked = sizeof(struct disk_hdr);
	walk(c);
	return 0;
}

/* Follows the file: a new inode means a new file, a longer one new
 * records. Returns 0, 1 when the file needs writing anew, -1. */
static int
refresh(struct mcache *c)
{
	struct stat st;

	if (c->fd < 0 || stat(c->path, &st) < 0 ||
	    st.st_dev != c->dev ||
	    st.st_ino != c->ino)
		return load(c);
	if (fstat(c->fd, &st) < 0) {
		cerr(c, "cannot stat", c->path);
		return -1;
	}
	/* Sizes first: a page of the mapping past the end of a file cut
	 * short by hand would fault. */
	if ((size_t)st.st_size < c->map_len || !hdr_ok(c))
		return load(c);         /* shrunk or changed: start over */
	if ((size_t)st.st_size == c->map_len)
		return 0;
	if (map_file(c, (size_t)st.st_size, 0) < 0)
		return -1;
	if (!hdr_ok(c))
		return 1;
	walk(c);
	return 0;
}

/* --- writing ------------------------------------------------------------ */

/* Writes a new file with the records of live (all when NULL), through
 * a temporary file and rename. The cache is disposable, so no fsync. */
static int
rewrite(struct mcache *c, const uint32_t *live, size_t nlive)
{
	struct disk_hdr h;
	FILE *fp;
	int fd, ok;
	size_t j = 0;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CACHE_MAGIC, 8);
	h.version = CACHE_VERSION;
	h.uidvalidity = c->uidvalidity;
	h.crc = (uint32_t)crc32(0, (const void *)&h,
				offsetof(struct disk_hdr, crc));
	fd = open(c->tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC |
		  O_NOFOLLOW, 0600);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		cerr(c, "cannot create", c->tmp_path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ok = fwrite(&h, sizeof(h), 1, fp) == 1;
	for (size_t i = 0; ok && live != NULL && i < c->n; i++) {
		const struct slot *s = &c->slots[i];
		struct disk_rec r;
		struct mcache_entry e;
		uint64_t off = (uint64_t)ftello(fp);

		while (j < nlive && live[j] < s->uid)
			j++;
		if (j == nlive || live[j] != s->uid ||
		    mcache_get(c, s->uid, &e) != 1)
			continue;
		memcpy(&r, c->map + s->off, sizeof(r));
		r.hcrc = hdr_crc(&r, off);
		ok = fwrite(&r, sizeof(r), 1, fp) == 1 &&
		     fwrite(c->map + s->off + sizeof(r), r.len - sizeof(r), 1,
			    fp) == 1;
	}
	if (fclose(fp) != 0)
		ok = 0;
	/* A missing file is created with link(), so that of two processes
	 * starting it at once the second takes the first one's file instead
	 * of replacing it (and the records put in it meanwhile). */
	if (ok && live == NULL && c->missing) {
		if (link(c->tmp_path, c->path) < 0 && errno != EEXIST)
			ok = 0;
		unlink(c->tmp_path);
	} else if (ok && rename(c->tmp_path, c->path) < 0) {
		ok = 0;
	}
	if (!ok) {
		cerr(c, "cannot write", c->tmp_path);
		unlink(c->tmp_path);
		return -1;
	}
	return load(c) < 0 ? -1 : 0;
}

static int
lock_fd(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	while (fcntl(fd, type == F_UNLCK ? F_SETLK : F_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Takes the lock on the current file, writing one first when there is
 * none or it is not ours. Returns 0 with the lock held, or -1. */
static int
lock_current(struct mcache *c)
{
	if (c->readonly) {
		snprintf(c->err, sizeof(c->err), "%s is read-only", c->path);
		return -1;
	}
	for (int tries = 0; tries < 100; tries++) {
		struct stat st;
		int r = refresh(c);

		if (r < 0)
			return -1;
		if (r == 1) {
			/* Whoever writes the fresh file: renames are atomic,
			 * the last one wins and all are empty. */
			if (rewrite(c, NULL, 0) < 0)
				return -1;
			continue;
		}
		if (lock_fd(c->fd, F_WRLCK) < 0) {
			cerr(c, "cannot lock", c->path);
			return -1;
		}
		/* Others appended while we waited: read up to the end. */
		int fd = c->fd;
		if (stat(c->path, &st) == 0 && st.st_dev == c->dev &&
		    st.st_ino == c->ino && refresh(c) == 0 && c->fd == fd)
			return 0;
		if (c->fd != fd)
			continue;       /* reopened: the lock went with it */
		lock_fd(c->fd, F_UNLCK);
	}
	snprintf(c->err, sizeof(c->err), "%s keeps changing", c->path);
	return -1;
}

/* Appends the encoded record of uid to the queue; its hcrc, which
 * covers the file offset, is set when it is written. */
static int
encode(struct mcache *c, uint32_t uid, const struct mcache_entry *e,
       const char **err_r)
{
	struct disk_rec r = { REC_MAGIC, 0, uid, 0, 0, 0 };
	struct disk_fixed f = { e->psize, e->vsize, e->idate, e->hdr_len,
				(uint32_t)e->nblobs };
	size_t len = sizeof(r) + sizeof(f), pos;
	unsigned char *buf;

	if (uid == 0 || e->nblobs > MCACHE_MAX_BLOBS) {
		*err_r = "mcache_put: bad record";
		return -1;
	}
	for (size_t i = 0; i < e->nblobs; i++) {
		if (e->blobs[i].len > MCACHE_MAX_BLOB) {
			*err_r = "mcache_put: blob too large";
			return -1;
		}
		len += sizeof(struct disk_blob) + pad8(e->blobs[i].len);
	}
	if (c->pend_len + len > c->pend_cap) {
		size_t cap = c->pend_cap ? c->pend_cap : QUEUE_MAX + 65536;
		while (cap < c->pend_len + len)
			cap *= 2;
		c->pend = xrealloc(c->pend, cap);
		c->pend_cap = cap;
	}
	buf = c->pend + c->pend_len;
	pos = sizeof(r);
	memcpy(buf + pos, &f, sizeof(f));
	pos += sizeof(f);
	for (size_t i = 0; i < e->nblobs; i++) {
		struct disk_blob b = { e->blobs[i].type,
				       (uint32_t)e->blobs[i].len };
		memcpy(buf + pos, &b, sizeof(b));
		if (b.len > 0)
			memcpy(buf + pos + sizeof(b), e->blobs[i].data, b.len);
		/* Padding is zero, so that the CRC is of known bytes. */
		memset(buf + pos + sizeof(b) + b.len, 0, pad8(b.len) - b.len);
		pos += sizeof(b) + pad8(b.len);
	}
	r.len = (uint32_t)len;
	r.bcrc = (uint32_t)crc32(0, buf + sizeof(r), (uInt)(len - sizeof(r)));
	memcpy(buf, &r, sizeof(r));
	c->pend_len += len;
	return 0;
}

int
mcache_flush(struct mcache *c, const char **err_r)
{
	struct stat st;
	off_t off;

	if (c->pend_len == 0)
		return 0;
	if (c->readonly) {
		c->pend_len = 0;
		snprintf(c->err, sizeof(c->err), "%s is read-only", c->path);
		*err_r = c->err;
		return -1;
	}
	if (lock_current(c) < 0) {
		c->pend_len = 0;
		*err_r = c->err;
		return -1;
	}
	/* Under the lock nobody writes: bytes after the last record are a
	 * record torn by a killed writer. Zeroing its header makes walks
	 * skip it rather than take its length over our records. */
	walk(c);
	if (fstat(c->fd, &st) < 0)
		goto fail;
	if (c->walked < (size_t)st.st_size) {
		static const unsigned char zero[sizeof(struct disk_rec)];
		size_t n = (size_t)st.st_size - c->walked;
		if (n > sizeof(zero))
			n = sizeof(zero);
		if (pwrite(c->fd, zero, n, (off_t)c->walked) != (ssize_t)n)
			goto fail;
	}
	off = (off_t)pad8((size_t)st.st_size);
	for (size_t pos = 0; pos < c->pend_len;) {
		struct disk_rec r;

		memcpy(&r, c->pend + pos, sizeof(r));
		r.hcrc = hdr_crc(&r, (uint64_t)off + pos);
		memcpy(c->pend + pos, &r, sizeof(r));
		pos += r.len;
	}
	if (pwrite(c->fd, c->pend, c->pend_len, off) != (ssize_t)c->pend_len)
		goto fail;
	lock_fd(c->fd, F_UNLCK);
	c->pend_len = 0;
	return refresh(c) < 0 ? (*err_r = c->err, -1) : 0;
fail:
	cerr(c, "cannot write", c->path);
	lock_fd(c->fd, F_UNLCK);
	c->pend_len = 0;
	*err_r = c->err;
	return -1;
}

int
mcache_queue(struct mcache *c, uint32_t uid, const struct mcache_entry *e,
	     const char **err_r)
{
	if (encode(c, uid, e, err_r) < 0)
		return -1;
	return c->pend_len >= QUEUE_MAX ? mcache_flush(c, err_r) : 0;
}

int
mcache_put(struct mcache *c, uint32_t uid, const struct mcache_entry *e,
	   const char **err_r)
{
	if (encode(c, uid, e, err_r) < 0)
		return -1;
	return mcache_flush(c, err_r);
}

int
mcache_readonly(const struct mcache *c)
{
	return c->readonly;
}

int
mcache_compact(struct mcache *c, const uint32_t *live, size_t n, int force,
	       const char **err_r)
{
	size_t j = 0, used = sizeof(struct disk_hdr);
	int r;

	for (size_t i = 0; i < c->n; i++) {
		while (j < n && live[j] < c->slots[i].uid)
			j++;
		if (j < n && live[j] == c->slots[i].uid)
			used += c->slots[i].len;
	}
	if (!force && (c->map_len < COMPACT_MIN || used * 2 > c->map_len))
		return 0;
	if (lock_current(c) < 0) {
		*err_r = c->err;
		return -1;
	}
	/* The lock is on the old file; the rename ends its life. */
	r = rewrite(c, live, n);
	if (r < 0)
		*err_r = c->err;
	return r < 0 ? -1 : 1;
}

/* --- opening and reading ------------------------------------------------- */

/* After load or refresh returned r: a file that is missing or not ours
 * (r == 1) is written anew, empty. Returns 0, or -1 with c->err. */
static int
settle(struct mcache *c, int r)
{
	if (r == 1) {
		/* refresh keeps the slots of a file it finds replaced by
		 * one that is not ours; start from nothing. */
		forget(c);
		if (lock_current(c) == 0) {
			lock_fd(c->fd, F_UNLCK);
			r = 0;
		}
	}
	return r == 0 ? 0 : -1;
}

int
mcache_open(const char *dir, uint32_t uidvalidity, struct mcache **c_r,
	    const char **err_r)
{
	struct mcache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		abort();
	c->fd = -1;
	c->sorted = 1;
	c->uidvalidity = uidvalidity;
	c->path = path_join(dir, "skua.cache");
	{
		/* Per process: a fresh file is written before any lock. */
		char name[64];
		snprintf(name, sizeof(name), "skua.cache.tmp.%ld",
			 (long)getpid());
		c->tmp_path = path_join(dir, name);
	}
	if (settle(c, load(c)) < 0) {
		static char msg[512];
		snprintf(msg, sizeof(msg), "%s", c->err);
		*err_r = msg;
		mcache_free(&c);
		return -1;
	}
	*c_r = c;
	return 0;
}

int
mcache_refresh(struct mcache *c, const char **err_r)
{
	if (settle(c, refresh(c)) < 0) {
		*err_r = c->err;
		return -1;
	}
	return 0;
}

void
mcache_free(struct mcache **cp)
{
	struct mcache *c = *cp;

	if (c == NULL)
		return;
	if (c->pend_len > 0) {
		const char *err;
		(void)mcache_flush(c, &err);
	}
	forget(c);
	free(c->pend);
	free(c->slots);
	free(c->path);
	free(c->tmp_path);
	free(c);
	*cp = NULL;
}

static const struct slot *
slot_find(const struct mcache *c, uint32_t uid)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->slots[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->n && c->slots[lo].uid == uid ? &c->slots[lo] : NULL;
}

/* Checks the record at s and fills e. 1 when good, 0 when not. */
static int
decode(const struct mcache *c, const struct slot *s, struct mcache_entry *e)
{
	const unsigned char *p = c->map + s->off;
	struct disk_rec r;
	struct disk_fixed f;
	size_t pos;

	if (s->off + s->len > c->map_len)
		return 0;
	memcpy(&r, p, sizeof(r));
	if (r.len != s->len ||
	    (uint32_t)crc32(0, p + sizeof(r), (uInt)(r.len - sizeof(r))) !=
	    r.bcrc)
		return 0;
	memcpy(&f, p + sizeof(r), sizeof(f));
	if (f.nblobs > MCACHE_MAX_BLOBS)
		return 0;
	e->psize = f.psize;
	e->vsize = f.vsize;
	e->idate = f.idate;
	e->hdr_len = f.hdr_len;
	e->nblobs = f.nblobs;
	pos = sizeof(r) + sizeof(f);
	for (size_t i = 0; i < f.nblobs; i++) {
		struct disk_blob b;
		if (r.len - pos < sizeof(b))
			return 0;
		memcpy(&b, p + pos, sizeof(b));
		pos += sizeof(b);
		if (b.len > r.len - pos)
			return 0;
		e->blobs[i] = (struct mcache_blob){ b.type, p + pos, b.len };
		pos += pad8(b.len);
	}
	return 1;
}

int
mcache_get(struct mcache *c, uint32_t uid, struct mcache_entry *e)
{
	const struct slot *s = slot_find(c, uid);

	if (s == NULL) {
		/* Maybe another process added it since. */
		if (refresh(c) != 0)
			return 0;
		s = slot_find(c, uid);
	}
	return s != NULL && decode(c, s, e);
}

int
mcache_peek(struct mcache *c, uint32_t uid, struct mcache_entry *e)
{
	const struct slot *s = slot_find(c, uid);

	return s != NULL && decode(c, s, e);
}

const struct mcache_blob *
mcache_blob(const struct mcache_entry *e, uint32_t type)
{
	for (size_t i = 0; i < e->nblobs; i++)
		if (e->blobs[i].type == type)
			return &e->blobs[i];
	return NULL;
}

size_t
mcache_count(const struct mcache *c)
{
	return c->n;
}
