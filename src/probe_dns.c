/*
 * The DNS probe: asks the questions DNS-health checks need (SOA, A, TXT, DMARC,
 * CAA, MX, NS), follows SPF include/redirect names and name-server addresses,
 * and starts the AXFR and web probes when their inputs arrive. It records
 * lookups; it does not evaluate SPF or anything else.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "resolver.h"

#define AXFR_ADDRS_PER_NS 4

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
	if (d->then != NULL && !engine_org_expired(d->op.ds))
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
	d->then = NULL;
	dns_complete(d, lk);
}

static int ask(struct engine *e, struct domain_scan *ds, json_t *parent, const char *key, const char *name,
               const char *type, dns_then then)
{
	if (engine_org_expired(ds))
		return 0;
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

/* The SPF probe's only parsing: which names an SPF record makes a receiver fetch next. */
static void spf_targets(const char *rec, void (*fn)(void *arg, const char *name), void *arg)
{
	if (strncasecmp(rec, "v=spf1", 6) != 0 || (rec[6] != ' ' && rec[6] != '\0'))
		return;
	char name[256];
	const char *p = rec + 6;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		const char *term = p;
		p += len;
		if (len && strchr("+-~?", term[0]))
			term++, len--;
		size_t off = 0;
		if (len > 8 && strncasecmp(term, "include:", 8) == 0)
			off = 8;
		else if (len > 9 && strncasecmp(term, "redirect=", 9) == 0)
			off = 9;
		if (off == 0 || len - off >= sizeof name || memchr(term + off, '%', len - off))
			continue; /* macros need a sender to expand: not fetched */
		memcpy(name, term + off, len - off);
		name[len - off] = '\0';
		for (char *c = name; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		size_t nl = strlen(name);
		if (nl && name[nl - 1] == '.')
			name[nl - 1] = '\0';
		if (name[0])
			fn(arg, name);
	}
}

struct spf_walk {
	struct engine *e;       /* the engine */
	struct domain_scan *ds; /* the domain */
};

static void spf_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup);

static void spf_follow(void *arg, const char *name)
{
	struct spf_walk *w = arg;
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

static void spf_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	struct spf_walk w = {e, ds};
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(lookup, "records"), i, rec) if (json_is_string(rec))
	    spf_targets(json_string_value(rec), spf_follow, &w);
}

/* The domain's own TXT lookup is also the root of the SPF tree. */
static void txt_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	json_object_set_new(ds->spf_seen, ds->domain, json_true());
	json_object_set(dns_part(ds, "spf"), ds->domain, lookup);
	spf_then(e, ds, d, lookup);
}

static void ns_addr_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	size_t i;
	json_t *a;
	/* A few addresses per server say whether it transfers; more only cost sockets. */
	json_array_foreach(json_object_get(lookup, "records"), i, a)
	{
		if (i < AXFR_ADDRS_PER_NS && json_is_string(a))
			probe_axfr_start(e, ds, d->name, json_string_value(a));
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
	if (st != NULL && (strcmp(st, "servfail") == 0 || strcmp(st, "timeout") == 0))
		probe_deleg_start(e, ds);
}

static void a_then(struct engine *e, struct domain_scan *ds, struct dns_op *d, json_t *lookup)
{
	probe_web_start(e, ds, lookup);
}

int probe_dns_start(struct engine *e, struct domain_scan *ds)
{
	json_t *dns = json_object_get(ds->doc, "dns");
	char dmarc[300];
	snprintf(dmarc, sizeof dmarc, "_dmarc.%s", ds->domain);
	struct {
		const char *key, *name, *type;
		dns_then then;
	} q[] = {
	    {"soa", ds->domain, "SOA", soa_then}, {"a", ds->domain, "A", a_then},
	    {"txt", ds->domain, "TXT", txt_then}, {"dmarc", dmarc, "TXT", NULL},
	    {"caa", ds->domain, "CAA", NULL},     {"mx", ds->domain, "MX", NULL},
	    {"ns", ds->domain, "NS", ns_then},
	};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		int rc = ask(e, ds, dns, q[i].key, q[i].name, q[i].type, q[i].then);
		if (rc < 0)
			return rc;
	}
	return 0;
}
