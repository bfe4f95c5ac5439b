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

/* Common to every state. LITERAL+ (RFC 7888), SASL-IR (RFC 4959) and ID
 * (RFC 2971) are complete in the parser and the pre-auth commands; IDLE
 * (RFC 2177) waits on inotify. */
#define CAPS_BASE "IMAP4rev1 SASL-IR LITERAL+ ID IDLE"

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
	/* RFC 5256 and RFC 5957: commands of the selected state. */
	if (s->state != ST_NOT_AUTH)
		buf_append_str(&b, " SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT"
			       " THREAD=REFERENCES");
	ret = arena_strndup(s->arena, b.data, b.len);
	buf_free(&b);
	return ret;
}
