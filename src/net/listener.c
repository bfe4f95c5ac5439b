/* src/net/listener.c — bind, accept, limit, fork, reap.
 *
 * Signals: SIGCHLD, SIGHUP, SIGTERM and SIGINT are blocked except inside
 * ppoll(), where their handlers only set flags. So a signal can never
 * interrupt the bookkeeping of the child table, and it never gets lost
 * between a check of the flags and the wait (the classic race that
 * pselect/ppoll exist to close). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/listener.h"
#include "util/addr.h"
#include "util/log.h"

struct child {
	pid_t pid;
	struct sockaddr_storage peer;
};

struct listener {
	struct listen_socket socks[LISTENER_MAX];
	size_t nsocks;
	struct child *children;
	size_t nchildren;
	size_t cap;
	long max_total;
	long max_per_ip;
};

static volatile sig_atomic_t got_chld, got_hup, got_term;

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

struct listener *
listener_new(void)
{
	struct listener *l = calloc(1, sizeof(*l));

	if (l == NULL)
		fatal("out of memory");
	l->max_total = 1000;
	l->max_per_ip = 50;
	return l;
}

static int
bind_one(struct listener *l, const char *spec, int tls, char *err,
	 size_t err_size)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *why;
	int fd, one = 1;

	if (l->nsocks == LISTENER_MAX) {
		snprintf(err, err_size, "%s: more than %d listeners", spec,
			 LISTENER_MAX);
		return -1;
	}
	if (addr_parse_listen(spec, &ss, &len, &why) < 0) {
		snprintf(err, err_size, "%s: %s", spec, why);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, err_size, "%s: socket: %s", spec, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		snprintf(err, err_size, "%s: cannot listen: %s", spec,
			 strerror(errno));
		close(fd);
		return -1;
	}
	/* Name it by what the kernel bound, so port 0 shows the real port. */
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	struct listen_socket *s = &l->socks[l->nsocks++];
	s->fd = fd;
	s->tls = tls;
	addr_ntop_port((struct sockaddr *)&ss, s->name, sizeof(s->name));
	return 0;
}

static int
bind_list(struct listener *l, const char *list, int tls, char *err,
	  size_t err_size)
{
	char spec[128];
	const char *p = list, *end;
	size_t n;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, " \t");
		n = (size_t)(end - p);
		if (n == 0)
			break;
		if (n >= sizeof(spec)) {
			snprintf(err, err_size, "listen address too long");
			return -1;
		}
		memcpy(spec, p, n);
		spec[n] = '\0';
		if (bind_one(l, spec, tls, err, err_size) < 0)
			return -1;
		p = end;
	}
	return 0;
}

int
listener_bind(struct listener *l, const char *plain, const char *tls,
	      char *err, size_t err_size)
{
	if (bind_list(l, plain, 0, err, err_size) < 0 ||
	    bind_list(l, tls, 1, err, err_size) < 0)
		return -1;
	if (l->nsocks == 0) {
		snprintf(err, err_size, "no listen or listen_tls address");
		return -1;
	}
	return 0;
}

const struct listen_socket *
listener_sockets(const struct listener *l, size_t *count_r)
{
	*count_r = l->nsocks;
	return l->socks;
}

void
listener_set_limits(struct listener *l, long max_total, long max_per_ip)
{
	l->max_total = max_total;
	l->max_per_ip = max_per_ip;
}

size_t
listener_children(const struct listener *l)
{
	return l->nchildren;
}

static void
reap(struct listener *l)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < l->nchildren; i++) {
			if (l->children[i].pid != pid)
				continue;
			l->children[i] = l->children[--l->nchildren];
			break;
		}
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM)
			log_error("connection process %ld killed by signal %d",
				  (long)pid, WTERMSIG(status));
	}
}

/* Says why a new connection from peer must be turned away, or NULL. */
static const char *
over_limit(const struct listener *l, const struct sockaddr *peer)
{
	long same = 0;

	if ((long)l->nchildren >= l->max_total)
		return "Too many connections, try again later";
	for (size_t i = 0; i < l->nchildren; i++)
		if (addr_same_host((struct sockaddr *)&l->children[i].peer, peer))
			same++;
	if (same >= l->max_per_ip)
		return "Too many connections from your address";
	return NULL;
}

static void
remember(struct listener *l, pid_t pid, const struct sockaddr_storage *peer)
{
	if (l->nchildren == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct child *c = realloc(l->children, cap * sizeof(*c));
		if (c == NULL)
			fatal("out of memory");
		l->children = c;
		l->cap = cap;
	}
	l->children[l->nchildren].pid = pid;
	l->children[l->nchildren].peer = *peer;
	l->nchildren++;
}

static void
child_setup(struct listener *l)
{
	sigset_t none;

	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; i < l->nsocks; i++)
		close(l->socks[i].fd);
}

static void
accept_one(struct listener *l, const struct listen_socket *ls,
	   connection_fn *fn, void *arg)
{
	struct connection c = { .tls = ls->tls };
	socklen_t len = sizeof(c.peer);
	char where[ADDR_STR_MAX];
	const char *why;
	pid_t pid;

	c.fd = accept4(ls->fd, (struct sockaddr *)&c.peer, &len, SOCK_CLOEXEC);
	if (c.fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_error("accept on %s: %s", ls->name, strerror(errno));
		return;
	}
	len = sizeof(c.local);
	getsockname(c.fd, (struct sockaddr *)&c.local, &len);
	if ((why = over_limit(l, (struct sockaddr *)&c.peer)) != NULL) {
		addr_ntop((struct sockaddr *)&c.peer, where, sizeof(where));
		log_warn("refused connection from %s: %s", where, why);
		if (!ls->tls) {
			char line[128];
			int n = snprintf(line, sizeof(line), "* BYE %s\r\n", why);
			if (send(c.fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				(void)0;   /* the client is gone; so be it */
		}
		close(c.fd);
		return;
	}
	pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		close(c.fd);
		return;
	}
	if (pid == 0) {
		child_setup(l);
		fcntl(c.fd, F_SETFD, 0);
		_exit(fn(&c, arg));
	}
	remember(l, pid, &c.peer);
	close(c.fd);
}

enum listener_event
listener_run(struct listener *l, connection_fn *fn, void *arg)
{
	struct pollfd pfd[LISTENER_MAX];
	struct sigaction sa;
	sigset_t block, empty;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);

	for (size_t i = 0; i < l->nsocks; i++) {
		pfd[i].fd = l->socks[i].fd;
		pfd[i].events = POLLIN;
	}
	for (;;) {
		if (got_chld) {
			got_chld = 0;
			reap(l);
		}
		if (got_term)
			return LISTENER_STOP;
		if (got_hup) {
			got_hup = 0;
			return LISTENER_RELOAD;
		}
		int n = ppoll(pfd, l->nsocks, NULL, &empty);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return LISTENER_FAILED;
		}
		for (size_t i = 0; i < l->nsocks; i++)
			if (pfd[i].revents & POLLIN)
				accept_one(l, &l->socks[i], fn, arg);
	}
}

void
listener_stop_children(struct listener *l)
{
	for (size_t i = 0; i < l->nchildren; i++)
		kill(l->children[i].pid, SIGTERM);
}

void
listener_free(struct listener **lp)
{
	struct listener *l = *lp;

	if (l == NULL)
		return;
	for (size_t i = 0; i < l->nsocks; i++)
		close(l->socks[i].fd);
	free(l->children);
	free(l);
	*lp = NULL;
}
