/* include/util/log.h — the daemon's log: syslog, or stderr in the
 * foreground. Lines are single, printable, and say what an admin needs:
 * who, from where, what happened, what to do. */
#ifndef SKUA_UTIL_LOG_H
#define SKUA_UTIL_LOG_H

#include <stddef.h>

/* Opens the log. ident is the program name; facility a syslog facility
 * name ("mail", "local0", ...). With to_stderr the lines go to stderr with
 * a timestamp and the pid instead. Returns 0, or -1 for an unknown
 * facility (the log then uses "mail"). */
int  log_open(const char *ident, const char *facility, int to_stderr);
/* Sets a prefix added to every line, such as "user=alice rip=10.0.0.5". */
void log_set_context(const char *context);
/* Writes str into out as one word that log parsers (and fail2ban) can
 * take as a value: bytes outside printable ASCII, the blank, and
 * % < > " \ become %XX (upper-case hex, as in a URL), everything else
 * stays. A word that does not fit in size bytes is cut before an
 * escape, never inside one. Returns out. LOG_WORD_MAX holds any user
 * name (auth/user.h AUTH_NAME_MAX) escaped. */
#define LOG_WORD_MAX (3 * 256 + 1)
const char *log_word(const char *str, char *out, size_t size);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs and exits with status 1. Only main() and the privilege drop call it. */
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
