/* src/imap/cmd_sort.c — SORT and UID SORT, THREAD and UID THREAD
 * (RFC 5256 3, 4; SORT=DISPLAY of RFC 5957).
 *
 * Both are SEARCH with another answer: sort-criteria or a thread-alg,
 * then a charset (mandatory here, unlike SEARCH) and the search keys,
 * which imap/search parses and matches. Syntax errors in any part answer
 * BAD before a message is looked at; a charset other than US-ASCII and
 * UTF-8 answers NO [BADCHARSET], as SEARCH does. The matching messages'
 * keys are then read once each (imap/msgkeys.h) and sorted
 * (imap/sort.h) or threaded (imap/thread.h). UID SORT and UID THREAD
 * answer UIDs; their search keys name sequence numbers as SEARCH's do
 * (RFC 5256 3). Like SEARCH, both are CMD_NO_EXPUNGE. */
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/condstore.h"
#include "imap/context.h"
#include "imap/msgkeys.h"
#include "imap/response.h"
#include "imap/search.h"
#include "imap/searchres.h"
#include "imap/sort.h"
#include "imap/thread.h"
#include "imap/view.h"
#include "store/folder.h"
#include "util/buf.h"

/* The matches of a search, in mailbox order. */
struct matches {
	uint32_t *seqs, *uids;
	size_t n;
	uint64_t modseq;        /* RFC 7162 3.1.9: highest MODSEQ found
				 * when the keys had MODSEQ, else 0 */
};

static int
charset_ok(const struct arg *a)
{
	const char *cs = (const char *)a->data;

	if (a->type == ARG_LIST || a->type == ARG_NIL ||
	    strlen(cs) != a->len)
		return 0;
	return strcasecmp(cs, "US-ASCII") == 0 || strcasecmp(cs, "UTF-8") == 0;
}

static uint32_t
max_uid(struct session *s, uint32_t exists)
{
	if (exists > 0)
		return view_uid(s->sel.view, exists);
	return folder_uidnext(s->sel.folder) - 1;
}

/* Checks charset args[0] and parses the search keys args[1..n), then
 * searches. Returns 0 with *m filled, or -1 after answering BAD or NO. */
static int
search_part(struct session *s, const struct command *cmd,
	    const struct arg *args, size_t n, struct matches *m)
{
	struct search_run *r;
	struct search_key *k;
	const char *err;
	uint32_t exists;

	if (n < 2) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Error in IMAP "
			    "command %s: %s", cmd->name, n == 0 ?
			    "Missing charset" : "Missing search parameters");
		return -1;
	}
	if (!charset_ok(&args[0])) {
		resp_tagged(s->stream, cmd->tag, "NO", "[BADCHARSET "
			    "(US-ASCII UTF-8)] Unknown charset");
		return -1;
	}
	k = search_parse(args + 1, n - 1, s->sel.kw, s->arena, &err);
	if (k == NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Error in IMAP command "
			    "%s: %s", cmd->name, err);
		return -1;
	}
	exists = view_exists(s->sel.view);
	search_resolve(k, exists, max_uid(s, exists));
	{
		struct seqset saved;    /* "$" (RFC 5182), kept until reset */

		searchres_get(s, s->arena, &saved);
		search_bind_saved(k, &saved);
	}
	m->seqs = arena_alloc(s->arena, (exists + 1) * sizeof(*m->seqs));
	m->uids = arena_alloc(s->arena, (exists + 1) * sizeof(*m->uids));
	r = search_run_new(s->sel.folder, s->arena);
	search_run_limit(r, (uint64_t)s->config->search_work_limit);
	m->n = search_view(r, k, s->sel.view, m->seqs, m->uids);
	if (search_run_over(r)) {
		search_run_free(&r);
		search_refuse(s, cmd);
		return -1;
	}
	search_run_free(&r);
	m->modseq = 0;
	if (search_has_modseq(k)) {
		/* RFC 7162 3.1: a CONDSTORE enabling command. */
		condstore_enable(s);
		for (size_t i = 0; i < m->n; i++) {
			uint64_t ms = condstore_modseq(s, m->uids[i]);
			if (ms > m->modseq)
				m->modseq = ms;
		}
	}
	return 0;
}

void
cmd_sort(struct session *s, const struct command *cmd)
{
	struct sort_program p;
	struct matches m;
	const char *err;

	/* SORT RETURN (...): ESORT and CONTEXT=SORT (RFC 5267 3, 4). */
	if (context_wanted(cmd, 1)) {
		context_search(s, cmd, 1);
		return;
	}
	if (cmd->nargs < 1) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Error in IMAP command "
			    "%s: Missing sort criteria", cmd->name);
		return;
	}
	if (sort_parse(&cmd->args[0], &p, &err) < 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Error in IMAP command "
			    "%s: %s", cmd->name, err);
		return;
	}
	if (search_part(s, cmd, cmd->args + 1, cmd->nargs - 1, &m) < 0)
		return;
	sort_messages(s->sel.folder, &p, m.seqs, m.uids, m.n, s->arena);
	stream_puts(s->stream, "* SORT");
	for (size_t i = 0; i < m.n; i++)
		stream_printf(s->stream, " %u",
			      s->uid_command ? m.uids[i] : m.seqs[i]);
	/* RFC 7162 3.1.9: "(MODSEQ n)" after a non-empty result. */
	if (m.modseq > 0 && m.n > 0)
		stream_printf(s->stream, " (MODSEQ %llu)",
			      (unsigned long long)m.modseq);
	stream_puts(s->stream, "\r\n");
	session_ok(s, cmd, "Sort completed.");
}

/* The keys of the matches for threading. */
static struct thread_msg *
thread_keys(struct session *s, const struct matches *m)
{
	struct thread_msg *t = arena_zalloc(s->arena,
					    (m->n + 1) * sizeof(*t));
	struct msgkeys *k = msgkeys_new(s->sel.folder, s->arena);

	for (size_t i = 0; i < m->n; i++) {
		const char **refs;

		t[i].num = s->uid_command ? m->uids[i] : m->seqs[i];
		t[i].seq = m->seqs[i];
		(void)msgkeys_load(k, m->uids[i]);
		t[i].date = msgkeys_sent(k);
		t[i].subject = msgkeys_subject(k, &t[i].is_reply);
		t[i].msgid = msgkeys_msgid(k);
		t[i].nrefs = msgkeys_refs(k, &refs);
		t[i].refs = refs;
	}
	msgkeys_free(&k);
	return t;
}

void
cmd_thread(struct session *s, const struct command *cmd)
{
	const struct arg *alg = cmd->nargs > 0 ? &cmd->args[0] : NULL;
	enum thread_alg which;
	struct thread_msg *t;
	struct matches m;
	struct buf out;

	if (alg == NULL || alg->type != ARG_ATOM ||
	    thread_alg_parse((const char *)alg->data, &which) < 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Error in IMAP command "
			    "%s: %s", cmd->name, alg == NULL ?
			    "Missing threading algorithm" :
			    "Unknown threading algorithm");
		return;
	}
	if (search_part(s, cmd, cmd->args + 1, cmd->nargs - 1, &m) < 0)
		return;
	t = thread_keys(s, &m);
	/* Per message a number, a space and a pair of parentheses, and
	 * another pair for a dummy above it at most. */
	buf_init(&out, 24 * (m.n + 1) + 64);
	(void)buf_append_str(&out, "* THREAD");
	if (m.n > 0)
		(void)buf_append_byte(&out, ' ');
	(void)thread_write(which, t, m.n, s->arena, &out);
	(void)buf_append_str(&out, "\r\n");
	stream_write(s->stream, out.data, out.len);
	buf_free(&out);
	session_ok(s, cmd, "Thread completed.");
}
