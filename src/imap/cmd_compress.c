/* src/imap/cmd_compress.c — COMPRESS DEFLATE (RFC 4978).
 *
 * The command belongs to command-auth (RFC 4978 5), so it runs in the
 * authenticated and selected states; the table refuses it before login.
 * Answers (RFC 4978 3):
 *   - BAD for a missing or unknown mechanism;
 *   - BAD when COMPRESS is already active ("BAD ... COMPRESS already
 *     active" in the result list), with the COMPRESSIONACTIVE code so a
 *     client can tell why (Dovecot answers NO [COMPRESSIONACTIVE], Cyrus
 *     BAD; either way the client must not turn on compression again);
 *   - NO when the stream cannot compress (never over a socket: TLS-level
 *     compression, the case NO [COMPRESSIONACTIVE] is meant for, is
 *     switched off in net/tls.c);
 *   - OK, sent uncompressed, and both directions compressed from the byte
 *     after its CRLF.
 *
 * Pipelined input. The client "MUST NOT send any further commands until
 * it has seen the result", but when it does (optimistically, or through
 * a proxy that merges packets), what follows the COMPRESS line was sent
 * compressed if we say OK, since a client compresses starting with the
 * first command after COMPRESS. The session's read buffer may already
 * hold such bytes, read from the socket together with the command line;
 * the parser has consumed exactly the line, so they are s->in[in_pos,
 * in_len). Unlike STARTTLS (cmd_starttls.c), where bytes sent before the
 * handshake must never be trusted and are thrown away, here they are the
 * start of the compressed stream and throwing them away would corrupt
 * it (the inflater would start in the middle of a deflate block). So
 * they are handed to the deflate layer as already-read input, the
 * session's buffer is emptied, and the next read inflates them first.
 * The order is the stream's: flush the tagged OK in the clear, then push
 * the layer; nothing compressed can have been written before. */
#include <strings.h>

#include "imap/command.h"
#include "imap/response.h"
#include "util/log.h"

void
cmd_compress(struct session *s, const struct command *cmd)
{
	const unsigned char *pending;
	size_t len;

	if (cmd->nargs != 1 || cmd->args[0].type != ARG_ATOM) {
		resp_tagged(s->stream, cmd->tag, "BAD", "COMPRESS wants one "
			    "mechanism: DEFLATE");
		return;
	}
	if (strcasecmp((const char *)cmd->args[0].data, "DEFLATE") != 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Unknown compression "
			    "mechanism %.64s", (const char *)cmd->args[0].data);
		return;
	}
	if (stream_compression(s->stream) != NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "[COMPRESSIONACTIVE] "
			    "%s is already active via COMPRESS",
			    stream_compression(s->stream));
		return;
	}
	if (!stream_can_deflate(s->stream)) {
		resp_tagged(s->stream, cmd->tag, "NO", "Compression is not "
			    "available on this connection");
		return;
	}
	session_ok(s, cmd, "DEFLATE active");
	if (s->closing)
		return;
	pending = s->in + s->in_pos;
	len = s->in_len - s->in_pos;
	s->in_pos = s->in_len = 0;
	/* Flushes the OK uncompressed, then compresses. */
	if (stream_start_deflate(s->stream, pending, len) < 0) {
		/* The client compresses already; nothing it could read
		 * is left to say. */
		log_info("disconnect: COMPRESS failed: %s user=%s rip=%s",
			 s->stream->error, s->user.name, s->peer_ip);
		s->closing = 1;
	}
}
