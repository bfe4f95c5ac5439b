/* src/imap/notify.c — delivering NOTIFY's events (RFC 5465; the command
 * is src/imap/cmd_notify.c, the interface include/imap/notify.h).
 *
 * The store tells us only that something may have changed (store/watch.h:
 * the Maildir root, and new/ and cur/ of each watched folder), so the
 * session keeps what it last told the client and compares:
 *
 * - For each watched folder other than the selected one, MESSAGES,
 *   UIDNEXT, UIDVALIDITY, UNSEEN and HIGHESTMODSEQ. A change of the
 *   first two is MessageNew/MessageExpunge: "* STATUS name (MESSAGES n
 *   UIDNEXT n)" (5.2, 5.3), with HIGHESTMODSEQ once CONDSTORE is on. A
 *   flag change (5.1) is HIGHESTMODSEQ and UIDVALIDITY once CONDSTORE is
 *   on, and UNSEEN when that count moved (the MAY of 5.1); without
 *   CONDSTORE a flag change that leaves UNSEEN alone is not told, as 5.1
 *   allows. A new UIDVALIDITY is always told.
 * - The folder tree: name, attributes and the inode of each folder's
 *   directory. A name that came is MailboxName's create, one that went
 *   its delete ("\NonExistent" when nothing is left of it); a folder
 *   that went and one that came with the same directory inode is a
 *   RENAME, told once with OLDNAME for the new name and nothing for its
 *   children (5.4). The direct parent of a created or deleted name is
 *   told too (5.4: "considered to be affected").
 * - The subscriptions: a name added or removed is SubscriptionChange, a
 *   LIST with all attributes, \Subscribed when it now is (5.5).
 *
 * Changes this session made itself with CREATE, DELETE, RENAME,
 * SUBSCRIBE and UNSUBSCRIBE are not told back (5: "SHOULD omit"): after
 * such a command the tree is compared at once and the names the command
 * named are left out. Message events in other mailboxes are told even
 * when this session caused them (APPEND, COPY, MOVE into a watched
 * mailbox): the STATUS is right, and a client that ignores it loses
 * nothing, while leaving it out could hide a delivery that came at the
 * same moment.
 *
 * The selected mailbox is watched too when SELECTED or SELECTED-DELAYED
 * asked for events: its news go out through session_announce as soon as
 * they happen (3.1), EXPUNGE held back under SELECTED-DELAYED until a
 * command that allows it, or IDLE (6.1.2). Only asked-for events trigger
 * an announcement; when one goes out, whatever else the view has queued
 * (a flag change without FlagChange) goes with it, as the base protocol
 * allows at any time.
 *
 * Without SELECTED or SELECTED-DELAYED nothing about the selected
 * mailbox goes out between commands or in IDLE (3.1, 4), but the end of
 * a command still says what RFC 3501 says it must (EXISTS, EXPUNGE,
 * FETCH FLAGS): 3.1 describes that as what the server does without
 * NOTIFY, and a client that never hears of EXISTS could not use "*".
 *
 * A folder whose uidlist stays locked past the lock timeout
 * (FOLDER_INUSE) is not compared in that round; its next change is.
 *
 * INBOXES is PERSONAL: every folder may be a delivery target here
 * (Sieve, an MDA's folder option), and 6.3 asks for that when the set
 * cannot be computed. There are no ACLs, so no \NoAccess (3.1, 5.9). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "imap/condstore.h"
#include "imap/fetch.h"
#include "imap/mailstore.h"
#include "imap/mboxwire.h"
#include "imap/notify.h"
#include "imap/response.h"
#include "imap/view.h"
#include "store/filename.h"
#include "store/folder.h"
#include "store/specialuse.h"
#include "store/subscriptions.h"
#include "store/watch.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

/* What a folder's STATUS said last. */
struct mstat {
	uint32_t messages, uidnext, uidvalidity, unseen;
	uint64_t hms;
};

/* A folder watched for message events. */
struct watched {
	char *name;                     /* wire name */
	char *dir;                      /* "" for INBOX, ".A.B" */
	unsigned events;                /* NOTIFY_EV_* */
	struct mstat st;
	int known;                      /* st was read */
};

/* One name of the folder tree. */
struct tent {
	char *name;
	char *dir;
	unsigned attrs;                 /* MBOX_* */
	ino_t ino;                      /* of its directory; 0: a level */
};

struct tree {
	struct tent *v;
	size_t n;
	char **subs;                    /* subscribed names, sorted */
	size_t nsubs;
};

/* Names the running command changed itself, not to be told back. */
struct own {
	const char *names[2];           /* in the command's arena */
	size_t n;
};

struct notify {
	struct notify_spec spec;
	unsigned other_events;          /* of all groups together */
	struct watch *w;                /* NULL when nothing is watched */
	struct watched *mb;             /* folder i of the watch set */
	size_t nmb;
	char *sel_dir;                  /* the selected folder, last in the
					 * watch set, or NULL */
	struct tree tree;               /* as last told */
	struct arena *arena;            /* for deliveries between commands */
	const struct view *view;        /* whose UIDs told_uid counts */
	uint32_t told_uid;              /* highest UID the client knows */
	int own_adds;                   /* the command adds messages itself */
	int tree_cmd;                   /* ... or changes the tree: */
	struct own own;                 /* these names */
	int enable;                     /* ENABLE may change how names are
					 * written (UTF8=ACCEPT) */
};

/* ---- names and filters -------------------------------------------- */

static const struct mailboxes *
mbs(const struct session *s)
{
	return mailstore_mailboxes(s->store);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
tent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tent *)a)->name,
		      ((const struct tent *)b)->name);
}

static const struct tent *
tree_find(const struct tree *t, const char *name)
{
	struct tent key = { .name = (char *)name };

	if (t->n == 0)
		return NULL;
	return bsearch(&key, t->v, t->n, sizeof(*t->v), tent_cmp);
}

static int
subscribed(const struct tree *t, const char *name)
{
	if (t->nsubs == 0)
		return 0;
	return bsearch(&name, t->subs, t->nsubs, sizeof(*t->subs),
		       name_cmp) != NULL;
}

/* 1 when d is a descendant of a (d starts with a and the separator). */
static int
descends(const char *d, const char *a, char sep)
{
	size_t len = strlen(a);

	return strncmp(d, a, len) == 0 && d[len] == sep;
}

static int
group_covers(const struct notify_group *g, const char *name, int sub,
	     char sep)
{
	switch (g->filter) {
	case NOTIFY_INBOXES:
	case NOTIFY_PERSONAL:
		return 1;
	case NOTIFY_SUBSCRIBED:
		return sub;
	case NOTIFY_SUBTREE:
	case NOTIFY_MAILBOXES:
		for (size_t i = 0; i < g->nnames; i++) {
			if (strcmp(name, g->names[i]) == 0)
				return 1;
			if (g->filter == NOTIFY_SUBTREE &&
			    descends(name, g->names[i], sep))
				return 1;
		}
		return 0;
	}
	return 0;
}

/* The events the groups ask for name. */
static unsigned
events_for(const struct session *s, const struct notify *n,
	   const char *name, int sub)
{
	unsigned ev = 0;

	for (size_t i = 0; i < n->spec.ngroups; i++)
		if (group_covers(&n->spec.groups[i], name, sub,
				 mbs(s)->rules.sep))
			ev |= n->spec.groups[i].events;
	return ev;
}

/* ---- reading the store -------------------------------------------- */

static void
tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].dir);
	}
	for (size_t i = 0; i < t->nsubs; i++)
		free(t->subs[i]);
	free(t->v);
	free(t->subs);
	memset(t, 0, sizeof(*t));
}

static char *
dir_path(const struct session *s, const char *dir)
{
	char *p;
	size_t n = strlen(mbs(s)->root) + strlen(dir) + 2;

	p = xmalloc(n);
	snprintf(p, n, "%s%s%s", mbs(s)->root, *dir ? "/" : "", dir);
	return p;
}

/* Reads the folder tree and the subscriptions. Returns 0, or -1 after
 * logging why. */
static int
tree_read(struct session *s, struct tree *t)
{
	const struct mbox_entry *e;
	const struct subs_entry *se;
	struct subs_list *sl;
	struct mbox_list *l;
	struct mbox_err err;
	size_t n, ns;

	memset(t, 0, sizeof(*t));
	if (mailboxes_list(mbs(s), "", "*", 0, &l, &err) < 0) {
		log_error("notify: user=%s: %s", s->user.name, err.text);
		return -1;
	}
	e = mbox_list_entries(l, &n);
	t->v = xcalloc(n ? n : 1, sizeof(*t->v));
	for (size_t i = 0; i < n; i++) {
		struct tent *te = &t->v[t->n++];
		struct stat st;
		char *path;

		te->name = xstrdup(e[i].name);
		te->dir = xstrdup(e[i].dir ? e[i].dir : "");
		te->attrs = e[i].attrs;
		if (e[i].attrs & MBOX_NONEXISTENT)
			continue;
		path = dir_path(s, te->dir);
		if (stat(path, &st) == 0)
			te->ino = st.st_ino;
		free(path);
	}
	mbox_list_free(&l);
	qsort(t->v, t->n, sizeof(*t->v), tent_cmp);
	if (subs_list(mbs(s), "", "*", &sl, &err) < 0) {
		log_error("notify: user=%s: %s", s->user.name, err.text);
		return 0;               /* the tree alone is still right */
	}
	se = subs_list_entries(sl, &ns);
	t->subs = xcalloc(ns ? ns : 1, sizeof(*t->subs));
	for (size_t i = 0; i < ns; i++)
		if (!se[i].noselect)
			t->subs[t->nsubs++] = xstrdup(se[i].name);
	subs_list_free(&sl);
	qsort(t->subs, t->nsubs, sizeof(*t->subs), name_cmp);
	return 0;
}

/* Reads a folder's figures, opened read-only as STATUS opens it. */
static int
mstat_read(struct session *s, const char *dir, struct mstat *st)
{
	const struct store_msg *m;
	struct folder *f;
	const char *err = NULL;
	char *path = dir_path(s, dir);
	size_t n;
	int r;

	r = folder_open(mbs(s)->root, path, FOLDER_READONLY, &f, &err);
	free(path);
	if (r < 0)
		return -1;
	m = folder_msgs(f, &n);
	memset(st, 0, sizeof(*st));
	st->messages = (uint32_t)n;
	st->uidnext = folder_uidnext(f);
	st->uidvalidity = folder_uidvalidity(f);
	st->hms = folder_highestmodseq(f);
	if (st->hms == 0)
		st->hms = 1;            /* as STATUS says it */
	for (size_t i = 0; i < n; i++)
		st->unseen += !(m[i].flags & MF_SEEN);
	folder_close(&f);
	return 0;
}

/* ---- writing ------------------------------------------------------ */

#define ST_MESSAGES    0x01
#define ST_UIDNEXT     0x02
#define ST_UIDVALIDITY 0x04
#define ST_UNSEEN      0x08
#define ST_HMS         0x10

/* "* STATUS name (...)", the items in STATUS's order (imap/status.h). */
static void
put_status(struct session *s, const char *name, const struct mstat *st,
	   unsigned items)
{
	struct stream *out = s->stream;
	const char *sp = "";

	stream_puts(out, "* STATUS ");
	mboxwire_put_name(s, name);
	stream_puts(out, " (");
	if (items & ST_MESSAGES) {
		stream_printf(out, "%sMESSAGES %u", sp, st->messages);
		sp = " ";
	}
	if (items & ST_UIDNEXT) {
		stream_printf(out, "%sUIDNEXT %u", sp, st->uidnext);
		sp = " ";
	}
	if (items & ST_UIDVALIDITY) {
		stream_printf(out, "%sUIDVALIDITY %u", sp, st->uidvalidity);
		sp = " ";
	}
	if (items & ST_UNSEEN) {
		stream_printf(out, "%sUNSEEN %u", sp, st->unseen);
		sp = " ";
	}
	if (items & ST_HMS)
		stream_printf(out, "%sHIGHESTMODSEQ %llu", sp,
			      (unsigned long long)st->hms);
	stream_puts(out, ")\r\n");
}

/* "* LIST (attrs) "/" name", attributes as an extended LIST gives them
 * (RFC 5258: \NonExistent for what is not there), and OLDNAME after a
 * RENAME (RFC 5465 5.4). */
static void
put_list(struct session *s, const struct tree *t, const char *name,
	 const char *oldname)
{
	static const struct {
		unsigned bit;
		const char *text;
	} names[] = {
		{ MBOX_NOSELECT, "\\Noselect" },
		{ MBOX_NONEXISTENT, "\\NonExistent" },
		{ MBOX_HASCHILDREN, "\\HasChildren" },
		{ MBOX_HASNOCHILDREN, "\\HasNoChildren" },
	};
	const struct tent *te = tree_find(t, name);
	unsigned attrs = te != NULL ? te->attrs : MBOX_NONEXISTENT;
	const char *sp = "";

	if (attrs & MBOX_NONEXISTENT)
		attrs &= ~MBOX_NOSELECT;
	stream_puts(s->stream, "* LIST (");
	if (subscribed(t, name)) {
		stream_puts(s->stream, "\\Subscribed");
		sp = " ";
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (attrs & names[i].bit) {
			stream_printf(s->stream, "%s%s", sp, names[i].text);
			sp = " ";
		}
	for (unsigned bit = 1; bit != 0; bit <<= 1)
		if (attrs & bit & MBOX_SPECIAL_USE) {
			stream_printf(s->stream, "%s%s", sp,
				      specialuse_name(bit));
			sp = " ";
		}
	stream_printf(s->stream, ") \"%c\" ", mbs(s)->rules.sep);
	mboxwire_put_name(s, name);
	if (oldname != NULL) {
		stream_puts(s->stream, " (\"OLDNAME\" (");
		mboxwire_put_name(s, oldname);
		stream_puts(s->stream, "))");
	}
	stream_puts(s->stream, "\r\n");
}

/* ---- the watch set ------------------------------------------------ */

/* The selected folder's directory relative to the root, or NULL. */
static const char *
selected_dir(const struct session *s)
{
	const char *root = mbs(s)->root, *path;
	size_t len = strlen(root);

	if (s->state != ST_SELECTED || s->sel.folder == NULL)
		return NULL;
	path = folder_dir(s->sel.folder);
	if (strcmp(path, root) == 0)
		return "";
	if (strncmp(path, root, len) == 0 && path[len] == '/')
		return path + len + 1;
	return NULL;
}

static void
watched_free(struct watched *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].dir);
	}
	free(v);
}

/* Chooses the folders to watch from n->tree and puts them, and the
 * selected folder when SELECTED asks for events, into the watch set.
 * Figures already known are kept (but for the folder that was selected
 * until now: what this session did there is not news); new ones are
 * read without telling. Returns 0, WATCH_OVERFLOW or -1. */
static int
rebuild(struct session *s, struct notify *n)
{
	const char *sel = n->spec.sel_events ? selected_dir(s) : NULL;
	struct watched *v;
	const char **dirs;
	size_t nv = 0;
	int r;

	if (n->w == NULL)
		return 0;
	v = xcalloc(n->tree.n + 1, sizeof(*v));
	dirs = xcalloc(n->tree.n + 2, sizeof(*dirs));
	for (size_t i = 0; i < n->tree.n; i++) {
		const struct tent *te = &n->tree.v[i];
		unsigned ev;

		if (te->ino == 0 || (te->attrs & MBOX_NOSELECT))
			continue;
		ev = events_for(s, n, te->name, subscribed(&n->tree, te->name))
		     & NOTIFY_EV_MESSAGE;
		if (ev == 0)
			continue;
		if (nv == (size_t)s->config->notify_max_folders) {
			watched_free(v, nv);
			free(dirs);
			return WATCH_OVERFLOW;
		}
		v[nv].name = xstrdup(te->name);
		v[nv].dir = xstrdup(te->dir);
		v[nv].events = ev;
		dirs[nv] = v[nv].dir;
		nv++;
	}
	if (sel != NULL)
		dirs[nv] = sel;
	r = watch_set_folders(n->w, dirs, nv + (sel != NULL));
	free(dirs);
	if (r < 0) {
		watched_free(v, nv);
		return r;
	}
	for (size_t i = 0; i < nv; i++) {
		for (size_t k = 0; k < n->nmb; k++) {
			if (strcmp(v[i].dir, n->mb[k].dir) != 0 ||
			    !n->mb[k].known || (n->sel_dir != NULL &&
			    strcmp(n->sel_dir, v[i].dir) == 0 &&
			    (sel == NULL || strcmp(sel, v[i].dir) != 0)))
				continue;
			v[i].st = n->mb[k].st;
			v[i].known = 1;
			break;
		}
		if (!v[i].known)
			v[i].known = mstat_read(s, v[i].dir, &v[i].st) == 0;
	}
	watched_free(n->mb, n->nmb);
	n->mb = v;
	n->nmb = nv;
	free(n->sel_dir);
	n->sel_dir = sel != NULL ? xstrdup(sel) : NULL;
	return 0;
}

static void
overflow(struct session *s)
{
	/* RFC 5465 5.8: say so, then behave as after NOTIFY NONE. */
	resp_untagged(s->stream, "OK [NOTIFICATIONOVERFLOW] Too many "
		      "mailboxes to watch; NOTIFY is off now");
	log_info("notify: user=%s: more than %ld mailboxes to watch; "
		 "notifications stopped", s->user.name,
		 s->config->notify_max_folders);
	notify_stop(s);
}

/* ---- events of other mailboxes ------------------------------------ */

static int
is_selected(const struct notify *n, const struct session *s,
	    const struct watched *m)
{
	const char *sel = selected_dir(s);

	return sel != NULL && strcmp(sel, m->dir) == 0;
}

/* Compares folder m with what was told and sends its STATUS. */
static void
check_status(struct session *s, struct watched *m)
{
	int cs = session_enabled(s, SESSION_EXT_CONDSTORE);
	struct mstat now;
	unsigned items = 0;

	if (mstat_read(s, m->dir, &now) < 0)
		return;                 /* gone: the tree tells */
	if (!m->known) {
		m->st = now;
		m->known = 1;
		return;
	}
	if (now.uidvalidity != m->st.uidvalidity)
		items |= ST_MESSAGES | ST_UIDNEXT | ST_UIDVALIDITY |
			 (cs ? ST_HMS : 0);
	if ((m->events & (NOTIFY_EV_NEW | NOTIFY_EV_EXPUNGE)) &&
	    (now.messages != m->st.messages || now.uidnext != m->st.uidnext))
		items |= ST_MESSAGES | ST_UIDNEXT | (cs ? ST_HMS : 0);
	if (m->events & NOTIFY_EV_FLAGS) {
		if (cs && now.hms != m->st.hms)
			items |= ST_HMS | ST_UIDVALIDITY;
		if (now.unseen != m->st.unseen)
			items |= ST_UNSEEN;
	}
	m->st = now;
	if (items != 0)
		put_status(s, m->name, &now, items);
}

/* ---- the tree and the subscriptions ------------------------------- */

/* 1 when name is one of own's, under one, or a parent of one. */
static int
is_own(const struct own *own, const char *name, char sep)
{
	for (size_t i = 0; own != NULL && i < own->n; i++)
		if (strcmp(name, own->names[i]) == 0 ||
		    descends(name, own->names[i], sep) ||
		    descends(own->names[i], name, sep))
			return 1;
	return 0;
}

/* Names told in this round, so that a parent is told once. */
struct told {
	const char **v;
	size_t n;
};

static int
told_has(const struct told *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i], name) == 0)
			return 1;
	return 0;
}

static int
covered(const struct session *s, const struct notify *n,
	const struct tree *old, const struct tree *now, const char *name,
	unsigned ev)
{
	return (events_for(s, n, name, subscribed(old, name) ||
			   subscribed(now, name)) & ev) != 0;
}

static void
tell_name(struct session *s, struct notify *n, const struct tree *old,
	  const struct tree *now, const char *name, struct told *told,
	  const struct own *own)
{
	if (told_has(told, name) || is_own(own, name, mbs(s)->rules.sep) ||
	    !covered(s, n, old, now, name, NOTIFY_EV_NAME))
		return;
	put_list(s, now, name, NULL);
	told->v[told->n++] = name;
}

/* The direct parent of name, in the arena, or NULL at the top. */
static const char *
parent_of(struct session *s, const char *name)
{
	const char *sep = strrchr(name, mbs(s)->rules.sep);

	return sep == NULL || sep == name ? NULL :
	       arena_strndup(s->arena, name, (size_t)(sep - name));
}

/* The new name of a folder whose directory was old's: a RENAME. */
static const struct tent *
renamed_to(const struct tree *now, const struct tent *old)
{
	for (size_t i = 0; old->ino != 0 && i < now->n; i++)
		if (now->v[i].ino == old->ino &&
		    strcmp(now->v[i].name, old->name) != 0 &&
		    tree_find(now, old->name) == NULL)
			return &now->v[i];
	return NULL;
}

/* 1 when from -> to is the move of a child of a folder renamed as a
 * whole in this round (5.4: no events for the children). */
static int
child_of_rename(const struct tree *old, const struct tree *now,
		const char *from, const char *to, char sep)
{
	for (size_t i = 0; i < old->n; i++) {
		const struct tent *p = &old->v[i], *q;
		size_t lf = strlen(p->name);

		if (!descends(from, p->name, sep) ||
		    (q = renamed_to(now, p)) == NULL)
			continue;
		if (strncmp(to, q->name, strlen(q->name)) == 0 &&
		    strcmp(to + strlen(q->name), from + lf) == 0)
			return 1;
	}
	return 0;
}

static int
exists_in(const struct tree *t, const char *name)
{
	const struct tent *te = tree_find(t, name);

	return te != NULL && te->ino != 0;
}

/* MailboxName (5.4): created, deleted and renamed folders. */
static void
tell_tree(struct session *s, struct notify *n, const struct tree *old,
	  const struct tree *now, const struct own *own)
{
	char sep = mbs(s)->rules.sep;
	struct told told;
	const char **parents;
	size_t np = 0;

	told.v = arena_alloc(s->arena, (2 * (old->n + now->n) + 1) *
			     sizeof(*told.v));
	told.n = 0;
	parents = arena_alloc(s->arena, (old->n + now->n + 1) *
			      sizeof(*parents));
	for (size_t i = 0; i < old->n; i++) {
		const struct tent *o = &old->v[i], *to;

		if (o->ino == 0 || exists_in(now, o->name))
			continue;
		to = renamed_to(now, o);
		if (to != NULL) {
			/* Never a create or a delete, told or not. */
			told.v[told.n++] = to->name;
			told.v[told.n++] = o->name;
			if (child_of_rename(old, now, o->name, to->name, sep) ||
			    is_own(own, o->name, sep) ||
			    is_own(own, to->name, sep) ||
			    (!covered(s, n, old, now, o->name,
				      NOTIFY_EV_NAME) &&
			     !covered(s, n, old, now, to->name,
				      NOTIFY_EV_NAME)))
				continue;
			put_list(s, now, to->name, o->name);
			continue;
		}
		tell_name(s, n, old, now, o->name, &told, own);
		parents[np++] = parent_of(s, o->name);
	}
	for (size_t i = 0; i < now->n; i++) {
		const struct tent *c = &now->v[i];

		if (c->ino == 0 || exists_in(old, c->name) ||
		    told_has(&told, c->name))
			continue;
		tell_name(s, n, old, now, c->name, &told, own);
		parents[np++] = parent_of(s, c->name);
	}
	for (size_t i = 0; i < np; i++)
		if (parents[i] != NULL)
			tell_name(s, n, old, now, parents[i], &told, own);
}

/* SubscriptionChange (5.5). */
static void
tell_subs(struct session *s, struct notify *n, const struct tree *old,
	  const struct tree *now, const struct own *own)
{
	size_t i = 0, k = 0;

	while (i < old->nsubs || k < now->nsubs) {
		int c = i == old->nsubs ? 1 : k == now->nsubs ? -1 :
			strcmp(old->subs[i], now->subs[k]);
		const char *name = c < 0 ? old->subs[i] : now->subs[k];

		if (c == 0) {
			i++;
			k++;
			continue;
		}
		if (c < 0)
			i++;
		else
			k++;
		if ((own == NULL || !is_own(own, name, '\0')) &&
		    covered(s, n, old, now, name, NOTIFY_EV_SUBS))
			put_list(s, now, name, NULL);
	}
}

/* Rereads the tree and the subscriptions, tells what changed (but what
 * own names), and rebuilds the watch set. Returns 0, or -1 when NOTIFY
 * stopped (overflow). */
static int
tree_changed(struct session *s, struct notify *n, const struct own *own)
{
	struct tree now;
	int r;

	/* Half a RENAME is no event: wait for the lock to go. */
	if (watch_tree_busy(n->w) || tree_read(s, &now) < 0)
		return 0;
	if (n->other_events & NOTIFY_EV_NAME)
		tell_tree(s, n, &n->tree, &now, own);
	if (n->other_events & NOTIFY_EV_SUBS)
		tell_subs(s, n, &n->tree, &now, own);
	tree_free(&n->tree);
	n->tree = now;
	r = rebuild(s, n);
	if (r == WATCH_OVERFLOW) {
		overflow(s);
		return -1;
	}
	if (r < 0)
		log_error("notify: user=%s: cannot watch: %m", s->user.name);
	return 0;
}

/* ---- the selected mailbox ----------------------------------------- */

/* Tells the selected mailbox's news that SELECTED asked for (5.1-5.3,
 * 6.1). Returns 0, or -1 when the session must end. */
static int
tell_selected(struct session *s, struct notify *n, int in_idle)
{
	unsigned ev = n->spec.sel_events, due, want = 0;
	int allow = in_idle || !n->spec.sel_delayed, r;
	const char *err = NULL;

	if (s->state != ST_SELECTED || s->sel.view == NULL || ev == 0)
		return 0;
	r = view_sync(s->sel.view, &err);
	if (r == FOLDER_RESET) {
		/* As session_announce: the client's UIDs are void (RFC 3501
		 * 2.3.1.1). */
		resp_untagged(s->stream, "BYE [UIDVALIDITY] %s", err);
		s->closing = 1;
		return -1;
	}
	due = view_due(s->sel.view);
	if ((due & VIEW_DUE_EXISTS) && (ev & NOTIFY_EV_NEW))
		want = 1;
	if ((due & VIEW_DUE_EXPUNGE) && (ev & NOTIFY_EV_EXPUNGE) && allow)
		want = 1;
	if ((due & VIEW_DUE_FLAGS) && (ev & NOTIFY_EV_FLAGS))
		want = 1;
	return want ? session_announce(s, allow, 1) : 0;
}

/* ---- the interface ------------------------------------------------ */

static void
notify_free(struct notify **np)
{
	struct notify *n = *np;

	if (n == NULL)
		return;
	notify_spec_free(&n->spec);
	watch_free(&n->w);
	watched_free(n->mb, n->nmb);
	tree_free(&n->tree);
	free(n->sel_dir);
	arena_free(&n->arena);
	free(n);
	*np = NULL;
}

void
notify_stop(struct session *s)
{
	notify_free(&s->notify);
}

int
notify_fd(const struct session *s)
{
	return s->notify != NULL && s->notify->w != NULL ?
	       watch_fd(s->notify->w) : -1;
}

static uint32_t
last_uid(const struct session *s)
{
	const struct view *v = s->sel.view;

	return v != NULL ? view_uid(v, view_exists(v)) : 0;
}

int
notify_start(struct session *s, struct notify_spec *spec,
	     const char **code_r, const char **text_r)
{
	struct notify *n = xcalloc(1, sizeof(*n));
	int r;

	n->spec = *spec;
	memset(spec, 0, sizeof(*spec));
	for (size_t i = 0; i < n->spec.ngroups; i++)
		n->other_events |= n->spec.groups[i].events;
	n->arena = arena_new(16384);
	*code_r = "NOTIFICATIONOVERFLOW";
	if (n->other_events != 0 || n->spec.sel_events != 0) {
		n->w = watch_new(mbs(s)->root,
				 (size_t)s->config->notify_max_folders);
		if (n->w == NULL) {
			*text_r = "Change notification is not available";
			notify_free(&n);
			return -1;
		}
	}
	if (tree_read(s, &n->tree) < 0) {
		*code_r = "SERVERBUG";
		*text_r = "Cannot read the mailbox list";
		notify_free(&n);
		return -1;
	}
	if ((r = rebuild(s, n)) < 0) {
		*text_r = r == WATCH_OVERFLOW ? "Too many mailboxes to watch" :
			  "Cannot watch the mailboxes";
		notify_free(&n);
		return -1;
	}
	notify_stop(s);
	s->notify = n;
	n->view = s->sel.view;
	n->told_uid = last_uid(s);
	/* 3.1: with STATUS, the figures of every mailbox other than the
	 * selected one that message events are enabled for. */
	for (size_t i = 0; n->spec.status && i < n->nmb; i++) {
		unsigned items = 0;

		if (is_selected(n, s, &n->mb[i]) || !n->mb[i].known)
			continue;
		/* UNSEEN too, as Dovecot gives it: the figure later
		 * FlagChange STATUS responses update (5.1). */
		if (n->mb[i].events & NOTIFY_EV_NEW)
			items |= ST_MESSAGES | ST_UIDNEXT | ST_UIDVALIDITY |
				 ST_UNSEEN;
		if (n->mb[i].events & NOTIFY_EV_EXPUNGE)
			items |= ST_MESSAGES;
		if (n->mb[i].events & NOTIFY_EV_FLAGS)
			items |= ST_UIDVALIDITY | ST_HMS;
		put_status(s, n->mb[i].name, &n->mb[i].st, items);
	}
	return 0;
}

static int
deliver(struct session *s, struct notify *n, int in_idle)
{
	unsigned what = watch_read(n->w);
	const char *sel = n->spec.sel_events ? selected_dir(s) : NULL;

	if ((sel == NULL) != (n->sel_dir == NULL) ||
	    (sel != NULL && strcmp(sel, n->sel_dir) != 0)) {
		if (rebuild(s, n) == WATCH_OVERFLOW) {
			overflow(s);
			return 0;
		}
	}
	if ((what & (WATCH_TREE | WATCH_SUBS)) &&
	    tree_changed(s, n, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n->nmb && !s->closing; i++)
		if (watch_take(n->w, i) && !is_selected(n, s, &n->mb[i]))
			check_status(s, &n->mb[i]);
	if ((watch_take(n->w, n->nmb) || in_idle) && !s->closing)
		return tell_selected(s, n, in_idle);
	return s->closing ? -1 : 0;
}

int
notify_deliver(struct session *s, int in_idle)
{
	struct notify *n = s->notify;
	struct arena *saved = s->arena;
	int r;

	if (n == NULL || n->w == NULL)
		return 0;
	/* Between commands the session's arena may hold nothing of ours;
	 * ours is emptied after each round. */
	s->arena = n->arena;
	r = deliver(s, n, in_idle);
	s->arena = saved;
	if (s->notify != NULL)
		arena_reset(s->notify->arena);
	return r;
}

int
notify_wait(struct session *s, int *timeout_ms)
{
	long long deadline = clock_ms() + *timeout_ms, left;
	int fd, r;

	while ((fd = notify_fd(s)) >= 0) {
		left = deadline - clock_ms();
		if (left < 0)
			left = 0;
		*timeout_ms = (int)left;
		r = stream_wait(s->stream, fd, (int)left);
		if (r == STREAM_TIMEOUT || r == STREAM_ERROR)
			return 0;       /* the read reports it */
		if (r & STREAM_WAIT_EXTRA) {
			if (notify_deliver(s, 0) < 0)
				return -1;
			if (stream_flush(s->stream) < 0) {
				s->closing = 1;
				return -1;
			}
		}
		if (r & STREAM_WAIT_INPUT)
			break;
	}
	left = deadline - clock_ms();
	*timeout_ms = left > 0 ? (int)left : 0;
	return 0;
}

/* The command's name, "UID" forms as their command. */
static const char *
base_name(const struct command *cmd, char *buf, size_t size)
{
	size_t i;

	if (strcmp(cmd->name, "UID") != 0 || cmd->nargs == 0 ||
	    cmd->args[0].type != ARG_ATOM || cmd->args[0].len >= size)
		return cmd->name;
	for (i = 0; i < cmd->args[0].len; i++)
		buf[i] = (char)(cmd->args[0].data[i] & ~0x20);
	buf[i] = '\0';
	return buf;
}

static int
name_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

/* What notify_after needs of the command is taken here: by then the
 * parser may have reused its memory (IDLE reads DONE into it). */
void
notify_before(struct session *s, const struct command *cmd)
{
	static const char *const adds[] = {
		"APPEND", "COPY", "MOVE", "REPLACE", NULL
	};
	static const char *const selects[] = {
		"SELECT", "EXAMINE", "CLOSE", "UNSELECT", NULL
	};
	static const char *const tree_cmds[] = {
		"CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", NULL
	};
	struct notify *n = s->notify;
	char buf[16];
	const char *name, *arg;

	if (n == NULL)
		return;
	name = base_name(cmd, buf, sizeof(buf));
	n->own_adds = name_in(name, adds);
	if (name_in(name, selects))
		n->view = NULL;
	n->tree_cmd = name_in(name, tree_cmds);
	n->enable = strcmp(name, "ENABLE") == 0;
	n->own.n = 0;
	for (size_t i = 0; n->tree_cmd && i < cmd->nargs && i < 2; i++)
		if ((arg = mboxwire_astring(&cmd->args[i])) != NULL)
			n->own.names[n->own.n++] = arena_strdup(s->arena, arg);
}

void
notify_after(struct session *s, const struct command *cmd)
{
	struct notify *n = s->notify;
	const char *sel;

	(void)cmd;
	if (n == NULL)
		return;
	n->own_adds = 0;
	/* SELECT told the client every message there is (EXISTS). */
	if (n->view == NULL && s->sel.view != NULL) {
		n->view = s->sel.view;
		n->told_uid = last_uid(s);
	}
	if (n->w == NULL)
		return;
	if (n->tree_cmd) {
		n->tree_cmd = 0;
		if (tree_changed(s, n, &n->own) < 0)
			return;
	}
	/* Names in UTF-8 from now on (RFC 6855 3) are no renames. */
	if (n->enable) {
		struct tree now;

		n->enable = 0;
		if (tree_read(s, &now) == 0) {
			tree_free(&n->tree);
			n->tree = now;
			if (rebuild(s, n) == WATCH_OVERFLOW) {
				overflow(s);
				return;
			}
		}
	}
	sel = n->spec.sel_events ? selected_dir(s) : NULL;
	if (((sel == NULL) != (n->sel_dir == NULL) ||
	     (sel != NULL && strcmp(sel, n->sel_dir) != 0)) &&
	    rebuild(s, n) == WATCH_OVERFLOW)
		overflow(s);
}

void
notify_announced(struct session *s)
{
	struct notify *n = s->notify;
	const struct view *v = s->sel.view;
	uint32_t last = last_uid(s), lo;

	if (n == NULL || v == NULL)
		return;
	if (n->view != v) {
		n->view = v;
		n->told_uid = last;
		return;
	}
	/* 5.2: EXISTS, then the FETCH of the new messages; none for those
	 * the client added itself (APPEND, COPY, MOVE). */
	if (last > n->told_uid && n->spec.fetch != NULL && !n->own_adds &&
	    n->spec.sel_events != 0) {
		lo = view_seq_at_least(v, n->told_uid + 1);
		fetch_untagged(s, n->spec.fetch, lo, view_exists(v));
	}
	n->told_uid = last;
}
