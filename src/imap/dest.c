/* src/imap/dest.c — finding and opening the mailbox COPY or APPEND
 * writes into. */
#include <string.h>

#include "imap/dest.h"
#include "imap/mailstore.h"
#include "imap/mboxwire.h"
#include "imap/response.h"
#include "store/folder.h"
#include "store/keywords.h"
#include "store/mailboxes.h"
#include "util/log.h"

void
dest_fail(struct session *s, const struct command *cmd, const struct dest *d,
	  const char *what, const char *err)
{
	log_error("%s: user=%s mailbox=%s: %s", what, s->user.name,
		  d->name != NULL ? d->name : "", err);
	resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Internal error "
		    "occurred. Refer to server log for more information.");
}

/* Finds the directory of the mailbox. Returns 0, or -1 after answering. */
static int
lookup(struct session *s, const struct command *cmd, struct dest *d)
{
	struct mailboxes *mb = mailstore_mailboxes(s->store);
	char rel[NAMES_DIR_MAX + 1];
	struct mbox_err merr;
	unsigned attrs = 0;

	if (mailboxes_lookup(mb, d->name, rel, sizeof(rel), &attrs,
			     &merr) < 0) {
		if (merr.code == MBOX_ERR_SERVER)
			dest_fail(s, cmd, d, cmd->name, merr.text);
		else
			resp_tagged(s->stream, cmd->tag, "NO", "%s%s",
				    merr.code == MBOX_ERR_NONEXISTENT ?
				    "[TRYCREATE] " :
				    merr.code == MBOX_ERR_NAME ||
				    merr.code == MBOX_ERR_CANNOT ?
				    "[CANNOT] " : "", merr.text);
		return -1;
	}
	/* A level that only holds children has no messages to add to:
	 * CREATE makes it a mailbox, so the client is told to try that. */
	if (attrs & MBOX_NOSELECT) {
		resp_tagged(s->stream, cmd->tag, "NO", "[TRYCREATE] Mailbox "
			    "doesn't exist: %s", d->name);
		return -1;
	}
	d->dir = rel[0] == '\0' ? mb->root :
		 arena_printf(s->arena, "%s/%s", mb->root, rel);
	return 0;
}

int
dest_open(struct session *s, const struct command *cmd, const struct arg *a,
	  struct dest *d)
{
	struct mailboxes *mb = mailstore_mailboxes(s->store);
	const char *err = "";
	int r = 0;

	memset(d, 0, sizeof(*d));
	if (a->type == ARG_LIST || memchr(a->data, '\0', a->len) != NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Invalid mailbox "
			    "name");
		return -1;
	}
	d->name = (const char *)a->data;
	if (lookup(s, cmd, d) < 0)
		return -1;
	/* Opened "read-only" as far as \Recent goes: APPEND and COPY tell
	 * no session of the mail already there, so they must not claim it
	 * (RFC 3501 2.3.2); writing messages is not affected. Without a
	 * scan of cur/: the cost of one APPEND must not grow with the
	 * folder. */
	if ((r = folder_open_dest(mb->root, d->dir, &d->f, &err)) < 0 ||
	    keywords_open(d->dir, &d->kw, &err) < 0) {
		if (r == FOLDER_OVERQUOTA)
			resp_tagged(s->stream, cmd->tag, "NO", "[OVERQUOTA] %s",
				    err);
		else if (r == FOLDER_INUSE)
			mboxwire_answer_inuse(s, cmd, d->name, err);
		else
			dest_fail(s, cmd, d, cmd->name, err);
		dest_close(d);
		return -1;
	}
	return 0;
}

int
dest_check(struct session *s, const struct command *cmd, const struct arg *a)
{
	struct dest d;

	memset(&d, 0, sizeof(d));
	if (a->type == ARG_LIST || a->data == NULL ||
	    memchr(a->data, '\0', a->len) != NULL)
		return 0;       /* BAD once the command is complete */
	d.name = (const char *)a->data;
	return lookup(s, cmd, &d);
}

void
dest_close(struct dest *d)
{
	folder_close(&d->f);
	keywords_free(&d->kw);
}
