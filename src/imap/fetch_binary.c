/* src/imap/fetch_binary.c — BINARY, BINARY.PEEK and BINARY.SIZE (RFC
 * 3516) for FETCH.
 *
 * The section of BINARY is only part numbers (RFC 3516 7: section-binary
 * = "[" [section-part] "]"): HEADER, TEXT, MIME and HEADER.FIELDS are
 * syntax errors, and BINARY.SIZE takes no partial. The partial counts
 * decoded bytes (4.2: "the <partial> arguments refer to the DECODED
 * section data"), so the whole section is decoded first, then cut;
 * BINARY.SIZE is the size of the whole decoded section, which is what
 * BINARY without a partial returns (4.3: "The value returned MUST match
 * the size of the <nstring> or <literal8> that will be returned by the
 * corresponding FETCH BINARY request").
 *
 * Literal or literal8 (4.3): "If the domain of the decoded data is
 * "8bit" and the data does not contain the NUL octet, the server SHOULD
 * return the data in a <string> instead of a <literal8>". skua sends
 * literal8 exactly when the bytes sent hold a NUL, so a client can tell
 * from the answer alone whether to expect one; Dovecot 2.3 sends
 * literal8 whenever the section was decoded. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "imap/fetch_binary.h"
#include "mail/binary.h"

int
fetch_binary_parse(const char *atom, struct arena *a,
		   struct fetch_binary_item *item_r, const char **err_r)
{
	const char *open, *close, *kind, *partial;
	char *spec;

	if (strncasecmp(atom, "BINARY[", 7) == 0 ||
	    strncasecmp(atom, "BINARY.PEEK[", 12) == 0)
		kind = "BINARY";
	else if (strncasecmp(atom, "BINARY.SIZE[", 12) == 0)
		kind = "BINARY.SIZE";
	else
		return 0;
	memset(item_r, 0, sizeof(*item_r));
	item_r->peek = strncasecmp(atom, "BINARY.PEEK[", 12) == 0;
	item_r->size = strncasecmp(atom, "BINARY.SIZE[", 12) == 0;
	open = strchr(atom, '[');
	close = strrchr(atom, ']');
	if (close == NULL || close < open) {
		*err_r = "Invalid BINARY[..] parameter: Missing ']'";
		return -1;
	}
	spec = arena_strndup(a, open + 1, (size_t)(close - open - 1));
	partial = close[1] != '\0' ? close + 1 : NULL;
	if (spec[0] != '\0' && (spec[0] < '0' || spec[0] > '9')) {
		*err_r = "Invalid BINARY[..] section: only part numbers";
		return -1;
	}
	if (item_r->size && partial != NULL) {
		*err_r = "Invalid BINARY.SIZE[..]: no partial allowed";
		return -1;
	}
	if (section_parse(spec, partial, a, &item_r->sec, err_r) < 0)
		return -1;
	if (item_r->sec.kind != SECTION_ALL) {
		*err_r = "Invalid BINARY[..] section: only part numbers";
		return -1;
	}
	if (item_r->sec.partial)
		item_r->name = arena_printf(a, "%s[%s]<%llu>", kind,
					    item_r->sec.text,
					    (unsigned long long)
					    item_r->sec.origin);
	else
		item_r->name = arena_printf(a, "%s[%s]", kind,
					    item_r->sec.text);
	return 1;
}

int
fetch_binary_make(const struct fetch_binary_item *it,
		  const struct mail_part *root, const unsigned char *data,
		  struct buf *out, const char **code_r, const char **text_r)
{
	buf_reset(out);
	switch (mail_binary(&it->sec, root, data, out)) {
	case DECODE_OK:
		return 0;
	case DECODE_UNKNOWN:
		*code_r = "UNKNOWN-CTE";
		*text_r = "Unknown Content-Transfer-Encoding";
		return -1;
	case DECODE_INVALID:
		*code_r = "PARSE";
		*text_r = "Invalid data in MIME part";
		return -1;
	case DECODE_OVERFLOW:
		break;
	}
	*code_r = "LIMIT";
	*text_r = "Decoded section too large";
	return -1;
}

void
fetch_binary_write(struct stream *out, const struct fetch_binary_item *it,
		   const struct buf *data)
{
	const unsigned char *d = data->data;
	size_t n = data->len;

	if (it->size) {
		stream_printf(out, "%s %zu", it->name, n);
		return;
	}
	if (it->sec.partial) {
		if (it->sec.origin >= n) {
			n = 0;
		} else {
			d += it->sec.origin;
			n -= (size_t)it->sec.origin;
			if (it->sec.octets < n)
				n = (size_t)it->sec.octets;
		}
	}
	stream_printf(out, "%s %s{%zu}\r\n", it->name,
		      n > 0 && memchr(d, 0, n) != NULL ? "~" : "", n);
	if (n > 0)
		stream_write(out, d, n);
}
