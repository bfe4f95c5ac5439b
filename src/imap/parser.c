/* src/imap/parser.c — resumable parser for IMAP commands (RFC 3501 section
 * 9, RFC 7888 literals, RFC 3516 literal8).
 *
 * The problem. Bytes arrive from the client in pieces of any size, and a
 * command may span many of them: a literal announces its length, a
 * synchronizing one makes us answer "+" before the client sends it, a
 * non-synchronizing one ({n+}) is followed at once by its data and by the
 * rest of the command. A hostile client may send a line without end or
 * announce a literal of 10^20 bytes. We must give the same answer however
 * the input is cut, keep memory bounded by the limits, and after any error
 * find the start of the next command again.
 *
 * The solution. parser_feed is a byte-driven state machine: everything it
 * needs to continue (the state, the token read so far, the open lists, the
 * bytes of a literal still due) lives in struct parser. Tokens are
 * collected in one bounded buffer and copied into the command's arena when
 * they end; runs of ordinary bytes are copied in one go. The line length is
 * counted as bytes are consumed and checked before any byte is taken, so an
 * over-long line is refused after at most max_line bytes.
 *
 * Errors are reported as soon as they are seen; the rest of the line is
 * then skipped in later feeds. Skipping is not quite "find the next LF":
 * RFC 7888 section 3 has the server check the end of every line for a
 * non-synchronizing literal {n+}, whose n bytes belong to the same command
 * and must be skipped too, LFs and all. So the skipper tracks whether the
 * line ends in "{digits+}" as it goes. A synchronizing literal at the end
 * of a refused line needs nothing: the client waits for a "+" it will not
 * get (RFC 3501 section 7.5), sees the BAD, and its next line is a new
 * command. A non-synchronizing literal larger than max_skip is the one
 * case we cannot recover from cheaply: the error is fatal and the caller
 * closes the connection (RFC 7888 section 4, choice 2).
 *
 * Literal sinks (parser.h) keep big literals out of memory: the data of
 * a literal the sink has taken is handed to its write() in the pieces it
 * came in, and the argument records only its size. Literals at any
 * depth are offered (CATENATE's TEXT parts and RFC 6855's UTF8 (~{n})
 * are inside lists), but only in literal_open, where both {n} and
 * {n+} pass once their header is complete: so the caller decides before
 * the first byte whatever the kind, and the "+" for {n} is still ours to
 * give or withhold. A refused, skipped or half-read literal never reaches
 * the sink's consumer as a command; the caller drops the sink's data on
 * any result but PARSE_COMMAND.
 *
 * Leniency: a bare LF ends a line like CRLF does, empty lines are ignored
 * and several spaces between arguments count as one, as in Dovecot. A CR
 * that is not followed by LF is an error. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/parser.h"
#include "util/arena.h"
#include "util/buf.h"

#define LITERAL_MINUS_MAX 4096  /* RFC 7888 section 5 */

enum state {
	ST_TAG,         /* at the start of a line, or in the tag */
	ST_NAME,        /* in the command name */
	ST_ARGS,        /* between arguments */
	ST_ATOM,
	ST_SECTION,     /* inside the [...] of an atom */
	ST_QUOTED,
	ST_QUOTED_ESC,  /* after a backslash in a quoted string */
	ST_LIT_NUM,     /* after "{" or "~{" */
	ST_LIT_PLUS,    /* after "{n+" */
	ST_LIT_CLOSE,   /* after "}": CRLF must follow */
	ST_LIT_DATA,    /* reading the bytes of a literal */
	ST_RAW,         /* parser_expect_line: reading a raw line */
	ST_SKIP_LINE,   /* after an error: skipping to the end of the line */
	ST_SKIP_LIT,    /* skipping the data of a refused {n+} */
	ST_FATAL,
};

/* How the end of a skipped line looks so far, for RFC 7888 section 3. */
enum tail {
	T_NONE,
	T_BRACE,        /* "{" */
	T_DIGITS,       /* "{123" */
	T_PLUS,         /* "{123+" */
	T_CLOSE,        /* "{123+}", perhaps with a CR after it */
};

/* Byte classes. */
enum {
	C_TAG = 1,      /* tag: ASTRING-CHAR except "+" */
	C_NAME = 2,     /* command name: ATOM-CHAR */
	C_ATOM = 4,     /* argument atom, leniently: see ctype_init */
	C_ATOMRUN = 8,  /* C_ATOM except "[" */
	C_SECTION = 16, /* plain bytes inside [...] */
	C_QUOTED = 32,  /* plain bytes inside "..." */
};

static unsigned char ctype[256];

/* An open parenthesised list, or the command's own argument list. */
struct frame {
	struct frame *up;
	struct arg *owner;      /* the ARG_LIST in the enclosing list */
	struct arg *items;
	size_t count;
	size_t cap;
};

struct parser {
	struct parser_limits limits;    /* as last set */
	struct parser_limits cur;       /* in force for this command */
	struct parser_sink sink;        /* open NULL: none */
	struct arena *arena;            /* the command; reset after a result */
	struct buf tok;                 /* the token being read */
	enum state state;
	enum parse_result result;
	int done;               /* a result was returned: start afresh */
	int cr;                 /* a CR was consumed; only LF may follow */
	int want_line;          /* parser_expect_line() for the next line */
	size_t line_len;        /* bytes of the command outside literals */
	uint64_t lit_total;     /* bytes of the command's literals so far */

	struct command cmd;
	struct frame top;
	struct frame *frame;    /* the innermost open list, or &top */
	size_t nargs;
	size_t depth;
	int need_sep;           /* an argument ended: SP, ")" or EOL next */
	size_t brackets;        /* "[" open in the current atom */
	int quote_raw;          /* a quoted string inside [...]: keep as is */
	int lit_section;        /* the literal is a header name inside [...] */

	uint64_t lit_size;
	int lit_digits;
	int lit_plus;
	int lit_binary;
	size_t lit_got;
	unsigned char *lit_data;        /* NULL: the literal goes to sink */
	int sink_failed;        /* write() said -1: drop the rest */

	enum tail tail;
	uint64_t tail_num;
	uint64_t skip_left;

	const char *raw;
	size_t raw_len;
	const char *error;
	const char *error_tag;
	int fatal;
};

typedef size_t (*handler_fn)(struct parser *, const unsigned char *, size_t);

/* RFC 3501 section 9: ATOM-CHAR is any CHAR except atom-specials, that is
 * "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]". Argument atoms are more
 * lenient, as real commands need: "*" and "%" (sequence sets, LIST
 * patterns), "\" (flags), "]" (ASTRING-CHAR) and "[" opening a section. */
static void
ctype_init(void)
{
	static int done;
	int c;

	if (done)
		return;
	for (c = 0; c < 256; c++) {
		unsigned char f = 0;

		if (c > 0x20 && c < 0x7f && strchr("(){\"", c) == NULL) {
			f |= C_ATOM;
			if (c != '[')
				f |= C_ATOMRUN;
			if (strchr("%*\\]", c) == NULL)
				f |= C_NAME;
			if (strchr("%*\\+", c) == NULL)
				f |= C_TAG;
		}
		if (c >= 0x20 && c != 0x7f && strchr("[]\"{", c) == NULL)
			f |= C_SECTION;
		if (c != 0 && strchr("\r\n\"\\", c) == NULL)
			f |= C_QUOTED;
		ctype[c] = f;
	}
	done = 1;
}

static size_t
scan(const unsigned char *s, size_t n, unsigned char class)
{
	size_t i = 0;

	while (i < n && (ctype[s[i]] & class))
		i++;
	return i;
}

/* The token never outgrows max_line: each byte in it was counted in
 * line_len first. */
static void
tok_append(struct parser *p, const unsigned char *s, size_t n)
{
	int rc = buf_append(&p->tok, s, n);

	assert(rc == 0);
	(void)rc;
}

static char *
tok_dup(struct parser *p)
{
	return arena_strndup(p->arena, buf_str(&p->tok), p->tok.len);
}

/* Starts a new command: frees the last one, takes up new limits. */
static void
command_init(struct parser *p)
{
	arena_reset(p->arena);
	p->cur = p->limits;
	p->tok.max = p->cur.max_line;
	buf_reset(&p->tok);
	memset(&p->cmd, 0, sizeof(p->cmd));
	memset(&p->top, 0, sizeof(p->top));
	p->frame = &p->top;
	p->nargs = 0;
	p->depth = 0;
	p->need_sep = 0;
	p->line_len = 0;
	p->lit_total = 0;
	p->lit_section = 0;
	p->cr = 0;
	p->raw = NULL;
	p->raw_len = 0;
	p->error = NULL;        /* may point into the arena */
	p->error_tag = NULL;
	p->done = 0;
}

static void
next_line(struct parser *p)
{
	if (p->want_line) {
		p->want_line = 0;
		p->state = ST_RAW;
	} else {
		p->state = ST_TAG;
	}
}

static void
set_error(struct parser *p, const char *msg)
{
	p->error = msg;
	p->error_tag = p->cmd.tag != NULL ? p->cmd.tag : "*";
	p->result = PARSE_ERROR;
}

/* What the skipper must assume about the line's end when the error struck
 * inside a literal header: "Line too long" may cut "{123+}" in two. */
static enum tail
tail_seed(const struct parser *p)
{
	switch (p->state) {
	case ST_LIT_NUM:
		return p->lit_digits ? T_DIGITS : T_BRACE;
	case ST_LIT_PLUS:
		return T_PLUS;
	case ST_LIT_CLOSE:
		return p->lit_plus ? T_CLOSE : T_NONE;
	default:
		return T_NONE;
	}
}

/* An error in the middle of a line: report it, skip the rest. The byte
 * that caused it is left for the skipper. */
static void
fail(struct parser *p, const char *msg)
{
	p->tail = tail_seed(p);
	p->tail_num = p->lit_size;
	p->cr = 0;
	set_error(p, msg);
	p->state = ST_SKIP_LINE;
}

/* An error found at the LF: the line is over already. */
static void
fail_eol(struct parser *p, const char *msg)
{
	set_error(p, msg);
	next_line(p);
}

static void
fail_char(struct parser *p, unsigned char c)
{
	const char *msg;

	if (c > 0x20 && c < 0x7f)
		msg = arena_printf(p->arena, "Unexpected character '%c'", c);
	else
		msg = arena_printf(p->arena, "Unexpected character 0x%02x", c);
	fail(p, msg);
}

/* Skips n bytes of a refused {n+} literal, or gives up on the stream when
 * that is more than we are willing to read. */
static void
skip_literal_begin(struct parser *p, uint64_t n)
{
	if (n > p->cur.max_skip) {
		if (p->result != PARSE_ERROR)
			set_error(p, "Literal too large");
		p->fatal = 1;
		p->state = ST_FATAL;
		return;
	}
	p->skip_left = n;
	p->state = ST_SKIP_LIT;
}

/* Appends an argument to the innermost list; the count was checked
 * against max_args when the argument began. */
static struct arg *
arg_push(struct parser *p, enum arg_type type)
{
	struct frame *f = p->frame;
	struct arg *a;

	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4;
		struct arg *items = arena_alloc(p->arena, cap * sizeof(*items));

		if (f->count > 0)
			memcpy(items, f->items, f->count * sizeof(*items));
		f->items = items;
		f->cap = cap;
	}
	a = &f->items[f->count++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	p->nargs++;
	return a;
}

static void
arg_ended(struct parser *p)
{
	p->state = ST_ARGS;
	p->need_sep = 1;
}

/* RFC 3501 section 4.5: NIL is an atom, never a string; the text stays
 * available because an astring may be spelt NIL too. */
static void
atom_done(struct parser *p)
{
	struct arg *a = arg_push(p, ARG_ATOM);

	if (p->tok.len == 3 && strncasecmp(buf_str(&p->tok), "NIL", 3) == 0)
		a->type = ARG_NIL;
	a->data = (const unsigned char *)tok_dup(p);
	a->len = p->tok.len;
	arg_ended(p);
}

static void
quoted_done(struct parser *p)
{
	struct arg *a = arg_push(p, ARG_QUOTED);

	a->data = (const unsigned char *)tok_dup(p);
	a->len = p->tok.len;
	arg_ended(p);
}

static void
list_open(struct parser *p)
{
	struct frame *f = arena_zalloc(p->arena, sizeof(*f));

	f->owner = arg_push(p, ARG_LIST);
	f->up = p->frame;
	p->frame = f;
	p->depth++;
	p->need_sep = 0;
}

static void
list_close(struct parser *p)
{
	struct frame *f = p->frame;

	f->owner->list = f->items;
	f->owner->count = f->count;
	p->frame = f->up;
	p->depth--;
	p->need_sep = 1;
}

static void
command_done(struct parser *p)
{
	p->cmd.args = p->top.items;
	p->cmd.nargs = p->top.count;
	p->result = PARSE_COMMAND;
	next_line(p);
}

static void
literal_begin(struct parser *p, int binary)
{
	p->lit_size = 0;
	p->lit_digits = 0;
	p->lit_plus = 0;
	p->lit_binary = binary;
	p->state = ST_LIT_NUM;
}

/* A literal was refused once its header was complete. A synchronizing one
 * will not be sent; a non-synchronizing one is on its way and is skipped. */
static void
literal_refuse(struct parser *p, const char *msg)
{
	set_error(p, msg);
	if (p->lit_plus)
		skip_literal_begin(p, p->lit_size);
	else
		next_line(p);
}

/* The literal's data comes next; a synchronizing one waits for "+". */
static void
literal_start(struct parser *p)
{
	p->lit_got = 0;
	p->state = ST_LIT_DATA;
	if (!p->lit_plus) {
		/* Let the caller see what is being sent to, e.g. to refuse
		 * an APPEND over quota before the data comes. */
		p->cmd.args = p->top.items;
		p->cmd.nargs = p->top.count;
		p->result = PARSE_LITERAL_WAIT;
	}
}

/* Offers the literal to the sink, under its own limit (LITERAL- still
 * caps a {n+}). Returns 1 when the sink took it. */
static int
literal_sink_open(struct parser *p)
{
	uint64_t limit = p->cur.max_sunk_literal;
	struct arg *a;

	if (p->lit_plus && p->cur.literal_minus && limit > LITERAL_MINUS_MAX)
		limit = LITERAL_MINUS_MAX;
	if (p->sink.open == NULL || limit == 0 ||
	    p->lit_size > limit || p->lit_size >= SIZE_MAX / 2)
		return 0;
	p->cmd.args = p->top.items;
	p->cmd.nargs = p->top.count;
	if (p->sink.open(p->sink.ctx, &p->cmd, p->lit_size) != 1)
		return 0;
	a = arg_push(p, ARG_LITERAL);
	a->binary = p->lit_binary;
	a->sunk = 1;
	a->len = (size_t)p->lit_size;
	p->lit_data = NULL;
	p->sink_failed = 0;
	literal_start(p);
	return 1;
}

/* A literal inside BODY[HEADER.FIELDS (...)]: a header-fld-name is an
 * astring (RFC 3501 9), so it may come as a literal. It is read into
 * memory and becomes a quoted string of the section's text (section
 * literal_done), which must still fit in the line. */
static void
section_literal_open(struct parser *p)
{
	if (p->lit_plus && !p->cur.literal_plus && !p->cur.literal_minus) {
		literal_refuse(p, "Non-synchronizing literals not allowed");
		return;
	}
	if (p->lit_size > p->cur.max_line ||
	    p->line_len + 2 * p->lit_size + 2 > p->cur.max_line) {
		literal_refuse(p, "Line too long");
		return;
	}
	p->lit_data = arena_alloc(p->arena, (size_t)p->lit_size + 1);
	literal_start(p);
}

/* The header "{n}" or "{n+}" and its CRLF are in: offer it to the sink,
 * else accept it into memory or refuse it. */
static void
literal_open(struct parser *p)
{
	uint64_t limit = p->cur.max_literal;
	struct arg *a;

	if (p->lit_section) {
		section_literal_open(p);
		return;
	}
	if (p->lit_plus) {
		if (!p->cur.literal_plus && !p->cur.literal_minus) {
			literal_refuse(p, "Non-synchronizing literals not "
				       "allowed");
			return;
		}
		if (p->cur.literal_minus && limit > LITERAL_MINUS_MAX)
			limit = LITERAL_MINUS_MAX;
	}
	if (literal_sink_open(p))
		return;
	if (p->lit_size > limit || p->lit_size >= SIZE_MAX / 2) {
		literal_refuse(p, "Literal too large");
		return;
	}
	/* Each literal within its limit, and all of them together too:
	 * otherwise max_args literals could each take max_literal. */
	if (p->lit_total + p->lit_size > (p->cur.max_literals_total ?
	    p->cur.max_literals_total : p->cur.max_literal)) {
		literal_refuse(p, "Literals too large in total");
		return;
	}
	p->lit_total += p->lit_size;
	a = arg_push(p, ARG_LITERAL);
	a->binary = p->lit_binary;
	a->len = (size_t)p->lit_size;
	p->lit_data = arena_alloc(p->arena, a->len + 1);
	a->data = p->lit_data;
	literal_start(p);
}

/* The literal of a header name is in: it joins the section's text as a
 * quoted string, which the section's own parser reads like any other. */
static void
section_literal_done(struct parser *p)
{
	size_t len = (size_t)p->lit_size;

	p->lit_section = 0;
	p->state = ST_SECTION;
	tok_append(p, (const unsigned char *)"\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p->lit_data[i];

		if (c == '\0' || c == '\r' || c == '\n') {
			fail(p, "Invalid characters in header field name");
			return;
		}
		if (c == '"' || c == '\\') {
			tok_append(p, (const unsigned char *)"\\", 1);
			p->line_len++;
		}
		tok_append(p, &c, 1);
		p->line_len++;
	}
	tok_append(p, (const unsigned char *)"\"", 1);
	p->line_len += 2;
}

static void
literal_done(struct parser *p)
{
	if (p->lit_section) {
		section_literal_done(p);
		return;
	}
	if (p->lit_data != NULL)
		p->lit_data[p->lit_got] = '\0';
	arg_ended(p);
}

/* --- line states: s[0] is never CR; when it is LF, n is 1 ---------------- */

static size_t
st_tag(struct parser *p, const unsigned char *s, size_t n)
{
	size_t i = scan(s, n, C_TAG);

	if (i > 0) {
		tok_append(p, s, i);
		return i;
	}
	switch (s[0]) {
	case '\n':
		if (p->tok.len == 0)
			return 1;       /* an empty line: ignored */
		p->cmd.tag = tok_dup(p);
		fail_eol(p, "Missing command name");
		return 1;
	case ' ':
		if (p->tok.len == 0) {
			fail(p, "Missing command tag");
			return 0;
		}
		p->cmd.tag = tok_dup(p);
		buf_reset(&p->tok);
		p->state = ST_NAME;
		return 1;
	default:
		fail(p, "Invalid characters in command tag");
		return 0;
	}
}

static void
name_done(struct parser *p)
{
	char *name = tok_dup(p);
	char *c;

	for (c = name; *c != '\0'; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	p->cmd.name = name;
}

static size_t
st_name(struct parser *p, const unsigned char *s, size_t n)
{
	size_t i = scan(s, n, C_NAME);

	if (i > 0) {
		tok_append(p, s, i);
		return i;
	}
	if (s[0] != ' ' && s[0] != '\n') {
		fail(p, "Invalid characters in command name");
		return 0;
	}
	if (p->tok.len == 0) {
		if (s[0] == '\n') {
			fail_eol(p, "Missing command name");
			return 1;
		}
		fail(p, "Missing command name");
		return 0;
	}
	name_done(p);
	if (s[0] == '\n') {
		command_done(p);
	} else {
		p->state = ST_ARGS;
		p->need_sep = 0;
	}
	return 1;
}

/* Starts the argument that begins with c, which is not SP, ")" or LF. */
static size_t
arg_begin(struct parser *p, unsigned char c)
{
	if (p->need_sep) {
		fail(p, "Missing space between arguments");
		return 0;
	}
	if (p->nargs >= p->cur.max_args) {
		fail(p, "Too many arguments");
		return 0;
	}
	buf_reset(&p->tok);
	switch (c) {
	case '(':
		if (p->depth >= p->cur.max_depth) {
			fail(p, "Lists nested too deeply");
			return 0;
		}
		list_open(p);
		return 1;
	case '"':
		p->quote_raw = 0;
		p->state = ST_QUOTED;
		return 1;
	case '{':
		literal_begin(p, 0);
		return 1;
	}
	if (ctype[c] & C_ATOM) {
		p->brackets = 0;
		p->state = ST_ATOM;
		return 0;
	}
	fail_char(p, c);
	return 0;
}

static size_t
st_args(struct parser *p, const unsigned char *s, size_t n)
{
	switch (s[0]) {
	case '\n':
		if (p->depth > 0)
			fail_eol(p, "Missing ')'");
		else
			command_done(p);
		return 1;
	case ' ':
		p->need_sep = 0;
		return 1;
	case ')':
		if (p->depth == 0) {
			fail_char(p, s[0]);
			return 0;
		}
		list_close(p);
		return 1;
	default:
		return arg_begin(p, s[0]);
	}
}

static size_t
st_atom(struct parser *p, const unsigned char *s, size_t n)
{
	size_t i = scan(s, n, C_ATOMRUN);

	if (i > 0) {
		tok_append(p, s, i);
		return i;
	}
	switch (s[0]) {
	case '[':
		tok_append(p, s, 1);
		p->brackets = 1;
		p->state = ST_SECTION;
		return 1;
	case ' ':
	case ')':
	case '\n':
		atom_done(p);
		return 0;
	case '{':
		/* RFC 3516 section 4.9: literal8 is "~{" number "}". */
		if (p->tok.len == 1 && p->tok.data[0] == '~') {
			if (!p->cur.binary) {
				fail(p, "Binary literals not allowed");
				return 0;
			}
			literal_begin(p, 1);
			return 1;
		}
		break;
	}
	fail(p, "Invalid characters in atom");
	return 0;
}

/* Inside BODY[...]: spaces, parentheses, quoted strings and literals are
 * part of the atom (RFC 3501 section 6.4.5, header-list). */
static size_t
st_section(struct parser *p, const unsigned char *s, size_t n)
{
	size_t i = scan(s, n, C_SECTION);

	if (i > 0) {
		tok_append(p, s, i);
		return i;
	}
	switch (s[0]) {
	case '[':
		p->brackets++;
		break;
	case ']':
		if (--p->brackets == 0)
			p->state = ST_ATOM;
		break;
	case '"':
		p->quote_raw = 1;
		p->state = ST_QUOTED;
		break;
	case '{':
		p->lit_section = 1;
		literal_begin(p, 0);
		return 1;
	case '\n':
		fail_eol(p, "Missing ']'");
		return 1;
	default:
		fail(p, "Invalid characters in atom");
		return 0;
	}
	tok_append(p, s, 1);
	return 1;
}

/* RFC 3501 section 9: quoted = DQUOTE *QUOTED-CHAR DQUOTE, where only
 * "\" and DQUOTE may be escaped and CR and LF may not appear. */
static size_t
st_quoted(struct parser *p, const unsigned char *s, size_t n)
{
	size_t i = scan(s, n, C_QUOTED);

	if (i > 0) {
		tok_append(p, s, i);
		return i;
	}
	switch (s[0]) {
	case '"':
		if (p->quote_raw) {
			tok_append(p, s, 1);
			p->state = ST_SECTION;
		} else {
			quoted_done(p);
		}
		return 1;
	case '\\':
		if (p->quote_raw)
			tok_append(p, s, 1);
		p->state = ST_QUOTED_ESC;
		return 1;
	case '\n':
		fail_eol(p, "Unterminated quoted string");
		return 1;
	default:
		fail(p, "Invalid characters in quoted string");
		return 0;
	}
}

static size_t
st_quoted_esc(struct parser *p, const unsigned char *s, size_t n)
{
	switch (s[0]) {
	case '"':
	case '\\':
		tok_append(p, s, 1);
		p->state = ST_QUOTED;
		return 1;
	case '\n':
		fail_eol(p, "Unterminated quoted string");
		return 1;
	default:
		fail(p, "Invalid escape in quoted string");
		return 0;
	}
}

/* The size saturates instead of overflowing: {99999999999999999999999}
 * is merely too large. */
static size_t
st_lit_num(struct parser *p, const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c >= '0' && c <= '9') {
		unsigned d = c - '0';

		if (p->lit_size > (UINT64_MAX - d) / 10)
			p->lit_size = UINT64_MAX;
		else
			p->lit_size = p->lit_size * 10 + d;
		p->lit_digits = 1;
		return 1;
	}
	if (p->lit_digits && (c == '+' || c == '}')) {
		p->lit_plus = c == '+';
		p->state = c == '+' ? ST_LIT_PLUS : ST_LIT_CLOSE;
		return 1;
	}
	if (c == '\n') {
		fail_eol(p, "Invalid literal size");
		return 1;
	}
	fail(p, "Invalid literal size");
	return 0;
}

static size_t
st_lit_plus(struct parser *p, const unsigned char *s, size_t n)
{
	if (s[0] == '}') {
		p->state = ST_LIT_CLOSE;
		return 1;
	}
	if (s[0] == '\n') {
		fail_eol(p, "Invalid literal size");
		return 1;
	}
	fail(p, "Invalid literal size");
	return 0;
}

static size_t
st_lit_close(struct parser *p, const unsigned char *s, size_t n)
{
	if (s[0] == '\n') {
		literal_open(p);
		return 1;
	}
	fail(p, "Missing CRLF after literal");
	return 0;
}

static size_t
st_raw(struct parser *p, const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] != '\n' && s[i] != '\r')
		i++;
	if (i > 0) {
		tok_append(p, s, i);
		return i;
	}
	p->raw = buf_str(&p->tok);
	p->raw_len = p->tok.len;
	p->result = PARSE_LINE;
	next_line(p);
	return 1;
}

static const handler_fn line_handlers[] = {
	[ST_TAG] = st_tag,
	[ST_NAME] = st_name,
	[ST_ARGS] = st_args,
	[ST_ATOM] = st_atom,
	[ST_SECTION] = st_section,
	[ST_QUOTED] = st_quoted,
	[ST_QUOTED_ESC] = st_quoted_esc,
	[ST_LIT_NUM] = st_lit_num,
	[ST_LIT_PLUS] = st_lit_plus,
	[ST_LIT_CLOSE] = st_lit_close,
	[ST_RAW] = st_raw,
};

/* --- the other states ---------------------------------------------------- */

static size_t
literal_data(struct parser *p, const unsigned char *s, size_t n)
{
	size_t want = (size_t)p->lit_size - p->lit_got;

	if (n > want)
		n = want;
	if (p->lit_data != NULL)
		memcpy(p->lit_data + p->lit_got, s, n);
	else if (!p->sink_failed && n > 0 &&
		 p->sink.write(p->sink.ctx, s, n) < 0)
		p->sink_failed = 1;
	p->lit_got += n;
	return n;
}

static size_t
skip_literal(struct parser *p, const unsigned char *s, size_t n)
{
	if (n > p->skip_left)
		n = (size_t)p->skip_left;
	p->skip_left -= n;
	return n;
}

/* Skips to the end of the line, watching for "{n+}" right before it. */
static size_t
skip_line(struct parser *p, const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (p->tail == T_NONE) {
			/* The common case, kept tight. */
			while (i < n && s[i] != '\n' && s[i] != '{')
				i++;
			if (i == n)
				break;
			c = s[i];
		}
		switch (c) {
		case '\n':
			if (p->tail == T_CLOSE)
				skip_literal_begin(p, p->tail_num);
			else
				next_line(p);
			return i + 1;
		case '{':
			p->tail = T_BRACE;
			p->tail_num = 0;
			break;
		case '+':
			p->tail = p->tail == T_DIGITS ? T_PLUS : T_NONE;
			break;
		case '}':
			p->tail = p->tail == T_PLUS ? T_CLOSE : T_NONE;
			break;
		case '\r':
			if (p->tail != T_CLOSE)
				p->tail = T_NONE;
			break;
		default:
			if (c >= '0' && c <= '9' &&
			    (p->tail == T_BRACE || p->tail == T_DIGITS)) {
				unsigned d = c - '0';

				p->tail = T_DIGITS;
				if (p->tail_num > (UINT64_MAX - d) / 10)
					p->tail_num = UINT64_MAX;
				else
					p->tail_num = p->tail_num * 10 + d;
			} else {
				p->tail = T_NONE;
			}
		}
	}
	return n;
}

/* Takes one step: consumes some bytes (perhaps none, after a change of
 * state) and may set p->result. */
static size_t
step(struct parser *p, const unsigned char *s, size_t n)
{
	size_t room, used;

	switch (p->state) {
	case ST_LIT_DATA:
		return literal_data(p, s, n);
	case ST_SKIP_LIT:
		return skip_literal(p, s, n);
	case ST_SKIP_LINE:
		return skip_line(p, s, n);
	case ST_FATAL:
		return n;
	default:
		break;
	}
	if (p->cr) {
		p->cr = 0;
		if (s[0] != '\n') {
			fail(p, "CR not followed by LF");
			return 0;
		}
	} else if (s[0] == '\r') {
		p->cr = 1;
		return 1;
	}
	if (s[0] == '\n')
		return line_handlers[p->state](p, s, 1);
	room = p->cur.max_line - p->line_len;
	if (room == 0) {
		fail(p, "Line too long");
		return 0;
	}
	used = line_handlers[p->state](p, s, n < room ? n : room);
	p->line_len += used;
	return used;
}

struct parser *
parser_new(const struct parser_limits *limits)
{
	struct parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	ctype_init();
	p->limits = *limits;
	p->arena = arena_new(4096);
	buf_init(&p->tok, limits->max_line);
	command_init(p);
	p->state = ST_TAG;
	return p;
}

void
parser_set_limits(struct parser *p, const struct parser_limits *limits)
{
	p->limits = *limits;
	/* Nothing of a command read yet: the new limits apply to it. */
	if (!p->done && p->state == ST_TAG && p->tok.len == 0 && !p->cr) {
		p->cur = p->limits;
		p->tok.max = p->cur.max_line;
	}
}

enum parse_result
parser_feed(struct parser *p, const unsigned char *buf, size_t len,
	    size_t *used_r)
{
	size_t pos = 0;

	if (p->state == ST_FATAL) {
		*used_r = len;
		return PARSE_ERROR;
	}
	if (p->done)
		command_init(p);
	p->result = PARSE_NEED_MORE;
	while (p->result == PARSE_NEED_MORE) {
		/* These two finish without a byte: {0} needs no data. */
		if (p->state == ST_LIT_DATA && p->lit_got == p->lit_size) {
			literal_done(p);
			continue;
		}
		if (p->state == ST_SKIP_LIT && p->skip_left == 0) {
			p->tail = T_NONE;
			p->state = ST_SKIP_LINE;
			continue;
		}
		if (pos == len)
			break;
		pos += step(p, buf + pos, len - pos);
	}
	*used_r = pos;
	if (p->result != PARSE_NEED_MORE && p->result != PARSE_LITERAL_WAIT)
		p->done = 1;
	return p->result;
}

void
parser_set_sink(struct parser *p, const struct parser_sink *sink)
{
	if (sink != NULL)
		p->sink = *sink;
	else
		memset(&p->sink, 0, sizeof(p->sink));
}

const struct command *
parser_command(const struct parser *p)
{
	return &p->cmd;
}

uint64_t
parser_literal_size(const struct parser *p)
{
	return p->lit_size;
}

void
parser_literal_reject(struct parser *p)
{
	if (p->state != ST_LIT_DATA || p->lit_plus)
		return;
	next_line(p);
	p->done = 1;
}

void
parser_expect_line(struct parser *p)
{
	if (p->state == ST_TAG && (p->done || (p->tok.len == 0 && !p->cr)))
		p->state = ST_RAW;
	else
		p->want_line = 1;
}

const char *
parser_line(const struct parser *p, size_t *len_r)
{
	if (len_r != NULL)
		*len_r = p->raw_len;
	return p->raw != NULL ? p->raw : "";
}

const char *
parser_error(const struct parser *p)
{
	return p->error != NULL ? p->error : "";
}

const char *
parser_error_tag(const struct parser *p)
{
	return p->error_tag != NULL ? p->error_tag : "*";
}

int
parser_error_fatal(const struct parser *p)
{
	return p->fatal;
}

void
parser_reset(struct parser *p)
{
	command_init(p);
	p->state = ST_TAG;
	p->want_line = 0;
	p->fatal = 0;
	p->result = PARSE_NEED_MORE;
}

void
parser_free(struct parser **pp)
{
	struct parser *p = *pp;

	if (p == NULL)
		return;
	arena_free(&p->arena);
	buf_free(&p->tok);
	free(p);
	*pp = NULL;
}
