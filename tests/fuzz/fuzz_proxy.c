/* tests/fuzz/fuzz_proxy.c — libFuzzer target for net/proxy, which the
 * listener runs as root on bytes from a proxy: whatever the bytes, the
 * parser must neither crash nor read outside them, and its answers must
 * keep the promises reader code relies on:
 *
 *   - PROXY_OK: 0 < length <= size, and the same answer for the header
 *     alone (length bytes) and with anything after it;
 *   - PROXY_NEED_MORE: every prefix gives NEED_MORE too (a reader may
 *     consume all the bytes it has seen);
 *   - PROXY_BAD: an error sentence.
 *
 * Built and run by `make fuzz`; seeds in tests/fuzz/corpus/fuzz_proxy/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_info info, again;
	const char *err = NULL;
	enum proxy_status st;
	unsigned char *copy;

	/* An exact-size copy, so ASan sees any read past the end. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	st = proxy_parse(copy, size, &info, &err);
	switch (st) {
	case PROXY_OK:
		if (info.length == 0 || info.length > size ||
		    info.length > PROXY_HEADER_MAX)
			abort();
		if (proxy_parse(copy, info.length, &again, &err) != PROXY_OK ||
		    again.length != info.length ||
		    again.proxied != info.proxied)
			abort();
		for (size_t cut = 0; cut < info.length; cut++)
			if (proxy_parse(copy, cut, &again, &err) !=
			    PROXY_NEED_MORE)
				abort();
		break;
	case PROXY_NEED_MORE:
		if (size > PROXY_HEADER_MAX)
			abort();
		for (size_t cut = 0; cut < size; cut++)
			if (proxy_parse(copy, cut, &again, &err) !=
			    PROXY_NEED_MORE)
				abort();
		break;
	case PROXY_BAD:
		if (err == NULL || err[0] == '\0')
			abort();
		break;
	}
	free(copy);
	return 0;
}
