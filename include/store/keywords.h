/* include/store/keywords.h — IMAP keywords ($Forwarded, $Junk, NonJunk,
 * ...) for a Maildir folder, in Dovecot's dovecot-keywords file: lines
 * "<index> <name>", index 0-25 standing for the letters a-z in file
 * names. Courier's courierimapkeywords/ directory is imported when there
 * is no dovecot-keywords file. */
#ifndef SKUA_STORE_KEYWORDS_H
#define SKUA_STORE_KEYWORDS_H

#include <stddef.h>

#define KEYWORDS_MAX 26
#define KEYWORD_MAX_LEN 128

struct keywords;

/* Reads dir/dovecot-keywords (missing means none). Returns 0 or -1 with
 * *err_r. Malformed lines are skipped. */
int  keywords_open(const char *dir, struct keywords **kw_r,
		   const char **err_r);
/* Index of a keyword (case-insensitive, RFC 3501 2.3.2), or -1. */
int  keywords_index(const struct keywords *kw, const char *name);
/* Name at index, or NULL. */
const char *keywords_name(const struct keywords *kw, int index);
/* Index of a keyword, adding it (and rewriting the file atomically under
 * the uidlist dot-lock's rules) when new. Returns -1 with *err_r when all
 * 26 letters are taken or the name is not a valid atom. */
int  keywords_add(struct keywords *kw, const char *name, const char **err_r);
void keywords_free(struct keywords **kw);

#endif
