/* src/imap/context.c — ESORT and CONTEXT=SEARCH / CONTEXT=SORT (RFC
 * 5267 3, 4).
 *
 * The problem. A searching command (SEARCH, SORT and their UID forms)
 * with RETURN (UPDATE) asks the server to keep telling the client how
 * its result changes while the mailbox stays selected: ADDTO for
 * messages that come to match (new mail, flags changed), REMOVEFROM for
 * those that stop matching or are expunged (4.3). Sequence numbers make
 * it delicate: a REMOVEFROM naming an expunged message by number "MUST
 * be sent prior to the expunge notification itself", an ADDTO naming a
 * new message "MUST be sent after the EXISTS" (4.3.3, 4.3.4), and
 * numbers in the search program are "evaluated at the time the command
 * is received" (4.3).
 *
 * The solution. Each updating context keeps its search program in an
 * arena of its own, its result as UIDs in the requested order, and the
 * UIDs the mailbox had when the command came, so that a sequence-number
 * key keeps naming the messages it named then (a message that came
 * later had no number then: it is matched as number 0, which no set
 * holds). The session calls in twice around the news it writes:
 * context_before drops expunged messages with REMOVEFROM while their
 * numbers still hold (a UID context at once, a sequence-number context
 * only when the EXPUNGEs follow); context_after, once EXISTS and FETCH
 * are out, runs the program again over the mailbox and sends the
 * difference (imap/ctxset.h). It runs only when the mailbox changed: a
 * fingerprint of UIDs, flags and keywords says so, so that a context
 * costs nothing while nothing happens. A message expunged but not yet
 * announced keeps its place until it is. SORT's criteria never change
 * with flags, so messages stay in their relative order and positions
 * in the sorted list are exact.
 *
 * Limits, as 4.3.1 and 6 ask to state them: CONTEXT_MAX_UPDATES
 * updating contexts a session; past that, "* NO [NOUPDATE tag]" and the
 * other return options are honoured. Keys whose truth moves with the
 * clock alone (OLDER, YOUNGER) are evaluated again only when the mailbox
 * changes. CONTEXT (4.2) is accepted as the hint it is; results are not
 * cached between commands (4.5 allows either).
 *
 * NOTIFY (RFC 5465 7) extends UPDATE with a fetch-att list: a message
 * that joins the result by arriving (a UID above what the context had
 * seen) gets an untagged FETCH of those items after its EXISTS and before
 * the ADDTO, as 7's example orders them; one that joins by a flag change
 * gets none (7: "No untagged FETCH response SHOULD be returned"). The
 * FETCH is not merged with one NOTIFY's MessageNew may send (5.2's
 * SHOULD).
 *
 * ESORT (3): SORT RETURN (MIN MAX ALL COUNT) answers ESEARCH; MIN and
 * MAX are the first and last messages in sort order, ALL lists them in
 * sort order with ranges only where numbers ascend (3.2). SAVE (RFC
 * 5182) keeps the UIDs found, in mailbox order, as SEARCH's does. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/condstore.h"
#include "imap/context.h"
#include "imap/ctxset.h"
#include "imap/fetch.h"
#include "imap/response.h"
#include "imap/search.h"
#include "imap/searchres.h"
#include "imap/sort.h"
#include "imap/utf8args.h"
#include "imap/view.h"
#include "mail/charset.h"
#include "store/folder.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* The return options (RFC 4731 3.1, RFC 5182 2.4, RFC 5267 4). */
#define RET_MIN         0x01
#define RET_MAX         0x02
#define RET_ALL         0x04
#define RET_COUNT       0x08
#define RET_SAVE        0x10
#define RET_CONTEXT     0x20
#define RET_UPDATE      0x40
#define RET_PARTIAL     0x80

/* ESEARCH lines are built in memory first: at most this long. */
#define CONTEXT_LINE_MAX ((size_t)256 * 1024 * 1024)

struct ctx {
	struct ctx *next;
	char *tag;              /* the searching command's, malloc'ed */
	int uid;                /* UID SEARCH/SORT: UIDs, else numbers */
	int sorted;             /* SORT: positions; SEARCH: position 0 */
	struct sort_program prog;
	struct arena *arena;    /* the program and base live here */
	struct search_key *key;
	uint32_t *base;         /* UIDs of sequence numbers 1.. at the
				 * command, increasing */
	size_t nbase;
	uint32_t *list;         /* the result: UIDs, requested order */
	size_t n;
	uint64_t fp;            /* mailbox fingerprint the list is of */
	/* To parse the program again once a keyword it names exists (a
	 * keyword unknown at parse time matches nothing): the keys, their
	 * charset, what "*" and "$" meant, how many keywords there were. */
	struct arg *keys;
	size_t nkeys;
	char *charset;
	uint32_t exists0, maxuid0;
	struct seqset saved;
	int nkw;
	/* RFC 5465 7: UPDATE (fetch-att ...): the list, in arena, or NULL;
	 * and the highest UID the context has seen, so that a message
	 * that joins the result by arriving gets the FETCH and one that
	 * joins by a flag change does not. */
	struct arg *fetch;
	uint32_t seen_uid;
};

struct context_list {
	struct ctx *head;
	size_t n;
};

/* A deep copy of args[0..n) in a. */
static struct arg *
args_copy(const struct arg *args, size_t n, struct arena *a)
{
	struct arg *c = arena_zalloc(a, (n + 1) * sizeof(*c));

	for (size_t i = 0; i < n; i++) {
		c[i] = args[i];
		if (args[i].data != NULL)
			c[i].data = (const unsigned char *)arena_strndup(a,
						args[i].data, args[i].len);
		if (args[i].type == ARG_LIST)
			c[i].list = args_copy(args[i].list, args[i].count, a);
	}
	return c;
}

/* How many keywords the mailbox has now. */
static int
kw_count(const struct keywords *kw)
{
	int n = 0;

	for (int i = 0; kw != NULL && i < KEYWORDS_MAX; i++)
		if (keywords_name(kw, i) != NULL)
			n++;
	return n;
}

static int
is_atom(const struct arg *a, const char *word)
{
	return a->type == ARG_ATOM && strcasecmp((const char *)a->data,
						 word) == 0;
}

int
context_wanted(const struct command *cmd, int sort)
{
	const struct arg *l;

	if (cmd->nargs < 2 || !is_atom(&cmd->args[0], "RETURN"))
		return 0;
	if (sort)
		return 1;
	l = &cmd->args[1];
	if (l->type != ARG_LIST)
		return 0;
	for (size_t i = 0; i < l->count; i++)
		if (is_atom(&l->list[i], "CONTEXT") ||
		    is_atom(&l->list[i], "UPDATE") ||
		    is_atom(&l->list[i], "PARTIAL"))
			return 1;
	return 0;
}

/* RFC 5267 5: partial-range = nz-number ":" nz-number, either way
 * round, no "*". Returns 0 with *lo_r <= *hi_r, or -1. */
static int
parse_range(const struct arg *a, uint32_t *lo_r, uint32_t *hi_r)
{
	const char *p = (const char *)a->data;
	uint64_t v[2] = { 0, 0 };

	if (a->type != ARG_ATOM)
		return -1;
	for (int k = 0; k < 2; k++) {
		if (*p < '1' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			v[k] = v[k] * 10 + (uint64_t)(*p++ - '0');
			if (v[k] > UINT32_MAX)
				return -1;
		}
		if (k == 0 && *p++ != ':')
			return -1;
	}
	if (*p != '\0')
		return -1;
	*lo_r = (uint32_t)(v[0] < v[1] ? v[0] : v[1]);
	*hi_r = (uint32_t)(v[0] < v[1] ? v[1] : v[0]);
	return 0;
}

struct retopts {
	unsigned ret;
	uint32_t plo, phi;      /* PARTIAL's range */
	const struct arg *fetch;        /* UPDATE's fetch-atts (RFC 5465 7) */
};

/* Reads "RETURN (opt...)" at args[0..1]. Returns 0, or -1 with *err_r
 * fit for BAD. */
static int
parse_return(const struct arg *args, struct retopts *o, const char **err_r)
{
	static const struct { const char *name; unsigned bit; } opts[] = {
		{ "MIN", RET_MIN }, { "MAX", RET_MAX }, { "ALL", RET_ALL },
		{ "COUNT", RET_COUNT }, { "SAVE", RET_SAVE },
		{ "CONTEXT", RET_CONTEXT }, { "UPDATE", RET_UPDATE },
		{ "PARTIAL", RET_PARTIAL },
	};
	const struct arg *a = &args[1];

	memset(o, 0, sizeof(*o));
	if (a->type != ARG_LIST) {
		*err_r = "Invalid RETURN options: want a list";
		return -1;
	}
	for (size_t i = 0; i < a->count; i++) {
		size_t j;

		for (j = 0; j < sizeof(opts) / sizeof(opts[0]); j++)
			if (is_atom(&a->list[i], opts[j].name))
				break;
		if (j == sizeof(opts) / sizeof(opts[0])) {
			*err_r = "Unknown return option";
			return -1;
		}
		if (opts[j].bit == RET_PARTIAL) {
			/* RFC 5267 4.4: "either one PARTIAL, one ALL, or
			 * neither PARTIAL nor ALL is allowed." */
			if (o->ret & RET_PARTIAL) {
				*err_r = "PARTIAL given twice";
				return -1;
			}
			if (i + 1 >= a->count ||
			    parse_range(&a->list[i + 1], &o->plo,
					&o->phi) < 0) {
				*err_r = "PARTIAL wants a range n:m";
				return -1;
			}
			i++;
		}
		/* RFC 5465 7: modifier-update = "UPDATE"
		 * ["(" fetch-att *(SP fetch-att) ")"]. */
		if (opts[j].bit == RET_UPDATE && i + 1 < a->count &&
		    a->list[i + 1].type == ARG_LIST)
			o->fetch = &a->list[++i];
		o->ret |= opts[j].bit;
	}
	if ((o->ret & RET_PARTIAL) && (o->ret & RET_ALL)) {
		*err_r = "PARTIAL and ALL exclude each other";
		return -1;
	}
	/* RFC 4731 3.1: an empty list "is equivalent to (ALL)". */
	if (a->count == 0)
		o->ret |= RET_ALL;
	return 0;
}

static uint32_t
max_uid(struct session *s, uint32_t exists)
{
	if (exists > 0)
		return view_uid(s->sel.view, exists);
	return folder_uidnext(s->sel.folder) - 1;
}

static struct ctx *
find_ctx(struct session *s, const char *tag)
{
	if (s->contexts == NULL)
		return NULL;
	for (struct ctx *c = s->contexts->head; c != NULL; c = c->next)
		if (strcmp(c->tag, tag) == 0)
			return c;
	return NULL;
}

/* The sequence number uid had when c's command came, or 0. */
static uint32_t
base_seq(const struct ctx *c, uint32_t uid)
{
	size_t lo = 0, hi = c->nbase;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->base[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nbase && c->base[lo] == uid ? (uint32_t)lo + 1 : 0;
}

/* A hash of what the selected mailbox shows: UIDs, flags, keywords,
 * which messages are expunged and not yet told. */
static uint64_t
fingerprint(struct session *s)
{
	uint32_t exists = view_exists(s->sel.view);
	uint64_t h = 1469598103934665603ULL ^ exists;

	for (uint32_t seq = 1; seq <= exists; seq++) {
		uint32_t uid = view_uid(s->sel.view, seq);
		const struct store_msg *m = folder_msg(s->sel.folder, uid);
		uint64_t v = uid;

		if (m != NULL)
			v ^= ((uint64_t)m->flags << 32) ^
			     ((uint64_t)m->keywords << 40) ^
			     ((uint64_t)m->keywords >> 24) ^
			     ((uint64_t)(m->recent != 0) << 63);
		if (m == NULL || view_is_expunged(s->sel.view, seq))
			v ^= 0xa5a5ULL << 48;
		h = (h ^ v) * 1099511628211ULL;
	}
	return h;
}

static void
tag_write(struct buf *b, const char *tag)
{
	(void)buf_append_str(b, "* ESEARCH (TAG \"");
	for (const char *p = tag; *p; p++) {
		if (*p == '"' || *p == '\\')
			(void)buf_append_byte(b, '\\');
		(void)buf_append_byte(b, (unsigned char)*p);
	}
	(void)buf_append_str(b, "\")");
}

static void
line_send(struct session *s, struct buf *b)
{
	(void)buf_append_str(b, "\r\n");
	stream_write(s->stream, b->data, b->len);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* RFC 5182 2.4 as cmd_search.c does it: with only MIN and/or MAX
 * besides SAVE, those; else every message found. UIDs go to "$" in
 * increasing order whatever the sort. */
static void
save_result(struct session *s, unsigned ret, const uint32_t *uids, size_t n)
{
	uint32_t *v = arena_alloc(s->arena, (n + 1) * sizeof(*v));
	size_t k = 0;

	if ((ret & (RET_ALL | RET_COUNT | RET_PARTIAL)) ||
	    !(ret & (RET_MIN | RET_MAX)) || n == 0) {
		memcpy(v, uids, n * sizeof(*v));
		k = n;
	} else {
		if (ret & RET_MIN)
			v[k++] = uids[0];
		if ((ret & RET_MAX) && (k == 0 || uids[n - 1] != v[0]))
			v[k++] = uids[n - 1];
	}
	qsort(v, k, sizeof(*v), cmp_u32);
	searchres_save(s, v, k);
}

/* Makes c an updating context of s with the result uids[0..n). */
static void
ctx_keep(struct session *s, struct ctx *c, const uint32_t *uids, size_t n)
{
	uint32_t exists = view_exists(s->sel.view);

	c->nbase = exists;
	c->base = arena_alloc(c->arena, (exists + 1) * sizeof(*c->base));
	for (uint32_t seq = 1; seq <= exists; seq++)
		c->base[seq - 1] = view_uid(s->sel.view, seq);
	c->list = xmalloc((n + 1) * sizeof(*c->list));
	memcpy(c->list, uids, n * sizeof(*c->list));
	c->n = n;
	c->fp = fingerprint(s);
	if (s->contexts == NULL) {
		s->contexts = xcalloc(1, sizeof(*s->contexts));
	}
	c->next = s->contexts->head;
	s->contexts->head = c;
	s->contexts->n++;
}

static void
ctx_free(struct ctx *c)
{
	arena_free(&c->arena);
	free(c->list);
	free(c->tag);
	free(c);
}

static void
bad(struct session *s, const struct command *cmd, const char *err)
{
	resp_tagged(s->stream, cmd->tag, "BAD", "Error in IMAP command %s: %s",
		    cmd->name, err);
}

/* The highest MODSEQ of uids[from..to), 0 when empty. */
static uint64_t
top_modseq(struct session *s, const uint32_t *uids, size_t from, size_t to)
{
	uint64_t top = 0;

	for (size_t i = from; i < to; i++) {
		uint64_t ms = condstore_modseq(s, uids[i]);
		if (ms > top)
			top = ms;
	}
	return top;
}

/* The MODSEQ result option (RFC 4731 3.2, RFC 7162 3.1.10): the highest
 * MODSEQ of the messages the ESEARCH line returns. With ALL or COUNT
 * that is every one found; otherwise only those MIN, MAX (first and last
 * in the answer's order, so in sort order for SORT) and PARTIAL name. */
static uint64_t
result_modseq(struct session *s, const struct retopts *o,
	      const uint32_t *uids, size_t found)
{
	uint64_t top = 0, ms;

	if (found == 0)
		return 0;
	if ((o->ret & (RET_ALL | RET_COUNT)) ||
	    !(o->ret & (RET_MIN | RET_MAX | RET_PARTIAL)))
		return top_modseq(s, uids, 0, found);
	if (o->ret & RET_MIN)
		top = top_modseq(s, uids, 0, 1);
	if ((o->ret & RET_MAX) && (ms = top_modseq(s, uids, found - 1,
						   found)) > top)
		top = ms;
	if ((o->ret & RET_PARTIAL) && o->plo <= found) {
		size_t end = o->phi < found ? o->phi : found;

		if ((ms = top_modseq(s, uids, o->plo - 1, end)) > top)
			top = ms;
	}
	return top;
}

void
context_search(struct session *s, const struct command *cmd, int sort)
{
	const struct arg *args = cmd->args + 2;
	size_t n = cmd->nargs - 2;
	struct retopts o;
	struct ctx *c;
	struct arena *a;
	struct search_key *k;
	struct search_run *r;
	struct seqset saved;
	const char *err, *charset = NULL;
	uint32_t *seqs, *uids, exists;
	uint64_t modseq = 0;
	size_t found;
	struct buf line;
	int keep;

	if (parse_return(cmd->args, &o, &err) < 0 ||
	    (o.fetch != NULL && fetch_items_check(s, o.fetch, &err) < 0)) {
		bad(s, cmd, err);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->sorted = sort;
	c->uid = s->uid_command;
	if (sort) {
		if (n < 1 || sort_parse(&args[0], &c->prog, &err) < 0) {
			bad(s, cmd, n < 1 ? "Missing sort criteria" : err);
			goto out;
		}
		args++;
		n--;
		/* RFC 5256 3: the charset is not optional in SORT. */
		if (n < 2) {
			bad(s, cmd, n == 0 ? "Missing charset" :
			    "Missing search parameters");
			goto out;
		}
	} else if (n >= 1 && is_atom(&args[0], "CHARSET")) {
		if (n < 2) {
			bad(s, cmd, "Invalid charset argument");
			goto out;
		}
		if (session_enabled(s, SESSION_EXT_UTF8_ACCEPT)) {
			bad(s, cmd, UTF8_NO_CHARSET);   /* RFC 6855 3 */
			goto out;
		}
		args++;
		n--;
	}
	if (sort || args != cmd->args + 2) {
		const char *cs = (const char *)args[0].data;

		if (args[0].type == ARG_LIST || args[0].type == ARG_NIL ||
		    strlen(cs) != args[0].len ||
		    (strcasecmp(cs, "US-ASCII") != 0 &&
		     strcasecmp(cs, "UTF-8") != 0 &&
		     (sort || !charset_known(cs)))) {
			if (o.ret & RET_SAVE)
				searchres_clear(s);     /* RFC 5182 2.1 */
			resp_tagged(s->stream, cmd->tag, "NO", "[BADCHARSET "
				    "(US-ASCII UTF-8)] Unknown charset");
			goto out;
		}
		if (strcasecmp(cs, "US-ASCII") != 0 &&
		    strcasecmp(cs, "UTF-8") != 0)
			charset = cs;
		args++;
		n--;
	}
	/* RFC 5267 4.3: UPDATE with the tag of a live context "SHALL
	 * result in the server rejecting the searching command with a BAD
	 * response". */
	if ((o.ret & RET_UPDATE) && find_ctx(s, cmd->tag) != NULL) {
		bad(s, cmd, "Tag reuse");
		goto out;
	}
	keep = (o.ret & RET_UPDATE) && (s->contexts == NULL ||
					s->contexts->n < CONTEXT_MAX_UPDATES);
	c->arena = keep ? arena_new(4096) : NULL;
	a = keep ? c->arena : s->arena;
	k = search_parse_charset(args, n, charset, s->sel.kw, a, &err);
	if (k == NULL) {
		bad(s, cmd, err);
		goto out;
	}
	exists = view_exists(s->sel.view);
	search_resolve(k, exists, max_uid(s, exists));
	searchres_get(s, a, &saved);
	search_bind_saved(k, &saved);
	c->key = k;
	if (keep) {
		c->keys = args_copy(args, n, a);
		c->nkeys = n;
		c->charset = charset ? arena_strdup(a, charset) : NULL;
		c->exists0 = exists;
		c->maxuid0 = max_uid(s, exists);
		c->saved = saved;
		c->nkw = kw_count(s->sel.kw);
		c->fetch = o.fetch ? args_copy(o.fetch, 1, a) : NULL;
		c->seen_uid = c->maxuid0;
	}

	seqs = arena_alloc(s->arena, (exists + 1) * sizeof(*seqs));
	uids = arena_alloc(s->arena, (exists + 1) * sizeof(*uids));
	r = search_run_new(s->sel.folder, s->arena);
	/* Bounded like any search. The reruns of a kept context
	 * (ctx_rerun) are not: this pass stayed under the limit, and a
	 * rerun costs about what it did plus the new messages. */
	search_run_limit(r, (uint64_t)s->config->search_work_limit);
	found = search_view(r, k, s->sel.view, seqs, uids);
	if (search_run_over(r)) {
		search_run_free(&r);
		if (o.ret & RET_SAVE)
			searchres_clear(s);     /* RFC 5182 2.1 */
		search_refuse(s, cmd);
		goto out;
	}
	search_run_free(&r);
	if (sort)
		sort_messages(s->sel.folder, &c->prog, seqs, uids, found,
			      s->arena);
	if (search_has_modseq(k)) {
		/* RFC 7162 3.1: a CONDSTORE enabling command. */
		condstore_enable(s);
		modseq = result_modseq(s, &o, uids, found);
	}

	/* RFC 4731 3.1 and RFC 5267: one ESEARCH, unless SAVE was all
	 * that was asked (RFC 5182 2.4). */
	if (o.ret & ~(unsigned)RET_SAVE) {
		const uint32_t *v = c->uid ? uids : seqs;

		buf_init(&line, CONTEXT_LINE_MAX);
		tag_write(&line, cmd->tag);
		if (c->uid)
			(void)buf_append_str(&line, " UID");
		if ((o.ret & RET_MIN) && found > 0)
			(void)buf_printf(&line, " MIN %u", v[0]);
		if ((o.ret & RET_MAX) && found > 0)
			(void)buf_printf(&line, " MAX %u", v[found - 1]);
		if ((o.ret & RET_ALL) && found > 0) {
			(void)buf_append_str(&line, " ALL ");
			ctxset_write(&line, v, found);
		}
		if (o.ret & RET_PARTIAL) {
			/* RFC 5267 4.4: the range, then what of the results
			 * falls in it, or NIL. */
			(void)buf_printf(&line, " PARTIAL (%u:%u ", o.plo,
					 o.phi);
			if (o.plo <= found) {
				size_t end = o.phi < found ? o.phi : found;

				ctxset_write(&line, v + o.plo - 1,
					     end - o.plo + 1);
			} else {
				(void)buf_append_str(&line, "NIL");
			}
			(void)buf_append_byte(&line, ')');
		}
		if (o.ret & RET_COUNT)
			(void)buf_printf(&line, " COUNT %zu", found);
		/* RFC 7162 3.1.10: the MODSEQ result option. */
		if (modseq > 0 && found > 0)
			(void)buf_printf(&line, " MODSEQ %llu",
					 (unsigned long long)modseq);
		line_send(s, &line);
		buf_free(&line);
	}
	if (o.ret & RET_SAVE)
		save_result(s, o.ret, uids, found);
	if (o.ret & RET_UPDATE) {
		if (!keep) {
			/* RFC 5267 4.3.1: untagged NO, the rest honoured. */
			resp_untagged(s->stream, "NO [NOUPDATE \"%s\"] Too many "
				      "contexts (at most %d)", cmd->tag,
				      CONTEXT_MAX_UPDATES);
		} else {
			c->tag = xstrdup(cmd->tag);
			ctx_keep(s, c, uids, found);
			c = NULL;
			session_ok(s, cmd, "%s completed, will notify.",
				   sort ? "Sort" : "Search");
			return;
		}
	}
	session_ok(s, cmd, "%s completed%s.", sort ? "Sort" : "Search",
		   (o.ret & RET_UPDATE) ? ", will not notify" : "");
out:
	if (c != NULL)
		ctx_free(c);
}

/* Writes c's REMOVEFROM/ADDTO for the change from its list to
 * next[0..n) and takes next as its list. Numbers: UIDs, or the
 * sequence numbers the messages have in the view now. */
static void
ctx_update(struct session *s, struct ctx *c, uint32_t *next, size_t n)
{
	uint32_t *on = xmalloc((c->n + 1) * sizeof(*on));
	uint32_t *nn = xmalloc((n + 1) * sizeof(*nn));
	struct buf line;

	for (size_t i = 0; i < c->n; i++)
		on[i] = c->uid ? c->list[i] : view_seq(s->sel.view,
							c->list[i]);
	for (size_t i = 0; i < n; i++)
		nn[i] = c->uid ? next[i] : view_seq(s->sel.view, next[i]);
	/* RFC 5465 7: the FETCH of UPDATE's items for messages that
	 * arrived into the result, after the EXISTS and before the
	 * ESEARCH (its example). */
	for (size_t i = 0; c->fetch != NULL && i < n; i++)
		if (next[i] > c->seen_uid) {
			uint32_t seq = view_seq(s->sel.view, next[i]);

			fetch_untagged(s, c->fetch, seq, seq);
		}
	buf_init(&line, CONTEXT_LINE_MAX);
	tag_write(&line, c->tag);
	if (c->uid)
		(void)buf_append_str(&line, " UID");
	if (ctxset_diff(&line, c->list, on, c->n, next, nn, n, c->sorted))
		line_send(s, &line);
	buf_free(&line);
	free(on);
	free(nn);
	free(c->list);
	c->list = next;
	c->n = n;
}

void
context_before(struct session *s, int allow_expunge)
{
	if (s->contexts == NULL || s->sel.view == NULL)
		return;
	for (struct ctx *c = s->contexts->head; c != NULL; c = c->next) {
		uint32_t *next;
		size_t k = 0;

		if (!c->uid && !allow_expunge)
			continue;
		next = xmalloc((c->n + 1) * sizeof(*next));
		for (size_t i = 0; i < c->n; i++) {
			uint32_t seq = view_seq(s->sel.view, c->list[i]);

			if (seq != 0 && !view_is_expunged(s->sel.view, seq))
				next[k++] = c->list[i];
		}
		if (k == c->n) {
			free(next);
			continue;
		}
		ctx_update(s, c, next, k);
	}
}

/* c's result over the mailbox as it is now, in the requested order. */
static uint32_t *
ctx_rerun(struct session *s, struct ctx *c, struct arena *a, size_t *n_r)
{
	uint32_t exists = view_exists(s->sel.view);
	uint32_t *seqs = arena_alloc(a, (exists + 1) * sizeof(*seqs));
	uint32_t *uids = arena_alloc(a, (exists + 1) * sizeof(*uids));
	uint32_t *old = arena_alloc(a, (c->n + 1) * sizeof(*old));
	uint32_t *next;
	struct search_run *r = search_run_new(s->sel.folder, a);
	size_t n = 0;

	memcpy(old, c->list, c->n * sizeof(*old));
	qsort(old, c->n, sizeof(*old), cmp_u32);
	for (uint32_t seq = 1; seq <= exists; seq++) {
		uint32_t uid = view_uid(s->sel.view, seq);
		int in;

		if (uid == 0)
			continue;
		if (view_is_expunged(s->sel.view, seq))
			/* Stays as it is until the EXPUNGE is told. */
			in = bsearch(&uid, old, c->n, sizeof(*old),
				     cmp_u32) != NULL;
		else
			in = search_match(r, c->key, base_seq(c, uid), uid);
		if (in) {
			seqs[n] = seq;
			uids[n++] = uid;
		}
	}
	search_run_free(&r);
	if (c->sorted)
		sort_messages(s->sel.folder, &c->prog, seqs, uids, n, a);
	next = xmalloc((n + 1) * sizeof(*next));
	memcpy(next, uids, n * sizeof(*next));
	*n_r = n;
	return next;
}

void
context_after(struct session *s)
{
	struct arena *a;
	uint64_t fp;

	if (s->contexts == NULL || s->contexts->head == NULL ||
	    s->sel.view == NULL)
		return;
	fp = fingerprint(s);
	a = arena_new(16384);
	for (struct ctx *c = s->contexts->head; c != NULL; c = c->next) {
		uint32_t *next;
		size_t n;

		if (c->fp == fp)
			continue;
		if (kw_count(s->sel.kw) != c->nkw) {
			const char *err;
			struct search_key *k = search_parse_charset(c->keys,
				c->nkeys, c->charset, s->sel.kw, c->arena, &err);

			c->nkw = kw_count(s->sel.kw);
			if (k != NULL) {
				search_resolve(k, c->exists0, c->maxuid0);
				search_bind_saved(k, &c->saved);
				c->key = k;
			}
		}
		next = ctx_rerun(s, c, a, &n);
		ctx_update(s, c, next, n);
		c->fp = fp;
		c->seen_uid = max_uid(s, view_exists(s->sel.view));
		arena_reset(a);
	}
	arena_free(&a);
}

void
context_clear(struct session *s)
{
	struct ctx *c, *next;

	if (s->contexts == NULL)
		return;
	for (c = s->contexts->head; c != NULL; c = next) {
		next = c->next;
		ctx_free(c);
	}
	free(s->contexts);
	s->contexts = NULL;
}

/* RFC 5267 4.3.5: CANCELUPDATE 1*(SP quoted). A tag that names no
 * updating context answers NO, as Dovecot does, and cancels nothing. */
void
cmd_cancelupdate(struct session *s, const struct command *cmd)
{
	if (cmd->nargs == 0) {
		bad(s, cmd, "Missing tag");
		return;
	}
	for (size_t i = 0; i < cmd->nargs; i++) {
		const struct arg *a = &cmd->args[i];

		if (a->type != ARG_QUOTED && a->type != ARG_LITERAL) {
			bad(s, cmd, "Tags must be quoted strings");
			return;
		}
		if (a->data == NULL || strlen((const char *)a->data) != a->len) {
			bad(s, cmd, "Invalid tag");
			return;
		}
	}
	for (size_t i = 0; i < cmd->nargs; i++)
		if (find_ctx(s, (const char *)cmd->args[i].data) == NULL) {
			resp_tagged(s->stream, cmd->tag, "NO", "Unknown tag");
			return;
		}
	for (size_t i = 0; i < cmd->nargs; i++) {
		struct ctx **pp = &s->contexts->head;

		while (*pp != NULL && strcmp((*pp)->tag,
					     (const char *)cmd->args[i].data))
			pp = &(*pp)->next;
		if (*pp != NULL) {
			struct ctx *c = *pp;

			*pp = c->next;
			s->contexts->n--;
			ctx_free(c);
		}
	}
	session_ok(s, cmd, "No further updates.");
}
