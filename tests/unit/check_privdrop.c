/* tests/unit/check_privdrop.c — the privilege drop, run for real.
 *
 * privdrop_become changes the process for good, so each drop runs in a
 * forked child that reports what it became through a pipe; its stderr
 * (where fatal() writes) comes back through a second pipe. As root (CI)
 * the child drops to uid 65534 with a temporary home it owns; as another
 * user the test checks what that user may do: serve itself, and nobody
 * else. Under uid_wrapper (UID_WRAPPER=1 UID_WRAPPER_ROOT=1) the root path
 * runs with the ids emulated. */
#include <check.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/privdrop.h"

#define CHECK_INT(got, want)                                              \
	do {                                                              \
		long got_ = (long)(got), want_ = (long)(want);            \
		ck_assert_msg(got_ == want_, "%s: got %ld, want %ld",     \
			      #got, got_, want_);                         \
	} while (0)

#define CHECK_STR(got, want)                                              \
	do {                                                              \
		const char *got_ = (got), *want_ = (want);                \
		ck_assert_msg(got_ != NULL && strcmp(got_, want_) == 0,   \
			      "%s: got \"%s\", want \"%s\"", #got,        \
			      got_ ? got_ : "(null)", want_);             \
	} while (0)

#define UNPRIV_ID 65534         /* nobody / nogroup */

/* What the child found itself to be after the drop. */
struct report {
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	int setuid0_errno;      /* 0 if setuid(0) succeeded */
	int setgid0_errno;
	mode_t umask;
	int ngroups;
	gid_t groups[16];
	char cwd[4096];
	char home_env[4096];
	char user_env[256];
};

struct child {
	int status;             /* from waitpid */
	int reported;           /* a whole report arrived */
	struct report rep;
	char stderr_text[4096];
};

static char home[4096];

static void
make_home(uid_t uid, gid_t gid)
{
	snprintf(home, sizeof(home), "/tmp/skua-privdrop-XXXXXX");
	ck_assert_msg(mkdtemp(home) != NULL, "mkdtemp: %s", strerror(errno));
	/* uid_wrapper's root cannot really chown; the dir is ours anyway. */
	if (chown(home, uid, gid) < 0 && getenv("UID_WRAPPER") == NULL)
		ck_abort_msg("chown %s to %lu: %s", home, (unsigned long)uid,
			     strerror(errno));
	ck_assert_int_eq(chmod(home, 0700), 0);
}

static void
remove_home(void)
{
	if (home[0] != '\0')
		rmdir(home);
	home[0] = '\0';
}

static void
fill_user(struct auth_user *u, const char *name, uid_t uid, gid_t gid,
	  const char *dir)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->uid = uid;
	u->gid = gid;
	snprintf(u->home, sizeof(u->home), "%s", dir);
}

static void
child_report(int fd)
{
	struct report r;
	mode_t m;

	memset(&r, 0, sizeof(r));
	getresuid(&r.ruid, &r.euid, &r.suid);
	getresgid(&r.rgid, &r.egid, &r.sgid);
	r.setuid0_errno = setuid(0) < 0 ? errno : 0;
	r.setgid0_errno = setgid(0) < 0 ? errno : 0;
	m = umask(0);
	umask(m);
	r.umask = m;
	r.ngroups = getgroups(16, r.groups);
	if (getcwd(r.cwd, sizeof(r.cwd)) == NULL)
		r.cwd[0] = '\0';
	snprintf(r.home_env, sizeof(r.home_env), "%s",
		 getenv("HOME") ? getenv("HOME") : "");
	snprintf(r.user_env, sizeof(r.user_env), "%s",
		 getenv("USER") ? getenv("USER") : "");
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(3);
}

static void
read_all(int fd, void *buf, size_t size, size_t *len_r)
{
	size_t len = 0;
	ssize_t n;

	while (len < size && (n = read(fd, (char *)buf + len, size - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
	}
	*len_r = len;
}

/* Forks; the child runs privdrop_become(u) and reports. */
static void
run_drop(const struct auth_user *u, struct child *c)
{
	int rep[2], err[2];
	size_t len;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(pipe(rep), 0);
	ck_assert_int_eq(pipe(err), 0);
	fflush(NULL);
	pid = fork();
	if (pid < 0)     /* not ck_assert: the child would run it too */
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		close(rep[0]);
		close(err[0]);
		dup2(err[1], STDERR_FILENO);
		privdrop_become(u);
		child_report(rep[1]);
		_exit(0);
	}
	close(rep[1]);
	close(err[1]);
	read_all(rep[0], &c->rep, sizeof(c->rep), &len);
	c->reported = len == sizeof(c->rep);
	read_all(err[0], c->stderr_text, sizeof(c->stderr_text) - 1, &len);
	c->stderr_text[len] = '\0';
	close(rep[0]);
	close(err[0]);
	ck_assert_int_eq(waitpid(pid, &c->status, 0), pid);
}

static void
check_exit(const struct child *c, int want)
{
	ck_assert_msg(WIFEXITED(c->status), "child: got status 0x%x, want "
		      "exit %d", c->status, want);
	ck_assert_msg(WEXITSTATUS(c->status) == want, "child exit: got %d, "
		      "want %d (stderr: %s)", WEXITSTATUS(c->status), want,
		      c->stderr_text);
}

static void
check_fatal(const struct child *c, const char *want_text)
{
	check_exit(c, 1);
	ck_assert_msg(!c->reported, "child: got a report, want none after "
		      "fatal");
	ck_assert_msg(strstr(c->stderr_text, want_text) != NULL,
		      "child stderr: got \"%s\", want it to contain \"%s\"",
		      c->stderr_text, want_text);
}

/* The state every successful drop must leave. */
static void
check_dropped(const struct child *c, const struct auth_user *u)
{
	const struct report *r = &c->rep;

	check_exit(c, 0);
	ck_assert_msg(c->reported, "child: got no report, want one");
	CHECK_INT(r->ruid, u->uid);
	CHECK_INT(r->euid, u->uid);
	CHECK_INT(r->suid, u->uid);
	ck_assert_msg(r->setuid0_errno != 0, "setuid(0) after the drop: got "
		      "success, want failure");
	CHECK_INT(r->umask, 077);
	CHECK_STR(r->cwd, u->home);
	CHECK_STR(r->home_env, u->home);
	CHECK_STR(r->user_env, u->name);
}

/* --- both as root and not ---------------------------------------------- */

START_TEST(possible_iff_root)
{
	CHECK_INT(privdrop_possible(), geteuid() == 0);
}
END_TEST

START_TEST(allowed_refuses_root)
{
	struct auth_user u;
	const char *err = NULL;

	fill_user(&u, "root", 0, 0, "/root");
	CHECK_INT(privdrop_allowed(&u, &err), -1);
	CHECK_STR(err, "logging in as root is not allowed");
}
END_TEST

START_TEST(allowed_own_uid)
{
	struct auth_user u;
	const char *err = NULL;

	if (getuid() == 0)
		return;         /* root's own uid is refused, see above */
	fill_user(&u, "me", getuid(), getgid(), "/");
	CHECK_INT(privdrop_allowed(&u, &err), 0);
}
END_TEST

START_TEST(allowed_foreign_uid)
{
	struct auth_user u;
	const char *err = NULL;
	char want[128];

	fill_user(&u, "other", getuid() == 4242 ? 4243 : 4242, 4242, "/");
	if (privdrop_possible()) {
		CHECK_INT(privdrop_allowed(&u, &err), 0);
		return;
	}
	CHECK_INT(privdrop_allowed(&u, &err), -1);
	snprintf(want, sizeof(want), "this server runs as uid %lu and can "
		 "serve only that user", (unsigned long)getuid());
	CHECK_STR(err, want);
}
END_TEST

START_TEST(become_refuses_root)
{
	struct auth_user u;
	struct child c;

	fill_user(&u, "root", 0, 0, "/root");
	run_drop(&u, &c);
	check_fatal(&c, "refusing to serve root");
}
END_TEST

/* --- as root ----------------------------------------------------------- */

START_TEST(root_drops_to_nobody)
{
	struct auth_user u;
	struct child c;

	if (!privdrop_possible())
		return;
	make_home(UNPRIV_ID, UNPRIV_ID);
	fill_user(&u, "skua-test-nobody", UNPRIV_ID, UNPRIV_ID, home);
	run_drop(&u, &c);
	remove_home();
	check_dropped(&c, &u);
	CHECK_INT(c.rep.rgid, UNPRIV_ID);
	CHECK_INT(c.rep.egid, UNPRIV_ID);
	CHECK_INT(c.rep.sgid, UNPRIV_ID);
	ck_assert_msg(c.rep.setgid0_errno != 0, "setgid(0) after the drop: "
		      "got success, want failure");
	/* A name in no group: only its own gid is left. */
	CHECK_INT(c.rep.ngroups, 1);
	CHECK_INT(c.rep.groups[0], UNPRIV_ID);
}
END_TEST

START_TEST(root_missing_home_is_fatal)
{
	struct auth_user u;
	struct child c;

	if (!privdrop_possible())
		return;
	fill_user(&u, "skua-test-nobody", UNPRIV_ID, UNPRIV_ID,
		  "/nonexistent/skua-test-home");
	run_drop(&u, &c);
	check_fatal(&c, "cannot change to home directory "
		    "/nonexistent/skua-test-home of skua-test-nobody");
}
END_TEST

START_TEST(root_home_of_someone_else_is_fatal)
{
	struct auth_user u;
	struct child c;

	/* Under uid_wrapper the directory really is ours: skip. */
	if (!privdrop_possible() || getenv("UID_WRAPPER") != NULL)
		return;
	make_home(0, 0);        /* root's, mode 0700 */
	fill_user(&u, "skua-test-nobody", UNPRIV_ID, UNPRIV_ID, home);
	run_drop(&u, &c);
	remove_home();
	check_fatal(&c, "Permission denied");
}
END_TEST

/* --- as a user --------------------------------------------------------- */

START_TEST(user_becomes_itself)
{
	struct auth_user u;
	struct child c;

	if (privdrop_possible())
		return;
	make_home(getuid(), getgid());
	fill_user(&u, "me", getuid(), getgid(), home);
	run_drop(&u, &c);
	remove_home();
	check_dropped(&c, &u);
}
END_TEST

START_TEST(user_cannot_become_another)
{
	struct auth_user u;
	struct child c;

	if (privdrop_possible())
		return;
	fill_user(&u, "other", getuid() == 4242 ? 4243 : 4242, 4242, "/");
	run_drop(&u, &c);
	check_fatal(&c, "privdrop: uids are");
}
END_TEST

static Suite *
privdrop_suite(void)
{
	Suite *s = suite_create("privdrop");
	TCase *tc;

	tc = tcase_create("any");
	tcase_add_test(tc, possible_iff_root);
	tcase_add_test(tc, allowed_refuses_root);
	tcase_add_test(tc, allowed_own_uid);
	tcase_add_test(tc, allowed_foreign_uid);
	tcase_add_test(tc, become_refuses_root);
	suite_add_tcase(s, tc);

	tc = tcase_create("root");
	tcase_add_checked_fixture(tc, NULL, remove_home);
	tcase_add_test(tc, root_drops_to_nobody);
	tcase_add_test(tc, root_missing_home_is_fatal);
	tcase_add_test(tc, root_home_of_someone_else_is_fatal);
	suite_add_tcase(s, tc);

	tc = tcase_create("user");
	tcase_add_checked_fixture(tc, NULL, remove_home);
	tcase_add_test(tc, user_becomes_itself);
	tcase_add_test(tc, user_cannot_become_another);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(privdrop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
