/* include/imap/session.h — one IMAP connection from greeting to BYE.
 *
 * The program that accepted the connection (imapd) or was started on
 * stdin/stdout (imapd -i, rimapd) hands over a stream and what it knows
 * about the peer; the session does the rest: greeting, commands,
 * authentication, the privilege drop, timeouts, and the last words. */
#ifndef SKUA_IMAP_SESSION_H
#define SKUA_IMAP_SESSION_H

#include <sys/socket.h>

#include "auth/user.h"
#include "util/config.h"
#include "util/stream.h"

struct session_params {
	const struct config *config;
	struct stream *stream;          /* the session frees it at the end */
	/* The client's address; NULL when unknown (a pipe). A Unix socket
	 * peer counts as local. */
	const struct sockaddr *peer;
	/* The address the client connected to, for the log; NULL when
	 * unknown. */
	const struct sockaddr *local;
	/* rimapd: the session starts authenticated as this user (PREAUTH),
	 * already running as that user. NULL for imapd. */
	const struct auth_user *preauth;
};

/* Serves the connection to its end. Returns the process exit status. */
int session_run(const struct session_params *params);

#endif
