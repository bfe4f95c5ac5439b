/* src/net/listener.c — bind, accept, limit, fork, reap.
 *
 * Signals: SIGCHLD, SIGHUP, SIGTERM and SIGINT are blocked except inside
 * ppoll(), where their handlers only set flags. So a signal can never
 * interrupt the bookkeeping of the child table, and it never gets lost
 * between a check of the flags and the wait (the classic race that
 * pselect/ppoll exist to close).
 *
 * PROXY protocol listeners. A load balancer in front of skua connects
 * from its own address and says who the client is in a header at the
 * start of the connection (net/proxy.h). Where that header is read
 * decides how the per-address limit can work, because the limit is only
 * meaningful for the client's address: counted at the proxy's address,
 * max_connections_per_ip would lock every client out as soon as the
 * proxy holds 50 connections, and leaving proxied connections out of the
 * count would let one client take every slot.
 *
 * So the listener itself reads the header, before it forks, and then
 * applies exactly the limits a direct connection gets, to the reported
 * address, with the same table of children. It reads without ever
 * blocking the accept loop: a connection from a trusted proxy waits in a
 * table of pending connections, polled together with the listening
 * sockets, until its header is complete (then it is admitted or refused
 * like any other), bad (closed, with one log line), or late (closed
 * after PROXY_HEADER_TIMEOUT_MS). Pending connections count towards
 * max_connections, so they cannot pile up unbounded, and only peers in
 * proxy_trusted ever get that far; anyone else is refused at accept,
 * before a byte is read. The alternatives were worse: a blocking read in
 * the listener lets one stalled proxy stop all accepts; reading in the
 * child and reporting the address back needs a channel per child and
 * makes the parent wait for its children; a count shared through memory
 * with the children is a second source of truth next to the child table.
 * The price is that the root listener parses the header, which is why
 * net/proxy.c bounds every length and takes no byte beyond the header,
 * and is tested at every truncation. A LOCAL header (a health check)
 * keeps the proxy's address and counts there.
 *
 * Failed logins and users. The limits that need to know what happened
 * inside a connection (failed logins per address, connections not yet
 * logged in per address, sessions per user) are counted here too, from
 * what each child says over its own link (util/childlink.h): a
 * SOCK_SEQPACKET socketpair made before the fork, whose far end the child
 * closes before it drops to the user. The link is the child's, so a
 * message can only ever speak for that child and the address the
 * listener already recorded for it; the listener reads its end without
 * blocking and answers the one login question with one byte, which an
 * empty socket buffer always takes. A failure counts towards its address
 * for auth_failure_window seconds; at auth_failures_per_ip the address is
 * refused at accept for auth_block_time. The table of addresses is
 * bounded (FAIL_TABLE_MAX): when it is full, the entry that changed
 * longest ago gives way, so an attacker with many addresses can only make
 * the listener forget, never grow. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/listener.h"
#include "net/proxy.h"
#include "util/addr.h"
#include "util/childlink.h"
#include "util/clock.h"
#include "util/log.h"

#define FAIL_TABLE_MAX 4096

struct child {
	pid_t pid;
	struct sockaddr_storage peer;
	int link;                       /* our end of its link, or -1 */
	int logged_in;                  /* the listener allowed its login */
	char user[CHILDLINK_MSG_MAX];   /* with logged_in */
};

/* Failed logins from one address. */
struct failures {
	struct sockaddr_storage addr;
	long long first;                /* clock_ms() of the window's start */
	long long last;                 /* of the last change */
	long long blocked_until;        /* 0: not blocked */
	long count;                     /* within the window */
};

/* A connection on a proxy listener whose header is still on its way. */
struct pending {
	struct connection c;            /* c.peer is the proxy, so far */
	const struct listen_socket *ls;
	long long deadline;             /* clock_ms() */
	unsigned char *buf;             /* PROXY_HEADER_MAX bytes */
	size_t have;
};

struct listener {
	struct listen_socket socks[LISTENER_MAX];
	size_t nsocks;
	struct child *children;
	size_t nchildren;
	size_t cap;
	long max_total;
	long max_per_ip;
	struct pending *pending;
	size_t npending;
	size_t pending_cap;
	struct pollfd *pfd;
	size_t pfd_cap;
	char *proxy_trusted;
	struct listener_login_limits login;
	char *block_exempt;
	struct failures *fails;
	size_t nfails;
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
	l->proxy_trusted = strdup("");
	l->block_exempt = strdup("");
	l->pfd = calloc(LISTENER_MAX, sizeof(*l->pfd));
	l->pfd_cap = LISTENER_MAX;
	if (l->proxy_trusted == NULL || l->block_exempt == NULL ||
	    l->pfd == NULL)
		fatal("out of memory");
	l->login.max_unauth_per_ip = 1000000;
	return l;
}

static int
bind_one(struct listener *l, const char *spec, int tls, int proxy, char *err,
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
	s->proxy = proxy;
	addr_ntop_port((struct sockaddr *)&ss, s->name, sizeof(s->name));
	return 0;
}

static int
bind_list(struct listener *l, const char *list, int tls, int proxy, char *err,
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
		if (bind_one(l, spec, tls, proxy, err, err_size) < 0)
			return -1;
		p = end;
	}
	return 0;
}

int
listener_bind(struct listener *l, const char *plain, const char *tls,
	      char *err, size_t err_size)
{
	if (bind_list(l, plain, 0, 0, err, err_size) < 0 ||
	    bind_list(l, tls, 1, 0, err, err_size) < 0)
		return -1;
	if (l->nsocks == 0) {
		snprintf(err, err_size, "no listen or listen_tls address");
		return -1;
	}
	return 0;
}

int
listener_bind_proxy(struct listener *l, const char *plain, const char *tls,
		    char *err, size_t err_size)
{
	if (bind_list(l, plain, 0, 1, err, err_size) < 0 ||
	    bind_list(l, tls, 1, 1, err, err_size) < 0)
		return -1;
	return 0;
}

void
listener_set_proxy_trusted(struct listener *l, const char *networks)
{
	char *copy = strdup(networks != NULL ? networks : "");

	if (copy == NULL)
		fatal("out of memory");
	free(l->proxy_trusted);
	l->proxy_trusted = copy;
	if (copy[0] != '\0')
		return;
	for (size_t i = 0; i < l->nsocks; i++)
		if (l->socks[i].proxy) {
			log_warn("proxy_trusted is empty: every connection "
				 "to a proxy listener is refused");
			break;
		}
}

int
listener_adopt(struct listener *l, int fd, int tls, char *err,
	       size_t err_size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int flags = fcntl(fd, F_GETFL);

	if (l->nsocks == LISTENER_MAX) {
		snprintf(err, err_size, "socket %d: more than %d listeners", fd,
			 LISTENER_MAX);
		return -1;
	}
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		snprintf(err, err_size, "socket %d: %s", fd, strerror(errno));
		return -1;
	}
	struct listen_socket *s = &l->socks[l->nsocks++];
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->tls = tls;
	addr_ntop_port((struct sockaddr *)&ss, s->name, sizeof(s->name));
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

void
listener_set_login_limits(struct listener *l,
			  const struct listener_login_limits *limits)
{
	char *copy = strdup(limits->block_exempt != NULL ?
			    limits->block_exempt : "");

	if (copy == NULL)
		fatal("out of memory");
	free(l->block_exempt);
	l->block_exempt = copy;
	l->login = *limits;
	l->login.block_exempt = l->block_exempt;
}

size_t
listener_children(const struct listener *l)
{
	return l->nchildren;
}

static void link_step(struct listener *l, size_t i);

static void
reap(struct listener *l)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < l->nchildren; i++) {
			if (l->children[i].pid != pid)
				continue;
			/* What it said before it died still counts. */
			if (l->children[i].link >= 0)
				link_step(l, i);
			if (l->children[i].link >= 0)
				close(l->children[i].link);
			l->children[i] = l->children[--l->nchildren];
			break;
		}
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM)
			log_error("connection process %ld killed by signal %d",
				  (long)pid, WTERMSIG(status));
	}
}

/* The failure record of addr, or NULL. */
static struct failures *
failures_of(const struct listener *l, const struct sockaddr *addr)
{
	for (size_t i = 0; i < l->nfails; i++)
		if (addr_same_host((struct sockaddr *)&l->fails[i].addr, addr))
			return &l->fails[i];
	return NULL;
}

/* 1 when addr is refused for its failed logins. Forgets what expired. */
static int
blocked(struct listener *l, const struct sockaddr *addr)
{
	struct failures *f = failures_of(l, addr);
	long long now = clock_ms();

	if (f == NULL)
		return 0;
	if (f->blocked_until > now)
		return 1;
	if (f->blocked_until != 0 ||
	    now - f->first >= l->login.failure_window * 1000LL)
		*f = l->fails[--l->nfails];
	return 0;
}

/* Counts a failed login of a child from addr. */
static void
count_failure(struct listener *l, const struct sockaddr *addr)
{
	struct failures *f;
	long long now = clock_ms();
	char where[ADDR_STR_MAX];

	if (l->login.failures_per_ip <= 0 ||
	    addr_in_ranges(addr, l->block_exempt))
		return;
	f = failures_of(l, addr);
	if (f != NULL && f->blocked_until == 0 &&
	    now - f->first >= l->login.failure_window * 1000LL)
		f->count = 0, f->first = now;
	if (f == NULL) {
		if (l->fails == NULL) {
			l->fails = calloc(FAIL_TABLE_MAX, sizeof(*l->fails));
			if (l->fails == NULL)
				fatal("out of memory");
		}
		if (l->nfails == FAIL_TABLE_MAX) {
			size_t oldest = 0;

			for (size_t i = 1; i < l->nfails; i++)
				if (l->fails[i].last < l->fails[oldest].last)
					oldest = i;
			l->fails[oldest] = l->fails[--l->nfails];
		}
		f = &l->fails[l->nfails++];
		memset(f, 0, sizeof(*f));
		memcpy(&f->addr, addr, addr->sa_family == AF_INET6 ?
		       sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
		f->first = now;
	}
	f->last = now;
	f->count++;
	if (f->blocked_until == 0 && f->count >= l->login.failures_per_ip) {
		f->blocked_until = now + l->login.block_time * 1000LL;
		addr_ntop(addr, where, sizeof(where));
		log_warn("blocking %s for %ld seconds: %ld failed logins "
			 "within %ld seconds", where, l->login.block_time,
			 f->count, l->login.failure_window);
	}
}

/* Says why a new connection from peer must be turned away, or NULL. */
static const char *
over_limit(struct listener *l, const struct sockaddr *peer)
{
	long same = 0, unauth = 0;

	if ((long)(l->nchildren + l->npending) >= l->max_total)
		return "Too many connections, try again later";
	if (blocked(l, peer))
		return "Too many failed logins from your address, "
		       "try again later";
	for (size_t i = 0; i < l->nchildren; i++) {
		if (!addr_same_host((struct sockaddr *)&l->children[i].peer,
				    peer))
			continue;
		same++;
		unauth += !l->children[i].logged_in;
	}
	if (same >= l->max_per_ip)
		return "Too many connections from your address";
	if (unauth >= l->login.max_unauth_per_ip)
		return "Too many connections from your address that have "
		       "not logged in";
	return NULL;
}

static void
remember(struct listener *l, pid_t pid, const struct sockaddr_storage *peer,
	 int link)
{
	if (l->nchildren == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct child *c = realloc(l->children, cap * sizeof(*c));
		if (c == NULL)
			fatal("out of memory");
		l->children = c;
		l->cap = cap;
	}
	memset(&l->children[l->nchildren], 0, sizeof(l->children[0]));
	l->children[l->nchildren].pid = pid;
	l->children[l->nchildren].peer = *peer;
	l->children[l->nchildren].link = link;
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
	for (size_t i = 0; i < l->npending; i++)
		close(l->pending[i].c.fd);
	for (size_t i = 0; i < l->nchildren; i++)
		if (l->children[i].link >= 0)
			close(l->children[i].link);
}

/* Turns a connection away: a BYE where the client can read it (not
 * before a TLS handshake), one log line, close. */
static void
refuse(const struct connection *c, const struct listen_socket *ls,
       const char *why, int say_bye)
{
	char where[ADDR_STR_MAX], via[ADDR_STR_MAX + 8] = "";

	addr_ntop((const struct sockaddr *)&c->peer, where, sizeof(where));
	if (c->proxied) {
		memcpy(via, " via ", 6);
		addr_ntop((const struct sockaddr *)&c->proxy, via + 5,
			  sizeof(via) - 5);
	}
	log_warn("refused connection from %s%s on %s: %s", where, via,
		 ls->name, why);
	if (say_bye && !ls->tls) {
		char line[128];
		int n = snprintf(line, sizeof(line), "* BYE %s\r\n", why);
		if (send(c->fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			(void)0;   /* the client is gone; so be it */
	}
	close(c->fd);
}

/* Applies the limits to c (its peer being the client) and forks. */
static void
admit(struct listener *l, struct connection *c,
      const struct listen_socket *ls, connection_fn *fn, void *arg)
{
	const char *why;
	pid_t pid;
	int link[2];

	if ((why = over_limit(l, (struct sockaddr *)&c->peer)) != NULL) {
		refuse(c, ls, why, 1);
		return;
	}
	/* Without a link the child still serves; only its failures and
	 * its user go uncounted. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, link) < 0) {
		log_error("socketpair: %s", strerror(errno));
		link[0] = link[1] = -1;
	}
	pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		if (link[0] >= 0)
			close(link[0]), close(link[1]);
		/* The client hears why rather than a bare close. */
		refuse(c, ls, "Server busy, try again later", 1);
		return;
	}
	if (pid == 0) {
		child_setup(l);
		if (link[0] >= 0)
			close(link[0]);
		childlink_set(link[1]);
		fcntl(c->fd, F_SETFD, 0);
		_exit(fn(c, arg));
	}
	if (link[0] >= 0) {
		close(link[1]);
		fcntl(link[0], F_SETFL, fcntl(link[0], F_GETFL) | O_NONBLOCK);
	}
	remember(l, pid, &c->peer, link[0]);
	close(c->fd);
}

static void
pending_drop(struct listener *l, size_t i)
{
	free(l->pending[i].buf);
	l->pending[i] = l->pending[--l->npending];
}

/* Reads what has come of pending connection i's header; admits it once
 * the header is whole, closes it when the header is bad. */
static void
pending_step(struct listener *l, size_t i, connection_fn *fn, void *arg)
{
	struct pending *p = &l->pending[i];
	struct connection c;
	const struct listen_socket *ls = p->ls;
	struct proxy_info info;
	const char *err = NULL;
	char why[160];

	switch (proxy_read(p->c.fd, p->buf, &p->have, &info, &err)) {
	case PROXY_NEED_MORE:
		return;
	case PROXY_BAD:
		snprintf(why, sizeof(why), "bad PROXY header: %s", err);
		refuse(&p->c, ls, why, 0);
		pending_drop(l, i);
		return;
	case PROXY_OK:
		break;
	}
	c = p->c;
	pending_drop(l, i);
	if (info.proxied) {
		char client[ADDR_STR_MAX], proxy[ADDR_STR_MAX];

		c.proxy = c.peer;
		c.peer = info.src;
		c.local = info.dst;
		c.proxied = 1;
		addr_ntop_port((struct sockaddr *)&c.peer, client,
			       sizeof(client));
		addr_ntop((struct sockaddr *)&c.proxy, proxy, sizeof(proxy));
		log_debug("proxy %s on %s: client %s (v%d)", proxy, ls->name,
			  client, info.version);
	}
	admit(l, &c, ls, fn, arg);
}

/* Expires the pending connections whose header is late. */
static void
pending_expire(struct listener *l)
{
	long long now = clock_ms();

	for (size_t i = l->npending; i-- > 0;) {
		if (l->pending[i].deadline > now)
			continue;
		refuse(&l->pending[i].c, l->pending[i].ls,
		       "no complete PROXY header in time", 0);
		pending_drop(l, i);
	}
}

/* Queues a connection from a trusted proxy until its header is read. */
static void
pending_add(struct listener *l, const struct connection *c,
	    const struct listen_socket *ls, connection_fn *fn, void *arg)
{
	struct pending *p;

	if (l->npending == l->pending_cap) {
		size_t cap = l->pending_cap ? l->pending_cap * 2 : 16;
		struct pending *np = realloc(l->pending, cap * sizeof(*np));

		if (np == NULL)
			fatal("out of memory");
		l->pending = np;
		l->pending_cap = cap;
	}
	p = &l->pending[l->npending];
	memset(p, 0, sizeof(*p));
	p->c = *c;
	p->ls = ls;
	p->deadline = clock_ms() + PROXY_HEADER_TIMEOUT_MS;
	p->buf = malloc(PROXY_HEADER_MAX);
	if (p->buf == NULL)
		fatal("out of memory");
	l->npending++;
	/* The header usually came with the connection: try at once. */
	pending_step(l, l->npending - 1, fn, arg);
}

static void
accept_one(struct listener *l, const struct listen_socket *ls,
	   connection_fn *fn, void *arg)
{
	struct connection c = { .tls = ls->tls };
	socklen_t len = sizeof(c.peer);
	const char *why;

	c.fd = accept4(ls->fd, (struct sockaddr *)&c.peer, &len, SOCK_CLOEXEC);
	if (c.fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_error("accept on %s: %s", ls->name, strerror(errno));
		return;
	}
	len = sizeof(c.local);
	getsockname(c.fd, (struct sockaddr *)&c.local, &len);
	if (!ls->proxy) {
		admit(l, &c, ls, fn, arg);
		return;
	}
	/* Spec section 5: the header is believed from known sources only.
	 * Nothing is sent: the peer is no proxy of ours. */
	if (!addr_in_ranges((struct sockaddr *)&c.peer, l->proxy_trusted)) {
		refuse(&c, ls, "not in proxy_trusted", 0);
		return;
	}
	if ((long)(l->nchildren + l->npending) >= l->max_total) {
		why = "Too many connections, try again later";
		refuse(&c, ls, why, 1);
		return;
	}
	pending_add(l, &c, ls, fn, arg);
}

/* Answers child i's login question: may its user have one more session? */
static void
link_login(struct listener *l, struct child *ch, const char *msg, size_t n)
{
	long same = 0;
	char answer = CHILDLINK_ALLOW;

	if (ch->logged_in)
		return;                 /* one question per child */
	memcpy(ch->user, msg + 1, n - 1);
	ch->user[n - 1] = '\0';
	if (l->login.max_per_user > 0) {
		for (size_t i = 0; i < l->nchildren; i++)
			same += l->children[i].logged_in &&
				strcmp(l->children[i].user, ch->user) == 0;
		if (same >= l->login.max_per_user)
			answer = CHILDLINK_REFUSE;
	}
	if (answer == CHILDLINK_ALLOW)
		ch->logged_in = 1;
	else
		log_warn("login refused: user=%s has %ld sessions "
			 "(max_user_connections)", ch->user, same);
	/* Never blocks: the first and only answer on an empty buffer. */
	if (send(ch->link, &answer, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		(void)0;        /* the child is gone, or will give up */
}

/* Reads what child i said; closes our end when the child closed its. */
static void
link_step(struct listener *l, size_t i)
{
	struct child *ch = &l->children[i];
	char msg[CHILDLINK_MSG_MAX];
	ssize_t n;

	/* Bounded: a child cannot keep the listener here forever. */
	for (int round = 0; round < 64; round++) {
		n = recv(ch->link, msg, sizeof(msg) - 1, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(ch->link);
			ch->link = -1;
			return;
		}
		if (msg[0] == CHILDLINK_AUTH_FAILED && !ch->logged_in)
			count_failure(l, (struct sockaddr *)&ch->peer);
		else if (msg[0] == CHILDLINK_LOGIN && n > 1)
			link_login(l, ch, msg, (size_t)n);
	}
}

/* Makes room in l->pfd for n entries. */
static void
pfd_reserve(struct listener *l, size_t n)
{
	struct pollfd *pfd;

	if (n <= l->pfd_cap)
		return;
	pfd = realloc(l->pfd, n * sizeof(*pfd));
	if (pfd == NULL)
		fatal("out of memory");
	l->pfd = pfd;
	l->pfd_cap = n;
}

/* Lets the listener hold a link for each of max_connections children:
 * the soft limit on descriptors goes up to the hard one. */
static void
raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/* The ppoll timeout for the earliest header deadline, or NULL. */
static struct timespec *
pending_timeout(const struct listener *l, struct timespec *ts)
{
	long long first = -1, left;

	for (size_t i = 0; i < l->npending; i++)
		if (first < 0 || l->pending[i].deadline < first)
			first = l->pending[i].deadline;
	if (first < 0)
		return NULL;
	left = first - clock_ms();
	if (left < 0)
		left = 0;
	ts->tv_sec = (time_t)(left / 1000);
	ts->tv_nsec = (long)(left % 1000) * 1000000L;
	return ts;
}

enum listener_event
listener_run(struct listener *l, connection_fn *fn, void *arg)
{
	struct sigaction sa;
	struct timespec ts;
	sigset_t block, empty;
	size_t npend, nkids;

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
	raise_fd_limit();

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
		npend = l->npending;
		nkids = l->nchildren;
		pfd_reserve(l, l->nsocks + npend + nkids);
		struct pollfd *pfd = l->pfd;

		for (size_t i = 0; i < l->nsocks; i++) {
			pfd[i].fd = l->socks[i].fd;
			pfd[i].events = POLLIN;
		}
		for (size_t i = 0; i < npend; i++) {
			pfd[l->nsocks + i].fd = l->pending[i].c.fd;
			pfd[l->nsocks + i].events = POLLIN;
		}
		/* A negative fd is ignored by poll: children without a link. */
		for (size_t i = 0; i < nkids; i++) {
			pfd[l->nsocks + npend + i].fd = l->children[i].link;
			pfd[l->nsocks + npend + i].events = POLLIN;
		}
		int n = ppoll(pfd, l->nsocks + npend + nkids,
			      pending_timeout(l, &ts), &empty);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return LISTENER_FAILED;
		}
		/* First what the children said, so that a failure counts
		 * before the next connection from its address is taken. The
		 * table changes only in reap() and admit(), which appends. */
		for (size_t i = 0; i < nkids; i++)
			if (pfd[l->nsocks + npend + i].revents != 0 &&
			    l->children[i].link >= 0)
				link_step(l, i);
		/* Downwards: dropping entry i moves the last one, already
		 * looked at, into its place. */
		for (size_t i = npend; i-- > 0;)
			if (pfd[l->nsocks + i].revents != 0)
				pending_step(l, i, fn, arg);
		pending_expire(l);
		/* pending_step and accept_one fork and grow the tables;
		 * l->pfd stays as it is until the next round. */
		short ready[LISTENER_MAX];
		for (size_t i = 0; i < l->nsocks; i++)
			ready[i] = pfd[i].revents;
		for (size_t i = 0; i < l->nsocks; i++)
			if (ready[i] & POLLIN)
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
	while (l->npending > 0) {
		close(l->pending[l->npending - 1].c.fd);
		pending_drop(l, l->npending - 1);
	}
	for (size_t i = 0; i < l->nchildren; i++)
		if (l->children[i].link >= 0)
			close(l->children[i].link);
	free(l->pending);
	free(l->pfd);
	free(l->proxy_trusted);
	free(l->block_exempt);
	free(l->fails);
	free(l->children);
	free(l);
	*lp = NULL;
}
