/* include/store/pattern.h — the mailbox patterns of LIST and LSUB
 * (RFC 3501 6.3.8, 6.3.9): "*" matches any run of characters, "%" any run
 * without the hierarchy separator, everything else itself; "INBOX" at the
 * start of a name matches case-insensitively (RFC 3501 5.1).
 *
 * The reference is joined to the pattern as Dovecot 2.3 joins them: by
 * plain concatenation (LIST "M" "/S" lists M/S, LIST "M" "S" lists MS). */
#ifndef SKUA_STORE_PATTERN_H
#define SKUA_STORE_PATTERN_H

#include <stddef.h>

/* Longest reference plus pattern accepted, in bytes. */
#define PATTERN_MAX_LEN 2048

struct pattern;                         /* opaque */

/* Compiles ref + pat for names whose hierarchy separator is sep. Runs of
 * wildcards are folded ("%*" is "*"), so matching costs at most the name
 * length times the pattern length. Returns NULL when the joined pattern is
 * longer than PATTERN_MAX_LEN. */
struct pattern *pattern_new(const char *ref, const char *pat, char sep);
/* 1 when name matches the whole pattern, else 0. Uses scratch space in
 * p, so one pattern serves one thread at a time. */
int  pattern_match(struct pattern *p, const char *name);
/* 1 when the pattern holds a "%": then LSUB reports the parents of
 * subscribed names that match (RFC 3501 6.3.9). */
int  pattern_has_percent(const struct pattern *p);
void pattern_free(struct pattern **p);   /* sets *p to NULL */

/* Orders names for LIST and LSUB output: bytewise, except that sep sorts
 * below every other byte, so a name comes right before its children
 * ("A", "A/x", "A b"). Returns <0, 0 or >0 like strcmp. */
int  pattern_tree_cmp(const char *a, const char *b, char sep);

#endif
