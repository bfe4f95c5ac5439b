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
 * them. Unknown info letters are kept.
 *
 * Dovecot 2.3 writes (observed with 2.3.19):
 *     1795617671.M294119P26724.vm,S=3,W=4:2,Sabc
 * and does not know 'P': it stores $Forwarded as a keyword letter and
 * keeps a 'P' it finds as an unknown letter. */
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
#define MF_ALL      0x3f        /* the flags a name can carry */
#define MF_KEYWORDS 0x3ffffffu  /* the keywords it can carry: a-z */

struct mfilename {
	size_t base_len;        /* bytes of the base name */
	unsigned flags;         /* MF_* */
	uint32_t keywords;      /* bit i: letter 'a' + i */
	int64_t size;           /* ,S=; -1 when absent */
	int64_t vsize;          /* ,W=; -1 when absent */
	int has_info;           /* ":2," present */
	char unknown[32];       /* info letters we do not know, in order */
};

/* Parses a file name. Never fails: a name without ":2," info (none at
 * all, or ":1," experimental info) has has_info 0 and no flags. The base
 * ends at the first ':'; the info starts at the last one. Letters that
 * do not fit in unknown are dropped here but kept by mfilename_set_flags.
 * size and vsize come from the first ",S=" and ",W=" anywhere in the
 * name, as Dovecot reads them. */
void mfilename_parse(const char *name, struct mfilename *m);
/* Writes base + ":2," + flags + keywords, merged into the letters of
 * unknown as Dovecot merges them (ASCII order when unknown is sorted);
 * anything in unknown from a ',' on is Dovecot's "non-standard fields"
 * and is copied verbatim. Returns the length, or -1 (out set to "") if
 * it does not fit in out_size or in FILENAME_MAX_LEN. */
int  mfilename_build(const char *base, size_t base_len, unsigned flags,
		     uint32_t keywords, const char *unknown, char *out,
		     size_t out_size);
/* The name with its flags and keywords replaced: everything before the
 * last ':' is kept, and so are the old info's unknown letters and
 * ",..." fields; ":1," info is replaced. What a flag change renames a
 * file to. Returns the length, or -1 as mfilename_build. */
int  mfilename_set_flags(const char *name, unsigned flags, uint32_t keywords,
			 char *out, size_t out_size);
/* Makes a new unique base name in Dovecot 2.3's form,
 * "<secs>.M<usecs>P<pid>.<host>", then ",S=<size>" and ",W=<vsize>" for
 * those that are not negative. The host has '/' and ':' written as
 * "\057" and "\072" (maildir.txt, "How are unique names created?").
 * Two calls in one process never give the same name: a call within the
 * same microsecond as the last one takes the next microsecond. Returns
 * the length, or -1 (out set to "") if it does not fit. */
int  mfilename_new_base(int64_t size, int64_t vsize, char *out,
			size_t out_size);
/* Orders file names as Dovecot does before giving them UIDs: by the
 * leading seconds, then by the microseconds after 'M' when both have
 * them, then by base name (the part before ':'). */
int  mfilename_sort_cmp(const char *a, const char *b);
/* The same order with the numbers read once per name instead of once per
 * comparison, for sorting many names: mfilename_sort_key_cmp of two keys
 * is mfilename_sort_cmp of their names. The key points into name. */
struct mfilename_sort_key {
	long long secs, usecs;
	const char *rest;       /* the name after the seconds */
	int has_usecs;
};
void mfilename_sort_key(const char *name, struct mfilename_sort_key *k);
int  mfilename_sort_key_cmp(const struct mfilename_sort_key *a,
			    const struct mfilename_sort_key *b);

#endif
