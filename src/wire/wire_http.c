/* HTTP header value parsers: HSTS, CSP, X-Frame-Options, Referrer-Policy, cookies, Server. */
#include "wire_http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- character classes and spans ---- */

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* ASCII whitespace as CSP and the HTML standard use it. */
static int is_aws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 9110 tchar. */
static int is_tchar(char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static struct http_span span_make(const char *p, size_t n)
{
	struct http_span s = {n ? p : NULL, n};
	return s;
}

static struct http_span span_trim(const char *p, size_t n)
{
	while (n > 0 && is_aws(*p)) {
		p++;
		n--;
	}
	while (n > 0 && is_aws(p[n - 1]))
		n--;
	return span_make(p, n);
}

/* Case-insensitive equality of a span and a literal. */
static int span_is(struct http_span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && (n == 0 || strncasecmp(s.p, lit, n) == 0);
}

static int span_starts(struct http_span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && strncasecmp(s.p, lit, n) == 0;
}

/*
 * Walks `sep`-separated items of the span at *rest: stores the next item (trimmed)
 * in *item and advances. A separator at the end yields a last, empty item. Returns 0
 * when nothing is left (rest->p NULL).
 */
static int next_item(struct http_span *rest, char sep, struct http_span *item)
{
	if (rest->p == NULL)
		return 0;
	const char *end = rest->n ? memchr(rest->p, sep, rest->n) : NULL;
	size_t len = end ? (size_t)(end - rest->p) : rest->n;
	*item = span_trim(rest->p, len);
	if (end == NULL) {
		rest->p = NULL;
		rest->n = 0;
	} else {
		rest->p = end + 1;
		rest->n -= len + 1;
	}
	return 1;
}

/* The next whitespace-separated word of *rest, or 0 when none is left. */
static int next_word(struct http_span *rest, struct http_span *word)
{
	size_t i = 0;
	while (i < rest->n && is_aws(rest->p[i]))
		i++;
	size_t j = i;
	while (j < rest->n && !is_aws(rest->p[j]))
		j++;
	if (j == i)
		return 0;
	*word = span_make(rest->p + i, j - i);
	*rest = span_make(rest->p + j, rest->n - j);
	return 1;
}

static struct http_span span_of(const char *value)
{
	return span_make(value, value ? strlen(value) : 0);
}

/* ---- header lists ---- */

static const char *entry_value(const json_t *e, const char *name)
{
	if (name == NULL || !json_is_array(e) || json_array_size(e) < 2)
		return NULL;
	const char *n = json_string_value(json_array_get(e, 0));
	const char *v = json_string_value(json_array_get(e, 1));
	if (n == NULL || v == NULL || strcasecmp(n, name) != 0)
		return NULL;
	return v;
}

const char *http_header_get(const json_t *headers, const char *name, size_t nth)
{
	size_t i;
	json_t *e;
	json_array_foreach(headers, i, e)
	{
		const char *v = entry_value(e, name);
		if (v != NULL && nth-- == 0)
			return v;
	}
	return NULL;
}

size_t http_header_count(const json_t *headers, const char *name)
{
	size_t n = 0;
	while (http_header_get(headers, name, n) != NULL)
		n++;
	return n;
}

int http_header_join(const json_t *headers, const char *name, char **out)
{
	size_t i, len = 0, count = 0;
	json_t *e;
	const char *v;
	json_array_foreach(headers, i, e)
	{
		if ((v = entry_value(e, name)) == NULL)
			continue;
		len += strlen(v) + (count++ ? 2 : 0);
		if (len > HTTP_JOIN_MAX)
			return -E2BIG;
	}
	if (count == 0)
		return -ENOENT;
	char *s = malloc(len + 1), *w = s;
	if (s == NULL)
		return -ENOMEM;
	count = 0;
	json_array_foreach(headers, i, e)
	{
		if ((v = entry_value(e, name)) == NULL)
			continue;
		if (count++) {
			memcpy(w, ", ", 2);
			w += 2;
		}
		size_t n = strlen(v);
		memcpy(w, v, n);
		w += n;
	}
	*w = '\0';
	*out = s;
	return 0;
}

/* ---- Strict-Transport-Security ---- */

/* One STS directive as read: name and value (raw, quotes included when quoted). */
struct sts_dir {
	struct http_span name;  /* directive name */
	struct http_span value; /* its value; p NULL when there was no '=' */
	int has_eq;             /* an '=' followed the name */
	int quoted;             /* value is a quoted-string */
};

static int qdtext_ok(unsigned char c)
{
	return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80;
}

/* Reads a quoted-string at *pp (on the opening quote); NULL on success, else the error. */
static const char *read_quoted(const char **pp)
{
	const char *p = *pp + 1;
	for (;;) {
		unsigned char c = (unsigned char)*p;
		if (c == '\0')
			return "unterminated quoted-string";
		if (c == '"')
			break;
		if (c == '\\') {
			unsigned char q = (unsigned char)p[1];
			if (q == '\0' || !(q == '\t' || q >= 0x20) || q == 0x7f)
				return "bad escape in quoted-string";
			p += 2;
			continue;
		}
		if (!qdtext_ok(c))
			return "bad character in quoted-string";
		p++;
	}
	*pp = p + 1;
	return NULL;
}

/* Reads "name [= value]" at *pp into *d; NULL on success, else the error. */
static const char *read_sts_directive(const char **pp, struct sts_dir *d)
{
	const char *p = *pp, *start = p;
	while (is_tchar(*p))
		p++;
	if (p == start)
		return "syntax error: unexpected character";
	d->name = span_make(start, (size_t)(p - start));
	while (is_ows(*p))
		p++;
	if (*p == '=') {
		d->has_eq = 1;
		p++;
		while (is_ows(*p))
			p++;
		start = p;
		if (*p == '"') {
			const char *err = read_quoted(&p);
			if (err != NULL)
				return err;
			d->quoted = 1;
		} else {
			while (is_tchar(*p))
				p++;
		}
		if (p == start)
			return "empty directive value";
		d->value = span_make(start, (size_t)(p - start));
	}
	*pp = p;
	return NULL;
}

/* max-age: 1*DIGIT, possibly inside a quoted-string (quoted-pairs unescaped). */
static const char *sts_max_age(const struct sts_dir *d, long long *out)
{
	if (!d->has_eq)
		return "max-age has no value";
	const char *p = d->value.p, *end = d->value.p + d->value.n;
	if (d->quoted) {
		p++;
		end--;
	}
	long long v = 0;
	int digits = 0;
	for (; p < end; p++) {
		if (*p == '\\' && d->quoted)
			p++;
		if (!is_digit(*p))
			return "max-age is not a number";
		v = v > HSTS_MAX_AGE_CAP / 10 ? HSTS_MAX_AGE_CAP : v * 10 + (*p - '0');
		digits++;
	}
	if (digits == 0)
		return "max-age is not a number";
	*out = v > HSTS_MAX_AGE_CAP ? HSTS_MAX_AGE_CAP : v;
	return NULL;
}

/* Applies one directive to *h; NULL or the reason it makes the header invalid. */
static const char *sts_apply(const struct sts_dir *d, struct hsts *h, int *seen_age)
{
	if (span_is(d->name, "max-age")) {
		if ((*seen_age)++)
			return "max-age given twice";
		return sts_max_age(d, &h->max_age);
	}
	if (span_is(d->name, "includeSubDomains")) {
		if (h->include_subdomains++)
			return "includeSubDomains given twice";
		return d->has_eq ? "includeSubDomains takes no value" : NULL;
	}
	if (span_is(d->name, "preload"))
		h->preload = 1;
	return NULL;
}

static const char *sts_parse(const char *p, struct hsts *h)
{
	int seen_age = 0;
	for (;;) {
		while (is_ows(*p))
			p++;
		if (*p == ';') {
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		struct sts_dir d = {0};
		const char *err = read_sts_directive(&p, &d);
		if (err == NULL)
			err = sts_apply(&d, h, &seen_age);
		if (err != NULL)
			return err;
		while (is_ows(*p))
			p++;
		if (*p != ';' && *p != '\0')
			return "syntax error: directives must be separated by ';'";
	}
	return seen_age ? NULL : "max-age missing";
}

int http_parse_hsts(const char *value, struct hsts *out)
{
	if (value == NULL || out == NULL)
		return -EINVAL;
	struct hsts h = {.max_age = -1};
	h.error = sts_parse(value, &h);
	h.valid = h.error == NULL;
	if (h.include_subdomains > 1)
		h.include_subdomains = 1;
	*out = h;
	return 0;
}

/* ---- Content-Security-Policy ---- */

/* What one policy says about scripts and framing. */
struct csp_policy {
	struct http_span script_src;  /* script-src list */
	struct http_span default_src; /* default-src list */
	struct http_span frame_anc;   /* frame-ancestors list */
	int has_script, has_default;  /* those directives were present */
	int has_frame;                /* frame-ancestors was present */
	unsigned ndirectives;         /* well-formed directives */
};

/* What a source list says about inline scripts and eval. */
struct src_flags {
	int unsafe_inline; /* 'unsafe-inline' */
	int unsafe_eval;   /* 'unsafe-eval' */
	int nonce_or_hash; /* 'nonce-...' or 'sha256/384/512-...' */
	int strict_dyn;    /* 'strict-dynamic' */
	int wildcard;      /* '*' or a bare scheme such as "https:" */
};

/* 'nonce-VALUE' or 'shaNNN-VALUE' with a non-empty VALUE (CSP3 nonce-source, hash-source). */
static int is_hash_source(struct http_span w)
{
	static const char *const prefixes[] = {"'nonce-", "'sha256-", "'sha384-", "'sha512-"};
	if (w.n < 3 || w.p[w.n - 1] != '\'')
		return 0;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (w.n > strlen(prefixes[i]) + 1 && span_starts(w, prefixes[i]))
			return 1;
	return 0;
}

/* A scheme-source alone ("https:", "data:") matches every host of that scheme. */
static int is_bare_scheme(struct http_span w)
{
	if (w.n < 2 || w.p[w.n - 1] != ':' || !is_alnum(w.p[0]))
		return 0;
	for (size_t i = 1; i + 1 < w.n; i++)
		if (!is_alnum(w.p[i]) && w.p[i] != '+' && w.p[i] != '-' && w.p[i] != '.')
			return 0;
	return 1;
}

static struct src_flags source_flags(struct http_span list)
{
	struct src_flags f = {0};
	struct http_span w;
	while (next_word(&list, &w)) {
		f.unsafe_inline |= span_is(w, "'unsafe-inline'");
		f.unsafe_eval |= span_is(w, "'unsafe-eval'");
		f.strict_dyn |= span_is(w, "'strict-dynamic'");
		f.nonce_or_hash |= is_hash_source(w);
		f.wildcard |= span_is(w, "*") || is_bare_scheme(w);
	}
	return f;
}

static int directive_name_ok(struct http_span name)
{
	for (size_t i = 0; i < name.n; i++)
		if (!is_alnum(name.p[i]) && name.p[i] != '-')
			return 0;
	return name.n > 0;
}

/* Records one directive in *pol; the first of a repeated directive wins. */
static void csp_directive(struct csp_policy *pol, struct http_span d)
{
	struct http_span name, rest = d;
	if (!next_word(&rest, &name) || !directive_name_ok(name))
		return;
	rest = span_trim(rest.p, rest.n);
	pol->ndirectives++;
	if (span_is(name, "script-src") && !pol->has_script) {
		pol->has_script = 1;
		pol->script_src = rest;
	} else if (span_is(name, "default-src") && !pol->has_default) {
		pol->has_default = 1;
		pol->default_src = rest;
	} else if (span_is(name, "frame-ancestors") && !pol->has_frame) {
		pol->has_frame = 1;
		pol->frame_anc = rest;
	}
}

static void csp_merge_scripts(struct csp *c, const struct csp_policy *pol)
{
	if (!pol->has_script && !pol->has_default)
		return;
	const char *dir = pol->has_script ? "script-src" : "default-src";
	struct http_span list = pol->has_script ? pol->script_src : pol->default_src;
	struct src_flags f = source_flags(list);
	int neutralised = f.unsafe_inline && (f.nonce_or_hash || f.strict_dyn);
	if (!c->restricts_scripts) {
		c->restricts_scripts = 1;
		c->script_directive = dir;
		c->script_sources = list;
	}
	c->inline_allowed &= f.unsafe_inline && !neutralised;
	c->eval_allowed &= f.unsafe_eval;
	c->inline_neutralised |= neutralised;
}

static void csp_merge_framing(struct csp *c, const struct csp_policy *pol)
{
	if (!pol->has_frame)
		return;
	if (!c->frame_ancestors) {
		c->frame_ancestors = 1;
		c->frame_ancestors_value = pol->frame_anc;
	}
	/* Policies intersect: one restrictive list is enough. */
	if (!source_flags(pol->frame_anc).wildcard)
		c->frame_ancestors_restricts = 1;
}

int http_parse_csp(const char *value, struct csp *out)
{
	if (value == NULL || out == NULL)
		return -EINVAL;
	struct csp c = {.inline_allowed = 1, .eval_allowed = 1};
	struct http_span policies = span_of(value), ptext, dtext;
	while (next_item(&policies, ',', &ptext)) {
		struct csp_policy pol = {0};
		while (next_item(&ptext, ';', &dtext))
			csp_directive(&pol, dtext);
		if (pol.ndirectives == 0)
			continue;
		c.npolicies++;
		c.ndirectives += pol.ndirectives;
		csp_merge_scripts(&c, &pol);
		csp_merge_framing(&c, &pol);
	}
	*out = c;
	return 0;
}

/* ---- X-Frame-Options ---- */

static enum xfo xfo_token(struct http_span t)
{
	if (span_is(t, "deny"))
		return XFO_DENY;
	if (span_is(t, "sameorigin"))
		return XFO_SAMEORIGIN;
	if (span_is(t, "allowall"))
		return XFO_ALLOWALL;
	if (span_is(t, "allow-from") || (t.n > 10 && span_starts(t, "allow-from") && is_aws(t.p[10])))
		return XFO_ALLOW_FROM;
	return XFO_INVALID;
}

enum xfo http_parse_xfo(const char *value)
{
	if (value == NULL)
		return XFO_ABSENT;
	enum xfo result = XFO_ABSENT;
	struct http_span rest = span_of(value), t;
	while (next_item(&rest, ',', &t)) {
		if (t.n == 0)
			continue;
		enum xfo x = xfo_token(t);
		if (result != XFO_ABSENT && x != result)
			return XFO_CONFLICT;
		result = x;
	}
	return result == XFO_ABSENT ? XFO_INVALID : result;
}

const char *xfo_name(enum xfo x)
{
	static const char *const names[] = {"absent",   "DENY",        "SAMEORIGIN", "ALLOW-FROM",
	                                    "ALLOWALL", "conflicting", "invalid"};
	return (unsigned)x < sizeof names / sizeof names[0] ? names[x] : "invalid";
}

/* ---- X-Content-Type-Options ---- */

int http_is_nosniff(const char *value)
{
	struct http_span rest = span_of(value), first;
	if (!next_item(&rest, ',', &first))
		return 0;
	return span_is(first, "nosniff");
}

/* ---- Referrer-Policy ---- */

static const char *const referrer_names[] = {
    [REF_ABSENT] = "absent",
    [REF_UNRECOGNISED] = "unrecognised",
    [REF_NO_REFERRER] = "no-referrer",
    [REF_NO_REFERRER_WHEN_DOWNGRADE] = "no-referrer-when-downgrade",
    [REF_SAME_ORIGIN] = "same-origin",
    [REF_ORIGIN] = "origin",
    [REF_STRICT_ORIGIN] = "strict-origin",
    [REF_ORIGIN_WHEN_CROSS_ORIGIN] = "origin-when-cross-origin",
    [REF_STRICT_ORIGIN_WHEN_CROSS_ORIGIN] = "strict-origin-when-cross-origin",
    [REF_UNSAFE_URL] = "unsafe-url",
};

#define NREFERRER (sizeof referrer_names / sizeof referrer_names[0])

enum referrer http_parse_referrer(const char *value)
{
	if (value == NULL)
		return REF_ABSENT;
	enum referrer r = REF_UNRECOGNISED;
	struct http_span rest = span_of(value), t;
	while (next_item(&rest, ',', &t))
		for (unsigned i = REF_NO_REFERRER; i < NREFERRER; i++)
			if (span_is(t, referrer_names[i]))
				r = (enum referrer)i;
	return r;
}

int referrer_is_safe(enum referrer r)
{
	switch (r) {
	case REF_NO_REFERRER:
	case REF_SAME_ORIGIN:
	case REF_ORIGIN:
	case REF_STRICT_ORIGIN:
	case REF_ORIGIN_WHEN_CROSS_ORIGIN:
	case REF_STRICT_ORIGIN_WHEN_CROSS_ORIGIN:
		return 1;
	default:
		return 0;
	}
}

const char *referrer_name(enum referrer r)
{
	return (unsigned)r < NREFERRER ? referrer_names[r] : "unrecognised";
}

/* ---- Set-Cookie ---- */

/* RFC 6265bis s5.6 limits: longer pairs are ignored, longer attribute values skipped. */
#define COOKIE_PAIR_MAX 4096
#define COOKIE_ATTR_MAX 1024

static int has_ctl(struct http_span s)
{
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 1;
	}
	return 0;
}

static enum samesite samesite_value(struct http_span v)
{
	if (span_is(v, "strict"))
		return SAMESITE_STRICT;
	if (span_is(v, "lax"))
		return SAMESITE_LAX;
	if (span_is(v, "none"))
		return SAMESITE_NONE;
	return SAMESITE_INVALID;
}

/* Max-Age: '-'? DIGIT+; zero or negative expires the cookie at once. Else -1 (ignored). */
static int max_age_deletes(struct http_span v)
{
	size_t i = v.n > 0 && v.p[0] == '-' ? 1 : 0;
	int nonzero = 0;
	if (i == v.n)
		return -1;
	for (size_t j = i; j < v.n; j++) {
		if (!is_digit(v.p[j]))
			return -1;
		nonzero |= v.p[j] != '0';
	}
	return i == 1 || !nonzero;
}

static void cookie_attribute(struct cookie *c, struct http_span a)
{
	const char *eq = a.p ? memchr(a.p, '=', a.n) : NULL;
	size_t nlen = eq ? (size_t)(eq - a.p) : a.n;
	struct http_span name = span_trim(a.p, nlen);
	struct http_span val = eq ? span_trim(eq + 1, a.n - nlen - 1) : span_make(NULL, 0);
	if (val.n > COOKIE_ATTR_MAX)
		return;
	if (span_is(name, "secure"))
		c->secure = 1;
	else if (span_is(name, "httponly"))
		c->httponly = 1;
	else if (span_is(name, "samesite"))
		c->samesite = samesite_value(val);
	else if (span_is(name, "max-age")) {
		int d = max_age_deletes(val);
		if (d >= 0)
			c->deletes = d;
	}
}

int http_parse_cookie(const char *value, struct cookie *out)
{
	if (value == NULL || out == NULL)
		return -EINVAL;
	struct http_span rest = span_of(value), pair = {NULL, 0}, attr;
	next_item(&rest, ';', &pair);
	if (has_ctl(pair))
		return -EINVAL;
	const char *eq = pair.p ? memchr(pair.p, '=', pair.n) : NULL;
	struct cookie c = {0};
	/* Without '=', 6265bis makes the whole pair the value of a nameless cookie. */
	c.name = eq ? span_trim(pair.p, (size_t)(eq - pair.p)) : span_make(NULL, 0);
	if (pair.n == 0 || (eq != NULL && pair.n == 1) || pair.n > COOKIE_PAIR_MAX)
		return -EINVAL;
	while (next_item(&rest, ';', &attr))
		cookie_attribute(&c, attr);
	*out = c;
	return 0;
}

const char *samesite_name(enum samesite s)
{
	static const char *const names[] = {"unset", "Strict", "Lax", "None", "invalid"};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "invalid";
}

/* ---- Server / X-Powered-By ---- */

int http_discloses_version(const char *value, struct http_span *token)
{
	if (value == NULL)
		return 0;
	for (const char *p = value; *p != '\0'; p++) {
		if (*p != '/' || p == value || !is_tchar(p[-1]) || !is_digit(p[1]))
			continue;
		const char *b = p, *e = p + 1;
		while (b > value && is_tchar(b[-1]))
			b--;
		while (*e != '\0' && !is_aws(*e) && !strchr("();,", *e))
			e++;
		if (token != NULL)
			*token = span_make(b, (size_t)(e - b));
		return 1;
	}
	return 0;
}
