/* include/util/log.h — the daemon's log: syslog, or stderr in the
 * foreground. Lines are single, printable, and say what an admin needs:
 * who, from where, what happened, what to do. */
#ifndef SKUA_UTIL_LOG_H
#define SKUA_UTIL_LOG_H

/* Opens the log. ident is the program name; facility a syslog facility
 * name ("mail", "local0", ...). With to_stderr the lines go to stderr with
 * a timestamp and the pid instead. Returns 0, or -1 for an unknown
 * facility (the log then uses "mail"). */
int  log_open(const char *ident, const char *facility, int to_stderr);
/* Sets a prefix added to every line, such as "user=alice rip=10.0.0.5". */
void log_set_context(const char *context);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs and exits with status 1. Only main() and the privilege drop call it. */
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
