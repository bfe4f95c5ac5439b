/* src/imap/flagnews.c — FLAGS and PERMANENTFLAGS again after new
 * keywords, in the words of SELECT (cmd_select.c) and Dovecot 2.3. */
#include "imap/flagnews.h"
#include "imap/flags.h"
#include "imap/response.h"
#include "store/keywords.h"
#include "util/log.h"

int
flagnews_count(const struct session *s)
{
	int n = 0;

	if (s->state != ST_SELECTED || s->sel.kw == NULL)
		return 0;
	for (int i = 0; i < KEYWORDS_MAX; i++)
		n += keywords_name(s->sel.kw, i) != NULL;
	return n;
}

void
flagnews_announce(struct session *s, int before, int refresh)
{
	const char *err = NULL;
	int n;

	if (s->state != ST_SELECTED || s->sel.kw == NULL)
		return;
	if (refresh && keywords_refresh(s->sel.kw, &err) < 0)
		log_error("keywords: user=%s mailbox=%s: %s", s->user.name,
			  s->sel.name, err);
	n = flagnews_count(s);
	if (n <= before)
		return;
	stream_puts(s->stream, "* FLAGS ");
	flags_write_defined(s->stream, s->sel.kw);
	stream_puts(s->stream, "\r\n");
	if (s->sel.readonly) {
		resp_untagged(s->stream, "OK [PERMANENTFLAGS ()] Read-only "
			      "mailbox.");
		return;
	}
	/* \* says keywords may still be made: a letter is free. */
	stream_puts(s->stream, "* OK [PERMANENTFLAGS (\\Answered \\Flagged "
		    "\\Deleted \\Seen \\Draft");
	for (int i = 0; i < KEYWORDS_MAX; i++) {
		const char *name = keywords_name(s->sel.kw, i);
		if (name != NULL) {
			stream_puts(s->stream, " ");
			stream_puts(s->stream, name);
		}
	}
	stream_puts(s->stream, n < KEYWORDS_MAX ? " \\*)] Flags permitted.\r\n"
		    : ")] Flags permitted.\r\n");
}
