/* include/mail/preview.h — the text of a message's PREVIEW (RFC 8970):
 * up to 200 characters of UTF-8 from its first text part, for a mail
 * client's message list.
 *
 * The part is the first text/plain leaf, or text/html when that comes
 * first (in a multipart/alternative, text/plain is preferred); parts
 * with Content-Disposition: attachment and enclosed messages are not
 * looked into. Its body is decoded from its transfer encoding and
 * converted from its charset to UTF-8 (RFC 8970 3.3: "MUST NOT be
 * content transfer encoded and MUST be encoded in UTF-8"); HTML loses
 * its tags, comments, <style> and <script> contents, and its character
 * references are resolved ("SHOULD remove any formatting markup");
 * lines quoted with ">" are left out, as Dovecot's snippets do; runs of
 * white space and control characters become one space, and the ends are
 * trimmed. A message with no such part, or with nothing left, has the
 * empty preview (RFC 8970 3.2: "the server MUST return a zero-length
 * string"). See src/mail/preview.c. */
#ifndef SKUA_MAIL_PREVIEW_H
#define SKUA_MAIL_PREVIEW_H

#include <stddef.h>

#include "mail/message.h"
#include "util/arena.h"
#include "util/buf.h"

/* RFC 8970 3.3: "SHOULD limit the length of the preview text to 200
 * preview characters" (and MUST NOT exceed 256). */
#define PREVIEW_MAX_CHARS 200
/* At most this many bytes of the chosen part's body are read. */
#define PREVIEW_MAX_INPUT (256 * 1024)

/* The preview of the message data[0..len) parsed as root, a
 * NUL-terminated UTF-8 string of at most PREVIEW_MAX_CHARS characters
 * in the arena ("" when there is none). Never fails. */
const char *mail_preview(const unsigned char *data, size_t len,
			 const struct mail_part *root, struct arena *a);

/* The text step alone, for the tests: appends to out (which must hold
 * PREVIEW_MAX_CHARS * 4 bytes) the preview of the UTF-8 text
 * utf8[0..len), as HTML when html. */
void preview_text(const unsigned char *utf8, size_t len, int html,
		  struct buf *out);

#endif
