/* src/auth/sasl.c — AUTHENTICATE PLAIN and LOGIN, and the base64 they
 * travel in.
 *
 * PLAIN (RFC 4616) is one message, [authzid] NUL authcid NUL passwd. With
 * SASL-IR (RFC 4959) it arrives with the command; without, the server
 * first sends an empty challenge ("+ " and nothing after it). authcid and
 * passwd are 1*SAFE in the RFC's grammar, so an empty one is malformed;
 * an empty authzid means "the same as authcid".
 *
 * LOGIN has no RFC. The server asks "Username:" then "Password:" (sent
 * base64 encoded, as every challenge is); an initial response, where a
 * client sends one, is the user name.
 *
 * Base64 is decoded strictly (RFC 4648 section 3): padding required, no
 * whitespace or other characters outside the alphabet, and the unused bits
 * of the last character zero, so that each response has one spelling. The
 * client cancels with a line of "*" (RFC 3501 6.2.2).
 *
 * Decoded bytes pass through a stack buffer that is wiped before return:
 * it holds a password.
 */
#include <string.h>
#include <strings.h>

#include "auth/sasl.h"

/* Largest decoded response: three fields of SASL_FIELD_MAX (a multiple of
 * three, so that RESPONSE_B64_MAX characters always fit after decoding). */
#define RESPONSE_MAX     (3 * SASL_FIELD_MAX)
#define RESPONSE_B64_MAX (RESPONSE_MAX / 3 * 4)
#define STEP_FAILED      (-1)

static const struct {
	const char *name;
	enum sasl_mech mech;
} mechs[] = {
	{ "PLAIN", SASL_PLAIN },
	{ "LOGIN", SASL_LOGIN },
};

int
sasl_mech_lookup(const char *name, enum sasl_mech *mech_r)
{
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strcasecmp(name, mechs[i].name) == 0) {
			*mech_r = mechs[i].mech;
			return 0;
		}
	return -1;
}

void
sasl_begin(struct sasl *s, enum sasl_mech mech)
{
	memset(s, 0, sizeof(*s));
	s->mech = mech;
	s->step = 0;
	s->error = NULL;
}

void
sasl_clear(struct sasl *s)
{
	explicit_bzero(s, sizeof(*s));
	s->error = NULL;
}

/* Ends the exchange: no credentials are left behind a failure. */
static enum sasl_step
sasl_fail(struct sasl *s, const char *error)
{
	explicit_bzero(s->authzid, sizeof(s->authzid));
	explicit_bzero(s->user, sizeof(s->user));
	explicit_bzero(s->password, sizeof(s->password));
	s->challenge[0] = '\0';
	s->step = STEP_FAILED;
	s->error = error;
	return SASL_FAIL;
}

static enum sasl_step
sasl_challenge(struct sasl *s, const char *challenge, int next_step)
{
	strcpy(s->challenge, challenge);
	s->step = next_step;
	return SASL_CONTINUE;
}

/* Decodes a response into buf (RESPONSE_MAX bytes). Returns its length,
 * or -1 with the reason in s->error. "=" is the empty initial response. */
static long
decode_response(struct sasl *s, const char *response, unsigned char *buf)
{
	size_t len = strlen(response);
	long n;

	if (s->step == 0 && strcmp(response, "=") == 0)
		return 0;
	if (len > RESPONSE_B64_MAX) {
		s->error = "response too long";
		return -1;
	}
	n = base64_decode(response, len, buf, RESPONSE_MAX);
	if (n < 0)
		s->error = "invalid base64";
	return n;
}

/* Copies one field into a SASL_FIELD_MAX array as a C string; -1 when it
 * is too long or holds a NUL. */
static int
copy_field(char *dst, const unsigned char *src, size_t len)
{
	if (len >= SASL_FIELD_MAX || memchr(src, '\0', len) != NULL)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* Splits authzid NUL authcid NUL passwd into the state. */
static enum sasl_step
plain_parse(struct sasl *s, const unsigned char *msg, size_t len)
{
	const unsigned char *end = msg + len, *nul1, *nul2 = NULL;

	nul1 = memchr(msg, '\0', len);
	if (nul1 != NULL)
		nul2 = memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1));
	if (nul2 == NULL || nul2 == nul1 + 1 || nul2 + 1 == end ||
	    copy_field(s->authzid, msg, (size_t)(nul1 - msg)) < 0 ||
	    copy_field(s->user, nul1 + 1, (size_t)(nul2 - nul1 - 1)) < 0 ||
	    copy_field(s->password, nul2 + 1, (size_t)(end - nul2 - 1)) < 0)
		return sasl_fail(s, "malformed PLAIN response");
	s->step = 2;
	s->challenge[0] = '\0';
	return SASL_DONE;
}

static enum sasl_step
step_plain(struct sasl *s, const char *response)
{
	unsigned char buf[RESPONSE_MAX];
	enum sasl_step ret;
	long n;

	if (s->step == 0 && response == NULL)
		return sasl_challenge(s, "", 1);
	if (s->step > 1 || response == NULL)
		return sasl_fail(s, "unexpected response");
	n = decode_response(s, response, buf);
	if (n < 0)
		ret = sasl_fail(s, s->error);
	else
		ret = plain_parse(s, buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

/* Steps: 0 nothing yet, 1 asked for the user, 2 asked for the password,
 * 3 done. */
static enum sasl_step
login_take(struct sasl *s, const unsigned char *data, size_t len)
{
	if (s->step <= 1) {
		if (len == 0 || copy_field(s->user, data, len) < 0)
			return sasl_fail(s, "malformed LOGIN response");
		return sasl_challenge(s, "UGFzc3dvcmQ6", 2);    /* Password: */
	}
	if (copy_field(s->password, data, len) < 0)
		return sasl_fail(s, "malformed LOGIN response");
	s->step = 3;
	s->challenge[0] = '\0';
	return SASL_DONE;
}

static enum sasl_step
step_login(struct sasl *s, const char *response)
{
	unsigned char buf[RESPONSE_MAX];
	enum sasl_step ret;
	long n;

	if (s->step == 0 && response == NULL)
		return sasl_challenge(s, "VXNlcm5hbWU6", 1);    /* Username: */
	if (s->step > 2 || response == NULL)
		return sasl_fail(s, "unexpected response");
	n = decode_response(s, response, buf);
	if (n < 0)
		ret = sasl_fail(s, s->error);
	else
		ret = login_take(s, buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

enum sasl_step
sasl_step(struct sasl *s, const char *response)
{
	if (s->step == STEP_FAILED)
		return SASL_FAIL;
	if (response != NULL && strcmp(response, "*") == 0)
		return sasl_fail(s, "cancelled");
	if (s->mech == SASL_PLAIN)
		return step_plain(s, response);
	return step_login(s, response);
}
