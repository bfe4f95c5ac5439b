/* include/imap/search.h — the search program of SEARCH and UID SEARCH
 * (RFC 3501 6.4.4): search keys parsed into a tree once, then matched
 * against each message of the selected mailbox.
 *
 * Parsing catches every syntax error before any message is looked at,
 * so a bad key costs nothing and answers BAD. Matching looks at what a
 * key needs and no more: flags, UIDs, sequence numbers and sizes come
 * from the store's list, INTERNALDATE from the file's mtime, header keys
 * read only the header block, and only BODY and TEXT decode the body. */
#ifndef SKUA_IMAP_SEARCH_H
#define SKUA_IMAP_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "imap/parser.h"
#include "store/folder.h"
#include "store/keywords.h"
#include "util/arena.h"

/* Bounds on the work one command may ask for: keys in all, and how deep
 * NOT, OR and parentheses may nest (clients write "OR OR OR a b c d"
 * for long lists of addresses, one level per OR). */
#define SEARCH_MAX_KEYS 1000
#define SEARCH_MAX_DEPTH 256

struct search_key;
struct search_run;

/* Parses the search keys args[0..n) (after any CHARSET) into a tree in
 * the arena; keywords are looked up in kw. Returns the tree, or NULL
 * with *err_r, a sentence fit for BAD that names the offending key. */
struct search_key *search_parse(const struct arg *args, size_t n,
				const struct keywords *kw, struct arena *a,
				const char **err_r);
/* The same for keys whose strings are in charset (RFC 3501 6.4.4
 * CHARSET; NULL for UTF-8), which must be one charset_known takes; the
 * strings are converted to UTF-8 before they are folded. */
struct search_key *search_parse_charset(const struct arg *args, size_t n,
					const char *charset,
					const struct keywords *kw,
					struct arena *a, const char **err_r);
/* Gives "*" its meaning in the sequence and UID sets of the tree: exists
 * for sequence numbers, max_uid for UIDs (RFC 3501 6.4.8). */
void search_resolve(struct search_key *k, uint32_t exists, uint32_t max_uid);
/* Gives "$" (RFC 5182) in the tree the saved result: resolved UID
 * ranges (imap/searchres.h), which must outlive the tree. Unbound, "$"
 * matches nothing. */
struct seqset;
void search_bind_saved(struct search_key *k, const struct seqset *uids);
/* 1 when the tree holds a MODSEQ key (RFC 7162 3.1.5): the answer then
 * ends with the highest MODSEQ found (3.1.6, 3.1.10). */
int  search_has_modseq(const struct search_key *k);

/* One pass over a folder. Matching needs scratch memory; a run holds it
 * so that a mailbox of many messages costs no allocation per message.
 * The run itself lives in a (the command's arena); search_run_free
 * releases its scratch memory. */
struct search_run *search_run_new(struct folder *f, struct arena *a);
/* 1 when message (seq, uid) matches k, 0 when it does not. A message
 * whose file is gone or unreadable matches no key that needs its bytes
 * (the error is logged). */
int  search_match(struct search_run *r, const struct search_key *k,
		  uint32_t seq, uint32_t uid);
void search_run_free(struct search_run **r);
/* Lets the run use and fill the selected folder's skua.cache
 * (imap/msgcache.h): dates, sizes and the ENVELOPE header fields of
 * messages it holds are then matched without opening their files. The
 * answers are the same either way. */
struct session;
void search_run_cache(struct search_run *r, struct session *s);
/* Lets search_view narrow BODY and TEXT keys of 3 characters or more
 * with the user's full-text index (imap/fts.h) when the fts setting is
 * on: the index is brought up to date first, messages it rules out are
 * not read, and the answers are the same either way. */
void search_run_fts(struct search_run *r, struct session *s);
/* Bounds the run's work (search_work_limit): bytes of message text it
 * scans, counting each header block a header key walks, each message
 * parsed for BODY or TEXT, and each field or part compared, once per
 * key. Flags, UIDs, sizes and dates cost nothing. 0: no limit. Once
 * over, search_match matches nothing, at once, and search_run_over says
 * so: the command must answer NO [LIMIT] (RFC 5530), not its result. */
void search_run_limit(struct search_run *r, uint64_t max_bytes);
int  search_run_over(const struct search_run *r);
/* Matches k against every message the client knows, in sequence order,
 * leaving out one expunged but not yet announced (RFC 2180 4.1.3: its
 * file may be gone). Writes the matches' sequence numbers and UIDs
 * (room for EXISTS of each) and returns their count. */
struct view;
size_t search_view(struct search_run *r, const struct search_key *k,
		   const struct view *v, uint32_t *seqs, uint32_t *uids);
/* The answer to a command whose run went over: logged, and
 * "NO [LIMIT] Search too expensive; narrow it". */
struct session;
void search_refuse(struct session *s, const struct command *cmd);

#endif
