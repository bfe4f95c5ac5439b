/* src/store/watch.c — inotify on a Maildir root and on new/ and cur/ of a
 * set of its folders (see include/store/watch.h).
 *
 * A new set is built on a new inotify instance and swapped in (dup3, so
 * the descriptor keeps its number) only once every watch was accepted,
 * so that a set the kernel refuses leaves the old one working. Events that were queued on the old instance are lost
 * with it; every folder of the new set is therefore marked changed, and
 * the caller's comparison finds what really changed.
 *
 * In the root only directories whose names start with "." are folders
 * (Maildir++); ".subscriptions" (ours) and "subscriptions" (Dovecot's)
 * are replaced by rename, so IN_MOVED_TO names them. The tree's lock
 * going away is reported too (watch_tree_busy). Other lock files and
 * the uidlist of INBOX come and go in the root too and are ignored. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/dotlock.h"
#include "store/subscriptions.h"
#include "store/watch.h"
#include "util/xalloc.h"

#define ROOT_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
		   IN_ONLYDIR)
/* The dot-lock of store/mailboxes.c, taken for CREATE, DELETE, RENAME. */
#define TREE_LOCK "mailboxes.lock"

#define FOLDER_MASK (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
		     IN_ONLYDIR)

struct wd_map {
	int wd;
	size_t folder;
};

struct watch {
	char *root;
	size_t max;
	int fd;
	int root_wd;
	struct wd_map *wds;     /* two per folder at most */
	size_t nwds;
	unsigned char *dirty;   /* one per folder */
	size_t nfolders;
};

/* A new instance watching the root; -1 on error. */
static int
open_root(const char *root, int *wd_r)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0)
		return -1;
	*wd_r = inotify_add_watch(fd, root, ROOT_MASK);
	if (*wd_r < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

struct watch *
watch_new(const char *root, size_t max_folders)
{
	struct watch *w;
	int wd, fd = open_root(root, &wd);

	if (fd < 0)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->root = xstrdup(root);
	w->max = max_folders;
	w->fd = fd;
	w->root_wd = wd;
	return w;
}

int
watch_fd(const struct watch *w)
{
	return w->fd;
}

/* Adds new/ and cur/ of root/dir to fd. Returns 0, or -1 with errno. */
static int
add_folder(int fd, const char *root, const char *dir, size_t i,
	   struct wd_map *wds, size_t *nwds)
{
	static const char *const subs[] = { "new", "cur" };
	char path[PATH_MAX];

	for (size_t k = 0; k < 2; k++) {
		int wd;

		if ((size_t)snprintf(path, sizeof(path), "%s%s%s/%s", root,
				     *dir ? "/" : "", dir, subs[k]) >=
		    sizeof(path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		wd = inotify_add_watch(fd, path, FOLDER_MASK);
		if (wd < 0) {
			/* A folder deleted meanwhile is not watched; the
			 * root's watch reports the deletion. */
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return -1;
		}
		wds[*nwds].wd = wd;
		wds[*nwds].folder = i;
		(*nwds)++;
	}
	return 0;
}

int
watch_set_folders(struct watch *w, const char *const *dirs, size_t n)
{
	struct wd_map *wds;
	size_t nwds = 0;
	int fd, root_wd, e;

	if (n > w->max)
		return WATCH_OVERFLOW;
	if ((fd = open_root(w->root, &root_wd)) < 0)
		return errno == EMFILE || errno == ENOSPC ? WATCH_OVERFLOW : -1;
	wds = xcalloc(2 * n + 1, sizeof(*wds));
	for (size_t i = 0; i < n; i++) {
		if (add_folder(fd, w->root, dirs[i], i, wds, &nwds) < 0) {
			e = errno;
			free(wds);
			close(fd);
			errno = e;
			/* ENOSPC: the user's max_user_watches is used up. */
			return e == ENOSPC ? WATCH_OVERFLOW : -1;
		}
	}
	/* The caller's descriptor stays the same number (IDLE and the
	 * session wait on it): the new instance takes its place. */
	if (dup3(fd, w->fd, O_CLOEXEC) < 0) {
		e = errno;
		free(wds);
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	free(w->wds);
	free(w->dirty);
	w->root_wd = root_wd;
	w->wds = wds;
	w->nwds = nwds;
	w->nfolders = n;
	w->dirty = xmalloc(n + 1);
	memset(w->dirty, 1, n + 1);
	return 0;
}

static int
is_subs_file(const char *name)
{
	return strcmp(name, SUBS_FILE) == 0 ||
	       strcmp(name, SUBS_DOVECOT_FILE) == 0;
}

/* What one event means. */
static unsigned
take_event(struct watch *w, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		memset(w->dirty, 1, w->nfolders);
		return WATCH_TREE | WATCH_SUBS;
	}
	if (ev->wd == w->root_wd) {
		if (ev->len == 0)
			return 0;
		if ((ev->mask & IN_ISDIR) && ev->name[0] == '.')
			return WATCH_TREE;
		if ((ev->mask & IN_MOVED_TO) && is_subs_file(ev->name))
			return WATCH_SUBS;
		if ((ev->mask & (IN_DELETE | IN_MOVED_FROM)) &&
		    strcmp(ev->name, TREE_LOCK) == 0)
			return WATCH_TREE;
		return 0;
	}
	/* A folder in the set twice shares its watches: mark both. */
	for (size_t i = 0; i < w->nwds; i++)
		if (w->wds[i].wd == ev->wd)
			w->dirty[w->wds[i].folder] = 1;
	return 0;
}

unsigned
watch_read(struct watch *w)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	unsigned what = 0;
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			what |= take_event(w, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
	return what;
}

int
watch_tree_busy(const struct watch *w)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", w->root, TREE_LOCK);
	return stat(path, &st) == 0 &&
	       time(NULL) - st.st_mtime < DOTLOCK_STALE_SECS;
}

int
watch_take(struct watch *w, size_t i)
{
	int d;

	if (i >= w->nfolders)
		return 0;
	d = w->dirty[i];
	w->dirty[i] = 0;
	return d;
}

void
watch_free(struct watch **wp)
{
	struct watch *w = *wp;

	if (w == NULL)
		return;
	close(w->fd);
	free(w->wds);
	free(w->dirty);
	free(w->root);
	free(w);
	*wp = NULL;
}
