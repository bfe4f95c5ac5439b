/* include/imap/thread.h — the threading algorithms of THREAD and UID
 * THREAD (RFC 5256 3): ORDEREDSUBJECT and REFERENCES, over messages
 * whose keys the caller has read; and the thread-list syntax of the
 * THREAD response (RFC 5256 4, 5).
 *
 * Nothing here reads a message: the input is an array of what the
 * algorithms look at, so that the algorithms can be tested alone. */
#ifndef SKUA_IMAP_THREAD_H
#define SKUA_IMAP_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/arena.h"
#include "util/buf.h"

enum thread_alg {
	THREAD_ORDEREDSUBJECT,
	THREAD_REFERENCES,
};

/* One searched message, as the algorithms see it. */
struct thread_msg {
	uint32_t num;           /* what the response names: seq or UID */
	uint32_t seq;           /* place in the mailbox: the tie-break */
	time_t date;            /* sent date (RFC 5256 2.2), UTC */
	const char *subject;    /* the base subject's collation key
				 * (mail/unicasemap.h); "" when empty */
	int is_reply;           /* see mail/basesubject.h */
	const char *msgid;      /* normalized Message-ID; NULL: none */
	const char *const *refs;/* the references (RFC 5256 3: References,
				 * else the first In-Reply-To id), oldest
				 * first, normalized */
	size_t nrefs;
};

/* "ORDEREDSUBJECT" or "REFERENCES", any case. Returns 0 or -1. */
int thread_alg_parse(const char *name, enum thread_alg *alg_r);

/* Threads msgs[0..n) (in mailbox order) and appends the thread-lists of
 * the response, "(1 2)(3 (4)(5))", nothing when n is 0. Scratch memory
 * comes from the arena. Returns 0, or -1 when out would overflow. */
int thread_write(enum thread_alg alg, const struct thread_msg *msgs,
		 size_t n, struct arena *a, struct buf *out);

#endif
