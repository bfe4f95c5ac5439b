/* src/imap/append_utf8.c — RFC 6855 4, the UTF8 data extension of APPEND
 * and the refusal of 8-bit headers before ENABLE (see
 * include/imap/append_utf8.h).
 *
 * The header is scanned up to its end: the first empty line, "\r\n\r\n"
 * or a bare "\n\n" as the MIME parser takes them. A message without an
 * empty line is all header. The scan reads the session's literal file
 * in blocks and stops at the end of the header, so a large body costs
 * nothing. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "imap/append_utf8.h"
#include "imap/mboxwire.h"

const struct arg *
append_utf8_literal(const struct arg *args, size_t n, size_t *used_r,
		    const char **err_r)
{
	*used_r = 0;
	if (n < 2 || args[0].type != ARG_ATOM ||
	    strcasecmp((const char *)args[0].data, "UTF8") != 0 ||
	    args[1].type != ARG_LIST)
		return NULL;
	if (args[1].count != 1 || args[1].list[0].type != ARG_LITERAL ||
	    !args[1].list[0].binary) {
		*err_r = "UTF8 wants one literal8 in parentheses: UTF8 (~{n})";
		return NULL;
	}
	*used_r = 2;
	return &args[1].list[0];
}

/* Scans p[0..len) of a header; *nl counts the line feeds seen last
 * with only a CR between them, across calls. Returns 1 for an 8-bit
 * byte, -1 at the end of the header, 0 to go on. */
static int
scan(const unsigned char *p, size_t len, int *nl)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x80)
			return 1;
		if (p[i] == '\n') {
			if (++*nl == 2)
				return -1;
		} else if (p[i] != '\r') {
			*nl = 0;
		}
	}
	return 0;
}

int
append_header_8bit(struct session *s, const struct arg *lit, off_t offset)
{
	unsigned char buf[8192];
	size_t left = lit->len;
	int nl = 1, fd, e, r = 0;      /* an empty first line ends it too */

	if (!lit->sunk)
		return scan(lit->data, lit->len, &nl) == 1;
	if ((fd = session_literal_fd(s, &e)) < 0)
		return 0;
	while (left > 0 && r == 0) {
		ssize_t got = pread(fd, buf, left < sizeof(buf) ? left :
				    sizeof(buf), offset);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return 0;
		r = scan(buf, (size_t)got, &nl);
		offset += got;
		left -= (size_t)got;
	}
	return r == 1;
}

int
append_8bit_refused(const struct session *s)
{
	return !mboxwire_utf8(s);
}
