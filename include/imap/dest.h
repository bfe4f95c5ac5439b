/* include/imap/dest.h — the destination mailbox of COPY and APPEND
 * (RFC 3501 6.3.11, 6.4.7): found by its wire name and opened as a
 * folder of its own with its keywords, also when it is the selected
 * mailbox (the selected folder's view then learns of the new messages
 * at its next sync, like any other writer's).
 *
 * A name that is not a mailbox, or a \Noselect level, answers
 * NO [TRYCREATE] (RFC 3501 6.3.11, 6.4.7) in Dovecot 2.3's words
 * "Mailbox doesn't exist: NAME". */
#ifndef SKUA_IMAP_DEST_H
#define SKUA_IMAP_DEST_H

#include "imap/command.h"

struct dest {
	const char *name;       /* wire name, in s->arena */
	const char *dir;        /* the folder's directory, in s->arena */
	struct folder *f;
	struct keywords *kw;
};

/* Opens the mailbox named by the astring a. Returns 0, or -1 after
 * answering BAD (not a mailbox name) or NO. */
int  dest_open(struct session *s, const struct command *cmd,
	       const struct arg *a, struct dest *d);
/* Answers NO [SERVERBUG] and logs what, the mailbox and err. */
void dest_fail(struct session *s, const struct command *cmd,
	       const struct dest *d, const char *what, const char *err);
void dest_close(struct dest *d);
/* Before APPEND's literal is invited (RFC 3502's example answers
 * "NO [TRYCREATE]" instead of "+"): returns 0 when the astring a names a
 * mailbox that can take messages, or is no name at all (the complete
 * command will answer BAD), else -1 after answering NO as dest_open. */
int  dest_check(struct session *s, const struct command *cmd,
		const struct arg *a);

#endif
