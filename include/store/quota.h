/* include/store/quota.h — the Maildir++ quota (maildirplusplus.txt,
 * "maildirsize"): a limit in bytes and/or messages in the first line
 * ("1000000S,1000C"), then lines of "<bytes> <count>" deltas appended by
 * every writer. The file is recalculated from the folders when it reaches
 * 5120 bytes, when a total is negative, and when the usage is over a
 * limit unless it is a fresh recalculation (see quota_get). Messages in
 * .Trash are not counted by a recalculation (the spec's step 2); messages
 * marked T are. */
#ifndef SKUA_STORE_QUOTA_H
#define SKUA_STORE_QUOTA_H

#include <stdint.h>

struct quota_usage {
	int64_t bytes;
	int64_t messages;
	int64_t limit_bytes;    /* 0: no limit */
	int64_t limit_messages; /* 0: no limit */
};

/* Reads maildirsize of the Maildir that holds maildir (a folder, one
 * with a maildirfolder file, is counted in its parent's), and
 * recalculates it when the spec says so: 5120 bytes or more, a negative
 * total, or over a limit without being a fresh (one line, under 15
 * minutes old) recalculation. Returns 0, 1 when there is no maildirsize
 * (no quota; *u all zero), or -1 with *err_r. */
int quota_get(const char *maildir, struct quota_usage *u, const char **err_r);
/* What a writer asks before adding (maildirplusplus.txt, "Delivering to a
 * Maildir++", step 2): like quota_get, but the over-quota recalculation
 * rule is applied to the usage plus bytes and messages, so a stale file
 * is recounted before a message is refused. Returns 1 when the addition
 * would exceed a limit, 0 when it fits (or there is no quota), -1 with
 * *err_r. */
int quota_check(const char *maildir, int64_t bytes, int64_t messages,
		struct quota_usage *u, const char **err_r);
/* Until it is set back to 0, 0: quota_check counts bytes and messages
 * less this much, for REPLACE (RFC 8508 3.4: "the quota implications of
 * APPEND are evaluated within the context of the pending EXPUNGE so that
 * only the net quota consumption is considered"). Nothing is written. */
void quota_set_credit(int64_t bytes, int64_t messages);
/* 1 when adding bytes and messages would exceed a limit (go over it;
 * reaching it exactly is allowed, as in Courier). */
int quota_would_exceed(const struct quota_usage *u, int64_t bytes,
		       int64_t messages);
/* Appends a delta line "<bytes> <count>\n" (negative for expunges) with
 * one O_APPEND write, as every Maildir++ writer must. A zero delta writes
 * nothing. Returns 0 or -1 with *err_r. No file, no quota: 0. */
int quota_add(const char *maildir, int64_t bytes, int64_t messages,
	      const char **err_r);
/* Sets the limits (for SETQUOTA when allowed; 0 for none) and
 * recalculates, writing a new maildirsize. Returns 0 or -1 with *err_r. */
int quota_set_limits(const char *maildir, int64_t bytes, int64_t messages,
		     const char **err_r);
/* 0 for a folder directory name (".Trash") whose messages the quota does
 * not count (maildirplusplus.txt, "Calculating maildirsize", step 2):
 * moving a message into it is an expunge for the quota, out of it an
 * addition. */
int quota_folder_counted(const char *dirname);

#endif
