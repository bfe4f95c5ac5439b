/* src/imap/cmd_starttls.c — STARTTLS (RFC 3501 6.2.1, RFC 9051 6.2.1).
 *
 * The command-injection class of bugs (CERT VU#555316): a client, or a
 * man in the middle, sends "a STARTTLS\r\nb LOGIN ..." in one packet; a
 * server that keeps the bytes after the STARTTLS line would run them as
 * if they had come over TLS. RFC 9051 6.2.1 allows two answers; skua
 * throws away whatever it has read past the STARTTLS line (option 2),
 * and anything still in the kernel's buffer goes to the TLS handshake
 * (option 1), which fails on plaintext. */
#include "imap/command.h"
#include "imap/response.h"
#include "util/log.h"

void
cmd_starttls(struct session *s, const struct command *cmd)
{
	if (cmd->nargs != 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "STARTTLS takes no "
			    "arguments");
		return;
	}
	if (stream_security(s->stream) != NULL) {
		/* Also the answer on an implicit TLS port (RFC 9051 6.2.1). */
		resp_tagged(s->stream, cmd->tag, "BAD", "TLS is already active");
		return;
	}
	if (!stream_can_tls(s->stream)) {
		resp_tagged(s->stream, cmd->tag, "NO", "TLS is not configured "
			    "on this server");
		return;
	}
	resp_tagged(s->stream, cmd->tag, "OK", "Begin TLS negotiation now.");
	session_discard_input(s);
	if (stream_start_tls(s->stream) < 0) {
		log_info("disconnect: STARTTLS failed: %s rip=%s",
			 s->stream->error, s->peer_ip);
		s->closing = 1;
	}
}
