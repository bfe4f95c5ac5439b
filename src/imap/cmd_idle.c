/* src/imap/cmd_idle.c — IDLE (RFC 2177).
 *
 * After "+ idling" the server owes the client news as it happens, and the
 * client may say only "DONE". So the wait has two sources: the client's
 * stream and the folder. The folder's inotify descriptor (folder_watch)
 * and the stream are waited on together through stream_wait; a delivery
 * by an MDA, an expunge or a flag change by another session wakes us at
 * once, and the news goes out then (RFC 2177 3: EXPUNGE is allowed
 * while idling, as no command is in progress whose numbers could shift).
 * Where inotify is missing (or the stream cannot wait on two things) the
 * folder is synced every IDLE_TICK_MS instead; with inotify it is still
 * synced every IDLE_RESYNC_MS, for changes inotify does not see (another
 * host over NFS).
 *
 * Reading goes through the session's input buffer and the parser's line
 * mode, so that a command the client pipelines right behind DONE stays
 * there for the session loop. The tag is copied first: the parser's
 * memory holding it is reused by the line.
 *
 * Like Dovecot, "* OK Still here" every IDLE_KEEPALIVE_MS keeps NAT
 * tables and impatient proxies from dropping a quiet connection. The
 * session's idle_timeout still applies (RFC 2177 3: the server may log
 * off a client that idles for longer; clients re-IDLE every 29 minutes).
 * In the authenticated state there is no folder: IDLE only waits for
 * DONE. */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "imap/command.h"
#include "imap/notify.h"
#include "imap/response.h"
#include "imap/view.h"
#include "store/folder.h"
#include "util/clock.h"
#include "util/log.h"

#define IDLE_TICK_MS 1000
#define IDLE_RESYNC_MS 30000
#define IDLE_KEEPALIVE_MS 120000

enum idle_end {
	IDLE_GOING,             /* nothing from the client, or not all */
	IDLE_DONE,
	IDLE_BAD,               /* a line other than DONE */
	IDLE_GONE,              /* the session ends; s->closing is set */
};

/* Sends what changed in the selected folder or, while NOTIFY is in
 * force, exactly the events it asked for (RFC 5465 4). Returns 0, or -1
 * when the session must end. */
static int
idle_sync(struct session *s)
{
	if (s->notify != NULL ? notify_deliver(s, 1) < 0 :
	    session_announce(s, 1, 0) < 0)
		return -1;
	if (stream_flush(s->stream) < 0) {
		s->closing = 1;
		return -1;
	}
	return 0;
}

/* Reads from the client, waiting at most timeout_ms when nothing is
 * buffered, and feeds the parser until a line is complete. */
static enum idle_end
idle_input(struct session *s, int timeout_ms)
{
	enum parse_result r;
	const char *line;
	size_t used, len;
	ssize_t n;

	if (s->in_pos == s->in_len) {
		n = stream_read(s->stream, s->in, sizeof(s->in), timeout_ms);
		if (n == STREAM_TIMEOUT)
			return IDLE_GOING;
		if (n <= 0) {
			if (n == STREAM_ERROR)
				log_info("disconnect: %s rip=%s",
					 s->stream->error, s->peer_ip);
			if (s->end_reason == NULL)
				s->end_reason = n == STREAM_EOF ? "eof" : "error";
			s->closing = 1;
			return IDLE_GONE;
		}
		s->in_pos = 0;
		s->in_len = (size_t)n;
	}
	while (s->in_pos < s->in_len) {
		used = 0;
		r = parser_feed(s->parser, s->in + s->in_pos,
				s->in_len - s->in_pos, &used);
		s->in_pos += used;
		if (r == PARSE_LINE) {
			line = parser_line(s->parser, &len);
			/* RFC 2177 3: "DONE", case-insensitive as IMAP is. */
			return len == 4 && strcasecmp(line, "DONE") == 0 ?
			       IDLE_DONE : IDLE_BAD;
		}
		if (r == PARSE_ERROR) {
			if (parser_error_fatal(s->parser)) {
				resp_untagged(s->stream, "BYE %s",
					      parser_error(s->parser));
				s->closing = 1;
				return IDLE_GONE;
			}
			return IDLE_BAD;
		}
	}
	return IDLE_GOING;
}

static void
idle_timed_out(struct session *s)
{
	resp_untagged(s->stream, "BYE Autologout; idle for too long");
	log_info("disconnect: idle timeout user=%s rip=%s", s->user.name,
		 s->peer_ip);
	if (s->end_reason == NULL)
		s->end_reason = "timeout";
	s->closing = 1;
}

static long long
min_ll(long long a, long long b)
{
	return a < b ? a : b;
}

/* What IDLE waits on besides the client: NOTIFY's descriptor while it
 * is in force, else the selected folder's change notification; -1 for
 * none. Asked again at each wait: a NOTIFICATIONOVERFLOW ends NOTIFY. */
static int
idle_watch(struct session *s)
{
	if (s->notify != NULL)
		return notify_fd(s);
	return s->state == ST_SELECTED ? folder_watch(s->sel.folder) : -1;
}

/* Waits for DONE, sending news meanwhile; watch is idle_watch's. */
static enum idle_end
idle_wait(struct session *s, int watch)
{
	int selected = s->state == ST_SELECTED || s->notify != NULL;
	long long now = clock_ms();
	long long deadline = now + (long long)s->config->idle_timeout * 1000;
	long long keepalive = now + IDLE_KEEPALIVE_MS;
	long long every = watch >= 0 ? IDLE_RESYNC_MS : IDLE_TICK_MS;
	long long next_sync = now + every;
	enum idle_end end = IDLE_GOING;
	int r, wait_ms, sync_now;

	while (end == IDLE_GOING) {
		if (s->in_pos < s->in_len) {
			end = idle_input(s, 0);
			continue;
		}
		now = clock_ms();
		if (now >= deadline) {
			idle_timed_out(s);
			return IDLE_GONE;
		}
		wait_ms = (int)(min_ll(min_ll(deadline, keepalive),
				       selected ? next_sync : deadline) - now);
		if (wait_ms < 0)
			wait_ms = 0;
		watch = idle_watch(s);
		r = stream_wait(s->stream, watch, wait_ms);
		if (r == STREAM_ERROR) {
			log_info("disconnect: %s rip=%s", s->stream->error,
				 s->peer_ip);
			s->closing = 1;
			return IDLE_GONE;
		}
		sync_now = 0;
		if (r > 0 && (r & STREAM_WAIT_EXTRA)) {
			if (s->notify == NULL)
				folder_watch_drain(s->sel.folder);
			sync_now = 1;
		}
		if (r > 0 && (r & STREAM_WAIT_INPUT))
			end = idle_input(s, (int)min_ll(wait_ms, IDLE_TICK_MS));
		if (end == IDLE_GONE)
			return end;
		now = clock_ms();
		if (selected && (sync_now || now >= next_sync)) {
			if (idle_sync(s) < 0)
				return IDLE_GONE;
			next_sync = now + every;
		}
		if (now >= keepalive) {
			resp_untagged(s->stream, "OK Still here");
			keepalive = now + IDLE_KEEPALIVE_MS;
		}
		if (stream_flush(s->stream) < 0) {
			s->closing = 1;
			return IDLE_GONE;
		}
	}
	return end;
}

void
cmd_idle(struct session *s, const struct command *cmd)
{
	struct command done = *cmd;
	int watch = -1;

	if (cmd->nargs != 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "IDLE takes no "
			    "arguments");
		return;
	}
	/* The line that ends IDLE reuses the parser's memory of cmd. */
	done.tag = arena_strdup(s->arena, cmd->tag);
	resp_continue(s->stream, "idling");
	parser_expect_line(s->parser);
	/* The watch comes before the sync that sends what changed since
	 * the last command: a change between the two is then caught by
	 * both, never by neither. Events queued since the last IDLE are
	 * covered by that sync. */
	watch = idle_watch(s);
	if (s->state == ST_SELECTED && s->notify == NULL)
		folder_watch_drain(s->sel.folder);
	if (idle_sync(s) < 0 || stream_flush(s->stream) < 0) {
		s->closing = 1;
		return;
	}
	switch (idle_wait(s, watch)) {
	case IDLE_DONE:
		session_ok(s, &done, "Idle completed.");
		break;
	case IDLE_BAD:
		resp_tagged(s->stream, done.tag, "BAD", "Expected DONE");
		break;
	default:
		break;
	}
}
