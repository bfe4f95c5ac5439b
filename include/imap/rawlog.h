/* include/imap/rawlog.h — a protocol trace of one user's sessions, for
 * finding out what a mail client really sends (rawlog_users,
 * rawlog_dir, rawlog_max_size in imapd.conf(5)).
 *
 * The trace starts after the login, in the user's process and with the
 * user's rights, so it never holds a password: what was read before the
 * login is not recorded, and the login itself is a comment that names
 * the mechanism only. It sees the plain IMAP text, above TLS and
 * COMPRESS, through a stream tap (util/stream.h). */
#ifndef SKUA_IMAP_RAWLOG_H
#define SKUA_IMAP_RAWLOG_H

#include <stddef.h>

#include "auth/user.h"
#include "util/config.h"
#include "util/stream.h"

struct rawlog;

/* For a user listed in rawlog_users: opens rawlog_dir (made 0700 when
 * missing; refused when it is a symbolic link, not a directory, not the
 * user's, or writable by group or others), creates a new file in it
 * named YYYYMMDD-HHMMSS-PID.log, mode 0600, never through a symbolic
 * link, writes a header and taps stream. Returns the trace; NULL when
 * the user is not listed, or with a log line saying why when no trace
 * can be made (the session goes on untraced). */
struct rawlog *rawlog_start(const struct config *c, const struct auth_user *u,
			    const char *rip, struct stream *stream);
/* Writes a comment line: "# " and the text. */
void rawlog_note(struct rawlog *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Records bytes that the tap did not see: input read before the trace
 * started but handled after it (commands pipelined behind the login). */
void rawlog_record(struct rawlog *r, int output, const void *buf,
		   size_t len);
/* Removes the tap, writes the last line and closes the file; sets *r to
 * NULL. */
void rawlog_free(struct rawlog **r);

#endif
