/* src/util/childlink.c — the connection process's side of its link to the
 * listener (util/childlink.h). The listener's side is in net/listener.c. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/childlink.h"
#include "util/clock.h"
#include "util/log.h"

static int link_fd = -1;

void
childlink_set(int fd)
{
	link_fd = fd;
}

/* Sends one message without waiting; a full or broken link loses it. */
static int
say(const char *msg, size_t len)
{
	ssize_t n;

	do
		n = send(link_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

void
childlink_auth_failed(void)
{
	char kind = CHILDLINK_AUTH_FAILED;

	if (link_fd >= 0 && say(&kind, 1) < 0)
		log_warn("cannot report a failed login to the listener: %s",
			 strerror(errno));
}

int
childlink_login(const char *user)
{
	char msg[CHILDLINK_MSG_MAX], answer = 0;
	size_t n = strlen(user);
	long long deadline = clock_ms() + CHILDLINK_ANSWER_MS;
	struct pollfd p;
	ssize_t got;

	if (link_fd < 0)
		return 0;
	if (n > sizeof(msg) - 1)
		n = sizeof(msg) - 1;
	msg[0] = CHILDLINK_LOGIN;
	memcpy(msg + 1, user, n);
	if (say(msg, n + 1) < 0)
		return 0;
	for (;;) {
		long long left = deadline - clock_ms();

		if (left <= 0) {
			log_warn("no answer from the listener about user %s; "
				 "going on", user);
			return 0;
		}
		p.fd = link_fd;
		p.events = POLLIN;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return 0;
		got = recv(link_fd, &answer, 1, MSG_DONTWAIT);
		if (got == 1)
			return answer == CHILDLINK_REFUSE ? -1 : 0;
		if (got == 0 || (errno != EAGAIN && errno != EINTR))
			return 0;       /* the listener is gone */
	}
}

void
childlink_close(void)
{
	if (link_fd >= 0)
		close(link_fd);
	link_fd = -1;
}
