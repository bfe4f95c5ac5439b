/* src/store/filename.c — Maildir file names: reading the flags, keywords
 * and sizes out of them, and making new ones, the way Dovecot 2.3 does so
 * that a Maildir can pass between the two servers unchanged.
 *
 * What Dovecot does, and so what we do (maildir-filename.c and
 * maildir-filename-flags.c in Dovecot's lib-storage; checked against
 * Dovecot 2.3.19 at work):
 *
 * - The base name ends at the first ':'; the info starts at the last one.
 *   Only ":2," info carries flags (maildir.txt, "What can I put in info?");
 *   ":1," experimental info is read as no flags and replaced by ":2,..."
 *   when the flags change.
 * - The flags run up to the end of the name or up to a ',' after ":2,";
 *   what follows that ',' (Dovecot's "non-standard fields") is kept
 *   verbatim.
 * - ",S=<n>" and ",W=<n>" are found at their first occurrence anywhere in
 *   the name; the digits must end at ':', ',' or the end of the name,
 *   otherwise the field does not count.
 * - Letters Dovecot does not know are kept where they stand; the known
 *   ones are merged in front of the first unknown letter that sorts after
 *   them, and the keyword letters are written together, sorted, in front
 *   of the first unknown letter after 'a'. For sorted input that is plain
 *   ASCII order, which maildir.txt asks for.
 * - Dovecot 2.3 does not know 'P' and keeps it as an unknown letter;
 *   $Forwarded is a keyword letter there. We read 'P' as MF_PASSED and
 *   write it in its ASCII place, which Dovecot keeps.
 * - New names are "<secs>.M<usecs>P<pid>.<host>" followed by ",S=<size>"
 *   and ",W=<vsize>"; a process that makes two names in one microsecond
 *   moves the second one microsecond on, so names never repeat within a
 *   process, and the pid separates processes. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "store/filename.h"

#define INFO_SEP ':'
#define FLAGS_SEP ','

/* The value of a size field whose digits start at p, or -1. */
static int64_t
size_at(const char *p)
{
	int64_t size = 0;

	if (p == NULL)
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (size > (INT64_MAX - 9) / 10)
			return -1;
		size = size * 10 + (*p - '0');
	}
	if (*p != INFO_SEP && *p != FLAGS_SEP && *p != '\0')
		return -1;
	return size;
}

/* Dovecot's maildir_filename_get_size(), for S and W at once: the first
 * ",<type>=" in the whole name decides, even when its digits turn out to
 * be bad. One pass from comma to comma: this runs for every file of
 * every scan. */
static void
get_sizes(const char *name, int64_t *size_r, int64_t *vsize_r)
{
	const char *s = NULL, *w = NULL, *p;

	for (p = strchr(name, ','); p != NULL && (s == NULL || w == NULL);
	     p = strchr(p + 1, ',')) {
		if (p[1] == 'S' && p[2] == '=' && s == NULL)
			s = p + 3;
		else if (p[1] == 'W' && p[2] == '=' && w == NULL)
			w = p + 3;
	}
	*size_r = size_at(s);
	*vsize_r = size_at(w);
}

static int
flag_bit(char c)
{
	switch (c) {
	case 'D': return MF_DRAFT;
	case 'F': return MF_FLAGGED;
	case 'P': return MF_PASSED;
	case 'R': return MF_ANSWERED;
	case 'S': return MF_SEEN;
	case 'T': return MF_DELETED;
	default: return 0;
	}
}

static int
is_known(char c)
{
	return flag_bit(c) != 0 || (c >= 'a' && c <= 'z');
}

void
mfilename_parse(const char *name, struct mfilename *m)
{
	const char *info, *p;
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	m->base_len = (size_t)(strchrnul(name, INFO_SEP) - name);
	get_sizes(name, &m->size, &m->vsize);

	info = strrchr(name, INFO_SEP);
	if (info == NULL || info[1] != '2' || info[2] != FLAGS_SEP)
		return;
	m->has_info = 1;
	for (p = info + 3; *p != '\0' && *p != FLAGS_SEP; p++) {
		if (flag_bit(*p) != 0)
			m->flags |= (unsigned)flag_bit(*p);
		else if (*p >= 'a' && *p <= 'z')
			m->keywords |= UINT32_C(1) << (*p - 'a');
		else if (n < sizeof(m->unknown) - 1)
			m->unknown[n++] = *p;
		/* more unknown letters than fit: mfilename_set_flags()
		 * keeps them all, as it reads the old name itself */
	}
	m->unknown[n] = '\0';
}

/* Appends a byte when there is room; *len counts even when there is not,
 * so the caller learns the length it would have needed. */
static void
put(char *out, size_t out_size, size_t *len, char c)
{
	if (*len + 1 < out_size)
		out[*len] = c;
	(*len)++;
}

/* Dovecot's maildir_filename_flags_full_set() loop: writes the known
 * flags and keywords merged into the old letters, which are kept in their
 * order, then any ",..." fields after them verbatim. */
static void
merge_flags(unsigned flags, uint32_t keywords, const char *old, char *out,
	    size_t out_size, size_t *len)
{
	static const char order[] = "DFPRST";   /* bit i: order[i] */
	int next, i;

	if (*old == '\0') {
		/* No old letters (every name skua makes): the loop below
		 * would write the same, letter by letter. */
		for (i = 0; order[i] != '\0'; i++)
			if ((flags & (1u << i)) != 0)
				put(out, out_size, len, order[i]);
		for (; keywords != 0; keywords &= keywords - 1)
			put(out, out_size, len,
			    (char)('a' + __builtin_ctz(keywords)));
		return;
	}
	for (;;) {
		while (*old != '\0' && is_known(*old))
			old++;
		next = *old == '\0' || *old == FLAGS_SEP ?
			256 : (unsigned char)*old;
		for (i = 0; order[i] != '\0'; i++) {
			unsigned bit = (unsigned)flag_bit(order[i]);

			if ((flags & bit) != 0 && next > order[i]) {
				put(out, out_size, len, order[i]);
				flags &= ~bit;
			}
		}
		if (keywords != 0 && next > 'a') {
			for (i = 0; i < 26; i++) {
				if ((keywords & (UINT32_C(1) << i)) != 0)
					put(out, out_size, len, (char)('a' + i));
			}
			keywords = 0;
		}
		if (*old == '\0' || *old == FLAGS_SEP)
			break;
		put(out, out_size, len, *old++);
	}
	for (; *old != '\0'; old++)
		put(out, out_size, len, *old);
}

int
mfilename_build(const char *base, size_t base_len, unsigned flags,
		uint32_t keywords, const char *unknown, char *out,
		size_t out_size)
{
	size_t len = 0, i;

	/* The base at once: a flag change of every message of a big
	 * folder builds a name each. */
	if (base_len < out_size) {
		memcpy(out, base, base_len);
		len = base_len;
	} else {
		for (i = 0; i < base_len; i++)
			put(out, out_size, &len, base[i]);
	}
	put(out, out_size, &len, INFO_SEP);
	put(out, out_size, &len, '2');
	put(out, out_size, &len, FLAGS_SEP);
	merge_flags(flags, keywords & MF_KEYWORDS,
		    unknown != NULL ? unknown : "", out, out_size, &len);
	if (len >= out_size || len > FILENAME_MAX_LEN) {
		if (out_size > 0)
			out[0] = '\0';
		return -1;
	}
	out[len] = '\0';
	return (int)len;
}

int
mfilename_set_flags(const char *name, unsigned flags, uint32_t keywords,
		    char *out, size_t out_size)
{
	const char *info = strrchr(name, INFO_SEP), *old = "";
	size_t keep = strlen(name);

	if (info != NULL) {
		keep = (size_t)(info - name);
		if (info[1] == '2' && info[2] == FLAGS_SEP)
			old = info + 3;
	}
	return mfilename_build(name, keep, flags, keywords, old, out,
			       out_size);
}

/* gethostname() with maildir.txt's escapes for '/' and ':', which would
 * otherwise end the name or start its info. */
static void
host_part(char *host, size_t size)
{
	char raw[256];
	size_t i, len = 0;

	if (gethostname(raw, sizeof(raw) - 1) < 0 || raw[0] == '\0')
		strcpy(raw, "localhost");
	raw[sizeof(raw) - 1] = '\0';
	for (i = 0; raw[i] != '\0' && len + 5 < size; i++) {
		if (raw[i] == '/' || raw[i] == ':') {
			memcpy(host + len, raw[i] == '/' ? "\\057" : "\\072",
			       4);
			len += 4;
		} else {
			host[len++] = raw[i];
		}
	}
	host[len] = '\0';
}

int
mfilename_new_base(int64_t size, int64_t vsize, char *out, size_t out_size)
{
	static struct timeval last;
	struct timeval tv;
	char host[256], sizes[64] = "";
	int n;

	gettimeofday(&tv, NULL);
	if (tv.tv_sec < last.tv_sec ||
	    (tv.tv_sec == last.tv_sec && tv.tv_usec <= last.tv_usec)) {
		tv = last;
		if (++tv.tv_usec == 1000000) {
			tv.tv_sec++;
			tv.tv_usec = 0;
		}
	}
	last = tv;

	host_part(host, sizeof(host));
	if (size >= 0 && vsize >= 0)
		snprintf(sizes, sizeof(sizes), ",S=%lld,W=%lld",
			 (long long)size, (long long)vsize);
	else if (size >= 0)
		snprintf(sizes, sizeof(sizes), ",S=%lld", (long long)size);
	else if (vsize >= 0)
		snprintf(sizes, sizeof(sizes), ",W=%lld", (long long)vsize);
	n = snprintf(out, out_size, "%lld.M%ldP%ld.%s%s",
		     (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
		     host, sizes);
	if (n < 0 || (size_t)n >= out_size || n > FILENAME_MAX_LEN) {
		if (out_size > 0)
			out[0] = '\0';
		return -1;
	}
	return n;
}

/* Reads the digits at *p into *v; returns 0 when there are none. */
static int
read_number(const char **p, long long *v)
{
	const char *s = *p;

	*v = 0;
	while (*s >= '0' && *s <= '9') {
		if (*v < LLONG_MAX / 10)
			*v = *v * 10 + (*s - '0');
		s++;
	}
	if (s == *p)
		return 0;
	*p = s;
	return 1;
}

/* Microseconds from the "M<n>" in the middle part (Dovecot's
 * maildir_fname_get_usecs()). */
static int
get_usecs(const char *p, long long *usecs)
{
	if (*p++ != '.')
		return 0;
	for (; *p != '\0' && *p != '.' && *p != INFO_SEP; p++) {
		if (*p == 'M') {
			p++;
			read_number(&p, usecs);
			return 1;
		}
	}
	return 0;
}

static int
base_cmp(const char *a, const char *b)
{
	while (*a == *b && *a != INFO_SEP && *a != '\0') {
		a++;
		b++;
	}
	if ((*a == '\0' || *a == INFO_SEP) && (*b == '\0' || *b == INFO_SEP))
		return 0;
	return (unsigned char)*a - (unsigned char)*b;
}

void
mfilename_sort_key(const char *name, struct mfilename_sort_key *k)
{
	k->secs = k->usecs = 0;
	read_number(&name, &k->secs);
	k->rest = name;
	k->has_usecs = get_usecs(name, &k->usecs);
}

int
mfilename_sort_key_cmp(const struct mfilename_sort_key *a,
		       const struct mfilename_sort_key *b)
{
	if (a->secs != b->secs)
		return a->secs < b->secs ? -1 : 1;
	if (a->has_usecs && b->has_usecs && a->usecs != b->usecs)
		return a->usecs < b->usecs ? -1 : 1;
	return base_cmp(a->rest, b->rest);
}

int
mfilename_sort_cmp(const char *a, const char *b)
{
	struct mfilename_sort_key ka, kb;

	mfilename_sort_key(a, &ka);
	mfilename_sort_key(b, &kb);
	return mfilename_sort_key_cmp(&ka, &kb);
}
