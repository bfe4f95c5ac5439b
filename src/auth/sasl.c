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

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const struct {
	const char *name;
	enum sasl_mech mech;
} mechs[] = {
	{ "PLAIN", SASL_PLAIN },
	{ "LOGIN", SASL_LOGIN },
};

size_t
base64_encode(const unsigned char *in, size_t in_len, char *out,
	      size_t out_size)
{
	size_t need = (in_len + 2) / 3 * 4, o = 0;

	if (need >= out_size) {
		if (out_size > 0)
			out[0] = '\0';
		return need;
	}
	for (size_t i = 0; i < in_len; i += 3) {
		unsigned long n = (unsigned long)in[i] << 16;

		if (i + 1 < in_len)
			n |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < in_len)
			n |= in[i + 2];
		out[o++] = b64_alphabet[(n >> 18) & 63];
		out[o++] = b64_alphabet[(n >> 12) & 63];
		out[o++] = i + 1 < in_len ? b64_alphabet[(n >> 6) & 63] : '=';
		out[o++] = i + 2 < in_len ? b64_alphabet[n & 63] : '=';
	}
	out[o] = '\0';
	return need;
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes one group of four characters, of which the last pad are '='.
 * Returns the bytes written (3 - pad) or -1. */
static int
b64_group(const char *in, size_t pad, unsigned char *out)
{
	int v[4] = { 0, 0, 0, 0 };

	for (size_t j = 0; j < 4 - pad; j++)
		if ((v[j] = b64_value(in[j])) < 0)
			return -1;
	/* Bits past the data must be zero: one spelling per message. */
	if ((pad == 2 && (v[1] & 0x0f) != 0) ||
	    (pad == 1 && (v[2] & 0x03) != 0))
		return -1;
	out[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
	if (pad < 2)
		out[1] = (unsigned char)((v[1] & 0x0f) << 4 | v[2] >> 2);
	if (pad < 1)
		out[2] = (unsigned char)((v[2] & 0x03) << 6 | v[3]);
	return (int)(3 - pad);
}

long
base64_decode(const char *in, size_t in_len, unsigned char *out,
	      size_t out_size)
{
	size_t pad = 0, o = 0;

	if (in_len % 4 != 0)
		return -1;
	if (in_len > 0 && in[in_len - 1] == '=')
		pad = in[in_len - 2] == '=' ? 2 : 1;
	if (in_len / 4 * 3 - pad > out_size)
		return -1;
	for (size_t i = 0; i < in_len; i += 4) {
		int n = b64_group(in + i, i + 4 == in_len ? pad : 0, out + o);

		if (n < 0)
			return -1;
		o += (size_t)n;
	}
	return (long)o;
}

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
