/* src/imap/cmd_fetch.c — FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8).
 *
 * A FETCH is read in full before anything is sent: the sequence set and
 * every item are checked, so a syntax error answers BAD with no
 * untagged FETCH before it. Then each message is answered in turn, and
 * only what its items need is touched: FLAGS and UID come from the
 * folder's list, RFC822.SIZE from the file name's ,W= when it has one,
 * INTERNALDATE from the file's mtime; the file is mapped (read-only) and
 * parsed once only for the items that need its bytes. Per-message memory
 * lives in an arena reset after each message, so FETCH 1:* over a large
 * mailbox does not grow with it, and the whole message, its header and
 * its text (BODY[], RFC822 and friends) are written to the stream as
 * they are converted, never gathered whole.
 *
 * The order of items in a response follows Dovecot 2.3, which clients
 * have met for years: the short items (UID, FLAGS, INTERNALDATE,
 * RFC822.SIZE) first in the order asked, then the others (ENVELOPE,
 * BODY, BODYSTRUCTURE, body sections) in the order asked; UID FETCH puts
 * UID first (RFC 3501 6.4.8 makes it implicit). A non-PEEK body item on
 * a read-write mailbox sets \Seen (RFC 3501 6.4.5) and, when that
 * changed the flags, FLAGS is reported with the short items.
 *
 * A message expunged by another session that this client has not been
 * told of yet (RFC 2180 4.1.2) gets no FETCH response; the others are
 * answered and the command ends with NO [EXPUNGEISSUED], as in Dovecot. */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "imap/command.h"
#include "imap/condstore.h"
#include "imap/fetch.h"
#include "imap/fetch_binary.h"
#include "imap/fetch_preview.h"
#include "imap/flags.h"
#include "imap/msgcache.h"
#include "imap/msgread.h"
#include "imap/msgset.h"
#include "imap/objectid.h"
#include "imap/response.h"
#include "imap/seqset.h"
#include "imap/view.h"
#include "mail/bodystructure.h"
#include "mail/date.h"
#include "mail/envelope.h"
#include "mail/message.h"
#include "mail/section.h"
#include "store/filename.h"
#include "store/folder.h"
#include "util/log.h"

enum fitem_kind {
	FI_UID,
	FI_FLAGS,
	FI_INTERNALDATE,
	FI_SIZE,
	FI_ENVELOPE,
	FI_BODY,                /* BODY without a section */
	FI_BODYSTRUCTURE,
	FI_SECTION,             /* BODY[...], BODY.PEEK[...], RFC822* */
	FI_MODSEQ,              /* RFC 7162 3.1.4.2 */
	FI_SAVEDATE,            /* RFC 8514 4.2 */
	FI_EMAILID,             /* RFC 8474 5.3 */
	FI_THREADID,            /* RFC 8474 5.3: NIL (imap/objectid.h) */
	FI_PREVIEW,             /* RFC 8970 (imap/fetch_preview.h) */
	FI_BINARY,              /* RFC 3516 (imap/fetch_binary.h) */
};

#define FETCH_MAX_ITEMS 256
/* A structure or envelope larger than this is not a mail client's. */
#define FETCH_MAX_STRUCT (16 * 1024 * 1024)
/* A section buffer larger than this is freed after its message. */
#define FETCH_KEEP_BUF (256 * 1024)

struct fitem {
	enum fitem_kind kind;
	const char *name;       /* as the response names it */
	struct section sec;     /* FI_SECTION */
	int seen_only;          /* FI_FLAGS added for \Seen: only if set;
				 * also UID and MODSEQ (RFC 7162 3.2.4) */
	struct fetch_binary_item *bin;  /* FI_BINARY */
	struct buf *bin_data;           /* FI_BINARY: this message's */
};

struct fetch {
	struct session *s;
	struct fitem *items;
	size_t nitems;
	int set_seen;           /* a non-PEEK body item on a writable box */
	int need_file;          /* some item needs the message's bytes */
	int need_parse;         /* ... and its MIME structure */
	int need_size;          /* RFC822.SIZE: the bytes unless ,W= */
	int need_date;          /* INTERNALDATE */
	int need_bytes;         /* an item the cache cannot answer needs
				 * the file (sections, BINARY, EMAILID) */
	unsigned cache_want;    /* MSGCACHE_*: the structures asked */
	struct msgcache *mc;    /* skua.cache, for cache_want and dates */
	struct msgread rd;      /* the file of the message at hand */
	size_t hint;            /* find_msg: where the next UID may be */
	struct arena *msg_arena;        /* reset after each message */
	struct buf out;                 /* envelope, structure */
	int expunged;           /* some message could not be answered */
	int failed;             /* some message file could not be read */
	int broken;             /* the client is gone: stop */
	int changed;            /* CHANGEDSINCE given (RFC 7162 3.1.4.1) */
	uint64_t changedsince;
	int preview;            /* PREVIEW: 1 asked, 2 only with LAZY */
	struct fetch_preview *pv;       /* set up when PREVIEW is asked */
	const char *bin_code;   /* a BINARY item failed: NO [code] text */
	const char *bin_text;
};

/* One message while it is being answered. */
struct fmsg {
	uint32_t seq, uid;
	const struct store_msg *m;
	const unsigned char *data;
	size_t len;
	int loaded;             /* data holds the file */
	struct mail_part *root;
	struct mcache_entry ce; /* its skua.cache record, when cached */
	int cached;
	int complete;           /* ce has every structure asked */
	time_t date;
	int seen_changed;
	const char *preview;    /* FI_PREVIEW; NULL answers NIL (LAZY) */
};

/* --- reading the items -------------------------------------------- */

static int
is_short(enum fitem_kind k)
{
	return k == FI_UID || k == FI_MODSEQ || k == FI_FLAGS ||
		k == FI_INTERNALDATE ||
		k == FI_SIZE || k == FI_SAVEDATE || k == FI_EMAILID ||
		k == FI_THREADID;
}

/* Adds an item unless one of the same name is there (Dovecot answers
 * "FETCH 1 (FLAGS FLAGS)" with one FLAGS). */
static struct fitem *
add_item(struct fetch *fx, enum fitem_kind kind, const char *name)
{
	struct fitem *it;

	for (size_t i = 0; i < fx->nitems; i++)
		if (strcmp(fx->items[i].name, name) == 0)
			return NULL;
	if (fx->nitems == FETCH_MAX_ITEMS)
		return NULL;
	it = &fx->items[fx->nitems++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->name = name;
	return it;
}

/* BODY[...]<...>, BODY.PEEK[...]<...>, and the RFC822 forms, which are
 * BODY[] (sets \Seen), BODY.PEEK[HEADER] and BODY[TEXT] under their own
 * names (RFC 3501 6.4.5). Returns 0, or -1 with *err_r. */
static int
add_section(struct fetch *fx, const char *spec, const char *partial,
	    int peek, const char *name, const char **err_r)
{
	struct section sec;
	struct fitem *it;

	if (section_parse(spec, partial, fx->s->arena, &sec, err_r) < 0)
		return -1;
	if (name == NULL)
		name = section_name(&sec, fx->s->arena);
	if ((it = add_item(fx, FI_SECTION, name)) == NULL)
		return fx->nitems == FETCH_MAX_ITEMS ?
			(*err_r = "Too many FETCH items", -1) : 0;
	it->sec = sec;
	if (!peek && !fx->s->sel.readonly)
		fx->set_seen = 1;
	fx->need_file = fx->need_parse = fx->need_bytes = 1;
	return 0;
}

/* "BODY[...]<...>" or "BODY.PEEK[...]<...>": splits at the brackets.
 * The partial has no ']', so the last ']' closes the section. */
static int
parse_body_section(struct fetch *fx, const char *atom, const char **err_r)
{
	int peek = strncasecmp(atom, "BODY.PEEK[", 10) == 0;
	const char *open = strchr(atom, '[');
	const char *close = strrchr(atom, ']');
	char *spec;

	if (close == NULL || close < open) {
		*err_r = "Invalid BODY[..] parameter: Missing ']'";
		return -1;
	}
	spec = arena_strndup(fx->s->arena, open + 1,
			     (size_t)(close - open - 1));
	return add_section(fx, spec, close[1] != '\0' ? close + 1 : NULL,
			   peek, NULL, err_r);
}

static const struct {
	const char *name;
	enum fitem_kind kind;
} simple_items[] = {
	{ "UID", FI_UID },
	{ "FLAGS", FI_FLAGS },
	{ "INTERNALDATE", FI_INTERNALDATE },
	{ "RFC822.SIZE", FI_SIZE },
	{ "ENVELOPE", FI_ENVELOPE },
	{ "BODY", FI_BODY },
	{ "BODYSTRUCTURE", FI_BODYSTRUCTURE },
	{ "MODSEQ", FI_MODSEQ },
	{ "SAVEDATE", FI_SAVEDATE },
	{ "EMAILID", FI_EMAILID },
	{ "THREADID", FI_THREADID },
};

static int
is_preview(const struct arg *a)
{
	return a->type == ARG_ATOM &&
		strcasecmp((const char *)a->data, "PREVIEW") == 0;
}

/* PREVIEW, with mods the list after it or NULL (RFC 8970 6: "PREVIEW"
 * [SP "(" preview-mod *(SP preview-mod) ")"]). LAZY holds only when
 * every PREVIEW of the command has it. Returns 0, or -1 with *err_r. */
static int
add_preview(struct fetch *fx, const struct arg *mods, const char **err_r)
{
	int lazy = 0;

	if (mods != NULL && fetch_preview_modifiers(mods, &lazy) < 0) {
		*err_r = "Invalid PREVIEW modifiers";
		return -1;
	}
	add_item(fx, FI_PREVIEW, "PREVIEW");
	fx->preview = !lazy ? 1 : fx->preview == 1 ? 1 : 2;
	return 0;
}

/* BINARY[..]<..>, BINARY.PEEK[..]<..>, BINARY.SIZE[..] (RFC 3516 4.2).
 * Returns 0, or -1 with *err_r. */
static int
add_binary(struct fetch *fx, const char *atom, const char **err_r)
{
	struct fetch_binary_item bi;
	struct fitem *it;
	int r = fetch_binary_parse(atom, fx->s->arena, &bi, err_r);

	if (r <= 0) {
		if (r == 0)
			*err_r = arena_printf(fx->s->arena,
					      "Unknown parameter: %.100s",
					      atom);
		return -1;
	}
	if ((it = add_item(fx, FI_BINARY, bi.name)) == NULL)
		return fx->nitems == FETCH_MAX_ITEMS ?
			(*err_r = "Too many FETCH items", -1) : 0;
	it->bin = arena_alloc(fx->s->arena, sizeof(*it->bin));
	*it->bin = bi;
	it->bin_data = arena_alloc(fx->s->arena, sizeof(*it->bin_data));
	buf_init(it->bin_data, SIZE_MAX);
	if (!bi.peek && !bi.size && !fx->s->sel.readonly)
		fx->set_seen = 1;
	fx->need_file = fx->need_parse = fx->need_bytes = 1;
	return 0;
}

/* One fetch-att (RFC 3501 9). Returns 0, or -1 with *err_r. */
static int
parse_item(struct fetch *fx, const struct arg *a, const char **err_r)
{
	const char *atom = (const char *)a->data;

	if (a->type != ARG_ATOM) {
		*err_r = "Invalid arguments";
		return -1;
	}
	for (size_t i = 0; i < sizeof(simple_items) / sizeof(simple_items[0]);
	     i++) {
		enum fitem_kind k = simple_items[i].kind;

		if (strcasecmp(atom, simple_items[i].name) != 0)
			continue;
		add_item(fx, k, simple_items[i].name);
		fx->need_size |= k == FI_SIZE;
		fx->need_date |= k == FI_INTERNALDATE;
		if (k == FI_ENVELOPE || k == FI_BODY || k == FI_BODYSTRUCTURE)
			fx->need_file = fx->need_parse = 1;
		fx->cache_want |= k == FI_ENVELOPE ? MSGCACHE_ENVELOPE :
			k == FI_BODYSTRUCTURE ? MSGCACHE_BODYSTRUCTURE :
			k == FI_BODY ? MSGCACHE_BODY : 0;
		/* EMAILID digests the bytes and INTERNALDATE. */
		if (k == FI_EMAILID)
			fx->need_file = fx->need_date = fx->need_bytes = 1;
		return 0;
	}
	if (strcasecmp(atom, "RFC822") == 0)
		return add_section(fx, "", NULL, 0, "RFC822", err_r);
	if (strcasecmp(atom, "RFC822.HEADER") == 0)
		return add_section(fx, "HEADER", NULL, 1, "RFC822.HEADER",
				   err_r);
	if (strcasecmp(atom, "RFC822.TEXT") == 0)
		return add_section(fx, "TEXT", NULL, 0, "RFC822.TEXT", err_r);
	if (strncasecmp(atom, "BODY[", 5) == 0 ||
	    strncasecmp(atom, "BODY.PEEK[", 10) == 0)
		return parse_body_section(fx, atom, err_r);
	if (strcasecmp(atom, "PREVIEW") == 0)
		return add_preview(fx, NULL, err_r);
	if (strncasecmp(atom, "BINARY", 6) == 0)
		return add_binary(fx, atom, err_r);
	*err_r = arena_printf(fx->s->arena, "Unknown parameter: %.100s", atom);
	return -1;
}

/* The macros of RFC 3501 6.4.5. */
static const char *const macro_all[] = { "FLAGS", "INTERNALDATE",
	"RFC822.SIZE", "ENVELOPE", NULL };
static const char *const macro_fast[] = { "FLAGS", "INTERNALDATE",
	"RFC822.SIZE", NULL };
static const char *const macro_full[] = { "FLAGS", "INTERNALDATE",
	"RFC822.SIZE", "ENVELOPE", "BODY", NULL };

static const char *const *
macro(const struct arg *a)
{
	if (a->type != ARG_ATOM)
		return NULL;
	if (strcasecmp((const char *)a->data, "ALL") == 0)
		return macro_all;
	if (strcasecmp((const char *)a->data, "FAST") == 0)
		return macro_fast;
	if (strcasecmp((const char *)a->data, "FULL") == 0)
		return macro_full;
	return NULL;
}

/* Reads the items: a macro, one fetch-att, or a list of them. UID FETCH
 * has UID first. Returns 0, or -1 with *err_r fit for BAD. */
static int
parse_items(struct fetch *fx, const struct arg *a, const char **err_r)
{
	const char *const *mac = macro(a);
	int uid = fx->s->uid_command;

	if (uid)
		add_item(fx, FI_UID, "UID");
	if (mac != NULL) {
		for (; *mac != NULL; mac++) {
			struct arg one = { .type = ARG_ATOM,
				.data = (const unsigned char *)*mac,
				.len = strlen(*mac) };
			parse_item(fx, &one, err_r);
		}
	} else if (a->type == ARG_LIST) {
		if (a->count == 0) {
			*err_r = "Invalid arguments";
			return -1;
		}
		for (size_t i = 0; i < a->count; i++) {
			if (is_preview(&a->list[i]) && i + 1 < a->count &&
			    a->list[i + 1].type == ARG_LIST) {
				if (add_preview(fx, &a->list[++i], err_r) < 0)
					return -1;
				continue;
			}
			if (parse_item(fx, &a->list[i], err_r) < 0)
				return -1;
		}
	} else if (parse_item(fx, a, err_r) < 0) {
		return -1;
	}
	if (fx->set_seen) {
		struct fitem *it = add_item(fx, FI_FLAGS, "FLAGS");
		if (it != NULL)
			it->seen_only = 1;
		/* RFC 7162 3.2.4: a FETCH that sets \Seen reports UID and
		 * MODSEQ too once CONDSTORE is on. */
		if (session_enabled(fx->s, SESSION_EXT_CONDSTORE)) {
			if ((it = add_item(fx, FI_UID, "UID")) != NULL)
				it->seen_only = 1;
			if ((it = add_item(fx, FI_MODSEQ, "MODSEQ")) != NULL)
				it->seen_only = 1;
		}
	}
	return 0;
}

/* --- one message --------------------------------------------------- */

/* Reads the message file. Returns 0, 1 when the message is gone, or -1
 * (logged). */
static int
msg_map(struct fetch *fx, struct fmsg *fm)
{
	struct session *s = fx->s;
	const char *err = NULL;
	int r = msgread_load(&fx->rd, s->sel.folder, fm->uid, 0, &err);

	if (r < 0)
		log_error("fetch: user=%s mailbox=%s uid=%u: %s", s->user.name,
			  s->sel.name, fm->uid, err ? err : "cannot read");
	if (r != 0)
		return r;
	fm->data = fx->rd.data;
	fm->len = fx->rd.len;
	fm->date = fx->rd.mtime;
	fm->loaded = 1;
	return 0;
}

/* What the items need of the file: its mtime (INTERNALDATE) and, for
 * most items, its bytes. Returns 0, 1 when the message is gone, or -1. */
static int
msg_open(struct fetch *fx, struct fmsg *fm)
{
	if (!fx->need_file && !(fx->need_size && fm->m->vsize < 0))
		return folder_msg_date(fx->s->sel.folder, fm->uid,
				       &fm->date) < 0 ? 1 : 0;
	return msg_map(fx, fm);
}

static void
msg_unmap(struct fetch *fx, struct fmsg *fm)
{
	if (fm->loaded)
		msgread_done(&fx->rd);
	fm->loaded = 0;
}

/* The blob of type of the message's cache record, or NULL. */
static const struct mcache_blob *
cached_blob(const struct fmsg *fm, uint32_t type)
{
	return fm->cached ? mcache_blob(&fm->ce, type) : NULL;
}

/* Looks the message up in skua.cache. 1 when the record answers every
 * item that would otherwise need the file (then it need not be read). */
static int
msg_cached(struct fetch *fx, struct fmsg *fm)
{
	if (fx->mc == NULL || !msgcache_get(fx->mc, fm->m, &fm->ce))
		return 0;
	fm->cached = 1;
	fm->date = (time_t)fm->ce.idate;
	if (fx->need_size && fm->m->vsize < 0 &&
	    fm->ce.vsize == MCACHE_UNKNOWN)
		return 0;
	if (((fx->cache_want & MSGCACHE_ENVELOPE) &&
	     !cached_blob(fm, MCACHE_ENVELOPE)) ||
	    ((fx->cache_want & MSGCACHE_BODYSTRUCTURE) &&
	     !cached_blob(fm, MCACHE_BODYSTRUCTURE)) ||
	    ((fx->cache_want & MSGCACHE_BODY) && !cached_blob(fm, MCACHE_BODY)))
		return 0;
	fm->complete = 1;
	return !fx->need_bytes;
}

/* Puts what the parse of the message gave into skua.cache, and keeps it
 * for this response. */
static void
msg_remember(struct fetch *fx, struct fmsg *fm)
{
	struct mcache_entry e;

	if (msgcache_make(&e, fm->data, fm->len, fm->date, fm->root,
			  fx->cache_want | MSGCACHE_ENVELOPE |
			  MSGCACHE_BODYSTRUCTURE, fx->msg_arena) < 0)
		return;
	if (fx->mc != NULL)
		msgcache_put(fx->mc, fm->m, &e);
	fm->ce = e;
	fm->cached = fm->complete = 1;
}

/* RFC 3501 6.4.5: a body item that is not PEEK sets \Seen. */
static void
msg_set_seen(struct fetch *fx, struct fmsg *fm)
{
	struct session *s = fx->s;
	const char *err = NULL;
	int r;

	if (fm->m->flags & MF_SEEN)
		return;
	r = folder_change_flags(s->sel.folder, fm->uid, MF_SEEN, 0, 0, 0,
				&err);
	if (r < 0)
		log_error("fetch: user=%s mailbox=%s uid=%u: "
			  "setting \\Seen: %s", s->user.name, s->sel.name,
			  fm->uid, err);
	if (r == 0)
		fm->seen_changed = 1;
	fm->m = folder_msg(s->sel.folder, fm->uid);
}

/* Size on the wire, where every bare LF goes out as CRLF. */
static size_t
wire_size(const unsigned char *d, size_t len)
{
	size_t n = len;
	const unsigned char *p = d, *end = d + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl == d || nl[-1] != '\r')
			n++;
		p = nl + 1;
	}
	return n;
}

/* --- writing ------------------------------------------------------- */

/* A window of wire bytes sent straight to the stream. */
struct wsink {
	struct stream *out;
	uint64_t skip;
	uint64_t left;
};

/* RFC 3501 9: a literal is CHAR8, without NUL; like Dovecot (and
 * section_fetch) send 0x80 in its place. */
static void
wsink_put(struct wsink *w, const unsigned char *d, size_t n)
{
	const unsigned char *z;

	if (w->skip >= n) {
		w->skip -= n;
		return;
	}
	d += w->skip;
	n -= (size_t)w->skip;
	w->skip = 0;
	if (n > w->left)
		n = (size_t)w->left;
	w->left -= n;
	while (n > 0 && (z = memchr(d, 0, n)) != NULL) {
		stream_write(w->out, d, (size_t)(z - d));
		stream_write(w->out, "\x80", 1);
		n -= (size_t)(z - d) + 1;
		d = z + 1;
	}
	stream_write(w->out, d, n);
}

/* A span with bare LFs as CRLF; an LF at the span's first byte is bare,
 * as the parser counts it. Spans before the window are skipped by their
 * known size. */
static void
wsink_span(struct wsink *w, const unsigned char *data,
	   const struct mail_span *sp)
{
	const unsigned char *p = data + sp->start, *end = p + sp->len, *nl;

	if (w->skip >= sp->wire_len) {
		w->skip -= sp->wire_len;
		return;
	}
	while (p < end && w->left > 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			wsink_put(w, p, (size_t)(end - p));
			break;
		}
		if (nl == data + sp->start || nl[-1] != '\r') {
			wsink_put(w, p, (size_t)(nl - p));
			wsink_put(w, (const unsigned char *)"\r\n", 2);
		} else {
			wsink_put(w, p, (size_t)(nl + 1 - p));
		}
		p = nl + 1;
	}
}

/* BODY[], BODY[HEADER], BODY[TEXT] of the message itself (and RFC822,
 * RFC822.HEADER, RFC822.TEXT), the ones that may be the size of the
 * message: streamed as a literal. Returns 0, or -1 when the section is
 * of another kind. */
static int
write_whole_section(struct fetch *fx, const struct section *sec,
		    const struct fmsg *fm)
{
	const struct mail_span *spans[2];
	size_t n = 0;
	uint64_t total = 0, len;
	struct wsink w;

	if (sec->nparts != 0)
		return -1;
	if (sec->kind == SECTION_ALL || sec->kind == SECTION_HEADER)
		spans[n++] = &fm->root->header;
	if (sec->kind == SECTION_ALL || sec->kind == SECTION_TEXT)
		spans[n++] = &fm->root->body;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		total += spans[i]->wire_len;
	w.out = fx->s->stream;
	w.skip = sec->partial ? sec->origin : 0;
	len = w.skip >= total ? 0 : total - w.skip;
	if (sec->partial && sec->octets < len)
		len = sec->octets;
	w.left = len;
	stream_printf(w.out, "{%llu}\r\n", (unsigned long long)len);
	for (size_t i = 0; i < n && w.left > 0; i++)
		wsink_span(&w, fm->data, spans[i]);
	return 0;
}

static void
write_section(struct fetch *fx, const struct fitem *it,
	      const struct fmsg *fm)
{
	struct stream *out = fx->s->stream;
	struct buf b;

	stream_printf(out, "%s ", it->name);
	if (write_whole_section(fx, &it->sec, fm) == 0)
		return;
	/* Parts and header fields are built, then sent: at most twice the
	 * message (every byte a bare LF), and only for this item. */
	buf_init(&b, fm->len * 2 + 4096);
	if (section_fetch(&it->sec, fm->root, fm->data, &b) < 0) {
		log_error("fetch: user=%s mailbox=%s uid=%u: %s too large",
			  fx->s->user.name, fx->s->sel.name, fm->uid,
			  it->name);
		buf_reset(&b);
	}
	stream_printf(out, "{%zu}\r\n", b.len);
	stream_write(out, b.data, b.len);
	buf_free(&b);
}

static void
write_structure(struct fetch *fx, const struct fitem *it,
		const struct fmsg *fm)
{
	struct stream *out = fx->s->stream;
	int r;

	const struct mcache_blob *cb = cached_blob(fm, it->kind == FI_ENVELOPE ?
		MCACHE_ENVELOPE : it->kind == FI_BODY ? MCACHE_BODY :
		MCACHE_BODYSTRUCTURE);

	if (cb != NULL) {
		stream_printf(out, "%s ", it->name);
		stream_write(out, cb->data, cb->len);
		return;
	}
	buf_reset(&fx->out);
	if (it->kind == FI_ENVELOPE)
		r = envelope_write(fm->data + fm->root->header.start,
				   fm->root->header.len, fx->msg_arena,
				   &fx->out);
	else
		r = bodystructure_write(fm->root, fm->data,
					it->kind == FI_BODYSTRUCTURE,
					fx->msg_arena, &fx->out);
	stream_printf(out, "%s ", it->name);
	if (r < 0) {
		/* Cannot happen short of a pathological message: say
		 * NIL rather than send half a structure. */
		log_error("fetch: user=%s mailbox=%s uid=%u: %s too large",
			  fx->s->user.name, fx->s->sel.name, fm->uid,
			  it->name);
		stream_puts(out, "NIL");
		return;
	}
	stream_write(out, fx->out.data, fx->out.len);
}

/* INTERNALDATE in the server's zone at that moment, as Dovecot shows
 * the file's mtime. */
static void
write_date(struct fetch *fx, const struct fmsg *fm)
{
	char text[27];
	struct tm tm;

	localtime_r(&fm->date, &tm);
	date_format_imap(fm->date, (int)(tm.tm_gmtoff / 60), text);
	stream_printf(fx->s->stream, "INTERNALDATE \"%s\"", text);
}

/* RFC 8514 4.2: SAVEDATE as a date-time (imap/objectid.h says which). */
static void
write_savedate(struct fetch *fx, const struct fmsg *fm)
{
	char text[27];
	struct tm tm;
	time_t t;

	if (objectid_savedate(fx->s->sel.folder, fm->m, &t) < 0) {
		stream_puts(fx->s->stream, "SAVEDATE NIL");
		return;
	}
	localtime_r(&t, &tm);
	date_format_imap(t, (int)(tm.tm_gmtoff / 60), text);
	stream_printf(fx->s->stream, "SAVEDATE \"%s\"", text);
}

static void
write_emailid(struct fetch *fx, const struct fmsg *fm)
{
	char id[OBJECTID_EMAILID_LEN + 1];

	objectid_emailid(fm->data, fm->len, fm->date, id);
	stream_printf(fx->s->stream, "EMAILID (%s)", id);
}

/* Writes one item; returns 0 when it wrote nothing (FLAGS added for a
 * \Seen that was already set). */
static int
write_item(struct fetch *fx, const struct fitem *it, const struct fmsg *fm,
	   int first)
{
	struct session *s = fx->s;
	struct stream *out = s->stream;
	const char *sep = first ? "" : " ";

	if (it->seen_only && !fm->seen_changed)
		return 0;
	stream_puts(out, sep);
	switch (it->kind) {
	case FI_UID:
		stream_printf(out, "UID %u", fm->uid);
		break;
	case FI_FLAGS:
		stream_puts(out, "FLAGS ");
		flags_write(out, fm->m->flags, fm->m->keywords,
			    fm->m->recent && !session_enabled(s,
						SESSION_EXT_IMAP4REV2),
			    s->sel.kw);
		view_flags_told(s->sel.view, fm->uid);
		break;
	case FI_INTERNALDATE:
		write_date(fx, fm);
		break;
	case FI_SIZE:
		stream_printf(out, "RFC822.SIZE %llu", (unsigned long long)
			      (fm->m->vsize >= 0 ? (uint64_t)fm->m->vsize :
			       fm->cached && fm->ce.vsize != MCACHE_UNKNOWN ?
			       fm->ce.vsize :
			       fm->root != NULL ? mail_wire_size(fm->root) :
			       wire_size(fm->data, fm->len)));
		break;
	case FI_ENVELOPE:
	case FI_BODY:
	case FI_BODYSTRUCTURE:
		write_structure(fx, it, fm);
		break;
	case FI_SECTION:
		write_section(fx, it, fm);
		break;
	case FI_SAVEDATE:
		write_savedate(fx, fm);
		break;
	case FI_EMAILID:
		write_emailid(fx, fm);
		break;
	case FI_THREADID:
		stream_puts(out, "THREADID NIL");
		break;
	case FI_PREVIEW:
		/* RFC 8970 6: msg-att-dynamic =/ "PREVIEW" SP nstring */
		stream_puts(out, "PREVIEW ");
		resp_nstring(out, fm->preview);
		break;
	case FI_BINARY:
		fetch_binary_write(out, it->bin, it->bin_data);
		break;
	case FI_MODSEQ:
		/* After \Seen was set: its new MODSEQ. */
		stream_printf(out, "MODSEQ (%llu)", (unsigned long long)
			      condstore_modseq(s, fm->uid));
		break;
	}
	return 1;
}

/* --- the short way: UID and FLAGS ----------------------------------- */

/* A response of short items formatted in one piece and written with one
 * call: "UID FETCH 1:* (UID FLAGS)" over 100,000 messages spent most of
 * its time in printf and a dozen stream calls per message. */
struct line {
	char b[256];
	size_t n;
};

static void
line_str(struct line *l, const char *s, size_t n)
{
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

static void
line_u32(struct line *l, uint32_t v)
{
	char tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		l->b[l->n++] = tmp[--n];
}

/* The system flags in the order flags_write gives them. */
static const struct {
	const char *name;
	size_t len;
	unsigned bit;
} line_flags[] = {
	{ "\\Answered", 9, MF_ANSWERED },
	{ "\\Flagged", 8, MF_FLAGGED },
	{ "\\Deleted", 8, MF_DELETED },
	{ "\\Seen", 5, MF_SEEN },
	{ "\\Draft", 6, MF_DRAFT },
};

/* 1 when the response has only items the short way writes: UID, and
 * FLAGS of a message without keywords. */
static int
line_fits(const struct fetch *fx, const struct fmsg *fm)
{
	for (size_t i = 0; i < fx->nitems; i++) {
		const struct fitem *it = &fx->items[i];

		if (it->kind == FI_FLAGS && fm->m->keywords == 0)
			continue;
		if (it->kind != FI_UID)
			return 0;
	}
	return 1;
}

/* write_response's words, for what line_fits allowed. */
static int
line_response(struct fetch *fx, const struct fmsg *fm)
{
	struct line l = { .n = 0 };
	const char *sep = "";

	line_str(&l, "* ", 2);
	line_u32(&l, fm->seq);
	line_str(&l, " FETCH (", 8);
	for (size_t i = 0; i < fx->nitems; i++) {
		const struct fitem *it = &fx->items[i];
		const char *fsep = "";

		if (it->seen_only && !fm->seen_changed)
			continue;
		line_str(&l, sep, strlen(sep));
		sep = " ";
		if (it->kind == FI_UID) {
			line_str(&l, "UID ", 4);
			line_u32(&l, fm->uid);
			continue;
		}
		line_str(&l, "FLAGS (", 7);
		for (size_t f = 0; f < sizeof(line_flags) /
		     sizeof(line_flags[0]); f++)
			if (fm->m->flags & line_flags[f].bit) {
				line_str(&l, fsep, strlen(fsep));
				line_str(&l, line_flags[f].name,
					 line_flags[f].len);
				fsep = " ";
			}
		/* RFC 9051 2.3.2: IMAP4rev2 has no \Recent. */
		if (fm->m->recent &&
		    !session_enabled(fx->s, SESSION_EXT_IMAP4REV2)) {
			line_str(&l, fsep, strlen(fsep));
			line_str(&l, "\\Recent", 7);
		}
		line_str(&l, ")", 1);
		/* Its lookup costs a search per message; mostly nothing
		 * is due at all. */
		if (view_due(fx->s->sel.view) & VIEW_DUE_FLAGS)
			view_flags_told(fx->s->sel.view, fm->uid);
	}
	line_str(&l, ")\r\n", 3);
	return stream_write(fx->s->stream, l.b, l.n);
}

static void
write_response(struct fetch *fx, const struct fmsg *fm)
{
	struct stream *out = fx->s->stream;
	int first = 1;

	if (line_fits(fx, fm)) {
		if (line_response(fx, fm) < 0)
			fx->broken = 1;
		return;
	}
	stream_printf(out, "* %u FETCH (", fm->seq);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < fx->nitems; i++) {
			const struct fitem *it = &fx->items[i];

			if (is_short(it->kind) == (pass == 0) &&
			    write_item(fx, it, fm, first))
				first = 0;
		}
	/* A failed write stays failed (the buffer stays full): no use
	 * reading the rest of the mailbox for nobody. */
	if (stream_puts(out, ")\r\n") < 0)
		fx->broken = 1;
}

/* Decodes the message's BINARY items (RFC 3516 4.3). When one cannot be
 * decoded the command fails with NO: as Dovecot 2.3 does, the message
 * gets a response with its UID alone, nothing is set \Seen, and the
 * messages after it are not answered. Returns 0 or -1. */
static int
msg_binary(struct fetch *fx, struct fmsg *fm)
{
	for (size_t i = 0; i < fx->nitems; i++) {
		struct fitem *it = &fx->items[i];

		if (it->kind != FI_BINARY)
			continue;
		if (fetch_binary_make(it->bin, fm->root, fm->data,
				      it->bin_data, &fx->bin_code,
				      &fx->bin_text) < 0) {
			if (stream_printf(fx->s->stream, "* %u FETCH (UID %u)"
					  "\r\n", fm->seq, fm->uid) < 0)
				fx->broken = 1;
			return -1;
		}
	}
	return 0;
}

/* folder_msg, but FETCH 1:* asks for the UIDs in order: the one after
 * the last found is tried first, then a binary search. */
static const struct store_msg *
find_msg(struct fetch *fx, uint32_t uid)
{
	size_t n;
	const struct store_msg *msgs = folder_msgs(fx->s->sel.folder, &n);

	for (size_t i = fx->hint; i < n && i < fx->hint + 2; i++)
		if (msgs[i].uid == uid) {
			fx->hint = i + 1;
			return &msgs[i];
		}
	const struct store_msg *m = folder_msg(fx->s->sel.folder, uid);
	if (m != NULL)
		fx->hint = (size_t)(m - msgs) + 1;
	return m;
}

/* Answers one message. Everything that can fail is done before the
 * first byte of its response, so a response is never cut short. */
static void
fetch_msg(struct fetch *fx, uint32_t seq)
{
	struct session *s = fx->s;
	struct fmsg fm = { .seq = seq };
	int r, make_preview = 0;

	fm.uid = view_uid(s->sel.view, seq);
	fm.m = find_msg(fx, fm.uid);
	if (view_is_expunged(s->sel.view, seq) || fm.m == NULL) {
		/* The view hears of every expunge from the folder's syncs:
		 * a UID it still shows that the list lacks is theirs out of
		 * step, worth a line for whoever reads the log. */
		if (fm.m == NULL && !view_is_expunged(s->sel.view, seq))
			log_warn("fetch: user=%s mailbox=%s: UID %u (message "
				 "%u) is in the view but not in the folder",
				 s->user.name, s->sel.name, fm.uid, seq);
		fx->expunged = 1;
		return;
	}
	/* RFC 7162 3.1.4.1: only messages changed after CHANGEDSINCE. */
	if (fx->changed &&
	    folder_modseq(s->sel.folder, fm.uid) <= fx->changedsince)
		return;
	/* RFC 8970 4.1: with LAZY only, a preview not in the cache is made
	 * when the message is parsed anyway, else it is NIL. */
	if (fx->pv != NULL && !fetch_preview_cached(fx->pv, fm.uid,
						     fx->msg_arena, &fm.preview))
		make_preview = !fetch_preview_lazy(fx->pv) || fx->need_parse;
	if (make_preview)
		r = msg_map(fx, &fm);
	else if (fx->need_file || (fx->need_size && fm.m->vsize < 0) ||
	    fx->need_date)
		r = msg_cached(fx, &fm) ? 0 : msg_open(fx, &fm);
	else
		r = 0;
	if (r != 0) {
		if (r > 0)
			fx->expunged = 1;
		else
			fx->failed = 1;
		msg_unmap(fx, &fm);
		return;
	}
	if (fm.loaded && (fx->need_parse || make_preview))
		fm.root = mail_parse(fm.data, fm.len, fx->msg_arena);
	if (fm.loaded && fx->cache_want && !fm.complete) {
		msg_remember(fx, &fm);
		/* PREVIEW's record builds on this one (it keeps the
		 * blobs it finds), so it must be on disk first. */
		if (make_preview)
			msgcache_sync(fx->mc);
	}
	if (make_preview)
		fm.preview = fetch_preview_make(fx->pv, fm.uid, fm.data, fm.len,
						fm.root, fm.date,
						fx->msg_arena);
	if (msg_binary(fx, &fm) < 0) {
		msg_unmap(fx, &fm);
		return;
	}
	if (fx->set_seen)
		msg_set_seen(fx, &fm);
	if (fm.m != NULL)
		write_response(fx, &fm);
	else
		fx->expunged = 1;
	msg_unmap(fx, &fm);
	arena_reset(fx->msg_arena);
	if (fx->out.cap > FETCH_KEEP_BUF) {
		/* One huge structure does not stay for the rest. */
		buf_free(&fx->out);
		buf_init(&fx->out, FETCH_MAX_STRUCT);
	}
	for (size_t i = 0; i < fx->nitems; i++)
		if (fx->items[i].kind == FI_BINARY &&
		    fx->items[i].bin_data->cap > FETCH_KEEP_BUF) {
			buf_free(fx->items[i].bin_data);
			buf_init(fx->items[i].bin_data, SIZE_MAX);
		}
}

/* --- the command --------------------------------------------------- */

static void
fetch_run(struct fetch *fx, const struct seqset *set)
{
	for (size_t i = 0; i < set->n && !fx->broken; i++)
		for (uint64_t seq = set->r[i].lo; seq <= set->r[i].hi &&
		     !fx->broken && fx->bin_code == NULL; seq++)
			fetch_msg(fx, (uint32_t)seq);
}

/* "FETCH set PREVIEW (LAZY)" is one fetch-att with its modifiers (RFC
 * 8970 6), not a fetch-att and fetch modifiers (RFC 4466 2.4): when cmd
 * is that, fills *out with the two as one list and returns 1. */
static int
preview_alone(struct session *s, const struct command *cmd,
	      struct command *out)
{
	struct arg *args;
	int lazy;

	if (cmd->nargs != 3 || !is_preview(&cmd->args[1]) ||
	    fetch_preview_modifiers(&cmd->args[2], &lazy) < 0)
		return 0;
	args = arena_alloc(s->arena, 2 * sizeof(*args));
	args[0] = cmd->args[0];
	memset(&args[1], 0, sizeof(args[1]));
	args[1].type = ARG_LIST;
	args[1].list = &cmd->args[1];
	args[1].count = 2;
	*out = *cmd;
	out->args = args;
	out->nargs = 2;
	return 1;
}

void
cmd_fetch(struct session *s, const struct command *cmd)
{
	struct fetch fx = { .s = s };
	struct seqset set;
	const char *err = NULL;

	struct seqset vanished_uids;
	int vanished = 0;
	struct command pv_cmd;

	if (preview_alone(s, cmd, &pv_cmd))
		cmd = &pv_cmd;
	if (cmd->nargs != 2 && cmd->nargs != 3) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Invalid arguments");
		return;
	}
	fx.items = arena_alloc(s->arena, FETCH_MAX_ITEMS * sizeof(*fx.items));
	if (msgset_parse(s, &cmd->args[0], &set, &err) < 0 ||
	    parse_items(&fx, &cmd->args[1], &err) < 0 ||
	    (cmd->nargs == 3 &&
	     fetch_modifiers_parse(s, &cmd->args[2], &fx.changedsince,
				   &vanished, &err) < 0) ||
	    (vanished && msgset_parse_uids(s, &cmd->args[0], &vanished_uids,
					   &err) < 0)) {
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", err);
		return;
	}
	/* RFC 7162 3.1.4.1: CHANGEDSINCE implies MODSEQ (and, with the
	 * MODSEQ item, is a CONDSTORE enabling command, 3.1). */
	fx.changed = cmd->nargs == 3;
	if (fx.changed)
		add_item(&fx, FI_MODSEQ, "MODSEQ");
	for (size_t i = 0; i < fx.nitems; i++)
		if (fx.items[i].kind == FI_MODSEQ && !fx.items[i].seen_only)
			condstore_enable(s);
	/* 3.2.6: VANISHED (EARLIER) before any FETCH. */
	if (vanished)
		condstore_vanished_earlier(s, &vanished_uids, fx.changedsince,
					   0);
	fx.msg_arena = arena_new(16384);
	if (fx.cache_want || fx.need_date || fx.need_size)
		fx.mc = msgcache_new(s, "fetch");
	buf_init(&fx.out, FETCH_MAX_STRUCT);
	if (fx.preview)
		fx.pv = fetch_preview_new(s, fx.preview == 2);
	fetch_run(&fx, &set);
	fetch_preview_free(&fx.pv);
	for (size_t i = 0; i < fx.nitems; i++)
		if (fx.items[i].kind == FI_BINARY)
			buf_free(fx.items[i].bin_data);
	buf_free(&fx.out);
	msgcache_free(&fx.mc);
	msgread_free(&fx.rd);
	arena_free(&fx.msg_arena);
	if (fx.broken) {
		s->closing = 1;
		return;
	}
	if (fx.failed || fx.expunged)
		view_modseq_fence(s->sel.view, s->stream);
	if (fx.bin_code != NULL)
		resp_tagged(s->stream, cmd->tag, "NO", "[%s] %s", fx.bin_code,
			    fx.bin_text);
	else if (fx.failed)
		resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Some "
			    "messages could not be read; see the server log");
	else if (fx.expunged)
		resp_tagged(s->stream, cmd->tag, "NO", "[EXPUNGEISSUED] Some "
			    "of the requested messages no longer exist.");
	else
		session_ok(s, cmd, "Fetch completed.");
}

/* --- for NOTIFY (imap/fetch.h) -------------------------------------- */

/* Frees what parse_items made outside the arena. */
static void
items_done(struct fetch *fx)
{
	for (size_t i = 0; i < fx->nitems; i++)
		if (fx->items[i].kind == FI_BINARY)
			buf_free(fx->items[i].bin_data);
}

int
fetch_items_check(struct session *s, const struct arg *items,
		  const char **err_r)
{
	struct fetch fx = { .s = s };
	int r;

	fx.items = arena_alloc(s->arena, FETCH_MAX_ITEMS * sizeof(*fx.items));
	r = parse_items(&fx, items, err_r);
	items_done(&fx);
	return r;
}

int
fetch_untagged(struct session *s, const struct arg *items, uint32_t lo,
	       uint32_t hi)
{
	struct fetch fx = { .s = s };
	struct seqrange r = { .lo = lo, .hi = hi };
	struct seqset set = { .r = &r, .n = 1 };
	const char *err = NULL;

	if (lo == 0 || lo > hi)
		return 0;
	fx.items = arena_alloc(s->arena, FETCH_MAX_ITEMS * sizeof(*fx.items));
	if (parse_items(&fx, items, &err) < 0) {
		items_done(&fx);
		return 0;               /* checked by NOTIFY: cannot happen */
	}
	if (session_enabled(s, SESSION_EXT_CONDSTORE))
		add_item(&fx, FI_MODSEQ, "MODSEQ");
	fx.msg_arena = arena_new(16384);
	if (fx.cache_want || fx.need_date || fx.need_size)
		fx.mc = msgcache_new(s, "fetch");
	buf_init(&fx.out, FETCH_MAX_STRUCT);
	if (fx.preview)
		fx.pv = fetch_preview_new(s, fx.preview == 2);
	fetch_run(&fx, &set);
	fetch_preview_free(&fx.pv);
	items_done(&fx);
	buf_free(&fx.out);
	msgcache_free(&fx.mc);
	msgread_free(&fx.rd);
	arena_free(&fx.msg_arena);
	if (fx.broken) {
		s->closing = 1;
		return -1;
	}
	return 0;
}
