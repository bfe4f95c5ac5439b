/* src/store/dotlock.c — dot-locks as Dovecot makes and breaks them.
 *
 * The problem: Dovecot guards dovecot-uidlist (and dovecot-keywords) with
 * "dovecot-uidlist.lock", and skua must take the same lock the same way,
 * or the two servers would hand out the same UIDs. The lock must also
 * survive its holder being killed: a dead holder's lock must not block
 * the folder for ever, and a live holder's lock must never be broken.
 *
 * What Dovecot does (lib/file-dotlock.c, with the settings maildir-uidlist.c
 * passes: use_excl_lock as dotlock_use_excl, which defaults to yes;
 * stale_timeout 120 s; timeout 122 s):
 *   - create the lock with open(O_RDWR | O_CREAT | O_EXCL, 0666) and write
 *     "<pid>:<hostname>" into it, no newline (an empty file if that
 *     write fails);
 *   - a lock whose pid is on our host and does not exist (kill(pid, 0)
 *     gives ESRCH) is stale: check once more that the lock file was not
 *     replaced meanwhile, unlink it, and sleep 100-200 ms so that a second
 *     process overriding the same stale lock cannot unlink the new one;
 *   - otherwise a lock is stale when neither it nor the guarded file has
 *     changed for stale_timeout seconds;
 *   - on release, unlink the lock only if its device and inode are still
 *     the ones we created (someone may have overridden ours as stale).
 *
 * Where we differ, and why: Dovecot does not read the pid of a lock younger
 * than 2 s (an optimisation: a young lock's holder is most likely alive).
 * We always read it, so that a writer killed with -9 holds the folder up
 * for one poll, not two seconds; an empty lock (created, pid not yet
 * written) has no pid and is left to the timeout rule, so this is safe.
 * We judge change by mtime only, not ctime: a holder refreshes its lock
 * with utime(), which moves both, and mtime is what tests can set.
 * We poll instead of waiting on inotify: 5 ms, growing by half each
 * time to a cap of 100 ms, each wait drawn at random between the step
 * and twice it. The cap is small so that a process that has waited long
 * does not lose every race to newcomers still polling fast; the random
 * draw is per process (seeded with the pid and the clock, not rand(),
 * whose sequence every forked session would share) so that waiters do
 * not wake in lockstep. */
#include "store/dotlock.h"
#include "util/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELD 8

struct held_lock {
	char *lock_path;
	dev_t dev;
	ino_t ino;
	pid_t pid;
};

/* The locks this process holds: dotlock_release takes only a path, and
 * must know which lock file is the one we made. The pid tells a forked
 * child that an inherited entry is its parent's, not its own. */
static struct held_lock held[MAX_HELD];

static char errbuf[512];

/* A number in [0, n), from a generator of this process's own: forked
 * children must not draw the same waits (xorshift32, reseeded when the
 * pid changes). */
static unsigned
jitter(unsigned n)
{
	static uint32_t state;
	static pid_t seeded_for;
	struct timespec ts;

	if (seeded_for != getpid() || state == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seeded_for = getpid();
		state = (uint32_t)seeded_for * 2654435761u ^
			(uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec;
		if (state == 0)
			state = 1;
	}
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return n > 0 ? state % n : 0;
}

static const char *
set_err(const char *what, const char *path)
{
	snprintf(errbuf, sizeof(errbuf), "%s(%s): %s", what, path,
		 strerror(errno));
	return errbuf;
}

static const char *
my_hostname(void)
{
	static char host[256];

	if (host[0] == '\0' && gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "localhost");
	return host;
}

/* The pid in a lock file if it names a process on this host, else -1. */
static pid_t
read_local_pid(const char *lock_path)
{
	char buf[512], *host, *end;
	ssize_t n;
	long pid;
	int fd;

	fd = open(lock_path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	if (buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	host = strchr(buf, ':');
	if (host == NULL)
		return -1;
	*host++ = '\0';
	if (strcmp(host, my_hostname()) != 0)
		return -1;
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf || pid <= 0 ||
	    pid != (pid_t)pid)
		return -1;
	return (pid_t)pid;
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
		a->st_size == b->st_size &&
		a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
		a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Removes a stale lock if it is still the file we judged. Returns 0 when
 * the caller should try to create the lock again, -1 on error. */
static int
override(const char *lock_path, const struct stat *judged)
{
	struct stat st;

	if (lstat(lock_path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!same_file(&st, judged))
		return 0;               /* replaced meanwhile: judge anew */
	if (unlink(lock_path) < 0 && errno != ENOENT)
		return -1;
	sleep_ms(100 + jitter(100));
	return 0;
}

/* Looks at the existing lock. Returns 1 if it was stale and removed (or
 * is gone), 0 if it is live, -1 on error. */
static int
check_lock(const char *path, const char *lock_path)
{
	struct stat st, fst;
	time_t now = time(NULL), last;
	pid_t pid;

	if (lstat(lock_path, &st) < 0)
		return errno == ENOENT ? 1 : -1;
	pid = read_local_pid(lock_path);
	if (pid > 0) {
		if (kill(pid, 0) == 0 || errno != ESRCH) {
			if (pid != getpid())
				return 0;
			/* our own pid: a lock leaked by this process (or a
			 * previous one with our pid); Dovecot recreates it */
		}
		return override(lock_path, &st) < 0 ? -1 : 1;
	}
	/* An empty lock is one whose creator died between creating it and
	 * writing its pid, which a live writer does at once: after two
	 * seconds it is stale, as Dovecot treats a lock it cannot read. */
	if (st.st_size == 0 && now - st.st_mtime >= 2)
		return override(lock_path, &st) < 0 ? -1 : 1;
	last = st.st_mtime <= now ? st.st_mtime : now;
	if (stat(path, &fst) == 0 && fst.st_mtime > last && fst.st_mtime <= now)
		last = fst.st_mtime;
	if (now - last <= DOTLOCK_STALE_SECS)
		return 0;
	return override(lock_path, &st) < 0 ? -1 : 1;
}

static int
write_pid(int fd)
{
	char buf[300];
	int len;

	len = snprintf(buf, sizeof(buf), "%ld:%s", (long)getpid(),
		       my_hostname());
	if (len < 0 || (size_t)len >= sizeof(buf) ||
	    write(fd, buf, (size_t)len) != len)
		return ftruncate(fd, 0);  /* Dovecot leaves it empty then */
	return 0;
}

static int
remember(const char *lock_path, int fd)
{
	struct stat st;
	size_t i;

	if (fstat(fd, &st) < 0)
		return -1;
	for (i = 0; i < MAX_HELD; i++) {
		if (held[i].lock_path == NULL || held[i].pid != getpid())
			break;
	}
	if (i == MAX_HELD) {
		errno = EMFILE;
		return -1;
	}
	free(held[i].lock_path);
	held[i].lock_path = strdup(lock_path);
	if (held[i].lock_path == NULL)
		return -1;
	held[i].dev = st.st_dev;
	held[i].ino = st.st_ino;
	held[i].pid = getpid();
	return 0;
}

/* One attempt. Returns 1 when the lock is ours, 0 when it exists, -1 on
 * error (errno set). */
static int
try_create(const char *lock_path)
{
	int fd;

	fd = open(lock_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0666);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	if (write_pid(fd) < 0 || remember(lock_path, fd) < 0) {
		int e = errno;

		close(fd);
		unlink(lock_path);
		errno = e;
		return -1;
	}
	close(fd);
	return 1;
}

static char *
lock_path_of(const char *path)
{
	size_t len = strlen(path);
	char *lp = malloc(len + sizeof(".lock"));

	if (lp != NULL) {
		memcpy(lp, path, len);
		memcpy(lp + len, ".lock", sizeof(".lock"));
	}
	return lp;
}

int
dotlock_take(const char *path, int timeout_s, const char **err_r)
{
	struct timespec start, now;
	unsigned wait_ms = 5;
	char *lock_path;
	int r;

	lock_path = lock_path_of(path);
	if (lock_path == NULL) {
		*err_r = set_err("malloc", path);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		r = try_create(lock_path);
		if (r == 0)
			r = check_lock(path, lock_path) > 0 ? 2 : 0;
		if (r == 1 || r < 0)
			break;
		if (r == 2)
			continue;       /* stale one removed: try at once */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    (long)timeout_s * 1000) {
			errno = EAGAIN;
			snprintf(errbuf, sizeof(errbuf),
				 "%s: still locked by another process "
				 "after %d s", lock_path, timeout_s);
			*err_r = errbuf;
			free(lock_path);
			return -1;
		}
		sleep_ms(wait_ms + jitter(wait_ms + 1));
		if (wait_ms < 100)
			wait_ms += wait_ms / 2 + 1;
	}
	if (r < 0)
		*err_r = set_err("dotlock", lock_path);
	free(lock_path);
	return r < 0 ? -1 : 0;
}

static struct held_lock *
find_held(const char *path)
{
	size_t len = strlen(path);
	size_t i;

	for (i = 0; i < MAX_HELD; i++) {
		const char *lp = held[i].lock_path;

		if (lp != NULL && held[i].pid == getpid() &&
		    strncmp(lp, path, len) == 0 && strcmp(lp + len, ".lock") == 0)
			return &held[i];
	}
	return NULL;
}

int
dotlock_is_ours(const char *path)
{
	struct held_lock *h = find_held(path);
	struct stat st;

	if (h == NULL || lstat(h->lock_path, &st) < 0)
		return 0;
	/* an inode number is reused at once after an unlink: the pid in
	 * the file tells our lock from its replacement */
	return st.st_dev == h->dev && st.st_ino == h->ino &&
		read_local_pid(h->lock_path) == getpid();
}

void
dotlock_release(const char *path)
{
	struct held_lock *h = find_held(path);

	if (h == NULL)
		return;
	if (dotlock_is_ours(path))
		(void)unlink(h->lock_path);
	free(h->lock_path);
	h->lock_path = NULL;
}
