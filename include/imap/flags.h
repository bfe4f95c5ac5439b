/* include/imap/flags.h — message flags on the wire (RFC 3501 2.3.2):
 * system flags \Seen \Answered \Flagged \Deleted \Draft (\Recent is
 * read-only) and keywords, mapped to the store's MF_* bits and keyword
 * letters of the selected folder. */
#ifndef SKUA_IMAP_FLAGS_H
#define SKUA_IMAP_FLAGS_H

#include <stdint.h>

#include "imap/command.h"
#include "imap/parser.h"
#include "store/keywords.h"
#include "util/stream.h"

/* Reads a flag list (an ARG_LIST of atoms, or one atom) into MF_* bits
 * and keyword bits, adding unknown keywords to kw when add_keywords is
 * set (STORE, APPEND). \Recent is refused, as is any other \Flag.
 * Returns 0, or FLAGS_BAD with *err_r fit for BAD; another FLAGS_* with
 * *err_r when a new keyword cannot be added. */
#define FLAGS_BAD     -1
#define FLAGS_FULL    -2        /* all 26 letters in use: NO [LIMIT] */
#define FLAGS_NOSPACE -3        /* disk full: NO [OVERQUOTA] */
#define FLAGS_FAILED  -4        /* I/O error: NO [SERVERBUG] */
#define FLAGS_INUSE   -5        /* the lock is busy: NO [INUSE] */
int  flags_parse(const struct arg *a, struct keywords *kw, int add_keywords,
		 unsigned *flags_r, uint32_t *keywords_r, const char **err_r);
/* Answers the command for flags_parse's failure r (and logs what the
 * client is not told). */
void flags_refuse(struct session *s, const struct command *cmd, int r,
		  const char *err, const char *mailbox);
/* Writes "(\Flagged \Seen \Recent $Forwarded)": system flags, then
 * \Recent when set, then keywords, in Dovecot's order. */
void flags_write(struct stream *out, unsigned flags, uint32_t keywords,
		 int recent, const struct keywords *kw);
/* Writes the FLAGS list of a folder: system flags and its keywords. */
void flags_write_defined(struct stream *out, const struct keywords *kw);

#endif
