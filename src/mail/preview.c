/* src/mail/preview.c — PREVIEW text (RFC 8970 3.3) from a parsed message.
 *
 * Three steps: choose the part (find_text), turn its body into UTF-8
 * (decode_body, then charset_to_utf8; a missing charset is read as
 * UTF-8, since mail that omits it is far more often UTF-8 than the
 * US-ASCII RFC 2045 5.2 defaults to, and invalid bytes become U+FFFD
 * either way), and squeeze the text (preview_text): HTML is stripped to
 * its text first, then quoted lines are dropped and white space is
 * collapsed while at most PREVIEW_MAX_CHARS characters are written.
 *
 * Everything is bounded: at most PREVIEW_MAX_INPUT bytes of the body are
 * read, so a huge part costs no more than a small one; the output is a
 * few hundred bytes. A cut in the middle of an encoded quantum or a
 * UTF-8 sequence is harmless: the decoder is lenient and an incomplete
 * sequence at the very end is dropped. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mail/charset.h"
#include "mail/decode.h"
#include "mail/preview.h"

/* --- choosing the part ---------------------------------------------- */

static int
is_attachment(const struct mail_part *p)
{
	return p->disposition != NULL &&
		strcasecmp(p->disposition, "attachment") == 0;
}

/* The first text/plain or text/html leaf under p (text/plain preferred
 * within multipart/alternative); *html_r tells which. */
static const struct mail_part *
find_text(const struct mail_part *p, int depth, int *html_r)
{
	/* No Content-Type at all is text/plain (RFC 2045 5.2). */
	const char *type = p->type != NULL ? p->type : "text";
	const char *subtype = p->subtype != NULL ? p->subtype :
			      p->type != NULL ? "" : "plain";

	if (depth > MAIL_MAX_DEPTH || is_attachment(p))
		return NULL;
	if (strcasecmp(type, "multipart") == 0) {
		int alt = strcasecmp(subtype, "alternative") == 0;
		const struct mail_part *html = NULL;

		for (size_t i = 0; i < p->nchildren; i++) {
			int h = 0;
			const struct mail_part *t =
				find_text(&p->children[i], depth + 1, &h);

			if (t == NULL)
				continue;
			if (!alt || !h) {
				*html_r = h;
				return t;
			}
			if (html == NULL)
				html = t;
		}
		*html_r = html != NULL;
		return html;
	}
	if (strcasecmp(type, "text") != 0)
		return NULL;
	if (strcasecmp(subtype, "plain") == 0) {
		*html_r = 0;
		return p;
	}
	if (strcasecmp(subtype, "html") == 0) {
		*html_r = 1;
		return p;
	}
	return NULL;
}

static const char *
param(const struct mail_part *p, const char *name)
{
	for (size_t i = 0; i < p->nparams; i++)
		if (strcasecmp(p->params[i].name, name) == 0)
			return p->params[i].value;
	return NULL;
}

/* --- squeezing the text --------------------------------------------- */

struct squeeze {
	struct buf *out;
	size_t chars;
	int space;              /* white space seen since the last char */
	int line_start;         /* at the start of a line (plain text) */
	int quoted;             /* in a line that starts with ">" */
	int full;
};

/* Length of the UTF-8 sequence that starts with c, 0 for a byte that
 * cannot start one. */
static size_t
seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* Writes one character (n bytes), after a space when white space came
 * before it and something was written already. */
static void
put_char(struct squeeze *q, const unsigned char *c, size_t n)
{
	size_t need = q->space && q->out->len > 0 ? 2 : 1;

	if (q->full)
		return;
	if (q->chars + need > PREVIEW_MAX_CHARS) {
		q->full = 1;
		return;
	}
	if (need == 2) {
		buf_append_byte(q->out, ' ');
		q->chars++;
	}
	buf_append(q->out, c, n);
	q->chars++;
	q->space = 0;
}

/* Feeds UTF-8 text; with lines, a line starting with ">" is skipped. */
static void
squeeze_feed(struct squeeze *q, const unsigned char *s, size_t len,
	     int lines)
{
	size_t i = 0;

	while (i < len && !q->full) {
		unsigned char c = s[i];
		size_t n;

		if (c == '\n') {
			q->space = 1;
			q->line_start = 1;
			q->quoted = 0;
			i++;
			continue;
		}
		if (lines && q->line_start && c == '>')
			q->quoted = 1;
		q->line_start = 0;
		n = seq_len(c);
		if (n == 0) {           /* not UTF-8: skip the byte */
			i++;
			continue;
		}
		if (i + n > len)
			break;          /* cut at the end of the input */
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				n = 0;
		if (n == 0) {           /* a broken sequence: skip its start */
			i++;
			continue;
		}
		if (q->quoted) {
			i += n;
			continue;
		}
		/* C0 controls, DEL, C1 controls, NO-BREAK SPACE: blank. */
		if (c <= ' ' || c == 0x7f ||
		    (c == 0xc2 && (s[i + 1] < 0xa0 || s[i + 1] == 0xa0)))
			q->space = 1;
		else
			put_char(q, s + i, n);
		i += n;
	}
}

/* --- HTML to text --------------------------------------------------- */

/* 1 when s[0..len) at i starts with the ASCII word w, case-insensitive. */
static int
at_word(const unsigned char *s, size_t len, size_t i, const char *w)
{
	size_t n = strlen(w);

	return len - i >= n && strncasecmp((const char *)s + i, w, n) == 0;
}

/* Finds needle (ASCII, case-insensitive) from i; len when absent. */
static size_t
find_ci(const unsigned char *s, size_t len, size_t i, const char *needle)
{
	for (; i < len; i++)
		if (at_word(s, len, i, needle))
			return i;
	return len;
}

/* The tag name after "<" or "</" at i into name (lower case, up to 15
 * bytes). */
static void
tag_name(const unsigned char *s, size_t len, size_t i, char *name)
{
	size_t n = 0;

	while (i < len && n < 15 &&
	       ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		(s[i] >= '0' && s[i] <= '9'))) {
		name[n++] = (char)(s[i] | 0x20);
		i++;
	}
	name[n] = '\0';
}

/* Tags whose contents are not text to show. */
static int
skipped_element(const char *name)
{
	return strcmp(name, "style") == 0 || strcmp(name, "script") == 0 ||
		strcmp(name, "head") == 0 || strcmp(name, "title") == 0 ||
		strcmp(name, "blockquote") == 0;
}

/* The end of the tag that starts at i ("<"), past its ">": quoted
 * attribute values may hold ">". */
static size_t
tag_end(const unsigned char *s, size_t len, size_t i)
{
	unsigned char quote = 0;

	for (i++; i < len; i++) {
		if (quote != 0) {
			if (s[i] == quote)
				quote = 0;
		} else if (s[i] == '"' || s[i] == '\'') {
			quote = s[i];
		} else if (s[i] == '>') {
			return i + 1;
		}
	}
	return len;
}

/* A character reference at i ("&"): appends what it stands for and
 * returns the index after it, or 0 when it is none we know (then "&"
 * is text). */
static size_t
entity(const unsigned char *s, size_t len, size_t i, struct buf *out)
{
	static const struct {
		const char *name;
		uint32_t cp;
	} names[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
		{ "quot;", '"' }, { "apos;", '\'' }, { "nbsp;", ' ' },
		{ "copy;", 0xa9 }, { "reg;", 0xae }, { "hellip;", 0x2026 },
		{ "mdash;", 0x2014 }, { "ndash;", 0x2013 },
		{ "lsquo;", 0x2018 }, { "rsquo;", 0x2019 },
		{ "ldquo;", 0x201c }, { "rdquo;", 0x201d },
		{ "euro;", 0x20ac },
	};
	size_t j = i + 1;

	if (j < len && s[j] == '#') {
		uint32_t cp = 0;
		int hex = 0, digits = 0;

		j++;
		if (j < len && (s[j] == 'x' || s[j] == 'X')) {
			hex = 1;
			j++;
		}
		for (; j < len && digits < 8; j++, digits++) {
			unsigned char c = s[j];
			int d = c >= '0' && c <= '9' ? c - '0' :
				hex && c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				break;
			cp = cp * (hex ? 16 : 10) + (uint32_t)d;
		}
		if (digits == 0)
			return 0;
		charset_put_utf8(out, cp);
		return j < len && s[j] == ';' ? j + 1 : j;
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (at_word(s, len, j, names[k].name)) {
			charset_put_utf8(out, names[k].cp);
			return j + strlen(names[k].name);
		}
	return 0;
}

/* Block elements: their tags separate words. */
static int
block_element(const char *name)
{
	static const char *const blocks[] = {
		"br", "p", "div", "tr", "td", "th", "li", "ul", "ol", "table",
		"h1", "h2", "h3", "h4", "h5", "h6", "hr", "dd", "dt", "dl",
		"pre", "body", "html", "center", "section", "article",
		"header", "footer", "nav", "tbody", "thead", "caption",
	};

	for (size_t k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++)
		if (strcmp(name, blocks[k]) == 0)
			return 1;
	return 0;
}

/* Strips the HTML s[0..len) to text in out (as long as the input at
 * most, plus expansions of references). */
static void
html_strip(const unsigned char *s, size_t len, struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		char name[16];
		size_t j;

		if (s[i] == '&' && (j = entity(s, len, i, out)) != 0) {
			i = j;
			continue;
		}
		if (s[i] != '<') {
			buf_append_byte(out, s[i++]);
			continue;
		}
		if (at_word(s, len, i, "<!--")) {
			j = find_ci(s, len, i + 4, "-->");
			i = j < len ? j + 3 : len;
			continue;
		}
		if (i + 1 < len && (s[i + 1] == '!' || s[i + 1] == '?')) {
			i = tag_end(s, len, i);         /* <!DOCTYPE>, <?xml?> */
			continue;
		}
		tag_name(s, len, i + 1 + (i + 1 < len && s[i + 1] == '/'),
			 name);
		if (name[0] == '\0') {          /* "a < b": text */
			buf_append_byte(out, s[i++]);
			continue;
		}
		if (s[i + 1] != '/' && skipped_element(name)) {
			char close[20];
			size_t end = tag_end(s, len, i);

			/* <tag/> has no contents */
			if (end < len && end >= 2 && s[end - 2] == '/') {
				i = end;
				continue;
			}
			snprintf(close, sizeof(close), "</%s", name);
			j = find_ci(s, len, end, close);
			i = j < len ? tag_end(s, len, j) : len;
			buf_append_byte(out, ' ');
			continue;
		}
		i = tag_end(s, len, i);
		if (block_element(name))
			buf_append_byte(out, ' ');
	}
}

void
preview_text(const unsigned char *utf8, size_t len, int html,
	     struct buf *out)
{
	struct squeeze q = { .out = out, .line_start = 1 };

	if (html) {
		struct buf t;

		buf_init(&t, len * 4 + 64);
		html_strip(utf8, len, &t);
		squeeze_feed(&q, t.data != NULL ? t.data :
			     (const unsigned char *)"", t.len, 0);
		buf_free(&t);
	} else {
		squeeze_feed(&q, utf8, len, 1);
	}
}

const char *
mail_preview(const unsigned char *data, size_t len,
	     const struct mail_part *root, struct arena *a)
{
	struct buf raw, utf8, out;
	const struct mail_part *p;
	const char *charset, *ret;
	size_t n;
	int html = 0;

	if (root == NULL || (p = find_text(root, 0, &html)) == NULL ||
	    p->body.start > len)
		return "";
	n = p->body.len;
	if (n > len - p->body.start)
		n = len - p->body.start;
	if (n > PREVIEW_MAX_INPUT)
		n = PREVIEW_MAX_INPUT;
	buf_init(&raw, PREVIEW_MAX_INPUT + 64);
	(void)decode_body(p->encoding, data + p->body.start, n, 0, &raw);
	charset = param(p, "charset");
	if (charset == NULL || *charset == '\0')
		charset = "utf-8";
	buf_init(&utf8, raw.len * 4 + 64);
	(void)charset_to_utf8(charset, raw.data != NULL ? raw.data :
			      (const unsigned char *)"", raw.len, &utf8);
	buf_free(&raw);
	buf_init(&out, PREVIEW_MAX_CHARS * 4 + 8);
	preview_text(utf8.data != NULL ? utf8.data : (const unsigned char *)"",
		     utf8.len, html, &out);
	buf_free(&utf8);
	ret = arena_strndup(a, out.data != NULL ? (const char *)out.data : "",
			    out.len);
	buf_free(&out);
	return ret;
}
