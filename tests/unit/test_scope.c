/* Unit tests for the scope sets: CIDR syntax, membership, and the blocklist complement. */
#include "tap.h"
#include "scope.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Formats c, or "ERR" when parsing fails. */
static const char *parsed(const char *text, char *buf, size_t len)
{
	struct cidr c;

	if (cidr_parse(text, &c) < 0)
		snprintf(buf, len, "ERR");
	else
		cidr_format(&c, buf, len);
	return buf;
}

static void test_cidr_parse(void)
{
	char b[64];
	struct cidr c = {.family = 99};

	is_str(parsed("10.0.0.0/8", b, sizeof b), "10.0.0.0/8", "cidr: plain v4");
	is_str(parsed("127.0.0.1/8", b, sizeof b), "127.0.0.0/8", "cidr: host bits masked");
	is_str(parsed("192.168.1.129/25", b, sizeof b), "192.168.1.128/25", "cidr: partial byte masked");
	is_str(parsed("198.19.1.1/15", b, sizeof b), "198.18.0.0/15", "cidr: 7 bits of a byte kept");
	is_str(parsed("255.255.255.255/1", b, sizeof b), "128.0.0.0/1", "cidr: 1 bit of a byte kept");
	is_str(parsed("1.2.3.4", b, sizeof b), "1.2.3.4/32", "cidr: bare v4 is /32");
	is_str(parsed("1.2.3.4/0", b, sizeof b), "0.0.0.0/0", "cidr: /0");
	is_str(parsed("2001:db8::1/32", b, sizeof b), "2001:db8::/32", "cidr: v6 masked");
	is_str(parsed("::1", b, sizeof b), "::1/128", "cidr: bare v6 is /128");
	is_str(parsed("fe80::1:2:3:4/67", b, sizeof b), "fe80::/67", "cidr: v6 odd prefix");
	is_str(parsed("fe80::ffff:2:3:4/67", b, sizeof b), "fe80::e000:0:0:0/67",
	       "cidr: v6 odd prefix keeps bits");
	is_str(parsed("::ffff:10.1.2.3/104", b, sizeof b), "::ffff:10.0.0.0/104", "cidr: mapped");
	is_str(parsed("300.1.1.1/8", b, sizeof b), "ERR", "cidr: octet 300");
	is_str(parsed("1.2.3.4/33", b, sizeof b), "ERR", "cidr: /33");
	is_str(parsed("::/129", b, sizeof b), "ERR", "cidr: /129");
	is_str(parsed("abc", b, sizeof b), "ERR", "cidr: word");
	is_str(parsed("", b, sizeof b), "ERR", "cidr: empty");
	is_str(parsed("/8", b, sizeof b), "ERR", "cidr: prefix only");
	is_str(parsed("1.2.3.4/", b, sizeof b), "ERR", "cidr: empty prefix");
	is_str(parsed("1.2.3.4/-1", b, sizeof b), "ERR", "cidr: negative prefix");
	is_str(parsed("1.2.3.4/+8", b, sizeof b), "ERR", "cidr: signed prefix");
	is_str(parsed("1.2.3.4/08", b, sizeof b), "ERR", "cidr: leading zero prefix");
	is_str(parsed("1.2.3.4/8/8", b, sizeof b), "ERR", "cidr: two slashes");
	is_str(parsed("1.2.3/8", b, sizeof b), "ERR", "cidr: three octets");
	is_str(parsed("01.2.3.4", b, sizeof b), "ERR", "cidr: leading zero octet");
	is_str(parsed(" 1.2.3.4", b, sizeof b), "ERR", "cidr: blank (lists trim, cidr_parse does not)");
	is_str(parsed("fe80::1%eth0/64", b, sizeof b), "ERR", "cidr: zone id");
	is_str(parsed("1:2:3:4:5:6:7:8:9/64", b, sizeof b), "ERR", "cidr: nine groups");
	is_int(cidr_parse("1.2.3.4/99", &c), -EINVAL, "cidr: -EINVAL");
	is_int(c.family, 99, "cidr: output untouched on error");
	is_int(cidr_parse("2001:db8::/48", &c), 0, "cidr: 0 on success");
	is_int(c.family, AF_INET6, "cidr: family");
	is_int(c.prefix, 48, "cidr: prefix");
	cidr_format(&c, b, 8);
	is_str(b, "2001:db", "cidr: format truncates to the buffer");
}

static void check_bad(const char *list, const char *want_bad, const char *name)
{
	struct scope s = {0};
	const char *bad = NULL;
	size_t badlen = 99;
	char label[128], got[128];

	int r = scope_add_list(&s, list, 0, &bad, &badlen);
	snprintf(label, sizeof label, "bad list %s: -EINVAL", name);
	is_int(r, -EINVAL, label);
	snprintf(got, sizeof got, "%.*s", bad ? (int)badlen : 0, bad ? bad : "");
	snprintf(label, sizeof label, "bad list %s: names the item", name);
	is_str(got, want_bad, label);
	snprintf(label, sizeof label, "bad list %s: points into the list", name);
	ok(bad != NULL && bad >= list && bad + badlen <= list + strlen(list), label);
	snprintf(label, sizeof label, "bad list %s: nothing added", name);
	ok(s.nallow == 0 && s.allow == NULL, label);
	scope_free(&s);
}

static void test_add_list(void)
{
	struct scope s = {0};
	char b[64];

	is_int(scope_add_list(&s, " 10.0.0.0/8 ,\t2001:db8::/32,1.2.3.4 ", 0, NULL, NULL), 0, "list: parsed");
	is_int(s.nallow, 3, "list: three blocks");
	cidr_format(&s.allow[2], b, sizeof b);
	is_str(b, "1.2.3.4/32", "list: blanks trimmed");
	is_int(scope_add_list(&s, "10.1.0.0/16", 1, NULL, NULL), 0, "list: deny parsed");
	is_int(s.ndeny, 1, "list: one exclusion");
	is_int(s.nallow, 3, "list: allow untouched by deny");
	scope_free(&s);
	is_int(s.nallow + s.ndeny, 0, "free: emptied");
	scope_free(NULL);

	check_bad("300.1.1.1/8", "300.1.1.1/8", "octet 300");
	check_bad("10.0.0.0/8, 1.2.3.4/33 ,x", "1.2.3.4/33", "/33 second");
	check_bad("::/129", "::/129", "/129");
	check_bad("abc", "abc", "word");
	check_bad("", "", "empty list");
	check_bad("1.2.3.0/24,,5.6.7.0/24", "", "empty item");
	check_bad("1.2.3.0/24, ", "", "trailing comma");
	check_bad("1.2.3.0/24,1111:2222:3333:4444:5555:6666:7777:8888:9999:0000:1111/64",
	          "1111:2222:3333:4444:5555:6666:7777:8888:9999:0000:1111/64", "overlong item");
}

static int allows(const struct scope *s, const char *addr)
{
	return scope_allows_text(s, addr);
}

static void test_default(void)
{
	struct scope s = {0};

	is_int(scope_default(&s), 0, "default: built");
	is_int(s.nallow, 2, "default: two allowed blocks");
	is_int(s.ndeny, 25, "default: 25 exclusions");
	is_int(allows(&s, "8.8.8.8"), 1, "default: public v4");
	is_int(allows(&s, "2606:4700:4700::1111"), 1, "default: public v6");
	is_int(allows(&s, "10.1.2.3"), 0, "default: 10/8");
	is_int(allows(&s, "127.0.0.1"), 0, "default: loopback");
	is_int(allows(&s, "::1"), 0, "default: v6 loopback");
	is_int(allows(&s, "::ffff:10.0.0.1"), 0, "default: mapped private");
	is_int(allows(&s, "::ffff:8.8.8.8"), 0, "default: mapped range denied as a whole");
	is_int(allows(&s, "192.168.1.1"), 0, "default: 192.168/16");
	is_int(allows(&s, "fe80::1"), 0, "default: link-local v6");
	is_int(allows(&s, "fd00::1"), 0, "default: ULA");
	is_int(allows(&s, "2001:db8::1"), 0, "default: v6 documentation");
	is_int(allows(&s, "64:ff9b::8.8.8.8"), 0, "default: NAT64");
	is_int(allows(&s, "2002:808:808::1"), 0, "default: 6to4 excluded even for a public IPv4");
	is_int(allows(&s, "2001:0:808:808::f7f7:f7f7"), 0, "default: Teredo excluded");
	is_int(allows(&s, "2001:1::1"), 1, "default: next to Teredo (2001:1::/32) allowed");
	is_int(allows(&s, "2003::1"), 1, "default: next to 6to4 allowed");
	is_int(allows(&s, "100.64.0.1"), 0, "default: CGN");
	is_int(allows(&s, "100.128.0.1"), 1, "default: just past CGN");
	is_int(allows(&s, "172.15.255.255"), 1, "default: just before 172.16/12");
	is_int(allows(&s, "172.16.0.0"), 0, "default: 172.16/12 start");
	is_int(allows(&s, "172.31.255.255"), 0, "default: 172.16/12 end");
	is_int(allows(&s, "172.32.0.0"), 1, "default: just past 172.16/12");
	is_int(allows(&s, "198.19.255.255"), 0, "default: benchmarking");
	is_int(allows(&s, "224.0.0.251"), 0, "default: multicast");
	is_int(allows(&s, "255.255.255.255"), 0, "default: broadcast");
	is_int(allows(&s, "0.1.2.3"), 0, "default: this network");
	is_int(allows(&s, "4000::1"), 0, "default: v6 outside 2000::/3");
	is_int(allows(&s, "not-an-address"), 0, "default: text that is no address");
	is_int(allows(&s, ""), 0, "default: empty text");
	scope_free(&s);
}

static void test_sockaddr(void)
{
	struct scope s = {0};
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(53)};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	struct sockaddr sa = {.sa_family = AF_UNIX};

	scope_add_list(&s, "0.0.0.0/0, ::/0", 0, NULL, NULL);
	scope_add_list(&s, "8.8.8.0/24", 1, NULL, NULL);
	inet_pton(AF_INET, "9.9.9.9", &sin.sin_addr);
	is_int(scope_allows(&s, (struct sockaddr *)&sin), 1, "sockaddr: v4 allowed");
	inet_pton(AF_INET, "8.8.8.8", &sin.sin_addr);
	is_int(scope_allows(&s, (struct sockaddr *)&sin), 0, "sockaddr: v4 excluded");
	inet_pton(AF_INET6, "::ffff:9.9.9.9", &sin6.sin6_addr);
	is_int(scope_allows(&s, (struct sockaddr *)&sin6), 1, "sockaddr: mapped allowed");
	inet_pton(AF_INET6, "::ffff:8.8.8.8", &sin6.sin6_addr);
	is_int(scope_allows(&s, (struct sockaddr *)&sin6), 0, "sockaddr: mapped checked as IPv4");
	is_int(scope_allows(&s, &sa), 0, "sockaddr: other family");
	is_int(scope_allows(&s, NULL), 0, "sockaddr: NULL");
	scope_free(&s);
}

/* Every IPv6 form that reaches an IPv4 host is judged by that host's address too. */
static void test_embedded(void)
{
	struct scope s = {0};

	scope_add_list(&s, "0.0.0.0/0, ::/0", 0, NULL, NULL);
	scope_add_list(&s, "10.0.0.0/8, 127.0.0.0/8", 1, NULL, NULL);
	is_int(allows(&s, "2002:a01:203::1"), 0, "embedded: 6to4 of 10.1.2.3");
	is_int(allows(&s, "2002:7f00:1::"), 0, "embedded: 6to4 of 127.0.0.1");
	is_int(allows(&s, "2002:808:808:ffff::1"), 1, "embedded: 6to4 of 8.8.8.8");
	is_int(allows(&s, "2001:0:a00:1::f7f7:f7f7"), 0, "embedded: Teredo server 10.0.0.1");
	/* client ~f5fe:fdfc = 10.1.2.3, server 8.8.8.8 */
	is_int(allows(&s, "2001:0:808:808:8000:ffff:f5fe:fdfc"), 0, "embedded: Teredo client 10.1.2.3");
	is_int(allows(&s, "2001:0:808:808:8000:ffff:80ff:fffe"), 0, "embedded: Teredo client 127.0.0.1");
	is_int(allows(&s, "2001:0:808:808:8000:ffff:f7f7:f7f7"), 1, "embedded: Teredo 8.8.8.8 both");
	is_int(allows(&s, "64:ff9b::10.1.2.3"), 0, "embedded: NAT64 of 10.1.2.3");
	is_int(allows(&s, "64:ff9b::8.8.8.8"), 1, "embedded: NAT64 of 8.8.8.8");
	is_int(allows(&s, "64:ff9b:0:0:1::10.1.2.3"), 1,
	       "embedded: outside 64:ff9b::/96 nothing is embedded");
	is_int(allows(&s, "::ffff:127.0.0.1"), 0, "embedded: mapped 127.0.0.1");
	scope_free(&s);
}

static void test_exclusions_win(void)
{
	struct scope s = {0};

	scope_add_list(&s, "10.0.0.0/8, 2001:db8::/32", 0, NULL, NULL);
	scope_add_list(&s, "10.1.0.0/16, 2001:db8:1::/48, 10.2.3.4", 1, NULL, NULL);
	is_int(allows(&s, "10.2.0.1"), 1, "exclusions: allowed part");
	is_int(allows(&s, "10.1.2.3"), 0, "exclusions: excluded /16");
	is_int(allows(&s, "10.2.3.4"), 0, "exclusions: excluded host");
	is_int(allows(&s, "10.2.3.5"), 1, "exclusions: its neighbour");
	is_int(allows(&s, "2001:db8:2::1"), 1, "exclusions: v6 allowed part");
	is_int(allows(&s, "2001:db8:1::1"), 0, "exclusions: v6 excluded");
	is_int(allows(&s, "11.0.0.1"), 0, "exclusions: outside allow");
	scope_add_list(&s, "0.0.0.0/0", 1, NULL, NULL);
	is_int(allows(&s, "10.2.0.1"), 0, "exclusions: deny all wins over allow");
	is_int(allows(&s, "2001:db8:2::1"), 1, "exclusions: other family untouched");
	scope_free(&s);
}

/* The blocklist as one space-separated string. */
static const char *blocklist_text(const struct scope *s, char *buf, size_t len)
{
	struct cidr *v = NULL;
	int n = scope_blocklist(s, &v);
	size_t off = 0;

	buf[0] = '\0';
	if (n < 0)
		snprintf(buf, len, "error %d", n);
	for (int i = 0; i < n && off < len; i++) {
		char c[64];
		cidr_format(&v[i], c, sizeof c);
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "", c);
	}
	free(v);
	return buf;
}

static const char *blocklist_of(const char *allow, const char *deny, char *buf, size_t len)
{
	struct scope s = {0};

	if (*allow)
		scope_add_list(&s, allow, 0, NULL, NULL);
	if (*deny)
		scope_add_list(&s, deny, 1, NULL, NULL);
	blocklist_text(&s, buf, len);
	scope_free(&s);
	return buf;
}

static void test_blocklist_examples(void)
{
	static struct cidr sentinel;
	char b[4096];
	struct scope s = {0};
	struct cidr *v = &sentinel;

	is_str(blocklist_of("127.0.0.0/8", "", b, sizeof b),
	       "0.0.0.0/2 64.0.0.0/3 96.0.0.0/4 112.0.0.0/5 120.0.0.0/6 124.0.0.0/7 126.0.0.0/8 128.0.0.0/1 "
	       "::/0",
	       "blocklist: allow 127/8");
	is_str(blocklist_of("127.0.0.0/8", "127.99.0.0/16", b, sizeof b),
	       "0.0.0.0/2 64.0.0.0/3 96.0.0.0/4 112.0.0.0/5 120.0.0.0/6 124.0.0.0/7 126.0.0.0/8 "
	       "127.99.0.0/16 128.0.0.0/1 ::/0",
	       "blocklist: allow 127/8 deny 127.99/16");
	is_str(blocklist_of("", "", b, sizeof b), "0.0.0.0/0 ::/0", "blocklist: empty scope blocks all");
	is_str(blocklist_of("0.0.0.0/0, ::/0", "", b, sizeof b), "", "blocklist: allow all blocks nothing");
	is_int(scope_blocklist(&s, &v), 2, "blocklist: count returned");
	free(v);
	v = &sentinel;
	scope_add_list(&s, "0.0.0.0/0, ::/0", 0, NULL, NULL);
	is_int(scope_blocklist(&s, &v), 0, "blocklist: zero blocks");
	ok(v == NULL, "blocklist: NULL for none");
	if (v != &sentinel)
		free(v);
	scope_free(&s);
	is_str(blocklist_of("0.0.0.0/0, ::/0", "10.0.0.0/8", b, sizeof b),
	       "10.0.0.0/8 ::ffff:10.0.0.0/104 64:ff9b::a00:0/104 2001::/32 2002:a00::/24",
	       "blocklist: v4 exclusion also blocks its mapped, NAT64, Teredo and 6to4 forms");
	is_str(blocklist_of("0.0.0.0/0, ::/0", "::ffff:0:0/96", b, sizeof b), "::ffff:0.0.0.0/96",
	       "blocklist: mapped range excluded");
	is_str(blocklist_of("1.2.3.4, 1.2.3.5, 1.2.3.6/31, 0.0.0.0/1, 128.0.0.0/1, ::/1, 8000::/1", "", b,
	                    sizeof b),
	       "", "blocklist: adjacent and overlapping blocks merge");
	is_str(blocklist_of("::/0", "", b, sizeof b),
	       "0.0.0.0/0 ::ffff:0.0.0.0/96 64:ff9b::/96 2001::/32 2002::/16",
	       "blocklist: v6 only scope blocks every IPv4-embedding range too");
	is_str(blocklist_of("0.0.0.0/0", "0.0.0.0/0", b, sizeof b), "0.0.0.0/0 ::/0",
	       "blocklist: deny equal to allow");
	is_str(blocklist_of("::/0, 0.0.0.0/0", "::1, 255.255.255.255", b, sizeof b),
	       "255.255.255.255/32 "
	       "::1/128 ::ffff:255.255.255.255/128 64:ff9b::ffff:ffff/128 2001::/32 2002:ffff:ffff::/48",
	       "blocklist: single hosts at the edges");
}

static void test_blocklist_default(void)
{
	char b[8192];
	struct scope s = {0};

	scope_default(&s);
	blocklist_text(&s, b, sizeof b);
	is_str(b,
	       "0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 "
	       "192.0.0.0/24 192.0.2.0/24 192.88.99.0/24 192.168.0.0/16 198.18.0.0/15 198.51.100.0/24 "
	       "203.0.113.0/24 224.0.0.0/3 "
	       "::/3 2001::/32 2001:db8::/32 2002::/16 4000::/2 8000::/1",
	       "blocklist: default scope");
	scope_free(&s);
}

/* xorshift64*: a fixed seed makes every run test the same addresses. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

/* An independent membership test: does block c hold addr? */
static int block_holds(const struct cidr *c, int family, const uint8_t *addr)
{
	if (c->family != family)
		return 0;
	for (int i = 0; i < c->prefix; i++) {
		int bit = 7 - i % 8;
		if (((c->addr[i / 8] >> bit) & 1) != ((addr[i / 8] >> bit) & 1))
			return 0;
	}
	return 1;
}

static int in_blocks(const struct cidr *v, int n, int family, const uint8_t *addr)
{
	for (int i = 0; i < n; i++)
		if (block_holds(&v[i], family, addr))
			return 1;
	return 0;
}

/* Adds or subtracts one from a big-endian number of len bytes. */
static void bytes_step(uint8_t *a, int len, int up)
{
	for (int i = len - 1; i >= 0; i--) {
		a[i] = (uint8_t)(a[i] + (up ? 1 : -1));
		if (a[i] != (up ? 0 : 0xff))
			return;
	}
}

/* A random address near the interesting edges: inside, at either end of, or next to a block. */
static void addr_near(const struct cidr *c, uint8_t *a)
{
	int len = c->family == AF_INET ? 4 : 16;
	int mode = (int)(rng() % 5);

	for (int i = 0; i < len; i++) {
		int hostbits = i * 8 + 8 - c->prefix;
		uint8_t hm = hostbits <= 0 ? 0 : hostbits >= 8 ? 0xff : (uint8_t)((1u << hostbits) - 1);
		uint8_t fill = mode == 1 || mode == 3 ? 0 : mode == 2 || mode == 4 ? 0xff : (uint8_t)rng();
		a[i] = (uint8_t)((c->addr[i] & ~hm) | (fill & hm));
	}
	if (mode == 3)
		bytes_step(a, len, 0);
	if (mode == 4)
		bytes_step(a, len, 1);
}

/* Turns a random address into an IPv4-mapped, NAT64, 6to4 or Teredo one. */
static void embed_prefix(uint8_t *a)
{
	static const uint8_t pre[4][12] = {
	    {[10] = 0xff, [11] = 0xff}, {0, 0x64, 0xff, 0x9b}, {0x20, 0x02}, {0x20, 0x01}};
	static const int len[4] = {12, 12, 2, 4};
	int k = (int)(rng() % 4);

	memcpy(a, pre[k], (size_t)len[k]);
}

/* Picks a family and address: uniform, IPv4-embedding, or near one of the given blocks. */
static int addr_pick(const struct cidr *hints, size_t nhints, uint8_t *a)
{
	int mode = (int)(rng() % 4);

	memset(a, 0, 16);
	for (int i = 0; i < 16; i += 8) {
		uint64_t x = rng();
		memcpy(a + i, &x, 8);
	}
	if (mode == 0)
		return AF_INET;
	if (mode == 2)
		embed_prefix(a);
	if (mode != 3 || nhints == 0)
		return AF_INET6;
	const struct cidr *c = &hints[rng() % nhints];
	addr_near(c, a);
	return c->family;
}

static int allows_bytes(const struct scope *s, int family, const uint8_t *a)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};

	if (family == AF_INET) {
		memcpy(&sin.sin_addr, a, 4);
		return scope_allows(s, (struct sockaddr *)&sin);
	}
	memcpy(&sin6.sin6_addr, a, 16);
	return scope_allows(s, (struct sockaddr *)&sin6);
}

/* Checks the blocklist is sorted, disjoint and has no two blocks that would merge. */
static int blocks_minimal(const struct cidr *v, int n)
{
	for (int i = 1; i < n; i++) {
		const struct cidr *a = &v[i - 1], *b = &v[i];
		int len = a->family == AF_INET ? 4 : 16;
		uint8_t next[16];
		if (a->family != b->family)
			continue;
		if (memcmp(a->addr, b->addr, (size_t)len) >= 0)
			return 0;
		for (int k = 0; k < len; k++) {
			int hostbits = k * 8 + 8 - a->prefix;
			next[k] = a->addr[k] | (hostbits <= 0   ? 0
			                        : hostbits >= 8 ? 0xff
			                                        : (1u << hostbits) - 1);
		}
		if (block_holds(a, b->family, b->addr) || block_holds(b, a->family, a->addr))
			return 0;
		bytes_step(next, len, 1);
		/* siblings: same size, a at an even position, b right after */
		if (a->prefix == b->prefix && a->prefix > 0 && memcmp(next, b->addr, (size_t)len) == 0 &&
		    !((a->addr[(a->prefix - 1) / 8] >> (7 - (a->prefix - 1) % 8)) & 1))
			return 0;
	}
	return 1;
}

static void property(const char *allow, const char *deny, const char *name)
{
	struct scope s = {0};
	struct cidr *bl = NULL, *hints;
	size_t nh = 0;
	int n, bad = 0, allowed = 0;
	char label[160];

	if (*allow)
		scope_add_list(&s, allow, 0, NULL, NULL);
	if (*deny)
		scope_add_list(&s, deny, 1, NULL, NULL);
	n = scope_blocklist(&s, &bl);
	hints = malloc((s.nallow + s.ndeny + (size_t)n + 1) * sizeof *hints);
	memcpy(hints + nh, s.allow, s.nallow * sizeof *hints), nh += s.nallow;
	memcpy(hints + nh, s.deny, s.ndeny * sizeof *hints), nh += s.ndeny;
	memcpy(hints + nh, bl, (size_t)n * sizeof *hints), nh += (size_t)n;
	for (int i = 0; i < 10000; i++) {
		uint8_t a[16];
		int family = addr_pick(hints, nh, a);
		int yes = allows_bytes(&s, family, a);
		allowed += yes;
		int blocked = in_blocks(bl, n, family, a);
		/* The blocklist drops all of Teredo when any IPv4 is out of scope (scope.c). */
		int teredo = family == AF_INET6 && a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0;
		if (yes == blocked && !(teredo && blocked) && bad++ < 5) {
			char t[64];
			inet_ntop(family, a, t, sizeof t);
			printf("# %s: %s allowed=%d\n", name, t, yes);
		}
	}
	snprintf(label, sizeof label, "property %s: allows == !blocklisted for 10000 addresses", name);
	is_int(bad, 0, label);
	snprintf(label, sizeof label, "property %s: both outcomes exercised", name);
	ok(allowed > 100 && allowed < 9900, label);
	snprintf(label, sizeof label, "property %s: blocklist sorted, disjoint, unmergeable", name);
	ok(blocks_minimal(bl, n), label);
	free(hints);
	free(bl);
	scope_free(&s);
}

static void test_property(void)
{
	property("0.0.0.0/0, 2000::/3",
	         "0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, "
	         "192.0.0.0/24, 192.0.2.0/24, 192.88.99.0/24, 192.168.0.0/16, 198.18.0.0/15, "
	         "198.51.100.0/24, 203.0.113.0/24, 224.0.0.0/4, 240.0.0.0/4, 255.255.255.255/32, "
	         "::1/128, fc00::/7, fe80::/10, ff00::/8, 2001:db8::/32, 64:ff9b::/96, ::ffff:0:0/96, "
	         "2001::/32, 2002::/16",
	         "default");
	property("127.0.0.0/8", "127.99.0.0/16", "loopback");
	property("0.0.0.0/0, ::/0",
	         "10.0.0.0/8, 192.168.1.0/24, 2001:db8::/32, ::ffff:8.8.8.0/120, 8.0.0.0/7",
	         "all minus some");
	property("0.0.0.0/0, ::/0", "10.0.0.0/8, 127.0.0.0/8, 2002:808::/32", "embedded v4");
	property("10.0.0.0/8, 2001:db8::/32, ::ffff:0:0/96, 1.2.3.4/31, 128.0.0.0/1",
	         "10.1.0.0/16, 2001:db8:1::/48, 10.255.255.255, 200.0.0.0/5", "mixed");
}

/* An IPv4-only scope allows no IPv6 block, so AAAA endpoints are skipped, not reported out of scope. */
static void test_family(void)
{
	struct scope s = {0};
	const char *bad;
	size_t badlen;
	is_int(scope_add_list(&s, "127.0.0.0/8", 0, &bad, &badlen), 0, "family: an IPv4 scope");
	is_int(scope_allows_family(&s, AF_INET), 1, "family: it allows IPv4");
	is_int(scope_allows_family(&s, AF_INET6), 0, "family: and no IPv6");
	is_int(scope_add_list(&s, "fd00::/8", 0, &bad, &badlen), 0, "family: a ULA block added");
	is_int(scope_allows_family(&s, AF_INET6), 1, "family: now IPv6 too");
	is_int(scope_allows_family(NULL, AF_INET), 0, "family: no scope allows nothing");
	scope_free(&s);
}

int main(void)
{
	test_family();
	test_cidr_parse();
	test_add_list();
	test_default();
	test_sockaddr();
	test_embedded();
	test_exclusions_win();
	test_blocklist_examples();
	test_blocklist_default();
	test_property();
	return done_testing();
}
