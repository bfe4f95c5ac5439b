/* src/imap/urlpart.c — resolving an IMAP URL to the bytes it names in
 * the user's own Maildir (imap/urlpart.h).
 *
 * The mailbox is opened as a folder of its own, also when it is the
 * selected one (as STATUS and APPEND do), read-only as far as \Recent
 * goes: reading a URL claims no new mail for this session. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/mailstore.h"
#include "imap/urlpart.h"
#include "mail/message.h"
#include "mail/section.h"
#include "store/folder.h"
#include "store/mailboxes.h"
#include "store/mutf7.h"
#include "store/names.h"
#include "util/log.h"
#include "util/xalloc.h"

/* The wire name of a URL's mailbox (RFC 5092 8: UTF-8 in the URL). */
static const char *
wire_name(struct session *s, const char *utf8)
{
	struct mailboxes *mb = mailstore_mailboxes(s->store);
	struct buf b;
	const char *ret = NULL;

	if (!utf8_valid(utf8, strlen(utf8)))
		return NULL;
	if (mb->wire_utf8)
		return utf8;
	buf_init(&b, NAMES_DIR_MAX * 4 + 64);
	if (utf8_to_mutf7(utf8, strlen(utf8), &b) == 0)
		ret = arena_strndup(s->arena, b.data, b.len);
	buf_free(&b);
	return ret;
}

int
urlpart_mailbox(struct session *s, const struct imapurl *u,
		const char **wire_r, const char **dir_r, const char **err_r)
{
	struct mailboxes *mb = mailstore_mailboxes(s->store);
	char rel[NAMES_DIR_MAX + 1];
	struct mbox_err merr;
	unsigned attrs = 0;
	const char *wire;

	/* No cross-user access in skua: another user's mailbox is one this
	 * session cannot name (RFC 4467 BASE.6.3.URLFETCH: the URL is
	 * used "with the access of the userid in the server component"). */
	if (u->user != NULL && strcmp(u->user, s->user.name) != 0) {
		*err_r = "URL names another user's mailbox";
		return URLPART_BADURL;
	}
	if (u->mailbox == NULL) {
		if (s->state != ST_SELECTED || s->sel.name == NULL) {
			*err_r = "Relative URL without a selected mailbox";
			return URLPART_BADURL;
		}
		wire = s->sel.name;
	} else if ((wire = wire_name(s, u->mailbox)) == NULL) {
		*err_r = "Invalid mailbox name in URL";
		return URLPART_BADURL;
	}
	if (mailboxes_lookup(mb, wire, rel, sizeof(rel), &attrs, &merr) < 0 ||
	    (attrs & MBOX_NOSELECT)) {
		*err_r = "Mailbox doesn't exist";
		return URLPART_BADURL;
	}
	*wire_r = wire;
	*dir_r = rel[0] == '\0' ? mb->root :
		 arena_printf(s->arena, "%s/%s", mb->root, rel);
	return 0;
}

/* Writes the section of the mapped message into out. */
static int
fetch_section(struct session *s, const struct imapurl *u,
	      const unsigned char *data, size_t len, struct buf *out,
	      const char **err_r)
{
	struct arena *a = arena_new(16384);
	struct mail_part *root = mail_parse(data, len, a);
	struct section sec;
	const char *partial = NULL, *serr = NULL;
	int r = 0;

	if (u->partial)
		partial = u->octets != 0 ?
			  arena_printf(a, "<%u.%u>", u->origin, u->octets) :
			  arena_printf(a, "<%u>", u->origin);
	if (section_parse(u->section != NULL ? u->section : "", partial, a,
			  &sec, &serr) < 0) {
		*err_r = "Invalid section in URL";
		r = URLPART_BADURL;
	} else if (sec.nparts > 0 && section_part(&sec, root) == NULL) {
		/* RFC 4469 4.1: "invalid body part" is a BADURL. */
		*err_r = "No such body part";
		r = URLPART_BADURL;
	} else if (section_fetch(&sec, root, data, out) < 0) {
		*err_r = "Message too large";
		r = URLPART_TOOBIG;
	}
	arena_free(&a);
	return r;
}

/* The folder in dir, from the cache or opened into it. */
static struct folder *
cached_folder(struct session *s, struct urlpart_cache *c, const char *dir,
	      const char *wire)
{
	struct mailboxes *mb = mailstore_mailboxes(s->store);
	const char *ferr = NULL;

	if (c->dir != NULL && strcmp(c->dir, dir) == 0)
		return c->f;
	urlpart_done(c);
	if (folder_open(mb->root, dir, FOLDER_READONLY, &c->f, &ferr) < 0) {
		log_error("url: user=%s mailbox=%s: %s", s->user.name, wire,
			  ferr);
		c->f = NULL;
		return NULL;
	}
	c->dir = xstrdup(dir);
	return c->f;
}

void
urlpart_done(struct urlpart_cache *c)
{
	folder_close(&c->f);
	free(c->dir);
	c->dir = NULL;
}

int
urlpart_fetch(struct session *s, const struct imapurl *u,
	      struct urlpart_cache *c, struct buf *out, const char **err_r)
{
	const char *wire, *dir, *ferr = NULL;
	struct folder *f;
	struct stat st;
	void *map = NULL;
	int r, fd = -1, gone = 0;

	if (u->uid == 0 || u->search) {
		*err_r = "URL names no message";
		return URLPART_BADURL;
	}
	if ((r = urlpart_mailbox(s, u, &wire, &dir, err_r)) != 0)
		return r;
	if ((f = cached_folder(s, c, dir, wire)) == NULL) {
		*err_r = "Cannot open the mailbox";
		return -1;
	}
	r = URLPART_BADURL;
	if (u->uidvalidity != 0 && u->uidvalidity != folder_uidvalidity(f))
		*err_r = "Invalid UIDVALIDITY";
	else if (folder_msg(f, u->uid) == NULL ||
		 (fd = folder_msg_open(f, u->uid, &gone, &ferr)) < 0)
		*err_r = "Message not found";
	else if (fstat(fd, &st) < 0 || (st.st_size > 0 &&
		 (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			     fd, 0)) == MAP_FAILED)) {
		log_error("url: user=%s mailbox=%s uid=%u: %m", s->user.name,
			  wire, u->uid);
		map = NULL;
		*err_r = "Cannot read the message";
		r = -1;
	} else if (u->section == NULL && !u->partial &&
		   (uint64_t)st.st_size > out->max - out->len) {
		/* The whole message is at least its file's size on the
		 * wire: too much, known before a byte is read. */
		*err_r = "Message too large";
		r = URLPART_TOOBIG;
	} else {
		r = fetch_section(s, u, map != NULL ? map :
				  (const void *)"", (size_t)st.st_size, out,
				  err_r);
	}
	if (map != NULL)
		munmap(map, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	return r;
}
