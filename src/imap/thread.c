/* src/imap/thread.c — THREAD=ORDEREDSUBJECT and THREAD=REFERENCES
 * (RFC 5256 3), and writing thread-lists (RFC 5256 4).
 *
 * ORDEREDSUBJECT sorts by base subject, then sent date, splits the runs
 * of one subject into threads (the first message the parent of the rest)
 * and orders the threads by the date of their first message.
 *
 * REFERENCES follows the six steps of the RFC, in order, with its terms:
 *
 *   (1) every Message-ID becomes a node, found through a hash table;
 *       ids without a message are dummies. The references of each
 *       message link its ancestry (1A: an existing parent is never
 *       changed), then the message hangs from its last reference (1B:
 *       replacing its parent). A link that would make a loop is not
 *       made: the would-be parent must not descend from the child. A
 *       message without a valid id, or whose id an earlier message
 *       took, gets a node of its own that nothing can reference.
 *   (2) the nodes without a parent are the root's children;
 *   (3) dummies are pruned, deepest first, so that what a dummy hands
 *       to its parent is already pruned: a childless one goes, one with
 *       children gives them to its parent, except at the root where it
 *       stays unless it has only one child;
 *   (4) the root's children are sorted by sent date (a dummy by its
 *       first child, once its children are sorted);
 *   (5) threads under the root with the same base subject are merged,
 *       through a subject table, by the rules on replies and dummies;
 *   (6) every set of siblings is sorted by sent date, children before
 *       parents, so a dummy's first child is known when it is compared.
 *
 * Sent dates that are equal are ordered by sequence number (RFC 5256
 * 2.2). Siblings are a doubly linked list, so linking and unlinking
 * cost nothing; sorting copies a set into an array and back. Writing
 * the tree uses an explicit stack: a thread may be as deep as the
 * mailbox is long. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/thread.h"

int
thread_alg_parse(const char *name, enum thread_alg *alg_r)
{
	if (strcasecmp(name, "ORDEREDSUBJECT") == 0)
		*alg_r = THREAD_ORDEREDSUBJECT;
	else if (strcasecmp(name, "REFERENCES") == 0)
		*alg_r = THREAD_REFERENCES;
	else
		return -1;
	return 0;
}

static int
put_num(struct buf *out, uint32_t n)
{
	return buf_printf(out, "%u", n);
}

/* --- ORDEREDSUBJECT ------------------------------------------------- */

static int
cmp_date_seq(const struct thread_msg *a, const struct thread_msg *b)
{
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int
cmp_subject_date(const void *x, const void *y)
{
	const struct thread_msg *a = *(const struct thread_msg *const *)x;
	const struct thread_msg *b = *(const struct thread_msg *const *)y;
	int r = strcmp(a->subject, b->subject);

	return r != 0 ? r : cmp_date_seq(a, b);
}

struct group {
	const struct thread_msg **first;
	size_t n;
};

static int
cmp_group(const void *x, const void *y)
{
	const struct group *a = x, *b = y;

	return cmp_date_seq(a->first[0], b->first[0]);
}

static int
ordered_subject(const struct thread_msg *msgs, size_t n, struct arena *a,
		struct buf *out)
{
	const struct thread_msg **v = arena_alloc(a, n * sizeof(*v));
	struct group *g = arena_alloc(a, n * sizeof(*g));
	size_t ng = 0;
	int r = 0;

	for (size_t i = 0; i < n; i++)
		v[i] = &msgs[i];
	qsort(v, n, sizeof(*v), cmp_subject_date);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(v[i]->subject, v[i - 1]->subject) != 0) {
			g[ng].first = &v[i];
			g[ng++].n = 0;
		}
		g[ng - 1].n++;
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	/* The first message is the root, the second its child, the
	 * others siblings of the second: "(1 2)", "(1 (2)(3))". */
	for (size_t i = 0; i < ng && r == 0; i++) {
		r |= buf_append_byte(out, '(');
		r |= put_num(out, g[i].first[0]->num);
		if (g[i].n == 2) {
			r |= buf_append_byte(out, ' ');
			r |= put_num(out, g[i].first[1]->num);
		} else if (g[i].n > 2) {
			r |= buf_append_byte(out, ' ');
			for (size_t j = 1; j < g[i].n; j++) {
				r |= buf_append_byte(out, '(');
				r |= put_num(out, g[i].first[j]->num);
				r |= buf_append_byte(out, ')');
			}
		}
		r |= buf_append_byte(out, ')');
	}
	return r < 0 ? -1 : 0;
}

/* --- REFERENCES: the tree ------------------------------------------- */

struct tnode {
	const struct thread_msg *msg;   /* NULL: a dummy */
	const char *id;                 /* for the table; NULL: unique */
	struct tnode *parent;
	struct tnode *child;            /* first child */
	struct tnode *prev, *next;      /* siblings */
	size_t nchildren;
	int gone;                       /* pruned or merged away */
};

struct forest {
	struct arena *a;
	struct tnode **nodes;           /* every node made, dummies too */
	size_t n, cap;
	struct tnode **table;           /* open addressing, by id */
	size_t tsize;                   /* a power of two */
};

static struct tnode *
node_new(struct forest *f, const struct thread_msg *msg, const char *id)
{
	struct tnode *t = arena_zalloc(f->a, sizeof(*t));

	t->msg = msg;
	t->id = id;
	if (f->n == f->cap) {
		struct tnode **nodes;

		f->cap = f->cap ? f->cap * 2 : 64;
		nodes = arena_alloc(f->a, f->cap * sizeof(*nodes));
		if (f->n > 0)
			memcpy(nodes, f->nodes, f->n * sizeof(*nodes));
		f->nodes = nodes;
	}
	f->nodes[f->n++] = t;
	return t;
}

static size_t
hash_id(const char *s)
{
	size_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot of id: the node holding it, or the empty slot for it. */
static struct tnode **
table_slot(struct forest *f, const char *id)
{
	size_t i = hash_id(id) & (f->tsize - 1);

	while (f->table[i] != NULL && strcmp(f->table[i]->id, id) != 0)
		i = (i + 1) & (f->tsize - 1);
	return &f->table[i];
}

/* The node of a referenced id, a new dummy when no message has it. */
static struct tnode *
node_of_ref(struct forest *f, const char *id)
{
	struct tnode **slot = table_slot(f, id);

	if (*slot == NULL)
		*slot = node_new(f, NULL, id);
	return *slot;
}

static void
unlink_node(struct tnode *c)
{
	struct tnode *p = c->parent;

	if (p == NULL)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		p->child = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->parent = c->prev = c->next = NULL;
	p->nchildren--;
}

/* Makes c the first child of p. */
static void
link_node(struct tnode *p, struct tnode *c)
{
	c->parent = p;
	c->prev = NULL;
	c->next = p->child;
	if (p->child != NULL)
		p->child->prev = c;
	p->child = c;
	p->nchildren++;
}

/* 1 when making p the parent of c would make a loop: p is c or one of
 * its descendants. */
static int
would_loop(const struct tnode *p, const struct tnode *c)
{
	/* A node without children has no descendants: the common case of
	 * a message not yet referenced costs nothing, also in a chain as
	 * deep as the mailbox. */
	if (c->child == NULL)
		return p == c;
	for (; p != NULL; p = p->parent)
		if (p == c)
			return 1;
	return 0;
}

/* Step 1 for one message. */
static void
add_message(struct forest *f, const struct thread_msg *m)
{
	struct tnode *node = NULL, *prev = NULL;

	if (m->msgid != NULL) {
		struct tnode **slot = table_slot(f, m->msgid);

		if (*slot == NULL)
			node = *slot = node_new(f, m, m->msgid);
		else if ((*slot)->msg == NULL)
			(node = *slot)->msg = m;
		/* else: an earlier message has this id; this one gets a
		 * unique one. */
	}
	if (node == NULL)
		node = node_new(f, m, NULL);
	/* (A) link the references as parent and child, keeping any
	 * parent a node already has. */
	for (size_t i = 0; i < m->nrefs; i++) {
		struct tnode *r = node_of_ref(f, m->refs[i]);

		if (prev != NULL && r->parent == NULL && !would_loop(prev, r))
			link_node(prev, r);
		prev = r;
	}
	/* (B) the last reference is the parent, replacing any other. */
	unlink_node(node);
	if (prev != NULL && !would_loop(prev, node))
		link_node(prev, node);
}

/* --- REFERENCES: pruning, sorting, merging -------------------------- */

struct depth_node {
	struct tnode *t;
	size_t depth;
};

static int
cmp_deeper(const void *x, const void *y)
{
	const struct depth_node *a = x, *b = y;

	return a->depth < b->depth ? 1 : a->depth > b->depth ? -1 : 0;
}

/* Step 3. Afterwards, dummies are only children of the root, with two
 * children or more, none of them a dummy. */
static void
prune(struct forest *f)
{
	struct depth_node *d = arena_alloc(f->a, (f->n + 1) * sizeof(*d));
	size_t nd = 0;

	for (size_t i = 0; i < f->n; i++) {
		struct tnode *t = f->nodes[i];
		size_t depth = 0;

		if (t->msg != NULL)
			continue;
		for (struct tnode *p = t->parent; p != NULL; p = p->parent)
			depth++;
		d[nd].t = t;
		d[nd++].depth = depth;
	}
	qsort(d, nd, sizeof(*d), cmp_deeper);
	for (size_t i = 0; i < nd; i++) {
		struct tnode *t = d[i].t, *p = t->parent;

		if (t->nchildren == 0) {
			unlink_node(t);
			t->gone = 1;
		} else if (p == NULL) {
			if (t->nchildren == 1) {
				struct tnode *c = t->child;

				unlink_node(c);
				t->gone = 1;
			}
		} else {
			/* Splice the children in where t was. */
			while (t->child != NULL) {
				struct tnode *c = t->child;

				unlink_node(c);
				link_node(p, c);
			}
			unlink_node(t);
			t->gone = 1;
		}
	}
}

/* A node's sent date and sequence number; a dummy's are its first
 * child's (sorted by then). */
static const struct thread_msg *
key_msg(const struct tnode *t)
{
	while (t->msg == NULL && t->child != NULL)
		t = t->child;
	return t->msg;
}

static int
cmp_nodes(const void *x, const void *y)
{
	const struct thread_msg *a = key_msg(*(struct tnode *const *)x);
	const struct thread_msg *b = key_msg(*(struct tnode *const *)y);

	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL);
	return cmp_date_seq(a, b);
}

/* Sorts the children of p by sent date; scratch has room for them. */
static void
sort_children(struct tnode *p, struct tnode **scratch)
{
	size_t n = 0;

	if (p->nchildren < 2)
		return;
	for (struct tnode *c = p->child; c != NULL; c = c->next)
		scratch[n++] = c;
	qsort(scratch, n, sizeof(*scratch), cmp_nodes);
	p->child = scratch[0];
	for (size_t i = 0; i < n; i++) {
		scratch[i]->prev = i > 0 ? scratch[i - 1] : NULL;
		scratch[i]->next = i + 1 < n ? scratch[i + 1] : NULL;
	}
}

static const char *
thread_subject(const struct tnode *t)
{
	const struct thread_msg *m = t->msg != NULL ? t->msg : t->child->msg;

	return m != NULL ? m->subject : "";
}

/* The subject table of step 5: a thread subject, the node it stands
 * for, and where that node is in the root's list. */
struct subj_entry {
	const char *subject;
	struct tnode *t;
	size_t root;
};

struct subj_table {
	struct subj_entry *slot;
	size_t size;                    /* a power of two */
};

static struct subj_entry *
subj_slot(struct subj_table *st, const char *subject)
{
	size_t i = hash_id(subject) & (st->size - 1);

	while (st->slot[i].subject != NULL &&
	       strcmp(st->slot[i].subject, subject) != 0)
		i = (i + 1) & (st->size - 1);
	return &st->slot[i];
}

/* Step 5 over the root's children roots[0..n) (sorted by step 4).
 * Merged threads leave the array as NULL; a new dummy takes the place
 * of the thread it adopts. */
static void
merge_subjects(struct forest *f, struct tnode **roots, size_t n)
{
	struct subj_table st;
	const char **subjects = arena_alloc(f->a, (n + 1) * sizeof(*subjects));

	for (st.size = 16; st.size < 2 * n; st.size *= 2)
		;
	st.slot = arena_zalloc(f->a, st.size * sizeof(*st.slot));
	/* (i) each thread's subject, taken before merging changes which
	 * child of a dummy is first. */
	for (size_t i = 0; i < n; i++)
		subjects[i] = thread_subject(roots[i]);
	/* (B) one thread per subject: a dummy rather than a message, a
	 * message that is not a reply rather than one that is. */
	for (size_t i = 0; i < n; i++) {
		struct tnode *cur = roots[i];
		const char *subj = subjects[i];
		struct subj_entry *e;

		if (*subj == '\0')
			continue;
		e = subj_slot(&st, subj);
		if (e->subject == NULL ||
		    (e->t->msg != NULL &&
		     (cur->msg == NULL ||
		      (e->t->msg->is_reply && !cur->msg->is_reply)))) {
			e->subject = subj;
			e->t = cur;
			e->root = i;
		}
	}
	/* (C) merge each thread into the table's of its subject. */
	for (size_t i = 0; i < n; i++) {
		struct tnode *cur = roots[i], *t;
		const char *subj = subjects[i];
		struct subj_entry *e;

		if (*subj == '\0')
			continue;
		e = subj_slot(&st, subj);
		t = e->t;
		if (t == cur)
			continue;
		if (t->msg == NULL && cur->msg == NULL) {
			/* Both dummies: the children become siblings. */
			while (cur->child != NULL) {
				struct tnode *c = cur->child;

				unlink_node(c);
				link_node(t, c);
			}
			cur->gone = 1;
		} else if (t->msg == NULL ||
			   (cur->msg != NULL && cur->msg->is_reply &&
			    !t->msg->is_reply)) {
			link_node(t, cur);
		} else {
			/* A new dummy adopts both and takes t's place. */
			struct tnode *d = node_new(f, NULL, NULL);

			link_node(d, t);
			link_node(d, cur);
			roots[e->root] = d;
			e->t = d;
		}
		roots[i] = NULL;
	}
}

/* --- REFERENCES: writing -------------------------------------------- */

/* Appends one thread-list: "(3 6 (4 23)(44 7 96))", or for a dummy at
 * the root its children's lists, "((3)(5))". stack has room for one
 * entry per node. */
static int
write_thread(struct tnode *x, struct tnode **stack, struct buf *out)
{
	size_t sp = 0;
	int r = 0;

	for (;;) {
		r |= buf_append_byte(out, '(');
		if (x->msg != NULL) {
			r |= put_num(out, x->msg->num);
			while (x->nchildren == 1) {
				x = x->child;
				r |= buf_append_byte(out, ' ');
				r |= put_num(out, x->msg->num);
			}
		}
		if (x->child != NULL) {
			if (x->msg != NULL)
				r |= buf_append_byte(out, ' ');
			stack[sp++] = x->child->next;
			x = x->child;
			continue;
		}
		r |= buf_append_byte(out, ')');
		while (sp > 0 && stack[sp - 1] == NULL) {
			sp--;
			r |= buf_append_byte(out, ')');
		}
		if (sp == 0 || r < 0)
			break;
		x = stack[sp - 1];
		stack[sp - 1] = x->next;
	}
	return r < 0 ? -1 : 0;
}

static int
references(const struct thread_msg *msgs, size_t n, struct arena *a,
	   struct buf *out)
{
	struct forest f = { .a = a };
	struct tnode **roots, **scratch;
	size_t nrefs = 0, nroots = 0;
	int r = 0;

	for (size_t i = 0; i < n; i++)
		nrefs += msgs[i].nrefs;
	for (f.tsize = 16; f.tsize < 2 * (n + nrefs); f.tsize *= 2)
		;
	f.table = arena_zalloc(a, f.tsize * sizeof(*f.table));
	/* (1) */
	for (size_t i = 0; i < n; i++)
		add_message(&f, &msgs[i]);
	/* (3) before (2): pruning keeps a dummy's place, so the root's
	 * children are the parentless nodes either way. */
	prune(&f);
	/* (2) and (4) */
	roots = arena_alloc(a, (f.n + 1) * sizeof(*roots));
	scratch = arena_alloc(a, (f.n + n + 1) * sizeof(*scratch));
	for (size_t i = 0; i < f.n; i++) {
		struct tnode *t = f.nodes[i];

		if (t->gone || t->parent != NULL)
			continue;
		if (t->msg == NULL)
			sort_children(t, scratch);
		roots[nroots++] = t;
	}
	qsort(roots, nroots, sizeof(*roots), cmp_nodes);
	/* (5) */
	merge_subjects(&f, roots, nroots);
	/* (6) children first: a dummy can only be at the root now, and
	 * its children are messages, so sorting every node's children
	 * before the root's own list is children before parents. */
	for (size_t i = 0; i < f.n; i++)
		if (!f.nodes[i]->gone)
			sort_children(f.nodes[i], scratch);
	{
		size_t k = 0;

		for (size_t i = 0; i < nroots; i++)
			if (roots[i] != NULL)
				roots[k++] = roots[i];
		nroots = k;
	}
	qsort(roots, nroots, sizeof(*roots), cmp_nodes);
	for (size_t i = 0; i < nroots && r == 0; i++)
		r = write_thread(roots[i], scratch, out);
	return r;
}

int
thread_write(enum thread_alg alg, const struct thread_msg *msgs, size_t n,
	     struct arena *a, struct buf *out)
{
	if (n == 0)
		return 0;
	if (alg == THREAD_ORDEREDSUBJECT)
		return ordered_subject(msgs, n, a, out);
	return references(msgs, n, a, out);
}
