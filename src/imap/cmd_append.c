/* src/imap/cmd_append.c — APPEND (RFC 3501 6.3.11).
 *
 *     APPEND mailbox [flag-list] [date-time] literal
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
 * by the parser's literal limit, and written from there. When the
 * destination is the selected mailbox the new message is announced by
 * the sync in session_ok (EXISTS, RECENT), like anyone else's delivery. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imap/command.h"
#include "imap/dest.h"
#include "imap/flagnews.h"
#include "imap/flags.h"
#include "imap/response.h"
#include "mail/date.h"
#include "store/folder.h"
#include "util/log.h"

struct append_req {
	const struct arg *mailbox;
	const struct arg *flags;        /* NULL when not given */
	const struct arg *literal;
	time_t date;
};

/* Reads the arguments. Returns 0, or -1 with *err_r fit for BAD. */
static int
parse_args(const struct command *cmd, struct append_req *req,
	   const char **err_r)
{
	size_t i = 1;
	int tz;

	*err_r = "Invalid arguments";
	if (cmd->nargs < 2 || cmd->nargs > 4 ||
	    cmd->args[cmd->nargs - 1].type != ARG_LITERAL)
		return -1;
	req->mailbox = &cmd->args[0];
	req->literal = &cmd->args[cmd->nargs - 1];
	req->flags = NULL;
	req->date = time(NULL);
	if (i < cmd->nargs - 1 && cmd->args[i].type == ARG_LIST)
		req->flags = &cmd->args[i++];
	if (i < cmd->nargs - 1) {
		if (cmd->args[i].type != ARG_QUOTED ||
		    date_parse_imap((const char *)cmd->args[i].data,
				    &req->date, &tz) < 0) {
			*err_r = "Invalid internal date.";
			return -1;
		}
		i++;
	}
	return i == cmd->nargs - 1 ? 0 : -1;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies the first n bytes of the file src into dst. */
static int
copy_fd(int src, int dst, size_t n)
{
	unsigned char buf[65536];
	off_t off = 0;

	while (n > 0) {
		ssize_t r = pread(src, buf, n < sizeof(buf) ? n : sizeof(buf),
				  off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || write_all(dst, buf, (size_t)r) < 0)
			return -1;
		off += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Writes the literal, from memory or from the session's file, to fd.
 * Returns 0, or -1 with *err_r set. */
static int
write_message(struct session *s, const struct arg *lit, int fd,
	      const char **err_r)
{
	int src, e;

	*err_r = "cannot write the message into tmp/";
	if (!lit->sunk)
		return write_all(fd, lit->data, lit->len);
	src = session_literal_fd(s, &e);
	if (src < 0) {
		if (e != 0)
			*err_r = arena_printf(s->arena, "cannot store the "
					      "message in tmp/: %s",
					      strerror(e));
		return -1;
	}
	return copy_fd(src, fd, lit->len);
}

/* Writes the message into d. Returns 0 with *uid_r, FOLDER_OVERQUOTA or
 * -1, with *err_r set for both. */
static int
save(struct session *s, struct dest *d, const struct append_req *req,
     unsigned flags, uint32_t keywords, uint32_t *uid_r, const char **err_r)
{
	struct folder_append *a;
	int fd;

	if (folder_append_begin(d->f, &a, &fd, err_r) < 0)
		return -1;
	if (write_message(s, req->literal, fd, err_r) < 0) {
		folder_append_abort(&a);
		return -1;
	}
	return folder_append_commit(&a, flags, keywords, req->date, uid_r,
				    err_r);
}

/* Parses the flags against d's keywords. Returns 0, or -1 after
 * answering. */
static int
dest_flags(struct session *s, const struct command *cmd, struct dest *d,
	   const struct append_req *req, unsigned *flags_r,
	   uint32_t *keywords_r)
{
	const char *err = NULL;
	int r;

	*flags_r = 0;
	*keywords_r = 0;
	if (req->flags == NULL)
		return 0;
	r = flags_parse(req->flags, d->kw, 1, flags_r, keywords_r, &err);
	if (r == 0)
		return 0;
	if (r == -2)
		resp_tagged(s->stream, cmd->tag, "NO", "[LIMIT] Cannot create "
			    "a new keyword: %s", err);
	else
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", err);
	return -1;
}

void
cmd_append(struct session *s, const struct command *cmd)
{
	struct append_req req;
	struct dest d;
	const char *err = NULL;
	uint32_t keywords, uid = 0, uidvalidity;
	unsigned flags;
	int kw_before, r;

	if (parse_args(cmd, &req, &err) < 0 ||
	    (req.flags != NULL &&
	     flags_parse(req.flags, NULL, 0, &flags, &keywords, &err) < 0)) {
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", err);
		return;
	}
	if (dest_open(s, cmd, req.mailbox, &d) < 0)
		return;
	if (req.literal->len == 0) {
		dest_close(&d);
		resp_tagged(s->stream, cmd->tag, "NO", "Can't save a zero byte "
			    "message.");
		return;
	}
	kw_before = flagnews_count(s);
	if (dest_flags(s, cmd, &d, &req, &flags, &keywords) < 0) {
		dest_close(&d);
		return;
	}
	r = save(s, &d, &req, flags, keywords, &uid, &err);
	uidvalidity = folder_uidvalidity(d.f);
	if (r == FOLDER_OVERQUOTA)
		resp_tagged(s->stream, cmd->tag, "NO", "[OVERQUOTA] %s", err);
	else if (r < 0)
		dest_fail(s, cmd, &d, "append", err);
	dest_close(&d);
	if (r != 0)
		return;
	flagnews_announce(s, kw_before, 1);
	/* RFC 4315 3: the UID the message got, for the client's cache. */
	session_ok(s, cmd, "[APPENDUID %u %u] Append completed.", uidvalidity,
		   uid);
}
