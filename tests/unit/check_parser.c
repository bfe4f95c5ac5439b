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

/* ck_assert_msg records every passing check through a pipe, which costs
 * more than the parser in the loops here; this only speaks on failure. */
#define require(cond, ...) \
	do { \
		if (!(cond)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

struct opts {
	struct parser_limits limits;
	int reject;     /* parser_literal_reject after each PARSE_LITERAL_WAIT */
	int sink;       /* install the sink below */
	int sink_fail;  /* its write fails after this many bytes; 0: never */
};

/* The test sink plays the session: it takes APPEND's literals after the
 * mailbox name and keeps their bytes, which the transcript shows as
 * "{n}>bytes". One sink per run, so one global will do. */
static struct buf sunk;
static int sunk_open;
static const struct opts *sink_opts;

static int
sink_open(void *ctx, const struct command *cmd, uint64_t size)
{
	(void)ctx;
	(void)size;
	if (strcmp(cmd->name, "APPEND") != 0 || cmd->nargs == 0 || sunk_open)
		return 0;
	require(cmd->tag != NULL, "sink asked without a tag");
	sunk_open = 1;
	buf_reset(&sunk);
	return 1;
}

static int
sink_write(void *ctx, const void *data, size_t n)
{
	(void)ctx;
	require(sunk_open, "sink written while not open");
	require(n > 0, "sink written 0 bytes");
	if (sink_opts->sink_fail > 0 &&
	    sunk.len + n > (size_t)sink_opts->sink_fail) {
		/* What a short write keeps, then a mark: the parser must not
		 * call again. */
		buf_append(&sunk, data,
			   (size_t)sink_opts->sink_fail - sunk.len);
		buf_append(&sunk, "!", 1);
		return -1;
	}
	buf_append(&sunk, data, n);
	return 0;
}

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

	if (a->type == ARG_LITERAL && a->sunk) {
		require(a->data == NULL, "sunk literal: data is not NULL");
		buf_printf(out, "%s{%zu}>", a->binary ? "~" : "", a->len);
		dump_bytes(out, (const unsigned char *)buf_str(&sunk),
			   sunk.len);
		return;
	}
	if (a->type != ARG_LIST) {
		require(a->data != NULL, "arg data: got NULL, want bytes");
		require(a->data[a->len] == '\0',
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
		sunk_open = 0;
		return 0;
	case PARSE_LITERAL_WAIT:
		if (o->reject) {
			parser_literal_reject(p);
			sunk_open = 0;
		}
		return 0;
	case PARSE_ERROR:
		sunk_open = 0;
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
	struct parser_sink sink = { sink_open, sink_write, NULL };
	struct buf out;
	size_t off = 0, end, used;
	int dead = 0, stuck = 0;
	enum parse_result r;
	char *s;

	buf_init(&out, 1 << 24);
	if (o->sink) {
		buf_free(&sunk);
		buf_init(&sunk, 1 << 24);
		sunk_open = 0;
		sink_opts = o;
		parser_set_sink(p, &sink);
	}
	while (off < len && !dead) {
		if (piece > 0)
			end = len - off > piece ? off + piece : len;
		else
			end = off < cut ? cut : len;
		while (off < end && !dead) {
			used = SIZE_MAX;
			r = parser_feed(p, in + off, end - off, &used);
			require(used <= end - off,
				      "used: got %zu, want <= %zu", used,
				      end - off);
			require(r >= PARSE_NEED_MORE && r <= PARSE_ERROR,
				      "result: got %d, want 0..4", (int)r);
			off += used;
			stuck = used == 0 ? stuck + 1 : 0;
			require(stuck < 2, "no progress: got 2 results "
				      "consuming nothing, want progress");
			if (r == PARSE_NEED_MORE) {
				require(off == end,
					      "NEED_MORE left bytes: got %zu "
					      "consumed, want %zu", off, end);
				break;
			}
			record(p, r, &out);
			dead = react(p, o, r);
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
	require(strcmp(got, want) == 0,
		      "input \"%s\" fed %s: got \"%.300s\", want \"%.300s\"",
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

/* The same as a C string, for transcripts. */
static char *
build_str(const char *head, size_t n, unsigned char c, const char *tail)
{
	size_t len;
	unsigned char *s = build(head, n, c, tail, &len);

	s = realloc(s, len + 1);
	ck_assert_ptr_nonnull(s);
	s[len] = '\0';
	return (char *)s;
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
	require(r == PARSE_COMMAND, "result: got %d, want %d", r,
		      PARSE_COMMAND);
	cmd = parser_command(p);
	require(cmd->nargs == 2, "nargs: got %zu, want 2", cmd->nargs);
	require(cmd->args[0].type == ARG_NIL, "type: got %d, want NIL",
		      cmd->args[0].type);
	/* An astring may be spelt NIL: the text is still there. */
	require(strcmp((const char *)cmd->args[0].data, "nil") == 0,
		      "NIL data: got \"%s\", want \"nil\"",
		      (const char *)cmd->args[0].data);
	require(cmd->args[1].type == ARG_QUOTED,
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
	require(r == PARSE_COMMAND, "result: got %d, want %d", r,
		      PARSE_COMMAND);
	cmd = parser_command(p);
	require(cmd->nargs == 2, "nargs: got %zu, want 2", cmd->nargs);
	l = &cmd->args[1];
	require(l->type == ARG_LIST, "type: got %d, want LIST", l->type);
	require(l->count == 3, "count: got %zu, want 3", l->count);
	require(l->list[1].type == ARG_ATOM, "type: got %d, want ATOM",
		      l->list[1].type);
	require(strcmp((const char *)l->list[1].data,
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
	/* header-fld-name is an astring (RFC 3501 9): a literal becomes a
	 * quoted string of the section's text */
	EXPECT(&o, "a FETCH 1 BODY[HEADER.FIELDS (From {7}\r\nSubject)]\r\n",
	       "WAIT 7 | CMD a FETCH 1 BODY[HEADER.FIELDS (From \"Subject\")]");
	EXPECT(&o, "a FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT ({3+}\r\nX\"\\)]"
	       "<0.5>\r\n",
	       "CMD a FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (\"X\\\"\\\\\")]"
	       "<0.5>");
	EXPECT(&o, "a FETCH 1 BODY[HEADER.FIELDS ({2}\r\nA\nB)]\r\n"
	       "b NOOP\r\n",
	       "WAIT 2 | ERR a: Invalid characters in header field name | "
	       "CMD b NOOP");
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

/* Each literal may be within max_literal while all of them together are
 * not: the total has a cap of its own. */
START_TEST(literal_total)
{
	struct opts o = opts_default();

	o.limits.max_literals_total = 1500;
	EXPECT(&o, "a X {1000}\r\n",
	       "WAIT 1000");
	size_t len;
	unsigned char *in = build("a X {800+}\r\n", 800, 'x',
				  " {800}\r\nb NOOP\r\n", &len);
	expect_n(&o, in, len, "ERR a: Literals too large in total | CMD b NOOP");
	free(in);
	o.limits.max_literals_total = 0;        /* 0: max_literal */
	EXPECT(&o, "a X {600}\r\n",
	       "WAIT 600");
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
	require(r == PARSE_LITERAL_WAIT, "result: got %d, want %d", r,
		      PARSE_LITERAL_WAIT);
	require(used == 19, "used: got %zu, want 19", used);
	cmd = parser_command(p);
	require(strcmp(cmd->tag, "a1") == 0 &&
		      strcmp(cmd->name, "APPEND") == 0,
		      "during wait: got %s %s, want a1 APPEND", cmd->tag,
		      cmd->name);
	require(parser_literal_size(p) == 5, "size: got %llu, want 5",
		      (unsigned long long)parser_literal_size(p));
	off = used;
	r = parser_feed(p, (const unsigned char *)in + off, strlen(in) - off,
			&used);
	require(r == PARSE_COMMAND, "result: got %d, want %d", r,
		      PARSE_COMMAND);
	require(used == 7, "used: got %zu, want 7 (up to the CRLF)",
		      used);
	off += used;
	r = parser_feed(p, (const unsigned char *)in + off, strlen(in) - off,
			&used);
	require(r == PARSE_COMMAND && off + used == strlen(in),
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
	size_t len;

	/* RFC 7888 section 5: {n+} up to 4096 bytes only. */
	o.limits.literal_plus = 0;
	o.limits.literal_minus = 1;
	o.limits.max_literal = 10000;
	in = build("a APPEND box {4096+}\r\n", 4096, 'x', "\r\n", &len);
	want = build_str("CMD a APPEND box {4096}", 4096, 'x', "");
	expect_n(&o, in, len, want);
	free(in);
	free(want);
	in = build("a APPEND box {4097+}\r\n", 4097, 'x', "\r\nb NOOP\r\n",
		   &len);
	expect_n(&o, in, len, "ERR a: Literal too large | CMD b NOOP");
	free(in);
	/* A synchronizing one may still be large. */
	in = build("a APPEND box {5000}\r\n", 5000, 'x', "\r\n", &len);
	want = build_str("WAIT 5000 | CMD a APPEND box {5000}", 5000, 'x', "");
	expect_n(&o, in, len, want);
	free(in);
	free(want);
	/* Both set: LITERAL- wins, the stricter. */
	o.limits.literal_plus = 1;
	in = build("a APPEND box {4097+}\r\n", 4097, 'x', "\r\nb NOOP\r\n",
		   &len);
	expect_n(&o, in, len, "ERR a: Literal too large | CMD b NOOP");
	free(in);
}
END_TEST

START_TEST(literal_binary)
{
	struct opts o = opts_default();

	EXPECT(&o, "a APPEND box ~{3}\r\na\0b\r\n",
	       "WAIT 3 | CMD a APPEND box ~{3}a\\x00b");
	EXPECT(&o, "a APPEND box (~{3+}\r\na\0b {1}\r\nc)\r\n",
	       "WAIT 1 | CMD a APPEND box (~{3}a\\x00b {1}c)");
	EXPECT(&o, "a X ~{0}\r\n\r\n", "WAIT 0 | CMD a X ~{0}");
	o.limits.binary = 0;
	EXPECT(&o, "a APPEND box ~{3+}\r\na\0b\r\nb NOOP\r\n",
	       "ERR a: Binary literals not allowed | CMD b NOOP");
	EXPECT(&o, "a APPEND box ~{3}\r\nb NOOP\r\n",
	       "ERR a: Binary literals not allowed | CMD b NOOP");
}
END_TEST

START_TEST(literal_too_large)
{
	struct opts o = opts_default();

	EXPECT(&o, "a X {1001}\r\nb NOOP\r\n",
	       "ERR a: Literal too large | CMD b NOOP");
	EXPECT(&o, "a X {4294967296}\r\nb NOOP\r\n",
	       "ERR a: Literal too large | CMD b NOOP");
	EXPECT(&o, "a X {18446744073709551615}\r\nb NOOP\r\n",
	       "ERR a: Literal too large | CMD b NOOP");
	EXPECT(&o, "a X {18446744073709551616}\r\nb NOOP\r\n",
	       "ERR a: Literal too large | CMD b NOOP");
	EXPECT(&o, "a X {99999999999999999999999}\r\nb NOOP\r\n",
	       "ERR a: Literal too large | CMD b NOOP");
	EXPECT(&o, "a X {123456789012345678901234567890}\r\nb NOOP\r\n",
	       "ERR a: Literal too large | CMD b NOOP");
	EXPECT(&o, "a X ~{99999999999999999999999}\r\nb NOOP\r\n",
	       "ERR a: Literal too large | CMD b NOOP");
	/* Non-synchronizing: skipped when small enough, else fatal. */
	EXPECT(&o, "a X {1500+}\r\n",
	       "ERR a: Literal too large");
	EXPECT(&o, "a X {10001+}\r\nxxxx\r\nb NOOP\r\n",
	       "FATAL a: Literal too large");
	EXPECT(&o, "a X {99999999999999999999999+}\r\nxx\r\nb NOOP\r\n",
	       "FATAL a: Literal too large");
	EXPECT(&o, "a X {4294967296+}\r\nxx\r\nb NOOP\r\n",
	       "FATAL a: Literal too large");
}
END_TEST

START_TEST(literal_skip)
{
	struct opts o = opts_default();
	unsigned char *in;
	size_t len;

	/* The skipped data may hold LFs and literal-like text. */
	in = build("a X {1500+}\r\n", 1500, '\n', " {5+}\r\nmore\r\nb NOOP\r\n",
		   &len);
	expect_n(&o, in, len, "ERR a: Literal too large | CMD b NOOP");
	free(in);
	in = build("a X {10000+}\r\n", 10000, '{', "\r\nb NOOP\r\n", &len);
	expect_n(&o, in, len, "ERR a: Literal too large | CMD b NOOP");
	free(in);
}
END_TEST

START_TEST(literal_header_errors)
{
	struct opts o = opts_default();

	EXPECT(&o, "a X {}\r\nb NOOP\r\n",
	       "ERR a: Invalid literal size | CMD b NOOP");
	EXPECT(&o, "a X {+}\r\nb NOOP\r\n",
	       "ERR a: Invalid literal size | CMD b NOOP");
	EXPECT(&o, "a X {5x}\r\nb NOOP\r\n",
	       "ERR a: Invalid literal size | CMD b NOOP");
	EXPECT(&o, "a X {5\r\nb NOOP\r\n",
	       "ERR a: Invalid literal size | CMD b NOOP");
	EXPECT(&o, "a X {5+\r\nb NOOP\r\n",
	       "ERR a: Invalid literal size | CMD b NOOP");
	EXPECT(&o, "a X {5+x}\r\nb NOOP\r\n",
	       "ERR a: Invalid literal size | CMD b NOOP");
	EXPECT(&o, "a X {5}x\r\nb NOOP\r\n",
	       "ERR a: Missing CRLF after literal | CMD b NOOP");
	EXPECT(&o, "a X {5} \r\nb NOOP\r\n",
	       "ERR a: Missing CRLF after literal | CMD b NOOP");
	EXPECT(&o, "a X {5+}\rb\r\nb NOOP\r\n",
	       "ERR a: CR not followed by LF | CMD b NOOP");
	EXPECT(&o, "a X ab{5}\r\nb NOOP\r\n",
	       "ERR a: Invalid characters in atom | CMD b NOOP");
}
END_TEST

/* Every literal in a command, cut at every byte boundary. */
START_TEST(literal_split_everywhere)
{
	struct opts o = opts_default();

	EXPECT(&o, "a1 LOGIN {5}\r\nalice {6+}\r\nsecret\r\n",
	       "WAIT 5 | CMD a1 LOGIN {5}alice {6}secret");
	EXPECT(&o, "a APPEND x ~{4+}\r\n\r\n\r\n {2}\r\n\0\0\r\nb NOOP\n",
	       "WAIT 2 | CMD a APPEND x ~{4}\\x0d\\x0a\\x0d\\x0a {2}\\x00\\x00"
	       " | CMD b NOOP");
}
END_TEST

/* The sink gets exactly the literal's bytes, however they are cut, for
 * {n} and {n+}; everything else stays as it was. */
START_TEST(literal_sink)
{
	struct opts o = opts_default();
	unsigned char *in;
	char *want;
	size_t len;

	o.sink = 1;
	o.limits.max_sunk_literal = 5000;
	EXPECT(&o, "a APPEND box (\\Seen) {7}\r\nx\r\n\0y\r\n\r\n",
	       "WAIT 7 | CMD a APPEND box (\\Seen) {7}>x\\x0d\\x0a\\x00y"
	       "\\x0d\\x0a");
	EXPECT(&o, "a APPEND box {7+}\r\nx\r\n\0y\r\n\r\n"
	       "b NOOP {2+}\r\nzz\r\n",
	       "CMD a APPEND box {7}>x\\x0d\\x0a\\x00y\\x0d\\x0a | "
	       "CMD b NOOP {2}zz");
	/* The mailbox name and other commands' literals stay in memory. */
	EXPECT(&o, "a APPEND {3+}\r\nbox {2}\r\nhi\r\n",
	       "WAIT 2 | CMD a APPEND {3}box {2}>hi");
	EXPECT(&o, "a LOGIN {3+}\r\nbob {2}\r\npw\r\n",
	       "WAIT 2 | CMD a LOGIN {3}bob {2}pw");
	/* Inside lists too (CATENATE, RFC 4469; UTF8, RFC 6855). */
	EXPECT(&o, "a APPEND box ({2+}\r\nhi)\r\n",
	       "CMD a APPEND box ({2}>hi)");
	EXPECT(&o, "a APPEND box X (Y (~{2+}\r\nhi))\r\n",
	       "CMD a APPEND box X (Y (~{2}>hi))");
	EXPECT(&o, "a APPEND box {0}\r\n\r\n",
	       "WAIT 0 | CMD a APPEND box {0}>");
	/* Over max_literal, within max_sunk_literal; then over both. */
	in = build("a APPEND box {3000+}\r\n", 3000, 'm', "\r\n", &len);
	want = build_str("CMD a APPEND box {3000}>", 3000, 'm', "");
	expect_n(&o, in, len, want);
	free(in);
	free(want);
	EXPECT(&o, "a APPEND box {5001}\r\nb NOOP\r\n",
	       "ERR a: Literal too large | CMD b NOOP");
	/* LITERAL- still caps a sunk {n+}. */
	o.limits.literal_plus = 0;
	o.limits.literal_minus = 1;
	in = build("a APPEND box {4097+}\r\n", 4097, 'm', "\r\nb NOOP\r\n",
		   &len);
	expect_n(&o, in, len, "ERR a: Literal too large | CMD b NOOP");
	free(in);
	o.limits.literal_plus = 1;
	o.limits.literal_minus = 0;
	/* Errors after a sunk literal still resync. */
	EXPECT(&o, "a APPEND box {5+}\r\nhello)\r\nb NOOP\r\n",
	       "ERR a: Unexpected character ')' | CMD b NOOP");
	EXPECT(&o, "a APPEND box {5}\r\nhello x\r\nb NOOP\r\n",
	       "WAIT 5 | CMD a APPEND box {5}>hello x | CMD b NOOP");
	o.reject = 1;
	EXPECT(&o, "a APPEND box {5}\r\nb NOOP\r\n", "WAIT 5 | CMD b NOOP");
	o.reject = 0;
	/* A failing write: the rest is read and dropped, the command ends. */
	o.sink_fail = 3;
	EXPECT(&o, "a APPEND box {6+}\r\nabcdef\r\nb NOOP\r\n",
	       "CMD a APPEND box {6}>abc! | CMD b NOOP");
	/* No max_sunk_literal: no sink. */
	o.sink_fail = 0;
	o.limits.max_sunk_literal = 0;
	EXPECT(&o, "a APPEND box {2+}\r\nhi\r\n", "CMD a APPEND box {2}hi");
}
END_TEST

/* --- limits -------------------------------------------------------------- */

START_TEST(max_args)
{
	struct opts o = opts_default();

	o.limits.max_args = 3;
	EXPECT(&o, "a X 1 2 3\r\n", "CMD a X 1 2 3");
	EXPECT(&o, "a X (1) 2\r\n", "CMD a X (1) 2");
	EXPECT(&o, "a X 1 2 3 4\r\nb NOOP\r\n",
	       "ERR a: Too many arguments | CMD b NOOP");
	EXPECT(&o, "a X (1 2) 3\r\nb NOOP\r\n",
	       "ERR a: Too many arguments | CMD b NOOP");
	EXPECT(&o, "a X 1 2 3 {5}\r\nb NOOP\r\n",
	       "ERR a: Too many arguments | CMD b NOOP");
	EXPECT(&o, "a X 1 2 3 {5+}\r\nhello\r\nb NOOP\r\n",
	       "ERR a: Too many arguments | CMD b NOOP");
	o.limits.max_args = 0;
	EXPECT(&o, "a NOOP\r\na X 1\r\n",
	       "CMD a NOOP | ERR a: Too many arguments");
}
END_TEST

/* "a X {200}" + data, then SP and `ys` bytes of 'y' after the literal:
 * accepted up to max_line 100, refused beyond. */
static void
expect_literal_line(const struct opts *o, const unsigned char *head,
		    size_t hlen, size_t ys)
{
	unsigned char in[1024];
	char *want, *w2;
	size_t len = hlen;

	memcpy(in, head, hlen);
	in[len++] = ' ';
	memset(in + len, 'y', ys);
	len += ys;
	memcpy(in + len, "\r\nb NOOP\r\n", 10);
	len += 10;
	if (ys <= 90) {
		want = build_str("WAIT 200 | CMD a X {200}", 200, 'x', " ");
		w2 = build_str(want, ys, 'y', " | CMD b NOOP");
		free(want);
	} else {
		w2 = strdup("WAIT 200 | ERR a: Line too long | CMD b NOOP");
	}
	expect_n(o, in, len, w2);
	free(w2);
}

START_TEST(max_line)
{
	struct opts o = opts_default();
	unsigned char *in;
	char *want;
	size_t len;

	o.limits.max_line = 100;
	/* 100 bytes not counting the CRLF fit exactly; 101 do not. */
	in = build("a X ", 96, 'x', "\r\nb NOOP\r\n", &len);
	want = build_str("CMD a X ", 96, 'x', " | CMD b NOOP");
	expect_n(&o, in, len, want);
	free(in);
	free(want);
	in = build("a X ", 97, 'x', "\r\nb NOOP\r\n", &len);
	expect_n(&o, in, len, "ERR a: Line too long | CMD b NOOP");
	free(in);
	/* Literal data does not count; its header does: 9 + 1 + 90 = 100. */
	in = build("a X {200}\r\n", 200, 'x', "", &len);
	expect_literal_line(&o, in, len, 90);
	expect_literal_line(&o, in, len, 91);
	free(in);
	/* A long line of spaces or of a quoted string is too long as well. */
	in = build("a X \"", 200, 'q', "\"\r\nb NOOP\r\n", &len);
	expect_n(&o, in, len, "ERR a: Line too long | CMD b NOOP");
	free(in);
	in = build("a X", 200, ' ', "\r\nb NOOP\r\n", &len);
	expect_n(&o, in, len, "ERR a: Line too long | CMD b NOOP");
	free(in);
	in = build("", 200, 't', " NOOP\r\nb NOOP\r\n", &len);
	expect_n(&o, in, len, "ERR *: Line too long | CMD b NOOP");
	free(in);
}
END_TEST

/* "Line too long" may strike inside "{15+}": the literal's data must still
 * be skipped (RFC 7888 section 3). */
START_TEST(max_line_in_literal_header)
{
	struct opts o = opts_default();

	o.limits.max_line = 20;
	EXPECT(&o, "a X 1234567890123 {15+}\r\nhello\r\nworld\r\nx\r\n"
	       "b NOOP\r\n", "ERR a: Line too long | CMD b NOOP");
	EXPECT(&o, "a X 12345678901234 {5+}\r\nhe\nlo\r\nb NOOP\r\n",
	       "ERR a: Line too long | CMD b NOOP");
	EXPECT(&o, "a X 1234567890123456{5+}\r\nhe\nlo\r\nb NOOP\r\n",
	       "ERR a: Line too long | CMD b NOOP");
	EXPECT(&o, "a X 12345678901234567 {5+}\r\nhe\nlo\r\nb NOOP\r\n",
	       "ERR a: Line too long | CMD b NOOP");
	EXPECT(&o, "a X 1234567890123 {5}\r\nb NOOP\r\n",
	       "ERR a: Line too long | CMD b NOOP");
}
END_TEST

/* A 10 MB line fed in chunks: refused as soon as max_line is passed,
 * without holding on to it, and the next command parses. */
START_TEST(max_line_huge)
{
	struct parser_limits l = base_limits;
	struct parser *p;
	static unsigned char chunk[65536];
	const unsigned char *head = (const unsigned char *)"a X ";
	const unsigned char *tail = (const unsigned char *)"\r\nb NOOP\r\n";
	size_t used, i, total = 0, peak = 0, base;
	int errors = 0;
	enum parse_result r;

	l.max_line = 8192;
	memset(chunk, 'a', sizeof(chunk));
	p = parser_new(&l);
	base = mallinfo2().uordblks;
	r = parser_feed(p, head, 4, &used);
	require(r == PARSE_NEED_MORE, "result: got %d, want NEED_MORE",
		      r);
	for (i = 0; i < 160; i++) {
		size_t off = 0, now;

		while (off < sizeof(chunk)) {
			r = parser_feed(p, chunk + off, sizeof(chunk) - off,
					&used);
			off += used;
			if (r == PARSE_ERROR) {
				errors++;
				require(total + off <= l.max_line,
					      "error after %zu bytes, want at "
					      "most %zu", total + off,
					      l.max_line);
				ck_assert_str_eq(parser_error(p),
						 "Line too long");
			} else {
				require(r == PARSE_NEED_MORE,
					      "result: got %d, want NEED_MORE",
					      r);
			}
		}
		total += off;
		now = mallinfo2().uordblks;
		if (now > base && now - base > peak)
			peak = now - base;
	}
	require(errors == 1, "errors: got %d, want 1", errors);
	require(peak < 256 * 1024, "heap growth: got %zu, want < 256K",
		      peak);
	r = parser_feed(p, tail, 2, &used);
	require(r == PARSE_NEED_MORE && used == 2,
		      "end of line: got %d used %zu, want NEED_MORE used 2",
		      r, used);
	r = parser_feed(p, tail + 2, 8, &used);
	require(r == PARSE_COMMAND, "next: got %d, want COMMAND", r);
	ck_assert_str_eq(parser_command(p)->tag, "b");
	parser_free(&p);
}
END_TEST

START_TEST(limits_change)
{
	struct parser_limits l = base_limits;
	struct parser *p = parser_new(&l);
	const unsigned char *in = (const unsigned char *)
		"a NOOP\r\nb NOOP x\r\n";
	size_t used, off;
	enum parse_result r;

	l.max_line = 6;
	parser_set_limits(p, &l);       /* nothing read yet: applies now */
	r = parser_feed(p, in, 18, &used);
	require(r == PARSE_COMMAND && used == 8,
		      "got %d used %zu, want COMMAND used 8", r, used);
	off = used;
	l.max_line = 1024;
	parser_set_limits(p, &l);       /* between commands: applies next */
	r = parser_feed(p, in + off, 4, &used);         /* "b NO" */
	require(r == PARSE_NEED_MORE, "got %d, want NEED_MORE", r);
	off += used;
	l.max_line = 3;
	parser_set_limits(p, &l);       /* mid-command: applies later */
	r = parser_feed(p, in + off, 18 - off, &used);
	require(r == PARSE_COMMAND, "got %d (%s), want COMMAND", r,
		      parser_error(p));
	r = parser_feed(p, (const unsigned char *)"c NOOP\r\n", 8, &used);
	require(r == PARSE_ERROR, "got %d, want ERROR", r);
	ck_assert_str_eq(parser_error(p), "Line too long");
	parser_free(&p);
}
END_TEST

/* --- lines, tags, errors ------------------------------------------------- */

START_TEST(empty_lines_and_lf)
{
	struct opts o = opts_default();

	EXPECT(&o, "\r\n\r\n\na NOOP\r\n\n\r\n", "CMD a NOOP");
	EXPECT(&o, "a NOOP\nb FETCH 1 (FLAGS)\n",
	       "CMD a NOOP | CMD b FETCH 1 (FLAGS)");
	EXPECT(&o, "a NOOP\rb NOOP\r\nc NOOP\r\n",
	       "ERR a: CR not followed by LF | CMD c NOOP");
	EXPECT(&o, "\r\r\nc NOOP\r\n",
	       "ERR *: CR not followed by LF | CMD c NOOP");
	EXPECT(&o, "a X b\r\r\nc NOOP\r\n",
	       "ERR a: CR not followed by LF | CMD c NOOP");
}
END_TEST

START_TEST(tag_and_name_errors)
{
	struct opts o = opts_default();

	EXPECT(&o, " NOOP\r\nb NOOP\r\n", "ERR *: Missing command tag | "
	       "CMD b NOOP");
	EXPECT(&o, "a+b NOOP\r\nb NOOP\r\n",
	       "ERR *: Invalid characters in command tag | CMD b NOOP");
	EXPECT(&o, "* OK\r\nb NOOP\r\n",
	       "ERR *: Invalid characters in command tag | CMD b NOOP");
	EXPECT(&o, "+\r\nb NOOP\r\n",
	       "ERR *: Invalid characters in command tag | CMD b NOOP");
	EXPECT(&o, "a\"b NOOP\r\nb NOOP\r\n",
	       "ERR *: Invalid characters in command tag | CMD b NOOP");
	EXPECT(&o, "a\r\nb NOOP\r\n", "ERR a: Missing command name | "
	       "CMD b NOOP");
	EXPECT(&o, "a \r\nb NOOP\r\n", "ERR a: Missing command name | "
	       "CMD b NOOP");
	EXPECT(&o, "a  NOOP\r\nb NOOP\r\n", "ERR a: Missing command name | "
	       "CMD b NOOP");
	EXPECT(&o, "a NO(OP\r\nb NOOP\r\n",
	       "ERR a: Invalid characters in command name | CMD b NOOP");
	EXPECT(&o, "a {5}\r\nb NOOP\r\n",
	       "ERR a: Invalid characters in command name | CMD b NOOP");
	EXPECT(&o, "\x80 NOOP\r\nb NOOP\r\n",
	       "ERR *: Invalid characters in command tag | CMD b NOOP");
}
END_TEST

START_TEST(atom_errors)
{
	struct opts o = opts_default();

	EXPECT(&o, "a X ab\x01c\r\nb NOOP\r\n",
	       "ERR a: Invalid characters in atom | CMD b NOOP");
	EXPECT(&o, "a X \x01\r\nb NOOP\r\n",
	       "ERR a: Unexpected character 0x01 | CMD b NOOP");
	EXPECT(&o, "a X \xc3\xa9\r\nb NOOP\r\n",
	       "ERR a: Unexpected character 0xc3 | CMD b NOOP");
	EXPECT(&o, "a X ab\"c\"\r\nb NOOP\r\n",
	       "ERR a: Invalid characters in atom | CMD b NOOP");
	EXPECT(&o, "a X ab(c)\r\nb NOOP\r\n",
	       "ERR a: Invalid characters in atom | CMD b NOOP");
	EXPECT(&o, "a X a\0\r\nb NOOP\r\n",
	       "ERR a: Invalid characters in atom | CMD b NOOP");
}
END_TEST

/* After an error, a {n+} at the end of the rest of the line still belongs
 * to the bad command (RFC 7888 section 3); a {n} does not. */
START_TEST(resync_over_literals)
{
	struct opts o = opts_default();

	EXPECT(&o, "a X \x01 {5+}\r\n\r\nxy)\r\nb NOOP\r\n",
	       "ERR a: Unexpected character 0x01 | CMD b NOOP");
	EXPECT(&o, "a X \x01 {5+}\r\n\r\nxy) {3+}\r\n\n\n\n\r\nb NOOP\r\n",
	       "ERR a: Unexpected character 0x01 | CMD b NOOP");
	EXPECT(&o, "a X \x01 {5}\r\nb NOOP\r\n",
	       "ERR a: Unexpected character 0x01 | CMD b NOOP");
	EXPECT(&o, "a X \x01 {5+} x\r\nb NOOP\r\n",
	       "ERR a: Unexpected character 0x01 | CMD b NOOP");
	EXPECT(&o, "a X \x01 {99999+}\r\nb NOOP\r\n",
	       "ERR a: Unexpected character 0x01 | FATAL *: Literal too large");
	EXPECT(&o, "a{3+}\r\nabc\r\nb NOOP\r\n",
	       "ERR *: Invalid characters in command tag | CMD b NOOP");
}
END_TEST

/* One command after each kind of error parses cleanly. */
START_TEST(resync_each_error)
{
	static const char *const bad[] = {
		" NOOP", "a+ NOOP", "a", "a  X", "a N(", "a X \x01",
		"a X )", "a X (a", "a X (((((((x)))))))", "a X \"a\\x\"",
		"a X \"abc", "a X \"a\0b\"", "a X a\"", "a X \"a\"b",
		"a X {x}", "a X {5}x", "a X {1001}", "a X {5+} {1}",
		"a X BODY[", "a X ~{1}", "a X \r\r", "a X 1 2 3 4 5 6 7 8 9",
	};
	struct opts o = opts_default();
	size_t i, len, blen;
	unsigned char in[256];

	o.limits.binary = 0;
	o.limits.max_args = 8;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		blen = strlen(bad[i]);
		if (i == 11)
			blen = 9;       /* the one with a NUL in it */
		memcpy(in, bad[i], blen);
		memcpy(in + blen, "\r\nz NOOP\r\n", 10);
		len = blen + 10;
		{
			char *got = run(&o, in, len, 1, 0);
			char *whole = run(&o, in, len, len, 0);
			const char *end = strstr(got, " | CMD z NOOP");

			require(strncmp(got, "ERR ", 4) == 0 &&
				      end != NULL && end[13] == '\0',
				      "case %zu: got \"%s\", want \"ERR ... | "
				      "CMD z NOOP\"", i, got);
			require(strcmp(got, whole) == 0,
				      "case %zu: bytewise \"%s\", whole "
				      "\"%s\", want equal", i, got, whole);
			free(got);
			free(whole);
		}
	}
}
END_TEST

START_TEST(error_reported_early)
{
	struct parser *p = parser_new(&base_limits);
	const unsigned char *in = (const unsigned char *)"a X \x01zzzzzzzz";
	size_t used;
	enum parse_result r;

	r = parser_feed(p, in, 13, &used);
	require(r == PARSE_ERROR, "got %d, want ERROR before the LF", r);
	require(used <= 5, "used: got %zu, want <= 5", used);
	ck_assert_str_eq(parser_error_tag(p), "a");
	r = parser_feed(p, in + used, 13 - used, &used);
	require(r == PARSE_NEED_MORE, "got %d, want NEED_MORE", r);
	r = parser_feed(p, (const unsigned char *)"zz\r\nb NOOP\r\n", 12,
			&used);
	require(r == PARSE_COMMAND && used == 12,
		      "got %d used %zu, want COMMAND used 12", r, used);
	parser_free(&p);
}
END_TEST

START_TEST(used_stops_after_result)
{
	struct parser *p = parser_new(&base_limits);
	const unsigned char *in = (const unsigned char *)
		"a NOOP\r\nb NOOP\nc X \x01\r\n";
	size_t used, off = 0, len = strlen((const char *)in);
	enum parse_result r;

	r = parser_feed(p, in, len, &used);
	require(r == PARSE_COMMAND && used == 8,
		      "got %d used %zu, want COMMAND used 8", r, used);
	off += used;
	r = parser_feed(p, in + off, len - off, &used);
	require(r == PARSE_COMMAND && used == 7,
		      "got %d used %zu, want COMMAND used 7", r, used);
	off += used;
	r = parser_feed(p, in + off, len - off, &used);
	require(r == PARSE_ERROR && used == 4,
		      "got %d used %zu, want ERROR used 4", r, used);
	off += used;
	r = parser_feed(p, in + off, len - off, &used);
	require(r == PARSE_NEED_MORE && off + used == len,
		      "got %d used %zu, want NEED_MORE, all used", r, used);
	parser_free(&p);
}
END_TEST

START_TEST(expect_line)
{
	struct opts o = opts_default();
	unsigned char *in;
	size_t len;

	EXPECT(&o, "a AUTHENTICATE PLAIN\r\ndGVzdA==\r\nb NOOP\r\n",
	       "CMD a AUTHENTICATE PLAIN | LINE dGVzdA== | CMD b NOOP");
	EXPECT(&o, "a IDLE\r\nDONE\nb NOOP\r\n",
	       "CMD a IDLE | LINE DONE | CMD b NOOP");
	EXPECT(&o, "a AUTHENTICATE X\r\n\r\n", "CMD a AUTHENTICATE X | LINE ");
	EXPECT(&o, "a AUTHENTICATE X\r\n{5}\r\n",
	       "CMD a AUTHENTICATE X | LINE {5}");
	EXPECT(&o, "a AUTHENTICATE X\r\na\"b (\0\r\n",
	       "CMD a AUTHENTICATE X | LINE a\"b (\\x00");
	EXPECT(&o, "a IDLE\r\nDO\rNE\r\nb NOOP\r\n",
	       "CMD a IDLE | ERR *: CR not followed by LF | CMD b NOOP");
	o.limits.max_line = 16;
	in = build("a AUTHENTICATE X\r\n", 40, 'x', "\r\nb NOOP\r\n", &len);
	expect_n(&o, in, len,
		 "CMD a AUTHENTICATE X | ERR *: Line too long | CMD b NOOP");
	free(in);
	in = build("a AUTHENTICATE X\r\n", 16, 'x', "\r\nb NOOP\r\n", &len);
	expect_n(&o, in, len,
		 "CMD a AUTHENTICATE X | LINE xxxxxxxxxxxxxxxx | CMD b NOOP");
	free(in);
}
END_TEST

START_TEST(reset)
{
	struct parser_limits l = base_limits;
	struct parser *p = parser_new(&l);
	size_t used;
	enum parse_result r;

	r = parser_feed(p, (const unsigned char *)"a LOGIN {5}\r\nal", 15,
			&used);
	require(r == PARSE_LITERAL_WAIT, "got %d, want WAIT", r);
	r = parser_feed(p, (const unsigned char *)"al", 2, &used);
	require(r == PARSE_NEED_MORE, "got %d, want NEED_MORE", r);
	parser_reset(p);
	r = parser_feed(p, (const unsigned char *)"b NOOP\r\n", 8, &used);
	require(r == PARSE_COMMAND, "got %d, want COMMAND", r);
	ck_assert_str_eq(parser_command(p)->tag, "b");

	r = parser_feed(p, (const unsigned char *)"c NOO", 5, &used);
	require(r == PARSE_NEED_MORE, "got %d, want NEED_MORE", r);
	parser_reset(p);
	r = parser_feed(p, (const unsigned char *)"d NOOP\r\n", 8, &used);
	require(r == PARSE_COMMAND, "got %d, want COMMAND", r);
	ck_assert_str_eq(parser_command(p)->tag, "d");

	r = parser_feed(p, (const unsigned char *)"e X {99999+}\r\n", 14,
			&used);
	require(r == PARSE_ERROR && parser_error_fatal(p),
		      "got %d fatal %d, want fatal ERROR", r,
		      parser_error_fatal(p));
	r = parser_feed(p, (const unsigned char *)"f NOOP\r\n", 8, &used);
	require(r == PARSE_ERROR && used == 8,
		      "after fatal: got %d used %zu, want ERROR used 8", r,
		      used);
	parser_reset(p);
	require(!parser_error_fatal(p), "fatal after reset: got 1, "
		      "want 0");
	r = parser_feed(p, (const unsigned char *)"g NOOP\r\n", 8, &used);
	require(r == PARSE_COMMAND, "got %d, want COMMAND", r);

	r = parser_feed(p, (const unsigned char *)"h X \"", 5, &used);
	parser_reset(p);
	parser_expect_line(p);
	r = parser_feed(p, (const unsigned char *)"raw\r\n", 5, &used);
	require(r == PARSE_LINE, "got %d, want LINE", r);
	ck_assert_str_eq(parser_line(p, NULL), "raw");
	parser_free(&p);
	parser_free(&p);        /* a second free is harmless */
}
END_TEST

/* --- garbage ------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	/* xorshift64*: deterministic, good enough for test input */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static size_t
walk_args(const struct arg *args, size_t n, size_t depth, size_t max_depth)
{
	size_t i, total = n;

	require(depth <= max_depth, "depth: got %zu, want <= %zu",
		      depth, max_depth);
	for (i = 0; i < n; i++) {
		require(args[i].type <= ARG_LIST, "type: got %d",
			      args[i].type);
		if (args[i].type == ARG_LIST)
			total += walk_args(args[i].list, args[i].count,
					   depth + 1, max_depth);
		else
			require(args[i].data[args[i].len] == '\0',
				      "arg not NUL-terminated");
	}
	return total;
}

static const char *const pieces[] = {
	"a1 ", "NOOP", "X ", " ", "  ", "{3}\r\n", "{2+}\r\n", "~{1}\r\n",
	"{0}\r\n", "{99999999999999999999}\r\n", "{1}", "+}", "\"", "\\",
	"(", ")", "[", "]", "\r\n", "\n", "\r", "x", "NIL", "\0", "\xff",
	"BODY[HEADER.FIELDS (A B)]<0.1>", "\"q\\\"\"", "IDLE\r\n",
	"AUTHENTICATE\r\n", "{", "}", "~", "*", "%", "+", "12",
};

static size_t
garbage(unsigned char *buf, size_t max)
{
	size_t len = 0, want = rng() % max;

	while (len < want) {
		if (rng() % 3 == 0) {
			buf[len++] = (unsigned char)rng();
		} else {
			size_t k = rng() % (sizeof(pieces) / sizeof(pieces[0]));
			const char *s = pieces[k];
			size_t n = s[0] == '\0' ? 1 : strlen(s);

			if (len + n > max)
				break;
			memcpy(buf + len, s, n);
			len += n;
		}
	}
	return len;
}

static void
garbage_limits(struct opts *o)
{
	o->limits.max_line = 1 + rng() % 200;
	o->limits.max_literal = rng() % 50;
	o->limits.max_skip = rng() % 100;
	o->limits.max_args = rng() % 20;
	o->limits.max_depth = rng() % 4;
	o->limits.literal_plus = rng() % 2;
	o->limits.literal_minus = rng() % 4 == 0;
	o->limits.binary = rng() % 2;
	o->reject = rng() % 4 == 0;
}

/* 20000 random buffers through one parser, in random pieces: no crash, no
 * result out of range, every command well formed. */
START_TEST(random_garbage)
{
	struct opts o = opts_default();
	struct parser *p = parser_new(&o.limits);
	unsigned char buf[400];
	size_t i, len, off, used, n;
	enum parse_result r;

	for (i = 0; i < 20000; i++) {
		if (i % 100 == 0) {
			garbage_limits(&o);
			parser_set_limits(p, &o.limits);
			parser_reset(p);        /* so they apply at once */
		}
		len = garbage(buf, sizeof(buf));
		for (off = 0; off < len; ) {
			n = 1 + rng() % (len - off);
			r = parser_feed(p, buf + off, n, &used);
			require(r >= PARSE_NEED_MORE && r <= PARSE_ERROR,
				      "result: got %d, want 0..4", (int)r);
			require(used <= n, "used: got %zu, want <= %zu",
				      used, n);
			off += used;
			if (r == PARSE_COMMAND) {
				const struct command *c = parser_command(p);
				size_t total;

				require(c->tag != NULL, "tag: got NULL, want a tag");
				require(c->name != NULL, "name: got NULL, want a name");
				total = walk_args(c->args, c->nargs, 0,
						  o.limits.max_depth);
				require(total <= o.limits.max_args,
					      "args: got %zu, want <= %zu",
					      total, o.limits.max_args);
			}
			if (r == PARSE_ERROR) {
				require(parser_error(p)[0] != '\0',
					      "error: got \"\", want a reason");
				require(parser_error_tag(p) != NULL,
					"error tag: got NULL, want a tag");
				if (parser_error_fatal(p))
					parser_reset(p);
			}
			react(p, &o, r);
		}
	}
	parser_free(&p);
}
END_TEST

/* Random inputs give the same transcript whole and byte by byte. */
START_TEST(random_split_agrees)
{
	struct opts o = opts_default();
	unsigned char buf[300];
	size_t i, len;
	char *whole, *bytes, *cut;

	for (i = 0; i < 3000; i++) {
		garbage_limits(&o);
		len = garbage(buf, sizeof(buf));
		whole = run(&o, buf, len, len + 1, 0);
		bytes = run(&o, buf, len, 1, 0);
		cut = run(&o, buf, len, 0, len ? rng() % len : 0);
		require(strcmp(whole, bytes) == 0,
			      "case %zu: bytewise got \"%s\", want \"%s\"", i,
			      bytes, whole);
		require(strcmp(whole, cut) == 0,
			      "case %zu: cut got \"%s\", want \"%s\"", i, cut,
			      whole);
		free(whole);
		free(bytes);
		free(cut);
	}
}
END_TEST

static Suite *
parser_suite(void)
{
	Suite *s = suite_create("parser");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, atoms);
	tcase_add_test(tc, literal_total);
	tcase_add_test(tc, quoted);
	tcase_add_test(tc, quoted_errors);
	tcase_add_test(tc, nil);
	tcase_add_test(tc, lists);
	tcase_add_test(tc, list_shape);
	tcase_add_test(tc, sections);
	tcase_add_test(tc, literal_sync);
	tcase_add_test(tc, literal_wait_state);
	tcase_add_test(tc, literal_reject);
	tcase_add_test(tc, literal_plus);
	tcase_add_test(tc, literal_minus);
	tcase_add_test(tc, literal_binary);
	tcase_add_test(tc, literal_too_large);
	tcase_add_test(tc, literal_skip);
	tcase_add_test(tc, literal_header_errors);
	tcase_add_test(tc, literal_split_everywhere);
	tcase_add_test(tc, literal_sink);
	tcase_add_test(tc, max_args);
	tcase_add_test(tc, max_line);
	tcase_add_test(tc, max_line_in_literal_header);
	tcase_add_test(tc, max_line_huge);
	tcase_add_test(tc, limits_change);
	tcase_add_test(tc, empty_lines_and_lf);
	tcase_add_test(tc, tag_and_name_errors);
	tcase_add_test(tc, atom_errors);
	tcase_add_test(tc, resync_over_literals);
	tcase_add_test(tc, resync_each_error);
	tcase_add_test(tc, error_reported_early);
	tcase_add_test(tc, used_stops_after_result);
	tcase_add_test(tc, expect_line);
	tcase_add_test(tc, reset);
	tcase_add_test(tc, random_garbage);
	tcase_add_test(tc, random_split_agrees);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(parser_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
