/* src/imap/cmd_urlauth.c — GENURLAUTH, RESETKEY and URLFETCH (RFC 4467
 * BASE.6.3).
 *
 *     genurlauth = "GENURLAUTH" 1*(SP url-rump SP mechanism)
 *     resetkey   = "RESETKEY" [SP mailbox *(SP mechanism)]
 *     urlfetch   = "URLFETCH" 1*(SP url-full)
 *
 * Only the INTERNAL mechanism exists (imap/urlauth_keys.h has the keys
 * and tokens, imap/urlauth.h the checks). GENURLAUTH checks every pair
 * before it answers (a bad one is BAD, RFC 4467 BASE.6.3.GENURLAUTH) and
 * makes a mailbox's key on first use. URLFETCH never fails for a URL: a
 * URL that does not check out, names no message, or names another
 * user's data gives NIL, as BASE.7.4.URLFETCH wants; only a list or
 * a missing argument is BAD.
 *
 * skua has no cross-user access: a key table is its user's own, and a
 * URL is only resolved in the session user's Maildir (imap/urlpart.h).
 * A submission server logging in as itself therefore cannot fetch its
 * users' URLs; "submit+" URLs are generated, and fetched by nobody.
 *
 * RESETKEY answers [URLMECH INTERNAL] in its tagged OK (BASE.7.1 allows
 * that instead of an untagged OK). Other sessions of the user that have
 * the mailbox selected are not told: skua's sessions are separate
 * processes with no channel between them but the Maildir, and a URL
 * they later check is checked against the new key anyway. */
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/imapurl.h"
#include "imap/mailstore.h"
#include "imap/mboxwire.h"
#include "imap/response.h"
#include "imap/urlauth.h"
#include "imap/urlauth_keys.h"
#include "imap/urlpart.h"
#include "store/mailboxes.h"
#include "store/names.h"
#include "util/log.h"

/* The text of an astring argument with its length, or NULL. */
static const char *
astring(const struct arg *a, size_t *len_r)
{
	if ((a->type != ARG_ATOM && a->type != ARG_QUOTED &&
	     a->type != ARG_LITERAL) || a->data == NULL)
		return NULL;
	*len_r = a->len;
	return (const char *)a->data;
}

/* Checks one GENURLAUTH pair and makes its full URL. Returns 0, or -1
 * after answering. */
static int
gen_one(struct session *s, const struct command *cmd, const struct arg *ua,
	const struct arg *ma, const char **full_r)
{
	char token[URLAUTH_TOKEN_LEN + 1];
	const char *text, *why = NULL, *guid = NULL, *mech;
	struct imapurl u;
	size_t len;
	int r;

	mech = ma->type == ARG_ATOM ? (const char *)ma->data : NULL;
	if ((text = astring(ua, &len)) == NULL || mech == NULL) {
		why = "Invalid arguments";
	} else if (imapurl_parse(text, len, s->arena, &u, &why) < 0) {
		;
	} else if (!u.absolute || u.user == NULL) {
		why = "missing owner username in supplied URL";
	} else if (u.access == NULL) {
		why = "missing access identifier in supplied URL";
	} else if (u.mech != NULL) {
		why = "supplied URL already carries a URLAUTH token";
	} else if (u.uid == 0 || u.search) {
		/* RFC 4467 3: messages and parts only. */
		why = "URLAUTH applies to messages and message parts only";
	} else if (strcasecmp(mech, "INTERNAL") != 0) {
		why = "unsupported URLAUTH mechanism";
	} else if (strcmp(u.user, s->user.name) != 0) {
		why = "no access to another user's mailbox access keys";
	} else if ((r = urlauth_mailbox_guid(s, &u, &guid, &why)) != 0) {
		if (r < 0) {
			resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] "
				    "%s", why);
			return -1;
		}
	}
	if (why != NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", why);
		return -1;
	}
	if (urlauth_keys_token(s->maildir, guid, 1, text, len, token,
			       &why) != 0) {
		log_error("genurlauth: user=%s: %s", s->user.name, why);
		resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Cannot make "
			    "the mailbox access key");
		return -1;
	}
	*full_r = arena_printf(s->arena, "%.*s:internal:%s", (int)len, text,
			       token);
	return 0;
}

void
cmd_genurlauth(struct session *s, const struct command *cmd)
{
	const char **full;
	size_t n = cmd->nargs / 2;

	if (cmd->nargs == 0 || cmd->nargs % 2 != 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "GENURLAUTH wants URL "
			    "and mechanism pairs");
		return;
	}
	full = arena_zalloc(s->arena, n * sizeof(*full));
	for (size_t i = 0; i < n; i++)
		if (gen_one(s, cmd, &cmd->args[2 * i], &cmd->args[2 * i + 1],
			    &full[i]) < 0)
			return;
	stream_puts(s->stream, "* GENURLAUTH");
	for (size_t i = 0; i < n; i++) {
		stream_puts(s->stream, " ");
		resp_string(s->stream, full[i], strlen(full[i]));
	}
	stream_puts(s->stream, "\r\n");
	session_ok(s, cmd, "GENURLAUTH completed");
}

void
cmd_resetkey(struct session *s, const struct command *cmd)
{
	struct mailboxes *mb = mailstore_mailboxes(s->store);
	char rel[NAMES_DIR_MAX + 1];
	const char *name, *dir, *guid = NULL, *err = NULL;
	struct mbox_err merr;
	unsigned attrs = 0;

	if (cmd->nargs == 0) {
		/* The second form: every key goes, every URL is void. */
		if (urlauth_keys_reset(s->maildir, NULL, &err) < 0) {
			log_error("resetkey: user=%s: %s", s->user.name, err);
			resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] "
				    "Cannot remove the keys");
			return;
		}
		session_ok(s, cmd, "All keys removed");
		return;
	}
	if ((name = mboxwire_astring(&cmd->args[0])) == NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Invalid mailbox name");
		return;
	}
	for (size_t i = 1; i < cmd->nargs; i++)
		if (cmd->args[i].type != ARG_ATOM ||
		    strcasecmp((const char *)cmd->args[i].data,
			       "INTERNAL") != 0) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Unsupported "
				    "URLAUTH mechanism");
			return;
		}
	if (mailboxes_lookup(mb, name, rel, sizeof(rel), &attrs, &merr) < 0 ||
	    (attrs & MBOX_NOSELECT)) {
		resp_tagged(s->stream, cmd->tag, "NO", "[NONEXISTENT] Mailbox "
			    "doesn't exist: %s", name);
		return;
	}
	dir = rel[0] == '\0' ? mb->root :
	      arena_printf(s->arena, "%s/%s", mb->root, rel);
	if (urlauth_dir_guid(s, name, dir, &guid, &err) < 0 ||
	    urlauth_keys_reset(s->maildir, guid, &err) < 0) {
		log_error("resetkey: user=%s mailbox=%s: %s", s->user.name,
			  name, err);
		resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Cannot "
			    "change the key of that mailbox");
		return;
	}
	session_ok(s, cmd, "[URLMECH INTERNAL] Key reset");
}

/* The data of one URL into b, or -1 for NIL. */
static int
fetch_one(struct session *s, const char *text, size_t len,
	  struct urlpart_cache *c, struct buf *b)
{
	const char *why = NULL;
	struct imapurl u;
	int r;

	if (imapurl_parse(text, len, s->arena, &u, &why) < 0 ||
	    urlauth_verify(s, &u, text, &why) != 0)
		return -1;
	r = urlpart_fetch(s, &u, c, b, &why);
	if (r < 0)
		log_error("urlfetch: user=%s: %s", s->user.name, why);
	return r == 0 ? 0 : -1;
}

void
cmd_urlfetch(struct session *s, const struct command *cmd)
{
	struct urlpart_cache cache = { NULL, NULL };
	const char *text;
	size_t len;
	struct buf b;

	if (cmd->nargs == 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "URLFETCH wants URLs");
		return;
	}
	for (size_t i = 0; i < cmd->nargs; i++)
		if (astring(&cmd->args[i], &len) == NULL) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Invalid URL "
				    "argument");
			return;
		}
	/* One URL at a time: only its data is held. */
	buf_init(&b, SESSION_APPEND_LIMIT);
	stream_puts(s->stream, "* URLFETCH");
	for (size_t i = 0; i < cmd->nargs; i++) {
		text = astring(&cmd->args[i], &len);
		stream_puts(s->stream, " ");
		resp_string(s->stream, text, len);
		buf_reset(&b);
		if (fetch_one(s, text, len, &cache, &b) < 0) {
			stream_puts(s->stream, " NIL");
			continue;
		}
		/* An nstring cannot carry a NUL (RFC 3501 4.3): FETCH's
		 * way, 0x80 in its place. */
		for (size_t k = 0; k < b.len; k++)
			if (b.data[k] == '\0')
				b.data[k] = 0x80;
		stream_printf(s->stream, " {%zu}\r\n", b.len);
		stream_write(s->stream, b.data, b.len);
	}
	buf_free(&b);
	urlpart_done(&cache);
	stream_puts(s->stream, "\r\n");
	session_ok(s, cmd, "URLFETCH completed");
}
