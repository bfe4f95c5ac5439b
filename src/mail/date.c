/* src/mail/date.c — dates in mail (RFC 5322 3.3 and the obsolete forms of
 * 4.3) and in IMAP (RFC 3501 9: date-time, date).
 *
 * Mail dates are parsed leniently, as a sequence of tokens separated by
 * white space and comments: an optional day name (never checked against
 * the date), day, month name, year, hh:mm[:ss], zone. Two-digit years
 * below 50 are 20xx, others 19xx; three-digit years are +1900 (RFC 5322
 * 4.3). Zones: +hhmm/-hhmm, UT, GMT, Z and the US zones of 4.3; military
 * single letters and unknown names mean -0000 ("no information"), as 4.3
 * advises, which we store as 0. Field values are range-checked; the
 * conversion uses timegm(), never the local time zone. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mail/date.h"

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

struct dscan {
	const char *p, *end;
};

/* Skips white space, commas and (nested) comments. */
static void
skip_cfws(struct dscan *s)
{
	int level = 0;

	for (; s->p < s->end; s->p++) {
		char c = *s->p;

		if (level > 0) {
			if (c == '(')
				level++;
			else if (c == ')')
				level--;
			else if (c == '\\' && s->p + 1 < s->end)
				s->p++;
		} else if (c == '(') {
			level++;
		} else if (!(c == ' ' || c == '\t' || c == '\r' ||
			     c == '\n' || c == ',')) {
			break;
		}
	}
}

/* Reads up to max digits. Returns the count read. */
static int
read_num(struct dscan *s, int max, int *v_r)
{
	int n = 0, v = 0;

	while (s->p < s->end && n < max && isdigit((unsigned char)*s->p)) {
		v = v * 10 + (*s->p++ - '0');
		n++;
	}
	*v_r = v;
	return n;
}

static size_t
read_word(struct dscan *s, const char **w_r)
{
	const char *start = s->p;

	while (s->p < s->end && isalpha((unsigned char)*s->p))
		s->p++;
	*w_r = start;
	return (size_t)(s->p - start);
}

static int
month_index(const char *w, size_t len)
{
	if (len < 3)
		return -1;
	for (int i = 0; i < 12; i++)
		if (strncasecmp(w, months[i], 3) == 0)
			return i;
	return -1;
}

static const struct {
	const char *name;
	int min;
} zones[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
	{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
	{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
};

static int
parse_zone(struct dscan *s, int *tz_r)
{
	const char *w;
	size_t len;
	int v;

	*tz_r = 0;
	if (s->p >= s->end)
		return 0;               /* no zone: treat as UTC */
	if (*s->p == '+' || *s->p == '-') {
		int sign = *s->p++ == '-' ? -1 : 1;

		if (read_num(s, 4, &v) != 4 || v % 100 > 59)
			return -1;
		*tz_r = sign * (v / 100 * 60 + v % 100);
		return 0;
	}
	len = read_word(s, &w);
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strlen(zones[i].name) == len &&
		    strncasecmp(w, zones[i].name, len) == 0)
			*tz_r = zones[i].min;
	return 0;       /* military and unknown zones: -0000 */
}

static int
parse_time(struct dscan *s, struct tm *tm)
{
	int h, m, sec = 0;

	if (read_num(s, 2, &h) == 0 || s->p >= s->end || *s->p != ':')
		return -1;
	s->p++;
	if (read_num(s, 2, &m) == 0)
		return -1;
	if (s->p < s->end && *s->p == ':') {
		s->p++;
		if (read_num(s, 2, &sec) == 0)
			return -1;
	}
	if (h > 23 || m > 59 || sec > 60)
		return -1;
	tm->tm_hour = h;
	tm->tm_min = m;
	tm->tm_sec = sec;
	return 0;
}

static int
fix_year(int year, int digits)
{
	if (digits == 2)
		return year < 50 ? 2000 + year : 1900 + year;
	if (digits == 3)
		return 1900 + year;
	return year;
}

/* [day-name ","] day month year */
static int
parse_day_month_year(struct dscan *s, struct tm *tm)
{
	const char *w;
	size_t len;
	int day, mon, year, n;

	skip_cfws(s);
	if (s->p < s->end && isalpha((unsigned char)*s->p)) {
		(void)read_word(s, &w);         /* day of week, unchecked */
		skip_cfws(s);
	}
	if (read_num(s, 2, &day) == 0 || day < 1 || day > 31)
		return -1;
	skip_cfws(s);
	if (s->p < s->end && *s->p == '-')
		s->p++;
	len = read_word(s, &w);
	if ((mon = month_index(w, len)) < 0)
		return -1;
	skip_cfws(s);
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if ((n = read_num(s, 4, &year)) < 2)
		return -1;
	tm->tm_mday = day;
	tm->tm_mon = mon;
	tm->tm_year = fix_year(year, n) - 1900;
	return 0;
}

int
date_parse_rfc5322(const char *str, size_t len, time_t *t_r, int *tz_min_r)
{
	struct dscan s = { str, str + len };
	struct tm tm;
	int tz;

	memset(&tm, 0, sizeof(tm));
	if (parse_day_month_year(&s, &tm) < 0)
		return -1;
	skip_cfws(&s);
	if (parse_time(&s, &tm) < 0)
		return -1;
	skip_cfws(&s);
	if (parse_zone(&s, &tz) < 0)
		return -1;
	*t_r = timegm(&tm) - (time_t)tz * 60;
	*tz_min_r = tz;
	return 0;
}

/* "dd-Mon-yyyy" with day " d", "d" or "dd"; *s advanced. */
static int
parse_imap_date(struct dscan *s, struct tm *tm)
{
	int day, year;
	int mon;

	if (s->p < s->end && *s->p == ' ')
		s->p++;
	if (read_num(s, 2, &day) == 0 || day < 1 || day > 31 ||
	    s->p >= s->end || *s->p != '-')
		return -1;
	s->p++;
	if (s->end - s->p < 4 || s->p[3] != '-' ||
	    (mon = month_index(s->p, 3)) < 0)
		return -1;
	s->p += 4;
	if (read_num(s, 4, &year) != 4)
		return -1;
	tm->tm_mday = day;
	tm->tm_mon = mon;
	tm->tm_year = year - 1900;
	return 0;
}

int
date_parse_imap(const char *str, time_t *t_r, int *tz_min_r)
{
	struct dscan s = { str, str + strlen(str) };
	struct tm tm;
	int tz;

	memset(&tm, 0, sizeof(tm));
	if (parse_imap_date(&s, &tm) < 0 || s.p >= s.end || *s.p++ != ' ')
		return -1;
	if (s.end - s.p != 14 || s.p[2] != ':' || s.p[5] != ':' ||
	    parse_time(&s, &tm) < 0 || s.p >= s.end || *s.p++ != ' ')
		return -1;
	if (s.p >= s.end || (*s.p != '+' && *s.p != '-') ||
	    parse_zone(&s, &tz) < 0 || s.p != s.end)
		return -1;
	*t_r = timegm(&tm) - (time_t)tz * 60;
	*tz_min_r = tz;
	return 0;
}

int
date_parse_imap_day(const char *str, time_t *t_r)
{
	struct dscan s = { str, str + strlen(str) };
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (parse_imap_date(&s, &tm) < 0 || s.p != s.end)
		return -1;
	*t_r = timegm(&tm);
	return 0;
}

void
date_format_imap(time_t t, int tz_min, char out[27])
{
	struct tm tm;
	time_t local = t + (time_t)tz_min * 60;
	int a = tz_min < 0 ? -tz_min : tz_min;

	if (gmtime_r(&local, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	/* the day is zero-padded: Dovecot sends "07-Jul-2020" */
	snprintf(out, 27, "%02u-%.3s-%04u %02u:%02u:%02u %c%02u%02u",
		 (unsigned)tm.tm_mday % 100u, months[(unsigned)tm.tm_mon % 12u],
		 (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
		 (unsigned)tm.tm_sec % 100u, tz_min < 0 ? '-' : '+',
		 (unsigned)(a / 60) % 100u, (unsigned)a % 60u);
}
