/* src/imap/urlauth_keys.c — the mailbox access key table and INTERNAL
 * tokens (imap/urlauth_keys.h).
 *
 * The table is small (one line per mailbox that ever had a URLAUTH) and
 * read whole; it is bounded all the same (KEYS_MAX_BYTES), since it lies
 * in a directory the user can write. A line that does not parse is
 * dropped at the next rewrite: a key lost only revokes URLs, which the
 * user can do anyway. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "imap/urlauth_keys.h"
#include "store/dotlock.h"

#define KEY_BYTES 16                    /* RFC 4467 2.2: 128 bits */
#define GUID_MAX 64
#define KEYS_MAX_BYTES (1024 * 1024)
#define LOCK_TIMEOUT 10

struct entry {
	char guid[GUID_MAX + 1];
	unsigned char key[KEY_BYTES];
};

struct table {
	struct entry *e;
	size_t n;
};

static void
table_free(struct table *t)
{
	if (t->e != NULL)
		explicit_bzero(t->e, t->n * sizeof(*t->e));
	free(t->e);
	t->e = NULL;
	t->n = 0;
}

static int
unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			int c = tolower((unsigned char)s[2 * i + k]);

			if (c >= '0' && c <= '9')
				v = v * 16 + (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (unsigned)(c - 'a' + 10);
			else
				return -1;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

static void
hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
valid_guid(const char *g, size_t n)
{
	if (n == 0 || n > GUID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)g[i]))
			return 0;
	return 1;
}

static char *
keys_path(const char *maildir)
{
	size_t n = strlen(maildir) + sizeof(URLAUTH_KEYS_FILE) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", maildir, URLAUTH_KEYS_FILE);
	return p;
}

/* Parses "guid hexkey\n" lines. */
static void
table_parse(struct table *t, char *data, size_t len)
{
	size_t lines = 0;
	char *p = data, *end = data + len;

	for (size_t i = 0; i < len; i++)
		lines += data[i] == '\n';
	t->e = calloc(lines + 1, sizeof(*t->e));
	if (t->e == NULL)
		return;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		struct entry *e = &t->e[t->n];

		if (nl == NULL)
			break;
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (sp != NULL && valid_guid(p, (size_t)(sp - p)) &&
		    nl - sp - 1 == 2 * KEY_BYTES &&
		    unhex(sp + 1, e->key, KEY_BYTES) == 0) {
			memcpy(e->guid, p, (size_t)(sp - p));
			e->guid[sp - p] = '\0';
			t->n++;
		}
		p = nl + 1;
	}
}

/* Reads the table; a missing file is an empty one. */
static int
table_read(const char *path, struct table *t, const char **err_r)
{
	struct stat st;
	char *data;
	ssize_t r;
	int fd;

	memset(t, 0, sizeof(*t));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		*err_r = "cannot open the URLAUTH key table";
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > KEYS_MAX_BYTES) {
		close(fd);
		*err_r = "URLAUTH key table is not a file of sane size";
		return -1;
	}
	data = malloc((size_t)st.st_size + 1);
	if (data == NULL) {
		close(fd);
		*err_r = "out of memory";
		return -1;
	}
	r = read(fd, data, (size_t)st.st_size);
	close(fd);
	if (r >= 0)
		table_parse(t, data, (size_t)r);
	explicit_bzero(data, (size_t)st.st_size);
	free(data);
	if (r < 0 || t->e == NULL) {
		table_free(t);
		*err_r = "cannot read the URLAUTH key table";
		return -1;
	}
	return 0;
}

/* Writes the table as a new file and renames it into place. */
static int
table_write(const char *path, const struct table *t, const char **err_r)
{
	size_t n = strlen(path) + 8;
	char *tmp = malloc(n), line[GUID_MAX + 2 * KEY_BYTES + 3];
	FILE *f;
	int fd, ok;

	if (tmp == NULL) {
		*err_r = "out of memory";
		return -1;
	}
	snprintf(tmp, n, "%s.new", path);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		free(tmp);
		*err_r = "cannot write the URLAUTH key table";
		return -1;
	}
	ok = 1;
	for (size_t i = 0; i < t->n && ok; i++) {
		char k[2 * KEY_BYTES + 1];

		hex(t->e[i].key, KEY_BYTES, k);
		snprintf(line, sizeof(line), "%s %s\n", t->e[i].guid, k);
		ok = fputs(line, f) >= 0;
		explicit_bzero(k, sizeof(k));
	}
	explicit_bzero(line, sizeof(line));
	ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (ok && rename(tmp, path) < 0)
		ok = 0;
	if (!ok) {
		unlink(tmp);
		*err_r = "cannot write the URLAUTH key table";
	}
	free(tmp);
	return ok ? 0 : -1;
}

static struct entry *
table_find(struct table *t, const char *guid)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->e[i].guid, guid) == 0)
			return &t->e[i];
	return NULL;
}

static int
random_key(unsigned char *key)
{
	size_t got = 0;

	while (got < KEY_BYTES) {
		ssize_t r = getrandom(key + got, KEY_BYTES - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Changes the table under its lock: adds or replaces guid's key (new
 * one in key_r), or with guid NULL empties it. */
static int
table_update(const char *path, const char *guid, int only_if_missing,
	     unsigned char *key_r, const char **err_r)
{
	struct table t;
	struct entry *e;
	int r = -1;

	if (dotlock_take(path, LOCK_TIMEOUT, err_r) < 0)
		return -1;
	if (table_read(path, &t, err_r) < 0)
		goto out;
	if (t.e == NULL && (t.e = calloc(1, sizeof(*t.e))) == NULL) {
		*err_r = "out of memory";
		goto out;
	}
	if (guid == NULL) {
		t.n = 0;
	} else if ((e = table_find(&t, guid)) != NULL) {
		if (!only_if_missing && random_key(e->key) < 0) {
			*err_r = "no random bytes";
			goto out;
		}
		memcpy(key_r, e->key, KEY_BYTES);
		if (only_if_missing) {
			r = 0;
			goto out;
		}
	} else {
		e = &t.e[t.n];          /* table_parse left room for one */
		snprintf(e->guid, sizeof(e->guid), "%s", guid);
		if (random_key(e->key) < 0) {
			*err_r = "no random bytes";
			goto out;
		}
		memcpy(key_r, e->key, KEY_BYTES);
		t.n++;
	}
	r = table_write(path, &t, err_r);
out:
	table_free(&t);
	dotlock_release(path);
	return r;
}

static int
hmac_token(const unsigned char *key, const char *rump, size_t len,
	   char *token)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, key, KEY_BYTES,
		      (const unsigned char *)rump, len, mac, sizeof(mac),
		      &maclen) == NULL || maclen != 20)
		return -1;
	token[0] = '0';
	token[1] = '1';
	hex(mac, maclen, token + 2);
	return 0;
}

int
urlauth_keys_token(const char *maildir, const char *guid, int create,
		   const char *rump, size_t len, char *token,
		   const char **err_r)
{
	char *path = keys_path(maildir);
	unsigned char key[KEY_BYTES];
	struct table t;
	struct entry *e;
	int r = 0;

	if (path == NULL || !valid_guid(guid, strlen(guid))) {
		free(path);
		*err_r = path == NULL ? "out of memory" : "invalid mailbox GUID";
		return -1;
	}
	if (table_read(path, &t, err_r) < 0) {
		free(path);
		return -1;
	}
	if ((e = table_find(&t, guid)) != NULL) {
		memcpy(key, e->key, KEY_BYTES);
	} else if (create) {
		r = table_update(path, guid, 1, key, err_r);
	} else {
		/* RFC 4467 6: a "plausible" key, so that the failure takes
		 * the time a success would. */
		r = random_key(key) < 0 ? -1 : 1;
		if (r < 0)
			*err_r = "no random bytes";
	}
	table_free(&t);
	free(path);
	if (r >= 0 && hmac_token(key, rump, len, token) < 0) {
		*err_r = "HMAC-SHA1 failed";
		r = -1;
	}
	explicit_bzero(key, sizeof(key));
	return r;
}

int
urlauth_keys_reset(const char *maildir, const char *guid, const char **err_r)
{
	char *path = keys_path(maildir);
	unsigned char key[KEY_BYTES];
	int r;

	if (path == NULL || (guid != NULL && !valid_guid(guid, strlen(guid)))) {
		free(path);
		*err_r = path == NULL ? "out of memory" : "invalid mailbox GUID";
		return -1;
	}
	r = table_update(path, guid, 0, key, err_r);
	explicit_bzero(key, sizeof(key));
	free(path);
	return r;
}

int
urlauth_token_equal(const char *ours, const char *theirs)
{
	char low[URLAUTH_TOKEN_LEN + 1];
	size_t n = strlen(theirs);

	if (n != URLAUTH_TOKEN_LEN || strlen(ours) != URLAUTH_TOKEN_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)theirs[i]);
	low[n] = '\0';
	return CRYPTO_memcmp(ours, low, URLAUTH_TOKEN_LEN) == 0;
}
