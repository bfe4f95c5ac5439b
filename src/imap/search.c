/* src/imap/search.c — search keys (RFC 3501 6.4.4, grammar in 9) as a
 * tree, and matching one message against it.
 *
 * Cost. A mailbox may hold a million messages, and most searches are
 * answered from flags alone ("UNSEEN", "UID 500:*"). Every key gets a
 * cost class when parsed: the store's list (flags, UID, sequence
 * number, ,W= size), the file's mtime (INTERNALDATE), the header block,
 * the whole body. An AND evaluates its keys cheapest first and OR its
 * cheaper side first, so a message is opened only when the cheap keys
 * could not decide, and a file is only mapped, never read whole: a
 * header key touches the pages of the header and nothing else.
 *
 * Strings. Keys are converted to UTF-8 from the CHARSET the client
 * named (any that iconv knows, as Dovecot takes; the caller refuses
 * others with BADCHARSET), then folded. Header values are
 * unfolded and their encoded-words decoded (RFC 2047); body parts are
 * decoded from their transfer encoding and converted from their charset
 * to UTF-8. Both sides are case-folded with charset_fold and compared as
 * substrings, as RFC 3501 6.4.4 asks and Dovecot 2.3 does. Like
 * Dovecot, only bodies of type text and message are searched; an image is
 * not text. The address keys (FROM, TO, CC, BCC) match the header as
 * written, decoded: that is the "Name <addr>" text Dovecot matches,
 * save for how a name needing quotes is quoted.
 *
 * Dates. SINCE, ON and BEFORE compare the day of INTERNALDATE in the
 * server's time zone, SENTSINCE and friends the day the Date: header
 * names in its own zone; "disregarding time and timezone" (RFC 3501
 * 6.4.4). A message without a readable Date: counts as sent on
 * 1-Jan-1970, as in Dovecot. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/command.h"
#include "imap/fts.h"
#include "imap/msgcache.h"
#include "imap/msgread.h"
#include "imap/objectid.h"
#include "imap/response.h"
#include "imap/search.h"
#include "imap/view.h"
#include "imap/searchres.h"
#include "imap/seqset.h"
#include "mail/charset.h"
#include "mail/date.h"
#include "mail/decode.h"
#include "mail/envelope.h"
#include "mail/header.h"
#include "mail/message.h"
#include "mail/rfc2047.h"
#include "store/filename.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"

/* One search indexes new messages for this long at most; the rest are
 * scanned, and indexed by the next searches (imap/fts.h). */
#define SEARCH_FTS_BUDGET_MS 3000

/* Decoded text of one header field or body part is cut here; a search
 * beyond it in a larger part does not match. */
#define SEARCH_TEXT_MAX (64u * 1024 * 1024)

enum cost {
	COST_LIST,      /* the store's message list */
	COST_SIZE,      /* may need the file when ,W= is missing */
	COST_DATE,      /* stat of the file */
	COST_HEADER,    /* the header block */
	COST_BODY,      /* the whole message */
};

enum key_type {
	SK_ALL,
	SK_FLAG,        /* u.flag: an MF_* bit */
	SK_KEYWORD,     /* u.keyword: index, -1 for one no message has */
	SK_RECENT,
	SK_SEQ,         /* u.set */
	SK_UID,         /* u.set */
	SK_LARGER,      /* u.size */
	SK_SMALLER,
	SK_BEFORE,      /* u.day: days since 1970 */
	SK_ON,
	SK_SINCE,
	SK_SENTBEFORE,
	SK_SENTON,
	SK_SENTSINCE,
	SK_HEADER,      /* u.text with field */
	SK_BODY,        /* u.text */
	SK_TEXT,        /* u.text */
	SK_NOT,         /* kids[0] */
	SK_OR,          /* kids[0], kids[1] */
	SK_AND,         /* kids[0..nkids) */
	SK_SAVED,       /* u.set: "$" (RFC 5182), UIDs once bound */
	SK_OLDER,       /* u.when: INTERNALDATE <= it (RFC 5032) */
	SK_YOUNGER,     /* u.when: INTERNALDATE >= it */
	SK_SAVEDBEFORE, /* u.day, of the save date (RFC 8514 4.3) */
	SK_SAVEDON,
	SK_SAVEDSINCE,
	SK_EMAILID,     /* u.text: the objectid, as is (RFC 8474 6) */
	SK_THREADID,    /* matches nothing: THREADID is NIL (8474 5.2) */
	SK_MODSEQ,      /* u.size: MODSEQ at least it (RFC 7162 3.1.5) */
};

struct search_text {
	const char *field;              /* SK_HEADER: the field name */
	const unsigned char *needle;    /* case-folded UTF-8 */
	size_t len;
	/* For a needle of ASCII only, up to 255 bytes: the shifts of a
	 * Horspool search that folds ASCII as it compares (text_has). */
	const unsigned char *skip;      /* 256 of them, or NULL */
};

struct search_key {
	enum key_type type;
	enum cost cost;
	union {
		unsigned flag;
		int keyword;
		struct seqset set;
		uint64_t size;
		long day;
		time_t when;
		struct search_text text;
	} u;
	struct search_key **kids;
	size_t nkids;
};

/* --- parsing -------------------------------------------------------- */

struct sparse {
	const struct keywords *kw;
	const char *charset;            /* of the strings; NULL: UTF-8 */
	struct arena *a;
	size_t keys;
	const char *err;
};

static struct search_key *parse_key(struct sparse *p, const struct arg *args,
				    size_t n, size_t *i, int depth);

static struct search_key *
new_key(struct sparse *p, enum key_type type, enum cost cost)
{
	struct search_key *k;

	if (++p->keys > SEARCH_MAX_KEYS) {
		p->err = "Too many search keys";
		return NULL;
	}
	k = arena_zalloc(p->a, sizeof(*k));
	k->type = type;
	k->cost = cost;
	return k;
}

static int
cost_cmp(const void *x, const void *y)
{
	const struct search_key *a = *(const struct search_key *const *)x;
	const struct search_key *b = *(const struct search_key *const *)y;

	return (int)a->cost - (int)b->cost;
}

/* Wraps kids[0..n) into one key: itself when alone, else an AND whose
 * keys are sorted cheapest first. */
static struct search_key *
make_and(struct sparse *p, struct search_key **kids, size_t n)
{
	struct search_key *k;

	if (n == 1)
		return kids[0];
	k = arena_zalloc(p->a, sizeof(*k));
	k->type = SK_AND;
	k->kids = kids;
	k->nkids = n;
	/* qsort is not stable, but keys of one cost may go in any order:
	 * AND does not care. */
	qsort(kids, n, sizeof(*kids), cost_cmp);
	k->cost = kids[n - 1]->cost;
	return k;
}

static struct search_key *
make_unary(struct sparse *p, enum key_type type, struct search_key *a,
	   struct search_key *b)
{
	struct search_key *k;

	if (a == NULL || (type == SK_OR && b == NULL))
		return NULL;
	k = arena_zalloc(p->a, sizeof(*k));
	k->type = type;
	k->kids = arena_alloc(p->a, 2 * sizeof(*k->kids));
	k->kids[0] = a;
	k->kids[1] = b;
	k->nkids = type == SK_OR ? 2 : 1;
	if (type == SK_OR && b->cost < a->cost) {
		k->kids[0] = b;
		k->kids[1] = a;
	}
	k->cost = a->cost;
	if (b != NULL && b->cost > k->cost)
		k->cost = b->cost;
	return k;
}

/* The next argument as a string (astring, RFC 3501 9), or NULL with
 * p->err set when there is none or it is a list. */
static const struct arg *
next_string(struct sparse *p, const struct arg *args, size_t n, size_t *i,
	    const char *key)
{
	if (*i >= n) {
		p->err = arena_printf(p->a, "Missing parameter for search key "
				      "(for search key: %s)", key);
		return NULL;
	}
	if (args[*i].type == ARG_LIST) {
		p->err = arena_printf(p->a, "Invalid parameter for search key "
				      "(for search key: %s)", key);
		return NULL;
	}
	return &args[(*i)++];
}

/* A string key's argument, case-folded once so that each message's
 * text only has to be folded on its side. */
static int
parse_text(struct sparse *p, const struct arg *a, struct search_text *t)
{
	struct buf b, u;
	int r;

	buf_init(&b, SEARCH_TEXT_MAX);
	if (p->charset == NULL) {
		r = charset_fold(a->data, a->len, &b);
	} else {
		buf_init(&u, SEARCH_TEXT_MAX);
		r = charset_to_utf8(p->charset, a->data, a->len, &u);
		if (r == 0)
			r = charset_fold((const unsigned char *)buf_str(&u),
					 u.len, &b);
		buf_free(&u);
	}
	if (r < 0) {
		buf_free(&b);
		p->err = "Search string too long";
		return -1;
	}
	t->len = b.len;
	t->needle = (const unsigned char *)arena_strndup(p->a, buf_str(&b),
							 b.len);
	buf_free(&b);
	t->skip = NULL;
	if (t->len > 0 && t->len <= 255) {
		unsigned char *skip = arena_alloc(p->a, 256);
		size_t i;

		for (i = 0; i < t->len && t->needle[i] < 0x80; i++)
			;
		if (i < t->len)
			return 0;
		memset(skip, (int)t->len, 256);
		for (i = 0; i + 1 < t->len; i++) {
			skip[t->needle[i]] = (unsigned char)(t->len - 1 - i);
			skip[toupper(t->needle[i])] =
				(unsigned char)(t->len - 1 - i);
		}
		t->skip = skip;
	}
	return 0;
}

/* Days since 1970 of an IMAP date (RFC 3501 9, "date"). */
static int
parse_day(struct sparse *p, const struct arg *a, long *day_r)
{
	time_t t;

	if (date_parse_imap_day((const char *)a->data, &t) < 0) {
		p->err = arena_printf(p->a, "Invalid search date parameter: "
				      "%.100s", (const char *)a->data);
		return -1;
	}
	*day_r = (long)(t / 86400);
	return 0;
}

static int
parse_number(struct sparse *p, const struct arg *a, uint64_t *n_r)
{
	uint64_t n = 0;

	if (a->type != ARG_ATOM || a->len == 0 || a->len > 19)
		goto bad;
	for (size_t i = 0; i < a->len; i++) {
		if (!isdigit(a->data[i]))
			goto bad;
		n = n * 10 + (uint64_t)(a->data[i] - '0');
	}
	*n_r = n;
	return 0;
bad:
	p->err = arena_printf(p->a, "Invalid search size parameter: %.100s",
			      (const char *)a->data);
	return -1;
}

/* RFC 5032 3: OLDER and YOUNGER take an nz-number of seconds; the
 * target is "the current date and time of the server" less it (2),
 * taken once for the whole command. */
static int
parse_interval(struct sparse *p, const struct arg *a, time_t *when_r)
{
	uint64_t n;

	if (a->type != ARG_ATOM || a->len > 10 ||
	    parse_number(p, a, &n) < 0 || n == 0 || n > UINT32_MAX) {
		p->err = "Invalid search interval parameter";
		return -1;
	}
	*when_r = time(NULL) - (time_t)n;
	return 0;
}

/* RFC 8474 7: objectid = 1*255(ALPHA / DIGIT / "_" / "-"), compared
 * case-sensitively. */
static int
parse_objectid(struct sparse *p, const struct arg *a, struct search_text *t)
{
	if (!objectid_valid(a->data, a->len)) {
		p->err = "Invalid object ID";
		return -1;
	}
	t->needle = (const unsigned char *)arena_strndup(p->a, a->data,
							 a->len);
	t->len = a->len;
	return 0;
}

struct simple_key {
	const char *name;
	enum key_type type;
	unsigned flag;
	int negate;
};

/* The keys that take no argument. NEW is RECENT UNSEEN and handled
 * apart. */
static const struct simple_key simple_keys[] = {
	{ "ALL",        SK_ALL,    0,           0 },
	{ "ANSWERED",   SK_FLAG,   MF_ANSWERED, 0 },
	{ "DELETED",    SK_FLAG,   MF_DELETED,  0 },
	{ "DRAFT",      SK_FLAG,   MF_DRAFT,    0 },
	{ "FLAGGED",    SK_FLAG,   MF_FLAGGED,  0 },
	{ "SEEN",       SK_FLAG,   MF_SEEN,     0 },
	{ "RECENT",     SK_RECENT, 0,           0 },
	{ "OLD",        SK_RECENT, 0,           1 },
	{ "UNANSWERED", SK_FLAG,   MF_ANSWERED, 1 },
	{ "UNDELETED",  SK_FLAG,   MF_DELETED,  1 },
	{ "UNDRAFT",    SK_FLAG,   MF_DRAFT,    1 },
	{ "UNFLAGGED",  SK_FLAG,   MF_FLAGGED,  1 },
	{ "UNSEEN",     SK_FLAG,   MF_SEEN,     1 },
	/* RFC 8514 4.3: every message, as the store has save dates. */
	{ "SAVEDATESUPPORTED", SK_ALL, 0,       0 },
};

static const struct simple_key key_recent = { "RECENT", SK_RECENT, 0, 0 };
static const struct simple_key key_unseen = { "UNSEEN", SK_FLAG, MF_SEEN, 1 };

struct arg_key {
	const char *name;
	enum key_type type;
	const char *field;      /* SK_HEADER with a fixed field */
};

/* The keys that take one string, date or number. */
static const struct arg_key arg_keys[] = {
	{ "BCC",        SK_HEADER,     "Bcc" },
	{ "CC",         SK_HEADER,     "Cc" },
	{ "FROM",       SK_HEADER,     "From" },
	{ "SUBJECT",    SK_HEADER,     "Subject" },
	{ "TO",         SK_HEADER,     "To" },
	{ "BODY",       SK_BODY,       NULL },
	{ "TEXT",       SK_TEXT,       NULL },
	{ "BEFORE",     SK_BEFORE,     NULL },
	{ "ON",         SK_ON,         NULL },
	{ "SINCE",      SK_SINCE,      NULL },
	{ "SENTBEFORE", SK_SENTBEFORE, NULL },
	{ "SENTON",     SK_SENTON,     NULL },
	{ "SENTSINCE",  SK_SENTSINCE,  NULL },
	{ "LARGER",     SK_LARGER,     NULL },
	{ "SMALLER",    SK_SMALLER,    NULL },
	{ "OLDER",      SK_OLDER,      NULL },
	{ "YOUNGER",    SK_YOUNGER,    NULL },
	{ "SAVEDBEFORE", SK_SAVEDBEFORE, NULL },
	{ "SAVEDON",    SK_SAVEDON,    NULL },
	{ "SAVEDSINCE", SK_SAVEDSINCE, NULL },
	{ "EMAILID",    SK_EMAILID,    NULL },
	{ "THREADID",   SK_THREADID,   NULL },
};

static enum cost
type_cost(enum key_type t)
{
	switch (t) {
	case SK_LARGER: case SK_SMALLER:
		return COST_SIZE;
	case SK_BEFORE: case SK_ON: case SK_SINCE:
	case SK_OLDER: case SK_YOUNGER:
	case SK_SAVEDBEFORE: case SK_SAVEDON: case SK_SAVEDSINCE:
		return COST_DATE;
	case SK_EMAILID:
		return COST_BODY;
	case SK_HEADER: case SK_SENTBEFORE: case SK_SENTON: case SK_SENTSINCE:
		return COST_HEADER;
	case SK_BODY: case SK_TEXT:
		return COST_BODY;
	default:
		return COST_LIST;
	}
}

static struct search_key *
parse_simple(struct sparse *p, const struct simple_key *sk)
{
	struct search_key *k = new_key(p, sk->type, COST_LIST);

	if (k == NULL)
		return NULL;
	k->u.flag = sk->flag;
	return sk->negate ? make_unary(p, SK_NOT, k, NULL) : k;
}

static struct search_key *
parse_arg_key(struct sparse *p, const struct arg_key *ak,
	      const struct arg *args, size_t n, size_t *i)
{
	const struct arg *a = next_string(p, args, n, i, ak->name);
	struct search_key *k;
	int r;

	if (a == NULL || (k = new_key(p, ak->type, type_cost(ak->type))) == NULL)
		return NULL;
	switch (ak->type) {
	case SK_HEADER:
		k->u.text.field = ak->field;
		/* fall through */
	case SK_BODY: case SK_TEXT:
		r = parse_text(p, a, &k->u.text);
		break;
	case SK_LARGER: case SK_SMALLER:
		r = parse_number(p, a, &k->u.size);
		break;
	case SK_OLDER: case SK_YOUNGER:
		r = parse_interval(p, a, &k->u.when);
		break;
	case SK_EMAILID: case SK_THREADID:
		r = parse_objectid(p, a, &k->u.text);
		break;
	default:
		r = parse_day(p, a, &k->u.day);
		break;
	}
	return r < 0 ? NULL : k;
}

/* HEADER field-name string. */
static struct search_key *
parse_header(struct sparse *p, const struct arg *args, size_t n, size_t *i)
{
	const struct arg *f = next_string(p, args, n, i, "HEADER");
	const struct arg *s;
	struct search_key *k;

	if (f == NULL || (s = next_string(p, args, n, i, "HEADER")) == NULL)
		return NULL;
	if (f->len == 0 || memchr(f->data, ':', f->len) != NULL ||
	    strlen((const char *)f->data) != f->len) {
		p->err = "Invalid header field name for HEADER";
		return NULL;
	}
	if ((k = new_key(p, SK_HEADER, COST_HEADER)) == NULL)
		return NULL;
	k->u.text.field = arena_strndup(p->a, f->data, f->len);
	return parse_text(p, s, &k->u.text) < 0 ? NULL : k;
}

/* KEYWORD and UNKEYWORD flag-keyword. A keyword the folder does not
 * know is on no message. */
static struct search_key *
parse_keyword(struct sparse *p, const struct arg *args, size_t n, size_t *i,
	      int negate)
{
	const char *name = negate ? "UNKEYWORD" : "KEYWORD";
	const struct arg *a = next_string(p, args, n, i, name);
	struct search_key *k;

	if (a == NULL)
		return NULL;
	if ((k = new_key(p, SK_KEYWORD, COST_LIST)) == NULL)
		return NULL;
	/* Not an atom ("\\Seen", a quoted string) is no keyword a message
	 * can have, as Dovecot takes it: it matches nothing. */
	k->u.keyword = -1;
	if (a->type == ARG_ATOM && a->data[0] != '\\')
		k->u.keyword = keywords_index(p->kw, (const char *)a->data);
	return negate ? make_unary(p, SK_NOT, k, NULL) : k;
}

static struct search_key *
parse_set(struct sparse *p, enum key_type type, const struct arg *a)
{
	struct search_key *k;
	const char *err;

	if (a->type != ARG_ATOM) {
		p->err = type == SK_UID ? "Invalid UID messageset" :
			"Invalid messageset";
		return NULL;
	}
	if ((k = new_key(p, type, COST_LIST)) == NULL)
		return NULL;
	if (seqset_parse((const char *)a->data, p->a, &k->u.set, &err) < 0) {
		p->err = arena_printf(p->a, "Invalid %smessageset %.100s: %s",
				      type == SK_UID ? "UID " : "",
				      (const char *)a->data, err);
		return NULL;
	}
	return k;
}

/* MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162
 * 3.1.5). One MODSEQ is kept per message, not per flag, so the entry
 * is checked and then ignored, as 3.1.5 says such a server MUST. */
static struct search_key *
parse_modseq(struct sparse *p, const struct arg *args, size_t n, size_t *i)
{
	const struct arg *a = next_string(p, args, n, i, "MODSEQ");
	struct search_key *k;
	uint64_t v;

	if (a == NULL)
		return NULL;
	if (a->type != ARG_ATOM || !isdigit(a->data[0])) {
		const struct arg *t = next_string(p, args, n, i, "MODSEQ");

		if (t == NULL)
			return NULL;
		if (a->len < 7 || strncasecmp((const char *)a->data,
					      "/flags/", 7) != 0 ||
		    t->type != ARG_ATOM ||
		    (strcasecmp((const char *)t->data, "priv") != 0 &&
		     strcasecmp((const char *)t->data, "shared") != 0 &&
		     strcasecmp((const char *)t->data, "all") != 0)) {
			p->err = "Invalid MODSEQ entry";
			return NULL;
		}
		if ((a = next_string(p, args, n, i, "MODSEQ")) == NULL)
			return NULL;
	}
	if (parse_number(p, a, &v) < 0 || v > INT64_MAX) {
		p->err = "Invalid MODSEQ value";
		return NULL;
	}
	if ((k = new_key(p, SK_MODSEQ, COST_LIST)) == NULL)
		return NULL;
	k->u.size = v;
	return k;
}

/* The keys of a parenthesized list, ANDed. */
static struct search_key *
parse_list(struct sparse *p, const struct arg *args, size_t n, int depth)
{
	struct search_key **kids;
	size_t i = 0, nkids = 0;

	if (n == 0) {
		p->err = "No search parameters inside list";
		return NULL;
	}
	kids = arena_alloc(p->a, n * sizeof(*kids));
	while (i < n)
		if ((kids[nkids++] = parse_key(p, args, n, &i, depth)) == NULL)
			return NULL;
	return make_and(p, kids, nkids);
}

/* RFC 3501 6.4.4: NEW is "equivalent to (RECENT UNSEEN)". */
static struct search_key *
parse_new(struct sparse *p)
{
	struct search_key **kids = arena_alloc(p->a, 2 * sizeof(*kids));

	kids[0] = parse_simple(p, &key_recent);
	kids[1] = parse_simple(p, &key_unseen);
	if (kids[0] == NULL || kids[1] == NULL)
		return NULL;
	return make_and(p, kids, 2);
}

/* NOT search-key, OR search-key search-key. */
static struct search_key *
parse_not_or(struct sparse *p, const char *name, const struct arg *args,
	     size_t n, size_t *i, int depth)
{
	int is_or = toupper((unsigned char)name[0]) == 'O';
	struct search_key *a, *b = NULL;

	if (*i >= n)
		goto missing;
	if ((a = parse_key(p, args, n, i, depth + 1)) == NULL)
		return NULL;
	if (is_or) {
		if (*i >= n)
			goto missing;
		if ((b = parse_key(p, args, n, i, depth + 1)) == NULL)
			return NULL;
	}
	return make_unary(p, is_or ? SK_OR : SK_NOT, a, b);
missing:
	p->err = arena_printf(p->a, "Missing argument (for search key: %s)",
			      is_or ? "OR" : "NOT");
	return NULL;
}

static struct search_key *
parse_atom_key(struct sparse *p, const char *name, const struct arg *args,
	       size_t n, size_t *i, int depth)
{
	for (size_t j = 0; j < sizeof(simple_keys) / sizeof(*simple_keys); j++)
		if (strcasecmp(name, simple_keys[j].name) == 0)
			return parse_simple(p, &simple_keys[j]);
	for (size_t j = 0; j < sizeof(arg_keys) / sizeof(*arg_keys); j++)
		if (strcasecmp(name, arg_keys[j].name) == 0)
			return parse_arg_key(p, &arg_keys[j], args, n, i);
	if (strcasecmp(name, "NEW") == 0)
		return parse_new(p);
	if (strcasecmp(name, "NOT") == 0 || strcasecmp(name, "OR") == 0)
		return parse_not_or(p, name, args, n, i, depth);
	if (strcasecmp(name, "HEADER") == 0)
		return parse_header(p, args, n, i);
	if (strcasecmp(name, "KEYWORD") == 0)
		return parse_keyword(p, args, n, i, 0);
	if (strcasecmp(name, "UNKEYWORD") == 0)
		return parse_keyword(p, args, n, i, 1);
	if (strcasecmp(name, "MODSEQ") == 0)
		return parse_modseq(p, args, n, i);
	if (strcasecmp(name, "UID") == 0) {
		if (*i >= n) {
			p->err = "Missing argument (for search key: UID)";
			return NULL;
		}
		if (searchres_is_marker(&args[*i])) {
			(*i)++;
			return new_key(p, SK_SAVED, COST_LIST);
		}
		return parse_set(p, SK_UID, &args[(*i)++]);
	}
	if (isdigit((unsigned char)name[0]) || name[0] == '*')
		return parse_set(p, SK_SEQ, &args[*i - 1]);
	/* RFC 5182 3: "$" is a sequence-set, so a search key of its own
	 * (2.2 example 3: "UID SEARCH $ SMALLER 4096") and UID's argument
	 * ("UID $"); search_bind_saved gives it its UIDs. */
	if (strcmp(name, "$") == 0)
		return new_key(p, SK_SAVED, COST_LIST);
	p->err = arena_printf(p->a, "Unknown argument %.100s", name);
	return NULL;
}

/* One search-key (RFC 3501 9) at args[*i], advancing *i past it. */
static struct search_key *
parse_key(struct sparse *p, const struct arg *args, size_t n, size_t *i,
	  int depth)
{
	const struct arg *a = &args[(*i)++];

	if (depth > SEARCH_MAX_DEPTH) {
		p->err = "Search keys nested too deeply";
		return NULL;
	}
	if (a->type == ARG_LIST)
		return parse_list(p, a->list, a->count, depth + 1);
	if (a->type != ARG_ATOM) {
		p->err = arena_printf(p->a, "Unexpected string as search key: "
				      "%.100s", (const char *)a->data);
		return NULL;
	}
	return parse_atom_key(p, (const char *)a->data, args, n, i, depth);
}

struct search_key *
search_parse(const struct arg *args, size_t n, const struct keywords *kw,
	     struct arena *a, const char **err_r)
{
	return search_parse_charset(args, n, NULL, kw, a, err_r);
}

struct search_key *
search_parse_charset(const struct arg *args, size_t n, const char *charset,
		     const struct keywords *kw, struct arena *a,
		     const char **err_r)
{
	struct sparse p = { .kw = kw, .charset = charset, .a = a };
	struct search_key *k;

	if (n == 0) {
		*err_r = "Missing search parameters";
		return NULL;
	}
	k = parse_list(&p, args, n, 0);
	if (k == NULL)
		*err_r = p.err != NULL ? p.err : "Invalid search key";
	return k;
}

void
search_resolve(struct search_key *k, uint32_t exists, uint32_t max_uid)
{
	if (k->type == SK_SEQ)
		seqset_resolve(&k->u.set, exists);
	else if (k->type == SK_UID)
		seqset_resolve(&k->u.set, max_uid);
	for (size_t i = 0; i < k->nkids; i++)
		search_resolve(k->kids[i], exists, max_uid);
}

int
search_has_modseq(const struct search_key *k)
{
	if (k->type == SK_MODSEQ)
		return 1;
	for (size_t i = 0; i < k->nkids; i++)
		if (search_has_modseq(k->kids[i]))
			return 1;
	return 0;
}

void
search_bind_saved(struct search_key *k, const struct seqset *uids)
{
	if (k->type == SK_SAVED)
		k->u.set = *uids;
	for (size_t i = 0; i < k->nkids; i++)
		search_bind_saved(k->kids[i], uids);
}

/* --- matching ------------------------------------------------------- */

struct search_run {
	struct folder *f;
	struct arena *a;                /* per message: the MIME parse */
	struct buf b1, b2, b3;          /* raw, decoded, folded text */

	/* The message being matched, and what has been loaded of it. */
	uint32_t seq, uid;
	const struct store_msg *m;
	int date_state;                 /* 0 unknown, 1 known, -1 none */
	time_t date;
	int file_state;                 /* 0 not yet, 1 its header read,
					 * 2 all of it read, -1 none */
	const unsigned char *data;
	size_t len;
	size_t hdr_len;
	struct mail_part *root;
	struct msgread rd;
	/* skua.cache (imap/msgcache.h), when search_run_cache set it up:
	 * the record of the message once looked up. */
	struct msgcache *mc;
	int cache_state;                /* 0 not looked up, 1 hit, -1 miss */
	struct mcache_entry ce;

	/* Work: bytes of message text scanned so far, and the most the
	 * command may scan (0: no limit). Once over, nothing matches. */
	uint64_t work, work_max;
	int over;

	/* The full-text index (imap/fts.h), when search_run_fts asked for
	 * it: the UIDs it answers for, and for each BODY or TEXT key it
	 * answered the candidates, a superset of the key's matches. */
	struct session *fts_s;
	uint32_t *fts_covered;
	size_t fts_ncovered;
	struct fts_key *fts_keys;
	size_t fts_nkeys;
};

struct fts_key {
	const struct search_key *k;
	uint32_t *uids;
	size_t n;
};

static void fts_forget(struct search_run *r);

/* Counts len bytes of scanning; sets over when the limit is passed. */
static void
spend(struct search_run *r, size_t len)
{
	r->work += len;
	if (r->work_max > 0 && r->work > r->work_max)
		r->over = 1;
}

void
search_run_limit(struct search_run *r, uint64_t max_bytes)
{
	r->work_max = max_bytes;
}

int
search_run_over(const struct search_run *r)
{
	return r->over;
}

void
search_refuse(struct session *s, const struct command *cmd)
{
	log_info("search: user=%s mailbox=%s: stopped after "
		 "search_work_limit (%ld bytes)", s->user.name, s->sel.name,
		 s->config->search_work_limit);
	resp_tagged(s->stream, cmd->tag, "NO", "[LIMIT] Search too "
		    "expensive; narrow it");
}

struct search_run *
search_run_new(struct folder *f, struct arena *a)
{
	struct search_run *r = arena_zalloc(a, sizeof(*r));

	r->f = f;
	r->a = arena_new(16384);
	buf_init(&r->b1, SEARCH_TEXT_MAX);
	buf_init(&r->b2, SEARCH_TEXT_MAX);
	buf_init(&r->b3, SEARCH_TEXT_MAX);
	return r;
}

void
search_run_free(struct search_run **rp)
{
	struct search_run *r = *rp;

	if (r == NULL)
		return;
	msgcache_free(&r->mc);
	fts_forget(r);
	msgread_free(&r->rd);
	arena_free(&r->a);
	buf_free(&r->b1);
	buf_free(&r->b2);
	buf_free(&r->b3);
	*rp = NULL;
}

void
search_run_cache(struct search_run *r, struct session *s)
{
	if (r->mc == NULL)
		r->mc = msgcache_new(s, "search");
}

/* The message's skua.cache record, or NULL. */
static const struct mcache_entry *
cached(struct search_run *r)
{
	if (r->cache_state == 0)
		r->cache_state = r->mc != NULL &&
			msgcache_get(r->mc, r->m, &r->ce) ? 1 : -1;
	return r->cache_state > 0 ? &r->ce : NULL;
}

/* The cached header fields ENVELOPE reads (mail/envelope.h), a header
 * block of its own, when the field name is one of them; else NULL. */
static const struct mcache_blob *
cached_fields(struct search_run *r, const char *name)
{
	const struct mcache_entry *e;

	if (r->mc == NULL || !envelope_field(name) || (e = cached(r)) == NULL)
		return NULL;
	return mcache_blob(e, MCACHE_ENVHDR);
}

/* Reads the message file, its header block only unless whole, once per
 * message. Returns 0 or -1 (gone or unreadable: no content key
 * matches). */
static int
load_file(struct search_run *r, int whole)
{
	const char *err = NULL;
	int ret;

	if (r->file_state < 0)
		return -1;
	if (r->file_state == 2 || (r->file_state == 1 && !whole))
		return 0;
	if (r->file_state == 1)
		msgread_done(&r->rd);
	r->file_state = -1;
	/* A key that needs the mtime takes it from the cache or a stat;
	 * remember() too. */
	ret = msgread_load(&r->rd, r->f, r->uid,
			   whole ? MSGREAD_NO_MTIME : MSGREAD_HEADER, &err);
	if (ret != 0) {
		if (ret < 0)
			log_error("search: uid %u: %s", r->uid,
				  err != NULL ? err : "cannot read");
		return -1;
	}
	r->data = r->rd.data;
	r->len = r->rd.len;
	r->hdr_len = header_block_len(r->data, r->len);
	r->file_state = whole ? 2 : 1;
	return 0;
}

/* After a miss, what reading the file taught goes into the cache: the
 * ENVELOPE header fields, sizes and date (the structures are FETCH's to
 * add), so that the next search of those fields reads no file. */
static void
remember(struct search_run *r)
{
	struct mcache_entry e;
	struct buf b;
	time_t t = r->rd.mtime;

	memset(&e, 0, sizeof(e));
	/* A body search reads without the date (load_file). */
	if (t == -1 && r->date_state > 0)
		t = r->date;
	else if (t == -1 && folder_msg_date(r->f, r->uid, &t) < 0)
		return;
	e.idate = (int64_t)t;
	e.psize = r->rd.size;
	e.vsize = r->file_state == 2 && r->len == r->rd.size && r->root != NULL ?
		mail_wire_size(r->root) : MCACHE_UNKNOWN;
	e.hdr_len = (uint32_t)r->hdr_len;
	buf_init(&b, 1024 * 1024);
	if (envelope_fields(r->data, r->hdr_len, &b) == 0) {
		e.blobs[e.nblobs++] = (struct mcache_blob){ MCACHE_ENVHDR,
			b.data != NULL ? b.data : (const unsigned char *)"",
			b.len };
		msgcache_put(r->mc, r->m, &e);
	}
	buf_free(&b);
}

static void
unload(struct search_run *r)
{
	if (r->mc != NULL && r->cache_state < 0 && r->file_state > 0 &&
	    r->m != NULL)
		remember(r);
	if (r->file_state > 0)
		msgread_done(&r->rd);
	r->file_state = 0;
	r->date_state = 0;
	r->cache_state = 0;
	r->root = NULL;
	arena_reset(r->a);
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
}

typedef unsigned char v16 __attribute__((vector_size(16)));

/* Lanes of v equal to the folded needle byte c: a letter in either case
 * (only 'X' and 'x' give 'x' when 0x20 is or-ed in), else c itself. */
static v16
lanes_eq(v16 v, unsigned char c)
{
	unsigned char fold = c >= 'a' && c <= 'z' ? 0x20 : 0;

	return (v16)((v | fold) == c);
}

/* 1 when the needle is at h[pos..), ASCII letters compared folded. */
static int
ascii_at(const unsigned char *h, size_t pos, const struct search_text *t)
{
	size_t j = t->len;

	while (j > 0 && lower(h[pos + j - 1]) == t->needle[j - 1])
		j--;
	return j == 0;
}

/* Raw text holds the needle, ASCII letters compared folded. Sixteen
 * places at a time are tried for the needle's first and last byte, as
 * wide as the vector unit goes; a place where both fit is compared
 * whole. Horspool takes the last places. */
static int
ascii_has(const unsigned char *h, size_t hl, const struct search_text *t)
{
	size_t nl = t->len, pos = 0;

	if (hl < nl)
		return 0;
	for (; nl >= 2 && hl - nl >= 15 && pos <= hl - nl - 15; pos += 16) {
		v16 first, last, hit;
		uint64_t w[2];

		memcpy(&first, h + pos, 16);
		memcpy(&last, h + pos + nl - 1, 16);
		hit = lanes_eq(first, t->needle[0]) &
			lanes_eq(last, t->needle[nl - 1]);
		memcpy(w, &hit, 16);
		if ((w[0] | w[1]) == 0)
			continue;
		for (size_t k = 0; k < 16; k++)
			if (hit[k] != 0 && ascii_at(h, pos + k, t))
				return 1;
	}
	for (; pos <= hl - nl; pos += t->skip[h[pos + nl - 1]])
		if (ascii_at(h, pos, t))
			return 1;
	return 0;
}

static int
all_ascii(const unsigned char *d, size_t len)
{
	size_t i = 0;

	for (; len - i >= 8; i += 8) {
		uint64_t w;

		memcpy(&w, d + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			return 0;
	}
	for (; i < len; i++)
		if (d[i] >= 0x80)
			return 0;
	return 1;
}

/* 1 when the bytes C4 B0 (U+0130) occur: memchr skips text without
 * C4 at the speed of the library, where memmem compares pairs. */
static int
has_c4b0(const unsigned char *d, size_t len)
{
	const unsigned char *p = d, *end = d + len;

	while (p < end && (p = memchr(p, 0xc4, (size_t)(end - p))) != NULL) {
		if (++p < end && *p == 0xb0)
			return 1;
	}
	return 0;
}

/* 1 when the folded needle occurs in UTF-8 text.
 *
 * The fast way, for a needle of ASCII only. charset_fold maps an ASCII
 * byte other than NUL to its lower case and everything else to bytes
 * of 0x80 and above, save U+0130 (bytes C4 B0), which becomes "i". So
 * the needle occurs in the folded text exactly when it occurs in the
 * raw text with ASCII letters compared folded, or else, only when C4 B0
 * is there, in the folded text: that case folds as before. */
static int
text_has(struct search_run *r, const unsigned char *text, size_t len,
	 const struct search_text *t)
{
	spend(r, len);
	if (t->skip != NULL) {
		if (ascii_has(text, len, t))
			return 1;
		if (!has_c4b0(text, len))
			return 0;
	}
	buf_reset(&r->b3);
	/* An overflow leaves what fitted, which is still worth a look. */
	(void)charset_fold(text, len, &r->b3);
	if (t->len == 0)
		return 1;
	return r->b3.len >= t->len &&
		memmem(r->b3.data, r->b3.len, t->needle, t->len) != NULL;
}

/* 1 when the unfolded, RFC 2047 decoded value of a field holds t. */
static int
field_has(struct search_run *r, const struct header_field *f,
	  const struct search_text *t, int with_name)
{
	buf_reset(&r->b1);
	buf_reset(&r->b2);
	if (with_name) {
		(void)buf_append(&r->b2, f->name, f->name_len);
		(void)buf_append_str(&r->b2, ": ");
	}
	(void)header_unfold(f->value, f->value_len, &r->b1);
	(void)rfc2047_decode(buf_str(&r->b1), r->b1.len, &r->b2);
	return text_has(r, (const unsigned char *)buf_str(&r->b2), r->b2.len,
			t);
}

static int
field_is(const struct header_field *f, const char *name)
{
	return f->name_len == strlen(name) &&
		strncasecmp((const char *)f->name, name, f->name_len) == 0;
}

/* HEADER and the keys named after a field: any field of that name
 * (RFC 3501 6.4.4: an empty string matches every message that has it). */
static int
match_header(struct search_run *r, const struct search_text *t)
{
	const struct mcache_blob *cf = cached_fields(r, t->field);
	struct header_iter it;
	struct header_field f;

	if (cf != NULL) {
		/* Every field of that name, as in the file. */
		spend(r, cf->len);
		header_iter_init(&it, cf->data, cf->len);
	} else {
		if (load_file(r, 0) < 0)
			return 0;
		spend(r, r->hdr_len);
		header_iter_init(&it, r->data, r->hdr_len);
	}
	while (header_iter_next(&it, &f))
		if (field_is(&f, t->field) && (t->len == 0 ||
					       field_has(r, &f, t, 0)))
			return 1;
	return 0;
}

/* TEXT looks at every field of a header block, name and value. */
static int
header_block_has(struct search_run *r, const unsigned char *hdr, size_t len,
		 const struct search_text *t)
{
	struct header_iter it;
	struct header_field f;

	header_iter_init(&it, hdr, len);
	while (header_iter_next(&it, &f))
		if (field_has(r, &f, t, 1))
			return 1;
	return 0;
}

static const char *
part_charset(const struct mail_part *p)
{
	for (size_t i = 0; i < p->nparams; i++)
		if (strcasecmp(p->params[i].name, "charset") == 0)
			return p->params[i].value;
	return "us-ascii";
}

/* The body of a leaf without its transfer encoding: the bytes in the
 * file when the encoding is the identity (no copy), else decoded into
 * b1. A body past SEARCH_TEXT_MAX is empty, as a copy of it would be. */
static const unsigned char *
leaf_text(struct search_run *r, const struct mail_part *p, size_t *len_r)
{
	const char *e = p->encoding;

	if (e == NULL || strcasecmp(e, "7bit") == 0 ||
	    strcasecmp(e, "8bit") == 0 || strcasecmp(e, "binary") == 0) {
		*len_r = p->body.len <= SEARCH_TEXT_MAX ? p->body.len : 0;
		return r->data + p->body.start;
	}
	buf_reset(&r->b1);
	(void)decode_body(e, r->data + p->body.start, p->body.len, 0, &r->b1);
	*len_r = r->b1.len;
	return (const unsigned char *)buf_str(&r->b1);
}

/* A leaf's body, decoded to UTF-8, holds t. */
static int
leaf_has(struct search_run *r, const struct mail_part *p,
	 const struct search_text *t)
{
	const char *charset = part_charset(p);
	const unsigned char *text;
	size_t len;
	int safe;

	/* No type is the default: text/plain (RFC 2045 5.2), or
	 * message/rfc822 in a digest. */
	if (p->type != NULL && strcasecmp(p->type, "text") != 0 &&
	    strcasecmp(p->type, "message") != 0)
		return 0;
	text = leaf_text(r, p, &len);
	/* An ASCII needle in text whose conversion keeps ASCII as it is
	 * (text_has says why that is enough): no conversion, no copy. A
	 * conversion may grow the text threefold (U+FFFD for a byte); one
	 * that could overflow b2 and be cut is left to the slow way. */
	safe = charset_ascii_safe(charset);
	if (t->skip != NULL && len <= SEARCH_TEXT_MAX / 3 &&
	    (safe == 1 || (safe == 2 && all_ascii(text, len)))) {
		spend(r, len);
		if (ascii_has(text, len, t))
			return 1;
		if (!has_c4b0(text, len))
			return 0;
	}
	buf_reset(&r->b2);
	(void)charset_to_utf8(charset, text, len, &r->b2);
	return text_has(r, (const unsigned char *)buf_str(&r->b2), r->b2.len,
			t);
}

/* BODY (headers 0) and TEXT (headers 1) over a part and what it holds. */
static int
part_has(struct search_run *r, const struct mail_part *p,
	 const struct search_text *t, int headers)
{
	if (headers && header_block_has(r, r->data + p->header.start,
					p->header.len, t))
		return 1;
	if (p->message != NULL)
		return part_has(r, p->message, t, headers);
	if (p->nchildren > 0) {
		for (size_t i = 0; i < p->nchildren; i++)
			if (part_has(r, &p->children[i], t, headers))
				return 1;
		return 0;
	}
	return leaf_has(r, p, t);
}

static int
match_body(struct search_run *r, const struct search_text *t, int headers)
{
	if (load_file(r, 1) < 0)
		return 0;
	if (r->root == NULL) {
		spend(r, r->len);
		r->root = mail_parse(r->data, r->len, r->a);
	}
	return part_has(r, r->root, t, headers);
}

/* --- the full-text index ------------------------------------------- */

/* What the index holds of a message is what part_has compares, piece by
 * piece, folded as text_has folds it. Where the matcher would search a
 * text cut short by a full buffer, the message is not indexed at all
 * (it is scanned), so that the index never lacks a piece of text the
 * matcher sees. */

/* Appends one piece, folded, and a line feed. Returns 0 or -1. */
static int
index_piece(struct search_run *r, const unsigned char *text, size_t len,
	    struct buf *out)
{
	buf_reset(&r->b3);
	if (charset_fold(text, len, &r->b3) < 0 ||
	    buf_append(out, r->b3.data != NULL ? r->b3.data :
		       (const unsigned char *)"", r->b3.len) < 0 ||
	    buf_append(out, "\n", 1) < 0)
		return -1;
	return 0;
}

/* Every field of a header block as field_has(..., with_name) sees it. */
static int
index_fields(struct search_run *r, const unsigned char *hdr, size_t len,
	     struct buf *out)
{
	struct header_iter it;
	struct header_field f;

	header_iter_init(&it, hdr, len);
	while (header_iter_next(&it, &f)) {
		buf_reset(&r->b1);
		buf_reset(&r->b2);
		if (buf_append(&r->b2, f.name, f.name_len) < 0 ||
		    buf_append_str(&r->b2, ": ") < 0 ||
		    header_unfold(f.value, f.value_len, &r->b1) < 0 ||
		    rfc2047_decode(buf_str(&r->b1), r->b1.len, &r->b2) < 0 ||
		    index_piece(r, (const unsigned char *)buf_str(&r->b2),
				r->b2.len, out) < 0)
			return -1;
	}
	return 0;
}

/* A leaf as leaf_has sees it: nothing unless text or message. */
static int
index_leaf(struct search_run *r, const struct mail_part *p, struct buf *out)
{
	const char *e = p->encoding;
	const unsigned char *text;
	size_t len;

	if (p->type != NULL && strcasecmp(p->type, "text") != 0 &&
	    strcasecmp(p->type, "message") != 0)
		return 0;
	if (e == NULL || strcasecmp(e, "7bit") == 0 ||
	    strcasecmp(e, "8bit") == 0 || strcasecmp(e, "binary") == 0) {
		len = p->body.len <= SEARCH_TEXT_MAX ? p->body.len : 0;
		text = r->data + p->body.start;
	} else {
		buf_reset(&r->b1);
		if (decode_body(e, r->data + p->body.start, p->body.len, 0,
				&r->b1) == DECODE_OVERFLOW)
			return -1;
		len = r->b1.len;
		text = (const unsigned char *)buf_str(&r->b1);
	}
	buf_reset(&r->b2);
	if (charset_to_utf8(part_charset(p), text, len, &r->b2) < 0)
		return -1;
	return index_piece(r, (const unsigned char *)buf_str(&r->b2),
			   r->b2.len, out);
}

/* part_has over the whole tree: header blocks into hdr (TEXT), leaves
 * into body (BODY and TEXT). */
static int
index_part(struct search_run *r, const struct mail_part *p, struct buf *hdr,
	   struct buf *body)
{
	if (index_fields(r, r->data + p->header.start, p->header.len,
			 hdr) < 0)
		return -1;
	if (p->message != NULL)
		return index_part(r, p->message, hdr, body);
	for (size_t i = 0; i < p->nchildren; i++)
		if (index_part(r, &p->children[i], hdr, body) < 0)
			return -1;
	return p->nchildren > 0 ? 0 : index_leaf(r, p, body);
}

/* fts_text_fn for fts_sync. */
static int
index_text(void *ctx, uint32_t uid, struct buf *hdr, struct buf *body)
{
	struct search_run *r = ctx;
	int ret;

	r->m = folder_msg(r->f, uid);
	if (r->m == NULL)
		return -1;
	r->seq = 0;
	r->uid = uid;
	if (load_file(r, 1) < 0) {
		unload(r);
		return -1;
	}
	r->root = mail_parse(r->data, r->len, r->a);
	ret = index_part(r, r->root, hdr, body) < 0 ? 0 : 1;
	unload(r);
	return ret;
}

static void
fts_forget(struct search_run *r)
{
	for (size_t i = 0; i < r->fts_nkeys; i++)
		free(r->fts_keys[i].uids);
	free(r->fts_keys);
	free(r->fts_covered);
	r->fts_keys = NULL;
	r->fts_nkeys = 0;
	r->fts_covered = NULL;
	r->fts_ncovered = 0;
}

static int
has_uid(const uint32_t *v, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == uid)
			return 1;
		if (v[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* 1 when the index says the message cannot match BODY or TEXT key k:
 * the index holds it, and it is not among the key's candidates. */
static int
fts_rules_out(struct search_run *r, const struct search_key *k)
{
	for (size_t i = 0; i < r->fts_nkeys; i++)
		if (r->fts_keys[i].k == k)
			return has_uid(r->fts_covered, r->fts_ncovered,
				       r->uid) &&
				!has_uid(r->fts_keys[i].uids,
					 r->fts_keys[i].n, r->uid);
	return 0;
}

/* The BODY and TEXT keys of the tree the index can answer, into
 * r->fts_keys (room for SEARCH_MAX_KEYS). */
static void
fts_collect(struct search_run *r, const struct search_key *k)
{
	if ((k->type == SK_BODY || k->type == SK_TEXT) &&
	    fts_needle_ok(k->u.text.needle, k->u.text.len))
		r->fts_keys[r->fts_nkeys++].k = k;
	for (size_t i = 0; i < k->nkids; i++)
		fts_collect(r, k->kids[i]);
}

/* The UIDs of the view that search_view matches, increasing, into
 * r->fts_covered; then those the index does not hold taken out. */
static int
fts_cover(struct search_run *r, const struct view *v, const uint32_t *scan,
	  size_t nscan)
{
	uint32_t exists = view_exists(v);
	size_t n = 0, j = 0;

	r->fts_covered = malloc(((size_t)exists + 1) * sizeof(uint32_t));
	if (r->fts_covered == NULL)
		return -1;
	for (uint32_t seq = 1; seq <= exists; seq++) {
		uint32_t uid = view_uid(v, seq);

		if (uid == 0 || view_is_expunged(v, seq))
			continue;
		while (j < nscan && scan[j] < uid)
			j++;
		if (scan == NULL || j == nscan || scan[j] != uid)
			r->fts_covered[n++] = uid;
	}
	r->fts_ncovered = n;
	return 0;
}

/* Syncs the folder's part of the index and asks it for each key. */
static int
fts_use(struct search_run *r, struct fts *x, const struct view *v,
	size_t *added_r, size_t *nscan_r, size_t *ncand_r, const char **err_r)
{
	const char *guid = folder_mailbox_guid(r->f, err_r);
	uint32_t *scan = NULL;
	size_t nscan = 0;
	int ret;

	if (guid == NULL || fts_cover(r, v, NULL, 0) < 0)
		return -1;
	ret = fts_sync(x, guid, folder_uidvalidity(r->f), r->fts_covered,
		       r->fts_ncovered, index_text, r, &scan, &nscan, added_r,
		       err_r);
	free(r->fts_covered);
	r->fts_covered = NULL;
	if (ret < 0 || fts_cover(r, v, scan, nscan) < 0) {
		free(scan);
		return -1;
	}
	free(scan);
	*nscan_r = nscan;
	for (size_t i = 0; i < r->fts_nkeys; i++) {
		struct fts_key *fk = &r->fts_keys[i];

		if (fts_query(x, fk->k->u.text.needle, fk->k->u.text.len,
			      fk->k->type == SK_TEXT, &fk->uids, &fk->n,
			      err_r) < 0)
			return -1;
		*ncand_r += fk->n;
	}
	return 0;
}

/* Before a pass over the view: lets the index rule out what it can.
 * Any failure leaves the run as without the index (all scanned). */
static void
fts_prepare(struct search_run *r, const struct search_key *k,
	    const struct view *v)
{
	struct session *s = r->fts_s;
	const char *err = NULL;
	struct fts *x;
	size_t added = 0, nscan = 0, ncand = 0;
	long long t0 = clock_ms();

	fts_forget(r);
	r->fts_keys = calloc(SEARCH_MAX_KEYS + 1, sizeof(*r->fts_keys));
	if (r->fts_keys == NULL)
		return;
	fts_collect(r, k);
	if (r->fts_nkeys == 0) {
		fts_forget(r);
		return;
	}
	if ((x = fts_open(s->maildir, &err)) != NULL)
		fts_set_budget(x, SEARCH_FTS_BUDGET_MS);
	if (x == NULL || fts_use(r, x, v, &added, &nscan, &ncand, &err) < 0) {
		log_info("fts: user=%s mailbox=%s: index not used: %s",
			 s->user.name, s->sel.name, err != NULL ? err : "?");
		fts_forget(r);
	} else {
		log_info("fts: user=%s mailbox=%s: %zu keys from the index, "
			 "%zu candidates, %zu messages added, %zu scanned, "
			 "%lld ms", s->user.name, s->sel.name, r->fts_nkeys,
			 ncand, added, nscan, clock_ms() - t0);
	}
	fts_close(&x);
}

void
search_run_fts(struct search_run *r, struct session *s)
{
	r->fts_s = s->config->fts_on && s->maildir != NULL ? s : NULL;
}

/* Floor division, for days before 1970. */
static long
day_of(time_t t)
{
	return (long)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
}

/* The day of INTERNALDATE in the server's zone, or -1 when unknown. */
static int
internal_day(struct search_run *r, long *day_r)
{
	struct tm tm;

	if (r->date_state == 0) {
		const struct mcache_entry *e = cached(r);

		r->date_state = -1;
		if (e != NULL) {
			r->date = (time_t)e->idate;
			r->date_state = 1;
		} else if (folder_msg_date(r->f, r->uid, &r->date) == 0) {
			r->date_state = 1;
		}
	}
	if (r->date_state < 0 || localtime_r(&r->date, &tm) == NULL)
		return -1;
	*day_r = day_of(r->date + tm.tm_gmtoff);
	return 0;
}

/* INTERNALDATE itself, for OLDER and YOUNGER. */
static int
internal_time(struct search_run *r, time_t *t_r)
{
	long day;

	if (internal_day(r, &day) < 0)
		return -1;
	*t_r = r->date;
	return 0;
}

/* The day of the save date (imap/objectid.h) in the server's zone. */
static int
saved_day(struct search_run *r, long *day_r)
{
	struct tm tm;
	time_t t;

	if (objectid_savedate(r->f, r->m, &t) < 0 ||
	    localtime_r(&t, &tm) == NULL)
		return -1;
	*day_r = day_of(t + tm.tm_gmtoff);
	return 0;
}

/* EMAILID (imap/objectid.h): a digest of the bytes and INTERNALDATE. */
static int
match_emailid(struct search_run *r, const struct search_text *t)
{
	char id[OBJECTID_EMAILID_LEN + 1];
	time_t date;

	if (t->len != OBJECTID_EMAILID_LEN || internal_time(r, &date) < 0 ||
	    load_file(r, 1) < 0)
		return 0;
	objectid_emailid(r->data, r->len, date, id);
	return memcmp(id, t->needle, t->len) == 0;
}

/* The day the Date: header names, in its own zone; 0 without one. */
static long
sent_day(struct search_run *r)
{
	const struct mcache_blob *cf = cached_fields(r, "Date");
	struct header_field f;
	time_t t;
	int tz;

	if (cf != NULL) {
		if (!header_find(cf->data, cf->len, "Date", &f))
			return 0;
	} else if (load_file(r, 0) < 0 ||
		   !header_find(r->data, r->hdr_len, "Date", &f)) {
		return 0;
	}
	buf_reset(&r->b1);
	(void)header_unfold(f.value, f.value_len, &r->b1);
	if (date_parse_rfc5322(buf_str(&r->b1), r->b1.len, &t, &tz) < 0)
		return 0;
	return day_of(t + (time_t)tz * 60);
}

static int
cmp_day(enum key_type type, long day, long want)
{
	switch (type) {
	case SK_BEFORE: case SK_SENTBEFORE: case SK_SAVEDBEFORE:
		return day < want;
	case SK_ON: case SK_SENTON: case SK_SAVEDON:
		return day == want;
	default:
		return day >= want;
	}
}

/* RFC822.SIZE: ,W= when the name has it, else counted from the file. */
static int
msg_size(struct search_run *r, uint64_t *size_r)
{
	uint64_t n;

	const struct mcache_entry *e;

	if (r->m->vsize >= 0) {
		*size_r = (uint64_t)r->m->vsize;
		return 0;
	}
	if ((e = cached(r)) != NULL && e->vsize != MCACHE_UNKNOWN) {
		*size_r = e->vsize;
		return 0;
	}
	if (load_file(r, 1) < 0)
		return -1;
	n = r->len;
	for (size_t i = 0; i < r->len; i++)
		if (r->data[i] == '\n' && (i == 0 || r->data[i - 1] != '\r'))
			n++;
	*size_r = n;
	return 0;
}

static int match_key(struct search_run *r, const struct search_key *k);

static int
match_list_key(struct search_run *r, const struct search_key *k)
{
	const struct store_msg *m = r->m;
	uint64_t size;

	switch (k->type) {
	case SK_ALL:
		return 1;
	case SK_FLAG:
		return (m->flags & k->u.flag) != 0;
	case SK_KEYWORD:
		return k->u.keyword >= 0 &&
			(m->keywords & (UINT32_C(1) << k->u.keyword)) != 0;
	case SK_RECENT:
		return m->recent;
	case SK_SEQ:
		return seqset_contains(&k->u.set, r->seq);
	case SK_UID: case SK_SAVED:
		return seqset_contains(&k->u.set, r->uid);
	case SK_MODSEQ:
		return folder_modseq(r->f, r->uid) >= k->u.size;
	case SK_LARGER:
		return msg_size(r, &size) == 0 && size > k->u.size;
	case SK_SMALLER:
		return msg_size(r, &size) == 0 && size < k->u.size;
	default:
		return 0;
	}
}

static int
match_key(struct search_run *r, const struct search_key *k)
{
	time_t when;
	long day;

	switch (k->type) {
	case SK_NOT:
		return !match_key(r, k->kids[0]);
	case SK_OR:
		return match_key(r, k->kids[0]) || match_key(r, k->kids[1]);
	case SK_AND:
		for (size_t i = 0; i < k->nkids; i++)
			if (!match_key(r, k->kids[i]))
				return 0;
		return 1;
	case SK_BEFORE: case SK_ON: case SK_SINCE:
		return internal_day(r, &day) == 0 &&
			cmp_day(k->type, day, k->u.day);
	case SK_SENTBEFORE: case SK_SENTON: case SK_SENTSINCE:
		return cmp_day(k->type, sent_day(r), k->u.day);
	case SK_SAVEDBEFORE: case SK_SAVEDON: case SK_SAVEDSINCE:
		return saved_day(r, &day) == 0 &&
			cmp_day(k->type, day, k->u.day);
	case SK_OLDER:
		return internal_time(r, &when) == 0 && when <= k->u.when;
	case SK_YOUNGER:
		return internal_time(r, &when) == 0 && when >= k->u.when;
	case SK_EMAILID:
		return match_emailid(r, &k->u.text);
	case SK_THREADID:
		return 0;
	case SK_HEADER:
		return match_header(r, &k->u.text);
	case SK_BODY:
		return !fts_rules_out(r, k) && match_body(r, &k->u.text, 0);
	case SK_TEXT:
		return !fts_rules_out(r, k) && match_body(r, &k->u.text, 1);
	default:
		return match_list_key(r, k);
	}
}

int
search_match(struct search_run *r, const struct search_key *k, uint32_t seq,
	     uint32_t uid)
{
	int ret;

	if (r->over)
		return 0;       /* the caller answers NO [LIMIT] */
	r->m = folder_msg(r->f, uid);
	if (r->m == NULL)
		return 0;
	r->seq = seq;
	r->uid = uid;
	ret = match_key(r, k);
	unload(r);
	return ret;
}

size_t
search_view(struct search_run *r, const struct search_key *k,
	    const struct view *v, uint32_t *seqs, uint32_t *uids)
{
	uint32_t exists = view_exists(v);
	size_t n = 0;

	if (r->fts_s != NULL)
		fts_prepare(r, k, v);
	for (uint32_t seq = 1; seq <= exists; seq++) {
		uint32_t uid = view_uid(v, seq);

		if (uid == 0 || view_is_expunged(v, seq))
			continue;
		if (search_match(r, k, seq, uid)) {
			seqs[n] = seq;
			uids[n++] = uid;
		}
	}
	return n;
}
