/* tests/tools/mailinfo.c — prints what skua's mail layer makes of one
 * message file, for tests/mail/diff_dovecot.py to compare with Dovecot.
 *
 *     mailinfo FILE ITEM...
 *
 * Items, spelt as in FETCH (without .PEEK):
 *   RFC822.SIZE         mail_wire_size, in decimal
 *   ENVELOPE            envelope_write on the root header
 *   BODY, BODYSTRUCTURE bodystructure_write, without / with extension data
 *   BODY[spec]<o.n>     section_parse + section_fetch ("BODY[]", "BODY[1.2]",
 *                       "BODY[HEADER.FIELDS (FROM TO)]", "BODY[]<10.100>")
 *   BINARY[p]           decode_body (strict) of the body of part p, its
 *                       line ends made CRLF first as on the wire
 *   PARTS               every part number of the tree, one per line
 *
 * Output, for item number i (from 0) in the order given:
 *   "ITEM <i> <status> <length>\n" <length bytes> "\n"
 * status is OK, or NO (BINARY of data its encoding cannot decode, or of an
 * unknown encoding; the bytes are then a reason), or BAD (the item did not
 * parse). Exit status 0, or 2 when the file cannot be read. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/bodystructure.h"
#include "mail/decode.h"
#include "mail/envelope.h"
#include "mail/message.h"
#include "mail/section.h"
#include "util/arena.h"
#include "util/buf.h"

#define OUT_MAX ((size_t)1 << 30)

static void
emit(int i, const char *status, const void *data, size_t len)
{
	printf("ITEM %d %s %zu\n", i, status, len);
	if (len > 0)   /* an empty section's buffer is NULL */
		fwrite(data, 1, len, stdout);
	putchar('\n');
}

static int
is_multipart(const struct mail_part *p)
{
	/* as include/mail/message.h defines it */
	return p->type != NULL && strcasecmp(p->type, "multipart") == 0 &&
	       p->subtype != NULL && p->subtype[0] != '\0';
}

/* Part k of a message-level node (the root or an enclosed message): a
 * child of a multipart, or for a single-part message, 1 is its body. */
static const struct mail_part *
descend_message(const struct mail_part *m, uint32_t k)
{
	if (is_multipart(m))
		return k >= 1 && k <= m->nchildren ? &m->children[k - 1] : NULL;
	return k == 1 ? m : NULL;
}

static const struct mail_part *
find_part(const struct mail_part *root, const uint32_t *nums, size_t n)
{
	const struct mail_part *cur;

	if (n == 0)
		return root;
	cur = descend_message(root, nums[0]);
	for (size_t i = 1; cur != NULL && i < n; i++) {
		if (is_multipart(cur))
			cur = nums[i] >= 1 && nums[i] <= cur->nchildren ?
				&cur->children[nums[i] - 1] : NULL;
		else if (cur->message != NULL)
			cur = descend_message(cur->message, nums[i]);
		else
			cur = NULL;
	}
	return cur;
}

static void list_parts(const struct mail_part *p, const char *prefix,
		       int message_level, struct buf *out);

static void
list_children_of(const struct mail_part *p, const char *prefix,
		 struct buf *out)
{
	char num[4096];

	if (is_multipart(p) && p->nchildren == 0) {
		/* BODYSTRUCTURE shows an empty text/plain part here (the
		 * grammar wants one), and so does Dovecot's numbering */
		snprintf(num, sizeof(num), "%s%s1", prefix, *prefix ? "." : "");
		buf_printf(out, "%s\n", num);
	} else if (is_multipart(p)) {
		for (size_t i = 0; i < p->nchildren; i++) {
			snprintf(num, sizeof(num), "%s%s%zu", prefix,
				 *prefix ? "." : "", i + 1);
			buf_printf(out, "%s\n", num);
			list_parts(&p->children[i], num, 0, out);
		}
	} else if (p->message != NULL) {
		list_parts(p->message, prefix, 1, out);
	}
}

/* Lists the parts below p, whose number is prefix. At message level a
 * single part is the body, number prefix.1. */
static void
list_parts(const struct mail_part *p, const char *prefix, int message_level,
	   struct buf *out)
{
	char num[4096];

	if (strlen(prefix) > sizeof(num) - 16)
		return;
	if (message_level && !is_multipart(p)) {
		snprintf(num, sizeof(num), "%s%s1", prefix, *prefix ? "." : "");
		buf_printf(out, "%s\n", num);
		list_children_of(p, num, out);
		return;
	}
	list_children_of(p, prefix, out);
}

static int
write_buf(void *ctx, const void *bytes, size_t n)
{
	return buf_append(ctx, bytes, n);
}

/* "1.2.3" into nums. Returns the count, or -1. */
static int
parse_numbers(const char *s, uint32_t *nums, size_t max)
{
	size_t n = 0;

	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v == 0 || v > UINT32_MAX || n == max)
			return -1;
		nums[n++] = (uint32_t)v;
		if (*end == '.')
			end++;
		else if (*end != '\0')
			return -1;
		s = end;
	}
	return (int)n;
}

static void
do_binary(int i, const char *spec, const struct mail_part *root,
	  const unsigned char *data)
{
	uint32_t nums[SECTION_MAX_PARTS];
	int n = parse_numbers(spec, nums, SECTION_MAX_PARTS);
	const struct mail_part *p;
	struct buf crlf, out;
	const char *why = NULL;

	if (n <= 0) {
		emit(i, "BAD", "part number", 11);
		return;
	}
	p = find_part(root, nums, (size_t)n);
	if (p == NULL) {
		emit(i, "OK", "", 0);
		return;
	}
	buf_init(&crlf, OUT_MAX);
	buf_init(&out, OUT_MAX);
	if (mail_write_crlf(data + p->body.start, p->body.len, write_buf,
			    &crlf) < 0) {
		why = "overflow";
	} else {
		switch (decode_body(p->encoding, crlf.data, crlf.len, 1,
				    &out)) {
		case DECODE_OK:
			break;
		case DECODE_INVALID:
			why = "invalid";
			break;
		case DECODE_UNKNOWN:
			why = "unknown-cte";
			break;
		case DECODE_OVERFLOW:
			why = "overflow";
			break;
		}
	}
	if (why != NULL)
		emit(i, "NO", why, strlen(why));
	else
		emit(i, "OK", out.data, out.len);
	buf_free(&crlf);
	buf_free(&out);
}

static void
do_section(int i, const char *item, const struct mail_part *root,
	   const unsigned char *data, struct arena *a)
{
	/* item is "BODY[spec]" optionally followed by "<o.n>" */
	const char *open = strchr(item, '[');
	const char *close = strrchr(item, ']');
	struct section s;
	const char *err = NULL;
	struct buf out;
	char *spec;

	if (open == NULL || close == NULL || close < open) {
		emit(i, "BAD", "item", 4);
		return;
	}
	spec = arena_strndup(a, open + 1, (size_t)(close - open - 1));
	if (section_parse(spec, close[1] ? close + 1 : NULL, a, &s, &err) < 0) {
		err = err ? err : "section_parse";
		emit(i, "BAD", err, strlen(err));
		return;
	}
	buf_init(&out, OUT_MAX);
	if (section_fetch(&s, root, data, &out) < 0)
		emit(i, "NO", "overflow", 8);
	else
		emit(i, "OK", out.data, out.len);
	buf_free(&out);
}

int
main(int argc, char **argv)
{
	const unsigned char *data;
	static const unsigned char empty[1];
	struct mail_part *root;
	struct arena *a;
	struct stat st;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: mailinfo FILE ITEM...\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(argv[1]);
		return 2;
	}
	if (st.st_size == 0) {
		data = empty;
	} else {
		data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			    fd, 0);
		if (data == MAP_FAILED) {
			perror("mmap");
			return 2;
		}
	}
	a = arena_new(1 << 16);
	root = mail_parse(data, (size_t)st.st_size, a);

	for (int i = 0; i + 2 < argc; i++) {
		const char *item = argv[i + 2];
		struct buf out;

		buf_init(&out, OUT_MAX);
		if (strcmp(item, "RFC822.SIZE") == 0) {
			buf_printf(&out, "%zu", mail_wire_size(root));
			emit(i, "OK", out.data, out.len);
		} else if (strcmp(item, "ENVELOPE") == 0) {
			if (envelope_write(data + root->header.start,
					   root->header.len, a, &out) < 0)
				emit(i, "NO", "overflow", 8);
			else
				emit(i, "OK", out.data, out.len);
		} else if (strcmp(item, "BODY") == 0 ||
			   strcmp(item, "BODYSTRUCTURE") == 0) {
			if (bodystructure_write(root, data,
						strcmp(item, "BODY") != 0, a,
						&out) < 0)
				emit(i, "NO", "overflow", 8);
			else
				emit(i, "OK", out.data, out.len);
		} else if (strcmp(item, "PARTS") == 0) {
			list_parts(root, "", 1, &out);
			emit(i, "OK", out.data, out.len);
		} else if (strncmp(item, "BINARY[", 7) == 0 &&
			   item[strlen(item) - 1] == ']') {
			char *spec = arena_strndup(a, item + 7,
						   strlen(item) - 8);
			do_binary(i, spec, root, data);
		} else if (strncmp(item, "BODY[", 5) == 0) {
			do_section(i, item, root, data, a);
		} else {
			emit(i, "BAD", "unknown item", 12);
		}
		buf_free(&out);
	}
	fflush(stdout);
	arena_free(&a);
	return ferror(stdout) ? 1 : 0;
}
