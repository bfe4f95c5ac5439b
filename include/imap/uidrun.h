/* include/imap/uidrun.h — a list of UIDs written back as a set, runs of
 * consecutive numbers as ranges: "4:7,9,12:13". What COPYUID and
 * APPENDUID (RFC 4315 3) send, and later ESEARCH's ALL. */
#ifndef SKUA_IMAP_UIDRUN_H
#define SKUA_IMAP_UIDRUN_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

/* uids in the order given (a run continues only upwards by one), in
 * arena memory; "" for n == 0. */
const char *uidrun_format(struct arena *a, const uint32_t *uids, size_t n);

#endif
