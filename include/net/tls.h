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

#endif
