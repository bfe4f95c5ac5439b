/* src/imap/cmd_copy.c — COPY and UID COPY (RFC 3501 6.4.7, 6.4.8).
 *
 * Each message is copied by folder_copy (a hard link where the file
 * system allows) with its flags and keywords (RFC 3501 6.4.7: they
 * SHOULD be preserved). Keywords are letters in file names, and each
 * folder has its own letters in its dovecot-keywords, so a keyword is
 * carried over by its name: the letter in the source is looked up in the
 * source's file and found, or added, in the destination's. The mapping
 * is worked out once per keyword per command, not per message. When the
 * destination has no letter left, the copy goes ahead without that
 * keyword and the log says so: losing a keyword is better than refusing
 * the mail.
 *
 * RFC 3501 6.4.7: "If the COPY command is unsuccessful for any reason,
 * server implementations MUST restore the destination mailbox to its
 * state before the COPY attempt." A COPY that fails part-way (over quota,
 * an I/O error, a message expunged meanwhile) therefore expunges the
 * copies it already made before it answers NO. An expunged source
 * message fails the whole COPY, as RFC 2180 4.4.1 suggests and Dovecot
 * does ("NO [EXPUNGEISSUED]").
 *
 * The new UIDs serve the rollback and COPYUID (RFC 4315 3): the source
 * UIDs in the order copied, paired one by one with the new ones. */
#include <string.h>

#include "imap/command.h"
#include "imap/dest.h"
#include "imap/flagnews.h"
#include "imap/mboxwire.h"
#include "imap/msgset.h"
#include "imap/response.h"
#include "imap/uidrun.h"
#include "imap/view.h"
#include "store/folder.h"
#include "store/keywords.h"
#include "util/log.h"

#define KW_UNMAPPED -2
#define KW_NONE     -1

struct copy {
	struct session *s;
	struct dest d;
	int kwmap[KEYWORDS_MAX];        /* source index -> dest index */
	uint32_t *uids;                 /* copies made so far */
	uint32_t *src_uids;             /* what each was copied from */
	size_t n;
	int move;                       /* MOVE: folder_move, not copy */
};

/* The destination's index for the source's keyword i, KW_NONE when it
 * has no name or no letter can be had. */
static int
map_keyword(struct copy *c, int i)
{
	const char *name, *err = NULL;
	int idx;

	if (c->kwmap[i] != KW_UNMAPPED)
		return c->kwmap[i];
	/* A letter without a name in the source has no meaning to carry. */
	name = keywords_name(c->s->sel.kw, i);
	idx = KW_NONE;
	if (name != NULL) {
		idx = keywords_index(c->d.kw, name);
		if (idx < 0)
			idx = keywords_add(c->d.kw, name, &err);
		if (idx < 0) {
			log_info("copy: user=%s mailbox=%s: keyword %s not "
				 "copied: %s", c->s->user.name, c->d.name, name,
				 err);
			idx = KW_NONE;
		}
	}
	c->kwmap[i] = idx;
	return idx;
}

static uint32_t
map_keywords(struct copy *c, uint32_t keywords)
{
	uint32_t out = 0;
	int idx;

	for (int i = 0; i < KEYWORDS_MAX; i++)
		if ((keywords & ((uint32_t)1 << i)) &&
		    (idx = map_keyword(c, i)) >= 0)
			out |= (uint32_t)1 << idx;
	return out;
}

/* Copies one message. Returns 0, 1 when it is gone, FOLDER_OVERQUOTA, or
 * -1 with *err_r. */
static int
copy_one(struct copy *c, uint32_t seq, const char **err_r)
{
	struct session *s = c->s;
	uint32_t uid = view_uid(s->sel.view, seq), new_uid = 0;
	const struct store_msg *m = folder_msg(s->sel.folder, uid);
	int r;

	if (view_is_expunged(s->sel.view, seq) || m == NULL)
		return 1;
	r = (c->move ? folder_move : folder_copy)(s->sel.folder, uid, c->d.f,
			m->flags, map_keywords(c, m->keywords), &new_uid,
			err_r);
	if (r == 0) {
		c->src_uids[c->n] = uid;
		c->uids[c->n++] = new_uid;
	}
	return r;
}

/* Takes back the copies made (RFC 3501 6.4.7). The destination must
 * sync first: folder_expunge knows only the messages of its list. */
static void
rollback(struct copy *c)
{
	const char *err = NULL;

	if (c->n == 0)
		return;
	if (folder_sync(c->d.f, NULL, &err) < 0) {
		log_error("copy: user=%s mailbox=%s: cannot take back %zu "
			  "copies: %s", c->s->user.name, c->d.name, c->n, err);
		return;
	}
	for (size_t i = 0; i < c->n; i++)
		if (folder_expunge(c->d.f, c->uids[i], &err) < 0)
			log_error("copy: user=%s mailbox=%s: cannot take back "
				  "UID %u: %s", c->s->user.name, c->d.name,
				  c->uids[i], err);
}

static size_t
set_count(const struct seqset *set)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++)
		n += (size_t)set->r[i].hi - set->r[i].lo + 1;
	return n;
}

/* Runs the copies. Returns 0, or the first failure as copy_one. */
static int
copy_all(struct copy *c, const struct seqset *set, const char **err_r)
{
	int r;

	for (size_t i = 0; i < set->n; i++)
		for (uint64_t seq = set->r[i].lo; seq <= set->r[i].hi; seq++)
			if ((r = copy_one(c, (uint32_t)seq, err_r)) != 0)
				return r;
	return 0;
}

static void
answer_failure(struct copy *c, const struct command *cmd, int r,
	       const char *err)
{
	struct session *s = c->s;

	if (r == FOLDER_OVERQUOTA)
		resp_tagged(s->stream, cmd->tag, "NO", "[OVERQUOTA] %s", err);
	else if (r == FOLDER_INUSE)
		mboxwire_answer_inuse(s, cmd, c->d.name, err);
	else if (r == 1)
		resp_tagged(s->stream, cmd->tag, "NO", "[EXPUNGEISSUED] Some "
			    "of the requested messages no longer exist.");
	else
		dest_fail(s, cmd, &c->d, "copy", err);
}

void
cmd_copy(struct session *s, const struct command *cmd)
{
	struct copy c = { .s = s };
	struct seqset set;
	const char *err = NULL;
	uint32_t uidvalidity;
	int kw_before, r;

	if (cmd->nargs != 2) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Invalid arguments: "
			    "COPY wants a set and a mailbox");
		return;
	}
	if (msgset_parse(s, &cmd->args[0], &set, &err) < 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", err);
		return;
	}
	if (dest_open(s, cmd, &cmd->args[1], &c.d) < 0)
		return;
	if (set.n == 0) {
		dest_close(&c.d);
		session_ok(s, cmd, "No messages found.");
		return;
	}
	for (int i = 0; i < KEYWORDS_MAX; i++)
		c.kwmap[i] = KW_UNMAPPED;
	c.uids = arena_alloc(s->arena, set_count(&set) * sizeof(*c.uids));
	c.src_uids = arena_alloc(s->arena, set_count(&set) *
				 sizeof(*c.src_uids));
	kw_before = flagnews_count(s);
	r = copy_all(&c, &set, &err);
	if (r != 0) {
		rollback(&c);
		answer_failure(&c, cmd, r, err);
		dest_close(&c.d);
		return;
	}
	uidvalidity = folder_uidvalidity(c.d.f);
	dest_close(&c.d);
	/* Copied into the selected mailbox with a keyword it lacked. */
	flagnews_announce(s, kw_before, 1);
	session_ok(s, cmd, "[COPYUID %u %s %s] Copy completed.", uidvalidity,
		   uidrun_format(s->arena, c.src_uids, c.n),
		   uidrun_format(s->arena, c.uids, c.n));
}

/* MOVE and UID MOVE (RFC 6851).
 *
 * Each message is moved by one rename into the destination (folder_move:
 * at no moment is it in both folders or in neither, for any reader of
 * the Maildir, so no client can see an intermediate state; RFC 6851 3.3
 * wants the effect of COPY, STORE \Deleted and UID EXPUNGE without
 * their intermediate states). The \Deleted flag is never set and no
 * FETCH for a STORE is sent.
 *
 * RFC 6851 3.3: "each individual message SHOULD either be moved or
 * unaffected", also when the command answers NO. Messages the client
 * knows to be expunged make the whole command fail before anything is
 * moved (NO [EXPUNGEISSUED], as COPY). A failure part-way (an I/O error,
 * the quota of a destination outside the quota) stops the command: what
 * was moved stays moved (that is the "moved or unaffected" RFC 6851
 * allows, and undoing it would be one more chance to fail), the rest
 * stays where it was, and the client hears of both: COPYUID and EXPUNGE
 * for what moved, then NO.
 *
 * RFC 6851 4.3: COPYUID goes in an untagged OK before the EXPUNGEs, so
 * the client learns the new UIDs before it forgets the old messages.
 * The EXPUNGEs come from the view's sync in session_ok like any other
 * expunge, so a session that enabled QRESYNC gets VANISHED (RFC 6851
 * 4.4) from the same place. Moving into the selected mailbox itself is
 * allowed (RFC 6851 3.3): the client sees EXPUNGE for the old numbers
 * and EXISTS for the new ones. */
void
cmd_move(struct session *s, const struct command *cmd)
{
	struct copy c = { .s = s, .move = 1 };
	struct seqset set;
	const char *err = NULL;
	uint32_t uidvalidity;
	int kw_before, r;

	if (cmd->nargs != 2) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Invalid arguments: "
			    "MOVE wants a set and a mailbox");
		return;
	}
	if (msgset_parse(s, &cmd->args[0], &set, &err) < 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", err);
		return;
	}
	/* RFC 6851 3.3 has the effect of STORE and EXPUNGE: not in a
	 * mailbox opened with EXAMINE (RFC 3501 6.3.2). */
	if (s->sel.readonly) {
		resp_tagged(s->stream, cmd->tag, "NO", "[READ-ONLY] Mailbox "
			    "is read-only.");
		return;
	}
	if (dest_open(s, cmd, &cmd->args[1], &c.d) < 0)
		return;
	if (set.n == 0) {
		dest_close(&c.d);
		session_ok(s, cmd, "No messages found.");
		return;
	}
	for (size_t i = 0; i < set.n; i++)
		for (uint64_t seq = set.r[i].lo; seq <= set.r[i].hi; seq++)
			if (view_is_expunged(s->sel.view, (uint32_t)seq) ||
			    folder_msg(s->sel.folder, view_uid(s->sel.view,
				       (uint32_t)seq)) == NULL) {
				dest_close(&c.d);
				answer_failure(&c, cmd, 1, NULL);
				return;
			}
	for (int i = 0; i < KEYWORDS_MAX; i++)
		c.kwmap[i] = KW_UNMAPPED;
	c.uids = arena_alloc(s->arena, set_count(&set) * sizeof(*c.uids));
	c.src_uids = arena_alloc(s->arena, set_count(&set) *
				 sizeof(*c.src_uids));
	kw_before = flagnews_count(s);
	r = copy_all(&c, &set, &err);
	uidvalidity = folder_uidvalidity(c.d.f);
	if (c.n > 0) {
		flagnews_announce(s, kw_before, 1);
		resp_untagged(s->stream, "OK [COPYUID %u %s %s] Moved UIDs.",
			      uidvalidity,
			      uidrun_format(s->arena, c.src_uids, c.n),
			      uidrun_format(s->arena, c.uids, c.n));
	}
	if (r == 0) {
		dest_close(&c.d);
		session_ok(s, cmd, "Move completed.");
		return;
	}
	if (c.n > 0)
		log_error("move: user=%s mailbox=%s: stopped after %zu of "
			  "%zu messages", s->user.name, c.d.name, c.n,
			  set_count(&set));
	/* What moved is expunged here: the client hears so before NO. */
	if (session_announce(s, 1, s->uid_command) == 0)
		answer_failure(&c, cmd, r, err);
	dest_close(&c.d);
}
