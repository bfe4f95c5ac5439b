/* include/util/addr.h — socket addresses as admins write them in the
 * configuration and read them in the log.
 *
 *   listen addresses:  0.0.0.0:143   [::]:993   127.0.0.1:0   *:143
 *   networks:          127.0.0.0/8   ::1/128   10.1.2.3 (a host)
 *
 * IPv4-mapped IPv6 peers (::ffff:10.1.2.3) match IPv4 networks, so a dual
 * stack socket does not hide a client's real family. */
#ifndef SKUA_UTIL_ADDR_H
#define SKUA_UTIL_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#define ADDR_STR_MAX 64  /* enough for "[v6%scope]:port" */

struct net_range {
	struct sockaddr_storage addr;
	int prefix;
};

/* Parses "host:port" or "[v6]:port" ("*" means every IPv4 address) with a
 * numeric host and a decimal port 0..65535, nothing around them. Returns
 * 0 with *len_r the size of the sockaddr, or -1 with *err_r set to a
 * static string that does not repeat s. */
int addr_parse_listen(const char *s, struct sockaddr_storage *ss,
		      socklen_t *len_r, const char **err_r);
/* Parses "addr/prefix" or a bare address (a /32 or /128). Host bits past
 * the prefix are allowed and ignored. Returns 0 or -1 with *err_r set to
 * a static string. */
int addr_parse_range(const char *s, struct net_range *r, const char **err_r);
/* Checks a space-separated list of ranges. Returns 0 or -1 with *err_r
 * naming the bad one (in a static buffer). */
int addr_check_ranges(const char *list, const char **err_r);
/* 1 when sa lies in one of the space-separated ranges of list; ranges
 * that do not parse are skipped, other families never match. */
int addr_in_ranges(const struct sockaddr *sa, const char *list);
/* Writes the numeric address (no port) of sa into out, an IPv4-mapped
 * one as plain IPv4, "unknown" for a family other than IPv4 and IPv6. */
void addr_ntop(const struct sockaddr *sa, char *out, size_t out_size);
/* Writes "host:port" or "[host]:port", truncated to fit out_size. */
void addr_ntop_port(const struct sockaddr *sa, char *out, size_t out_size);
/* 1 when the two addresses are the same host (ports ignored; IPv4-mapped
 * IPv6 equals its IPv4 form). */
int addr_same_host(const struct sockaddr *a, const struct sockaddr *b);

#endif
