/* MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) records and policies; see wire_mtasts.h. */
#include "wire_mtasts.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* A piece of the input. */
struct span {
	const char *p; /* first byte */
	size_t n;      /* length */
};

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int span_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."), shared by both RFCs. */
static int ext_name_ok(struct span s)
{
	if (s.n == 0 || s.n > 32 || !is_alnum(s.p[0]))
		return 0;
	for (size_t i = 1; i < s.n; i++)
		if (!is_alnum(s.p[i]) && s.p[i] != '_' && s.p[i] != '-' && s.p[i] != '.')
			return 0;
	return 1;
}

/* ext-value: 1*(%x21-3A / %x3C / %x3E-7E): visible characters but ";" and "=". */
static int ext_value_ok(struct span s)
{
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c < 0x21 || c > 0x7e || c == ';' || c == '=')
			return 0;
	}
	return s.n > 0;
}

/* 1 when s[0..n) is `version` followed by ";", white space or the end. */
static int starts_version(const char *s, size_t n, const char *version)
{
	size_t vl = strlen(version);
	return n >= vl && memcmp(s, version, vl) == 0 && (n == vl || s[vl] == ';' || is_wsp(s[vl]));
}

/*
 * Walks the "name=value" fields after the version of a tag-value record (sep = *WSP ";"
 * *WSP, a trailing sep allowed), calling `field` for each; its error, or a syntax
 * error, ends the walk. Values run to the next ";" and white space around them is
 * trimmed. Returns NULL when the whole record was read.
 */
typedef const char *(*field_fn)(struct span name, struct span value, void *arg);

static const char *walk_fields(const char *s, size_t n, size_t at, field_fn field, void *arg)
{
	size_t nfields = 0;
	for (;;) {
		while (at < n && is_wsp(s[at]))
			at++;
		if (at == n)
			return nfields > 0 ? NULL : "no field after the version";
		if (s[at] != ';')
			return "fields must be separated by ';'";
		at++;
		while (at < n && is_wsp(s[at]))
			at++;
		if (at == n)
			return nfields > 0 ? NULL : "no field after the version";
		size_t start = at;
		while (at < n && s[at] != '=' && s[at] != ';')
			at++;
		if (at == n || s[at] != '=')
			return "a field without '='";
		struct span name = {s + start, at - start}, value = {s + at + 1, 0};
		at++;
		while (at < n && s[at] != ';')
			at++;
		value.n = (size_t)(s + at - value.p);
		while (value.n > 0 && is_wsp(value.p[value.n - 1]))
			value.n--;
		const char *err = field(name, value, arg);
		if (err != NULL)
			return err;
		nfields++;
	}
}

int mtasts_is_record(const char *s, size_t n)
{
	return starts_version(s, n, "v=STSv1");
}

static const char *sts_field(struct span name, struct span value, void *arg)
{
	struct mtasts_record *r = arg;
	if (!ext_name_ok(name))
		return "malformed field name";
	if (!span_is(name, "id"))
		return ext_value_ok(value) ? NULL : "malformed field value";
	if (r->id[0] != '\0')
		return "more than one id=";
	if (value.n == 0 || value.n > 32)
		return "id= must be 1 to 32 letters and digits";
	for (size_t i = 0; i < value.n; i++)
		if (!is_alnum(value.p[i]))
			return "id= must be 1 to 32 letters and digits";
	memcpy(r->id, value.p, value.n);
	r->id[value.n] = '\0';
	return NULL;
}

int mtasts_record_parse(const char *s, size_t n, struct mtasts_record *out)
{
	memset(out, 0, sizeof *out);
	if (!mtasts_is_record(s, n))
		out->error = "does not begin with v=STSv1";
	else
		out->error = walk_fields(s, n, strlen("v=STSv1"), sts_field, out);
	if (out->error == NULL && out->id[0] == '\0')
		out->error = "no id=";
	return out->error == NULL ? 0 : -EINVAL;
}

/* Domain (RFC 5321 s4.1.2): dot-separated labels of letters, digits and inner hyphens. */
static int domain_ok(const char *d, size_t n)
{
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = d[i];
		if (c == '.') {
			if (label == 0 || d[i - 1] == '-')
				return 0;
			label = 0;
		} else if (is_alnum(c) || (c == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0 && d[n - 1] != '-';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static const char *policy_mx(struct mtasts_policy *p, struct span v)
{
	if (v.n > 0 && v.p[v.n - 1] == '.')
		v.n--;
	size_t skip = v.n > 2 && v.p[0] == '*' && v.p[1] == '.' ? 2 : 0;
	if (v.n == 0 || v.n > MTASTS_NAME_MAX || !domain_ok(v.p + skip, v.n - skip))
		return "malformed mx pattern";
	if (p->nmx == MTASTS_MX_MAX)
		return "too many mx patterns";
	for (size_t i = 0; i < v.n; i++)
		p->mx[p->nmx][i] = lower(v.p[i]);
	p->mx[p->nmx++][v.n] = '\0';
	return NULL;
}

static const char *policy_max_age(struct mtasts_policy *p, struct span v)
{
	long age = 0;
	if (v.n == 0 || v.n > 10)
		return "malformed max_age";
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return "malformed max_age";
		age = age * 10 + (v.p[i] - '0');
	}
	if (age > MTASTS_MAX_AGE)
		return "max_age above 31557600";
	p->max_age = age;
	return NULL;
}

static enum mtasts_mode mode_of(struct span v)
{
	static const char *const names[] = {"none", "testing", "enforce"};
	for (size_t i = 0; i < 3; i++)
		if (span_is(v, names[i]))
			return (enum mtasts_mode)(MTASTS_MODE_NONE + i);
	return MTASTS_MODE_UNKNOWN;
}

/* One "key: value" line; `seen` marks version (1), mode (2) and max_age (4) already read. */
static const char *policy_line(struct mtasts_policy *p, struct span line, unsigned *seen)
{
	const char *colon = memchr(line.p, ':', line.n);
	if (colon == NULL)
		return "a line without ':'";
	struct span key = {line.p, (size_t)(colon - line.p)}, v = {colon + 1, 0};
	v.n = (size_t)(line.p + line.n - v.p);
	while (v.n > 0 && is_wsp(v.p[0]))
		v.p++, v.n--;
	while (v.n > 0 && is_wsp(v.p[v.n - 1]))
		v.n--;
	if (span_is(key, "mx"))
		return policy_mx(p, v);
	if (span_is(key, "version") && !(*seen & 1)) {
		*seen |= 1;
		return span_is(v, "STSv1") ? NULL : "version is not STSv1";
	}
	if (span_is(key, "mode") && !(*seen & 2)) {
		*seen |= 2;
		p->mode = mode_of(v);
		return p->mode != MTASTS_MODE_UNKNOWN ? NULL : "mode is not enforce, testing or none";
	}
	if (span_is(key, "max_age") && !(*seen & 4)) {
		*seen |= 4;
		return policy_max_age(p, v);
	}
	return ext_name_ok(key) ? NULL : "malformed key";
}

static const char *policy_lines(struct mtasts_policy *p, const char *s, size_t n)
{
	unsigned seen = 0;
	size_t at = 0;
	while (at < n) {
		const char *nl = memchr(s + at, '\n', n - at);
		struct span line = {s + at, nl ? (size_t)(nl - (s + at)) : n - at};
		at += line.n + (nl != NULL);
		if (line.n > 0 && line.p[line.n - 1] == '\r')
			line.n--;
		if (line.n == 0)
			continue;
		const char *err = policy_line(p, line, &seen);
		if (err != NULL)
			return err;
	}
	if (!(seen & 1))
		return "no version";
	if (!(seen & 2))
		return "no mode";
	if (!(seen & 4))
		return "no max_age";
	if (p->nmx == 0 && p->mode != MTASTS_MODE_NONE)
		return "no mx pattern";
	return NULL;
}

int mtasts_policy_parse(const char *s, size_t n, struct mtasts_policy *out)
{
	memset(out, 0, sizeof *out);
	out->max_age = -1;
	if (n > MTASTS_POLICY_MAX) {
		out->error = "policy larger than 64 KiB";
		return -EFBIG;
	}
	out->error = policy_lines(out, s, n);
	return out->error == NULL ? 0 : -EINVAL;
}

int mtasts_mx_match(const char *pattern, const char *host)
{
	size_t pl = strlen(pattern), hl = strlen(host);
	if (pl > 0 && pattern[pl - 1] == '.')
		pl--;
	if (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (pl > 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* The wildcard stands for exactly one label: the host's first. */
		const char *dot = memchr(host, '.', hl);
		if (dot == NULL || dot == host)
			return 0;
		size_t rest = hl - (size_t)(dot + 1 - host);
		return rest == pl - 2 && rest > 0 && strncasecmp(dot + 1, pattern + 2, rest) == 0;
	}
	return pl > 0 && pl == hl && strncasecmp(pattern, host, hl) == 0;
}

const char *mtasts_mode_name(enum mtasts_mode m)
{
	static const char *const names[] = {NULL, "none", "testing", "enforce"};
	return (unsigned)m < 4 ? names[m] : NULL;
}

int tlsrpt_is_record(const char *s, size_t n)
{
	return starts_version(s, n, "v=TLSRPTv1");
}

/* tlsrpt-uri: a mailto: address or an https: URL (s3), ASCII without spaces. */
static int rua_uri_ok(struct span u)
{
	for (size_t i = 0; i < u.n; i++)
		if ((unsigned char)u.p[i] <= 0x20 || (unsigned char)u.p[i] >= 0x7f)
			return 0;
	if (u.n > 7 && strncasecmp(u.p, "mailto:", 7) == 0) {
		const char *at = memchr(u.p + 7, '@', u.n - 7);
		return at != NULL && at > u.p + 7 && at < u.p + u.n - 1;
	}
	return u.n > 8 && strncasecmp(u.p, "https://", 8) == 0 && u.p[8] != '/';
}

static const char *rua_add(struct tlsrpt_record *r, struct span u)
{
	while (u.n > 0 && is_wsp(u.p[0]))
		u.p++, u.n--;
	while (u.n > 0 && is_wsp(u.p[u.n - 1]))
		u.n--;
	if (u.n > MTASTS_NAME_MAX || !rua_uri_ok(u))
		return "rua= holds a URI that is neither mailto: nor https:";
	if (r->nrua == TLSRPT_RUA_MAX)
		return "too many rua= URIs";
	memcpy(r->rua[r->nrua], u.p, u.n);
	r->rua[r->nrua++][u.n] = '\0';
	return NULL;
}

static const char *rpt_field(struct span name, struct span value, void *arg)
{
	struct tlsrpt_record *r = arg;
	if (!ext_name_ok(name))
		return "malformed field name";
	if (!span_is(name, "rua"))
		return ext_value_ok(value) ? NULL : "malformed field value";
	if (r->nrua > 0)
		return "more than one rua=";
	size_t start = 0;
	for (size_t i = 0; i <= value.n; i++) {
		if (i < value.n && value.p[i] != ',')
			continue;
		const char *err = rua_add(r, (struct span){value.p + start, i - start});
		if (err != NULL)
			return err;
		start = i + 1;
	}
	return NULL;
}

int tlsrpt_record_parse(const char *s, size_t n, struct tlsrpt_record *out)
{
	memset(out, 0, sizeof *out);
	if (!tlsrpt_is_record(s, n))
		out->error = "does not begin with v=TLSRPTv1";
	else
		out->error = walk_fields(s, n, strlen("v=TLSRPTv1"), rpt_field, out);
	if (out->error == NULL && out->nrua == 0)
		out->error = "no rua=";
	return out->error == NULL ? 0 : -EINVAL;
}
