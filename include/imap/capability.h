/* include/imap/capability.h — the CAPABILITY list for a session as it is
 * now: it changes with TLS (STARTTLS goes, AUTH= comes) and with login.
 * Only what is complete is advertised. */
#ifndef SKUA_IMAP_CAPABILITY_H
#define SKUA_IMAP_CAPABILITY_H

#include "imap/command.h"

/* Returns the list, space-separated, without the word CAPABILITY. The
 * string lives in s->arena. */
const char *capability_list(struct session *s);

#endif
