/* src/imap/capability.c — what this session advertises now.
 *
 * RFC 3501 6.2.1 and RFC 9051 6.2.1: after STARTTLS the list must be
 * asked again, and it differs: no STARTTLS, and the AUTH= mechanisms in
 * place of LOGINDISABLED once plaintext authentication is safe (RFC 2595
 * 3.2). After login the list is sent again in the tagged OK, because the
 * extensions of the authenticated state are only then known. */
#include "imap/capability.h"
#include "util/arena.h"
#include "util/buf.h"

/* Common to every state. IMAP4rev2 (RFC 9051) beside IMAP4rev1: a
 * session is IMAP4rev1 until ENABLE IMAP4rev2 (Appendix A; cmd_enable.c
 * and tests/session/test_imap4rev2.py say where each change is made).
 * LITERAL+ (RFC 7888), SASL-IR (RFC 4959) and ID (RFC 2971) are
 * complete in the parser and the pre-auth commands; IDLE (RFC 2177)
 * waits on inotify. */
#define CAPS_BASE "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID IDLE"

const char *
capability_list(struct session *s)
{
	struct buf b;
	const char *ret;

	buf_init(&b, 1024);
	buf_append_str(&b, CAPS_BASE);
	if (s->state == ST_NOT_AUTH) {
		if (stream_can_tls(s->stream))
			buf_append_str(&b, " STARTTLS");
		if (session_plaintext_ok(s))
			buf_append_str(&b, " AUTH=PLAIN AUTH=LOGIN");
		else
			buf_append_str(&b, " LOGINDISABLED");
	}
	/* RFC 4978: COMPRESS is a command of the authenticated state; still
	 * listed once active, as the mechanism the connection supports. */
	if (s->state != ST_NOT_AUTH && (stream_can_deflate(s->stream) ||
	    stream_compression(s->stream) != NULL))
		buf_append_str(&b, " COMPRESS=DEFLATE");
	/* RFC 4315: APPENDUID, COPYUID and UID EXPUNGE. */
	if (s->state != ST_NOT_AUTH)
		buf_append_str(&b, " UIDPLUS");
	/* RFC 6851 (cmd_copy.c), RFC 3502 (cmd_append.c); RFC 3516:
	 * literal8 in APPEND (cmd_append.c) and BINARY[...] in FETCH
	 * (fetch_binary.c). */
	if (s->state != ST_NOT_AUTH)
		buf_append_str(&b, " MOVE MULTIAPPEND BINARY");
	/* RFC 5256 and RFC 5957: commands of the selected state. */
	if (s->state != ST_NOT_AUTH)
		buf_append_str(&b, " SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT"
			       " THREAD=REFERENCES");
	/* Mailbox names and status: NAMESPACE (RFC 2342), UNSELECT (RFC
	 * 3691), CHILDREN (RFC 3348), LIST-EXTENDED (RFC 5258),
	 * LIST-STATUS (RFC 5819), SPECIAL-USE and CREATE-SPECIAL-USE (RFC
	 * 6154), STATUS=SIZE (RFC 8438) and APPENDLIMIT (RFC 7889), in
	 * cmd_namespace.c, cmd_select.c, cmd_list.c, cmd_mailbox.c and
	 * status.c. */
	if (s->state != ST_NOT_AUTH)
		buf_printf(&b, " NAMESPACE UNSELECT CHILDREN LIST-EXTENDED"
			   " LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE"
			   " STATUS=SIZE APPENDLIMIT=%u",
			   (unsigned)SESSION_APPEND_LIMIT);
	/* Search results and message identity: ESEARCH (RFC 4731),
	 * SEARCHRES (RFC 5182), WITHIN (RFC 5032), SAVEDATE (RFC 8514),
	 * OBJECTID (RFC 8474), in cmd_search.c, searchres.c, search.c,
	 * objectid.c. */
	if (s->state != ST_NOT_AUTH)
		buf_append_str(&b, " ESEARCH SEARCHRES WITHIN SAVEDATE"
			       " OBJECTID");
	/* ESORT, CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267) in context.c. */
	if (s->state != ST_NOT_AUTH)
		buf_append_str(&b, " ESORT CONTEXT=SEARCH CONTEXT=SORT");
	/* ENABLE (RFC 5161, cmd_enable.c), CONDSTORE and QRESYNC (RFC 7162,
	 * condstore.c and the commands it touches). */
	if (s->state != ST_NOT_AUTH)
		buf_append_str(&b, " ENABLE CONDSTORE QRESYNC");
	/* QUOTA (RFC 9208 1, 3.1.1: QUOTA for RFC 2087 clients, one
	 * QUOTA=RES- per resource, QUOTASET only when SETQUOTA works) in
	 * cmd_quota.c and status.c; PREVIEW (RFC 8970) in cmd_fetch.c and
	 * fetch_preview.c; REPLACE (RFC 8508) in cmd_replace.c. */
	if (s->state != ST_NOT_AUTH) {
		buf_append_str(&b, " QUOTA QUOTA=RES-STORAGE"
			       " QUOTA=RES-MESSAGE");
		if (s->config->quota_set_allowed)
			buf_append_str(&b, " QUOTASET");
		buf_append_str(&b, " PREVIEW REPLACE");
	}
	/* UTF8=ACCEPT (RFC 6855): UTF-8 mailbox names and quoted strings
	 * after ENABLE (cmd_enable.c, mboxwire.c, utf8args.c), APPEND's
	 * UTF8 data extension (append_utf8.c); ENABLE is listed above. */
	if (s->state != ST_NOT_AUTH)
		buf_append_str(&b, " UTF8=ACCEPT");
	/* CATENATE (RFC 4469) in APPEND, MULTIAPPEND and REPLACE
	 * (catenate.c, urlpart.c, imapurl.c); URLAUTH (RFC 4467):
	 * GENURLAUTH, RESETKEY, URLFETCH (cmd_urlauth.c, urlauth.c,
	 * urlauth_keys.c), the user's own mailboxes only. */
	if (s->state != ST_NOT_AUTH)
		buf_append_str(&b, " CATENATE URLAUTH");
	/* NOTIFY (RFC 5465): cmd_notify.c, notify.c, store/watch.c; the
	 * UPDATE (fetch-att) of section 7 in context.c. */
	if (s->state != ST_NOT_AUTH)
		buf_append_str(&b, " NOTIFY");
	ret = arena_strndup(s->arena, b.data, b.len);
	buf_free(&b);
	return ret;
}
