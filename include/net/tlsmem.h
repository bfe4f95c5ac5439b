/* include/net/tlsmem.h — OpenSSL's heap, wiped as it is freed.
 *
 * OpenSSL clears the numbers of a private key when it frees the key, but
 * not every buffer the key passed through on its way in (the PEM text
 * decoded to DER, the DER parsed into numbers) nor every temporary of a
 * signature. Once OpenSSL allocates through these functions, every block
 * it frees is zeroed first, so a key that OpenSSL lets go of leaves no
 * copy in the process's free memory (see src/net/tls.c). */
#ifndef SKUA_NET_TLSMEM_H
#define SKUA_NET_TLSMEM_H

/* Routes OpenSSL's malloc, realloc and free through wiping versions.
 * Must run before OpenSSL allocates anything: first thing in main().
 * Returns 0, or -1 when OpenSSL has already allocated (too late). */
int tlsmem_wipe_on_free(void);

#endif
