/* src/store/names.c — wire mailbox names to Maildir++ directory names and
 * back, and the check every client-supplied name passes before it can
 * become part of a path (DESIGN.md, security rules).
 *
 * The mapping is Dovecot 2.3's for LAYOUT=maildir++ with the "/"
 * separator, found by experiment with Dovecot 2.3.19 (the table in
 * tests/unit/check_names.c): folder A/B is ".A.B"; names stay modified
 * UTF-7 on disk ("Entw&APw-rfe" is ".Entw&APw-rfe"); INBOX in any case is
 * the Maildir itself and a first level "inbox" is written "INBOX"
 * ("inbox/sub" is ".INBOX.sub"); everything else is kept byte for byte,
 * spaces, "%", "*", "\", "~" after the first byte and "cur" included.
 * Because "." is the hierarchy step on disk, Dovecot has no way to store a
 * "." inside a level (maildir_name_escape_char is empty by default) and
 * refuses it; so do we, with Dovecot's words. That rule alone keeps "."
 * and ".." from ever being a level.
 *
 * With Courier's rules (separator ".", prefix "INBOX.") the wire name
 * "INBOX.A.B" is the same directory ".A.B"; Courier 5 writes the levels
 * in UTF-8 (courier-maildir.5, "Folder name encoding") where Dovecot
 * writes modified UTF-7, and a "/" in a level is refused there.
 *
 * Every name is first decoded to UTF-8, checked, then encoded for the
 * disk. Since mutf7.c accepts only the canonical spelling, one name has
 * exactly one directory. names_from_dir runs its result back through
 * names_to_dir and keeps only entries that come out the same, so a
 * directory we list is always one we can open, and nothing outside the
 * rules (".a..b", ".~x", raw UTF-8 under mUTF-7 rules, ".inbox.sub")
 * reaches a client. */
#include <string.h>
#include <strings.h>

#include "store/mutf7.h"
#include "store/names.h"
#include "store/netunicode.h"
#include "util/buf.h"

/* A base64 run of k characters decodes to at most 9k/8 bytes of UTF-8
 * (three bytes per 16 bits), so twice the wire limit is always enough. */
#define NAME_UTF8_MAX (2 * NAMES_MAX_LEN)

/* Entries of the Maildir root that start with "." but are not folders.
 * A folder whose directory would be one of them, or would start with one
 * of them followed by ".", is refused: ".subscriptions" is skua's
 * subscriptions file (DESIGN.md), so folder "subscriptions" or
 * "subscriptions/x" cannot exist. Dovecot itself keeps no dot-files there
 * (its "subscriptions" has no dot) and does allow such a folder. */
static const char *const reserved_entries[] = {
	".subscriptions",
};

#define E_INVALID_MUTF7   "Mailbox name is not valid mUTF-7"
#define E_INVALID_UTF8    "Mailbox name is not valid UTF-8"
#define E_TOO_LONG        "Mailbox name too long"
#define E_EMPTY           "Invalid mailbox name: Name is empty"
#define E_CONTROL         "Control characters not allowed in mailbox names"
#define E_NOT_NFC         "Mailbox name is not in Unicode Normalization " \
			  "Form C (RFC 5198)"

static int
is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* RFC 6855 3: a UTF-8 mailbox name "MUST NOT contain control characters
 * (U+0000-U+001F and U+0080-U+009F), a delete character (U+007F), a line
 * separator (U+2028), or a paragraph separator (U+2029)". The C0 range
 * and DEL are check_control's; this finds the others in valid UTF-8
 * (C2 80..C2 9F, E2 80 A8, E2 80 A9). A name that came as modified
 * UTF-7 keeps the rules it always had. */
static int
net_unicode_bad(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i + 1 < len; i++) {
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return 1;
		if (p[i] == 0xe2 && i + 2 < len && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
			return 1;
	}
	return 0;
}

/* Decodes the wire name into name (UTF-8). */
static int
decode_wire(const char *wire, int wire_utf8, struct buf *name,
	    const char **err_r)
{
	size_t len = strlen(wire);

	if (len == 0) {
		*err_r = E_EMPTY;
		return -1;
	}
	if (len > NAMES_MAX_LEN) {
		*err_r = E_TOO_LONG;
		return -1;
	}
	if (wire_utf8) {
		if (!utf8_valid(wire, len) || buf_append(name, wire, len) < 0) {
			*err_r = E_INVALID_UTF8;
			return -1;
		}
		if (net_unicode_bad(wire, len)) {
			*err_r = E_CONTROL;
			return -1;
		}
		if (!netunicode_is_nfc(wire, len)) {
			*err_r = E_NOT_NFC;
			return -1;
		}
	} else if (mutf7_to_utf8(wire, len, name) < 0) {
		*err_r = E_INVALID_MUTF7;
		return -1;
	}
	return 0;
}

/* Raw control bytes are already invalid mUTF-7; this catches the encoded
 * ones ("&AAE-") and UTF-8 input. Dovecot refuses C0 only, we refuse DEL
 * as well. */
static int
check_control(const struct buf *name, const char **err_r)
{
	size_t i;

	for (i = 0; i < name->len; i++) {
		if (is_control(name->data[i])) {
			*err_r = E_CONTROL;
			return -1;
		}
	}
	return 0;
}

/* Checks the characters of the name below the prefix. */
static int
check_chars(const struct name_rules *r, const char *s, const char **err_r)
{
	/* "." is the hierarchy step on disk; Dovecot's own wording. */
	if (r->sep != '.' && strchr(s, '.') != NULL) {
		*err_r = "Character not allowed in mailbox name: '.'";
		return -1;
	}
	if (r->sep != '/' && strchr(s, '/') != NULL) {
		*err_r = "Character not allowed in mailbox name: '/'";
		return -1;
	}
	return 0;
}

/* Checks one level (bytes [s, s + n) of the UTF-8 name). Unreachable
 * through check_chars, kept as the last guard of the path (DESIGN.md):
 * no level may be "." or "..". */
static int
check_level(const char *s, size_t n, const char **err_r)
{
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
		*err_r = "Invalid mailbox name: '.' and '..' are not names";
		return -1;
	}
	return 0;
}

/* Appends one level to the directory name, encoded for the disk. */
static int
put_level(const struct name_rules *r, const char *s, size_t n,
	  struct buf *disk, const char **err_r)
{
	int ret;

	if (buf_append_byte(disk, '.') < 0) {
		*err_r = E_TOO_LONG;
		return -1;
	}
	if (r->utf8_on_disk)
		ret = buf_append(disk, s, n);
	else
		ret = utf8_to_mutf7(s, n, disk);
	if (ret < 0) {
		*err_r = E_TOO_LONG;    /* the input was checked already */
		return -1;
	}
	return 0;
}

/* Says why an empty level at s is wrong, in Dovecot's words. */
static const char *
empty_level_reason(const char *start, const char *s)
{
	if (s == start)
		return "Invalid mailbox name: Begins with hierarchy separator";
	if (*s == '\0')
		return "Invalid mailbox name: Ends with hierarchy separator";
	return "Invalid mailbox name: Has adjacent hierarchy separators";
}

/* Splits the name below the prefix into levels and builds ".L1.L2...". */
static int
build_dir(const struct name_rules *r, const char *start, struct buf *disk,
	  const char **err_r)
{
	const char *s = start, *end;
	size_t depth = 0, n;

	if (check_chars(r, start, err_r) < 0)
		return -1;
	for (;;) {
		end = strchr(s, r->sep);
		n = end != NULL ? (size_t)(end - s) : strlen(s);
		if (n == 0) {
			*err_r = empty_level_reason(start, s);
			return -1;
		}
		if (++depth > NAMES_MAX_DEPTH) {
			*err_r = "Mailbox name has too many levels";
			return -1;
		}
		if (check_level(s, n, err_r) < 0 ||
		    put_level(r, s, n, disk, err_r) < 0)
			return -1;
		if (end == NULL)
			break;
		s = end + 1;
	}
	/* Dovecot takes a leading "~" for a home-directory path and refuses
	 * it for every command; a "~" later in the name is fine. */
	if (*start == '~') {
		*err_r = "Invalid mailbox name: Begins with '~'";
		return -1;
	}
	return 0;
}

static int
is_reserved(const char *dir)
{
	size_t i, n;

	for (i = 0; i < sizeof(reserved_entries) / sizeof(reserved_entries[0]);
	     i++) {
		n = strlen(reserved_entries[i]);
		if (strncmp(dir, reserved_entries[i], n) == 0 &&
		    (dir[n] == '\0' || dir[n] == '.'))
			return 1;
	}
	return 0;
}

/* The body of names_to_dir, working in two scratch buffers. The checks
 * come in Dovecot 2.3's order (encoding, ".", separators, "~", control
 * characters), so that a name with several faults gets the same sentence
 * from both servers. */
static int
to_dir(const struct name_rules *r, const char *wire, int wire_utf8,
       struct buf *name, struct buf *disk, const char **err_r)
{
	const char *prefix = r->prefix != NULL ? r->prefix : "";
	size_t plen = strlen(prefix);
	char *s;

	if (decode_wire(wire, wire_utf8, name, err_r) < 0)
		return -1;
	s = (char *)name->data;
	/* RFC 3501 5.1: INBOX is case-insensitive. Dovecot extends that to
	 * the first level of a longer name, stored as "INBOX". */
	if (strcasecmp(s, "INBOX") == 0)
		return 0;
	if (strncasecmp(s, "INBOX", 5) == 0 && s[5] == r->sep)
		memcpy(s, "INBOX", 5);
	if (strncmp(s, prefix, plen) != 0) {
		*err_r = "Mailbox name is outside the namespace prefix";
		return -1;
	}
	s += plen;
	if (*s == '\0') {
		*err_r = plen > 0 ? "Mailbox name is only the namespace prefix"
				  : E_EMPTY;
		return -1;
	}
	if (build_dir(r, s, disk, err_r) < 0 || check_control(name, err_r) < 0)
		return -1;
	if (disk->len > NAMES_DIR_MAX) {
		*err_r = E_TOO_LONG;
		return -1;
	}
	if (is_reserved(buf_str(disk))) {
		*err_r = "Mailbox name is reserved for the server's own files";
		return -1;
	}
	return 0;
}

int
names_to_dir(const struct name_rules *r, const char *wire, int wire_utf8,
	     char *out, size_t out_size, const char **err_r)
{
	struct buf name, disk;
	int ret;

	buf_init(&name, NAME_UTF8_MAX);
	/* One byte over the limit so that "too long" is told apart from
	 * an encoding error while building. */
	buf_init(&disk, NAMES_DIR_MAX + 1);
	ret = to_dir(r, wire, wire_utf8, &name, &disk, err_r);
	if (ret == 0 && disk.len >= out_size) {
		*err_r = E_TOO_LONG;
		ret = -1;
	}
	if (ret == 0)
		memcpy(out, buf_str(&disk), disk.len + 1);
	buf_free(&name);
	buf_free(&disk);
	return ret;
}

/* Builds the wire name for the directory entry (after its leading "."). */
static int
from_dir(const struct name_rules *r, const char *rest, int wire_utf8,
	 struct buf *name, struct buf *wire)
{
	size_t len = strlen(rest), i;

	if (r->prefix != NULL && buf_append_str(name, r->prefix) < 0)
		return -1;
	if (r->utf8_on_disk) {
		if (!utf8_valid(rest, len) || buf_append(name, rest, len) < 0)
			return -1;
	} else if (mutf7_to_utf8(rest, len, name) < 0) {
		return -1;
	}
	/* "." never stands for itself in a level (check_level), and UTF-8
	 * sequences never hold the byte 0x2e, so every "." is a step. */
	for (i = r->prefix != NULL ? strlen(r->prefix) : 0; i < name->len; i++)
		if (name->data[i] == '.')
			name->data[i] = (unsigned char)r->sep;
	if (wire_utf8)
		return buf_append(wire, name->data, name->len);
	return utf8_to_mutf7((const char *)name->data, name->len, wire);
}

int
names_from_dir(const struct name_rules *r, const char *entry, int wire_utf8,
	       char *out, size_t out_size)
{
	struct buf name, wire;
	char back[NAMES_DIR_MAX + 1];
	const char *err;
	int ret = -1;

	if (entry[0] != '.' || strcmp(entry, ".") == 0 ||
	    strcmp(entry, "..") == 0 || strlen(entry) > NAMES_DIR_MAX)
		return -1;
	buf_init(&name, NAME_UTF8_MAX);
	buf_init(&wire, NAMES_MAX_LEN);
	/* Only what names_to_dir maps back to this very entry is a folder:
	 * that one rule refuses empty levels, "~", control characters,
	 * non-canonical mUTF-7, ".INBOX", ".inbox.sub" and reserved files. */
	if (from_dir(r, entry + 1, wire_utf8, &name, &wire) == 0 &&
	    names_to_dir(r, buf_str(&wire), wire_utf8, back, sizeof(back),
			 &err) == 0 &&
	    strcmp(back, entry) == 0 && wire.len < out_size) {
		memcpy(out, buf_str(&wire), wire.len + 1);
		ret = 0;
	}
	buf_free(&name);
	buf_free(&wire);
	return ret;
}

int
names_detect_utf8(const char *const *entries, size_t n)
{
	size_t i;
	const char *e, *p;

	for (i = 0; i < n; i++) {
		e = entries[i];
		if (e[0] != '.' || strcmp(e, ".") == 0 || strcmp(e, "..") == 0)
			continue;
		for (p = e; *p != '\0' && (unsigned char)*p < 0x80; p++)
			;
		if (*p != '\0' && utf8_valid(e, strlen(e)))
			return 1;
	}
	return 0;
}
