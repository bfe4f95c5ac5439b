/* src/imap/fts.c — the per-user full-text index (imap/fts.h).
 *
 * The problem: SEARCH BODY or TEXT decodes every message of the folder,
 * which on 100k messages takes seconds; an index answers in
 * milliseconds, but an index that answers differently from the scan
 * would be a bug users find one missed mail at a time.
 *
 * The solution: the index is a filter, never the judge. It holds the
 * text the matcher compares, folded by the matcher's own folding, in an
 * FTS5 table with the trigram tokenizer and case_sensitive 1, so that a
 * quoted phrase of at least three characters is an exact substring
 * query over that text. Pieces (a header field, a body part) are joined
 * with line feeds, so a needle spanning two of them may be a candidate
 * the matcher then turns down; a true match is never missing. The caller
 * runs the matcher on the candidates, and scans what the index does not
 * hold.
 *
 * The schema. folders(id, name = mailbox GUID, uidvalidity); msgs(id,
 * folder, uid) whose id is the rowid of the message's row in the FTS5
 * table texts(hdr, body); skip(folder, uid) for messages too large to
 * index. texts is contentless (content=''): the text is not kept twice.
 * A contentless row cannot be deleted without its text, so an expunged
 * message only loses its msgs row; its tokens stay as garbage no query
 * can reach (the join drops them), counted in meta 'dead', and when the
 * garbage outweighs the rest the file is made anew.
 *
 * Concurrency: sessions of one user share the file. WAL mode lets
 * readers go on while one session indexes; a writer that finds the
 * lock taken waits a moment (busy_timeout) and then gives up: the
 * search scans. Inserts are OR IGNORE, so two sessions adding the same
 * message add it once. Corruption (SQLITE_CORRUPT, SQLITE_NOTADB) at
 * open makes the file anew; elsewhere it fails the use, never the
 * SEARCH. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/fts.h"
#include "util/clock.h"

int
fts_needle_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, chars = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 :
			c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ?
			4 : 0;

		if (n == 0 || c == 0 || len - i < n)
			return 0;
		for (size_t j = 1; j < n; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += n;
		chars++;
	}
	return chars >= 3;
}

char *
fts_query_string(const unsigned char *needle, size_t len, int headers)
{
	const char *col = headers ? "" : "body : ";
	char *q = malloc(strlen(col) + 2 * len + 3), *p = q;

	if (q == NULL)
		return NULL;
	p = stpcpy(p, col);
	*p++ = '"';
	for (size_t i = 0; i < len; i++) {
		if (needle[i] == '"')
			*p++ = '"';
		*p++ = (char)needle[i];
	}
	*p++ = '"';
	*p = '\0';
	return q;
}

#ifndef HAVE_SQLITE3

struct fts *
fts_open(const char *root, const char **err_r)
{
	*err_r = "built without libsqlite3";
	return NULL;
}

void
fts_close(struct fts **x)
{
	*x = NULL;
}

void
fts_set_budget(struct fts *x, long ms)
{
}

int
fts_sync(struct fts *x, const char *key, uint32_t uidvalidity,
	 const uint32_t *uids, size_t n, fts_text_fn *text, void *ctx,
	 uint32_t **scan_r, size_t *nscan_r, size_t *added_r,
	 const char **err_r)
{
	*err_r = "built without libsqlite3";
	return -1;
}

int
fts_query(struct fts *x, const unsigned char *needle, size_t len,
	  int headers, uint32_t **uids_r, size_t *n_r, const char **err_r)
{
	*err_r = "built without libsqlite3";
	return -1;
}

#else

#include <sqlite3.h>

/* Bumped when the schema or the meaning of the text changes: an older
 * file is then made anew. */
#define FTS_VERSION 1
/* Milliseconds a writer waits for another session's lock. */
#define FTS_BUSY_MS 200
/* Messages indexed per transaction: progress survives an interrupted
 * build, and readers see it. */
#define FTS_BATCH 500
/* Largest text of one message indexed, per column; larger is scanned. */
#define FTS_TEXT_MAX (16u * 1024 * 1024)

struct fts {
	sqlite3 *db;
	char *path;
	int64_t folder;                 /* id of the folder last synced */
	struct buf hdr, body;
	int broken;                     /* found corrupt: remove at close */
	long budget_ms;                 /* fts_set_budget; 0: none */
	char err[256];
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER);"
	"CREATE TABLE IF NOT EXISTS folders(id INTEGER PRIMARY KEY,"
	" name TEXT UNIQUE NOT NULL, uidvalidity INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS msgs(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" folder INTEGER NOT NULL, uid INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS msgs_fu ON msgs(folder, uid);"
	"CREATE TABLE IF NOT EXISTS skip(folder INTEGER NOT NULL,"
	" uid INTEGER NOT NULL, PRIMARY KEY(folder, uid)) WITHOUT ROWID;"
	"CREATE VIRTUAL TABLE IF NOT EXISTS texts USING fts5(hdr, body,"
	" content='', tokenize='trigram case_sensitive 1');"
	"INSERT OR IGNORE INTO meta VALUES('dead', 0);";

static const char *
db_err(struct fts *x, const char *what)
{
	int rc = sqlite3_errcode(x->db);

	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		x->broken = 1;
	snprintf(x->err, sizeof(x->err), "%s: %s: %s", x->path, what,
		 sqlite3_errmsg(x->db));
	return x->err;
}

static int
exec(struct fts *x, const char *sql, const char **err_r)
{
	if (sqlite3_exec(x->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		*err_r = db_err(x, sql);
		return -1;
	}
	return 0;
}

/* One integer from a query of no parameters; dflt when no row. */
static int64_t
query_int(struct fts *x, const char *sql, int64_t dflt, int *rc_r)
{
	sqlite3_stmt *st;
	int64_t v = dflt;

	*rc_r = sqlite3_prepare_v2(x->db, sql, -1, &st, NULL);
	if (*rc_r != SQLITE_OK)
		return dflt;
	*rc_r = sqlite3_step(st);
	if (*rc_r == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		*rc_r = SQLITE_OK;
	} else if (*rc_r == SQLITE_DONE) {
		*rc_r = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return v;
}

static void
unlink_all(const char *path)
{
	char p[4096];

	(void)unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s-journal", path);
	(void)unlink(p);
}

/* The file exists with mode 0600 before SQLite opens it: SQLite would
 * make it with 0644 less the umask, and gives its -wal and -shm files
 * the mode of the database. */
static int
make_file(const char *path, const char **err_r)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		*err_r = strerror(errno);
		return -1;
	}
	close(fd);
	return 0;
}

enum open_result { OPEN_OK, OPEN_FAIL, OPEN_REMAKE };

/* Opens and sets up x->db. OPEN_REMAKE: the file is not a usable index
 * (corrupt, another version, mostly garbage) and should be made anew. */
static enum open_result
try_open(struct fts *x, const char **err_r)
{
	int rc, ver;
	int64_t dead, live;

	if (make_file(x->path, err_r) < 0)
		return OPEN_FAIL;
	/* Not SQLITE_OPEN_NOFOLLOW: it refuses a symbolic link anywhere
	 * in the path (a home under /home -> /srv/home); make_file has
	 * refused one as the file itself. */
	rc = sqlite3_open_v2(x->path, &x->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		*err_r = x->db != NULL ? db_err(x, "open") :
			"out of memory";
		return OPEN_FAIL;
	}
	sqlite3_busy_timeout(x->db, FTS_BUSY_MS);
	ver = (int)query_int(x, "PRAGMA user_version", 0, &rc);
	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		return OPEN_REMAKE;
	if (rc != SQLITE_OK) {
		*err_r = db_err(x, "user_version");
		return OPEN_FAIL;
	}
	if (ver != 0 && ver != FTS_VERSION)
		return OPEN_REMAKE;
	/* No mmap_size: each search maps afresh in a new process, and
	 * the page faults cost more than the copies of read() (measured:
	 * about twice the time on the 100k folder). */
	if (exec(x, "PRAGMA journal_mode=WAL", err_r) < 0 ||
	    exec(x, "PRAGMA synchronous=NORMAL", err_r) < 0)
		return OPEN_FAIL;
	if (ver == 0) {
		if (exec(x, schema, err_r) < 0)
			return sqlite3_errcode(x->db) == SQLITE_CORRUPT ?
				OPEN_REMAKE : OPEN_FAIL;
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d",
			 FTS_VERSION);
		if (exec(x, sql, err_r) < 0)
			return OPEN_FAIL;
	}
	dead = query_int(x, "SELECT v FROM meta WHERE k='dead'", 0, &rc);
	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		return OPEN_REMAKE;
	if (dead > 20000) {
		live = query_int(x, "SELECT count(*) FROM msgs", 0, &rc);
		if (rc == SQLITE_OK && dead > 2 * live)
			return OPEN_REMAKE;
	}
	return OPEN_OK;
}

void
fts_set_budget(struct fts *x, long ms)
{
	x->budget_ms = ms;
}

void
fts_close(struct fts **xp)
{
	struct fts *x = *xp;

	if (x == NULL)
		return;
	if (x->db != NULL)
		sqlite3_close(x->db);
	/* The next search makes it anew; this one scans. */
	if (x->broken)
		unlink_all(x->path);
	buf_free(&x->hdr);
	buf_free(&x->body);
	free(x->path);
	free(x);
	*xp = NULL;
}

struct fts *
fts_open(const char *root, const char **err_r)
{
	struct fts *x = calloc(1, sizeof(*x));
	enum open_result res;

	if (x == NULL || asprintf(&x->path, "%s/%s", root, FTS_FILE) < 0) {
		free(x);
		*err_r = "out of memory";
		return NULL;
	}
	buf_init(&x->hdr, FTS_TEXT_MAX);
	buf_init(&x->body, FTS_TEXT_MAX);
	res = try_open(x, err_r);
	if (res == OPEN_REMAKE) {
		sqlite3_close(x->db);
		x->db = NULL;
		unlink_all(x->path);
		res = try_open(x, err_r);
		if (res == OPEN_REMAKE)
			*err_r = "made anew and still unusable";
	}
	if (res != OPEN_OK) {
		fts_close(&x);
		return NULL;
	}
	return x;
}

/* --- one folder in step -------------------------------------------- */

struct uidvec {
	uint32_t *v;
	size_t n, cap;
};

static int
vec_push(struct uidvec *a, uint32_t uid)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 256;
		uint32_t *v = realloc(a->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = uid;
	return 0;
}

/* Appends the UIDs a one-parameter (folder id) query gives, in order. */
static int
read_uids(struct fts *x, const char *sql, struct uidvec *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, x->folder);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (vec_push(out, (uint32_t)sqlite3_column_int64(st, 0)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The folder's id and UIDVALIDITY; id 0 when the index has none. */
static int
find_folder(struct fts *x, const char *key, uint32_t *uidvalidity_r)
{
	sqlite3_stmt *st;
	int rc;

	x->folder = 0;
	if (sqlite3_prepare_v2(x->db, "SELECT id, uidvalidity FROM folders "
			       "WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		x->folder = sqlite3_column_int64(st, 0);
		*uidvalidity_r = (uint32_t)sqlite3_column_int64(st, 1);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* What one sync has to do. */
struct plan {
	struct uidvec have, skipped;    /* in the index now */
	struct uidvec add, drop;
	/* What the index is known to hold of the list: only from what was
	 * read or written, so that a message forgotten anywhere is
	 * scanned, never ruled out. */
	struct uidvec held;
	int reset;                      /* folder new or UIDVALIDITY changed */
};

static void
plan_free(struct plan *p)
{
	free(p->have.v);
	free(p->skipped.v);
	free(p->add.v);
	free(p->drop.v);
	free(p->held.v);
}

/* Merges the list with what the index has: UIDs held, to add, and to
 * drop (gone, below the list's last: above it may be another session's
 * news). Those skipped as too large are none of these: scanned. */
static int
plan_diff(struct plan *p, const uint32_t *uids, size_t n)
{
	size_t i = 0, h = 0, s = 0;
	uint32_t last = n > 0 ? uids[n - 1] : 0;

	while (i < n || h < p->have.n || s < p->skipped.n) {
		uint32_t u = i < n ? uids[i] : UINT32_MAX;
		uint32_t hu = h < p->have.n ? p->have.v[h] : UINT32_MAX;
		uint32_t su = s < p->skipped.n ? p->skipped.v[s] : UINT32_MAX;
		uint32_t m = u < hu ? u : hu;

		m = m < su ? m : su;
		if (m == u && m == hu) {
			i++, h++;
			s += su == m;
			if (vec_push(&p->held, m) < 0)
				return -1;
			continue;
		}
		if (m == u && m == su) {
			i++, s++;
			continue;
		}
		if (m == u) {
			i++;
			if (vec_push(&p->add, m) < 0)
				return -1;
			continue;
		}
		/* In the index, not in the list. */
		h += hu == m;
		s += su == m;
		if (m < last && vec_push(&p->drop, m) < 0)
			return -1;
	}
	return 0;
}

static int
step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Run with the write lock held: makes or resets the folder's entry. */
static int
apply_reset(struct fts *x, const char *key, uint32_t uidvalidity,
	    const char **err_r)
{
	sqlite3_stmt *st;
	int rc;
	char sql[160];

	if (x->folder != 0) {
		snprintf(sql, sizeof(sql), "UPDATE meta SET v = v + (SELECT "
			 "count(*) FROM msgs WHERE folder = %lld) WHERE "
			 "k = 'dead'", (long long)x->folder);
		if (exec(x, sql, err_r) < 0)
			return -1;
		snprintf(sql, sizeof(sql), "DELETE FROM msgs WHERE folder = "
			 "%lld; DELETE FROM skip WHERE folder = %lld",
			 (long long)x->folder, (long long)x->folder);
		if (exec(x, sql, err_r) < 0)
			return -1;
	}
	if (sqlite3_prepare_v2(x->db, "INSERT OR REPLACE INTO folders(id, "
			       "name, uidvalidity) VALUES(?1, ?2, ?3)", -1,
			       &st, NULL) != SQLITE_OK) {
		*err_r = db_err(x, "folders");
		return -1;
	}
	if (x->folder != 0)
		sqlite3_bind_int64(st, 1, x->folder);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, uidvalidity);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*err_r = db_err(x, "folders");
		return -1;
	}
	x->folder = sqlite3_last_insert_rowid(x->db);
	return 0;
}

static int
apply_drops(struct fts *x, const struct uidvec *drop, const char **err_r)
{
	sqlite3_stmt *st1, *st2;
	int ret = 0;
	char sql[80];

	if (drop->n == 0)
		return 0;
	if (sqlite3_prepare_v2(x->db, "DELETE FROM msgs WHERE folder = ?1 "
			       "AND uid = ?2", -1, &st1, NULL) != SQLITE_OK) {
		*err_r = db_err(x, "drop");
		return -1;
	}
	if (sqlite3_prepare_v2(x->db, "DELETE FROM skip WHERE folder = ?1 "
			       "AND uid = ?2", -1, &st2, NULL) != SQLITE_OK) {
		sqlite3_finalize(st1);
		*err_r = db_err(x, "drop");
		return -1;
	}
	sqlite3_bind_int64(st1, 1, x->folder);
	sqlite3_bind_int64(st2, 1, x->folder);
	for (size_t i = 0; i < drop->n && ret == 0; i++) {
		sqlite3_bind_int64(st1, 2, drop->v[i]);
		sqlite3_bind_int64(st2, 2, drop->v[i]);
		if (step_done(st1) < 0 || step_done(st2) < 0)
			ret = -1;
	}
	sqlite3_finalize(st1);
	sqlite3_finalize(st2);
	if (ret < 0) {
		*err_r = db_err(x, "drop");
		return -1;
	}
	snprintf(sql, sizeof(sql), "UPDATE meta SET v = v + %zu WHERE "
		 "k = 'dead'", drop->n);
	return exec(x, sql, err_r);
}

struct adder {
	sqlite3_stmt *msg, *text, *skip;
};

static void
adder_free(struct adder *ad)
{
	sqlite3_finalize(ad->msg);
	sqlite3_finalize(ad->text);
	sqlite3_finalize(ad->skip);
}

static int
adder_init(struct fts *x, struct adder *ad)
{
	memset(ad, 0, sizeof(*ad));
	if (sqlite3_prepare_v2(x->db, "INSERT OR IGNORE INTO msgs(folder, "
			       "uid) VALUES(?1, ?2)", -1, &ad->msg,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, "INSERT INTO texts(rowid, hdr, body) "
			       "VALUES(?1, ?2, ?3)", -1, &ad->text,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, "INSERT OR IGNORE INTO skip(folder, "
			       "uid) VALUES(?1, ?2)", -1, &ad->skip,
			       NULL) != SQLITE_OK) {
		adder_free(ad);
		return -1;
	}
	sqlite3_bind_int64(ad->msg, 1, x->folder);
	sqlite3_bind_int64(ad->skip, 1, x->folder);
	return 0;
}

/* Indexes one message. Returns 1 when added, 0 when the caller must
 * scan it, -1 on a database error. */
static int
add_one(struct fts *x, struct adder *ad, uint32_t uid, fts_text_fn *text,
	void *ctx)
{
	int r;

	buf_reset(&x->hdr);
	buf_reset(&x->body);
	r = text(ctx, uid, &x->hdr, &x->body);
	if (r < 0)
		return 0;
	if (r == 0) {
		sqlite3_bind_int64(ad->skip, 2, uid);
		return step_done(ad->skip) < 0 ? -1 : 0;
	}
	sqlite3_bind_int64(ad->msg, 2, uid);
	if (step_done(ad->msg) < 0)
		return -1;
	if (sqlite3_changes(x->db) == 0)
		return 1;       /* another session was first */
	sqlite3_bind_int64(ad->text, 1, sqlite3_last_insert_rowid(x->db));
	sqlite3_bind_text(ad->text, 2, x->hdr.len ? (const char *)x->hdr.data
			  : "", (int)x->hdr.len, SQLITE_STATIC);
	sqlite3_bind_text(ad->text, 3, x->body.len ?
			  (const char *)x->body.data : "", (int)x->body.len,
			  SQLITE_STATIC);
	r = step_done(ad->text);
	sqlite3_clear_bindings(ad->text);
	return r < 0 ? -1 : 1;
}

static int
apply_adds(struct fts *x, struct plan *p, fts_text_fn *text, void *ctx,
	   size_t *added_r, const char **err_r)
{
	struct adder ad;
	size_t batch = 0;
	long long end = x->budget_ms > 0 ? clock_ms() + x->budget_ms : 0;
	int r = 0;

	if (adder_init(x, &ad) < 0) {
		*err_r = db_err(x, "prepare");
		return -1;
	}
	for (size_t i = 0; i < p->add.n; i++) {
		/* Out of time: the rest is scanned this once. */
		if (end != 0 && (i & 63) == 0 && clock_ms() > end)
			break;
		r = add_one(x, &ad, p->add.v[i], text, ctx);
		if (r < 0)
			break;
		if (r == 1 && vec_push(&p->held, p->add.v[i]) < 0) {
			r = -1;
			break;
		}
		*added_r += (size_t)r;
		if (++batch == FTS_BATCH) {
			batch = 0;
			if (exec(x, "COMMIT", err_r) < 0 ||
			    exec(x, "BEGIN IMMEDIATE", err_r) < 0) {
				adder_free(&ad);
				return -1;
			}
		}
	}
	if (r < 0)
		*err_r = db_err(x, "add");
	adder_free(&ad);
	return r < 0 ? -1 : 0;
}

static int
cmp_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The UIDs of uids[0..n) not held, into *scan_r. */
static int
scan_rest(struct uidvec *held, const uint32_t *uids, size_t n,
	  uint32_t **scan_r, size_t *nscan_r)
{
	struct uidvec scan = { 0 };
	size_t j = 0;

	if (held->n > 1)        /* held->v is NULL when none is held */
		qsort(held->v, held->n, sizeof(*held->v), cmp_uid);
	for (size_t i = 0; i < n; i++) {
		while (j < held->n && held->v[j] < uids[i])
			j++;
		if ((j == held->n || held->v[j] != uids[i]) &&
		    vec_push(&scan, uids[i]) < 0) {
			free(scan.v);
			return -1;
		}
	}
	*scan_r = scan.v;
	*nscan_r = scan.n;
	return 0;
}

/* Reads the folder's state and works out what the sync must do. */
static int
plan_make(struct fts *x, const char *key, uint32_t uidvalidity,
	  const uint32_t *uids, size_t n, struct plan *p, const char **err_r)
{
	uint32_t have_uidv = 0;

	if (find_folder(x, key, &have_uidv) < 0) {
		*err_r = db_err(x, "folders");
		return -1;
	}
	p->reset = x->folder == 0 || have_uidv != uidvalidity;
	if (!p->reset &&
	    (read_uids(x, "SELECT uid FROM msgs WHERE folder = ?1 "
		       "ORDER BY uid", &p->have) < 0 ||
	     read_uids(x, "SELECT uid FROM skip WHERE folder = ?1 "
		       "ORDER BY uid", &p->skipped) < 0)) {
		*err_r = db_err(x, "read");
		return -1;
	}
	return plan_diff(p, uids, n);
}

int
fts_sync(struct fts *x, const char *key, uint32_t uidvalidity,
	 const uint32_t *uids, size_t n, fts_text_fn *text, void *ctx,
	 uint32_t **scan_r, size_t *nscan_r, size_t *added_r,
	 const char **err_r)
{
	struct plan p;
	int ret = -1;

	memset(&p, 0, sizeof(p));
	*scan_r = NULL;
	*nscan_r = 0;
	*added_r = 0;
	if (plan_make(x, key, uidvalidity, uids, n, &p, err_r) < 0)
		goto out;
	if (p.reset || p.add.n > 0 || p.drop.n > 0) {
		if (exec(x, "BEGIN IMMEDIATE", err_r) < 0)
			goto out;
		if ((p.reset && apply_reset(x, key, uidvalidity, err_r) < 0) ||
		    apply_drops(x, &p.drop, err_r) < 0 ||
		    apply_adds(x, &p, text, ctx, added_r, err_r) < 0 ||
		    exec(x, "COMMIT", err_r) < 0) {
			(void)sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
			goto out;
		}
	}
	ret = scan_rest(&p.held, uids, n, scan_r, nscan_r);
	if (ret < 0)
		*err_r = "out of memory";
out:
	plan_free(&p);
	return ret;
}

int
fts_query(struct fts *x, const unsigned char *needle, size_t len,
	  int headers, uint32_t **uids_r, size_t *n_r, const char **err_r)
{
	struct uidvec out = { 0 };
	sqlite3_stmt *st;
	char *q = fts_query_string(needle, len, headers);
	int rc;

	*uids_r = NULL;
	*n_r = 0;
	if (q == NULL) {
		*err_r = "out of memory";
		return -1;
	}
	/* CROSS JOIN keeps texts outside: left to itself the planner may
	 * walk the folder's msgs and run the MATCH once per message. */
	if (sqlite3_prepare_v2(x->db, "SELECT m.uid FROM texts CROSS JOIN "
			       "msgs m ON m.id = texts.rowid WHERE texts "
			       "MATCH ?1 AND m.folder = ?2", -1, &st,
			       NULL) != SQLITE_OK) {
		free(q);
		*err_r = db_err(x, "query");
		return -1;
	}
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, x->folder);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (vec_push(&out, (uint32_t)sqlite3_column_int64(st, 0)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	if (rc != SQLITE_DONE)
		*err_r = db_err(x, "query");
	sqlite3_finalize(st);
	free(q);
	if (rc != SQLITE_DONE) {
		free(out.v);
		return -1;
	}
	if (out.n > 1)          /* out.v is NULL when nothing matched */
		qsort(out.v, out.n, sizeof(*out.v), cmp_uid);
	*uids_r = out.v;
	*n_r = out.n;
	return 0;
}

#endif
