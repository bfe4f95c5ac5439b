/* src/imap/status.c — the STATUS items, for STATUS and LIST-STATUS (see
 * include/imap/status.h).
 *
 * The folder is opened read-only: the store counts as \Recent what no
 * read-write session has seen yet (skua.recent), mail that APPEND or COPY
 * put there included, and claims none of it, so the next SELECT sees the
 * same messages as \Recent that RECENT counted (RFC 3501 6.3.10, 2.3.2).
 *
 * SIZE (RFC 8438 3) must be at least the sum of the messages' RFC822.SIZE,
 * which counts each bare LF as CRLF: ",W=" in the file name gives it, as
 * FETCH takes it; a file without one is read and counted (msgkeys_size),
 * never guessed from ",S=" or stat, which would count LF as one byte.
 *
 * APPENDLIMIT (RFC 7889 3.2) is the server's limit on APPEND's literal
 * (SESSION_APPEND_LIMIT), the same for every mailbox. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/condstore.h"
#include "imap/mailstore.h"
#include "imap/mboxwire.h"
#include "imap/msgkeys.h"
#include "imap/response.h"
#include "imap/status.h"
#include "store/filename.h"
#include "store/folder.h"
#include "util/log.h"

/* What an item's value is read from: one folder, opened and synced. */
struct status_src {
	struct session *s;
	struct folder *f;
	const struct store_msg *m;
	size_t n;
};

typedef void status_put_fn(struct stream *out, const struct status_src *src);

static void
put_messages(struct stream *out, const struct status_src *src)
{
	stream_printf(out, "%zu", src->n);
}

static void
put_recent(struct stream *out, const struct status_src *src)
{
	uint32_t n = 0;

	for (size_t i = 0; i < src->n; i++)
		n += src->m[i].recent != 0;
	stream_printf(out, "%u", n);
}

static void
put_uidnext(struct stream *out, const struct status_src *src)
{
	stream_printf(out, "%u", folder_uidnext(src->f));
}

static void
put_uidvalidity(struct stream *out, const struct status_src *src)
{
	stream_printf(out, "%u", folder_uidvalidity(src->f));
}

static void
put_unseen(struct stream *out, const struct status_src *src)
{
	uint32_t n = 0;

	for (size_t i = 0; i < src->n; i++)
		n += !(src->m[i].flags & MF_SEEN);
	stream_printf(out, "%u", n);
}

static void
put_size(struct stream *out, const struct status_src *src)
{
	struct msgkeys *k = NULL;
	uint64_t sum = 0;

	for (size_t i = 0; i < src->n; i++) {
		if (src->m[i].vsize >= 0) {
			sum += (uint64_t)src->m[i].vsize;
			continue;
		}
		if (k == NULL)
			k = msgkeys_new(src->f, src->s->arena);
		msgkeys_load(k, src->m[i].uid);
		sum += msgkeys_size(k);
		msgkeys_unload(k);
	}
	msgkeys_free(&k);
	stream_printf(out, "%llu", (unsigned long long)sum);
}

static void
put_appendlimit(struct stream *out, const struct status_src *src)
{
	stream_printf(out, "%u", (unsigned)SESSION_APPEND_LIMIT);
}

/* RFC 8474 4.3: "MAILBOXID" SP "(" objectid ")", the GUID that
 * dovecot-uidlist keeps (store/folder.h). */
static void
put_mailboxid(struct stream *out, const struct status_src *src)
{
	const char *err = "", *id = folder_mailbox_guid(src->f, &err);

	if (id == NULL) {
		log_error("status: user=%s: MAILBOXID: %s",
			  src->s->user.name, err);
		stream_puts(out, "NIL");
		return;
	}
	stream_printf(out, "(%s)", id);
}

/* RFC 7162 3.1.7: the HIGHESTMODSEQ SELECT would give; 0 would mean
 * NOMODSEQ, and an index that never gave a MODSEQ says 1, as SELECT. */
static void
put_highestmodseq(struct stream *out, const struct status_src *src)
{
	uint64_t h = folder_highestmodseq(src->f);

	stream_printf(out, "%llu", (unsigned long long)(h > 0 ? h : 1));
}

/* RFC 9208 4.1.4 (with QUOTA=RES-MESSAGE): messages with \Deleted. */
static void
put_deleted(struct stream *out, const struct status_src *src)
{
	uint32_t n = 0;

	for (size_t i = 0; i < src->n; i++)
		n += (src->m[i].flags & MF_DELETED) != 0;
	stream_printf(out, "%u", n);
}

/* RFC 9208 4.1.4 (with QUOTA=RES-STORAGE): "the amount of storage space
 * that can be reclaimed by performing EXPUNGE", in STORAGE's units of
 * 1024 octets (5.1; the section's example gives 8 for 4 messages): the
 * bytes on disk of the \Deleted messages (",S=", else the file's size),
 * rounded down as GETQUOTA rounds the usage (cmd_quota.c). */
static void
put_deleted_storage(struct stream *out, const struct status_src *src)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < src->n; i++) {
		const char *err = NULL;
		struct stat st;
		int fd, gone = 0;

		if (!(src->m[i].flags & MF_DELETED))
			continue;
		if (src->m[i].size >= 0) {
			sum += (uint64_t)src->m[i].size;
			continue;
		}
		fd = folder_msg_open(src->f, src->m[i].uid, &gone, &err);
		if (fd < 0)
			continue;       /* gone: nothing left to reclaim */
		if (fstat(fd, &st) == 0)
			sum += (uint64_t)st.st_size;
		close(fd);
	}
	stream_printf(out, "%llu", (unsigned long long)(sum / 1024));
}

/* The items, in the order they are answered (RFC 3501 6.3.10's own
 * example answers "MESSAGES ... UIDNEXT ..." to "UIDNEXT MESSAGES").
 * New items go at the end, one line each. */
static const struct {
	const char *name;
	status_put_fn *put;
} items[] = {
	{ "MESSAGES", put_messages },
	{ "RECENT", put_recent },
	{ "UIDNEXT", put_uidnext },
	{ "UIDVALIDITY", put_uidvalidity },
	{ "UNSEEN", put_unseen },
	{ "SIZE", put_size },                   /* RFC 8438 */
	{ "APPENDLIMIT", put_appendlimit },     /* RFC 7889 */
	{ "MAILBOXID", put_mailboxid },         /* RFC 8474 4.3 */
	{ "HIGHESTMODSEQ", put_highestmodseq }, /* RFC 7162 3.1.7 */
	{ "DELETED", put_deleted },             /* RFC 9208 4.1.4 */
	{ "DELETED-STORAGE", put_deleted_storage }, /* RFC 9208 4.1.4 */
};
#define N_ITEMS (sizeof(items) / sizeof(items[0]))

int
status_parse(struct session *s, const struct command *cmd,
	     const struct arg *a, status_mask *mask_r)
{
	status_mask mask = 0;

	if (a->type != ARG_LIST || a->count == 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Empty status list");
		return -1;
	}
	for (size_t i = 0; i < a->count; i++) {
		const struct arg *it = &a->list[i];
		size_t k = 0;

		while (it->type == ARG_ATOM && k < N_ITEMS &&
		       strcasecmp((const char *)it->data, items[k].name))
			k++;
		if (it->type != ARG_ATOM || k == N_ITEMS) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Invalid "
				    "status item %.64s", it->type == ARG_LIST ?
				    "(list)" : (const char *)it->data);
			return -1;
		}
		mask |= (status_mask)1 << k;
		/* RFC 7162 3.1: STATUS (HIGHESTMODSEQ) is a CONDSTORE
		 * enabling command. */
		if (items[k].put == put_highestmodseq)
			condstore_enable(s);
	}
	*mask_r = mask;
	return 0;
}

int
status_write(struct session *s, const char *name, const char *dir,
	     status_mask mask, const char **err_r)
{
	const struct mailboxes *mb = mailstore_mailboxes(s->store);
	struct status_src src = { .s = s };
	char path[4200];
	int first = 1, r;

	snprintf(path, sizeof(path), "%s%s%s", mb->root, *dir ? "/" : "", dir);
	if ((r = folder_open(mb->root, path, FOLDER_READONLY, &src.f,
			     err_r)) < 0)
		return r == FOLDER_INUSE ? r : -1;
	src.m = folder_msgs(src.f, &src.n);
	stream_puts(s->stream, "* STATUS ");
	mboxwire_put_name(s, *dir ? name : "INBOX");
	stream_puts(s->stream, " (");
	for (size_t k = 0; k < N_ITEMS; k++) {
		if (!(mask & ((status_mask)1 << k)))
			continue;
		stream_printf(s->stream, "%s%s ", first ? "" : " ",
			      items[k].name);
		items[k].put(s->stream, &src);
		first = 0;
	}
	stream_puts(s->stream, ")\r\n");
	folder_close(&src.f);
	return 0;
}
