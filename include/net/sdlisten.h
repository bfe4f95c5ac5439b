/* include/net/sdlisten.h — listening sockets handed over by systemd
 * (socket activation with Accept=no) and readiness told to systemd
 * (Type=notify), without libsystemd.
 *
 * The protocol is small and stable (sd_listen_fds(3), sd_notify(3)):
 * LISTEN_PID names the process meant, LISTEN_FDS counts the descriptors
 * that start at 3, LISTEN_FDNAMES gives their FileDescriptorName= names
 * separated by ':'; NOTIFY_SOCKET is the address of a datagram socket to
 * which "READY=1" and the like are sent. Both sets of variables are taken
 * out of the environment as they are read, so that nothing the daemon
 * starts later believes the sockets or the notification are its own. */
#ifndef SKUA_NET_SDLISTEN_H
#define SKUA_NET_SDLISTEN_H

#include <stddef.h>

#define SDLISTEN_FD_START 3
#define SDLISTEN_NAME_MAX 256

struct sdlisten_socket {
	int fd;
	int tls;                        /* implicit TLS (993) */
	char name[SDLISTEN_NAME_MAX];   /* FileDescriptorName=, or "" */
};

/* Takes the listening sockets systemd passed to this process. Each must
 * be a listening stream socket; it is made close-on-exec. Its mode comes
 * from its name: "imaps" is implicit TLS, "imap" plain; any other name
 * (systemd's default is the socket unit's name) means implicit TLS when
 * the socket's port is 993 and plain otherwise. Returns the number of
 * sockets (0 when none were passed to this process), or -1 with err
 * (err_size bytes) saying which descriptor is wrong. Unsets LISTEN_PID,
 * LISTEN_FDS and LISTEN_FDNAMES either way. */
int  sdlisten_take(struct sdlisten_socket *socks, size_t max, char *err,
		   size_t err_size);
/* For a process that serves one connection on stdin/stdout (Accept=yes,
 * inetd): closes the descriptors systemd passed besides, and unsets the
 * variables, so the connection is not held open by a stray copy. */
void sdlisten_discard(void);

/* Reads and unsets NOTIFY_SOCKET, remembering the address. Returns 1 when
 * there is one, 0 when not (sdlisten_notify then does nothing). */
int  sdlisten_notify_init(void);
/* Sends state ("READY=1", "RELOADING=1", "STOPPING=1", newline-separated
 * assignments) to the notify socket. Returns 0, or -1 when there is none
 * or the message could not be sent. */
int  sdlisten_notify(const char *state);

#endif
