/* include/store/folder.h — one Maildir folder as a list of messages with
 * UIDs, and the changes made to it: the store's view of a mailbox.
 *
 * The store speaks UIDs only; sequence numbers belong to the imap layer's
 * view. A sync rescans new/ and cur/ (cheaply skipped when nothing
 * changed), moves new mail to cur/, gives UIDs to unknown files through
 * dovecot-uidlist, and reports what changed since the last sync: new
 * UIDs, UIDs whose files are gone, and UIDs whose flags changed, so the
 * session can tell its client (RFC 3501 5.2, 7.4.1).
 *
 * Others (sessions, an MDA, Dovecot) change the folder at the same time.
 * A file renamed or removed between readdir and use is normal: every
 * operation that finds a file gone rescans once and then reports the
 * message as expunged, never as an error. */
#ifndef SKUA_STORE_FOLDER_H
#define SKUA_STORE_FOLDER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* One per message for as long as the folder is open, so 24 bytes:
 * sizes take 48 bits (a name that claims more than 2^47 - 1 bytes
 * counts as unknown, -1), flags and \Recent a byte each, and the file
 * name is not kept (folder_msg_name). */
struct store_msg {
	uint32_t uid;
	uint32_t keywords;      /* bit i: keyword index i */
	int64_t vsize : 48;     /* ,W= when known, else -1 */
	unsigned flags : 8;     /* MF_* of store/filename.h */
	unsigned recent : 8;    /* \Recent in this session (RFC 3501 2.3.2) */
	int64_t size : 48;      /* ,S= when known, else -1 */
	unsigned named : 1;     /* the store's: see folder_msg_name */
};
/* The largest size a store_msg holds. */
#define STORE_MSG_SIZE_MAX ((INT64_C(1) << 47) - 1)
/* Room for a file name (store/filename.h FILENAME_MAX_LEN + 1). */
#define FOLDER_NAME_SIZE 256

struct folder_changes {
	uint32_t *added;        /* new UIDs, increasing */
	size_t nadded;
	uint32_t *expunged;     /* UIDs whose messages are gone */
	size_t nexpunged;
	uint32_t *flagged;      /* UIDs whose flags or keywords changed */
	size_t nflagged;
};

struct folder;

/* Opens the folder in dir (root is the Maildir with INBOX, for the
 * UIDVALIDITY counter) and syncs it once. flags:
 * - FOLDER_READONLY (EXAMINE, STATUS): the session counts \Recent
 *   messages but does not claim them (skua.recent), so the next
 *   read-write session still sees them as recent; new mail still moves
 *   to cur/ and gets its UIDs, as with Dovecot, which is bookkeeping,
 *   not a change to the mailbox.
 * - FOLDER_TRACK, for a folder that stays open (the selected one): an
 *   inotify watch on new/ and cur/, armed before the open looks at them
 *   and kept until the close, so that a sync after which nothing
 *   changed there but this process's own flag renames skips the scan of
 *   cur/, also within the seconds after a change where the mtime test
 *   cannot (src/store/folder.c). Where inotify is not available, or on
 *   a file system whose remote changes send no event, syncs stay as
 *   they would be without.
 * Returns 0, FOLDER_OVERQUOTA when the disk is too full to write the
 * folder's files, or -1 with *err_r. */
#define FOLDER_READONLY 1
#define FOLDER_TRACK 2
int  folder_open(const char *root, const char *dir, int flags,
		 struct folder **f_r, const char **err_r);
/* Opens the folder only to add messages to it (the destination of
 * APPEND, COPY, MOVE): reads its uidlist, but neither scans cur/ nor
 * opens skua.index, so that appending to a big folder costs the same as
 * to a small one. The message list stays empty until a folder_sync,
 * which works as after folder_open (readonly as to \Recent). Files
 * others left without a UID get theirs at the next sync by anyone.
 * Returns as folder_open. */
int  folder_open_dest(const char *root, const char *dir,
		      struct folder **f_r, const char **err_r);
#define FOLDER_RESET -2
#define FOLDER_OVERQUOTA -3     /* the Maildir++ quota would be exceeded */
/* dovecot-uidlist.lock stayed taken by another process for the whole
 * lock timeout (store/dotlock.h): nothing was changed, try again later
 * (RFC 5530 INUSE). folder_open, folder_sync, folder_append_commit,
 * folder_copy and folder_move return it; *err_r then says which lock,
 * for the log. */
#define FOLDER_INUSE -4

/* Brings the list up to date. Fills *ch (may be NULL; its arrays are
 * valid until the next sync). Returns 0, -1 with *err_r, or FOLDER_RESET
 * when another writer gave the folder a new UIDVALIDITY: every UID the
 * session knows is void and the folder must be opened again (RFC 3501
 * 2.3.1.1). An error after the list changed still fills *ch (a caller
 * that zeroes it first can tell): it says how the list changed. */
int  folder_sync(struct folder *f, struct folder_changes *ch,
		 const char **err_r);

uint32_t folder_uidvalidity(const struct folder *f);
uint32_t folder_uidnext(const struct folder *f);
/* The folder's directory, as given to folder_open. */
const char *folder_dir(const struct folder *f);
/* The mailbox GUID that dovecot-uidlist's header keeps (32 hex digits):
 * made with the file, so kept by RENAME and new after DELETE and CREATE
 * or a new UIDVALIDITY; the MAILBOXID of RFC 8474 4. A list that has
 * none yet (imported, or written by an old writer) is given one now.
 * Returns it, or NULL with *err_r. */
const char *folder_mailbox_guid(struct folder *f, const char **err_r);
/* MODSEQs (RFC 7162), from skua.index: the highest given in this folder,
 * and that of one message (0 if unknown). */
uint64_t folder_highestmodseq(const struct folder *f);
uint64_t folder_modseq(const struct folder *f, uint32_t uid);
/* The UIDs expunged after modseq, in a malloc'ed array. Returns 1 when
 * the record reaches back that far, 0 when the caller must fall back to
 * comparing UID sets (RFC 7162 3.2.5.2). */
int  folder_expunged_since(const struct folder *f, uint64_t modseq,
			   uint32_t **uids_r, size_t *n_r);
/* Holds skua.index's lock from a check of MODSEQs to the change made on
 * its strength, for a conditional STORE (RFC 7162 3.1.3): no other skua
 * process numbers a change meanwhile. Syncs and flag changes may run
 * inside; calls nest. Returns 0, or -1 with *err_r. */
int  folder_modseq_lock(struct folder *f, const char **err_r);
void folder_modseq_unlock(struct folder *f);
/* The messages in UID order, as of the last sync. */
const struct store_msg *folder_msgs(const struct folder *f, size_t *n_r);
/* How many of them have \Recent in this session, without reading
 * them. */
size_t folder_recent_count(const struct folder *f);
/* The position in folder_msgs of the first message whose UID is at
 * least uid (their count when none): a step or two for a list with few
 * gaps in its UIDs, O(log n) at worst. */
size_t folder_msg_index(const struct folder *f, uint32_t uid);
/* The message with uid, or NULL. O(log n). */
const struct store_msg *folder_msg(const struct folder *f, uint32_t uid);
/* The current file name in cur/ of m (one of f's messages), as of the
 * last sync or change: the base name from the uidlist with the info
 * its flags and keywords make (":2,FS..."), or, for the few messages
 * whose name is not that (m->named), a copy the folder keeps. Returns
 * buf (of size bytes, FOLDER_NAME_SIZE will do) or the folder's copy,
 * valid until the next sync or change of m; NULL when the uidlist no
 * longer knows the message (expunged). */
const char *folder_msg_name(struct folder *f, const struct store_msg *m,
			    char *buf, size_t size);
/* m's base name (its file name up to the first ':', which no flag
 * change alters): *len_r bytes at the pointer returned, a string that
 * may go on past them; valid as folder_msg_name's. NULL when the
 * uidlist no longer knows the message. Cheaper than the name: nothing
 * is built. */
const char *folder_msg_base(struct folder *f, const struct store_msg *m,
			    size_t *len_r);
/* Bytes the folder keeps for its messages (their list and the names it
 * must keep), for the memory figures and their test. */
size_t folder_bytes(const struct folder *f);

/* Opens the message file read-only (O_NOFOLLOW). Returns the descriptor,
 * or -1: with *gone_r set when the message was expunged meanwhile, or
 * with *err_r. */
int  folder_msg_open(struct folder *f, uint32_t uid, int *gone_r,
		     const char **err_r);
/* The internal date (the file's mtime, as Dovecot and Courier keep it). */
int  folder_msg_date(struct folder *f, uint32_t uid, time_t *t_r);

/* Changes the flags and keywords of uid by renaming its file: the bits
 * of del_* go, then those of add_* come. The change applies to the name
 * the file has at that moment: when another process renamed it since
 * the last sync, the name is looked up again and its flags kept, so two
 * sessions' +FLAGS both survive. The entry is updated in place. Returns
 * 0, 1 when the message is gone, or -1 with *err_r. */
int  folder_change_flags(struct folder *f, uint32_t uid, unsigned add_flags,
			 unsigned del_flags, uint32_t add_keywords,
			 uint32_t del_keywords, const char **err_r);
/* Sets flags and keywords of uid outright (folder_change_flags deleting
 * everything). */
int  folder_set_flags(struct folder *f, uint32_t uid, unsigned flags,
		      uint32_t keywords, const char **err_r);
/* A batch of flag changes (STORE 1:*): between begin and end,
 * folder_change_flags renames each file at once but records the new
 * MODSEQs in skua.index in one write at the end, instead of one locked
 * append per message. Meanwhile folder_modseq of a changed message is
 * stale, so a caller that reports MODSEQs per message (CONDSTORE) must
 * not batch. A sync inside the batch ends it first. end returns 0, or
 * -1 with *err_r (the renames stand; the next sync numbers them). */
void folder_flags_batch_begin(struct folder *f);
int  folder_flags_batch_end(struct folder *f, const char **err_r);

/* Removes the message's file and takes its size off the quota. Returns
 * 0 (also when it was already gone) or -1 with *err_r. The UID leaves
 * the list at the next sync. */
int  folder_expunge(struct folder *f, uint32_t uid, const char **err_r);

/* Appending: begin gives a descriptor of a new file in tmp/ to write the
 * message into; commit fsyncs it, sets its mtime to date, moves it into
 * cur/ with its flags and returns its UID; abort removes it. Commit
 * returns FOLDER_OVERQUOTA, with the message removed, when it would
 * exceed the quota; begin, commit, folder_copy and folder_move return it
 * too when the disk or the file system quota is full (ENOSPC, EDQUOT). */
struct folder_append;
int  folder_append_begin(struct folder *f, struct folder_append **a_r,
			 int *fd_r, const char **err_r);
int  folder_append_commit(struct folder_append **a, unsigned flags,
			  uint32_t keywords, time_t date, uint32_t *uid_r,
			  const char **err_r);
void folder_append_abort(struct folder_append **a);
/* Like folder_append_begin, for a message already written whole into
 * an unnamed file (O_TMPFILE) on the same file system: the commit links
 * that very file into cur/ instead of copying its bytes into a new one,
 * so one APPEND creates one inode. fd stays the caller's. When the file
 * cannot be linked (no O_TMPFILE, another file system), the commit
 * copies it into tmp/ first, as folder_append_begin would have. */
int  folder_append_adopt(struct folder *f, int fd, struct folder_append **a_r,
			 const char **err_r);
/* Commit in two halves, so that a run of appends shares the syncs that
 * cover the whole folder (group commit). stage fsyncs the file, sets its
 * mtime, links it into cur/ and counts it in maildirsize as commit
 * does, but it has no UID yet. settle makes every staged message
 * durable at once: one fsync of cur/, one uidlist update (one lock, one
 * write, one fdatasync), and fills uids (room for folder_append_staged's
 * count) in staging order.
 * Nobody may be told of a message before it is settled. settle returns
 * 0, FOLDER_INUSE or -1 with *err_r; on FOLDER_INUSE and a failed fsync
 * the messages are out of cur/ again. A kill in between leaves them in
 * cur/ without a UID: the next sync numbers them, as any delivery.
 * commit is stage and settle of one message, on a folder with none
 * staged. */
int  folder_append_stage(struct folder_append **a, unsigned flags,
			 uint32_t keywords, time_t date, const char **err_r);
int  folder_append_settle(struct folder *f, uint32_t *uids,
			  const char **err_r);
size_t folder_append_staged(const struct folder *f);

/* Copies message uid of src into dst with the given flags and keywords
 * (keywords as dst's letters: the caller maps names), as a hard link
 * where possible, else as a copy of the bytes. Returns 0 with *uid_r,
 * 1 when the message is gone, FOLDER_OVERQUOTA, or -1 with *err_r. */
int  folder_copy(struct folder *src, uint32_t uid, struct folder *dst,
		 unsigned flags, uint32_t keywords, uint32_t *uid_r,
		 const char **err_r);
/* Moves message uid of src into dst (RFC 6851) with the given flags and
 * keywords (dst's letters), by one rename, so that at every moment the
 * message is in exactly one of the two folders; across file systems, a
 * copy and an expunge. The UID leaves src's list at its next sync.
 * Returns 0 with *uid_r, 1 when the message is gone, FOLDER_OVERQUOTA,
 * or -1 with *err_r (the message then stays in src). */
int  folder_move(struct folder *src, uint32_t uid, struct folder *dst,
		 unsigned flags, uint32_t keywords, uint32_t *uid_r,
		 const char **err_r);

/* A descriptor that becomes readable when new/ or cur/ change (inotify),
 * for IDLE to wait on; -1 where inotify is not available (then poll with
 * folder_sync). folder_watch_drain empties it before the next wait. */
int  folder_watch(struct folder *f);
void folder_watch_drain(struct folder *f);
void folder_close(struct folder **f);

#endif
