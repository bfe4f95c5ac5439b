/* include/store/mailboxes.h — the folder tree of one user's Maildir++
 * (DESIGN.md, "Storage"): listing with LIST patterns and attributes,
 * CREATE, DELETE and RENAME (RFC 3501 6.3.3-6.3.5, 6.3.8), and the
 * special-use folders made at first login (RFC 6154).
 *
 * Every wire name goes through names_to_dir (store/names.h) before it
 * touches the disk; every directory listed goes through names_from_dir,
 * so what is listed can be opened and nothing else is. Changes to the
 * tree take the dot-lock "mailboxes.lock" in the Maildir root, the lock
 * Dovecot 2.3 takes for the same changes. See src/store/mailboxes.c. */
#ifndef SKUA_STORE_MAILBOXES_H
#define SKUA_STORE_MAILBOXES_H

#include <stddef.h>

#include "store/names.h"

/* Mailbox attributes (RFC 3501 7.2.2, RFC 3348, RFC 6154). */
enum mbox_attr {
	MBOX_NOSELECT      = 1 << 0,    /* a level only, or no cur/ */
	MBOX_HASCHILDREN   = 1 << 1,
	MBOX_HASNOCHILDREN = 1 << 2,
	MBOX_MARKED        = 1 << 3,    /* new/ holds mail */
	MBOX_UNMARKED      = 1 << 4,
	MBOX_DRAFTS        = 1 << 5,
	MBOX_SENT          = 1 << 6,
	MBOX_TRASH         = 1 << 7,
	MBOX_JUNK          = 1 << 8,
	MBOX_ARCHIVE       = 1 << 9,
	MBOX_NONEXISTENT   = 1 << 10,   /* with MBOX_NOSELECT: a level only,
					 * without a directory (RFC 5258) */
	MBOX_ALL           = 1 << 11,
	MBOX_FLAGGED       = 1 << 12,
};
#define MBOX_SPECIAL_USE (MBOX_DRAFTS | MBOX_SENT | MBOX_TRASH | MBOX_JUNK | \
			  MBOX_ARCHIVE | MBOX_ALL | MBOX_FLAGGED)

/* A special-use folder: its wire name and its one MBOX_DRAFTS... bit. */
struct mbox_special {
	const char *name;
	unsigned attr;
};

/* Drafts, Sent, Trash, Junk, Archive, as names in the default namespace
 * (prefix "", separator "/"). */
extern const struct mbox_special mbox_special_default[];
#define MBOX_SPECIAL_DEFAULT_N 5

/* One user's folder tree: filled in by the caller, read only here. */
struct mailboxes {
	const char *root;               /* the Maildir, INBOX */
	struct name_rules rules;        /* namespace: prefix, separator */
	int wire_utf8;                  /* names on the wire in UTF-8 */
	const struct mbox_special *special;     /* attributes for LIST */
	size_t nspecial;
};

/* Why an operation failed, for the response code of the NO. */
enum mbox_code {
	MBOX_OK = 0,
	MBOX_ERR_NAME,          /* invalid name; text says why */
	MBOX_ERR_EXISTS,        /* [ALREADYEXISTS] (RFC 5530) */
	MBOX_ERR_NONEXISTENT,   /* [NONEXISTENT] */
	MBOX_ERR_CANNOT,        /* [CANNOT]: INBOX, own child */
	MBOX_ERR_HASCHILDREN,   /* [HASCHILDREN] (RFC 9051 7.1) */
	MBOX_ERR_INUSE,         /* [INUSE]: the tree lock is held */
	MBOX_ERR_SERVER,        /* [SERVERBUG]: I/O error, in text */
};

struct mbox_err {
	enum mbox_code code;
	char text[512];         /* a sentence for the NO; paths relative
				 * to the Maildir, with the errno text */
};

struct mbox_entry {
	const char *name;       /* wire name */
	const char *dir;        /* "" for INBOX, else ".A.B" */
	unsigned attrs;         /* MBOX_* */
};

struct mbox_list;                       /* opaque */

/* Flags for mailboxes_list. */
#define MBOX_LIST_MARKED 1      /* look into new/: \Marked or \Unmarked */

/* Lists the folders whose wire names match ref + pattern (RFC 3501
 * 6.3.8, store/pattern.h), INBOX first, the rest sorted with the
 * separator before any other character (a folder right before its
 * children). Levels that exist only as parents of folders are listed with
 * \Noselect, as is a directory without cur/. Each entry has exactly one
 * of \HasChildren and \HasNoChildren. Costs one readdir of the root and,
 * per folder listed, one stat (and one readdir of new/ with
 * MBOX_LIST_MARKED). Returns 0, or -1 with *err. */
int  mailboxes_list(const struct mailboxes *mb, const char *ref,
		    const char *pattern, unsigned flags,
		    struct mbox_list **list_r, struct mbox_err *err);
const struct mbox_entry *mbox_list_entries(const struct mbox_list *l,
					   size_t *n_r);
void mbox_list_free(struct mbox_list **l);      /* sets *l to NULL */

/* Finds one folder: its directory ("" for INBOX) into dir (of
 * NAMES_DIR_MAX + 1 bytes) and its attributes, \Noselect included for a
 * level that exists only as a parent. Returns 0, or -1 with *err
 * (MBOX_ERR_NONEXISTENT when there is no such name at all). */
int  mailboxes_lookup(const struct mailboxes *mb, const char *wire,
		      char *dir, size_t dir_size, unsigned *attrs_r,
		      struct mbox_err *err);

/* CREATE (RFC 3501 6.3.3): one trailing separator is dropped; missing
 * parents are created as folders too. The folder (cur/ new/ tmp/ and an
 * empty maildirfolder) is built under INBOX's tmp/ and renamed into place,
 * so no half-made folder is ever seen. A directory without cur/ (a
 * \Noselect level) is completed into a folder. Errors: MBOX_ERR_EXISTS
 * for INBOX and existing folders, MBOX_ERR_NAME, MBOX_ERR_INUSE,
 * MBOX_ERR_SERVER. Returns 0 or -1. */
int  mailboxes_create(const struct mailboxes *mb, const char *wire,
		      struct mbox_err *err);

/* DELETE (RFC 3501 6.3.4), as Dovecot 2.3 does for Maildir++: the
 * folder's directory, messages and all, is renamed to "..DOVECOT-TRASHED"
 * and removed without following symlinks; its children stay, so the name
 * remains as a \Noselect level. Errors: MBOX_ERR_CANNOT for INBOX,
 * MBOX_ERR_HASCHILDREN for a \Noselect directory with children,
 * MBOX_ERR_NONEXISTENT (also for a level without its own directory, and
 * for a symlink), others as for create. Returns 0 or -1. */
int  mailboxes_delete(const struct mailboxes *mb, const char *wire,
		      struct mbox_err *err);

/* RENAME (RFC 3501 6.3.5): the folder and all its children move
 * (".A" -> ".B", ".A.x" -> ".B.x"); a level with children only moves its
 * children. Missing parents of the target are created as folders. Fails
 * before changing anything when the target or any child's target exists
 * (MBOX_ERR_EXISTS), when the target lies under the source
 * (MBOX_ERR_CANNOT) or a new name would be too long (MBOX_ERR_NAME).
 * Renaming INBOX creates the target and moves every message file of
 * INBOX's new/ and cur/ into it (with dovecot-keywords, so keywords keep
 * their letters); INBOX stays, empty, with its children (RFC 3501 6.3.5).
 * Returns 0 or -1. */
int  mailboxes_rename(const struct mailboxes *mb, const char *from,
		      const char *to, struct mbox_err *err);

/* Creates those of the n folders (wire names) that do not exist yet, for
 * the special-use folders at first login. One stat per name when all
 * exist. Returns 0, or -1 with *err for the first that failed. */
int  mailboxes_create_missing(const struct mailboxes *mb,
			      const char *const *names, size_t n,
			      struct mbox_err *err);

#endif
