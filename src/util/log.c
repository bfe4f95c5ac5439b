/* src/util/log.c — one line per event, to syslog or to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

static int to_stderr = 1;
static char log_ident[32] = "skua";
static char log_context[256];

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "auth", LOG_AUTH },
	{ "authpriv", LOG_AUTHPRIV }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int
log_open(const char *ident, const char *facility, int stderr_only)
{
	int fac = LOG_MAIL, ret = -1;

	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(facilities[i].name, facility) == 0) {
			fac = facilities[i].value;
			ret = 0;
		}
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	to_stderr = stderr_only;
	if (!to_stderr)
		openlog(log_ident, LOG_PID | LOG_NDELAY, fac);
	return ret;
}

void
log_set_context(const char *context)
{
	snprintf(log_context, sizeof(log_context), "%s", context ? context : "");
}

const char *
log_word(const char *str, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	if (size == 0)
		return out;
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		int plain = *p > 0x20 && *p < 0x7f && strchr("%<>\"\\", *p) ==
			    NULL;

		if (n + (plain ? 1 : 3) >= size)
			break;
		if (plain) {
			out[n++] = (char)*p;
		} else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
	return out;
}

static void
log_line(int prio, const char *fmt, va_list ap)
{
	char msg[1024];
	const char *sep = log_context[0] ? ": " : "";

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One event, one line: never let input split or forge a line. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (to_stderr) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S",
			 localtime_r(&now, &tm));
		fprintf(stderr, "%s %s[%ld]: %s%s%s\n", stamp, log_ident,
			(long)getpid(), log_context, sep, msg);
	} else {
		syslog(prio, "%s%s%s", log_context, sep, msg);
	}
}

#define LOG_FN(fn, prio)                        \
	void fn(const char *fmt, ...)           \
	{                                       \
		va_list ap;                     \
		va_start(ap, fmt);              \
		log_line(prio, fmt, ap);        \
		va_end(ap);                     \
	}

LOG_FN(log_debug, LOG_DEBUG)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_warn, LOG_WARNING)
LOG_FN(log_error, LOG_ERR)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
