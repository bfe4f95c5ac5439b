/* src/imap/cmd_store.c — STORE and UID STORE (RFC 3501 6.4.6, 6.4.8).
 *
 * The whole command is checked before any file is renamed: the set, the
 * item (FLAGS, +FLAGS, -FLAGS, each with .SILENT) and the flag list, so a
 * syntax error answers BAD having changed nothing. Keywords new to the
 * folder are then added to dovecot-keywords (not for -FLAGS: removing a
 * keyword nobody has needs no letter); with all 26 letters taken the
 * answer is NO, again before any message changed.
 *
 * Each message's new flags are computed from what its file name says now,
 * not from what the client last heard, so +FLAGS and -FLAGS never undo a
 * change another session made to other flags. A message whose file is
 * gone is skipped (RFC 2180 4.2.1); one expunged but not yet announced is
 * left alone, and the command ends with NO [EXPUNGEISSUED] as Dovecot's
 * does. Unless .SILENT, each message changed is answered with
 * "* seq FETCH (FLAGS (...))", UID first in UID STORE (RFC 3501 6.4.8, as
 * Dovecot writes it), and the view forgets the change it would otherwise
 * announce again. With .SILENT the view keeps any change it owes from
 * others: session_ok then reports the message's flags, ours included
 * (RFC 3501 6.4.6 only asks the server not to echo the client's own).
 *
 * On a mailbox opened with EXAMINE the answer is NO [READ-ONLY]. Dovecot
 * says "OK Store ignored with read-only mailbox."; skua does not claim
 * success for a change it did not make (RFC 3501 6.4.6: NO, "can't store
 * that data"). No EXPUNGE is sent before the tagged reply (CMD_NO_EXPUNGE,
 * RFC 3501 7.4.1). */
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/condstore.h"
#include "imap/flagnews.h"
#include "imap/flags.h"
#include "imap/mboxwire.h"
#include "imap/msgset.h"
#include "imap/response.h"
#include "imap/view.h"
#include "store/filename.h"
#include "store/folder.h"
#include "util/buf.h"
#include "util/log.h"

enum store_op {
	STORE_SET,
	STORE_ADD,
	STORE_REMOVE,
};

struct store_req {
	enum store_op op;
	int silent;
	unsigned flags;
	uint32_t keywords;
	int conditional;        /* UNCHANGEDSINCE given (RFC 7162 3.1.3) */
	int locked;             /* holds the index lock */
	uint64_t unchangedsince;
	struct buf modified;    /* MODIFIED's set, as a sequence-set */
	uint32_t mod_lo, mod_hi;        /* its last range, not yet written */
};

/* "FLAGS", "+FLAGS.SILENT", ... Returns 0 or -1. */
static int
parse_item(const struct arg *a, struct store_req *req)
{
	const char *p = (const char *)a->data;

	if (a->type != ARG_ATOM)
		return -1;
	req->op = STORE_SET;
	if (*p == '+' || *p == '-')
		req->op = *p++ == '+' ? STORE_ADD : STORE_REMOVE;
	if (strncasecmp(p, "FLAGS", 5) != 0)
		return -1;
	p += 5;
	req->silent = strcasecmp(p, ".SILENT") == 0;
	return *p == '\0' || req->silent ? 0 : -1;
}

/* The change as bits to take away and to add, applied by the store to
 * the flags the file has when it is renamed (another session's change
 * made since our last sync stays). MF_PASSED ('P', which Dovecot does
 * not know and skua does not show) is kept: FLAGS replaces only what the
 * client can see. */
static void
change_masks(const struct store_req *req, unsigned *add_r, unsigned *del_r,
	     uint32_t *kw_add_r, uint32_t *kw_del_r)
{
	*add_r = *del_r = 0;
	*kw_add_r = *kw_del_r = 0;
	switch (req->op) {
	case STORE_SET:
		*add_r = req->flags;
		*del_r = ~(unsigned)MF_PASSED;
		*kw_add_r = req->keywords;
		*kw_del_r = ~(uint32_t)0;
		break;
	case STORE_ADD:
		*add_r = req->flags;
		*kw_add_r = req->keywords;
		break;
	case STORE_REMOVE:
		*del_r = req->flags;
		*kw_del_r = req->keywords;
		break;
	}
}

/* "* seq FETCH (UID u FLAGS (...) MODSEQ (m))": UID in UID STORE and,
 * with MODSEQ, whenever CONDSTORE is on (RFC 7162 3.2.4); FLAGS unless
 * .SILENT (a conditional STORE answers MODSEQ alone then, 3.1.3). */
static void
answer_fetch(struct session *s, const struct store_req *req, uint32_t seq,
	     const struct store_msg *m)
{
	int modseq = session_enabled(s, SESSION_EXT_CONDSTORE);

	stream_printf(s->stream, "* %u FETCH (", seq);
	if (s->uid_command || modseq)
		stream_printf(s->stream, "UID %u%s", m->uid,
			      req->silent ? "" : " ");
	if (!req->silent) {
		stream_puts(s->stream, "FLAGS ");
		flags_write(s->stream, m->flags, m->keywords,
			    m->recent && !session_enabled(s,
						SESSION_EXT_IMAP4REV2),
			    s->sel.kw);
	}
	if (modseq)
		stream_printf(s->stream, " MODSEQ (%llu)", (unsigned long long)
			      condstore_modseq(s, m->uid));
	stream_puts(s->stream, ")\r\n");
}

static void
modified_flush(struct store_req *req)
{
	if (req->mod_hi == 0)
		return;
	if (req->modified.len > 0)
		buf_append_str(&req->modified, ",");
	if (req->mod_lo == req->mod_hi)
		buf_printf(&req->modified, "%u", req->mod_lo);
	else
		buf_printf(&req->modified, "%u:%u", req->mod_lo, req->mod_hi);
	req->mod_hi = 0;
}

/* Adds n (increasing) to the MODIFIED set. */
static void
modified_add(struct store_req *req, uint32_t n)
{
	if (req->mod_hi != 0 && n == req->mod_hi + 1) {
		req->mod_hi = n;
		return;
	}
	modified_flush(req);
	req->mod_lo = req->mod_hi = n;
}

/* Changes one message. Returns 0 (also when it is gone), 1 when it is
 * expunged but not yet announced, or -1 with *err_r. */
static int
store_one(struct session *s, struct store_req *req, uint32_t seq,
	  const char **err_r)
{
	uint32_t uid = view_uid(s->sel.view, seq);
	uint32_t kw_add, kw_del;
	unsigned add, del;
	int r;

	if (view_is_expunged(s->sel.view, seq))
		return 1;
	/* A message the folder no longer has is skipped: the conditional
	 * test asks first, folder_change_flags says so itself (1), which
	 * spares a lookup per message of a big STORE. */
	if (req->conditional && folder_msg(s->sel.folder, uid) == NULL)
		return 0;
	/* RFC 7162 3.1.3: a message changed after UNCHANGEDSINCE is left
	 * alone and named in MODIFIED (0 fails for every message). */
	if (req->conditional &&
	    folder_modseq(s->sel.folder, uid) > req->unchangedsince) {
		modified_add(req, s->uid_command ? uid : seq);
		return 0;
	}
	change_masks(req, &add, &del, &kw_add, &kw_del);
	r = folder_change_flags(s->sel.folder, uid, add, del, kw_add, kw_del,
				err_r);
	if (r != 0)
		return r < 0 ? -1 : 0;
	/* A conditional STORE answers "even if the .SILENT suffix is
	 * specified" (RFC 7162 3.1.3), and once CONDSTORE is on any
	 * .SILENT STORE answers its new MODSEQ (3.1.4.2, example 14:
	 * "STORE 7 +FLAGS.SILENT (\Deleted)" gets "* 7 FETCH (MODSEQ
	 * (...))"), as Dovecot does. */
	if (req->silent && !req->conditional &&
	    !session_enabled(s, SESSION_EXT_CONDSTORE))
		return 0;
	/* folder_change_flags updated the entry in place. */
	answer_fetch(s, req, seq, folder_msg(s->sel.folder, uid));
	if (!req->silent)
		view_flags_told(s->sel.view, uid);
	return 0;
}

/* The store-modifiers (RFC 4466 2.5): "(UNCHANGEDSINCE n)", the only
 * one there is (RFC 7162 7: a single UNCHANGEDSINCE). Returns 0 or -1. */
static int
parse_modifiers(const struct arg *a, struct store_req *req)
{
	if (a->type != ARG_LIST || a->count != 2 ||
	    a->list[0].type != ARG_ATOM ||
	    strcasecmp((const char *)a->list[0].data, "UNCHANGEDSINCE") != 0 ||
	    condstore_parse_modseq(&a->list[1], 1, &req->unchangedsince) < 0)
		return -1;
	req->conditional = 1;
	return 0;
}

/* A conditional STORE holds the index lock from its check to its last
 * rename, after a sync that numbers what others changed, so that no
 * change slips between the test and the store (RFC 7162 3.1.3). It is a
 * CONDSTORE enabling command (3.1): HIGHESTMODSEQ first (example 5).
 * Returns 0, or -1 or FOLDER_INUSE with *err_r. */
static int
conditional_begin(struct session *s, struct store_req *req,
		  const char **err_r)
{
	int r;

	buf_init(&req->modified, 16 * 1024 * 1024);
	condstore_enable(s);
	if (folder_modseq_lock(s->sel.folder, err_r) < 0)
		return -1;
	req->locked = 1;
	r = view_sync(s->sel.view, err_r);
	return r == FOLDER_INUSE ? r : r < 0 ? -1 : 0;
}

static void
conditional_end(struct session *s, struct store_req *req)
{
	if (req->locked)
		folder_modseq_unlock(s->sel.folder);
	req->locked = 0;
	modified_flush(req);
}

/* Reads the flag list into req; new keywords are made only when add is
 * set. Returns 0, or -1 after answering BAD or NO. */
static int
parse_flags(struct session *s, const struct command *cmd, const struct arg *a,
	    struct store_req *req, int add)
{
	const char *err = "Invalid flags";
	int r;

	r = flags_parse(a, s->sel.kw, add, &req->flags, &req->keywords, &err);
	if (r == 0)
		return 0;
	flags_refuse(s, cmd, r, err, s->sel.name);
	return -1;
}

/* The arguments after the set: [modifiers] item flags. */
struct store_args {
	const struct arg *mods;         /* NULL when there are none */
	const struct arg *item;
	struct arg flags;               /* a list, or the one bare flag */
};

/* Finds the parts of STORE's arguments. RFC 3501 9 lets the flags be a
 * list or bare flags, "(flag-list / (flag *(SP flag)))", so several bare
 * flags are gathered into one list. imapflow 1.x writes the modifiers
 * after the flag list, "UID STORE 8 +FLAGS (\Seen) (UNCHANGEDSINCE 41)",
 * where RFC 4466 2.5 has them before the item: a list after a flag list
 * can be nothing else, so it is taken as meant (refusing it fails every
 * conditional STORE of that client). Returns 0, or -1 when the shape
 * fits none of these. */
static int
store_args_split(const struct command *cmd, struct store_args *a)
{
	size_t i = 2, n = cmd->nargs;

	memset(a, 0, sizeof(*a));
	if (n < 3)
		return -1;
	if (cmd->args[1].type == ARG_LIST) {
		a->mods = &cmd->args[1];
		i = 3;
		if (n < 4)
			return -1;
	} else if (n == 4 && cmd->args[2].type == ARG_LIST &&
		   cmd->args[3].type == ARG_LIST) {
		a->mods = &cmd->args[3];
		n = 3;
	}
	a->item = &cmd->args[i - 1];
	if (n - i == 1) {
		a->flags = cmd->args[i];
		return 0;
	}
	for (size_t k = i; k < n; k++)
		if (cmd->args[k].type == ARG_LIST)
			return -1;
	a->flags.type = ARG_LIST;
	a->flags.list = &cmd->args[i];
	a->flags.count = n - i;
	return 0;
}

void
cmd_store(struct session *s, const struct command *cmd)
{
	struct store_req req;
	struct seqset set;
	const char *err = NULL;
	struct store_args a;
	const char *berr = NULL;
	int kw_before, expunged = 0, batch, r = 0;

	memset(&req, 0, sizeof(req));
	if (store_args_split(cmd, &a) < 0 ||
	    parse_item(a.item, &req) < 0 ||
	    (a.mods != NULL && parse_modifiers(a.mods, &req) < 0)) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Invalid arguments: "
			    "STORE wants a set, FLAGS, +FLAGS or -FLAGS "
			    "(.SILENT or not) and flags");
		return;
	}
	if (msgset_parse(s, &cmd->args[0], &set, &err) < 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", err);
		return;
	}
	/* Syntax first, without making keywords: BAD before NO. */
	if (parse_flags(s, cmd, &a.flags, &req, 0) < 0)
		return;
	if (s->sel.readonly) {
		resp_tagged(s->stream, cmd->tag, "NO", "[READ-ONLY] Mailbox is "
			    "read-only (EXAMINE); flags not changed.");
		return;
	}
	kw_before = flagnews_count(s);
	if (req.op != STORE_REMOVE &&
	    parse_flags(s, cmd, &a.flags, &req, 1) < 0)
		return;
	flagnews_announce(s, kw_before, 0);
	if (req.conditional)
		r = conditional_begin(s, &req, &err);
	/* Without CONDSTORE no answer names a MODSEQ, so the index may
	 * learn of the changes in one write at the end. */
	batch = !req.conditional && !session_enabled(s, SESSION_EXT_CONDSTORE);
	if (batch)
		folder_flags_batch_begin(s->sel.folder);
	for (size_t i = 0; i < set.n && r >= 0; i++)
		for (uint64_t seq = set.r[i].lo; seq <= set.r[i].hi; seq++) {
			r = store_one(s, &req, (uint32_t)seq, &err);
			if (r < 0)
				break;
			expunged |= r;
		}
	if (batch && folder_flags_batch_end(s->sel.folder,
					    r < 0 ? &berr : &err) < 0 && r >= 0)
		r = -1;
	if (req.conditional)
		conditional_end(s, &req);
	if (r == FOLDER_INUSE) {
		mboxwire_answer_inuse(s, cmd, s->sel.name, err);
	} else if (r < 0) {
		log_error("store: user=%s mailbox=%s: %s", s->user.name,
			  s->sel.name, err);
		resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Internal "
			    "error occurred. Refer to server log for more "
			    "information.");
	} else if (expunged) {
		/* RFC 7162 3.1.3 (example 11): MODIFIED may come with NO. */
		view_modseq_fence(s->sel.view, s->stream);
		resp_tagged(s->stream, cmd->tag, "NO", "[%s%s] Some of the "
			    "requested messages no longer exist.",
			    req.modified.len > 0 ? "MODIFIED " :
			    "EXPUNGEISSUED", buf_str(&req.modified));
	} else if (req.modified.len > 0) {
		session_ok(s, cmd, "[MODIFIED %s] Conditional store failed.",
			   buf_str(&req.modified));
	} else {
		session_ok(s, cmd, "Store completed.");
	}
	if (req.conditional)
		buf_free(&req.modified);
}
