/* include/store/names.h — mailbox names on the wire and folder names on
 * disk, and the one place where a name from the client is checked before
 * it can become a path (DESIGN.md, security rules).
 *
 * The wire: names as the client writes them (modified UTF-7, or UTF-8 once
 * UTF8=ACCEPT or IMAP4rev2 is enabled), with the namespace's prefix and
 * hierarchy separator: "Archive/2024" by default, "INBOX.Archive.2024" for
 * a site coming from Courier (prefix "INBOX.", separator ".").
 *
 * The disk: Maildir++ (maildirplusplus.txt): INBOX is the Maildir itself,
 * folder Archive/2024 is the directory ".Archive.2024" in it, named exactly
 * as Dovecot 2.3 names it for LAYOUT=Maildir++ (mUTF-7 on disk by
 * default), or in UTF-8 as Courier 5 does, so that both servers find the
 * same folder.
 *
 * Validation refuses: empty levels, "." and ".." levels, a level that would
 * turn into a path separator or a "." on disk that is not a hierarchy step,
 * control characters, invalid mUTF-7 / UTF-8, names longer than
 * NAMES_MAX_LEN, more than NAMES_MAX_DEPTH levels, and the names of the
 * server's and Maildir's own entries (cur, new, tmp, and dot files such as
 * dovecot-uidlist). Every refusal says why, in words fit for a NO. */
#ifndef SKUA_STORE_NAMES_H
#define SKUA_STORE_NAMES_H

#include <stddef.h>

#define NAMES_MAX_LEN 1024      /* bytes of the wire name */
#define NAMES_MAX_DEPTH 32

struct name_rules {
	char sep;               /* hierarchy separator on the wire: '/' */
	const char *prefix;     /* namespace prefix on the wire: "" */
	int utf8_on_disk;       /* 1: Courier 5 style UTF-8 directory names */
};

/* Turns a wire name into the directory name under the Maildir: "" for
 * INBOX (any case, RFC 3501 5.1), ".A.B" for A/B. wire_utf8 says the
 * client sent UTF-8 rather than mUTF-7. Returns 0, or -1 with *err_r. */
int names_to_dir(const struct name_rules *r, const char *wire, int wire_utf8,
		 char *out, size_t out_size, const char **err_r);

/* Turns a directory entry of the Maildir (".A.B") into the wire name.
 * Returns 0, or -1 when the entry is not a folder of ours (not starting
 * with ".", "." or "..", or a name that would not validate). */
int names_from_dir(const struct name_rules *r, const char *entry,
		   int wire_utf8, char *out, size_t out_size);

/* Guesses whether existing folder directories use UTF-8 (Courier 5) or
 * mUTF-7: 1 for UTF-8 (some entry has 8-bit bytes and is valid UTF-8), 0
 * for mUTF-7 or when nothing tells. */
int names_detect_utf8(const char *const *entries, size_t n);

#endif
