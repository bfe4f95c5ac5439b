/* include/store/watch.h — change notification for many folders of one
 * Maildir at once, for NOTIFY (RFC 5465): one inotify descriptor that
 * watches the Maildir root (folders created, deleted or renamed, and the
 * subscriptions file replaced) and the new/ and cur/ of each folder in a
 * set the caller chooses.
 *
 * The set is bounded: each folder costs two inotify watches, which the
 * kernel counts per user (fs.inotify.max_user_watches), so a set larger
 * than max_folders given to watch_new, or one the kernel refuses, is
 * refused as a whole with WATCH_OVERFLOW and the old set stays.
 *
 * What is reported is a hint, not an account: the caller rereads what it
 * cares about and compares. A lost event queue (IN_Q_OVERFLOW) marks
 * everything changed. */
#ifndef SKUA_STORE_WATCH_H
#define SKUA_STORE_WATCH_H

#include <stddef.h>

struct watch;                           /* opaque */

#define WATCH_OVERFLOW -2

/* What watch_read found, besides the folders it marked. */
#define WATCH_TREE 0x01         /* an entry ".X" of the root came or went */
#define WATCH_SUBS 0x02         /* a subscriptions file was replaced */

/* Starts watching root, the Maildir with INBOX. Returns NULL when inotify
 * is not available (or the kernel's instance limit is reached). */
struct watch *watch_new(const char *root, size_t max_folders);
/* The descriptor to poll: readable when something happened. */
int  watch_fd(const struct watch *w);
/* Replaces the set of watched folders by dirs ("" for INBOX, ".A.B");
 * folder i of the set is dirs[i]. Returns 0, WATCH_OVERFLOW (more than
 * max_folders, or the kernel has no watches left; the old set stays), or
 * -1 for another error (errno set; the old set stays). */
int  watch_set_folders(struct watch *w, const char *const *dirs, size_t n);
/* Reads every queued event without blocking. Returns WATCH_* bits, and
 * marks the folders whose new/ or cur/ changed. */
unsigned watch_read(struct watch *w);
/* 1 while a process holds the tree's lock ("mailboxes.lock",
 * store/mailboxes.h) and has not left it for DOTLOCK_STALE_SECS: a
 * RENAME moves a folder and its children one by one, so the tree may be
 * half changed. Its release is reported by watch_read as WATCH_TREE. */
int  watch_tree_busy(const struct watch *w);
/* 1 when folder i was marked since the last call for it; clears it. */
int  watch_take(struct watch *w, size_t i);
void watch_free(struct watch **w);      /* sets *w to NULL */

#endif
