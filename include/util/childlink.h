/* include/util/childlink.h — what a connection process tells the listener
 * that forked it, while it is still root: each failed login (counted per
 * client address, net/listener.c) and, at login, the user's name (counted
 * per user, and answered yes or no).
 *
 * One SOCK_SEQPACKET socketpair per child, made by the listener before the
 * fork. The listener knows which child and which client address its end
 * belongs to, so nothing a child says can name another address or another
 * process. The child closes its end before it becomes the user
 * (privdrop_become): once the password is checked and the privileges are
 * gone, no channel to the root listener is left. The listener never blocks
 * on a child: its end is non-blocking, it reads what is there, and its one
 * answer (to the one login question a child may ask) fits an empty socket
 * buffer. The child waits for that answer at most CHILDLINK_ANSWER_MS and
 * goes on as if allowed when none comes, so a program without a listener
 * (imapd -i, rimapd, the unit tests) works unchanged: there is no link,
 * and every call here does nothing. */
#ifndef SKUA_UTIL_CHILDLINK_H
#define SKUA_UTIL_CHILDLINK_H

#define CHILDLINK_ANSWER_MS 5000
#define CHILDLINK_MSG_MAX 300           /* a byte of kind, a user name */

/* Message kinds; the first byte of every message. */
#define CHILDLINK_AUTH_FAILED 'F'       /* child: a login failed */
#define CHILDLINK_LOGIN 'L'             /* child: may this user log in? */
#define CHILDLINK_ALLOW 'Y'             /* listener: yes */
#define CHILDLINK_REFUSE 'N'            /* listener: no, too many */

/* In the child: the end of the link to use from now on; -1 for none. */
void childlink_set(int fd);
/* Tells the listener that a login failed. Never blocks. */
void childlink_auth_failed(void);
/* Asks the listener whether user may log in now (max_user_connections).
 * Returns 0 when it may (also when there is no link, or no answer comes
 * in time), -1 when the listener refuses. */
int  childlink_login(const char *user);
/* Closes the link; the listener sees the end of it. Harmless without one. */
void childlink_close(void);

#endif
