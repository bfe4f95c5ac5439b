/* src/imap/session.c — the life of one connection.
 *
 * Read what the client sent, feed it to the parser, run each complete
 * command through the table, flush, repeat. The parser never blocks, so
 * the only wait is here, and it always has a deadline: login_timeout from
 * the greeting until authentication (RFC 3501 5.4 allows the autologout;
 * a pre-auth process is root, so it must not linger), idle_timeout after.
 *
 * Output is flushed before every wait, never in the middle of a command's
 * response, so a pipelining client gets its answers in few packets. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "imap/capability.h"
#include "imap/append.h"
#include "imap/command.h"
#include "imap/context.h"
#include "imap/dest.h"
#include "imap/flagnews.h"
#include "imap/mailstore.h"
#include "imap/notify.h"
#include "imap/rawlog.h"
#include "imap/searchres.h"
#include "imap/urlauth.h"
#include "imap/limits.h"
#include "imap/utf8args.h"
#include "imap/response.h"
#include "imap/session.h"
#include "imap/view.h"
#include "store/folder.h"
#include "store/keywords.h"
#include "store/mcache.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/proctitle.h"

/* All the literals one APPEND sinks together (MULTIAPPEND, RFC 3502, and
 * CATENATE's TEXT parts): they share one file, one after another. */
#define SUNK_TOTAL_MAX ((off_t)4 * SESSION_APPEND_LIMIT)

/* A client that keeps sending nonsense is not an IMAP client. */
#define MAX_BAD_IN_ROW 20

void
session_apply_limits(struct session *s)
{
	parser_set_limits(s->parser, s->state == ST_NOT_AUTH ?
			  &imap_limits_preauth : &imap_limits_authed);
}

/* "~/Maildir" and "~" are relative to the home; anything else is taken
 * as it is. */
static char *
resolve_maildir(const char *setting, const char *home)
{
	char *path;

	if (setting[0] == '~' && (setting[1] == '/' || setting[1] == '\0')) {
		size_t n = strlen(home) + strlen(setting);
		path = malloc(n);
		if (path == NULL)
			fatal("out of memory");
		snprintf(path, n, "%s%s", home, setting + 1);
		return path;
	}
	path = strdup(setting);
	if (path == NULL)
		fatal("out of memory");
	return path;
}

static void update_title(struct session *s, const char *activity);

/* Describes the connection's security for the login line: "yes
 * cipher=TLSv1.3/TLS_AES_256_GCM_SHA384" or "no cipher=none". */
static void
describe_tls(struct session *s, char *out, size_t size)
{
	const char *sec = stream_security(s->stream);
	char word[160], escaped[3 * sizeof(word)];

	if (sec == NULL) {
		snprintf(out, size, "no cipher=none");
		return;
	}
	snprintf(word, sizeof(word), "%s", sec);
	for (char *p = word; *p; p++)
		if (*p == ' ')
			*p = '/';
	snprintf(out, size, "yes cipher=%s",
		 log_word(word, escaped, sizeof(escaped)));
}

void
session_login_done(struct session *s, const char *tag, const char *mech)
{
	char user[LOG_WORD_MAX], tls[600];

	describe_tls(s, tls, sizeof(tls));
	log_info("login: user=%s rip=%s lip=%s mech=%s tls=%s",
		 log_word(s->user.name, user, sizeof(user)), s->peer_ip,
		 s->local_ip, mech, tls);
	s->rawlog = rawlog_start(s->config, &s->user, s->peer_ip, s->stream);
	if (tag != NULL)
		rawlog_note(s->rawlog, "%s logged in with %s; credentials "
			    "not recorded", tag, mech);
	update_title(s, NULL);
}

void
session_logged_in(struct session *s, const struct auth_user *u)
{
	s->user = *u;
	s->state = ST_AUTH;
	/* STARTTLS is over: the TLS private key leaves memory now. */
	stream_end_tls_offer(s->stream);
	free(s->maildir);
	s->maildir = resolve_maildir(s->config->maildir, u->home);
	mailstore_free(&s->store);
	s->store = mailstore_open(s->config, s->maildir, u->name);
	session_apply_limits(s);
}

int
session_plaintext_ok(struct session *s)
{
	if (stream_security(s->stream) != NULL)
		return 1;
	switch (s->config->plaintext) {
	case PLAINTEXT_ALWAYS:
		return 1;
	case PLAINTEXT_LOOPBACK:
		return s->peer_local;
	default:
		return 0;
	}
}

/* APPEND's literal goes to a file.
 *
 * A message may be megabytes; DESIGN.md wants it on disk as it arrives,
 * never in memory whole. The parser asks its sink about each top-level
 * literal before reading a byte of it, for {n} and {n+} alike
 * (parser.h). We take the literal when the command is APPEND, the user
 * is logged in and it is not the first argument (that one is the mailbox
 * name), and write it into an unlinked file in the Maildir's tmp/; the
 * literals of one APPEND (MULTIAPPEND, CATENATE) go one after another
 * into the same file, in the order of the arguments, so that each is at
 * the sum of the sizes of the sunk literals before it: the
 * same file system as the destination, and nothing to clean up if the
 * session dies. The destination is not known to be valid yet, so the
 * file is not the destination's; cmd_append copies it into a file of
 * folder_append_begin. The file lives until the command has run, or
 * until the parser reports an error or we decline the "+"; then it is
 * closed and gone.
 *
 * When no such file can be made, the literal stays in memory under the
 * ordinary limits, as before. A failed write is remembered and APPEND
 * answers NO once the command is complete: the data must be read off
 * the wire anyway. */
static void
literal_close(struct session *s)
{
	if (s->literal_fd >= 0)
		close(s->literal_fd);
	s->literal_fd = -1;
	s->literal_errno = 0;
}

static int
literal_tmpfile(const char *dir)
{
	char path[4096];
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	/* A file system without O_TMPFILE. */
	if ((size_t)snprintf(path, sizeof(path), "%s/append.XXXXXX", dir) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static int
literal_open(void *ctx, const struct command *cmd, uint64_t size)
{
	struct session *s = ctx;
	char dir[4096];

	(void)size;
	if (s->state == ST_NOT_AUTH || s->maildir == NULL ||
	    (strcmp(cmd->name, "APPEND") != 0 &&
	     !replace_literal_wanted(cmd)) || cmd->nargs == 0)
		return 0;
	/* A later literal of the same APPEND follows the earlier ones in
	 * the same file (session_literal_fd). */
	if (s->literal_fd >= 0) {
		off_t end = lseek(s->literal_fd, 0, SEEK_END);

		return end >= 0 && end + (off_t)size <= SUNK_TOTAL_MAX;
	}
	snprintf(dir, sizeof(dir), "%s/tmp", s->maildir);
	s->literal_fd = literal_tmpfile(dir);
	if (s->literal_fd < 0) {
		log_error("append: user=%s: cannot create a file in %s: %s",
			  s->user.name, dir, strerror(errno));
		return 0;
	}
	s->literal_errno = 0;
	return 1;
}

static int
literal_write(void *ctx, const void *data, size_t n)
{
	struct session *s = ctx;
	const unsigned char *p = data;

	while (n > 0) {
		ssize_t w = write(s->literal_fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->literal_errno = w < 0 ? errno : EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
session_literal_fd(struct session *s, int *errno_r)
{
	*errno_r = s->literal_errno;
	return s->literal_errno != 0 ? -1 : s->literal_fd;
}

void
session_discard_input(struct session *s)
{
	s->in_pos = s->in_len = 0;
	parser_reset(s->parser);
	literal_close(s);
}

/* Milliseconds the next read may wait. */
static int
read_timeout(const struct session *s)
{
	long long left;

	if (s->state != ST_NOT_AUTH)
		return (int)(s->config->idle_timeout * 1000);
	left = s->login_deadline - clock_ms();
	return left > 0 ? (int)left : 0;
}

/* The client cannot be written to any more: it stopped reading for
 * write_timeout, or went away. The session ends; the first reason
 * found is the one logged. */
static void
output_broken(struct session *s)
{
	s->closing = 1;
	if (s->end_reason != NULL)
		return;
	s->end_reason = "error";
	log_info("disconnect: %s rip=%s", s->stream->error, s->peer_ip);
}

/* Fills the input buffer. Returns 0, or -1 when the session must end
 * (s->closing set, any last words written). */
static int
fill_input(struct session *s)
{
	int timeout = read_timeout(s);
	ssize_t n;

	if (stream_flush(s->stream) < 0) {
		output_broken(s);
		return -1;
	}
	/* RFC 5465 3.1: with NOTIFY, events go out while we wait. */
	if (notify_wait(s, &timeout) < 0)
		return -1;
	n = stream_read(s->stream, s->in, sizeof(s->in), timeout);
	if (n > 0) {
		s->in_pos = 0;
		s->in_len = (size_t)n;
		return 0;
	}
	s->closing = 1;
	if (s->end_reason == NULL)
		s->end_reason = n == STREAM_TIMEOUT ? "timeout" :
				n == STREAM_EOF ? "eof" : "error";
	if (n == STREAM_TIMEOUT) {
		if (s->state == ST_NOT_AUTH) {
			resp_untagged(s->stream, "BYE Login timed out");
			log_info("disconnect: login timed out rip=%s", s->peer_ip);
		} else {
			resp_untagged(s->stream,
				      "BYE Autologout; idle for too long");
			log_info("disconnect: idle timeout user=%s rip=%s",
				 s->user.name, s->peer_ip);
		}
	} else if (n == STREAM_ERROR) {
		log_info("disconnect: %s rip=%s", s->stream->error, s->peer_ip);
	}
	return -1;
}

/* Feeds buffered input. */
static enum parse_result
feed(struct session *s)
{
	size_t used = 0;
	enum parse_result r;

	r = parser_feed(s->parser, s->in + s->in_pos, s->in_len - s->in_pos,
			&used);
	s->in_pos += used;
	return r;
}

const char *
session_read_line(struct session *s, size_t *len_r)
{
	enum parse_result r;

	parser_expect_line(s->parser);
	for (;;) {
		if (s->in_pos == s->in_len && fill_input(s) < 0)
			return NULL;
		r = feed(s);
		if (r == PARSE_LINE)
			return parser_line(s->parser, len_r);
		if (r == PARSE_ERROR) {
			resp_untagged(s->stream, "BYE %s", parser_error(s->parser));
			s->closing = 1;
			return NULL;
		}
	}
}

/* Answers BAD and returns NULL when cmd may not run now. */
static const struct command_def *
admissible(struct session *s, const struct command *cmd)
{
	const struct command_def *def = command_lookup(cmd->name);

	if (def == NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Unknown command %.64s",
			    cmd->name);
	} else if (!(def->states & s->state)) {
		resp_tagged(s->stream, cmd->tag, "BAD", "%s %s", cmd->name,
			    def->states == ST_NOT_AUTH ?
			    "is only allowed before login" :
			    s->state == ST_NOT_AUTH ?
			    "is not allowed before login; log in first" :
			    "needs a selected mailbox; SELECT one first");
		def = NULL;
	} else if ((session_enabled(s, SESSION_EXT_UTF8_ACCEPT) ||
		    session_enabled(s, SESSION_EXT_IMAP4REV2)) &&
		   !utf8args_valid(cmd)) {
		/* RFC 6855 3: invalid UTF-8 in a quoted string is BAD. */
		resp_tagged(s->stream, cmd->tag, "BAD", "Invalid UTF-8 in a "
			    "quoted string");
		def = NULL;
	}
	if (def == NULL)
		s->bad_in_row++;
	return def;
}

/* Counts cmd for the logout line; a UID form counts as its command. */
static void
count_command(struct session *s, const struct command *cmd)
{
	static const struct {
		const char *name;
		size_t offset;
	} counted[] = {
#define COUNTED(name, field) \
	{ name, offsetof(struct session, counts.field) }
		COUNTED("SELECT", select), COUNTED("EXAMINE", select),
		COUNTED("FETCH", fetch), COUNTED("STORE", store),
		COUNTED("SEARCH", search), COUNTED("APPEND", append),
		COUNTED("COPY", copy), COUNTED("MOVE", move),
		COUNTED("EXPUNGE", expunge),
#undef COUNTED
	};
	const char *name = cmd->name;
	char sub[16];

	if (strcmp(name, "UID") == 0 && cmd->nargs > 0 &&
	    cmd->args[0].type == ARG_ATOM && cmd->args[0].len < sizeof(sub)) {
		size_t i;

		for (i = 0; i < cmd->args[0].len; i++)
			sub[i] = (char)toupper(cmd->args[0].data[i]);
		sub[i] = '\0';
		name = sub;
	}
	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
		if (strcmp(counted[i].name, name) == 0)
			(*(unsigned long *)((char *)s + counted[i].offset))++;
}

/* Shows the state in the process title (util/proctitle.h); activity,
 * when not NULL, is a long wait such as IDLE. Writes only on change. */
static void
update_title(struct session *s, const char *activity)
{
	static char shown[512];
	char title[512];
	const char *rip = strcmp(s->peer_ip, "unknown") == 0 ? "" :
			  s->peer_ip;

	if (!s->config->proctitle)
		return;
	if (s->state == ST_NOT_AUTH)
		snprintf(title, sizeof(title), "[%s not authenticated]",
			 s->peer_ip);
	else
		snprintf(title, sizeof(title), "%s%s%s %s%s%s", s->user.name,
			 rip[0] ? " " : "", rip,
			 activity ? activity :
			 s->state == ST_SELECTED ? "SELECTED" : "AUTHENTICATED",
			 s->state == ST_SELECTED && s->sel.name ? " " : "",
			 s->state == ST_SELECTED && s->sel.name ?
			 s->sel.name : "");
	if (strcmp(title, shown) == 0)
		return;
	memcpy(shown, title, sizeof(shown));
	proctitle_set("%s", title);
}

static void
dispatch(struct session *s, const struct command *cmd)
{
	const struct command_def *def;
	int was_authed = s->state != ST_NOT_AUTH;

	/* APPENDs waiting for their OK are answered before anything else
	 * runs; another APPEND may join them (imap/append.h). */
	if (s->abatch != NULL &&
	    (cmd->name == NULL || strcmp(cmd->name, "APPEND") != 0))
		append_settle(s);
	s->commands++;
	if ((def = admissible(s, cmd)) == NULL)
		return;
	s->bad_in_row = 0;
	s->cmd_flags = def->flags;
	count_command(s, cmd);
	if (def->fn == cmd_idle)
		update_title(s, "IDLE");
	notify_before(s, cmd);
	def->fn(s, cmd);
	notify_after(s, cmd);
	if (def->fn == cmd_logout && s->closing && s->end_reason == NULL)
		s->end_reason = "logout";
	/* Commands pipelined behind the login were read before the trace
	 * began; they belong to it. */
	if (!was_authed && s->rawlog != NULL)
		rawlog_record(s->rawlog, 0, s->in + s->in_pos,
			      s->in_len - s->in_pos);
	update_title(s, NULL);
}

void
session_unselect(struct session *s)
{
	view_free(&s->sel.view);
	mcache_free(&s->sel.cache);
	folder_close(&s->sel.folder);
	keywords_free(&s->sel.kw);
	searchres_clear(s);             /* RFC 5182 2.1 */
	context_clear(s);               /* RFC 5267 4.3 */
	free(s->sel.name);
	memset(&s->sel, 0, sizeof(s->sel));
	if (s->state == ST_SELECTED)
		s->state = ST_AUTH;
}

int
session_announce(struct session *s, int allow_expunge, int uid_fetch)
{
	const char *err = NULL;
	int kw_before, r;

	if (s->state != ST_SELECTED || s->sel.view == NULL)
		return 0;
	kw_before = flagnews_count(s);
	r = view_sync(s->sel.view, &err);
	if (r == FOLDER_RESET) {
		/* RFC 3501 2.3.1.1: UIDVALIDITY changed under a selected
		 * mailbox; the UIDs the client holds are void. */
		resp_untagged(s->stream, "BYE [UIDVALIDITY] %s", err);
		s->closing = 1;
		return -1;
	}
	if (r < 0)
		log_error("sync: user=%s mailbox=%s: %s", s->user.name,
			  s->sel.name, err);
	/* A keyword another session made comes before the FETCH that
	 * shows it (imap/flagnews.h). */
	flagnews_announce(s, kw_before, 1);
	/* RFC 5267 4.3.2: REMOVEFROM before the EXPUNGE, ADDTO after the
	 * EXISTS or FETCH that cause it. */
	context_before(s, allow_expunge);
	view_announce(s->sel.view, s->stream, allow_expunge, uid_fetch);
	context_after(s);
	notify_announced(s);            /* MessageNew's FETCH (RFC 5465 5.2) */
	urlauth_announce(s);            /* a RESETKEY (RFC 4467) */
	return 0;
}

void
session_ok(struct session *s, const struct command *cmd, const char *fmt,
	   ...)
{
	char *text;
	va_list ap;
	int n;

	if (session_announce(s, !(s->cmd_flags & CMD_NO_EXPUNGE),
			     s->uid_command) < 0)
		return;
	/* In the arena, whatever its length: COPYUID's sets can be long. */
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	text = arena_alloc(s->arena, n > 0 ? (size_t)n + 1 : 1);
	text[0] = '\0';
	va_start(ap, fmt);
	if (n > 0)
		vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	resp_tagged(s->stream, cmd->tag, "OK", "%s", text);
}

/* A synchronizing literal is only invited for a command that may run:
 * the client of an unknown or misplaced command is told so before it
 * sends the data (RFC 3501 7.5 lets the server refuse with BAD). */
static void
literal_wait(struct session *s)
{
	const struct command *cmd = parser_command(s->parser);

	append_settle(s);       /* answers come in order */
	/* RFC 3502 3's example: a mailbox that does not exist is NO
	 * [TRYCREATE] before the client sends the message. */
	if (admissible(s, cmd) == NULL ||
	    (strcmp(cmd->name, "APPEND") == 0 && cmd->nargs > 1 &&
	     dest_check(s, cmd, &cmd->args[0]) < 0)) {
		parser_literal_reject(s->parser);
		literal_close(s);
		return;
	}
	resp_continue(s->stream, "Ready for literal data");
}

static void
syntax_error(struct session *s)
{
	const struct command *cmd = parser_command(s->parser);

	append_settle(s);       /* answers come in order */
	/* RFC 7889 4, RFC 4469 5.2: a message over APPENDLIMIT is refused
	 * with NO [TOOBIG], not as bad syntax. */
	if (cmd->name != NULL && strcmp(cmd->name, "APPEND") == 0 &&
	    strcmp(parser_error(s->parser), "Literal too large") == 0)
		resp_tagged(s->stream, parser_error_tag(s->parser), "NO",
			    "[TOOBIG] Message too large");
	else
		resp_tagged(s->stream, parser_error_tag(s->parser), "BAD",
			    "%s", parser_error(s->parser));
	if (parser_error_fatal(s->parser)) {
		resp_untagged(s->stream, "BYE %s; closing the connection",
			      parser_error(s->parser));
		s->closing = 1;
	}
	s->bad_in_row++;
}

/* 1 when more input is there to be read without waiting. */
static int
input_waiting(struct session *s)
{
	int r = stream_wait(s->stream, -1, 0);

	return r > 0 && (r & STREAM_WAIT_INPUT);
}

static void
serve(struct session *s)
{
	while (!s->closing) {
		/* A client that stops sending may be waiting for the
		 * answers to its APPENDs: they are settled now. */
		if (s->in_pos == s->in_len && s->abatch != NULL &&
		    !input_waiting(s))
			append_settle(s);
		if (s->in_pos == s->in_len && fill_input(s) < 0)
			break;
		switch (feed(s)) {
		case PARSE_NEED_MORE:
			break;
		case PARSE_LITERAL_WAIT:
			literal_wait(s);
			break;
		case PARSE_COMMAND:
			dispatch(s, parser_command(s->parser));
			literal_close(s);
			arena_reset(s->arena);
			break;
		case PARSE_LINE:        /* only asked for by handlers */
		case PARSE_ERROR:
			literal_close(s);
			syntax_error(s);
			break;
		}
		if (s->bad_in_row >= MAX_BAD_IN_ROW && !s->closing) {
			resp_untagged(s->stream, "BYE Too many invalid commands");
			s->closing = 1;
		}
	}
	append_settle(s);
	if (stream_flush(s->stream) < 0)
		output_broken(s);
}

static void
classify_peer(struct session *s, const struct sockaddr *peer)
{
	if (peer == NULL) {
		snprintf(s->peer_ip, sizeof(s->peer_ip), "unknown");
		return;
	}
	if (peer->sa_family == AF_UNIX) {
		snprintf(s->peer_ip, sizeof(s->peer_ip), "local");
		s->peer_local = 1;
		return;
	}
	addr_ntop(peer, s->peer_ip, sizeof(s->peer_ip));
	s->peer_local = addr_in_ranges(peer, s->config->local_networks);
}

static void
classify_local(struct session *s, const struct sockaddr *local)
{
	if (local == NULL)
		snprintf(s->local_ip, sizeof(s->local_ip), "unknown");
	else if (local->sa_family == AF_UNIX)
		snprintf(s->local_ip, sizeof(s->local_ip), "local");
	else
		addr_ntop(local, s->local_ip, sizeof(s->local_ip));
}

/* The logout line: what the session did, for accounting (imapd(8),
 * LOGGING, defines the fields). */
static void
log_logout(struct session *s)
{
	char user[LOG_WORD_MAX];
	long long ms = clock_ms() - s->started;

	log_info("logout: user=%s rip=%s in=%llu out=%llu cmds=%lu "
		 "select=%lu fetch=%lu store=%lu search=%lu append=%lu "
		 "copy=%lu move=%lu expunge=%lu reason=%s session=%lld.%03lld",
		 log_word(s->user.name, user, sizeof(user)), s->peer_ip,
		 (unsigned long long)s->stream->bytes_in,
		 (unsigned long long)s->stream->bytes_out, s->commands,
		 s->counts.select, s->counts.fetch, s->counts.store,
		 s->counts.search, s->counts.append, s->counts.copy,
		 s->counts.move, s->counts.expunge,
		 s->end_reason ? s->end_reason : "bye", ms / 1000, ms % 1000);
}

static void
greet(struct session *s, const struct auth_user *preauth)
{
	if (preauth != NULL) {
		resp_untagged(s->stream, "PREAUTH [CAPABILITY %s] skua ready, "
			      "logged in as %s", capability_list(s),
			      preauth->name);
	} else {
		resp_untagged(s->stream, "OK [CAPABILITY %s] skua ready.",
			      capability_list(s));
	}
	arena_reset(s->arena);
}

int
session_run(const struct session_params *p)
{
	struct session *s = calloc(1, sizeof(*s));
	struct parser_sink sink;

	if (s == NULL)
		fatal("out of memory");
	s->config = p->config;
	s->stream = p->stream;
	s->arena = arena_new(16384);
	s->state = ST_NOT_AUTH;
	s->parser = parser_new(&imap_limits_preauth);
	s->literal_fd = -1;
	sink.open = literal_open;
	sink.write = literal_write;
	sink.ctx = s;
	parser_set_sink(s->parser, &sink);
	s->login_deadline = clock_ms() + s->config->login_timeout * 1000;
	s->started = clock_ms();
	classify_peer(s, p->peer);
	classify_local(s, p->local);
	update_title(s, NULL);
	if (p->preauth != NULL) {
		session_logged_in(s, p->preauth);
		session_login_done(s, NULL, "PREAUTH");
	}

	greet(s, p->preauth);
	serve(s);

	if (s->state != ST_NOT_AUTH)
		log_logout(s);
	rawlog_free(&s->rawlog);
	notify_stop(s);
	session_unselect(s);
	literal_close(s);
	stream_free(&s->stream);
	parser_free(&s->parser);
	arena_free(&s->arena);
	mailstore_free(&s->store);
	free(s->maildir);
	free(s);
	return 0;
}
