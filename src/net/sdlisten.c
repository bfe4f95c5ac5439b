/* src/net/sdlisten.c — systemd's socket passing and readiness protocol,
 * spoken directly (sd_listen_fds(3), sd_notify(3)); no libsystemd.
 *
 * Socket activation with Accept=no: systemd binds the ports, starts the
 * daemon with the listening sockets as descriptors 3, 4, ... and says so
 * in LISTEN_PID (which must be our pid: a child that inherited the
 * environment must not take the sockets for its own), LISTEN_FDS and
 * LISTEN_FDNAMES. systemd does not say which socket is 143 and which 993;
 * the unit names them (FileDescriptorName=imap / imaps), and a socket
 * without one of those names goes by its port. A descriptor that is not a
 * listening stream socket (a unit with Accept=yes that should run
 * imapd -i, or a datagram socket) is refused with a message saying so,
 * rather than failing later in accept().
 *
 * Readiness: NOTIFY_SOCKET is a path, or an abstract name written with a
 * leading '@'. One datagram per state change; a failure to send is not
 * the daemon's problem and is only reported to the caller. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "net/sdlisten.h"

#define SDLISTEN_FDS_MAX 1024   /* more than any unit will pass */

static struct sockaddr_un notify_addr;
static socklen_t notify_len;

static void
unset_listen_env(void)
{
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

/* The number of descriptors passed to this very process, or 0. */
static long
passed_count(void)
{
	const char *pid = getenv("LISTEN_PID");
	const char *fds = getenv("LISTEN_FDS");
	char *end;
	long n;

	if (pid == NULL || fds == NULL)
		return 0;
	errno = 0;
	n = strtol(pid, &end, 10);
	if (errno != 0 || *end != '\0' || end == pid || n != (long)getpid())
		return 0;
	n = strtol(fds, &end, 10);
	if (errno != 0 || *end != '\0' || end == fds || n < 0 ||
	    n > SDLISTEN_FDS_MAX)
		return 0;
	return n;
}

/* Copies the i-th ':'-separated word of names (may be NULL) to out. */
static void
nth_name(const char *names, long i, char *out, size_t size)
{
	const char *p = names, *end;
	size_t len;

	out[0] = '\0';
	for (; p != NULL && i > 0; i--) {
		p = strchr(p, ':');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return;
	end = strchr(p, ':');
	len = end ? (size_t)(end - p) : strlen(p);
	if (len >= size)
		len = size - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

static int
local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

/* Checks that fd is a listening stream socket. Returns 0 or -1 with err. */
static int
check_listening(int fd, const char *name, char *err, size_t err_size)
{
	struct stat st;
	int type = 0, listening = 0;
	socklen_t len = sizeof(type);

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		snprintf(err, err_size, "systemd socket %d (%s) is not a socket",
			 fd, name[0] ? name : "unnamed");
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_STREAM) {
		snprintf(err, err_size, "systemd socket %d (%s) is not a "
			 "stream socket", fd, name[0] ? name : "unnamed");
		return -1;
	}
	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
	    !listening) {
		snprintf(err, err_size, "systemd socket %d (%s) is not "
			 "listening; a unit with Accept=yes must run imapd -i",
			 fd, name[0] ? name : "unnamed");
		return -1;
	}
	return 0;
}

int
sdlisten_take(struct sdlisten_socket *socks, size_t max, char *err,
	      size_t err_size)
{
	const char *names = getenv("LISTEN_FDNAMES");
	long n = passed_count();
	int ret = 0;

	if ((size_t)n > max) {
		snprintf(err, err_size, "systemd passed %ld sockets; at most "
			 "%zu can be used", n, max);
		ret = -1;
	}
	for (long i = 0; ret == 0 && i < n; i++) {
		struct sdlisten_socket *s = &socks[i];
		int fd = SDLISTEN_FD_START + (int)i;
		int flags;

		s->fd = fd;
		nth_name(names, i, s->name, sizeof(s->name));
		if (check_listening(fd, s->name, err, err_size) < 0) {
			ret = -1;
			break;
		}
		if (strcmp(s->name, "imaps") == 0)
			s->tls = 1;
		else if (strcmp(s->name, "imap") == 0)
			s->tls = 0;
		else
			s->tls = local_port(fd) == 993;
		flags = fcntl(fd, F_GETFD);
		if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
			snprintf(err, err_size, "systemd socket %d: fcntl: %s",
				 fd, strerror(errno));
			ret = -1;
			break;
		}
	}
	unset_listen_env();
	return ret < 0 ? -1 : (int)n;
}

void
sdlisten_discard(void)
{
	long n = passed_count();

	for (long i = 0; i < n; i++)
		close(SDLISTEN_FD_START + (int)i);
	unset_listen_env();
}

int
sdlisten_notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	notify_len = 0;
	if (path == NULL)
		return 0;
	len = strlen(path);
	if ((path[0] == '/' || path[0] == '@') && len > 1 &&
	    len < sizeof(notify_addr.sun_path)) {
		memset(&notify_addr, 0, sizeof(notify_addr));
		notify_addr.sun_family = AF_UNIX;
		memcpy(notify_addr.sun_path, path, len);
		if (path[0] == '@')
			notify_addr.sun_path[0] = '\0';
		notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
					 len + (path[0] == '/'));
	}
	unsetenv("NOTIFY_SOCKET");
	return notify_len != 0;
}

int
sdlisten_notify(const char *state)
{
	ssize_t sent;
	int fd;

	if (notify_len == 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		      (struct sockaddr *)&notify_addr, notify_len);
	close(fd);
	return sent == (ssize_t)strlen(state) ? 0 : -1;
}
