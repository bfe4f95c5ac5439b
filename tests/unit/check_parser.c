/* tests/unit/check_parser.c — Check suite for the IMAP command parser.
 *
 * Most tests describe an input and the transcript of results it must give:
 * "CMD tag NAME args", "WAIT n", "LINE text", "ERR tag: reason" or
 * "FATAL tag: reason", joined by " | ". Every input is fed whole, one byte
 * at a time, and (when not too long) split in two at every cut point; all
 * must give the same transcript. The driver plays the session: it accepts
 * synchronizing literals (or rejects them if asked), and asks for a raw
 * line after IDLE and AUTHENTICATE. */
#include <check.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/parser.h"
#include "util/buf.h"

#define CUT_MAX 20000   /* inputs longer than this are not cut everywhere */

struct opts {
	struct parser_limits limits;
	int reject;     /* parser_literal_reject after each PARSE_LITERAL_WAIT */
};

static const struct parser_limits base_limits = {
	.max_line = 1024,
	.max_literal = 1000,
	.max_skip = 10000,
	.max_args = 50,
	.max_depth = 5,
	.literal_plus = 1,
	.literal_minus = 0,
	.binary = 1,
};

static struct opts
opts_default(void)
{
	struct opts o = { .limits = base_limits, .reject = 0 };

	return o;
}

/* --- transcripts --------------------------------------------------------- */

static void
dump_bytes(struct buf *out, const unsigned char *d, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (d[i] >= 0x20 && d[i] < 0x7f)
			buf_append_byte(out, d[i]);
		else
			buf_printf(out, "\\x%02x", d[i]);
	}
}

static void
dump_arg(struct buf *out, const struct arg *a)
{
	size_t i;

	if (a->type != ARG_LIST) {
		ck_assert_msg(a->data != NULL, "arg data: got NULL, want bytes");
		ck_assert_msg(a->data[a->len] == '\0',
			      "arg data[len]: got 0x%02x, want NUL",
			      a->data[a->len]);
	}
	switch (a->type) {
	case ARG_ATOM:
		dump_bytes(out, a->data, a->len);
		break;
	case ARG_NIL:
		buf_append_str(out, "NIL");
		break;
	case ARG_QUOTED:
		buf_append_byte(out, '"');
		dump_bytes(out, a->data, a->len);
		buf_append_byte(out, '"');
		break;
	case ARG_LITERAL:
		buf_printf(out, "%s{%zu}", a->binary ? "~" : "", a->len);
		dump_bytes(out, a->data, a->len);
		break;
	case ARG_LIST:
		buf_append_byte(out, '(');
		for (i = 0; i < a->count; i++) {
			if (i > 0)
				buf_append_byte(out, ' ');
			dump_arg(out, &a->list[i]);
		}
		buf_append_byte(out, ')');
		break;
	default:
		ck_abort_msg("arg type: got %d, want 0..4", (int)a->type);
	}
}

static void
record(struct parser *p, enum parse_result r, struct buf *out)
{
	const struct command *cmd;
	const char *line;
	size_t i, len;

	if (out->len > 0)
		buf_append_str(out, " | ");
	switch (r) {
	case PARSE_COMMAND:
		cmd = parser_command(p);
		buf_printf(out, "CMD %s %s", cmd->tag, cmd->name);
		for (i = 0; i < cmd->nargs; i++) {
			buf_append_byte(out, ' ');
			dump_arg(out, &cmd->args[i]);
		}
		break;
	case PARSE_LITERAL_WAIT:
		buf_printf(out, "WAIT %llu",
			   (unsigned long long)parser_literal_size(p));
		break;
	case PARSE_LINE:
		line = parser_line(p, &len);
		buf_append_str(out, "LINE ");
		dump_bytes(out, (const unsigned char *)line, len);
		break;
	case PARSE_ERROR:
		buf_printf(out, "%s %s: %s",
			   parser_error_fatal(p) ? "FATAL" : "ERR",
			   parser_error_tag(p), parser_error(p));
		break;
	default:
		ck_abort_msg("result: got %d, want a result", (int)r);
	}
}

/* What a session does with a result, as far as the parser is concerned. */
static int
react(struct parser *p, const struct opts *o, enum parse_result r)
{
	const char *name;

	switch (r) {
	case PARSE_COMMAND:
		name = parser_command(p)->name;
		if (strcmp(name, "IDLE") == 0 ||
		    strcmp(name, "AUTHENTICATE") == 0)
			parser_expect_line(p);
		return 0;
	case PARSE_LITERAL_WAIT:
		if (o->reject)
			parser_literal_reject(p);
		return 0;
	case PARSE_ERROR:
		return parser_error_fatal(p);
	default:
		return 0;
	}
}

/* Feeds in[0..len) in pieces of `piece` bytes, or (piece 0) in two feeds
 * cut at `cut`, and returns the transcript (malloc'd). */
static char *
run(const struct opts *o, const unsigned char *in, size_t len, size_t piece,
    size_t cut)
{
	struct parser *p = parser_new(&o->limits);
	struct buf out;
	size_t off = 0, end, used;
	int dead = 0, stuck = 0;
	enum parse_result r;
	char *s;

	buf_init(&out, 1 << 24);
	while (off < len && !dead) {
		if (piece > 0)
			end = len - off > piece ? off + piece : len;
		else
			end = off < cut ? cut : len;
		while (off < end && !dead) {
			used = SIZE_MAX;
			r = parser_feed(p, in + off, end - off, &used);
			ck_assert_msg(used <= end - off,
				      "used: got %zu, want <= %zu", used,
				      end - off);
			ck_assert_msg(r >= PARSE_NEED_MORE && r <= PARSE_ERROR,
				      "result: got %d, want 0..4", (int)r);
			off += used;
			if (r == PARSE_NEED_MORE) {
				ck_assert_msg(off == end,
					      "NEED_MORE left bytes: got %zu "
					      "consumed, want %zu", off, end);
				break;
			}
			record(p, r, &out);
			dead = react(p, o, r);
			stuck = used == 0 ? stuck + 1 : 0;
			ck_assert_msg(stuck < 2, "no progress: got 2 results "
				      "consuming nothing, want progress");
		}
	}
	parser_free(&p);
	s = strdup(buf_str(&out));
	buf_free(&out);
	return s;
}

static void
check_one(const char *how, char *got, const char *want,
	  const unsigned char *in, size_t len)
{
	struct buf shown;

	buf_init(&shown, 1 << 20);
	dump_bytes(&shown, in, len > 200 ? 200 : len);
	ck_assert_msg(strcmp(got, want) == 0,
		      "input \"%s\" fed %s: got \"%s\", want \"%s\"",
		      buf_str(&shown), how, got, want);
	buf_free(&shown);
	free(got);
}

static void
expect_n(const struct opts *o, const unsigned char *in, size_t len,
	 const char *want)
{
	char how[64];
	size_t cut;

	check_one("whole", run(o, in, len, len + 1, 0), want, in, len);
	check_one("bytewise", run(o, in, len, 1, 0), want, in, len);
	if (len > CUT_MAX)
		return;
	for (cut = 1; cut < len; cut++) {
		snprintf(how, sizeof(how), "cut at %zu", cut);
		check_one(how, run(o, in, len, 0, cut), want, in, len);
	}
}

#define EXPECT(o, in, want) \
	expect_n((o), (const unsigned char *)(in), sizeof(in) - 1, (want))

/* Builds head + n copies of c + tail. */
static unsigned char *
build(const char *head, size_t n, unsigned char c, const char *tail,
      size_t *len_r)
{
	size_t h = strlen(head), t = strlen(tail);
	unsigned char *s = malloc(h + n + t);

	ck_assert_ptr_nonnull(s);
	memcpy(s, head, h);
	memset(s + h, c, n);
	memcpy(s + h + n, tail, t);
	*len_r = h + n + t;
	return s;
}

/* --- tokens -------------------------------------------------------------- */

START_TEST(atoms)
{
	struct opts o = opts_default();

	EXPECT(&o, "a1 NOOP\r\n", "CMD a1 NOOP");
	EXPECT(&o, "a1 noop\r\n", "CMD a1 NOOP");
	EXPECT(&o, "A.1] capability\r\n", "CMD A.1] CAPABILITY");
	EXPECT(&o, "a1 SELECT INBOX\r\n", "CMD a1 SELECT INBOX");
	EXPECT(&o, "a1 UID FETCH 1:*,5 FLAGS\r\n",
	       "CMD a1 UID FETCH 1:*,5 FLAGS");
	EXPECT(&o, "a1 LIST \"\" %\r\n", "CMD a1 LIST \"\" %");
	EXPECT(&o, "a1 STORE 1 +FLAGS (\\Seen \\*)\r\n",
	       "CMD a1 STORE 1 +FLAGS (\\Seen \\*)");
	EXPECT(&o, "a1 X a]b} ~ ~a\r\n", "CMD a1 X a]b} ~ ~a");
	EXPECT(&o, "a1 X  a   b \r\n", "CMD a1 X a b");
}
END_TEST

START_TEST(quoted)
{
	struct opts o = opts_default();

	EXPECT(&o, "a X \"\"\r\n", "CMD a X \"\"");
	EXPECT(&o, "a X \"a b (c) {5}\"\r\n", "CMD a X \"a b (c) {5}\"");
	EXPECT(&o, "a X \"a\\\\b\\\"c\"\r\n", "CMD a X \"a\\b\"c\"");
	EXPECT(&o, "a X \"Entw\xc3\xbcrfe\"\r\n",
	       "CMD a X \"Entw\\xc3\\xbcrfe\"");
	EXPECT(&o, "a X \"tab\there\"\r\n", "CMD a X \"tab\\x09here\"");
}
END_TEST

START_TEST(quoted_errors)
{
	struct opts o = opts_default();

	EXPECT(&o, "a X \"a\\nb\"\r\nb NOOP\r\n",
	       "ERR a: Invalid escape in quoted string | CMD b NOOP");
	EXPECT(&o, "a X \"abc\r\nb NOOP\r\n",
	       "ERR a: Unterminated quoted string | CMD b NOOP");
	EXPECT(&o, "a X \"abc\\\r\nb NOOP\r\n",
	       "ERR a: Unterminated quoted string | CMD b NOOP");
	EXPECT(&o, "a X \"abc\nb NOOP\r\n",
	       "ERR a: Unterminated quoted string | CMD b NOOP");
	EXPECT(&o, "a X \"a\0b\"\r\nb NOOP\r\n",
	       "ERR a: Invalid characters in quoted string | CMD b NOOP");
	EXPECT(&o, "a X \"a\rb\"\r\nb NOOP\r\n",
	       "ERR a: CR not followed by LF | CMD b NOOP");
	EXPECT(&o, "a X \"a\"\"b\"\r\nb NOOP\r\n",
	       "ERR a: Missing space between arguments | CMD b NOOP");
}
END_TEST

START_TEST(nil)
{
	struct opts o = opts_default();
	struct parser *p = parser_new(&o.limits);
	const char *in = "a X nil \"NIL\"\r\n";
	const struct command *cmd;
	size_t used;
	enum parse_result r;

	EXPECT(&o, "a X NIL nil \"NIL\" {3}\r\nNIL NILS (NIL)\r\n",
	       "WAIT 3 | CMD a X NIL NIL \"NIL\" {3}NIL NILS (NIL)");
	r = parser_feed(p, (const unsigned char *)in, strlen(in), &used);
	ck_assert_msg(r == PARSE_COMMAND, "result: got %d, want %d", r,
		      PARSE_COMMAND);
	cmd = parser_command(p);
	ck_assert_msg(cmd->nargs == 2, "nargs: got %zu, want 2", cmd->nargs);
	ck_assert_msg(cmd->args[0].type == ARG_NIL, "type: got %d, want NIL",
		      cmd->args[0].type);
	/* An astring may be spelt NIL: the text is still there. */
	ck_assert_msg(strcmp((const char *)cmd->args[0].data, "nil") == 0,
		      "NIL data: got \"%s\", want \"nil\"",
		      (const char *)cmd->args[0].data);
	ck_assert_msg(cmd->args[1].type == ARG_QUOTED,
		      "type: got %d, want QUOTED", cmd->args[1].type);
	parser_free(&p);
}
END_TEST

START_TEST(lists)
{
	struct opts o = opts_default();

	EXPECT(&o, "a X ()\r\n", "CMD a X ()");
	EXPECT(&o, "a X (a (b (c)) \"d\" {1+}\r\ne) f\r\n",
	       "CMD a X (a (b (c)) \"d\" {1}e) f");
	EXPECT(&o, "a X ( a  b )\r\n", "CMD a X (a b)");
	EXPECT(&o, "a X (((((a)))))\r\n", "CMD a X (((((a)))))");
	EXPECT(&o, "a X ((((((a))))))\r\nb NOOP\r\n",
	       "ERR a: Lists nested too deeply | CMD b NOOP");
	EXPECT(&o, "a X (a b\r\nb NOOP\r\n", "ERR a: Missing ')' | CMD b NOOP");
	EXPECT(&o, "a X a)\r\nb NOOP\r\n",
	       "ERR a: Unexpected character ')' | CMD b NOOP");
	EXPECT(&o, "a X (a)(b)\r\nb NOOP\r\n",
	       "ERR a: Missing space between arguments | CMD b NOOP");
	o.limits.max_depth = 0;
	EXPECT(&o, "a X (a)\r\nb NOOP\r\n",
	       "ERR a: Lists nested too deeply | CMD b NOOP");
}
END_TEST

START_TEST(list_shape)
{
	struct opts o = opts_default();
	struct parser *p = parser_new(&o.limits);
	const char *in = "a FETCH 1 (BODY.PEEK[] "
			 "BODY[HEADER.FIELDS (A B)]<0.10> UID)\r\n";
	const struct command *cmd;
	const struct arg *l;
	size_t used;
	enum parse_result r;

	r = parser_feed(p, (const unsigned char *)in, strlen(in), &used);
	ck_assert_msg(r == PARSE_COMMAND, "result: got %d, want %d", r,
		      PARSE_COMMAND);
	cmd = parser_command(p);
	ck_assert_msg(cmd->nargs == 2, "nargs: got %zu, want 2", cmd->nargs);
	l = &cmd->args[1];
	ck_assert_msg(l->type == ARG_LIST, "type: got %d, want LIST", l->type);
	ck_assert_msg(l->count == 3, "count: got %zu, want 3", l->count);
	ck_assert_msg(l->list[1].type == ARG_ATOM, "type: got %d, want ATOM",
		      l->list[1].type);
	ck_assert_msg(strcmp((const char *)l->list[1].data,
			     "BODY[HEADER.FIELDS (A B)]<0.10>") == 0,
		      "atom: got \"%s\", want \"BODY[HEADER.FIELDS (A B)]"
		      "<0.10>\"", (const char *)l->list[1].data);
	parser_free(&p);
}
END_TEST

START_TEST(sections)
{
	struct opts o = opts_default();

	EXPECT(&o, "a FETCH 1 BODY[HEADER.FIELDS (From To)]<0.100>\r\n",
	       "CMD a FETCH 1 BODY[HEADER.FIELDS (From To)]<0.100>");
	EXPECT(&o, "a FETCH 1 (BODY.PEEK[] BINARY.PEEK[1]<0.10>)\r\n",
	       "CMD a FETCH 1 (BODY.PEEK[] BINARY.PEEK[1]<0.10>)");
	EXPECT(&o, "a FETCH 1 BODY[HEADER.FIELDS (\"X]\\\"\" B)]\r\n",
	       "CMD a FETCH 1 BODY[HEADER.FIELDS (\"X]\\\"\" B)]");
	EXPECT(&o, "a X a[b[c]d]e\r\n", "CMD a X a[b[c]d]e");
	EXPECT(&o, "a FETCH 1 BODY[HEADER\r\nb NOOP\r\n",
	       "ERR a: Missing ']' | CMD b NOOP");
	EXPECT(&o, "a FETCH 1 BODY[\x01]\r\nb NOOP\r\n",
	       "ERR a: Invalid characters in atom | CMD b NOOP");
}
END_TEST

/* --- literals ------------------------------------------------------------ */

START_TEST(literal_sync)
{
	struct opts o = opts_default();

	EXPECT(&o, "a1 LOGIN {5}\r\nalice {6}\r\nsecret\r\n",
	       "WAIT 5 | WAIT 6 | CMD a1 LOGIN {5}alice {6}secret");
	EXPECT(&o, "a APPEND box (\\Seen) {7}\r\nx\r\n\0y\r\n\r\n",
	       "WAIT 7 | CMD a APPEND box (\\Seen) {7}x\\x0d\\x0a\\x00y"
	       "\\x0d\\x0a");
	EXPECT(&o, "a X {0}\r\n\r\n", "WAIT 0 | CMD a X {0}");
	EXPECT(&o, "a X {0}\n {0}\n\n", "WAIT 0 | WAIT 0 | CMD a X {0} {0}");
	EXPECT(&o, "a X ({3}\r\nabc)\r\n", "WAIT 3 | CMD a X ({3}abc)");
	EXPECT(&o, "a X {003}\r\nabc\r\n", "WAIT 3 | CMD a X {3}abc");
	EXPECT(&o, "a X {1000}\n", "WAIT 1000");
	EXPECT(&o, "a X {3}\r\nabcdef\r\nb NOOP\r\n",
	       "WAIT 3 | ERR a: Missing space between arguments | CMD b NOOP");
}
END_TEST

START_TEST(literal_wait_state)
{
	struct opts o = opts_default();
	struct parser *p = parser_new(&o.limits);
	const char *in = "a1 APPEND box {5}\r\nhello\r\nb NOOP\r\n";
	const struct command *cmd;
	size_t used, off = 0;
	enum parse_result r;

	r = parser_feed(p, (const unsigned char *)in, strlen(in), &used);
	ck_assert_msg(r == PARSE_LITERAL_WAIT, "result: got %d, want %d", r,
		      PARSE_LITERAL_WAIT);
	ck_assert_msg(used == 19, "used: got %zu, want 19", used);
	cmd = parser_command(p);
	ck_assert_msg(strcmp(cmd->tag, "a1") == 0 &&
		      strcmp(cmd->name, "APPEND") == 0,
		      "during wait: got %s %s, want a1 APPEND", cmd->tag,
		      cmd->name);
	ck_assert_msg(parser_literal_size(p) == 5, "size: got %llu, want 5",
		      (unsigned long long)parser_literal_size(p));
	off = used;
	r = parser_feed(p, (const unsigned char *)in + off, strlen(in) - off,
			&used);
	ck_assert_msg(r == PARSE_COMMAND, "result: got %d, want %d", r,
		      PARSE_COMMAND);
	ck_assert_msg(used == 7, "used: got %zu, want 7 (up to the CRLF)",
		      used);
	off += used;
	r = parser_feed(p, (const unsigned char *)in + off, strlen(in) - off,
			&used);
	ck_assert_msg(r == PARSE_COMMAND && off + used == strlen(in),
		      "result: got %d used %zu, want %d used %zu", r, used,
		      PARSE_COMMAND, strlen(in) - off);
	parser_free(&p);
}
END_TEST

START_TEST(literal_reject)
{
	struct opts o = opts_default();

	o.reject = 1;
	EXPECT(&o, "a LOGIN {5}\r\nb NOOP\r\n", "WAIT 5 | CMD b NOOP");
	EXPECT(&o, "a LOGIN {0}\r\nb NOOP\r\n", "WAIT 0 | CMD b NOOP");
	EXPECT(&o, "a LOGIN x {5}\r\nb NOOP {1}\r\nc NOOP\r\n",
	       "WAIT 5 | WAIT 1 | CMD c NOOP");
}
END_TEST

START_TEST(literal_plus)
{
	struct opts o = opts_default();

	EXPECT(&o, "a1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n",
	       "CMD a1 LOGIN {5}alice {6}secret");
	/* RFC 7888 section 3. */
	EXPECT(&o, "A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n",
	       "CMD A001 LOGIN {11}FRED FOOBAR {7}fat man");
	EXPECT(&o, "a X {0+}\r\n \"b\"\r\n", "CMD a X {0} \"b\"");
	EXPECT(&o, "a X {5+}\r\n\r\n\r\n\r\n", "CMD a X {5}\\x0d\\x0a\\x0d\\x0a"
	       "\\x0d");
	o.limits.literal_plus = 0;
	EXPECT(&o, "a LOGIN {5+}\r\nalice\r\nb NOOP\r\n",
	       "ERR a: Non-synchronizing literals not allowed | CMD b NOOP");
	EXPECT(&o, "a LOGIN {5+}\r\nal\nce {2+}\r\n\n\n\r\nb NOOP\r\n",
	       "ERR a: Non-synchronizing literals not allowed | CMD b NOOP");
	EXPECT(&o, "a LOGIN {5}\r\nalice\r\n", "WAIT 5 | CMD a LOGIN {5}alice");
}
END_TEST

START_TEST(literal_minus)
{
	struct opts o = opts_default();
	unsigned char *in;
	char *want;
	size_t len, wlen;

	/* RFC 7888 section 5: {n+} up to 4096 bytes only. */
	o.limits.literal_plus = 0;
	o.limits.literal_minus = 1;
	o.limits.max_literal = 10000;
	in = build("a APPEND box {4096+}\r\n", 4096, 'x', "\r\n", &len);
	want = (char *)build("CMD a APPEND box {4096}", 4096, 'x', "", &wlen);
	want = realloc(want, wlen + 1);
	want[wlen] = '\0';
	expect_n(&o, in, len, want);
	free(in);
	free(want);
	in = build("a APPEND box {4097+}\r\n", 4097, 'x', "\r\nb NOOP\r\n",
		   &len);
	expect_n(&o, in, len, "ERR a: Literal too large | CMD b NOOP");
	free(in);
	/* A synchronizing one may still be large. */
	in = build("a APPEND box {5000}\r\n", 5000, 'x', "\r\n", &len);
	check_one("whole", run(&o, in, len, len, 0), "WAIT 5000 | CMD a "
		  "APPEND box {5000}" == NULL ? "" : NULL, in, 0);
	free(in);
}
END_TEST
