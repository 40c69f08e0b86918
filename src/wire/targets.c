/*
 * Targets file parser. Works line by line: a quoted field never spans lines and a
 * JSON object never spans lines, so one bad line cannot swallow the rest of the
 * file. Every rejected line is reported once with its reason; a missing header is
 * reported too, though that line is kept when it parses as data. Names and tags
 * must be UTF-8 because they end up in JSON. All three forms meet in the same
 * checks (add_domain, add_host, add_address, add_tag, finish_target), so a file means
 * the same in any form. Given addresses are parsed here, not resolved or scope-checked:
 * the engine decides what it may contact.
 */
#include "targets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define LINE_MAX_BYTES 4096
#define ORG_ID_MAX     64
#define NAME_MAX_CHARS 256
#define DOMAIN_MAX     253
#define LABEL_MAX      63
#define SHOW_MAX       80
#define READ_MAX       ((size_t)256 << 20)
#define READ_FIRST     ((size_t)64 << 10)
#define MISSING_HEADER "missing header line (expected org_id,name,domain)"
#define COLS_MAX       32
#define BLANKS         " \t"
#define BLOCK_BITS     4 /* a CIDR block holds at most 2^4 = 16 addresses */

/* How the lines of a file are read, fixed by its first data-bearing line. */
enum form { FORM_UNKNOWN, FORM_POSITIONAL, FORM_NAMED, FORM_JSON };

/* What a named column holds. */
enum col { COL_ORG_ID, COL_NAME, COL_DOMAINS, COL_TAGS, COL_TAG, COL_HOSTS, COL_ADDRS };

/* A named header: the kind of each column and, for tag columns, the tag key. */
struct header {
	size_t n;                                   /* columns */
	unsigned char kind[COLS_MAX];               /* enum col */
	char key[COLS_MAX][TARGET_TAG_KEY_MAX + 1]; /* COL_TAG: the key, lower-cased */
};

/* org_id -> (index in the list, line it came from; 0 when loaded before this call). */
struct id_slot {
	size_t idx1; /* index + 1; 0 marks an empty slot */
	size_t line; /* line of the first occurrence */
};

struct id_set {
	struct id_slot *v; /* open addressing, linear probing */
	size_t cap;        /* a power of two, or 0 */
	size_t n;          /* occupied slots */
};

struct parse {
	struct target_list *out; /* where targets go */
	target_err_fn err;       /* may be NULL */
	void *arg;               /* for err */
	struct id_set ids;       /* every org_id in out */
	size_t line;             /* current line, 1-based */
	enum form form;          /* FORM_UNKNOWN until the first data-bearing line */
	int dead;                /* a bad named header: the rest cannot be read */
	int skipped;             /* lines rejected so far */
	struct header hdr;       /* FORM_NAMED: the columns */
	/* the current line's given addresses in canonical text; target.addrs point here */
	char addr_text[TARGET_MAX_ADDRS][INET6_ADDRSTRLEN];
};

/* A bare tag word has this value. */
static char bare_value[] = "true";

/* One data line split into fields: NUL-separated copies in buf. */
struct fields {
	char buf[LINE_MAX_BYTES + 1]; /* unquoted field text, each NUL-terminated */
	size_t n;                     /* number of fields */
};

static void note(struct parse *ps, const char *why)
{
	if (ps->err != NULL)
		ps->err(ps->arg, ps->line, why);
}

/* Makes untrusted text safe to quote in a message: printable ASCII only, truncated. */
static const char *show(const char *s, char *buf, size_t cap)
{
	size_t i = 0;

	for (; s[i] != '\0' && i + 1 < cap; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	if (s[i] != '\0' && cap > 4)
		memcpy(buf + cap - 4, "...", 4);
	return buf;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_id_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-';
}

/* FNV-1a */
static size_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return (size_t)h;
}

static struct id_slot *ids_find(const struct id_set *ids, const struct target_list *tl, const char *id)
{
	size_t i = hash_str(id) & (ids->cap - 1);

	while (ids->v[i].idx1 != 0 && strcmp(tl->v[ids->v[i].idx1 - 1].org_id, id) != 0)
		i = (i + 1) & (ids->cap - 1);
	return &ids->v[i];
}

static int ids_grow(struct id_set *ids, const struct target_list *tl)
{
	struct id_set bigger = {.cap = ids->cap ? ids->cap * 2 : 64};

	if (ids->n + 1 <= ids->cap / 2)
		return 0;
	bigger.v = calloc(bigger.cap, sizeof *bigger.v);
	if (bigger.v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < ids->cap; i++)
		if (ids->v[i].idx1 != 0)
			*ids_find(&bigger, tl, tl->v[ids->v[i].idx1 - 1].org_id) = ids->v[i];
	bigger.n = ids->n;
	free(ids->v);
	*ids = bigger;
	return 0;
}

/* The line where org_id `id` was first seen (0: before this call), or -1 when it is new. */
static long long ids_line(const struct id_set *ids, const struct target_list *tl, const char *id)
{
	if (ids->cap == 0)
		return -1;
	const struct id_slot *slot = ids_find(ids, tl, id);
	return slot->idx1 == 0 ? -1 : (long long)slot->line;
}

/* Records target `idx` of the list (already appended) as seen on `line`. */
static int ids_add(struct id_set *ids, const struct target_list *tl, size_t idx, size_t line)
{
	int r = ids_grow(ids, tl);

	if (r < 0)
		return r;
	struct id_slot *slot = ids_find(ids, tl, tl->v[idx].org_id);
	if (slot->idx1 == 0) {
		slot->idx1 = idx + 1;
		slot->line = line;
		ids->n++;
	}
	return 0;
}

/* Parses one quoted field starting after the opening quote. */
static int field_quoted(const char **pp, const char *end, char **dst, const char **why)
{
	const char *p = *pp;
	char *d = *dst;

	for (;;) {
		if (p == end) {
			*why = "unterminated quoted field";
			return -EINVAL;
		}
		if (*p == '"' && (p + 1 == end || p[1] != '"'))
			break;
		if (*p == '"')
			p++; /* "" is one quote */
		*d++ = *p++;
	}
	for (p++; p < end && is_blank(*p); p++)
		;
	if (p < end && *p != ',') {
		*why = "unexpected character after a closing quote";
		return -EINVAL;
	}
	*pp = p;
	*dst = d;
	return 0;
}

static int field_plain(const char **pp, const char *end, char **dst, const char **why)
{
	const char *p = *pp;
	char *d = *dst;

	for (; p < end && *p != ','; p++) {
		if (*p == '"') {
			*why = "quote inside an unquoted field (quote the whole field)";
			return -EINVAL;
		}
		*d++ = *p;
	}
	while (d > *dst && is_blank(d[-1]))
		d--;
	*pp = p;
	*dst = d;
	return 0;
}

/* Splits a line into fields (RFC 4180 quoting, blanks around fields trimmed). */
static int split_fields(const char *p, const char *end, struct fields *f, const char **why)
{
	char *d = f->buf;
	int r;

	f->n = 0;
	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p < end && *p == '"') {
			p++;
			r = field_quoted(&p, end, &d, why);
		} else {
			r = field_plain(&p, end, &d, why);
		}
		if (r < 0)
			return r;
		*d++ = '\0';
		f->n++;
		if (p == end)
			return 0;
		p++; /* the comma */
	}
}

static int check_org_id(const char *id, const char **why)
{
	size_t n = 0;

	while (id[n] != '\0' && is_id_char((unsigned char)id[n]))
		n++;
	if (id[n] != '\0')
		*why = "org_id has a character outside [A-Za-z0-9._-]";
	else if (n == 0)
		*why = "empty org_id";
	else if (n > ORG_ID_MAX)
		*why = "org_id longer than 64 characters";
	else
		return 0;
	return -EINVAL;
}

/* Length of the UTF-8 sequence at s (NUL-terminated), or 0 when it is malformed. */
static size_t utf8_seq(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp > 0x10ffff)
		return 0;
	return n;
}

static int check_name(const char *name, const char **why)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t chars = 0;

	if (*s == '\0') {
		*why = "empty name";
		return -EINVAL;
	}
	for (size_t n; *s != '\0'; s += n, chars++) {
		n = utf8_seq(s);
		if (n == 0) {
			*why = "name is not valid UTF-8";
			return -EINVAL;
		}
		if (*s < 0x20 || *s == 0x7f) {
			*why = "name contains a control character";
			return -EINVAL;
		}
	}
	if (chars > NAME_MAX_CHARS) {
		*why = "name longer than 256 characters";
		return -EINVAL;
	}
	return 0;
}

static int check_label(const char *l, size_t n, const char **why)
{
	if (n == 0)
		*why = "empty label";
	else if (n > LABEL_MAX)
		*why = "label longer than 63 characters";
	else if (l[0] == '-' || l[n - 1] == '-')
		*why = "label starts or ends with a hyphen";
	else if (strspn(l, "abcdefghijklmnopqrstuvwxyz0123456789-") < n)
		*why = "character outside letters, digits and hyphen (IDNs go in xn-- form)";
	else
		return 0;
	return -EINVAL;
}

/* Lower-cases d in place, drops one trailing dot and checks LDH syntax. */
static int normalise_domain(char *d, const char **why)
{
	size_t n = strlen(d), labels = 0, start = 0;

	if (n > 0 && d[n - 1] == '.')
		d[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] - 'A' + 'a');
	if (n > DOMAIN_MAX) {
		*why = "longer than 253 characters";
		return -EINVAL;
	}
	for (size_t i = 0; i <= n; i++) {
		if (i < n && d[i] != '.')
			continue;
		if (check_label(d + start, i - start, why) < 0)
			return -EINVAL;
		labels++;
		if (i < n)
			start = i + 1;
	}
	if (labels < 2) {
		*why = "needs at least two labels";
		return -EINVAL;
	}
	if (strspn(d + start, "0123456789") == n - start) {
		*why = "top-level label is all digits (an address is not a domain)";
		return -EINVAL;
	}
	return 0;
}

static void reject(struct parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reject(struct parse *ps, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	note(ps, why);
	if (ps->skipped < INT_MAX)
		ps->skipped++;
}

static int has_str(char *const *v, size_t n, const char *s)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(v[k], s) == 0)
			return 1;
	return 0;
}

/* Adds one domain (normalised in place) unless the target has it already. */
static int add_domain(struct parse *ps, struct target *t, char *d)
{
	char shown[SHOW_MAX];
	const char *why;

	if (normalise_domain(d, &why) < 0) {
		reject(ps, "invalid domain '%s': %s", show(d, shown, sizeof shown), why);
		return -EINVAL;
	}
	if (has_str(t->domains, t->ndomains, d))
		return 0;
	if (t->ndomains == TARGET_MAX_DOMAINS) {
		reject(ps, "more than %d domains", TARGET_MAX_DOMAINS);
		return -EINVAL;
	}
	t->domains[t->ndomains++] = d;
	return 0;
}

/*
 * Adds one given host name (normalised in place) unless the target has it already,
 * as a host or as a domain: a domain's apex is scanned anyway, so the host is dropped.
 * Callers add the domains first.
 */
static int add_host(struct parse *ps, struct target *t, char *h)
{
	char shown[SHOW_MAX];
	const char *why;

	if (normalise_domain(h, &why) < 0) {
		reject(ps, "invalid host '%s': %s", show(h, shown, sizeof shown), why);
		return -EINVAL;
	}
	if (has_str(t->domains, t->ndomains, h) || has_str(t->hosts, t->nhosts, h))
		return 0;
	if (t->nhosts == TARGET_MAX_HOSTS) {
		reject(ps, "more than %d hosts", TARGET_MAX_HOSTS);
		return -EINVAL;
	}
	t->hosts[t->nhosts++] = h;
	return 0;
}

/* An address or a CIDR block, as read. */
struct block {
	int af;               /* AF_INET or AF_INET6 */
	unsigned char ip[16]; /* network byte order; AF_INET uses the first 4 */
	unsigned bits;        /* 32 or 128 */
	unsigned prefix;      /* bits for a lone address */
};

/* A prefix length: 1 to 3 decimal digits, at most max. */
static int parse_prefix(const char *s, unsigned max, unsigned *out)
{
	size_t n = strspn(s, "0123456789");
	unsigned v = 0;

	if (n == 0 || n > 3 || s[n] != '\0')
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* ::ffff:a.b.c.d is the IPv4 address a.b.c.d, so one address has one text (and one scope). */
static void unmap_v4(struct block *b)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (b->af != AF_INET6 || b->prefix < 96 || memcmp(b->ip, mapped, sizeof mapped) != 0)
		return;
	memmove(b->ip, b->ip + 12, 4);
	b->af = AF_INET;
	b->bits = 32;
	b->prefix -= 96;
}

/* Parses ADDR or ADDR/LEN (s is restored); NULL when it is good, else the reason. */
static const char *parse_block(char *s, struct block *b)
{
	char *slash = strchr(s, '/');
	const char *why = NULL;

	memset(b, 0, sizeof *b);
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, s, b->ip) == 1)
		b->af = AF_INET, b->bits = 32;
	else if (inet_pton(AF_INET6, s, b->ip) == 1)
		b->af = AF_INET6, b->bits = 128;
	else
		why = "not an IPv4 or IPv6 address (nor a CIDR block of one)";
	b->prefix = b->bits;
	if (why == NULL && slash != NULL && parse_prefix(slash + 1, b->bits, &b->prefix) < 0)
		why = b->af == AF_INET ? "prefix length is not 0 to 32" : "prefix length is not 0 to 128";
	if (slash != NULL)
		*slash = '/';
	unmap_v4(b);
	return why;
}

/* Clears the host bits of b; whether any was set. */
static int mask_block(struct block *b)
{
	int set = 0;

	for (unsigned i = b->prefix; i < b->bits; i++) {
		unsigned char bit = (unsigned char)(0x80u >> (i % 8));
		set |= (b->ip[i / 8] & bit) != 0;
		b->ip[i / 8] &= (unsigned char)~bit;
	}
	return set;
}

/* Checks a parsed block: small, and no host bits; NULL when it is good, else the reason. */
static const char *check_block(struct block *b, char *why, size_t cap)
{
	char net[INET6_ADDRSTRLEN];

	if (b->bits - b->prefix > BLOCK_BITS) {
		snprintf(why, cap, "at most %d addresses per block (/%u or longer)", 1 << BLOCK_BITS,
		         b->bits - BLOCK_BITS);
		return why;
	}
	if (!mask_block(b))
		return NULL;
	/* a typo in a list of one's own addresses: say so rather than guess */
	inet_ntop(b->af, b->ip, net, sizeof net);
	snprintf(why, cap, "host bits set (the block is %s/%u)", net, b->prefix);
	return why;
}

/* Adds one address of a block unless the target has it already. */
static int add_one_address(struct parse *ps, struct target *t, int af, const unsigned char *ip)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(af, ip, text, sizeof text);
	if (has_str(t->addrs, t->naddrs, text))
		return 0;
	if (t->naddrs == TARGET_MAX_ADDRS) {
		reject(ps, "more than %d addresses (a block counts each of its addresses)", TARGET_MAX_ADDRS);
		return -EINVAL;
	}
	t->addrs[t->naddrs] = ps->addr_text[t->naddrs];
	memcpy(t->addrs[t->naddrs++], text, strlen(text) + 1);
	return 0;
}

/*
 * Adds an address, or every address of a CIDR block (the first and last too: these are
 * the organization's own addresses, not a subnet's hosts), in canonical text.
 */
static int add_address(struct parse *ps, struct target *t, char *a)
{
	char shown[SHOW_MAX], buf[128];
	struct block b;
	const char *why = parse_block(a, &b);
	unsigned char ip[16];

	if (why == NULL)
		why = check_block(&b, buf, sizeof buf);
	if (why != NULL) {
		reject(ps, "invalid address '%s': %s", show(a, shown, sizeof shown), why);
		return -EINVAL;
	}
	/* the host bits are clear and at most the last 4 */
	for (unsigned i = 0; i < 1u << (b.bits - b.prefix); i++) {
		memcpy(ip, b.ip, sizeof ip);
		ip[b.bits / 8 - 1] = (unsigned char)(ip[b.bits / 8 - 1] | i);
		if (add_one_address(ps, t, b.af, ip) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Adds the positional domain fields 3..n (NUL-separated at d). */
static int collect_domains(struct parse *ps, char *d, size_t nd, struct target *t)
{
	for (char *next; nd > 0; nd--, d = next) {
		next = d + strlen(d) + 1; /* before normalising shortens d */
		/* spreadsheets pad short rows with empty cells */
		if (*d != '\0' && add_domain(ps, t, d) < 0)
			return -EINVAL;
	}
	return 0;
}

static int check_tag_key(char *key, const char **why)
{
	size_t n = 0;

	for (; key[n] != '\0'; n++) {
		if (key[n] >= 'A' && key[n] <= 'Z')
			key[n] = (char)(key[n] - 'A' + 'a');
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", key[n]) == NULL) {
			*why = "tag key has a character outside [a-z0-9._-]";
			return -EINVAL;
		}
	}
	if (n == 0)
		*why = "empty tag key";
	else if (n > TARGET_TAG_KEY_MAX)
		*why = "tag key longer than 32 characters";
	else
		return 0;
	return -EINVAL;
}

/* Printable UTF-8 (no C0 or C1 controls), no `;` (the list separator), no blanks at the ends. */
static int check_tag_value(const char *v, const char **why)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t chars = 0, n = strlen(v);

	*why = NULL;
	if (n == 0)
		*why = "empty tag value";
	else if (is_blank(v[0]) || is_blank(v[n - 1]))
		*why = "tag value starts or ends with a blank";
	else if (strchr(v, ';') != NULL)
		*why = "tag value contains ';'";
	for (; *why == NULL && *s != '\0'; s += n, chars++) {
		n = utf8_seq(s);
		if (n == 0)
			*why = "tag value is not valid UTF-8";
		else if (*s < 0x20 || *s == 0x7f || (s[0] == 0xc2 && s[1] < 0xa0))
			*why = "tag value contains a control character";
	}
	if (*why == NULL && chars > TARGET_TAG_VAL_MAX)
		*why = "tag value longer than 128 characters";
	return *why == NULL ? 0 : -EINVAL;
}

/* Adds key=value (both checked; the key lower-cased in place). */
static int add_tag(struct parse *ps, struct target *t, char *key, char *value)
{
	char shown[SHOW_MAX];
	const char *why = NULL;

	if (check_tag_key(key, &why) < 0 || check_tag_value(value, &why) < 0) {
		reject(ps, "tag '%s': %s", show(key, shown, sizeof shown), why);
		return -EINVAL;
	}
	for (size_t k = 0; k < t->ntags; k++) {
		if (strcmp(t->tags[k].key, key) == 0) {
			reject(ps, "tag '%s' given twice", key);
			return -EINVAL;
		}
	}
	if (t->ntags == TARGET_MAX_TAGS) {
		reject(ps, "more than %d tags", TARGET_MAX_TAGS);
		return -EINVAL;
	}
	t->tags[t->ntags++] = (struct target_tag){.key = key, .value = value};
	return 0;
}

/* Trims blanks at both ends of s in place. */
static char *trim(char *s)
{
	size_t n;

	s += strspn(s, BLANKS);
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* A tags cell: `key=value` or a bare `key` (= true), separated by `;`. */
static int add_tag_list(struct parse *ps, struct target *t, char *s)
{
	for (char *item = s, *next; item != NULL; item = next) {
		char *semi = strchr(item, ';'), *eq;
		next = semi ? semi + 1 : NULL;
		if (semi)
			*semi = '\0';
		item = trim(item);
		if (*item == '\0')
			continue; /* `a=b;` and `;;` */
		eq = strchr(item, '=');
		if (eq)
			*eq = '\0';
		if (add_tag(ps, t, trim(item), eq ? trim(eq + 1) : bare_value) < 0)
			return -EINVAL;
	}
	return 0;
}

/* A domains, hosts or addresses cell: items separated by blanks or `;`, each given to add. */
static int add_list(struct parse *ps, struct target *t, char *s,
                    int (*add)(struct parse *, struct target *, char *))
{
	for (char *d = s; *d != '\0';) {
		d += strspn(d, BLANKS ";");
		size_t n = strcspn(d, BLANKS ";");
		if (n == 0)
			break;
		char *next = d[n] ? d + n + 1 : d + n;
		d[n] = '\0';
		if (add(ps, t, d) < 0)
			return -EINVAL;
		d = next;
	}
	return 0;
}

/* Checks org_id and name, and that the org_id is new. -EINVAL (reported) when not. */
static int check_identity(struct parse *ps, const struct target *t)
{
	const char *why;

	if (check_org_id(t->org_id, &why) < 0 || check_name(t->name, &why) < 0) {
		reject(ps, "%s", why);
		return -EINVAL;
	}
	return 0;
}

/* The checks every form ends with: a domain at least, and an org_id not seen before. */
static int finish_target(struct parse *ps, const struct target *t)
{
	char shown[SHOW_MAX];

	if (t->ndomains == 0) {
		reject(ps, "no domain given");
		return -EINVAL;
	}
	long long first = ids_line(&ps->ids, ps->out, t->org_id);
	if (first < 0)
		return 0;
	if (first == 0)
		reject(ps, "duplicate org_id %s (already loaded)", show(t->org_id, shown, sizeof shown));
	else
		reject(ps, "duplicate org_id %s (first on line %lld)", show(t->org_id, shown, sizeof shown),
		       first);
	return -EINVAL;
}

/*
 * Positional: fills t with pointers into f->buf when the line is a valid, new
 * target. -EINVAL (already reported) when it is not.
 */
static int check_fields(struct parse *ps, struct fields *f, struct target *t)
{
	if (f->n < 3) {
		reject(ps, "expected at least 3 fields (org_id,name,domain), found %zu", f->n);
		return -EINVAL;
	}
	t->org_id = f->buf;
	t->name = t->org_id + strlen(t->org_id) + 1;
	if (check_identity(ps, t) < 0)
		return -EINVAL;
	if (collect_domains(ps, t->name + strlen(t->name) + 1, f->n - 2, t) < 0)
		return -EINVAL;
	return finish_target(ps, t);
}

/* Named: the column a field belongs to; extra fields go to a last domains column. */
static int named_column(const struct header *h, size_t i)
{
	if (i < h->n)
		return (int)i;
	return h->kind[h->n - 1] == COL_DOMAINS ? (int)h->n - 1 : -1;
}

/* Named: the cells other than org_id, name and hosts, in column order. */
static int named_cells(struct parse *ps, struct fields *f, struct target *t)
{
	const struct header *h = &ps->hdr;
	char *cell = f->buf, *next;

	for (size_t i = 0; i < f->n; i++, cell = next) {
		int c = named_column(h, i), r = 0;
		next = cell + strlen(cell) + 1; /* before the cell is cut up */
		if (c < 0 || *cell == '\0')
			continue; /* an empty cell: no domain, no tag */
		if (h->kind[c] == COL_DOMAINS)
			r = add_list(ps, t, cell, add_domain);
		else if (h->kind[c] == COL_ADDRS)
			r = add_list(ps, t, cell, add_address);
		else if (h->kind[c] == COL_TAGS)
			r = add_tag_list(ps, t, cell);
		else if (h->kind[c] == COL_TAG)
			r = add_tag(ps, t, ps->hdr.key[c], trim(cell));
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Named: reads org_id and name first (as positional lines do), then the other columns,
 * then hosts, once every domain is known.
 */
static int named_fields(struct parse *ps, struct fields *f, struct target *t)
{
	static char empty[] = "";
	const struct header *h = &ps->hdr;
	char *cell = f->buf, *hosts = empty;

	t->org_id = t->name = empty;
	for (size_t i = 0; i < f->n; i++, cell += strlen(cell) + 1) {
		int c = named_column(h, i);
		if (c < 0 && *cell != '\0') {
			reject(ps, "more fields than the header's %zu columns", h->n);
			return -EINVAL;
		}
		if (c >= 0 && h->kind[c] == COL_ORG_ID)
			t->org_id = cell;
		else if (c >= 0 && h->kind[c] == COL_NAME)
			t->name = cell;
		else if (c >= 0 && h->kind[c] == COL_HOSTS)
			hosts = cell; /* never a last, extended column: only domains are */
	}
	if (check_identity(ps, t) < 0 || named_cells(ps, f, t) < 0 || add_list(ps, t, hosts, add_host) < 0)
		return -EINVAL;
	return finish_target(ps, t);
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

static void target_clear(struct target *t)
{
	free(t->org_id);
	free(t->name);
	free_strs(t->domains, t->ndomains);
	free_strs(t->hosts, t->nhosts);
	free_strs(t->addrs, t->naddrs);
	for (size_t i = 0; i < t->ntags; i++) {
		free(t->tags[i].key);
		free(t->tags[i].value);
	}
	memset(t, 0, sizeof *t);
}

static int list_grow(struct target_list *tl)
{
	if (tl->n < tl->cap)
		return 0;
	size_t cap = tl->cap ? tl->cap * 2 : 16;
	struct target *v = realloc(tl->v, cap * sizeof *v);
	if (v == NULL)
		return -ENOMEM;
	tl->v = v;
	tl->cap = cap;
	return 0;
}

/* Copies n strings; *done counts those copied, so target_clear frees a partial copy. */
static int copy_strs(char **dst, size_t *done, char *const *src, size_t n)
{
	for (; *done < n; ++*done) {
		dst[*done] = strdup(src[*done]);
		if (dst[*done] == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* Appends a heap copy of the checked target `t` (whose strings point into a line buffer). */
static int append_copy(struct parse *ps, const struct target *t)
{
	struct target c = {.org_id = strdup(t->org_id), .name = strdup(t->name)};
	int r = -ENOMEM;

	if (c.org_id == NULL || c.name == NULL ||
	    copy_strs(c.domains, &c.ndomains, t->domains, t->ndomains) < 0 ||
	    copy_strs(c.hosts, &c.nhosts, t->hosts, t->nhosts) < 0 ||
	    copy_strs(c.addrs, &c.naddrs, t->addrs, t->naddrs) < 0)
		goto out;
	for (; c.ntags < t->ntags; c.ntags++) {
		c.tags[c.ntags].key = strdup(t->tags[c.ntags].key);
		c.tags[c.ntags].value = strdup(t->tags[c.ntags].value);
		/* counted first, so target_clear frees a half-copied pair */
		if (c.tags[c.ntags].key == NULL || c.tags[c.ntags].value == NULL) {
			c.ntags++;
			goto out;
		}
	}
	if (list_grow(ps->out) < 0)
		goto out;
	ps->out->v[ps->out->n] = c;
	r = ids_add(&ps->ids, ps->out, ps->out->n, ps->line);
	if (r == 0)
		ps->out->n++;
out:
	if (r < 0)
		target_clear(&c);
	return r;
}

/* ---- JSON Lines ---- */

/* Copies of a line's JSON strings; decoded text never outgrows its encoding. */
struct scratch {
	char buf[LINE_MAX_BYTES + 1]; /* NUL-terminated copies */
	size_t used;                  /* bytes taken */
};

/* A NUL-terminated copy of s[0..n) in the scratch space; -EINVAL (reported) when it is full. */
static int scratch_put(struct parse *ps, struct scratch *sc, const char *s, size_t n, char **out)
{
	if (n + 1 > sizeof sc->buf - sc->used) {
		reject(ps, "line longer than %d bytes", LINE_MAX_BYTES);
		return -EINVAL;
	}
	*out = sc->buf + sc->used;
	memcpy(*out, s, n);
	(*out)[n] = '\0';
	sc->used += n + 1;
	return 0;
}

/* A JSON string value copied into the scratch space; -EINVAL (reported) when it is not one. */
static int json_text(struct parse *ps, struct scratch *sc, const json_t *v, const char *what, char **out)
{
	if (!json_is_string(v)) {
		reject(ps, "\"%s\" must be a string", what);
		return -EINVAL;
	}
	return scratch_put(ps, sc, json_string_value(v), json_string_length(v), out);
}

/* The array of strings under `key` (absent: none), each given to add. */
static int json_list(struct parse *ps, struct scratch *sc, json_t *o, const char *key, struct target *t,
                     int (*add)(struct parse *, struct target *, char *))
{
	const json_t *arr = json_object_get(o, key);
	char what[16];
	size_t i;
	json_t *v;
	char *d;

	if (arr != NULL && !json_is_array(arr)) {
		reject(ps, "\"%s\" must be an array of strings", key);
		return -EINVAL;
	}
	snprintf(what, sizeof what, "%s[]", key);
	json_array_foreach(arr, i, v)
	{
		if (json_text(ps, sc, v, what, &d) < 0 || add(ps, t, d) < 0)
			return -EINVAL;
	}
	return 0;
}

static int json_tags(struct parse *ps, struct scratch *sc, json_t *obj, struct target *t)
{
	char shown[SHOW_MAX], *key, *value;
	const char *k;
	json_t *v;

	if (obj != NULL && !json_is_object(obj)) {
		reject(ps, "\"tags\" must be an object");
		return -EINVAL;
	}
	json_object_foreach(obj, k, v)
	{
		if (scratch_put(ps, sc, k, strlen(k), &key) < 0)
			return -EINVAL;
		if (json_is_true(v))
			value = bare_value;
		else if (!json_is_string(v)) {
			reject(ps, "tag '%s' must be a string or true", show(key, shown, sizeof shown));
			return -EINVAL;
		} else if (json_text(ps, sc, v, "tags", &value) < 0)
			return -EINVAL;
		if (add_tag(ps, t, key, value) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Refuses keys other than org_id, name, domains, hosts, addresses and tags. */
static int json_keys(struct parse *ps, json_t *o)
{
	static const char *const known[] = {"org_id", "name", "domains", "hosts", "addresses", "tags"};
	char shown[SHOW_MAX];
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		size_t i = 0;
		while (i < sizeof known / sizeof known[0] && strcmp(k, known[i]) != 0)
			i++;
		if (i == sizeof known / sizeof known[0]) {
			reject(ps, "unknown key \"%s\"", show(k, shown, sizeof shown));
			return -EINVAL;
		}
	}
	return 0;
}

/* The JSON form of a target: org_id and name first, as in the CSV forms. */
static int json_target(struct parse *ps, json_t *o, struct scratch *sc, struct target *t)
{
	const char *missing = !json_object_get(o, "org_id") ? "org_id"
	                      : !json_object_get(o, "name") ? "name"
	                                                    : NULL;

	if (json_keys(ps, o) < 0)
		return -EINVAL;
	if (missing != NULL) {
		reject(ps, "missing \"%s\"", missing);
		return -EINVAL;
	}
	if (json_text(ps, sc, json_object_get(o, "org_id"), "org_id", &t->org_id) < 0 ||
	    json_text(ps, sc, json_object_get(o, "name"), "name", &t->name) < 0 || check_identity(ps, t) < 0)
		return -EINVAL;
	/* domains before hosts: a host that is a domain is dropped */
	if (json_list(ps, sc, o, "domains", t, add_domain) < 0 ||
	    json_list(ps, sc, o, "hosts", t, add_host) < 0 ||
	    json_list(ps, sc, o, "addresses", t, add_address) < 0 ||
	    json_tags(ps, sc, json_object_get(o, "tags"), t) < 0)
		return -EINVAL;
	return finish_target(ps, t);
}

/* 0 when the line was taken or rejected, -ENOMEM when it could not be stored. */
static int parse_json(struct parse *ps, const char *p, const char *end)
{
	char shown[128];
	struct scratch sc = {.used = 0};
	struct target t = {0};
	json_error_t je;
	json_t *o = json_loadb(p, (size_t)(end - p), JSON_REJECT_DUPLICATES, &je);
	int r = 0;

	if (o == NULL)
		reject(ps, "invalid JSON at column %d: %s", je.column, show(je.text, shown, sizeof shown));
	else if (!json_is_object(o))
		reject(ps, "expected a JSON object");
	else if (json_target(ps, o, &sc, &t) == 0)
		r = append_copy(ps, &t);
	json_decref(o);
	return r;
}

/* ---- CSV ---- */

/* 0 when the line was taken or rejected, -ENOMEM when it could not be stored. */
static int parse_data(struct parse *ps, const char *p, const char *end)
{
	struct fields f;
	struct target t = {0};
	const char *why;

	if (ps->form == FORM_JSON)
		return parse_json(ps, p, end);
	if (split_fields(p, end, &f, &why) < 0) {
		reject(ps, "%s", why);
		return 0;
	}
	if ((ps->form == FORM_NAMED ? named_fields(ps, &f, &t) : check_fields(ps, &f, &t)) < 0)
		return 0;
	return append_copy(ps, &t);
}

/* The header is recognised by its first field: org_id, quoted or not, any case. */
static int is_header(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	if (p < end && *p == '"')
		p++;
	if ((size_t)(end - p) < 6 || strncasecmp(p, "org_id", 6) != 0)
		return 0;
	return p + 6 == end || !is_id_char((unsigned char)p[6]);
}

/* A column only a named header has: its presence makes the header named. */
static int names_new_column(const char *f)
{
	static const char *const names[] = {"domains", "tags", "type", "region", "hosts", "addresses"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(f, names[i]) == 0)
			return 1;
	return strncasecmp(f, "tag:", 4) == 0;
}

/* Fixed columns of a named header, case-insensitive; `domain` and `domains` are one column. */
static const struct {
	const char *name;
	enum col kind;
} fixed_cols[] = {
    {"org_id", COL_ORG_ID}, {"name", COL_NAME},   {"domain", COL_DOMAINS},  {"domains", COL_DOMAINS},
    {"tags", COL_TAGS},     {"hosts", COL_HOSTS}, {"addresses", COL_ADDRS},
};

/* Whether column kind `kind` (or tag column `key`) is among the first i columns. */
static int column_seen(const struct header *h, size_t i, enum col kind, const char *key)
{
	for (size_t k = 0; k < i; k++)
		if (h->kind[k] == kind && (kind != COL_TAG || strcmp(h->key[k], key) == 0))
			return 1;
	return 0;
}

/* Copies and checks the key of a tag column; NULL when it is good, else the reason. */
static const char *header_key(char dst[TARGET_TAG_KEY_MAX + 1], const char *key)
{
	const char *why = NULL;
	size_t n = strlen(key);

	if (n > TARGET_TAG_KEY_MAX)
		return "tag key longer than 32 characters";
	memcpy(dst, key, n + 1);
	return check_tag_key(dst, &why) < 0 ? why : NULL;
}

/* Column i of a named header; -EINVAL (reported) when it is unknown or repeated. */
static int header_column(struct parse *ps, size_t i, char *f)
{
	char shown[SHOW_MAX];
	struct header *h = &ps->hdr;
	const char *key = f, *why = NULL;
	size_t k = 0;

	while (k < sizeof fixed_cols / sizeof fixed_cols[0] && strcasecmp(f, fixed_cols[k].name) != 0)
		k++;
	h->kind[i] = k < sizeof fixed_cols / sizeof fixed_cols[0] ? fixed_cols[k].kind : COL_TAG;
	if (h->kind[i] == COL_TAG && strncasecmp(f, "tag:", 4) == 0)
		key = f + 4;
	else if (h->kind[i] == COL_TAG && strcasecmp(f, "type") != 0 && strcasecmp(f, "region") != 0)
		why = "is unknown (org_id, name, domain or domains, hosts, addresses, tags, type, region, "
		      "tag:KEY)";
	if (why == NULL && h->kind[i] == COL_TAG)
		why = header_key(h->key[i], key);
	if (why == NULL && column_seen(h, i, h->kind[i], h->key[i]))
		why = "is given twice";
	if (why == NULL)
		return 0;
	reject(ps, "header: column '%s' %s", show(f, shown, sizeof shown), why);
	return -EINVAL;
}

/* Reads a named header into ps->hdr; -EINVAL (reported) when it cannot be used. */
static int named_header(struct parse *ps, struct fields *f)
{
	static const char *const need[] = {
	    [COL_ORG_ID] = "org_id", [COL_NAME] = "name", [COL_DOMAINS] = "domain"};
	char *field = f->buf;

	if (f->n > COLS_MAX) {
		reject(ps, "header: more than %d columns", COLS_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < f->n; i++, field += strlen(field) + 1)
		if (header_column(ps, i, field) < 0)
			return -EINVAL;
	ps->hdr.n = f->n;
	for (int kind = COL_ORG_ID; kind <= COL_DOMAINS; kind++) {
		if (!column_seen(&ps->hdr, f->n, (enum col)kind, NULL)) {
			reject(ps, "header: no %s column", need[kind]);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Whether the first data-bearing line is a header, and which: named when it has an
 * org_id column (anywhere) and a column beyond org_id, name and domain; positional
 * when its first field is org_id, and then (as always) only that field counts.
 */
static int parse_header(struct parse *ps, const char *p, const char *end)
{
	struct fields f;
	const char *why;
	char *field = f.buf;
	int named = 0, id = 0;

	if (end - p <= LINE_MAX_BYTES && memchr(p, '\0', (size_t)(end - p)) == NULL &&
	    split_fields(p, end, &f, &why) == 0) {
		for (size_t i = 0; i < f.n; i++, field += strlen(field) + 1) {
			named |= names_new_column(field);
			id |= strcasecmp(field, "org_id") == 0;
		}
	}
	if (named && id) {
		ps->form = FORM_NAMED;
		if (named_header(ps, &f) < 0)
			ps->dead = 1; /* lines cannot be read by columns that are not known */
		return 1;
	}
	ps->form = FORM_POSITIONAL;
	return is_header(p, end);
}

static int parse_line(struct parse *ps, const char *p, const char *end)
{
	const char *q = p;

	while (q < end && is_blank(*q))
		q++;
	if (q == end || *q == '#' || ps->dead)
		return 0;
	if (ps->form == FORM_UNKNOWN) {
		if (*q == '{') {
			ps->form = FORM_JSON;
		} else if (parse_header(ps, p, end)) {
			return 0;
		} else {
			note(ps, MISSING_HEADER);
		}
	}
	if (end - p > LINE_MAX_BYTES) {
		reject(ps, "line longer than %d bytes", LINE_MAX_BYTES);
		return 0;
	}
	if (memchr(p, '\0', (size_t)(end - p)) != NULL) {
		reject(ps, "NUL byte in line");
		return 0;
	}
	return parse_data(ps, p, end);
}

static int ids_seed(struct id_set *ids, const struct target_list *tl)
{
	for (size_t i = 0; i < tl->n; i++) {
		int r = ids_add(ids, tl, i, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Frees the targets appended since `n0`, so a failed call leaves the list as it was. */
static void list_truncate(struct target_list *tl, size_t n0)
{
	while (tl->n > n0)
		target_clear(&tl->v[--tl->n]);
}

int targets_parse(const char *buf, size_t len, struct target_list *out, target_err_fn err, void *arg)
{
	struct parse ps = {.out = out, .err = err, .arg = arg};
	const char *p = len ? buf : "", *end = p + len;
	size_t n0 = out->n;
	int r = ids_seed(&ps.ids, out);

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3; /* the byte-order mark spreadsheets write */
	while (r == 0 && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		ps.line++;
		r = parse_line(&ps, p, eol > p && eol[-1] == '\r' ? eol - 1 : eol);
		p = nl ? nl + 1 : end;
	}
	free(ps.ids.v);
	if (r < 0) {
		list_truncate(out, n0);
		return r;
	}
	return ps.skipped;
}

/* Doubles the read buffer, up to READ_MAX. */
static int read_grow(char **buf, size_t *cap)
{
	size_t ncap = *cap == 0 ? READ_FIRST : *cap * 2 < READ_MAX ? *cap * 2 : READ_MAX;
	char *nbuf = realloc(*buf, ncap);

	if (nbuf == NULL)
		return -ENOMEM;
	*buf = nbuf;
	*cap = ncap;
	return 0;
}

/* Reads all of f into a heap buffer; the cap keeps a wrong file from eating memory. */
static int slurp(FILE *f, char **out, size_t *outlen)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int r = 0;

	for (;;) {
		if (len == cap && cap == READ_MAX) {
			r = fgetc(f) != EOF ? -EFBIG : ferror(f) ? -EIO : 0;
			break;
		}
		if (len == cap && (r = read_grow(&buf, &cap)) < 0)
			break;
		size_t want = cap - len, n = fread(buf + len, 1, want, f);
		len += n;
		if (n < want) {
			/* a short read is end of file or an error */
			r = ferror(f) ? -EIO : 0;
			break;
		}
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int targets_read(FILE *f, struct target_list *out, target_err_fn err, void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	int r = slurp(f, &buf, &len);

	if (r < 0)
		return r;
	r = targets_parse(buf ? buf : "", len, out, err, arg);
	free(buf);
	return r;
}

void targets_free(struct target_list *tl)
{
	if (tl == NULL)
		return;
	list_truncate(tl, 0);
	free(tl->v);
	memset(tl, 0, sizeof *tl);
}
