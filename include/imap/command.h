/* include/imap/command.h — what command handlers see of a session, and
 * the command table that says which handler runs in which state.
 *
 * Flags in the table, not checks scattered in handlers, decide what is
 * allowed where (STYLE.md). A handler answers its own tagged response,
 * and allocates from s->arena, which is reset after each command. */
#ifndef SKUA_IMAP_COMMAND_H
#define SKUA_IMAP_COMMAND_H

#include <stddef.h>
#include <sys/socket.h>

#include "auth/user.h"
#include "imap/parser.h"
#include "util/addr.h"
#include "util/arena.h"
#include "util/config.h"
#include "util/stream.h"

enum session_state {
	ST_NOT_AUTH = 1 << 0,
	ST_AUTH = 1 << 1,
	ST_SELECTED = 1 << 2,
};
#define ST_ANY (ST_NOT_AUTH | ST_AUTH | ST_SELECTED)
#define ST_AUTHED (ST_AUTH | ST_SELECTED)

#define SESSION_IN_SIZE 16384
/* The largest message APPEND takes (the parser's max_sunk_literal), as
 * APPENDLIMIT announces it (RFC 7889). */
#define SESSION_APPEND_LIMIT (64 * 1024 * 1024)

struct mailstore;
struct rawlog;
struct folder;
struct view;
struct keywords;
struct mcache;
struct seqset;
struct context_list;
struct notify;

/* The selected mailbox (RFC 3501 3.3). */
struct selected {
	char *name;                     /* as the client named it */
	struct folder *folder;
	struct view *view;
	struct keywords *kw;
	/* skua.cache, opened by the first FETCH or SEARCH that needs it
	 * and kept while the folder is selected (imap/msgcache.h). */
	struct mcache *cache;
	int readonly;                   /* EXAMINE */
};

struct session {
	const struct config *config;
	struct stream *stream;
	struct parser *parser;
	struct arena *arena;            /* reset after every command */
	enum session_state state;
	int closing;                    /* end after this command */

	struct auth_user user;          /* valid once authenticated */
	char *maildir;                  /* resolved at login */
	struct mailstore *store;        /* set up at login */
	struct selected sel;            /* valid in ST_SELECTED */
	int uid_command;                /* the command came as UID ... */
	unsigned cmd_flags;             /* CMD_* of the running command */
	unsigned enabled;               /* SESSION_EXT_*: session_enabled */
	char peer_ip[ADDR_STR_MAX];     /* "" when unknown */
	int peer_local;                 /* peer is in local_networks */
	int auth_failures;
	int bad_in_row;                 /* consecutive BAD answers */
	long long login_deadline;       /* ms, monotonic */
	unsigned long commands;

	/* For the logout line and the process title (session.c). */
	struct {
		unsigned long select, fetch, store, search, append, copy,
			      move, expunge;
	} counts;                       /* commands run, UID forms too */
	const char *end_reason;         /* logout, eof, timeout, error; NULL
					   until known (then "bye") */
	long long started;              /* ms, monotonic, at the greeting */
	char local_ip[ADDR_STR_MAX];    /* the address the client reached */
	struct rawlog *rawlog;          /* rawlog_users' trace, or NULL */

	/* APPEND's message literal, streamed by the parser into an
	 * unlinked file in the Maildir's tmp/ (session.c). */
	int literal_fd;                 /* -1: none */
	int literal_errno;              /* a write into it failed, or 0 */
	/* APPENDs staged and not yet answered (imap/append.h), or NULL. */
	struct append_batch *abatch;

	/* SEARCHRES "$": the saved UIDs, malloc'ed, NULL when empty
	 * (imap/searchres.h). */
	struct seqset *searchres;

	/* RFC 5267 updating contexts (imap/context.h), NULL when none. */
	struct context_list *contexts;

	/* NOTIFY (RFC 5465, imap/notify.h), NULL when not in force. */
	struct notify *notify;

	/* Bytes read from the stream and not yet consumed by the parser. */
	unsigned char in[SESSION_IN_SIZE];
	size_t in_pos;
	size_t in_len;
};

typedef void command_fn(struct session *s, const struct command *cmd);

/* RFC 3501 7.4.1: no EXPUNGE response while a FETCH, STORE or SEARCH
 * runs (nor their UID forms), so sequence numbers hold still. */
#define CMD_NO_EXPUNGE  0x01
/* May come as "UID name ..." (RFC 3501 6.4.8). */
#define CMD_UID_FORM    0x02

struct command_def {
	const char *name;
	command_fn *fn;
	unsigned states;                /* ST_* where it is allowed */
	unsigned flags;                 /* CMD_* */
};

/* The handler for name (upper case), or NULL for an unknown command. */
const struct command_def *command_lookup(const char *name);
/* For commands that take no arguments: answers BAD and returns 1 when
 * cmd has some, else returns 0. */
int command_has_args(struct session *s, const struct command *cmd);

/* 1 when LOGIN and AUTHENTICATE are allowed on this connection now
 * (encrypted, or plaintext_auth permits it for this peer). */
int session_plaintext_ok(struct session *s);
/* The file holding the literals the parser sank for the running command
 * (APPEND's messages, one after another in the order of the arguments:
 * each at the sum of the sizes of the sunk ones before it), positioned
 * at its end, or -1 with *errno_r set
 * when writing it failed (0 when there is none). The session closes it
 * after the command. */
int session_literal_fd(struct session *s, int *errno_r);
/* Reads one raw line from the client (a SASL response), waiting as the
 * state's timeout allows. Returns the line, or NULL when the client is
 * gone, timed out or sent too much (then s->closing is set). */
const char *session_read_line(struct session *s, size_t *len_r);
/* Drops input already read but not parsed (after STARTTLS). */
void session_discard_input(struct session *s);
/* Enters the authenticated state as u (already dropped to): resolves
 * the Maildir, sets up s->store (making what is missing, see
 * imap/mailstore.h) and widens the parser's limits. */
void session_logged_in(struct session *s, const struct auth_user *u);
/* After session_logged_in, before the tagged OK: writes the login line
 * to the log and, for a user in rawlog_users, starts the protocol trace
 * (imap/rawlog.h) with a note that tag logged in with mech. */
void session_login_done(struct session *s, const char *tag,
			const char *mech);
/* In the selected state: syncs the mailbox and sends the untagged
 * updates the client may hear now: FLAGS and PERMANENTFLAGS when another
 * session made a keyword, EXISTS, RECENT, FETCH FLAGS (with UID when
 * uid_fetch), and EXPUNGE when allow_expunge. Returns 0, or -1 when the
 * session must end (s->closing is set: UIDVALIDITY changed, and BYE was
 * sent). */
int  session_announce(struct session *s, int allow_expunge, int uid_fetch);
/* Extensions this connection has turned on, for its whole life: by
 * ENABLE (RFC 5161, src/imap/cmd_enable.c) or, for CONDSTORE, by any
 * CONDSTORE enabling command (RFC 7162 3.1, imap/condstore.h). QRESYNC
 * implies CONDSTORE. */
#define SESSION_EXT_CONDSTORE   0x01
#define SESSION_EXT_QRESYNC     0x02
#define SESSION_EXT_UTF8_ACCEPT 0x04    /* RFC 6855 3 */
#define SESSION_EXT_IMAP4REV2   0x08    /* RFC 9051, Appendix A */
/* 1 when every bit of ext_bit is on. */
int  session_enabled(const struct session *s, unsigned ext_bit);
/* Ends a command with "tag OK text": in the selected state it first
 * syncs the mailbox and sends the untagged updates the client may hear
 * now (EXISTS, RECENT, FETCH FLAGS, and EXPUNGE unless the command is
 * CMD_NO_EXPUNGE). fmt may start with a response code. */
void session_ok(struct session *s, const struct command *cmd,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Leaves the selected state (CLOSE, UNSELECT, a new SELECT). */
void session_unselect(struct session *s);
/* Switches the parser to the limits of the current state. */
void session_apply_limits(struct session *s);

/* The handlers, by family. */
command_fn cmd_capability, cmd_noop, cmd_logout, cmd_id;
command_fn cmd_starttls;
command_fn cmd_login, cmd_authenticate;
command_fn cmd_uid;
command_fn cmd_select, cmd_examine, cmd_close, cmd_check, cmd_expunge,
	   cmd_unselect;
command_fn cmd_idle;
command_fn cmd_compress;
command_fn cmd_create, cmd_delete, cmd_rename, cmd_subscribe,
	   cmd_unsubscribe, cmd_list, cmd_lsub, cmd_status;
command_fn cmd_namespace;
command_fn cmd_append, cmd_store, cmd_copy;
command_fn cmd_move;
command_fn cmd_fetch;
command_fn cmd_search;
command_fn cmd_enable;
command_fn cmd_sort, cmd_thread;
command_fn cmd_getquota, cmd_getquotaroot, cmd_setquota;
command_fn cmd_replace;
command_fn cmd_genurlauth, cmd_resetkey, cmd_urlfetch;
command_fn cmd_notify;

#endif
