/* src/util/fdio.c — see include/util/fdio.h. */
#include <errno.h>
#include <unistd.h>

#include "util/fdio.h"

int
fd_write_all(int fd, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len > 0) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}
