/* src/imap/response.c — response lines and string encoding. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/response.h"
#include "util/xalloc.h"

static void
resp_vline(struct stream *out, const char *prefix, const char *status,
	   const char *fmt, va_list ap)
{
	char small[1024], *text = small;
	va_list again;
	int n;

	/* Most lines fit on the stack; COPYUID's sets may not. */
	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small)) {
		text = xmalloc((size_t)n + 1);
		vsnprintf(text, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	/* A response is one line: nothing a caller formats may break it. */
	for (char *p = text; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	stream_puts(out, prefix);
	stream_puts(out, " ");
	if (status != NULL) {
		stream_puts(out, status);
		stream_puts(out, " ");
	}
	stream_puts(out, text);
	stream_puts(out, "\r\n");
	if (text != small)
		free(text);
}

void
resp_tagged(struct stream *out, const char *tag, const char *status,
	    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	resp_vline(out, tag, status, fmt, ap);
	va_end(ap);
}

void
resp_untagged(struct stream *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	resp_vline(out, "*", NULL, fmt, ap);
	va_end(ap);
}

void
resp_continue(struct stream *out, const char *text)
{
	stream_puts(out, "+ ");
	stream_puts(out, text);
	stream_puts(out, "\r\n");
}

/* RFC 3501 9: quoted = DQUOTE *QUOTED-CHAR DQUOTE, where QUOTED-CHAR is
 * any 7-bit TEXT-CHAR (no CR, LF, NUL), with " and \ escaped. A long
 * string goes as a literal too, so no client meets a huge quoted line. */
static int
quotable(const unsigned char *p, size_t len)
{
	if (len > 1024)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (p[i] == 0 || p[i] == '\r' || p[i] == '\n' || p[i] >= 0x80)
			return 0;
	return 1;
}

void
resp_string(struct stream *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t start = 0;

	if (!quotable(p, len)) {
		stream_printf(out, "{%zu}\r\n", len);
		stream_write(out, p, len);
		return;
	}
	stream_puts(out, "\"");
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '"' && p[i] != '\\')
			continue;
		stream_write(out, p + start, i - start);
		stream_puts(out, "\\");
		start = i;
	}
	stream_write(out, p + start, len - start);
	stream_puts(out, "\"");
}

void
resp_nstring(struct stream *out, const char *str)
{
	if (str == NULL)
		stream_puts(out, "NIL");
	else
		resp_string(out, str, strlen(str));
}
