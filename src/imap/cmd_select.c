/* src/imap/cmd_select.c — SELECT, EXAMINE (RFC 3501 6.3.1, 6.3.2), CHECK,
 * CLOSE and EXPUNGE (6.4.1-6.4.3), and UNSELECT (RFC 3691): entering,
 * refreshing and leaving the selected state.
 *
 * SELECT answers in Dovecot 2.3's order and words, so that a client moved
 * between the two servers sees the same thing: FLAGS, PERMANENTFLAGS,
 * EXISTS, RECENT, UNSEEN (only when a message is unseen), UIDVALIDITY,
 * UIDNEXT, then the tagged OK with READ-WRITE or READ-ONLY (RFC 3501
 * 7.1). Like Dovecot, a SELECT that replaces a selected mailbox first says
 * "* OK [CLOSED]" (RFC 7162 3.2.11, RFC 9051 7.1): an IMAP4rev1 client
 * ignores a code it does not know (RFC 3501 7.1), and one that knows it
 * learns where the old mailbox's responses end.
 *
 * EXPUNGE removes the files of the messages the folder has with \Deleted
 * now (not what the client last heard: another session may have set or
 * cleared it since, and the file name is the truth). The removals are
 * then found by the sync in session_ok like anyone else's, which sends
 * the EXPUNGE responses highest first before the tagged OK. CLOSE
 * removes the same files but leaves before any sync, so the client hears
 * nothing (RFC 3501 6.4.2). In a read-only mailbox both remove nothing
 * and answer OK, as Dovecot does; RFC 3501 asks no more. */
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/condstore.h"
#include "imap/flags.h"
#include "imap/listone.h"
#include "imap/mailstore.h"
#include "imap/mboxwire.h"
#include "imap/msgset.h"
#include "imap/response.h"
#include "imap/seqset.h"
#include "imap/view.h"
#include "store/filename.h"
#include "store/folder.h"
#include "store/keywords.h"
#include "store/mailboxes.h"
#include "util/log.h"

/* The mailbox argument as a C string, or NULL after answering BAD. An
 * astring may be an atom, a quoted string, a literal, or the atom NIL. */
static const char *
mailbox_arg(struct session *s, const struct command *cmd)
{
	const struct arg *a = cmd->args;

	/* RFC 4466 2.1: SELECT and EXAMINE take select-params after the
	 * name (imap/condstore.h reads them). */
	if ((cmd->nargs != 1 && cmd->nargs != 2) || a->type == ARG_LIST) {
		resp_tagged(s->stream, cmd->tag, "BAD", "%s wants one mailbox "
			    "name", cmd->name);
		return NULL;
	}
	if (memchr(a->data, '\0', a->len) != NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Mailbox name "
			    "contains NUL");
		return NULL;
	}
	return (const char *)a->data;
}

static void
no_server(struct session *s, const struct command *cmd, const char *what,
	  const char *name, const char *err)
{
	log_error("%s: user=%s mailbox=%s: %s", what, s->user.name, name, err);
	resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Internal error "
		    "occurred. Refer to server log for more information.");
}

/* Finds and opens the folder into s->sel. Returns 0, or -1 after
 * answering NO. */
static int
open_selected(struct session *s, const struct command *cmd, const char *name,
	      int readonly)
{
	struct mailboxes *mb = mailstore_mailboxes(s->store);
	char rel[NAMES_DIR_MAX + 1];
	const char *dir, *err = "";
	struct mbox_err merr;
	unsigned attrs = 0;
	int r;

	if (mailboxes_lookup(mb, name, rel, sizeof(rel), &attrs, &merr) < 0) {
		if (merr.code == MBOX_ERR_SERVER) {
			no_server(s, cmd, "select", name, merr.text);
			return -1;
		}
		/* RFC 5530 3: a name that can never be valid is CANNOT,
		 * as in Dovecot's "NO [CANNOT] Invalid mailbox name". */
		resp_tagged(s->stream, cmd->tag, "NO", "%s%s",
			    merr.code == MBOX_ERR_NONEXISTENT ?
			    "[NONEXISTENT] " :
			    merr.code == MBOX_ERR_NAME ||
			    merr.code == MBOX_ERR_CANNOT ? "[CANNOT] " : "",
			    merr.text);
		return -1;
	}
	if (attrs & MBOX_NOSELECT) {
		resp_tagged(s->stream, cmd->tag, "NO", "[NONEXISTENT] Mailbox "
			    "isn't selectable: %s", name);
		return -1;
	}
	dir = rel[0] == '\0' ? mb->root :
	      arena_printf(s->arena, "%s/%s", mb->root, rel);
	/* Selected folders are synced after every command: tracked. */
	if ((r = folder_open(mb->root, dir, (readonly ? FOLDER_READONLY : 0) |
			     FOLDER_TRACK, &s->sel.folder, &err)) < 0) {
		if (r == FOLDER_INUSE)
			mboxwire_answer_inuse(s, cmd, name, err);
		else
			no_server(s, cmd, "select", name, err);
		return -1;
	}
	if (keywords_open(dir, &s->sel.kw, &err) < 0) {
		no_server(s, cmd, "select", name, err);
		folder_close(&s->sel.folder);
		return -1;
	}
	s->sel.view = view_new(s->sel.folder, s->sel.kw);
	s->sel.name = strdup(name);
	if (s->sel.name == NULL)
		fatal("out of memory");
	s->sel.readonly = readonly;
	s->state = ST_SELECTED;
	return 0;
}

/* 1 when another keyword may still be created (a Maildir file name has
 * letters for KEYWORDS_MAX of them): then PERMANENTFLAGS says \*. */
static int
keywords_room(const struct keywords *kw)
{
	for (int i = 0; i < KEYWORDS_MAX; i++)
		if (keywords_name(kw, i) == NULL)
			return 1;
	return 0;
}

/* The FLAGS list with \* added when keywords may be created. */
static void
write_permanent(struct stream *out, const struct keywords *kw)
{
	stream_puts(out, "(\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	for (int i = 0; i < KEYWORDS_MAX; i++) {
		const char *name = keywords_name(kw, i);
		if (name != NULL) {
			stream_puts(out, " ");
			stream_puts(out, name);
		}
	}
	stream_puts(out, keywords_room(kw) ? " \\*)" : ")");
}

/* The sequence number of the first message without \Seen, or 0. */
static uint32_t
first_unseen(const struct session *s)
{
	const struct store_msg *m;
	size_t n;

	m = folder_msgs(s->sel.folder, &n);
	for (size_t i = 0; i < n; i++)
		if (!(m[i].flags & MF_SEEN))
			return view_seq(s->sel.view, m[i].uid);
	return 0;
}

/* The untagged responses of RFC 3501 6.3.1, in Dovecot's order. */
static void
announce_selected(struct session *s)
{
	struct stream *out = s->stream;
	const char *mailboxid, *err = "";
	uint32_t unseen;

	stream_puts(out, "* FLAGS ");
	flags_write_defined(out, s->sel.kw);
	stream_puts(out, "\r\n");
	if (s->sel.readonly) {
		resp_untagged(out, "OK [PERMANENTFLAGS ()] Read-only mailbox.");
	} else {
		stream_puts(out, "* OK [PERMANENTFLAGS ");
		write_permanent(out, s->sel.kw);
		stream_puts(out, "] Flags permitted.\r\n");
	}
	resp_untagged(out, "%u EXISTS", view_exists(s->sel.view));
	if (session_enabled(s, SESSION_EXT_IMAP4REV2)) {
		/* RFC 9051 6.3.2: LIST is required, RECENT and the UNSEEN
		 * code are gone (Appendix E items 10, 11, 12). */
		listone_write(s, s->sel.name);
	} else {
		resp_untagged(out, "%u RECENT", view_recent(s->sel.view));
		unseen = first_unseen(s);
		if (unseen != 0)
			resp_untagged(out, "OK [UNSEEN %u] First unseen.",
				      unseen);
	}
	resp_untagged(out, "OK [UIDVALIDITY %u] UIDs valid",
		      folder_uidvalidity(s->sel.folder));
	resp_untagged(out, "OK [UIDNEXT %u] Predicted next UID",
		      folder_uidnext(s->sel.folder));
	/* RFC 8474 4.2: "MUST return an untagged OK response with the
	 * MAILBOXID response code on all successful SELECT and EXAMINE". */
	mailboxid = folder_mailbox_guid(s->sel.folder, &err);
	if (mailboxid != NULL)
		resp_untagged(out, "OK [MAILBOXID (%s)] Ok", mailboxid);
	else
		log_error("select: user=%s mailbox=%s: %s", s->user.name,
			  s->sel.name, err);
	/* RFC 4467 7.1: URLMECH "is returned in an untagged OK response in
	 * response to a RESETKEY, SELECT, or EXAMINE command". */
	resp_untagged(out, "OK [URLMECH INTERNAL] URLAUTH mechanisms");
}

static void
select_common(struct session *s, const struct command *cmd, int readonly)
{
	const char *name = mailbox_arg(s, cmd);
	struct select_params params;
	const char *err = NULL;
	int mismatch;

	if (name == NULL)
		return;
	/* RFC 7162 3.2.5: the parameters are checked before anything is
	 * opened (or closed). */
	if (select_params_parse(s, cmd->nargs == 2 ? &cmd->args[1] : NULL,
				&params, &err) < 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", err);
		return;
	}
	/* RFC 3501 6.3.1: the old mailbox is closed first (without
	 * expunging), even if the new one cannot be selected. */
	if (s->state == ST_SELECTED) {
		session_unselect(s);
		resp_untagged(s->stream, "OK [CLOSED] Previous mailbox closed.");
	}
	if (open_selected(s, cmd, name, readonly) < 0)
		return;
	announce_selected(s);
	/* HIGHESTMODSEQ, and QRESYNC's VANISHED (EARLIER) and FETCH. */
	mismatch = select_params_announce(s, &params);
	resp_tagged(s->stream, cmd->tag, "OK", "%s%s", readonly ?
		    "[READ-ONLY] Examine completed" :
		    "[READ-WRITE] Select completed", mismatch ?
		    ", UIDVALIDITY mismatch." : ".");
}

void
cmd_select(struct session *s, const struct command *cmd)
{
	select_common(s, cmd, 0);
}

void
cmd_examine(struct session *s, const struct command *cmd)
{
	select_common(s, cmd, 1);
}

/* Removes every message whose file has \Deleted now. Returns 0, -1 with
 * *err_r after removing what it could, or FOLDER_INUSE with nothing
 * removed when the sync before could not take the uidlist lock. */
static int
expunge_deleted(struct session *s, const struct seqset *uids,
		const char **err_r)
{
	const struct store_msg *m;
	size_t n;
	int r = 0;

	if (s->sel.readonly)
		return 0;
	/* Catch \Deleted set or cleared by others since the last sync;
	 * through the view, so that it does not miss the news. */
	if ((r = view_sync(s->sel.view, err_r)) < 0)
		return r == FOLDER_INUSE ? r : -1;
	m = folder_msgs(s->sel.folder, &n);
	for (size_t i = 0; i < n; i++)
		if ((m[i].flags & MF_DELETED) &&
		    (uids == NULL || seqset_contains(uids, m[i].uid)) &&
		    folder_expunge(s->sel.folder, m[i].uid, err_r) < 0)
			r = -1;
	return r;
}

void
cmd_close(struct session *s, const struct command *cmd)
{
	const char *err = "";

	if (command_has_args(s, cmd))
		return;
	/* RFC 3501 6.4.2: no untagged EXPUNGE is sent, and the mailbox is
	 * closed even when removing failed. */
	if (expunge_deleted(s, NULL, &err) < 0)
		log_error("close: user=%s mailbox=%s: %s", s->user.name,
			  s->sel.name, err);
	session_unselect(s);
	resp_tagged(s->stream, cmd->tag, "OK", "Close completed.");
}

/* UNSELECT (RFC 3691): CLOSE without removing anything; the \Deleted
 * messages stay as they are, in a read-only mailbox as in any other. */
void
cmd_unselect(struct session *s, const struct command *cmd)
{
	if (command_has_args(s, cmd))
		return;
	session_unselect(s);
	resp_tagged(s->stream, cmd->tag, "OK", "Unselect completed.");
}

void
cmd_check(struct session *s, const struct command *cmd)
{
	if (command_has_args(s, cmd))
		return;
	/* RFC 3501 6.4.1: every change is on disk as it happens, so a
	 * checkpoint is a sync; session_ok does it. */
	session_ok(s, cmd, "Check completed.");
}

void
cmd_expunge(struct session *s, const struct command *cmd)
{
	const struct seqset *only = NULL;
	struct seqset uids;
	const char *err = "";
	uint64_t before;
	int r;

	if (s->uid_command) {
		/* UID EXPUNGE (RFC 4315 2.1): only the \Deleted messages
		 * in the set, so that a client does not remove what another
		 * client marked. */
		if (cmd->nargs != 1 ||
		    msgset_parse_uids(s, &cmd->args[0], &uids, &err) < 0) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Invalid "
				    "uidset");
			return;
		}
		only = &uids;
	} else if (command_has_args(s, cmd)) {
		return;
	}
	before = folder_highestmodseq(s->sel.folder);
	if ((r = expunge_deleted(s, only, &err)) < 0) {
		/* What was removed is still announced by the next sync.
		 * Once files are removed the answer is OK even if the sync
		 * after cannot take the lock: the EXPUNGEs then come with
		 * the next command that syncs. */
		if (r == FOLDER_INUSE)
			mboxwire_answer_inuse(s, cmd, s->sel.name, err);
		else
			no_server(s, cmd, "expunge", s->sel.name, err);
		return;
	}
	/* RFC 7162 3.2.7, 3.2.9: with QRESYNC, the tagged OK carries the
	 * HIGHESTMODSEQ the expunges made; every expunge up to it is found
	 * by this sync and announced before the OK. */
	if (session_enabled(s, SESSION_EXT_QRESYNC) &&
	    view_sync(s->sel.view, &err) == 0 &&
	    folder_highestmodseq(s->sel.folder) > before) {
		session_ok(s, cmd, "[HIGHESTMODSEQ %llu] Expunge completed.",
			   (unsigned long long)
			   folder_highestmodseq(s->sel.folder));
		return;
	}
	session_ok(s, cmd, "Expunge completed.");
}
