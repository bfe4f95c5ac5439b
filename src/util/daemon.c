/* src/util/daemon.c — daemonizing and the pidfile. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/daemon.h"

int
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	/* The session leader exits so the daemon can never reacquire a
	 * controlling terminal. */
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return -1;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return 0;
}

/* The pid in path, or 0. */
static pid_t
pidfile_read(const char *path)
{
	char text[32] = "";
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	return (pid_t)strtol(text, NULL, 10);
}

int
pidfile_write(const char *path, char *err, size_t err_size)
{
	char dir[4096], tmp[4200], text[32];
	pid_t old = pidfile_read(path);
	int fd, n, ok;

	if (old > 0 && old != getpid() && kill(old, 0) == 0) {
		snprintf(err, err_size, "%s: imapd is already running as pid "
			 "%ld", path, (long)old);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0755) < 0 && errno != EEXIST) {
		snprintf(err, err_size, "%s: cannot create directory: %s",
			 dir, strerror(errno));
		return -1;
	}
	/* Written aside and renamed into place, so a reader never sees an
	 * empty or half-written file. */
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		snprintf(err, err_size, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	ok = write(fd, text, (size_t)n) == n;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void
pidfile_remove(const char *path)
{
	if (pidfile_read(path) == getpid())
		unlink(path);
}
