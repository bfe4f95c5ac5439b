/* src/imap/cmd_search.c — SEARCH and UID SEARCH (RFC 3501 6.4.4, 6.4.8,
 * 7.2.5).
 *
 * The keys are parsed whole before any message is looked at (see
 * imap/search.h), so a syntax error answers BAD and costs nothing. The
 * answer is one "* SEARCH" line of sequence numbers, or of UIDs for UID
 * SEARCH, in increasing order; an empty result is a bare "* SEARCH".
 * SEARCH is CMD_NO_EXPUNGE: the numbers it answers must still name the
 * same messages when the client reads them (RFC 3501 7.4.1).
 *
 * RETURN (RFC 4466 2.6.1) comes before CHARSET and asks for ESEARCH
 * (RFC 4731): one "* ESEARCH (TAG "t") [UID]" line with MIN, MAX, ALL
 * (as a compact sequence set) and COUNT; "RETURN ()" is "RETURN (ALL)".
 * SAVE (RFC 5182) keeps the result as "$" for later commands
 * (imap/searchres.h): all found messages, or only the MIN and MAX when
 * those are all that was asked besides SAVE (5182 2.4). An option we do
 * not know is BAD (4466 2.6.1: "Any options not defined by extensions
 * that the server supports must be rejected with a BAD response"). */
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/condstore.h"
#include "imap/context.h"
#include "imap/response.h"
#include "imap/search.h"
#include "imap/searchres.h"
#include "imap/utf8args.h"
#include "imap/view.h"
#include "mail/charset.h"
#include "store/folder.h"

/* RFC 3501 6.4.4: US-ASCII must be supported, others may be. UTF-8 is
 * what every client sends and what our matching works in; any other
 * charset iconv converts from is taken too, as Dovecot takes it (a
 * client that sends ISO-8859-1 gets its matches, not BADCHARSET). */
static int
charset_ok(const struct arg *a)
{
	const char *cs = (const char *)a->data;

	if (a->type == ARG_LIST || strlen(cs) != a->len)
		return 0;
	return strcasecmp(cs, "US-ASCII") == 0 || strcasecmp(cs, "UTF-8") == 0
	       || charset_known(cs);
}

/* The charset strings must be converted from, or NULL when they are
 * UTF-8 already (US-ASCII is a subset). */
static const char *
charset_from(const struct arg *a)
{
	const char *cs = (const char *)a->data;

	if (strcasecmp(cs, "US-ASCII") == 0 || strcasecmp(cs, "UTF-8") == 0)
		return NULL;
	return cs;
}

static int
is_atom(const struct arg *a, const char *word)
{
	return a->type == ARG_ATOM && strcasecmp((const char *)a->data,
						 word) == 0;
}

/* The highest UID the client may name with "*" (RFC 3501 6.4.8): the
 * last message's, or UIDNEXT - 1 in an empty mailbox. */
static uint32_t
max_uid(struct session *s, uint32_t exists)
{
	if (exists > 0)
		return view_uid(s->sel.view, exists);
	return folder_uidnext(s->sel.folder) - 1;
}

/* The RETURN options (RFC 4731 3.1, RFC 5182 2.4). */
#define RET_MIN         0x01
#define RET_MAX         0x02
#define RET_ALL         0x04
#define RET_COUNT       0x08
#define RET_SAVE        0x10
#define RET_GIVEN       0x20    /* RETURN was there: ESEARCH, not SEARCH */

/* What matched, in increasing order of both. */
struct found {
	uint32_t *seqs, *uids;
	size_t n;
	uint64_t modseq;        /* highest MODSEQ found, when the keys had
				 * MODSEQ (RFC 7162 3.1.6); else 0 */
};

/* Returns 0, or -1 when the search passed search_work_limit. */
static int
search_collect(struct session *s, const struct search_key *k,
	       struct found *fd)
{
	struct search_run *r = search_run_new(s->sel.folder, s->arena);
	uint32_t exists = view_exists(s->sel.view);
	int over;

	fd->seqs = arena_alloc(s->arena, (exists + 1) * sizeof(uint32_t));
	fd->uids = arena_alloc(s->arena, (exists + 1) * sizeof(uint32_t));
	search_run_limit(r, (uint64_t)s->config->search_work_limit);
	search_run_cache(r, s);
	search_run_fts(r, s);
	fd->n = search_view(r, k, s->sel.view, fd->seqs, fd->uids);
	over = search_run_over(r);
	search_run_free(&r);
	return over ? -1 : 0;
}

/* The MODSEQ of a result (RFC 4731 3.2): with only MIN and/or MAX
 * asked (no ALL, no COUNT) the highest of the messages those name, else
 * the highest of all found (RFC 7162 3.1.6, 3.1.10). */
static uint64_t
result_modseq(struct session *s, unsigned ret, const struct found *fd)
{
	uint64_t top = 0;

	if (fd->n == 0)
		return 0;
	if ((ret & (RET_MIN | RET_MAX)) && !(ret & (RET_ALL | RET_COUNT))) {
		if (ret & RET_MIN)
			top = condstore_modseq(s, fd->uids[0]);
		if (ret & RET_MAX) {
			uint64_t ms = condstore_modseq(s, fd->uids[fd->n - 1]);
			if (ms > top)
				top = ms;
		}
		return top;
	}
	for (size_t i = 0; i < fd->n; i++) {
		uint64_t ms = condstore_modseq(s, fd->uids[i]);
		if (ms > top)
			top = ms;
	}
	return top;
}

/* Writes "* SEARCH n..." for every message that matched. */
static void
search_write(struct session *s, const struct found *fd)
{
	const uint32_t *v = s->uid_command ? fd->uids : fd->seqs;

	stream_puts(s->stream, "* SEARCH");
	for (size_t i = 0; i < fd->n; i++)
		stream_printf(s->stream, " %u", v[i]);
	/* RFC 7162 3.1.6: "(MODSEQ n)" after a non-empty result. */
	if (fd->modseq > 0 && fd->n > 0)
		stream_printf(s->stream, " (MODSEQ %llu)",
			      (unsigned long long)fd->modseq);
	stream_puts(s->stream, "\r\n");
}

/* RFC 4731 3.1 ALL: "the messages are always returned using the
 * sequence-set syntax", consecutive numbers as ranges. */
static void
write_set(struct stream *out, const uint32_t *v, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		stream_printf(out, "%s%u", i == 0 ? "" : ",", v[i]);
		if (j > i)
			stream_printf(out, ":%u", v[j]);
		i = j + 1;
	}
}

/* RFC 4466 2.6.2: "* ESEARCH (TAG tag) [UID] data..."; RFC 4731 3.1:
 * MIN, MAX and ALL are left out when nothing matched, COUNT never. */
static void
esearch_write(struct session *s, const struct command *cmd, unsigned ret,
	      const struct found *fd)
{
	const uint32_t *v = s->uid_command ? fd->uids : fd->seqs;
	struct stream *out = s->stream;

	stream_puts(out, "* ESEARCH (TAG \"");
	for (const char *p = cmd->tag; *p; p++)
		stream_printf(out, "%s%c", *p == '"' || *p == '\\' ? "\\" :
			      "", *p);
	stream_puts(out, "\")");
	if (s->uid_command)
		stream_puts(out, " UID");
	if ((ret & RET_MIN) && fd->n > 0)
		stream_printf(out, " MIN %u", v[0]);
	if ((ret & RET_MAX) && fd->n > 0)
		stream_printf(out, " MAX %u", v[fd->n - 1]);
	if ((ret & RET_ALL) && fd->n > 0) {
		stream_puts(out, " ALL ");
		write_set(out, v, fd->n);
	}
	if (ret & RET_COUNT)
		stream_printf(out, " COUNT %zu", fd->n);
	/* RFC 7162 3.1.10: the MODSEQ result option (RFC 4731 3.2). */
	if (fd->modseq > 0 && fd->n > 0)
		stream_printf(out, " MODSEQ %llu",
			      (unsigned long long)fd->modseq);
	stream_puts(out, "\r\n");
}

/* RFC 5182 2.4: SAVE with only MIN and/or MAX saves those; with ALL or
 * COUNT (or alone) every message found. */
static void
save_result(struct session *s, unsigned ret, const struct found *fd)
{
	uint32_t two[2];
	size_t n = 0;

	if ((ret & (RET_ALL | RET_COUNT)) || !(ret & (RET_MIN | RET_MAX)) ||
	    fd->n == 0) {
		searchres_save(s, fd->uids, fd->n);
		return;
	}
	if (ret & RET_MIN)
		two[n++] = fd->uids[0];
	if ((ret & RET_MAX) && (n == 0 || fd->uids[fd->n - 1] != two[0]))
		two[n++] = fd->uids[fd->n - 1];
	searchres_save(s, two, n);
}

/* Reads "RETURN (opt...)" at *args, advancing past it. Returns 0 (with
 * *ret_r 0 when there is no RETURN), or -1 with *err_r fit for BAD. */
static int
parse_return(const struct arg **args, size_t *n, unsigned *ret_r,
	     const char **err_r)
{
	static const struct { const char *name; unsigned bit; } opts[] = {
		{ "MIN", RET_MIN }, { "MAX", RET_MAX }, { "ALL", RET_ALL },
		{ "COUNT", RET_COUNT }, { "SAVE", RET_SAVE },
	};
	const struct arg *a;
	unsigned ret = RET_GIVEN;

	*ret_r = 0;
	if (*n < 1 || !is_atom(&(*args)[0], "RETURN"))
		return 0;
	if (*n < 2 || (*args)[1].type != ARG_LIST) {
		*err_r = "Invalid RETURN options: want a list";
		return -1;
	}
	a = &(*args)[1];
	for (size_t i = 0; i < a->count; i++) {
		size_t j;

		for (j = 0; j < sizeof(opts) / sizeof(opts[0]); j++)
			if (is_atom(&a->list[i], opts[j].name))
				break;
		if (j == sizeof(opts) / sizeof(opts[0])) {
			*err_r = "Unknown SEARCH return option";
			return -1;
		}
		ret |= opts[j].bit;
	}
	/* RFC 4731 3.1: an empty list "is equivalent to (ALL)". */
	if (a->count == 0)
		ret |= RET_ALL;
	*ret_r = ret;
	*args += 2;
	*n -= 2;
	return 0;
}

void
cmd_search(struct session *s, const struct command *cmd)
{
	const struct arg *args = cmd->args;
	size_t n = cmd->nargs;
	struct search_key *k;
	const char *err;
	const char *charset = NULL;
	struct seqset saved;
	struct found fd;
	unsigned ret;
	uint32_t exists;

	/* CONTEXT, PARTIAL, UPDATE (RFC 5267 4): imap/context.h. */
	if (context_wanted(cmd, 0)) {
		context_search(s, cmd, 0);
		return;
	}
	if (parse_return(&args, &n, &ret, &err) < 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Error in IMAP command "
			    "%s: %s", cmd->name, err);
		return;
	}
	/* RFC 9051 6.4.4 (Appendix E item 4): in IMAP4rev2 the answer is
	 * always ESEARCH; without RETURN it is RETURN (ALL). */
	if (!(ret & RET_GIVEN) && session_enabled(s, SESSION_EXT_IMAP4REV2))
		ret = RET_GIVEN | RET_ALL;
	if (n >= 1 && is_atom(&args[0], "CHARSET")) {
		if (n < 2) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Error in IMAP "
				    "command %s: Invalid charset argument",
				    cmd->name);
			return;
		}
		/* RFC 6855 3: after ENABLE UTF8=ACCEPT the client "MUST
		 * NOT issue a SEARCH command that contains a charset
		 * specification"; the server SHOULD answer BAD. */
		if (session_enabled(s, SESSION_EXT_UTF8_ACCEPT)) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Error in IMAP "
				    "command %s: %s", cmd->name,
				    UTF8_NO_CHARSET);
			return;
		}
		if (!charset_ok(&args[1])) {
			/* RFC 5182 2.1: a SAVE that answers NO saves the
			 * empty list. */
			if (ret & RET_SAVE)
				searchres_clear(s);
			resp_tagged(s->stream, cmd->tag, "NO", "[BADCHARSET "
				    "(US-ASCII UTF-8)] Unknown charset");
			return;
		}
		charset = charset_from(&args[1]);
		args += 2;
		n -= 2;
	}
	k = search_parse_charset(args, n, charset, s->sel.kw, s->arena, &err);
	if (k == NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Error in IMAP command "
			    "%s: %s", cmd->name, err);
		return;
	}
	exists = view_exists(s->sel.view);
	search_resolve(k, exists, max_uid(s, exists));
	searchres_get(s, s->arena, &saved);
	search_bind_saved(k, &saved);
	if (search_collect(s, k, &fd) < 0) {
		if (ret & RET_SAVE)
			searchres_clear(s);     /* RFC 5182 2.1 */
		search_refuse(s, cmd);
		return;
	}
	fd.modseq = 0;
	if (search_has_modseq(k)) {
		/* RFC 7162 3.1: a CONDSTORE enabling command. */
		condstore_enable(s);
		fd.modseq = result_modseq(s, ret, &fd);
	}
	if (!(ret & RET_GIVEN))
		search_write(s, &fd);
	else if (ret & (RET_MIN | RET_MAX | RET_ALL | RET_COUNT))
		esearch_write(s, cmd, ret, &fd);
	if (ret & RET_SAVE)
		save_result(s, ret, &fd);
	session_ok(s, cmd, (ret & RET_SAVE) ? "Search completed, result "
		   "saved." : "Search completed.");
}
