/* include/store/filename.h — Maildir file names (maildir.txt, and what
 * Dovecot and Courier add to them).
 *
 *     1733155200.M20511P4242Q3.host,S=2041,W=2093:2,FRSab
 *     \__________ base name _________________/  \ info /
 *
 * The base names the message for good; the info after ":2," carries the
 * flags, as the letters D F P R S T in ASCII order (D \Draft, F
 * \Flagged, P passed: resent or forwarded, R \Answered, S \Seen, T
 * \Deleted), then keywords as the letters a-z, whose meaning
 * dovecot-keywords gives. ",S=<size>" is the size on disk and ",W=<vsize>"
 * the size with CRLF line ends (RFC822.SIZE), where Dovecot or Courier put
 * them. Unknown info letters are kept. */
#ifndef SKUA_STORE_FILENAME_H
#define SKUA_STORE_FILENAME_H

#include <stddef.h>
#include <stdint.h>

#define FILENAME_MAX_LEN 255

/* Flags, as bits. */
#define MF_DRAFT    0x01        /* D */
#define MF_FLAGGED  0x02        /* F */
#define MF_PASSED   0x04        /* P: forwarded, Dovecot's $Forwarded */
#define MF_ANSWERED 0x08        /* R: replied */
#define MF_SEEN     0x10        /* S */
#define MF_DELETED  0x20        /* T: trashed */

struct mfilename {
	size_t base_len;        /* bytes of the base name */
	unsigned flags;         /* MF_* */
	uint32_t keywords;      /* bit i: letter 'a' + i */
	int64_t size;           /* ,S=; -1 when absent */
	int64_t vsize;          /* ,W=; -1 when absent */
	int has_info;           /* ":2," present */
	char unknown[32];       /* info letters we do not know, in order */
};

/* Parses a file name. Never fails: a name without info has has_info 0. */
void mfilename_parse(const char *name, struct mfilename *m);
/* Writes base + ":2," + flags + keywords + unknown letters, in the order
 * Maildir wants (ASCII). Returns the length, or -1 if it does not fit. */
int  mfilename_build(const char *base, size_t base_len, unsigned flags,
		     uint32_t keywords, const char *unknown, char *out,
		     size_t out_size);
/* Makes a new unique base name (maildir.txt "Unique names", Dovecot's
 * form: <secs>.M<usecs>P<pid>Q<n>.<host>) with ,S= and ,W= appended. */
int  mfilename_new_base(int64_t size, int64_t vsize, char *out,
			size_t out_size);

#endif
