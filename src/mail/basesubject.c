/* src/mail/basesubject.c — base subject extraction, RFC 5256 2.1.
 *
 * The RFC gives an ABNF (section 5) that is ambiguous by its own word,
 * and a procedure that decides; this file follows the procedure step by
 * step, with the ABNF's terms:
 *
 *   (1) decode encoded-words to UTF-8 (RFC 2047); tabs and continuations
 *       become spaces, runs of spaces one space;
 *   (2) strip subj-trailer from the end as long as one matches: a space
 *       or "(fwd)";
 *   (3) strip subj-leader from the start as long as one matches: a space,
 *       or *subj-blob subj-refwd ("[blob] Re:", "Fwd [x]:", "fw:");
 *   (4) strip one leading subj-blob ("[" *BLOBCHAR "]" *WSP) when what
 *       is left is not empty: a subject that is only a blob keeps it;
 *   (5) repeat (3) and (4) until neither matches;
 *   (6) when the text starts with "[fwd:" and ends with "]", strip both
 *       and start again at (2);
 *   (7) what is left is the base subject.
 *
 * ABNF literals are case-insensitive ("RE:", "FWD:", "[Fwd:", "(FWD)").
 * The reply flag REFERENCES needs (section 4: "a subj-refwd, a "(fwd)"
 * subj-trailer, or a subj-fwd-hdr and subj-fwd-trl" was removed) is
 * collected on the way. Every step only moves the two ends of one
 * string inward, so the whole costs a few passes over the subject. */
#include <strings.h>

#include "mail/basesubject.h"
#include "mail/header.h"
#include "mail/rfc2047.h"

/* Length of a subj-blob ("[" *BLOBCHAR "]" *WSP) at s, or 0. */
static size_t
blob_len(const char *s, const char *e)
{
	const char *p = s;

	if (p >= e || *p != '[')
		return 0;
	for (p++; p < e && *p != ']'; p++)
		if (*p == '[' || *p == '\0')
			return 0;
	if (p >= e)
		return 0;
	for (p++; p < e && *p == ' '; p++)
		;
	return (size_t)(p - s);
}

static int
starts_ci(const char *s, const char *e, const char *word, size_t n)
{
	return (size_t)(e - s) >= n && strncasecmp(s, word, n) == 0;
}

/* Length of *subj-blob subj-refwd at s, or 0:
 *   subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":" */
static size_t
refwd_leader_len(const char *s, const char *e)
{
	const char *p = s;
	size_t n;

	while ((n = blob_len(p, e)) > 0)
		p += n;
	if (starts_ci(p, e, "re", 2))
		p += 2;
	else if (starts_ci(p, e, "fwd", 3))
		p += 3;
	else if (starts_ci(p, e, "fw", 2))
		p += 2;
	else
		return 0;
	while (p < e && *p == ' ')
		p++;
	p += blob_len(p, e);
	if (p >= e || *p != ':')
		return 0;
	return (size_t)(p + 1 - s);
}

/* Steps (2) to (6) on text[0..len), which step (1) made. */
static int
extract(const char *text, size_t len, struct buf *out, int *reply)
{
	const char *s = text, *e = text + len;
	size_t n;
	int again;

	for (;;) {
		/* (2) subj-trailer = "(fwd)" / WSP */
		for (;;) {
			if (e > s && e[-1] == ' ') {
				e--;
			} else if (e - s >= 5 && strncasecmp(e - 5, "(fwd)",
							      5) == 0) {
				e -= 5;
				*reply = 1;
			} else {
				break;
			}
		}
		/* (5): (3) and (4) until nothing matches */
		do {
			/* (3) subj-leader = (*subj-blob subj-refwd) / WSP */
			for (;;) {
				if (s < e && *s == ' ') {
					s++;
				} else if ((n = refwd_leader_len(s, e)) > 0) {
					s += n;
					*reply = 1;
				} else {
					break;
				}
			}
			/* (4) a subj-blob, unless the subj-base would be
			 * empty. The blob takes the spaces after it and
			 * (2) left none at the end, so whatever remains
			 * starts with a NONWSP: a non-empty subj-base. */
			n = blob_len(s, e);
			again = n > 0 && s + n < e;
			if (again)
				s += n;
		} while (again);
		/* (6) subj-fwd-hdr "[fwd:" ... subj-fwd-trl "]" */
		if (e - s >= 6 && strncasecmp(s, "[fwd:", 5) == 0 &&
		    e[-1] == ']') {
			s += 5;
			e--;
			*reply = 1;
			continue;
		}
		break;
	}
	return buf_append(out, s, (size_t)(e - s));
}

int
basesubject_get(const char *subject, size_t len, struct buf *out,
		int *is_reply_r)
{
	struct buf raw, dec, norm;
	int reply = 0, ret = -1;

	/* Decoding may grow text: a Latin-1 byte "=E9" of Q is 3 bytes,
	 * and a byte that is not UTF-8 becomes a 3-byte U+FFFD. */
	buf_init(&raw, len + 1);
	buf_init(&dec, 3 * len + 16);
	buf_init(&norm, 3 * len + 16);
	/* (1) decode, then tabs and line ends to spaces, runs of spaces to
	 * one. */
	if (header_unfold((const unsigned char *)subject, len, &raw) < 0 ||
	    rfc2047_decode(buf_str(&raw), raw.len, &dec) < 0)
		goto out;
	for (size_t i = 0; i < dec.len; i++) {
		unsigned char c = dec.data[i];

		if (c == '\t' || c == '\r' || c == '\n')
			c = ' ';
		if (c == ' ' && norm.len > 0 && norm.data[norm.len - 1] == ' ')
			continue;
		if (buf_append_byte(&norm, c) < 0)
			goto out;
	}
	ret = extract(buf_str(&norm), norm.len, out, &reply);
out:
	if (is_reply_r != NULL)
		*is_reply_r = reply;
	buf_free(&raw);
	buf_free(&dec);
	buf_free(&norm);
	return ret;
}
