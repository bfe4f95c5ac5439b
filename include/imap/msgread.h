/* include/imap/msgread.h — the bytes of one message file of the
 * selected folder, for FETCH and SEARCH.
 *
 * A small file is read into a buffer kept from message to message; a
 * large one is mapped. Mapping every file costs an munmap each, and on a
 * machine with more than one CPU every munmap flushes the TLBs of the
 * others (an interrupt to each): over 10,000 messages that was more than
 * half of a FETCH's time. Reading copies the bytes once, which is cheap
 * next to that for the messages mail mostly is. */
#ifndef SKUA_IMAP_MSGREAD_H
#define SKUA_IMAP_MSGREAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct folder;

struct msgread {
	unsigned char *buf;     /* reused; grows to the largest read file */
	size_t cap;
	void *map;              /* this message's mapping, or NULL */
	size_t map_len;
	/* This message, after msgread_load: */
	const unsigned char *data;
	size_t len;             /* bytes in data */
	size_t size;            /* bytes in the file */
	time_t mtime;           /* -1 when not asked for (MSGREAD_NO_MTIME) */
};

/* How msgread_load reads: */
#define MSGREAD_HEADER   1      /* the header block only */
#define MSGREAD_NO_MTIME 2      /* the mtime is not needed: a whole file
				 * that fits the buffer costs no fstat */

/* Loads the file of uid: all of it, or with MSGREAD_HEADER in how at
 * least its header block (all of a file without one), so that a header
 * key need not read attachments. Returns 0, 1 when the message is gone,
 * or -1 with *err_r (a sentence for the log). */
int  msgread_load(struct msgread *r, struct folder *f, uint32_t uid,
		  unsigned how, const char **err_r);
/* Forgets this message (unmaps; a large buffer is given back). */
void msgread_done(struct msgread *r);
void msgread_free(struct msgread *r);

#endif
