/* src/imap/listone.c — mailbox attributes on the wire, and one
 * mailbox's LIST line (see include/imap/listone.h).
 *
 * The line is what LIST "" name would answer: the store lists the name
 * as its own pattern, and the entry spelt exactly like it is taken, so a
 * name with "%" or "*" in it (which are ordinary characters in skua's
 * folder names) still finds only itself. That costs a readdir of the
 * Maildir root, once per SELECT, and only in an IMAP4rev2 session. */
#include <string.h>
#include <strings.h>

#include "imap/listone.h"
#include "imap/mailstore.h"
#include "imap/mboxwire.h"
#include "imap/response.h"
#include "store/mailboxes.h"
#include "store/specialuse.h"
#include "util/log.h"

void
listone_attrs(struct stream *out, unsigned attrs, int subscribed)
{
	static const struct {
		unsigned bit;
		const char *text;
	} names[] = {
		{ MBOX_NOSELECT, "\\Noselect" },
		{ MBOX_NONEXISTENT, "\\NonExistent" },
		{ MBOX_HASCHILDREN, "\\HasChildren" },
		{ MBOX_HASNOCHILDREN, "\\HasNoChildren" },
		{ MBOX_MARKED, "\\Marked" },
		{ MBOX_UNMARKED, "\\Unmarked" },
	};
	int first = 1;

	stream_puts(out, "(");
	if (subscribed) {
		stream_puts(out, "\\Subscribed");
		first = 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(attrs & names[i].bit))
			continue;
		stream_printf(out, "%s%s", first ? "" : " ", names[i].text);
		first = 0;
	}
	for (unsigned bit = 1; bit != 0; bit <<= 1) {
		if (!(attrs & bit & MBOX_SPECIAL_USE))
			continue;
		stream_printf(out, "%s%s", first ? "" : " ",
			      specialuse_name(bit));
		first = 0;
	}
	stream_puts(out, ")");
}

/* The attributes of name and its canonical spelling, from the store. */
static unsigned
lookup_attrs(struct session *s, const char *name, const char **canon_r)
{
	struct mailboxes *mb = mailstore_mailboxes(s->store);
	const struct mbox_entry *e;
	struct specialuse *su = NULL;
	struct mbox_list *l;
	struct mbox_err err;
	unsigned attrs = 0;
	size_t n;

	*canon_r = name;
	if (mailboxes_list(mb, "", name, 0, &l, &err) < 0) {
		log_error("select: user=%s mailbox=%s: LIST: %s",
			  s->user.name, name, err.text);
		return 0;
	}
	if (specialuse_read(mb->root, &su, &err) < 0)
		log_error("select: user=%s: %s", s->user.name, err.text);
	e = mbox_list_entries(l, &n);
	for (size_t i = 0; i < n; i++) {
		int inbox = e[i].dir[0] == '\0';

		if (inbox ? strcasecmp(e[i].name, name) != 0 :
			    strcmp(e[i].name, name) != 0)
			continue;
		attrs = e[i].attrs;
		if (!inbox && su != NULL)
			attrs |= specialuse_get(su, e[i].dir);
		*canon_r = arena_strdup(s->arena, e[i].name);
		break;
	}
	specialuse_free(&su);
	mbox_list_free(&l);
	return attrs;
}

/* A mailbox name as a string, as RFC 9051's example writes OLDNAME's
 * ("inbox"): quoted where it can be (UTF-8 only after ENABLE). */
static void
put_quoted_name(struct session *s, const char *name)
{
	for (const char *p = name; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80) {
			mboxwire_put_name(s, name);
			return;
		}
	resp_string(s->stream, name, strlen(name));
}

void
listone_write(struct session *s, const char *name)
{
	const char *canon;
	unsigned attrs = lookup_attrs(s, name, &canon);

	stream_puts(s->stream, "* LIST ");
	listone_attrs(s->stream, attrs, 0);
	stream_printf(s->stream, " \"%c\" ",
		      mailstore_mailboxes(s->store)->rules.sep);
	mboxwire_put_name(s, canon);
	/* RFC 9051 6.3.2 and its example in 6.3.1 ("select inbox"): a name
	 * given in another spelling than the mailbox's own comes back as
	 * OLDNAME (6.3.9.7). INBOX's case is the only spelling skua
	 * changes; it normalizes no other name. */
	if (strcmp(canon, name) != 0) {
		stream_puts(s->stream, " (\"OLDNAME\" (");
		put_quoted_name(s, name);
		stream_puts(s->stream, "))");
	}
	stream_puts(s->stream, "\r\n");
}
