/* include/store/keywords.h — IMAP keywords ($Forwarded, $Junk, NonJunk,
 * ...) for a Maildir folder, in Dovecot's dovecot-keywords file: lines
 * "<index> <name>", index 0-25 standing for the letters a-z in file
 * names. Courier's courierimapkeywords/ directory is imported when there
 * is no dovecot-keywords file. */
#ifndef SKUA_STORE_KEYWORDS_H
#define SKUA_STORE_KEYWORDS_H

#include <stddef.h>
#include <stdint.h>

#define KEYWORDS_MAX 26
#define KEYWORD_MAX_LEN 128

struct keywords;

/* Reads dir/dovecot-keywords (missing means none). Returns 0 or -1 with
 * *err_r. Malformed lines are skipped, as Dovecot skips them. When the
 * file is missing and dir/courierimapkeywords/ exists, Courier's names
 * are imported and dovecot-keywords is written (under the uidlist
 * dot-lock; a folder that cannot be written keeps them in memory). */
int  keywords_open(const char *dir, struct keywords **kw_r,
		   const char **err_r);
/* Rereads the file if it changed (inode, size or mtime). Returns 1 if it
 * did, 0 if not, -1 with *err_r. */
int  keywords_refresh(struct keywords *kw, const char **err_r);
/* Index of a keyword (case-insensitive, RFC 3501 2.3.2), or -1. */
int  keywords_index(const struct keywords *kw, const char *name);
/* Name at index, or NULL. A letter in a file name without a name here
 * is one Dovecot would call "unknown-<index>" and add to the file. */
const char *keywords_name(const struct keywords *kw, int index);
/* Index of a keyword, adding it when new: takes the uidlist dot-lock
 * (dir/dovecot-uidlist.lock, through dotlock_take), rereads the file so
 * that a letter another process gave out is not given twice, and writes
 * the file as Dovecot does (dovecot-keywords.lock, fsync, rename). Do not
 * call it while holding that lock. Returns -1 with *err_r when all 26
 * letters are taken, the name is not an atom (RFC 3501 9, flag-keyword)
 * or longer than KEYWORD_MAX_LEN, or the file cannot be written. */
int  keywords_add(struct keywords *kw, const char *name, const char **err_r);
/* keywords_add's failures beside -1: no letter left, no disk space for
 * the file (ENOSPC, EDQUOT), and the lock held by another process for
 * the whole timeout. */
#define KEYWORDS_FULL    -2
#define KEYWORDS_NOSPACE -3
#define KEYWORDS_INUSE   -4
void keywords_free(struct keywords **kw);

/* The keywords Courier gave each message, for a folder being imported:
 * from courierimapkeywords/:list and the per-message files that override
 * it. keywords holds bits for the letters of kw (keywords_open imported
 * the names); names kw does not hold (past 26) are left out. base is the
 * file name before ':'. Messages may no longer exist. Returns 0 with a
 * malloc'd array (free with keywords_courier_free), or -1 with *err_r. */
struct keywords_courier_msg {
	char *base;
	uint32_t keywords;
};
int  keywords_courier_messages(const struct keywords *kw,
			       struct keywords_courier_msg **msgs_r,
			       size_t *count_r, const char **err_r);
void keywords_courier_free(struct keywords_courier_msg **msgs, size_t count);

#endif
