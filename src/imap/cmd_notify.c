/* src/imap/cmd_notify.c — the NOTIFY command (RFC 5465 3.1, 8):
 *
 *     NOTIFY NONE
 *     NOTIFY SET [STATUS] (filter events) (filter events) ...
 *
 * where filter is SELECTED, SELECTED-DELAYED, INBOXES, PERSONAL,
 * SUBSCRIBED, SUBTREE one-or-more-mailbox or MAILBOXES one-or-more-mailbox,
 * and events is NONE or a list of MessageNew [(fetch-att ...)],
 * MessageExpunge, FlagChange, AnnotationChange, MailboxName,
 * SubscriptionChange, MailboxMetadataChange, ServerMetadataChange or any
 * other atom (event-ext).
 *
 * The whole command is read before anything changes. What is malformed
 * is BAD, and so are the rules of 5 and 6.1: MessageNew and
 * MessageExpunge only together, FlagChange (and AnnotationChange) only
 * with both, a fetch-att list only for the selected mailbox, only
 * message events for it, and only one SELECTED or SELECTED-DELAYED
 * group. An event skua does not support (AnnotationChange and the two
 * metadata events, as there is no METADATA; any unknown atom) is "NO
 * [BADEVENT (...)]" naming the events it does support (3.1: NO, not
 * BAD). The names of SUBTREE and MAILBOXES are taken as they are: a
 * name that does not exist is ignored until it does (3.1), and "*" and
 * "%" are not wildcards there (6.6). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/fetch.h"
#include "imap/mboxwire.h"
#include "imap/notify.h"
#include "imap/response.h"
#include "util/xalloc.h"

#define BADEVENT "BADEVENT (MessageNew MessageExpunge FlagChange " \
		 "MailboxName SubscriptionChange)"

/* Most event groups in one NOTIFY SET. */
#define NOTIFY_MAX_GROUPS 100

struct reading {
	struct session *s;
	const char *bad;                /* BAD text, or NULL */
	int badevent;                   /* NO [BADEVENT] */
	int selected_seen;
};

static int
is_atom(const struct arg *a, const char *word)
{
	return a->type == ARG_ATOM &&
	       strcasecmp((const char *)a->data, word) == 0;
}

/* A deep copy of a in malloc'ed memory, for MessageNew's fetch-atts,
 * which outlive the command. */
static struct arg *
arg_dup(const struct arg *a, size_t n)
{
	struct arg *v = xcalloc(n ? n : 1, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		v[i] = a[i];
		if (a[i].type == ARG_LIST) {
			v[i].list = arg_dup(a[i].list, a[i].count);
		} else if (a[i].data != NULL) {
			unsigned char *d = xmalloc(a[i].len + 1);

			memcpy(d, a[i].data, a[i].len);
			d[a[i].len] = '\0';
			v[i].data = d;
		}
	}
	return v;
}

static void
arg_free(struct arg *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		if (v[i].type == ARG_LIST)
			arg_free(v[i].list, v[i].count);
		else
			free((void *)v[i].data);
	}
	free(v);
}

void
notify_spec_free(struct notify_spec *spec)
{
	if (spec == NULL)
		return;
	arg_free(spec->fetch, 1);
	for (size_t i = 0; i < spec->ngroups; i++) {
		for (size_t k = 0; k < spec->groups[i].nnames; k++)
			free(spec->groups[i].names[k]);
		free(spec->groups[i].names);
	}
	free(spec->groups);
	memset(spec, 0, sizeof(*spec));
}

/* One event of a group's list; *i moves past a fetch-att list. */
static void
read_event(struct reading *rd, const struct arg *list, size_t *i,
	   int selected, unsigned *events, struct notify_spec *spec)
{
	static const struct {
		const char *name;
		unsigned bit;
	} known[] = {
		{ "MessageNew", NOTIFY_EV_NEW },
		{ "MessageExpunge", NOTIFY_EV_EXPUNGE },
		{ "FlagChange", NOTIFY_EV_FLAGS },
		{ "MailboxName", NOTIFY_EV_NAME },
		{ "SubscriptionChange", NOTIFY_EV_SUBS },
	};
	const struct arg *e = &list->list[*i];
	const char *err = NULL;

	if (e->type != ARG_ATOM) {
		rd->bad = "Invalid event";
		return;
	}
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		if (!is_atom(e, known[k].name))
			continue;
		*events |= known[k].bit;
		if (known[k].bit != NOTIFY_EV_NEW || *i + 1 >= list->count ||
		    list->list[*i + 1].type != ARG_LIST)
			return;
		/* 8: the fetch-att list only for SELECTED(-DELAYED). */
		(*i)++;
		if (!selected) {
			rd->bad = "MessageNew takes fetch attributes only "
				  "for the selected mailbox";
			return;
		}
		if (fetch_items_check(rd->s, &list->list[*i], &err) < 0) {
			rd->bad = err;
			return;
		}
		arg_free(spec->fetch, 1);
		spec->fetch = arg_dup(&list->list[*i], 1);
		return;
	}
	/* AnnotationChange, MailboxMetadataChange, ServerMetadataChange
	 * (no METADATA here) and any event-ext atom. */
	rd->badevent = 1;
}

/* The events of a group: NONE or a list. Returns the NOTIFY_EV_* bits. */
static unsigned
read_events(struct reading *rd, const struct arg *a, int selected,
	    struct notify_spec *spec)
{
	unsigned events = 0;

	if (is_atom(a, "NONE"))
		return 0;
	if (a->type != ARG_LIST || a->count == 0) {
		rd->bad = "Events must be NONE or a list of events";
		return 0;
	}
	for (size_t i = 0; i < a->count && rd->bad == NULL; i++)
		read_event(rd, a, &i, selected, &events, spec);
	if (rd->bad != NULL || rd->badevent)
		return events;
	/* RFC 5465 5: MessageNew and MessageExpunge go together, and
	 * FlagChange needs both; otherwise BAD. */
	if (!!(events & NOTIFY_EV_NEW) != !!(events & NOTIFY_EV_EXPUNGE))
		rd->bad = "MessageNew and MessageExpunge must be given "
			  "together";
	else if ((events & NOTIFY_EV_FLAGS) && !(events & NOTIFY_EV_NEW))
		rd->bad = "FlagChange needs MessageNew and MessageExpunge";
	else if (selected && (events & ~NOTIFY_EV_MESSAGE))
		rd->bad = "Only message events apply to the selected "
			  "mailbox";
	return events;
}

/* one-or-more-mailbox into g->names. */
static void
read_names(struct reading *rd, const struct arg *a, struct notify_group *g)
{
	const struct arg *v = a->type == ARG_LIST ? a->list : a;
	size_t n = a->type == ARG_LIST ? a->count : 1;

	if (n == 0) {
		rd->bad = "Empty mailbox list";
		return;
	}
	g->names = xcalloc(n, sizeof(*g->names));
	for (size_t i = 0; i < n; i++) {
		const char *name = mboxwire_astring(&v[i]);

		if (name == NULL) {
			rd->bad = "Invalid mailbox name";
			return;
		}
		/* INBOX is case-insensitive (RFC 3501 5.1). */
		if (strcasecmp(name, "INBOX") == 0)
			name = "INBOX";
		g->names[g->nnames++] = xstrdup(name);
	}
}

static void
read_group(struct reading *rd, const struct arg *a, struct notify_spec *spec)
{
	static const struct {
		const char *name;
		enum notify_filter f;
		int has_names;
	} filters[] = {
		{ "INBOXES", NOTIFY_INBOXES, 0 },
		{ "PERSONAL", NOTIFY_PERSONAL, 0 },
		{ "SUBSCRIBED", NOTIFY_SUBSCRIBED, 0 },
		{ "SUBTREE", NOTIFY_SUBTREE, 1 },
		{ "MAILBOXES", NOTIFY_MAILBOXES, 1 },
	};
	struct notify_group *g;
	size_t k;

	if (a->type != ARG_LIST || a->count < 2) {
		rd->bad = "An event group is (filter events)";
		return;
	}
	if (is_atom(&a->list[0], "SELECTED") ||
	    is_atom(&a->list[0], "SELECTED-DELAYED")) {
		if (a->count != 2) {
			rd->bad = "An event group is (filter events)";
			return;
		}
		/* 6.1: only one of them in a NOTIFY command. */
		if (rd->selected_seen++) {
			rd->bad = "SELECTED or SELECTED-DELAYED given twice";
			return;
		}
		spec->sel_delayed = is_atom(&a->list[0], "SELECTED-DELAYED");
		spec->sel_events = read_events(rd, &a->list[1], 1, spec);
		return;
	}
	for (k = 0; k < sizeof(filters) / sizeof(filters[0]); k++)
		if (is_atom(&a->list[0], filters[k].name))
			break;
	if (k == sizeof(filters) / sizeof(filters[0]) ||
	    a->count != 2u + (size_t)filters[k].has_names) {
		rd->bad = "Invalid mailbox filter";
		return;
	}
	g = &spec->groups[spec->ngroups++];
	g->filter = filters[k].f;
	if (filters[k].has_names) {
		read_names(rd, &a->list[1], g);
		if (rd->bad != NULL)
			return;
	}
	g->events = read_events(rd, &a->list[a->count - 1], 0, spec);
}

/* Reads NOTIFY SET's arguments after "SET" into spec. */
static void
read_set(struct reading *rd, const struct command *cmd,
	 struct notify_spec *spec)
{
	size_t i = 1;

	if (i < cmd->nargs && is_atom(&cmd->args[i], "STATUS")) {
		spec->status = 1;
		i++;
	}
	if (i == cmd->nargs) {
		rd->bad = "NOTIFY SET wants event groups";
		return;
	}
	if (cmd->nargs - i > NOTIFY_MAX_GROUPS) {
		rd->bad = "Too many event groups";
		return;
	}
	spec->groups = xcalloc(cmd->nargs - i, sizeof(*spec->groups));
	for (; i < cmd->nargs && rd->bad == NULL; i++)
		read_group(rd, &cmd->args[i], spec);
}

void
cmd_notify(struct session *s, const struct command *cmd)
{
	struct reading rd = { .s = s };
	struct notify_spec spec = { 0 };
	const char *code, *text;

	if (cmd->nargs == 1 && is_atom(&cmd->args[0], "NONE")) {
		notify_stop(s);
		session_ok(s, cmd, "NOTIFY completed.");
		return;
	}
	if (cmd->nargs == 0 || !is_atom(&cmd->args[0], "SET")) {
		resp_tagged(s->stream, cmd->tag, "BAD", "NOTIFY wants SET or "
			    "NONE");
		return;
	}
	read_set(&rd, cmd, &spec);
	if (rd.bad != NULL || rd.badevent) {
		notify_spec_free(&spec);
		if (rd.bad != NULL)
			resp_tagged(s->stream, cmd->tag, "BAD", "%s", rd.bad);
		else
			resp_tagged(s->stream, cmd->tag, "NO", "[" BADEVENT
				    "] Unsupported event");
		return;
	}
	if (notify_start(s, &spec, &code, &text) < 0) {
		resp_tagged(s->stream, cmd->tag, "NO", "[%s] %s", code, text);
		return;
	}
	/* 3.1: NOTIFY SET implies a NOOP (session_ok's sync). */
	session_ok(s, cmd, "NOTIFY completed.");
}
