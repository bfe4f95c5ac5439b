/* include/imap/imapurl.h — IMAP URLs (RFC 5092) that name a message or a
 * part of one, as CATENATE (RFC 4469) and URLAUTH (RFC 4467) take them.
 *
 *   imap://user[;AUTH=x]@host[:port]/MAILBOX[;UIDVALIDITY=n]/;UID=n
 *       [/;SECTION=s][/;PARTIAL=o[.n]][;EXPIRE=t][;URLAUTH=a[:m:token]]
 *
 * and the relative forms a session resolves against its own base
 * (RFC 4469 3: "imap://user@server/" and, when selected, the selected
 * mailbox): "//host/..." (network path), "/MAILBOX/;UID=n..." (absolute
 * path) and ";UID=n..." (the base's mailbox, RFC 5092 9.1). The other
 * relative-path forms ("Sent/;UID=1") are refused as RFC 5092 7.2 wants
 * ("MUST NOT generate or accept relative-path IMAP references"), and so
 * are ";SECTION=" and ";PARTIAL=" alone: a session's base names no
 * message. Dot segments ("/." and "/..") are refused too: they name no
 * message, and a mailbox that looks like one must be percent-encoded
 * (RFC 5092 7).
 *
 * Parsing is pure: no store, no session. Keys (";UID=", "imap://", ...)
 * are case-insensitive (RFC 5092 11). Each component is checked against
 * its character set, then percent-decoded; "%00", a bad escape and a
 * number that is not an nz-number below 2^32 are errors. */
#ifndef SKUA_IMAP_IMAPURL_H
#define SKUA_IMAP_IMAPURL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/arena.h"

/* Longest URL taken: a URL is a short string, and a client cannot make
 * us hash or decode megabytes. */
#define IMAPURL_MAX 8192

struct imapurl {
	int absolute;           /* "imap://" form */
	const char *user;       /* decoded enc-user; NULL when absent */
	const char *host;       /* as written; NULL when absent */
	/* Decoded (UTF-8, RFC 5092 8); NULL in the ";UID=" form, where the
	 * base's mailbox applies. */
	const char *mailbox;
	uint32_t uidvalidity;   /* 0: not given */
	uint32_t uid;           /* 0: no ";UID=": not a message URL */
	int search;             /* "?..." given: a list of messages */
	const char *section;    /* decoded; NULL: the whole message */
	int partial;            /* ";PARTIAL=" given */
	uint32_t origin;
	uint32_t octets;        /* 0: to the end */
	int has_expire;
	time_t expire;
	/* ";URLAUTH=": access as written (decoded user after "+"), and the
	 * mechanism and token when the URL is a full one (NULL in a rump). */
	const char *access;     /* NULL: no URLAUTH */
	const char *access_user;    /* the userid of submit+ and user+ */
	const char *mech;
	const char *token;      /* hex digits as written */
	size_t rump_len;        /* bytes before ":mech:token" (RFC 4467 6) */
};

/* Parses len bytes of text (which need not be NUL-terminated). Returns
 * 0, or -1 with *err_r saying why (a short sentence). Strings in *u are
 * in a. */
int imapurl_parse(const char *text, size_t len, struct arena *a,
		  struct imapurl *u, const char **err_r);

/* Percent-decodes len bytes into a NUL-terminated string in a. Returns
 * it, or NULL for a bad escape or an encoded NUL. */
char *imapurl_decode(const char *in, size_t len, struct arena *a);

#endif
