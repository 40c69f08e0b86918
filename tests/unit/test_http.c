/*
 * Unit tests for the HTTP header value parsers (wire_http.c) and for where the web
 * probe lets a redirect take it (web_hop_parse, web_hop_refusal in probe_web.c).
 */
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "probe_web.h"
#include "wire_http.h"
#include "tap.h"

static int span_eq(struct http_span s, const char *want)
{
	return s.n == strlen(want) && (s.n == 0 || memcmp(s.p, want, s.n) == 0);
}

static void test_hsts_valid(void)
{
	struct hsts h;
	is_int(http_parse_hsts("max-age=31536000; includeSubDomains; preload", &h), 0, "hsts: parses");
	is_int(h.valid, 1, "hsts: full header valid");
	is_int(h.max_age, 31536000, "hsts: max-age");
	is_int(h.include_subdomains, 1, "hsts: includeSubDomains");
	is_int(h.preload, 1, "hsts: preload");
	ok(h.error == NULL, "hsts: no error when valid");

	http_parse_hsts("MAX-AGE=\"15768000\" ;INCLUDESUBDOMAINS", &h);
	is_int(h.valid, 1, "hsts: case-insensitive names, quoted max-age");
	is_int(h.max_age, 15768000, "hsts: quoted max-age value");
	is_int(h.include_subdomains, 1, "hsts: upper-case includeSubDomains");
	is_int(h.preload, 0, "hsts: no preload");

	http_parse_hsts(";; max-age = 600 ;; foo=bar; ext=\"a;b\";", &h);
	is_int(h.valid, 1, "hsts: empty directives, spaces around '=', unknown directives");
	is_int(h.max_age, 600, "hsts: max-age with spaces");

	http_parse_hsts("max-age=0", &h);
	is_int(h.valid, 1, "hsts: max-age=0 is valid syntax");
	is_int(h.max_age, 0, "hsts: max-age=0 value");

	http_parse_hsts("max-age=99999999999999999999999", &h);
	is_int(h.valid, 1, "hsts: huge max-age valid");
	is_int(h.max_age, HSTS_MAX_AGE_CAP, "hsts: huge max-age capped");
}

static void test_hsts_invalid(void)
{
	struct hsts h;
	http_parse_hsts("max-age=abc", &h);
	is_int(h.valid, 0, "hsts: max-age=abc invalid");
	is_str(h.error, "max-age is not a number", "hsts: max-age=abc reason");

	http_parse_hsts("max-age=100; max-age=200", &h);
	is_int(h.valid, 0, "hsts: duplicate max-age invalid");
	is_str(h.error, "max-age given twice", "hsts: duplicate max-age reason");

	http_parse_hsts("max-age=100; includeSubDomains; includesubdomains", &h);
	is_str(h.error, "includeSubDomains given twice", "hsts: duplicate includeSubDomains");

	http_parse_hsts("includeSubDomains", &h);
	is_int(h.valid, 0, "hsts: missing max-age invalid");
	is_str(h.error, "max-age missing", "hsts: missing max-age reason");

	http_parse_hsts("", &h);
	is_str(h.error, "max-age missing", "hsts: empty value");

	http_parse_hsts("max-age=31536000 includeSubDomains", &h);
	is_int(h.valid, 0, "hsts: missing ';' invalid");

	http_parse_hsts("max-age=31536000, includeSubDomains", &h);
	is_int(h.valid, 0, "hsts: ',' instead of ';' invalid");

	http_parse_hsts("max-age=-5", &h);
	is_int(h.valid, 0, "hsts: negative max-age invalid");

	http_parse_hsts("max-age", &h);
	is_str(h.error, "max-age has no value", "hsts: max-age without value");

	http_parse_hsts("max-age=", &h);
	is_str(h.error, "empty directive value", "hsts: max-age= with nothing");

	http_parse_hsts("max-age=\"100", &h);
	is_str(h.error, "unterminated quoted-string", "hsts: unterminated quote");

	http_parse_hsts("max-age=\"10a\"", &h);
	is_str(h.error, "max-age is not a number", "hsts: quoted non-digits");

	http_parse_hsts("max-age=100; includeSubDomains=yes", &h);
	is_str(h.error, "includeSubDomains takes no value", "hsts: includeSubDomains with value");

	is_int(http_parse_hsts(NULL, &h), -EINVAL, "hsts: NULL value");
}

static void test_csp(void)
{
	struct csp c;
	is_int(http_parse_csp("default-src 'self'; script-src 'self' 'unsafe-inline'", &c), 0, "csp: parses");
	is_int(c.npolicies, 1, "csp: one policy");
	is_int(c.ndirectives, 2, "csp: two directives");
	is_str(c.script_directive, "script-src", "csp: script-src governs scripts");
	ok(span_eq(c.script_sources, "'self' 'unsafe-inline'"), "csp: script sources span");
	is_int(c.inline_allowed, 1, "csp: unsafe-inline allows inline");
	is_int(c.eval_allowed, 0, "csp: no unsafe-eval");
	is_int(c.inline_neutralised, 0, "csp: not neutralised");

	http_parse_csp("script-src 'self' 'unsafe-inline' 'nonce-abc123'", &c);
	is_int(c.inline_allowed, 0, "csp: nonce neutralises unsafe-inline");
	is_int(c.inline_neutralised, 1, "csp: neutralisation reported");

	http_parse_csp("script-src 'unsafe-inline' 'sha256-AAAA='", &c);
	is_int(c.inline_allowed, 0, "csp: hash neutralises unsafe-inline");

	http_parse_csp("script-src 'unsafe-inline' 'nonce-'", &c);
	is_int(c.inline_allowed, 1, "csp: an empty nonce is no nonce");

	http_parse_csp("script-src 'unsafe-inline' 'strict-dynamic'", &c);
	is_int(c.inline_allowed, 0, "csp: strict-dynamic neutralises unsafe-inline");

	http_parse_csp("default-src 'self' 'UNSAFE-EVAL'; img-src *", &c);
	is_str(c.script_directive, "default-src", "csp: falls back to default-src");
	is_int(c.eval_allowed, 1, "csp: unsafe-eval (any case) via default-src");
	is_int(c.inline_allowed, 0, "csp: default-src without unsafe-inline");

	http_parse_csp("script-src 'self'; script-src 'unsafe-inline'", &c);
	is_int(c.inline_allowed, 0, "csp: the first of a repeated directive wins");

	http_parse_csp("frame-ancestors 'none'; upgrade-insecure-requests", &c);
	is_int(c.restricts_scripts, 0, "csp: no script restriction");
	is_int(c.inline_allowed, 1, "csp: unrestricted scripts count as inline allowed");
	is_int(c.frame_ancestors, 1, "csp: frame-ancestors present");
	is_int(c.frame_ancestors_restricts, 1, "csp: 'none' restricts framing");
	ok(span_eq(c.frame_ancestors_value, "'none'"), "csp: frame-ancestors value");

	http_parse_csp("frame-ancestors *", &c);
	is_int(c.frame_ancestors_restricts, 0, "csp: frame-ancestors * restricts nothing");
	http_parse_csp("frame-ancestors https:", &c);
	is_int(c.frame_ancestors_restricts, 0, "csp: frame-ancestors https: restricts nothing");
	http_parse_csp("frame-ancestors https://portal.example", &c);
	is_int(c.frame_ancestors_restricts, 1, "csp: frame-ancestors host restricts");

	/* Two policies are both enforced: a thing runs only when both allow it. */
	http_parse_csp("script-src 'unsafe-inline' 'unsafe-eval', default-src 'self' 'unsafe-eval'", &c);
	is_int(c.npolicies, 2, "csp: two policies split by ','");
	is_int(c.inline_allowed, 0, "csp: second policy blocks inline");
	is_int(c.eval_allowed, 1, "csp: both policies allow eval");

	http_parse_csp("  ;  ; ", &c);
	is_int(c.npolicies, 0, "csp: only separators: no policy");
	http_parse_csp("b@d-name x; script-src 'none'", &c);
	is_int(c.ndirectives, 1, "csp: malformed directive name skipped");
	is_int(http_parse_csp(NULL, &c), -EINVAL, "csp: NULL value");
}

static void test_xfo_nosniff(void)
{
	is_int(http_parse_xfo("DENY"), XFO_DENY, "xfo: DENY");
	is_int(http_parse_xfo(" sameorigin "), XFO_SAMEORIGIN, "xfo: sameorigin trimmed");
	is_int(http_parse_xfo("ALLOW-FROM https://a.example"), XFO_ALLOW_FROM, "xfo: ALLOW-FROM");
	is_int(http_parse_xfo("ALLOWALL"), XFO_ALLOWALL, "xfo: ALLOWALL");
	is_int(http_parse_xfo("DENY, DENY"), XFO_DENY, "xfo: repeated same value");
	is_int(http_parse_xfo("DENY, SAMEORIGIN"), XFO_CONFLICT, "xfo: conflicting values");
	is_int(http_parse_xfo("yes"), XFO_INVALID, "xfo: invalid value");
	is_int(http_parse_xfo(""), XFO_INVALID, "xfo: empty value");
	is_int(http_parse_xfo(NULL), XFO_ABSENT, "xfo: absent");
	is_str(xfo_name(XFO_SAMEORIGIN), "SAMEORIGIN", "xfo: name");

	is_int(http_is_nosniff("nosniff"), 1, "nosniff: plain");
	is_int(http_is_nosniff("  NoSniff "), 1, "nosniff: case and spaces");
	is_int(http_is_nosniff("nosniff, foo"), 1, "nosniff: first of a list");
	is_int(http_is_nosniff("foo, nosniff"), 0, "nosniff: only the first value counts");
	is_int(http_is_nosniff("no-sniff"), 0, "nosniff: misspelt");
	is_int(http_is_nosniff(NULL), 0, "nosniff: absent");
}

static void test_referrer(void)
{
	is_int(http_parse_referrer("no-referrer"), REF_NO_REFERRER, "referrer: no-referrer");
	is_int(http_parse_referrer("unsafe-url, strict-origin-when-cross-origin"),
	       REF_STRICT_ORIGIN_WHEN_CROSS_ORIGIN, "referrer: last recognised wins");
	is_int(http_parse_referrer("no-referrer, made-up-policy"), REF_NO_REFERRER,
	       "referrer: unknown last token ignored");
	is_int(http_parse_referrer("nonsense"), REF_UNRECOGNISED, "referrer: unrecognised");
	is_int(http_parse_referrer(""), REF_UNRECOGNISED, "referrer: empty value");
	is_int(http_parse_referrer(NULL), REF_ABSENT, "referrer: absent");
	is_int(referrer_is_safe(REF_SAME_ORIGIN), 1, "referrer: same-origin safe");
	is_int(referrer_is_safe(REF_ORIGIN_WHEN_CROSS_ORIGIN), 1,
	       "referrer: origin-when-cross-origin acceptable");
	is_int(referrer_is_safe(REF_UNSAFE_URL), 0, "referrer: unsafe-url unsafe");
	is_int(referrer_is_safe(REF_NO_REFERRER_WHEN_DOWNGRADE), 0,
	       "referrer: no-referrer-when-downgrade unsafe");
	is_int(referrer_is_safe(REF_ABSENT), 0, "referrer: absent not safe");
	is_str(referrer_name(REF_STRICT_ORIGIN), "strict-origin", "referrer: name");
}

static void test_cookie(void)
{
	struct cookie k;
	is_int(http_parse_cookie("sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax", &k), 0, "cookie: parses");
	ok(span_eq(k.name, "sid"), "cookie: name");
	is_int(k.secure, 1, "cookie: Secure");
	is_int(k.httponly, 1, "cookie: HttpOnly");
	is_int(k.samesite, SAMESITE_LAX, "cookie: SameSite=Lax");
	is_int(k.deletes, 0, "cookie: not a deletion");

	http_parse_cookie(" pref = x ;secure;SAMESITE=strict", &k);
	ok(span_eq(k.name, "pref"), "cookie: name trimmed");
	is_int(k.secure, 1, "cookie: lower-case secure");
	is_int(k.httponly, 0, "cookie: no HttpOnly");
	is_int(k.samesite, SAMESITE_STRICT, "cookie: samesite=strict");

	http_parse_cookie("a=1; SameSite=None; Secure", &k);
	is_int(k.samesite, SAMESITE_NONE, "cookie: SameSite=None");
	http_parse_cookie("a=1; SameSite=Strict; SameSite=bogus", &k);
	is_int(k.samesite, SAMESITE_INVALID, "cookie: the last SameSite wins");
	http_parse_cookie("a=1; Secure=yes; HttpOnlyX", &k);
	is_int(k.secure, 1, "cookie: Secure with a value still counts");
	is_int(k.httponly, 0, "cookie: HttpOnlyX is not HttpOnly");
	http_parse_cookie("a=; Max-Age=0", &k);
	is_int(k.deletes, 1, "cookie: Max-Age=0 deletes");
	http_parse_cookie("a=1; Max-Age=-1", &k);
	is_int(k.deletes, 1, "cookie: negative Max-Age deletes");
	http_parse_cookie("a=1; Max-Age=0; Max-Age=3600", &k);
	is_int(k.deletes, 0, "cookie: the last Max-Age wins");
	http_parse_cookie("a=1; Max-Age=soon", &k);
	is_int(k.deletes, 0, "cookie: malformed Max-Age ignored");
	is_int(http_parse_cookie("justavalue; Secure", &k), 0, "cookie: nameless cookie accepted");
	is_int((int)k.name.n, 0, "cookie: nameless cookie has an empty name");
	is_int(http_parse_cookie("=; Secure", &k), -EINVAL, "cookie: empty name and value ignored");
	is_int(http_parse_cookie("", &k), -EINVAL, "cookie: empty header ignored");
	is_int(http_parse_cookie("a=\x01; Secure", &k), -EINVAL, "cookie: control character ignored");
	is_str(samesite_name(SAMESITE_NONE), "None", "cookie: samesite name");
}

static void test_server(void)
{
	struct http_span t;
	is_int(http_discloses_version("nginx/1.22.1", &t), 1, "server: nginx/1.22.1 discloses");
	ok(span_eq(t, "nginx/1.22.1"), "server: token nginx/1.22.1");
	is_int(http_discloses_version("Apache/2.4.57 (Debian)", &t), 1, "server: Apache with comment");
	ok(span_eq(t, "Apache/2.4.57"), "server: token stops at the comment");
	is_int(http_discloses_version("Microsoft-IIS/10.0", &t), 1, "server: IIS");
	ok(span_eq(t, "Microsoft-IIS/10.0"), "server: IIS token");
	is_int(http_discloses_version("Apache (Ubuntu) PHP/8.1.2", &t), 1, "server: later product");
	ok(span_eq(t, "PHP/8.1.2"), "server: PHP token");
	is_int(http_discloses_version("nginx", &t), 0, "server: nginx hides");
	is_int(http_discloses_version("cloudflare", &t), 0, "server: cloudflare hides");
	is_int(http_discloses_version("Apache", NULL), 0, "server: Apache hides");
	is_int(http_discloses_version("gws/", NULL), 0, "server: trailing slash");
	is_int(http_discloses_version("/1.0", NULL), 0, "server: slash without product");
	is_int(http_discloses_version("ASP.NET", NULL), 0, "server: ASP.NET without version");
	is_int(http_discloses_version(NULL, NULL), 0, "server: absent");
}

static void test_headers(void)
{
	json_t *h = json_loads("[[\"Set-Cookie\",\"a=1\"],[\"X\"],[\"set-cookie\",\"b=2\"],5,"
	                       "[\"Server\",\"nginx\"],[\"SET-COOKIE\",\"c=3\"]]",
	                       0, NULL);
	ok(h != NULL, "headers: fixture loads");
	is_int(http_header_count(h, "Set-Cookie"), 3, "headers: three cookies, case-insensitive");
	is_str(http_header_get(h, "set-cookie", 1), "b=2", "headers: second cookie");
	ok(http_header_get(h, "Set-Cookie", 3) == NULL, "headers: no fourth cookie");
	ok(http_header_get(h, "X", 0) == NULL, "headers: malformed entry skipped");
	ok(http_header_get(NULL, "Server", 0) == NULL, "headers: NULL list");
	char *s = NULL;
	is_int(http_header_join(h, "Set-Cookie", &s), 0, "headers: join");
	is_str(s, "a=1, b=2, c=3", "headers: joined value");
	free(s);
	s = NULL;
	is_int(http_header_join(h, "Referrer-Policy", &s), -ENOENT, "headers: join of an absent header");
	ok(s == NULL, "headers: output untouched on failure");
	json_decref(h);
}

/* The refusal reason for Location `loc` sent by `base`, on the chain of `site`. */
static const char *refusal(const char *base, const char *loc, const char *site)
{
	struct web_hop t;
	const char *reason = NULL;
	if (web_hop_parse(base, loc, &t) < 0)
		return "unparsable";
	const char *why = web_hop_refusal(&t, site, &reason);
	return why == NULL ? "follow" : reason;
}

static void test_hop_policy(void)
{
	const char *b = "http://org001.test/";
	is_str(refusal(b, "https://org001.test/", "org001.test"), "follow", "hop: same host https");
	is_str(refusal(b, "/login", "org001.test"), "follow", "hop: relative, same host http");
	is_str(refusal(b, "https://www.org001.test:443/a", "org001.test"), "follow",
	       "hop: subdomain, explicit default port");
	is_str(refusal(b, "https://WWW.ORG001.TEST./", "org001.test"), "follow",
	       "hop: case and trailing dot do not matter");
	is_str(refusal(b, "https://org002.test/", "org001.test"), "off_site", "hop: another domain");
	is_str(refusal(b, "https://evilorg001.test/", "org001.test"), "off_site",
	       "hop: a suffix that is not a subdomain");
	is_str(refusal(b, "https://127.1.0.2/", "org001.test"), "off_site", "hop: an address literal");
	is_str(refusal(b, "http://org001.test:25/", "org001.test"), "port", "hop: port 25");
	is_str(refusal(b, "http://www.org001.test:6379/", "org001.test"), "port", "hop: port 6379");
	is_str(refusal(b, "http://org001.test:443/", "org001.test"), "port", "hop: http on 443");
	is_str(refusal(b, "https://org001.test:80/", "org001.test"), "port", "hop: https on 80");
	is_str(refusal(b, "ftp://org001.test/", "org001.test"), "scheme", "hop: ftp");
	is_str(refusal(b, "gopher://org001.test:6379/_FLUSHALL", "org001.test"), "scheme", "hop: gopher");
	struct web_hop t;
	const char *reason = NULL;
	is_int(web_hop_parse(b, "https://org002.test/", &t), 0, "hop: parses");
	is_str(web_hop_refusal(&t, "org001.test", &reason), "leaves the site", "hop: off-site text");
}

static void test_hop_idn(void)
{
	struct web_hop t;
	const char *reason = NULL;
	const char *idn = "https://caf\xc3\xa9.org001.test/x";
	/* In the C locale libidn2 cannot convert: a non-ASCII host is refused, never passed on. */
	ok(web_hop_parse("http://org001.test/", idn, &t) < 0, "idn: refused in the C locale");
	ok(web_hop_parse("http://org001.test/", "https://a\x01b.org001.test/", &t) < 0,
	   "idn: a control byte in the host is refused");
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		ok(1, "# SKIP no C.UTF-8 locale");
		return;
	}
	/* curl resolves the punycode form: the host we resolve and connect for must be that form. */
	is_int(web_hop_parse("http://org001.test/", idn, &t), 0, "idn: parses in a UTF-8 locale");
	is_str(t.host, "xn--caf-dma.org001.test", "idn: host in punycode");
	is_str(t.url, "https://xn--caf-dma.org001.test/x", "idn: url in punycode");
	ok(web_hop_refusal(&t, "org001.test", &reason) == NULL, "idn: a subdomain is followed");
	is_int(web_hop_parse("http://org001.test/", "https://caf\xc3\xa9.test/", &t), 0, "idn: other parses");
	is_str(t.host, "xn--caf-dma.test", "idn: other host in punycode");
	web_hop_refusal(&t, "org001.test", &reason);
	is_str(reason, "off_site", "idn: another domain is off-site");
	setlocale(LC_CTYPE, "C");
}

int main(void)
{
	test_hsts_valid();
	test_hsts_invalid();
	test_csp();
	test_xfo_nosniff();
	test_referrer();
	test_cookie();
	test_server();
	test_headers();
	test_hop_policy();
	test_hop_idn();
	return done_testing();
}
