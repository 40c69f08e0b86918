/*
 * Scope sets. Membership is tested directly against the CIDR lists; the
 * blocklist is computed by interval arithmetic: each family's address space is
 * a line of 128-bit numbers (IPv4 uses the low 32 bits), a scope is a sorted
 * list of disjoint ranges on it, and the complement is cut back into the
 * fewest CIDR blocks.
 *
 * Some IPv6 addresses reach an IPv4 host: IPv4-mapped (::ffff:a.b.c.d), NAT64
 * (64:ff9b::a.b.c.d), 6to4 (2002:AABB:CCDD::/48 for a.b.c.d) and Teredo
 * (2001:0:SSSS:SSSS:x:x:CCCC:CCCC, server S, client ~C). Such an address is
 * allowed only when every IPv4 address it embeds passes the IPv4 rules and the
 * address itself passes the IPv6 rules. The blocklist follows the same rule, so
 * that scope_allows() and the blocklist agree, with one deliberate exception:
 * a Teredo client address is spread over the low bits of every /64 of
 * 2001::/32, which no short CIDR list can express, so the blocklist drops the
 * whole Teredo range as soon as any IPv4 address is out of scope (blocking
 * more for the resolver is safe).
 */
#include "scope.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_MAX 64

static const char default_allow[] = "0.0.0.0/0, 2000::/3";
/* IANA IPv4 and IPv6 special-purpose registries (not globally reachable, or not hosts). */
static const char default_deny[] =
    "0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12,"
    "192.0.0.0/24, 192.0.2.0/24, 192.88.99.0/24, 192.168.0.0/16, 198.18.0.0/15,"
    "198.51.100.0/24, 203.0.113.0/24, 224.0.0.0/4, 240.0.0.0/4, 255.255.255.255/32,"
    "::1/128, fc00::/7, fe80::/10, ff00::/8, 2001:db8::/32, 64:ff9b::/96, ::ffff:0:0/96,"
    "2001::/32, 2002::/16"; /* Teredo and 6to4 tunnel to IPv4 hosts anywhere, private ones too */

/* Where an IPv6 address embeds an IPv4 one (RFC 4291, 6052, 3056, 4380). */
static const struct embed4 {
	struct cidr block; /* the IPv6 block */
	int at;            /* byte offset of the embedded IPv4 address */
	uint8_t flip;      /* XOR applied to it (Teredo obfuscates the client) */
} embeds[] = {
    {{AF_INET6, {[10] = 0xff, [11] = 0xff}, 96}, 12, 0}, /* IPv4-mapped ::ffff:0:0/96 */
    {{AF_INET6, {0x00, 0x64, 0xff, 0x9b}, 96}, 12, 0},   /* NAT64 64:ff9b::/96 */
    {{AF_INET6, {0x20, 0x01}, 32}, 4, 0},                /* Teredo server */
    {{AF_INET6, {0x20, 0x01}, 32}, 12, 0xff},            /* Teredo client */
    {{AF_INET6, {0x20, 0x02}, 16}, 2, 0},                /* 6to4 2002::/16 */
};

/* An unsigned 128-bit number; portable where __int128 is not. */
struct u128 {
	uint64_t hi; /* bits 127..64 */
	uint64_t lo; /* bits 63..0 */
};

/* An inclusive range of addresses. */
struct ival {
	struct u128 lo; /* first address */
	struct u128 hi; /* last address */
};

/* Sorted, disjoint, non-adjacent ranges. */
struct iset {
	struct ival *v; /* ranges in ascending order */
	size_t n;       /* count */
	size_t cap;     /* allocated */
};

/* A growing array of blocks. */
struct cidrv {
	struct cidr *v; /* blocks */
	size_t n;       /* count */
	size_t cap;     /* allocated */
};

static int u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	return a.lo < b.lo ? -1 : a.lo > b.lo;
}

static struct u128 u128_inc(struct u128 a)
{
	a.lo++;
	a.hi += a.lo == 0;
	return a;
}

static struct u128 u128_dec(struct u128 a)
{
	a.hi -= a.lo == 0;
	a.lo--;
	return a;
}

/* The number with the low n bits set, 0 <= n <= 128. */
static struct u128 u128_ones(int n)
{
	struct u128 r = {0, 0};

	if (n >= 64) {
		r.lo = UINT64_MAX;
		r.hi = n == 128 ? UINT64_MAX : n == 64 ? 0 : (UINT64_C(1) << (n - 64)) - 1;
	} else if (n > 0) {
		r.lo = (UINT64_C(1) << n) - 1;
	}
	return r;
}

/* a shifted left by n bits, 0 <= n < 128; a holds at most 32 bits here. */
static struct u128 u128_shl(struct u128 a, int n)
{
	if (n == 0)
		return a;
	if (n >= 64)
		return (struct u128){a.lo << (n - 64), 0};
	return (struct u128){(a.hi << n) | (a.lo >> (64 - n)), a.lo << n};
}

static struct u128 u128_or(struct u128 a, struct u128 b)
{
	return (struct u128){a.hi | b.hi, a.lo | b.lo};
}

static int u128_meets(struct u128 a, struct u128 b)
{
	return (a.hi & b.hi) != 0 || (a.lo & b.lo) != 0;
}

static int family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* The address of a block as a number on its family's line. */
static struct u128 cidr_value(const struct cidr *c)
{
	struct u128 r = {0, 0};
	int nbytes = family_bits(c->family) / 8;

	for (int i = 0; i < nbytes; i++) {
		r.hi = (r.hi << 8) | (r.lo >> 56);
		r.lo = (r.lo << 8) | c->addr[i];
	}
	return r;
}

static struct cidr cidr_make(int family, struct u128 v, int prefix)
{
	struct cidr c = {.family = family, .prefix = prefix};
	int nbytes = family_bits(family) / 8;

	for (int i = nbytes - 1; i >= 0; i--) {
		c.addr[i] = (uint8_t)v.lo;
		v.lo = (v.lo >> 8) | (v.hi << 56);
		v.hi >>= 8;
	}
	return c;
}

/* Clears the host bits so the block is in canonical form. */
static void cidr_mask(struct cidr *c)
{
	int bits = family_bits(c->family);

	for (int i = 0; i < bits / 8; i++) {
		int keep = c->prefix - i * 8;
		if (keep <= 0)
			c->addr[i] = 0;
		else if (keep < 8)
			c->addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

/* 1 when addr (4 or 16 bytes of `family`) lies in c. */
static int cidr_contains(const struct cidr *c, int family, const uint8_t *addr)
{
	int full = c->prefix / 8, rest = c->prefix % 8;

	if (c->family != family || memcmp(c->addr, addr, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (c->addr[full] & m) == (addr[full] & m);
}

/* Parses a prefix length: 1-3 decimal digits, no sign, no leading zero, at most max. */
static int parse_prefix(const char *s, int max, int *out)
{
	size_t n = strlen(s);
	int v = 0;

	if (n == 0 || n > 3 || strspn(s, "0123456789") != n || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int cidr_parse(const char *s, struct cidr *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	struct cidr c = {0};

	if (hl == 0 || hl >= sizeof host)
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	c.family = strchr(host, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(c.family, host, c.addr) != 1)
		return -EINVAL;
	c.prefix = family_bits(c.family);
	if (slash && parse_prefix(slash + 1, c.prefix, &c.prefix) < 0)
		return -EINVAL;
	/* "127.0.0.1/8" is common shorthand for 127.0.0.0/8 */
	cidr_mask(&c);
	*out = c;
	return 0;
}

void cidr_format(const struct cidr *c, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (len == 0)
		return;
	if (inet_ntop(c->family, c->addr, host, sizeof host) == NULL) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "%s/%d", host, c->prefix);
}

static int cidrv_push(struct cidrv *cv, const struct cidr *c)
{
	if (cv->n == cv->cap) {
		size_t cap = cv->cap ? cv->cap * 2 : 16;
		struct cidr *v = realloc(cv->v, cap * sizeof *v);
		if (v == NULL)
			return -ENOMEM;
		cv->v = v;
		cv->cap = cap;
	}
	cv->v[cv->n++] = *c;
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses one list item (blanks around it trimmed) and appends it. */
static int add_item(struct cidrv *cv, const char *p, size_t n, const char **bad, size_t *badlen)
{
	char item[ITEM_MAX];
	struct cidr c;

	while (n > 0 && is_space(*p))
		p++, n--;
	while (n > 0 && is_space(p[n - 1]))
		n--;
	if (n > 0 && n < sizeof item) {
		memcpy(item, p, n);
		item[n] = '\0';
		if (cidr_parse(item, &c) == 0)
			return cidrv_push(cv, &c);
	}
	if (bad)
		*bad = p;
	if (badlen)
		*badlen = n;
	return -EINVAL;
}

/* Moves all of src onto the end of *v / *n; src's storage is released. */
static int append_all(struct cidr **v, size_t *n, struct cidrv *src)
{
	struct cidr *nv;

	if (src->n == 0)
		return 0;
	nv = realloc(*v, (*n + src->n) * sizeof *nv);
	if (nv == NULL)
		return -ENOMEM;
	memcpy(nv + *n, src->v, src->n * sizeof *nv);
	*v = nv;
	*n += src->n;
	return 0;
}

int scope_add_list(struct scope *s, const char *list, int deny, const char **bad, size_t *badlen)
{
	struct cidrv cv = {0};
	const char *p = list ? list : "";
	int r;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		r = add_item(&cv, p, n, bad, badlen);
		if (r < 0 || comma == NULL)
			break;
		p = comma + 1;
	}
	if (r == 0)
		r = deny ? append_all(&s->deny, &s->ndeny, &cv) : append_all(&s->allow, &s->nallow, &cv);
	free(cv.v);
	return r;
}

int scope_default(struct scope *s)
{
	size_t nallow = s->nallow;
	int r = scope_add_list(s, default_allow, 0, NULL, NULL);

	if (r < 0)
		return r;
	r = scope_add_list(s, default_deny, 1, NULL, NULL);
	if (r < 0)
		s->nallow = nallow; /* never leave the allow half without its exclusions */
	return r;
}

static int in_list(const struct cidr *v, size_t n, int family, const uint8_t *addr)
{
	for (size_t i = 0; i < n; i++)
		if (cidr_contains(&v[i], family, addr))
			return 1;
	return 0;
}

static int allows_raw(const struct scope *s, int family, const uint8_t *addr)
{
	return in_list(s->allow, s->nallow, family, addr) && !in_list(s->deny, s->ndeny, family, addr);
}

int scope_allows(const struct scope *s, const struct sockaddr *sa)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (s == NULL || sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof sin);
		return allows_raw(s, AF_INET, (const uint8_t *)&sin.sin_addr);
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	memcpy(&sin6, sa, sizeof sin6);
	const uint8_t *a = sin6.sin6_addr.s6_addr;
	for (size_t i = 0; i < sizeof embeds / sizeof embeds[0]; i++) {
		const struct embed4 *m = &embeds[i];
		uint8_t v4[4];
		if (!cidr_contains(&m->block, AF_INET6, a))
			continue;
		for (int k = 0; k < 4; k++)
			v4[k] = a[m->at + k] ^ m->flip;
		if (!allows_raw(s, AF_INET, v4))
			return 0;
	}
	return allows_raw(s, AF_INET6, a);
}

int scope_allows_family(const struct scope *s, int family)
{
	for (size_t i = 0; s != NULL && i < s->nallow; i++)
		if (s->allow[i].family == family)
			return 1;
	return 0;
}

int scope_allows_text(const struct scope *s, const char *addr)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};

	if (addr == NULL)
		return 0;
	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1)
		return scope_allows(s, (const struct sockaddr *)&sin);
	if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1)
		return scope_allows(s, (const struct sockaddr *)&sin6);
	return 0; /* not an address: never in scope */
}

static int iset_append(struct iset *s, struct u128 lo, struct u128 hi)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct ival *v = realloc(s->v, cap * sizeof *v);
		if (v == NULL)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct ival){lo, hi};
	return 0;
}

/* Adds [lo, hi]; calls must come in ascending order of lo. Overlaps and neighbours merge. */
static int iset_push(struct iset *s, struct u128 lo, struct u128 hi)
{
	static const struct u128 top = {UINT64_MAX, UINT64_MAX};
	struct ival *last = s->n ? &s->v[s->n - 1] : NULL;

	if (last == NULL || (u128_cmp(last->hi, top) != 0 && u128_cmp(lo, u128_inc(last->hi)) > 0))
		return iset_append(s, lo, hi);
	if (u128_cmp(hi, last->hi) > 0)
		last->hi = hi;
	return 0;
}

static void iset_free(struct iset *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int ival_order(const void *a, const void *b)
{
	return u128_cmp(((const struct ival *)a)->lo, ((const struct ival *)b)->lo);
}

/* The union of the blocks of `family` in v. */
static int iset_from_cidrs(const struct cidr *v, size_t n, int family, struct iset *out)
{
	int bits = family_bits(family), r = 0;
	struct iset tmp = {0};

	for (size_t i = 0; i < n && r == 0; i++) {
		if (v[i].family != family)
			continue;
		struct u128 lo = cidr_value(&v[i]);
		r = iset_append(&tmp, lo, u128_or(lo, u128_ones(bits - v[i].prefix)));
	}
	if (tmp.n > 1)
		qsort(tmp.v, tmp.n, sizeof *tmp.v, ival_order);
	for (size_t i = 0; i < tmp.n && r == 0; i++)
		r = iset_push(out, tmp.v[i].lo, tmp.v[i].hi);
	iset_free(&tmp);
	return r;
}

/* Everything on the line of width `bits` that a does not cover. */
static int iset_complement(const struct iset *a, int bits, struct iset *out)
{
	struct u128 next = {0, 0}, top = u128_ones(bits);
	int r = 0;

	for (size_t i = 0; i < a->n && r == 0; i++) {
		if (u128_cmp(a->v[i].lo, next) > 0)
			r = iset_push(out, next, u128_dec(a->v[i].lo));
		if (u128_cmp(a->v[i].hi, top) == 0)
			return r;
		next = u128_inc(a->v[i].hi);
	}
	return r < 0 ? r : iset_push(out, next, top);
}

static int iset_intersect(const struct iset *a, const struct iset *b, struct iset *out)
{
	size_t i = 0, j = 0;
	int r = 0;

	while (i < a->n && j < b->n && r == 0) {
		const struct ival *x = &a->v[i], *y = &b->v[j];
		struct u128 lo = u128_cmp(x->lo, y->lo) > 0 ? x->lo : y->lo;
		struct u128 hi = u128_cmp(x->hi, y->hi) < 0 ? x->hi : y->hi;
		if (u128_cmp(lo, hi) <= 0)
			r = iset_push(out, lo, hi);
		if (u128_cmp(x->hi, y->hi) < 0)
			i++;
		else
			j++;
	}
	return r;
}

/* a minus b */
static int iset_subtract(const struct iset *a, const struct iset *b, int bits, struct iset *out)
{
	struct iset nb = {0};
	int r = iset_complement(b, bits, &nb);

	if (r == 0)
		r = iset_intersect(a, &nb, out);
	iset_free(&nb);
	return r;
}

/* What the scope's own rules allow in one family: allow minus deny. */
static int iset_rules(const struct scope *s, int family, struct iset *out)
{
	struct iset allow = {0}, deny = {0};
	int r = iset_from_cidrs(s->allow, s->nallow, family, &allow);

	if (r == 0)
		r = iset_from_cidrs(s->deny, s->ndeny, family, &deny);
	if (r == 0)
		r = iset_subtract(&allow, &deny, family_bits(family), out);
	iset_free(&allow);
	iset_free(&deny);
	return r;
}

/* The IPv6 addresses that embed an IPv4 address in b4 (see embeds[]), in any order. */
static int iset_embed_one(const struct iset *b4, const struct embed4 *m, struct iset *out)
{
	struct u128 base = cidr_value(&m->block);
	int shift = 128 - 8 * m->at - 32, r = 0;

	/* The Teredo client is scattered over every /64: take the whole block (see the top). */
	if (m->flip != 0)
		return b4->n == 0 ? 0
		                  : iset_append(out, base, u128_or(base, u128_ones(128 - m->block.prefix)));
	for (size_t i = 0; i < b4->n && r == 0; i++) {
		struct u128 lo = u128_or(base, u128_shl(b4->v[i].lo, shift));
		struct u128 hi = u128_or(base, u128_or(u128_shl(b4->v[i].hi, shift), u128_ones(shift)));
		r = iset_append(out, lo, hi);
	}
	return r;
}

/* The IPv4 ranges in b4 moved into every block that embeds IPv4 addresses. */
static int iset_map4(const struct iset *b4, struct iset *out)
{
	struct iset tmp = {0};
	int r = 0;

	for (size_t i = 0; i < sizeof embeds / sizeof embeds[0] && r == 0; i++)
		r = iset_embed_one(b4, &embeds[i], &tmp);
	if (tmp.n > 1)
		qsort(tmp.v, tmp.n, sizeof *tmp.v, ival_order);
	for (size_t i = 0; i < tmp.n && r == 0; i++)
		r = iset_push(out, tmp.v[i].lo, tmp.v[i].hi);
	iset_free(&tmp);
	return r;
}

/* Blocked ranges of both families: IPv4 first, then IPv6 with mapped IPv4 folded in. */
static int iset_blocked(const struct scope *s, struct iset *b4, struct iset *b6)
{
	struct iset a4 = {0}, a6 = {0}, m = {0}, a6m = {0};
	int r = iset_rules(s, AF_INET, &a4);

	if (r == 0)
		r = iset_complement(&a4, 32, b4);
	if (r == 0)
		r = iset_rules(s, AF_INET6, &a6);
	if (r == 0)
		r = iset_map4(b4, &m);
	if (r == 0)
		r = iset_subtract(&a6, &m, 128, &a6m);
	if (r == 0)
		r = iset_complement(&a6m, 128, b6);
	iset_free(&a4);
	iset_free(&a6);
	iset_free(&m);
	iset_free(&a6m);
	return r;
}

/* The shortest prefix whose block starts at lo and ends by hi. */
static int widest_block(struct u128 lo, struct u128 hi, int bits)
{
	for (int p = 0; p < bits; p++) {
		struct u128 host = u128_ones(bits - p);
		if (!u128_meets(lo, host) && u128_cmp(u128_or(lo, host), hi) <= 0)
			return p;
	}
	return bits;
}

/* Cuts each range into the fewest aligned blocks. */
static int emit_blocks(const struct iset *set, int family, struct cidrv *out)
{
	int bits = family_bits(family), r = 0;

	for (size_t i = 0; i < set->n && r == 0; i++) {
		struct u128 lo = set->v[i].lo;
		for (;;) {
			int p = widest_block(lo, set->v[i].hi, bits);
			struct cidr c = cidr_make(family, lo, p);
			struct u128 end = u128_or(lo, u128_ones(bits - p));
			r = cidrv_push(out, &c);
			if (r < 0 || u128_cmp(end, set->v[i].hi) >= 0)
				break;
			lo = u128_inc(end);
		}
	}
	return r;
}

int scope_blocklist(const struct scope *s, struct cidr **out)
{
	struct iset b4 = {0}, b6 = {0};
	struct cidrv cv = {0};
	int r = iset_blocked(s, &b4, &b6);

	if (r == 0)
		r = emit_blocks(&b4, AF_INET, &cv);
	if (r == 0)
		r = emit_blocks(&b6, AF_INET6, &cv);
	if (r == 0 && cv.n > INT_MAX)
		r = -EOVERFLOW;
	iset_free(&b4);
	iset_free(&b6);
	if (r < 0) {
		free(cv.v);
		return r;
	}
	*out = cv.v;
	return (int)cv.n;
}

void scope_free(struct scope *s)
{
	if (s == NULL)
		return;
	free(s->allow);
	free(s->deny);
	memset(s, 0, sizeof *s);
}
