/* src/store/folder.c — a Maildir folder kept in step with the disk.
 *
 * The problem. A Maildir is shared: other sessions of the user, an MDA
 * writing into new/, Dovecot, all rename and unlink files in cur/ while
 * we read it. readdir gives no snapshot: a file renamed during the scan
 * (a flag change elsewhere) may be missed, or seen twice. Yet a message
 * must never be reported expunged when it is only renamed, and must never
 * get a second UID.
 *
 * The answer. Files are known by their base name (the part before ":"),
 * which no rename changes; UIDs belong to base names in dovecot-uidlist.
 * A sync scans cur/, sorts the entries by base, and walks the uidlist
 * records against them. A record whose base is not found is checked by a
 * second scan before it counts as gone, so a rename during the first scan
 * does not look like an expunge; only bases missing from both are dropped
 * from the uidlist. Unknown bases get UIDs under the uidlist's lock, in
 * file name order.
 *
 * Between syncs, an operation that finds its file gone (ENOENT) looks the
 * base up again in cur/ and retries once with the new name; if the base
 * is gone too, the message was expunged, which the next sync reports. A
 * name found that way updates only the name, not the flags, so the flag
 * change made by someone else is still reported by the next sync.
 *
 * Cheap syncs: when cur/ and new/ have not changed (mtime, to the
 * nanosecond, and not within the last two seconds, where a change could
 * hide inside one timestamp) and the uidlist did not change, the scan is
 * skipped. */
#include <assert.h>
#include <dirent.h>
#include <sys/inotify.h>
#include <libgen.h>
#include <malloc.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "store/filename.h"
#include "store/folder.h"
#include "store/keywords.h"
#include "store/mindex.h"
#include "store/quota.h"
#include "store/renlog.h"
#include "store/snap.h"
#include "store/uidlist.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

/* The file names of one scan of cur/, packed one after the other into
 * chunks of an arena: one copy of each name and no allocation per name,
 * all freed at once when the sync is done (heap_trim hands the memory
 * back). */
struct pool {
	struct arena *a;
	char *p;
	size_t left;
};

#define POOL_CHUNK (64 * 1024)

/* How many names ahead a loop over names in another order than the
 * pool's asks for the next one: a big folder's names are megabytes, and
 * each name fetched in time is a cache miss not waited for. */
#define PREFETCH 8

/* A growable array of UIDs for the change report. */
struct uids {
	uint32_t *v;
	size_t n, cap;
};

/* How many of our own renames may wait for their events before the
 * watch reads them: well below the inotify queue's limit
 * (max_queued_events, 16384 by default; two events a rename), so that a
 * STORE of every message of a big folder loses none of them and the
 * sync after it need not scan cur/. */
#define OWN_DRAIN 2048

struct folder {
	char *root;
	char *dir;
	char *cur;              /* dir/cur */
	char *newdir;           /* dir/new */
	int readonly;
	int quota_counted;      /* this folder's mail counts for the quota */
	int watch_fd;           /* inotify on new/ and cur/, or -1 */
	int cur_wd;             /* its watch of cur/ */
	int tracking;           /* FOLDER_TRACK: syncs may trust the watch */
	int watch_sync;         /* the watch saw every change since the
				 * last scan began */
	int watch_dirty;        /* it saw one not our own */
	struct renlog *own;     /* our renames in cur/ not yet read back */
	/* NULL after an open from skua.snap until something needs it
	 * (ul_need): an unchanged folder is opened without reading it */
	struct uidlist *ul;
	uint32_t snap_uidnext;  /* UIDNEXT meanwhile */
	char snap_guid[33];     /* and the mailbox GUID, or "" */
	struct snap_stamp snap; /* what skua.snap holds, when snap_known */
	int snap_known;
	time_t scan_start;      /* when the last full scan began */
	struct mindex *ix;      /* MODSEQs, skua.index */
	struct mindex_msg *mm;  /* scratch for mindex_update, n entries */
	/* File names are not kept per message: a message's name is its
	 * uidlist record's base with the info its flags make. Only the
	 * messages whose name is not that (m->named: no ":2," info,
	 * letters out of order or unknown, or a name relocate found
	 * whose flags the next sync is still to report) have theirs
	 * here, in UID order, the strings in names. This saves a copy
	 * of every name (60 bytes a message) for the session's life. */
	struct arena *names;    /* reset by full syncs */
	struct named_msg *named;
	size_t nnamed, capnamed;
	size_t rec_hint;        /* uidlist record of the last name made */
	uint32_t names_uv;      /* UIDVALIDITY of the list msgs came from */
	struct store_msg *msgs;
	size_t n, cap;
	size_t map_len;         /* msgs maps skua.snap (snap_map), or 0 */
	int list_short;         /* the last rebuild left records for later */
	size_t nrecent;         /* messages with m->recent */
	struct timespec cur_mtime, new_mtime;
	int synced;
	int opening;            /* in folder_open's first sync */
	uint32_t uidvalidity;   /* as the session was told */
	struct uids added, expunged, flagged;
	int batch;              /* inside folder_flags_batch_begin/end */
	struct mindex_msg *pend; /* flag changes the batch owes skua.index */
	size_t npend, cappend;
	int cur_fd;             /* cur/, for renameat; -1 until needed */
	struct staged *staged;  /* linked by folder_append_stage, unsettled */
	size_t nstaged, capstaged;
	int64_t staged_bytes;
	char err[512];
};

/* A message whose file name is not the one its flags make. */
struct named_msg {
	uint32_t uid;
	const char *name;
};

/* A message in cur/ that folder_append_settle has yet to make durable
 * and number. */
struct staged {
	char name[FILENAME_MAX_LEN + 1];        /* in cur/ */
	char base[FILENAME_MAX_LEN + 1];
	int64_t size;
};

struct folder_append {
	struct folder *f;
	int fd;
	int adopted;            /* fd is the caller's unnamed file */
	char tmp_path[4200];
};

static const char *
ferr(struct folder *f, const char *what, const char *path)
{
	/* A long path is cut short in the message, never overflows it. */
	if (snprintf(f->err, sizeof(f->err), "%s %s: %s", what, path,
		     strerror(errno)) >= (int)sizeof(f->err))
		f->err[sizeof(f->err) - 1] = '\0';
	return f->err;
}

/* A write that failed: a full disk or file system quota is the user's
 * quota as far as the client can tell (RFC 9208 5: NO [OVERQUOTA], as
 * Dovecot answers), anything else a server error with the path. */
static int
write_fail(struct folder *f, const char *what, const char *path,
	   const char **err_r)
{
	if (errno == ENOSPC || errno == EDQUOT) {
		*err_r = "Not enough disk space";
		return FOLDER_OVERQUOTA;
	}
	*err_r = ferr(f, what, path);
	return -1;
}

/* A uidlist_update that failed: its lock held by another process for
 * the whole timeout (FOLDER_INUSE, *err_r kept for the log), the disk
 * full (FOLDER_OVERQUOTA), or anything else (-1). */
static int
update_fail(const char **err_r)
{
	if (errno == EAGAIN)
		return FOLDER_INUSE;
	if (errno == ENOSPC || errno == EDQUOT) {
		*err_r = "Not enough disk space";
		return FOLDER_OVERQUOTA;
	}
	return -1;
}

static void
uids_push(struct uids *u, uint32_t uid)
{
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 64;
		uint32_t *v = realloc(u->v, cap * sizeof(*v));
		if (v == NULL)
			abort();
		u->v = v;
		u->cap = cap;
	}
	u->v[u->n++] = uid;
}

static void
uids_release(struct uids *u)
{
	free(u->v);
	u->v = NULL;
	u->n = u->cap = 0;
}

/* After the scan of a big folder, hands the freed scratch (file names,
 * sort arrays: several times what stays) back to the system, so that
 * an idle session's memory is what it keeps, not what it once used. */
static void
heap_trim(size_t n)
{
#ifdef __GLIBC__
	if (n >= 4096)
		malloc_trim(0);
#else
	(void)n;
#endif
}

static const char *
pool_put(struct pool *pl, const char *s, size_t len)
{
	char *d;

	if (len + 1 > pl->left) {
		size_t size = len + 1 > POOL_CHUNK ? len + 1 : POOL_CHUNK;

		pl->p = arena_alloc(pl->a, size);
		pl->left = size;
	}
	d = pl->p;
	memcpy(d, s, len + 1);
	pl->p += len + 1;
	pl->left -= len + 1;
	return d;
}

static size_t
base_len_of(const char *name)
{
	const char *colon = strchr(name, ':');

	return colon ? (size_t)(colon - name) : strlen(name);
}

/* Opens one of the folder's own directories for reading, never through
 * a symbolic link: a cur/ or new/ planted as a link would otherwise
 * serve (and move) files from wherever it points. */
static DIR *
dir_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		close(fd);
	return d;
}

/* 1 when path is a directory itself, not a link to one. */
static int
real_dir(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return 0;
	}
	return 1;
}

/* Reads the names in cur/ into the pool, in directory order: nothing
 * needs them sorted, the uidlist's hash finds each one's record. *e_r
 * is malloc'ed (never NULL on success), with room for the size of the
 * last scan so that a big folder's array is not grown step by step.
 * Returns 0, or -1 with f->err. */
static int
scan_cur(struct folder *f, struct pool *pl, const char ***e_r, size_t *n_r)
{
	DIR *d = dir_open(f->cur);
	struct dirent *de;
	size_t n = 0, cap = f->n + f->n / 16 + 256;
	const char **e;

	if (d == NULL) {
		ferr(f, "cannot read", f->cur);
		return -1;
	}
	e = xmalloc(cap * sizeof(*e));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap *= 2;
			e = xrealloc(e, cap * sizeof(*e));
		}
		e[n++] = pool_put(pl, de->d_name, strlen(de->d_name));
	}
	closedir(d);
	*e_r = e;
	*n_r = n;
	return 0;
}

static int cur_dirfd(struct folder *f);

/* Moves new mail into cur/ with an empty info (maildir.txt: a reader
 * renames new/X to cur/X:2, once it has seen it). A file that is gone
 * meanwhile was moved by someone else. */
static int
move_new(struct folder *f)
{
	DIR *d = dir_open(f->newdir);
	struct dirent *de;
	char from[4352], to[4352];
	int moved = 0, cfd = -1;

	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		const char *info;

		if (de->d_name[0] == '.')
			continue;
		info = strchr(de->d_name, ':') != NULL ? "" : ":2,";
		/* Through the directories' descriptors: the kernel then
		 * looks up one name, not the folder's whole path, twice
		 * per message of a big delivery. */
		if (cfd < 0)
			cfd = cur_dirfd(f);
		if (cfd >= 0) {
			snprintf(to, sizeof(to), "%s%s", de->d_name, info);
			if (renameat(dirfd(d), de->d_name, cfd, to) == 0)
				moved++;
			continue;
		}
		snprintf(from, sizeof(from), "%s/%s", f->newdir, de->d_name);
		snprintf(to, sizeof(to), "%s/%s%s", f->cur, de->d_name, info);
		if (rename(from, to) == 0)
			moved++;
	}
	closedir(d);
	return moved;
}

static int
mtime_of(const char *path, struct timespec *t)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	*t = st.st_mtim;
	return 0;
}

static int
ts_eq(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* --- the watch: syncs of the selected folder (FOLDER_TRACK) ---------------
 *
 * The mtime test below cannot tell this session's own flag changes from
 * anyone else's: after a STORE renames a file, every sync for the next
 * two seconds reads all of cur/ again. inotify can tell them apart. The
 * selected folder keeps a watch on new/ and cur/, armed before a scan
 * begins; the renames this process makes in cur/ are noted, and a sync
 * that finds no event but theirs skips the scan, as the mtime test
 * would. Any other event, a lost one (queue overflow) or a watch gone
 * means a scan. A file system where others' changes send no event
 * (NFS and the like) keeps the mtime test alone.
 *
 * Our renames are kept in the order made (store/renlog.h): the events
 * come back in that order, so each is compared with the next expected
 * one only. A STORE of a whole big folder makes more events than the
 * queue holds; the watch reads them back every OWN_DRAIN renames, so
 * that none is lost and the sync after the STORE still skips the scan.
 * Once the watch is dirty, nothing more is noted: the scan will come. */

/* 1 for the file systems whose every change inotify reports here. */
static int
local_fs(const char *path)
{
	static const unsigned long local[] = {
		0xEF53,         /* ext2, ext3, ext4 */
		0x58465342,     /* xfs */
		0x9123683E,     /* btrfs */
		0x01021994,     /* tmpfs */
		0x2FC12FC1,     /* zfs */
		0xF2F52010,     /* f2fs */
		0xCA451A4E,     /* bcachefs */
	};
	struct statfs st;

	if (statfs(path, &st) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if ((unsigned long)st.f_type == local[i])
			return 1;
	return 0;
}

/* Takes one event: ours when it is the next one our renames owe (in
 * the order they were made), else the watch turns dirty and the log is
 * dropped. */
static void
watch_note(struct folder *f, const struct inotify_event *ev)
{
	const uint32_t moved = IN_MOVED_FROM | IN_MOVED_TO;

	if (ev->mask & IN_IGNORED)
		f->tracking = 0;        /* a directory went: mtimes only */
	if (f->watch_dirty)
		return;                 /* a scan comes anyway */
	if ((ev->mask & moved) != 0 && !(ev->mask & IN_Q_OVERFLOW) &&
	    ev->wd == f->cur_wd && ev->len > 0 && f->own != NULL &&
	    renlog_match(f->own, (ev->mask & IN_MOVED_TO) != 0, ev->name,
			 ev->len))
		return;
	f->watch_dirty = 1;
	if (f->own != NULL)
		renlog_clear(f->own);
}

/* Reads every queued event. The buffer takes a few hundred events a
 * read: a big STORE's come back in a few dozen calls. */
static void
watch_read(struct folder *f)
{
	char buf[32768] __attribute__((aligned(__alignof__(
		struct inotify_event))));
	ssize_t n;

	while ((n = read(f->watch_fd, buf, sizeof(buf))) > 0)
		for (ssize_t pos = 0; pos < n;) {
			const struct inotify_event *ev =
				(const struct inotify_event *)(buf + pos);
			watch_note(f, ev);
			pos += (ssize_t)(sizeof(*ev) + ev->len);
		}
	if (n < 0 && errno != EAGAIN)
		f->watch_dirty = 1;
}

static int folder_watch_open(struct folder *f);

/* At the start of a scan: empties the queue, whose changes the scan
 * sees. Returns 1 when the watch is armed for what follows the scan. */
static int
watch_restart(struct folder *f)
{
	f->watch_sync = 0;
	if (!f->tracking || folder_watch_open(f) < 0)
		return 0;
	watch_read(f);
	f->watch_dirty = 0;
	if (f->own != NULL)
		renlog_clear(f->own);
	return f->tracking;     /* a directory may have gone meanwhile */
}

/* Notes a rename from -> to in cur/ that this process just made; reads
 * the events back once OWN_DRAIN renames wait, before the queue can
 * overflow. */
static void
watch_own(struct folder *f, const char *from, const char *to)
{
	if (!f->watch_sync || f->watch_dirty)
		return;
	if (f->own == NULL)
		f->own = renlog_new();
	if (renlog_push(f->own, from, to) < 0) {
		f->watch_dirty = 1;     /* its events would not match */
		renlog_clear(f->own);
		return;
	}
	if (renlog_pending(f->own) >= OWN_DRAIN)
		watch_read(f);
}

/* Reads the uidlist that an open from skua.snap left unread, as
 * folder_open would have: a damaged file is written anew before Dovecot
 * reads it. Returns 0, or -1 with *err_r. */
static int
ul_need(struct folder *f, const char **err_r)
{
	int damaged = 0;

	if (f->ul != NULL)
		return 0;
	if (uidlist_open(f->dir, f->root, &f->ul, &damaged, err_r) < 0)
		return -1;
	if (damaged && uidlist_update(f->ul, NULL, 0, NULL, 0, err_r) < 0)
		return update_fail(err_r);
	return 0;
}

/* 1 when dovecot-uidlist is still the file skua.snap was made with. */
static int
ul_file_same(const struct folder *f)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/dovecot-uidlist", f->dir);
	return stat(path, &st) == 0 && (uint64_t)st.st_dev == f->snap.ul_dev &&
	       (uint64_t)st.st_ino == f->snap.ul_ino &&
	       (uint64_t)st.st_size == f->snap.ul_size &&
	       st.st_mtim.tv_sec == f->snap.ul_sec &&
	       st.st_mtim.tv_nsec == f->snap.ul_nsec;
}

/* uidlist_refresh, also for a list not read yet: 0 when the file did
 * not change, 1 when it did (then it is read), -1 with *err_r. */
static int
ul_refresh(struct folder *f, const char **err_r)
{
	if (f->ul == NULL) {
		if (ul_file_same(f))
			return 0;
		return ul_need(f, err_r) < 0 ? -1 : 1;
	}
	return uidlist_refresh(f->ul, err_r);
}

/* 1 when a scan can be skipped: nothing changed since the last one. */
static int
unchanged(struct folder *f, const char **err_r)
{
	struct timespec c, n;
	int r;

	if (f->synced && f->watch_sync) {
		watch_read(f);
		/* Always: a scan that follows matches against the list. */
		r = ul_refresh(f, err_r);
		/* Our renames' events are queued before rename returns:
		 * one still owed was lost somehow. */
		return r == 0 && !f->watch_dirty &&
		       (f->own == NULL || renlog_pending(f->own) == 0);
	}
	if (!f->synced || mtime_of(f->cur, &c) < 0 ||
	    mtime_of(f->newdir, &n) < 0)
		return 0;
	r = ul_refresh(f, err_r);
	if (r != 0)
		return 0;
	if (!ts_eq(&c, &f->cur_mtime) || !ts_eq(&n, &f->new_mtime))
		return 0;
	/* A change in the same clock tick as the recorded mtime leaves it
	 * as it was: an unchanged mtime proves nothing new only when the
	 * last scan began well after it (Dovecot's MAILDIR_SYNC_SECS). */
	return f->scan_start - c.tv_sec > 2 && f->scan_start - n.tv_sec > 2;
}

/* Sorting the names that get UIDs into Dovecot's order
 * (mfilename_sort_cmp). For names that all carry microseconds (all that
 * Dovecot and skua make, and most MDAs) that order is (seconds,
 * microseconds, base name): the two numbers, packed into one 64-bit key,
 * are radix-sorted in a few linear passes, and only names with equal
 * keys are compared. Any other mix goes through qsort with the full
 * comparison. */
struct fresh_key {
	uint64_t k;
	const char *name;
};

struct fresh_full {
	struct mfilename_sort_key k;
	const char *name;
};

#define RADIX_BITS 11
#define RADIX_PASSES 6          /* 66 bits: a whole key */

static int
fresh_full_cmp(const void *a, const void *b)
{
	return mfilename_sort_key_cmp(&((const struct fresh_full *)a)->k,
				      &((const struct fresh_full *)b)->k);
}

static void
sort_fresh_full(const char **v, size_t n)
{
	struct fresh_full *k = xmalloc(n * sizeof(*k));

	for (size_t i = 0; i < n; i++) {
		mfilename_sort_key(v[i], &k[i].k);
		k[i].name = v[i];
	}
	qsort(k, n, sizeof(*k), fresh_full_cmp);
	for (size_t i = 0; i < n; i++)
		v[i] = k[i].name;
	free(k);
}

/* The packed key of name, or 0 when it has none (no microseconds, or
 * numbers too big to pack). */
static int
fresh_key_of(const char *name, uint64_t *k_r)
{
	struct mfilename_sort_key k;

	mfilename_sort_key(name, &k);
	if (!k.has_usecs || k.secs < 0 || k.secs >= (1LL << 43) ||
	    k.usecs < 0 || k.usecs >= (1LL << 20))
		return 0;
	*k_r = (uint64_t)k.secs << 20 | (uint64_t)k.usecs;
	return 1;
}

/* Stable LSD radix sort of v by key; tmp has room for n. A digit that
 * all keys share costs no pass. */
static void
radix_sort(struct fresh_key *v, struct fresh_key *tmp, size_t n)
{
	size_t (*cnt)[1 << RADIX_BITS] = xcalloc(RADIX_PASSES, sizeof(*cnt));
	const size_t mask = (1 << RADIX_BITS) - 1;
	struct fresh_key *from = v, *to = tmp, *t;

	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < RADIX_PASSES; p++)
			cnt[p][(v[i].k >> (p * RADIX_BITS)) & mask]++;
	for (int p = 0; p < RADIX_PASSES; p++) {
		int shift = p * RADIX_BITS;
		size_t sum = 0;

		if (cnt[p][(v[0].k >> shift) & mask] == n)
			continue;
		for (size_t b = 0; b <= mask; b++) {
			size_t c = cnt[p][b];
			cnt[p][b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[cnt[p][(from[i].k >> shift) & mask]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	if (from != v)
		memcpy(v, from, n * sizeof(*v));
	free(cnt);
}

static int
fresh_name_cmp(const void *a, const void *b)
{
	return mfilename_sort_cmp(((const struct fresh_key *)a)->name,
				  ((const struct fresh_key *)b)->name);
}

/* Orders each run of equal keys by the rest of the comparison. Runs are
 * names made in one microsecond: short, as a rule. */
static void
sort_key_runs(struct fresh_key *v, size_t n)
{
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && v[j].k == v[i].k; j++)
			;
		if (j - i > 1)
			qsort(v + i, j - i, sizeof(*v), fresh_name_cmp);
	}
}

static void
sort_fresh(const char **v, size_t n)
{
	struct fresh_key *k;

	if (n < 2)
		return;
	k = xmalloc(2 * n * sizeof(*k));
	for (size_t i = 0; i < n; i++) {
		if (!fresh_key_of(v[i], &k[i].k)) {
			free(k);
			sort_fresh_full(v, n);
			return;
		}
		k[i].name = v[i];
	}
	radix_sort(k, k + n, n);
	sort_key_runs(k, n);
	for (size_t i = 0; i < n; i++)
		v[i] = k[i].name;
	free(k);
}

/* 1 when name (a file name) has the base name base. */
static int
base_is(const char *base, const char *name)
{
	size_t n = strlen(base);

	return strncmp(base, name, n) == 0 &&
	       (name[n] == ':' || name[n] == '\0');
}

/* Finds the uidlist record of each scanned name: byrec[k] becomes the
 * name of a file of record k (byrec has one slot per record, zeroed).
 * The names the list does not know go into fresh, which may be e
 * itself: the k-th fresh name overwrites no name not yet read. A file
 * renamed during the scan may be seen twice: either name will do, and
 * the list gives its base one UID however often it is named. */
static void
match(struct folder *f, const char *const *e, size_t n, const char **byrec,
      const char **fresh, size_t *nfresh_r)
{
	size_t k = 0;
	long pos[512];          /* a batch: uidlist_index_many fetches ahead */

	for (size_t i = 0; i < n; i += 512) {
		size_t m = n - i < 512 ? n - i : 512;

		uidlist_index_many(f->ul, e + i, m, pos);
		for (size_t j = 0; j < m; j++) {
			if (pos[j] >= 0)
				byrec[pos[j]] = e[i + j];
			else
				fresh[k++] = e[i + j];
		}
	}
	*nfresh_r = k;
}

/* Records whose file the scan did not see are checked by a second scan:
 * a record it finds (renamed meanwhile) gets that name, so that the
 * message keeps its place: left out, an old message would look
 * expunged, and a new one would be reported after a higher UID. Lists
 * the bases of the records in neither scan into *gone_r (malloc'ed;
 * NULL when none, or when gone_r is NULL) and returns their number;
 * none when cur/ cannot be read again. */
static size_t
rescan_missing(struct folder *f, struct pool *pl, const char **byrec,
	       const char ***gone_r)
{
	const struct uidlist_rec *r;
	size_t nr, missing = 0, n2, k = 0;
	const char **e2, **gone;

	r = uidlist_records(f->ul, &nr);
	if (gone_r != NULL)
		*gone_r = NULL;
	for (size_t i = 0; i < nr; i++)
		missing += byrec[i] == NULL;
	if (missing == 0 || scan_cur(f, pl, &e2, &n2) < 0)
		return 0;
	for (size_t i = 0; i < n2; i++) {
		long x = uidlist_index(f->ul, e2[i]);

		if (x >= 0 && byrec[x] == NULL)
			byrec[x] = e2[i];
	}
	free(e2);
	if (gone_r == NULL)
		return 0;
	gone = xmalloc((nr + 1) * sizeof(*gone));
	for (size_t i = 0; i < nr; i++)
		if (byrec[i] == NULL)
			gone[k++] = r[i].base;
	*gone_r = gone;
	return k;
}

/* After an update: the names of the records of the list as it is now,
 * from what was known before it (old, nold records) and the sorted
 * fresh names that got the UIDs from first_new on. The cheap guesses
 * first, each checked against the record's base: a record keeps its
 * position unless the list was read anew; fresh names got their
 * records in order. What a guess misses is looked up, and a record
 * left without a file sends for a second scan (rescan_missing). */
static const char **
remap(struct folder *f, struct pool *pl, const char *const *old, size_t nold,
      const char *const *fresh, size_t nfresh, uint32_t first_new)
{
	const struct uidlist_rec *r;
	size_t nr, k, j = 0;
	const char **byrec;

	r = uidlist_records(f->ul, &nr);
	byrec = xcalloc(nr + 1, sizeof(*byrec));
	for (k = 0; k < nold; k++) {
		long x;

		if (k + PREFETCH < nold && old[k + PREFETCH] != NULL)
			__builtin_prefetch(old[k + PREFETCH]);
		if (old[k] == NULL)
			continue;
		if (k < nr && base_is(r[k].base, old[k]))
			byrec[k] = old[k];
		else if ((x = uidlist_index(f->ul, old[k])) >= 0)
			byrec[x] = old[k];
	}
	for (k = 0; k < nr && r[k].uid < first_new; k++)
		;
	for (; k < nr && j < nfresh; k++) {
		if (j + PREFETCH < nfresh)
			__builtin_prefetch(fresh[j + PREFETCH]);
		if (byrec[k] != NULL || !base_is(r[k].base, fresh[j]))
			continue;
		byrec[k] = fresh[j++];
		while (j < nfresh && base_is(r[k].base, fresh[j]))
			j++;    /* the same file seen twice */
	}
	for (; j < nfresh; j++) {
		long x = uidlist_index(f->ul, fresh[j]);

		if (x >= 0 && byrec[x] == NULL)
			byrec[x] = fresh[j];
	}
	(void)rescan_missing(f, pl, byrec, NULL);
	return byrec;
}

/* A size as struct store_msg holds it: beyond its 48 bits, unknown. */
static int64_t
size48(int64_t size)
{
	return size >= 0 && size <= STORE_MSG_SIZE_MAX ? size : -1;
}

/* The base name the uidlist gives uid, or NULL when it has no record
 * of it (any more), or numbers its messages afresh since msgs was
 * built (then uid means another message, if any). Names are asked for
 * mostly in UID order, so the record after the last one found is
 * tried before a binary search. */
static const char *
rec_base(struct folder *f, uint32_t uid)
{
	size_t n, lo = 0, hi, h = f->rec_hint;
	const struct uidlist_rec *r;
	const char *err;

	if (f->ul == NULL && ul_need(f, &err) < 0) {
		log_error("%s", err);
		return NULL;
	}
	r = uidlist_records(f->ul, &n);
	if (uidlist_uidvalidity(f->ul) != f->names_uv)
		return NULL;
	if (h < n && r[h].uid == uid)
		return r[h].base;
	if (h + 1 < n && r[h + 1].uid == uid) {
		f->rec_hint = h + 1;
		return r[h + 1].base;
	}
	for (hi = n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || r[lo].uid != uid)
		return NULL;
	f->rec_hint = lo;
	return r[lo].base;
}

/* 1 when name is base with the info m's flags and keywords make: the
 * name folder_msg_name makes when m is not named. */
static int
name_is_made(const struct store_msg *m, const char *base, const char *name)
{
	char info[64];          /* ":2," and at most 32 letters */
	size_t len = strlen(base);

	return strncmp(name, base, len) == 0 &&
	       mfilename_build("", 0, m->flags, m->keywords, "", info,
			       sizeof(info)) >= 0 &&
	       strcmp(name + len, info) == 0;
}

/* The position of the first kept name whose UID is at least uid. */
static size_t
named_at(const struct folder *f, uint32_t uid)
{
	size_t lo = 0, hi = f->nnamed;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->named[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct named_msg *
named_find(const struct folder *f, uint32_t uid)
{
	size_t at = named_at(f, uid);

	return at < f->nnamed && f->named[at].uid == uid ? &f->named[at] :
	       NULL;
}

/* Forgets every kept name: a full sync notes them anew. */
static void
named_reset(struct folder *f)
{
	f->nnamed = 0;
	if (f->capnamed > 4096) {       /* a rename storm's table goes */
		free(f->named);
		f->named = NULL;
		f->capnamed = 0;
	}
	arena_reset(f->names);
}

/* Records that m's file is now called name (m's flags and keywords
 * already set as wanted): kept only when the name is not the one they
 * make. */
static void
msg_set_name(struct folder *f, struct store_msg *m, const char *name)
{
	const char *base = rec_base(f, m->uid);
	struct named_msg *x;
	size_t at;

	if (base != NULL && name_is_made(m, base, name)) {
		if (m->named && (x = named_find(f, m->uid)) != NULL) {
			at = (size_t)(x - f->named);
			memmove(x, x + 1, (f->nnamed - at - 1) * sizeof(*x));
			f->nnamed--;
		}
		m->named = 0;
		return;
	}
	if (m->named && (x = named_find(f, m->uid)) != NULL) {
		size_t len = strlen(name);

		/* STOREs rename the same message again and again: a name
		 * that fits takes its old room, so the arena does not grow
		 * by one name per change until the next full sync. */
		if (len <= strlen(x->name))
			memmove((char *)x->name, name, len + 1);
		else
			x->name = arena_strdup(f->names, name);
		return;
	}
	name = arena_strdup(f->names, name);
	if (f->nnamed == f->capnamed) {
		f->capnamed = f->capnamed ? f->capnamed * 2 : 16;
		f->named = xrealloc(f->named, f->capnamed * sizeof(*f->named));
	}
	/* a full sync notes names in UID order: at the end */
	at = f->nnamed > 0 && f->named[f->nnamed - 1].uid > m->uid ?
	     named_at(f, m->uid) : f->nnamed;
	memmove(&f->named[at + 1], &f->named[at],
		(f->nnamed - at) * sizeof(*f->named));
	f->named[at] = (struct named_msg){ m->uid, name };
	f->nnamed++;
	m->named = 1;
}

const char *
folder_msg_name(struct folder *f, const struct store_msg *m, char *buf,
		size_t size)
{
	const char *base;

	if (m->named) {
		const struct named_msg *x = named_find(f, m->uid);

		return x != NULL ? x->name : NULL;
	}
	if ((base = rec_base(f, m->uid)) == NULL ||
	    mfilename_build(base, strlen(base), m->flags, m->keywords, "",
			    buf, size) < 0)
		return NULL;
	return buf;
}

const char *
folder_msg_base(struct folder *f, const struct store_msg *m, size_t *len_r)
{
	const char *base;

	if (m->named) {
		const struct named_msg *x = named_find(f, m->uid);

		base = x != NULL ? x->name : NULL;
	} else {
		base = rec_base(f, m->uid);
	}
	if (base != NULL)
		*len_r = base_len_of(base);
	return base;
}

size_t
folder_bytes(const struct folder *f)
{
	/* a mapped list is skua.snap's pages, shared until written */
	return (f->map_len > 0 ? 0 : f->cap * sizeof(*f->msgs)) +
	       f->capnamed * sizeof(*f->named) +
	       arena_footprint(f->names);
}

static void
msgs_reserve(struct folder *f, size_t n)
{
	struct store_msg *m;

	if (f->map_len > 0) {   /* skua.snap's pages: into our own memory */
		m = xmalloc((n > f->n ? n : f->n) * sizeof(*m) + 1);
		memcpy(m, f->msgs, f->n * sizeof(*m));
		snap_unmap(f->msgs, f->map_len);
		f->map_len = 0;
		f->msgs = m;
		f->cap = n > f->n ? n : f->n;
		return;
	}
	if (n <= f->cap)
		return;
	m = realloc(f->msgs, n * sizeof(*m));
	if (m == NULL)
		abort();
	f->msgs = m;
	f->cap = n;
}

/* Builds the new message list from the uidlist and the scan (byrec: a
 * file name per record, or NULL), and records the differences from the
 * old one. Only the names that the flags do not make are kept (struct
 * folder: named); the scan's go with its pool. */
static void
rebuild(struct folder *f, struct store_msg *old, size_t nold,
	const char *const *byrec, uint32_t recent_from)
{
	const struct uidlist_rec *r;
	size_t nr, k = 0, o = 0;
	struct mfilename mf;
	uint32_t known_max = nold > 0 ? old[nold - 1].uid : 0;

	f->nrecent = 0;
	f->list_short = 0;
	r = uidlist_records(f->ul, &nr);
	msgs_reserve(f, nr);
	named_reset(f);
	f->names_uv = uidlist_uidvalidity(f->ul);
	for (size_t i = 0; i < nr; i++) {
		const char *name = byrec[i];
		/* A record newer than all we knew, without its file in the
		 * scans: another process gave it a UID while we scanned.
		 * Reporting the messages above it now would put them before
		 * it, and UIDs must grow with sequence numbers (RFC 3501
		 * 2.3.1.1): they wait for the next sync. */
		if (name == NULL && r[i].uid > known_max) {
			f->list_short = 1;
			break;
		}
		if (name == NULL)
			continue;
		/* names lie in scan order, records in UID order: fetch
		 * ahead rather than wait for each one */
		if (i + PREFETCH < nr && byrec[i + PREFETCH] != NULL)
			__builtin_prefetch(byrec[i + PREFETCH]);
		struct store_msg *m = &f->msgs[k++];
		mfilename_parse(name, &mf);
		m->uid = r[i].uid;
		m->flags = mf.flags;
		m->keywords = mf.keywords;
		m->size = size48(mf.size);
		m->vsize = size48(mf.vsize);
		m->named = 0;
		if (!name_is_made(m, r[i].base, name))
			msg_set_name(f, m, name);
		while (o < nold && old[o].uid < m->uid)
			uids_push(&f->expunged, old[o++].uid);
		if (o < nold && old[o].uid == m->uid) {
			m->recent = old[o].recent;
			if (old[o].flags != m->flags ||
			    old[o].keywords != m->keywords)
				uids_push(&f->flagged, m->uid);
			o++;
		} else {
			m->recent = m->uid >= recent_from;
			uids_push(&f->added, m->uid);
		}
		f->nrecent += m->recent != 0;
	}
	while (o < nold)
		uids_push(&f->expunged, old[o++].uid);
	f->n = k;
}

static void
changes_reset(struct folder *f)
{
	f->added.n = f->expunged.n = f->flagged.n = 0;
}

static void
changes_report(struct folder *f, struct folder_changes *ch)
{
	if (ch == NULL)
		return;
	ch->added = f->added.v;
	ch->nadded = f->added.n;
	ch->expunged = f->expunged.v;
	ch->nexpunged = f->expunged.n;
	ch->flagged = f->flagged.v;
	ch->nflagged = f->flagged.n;
}

/* Gives a MODSEQ to every message that is new or whose flags changed
 * since skua.index last saw it, and to every expunge (RFC 7162 3.1):
 * whoever notices a change first, this session or another, numbers it. */
static int
index_sync(struct folder *f, const char **err_r)
{
	int r;

	if (f->ix == NULL)
		return 0;
	/* scratch only for the call: an idle session keeps no copy */
	f->mm = xmalloc((f->n + 1) * sizeof(*f->mm));
	for (size_t i = 0; i < f->n; i++) {
		f->mm[i].uid = f->msgs[i].uid;
		f->mm[i].flags = f->msgs[i].flags;
		f->mm[i].keywords = f->msgs[i].keywords;
	}
	r = mindex_update(f->ix, f->mm, f->n, MINDEX_FULL, err_r);
	free(f->mm);
	f->mm = NULL;
	if (r == MINDEX_RESET) {
		*err_r = "the folder's UIDVALIDITY changed; select it again";
		return FOLDER_RESET;
	}
	return r < 0 ? -1 : 0;
}

/* \Recent (RFC 3501 2.3.2) belongs to the one session that first sees a
 * message. skua.recent holds the lowest UID no read-write session has
 * claimed yet; a read-write sync claims everything below UIDNEXT by
 * moving it up, while EXAMINE and STATUS only count. Without the file
 * (a folder new to skua) the messages given UIDs by this very sync are
 * the recent ones. A read-write session reads and moves the mark in
 * one step under flock(2), so that two sessions syncing in the same
 * instant never both take a message. */
static uint32_t
recent_floor(struct folder *f, uint32_t fallback, int *missing_r)
{
	char path[4200], text[16] = "";
	unsigned long v;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/skua.recent", f->dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	*missing_r = fd < 0;
	if (fd < 0)
		return fallback;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return fallback;
	text[n] = '\0';
	v = strtoul(text, NULL, 10);
	return v > 0 && v <= UINT32_MAX ? (uint32_t)v : fallback;
}

static void
recent_claim(struct folder *f, uint32_t uidnext)
{
	char path[4200], tmp[4300], text[16];
	int fd, len;

	snprintf(path, sizeof(path), "%s/skua.recent", f->dir);
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return;
	len = snprintf(text, sizeof(text), "%u\n", uidnext);
	if (write(fd, text, (size_t)len) != len || close(fd) < 0 ||
	    rename(tmp, path) < 0)
		unlink(tmp);
}

/* For a read-write session: returns the mark (fallback when there is
 * none yet) and moves it up to uidnext, holding the file's lock between
 * the read and the write. Falls back to the unlocked pair when the file
 * cannot be opened for writing. */
static uint32_t
recent_take(struct folder *f, uint32_t fallback, uint32_t uidnext)
{
	char path[4200], text[16] = "";
	unsigned long v = 0;
	uint32_t floor = fallback;
	ssize_t n;
	int fd, len, missing;

	snprintf(path, sizeof(path), "%s/skua.recent", f->dir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		if (fd >= 0)
			close(fd);
		floor = recent_floor(f, fallback, &missing);
		if (floor < uidnext || missing)
			recent_claim(f, floor < uidnext ? uidnext : floor);
		return floor;
	}
	n = pread(fd, text, sizeof(text) - 1, 0);
	if (n > 0) {
		text[n] = '\0';
		v = strtoul(text, NULL, 10);
	}
	if (v > 0 && v <= UINT32_MAX)
		floor = (uint32_t)v;
	if (floor < uidnext || n <= 0) {
		len = snprintf(text, sizeof(text), "%u\n",
			       floor < uidnext ? uidnext : floor);
		if (pwrite(fd, text, (size_t)len, 0) == len &&
		    ftruncate(fd, len) < 0)
			log_debug("recent: %s: %s", path, strerror(errno));
	}
	close(fd);              /* drops the lock */
	return floor;
}

static int
full_sync(struct folder *f, const char **err_r)
{
	struct pool pl = { .a = arena_new(4096) };
	const char **e = NULL, **fresh = NULL, **gone = NULL, **byrec = NULL;
	const char **known;
	size_t n, nr, nfresh, ngone;
	uint32_t recent_from = 0, floor;
	int missing = 0;
	struct store_msg *old;
	size_t nold = f->n;
	int ret = -1, armed;

	if ((ret = ul_need(f, err_r)) < 0)
		return ret;
	ret = -1;
	armed = watch_restart(f);
	f->scan_start = time(NULL);
	mtime_of(f->cur, &f->cur_mtime);
	mtime_of(f->newdir, &f->new_mtime);
	if (scan_cur(f, &pl, &e, &n) < 0) {
		*err_r = f->err;
		goto out;
	}
	(void)uidlist_records(f->ul, &nr);
	byrec = xcalloc(nr + 1, sizeof(*byrec));
	/* the fresh names take e's front: a cold folder's n pointers are
	 * not written to new pages a second time */
	fresh = e;
	match(f, e, n, byrec, fresh, &nfresh);
	ngone = rescan_missing(f, &pl, byrec, &gone);
	if (ngone > 0)
		log_debug("sync: %s: %zu file(s) gone, the first %s", f->cur,
			  ngone, gone[0]);
	if (nfresh > 0 || ngone > 0) {
		recent_from = uidlist_next_uid(f->ul);
		sort_fresh(fresh, nfresh);
		if (uidlist_update(f->ul, fresh, nfresh, gone, ngone,
				   err_r) < 0) {
			ret = update_fail(err_r);
			goto out;
		}
		/* The update read the list again under its lock: records
		 * others added since our scan may have files it missed. */
		known = byrec;
		byrec = remap(f, &pl, known, nr, fresh, nfresh, recent_from);
		free(known);
	}
	old = xmalloc((nold + 1) * sizeof(*old));
	if (nold > 0)   /* f->msgs is NULL until the first message */
		memcpy(old, f->msgs, nold * sizeof(*old));
	if (!f->readonly) {
		floor = recent_take(f, nfresh > 0 ? recent_from :
				    uidlist_next_uid(f->ul),
				    uidlist_next_uid(f->ul));
	} else {
		/* A read-only session only records where recent mail
		 * starts. */
		floor = recent_floor(f, nfresh > 0 ? recent_from :
				     uidlist_next_uid(f->ul), &missing);
		if (missing)
			recent_claim(f, floor);
	}
	rebuild(f, old, nold, byrec, floor);
	free(old);
	f->synced = 1;
	f->watch_sync = armed;
	ret = 0;
out:
	free(e);                /* and fresh with it */
	free(byrec);
	free(gone);
	if (pl.a != NULL)
		arena_free(&pl.a);
	return ret;
}

/* Writes skua.snap for the list a full sync just made, when that list
 * can stand for the folder for as long as cur/, new/ and the uidlist
 * stay as they are:
 * - every file name is the one its flags make (the file keeps none);
 * - the scan began more than 2 s after the last change to either
 *   directory: a change in the same clock tick as the recorded mtime
 *   leaves it as it was, so only then does an unchanged mtime prove
 *   that the scan saw everything (unchanged() reasons alike);
 * - the list took every record (rebuild left none for later), and the
 *   uidlist it was matched with is the file on disk;
 * - skua.index was brought in step with it just now;
 * - the folder is on a local file system: over NFS another host's
 *   change may reach our stat late (attribute caching), which a
 *   session's own syncs live with for seconds, but a snapshot would
 *   make every later session believe.
 * Nothing is written when skua.snap already holds this stamp; a
 * failure only costs the next open a scan. */
static void snap_put(struct folder *f, struct snap_info *si);

static void
snap_save(struct folder *f)
{
	struct snap_info si;
	struct stat st;

	if (f->nnamed > 0 || f->list_short || f->batch || f->nstaged > 0 ||
	    f->ul == NULL || f->ix == NULL || f->uidvalidity == 0 ||
	    uidlist_uidvalidity(f->ul) != f->uidvalidity ||
	    f->scan_start - f->cur_mtime.tv_sec <= 2 ||
	    f->scan_start - f->new_mtime.tv_sec <= 2 ||
	    uidlist_file_stat(f->ul, &st) < 0 || !local_fs(f->cur))
		return;
	memset(&si, 0, sizeof(si));
	si.uidvalidity = f->uidvalidity;
	si.uidnext = uidlist_next_uid(f->ul);
	si.n = f->n;
	snprintf(si.guid, sizeof(si.guid), "%s", uidlist_guid(f->ul));
	si.stamp.cur_sec = f->cur_mtime.tv_sec;
	si.stamp.cur_nsec = f->cur_mtime.tv_nsec;
	si.stamp.new_sec = f->new_mtime.tv_sec;
	si.stamp.new_nsec = f->new_mtime.tv_nsec;
	si.stamp.ul_dev = (uint64_t)st.st_dev;
	si.stamp.ul_ino = (uint64_t)st.st_ino;
	si.stamp.ul_size = (uint64_t)st.st_size;
	si.stamp.ul_sec = st.st_mtim.tv_sec;
	si.stamp.ul_nsec = st.st_mtim.tv_nsec;
	snap_put(f, &si);
}

/* Writes skua.snap from f's list with the stamp si has and the index's
 * generation now, unless the file already says all that. */
static void
snap_put(struct folder *f, struct snap_info *si)
{
	struct mindex_gen g;

	mindex_generation(f->ix, &g);
	si->stamp.ix_dev = g.dev;
	si->stamp.ix_ino = g.ino;
	si->stamp.ix_end = g.end;
	si->stamp.ix_highest = g.highest;
	if (f->snap_known &&
	    memcmp(&si->stamp, &f->snap, sizeof(f->snap)) == 0)
		return;
	if (snap_write(f->dir, si, f->msgs, f->n) < 0) {
		log_debug("%s/skua.snap: %s", f->dir, strerror(errno));
		return;
	}
	f->snap = si->stamp;
	f->snap_known = 1;
}

/* 1 when skua.index holds what it held when skua.snap was written, just
 * after the index was brought in step with the snapshot's list: then
 * the list and the index agree without comparing them (which would
 * read every message of both). */
static int
snap_index_current(const struct folder *f)
{
	struct mindex_gen g, s = { f->snap.ix_dev, f->snap.ix_ino,
				   f->snap.ix_end, f->snap.ix_highest };

	mindex_generation(f->ix, &g);
	return mindex_gen_eq(&g, &s);
}

/* After a full open whose list skua.snap now holds: the session keeps
 * the file's mapping instead of its own copy, and lets go of the
 * uidlist until it needs a name, as an open from the file would have
 * left it. So an idle session on a big folder holds little of its own
 * however it was opened. */
static void
snap_adopt(struct folder *f)
{
	struct snap_info si;
	struct store_msg *m;
	size_t len;
	int fd;

	if (!f->snap_known || f->n == 0 || f->map_len > 0 || f->ul == NULL ||
	    f->nnamed > 0 || snap_open(f->dir, &si, &fd) < 0)
		return;
	/* the same stamp: written from this very list, or from the same
	 * directories and uidlist by another process */
	if (memcmp(&si.stamp, &f->snap, sizeof(f->snap)) != 0 ||
	    si.n != f->n || si.uidvalidity != f->uidvalidity ||
	    (m = snap_map(fd, &si, &len)) == NULL) {
		close(fd);
		return;
	}
	close(fd);
	for (size_t i = 0; i < f->n; i++)
		if (f->msgs[i].recent)
			m[i].recent = 1;
	free(f->msgs);
	f->msgs = m;
	f->cap = f->n;
	f->map_len = len;
	f->snap_uidnext = si.uidnext;
	memcpy(f->snap_guid, si.guid, sizeof(f->snap_guid));
	uidlist_free(&f->ul);
}

/* After an open from skua.snap that had to compare the list with an
 * index written since (compacted, repaired): the snapshot still stands
 * for the folder, so it takes the index's new generation, and the next
 * open need not compare again. */
static void
snap_note_index(struct folder *f)
{
	struct snap_info si;

	memset(&si, 0, sizeof(si));
	si.uidvalidity = f->uidvalidity;
	si.uidnext = f->snap_uidnext;
	si.n = f->n;
	memcpy(si.guid, f->snap_guid, sizeof(si.guid));
	si.stamp = f->snap;
	snap_put(f, &si);
}

int
folder_sync(struct folder *f, struct folder_changes *ch, const char **err_r)
{
	int moved, r;

	if (f->batch && folder_flags_batch_end(f, err_r) < 0)
		return -1;
	changes_reset(f);
	if (f->uidvalidity != 0 && f->ul != NULL &&
	    uidlist_uidvalidity(f->ul) != f->uidvalidity) {
		*err_r = "the folder's UIDVALIDITY changed; select it again";
		return FOLDER_RESET;
	}
	moved = move_new(f);
	if (moved < 0) {
		*err_r = ferr(f, "cannot read", f->newdir);
		return -1;
	}
	if (moved == 0 && unchanged(f, err_r)) {
		changes_report(f, ch);
		return 0;
	}
	if ((r = full_sync(f, err_r)) < 0)
		return r == FOLDER_INUSE || r == FOLDER_OVERQUOTA ? r : -1;
	if ((r = index_sync(f, err_r)) < 0) {
		/* the list changed all the same: a view that shows it
		 * keeps its client's by the report (imap/view.c) */
		changes_report(f, ch);
		return r;
	}
	/* folder_open trims once at its end: the index's first write
	 * reuses what the scan freed, not fresh pages */
	if (!f->opening) {
		snap_save(f);
		heap_trim(f->n);
	}
	changes_report(f, ch);
	/* Another writer may have started the folder afresh under us. */
	if (f->uidvalidity != 0 &&
	    uidlist_uidvalidity(f->ul) != f->uidvalidity) {
		*err_r = "the folder's UIDVALIDITY changed; select it again";
		return FOLDER_RESET;
	}
	return 0;
}

static struct store_msg *msg_find(const struct folder *f, uint32_t uid);

/* Puts the keywords Courier kept in courierimapkeywords/ into the file
 * names, once: when the folder has no dovecot-keywords yet, keywords_open
 * imports Courier's names and writes that file, so the next open skips
 * this (DESIGN.md: Courier's keywords are imported like its UIDs). */
static int
import_courier_keywords(struct folder *f, const char **err_r)
{
	char path[4200];
	struct keywords *kw;
	struct keywords_courier_msg *cm = NULL;
	size_t n = 0;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/dovecot-keywords", f->dir);
	if (access(path, F_OK) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/courierimapkeywords", f->dir);
	if (access(path, F_OK) < 0)
		return 0;
	if (ul_need(f, err_r) < 0 || keywords_open(f->dir, &kw, err_r) < 0)
		return -1;
	if (keywords_courier_messages(kw, &cm, &n, err_r) < 0)
		goto out;
	ret = 0;
	for (size_t i = 0; i < n && ret == 0; i++) {
		/* the uidlist knows each message by its base */
		const struct store_msg *hit =
			msg_find(f, uidlist_lookup(f->ul, cm[i].base));

		if (hit != NULL && folder_set_flags(f, hit->uid, hit->flags,
		    hit->keywords | cm[i].keywords, err_r) < 0)
			ret = -1;
	}
	keywords_courier_free(&cm, n);
out:
	keywords_free(&kw);
	return ret;
}

static const char *
last_component(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* Closes a folder that failed to open. Its error text may live in
 * f->err, which goes with f: it is copied out first. */
static void
open_failed(struct folder **fp, const char **err_r)
{
	static char err[sizeof((*fp)->err)];

	if (*err_r == (*fp)->err) {
		memcpy(err, (*fp)->err, sizeof(err));
		*err_r = err;
	}
	folder_close(fp);
}

/* The structure and the checks on cur/ and new/. Returns the folder,
 * or NULL with *err_r. */
static struct folder *
open_dirs(const char *root, const char *dir, int readonly, const char **err_r)
{
	struct folder *f = calloc(1, sizeof(*f));

	if (f == NULL)
		abort();
	f->root = xstrdup(root);
	f->dir = xstrdup(dir);
	f->cur = path_join(dir, "cur");
	f->newdir = path_join(dir, "new");
	f->readonly = readonly;
	f->watch_fd = -1;
	f->cur_fd = -1;
	f->names = arena_new(4096);
	f->quota_counted = strcmp(dir, root) == 0 ||
		quota_folder_counted(last_component(dir));
	if (!real_dir(f->cur) || !real_dir(f->newdir)) {
		*err_r = ferr(f, "not a Maildir folder:", f->cur);
		open_failed(&f, err_r);
		return NULL;
	}
	return f;
}

/* The part of opening common to both kinds: open_dirs and the uidlist.
 * Returns the folder, or NULL with *err_r (the folder closed). */
static struct folder *
open_common(const char *root, const char *dir, int readonly, int *damaged_r,
	    const char **err_r)
{
	struct folder *f = open_dirs(root, dir, readonly, err_r);

	if (f != NULL && uidlist_open(dir, root, &f->ul, damaged_r, err_r) < 0)
		open_failed(&f, err_r);
	return f;
}

/* A damaged list must be rewritten before Dovecot reads it (it would
 * throw the whole file away), and a new folder's UIDVALIDITY is only
 * ours once the file exists. Returns 0, or an error of folder_open. */
static int
list_settle(struct folder *f, int damaged, const char **err_r)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/dovecot-uidlist", f->dir);
	if (damaged || access(path, F_OK) < 0) {
		if (uidlist_update(f->ul, NULL, 0, NULL, 0, err_r) < 0)
			return update_fail(err_r);
	} else if (uidlist_refresh(f->ul, err_r) < 0) {
		/* The file may have been written by another process since
		 * we found it missing: its UIDVALIDITY wins over the one we
		 * made up, so take it before telling anyone ours. */
		return -1;
	}
	f->uidvalidity = uidlist_uidvalidity(f->ul);
	return 0;
}

/* 1 when t is later than u. */
static int
ts_after(const struct timespec *t, const struct timespec *u)
{
	return t->tv_sec > u->tv_sec ||
	       (t->tv_sec == u->tv_sec && t->tv_nsec > u->tv_nsec);
}

/* 1 when nothing can have come into cur/ or new/ since the uidlist was
 * last written (neither directory changed after it), so that no file
 * waits for a UID: then an append may go without the scan, and its UID
 * still comes after those of the mail delivered before it. */
static int
list_is_current(struct folder *f)
{
	struct timespec c, n, l;
	char path[4200];

	snprintf(path, sizeof(path), "%s/dovecot-uidlist", f->dir);
	return mtime_of(path, &l) == 0 && mtime_of(f->cur, &c) == 0 &&
	       mtime_of(f->newdir, &n) == 0 && !ts_after(&c, &l) &&
	       !ts_after(&n, &l);
}

int
folder_open_dest(const char *root, const char *dir, struct folder **f_r,
		 const char **err_r)
{
	struct folder *f;
	uint32_t floor;
	int damaged = 0, missing, r;

	if ((f = open_common(root, dir, 1, &damaged, err_r)) == NULL)
		return -1;
	if (damaged || !list_is_current(f)) {
		folder_close(&f);
		return folder_open(root, dir, 1, f_r, err_r);
	}
	if ((r = list_settle(f, damaged, err_r)) < 0) {
		open_failed(&f, err_r);
		return r;
	}
	/* As a read-only sync would: where recent mail starts, when no
	 * session has said so yet, is before what we add. */
	floor = recent_floor(f, uidlist_next_uid(f->ul), &missing);
	if (missing)
		recent_claim(f, floor);
	*f_r = f;
	return 0;
}

/* Marks \Recent from the mark in skua.recent, as full_sync does when no
 * file is new: the messages from floor on are this session's. */
static void
recent_mark(struct folder *f, uint32_t uidnext)
{
	uint32_t floor;
	size_t lo;
	int missing;

	if (!f->readonly) {
		floor = recent_take(f, uidnext, uidnext);
	} else {
		floor = recent_floor(f, uidnext, &missing);
		if (missing)
			recent_claim(f, floor);
	}
	lo = folder_msg_index(f, floor);
	/* only the pages of recent messages become the session's own */
	for (size_t i = lo; i < f->n; i++)
		f->msgs[i].recent = 1;
	f->nrecent = f->n - lo;
}

/* Opens f from skua.snap when its stamp shows that cur/, new/ and
 * dovecot-uidlist are as the full sync it was written after found them
 * (snap_save): then that sync's list is the folder's, and neither the
 * directory nor the uidlist is read. Returns 1 when f is open so, 0
 * when it must be opened in full. */
static int
open_warm(struct folder *f)
{
	struct snap_info si;
	struct timespec c, n;
	int fd, armed;

	if (!local_fs(f->cur))
		return 0;
	armed = watch_restart(f);
	if (mtime_of(f->cur, &c) < 0 || mtime_of(f->newdir, &n) < 0 ||
	    snap_open(f->dir, &si, &fd) < 0)
		return 0;
	f->snap = si.stamp;
	if (c.tv_sec != si.stamp.cur_sec || c.tv_nsec != si.stamp.cur_nsec ||
	    n.tv_sec != si.stamp.new_sec || n.tv_nsec != si.stamp.new_nsec ||
	    si.uidvalidity == 0 || !ul_file_same(f) ||
	    (si.n > 0 && (f->msgs = snap_map(fd, &si, &f->map_len)) == NULL)) {
		close(fd);
		return 0;
	}
	close(fd);
	f->n = f->cap = (size_t)si.n;
	f->uidvalidity = f->names_uv = si.uidvalidity;
	f->snap_uidnext = si.uidnext;
	memcpy(f->snap_guid, si.guid, sizeof(f->snap_guid));
	f->snap_known = 1;
	f->cur_mtime = c;
	f->new_mtime = n;
	/* the scan the snapshot was made from began long after them */
	f->scan_start = time(NULL);
	f->synced = 1;
	/* what changes from here on, the watch has seen */
	f->watch_sync = armed;
	recent_mark(f, si.uidnext);
	return 1;
}

/* The full open: the uidlist, a full sync, and the list settled. */
static int
open_cold(struct folder *f, const char **err_r)
{
	int damaged = 0, r;

	if (uidlist_open(f->dir, f->root, &f->ul, &damaged, err_r) < 0)
		return -1;
	f->opening = 1;
	r = folder_sync(f, NULL, err_r);
	f->opening = 0;
	if (r < 0)
		return r == FOLDER_OVERQUOTA || r == FOLDER_INUSE ? r : -1;
	return list_settle(f, damaged, err_r);
}

int
folder_open(const char *root, const char *dir, int flags,
	    struct folder **f_r, const char **err_r)
{
	const int readonly = (flags & FOLDER_READONLY) != 0;
	struct folder *f;
	int warm, r;

	if ((f = open_dirs(root, dir, readonly, err_r)) == NULL)
		return -1;
	/* Armed before the folder is first looked at, so that the open's
	 * own scan (or the snapshot's stamp) is what the watch goes on
	 * from: the first sync after SELECT needs no scan of its own. */
	if (flags & FOLDER_TRACK)
		f->tracking = local_fs(f->cur);
	warm = open_warm(f);
	if (!warm && (r = open_cold(f, err_r)) < 0) {
		open_failed(&f, err_r);
		return r;
	}
	if (mindex_open(dir, f->uidvalidity, &f->ix, err_r) < 0) {
		open_failed(&f, err_r);
		return -1;
	}
	if (!warm || !snap_index_current(f)) {
		if (index_sync(f, err_r) < 0) {
			open_failed(&f, err_r);
			return -1;
		}
		if (warm) {
			snap_note_index(f);
		} else {
			snap_save(f);
			snap_adopt(f);
		}
	}
	if (!readonly && import_courier_keywords(f, err_r) < 0) {
		open_failed(&f, err_r);
		return -1;
	}
	/* The first sync's report (every message "added") is not wanted:
	 * its arrays would stay as big as the folder. */
	uids_release(&f->added);
	uids_release(&f->expunged);
	uids_release(&f->flagged);
	heap_trim(f->n);
	*f_r = f;
	return 0;
}

uint32_t
folder_uidvalidity(const struct folder *f)
{
	return f->ul != NULL ? uidlist_uidvalidity(f->ul) : f->uidvalidity;
}

uint32_t
folder_uidnext(const struct folder *f)
{
	return f->ul != NULL ? uidlist_next_uid(f->ul) : f->snap_uidnext;
}

const char *
folder_dir(const struct folder *f)
{
	return f->dir;
}

const char *
folder_mailbox_guid(struct folder *f, const char **err_r)
{
	/* An update with nothing new writes the file when its header
	 * lacks the GUID (the list is dirty then). */
	if (f->ul == NULL && f->snap_guid[0] != '\0')
		return f->snap_guid;
	if (ul_need(f, err_r) < 0)
		return NULL;
	if (uidlist_guid(f->ul)[0] == '\0' &&
	    uidlist_update(f->ul, NULL, 0, NULL, 0, err_r) < 0)
		return NULL;
	if (uidlist_guid(f->ul)[0] == '\0') {
		*err_r = "dovecot-uidlist has no mailbox GUID";
		return NULL;
	}
	return uidlist_guid(f->ul);
}

/* A destination folder (folder_open_dest) has no index: it knows no
 * MODSEQs. */
uint64_t
folder_highestmodseq(const struct folder *f)
{
	return f->ix != NULL ? mindex_highest(f->ix) : 0;
}

uint64_t
folder_modseq(const struct folder *f, uint32_t uid)
{
	return f->ix != NULL ? mindex_modseq(f->ix, uid) : 0;
}

int
folder_expunged_since(const struct folder *f, uint64_t modseq,
		      uint32_t **uids_r, size_t *n_r)
{
	if (f->ix == NULL) {
		*uids_r = NULL;
		*n_r = 0;
		return 0;
	}
	return mindex_expunged_since(f->ix, modseq, uids_r, n_r);
}

int
folder_modseq_lock(struct folder *f, const char **err_r)
{
	return f->ix != NULL ? mindex_lock(f->ix, err_r) : 0;
}

void
folder_modseq_unlock(struct folder *f)
{
	if (f->ix != NULL)
		mindex_unlock(f->ix);
}

const struct store_msg *
folder_msgs(const struct folder *f, size_t *n_r)
{
	*n_r = f->n;
	return f->msgs;
}

static struct store_msg *
msg_find(const struct folder *f, uint32_t uid)
{
	size_t i = folder_msg_index(f, uid);

	return i < f->n && f->msgs[i].uid == uid ? &f->msgs[i] : NULL;
}

size_t
folder_msg_index(const struct folder *f, uint32_t uid)
{
	const struct store_msg *m = f->msgs;
	size_t lo = 0, hi = f->n, n = f->n;

	if (n == 0 || uid > m[n - 1].uid)
		return n;
	if (uid <= m[0].uid)
		return 0;
	/* UIDs grow by at least one a message, so uid's place lies no
	 * further from where a gapless list would have it than the list
	 * has gaps: few in most folders, and the search takes a step or
	 * two where a STORE of a big folder would take 17, and reads a
	 * few pages of a mapped list (store/snap.h), not one a probe. */
	if (uid - m[0].uid < n)
		hi = uid - m[0].uid;
	if (m[n - 1].uid - uid < n)
		lo = n - 1 - (m[n - 1].uid - uid);
	if (lo > hi)            /* not strictly increasing: search it all */
		lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
folder_recent_count(const struct folder *f)
{
	return f->nrecent;
}

const struct store_msg *
folder_msg(const struct folder *f, uint32_t uid)
{
	return msg_find(f, uid);
}

/* How often an operation on a message whose file name went stale looks
 * for it again before calling it expunged: another session may rename it
 * (a flag change) between the scan and the use, more than once. */
#define RELOCATE_TRIES 4

/* Looks for the current name of m's base in cur/ once. */
static int
relocate_scan(struct folder *f, struct store_msg *m)
{
	char buf[FOLDER_NAME_SIZE];
	const char *name = folder_msg_name(f, m, buf, sizeof(buf));
	size_t len;
	DIR *d;
	struct dirent *de;
	int found = 0;

	if (name == NULL || (d = dir_open(f->cur)) == NULL)
		return 0;
	len = base_len_of(name);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, name, len) == 0 &&
		    (de->d_name[len] == ':' || de->d_name[len] == '\0')) {
			/* the flags stay: the next sync reports them */
			msg_set_name(f, m, de->d_name);
			found = 1;
			break;
		}
	}
	closedir(d);
	return found;
}

/* Looks for the current name of m's base in cur/ and keeps it.
 * Returns 1 when found, 0 when the base is gone. A file renamed while
 * the directory is read may be missed by that readdir (POSIX leaves it
 * unspecified), so a miss is confirmed by a second scan. */
static int
relocate(struct folder *f, struct store_msg *m)
{
	return relocate_scan(f, m) || relocate_scan(f, m);
}

/* cur/ and m's file name into out. Returns 0, or -1 (out "") when the
 * uidlist no longer knows m: it is gone. */
static int
msg_path(struct folder *f, const struct store_msg *m, char *out, size_t size)
{
	char buf[FOLDER_NAME_SIZE];
	const char *name = folder_msg_name(f, m, buf, sizeof(buf));

	if (name == NULL || snprintf(out, size, "%s/%s", f->cur, name) >=
	    (int)size) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* A descriptor of cur/, opened at the first need: names looked up
 * through it cost the kernel one step instead of a walk of the folder's
 * whole path, once per message. -1 when cur/ cannot be opened. */
static int
cur_dirfd(struct folder *f)
{
	if (f->cur_fd < 0)
		f->cur_fd = open(f->cur, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				 O_CLOEXEC);
	return f->cur_fd;
}

int
folder_msg_open(struct folder *f, uint32_t uid, int *gone_r,
		const char **err_r)
{
	struct store_msg *m = msg_find(f, uid);
	char path[4352], buf[FOLDER_NAME_SIZE];
	const char *name;
	int fd;

	*gone_r = 0;
	if (m == NULL) {
		*gone_r = 1;
		return -1;
	}
	for (int attempt = 0; attempt < RELOCATE_TRIES; attempt++) {
		int dfd = cur_dirfd(f);

		if ((name = folder_msg_name(f, m, buf, sizeof(buf))) == NULL)
			break;
		if (dfd >= 0) {
			fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW |
				    O_CLOEXEC);
		} else {
			msg_path(f, m, path, sizeof(path));
			fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd >= 0)
			return fd;
		if (errno != ENOENT) {
			msg_path(f, m, path, sizeof(path));
			*err_r = ferr(f, "cannot open", path);
			return -1;
		}
		if (attempt + 1 < RELOCATE_TRIES && !relocate(f, m))
			break;
	}
	*gone_r = 1;
	return -1;
}

int
folder_msg_date(struct folder *f, uint32_t uid, time_t *t_r)
{
	struct store_msg *m = msg_find(f, uid);
	char path[4352], buf[FOLDER_NAME_SIZE];
	const char *name;
	struct stat st;

	if (m == NULL)
		return -1;
	for (int attempt = 0; attempt < RELOCATE_TRIES; attempt++) {
		int dfd = cur_dirfd(f), r;

		if ((name = folder_msg_name(f, m, buf, sizeof(buf))) == NULL)
			break;
		if (dfd >= 0) {
			r = fstatat(dfd, name, &st, 0);
		} else {
			msg_path(f, m, path, sizeof(path));
			r = stat(path, &st);
		}
		if (r == 0) {
			*t_r = st.st_mtime;
			return 0;
		}
		if (errno != ENOENT ||
		    (attempt + 1 < RELOCATE_TRIES && !relocate(f, m)))
			break;
	}
	return -1;
}

/* Renames cur/from to cur/to through a descriptor of cur/, so that the
 * kernel does not walk the folder's path twice per message. */
static int
rename_in_cur(struct folder *f, const char *from, const char *to)
{
	if (cur_dirfd(f) < 0)
		return -1;
	return renameat(f->cur_fd, from, f->cur_fd, to);
}

static void
pend_push(struct folder *f, const struct mindex_msg *mm)
{
	if (f->npend == f->cappend) {
		f->cappend = f->cappend ? f->cappend * 2 : 256;
		f->pend = xrealloc(f->pend, f->cappend * sizeof(*f->pend));
	}
	f->pend[f->npend++] = *mm;
}

/* 1 when the batch changed messages in increasing UID order, each once
 * (the usual "1:*"). */
static int
pend_sorted(const struct folder *f)
{
	for (size_t i = 1; i < f->npend; i++)
		if (f->pend[i].uid <= f->pend[i - 1].uid)
			return 0;
	return 1;
}

/* One message's flag change: the bits taken away, then those added. */
struct flag_change {
	unsigned add, del;
	uint32_t kw_add, kw_del;
};

/* Works out m's new flags and keywords from its file name as it is and
 * writes the name they make to name (FILENAME_MAX_LEN + 1 bytes).
 * Returns the current name (in buf, FOLDER_NAME_SIZE bytes, or the
 * folder's copy); NULL when m is gone, or with *long_r set when the
 * new name does not fit. A named m's name is read: another process may
 * have renamed the file since the last sync (relocate found it), and
 * that change stays. Any other name is made of the base and m's flags,
 * which are then what reading it would give: a STORE of a big folder
 * builds two names a message and parses none. */
static const char *
change_names(struct folder *f, const struct store_msg *m,
	     const struct flag_change *c, char *buf, char *name,
	     unsigned *flags_r, uint32_t *kw_r, int *long_r)
{
	struct mfilename now;
	const char *cur, *base;
	size_t len;
	int r;

	*long_r = 0;
	if (m->named) {
		if ((cur = folder_msg_name(f, m, buf, FOLDER_NAME_SIZE)) ==
		    NULL)
			return NULL;
		mfilename_parse(cur, &now);
		*flags_r = (now.flags & ~c->del) | c->add;
		*kw_r = (now.keywords & ~c->kw_del) | c->kw_add;
		r = mfilename_set_flags(cur, *flags_r, *kw_r, name,
					FILENAME_MAX_LEN + 1);
	} else {
		if ((base = rec_base(f, m->uid)) == NULL)
			return NULL;
		len = strlen(base);
		if (mfilename_build(base, len, m->flags, m->keywords, "", buf,
				    FOLDER_NAME_SIZE) < 0)
			return NULL;
		cur = buf;
		*flags_r = ((m->flags & MF_ALL) & ~c->del) | c->add;
		*kw_r = ((m->keywords & MF_KEYWORDS) & ~c->kw_del) | c->kw_add;
		r = mfilename_build(base, len, *flags_r, *kw_r, "", name,
				    FILENAME_MAX_LEN + 1);
	}
	if (r < 0) {
		*long_r = 1;
		return NULL;
	}
	return cur;
}

int
folder_change_flags(struct folder *f, uint32_t uid, unsigned add_flags,
		    unsigned del_flags, uint32_t add_keywords,
		    uint32_t del_keywords, const char **err_r)
{
	struct store_msg *m = msg_find(f, uid);
	const struct flag_change c = {
		add_flags, del_flags, add_keywords, del_keywords
	};
	char from[4352], name[FILENAME_MAX_LEN + 1], buf[FOLDER_NAME_SIZE];
	const char *cur;
	unsigned flags;
	uint32_t keywords;
	int toolong;

	if (m == NULL)
		return 1;
	for (int attempt = 0; attempt < RELOCATE_TRIES; attempt++) {
		cur = change_names(f, m, &c, buf, name, &flags, &keywords,
				   &toolong);
		if (cur == NULL && toolong) {
			*err_r = "file name too long for these flags";
			return -1;
		}
		if (cur == NULL)
			break;
		if (strcmp(name, cur) == 0)
			goto done;
		if (rename_in_cur(f, cur, name) == 0) {
			watch_own(f, cur, name);
			goto done;
		}
		if (errno != ENOENT) {
			msg_path(f, m, from, sizeof(from));
			*err_r = ferr(f, "cannot rename", from);
			return -1;
		}
		if (attempt + 1 < RELOCATE_TRIES && !relocate(f, m))
			break;
	}
	return 1;
done:
	m->flags = flags;
	m->keywords = keywords;
	/* An unnamed m's new name is made of its base and flags: it stays
	 * unnamed, with nothing to note. */
	if (m->named)
		msg_set_name(f, m, name);
	if (f->ix != NULL) {
		struct mindex_msg one = { uid, flags, keywords };
		if (f->batch) {
			pend_push(f, &one);
			return 0;
		}
		if (mindex_update(f->ix, &one, 1, MINDEX_PARTIAL, err_r) < 0)
			return -1;
	}
	return 0;
}

void
folder_flags_batch_begin(struct folder *f)
{
	f->batch = 1;
	f->npend = 0;
}

static int
mm_uid_cmp(const void *a, const void *b)
{
	const struct mindex_msg *x = a, *y = b;

	return (x->uid > y->uid) - (x->uid < y->uid);
}

int
folder_flags_batch_end(struct folder *f, const char **err_r)
{
	size_t n = 0;
	int r = 0;

	f->batch = 0;
	if (f->npend == 0 || f->ix == NULL)
		goto out;
	/* A set such as "5,1:3,2" changes messages out of UID order and
	 * some twice: the index wants them sorted and each once, with
	 * the last change, which the message's entry holds. */
	if (!pend_sorted(f)) {
		qsort(f->pend, f->npend, sizeof(*f->pend), mm_uid_cmp);
		for (size_t i = 0; i < f->npend; i++) {
			if (n > 0 && f->pend[n - 1].uid == f->pend[i].uid) {
				const struct store_msg *m =
					msg_find(f, f->pend[i].uid);
				/* the entry holds the final state */
				if (m != NULL) {
					f->pend[n - 1].flags = m->flags;
					f->pend[n - 1].keywords = m->keywords;
				}
				continue;
			}
			f->pend[n++] = f->pend[i];
		}
		f->npend = n;
	}
	if (mindex_update(f->ix, f->pend, f->npend, MINDEX_PARTIAL,
			  err_r) < 0)
		r = -1;
out:
	f->npend = 0;
	if (f->cappend > 4096) {        /* a big STORE's array goes */
		free(f->pend);
		f->pend = NULL;
		f->cappend = 0;
	}
	return r;
}

int
folder_set_flags(struct folder *f, uint32_t uid, unsigned flags,
		 uint32_t keywords, const char **err_r)
{
	return folder_change_flags(f, uid, flags, ~0u, keywords, ~0u, err_r);
}

int
folder_expunge(struct folder *f, uint32_t uid, const char **err_r)
{
	struct store_msg *m = msg_find(f, uid);
	char path[4352];
	struct stat st;

	if (m == NULL)
		return 0;
	for (int attempt = 0; attempt < RELOCATE_TRIES; attempt++) {
		msg_path(f, m, path, sizeof(path));
		/* The size leaves the quota with the file (maildirplusplus:
		 * every writer keeps maildirsize in step). */
		if (lstat(path, &st) == 0 && unlink(path) == 0) {
			if (f->quota_counted &&
			    quota_add(f->root, -(int64_t)st.st_size, -1,
				      err_r) < 0)
				return -1;
			return 0;
		}
		if (errno != ENOENT) {
			*err_r = ferr(f, "cannot remove", path);
			return -1;
		}
		if (attempt + 1 < RELOCATE_TRIES && !relocate(f, m))
			break;
	}
	return 0;
}

/* After FOLDER_INUSE from f's uidlist: takes the file just put into f's
 * cur/ (path) out again, with its quota, so that the client's NO means
 * nothing was added. A reader that numbered it meanwhile sees it
 * expunged; nothing is lost, as the message never was the client's. */
static int
inuse_take_back(struct folder *f, const char *path, int64_t size)
{
	const char *qerr;

	if (unlink(path) < 0 && errno != ENOENT)
		log_error("cannot take back %s: %s", path, strerror(errno));
	else if (f->quota_counted)
		(void)quota_add(f->root, -size, -1, &qerr);
	return FOLDER_INUSE;
}

/* Refuses size more bytes and one more message over the quota. Returns
 * 0, FOLDER_OVERQUOTA, or -1 with *err_r. */
static int
quota_room(struct folder *f, int64_t size, const char **err_r)
{
	struct quota_usage u;
	int r;

	if (!f->quota_counted)
		return 0;
	r = quota_check(f->root, size, 1, &u, err_r);
	if (r < 0)
		return -1;
	if (r == 1) {
		*err_r = "Quota exceeded (mailbox for user is full)";
		return FOLDER_OVERQUOTA;
	}
	return 0;
}

int
folder_append_begin(struct folder *f, struct folder_append **a_r, int *fd_r,
		    const char **err_r)
{
	struct folder_append *a = calloc(1, sizeof(*a));
	char base[FILENAME_MAX_LEN + 1];

	if (a == NULL)
		abort();
	mfilename_new_base(-1, -1, base, sizeof(base));
	snprintf(a->tmp_path, sizeof(a->tmp_path), "%s/tmp/%s", f->dir, base);
	a->fd = open(a->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		     O_CLOEXEC, 0600);
	if (a->fd < 0) {
		int r = write_fail(f, "cannot create", a->tmp_path, err_r);
		free(a);
		return r;
	}
	a->f = f;
	*a_r = a;
	*fd_r = a->fd;
	return 0;
}

int
folder_append_adopt(struct folder *f, int fd, struct folder_append **a_r,
		    const char **err_r)
{
	struct folder_append *a = xcalloc(1, sizeof(*a));

	(void)err_r;
	a->f = f;
	a->fd = fd;
	a->adopted = 1;
	snprintf(a->tmp_path, sizeof(a->tmp_path), "%s/(literal)", f->dir);
	*a_r = a;
	return 0;
}

/* An adopted file that cannot be linked where it is: its bytes go into
 * a file of tmp/ as folder_append_begin makes, which the commit then
 * links as usual. Returns 0, FOLDER_OVERQUOTA or -1 with *err_r. */
static int
adopt_copy(struct folder_append *a, const char **err_r)
{
	struct folder_append *b;
	char buf[65536];
	off_t off = 0;
	ssize_t n;
	int fd, r;

	if ((r = folder_append_begin(a->f, &b, &fd, err_r)) != 0)
		return r;
	while ((n = pread(a->fd, buf, sizeof(buf), off)) > 0) {
		if (write(fd, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
		off += n;
	}
	if (n < 0) {
		r = write_fail(a->f, "cannot copy into", b->tmp_path, err_r);
		folder_append_abort(&b);
		return r;
	}
	a->fd = b->fd;
	a->adopted = 0;
	memcpy(a->tmp_path, b->tmp_path, sizeof(a->tmp_path));
	free(b);
	return 0;
}

/* Gives the message its name in cur/: a link of the file in tmp/, or of
 * the adopted unnamed file through /proc (linkat with AT_EMPTY_PATH
 * would want a privilege). link, not rename: it fails rather than
 * replace an existing file. Returns 0, or -1 with errno. */
static int
append_link(struct folder_append *a, const char *path)
{
	char proc[64];

	if (!a->adopted)
		return link(a->tmp_path, path);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", a->fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

/* Size with every bare LF counted as CRLF (RFC822.SIZE), read back from
 * the file, which is still in the page cache. */
static int64_t
wire_size(int fd, int64_t size)
{
	unsigned char buf[65536];
	int64_t vsize = size;
	unsigned char prev = 0;
	ssize_t n;
	off_t off = 0;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' && prev != '\r')
				vsize++;
			prev = buf[i];
		}
		off += n;
	}
	return n < 0 ? -1 : vsize;
}

/* Room for one more staged message, made before the link so that
 * nothing can fail between the link and its record. */
static void
staged_reserve(struct folder *f)
{
	if (f->nstaged < f->capstaged)
		return;
	f->capstaged = f->capstaged ? f->capstaged * 2 : 16;
	f->staged = xrealloc(f->staged, f->capstaged * sizeof(*f->staged));
}

int
folder_append_stage(struct folder_append **ap, unsigned flags,
		    uint32_t keywords, time_t date, const char **err_r)
{
	struct folder_append *a = *ap;
	struct folder *f = a->f;
	char base[FILENAME_MAX_LEN + 1], name[FILENAME_MAX_LEN + 1];
	char path[4352];
	struct timespec times[2] = { { date, 0 }, { date, 0 } };
	struct staged *sm;
	struct stat st;
	int64_t vsize;
	int ret = -1, r;

	if (fstat(a->fd, &st) < 0 || (vsize = wire_size(a->fd, st.st_size)) < 0 ||
	    fsync(a->fd) < 0 || futimens(a->fd, times) < 0) {
		ret = write_fail(f, "cannot write", a->tmp_path, err_r);
		goto fail;
	}
	if ((ret = quota_room(f, st.st_size, err_r)) != 0)
		goto fail;
	ret = -1;
	mfilename_new_base(st.st_size, vsize, base, sizeof(base));
	if (mfilename_build(base, strlen(base), flags, keywords, "", name,
			    sizeof(name)) < 0) {
		*err_r = "file name too long";
		goto fail;
	}
	staged_reserve(f);
	snprintf(path, sizeof(path), "%s/%s", f->cur, name);
	r = append_link(a, path);
	if (r < 0 && a->adopted && errno != EEXIST && errno != ENOSPC &&
	    errno != EDQUOT) {
		/* not linkable from where it is: copy, then as usual */
		if ((ret = adopt_copy(a, err_r)) != 0)
			goto fail;
		ret = -1;
		if (fsync(a->fd) < 0 || futimens(a->fd, times) < 0) {
			ret = write_fail(f, "cannot write", a->tmp_path, err_r);
			goto fail;
		}
		r = append_link(a, path);
	}
	if (r < 0) {
		ret = write_fail(f, "cannot link", path, err_r);
		goto fail;
	}
	if (!a->adopted) {
		unlink(a->tmp_path);
		close(a->fd);
	}
	free(a);
	*ap = NULL;
	/* Counted at once, as the file is in cur/: a recalculation of
	 * maildirsize meanwhile counts it too. */
	if (f->quota_counted && quota_add(f->root, st.st_size, 1, err_r) < 0)
		return -1;      /* the file stays: the next sync numbers it */
	sm = &f->staged[f->nstaged++];
	memcpy(sm->name, name, sizeof(name));
	memcpy(sm->base, base, sizeof(base));
	sm->size = st.st_size;
	f->staged_bytes += st.st_size;
	return 0;
fail:
	folder_append_abort(ap);
	return ret;
}

/* Takes the staged messages out of cur/ again, and their sizes off the
 * quota, so that the client's NO means nothing was added.
 * A reader that numbered one meanwhile sees it expunged; nothing is
 * lost, as none was ever the client's. */
static void
staged_take_back(struct folder *f)
{
	const char *qerr;

	for (size_t i = 0; i < f->nstaged; i++)
		if (unlinkat(f->cur_fd, f->staged[i].name, 0) < 0 &&
		    errno != ENOENT)
			log_error("cannot take back %s/%s: %s", f->cur,
				  f->staged[i].name, strerror(errno));
	if (f->quota_counted)
		(void)quota_add(f->root, -f->staged_bytes,
				-(int64_t)f->nstaged, &qerr);
}

int
folder_append_settle(struct folder *f, uint32_t *uids, const char **err_r)
{
	const char **bases;
	size_t n = f->nstaged;
	int r = 0;

	if (n == 0)
		return 0;
	/* The new names reach the disk before anyone is told of them, as
	 * Dovecot fdatasyncs cur/ after its renames (mail_fsync=optimized);
	 * one sync for the whole run of messages. */
	if (cur_dirfd(f) < 0 || fsync(f->cur_fd) < 0) {
		r = write_fail(f, "cannot fsync", f->cur, err_r);
		if (f->cur_fd >= 0)
			staged_take_back(f);
		goto out;
	}
	if ((r = ul_need(f, err_r)) < 0) {
		staged_take_back(f);
		goto out;
	}
	bases = xcalloc(n, sizeof(*bases));
	for (size_t i = 0; i < n; i++)
		bases[i] = f->staged[i].base;
	if (uidlist_update(f->ul, bases, n, NULL, 0, err_r) < 0) {
		r = -1;
		if (errno == EAGAIN) {          /* the lock is busy */
			staged_take_back(f);
			r = FOLDER_INUSE;
		}
	} else {
		for (size_t i = 0; i < n; i++)
			uids[i] = uidlist_lookup(f->ul, bases[i]);
	}
	free(bases);
out:
	f->nstaged = 0;
	f->staged_bytes = 0;
	return r;
}

size_t
folder_append_staged(const struct folder *f)
{
	return f->nstaged;
}

int
folder_append_commit(struct folder_append **ap, unsigned flags,
		     uint32_t keywords, time_t date, uint32_t *uid_r,
		     const char **err_r)
{
	struct folder *f = (*ap)->f;
	int r;

	assert(f->nstaged == 0);        /* uid_r has room for one */
	if ((r = folder_append_stage(ap, flags, keywords, date, err_r)) != 0)
		return r;
	return folder_append_settle(f, uid_r, err_r);
}

void
folder_append_abort(struct folder_append **ap)
{
	struct folder_append *a = *ap;

	if (a == NULL)
		return;
	if (!a->adopted) {      /* an adopted file is the caller's */
		close(a->fd);
		unlink(a->tmp_path);
	}
	free(a);
	*ap = NULL;
}

/* Copies the bytes of fd into a new message of dst: for a copy across
 * file systems, where no link can be made. */
static int
copy_bytes(struct folder *dst, int fd, unsigned flags, uint32_t keywords,
	   time_t date, uint32_t *uid_r, const char **err_r)
{
	struct folder_append *a;
	char buf[65536];
	ssize_t n;
	int out, r;

	if ((r = folder_append_begin(dst, &a, &out, err_r)) != 0)
		return r;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (n != 0) {
		r = write_fail(dst, "cannot copy into", dst->dir, err_r);
		folder_append_abort(&a);
		return r;
	}
	return folder_append_commit(&a, flags, keywords, date, uid_r, err_r);
}

/* Links the message open as fd, found at from, to the path to. Another
 * session may rename the file (a flag change) between the open and the
 * link, so a vanished name is retried through the descriptor, which
 * names the inode whatever its name is now; that fails with ENOENT only
 * when the last name is gone (expunged). */
static int
link_open_msg(const char *from, int fd, const char *to)
{
	char proc[64];

	if (link(from, to) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW);
}

int
folder_copy(struct folder *src, uint32_t uid, struct folder *dst,
	    unsigned flags, uint32_t keywords, uint32_t *uid_r,
	    const char **err_r)
{
	struct store_msg *m = msg_find(src, uid);
	char from[4352], to[4352], base[FILENAME_MAX_LEN + 1];
	char name[FILENAME_MAX_LEN + 1];
	const char *bases[1];
	struct stat st;
	int64_t vsize;
	int fd, gone, r;

	if (m == NULL)
		return 1;
	fd = folder_msg_open(src, uid, &gone, err_r);
	if (fd < 0)
		return gone ? 1 : -1;
	if (msg_path(src, m, from, sizeof(from)) < 0) {
		close(fd);              /* expunged since the open */
		return 1;
	}
	if (fstat(fd, &st) < 0) {
		*err_r = ferr(src, "cannot stat", from);
		close(fd);
		return -1;
	}
	if ((r = quota_room(dst, st.st_size, err_r)) != 0) {
		close(fd);
		return r;
	}
	vsize = m->vsize >= 0 ? m->vsize : wire_size(fd, st.st_size);
	mfilename_new_base(st.st_size, vsize, base, sizeof(base));
	if (mfilename_build(base, strlen(base), flags, keywords, "", name,
			    sizeof(name)) < 0) {
		*err_r = "file name too long";
		close(fd);
		return -1;
	}
	snprintf(to, sizeof(to), "%s/%s", dst->cur, name);
	/* A hard link: no data copied, the same internal date, and one
	 * file on disk for two messages (Dovecot does the same). */
	if (link_open_msg(from, fd, to) < 0) {
		if (errno == ENOENT && access(dst->cur, F_OK) == 0) {
			close(fd);      /* expunged since it was opened */
			return 1;
		}
		if (errno != EXDEV && errno != EPERM && errno != EMLINK) {
			r = write_fail(dst, "cannot link", to, err_r);
			close(fd);
			return r;
		}
		r = copy_bytes(dst, fd, flags, keywords, st.st_mtime, uid_r,
			       err_r);
		close(fd);
		return r;
	}
	close(fd);
	if (dst->quota_counted &&
	    quota_add(dst->root, st.st_size, 1, err_r) < 0)
		return -1;
	bases[0] = base;
	if (uidlist_update(dst->ul, bases, 1, NULL, 0, err_r) < 0)
		return errno == EAGAIN ?        /* the lock is busy */
		       inuse_take_back(dst, to, st.st_size) : -1;
	*uid_r = uidlist_lookup(dst->ul, base);
	return 0;
}

/* MOVE (RFC 6851) as one rename(2): the file leaves src's cur/ and
 * enters dst's cur/ in the same instant, so no reader of either
 * directory, whatever its timing, finds the message in both folders or
 * in neither. Link-then-unlink would leave a window with the message in
 * both, which RFC 6851 3.3 says SHOULD NOT be seen. The file gets a new
 * base name (dst's uidlist may know the old one from an earlier move
 * back and forth) and keeps its inode, so the internal date (mtime)
 * stays. A reader of dst that scans before uidlist_update below gives
 * the file its UID itself under the uidlist lock; the lookup then finds
 * that UID, never a second one. The quota moves with the file: when
 * both folders count (one maildirsize per Maildir), nothing changes,
 * and a MOVE succeeds where a COPY would exceed the quota (RFC 6851
 * 4.1). Across file systems (EXDEV) the move falls back to a copy and an
 * expunge. */
int
folder_move(struct folder *src, uint32_t uid, struct folder *dst,
	    unsigned flags, uint32_t keywords, uint32_t *uid_r,
	    const char **err_r)
{
	struct store_msg *m = msg_find(src, uid);
	char from[4352], to[4352], base[FILENAME_MAX_LEN + 1];
	char name[FILENAME_MAX_LEN + 1];
	const char *bases[1], *qerr;
	struct stat st;
	int64_t vsize;
	int r;

	if (m == NULL)
		return 1;
	for (int attempt = 0;; attempt++) {
		msg_path(src, m, from, sizeof(from));
		if (lstat(from, &st) < 0 || !S_ISREG(st.st_mode)) {
			/* Renamed by a flag change meanwhile, or gone. */
			if (attempt + 1 < RELOCATE_TRIES && relocate(src, m))
				continue;
			return 1;
		}
		if (!src->quota_counted &&
		    (r = quota_room(dst, st.st_size, err_r)) != 0)
			return r;
		vsize = m->vsize;
		if (vsize < 0) {
			int gone, fd = folder_msg_open(src, uid, &gone, err_r);

			if (fd < 0)
				return gone ? 1 : -1;
			vsize = wire_size(fd, st.st_size);
			close(fd);
		}
		mfilename_new_base(st.st_size, vsize, base, sizeof(base));
		if (mfilename_build(base, strlen(base), flags, keywords, "",
				    name, sizeof(name)) < 0) {
			*err_r = "file name too long";
			return -1;
		}
		snprintf(to, sizeof(to), "%s/%s", dst->cur, name);
		if (rename(from, to) == 0)
			break;
		if (errno == ENOENT && attempt + 1 < RELOCATE_TRIES &&
		    relocate(src, m))
			continue;
		if (errno == ENOENT)
			return 1;
		if (errno == EXDEV) {
			r = folder_copy(src, uid, dst, flags, keywords, uid_r,
					err_r);
			if (r == 0 && folder_expunge(src, uid, err_r) < 0)
				return -1;
			return r;
		}
		*err_r = ferr(dst, "cannot move into", to);
		return -1;
	}
	if (src->quota_counted != dst->quota_counted &&
	    quota_add(src->quota_counted ? src->root : dst->root,
		      src->quota_counted ? -(int64_t)st.st_size :
		      (int64_t)st.st_size, src->quota_counted ? -1 : 1,
		      err_r) < 0)
		return -1;
	bases[0] = base;
	if (uidlist_update(dst->ul, bases, 1, NULL, 0, err_r) < 0) {
		if (errno != EAGAIN)    /* EAGAIN: the lock is busy */
			return -1;
		/* Back into src, so that NO [INUSE] means nothing moved;
		 * the quota goes back with it. */
		if (rename(to, from) < 0) {
			log_error("cannot move %s back to %s: %s", to, from,
				  strerror(errno));
			return -1;
		}
		if (src->quota_counted != dst->quota_counted)
			(void)quota_add(src->quota_counted ? src->root :
					dst->root, src->quota_counted ?
					(int64_t)st.st_size :
					-(int64_t)st.st_size,
					src->quota_counted ? 1 : -1, &qerr);
		return FOLDER_INUSE;
	}
	*uid_r = uidlist_lookup(dst->ul, base);
	return 0;
}

static int
folder_watch_open(struct folder *f)
{
	const uint32_t mask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
			      IN_DELETE | IN_ONLYDIR;

	if (f->watch_fd >= 0)
		return f->watch_fd;
	f->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->watch_fd < 0)
		return -1;
	if (inotify_add_watch(f->watch_fd, f->newdir, mask) < 0 ||
	    (f->cur_wd = inotify_add_watch(f->watch_fd, f->cur, mask)) < 0) {
		close(f->watch_fd);
		f->watch_fd = -1;
	}
	return f->watch_fd;
}

int
folder_watch(struct folder *f)
{
	return folder_watch_open(f);
}

void
folder_watch_drain(struct folder *f)
{
	/* Read, not thrown away: the next sync may rest on them. */
	if (f->watch_fd >= 0)
		watch_read(f);
}

void
folder_close(struct folder **fp)
{
	struct folder *f = *fp;

	if (f == NULL)
		return;
	if (f->watch_fd >= 0)
		close(f->watch_fd);
	renlog_free(&f->own);
	if (f->cur_fd >= 0)
		close(f->cur_fd);
	free(f->staged);        /* unsettled: numbered by the next sync */
	free(f->pend);
	uidlist_free(&f->ul);
	mindex_free(&f->ix);
	arena_free(&f->names);
	free(f->named);
	if (f->map_len > 0)
		snap_unmap(f->msgs, f->map_len);
	else
		free(f->msgs);
	free(f->mm);
	free(f->added.v);
	free(f->expunged.v);
	free(f->flagged.v);
	free(f->root);
	free(f->dir);
	free(f->cur);
	free(f->newdir);
	free(f);
	*fp = NULL;
}
