/* tests/tools/mailbench.c — how fast the mail layer turns messages into
 * BODYSTRUCTURE: mail_parse plus bodystructure_write (with extension data)
 * over every file of a directory, repeated until at least SECONDS (2 by
 * default) have passed.
 *
 *     mailbench DIR [SECONDS]
 *
 * Each file is memory-mapped once; the arena and the output buffer are
 * reset, not freed, between messages, as a FETCH over a mailbox would.
 * Prints one line: "mailbench: N files, X MB, P passes, Y MB/s". */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mail/bodystructure.h"
#include "mail/message.h"
#include "util/arena.h"
#include "util/buf.h"

struct file {
	const unsigned char *data;
	size_t len;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const unsigned char empty[1];
	struct file *files = NULL;
	size_t nfiles = 0, cap = 0, total = 0, passes = 0, check = 0;
	double seconds = argc > 2 ? atof(argv[2]) : 2.0, t0, t;
	struct arena *a;
	struct buf out;
	struct dirent *de;
	DIR *dir;

	if (argc < 2) {
		fprintf(stderr, "usage: mailbench DIR [SECONDS]\n");
		return 2;
	}
	if ((dir = opendir(argv[1])) == NULL) {
		perror(argv[1]);
		return 2;
	}
	while ((de = readdir(dir)) != NULL) {
		char path[4096];
		struct stat st;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			continue;
		}
		if (nfiles == cap) {
			cap = cap ? cap * 2 : 256;
			files = realloc(files, cap * sizeof(*files));
			if (files == NULL) {
				perror("realloc");
				return 2;
			}
		}
		files[nfiles].len = (size_t)st.st_size;
		files[nfiles].data = st.st_size == 0 ? empty :
			mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			     fd, 0);
		close(fd);
		if (files[nfiles].data == MAP_FAILED) {
			perror(path);
			return 2;
		}
		/* fault the pages in before timing */
		for (size_t i = 0; i < files[nfiles].len; i += 4096)
			check += files[nfiles].data[i];
		total += files[nfiles].len;
		nfiles++;
	}
	closedir(dir);
	if (nfiles == 0) {
		fprintf(stderr, "mailbench: no files in %s\n", argv[1]);
		return 2;
	}

	a = arena_new(1 << 16);
	buf_init(&out, (size_t)1 << 30);
	t0 = now();
	do {
		for (size_t i = 0; i < nfiles; i++) {
			struct mail_part *root;

			arena_reset(a);
			buf_reset(&out);
			root = mail_parse(files[i].data, files[i].len, a);
			if (bodystructure_write(root, files[i].data, 1, a,
						&out) < 0) {
				fprintf(stderr, "mailbench: overflow\n");
				return 1;
			}
			check += out.len;
		}
		passes++;
		t = now() - t0;
	} while (t < seconds);

	printf("mailbench: %zu files, %.1f MB, %zu passes, %.1f MB/s "
	       "(check %zu)\n", nfiles, total / 1e6, passes,
	       (double)total * passes / 1e6 / t, check % 1000);
	arena_free(&a);
	buf_free(&out);
	return 0;
}
