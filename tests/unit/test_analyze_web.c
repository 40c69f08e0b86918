/* Unit tests for the web and transport analyzer (analyze_web.c) on canned observations. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze.h"
#include "analyze_tls.h"
#include "method.h"
#include "tap.h"

#define NOW 1800000000 /* 2027-01-15T08:00:00Z */
#define DAY 86400

/* A site that passes every check. */
static const char good_json[] =
    "{\"domain\": \"org001.test\", \"web\": {"
    " \"host\": \"www.org001.test\", \"addr\": \"127.1.0.1\", \"status\": \"ok\","
    " \"tls\": {\"status\": \"ok\", \"error\": null, \"protocol\": \"TLSv1.3\","
    "  \"cipher\": \"TLS_AES_256_GCM_SHA384\", \"verify_code\": 0, \"verify_error\": \"ok\","
    "  \"hostname_match\": true,"
    "  \"cert\": {\"subject\": \"CN=www.org001.test\", \"issuer\": \"CN=vitals testbed CA\","
    "   \"not_before\": 1790000000, \"not_after\": 1830000000,"
    "   \"san\": [\"www.org001.test\", \"org001.test\"], \"self_signed\": false},"
    "  \"legacy\": {\"TLSv1\": false, \"TLSv1.1\": false}},"
    " \"http\": {\"url\": \"http://www.org001.test/\", \"status\": \"ok\", \"error\": null, \"code\": 301,"
    "  \"headers\": [[\"Server\", \"nginx\"], [\"Location\", \"https://www.org001.test/\"]]},"
    " \"https\": {\"url\": \"https://www.org001.test/\", \"status\": \"ok\", \"error\": null, \"code\": 200,"
    "  \"headers\": [[\"Server\", \"nginx\"],"
    "   [\"Strict-Transport-Security\", \"max-age=31536000; includeSubDomains\"],"
    "   [\"Content-Security-Policy\", \"default-src 'self'; frame-ancestors 'none'\"],"
    "   [\"X-Frame-Options\", \"DENY\"], [\"X-Content-Type-Options\", \"nosniff\"],"
    "   [\"Referrer-Policy\", \"strict-origin-when-cross-origin\"],"
    "   [\"Set-Cookie\", \"sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax\"]]},"
    " \"redirects\": [{\"url\": \"https://www.org001.test/\", \"addr\": \"127.1.0.1\", \"status\": \"ok\","
    "  \"error\": null, \"code\": 200, \"headers\": [[\"Server\", \"nginx\"]]}],"
    " \"security_txt\": {\"url\": \"https://www.org001.test/.well-known/security.txt\","
    "  \"status\": \"ok\", \"error\": null, \"code\": 200,"
    "  \"headers\": [[\"Content-Type\", \"text/plain; charset=utf-8\"]],"
    "  \"body\": \"Contact: mailto:security@org001.test\\nExpires: 2027-06-01T00:00:00Z\\n\","
    "  \"truncated\": false}}}";

static const char *const web_ids[] = {
    "tls.https.available",
    "tls.cert.trusted",
    "tls.cert.hostname",
    "tls.cert.expiry",
    "tls.protocol.modern",
    "tls.protocol.legacy",
    "web.http.redirect",
    "web.hsts",
    "web.hsts.subdomains",
    "web.csp",
    "web.csp.unsafe",
    "web.framing",
    "web.nosniff",
    "web.referrer",
    "web.cookies.secure",
    "web.cookies.httponly",
    "web.cookies.samesite",
    "web.server.version",
    "web.securitytxt.present",
    "web.securitytxt.contact",
    "web.securitytxt.expires",
};
#define NIDS (sizeof web_ids / sizeof web_ids[0])

static struct findings fs;

/* ---- fixture helpers ---- */

static json_t *good(void)
{
	json_t *o = json_loads(good_json, 0, NULL);
	if (o == NULL)
		abort();
	return o;
}

static json_t *web_part(json_t *obs, const char *key)
{
	return json_object_get(json_object_get(obs, "web"), key);
}

/* Sets web.PART.KEY to a JSON text. */
static void set(json_t *obs, const char *part, const char *key, const char *json)
{
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
	if (v == NULL)
		abort();
	json_t *target = part ? web_part(obs, part) : json_object_get(obs, "web");
	json_object_set_new(target, key, v);
}

/* Removes every header `name` of fetch `part`, then adds name: value unless value is NULL. */
static void header(json_t *obs, const char *part, const char *name, const char *value)
{
	json_t *h = json_object_get(web_part(obs, part), "headers");
	for (size_t i = json_array_size(h); i-- > 0;)
		if (strcasecmp(json_string_value(json_array_get(json_array_get(h, i), 0)), name) == 0)
			json_array_remove(h, i);
	if (value != NULL)
		json_array_append_new(h, json_pack("[s, s]", name, value));
}

static void add_header(json_t *obs, const char *part, const char *name, const char *value)
{
	json_array_append_new(json_object_get(web_part(obs, part), "headers"),
	                      json_pack("[s, s]", name, value));
}

static void sectxt_body(json_t *obs, const char *body)
{
	json_object_set_new(web_part(obs, "security_txt"), "body", json_string(body));
}

/* Runs the analyzer on obs (and frees it); returns its result. */
static int run(json_t *obs)
{
	findings_clear(&fs);
	int rc = analyze_web(obs, NOW, &fs);
	json_decref(obs);
	return rc;
}

static const struct finding *get(const char *id)
{
	return findings_get(&fs, id, NULL);
}

static int status(const char *id)
{
	const struct finding *f = get(id);
	return f ? (int)f->status : -1;
}

static const char *reason(const char *id)
{
	const struct finding *f = get(id);
	return f && f->reason ? f->reason : "(none)";
}

static const char *detail(const char *id)
{
	const struct finding *f = get(id);
	return f ? f->detail : "(missing)";
}

static const json_t *evidence(const char *id)
{
	const struct finding *f = get(id);
	return f ? f->evidence : NULL;
}

#define has_detail(id, text, name)                                                                           \
	do {                                                                                                 \
		if (!ok(strstr(detail(id), text) != NULL, name))                                             \
			printf("#   detail '%s' lacks '%s'\n", detail(id), text);                            \
	} while (0)

/* Every check once, all with the same status and reason. */
static void all_are(enum fstatus st, const char *why, const char *name)
{
	int same = fs.n == NIDS;
	for (size_t i = 0; i < NIDS; i++)
		same &= status(web_ids[i]) == (int)st && strcmp(reason(web_ids[i]), why) == 0;
	if (!ok(same, name))
		for (size_t i = 0; i < fs.n; i++)
			printf("#   %s %s %s\n", fs.v[i].check, fstatus_name(fs.v[i].status),
			       fs.v[i].reason ? fs.v[i].reason : "");
}

/* ---- tests ---- */

static void test_good_site(void)
{
	is_int(run(good()), 0, "good: returns 0");
	is_int(fs.n, NIDS, "good: one finding per check");
	int all_pass = 1;
	for (size_t i = 0; i < NIDS; i++)
		all_pass &= status(web_ids[i]) == FS_PASS;
	ok(all_pass, "good: every check passes");
	is_str(fs.v[0].domain, "www.org001.test", "good: domain is web.host");
	is_str(detail("tls.cert.expiry"), "certificate valid for 347 more days (until 2027-12-28)",
	       "good: expiry detail");
	is_str(detail("web.hsts"), "HSTS max-age=31536000 (365 days); includeSubDomains",
	       "good: hsts detail");
	is_str(detail("web.securitytxt.expires"), "security.txt expires on 2027-06-01 (136 days left)",
	       "good: expires detail");
	is_str(detail("web.securitytxt.contact"), "Contact: mailto:security@org001.test",
	       "good: contact detail");
	is_str(detail("web.framing"), "X-Frame-Options: DENY", "good: framing detail");
	is_str(detail("web.server.version"), "Server: nginx (no version)", "good: server detail");
	is_str(detail("web.cookies.secure"), "all 1 cookies set Secure: sid", "good: cookie detail");

	/* The method table and the analyzer agree on which checks are web/transport (the deep-TLS
	 * checks are analyze_tls.c's). */
	const struct method *m = method_current();
	size_t n = 0, known = 0;
	for (size_t i = 0; i < m->nchecks; i++) {
		int mine =
		    strncmp(m->checks[i].id, "tls.", 4) == 0 || strncmp(m->checks[i].id, "web.", 4) == 0;
		for (size_t j = 0; analyze_tls_check_id(j) != NULL; j++)
			mine &= strcmp(m->checks[i].id, analyze_tls_check_id(j)) != 0;
		n += (size_t)mine;
	}
	for (size_t i = 0; i < fs.n; i++)
		known += method_check(m, fs.v[i].check) != NULL;
	is_int(n, NIDS, "good: method has 21 tls/web checks");
	is_int(known, NIDS, "good: every emitted id is in the method");

	const json_t *ev = get("web.hsts")->evidence;
	is_str(json_string_value(json_array_get(json_array_get(json_object_get(ev, "headers"), 0), 1)),
	       "max-age=31536000; includeSubDomains", "good: hsts evidence holds the header line");
	is_int(json_integer_value(json_object_get(ev, "code")), 200,
	       "good: hsts evidence holds the status code");
	findings_clear(&fs);
	is_int(run(json_pack("{s:s, s:{s:s}}", "domain", "org002.test", "web", "status", "ok")), 0,
	       "domain: sparse document");
	is_str(fs.v[0].domain, "org002.test", "domain: falls back to obs.domain");
}

/*
 * Documents with assets hold one web part per endpoint (webs): every check is judged on
 * each, the findings name the host and the address, and an apex never probed (the
 * deadline came first) still gets its findings, indeterminate.
 */
static void test_endpoints(void)
{
	json_t *g = good(), *w1 = json_deep_copy(json_object_get(g, "web")), *w2 = json_deep_copy(w1);
	json_object_set_new(w1, "addr", json_string("127.1.0.1"));
	json_object_set_new(w2, "addr", json_string("fd00::1"));
	json_object_set_new(json_object_get(w2, "tls"), "legacy",
	                    json_pack("{s:b, s:b}", "TLSv1", 1, "TLSv1.1", 0));
	json_t *obs = json_pack("{s:s, s:[o, o]}", "domain", "www.org001.test", "webs", w1, w2);
	json_decref(g);
	is_int(run(obs), 0, "endpoints: returns 0");
	is_int(fs.n, 2 * NIDS, "endpoints: every check on each of the two endpoints");
	is_str(fs.v[0].endpoint, "127.1.0.1", "endpoints: the first endpoint's findings name its address");
	is_str(fs.v[NIDS].endpoint, "fd00::1", "endpoints: the second's name the IPv6 address");
	is_str(fs.v[NIDS].domain, "www.org001.test", "endpoints: and the host");
	const struct finding *l1 = findings_get(&fs, "tls.protocol.legacy", NULL);
	const struct finding *l2 = NULL;
	for (size_t i = 0; i < fs.n; i++)
		if (strcmp(fs.v[i].check, "tls.protocol.legacy") == 0 && fs.v[i].endpoint &&
		    strcmp(fs.v[i].endpoint, "fd00::1") == 0)
			l2 = &fs.v[i];
	ok(l1 && l1->status == FS_PASS, "endpoints: legacy protocols off on the first");
	ok(l2 && l2->status == FS_FAIL, "endpoints: TLS 1.0 accepted on the second fails there alone");

	/* Only www was probed: the apex's checks are indeterminate, not missing. */
	w1 = json_deep_copy(json_object_get(g = good(), "web"));
	json_decref(g);
	is_int(run(json_pack("{s:s, s:[o]}", "domain", "org001.test", "webs", w1)), 0,
	       "apex missing: returns 0");
	is_int(fs.n, 2 * NIDS, "apex missing: www's findings and the apex's");
	ok(fs.v[NIDS].status == FS_INDETERMINATE && strcmp(fs.v[NIDS].domain, "org001.test") == 0 &&
	       fs.v[NIDS].endpoint == NULL && strcmp(fs.v[NIDS].reason, "not_observed") == 0,
	   "apex missing: indeterminate, not_observed, no endpoint");
	findings_clear(&fs);
}

static void test_hsts(void)
{
	json_t *o = good();
	header(o, "https", "Strict-Transport-Security", "max-age=0");
	run(o);
	is_int(status("web.hsts"), FS_FAIL, "hsts max-age=0: fail");
	has_detail("web.hsts", "max-age=0", "hsts max-age=0: detail");
	is_int(status("web.hsts.subdomains"), FS_NA, "hsts max-age=0: subdomains na");
	is_str(reason("web.hsts.subdomains"), "no_hsts", "hsts max-age=0: subdomains reason");

	o = good();
	header(o, "https", "Strict-Transport-Security", "max-age=abc; includeSubDomains");
	run(o);
	is_int(status("web.hsts"), FS_FAIL, "hsts max-age=abc: fail");
	has_detail("web.hsts", "malformed (max-age is not a number)", "hsts max-age=abc: reason named");

	o = good();
	header(o, "https", "Strict-Transport-Security", "max-age=31536000; max-age=31536000");
	run(o);
	is_int(status("web.hsts"), FS_FAIL, "hsts duplicate max-age: fail");
	has_detail("web.hsts", "max-age given twice", "hsts duplicate max-age: reason named");

	o = good();
	header(o, "https", "Strict-Transport-Security", "max-age=86400; includeSubDomains");
	run(o);
	is_int(status("web.hsts"), FS_FAIL, "hsts short: fail");
	is_str(detail("web.hsts"), "max-age=86400 (1 day) is shorter than 6 months (15768000 s)",
	       "hsts short: detail");

	o = good();
	header(o, "https", "Strict-Transport-Security", "max-age=300");
	run(o);
	is_str(detail("web.hsts"), "max-age=300 (5 minutes) is shorter than 6 months (15768000 s)",
	       "hsts 300 s: detail in minutes");

	o = good();
	header(o, "https", "Strict-Transport-Security", "max-age=15768000");
	run(o);
	is_int(status("web.hsts"), FS_PASS, "hsts exactly 6 months: pass");
	is_int(status("web.hsts.subdomains"), FS_FAIL, "hsts without includeSubDomains: subdomains fail");

	o = good();
	header(o, "https", "Strict-Transport-Security", NULL);
	run(o);
	is_int(status("web.hsts"), FS_FAIL, "hsts absent: fail");
	is_str(detail("web.hsts"), "no Strict-Transport-Security header on https://www.org001.test/",
	       "hsts absent: detail");

	/* Only the first STS header counts (RFC 6797 s8.1). */
	o = good();
	add_header(o, "https", "Strict-Transport-Security", "max-age=0");
	run(o);
	is_int(status("web.hsts"), FS_PASS, "hsts second header ignored");
}

static void test_csp(void)
{
	json_t *o = good();
	header(o, "https", "Content-Security-Policy",
	       "default-src 'self'; script-src 'self' 'unsafe-inline'");
	run(o);
	is_int(status("web.csp"), FS_PASS, "csp unsafe-inline: csp present");
	is_int(status("web.csp.unsafe"), FS_FAIL, "csp unsafe-inline: fail");
	is_str(detail("web.csp.unsafe"), "script-src allows 'unsafe-inline': 'self' 'unsafe-inline'",
	       "csp unsafe-inline: detail");
	is_int(status("web.framing"), FS_PASS, "csp unsafe-inline: framing still by XFO");

	o = good();
	header(o, "https", "Content-Security-Policy", "script-src 'nonce-r4nd0m' 'unsafe-inline' https:");
	run(o);
	is_int(status("web.csp.unsafe"), FS_PASS, "csp nonce + unsafe-inline: pass");
	has_detail("web.csp.unsafe", "browsers ignore it", "csp nonce + unsafe-inline: nuance explained");

	o = good();
	header(o, "https", "Content-Security-Policy", "default-src * 'unsafe-eval'");
	run(o);
	is_int(status("web.csp.unsafe"), FS_FAIL, "csp unsafe-eval via default-src: fail");
	has_detail("web.csp.unsafe", "default-src allows 'unsafe-eval'", "csp unsafe-eval: detail");

	o = good();
	header(o, "https", "Content-Security-Policy", "upgrade-insecure-requests");
	run(o);
	is_int(status("web.csp"), FS_PASS, "csp without script directives: present");
	is_int(status("web.csp.unsafe"), FS_FAIL, "csp without script directives: scripts unrestricted");

	o = good();
	header(o, "https", "Content-Security-Policy", NULL);
	add_header(o, "https", "Content-Security-Policy-Report-Only", "default-src 'self'");
	run(o);
	is_int(status("web.csp"), FS_FAIL, "csp report-only: fail");
	has_detail("web.csp", "only Content-Security-Policy-Report-Only", "csp report-only: said so");
	is_int(status("web.csp.unsafe"), FS_NA, "csp report-only: unsafe na");
	is_str(reason("web.csp.unsafe"), "no_csp", "csp report-only: unsafe reason");

	o = good();
	header(o, "https", "Content-Security-Policy", NULL);
	run(o);
	is_str(detail("web.csp"), "no Content-Security-Policy header", "csp absent: detail");
}

static void test_framing_and_headers(void)
{
	json_t *o = good();
	header(o, "https", "X-Frame-Options", "ALLOW-FROM https://partner.test");
	header(o, "https", "Content-Security-Policy", "default-src 'self'");
	run(o);
	is_int(status("web.framing"), FS_FAIL, "framing allow-from only: fail");
	has_detail("web.framing", "ALLOW-FROM is obsolete", "framing allow-from: said so");

	o = good();
	header(o, "https", "X-Frame-Options", NULL);
	header(o, "https", "Content-Security-Policy", "frame-ancestors 'self' https://portal.test");
	run(o);
	is_int(status("web.framing"), FS_PASS, "framing by frame-ancestors: pass");
	is_str(detail("web.framing"), "CSP frame-ancestors 'self' https://portal.test", "framing: detail");

	o = good();
	header(o, "https", "X-Frame-Options", NULL);
	header(o, "https", "Content-Security-Policy", "frame-ancestors *");
	run(o);
	is_int(status("web.framing"), FS_FAIL, "framing frame-ancestors *: fail");

	o = good();
	header(o, "https", "X-Content-Type-Options", NULL);
	header(o, "https", "Referrer-Policy", "unsafe-url");
	run(o);
	is_int(status("web.nosniff"), FS_FAIL, "nosniff absent: fail");
	is_int(status("web.referrer"), FS_FAIL, "referrer unsafe-url: fail");
	is_str(detail("web.referrer"), "Referrer-Policy unsafe-url sends full URLs to other sites",
	       "referrer unsafe-url: detail");

	o = good();
	header(o, "https", "Referrer-Policy", NULL);
	header(o, "https", "X-Content-Type-Options", "NoSniff");
	run(o);
	is_int(status("web.referrer"), FS_FAIL, "referrer absent: fail");
	is_int(status("web.nosniff"), FS_PASS, "nosniff any case: pass");

	o = good();
	header(o, "https", "Referrer-Policy", "origin");
	run(o);
	is_int(status("web.referrer"), FS_PASS, "referrer origin: acceptable");
}

static void test_cookies(void)
{
	json_t *o = good();
	header(o, "https", "Set-Cookie", "sid=1; Secure; HttpOnly; SameSite=Strict");
	add_header(o, "https", "Set-Cookie", "track=2; Secure; SameSite=None");
	add_header(o, "https", "Set-Cookie", "lang=en");
	add_header(o, "https", "Set-Cookie", "old=; Max-Age=0");
	run(o);
	is_int(status("web.cookies.secure"), FS_FAIL, "cookies mixed: secure fail");
	is_str(detail("web.cookies.secure"), "1 of 3 cookies lack Secure: lang",
	       "cookies mixed: secure detail");
	is_int(status("web.cookies.httponly"), FS_FAIL, "cookies mixed: httponly fail");
	is_str(detail("web.cookies.httponly"), "2 of 3 cookies lack HttpOnly: track, lang",
	       "cookies mixed: httponly detail");
	is_int(status("web.cookies.samesite"), FS_FAIL, "cookies mixed: samesite fail");
	is_str(detail("web.cookies.samesite"),
	       "2 of 3 cookies lack SameSite=Strict or Lax: track (None), lang (unset)",
	       "cookies mixed: samesite detail");
	is_int(json_array_size(json_object_get(get("web.cookies.secure")->evidence, "headers")), 4,
	       "cookies mixed: evidence lists every Set-Cookie line");

	o = good();
	header(o, "https", "Set-Cookie", NULL);
	run(o);
	is_int(status("web.cookies.secure"), FS_NA, "no cookies: secure na");
	is_str(reason("web.cookies.httponly"), "no_cookies", "no cookies: reason");
	is_int(status("web.cookies.samesite"), FS_NA, "no cookies: samesite na");
}

static void test_server(void)
{
	json_t *o = good();
	header(o, "https", "Server", "nginx/1.22.1");
	run(o);
	is_int(status("web.server.version"), FS_FAIL, "server nginx/1.22.1: fail");
	is_str(detail("web.server.version"), "Server header discloses a version: nginx/1.22.1",
	       "server nginx/1.22.1: detail");

	o = good();
	add_header(o, "https", "X-Powered-By", "PHP/8.1.2");
	run(o);
	is_int(status("web.server.version"), FS_FAIL, "x-powered-by PHP/8.1.2: fail");

	o = good();
	header(o, "https", "Server", NULL);
	run(o);
	is_int(status("web.server.version"), FS_PASS, "server absent: pass");
	is_str(detail("web.server.version"), "no Server header", "server absent: detail");
}

static void test_tls(void)
{
	json_t *o = good();
	set(o, "tls", "verify_code", "18");
	set(o, "tls", "verify_error", "\"self-signed certificate\"");
	json_object_set_new(json_object_get(web_part(o, "tls"), "cert"), "self_signed", json_true());
	run(o);
	is_int(status("tls.cert.trusted"), FS_FAIL, "self-signed: fail");
	is_str(detail("tls.cert.trusted"),
	       "certificate is not trusted: self-signed certificate (code 18); it is self-signed",
	       "self-signed: detail");

	o = good();
	set(o, "tls", "hostname_match", "false");
	json_object_set_new(json_object_get(web_part(o, "tls"), "cert"), "san",
	                    json_pack("[s, s]", "other.test", "www.other.test"));
	run(o);
	is_int(status("tls.cert.hostname"), FS_FAIL, "wrong host: fail");
	is_str(detail("tls.cert.hostname"),
	       "certificate names other.test, www.other.test, not www.org001.test",
	       "wrong host: detail lists SANs");

	o = good();
	json_object_set_new(json_object_get(web_part(o, "tls"), "cert"), "not_after",
	                    json_integer(NOW - 10 * DAY));
	run(o);
	is_int(status("tls.cert.expiry"), FS_FAIL, "expired: fail");
	has_detail("tls.cert.expiry", "expired 10 days ago", "expired: days named");

	o = good();
	json_object_set_new(json_object_get(web_part(o, "tls"), "cert"), "not_after",
	                    json_integer(NOW + 5 * DAY));
	run(o);
	is_int(status("tls.cert.expiry"), FS_FAIL, "expiring in 5 days: fail");
	has_detail("tls.cert.expiry", "expires in 5 days", "expiring: days named");

	o = good();
	json_object_set_new(json_object_get(web_part(o, "tls"), "cert"), "not_before",
	                    json_integer(NOW + DAY));
	run(o);
	is_int(status("tls.cert.expiry"), FS_FAIL, "not yet valid: fail");
	has_detail("tls.cert.expiry", "not yet valid", "not yet valid: said so");

	o = good();
	set(o, "tls", "legacy", "{\"TLSv1\": true, \"TLSv1.1\": true}");
	set(o, "tls", "protocol", "\"TLSv1\"");
	run(o);
	is_int(status("tls.protocol.legacy"), FS_FAIL, "legacy: fail");
	is_str(detail("tls.protocol.legacy"), "accepts TLS 1.0 and TLS 1.1", "legacy: both named");
	is_int(status("tls.protocol.modern"), FS_FAIL, "modern TLSv1: fail");

	o = good();
	set(o, "tls", "legacy", "null");
	run(o);
	is_int(status("tls.protocol.legacy"), FS_INDETERMINATE, "legacy null: indeterminate");
	is_str(reason("tls.protocol.legacy"), "not_tested", "legacy null: not_tested");

	o = good();
	set(o, "tls", "legacy", "{\"TLSv1\": false, \"TLSv1.1\": true}");
	run(o);
	is_str(detail("tls.protocol.legacy"), "accepts TLS 1.1", "legacy 1.1 only: named");
	/* A false beside a connection-level error is no refusal. */
	o = good();
	set(o, "tls", "legacy_errors", "{\"TLSv1\": \"timeout\"}");
	run(o);
	is_int(status("tls.protocol.legacy"), FS_INDETERMINATE, "legacy timeout: indeterminate");
	is_str(reason("tls.protocol.legacy"), "not_tested", "legacy timeout: reason");

	/* An anonymous suite: no certificate at all. */
	o = good();
	json_t *tls = web_part(o, "tls");
	json_object_del(tls, "cert");
	json_object_del(tls, "verify_code");
	json_object_del(tls, "hostname_match");
	set(o, "tls", "verify_error", "\"no certificate\"");
	run(o);
	is_int(status("tls.cert.trusted"), FS_FAIL, "no certificate: untrusted");
	is_int(status("tls.cert.hostname"), FS_FAIL, "no certificate: no name");
	is_int(status("tls.cert.expiry"), FS_NA, "no certificate: expiry na");
	is_str(reason("tls.cert.expiry"), "no_certificate", "no certificate: expiry reason");

	/* A server that completes only TLS 1.0/1.1 handshakes. */
	o = good();
	json_object_set_new(json_object_get(o, "web"), "tls",
	                    json_pack("{s:s, s:s, s:{s:b, s:b}, s:{}}", "status", "handshake_failed", "error",
	                              "error:0A000102:SSL routines::unsupported protocol", "legacy", "TLSv1",
	                              1, "TLSv1.1", 0, "legacy_errors"));
	set(o, "https", "status", "\"tls_error\"");
	run(o);
	is_int(status("tls.https.available"), FS_FAIL, "legacy only: https unavailable");
	has_detail("tls.https.available", "only TLS 1.0/1.1", "legacy only: said so");
	is_int(status("tls.protocol.modern"), FS_FAIL, "legacy only: modern fails");
	is_int(status("tls.protocol.legacy"), FS_FAIL, "legacy only: legacy fails");
	is_str(detail("tls.protocol.legacy"), "accepts TLS 1.0", "legacy only: TLS 1.0 named");
	is_str(reason("tls.cert.trusted"), "not_observed", "legacy only, no session recorded: cert unknown");

	/* The same, with the legacy handshake's session and the page fetched over TLS 1.0. */
	o = good();
	tls = web_part(o, "tls");
	json_object_set_new(tls, "status", json_string("handshake_failed"));
	json_object_set_new(tls, "error",
	                    json_string("error:0A00042E:SSL routines::tlsv1 alert protocol version"));
	json_object_set_new(tls, "protocol", json_string("TLSv1"));
	json_object_set_new(tls, "legacy", json_pack("{s:b, s:b}", "TLSv1", 1, "TLSv1.1", 0));
	json_object_set_new(tls, "legacy_errors", json_object());
	set(o, "https", "tls_version", "\"TLSv1\"");
	set(o, "https", "legacy_retry", "true");
	run(o);
	is_int(status("tls.https.available"), FS_FAIL, "legacy session: https still unavailable to browsers");
	is_int(status("tls.cert.trusted"), FS_PASS, "legacy session: trust judged");
	is_int(status("tls.cert.hostname"), FS_PASS, "legacy session: host name judged");
	is_int(status("tls.cert.expiry"), FS_PASS, "legacy session: expiry judged");
	is_int(status("tls.protocol.modern"), FS_FAIL, "legacy session: modern fails");
	is_int(status("web.hsts"), FS_PASS, "legacy session: HSTS judged on the TLS 1.0 page");
	is_int(status("web.csp"), FS_PASS, "legacy session: headers judged on the TLS 1.0 page");
	is_str(json_string_value(json_object_get(evidence("web.csp"), "tls_version")), "TLSv1",
	       "legacy session: the evidence says the page came over TLS 1.0");
}

static void test_https_absent(void)
{
	json_t *o = good();
	set(o, "tls", "status", "\"refused\"");
	set(o, NULL, "https", "{\"url\": \"https://www.org001.test/\", \"status\": \"refused\"}");
	set(o, "http", "code", "200");
	header(o, "http", "Location", NULL);
	add_header(o, "http", "X-Frame-Options", "SAMEORIGIN");
	run(o);
	is_int(status("tls.https.available"), FS_FAIL, "https refused: fail");
	has_detail("tls.https.available", "refuses HTTPS connections on port 443", "https refused: said so");
	is_int(status("tls.cert.trusted"), FS_NA, "https refused: cert na");
	is_str(reason("tls.protocol.legacy"), "no_https", "https refused: protocol reason");
	is_int(status("web.hsts"), FS_NA, "https refused: hsts na");
	is_str(reason("web.hsts.subdomains"), "no_https", "https refused: hsts subdomains reason");
	is_int(status("web.framing"), FS_PASS, "https refused: headers judged on the http page");
	is_int(status("web.csp"), FS_FAIL, "https refused: http page has no CSP");
	is_int(status("web.http.redirect"), FS_FAIL, "https refused: no redirect");
	is_str(detail("web.http.redirect"),
	       "http://www.org001.test/ answers 200 without redirecting to HTTPS",
	       "https refused: redirect detail");

	o = good();
	set(o, "tls", "status", "\"refused\"");
	set(o, "http", "status", "\"refused\"");
	set(o, "https", "status", "\"refused\"");
	run(o);
	is_int(status("tls.https.available"), FS_INDETERMINATE, "nothing answers: indeterminate");
	is_str(reason("tls.https.available"), "unreachable", "nothing answers: unreachable");
	is_int(status("web.http.redirect"), FS_NA, "nothing answers: http refused is na");

	o = good();
	set(o, "tls", "status", "\"timeout\"");
	set(o, "https", "status", "\"timeout\"");
	run(o);
	is_int(status("tls.https.available"), FS_INDETERMINATE, "tls timeout: indeterminate");
	is_str(reason("tls.cert.expiry"), "timeout", "tls timeout: cert reason");
	is_str(reason("web.hsts"), "timeout", "tls timeout: hsts reason");
	is_str(reason("web.csp"), "timeout", "tls timeout: header reason");
	is_int(status("web.http.redirect"), FS_PASS, "tls timeout: http still judged");

	o = good();
	set(o, "tls", "status", "\"handshake_failed\"");
	set(o, "tls", "error", "\"error:0A00042E:SSL routines::tlsv1 alert protocol version\"");
	set(o, "https", "status", "\"tls_error\"");
	run(o);
	is_int(status("tls.https.available"), FS_FAIL, "versions rejected: fail");
	has_detail("tls.https.available", "rejected every TLS version", "versions rejected: said so");
	is_str(reason("web.hsts"), "no_https", "versions rejected: hsts na");

	o = good();
	set(o, "tls", "status", "\"handshake_failed\"");
	set(o, "tls", "error", "\"error:0A000410:SSL routines::sslv3 alert handshake failure\"");
	set(o, "https", "status", "\"tls_error\"");
	run(o);
	is_int(status("tls.https.available"), FS_INDETERMINATE, "other handshake failure: indeterminate");
	is_str(reason("tls.https.available"), "handshake_failed", "other handshake failure: reason");
}

/* Port 443 answers, but not with TLS: the first bytes decide (docs/METHODOLOGY.md). */
static json_t *not_tls(const char *first_bytes_hex)
{
	json_t *o = good();
	char v[200];
	set(o, "tls", "status", "\"handshake_failed\"");
	set(o, "tls", "error", "\"error:0A00010B:SSL routines::wrong version number\"");
	snprintf(v, sizeof v, "\"%s\"", first_bytes_hex);
	set(o, "tls", "first_bytes", v);
	set(o, "https", "status", "\"tls_error\"");
	return o;
}

static void test_not_tls(void)
{
	/* "HTTP/1.1 400 Bad Request": plain HTTP on 443 is a real misconfiguration */
	run(not_tls("485454502f312e3120343030204261642052657175657374"));
	is_int(status("tls.https.available"), FS_FAIL, "plain HTTP on 443: fail");
	is_str(detail("tls.https.available"), "www.org001.test answers on port 443 with plain HTTP, not TLS",
	       "plain HTTP on 443: detail names the protocol");
	is_str(reason("tls.cert.trusted"), "no_https", "plain HTTP on 443: cert checks na");
	/* judged on the http:// answer, a redirect without CSP */
	is_int(status("web.csp"), FS_FAIL, "plain HTTP on 443: headers judged on http://");
	run(not_tls("5353482d322e302d4f70656e5353485f392e32"));
	is_int(status("tls.https.available"), FS_FAIL, "SSH on 443: fail");
	has_detail("tls.https.available", "with SSH, not TLS", "SSH on 443: said so");
	/* hostile002's garbage: neither TLS nor a protocol anyone can name */
	run(not_tls("c7a5e1093f"));
	is_int(status("tls.https.available"), FS_INDETERMINATE, "noise on 443: indeterminate");
	is_str(reason("tls.https.available"), "not_tls", "noise on 443: reason not_tls");
	is_str(reason("tls.cert.trusted"), "not_tls", "noise on 443: cert checks indeterminate too");
	is_str(reason("web.hsts"), "not_tls", "noise on 443: hsts indeterminate");
	/* a TLS alert record (type 21, version 3.x) is TLS: the error text decides as before */
	run(not_tls("15030300020246"));
	is_int(status("tls.https.available"), FS_FAIL, "TLS record with a version error: still fail");
	has_detail("tls.https.available", "rejected every TLS version", "TLS record: versions rejected");
}

static void test_redirect(void)
{
	json_t *o = good();
	header(o, "http", "Location", "http://www.org001.test/home");
	set(o, NULL, "redirects", "[]");
	run(o);
	is_int(status("web.http.redirect"), FS_FAIL, "redirect to http://: fail");
	is_str(detail("web.http.redirect"),
	       "http://www.org001.test/ answers 301, redirecting to http://www.org001.test/home: not HTTPS",
	       "redirect to http://: detail");

	o = good();
	set(o, "http", "code", "308");
	header(o, "http", "Location", "HTTPS://WWW.org001.test/");
	json_object_del(json_object_get(o, "web"), "redirects");
	run(o);
	is_int(status("web.http.redirect"), FS_PASS, "redirect 308 to HTTPS:// (any case): pass");
	has_detail("web.http.redirect", "(chain not recorded)", "no chain: judged on Location alone");

	/* An older scan has no web.redirects; an empty one means the redirect was never followed. */
	o = good();
	set(o, NULL, "redirects", "[]");
	run(o);
	is_int(status("web.http.redirect"), FS_INDETERMINATE, "empty chain after a 301: indeterminate");
	is_str(reason("web.http.redirect"), "not_observed", "empty chain after a 301: reason");
	has_detail("web.http.redirect", "but the chain was not followed", "empty chain: said so");

	o = good();
	header(o, "http", "Location", "https://org001.test/");
	set(o, NULL, "redirects", "[]");
	run(o);
	is_int(status("web.http.redirect"), FS_FAIL, "redirect to https on another host: fail");

	o = good();
	header(o, "http", "Location", "/secure");
	set(o, NULL, "redirects", "[]");
	run(o);
	is_int(status("web.http.redirect"), FS_FAIL, "relative redirect stays on http: fail");

	o = good();
	set(o, "http", "status", "\"refused\"");
	run(o);
	is_int(status("web.http.redirect"), FS_NA, "http refused: na");
	is_str(reason("web.http.redirect"), "no_http", "http refused: reason");

	o = good();
	set(o, "http", "status", "\"timeout\"");
	run(o);
	is_int(status("web.http.redirect"), FS_INDETERMINATE, "http timeout: indeterminate");
	is_str(reason("web.http.redirect"), "timeout", "http timeout: reason");
}

/* Sets web.redirects to hops given as (url, status, code, location) quadruples. */
static void chain(json_t *obs, int n, const char *const *hops)
{
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		const char *const *h = hops + 4 * i;
		json_t *headers = h[3] ? json_pack("[[s, s]]", "Location", h[3]) : json_array();
		json_array_append_new(
		    arr, json_pack("{s:s, s:s, s:s, s:o, s:o}", "url", h[0], "addr", "127.1.0.1", "status",
		                   h[1], "code", h[2] ? json_integer(strtol(h[2], NULL, 10)) : json_null(),
		                   "headers", headers));
	}
	json_object_set_new(json_object_get(obs, "web"), "redirects", arr);
}

/* Gives the last hop of web.redirects the probe's reason for not following it. */
static void last_hop_reason(json_t *obs, const char *why)
{
	json_t *hops = json_object_get(json_object_get(obs, "web"), "redirects");
	json_object_set_new(json_array_get(hops, json_array_size(hops) - 1), "reason", json_string(why));
}

static void test_redirect_chain(void)
{
	json_t *o = good();
	run(o);
	is_int(status("web.http.redirect"), FS_PASS, "chain: same-host https, ends 200: pass");
	is_str(
	    detail("web.http.redirect"),
	    "http://www.org001.test/ redirects to HTTPS on the same host, ending at https://www.org001.test/ "
	    "(200) after 1 redirect",
	    "chain: pass detail");
	const json_t *ev = evidence("web.http.redirect");
	is_int(json_array_size(json_object_get(ev, "chain")), 2, "chain: both hops in the evidence");
	is_str(
	    json_string_value(json_object_get(json_array_get(json_object_get(ev, "chain"), 0), "location")),
	    "https://www.org001.test/", "chain: hop 0's Location in the evidence");

	o = good();
	header(o, "http", "Location", "https://portal.vendor.test/login");
	chain(o, 1, (const char *const[]){"https://portal.vendor.test/login", "ok", "200", NULL});
	run(o);
	is_int(status("web.http.redirect"), FS_FAIL, "chain: first redirect off-host: fail");
	has_detail("web.http.redirect", "first redirects to another host, https://portal.vendor.test/login",
	           "chain: off-host detail");

	o = good();
	chain(o, 2,
	      (const char *const[]){"https://www.org001.test/", "ok", "302", "http://www.org001.test/plain",
	                            "http://www.org001.test/plain", "ok", "200", NULL});
	run(o);
	is_int(status("web.http.redirect"), FS_FAIL, "chain: ends on http: fail");
	has_detail("web.http.redirect", "ends on http://www.org001.test/plain: not HTTPS",
	           "chain: ends on http detail");

	o = good();
	chain(o, 2,
	      (const char *const[]){"https://www.org001.test/", "ok", "301", "https://other.test/",
	                            "https://other.test/", "ok", "200", NULL});
	run(o);
	is_int(status("web.http.redirect"), FS_FAIL, "chain: ends off-site: fail");
	has_detail("web.http.redirect", "ends off-site, at https://other.test/", "chain: off-site detail");

	o = good();
	chain(o, 2,
	      (const char *const[]){"https://www.org001.test/", "ok", "301", "https://my.www.org001.test/",
	                            "https://my.www.org001.test:8443/", "ok", "200", NULL});
	run(o);
	is_int(status("web.http.redirect"), FS_PASS, "chain: ends on a subdomain: pass");

	o = good();
	chain(o, 2,
	      (const char *const[]){"https://www.org001.test/", "ok", "301", "https://www.org001.test/a",
	                            "https://www.org001.test/a", "not_followed", NULL, NULL});
	run(o);
	is_int(status("web.http.redirect"), FS_FAIL, "chain: beyond the hop limit: fail");
	has_detail("web.http.redirect", "redirects more than 1 times", "chain: hop limit detail");

	o = good();
	chain(o, 1, (const char *const[]){"https://www.org001.test/", "timeout", NULL, NULL});
	run(o);
	is_int(status("web.http.redirect"), FS_INDETERMINATE, "chain: last hop timed out: indeterminate");
	is_str(reason("web.http.redirect"), "timeout", "chain: timeout reason");

	/* A hop the probe did not fetch because it leaves the site: the chain ends off-site. */
	o = good();
	chain(o, 2,
	      (const char *const[]){"https://www.org001.test/", "ok", "302", "https://tracker.test/",
	                            "https://tracker.test/", "not_followed", NULL, NULL});
	last_hop_reason(o, "off_site");
	run(o);
	is_int(status("web.http.redirect"), FS_FAIL, "chain: leaves the site, not followed: fail");
	has_detail("web.http.redirect", "leaves the site, to https://tracker.test/ (not followed)",
	           "chain: leaves the site detail");
	is_str(json_string_value(json_object_get(
	           json_array_get(json_object_get(evidence("web.http.redirect"), "chain"), 2), "reason")),
	       "off_site", "chain: the reason is in the evidence");

	/* Refused for its port on this site: where it ends is unknown. */
	o = good();
	chain(o, 2,
	      (const char *const[]){"https://www.org001.test/", "ok", "302", "https://www.org001.test:8443/",
	                            "https://www.org001.test:8443/", "not_followed", NULL, NULL});
	last_hop_reason(o, "port");
	run(o);
	is_int(status("web.http.redirect"), FS_INDETERMINATE,
	       "chain: on-site port not followed: indeterminate");
	is_str(reason("web.http.redirect"), "not_followed", "chain: port reason");

	/* The hop limit is still a failure, with the probe's reason. */
	o = good();
	chain(o, 2,
	      (const char *const[]){"https://www.org001.test/", "ok", "301", "https://www.org001.test/a",
	                            "https://www.org001.test/a", "not_followed", NULL, NULL});
	last_hop_reason(o, "hop_limit");
	run(o);
	is_int(status("web.http.redirect"), FS_FAIL, "chain: hop_limit reason: fail");

	/* The last recorded hop is itself a redirect (deadline hit before it was followed). */
	o = good();
	chain(o, 1,
	      (const char *const[]){"https://www.org001.test/", "ok", "302", "https://www.org001.test/home"});
	run(o);
	is_int(status("web.http.redirect"), FS_INDETERMINATE,
	       "chain: last hop a 302 not followed: indeterminate");
	is_str(reason("web.http.redirect"), "not_observed", "chain: unfollowed 302 reason");
	has_detail("web.http.redirect", "was not followed beyond https://www.org001.test/ (302)",
	           "chain: unfollowed 302 detail");

	o = good();
	chain(o, 2,
	      (const char *const[]){"https://www.org001.test/", "ok", "302", "https://www.org001.test/home",
	                            "https://www.org001.test/home", "timeout", NULL, NULL});
	run(o);
	is_int(status("web.http.redirect"), FS_INDETERMINATE, "chain: budget ran out: indeterminate");
	is_str(reason("web.http.redirect"), "timeout", "chain: budget reason");

	o = good();
	header(o, "http", "Location", "http://www.org001.test/x");
	chain(o, 2,
	      (const char *const[]){"http://www.org001.test/x", "ok", "301", "https://www.org001.test/",
	                            "https://www.org001.test/", "ok", "200", NULL});
	run(o);
	is_int(status("web.http.redirect"), FS_FAIL, "chain: http first, https later: fail");
}

static void test_securitytxt(void)
{
	json_t *o = good();
	sectxt_body(o, "Contact: mailto:security@org001.test\n");
	run(o);
	is_int(status("web.securitytxt.present"), FS_PASS, "no Expires: present");
	is_int(status("web.securitytxt.contact"), FS_PASS, "no Expires: contact");
	is_int(status("web.securitytxt.expires"), FS_FAIL, "no Expires: fail");
	has_detail("web.securitytxt.expires", "no Expires field", "no Expires: said so");

	o = good();
	sectxt_body(o, "Contact: mailto:security@org001.test\nExpires: 2026-01-01T00:00:00Z\n");
	run(o);
	is_int(status("web.securitytxt.expires"), FS_FAIL, "past Expires: fail");
	is_str(detail("web.securitytxt.expires"), "security.txt expired on 2026-01-01 (379 days ago)",
	       "past Expires: detail");

	o = good();
	sectxt_body(
	    o,
	    "Contact: mailto:a@org001.test\nExpires: 2027-06-01T00:00:00Z\nExpires: 2027-07-01T00:00:00Z\n");
	run(o);
	is_int(status("web.securitytxt.expires"), FS_FAIL, "two Expires: fail");
	has_detail("web.securitytxt.expires", "2 Expires fields", "two Expires: counted");

	o = good();
	sectxt_body(
	    o, "# policy\r\nContact: https://org001.test/report\r\nExpires: 2027-06-01T00:00:00+00:00\r\n");
	run(o);
	is_int(status("web.securitytxt.present"), FS_PASS, "crlf: present");
	is_int(status("web.securitytxt.contact"), FS_PASS, "crlf: contact");
	is_str(detail("web.securitytxt.contact"), "Contact: https://org001.test/report",
	       "crlf: no CR in contact");
	is_int(status("web.securitytxt.expires"), FS_PASS, "crlf: expires");

	o = good();
	sectxt_body(
	    o, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
	       "Contact: mailto:security@org001.test\nExpires: 2027-06-01T00:00:00Z\n"
	       "-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCAAdFiEE\n=XyZ1\n-----END PGP SIGNATURE-----\n");
	run(o);
	is_int(status("web.securitytxt.present"), FS_PASS, "signed: present");
	has_detail("web.securitytxt.present", "PGP-signed", "signed: said so");
	is_int(status("web.securitytxt.expires"), FS_PASS, "signed: expires");
	ok(json_is_true(json_object_get(get("web.securitytxt.present")->evidence, "signed")),
	   "signed: evidence says signed");

	o = good();
	header(o, "security_txt", "Content-Type", "text/html; charset=utf-8");
	run(o);
	is_int(status("web.securitytxt.present"), FS_FAIL, "text/html: fail");
	has_detail("web.securitytxt.present", "served as text/html; charset=utf-8, not text/plain",
	           "text/html: said so");
	is_int(status("web.securitytxt.contact"), FS_NA, "text/html: contact na");
	is_str(reason("web.securitytxt.expires"), "no_securitytxt", "text/html: expires reason");

	o = good();
	sectxt_body(o, "<!DOCTYPE html>\n<html><head><title>Welcome</title></head></html>\n");
	run(o);
	is_int(status("web.securitytxt.present"), FS_FAIL, "soft 404 as text/plain: fail");
	has_detail("web.securitytxt.present", "soft 404", "soft 404: said so");

	o = good();
	set(o, "security_txt", "code", "404");
	run(o);
	is_int(status("web.securitytxt.present"), FS_FAIL, "404: fail");
	is_str(reason("web.securitytxt.contact"), "no_securitytxt", "404: contact na");

	o = good();
	set(o, "security_txt", "status", "\"timeout\"");
	run(o);
	is_int(status("web.securitytxt.present"), FS_INDETERMINATE, "timeout: indeterminate");
	is_str(reason("web.securitytxt.expires"), "timeout", "timeout: expires indeterminate too");

	o = good();
	sectxt_body(o, "Contact: security@org001.test\nExpires: 2027-06-01T00:00:00Z\n");
	run(o);
	is_int(status("web.securitytxt.contact"), FS_FAIL, "contact not a URI: fail");
	has_detail("web.securitytxt.contact",
	           "'security@org001.test' is not a mailto:", "contact not a URI: named");

	o = good();
	sectxt_body(o, "Expires: 2027-06-01T00:00:00Z\n");
	run(o);
	is_int(status("web.securitytxt.contact"), FS_FAIL, "contact missing: fail");

	/* A NUL byte in the body spoils its line only. */
	static const char nul_body[] =
	    "X: a\0b\nContact: mailto:a@org001.test\nExpires: 2027-06-01T00:00:00Z\n";
	o = good();
	json_object_set_new(web_part(o, "security_txt"), "body", json_stringn(nul_body, sizeof nul_body - 1));
	run(o);
	is_int(status("web.securitytxt.contact"), FS_PASS, "NUL in body: fields after it still read");
	is_int(json_integer_value(json_object_get(
	           json_array_get(json_object_get(get("web.securitytxt.present")->evidence, "errors"), 0),
	           "line")),
	       1, "NUL in body: problem on line 1");

	o = good();
	sectxt_body(o, "hello world\n");
	run(o);
	is_int(status("web.securitytxt.present"), FS_FAIL, "no fields: fail");

	o = good();
	set(o, "security_txt", "status", "\"refused\"");
	run(o);
	is_int(status("web.securitytxt.present"), FS_FAIL, "refused while the host answers: fail");
}

static void test_whole_shapes(void)
{
	json_t *o = good();
	set(o, NULL, "status", "\"no_address\"");
	run(o);
	all_are(FS_NA, "no_address", "no_address: every check na");

	o = good();
	set(o, NULL, "status", "\"servfail\"");
	run(o);
	all_are(FS_INDETERMINATE, "servfail", "servfail: every check indeterminate");

	is_int(run(json_object()), 0, "{}: returns 0");
	all_are(FS_INDETERMINATE, "not_observed", "{}: every check indeterminate");
	is_str(fs.v[0].domain, "", "{}: empty domain");

	is_int(run(json_pack("[i]", 1)), 0, "array document: returns 0");
	all_are(FS_INDETERMINATE, "not_observed", "array document: every check indeterminate");

	/* Every part present but of the wrong type. */
	is_int(run(json_loads("{\"domain\": 5, \"web\": {\"status\": \"ok\", \"tls\": [], \"http\": 3, "
	                      "\"https\": {\"status\": \"ok\", \"headers\": [1, [2, 3], [\"Set-Cookie\"]]}, "
	                      "\"security_txt\": {\"status\": \"ok\", \"code\": \"200\"}}}",
	                      0, NULL)),
	       0, "wrong types: returns 0");
	is_int(fs.n, NIDS, "wrong types: one finding per check");
	is_int(status("web.cookies.secure"), FS_NA, "wrong types: bad headers are no cookies");
	is_int(status("web.securitytxt.present"), FS_INDETERMINATE, "wrong types: code as string");
	is_int(status("tls.https.available"), FS_INDETERMINATE, "wrong types: tls not an object");
}

int main(void)
{
	test_good_site();
	test_endpoints();
	test_not_tls();
	test_hsts();
	test_csp();
	test_framing_and_headers();
	test_cookies();
	test_server();
	test_tls();
	test_https_absent();
	test_redirect();
	test_redirect_chain();
	test_securitytxt();
	test_whole_shapes();
	findings_clear(&fs);
	return done_testing();
}
