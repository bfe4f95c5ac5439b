/* tests/fuzz/tmpdir.h — a private directory for fuzz targets that parse
 * files (uidlist, keywords, config): made once per process (mkdtemp under
 * $TMPDIR, else /dev/shm, which spares the disk the fsyncs, else /tmp),
 * emptied after every run and removed at exit; and a check that a run
 * leaves no file descriptor open. Included by the targets, not a target
 * itself (make fuzz builds tests/fuzz/fuzz_*.c). */
#ifndef SKUA_FUZZ_TMPDIR_H
#define SKUA_FUZZ_TMPDIR_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fz_dir_path[256];

static int
fz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0)
		(void)remove(path);
	return 0;
}

/* Empties the directory (it stays). */
static void
fz_clean(void)
{
	if (fz_dir_path[0] != '\0')
		(void)nftw(fz_dir_path, fz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static void
fz_remove_dir(void)
{
	fz_clean();
	if (fz_dir_path[0] != '\0')
		(void)rmdir(fz_dir_path);
}

/* The private directory, made on first use. */
static const char *
fz_dir(void)
{
	const char *base = getenv("TMPDIR");
	struct stat st;

	if (fz_dir_path[0] != '\0')
		return fz_dir_path;
	if (base == NULL || base[0] == '\0')
		base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
		       access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(fz_dir_path, sizeof(fz_dir_path), "%s/skua-fuzz.XXXXXX",
		 base);
	if (mkdtemp(fz_dir_path) == NULL) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(fz_remove_dir);
	return fz_dir_path;
}

/* Writes dir/name afresh (a new inode: written beside and renamed over,
 * so that a reader comparing stat data sees the change). */
static void
fz_write(const char *name, const void *data, size_t len)
{
	char path[512], tmp[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fz_dir(), name);
	snprintf(tmp, sizeof(tmp), "%s.fuzz-new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (len > 0 && write(fd, data, len) != (ssize_t)len) ||
	    close(fd) < 0 || rename(tmp, path) < 0) {
		perror("fuzz: write");
		abort();
	}
}

/* The lowest free descriptor: the same before and after a run unless the
 * run leaked one. */
static int
fz_fd_probe(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void
fz_fd_check(const char *who, int before)
{
	int after = fz_fd_probe();

	if (after != before) {
		fprintf(stderr, "%s: file descriptor leaked (lowest free %d, "
			"was %d)\n", who, after, before);
		abort();
	}
}

#endif
