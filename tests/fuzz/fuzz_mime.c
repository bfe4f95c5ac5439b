/* tests/fuzz/fuzz_mime.c — libFuzzer target for the mail layer: whatever
 * the bytes, parsing a message and everything FETCH derives from it must
 * neither crash nor read outside the buffer nor loop, and the cache blob
 * must give back the same structure.
 *
 * For each input: mail_parse; BODY and BODYSTRUCTURE; the ENVELOPE;
 * RFC822.SIZE; for every part (up to a bound) the sections p, p.MIME,
 * p.HEADER, p.TEXT, HEADER.FIELDS and .NOT, a partial, and the body
 * decoded strictly and leniently; then cache_blob_write, cache_blob_read
 * and the same BODYSTRUCTURE and sections from the reloaded tree (any
 * difference aborts); and cache_blob_read on the raw input, whose result
 * (when the loader accepts it) is walked field by field.
 *
 * Built and run by `make fuzz` (clang -fsanitize=fuzzer,address,undefined);
 * seeds in tests/fuzz/corpus/fuzz_mime/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/bodystructure.h"
#include "mail/cache_blob.h"
#include "mail/decode.h"
#include "mail/envelope.h"
#include "mail/message.h"
#include "mail/section.h"
#include "util/arena.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX ((size_t)64 << 20)
#define MAX_PARTS 200

struct partlist {
	char nums[MAX_PARTS][128];
	const struct mail_part *part[MAX_PARTS];
	size_t n;
};

static int
is_multipart(const struct mail_part *p)
{
	/* as include/mail/message.h defines it */
	return p->type != NULL && strcasecmp(p->type, "multipart") == 0 &&
	       p->subtype != NULL && p->subtype[0] != '\0';
}

static void walk(const struct mail_part *p, const char *prefix,
		 int message_level, int depth, struct partlist *l);

static void
add(struct partlist *l, const char *num, const struct mail_part *p, int depth)
{
	if (l->n == MAX_PARTS)
		return;
	snprintf(l->nums[l->n], sizeof(l->nums[0]), "%s", num);
	l->part[l->n++] = p;
	if (is_multipart(p))
		walk(p, num, 0, depth + 1, l);
	else if (p->message != NULL)
		walk(p->message, num, 1, depth + 1, l);
}

/* Part numbers as RFC 3501 6.4.5 gives them (see tests/tools/mailinfo.c). */
static void
walk(const struct mail_part *p, const char *prefix, int message_level,
     int depth, struct partlist *l)
{
	char num[128];

	if (depth >= 30 || strlen(prefix) > sizeof(num) - 16)
		return;
	if (!is_multipart(p)) {
		if (message_level) {
			snprintf(num, sizeof(num), "%s%s1", prefix,
				 *prefix ? "." : "");
			add(l, num, p, depth);
		}
		return;
	}
	for (size_t i = 0; i < p->nchildren && l->n < MAX_PARTS; i++) {
		snprintf(num, sizeof(num), "%s%s%zu", prefix,
			 *prefix ? "." : "", i + 1);
		add(l, num, &p->children[i], depth);
	}
}

static void
fetch(const char *spec, const char *partial, const struct mail_part *root,
      const unsigned char *data, struct arena *a, struct buf *out)
{
	struct section s;
	const char *err;

	buf_reset(out);
	if (section_parse(spec, partial, a, &s, &err) == 0) {
		(void)section_fetch(&s, root, data, out);
		(void)section_name(&s, a);
	}
}

/* All the sections of one tree, appended to all (one NUL between). */
static void
sections(const struct mail_part *root, const unsigned char *data,
	 const struct partlist *l, struct arena *a, struct buf *all)
{
	static const char *const whole[] = {
		"", "HEADER", "TEXT", "HEADER.FIELDS (FROM TO SUBJECT)",
		"HEADER.FIELDS.NOT (RECEIVED DATE)",
	};
	static const char *const sub[] = { "", ".MIME", ".HEADER", ".TEXT" };
	struct buf out;
	char spec[160];

	buf_init(&out, OUT_MAX);
	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		fetch(whole[i], NULL, root, data, a, &out);
		buf_append(all, out.data, out.len);
		buf_append_byte(all, 0);
	}
	fetch("", "<3.50>", root, data, a, &out);
	buf_append(all, out.data, out.len);
	buf_append_byte(all, 0);
	for (size_t k = 0; k < l->n; k++) {
		for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
			snprintf(spec, sizeof(spec), "%s%s", l->nums[k], sub[i]);
			fetch(spec, i == 0 ? "<1.7>" : NULL, root, data, a,
			      &out);
			buf_append(all, out.data, out.len);
			buf_append_byte(all, 0);
		}
	}
	buf_free(&out);
}

static void
decode_parts(const struct partlist *l, const unsigned char *data)
{
	struct buf out;

	buf_init(&out, OUT_MAX);
	for (size_t k = 0; k < l->n; k++) {
		const struct mail_part *p = l->part[k];
		if (is_multipart(p) || p->message != NULL)
			continue;
		for (int strict = 0; strict <= 1; strict++) {
			buf_reset(&out);
			(void)decode_body(p->encoding, data + p->body.start,
					  p->body.len, strict, &out);
		}
	}
	buf_free(&out);
}

/* Touches every field of a tree the blob loader built from untrusted
 * bytes: ASan sees any pointer the loader should not have made. */
static size_t
touch(const struct mail_part *p, int depth)
{
	size_t sum = 0;

	if (p == NULL || depth > 200)
		return 0;
	sum += p->header.start + p->header.len + p->body.start + p->body.len;
	if (p->type)
		sum += strlen(p->type);
	if (p->subtype)
		sum += strlen(p->subtype);
	for (size_t i = 0; i < p->nparams; i++)
		sum += strlen(p->params[i].name) +
		       (p->params[i].value ? strlen(p->params[i].value) : 0);
	for (size_t i = 0; i < p->ndisp_params; i++)
		sum += strlen(p->disp_params[i].name) +
		       (p->disp_params[i].value ?
			strlen(p->disp_params[i].value) : 0);
	if (p->id)
		sum += strlen(p->id);
	if (p->description)
		sum += strlen(p->description);
	if (p->encoding)
		sum += strlen(p->encoding);
	if (p->md5)
		sum += strlen(p->md5);
	if (p->disposition)
		sum += strlen(p->disposition);
	if (p->location)
		sum += strlen(p->location);
	for (size_t i = 0; p->language && p->language[i]; i++)
		sum += strlen(p->language[i]);
	for (size_t i = 0; i < p->nchildren; i++)
		sum += touch(&p->children[i], depth + 1);
	sum += touch(p->message, depth + 1);
	return sum;
}

static void
differ(const char *what, const struct buf *a, const struct buf *b)
{
	fprintf(stderr, "fuzz_mime: %s differs after the cache blob round "
		"trip (%zu vs %zu bytes)\n", what, a->len, b->len);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(1 << 16), *a2 = arena_new(1 << 16);
	struct buf bs, bs2, body, env, blob, sec, sec2;
	struct mail_part *root, *root2, *raw;
	struct partlist *l = calloc(1, sizeof(*l));
	volatile size_t sink;

	buf_init(&bs, OUT_MAX);
	buf_init(&bs2, OUT_MAX);
	buf_init(&body, OUT_MAX);
	buf_init(&env, OUT_MAX);
	buf_init(&blob, OUT_MAX);
	buf_init(&sec, OUT_MAX);
	buf_init(&sec2, OUT_MAX);

	root = mail_parse(data, size, a);
	sink = mail_wire_size(root);
	int bs_ok = bodystructure_write(root, data, 1, a, &bs) == 0;
	(void)bodystructure_write(root, data, 0, a, &body);
	(void)envelope_write(data + root->header.start, root->header.len, a,
			     &env);
	walk(root, "", 1, 0, l);
	sections(root, data, l, a, &sec);
	decode_parts(l, data);

	if (cache_blob_write(root, &blob) == 0) {
		root2 = cache_blob_read(blob.data, blob.len, a2);
		if (root2 == NULL) {
			fprintf(stderr, "fuzz_mime: cache_blob_read refused "
				"its own blob (%zu bytes)\n", blob.len);
			abort();
		}
		if (mail_wire_size(root2) != mail_wire_size(root)) {
			fprintf(stderr, "fuzz_mime: RFC822.SIZE differs after "
				"the cache blob round trip\n");
			abort();
		}
		if (bs_ok) {
			(void)bodystructure_write(root2, data, 1, a2, &bs2);
			if (bs.len != bs2.len ||
			    memcmp(bs.data, bs2.data, bs.len) != 0)
				differ("BODYSTRUCTURE", &bs, &bs2);
		}
		sections(root2, data, l, a2, &sec2);
		if (sec.len != sec2.len ||
		    memcmp(sec.data, sec2.data, sec.len) != 0)
			differ("a section", &sec, &sec2);
	}

	/* The raw input as a blob: the loader must say no or build a tree
	 * that can be walked. */
	arena_reset(a2);
	raw = cache_blob_read(data, size, a2);
	if (raw != NULL)
		sink += touch(raw, 0);
	(void)sink;

	buf_free(&bs);
	buf_free(&bs2);
	buf_free(&body);
	buf_free(&env);
	buf_free(&blob);
	buf_free(&sec);
	buf_free(&sec2);
	free(l);
	arena_free(&a);
	arena_free(&a2);
	return 0;
}
