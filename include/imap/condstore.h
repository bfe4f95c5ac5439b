/* include/imap/condstore.h — CONDSTORE and QRESYNC (RFC 7162) where
 * they cut across commands: turning CONDSTORE on, MODSEQ values on the
 * wire, the SELECT/EXAMINE parameters, the FETCH modifiers, and the
 * VANISHED (EARLIER) answer shared by SELECT (QRESYNC) and UID FETCH
 * (VANISHED).
 *
 * MODSEQs come from the folder's skua.index (store/mindex.h) through
 * store/folder.h; the view (imap/view.h) adds UID and MODSEQ to the
 * FETCH responses it sends and VANISHED in place of EXPUNGE once the
 * session says so (condstore_view_mode). */
#ifndef SKUA_IMAP_CONDSTORE_H
#define SKUA_IMAP_CONDSTORE_H

#include <stdint.h>

#include "imap/command.h"
#include "imap/seqset.h"

/* A CONDSTORE enabling command ran (RFC 7162 3.1). The first one with a
 * mailbox selected sends "* OK [HIGHESTMODSEQ n]" for it. */
void condstore_enable(struct session *s);
/* The VIEW_* mode the session's extensions ask for. */
unsigned condstore_view_mode(const struct session *s);
/* The MODSEQ of uid in the selected folder as sent (at least 1), noted
 * by the view for its HIGHESTMODSEQ fence. */
uint64_t condstore_modseq(struct session *s, uint32_t uid);
/* A mod-sequence-value (RFC 7162 7), 0 allowed when zero_ok
 * (mod-sequence-valzer). Returns 0 or -1. */
int  condstore_parse_modseq(const struct arg *a, int zero_ok, uint64_t *ms_r);

/* The select-params of SELECT and EXAMINE (RFC 4466 2.1). */
struct select_params {
	int condstore;                  /* (CONDSTORE), 3.1.8 */
	int qresync;                    /* (QRESYNC (...)), 3.2.5 */
	uint32_t uidvalidity;
	uint64_t modseq;
	int have_uids;
	struct seqset known_uids;       /* resolved when have_uids */
	int have_match;
	struct seqset match_seqs, match_uids;   /* as written */
};

/* Reads the parameter list a (NULL: none). Returns 0, or -1 with *err_r
 * fit for BAD (3.2.5: checked before the mailbox is opened). */
int  select_params_parse(struct session *s, const struct arg *a,
			 struct select_params *p, const char **err_r);
/* After SELECT's untagged responses: HIGHESTMODSEQ once CONDSTORE is on,
 * then for QRESYNC with the right UIDVALIDITY the VANISHED (EARLIER) and
 * FETCH responses of 3.2.5.1. Returns 1 when the UIDVALIDITY did not
 * match (the tagged OK may say so), else 0. */
int  select_params_announce(struct session *s, const struct select_params *p);

/* The FETCH modifiers (RFC 4466 2.4): CHANGEDSINCE (3.1.4.1) and, for
 * UID FETCH with QRESYNC on, VANISHED (3.2.6). a is the list. Returns 0,
 * or -1 with *err_r fit for BAD. */
int  fetch_modifiers_parse(struct session *s, const struct arg *a,
			   uint64_t *changedsince_r, int *vanished_r,
			   const char **err_r);
/* "* VANISHED (EARLIER) ..." for the UIDs in uids (resolved) above
 * floor_uid that are no longer in the mailbox and were expunged after
 * since, or, when the expunge log does not reach back that far, every
 * UID of uids above floor_uid that is gone (RFC 7162 3.2.6, 3.2.5.2,
 * 5.3); floor_uid is 0 but for sequence match data. UIDs the client
 * still holds a sequence number for wait for their own VANISHED. */
void condstore_vanished_earlier(struct session *s, const struct seqset *uids,
				uint64_t since, uint32_t floor_uid);

#endif
