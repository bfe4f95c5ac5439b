/* src/imap/mboxwire.c — mailbox names and store errors on the wire, for
 * the commands that name mailboxes (see include/imap/mboxwire.h). */
#include <string.h>
#include <strings.h>

#include "imap/mboxwire.h"
#include "imap/response.h"
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

void
mboxwire_put_name(struct stream *out, const char *name)
{
	size_t len = strlen(name), i;

	for (i = 0; i < len; i++)
		if (!astring_char((unsigned char)name[i]))
			break;
	if (len > 0 && i == len && strcasecmp(name, "NIL") != 0)
		stream_puts(out, name);
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
