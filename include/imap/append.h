/* include/imap/append.h — APPEND's machinery for the commands that add
 * a message the way APPEND does: REPLACE (RFC 8508 3.4: "extensions
 * that affect APPEND affect REPLACE in the same way"). */
#ifndef SKUA_IMAP_APPEND_H
#define SKUA_IMAP_APPEND_H

#include <stddef.h>
#include <stdint.h>

#include "imap/command.h"

/* Called instead of APPEND's tagged OK once the messages are in the
 * mailbox: it must answer the command. */
typedef void append_done_fn(struct session *s, const struct command *cmd,
			    uint32_t uidvalidity, const uint32_t *uids,
			    size_t n, void *ctx);

/* APPEND with cmd's arguments (mailbox, then the messages). Every
 * failure is answered (BAD, NO) as APPEND answers it; on success done,
 * when not NULL, is called to answer instead of APPEND's tagged OK. */
void append_run(struct session *s, const struct command *cmd,
		append_done_fn *done, void *ctx);

/* Plain APPENDs pipelined into one mailbox are committed as a group
 * (cmd_append.c): their tagged OKs wait in s->abatch until this makes
 * the run durable and answers each. The session calls it before it
 * waits for input, before any other command or answer, and at the end.
 * Does nothing when no APPEND waits. */
void append_settle(struct session *s);

/* 1 when the literal the parser is about to read for cmd (whose
 * arguments so far are cmd->args) is REPLACE's message and may go to
 * the session's literal file like APPEND's (session.c). */
int  replace_literal_wanted(const struct command *cmd);

#endif
