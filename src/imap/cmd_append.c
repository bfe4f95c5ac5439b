/* src/imap/cmd_append.c — APPEND (RFC 3501 6.3.11), with MULTIAPPEND
 * (RFC 3502) and binary literals (RFC 3516 4.4).
 *
 *     APPEND mailbox 1*([flag-list] [date-time] (literal / literal8))
 *
 * A message may also be CATENATE's list of TEXT literals and URLs (RFC
 * 4469, imap/catenate.h): it is written into its tmp/ file like any
 * other, and fails, with NO [BADURL] or [TOOBIG], before any commit.
 *
 * MULTIAPPEND is all or nothing (RFC 3502 6.3.11: "If the server fails
 * to append any message, none of the messages are appended"). Every
 * message is first written whole into a tmp/ file of the destination;
 * only when all of them are there are they committed, one after another.
 * A commit that fails (over quota, a link that fails) expunges the
 * messages committed before it and removes the rest from tmp/: the
 * answer is NO and the mailbox is as it was, but for UIDs used up,
 * which are never given again. A session selected on the destination may
 * see the first messages and their expunge in between; that is the
 * store's best (Maildir has no transaction over several files), and it
 * can only happen when a commit fails, which the checks before (syntax,
 * flags, empty messages, writing into tmp/) make rare.
 *
 * APPENDUID names the UIDs of all the messages as a set, in the order
 * they came (RFC 4315 3, for MULTIAPPEND). A literal8 ~{n} (RFC 3516
 * 4.4) is stored as it came, NULs and all: the server "MAY" change its
 * content-transfer-encoding, and skua does not.
 *
 * Everything but the destination is checked first, so that a syntax error
 * (a bad flag, a date-time that is not RFC 3501 9's "dd-Mon-yyyy
 * hh:mm:ss +zzzz") answers BAD and a missing mailbox NO [TRYCREATE], in
 * Dovecot 2.3's words. Keywords new to the destination are added to its
 * dovecot-keywords (NO [LIMIT] when its 26 letters are taken). An empty
 * message is refused as Dovecot refuses it: a zero-byte file is no
 * message at all to the next Maildir reader.
 *
 * The message goes into a new file in the folder's tmp/, and
 * folder_append_commit fsyncs it, sets its mtime to the internal date
 * (the date-time given, else now), checks the Maildir++ quota and links
 * it into cur/ with its flags: it appears whole or not at all. Over quota
 * it is removed and the answer is NO [OVERQUOTA] (RFC 5530 3).
 *
 * The literal does not arrive in memory: the session has the parser sink
 * it into an unlinked file in the Maildir's tmp/ as it comes (session.c,
 * bounded by max_sunk_literal), and we copy that file into the new one.
 * Only when no such file could be made is the literal in memory, bounded
 * by the parser's literal limit, and written from there. The literals of
 * one command share the file, one after another (session.c), so a
 * message's literal is at the sum of the sizes of the sunk literals
 * before it. When the
 * destination is the selected mailbox the new message is announced by
 * the sync in session_ok (EXISTS, RECENT), like anyone else's delivery. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "imap/command.h"
#include "imap/append.h"
#include "imap/append_utf8.h"
#include "imap/catenate.h"
#include "imap/dest.h"
#include "imap/flagnews.h"
#include "imap/flags.h"
#include "imap/mboxwire.h"
#include "imap/response.h"
#include "imap/uidrun.h"
#include "mail/date.h"
#include "store/folder.h"
#include "util/fdio.h"
#include "util/log.h"
#include "util/xalloc.h"

/* RFC 3502 sets no number; this bounds the memory per command (the
 * parser's max_args bounds it too). */
#define APPEND_MAX_MESSAGES 1000

struct append_msg {
	const struct arg *flags;        /* NULL when not given */
	const struct arg *literal;
	const struct arg *catenate;     /* CATENATE's parts, or NULL */
	off_t offset;                   /* of a sunk literal in the file */
	time_t date;
	unsigned sflags;
	uint32_t keywords;
	struct folder_append *a;        /* written, not yet committed */
};

struct append_req {
	const struct arg *mailbox;
	struct append_msg *msgs;
	size_t n;
};

/* Reads the arguments: the mailbox, then for each message an optional
 * flag list, an optional date-time and the literal. Returns 0, or -1
 * with *err_r fit for BAD. */
static int
parse_args(struct session *s, const struct command *cmd,
	   struct append_req *req, const char **err_r)
{
	size_t i = 1, nlit = 0, used;
	off_t offset = 0;
	int tz, cat;

	*err_r = "Invalid arguments";
	if (cmd->nargs < 2 ||
	    (cmd->args[cmd->nargs - 1].type != ARG_LITERAL &&
	     cmd->args[cmd->nargs - 1].type != ARG_LIST))
		return -1;
	/* A message is a literal, or the list after the atom UTF8 (RFC
	 * 6855 4) or CATENATE (RFC 4469 5): after the mailbox, atoms are
	 * nothing else, so counting them counts those messages. */
	for (size_t k = 1; k < cmd->nargs; k++)
		nlit += cmd->args[k].type == ARG_LITERAL ||
			cmd->args[k].type == ARG_ATOM;
	if (nlit > APPEND_MAX_MESSAGES) {
		*err_r = "Too many messages in one APPEND";
		return -1;
	}
	req->mailbox = &cmd->args[0];
	req->msgs = arena_zalloc(s->arena, nlit * sizeof(*req->msgs));
	req->n = 0;
	while (i < cmd->nargs) {
		struct append_msg *m = &req->msgs[req->n];

		m->date = time(NULL);
		if (cmd->args[i].type == ARG_LIST)
			m->flags = &cmd->args[i++];
		if (i < cmd->nargs && cmd->args[i].type == ARG_QUOTED) {
			if (date_parse_imap((const char *)cmd->args[i].data,
					    &m->date, &tz) < 0) {
				*err_r = "Invalid internal date.";
				return -1;
			}
			i++;
		}
		/* RFC 4469 5: "CATENATE" SP "(" cat-part ... ")". */
		if ((cat = catenate_args(&cmd->args[i], cmd->nargs - i,
					 &m->catenate, err_r)) != 0) {
			if (cat < 0)
				return -1;
			i += 2;
			m->offset = offset;
			offset += catenate_sunk(m->catenate);
			req->n++;
			continue;
		}
		if (i < cmd->nargs &&
		    (m->literal = append_utf8_literal(&cmd->args[i],
						      cmd->nargs - i, &used,
						      err_r)) != NULL)
			i += used;
		else if (i >= cmd->nargs || cmd->args[i].type != ARG_LITERAL)
			return -1;
		else
			m->literal = &cmd->args[i++];
		if (m->literal->sunk) {
			m->offset = offset;
			offset += (off_t)m->literal->len;
		}
		req->n++;
	}
	return 0;
}


/* Copies n bytes at off of the file src into dst. */
static int
copy_fd(int src, off_t off, int dst, size_t n)
{
	unsigned char buf[65536];

	while (n > 0) {
		ssize_t r = pread(src, buf, n < sizeof(buf) ? n : sizeof(buf),
				  off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || fd_write_all(dst, buf, (size_t)r) < 0)
			return -1;
		off += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Writes the literal, from memory or from the session's file, to fd.
 * Returns 0, FOLDER_OVERQUOTA when the disk is full, or -1, with *err_r
 * set. */
static int
write_message(struct session *s, const struct append_msg *m, int fd,
	      const char **err_r)
{
	int src, e, r;
	uint64_t size;

	if (m->catenate != NULL) {
		r = catenate_write(s, m->catenate, m->offset, fd, &size, err_r);
		if (r == 0 && size == 0) {      /* as for a {0} below */
			*err_r = "Can't save a zero byte message.";
			r = CATENATE_NO;
		}
		return r;
	}
	*err_r = "cannot write the message into tmp/";
	if (!m->literal->sunk) {
		r = fd_write_all(fd, m->literal->data, m->literal->len);
	} else if ((src = session_literal_fd(s, &e)) < 0) {
		if (e != 0)
			*err_r = arena_printf(s->arena, "cannot store the "
					      "message in tmp/: %s",
					      strerror(e));
		errno = e;
		r = -1;
	} else {
		r = copy_fd(src, m->offset, fd, m->literal->len);
	}
	if (r < 0 && (errno == ENOSPC || errno == EDQUOT)) {
		*err_r = "Not enough disk space";
		return FOLDER_OVERQUOTA;
	}
	return r;
}

/* Parses each message's flags against d's keywords. Returns 0, or -1
 * after answering. */
static int
dest_flags(struct session *s, const struct command *cmd, struct dest *d,
	   struct append_req *req)
{
	const char *err = NULL;
	int r = 0;

	for (size_t i = 0; i < req->n && r == 0; i++) {
		struct append_msg *m = &req->msgs[i];

		if (m->flags != NULL)
			r = flags_parse(m->flags, d->kw, 1, &m->sflags,
					&m->keywords, &err);
	}
	if (r == 0)
		return 0;
	flags_refuse(s, cmd, r, err, d->name);
	return -1;
}

static void
abort_all(struct append_req *req)
{
	for (size_t i = 0; i < req->n; i++)
		folder_append_abort(&req->msgs[i].a);
}

/* Takes back the first n committed messages (RFC 3502: none is kept). */
static void
take_back(struct session *s, struct dest *d, const uint32_t *uids, size_t n)
{
	const char *err = NULL;

	if (n == 0)
		return;
	if (folder_sync(d->f, NULL, &err) < 0) {
		log_error("append: user=%s mailbox=%s: cannot take back %zu "
			  "messages: %s", s->user.name, d->name, n, err);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (folder_expunge(d->f, uids[i], &err) < 0)
			log_error("append: user=%s mailbox=%s: cannot take "
				  "back UID %u: %s", s->user.name, d->name,
				  uids[i], err);
}

/* Readies one message for the commit. A lone literal that fills the
 * session's unnamed file by itself is that file: the store links it into
 * the folder (one inode made per APPEND, no copy); anything else is
 * written into a new file of the folder's tmp/. */
static int
begin_message(struct session *s, struct dest *d, struct append_req *req,
	      struct append_msg *m, const char **err_r)
{
	struct stat st;
	int fd, e, r;

	if (req->n == 1 && m->catenate == NULL && m->literal->sunk &&
	    m->offset == 0 && (fd = session_literal_fd(s, &e)) >= 0 &&
	    fstat(fd, &st) == 0 && (uint64_t)st.st_size == m->literal->len)
		return folder_append_adopt(d->f, fd, &m->a, err_r);
	if ((r = folder_append_begin(d->f, &m->a, &fd, err_r)) < 0)
		return r;
	return write_message(s, m, fd, err_r);
}

/* Writes every message into tmp/, then commits them all. Returns 0 with
 * uids filled, FOLDER_OVERQUOTA, FOLDER_INUSE or -1 with *err_r; on
 * failure nothing is left in the mailbox. */
static int
save_all(struct session *s, struct dest *d, struct append_req *req,
	 uint32_t *uids, const char **err_r)
{
	int r = 0;
	size_t i;

	for (i = 0; i < req->n; i++) {
		struct append_msg *m = &req->msgs[i];

		if ((r = begin_message(s, d, req, m, err_r)) < 0) {
			abort_all(req);
			return r;
		}
	}
	for (i = 0; i < req->n && r == 0; i++) {
		struct append_msg *m = &req->msgs[i];

		r = folder_append_commit(&m->a, m->sflags, m->keywords,
					 m->date, &uids[i], err_r);
	}
	if (r != 0) {
		abort_all(req);
		take_back(s, d, uids, i - 1);
	}
	return r;
}

/* Group commit of pipelined APPENDs.
 *
 * A client that uploads a folder sends APPEND after APPEND without
 * waiting (LITERAL+, RFC 7888). Each message must be on disk before its
 * OK: its file fsynced before the link into cur/, then cur/ itself and
 * the uidlist line synced. Those last two syncs cover the whole folder,
 * so a run of APPENDs into one mailbox shares them: each message is
 * staged (fsynced and linked, folder_append_stage) and its tagged OK
 * waits; append_settle syncs cur/ and the uidlist once for the run and
 * then answers every command of it, in order. The session settles
 * before it would wait for input (the client may be waiting for the
 * answers), before any other command and any other answer, and at the
 * end. A kill before that leaves staged messages in cur/ unnumbered and
 * unanswered: the next sync numbers them, as any delivery.
 *
 * Only the plain case is batched: one message, no CATENATE, no keyword
 * (a new one would have to be announced), not REPLACE, no NOTIFY, and a
 * stream that can say whether input is waiting. */
#define APPEND_BATCH_MAX 128

struct append_batch {
	char *name;             /* the mailbox, as the client named it */
	struct dest d;
	int kw_before;          /* flagnews_count when the run began */
	char **tags;            /* of the commands waiting for their OK */
	size_t n;
};

static int
has_keyword(const struct arg *flags)
{
	if (flags == NULL)
		return 0;
	if (flags->type != ARG_LIST)
		return flags->data != NULL && flags->data[0] != '\\';
	for (size_t i = 0; i < flags->count; i++)
		if (has_keyword(&flags->list[i]))
			return 1;
	return 0;
}

static int
batchable(const struct session *s, const struct append_req *req,
	  append_done_fn *done)
{
	const struct append_msg *m = &req->msgs[0];

	return done == NULL && req->n == 1 && m->catenate == NULL &&
	       m->literal->len > 0 && !has_keyword(m->flags) &&
	       req->mailbox->type != ARG_LIST && req->mailbox->data != NULL &&
	       s->notify == NULL && s->stream->ops->wait != NULL;
}

/* Logs a store failure r that is the server's, not the user's. */
static void
failure_log(struct session *s, const char *name, int r, const char *err)
{
	if (r != FOLDER_INUSE && r != FOLDER_OVERQUOTA)
		log_error("append: user=%s mailbox=%s: %s", s->user.name,
			  name, err);
}

/* The NO for a store failure r (logged already by failure_log). */
static void
refuse(struct session *s, const struct command *cmd, const char *name, int r,
       const char *err)
{
	if (r == FOLDER_INUSE)
		mboxwire_answer_inuse(s, cmd, name, err);
	else if (r == FOLDER_OVERQUOTA)         /* the disk is full */
		resp_tagged(s->stream, cmd->tag, "NO", "[OVERQUOTA] %s", err);
	else
		resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Internal "
			    "error occurred. Refer to server log for more "
			    "information.");
}

void
append_settle(struct session *s)
{
	struct append_batch *b = s->abatch;
	struct command c = { NULL, "APPEND", NULL, 0 };
	const char *err = NULL;
	uint32_t *uids, uidvalidity;
	int r, announced;

	if (b == NULL)
		return;
	s->abatch = NULL;
	uids = xcalloc(b->n + 1, sizeof(*uids));
	r = folder_append_settle(b->d.f, uids, &err);
	uidvalidity = folder_uidvalidity(b->d.f);
	dest_close(&b->d);
	if (r < 0)
		failure_log(s, b->name, r, err);
	announced = 0;
	for (size_t i = 0; i < b->n; i++) {
		c.tag = b->tags[i];
		if (r < 0) {
			refuse(s, &c, b->name, r, err);
		} else {
			/* as session_ok: what changed first, once */
			if (!announced) {
				flagnews_announce(s, b->kw_before, 1);
				if (session_announce(s, 1, 0) < 0)
					break;
				announced = 1;
			}
			resp_tagged(s->stream, c.tag, "OK", "[APPENDUID %u %u] "
				    "Append completed.", uidvalidity, uids[i]);
		}
	}
	for (size_t i = 0; i < b->n; i++)
		free(b->tags[i]);
	free(b->tags);
	free(b->name);
	free(b);
	free(uids);
}

/* Answers a staged APPEND's failure r, after the OKs owed before it. */
static void
batch_refuse(struct session *s, const struct command *cmd, int r,
	     const char *name, const char *err)
{
	append_settle(s);
	failure_log(s, name, r, err);
	refuse(s, cmd, name, r, err);
}

/* APPEND of one message into the run of s->abatch, which it opens when
 * there is none for this mailbox. */
static void
append_staged(struct session *s, const struct command *cmd,
	      struct append_req *req)
{
	struct append_batch *b = s->abatch;
	struct append_msg *m = &req->msgs[0];
	const char *name = (const char *)req->mailbox->data;
	const char *err = NULL;
	int r;

	if (b != NULL && (strcmp(b->name, name) != 0 ||
			  b->n == APPEND_BATCH_MAX)) {
		append_settle(s);
		b = NULL;
	}
	if (b == NULL) {
		b = xcalloc(1, sizeof(*b));
		b->kw_before = flagnews_count(s);
		if (dest_open(s, cmd, req->mailbox, &b->d) < 0) {
			free(b);
			return;
		}
		b->name = xstrdup(name);
		b->d.name = b->name;
		b->d.dir = NULL;        /* in the arena */
		b->tags = xcalloc(APPEND_BATCH_MAX, sizeof(*b->tags));
		s->abatch = b;
	}
	m->keywords = 0;
	if (m->flags != NULL)   /* append_run has parsed them once: no error */
		(void)flags_parse(m->flags, NULL, 0, &m->sflags, &m->keywords,
				  &err);
	r = begin_message(s, &b->d, req, m, &err);
	if (r == 0)
		r = folder_append_stage(&m->a, m->sflags, 0, m->date, &err);
	if (r != 0) {
		folder_append_abort(&m->a);
		batch_refuse(s, cmd, r, name, err);
		return;
	}
	b->tags[b->n++] = xstrdup(cmd->tag);
}

void
cmd_append(struct session *s, const struct command *cmd)
{
	append_run(s, cmd, NULL, NULL);
}

/* APPEND, and REPLACE's APPEND part (imap/append.h). */
void
append_run(struct session *s, const struct command *cmd,
	   append_done_fn *done, void *ctx)
{
	struct append_req req;
	struct dest d;
	const char *err = NULL;
	uint32_t *uids, uidvalidity;
	unsigned flags;
	uint32_t keywords;
	int kw_before, r;

	if (parse_args(s, cmd, &req, &err) < 0) {
		append_settle(s);       /* the OKs owed come first */
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", err);
		return;
	}
	for (size_t i = 0; i < req.n; i++)
		if (req.msgs[i].flags != NULL &&
		    flags_parse(req.msgs[i].flags, NULL, 0, &flags, &keywords,
				&err) < 0) {
			append_settle(s);
			resp_tagged(s->stream, cmd->tag, "BAD", "%s", err);
			return;
		}
	/* RFC 6855 4: 8-bit header fields only after ENABLE UTF8=ACCEPT. */
	for (size_t i = 0; i < req.n && append_8bit_refused(s); i++)
		if (req.msgs[i].literal != NULL &&
		    append_header_8bit(s, req.msgs[i].literal,
				       req.msgs[i].offset)) {
			append_settle(s);
			resp_tagged(s->stream, cmd->tag, "NO", "Message has "
				    "8-bit header fields; ENABLE UTF8=ACCEPT "
				    "first (RFC 6855 4)");
			return;
		}
	if (batchable(s, &req, done)) {
		append_staged(s, cmd, &req);
		return;
	}
	append_settle(s);       /* the OKs owed come first */
	if (dest_open(s, cmd, req.mailbox, &d) < 0)
		return;
	for (size_t i = 0; i < req.n; i++)
		if (req.msgs[i].literal != NULL &&
		    req.msgs[i].literal->len == 0) {
			dest_close(&d);
			resp_tagged(s->stream, cmd->tag, "NO", "Can't save a "
				    "zero byte message.");
			return;
		}
	kw_before = flagnews_count(s);
	if (dest_flags(s, cmd, &d, &req) < 0) {
		dest_close(&d);
		return;
	}
	uids = arena_zalloc(s->arena, req.n * sizeof(*uids));
	r = save_all(s, &d, &req, uids, &err);
	uidvalidity = folder_uidvalidity(d.f);
	if (r == CATENATE_NO || r == CATENATE_BAD) {        /* RFC 4469 4 */
		resp_tagged(s->stream, cmd->tag, r == CATENATE_NO ? "NO" :
			    "BAD", "%s", err);
	} else if (r < 0) {
		failure_log(s, d.name, r, err);
		refuse(s, cmd, d.name, r, err);
	}
	dest_close(&d);
	if (r != 0)
		return;
	flagnews_announce(s, kw_before, 1);
	if (done != NULL) {             /* REPLACE answers (cmd_replace.c) */
		done(s, cmd, uidvalidity, uids, req.n, ctx);
		return;
	}
	/* RFC 4315 3: the UIDs the messages got, for the client's cache. */
	session_ok(s, cmd, "[APPENDUID %u %s] Append completed.", uidvalidity,
		   uidrun_format(s->arena, uids, req.n));
}
