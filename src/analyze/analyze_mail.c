/* Mail transport policy checks: mail.mta_sts, mail.tlsrpt, mail.dane (see analyze_mail.h). */
#include "analyze_mail.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wire_mtasts.h"

#define MX_MAX 8 /* MX hosts judged, as many as discovery makes assets of */

struct mailctx {
	const char *domain;    /* obs.domain */
	const json_t *obs;     /* the document */
	const json_t *mp;      /* obs.mail_policy, or NULL */
	const char *mx_reason; /* the MX lookup failed or was not made: why; else NULL */
	char mx[MX_MAX][256];  /* the domain's MX hosts, lower case, no trailing dot */
	size_t nmx;            /* how many (0 with mx_reason NULL: no mail, or a null MX) */
	struct findings *out;  /* where findings go */
	int rc;                /* first error (-ENOMEM), 0 while none */
};

static int is(const char *s, const char *lit)
{
	return s != NULL && strcmp(s, lit) == 0;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *copy(const json_t *v)
{
	json_t *j = v != NULL ? json_deep_copy(v) : NULL;
	return j != NULL ? j : json_null();
}

static void emit(struct mailctx *c, const char *check, const char *domain, enum fstatus st,
                 const char *reason, json_t *evidence, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void emit(struct mailctx *c, const char *check, const char *domain, enum fstatus st,
                 const char *reason, json_t *evidence, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* Details are one line of ASCII: network text may hold anything. */
	for (char *s = line; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
	if (findings_add(c->out, check, domain, st, reason, evidence, "%s", line) < 0 && c->rc == 0)
		c->rc = -ENOMEM;
}

/* A lookup status that says nothing about the records: the finding is indeterminate. */
static int lookup_failed(const char *status)
{
	return status == NULL || !(is(status, "ok") || is(status, "nodata") || is(status, "nxdomain"));
}

/* The MX hosts of dns.mx (a null MX "." is none); mx_reason when the lookup gave no answer. */
static void read_mx(struct mailctx *c)
{
	const json_t *lk = json_object_get(json_object_get(c->obs, "dns"), "mx"), *r;
	const char *st = jstr(lk, "status");
	size_t i;
	if (lk == NULL || lookup_failed(st)) {
		c->mx_reason = lk == NULL ? "not_observed" : st != NULL ? st : "error";
		return;
	}
	json_array_foreach(json_object_get(lk, "records"), i, r)
	{
		const char *h = jstr(r, "host");
		size_t n = h != NULL ? strlen(h) : 0;
		if (n > 0 && h[n - 1] == '.')
			n--;
		if (n == 0 || n >= sizeof c->mx[0] || c->nmx == MX_MAX)
			continue;
		for (size_t k = 0; k < n; k++)
			c->mx[c->nmx][k] = (char)(h[k] >= 'A' && h[k] <= 'Z' ? h[k] - 'A' + 'a' : h[k]);
		c->mx[c->nmx++][n] = '\0';
	}
}

/* 1 when a mail check does not apply or cannot be judged for lack of MX data: it was emitted. */
static int mx_gate(struct mailctx *c, const char *check, const char *what)
{
	if (c->mx_reason != NULL) {
		emit(c, check, c->domain, FS_INDETERMINATE, c->mx_reason,
		     copy(json_object_get(json_object_get(c->obs, "dns"), "mx")),
		     "the MX lookup of %s gave no answer (%s): %s unknown", c->domain, c->mx_reason, what);
		return 1;
	}
	if (c->nmx == 0) {
		emit(c, check, c->domain, FS_NA, "no_mx",
		     copy(json_object_get(json_object_get(c->obs, "dns"), "mx")),
		     "%s receives no mail (no MX, or a null MX): %s does not apply", c->domain, what);
		return 1;
	}
	if (c->mp == NULL) {
		emit(c, check, c->domain, FS_INDETERMINATE, "not_observed", json_null(),
		     "no mail policy was observed for %s", c->domain);
		return 1;
	}
	return 0;
}

/* The MX hosts no policy pattern matches (RFC 8461 s4.1), comma-separated into buf; their count. */
static size_t unmatched(const struct mailctx *c, const json_t *patterns, char *buf, size_t len)
{
	size_t bad = 0, used = 0, i;
	const json_t *p;
	buf[0] = '\0';
	for (size_t k = 0; k < c->nmx; k++) {
		int hit = 0;
		json_array_foreach(patterns, i, p) hit |=
		    json_is_string(p) && mtasts_mx_match(json_string_value(p), c->mx[k]);
		if (hit)
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", bad++ ? ", " : "", c->mx[k]);
		used = n > 0 && (size_t)n < len - used ? used + (size_t)n : used;
	}
	return bad;
}

static json_t *mx_json(const struct mailctx *c)
{
	json_t *a = json_array();
	for (size_t k = 0; k < c->nmx; k++)
		json_array_append_new(a, json_string(c->mx[k]));
	return a;
}

/* The served policy, once the record is valid and the policy was fetched and parsed. */
static void sts_policy(struct mailctx *c, const json_t *sts, const json_t *pol)
{
	const char *check = "mail.mta_sts", *st = jstr(pol, "status"), *mode = jstr(pol, "mode");
	json_t *ev = json_pack("{s:O, s:o}", "mta_sts", sts, "mx", mx_json(c));
	char bad[512];
	if (pol == NULL || is(st, "timeout") || is(st, "out_of_scope") || st == NULL)
		emit(c, check, c->domain, FS_INDETERMINATE, st ? st : "not_observed", ev,
		     "the MTA-STS policy of %s could not be fetched (%s)", c->domain,
		     st ? st : "not fetched");
	else if (!is(st, "ok"))
		emit(c, check, c->domain, FS_FAIL, NULL, ev,
		     "the MTA-STS policy at %s is not served (%s%s%s): senders have no policy",
		     jstr(pol, "url") ? jstr(pol, "url") : "?", st, jstr(pol, "error") ? ": " : "",
		     jstr(pol, "error") ? jstr(pol, "error") : "");
	else if (!json_is_true(json_object_get(pol, "valid")))
		emit(c, check, c->domain, FS_FAIL, NULL, ev,
		     "the MTA-STS policy of %s is invalid (%s): senders ignore it", c->domain,
		     jstr(pol, "error") ? jstr(pol, "error") : "?");
	else if (unmatched(c, json_object_get(pol, "mx"), bad, sizeof bad) > 0)
		emit(c, check, c->domain, FS_FAIL, NULL, ev,
		     "MTA-STS policy (mode %s) matches no pattern for MX %s: enforcing senders refuse to "
		     "deliver there",
		     mode ? mode : "?", bad);
	else if (is(mode, "enforce"))
		emit(c, check, c->domain, FS_PASS, NULL, ev, "MTA-STS enforce policy covering every MX of %s",
		     c->domain);
	else if (is(mode, "testing"))
		emit(
		    c, check, c->domain, FS_FAIL, NULL, ev,
		    "MTA-STS in testing mode: senders report failures but still deliver over unauthenticated "
		    "or plaintext connections");
	else
		emit(c, check, c->domain, FS_FAIL, NULL, ev, "MTA-STS policy mode %s: no policy applies",
		     mode ? mode : "?");
	if (ev == NULL && c->rc == 0)
		c->rc = -ENOMEM;
}

static void check_mta_sts(struct mailctx *c)
{
	const char *check = "mail.mta_sts";
	if (mx_gate(c, check, "MTA-STS"))
		return;
	const json_t *sts = json_object_get(c->mp, "mta_sts"), *rec = json_object_get(sts, "record");
	const char *st = jstr(json_object_get(sts, "txt"), "status");
	if (lookup_failed(st))
		emit(c, check, c->domain, FS_INDETERMINATE, st ? st : "not_observed", copy(sts),
		     "the _mta-sts TXT lookup of %s gave no answer (%s)", c->domain, st ? st : "not made");
	else if (!json_is_object(rec))
		emit(c, check, c->domain, FS_FAIL, NULL, copy(sts),
		     "no MTA-STS record at _mta-sts.%s: STARTTLS to the MX can be stripped or redirected "
		     "unnoticed",
		     c->domain);
	else if (!json_is_true(json_object_get(rec, "valid")))
		emit(c, check, c->domain, FS_FAIL, NULL, copy(sts),
		     "the MTA-STS record of %s is invalid (%s)", c->domain,
		     jstr(rec, "error") ? jstr(rec, "error") : "?");
	else
		sts_policy(c, sts, json_object_get(sts, "policy"));
}

static void check_tlsrpt(struct mailctx *c)
{
	const char *check = "mail.tlsrpt";
	if (mx_gate(c, check, "TLS-RPT"))
		return;
	const json_t *rpt = json_object_get(c->mp, "tls_rpt"), *rec = json_object_get(rpt, "record");
	const char *st = jstr(json_object_get(rpt, "txt"), "status");
	if (lookup_failed(st))
		emit(c, check, c->domain, FS_INDETERMINATE, st ? st : "not_observed", copy(rpt),
		     "the _smtp._tls TXT lookup of %s gave no answer (%s)", c->domain, st ? st : "not made");
	else if (!json_is_object(rec))
		emit(c, check, c->domain, FS_FAIL, NULL, copy(rpt),
		     "no TLS-RPT record at _smtp._tls.%s: failed TLS deliveries are never reported",
		     c->domain);
	else if (!json_is_true(json_object_get(rec, "valid")))
		emit(c, check, c->domain, FS_FAIL, NULL, copy(rpt),
		     "the TLS-RPT record of %s is invalid (%s)", c->domain,
		     jstr(rec, "error") ? jstr(rec, "error") : "?");
	else
		emit(c, check, c->domain, FS_PASS, NULL, copy(rpt), "TLS-RPT reports go to %s",
		     json_string_value(json_array_get(json_object_get(rec, "rua"), 0))
		         ? json_string_value(json_array_get(json_object_get(rec, "rua"), 0))
		         : "?");
}

/* ---- DANE (RFC 7672) ---- */

/* The digest of chain element `el` a TLSA selector/matching type names, or NULL when not recorded. */
static const char *tlsa_digest(const json_t *el, json_int_t selector, json_int_t mtype)
{
	if (selector == 0 && mtype == 1)
		return jstr(el, "sha256");
	if (selector == 1 && mtype == 1)
		return jstr(el, "spki_sha256");
	if (selector == 1 && mtype == 2)
		return jstr(el, "spki_sha512");
	return NULL;
}

/* DANE-EE (3) and DANE-TA (2) are the usages for SMTP (RFC 7672 s3.1.3); PKIX ones are not used. */
static int tlsa_usable(const json_t *r)
{
	json_int_t u = json_integer_value(json_object_get(r, "usage"));
	return json_is_integer(json_object_get(r, "usage")) && (u == 2 || u == 3);
}

/*
 * Whether a certificate chain satisfies one usable TLSA record: 1 matched, 0 not, -1 the
 * record's digest of that chain was not recorded (a full-certificate SHA-512, exact data).
 */
static int tlsa_match(const json_t *r, const json_t *chain)
{
	json_int_t usage = json_integer_value(json_object_get(r, "usage"));
	json_int_t sel = json_integer_value(json_object_get(r, "selector"));
	json_int_t mt = json_integer_value(json_object_get(r, "mtype"));
	const char *data = jstr(r, "data");
	size_t from = usage == 3 ? 0 : 1, to = usage == 3 ? 1 : json_array_size(chain);
	int known = 0;
	for (size_t i = from; i < to && data != NULL; i++) {
		const char *d = tlsa_digest(json_array_get(chain, i), sel, mt);
		known |= d != NULL;
		if (d != NULL && strcasecmp(d, data) == 0)
			return 1;
	}
	return known || to <= from ? 0 : -1;
}

/* One address's certificate against the usable records: 1, 0, -1 as tlsa_match. */
static int chain_verdict(const json_t *records, const json_t *chain)
{
	int best = 0, unknown = 0;
	size_t i;
	const json_t *r;
	json_array_foreach(records, i, r)
	{
		if (!tlsa_usable(r))
			continue;
		int m = tlsa_match(r, chain);
		best |= m == 1;
		unknown |= m < 0;
	}
	return best ? 1 : unknown ? -1 : 0;
}

/* The SMTP endpoints of `host` that showed a certificate, judged; *nbad those that match no record. */
static json_t *dane_certs(const struct mailctx *c, const char *host, const json_t *records, int *nbad,
                          int *nunknown)
{
	json_t *certs = json_array();
	const json_t *s;
	size_t i;
	json_array_foreach(json_object_get(c->obs, "tls_scans"), i, s)
	{
		const json_t *chain = json_object_get(json_object_get(s, "cert"), "chain");
		const char *h = jstr(s, "host");
		if (!is(jstr(s, "service"), "smtp") || h == NULL || strcasecmp(h, host) != 0 ||
		    json_array_size(chain) == 0)
			continue;
		int v = chain_verdict(records, chain);
		*nbad += v == 0;
		*nunknown += v < 0;
		const json_t *leaf = json_array_get(chain, 0);
		json_array_append_new(
		    certs, json_pack("{s:s?, s:O?, s:s?, s:s?, s:o}", "addr", jstr(s, "addr"), "port",
		                     json_object_get(s, "port"), "leaf_sha256", jstr(leaf, "sha256"),
		                     "leaf_spki_sha256", jstr(leaf, "spki_sha256"), "matched",
		                     v < 0 ? json_null() : json_boolean(v == 1)));
	}
	return certs;
}

static const json_t *dane_entry(const struct mailctx *c, const char *host)
{
	const json_t *d;
	size_t i;
	json_array_foreach(json_object_get(c->mp, "dane"), i, d)
	{
		const char *mx = jstr(d, "mx");
		if (mx != NULL && strcasecmp(mx, host) == 0)
			return d;
	}
	return NULL;
}

/* One MX host's DANE verdict; the domain's finding is the worst of its hosts'. */
struct dane_host {
	enum fstatus st;  /* pass, fail or indeterminate */
	const char *why;  /* the reason of an indeterminate verdict */
	char detail[512]; /* one line */
	json_t *evidence; /* the host's records and certificates (owned) */
};

static void verdict(struct dane_host *v, enum fstatus st, const char *why, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void verdict(struct dane_host *v, enum fstatus st, const char *why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof v->detail, fmt, ap);
	va_end(ap);
	v->st = st;
	v->why = why;
	json_object_set_new(v->evidence, "status", json_string(fstatus_name(st)));
}

/* Secure TLSA records exist: they must match the certificate of every address of the host. */
static void dane_match(struct mailctx *c, const char *host, const json_t *tlsa, struct dane_host *v)
{
	const json_t *records = json_object_get(tlsa, "records"), *r;
	size_t i, usable = 0;
	json_array_foreach(records, i, r) usable += tlsa_usable(r);
	int nbad = 0, nunknown = 0;
	json_t *certs = dane_certs(c, host, records, &nbad, &nunknown);
	size_t n = json_array_size(certs);
	json_object_set_new(v->evidence, "certs", certs);
	if (usable == 0)
		verdict(
		    v, FS_FAIL, NULL,
		    "TLSA records of %s have no DANE-TA(2) or DANE-EE(3) usage: unusable for SMTP (RFC 7672 "
		    "s3.1.3)",
		    host);
	else if (n == 0)
		verdict(v, FS_INDETERMINATE, "no certificate observed",
		        "%zu TLSA record(s) for %s, but no certificate of its SMTP service was observed",
		        usable, host);
	else if (nbad > 0)
		verdict(v, FS_FAIL, NULL,
		        "the certificate of %d of %zu address(es) of %s matches no TLSA record: DANE senders "
		        "refuse "
		        "to deliver there",
		        nbad, n, host);
	else if (nunknown > 0)
		verdict(v, FS_INDETERMINATE, "digest not observed",
		        "the TLSA records of %s name digests the certificate summary does not hold", host);
	else
		verdict(v, FS_PASS, NULL,
		        "DNSSEC-signed TLSA records of %s match its certificate on %zu address(es)", host, n);
}

static void dane_host(struct mailctx *c, const char *host, struct dane_host *v)
{
	const json_t *d = dane_entry(c, host), *tlsa = json_object_get(d, "tlsa");
	const char *st = jstr(tlsa, "status"), *sec = jstr(tlsa, "sec");
	v->evidence = json_pack("{s:s, s:O?}", "mx", host, "tlsa", tlsa);
	if (v->evidence == NULL)
		v->evidence = json_object();
	if (tlsa == NULL)
		verdict(v, FS_INDETERMINATE, "not_observed", "no TLSA lookup for %s was made", host);
	else if (is(sec, "bogus"))
		verdict(v, FS_FAIL, NULL, "the TLSA answer for _25._tcp.%s is DNSSEC-bogus (%s)", host,
		        jstr(tlsa, "why_bogus") ? jstr(tlsa, "why_bogus") : "?");
	else if (lookup_failed(st))
		verdict(v, FS_INDETERMINATE, st ? st : "error",
		        "the TLSA lookup of _25._tcp.%s gave no answer (%s)", host, st ? st : "?");
	else if (!is(sec, "secure"))
		verdict(v, FS_FAIL, NULL,
		        "%s: the zone of %s is not DNSSEC-signed, so senders cannot use DANE (RFC 7672 s2.2)",
		        is(st, "ok") ? "TLSA records present but insecure" : "no TLSA record", host);
	else if (!is(st, "ok"))
		verdict(v, FS_FAIL, NULL,
		        "no TLSA record at _25._tcp.%s (zone signed): senders cannot authenticate the MX",
		        host);
	else
		dane_match(c, host, tlsa, v);
}

/* fail before indeterminate before pass: one MX host without DANE is a way around it. */
static int dane_rank(enum fstatus st)
{
	return st == FS_FAIL ? 2 : st == FS_INDETERMINATE ? 1 : 0;
}

/* One finding for the domain: every MX host judged, the worst standing for them all. */
static void check_dane(struct mailctx *c)
{
	struct dane_host v[MX_MAX];
	size_t worst = 0;
	if (c->mx_reason != NULL || c->nmx == 0 || c->mp == NULL) {
		mx_gate(c, "mail.dane", "DANE");
		return;
	}
	json_t *hosts = json_array();
	for (size_t k = 0; k < c->nmx; k++) {
		dane_host(c, c->mx[k], &v[k]);
		json_array_append_new(hosts, v[k].evidence);
		if (dane_rank(v[k].st) > dane_rank(v[worst].st))
			worst = k;
	}
	if (c->nmx == 1)
		emit(c, "mail.dane", c->domain, v[worst].st, v[worst].why, json_pack("{s:o}", "mx", hosts),
		     "%s", v[worst].detail);
	else
		emit(c, "mail.dane", c->domain, v[worst].st, v[worst].why, json_pack("{s:o}", "mx", hosts),
		     "%s (the worst of %zu MX hosts)", v[worst].detail, c->nmx);
}

int analyze_mail(const json_t *obs, time_t now, struct findings *out)
{
	(void)now;
	struct mailctx c = {.obs = obs, .out = out};
	c.domain = jstr(obs, "domain") ? jstr(obs, "domain") : "";
	c.mp =
	    json_is_object(json_object_get(obs, "mail_policy")) ? json_object_get(obs, "mail_policy") : NULL;
	read_mx(&c);
	check_mta_sts(&c);
	check_tlsrpt(&c);
	check_dane(&c);
	return c.rc;
}
