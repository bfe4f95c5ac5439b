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

struct mailstore;

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
	char peer_ip[ADDR_STR_MAX];     /* "" when unknown */
	int peer_local;                 /* peer is in local_networks */
	int auth_failures;
	int bad_in_row;                 /* consecutive BAD answers */
	long long login_deadline;       /* ms, monotonic */
	unsigned long commands;

	/* Bytes read from the stream and not yet consumed by the parser. */
	unsigned char in[SESSION_IN_SIZE];
	size_t in_pos;
	size_t in_len;
};

typedef void command_fn(struct session *s, const struct command *cmd);

struct command_def {
	const char *name;
	command_fn *fn;
	unsigned states;                /* ST_* where it is allowed */
};

/* The handler for name (upper case), or NULL for an unknown command. */
const struct command_def *command_lookup(const char *name);

/* 1 when LOGIN and AUTHENTICATE are allowed on this connection now
 * (encrypted, or plaintext_auth permits it for this peer). */
int session_plaintext_ok(struct session *s);
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
/* Switches the parser to the limits of the current state. */
void session_apply_limits(struct session *s);

/* The handlers, by family. */
command_fn cmd_capability, cmd_noop, cmd_logout, cmd_id;
command_fn cmd_starttls;
command_fn cmd_login, cmd_authenticate;
command_fn cmd_unavailable;

#endif
