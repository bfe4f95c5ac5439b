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
 * same folder. A first level "INBOX" in any case is written "INBOX"
 * ("inbox/sub" is ".INBOX.sub"), as Dovecot does.
 *
 * Validation refuses: empty names and levels (a leading, trailing or
 * doubled separator), a "." inside a level (Dovecot has no escape for it
 * and refuses it too; this also rules out "." and ".." levels), a "/"
 * inside a level, a name beginning with "~" (Dovecot), control characters
 * (C0 and DEL), invalid or non-canonical mUTF-7 / invalid UTF-8, names
 * longer than NAMES_MAX_LEN or whose directory would be longer than
 * NAMES_DIR_MAX, more than NAMES_MAX_DEPTH levels, names outside the
 * namespace prefix, and folders whose directory is, or lies under, one of
 * the server's own dot-files (".subscriptions"). Names such as "cur",
 * "new", "tmp", "%" or "a b" are fine: they become ".cur" and so on.
 * Every refusal says why, in words fit for a NO (Dovecot's words where it
 * has some). */
#ifndef SKUA_STORE_NAMES_H
#define SKUA_STORE_NAMES_H

#include <stddef.h>

#define NAMES_MAX_LEN 1024      /* bytes of the wire name */
#define NAMES_MAX_DEPTH 127     /* ".x" x 127 fills a 255-byte entry */
#define NAMES_DIR_MAX 255       /* bytes of a directory entry (NAME_MAX) */

struct name_rules {
	char sep;               /* hierarchy separator on the wire: '/' */
	const char *prefix;     /* namespace prefix on the wire: "" */
	int utf8_on_disk;       /* 1: Courier 5 style UTF-8 directory names */
};

/* Turns a wire name into the directory name under the Maildir: "" for
 * INBOX (any case, RFC 3501 5.1), ".A.B" for A/B. wire_utf8 says the
 * client sent UTF-8 rather than mUTF-7. A trailing separator is refused
 * here: CREATE strips one first (RFC 3501 6.3.3), as Dovecot does; every
 * other command refuses it ("Ends with hierarchy separator"). out_size of
 * NAMES_DIR_MAX + 1 always suffices. Returns 0, or -1 with *err_r set to a
 * static sentence for a NO response; out is then untouched. */
int names_to_dir(const struct name_rules *r, const char *wire, int wire_utf8,
		 char *out, size_t out_size, const char **err_r);

/* Turns a directory entry of the Maildir (".A.B") into the wire name
 * ("A/B", in mUTF-7 or, with wire_utf8, in UTF-8). out_size of
 * NAMES_MAX_LEN + 1 always suffices. Returns 0, or -1 when the entry is
 * not a folder of ours: not starting with ".", "." or "..", or any name
 * that names_to_dir would not map back to this very entry (".a..b",
 * ".~x", ".inbox.sub", non-canonical or, under mUTF-7 rules, 8-bit names,
 * ".subscriptions", ...), or when out is too small. INBOX itself is the
 * Maildir and has no entry. */
int names_from_dir(const struct name_rules *r, const char *entry,
		   int wire_utf8, char *out, size_t out_size);

/* Guesses whether existing folder directories use UTF-8 (Courier 5) or
 * mUTF-7: 1 for UTF-8 (some folder entry, one starting with ".", has
 * 8-bit bytes and is valid UTF-8), 0 for mUTF-7 or when nothing tells. */
int names_detect_utf8(const char *const *entries, size_t n);

#endif
