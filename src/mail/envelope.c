/* src/mail/envelope.c — the ENVELOPE of RFC 3501 7.4.2, written as
 * Dovecot 2.3 writes it (every rule below was checked against Dovecot
 * 2.3.19 serving the same message):
 *
 *   - Date, In-Reply-To, Message-ID: the raw value after the colon, white
 *     space after the colon skipped (only one byte of it when the first
 *     line is nothing but white space), line ends removed (a CR or LF
 *     followed by anything but white space becomes a space), encoded
 *     words left alone; NIL when the field is absent, "" when empty.
 *   - Subject and display names are written "for humans": runs of SP,
 *     HTAB, CR and LF become one space, leading and trailing ones go, and
 *     the string is sent as a literal whenever anything was changed or it
 *     has '"', '\' or 8-bit bytes; "" when nothing is left.
 *   - Other strings are quoted unless they hold CR, LF, 8-bit bytes or
 *     more than four '"' and '\', which make them literals {n}.
 *   - NUL in a string field becomes U+FFFD (so it is sent as a literal).
 *   - A repeated string field: the last one counts. A repeated address
 *     field: the lists are concatenated.
 *   - Sender and Reply-To default to From when absent or empty; an empty
 *     address list is NIL.
 *   - Groups: (NIL NIL "name" NIL) members (NIL NIL NIL NIL). */
#include <string.h>
#include <strings.h>

#include "mail/address.h"
#include "mail/envelope.h"
#include "mail/header.h"

enum env_field {
	ENV_DATE, ENV_SUBJECT, ENV_FROM, ENV_SENDER, ENV_REPLY_TO,
	ENV_TO, ENV_CC, ENV_BCC, ENV_IN_REPLY_TO, ENV_MESSAGE_ID,
	ENV_COUNT
};

static const char *const env_names[ENV_COUNT] = {
	"Date", "Subject", "From", "Sender", "Reply-To",
	"To", "Cc", "Bcc", "In-Reply-To", "Message-ID",
};

struct env_value {
	const char *str;                /* string fields; NULL = absent */
	size_t len;
	struct mail_address *list;      /* address fields */
	size_t n;
};

#define MAX_QUOTED_ESCAPES 4
/* Dovecot reads a header line into an 8 KiB buffer and hands a longer one
 * over in pieces, which counts as a change: a Subject value longer than
 * this goes out as a literal (observed with Dovecot 2.3.19: 8180 bytes
 * quoted, 8181 a literal, with CRLF and LF line ends alike). */
#define HUMAN_QUOTED_MAX 8180

static int
is_lwsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int
append_literal(struct buf *out, const char *s, size_t len)
{
	if (buf_printf(out, "{%zu}\r\n", len) < 0)
		return -1;
	return buf_append(out, s, len);
}

/* An nstring as Dovecot's imap_append_nstring() chooses it. */
static int
append_nstring(struct buf *out, const char *s, size_t len)
{
	unsigned escapes = 0;
	size_t i;

	if (s == NULL)
		return buf_append(out, "NIL", 3);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || c == '\n' || c >= 0x80 ||
		    ((c == '"' || c == '\\') && escapes++ >= MAX_QUOTED_ESCAPES))
			return append_literal(out, s, len);
	}
	if (buf_append_byte(out, '"') < 0)
		return -1;
	for (i = 0; i < len; i++) {
		if ((s[i] == '"' || s[i] == '\\') &&
		    buf_append_byte(out, '\\') < 0)
			return -1;
		if (buf_append_byte(out, (unsigned char)s[i]) < 0)
			return -1;
	}
	return buf_append_byte(out, '"');
}

static int
append_cstring(struct buf *out, const char *s)
{
	return append_nstring(out, s, s != NULL ? strlen(s) : 0);
}

/* Line ends out: dropped before white space or at the end, else a space. */
static int
append_nstring_nolf(struct buf *out, const char *s, size_t len,
		    struct arena *a)
{
	char *t;
	size_t i, n = 0;

	if (s == NULL || (memchr(s, '\r', len) == NULL &&
			  memchr(s, '\n', len) == NULL))
		return append_nstring(out, s, len);
	t = arena_alloc(a, len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] != '\r' && s[i] != '\n')
			t[n++] = s[i];
		else if (i + 1 < len && !is_lwsp((unsigned char)s[i + 1]) &&
			 s[i + 1] != '\r' && s[i + 1] != '\n')
			t[n++] = ' ';
	}
	return append_nstring(out, t, n);
}

static int
is_human_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Dovecot's imap_append_string_for_humans(). */
static int
append_for_humans(struct buf *out, const char *s, size_t len)
{
	size_t i, kept = 0;
	int modify = 0, last_space = 1, c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (is_human_space(c)) {
			if (c != ' ' || last_space)
				modify = 1;
			if (!last_space)
				kept++;
			last_space = 1;
			continue;
		}
		if (c == '"' || c == '\\' || c >= 0x80 || c == 0)
			modify = 1;
		kept++;
		last_space = 0;
	}
	if (last_space && kept > 0) {
		modify = 1;
		kept--;         /* the trailing space */
	}
	if (len > HUMAN_QUOTED_MAX)
		modify = 1;
	if (!modify) {
		if (buf_append_byte(out, '"') < 0 ||
		    buf_append(out, s, len) < 0)
			return -1;
		return buf_append_byte(out, '"');
	}
	if (kept == 0)
		return buf_append(out, "\"\"", 2);
	if (buf_printf(out, "{%zu}\r\n", kept) < 0)
		return -1;
	last_space = 1;
	for (i = 0; i < len && kept > 0; i++) {
		c = (unsigned char)s[i];
		if (is_human_space(c)) {
			if (!last_space) {
				if (buf_append_byte(out, ' ') < 0)
					return -1;
				kept--;
			}
			last_space = 1;
			continue;
		}
		if (buf_append_byte(out, c == 0 ? 0x80 : c) < 0)
			return -1;
		kept--;
		last_space = 0;
	}
	return 0;
}

/* The value as Dovecot's header parser hands it over: white space after
 * the colon skipped, or only one byte of it when the first line holds
 * nothing else. Line ends inside stay. */
static void
field_value(const struct header_field *f, const unsigned char **v_r,
	    size_t *len_r)
{
	const unsigned char *v = f->value;
	size_t len = f->value_len, first, pos = 0;
	const unsigned char *nl = memchr(v, '\n', len);

	first = nl != NULL ? (size_t)(nl - v) : len;
	if (nl != NULL && first > 0 && v[first - 1] == '\r')
		first--;
	while (pos < first && is_lwsp(v[pos]))
		pos++;
	if (pos == first && first > 0)
		pos = 1;
	*v_r = v + pos;
	*len_r = len - pos;
}

/* A copy with NUL replaced by U+FFFD, as Dovecot stores header strings. */
static const char *
dup_nul_safe(struct arena *a, const unsigned char *v, size_t len,
	     size_t *len_r)
{
	size_t nuls = 0, i, n = 0;
	char *t;

	for (i = 0; i < len; i++)
		nuls += v[i] == '\0';
	t = arena_alloc(a, len + nuls * 2 + 1);
	for (i = 0; i < len; i++) {
		if (v[i] != '\0') {
			t[n++] = (char)v[i];
		} else {
			memcpy(t + n, "\xef\xbf\xbd", 3);
			n += 3;
		}
	}
	t[n] = '\0';
	*len_r = n;
	return t;
}

/* strlen of each of env_names: the length rules most fields out. */
static const unsigned char env_name_len[ENV_COUNT] = {
	4, 7, 4, 6, 8, 2, 2, 3, 11, 10,
};

static int
field_index(const struct header_field *f)
{
	for (int i = 0; i < ENV_COUNT; i++)
		if (f->name_len == env_name_len[i] &&
		    strncasecmp((const char *)f->name, env_names[i],
				f->name_len) == 0)
			return i;
	return -1;
}

static void
add_addresses(struct env_value *ev, const unsigned char *v, size_t len,
	      struct arena *a)
{
	struct mail_address *list, *joined;
	size_t n;

	n = address_parse((const char *)v, len, a, &list);
	if (n == 0)
		return;
	if (ev->n == 0) {
		ev->list = list;
		ev->n = n;
		return;
	}
	joined = arena_alloc(a, (ev->n + n) * sizeof(*joined));
	memcpy(joined, ev->list, ev->n * sizeof(*joined));
	memcpy(joined + ev->n, list, n * sizeof(*joined));
	ev->list = joined;
	ev->n += n;
}

static void
collect(const unsigned char *hdr, size_t len, struct arena *a,
	struct env_value ev[ENV_COUNT])
{
	struct header_iter it;
	struct header_field f;
	const unsigned char *v;
	size_t vlen;
	int i;

	header_iter_init(&it, hdr, len);
	while (header_iter_next(&it, &f)) {
		if ((i = field_index(&f)) < 0)
			continue;
		field_value(&f, &v, &vlen);
		if (i == ENV_DATE || i == ENV_SUBJECT ||
		    i == ENV_IN_REPLY_TO || i == ENV_MESSAGE_ID)
			ev[i].str = dup_nul_safe(a, v, vlen, &ev[i].len);
		else
			add_addresses(&ev[i], v, vlen, a);
	}
}

static int
write_address(struct buf *out, const struct mail_address *ad)
{
	if (ad->group_end)
		return buf_append_str(out, "(NIL NIL NIL NIL)");
	if (buf_append_byte(out, '(') < 0)
		return -1;
	if (ad->name == NULL ? buf_append(out, "NIL", 3) :
	    append_for_humans(out, ad->name, strlen(ad->name)))
		return -1;
	if (buf_append_byte(out, ' ') < 0 ||
	    append_cstring(out, ad->route) < 0 ||
	    buf_append_byte(out, ' ') < 0 ||
	    append_cstring(out, ad->mailbox) < 0 ||
	    buf_append_byte(out, ' ') < 0 ||
	    append_cstring(out, ad->host) < 0)
		return -1;
	return buf_append_byte(out, ')');
}

static int
write_list(struct buf *out, const struct env_value *ev)
{
	if (ev->n == 0)
		return buf_append(out, "NIL", 3);
	if (buf_append_byte(out, '(') < 0)
		return -1;
	for (size_t i = 0; i < ev->n; i++)
		if (write_address(out, &ev->list[i]) < 0)
			return -1;
	return buf_append_byte(out, ')');
}

int
envelope_write(const unsigned char *hdr, size_t len, struct arena *a,
	       struct buf *out)
{
	struct env_value ev[ENV_COUNT];
	const struct env_value *sender, *reply_to;

	memset(ev, 0, sizeof(ev));
	collect(hdr, len, a, ev);
	sender = ev[ENV_SENDER].n > 0 ? &ev[ENV_SENDER] : &ev[ENV_FROM];
	reply_to = ev[ENV_REPLY_TO].n > 0 ? &ev[ENV_REPLY_TO] : &ev[ENV_FROM];

	if (buf_append_byte(out, '(') < 0 ||
	    append_nstring_nolf(out, ev[ENV_DATE].str, ev[ENV_DATE].len, a) ||
	    buf_append_byte(out, ' ') < 0)
		return -1;
	if ((ev[ENV_SUBJECT].str == NULL ? buf_append(out, "NIL", 3) :
	     append_for_humans(out, ev[ENV_SUBJECT].str,
			       ev[ENV_SUBJECT].len)) < 0)
		return -1;
	if (buf_append_byte(out, ' ') < 0 ||
	    write_list(out, &ev[ENV_FROM]) < 0 ||
	    buf_append_byte(out, ' ') < 0 ||
	    write_list(out, sender) < 0 ||
	    buf_append_byte(out, ' ') < 0 ||
	    write_list(out, reply_to) < 0)
		return -1;
	for (int i = ENV_TO; i <= ENV_BCC; i++)
		if (buf_append_byte(out, ' ') < 0 ||
		    write_list(out, &ev[i]) < 0)
			return -1;
	if (buf_append_byte(out, ' ') < 0 ||
	    append_nstring_nolf(out, ev[ENV_IN_REPLY_TO].str,
				ev[ENV_IN_REPLY_TO].len, a) < 0 ||
	    buf_append_byte(out, ' ') < 0 ||
	    append_nstring_nolf(out, ev[ENV_MESSAGE_ID].str,
				ev[ENV_MESSAGE_ID].len, a) < 0)
		return -1;
	return buf_append_byte(out, ')');
}

int
envelope_field(const char *name)
{
	for (int i = 0; i < ENV_COUNT; i++)
		if (strcasecmp(name, env_names[i]) == 0)
			return 1;
	return 0;
}

int
envelope_fields(const unsigned char *hdr, size_t len, struct buf *out)
{
	struct header_iter it;
	struct header_field f;

	header_iter_init(&it, hdr, len);
	while (header_iter_next(&it, &f))
		if (field_index(&f) >= 0 &&
		    buf_append(out, f.raw, f.raw_len) < 0)
			return -1;
	return 0;
}
