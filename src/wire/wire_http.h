/*
 * HTTP response header values, parsed the way browsers read them: Strict-Transport-
 * Security (RFC 6797), Content-Security-Policy (CSP3), X-Frame-Options (RFC 7034 and
 * the HTML standard), X-Content-Type-Options (Fetch), Referrer-Policy, Set-Cookie
 * (RFC 6265bis attributes) and version disclosure in Server / X-Powered-By. Plus
 * lookups over an observation's header list ([["Name", "value"], ...], names compared
 * case-insensitively, a name may repeat).
 *
 * This module only reads values: it never judges a site (analyze_web.c does), never
 * allocates except in http_header_join(), and never reads past a value's terminating
 * NUL. Results that point into the input (struct http_span) live as long as the input.
 * It does not parse whole responses, dates, or cookie values beyond their names.
 */
#ifndef VITALS_WIRE_HTTP_H
#define VITALS_WIRE_HTTP_H

#include <jansson.h>
#include <stddef.h>

/* The most bytes http_header_join() returns; more is -E2BIG. */
#define HTTP_JOIN_MAX (1024 * 1024)

/* A piece of an input string: not NUL-terminated; print with "%.*s". */
struct http_span {
	const char *p; /* first byte, or NULL when empty */
	size_t n;      /* length in bytes */
};

/* ---- header lists ---- */

/* The value of the nth (0-based) header called `name`, or NULL. Malformed entries are skipped. */
const char *http_header_get(const json_t *headers, const char *name, size_t nth);
/* How many headers are called `name`. */
size_t http_header_count(const json_t *headers, const char *name);
/*
 * Every value of header `name` joined with ", " (a list header's meaning, RFC 9110 s5.3).
 * Sets *out to a malloc'd string. Returns 0, -ENOENT when absent, -E2BIG past
 * HTTP_JOIN_MAX, -ENOMEM.
 */
int http_header_join(const json_t *headers, const char *name, char **out);

/* ---- Strict-Transport-Security ---- */

/* HSTS max-age values above this are kept as this (about 31,700 years). */
#define HSTS_MAX_AGE_CAP 999999999999LL

struct hsts {
	int valid;              /* 1 when the value obeys RFC 6797 s6.1 (browsers ignore it otherwise) */
	const char *error;      /* static reason when !valid, else NULL */
	long long max_age;      /* max-age in seconds (capped at HSTS_MAX_AGE_CAP); -1 when unknown */
	int include_subdomains; /* includeSubDomains present */
	int preload;            /* preload present (not in the RFC; the preload list's token) */
};

/*
 * Parses one STS value: directives split by ';', names case-insensitive, values a token
 * or quoted-string, each directive at most once, max-age required and all digits,
 * includeSubDomains valueless, unknown directives ignored. Always fills *out and
 * returns 0; -EINVAL only when an argument is NULL.
 */
int http_parse_hsts(const char *value, struct hsts *out);

/* ---- Content-Security-Policy ---- */

struct csp {
	unsigned npolicies;                     /* policies with a directive (',' separates them) */
	unsigned ndirectives;                   /* well-formed directives over all policies */
	int restricts_scripts;                  /* some policy has script-src or default-src */
	const char *script_directive;           /* that policy's "script-src"/"default-src" or NULL */
	struct http_span script_sources;        /* that directive's source list */
	int inline_allowed;                     /* every script-restricting policy allows inline */
	int eval_allowed;                       /* every script-restricting policy has 'unsafe-eval' */
	int inline_neutralised;                 /* 'unsafe-inline' voided by nonce/hash/'strict-dynamic' */
	int frame_ancestors;                    /* some policy has frame-ancestors */
	int frame_ancestors_restricts;          /* ...with a list that is not '*' or a bare scheme */
	struct http_span frame_ancestors_value; /* the first frame-ancestors list */
};

/*
 * Parses a CSP header value (CSP3 s2.2): policies split by ',', directives by ';',
 * names case-insensitive, the first of a repeated directive wins. Scripts are judged
 * by script-src, else default-src (script-src-elem/-attr are not consulted): inline
 * script is allowed when the list has 'unsafe-inline' and no nonce, hash or
 * 'strict-dynamic'; several policies must all allow a thing for it to run. A value
 * with no directive restricting scripts allows both. Returns 0, or -EINVAL for NULL.
 */
int http_parse_csp(const char *value, struct csp *out);

/* ---- X-Frame-Options ---- */

enum xfo {
	XFO_ABSENT = 0, /* no value */
	XFO_DENY,       /* DENY */
	XFO_SAMEORIGIN, /* SAMEORIGIN */
	XFO_ALLOW_FROM, /* ALLOW-FROM uri: obsolete, ignored by current browsers */
	XFO_ALLOWALL,   /* ALLOWALL: explicitly permits framing */
	XFO_CONFLICT,   /* different values in one response */
	XFO_INVALID,    /* anything else */
};

/* Reads a (possibly comma-joined) X-Frame-Options value; NULL gives XFO_ABSENT. */
enum xfo http_parse_xfo(const char *value);
const char *xfo_name(enum xfo x);

/* ---- X-Content-Type-Options ---- */

/* 1 when the first comma-separated value is "nosniff" (case-insensitive, trimmed), else 0. */
int http_is_nosniff(const char *value);

/* ---- Referrer-Policy ---- */

enum referrer {
	REF_ABSENT = 0,                      /* no header */
	REF_UNRECOGNISED,                    /* present, but no token a browser knows */
	REF_NO_REFERRER,                     /* no-referrer */
	REF_NO_REFERRER_WHEN_DOWNGRADE,      /* no-referrer-when-downgrade: full URL cross-site */
	REF_SAME_ORIGIN,                     /* same-origin */
	REF_ORIGIN,                          /* origin */
	REF_STRICT_ORIGIN,                   /* strict-origin */
	REF_ORIGIN_WHEN_CROSS_ORIGIN,        /* origin-when-cross-origin */
	REF_STRICT_ORIGIN_WHEN_CROSS_ORIGIN, /* strict-origin-when-cross-origin */
	REF_UNSAFE_URL,                      /* unsafe-url: full URL everywhere */
};

/* The policy of a (possibly comma-joined) value: the last recognised token wins. */
enum referrer http_parse_referrer(const char *value);
/* 1 when the policy never sends a path to another origin (origin-only policies count). */
int referrer_is_safe(enum referrer r);
const char *referrer_name(enum referrer r);

/* ---- Set-Cookie ---- */

enum samesite {
	SAMESITE_UNSET = 0, /* no SameSite attribute */
	SAMESITE_STRICT,    /* SameSite=Strict */
	SAMESITE_LAX,       /* SameSite=Lax */
	SAMESITE_NONE,      /* SameSite=None: an explicit opt-out, no protection */
	SAMESITE_INVALID,   /* another value: browsers use their default */
};

struct cookie {
	struct http_span name;  /* cookie name (may be empty for a nameless cookie) */
	int secure;             /* Secure attribute present */
	int httponly;           /* HttpOnly attribute present */
	enum samesite samesite; /* the last SameSite attribute */
	int deletes;            /* Max-Age <= 0: the header removes the cookie */
};

/*
 * Parses one Set-Cookie value (RFC 6265bis s5.6): name=value, then ';'-separated
 * attributes with case-insensitive names. Returns 0, or -EINVAL when browsers would
 * ignore the whole header (empty name and value) or an argument is NULL.
 */
int http_parse_cookie(const char *value, struct cookie *out);
const char *samesite_name(enum samesite s);

/* ---- Server / X-Powered-By ---- */

/*
 * 1 when the value discloses a version: some product token followed by '/' and a digit
 * ("nginx/1.22.1", "Microsoft-IIS/10.0", "PHP/8.2"); *token (may be NULL) is set to
 * the first such "product/version". 0 for "nginx", "cloudflare", NULL.
 */
int http_discloses_version(const char *value, struct http_span *token);

#endif
