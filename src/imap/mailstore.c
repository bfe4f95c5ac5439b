/* src/imap/mailstore.c — the user's Maildir as a session sees it, set up
 * at login.
 *
 * Three things happen once per login, all as the user (so whatever is
 * created is the user's, mode 0700 under the umask 077 of the drop):
 *
 * - A Maildir without cur/ is made: the user's first login works before
 *   any mail was delivered, as with Dovecot. cur/ is made last, so a
 *   login cut short leaves a Maildir that the next login completes.
 * - The folder-name encoding on disk is chosen. Dovecot and Courier before
 *   version 5 write modified UTF-7, Courier 5 writes UTF-8; with
 *   folder_names_on_disk = auto the first folder with 8-bit bytes in its
 *   name tells (names_detect_utf8), and mUTF-7 is the guess when none has.
 * - The special_folders that do not exist are created, each with its
 *   RFC 6154 attribute when its name is one of RFC 6154's seven (Sent,
 *   Drafts, ...: store/specialuse.h).
 *
 * When everything exists this costs one stat of cur/, one readdir of the
 * Maildir with auto (stopping at the first 8-bit name) and one stat per
 * special folder. Nothing here fails the login: a read-only or damaged
 * Maildir must still let the user read what is there. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "imap/mailstore.h"
#include "store/mutf7.h"
#include "store/specialuse.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

struct mailstore {
	struct mailboxes mb;
	char *root;
	char *prefix;
	char **names;                   /* wire names of special_folders */
	size_t nnames;
	struct mbox_special *special;   /* those with an attribute */
	/* The same in UTF-8, for a session that enabled UTF-8 names
	 * (mailstore_set_wire_utf8): "prefix" + the configured name. */
	struct mbox_special *special_utf8;
	char **utf8names;
};

/* mkdir that takes an existing directory as success. */
static int
make_dir(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Makes root a Maildir unless it has cur/ already. */
static void
ensure_maildir(const char *root, const char *user)
{
	static const char *const subdirs[] = { "tmp", "new", "cur" };
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/cur", root) >= (int)sizeof(path)) {
		log_error("maildir: user=%s path=%s: name too long", user, root);
		return;
	}
	if (stat(path, &st) == 0)
		return;
	if (errno != ENOENT) {
		log_error("maildir: user=%s path=%s: %s", user, path,
			  strerror(errno));
		return;
	}
	if (make_dir(root) < 0) {
		log_error("maildir: user=%s: mkdir(%s) failed: %s", user, root,
			  strerror(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, subdirs[i]);
		if (make_dir(path) < 0) {
			log_error("maildir: user=%s: mkdir(%s) failed: %s",
				  user, path, strerror(errno));
			return;
		}
	}
	log_info("maildir: user=%s path=%s created", user, root);
}

/* 1 when the folders under root have UTF-8 names (Courier 5). A Maildir
 * that cannot be read tells nothing: mUTF-7. */
static int
detect_utf8(const char *root)
{
	struct dirent *de;
	DIR *d = opendir(root);
	int utf8 = 0;

	if (d == NULL)
		return 0;
	while (!utf8 && (de = readdir(d)) != NULL) {
		const char *name = de->d_name;

		utf8 = names_detect_utf8(&name, 1);
	}
	closedir(d);
	return utf8;
}

static int
names_on_disk_utf8(const struct config *c, const char *root)
{
	switch (c->disk_names) {
	case DISK_NAMES_UTF8:
		return 1;
	case DISK_NAMES_MUTF7:
		return 0;
	default:
		return detect_utf8(root);
	}
}

/* The RFC 6154 attribute of a configured folder name, 0 for none: the
 * attribute spelt like the name ("Sent" is \Sent, "all" is \All). */
static unsigned
special_attr(const char *name)
{
	char attr[32];

	if (snprintf(attr, sizeof(attr), "\\%s", name) >= (int)sizeof(attr))
		return 0;
	return specialuse_attr(attr);
}

/* The wire name of a configured (UTF-8) folder name: the prefix, then
 * the name in modified UTF-7. NULL for a name that is not UTF-8. */
static char *
wire_name(const char *prefix, const char *name)
{
	struct buf b;
	char *wire = NULL;

	buf_init(&b, NAMES_MAX_LEN);
	if (buf_append_str(&b, prefix) == 0 &&
	    utf8_to_mutf7(name, strlen(name), &b) == 0)
		wire = xstrdup(buf_str(&b));
	buf_free(&b);
	return wire;
}

/* The wire name of a configured folder name, or NULL (logged) when the
 * namespace refuses it: one bad name must not keep the others from being
 * created. */
static char *
checked_wire_name(const struct mailstore *ms, const char *name,
		  const char *user)
{
	char dir[NAMES_DIR_MAX + 1];
	char *wire = wire_name(ms->prefix, name);
	const char *why = "not valid UTF-8, or too long";

	if (wire != NULL && names_to_dir(&ms->mb.rules, wire, 0, dir,
					 sizeof(dir), &why) == 0)
		return wire;
	log_error("special folders: user=%s folder=%s: %s", user, name, why);
	free(wire);
	return NULL;
}

/* Fills ms->names and ms->special from special_folders; needs the
 * namespace rules in ms->mb. */
static void
build_special(struct mailstore *ms, const char *list, const char *user)
{
	char *copy = xstrdup(list), *save = NULL, *name;
	size_t max = 1;

	for (const char *p = list; *p != '\0'; p++)
		max += *p == ' ';
	ms->names = xcalloc(max, sizeof(*ms->names));
	ms->special = xcalloc(max, sizeof(*ms->special));
	ms->special_utf8 = xcalloc(max, sizeof(*ms->special_utf8));
	ms->utf8names = xcalloc(max, sizeof(*ms->utf8names));
	for (name = strtok_r(copy, " ", &save); name != NULL;
	     name = strtok_r(NULL, " ", &save)) {
		char *wire = checked_wire_name(ms, name, user);
		unsigned attr = special_attr(name);

		if (wire == NULL)
			continue;
		ms->names[ms->nnames++] = wire;
		if (attr != 0) {
			size_t k = ms->mb.nspecial++;
			size_t n = strlen(ms->prefix) + strlen(name) + 1;

			ms->special[k].name = wire;
			ms->special[k].attr = attr;
			ms->utf8names[k] = xmalloc(n);
			snprintf(ms->utf8names[k], n, "%s%s", ms->prefix, name);
			ms->special_utf8[k].name = ms->utf8names[k];
			ms->special_utf8[k].attr = attr;
		}
	}
	ms->mb.special = ms->special;
	free(copy);
}

struct mailstore *
mailstore_open(const struct config *c, const char *maildir, const char *user)
{
	struct mailstore *ms = xcalloc(1, sizeof(*ms));
	struct mbox_err err;

	ms->root = xstrdup(maildir);
	ms->prefix = xstrdup(c->namespace_prefix);
	ensure_maildir(ms->root, user);
	ms->mb.root = ms->root;
	ms->mb.rules.sep = c->namespace_sep;
	ms->mb.rules.prefix = ms->prefix;
	ms->mb.rules.utf8_on_disk = names_on_disk_utf8(c, ms->root);
	build_special(ms, c->special_folders, user);
	if (ms->nnames > 0 &&
	    mailboxes_create_missing(&ms->mb, (const char *const *)ms->names,
				     ms->nnames, &err) < 0)
		log_error("special folders: user=%s: %s", user, err.text);
	return ms;
}

struct mailboxes *
mailstore_mailboxes(struct mailstore *ms)
{
	return &ms->mb;
}

void
mailstore_set_wire_utf8(struct mailstore *ms, int utf8)
{
	ms->mb.wire_utf8 = utf8;
	ms->mb.special = utf8 ? ms->special_utf8 : ms->special;
}

void
mailstore_free(struct mailstore **msp)
{
	struct mailstore *ms = *msp;

	if (ms == NULL)
		return;
	for (size_t i = 0; i < ms->nnames; i++)
		free(ms->names[i]);
	for (size_t i = 0; i < ms->mb.nspecial; i++)
		free(ms->utf8names[i]);
	free(ms->names);
	free(ms->utf8names);
	free(ms->special);
	free(ms->special_utf8);
	free(ms->prefix);
	free(ms->root);
	free(ms);
	*msp = NULL;
}
