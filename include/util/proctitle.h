/* include/util/proctitle.h — what ps(1) and top(1) show for a process,
 * such as "imapd: alice 10.0.0.5 SELECTED INBOX", so that an admin sees
 * who each connection process serves and what it is doing.
 *
 * Linux has no setproctitle(3): ps reads /proc/PID/cmdline, which is
 * the memory the kernel laid argv out in, followed by environ. Like
 * sendmail, OpenSSH and Dovecot, we copy the strings of both to the heap
 * (argv[] and environ then point at the copies, so getopt and getenv work
 * as before) and write the title over the original area. */
#ifndef SKUA_UTIL_PROCTITLE_H
#define SKUA_UTIL_PROCTITLE_H

/* Takes over argv's and environ's memory; call first thing in main(),
 * before getopt or anything else keeps a pointer into argv or environ.
 * prog ("imapd") starts every title. Changes nothing ps shows yet. */
void proctitle_init(int argc, char **argv, const char *prog);
/* Turns titles on (the default after init) or off; off puts the original
 * command line back. */
void proctitle_enable(int on);
/* Sets the title to "prog: " and the formatted text, cut to the space
 * there is; control characters become '?'. Does nothing when off or
 * without init. */
void proctitle_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
