/* include/mail/date.h — dates in mail and in IMAP.
 *
 * RFC 5322 3.3 date-time with the obsolete forms of 4.3 (two- and
 * three-digit years, alphabetic zones like EST or Z, missing seconds,
 * missing day of week, comments, extra white space), and the IMAP forms:
 * date-time of INTERNALDATE and APPEND ("17-Jul-1996 02:44:25 -0700",
 * RFC 3501 9) and the date of SEARCH SINCE/BEFORE/ON ("1-Feb-1994"). */
#ifndef SKUA_MAIL_DATE_H
#define SKUA_MAIL_DATE_H

#include <stddef.h>
#include <time.h>

/* Parses an RFC 5322 date. Returns 0 with *t_r (UTC seconds) and
 * *tz_min_r (the zone offset, minutes east of UTC), or -1. */
int date_parse_rfc5322(const char *s, size_t len, time_t *t_r, int *tz_min_r);
/* Parses IMAP date-time "dd-Mon-yyyy hh:mm:ss +zzzz" (day may be " d").
 * Returns 0 or -1. */
int date_parse_imap(const char *s, time_t *t_r, int *tz_min_r);
/* Parses an IMAP date "d-Mon-yyyy" as midnight UTC. Returns 0 or -1. */
int date_parse_imap_day(const char *s, time_t *t_r);
/* Writes "17-Jul-1996 02:44:25 -0700" (26 bytes with the NUL) for t as
 * seen in zone tz_min. */
void date_format_imap(time_t t, int tz_min, char out[27]);

#endif
