/* src/net/tls.c — building the server's SSL_CTX from the configuration.
 *
 * Policy: TLS 1.2 at least; for TLS 1.2 the Mozilla "intermediate"
 * suites (forward secret ECDHE or DHE key exchange, AEAD ciphers only;
 * DHE with OpenSSL's built-in RFC 7919 groups), in the server's order;
 * TLS 1.3 suites are all good and keep OpenSSL's defaults. Compression
 * off (CRIME), client-initiated renegotiation refused, no session
 * tickets or cache (each connection is its own process).
 *
 * The private key in memory. The listener loads the key once; each
 * connection process is forked with a copy of it and needs it for its
 * handshake (implicit TLS or STARTTLS). After the handshake OpenSSL no
 * longer uses it (no renegotiation, no post-handshake authentication),
 * but it cannot be wiped: the SSL object keeps references to the
 * SSL_CTX (ctx and session_ctx, the latter with no way to change it) and
 * to its own copy of the certificate slots, and EVP_PKEY internals are
 * opaque, so neither freeing our reference nor OPENSSL_cleanse reaches
 * the key's numbers while the connection lives. What remains, then, for
 * the life of every session: the EVP_PKEY in the session process (and
 * whatever the listener's heap held of the PEM file when it forked),
 * which after login runs as the user. What protects it: the process is made
 * undumpable at the privilege drop (src/auth/privdrop.c), so the user
 * can neither ptrace it nor read its memory through /proc nor get a
 * core of it; only code execution inside the session could read it.
 * Dovecot avoids even that by ending TLS in a separate login process;
 * DESIGN.md keeps that as a later option. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
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
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		tls_error(err, err_size, "cannot load private key", key_file);
		goto fail;
	}
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
