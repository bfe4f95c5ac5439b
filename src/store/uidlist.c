/* src/store/uidlist.c — dovecot-uidlist, read and written as Dovecot 2.3
 * does (src/lib-storage/index/maildir/maildir-uidlist.c).
 *
 * The file. Version 3, the one Dovecot has written since 1.1:
 *
 *	3 V<uidvalidity> N<nextuid> G<mailbox guid, 32 hex digits>[ <key><value>...]
 *	<uid>[ <key><value>...] :<base name>
 *
 * Header keys other than V, N and G (Dovecot knows P, the POP3 UIDL format)
 * are kept as they are. Record keys are one letter A-Z: S physical size,
 * W virtual size, P POP3 UIDL, O POP3 order, G message GUID; we keep them
 * verbatim. Dovecot writes only the base name (up to the first ':'); older
 * versions wrote the full name, so we cut at ':' when reading. Version 1
 * (Dovecot 1.0, and Courier's courierimapuiddb) is "1 <uidvalidity>
 * <nextuid>" then "<uid> <file name>"; we read it and write version 3.
 *
 * How Dovecot writes it. New messages are *appended* to the file in place
 * under the lock, without touching the header, so N in the header lags:
 * a file reading "N1" may hold UIDs 1-6 (seen with Dovecot 2.3.19). The
 * true next UID is max(N, last UID + 1), which is also what Dovecot
 * computes. Expunged records are dropped lazily, when Dovecot recreates
 * the file (dovecot-uidlist.tmp, fdatasync, rename). A reader without the
 * lock may therefore see a last line that is still being written.
 *
 * How Dovecot reads it, and where we differ. Dovecot stops at the first
 * bad line (garbage, UID 0, UIDs not increasing, a '/' in the name) and
 * *unlinks the file*, renumbering every message. We keep every line that
 * parses: a bad line, a duplicate UID, or a last line without its newline
 * is dropped; a line whose UID is out of order but unused is kept and the
 * records are sorted. Any of these sets "damaged" and marks the file for
 * rewriting, so Dovecot never sees it in that state. A base name listed
 * twice under two UIDs is, as in Dovecot, an expunged file that came
 * back: the later (higher) UID wins. Only a header we cannot read gives a
 * new UIDVALIDITY, and not even then when we still hold the one the file
 * had when we last read it.
 *
 * Writers. uidlist_update takes dovecot-uidlist.lock (dotlock.c), rereads
 * the file under it (Dovecot may have appended), applies the changes to a
 * copy, writes dovecot-uidlist.tmp, fsyncs it, checks that the lock is
 * still ours, renames it over dovecot-uidlist and fsyncs the directory.
 * A kill at any point leaves the old file or the new one. UIDs come only
 * from next_uid, which never goes down for a given UIDVALIDITY, so a UID
 * is never given twice. Dovecot accepts a file replaced under it (it
 * compares inodes). Like Dovecot, an update that only adds records to the
 * very file we last read (APPEND, COPY, new mail) appends their lines in
 * place and fdatasyncs them, instead of rewriting 100,000 lines for one:
 * a kill mid-write leaves a last line without its newline, which readers
 * drop and the next writer repairs by a rewrite; a failed write is cut
 * off again.
 *
 * Memory. Each generation of the list lives in one arena: the file is
 * read into it and parsed in place, records point into it, and a hash
 * table of record indexes finds a base name in O(1). */
#include "store/uidlist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/fdio.h"
#include "util/xalloc.h"

#define UIDLIST_NAME    "dovecot-uidlist"
#define COURIER_NAME    "courierimapuiddb"
#define UIDVALIDITY_NAME "dovecot-uidvalidity"
#define LOCK_TIMEOUT_S  10
#define MAX_UID         0xfffffffeU     /* Dovecot rejects (uint32_t)-1 */
#define MAX_FILE        (1024UL * 1024 * 1024)

/* One generation of the list: what one read of the file gave, plus the
 * changes of an update in progress. */
struct state {
	struct arena *ar;
	struct uidlist_rec *recs;       /* sorted by uid, unique */
	size_t n, cap;
	uint32_t *hash;                 /* record index + 1; 0 = empty */
	size_t hcap;                    /* power of two, > 2 * n */
	uint32_t uidvalidity, next_uid;
	const char *guid;               /* 32 hex digits, or "" */
	const char *hdr_extra;          /* other header fields, or "" */
	int exists;                     /* read from an existing file */
	int damaged;                    /* something had to be dropped */
	int dirty;                      /* must be rewritten even unchanged */
	struct stat st;                 /* of the file read */
};

struct uidlist {
	char *dir, *root, *path, *tmp_path;
	struct state s;
	char err[512];
};

/* --- errors -------------------------------------------------------- */

static const char *
fail(struct uidlist *l, const char *what, const char *path)
{
	snprintf(l->err, sizeof(l->err), "%s(%s): %s", what, path,
		 strerror(errno));
	return l->err;
}

/* --- the hash table of base names ---------------------------------- */

static size_t
base_len(const char *name)
{
	return (size_t)(strchrnul(name, ':') - name);
}

static uint32_t
hash_base(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;

	/* eight bytes at a time: this runs once per record on every read */
	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, s, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* The table. A slot holds 0 (empty) or the record's index + 1 in its low
 * bits (below hcap, which is more than twice the records), and above
 * them the hash bits that did not choose the slot. A probe thus rejects
 * a slot without reading its record or its string: in a big list each
 * of those is a cache miss, and they used to be most of a sync's time. */
static uint32_t
idx_mask(const struct state *s)
{
	return (uint32_t)(s->hcap - 1);
}

/* The record index in slot i, or -1 when it is empty. */
static long
slot_rec(const struct state *s, size_t i)
{
	uint32_t v = s->hash[i];

	return v == 0 ? -1 : (long)(v & idx_mask(s)) - 1;
}

static void
slot_set(struct state *s, size_t i, uint32_t h, size_t rec)
{
	s->hash[i] = (h & ~idx_mask(s)) | (uint32_t)(rec + 1);
}

/* The slot holding base (len bytes, hash h), or the empty slot where it
 * would go. */
static size_t
hash_probe(const struct state *s, const char *base, size_t len, uint32_t h)
{
	uint32_t mask = idx_mask(s), tag = h & ~mask, v;
	size_t i = h & mask;

	while ((v = s->hash[i]) != 0) {
		if ((v & ~mask) == tag) {
			const char *b = s->recs[(v & mask) - 1].base;

			if (strncmp(b, base, len) == 0 && b[len] == '\0')
				break;
		}
		i = (i + 1) & mask;
	}
	return i;
}

static size_t
hash_slot(const struct state *s, const char *base, size_t len)
{
	return hash_probe(s, base, len, hash_base(base, len));
}

/* Lookups of many names, one after another, each wait for memory three
 * times (slot, record, string). Done in a pipeline, the later names'
 * slots, records and strings are fetched while the earlier ones are
 * compared: AHEAD names between the stages. Only the last stage
 * decides; the others are hints to the cache. */
#define AHEAD 8
#define RING (4 * AHEAD)

struct ahead {
	const char *name;
	size_t len;
	uint32_t h;
	long cand;              /* the record the home slot suggests, or -1 */
};

/* Stage 1: hash the name and fetch its home slot. */
static void
ahead_hash(const struct state *s, struct ahead *a, const char *name,
	   size_t len)
{
	a->name = name;
	a->len = len;
	a->h = hash_base(name, len);
	a->cand = -1;
	__builtin_prefetch(&s->hash[a->h & idx_mask(s)]);
}

/* Stage 2: fetch the record the home slot's tag points at. */
static void
ahead_slot(const struct state *s, struct ahead *a)
{
	uint32_t mask = idx_mask(s), v = s->hash[a->h & mask];

	if (v != 0 && (v & ~mask) == (a->h & ~mask)) {
		a->cand = (long)(v & mask) - 1;
		__builtin_prefetch(&s->recs[a->cand]);
	}
}

/* Stage 3: fetch that record's string. */
static void
ahead_rec(const struct state *s, const struct ahead *a)
{
	if (a->cand >= 0)
		__builtin_prefetch(s->recs[a->cand].base);
}

/* Index of the record for base, or -1. */
static long
find_base(const struct state *s, const char *name)
{
	size_t len = base_len(name);

	if (s->hcap == 0)
		return -1;
	return slot_rec(s, hash_slot(s, name, len));
}

/* find_base for names[0..n) into pos_r, pipelined. */
static void
find_bases(const struct state *s, const char *const *names, size_t n,
	   long *pos_r)
{
	struct ahead ring[RING];

	if (s->hcap == 0 || s->n == 0) {
		for (size_t i = 0; i < n; i++)
			pos_r[i] = -1;
		return;
	}
	for (size_t i = 0; i < n + 3 * AHEAD; i++) {
		if (i < n)
			ahead_hash(s, &ring[i % RING], names[i],
				   base_len(names[i]));
		if (i >= AHEAD && i - AHEAD < n)
			ahead_slot(s, &ring[(i - AHEAD) % RING]);
		if (i >= 2 * AHEAD && i - 2 * AHEAD < n)
			ahead_rec(s, &ring[(i - 2 * AHEAD) % RING]);
		if (i >= 3 * AHEAD) {
			const struct ahead *a = &ring[(i - 3 * AHEAD) % RING];

			pos_r[i - 3 * AHEAD] =
				slot_rec(s, hash_probe(s, a->name, a->len,
						       a->h));
		}
	}
}

static void
hash_alloc(struct state *s, size_t want)
{
	s->hcap = 64;
	while (s->hcap < 2 * want + 2)
		s->hcap *= 2;
	free(s->hash);
	s->hash = calloc(s->hcap, sizeof(*s->hash));
	if (s->hash == NULL)
		abort();                /* as arena.h: no memory is fatal */
}

/* Enters every record, in order, the slots fetched AHEAD records early.
 * A base met twice keeps the later record; with drop, the earlier one's
 * uid becomes 0 (for compact). Returns the number of such repeats. */
static size_t
hash_fill(struct state *s, int drop)
{
	struct ahead ring[AHEAD];
	size_t dups = 0;

	for (size_t i = 0; i < s->n + AHEAD; i++) {
		if (i >= AHEAD) {
			const struct ahead *a = &ring[i % AHEAD];
			size_t slot = hash_probe(s, a->name, a->len, a->h);
			long old = slot_rec(s, slot);

			if (old >= 0) {
				dups++;
				if (drop)
					s->recs[old].uid = 0;
			}
			slot_set(s, slot, a->h, i - AHEAD);
		}
		if (i < s->n) {
			const char *b = s->recs[i].base;

			ahead_hash(s, &ring[i % AHEAD], b, strlen(b));
		}
	}
	return dups;
}

static void
hash_rebuild(struct state *s, size_t want)
{
	hash_alloc(s, want);
	(void)hash_fill(s, 0);
}

/* --- state --------------------------------------------------------- */

static void
state_init(struct state *s)
{
	memset(s, 0, sizeof(*s));
	s->ar = arena_new(64 * 1024);
	s->guid = "";
	s->hdr_extra = "";
}

static void
state_free(struct state *s)
{
	free(s->recs);
	free(s->hash);
	if (s->ar != NULL)
		arena_free(&s->ar);
	memset(s, 0, sizeof(*s));
}

static void
reserve(struct state *s, size_t cap)
{
	struct uidlist_rec *r;

	if (cap <= s->cap)
		return;
	r = realloc(s->recs, cap * sizeof(*r));
	if (r == NULL)
		abort();
	s->recs = r;
	s->cap = cap;
}

static void
push_rec(struct state *s, uint32_t uid, const char *base, const char *ext)
{
	if (s->n == s->cap)
		reserve(s, s->cap < 64 ? 64 : s->cap * 2);
	s->recs[s->n].uid = uid;
	s->recs[s->n].base = base;
	s->recs[s->n].ext = ext;
	s->n++;
}

/* Drops the records whose uid was set to 0. */
static void
compact(struct state *s)
{
	size_t i, j = 0;

	for (i = 0; i < s->n; i++) {
		if (s->recs[i].uid != 0)
			s->recs[j++] = s->recs[i];
	}
	s->n = j;
	hash_rebuild(s, s->n);
}

static void
state_clone(struct state *dst, const struct state *src)
{
	size_t i;

	state_init(dst);
	reserve(dst, src->n + 16);
	dst->uidvalidity = src->uidvalidity;
	dst->next_uid = src->next_uid;
	dst->guid = arena_strdup(dst->ar, src->guid);
	dst->hdr_extra = arena_strdup(dst->ar, src->hdr_extra);
	dst->exists = src->exists;
	dst->dirty = src->dirty;
	dst->st = src->st;
	for (i = 0; i < src->n; i++) {
		const struct uidlist_rec *r = &src->recs[i];

		push_rec(dst, r->uid, arena_strdup(dst->ar, r->base),
			 r->ext[0] == '\0' ? "" : arena_strdup(dst->ar, r->ext));
	}
	hash_rebuild(dst, dst->n);
}

/* --- parsing ------------------------------------------------------- */

/* Reads a decimal uint32 at *p. Returns 0 on overflow or no digits. */
static uint32_t
parse_u32(const char **p)
{
	const char *q = *p;
	uint64_t v = 0;

	while (*q >= '0' && *q <= '9') {
		v = v * 10 + (uint64_t)(*q++ - '0');
		if (v > 0xffffffffULL)
			return 0;
	}
	if (q == *p)
		return 0;
	*p = q;
	return (uint32_t)v;
}

static int
is_guid(const char *s)
{
	size_t i;

	for (i = 0; i < 32; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return 0;
	}
	return s[32] == '\0';
}

/* Parses "3 V.. N.. G.." (line is ours to modify). Returns 1 when the
 * UIDVALIDITY was read, 0 when not. */
static int
parse_v3_header(struct state *s, char *line)
{
	struct buf extra;
	char *f, *end;
	int ok = 0;

	buf_init(&extra, 64 * 1024);
	for (f = line; *f != '\0'; f = end) {
		const char *v = f + 1;

		end = f + strcspn(f, " ");
		if (*end == ' ')
			*end++ = '\0';
		if (*f == '\0')
			continue;
		if (*f == 'V') {
			s->uidvalidity = parse_u32(&v);
			ok = s->uidvalidity != 0 && *v == '\0';
		} else if (*f == 'N') {
			s->next_uid = parse_u32(&v);
			if (*v != '\0')
				s->next_uid = 0;
		} else if (*f == 'G' && is_guid(v)) {
			s->guid = v;
		} else if (*f == 'G') {
			s->damaged = 1;         /* a new one is written */
		} else if ((extra.len > 0 && buf_append_byte(&extra, ' ') < 0) ||
			   buf_append_str(&extra, f) < 0) {
			s->damaged = 1;
		}
	}
	if (extra.len > 0)
		s->hdr_extra = arena_strdup(s->ar, buf_str(&extra));
	buf_free(&extra);
	return ok;
}

/* Returns the version (1 or 3) when the header gave a UIDVALIDITY, 0 if
 * not. */
static int
parse_header(struct state *s, char *line)
{
	const char *p = line + 2;
	uint32_t uv, next;

	if (line[0] == '3' && line[1] == ' ')
		return parse_v3_header(s, line + 2) ? 3 : 0;
	if (line[0] != '1' || line[1] != ' ')
		return 0;
	uv = parse_u32(&p);
	if (uv == 0 || *p++ != ' ')
		return 0;
	next = parse_u32(&p);
	if (*p != '\0')
		return 0;
	s->uidvalidity = uv;
	s->next_uid = next;
	return 1;
}

/* Keeps only the extension fields with a valid key (A-Z), compacted in
 * place and separated by one space. Returns 0, or -1 if one was dropped. */
static int
clean_ext(char *ext)
{
	char *r = ext, *w = ext;
	int ret = 0;

	while (*r != '\0') {
		size_t len = strcspn(r, " ");

		if (len > 0 && *r >= 'A' && *r <= 'Z') {
			if (w != ext)
				*w++ = ' ';
			memmove(w, r, len);
			w += len;
		} else if (len > 0) {
			ret = -1;
		}
		r += len;
		r += strspn(r, " ");
	}
	*w = '\0';
	return ret;
}

/* Parses one record line (ours to modify). Returns 0 and the fields, or
 * -1 for a line to drop; *ext_bad_r is set when a bad field was dropped. */
static int
parse_rec(char *line, int version, uint32_t *uid_r, const char **base_r,
	  const char **ext_r, int *ext_bad_r)
{
	const char *p = line;
	char *ext, *name;

	*uid_r = parse_u32(&p);
	if (*uid_r == 0 || *uid_r > MAX_UID || *p != ' ')
		return -1;
	ext = (char *)p + strspn(p, " ");
	if (version == 1) {
		name = ext;
		ext = NULL;
	} else {
		/* fields up to one that starts with ':' */
		name = ext;
		while (*name != '\0' && *name != ':') {
			name += strcspn(name, " ");
			name += strspn(name, " ");
		}
		if (*name != ':')
			return -1;
		*name++ = '\0';
		if (clean_ext(ext) < 0)
			*ext_bad_r = 1;
	}
	name[base_len(name)] = '\0';
	if (*name == '\0' || strchr(name, '/') != NULL)
		return -1;
	*base_r = name;
	*ext_r = ext == NULL || *ext == '\0' ? "" : ext;
	return 0;
}

static int
cmp_uid(const void *a, const void *b)
{
	const struct uidlist_rec *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Puts the out-of-order records (late[]) into the sorted array, dropping
 * those whose UID is taken. */
static void
merge_late(struct state *s, struct uidlist_rec *late, size_t n_late)
{
	size_t i;

	for (i = 0; i < n_late; i++) {
		if (bsearch(&late[i], s->recs, s->n, sizeof(*s->recs),
			    cmp_uid) != NULL) {
			s->damaged = 1;         /* duplicate UID */
			continue;
		}
		push_rec(s, late[i].uid, late[i].base, late[i].ext);
		qsort(s->recs, s->n, sizeof(*s->recs), cmp_uid);
	}
}

/* A base listed under two UIDs: keep the higher one, as Dovecot keeps the
 * later line. Builds the hash table. */
static void
drop_dup_bases(struct state *s)
{
	hash_alloc(s, s->n);
	if (hash_fill(s, 1) > 0) {
		s->dirty = 1;
		compact(s);
	}
}

static uint32_t
max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* Parses the records of data[0..len) (NUL-terminated, ours to modify),
 * the header already taken off. */
static void
parse_records(struct state *s, char *data, size_t len, int version)
{
	struct uidlist_rec *late = NULL;
	size_t n_late = 0, cap_late = 0;
	char *p = data, *end = data + len, *q;
	size_t lines = 0;

	for (q = data; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
		lines++;
	reserve(s, s->n + lines);
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *base, *ext;
		uint32_t uid;
		int bad_ext = 0;

		if (nl == NULL) {               /* cut short: drop */
			s->damaged = 1;
			break;
		}
		*nl = '\0';
		if (parse_rec(p, version, &uid, &base, &ext, &bad_ext) < 0) {
			s->damaged = 1;
		} else if (s->n == 0 || uid > s->recs[s->n - 1].uid) {
			push_rec(s, uid, base, ext);
		} else if (uid == s->recs[s->n - 1].uid) {
			s->damaged = 1;         /* duplicate UID */
		} else {
			if (n_late == cap_late) {
				cap_late = cap_late ? cap_late * 2 : 16;
				late = realloc(late, cap_late * sizeof(*late));
				if (late == NULL)
					abort();
			}
			late[n_late].uid = uid;
			late[n_late].base = base;
			late[n_late++].ext = ext;
			s->damaged = 1;
		}
		if (bad_ext)
			s->damaged = 1;
		p = nl + 1;
	}
	merge_late(s, late, n_late);
	free(late);
	drop_dup_bases(s);
	if (s->n > 0)
		s->next_uid = max_u32(s->next_uid, s->recs[s->n - 1].uid + 1);
	if (s->next_uid == 0)
		s->next_uid = 1;
	if (s->damaged)
		s->dirty = 1;
}

/* Parses a whole uidlist (data is NUL-terminated and ours). Returns the
 * header version, or 0 when the header was unreadable (UIDVALIDITY 0). */
static int
parse_uidlist(struct state *s, char *data, size_t len)
{
	char *nl = memchr(data, '\n', len);
	size_t body = len;              /* where the records start */
	int version = 0;

	if (nl != NULL) {
		*nl = '\0';
		version = parse_header(s, data);
		body = (size_t)(nl + 1 - data);
		if (version == 0 && strstr(data, " :") != NULL)
			body = 0;       /* no header at all: a record line */
		*nl = body == 0 ? '\n' : '\0';
	}
	if (version == 0) {
		s->damaged = 1;
		s->uidvalidity = 0;
		s->next_uid = 0;
		s->guid = "";
		s->hdr_extra = "";
	}
	if (version != 3)
		s->dirty = 1;           /* rewritten as version 3 */
	parse_records(s, data + body, len - body, version == 1 ? 1 : 3);
	if (s->guid[0] == '\0')
		s->dirty = 1;
	return version;
}

/* Reads path into the arena. Returns 1, 0 if it does not exist, -1. */
static int
read_file(struct state *s, const char *path, char **data_r, size_t *len_r)
{
	size_t got = 0;
	char *data;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &s->st) < 0 || (size_t)s->st.st_size > MAX_FILE) {
		if (errno == 0)
			errno = EFBIG;
		close(fd);
		return -1;
	}
	data = arena_alloc(s->ar, (size_t)s->st.st_size + 1);
	while (got < (size_t)s->st.st_size) {
		ssize_t r = read(fd, data + got, (size_t)s->st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return -1;
		}
		if (r == 0)
			break;          /* shrank: a replaced file's old inode */
		got += (size_t)r;
	}
	close(fd);
	data[got] = '\0';
	*data_r = data;
	*len_r = got;
	return 1;
}

/* --- Courier import ------------------------------------------------ */

/* Reads dir/courierimapuiddb: "<1|2> <uidvalidity> <nextuid>", then
 * "<uid> <name>". Courier skips lines it cannot read; so do we. Returns
 * 1 if imported, 0 if there is none (or its header is unreadable). */
static int
import_courier(struct uidlist *l, struct state *s)
{
	char *path = path_join(l->dir, COURIER_NAME);
	char *data, *nl;
	const char *p;
	size_t len;
	int r;

	if (path == NULL)
		return 0;
	r = read_file(s, path, &data, &len);
	free(path);
	if (r <= 0 || (nl = memchr(data, '\n', len)) == NULL)
		return 0;
	*nl = '\0';
	p = data + 2;
	if ((data[0] != '1' && data[0] != '2') || data[1] != ' ' ||
	    (s->uidvalidity = parse_u32(&p)) == 0 || *p++ != ' ')
		return 0;
	s->next_uid = parse_u32(&p);
	parse_records(s, nl + 1, len - (size_t)(nl + 1 - data), 1);
	s->damaged = 0;                 /* Courier's rules: skip bad lines */
	s->dirty = 1;
	s->exists = 0;
	memset(&s->st, 0, sizeof(s->st));
	return 1;
}

/* --- loading ------------------------------------------------------- */

/* Records of old that a damaged reread lost (same UIDVALIDITY; neither
 * the base nor the UID present any more): put them back, so that a cut
 * file does not give their messages new UIDs. */
static void
restore_lost(struct state *s, const struct state *old)
{
	size_t i, n0 = s->n;

	for (i = 0; i < old->n; i++) {
		const struct uidlist_rec *r = &old->recs[i];

		/* n0 == 0: an empty reread has no array (recs NULL), which
		 * bsearch must not be given even with a count of 0 */
		if (find_base(s, r->base) >= 0 ||
		    (n0 > 0 &&
		     bsearch(r, s->recs, n0, sizeof(*r), cmp_uid) != NULL))
			continue;
		push_rec(s, r->uid, arena_strdup(s->ar, r->base),
			 arena_strdup(s->ar, r->ext));
	}
	if (s->n != n0) {
		qsort(s->recs, s->n, sizeof(*s->recs), cmp_uid);
		hash_rebuild(s, s->n);
	}
}

/* Reads the file into a fresh state. old (may be NULL) is what we knew:
 * with a damaged file its UIDVALIDITY stands in for an unreadable header,
 * its next UID is never gone below, and its lost records come back.
 * Returns 1 if read, 0 if there is no file, -1 with errno. */
static int
load(struct uidlist *l, struct state *s, const struct state *old)
{
	size_t len;
	char *data;
	int r;

	state_init(s);
	r = read_file(s, l->path, &data, &len);
	if (r <= 0)
		return r;
	s->exists = 1;
	parse_uidlist(s, data, len);
	if (old == NULL || old->uidvalidity == 0)
		return 1;
	if (s->uidvalidity == 0) {
		s->uidvalidity = old->uidvalidity;
		if (s->guid[0] == '\0')
			s->guid = arena_strdup(s->ar, old->guid);
	}
	if (s->uidvalidity != old->uidvalidity)
		return 1;               /* the folder was reset by its writer */
	if (s->next_uid < old->next_uid) {
		s->next_uid = old->next_uid;
		s->dirty = 1;
	}
	if (s->damaged)
		restore_lost(s, old);
	return 1;
}

int
uidlist_open(const char *dir, const char *root, struct uidlist **list_r,
	     int *damaged_r, const char **err_r)
{
	struct uidlist *l = calloc(1, sizeof(*l));
	int r;

	*list_r = NULL;
	if (damaged_r != NULL)
		*damaged_r = 0;
	if (l == NULL || (l->dir = strdup(dir)) == NULL ||
	    (l->root = strdup(root != NULL ? root : dir)) == NULL ||
	    (l->path = path_join(dir, UIDLIST_NAME)) == NULL ||
	    (l->tmp_path = path_join(dir, UIDLIST_NAME ".tmp")) == NULL) {
		*err_r = "uidlist_open: out of memory";
		uidlist_free(&l);
		return -1;
	}
	r = load(l, &l->s, NULL);
	if (r < 0) {
		static char err[512];

		snprintf(err, sizeof(err), "open(%s): %s", l->path,
			 strerror(errno));
		*err_r = err;
		uidlist_free(&l);
		return -1;
	}
	if (r == 0 && !import_courier(l, &l->s)) {
		state_free(&l->s);
		state_init(&l->s);
		l->s.next_uid = 1;
		l->s.dirty = 1;
	}
	if (l->s.uidvalidity == 0)
		l->s.uidvalidity = uidvalidity_new(l->root);
	if (l->s.hash == NULL)
		hash_rebuild(&l->s, l->s.n);
	if (damaged_r != NULL)
		*damaged_r = l->s.damaged;
	*list_r = l;
	return 0;
}

static int
same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
		a->st_size == b->st_size &&
		a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
		a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* 1 if the file differs from what we read, 0 if not (or it is gone). */
static int
changed_on_disk(struct uidlist *l, const char **err_r)
{
	struct stat st;

	if (stat(l->path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		*err_r = fail(l, "stat", l->path);
		return -1;
	}
	return !l->s.exists || !same_stat(&st, &l->s.st);
}

int
uidlist_refresh(struct uidlist *list, const char **err_r)
{
	struct state ns;
	int r;

	r = changed_on_disk(list, err_r);
	if (r <= 0)
		return r;
	r = load(list, &ns, &list->s);
	if (r <= 0) {
		state_free(&ns);
		if (r < 0)
			*err_r = fail(list, "open", list->path);
		return r;
	}
	state_free(&list->s);
	list->s = ns;
	return 1;
}

int
uidlist_file_stat(const struct uidlist *list, struct stat *st_r)
{
	if (!list->s.exists || list->s.dirty)
		return -1;
	*st_r = list->s.st;
	return 0;
}

uint32_t
uidlist_uidvalidity(const struct uidlist *list)
{
	return list->s.uidvalidity;
}

uint32_t
uidlist_next_uid(const struct uidlist *list)
{
	return list->s.next_uid;
}

const char *
uidlist_guid(const struct uidlist *list)
{
	return list->s.guid != NULL ? list->s.guid : "";
}

const struct uidlist_rec *
uidlist_records(const struct uidlist *list, size_t *count_r)
{
	*count_r = list->s.n;
	return list->s.recs;
}

uint32_t
uidlist_lookup(const struct uidlist *list, const char *base)
{
	long i = find_base(&list->s, base);

	return i < 0 ? 0 : list->s.recs[i].uid;
}

long
uidlist_index(const struct uidlist *list, const char *name)
{
	return find_base(&list->s, name);
}

void
uidlist_index_many(const struct uidlist *list, const char *const *names,
		   size_t n, long *pos_r)
{
	find_bases(&list->s, names, n, pos_r);
}

/* --- changes ------------------------------------------------------- */

static int
apply_gone(struct state *s, const char *const *gone, size_t n)
{
	size_t i, dropped = 0;

	for (i = 0; i < n; i++) {
		long k = find_base(s, gone[i]);

		if (k >= 0 && s->recs[k].uid != 0) {
			s->recs[k].uid = 0;
			dropped++;
		}
	}
	if (dropped > 0)
		compact(s);
	return dropped > 0;
}

/* A name we can store: not empty, no '/', no line breaks. Others get no
 * UID (Dovecot ignores files with CR or LF in their names too). */
static int
storable(const char *name, size_t len)
{
	return len > 0 && memchr(name, '/', len) == NULL &&
		memchr(name, '\n', len) == NULL &&
		memchr(name, '\r', len) == NULL;
}

/* Gives a UID to the name of a (hashed) unless it has one. Returns 1 if
 * it got one, 0 if not, -1 with *err_r when the UIDs ran out. */
static int
add_one(struct uidlist *l, struct state *s, const struct ahead *a,
	const char **err_r)
{
	size_t slot;

	if (!storable(a->name, a->len))
		return 0;
	if (2 * (s->n + 1) + 2 > s->hcap)
		hash_rebuild(s, 2 * s->n + 16);
	slot = hash_probe(s, a->name, a->len, a->h);
	if (s->hash[slot] != 0)
		return 0;       /* has its UID already */
	if (s->next_uid > MAX_UID) {
		snprintf(l->err, sizeof(l->err), "%s: UIDs exhausted",
			 l->path);
		*err_r = l->err;
		return -1;
	}
	push_rec(s, s->next_uid++, arena_strndup(s->ar, a->name, a->len), "");
	slot_set(s, slot, a->h, s->n - 1);
	return 1;
}

static int
apply_new(struct uidlist *l, struct state *s, const char *const *names,
	  size_t n, const char **err_r)
{
	struct ahead ring[AHEAD];
	size_t i, added = 0;

	/* Room for all at once: a folder met for the first time brings
	 * every message here, and growing step by step would rehash the
	 * table and move the records again and again. */
	if (s->n + n > s->cap)
		reserve(s, s->n + n > 2 * s->cap ? s->n + n : 2 * s->cap);
	if (2 * (s->n + n) + 2 > s->hcap)
		hash_rebuild(s, s->n + n);
	/* the names come sorted, not in memory order: each is fetched
	 * 2 * AHEAD names early, its slot AHEAD names early */
	for (i = 0; i < n + AHEAD; i++) {
		if (i >= AHEAD) {
			int r = add_one(l, s, &ring[i % AHEAD], err_r);

			if (r < 0)
				return -1;
			added += (size_t)r;
		}
		if (i + AHEAD < n)
			__builtin_prefetch(names[i + AHEAD]);
		if (i < n)
			ahead_hash(s, &ring[i % AHEAD], names[i],
				   base_len(names[i]));
	}
	return added > 0;
}

/* --- writing ------------------------------------------------------- */

static void
new_guid(struct state *s)
{
	unsigned char g[16];
	char hex[33];
	size_t i;

	if (getrandom(g, sizeof(g), 0) != (ssize_t)sizeof(g)) {
		uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

		for (i = 0; i < sizeof(g); i++)
			g[i] = (unsigned char)(t >> (8 * (i % 8))) ^
				(unsigned char)rand();
	}
	for (i = 0; i < sizeof(g); i++)
		snprintf(hex + 2 * i, 3, "%02x", g[i]);
	s->guid = arena_strdup(s->ar, hex);
}

/* The decimal digits of a uint32_t at most. */
#define U32_DIGITS 10

/* v in decimal at the end of tmp; returns where the digits begin. */
static const char *
u32_digits(uint32_t v, char tmp[U32_DIGITS])
{
	size_t i = U32_DIGITS;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return tmp + i;
}

static int
append_u32(struct buf *b, uint32_t v)
{
	char tmp[U32_DIGITS];
	const char *d = u32_digits(v, tmp);

	return buf_append(b, d, (size_t)(tmp + U32_DIGITS - d));
}

/* Bytes on their way to a file in 64 KiB writes: the list of a big
 * folder is never built whole in memory. The first error sticks. */
struct wout {
	int fd;
	int err;                /* errno of the first failure, or 0 */
	size_t len;
	uint64_t total;
	char data[64 * 1024];
};

static void
wout_flush(struct wout *o)
{
	if (o->err == 0 && o->len > 0 && fd_write_all(o->fd, o->data,
						      o->len) < 0)
		o->err = errno != 0 ? errno : EIO;
	o->len = 0;
}

static void
wout_put(struct wout *o, const void *p, size_t n)
{
	o->total += n;
	if (o->total > MAX_FILE && o->err == 0)
		o->err = EFBIG;
	if (o->len + n > sizeof(o->data)) {
		wout_flush(o);
		if (n > sizeof(o->data)) {
			if (o->err == 0 && fd_write_all(o->fd, p, n) < 0)
				o->err = errno != 0 ? errno : EIO;
			return;
		}
	}
	memcpy(o->data + o->len, p, n);
	o->len += n;
}

static void
wout_u32(struct wout *o, uint32_t v)
{
	char tmp[U32_DIGITS];
	const char *d = u32_digits(v, tmp);

	wout_put(o, d, (size_t)(tmp + U32_DIGITS - d));
}

/* Writes the file's bytes, as Dovecot's maildir_uidlist_write_fd lays
 * them out, to o->fd. Returns 0, or -1 with errno. */
static int
format(const struct state *s, struct wout *o)
{
	struct buf hdr;

	buf_init(&hdr, MAX_FILE);
	if (buf_printf(&hdr, "3 V%u N%u G%s", s->uidvalidity, s->next_uid,
		       s->guid) < 0 ||
	    (s->hdr_extra[0] != '\0' &&
	     buf_printf(&hdr, " %s", s->hdr_extra) < 0) ||
	    buf_append_byte(&hdr, '\n') < 0) {
		buf_free(&hdr);
		errno = EFBIG;
		return -1;
	}
	wout_put(o, hdr.data, hdr.len);
	buf_free(&hdr);
	for (size_t i = 0; i < s->n && o->err == 0; i++) {
		const struct uidlist_rec *r = &s->recs[i];

		wout_u32(o, r->uid);
		if (r->ext[0] != '\0') {
			wout_put(o, " ", 1);
			wout_put(o, r->ext, strlen(r->ext));
		}
		wout_put(o, " :", 2);
		wout_put(o, r->base, strlen(r->base));
		wout_put(o, "\n", 1);
	}
	wout_flush(o);
	errno = o->err;
	return o->err != 0 ? -1 : 0;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* Writes s as dovecot-uidlist: tmp file, fsync, rename, fsync dir. The
 * caller holds the lock. On success s->st describes the new file. */
static int
write_uidlist(struct uidlist *l, struct state *s, const char **err_r)
{
	struct stat dst;
	struct wout *o;
	mode_t mode = 0600;
	int fd, e;

	if (s->guid[0] == '\0')
		new_guid(s);
	/* Dovecot creates files with the mailbox directory's mode bits */
	if (stat(l->dir, &dst) == 0)
		mode = (dst.st_mode & 0666) | 0600;
	fd = open(l->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
	if (fd < 0) {
		*err_r = fail(l, "open", l->tmp_path);
		return -1;
	}
	o = xmalloc(sizeof(*o));
	o->fd = fd;
	o->err = 0;
	o->len = 0;
	o->total = 0;
	e = fchmod(fd, mode) < 0 ? errno : format(s, o) < 0 ? errno : 0;
	free(o);
	errno = e;
	if (e != 0 || fdatasync(fd) < 0 || fstat(fd, &s->st) < 0) {
		*err_r = fail(l, "write", l->tmp_path);
		goto fail;
	}
	if (!dotlock_is_ours(l->path)) {
		errno = ESTALE;
		*err_r = fail(l, "dotlock overridden", l->path);
		goto fail;
	}
	if (rename(l->tmp_path, l->path) < 0) {
		*err_r = fail(l, "rename", l->tmp_path);
		goto fail;
	}
	close(fd);
	if (fsync_dir(l->dir) < 0) {
		*err_r = fail(l, "fsync", l->dir);
		return -1;              /* renamed: the new file stands */
	}
	return 0;
fail:
	e = errno;              /* ENOSPC must reach the caller */
	close(fd);
	(void)unlink(l->tmp_path);
	errno = e;
	return -1;
}

/* Under the lock: the file as it is now, merged with what we know. */
static int
reread_locked(struct uidlist *l, struct state *ns, const char **err_r)
{
	int r = changed_on_disk(l, err_r);

	if (r < 0)
		return -1;
	if (r > 0) {
		r = load(l, ns, &l->s);
		if (r < 0) {
			state_free(ns);
			*err_r = fail(l, "open", l->path);
			return -1;
		}
		if (r > 0)
			return 0;
		state_free(ns);         /* vanished between stat and open */
	}
	state_clone(ns, &l->s);
	if (stat(l->path, &ns->st) < 0)
		ns->exists = 0;         /* gone: written anew from memory */
	if (!ns->exists)
		ns->dirty = 1;
	return 0;
}

/* Whether an update may append its records to the file in place, as
 * Dovecot does for new mail: the file is the one we read (so it ends
 * with a whole line: a torn one would have marked it damaged), needs no
 * rewrite, and loses no record. */
static int
appendable(struct uidlist *l, const char *const *gone, size_t n_gone,
	   const char **err_r)
{
	const struct state *s = &l->s;

	if (!s->exists || s->dirty || s->damaged || s->guid[0] == '\0' ||
	    changed_on_disk(l, err_r) != 0)
		return 0;
	for (size_t i = 0; i < n_gone; i++)
		if (find_base(s, gone[i]) >= 0)
			return 0;
	return 1;
}

/* Takes the records from n0 on out of the list again (a failed
 * append): the list is as it was before. */
static void
unpush(struct state *s, size_t n0, uint32_t next0)
{
	s->n = n0;
	s->next_uid = next0;
	hash_rebuild(s, s->n);
}

/* Under the lock: gives UIDs to the new bases and appends their lines
 * to the file, fdatasync'ed (the header's N then lags, which readers
 * expect: see the top of this file). No rename, so no directory fsync.
 * Returns 0, 1 when the file turned out not to be the one we read (the
 * caller rewrites it), or -1 with *err_r and errno. */
static int
append_in_place(struct uidlist *l, const char *const *names, size_t n,
		const char **err_r)
{
	struct state *s = &l->s;
	size_t n0 = s->n;
	uint32_t next0 = s->next_uid;
	struct stat st;
	struct buf b;
	int fd, r, e;

	fd = open(l->path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !same_stat(&st, &s->st)) {
		if (fd >= 0)
			close(fd);
		return 1;
	}
	r = apply_new(l, s, names, n, err_r);
	if (r <= 0) {
		close(fd);
		if (r < 0)
			unpush(s, n0, next0);
		return r;
	}
	buf_init(&b, MAX_FILE);
	for (size_t i = n0; i < s->n; i++) {
		const struct uidlist_rec *rec = &s->recs[i];

		if (append_u32(&b, rec->uid) < 0 || buf_append(&b, " :", 2) < 0 ||
		    buf_append_str(&b, rec->base) < 0 ||
		    buf_append_byte(&b, '\n') < 0) {
			errno = EFBIG;
			goto fail;
		}
	}
	if (!dotlock_is_ours(l->path)) {
		errno = ESTALE;
		goto fail;
	}
	if (fd_write_all(fd, b.data, b.len) < 0 || fdatasync(fd) < 0 ||
	    fstat(fd, &s->st) < 0) {
		e = errno;
		/* no half line may stay for the next writer to append to */
		if (ftruncate(fd, st.st_size) < 0)
			s->dirty = 1;
		errno = e;
		goto fail;
	}
	close(fd);
	buf_free(&b);
	return 0;
fail:
	e = errno;
	*err_r = fail(l, "append to", l->path);
	close(fd);
	buf_free(&b);
	unpush(s, n0, next0);
	errno = e;
	return -1;
}

int
uidlist_update(struct uidlist *list, const char *const *new_bases,
	       size_t n_new, const char *const *gone, size_t n_gone,
	       const char **err_r)
{
	struct state ns;
	int changed, r, e;

	if (dotlock_take(list->path, LOCK_TIMEOUT_S, err_r) < 0)
		return -1;
	if (n_new > 0 && appendable(list, gone, n_gone, err_r)) {
		r = append_in_place(list, new_bases, n_new, err_r);
		if (r <= 0) {
			e = errno;
			dotlock_release(list->path);
			errno = e;
			return r;
		}
	}
	if (reread_locked(list, &ns, err_r) < 0) {
		dotlock_release(list->path);
		return -1;
	}
	changed = apply_gone(&ns, gone, n_gone);
	r = apply_new(list, &ns, new_bases, n_new, err_r);
	if (r >= 0 && (changed || r > 0 || ns.dirty || !ns.exists)) {
		r = write_uidlist(list, &ns, err_r);
		ns.exists = 1;
		ns.dirty = 0;
		ns.damaged = 0;
	}
	e = errno;
	dotlock_release(list->path);
	if (r < 0) {
		state_free(&ns);
		errno = e;      /* the write's: ENOSPC says the disk is full */
		return -1;
	}
	state_free(&list->s);
	list->s = ns;
	return 0;
}

void
uidlist_free(struct uidlist **list)
{
	struct uidlist *l = *list;

	if (l == NULL)
		return;
	state_free(&l->s);
	free(l->dir);
	free(l->root);
	free(l->path);
	free(l->tmp_path);
	free(l);
	*list = NULL;
}

/* --- UIDVALIDITY for new folders ----------------------------------- */

/* As Dovecot's mailbox-uidvalidity.c: the counter is the name of an empty
 * marker file "dovecot-uidvalidity.<8 hex>" in the mail root, advanced by
 * rename(), which only one of two racing processes can win for a given
 * name; "dovecot-uidvalidity" holds a copy of the value for a fast start.
 * A new root starts the counter at the current time. */

static uint32_t
uidvalidity_fallback(void)
{
	static uint32_t last;
	uint32_t now = (uint32_t)time(NULL);

	last = last < now ? now : last + 1;
	return last == 0 ? 1 : last;
}

static int
parse_hex8(const char *s, uint32_t *v_r)
{
	char *end;
	unsigned long v;

	if (*s == '\0' || strspn(s, "0123456789abcdefABCDEF") != strlen(s) ||
	    strlen(s) > 8)
		return -1;
	v = strtoul(s, &end, 16);
	*v_r = (uint32_t)v;
	return 0;
}

static void
write_counter(const char *path, uint32_t v)
{
	char buf[9];
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0666);
	if (fd < 0)
		return;
	snprintf(buf, sizeof(buf), "%08x", v);
	if (pwrite(fd, buf, 8, 0) != 8) {
		/* the marker file is what counts; this is only a hint */
	}
	close(fd);
}

/* Advances the marker from *v. Returns 0 with *v the new value, -1. */
static int
advance_marker(const char *path, uint32_t *v)
{
	char src[4200], dst[4200];
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(src, sizeof(src), "%s.%08x", path, *v);
		*v += 1;
		snprintf(dst, sizeof(dst), "%s.%08x", path, *v);
		if (rename(src, dst) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
		/* someone else moved it on: try the next value */
	}
	return -1;
}

static uint32_t
uidvalidity_rescan(const char *root, const char *path)
{
	const char *prefix = UIDVALIDITY_NAME ".";
	uint32_t v, min = 0xffffffffU, max = 0;
	char tmp[4200];
	struct dirent *de;
	DIR *d;
	int fd, i;

	d = opendir(root);
	if (d == NULL)
		return uidvalidity_fallback();
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
		    parse_hex8(de->d_name + strlen(prefix), &v) < 0)
			continue;
		min = v < min ? v : min;
		max = v > max ? v : max;
	}
	closedir(d);
	if (max == 0) {
		for (i = 0; i < 10; i++) {
			v = uidvalidity_fallback();
			snprintf(tmp, sizeof(tmp), "%s.%08x", path, v);
			fd = open(tmp, O_RDWR | O_CREAT | O_EXCL, 0444);
			if (fd >= 0 || errno != EEXIST)
				break;
		}
		if (fd >= 0)
			close(fd);
		write_counter(path, v);
		return v;
	}
	if (min != max) {
		snprintf(tmp, sizeof(tmp), "%s.%08x", path, min);
		(void)unlink(tmp);
	}
	v = max;
	if (advance_marker(path, &v) < 0)
		return uidvalidity_fallback();
	write_counter(path, v);
	return v == 0 ? uidvalidity_fallback() : v;
}

uint32_t
uidvalidity_new(const char *maildir_root)
{
	char path[4100], buf[9];
	uint32_t v;
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/" UIDVALIDITY_NAME,
		     maildir_root) >= (int)sizeof(path))
		return uidvalidity_fallback();
	fd = open(path, O_RDWR | O_NOFOLLOW);
	if (fd < 0)
		return uidvalidity_rescan(maildir_root, path);
	n = read(fd, buf, 8);
	if (n <= 0) {
		close(fd);
		return uidvalidity_rescan(maildir_root, path);
	}
	buf[n] = '\0';
	if (parse_hex8(buf, &v) < 0 || advance_marker(path, &v) < 0 ||
	    v == 0) {
		close(fd);
		return uidvalidity_rescan(maildir_root, path);
	}
	snprintf(buf, sizeof(buf), "%08x", v);
	if (pwrite(fd, buf, 8, 0) != 8) {
		/* only a hint, as above */
	}
	close(fd);
	return v;
}
