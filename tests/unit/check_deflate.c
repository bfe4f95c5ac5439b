/* tests/unit/check_deflate.c — net/deflate: the COMPRESS=DEFLATE layer
 * (RFC 4978) over a memory stream and over a real socketpair: round
 * trips both ways, a sync flush at each stream_flush and at no other
 * point, input handed over at the start, bounded memory under a
 * decompression bomb, what stream_wait calls ready, and the errors.
 *
 * The peer is played with zlib directly, as a client would (raw deflate,
 * windowBits -15). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zlib.h>

#include "net/deflate.h"
#include "net/fdstream.h"
#include "util/stream.h"

#define EXPECT_INT(got, want) do {					\
	long long got_ = (got), want_ = (want);				\
	ck_assert_msg(got_ == want_, "%s: got %lld, want %lld",		\
		      #got, got_, want_);				\
} while (0)

#define SYNC_MARK "\x00\x00\xff\xff"

/* --- a memory stream: the peer's bytes in, ours out -------------------- */

struct mem {
	unsigned char *in;      /* what the peer sent, compressed */
	size_t in_len, in_pos;
	size_t chunk;           /* most bytes one read returns; 0: any */
	int eof;                /* after in: end of stream */
	unsigned char *out;     /* what we wrote */
	size_t out_len, out_cap;
	unsigned writes;        /* calls of write */
	int destroyed;
};

static ssize_t
mem_read(struct stream *s, void *buf, size_t len, int timeout_ms)
{
	struct mem *m = s->ctx;
	size_t n = m->in_len - m->in_pos;

	(void)timeout_ms;
	if (n == 0)
		return m->eof ? STREAM_EOF : STREAM_TIMEOUT;
	if (n > len)
		n = len;
	if (m->chunk != 0 && n > m->chunk)
		n = m->chunk;
	memcpy(buf, m->in + m->in_pos, n);
	m->in_pos += n;
	return (ssize_t)n;
}

static int
mem_write(struct stream *s, const void *data, size_t len)
{
	struct mem *m = s->ctx;

	if (m->out_len + len > m->out_cap) {
		m->out_cap = (m->out_len + len) * 2;
		m->out = realloc(m->out, m->out_cap);
		ck_assert(m->out != NULL);
	}
	memcpy(m->out + m->out_len, data, len);
	m->out_len += len;
	m->writes++;
	return 0;
}

/* Never blocks: input, extra_fd readable, or a timeout at once. */
static int
mem_wait(struct stream *s, int extra_fd, int timeout_ms)
{
	struct mem *m = s->ctx;
	struct pollfd p = { .fd = extra_fd, .events = POLLIN };
	int r = 0;

	(void)timeout_ms;
	if (m->in_pos < m->in_len || m->eof)
		r |= STREAM_WAIT_INPUT;
	if (extra_fd >= 0 && poll(&p, 1, 0) > 0)
		r |= STREAM_WAIT_EXTRA;
	return r != 0 ? r : STREAM_TIMEOUT;
}

static const char *
mem_security(struct stream *s)
{
	(void)s;
	return "TEST-TLS";
}

static void
mem_destroy(struct stream *s)
{
	struct mem *m = s->ctx;

	m->destroyed = 1;
}

static const struct stream_ops mem_ops = {
	.read = mem_read,
	.write = mem_write,
	.security = mem_security,
	.destroy = mem_destroy,
	.wait = mem_wait,
	.start_deflate = deflate_stream_start,
};

static void
mem_give(struct mem *m, const void *data, size_t len)
{
	m->in = realloc(m->in, m->in_len + len + 1);
	ck_assert(m->in != NULL);
	memcpy(m->in + m->in_len, data, len);
	m->in_len += len;
}

static void
mem_clear(struct mem *m)
{
	free(m->in);
	free(m->out);
	memset(m, 0, sizeof(*m));
}

/* A memory stream with compression on. */
static struct stream *
mem_compressed(struct mem *m)
{
	struct stream *s;

	memset(m, 0, sizeof(*m));
	s = stream_new(&mem_ops, m);
	ck_assert_msg(stream_start_deflate(s, NULL, 0) == 0, "start: %s",
		      s->error);
	return s;
}

/* --- the peer's zlib ---------------------------------------------------- */

struct peer {
	z_stream def, inf;
};

static void
peer_init(struct peer *p)
{
	memset(p, 0, sizeof(*p));
	ck_assert(deflateInit2(&p->def, 6, Z_DEFLATED, -15, 8,
			       Z_DEFAULT_STRATEGY) == Z_OK);
	ck_assert(inflateInit2(&p->inf, -15) == Z_OK);
}

static void
peer_end(struct peer *p)
{
	deflateEnd(&p->def);
	inflateEnd(&p->inf);
}

/* Compresses len bytes with mode; returns a malloc'd buffer. */
static unsigned char *
peer_deflate(struct peer *p, const void *data, size_t len, int mode,
	     size_t *len_r)
{
	size_t cap = deflateBound(&p->def, len) + 64, n = 0;
	unsigned char *out = malloc(cap);

	ck_assert(out != NULL);
	p->def.next_in = (unsigned char *)data;
	p->def.avail_in = (uInt)len;
	do {
		if (cap - n < 64) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert(out != NULL);
		}
		p->def.next_out = out + n;
		p->def.avail_out = (uInt)(cap - n);
		ck_assert(deflate(&p->def, mode) != Z_STREAM_ERROR);
		n = cap - p->def.avail_out;
	} while (p->def.avail_out == 0 || p->def.avail_in > 0);
	*len_r = n;
	return out;
}

/* Inflates all of data; returns a malloc'd NUL-terminated buffer. */
static char *
peer_inflate(struct peer *p, const void *data, size_t len, size_t *len_r)
{
	size_t cap = len * 8 + 1024, n = 0;
	char *out = malloc(cap);
	int r;

	ck_assert(out != NULL);
	p->inf.next_in = (unsigned char *)data;
	p->inf.avail_in = (uInt)len;
	do {
		if (cap - n < 1024) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert(out != NULL);
		}
		p->inf.next_out = (unsigned char *)out + n;
		p->inf.avail_out = (uInt)(cap - n - 1);
		r = inflate(&p->inf, Z_SYNC_FLUSH);
		ck_assert_msg(r == Z_OK || r == Z_BUF_ERROR,
			      "peer inflate: got %d (%s)", r,
			      p->inf.msg ? p->inf.msg : "");
		n = cap - 1 - p->inf.avail_out;
	} while (p->inf.avail_in > 0 || p->inf.avail_out == 0);
	out[n] = '\0';
	*len_r = n;
	return out;
}

static size_t
count_marks(const unsigned char *data, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(data + i, SYNC_MARK, 4) == 0)
			n++;
	return n;
}

/* Reads until want bytes came (or the stream says otherwise). */
static size_t
read_all(struct stream *s, char *buf, size_t want, size_t step)
{
	size_t got = 0;
	ssize_t n;

	while (got < want) {
		n = stream_read(s, buf + got, step < want - got ? step :
				want - got, 0);
		if (n <= 0)
			break;
		ck_assert_msg((size_t)n <= step, "read: got %zd bytes, "
			      "asked for at most %zu", n, step);
		got += (size_t)n;
	}
	return got;
}

/* --- output ------------------------------------------------------------- */

START_TEST(out_round_trip)
{
	struct mem m;
	struct stream *s = mem_compressed(&m);
	struct peer p;
	const char *lines[] = {
		"* 1 EXISTS\r\n* 0 RECENT\r\na1 OK SELECT completed\r\n",
		"a2 OK NOOP completed.\r\n",
		"* BYE logging out\r\na3 OK LOGOUT completed\r\n",
	};
	size_t before, n;
	char *plain;

	peer_init(&p);
	for (size_t i = 0; i < 3; i++) {
		before = m.out_len;
		ck_assert(stream_puts(s, lines[i]) == 0);
		ck_assert(stream_flush(s) == 0);
		ck_assert_msg(m.out_len - before >= 4 &&
			      memcmp(m.out + m.out_len - 4, SYNC_MARK, 4) == 0,
			      "flush %zu: output does not end in a sync flush",
			      i);
		/* Everything written so far can be read by the peer now. */
		plain = peer_inflate(&p, m.out + before, m.out_len - before, &n);
		ck_assert_msg(n == strlen(lines[i]) &&
			      memcmp(plain, lines[i], n) == 0,
			      "flush %zu: got '%s', want '%s'", i, plain,
			      lines[i]);
		free(plain);
	}
	/* A flush with nothing new sends nothing. */
	before = m.out_len;
	ck_assert(stream_flush(s) == 0);
	EXPECT_INT(m.out_len, before);
	EXPECT_INT(s->bytes_out, strlen(lines[0]) + strlen(lines[1]) +
		   strlen(lines[2]));
	stream_free(&s);
	ck_assert(m.destroyed);
	peer_end(&p);
	mem_clear(&m);
}
END_TEST

/* A big response (a FETCH of a large message) goes out in one run of
 * deflate blocks: stream.c hands it over in 64 KiB pieces, and none of
 * them may end in a sync flush; only stream_flush does. */
START_TEST(out_big_one_sync_flush)
{
	struct mem m;
	struct stream *s = mem_compressed(&m);
	struct peer p;
	char line[128], *plain;
	size_t total = 0, n, marks;
	struct buf want;

	buf_init(&want, 8 * 1024 * 1024);
	peer_init(&p);
	for (unsigned i = 0; total < 600 * 1024; i++) {
		n = (size_t)snprintf(line, sizeof(line), "Line %u of a long "
				     "message body, padded out.\r\n", i);
		ck_assert(stream_write(s, line, n) == 0);
		ck_assert(buf_append(&want, line, n) == 0);
		total += n;
	}
	/* And one write larger than the stream's buffer. */
	{
		size_t big = 200 * 1024;
		char *b = malloc(big);

		for (size_t i = 0; i < big; i++)
			b[i] = (char)('a' + i % 23);
		ck_assert(stream_write(s, b, big) == 0);
		ck_assert(buf_append(&want, b, big) == 0);
		free(b);
	}
	marks = count_marks(m.out, m.out_len);
	EXPECT_INT(marks, 0);
	ck_assert(stream_flush(s) == 0);
	marks = count_marks(m.out, m.out_len);
	EXPECT_INT(marks, 1);
	ck_assert(memcmp(m.out + m.out_len - 4, SYNC_MARK, 4) == 0);
	plain = peer_inflate(&p, m.out, m.out_len, &n);
	EXPECT_INT(n, want.len);
	ck_assert(memcmp(plain, want.data, n) == 0);
	/* Compressed, and written below in pieces, not byte by byte. */
	ck_assert_msg(m.out_len < want.len / 4, "compressed %zu to %zu",
		      want.len, m.out_len);
	ck_assert_msg(m.writes < 100, "%u writes below", m.writes);
	free(plain);
	buf_free(&want);
	stream_free(&s);
	peer_end(&p);
	mem_clear(&m);
}
END_TEST

/* --- input -------------------------------------------------------------- */

static const char cmds[] =
	"a1 SELECT INBOX\r\na2 FETCH 1:* (FLAGS)\r\na3 NOOP\r\n";

START_TEST(in_round_trip)
{
	static const size_t chunks[] = { 0, 1, 2, 7 };
	size_t chunk = chunks[_i];
	struct mem m;
	struct stream *s = mem_compressed(&m);
	struct peer p;
	unsigned char *z;
	size_t zlen, got;
	char buf[256];

	peer_init(&p);
	z = peer_deflate(&p, cmds, strlen(cmds), Z_SYNC_FLUSH, &zlen);
	mem_give(&m, z, zlen);
	m.chunk = chunk;
	got = read_all(s, buf, strlen(cmds), chunk != 0 ? 5 : sizeof(buf));
	EXPECT_INT(got, strlen(cmds));
	ck_assert(memcmp(buf, cmds, got) == 0);
	/* Nothing more: a timeout, not an error. */
	EXPECT_INT(stream_read(s, buf, sizeof(buf), 0), STREAM_TIMEOUT);
	EXPECT_INT(s->bytes_in, strlen(cmds));
	{
		uint64_t win, wout;

		ck_assert(deflate_stream_wire(s, &win, &wout) == 0);
		EXPECT_INT(win, zlen);
		EXPECT_INT(wout, 0);
	}
	free(z);
	stream_free(&s);
	peer_end(&p);
	mem_clear(&m);
}
END_TEST

/* Bytes read before the layer started (pipelined behind COMPRESS) are
 * the start of the compressed stream, whatever the cut. */
START_TEST(in_pending_handed_over)
{
	struct mem m;
	struct stream *s;
	struct peer p;
	unsigned char *z;
	size_t zlen, got;
	char buf[256];

	peer_init(&p);
	z = peer_deflate(&p, cmds, strlen(cmds), Z_SYNC_FLUSH, &zlen);
	for (size_t cut = 0; cut <= zlen; cut++) {
		memset(&m, 0, sizeof(m));
		s = stream_new(&mem_ops, &m);
		s->bytes_in = cut;      /* as if the session had read them */
		ck_assert(stream_start_deflate(s, z, cut) == 0);
		EXPECT_INT(s->bytes_in, 0);
		mem_give(&m, z + cut, zlen - cut);
		got = read_all(s, buf, strlen(cmds), sizeof(buf));
		ck_assert_msg(got == strlen(cmds) &&
			      memcmp(buf, cmds, got) == 0,
			      "cut %zu: got %zu bytes", cut, got);
		stream_free(&s);
		mem_clear(&m);
	}
	free(z);
	peer_end(&p);
}
END_TEST

/* 64 MiB of one letter is about 64 KiB compressed. Reading it must hand
 * out at most what was asked for each time and keep the heap flat. */
START_TEST(in_bomb_bounded)
{
	const size_t plain = 64u * 1024 * 1024;
	struct mem m;
	struct stream *s = mem_compressed(&m);
	struct peer p;
	unsigned char *block = malloc(1024 * 1024), *z;
	size_t zlen, got = 0;
	struct mallinfo2 before, after;
	char buf[4096];
	ssize_t n;

	peer_init(&p);
	memset(block, 'A', 1024 * 1024);
	for (size_t i = 0; i < plain / (1024 * 1024); i++) {
		z = peer_deflate(&p, block, 1024 * 1024, Z_NO_FLUSH, &zlen);
		mem_give(&m, z, zlen);
		free(z);
	}
	z = peer_deflate(&p, "", 0, Z_SYNC_FLUSH, &zlen);
	mem_give(&m, z, zlen);
	free(z);
	free(block);
	ck_assert_msg(m.in_len < 256 * 1024, "bomb is %zu bytes", m.in_len);

	before = mallinfo2();
	while ((n = stream_read(s, buf, sizeof(buf), 0)) > 0) {
		ck_assert((size_t)n <= sizeof(buf));
		got += (size_t)n;
	}
	after = mallinfo2();
	EXPECT_INT(n, STREAM_TIMEOUT);
	EXPECT_INT(got, plain);
	ck_assert_msg(after.uordblks < before.uordblks + 64 * 1024,
		      "heap grew from %zu to %zu", before.uordblks,
		      after.uordblks);
	stream_free(&s);
	peer_end(&p);
	mem_clear(&m);
}
END_TEST

START_TEST(in_corrupt)
{
	struct mem m;
	struct stream *s = mem_compressed(&m);
	char buf[64];

	/* BTYPE 11 is reserved: invalid from the first byte. */
	mem_give(&m, "\xff\xff\xff\xff", 4);
	EXPECT_INT(stream_read(s, buf, sizeof(buf), 0), STREAM_ERROR);
	ck_assert_msg(strstr(s->error, "DEFLATE") != NULL, "error '%s'",
		      s->error);
	EXPECT_INT(stream_read(s, buf, sizeof(buf), 0), STREAM_ERROR);
	EXPECT_INT(stream_wait(s, -1, 0), STREAM_WAIT_INPUT);
	stream_free(&s);
	mem_clear(&m);
}
END_TEST

/* The peer ends its deflate stream (Z_FINISH): all of its data, then
 * the end, even though the connection stays open and more bytes come
 * (there is no way back to uncompressed in RFC 4978). */
START_TEST(in_end)
{
	struct mem m;
	struct stream *s = mem_compressed(&m);
	struct peer p;
	unsigned char *z;
	size_t zlen;
	char buf[256];

	peer_init(&p);
	z = peer_deflate(&p, "a LOGOUT\r\n", 10, Z_FINISH, &zlen);
	mem_give(&m, z, zlen);
	mem_give(&m, "b NOOP\r\n", 8);
	EXPECT_INT(read_all(s, buf, 10, sizeof(buf)), 10);
	ck_assert(memcmp(buf, "a LOGOUT\r\n", 10) == 0);
	EXPECT_INT(stream_read(s, buf, sizeof(buf), 0), STREAM_EOF);
	EXPECT_INT(stream_wait(s, -1, 0), STREAM_WAIT_INPUT);
	EXPECT_INT(stream_read(s, buf, sizeof(buf), 0), STREAM_EOF);
	free(z);
	stream_free(&s);
	peer_end(&p);
	mem_clear(&m);
}
END_TEST

/* --- waiting -------------------------------------------------------------- */

/* Input zlib still holds, with nothing left below, is ready. */
START_TEST(wait_zlib_pending)
{
	struct mem m;
	struct stream *s = mem_compressed(&m);
	struct peer p;
	unsigned char *z;
	size_t zlen;
	char buf[256];

	peer_init(&p);
	z = peer_deflate(&p, cmds, strlen(cmds), Z_SYNC_FLUSH, &zlen);
	mem_give(&m, z, zlen);
	EXPECT_INT(stream_read(s, buf, 4, 0), 4);
	EXPECT_INT(m.in_pos, m.in_len);         /* all read from below */
	EXPECT_INT(stream_wait(s, -1, 0), STREAM_WAIT_INPUT);
	/* And what wait inflated comes next, in order. */
	EXPECT_INT(read_all(s, buf + 4, strlen(cmds) - 4, 3),
		   strlen(cmds) - 4);
	ck_assert(memcmp(buf, cmds, strlen(cmds)) == 0);
	EXPECT_INT(stream_wait(s, -1, 0), STREAM_TIMEOUT);
	free(z);
	stream_free(&s);
	peer_end(&p);
	mem_clear(&m);
}
END_TEST

/* Bytes below that inflate to nothing (an empty sync flush, as a client
 * may send) are not input: wait goes on to its timeout. */
START_TEST(wait_marker_only)
{
	struct mem m;
	struct stream *s = mem_compressed(&m);
	char buf[16];

	mem_give(&m, "\x00\x00\x00\xff\xff", 5);
	EXPECT_INT(stream_wait(s, -1, 0), STREAM_TIMEOUT);
	EXPECT_INT(m.in_pos, m.in_len);
	EXPECT_INT(stream_read(s, buf, sizeof(buf), 0), STREAM_TIMEOUT);
	stream_free(&s);
	mem_clear(&m);
}
END_TEST

START_TEST(wait_extra_and_eof)
{
	struct mem m;
	struct stream *s = mem_compressed(&m);
	int fds[2];
	char buf[16];

	ck_assert(pipe(fds) == 0);
	EXPECT_INT(stream_wait(s, fds[0], 0), STREAM_TIMEOUT);
	ck_assert(write(fds[1], "x", 1) == 1);
	EXPECT_INT(stream_wait(s, fds[0], 0), STREAM_WAIT_EXTRA);
	m.eof = 1;
	EXPECT_INT(stream_wait(s, fds[0], 0),
		   STREAM_WAIT_INPUT | STREAM_WAIT_EXTRA);
	EXPECT_INT(stream_read(s, buf, sizeof(buf), 0), STREAM_EOF);
	close(fds[0]);
	close(fds[1]);
	stream_free(&s);
	mem_clear(&m);
}
END_TEST

/* --- the stream around it ------------------------------------------------ */

START_TEST(layer_properties)
{
	struct mem m;
	struct stream *s;

	memset(&m, 0, sizeof(m));
	s = stream_new(&mem_ops, &m);
	ck_assert(stream_can_deflate(s));
	ck_assert(stream_compression(s) == NULL);
	/* Output written before the switch goes out in the clear. */
	ck_assert(stream_puts(s, "c OK DEFLATE active\r\n") == 0);
	ck_assert(stream_start_deflate(s, NULL, 0) == 0);
	EXPECT_INT(m.out_len, strlen("c OK DEFLATE active\r\n"));
	ck_assert(memcmp(m.out, "c OK DEFLATE active\r\n", m.out_len) == 0);
	ck_assert_str_eq(stream_compression(s), "DEFLATE");
	ck_assert_str_eq(stream_security(s), "TEST-TLS");
	ck_assert(!stream_can_deflate(s));
	ck_assert(!stream_can_tls(s));
	EXPECT_INT(stream_start_deflate(s, NULL, 0), -1);
	ck_assert_str_eq(stream_compression(s), "DEFLATE");
	stream_free(&s);
	ck_assert(m.destroyed);
	mem_clear(&m);
}
END_TEST

/* --- over a socket ------------------------------------------------------- */

static size_t
sock_read_some(int fd, unsigned char *buf, size_t cap)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	ck_assert_msg(poll(&pfd, 1, 5000) == 1, "nothing from the server");
	n = read(fd, buf, cap);
	ck_assert_msg(n > 0, "read: %zd", n);
	return (size_t)n;
}

START_TEST(socketpair_session)
{
	int sv[2];
	struct stream *s;
	struct peer p;
	unsigned char wire[65536], *z;
	size_t n, zlen, got;
	char buf[256], *plain;
	int pfd[2];

	ck_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ck_assert(pipe(pfd) == 0);
	s = fdstream_new(sv[0], sv[0], NULL);
	peer_init(&p);
	ck_assert(stream_can_deflate(s));
	ck_assert(stream_puts(s, "c OK DEFLATE active\r\n") == 0);
	/* The client pipelined a command behind COMPRESS; half of it had
	 * been read with the COMPRESS line. */
	z = peer_deflate(&p, "d NOOP\r\n", 8, Z_SYNC_FLUSH, &zlen);
	ck_assert(stream_start_deflate(s, z, zlen / 2) == 0);
	n = sock_read_some(sv[1], wire, sizeof(wire));
	EXPECT_INT(n, strlen("c OK DEFLATE active\r\n"));
	ck_assert(write(sv[1], z + zlen / 2, zlen - zlen / 2) ==
		  (ssize_t)(zlen - zlen / 2));
	free(z);
	EXPECT_INT(stream_wait(s, pfd[0], 2000), STREAM_WAIT_INPUT);
	got = read_all(s, buf, 8, sizeof(buf));
	EXPECT_INT(got, 8);
	ck_assert(memcmp(buf, "d NOOP\r\n", 8) == 0);

	/* The answer arrives whole at the flush. */
	ck_assert(stream_puts(s, "d OK NOOP completed.\r\n") == 0);
	ck_assert(stream_flush(s) == 0);
	n = sock_read_some(sv[1], wire, sizeof(wire));
	plain = peer_inflate(&p, wire, n, &got);
	ck_assert_str_eq(plain, "d OK NOOP completed.\r\n");
	free(plain);

	/* IDLE: the change notification wakes the wait, then the client's
	 * DONE does. */
	EXPECT_INT(stream_wait(s, pfd[0], 50), STREAM_TIMEOUT);
	ck_assert(write(pfd[1], "x", 1) == 1);
	EXPECT_INT(stream_wait(s, pfd[0], 2000), STREAM_WAIT_EXTRA);
	ck_assert(read(pfd[0], buf, 1) == 1);
	z = peer_deflate(&p, "DONE\r\n", 6, Z_SYNC_FLUSH, &zlen);
	ck_assert(write(sv[1], z, zlen) == (ssize_t)zlen);
	free(z);
	EXPECT_INT(stream_wait(s, pfd[0], 2000), STREAM_WAIT_INPUT);
	EXPECT_INT(read_all(s, buf, 6, sizeof(buf)), 6);
	ck_assert(memcmp(buf, "DONE\r\n", 6) == 0);

	/* The client hangs up. */
	close(sv[1]);
	EXPECT_INT(stream_wait(s, -1, 2000), STREAM_WAIT_INPUT);
	EXPECT_INT(stream_read(s, buf, sizeof(buf), 1000), STREAM_EOF);
	stream_free(&s);
	close(pfd[0]);
	close(pfd[1]);
	peer_end(&p);
}
END_TEST

static Suite *
deflate_suite(void)
{
	Suite *s = suite_create("deflate");
	TCase *tc = tcase_create("output");

	tcase_add_test(tc, out_round_trip);
	tcase_add_test(tc, out_big_one_sync_flush);
	suite_add_tcase(s, tc);

	tc = tcase_create("input");
	tcase_add_loop_test(tc, in_round_trip, 0, 4);
	tcase_add_test(tc, in_pending_handed_over);
	tcase_add_test(tc, in_bomb_bounded);
	tcase_add_test(tc, in_corrupt);
	tcase_add_test(tc, in_end);
	suite_add_tcase(s, tc);

	tc = tcase_create("wait");
	tcase_add_test(tc, wait_zlib_pending);
	tcase_add_test(tc, wait_marker_only);
	tcase_add_test(tc, wait_extra_and_eof);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_add_test(tc, layer_properties);
	tcase_add_test(tc, socketpair_session);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(deflate_suite());
	int failed;

	/* The layer logs its byte counts (debug) when a stream is freed. */
	if (freopen("/dev/null", "w", stderr) == NULL)
		return EXIT_FAILURE;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
