/* include/imap/fts.h — the optional full-text index of SEARCH BODY and
 * TEXT: one SQLite FTS5 database per user (skua.fts.sqlite in the
 * Maildir root, mode 0600), trigram-tokenized and case-sensitive, that
 * holds for each message the very text the search matcher compares
 * (imap/search.c: header fields and decoded body parts, already folded
 * by charset_fold).
 *
 * The index only ever narrows: a query gives the UIDs whose text may
 * hold the needle, a superset of the true matches, and the matcher still
 * decides each of them. Anything the index cannot answer (a short
 * needle, a busy or broken database, a message it could not take) is
 * left to the scan, so the answers are those of the scan by
 * construction. Built without libsqlite3, fts_open always fails. */
#ifndef SKUA_IMAP_FTS_H
#define SKUA_IMAP_FTS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define FTS_FILE "skua.fts.sqlite"

struct fts;

/* The texts of one message, as the search matcher sees them: hdr holds
 * every header field of every part as "Name: value", body every text
 * part; pieces are separated by a line feed. The callback returns 1
 * with them filled, 0 when the message cannot be indexed (too large:
 * always scan it), -1 when it is gone or unreadable now. */
typedef int fts_text_fn(void *ctx, uint32_t uid, struct buf *hdr,
			struct buf *body);

/* Opens the index of the Maildir at root, making it when missing and
 * making it anew when it is not a database SQLite can read. Returns it,
 * or NULL with *err_r (no libsqlite3, or an error: scan instead). */
struct fts *fts_open(const char *root, const char **err_r);
void fts_close(struct fts **x);         /* sets *x to NULL */
/* Bounds the indexing one fts_sync does to about ms milliseconds (0,
 * the default: no bound); what is left is scanned this time and indexed
 * by the next syncs, so that the first search of a large folder costs
 * little more than a scan. */
void fts_set_budget(struct fts *x, long ms);

/* Brings the index of one folder (key: its mailbox GUID) in step with
 * uids[0..n), increasing: drops everything when uidvalidity changed and
 * the UIDs below uids[n-1] that are gone, and adds the missing ones with
 * text(), committing every few hundred. Sets *scan_r (malloc'ed,
 * increasing, NULL when none) to the UIDs of the list the index is not
 * known to hold (the rest were read from it or written to it now),
 * which the caller must scan, and *added_r to how many it
 * added. Returns 0, or -1 with *err_r when the index cannot be used for
 * this folder now (busy, broken: scan everything). */
int fts_sync(struct fts *x, const char *key, uint32_t uidvalidity,
	     const uint32_t *uids, size_t n, fts_text_fn *text, void *ctx,
	     uint32_t **scan_r, size_t *nscan_r, size_t *added_r,
	     const char **err_r);

/* 1 when the index can answer a search for the folded needle: valid
 * UTF-8 of at least 3 characters, no NUL (a trigram query of fewer
 * characters matches nothing). */
int fts_needle_ok(const unsigned char *needle, size_t len);
/* The FTS5 query for needle: a phrase, quotes doubled, limited to the
 * body column unless headers. Returns it (malloc'ed). */
char *fts_query_string(const unsigned char *needle, size_t len, int headers);
/* UIDs of the folder last synced whose text (headers too when headers)
 * may hold the needle, increasing, into *uids_r (malloc'ed, NULL when
 * none). Returns 0, or -1 with *err_r. */
int fts_query(struct fts *x, const unsigned char *needle, size_t len,
	      int headers, uint32_t **uids_r, size_t *n_r,
	      const char **err_r);

#endif
