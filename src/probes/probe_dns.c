/*
 * The DNS probe: asks the questions DNS-health checks need (SOA, A, TXT, DMARC,
 * CAA, MX, NS), follows SPF include/redirect names, resolves the targets of SPF
 * a/mx/exists terms (so void lookups can be counted) and name-server addresses.
 * It is also discovery: the apex, www, MX and NS hosts and the organization's given
 * hosts and addresses become assets (with the reason each belongs, and their A and
 * AAAA lookups), and it reports the units it finds (web hosts, mail hosts, given
 * addresses, name-server addresses, a silent domain) to the engine, which starts the
 * modules registered for them. It records lookups; it does not evaluate anything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "probes.h"
#include "resolver.h"
#include "wire_spf.h"

#define AXFR_ADDRS_PER_NS 4
#define MX_HOSTS_MAX      8 /* MX hosts of a domain recorded as assets */

struct dns_op;
typedef void (*dns_then)(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup);

struct dns_op {
	struct op op;     /* registration with the organization */
	struct engine *e; /* the engine */
	struct rquery *q; /* the query in flight */
	json_t *parent;   /* object the lookup is stored into (borrowed) */
	char *key;        /* member name in parent */
	char *name;       /* asked name */
	char *type;       /* asked type */
	dns_then then;    /* what follows from the answer; may be NULL */
	void *ctx;        /* the caller's: with one, `then` runs even past the deadline (to free it) */
};

static void dns_op_free(struct dns_op *d)
{
	free(d->key);
	free(d->name);
	free(d->type);
	free(d);
}

static void dns_complete(struct dns_op *d, json_t *lookup)
{
	json_object_set(d->parent, d->key, lookup);
	if (d->then != NULL && (d->ctx != NULL || !engine_org_expired(d->op.ds)))
		d->then(d->e, d->op.ds, d, lookup);
	json_decref(lookup);
	op_done(&d->op);
	dns_op_free(d);
}

static void on_lookup(void *arg, json_t *lookup)
{
	dns_complete(arg, lookup);
}

static void dns_cancel(struct op *op)
{
	struct dns_op *d = (struct dns_op *)op;
	resolver_cancel(d->q);
	json_t *lk = json_pack("{s:s, s:s, s:s, s:n, s:n, s:n, s:[]}", "name", d->name, "type", d->type,
	                       "status", "timeout", "rcode", "sec", "why_bogus", "records");
	if (d->ctx == NULL)
		d->then = NULL;
	dns_complete(d, lk);
}

static int ask_ctx(struct engine *e, struct domain_scan *ds, json_t *parent, const char *key,
                   const char *name, const char *type, dns_then then, void *ctx)
{
	if (engine_org_expired(ds))
		return ctx != NULL ? -ECANCELED : 0;
	struct dns_op *d = calloc(1, sizeof *d);
	if (d == NULL) {
		engine_starved(ds);
		return -ENOMEM;
	}
	d->e = e;
	d->parent = parent;
	d->key = strdup(key);
	d->name = strdup(name);
	d->type = strdup(type);
	d->then = then;
	d->ctx = ctx;
	if (d->key == NULL || d->name == NULL || d->type == NULL) {
		dns_op_free(d);
		engine_starved(ds);
		return -ENOMEM;
	}
	op_begin(&d->op, ds, dns_cancel);
	int rc = resolver_query(engine_resolver(e), name, type, on_lookup, d, &d->q);
	if (rc < 0) {
		op_done(&d->op);
		dns_op_free(d);
		if (engine_resource_error(rc))
			engine_starved(ds);
	}
	return rc;
}

static int ask(struct engine *e, struct domain_scan *ds, json_t *parent, const char *key, const char *name,
               const char *type, dns_then then)
{
	return ask_ctx(e, ds, parent, key, name, type, then, NULL);
}

static json_t *dns_part(struct domain_scan *ds, const char *key)
{
	json_t *dns = json_object_get(ds->doc, "dns");
	json_t *p = json_object_get(dns, key);
	if (p == NULL) {
		p = json_object();
		json_object_set_new(dns, key, p);
	}
	return p;
}

struct spf_walk {
	struct engine *e;       /* the engine */
	struct domain_scan *ds; /* the domain */
};

/* Lower case without the trailing dot, as dns.spf and dns.spf_rr keys are; NULL if none. */
static char *spf_name(const char *s)
{
	if (s == NULL)
		return NULL;
	size_t len = strlen(s);
	char *n = strndup(s, len > 0 && s[len - 1] == '.' ? len - 1 : len);
	for (char *c = n; c != NULL && *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	return n;
}

static void spf_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup);

static void spf_follow(struct spf_walk *w, const char *name)
{
	struct domain_scan *ds = w->ds;
	if (json_object_get(ds->spf_seen, name) != NULL)
		return;
	if ((int)json_object_size(ds->spf_seen) >= engine_opts(w->e)->max_spf_names) {
		json_object_set_new(json_object_get(ds->doc, "dns"), "spf_truncated", json_true());
		return;
	}
	json_object_set_new(ds->spf_seen, name, json_true());
	ask(w->e, ds, dns_part(ds, "spf"), name, name, "TXT", spf_then);
}

/* Answers already asked for in dns.spf_rr, all types together. */
static size_t spf_rr_count(const json_t *rr)
{
	const char *type;
	json_t *byname;
	size_t n = 0;
	json_object_foreach((json_t *)rr, type, byname) n += json_object_size(byname);
	return n;
}

/* Asks `type` for an a/mx/exists target into dns.spf_rr.TYPE.NAME, once, within SPF_RR_MAX_ANSWERS. */
static void spf_rr_ask(struct engine *e, struct domain_scan *ds, const char *name, const char *type,
                       dns_then then)
{
	json_t *rr = dns_part(ds, "spf_rr");
	json_t *byname = json_object_get(rr, type);
	if (byname == NULL) {
		byname = json_object();
		json_object_set_new(rr, type, byname);
	}
	if (byname == NULL || json_object_get(byname, name) != NULL)
		return;
	if (spf_rr_count(rr) >= SPF_RR_MAX_ANSWERS) {
		json_object_set_new(json_object_get(ds->doc, "dns"), "spf_rr_truncated", json_true());
		return;
	}
	/* A placeholder until the answer arrives, so the name is asked once. */
	json_object_set_new(byname, name, json_null());
	ask(e, ds, byname, name, name, type, then);
}

/*
 * Address records of an a target or an MX name: A only, since the analyzer judges
 * for an IPv4 sender; AAAA would halve the budget for answers nothing reads.
 */
static void spf_addrs(struct engine *e, struct domain_scan *ds, const char *name)
{
	/* The domain's own A is dns.a already. */
	if (strcmp(name, ds->domain) != 0)
		spf_rr_ask(e, ds, name, "A", NULL);
}

/* The MX names of an mx target; a set over the limit is a permanent error, not worth asking. */
static void spf_mx_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	json_t *recs = json_object_get(lookup, "records"), *mx;
	size_t i;
	if (json_array_size(recs) > SPF_MX_LIMIT)
		return;
	json_array_foreach(recs, i, mx)
	{
		char *host = spf_name(json_string_value(json_object_get(mx, "host")));
		if (host != NULL && host[0] != '\0')
			spf_addrs(e, ds, host);
		free(host);
	}
}

/* What one reachable term of the record at `owner` makes a receiver look up next. */
static void spf_term(struct spf_walk *w, const char *owner, const struct spf_term *t)
{
	const char *spec = t->arg != NULL ? t->arg : owner;
	/* Macros need the sender to expand: counted by the analyzer, never asked. */
	if (strchr(spec, '%') != NULL)
		return;
	char *name = spf_name(spec);
	if (name == NULL || name[0] == '\0')
		goto out;
	if (t->kind == SPF_INCLUDE || t->kind == SPF_REDIRECT)
		spf_follow(w, name);
	else if (t->kind == SPF_A)
		spf_addrs(w->e, w->ds, name);
	else if (t->kind == SPF_MX)
		spf_rr_ask(w->e, w->ds, name, "MX", spf_mx_then);
	else if (t->kind == SPF_EXISTS)
		spf_rr_ask(w->e, w->ds, name, "A", NULL);
out:
	free(name);
}

/* Follows every SPF record among a name's TXT answers with the parser analyzers use. */
static void spf_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	struct spf_walk w = {e, ds};
	struct spf_record rec;
	size_t i;
	json_t *txt;
	json_array_foreach(json_object_get(lookup, "records"), i, txt)
	{
		char *s =
		    spf_is_spf_record(json_string_value(txt)) ? spf_txt_decode(json_string_value(txt)) : NULL;
		int rc = s != NULL ? spf_parse(s, strlen(s), &rec, NULL, 0) : -EINVAL;
		free(s);
		if (rc < 0)
			continue;
		char *owner = spf_name(d->name);
		for (size_t k = 0; owner != NULL && k < rec.nreach; k++)
			spf_term(&w, owner, &rec.terms[k]);
		/* s6.1: redirect= applies only without an all mechanism. */
		for (size_t k = rec.nreach; owner != NULL && rec.all == SPF_QUAL_NONE && k < rec.nterms; k++)
			if (rec.terms[k].kind == SPF_REDIRECT)
				spf_term(&w, owner, &rec.terms[k]);
		free(owner);
		spf_record_clear(&rec);
	}
}

/* The domain's own TXT lookup is also the root of the SPF tree. */
static void txt_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	json_object_set_new(ds->spf_seen, ds->domain, json_true());
	json_object_set(dns_part(ds, "spf"), ds->domain, lookup);
	spf_then(e, ds, d, lookup);
}

/* The asset object of `host` in ds's document, or NULL. */
static json_t *asset_get(struct domain_scan *ds, const char *key, const char *value)
{
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(ds->doc, "assets"), i, a)
	{
		const char *v = json_string_value(json_object_get(a, key));
		if (v != NULL && strcasecmp(v, value) == 0)
			return a;
	}
	return NULL;
}

/* Adds a reason to an asset unless it has it: {"reason": "www", "of": "org1.test"}. */
static void asset_why(json_t *asset, const char *reason, const char *of)
{
	size_t i;
	json_t *w;
	json_array_foreach(json_object_get(asset, "why"), i, w)
	{
		const char *o = json_string_value(json_object_get(w, "of"));
		if (strcmp(json_string_value(json_object_get(w, "reason")), reason) == 0 &&
		    ((o == NULL && of == NULL) || (o != NULL && of != NULL && strcmp(o, of) == 0)))
			return;
	}
	json_t *why = json_pack("{s:s}", "reason", reason);
	if (of != NULL)
		json_object_set_new(why, "of", json_string(of));
	json_array_append_new(json_object_get(asset, "why"), why);
}

/* The asset `key`=`value` of ds (made when new, *made then set); NULL when out of memory. */
static json_t *asset_note(struct domain_scan *ds, const char *key, const char *value, const char *reason,
                          const char *of, int *made)
{
	json_t *a = asset_get(ds, key, value);
	*made = a == NULL;
	if (a == NULL && (a = json_pack("{s:s, s:[]}", key, value, "why")) != NULL &&
	    json_array_append_new(json_object_get(ds->doc, "assets"), a) < 0)
		a = NULL;
	if (a != NULL)
		asset_why(a, reason, of);
	return a;
}

/* 1 when `host` is one of the organization's domains or under one; *site gets that domain. */
static int host_in_org(const struct target *t, const char *host, const char **site)
{
	size_t hl = strlen(host);
	for (size_t i = 0; i < t->ndomains; i++) {
		const char *d = t->domains[i];
		size_t dl = strlen(d);
		if (strcasecmp(host, d) == 0 ||
		    (hl > dl && host[hl - dl - 1] == '.' && strcasecmp(host + hl - dl, d) == 0)) {
			*site = d;
			return 1;
		}
	}
	*site = host;
	return 0;
}

/* A host being looked up (A and AAAA) before it is reported as a unit. */
struct host_find {
	enum unit_kind kind; /* what it becomes */
	json_t *asset;       /* its asset object (a reference) */
	int pending;         /* lookups still out */
	int always;          /* reported even without an address (the apex, a given host) */
};

/* 1 when a lookup found an address or failed (timeout, servfail): then the host is worth a unit. */
static int maybe_addressed(const json_t *asset)
{
	const char *keys[] = {"a", "aaaa"};
	for (size_t i = 0; i < 2; i++) {
		const json_t *lk = json_object_get(asset, keys[i]);
		const char *st = json_string_value(json_object_get(lk, "status"));
		if (json_array_size(json_object_get(lk, "records")) > 0 ||
		    (st != NULL && strcmp(st, "nodata") != 0 && strcmp(st, "nxdomain") != 0 &&
		     strcmp(st, "ok") != 0))
			return 1;
	}
	return 0;
}

/* Both lookups are in: the host is reported (unless the deadline passed or it has no address). */
static void host_found(struct engine *e, struct domain_scan *ds, struct host_find *h)
{
	const char *name = json_string_value(json_object_get(h->asset, "host")), *site = NULL;
	int shared = !host_in_org(ds->t, name, &site);
	struct unit u = {.kind = h->kind, .name = name, .asset = h->asset, .site = site, .shared = shared};
	/* A www that does not exist is no endpoint; one whose lookup failed is reported, unreached. */
	if (!engine_org_expired(ds) && (h->always || maybe_addressed(h->asset)))
		engine_found(e, ds, &u);
	json_decref(h->asset);
	free(h);
}

static void host_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	struct host_find *h = d->ctx;
	/* The apex's lookups went to dns.a and dns.aaaa: its asset holds them too. */
	json_object_set(h->asset, d->key, lookup);
	if (--h->pending == 0)
		host_found(e, ds, h);
}

/*
 * Looks up A and AAAA of an asset into `into` (the asset itself, or dns for the apex,
 * whose lookups are dns.a and dns.aaaa), then reports it as a unit of `kind`.
 */
static void host_lookup(struct engine *e, struct domain_scan *ds, json_t *asset, json_t *into,
                        enum unit_kind kind, int always)
{
	const char *name = json_string_value(json_object_get(asset, "host"));
	struct host_find *h = calloc(1, sizeof *h);
	if (h == NULL) {
		engine_starved(ds);
		return;
	}
	*h = (struct host_find){kind, json_incref(asset), 3, always};
	const char *types[] = {"A", "AAAA"}, *keys[] = {"a", "aaaa"};
	for (size_t i = 0; i < 2; i++)
		if (ask_ctx(e, ds, into, keys[i], name, types[i], host_then, h) < 0)
			h->pending--; /* never asked: its answer will not come */
	/* The third count held the finder while the questions went out. */
	if (--h->pending == 0)
		host_found(e, ds, h);
}

/* A host found in DNS or given: recorded as an asset with its reason, looked up once per document. */
static void host_add(struct engine *e, struct domain_scan *ds, const char *host, const char *reason,
                     const char *of, enum unit_kind kind)
{
	int made = 0;
	json_t *a = asset_note(ds, "host", host, reason, of, &made);
	if (a == NULL)
		engine_starved(ds);
	else if (made)
		host_lookup(e, ds, a, a, kind, strcmp(reason, "given") == 0);
}

/* MX hosts are assets (mail transport probes plug in on UNIT_MAIL_HOST); "." is a null MX (RFC 7505). */
static void mx_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	size_t i;
	json_t *mx;
	json_array_foreach(json_object_get(lookup, "records"), i, mx)
	{
		char *host = spf_name(json_string_value(json_object_get(mx, "host")));
		if (host != NULL && host[0] != '\0' && i < MX_HOSTS_MAX)
			host_add(e, ds, host, "mx", ds->domain, UNIT_MAIL_HOST);
		free(host);
	}
}

/* The organization's given hosts and addresses, carried by its first domain's document. */
static void given_assets(struct engine *e, struct domain_scan *ds)
{
	int made;
	for (size_t i = 0; i < ds->t->nhosts; i++)
		host_add(e, ds, ds->t->hosts[i], "given", NULL, UNIT_HOST);
	for (size_t i = 0; i < ds->t->naddrs; i++) {
		json_t *a = asset_note(ds, "addr", ds->t->addrs[i], "given", NULL, &made);
		struct unit u = {.kind = UNIT_ADDRESS,
		                 .name = ds->t->addrs[i],
		                 .asset = a,
		                 .site = ds->t->addrs[i],
		                 .shared = 1};
		if (a == NULL)
			engine_starved(ds);
		else if (made && !engine_org_expired(ds))
			engine_found(e, ds, &u);
	}
}

static void ns_addr_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	size_t i;
	int made;
	char *host = spf_name(d->name);
	json_t *a, *asset = host ? asset_note(ds, "host", host, "ns", ds->domain, &made) : NULL;
	free(host);
	if (asset != NULL && json_object_get(asset, "a") == NULL)
		json_object_set(asset, "a", lookup);
	/* A few addresses per server say whether it transfers; more only cost sockets. */
	json_array_foreach(json_object_get(lookup, "records"), i, a)
	{
		struct unit u = {.kind = UNIT_NAME_SERVER, .name = d->name, .addr = json_string_value(a)};
		if (i < AXFR_ADDRS_PER_NS && u.addr != NULL)
			engine_found(e, ds, &u);
	}
}

static void ns_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	json_t *addrs = dns_part(ds, "ns_addrs");
	json_object_set_new(json_object_get(ds->doc, "dns"), "axfr", json_array());
	size_t i;
	json_t *ns;
	json_array_foreach(json_object_get(lookup, "records"), i, ns)
	{
		const char *host = json_string_value(ns);
		if (host != NULL && json_object_get(addrs, host) == NULL && i < 16)
			ask(e, ds, addrs, host, host, "A", ns_addr_then);
	}
}

/* No answer from the domain's servers: find out from the parent where they are. */
static void soa_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	const char *st = json_string_value(json_object_get(lookup, "status"));
	struct unit u = {.kind = UNIT_SILENT_DOMAIN, .name = ds->domain};
	if (st != NULL && (strcmp(st, "servfail") == 0 || strcmp(st, "timeout") == 0))
		engine_found(e, ds, &u);
}

/* The apex, www and the given assets: the units the web (and later other) probes work on. */
static void hosts_start(struct engine *e, struct domain_scan *ds)
{
	char www[300];
	int made = 0;
	json_t *apex = asset_note(ds, "host", ds->domain, "apex", ds->domain, &made);
	if (apex == NULL) {
		engine_starved(ds);
		return;
	}
	/* The apex's lookups are dns.a and dns.aaaa (the DNS checks read dns.a too). */
	json_t *dns = json_object_get(ds->doc, "dns");
	host_lookup(e, ds, apex, dns, UNIT_HOST, 1);
	snprintf(www, sizeof www, "www.%s", ds->domain);
	if (strlen(ds->domain) + 4 <= 253)
		host_add(e, ds, www, "www", ds->domain, UNIT_HOST);
	if (ds->index == 0)
		given_assets(e, ds);
}

static int dns_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	json_t *dns = json_object_get(ds->doc, "dns");
	char dmarc[300];
	snprintf(dmarc, sizeof dmarc, "_dmarc.%s", ds->domain);
	struct {
		const char *key, *name, *type;
		dns_then then;
	} q[] = {
	    {"soa", ds->domain, "SOA", soa_then}, {"txt", ds->domain, "TXT", txt_then},
	    {"dmarc", dmarc, "TXT", NULL},        {"caa", ds->domain, "CAA", NULL},
	    {"mx", ds->domain, "MX", mx_then},    {"ns", ds->domain, "NS", ns_then},
	};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		int rc = ask(e, ds, dns, q[i].key, q[i].name, q[i].type, q[i].then);
		if (rc < 0)
			return rc;
	}
	hosts_start(e, ds);
	return 0;
}

static const char *const dns_observes[] = {"dns.soa",       "dns.a",
                                           "dns.aaaa",      "assets[].host",
                                           "assets[].addr", "assets[].why",
                                           "assets[].a",    "assets[].aaaa",
                                           "dns.txt",       "dns.dmarc",
                                           "dns.caa",       "dns.mx",
                                           "dns.ns",        "dns.ns_addrs",
                                           "dns.spf",       "dns.spf_truncated",
                                           "dns.spf_rr",    "dns.spf_rr_truncated",
                                           "dns.axfr",      NULL};

/* Discovery: the domain's records, and the units found in them (name servers, the web host). */
const struct probe_module probe_dns_module = {
    .name = "dns",
    .unit = UNIT_DOMAIN,
    .start = dns_start,
    .observes = dns_observes,
};
