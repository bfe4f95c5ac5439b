/* src/imap/msgcache.c — skua.cache records keyed by the message file
 * (include/imap/msgcache.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/msgcache.h"
#include "mail/bodystructure.h"
#include "mail/envelope.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

/* A text larger than this is not cached (and not a mail client's). */
#define TEXT_MAX (1024 * 1024)

struct msgcache {
	struct session *s;
	const char *what;       /* "fetch", "search": for the log */
	int tried, logged;
	struct mcache *c;
	unsigned long put;      /* records queued */
};

struct msgcache *
msgcache_new(struct session *s, const char *what)
{
	struct msgcache *mc = xcalloc(1, sizeof(*mc));

	mc->s = s;
	mc->what = what;
	return mc;
}

static void
cache_error(struct msgcache *mc, const char *err)
{
	if (mc->logged++)
		return;
	log_error("%s: user=%s mailbox=%s: cache: %s", mc->what,
		  mc->s->user.name, mc->s->sel.name, err);
}

/* The selected folder's cache, opened at the first use and caught up
 * with other writers at the first use in each command after that:
 * walking a large file's records costs more than most commands. */
static struct mcache *
cache(struct msgcache *mc)
{
	struct selected *sel = &mc->s->sel;
	const char *err = "";

	if (mc->tried)
		return mc->c;
	mc->tried = 1;
	/* A cache that cannot catch up is opened afresh, as at first. */
	if (sel->cache != NULL && mcache_refresh(sel->cache, &err) < 0)
		mcache_free(&sel->cache);
	if (sel->cache == NULL &&
	    mcache_open(folder_dir(sel->folder),
			folder_uidvalidity(sel->folder), &sel->cache,
			&err) < 0) {
		sel->cache = NULL;
		/* A folder we may not write is no error. */
		if (strstr(err, "Permission denied") == NULL &&
		    strstr(err, "Read-only") == NULL)
			cache_error(mc, err);
	}
	mc->c = sel->cache;
	return mc->c;
}

/* Records replaced or of expunged messages stay in the file until it
 * is rewritten; once they are more than half of it (mcache_compact
 * decides), the live ones are copied to a new file. Only after a
 * command that wrote, which is what makes garbage. */
static void
compact(struct msgcache *mc)
{
	size_t n;
	const struct store_msg *msgs = folder_msgs(mc->s->sel.folder, &n);
	uint32_t *live = xmalloc((n + 1) * sizeof(*live));
	const char *err = "";

	for (size_t i = 0; i < n; i++)
		live[i] = msgs[i].uid;
	if (mcache_compact(mc->c, live, n, 0, &err) < 0)
		cache_error(mc, err);
	free(live);
}

void
msgcache_sync(struct msgcache *mc)
{
	const char *err = "";

	if (mc != NULL && mc->c != NULL && !mcache_readonly(mc->c) &&
	    mcache_flush(mc->c, &err) < 0)
		cache_error(mc, err);
}

void
msgcache_free(struct msgcache **mcp)
{
	struct msgcache *mc = *mcp;
	const char *err = "";

	if (mc == NULL)
		return;
	if (mc->c != NULL && !mcache_readonly(mc->c) &&
	    mcache_flush(mc->c, &err) < 0)
		cache_error(mc, err);
	if (mc->put > 0)
		compact(mc);
	/* mc->c is the session's (s->sel.cache), freed at unselect. */
	free(mc);
	*mcp = NULL;
}

/* A name without ,S= cannot vouch for the bytes: the file's size and
 * mtime must still be those the record was made from. */
static int
same_file(struct msgcache *mc, const struct store_msg *m,
	  const struct mcache_entry *e)
{
	const char *err = NULL;
	struct stat st;
	int gone = 0, ok, fd;

	fd = folder_msg_open(mc->s->sel.folder, m->uid, &gone, &err);
	if (fd < 0)
		return 0;
	ok = fstat(fd, &st) == 0 && (uint64_t)st.st_size == e->psize &&
		(int64_t)st.st_mtime == e->idate;
	close(fd);
	return ok;
}

/* 1 when e was made of m's file, whose base name (folder_msg_base) is
 * the n bytes at base: the record's key. */
static int
is_mine(struct msgcache *mc, const struct store_msg *m, const char *base,
	size_t n, const struct mcache_entry *e)
{
	const struct mcache_blob *k = mcache_blob(e, MCACHE_KEY);

	if (k == NULL || k->len != n || memcmp(k->data, base, n) != 0)
		return 0;
	if (m->size >= 0)
		return (uint64_t)m->size == e->psize;
	return mc == NULL || same_file(mc, m, e);
}

int
msgcache_get(struct msgcache *mc, const struct store_msg *m,
	     struct mcache_entry *e)
{
	struct mcache *c = cache(mc);
	const char *base;
	size_t n;

	if (c == NULL || !mcache_peek(c, m->uid, e))
		return 0;
	base = folder_msg_base(mc->s->sel.folder, m, &n);
	return base != NULL && is_mine(mc, m, base, n, e);
}

/* Adds a copy of the text in b as a blob of e. */
static void
add_blob(struct mcache_entry *e, uint32_t type, const struct buf *b,
	 struct arena *a)
{
	unsigned char *d = arena_alloc(a, b->len + 1);

	memcpy(d, b->data, b->len);
	e->blobs[e->nblobs++] = (struct mcache_blob){ type, d, b->len };
}

int
msgcache_make(struct mcache_entry *e, const unsigned char *data,
	      size_t len, time_t mtime, const struct mail_part *root,
	      unsigned want, struct arena *a)
{
	const unsigned char *hdr = data + root->header.start;
	struct buf b;
	int r = 0;

	memset(e, 0, sizeof(*e));
	e->psize = len;
	e->vsize = mail_wire_size(root);
	e->idate = (int64_t)mtime;
	e->hdr_len = (uint32_t)root->header.len;
	buf_init(&b, TEXT_MAX);
	if (envelope_fields(hdr, root->header.len, &b) < 0)
		r = -1;
	else
		add_blob(e, MCACHE_ENVHDR, &b, a);
	if (r == 0 && (want & MSGCACHE_ENVELOPE)) {
		buf_reset(&b);
		if (envelope_write(hdr, root->header.len, a, &b) < 0)
			r = -1;
		else
			add_blob(e, MCACHE_ENVELOPE, &b, a);
	}
	if (r == 0 && (want & MSGCACHE_BODYSTRUCTURE)) {
		buf_reset(&b);
		if (bodystructure_write(root, data, 1, a, &b) < 0)
			r = -1;
		else
			add_blob(e, MCACHE_BODYSTRUCTURE, &b, a);
	}
	if (r == 0 && (want & MSGCACHE_BODY)) {
		buf_reset(&b);
		if (bodystructure_write(root, data, 0, a, &b) < 0)
			r = -1;
		else
			add_blob(e, MCACHE_BODY, &b, a);
	}
	buf_free(&b);
	return r;
}

void
msgcache_put(struct msgcache *mc, const struct store_msg *m,
	     const struct mcache_entry *e)
{
	struct mcache *c = cache(mc);
	struct mcache_entry rec = *e, old;
	const char *err = "", *base;
	size_t n;

	if (c == NULL || mcache_readonly(c) ||
	    (base = folder_msg_base(mc->s->sel.folder, m, &n)) == NULL)
		return;         /* expunged meanwhile: nothing to key it by */
	if (rec.nblobs < MCACHE_MAX_BLOBS)
		rec.blobs[rec.nblobs++] = (struct mcache_blob){ MCACHE_KEY,
			(const unsigned char *)base, n };
	/* Blobs others made of the same file (PREVIEW) stay. The queue
	 * copies them at once, before the mapping can move. */
	if (mcache_peek(c, m->uid, &old) && is_mine(NULL, m, base, n, &old))
		for (size_t i = 0; i < old.nblobs &&
		     rec.nblobs < MCACHE_MAX_BLOBS; i++)
			if (mcache_blob(&rec, old.blobs[i].type) == NULL)
				rec.blobs[rec.nblobs++] = old.blobs[i];
	mc->put++;
	if (mcache_queue(c, m->uid, &rec, &err) < 0)
		cache_error(mc, err);
}
