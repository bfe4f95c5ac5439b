/* src/store/pattern.c — LIST and LSUB patterns (RFC 3501 6.3.8).
 *
 * A client chooses the pattern, so matching must not be exponential: a
 * backtracking glob takes ages on "*a*a*a*a*b" against a long name. The
 * pattern is run as a set of states instead (state i: the first i
 * tokens matched), advanced one name byte at a time, which bounds the work
 * by name length times pattern length. Folding runs of wildcards keeps
 * the state count small for the patterns clients really send. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/pattern.h"

#define TOK_STAR   256
#define TOK_PCT    257

struct pattern {
	short *tok;             /* a byte, TOK_STAR or TOK_PCT */
	size_t n;
	char sep;
	int has_pct;
	unsigned char *cur, *next;      /* state sets, n + 1 each */
};

/* Folds a wildcard into the token list: "**", "%*", "*%" are "*",
 * "%%" is "%". */
static void
add_wild(struct pattern *p, short t)
{
	short *last = p->n > 0 ? &p->tok[p->n - 1] : NULL;

	if (last != NULL && (*last == TOK_STAR || *last == TOK_PCT)) {
		if (t == TOK_STAR)
			*last = TOK_STAR;
		return;
	}
	p->tok[p->n++] = t;
}

struct pattern *
pattern_new(const char *ref, const char *pat, char sep)
{
	size_t rlen = strlen(ref), plen = strlen(pat), i;
	struct pattern *p;
	const char *s;

	if (rlen + plen > PATTERN_MAX_LEN)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->tok = calloc(rlen + plen + 1, sizeof(*p->tok));
	p->cur = calloc(rlen + plen + 1, 1);
	p->next = calloc(rlen + plen + 1, 1);
	if (p->tok == NULL || p->cur == NULL || p->next == NULL) {
		pattern_free(&p);
		return NULL;
	}
	p->sep = sep;
	for (i = 0; i < rlen + plen; i++) {
		s = i < rlen ? &ref[i] : &pat[i - rlen];
		if (*s == '*') {
			add_wild(p, TOK_STAR);
		} else if (*s == '%') {
			add_wild(p, TOK_PCT);
			p->has_pct = 1;
		} else {
			p->tok[p->n++] = (unsigned char)*s;
		}
	}
	return p;
}

/* Adds state i and, since a wildcard may match nothing, the states
 * after each wildcard that follows it. */
static void
add_state(const struct pattern *p, unsigned char *set, size_t i)
{
	for (;;) {
		set[i] = 1;
		if (i == p->n || p->tok[i] < TOK_STAR)
			return;
		i++;
	}
}

static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static int
same_byte(short tok, char c, int fold)
{
	unsigned char a = (unsigned char)tok, b = (unsigned char)c;

	if (tok >= TOK_STAR)
		return 0;
	return fold ? ascii_lower(a) == ascii_lower(b) : a == b;
}

/* RFC 3501 5.1: INBOX is case-insensitive, also as the first level of a
 * longer name (Dovecot lists INBOX/x for "inbox/%"). Returns how many
 * leading bytes of name compare without case. */
static size_t
inbox_len(const char *name, char sep)
{
	if (strncasecmp(name, "INBOX", 5) == 0 &&
	    (name[5] == '\0' || name[5] == sep))
		return 5;
	return 0;
}

int
pattern_match(struct pattern *p, const char *name)
{
	size_t fold = inbox_len(name, p->sep), pos, i;
	unsigned char *tmp;
	short t;
	int any;

	memset(p->cur, 0, p->n + 1);
	add_state(p, p->cur, 0);
	for (pos = 0; name[pos] != '\0'; pos++) {
		memset(p->next, 0, p->n + 1);
		any = 0;
		for (i = 0; i < p->n; i++) {
			if (!p->cur[i])
				continue;
			t = p->tok[i];
			if (t == TOK_STAR ||
			    (t == TOK_PCT && name[pos] != p->sep)) {
				add_state(p, p->next, i);
				any = 1;
			} else if (same_byte(t, name[pos], pos < fold)) {
				add_state(p, p->next, i + 1);
				any = 1;
			}
		}
		if (!any)
			return 0;
		tmp = p->cur;
		p->cur = p->next;
		p->next = tmp;
	}
	return p->cur[p->n];
}

int
pattern_has_percent(const struct pattern *p)
{
	return p->has_pct;
}

void
pattern_free(struct pattern **p)
{
	if (*p == NULL)
		return;
	free((*p)->tok);
	free((*p)->cur);
	free((*p)->next);
	free(*p);
	*p = NULL;
}

int
pattern_tree_cmp(const char *a, const char *b, char sep)
{
	unsigned char ca, cb, us = (unsigned char)sep;

	for (;; a++, b++) {
		ca = (unsigned char)*a;
		cb = (unsigned char)*b;
		if (ca != cb)
			break;
		if (ca == '\0')
			return 0;
	}
	if (ca == '\0' || cb == '\0')
		return ca == '\0' ? -1 : 1;
	if (ca == us || cb == us)
		return ca == us ? -1 : 1;
	return ca < cb ? -1 : 1;
}
