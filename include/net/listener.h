/* include/net/listener.h — the daemon's listening sockets and its accept
 * loop.
 *
 * The listener never parses IMAP. It accepts, applies the connection
 * limits (total, and per client address), forks one process per
 * connection and reaps the children. Signals are turned into return
 * values of listener_run, so that main() decides what a SIGHUP or a
 * SIGTERM means. */
#ifndef SKUA_NET_LISTENER_H
#define SKUA_NET_LISTENER_H

#include <stddef.h>
#include <sys/socket.h>

#define LISTENER_MAX 32

struct listen_socket {
	int fd;
	int tls;                        /* implicit TLS (993) */
	char name[64];                  /* "0.0.0.0:993", for the log */
};

struct connection {
	int fd;
	int tls;
	struct sockaddr_storage peer;
	struct sockaddr_storage local;
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
/* The bound sockets, e.g. to learn the port the kernel chose for :0. */
const struct listen_socket *listener_sockets(const struct listener *l,
					     size_t *count_r);
void listener_set_limits(struct listener *l, long max_total, long max_per_ip);
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
