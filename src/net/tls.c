/* src/net/tls.c — building the server's SSL_CTX from the configuration.
 *
 * Policy: TLS 1.2 at least; for TLS 1.2 the Mozilla "intermediate"
 * suites (forward secret ECDHE or DHE key exchange, AEAD ciphers only;
 * DHE with OpenSSL's built-in RFC 7919 groups), in the server's order;
 * TLS 1.3 suites are all good and keep OpenSSL's defaults. Compression
 * off (CRIME), client-initiated renegotiation refused, no session
 * tickets or cache (each connection is its own process).
 *
 * The private key in memory. The listener loads the key once, as root,
 * and keeps it for the connections to come; each connection process is
 * forked with a copy and needs it for one handshake (implicit TLS or
 * STARTTLS), never again: no renegotiation, no post-handshake
 * authentication, and TLS 1.2 and 1.3 sign with the key only in the
 * handshake. So the connection process lets go of it as soon as it can
 * (tls_forget_key): after its handshake, or at login when no handshake
 * took place (STARTTLS is over then, RFC 3501 6.2.1). Three things make
 * that forgetting real:
 *
 * - References. The key (an EVP_PKEY) is held by the SSL_CTX's
 *   certificate slot and by the SSL object's own copy of the slots, and
 *   the SSL keeps a reference to the SSL_CTX (session_ctx, which cannot
 *   be changed), so freeing our references would free nothing. Instead
 *   SSL_use_cert_and_key and SSL_CTX_use_cert_and_key put the
 *   certificate's public key in the private key's place, in the SSL and
 *   in the context (the listener's context, which the child shares by
 *   fork: its pages are the child's own copy). The last reference goes,
 *   and OpenSSL frees the key, clearing its numbers.
 * - The way in. The key file is read by read(2) into our buffer, not
 *   through stdio (whose buffer would be freed unwiped), parsed from
 *   memory, and the buffer is cleared.
 * - Free memory. OpenSSL's temporaries (the DER it decoded, the pieces
 *   of a signature) are freed without wiping. net/tlsmem makes every
 *   OpenSSL free clear the block first (imapd's main() installs it).
 *
 * tests/session/test_tls_key_memory.py reads a session's memory through
 * /proc after a TLS login and finds none of the key's primes or its
 * private exponent, where the listener's memory has them.
 *
 * What remains: the key is in the connection process from the fork to
 * the handshake or login, while it runs as root; a user never sees it.
 * Dovecot ends TLS in a separate login process; DESIGN.md keeps that as
 * a later option. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "net/tls.h"

/* TLS 1.2 suites: Mozilla's "intermediate" configuration (v5.7), ECDHE
 * or DHE with AEAD only. */
#define TLS12_CIPHERS \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:" \
	"DHE-RSA-CHACHA20-POLY1305"

static void
tls_error(char *err, size_t err_size, const char *what, const char *file)
{
	unsigned long e = ERR_get_error();
	char reason[160] = "unknown error";

	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	snprintf(err, err_size, "%s%s%s: %s", file ? file : "",
		 file ? ": " : "", what, reason);
}

/* A PEM key file is a few KiB (16384-bit RSA: about 12 KiB). */
#define KEY_FILE_MAX (1024 * 1024)

/* Reads the whole key file into a buffer of our own, by read(2): stdio
 * would leave a copy in its buffer, freed unwiped. Returns the buffer
 * (the caller wipes and frees it) and its length, or NULL with err. */
static char *
read_key_file(const char *path, size_t *len_r, char *err, size_t err_size)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size > KEY_FILE_MAX) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto fail;
	/* A file that grows under us is read to what fstat said. */
	while (len < (size_t)st.st_size &&
	       (n = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		len += (size_t)n;
	}
	close(fd);
	*len_r = len;
	return buf;
fail:
	snprintf(err, err_size, "%s: cannot read private key: %s", path,
		 strerror(errno));
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* A daemon has nobody to ask: an encrypted key is an error, not a
 * prompt on the terminal (OpenSSL's default). */
static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return 0;
}

/* The PEM private key into ctx, with no copy left behind but the
 * EVP_PKEY the context holds. Returns 0, or -1 with err. */
static int
use_key_file(SSL_CTX *ctx, const char *key_file, char *err,
	     size_t err_size)
{
	size_t len;
	char *pem = read_key_file(key_file, &len, err, err_size);
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	int ok;

	if (pem == NULL)
		return -1;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio != NULL)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	OPENSSL_cleanse(pem, len);
	free(pem);
	ok = pkey != NULL && SSL_CTX_use_PrivateKey(ctx, pkey) == 1;
	EVP_PKEY_free(pkey);
	if (!ok) {
		tls_error(err, err_size, "cannot load private key", key_file);
		return -1;
	}
	return 0;
}

SSL_CTX *
tls_context_new(const char *cert_file, const char *key_file, char *err,
		size_t err_size)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		tls_error(err, err_size, "cannot create TLS context", NULL);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
			    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_NO_TICKET);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* Many clients hang up without close_notify; that is an end of
	 * stream, not an error worth a log line. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	/* A session per connection process: nothing to resume across
	 * forks, and no ticket key to keep secret. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		tls_error(err, err_size, "bad cipher list", NULL);
		goto fail;
	}
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	/* DHE groups sized to the certificate's key (RFC 7919 ffdhe). */
	SSL_CTX_set_dh_auto(ctx, 1);
#endif
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		tls_error(err, err_size, "cannot load certificate", cert_file);
		goto fail;
	}
	if (use_key_file(ctx, key_file, err, err_size) < 0)
		goto fail;
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_error(err, err_size, "key does not match the certificate",
			  key_file);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void
tls_context_free(SSL_CTX **ctx)
{
	if (*ctx != NULL)
		SSL_CTX_free(*ctx);
	*ctx = NULL;
}

/* Puts the certificate's public key where the private key was, in one
 * CERT: the SSL's (ssl) or the context's (ctx). Our own reference to the
 * certificate: ssl_set_cert_and_key frees the slot's certificate before
 * it takes the one given, which is the same object. */
static int
drop_key(SSL *ssl, SSL_CTX *ctx, X509 *cert, STACK_OF(X509) *chain)
{
	int ok;

	if (cert == NULL)
		return 0;       /* no certificate, no key */
	X509_up_ref(cert);
	ok = ssl != NULL ? SSL_use_cert_and_key(ssl, cert, NULL, chain, 1)
			 : SSL_CTX_use_cert_and_key(ctx, cert, NULL, chain, 1);
	X509_free(cert);
	return ok == 1 ? 0 : -1;
}

int
tls_forget_key(SSL_CTX *ctx, SSL *ssl)
{
	STACK_OF(X509) *chain = NULL;
	int ret = 0;

	if (ssl != NULL) {
		if (SSL_get0_chain_certs(ssl, &chain) != 1)
			chain = NULL;
		ret |= drop_key(ssl, NULL, SSL_get_certificate(ssl), chain);
	}
	if (ctx != NULL) {
		chain = NULL;
		if (SSL_CTX_get0_chain_certs(ctx, &chain) != 1)
			chain = NULL;
		ret |= drop_key(NULL, ctx, SSL_CTX_get0_certificate(ctx), chain);
	}
	ERR_clear_error();
	return ret;
}
