/* DMARC record parser (RFC 7489 s6.3, s6.4). */
#include "wire_text.h"
#include "wire_dmarc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A tag as found in the text: name and value with surrounding whitespace removed. */
struct tag {
	const char *name; /* tag name */
	size_t nlen;      /* its length */
	const char *val;  /* value */
	size_t vlen;      /* its length */
};

/* The parse in progress. */
struct parser {
	const char *txt;                 /* the record text */
	struct dmarc_record *out;        /* the result being filled */
	struct tag seen[DMARC_MAX_TAGS]; /* tags so far, for the duplicate check */
	int p_set;                       /* 1 once a valid p= was read */
	int rua_valid;                   /* syntactically valid URIs in rua= */
	char p_error[160];               /* why p= was unusable, when it was */
	char sp_error[160];              /* why sp= was unusable, when it was */
};

static int is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void trim(const char **s, size_t *len)
{
	while (*len > 0 && is_wsp(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_wsp((*s)[*len - 1]))
		(*len)--;
}

static int token_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* A printable excerpt of network text for a message. */
static const char *quote(char *dst, size_t dstsz, const char *s, size_t len)
{
	return text_excerpt(dst, dstsz, s, len, 24);
}

static void invalid(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void invalid(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->out->reason, sizeof p->out->reason, fmt, ap);
	va_end(ap);
	p->out->valid = 0;
}

/* Appends `item` to a comma- or semicolon-separated summary, dropping what does not fit. */
static void append(char *buf, size_t bufsz, const char *sep, const char *item)
{
	size_t used = strlen(buf), need = (used ? strlen(sep) : 0) + strlen(item);
	if (used + need + 1 > bufsz)
		return;
	snprintf(buf + used, bufsz - used, "%s%s", used ? sep : "", item);
}

/* Records a known tag whose value is ignored in favour of the default (s6.3). */
static void ignore(struct parser *p, const struct tag *t, const char *why)
{
	char q[32], n[32], item[96];
	snprintf(item, sizeof item, "%s=%s (%s)", quote(n, sizeof n, t->name, t->nlen),
	         quote(q, sizeof q, t->val, t->vlen), why);
	p->out->nignored++;
	append(p->out->ignored, sizeof p->out->ignored, "; ", item);
}

static int parse_policy(const char *s, size_t len, enum dmarc_policy *out)
{
	if (token_is(s, len, "none"))
		*out = DMARC_POLICY_NONE;
	else if (token_is(s, len, "quarantine"))
		*out = DMARC_POLICY_QUARANTINE;
	else if (token_is(s, len, "reject"))
		*out = DMARC_POLICY_REJECT;
	else
		return -EINVAL;
	return 0;
}

/* 1*digits up to `maxdig`, value at most `max`. */
static int parse_uint(const char *s, size_t len, size_t maxdig, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (len == 0 || len > maxdig)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Splits s on `sep` (whitespace allowed around it) and checks each item with `ok`. */
static int each_item(const char *s, size_t len, char sep, int (*ok)(const char *, size_t))
{
	int n = 0;
	for (size_t i = 0; i <= len; n++) {
		const char *end = memchr(s + i, sep, len - i);
		size_t j = end != NULL ? (size_t)(end - s) : len;
		const char *item = s + i;
		size_t ilen = j - i;
		trim(&item, &ilen);
		if (!ok(item, ilen))
			return -EINVAL;
		i = j + 1;
	}
	return n;
}

static int fo_ok(const char *s, size_t len)
{
	return len == 1 && strchr("01ds", s[0]) != NULL && s[0] != '\0';
}

/* Keyword = ldh-str (RFC 5321): letters, digits, hyphens. */
static int keyword_ok(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]; commas and '!' inside must be escaped. */
static int uri_ok(const char *s, size_t len)
{
	size_t i = 0, colon, bang;
	if (len == 0 || !is_alpha(s[0]))
		return 0;
	while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	if (i == len || s[i] != ':')
		return 0;
	colon = i;
	for (bang = colon + 1; bang < len && s[bang] != '!'; bang++)
		if (s[bang] < 0x21 || s[bang] > 0x7e)
			return 0;
	if (bang == colon + 1)
		return 0;
	if (bang == len)
		return 1;
	size_t d = bang + 1, end = len;
	if (end > d && s[end - 1] != '\0' && strchr("kmgtKMGT", s[end - 1]) != NULL)
		end--;
	unsigned long size;
	return parse_uint(s + d, end - d, 9, 999999999UL, &size) == 0;
}

/* Items of a list that pass `ok`, whatever the others are. */
static int count_ok(const char *s, size_t len, char sep, int (*ok)(const char *, size_t))
{
	int n = 0;
	for (size_t i = 0; i <= len;) {
		const char *end = memchr(s + i, sep, len - i);
		size_t j = end != NULL ? (size_t)(end - s) : len;
		const char *item = s + i;
		size_t ilen = j - i;
		trim(&item, &ilen);
		n += ok(item, ilen);
		i = j + 1;
	}
	return n;
}

static void apply_uris(struct parser *p, const struct tag *t, struct dmarc_span *span, int *count)
{
	int n = each_item(t->val, t->vlen, ',', uri_ok);
	if (n < 0) {
		ignore(p, t, "bad URI");
		return;
	}
	*count = n;
	*span = (struct dmarc_span){(size_t)(t->val - p->txt), t->vlen};
}

static void apply_align(struct parser *p, const struct tag *t, char *out)
{
	if (t->vlen == 1 && (t->val[0] == 'r' || t->val[0] == 'R' || t->val[0] == 's' || t->val[0] == 'S'))
		*out = (char)(t->val[0] | 0x20);
	else
		ignore(p, t, "not r or s");
}

static void apply_pct(struct parser *p, const struct tag *t)
{
	unsigned long v;
	if (parse_uint(t->val, t->vlen, 3, 100, &v) == 0)
		p->out->pct = (int)v;
	else
		ignore(p, t, "not 0-100");
}

static void apply_ri(struct parser *p, const struct tag *t)
{
	unsigned long v;
	if (parse_uint(t->val, t->vlen, 10, 4294967295UL, &v) == 0)
		p->out->ri = v;
	else
		ignore(p, t, "not a 32-bit number of seconds");
}

static void apply_list(struct parser *p, const struct tag *t, char sep, int (*ok)(const char *, size_t),
                       struct dmarc_span *span, const char *why)
{
	if (each_item(t->val, t->vlen, sep, ok) < 0)
		ignore(p, t, why);
	else
		*span = (struct dmarc_span){(size_t)(t->val - p->txt), t->vlen};
}

static void apply_unknown(struct parser *p, const struct tag *t)
{
	char n[32];
	p->out->nunknown++;
	append(p->out->unknown, sizeof p->out->unknown, ",", quote(n, sizeof n, t->name, t->nlen));
}

/* Applies one tag after v=. Only p= can make the record invalid here. */
static void apply_tag(struct parser *p, const struct tag *t)
{
	struct dmarc_record *r = p->out;
	char q[32];
	if (token_is(t->name, t->nlen, "p")) {
		/* A bad p= is judged at the end: a valid rua= still makes it p=none (s6.6.3). */
		p->p_set = parse_policy(t->val, t->vlen, &r->p) == 0;
		if (!p->p_set)
			snprintf(p->p_error, sizeof p->p_error, "p=%s is not none, quarantine or reject",
			         quote(q, sizeof q, t->val, t->vlen));
	} else if (token_is(t->name, t->nlen, "sp")) {
		/* Not ignored as other optional tags are: s6.6.3 step 6 treats it as a bad p=. */
		r->has_sp = parse_policy(t->val, t->vlen, &r->sp) == 0;
		if (!r->has_sp)
			snprintf(p->sp_error, sizeof p->sp_error, "sp=%s is not none, quarantine or reject",
			         quote(q, sizeof q, t->val, t->vlen));
	} else if (token_is(t->name, t->nlen, "pct")) {
		apply_pct(p, t);
	} else if (token_is(t->name, t->nlen, "adkim")) {
		apply_align(p, t, &r->adkim);
	} else if (token_is(t->name, t->nlen, "aspf")) {
		apply_align(p, t, &r->aspf);
	} else if (token_is(t->name, t->nlen, "fo")) {
		apply_list(p, t, ':', fo_ok, &r->fo, "not 0, 1, d, s");
	} else if (token_is(t->name, t->nlen, "rf")) {
		apply_list(p, t, ':', keyword_ok, &r->rf, "not a list of format names");
	} else if (token_is(t->name, t->nlen, "ri")) {
		apply_ri(p, t);
	} else if (token_is(t->name, t->nlen, "rua")) {
		p->rua_valid = count_ok(t->val, t->vlen, ',', uri_ok);
		apply_uris(p, t, &r->rua, &r->nrua);
	} else if (token_is(t->name, t->nlen, "ruf")) {
		apply_uris(p, t, &r->ruf, &r->nruf);
	} else {
		apply_unknown(p, t);
	}
}

/*
 * Splits one segment into name and value: tag-name = ALPHA *(ALPHA / DIGIT / "_"),
 * then '=' with optional whitespace; the value is visible ASCII and whitespace.
 */
static int split_tag(const char *s, size_t len, struct tag *t)
{
	size_t i = 0;
	if (len == 0 || !is_alpha(s[0]))
		return -EINVAL;
	while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '_'))
		i++;
	*t = (struct tag){.name = s, .nlen = i};
	while (i < len && is_wsp(s[i]))
		i++;
	if (i == len || s[i] != '=')
		return -EINVAL;
	t->val = s + i + 1;
	t->vlen = len - i - 1;
	trim(&t->val, &t->vlen);
	for (size_t k = 0; k < t->vlen; k++)
		if (!is_wsp(t->val[k]) && (t->val[k] < 0x21 || t->val[k] > 0x7e))
			return -EINVAL;
	return 0;
}

static int is_duplicate(const struct parser *p, const struct tag *t)
{
	for (int i = 0; i < p->out->ntags - 1; i++)
		if (p->seen[i].nlen == t->nlen && strncasecmp(p->seen[i].name, t->name, t->nlen) == 0)
			return 1;
	return 0;
}

/* Handles one non-empty segment; returns 0 to go on, -1 once the record is invalid. */
static int handle_segment(struct parser *p, const char *s, size_t len)
{
	struct tag t;
	char q[32];
	int first = p->out->ntags == 0;
	if (split_tag(s, len, &t) < 0) {
		if (first)
			invalid(p, "v=DMARC1 must be the first tag");
		else
			ignore(p, &(struct tag){.name = s, .nlen = len, .val = "", .vlen = 0},
			       "malformed tag");
		return first ? -1 : 0;
	}
	if (p->out->ntags == DMARC_MAX_TAGS) {
		invalid(p, "more than %d tags", DMARC_MAX_TAGS);
		return -1;
	}
	p->seen[p->out->ntags++] = t;
	if (is_duplicate(p, &t)) {
		invalid(p, "duplicate tag '%s'", quote(q, sizeof q, t.name, t.nlen));
		return -1;
	}
	if (first && !token_is(t.name, t.nlen, "v"))
		invalid(p, "v=DMARC1 must be the first tag");
	else if (first && !token_is(t.val, t.vlen, "DMARC1"))
		invalid(p, "v=%s is not DMARC1", quote(q, sizeof q, t.val, t.vlen));
	else if (!first)
		apply_tag(p, &t);
	return p->out->valid ? 0 : -1;
}

/*
 * No usable p=, or an sp= that is not valid: s6.6.3 step 6 has receivers act as
 * if "v=DMARC1; p=none" was published when rua= holds at least one valid URI, and
 * apply no DMARC at all otherwise. A p= problem is named before an sp= one.
 */
static void no_policy(struct parser *p)
{
	const char *why = !p->p_set ? (p->p_error[0] != '\0' ? p->p_error : "p= tag missing") : p->sp_error;
	if (p->rua_valid > 0) {
		p->out->p = DMARC_POLICY_NONE;
		p->out->p_implied = 1;
		snprintf(p->out->implied, sizeof p->out->implied, "%s", why);
		/* The record acted on is "v=DMARC1; p=none": sp= goes with the rest. */
		p->out->has_sp = 0;
	} else {
		invalid(p, "%s", why);
	}
}

int dmarc_is_dmarc_record(const char *txt, size_t len)
{
	struct tag t;
	const char *s = txt;
	if (txt == NULL)
		return 0;
	const char *semi = memchr(txt, ';', len);
	size_t n = semi != NULL ? (size_t)(semi - txt) : len;
	trim(&s, &n);
	return split_tag(s, n, &t) == 0 && token_is(t.name, t.nlen, "v") && t.vlen >= 6 &&
	       strncasecmp(t.val, "DMARC1", 6) == 0 && (t.vlen == 6 || is_wsp(t.val[6]));
}

int dmarc_parse(const char *txt, size_t len, struct dmarc_record *out)
{
	if (txt == NULL || out == NULL)
		return -EINVAL;
	struct parser p = {.txt = txt, .out = out};
	*out = (struct dmarc_record){.valid = 1, .pct = 100, .adkim = 'r', .aspf = 'r', .ri = 86400};
	for (size_t i = 0; i <= len;) {
		const char *semi = memchr(txt + i, ';', len - i);
		size_t j = semi != NULL ? (size_t)(semi - txt) : len;
		const char *s = txt + i;
		size_t slen = j - i;
		trim(&s, &slen);
		if (slen > 0 && handle_segment(&p, s, slen) < 0)
			break;
		i = j + 1;
	}
	if (out->valid && out->ntags == 0)
		invalid(&p, "empty record");
	else if (out->valid && (!p.p_set || p.sp_error[0] != '\0'))
		no_policy(&p);
	if (!out->valid)
		out->p = out->sp = DMARC_POLICY_UNSET;
	else if (!out->has_sp)
		out->sp = out->p;
	if (out->valid)
		snprintf(out->reason, sizeof out->reason, "ok");
	return 0;
}

const char *dmarc_policy_name(enum dmarc_policy p)
{
	static const char *const names[] = {"unset", "none", "quarantine", "reject"};
	return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "unset";
}
