/* include/auth/sasl.h — the SASL mechanisms offered by AUTHENTICATE:
 * PLAIN (RFC 4616) and LOGIN (the de-facto two-step user, password
 * exchange). The mechanisms only decode; checking the password is the
 * caller's business.
 *
 * Data in and out is base64 (RFC 4648) as it travels in IMAP (RFC 3501
 * 6.2.2); "=" stands for an empty initial response (RFC 4959). */
#ifndef SKUA_AUTH_SASL_H
#define SKUA_AUTH_SASL_H

#include <stddef.h>

#include "util/base64.h"

#define SASL_FIELD_MAX 1024

enum sasl_mech { SASL_PLAIN, SASL_LOGIN };

enum sasl_step {
	SASL_CONTINUE,  /* send the challenge and wait for the next line */
	SASL_DONE,      /* credentials complete: authzid, user, password */
	SASL_FAIL,      /* malformed: reason in the state */
};

struct sasl {
	enum sasl_mech mech;
	int step;
	char authzid[SASL_FIELD_MAX];
	char user[SASL_FIELD_MAX];
	char password[SASL_FIELD_MAX];
	char challenge[64];     /* base64 to send after "+ " */
	const char *error;
};

/* Looks up a mechanism by name (case-insensitive). Returns 0 or -1. */
int sasl_mech_lookup(const char *name, enum sasl_mech *mech_r);
void sasl_begin(struct sasl *s, enum sasl_mech mech);
/* Feeds one client response: the first call gets the initial response
 * (base64, "=" for an empty one, NULL when there was none), later calls
 * one line each. SASL_CONTINUE: send "+ " and s->challenge (PLAIN's is
 * empty). SASL_DONE: authzid (may be empty), user and password are set.
 * SASL_FAIL: s->error is "cancelled" (the client's "*"), "invalid base64",
 * "response too long", "malformed PLAIN response" (not exactly two NULs,
 * empty authcid or passwd, a field of SASL_FIELD_MAX bytes or more),
 * "malformed LOGIN response" (empty user, NUL in a field, field too long)
 * or "unexpected response" (after the end, or NULL after the start); the
 * credentials are wiped and every later step fails too. */
enum sasl_step sasl_step(struct sasl *s, const char *response);
/* Zeroes the password and the rest. */
void sasl_clear(struct sasl *s);

#endif
