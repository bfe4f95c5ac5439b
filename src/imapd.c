/* src/imapd.c — the IMAP daemon: standalone listener, or one session on
 * stdin/stdout under inetd, xinetd or a systemd Accept=yes socket.
 *
 * main() only wires the parts together: configuration, TLS context,
 * listener, session. What each part does is in its own module. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "paths.h"
#include "auth/privdrop.h"
#include "imap/session.h"
#include "net/fdstream.h"
#include "net/listener.h"
#include "net/sdlisten.h"
#include "net/tls.h"
#include "net/tlsmem.h"
#include "util/addr.h"
#include "util/config.h"
#include "util/daemon.h"
#include "util/log.h"
#include "util/proctitle.h"

#define DEFAULT_CONFIG SYSCONFDIR "/skua/imapd.conf"

struct options {
	const char *config_path;
	int config_given;
	int foreground;
	int inetd;
	int inetd_tls;
	int print_changed;
	int test_only;
};

/* What a connection process needs; replaced whole on SIGHUP. */
struct daemon_state {
	struct config config;
	SSL_CTX *tls;
};

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: imapd [-F] [-c FILE] [-o KEY=VALUE]...\n"
		"       imapd -i [--tls] [-c FILE]   one session on stdin/stdout\n"
		"       imapd -n [-c FILE]           print non-default settings\n"
		"       imapd -t [-c FILE]           check configuration and certificate\n"
		"  -F  stay in the foreground and log to stderr\n"
		"  -c  configuration file (default %s)\n", DEFAULT_CONFIG);
}

static void
parse_options(int argc, char **argv, struct options *o, struct config *c)
{
	static const struct option longopts[] = {
		{ "tls", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char err[CONFIG_ERR_MAX];
	int ch;

	o->config_path = DEFAULT_CONFIG;
	/* Overrides are applied after the file, so remember them. */
	static char *overrides[64];
	size_t noverrides = 0;

	while ((ch = getopt_long(argc, argv, "c:Fino:thV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config_path = optarg; o->config_given = 1; break;
		case 'F': o->foreground = 1; break;
		case 'i': o->inetd = 1; break;
		case 'T': o->inetd_tls = 1; break;
		case 'n': o->print_changed = 1; break;
		case 't': o->test_only = 1; break;
		case 'o':
			if (noverrides == sizeof(overrides) / sizeof(overrides[0]))
				fatal("too many -o options");
			overrides[noverrides++] = optarg;
			break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("skua imapd %s\n", PACKAGE_VERSION); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc || (o->inetd_tls && !o->inetd)) {
		usage(stderr);
		exit(2);
	}
	if (access(o->config_path, F_OK) == 0 || o->config_given) {
		if (config_load(c, o->config_path, err) < 0)
			fatal("%s", err);
	}
	for (size_t i = 0; i < noverrides; i++) {
		char *eq = strchr(overrides[i], '=');
		if (eq == NULL)
			fatal("-o %s: expected KEY=VALUE", overrides[i]);
		*eq = '\0';
		if (config_set(c, overrides[i], eq + 1, err) < 0)
			fatal("-o: %s", err);
	}
}

/* Loads the TLS context. With required, a failure is fatal; without, it
 * means STARTTLS is not offered. */
static SSL_CTX *
load_tls(const struct config *c, int required)
{
	char err[256];
	SSL_CTX *ctx = tls_context_new(c->tls_cert, c->tls_key, err,
				       sizeof(err));

	if (ctx == NULL && required)
		fatal("TLS: %s", err);
	if (ctx == NULL)
		log_warn("TLS: %s; STARTTLS will not be offered", err);
	return ctx;
}

static void
announce_user_limit(void)
{
	struct passwd *pw;

	if (geteuid() == 0)
		return;
	pw = getpwuid(getuid());
	log_warn("not running as root: can serve only uid %ld (%s); other "
		 "users are refused at login", (long)getuid(),
		 pw ? pw->pw_name : "no name");
}

/* session_memory_limit: the connection process, root before login and
 * the user after, may hold that much heap and private data
 * (RLIMIT_DATA, which unlike RLIMIT_AS leaves mapped files and shared
 * libraries alone). Soft and hard alike, so that the user cannot raise
 * it after the privilege drop. AddressSanitizer reserves terabytes of
 * shadow memory that would count, so a sanitizer build goes without. */
static void
limit_memory(const struct config *c)
{
#if defined(__SANITIZE_ADDRESS__)
	(void)c;
#else
	struct rlimit r;

	if (c->session_memory_limit <= 0)
		return;
	r.rlim_cur = r.rlim_max = (rlim_t)c->session_memory_limit;
	if (setrlimit(RLIMIT_DATA, &r) < 0)
		log_warn("session_memory_limit: setrlimit: %s",
			 strerror(errno));
#endif
}

static int
run_session(const struct config *c, SSL_CTX *tls, int in_fd, int out_fd,
	    int implicit_tls, const struct sockaddr *peer,
	    const struct sockaddr *local)
{
	struct session_params p = { .config = c, .peer = peer,
				    .local = local };
	char where[ADDR_STR_MAX] = "unknown";

	limit_memory(c);
	p.stream = fdstream_new(in_fd, out_fd, tls);
	fdstream_set_io_timeout(p.stream, c->write_timeout);
	if (peer != NULL && peer->sa_family != AF_UNIX)
		addr_ntop(peer, where, sizeof(where));
	if (implicit_tls)
		proctitle_set("[%s tls handshake]", where);
	if (implicit_tls && stream_start_tls(p.stream) < 0) {
		log_info("disconnect: %s rip=%s", p.stream->error, where);
		stream_free(&p.stream);
		return 0;
	}
	return session_run(&p);
}

static int
serve_connection(const struct connection *conn, void *arg)
{
	struct daemon_state *st = arg;

	return run_session(&st->config, st->tls, conn->fd, conn->fd, conn->tls,
			   (const struct sockaddr *)&conn->peer,
			   (const struct sockaddr *)&conn->local);
}

static int
inetd_main(struct options *o, struct config *c)
{
	struct sockaddr_storage peer, local;
	socklen_t len = sizeof(peer), local_len = sizeof(local);
	SSL_CTX *tls = load_tls(c, o->inetd_tls);
	int have_peer = getpeername(0, (struct sockaddr *)&peer, &len) == 0;
	int have_local = getsockname(0, (struct sockaddr *)&local,
				     &local_len) == 0;
	int ret;

	sdlisten_discard();
	announce_user_limit();
	ret = run_session(c, tls, 0, 1, o->inetd_tls,
			  have_peer ? (struct sockaddr *)&peer : NULL,
			  have_local ? (struct sockaddr *)&local : NULL);
	tls_context_free(&tls);
	return ret;
}

static int
test_config(struct options *o, struct config *c)
{
	SSL_CTX *tls = load_tls(c, 1);

	tls_context_free(&tls);
	printf("%s: configuration OK; certificate %s and key %s match\n",
	       c->path ? c->path : "(defaults)", c->tls_cert, c->tls_key);
	return 0;
}

/* SIGHUP: a new configuration and certificate for new connections. The
 * listening sockets stay as they are. */
static void
reload(struct options *o, struct daemon_state *st)
{
	struct config fresh;
	char err[CONFIG_ERR_MAX];
	SSL_CTX *tls;

	config_init(&fresh);
	if (config_load(&fresh, o->config_path, err) < 0) {
		log_error("reload failed, keeping the old configuration: %s", err);
		config_free(&fresh);
		return;
	}
	tls = load_tls(&fresh, fresh.listen_tls[0] != '\0' ||
		       fresh.proxy_listen_tls[0] != '\0');
	if (strcmp(fresh.listen, st->config.listen) != 0 ||
	    strcmp(fresh.listen_tls, st->config.listen_tls) != 0 ||
	    strcmp(fresh.proxy_listen, st->config.proxy_listen) != 0 ||
	    strcmp(fresh.proxy_listen_tls, st->config.proxy_listen_tls) != 0)
		log_warn("reload: listen addresses change only at restart");
	config_free(&st->config);
	tls_context_free(&st->tls);
	st->config = fresh;
	st->tls = tls;
	proctitle_enable(st->config.proctitle);
	proctitle_set("listening");
	log_info("reloaded %s", o->config_path);
}

/* Socket activation with Accept=no: takes the listening sockets systemd
 * passed, if any, instead of binding listen and listen_tls. Returns how
 * many it took; *tls_r says whether one of them is implicit TLS. */
static size_t
adopt_systemd_sockets(struct listener *l, int *tls_r)
{
	struct sdlisten_socket sd[LISTENER_MAX];
	char err[320];
	int n = sdlisten_take(sd, LISTENER_MAX, err, sizeof(err));

	if (n < 0)
		fatal("%s", err);
	*tls_r = 0;
	for (int i = 0; i < n; i++) {
		if (listener_adopt(l, sd[i].fd, sd[i].tls, err, sizeof(err)) < 0)
			fatal("%s", err);
		*tls_r |= sd[i].tls;
	}
	if (n > 0)
		log_info("using %d socket(s) from systemd; listen and "
			 "listen_tls are ignored", n);
	return (size_t)n;
}

static void
set_login_limits(struct listener *l, const struct config *c)
{
	struct listener_login_limits ll = {
		.failures_per_ip = c->auth_failures_per_ip,
		.failure_window = c->auth_failure_window,
		.block_time = c->auth_block_time,
		.block_exempt = c->auth_block_exempt,
		.max_unauth_per_ip = c->max_unauth_connections_per_ip,
		.max_per_user = c->max_user_connections,
	};

	listener_set_login_limits(l, &ll);
}

static int
daemon_main(struct options *o, struct daemon_state *st)
{
	struct listener *l = listener_new();
	const struct listen_socket *socks;
	sigset_t held;
	char err[256];
	size_t n;
	int need_tls;
	enum listener_event ev;

	/* Hold the signals the listener handles until it waits for them:
	 * a SIGTERM that comes as soon as the pidfile exists must stop the
	 * daemon cleanly, not kill it with its pidfile left behind. */
	sigemptyset(&held);
	sigaddset(&held, SIGTERM);
	sigaddset(&held, SIGINT);
	sigaddset(&held, SIGHUP);
	sigaddset(&held, SIGCHLD);
	sigprocmask(SIG_BLOCK, &held, NULL);
	sdlisten_notify_init();
	n = adopt_systemd_sockets(l, &need_tls);
	if (n == 0)
		need_tls = st->config.listen_tls[0] != '\0';
	need_tls |= st->config.proxy_listen_tls[0] != '\0';
	st->tls = load_tls(&st->config, need_tls);
	/* PROXY protocol listeners are always bound here, also next to
	 * sockets from systemd: those are plain or TLS, never PROXY. */
	if (listener_bind_proxy(l, st->config.proxy_listen,
				st->config.proxy_listen_tls, err,
				sizeof(err)) < 0)
		fatal("%s", err);
	if (n == 0 && listener_bind(l, st->config.listen,
				    st->config.listen_tls, err,
				    sizeof(err)) < 0)
		fatal("%s", err);
	if (!o->foreground) {
		if (daemonize() < 0)
			fatal("cannot daemonize: %s", strerror(errno));
		log_open("imapd", st->config.syslog_facility, 0);
	}
	if (st->config.pidfile[0] != '\0' &&
	    pidfile_write(st->config.pidfile, err, sizeof(err)) < 0)
		fatal("%s", err);
	announce_user_limit();
	if (privdrop_possible())
		privdrop_preload();
	socks = listener_sockets(l, &n);
	for (size_t i = 0; i < n; i++)
		log_info("listening on %s%s", socks[i].name,
			 socks[i].proxy ? (socks[i].tls ? " (tls, proxy)"
						       : " (proxy)")
			 : socks[i].tls ? " (tls)" : "");
	sdlisten_notify("READY=1");
	proctitle_set("listening");

	for (;;) {
		listener_set_limits(l, st->config.max_connections,
				    st->config.max_connections_per_ip);
		listener_set_proxy_trusted(l, st->config.proxy_trusted);
		set_login_limits(l, &st->config);
		ev = listener_run(l, serve_connection, st);
		if (ev != LISTENER_RELOAD)
			break;
		sdlisten_notify("RELOADING=1");
		reload(o, st);
		sdlisten_notify("READY=1");
	}
	sdlisten_notify("STOPPING=1");
	log_info("shutting down; ending %zu connection(s)",
		 listener_children(l));
	listener_stop_children(l);
	listener_free(&l);
	if (st->config.pidfile[0] != '\0')
		pidfile_remove(st->config.pidfile);
	tls_context_free(&st->tls);
	return ev == LISTENER_STOP ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct daemon_state st = { 0 };
	/* Before OpenSSL allocates anything: see net/tlsmem.h. */
	int wiping = tlsmem_wipe_on_free();
	int ret;

	proctitle_init(argc, argv, "imapd");
	log_open("imapd", "mail", 1);
	config_init(&st.config);
	parse_options(argc, argv, &o, &st.config);
	proctitle_enable(st.config.proctitle);
	if (o.print_changed) {
		config_print_changed(&st.config, stdout);
		config_free(&st.config);
		return 0;
	}
	if (o.test_only) {
		ret = test_config(&o, &st.config);
		config_free(&st.config);
		return ret;
	}
	if (log_open("imapd", st.config.syslog_facility,
		     o.foreground) < 0)
		log_warn("unknown syslog_facility %s; using mail",
			 st.config.syslog_facility);
	if (wiping < 0)
		log_warn("TLS: OpenSSL allocated before main(); memory it "
			 "frees is not wiped");
	if (o.inetd)
		ret = inetd_main(&o, &st.config);
	else
		ret = daemon_main(&o, &st);
	config_free(&st.config);
	return ret;
}
