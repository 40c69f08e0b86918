/*
 * The scope guard's address sets. A scope is a list of allowed CIDR blocks minus
 * a list of excluded ones, for IPv4 and IPv6. Every address the engine would
 * contact is checked with scope_allows() first; scope_blocklist() translates
 * the scope into the complement (blocks that must never be queried), which is
 * what unbound's do-not-query-address wants.
 */
#ifndef VITALS_SCOPE_H
#define VITALS_SCOPE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct cidr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network address, first 4 bytes for IPv4 */
	int prefix;       /* prefix length */
};

struct scope {
	struct cidr *allow; /* allowed blocks */
	size_t nallow;
	struct cidr *deny; /* excluded blocks (win over allow) */
	size_t ndeny;
};

/* Parses "a.b.c.d/n" or "x::/n" (a bare address is /32 or /128). 0 or -EINVAL. */
int cidr_parse(const char *s, struct cidr *out);
/* Formats a block as text into buf (at least 64 bytes). */
void cidr_format(const struct cidr *c, char *buf, size_t len);
/* Adds a comma-separated list of CIDRs to allow or deny. -EINVAL names nothing: see `bad`. */
int scope_add_list(struct scope *s, const char *list, int deny, const char **bad, size_t *badlen);
/* The default scope for real use: everything public; private, reserved, loopback, multicast denied. */
int scope_default(struct scope *s);
/* 1 when the address is inside an allowed block and in no denied block. */
int scope_allows(const struct scope *s, const struct sockaddr *sa);
int scope_allows_text(const struct scope *s, const char *addr);
/* 1 when some block of the family (AF_INET, AF_INET6) is allowed: an IPv4-only scan skips AAAA. */
int scope_allows_family(const struct scope *s, int family);
/*
 * The complement of the scope as a minimal list of CIDR blocks (every address
 * not allowed), both families. Caller frees *out. Returns the count or -ENOMEM.
 */
int scope_blocklist(const struct scope *s, struct cidr **out);
void scope_free(struct scope *s);

#endif
