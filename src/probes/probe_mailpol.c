/*
 * The mail transport policy probe (module probe_mailpol_module): for each domain, the
 * TLS-RPT record (TXT _smtp._tls.DOMAIN, RFC 8460), the MTA-STS record (TXT
 * _mta-sts.DOMAIN, RFC 8461 s3.1) and, when that record is valid, the policy from
 * https://mta-sts.DOMAIN/.well-known/mta-sts.txt, fetched through the web probe's curl loop
 * (web_get: the address our resolver gave and the scope allows, no redirect, a verified
 * certificate, 64 KiB at most); for each MX host, its TLSA records (_25._tcp.MXHOST, RFC
 * 7672) with their DNSSEC state. Every question goes to the engine's resolver. It writes
 * the domain document's mail_policy (docs/OBSERVATIONS.md); it parses records with
 * wire_mtasts so the evidence says what a sender would read, but it judges nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "probe_web.h"
#include "probes.h"
#include "resolver.h"
#include "wire_mtasts.h"

#define MTA_STS_PATH "/.well-known/mta-sts.txt"

/* One domain's policy work: alive while a lookup or the policy fetch still needs it. */
struct mailpol {
	struct engine *e;       /* the engine */
	struct domain_scan *ds; /* the domain */
	json_t *mx;             /* the MX lookup, once answered (for mx_match) */
	json_t *policy;         /* mail_policy.mta_sts.policy, while fetched */
	json_t *fetch;          /* the fetch object web_get fills */
	int refs;               /* holders */
};

struct mp_ask;
typedef void (*mp_then)(struct mailpol *m, struct mp_ask *a, json_t *lookup);

/* A lookup in flight for the module. */
struct mp_ask {
	struct op op;      /* registration with the organization */
	struct mailpol *m; /* the domain's state */
	struct rquery *q;  /* the query */
	mp_then then;      /* what the answer leads to (also on the deadline, to record it) */
	char name[300];    /* what was asked */
	char type[8];      /* its type */
};

static void mailpol_put(struct mailpol *m)
{
	if (m == NULL || --m->refs > 0)
		return;
	json_decref(m->mx);
	json_decref(m->policy);
	json_decref(m->fetch);
	free(m);
}

/* The domain document's mail_policy, made on first use (the domain or a mail host may come first). */
static json_t *mp_doc(struct domain_scan *ds)
{
	json_t *mp = json_object_get(ds->doc, "mail_policy");
	if (mp == NULL) {
		mp = json_pack("{s:{s:n, s:n, s:n}, s:{s:n, s:n}, s:[]}", "mta_sts", "txt", "record",
		               "policy", "tls_rpt", "txt", "record", "dane");
		json_object_set_new(ds->doc, "mail_policy", mp);
	}
	return mp;
}

static void ask_done(struct mp_ask *a, json_t *lookup)
{
	a->then(a->m, a, lookup);
	json_decref(lookup);
	op_done(&a->op);
	mailpol_put(a->m);
	free(a);
}

static void on_answer(void *arg, json_t *lookup)
{
	ask_done(arg, lookup);
}

static void ask_cancel(struct op *op)
{
	struct mp_ask *a = (struct mp_ask *)op;
	resolver_cancel(a->q);
	json_t *lk = json_pack("{s:s, s:s, s:s, s:n, s:n, s:n, s:[]}", "name", a->name, "type", a->type,
	                       "status", "timeout", "rcode", "sec", "why_bogus", "records");
	ask_done(a, lk);
}

/* Asks (name, type); `then` gets the lookup. 0, or a negative errno (then nothing follows). */
static int ask(struct mailpol *m, const char *name, const char *type, mp_then then)
{
	if (engine_org_expired(m->ds))
		return 0;
	struct mp_ask *a = calloc(1, sizeof *a);
	if (a == NULL) {
		engine_starved(m->ds);
		return -ENOMEM;
	}
	a->m = m;
	a->then = then;
	snprintf(a->name, sizeof a->name, "%s", name);
	snprintf(a->type, sizeof a->type, "%s", type);
	m->refs++;
	op_begin(&a->op, m->ds, ask_cancel);
	int rc = resolver_query(engine_resolver(m->e), name, type, on_answer, a, &a->q);
	if (rc < 0) {
		op_done(&a->op);
		m->refs--;
		free(a);
		if (engine_resource_error(rc))
			engine_starved(m->ds);
	}
	return rc;
}

/* The TXT strings of a lookup that `is_record` accepts; *first the first of them. */
static size_t candidates(const json_t *lookup, int (*is_record)(const char *, size_t), const char **first)
{
	size_t n = 0, i;
	const json_t *r;
	*first = NULL;
	json_array_foreach(json_object_get(lookup, "records"), i, r)
	{
		const char *s = json_string_value(r);
		if (s != NULL && is_record(s, strlen(s)) && n++ == 0)
			*first = s;
	}
	return n;
}

/* RFC 8460 s3 / RFC 8461 s3.1: other TXT strings are discarded; more than one record means none. */
static json_t *several(size_t n, const char *what)
{
	char err[64];
	snprintf(err, sizeof err, "%zu %s records", n, what);
	return json_pack("{s:b, s:s}", "valid", 0, "error", err);
}

static void rpt_then(struct mailpol *m, struct mp_ask *a, json_t *lookup)
{
	json_t *rpt = json_object_get(mp_doc(m->ds), "tls_rpt"), *rec = json_null();
	const char *s;
	size_t n = candidates(lookup, tlsrpt_is_record, &s);
	json_object_set(rpt, "txt", lookup);
	if (n > 1) {
		rec = several(n, "TLS-RPT");
	} else if (n == 1) {
		struct tlsrpt_record r;
		int valid = tlsrpt_record_parse(s, strlen(s), &r) == 0;
		json_t *rua = json_array();
		for (size_t i = 0; i < r.nrua; i++)
			json_array_append_new(rua, json_string(r.rua[i]));
		rec = json_pack("{s:b, s:o, s:s?}", "valid", valid, "rua", rua, "error", r.error);
	}
	json_object_set_new(rpt, "record", rec ? rec : json_null());
}

/* ---- MTA-STS ---- */

/* Every MX host of the domain matches a policy pattern (RFC 8461 s4.1); null when the MX is unknown. */
static json_t *mx_match(const json_t *mx, const struct mtasts_policy *p)
{
	size_t i, hosts = 0;
	const json_t *r;
	if (mx == NULL)
		return json_null();
	json_array_foreach(json_object_get(mx, "records"), i, r)
	{
		const char *h = json_string_value(json_object_get(r, "host"));
		int hit = 0;
		if (h == NULL || strcmp(h, ".") == 0 || h[0] == '\0')
			continue;
		hosts++;
		for (size_t k = 0; k < p->nmx && !hit; k++)
			hit = mtasts_mx_match(p->mx[k], h);
		if (!hit)
			return json_false();
	}
	return json_boolean(hosts > 0);
}

/* The policy object's status from the fetch's: an HTTP answer other than 200 is "http_NNN". */
static void policy_status(json_t *pol, const json_t *fetch)
{
	const char *st = json_string_value(json_object_get(fetch, "status"));
	json_int_t code = json_integer_value(json_object_get(fetch, "code"));
	char buf[32];
	if (st != NULL && strcmp(st, "ok") == 0 && code != 200) {
		snprintf(buf, sizeof buf, "http_%d", (int)code);
		st = buf;
	} else if (st != NULL && strcmp(st, "tls_error") == 0) {
		st = "tls_failed"; /* s3.3: a policy without a valid certificate is no policy */
	}
	json_object_set_new(pol, "status", json_string(st ? st : "error"));
	json_object_set(pol, "error", json_object_get(fetch, "error"));
	json_object_set_new(pol, "http_status", code > 0 ? json_integer(code) : json_null());
}

static const char *content_type(const json_t *fetch)
{
	size_t i;
	const json_t *h;
	json_array_foreach(json_object_get(fetch, "headers"), i, h)
	{
		const char *k = json_string_value(json_array_get(h, 0));
		if (k != NULL && strcasecmp(k, "content-type") == 0)
			return json_string_value(json_array_get(h, 1));
	}
	return NULL;
}

/* A served policy body, parsed into the policy object. */
static void policy_parse(struct mailpol *m, json_t *pol, const json_t *fetch)
{
	const char *body = json_string_value(json_object_get(fetch, "body"));
	struct mtasts_policy *p = malloc(sizeof *p);
	if (p == NULL)
		return;
	int rc = body != NULL ? mtasts_policy_parse(body, strlen(body), p) : -EINVAL;
	if (json_is_true(json_object_get(fetch, "truncated"))) {
		rc = -EFBIG;
		p->error = "policy larger than 64 KiB";
	}
	json_t *mx = json_array();
	for (size_t i = 0; i < p->nmx; i++)
		json_array_append_new(mx, json_string(p->mx[i]));
	const char *mode = mtasts_mode_name(p->mode);
	json_object_set_new(pol, "valid", json_boolean(rc == 0));
	json_object_set_new(pol, "error", rc == 0 ? json_null() : json_string(body ? p->error : "no body"));
	json_object_set_new(pol, "mode", mode ? json_string(mode) : json_null());
	json_object_set_new(pol, "mx", mx);
	json_object_set_new(pol, "max_age", p->max_age >= 0 ? json_integer(p->max_age) : json_null());
	json_object_set_new(pol, "mx_match", rc == 0 ? mx_match(m->mx, p) : json_null());
	free(p);
}

static void policy_done(void *arg)
{
	struct mailpol *m = arg;
	json_t *pol = m->policy;
	policy_status(pol, m->fetch);
	json_object_set_new(pol, "content_type",
	                    content_type(m->fetch) ? json_string(content_type(m->fetch)) : json_null());
	if (strcmp(json_string_value(json_object_get(pol, "status")), "ok") == 0)
		policy_parse(m, pol, m->fetch);
	json_object_set(pol, "fetch", m->fetch);
	mailpol_put(m);
}

/* The policy host's address is known: fetch the policy from it. */
static void policy_host_then(struct mailpol *m, struct mp_ask *a, json_t *lookup)
{
	const char *addr = json_string_value(json_array_get(json_object_get(lookup, "records"), 0));
	const char *st = json_string_value(json_object_get(lookup, "status"));
	struct sockaddr_storage ss;
	socklen_t len;
	json_object_set(m->policy, "lookup", lookup);
	if (addr == NULL) {
		json_object_set_new(m->policy, "status",
		                    json_string(st && strcmp(st, "ok") != 0 && strcmp(st, "nodata") != 0 &&
		                                        strcmp(st, "nxdomain") != 0
		                                    ? st
		                                    : "no_address"));
		return;
	}
	if (engine_sockaddr(addr, 443, &ss, &len) < 0 || !engine_in_scope(m->e, (struct sockaddr *)&ss)) {
		json_object_set_new(m->policy, "status", json_string("out_of_scope"));
		return;
	}
	if (engine_org_expired(m->ds) || (m->fetch = json_object()) == NULL)
		return;
	struct web_get g = {json_string_value(json_object_get(m->policy, "url")),
	                    a->name,
	                    "443",
	                    addr,
	                    MTASTS_POLICY_MAX,
	                    policy_done,
	                    m};
	m->refs++;
	if (web_get(m->e, m->ds, m->fetch, &g) < 0) {
		m->refs--;
		policy_status(m->policy, m->fetch);
	}
}

static void sts_then(struct mailpol *m, struct mp_ask *a, json_t *lookup)
{
	json_t *sts = json_object_get(mp_doc(m->ds), "mta_sts"), *rec = json_null();
	const char *s;
	size_t n = candidates(lookup, mtasts_is_record, &s);
	struct mtasts_record r = {.error = NULL};
	json_object_set(sts, "txt", lookup);
	if (n > 1)
		rec = several(n, "MTA-STS");
	else if (n == 1)
		rec = json_pack("{s:b, s:s, s:s?}", "valid", mtasts_record_parse(s, strlen(s), &r) == 0, "id",
		                r.id, "error", r.error);
	json_object_set_new(sts, "record", rec ? rec : json_null());
	if (n != 1 || r.error != NULL)
		return;
	char host[300], url[400];
	snprintf(host, sizeof host, "mta-sts.%s", m->ds->domain);
	snprintf(url, sizeof url, "https://%s" MTA_STS_PATH, host);
	m->policy = json_pack("{s:s, s:s, s:n, s:n, s:n, s:b, s:n, s:n, s:[], s:n, s:n}", "url", url,
	                      "status", "not_observed", "http_status", "content_type", "error", "valid", 0,
	                      "mode", "max_age", "mx", "mx_match", "fetch");
	json_object_set(sts, "policy", m->policy);
	ask(m, host, "A", policy_host_then);
}

static void mx_then(struct mailpol *m, struct mp_ask *a, json_t *lookup)
{
	char name[300];
	m->mx = json_incref(lookup);
	snprintf(name, sizeof name, "_mta-sts.%s", m->ds->domain);
	ask(m, name, "TXT", sts_then);
}

static int domain_start(struct engine *e, struct domain_scan *ds)
{
	struct mailpol *m = calloc(1, sizeof *m);
	char name[300];
	if (m == NULL) {
		engine_starved(ds);
		return -ENOMEM;
	}
	*m = (struct mailpol){.e = e, .ds = ds, .refs = 1};
	mp_doc(ds);
	snprintf(name, sizeof name, "_smtp._tls.%s", ds->domain);
	int rc = ask(m, name, "TXT", rpt_then);
	/* The MX set again (cached by the resolver): mx_match needs it when the policy arrives. */
	if (rc == 0)
		rc = ask(m, ds->domain, "MX", mx_then);
	mailpol_put(m);
	return rc;
}

/* ---- DANE ---- */

static void tlsa_then(struct mailpol *m, struct mp_ask *a, json_t *lookup)
{
	const char *sec = json_string_value(json_object_get(lookup, "sec"));
	json_t *tlsa = json_deep_copy(lookup);
	const char *host = a->name + strlen("_25._tcp.");
	if (tlsa == NULL)
		return;
	json_object_set_new(tlsa, "secure", json_boolean(sec != NULL && strcmp(sec, "secure") == 0));
	json_array_append_new(json_object_get(mp_doc(m->ds), "dane"),
	                      json_pack("{s:s, s:o}", "mx", host, "tlsa", tlsa));
}

static int mail_host_start(struct engine *e, struct domain_scan *ds, const char *host)
{
	struct mailpol *m = calloc(1, sizeof *m);
	char name[300];
	if (m == NULL) {
		engine_starved(ds);
		return -ENOMEM;
	}
	*m = (struct mailpol){.e = e, .ds = ds, .refs = 1};
	mp_doc(ds);
	snprintf(name, sizeof name, "_25._tcp.%s", host);
	int rc = strlen(host) < 250 ? ask(m, name, "TLSA", tlsa_then) : 0;
	mailpol_put(m);
	return rc;
}

static int mailpol_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return u->kind == UNIT_MAIL_HOST ? mail_host_start(e, ds, u->name) : domain_start(e, ds);
}

static const char *const mailpol_observes[] = {"mail_policy.mta_sts", "mail_policy.tls_rpt",
                                               "mail_policy.dane", NULL};

/* Mail transport policy: MTA-STS and TLS-RPT per domain, DANE TLSA per MX host. */
const struct probe_module probe_mailpol_module = {
    .name = "mailpol",
    .unit = UNIT_DOMAIN,
    .also = 1u << UNIT_MAIL_HOST,
    .start = mailpol_start,
    .observes = mailpol_observes,
};
