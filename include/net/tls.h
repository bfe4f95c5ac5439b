/* include/net/tls.h — the server's TLS configuration.
 *
 * One context per configuration load: certificate chain and key are read
 * while the process is still root, before any client speaks. Policy: TLS
 * 1.2 at least, the server's cipher order, forward-secret key exchange
 * only, no TLS compression, no client-initiated renegotiation. */
#ifndef SKUA_NET_TLS_H
#define SKUA_NET_TLS_H

#include <openssl/ssl.h>

/* Loads the PEM certificate chain and key and checks that they belong
 * together. Returns the context, or NULL with err (256 bytes) naming the
 * file and OpenSSL's reason. */
SSL_CTX *tls_context_new(const char *cert_file, const char *key_file,
			 char *err, size_t err_size);
void tls_context_free(SSL_CTX **ctx);
/* For a connection process that will not make (another) handshake: puts
 * the certificate's public key in the private key's place in ssl (may be
 * NULL) and in ctx (may be NULL), so that OpenSSL frees the private key
 * once neither holds it. ctx is changed in place, for every SSL made from
 * it afterwards. An established connection goes on working: the key
 * signs only in the handshake and renegotiation is refused. Returns 0, or
 * -1 when OpenSSL refused (the key may then still be in memory). See
 * src/net/tls.c for what else keeps the key out of freed memory. */
int tls_forget_key(SSL_CTX *ctx, SSL *ssl);

#endif
