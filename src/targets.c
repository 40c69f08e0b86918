/*
 * Targets file parser. Works line by line: a quoted field never spans lines, so
 * one bad line cannot swallow the rest of the file. Every rejected line is
 * reported once with its reason; a missing header is reported too, though that
 * line is kept when it parses as data. Names must be UTF-8 because they end up
 * in JSON.
 */
#include "targets.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_BYTES 4096
#define ORG_ID_MAX     64
#define NAME_MAX_CHARS 256
#define DOMAIN_MAX     253
#define LABEL_MAX      63
#define SHOW_MAX       80
#define READ_MAX       ((size_t)256 << 20)
#define READ_FIRST     ((size_t)64 << 10)
#define MISSING_HEADER "missing header line (expected org_id,name,domain)"

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
	int header_done;         /* the first data-bearing line has been seen */
	int skipped;             /* lines rejected so far */
};

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

/* Collects the distinct domains of a line (fields 3..n) into t->domains, not yet copied. */
static int collect_domains(struct parse *ps, char *d, size_t nd, struct target *t)
{
	char shown[SHOW_MAX];
	const char *why;

	t->ndomains = 0;
	for (char *next; nd > 0; nd--, d = next) {
		next = d + strlen(d) + 1; /* before normalising shortens d */
		if (*d == '\0')
			continue; /* spreadsheets pad short rows with empty cells */
		if (normalise_domain(d, &why) < 0) {
			reject(ps, "invalid domain '%s': %s", show(d, shown, sizeof shown), why);
			return -EINVAL;
		}
		size_t k = 0;
		while (k < t->ndomains && strcmp(t->domains[k], d) != 0)
			k++;
		if (k < t->ndomains)
			continue;
		if (t->ndomains == TARGET_MAX_DOMAINS) {
			reject(ps, "more than %d domains", TARGET_MAX_DOMAINS);
			return -EINVAL;
		}
		t->domains[t->ndomains++] = d;
	}
	if (t->ndomains == 0) {
		reject(ps, "no domain given");
		return -EINVAL;
	}
	return 0;
}

/*
 * Fills t with pointers into f->buf when the line is a valid, new target.
 * -EINVAL (already reported) when it is not.
 */
static int check_fields(struct parse *ps, struct fields *f, struct target *t)
{
	char shown[SHOW_MAX];
	const char *why;

	if (f->n < 3) {
		reject(ps, "expected at least 3 fields (org_id,name,domain), found %zu", f->n);
		return -EINVAL;
	}
	t->org_id = f->buf;
	t->name = t->org_id + strlen(t->org_id) + 1;
	if (check_org_id(t->org_id, &why) < 0 || check_name(t->name, &why) < 0) {
		reject(ps, "%s", why);
		return -EINVAL;
	}
	if (collect_domains(ps, t->name + strlen(t->name) + 1, f->n - 2, t) < 0)
		return -EINVAL;
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

static void target_clear(struct target *t)
{
	free(t->org_id);
	free(t->name);
	for (size_t i = 0; i < t->ndomains; i++)
		free(t->domains[i]);
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

/* Appends a heap copy of the checked target `t` (whose strings point into a line buffer). */
static int append_copy(struct parse *ps, const struct target *t)
{
	struct target c = {.org_id = strdup(t->org_id), .name = strdup(t->name)};
	int r = -ENOMEM;

	if (c.org_id == NULL || c.name == NULL)
		goto out;
	for (; c.ndomains < t->ndomains; c.ndomains++) {
		c.domains[c.ndomains] = strdup(t->domains[c.ndomains]);
		if (c.domains[c.ndomains] == NULL)
			goto out;
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

/* 0 when the line was taken or rejected, -ENOMEM when it could not be stored. */
static int parse_data(struct parse *ps, const char *p, const char *end)
{
	struct fields f;
	struct target t = {0};
	const char *why;

	if (split_fields(p, end, &f, &why) < 0) {
		reject(ps, "%s", why);
		return 0;
	}
	if (check_fields(ps, &f, &t) < 0)
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

static int parse_line(struct parse *ps, const char *p, const char *end)
{
	const char *q = p;

	while (q < end && is_blank(*q))
		q++;
	if (q == end || *q == '#')
		return 0;
	if (!ps->header_done) {
		ps->header_done = 1;
		if (is_header(p, end))
			return 0;
		note(ps, MISSING_HEADER);
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
