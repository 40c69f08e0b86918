/*
 * The web and transport analyzer: tls.* and web.* findings from the "web" part of
 * an observation (docs/OBSERVATIONS.md). One finding per check, in the order of the
 * methodology table, whatever the input's shape. It reads no clock and does no I/O.
 *
 * Judgement happens in two layers. Gates decide whether a check can be judged at all
 * (no address: not applicable; a timeout: indeterminate; no HTTPS: the HTTPS-only
 * checks do not apply); check functions then judge what the gates let through.
 *
 * Choices worth knowing:
 * - HTTPS counts as absent (tls.https.available fails) when port 443 refuses while
 *   plain HTTP answers; when the handshake failed because the server rejected every
 *   protocol version offered; when port 443 answers in a plaintext protocol that the
 *   first bytes clearly identify (HTTP, SSH, an SMTP/FTP banner, POP3, IMAP, VNC, an HTML
 *   page: "plaintext"); or when only the TLS 1.0/1.1 handshakes completed ("legacy_only":
 *   the protocol checks are then judged, and fail; the certificate checks are judged on
 *   what the legacy handshake showed, and the headers and HSTS on the https:// response
 *   fetched over TLS 1.0/1.1). Bytes that are neither TLS nor a recognisable protocol are
 *   indeterminate ("not_tls"): noise is not a verdict. Other handshake failures (cipher
 *   mismatch, resets) are indeterminate: they may be our client's limits rather than the
 *   site's.
 * - Headers are judged on the https:// response, or on the http:// one when the host
 *   has no HTTPS; redirects are not followed for that, so a redirect's own headers count.
 * - web.http.redirect judges the chain the probe followed from http://HOST/ as
 *   Mozilla's HTTP Observatory does: the first redirect must go to https:// on the
 *   same host (so HSTS can be learnt), and the chain must end on https:// on this
 *   site (the host or a subdomain); a hop the probe refused because it leaves
 *   the site ends it off-site (fail); a chain cut short by a failed fetch, a time
 *   budget, a refused port, or a last redirect never followed is indeterminate;
 *   one longer than the probe's hop limit fails.
 * - A CSP that restricts no scripts (no script-src, no default-src) fails
 *   web.csp.unsafe; frame-ancestors '*' or a bare scheme does not restrict framing.
 * - Cookies the header deletes (Max-Age <= 0) and headers browsers ignore are not
 *   counted. X-AspNet-Version and X-AspNetMvc-Version always disclose a version.
 * - security.txt must be a 200 with Content-Type text/plain (a missing type counts as
 *   absent) and not look like HTML; a redirect (not followed) or a 5xx is
 *   indeterminate. A TLS session without any certificate fails trust and host name.
 */
#include "analyze.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire_http.h"
#include "wire_sectxt.h"

#define HSTS_MIN_AGE  15768000 /* six months, as Mozilla's guidelines ask */
#define CERT_MIN_DAYS 14       /* tls.cert.expiry fails below this */
#define DETAIL_MAX    1024     /* a detail line is cut here */
#define SHOW_MAX      200      /* header text quoted in a detail is cut here */
#define DAY           86400

/* Whether a check can be judged, and if not, what to say instead. */
struct gate {
	int closed;          /* 1: emit status/reason/why instead of judging */
	enum fstatus status; /* FS_NA or FS_INDETERMINATE */
	const char *reason;  /* machine reason */
	char why[256];       /* the finding's detail */
	json_t *evidence;    /* what the gate rests on; copied per finding */
};

enum https_state {
	HTTPS_UNKNOWN = 0, /* could not tell (see reason) */
	HTTPS_OK,          /* a TLS handshake completed */
	HTTPS_ABSENT,      /* the host answers, but not over HTTPS */
};

/* Everything the checks share for one observation. */
struct ctx {
	const char *host;        /* the findings' domain */
	const char *site;        /* redirects must stay within it (the host's domain) */
	time_t now;              /* the scan time */
	struct findings *out;    /* where findings go */
	int rc;                  /* first error of findings_add, or 0 */
	const json_t *web;       /* obs.web (NULL when missing) */
	const json_t *tls;       /* web.tls */
	const json_t *http;      /* web.http fetch */
	const json_t *https;     /* web.https fetch */
	const json_t *sectxt;    /* web.security_txt fetch */
	enum https_state hstate; /* is HTTPS offered */
	const char *hreason;     /* why hstate is HTTPS_UNKNOWN / ABSENT */
	const char *plaintext;   /* the protocol port 443 spoke instead of TLS, if recognised */
	const json_t *page;      /* the fetch whose headers are judged, or NULL */
	int page_https;          /* page is the https:// fetch */
	struct gate g_web;       /* the web probe ran */
	struct gate g_tls;       /* a TLS session exists to judge */
	struct gate g_page;      /* a page exists to judge headers on */
	struct gate g_hsts;      /* an HTTPS page exists to judge HSTS on */
	struct gate g_open;      /* never closed */
};

/* ---- small helpers ---- */

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const json_t *jobj(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_object(v) ? v : NULL;
}

static const char *str_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static int is(const char *s, const char *lit)
{
	return s != NULL && strcmp(s, lit) == 0;
}

static int fetch_ok(const json_t *fetch)
{
	return is(jstr(fetch, "status"), "ok");
}

static int show_len(size_t n)
{
	return (int)(n < SHOW_MAX ? n : SHOW_MAX);
}

static json_t *copy(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return v ? json_deep_copy(v) : json_null();
}

static void fmt_date(time_t t, char buf[32])
{
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, 32, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, 32, "@%lld", (long long)t);
}

/* A duration for people: "365 days", "1 hour", "5 minutes". */
static void fmt_age(long long secs, char buf[32])
{
	static const struct {
		long long size;   /* seconds per unit */
		const char *name; /* singular name */
	} units[] = {{DAY, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
	size_t u = 0;
	while (u + 1 < sizeof units / sizeof units[0] && secs < units[u].size)
		u++;
	long long n = secs / units[u].size;
	snprintf(buf, 32, "%lld %s%s", n, units[u].name, n == 1 ? "" : "s");
}

/* Days from `from` to `to`, rounded towards zero. */
static long long days_between(time_t from, time_t to)
{
	return ((long long)to - (long long)from) / DAY;
}

/* ---- emitting ---- */

static void set_rc(struct ctx *c, int rc)
{
	if (rc < 0 && c->rc == 0)
		c->rc = rc;
}

/* Replaces control characters so a detail stays one line. */
static void one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

__attribute__((format(printf, 6, 7))) static void emit(struct ctx *c, const char *check, enum fstatus st,
                                                       const char *reason, json_t *evidence, const char *fmt,
                                                       ...)
{
	char detail[DETAIL_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	one_line(detail);
	set_rc(c, findings_add(c->out, check, c->host, st, reason, evidence, "%s", detail));
}

static void emit_gate(struct ctx *c, const char *check, const struct gate *g)
{
	json_t *ev = g->evidence ? json_deep_copy(g->evidence) : json_null();
	emit(c, check, g->status, g->reason, ev, "%s", g->why);
}

__attribute__((format(printf, 5, 6))) static void
close_gate(struct gate *g, enum fstatus st, const char *reason, json_t *evidence, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->why, sizeof g->why, fmt, ap);
	va_end(ap);
	one_line(g->why);
	g->closed = 1;
	g->status = st;
	g->reason = reason;
	json_decref(g->evidence);
	g->evidence = evidence;
}

/* ---- evidence ---- */

/* {url, status, code, error, tls_version} of a fetch: tls_version says over what it came. */
static json_t *fetch_summary(const json_t *fetch)
{
	if (fetch == NULL)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "url", copy(fetch, "url"), "status",
	                 copy(fetch, "status"), "code", copy(fetch, "code"), "error", copy(fetch, "error"),
	                 "tls_version", copy(fetch, "tls_version"));
}

/* The fetch summary plus the header lines named in `names` (NULL-terminated). */
static json_t *header_evidence(const json_t *fetch, const char *const *names)
{
	json_t *ev = fetch_summary(fetch), *lines = json_array();
	const json_t *headers = json_object_get(fetch, "headers");
	size_t i;
	json_t *e;
	json_array_foreach(headers, i, e)
	{
		const char *n = json_string_value(json_array_get(e, 0));
		for (const char *const *w = names; n != NULL && *w != NULL; w++)
			if (strcasecmp(n, *w) == 0)
				json_array_append_new(lines, json_deep_copy(e));
	}
	if (json_object_set_new(ev, "headers", lines) < 0)
		json_decref(lines);
	return ev;
}

static json_t *page_evidence(const struct ctx *c, const char *name, const char *name2)
{
	const char *names[] = {name, name2, NULL};
	return header_evidence(c->page, names);
}

/* ---- the state of HTTPS ---- */

/* OpenSSL's words for "the peer accepted none of the versions we offered". */
static int versions_rejected(const char *error)
{
	static const char *const texts[] = {"unsupported protocol", "protocol version",
	                                    "wrong version number", "no protocols available",
	                                    "version too low"};
	for (size_t i = 0; error != NULL && i < sizeof texts / sizeof texts[0]; i++)
		if (strcasestr(error, texts[i]) != NULL)
			return 1;
	return 0;
}

/* The legacy handshakes (also tried after a failed modern one) completed at 1.0 or 1.1. */
static int legacy_accepted(const struct ctx *c)
{
	const json_t *legacy = jobj(c->tls, "legacy");
	return json_is_true(json_object_get(legacy, "TLSv1")) ||
	       json_is_true(json_object_get(legacy, "TLSv1.1"));
}

/* Up to 64 bytes from the observation's hex "first_bytes"; the count, or -1 without any. */
static int first_bytes(const struct ctx *c, uint8_t *out, size_t cap)
{
	const char *hex = jstr(c->tls, "first_bytes");
	size_t n = 0;
	for (; hex != NULL && n < cap && hex[2 * n] && hex[2 * n + 1]; n++) {
		char pair[3] = {hex[2 * n], hex[2 * n + 1], 0}, *end = NULL;
		unsigned long v = strtoul(pair, &end, 16);
		if (end != pair + 2)
			return -1;
		out[n] = (uint8_t)v;
	}
	return hex != NULL && n > 0 ? (int)n : -1;
}

/*
 * The plaintext protocol these first bytes clearly belong to, or NULL. Every prefix is at
 * most 5 bytes, the record header OpenSSL always reads, so the verdict never depends on
 * how many more bytes had arrived when the handshake failed.
 */
static const char *plaintext_protocol(const uint8_t *b, size_t n)
{
	static const struct {
		const char *prefix, *name;
	} known[] = {{"HTTP/", "plain HTTP"},
	             {"SSH-", "SSH"},
	             {"220 ", "an SMTP or FTP banner"},
	             {"220-", "an SMTP or FTP banner"},
	             {"+OK", "POP3"},
	             {"* OK", "IMAP"},
	             {"RFB ", "VNC"},
	             {"<!DOC", "an HTML page"},
	             {"<html", "an HTML page"}};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		size_t len = strlen(known[i].prefix);
		if (n >= len && strncasecmp((const char *)b, known[i].prefix, len) == 0)
			return known[i].name;
	}
	return NULL;
}

/*
 * The handshake failed on bytes that are not TLS: a TLS record starts with a content
 * type of 20 to 24 and major version 3 (RFC 8446 s5.1). Sets *proto to the plaintext
 * protocol when one is recognised.
 */
static int answered_not_tls(const struct ctx *c, const char **proto)
{
	uint8_t b[64];
	int n = first_bytes(c, b, sizeof b);
	*proto = NULL;
	if (n < 0 || (b[0] >= 20 && b[0] <= 24 && (n < 2 || b[1] == 3)))
		return 0;
	*proto = plaintext_protocol(b, (size_t)n);
	return 1;
}

static void https_state(struct ctx *c)
{
	const char *proto = NULL;
	const char *st = jstr(c->tls, "status");
	c->hstate = HTTPS_UNKNOWN;
	c->hreason = st ? st : "not_observed";
	if (is(st, "ok"))
		c->hstate = HTTPS_OK;
	else if (is(st, "refused") && fetch_ok(c->http))
		c->hstate = HTTPS_ABSENT;
	else if (is(st, "refused"))
		c->hreason = "unreachable";
	else if (is(st, "handshake_failed") && legacy_accepted(c))
		c->hreason = "legacy_only";
	else if (is(st, "handshake_failed") && answered_not_tls(c, &proto)) {
		c->hreason = proto ? "plaintext" : "not_tls";
		c->hstate = proto ? HTTPS_ABSENT : HTTPS_UNKNOWN;
		c->plaintext = proto;
	} else if (is(st, "handshake_failed") && versions_rejected(jstr(c->tls, "error")))
		c->hstate = HTTPS_ABSENT;
	/* A server that speaks only TLS 1.0/1.1 is, to current browsers, no HTTPS at all. */
	if (is(c->hreason, "legacy_only"))
		c->hstate = HTTPS_ABSENT;
}

static json_t *tls_status_evidence(const struct ctx *c)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "tls_status", copy(c->tls, "status"), "tls_error",
	                 copy(c->tls, "error"), "first_bytes", copy(c->tls, "first_bytes"), "legacy",
	                 copy(c->tls, "legacy"), "http", fetch_summary(c->http));
}

/* ---- gates ---- */

static void gate_web(struct ctx *c, const json_t *obs)
{
	const char *st = jstr(c->web, "status");
	const char *name = c->host[0] ? c->host : "the domain";
	if (!json_is_object(obs) || c->web == NULL)
		close_gate(&c->g_web, FS_INDETERMINATE, "not_observed", json_null(),
		           "no web observation for %s", name);
	else if (is(st, "no_address"))
		close_gate(&c->g_web, FS_NA, "no_address", json_pack("{s:s}", "status", st),
		           "%s has no address record: there is no web site to check", name);
	else if (st != NULL && !is(st, "ok"))
		close_gate(&c->g_web, FS_INDETERMINATE, st, json_pack("{s:s}", "status", st),
		           "the web probe of %s did not run: %s", name, st);
}

static void gate_tls(struct ctx *c)
{
	if (c->hstate == HTTPS_ABSENT)
		close_gate(&c->g_tls, FS_NA, "no_https", tls_status_evidence(c),
		           "%s offers no usable HTTPS (%s)", c->host, c->hreason);
	else if (c->hstate == HTTPS_UNKNOWN)
		close_gate(&c->g_tls, FS_INDETERMINATE, c->hreason, tls_status_evidence(c),
		           "could not reach %s over HTTPS: %s%s%s", c->host, c->hreason,
		           jstr(c->tls, "error") ? ": " : "", str_or(jstr(c->tls, "error"), ""));
}

/* The page whose headers are judged: the https:// fetch, else http:// without HTTPS. */
static void gate_page(struct ctx *c)
{
	if (fetch_ok(c->https)) {
		c->page = c->https;
		c->page_https = 1;
		return;
	}
	if (c->hstate == HTTPS_ABSENT && fetch_ok(c->http)) {
		c->page = c->http;
		return;
	}
	const json_t *f = c->hstate == HTTPS_ABSENT ? c->http : c->https;
	const char *st = jstr(f, "status");
	const char *reason = c->hstate == HTTPS_UNKNOWN ? c->hreason : str_or(st, "not_observed");
	json_t *ev =
	    json_pack("{s:o, s:o}", "https", fetch_summary(c->https), "http", fetch_summary(c->http));
	close_gate(&c->g_page, FS_INDETERMINATE, reason, ev, "no response from %s to judge headers on (%s)",
	           c->host, reason);
}

static void gate_hsts(struct ctx *c)
{
	if (c->page != NULL && c->page_https)
		return;
	const struct gate *from = c->hstate == HTTPS_ABSENT ? &c->g_tls : &c->g_page;
	close_gate(&c->g_hsts, from->status, from->reason,
	           from->evidence ? json_deep_copy(from->evidence) : json_null(), "%s", from->why);
}

/* ---- transport: tls.* ---- */

static void check_https_available(struct ctx *c, const char *id)
{
	json_t *ev = tls_status_evidence(c);
	const char *err = jstr(c->tls, "error");
	if (c->hstate == HTTPS_OK)
		emit(c, id, FS_PASS, NULL, ev, "%s answers over HTTPS (%s)", c->host,
		     str_or(jstr(c->tls, "protocol"), "protocol unknown"));
	else if (is(c->hreason, "legacy_only"))
		emit(c, id, FS_FAIL, NULL, ev, "%s speaks only TLS 1.0/1.1, which current browsers refuse",
		     c->host);
	else if (c->hstate == HTTPS_ABSENT && c->plaintext != NULL)
		emit(c, id, FS_FAIL, NULL, ev, "%s answers on port 443 with %s, not TLS", c->host,
		     c->plaintext);
	else if (c->hstate == HTTPS_ABSENT && is(c->hreason, "refused"))
		emit(c, id, FS_FAIL, NULL, ev,
		     "%s answers plain HTTP but refuses HTTPS connections on port 443", c->host);
	else if (c->hstate == HTTPS_ABSENT)
		emit(c, id, FS_FAIL, NULL, ev, "%s rejected every TLS version offered: %s", c->host,
		     str_or(err, "handshake failed"));
	else
		emit(c, id, FS_INDETERMINATE, c->hreason, ev,
		     "could not tell whether %s offers HTTPS: %s%s%s", c->host, c->hreason, err ? ": " : "",
		     str_or(err, ""));
}

static json_t *cert_evidence(const struct ctx *c, const char *k1, const char *k2)
{
	return json_pack("{s:o, s:o, s:o}", k1, copy(c->tls, k1), k2, copy(c->tls, k2), "cert",
	                 copy(c->tls, "cert"));
}

/* An anonymous suite: the handshake completed without any certificate. */
static int no_certificate(const struct ctx *c)
{
	return jobj(c->tls, "cert") == NULL && !json_is_integer(json_object_get(c->tls, "verify_code")) &&
	       jstr(c->tls, "verify_error") != NULL;
}

static void check_cert_trusted(struct ctx *c, const char *id)
{
	const json_t *code = json_object_get(c->tls, "verify_code");
	const json_t *cert = jobj(c->tls, "cert");
	json_t *ev = cert_evidence(c, "verify_code", "verify_error");
	if (no_certificate(c))
		emit(c, id, FS_FAIL, NULL, ev, "the server presented no certificate (%s)",
		     jstr(c->tls, "verify_error"));
	else if (!json_is_integer(code))
		emit(c, id, FS_INDETERMINATE, "not_observed", ev,
		     "no certificate verification result recorded");
	else if (json_integer_value(code) == 0)
		emit(c, id, FS_PASS, NULL, ev, "certificate for %s chains to a trusted root (issuer %s)",
		     str_or(jstr(cert, "subject"), "?"), str_or(jstr(cert, "issuer"), "?"));
	else
		emit(c, id, FS_FAIL, NULL, ev, "certificate is not trusted: %s (code %lld)%s",
		     str_or(jstr(c->tls, "verify_error"), "verification failed"),
		     (long long)json_integer_value(code),
		     json_is_true(json_object_get(cert, "self_signed")) ? "; it is self-signed" : "");
}

/* "a, b, c (+N more)" from a JSON array of strings, cut to fit `size` (at least 32). */
static void list_names(const json_t *arr, char *buf, size_t size)
{
	size_t i, used = 0, shown = 0;
	json_t *e;
	buf[0] = '\0';
	json_array_foreach(arr, i, e)
	{
		const char *s = json_string_value(e);
		if (s == NULL)
			continue;
		/* Keep room for the "(+N more)" suffix. */
		if (used + strlen(s) + 2 + 24 > size) {
			snprintf(buf + used, size - used, "%s(+%zu more)", shown ? " " : "",
			         json_array_size(arr) - i);
			return;
		}
		used += (size_t)snprintf(buf + used, size - used, "%s%s", shown++ ? ", " : "", s);
	}
}

static void check_cert_hostname(struct ctx *c, const char *id)
{
	const json_t *match = json_object_get(c->tls, "hostname_match");
	const json_t *cert = jobj(c->tls, "cert");
	json_t *ev = json_pack("{s:o, s:s?, s:o, s:o}", "hostname_match", copy(c->tls, "hostname_match"),
	                       "host", c->host, "subject", copy(cert, "subject"), "san", copy(cert, "san"));
	char names[400];
	list_names(json_object_get(cert, "san"), names, sizeof names);
	if (no_certificate(c))
		emit(c, id, FS_FAIL, NULL, ev, "the server presented no certificate naming %s", c->host);
	else if (!json_is_boolean(match))
		emit(c, id, FS_INDETERMINATE, "not_observed", ev, "no host name check recorded");
	else if (json_is_true(match))
		emit(c, id, FS_PASS, NULL, ev, "certificate covers %s", c->host);
	else if (names[0] != '\0')
		emit(c, id, FS_FAIL, NULL, ev, "certificate names %s, not %s", names, c->host);
	else
		emit(c, id, FS_FAIL, NULL, ev,
		     "certificate (subject %s) has no subject alternative name for %s",
		     str_or(jstr(cert, "subject"), "?"), c->host);
}

static void check_cert_expiry(struct ctx *c, const char *id)
{
	const json_t *cert = jobj(c->tls, "cert");
	const json_t *nb = json_object_get(cert, "not_before"), *na = json_object_get(cert, "not_after");
	json_t *ev = json_pack("{s:o, s:o, s:I}", "not_before", copy(cert, "not_before"), "not_after",
	                       copy(cert, "not_after"), "now", (json_int_t)c->now);
	if (no_certificate(c)) {
		emit(c, id, FS_NA, "no_certificate", ev, "the server presented no certificate");
		return;
	}
	if (!json_is_integer(nb) || !json_is_integer(na)) {
		emit(c, id, FS_INDETERMINATE, "not_observed", ev, "no certificate validity dates recorded");
		return;
	}
	time_t before = (time_t)json_integer_value(nb), after = (time_t)json_integer_value(na);
	char date[32];
	fmt_date(c->now < before ? before : after, date);
	long long left = days_between(c->now, after);
	if (c->now > after)
		emit(c, id, FS_FAIL, NULL, ev, "certificate expired %lld days ago (%s)", -left, date);
	else if (c->now < before)
		emit(c, id, FS_FAIL, NULL, ev, "certificate is not yet valid (valid from %s)", date);
	else if ((long long)after - (long long)c->now < (long long)CERT_MIN_DAYS * DAY)
		emit(c, id, FS_FAIL, NULL, ev, "certificate expires in %lld days (%s): less than %d", left,
		     date, CERT_MIN_DAYS);
	else
		emit(c, id, FS_PASS, NULL, ev, "certificate valid for %lld more days (until %s)", left, date);
}

static void check_protocol_modern(struct ctx *c, const char *id)
{
	const char *p = jstr(c->tls, "protocol");
	json_t *ev =
	    json_pack("{s:o, s:o}", "protocol", copy(c->tls, "protocol"), "cipher", copy(c->tls, "cipher"));
	if (is(c->hreason, "legacy_only"))
		emit(c, id, FS_FAIL, NULL, ev,
		     "the TLS 1.2+ handshake failed (%s); only TLS 1.0/1.1 completed",
		     str_or(jstr(c->tls, "error"), "no error text"));
	else if (p == NULL)
		emit(c, id, FS_INDETERMINATE, "not_observed", ev, "no negotiated protocol recorded");
	else if (is(p, "TLSv1.2") || is(p, "TLSv1.3"))
		emit(c, id, FS_PASS, NULL, ev, "negotiates %s", p);
	else
		emit(c, id, FS_FAIL, NULL, ev, "negotiates %s: TLS 1.2 or newer is required", p);
}

/* 1 accepted, 0 refused by the server, -1 unknown (not tried, or the attempt itself failed). */
static int legacy_result(const struct ctx *c, const char *version)
{
	const json_t *v = json_object_get(jobj(c->tls, "legacy"), version);
	if (json_is_true(v))
		return 1;
	/* "false" beside a connection-level error (timeout, refused) is no refusal. */
	if (json_is_false(v) && json_object_get(jobj(c->tls, "legacy_errors"), version) == NULL)
		return 0;
	return -1;
}

static void check_protocol_legacy(struct ctx *c, const char *id)
{
	json_t *ev = json_pack("{s:o, s:o}", "legacy", copy(c->tls, "legacy"), "legacy_errors",
	                       copy(c->tls, "legacy_errors"));
	int v10 = legacy_result(c, "TLSv1"), v11 = legacy_result(c, "TLSv1.1");
	if (v10 == 1 || v11 == 1)
		emit(c, id, FS_FAIL, NULL, ev, "accepts %s%s%s", v10 == 1 ? "TLS 1.0" : "",
		     v10 == 1 && v11 == 1 ? " and " : "", v11 == 1 ? "TLS 1.1" : "");
	else if (v10 == 0 && v11 == 0)
		emit(c, id, FS_PASS, NULL, ev, "refuses TLS 1.0 and TLS 1.1");
	else
		emit(c, id, FS_INDETERMINATE, "not_tested", ev, "TLS 1.0/1.1 acceptance could not be tested");
}

/* ---- transport: web.http.redirect and HSTS ---- */

static int is_redirect(json_int_t code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

/* Scheme and host (lower case, no port, no trailing dot) of an absolute URL. */
static int url_split(const char *url, char *scheme, size_t ssz, char *host, size_t hsz)
{
	const char *sep = url != NULL ? strstr(url, "://") : NULL;
	if (sep == NULL || sep == url || (size_t)(sep - url) >= ssz)
		return -EINVAL;
	const char *h = sep + 3;
	size_t n = strcspn(h, "/?#\\");
	const char *at = memchr(h, '@', n);
	if (at != NULL) {
		n -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	const char *end = h[0] == '[' ? memchr(h, ']', n) : memchr(h, ':', n);
	size_t hl = end == NULL ? n : (size_t)(end - h) + (h[0] == '[');
	if (hl > 0 && h[hl - 1] == '.')
		hl--;
	if (hl == 0 || hl >= hsz)
		return -EINVAL;
	snprintf(scheme, ssz, "%.*s", (int)(sep - url), url);
	snprintf(host, hsz, "%.*s", (int)hl, h);
	for (char *p = scheme; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

/* The host itself or one of its subdomains (www.HOST). */
static int on_site(const char *host, const char *site)
{
	size_t hl = strlen(host), sl = strlen(site);
	return strcasecmp(host, site) == 0 ||
	       (hl > sl + 1 && host[hl - sl - 1] == '.' && strcasecmp(host + hl - sl, site) == 0);
}

/* One hop as evidence: where it went and what came back. */
static json_t *hop_summary(const json_t *hop)
{
	const char *loc = http_header_get(json_object_get(hop, "headers"), "Location", 0);
	json_t *h = json_pack("{s:o, s:o, s:o, s:o, s:s?, s:o}", "url", copy(hop, "url"), "addr",
	                      copy(hop, "addr"), "status", copy(hop, "status"), "code", copy(hop, "code"),
	                      "location", loc, "error", copy(hop, "error"));
	/* Why the probe did not follow it (only on hops it did not fetch). */
	if (h != NULL && json_object_get(hop, "reason") != NULL)
		json_object_set_new(h, "reason", copy(hop, "reason"));
	return h;
}

/* http://HOST/ and every redirect followed from it (web.redirects). */
static json_t *chain_evidence(const struct ctx *c, const json_t *hops)
{
	json_t *chain = json_array();
	size_t i;
	json_t *hop;
	json_array_append_new(chain, hop_summary(c->http));
	json_array_foreach(hops, i, hop) json_array_append_new(chain, hop_summary(hop));
	return json_pack("{s:o, s:b}", "chain", chain, "chain_recorded", json_is_array(hops));
}

/* A hop the probe did not fetch because of its hop limit (older scans: no reason, https). */
static int beyond_hop_limit(const json_t *hop, const char *scheme)
{
	const char *why = jstr(hop, "reason");
	return is(jstr(hop, "status"), "not_followed") &&
	       (is(why, "hop_limit") || (why == NULL && is(scheme, "https")));
}

/* A last hop that answered with a redirect nobody followed: the chain's end is unknown. */
static int redirect_unfollowed(const json_t *hop)
{
	return is(jstr(hop, "status"), "ok") &&
	       is_redirect(json_integer_value(json_object_get(hop, "code"))) &&
	       http_header_get(json_object_get(hop, "headers"), "Location", 0) != NULL;
}

/*
 * Where the chain ends, once its first redirect went to https:// on the same host
 * (Mozilla's HTTP Observatory, test "redirection"): the last URL must be https://
 * on this site, and the last response must have arrived. A hop the probe refused
 * because it leaves the site ends the chain off-site; one it refused for its port
 * leaves the end unknown.
 */
static void judge_chain_end(struct ctx *c, const char *id, const json_t *hops, json_t *ev)
{
	size_t n = json_array_size(hops);
	const json_t *last = json_array_get(hops, n - 1);
	const char *st = jstr(last, "status"), *url = str_or(jstr(last, "url"), "?");
	char scheme[16], host[256];
	if (url_split(url, scheme, sizeof scheme, host, sizeof host) < 0)
		emit(c, id, FS_FAIL, NULL, ev,
		     "the redirect chain of http://%s/ ends at an unusable Location: %.200s", c->host, url);
	else if (beyond_hop_limit(last, scheme))
		emit(c, id, FS_FAIL, NULL, ev, "http://%s/ redirects more than %zu times", c->host, n - 1);
	else if (is(st, "not_followed") && !on_site(host, c->site))
		emit(c, id, FS_FAIL, NULL, ev,
		     "the redirect chain of http://%s/ leaves the site, to %.200s (not followed)", c->host,
		     url);
	else if (is(st, "not_followed") && is(jstr(last, "reason"), "port"))
		emit(c, id, FS_INDETERMINATE, "not_followed", ev,
		     "the redirect chain of http://%s/ goes on to %.200s, a port that is not followed",
		     c->host, url);
	else if (!is(scheme, "https"))
		emit(c, id, FS_FAIL, NULL, ev, "the redirect chain of http://%s/ ends on %.200s: not HTTPS",
		     c->host, url);
	else if (!on_site(host, c->site))
		emit(c, id, FS_FAIL, NULL, ev, "the redirect chain of http://%s/ ends off-site, at %.200s",
		     c->host, url);
	else if (!is(st, "ok"))
		emit(c, id, FS_INDETERMINATE, str_or(st, "not_observed"), ev,
		     "the redirect chain of http://%s/ could not be followed to its end: %.200s: %s", c->host,
		     url, str_or(st, "not observed"));
	else if (redirect_unfollowed(last))
		emit(c, id, FS_INDETERMINATE, "not_observed", ev,
		     "the redirect chain of http://%s/ was not followed beyond %.200s (%lld)", c->host, url,
		     (long long)json_integer_value(json_object_get(last, "code")));
	else
		emit(c, id, FS_PASS, NULL, ev,
		     "http://%s/ redirects to HTTPS on the same host, ending at %.200s (%lld) after %zu "
		     "redirect%s",
		     c->host, url, (long long)json_integer_value(json_object_get(last, "code")), n,
		     n == 1 ? "" : "s");
}

static void judge_redirect(struct ctx *c, const char *id)
{
	const json_t *hops = json_object_get(c->web, "redirects");
	json_int_t code = json_integer_value(json_object_get(c->http, "code"));
	const char *loc = http_header_get(json_object_get(c->http, "headers"), "Location", 0);
	/* The probe made the first hop's URL absolute; without a chain, Location as written. */
	const char *first = json_array_size(hops) > 0 ? jstr(json_array_get(hops, 0), "url") : loc;
	char scheme[16], host[256];
	json_t *ev = chain_evidence(c, hops);
	int parsed = url_split(first, scheme, sizeof scheme, host, sizeof host) == 0;
	if (!is_redirect(code) || loc == NULL)
		emit(c, id, FS_FAIL, NULL, ev, "http://%s/ answers %lld without redirecting to HTTPS",
		     c->host, (long long)code);
	else if (!parsed || !is(scheme, "https"))
		emit(c, id, FS_FAIL, NULL, ev, "http://%s/ answers %lld, redirecting to %.200s: not HTTPS",
		     c->host, (long long)code, str_or(first, loc));
	else if (strcmp(host, c->host) != 0)
		emit(c, id, FS_FAIL, NULL, ev,
		     "http://%s/ first redirects to another host, %.200s: the first redirect must stay on %s "
		     "so that browsers can learn its HSTS",
		     c->host, first, c->host);
	else if (json_is_array(hops) && json_array_size(hops) == 0)
		/* The probe records every redirect it sees: an empty chain was never followed. */
		emit(c, id, FS_INDETERMINATE, "not_observed", ev,
		     "http://%s/ answers %lld, redirecting to %.200s, but the chain was not followed",
		     c->host, (long long)code, first);
	else if (json_array_size(hops) == 0)
		emit(c, id, FS_PASS, NULL, ev,
		     "http://%s/ answers %lld, redirecting to %.200s (chain not recorded)", c->host,
		     (long long)code, first);
	else
		judge_chain_end(c, id, hops, ev);
}

static void check_http_redirect(struct ctx *c, const char *id)
{
	const char *st = jstr(c->http, "status");
	if (is(st, "ok"))
		judge_redirect(c, id);
	else if (is(st, "refused"))
		emit(c, id, FS_NA, "no_http", fetch_summary(c->http), "%s refuses plain HTTP on port 80",
		     c->host);
	else
		emit(c, id, FS_INDETERMINATE, str_or(st, "not_observed"), fetch_summary(c->http),
		     "no answer to http://%s/: %s", c->host, str_or(st, "not observed"));
}

/* What the first Strict-Transport-Security header of the page says. */
struct sts_eval {
	const char *value; /* the header value, or NULL */
	struct hsts h;     /* its parse */
	enum fstatus st;   /* web.hsts's verdict */
};

static struct sts_eval eval_hsts(const struct ctx *c)
{
	struct sts_eval e = {0};
	/* RFC 6797 s8.1: only the first STS header field counts. */
	e.value = http_header_get(json_object_get(c->page, "headers"), "Strict-Transport-Security", 0);
	e.st = FS_FAIL;
	if (e.value != NULL && http_parse_hsts(e.value, &e.h) == 0 && e.h.valid &&
	    e.h.max_age >= HSTS_MIN_AGE)
		e.st = FS_PASS;
	return e;
}

static void check_hsts(struct ctx *c, const char *id)
{
	struct sts_eval e = eval_hsts(c);
	json_t *ev = page_evidence(c, "Strict-Transport-Security", NULL);
	size_t n = e.value ? strlen(e.value) : 0;
	char age[32];
	fmt_age(e.h.max_age, age);
	if (e.value == NULL)
		emit(c, id, FS_FAIL, NULL, ev, "no Strict-Transport-Security header on https://%s/", c->host);
	else if (!e.h.valid)
		emit(c, id, FS_FAIL, NULL, ev,
		     "Strict-Transport-Security is malformed (%s), so browsers ignore it: %.*s", e.h.error,
		     show_len(n), e.value);
	else if (e.h.max_age == 0)
		emit(c, id, FS_FAIL, NULL, ev, "max-age=0 tells browsers to forget HSTS for %s", c->host);
	else if (e.st == FS_FAIL)
		emit(c, id, FS_FAIL, NULL, ev, "max-age=%lld (%s) is shorter than 6 months (%d s)",
		     e.h.max_age, age, HSTS_MIN_AGE);
	else
		emit(c, id, FS_PASS, NULL, ev, "HSTS max-age=%lld (%s)%s%s", e.h.max_age, age,
		     e.h.include_subdomains ? "; includeSubDomains" : "", e.h.preload ? "; preload" : "");
}

static void check_hsts_subdomains(struct ctx *c, const char *id)
{
	struct sts_eval e = eval_hsts(c);
	json_t *ev = page_evidence(c, "Strict-Transport-Security", NULL);
	if (e.st != FS_PASS)
		emit(c, id, FS_NA, "no_hsts", ev,
		     "HSTS is not in force on %s, so includeSubDomains does not apply", c->host);
	else if (e.h.include_subdomains)
		emit(c, id, FS_PASS, NULL, ev, "HSTS includes subdomains of %s", c->host);
	else
		emit(c, id, FS_FAIL, NULL, ev,
		     "HSTS lacks includeSubDomains: sibling hosts of %s stay strippable", c->host);
}

/* ---- application security: headers ---- */

/*
 * All values of a header joined as one list, or NULL when absent. A join past its
 * cap falls back to the first value; out of memory is remembered in c->rc.
 */
static char *joined(struct ctx *c, const char *name)
{
	const json_t *headers = json_object_get(c->page, "headers");
	char *s = NULL;
	int rc = http_header_join(headers, name, &s);
	if (rc == -E2BIG) {
		s = strdup(http_header_get(headers, name, 0));
		rc = s ? 0 : -ENOMEM;
	}
	if (rc == -ENOMEM)
		set_rc(c, rc);
	return rc == 0 ? s : NULL;
}

/*
 * The page's enforced CSP, parsed into *out; 0 when absent or without a valid
 * directive. *text is the joined value the spans in *out point into: free it after.
 */
static int page_csp(struct ctx *c, struct csp *out, char **text)
{
	*text = joined(c, "Content-Security-Policy");
	return *text != NULL && http_parse_csp(*text, out) == 0 && out->npolicies > 0;
}

static void check_csp(struct ctx *c, const char *id)
{
	struct csp csp;
	char *text;
	json_t *ev = page_evidence(c, "Content-Security-Policy", "Content-Security-Policy-Report-Only");
	const json_t *headers = json_object_get(c->page, "headers");
	int found = page_csp(c, &csp, &text);
	free(text);
	if (found)
		emit(c, id, FS_PASS, NULL, ev, "Content-Security-Policy set (%u directives)",
		     csp.ndirectives);
	else if (http_header_count(headers, "Content-Security-Policy") > 0)
		emit(c, id, FS_FAIL, NULL, ev,
		     "Content-Security-Policy is present but has no valid directive");
	else if (http_header_count(headers, "Content-Security-Policy-Report-Only") > 0)
		emit(c, id, FS_FAIL, NULL, ev,
		     "only Content-Security-Policy-Report-Only is set: it reports violations but blocks "
		     "nothing");
	else
		emit(c, id, FS_FAIL, NULL, ev, "no Content-Security-Policy header");
}

static void check_csp_unsafe(struct ctx *c, const char *id)
{
	struct csp p;
	char *text;
	json_t *ev = page_evidence(c, "Content-Security-Policy", NULL);
	if (!page_csp(c, &p, &text)) {
		emit(c, id, FS_NA, "no_csp", ev, "no enforced Content-Security-Policy to judge");
		free(text);
		return;
	}
	const char *dir = p.script_directive;
	int n = show_len(p.script_sources.n);
	const char *src = p.script_sources.p ? p.script_sources.p : "";
	if (!p.restricts_scripts)
		emit(c, id, FS_FAIL, NULL, ev,
		     "CSP has neither script-src nor default-src: any script may run");
	else if (p.inline_allowed || p.eval_allowed)
		emit(c, id, FS_FAIL, NULL, ev, "%s allows %s%s%s: %.*s", dir,
		     p.inline_allowed ? "'unsafe-inline'" : "",
		     p.inline_allowed && p.eval_allowed ? " and " : "", p.eval_allowed ? "'unsafe-eval'" : "",
		     n, src);
	else if (p.inline_neutralised)
		emit(c, id, FS_PASS, NULL, ev,
		     "%s lists 'unsafe-inline' but browsers ignore it beside a nonce, hash or "
		     "'strict-dynamic': %.*s",
		     dir, n, src);
	else
		emit(c, id, FS_PASS, NULL, ev, "%s allows neither 'unsafe-inline' nor 'unsafe-eval'", dir);
	free(text);
}

static const char *xfo_problem(enum xfo x)
{
	switch (x) {
	case XFO_ABSENT:
		return "no X-Frame-Options";
	case XFO_ALLOW_FROM:
		return "X-Frame-Options ALLOW-FROM is obsolete and ignored by browsers";
	case XFO_ALLOWALL:
		return "X-Frame-Options ALLOWALL permits framing";
	case XFO_CONFLICT:
		return "X-Frame-Options has conflicting values";
	default:
		return "X-Frame-Options value is invalid";
	}
}

static void check_framing(struct ctx *c, const char *id)
{
	struct csp p;
	char *xv = joined(c, "X-Frame-Options");
	enum xfo x = http_parse_xfo(xv);
	char *text;
	int has_csp = page_csp(c, &p, &text);
	json_t *ev = page_evidence(c, "X-Frame-Options", "Content-Security-Policy");
	struct http_span fa = has_csp ? p.frame_ancestors_value : (struct http_span){NULL, 0};
	/* An empty frame-ancestors list matches nothing, like 'none'. */
	const char *fa_text = fa.n ? fa.p : "'none'";
	int fa_len = fa.n ? show_len(fa.n) : 6;
	if (x == XFO_DENY || x == XFO_SAMEORIGIN)
		emit(c, id, FS_PASS, NULL, ev, "X-Frame-Options: %s", xfo_name(x));
	else if (has_csp && p.frame_ancestors_restricts)
		emit(c, id, FS_PASS, NULL, ev, "CSP frame-ancestors %.*s", fa_len, fa_text);
	else if (has_csp && p.frame_ancestors)
		emit(c, id, FS_FAIL, NULL, ev,
		     "framing not restricted: %s; CSP frame-ancestors %.*s allows any site", xfo_problem(x),
		     fa_len, fa_text);
	else
		emit(c, id, FS_FAIL, NULL, ev, "framing not restricted: %s and no CSP frame-ancestors",
		     xfo_problem(x));
	free(xv);
	free(text);
}

static void check_nosniff(struct ctx *c, const char *id)
{
	char *v = joined(c, "X-Content-Type-Options");
	json_t *ev = page_evidence(c, "X-Content-Type-Options", NULL);
	if (http_is_nosniff(v))
		emit(c, id, FS_PASS, NULL, ev, "X-Content-Type-Options: nosniff");
	else if (v != NULL)
		emit(c, id, FS_FAIL, NULL, ev, "X-Content-Type-Options is '%.*s', not nosniff",
		     show_len(strlen(v)), v);
	else
		emit(c, id, FS_FAIL, NULL, ev, "no X-Content-Type-Options header");
	free(v);
}

static void check_referrer(struct ctx *c, const char *id)
{
	char *v = joined(c, "Referrer-Policy");
	enum referrer r = http_parse_referrer(v);
	json_t *ev = page_evidence(c, "Referrer-Policy", NULL);
	int origin_only = r == REF_ORIGIN || r == REF_ORIGIN_WHEN_CROSS_ORIGIN;
	if (referrer_is_safe(r))
		emit(c, id, FS_PASS, NULL, ev, "Referrer-Policy: %s%s", referrer_name(r),
		     origin_only ? " (sends only the origin, never the path)" : "");
	else if (r == REF_ABSENT)
		emit(c, id, FS_FAIL, NULL, ev, "no Referrer-Policy header");
	else if (r == REF_UNRECOGNISED)
		emit(c, id, FS_FAIL, NULL, ev, "Referrer-Policy '%.*s' has no value browsers recognise",
		     show_len(strlen(v)), v);
	else
		emit(c, id, FS_FAIL, NULL, ev, "Referrer-Policy %s sends full URLs to other sites",
		     referrer_name(r));
	free(v);
}

/* ---- application security: cookies ---- */

enum cookie_attr {
	COOKIE_SECURE,   /* the Secure attribute */
	COOKIE_HTTPONLY, /* the HttpOnly attribute */
	COOKIE_SAMESITE, /* SameSite=Strict or Lax */
};

/* How the page's cookies fare on one attribute. */
struct cookie_tally {
	unsigned n;       /* cookies set (ignored and deleting ones excluded) */
	unsigned missing; /* of those, lacking the attribute */
	char names[512];  /* the names of the cookies lacking it (or of all, when none lacks it) */
};

static int cookie_has(const struct cookie *k, enum cookie_attr a)
{
	if (a == COOKIE_SECURE)
		return k->secure;
	if (a == COOKIE_HTTPONLY)
		return k->httponly;
	return k->samesite == SAMESITE_STRICT || k->samesite == SAMESITE_LAX;
}

static void tally_name(struct cookie_tally *t, const struct cookie *k, enum cookie_attr a, unsigned nth)
{
	size_t used = strlen(t->names);
	if (used + 16 >= sizeof t->names)
		return;
	int len = (int)(k->name.n < 64 ? k->name.n : 64);
	if (len == 0)
		snprintf(t->names + used, sizeof t->names - used, "%s(nameless)", nth ? ", " : "");
	else
		snprintf(t->names + used, sizeof t->names - used, "%s%.*s", nth ? ", " : "", len, k->name.p);
	used = strlen(t->names);
	if (a == COOKIE_SAMESITE && !cookie_has(k, a))
		snprintf(t->names + used, sizeof t->names - used, " (%s)", samesite_name(k->samesite));
}

/* Tallies cookies; lacking==1 lists those without the attribute, 0 those with it. */
static void tally_cookies(const json_t *headers, enum cookie_attr a, int lacking, struct cookie_tally *t)
{
	const char *v;
	unsigned listed = 0;
	memset(t, 0, sizeof *t);
	for (size_t i = 0; (v = http_header_get(headers, "Set-Cookie", i)) != NULL; i++) {
		struct cookie k;
		if (http_parse_cookie(v, &k) < 0 || k.deletes)
			continue;
		t->n++;
		t->missing += !cookie_has(&k, a);
		if (cookie_has(&k, a) != lacking)
			tally_name(t, &k, a, listed++);
	}
}

static void check_cookies(struct ctx *c, const char *id, enum cookie_attr a, const char *what)
{
	const json_t *headers = json_object_get(c->page, "headers");
	json_t *ev = page_evidence(c, "Set-Cookie", NULL);
	struct cookie_tally t;
	tally_cookies(headers, a, 1, &t);
	if (t.n == 0)
		emit(c, id, FS_NA, "no_cookies", ev, "the page sets no cookies");
	else if (t.missing > 0)
		emit(c, id, FS_FAIL, NULL, ev, "%u of %u cookies lack %s: %s", t.missing, t.n, what, t.names);
	else {
		tally_cookies(headers, a, 0, &t);
		emit(c, id, FS_PASS, NULL, ev, "all %u cookies set %s: %s", t.n, what, t.names);
	}
}

static void check_cookies_secure(struct ctx *c, const char *id)
{
	check_cookies(c, id, COOKIE_SECURE, "Secure");
}

static void check_cookies_httponly(struct ctx *c, const char *id)
{
	check_cookies(c, id, COOKIE_HTTPONLY, "HttpOnly");
}

static void check_cookies_samesite(struct ctx *c, const char *id)
{
	check_cookies(c, id, COOKIE_SAMESITE, "SameSite=Strict or Lax");
}

/* ---- application security: disclosure ---- */

/* Headers that name software; the last two carry nothing but a version. */
static const char *const disclosure_headers[] = {"Server", "X-Powered-By", "X-AspNet-Version",
                                                 "X-AspNetMvc-Version", NULL};

/* The first header line disclosing a version: its name and the version token. */
static const char *find_disclosure(const json_t *headers, struct http_span *token)
{
	for (const char *const *h = disclosure_headers; *h != NULL; h++) {
		const char *v;
		int bare = h - disclosure_headers >= 2;
		for (size_t i = 0; (v = http_header_get(headers, *h, i)) != NULL; i++) {
			if (!bare && http_discloses_version(v, token))
				return *h;
			if (bare && v[0] != '\0') {
				*token = (struct http_span){v, strlen(v)};
				return *h;
			}
		}
	}
	return NULL;
}

static void check_server_version(struct ctx *c, const char *id)
{
	const json_t *headers = json_object_get(c->page, "headers");
	json_t *ev = header_evidence(c->page, disclosure_headers);
	struct http_span tok = {NULL, 0};
	const char *h = find_disclosure(headers, &tok);
	const char *server = http_header_get(headers, "Server", 0);
	if (h != NULL)
		emit(c, id, FS_FAIL, NULL, ev, "%s header discloses a version: %.*s", h, show_len(tok.n),
		     tok.p ? tok.p : "");
	else if (server != NULL)
		emit(c, id, FS_PASS, NULL, ev, "Server: %.*s (no version)", show_len(strlen(server)), server);
	else
		emit(c, id, FS_PASS, NULL, ev, "no Server header");
}

/* ---- application security: security.txt ---- */

/* What the security.txt fetch amounts to. */
struct stxt_eval {
	enum fstatus st;     /* web.securitytxt.present's verdict */
	const char *reason;  /* for indeterminate */
	char why[320];       /* the finding's detail */
	int parsed;          /* the body was parsed into `parse` */
	struct sectxt parse; /* the parse, when parsed */
	const char *url;     /* the URL fetched */
};

__attribute__((format(printf, 4, 5))) static void stxt_set(struct stxt_eval *e, enum fstatus st,
                                                           const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof e->why, fmt, ap);
	va_end(ap);
	e->st = st;
	e->reason = reason;
}

/* Plain text that is not a page: does it hold security.txt fields? */
static void stxt_fields(struct stxt_eval *e, const char *body, size_t len)
{
	/* The probe caps bodies at 32 KiB; read no more than the parser takes. */
	e->parsed = sectxt_parse(body, len < SECTXT_MAX_BYTES ? len : SECTXT_MAX_BYTES, &e->parse) == 0;
	if (!e->parsed || e->parse.nknown == 0)
		stxt_set(e, FS_FAIL, NULL, "%s has no security.txt fields", e->url);
	else
		stxt_set(e, FS_PASS, NULL, "%s published (%u fields%s%s)", e->url, e->parse.nknown,
		         e->parse.is_signed ? ", PGP-signed (signature not verified)" : "",
		         strncmp(e->url, "http:", 5) == 0 ? ", over plain HTTP" : "");
}

/* A 200 answer: it counts only as plain text (RFC 9116 s3), never as an HTML page. */
static void stxt_body(struct stxt_eval *e, const json_t *f)
{
	const char *ctype = http_header_get(json_object_get(f, "headers"), "Content-Type", 0);
	/* The body may hold NUL bytes: take its JSON length, not strlen. */
	const json_t *b = json_object_get(f, "body");
	const char *body = str_or(json_string_value(b), "");
	size_t len = json_string_length(b);
	if (ctype == NULL)
		stxt_set(e, FS_FAIL, NULL, "%s has no Content-Type (text/plain required): treated as absent",
		         e->url);
	else if (!sectxt_content_type_ok(ctype))
		stxt_set(e, FS_FAIL, NULL, "%s is served as %.*s, not text/plain: treated as absent", e->url,
		         show_len(strlen(ctype)), ctype);
	else if (sectxt_looks_like_html(body, len < SECTXT_MAX_BYTES ? len : SECTXT_MAX_BYTES))
		stxt_set(e, FS_FAIL, NULL, "%s returns an HTML page (a soft 404), not a security.txt",
		         e->url);
	else
		stxt_fields(e, body, len);
}

static void stxt_answer(struct stxt_eval *e, const json_t *f)
{
	const json_t *code = json_object_get(f, "code");
	json_int_t v = json_integer_value(code);
	const char *loc = http_header_get(json_object_get(f, "headers"), "Location", 0);
	if (!json_is_integer(code))
		stxt_set(e, FS_INDETERMINATE, "not_observed", "no status code recorded for %s", e->url);
	else if (v == 200)
		stxt_body(e, f);
	else if (v >= 300 && v < 400)
		stxt_set(e, FS_INDETERMINATE, "redirect",
		         "%s redirects (%lld) to %s; redirects are not followed", e->url, (long long)v,
		         str_or(loc, "nowhere"));
	else if (v >= 500)
		stxt_set(e, FS_INDETERMINATE, "server_error", "%s answered %lld", e->url, (long long)v);
	else
		stxt_set(e, FS_FAIL, NULL, "%s answered %lld: no security.txt", e->url, (long long)v);
}

static int host_answered(const struct ctx *c)
{
	return c->hstate == HTTPS_OK || fetch_ok(c->http) || fetch_ok(c->https);
}

static void eval_stxt(const struct ctx *c, struct stxt_eval *e)
{
	const char *st = jstr(c->sectxt, "status");
	memset(e, 0, sizeof *e);
	e->url = str_or(jstr(c->sectxt, "url"), "security.txt");
	if (is(st, "ok"))
		stxt_answer(e, c->sectxt);
	else if (is(st, "refused") && host_answered(c))
		stxt_set(e, FS_FAIL, NULL, "%s: connection refused although %s answers otherwise", e->url,
		         c->host);
	else if (is(st, "refused"))
		stxt_set(e, FS_INDETERMINATE, "unreachable", "%s: connection refused", e->url);
	else
		stxt_set(e, FS_INDETERMINATE, str_or(st, "not_observed"), "no answer for %s: %s", e->url,
		         str_or(st, "not observed"));
}

static json_t *span_json(struct sectxt_span s)
{
	json_t *j = json_stringn(s.p ? s.p : "", s.n);
	return j ? j : json_string("(not UTF-8)");
}

static json_t *stxt_errors(const struct sectxt *p)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < p->nerr && i < SECTXT_MAX_ERRORS; i++)
		json_array_append_new(
		    a, json_pack("{s:i, s:s}", "line", (int)p->err[i].line, "what", p->err[i].what));
	return a;
}

static json_t *stxt_evidence(const struct ctx *c, const struct stxt_eval *e)
{
	const json_t *f = c->sectxt;
	json_t *ev = json_pack("{s:o, s:o, s:o, s:s?, s:o}", "url", copy(f, "url"), "status",
	                       copy(f, "status"), "code", copy(f, "code"), "content_type",
	                       http_header_get(json_object_get(f, "headers"), "Content-Type", 0), "truncated",
	                       copy(f, "truncated"));
	if (ev == NULL || !e->parsed)
		return ev;
	json_t *contacts = json_array();
	for (unsigned i = 0; i < e->parse.ncontact && i < SECTXT_MAX_KEPT; i++)
		json_array_append_new(contacts, span_json(e->parse.contact[i]));
	json_object_set_new(ev, "contact", contacts);
	json_object_set_new(ev, "expires",
	                    e->parse.expires_text.n ? span_json(e->parse.expires_text) : json_null());
	json_object_set_new(ev, "expires_count", json_integer(e->parse.count[SECTXT_EXPIRES]));
	json_object_set_new(ev, "signed", json_boolean(e->parse.is_signed));
	json_object_set_new(ev, "errors", stxt_errors(&e->parse));
	return ev;
}

static void check_stxt_present(struct ctx *c, const char *id)
{
	struct stxt_eval e;
	eval_stxt(c, &e);
	emit(c, id, e.st, e.reason, stxt_evidence(c, &e), "%s", e.why);
}

/* For the fields: not applicable without a file, indeterminate when presence is. */
static int stxt_field_gate(struct ctx *c, const char *id, const struct stxt_eval *e)
{
	if (e->st == FS_PASS)
		return 0;
	if (e->st == FS_INDETERMINATE)
		emit(c, id, FS_INDETERMINATE, e->reason, stxt_evidence(c, e), "%s", e->why);
	else
		emit(c, id, FS_NA, "no_securitytxt", stxt_evidence(c, e), "no security.txt published");
	return 1;
}

static void check_stxt_contact(struct ctx *c, const char *id)
{
	struct stxt_eval e;
	eval_stxt(c, &e);
	if (stxt_field_gate(c, id, &e))
		return;
	const struct sectxt *p = &e.parse;
	struct sectxt_span first = p->ncontact ? p->contact[0] : p->bad_contact;
	json_t *ev = stxt_evidence(c, &e);
	if (p->ncontact > 0)
		emit(c, id, FS_PASS, NULL, ev, "Contact: %.*s%s", show_len(first.n), first.p,
		     p->ncontact > 1 ? " (and more)" : "");
	else if (p->bad_contact.n > 0)
		emit(c, id, FS_FAIL, NULL, ev,
		     "no usable Contact: '%.*s' is not a mailto:, https: or tel: URI", show_len(first.n),
		     first.p);
	else
		emit(c, id, FS_FAIL, NULL, ev, "security.txt has no Contact field");
}

static void judge_expires(struct ctx *c, const char *id, const struct sectxt *p, json_t *ev)
{
	unsigned count = p->count[SECTXT_EXPIRES];
	char date[32];
	fmt_date(p->expires, date);
	long long left = days_between(c->now, p->expires);
	if (count == 0)
		emit(c, id, FS_FAIL, NULL, ev, "security.txt has no Expires field (RFC 9116 requires one)");
	else if (count > 1)
		emit(c, id, FS_FAIL, NULL, ev, "security.txt has %u Expires fields; exactly one is allowed",
		     count);
	else if (!p->expires_valid)
		emit(c, id, FS_FAIL, NULL, ev, "Expires '%.*s' is not an RFC 3339 date-time",
		     show_len(p->expires_text.n), p->expires_text.p);
	else if (p->expires <= c->now)
		emit(c, id, FS_FAIL, NULL, ev, "security.txt expired on %s (%lld days ago)", date, -left);
	else
		emit(c, id, FS_PASS, NULL, ev, "security.txt expires on %s (%lld days left)", date, left);
}

static void check_stxt_expires(struct ctx *c, const char *id)
{
	struct stxt_eval e;
	eval_stxt(c, &e);
	if (!stxt_field_gate(c, id, &e))
		judge_expires(c, id, &e.parse, stxt_evidence(c, &e));
}

/* ---- the check table ---- */

enum gate_kind {
	G_WEB,   /* only the web probe must have run */
	G_TLS,   /* a TLS session must exist */
	G_PROTO, /* a TLS session, or handshakes that completed only at TLS 1.0/1.1 */
	G_HSTS,  /* an HTTPS page must exist */
	G_PAGE,  /* a page must exist */
};

static const struct {
	const char *id;                               /* check id (method.c) */
	enum gate_kind gate;                          /* what must hold before judging */
	void (*judge)(struct ctx *c, const char *id); /* emits the finding */
} web_checks[] = {
    {"tls.https.available", G_WEB, check_https_available},
    {"tls.cert.trusted", G_TLS, check_cert_trusted},
    {"tls.cert.hostname", G_TLS, check_cert_hostname},
    {"tls.cert.expiry", G_TLS, check_cert_expiry},
    {"tls.protocol.modern", G_PROTO, check_protocol_modern},
    {"tls.protocol.legacy", G_PROTO, check_protocol_legacy},
    {"web.http.redirect", G_WEB, check_http_redirect},
    {"web.hsts", G_HSTS, check_hsts},
    {"web.hsts.subdomains", G_HSTS, check_hsts_subdomains},
    {"web.csp", G_PAGE, check_csp},
    {"web.csp.unsafe", G_PAGE, check_csp_unsafe},
    {"web.framing", G_PAGE, check_framing},
    {"web.nosniff", G_PAGE, check_nosniff},
    {"web.referrer", G_PAGE, check_referrer},
    {"web.cookies.secure", G_PAGE, check_cookies_secure},
    {"web.cookies.httponly", G_PAGE, check_cookies_httponly},
    {"web.cookies.samesite", G_PAGE, check_cookies_samesite},
    {"web.server.version", G_PAGE, check_server_version},
    {"web.securitytxt.present", G_WEB, check_stxt_present},
    {"web.securitytxt.contact", G_WEB, check_stxt_contact},
    {"web.securitytxt.expires", G_WEB, check_stxt_expires},
};

static const struct gate *pick_gate(const struct ctx *c, enum gate_kind k)
{
	if (c->g_web.closed)
		return &c->g_web;
	/* A legacy-only site still showed a certificate (the legacy handshake recorded it). */
	if ((k == G_PROTO || k == G_TLS) && is(c->hreason, "legacy_only"))
		return &c->g_open;
	if (k == G_TLS || k == G_PROTO)
		return &c->g_tls;
	if (k == G_HSTS)
		return &c->g_hsts;
	if (k == G_PAGE)
		return &c->g_page;
	return &c->g_open;
}

static void ctx_init(struct ctx *c, const json_t *obs, const json_t *web, time_t now, struct findings *out)
{
	memset(c, 0, sizeof *c);
	c->web = web;
	c->host = jstr(c->web, "host") ? jstr(c->web, "host") : str_or(jstr(obs, "domain"), "");
	c->site = jstr(c->web, "site") ? jstr(c->web, "site") : c->host;
	c->now = now;
	c->out = out;
	c->tls = jobj(c->web, "tls");
	c->http = jobj(c->web, "http");
	c->https = jobj(c->web, "https");
	c->sectxt = jobj(c->web, "security_txt");
	gate_web(c, obs);
	https_state(c);
	gate_tls(c);
	gate_page(c);
	gate_hsts(c);
}

static void ctx_free(struct ctx *c)
{
	json_decref(c->g_web.evidence);
	json_decref(c->g_tls.evidence);
	json_decref(c->g_page.evidence);
	json_decref(c->g_hsts.evidence);
}

/* Every web check for one endpoint's web part; the findings name its address. */
static int analyze_endpoint(const json_t *obs, const json_t *web, time_t now, struct findings *out)
{
	struct ctx c;
	size_t first = out->n;
	const char *addr = jstr(web, "addr");
	ctx_init(&c, obs, web, now, out);
	for (size_t i = 0; i < sizeof web_checks / sizeof web_checks[0]; i++) {
		const struct gate *g = pick_gate(&c, web_checks[i].gate);
		if (g->closed)
			emit_gate(&c, web_checks[i].id, g);
		else
			web_checks[i].judge(&c, web_checks[i].id);
	}
	ctx_free(&c);
	for (size_t i = first; addr != NULL && c.rc == 0 && i < out->n; i++)
		if ((out->v[i].endpoint = strdup(addr)) == NULL)
			c.rc = -ENOMEM;
	return c.rc;
}

int analyze_web(const json_t *obs, time_t now, struct findings *out)
{
	const json_t *webs = json_object_get(obs, "webs");
	if (out == NULL)
		return -EINVAL;
	/* Scans before assets: one web part, the apex's first address. */
	if (!json_is_array(webs))
		return analyze_endpoint(obs, jobj(obs, "web"), now, out);
	int apex = 0;
	for (size_t i = 0; i < json_array_size(webs); i++) {
		const json_t *web = json_array_get(webs, i);
		int rc = analyze_endpoint(obs, web, now, out);
		if (rc < 0)
			return rc;
		apex |= jstr(web, "host") && jstr(obs, "domain") &&
		        strcasecmp(jstr(web, "host"), jstr(obs, "domain")) == 0;
	}
	/* The apex was never probed (the deadline came first): say so, as for any unobserved part. */
	return apex ? 0 : analyze_endpoint(obs, NULL, now, out);
}
