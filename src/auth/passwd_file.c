/* src/auth/passwd_file.c — virtual users from a Dovecot-style passwd-file.
 *
 * The file is read at every check: it is small, and an edit then takes
 * effect at the next login without a signal or a restart.
 *
 * Three things make this more than a split on ':':
 *
 * - Timing. A wrong password for a real user costs one crypt(3); an
 *   unknown user must cost the same, or the answer time tells an attacker
 *   which names exist. So an unknown user's password is run through crypt
 *   too, against the first usable hash in the file (same scheme and cost
 *   as the real entries) or, failing that, a built-in yescrypt hash. The
 *   final comparison of hash strings looks at every byte.
 * - Safety of the drop. The entry decides which uid the process becomes,
 *   so an entry with uid or gid 0, a missing or relative home, or an
 *   unknown password scheme is an error for the admin, never a login.
 *   Only the entry of the user being checked is judged: a typo in one line
 *   does not lock everyone else out.
 * - Weak hashes. Only the schemes libxcrypt computes well are accepted
 *   ($y$ yescrypt, $6$, $5$, $2y$/$2b$ bcrypt); DES and MD5 crypt are
 *   refused as unknown. {PLAIN} exists for tests.
 */
#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/passwd_file.h"

#define LINE_MAX_LEN 4096       /* longest line accepted, without newline */
#define DECOY_MAX    512        /* longest hash kept as the decoy */
#define N_ELEMS(a)   (sizeof(a) / sizeof((a)[0]))

enum { F_NAME, F_PASS, F_UID, F_GID, F_GECOS, F_HOME, F_REST, F_COUNT };

struct pf_scan {
	const char *path;
	unsigned long lineno;
	char *field[F_COUNT];
	char line[LINE_MAX_LEN + 2];    /* + newline + NUL */
	char decoy[DECOY_MAX];
};

/* Password of no one, for unknown users in a file without a usable hash. */
static const char decoy_hash[] = "$y$j9T$IHFQlKKUX.273aZNjb6i30$"
	"/1VM/wPeunpfNDM/kzSiGhEOABCVHspdgGu.MflN8E9";

static const char *const crypt_prefixes[] = {
	"{CRYPT}", "{SHA512-CRYPT}", "{SHA256-CRYPT}", "{BLF-CRYPT}",
};
static const char *const crypt_ids[] = { "$y$", "$6$", "$5$", "$2y$", "$2b$" };

static char errbuf[4096 + 256];    /* a path plus a reason */

static const char *
pf_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *
pf_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return errbuf;
}

/* 1 when a equals b. Every byte of b is looked at whatever the answer, so
 * the time does not tell how much of a guess was right. */
static int
ct_equal(const char *a, const char *b)
{
	size_t alen = strlen(a), blen = strlen(b);
	unsigned int d = alen != blen;

	for (size_t i = 0; i < blen; i++)
		d |= (unsigned char)b[i] ^ (unsigned char)a[i < alen ? i : 0];
	return d == 0;
}

/* The crypt(3) hash inside a stored value, without its {SCHEME} prefix;
 * NULL when the scheme is not one we accept. */
static const char *
crypt_hash(const char *stored)
{
	const char *hash = stored;
	size_t i;

	for (i = 0; i < N_ELEMS(crypt_prefixes); i++) {
		size_t len = strlen(crypt_prefixes[i]);

		if (strncasecmp(stored, crypt_prefixes[i], len) == 0) {
			hash = stored + len;
			break;
		}
	}
	for (i = 0; i < N_ELEMS(crypt_ids); i++)
		if (strncmp(hash, crypt_ids[i], strlen(crypt_ids[i])) == 0)
			return hash;
	return NULL;
}

static int
scheme_known(const char *stored)
{
	return strncasecmp(stored, "{PLAIN}", 7) == 0 ||
	       crypt_hash(stored) != NULL;
}

/* 1 on a match, 0 on a mismatch, -1 when crypt refuses the hash. */
static int
crypt_verify(const char *hash, const char *password)
{
	/* Some 32 KiB: too big for the stack of a connection process. */
	struct crypt_data *data = calloc(1, sizeof(*data));
	const char *out;
	int ret = -1;

	if (data == NULL)
		return -1;
	out = crypt_rn(password, hash, data, sizeof(*data));
	if (out != NULL)
		ret = ct_equal(hash, out);
	explicit_bzero(data, sizeof(*data));
	free(data);
	return ret;
}

int
passwd_verify(const char *stored, const char *password)
{
	const char *hash;

	if (strncasecmp(stored, "{PLAIN}", 7) == 0)
		return ct_equal(stored + 7, password);
	hash = crypt_hash(stored);
	if (hash == NULL)
		return -1;
	return crypt_verify(hash, password);
}

/* Names and passwords come from the client. A ':' cannot be in a name of
 * the file, and control characters belong in neither. */
static int
input_ok(const char *name, const char *password)
{
	const unsigned char *p;

	if (name[0] == '\0' || strlen(name) >= AUTH_NAME_MAX)
		return 0;
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ':')
			return 0;
	for (p = (const unsigned char *)password; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Reads the next line into sc->line without its line end. Returns 1, 0 at
 * the end of the file, -1 for a read error, or 2 for a line over the limit
 * (its start is in sc->line, the rest has been skipped). */
static int
read_line(struct pf_scan *sc, FILE *f)
{
	size_t len;
	int c;

	if (fgets(sc->line, sizeof(sc->line), f) == NULL)
		return ferror(f) ? -1 : 0;
	sc->lineno++;
	len = strlen(sc->line);
	if (len > 0 && sc->line[len - 1] == '\n')
		sc->line[--len] = '\0';
	else if (!feof(f)) {
		while ((c = getc(f)) != EOF && c != '\n')
			;
		return ferror(f) ? -1 : 2;
	}
	if (len > LINE_MAX_LEN)
		return 2;
	if (len > 0 && sc->line[len - 1] == '\r')
		sc->line[--len] = '\0';
	return 1;
}

/* Splits sc->line at ':' into sc->field; returns how many fields it has.
 * The last field keeps the rest of the line (shell and extra fields). */
static int
split_fields(struct pf_scan *sc)
{
	int n = 0;

	sc->field[n++] = sc->line;
	for (char *p = sc->line; *p != '\0' && n < F_COUNT; p++)
		if (*p == ':') {
			*p = '\0';
			sc->field[n++] = p + 1;
		}
	for (int i = n; i < F_COUNT; i++)
		sc->field[i] = NULL;
	return n;
}

static int
line_is_user(const char *line, const char *name)
{
	size_t len = strlen(name);

	return strncmp(line, name, len) == 0 && line[len] == ':';
}

/* Remembers the first usable hash of another user as the decoy. */
static void
keep_decoy(struct pf_scan *sc, int nfields)
{
	const char *pass = sc->field[F_PASS];

	if (sc->decoy[0] != '\0' || nfields <= F_PASS)
		return;
	if (crypt_hash(pass) != NULL && strlen(pass) < sizeof(sc->decoy))
		strcpy(sc->decoy, pass);
}

/* Finds the user's line. AUTH_OK with sc->field set, AUTH_FAILED when the
 * user is not in the file, AUTH_ERROR with *err_r set. */
static enum auth_result
find_user(struct pf_scan *sc, FILE *f, const char *name, const char **err_r)
{
	int rc, n;

	while ((rc = read_line(sc, f)) != 0) {
		if (rc < 0) {
			*err_r = pf_error("%s: read error: %s", sc->path,
					  strerror(errno));
			return AUTH_ERROR;
		}
		if (rc == 2 && line_is_user(sc->line, name)) {
			*err_r = pf_error("%s:%lu: line longer than %d bytes",
					  sc->path, sc->lineno, LINE_MAX_LEN);
			return AUTH_ERROR;
		}
		if (rc == 2 || sc->line[0] == '\0' || sc->line[0] == '#')
			continue;
		n = split_fields(sc);
		if (strcmp(sc->field[F_NAME], name) == 0) {
			if (n > F_HOME)
				return AUTH_OK;
			*err_r = pf_error("%s:%lu: too few fields (want "
					  "user:pass:uid:gid::home::)",
					  sc->path, sc->lineno);
			return AUTH_ERROR;
		}
		keep_decoy(sc, n);
	}
	return AUTH_FAILED;
}

/* Parses a decimal uid or gid; -1 unless it is digits only and in range. */
static int
parse_id(const char *s, unsigned long *id_r)
{
	char *end;

	if (s[0] < '0' || s[0] > '9' || strlen(s) > 10)
		return -1;
	errno = 0;
	*id_r = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *id_r >= 0xffffffffUL)
		return -1;
	return 0;
}

/* Checks the fields of the user's line and fills *user from them. */
static enum auth_result
entry_to_user(struct pf_scan *sc, struct auth_user *user, const char **err_r)
{
	const char *home = sc->field[F_HOME];
	unsigned long uid, gid;

	if (!scheme_known(sc->field[F_PASS]))
		*err_r = "unknown password scheme";
	else if (parse_id(sc->field[F_UID], &uid) < 0)
		*err_r = "bad uid";
	else if (uid == 0)
		*err_r = "uid 0 not allowed";
	else if (parse_id(sc->field[F_GID], &gid) < 0)
		*err_r = "bad gid";
	else if (gid == 0)
		*err_r = "gid 0 not allowed";
	else if (home[0] == '\0')
		*err_r = "no home directory";
	else if (home[0] != '/')
		*err_r = "home directory is not an absolute path";
	else if (strlen(home) >= sizeof(user->home))
		*err_r = "home directory too long";
	else {
		snprintf(user->name, sizeof(user->name), "%s",
			 sc->field[F_NAME]);
		snprintf(user->home, sizeof(user->home), "%s", home);
		user->uid = (uid_t)uid;
		user->gid = (gid_t)gid;
		return AUTH_OK;
	}
	*err_r = pf_error("%s:%lu: %s", sc->path, sc->lineno, *err_r);
	return AUTH_ERROR;
}

/* Checks the password of a user found in the file. */
static enum auth_result
check_entry(struct pf_scan *sc, const char *password, struct auth_user *user,
	    const char **err_r)
{
	struct auth_user found;
	int match;

	if (entry_to_user(sc, &found, err_r) != AUTH_OK)
		return AUTH_ERROR;
	match = passwd_verify(sc->field[F_PASS], password);
	if (match < 0) {
		*err_r = pf_error("%s:%lu: password hash refused by crypt",
				  sc->path, sc->lineno);
		return AUTH_ERROR;
	}
	if (match == 0) {
		*err_r = "password mismatch";
		return AUTH_FAILED;
	}
	*user = found;
	return AUTH_OK;
}

enum auth_result
passwd_file_check(const char *path, const char *name, const char *password,
		  struct auth_user *user, const char **err_r)
{
	struct pf_scan sc;
	enum auth_result res;
	FILE *f;

	if (!input_ok(name, password)) {
		*err_r = "user name or password with forbidden characters";
		return AUTH_FAILED;
	}
	if (password[0] == '\0') {
		*err_r = "empty password";
		return AUTH_FAILED;
	}
	f = fopen(path, "re");
	if (f == NULL) {
		*err_r = pf_error("%s: %s", path, strerror(errno));
		return AUTH_ERROR;
	}
	memset(&sc, 0, sizeof(sc));
	sc.path = path;
	res = find_user(&sc, f, name, err_r);
	fclose(f);
	if (res == AUTH_OK)
		res = check_entry(&sc, password, user, err_r);
	else if (res == AUTH_FAILED) {
		/* Spend what a real check would; the answer is no anyway. */
		const char *decoy = sc.decoy[0] ? sc.decoy : decoy_hash;

		(void)passwd_verify(decoy, password);
		*err_r = "unknown user";
	}
	explicit_bzero(&sc, sizeof(sc));
	return res;     /* a failure is counted per address by the caller */
}
