/* src/rimapd.c — a preauthenticated IMAP session on stdin/stdout for
 * `ssh host rimapd` and mail clients' tunnel settings. It runs as
 * whoever started it, which ssh has already authenticated; so it greets
 * with PREAUTH and never asks for a password. As root it refuses to run
 * unless told to: serving root's own mail over a tunnel is rarely what
 * anyone meant. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/user.h"
#include "paths.h"
#include "imap/session.h"
#include "net/fdstream.h"
#include "util/config.h"
#include "util/log.h"
#include "util/proctitle.h"

#define DEFAULT_CONFIG SYSCONFDIR "/skua/imapd.conf"

static void
usage(FILE *out)
{
	fprintf(out, "usage: rimapd [-F] [-c FILE] [--allow-root]\n"
		"  -F  log to stderr instead of syslog\n"
		"  -c  configuration file (default %s)\n", DEFAULT_CONFIG);
}

/* Says no in a way both a person and an IMAP client can read. */
static void
refuse(const char *why)
{
	printf("* BYE %s\r\n", why);
	fflush(stdout);
	fatal("%s", why);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "allow-root", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONFIG;
	int given = 0, to_stderr = 0, allow_root = 0, ch;
	struct config c;
	struct auth_user u;
	struct passwd *pw;
	char err[CONFIG_ERR_MAX];
	struct session_params p = { .config = &c };
	int ret;

	proctitle_init(argc, argv, "rimapd");
	log_open("rimapd", "mail", 1);
	while ((ch = getopt_long(argc, argv, "c:Fh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; given = 1; break;
		case 'F': to_stderr = 1; break;
		case 'R': allow_root = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	config_init(&c);
	if ((given || access(path, F_OK) == 0) && config_load(&c, path, err) < 0)
		refuse(err);
	log_open("rimapd", c.syslog_facility, to_stderr);
	proctitle_enable(c.proctitle);
	if (getuid() == 0 && !allow_root)
		refuse("rimapd refuses to run as root; use --allow-root to "
		       "insist");
	pw = getpwuid(getuid());
	if (pw == NULL || auth_user_lookup(pw->pw_name, &u) < 0)
		refuse("rimapd: who are you? uid has no passwd entry");
	if (chdir(u.home) < 0)
		refuse("rimapd: cannot change to the home directory");
	umask(077);
	p.preauth = &u;
	p.stream = fdstream_new(0, 1, NULL);
	fdstream_set_io_timeout(p.stream, c.write_timeout);
	/* The session logs "login: ... mech=PREAUTH" (imapd(8), LOGGING). */
	ret = session_run(&p);
	config_free(&c);
	return ret;
}
