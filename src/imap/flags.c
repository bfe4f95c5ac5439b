/* src/imap/flags.c — flag lists on the wire and MF_* / keyword bits. */
#include <string.h>
#include <strings.h>

#include "imap/flags.h"
#include "imap/response.h"
#include "store/filename.h"
#include "util/log.h"

static const struct {
	const char *name;
	unsigned bit;
} system_flags[] = {
	{ "\\Answered", MF_ANSWERED },
	{ "\\Flagged", MF_FLAGGED },
	{ "\\Deleted", MF_DELETED },
	{ "\\Seen", MF_SEEN },
	{ "\\Draft", MF_DRAFT },
};

#define NSYSTEM (sizeof(system_flags) / sizeof(system_flags[0]))

/* One flag atom into the bits. Returns 0, -1 (BAD) or -2 (NO). */
static int
flag_one(const struct arg *a, struct keywords *kw, int add,
	 unsigned *flags, uint32_t *keywords, const char **err_r)
{
	const char *name = (const char *)a->data;
	int idx;

	if (a->type != ARG_ATOM) {
		*err_r = "Flags must be atoms";
		return -1;
	}
	if (name[0] == '\\') {
		for (size_t i = 0; i < NSYSTEM; i++)
			if (strcasecmp(name, system_flags[i].name) == 0) {
				*flags |= system_flags[i].bit;
				return 0;
			}
		/* RFC 3501 2.3.2: \Recent cannot be set by a client. */
		*err_r = strcasecmp(name, "\\Recent") == 0 ?
			 "\\Recent cannot be changed" : "Unknown system flag";
		return -1;
	}
	idx = kw != NULL ? keywords_index(kw, name) : -1;
	if (idx < 0 && add && kw != NULL) {
		idx = keywords_add(kw, name, err_r);
		if (idx == KEYWORDS_FULL)
			return FLAGS_FULL;
		if (idx == KEYWORDS_NOSPACE)
			return FLAGS_NOSPACE;
		if (idx == KEYWORDS_INUSE)
			return FLAGS_INUSE;
		if (idx < 0)
			return strchr(name, '*') || strchr(name, '%') ?
			       FLAGS_BAD : FLAGS_FAILED;
	}
	if (idx >= 0)
		*keywords |= (uint32_t)1 << idx;
	return 0;
}

int
flags_parse(const struct arg *a, struct keywords *kw, int add_keywords,
	    unsigned *flags_r, uint32_t *keywords_r, const char **err_r)
{
	int r;

	*flags_r = 0;
	*keywords_r = 0;
	if (a->type != ARG_LIST)
		return flag_one(a, kw, add_keywords, flags_r, keywords_r, err_r);
	for (size_t i = 0; i < a->count; i++) {
		r = flag_one(&a->list[i], kw, add_keywords, flags_r,
			     keywords_r, err_r);
		if (r < 0)
			return r;
	}
	return 0;
}

void
flags_write(struct stream *out, unsigned flags, uint32_t keywords,
	    int recent, const struct keywords *kw)
{
	const char *sep = "";

	stream_puts(out, "(");
	for (size_t i = 0; i < NSYSTEM; i++)
		if (flags & system_flags[i].bit) {
			stream_puts(out, sep);
			stream_puts(out, system_flags[i].name);
			sep = " ";
		}
	/* After the system flags and before the keywords: where Dovecot
	 * writes it. Clients do not care; comparisons with Dovecot do. */
	if (recent) {
		stream_puts(out, sep);
		stream_puts(out, "\\Recent");
		sep = " ";
	}
	for (int i = 0; i < KEYWORDS_MAX && kw != NULL; i++) {
		const char *name;
		if (!(keywords & ((uint32_t)1 << i)) ||
		    (name = keywords_name(kw, i)) == NULL)
			continue;
		stream_puts(out, sep);
		stream_puts(out, name);
		sep = " ";
	}
	stream_puts(out, ")");
}

void
flags_write_defined(struct stream *out, const struct keywords *kw)
{
	stream_puts(out, "(\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	for (int i = 0; i < KEYWORDS_MAX && kw != NULL; i++) {
		const char *name = keywords_name(kw, i);
		if (name != NULL) {
			stream_puts(out, " ");
			stream_puts(out, name);
		}
	}
	stream_puts(out, ")");
}

void
flags_refuse(struct session *s, const struct command *cmd, int r,
	     const char *err, const char *mailbox)
{
	switch (r) {
	case FLAGS_FULL:
		resp_tagged(s->stream, cmd->tag, "NO", "[LIMIT] Cannot create "
			    "a new keyword: %s", err);
		break;
	case FLAGS_NOSPACE:
		resp_tagged(s->stream, cmd->tag, "NO", "[OVERQUOTA] Not enough "
			    "disk space for a new keyword");
		break;
	case FLAGS_INUSE:
		log_info("keywords: user=%s mailbox=%s: %s", s->user.name,
			 mailbox, err);
		resp_tagged(s->stream, cmd->tag, "NO", "[INUSE] Mailbox is "
			    "busy, try again");
		break;
	case FLAGS_FAILED:
		/* The path in err is for the log, not the client. */
		log_error("keywords: user=%s mailbox=%s: %s", s->user.name,
			  mailbox, err);
		resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Internal "
			    "error occurred. Refer to server log for more "
			    "information.");
		break;
	default:
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", err);
		break;
	}
}
