/* src/imap/imapurl.c — parsing IMAP URLs (RFC 5092 11) of messages and
 * message parts, with RFC 4467's ";EXPIRE=" and ";URLAUTH=".
 *
 * The URL comes from the client, so every step is bounded and checked:
 * the length first (IMAPURL_MAX), then the bytes (printable US-ASCII
 * only: RFC 5092 8 has everything else percent-encoded), then each
 * component against the characters its rule allows, and only then is it
 * decoded.
 *
 * After the mailbox the URL is a row of "[/];KEY=value" pieces in a fixed
 * order (UIDVALIDITY, /UID, /SECTION, /PARTIAL, EXPIRE, URLAUTH). A value
 * runs to the next ";"; a "/" just before that ";" belongs to the next
 * piece. No value may hold a raw ";" (RFC 5092 11: achar and bchar leave
 * it out), so the split is unambiguous. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "imap/imapurl.h"

/* Character classes of RFC 5092 11 and RFC 3986. */
static int
is_uchar(unsigned char c)
{
	return isalnum(c) || strchr("-._~!$'()*+,%", c) != NULL;
}

static int
is_achar(unsigned char c)
{
	return c != '\0' && (is_uchar(c) || c == '&' || c == '=');
}

static int
is_bchar(unsigned char c)
{
	return c != '\0' && (is_achar(c) || c == ':' || c == '@' || c == '/');
}

static int
all_of(const char *s, size_t n, int (*cls)(unsigned char))
{
	for (size_t i = 0; i < n; i++)
		if (!cls((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
imapurl_decode(const char *in, size_t len, struct arena *a)
{
	char *out = arena_alloc(a, len + 1);
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (in[i] == '\0')
			return NULL;
		if (in[i] != '%') {
			out[o++] = in[i];
			continue;
		}
		if (i + 2 >= len)
			return NULL;
		hi = hexval((unsigned char)in[i + 1]);
		lo = hexval((unsigned char)in[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return NULL;
		out[o++] = (char)(hi * 16 + lo);
		i += 2;
	}
	out[o] = '\0';
	return out;
}

/* RFC 3501 9: 1*DIGIT below 2^32; nz when zero is not allowed. */
static int
parse_number(const char *s, size_t n, int nz, uint32_t *v_r)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || (nz && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX || (nz && v == 0))
		return -1;
	*v_r = (uint32_t)v;
	return 0;
}

static int
digits(const char **p, const char *end, size_t n, int *v_r)
{
	int v = 0;

	if ((size_t)(end - *p) < n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v_r = v;
	return 0;
}

static int
expect(const char **p, const char *end, char c)
{
	if (*p >= end || tolower((unsigned char)**p) != c)
		return -1;
	(*p)++;
	return 0;
}

/* RFC 3339 5.6 date-time: 2025-11-25T20:00:00[.frac](Z|+hh:mm|-hh:mm). */
static int
parse_datetime(const char *p, const char *end, time_t *t_r)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	struct tm tm;
	time_t t;

	if (digits(&p, end, 4, &y) < 0 || expect(&p, end, '-') < 0 ||
	    digits(&p, end, 2, &mo) < 0 || expect(&p, end, '-') < 0 ||
	    digits(&p, end, 2, &d) < 0 || expect(&p, end, 't') < 0 ||
	    digits(&p, end, 2, &h) < 0 || expect(&p, end, ':') < 0 ||
	    digits(&p, end, 2, &mi) < 0 || expect(&p, end, ':') < 0 ||
	    digits(&p, end, 2, &sec) < 0)
		return -1;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !isdigit((unsigned char)*p))
			return -1;
		while (p < end && isdigit((unsigned char)*p))
			p++;
	}
	if (p < end && (*p == '+' || *p == '-')) {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, end, 2, &oh) < 0 || expect(&p, end, ':') < 0 ||
		    digits(&p, end, 2, &om) < 0 || oh > 23 || om > 59)
			return -1;
	} else if (expect(&p, end, 'z') < 0) {
		return -1;
	}
	if (p != end || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (tm.tm_mday != d)            /* 31-Feb and the like */
		return -1;
	*t_r = t - (time_t)sign * (oh * 3600 + om * 60);
	return 0;
}

/* userinfo "@" host [":" port]: RFC 5092 iserver. */
static int
parse_authority(const char *s, size_t n, struct arena *a, struct imapurl *u,
		const char **err_r)
{
	const char *at = NULL, *ui_end, *semi;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '@')
			at = s + i;
	if (at != NULL) {
		ui_end = at;
		semi = memchr(s, ';', (size_t)(ui_end - s));
		if (semi != NULL) {
			/* ";AUTH=" mechanism: kept out of the user name. */
			if ((size_t)(ui_end - semi) < 7 ||
			    strncasecmp(semi, ";AUTH=", 6) != 0 ||
			    !all_of(semi + 6, (size_t)(ui_end - semi - 6),
				    is_achar)) {
				*err_r = "Invalid ;AUTH= in URL";
				return -1;
			}
			ui_end = semi;
		}
		if (ui_end > s) {
			if (!all_of(s, (size_t)(ui_end - s), is_achar) ||
			    (u->user = imapurl_decode(s, (size_t)(ui_end - s),
						      a)) == NULL) {
				*err_r = "Invalid user name in URL";
				return -1;
			}
		}
		n -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("-._~!$&'()*+,;=%[]:", s[i]) == NULL) {
			*err_r = "Invalid host in URL";
			return -1;
		}
	if (n == 0) {
		*err_r = "Missing host in URL";
		return -1;
	}
	u->host = arena_strndup(a, s, n);
	return 0;
}

/* Mailbox path: no "." or ".." segment (RFC 5092 7, RFC 3986 5.2.4).
 * With last_exempt the last segment is none (RFC 5092 9.1: in
 * "..;UIDVALIDITY=n" the modifier is part of the segment). */
static int
dot_segment(const char *s, size_t n, int last_exempt)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		if (i == n && last_exempt)
			break;
		if ((i - start == 1 && s[start] == '.') ||
		    (i - start == 2 && s[start] == '.' && s[start + 1] == '.'))
			return 1;
		start = i + 1;
	}
	return 0;
}

enum piece {
	P_UIDVALIDITY,
	P_UID,
	P_SECTION,
	P_PARTIAL,
	P_EXPIRE,
	P_URLAUTH,
	P_COUNT
};

static const struct {
	const char *key;
	int slash;              /* written "/;KEY=" */
} pieces[P_COUNT] = {
	[P_UIDVALIDITY] = { ";UIDVALIDITY=", 0 },
	[P_UID] = { ";UID=", 1 },
	[P_SECTION] = { ";SECTION=", 1 },
	[P_PARTIAL] = { ";PARTIAL=", 1 },
	[P_EXPIRE] = { ";EXPIRE=", 0 },
	[P_URLAUTH] = { ";URLAUTH=", 0 },
};

static int
parse_partial(const char *v, size_t n, struct imapurl *u)
{
	const char *dot = memchr(v, '.', n);

	if (dot == NULL)
		return parse_number(v, n, 0, &u->origin);
	if (parse_number(v, (size_t)(dot - v), 0, &u->origin) < 0)
		return -1;
	return parse_number(dot + 1, n - (size_t)(dot + 1 - v), 1,
			    &u->octets);
}

/* access [":" mech ":" token] (RFC 4467 9). text is the URL's start, for
 * rump_len. */
static int
parse_urlauth(const char *text, const char *v, size_t n, struct arena *a,
	      struct imapurl *u)
{
	const char *c1 = memchr(v, ':', n), *c2, *end = v + n, *user = NULL;
	size_t alen = c1 != NULL ? (size_t)(c1 - v) : n;

	if (alen > 7 && strncasecmp(v, "submit+", 7) == 0)
		user = v + 7;
	else if (alen > 5 && strncasecmp(v, "user+", 5) == 0)
		user = v + 5;
	else if (!((alen == 8 && strncasecmp(v, "authuser", 8) == 0) ||
		   (alen == 9 && strncasecmp(v, "anonymous", 9) == 0)))
		return -1;
	if (user != NULL &&
	    (!all_of(user, (size_t)(v + alen - user), is_achar) ||
	     (u->access_user = imapurl_decode(user, (size_t)(v + alen - user),
					      a)) == NULL))
		return -1;
	u->access = arena_strndup(a, v, alen);
	u->rump_len = (size_t)(v + alen - text);
	if (c1 == NULL)
		return 0;
	c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	if (c2 == NULL || c2 == c1 + 1 || end - c2 - 1 < 32)
		return -1;
	for (const char *p = c1 + 1; p < c2; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return -1;
	for (const char *p = c2 + 1; p < end; p++)
		if (hexval((unsigned char)*p) < 0)
			return -1;
	u->mech = arena_strndup(a, c1 + 1, (size_t)(c2 - c1 - 1));
	u->token = arena_strndup(a, c2 + 1, (size_t)(end - c2 - 1));
	return 0;
}

static int
piece_value(enum piece k, const char *text, const char *v, size_t n,
	    struct arena *a, struct imapurl *u)
{
	switch (k) {
	case P_UIDVALIDITY:
		return parse_number(v, n, 1, &u->uidvalidity);
	case P_UID:
		return parse_number(v, n, 1, &u->uid);
	case P_SECTION:
		if (n == 0 || !all_of(v, n, is_bchar))
			return -1;
		u->section = imapurl_decode(v, n, a);
		return u->section != NULL ? 0 : -1;
	case P_PARTIAL:
		u->partial = 1;
		return parse_partial(v, n, u);
	case P_EXPIRE:
		u->has_expire = 1;
		return parse_datetime(v, v + n, &u->expire);
	case P_URLAUTH:
		return parse_urlauth(text, v, n, a, u);
	default:
		return -1;
	}
}

/* The pieces from p on, in their order; next is the first allowed. */
static int
parse_pieces(const char *text, const char *p, const char *end,
	     enum piece next, struct arena *a, struct imapurl *u,
	     const char **err_r)
{
	int first = 1;

	while (p < end) {
		int slash = *p == '/';
		const char *q = p + slash, *v, *ve;
		enum piece k;

		for (k = next; k < P_COUNT; k++) {
			size_t kl = strlen(pieces[k].key);

			if ((size_t)(end - q) >= kl &&
			    strncasecmp(q, pieces[k].key, kl) == 0)
				break;
		}
		/* The ";UID=" relative form has no "/" before ";UID=". */
		if (k == P_COUNT || (slash != pieces[k].slash &&
				     !(first && k == P_UID && !slash &&
				       u->mailbox == NULL))) {
			*err_r = "Invalid URL: unexpected component";
			return -1;
		}
		v = q + strlen(pieces[k].key);
		ve = memchr(v, ';', (size_t)(end - v));
		if (ve == NULL)
			ve = end;
		else if (ve > v && ve[-1] == '/')
			ve--;
		if (k == P_UIDVALIDITY && memchr(v, '?', (size_t)(ve - v))) {
			const char *qm = memchr(v, '?', (size_t)(ve - v));

			u->search = 1;
			ve = qm;
			if (piece_value(k, text, v, (size_t)(ve - v), a, u) < 0) {
				*err_r = "Invalid URL: bad UIDVALIDITY";
				return -1;
			}
			return 0;
		}
		if (piece_value(k, text, v, (size_t)(ve - v), a, u) < 0) {
			*err_r = arena_printf(a, "Invalid URL: bad %.*s",
					      (int)strlen(pieces[k].key) - 2,
					      pieces[k].key + 1);
			return -1;
		}
		/* URLAUTH ends the URL (RFC 4467 3: "MUST be at the end"). */
		if (k == P_URLAUTH && ve != end) {
			*err_r = "Invalid URL: URLAUTH must come last";
			return -1;
		}
		next = k + 1;
		first = 0;
		p = ve;
	}
	if (u->uid == 0 && (u->section != NULL || u->partial ||
			    u->has_expire || u->access != NULL)) {
		*err_r = "Invalid URL: no UID";
		return -1;
	}
	return 0;
}

/* "/" icommand, or nothing: a server URL. */
static int
parse_path(const char *text, const char *p, const char *end,
	   struct arena *a, struct imapurl *u, const char **err_r)
{
	const char *m;

	if (p == end)
		return 0;
	if (*p != '/' || (p + 1 < end && p[1] == '/')) {
		*err_r = "Invalid URL path";
		return -1;
	}
	p++;
	for (m = p; m < end && *m != ';' && *m != '?'; m++)
		;
	if (m == p) {
		if (m != end) {
			*err_r = "Invalid URL: no mailbox";
			return -1;
		}
		return 0;
	}
	/* "INBOX/;UID=1": that "/" is the UID's. */
	if (m < end && *m == ';' && m[-1] == '/' && m - 1 > p)
		m--;
	if (!all_of(p, (size_t)(m - p), is_bchar) ||
	    dot_segment(p, (size_t)(m - p), (size_t)(end - m) > 13 &&
			strncasecmp(m, ";UIDVALIDITY=", 13) == 0) ||
	    (u->mailbox = imapurl_decode(p, (size_t)(m - p), a)) == NULL) {
		*err_r = "Invalid mailbox name in URL";
		return -1;
	}
	if (m < end && *m == '?') {
		u->search = 1;
		return 0;
	}
	return parse_pieces(text, m, end, P_UIDVALIDITY, a, u, err_r);
}

int
imapurl_parse(const char *text, size_t len, struct arena *a,
	      struct imapurl *u, const char **err_r)
{
	const char *end = text + len, *p = text, *auth_end;

	memset(u, 0, sizeof(*u));
	if (len == 0 || len > IMAPURL_MAX) {
		*err_r = len == 0 ? "Empty URL" : "URL too long";
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] <= 0x20 ||
		    (unsigned char)text[i] >= 0x7f) {
			*err_r = "Invalid characters in URL";
			return -1;
		}
	if (len >= 7 && strncasecmp(text, "imap://", 7) == 0) {
		u->absolute = 1;
		p += 5;
	} else if (text[0] != '/') {
		if (len >= 5 && strncasecmp(text, ";UID=", 5) == 0)
			return parse_pieces(text, p, end, P_UID, a, u, err_r);
		if (text[0] == ';')
			*err_r = "Relative URL names no message of the base";
		else if (memchr(text, ':', len) != NULL &&
			 (memchr(text, '/', len) == NULL ||
			  (char *)memchr(text, ':', len) <
			  (char *)memchr(text, '/', len)))
			*err_r = "Not an IMAP URL";
		else
			*err_r = "Relative-path URLs are not accepted "
				 "(RFC 5092 7.2)";
		return -1;
	}
	if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
		p += 2;
		for (auth_end = p; auth_end < end && *auth_end != '/';
		     auth_end++)
			;
		if (parse_authority(p, (size_t)(auth_end - p), a, u,
				    err_r) < 0)
			return -1;
		p = auth_end;
	}
	return parse_path(text, p, end, a, u, err_r);
}
