/* src/imap/objectid.c — SAVEDATE and EMAILID of Maildir messages.
 *
 * Save date (RFC 8514 3): "the date and time at which the message was
 * saved in the mailbox it is now located in", which "MUST NOT change as
 * long as the message is contained within the same mailbox", while a
 * COPY or MOVE gives the new copy a new one. A Maildir records no such
 * date, and the candidates it has behave differently:
 *   - the file's ctime changes at every rename, and a flag change is a
 *     rename; a hard-linked COPY even changes the source's. Dovecot uses
 *     it, but only once: it keeps the value in its index cache after.
 *   - the mtime is INTERNALDATE, which APPEND sets from the client.
 *   - the base name: the Maildir convention (maildir.txt) has whoever
 *     delivers start the unique name with the time of delivery, and
 *     skua's APPEND, COPY and MOVE all make a fresh base name for the
 *     destination (mfilename_new_base), while flag changes keep it.
 * So the save date is the number of seconds that begins the base name:
 * stable across flag changes and restarts, new in the destination of
 * every skua COPY and MOVE, and the delivery time for an MDA's mail. A
 * name that does not begin with a number falls back to INTERNALDATE.
 * Known limit: Dovecot's hard-link COPY keeps the source's base name,
 * so a message Dovecot copied keeps its source's save date.
 *
 * EMAILID (RFC 8474 5.1) must be immutable, the same for the copy in a
 * COPYUID pairing (COPY and MOVE: a hard link, a rename or, across file
 * systems, a copy of the bytes), and never shared by messages whose
 * immutable attributes differ. Those attributes are the bytes and
 * INTERNALDATE (RFC 3501 2.3.3; RFC822.SIZE, ENVELOPE, BODYSTRUCTURE
 * follow from the bytes), so EMAILID is "M" and the first 128 bits of
 * SHA-256 over INTERNALDATE (as decimal seconds and a NUL) and the bytes:
 * the same content-instance gets the same id in every folder and after
 * every kind of copy, as 5.1 allows for identical APPENDs, and no name,
 * inode or index is involved that a rename or a rebuild could change.
 * The price is reading the message for FETCH EMAILID and SEARCH EMAILID.
 *
 * THREADID is NIL: skua computes threads per command (THREAD) but keeps
 * no persistent thread ids, and RFC 8474 5.2 says "THREADID is OPTIONAL;
 * if the server doesn't support THREADID ... it MUST return NIL to all
 * FETCH responses for the THREADID data item, and a SEARCH for THREADID
 * MUST NOT match any messages". */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "imap/command.h"
#include "imap/mailstore.h"
#include "imap/objectid.h"
#include "store/mailboxes.h"
#include "store/names.h"
#include "util/log.h"

time_t
objectid_name_time(const char *name)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; isdigit((unsigned char)name[i]); i++) {
		if (i >= 12)
			return -1;
		t = t * 10 + (uint64_t)(name[i] - '0');
	}
	if (i == 0 || name[i] != '.')
		return -1;
	return (time_t)t;
}

int
objectid_savedate(struct folder *f, const struct store_msg *m, time_t *t_r)
{
	size_t len;
	/* the time leads the base name (maildir.txt) */
	const char *base = folder_msg_base(f, m, &len);
	time_t t = base != NULL ? objectid_name_time(base) : -1;

	if (t >= 0) {
		*t_r = t;
		return 0;
	}
	return folder_msg_date(f, m->uid, t_r) < 0 ? -1 : 0;
}

void
objectid_emailid(const unsigned char *data, size_t len, time_t date,
		 char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char head[32];
	int n = snprintf(head, sizeof(head), "%lld", (long long)date);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(md, 0, sizeof(md));
	if (ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, head, (size_t)n + 1) == 1 &&
	    EVP_DigestUpdate(ctx, data, len) == 1)
		(void)EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	out[0] = 'M';
	for (int i = 0; i < 16; i++)
		snprintf(out + 1 + 2 * i, 3, "%02x", md[i]);
}

int
objectid_valid(const unsigned char *s, size_t len)
{
	if (len == 0 || len > OBJECTID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum(s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

const char *
objectid_mailboxid(struct session *s, const char *name)
{
	const struct mailboxes *mb = mailstore_mailboxes(s->store);
	char rel[NAMES_DIR_MAX + 1];
	const char *dir, *id, *err = "";
	struct mbox_err merr;
	struct folder *f;
	unsigned attrs = 0;
	size_t len = strlen(name);

	/* CREATE drops one trailing separator (RFC 3501 6.3.3). */
	if (len > 1 && name[len - 1] == mb->rules.sep)
		name = arena_strndup(s->arena, name, len - 1);
	if (mailboxes_lookup(mb, name, rel, sizeof(rel), &attrs, &merr) < 0) {
		log_error("mailboxid: user=%s mailbox=%s: %s", s->user.name,
			  name, merr.text);
		return NULL;
	}
	dir = rel[0] == '\0' ? mb->root :
	      arena_printf(s->arena, "%s/%s", mb->root, rel);
	if (folder_open(mb->root, dir, FOLDER_READONLY, &f, &err) < 0) {
		log_error("mailboxid: user=%s mailbox=%s: %s", s->user.name,
			  name, err);
		return NULL;
	}
	id = folder_mailbox_guid(f, &err);
	if (id == NULL)
		log_error("mailboxid: user=%s mailbox=%s: %s", s->user.name,
			  name, err);
	else
		id = arena_strdup(s->arena, id);
	folder_close(&f);
	return id;
}
