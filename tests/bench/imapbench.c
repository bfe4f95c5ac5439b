/* tests/bench/imapbench.c — the benchmark client of tests/bench/run.py
 * (issue 8): runs one workload against an IMAP server at host:port and
 * prints machine-readable results, one "step" line per timed step.
 *
 *   imapbench [-t] [-u user] [-w password] [-m mailbox] HOST PORT WORKLOAD ...
 *
 *   login N            N x (connect, [TLS,] LOGIN, SELECT, LOGOUT)
 *   session CMD ...    LOGIN; SELECT timed; each CMD timed; LOGOUT
 *   append DIR N BOX   CREATE BOX; N pipelined APPENDs (LITERAL+) of the
 *                      files in DIR, timed; STATUS BOX; DELETE BOX
 *   mix C OPS SEED     C concurrent clients (user name: -u is a printf
 *                      format taking the client's number 1..C), each
 *                      LOGIN, SELECT, OPS random FETCH/STORE/SEARCH, LOGOUT
 *   idle N             N sessions LOGIN and SELECT, then "ready" is printed
 *                      and they stay idle until stdin closes
 *
 * The client must never be what is measured, so it is one process with
 * nonblocking sockets and large buffers; responses are parsed as a stream
 * (literals are skipped, never held), and only what the checks need is
 * kept: per response its first bytes, a running FNV-1a hash of FETCH
 * responses (so that two servers' answers can be compared), the number of
 * FETCH responses, EXISTS, and the count and sum of SEARCH hits. Every
 * tagged answer must be OK; anything else is an "error" line and exit 1,
 * so a fast wrong answer never counts as a result. The counts themselves
 * are compared by run.py, between the servers and with the corpus.
 *
 * Each step line carries the wall time of the step and the client's own CPU
 * time for it (getrusage), so run.py can show that the client is not the
 * bottleneck; the server's CPU time is measured by run.py from /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 256
#define TIMEOUT_MS 300000

static const char *host, *port;
static const char *user = "bench", *password = "bench", *mailbox = "INBOX";
static int use_tls;
static SSL_CTX *ssl_ctx;

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	printf("error ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* --- one connection ------------------------------------------------------ */

struct conn;
typedef void tagged_fn(struct conn *c, unsigned tag, int ok, double ms);

struct conn {
	int fd;
	SSL *ssl;
	int id;
	int closed;
	/* output */
	char *out;
	size_t outlen, outoff, outcap;
	/* parser */
	int in_lit;             /* bytes of literal left */
	unsigned char head[HEAD_MAX];
	size_t headlen;
	char tail[32];          /* last bytes of the physical line */
	size_t taillen;
	int is_search, in_num;
	uint64_t num;
	uint64_t resp_hash;
	int greeted;
	/* what the current command collected */
	unsigned long fetches, exists, hits, bytes;
	uint64_t hitsum, digest;
	/* commands */
	unsigned next_tag, done_tag;
	double sent_at[1024];   /* by tag % 1024 */
	int failed_ok;          /* a tagged NO/BAD is allowed (cleanup) */
	tagged_fn *on_tagged;
	/* mix workload state */
	int phase, ops_left;
	uint64_t rng;
};

static void
out_add(struct conn *c, const char *data, size_t len)
{
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen + len > c->outcap) {
		if (c->outoff > 0) {
			memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
			c->outlen -= c->outoff;
			c->outoff = 0;
		}
		while (c->outlen + len > c->outcap)
			c->outcap = c->outcap ? c->outcap * 2 : 65536;
		c->out = realloc(c->out, c->outcap);
		if (!c->out)
			fail("out of memory");
	}
	memcpy(c->out + c->outlen, data, len);
	c->outlen += len;
}

/* Queues a command; returns its tag number. */
static unsigned __attribute__((format(printf, 2, 3)))
send_cmd(struct conn *c, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n;
	unsigned tag = ++c->next_tag;

	n = snprintf(buf, sizeof(buf), "t%u ", tag);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n + 2 >= (int)sizeof(buf))
		fail("command too long");
	memcpy(buf + n, "\r\n", 2);
	out_add(c, buf, n + 2);
	c->sent_at[tag % 1024] = now_ms();
	return tag;
}

static void
reset_counts(struct conn *c)
{
	c->fetches = c->exists = c->hits = c->bytes = 0;
	c->hitsum = 0;
	c->digest = 1469598103934665603ULL;
}

#define FNV(h, b) (((h) ^ (unsigned char)(b)) * 1099511628211ULL)

static void
end_response(struct conn *c)
{
	const char *h = (const char *)c->head;
	size_t n = c->headlen;
	unsigned long v;
	char *end;

	if (c->in_num) {
		c->hits++;
		c->hitsum += c->num;
		c->in_num = 0;
	}
	if (n >= 2 && h[0] == '*' && h[1] == ' ') {
		if (!c->greeted) {
			c->greeted = 1;
			if (c->on_tagged)
				c->on_tagged(c, 0, n >= 4 && !memcmp(h, "* OK", 4),
				    0);
		} else if (n > 2 && h[2] >= '0' && h[2] <= '9') {
			v = strtoul(h + 2, &end, 10);
			if ((size_t)(end - h) + 6 <= n &&
			    !memcmp(end, " FETCH", 6)) {
				c->fetches++;
				c->digest = (c->digest ^ c->resp_hash) *
				    1099511628211ULL;
			} else if ((size_t)(end - h) + 7 <= n &&
			    !memcmp(end, " EXISTS", 7))
				c->exists = v;
		} else if (n >= 5 && !memcmp(h, "* BYE", 5)) {
			/* the server's goodbye; LOGOUT's tagged OK follows */
		}
	} else if (n > 1 && h[0] == 't') {
		unsigned tag = strtoul(h + 1, &end, 10);
		int ok = end[0] == ' ' && !strncmp(end + 1, "OK", 2);
		double ms = now_ms() - c->sent_at[tag % 1024];

		if (tag != c->done_tag + 1)
			fail("conn %d: tag t%u answered out of order", c->id,
			    tag);
		c->done_tag = tag;
		if (!ok && !c->failed_ok) {
			int len = n > 200 ? 200 : (int)n;
			fail("conn %d: %.*s", c->id, len, h);
		}
		if (c->on_tagged)
			c->on_tagged(c, tag, ok, ms);
	} else if (n >= 1 && h[0] == '+') {
		/* continuation: not expected with LITERAL+ */
	} else {
		fail("conn %d: unexpected response %.*s", c->id,
		    (int)(n > 100 ? 100 : n), h);
	}
	c->headlen = 0;
	c->taillen = 0;
	c->is_search = 0;
	c->resp_hash = 1469598103934665603ULL;
}

/* Feeds bytes from the server to the response parser. */
static void
feed(struct conn *c, const unsigned char *p, size_t len)
{
	c->bytes += len;
	while (len > 0) {
		if (c->in_lit > 0) {
			size_t k = (size_t)c->in_lit < len ? (size_t)c->in_lit
			    : len;
			uint64_t h = c->resp_hash;

			for (size_t i = 0; i < k; i++)
				h = FNV(h, p[i]);
			c->resp_hash = h;
			c->in_lit -= k;
			p += k;
			len -= k;
			continue;
		}
		unsigned char b = *p++;

		len--;
		c->resp_hash = FNV(c->resp_hash, b);
		if (c->headlen < HEAD_MAX) {
			c->head[c->headlen++] = b;
			if (c->headlen == 9 && !memcmp(c->head, "* SEARCH ", 9))
				c->is_search = 1;
		}
		if (c->is_search && c->headlen > 9) {
			if (b >= '0' && b <= '9') {
				c->num = (c->in_num ? c->num * 10 : 0) + (b - '0');
				c->in_num = 1;
			} else if (c->in_num) {
				c->hits++;
				c->hitsum += c->num;
				c->in_num = 0;
			}
		}
		if (c->taillen == sizeof(c->tail)) {
			memmove(c->tail, c->tail + 16, 16);
			c->taillen = 16;
		}
		c->tail[c->taillen++] = b;
		if (b != '\n')
			continue;
		/* end of a physical line: a literal follows, or the response
		 * ends */
		if (c->taillen >= 4 && c->tail[c->taillen - 2] == '\r' &&
		    c->tail[c->taillen - 3] == '}') {
			size_t i = c->taillen - 4;
			unsigned long v = 0, mul = 1;

			if (c->tail[i] == '+')
				i--;
			while (i > 0 && c->tail[i] >= '0' && c->tail[i] <= '9') {
				v += (c->tail[i] - '0') * mul;
				mul *= 10;
				i--;
			}
			if (c->tail[i] == '{' && mul > 1) {
				c->in_lit = v;
				c->taillen = 0;
				continue;
			}
		}
		if (c->headlen >= 2)
			c->headlen -= 2;        /* without CRLF */
		end_response(c);
	}
}

static int
conn_open(struct conn *c, int id)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM }, *ai;
	int one = 1, bufsz = 1 << 20;

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->resp_hash = 1469598103934665603ULL;
	reset_counts(c);
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		fail("cannot resolve %s:%s", host, port);
	c->fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (c->fd < 0)
		fail("socket: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) < 0)
		fail("connect %s:%s: %s", host, port, strerror(errno));
	freeaddrinfo(ai);
	if (use_tls) {
		c->ssl = SSL_new(ssl_ctx);
		SSL_set_fd(c->ssl, c->fd);
		if (SSL_connect(c->ssl) != 1)
			fail("TLS handshake failed");
	}
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

static void
conn_close(struct conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	close(c->fd);
	free(c->out);
	c->out = NULL;
	c->closed = 1;
}

static unsigned char rbuf[1 << 18];

/* Writes what it can and reads what is there. */
static void
conn_io(struct conn *c, short revents)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		size_t want = c->outlen - c->outoff;

		if (c->ssl) {
			int r = SSL_write(c->ssl, c->out + c->outoff,
			    want > (1 << 20) ? (1 << 20) : (int)want);
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ ||
				    e == SSL_ERROR_WANT_WRITE)
					break;
				fail("conn %d: TLS write failed", c->id);
			}
			n = r;
		} else {
			n = write(c->fd, c->out + c->outoff, want);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				fail("conn %d: write: %s", c->id,
				    strerror(errno));
			}
		}
		c->outoff += n;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)) &&
	    !(c->ssl && SSL_pending(c->ssl)))
		return;
	for (;;) {
		if (c->ssl) {
			int r = SSL_read(c->ssl, rbuf, sizeof(rbuf));
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ ||
				    e == SSL_ERROR_WANT_WRITE)
					return;
				if (e == SSL_ERROR_ZERO_RETURN ||
				    e == SSL_ERROR_SYSCALL) {
					c->closed = 1;
					return;
				}
				fail("conn %d: TLS read failed", c->id);
			}
			n = r;
		} else {
			n = read(c->fd, rbuf, sizeof(rbuf));
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					return;
				if (errno == ECONNRESET) {
					c->closed = 1;
					return;
				}
				fail("conn %d: read: %s", c->id, strerror(errno));
			}
			if (n == 0) {
				c->closed = 1;
				return;
			}
		}
		feed(c, rbuf, n);
		if ((size_t)n < sizeof(rbuf) && !(c->ssl && SSL_pending(c->ssl)))
			return;
	}
}

/* Runs the connections until done(arg) is true. */
static void
run_until(struct conn **cs, int n, int (*done)(void *), void *arg)
{
	struct pollfd pfd[n];
	int map[n];

	while (!done(arg)) {
		int k = 0;

		for (int i = 0; i < n; i++) {
			if (cs[i]->closed)
				continue;
			pfd[k].fd = cs[i]->fd;
			pfd[k].events = POLLIN;
			if (cs[i]->outoff < cs[i]->outlen)
				pfd[k].events |= POLLOUT;
			pfd[k].revents = 0;
			map[k++] = i;
		}
		if (k == 0)
			fail("all connections closed");
		int r = poll(pfd, k, TIMEOUT_MS);
		if (r < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		if (r == 0)
			fail("no answer in %d s", TIMEOUT_MS / 1000);
		for (int j = 0; j < k; j++)
			if (pfd[j].revents)
				conn_io(cs[map[j]], pfd[j].revents);
	}
}

struct wait_tag {
	struct conn *c;
	unsigned tag;
};

static int
tag_done(void *arg)
{
	struct wait_tag *w = arg;

	if (w->c->closed && w->c->done_tag < w->tag)
		fail("conn %d: closed before answering t%u", w->c->id, w->tag);
	return w->c->done_tag >= w->tag;
}

static int
greeted(void *arg)
{
	struct conn *c = arg;

	if (c->closed)
		fail("conn %d: closed before the greeting", c->id);
	return c->greeted;
}

/* Sends one command and waits for its tagged OK. */
static void __attribute__((format(printf, 2, 3)))
cmd(struct conn *c, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	struct wait_tag w = { c, 0 };

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	w.tag = send_cmd(c, "%s", buf);
	run_until(&c, 1, tag_done, &w);
}

static void
login(struct conn *c, int id, const char *name)
{
	conn_open(c, id);
	run_until(&c, 1, greeted, c);
	cmd(c, "LOGIN \"%s\" \"%s\"", name, password);
}

static void
logout(struct conn *c)
{
	cmd(c, "LOGOUT");
	conn_close(c);
}

/* --- workloads ----------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	size_t i = (size_t)(p * (n - 1) + 0.5);
	return v[i];
}

static void
print_step(const char *name, double ms, double cpu, struct conn *c)
{
	printf("step name=%s ms=%.3f cpu_ms=%.3f", name, ms, cpu);
	if (c)
		printf(" exists=%lu fetch=%lu hits=%lu hitsum=%llu "
		    "digest=%016llx bytes=%lu", c->exists, c->fetches, c->hits,
		    (unsigned long long)c->hitsum,
		    (unsigned long long)c->digest, c->bytes);
	printf("\n");
	fflush(stdout);
}

static int
w_login(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 100;
	double *t = calloc(n, sizeof(double));
	unsigned long emin = ~0UL, emax = 0;
	double t0 = now_ms(), c0 = cpu_ms();

	for (int i = 0; i < n; i++) {
		struct conn c;
		double s = now_ms();

		login(&c, i, user);
		reset_counts(&c);
		cmd(&c, "SELECT \"%s\"", mailbox);
		if (c.exists < emin)
			emin = c.exists;
		if (c.exists > emax)
			emax = c.exists;
		logout(&c);
		t[i] = now_ms() - s;
	}
	double ms = now_ms() - t0, cpu = cpu_ms() - c0;
	printf("step name=login n=%d ms=%.3f cpu_ms=%.3f per_ms=%.3f "
	    "p50=%.3f p95=%.3f exists=%lu exists_max=%lu\n", n, ms, cpu,
	    ms / n, pct(t, n, 0.5), pct(t, n, 0.95), emin, emax);
	return 0;
}

static int
w_session(int argc, char **argv)
{
	struct conn c;
	double t0, c0;

	login(&c, 0, user);
	reset_counts(&c);
	t0 = now_ms();
	c0 = cpu_ms();
	cmd(&c, "SELECT \"%s\"", mailbox);
	print_step("select", now_ms() - t0, cpu_ms() - c0, &c);
	for (int i = 0; i < argc; i++) {
		char name[16];

		reset_counts(&c);
		t0 = now_ms();
		c0 = cpu_ms();
		cmd(&c, "%s", argv[i]);
		snprintf(name, sizeof(name), "cmd%d", i + 1);
		print_step(name, now_ms() - t0, cpu_ms() - c0, &c);
	}
	logout(&c);
	return 0;
}

struct msg {
	char *data;
	size_t len;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the files of dir in name order, LF made CRLF. */
static struct msg *
load_messages(const char *dir, size_t *n_r)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		fail("%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			names = realloc(names, cap * sizeof(*names));
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	struct msg *m = calloc(n, sizeof(*m));
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		FILE *f;
		int ch, prev = 0;
		size_t cap2 = 4096;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "rb");
		if (!f)
			fail("%s: %s", path, strerror(errno));
		m[i].data = malloc(cap2);
		while ((ch = getc(f)) != EOF) {
			if (m[i].len + 2 > cap2) {
				cap2 *= 2;
				m[i].data = realloc(m[i].data, cap2);
			}
			if (ch == '\n' && prev != '\r')
				m[i].data[m[i].len++] = '\r';
			m[i].data[m[i].len++] = ch;
			prev = ch;
		}
		fclose(f);
		free(names[i]);
	}
	free(names);
	*n_r = n;
	return m;
}

struct append_state {
	struct conn *c;
	unsigned last;
	unsigned long oks;
};

static void
append_tagged(struct conn *c, unsigned tag, int ok, double ms)
{
	(void)c;
	(void)tag;
	(void)ms;
}

static int
w_append(int argc, char **argv)
{
	struct conn c, *cp = &c;
	size_t nfiles, count;
	struct msg *m;
	char lit[64];

	if (argc < 3)
		fail("usage: append DIR N BOX");
	m = load_messages(argv[0], &nfiles);
	count = strtoul(argv[1], NULL, 10);
	if (nfiles == 0)
		fail("%s: no messages", argv[0]);
	login(&c, 0, user);
	cmd(&c, "CREATE \"%s\"", argv[2]);
	c.on_tagged = append_tagged;
	unsigned first = c.next_tag + 1;
	double t0 = now_ms(), c0 = cpu_ms();
	size_t sent = 0, bytes = 0;
	/* Pipelined with LITERAL+, at most 256 answers outstanding. */
	while (sent < count || c.done_tag < first + count - 1) {
		while (sent < count && c.next_tag - c.done_tag < 256) {
			struct msg *x = &m[sent % nfiles];
			char buf[256];

			snprintf(lit, sizeof(lit), "{%zu+}\r\n", x->len);
			snprintf(buf, sizeof(buf), "t%u APPEND \"%s\" (\\Seen) %s",
			    ++c.next_tag, argv[2], lit);
			c.sent_at[c.next_tag % 1024] = now_ms();
			out_add(&c, buf, strlen(buf));
			out_add(&c, x->data, x->len);
			out_add(&c, "\r\n", 2);
			bytes += x->len;
			sent++;
		}
		struct wait_tag w = { &c, c.done_tag + 1 };
		run_until(&cp, 1, tag_done, &w);
	}
	double ms = now_ms() - t0, cpu = cpu_ms() - c0;
	c.on_tagged = NULL;
	reset_counts(&c);
	cmd(&c, "STATUS \"%s\" (MESSAGES)", argv[2]);
	/* "* STATUS box (MESSAGES n)" is not a counted response: ask by
	 * SELECT, whose EXISTS is */
	cmd(&c, "SELECT \"%s\"", argv[2]);
	printf("step name=append n=%zu ms=%.3f cpu_ms=%.3f msg_bytes=%zu "
	    "exists=%lu\n", count, ms, cpu, bytes, c.exists);
	cmd(&c, "CLOSE");
	cmd(&c, "DELETE \"%s\"", argv[2]);
	logout(&c);
	return 0;
}

/* --- mix: concurrent clients --------------------------------------------- */

struct mix {
	struct conn *cs;
	int nc, ops, finished;
	double *lat;
	size_t nlat;
	char userfmt[256];
};

static struct mix mx;

static uint64_t
rnd(struct conn *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static void
mix_next_op(struct conn *c)
{
	unsigned long n = c->exists ? c->exists : 1;
	unsigned long r = rnd(c) % n + 1;
	int k = rnd(c) % 10;
	static const char *const searches[] = {
		"SEARCH FROM \"alice\"", "SEARCH UNSEEN",
		"SEARCH SUBJECT \"meeting\"", "SEARCH SINCE 1-Jan-2021 FLAGGED",
		"UID SEARCH TO \"bob\"",
	};

	switch (k) {
	case 0: case 1: case 2:
		send_cmd(c, "FETCH %lu (FLAGS INTERNALDATE RFC822.SIZE "
		    "BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE)])", r);
		break;
	case 3: case 4:
		send_cmd(c, "FETCH %lu BODY.PEEK[]", r);
		break;
	case 5:
		send_cmd(c, "FETCH %lu:%lu (UID FLAGS ENVELOPE)", r,
		    r + 49 > n ? n : r + 49);
		break;
	case 6: case 7:
		send_cmd(c, "STORE %lu %cFLAGS (\\Flagged)", r,
		    rnd(c) % 2 ? '+' : '-');
		break;
	default:
		send_cmd(c, "%s", searches[rnd(c) % 5]);
		break;
	}
}

/* The user of client i: -u with "%d" replaced by i. */
static void
user_name(char *buf, size_t size, int i)
{
	const char *p = strstr(mx.userfmt, "%d");

	if (!p)
		snprintf(buf, size, "%s", mx.userfmt);
	else
		snprintf(buf, size, "%.*s%d%s", (int)(p - mx.userfmt),
		    mx.userfmt, i, p + 2);
}

static void
mix_tagged(struct conn *c, unsigned tag, int ok, double ms)
{
	char name[256];

	switch (c->phase) {
	case 0:         /* greeting */
		if (!ok)
			fail("conn %d: bad greeting", c->id);
		user_name(name, sizeof(name), c->id + 1);
		send_cmd(c, "LOGIN \"%s\" \"%s\"", name, password);
		c->phase = 1;
		break;
	case 1:
		reset_counts(c);
		send_cmd(c, "SELECT \"%s\"", mailbox);
		c->phase = 2;
		break;
	case 2:
		if (c->exists == 0)
			fail("conn %d: empty mailbox", c->id);
		c->phase = 3;
		c->ops_left = mx.ops;
		mix_next_op(c);
		break;
	case 3:
		mx.lat[mx.nlat++] = ms;
		if (--c->ops_left > 0) {
			mix_next_op(c);
		} else {
			send_cmd(c, "LOGOUT");
			c->phase = 4;
		}
		break;
	case 4:
		c->phase = 5;
		mx.finished++;
		break;
	}
}

static int
mix_done(void *arg)
{
	(void)arg;
	return mx.finished == mx.nc;
}

static int
w_mix(int argc, char **argv)
{
	if (argc < 3)
		fail("usage: mix CLIENTS OPS SEED");
	mx.nc = atoi(argv[0]);
	mx.ops = atoi(argv[1]);
	unsigned long seed = strtoul(argv[2], NULL, 10);
	snprintf(mx.userfmt, sizeof(mx.userfmt), "%s", user);
	mx.cs = calloc(mx.nc, sizeof(*mx.cs));
	mx.lat = calloc((size_t)mx.nc * mx.ops, sizeof(double));
	struct conn **ptrs = calloc(mx.nc, sizeof(*ptrs));

	double t0 = now_ms(), c0 = cpu_ms();
	for (int i = 0; i < mx.nc; i++) {
		conn_open(&mx.cs[i], i);
		mx.cs[i].on_tagged = mix_tagged;
		mx.cs[i].rng = seed * 2654435761UL + i * 40503UL + 1;
		ptrs[i] = &mx.cs[i];
	}
	run_until(ptrs, mx.nc, mix_done, NULL);
	double ms = now_ms() - t0, cpu = cpu_ms() - c0;
	size_t nops = mx.nlat;
	printf("step name=mix clients=%d ops=%zu ms=%.3f cpu_ms=%.3f "
	    "ops_s=%.1f p50=%.3f p95=%.3f\n", mx.nc, nops, ms, cpu,
	    nops / (ms / 1e3), pct(mx.lat, nops, 0.5),
	    pct(mx.lat, nops, 0.95));
	for (int i = 0; i < mx.nc; i++)
		conn_close(&mx.cs[i]);
	return 0;
}

static int
w_idle(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 1;
	struct conn *cs = calloc(n, sizeof(*cs));
	char b[64];
	unsigned long emin = ~0UL;

	for (int i = 0; i < n; i++) {
		login(&cs[i], i, user);
		reset_counts(&cs[i]);
		cmd(&cs[i], "SELECT \"%s\"", mailbox);
		if (cs[i].exists < emin)
			emin = cs[i].exists;
	}
	printf("ready n=%d exists=%lu\n", n, emin);
	fflush(stdout);
	while (read(0, b, sizeof(b)) > 0)
		;
	for (int i = 0; i < n; i++)
		logout(&cs[i]);
	printf("step name=idle n=%d ms=0 cpu_ms=0\n", n);
	return 0;
}

int
main(int argc, char **argv)
{
	int opt, r;

	while ((opt = getopt(argc, argv, "tu:w:m:")) != -1) {
		switch (opt) {
		case 't': use_tls = 1; break;
		case 'u': user = optarg; break;
		case 'w': password = optarg; break;
		case 'm': mailbox = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind < 3) {
		fprintf(stderr, "usage: imapbench [-t] [-u user] [-w password] "
		    "[-m mailbox] HOST PORT WORKLOAD [ARGS]\n");
		return 2;
	}
	host = argv[optind];
	port = argv[optind + 1];
	const char *w = argv[optind + 2];
	argc -= optind + 3;
	argv += optind + 3;
	if (use_tls) {
		ssl_ctx = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_mode(ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
		    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	}
	if (!strcmp(w, "login"))
		r = w_login(argc, argv);
	else if (!strcmp(w, "session"))
		r = w_session(argc, argv);
	else if (!strcmp(w, "append"))
		r = w_append(argc, argv);
	else if (!strcmp(w, "mix"))
		r = w_mix(argc, argv);
	else if (!strcmp(w, "idle"))
		r = w_idle(argc, argv);
	else
		fail("unknown workload %s", w);
	printf("done ok=1\n");
	return r;
}
