/* src/imap/cmd_mailbox.c — CREATE, DELETE, RENAME, SUBSCRIBE,
 * UNSUBSCRIBE and STATUS (RFC 3501 6.3.3-6.3.7, 6.3.10): the commands
 * that work on mailboxes by name rather than on messages. LIST and LSUB
 * are in cmd_list.c, the STATUS items in status.c.
 *
 * The store does the work (store/mailboxes.h, store/subscriptions.h);
 * what is left here is the wire (imap/mboxwire.h): reading astrings,
 * turning a store error into "NO [CODE] sentence" (RFC 5530), and
 * writing names as atoms where they can be, quoted or as literals where
 * not, as Dovecot 2.3 does. Where RFC 3501 leaves room, Dovecot 2.3's
 * answers are the model:
 *
 * - STATUS answers its items in a fixed order, as in RFC 3501 6.3.10's
 *   own example (asked "UIDNEXT MESSAGES", answered "MESSAGES ...").
 * - DELETE or RENAME of the selected mailbox succeeds, and then the
 *   session ends with BYE: what the client was told about the mailbox
 *   no longer holds, and RFC 3501 has no way to tell it so.
 * - CREATE takes RFC 6154's USE parameter (CREATE-SPECIAL-USE): the
 *   attributes are kept in the Maildir's skua.specialuse
 *   (store/specialuse.h), follow the folder through RENAME and go with
 *   it at DELETE. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/mailstore.h"
#include "imap/mboxwire.h"
#include "imap/objectid.h"
#include "imap/response.h"
#include "imap/status.h"
#include "store/folder.h"
#include "store/specialuse.h"
#include "store/subscriptions.h"
#include "util/log.h"

/* Reads n astrings into names; answers BAD and returns -1 when the
 * command has another count or kind of arguments. */
static int
astring_args(struct session *s, const struct command *cmd, size_t n,
	     const char **names, const char *usage)
{
	if (cmd->nargs == n) {
		size_t i;

		for (i = 0; i < n; i++)
			if ((names[i] = mboxwire_astring(&cmd->args[i])) == NULL)
				break;
		if (i == n)
			return 0;
	}
	resp_tagged(s->stream, cmd->tag, "BAD", "%s wants %s", cmd->name,
		    usage);
	return -1;
}

static struct mailboxes *
mbs(struct session *s)
{
	return mailstore_mailboxes(s->store);
}

/* The directory of the selected mailbox into dir (NAMES_DIR_MAX + 1
 * bytes); 0, or -1 when none is selected. */
static int
selected_dir(struct session *s, char *dir, size_t size)
{
	const struct mailboxes *mb = mbs(s);
	const char *e;

	if (s->state != ST_SELECTED || s->sel.name == NULL)
		return -1;
	return names_to_dir(&mb->rules, s->sel.name, mb->wire_utf8, dir, size,
			    &e);
}

/* 1 when the selected mailbox is dir or lies under it (Maildir++ writes
 * the levels of A/B as ".A.B"). */
static int
selected_under(struct session *s, const char *dir)
{
	char sel[NAMES_DIR_MAX + 1];
	size_t len = strlen(dir);

	if (len == 0 || selected_dir(s, sel, sizeof(sel)) < 0)
		return 0;
	return strncmp(sel, dir, len) == 0 &&
	       (sel[len] == '\0' || sel[len] == '.');
}

/* Answers OK to a command that took the selected mailbox away, then
 * ends the session as Dovecot does. Unselecting first keeps session_ok
 * from syncing a folder that is gone. */
static void
ok_then_bye(struct session *s, const struct command *cmd, const char *ok,
	    const char *bye)
{
	session_unselect(s);
	session_ok(s, cmd, "%s", ok);
	resp_untagged(s->stream, "BYE %s", bye);
	s->closing = 1;
}

/* Reads CREATE's parameters (RFC 4466 2.2): only USE (RFC 6154 3), a
 * list of special-use attributes, into *use_r. Returns 0; -1 after
 * answering BAD for anything else, or NO [USEATTR] (RFC 6154 5.3) for an
 * attribute that is not one of RFC 6154's seven. */
static int
create_params(struct session *s, const struct command *cmd,
	      const struct arg *a, unsigned *use_r)
{
	for (size_t i = 0; i < a->count; i++) {
		const struct arg *p = &a->list[i], *v = p + 1;

		if (p->type != ARG_ATOM ||
		    strcasecmp((const char *)p->data, "USE") != 0 ||
		    i + 1 == a->count || v->type != ARG_LIST) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Unknown "
				    "CREATE parameter");
			return -1;
		}
		for (size_t k = 0; k < v->count; k++) {
			unsigned bit = v->list[k].type == ARG_ATOM ?
				specialuse_attr((const char *)
						v->list[k].data) : 0;

			if (bit == 0) {
				resp_tagged(s->stream, cmd->tag, "NO",
					    "[USEATTR] Unsupported special-use "
					    "attribute");
				return -1;
			}
			*use_r |= bit;
		}
		i++;
	}
	return 0;
}

void
cmd_create(struct session *s, const struct command *cmd)
{
	char dir[NAMES_DIR_MAX + 1];
	struct mbox_err err, err2;
	const char *name = NULL, *mailboxid;
	unsigned use = 0, attrs;

	if (cmd->nargs == 2 && cmd->args[1].type == ARG_LIST) {
		if ((name = mboxwire_astring(&cmd->args[0])) == NULL) {
			resp_tagged(s->stream, cmd->tag, "BAD", "CREATE wants "
				    "one mailbox name");
			return;
		}
		if (create_params(s, cmd, &cmd->args[1], &use) < 0)
			return;
	} else if (astring_args(s, cmd, 1, &name, "one mailbox name") < 0) {
		return;
	}
	if (mailboxes_create(mbs(s), name, &err) < 0) {
		mboxwire_answer_err(s, cmd, name, &err);
		return;
	}
	/* RFC 6154 5.3: a mailbox whose use cannot be kept is not made. */
	if (use != 0 &&
	    (mailboxes_lookup(mbs(s), name, dir, sizeof(dir), &attrs,
			      &err) < 0 ||
	     specialuse_set(mbs(s)->root, dir, use, &err) < 0)) {
		if (mailboxes_delete(mbs(s), name, &err2) < 0)
			log_error("CREATE: user=%s mailbox=%s: undoing: %s",
				  s->user.name, name, err2.text);
		mboxwire_answer_err(s, cmd, name, &err);
		return;
	}
	/* RFC 8474 4.1: "MUST include the MAILBOXID response code in the
	 * tagged OK response to all successful CREATE commands". */
	if ((mailboxid = objectid_mailboxid(s, name)) != NULL) {
		session_ok(s, cmd, "[MAILBOXID (%s)] Create completed.",
			   mailboxid);
		return;
	}
	session_ok(s, cmd, "Create completed.");
}

/* Keeps skua.specialuse in step with a DELETE (to NULL) or RENAME of the
 * folder in from_dir. The folder has moved already: a failure is only
 * logged. */
static void
use_follows(struct session *s, const char *from_dir, const char *to)
{
	char to_dir[NAMES_DIR_MAX + 1];
	struct mbox_err err;
	const char *e;
	int r;

	if (to == NULL)
		r = specialuse_set(mbs(s)->root, from_dir, 0, &err);
	else if (names_to_dir(&mbs(s)->rules, to, mbs(s)->wire_utf8, to_dir,
			      sizeof(to_dir), &e) == 0)
		r = specialuse_rename(mbs(s)->root, from_dir, to_dir, &err);
	else
		r = 0;
	if (r < 0)
		log_error("%s: user=%s: %s", to == NULL ? "DELETE" :
			  "RENAME", s->user.name, err.text);
}

void
cmd_delete(struct session *s, const struct command *cmd)
{
	char dir[NAMES_DIR_MAX + 1], sel[NAMES_DIR_MAX + 1];
	struct mbox_err err;
	const char *name, *e;
	int selected, named;

	if (astring_args(s, cmd, 1, &name, "one mailbox name") < 0)
		return;
	/* Only the mailbox itself: its children survive DELETE. */
	named = names_to_dir(&mbs(s)->rules, name, mbs(s)->wire_utf8, dir,
			     sizeof(dir), &e) == 0;
	selected = named && selected_dir(s, sel, sizeof(sel)) == 0 &&
		   strcmp(sel, dir) == 0;
	if (mailboxes_delete(mbs(s), name, &err) < 0) {
		mboxwire_answer_err(s, cmd, name, &err);
		return;
	}
	if (named)
		use_follows(s, dir, NULL);
	if (selected)
		ok_then_bye(s, cmd, "Delete completed.",
			    "Selected mailbox was deleted, have to disconnect.");
	else
		session_ok(s, cmd, "Delete completed.");
}

void
cmd_rename(struct session *s, const struct command *cmd)
{
	char dir[NAMES_DIR_MAX + 1];
	struct mbox_err err;
	const char *names[2], *e;
	int selected, named;

	if (astring_args(s, cmd, 2, names, "an existing and a new mailbox "
			 "name") < 0)
		return;
	/* Renaming INBOX moves its messages but INBOX stays: a selected
	 * INBOX just sees them expunged at the next sync. */
	named = names_to_dir(&mbs(s)->rules, names[0], mbs(s)->wire_utf8,
			     dir, sizeof(dir), &e) == 0;
	selected = named && selected_under(s, dir);
	if (mailboxes_rename(mbs(s), names[0], names[1], &err) < 0) {
		/* Dovecot names the missing mailbox; the store does not. */
		if (err.code == MBOX_ERR_NONEXISTENT)
			snprintf(err.text, sizeof(err.text), "Mailbox doesn't "
				 "exist: %s", names[0]);
		mboxwire_answer_err(s, cmd, names[0], &err);
		return;
	}
	if (named)
		use_follows(s, dir, names[1]);
	if (selected)
		ok_then_bye(s, cmd, "Rename completed.",
			    "IMAP session state is inconsistent, please "
			    "relogin.");
	else
		session_ok(s, cmd, "Rename completed.");
}

void
cmd_subscribe(struct session *s, const struct command *cmd)
{
	char dir[NAMES_DIR_MAX + 1];
	struct mbox_err err;
	const char *name;
	unsigned attrs;

	if (astring_args(s, cmd, 1, &name, "one mailbox name") < 0)
		return;
	/* RFC 3501 6.3.6 lets a server refuse a name that does not exist;
	 * Dovecot does, and so a typo does not linger in LSUB. A level that
	 * only holds children (\Noselect) is no mailbox either. */
	if (mailboxes_lookup(mbs(s), name, dir, sizeof(dir), &attrs,
			     &err) < 0) {
		mboxwire_answer_err(s, cmd, name, &err);
		return;
	}
	if (attrs & MBOX_NOSELECT) {
		resp_tagged(s->stream, cmd->tag, "NO", "[NONEXISTENT] Mailbox "
			    "doesn't exist: %s", name);
		return;
	}
	if (subs_add(mbs(s), name, &err) < 0) {
		mboxwire_answer_err(s, cmd, name, &err);
		return;
	}
	session_ok(s, cmd, "Subscribe completed.");
}

void
cmd_unsubscribe(struct session *s, const struct command *cmd)
{
	struct mbox_err err;
	const char *name;

	if (astring_args(s, cmd, 1, &name, "one mailbox name") < 0)
		return;
	if (subs_remove(mbs(s), name, &err) < 0) {
		mboxwire_answer_err(s, cmd, name, &err);
		return;
	}
	session_ok(s, cmd, "Unsubscribe completed.");
}

void
cmd_status(struct session *s, const struct command *cmd)
{
	char dir[NAMES_DIR_MAX + 1], sel[NAMES_DIR_MAX + 1];
	struct mbox_err err;
	const char *name, *e;
	status_mask mask;
	unsigned attrs;
	int r;

	if (cmd->nargs != 2 ||
	    (name = mboxwire_astring(&cmd->args[0])) == NULL ||
	    cmd->args[1].type != ARG_LIST) {
		resp_tagged(s->stream, cmd->tag, "BAD", "STATUS wants a "
			    "mailbox name and a list of status items");
		return;
	}
	if (status_parse(s, cmd, &cmd->args[1], &mask) < 0)
		return;
	if (mailboxes_lookup(mbs(s), name, dir, sizeof(dir), &attrs,
			     &err) < 0) {
		mboxwire_answer_err(s, cmd, name, &err);
		return;
	}
	if (attrs & MBOX_NOSELECT) {
		resp_tagged(s->stream, cmd->tag, "NO", "[NONEXISTENT] Mailbox "
			    "doesn't exist: %s", name);
		return;
	}
	if ((r = status_write(s, name, dir, mask, &e)) < 0) {
		if (r == FOLDER_INUSE) {
			mboxwire_answer_inuse(s, cmd, name, e);
			return;
		}
		snprintf(err.text, sizeof(err.text), "%s", e);
		err.code = MBOX_ERR_SERVER;
		mboxwire_answer_err(s, cmd, name, &err);
		return;
	}
	/* RFC 3501 6.3.10: STATUS "SHOULD NOT be used on the currently
	 * selected mailbox"; answered all the same, with RFC 5530's
	 * CLIENTBUG as Dovecot does, so the client's author can learn. */
	if (selected_dir(s, sel, sizeof(sel)) == 0 && strcmp(sel, dir) == 0)
		session_ok(s, cmd, "[CLIENTBUG] Status on selected mailbox "
			   "completed.");
	else
		session_ok(s, cmd, "Status completed.");
}
