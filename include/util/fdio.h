/* include/util/fdio.h — writing a whole buffer to a file descriptor. */
#ifndef SKUA_UTIL_FDIO_H
#define SKUA_UTIL_FDIO_H

#include <stddef.h>

/* Writes all len bytes of p to fd, going on after short writes and
 * EINTR. Returns 0, or -1 with errno set (EIO for a write that wrote
 * nothing). For files and pipes only: a socket has its own stream. */
int fd_write_all(int fd, const void *p, size_t len);

#endif
