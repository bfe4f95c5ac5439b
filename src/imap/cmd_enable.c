/* src/imap/cmd_enable.c — ENABLE (RFC 5161) and the session's record of
 * what it turned on (session_enabled, imap/command.h).
 *
 * RFC 5161 3.1: names the server does not know, or knows but does not
 * let ENABLE turn on, are ignored; "* ENABLED" lists only what this
 * command newly turned on (a second ENABLE of the same name lists
 * nothing), and the CAPABILITY list stays the same. QRESYNC implies
 * CONDSTORE (RFC 7162 3.2.3: "ENABLE QRESYNC" and "ENABLE QRESYNC
 * CONDSTORE" have identical results), so CONDSTORE after QRESYNC is not
 * new. UTF8=ACCEPT (RFC 6855 3) switches the mailbox names on the wire
 * to UTF-8 (mailstore_set_wire_utf8); the rest of what it changes is
 * done by the code that asks session_enabled. IMAP4rev2 (RFC 9051
 * Appendix A: "an IMAP client that wants to use IMAP4rev2 MUST issue an
 * ENABLE IMAP4rev2 command") switches the session to IMAP4rev2's
 * responses; tests/session/test_imap4rev2.py walks Appendix E and says
 * where each item is handled. It does not imply UTF8=ACCEPT's bit:
 * SEARCH CHARSET stays valid in IMAP4rev2 (RFC 9051 6.4.4), while the
 * names and quoted strings are UTF-8 as for UTF8=ACCEPT (mboxwire_utf8).
 *
 * Both change how mailbox names are spelt, which would leave the name
 * of a selected mailbox in the old spelling; RFC 6855 3 and RFC 9051
 * 6.3.1 say ENABLE is "only valid in the authenticated state", so an
 * ENABLE that names either with a mailbox selected is BAD as a whole.
 *
 * "The ENABLE command is only valid in the authenticated state ...
 * server implementations don't have to check that no mailbox is
 * selected" (RFC 5161 3.1): like Dovecot, skua takes it in the selected
 * state too, and then behaves as the first CONDSTORE enabling command
 * with a mailbox selected must (RFC 7162 3.1: "* OK [HIGHESTMODSEQ n]"),
 * and switches EXPUNGE to VANISHED for QRESYNC from then on. */
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/condstore.h"
#include "imap/mailstore.h"
#include "imap/mboxwire.h"
#include "imap/response.h"
#include "imap/view.h"
#include "util/buf.h"

static const struct {
	const char *name;
	unsigned own;           /* the bit that says it is on */
	unsigned bits;          /* what turning it on sets */
} enableable[] = {
	{ "CONDSTORE",   SESSION_EXT_CONDSTORE,   SESSION_EXT_CONDSTORE },
	{ "QRESYNC",     SESSION_EXT_QRESYNC,
	  SESSION_EXT_QRESYNC | SESSION_EXT_CONDSTORE },
	{ "UTF8=ACCEPT", SESSION_EXT_UTF8_ACCEPT, SESSION_EXT_UTF8_ACCEPT },
	{ "IMAP4rev2",   SESSION_EXT_IMAP4REV2,   SESSION_EXT_IMAP4REV2 },
};

/* Beside each SESSION_EXT_* bit, one that says ENABLE turned it on: a
 * CONDSTORE enabling command other than ENABLE (SELECT ... (CONDSTORE),
 * FETCH MODSEQ, ...) turns CONDSTORE on too, and a later ENABLE
 * CONDSTORE still names it, as Dovecot does: it is the first ENABLE
 * that asks for it (RFC 5161 3.1: additive, "ENABLE a b" then "ENABLE c"
 * is "ENABLE a b c"). */
#define BY_ENABLE(bits) ((bits) << 16)

int
session_enabled(const struct session *s, unsigned ext_bit)
{
	return ext_bit != 0 && (s->enabled & ext_bit) == ext_bit;
}

#define N_ENABLEABLE (sizeof(enableable) / sizeof(enableable[0]))

/* 1 when cmd (whose arguments are atoms) would newly turn on an
 * extension that changes the spelling of mailbox names: UTF8=ACCEPT,
 * IMAP4rev2. Naming one that is on already changes nothing. */
static int
names_utf8_asked(const struct session *s, const struct command *cmd)
{
	for (size_t i = 0; i < cmd->nargs; i++)
		for (size_t k = 0; k < N_ENABLEABLE; k++)
			if (strcasecmp((const char *)cmd->args[i].data,
				       enableable[k].name) == 0 &&
			    (enableable[k].bits & (SESSION_EXT_UTF8_ACCEPT |
						   SESSION_EXT_IMAP4REV2)) &&
			    !(s->enabled & BY_ENABLE(enableable[k].own)))
				return 1;
	return 0;
}

void
cmd_enable(struct session *s, const struct command *cmd)
{
	struct buf b;
	size_t i, k;

	/* RFC 5161 4: "ENABLE" 1*(SP capability); capability is an atom. */
	if (cmd->nargs == 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "ENABLE wants "
			    "capability names");
		return;
	}
	for (i = 0; i < cmd->nargs; i++)
		if (cmd->args[i].type != ARG_ATOM) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Invalid "
				    "capability name");
			return;
		}
	if (s->state == ST_SELECTED && names_utf8_asked(s, cmd)) {
		resp_tagged(s->stream, cmd->tag, "BAD", "ENABLE UTF8=ACCEPT "
			    "and IMAP4rev2 are only valid in the authenticated "
			    "state; CLOSE or UNSELECT first");
		return;
	}
	buf_init(&b, 4096);
	buf_append_str(&b, "* ENABLED");
	for (i = 0; i < cmd->nargs; i++) {
		const char *name = (const char *)cmd->args[i].data;

		for (k = 0; k < sizeof(enableable) / sizeof(enableable[0]); k++)
			if (strcasecmp(name, enableable[k].name) == 0)
				break;
		if (k == sizeof(enableable) / sizeof(enableable[0]) ||
		    (s->enabled & BY_ENABLE(enableable[k].own)))
			continue;
		if (enableable[k].bits & SESSION_EXT_CONDSTORE)
			condstore_enable(s);
		s->enabled |= enableable[k].bits | BY_ENABLE(enableable[k].bits);
		buf_append_str(&b, " ");
		buf_append_str(&b, enableable[k].name);
	}
	if (mboxwire_utf8(s))
		mailstore_set_wire_utf8(s->store, 1);
	if (s->state == ST_SELECTED && s->sel.view != NULL)
		view_set_mode(s->sel.view, condstore_view_mode(s));
	buf_append_str(&b, "\r\n");
	stream_write(s->stream, b.data, b.len);
	buf_free(&b);
	resp_tagged(s->stream, cmd->tag, "OK", "Enabled.");
}
