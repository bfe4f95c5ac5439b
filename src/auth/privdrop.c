/* src/auth/privdrop.c — becoming the user for good.
 *
 * The connection process runs as root until the password is checked; after
 * that it must be the user and nothing more, for the rest of its life. The
 * order matters: supplementary groups and the gid can only be changed
 * while still root, so groups go first, then the gid, then the uid. Each
 * change is to real, effective and saved ids at once (setresgid,
 * setresuid): a saved id of 0 would let the process switch back.
 *
 * Then the result is verified rather than trusted: all three uids and gids
 * are the user's, setuid(0) and seteuid(0) fail, setgid(0) fails for a
 * user whose gid is not 0, and the supplementary groups are exactly those
 * the group database gives the user (never group 0 unless it is the
 * user's own gid). A set*id call that fails half-way (older Linux let
 * setuid fail under RLIMIT_NPROC; an LSM may deny a transition) or a
 * wrapper that lies must not leave a root process serving a user, and
 * checking costs nothing.
 *
 * The groups come from getgrouplist + setgroups rather than initgroups:
 * the same result, but both calls go through the symbol table, so that
 * nss_wrapper and uid_wrapper in tests see them (glibc's initgroups calls
 * setgroups internally, past any wrapper).
 *
 * A process that is not root cannot change user; it may serve only its own
 * uid (rimapd, or imapd started by a user), and privdrop_become then only
 * verifies. Either way the process ends with umask 077, its home as the
 * working directory, and HOME, USER and LOGNAME set.
 *
 * Any failure is fatal: a process half-way between root and the user must
 * not serve anyone.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "auth/privdrop.h"
#include "util/childlink.h"
#include "util/log.h"

#define GROUPS_MAX 65536        /* the kernel's NGROUPS_MAX */

int
privdrop_possible(void)
{
	return geteuid() == 0;
}

int
privdrop_allowed(const struct auth_user *user, const char **err_r)
{
	static char msg[128];

	if (user->uid == 0) {
		*err_r = "logging in as root is not allowed";
		return -1;
	}
	if (!privdrop_possible() && user->uid != getuid()) {
		snprintf(msg, sizeof(msg), "this server runs as uid %lu and "
			 "can serve only that user", (unsigned long)getuid());
		*err_r = msg;
		return -1;
	}
	/* Last, so that only a login about to happen is counted. */
	if (childlink_login(user->name) < 0) {
		*err_r = "Too many sessions for this user; try again later";
		return PRIVDROP_TOO_MANY;
	}
	return 0;
}

/* The user's groups: the primary gid and every group that lists the name. */
static gid_t *
user_groups(const struct auth_user *user, int *n_r)
{
	gid_t *groups = NULL, *g;
	int n = 32, have;

	for (;;) {
		have = n;
		g = realloc(groups, (size_t)n * sizeof(*g));
		if (g == NULL)
			fatal("privdrop: out of memory for the groups of %s",
			      user->name);
		groups = g;
		if (getgrouplist(user->name, user->gid, groups, &n) >= 0)
			break;
		/* glibc says how many it needs; other libcs may not. */
		n = n > have ? n : have * 2;
		if (n > GROUPS_MAX)
			fatal("privdrop: user %s is in more than %d groups",
			      user->name, GROUPS_MAX);
	}
	for (int i = 0; i < n; i++)
		if (groups[i] == 0 && user->gid != 0)
			fatal("privdrop: user %s is a member of group 0; "
			      "refusing to serve it", user->name);
	*n_r = n;
	return groups;
}

void
privdrop_preload(void)
{
	gid_t groups[32];
	int n = 32;

	/* The answers do not matter, only that the modules get loaded;
	 * root exists everywhere, so no module is asked in vain. */
	(void)getpwnam("root");
	(void)getgrouplist("root", 0, groups, &n);
	endpwent();
	endgrent();
}

static void
drop_root(const struct auth_user *user, const gid_t *groups, int n)
{
	if (setgroups((size_t)n, groups) < 0)
		fatal("privdrop: setgroups for %s: %s", user->name,
		      strerror(errno));
	if (setresgid(user->gid, user->gid, user->gid) < 0)
		fatal("privdrop: setresgid(%lu) for %s: %s",
		      (unsigned long)user->gid, user->name, strerror(errno));
	if (setresuid(user->uid, user->uid, user->uid) < 0)
		fatal("privdrop: setresuid(%lu) for %s: %s",
		      (unsigned long)user->uid, user->name, strerror(errno));
}

static void
verify_uids(const struct auth_user *user)
{
	uid_t r, e, s;

	if (getresuid(&r, &e, &s) < 0)
		fatal("privdrop: getresuid: %s", strerror(errno));
	if (r != user->uid || e != user->uid || s != user->uid)
		fatal("privdrop: uids are %lu/%lu/%lu, want %lu for %s",
		      (unsigned long)r, (unsigned long)e, (unsigned long)s,
		      (unsigned long)user->uid, user->name);
	if (setuid(0) == 0 || seteuid(0) == 0)
		fatal("privdrop: root regained after dropping to %s",
		      user->name);
}

static void
verify_gids(const struct auth_user *user)
{
	gid_t r, e, s;

	if (getresgid(&r, &e, &s) < 0)
		fatal("privdrop: getresgid: %s", strerror(errno));
	if (r != user->gid || e != user->gid || s != user->gid)
		fatal("privdrop: gids are %lu/%lu/%lu, want %lu for %s",
		      (unsigned long)r, (unsigned long)e, (unsigned long)s,
		      (unsigned long)user->gid, user->name);
	if (user->gid != 0 && (setgid(0) == 0 || setegid(0) == 0))
		fatal("privdrop: group 0 regained after dropping to %s",
		      user->name);
}

static int
gid_in(gid_t gid, const gid_t *set, int n)
{
	for (int i = 0; i < n; i++)
		if (set[i] == gid)
			return 1;
	return 0;
}

/* The supplementary groups now in force must be the ones we set. */
static void
verify_groups(const struct auth_user *user, const gid_t *want, int nwant)
{
	gid_t *got;
	int n = getgroups(0, NULL);

	if (n < 0)
		fatal("privdrop: getgroups: %s", strerror(errno));
	got = calloc((size_t)n + 1, sizeof(*got));
	if (got == NULL)
		fatal("privdrop: out of memory for the groups of %s",
		      user->name);
	n = getgroups(n, got);
	if (n < 0)
		fatal("privdrop: getgroups: %s", strerror(errno));
	for (int i = 0; i < n; i++)
		if (!gid_in(got[i], want, nwant))
			fatal("privdrop: group %lu left after dropping to %s",
			      (unsigned long)got[i], user->name);
	for (int i = 0; i < nwant; i++)
		if (!gid_in(want[i], got, n))
			fatal("privdrop: group %lu missing after dropping "
			      "to %s", (unsigned long)want[i], user->name);
	free(got);
}

/* umask, working directory and environment of the user's session. */
static void
settle_in(const struct auth_user *user)
{
	umask(077);
	if (chdir(user->home) < 0)
		fatal("privdrop: cannot change to home directory %s of %s: %s",
		      user->home, user->name, strerror(errno));
	if (setenv("HOME", user->home, 1) < 0 ||
	    setenv("USER", user->name, 1) < 0 ||
	    setenv("LOGNAME", user->name, 1) < 0)
		fatal("privdrop: setenv: %s", strerror(errno));
}

void
privdrop_become(const struct auth_user *user)
{
	gid_t *groups;
	int n;

	/* No line to the root listener survives the drop. */
	childlink_close();
	if (user->uid == 0)
		fatal("privdrop: refusing to serve root (user %s)", user->name);
	if (privdrop_possible()) {
		groups = user_groups(user, &n);
		drop_root(user, groups, n);
		verify_uids(user);
		verify_gids(user);
		verify_groups(user, groups, n);
		free(groups);
#ifdef PR_SET_DUMPABLE
		/* The kernel makes a process that changed its uids
		 * undumpable unless fs.suid_dumpable says otherwise; say it
		 * ourselves. The user must not ptrace this process or read a
		 * core of it: it still holds the TLS private key (see
		 * src/net/tls.c) and what root read before the drop. */
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			fatal("privdrop: prctl(PR_SET_DUMPABLE): %s",
			      strerror(errno));
#endif
	} else {
		/* Nothing to change: only check that we are the user. */
		verify_uids(user);
	}
	settle_in(user);
}
