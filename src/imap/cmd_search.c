/* src/imap/cmd_search.c — SEARCH and UID SEARCH (RFC 3501 6.4.4, 6.4.8,
 * 7.2.5).
 *
 * The keys are parsed whole before any message is looked at (see
 * imap/search.h), so a syntax error answers BAD and costs nothing. The
 * answer is one "* SEARCH" line of sequence numbers, or of UIDs for UID
 * SEARCH, in increasing order; an empty result is a bare "* SEARCH".
 * SEARCH is CMD_NO_EXPUNGE: the numbers it answers must still name the
 * same messages when the client reads them (RFC 3501 7.4.1). */
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/response.h"
#include "imap/search.h"
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

/* Writes "* SEARCH n..." for every message that matches. */
static void
search_write(struct session *s, const struct search_key *k)
{
	struct search_run *r = search_run_new(s->sel.folder,
						   s->arena);
	uint32_t exists = view_exists(s->sel.view);

	stream_puts(s->stream, "* SEARCH");
	for (uint32_t seq = 1; seq <= exists; seq++) {
		uint32_t uid = view_uid(s->sel.view, seq);

		/* RFC 2180 4.1.3: a message expunged meanwhile may be left
		 * out; its file may already be gone. */
		if (uid == 0 || view_is_expunged(s->sel.view, seq))
			continue;
		if (search_match(r, k, seq, uid))
			stream_printf(s->stream, " %u",
				      s->uid_command ? uid : seq);
	}
	stream_puts(s->stream, "\r\n");
	search_run_free(&r);
}

void
cmd_search(struct session *s, const struct command *cmd)
{
	const struct arg *args = cmd->args;
	size_t n = cmd->nargs;
	struct search_key *k;
	const char *err;
	const char *charset = NULL;
	uint32_t exists;

	if (n >= 1 && is_atom(&args[0], "CHARSET")) {
		if (n < 2) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Error in IMAP "
				    "command %s: Invalid charset argument",
				    cmd->name);
			return;
		}
		if (!charset_ok(&args[1])) {
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
	search_write(s, k);
	session_ok(s, cmd, "Search completed.");
}
