/* SPF record parser and include/redirect tree evaluator (RFC 7208). */
#include "wire_text.h"
#include "wire_spf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- Character classes (ASCII only: the locale must not change the grammar) ---- */

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ---- Parser ---- */

struct parser {
	struct spf_record rec; /* the record being built */
	size_t cap;            /* terms allocated */
	char *err;             /* caller's error buffer, may be NULL */
	size_t errsz;          /* its size */
};

/* Copies up to 48 bytes of network text for an error message, unprintables as '?'. */
/* A printable excerpt of network text for a message. */
static const char *quote(char *dst, size_t dstsz, const char *s, size_t len)
{
	return text_excerpt(dst, dstsz, s, len, 48);
}

static int syntax(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int syntax(struct parser *p, const char *fmt, ...)
{
	if (p->err != NULL && p->errsz > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err, p->errsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * Length of the macro-expand at s[0] == '%' (s7.1), or 0 when malformed. In a
 * domain-spec the letters c, r and t are not allowed (s7.2: exp text only).
 */
static size_t macro_len(const char *s, size_t len, int domain_spec)
{
	const char *letters = domain_spec ? "slodiphv" : "slodiphvcrt";
	if (len < 2)
		return 0;
	if (s[1] == '%' || s[1] == '_' || s[1] == '-')
		return 2;
	if (s[1] != '{' || len < 4 || s[2] == '\0' || strchr(letters, to_lower(s[2])) == NULL)
		return 0;
	size_t i = 3;
	unsigned digits = 0, value = 0;
	for (; i < len && is_digit(s[i]); i++, digits++)
		if (value < 1000)
			value = value * 10 + (unsigned)(s[i] - '0');
	/* s7.3: a DIGIT transformer must be nonzero. */
	if (digits > 0 && value == 0)
		return 0;
	if (i < len && to_lower(s[i]) == 'r')
		i++;
	while (i < len && s[i] != '\0' && strchr(".-+,/_=", s[i]) != NULL)
		i++;
	return i < len && s[i] == '}' ? i + 1 : 0;
}

/*
 * Checks a macro-string; `*tail` gets the offset just past its last macro-expand
 * (0 without one), where a domain-spec's literal domain-end must start.
 */
static int check_macro_string(struct parser *p, const char *s, size_t len, int domain_spec, size_t *tail)
{
	char q[64];
	*tail = 0;
	for (size_t i = 0; i < len;) {
		if (s[i] == '%') {
			size_t n = macro_len(s + i, len - i, domain_spec);
			if (n == 0)
				return syntax(p, "bad macro in '%s'", quote(q, sizeof q, s, len));
			i += n;
			*tail = i;
		} else if (s[i] >= 0x21 && s[i] <= 0x7e) {
			i++;
		} else {
			return syntax(p, "bad character in '%s'", quote(q, sizeof q, s, len));
		}
	}
	return 0;
}

/* toplabel (s7.1): alphanumerics and hyphens, alphanumeric at both ends, not all digits. */
static int is_toplabel(const char *s, size_t len)
{
	int alpha = 0, hyphen = 0;
	if (len == 0 || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '-')
			hyphen = 1;
		else if (is_alpha(s[i]))
			alpha = 1;
		else if (!is_digit(s[i]))
			return 0;
	}
	return alpha || hyphen;
}

/* domain-spec = macro-string domain-end; domain-end = "." toplabel ["."] / macro-expand */
static int check_domain_spec(struct parser *p, const char *s, size_t len)
{
	char q[64];
	size_t tail;
	if (len == 0)
		return syntax(p, "empty domain-spec");
	int rc = check_macro_string(p, s, len, 1, &tail);
	if (rc < 0 || tail == len)
		return rc;
	size_t end = s[len - 1] == '.' ? len - 1 : len, dot = end;
	while (dot > tail && s[dot - 1] != '.')
		dot--;
	if (dot == tail || !is_toplabel(s + dot, end - dot))
		return syntax(p, "domain '%s' does not end in a top-level label", quote(q, sizeof q, s, len));
	return 0;
}

/* A CIDR length: "0" or digits without a leading zero, at most `max`. */
static int parse_cidr(struct parser *p, const char *s, size_t len, int max, int *out)
{
	char q[64];
	int v = 0;
	if (len == 0 || len > 3 || (s[0] == '0' && len > 1))
		return syntax(p, "bad CIDR length '/%s'", quote(q, sizeof q, s, len));
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return syntax(p, "bad CIDR length '/%s'", quote(q, sizeof q, s, len));
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return syntax(p, "CIDR length /%d out of range 0-%d", v, max);
	*out = v;
	return 0;
}

/* Offset where a run of digits ending at `end` starts. */
static size_t digits_start(const char *s, size_t end)
{
	while (end > 0 && is_digit(s[end - 1]))
		end--;
	return end;
}

/* Strips a trailing dual-cidr-length ("/24", "//64", "/24//64") from s; *len shrinks. */
static int split_dual_cidr(struct parser *p, const char *s, size_t *len, struct spf_term *t)
{
	size_t end = *len, k = digits_start(s, end);
	int rc;
	if (k < end && k >= 2 && s[k - 1] == '/' && s[k - 2] == '/') {
		if ((rc = parse_cidr(p, s + k, end - k, 128, &t->cidr6)) < 0)
			return rc;
		end = k - 2;
		k = digits_start(s, end);
	}
	if (k < end && k >= 1 && s[k - 1] == '/') {
		if ((rc = parse_cidr(p, s + k, end - k, 32, &t->cidr4)) < 0)
			return rc;
		end = k - 1;
	}
	*len = end;
	return 0;
}

static int set_arg(struct spf_term *t, const char *s, size_t len)
{
	t->arg = strndup(s, len);
	return t->arg != NULL ? 0 : -ENOMEM;
}

/* "include:" and "exists:" need a domain-spec; "ptr" may have one. */
static int parse_domain_arg(struct parser *p, struct spf_term *t, const char *rest, size_t rlen, int required)
{
	char q[64];
	int rc;
	if (rlen == 0 && !required)
		return 0;
	if (rlen == 0 || rest[0] != ':')
		return syntax(p, "'%s' needs ':domain'", quote(q, sizeof q, t->text, strlen(t->text)));
	if ((rc = check_domain_spec(p, rest + 1, rlen - 1)) < 0)
		return rc;
	return set_arg(t, rest + 1, rlen - 1);
}

/* a and mx: [":" domain-spec] [dual-cidr-length] */
static int parse_a_mx(struct parser *p, struct spf_term *t, const char *rest, size_t rlen)
{
	int has_domain = rlen > 0 && rest[0] == ':';
	const char *d = has_domain ? rest + 1 : rest;
	size_t dlen = has_domain ? rlen - 1 : rlen;
	char q[64];
	int rc = split_dual_cidr(p, d, &dlen, t);
	if (rc < 0)
		return rc;
	if (!has_domain && dlen > 0)
		return syntax(p, "malformed term '%s'", quote(q, sizeof q, t->text, strlen(t->text)));
	if (!has_domain)
		return 0;
	if ((rc = check_domain_spec(p, d, dlen)) < 0)
		return rc;
	return set_arg(t, d, dlen);
}

/* ip4 and ip6: ":" address ["/" length]; the address must satisfy inet_pton. */
static int parse_ip(struct parser *p, struct spf_term *t, const char *rest, size_t rlen, int af)
{
	const char *name = af == AF_INET ? "IPv4" : "IPv6";
	char q[64], buf[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	if (rlen < 2 || rest[0] != ':')
		return syntax(p, "'%s' needs ':address'", quote(q, sizeof q, t->text, strlen(t->text)));
	const char *a = rest + 1, *slash = memchr(a, '/', rlen - 1);
	size_t alen = slash != NULL ? (size_t)(slash - a) : rlen - 1;
	if (alen == 0 || alen >= sizeof buf)
		return syntax(p, "invalid %s address '%s'", name, quote(q, sizeof q, a, alen));
	memcpy(buf, a, alen);
	buf[alen] = '\0';
	if (inet_pton(af, buf, bin) != 1)
		return syntax(p, "invalid %s address '%s'", name, quote(q, sizeof q, a, alen));
	if (slash != NULL) {
		int *cidr = af == AF_INET ? &t->cidr4 : &t->cidr6;
		int rc = parse_cidr(p, slash + 1, rlen - 1 - alen - 1, af == AF_INET ? 32 : 128, cidr);
		if (rc < 0)
			return rc;
	}
	return set_arg(t, a, alen);
}

static const struct {
	const char *name;
	enum spf_kind kind;
} mechanisms[] = {
    {"all", SPF_ALL}, {"include", SPF_INCLUDE}, {"a", SPF_A},     {"mx", SPF_MX},
    {"ptr", SPF_PTR}, {"ip4", SPF_IP4},         {"ip6", SPF_IP6}, {"exists", SPF_EXISTS},
};

static int mechanism_kind(const char *s, size_t len, enum spf_kind *kind)
{
	for (size_t i = 0; i < sizeof mechanisms / sizeof mechanisms[0]; i++)
		if (strlen(mechanisms[i].name) == len && strncasecmp(mechanisms[i].name, s, len) == 0) {
			*kind = mechanisms[i].kind;
			return 0;
		}
	return -ENOENT;
}

/* A directive after its qualifier: mechanism name, then its arguments. */
static int parse_mechanism(struct parser *p, struct spf_term *t, const char *s, size_t len)
{
	char q[64];
	size_t n = 0;
	while (n < len && is_alnum(s[n]))
		n++;
	if (n == 0 || (n < len && s[n] != ':' && s[n] != '/'))
		return syntax(p, "malformed term '%s'", quote(q, sizeof q, t->text, strlen(t->text)));
	if (mechanism_kind(s, n, &t->kind) < 0)
		return syntax(p, "unknown mechanism '%s'", quote(q, sizeof q, s, n));
	const char *rest = s + n;
	size_t rlen = len - n;
	switch (t->kind) {
	case SPF_ALL:
		return rlen == 0 ? 0 : syntax(p, "'all' takes no argument");
	case SPF_INCLUDE:
	case SPF_EXISTS:
		return parse_domain_arg(p, t, rest, rlen, 1);
	case SPF_PTR:
		return parse_domain_arg(p, t, rest, rlen, 0);
	case SPF_A:
	case SPF_MX:
		return parse_a_mx(p, t, rest, rlen);
	case SPF_IP4:
		return parse_ip(p, t, rest, rlen, AF_INET);
	default:
		return parse_ip(p, t, rest, rlen, AF_INET6);
	}
}

/* name=value; redirect and exp take a domain-spec and appear at most once (s6). */
static int parse_modifier(struct parser *p, struct spf_term *t, const char *s, size_t nlen, size_t len)
{
	const char *v = s + nlen + 1;
	size_t vlen = len - nlen - 1, tail;
	int rc;
	if (nlen == 8 && strncasecmp(s, "redirect", 8) == 0)
		t->kind = SPF_REDIRECT;
	else if (nlen == 3 && strncasecmp(s, "exp", 3) == 0)
		t->kind = SPF_EXP;
	else
		t->kind = SPF_MODIFIER;
	if (t->kind == SPF_MODIFIER)
		rc = check_macro_string(p, v, vlen, 0, &tail);
	else if ((t->kind == SPF_REDIRECT && p->rec.redirect) || (t->kind == SPF_EXP && p->rec.exp))
		rc = syntax(p, "duplicate %s= modifier", t->kind == SPF_REDIRECT ? "redirect" : "exp");
	else
		rc = check_domain_spec(p, v, vlen);
	if (rc == 0)
		rc = set_arg(t, v, vlen);
	if (rc == 0 && t->kind == SPF_REDIRECT)
		p->rec.redirect = t->arg;
	if (rc == 0 && t->kind == SPF_EXP)
		p->rec.exp = t->arg;
	return rc;
}

static int qualifier_of(char c, enum spf_qualifier *q)
{
	switch (c) {
	case '+':
		*q = SPF_QUAL_PASS;
		return 1;
	case '-':
		*q = SPF_QUAL_FAIL;
		return 1;
	case '~':
		*q = SPF_QUAL_SOFTFAIL;
		return 1;
	case '?':
		*q = SPF_QUAL_NEUTRAL;
		return 1;
	default:
		*q = SPF_QUAL_PASS;
		return 0;
	}
}

static struct spf_term *term_new(struct parser *p, const char *s, size_t len)
{
	if (p->rec.nterms == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct spf_term *v = realloc(p->rec.terms, cap * sizeof *v);
		if (v == NULL)
			return NULL;
		p->rec.terms = v;
		p->cap = cap;
	}
	struct spf_term *t = &p->rec.terms[p->rec.nterms];
	*t = (struct spf_term){.cidr4 = -1, .cidr6 = -1, .text = strndup(s, len)};
	if (t->text == NULL)
		return NULL;
	p->rec.nterms++;
	return t;
}

static int parse_term(struct parser *p, const char *s, size_t len)
{
	struct spf_term *t = term_new(p, s, len);
	char q[64];
	if (t == NULL)
		return -ENOMEM;
	enum spf_qualifier qual;
	size_t off = (size_t)qualifier_of(s[0], &qual), n = 0;
	/* A modifier name is ALPHA *(ALPHA / DIGIT / "-" / "_" / ".") followed by '='. */
	while (off + n < len && s[off + n] != '\0' &&
	       (is_alnum(s[off + n]) || strchr("-_.", s[off + n]) != NULL))
		n++;
	if (off + n < len && s[off + n] == '=') {
		if (off > 0)
			return syntax(p, "qualifier on modifier '%s'", quote(q, sizeof q, s, len));
		if (n == 0 || !is_alpha(s[0]))
			return syntax(p, "bad modifier name in '%s'", quote(q, sizeof q, s, len));
		return parse_modifier(p, t, s, n, len);
	}
	t->qual = qual;
	return parse_mechanism(p, t, s + off, len - off);
}

static int is_lookup_term(enum spf_kind k)
{
	return k == SPF_INCLUDE || k == SPF_A || k == SPF_MX || k == SPF_PTR || k == SPF_EXISTS;
}

/* Derives nreach, all, includes and lookups from the parsed terms. */
static int finish(struct spf_record *rec)
{
	rec->nreach = rec->nterms;
	for (size_t i = 0; i < rec->nterms; i++)
		if (rec->terms[i].kind == SPF_ALL) {
			rec->nreach = i + 1;
			rec->all = rec->terms[i].qual;
			break;
		}
	rec->includes = calloc(rec->nreach ? rec->nreach : 1, sizeof *rec->includes);
	if (rec->includes == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < rec->nreach; i++) {
		if (is_lookup_term(rec->terms[i].kind))
			rec->lookups++;
		if (rec->terms[i].kind == SPF_INCLUDE)
			rec->includes[rec->nincludes++] = rec->terms[i].arg;
	}
	if (rec->redirect != NULL && rec->all == SPF_QUAL_NONE)
		rec->lookups++;
	return 0;
}

int spf_is_spf_record(const char *txt)
{
	return txt != NULL && strncasecmp(txt, "v=spf1", 6) == 0 && (txt[6] == '\0' || txt[6] == ' ');
}

int spf_parse(const char *txt, size_t len, struct spf_record *out, char *err, size_t errsz)
{
	struct parser p = {.err = err, .errsz = errsz};
	int rc = 0;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (txt == NULL || out == NULL)
		return -EINVAL;
	if (len > SPF_MAX_LEN)
		return syntax(&p, "record longer than %d bytes", SPF_MAX_LEN);
	if (len < 6 || strncasecmp(txt, "v=spf1", 6) != 0 || (len > 6 && txt[6] != ' '))
		return syntax(&p, "record does not start with 'v=spf1'");
	/* s3, s4.5: an SPF record is US-ASCII; anything else is a permanent error. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)txt[i] >= 0x80)
			return syntax(&p, "non-ASCII byte 0x%02x at offset %zu", (unsigned char)txt[i], i);
	for (size_t i = 6; i < len && rc == 0;) {
		size_t j;
		while (i < len && txt[i] == ' ')
			i++;
		for (j = i; j < len && txt[j] != ' ';)
			j++;
		if (j > i)
			rc = parse_term(&p, txt + i, j - i);
		i = j;
	}
	if (rc == 0)
		rc = finish(&p.rec);
	if (rc < 0)
		goto out;
	*out = p.rec;
	return 0;
out:
	spf_record_clear(&p.rec);
	return rc;
}

void spf_record_clear(struct spf_record *rec)
{
	if (rec == NULL)
		return;
	for (size_t i = 0; i < rec->nterms; i++) {
		free(rec->terms[i].text);
		free(rec->terms[i].arg);
	}
	free(rec->terms);
	free(rec->includes);
	memset(rec, 0, sizeof *rec);
}

char *spf_txt_decode(const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len + 1), *o = out;
	for (size_t i = 0; out != NULL && i < len; i++) {
		unsigned v = 256;
		if (s[i] == '\\' && i + 3 < len && is_digit(s[i + 1]) && is_digit(s[i + 2]) &&
		    is_digit(s[i + 3]))
			v = (unsigned)(s[i + 1] - '0') * 100 + (unsigned)(s[i + 2] - '0') * 10 +
			    (unsigned)(s[i + 3] - '0');
		if (v > 255) {
			*o++ = s[i];
			continue;
		}
		*o++ = v == 0 ? 0x7f : (char)v;
		i += 3;
	}
	if (out != NULL)
		*o = '\0';
	return out;
}

const char *spf_qualifier_str(enum spf_qualifier q)
{
	static const char *const s[] = {"", "+", "-", "~", "?"};
	return (unsigned)q < sizeof s / sizeof s[0] ? s[q] : "";
}

/* ---- Evaluator ---- */

/* The effective `all` of a record, carried back up a redirect chain. */
struct eff {
	enum spf_qualifier all; /* the qualifier found */
	int known;              /* 0 when it depends on something not observed */
	char why[32];           /* then the reason */
	char by[128];           /* the term that matches every sender, "" when `all` (or none) decides */
	unsigned maybe;         /* bit q: a term of qualifier q might have matched every sender */
	char maybe_why[5][32];  /* for each such qualifier, why it is not known (first term's reason) */
};

struct walker {
	spf_fetch_fn fetch;                         /* the caller's answer lookup */
	void *ctx;                                  /* its context */
	enum spf_rrtype addr_type;                  /* SPF_RR_A or SPF_RR_AAAA: the sender's family */
	int nfetches;                               /* a/mx/exists answers asked for so far */
	struct spf_eval ev;                         /* the result being built */
	const char *path[SPF_EVAL_MAX_RECORDS + 1]; /* names on the current include/redirect path */
	size_t depth;                               /* how many */
	int nrecords;                               /* records evaluated so far */
};

static int note_add(struct spf_notes *ns, enum spf_problem kind, const char *name, const char *text)
{
	ns->total++;
	if (ns->n >= SPF_EVAL_MAX_NOTES)
		return 0;
	if (ns->v == NULL && (ns->v = calloc(SPF_EVAL_MAX_NOTES, sizeof *ns->v)) == NULL)
		return -ENOMEM;
	struct spf_note nt = {kind, strdup(name), strdup(text)};
	if (nt.name == NULL || nt.text == NULL) {
		free(nt.name);
		free(nt.text);
		return -ENOMEM;
	}
	ns->v[ns->n++] = nt;
	return 0;
}

static int problem(struct walker *w, enum spf_problem kind, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int problem(struct walker *w, enum spf_problem kind, const char *name, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return note_add(&w->ev.problems, kind, name, buf);
}

static void notes_clear(struct spf_notes *ns)
{
	for (size_t i = 0; i < ns->n; i++) {
		free(ns->v[i].name);
		free(ns->v[i].text);
	}
	free(ns->v);
	memset(ns, 0, sizeof *ns);
}

static void eff_unknown(struct eff *e, const char *why)
{
	if (e == NULL || !e->known)
		return;
	e->known = 0;
	snprintf(e->why, sizeof e->why, "%s", why);
}

/*
 * A term of qualifier `q` might have matched every sender, but `why` it is not
 * known. The evaluation goes on as if it did not match (the receiver would go on
 * too when it does not); eff_settle() decides whether it could change the result.
 */
static void eff_maybe(struct eff *e, enum spf_qualifier q, const char *why)
{
	if ((unsigned)q >= sizeof e->maybe_why / sizeof e->maybe_why[0] || (e->maybe & 1u << q))
		return;
	e->maybe |= 1u << q;
	snprintf(e->maybe_why[q], sizeof e->maybe_why[q], "%s", why);
}

/*
 * Unknown when a term that might have matched would have given another result
 * than the one reached: an unseen lookup never lets the `all` after it decide.
 */
static void eff_settle(struct eff *e)
{
	for (unsigned q = 0; e->known && q < sizeof e->maybe_why / sizeof e->maybe_why[0]; q++)
		if ((e->maybe & 1u << q) && q != (unsigned)e->all)
			eff_unknown(e, e->maybe_why[q]);
}

/* Lower case, without one trailing dot: the form dns.spf keys use. */
static char *normalize_name(const char *s)
{
	size_t len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		len--;
	char *n = strndup(s, len);
	for (size_t i = 0; n != NULL && i < len; i++)
		n[i] = to_lower(n[i]);
	return n;
}

static int on_path(const struct walker *w, const char *name)
{
	for (size_t i = 0; i < w->depth; i++)
		if (strcmp(w->path[i], name) == 0)
			return 1;
	return 0;
}

static int walk_record(struct walker *w, const char *name, const char *txt, size_t len, struct eff *eff);

/* The one SPF record among a name's TXT strings; counts are kept for the caller. */
static const char *pick_spf(const struct spf_answer *a, size_t *count)
{
	const char *found = NULL;
	*count = 0;
	for (size_t i = 0; i < a->nrr; i++)
		if (spf_is_spf_record(a->rr[i])) {
			found = a->rr[i];
			(*count)++;
		}
	return found;
}

static const char *rrtype_str(enum spf_rrtype type)
{
	static const char *const s[] = {"TXT", "A", "AAAA", "MX"};
	return (unsigned)type < sizeof s / sizeof s[0] ? s[type] : "?";
}

/* Counts a lookup that answered NXDOMAIN or NODATA (s4.6.4) and notes which. */
static int void_lookup(struct walker *w, const char *from, const struct spf_term *t, const char *target,
                       enum spf_rrtype type, enum spf_fetch_state state)
{
	char buf[400];
	w->ev.voids++;
	snprintf(buf, sizeof buf, "%s: %.250s %s %s", t->text, target, rrtype_str(type),
	         state == SPF_FETCH_NXDOMAIN ? "NXDOMAIN" : "NODATA");
	return note_add(&w->ev.voided, SPF_PROB_NONE, from, buf);
}

/*
 * Asks for `target`'s answer of `type` for term `t` of the record at `from`.
 * Returns 1 with `a` filled when it has records, 0 when there is nothing to
 * evaluate, or < 0. Nothing because the lookup was void leaves `*why` NULL;
 * nothing because the answer is unknown (capped, not recorded, not observed,
 * failed: each noted) sets `*why` to the reason, valid until the next fetch.
 */
static int fetch_rr(struct walker *w, const char *from, const struct spf_term *t, const char *target,
                    enum spf_rrtype type, struct spf_answer *a, const char **why)
{
	*why = NULL;
	if (w->nfetches >= SPF_EVAL_MAX_FETCHES) {
		w->ev.capped = 1;
		*why = "capped";
		return 0;
	}
	w->nfetches++;
	*a = (struct spf_answer){0};
	int rc = w->fetch(w->ctx, target, type, a);
	if (rc == -EOPNOTSUPP) {
		w->ev.unresolved++;
		*why = "not_observed";
		return 0;
	}
	if (rc == -ENOENT) {
		*why = "not_observed";
		return note_add(&w->ev.unfetched, SPF_PROB_NONE, target, *why);
	}
	if (rc < 0)
		return rc;
	if (a->state == SPF_FETCH_FAILED) {
		*why = a->status ? a->status : "error";
		return note_add(&w->ev.unfetched, SPF_PROB_NONE, target, *why);
	}
	if (a->state != SPF_FETCH_OK || a->nrr == 0)
		return void_lookup(w, from, t, target, type,
		                   a->state == SPF_FETCH_NXDOMAIN ? SPF_FETCH_NXDOMAIN : SPF_FETCH_NODATA);
	return 1;
}

/* 1 when the sender family's prefix length is /0: then any address of the target matches. */
static int cidr_zero(const struct walker *w, const struct spf_term *t)
{
	return w->addr_type == SPF_RR_AAAA ? t->cidr6 == 0 : t->cidr4 == 0;
}

/*
 * The address records of an MX set's names (freed here). Returns 1 when one has an
 * address, 0 when none has, or < 0; `why` gets the first unknown answer's reason.
 */
static int resolve_mx_names(struct walker *w, const char *from, const struct spf_term *t, char **names,
                            size_t n, char *why, size_t whysz)
{
	struct spf_answer a;
	const char *unknown;
	int rc = 0, any = 0;
	/* A null MX ("0 .") names no host: nothing to look up. */
	for (size_t i = 0; i < n && rc >= 0; i++) {
		if (names[i][0] == '\0')
			continue;
		if ((rc = fetch_rr(w, from, t, names[i], w->addr_type, &a, &unknown)) == 1)
			any = 1;
		else if (rc == 0 && unknown != NULL && why[0] == '\0')
			snprintf(why, whysz, "%s", unknown);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return rc < 0 ? rc : any;
}

/*
 * mx: the MX set (at most SPF_MX_LIMIT names, s4.6.4), then each name's address
 * records. 1 when the term matches every sender (a /0 prefix and an address).
 * An mx/0 whose match could not be decided is noted in `eff` (eff_maybe).
 */
static int resolve_mx(struct walker *w, const char *from, const struct spf_term *t, const char *target,
                      struct eff *eff)
{
	struct spf_answer a;
	const char *unknown;
	char *names[SPF_MX_LIMIT], why[32] = "";
	size_t n = 0;
	int rc = fetch_rr(w, from, t, target, SPF_RR_MX, &a, &unknown);
	if (rc == 0 && unknown != NULL && cidr_zero(w, t))
		eff_maybe(eff, t->qual, unknown);
	if (rc <= 0)
		return rc;
	if (a.nrr > SPF_MX_LIMIT) {
		w->ev.mxlimit++;
		return problem(w, SPF_PROB_MXLIMIT, from, "%s: %zu MX names (limit %d)", t->text, a.nrr,
		               SPF_MX_LIMIT);
	}
	/* The answer is only valid until the next fetch: keep the names. */
	for (; n < a.nrr; n++)
		if ((names[n] = normalize_name(a.rr[n])) == NULL)
			break;
	rc = n < a.nrr ? -ENOMEM : resolve_mx_names(w, from, t, names, n, why, sizeof why);
	if (n < a.nrr)
		while (n > 0)
			free(names[--n]);
	if (rc < 0 || !cidr_zero(w, t))
		return rc < 0 ? rc : 0;
	if (rc == 0 && why[0] != '\0')
		eff_maybe(eff, t->qual, why);
	return rc;
}

/*
 * a, mx and exists: resolves the target (the current name when a/mx have none).
 * Returns 1 when the term matches every sender (exists of a name that resolves;
 * a or mx with a /0 prefix and an address), 0 when not, or < 0. When such a term
 * could not be resolved, `eff` notes that it might have matched everyone.
 */
static int resolve_term(struct walker *w, const char *from, const struct spf_term *t, struct eff *eff)
{
	struct spf_answer a;
	const char *spec = t->arg != NULL ? t->arg : from, *unknown;
	if (strchr(spec, '%') != NULL) {
		w->ev.macros++;
		return note_add(&w->ev.macro, SPF_PROB_NONE, from, t->text);
	}
	char *target = normalize_name(spec);
	if (target == NULL)
		return -ENOMEM;
	int rc, all = t->kind == SPF_EXISTS || cidr_zero(w, t);
	if (t->kind == SPF_MX) {
		rc = resolve_mx(w, from, t, target, eff);
	} else {
		rc = fetch_rr(w, from, t, target, t->kind == SPF_EXISTS ? SPF_RR_A : w->addr_type, &a,
		              &unknown);
		if (rc == 0 && unknown != NULL && all)
			eff_maybe(eff, t->qual, unknown);
		rc = rc == 1 ? all : rc;
	}
	free(target);
	return rc;
}

/* Applies a fetched answer for `name`, reached from `from` through term `t`. */
static int follow_answer(struct walker *w, const char *from, const struct spf_term *t, const char *name,
                         const struct spf_answer *a, struct eff *eff)
{
	size_t count;
	const char *rec = NULL;
	if (a->state == SPF_FETCH_FAILED) {
		const char *status = a->status != NULL ? a->status : "error";
		eff_unknown(eff, status);
		return note_add(&w->ev.unfetched, SPF_PROB_NONE, name, status);
	}
	if (a->state == SPF_FETCH_NODATA || a->state == SPF_FETCH_NXDOMAIN) {
		int rc = void_lookup(w, from, t, name, SPF_RR_TXT, a->state);
		if (rc < 0)
			return rc;
		w->ev.norecord++;
		return problem(w, SPF_PROB_NORECORD, from, "%s: no SPF record (%s)", t->text,
		               a->state == SPF_FETCH_NXDOMAIN ? "NXDOMAIN" : "no TXT records");
	}
	rec = pick_spf(a, &count);
	if (count == 0) {
		w->ev.norecord++;
		return problem(w, SPF_PROB_NORECORD, from, "%s: no SPF record among %zu TXT records", t->text,
		               a->nrr);
	}
	if (count > 1) {
		w->ev.multiple++;
		return problem(w, SPF_PROB_MULTIPLE, from, "%s: %zu SPF records", t->text, count);
	}
	/* The answer is only valid until the next fetch, which the walk below makes. */
	char *copy = strdup(rec);
	if (copy == NULL)
		return -ENOMEM;
	int rc = walk_record(w, name, copy, strlen(copy), eff);
	free(copy);
	return rc;
}

/* Follows an include: (eff NULL) or redirect= (eff receives the target's all) term. */
static int follow(struct walker *w, const char *from, const struct spf_term *t, struct eff *eff)
{
	struct spf_answer a = {0};
	int rc = 0;
	if (strchr(t->arg, '%') != NULL) {
		w->ev.macros++;
		eff_unknown(eff, "macro");
		return note_add(&w->ev.macro, SPF_PROB_NONE, from, t->text);
	}
	char *name = normalize_name(t->arg);
	if (name == NULL)
		return -ENOMEM;
	if (on_path(w, name)) {
		w->ev.loops++;
		rc = problem(w, SPF_PROB_LOOP, from, "%s loops back to %.200s", t->text, name);
		goto out;
	}
	rc = w->fetch(w->ctx, name, SPF_RR_TXT, &a);
	if (rc == -ENOENT) {
		eff_unknown(eff, "not_observed");
		rc = note_add(&w->ev.unfetched, SPF_PROB_NONE, name, "not_observed");
	} else if (rc == 0) {
		rc = follow_answer(w, from, t, name, &a, eff);
	}
out:
	free(name);
	return rc;
}

static int count_lookup(struct walker *w, const char *name, const struct spf_term *t)
{
	w->ev.lookups++;
	return note_add(&w->ev.counted, SPF_PROB_NONE, name, t->text);
}

static const struct spf_term *find_kind(const struct spf_record *rec, enum spf_kind kind)
{
	for (size_t i = 0; i < rec->nterms; i++)
		if (rec->terms[i].kind == kind)
			return &rec->terms[i];
	return NULL;
}

/* Counts and follows the terms of a parsed record at `name` (already on the path). */
/* ip4:0.0.0.0/0 and ip6:::/0 match every sender of their family. */
static int ip_matches_all(const struct walker *w, const struct spf_term *t)
{
	return (t->kind == SPF_IP4 && w->addr_type == SPF_RR_A && t->cidr4 == 0) ||
	       (t->kind == SPF_IP6 && w->addr_type == SPF_RR_AAAA && t->cidr6 == 0);
}

/*
 * Evaluates one term; 1 when it matches every sender (the evaluation stops there).
 * A term that might match every sender but could not be decided is noted in `eff`
 * (eff_maybe): a lookup that was not seen must never let the `all` after it decide.
 */
static int walk_term(struct walker *w, const char *name, const struct spf_term *t, struct eff *eff)
{
	int rc = is_lookup_term(t->kind) ? count_lookup(w, name, t) : 0;
	if (rc < 0)
		return rc;
	if (t->kind == SPF_INCLUDE) {
		/* s5.2: include matches when the included record gives pass. */
		struct eff sub = {.known = 1};
		rc = follow(w, name, t, &sub);
		eff_settle(&sub);
		if (rc == 0 && !sub.known)
			eff_maybe(eff, t->qual, sub.why);
		return rc < 0 ? rc : sub.known && sub.all == SPF_QUAL_PASS;
	}
	if (t->kind == SPF_A || t->kind == SPF_MX || t->kind == SPF_EXISTS)
		return resolve_term(w, name, t, eff);
	if (t->kind == SPF_PTR && (rc = note_add(&w->ev.ptrs, SPF_PROB_NONE, name, t->text)) == 0)
		w->ev.ptr++;
	return rc < 0 ? rc : ip_matches_all(w, t);
}

static int walk_terms(struct walker *w, const char *name, const struct spf_record *rec, struct eff *eff)
{
	int rc = 0;
	for (size_t i = 0; i < rec->nreach && rc == 0; i++) {
		const struct spf_term *t = &rec->terms[i];
		/* A mechanism every sender matches decides like `all`: the rest is never reached. */
		if ((rc = walk_term(w, name, t, eff)) == 1) {
			eff->all = t->qual;
			snprintf(eff->by, sizeof eff->by, "%s", t->text);
			return 0;
		}
	}
	if (rc < 0)
		return rc;
	eff->all = rec->all;
	if (rec->all != SPF_QUAL_NONE || rec->redirect == NULL)
		return 0;
	const struct spf_term *r = find_kind(rec, SPF_REDIRECT);
	if ((rc = count_lookup(w, name, r)) < 0)
		return rc;
	return follow(w, name, r, eff);
}

static int walk_record(struct walker *w, const char *name, const char *txt, size_t len, struct eff *eff)
{
	struct spf_record rec;
	char err[160];
	if (w->nrecords >= SPF_EVAL_MAX_RECORDS) {
		w->ev.capped = 1;
		eff_unknown(eff, "capped");
		return 0;
	}
	w->nrecords++;
	int rc = note_add(&w->ev.records, SPF_PROB_NONE, name, txt);
	if (rc < 0)
		return rc;
	rc = spf_parse(txt, len, &rec, err, sizeof err);
	if (rc == -EINVAL) {
		w->ev.syntax++;
		return note_add(&w->ev.problems, SPF_PROB_SYNTAX, name, err);
	}
	if (rc < 0)
		return rc;
	w->path[w->depth++] = name;
	rc = walk_terms(w, name, &rec, eff);
	w->depth--;
	spf_record_clear(&rec);
	return rc;
}

int spf_evaluate(const char *domain, const char *record, size_t len, int ipv6, spf_fetch_fn fetch, void *ctx,
                 struct spf_eval *out)
{
	struct walker w = {.fetch = fetch, .ctx = ctx, .addr_type = ipv6 ? SPF_RR_AAAA : SPF_RR_A};
	struct eff eff = {.known = 1};
	if (domain == NULL || record == NULL || fetch == NULL || out == NULL)
		return -EINVAL;
	char *name = normalize_name(domain);
	int rc = name != NULL ? walk_record(&w, name, record, len, &eff) : -ENOMEM;
	free(name);
	eff_settle(&eff);
	w.ev.all = eff.all;
	w.ev.all_known = eff.known;
	if (rc == 0 && eff.by[0] != '\0' && (w.ev.all_by = strdup(eff.by)) == NULL)
		rc = -ENOMEM;
	if (rc == 0 && !eff.known && (w.ev.all_unknown = strdup(eff.why)) == NULL)
		rc = -ENOMEM;
	if (rc < 0)
		goto out;
	*out = w.ev;
	return 0;
out:
	spf_eval_clear(&w.ev);
	return rc;
}

void spf_eval_clear(struct spf_eval *ev)
{
	if (ev == NULL)
		return;
	notes_clear(&ev->records);
	notes_clear(&ev->counted);
	notes_clear(&ev->problems);
	notes_clear(&ev->unfetched);
	notes_clear(&ev->voided);
	notes_clear(&ev->ptrs);
	notes_clear(&ev->macro);
	free(ev->all_unknown);
	free(ev->all_by);
	memset(ev, 0, sizeof *ev);
}

int spf_eval_permerror(const struct spf_eval *ev)
{
	return ev->syntax > 0 || ev->lookups > SPF_LOOKUP_LIMIT || ev->voids > SPF_VOID_LIMIT ||
	       ev->loops > 0 || ev->norecord > 0 || ev->multiple > 0 || ev->mxlimit > 0;
}

int spf_eval_incomplete(const struct spf_eval *ev)
{
	return ev->unfetched.total > 0 || ev->capped;
}
