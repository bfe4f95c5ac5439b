/* src/util/base64.c — base64 (RFC 4648 section 4): the alphabet, and the
 * strict coder that AUTHENTICATE needs. The MIME and mUTF-7 decoders have
 * their own leniency rules and share only base64_value. */
#include <stddef.h>

#include "util/base64.h"

const char base64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
base64_value(unsigned char c, int modified)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == (modified ? ',' : '/'))
		return 63;
	return -1;
}

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
		out[o++] = base64_alphabet[(n >> 18) & 63];
		out[o++] = base64_alphabet[(n >> 12) & 63];
		out[o++] = i + 1 < in_len ? base64_alphabet[(n >> 6) & 63] : '=';
		out[o++] = i + 2 < in_len ? base64_alphabet[n & 63] : '=';
	}
	out[o] = '\0';
	return need;
}

/* Decodes one group of four characters, of which the last pad are '='.
 * Returns the bytes written (3 - pad) or -1. */
static int
b64_group(const char *in, size_t pad, unsigned char *out)
{
	int v[4] = { 0, 0, 0, 0 };

	for (size_t j = 0; j < 4 - pad; j++)
		if ((v[j] = base64_value((unsigned char)in[j], 0)) < 0)
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

