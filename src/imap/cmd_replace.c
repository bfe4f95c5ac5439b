/* src/imap/cmd_replace.c — REPLACE and UID REPLACE (RFC 8508).
 *
 *     REPLACE seq-number mailbox append-message
 *     UID REPLACE uid mailbox append-message
 *
 * RFC 8508 3.4: the effect of APPEND, [UID] STORE +FLAGS.SILENT \Deleted
 * and UID EXPUNGE of that one message, without the intermediate states:
 * no FETCH for the STORE, no other \Deleted message expunged, and "any
 * untagged EXPUNGE response MUST NOT be sent until all actions are
 * successfully completed". So the message to replace is checked first
 * (it must be one the client knows and not expunged meanwhile; the
 * mailbox must be read-write, or the EXPUNGE could not happen), then the
 * new message is added by APPEND's own code (imap/append.h; a NO or BAD
 * from there leaves the old message alone), and only then is the old
 * one expunged. The answer follows 4.3's advice: APPENDUID in an
 * untagged OK before the EXPUNGE, then the tagged OK, before which
 * session_ok announces EXISTS (when the target is the selected mailbox)
 * and the EXPUNGE.
 *
 * Quota (3.4): "the quota implications of APPEND are evaluated within
 * the context of the pending EXPUNGE so that only the net quota
 * consumption is considered". The Maildir++ quota has one root for all
 * folders, so while the new message is committed, the quota check counts
 * it less the old one's size and count (quota_set_credit); nothing is
 * written for that, and the expunge then takes the old message off
 * maildirsize as any expunge does. A message in .Trash does not count
 * (store/quota.h) and gives no credit.
 *
 * The literal goes to the session's file like APPEND's (session.c asks
 * replace_literal_wanted), so a large draft is not held in memory. */
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/append.h"
#include "imap/command.h"
#include "imap/response.h"
#include "imap/view.h"
#include "store/folder.h"
#include "store/quota.h"
#include "util/log.h"

struct replace {
	uint32_t uid;           /* the message to replace */
	int64_t credit;         /* its bytes, when the quota counts them */
};

int
replace_literal_wanted(const struct command *cmd)
{
	if (cmd->name == NULL)
		return 0;
	/* The literal after the message id and the mailbox. */
	if (strcmp(cmd->name, "REPLACE") == 0)
		return cmd->nargs >= 2;
	return strcmp(cmd->name, "UID") == 0 && cmd->nargs >= 3 &&
		cmd->args[0].type == ARG_ATOM &&
		strcasecmp((const char *)cmd->args[0].data, "REPLACE") == 0;
}

/* Reads seq-number or uid (RFC 3501 9: nz-number / "*"). Returns the
 * number (0xffffffff for "*"), or 0. */
static uint32_t
message_id(const struct arg *a)
{
	uint64_t v = 0;

	if (a->type != ARG_ATOM || a->len == 0)
		return 0;
	if (a->len == 1 && a->data[0] == '*')
		return UINT32_MAX;
	if (a->data[0] == '0' || a->len > 10)
		return 0;
	for (size_t i = 0; i < a->len; i++) {
		if (a->data[i] < '0' || a->data[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(a->data[i] - '0');
	}
	return v <= UINT32_MAX ? (uint32_t)v : 0;
}

/* The UID of the message to replace. Returns it, or 0 after answering. */
static uint32_t
find_message(struct session *s, const struct command *cmd)
{
	struct view *v = s->sel.view;
	uint32_t id = message_id(&cmd->args[0]), exists = view_exists(v);
	uint32_t seq, uid;

	if (id == 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Invalid %s",
			    s->uid_command ? "UID" : "message sequence number");
		return 0;
	}
	if (s->uid_command) {
		uid = id == UINT32_MAX ? view_uid(v, exists) : id;
		seq = uid != 0 ? view_seq(v, uid) : 0;
	} else {
		/* RFC 9051 6.4: a sequence number beyond EXISTS is an
		 * invalid argument. */
		seq = id == UINT32_MAX ? exists : id;
		if (seq == 0 || seq > exists) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Invalid "
				    "message sequence number");
			return 0;
		}
		uid = view_uid(v, seq);
	}
	if (seq == 0) {
		resp_tagged(s->stream, cmd->tag, "NO", "[NONEXISTENT] Message "
			    "to replace doesn't exist.");
		return 0;
	}
	if (view_is_expunged(v, seq) ||
	    folder_msg(s->sel.folder, uid) == NULL) {
		resp_tagged(s->stream, cmd->tag, "NO", "[EXPUNGEISSUED] "
			    "Message to replace no longer exists.");
		return 0;
	}
	return uid;
}

/* The bytes the old message counts for in the quota, 0 when none. */
static int64_t
quota_size(struct session *s, uint32_t uid)
{
	const struct store_msg *m = folder_msg(s->sel.folder, uid);
	const char *dir = folder_dir(s->sel.folder), *base, *err = NULL;
	struct stat st;
	int fd, gone = 0;

	base = strrchr(dir, '/');
	if (m == NULL || !quota_folder_counted(base != NULL ? base + 1 : dir))
		return 0;
	if (m->size >= 0)
		return m->size;
	fd = folder_msg_open(s->sel.folder, uid, &gone, &err);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		st.st_size = 0;
	close(fd);
	return st.st_size;
}

/* After APPEND's part: the untagged APPENDUID, the expunge, the OK. */
static void
replaced(struct session *s, const struct command *cmd, uint32_t uidvalidity,
	 const uint32_t *uids, size_t n, void *ctx)
{
	struct replace *r = ctx;
	const char *err = NULL;

	(void)n;
	quota_set_credit(0, 0);
	/* RFC 8508 4.3: APPENDUID "in an untagged OK before sending the
	 * EXPUNGE". */
	resp_untagged(s->stream, "OK [APPENDUID %u %u] Replacement Message "
		      "ready", uidvalidity, uids[0]);
	if (folder_expunge(s->sel.folder, r->uid, &err) < 0) {
		log_error("replace: user=%s mailbox=%s uid=%u: %s",
			  s->user.name, s->sel.name, r->uid, err);
		resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] The new "
			    "message was added, but the old one could not be "
			    "removed. Refer to server log for more "
			    "information.");
		return;
	}
	session_ok(s, cmd, "Replace completed.");
}

void
cmd_replace(struct session *s, const struct command *cmd)
{
	struct replace r = { 0 };
	struct command sub;
	size_t literals = 0;

	if (cmd->nargs < 3) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Invalid arguments: "
			    "REPLACE wants a message, a mailbox and a message "
			    "literal");
		return;
	}
	/* RFC 8508 4.7: one message, never MULTIAPPEND's several; the
	 * rest of append-message (a literal, or CATENATE's list, 4.2) is
	 * APPEND's to check. */
	for (size_t i = 2; i < cmd->nargs; i++)
		literals += cmd->args[i].type == ARG_LITERAL ||
			(cmd->args[i].type == ARG_ATOM &&
			 strcasecmp((const char *)cmd->args[i].data,
				    "CATENATE") == 0);
	if (literals != 1) {
		resp_tagged(s->stream, cmd->tag, "BAD", "REPLACE takes one "
			    "message");
		return;
	}
	if ((r.uid = find_message(s, cmd)) == 0)
		return;
	if (s->sel.readonly) {
		resp_tagged(s->stream, cmd->tag, "NO", "[READ-ONLY] Mailbox is "
			    "read-only: the message cannot be replaced.");
		return;
	}
	sub = *cmd;
	sub.args = cmd->args + 1;
	sub.nargs = cmd->nargs - 1;
	r.credit = quota_size(s, r.uid);
	if (r.credit > 0)
		quota_set_credit(r.credit, 1);
	append_run(s, &sub, replaced, &r);
	quota_set_credit(0, 0);
}
