/* src/util/config.c — imapd.conf: one table of keys, a line reader, and
 * the checks that let `imapd -t` find every mistake before the daemon
 * acts on it.
 *
 * The table below is the only list of keys. Loading, command-line
 * overrides (config_set), `imapd -n` (config_print_changed) and the sample
 * file (config_print_all) all walk it, so a key added there is parsed,
 * checked, printed and documented at once; etc/imapd.conf and
 * man/imapd.conf.5 must then be told by hand.
 *
 * A file is read into a copy of the configuration and only replaces it
 * when every line was good, so that a reload with a broken file keeps the
 * old settings instead of half of the new ones. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/addr.h"
#include "util/config.h"
#include "util/log.h"
#include "util/xalloc.h"

#define CONFIG_LINE_MAX 4096    /* bytes in a line, without the newline */
#define WHY_MAX 320             /* "key: why (want ...)"; leaves room for
				   "FILE:LINE: " in CONFIG_ERR_MAX */

enum key_type {
	KEY_STRING,     /* one non-empty word or path */
	KEY_LIST,       /* blank-separated words, may be empty */
	KEY_NUMBER,     /* a long between min and max */
	KEY_ENUM,       /* one of choices */
};

/* Checks a string or list value. Returns 0, or -1 with why set. */
typedef int check_fn(const char *value, char *why, size_t size);

struct key {
	const char *name;
	enum key_type type;
	size_t offset;                  /* of the char * or long in config */
	const char *def;                /* default, as it would be written */
	long min, max;                  /* KEY_NUMBER */
	const char *unit;               /* KEY_NUMBER, NULL for a count */
	const char *const *choices;     /* KEY_ENUM, NULL-terminated */
	check_fn *check;                /* KEY_STRING, KEY_LIST; may be NULL */
	const char *want;               /* KEY_STRING, KEY_LIST: a good value */
	const char *doc;                /* one line for the sample file */
};

static check_fn check_listen, check_networks, check_auth, check_prefix,
	check_folders, check_rawlog_dir;

/* In the order of enum plaintext_auth. */
static const char *const plaintext_choices[] = {
	"never", "loopback", "always", NULL
};
/* The names util/log.c knows. */
static const char *const facility_choices[] = {
	"mail", "daemon", "auth", "authpriv", "user", "local0", "local1",
	"local2", "local3", "local4", "local5", "local6", "local7", NULL
};

/* In the order of enum disk_names. */
static const char *const disk_names_choices[] = {
	"auto", "mutf7", "utf8", NULL
};
/* The hierarchy separators of Dovecot's and Courier's namespaces. */
static const char *const separator_choices[] = { "/", ".", NULL };
static const char *const yes_no_choices[] = { "yes", "no", NULL };

#define OFF(field) offsetof(struct config, field)
#define LISTEN_WANT "ADDRESS:PORT or [IPV6]:PORT, blank-separated, or nothing"

static const struct key keys[] = {
	{ .name = "listen", .type = KEY_LIST, .offset = OFF(listen),
	  .def = "0.0.0.0:143 [::]:143",
	  .check = check_listen, .want = LISTEN_WANT,
	  .doc = "Addresses for plain IMAP, which offers STARTTLS; "
		 "empty for none." },
	{ .name = "listen_tls", .type = KEY_LIST, .offset = OFF(listen_tls),
	  .def = "0.0.0.0:993 [::]:993",
	  .check = check_listen, .want = LISTEN_WANT,
	  .doc = "Addresses for IMAP over implicit TLS (imaps); "
		 "empty for none." },
	{ .name = "proxy_listen", .type = KEY_LIST,
	  .offset = OFF(proxy_listen), .def = "",
	  .check = check_listen, .want = LISTEN_WANT,
	  .doc = "Addresses for plain IMAP behind a load balancer that "
		 "sends the PROXY protocol header (v1 or v2) first; "
		 "empty for none." },
	{ .name = "proxy_listen_tls", .type = KEY_LIST,
	  .offset = OFF(proxy_listen_tls), .def = "",
	  .check = check_listen, .want = LISTEN_WANT,
	  .doc = "Addresses for implicit TLS behind such a load balancer: "
		 "the PROXY header, then the TLS handshake; empty for "
		 "none." },
	{ .name = "proxy_trusted", .type = KEY_LIST,
	  .offset = OFF(proxy_trusted), .def = "",
	  .check = check_networks,
	  .want = "ADDRESS[/PREFIX], blank-separated, or nothing",
	  .doc = "Proxies allowed to connect to proxy_listen and "
		 "proxy_listen_tls; connections from elsewhere are "
		 "closed. Empty trusts nobody." },
	{ .name = "tls_cert", .type = KEY_STRING, .offset = OFF(tls_cert),
	  .def = "/etc/ssl/certs/imapd.pem", .want = "a file name",
	  .doc = "PEM file with the server certificate, then its chain." },
	{ .name = "tls_key", .type = KEY_STRING, .offset = OFF(tls_key),
	  .def = "/etc/ssl/private/imapd.key", .want = "a file name",
	  .doc = "PEM file with the private key of tls_cert." },
	{ .name = "auth", .type = KEY_STRING, .offset = OFF(auth),
	  .def = "pam", .check = check_auth,
	  .want = "pam or passwd-file PATH",
	  .doc = "How passwords are checked: pam, or passwd-file PATH." },
	{ .name = "pam_service", .type = KEY_STRING,
	  .offset = OFF(pam_service), .def = "imap", .want = "a name",
	  .doc = "PAM service (the file in /etc/pam.d) for auth = pam." },
	{ .name = "plaintext_auth", .type = KEY_ENUM,
	  .offset = OFF(plaintext_auth), .def = "loopback",
	  .choices = plaintext_choices,
	  .doc = "When a password may travel without TLS; loopback "
		 "means from local_networks only." },
	{ .name = "local_networks", .type = KEY_LIST,
	  .offset = OFF(local_networks), .def = "127.0.0.0/8 ::1/128",
	  .check = check_networks,
	  .want = "ADDRESS[/PREFIX], blank-separated, or nothing",
	  .doc = "Client networks that count as local for "
		 "plaintext_auth = loopback." },
	{ .name = "maildir", .type = KEY_STRING, .offset = OFF(maildir),
	  .def = "~/Maildir", .want = "a directory name",
	  .doc = "The user's INBOX and folders; ~ is the home directory." },
	{ .name = "special_folders", .type = KEY_LIST,
	  .offset = OFF(special_folders),
	  .def = "Drafts Sent Trash Junk Archive", .check = check_folders,
	  .want = "folder names, blank-separated, or nothing",
	  .doc = "Folders made at login when absent; Drafts, Sent, Trash, "
		 "Junk and Archive get their special-use attribute. "
		 "Empty for none." },
	{ .name = "namespace_prefix", .type = KEY_LIST,
	  .offset = OFF(namespace_prefix), .def = "", .check = check_prefix,
	  .want = "one word ending in namespace_separator, or nothing",
	  .doc = "What every folder name but INBOX starts with, such as "
		 "INBOX. for clients used to Courier; empty for none." },
	{ .name = "namespace_separator", .type = KEY_ENUM,
	  .offset = OFF(namespace_separator), .def = "/",
	  .choices = separator_choices,
	  .doc = "The hierarchy separator clients see: / (Dovecot) or "
		 ". (Courier)." },
	{ .name = "folder_names_on_disk", .type = KEY_ENUM,
	  .offset = OFF(folder_names_on_disk), .def = "auto",
	  .choices = disk_names_choices,
	  .doc = "How non-ASCII folder names are written on disk: mutf7 "
		 "(Dovecot, Courier before 5), utf8 (Courier 5), or auto "
		 "to tell from the folders already there." },
	{ .name = "pidfile", .type = KEY_STRING, .offset = OFF(pidfile),
	  .def = "/run/skua/imapd.pid", .want = "a file name",
	  .doc = "Where the standalone daemon writes its process ID." },
	{ .name = "syslog_facility", .type = KEY_ENUM,
	  .offset = OFF(syslog_facility), .def = "mail",
	  .choices = facility_choices,
	  .doc = "Syslog facility of the log lines." },
	{ .name = "max_connections", .type = KEY_NUMBER,
	  .offset = OFF(max_connections), .def = "1000",
	  .min = 1, .max = 1000000,
	  .doc = "Most connections at once, all clients together." },
	{ .name = "max_connections_per_ip", .type = KEY_NUMBER,
	  .offset = OFF(max_connections_per_ip), .def = "50",
	  .min = 1, .max = 1000000,
	  .doc = "Most connections at once from one client address." },
	{ .name = "login_timeout", .type = KEY_NUMBER,
	  .offset = OFF(login_timeout), .def = "60",
	  .min = 1, .max = 3600, .unit = "seconds",
	  .doc = "Seconds a client has to log in before it is "
		 "disconnected." },
	{ .name = "idle_timeout", .type = KEY_NUMBER,
	  .offset = OFF(idle_timeout), .def = "1800",
	  .min = 1, .max = 86400, .unit = "seconds",
	  .doc = "Seconds of silence after login before disconnecting "
		 "(RFC 3501 asks for 1800 or more)." },
	{ .name = "write_timeout", .type = KEY_NUMBER,
	  .offset = OFF(write_timeout), .def = "120",
	  .min = 1, .max = 3600, .unit = "seconds",
	  .doc = "Seconds a write to the client may stall before the "
		 "connection is closed (a client that stops reading is cut "
		 "off then); a TLS handshake may take as long." },
	{ .name = "notify_max_folders", .type = KEY_NUMBER,
	  .offset = OFF(notify_max_folders), .def = "250",
	  .min = 1, .max = 10000,
	  .doc = "Most folders one session watches for NOTIFY (RFC 5465), "
		 "two inotify watches each; more is NOTIFICATIONOVERFLOW." },
	{ .name = "max_auth_failures", .type = KEY_NUMBER,
	  .offset = OFF(max_auth_failures), .def = "3",
	  .min = 1, .max = 100,
	  .doc = "Failed logins on one connection before it is closed." },
	{ .name = "auth_failure_delay", .type = KEY_NUMBER,
	  .offset = OFF(auth_failure_delay), .def = "2000",
	  .min = 0, .max = 60000, .unit = "milliseconds",
	  .doc = "Milliseconds before answering a failed login; doubles "
		 "with each further failure on the connection." },
	{ .name = "auth_failures_per_ip", .type = KEY_NUMBER,
	  .offset = OFF(auth_failures_per_ip), .def = "10",
	  .min = 0, .max = 1000000,
	  .doc = "Failed logins from one client address within "
		 "auth_failure_window after which the standalone daemon "
		 "refuses its connections for auth_block_time; 0 never "
		 "refuses." },
	{ .name = "auth_failure_window", .type = KEY_NUMBER,
	  .offset = OFF(auth_failure_window), .def = "300",
	  .min = 1, .max = 86400, .unit = "seconds",
	  .doc = "Seconds over which auth_failures_per_ip counts." },
	{ .name = "auth_block_time", .type = KEY_NUMBER,
	  .offset = OFF(auth_block_time), .def = "600",
	  .min = 1, .max = 86400, .unit = "seconds",
	  .doc = "Seconds an address that reached auth_failures_per_ip "
		 "is refused." },
	{ .name = "auth_block_exempt", .type = KEY_LIST,
	  .offset = OFF(auth_block_exempt), .def = "127.0.0.0/8 ::1/128",
	  .check = check_networks,
	  .want = "ADDRESS[/PREFIX], blank-separated, or nothing",
	  .doc = "Client networks whose failed logins are not counted "
		 "for auth_failures_per_ip (webmail, a local proxy); "
		 "empty for none." },
	{ .name = "max_unauth_connections_per_ip", .type = KEY_NUMBER,
	  .offset = OFF(max_unauth_connections_per_ip), .def = "10",
	  .min = 1, .max = 1000000,
	  .doc = "Most connections at once from one client address that "
		 "have not logged in yet." },
	{ .name = "max_user_connections", .type = KEY_NUMBER,
	  .offset = OFF(max_user_connections), .def = "100",
	  .min = 0, .max = 1000000,
	  .doc = "Most sessions at once of one user; a login beyond it "
		 "gets NO. 0 for no limit." },
	{ .name = "session_memory_limit", .type = KEY_NUMBER,
	  .offset = OFF(session_memory_limit), .def = "536870912",
	  .min = 0, .max = 1099511627776, .unit = "bytes",
	  .doc = "Bytes of heap and other private data one connection "
		 "process may use (RLIMIT_DATA); 0 for no limit." },
	{ .name = "search_work_limit", .type = KEY_NUMBER,
	  .offset = OFF(search_work_limit), .def = "1073741824",
	  .min = 0, .max = 1099511627776, .unit = "bytes",
	  .doc = "Bytes of message text one SEARCH, SORT or THREAD may "
		 "scan before it is refused with NO [LIMIT]; 0 for no "
		 "limit." },
	{ .name = "verbose_proctitle", .type = KEY_ENUM,
	  .offset = OFF(verbose_proctitle), .def = "yes",
	  .choices = yes_no_choices,
	  .doc = "Show each connection's user, address and state in ps: "
		 "imapd: alice 10.0.0.5 SELECTED INBOX." },
	{ .name = "quota_set", .type = KEY_ENUM,
	  .offset = OFF(quota_set), .def = "no",
	  .choices = yes_no_choices,
	  .doc = "Whether users may change their own Maildir++ quota "
		 "limits with SETQUOTA (RFC 9208); no refuses it." },
	{ .name = "fts", .type = KEY_ENUM,
	  .offset = OFF(fts), .def = "no",
	  .choices = yes_no_choices,
	  .doc = "Whether SEARCH BODY and TEXT use a per-user full-text "
		 "index (SQLite FTS5, skua.fts.sqlite) to pick the "
		 "messages they scan; the answers are the same either "
		 "way. Needs a build with libsqlite3." },
	{ .name = "rawlog_users", .type = KEY_LIST,
	  .offset = OFF(rawlog_users), .def = "",
	  .want = "user names, blank-separated, or nothing",
	  .doc = "Users whose sessions are written to a protocol trace in "
		 "rawlog_dir, passwords left out; empty for none." },
	{ .name = "rawlog_dir", .type = KEY_STRING,
	  .offset = OFF(rawlog_dir), .def = "~/skua-rawlog",
	  .check = check_rawlog_dir, .want = "~/NAME or an absolute path",
	  .doc = "Directory of the protocol traces, made 0700 when absent; "
		 "~ is the user's home. It must belong to the user." },
	{ .name = "rawlog_max_size", .type = KEY_NUMBER,
	  .offset = OFF(rawlog_max_size), .def = "10485760",
	  .min = 4096, .max = 1073741824, .unit = "bytes",
	  .doc = "Bytes one trace file may grow to; what comes after "
		 "is not recorded." },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static char **
str_at(struct config *c, const struct key *k)
{
	return (char **)((char *)c + k->offset);
}

static const char *
str_of(const struct config *c, const struct key *k)
{
	return *(char *const *)((const char *)c + k->offset);
}

static long *
num_at(struct config *c, const struct key *k)
{
	return (long *)((char *)c + k->offset);
}

static long
num_of(const struct config *c, const struct key *k)
{
	return *(const long *)((const char *)c + k->offset);
}

static const struct key *
find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
choice_index(const char *const *choices, const char *value)
{
	for (int i = 0; choices[i] != NULL; i++)
		if (strcmp(choices[i], value) == 0)
			return i;
	return -1;
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* 1 when s holds a control character other than tab: such a value would
 * not survive being printed by config_print_changed and read back. */
static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s) && *s != '\t')
			return 1;
	return 0;
}

/* 1 when s holds a '#' at its start or after a blank: in a file that
 * starts a comment (parse_line strips it before a value gets here), so a
 * value set on the command line with one would not survive being printed
 * by config_print_changed and read back either. */
static int
has_comment(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if (*p == '#' && (p == s || is_blank(p[-1])))
			return 1;
	return 0;
}

/* Removes leading and trailing white space in place. */
static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

/* Turns every run of blanks into one space, so that users of a list
 * value need to split on ' ' only. */
static void
squeeze_blanks(char *s)
{
	char *out = s;

	for (const char *in = s; *in != '\0'; in++) {
		if (!is_blank(*in))
			*out++ = *in;
		else if (out > s && out[-1] != ' ')
			*out++ = ' ';
	}
	*out = '\0';
}

/* The PATH of "passwd-file PATH", "" when it is missing, NULL when value
 * names another backend. */
static const char *
auth_path(const char *value)
{
	static const char word[] = "passwd-file";
	size_t n = sizeof(word) - 1;

	if (strncmp(value, word, n) != 0 ||
	    (value[n] != '\0' && !is_blank(value[n])))
		return NULL;
	value += n;
	while (is_blank(*value))
		value++;
	return value;
}

static int
check_auth(const char *value, char *why, size_t size)
{
	const char *path;

	if (strcmp(value, "pam") == 0)
		return 0;
	path = auth_path(value);
	if (path == NULL) {
		snprintf(why, size, "'%.64s' is not a backend", value);
		return -1;
	}
	if (*path == '\0') {
		snprintf(why, size, "passwd-file needs a path");
		return -1;
	}
	return 0;
}

static int
check_listen(const char *value, char *why, size_t size)
{
	char tok[ADDR_STR_MAX];
	struct sockaddr_storage ss;
	socklen_t len;
	const char *p = value, *start, *err;
	size_t n;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (*p == '\0')
			return 0;
		for (start = p; *p != '\0' && !is_blank(*p); p++)
			;
		n = (size_t)(p - start);
		if (n >= sizeof(tok)) {
			snprintf(why, size, "'%.*s...': too long",
				 (int)sizeof(tok) - 1, start);
			return -1;
		}
		memcpy(tok, start, n);
		tok[n] = '\0';
		if (addr_parse_listen(tok, &ss, &len, &err) < 0) {
			snprintf(why, size, "'%s': %s", tok, err);
			return -1;
		}
	}
}

static int
check_networks(const char *value, char *why, size_t size)
{
	const char *err;

	if (addr_check_ranges(value, &err) < 0) {
		snprintf(why, size, "%s", err);
		return -1;
	}
	return 0;
}

/* A prefix is one word without the LIST wildcards; that it ends with the
 * separator is checked with namespace_separator (check_across). */
static int
check_prefix(const char *value, char *why, size_t size)
{
	const char *bad = strpbrk(value, " %*");

	if (bad == NULL)
		return 0;
	if (*bad == ' ')
		snprintf(why, size, "'%.64s' is more than one word", value);
	else
		snprintf(why, size, "'%.64s' holds the wildcard '%c'", value,
			 *bad);
	return -1;
}

/* Folder names are checked in full at login, against the namespace; here
 * only what can never be a folder: a wildcard, or INBOX itself. */
static int
check_folders(const char *value, char *why, size_t size)
{
	const char *p = value, *start;
	size_t n;

	while (*p != '\0') {
		for (start = p; *p != '\0' && *p != ' '; p++)
			;
		n = (size_t)(p - start);
		if (strcspn(start, "%*") < n) {
			snprintf(why, size, "'%.*s' holds a wildcard",
				 (int)(n > 64 ? 64 : n), start);
			return -1;
		}
		if (n == 5 && strncasecmp(start, "INBOX", 5) == 0) {
			snprintf(why, size, "INBOX always exists");
			return -1;
		}
		if (*p == ' ')
			p++;
	}
	return 0;
}

/* A trace directory is the user's: in the home, or absolute. */
static int
check_rawlog_dir(const char *value, char *why, size_t size)
{
	if (value[0] == '/' || (value[0] == '~' && value[1] == '/' &&
				value[2] != '\0'))
		return 0;
	snprintf(why, size, "'%.64s' is neither in the home nor absolute",
		 value);
	return -1;
}

/* Checks the keys that only make sense together: a namespace prefix is
 * levels of folder names, each followed by the separator. Returns 0, or
 * -1 with why set to "key: why (want ...)". */
static int
check_across(const struct config *c, char *why, size_t size)
{
	const char *prefix = c->namespace_prefix;
	char sep = c->namespace_sep;
	size_t n = strlen(prefix);
	char twice[3] = { sep, sep, '\0' };

	if (n == 0)
		return 0;
	if (prefix[n - 1] != sep)
		snprintf(why, size, "namespace_prefix: '%.64s' does not end "
			 "with namespace_separator '%c'", prefix, sep);
	else if (n == 1 || prefix[0] == sep || strstr(prefix, twice) != NULL)
		snprintf(why, size, "namespace_prefix: '%.64s' has an empty "
			 "level", prefix);
	else
		return 0;
	snprintf(why + strlen(why), size - strlen(why),
		 " (want a prefix such as INBOX%c, or nothing)", sep);
	return -1;
}

/* Writes "a, b or c" for the choices of k. */
static void
format_choices(const struct key *k, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; k->choices[i] != NULL && len < size; i++) {
		const char *sep = i == 0 ? "" :
				  k->choices[i + 1] == NULL ? " or " : ", ";
		int n = snprintf(out + len, size - len, "%s%s", sep,
				 k->choices[i]);

		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static int
parse_number(const struct key *k, const char *value, long *n_r,
	      char *why, size_t size)
{
	const char *what;
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (!(isdigit((unsigned char)value[0]) ||
	      (value[0] == '-' && isdigit((unsigned char)value[1]))) ||
	    *end != '\0')
		what = "is not a number";
	else if (errno == ERANGE || n < k->min || n > k->max)
		what = "is out of range";
	else {
		*n_r = n;
		return 0;
	}
	if (k->unit != NULL)
		snprintf(why, size, "'%.64s' %s (want %ld to %ld %s)", value,
			 what, k->min, k->max, k->unit);
	else
		snprintf(why, size,
			 "'%.64s' %s (want a number from %ld to %ld)",
			 value, what, k->min, k->max);
	return -1;
}

/* Checks value for k. Returns 0, or -1 with why set to "why (want ...)".
 * A number is stored in *n_r. */
static int
check_value(const struct key *k, const char *value, long *n_r,
	    char *why, size_t size)
{
	char reason[WHY_MAX / 2], want[128];

	switch (k->type) {
	case KEY_NUMBER:
		return parse_number(k, value, n_r, why, size);
	case KEY_ENUM:
		if (choice_index(k->choices, value) >= 0)
			return 0;
		format_choices(k, want, sizeof(want));
		snprintf(why, size, "'%.64s' is not a choice (want %s)",
			 value, want);
		return -1;
	case KEY_STRING:
		if (value[0] == '\0') {
			snprintf(why, size, "empty value (want %s)", k->want);
			return -1;
		}
		/* fall through */
	case KEY_LIST:
		if (k->check == NULL ||
		    k->check(value, reason, sizeof(reason)) == 0)
			return 0;
		snprintf(why, size, "%s (want %s)", reason, k->want);
		return -1;
	}
	return -1;
}

/* Recomputes the fields that are derived from the keys. */
static void
derive(struct config *c)
{
	const char *path = auth_path(c->auth);

	c->plaintext = (enum plaintext_auth)choice_index(plaintext_choices,
							  c->plaintext_auth);
	c->namespace_sep = c->namespace_separator[0];
	c->proctitle = strcmp(c->verbose_proctitle, "yes") == 0;
	c->quota_set_allowed = strcmp(c->quota_set, "yes") == 0;
	c->fts_on = strcmp(c->fts, "yes") == 0;
	c->disk_names = (enum disk_names)choice_index(disk_names_choices,
						       c->folder_names_on_disk);
	free(c->passwd_file);
	c->passwd_file = NULL;
	c->backend = AUTH_BACKEND_PAM;
	if (path != NULL) {
		c->backend = AUTH_BACKEND_PASSWD_FILE;
		c->passwd_file = xstrdup(path);
	}
}

/* Sets key to value (already trimmed). Returns 0, or -1 with err set to
 * "key: why (want ...)" or "unknown key 'key'"; c is unchanged then. */
static int
set_key(struct config *c, const char *name, const char *value,
	char *err, size_t size)
{
	const struct key *k = find_key(name);
	char why[WHY_MAX], *copy;
	long n = 0;

	if (k == NULL) {
		snprintf(err, size, "unknown key '%.64s'", name);
		return -1;
	}
	if (has_control(value)) {
		snprintf(err, size, "%s: control character in value", k->name);
		return -1;
	}
	if (has_comment(value)) {
		snprintf(err, size, "%s: '#' at the start or after a blank "
			 "starts a comment (want it inside a word)", k->name);
		return -1;
	}
	copy = xstrdup(value);
	if (k->type == KEY_LIST)
		squeeze_blanks(copy);
	if (check_value(k, copy, &n, why, sizeof(why)) < 0) {
		snprintf(err, size, "%s: %s", k->name, why);
		free(copy);
		return -1;
	}
	if (k->type == KEY_NUMBER) {
		*num_at(c, k) = n;
		free(copy);
	} else {
		free(*str_at(c, k));
		*str_at(c, k) = copy;
	}
	derive(c);
	return 0;
}

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if (k->type == KEY_NUMBER)
			*num_at(c, k) = strtol(k->def, NULL, 10);
		else
			*str_at(c, k) = xstrdup(k->def);
	}
	derive(c);
}

/* Makes dst an independent copy of src. */
static void
config_copy(struct config *dst, const struct config *src)
{
	*dst = *src;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type != KEY_NUMBER)
			*str_at(dst, &keys[i]) = xstrdup(str_of(src, &keys[i]));
	dst->passwd_file = src->passwd_file ? xstrdup(src->passwd_file) : NULL;
	dst->path = src->path ? xstrdup(src->path) : NULL;
}

enum line_result {
	LINE_OK = 1, LINE_EOF = 0, LINE_LONG = -1, LINE_NUL = -2,
	LINE_ERROR = -3
};

/* Reads one line without its newline into buf. A last line without a
 * newline counts; a NUL byte is refused rather than silently ending the
 * line early. */
static enum line_result
read_line(FILE *f, char *buf, size_t size)
{
	size_t n = 0;
	int ch;

	while ((ch = getc(f)) != EOF && ch != '\n') {
		if (ch == '\0')
			return LINE_NUL;
		if (n == size - 1)
			return LINE_LONG;
		buf[n++] = (char)ch;
	}
	if (ch == EOF && ferror(f))
		return LINE_ERROR;
	if (ch == EOF && n == 0)
		return LINE_EOF;
	buf[n] = '\0';
	return LINE_OK;
}

/* Handles one line: a comment, a blank line or `key = value`. A '#' starts
 * a comment at the beginning of the line or after a blank, so that a '#'
 * inside a word (a path, say) stays part of the value. */
static int
parse_line(struct config *c, char *line, const char **key_r, char *err,
	   size_t size)
{
	char *p, *eq, *key;

	for (p = line; *p != '\0'; p++)
		if (*p == '#' && (p == line || is_blank(p[-1]))) {
			*p = '\0';
			break;
		}
	line = trim(line);
	if (*line == '\0')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL || eq == line) {
		snprintf(err, size, "expected 'key = value'");
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	*key_r = key;
	return set_key(c, key, trim(eq + 1), err, size);
}

/* 1 for the keys that check_across looks at. */
static int
checked_across(const char *key)
{
	return strcmp(key, "namespace_prefix") == 0 ||
	       strcmp(key, "namespace_separator") == 0;
}

static int
read_file(struct config *c, FILE *f, const char *path, char *err)
{
	char line[CONFIG_LINE_MAX + 1], why[WHY_MAX];
	unsigned lineno = 0, across_line = 0;
	const char *key;

	for (;;) {
		lineno++;
		key = NULL;
		switch (read_line(f, line, sizeof(line))) {
		case LINE_EOF:
			/* Defaults pass, so a failure has a line to name. */
			if (check_across(c, why, sizeof(why)) == 0)
				return 0;
			lineno = across_line;
			break;
		case LINE_OK:
			if (parse_line(c, line, &key, why, sizeof(why)) == 0) {
				if (key != NULL && checked_across(key))
					across_line = lineno;
				continue;
			}
			break;
		case LINE_LONG:
			snprintf(why, sizeof(why),
				 "line longer than %d bytes", CONFIG_LINE_MAX);
			break;
		case LINE_NUL:
			snprintf(why, sizeof(why), "NUL byte in line");
			break;
		case LINE_ERROR:
			snprintf(err, CONFIG_ERR_MAX, "%.160s: read error: %s",
				 path, strerror(errno));
			return -1;
		}
		snprintf(err, CONFIG_ERR_MAX, "%.160s:%u: %s", path, lineno,
			 why);
		return -1;
	}
}

int
config_load(struct config *c, const char *path, char *err)
{
	struct config tmp;
	FILE *f = fopen(path, "re");
	int ret;

	if (f == NULL) {
		snprintf(err, CONFIG_ERR_MAX, "%.160s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	config_copy(&tmp, c);
	ret = read_file(&tmp, f, path, err);
	fclose(f);
	if (ret < 0) {
		config_free(&tmp);
		return -1;
	}
	free(tmp.path);
	tmp.path = xstrdup(path);
	config_free(c);
	*c = tmp;
	return 0;
}

int
config_set(struct config *c, const char *key, const char *value, char *err)
{
	struct config tmp;
	char *copy = xstrdup(value);
	int ret;

	config_copy(&tmp, c);
	ret = set_key(&tmp, key, trim(copy), err, CONFIG_ERR_MAX);
	if (ret == 0)
		ret = check_across(&tmp, err, CONFIG_ERR_MAX);
	free(copy);
	if (ret < 0) {
		config_free(&tmp);
		return -1;
	}
	config_free(c);
	*c = tmp;
	return 0;
}

static void
print_key(const struct config *c, const struct key *k, FILE *out)
{
	if (k->type == KEY_NUMBER)
		fprintf(out, "%s = %ld\n", k->name, num_of(c, k));
	else if (str_of(c, k)[0] == '\0')
		fprintf(out, "%s =\n", k->name);
	else
		fprintf(out, "%s = %s\n", k->name, str_of(c, k));
}

void
config_print_changed(const struct config *c, FILE *out)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		int same = k->type == KEY_NUMBER
			? num_of(c, k) == strtol(k->def, NULL, 10)
			: strcmp(str_of(c, k), k->def) == 0;

		if (!same)
			print_key(c, k, out);
	}
}

/* Writes text as "# " lines of at most about 72 columns. */
static void
print_comment(FILE *out, const char *text)
{
	const size_t width = 70;

	while (*text != '\0') {
		size_t n = strlen(text);

		if (n > width) {
			for (n = width; n > 0 && text[n] != ' '; n--)
				;
			if (n == 0)
				n = strcspn(text, " ");
		}
		fprintf(out, "# %.*s\n", (int)n, text);
		text += n;
		while (*text == ' ')
			text++;
	}
}

void
config_print_all(FILE *out)
{
	char text[512], choices[160];

	print_comment(out, "imapd.conf: every key with its default value. "
		      "Remove the '#' in front of a key to change it; "
		      "see imapd.conf(5).");
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if (k->type == KEY_NUMBER)
			snprintf(text, sizeof(text), "%s From %ld to %ld%s%s.",
				 k->doc, k->min, k->max, k->unit ? " " : "",
				 k->unit ? k->unit : "");
		else if (k->type == KEY_ENUM) {
			format_choices(k, choices, sizeof(choices));
			snprintf(text, sizeof(text), "%s One of %s.", k->doc,
				 choices);
		} else
			snprintf(text, sizeof(text), "%s", k->doc);
		fprintf(out, "\n");
		print_comment(out, text);
		fprintf(out, "#%s =%s%s\n", k->name, k->def[0] ? " " : "",
			k->def);
	}
}

void
config_free(struct config *c)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type != KEY_NUMBER)
			free(*str_at(c, &keys[i]));
	free(c->passwd_file);
	free(c->path);
	memset(c, 0, sizeof(*c));
}
