/* src/imap/catenate.c — writing a CATENATE message (imap/catenate.h).
 *
 * The parts are written one after another into the tmp/ file APPEND
 * made; nothing reaches the mailbox until APPEND commits the file, so a
 * part that fails (a URL that names nothing, a message over the limit,
 * a NUL in a TEXT literal) leaves nothing behind once APPEND aborts the
 * file: RFC 4469 3 makes the result "the new message", never a part of
 * it.
 *
 * A URL part is resolved as the session's base says (RFC 4469 3: the
 * user's own server, the selected mailbox for a URL without one) by
 * imap/urlpart.h; a URL with ";URLAUTH=" is taken once its token checks
 * out (imap/urlauth.h), like URLFETCH takes it. BADURL names the first
 * URL that failed, as given (RFC 4469 4.1). The ABNF's url-resp-text
 * (RFC 4469 5) is the URL itself, any TEXT-CHAR but "]", so it is sent
 * bare, as Dovecot 2.3 sends it (Appendix A's quotes are the example's
 * own, like its line break); a URL holding "]" or a control
 * character is not a valid URL, and those bytes are sent
 * percent-encoded. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "imap/append_utf8.h"
#include "imap/catenate.h"
#include "imap/imapurl.h"
#include "imap/urlauth.h"
#include "imap/urlpart.h"
#include "store/folder.h"
#include "util/buf.h"
#include "util/fdio.h"

static int
atom_is(const struct arg *a, const char *word)
{
	return a->type == ARG_ATOM && strcasecmp((const char *)a->data,
						  word) == 0;
}

int
catenate_args(const struct arg *args, size_t n, const struct arg **list_r,
	      const char **err_r)
{
	const struct arg *l;
	size_t used;

	if (n == 0 || !atom_is(&args[0], "CATENATE"))
		return 0;
	*err_r = "Invalid CATENATE arguments";
	if (n < 2 || args[1].type != ARG_LIST || args[1].count == 0 ||
	    args[1].count % 2 != 0)
		return -1;
	l = &args[1];
	for (size_t i = 0; i < l->count; i += 2) {
		const struct arg *kw = &l->list[i], *v = &l->list[i + 1];

		if (atom_is(kw, "TEXT") && v->type == ARG_LITERAL)
			continue;
		if (atom_is(kw, "URL") && (v->type == ARG_ATOM ||
		    v->type == ARG_QUOTED || v->type == ARG_LITERAL))
			continue;
		/* RFC 6855 4: cat-part =/ utf8-literal. */
		if (atom_is(kw, "UTF8") &&
		    append_utf8_literal(kw, 2, &used, err_r) != NULL)
			continue;
		if (atom_is(kw, "UTF8"))
			return -1;
		*err_r = "Invalid CATENATE part: TEXT literal or URL string "
			 "wanted";
		return -1;
	}
	*list_r = l;
	return 1;
}

off_t
catenate_sunk(const struct arg *list)
{
	off_t n = 0;

	for (size_t i = 0; i < list->count; i++) {
		const struct arg *a = &list->list[i];

		/* A UTF8 part's literal is one level down. */
		if (a->type == ARG_LIST && a->count == 1)
			a = &a->list[0];
		if (a->type == ARG_LITERAL && a->sunk)
			n += (off_t)a->len;
	}
	return n;
}

/* One message being written: where, how much so far, and the answer's
 * text when something fails. */
struct copy {
	struct session *s;
	int fd;
	uint64_t total;
	const char **err_r;
	struct urlpart_cache cache;     /* the URLs' last mailbox */
	int body;               /* past the header's blank line */
	int nl;                 /* LFs in a row (CRs between them) */
	int client_8bit;        /* the client's bytes put one in the header */
};

/* Follows the header of the message as it is written, for RFC 6855 4:
 * an 8-bit byte the client sent (a TEXT or UTF8 part, not data a URL
 * copies from a message already here) in the header fields. */
static void
watch_header(struct copy *c, const unsigned char *p, size_t n, int client)
{
	for (size_t i = 0; i < n && !c->body; i++) {
		if (p[i] >= 0x80 && client)
			c->client_8bit = 1;
		if (p[i] == '\n')
			c->body = ++c->nl == 2;
		else if (p[i] != '\r')
			c->nl = 0;
	}
}

static int
disk_error(struct copy *c)
{
	if (errno == ENOSPC || errno == EDQUOT) {
		*c->err_r = "Not enough disk space";
		return FOLDER_OVERQUOTA;
	}
	*c->err_r = "Cannot write the message into tmp/";
	return -1;
}

static int
put(struct copy *c, const unsigned char *p, size_t n, int client)
{
	if (c->total + n > SESSION_APPEND_LIMIT) {
		*c->err_r = "[TOOBIG] Message too large";
		return CATENATE_NO;
	}
	watch_header(c, p, n, client);
	c->total += n;
	return fd_write_all(c->fd, p, n) < 0 ? disk_error(c) : 0;
}

static int
text_part(struct copy *c, const struct arg *lit, off_t *offset)
{
	unsigned char buf[65536];
	size_t left = lit->len;
	off_t off = *offset;
	int src, e, r;

	if (!lit->sunk && !lit->binary &&
	    memchr(lit->data, '\0', lit->len) != NULL) {
		*c->err_r = "NUL in a TEXT literal: send it as a literal8 "
			    "~{n} (RFC 3516)";
		return CATENATE_BAD;
	}
	if (!lit->sunk)
		return put(c, lit->data, lit->len, 1);
	*offset += (off_t)lit->len;
	if ((src = session_literal_fd(c->s, &e)) < 0) {
		errno = e;
		return disk_error(c);
	}
	while (left > 0) {
		ssize_t n = pread(src, buf, left < sizeof(buf) ? left :
				  sizeof(buf), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*c->err_r = "Cannot read the literal back";
			return -1;
		}
		if (!lit->binary && memchr(buf, '\0', (size_t)n) != NULL) {
			*c->err_r = "NUL in a TEXT literal: send it as a "
				    "literal8 ~{n} (RFC 3516)";
			return CATENATE_BAD;
		}
		if ((r = put(c, buf, (size_t)n, 1)) != 0)
			return r;
		off += n;
		left -= (size_t)n;
	}
	return 0;
}

/* The URL's text: a string, or a literal (perhaps sunk). */
static const char *
url_text(struct copy *c, const struct arg *a, off_t *offset, size_t *len_r)
{
	char *t;
	int src, e;

	*len_r = a->len;
	if (!a->sunk)
		return (const char *)a->data;
	*offset += (off_t)a->len;
	if (a->len > IMAPURL_MAX ||
	    (src = session_literal_fd(c->s, &e)) < 0)
		return NULL;
	t = arena_alloc(c->s->arena, a->len + 1);
	if (pread(src, t, a->len, *offset - (off_t)a->len) !=
	    (ssize_t)a->len)
		return NULL;
	t[a->len] = '\0';
	return t;
}

/* The URL as BADURL shows it: TEXT-CHARs but "]" (RFC 4469 5). */
static const char *
badurl_text(struct arena *a, const char *t, size_t len)
{
	struct buf b;
	const char *ret;

	if (t == NULL)
		return "-";     /* url-resp-text is 1*TEXT-CHAR */
	buf_init(&b, 3 * 200 + 8);
	for (size_t i = 0; i < len && i < 200; i++) {
		unsigned char ch = (unsigned char)t[i];

		if (ch <= 0x20 || ch >= 0x7f || ch == ']')
			buf_printf(&b, "%%%02X", ch);
		else
			buf_append_byte(&b, ch);
	}
	ret = arena_strndup(a, b.data, b.len);
	buf_free(&b);
	return ret;
}

/* Fetches the URL's data into the message; a URL that names nothing
 * is NO [BADURL] (RFC 4469 4.1). */
static int
url_part(struct copy *c, const struct arg *a, off_t *offset)
{
	struct session *s = c->s;
	const char *why = NULL, *t;
	struct imapurl u;
	struct buf b;
	size_t len;
	int r;

	t = url_text(c, a, offset, &len);
	if (t == NULL)
		why = "Invalid URL";
	else if (imapurl_parse(t, len, s->arena, &u, &why) == 0 &&
		 (u.access == NULL || urlauth_verify(s, &u, t, &why) == 0)) {
		buf_init(&b, SESSION_APPEND_LIMIT - c->total);
		r = urlpart_fetch(s, &u, &c->cache, &b, &why);
		if (r == 0)
			r = put(c, b.data, b.len, 0);
		else if (r == -1)
			*c->err_r = why;
		buf_free(&b);
		if (r == URLPART_TOOBIG) {
			*c->err_r = "[TOOBIG] Message too large";
			return CATENATE_NO;
		}
		if (r != URLPART_BADURL)
			return r;
	}
	*c->err_r = arena_printf(s->arena, "[BADURL %s] %s",
				 badurl_text(s->arena, t, len), why);
	return CATENATE_NO;
}

int
catenate_write(struct session *s, const struct arg *list, off_t offset,
	       int fd, uint64_t *size_r, const char **err_r)
{
	struct copy c = { s, fd, 0, err_r, { NULL, NULL }, 0, 0, 0 };
	int r = 0;

	for (size_t i = 0; i + 1 < list->count && r == 0; i += 2) {
		const struct arg *v = &list->list[i + 1];

		if (atom_is(&list->list[i], "TEXT"))
			r = text_part(&c, v, &offset);
		else if (atom_is(&list->list[i], "UTF8"))
			r = text_part(&c, &v->list[0], &offset);
		else
			r = url_part(&c, v, &offset);
	}
	urlpart_done(&c.cache);
	if (r == 0 && c.client_8bit && append_8bit_refused(s)) {
		*err_r = "Message has 8-bit header fields; ENABLE UTF8=ACCEPT "
			 "first (RFC 6855 4)";
		r = CATENATE_NO;
	}
	*size_r = c.total;
	return r;
}
