/* tests/fuzz/fuzz_parser.c — libFuzzer target for the IMAP command parser
 * (imap/parser), which reads every byte a client sends, before login too.
 * Whatever the bytes and however they are cut, the parser must neither
 * crash nor read outside them nor loop, and it must keep what parser.h
 * promises:
 *
 *   - PARSE_NEED_MORE consumes every byte; no result consumes more than
 *     it was given;
 *   - a command has a tag and an upper-case name, at most max_args
 *     arguments over all levels, at most max_depth levels of lists,
 *     literals within max_literal (together within max_literals_total)
 *     unless the sink took them (then within max_sunk_literal, data NULL),
 *     ~{n} only with binary, every atom, string and literal NUL-terminated;
 *   - an error has a phrase and a tag; after a non-fatal one parsing
 *     goes on (resync) and the stream is never stuck;
 *   - the same answers whatever the cut: the input is parsed twice, fed
 *     in chunks whose sizes the first bytes choose and fed whole (the
 *     leftover after each result fed again), and the transcripts of
 *     results must agree.
 *
 * Input: byte 0 holds flags (which limits, sink or not, a failing sink,
 * rejected literals, LITERAL-), bytes 1-7 are a cycle of chunk sizes
 * (1-64), the rest is the client's byte stream. The driver plays the
 * session: after LOGIN or AUTHENTICATE the post-auth limits apply, after
 * IDLE and AUTHENTICATE a raw line is asked for, APPEND's literals go to
 * the sink.
 *
 * Built and run by `make fuzz`; seeds in tests/fuzz/corpus/fuzz_parser/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/limits.h"
#include "imap/parser.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 8
#define LOG_MAX ((size_t)16 << 20)

/* Tight limits, so that the fuzzer reaches every refusal. */
static const struct parser_limits limits_tiny = {
	.max_line = 40,
	.max_literal = 16,
	.max_sunk_literal = 64,
	.max_literals_total = 24,
	.max_skip = 32,
	.max_args = 6,
	.max_depth = 2,
	.literal_plus = 1,
	.binary = 1,
};

enum {
	F_TINY = 1,             /* tiny limits instead of pre/post-auth */
	F_AUTHED = 2,           /* post-auth limits from the start */
	F_SINK = 4,             /* APPEND's literals go to the sink */
	F_SINK_FAIL = 8,        /* its write fails past 10 bytes */
	F_REJECT = 16,          /* refuse synchronizing literals of odd size */
	F_MINUS = 32,           /* LITERAL- instead of LITERAL+ */
	F_NO_PLUS = 64,         /* neither */
};

#define SINK_FAIL_AT 10

struct run {
	unsigned flags;
	struct parser *p;
	struct parser_limits lim;       /* in force for the current command */
	struct parser_limits next;      /* set by the driver for the next */
	struct buf log;                 /* the transcript */
	/* the sink */
	int sink_open;
	uint64_t sink_size, sink_got;
	int sink_failed;
};

static void
limits_for(unsigned flags, int authed, struct parser_limits *l)
{
	*l = flags & F_TINY ? limits_tiny :
		authed ? imap_limits_authed : imap_limits_preauth;
	if (flags & F_MINUS)
		l->literal_minus = 1;
	if (flags & F_NO_PLUS)
		l->literal_plus = 0;
}

static int
sink_open(void *ctx, const struct command *cmd, uint64_t size)
{
	struct run *r = ctx;

	if (cmd == NULL || cmd->tag == NULL || cmd->name == NULL)
		abort();
	if (strcmp(cmd->name, "APPEND") != 0 || cmd->nargs == 0 ||
	    r->sink_open)
		return 0;
	if (r->lim.max_sunk_literal == 0 || size > r->lim.max_sunk_literal) {
		fprintf(stderr, "fuzz_parser: sink asked for %llu bytes over "
			"max_sunk_literal %zu\n", (unsigned long long)size,
			r->lim.max_sunk_literal);
		abort();
	}
	r->sink_open = 1;
	r->sink_size = size;
	r->sink_got = 0;
	r->sink_failed = 0;
	buf_printf(&r->log, "OPEN %llu|", (unsigned long long)size);
	return 1;
}

static int
sink_write(void *ctx, const void *data, size_t n)
{
	struct run *r = ctx;

	if (!r->sink_open || r->sink_failed) {
		fprintf(stderr, "fuzz_parser: sink written while %s\n",
			r->sink_open ? "failed" : "closed");
		abort();
	}
	if (n == 0 || r->sink_got + n > r->sink_size) {
		fprintf(stderr, "fuzz_parser: sink got %llu + %zu bytes of a "
			"%llu-byte literal\n", (unsigned long long)r->sink_got,
			n, (unsigned long long)r->sink_size);
		abort();
	}
	/* Fail on the call that goes past SINK_FAIL_AT, whatever the cut,
	 * so the transcripts of both runs still agree. */
	if ((r->flags & F_SINK_FAIL) && r->sink_got + n > SINK_FAIL_AT) {
		r->sink_failed = 1;
		buf_append_str(&r->log, "WFAIL|");
		return -1;
	}
	r->sink_got += n;
	if (!(r->flags & F_SINK_FAIL))
		buf_append(&r->log, data, n);
	return 0;
}

static void
sink_close(struct run *r)
{
	if (r->sink_open && !(r->flags & F_SINK_FAIL))
		buf_append_str(&r->log, "|");
	r->sink_open = 0;
}

struct count {
	size_t args, depth;
	uint64_t lit_mem;
};

static void
check_args(const struct run *r, const struct arg *args, size_t n,
	   size_t depth, struct count *c, struct buf *log)
{
	const struct parser_limits *l = &r->lim;

	if (n > 0 && args == NULL)
		abort();
	if (depth > c->depth)
		c->depth = depth;
	for (size_t i = 0; i < n; i++) {
		const struct arg *a = &args[i];

		c->args++;
		switch (a->type) {
		case ARG_ATOM:
		case ARG_QUOTED:
		case ARG_NIL:
			if (a->data == NULL || a->data[a->len] != '\0' ||
			    a->len > l->max_line || a->sunk || a->binary)
				abort();
			if (a->type == ARG_ATOM && a->len == 0)
				abort();
			buf_printf(log, " %c%zu:", "AQ?N"[a->type], a->len);
			buf_append(log, a->data, a->len);
			break;
		case ARG_LITERAL:
			if (a->binary && !l->binary)
				abort();
			if (a->sunk) {
				if (a->data != NULL ||
				    a->len > l->max_sunk_literal)
					abort();
			} else {
				if (a->data == NULL || a->data[a->len] != '\0'
				    || a->len > l->max_literal)
					abort();
				c->lit_mem += a->len;
			}
			buf_printf(log, " L%d%d%zu:", a->binary, a->sunk,
				   a->len);
			if (!a->sunk)
				buf_append(log, a->data, a->len);
			break;
		case ARG_LIST:
			buf_printf(log, " (");
			check_args(r, a->list, a->count, depth + 1, c, log);
			buf_printf(log, " )");
			break;
		default:
			abort();
		}
	}
}

static void
on_command(struct run *r)
{
	const struct command *cmd = parser_command(r->p);
	const struct parser_limits *l = &r->lim;
	struct count c = { 0, 0, 0 };
	size_t total = l->max_literals_total ? l->max_literals_total :
		l->max_literal;

	if (cmd == NULL || cmd->tag == NULL || cmd->name == NULL ||
	    cmd->tag[0] == '\0' || cmd->name[0] == '\0')
		abort();
	for (const char *s = cmd->name; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			abort();
	buf_printf(&r->log, "CMD %s %s", cmd->tag, cmd->name);
	check_args(r, cmd->args, cmd->nargs, 0, &c, &r->log);
	if (c.args > l->max_args || c.depth > l->max_depth ||
	    c.lit_mem > total) {
		fprintf(stderr, "fuzz_parser: command with %zu args (max %zu), "
			"depth %zu (max %zu), %llu literal bytes (max %zu)\n",
			c.args, l->max_args, c.depth, l->max_depth,
			(unsigned long long)c.lit_mem, total);
		abort();
	}
	buf_append_str(&r->log, "|");
	sink_close(r);
	/* The session's part: limits after login, raw lines. */
	if (strcmp(cmd->name, "LOGIN") == 0 ||
	    strcmp(cmd->name, "AUTHENTICATE") == 0)
		limits_for(r->flags, 1, &r->next);
	if (strcmp(cmd->name, "LOGOUT") == 0)
		limits_for(r->flags, r->flags & F_AUTHED, &r->next);
	parser_set_limits(r->p, &r->next);
	if (strcmp(cmd->name, "IDLE") == 0 ||
	    strcmp(cmd->name, "AUTHENTICATE") == 0)
		parser_expect_line(r->p);
}

/* Handles one result; returns 0 to go on, -1 when the stream is over. */
static int
on_result(struct run *r, enum parse_result res)
{
	const struct command *cmd;
	const char *s;
	size_t len;
	uint64_t n;

	switch (res) {
	case PARSE_NEED_MORE:
		return 0;
	case PARSE_COMMAND:
		on_command(r);
		r->lim = r->next;
		return 0;
	case PARSE_LITERAL_WAIT:
		cmd = parser_command(r->p);
		n = parser_literal_size(r->p);
		if (cmd == NULL || cmd->tag == NULL || cmd->name == NULL)
			abort();
		if (n > r->lim.max_literal &&
		    !(r->sink_open && n == r->sink_size)) {
			fprintf(stderr, "fuzz_parser: literal of %llu bytes "
				"over max_literal %zu is waited for\n",
				(unsigned long long)n, r->lim.max_literal);
			abort();
		}
		buf_printf(&r->log, "WAIT %s %s %llu|", cmd->tag, cmd->name,
			   (unsigned long long)n);
		if ((r->flags & F_REJECT) && (n & 1)) {
			buf_append_str(&r->log, "REJECT|");
			parser_literal_reject(r->p);
			sink_close(r);
		}
		return 0;
	case PARSE_LINE:
		s = parser_line(r->p, &len);
		if (s == NULL || s[len] != '\0' || len > r->lim.max_line)
			abort();
		buf_append_str(&r->log, "LINE ");
		buf_append(&r->log, s, len);
		buf_append_str(&r->log, "|");
		return 0;
	case PARSE_ERROR:
		s = parser_error(r->p);
		if (s == NULL || s[0] == '\0' || parser_error_tag(r->p) == NULL
		    || parser_error_tag(r->p)[0] == '\0')
			abort();
		buf_printf(&r->log, "ERR %s %s %d|", parser_error_tag(r->p), s,
			   parser_error_fatal(r->p));
		sink_close(r);
		r->lim = r->next;
		return parser_error_fatal(r->p) ? -1 : 0;
	}
	abort();
}

static void
run_init(struct run *r, unsigned flags)
{
	static const struct parser_sink proto = { sink_open, sink_write,
						  NULL };
	struct parser_sink sink = proto;

	memset(r, 0, sizeof(*r));
	r->flags = flags;
	limits_for(flags, flags & F_AUTHED, &r->lim);
	r->next = r->lim;
	r->p = parser_new(&r->lim);
	buf_init(&r->log, LOG_MAX);
	if (flags & F_SINK) {
		sink.ctx = r;
		parser_set_sink(r->p, &sink);
	}
}

/* Feeds buf[0..len) in pieces of at most chunk bytes (0: whole). */
static void
feed(struct run *r, const unsigned char *buf, size_t len,
     const uint8_t *sizes, size_t nsizes)
{
	size_t pos = 0, k = 0, avail = 0, guard = 0;

	while (pos < len) {
		enum parse_result res;
		size_t used = (size_t)-1;

		if (avail == 0) {
			avail = nsizes ? (size_t)(sizes[k++ % nsizes] % 64) + 1
				       : len - pos;
			if (avail > len - pos)
				avail = len - pos;
		}
		/* Each call consumes a byte or returns a result; a result
		 * that consumes nothing may come once between bytes. */
		if (++guard > 4 * len + 64) {
			fprintf(stderr, "fuzz_parser: no progress at %zu\n",
				pos);
			abort();
		}
		res = parser_feed(r->p, buf + pos, avail, &used);
		if (used > avail)
			abort();
		if (res == PARSE_NEED_MORE && used != avail)
			abort();
		pos += used;
		avail -= used;
		if (on_result(r, res) < 0)
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run a, b;
	unsigned char *copy;
	size_t len;

	if (size < HDR)
		return 0;
	len = size - HDR;
	/* An exact-size copy, so ASan sees any read past the end. */
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + HDR, len);

	run_init(&a, data[0]);
	run_init(&b, data[0]);
	feed(&a, copy, len, data + 1, HDR - 1);
	feed(&b, copy, len, NULL, 0);
	if (a.log.len != b.log.len || (a.log.len > 0 &&
	    memcmp(a.log.data, b.log.data, a.log.len) != 0)) {
		fprintf(stderr, "fuzz_parser: chunked and whole feeds differ\n"
			"chunked: %.*s\nwhole:   %.*s\n", (int)a.log.len,
			(const char *)a.log.data, (int)b.log.len,
			(const char *)b.log.data);
		abort();
	}
	/* parser_reset must leave a parser that works. */
	parser_reset(a.p);
	{
		static const unsigned char again[] = "z1 NOOP\r\n";
		size_t used;
		enum parse_result res;

		res = parser_feed(a.p, again, sizeof(again) - 1, &used);
		if (res != PARSE_COMMAND || used != sizeof(again) - 1 ||
		    strcmp(parser_command(a.p)->name, "NOOP") != 0)
			abort();
	}
	parser_free(&a.p);
	parser_free(&b.p);
	buf_free(&a.log);
	buf_free(&b.log);
	free(copy);
	return 0;
}
