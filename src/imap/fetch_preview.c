/* src/imap/fetch_preview.c — PREVIEW (RFC 8970) for FETCH: modifiers,
 * and the cache.
 *
 * A preview costs a parse of the message and a decode of its text part,
 * so it is made once and kept as a blob of the message's skua.cache
 * record (store/mcache.h). A record replaces the older one of its UID,
 * so the blobs others put there (ENVELOPE, BODYSTRUCTURE, ...) are
 * carried into the new record; with no record yet, the fixed fields are
 * filled from the message at hand (size on disk, size on the wire,
 * mtime, header length), which is what they mean for every writer.
 * RFC 8970 8: a stored preview "MUST be protected with equivalent
 * authorization and confidentiality controls as the source message":
 * skua.cache lives in the folder, written by the user's process under
 * umask 077, like the messages.
 *
 * LAZY (RFC 8970 4.1): a preview in the cache is returned; one that is
 * not is made only when this FETCH parses the message anyway for another
 * item, else the answer is NIL and the client asks again without LAZY
 * (4.2). A FETCH without LAZY never answers NIL (3.2). The cache is an
 * optimisation only: when it cannot be opened or written, previews are
 * made each time and the error is logged once per command. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/fetch_preview.h"
#include "mail/preview.h"
#include "store/folder.h"
#include "store/mcache.h"
#include "util/log.h"
#include "util/xalloc.h"

struct fetch_preview {
	struct session *s;
	int lazy;
	int tried;              /* opening the cache was tried */
	int logged;             /* a cache error was logged */
	struct mcache *c;       /* NULL: none */
	unsigned long made, cached;
};

int
fetch_preview_modifiers(const struct arg *list, int *lazy_r)
{
	if (list->type != ARG_LIST || list->count == 0)
		return -1;
	for (size_t i = 0; i < list->count; i++)
		if (list->list[i].type != ARG_ATOM ||
		    strcasecmp((const char *)list->list[i].data, "LAZY") != 0)
			return -1;
	*lazy_r = 1;
	return 0;
}

struct fetch_preview *
fetch_preview_new(struct session *s, int lazy)
{
	struct fetch_preview *p = xcalloc(1, sizeof(*p));

	p->s = s;
	p->lazy = lazy;
	return p;
}

int
fetch_preview_lazy(const struct fetch_preview *p)
{
	return p->lazy;
}

static void
cache_error(struct fetch_preview *p, const char *err)
{
	if (p->logged++)
		return;
	log_error("fetch: user=%s mailbox=%s: preview cache: %s",
		  p->s->user.name, p->s->sel.name, err);
}

static struct mcache *
cache(struct fetch_preview *p)
{
	const char *err = "";

	if (!p->tried) {
		p->tried = 1;
		if (mcache_open(folder_dir(p->s->sel.folder),
				folder_uidvalidity(p->s->sel.folder), &p->c,
				&err) < 0) {
			p->c = NULL;
			cache_error(p, err);
		}
	}
	return p->c;
}

int
fetch_preview_cached(struct fetch_preview *p, uint32_t uid, struct arena *a,
		     const char **text_r)
{
	struct mcache *c = cache(p);
	const struct mcache_blob *b;
	struct mcache_entry e;

	if (c == NULL || !mcache_get(c, uid, &e) ||
	    (b = mcache_blob(&e, MCACHE_PREVIEW)) == NULL ||
	    memchr(b->data, '\0', b->len) != NULL)
		return 0;
	*text_r = arena_strndup(a, b->data, b->len);
	p->cached++;
	return 1;
}

/* Puts text as uid's MCACHE_PREVIEW blob, keeping the record's others. */
static void
cache_put(struct fetch_preview *p, uint32_t uid, const char *text,
	  const unsigned char *data, size_t len,
	  const struct mail_part *root, time_t date, struct arena *a)
{
	struct mcache *c = cache(p);
	struct mcache_entry e, old;
	const char *err = "";

	if (c == NULL)
		return;
	memset(&e, 0, sizeof(e));
	if (mcache_get(c, uid, &old)) {
		e.psize = old.psize;
		e.vsize = old.vsize;
		e.idate = old.idate;
		e.hdr_len = old.hdr_len;
		/* The blobs point into the cache's mapping, which the put
		 * may move: copy them first. */
		for (size_t i = 0; i < old.nblobs &&
		     e.nblobs < MCACHE_MAX_BLOBS - 1; i++) {
			unsigned char *d;

			if (old.blobs[i].type == MCACHE_PREVIEW)
				continue;
			d = arena_alloc(a, old.blobs[i].len + 1);
			memcpy(d, old.blobs[i].data, old.blobs[i].len);
			e.blobs[e.nblobs] = old.blobs[i];
			e.blobs[e.nblobs++].data = d;
		}
	} else {
		e.psize = len;
		e.vsize = mail_wire_size(root);
		e.idate = (int64_t)date;
		e.hdr_len = (uint32_t)root->header.len;
	}
	e.blobs[e.nblobs].type = MCACHE_PREVIEW;
	e.blobs[e.nblobs].data = (const unsigned char *)text;
	e.blobs[e.nblobs++].len = strlen(text);
	if (mcache_put(c, uid, &e, &err) < 0)
		cache_error(p, err);
}

const char *
fetch_preview_make(struct fetch_preview *p, uint32_t uid,
		   const unsigned char *data, size_t len,
		   const struct mail_part *root, time_t date, struct arena *a)
{
	const char *text = mail_preview(data, len, root, a);

	p->made++;
	cache_put(p, uid, text, data, len, root, date, a);
	return text;
}

void
fetch_preview_free(struct fetch_preview **pp)
{
	struct fetch_preview *p = *pp;

	if (p == NULL)
		return;
	if (p->made > 0 || p->cached > 0)
		log_info("fetch: user=%s mailbox=%s: preview: %lu made, %lu "
			 "from cache", p->s->user.name, p->s->sel.name,
			 p->made, p->cached);
	mcache_free(&p->c);
	free(p);
	*pp = NULL;
}
