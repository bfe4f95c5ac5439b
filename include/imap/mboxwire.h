/* include/imap/mboxwire.h — what the commands that name mailboxes share
 * on the wire (cmd_mailbox.c, cmd_list.c, imap/status.c): reading a
 * mailbox-name argument, writing a name back, and turning a store error
 * into "NO [CODE] sentence" (RFC 5530). */
#ifndef SKUA_IMAP_MBOXWIRE_H
#define SKUA_IMAP_MBOXWIRE_H

#include "imap/command.h"
#include "store/mailboxes.h"

/* The name an astring argument spells (RFC 3501 9), or NULL for another
 * kind of argument or one holding NUL. A bare NIL is the name "NIL". */
const char *mboxwire_astring(const struct arg *a);
/* Writes name as an atom when it can be one (not "NIL", which would read
 * as nil), else as a quoted string or a literal, as Dovecot 2.3 does.
 * In a session with UTF-8 names (mboxwire_utf8) a name with UTF-8 in it
 * goes as a quoted string (RFC 6855 3 "uQUOTED-CHAR"); otherwise 8-bit
 * bytes only ever go in a literal. */
void mboxwire_put_name(struct session *s, const char *name);
/* 1 when mailbox names travel in UTF-8 on this connection: after ENABLE
 * UTF8=ACCEPT (RFC 6855 3) or ENABLE IMAP4rev2 (RFC 9051 5.1, Appendix
 * A: modified UTF-7 is only for IMAP4rev1 clients). */
int  mboxwire_utf8(const struct session *s);
/* Answers a store error with NO and its response code. An I/O error
 * (MBOX_ERR_SERVER) goes to the log with user and mailbox; the client
 * hears only [SERVERBUG]. */
void mboxwire_answer_err(struct session *s, const struct command *cmd,
			 const char *name, const struct mbox_err *err);
/* Answers FOLDER_INUSE (store/folder.h): another process held the
 * folder's dovecot-uidlist.lock for the whole lock timeout, so nothing
 * was done; "NO [INUSE] Mailbox is busy, try again" (RFC 5530 3). err,
 * which names the lock, goes to the log. */
void mboxwire_answer_inuse(struct session *s, const struct command *cmd,
			   const char *name, const char *err);

#endif
