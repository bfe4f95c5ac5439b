/* src/imap/cmd_mailbox.c — CREATE, DELETE, RENAME, SUBSCRIBE,
 * UNSUBSCRIBE, LIST, LSUB and STATUS (RFC 3501 6.3.3-6.3.10): the
 * commands that work on mailboxes by name rather than on messages.
 *
 * The store does the work (store/mailboxes.h, store/subscriptions.h);
 * what is left here is the wire: reading astrings, turning a store error
 * into "NO [CODE] sentence" (RFC 5530), and writing names as atoms where
 * they can be, quoted or as literals where not, as Dovecot 2.3 does.
 * Where RFC 3501 leaves room, Dovecot 2.3's answers are the model:
 *
 * - LIST "*" leaves out a level that exists only as the parent of a
 *   listed name; "%" lists it as \Noselect \HasChildren, since its
 *   children do not match (RFC 3501 6.3.8 lets a server do either).
 * - LIST "ref" "" answers the root of ref: up to and including its first
 *   separator (the RFC's "#news." example), "" when it has none.
 * - Special-use attributes (RFC 6154 2) come with plain LIST and LSUB;
 *   \Marked and \Unmarked do not (Dovecot gives them only on request).
 * - STATUS answers its items in a fixed order, as in RFC 3501 6.3.10's
 *   own example (asked "UIDNEXT MESSAGES", answered "MESSAGES ...").
 * - DELETE or RENAME of the selected mailbox succeeds, and then the
 *   session ends with BYE: what the client was told about the mailbox
 *   no longer holds, and RFC 3501 has no way to tell it so. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/mailstore.h"
#include "imap/response.h"
#include "store/filename.h"
#include "store/folder.h"
#include "store/pattern.h"
#include "store/subscriptions.h"
#include "util/log.h"

/* The name an astring argument spells (RFC 3501 9), or NULL for another
 * kind of argument or one holding NUL. A bare NIL is the name "NIL". */
static const char *
astring_arg(const struct arg *a)
{
	switch (a->type) {
	case ARG_ATOM:
	case ARG_QUOTED:
	case ARG_NIL:
		return (const char *)a->data;
	case ARG_LITERAL:
		if (a->binary || memchr(a->data, '\0', a->len) != NULL)
			return NULL;
		return (const char *)a->data;
	default:
		return NULL;
	}
}

/* Reads n astrings into names; answers BAD and returns -1 when the
 * command has another count or kind of arguments. */
static int
astring_args(struct session *s, const struct command *cmd, size_t n,
	     const char **names, const char *usage)
{
	if (cmd->nargs == n) {
		size_t i;

		for (i = 0; i < n; i++)
			if ((names[i] = astring_arg(&cmd->args[i])) == NULL)
				break;
		if (i == n)
			return 0;
	}
	resp_tagged(s->stream, cmd->tag, "BAD", "%s wants %s", cmd->name,
		    usage);
	return -1;
}

/* RFC 3501 9: ASTRING-CHAR is any CHAR except CTL, SP and the
 * specials ( ) { % * " \ -- but "]" is allowed. */
static int
astring_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\", c) == NULL;
}

/* Writes name as an atom when it can be one (not "NIL", which would read
 * as nil), else as a quoted string or a literal. */
static void
put_name(struct stream *out, const char *name)
{
	size_t len = strlen(name), i;

	for (i = 0; i < len; i++)
		if (!astring_char((unsigned char)name[i]))
			break;
	if (len > 0 && i == len && strcasecmp(name, "NIL") != 0)
		stream_puts(out, name);
	else
		resp_string(out, name, len);
}

static const char *
err_code(enum mbox_code code)
{
	switch (code) {
	case MBOX_ERR_NAME:
	case MBOX_ERR_CANNOT:
		return "[CANNOT] ";
	case MBOX_ERR_EXISTS:
		return "[ALREADYEXISTS] ";
	case MBOX_ERR_NONEXISTENT:
		return "[NONEXISTENT] ";
	case MBOX_ERR_HASCHILDREN:
		return "[HASCHILDREN] ";        /* RFC 9051 7.1 */
	case MBOX_ERR_INUSE:
		return "[INUSE] ";
	default:
		return "";
	}
}

/* Answers a store error with NO. An I/O error goes to the log with what
 * an admin needs; the client learns only that it happened. */
static void
answer_err(struct session *s, const struct command *cmd, const char *name,
	   const struct mbox_err *err)
{
	if (err->code == MBOX_ERR_SERVER || err->code == MBOX_OK) {
		log_error("%s: user=%s mailbox=%s: %s", cmd->name,
			  s->user.name, name, err->text);
		resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Internal "
			    "error occurred. Refer to server log for more "
			    "information.");
		return;
	}
	resp_tagged(s->stream, cmd->tag, "NO", "%s%s", err_code(err->code),
		    err->text);
}

static struct mailboxes *
mbs(struct session *s)
{
	return mailstore_mailboxes(s->store);
}

/* The directory of the selected mailbox into dir (NAMES_DIR_MAX + 1
 * bytes); 0, or -1 when none is selected. */
static int
selected_dir(struct session *s, char *dir, size_t size)
{
	const struct mailboxes *mb = mbs(s);
	const char *e;

	if (s->state != ST_SELECTED || s->sel.name == NULL)
		return -1;
	return names_to_dir(&mb->rules, s->sel.name, mb->wire_utf8, dir, size,
			    &e);
}

/* 1 when the selected mailbox is dir or lies under it (Maildir++ writes
 * the levels of A/B as ".A.B"). */
static int
selected_under(struct session *s, const char *dir)
{
	char sel[NAMES_DIR_MAX + 1];
	size_t len = strlen(dir);

	if (len == 0 || selected_dir(s, sel, sizeof(sel)) < 0)
		return 0;
	return strncmp(sel, dir, len) == 0 &&
	       (sel[len] == '\0' || sel[len] == '.');
}

/* Answers OK to a command that took the selected mailbox away, then
 * ends the session as Dovecot does. Unselecting first keeps session_ok
 * from syncing a folder that is gone. */
static void
ok_then_bye(struct session *s, const struct command *cmd, const char *ok,
	    const char *bye)
{
	session_unselect(s);
	session_ok(s, cmd, "%s", ok);
	resp_untagged(s->stream, "BYE %s", bye);
	s->closing = 1;
}

void
cmd_create(struct session *s, const struct command *cmd)
{
	struct mbox_err err;
	const char *name;

	if (astring_args(s, cmd, 1, &name, "one mailbox name") < 0)
		return;
	if (mailboxes_create(mbs(s), name, &err) < 0) {
		answer_err(s, cmd, name, &err);
		return;
	}
	session_ok(s, cmd, "Create completed.");
}

void
cmd_delete(struct session *s, const struct command *cmd)
{
	char dir[NAMES_DIR_MAX + 1], sel[NAMES_DIR_MAX + 1];
	struct mbox_err err;
	const char *name, *e;
	int selected;

	if (astring_args(s, cmd, 1, &name, "one mailbox name") < 0)
		return;
	/* Only the mailbox itself: its children survive DELETE. */
	selected = names_to_dir(&mbs(s)->rules, name, mbs(s)->wire_utf8, dir,
				sizeof(dir), &e) == 0 &&
		   selected_dir(s, sel, sizeof(sel)) == 0 &&
		   strcmp(sel, dir) == 0;
	if (mailboxes_delete(mbs(s), name, &err) < 0) {
		answer_err(s, cmd, name, &err);
		return;
	}
	if (selected)
		ok_then_bye(s, cmd, "Delete completed.",
			    "Selected mailbox was deleted, have to disconnect.");
	else
		session_ok(s, cmd, "Delete completed.");
}

void
cmd_rename(struct session *s, const struct command *cmd)
{
	char dir[NAMES_DIR_MAX + 1];
	struct mbox_err err;
	const char *names[2], *e;
	int selected;

	if (astring_args(s, cmd, 2, names, "an existing and a new mailbox "
			 "name") < 0)
		return;
	/* Renaming INBOX moves its messages but INBOX stays: a selected
	 * INBOX just sees them expunged at the next sync. */
	selected = names_to_dir(&mbs(s)->rules, names[0], mbs(s)->wire_utf8,
				dir, sizeof(dir), &e) == 0 &&
		   selected_under(s, dir);
	if (mailboxes_rename(mbs(s), names[0], names[1], &err) < 0) {
		/* Dovecot names the missing mailbox; the store does not. */
		if (err.code == MBOX_ERR_NONEXISTENT)
			snprintf(err.text, sizeof(err.text), "Mailbox doesn't "
				 "exist: %s", names[0]);
		answer_err(s, cmd, names[0], &err);
		return;
	}
	if (selected)
		ok_then_bye(s, cmd, "Rename completed.",
			    "IMAP session state is inconsistent, please "
			    "relogin.");
	else
		session_ok(s, cmd, "Rename completed.");
}

void
cmd_subscribe(struct session *s, const struct command *cmd)
{
	char dir[NAMES_DIR_MAX + 1];
	struct mbox_err err;
	const char *name;
	unsigned attrs;

	if (astring_args(s, cmd, 1, &name, "one mailbox name") < 0)
		return;
	/* RFC 3501 6.3.6 lets a server refuse a name that does not exist;
	 * Dovecot does, and so a typo does not linger in LSUB. A level that
	 * only holds children (\Noselect) is no mailbox either. */
	if (mailboxes_lookup(mbs(s), name, dir, sizeof(dir), &attrs,
			     &err) < 0) {
		answer_err(s, cmd, name, &err);
		return;
	}
	if (attrs & MBOX_NOSELECT) {
		resp_tagged(s->stream, cmd->tag, "NO", "[NONEXISTENT] Mailbox "
			    "doesn't exist: %s", name);
		return;
	}
	if (subs_add(mbs(s), name, &err) < 0) {
		answer_err(s, cmd, name, &err);
		return;
	}
	session_ok(s, cmd, "Subscribe completed.");
}

void
cmd_unsubscribe(struct session *s, const struct command *cmd)
{
	struct mbox_err err;
	const char *name;

	if (astring_args(s, cmd, 1, &name, "one mailbox name") < 0)
		return;
	if (subs_remove(mbs(s), name, &err) < 0) {
		answer_err(s, cmd, name, &err);
		return;
	}
	session_ok(s, cmd, "Unsubscribe completed.");
}

/* Writes "* LIST (attrs) "/" name" or LSUB alike. */
static void
put_list_line(struct session *s, const char *what, const char *attrs,
	      const char *name)
{
	stream_printf(s->stream, "* %s (%s) \"%c\" ", what, attrs,
		      mbs(s)->rules.sep);
	put_name(s->stream, name);
	stream_puts(s->stream, "\r\n");
}

/* The attributes of a LIST line, in Dovecot's order. */
static void
attr_text(unsigned attrs, char *out, size_t size)
{
	static const struct {
		unsigned bit;
		const char *text;
	} names[] = {
		{ MBOX_NOSELECT, "\\Noselect" },
		{ MBOX_HASCHILDREN, "\\HasChildren" },
		{ MBOX_HASNOCHILDREN, "\\HasNoChildren" },
		{ MBOX_MARKED, "\\Marked" },
		{ MBOX_UNMARKED, "\\Unmarked" },
		{ MBOX_DRAFTS, "\\Drafts" },
		{ MBOX_SENT, "\\Sent" },
		{ MBOX_TRASH, "\\Trash" },
		{ MBOX_JUNK, "\\Junk" },
		{ MBOX_ARCHIVE, "\\Archive" },
	};
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(attrs & names[i].bit))
			continue;
		snprintf(out + used, size - used, "%s%s", used ? " " : "",
			 names[i].text);
		used = strlen(out);
	}
}

/* RFC 3501 6.3.8: an empty pattern asks for the separator and the root
 * of the reference, which is \Noselect. */
static void
list_root(struct session *s, const char *ref)
{
	const char *sep = strchr(ref, mbs(s)->rules.sep);
	char root[PATTERN_MAX_LEN + 1];
	size_t len = sep != NULL ? (size_t)(sep - ref) + 1 : 0;

	if (len > PATTERN_MAX_LEN)
		len = PATTERN_MAX_LEN;
	memcpy(root, ref, len);
	root[len] = '\0';
	put_list_line(s, "LIST", "\\Noselect", root);
}

/* 1 when entry i is a \Noselect level whose next entry is a child of it
 * (the list is in tree order, children right after their parent): its
 * children speak for it, as in Dovecot's LIST "*". */
static int
level_hidden(const struct mbox_entry *e, size_t i, size_t n, char sep)
{
	size_t len = strlen(e[i].name);

	return (e[i].attrs & MBOX_NOSELECT) && i + 1 < n &&
	       strncmp(e[i + 1].name, e[i].name, len) == 0 &&
	       e[i + 1].name[len] == sep;
}

void
cmd_list(struct session *s, const struct command *cmd)
{
	const struct mbox_entry *e;
	struct mbox_list *l;
	struct mbox_err err;
	const char *args[2];
	char attrs[256];
	size_t n;

	if (astring_args(s, cmd, 2, args, "a reference and a mailbox "
			 "pattern") < 0)
		return;
	if (*args[1] == '\0') {
		list_root(s, args[0]);
		session_ok(s, cmd, "List completed.");
		return;
	}
	if (mailboxes_list(mbs(s), args[0], args[1], 0, &l, &err) < 0) {
		answer_err(s, cmd, args[1], &err);
		return;
	}
	e = mbox_list_entries(l, &n);
	for (size_t i = 0; i < n; i++) {
		if (level_hidden(e, i, n, mbs(s)->rules.sep))
			continue;
		attr_text(e[i].attrs, attrs, sizeof(attrs));
		put_list_line(s, "LIST", attrs, e[i].name);
	}
	mbox_list_free(&l);
	session_ok(s, cmd, "List completed.");
}

/* The special-use attribute of a subscribed name, as LIST gives it. */
static unsigned
special_of(const struct mailboxes *mb, const char *name)
{
	for (size_t i = 0; i < mb->nspecial; i++)
		if (strcmp(mb->special[i].name, name) == 0)
			return mb->special[i].attr;
	return 0;
}

void
cmd_lsub(struct session *s, const struct command *cmd)
{
	const struct subs_entry *e;
	struct subs_list *l;
	struct mbox_err err;
	const char *args[2];
	char attrs[256];
	size_t n;

	if (astring_args(s, cmd, 2, args, "a reference and a mailbox "
			 "pattern") < 0)
		return;
	if (subs_list(mbs(s), args[0], args[1], &l, &err) < 0) {
		answer_err(s, cmd, args[1], &err);
		return;
	}
	e = subs_list_entries(l, &n);
	for (size_t i = 0; i < n; i++) {
		attr_text(e[i].noselect ? MBOX_NOSELECT :
			  special_of(mbs(s), e[i].name), attrs, sizeof(attrs));
		put_list_line(s, "LSUB", attrs, e[i].name);
	}
	subs_list_free(&l);
	session_ok(s, cmd, "Lsub completed.");
}

/* STATUS items (RFC 3501 6.3.10), in the order they are answered. */
enum {
	ST_MESSAGES = 1 << 0,
	ST_RECENT = 1 << 1,
	ST_UIDNEXT = 1 << 2,
	ST_UIDVALIDITY = 1 << 3,
	ST_UNSEEN = 1 << 4,
};

static const char *const status_items[] = {
	"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN",
};
#define N_STATUS_ITEMS (sizeof(status_items) / sizeof(status_items[0]))

/* Reads the item list into a mask of ST_*; answers BAD and returns 0
 * when it is empty or holds anything else. */
static unsigned
status_mask(struct session *s, const struct command *cmd,
	    const struct arg *a)
{
	unsigned mask = 0;

	if (a->count == 0) {
		resp_tagged(s->stream, cmd->tag, "BAD", "Empty status list");
		return 0;
	}
	for (size_t i = 0; i < a->count; i++) {
		const struct arg *it = &a->list[i];
		size_t k = 0;

		while (it->type == ARG_ATOM && k < N_STATUS_ITEMS &&
		       strcasecmp((const char *)it->data, status_items[k]))
			k++;
		if (it->type != ARG_ATOM || k == N_STATUS_ITEMS) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Invalid "
				    "status item %.64s", it->type == ARG_LIST ?
				    "(list)" : (const char *)it->data);
			return 0;
		}
		mask |= 1u << k;
	}
	return mask;
}

/* Counts into v[] (indexed like status_items). Returns 0, or -1 with
 * *err_r. Opens the folder read-only: the store counts as \Recent what
 * no read-write session has seen yet (skua.recent), mail that APPEND or
 * COPY put there included, and claims none of it, so the next SELECT
 * sees the same messages as \Recent that RECENT counted (RFC 3501
 * 6.3.10, 2.3.2). */
static int
status_values(const char *root, const char *path,
	      uint32_t v[N_STATUS_ITEMS], const char **err_r)
{
	const struct store_msg *m;
	struct folder *f;
	size_t n;

	if (folder_open(root, path, 1, &f, err_r) < 0)
		return -1;
	m = folder_msgs(f, &n);
	memset(v, 0, N_STATUS_ITEMS * sizeof(v[0]));
	v[0] = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		v[1] += m[i].recent != 0;
		v[4] += !(m[i].flags & MF_SEEN);
	}
	v[2] = folder_uidnext(f);
	v[3] = folder_uidvalidity(f);
	folder_close(&f);
	return 0;
}

void
cmd_status(struct session *s, const struct command *cmd)
{
	char dir[NAMES_DIR_MAX + 1], sel[NAMES_DIR_MAX + 1], path[4200];
	const struct mailboxes *mb = mbs(s);
	uint32_t v[N_STATUS_ITEMS];
	struct mbox_err err;
	const char *name, *e;
	unsigned attrs, mask;

	if (cmd->nargs != 2 || (name = astring_arg(&cmd->args[0])) == NULL ||
	    cmd->args[1].type != ARG_LIST) {
		resp_tagged(s->stream, cmd->tag, "BAD", "STATUS wants a "
			    "mailbox name and a list of status items");
		return;
	}
	if ((mask = status_mask(s, cmd, &cmd->args[1])) == 0)
		return;
	if (mailboxes_lookup(mb, name, dir, sizeof(dir), &attrs, &err) < 0) {
		answer_err(s, cmd, name, &err);
		return;
	}
	if (attrs & MBOX_NOSELECT) {
		resp_tagged(s->stream, cmd->tag, "NO", "[NONEXISTENT] Mailbox "
			    "doesn't exist: %s", name);
		return;
	}
	snprintf(path, sizeof(path), "%s%s%s", mb->root, *dir ? "/" : "", dir);
	if (status_values(mb->root, path, v, &e) < 0) {
		snprintf(err.text, sizeof(err.text), "%s", e);
		err.code = MBOX_ERR_SERVER;
		answer_err(s, cmd, name, &err);
		return;
	}
	stream_puts(s->stream, "* STATUS ");
	put_name(s->stream, *dir ? name : "INBOX");
	stream_puts(s->stream, " (");
	for (size_t k = 0, first = 1; k < N_STATUS_ITEMS; k++) {
		if (!(mask & (1u << k)))
			continue;
		stream_printf(s->stream, "%s%s %u", first ? "" : " ",
			      status_items[k], v[k]);
		first = 0;
	}
	stream_puts(s->stream, ")\r\n");
	/* RFC 3501 6.3.10: STATUS "SHOULD NOT be used on the currently
	 * selected mailbox"; answered all the same, with RFC 5530's
	 * CLIENTBUG as Dovecot does, so the client's author can learn. */
	if (selected_dir(s, sel, sizeof(sel)) == 0 && strcmp(sel, dir) == 0)
		session_ok(s, cmd, "[CLIENTBUG] Status on selected mailbox "
			   "completed.");
	else
		session_ok(s, cmd, "Status completed.");
}
