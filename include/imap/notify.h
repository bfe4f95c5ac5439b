/* include/imap/notify.h — NOTIFY (RFC 5465): which events a session asked
 * for, and their delivery, between commands as well as in IDLE and at the
 * end of commands.
 *
 * cmd_notify (src/imap/cmd_notify.c) reads NOTIFY SET and NOTIFY NONE
 * into a struct notify_spec and hands it to notify_start; the rest of the
 * session calls the hooks below (src/imap/notify.c). Without NOTIFY, or
 * after NOTIFY NONE, s->notify is NULL and every hook does nothing, so
 * the session behaves as RFC 5465 3.1 says of a session that never used
 * NOTIFY.
 *
 * Events on other mailboxes (STATUS, LIST) are found through one inotify
 * descriptor (store/watch.h) on the Maildir root and on new/ and cur/ of
 * every watched folder, at most notify_max_folders of them (imapd.conf;
 * two inotify watches each, counted per user by the kernel): a NOTIFY
 * SET that would watch more is refused with NO [NOTIFICATIONOVERFLOW],
 * and when later creations push the set past the bound the session is
 * told "* OK [NOTIFICATIONOVERFLOW]" and falls back to NOTIFY NONE
 * (5.8). */
#ifndef SKUA_IMAP_NOTIFY_H
#define SKUA_IMAP_NOTIFY_H

#include <stddef.h>

#include "imap/command.h"

/* Events (RFC 5465 5). */
#define NOTIFY_EV_NEW       0x01        /* MessageNew */
#define NOTIFY_EV_EXPUNGE   0x02        /* MessageExpunge */
#define NOTIFY_EV_FLAGS     0x04        /* FlagChange */
#define NOTIFY_EV_NAME      0x08        /* MailboxName */
#define NOTIFY_EV_SUBS      0x10        /* SubscriptionChange */
#define NOTIFY_EV_MESSAGE   (NOTIFY_EV_NEW | NOTIFY_EV_EXPUNGE | \
			     NOTIFY_EV_FLAGS)

/* Mailbox filters (RFC 5465 6). */
enum notify_filter {
	NOTIFY_INBOXES,
	NOTIFY_PERSONAL,
	NOTIFY_SUBSCRIBED,
	NOTIFY_SUBTREE,
	NOTIFY_MAILBOXES,
};

/* One event group other than SELECTED/SELECTED-DELAYED. */
struct notify_group {
	enum notify_filter filter;
	unsigned events;                /* NOTIFY_EV_* */
	char **names;                   /* SUBTREE, MAILBOXES: wire names */
	size_t nnames;
};

/* What NOTIFY SET asked for; everything malloc'ed, owned by the spec. */
struct notify_spec {
	unsigned sel_events;            /* SELECTED's message events, or 0 */
	int sel_delayed;                /* SELECTED-DELAYED (6.1.2) */
	struct arg *fetch;              /* MessageNew's fetch-att list for the
					 * selected mailbox, or NULL */
	struct notify_group *groups;
	size_t ngroups;
	int status;                     /* the STATUS indicator (3.1) */
};

void notify_spec_free(struct notify_spec *spec);

/* NOTIFY SET: replaces the session's events by spec (taking it over,
 * also on failure), sends the initial STATUS responses when asked.
 * Returns 0, or -1 with *code_r ("NOTIFICATIONOVERFLOW") and *text_r
 * for the NO; the events in force before stay then. */
int  notify_start(struct session *s, struct notify_spec *spec,
		  const char **code_r, const char **text_r);
/* NOTIFY NONE, the end of the session, and an overflow. */
void notify_stop(struct session *s);

/* The descriptor that becomes readable when a watched event may have
 * happened, or -1 when NOTIFY is not in force. Stable while it is. */
int  notify_fd(const struct session *s);
/* Sends the untagged responses of the events that happened: STATUS and
 * LIST for other mailboxes, and for the selected one what SELECTED asked
 * (EXPUNGE held back under SELECTED-DELAYED unless in_idle). Returns 0,
 * or -1 when the session must end (s->closing set). */
int  notify_deliver(struct session *s, int in_idle);
/* Waits for client input at most *timeout_ms, delivering events as they
 * come (RFC 5465 3.1: "the client listens for event notifications all
 * the time"); *timeout_ms is left with what remains. Returns 0, or -1
 * when the session must end. */
int  notify_wait(struct session *s, int *timeout_ms);

/* Hooks for the session loop: before and after each command. What the
 * second needs of the command is taken by the first: after IDLE the
 * parser's memory behind cmd holds the DONE line. After this session's
 * own CREATE, DELETE, RENAME, SUBSCRIBE or UNSUBSCRIBE the tree is
 * compared at once and those names are not told back (5). */
void notify_before(struct session *s, const struct command *cmd);
void notify_after(struct session *s, const struct command *cmd);
/* Called by session_announce after the EXISTS it sent: writes the FETCH
 * of MessageNew's fetch-att list for messages new to the client (5.2). */
void notify_announced(struct session *s);

#endif
