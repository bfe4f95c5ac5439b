/* include/imap/parser.h — resumable parser for IMAP commands (RFC 3501
 * section 9, RFC 7888 literals).
 *
 * The parser never reads a socket. The caller feeds it whatever bytes have
 * arrived; it keeps its position in its own state and says what it needs:
 *
 *   PARSE_NEED_MORE     every byte was consumed; feed more.
 *   PARSE_COMMAND       a whole command is ready: parser_command().
 *   PARSE_LITERAL_WAIT  a synchronizing literal {n} was announced and is
 *                       acceptable: send "+ ..." and feed on. (Declining is
 *                       done with parser_literal_reject.) parser_command()
 *                       already has the tag and name, parser_literal_size()
 *                       the size.
 *   PARSE_LINE          in line mode (parser_expect_line), a raw line is
 *                       ready: parser_line().
 *   PARSE_ERROR         a syntax error or an exceeded limit: parser_error()
 *                       says why, parser_error_tag() which tag to answer
 *                       with BAD. Unless parser_error_fatal(), the parser
 *                       has already arranged to skip the rest of the bad
 *                       command (its line, and the bytes of a non-
 *                       synchronizing literal already announced), so the
 *                       next command parses cleanly.
 *
 * The command is split into generic arguments: atoms, quoted strings,
 * literals, NIL and parenthesised lists. What an argument means is up to
 * the command handler. An atom may carry a bracketed section with spaces
 * and parentheses in it, so that BODY[HEADER.FIELDS (From To)]<0.100> is
 * one atom, as the FETCH grammar wants (RFC 3501 6.4.5).
 *
 * Limits: max_line bounds the bytes of a command outside its literals,
 * max_literal each literal, max_args the argument count over all nesting
 * levels, max_depth the list nesting. A synchronizing literal over the
 * limit is refused before the client sends it; a non-synchronizing one
 * ({n+}) over the limit is skipped if it is no larger than max_skip, and
 * otherwise the error is fatal (RFC 7888 section 4: the server may close
 * the connection). max_sunk_literal bounds a literal the sink takes
 * (below) instead of max_literal. Memory for a command is bounded by the
 * limits.
 *
 * Literal sinks. A literal that is a message (APPEND's) may be far larger
 * than anything we want in memory. The caller may install a sink
 * (parser_set_sink): for each literal of a command, at any depth (but
 * not inside BODY[...]), once its header "{n}" or "{n+}" is complete and
 * n is within
 * max_sunk_literal, the parser asks the sink's open() (which sees the
 * top-level arguments so far; an open list is the last of them); when it
 * says yes,
 * the literal's data goes to write() as it arrives instead of into memory,
 * max_literal and max_literals_total do not apply to it, and the
 * argument is an ARG_LITERAL with sunk = 1, data NULL and len n. A
 * synchronizing literal is asked about before PARSE_LITERAL_WAIT, a
 * non-synchronizing one before its first byte is read, so both kinds
 * behave alike. The parser calls nothing else of the sink: the caller
 * closes it after the command, the error or parser_literal_reject.
 *
 * The command and its arguments live in the parser's memory until the
 * next call to parser_feed or parser_reset. */
#ifndef SKUA_IMAP_PARSER_H
#define SKUA_IMAP_PARSER_H

#include <stddef.h>
#include <stdint.h>

enum parse_result {
	PARSE_NEED_MORE,
	PARSE_COMMAND,
	PARSE_LITERAL_WAIT,
	PARSE_LINE,
	PARSE_ERROR,
};

enum arg_type {
	ARG_ATOM,       /* also numbers, sequence sets, \Flags, BODY[...] */
	ARG_QUOTED,     /* "..." with the escapes removed */
	ARG_LITERAL,    /* {n}, {n+}, or ~{n} (binary) */
	ARG_NIL,        /* data: the atom as written ("nil"), since an
			 * astring may be spelt NIL too */
	ARG_LIST,       /* ( ... ) */
};

struct arg {
	enum arg_type type;
	/* ATOM, QUOTED, LITERAL: the bytes, NUL-terminated for convenience
	 * (a literal may contain NULs of its own: trust len). */
	const unsigned char *data;
	size_t len;
	int binary;             /* LITERAL written ~{n} (RFC 3516) */
	int sunk;               /* LITERAL whose data went to the sink:
				 * data is NULL */
	/* LIST: its elements. */
	struct arg *list;
	size_t count;
};

struct command {
	const char *tag;
	const char *name;       /* the first atom after the tag, upper-cased */
	struct arg *args;       /* the rest of the line */
	size_t nargs;
};

struct parser_limits {
	size_t max_line;        /* bytes of a command outside its literals,
				 * CR and LF not counted */
	size_t max_literal;
	size_t max_sunk_literal;    /* a literal the sink takes; 0: none */
	size_t max_literals_total;  /* all literals of one command together;
				     * 0 means max_literal */
	size_t max_skip;        /* largest {n+} literal to skip over */
	size_t max_args;
	size_t max_depth;
	int literal_plus;       /* 1: {n+} accepted (LITERAL+) */
	int literal_minus;      /* 1: {n+} only up to 4096 (LITERAL-); wins
				 * over literal_plus when both are set */
	int binary;             /* 1: ~{n} accepted (BINARY) */
};

struct parser;

struct parser_sink {
	/* Asked once a top-level literal's header is complete and its size
	 * within max_sunk_literal; cmd holds the tag, the name and the
	 * arguments before the literal. Returns 1 to take the data, 0 to
	 * leave the literal in memory under the ordinary limits. */
	int (*open)(void *ctx, const struct command *cmd, uint64_t size);
	/* Takes the next n bytes of the literal. Returns 0, or -1, after
	 * which the rest of the literal is read and dropped: the caller
	 * remembers its own error. */
	int (*write)(void *ctx, const void *data, size_t n);
	void *ctx;
};

struct parser *parser_new(const struct parser_limits *limits);
/* Changes the limits; applies from the next command on (e.g. at login). */
void parser_set_limits(struct parser *p, const struct parser_limits *limits);
/* Installs the literal sink, or removes it (sink NULL). It is asked about
 * literals announced from then on. */
void parser_set_sink(struct parser *p, const struct parser_sink *sink);

/* Feeds len bytes. *used_r says how many were consumed; the caller keeps
 * the rest and feeds them again after dealing with the result. */
enum parse_result parser_feed(struct parser *p, const unsigned char *buf,
			      size_t len, size_t *used_r);

const struct command *parser_command(const struct parser *p);
/* Size announced by the pending synchronizing literal. */
uint64_t parser_literal_size(const struct parser *p);
/* Declines the pending synchronizing literal: the command is dropped, the
 * client will not send the literal, and parsing resumes with the next
 * line. The caller answers the command's tag with BAD or NO. */
void parser_literal_reject(struct parser *p);

/* Asks that the next line be returned raw (SASL responses, IDLE's DONE),
 * bounded by max_line. */
void parser_expect_line(struct parser *p);
/* The raw line without its CRLF, NUL-terminated. */
const char *parser_line(const struct parser *p, size_t *len_r);

/* A short fixed phrase for "tag BAD ...". Every refusal for size says
 * "Literal too large" (for [TOOBIG]); an over-long line "Line too long". */
const char *parser_error(const struct parser *p);
/* The tag of the failed command, or "*" when there was no valid tag (and
 * for errors in a raw line). */
const char *parser_error_tag(const struct parser *p);
/* 1 when the stream cannot be resynchronised and must be closed. */
int parser_error_fatal(const struct parser *p);

/* Forgets any partial command (after STARTTLS). */
void parser_reset(struct parser *p);
void parser_free(struct parser **p);

#endif
