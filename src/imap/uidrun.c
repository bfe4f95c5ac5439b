/* src/imap/uidrun.c — UIDs back into a set. RFC 4315 3 pairs the source
 * and destination sets of COPYUID element by element, so runs are never
 * reordered: each list is written in its own order. */
#include "imap/uidrun.h"
#include "util/buf.h"

const char *
uidrun_format(struct arena *a, const uint32_t *uids, size_t n)
{
	struct buf b;
	const char *ret;

	/* At most "4294967295:4294967295," a UID. */
	buf_init(&b, 24 * n + 1);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (j == i)
			buf_printf(&b, "%s%u", i ? "," : "", uids[i]);
		else
			buf_printf(&b, "%s%u:%u", i ? "," : "", uids[i],
				   uids[j]);
		i = j + 1;
	}
	ret = arena_strndup(a, b.len ? (const char *)b.data : "", b.len);
	buf_free(&b);
	return ret;
}
