/* include/util/config.h — imapd.conf: `key = value` lines and `# comments`.
 *
 * Every key has a default, a check and a line of documentation in one
 * table (src/util/config.c); unknown keys and bad values are errors that
 * name the file and line. Values are kept as the admin wrote them (list
 * values space-separated) and checked at load time, so that `imapd -t`
 * finds every mistake before a reload does. imapd.conf(5) documents the
 * same keys. */
#ifndef SKUA_UTIL_CONFIG_H
#define SKUA_UTIL_CONFIG_H

#include <stdio.h>

#define CONFIG_ERR_MAX 512

enum plaintext_auth { PLAINTEXT_NEVER, PLAINTEXT_LOOPBACK, PLAINTEXT_ALWAYS };
enum auth_backend { AUTH_BACKEND_PAM, AUTH_BACKEND_PASSWD_FILE };
/* How folder names are written on disk (folder_names_on_disk). */
enum disk_names { DISK_NAMES_AUTO, DISK_NAMES_MUTF7, DISK_NAMES_UTF8 };

struct config {
	/* List values (listen, listen_tls, proxy_*, local_networks,
	 * special_folders) hold words separated by single spaces, and may be empty. */
	char *listen;           /* plain listeners, STARTTLS offered */
	char *listen_tls;       /* implicit TLS listeners */
	char *proxy_listen;     /* like listen, PROXY header first */
	char *proxy_listen_tls; /* like listen_tls, PROXY header first */
	char *proxy_trusted;    /* networks whose PROXY headers count */
	char *tls_cert;         /* PEM: certificate and chain */
	char *tls_key;          /* PEM: private key */
	char *auth;             /* "pam" or "passwd-file PATH" */
	char *pam_service;
	char *plaintext_auth;   /* never | loopback | always */
	char *local_networks;   /* what "loopback" means for plaintext_auth */
	char *maildir;          /* "~/Maildir": ~ is the user's home */
	char *special_folders;  /* made at login when absent */
	char *namespace_prefix; /* "" or ending in the separator */
	char *namespace_separator;      /* "/" or "." */
	char *folder_names_on_disk;     /* auto | mutf7 | utf8 */
	char *pidfile;
	char *syslog_facility;
	long max_connections;
	long max_connections_per_ip;
	long login_timeout;     /* seconds to authenticate */
	long idle_timeout;      /* seconds of inactivity once logged in */
	long write_timeout;     /* seconds a write may stall */
	long notify_max_folders;        /* NOTIFY watches at most (RFC 5465) */
	long max_auth_failures; /* per connection, then BYE */
	long auth_failure_delay; /* ms before a NO; doubles per failure */
	long auth_failures_per_ip;      /* failed logins from one address
					 * within auth_failure_window, then it
					 * is refused; 0: never */
	long auth_failure_window;       /* seconds */
	long auth_block_time;           /* seconds an address is refused */
	char *auth_block_exempt;        /* networks never blocked */
	long max_unauth_connections_per_ip; /* not yet logged in */
	long max_user_connections;      /* sessions of one user; 0: any */
	long session_memory_limit;      /* bytes of data (RLIMIT_DATA) per
					 * connection process; 0: none */
	long search_work_limit;         /* bytes of message text one SEARCH,
					 * SORT or THREAD may scan; 0: none */
	char *verbose_proctitle; /* yes | no: state in ps's title */
	char *rawlog_users;     /* users whose sessions are traced */
	char *rawlog_dir;       /* where: "~/..." is in the home */
	long rawlog_max_size;   /* bytes per trace file */
	char *quota_set;        /* yes | no: SETQUOTA (RFC 9208) allowed */
	char *fts;              /* yes | no: full-text index (imap/fts.h) */

	/* Derived when loaded: */
	enum plaintext_auth plaintext;
	enum auth_backend backend;
	char namespace_sep;     /* namespace_separator[0] */
	enum disk_names disk_names;
	int proctitle;          /* verbose_proctitle is yes */
	int quota_set_allowed;  /* quota_set is yes */
	int fts_on;             /* fts is yes */
	char *passwd_file;      /* with AUTH_BACKEND_PASSWD_FILE */
	char *path;             /* the file read, NULL if none */
};

/* Sets every key to its default; the strings are the struct's own. */
void config_init(struct config *c);
/* Reads path over the current values (keys the file does not name keep
 * theirs) and sets c->path. Returns 0, or -1 with err (size
 * CONFIG_ERR_MAX) set and c unchanged, so a failed reload keeps the old
 * settings. Messages:
 *   FILE: cannot open: <strerror>
 *   FILE:LINE: unknown key 'KEY'
 *   FILE:LINE: expected 'key = value'
 *   FILE:LINE: KEY: <why> (want <what a good value looks like>)
 *   FILE:LINE: line longer than 4096 bytes
 * Keys that are checked together (namespace_prefix must end with
 * namespace_separator) are checked when the whole file is read, and the
 * message names the last line that set one of them. */
int  config_load(struct config *c, const char *path, char *err);
/* Sets one key as the command line does, with the same checks. Returns 0,
 * or -1 with err set as above without "FILE:LINE: " and c unchanged.
 * Keys checked together are checked against the values c has now, so
 * set namespace_separator before a namespace_prefix that needs it. */
int  config_set(struct config *c, const char *key, const char *value,
		char *err);
/* Writes `key = value` for each key that differs from its default, in
 * table order; the output is itself a valid imapd.conf. */
void config_print_changed(const struct config *c, FILE *out);
/* Writes every key with its documentation and its default, commented
 * out, as a sample file. */
void config_print_all(FILE *out);
/* Frees the strings and zeroes c; freeing twice is harmless. */
void config_free(struct config *c);

#endif
