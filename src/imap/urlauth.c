/* src/imap/urlauth.c — checking URLAUTH-authorized URLs (imap/urlauth.h,
 * RFC 4467 6).
 *
 * The rump is the URL's text up to the ":" before the mechanism, as the
 * client sent it: RFC 4467 6 forbids decoding or case-folding it first.
 * Every failure says only "invalid URL" to the client (URLFETCH answers
 * NIL, CATENATE NO [BADURL]); the reasons are for the log. When the
 * mailbox cannot be found the token is computed all the same, with a
 * random key (urlauth_keys_token), so the answer takes as long as for a
 * mailbox that exists (RFC 4467 6, 10). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "imap/mailstore.h"
#include "imap/response.h"
#include "imap/urlauth.h"
#include "imap/urlauth_keys.h"
#include "imap/urlpart.h"
#include "store/folder.h"
#include "store/mailboxes.h"
#include "util/log.h"

int
urlauth_dir_guid(struct session *s, const char *wire, const char *dir,
		 const char **guid_r, const char **err_r)
{
	struct mailboxes *mb = mailstore_mailboxes(s->store);
	const char *guid, *ferr = NULL;
	struct folder *f = NULL;

	if (folder_open(mb->root, dir, FOLDER_READONLY, &f, &ferr) < 0 ||
	    (guid = folder_mailbox_guid(f, &ferr)) == NULL) {
		log_error("urlauth: user=%s mailbox=%s: %s", s->user.name,
			  wire, ferr != NULL ? ferr : "");
		folder_close(&f);
		*err_r = "Cannot open the mailbox";
		return -1;
	}
	*guid_r = arena_strdup(s->arena, guid);
	folder_close(&f);
	return 0;
}

int
urlauth_mailbox_guid(struct session *s, const struct imapurl *u,
		     const char **guid_r, const char **err_r)
{
	const char *wire, *dir;
	int r;

	if ((r = urlpart_mailbox(s, u, &wire, &dir, err_r)) != 0)
		return r;
	return urlauth_dir_guid(s, wire, dir, guid_r, err_r);
}

/* RFC 4467 3: who may use the URL. */
static int
access_ok(struct session *s, const struct imapurl *u)
{
	if (strcasecmp(u->access, "anonymous") == 0 ||
	    strcasecmp(u->access, "authuser") == 0)
		return 1;
	if (strncasecmp(u->access, "user+", 5) == 0)
		return strcmp(u->access_user, s->user.name) == 0;
	/* submit+: skua knows no submission role. */
	return 0;
}

int
urlauth_verify(struct session *s, const struct imapurl *u, const char *text,
	       const char **err_r)
{
	char token[URLAUTH_TOKEN_LEN + 1];
	const char *guid = NULL, *kerr = NULL;
	int r, known;

	*err_r = "Invalid URLAUTH";
	if (!u->absolute || u->user == NULL || u->uid == 0 ||
	    u->access == NULL || u->mech == NULL)
		return URLPART_BADURL;
	if (strcasecmp(u->mech, "INTERNAL") != 0) {
		*err_r = "Unknown URLAUTH mechanism";
		return URLPART_BADURL;
	}
	if (u->has_expire && u->expire < time(NULL)) {
		*err_r = "URL expired";
		return URLPART_BADURL;
	}
	if (!access_ok(s, u)) {
		*err_r = "URL not authorized for this user";
		return URLPART_BADURL;
	}
	known = urlauth_mailbox_guid(s, u, &guid, err_r) == 0;
	r = urlauth_keys_token(s->maildir, known ? guid : "0", 0, text,
			       u->rump_len, token, &kerr);
	if (r < 0) {
		log_error("urlauth: user=%s: %s", s->user.name, kerr);
		*err_r = "Cannot check the URL";
		return URLPART_BADURL;
	}
	if (!known || r != 0 || !urlauth_token_equal(token, u->token)) {
		*err_r = "Invalid URLAUTH token";
		return URLPART_BADURL;
	}
	return 0;
}

/* What urlauth_announce last saw: one session per process, so one
 * selected mailbox. */
static struct {
	const struct folder *folder;    /* the selection it belongs to, */
	char name[1024];                /* and its name */
	struct stat st;                 /* of the key table; ino 0: none */
	char fp[URLAUTH_TOKEN_LEN + 1]; /* the key's mark, "" for none */
} watch;

static void
table_stat(struct session *s, struct stat *st)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", s->maildir, URLAUTH_KEYS_FILE);
	if (stat(path, st) < 0)
		memset(st, 0, sizeof(*st));
}

/* A mark of the selected mailbox's key: a token made with it, so the key
 * itself is not kept; "" when it has none. */
static void
key_mark(struct session *s, char *fp)
{
	const char *guid, *err = NULL;

	fp[0] = '\0';
	if ((guid = folder_mailbox_guid(s->sel.folder, &err)) == NULL ||
	    urlauth_keys_token(s->maildir, guid, 0, "skua", 4, fp, &err) != 0)
		fp[0] = '\0';
}

void
urlauth_announce(struct session *s)
{
	char fp[URLAUTH_TOKEN_LEN + 1];
	struct stat st;
	int same = watch.folder == s->sel.folder && s->sel.name != NULL &&
		   strcmp(watch.name, s->sel.name) == 0;

	if (s->state != ST_SELECTED || s->sel.folder == NULL ||
	    s->maildir == NULL)
		return;
	table_stat(s, &st);
	if (same && st.st_ino == watch.st.st_ino &&
	    st.st_size == watch.st.st_size &&
	    st.st_mtim.tv_sec == watch.st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == watch.st.st_mtim.tv_nsec)
		return;
	if (st.st_ino != 0)
		key_mark(s, fp);
	else
		fp[0] = '\0';
	/* A key made where there was none revokes nothing. */
	if (same && watch.fp[0] != '\0' &&
	    strcmp(fp, watch.fp) != 0)
		resp_untagged(s->stream, "OK [URLMECH INTERNAL] Mailbox access "
			      "key reset");
	watch.folder = s->sel.folder;
	snprintf(watch.name, sizeof(watch.name), "%s",
		 s->sel.name != NULL ? s->sel.name : "");
	watch.st = st;
	memcpy(watch.fp, fp, sizeof(fp));
}
