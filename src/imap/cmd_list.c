/* src/imap/cmd_list.c — LIST and LSUB (RFC 3501 6.3.8, 6.3.9), with
 * LIST-EXTENDED (RFC 5258), CHILDREN (RFC 3348), SPECIAL-USE (RFC 6154)
 * and LIST-STATUS (RFC 5819).
 *
 *     LIST [(selection-options)] ref pattern|(pattern ...)
 *          [RETURN (return-options)]
 *
 * A LIST without options and with one pattern is RFC 3501's, answered as
 * Dovecot 2.3 answers it where the RFC leaves room:
 *
 * - LIST "*" leaves out a level that exists only as the parent of a
 *   listed name; "%" lists it as \Noselect \HasChildren, since its
 *   children do not match (RFC 3501 6.3.8 lets a server do either).
 * - LIST "ref" "" answers the root of ref: up to and including its first
 *   separator (the RFC's "#news." example), "" when it has none.
 * - Every name has \HasChildren or \HasNoChildren (RFC 3348), asked or
 *   not; special-use attributes (RFC 6154 2) come with plain LIST and
 *   LSUB; \Marked and \Unmarked do not (Dovecot gives them only on
 *   request).
 *
 * Any option, an empty option list or a list of patterns makes the
 * command extended (RFC 5258 3): "" is then a pattern that matches
 * nothing rather than a question about the root, and a level that is
 * only the parent of folders (no directory of its own) is \NonExistent
 * rather than \Noselect, as Dovecot answers. The selection options:
 *
 * - SUBSCRIBED: the subscribed names instead of the folders, those that
 *   do not exist as \NonExistent, all with \Subscribed.
 * - SPECIAL-USE: only folders with a special-use attribute.
 * - REMOTE: there are no remote mailboxes; accepted, changes nothing.
 * - RECURSIVEMATCH (with one of the first two; alone it is BAD): a name
 *   that matches a pattern but not the selection has a descendant that
 *   does: then it is listed with the extended item ("CHILDINFO"
 *   ("SUBSCRIBED")) when it exists, or when such a descendant does not
 *   match the patterns (RFC 5258 3.5 asks to suppress redundant
 *   CHILDINFO, and example 9 still shows an existing parent with it; both
 *   examples are replayed in tests/session/test_list_extended.py). A
 *   listed name that matches the selection gets CHILDINFO too when a
 *   descendant of it also does.
 *
 * Return options: SUBSCRIBED adds \Subscribed; CHILDREN and SPECIAL-USE
 * ask for what is always given; STATUS (items) (RFC 5819) follows each
 * LIST line of a selectable folder with its "* STATUS" line, the items
 * of STATUS (imap/status.h), SIZE and APPENDLIMIT included.
 *
 * An extended LIST reads the whole tree once (one readdir, a stat per
 * folder) and the subscriptions once, and matches every name against
 * every pattern here; the plain LIST lets the store match its one
 * pattern, so only matching folders cost a stat. Special-use attributes
 * set by CREATE ... (USE) come from skua.specialuse (store/specialuse.h),
 * read once per command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/listone.h"
#include "imap/mailstore.h"
#include "imap/mboxwire.h"
#include "imap/response.h"
#include "imap/status.h"
#include "store/pattern.h"
#include "store/specialuse.h"
#include "store/subscriptions.h"
#include "util/log.h"

/* Selection options (RFC 5258 3.1, RFC 6154 3). */
#define SEL_SUBSCRIBED  0x01
#define SEL_REMOTE      0x02
#define SEL_RECURSIVE   0x04
#define SEL_SPECIALUSE  0x08
/* Return options (RFC 5258 3.2, RFC 6154 3, RFC 5819). */
#define RET_SUBSCRIBED  0x01
#define RET_CHILDREN    0x02
#define RET_SPECIALUSE  0x04
#define RET_STATUS      0x08

/* Most patterns in one LIST "" (a b c ...). */
#define LIST_MAX_PATTERNS 64

struct list_req {
	const char *ref;
	const char *pats[LIST_MAX_PATTERNS];
	size_t npats;
	unsigned sel, ret;
	status_mask status;
	int extended;
};

/* One name an extended LIST may answer. */
struct cand {
	const char *name;
	const char *dir;        /* NULL: neither folder nor level */
	unsigned attrs;         /* MBOX_* */
	int subscribed;
	int matches;            /* by some pattern */
	int selected;           /* meets the selection options */
};

static struct mailboxes *
mbs(struct session *s)
{
	return mailstore_mailboxes(s->store);
}

/* Writes "* LIST (attrs) "/" name" or LSUB alike, without the CRLF. */
static void
put_list_line(struct session *s, const char *what, unsigned attrs,
	      int subscribed, const char *name)
{
	stream_printf(s->stream, "* %s ", what);
	listone_attrs(s->stream, attrs, subscribed);
	stream_printf(s->stream, " \"%c\" ", mbs(s)->rules.sep);
	mboxwire_put_name(s, name);
}

/* The special-use attributes CREATE ... (USE) recorded for dir. */
static unsigned
recorded_use(const struct specialuse *su, const char *dir)
{
	return dir != NULL && *dir != '\0' ? specialuse_get(su, dir) : 0;
}

/* Reads skua.specialuse; a file that cannot be read is logged, and the
 * list goes on without it. */
static struct specialuse *
read_use(struct session *s)
{
	struct specialuse *su = NULL;
	struct mbox_err err;

	if (specialuse_read(mbs(s)->root, &su, &err) < 0)
		log_error("LIST: user=%s: %s", s->user.name, err.text);
	return su;
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
	put_list_line(s, "LIST", MBOX_NOSELECT, 0, root);
	stream_puts(s->stream, "\r\n");
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

/* RFC 3501's LIST: one pattern, no options. */
static void
list_plain(struct session *s, const struct command *cmd, const char *ref,
	   const char *pat)
{
	const struct mbox_entry *e;
	struct specialuse *su;
	struct mbox_list *l;
	struct mbox_err err;
	size_t n;

	if (*pat == '\0') {
		list_root(s, ref);
		session_ok(s, cmd, "List completed.");
		return;
	}
	if (mailboxes_list(mbs(s), ref, pat, 0, &l, &err) < 0) {
		mboxwire_answer_err(s, cmd, pat, &err);
		return;
	}
	su = read_use(s);
	e = mbox_list_entries(l, &n);
	for (size_t i = 0; i < n; i++) {
		if (level_hidden(e, i, n, mbs(s)->rules.sep))
			continue;
		put_list_line(s, "LIST", (e[i].attrs & ~MBOX_NONEXISTENT) |
			      recorded_use(su, e[i].dir), 0, e[i].name);
		stream_puts(s->stream, "\r\n");
	}
	specialuse_free(&su);
	mbox_list_free(&l);
	session_ok(s, cmd, "List completed.");
}

/* ---- reading the command ------------------------------------------ */

/* Reads a list of option atoms against names; *bits_r gets bit i for
 * names[i]. STATUS in a return list takes the next element, its items.
 * Returns 0, or -1 after answering BAD. */
static int
read_options(struct session *s, const struct command *cmd,
	     const struct arg *a, const char *const *names, unsigned *bits_r,
	     struct list_req *req)
{
	for (size_t i = 0; i < a->count; i++) {
		const struct arg *o = &a->list[i];
		size_t k = 0;

		while (o->type == ARG_ATOM && names[k] != NULL &&
		       strcasecmp((const char *)o->data, names[k]) != 0)
			k++;
		if (o->type != ARG_ATOM || names[k] == NULL) {
			resp_tagged(s->stream, cmd->tag, "BAD", "Invalid LIST "
				    "option %.64s", o->type == ARG_ATOM ?
				    (const char *)o->data : "");
			return -1;
		}
		*bits_r |= 1u << k;
		if (req != NULL && (1u << k) == RET_STATUS) {
			if (i + 1 == a->count) {
				resp_tagged(s->stream, cmd->tag, "BAD",
					    "STATUS wants a list of status "
					    "items");
				return -1;
			}
			if (status_parse(s, cmd, &a->list[++i],
					 &req->status) < 0)
				return -1;
		}
	}
	return 0;
}

/* Reads the arguments into req. Returns 0, or -1 after answering BAD. */
static int
read_request(struct session *s, const struct command *cmd,
	     struct list_req *req)
{
	static const char *const sel_names[] = {
		"SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE", NULL
	};
	static const char *const ret_names[] = {
		"SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "STATUS", NULL
	};
	const struct arg *a = cmd->args;
	size_t n = cmd->nargs, i = 0;
	const char *why = "LIST wants a reference and a mailbox pattern";

	memset(req, 0, sizeof(*req));
	if (n > 0 && a[0].type == ARG_LIST) {
		req->extended = 1;
		if (read_options(s, cmd, &a[0], sel_names, &req->sel,
				 NULL) < 0)
			return -1;
		i++;
	}
	if (i + 2 > n || (req->ref = mboxwire_astring(&a[i])) == NULL)
		goto bad;
	i++;
	if (a[i].type == ARG_LIST) {
		req->extended = 1;
		if (a[i].count == 0 || a[i].count > LIST_MAX_PATTERNS)
			goto bad;
		for (size_t k = 0; k < a[i].count; k++)
			if ((req->pats[req->npats++] =
			     mboxwire_astring(&a[i].list[k])) == NULL)
				goto bad;
	} else if ((req->pats[req->npats++] = mboxwire_astring(&a[i])) ==
		   NULL) {
		goto bad;
	}
	i++;
	if (i < n) {
		if (i + 2 != n || a[i].type != ARG_ATOM ||
		    strcasecmp((const char *)a[i].data, "RETURN") != 0 ||
		    a[i + 1].type != ARG_LIST) {
			why = "Extra arguments after the mailbox pattern";
			goto bad;
		}
		req->extended = 1;
		if (read_options(s, cmd, &a[i + 1], ret_names, &req->ret,
				 req) < 0)
			return -1;
	}
	/* RFC 5258 3.1: RECURSIVEMATCH alone, or with REMOTE only, is BAD. */
	if ((req->sel & SEL_RECURSIVE) &&
	    !(req->sel & (SEL_SUBSCRIBED | SEL_SPECIALUSE))) {
		why = "RECURSIVEMATCH must be used with SUBSCRIBED or "
		      "SPECIAL-USE";
		goto bad;
	}
	return 0;
bad:
	resp_tagged(s->stream, cmd->tag, "BAD", "%s", why);
	return -1;
}

/* ---- the extended LIST -------------------------------------------- */

struct ext {
	struct session *s;
	const struct list_req *req;
	struct pattern *pats[LIST_MAX_PATTERNS];
	size_t npats;
	struct cand *v;
	size_t n, cap;
	char sep;
};

static void
cand_push(struct ext *x, const char *name, const char *dir, unsigned attrs)
{
	struct cand *nv;

	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 64;
		nv = arena_alloc(x->s->arena, x->cap * sizeof(*x->v));
		if (x->n > 0)
			memcpy(nv, x->v, x->n * sizeof(*x->v));
		x->v = nv;
	}
	memset(&x->v[x->n], 0, sizeof(x->v[x->n]));
	x->v[x->n].name = name;
	x->v[x->n].dir = dir;
	x->v[x->n].attrs = attrs;
	x->n++;
}

static int
cand_cmp(const void *pa, const void *pb, void *sep)
{
	const struct cand *a = pa, *b = pb;
	int ia = strcmp(a->name, "INBOX") == 0, ib = strcmp(b->name,
							      "INBOX") == 0;

	if (ia || ib)
		return ib - ia;
	return pattern_tree_cmp(a->name, b->name, *(const char *)sep);
}

/* 1 when d is a descendant of the name a (d starts with a + sep). */
static int
descends(const char *d, const char *a, char sep)
{
	size_t len = strlen(a);

	return strncmp(d, a, len) == 0 && d[len] == sep;
}

/* The index of name among the sorted candidates, or -1. */
static ssize_t
cand_find(const struct ext *x, const char *name)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->v[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static int
matches(struct ext *x, const char *name)
{
	for (size_t i = 0; i < x->npats; i++)
		if (pattern_match(x->pats[i], name))
			return 1;
	return 0;
}

/* Every folder and level of the tree, then the subscribed names that
 * are neither (and, for RECURSIVEMATCH, their missing parents). */
static int
gather(struct ext *x, struct mbox_err *err)
{
	const struct mailboxes *mb = mbs(x->s);
	const struct mbox_entry *e;
	const struct subs_entry *se = NULL;
	struct subs_list *sl = NULL;
	struct specialuse *su;
	struct mbox_list *l;
	size_t n, ns = 0;
	int want_subs = (x->req->sel & SEL_SUBSCRIBED) ||
			(x->req->ret & RET_SUBSCRIBED);

	if (mailboxes_list(mb, "", "*", 0, &l, err) < 0)
		return -1;
	su = read_use(x->s);
	e = mbox_list_entries(l, &n);
	for (size_t i = 0; i < n; i++)
		cand_push(x, arena_strdup(x->s->arena, e[i].name),
			  arena_strdup(x->s->arena, e[i].dir),
			  e[i].attrs | recorded_use(su, e[i].dir));
	specialuse_free(&su);
	mbox_list_free(&l);
	if (want_subs) {
		if (subs_list(mb, "", "*", &sl, err) < 0)
			return -1;
		se = subs_list_entries(sl, &ns);
	}
	for (size_t i = 0; i < ns; i++) {
		ssize_t k = cand_find(x, se[i].name);

		if (k >= 0) {
			x->v[k].subscribed = 1;
			continue;
		}
		if (!(x->req->sel & SEL_SUBSCRIBED))
			continue;
		cand_push(x, arena_strdup(x->s->arena, se[i].name), NULL,
			  MBOX_NONEXISTENT);
		x->v[x->n - 1].subscribed = 1;
	}
	/* The parents RECURSIVEMATCH may have to name. */
	for (size_t i = 0, n0 = x->n; (x->req->sel & SEL_RECURSIVE) && i < n0;
	     i++) {
		char *p = arena_strdup(x->s->arena, x->v[i].name), *sep;

		while ((sep = strrchr(p, x->sep)) != NULL && sep != p) {
			*sep = '\0';
			if (cand_find(x, p) >= 0)
				break;
			cand_push(x, arena_strdup(x->s->arena, p), NULL,
				  MBOX_NONEXISTENT);
		}
	}
	subs_list_free(&sl);
	if (x->n > 0)
		qsort_r(x->v, x->n, sizeof(*x->v), cand_cmp, &x->sep);
	return 0;
}

/* Whether a candidate meets the selection options. */
static int
selected_by(const struct ext *x, const struct cand *c)
{
	if ((x->req->sel & SEL_SUBSCRIBED) && !c->subscribed)
		return 0;
	if ((x->req->sel & SEL_SPECIALUSE) &&
	    !(c->attrs & MBOX_SPECIAL_USE))
		return 0;
	/* Without SUBSCRIBED only what exists, levels included. */
	return (x->req->sel & SEL_SUBSCRIBED) || c->dir != NULL;
}

/* For candidate i: *any_r when a descendant meets the selection, and
 * *unmatched_r when such a descendant matches no pattern. */
static void
selected_descendants(const struct ext *x, size_t i, int *any_r,
		     int *unmatched_r)
{
	*any_r = *unmatched_r = 0;
	for (size_t k = 0; k < x->n; k++)
		if (x->v[k].selected &&
		    descends(x->v[k].name, x->v[i].name, x->sep)) {
			*any_r = 1;
			if (!x->v[k].matches)
				*unmatched_r = 1;
		}
}

/* Whether a listed descendant of the level i speaks for it (LIST "*"
 * in Dovecot's way: see the top of the file). */
static int
ext_level_hidden(const struct ext *x, size_t i)
{
	if (!(x->v[i].attrs & MBOX_NOSELECT))
		return 0;
	for (size_t k = 0; k < x->n; k++)
		if (x->v[k].matches && x->v[k].selected &&
		    descends(x->v[k].name, x->v[i].name, x->sep))
			return 1;
	return 0;
}

static void
put_childinfo(struct session *s, unsigned sel)
{
	stream_puts(s->stream, " (\"CHILDINFO\" (");
	if (sel & SEL_SUBSCRIBED)
		stream_puts(s->stream, "\"SUBSCRIBED\"");
	if (sel & SEL_SPECIALUSE)
		stream_printf(s->stream, "%s\"SPECIAL-USE\"",
			      sel & SEL_SUBSCRIBED ? " " : "");
	stream_puts(s->stream, "))");
}

static void
ext_answer(struct ext *x, size_t i, int childinfo)
{
	struct session *s = x->s;
	const struct cand *c = &x->v[i];
	unsigned attrs = c->attrs;
	const char *e;

	/* A level without a directory is \NonExistent (RFC 5258 3), which
	 * implies \Noselect. */
	if (attrs & MBOX_NONEXISTENT)
		attrs &= ~MBOX_NOSELECT;
	if (c->dir == NULL && (x->req->ret & RET_CHILDREN))
		attrs |= MBOX_HASNOCHILDREN;
	put_list_line(s, "LIST", attrs, c->subscribed &&
		      ((x->req->sel & SEL_SUBSCRIBED) ||
		       (x->req->ret & RET_SUBSCRIBED)), c->name);
	if (childinfo)
		put_childinfo(s, x->req->sel);
	stream_puts(s->stream, "\r\n");
	if (!(x->req->ret & RET_STATUS) || c->dir == NULL ||
	    (c->attrs & (MBOX_NOSELECT | MBOX_NONEXISTENT)))
		return;
	/* RFC 5819: a folder that cannot be opened just has no STATUS. */
	if (status_write(s, c->name, c->dir, x->req->status, &e) < 0)
		log_error("LIST: user=%s mailbox=%s: STATUS: %s",
			  s->user.name, c->name, e);
}

static void
list_extended(struct session *s, const struct command *cmd,
	      const struct list_req *req)
{
	struct ext x = { .s = s, .req = req, .sep = mbs(s)->rules.sep };
	struct mbox_err err;

	for (size_t i = 0; i < req->npats; i++) {
		/* RFC 5258 3: "" matches nothing in an extended LIST. */
		if (*req->pats[i] == '\0')
			continue;
		x.pats[x.npats] = pattern_new(req->ref, req->pats[i], x.sep);
		/* RFC 5258 3: a pattern not accepted is ignored. */
		if (x.pats[x.npats] != NULL)
			x.npats++;
	}
	if (x.npats > 0 && gather(&x, &err) < 0) {
		mboxwire_answer_err(s, cmd, req->pats[0], &err);
		goto out;
	}
	for (size_t i = 0; i < x.n; i++) {
		x.v[i].matches = matches(&x, x.v[i].name);
		x.v[i].selected = selected_by(&x, &x.v[i]);
	}
	for (size_t i = 0; i < x.n; i++) {
		int any = 0, unmatched = 0;

		if (!x.v[i].matches)
			continue;
		if (req->sel & SEL_RECURSIVE)
			selected_descendants(&x, i, &any, &unmatched);
		if (x.v[i].selected) {
			if (!(req->sel & (SEL_SUBSCRIBED | SEL_SPECIALUSE)) &&
			    ext_level_hidden(&x, i))
				continue;
			ext_answer(&x, i, any);
		} else if (any && (x.v[i].dir != NULL &&
				   !(x.v[i].attrs & MBOX_NONEXISTENT))) {
			ext_answer(&x, i, 1);
		} else if (any && unmatched) {
			ext_answer(&x, i, 1);
		}
	}
	session_ok(s, cmd, "List completed.");
out:
	for (size_t i = 0; i < x.npats; i++)
		pattern_free(&x.pats[i]);
}

void
cmd_list(struct session *s, const struct command *cmd)
{
	struct list_req req;

	if (read_request(s, cmd, &req) < 0)
		return;
	if (!req.extended)
		list_plain(s, cmd, req.ref, req.pats[0]);
	else
		list_extended(s, cmd, &req);
}

/* ---- LSUB --------------------------------------------------------- */

/* The special-use attributes of a subscribed name, as LIST gives them. */
static unsigned
special_of(struct session *s, const struct specialuse *su, const char *name)
{
	const struct mailboxes *mb = mbs(s);
	char dir[NAMES_DIR_MAX + 1];
	const char *e;

	for (size_t i = 0; i < mb->nspecial; i++)
		if (strcmp(mb->special[i].name, name) == 0)
			return mb->special[i].attr;
	if (su != NULL && names_to_dir(&mb->rules, name, mb->wire_utf8, dir,
				       sizeof(dir), &e) == 0)
		return recorded_use(su, dir);
	return 0;
}

void
cmd_lsub(struct session *s, const struct command *cmd)
{
	const struct subs_entry *e;
	struct specialuse *su;
	struct subs_list *l;
	struct mbox_err err;
	const char *args[2];
	size_t n;

	if (cmd->nargs != 2 ||
	    (args[0] = mboxwire_astring(&cmd->args[0])) == NULL ||
	    (args[1] = mboxwire_astring(&cmd->args[1])) == NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "LSUB wants a "
			    "reference and a mailbox pattern");
		return;
	}
	if (subs_list(mbs(s), args[0], args[1], &l, &err) < 0) {
		mboxwire_answer_err(s, cmd, args[1], &err);
		return;
	}
	su = read_use(s);
	e = subs_list_entries(l, &n);
	for (size_t i = 0; i < n; i++) {
		put_list_line(s, "LSUB", e[i].noselect ? MBOX_NOSELECT :
			      special_of(s, su, e[i].name), 0, e[i].name);
		stream_puts(s->stream, "\r\n");
	}
	specialuse_free(&su);
	subs_list_free(&l);
	session_ok(s, cmd, "Lsub completed.");
}
