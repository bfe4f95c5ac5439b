/* src/net/fdstream.c — stream over file descriptors, in the clear or TLS.
 *
 * Non-blocking descriptors and poll() with deadlines everywhere: a read
 * waits at most what the session allows, a write or a handshake at most
 * the stream's I/O timeout (write_timeout). With TLS, OpenSSL may need to
 * write while we read and the other way round (SSL_ERROR_WANT_*), so each
 * wait polls for what OpenSSL asked for, not for what the caller is
 * doing. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/deflate.h"
#include "net/fdstream.h"
#include "net/tls.h"
#include "util/clock.h"
#include "util/log.h"

struct fdstream {
	int in_fd;
	int out_fd;
	SSL_CTX *tls_ctx;       /* offered for STARTTLS, or NULL */
	SSL *ssl;               /* once TLS runs */
	int io_timeout_ms;      /* a write's or a handshake's deadline */
	int write_failed;       /* the output is broken for good */
	char security[128];
};

/* Waits until fd is ready for events or the deadline (-1: none) passes.
 * Returns 1 ready, 0 timeout, -1 error. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int timeout, n;

	for (;;) {
		timeout = -1;
		if (deadline >= 0) {
			long long left = deadline - clock_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		n = poll(&pfd, 1, timeout);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static long long
deadline_after(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : clock_ms() + timeout_ms;
}

static void
ssl_fail(struct stream *s, const char *what)
{
	unsigned long e = ERR_get_error();
	char reason[160] = "connection closed";

	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	else if (errno != 0)
		snprintf(reason, sizeof(reason), "%s", strerror(errno));
	ERR_clear_error();
	stream_set_error(s, "%s: %s", what, reason);
}

/* Handles an SSL_ERROR_WANT_* by waiting. Returns 1 to retry, 0 on
 * timeout, -1 on a real error or end of stream. */
static int
ssl_wait(struct fdstream *f, int ret, long long deadline)
{
	switch (SSL_get_error(f->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(f->in_fd, POLLIN, deadline);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(f->out_fd, POLLOUT, deadline);
	default:
		return -1;
	}
}

static ssize_t
fd_read(struct stream *s, void *buf, size_t len, int timeout_ms)
{
	struct fdstream *f = s->ctx;
	long long deadline = deadline_after(timeout_ms);
	ssize_t n;
	int w;

	for (;;) {
		if (f->ssl != NULL) {
			int r = SSL_read(f->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
			if (r > 0)
				return r;
			if (SSL_get_error(f->ssl, r) == SSL_ERROR_ZERO_RETURN)
				return STREAM_EOF;
			errno = 0;
			w = ssl_wait(f, r, deadline);
			if (w < 0) {
				if (ERR_peek_error() == 0 && errno == 0)
					return STREAM_EOF;
				ssl_fail(s, "TLS read");
				return STREAM_ERROR;
			}
		} else {
			n = read(f->in_fd, buf, len);
			if (n >= 0)
				return n;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				stream_set_error(s, "read: %s", strerror(errno));
				return STREAM_ERROR;
			}
			w = wait_fd(f->in_fd, POLLIN, deadline);
		}
		if (w == 0)
			return STREAM_TIMEOUT;
		if (w < 0) {
			stream_set_error(s, "poll: %s", strerror(errno));
			return STREAM_ERROR;
		}
	}
}

static int
fd_write(struct stream *s, const void *data, size_t len)
{
	struct fdstream *f = s->ctx;
	const unsigned char *p = data;
	long long deadline = deadline_after(f->io_timeout_ms);
	ssize_t n;
	int w;

	/* After a failed write the peer has lost bytes of a response:
	 * nothing after them can make sense to it, and each further write
	 * must not wait out the timeout again (a 50 MB FETCH is 800 of
	 * them). s->error still says why. */
	if (f->write_failed)
		return STREAM_ERROR;
	while (len > 0) {
		if (f->ssl != NULL) {
			int r = SSL_write(f->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len);
			if (r > 0) {
				p += r;
				len -= (size_t)r;
				continue;
			}
			w = ssl_wait(f, r, deadline);
		} else {
			n = write(f->out_fd, p, len);
			if (n >= 0) {
				p += n;
				len -= (size_t)n;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				stream_set_error(s, "write: %s", strerror(errno));
				f->write_failed = 1;
				return STREAM_ERROR;
			}
			w = wait_fd(f->out_fd, POLLOUT, deadline);
		}
		if (w <= 0) {
			if (f->ssl != NULL && w < 0)
				ssl_fail(s, "TLS write");
			else
				stream_set_error(s, "write: %s", w == 0 ?
						 "timed out" : strerror(errno));
			f->write_failed = 1;
			return STREAM_ERROR;
		}
	}
	return 0;
}

/* stream_ops.flush: fd_write sends everything it is given, so there is
 * nothing to push; but a flush point is where the caller learns that the
 * output broke earlier, when the write that failed is long gone. */
static int
fd_flush(struct stream *s)
{
	struct fdstream *f = s->ctx;

	return f->write_failed ? STREAM_ERROR : 0;
}

/* stream_ops.wait: one poll on the input and extra_fd. Bytes OpenSSL has
 * already read and decrypted would never wake poll, so they answer at
 * once. POLLHUP and POLLERR count as readable: the read that follows
 * says what happened. */
static int
fd_wait(struct stream *s, int extra_fd, int timeout_ms)
{
	struct fdstream *f = s->ctx;
	struct pollfd pfd[2] = {
		{ .fd = f->in_fd, .events = POLLIN },
		{ .fd = extra_fd, .events = POLLIN },
	};
	int n, r = 0;

	if (f->ssl != NULL && SSL_pending(f->ssl) > 0)
		return STREAM_WAIT_INPUT;
	do
		n = poll(pfd, extra_fd >= 0 ? 2 : 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		stream_set_error(s, "poll: %s", strerror(errno));
		return STREAM_ERROR;
	}
	if (n == 0)
		return STREAM_TIMEOUT;
	if (pfd[0].revents != 0)
		r |= STREAM_WAIT_INPUT;
	if (extra_fd >= 0 && pfd[1].revents != 0)
		r |= STREAM_WAIT_EXTRA;
	return r;
}

static int
fd_start_tls(struct stream *s)
{
	struct fdstream *f = s->ctx;
	long long deadline = deadline_after(f->io_timeout_ms);
	int r, w;

	if (f->tls_ctx == NULL || f->ssl != NULL) {
		stream_set_error(s, "TLS not available");
		return -1;
	}
	f->ssl = SSL_new(f->tls_ctx);
	if (f->ssl == NULL || SSL_set_rfd(f->ssl, f->in_fd) != 1 ||
	    SSL_set_wfd(f->ssl, f->out_fd) != 1) {
		ssl_fail(s, "TLS setup");
		return -1;
	}
	while ((r = SSL_accept(f->ssl)) != 1) {
		errno = 0;
		w = ssl_wait(f, r, deadline);
		if (w <= 0) {
			if (w == 0)
				stream_set_error(s, "TLS handshake timed out");
			else
				ssl_fail(s, "TLS handshake failed");
			return -1;
		}
	}
	snprintf(f->security, sizeof(f->security), "%s %s",
		 SSL_get_version(f->ssl), SSL_get_cipher_name(f->ssl));
	/* The key's work is done: out of this process's memory with it. */
	if (tls_forget_key(f->tls_ctx, f->ssl) < 0)
		log_warn("TLS: cannot drop the private key after the "
			 "handshake; it stays in the session's memory");
	return 0;
}

static const struct stream_ops fd_ops_plain;

/* stream_ops.end_tls_offer: no handshake will come (the session logged
 * in); the key goes, and STARTTLS with it. */
static void
fd_end_tls_offer(struct stream *s)
{
	struct fdstream *f = s->ctx;

	/* With TLS running, the handshake has dropped the key already. */
	if (f->tls_ctx == NULL || f->ssl != NULL)
		return;
	if (tls_forget_key(f->tls_ctx, NULL) < 0)
		log_warn("TLS: cannot drop the private key at login; it "
			 "stays in the session's memory");
	SSL_CTX_free(f->tls_ctx);
	f->tls_ctx = NULL;
	s->ops = &fd_ops_plain;
}

static const char *
fd_security(struct stream *s)
{
	struct fdstream *f = s->ctx;

	return f->ssl != NULL && f->security[0] ? f->security : NULL;
}

/* Lingering close: a client whose last commands we never read would get
 * a TCP reset when we close, and the reset may throw away the BYE it has
 * not read yet. So say we are done writing, and read and drop what is
 * still coming for a moment (at most 64 KiB, a quarter of a second). */
static void
linger(int in_fd, int out_fd)
{
	char junk[4096];
	size_t total = 0;
	struct pollfd p = { .fd = in_fd, .events = POLLIN };
	ssize_t n;

	if (shutdown(out_fd, SHUT_WR) < 0)
		return;         /* not a socket: nothing to linger for */
	while (total < 65536 && poll(&p, 1, 250) > 0) {
		n = read(in_fd, junk, sizeof(junk));
		if (n <= 0)
			break;
		total += (size_t)n;
	}
}

static void
fd_destroy(struct stream *s)
{
	struct fdstream *f = s->ctx;

	if (f->ssl != NULL) {
		/* A polite close_notify, but never wait for the answer. */
		SSL_set_quiet_shutdown(f->ssl, 0);
		SSL_shutdown(f->ssl);
		SSL_free(f->ssl);
	}
	linger(f->in_fd, f->out_fd);
	if (f->tls_ctx != NULL)
		SSL_CTX_free(f->tls_ctx);
	close(f->in_fd);
	if (f->out_fd != f->in_fd)
		close(f->out_fd);
	free(f);
}

static const struct stream_ops fd_ops = {
	.read = fd_read,
	.write = fd_write,
	.start_tls = fd_start_tls,
	.security = fd_security,
	.destroy = fd_destroy,
	.wait = fd_wait,
	.flush = fd_flush,
	.start_deflate = deflate_stream_start,
	.end_tls_offer = fd_end_tls_offer,
};

static const struct stream_ops fd_ops_plain = {
	.read = fd_read,
	.write = fd_write,
	.start_tls = NULL,
	.security = fd_security,
	.destroy = fd_destroy,
	.wait = fd_wait,
	.flush = fd_flush,
	.start_deflate = deflate_stream_start,
};

static void
set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

struct stream *
fdstream_new(int in_fd, int out_fd, SSL_CTX *tls)
{
	struct fdstream *f = calloc(1, sizeof(*f));

	if (f == NULL)
		fatal("out of memory");
	f->in_fd = in_fd;
	f->out_fd = out_fd;
	f->io_timeout_ms = FDSTREAM_IO_TIMEOUT * 1000;
	if (tls != NULL && SSL_CTX_up_ref(tls) == 1)
		f->tls_ctx = tls;
	set_nonblock(in_fd);
	set_nonblock(out_fd);
	return stream_new(f->tls_ctx ? &fd_ops : &fd_ops_plain, f);
}

void
fdstream_set_io_timeout(struct stream *s, long seconds)
{
	struct fdstream *f = s->ctx;

	if (s->ops != &fd_ops && s->ops != &fd_ops_plain)
		return;         /* not ours (any more): nothing to set */
	if (seconds < 1)
		seconds = 1;
	if (seconds > INT32_MAX / 1000)
		seconds = INT32_MAX / 1000;
	f->io_timeout_ms = (int)seconds * 1000;
}
