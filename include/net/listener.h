/* include/net/listener.h — the daemon's listening sockets and its accept
 * loop.
 *
 * The listener never parses IMAP. It accepts, reads the PROXY protocol
 * header on the listeners that expect one (from trusted proxies only),
 * applies the connection limits (total, and per client address), forks
 * one process per connection and reaps the children. Through a link to
 * each child it counts failed logins per address and sessions per user
 * (listener_set_login_limits). Signals are turned
 * into return values of listener_run, so that main() decides what a
 * SIGHUP or a SIGTERM means. */
#ifndef SKUA_NET_LISTENER_H
#define SKUA_NET_LISTENER_H

#include <stddef.h>
#include <sys/socket.h>

#define LISTENER_MAX 32

struct listen_socket {
	int fd;
	int tls;                        /* implicit TLS (993) */
	int proxy;                      /* a PROXY header comes first */
	char name[64];                  /* "0.0.0.0:993", for the log */
};

struct connection {
	int fd;
	int tls;
	/* The client: as the PROXY header reports it on a proxy listener,
	 * else (and for LOCAL or UNKNOWN headers) the socket's peer. */
	struct sockaddr_storage peer;
	struct sockaddr_storage local;
	int proxied;                    /* peer came from a PROXY header */
	struct sockaddr_storage proxy;  /* with proxied: the proxy's address */
};

/* Runs in the child for one connection; its return is the exit status. */
typedef int connection_fn(const struct connection *conn, void *arg);

enum listener_event { LISTENER_STOP, LISTENER_RELOAD, LISTENER_FAILED };

struct listener;

struct listener *listener_new(void);
/* Binds every address of the space-separated lists (plain, then implicit
 * TLS). Returns 0, or -1 with err (256 bytes) naming the address. An
 * IPv6 wildcard binds v6-only, so that "0.0.0.0:143 [::]:143" works. */
int  listener_bind(struct listener *l, const char *plain, const char *tls,
		   char *err, size_t err_size);
/* Binds the lists as listeners that expect a PROXY protocol header (v1
 * or v2, net/proxy.h) at the start of every connection: plain (STARTTLS
 * offered), then implicit TLS, where the header comes before the TLS
 * handshake. Call it before listener_bind, which fails when no socket at
 * all is bound. Returns 0, or -1 with err set as listener_bind does. */
int  listener_bind_proxy(struct listener *l, const char *plain,
			 const char *tls, char *err, size_t err_size);
/* The networks (blank-separated, as local_networks) whose connections to
 * a proxy listener are believed; any other peer there is refused before
 * a byte is read. The list is copied; an empty one refuses everyone, and
 * says so in the log when there are proxy listeners. */
void listener_set_proxy_trusted(struct listener *l, const char *networks);
/* Adds a socket that is already bound and listening, such as one systemd
 * passed (net/sdlisten.h); plain or implicit TLS, never PROXY. The
 * listener owns it from then on. Returns 0, or -1 with err set. */
int  listener_adopt(struct listener *l, int fd, int tls, char *err,
		    size_t err_size);
/* The bound sockets, e.g. to learn the port the kernel chose for :0. */
const struct listen_socket *listener_sockets(const struct listener *l,
					     size_t *count_r);
void listener_set_limits(struct listener *l, long max_total, long max_per_ip);

/* The limits that depend on what happens inside a connection, which each
 * child reports over its link (util/childlink.h). */
struct listener_login_limits {
	long failures_per_ip;   /* failed logins, then refused; 0: never */
	long failure_window;    /* seconds they count for */
	long block_time;        /* seconds an address is then refused */
	const char *block_exempt;       /* networks never counted (copied) */
	long max_unauth_per_ip; /* connections not logged in, per address */
	long max_per_user;      /* sessions per user; 0: any number */
};
void listener_set_login_limits(struct listener *l,
			       const struct listener_login_limits *limits);
/* Accepts and forks until SIGTERM/SIGINT (LISTENER_STOP) or SIGHUP
 * (LISTENER_RELOAD). Children keep running across a reload; call again to
 * go on. In the child, the listening sockets are closed, signals are back
 * to their defaults, and fn runs. */
enum listener_event listener_run(struct listener *l, connection_fn *fn,
				 void *arg);
/* Number of connection processes alive. */
size_t listener_children(const struct listener *l);
/* Sends SIGTERM to every connection process (at shutdown). */
void listener_stop_children(struct listener *l);
void listener_free(struct listener **l);

#endif
