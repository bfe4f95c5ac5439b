/* include/store/quota.h — the Maildir++ quota (maildirplusplus.txt,
 * "maildirsize"): a limit in bytes and/or messages in the first line
 * ("1000000S,1000C"), then lines of "<bytes> <count>" deltas appended by
 * every writer. When the file grows past 5120 bytes or is older than 15
 * minutes with a negative total, it is recalculated from the folders. */
#ifndef SKUA_STORE_QUOTA_H
#define SKUA_STORE_QUOTA_H

#include <stdint.h>

struct quota_usage {
	int64_t bytes;
	int64_t messages;
	int64_t limit_bytes;    /* 0: no limit */
	int64_t limit_messages; /* 0: no limit */
};

/* Reads maildir/maildirsize, recalculating it when stale or missing and a
 * limit is known. Returns 0, 1 when there is no quota at all, or -1 with
 * *err_r. */
int quota_get(const char *maildir, struct quota_usage *u, const char **err_r);
/* 1 when adding bytes and messages would exceed a limit. */
int quota_would_exceed(const struct quota_usage *u, int64_t bytes,
		       int64_t messages);
/* Appends a delta line (negative for expunges), as every Maildir++ writer
 * must. Returns 0 or -1 with *err_r. No file, no quota: 0. */
int quota_add(const char *maildir, int64_t bytes, int64_t messages,
	      const char **err_r);
/* Sets the limits (for SETQUOTA when allowed) and recalculates. */
int quota_set_limits(const char *maildir, int64_t bytes, int64_t messages,
		     const char **err_r);

#endif
