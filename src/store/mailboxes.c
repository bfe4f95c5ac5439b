/* src/store/mailboxes.c — the folder tree of a Maildir++ (DESIGN.md,
 * "Storage"; maildirplusplus.txt).
 *
 * The problem. The tree is flat on disk: folder A/B is the directory
 * ".A.B" next to ".A" in the Maildir root, and a parent need not exist
 * (".A.B" alone makes A a \Noselect level, RFC 3501 6.3.8). Other servers
 * (Dovecot, another session) change the same root, and the root also
 * holds INBOX's own cur/ new/ tmp/, control files and whatever a user or
 * an attacker put there, symlinks included.
 *
 * Listing. One readdir of the root; an entry is a folder only when it is
 * a real directory (never a symlink: ".evil -> /etc" is not listed and
 * never entered) and names_from_dir maps it back to itself. Levels implied
 * by deeper folders are added, the set is sorted with "." below every
 * other byte, which puts each folder right before its children, so
 * \HasChildren is a look at the next entry (RFC 3348). Only the folders
 * that match the pattern cost a stat (cur/ present: selectable).
 *
 * Changing the tree. CREATE, DELETE and RENAME take "mailboxes.lock",
 * the dot-lock Dovecot 2.3 takes in the root for the same operations
 * (seen with strace), so the two servers never interleave. Dovecot
 * creates a folder in place (mkdir .X, then cur/ new/ tmp/ and
 * maildirfolder); we build it as tmp/skua-folder.<pid>.<n> under INBOX,
 * invisible to both servers, and rename it into place with
 * RENAME_NOREPLACE, so no half-made folder is ever listed and an existing
 * one is never replaced. Dovecot deletes by renaming the folder to
 * "..DOVECOT-TRASHED" (which its listing skips) and removing that; we do
 * the same, under the same lock, and remove it with openat(O_NOFOLLOW) so
 * a symlink inside is unlinked, never followed. Dovecot removes the whole
 * directory also when the folder has children; they stay as siblings and
 * the name becomes a \Noselect level, as RFC 3501 6.3.4 wants.
 *
 * Where we differ from Dovecot 2.3, by design: CREATE makes missing
 * parents as folders (RFC 3501 6.3.3 SHOULD; Dovecot leaves them implied);
 * RENAME checks every child's target before moving anything (Dovecot
 * logs "Directory not empty" and leaves such a child behind, answering
 * OK); RENAME of INBOX moves its messages (RFC 3501 6.3.5; Dovecot
 * answers "[CANNOT] Renaming INBOX isn't supported" for Maildir++). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/dotlock.h"
#include "store/mailboxes.h"
#include "store/pattern.h"
#include "util/arena.h"

#define TRASH_DIR "..DOVECOT-TRASHED"
#define LOCK_NAME "mailboxes"           /* dot-lock: mailboxes.lock */
#define LOCK_TIMEOUT_SECS 10
#define RMTREE_MAX_DEPTH 16

const struct mbox_special mbox_special_default[] = {
	{ "Drafts", MBOX_DRAFTS },
	{ "Sent", MBOX_SENT },
	{ "Trash", MBOX_TRASH },
	{ "Junk", MBOX_JUNK },
	{ "Archive", MBOX_ARCHIVE },
};

struct node {
	char *dir;
	char *name;
	int real;               /* has its own directory */
	unsigned attrs;
};

struct mbox_list {
	struct arena *arena;
	struct mbox_entry *v;
	size_t n;
};

static int
fail(struct mbox_err *err, enum mbox_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct mbox_err *err, enum mbox_code code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return -1;
}

static int
fail_sys(struct mbox_err *err, const char *op, const char *path)
{
	return fail(err, MBOX_ERR_SERVER, "%s(%s) failed: %s", op,
		    *path != '\0' ? path : ".", strerror(errno));
}

static int
ok(struct mbox_err *err)
{
	err->code = MBOX_OK;
	err->text[0] = '\0';
	return 0;
}

/* 1 when name under fd is a directory itself, not a symlink to one. */
static int
is_dir_at(int fd, const char *name)
{
	struct stat st;

	return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* 1 when dir is a selectable folder: its cur/ is a real directory. */
static int
selectable_at(int rootfd, const char *dir)
{
	char path[NAMES_DIR_MAX + 8];

	if (!is_dir_at(rootfd, dir))
		return 0;
	snprintf(path, sizeof(path), "%s/cur", dir);
	return is_dir_at(rootfd, path);
}

/* Whether a readdir entry is a real directory (d_type, else lstat). */
static int
entry_is_dir(int fd, const struct dirent *de)
{
	if (de->d_type == DT_DIR)
		return 1;
	if (de->d_type != DT_UNKNOWN)
		return 0;
	return is_dir_at(fd, de->d_name);
}

static int
node_cmp(const void *pa, const void *pb)
{
	const struct node *a = pa, *b = pb;
	int c = pattern_tree_cmp(a->dir, b->dir, '.');

	/* Of two equal dirs the real one comes first and is kept. */
	return c != 0 ? c : b->real - a->real;
}

static int
entry_cmp(const void *pa, const void *pb, void *sep)
{
	const struct mbox_entry *a = pa, *b = pb;

	if (*a->dir == '\0' || *b->dir == '\0')
		return *a->dir == '\0' ? (*b->dir == '\0' ? 0 : -1) : 1;
	return pattern_tree_cmp(a->name, b->name, *(const char *)sep);
}

/* ---- the tree ----------------------------------------------------- */

struct tree {
	struct arena *arena;
	struct node *v;
	size_t n, cap;
};

static void
tree_add(struct tree *t, const char *dir, size_t len, int real)
{
	struct node *nv;

	if (t->n == t->cap) {
		t->cap = t->cap == 0 ? 64 : t->cap * 2;
		nv = realloc(t->v, t->cap * sizeof(*t->v));
		if (nv == NULL)
			abort();        /* as arena_alloc does */
		t->v = nv;
	}
	t->v[t->n].dir = arena_strndup(t->arena, dir, len);
	t->v[t->n].name = NULL;
	t->v[t->n].real = real;
	t->v[t->n].attrs = 0;
	t->n++;
}

/* Adds a folder found on disk and the levels above it. A level that is
 * not a folder name of its own (".INBOX", INBOX itself) ends the walk. */
static void
tree_add_folder(const struct mailboxes *mb, struct tree *t, const char *dir)
{
	char wire[NAMES_MAX_LEN + 1];
	const char *dot;
	size_t len;

	tree_add(t, dir, strlen(dir), 1);
	for (len = strlen(dir); len > 1;) {
		dot = memrchr(dir + 1, '.', len - 1);
		if (dot == NULL)
			break;
		len = (size_t)(dot - dir);
		tree_add(t, dir, len, 0);
		if (names_from_dir(&mb->rules, t->v[t->n - 1].dir,
				   mb->wire_utf8, wire, sizeof(wire)) < 0) {
			t->n--;
			break;
		}
	}
}

/* Reads the root once and builds the sorted, deduplicated tree. */
static int
tree_read(const struct mailboxes *mb, int rootfd, struct tree *t,
	  struct mbox_err *err)
{
	char wire[NAMES_MAX_LEN + 1];
	struct dirent *de;
	size_t i, j;
	DIR *d;
	int fd;

	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return fail_sys(err, "opendir", "");
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' ||
		    names_from_dir(&mb->rules, de->d_name, mb->wire_utf8,
				   wire, sizeof(wire)) < 0 ||
		    !entry_is_dir(rootfd, de))
			continue;
		tree_add_folder(mb, t, de->d_name);
	}
	closedir(d);
	if (t->n > 0)
		qsort(t->v, t->n, sizeof(*t->v), node_cmp);
	for (i = j = 0; i < t->n; i++)
		if (j == 0 || strcmp(t->v[j - 1].dir, t->v[i].dir) != 0)
			t->v[j++] = t->v[i];
	t->n = j;
	return 0;
}

/* The sorted tree puts children right after their parent. */
static int
tree_has_children(const struct tree *t, size_t i)
{
	size_t len = strlen(t->v[i].dir);

	return i + 1 < t->n && strncmp(t->v[i + 1].dir, t->v[i].dir, len) == 0 &&
	       t->v[i + 1].dir[len] == '.';
}

static void
tree_free(struct tree *t)
{
	free(t->v);
	arena_free(&t->arena);
}

/* ---- LIST --------------------------------------------------------- */

static int
dir_has_mail(int rootfd, const char *dir)
{
	char path[NAMES_DIR_MAX + 8];
	struct dirent *de;
	int fd, found = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s%snew", dir, *dir != '\0' ? "/" : "");
	fd = openat(rootfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (!found && (de = readdir(d)) != NULL)
		found = de->d_name[0] != '.';
	closedir(d);
	return found;
}

static unsigned
special_attr(const struct mailboxes *mb, const char *dir)
{
	char sdir[NAMES_DIR_MAX + 1];
	const char *e;
	size_t i;

	for (i = 0; i < mb->nspecial; i++)
		if (names_to_dir(&mb->rules, mb->special[i].name,
				 mb->wire_utf8, sdir, sizeof(sdir), &e) == 0 &&
		    strcmp(sdir, dir) == 0)
			return mb->special[i].attr;
	return 0;
}

/* The attributes of a folder to be listed. */
static unsigned
entry_attrs(const struct mailboxes *mb, int rootfd, const char *dir,
	    int real, int children, unsigned flags)
{
	unsigned a = children ? MBOX_HASCHILDREN : MBOX_HASNOCHILDREN;
	int sel = *dir == '\0' || (real && selectable_at(rootfd, dir));

	if (!sel)
		return a | MBOX_NOSELECT | (real ? 0 : MBOX_NONEXISTENT);
	if (flags & MBOX_LIST_MARKED)
		a |= dir_has_mail(rootfd, dir) ? MBOX_MARKED : MBOX_UNMARKED;
	if (*dir != '\0')
		a |= special_attr(mb, dir);
	return a;
}

static void
list_push(struct mbox_list *l, const char *name, const char *dir,
	  unsigned attrs)
{
	struct mbox_entry *e = &l->v[l->n++];

	e->name = arena_strdup(l->arena, name);
	e->dir = arena_strdup(l->arena, dir);
	e->attrs = attrs;
}

/* INBOX has children when any wire name lies under "INBOX" + separator:
 * the ".INBOX.x" folders, or every folder under Courier's "INBOX."
 * prefix. */
static int
inbox_has_children(const struct mailboxes *mb, const struct tree *t)
{
	char wire[NAMES_MAX_LEN + 1];
	size_t i;

	for (i = 0; i < t->n; i++)
		if (names_from_dir(&mb->rules, t->v[i].dir, mb->wire_utf8,
				   wire, sizeof(wire)) == 0 &&
		    strncmp(wire, "INBOX", 5) == 0 &&
		    wire[5] == mb->rules.sep)
			return 1;
	return 0;
}

static void
list_fill(const struct mailboxes *mb, int rootfd, const struct tree *t,
	  struct pattern *pat, unsigned flags, struct mbox_list *l)
{
	char wire[NAMES_MAX_LEN + 1];
	size_t i;

	l->v = arena_alloc(l->arena, (t->n + 1) * sizeof(*l->v));
	if (pattern_match(pat, "INBOX"))
		list_push(l, "INBOX", "",
			  entry_attrs(mb, rootfd, "", 1,
				      inbox_has_children(mb, t), flags));
	for (i = 0; i < t->n; i++) {
		if (names_from_dir(&mb->rules, t->v[i].dir, mb->wire_utf8,
				   wire, sizeof(wire)) < 0 ||
		    !pattern_match(pat, wire))
			continue;
		list_push(l, wire, t->v[i].dir,
			  entry_attrs(mb, rootfd, t->v[i].dir, t->v[i].real,
				      tree_has_children(t, i), flags));
	}
	qsort_r(l->v, l->n, sizeof(*l->v), entry_cmp,
		(void *)&mb->rules.sep);
}

static int
open_root(const struct mailboxes *mb, struct mbox_err *err)
{
	int fd = open(mb->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		fail(err, MBOX_ERR_SERVER, "open(%s) failed: %s", mb->root,
		     strerror(errno));
	return fd;
}

int
mailboxes_list(const struct mailboxes *mb, const char *ref,
	       const char *pattern, unsigned flags,
	       struct mbox_list **list_r, struct mbox_err *err)
{
	struct tree t = { 0 };
	struct pattern *pat;
	struct mbox_list *l;
	int rootfd;

	pat = pattern_new(ref, pattern, mb->rules.sep);
	if (pat == NULL)
		return fail(err, MBOX_ERR_NAME, "Pattern too long");
	rootfd = open_root(mb, err);
	if (rootfd < 0) {
		pattern_free(&pat);
		return -1;
	}
	t.arena = arena_new(16384);
	if (tree_read(mb, rootfd, &t, err) < 0) {
		tree_free(&t);
		pattern_free(&pat);
		close(rootfd);
		return -1;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		abort();
	l->arena = arena_new(16384);
	list_fill(mb, rootfd, &t, pat, flags, l);
	tree_free(&t);
	pattern_free(&pat);
	close(rootfd);
	*list_r = l;
	return ok(err);
}

const struct mbox_entry *
mbox_list_entries(const struct mbox_list *l, size_t *n_r)
{
	*n_r = l->n;
	return l->v;
}

void
mbox_list_free(struct mbox_list **l)
{
	if (*l == NULL)
		return;
	arena_free(&(*l)->arena);
	free(*l);
	*l = NULL;
}

/* ---- children on disk --------------------------------------------- */

/* The children of dir on disk: real directories named dir + "." + ...
 * that are folder names. With out NULL, only whether there is one. */
static int
children_of(const struct mailboxes *mb, int rootfd, const char *dir,
	    struct arena *a, char ***out, size_t *n_r, struct mbox_err *err)
{
	char wire[NAMES_MAX_LEN + 1];
	size_t len = strlen(dir), cap = 0;
	struct dirent *de;
	char **nv;
	DIR *d;
	int fd;

	*n_r = 0;
	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return fail_sys(err, "opendir", "");
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, dir, len) != 0 ||
		    de->d_name[len] != '.' ||
		    names_from_dir(&mb->rules, de->d_name, mb->wire_utf8,
				   wire, sizeof(wire)) < 0 ||
		    !entry_is_dir(rootfd, de))
			continue;
		if (out == NULL) {
			(*n_r)++;
			break;
		}
		if (*n_r == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			nv = arena_alloc(a, cap * sizeof(*nv));
			if (*n_r > 0)
				memcpy(nv, *out, *n_r * sizeof(*nv));
			*out = nv;
		}
		(*out)[(*n_r)++] = arena_strdup(a, de->d_name);
	}
	closedir(d);
	return 0;
}

static int
has_children(const struct mailboxes *mb, int rootfd, const char *dir,
	     int *yes_r, struct mbox_err *err)
{
	size_t n;

	if (children_of(mb, rootfd, dir, NULL, NULL, &n, err) < 0)
		return -1;
	*yes_r = n > 0;
	return 0;
}

int
mailboxes_lookup(const struct mailboxes *mb, const char *wire, char *dir,
		 size_t dir_size, unsigned *attrs_r, struct mbox_err *err)
{
	const char *e;
	int rootfd, kids;

	if (names_to_dir(&mb->rules, wire, mb->wire_utf8, dir, dir_size,
			 &e) < 0)
		return fail(err, MBOX_ERR_NAME, "%s", e);
	if (*dir == '\0') {
		*attrs_r = 0;
		return ok(err);
	}
	rootfd = open_root(mb, err);
	if (rootfd < 0)
		return -1;
	if (selectable_at(rootfd, dir)) {
		close(rootfd);
		*attrs_r = 0;
		return ok(err);
	}
	kids = 1;
	if (!is_dir_at(rootfd, dir) &&
	    has_children(mb, rootfd, dir, &kids, err) < 0) {
		close(rootfd);
		return -1;
	}
	close(rootfd);
	if (!kids)
		return fail(err, MBOX_ERR_NONEXISTENT,
			    "Mailbox doesn't exist: %s", wire);
	*attrs_r = MBOX_NOSELECT;
	return ok(err);
}

/* ---- the lock ----------------------------------------------------- */

static int
tree_lock(const struct mailboxes *mb, char *path, size_t size,
	  struct mbox_err *err)
{
	const char *e;

	snprintf(path, size, "%s/%s", mb->root, LOCK_NAME);
	if (dotlock_take(path, LOCK_TIMEOUT_SECS, &e) < 0) {
		if (errno == EAGAIN)
			return fail(err, MBOX_ERR_INUSE,
				    "Mailbox list is locked, try again");
		return fail(err, MBOX_ERR_SERVER, "%s", e);
	}
	return 0;
}

/* ---- removing a tree ---------------------------------------------- */

/* Removes name under parentfd and everything below it, never following
 * a symlink: a symlink is unlinked like a file. Best effort: returns -1
 * when something stayed. */
static int
rmtree_at(int parentfd, const char *name, int depth)
{
	struct dirent *de;
	int fd, pass, ret;
	DIR *d;

	fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : unlinkat(parentfd, name, 0);
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	/* Removing entries while reading may hide some; a second pass
	 * catches them. */
	for (pass = 0; pass < 2; pass++) {
		rewinddir(d);
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (unlinkat(fd, de->d_name, 0) == 0 ||
			    (errno != EISDIR && errno != EPERM))
				continue;
			if (depth < RMTREE_MAX_DEPTH)
				rmtree_at(fd, de->d_name, depth + 1);
		}
	}
	closedir(d);
	ret = unlinkat(parentfd, name, AT_REMOVEDIR);
	return ret < 0 && errno != ENOENT ? -1 : 0;
}

/* ---- CREATE ------------------------------------------------------- */

/* The mode of new directories and files: the root's, as Dovecot takes
 * the permissions of the mail root for new folders. */
static mode_t
root_mode(int rootfd)
{
	struct stat st;

	if (fstat(rootfd, &st) < 0)
		return 0700;
	return st.st_mode & 0777;
}

/* mkdirat with exactly mode: the session's umask is 077, but a folder
 * must have the root's permissions, or Dovecot refuses to rename it
 * ("conflicting directory permissions"). */
static int
mkdir_mode(int fd, const char *path, mode_t mode)
{
	if (mkdirat(fd, path, mode) < 0)
		return -1;
	return fchmodat(fd, path, mode, 0);
}

/* Gives the directory under fd its cur/ new/ tmp/ and maildirfolder,
 * cur/ last: without cur/ a directory is not listed as selectable. */
static int
fill_folder(int fd, const char *rel, mode_t mode, struct mbox_err *err)
{
	static const char *const subs[] = { "new", "tmp", "cur" };
	char path[NAMES_DIR_MAX + 64];
	size_t i;
	int f;

	snprintf(path, sizeof(path), "%s/maildirfolder", rel);
	f = openat(fd, path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		   mode & 0666);
	if (f < 0)
		return fail_sys(err, "open", path);
	fchmod(f, mode & 0666);
	close(f);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", rel, subs[i]);
		if (mkdir_mode(fd, path, mode) < 0 && errno != EEXIST)
			return fail_sys(err, "mkdir", path);
	}
	return 0;
}

/* Builds the folder under INBOX's tmp/ and renames it into place. */
static int
create_via_tmp(int rootfd, const char *dir, mode_t mode,
	       struct mbox_err *err)
{
	static unsigned seq;
	char tmp[128];

	snprintf(tmp, sizeof(tmp), "tmp/skua-folder.%ld.%u", (long)getpid(),
		 seq++);
	if (mkdir_mode(rootfd, tmp, mode) < 0)
		return errno == ENOENT ? 1 : fail_sys(err, "mkdir", tmp);
	if (fill_folder(rootfd, tmp, mode, err) < 0) {
		rmtree_at(rootfd, tmp, 0);
		return -1;
	}
	if (renameat2(rootfd, tmp, rootfd, dir, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOSYS) {
		/* No RENAME_NOREPLACE here: fall back to building in
		 * place, where mkdir refuses an existing name. */
		rmtree_at(rootfd, tmp, 0);
		return 1;
	}
	if (errno == EEXIST || errno == ENOTEMPTY) {
		rmtree_at(rootfd, tmp, 0);
		return fail(err, MBOX_ERR_EXISTS, "Mailbox already exists");
	}
	fail_sys(err, "rename", dir);
	rmtree_at(rootfd, tmp, 0);
	return -1;
}

/* Creates the folder dir with the tree lock held. A directory there
 * without cur/ (a \Noselect level) is completed. */
static int
create_locked(int rootfd, const char *dir, struct mbox_err *err)
{
	mode_t mode = root_mode(rootfd);
	struct stat st;
	int ret;

	if (fstatat(rootfd, dir, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISDIR(st.st_mode) || selectable_at(rootfd, dir))
			return fail(err, MBOX_ERR_EXISTS,
				    "Mailbox already exists");
		return fill_folder(rootfd, dir, mode, err);
	}
	ret = create_via_tmp(rootfd, dir, mode, err);
	if (ret <= 0)
		return ret;
	if (mkdir_mode(rootfd, dir, mode) < 0)
		return errno == EEXIST ? fail(err, MBOX_ERR_EXISTS,
					      "Mailbox already exists")
				       : fail_sys(err, "mkdir", dir);
	return fill_folder(rootfd, dir, mode, err);
}

/* Creates the missing levels above dir as folders. Levels that are not
 * folder names of their own (".INBOX") are skipped. */
static int
create_parents(const struct mailboxes *mb, int rootfd, const char *dir,
	       struct mbox_err *err)
{
	char wire[NAMES_MAX_LEN + 1], parent[NAMES_DIR_MAX + 1];
	const char *p;
	size_t len;
	struct stat st;

	for (p = strchr(dir + 1, '.'); p != NULL; p = strchr(p + 1, '.')) {
		len = (size_t)(p - dir);
		memcpy(parent, dir, len);
		parent[len] = '\0';
		if (names_from_dir(&mb->rules, parent, mb->wire_utf8, wire,
				   sizeof(wire)) < 0 ||
		    fstatat(rootfd, parent, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (create_locked(rootfd, parent, err) < 0 &&
		    err->code != MBOX_ERR_EXISTS)
			return -1;
	}
	return 0;
}

/* Turns a wire name into its directory, for an error the NO text. */
static int
to_dir(const struct mailboxes *mb, const char *wire, char *dir,
       struct mbox_err *err)
{
	const char *e;

	if (names_to_dir(&mb->rules, wire, mb->wire_utf8, dir,
			 NAMES_DIR_MAX + 1, &e) < 0)
		return fail(err, MBOX_ERR_NAME, "%s", e);
	return 0;
}

int
mailboxes_create(const struct mailboxes *mb, const char *wire,
		 struct mbox_err *err)
{
	char name[NAMES_MAX_LEN + 2], dir[NAMES_DIR_MAX + 1], lock[4200];
	size_t len = strlen(wire);
	int rootfd, ret;

	if (len > NAMES_MAX_LEN + 1)
		return fail(err, MBOX_ERR_NAME, "Mailbox name too long");
	/* RFC 3501 6.3.3: a trailing separator declares the intent to
	 * create names under it; the folder itself is what we create. */
	memcpy(name, wire, len + 1);
	if (len > 1 && name[len - 1] == mb->rules.sep)
		name[len - 1] = '\0';
	if (to_dir(mb, name, dir, err) < 0)
		return -1;
	if (*dir == '\0')
		return fail(err, MBOX_ERR_EXISTS, "Mailbox already exists");
	rootfd = open_root(mb, err);
	if (rootfd < 0)
		return -1;
	if (tree_lock(mb, lock, sizeof(lock), err) < 0) {
		close(rootfd);
		return -1;
	}
	ret = create_parents(mb, rootfd, dir, err);
	if (ret == 0)
		ret = create_locked(rootfd, dir, err);
	dotlock_release(lock);
	close(rootfd);
	return ret < 0 ? -1 : ok(err);
}

int
mailboxes_create_missing(const struct mailboxes *mb,
			 const char *const *names, size_t n,
			 struct mbox_err *err)
{
	char dir[NAMES_DIR_MAX + 1];
	size_t i;
	int rootfd;

	rootfd = open_root(mb, err);
	if (rootfd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (to_dir(mb, names[i], dir, err) < 0 ||
		    (*dir != '\0' && !selectable_at(rootfd, dir) &&
		     mailboxes_create(mb, names[i], err) < 0 &&
		     err->code != MBOX_ERR_EXISTS)) {
			close(rootfd);
			return -1;
		}
	}
	close(rootfd);
	return ok(err);
}

/* ---- DELETE ------------------------------------------------------- */

/* Moves dir out of sight as Dovecot does, then removes it. A trash
 * directory left by a crash is removed first. */
static int
trash_folder(int rootfd, const char *dir, struct mbox_err *err)
{
	if (renameat(rootfd, dir, rootfd, TRASH_DIR) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			return fail_sys(err, "rename", dir);
		rmtree_at(rootfd, TRASH_DIR, 0);
		if (renameat(rootfd, dir, rootfd, TRASH_DIR) < 0)
			return fail_sys(err, "rename", dir);
	}
	/* The folder is gone for every client now; what cannot be removed
	 * stays hidden as TRASH_DIR until the next DELETE. */
	rmtree_at(rootfd, TRASH_DIR, 0);
	return 0;
}

static int
delete_locked(const struct mailboxes *mb, int rootfd, const char *wire,
	      const char *dir, struct mbox_err *err)
{
	struct stat st;
	int kids, found = fstatat(rootfd, dir, &st, AT_SYMLINK_NOFOLLOW) == 0;

	if (!found && errno != ENOENT)
		return fail_sys(err, "stat", dir);
	/* A symlink is never a folder: refused, not followed. */
	if (!found || !S_ISDIR(st.st_mode))
		return fail(err, MBOX_ERR_NONEXISTENT,
			    "Mailbox doesn't exist: %s", wire);
	if (!selectable_at(rootfd, dir)) {
		/* RFC 3501 6.3.4: a \Noselect name with inferiors may not
		 * be deleted. */
		if (has_children(mb, rootfd, dir, &kids, err) < 0)
			return -1;
		if (kids)
			return fail(err, MBOX_ERR_HASCHILDREN,
				    "Name \"%s\" has inferior hierarchical "
				    "names", wire);
	}
	return trash_folder(rootfd, dir, err);
}

int
mailboxes_delete(const struct mailboxes *mb, const char *wire,
		 struct mbox_err *err)
{
	char dir[NAMES_DIR_MAX + 1], lock[4200];
	int rootfd, ret;

	if (to_dir(mb, wire, dir, err) < 0)
		return -1;
	if (*dir == '\0')
		return fail(err, MBOX_ERR_CANNOT, "INBOX can't be deleted");
	rootfd = open_root(mb, err);
	if (rootfd < 0)
		return -1;
	if (tree_lock(mb, lock, sizeof(lock), err) < 0) {
		close(rootfd);
		return -1;
	}
	ret = delete_locked(mb, rootfd, wire, dir, err);
	dotlock_release(lock);
	close(rootfd);
	return ret < 0 ? -1 : ok(err);
}

/* ---- RENAME ------------------------------------------------------- */

struct rename_plan {
	struct arena *arena;
	int has_self;           /* the source has its own directory */
	char **from, **to;      /* the children */
	size_t n;
};

/* Lists the children of from and their new names; fails, changing
 * nothing, when a new name is invalid or taken. */
static int
plan_rename(const struct mailboxes *mb, int rootfd, const char *from,
	    const char *to, struct rename_plan *p, struct mbox_err *err)
{
	char wire[NAMES_MAX_LEN + 1];
	size_t flen = strlen(from), i;
	struct stat st;

	p->has_self = is_dir_at(rootfd, from);
	if (children_of(mb, rootfd, from, p->arena, &p->from, &p->n, err) < 0)
		return -1;
	if (!p->has_self && p->n == 0)
		return fail(err, MBOX_ERR_NONEXISTENT,
			    "Mailbox doesn't exist");
	if (fstatat(rootfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return fail(err, MBOX_ERR_EXISTS,
			    "Target mailbox already exists");
	p->to = arena_alloc(p->arena, (p->n + 1) * sizeof(*p->to));
	for (i = 0; i < p->n; i++) {
		p->to[i] = arena_printf(p->arena, "%s%s", to, p->from[i] + flen);
		if (strlen(p->to[i]) > NAMES_DIR_MAX ||
		    names_from_dir(&mb->rules, p->to[i], mb->wire_utf8, wire,
				   sizeof(wire)) < 0)
			return fail(err, MBOX_ERR_NAME,
				    "Mailbox name too long");
		if (fstatat(rootfd, p->to[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
			return fail(err, MBOX_ERR_EXISTS,
				    "Target mailbox already exists");
	}
	return 0;
}

static int
move_dir(int rootfd, const char *from, const char *to, struct mbox_err *err)
{
	if (renameat2(rootfd, from, rootfd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST || errno == ENOTEMPTY)
		return fail(err, MBOX_ERR_EXISTS,
			    "Target mailbox already exists");
	if ((errno == EINVAL || errno == ENOSYS) && !is_dir_at(rootfd, to) &&
	    renameat(rootfd, from, rootfd, to) == 0)
		return 0;
	return fail_sys(err, "rename", from);
}

static int
rename_locked(const struct mailboxes *mb, int rootfd, const char *from,
	      const char *to, struct mbox_err *err)
{
	struct rename_plan p = { 0 };
	size_t i;
	int ret = -1;

	p.arena = arena_new(4096);
	if (plan_rename(mb, rootfd, from, to, &p, err) < 0 ||
	    create_parents(mb, rootfd, to, err) < 0)
		goto out;
	if (p.has_self && move_dir(rootfd, from, to, err) < 0)
		goto out;
	for (i = 0; i < p.n; i++)
		if (move_dir(rootfd, p.from[i], p.to[i], err) < 0)
			goto out;
	ret = 0;
out:
	arena_free(&p.arena);
	return ret;
}

/* Copies INBOX's dovecot-keywords into the new folder, so the keyword
 * letters in the moved file names keep their meaning. */
static int
copy_keywords(int rootfd, const char *to, struct mbox_err *err)
{
	char path[NAMES_DIR_MAX + 64], buf[8192];
	int in, out;
	ssize_t n;

	in = openat(rootfd, "dovecot-keywords", O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (in < 0)
		return errno == ENOENT ? 0 : fail_sys(err, "open",
						      "dovecot-keywords");
	snprintf(path, sizeof(path), "%s/dovecot-keywords", to);
	out = openat(rootfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		     O_CLOEXEC, root_mode(rootfd) & 0666);
	if (out < 0) {
		close(in);
		return fail_sys(err, "open", path);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (n < 0 || close(out) < 0)
		return fail_sys(err, "write", path);
	return 0;
}

/* Moves every message file of INBOX's sub/ into to/sub/. A file gone
 * meanwhile (expunged, or moved from new/ to cur/ by a sync: cur/ comes
 * second) is skipped. A crash leaves each message in one folder or the
 * other, never in none. */
static int
move_messages(int rootfd, const char *sub, const char *to,
	      struct mbox_err *err)
{
	char dst[NAMES_DIR_MAX + 8];
	struct dirent *de;
	int sfd, dfd, ret = 0;
	DIR *d;

	snprintf(dst, sizeof(dst), "%s/%s", to, sub);
	dfd = openat(rootfd, dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (dfd < 0)
		return fail_sys(err, "open", dst);
	sfd = openat(rootfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (sfd < 0 || (d = fdopendir(sfd)) == NULL) {
		ret = errno == ENOENT ? 0 : fail_sys(err, "open", sub);
		if (sfd >= 0)
			close(sfd);
		close(dfd);
		return ret;
	}
	while (ret == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
			continue;
		if (renameat2(sfd, de->d_name, dfd, de->d_name,
			      RENAME_NOREPLACE) < 0 && errno != ENOENT)
			ret = fail_sys(err, "rename", de->d_name);
	}
	closedir(d);
	close(dfd);
	return ret;
}

static int
rename_inbox_locked(const struct mailboxes *mb, int rootfd, const char *to,
		    struct mbox_err *err)
{
	struct stat st;

	if (fstatat(rootfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return fail(err, MBOX_ERR_EXISTS,
			    "Target mailbox already exists");
	if (create_parents(mb, rootfd, to, err) < 0 ||
	    create_locked(rootfd, to, err) < 0 ||
	    copy_keywords(rootfd, to, err) < 0 ||
	    move_messages(rootfd, "new", to, err) < 0 ||
	    move_messages(rootfd, "cur", to, err) < 0)
		return -1;
	return 0;
}

int
mailboxes_rename(const struct mailboxes *mb, const char *from,
		 const char *to, struct mbox_err *err)
{
	char fdir[NAMES_DIR_MAX + 1], tdir[NAMES_DIR_MAX + 1], lock[4200];
	size_t flen;
	int rootfd, ret;

	if (to_dir(mb, from, fdir, err) < 0 || to_dir(mb, to, tdir, err) < 0)
		return -1;
	if (*tdir == '\0' || strcmp(fdir, tdir) == 0)
		return fail(err, MBOX_ERR_EXISTS,
			    "Target mailbox already exists");
	flen = strlen(fdir);
	if (flen > 0 && strncmp(tdir, fdir, flen) == 0 && tdir[flen] == '.')
		return fail(err, MBOX_ERR_CANNOT,
			    "Can't rename mailbox under its own child");
	rootfd = open_root(mb, err);
	if (rootfd < 0)
		return -1;
	if (tree_lock(mb, lock, sizeof(lock), err) < 0) {
		close(rootfd);
		return -1;
	}
	if (flen == 0)
		ret = rename_inbox_locked(mb, rootfd, tdir, err);
	else
		ret = rename_locked(mb, rootfd, fdir, tdir, err);
	dotlock_release(lock);
	close(rootfd);
	return ret < 0 ? -1 : ok(err);
}
