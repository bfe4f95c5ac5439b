/* src/imap/msgkeys.c — reading what SORT and THREAD compare.
 *
 * Only the header block is read, with read(2) in blocks up to its empty
 * line (mapping the file costs several times more per message where
 * mmap is slow, and a sort touches every message), and only when a key
 * needs it: ARRIVAL and a SIZE known from ,W= read no file. Header
 * values are unfolded, decoded from RFC 2047 where they are text
 * (subject, display names), and turned into collation keys once, so
 * that sorting compares short byte strings. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "imap/msgkeys.h"
#include "mail/address.h"
#include "mail/basesubject.h"
#include "mail/date.h"
#include "mail/header.h"
#include "mail/msgid.h"
#include "mail/rfc2047.h"
#include "mail/unicasemap.h"
#include "util/buf.h"
#include "util/log.h"

/* A header value beyond this is cut (keys need far less). */
#define KEY_TEXT_MAX (1024u * 1024)
/* A header block beyond this is cut. */
#define HEADER_MAX (4u * 1024 * 1024)
#define MAX_REFS 10000

struct msgkeys {
	struct folder *f;
	struct arena *a;                /* the caller's: results live here */
	struct arena *tmp;              /* per message: address parses */
	struct buf b1, b2;

	uint32_t uid;
	int state;                      /* 0 not read, 1 read, -1 none */
	struct buf hdr;                 /* the header block as read */
	const unsigned char *data;      /* its bytes, or "" */
	size_t hdr_len;
};

struct msgkeys *
msgkeys_new(struct folder *f, struct arena *a)
{
	struct msgkeys *k = arena_zalloc(a, sizeof(*k));

	k->f = f;
	k->a = a;
	k->tmp = arena_new(4096);
	buf_init(&k->b1, KEY_TEXT_MAX);
	buf_init(&k->b2, KEY_TEXT_MAX);
	buf_init(&k->hdr, HEADER_MAX);
	k->data = (const unsigned char *)"";
	return k;
}

void
msgkeys_free(struct msgkeys **kp)
{
	struct msgkeys *k = *kp;

	if (k == NULL)
		return;
	msgkeys_unload(k);
	arena_free(&k->tmp);
	buf_free(&k->b1);
	buf_free(&k->b2);
	buf_free(&k->hdr);
	*kp = NULL;
}

int
msgkeys_load(struct msgkeys *k, uint32_t uid)
{
	msgkeys_unload(k);
	k->uid = uid;
	return 0;
}

/* Reads the header block the first time a key needs it. Returns 0, or
 * -1: then the message counts as empty. */
static int
read_header(struct msgkeys *k)
{
	unsigned char chunk[16384];
	const char *err = NULL;
	int gone = 0, fd;

	if (k->state != 0)
		return k->state > 0 ? 0 : -1;
	k->state = -1;
	buf_reset(&k->hdr);
	fd = folder_msg_open(k->f, k->uid, &gone, &err);
	if (fd < 0) {
		if (!gone)
			log_error("sort: uid %u: %s", k->uid, err);
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			log_error("sort: uid %u: read: %s", k->uid,
				  strerror(errno));
			close(fd);
			buf_reset(&k->hdr);
			return -1;
		}
		/* A header beyond HEADER_MAX is cut there. */
		if (r == 0 || buf_append(&k->hdr, chunk, (size_t)r) < 0)
			break;
		if (header_block_len(k->hdr.data, k->hdr.len) < k->hdr.len)
			break;
	}
	close(fd);
	if (k->hdr.len > 0)
		k->data = k->hdr.data;
	k->hdr_len = header_block_len(k->data, k->hdr.len);
	k->state = 1;
	return 0;
}

void
msgkeys_unload(struct msgkeys *k)
{
	k->state = 0;
	k->data = (const unsigned char *)"";
	k->hdr_len = 0;
	arena_reset(k->tmp);
}

time_t
msgkeys_arrival(struct msgkeys *k)
{
	time_t t;

	return folder_msg_date(k->f, k->uid, &t) == 0 ? t : 0;
}

/* The unfolded value of the first field named name into k->b1; 0 when
 * there is none. */
static int
field(struct msgkeys *k, const char *name)
{
	struct header_field f;

	buf_reset(&k->b1);
	(void)read_header(k);
	if (!header_find(k->data, k->hdr_len, name, &f))
		return 0;
	(void)header_unfold(f.value, f.value_len, &k->b1);
	return 1;
}

time_t
msgkeys_sent(struct msgkeys *k)
{
	time_t t;
	int tz;

	if (field(k, "Date") &&
	    date_parse_rfc5322(buf_str(&k->b1), k->b1.len, &t, &tz) == 0)
		return t;
	return msgkeys_arrival(k);
}

uint64_t
msgkeys_size(struct msgkeys *k)
{
	const struct store_msg *m = folder_msg(k->f, k->uid);
	unsigned char chunk[16384], last = 0;
	const char *err = NULL;
	uint64_t n = 0;
	int gone = 0, fd;
	ssize_t r;

	if (m != NULL && m->vsize >= 0)
		return (uint64_t)m->vsize;
	/* No ,W=: count the bytes, each bare LF as CRLF (RFC822.SIZE). */
	if ((fd = folder_msg_open(k->f, k->uid, &gone, &err)) < 0)
		return 0;
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (ssize_t i = 0; i < r; i++) {
			if (chunk[i] == '\n' && last != '\r')
				n++;
			last = chunk[i];
		}
		n += (uint64_t)r;
	}
	close(fd);
	return n;
}

/* The collation key of text, in the caller's arena. */
static const char *
key_of(struct msgkeys *k, const void *text, size_t len)
{
	buf_reset(&k->b2);
	(void)unicasemap_key(text, len, &k->b2);
	return arena_strndup(k->a, k->b2.data, k->b2.len);
}

const char *
msgkeys_subject(struct msgkeys *k, int *is_reply_r)
{
	struct header_field f;
	int reply = 0;

	buf_reset(&k->b1);
	(void)read_header(k);
	if (header_find(k->data, k->hdr_len, "Subject", &f))
		(void)basesubject_get((const char *)f.value, f.value_len,
				      &k->b1, &reply);
	if (is_reply_r != NULL)
		*is_reply_r = reply;
	return key_of(k, k->b1.data, k->b1.len);
}

const char *
msgkeys_address(struct msgkeys *k, const char *name, int display)
{
	struct mail_address *list, *ad;

	if (!field(k, name) ||
	    address_parse(buf_str(&k->b1), k->b1.len, k->tmp, &list) == 0)
		return "";
	ad = &list[0];
	if (display && ad->name != NULL && ad->name[0] != '\0') {
		buf_reset(&k->b1);
		(void)rfc2047_decode(ad->name, strlen(ad->name), &k->b1);
		if (k->b1.len > 0)
			return key_of(k, k->b1.data, k->b1.len);
	}
	if (ad->mailbox == NULL)
		return "";
	if (display && ad->host != NULL) {
		const char *s = arena_printf(k->tmp, "%s@%s", ad->mailbox,
					     ad->host);

		return key_of(k, s, strlen(s));
	}
	return key_of(k, ad->mailbox, strlen(ad->mailbox));
}

const char *
msgkeys_msgid(struct msgkeys *k)
{
	size_t pos = 0;

	if (!field(k, "Message-ID"))
		return NULL;
	return msgid_next(buf_str(&k->b1), k->b1.len, &pos, k->a);
}

size_t
msgkeys_refs(struct msgkeys *k, const char ***refs_r)
{
	const char **refs = NULL, *id;
	size_t n = 0, cap = 0, pos = 0;

	*refs_r = NULL;
	if (field(k, "References")) {
		while (n < MAX_REFS &&
		       (id = msgid_next(buf_str(&k->b1), k->b1.len, &pos,
					k->a)) != NULL) {
			if (n == cap) {
				const char **r;

				cap = cap ? cap * 2 : 8;
				r = arena_alloc(k->a, cap * sizeof(*r));
				if (n > 0)
					memcpy(r, refs, n * sizeof(*r));
				refs = r;
			}
			refs[n++] = id;
		}
	}
	pos = 0;
	if (n == 0 && field(k, "In-Reply-To") &&
	    (id = msgid_next(buf_str(&k->b1), k->b1.len, &pos, k->a)) != NULL) {
		refs = arena_alloc(k->a, sizeof(*refs));
		refs[n++] = id;
	}
	*refs_r = refs;
	return n;
}
