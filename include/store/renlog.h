/* include/store/renlog.h — the renames this process made in one directory,
 * in the order it made them, so that their inotify events can be told
 * from everyone else's (the watch of src/store/folder.c).
 *
 * The kernel queues the events of one inotify descriptor in the order
 * the changes happened, and a rename within one directory queues its
 * IN_MOVED_FROM and IN_MOVED_TO back to back. So the events of our own
 * renames come back in the order of the log: each event is compared
 * with the next one expected, byte for byte, and no search or hash is
 * needed however long the log. An event that is not the next expected
 * one is someone else's (or ours out of order, which is treated the
 * same: the caller then scans the directory, which is always right). */
#ifndef SKUA_STORE_RENLOG_H
#define SKUA_STORE_RENLOG_H

#include <stddef.h>

struct renlog;

struct renlog *renlog_new(void);
/* Notes a rename from -> to just made. Returns 0, or -1 when a name is
 * empty or longer than 255 bytes (not noted: its events will not
 * match). */
int    renlog_push(struct renlog *l, const char *from, const char *to);
/* Takes one rename event of the directory: is_to 0 for IN_MOVED_FROM, 1
 * for IN_MOVED_TO; name is the event's name, len bytes (inotify pads it
 * with NULs: they are not counted). Returns 1 when it is the next event
 * the log expects (it is then consumed), else 0 and the log is left as
 * it was. */
int    renlog_match(struct renlog *l, int is_to, const char *name,
		    size_t len);
/* The renames of the log at least one of whose events has not come
 * back yet. */
size_t renlog_pending(const struct renlog *l);
/* Forgets every rename (after a scan, or once an event did not match). */
void   renlog_clear(struct renlog *l);
void   renlog_free(struct renlog **l);        /* sets *l to NULL */

#endif
