/* include/util/daemon.h — the chores of a classic Unix daemon: leaving
 * the terminal, and the pidfile an init script or an admin reads. */
#ifndef SKUA_UTIL_DAEMON_H
#define SKUA_UTIL_DAEMON_H

/* Forks into the background, starts a new session, changes to / and
 * points stdin, stdout and stderr at /dev/null. Returns 0 in the daemon
 * (the parent exits), or -1 with errno set. */
int daemonize(void);
/* Writes our pid to path, creating its directory if missing. Refuses
 * when the file names a live process. Returns 0, or -1 with err (256
 * bytes) set. */
int pidfile_write(const char *path, char *err, size_t err_size);
/* Removes path if it still holds our pid. */
void pidfile_remove(const char *path);

#endif
