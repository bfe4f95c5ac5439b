/* src/imap/mboxwire.c — mailbox names and store errors on the wire, for
 * the commands that name mailboxes (see include/imap/mboxwire.h). */
#include <string.h>
#include <strings.h>

#include "imap/mboxwire.h"
#include "imap/response.h"
#include "store/mutf7.h"
#include "util/log.h"

const char *
mboxwire_astring(const struct arg *a)
{
	switch (a->type) {
	case ARG_ATOM:
	case ARG_QUOTED:
	case ARG_NIL:
		return (const char *)a->data;
	case ARG_LITERAL:
		if (a->sunk || a->binary ||
		    memchr(a->data, '\0', a->len) != NULL)
			return NULL;
		return (const char *)a->data;
	default:
		return NULL;
	}
}

/* RFC 3501 9: ASTRING-CHAR is any CHAR except CTL, SP and the
 * specials ( ) { % * " \ -- but "]" is allowed. */
static int
astring_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\", c) == NULL;
}

int
mboxwire_utf8(const struct session *s)
{
	return session_enabled(s, SESSION_EXT_UTF8_ACCEPT) ||
	       session_enabled(s, SESSION_EXT_IMAP4REV2);
}

/* RFC 6855 3: quoted = DQUOTE *uQUOTED-CHAR DQUOTE, uQUOTED-CHAR being
 * QUOTED-CHAR or a UTF-8 sequence of two to four bytes. Names from the
 * store are valid UTF-8 without control characters already; this keeps
 * anything else out of a quoted string all the same. */
static int
utf8_quotable(const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return len <= 1024 && utf8_valid(name, len);
}

static void
put_utf8_quoted(struct stream *out, const char *name, size_t len)
{
	size_t start = 0;

	stream_puts(out, "\"");
	for (size_t i = 0; i < len; i++) {
		if (name[i] != '"' && name[i] != '\\')
			continue;
		stream_write(out, name + start, i - start);
		stream_puts(out, "\\");
		start = i;
	}
	stream_write(out, name + start, len - start);
	stream_puts(out, "\"");
}

void
mboxwire_put_name(struct session *s, const char *name)
{
	struct stream *out = s->stream;
	size_t len = strlen(name), i;
	int eight = 0;

	for (i = 0; i < len; i++)
		eight |= (unsigned char)name[i] >= 0x80;
	for (i = 0; i < len; i++)
		if (!astring_char((unsigned char)name[i]))
			break;
	if (len > 0 && i == len && strcasecmp(name, "NIL") != 0)
		stream_puts(out, name);
	else if (eight && mboxwire_utf8(s) && utf8_quotable(name, len))
		put_utf8_quoted(out, name, len);
	else
		resp_string(out, name, len);
}

static const char *
err_code(enum mbox_code code)
{
	switch (code) {
	case MBOX_ERR_NAME:
	case MBOX_ERR_CANNOT:
		return "[CANNOT] ";
	case MBOX_ERR_EXISTS:
		return "[ALREADYEXISTS] ";
	case MBOX_ERR_NONEXISTENT:
		return "[NONEXISTENT] ";
	case MBOX_ERR_HASCHILDREN:
		return "[HASCHILDREN] ";        /* RFC 9051 7.1 */
	case MBOX_ERR_INUSE:
		return "[INUSE] ";
	default:
		return "";
	}
}

void
mboxwire_answer_inuse(struct session *s, const struct command *cmd,
		      const char *name, const char *err)
{
	log_warn("%s: user=%s mailbox=%s: busy: %s", cmd->name, s->user.name,
		 name != NULL ? name : "", err != NULL ? err : "");
	resp_tagged(s->stream, cmd->tag, "NO", "[INUSE] Mailbox is busy, "
		    "try again");
}

void
mboxwire_answer_err(struct session *s, const struct command *cmd,
		    const char *name, const struct mbox_err *err)
{
	if (err->code == MBOX_ERR_SERVER || err->code == MBOX_OK) {
		log_error("%s: user=%s mailbox=%s: %s", cmd->name,
			  s->user.name, name, err->text);
		resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Internal "
			    "error occurred. Refer to server log for more "
			    "information.");
		return;
	}
	resp_tagged(s->stream, cmd->tag, "NO", "%s%s", err_code(err->code),
		    err->text);
}
