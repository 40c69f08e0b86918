/*
 * The delegation probe: when a domain's own servers give no answer (SERVFAIL or
 * timeout), it asks the parent zone's server, without recursion, which name
 * servers the domain is delegated to, and where they are. That tells a dead or
 * lame delegation from one the scope guard would not let us reach. Every
 * address is scope-checked before it is contacted; the probe records, it does
 * not judge. The question to the parent is one datagram exchange of the
 * connection layer (conn.h): its deadline is the query timeout, counted from the
 * start, so junk datagrams (a wrong ID) and ICMP errors, which are waited out as
 * resolvers do, cannot extend it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "engine.h"
#include "probes.h"
#include "resolver.h"
#include "wire_dns.h"

#define DELEG_MAX_LEVELS 4
/* Any UDP datagram fits: one of any size with a wrong ID is dropped, never the end of the wait. */
#define DELEG_PACKET_MAX 65536

struct deleg {
	struct op op;      /* registration with the organization */
	struct engine *e;  /* the engine */
	json_t *out;       /* dns.delegation (borrowed from the doc) */
	char parent[256];  /* zone asked for NS */
	int level;         /* labels stripped so far */
	struct rquery *q;  /* resolver query in flight, or NULL */
	struct conn *c;    /* the datagram exchange with the parent's server, or NULL */
	uint8_t *query;    /* the NS query for the domain, sent once connected */
	size_t querylen;   /* its length */
	int pending_addrs; /* NS address lookups still out */
};

/* May run inside a hook of d->c: conn_free defers the free to a safe point. */
static void deleg_free(struct deleg *d)
{
	d->c = conn_free(d->c);
	json_decref(d->out);
	free(d->query);
	free(d);
}

/* 1 in scope, 0 outside, -1 not an address. Port 53: what the resolver would contact. */
static int addr_in_scope(struct engine *e, const char *text)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(53)};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(53)};
	if (inet_pton(AF_INET, text, &sin.sin_addr) == 1)
		return engine_in_scope(e, (struct sockaddr *)&sin);
	if (inet_pton(AF_INET6, text, &sin6.sin6_addr) == 1)
		return engine_in_scope(e, (struct sockaddr *)&sin6);
	return -1;
}

/* Counts delegated name-server addresses (IPv4 and IPv6) inside and outside scope. */
static void deleg_tally(struct deleg *d)
{
	json_t *ns = json_object_get(d->out, "ns");
	const char *name;
	json_t *addrs, *a;
	size_t i;
	int in = 0, out = 0;
	json_object_foreach(ns, name, addrs)
	{
		json_array_foreach(addrs, i, a)
		{
			int ok = addr_in_scope(d->e, json_string_value(a) ?: "");
			in += ok == 1;
			out += ok == 0;
		}
	}
	json_object_set_new(d->out, "addrs_in_scope", json_integer(in));
	json_object_set_new(d->out, "addrs_out_of_scope", json_integer(out));
}

static void deleg_end(struct deleg *d, const char *status)
{
	if (d->q)
		resolver_cancel(d->q);
	d->q = NULL;
	json_object_set_new(d->out, "status", json_string(status));
	deleg_tally(d);
	op_done(&d->op);
	deleg_free(d);
}

static void deleg_cancel(struct op *op)
{
	deleg_end((struct deleg *)op, "timeout");
}

static void deleg_resolve_next(struct deleg *d);

static void on_ns_addr(void *arg, json_t *lookup)
{
	struct deleg *d = arg;
	d->q = NULL;
	const char *name = json_string_value(json_object_get(lookup, "name"));
	json_t *addrs = json_object_get(json_object_get(d->out, "ns"), name ? name : "");
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(lookup, "records"), i, a)
	{
		if (json_is_array(addrs) && json_array_size(addrs) < 16)
			json_array_append(addrs, a);
	}
	json_decref(lookup);
	deleg_resolve_next(d);
}

/*
 * Name servers without glue are resolved one by one (there are few): A first,
 * then AAAA when A gave nothing, so a server reachable only over IPv6 still
 * shows where it is (and whether that is in scope).
 */
static void deleg_resolve_next(struct deleg *d)
{
	json_t *asked = json_object_get(d->out, "asked");
	const char *name;
	json_t *addrs;
	json_object_foreach(json_object_get(d->out, "ns"), name, addrs)
	{
		const char *prev = json_string_value(json_object_get(asked, name));
		if (json_array_size(addrs) > 0 || (prev != NULL && strcmp(prev, "AAAA") == 0))
			continue;
		const char *type = prev == NULL ? "A" : "AAAA";
		json_object_set_new(asked, name, json_string(type));
		int rc = resolver_query(engine_resolver(d->e), name, type, on_ns_addr, d, &d->q);
		if (rc == 0)
			return;
		if (engine_resource_error(rc))
			engine_starved(d->op.ds);
	}
	json_object_del(d->out, "asked");
	deleg_end(d, "ok");
}

/* An answer with our ID ends the wait; anything else is dropped and the wait goes on. */
static void on_referral(struct conn *c, void *arg)
{
	struct deleg *d = arg;
	size_t n = 0;
	const uint8_t *buf = conn_data(c, &n);
	if (n < 12 || memcmp(buf, d->query, 2) != 0)
		return;
	json_t *ref = NULL;
	if (dns_referral_parse(buf, n, &ref) < 0) {
		deleg_end(d, "parent_error");
		return;
	}
	json_object_set(d->out, "ns", json_object_get(ref, "ns"));
	json_object_set(d->out, "parent_rcode", json_object_get(ref, "rcode"));
	json_decref(ref);
	d->c = conn_free(d->c);
	json_object_set_new(d->out, "asked", json_object());
	deleg_resolve_next(d);
}

static void on_parent_connected(struct conn *c, void *arg)
{
	struct deleg *d = arg;
	int rc = conn_write(c, d->query, d->querylen);
	if (rc < 0 && engine_resource_error(rc))
		engine_starved(d->op.ds);
	if (rc < 0)
		deleg_end(d, "parent_error");
}

/* ICMP errors are ignored (cfg.ignore_icmp): the deadline is a timeout, anything else an error. */
static void on_parent_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct deleg *d = arg;
	/* A paced connect that found no descriptor: back-pressure, as when it fails at the start. */
	if (engine_resource_error(err))
		engine_starved(d->op.ds);
	deleg_end(d, st == CONN_TIMEOUT || st == CONN_REFUSED ? "parent_timeout" : "parent_error");
}

static const struct conn_hooks parent_hooks = {
    .connected = on_parent_connected,
    .data = on_referral,
    .done = on_parent_done,
};

static int send_query(struct deleg *d, const struct sockaddr_in *sin, const char *domain)
{
	const struct engine_opts *o = engine_opts(d->e);
	struct conn_cfg cfg = {.scope = o->scope,
	                       .connect_ms = o->query_timeout_ms,
	                       .total_ms = o->query_timeout_ms,
	                       .rcap = DELEG_PACKET_MAX,
	                       .type = SOCK_DGRAM,
	                       .ignore_icmp = 1,
	                       .pace = o->pace};
	int rc = dns_query_build(domain, 2 /* NS */, 0, &d->query, &d->querylen);
	if (rc == 0 && d->querylen < 12)
		rc = -EINVAL;
	if (rc == 0)
		rc = conn_new(engine_base(d->e), &cfg, &parent_hooks, d, &d->c);
	if (rc == 0)
		rc = conn_connect(d->c, (const struct sockaddr *)sin, sizeof *sin);
	return rc;
}

static void on_parent_addr(void *arg, json_t *lookup)
{
	struct deleg *d = arg;
	d->q = NULL;
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(lookup, "records"), i, a)
	{
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(53)};
		if (inet_pton(AF_INET, json_string_value(a) ?: "", &sin.sin_addr) != 1 ||
		    !engine_in_scope(d->e, (struct sockaddr *)&sin))
			continue;
		json_object_set(d->out, "parent_server", a);
		json_decref(lookup);
		int rc = send_query(d, &sin, json_string_value(json_object_get(d->out, "domain")));
		if (rc < 0 && engine_resource_error(rc))
			engine_starved(d->op.ds);
		if (rc == -EACCES) /* the connection layer's own scope check: never contacted */
			deleg_end(d, "parent_out_of_scope");
		else if (rc < 0)
			deleg_end(d, "parent_error");
		return;
	}
	json_decref(lookup);
	deleg_end(d, "parent_out_of_scope");
}

static void ask_parent(struct deleg *d);

/* One resolver question; a failure to ask ends the probe (and may ask for back-pressure). */
static void deleg_ask(struct deleg *d, const char *name, const char *type, resolver_cb cb)
{
	int rc = resolver_query(engine_resolver(d->e), name, type, cb, d, &d->q);
	if (rc < 0 && engine_resource_error(rc))
		engine_starved(d->op.ds);
	if (rc < 0)
		deleg_end(d, "error");
}

static void on_parent_ns(void *arg, json_t *lookup)
{
	struct deleg *d = arg;
	d->q = NULL;
	const char *ns = json_string_value(json_array_get(json_object_get(lookup, "records"), 0));
	const char *st = json_string_value(json_object_get(lookup, "status"));
	if (ns != NULL) {
		json_object_set_new(d->out, "parent", json_string(d->parent));
		json_object_set_new(d->out, "parent_ns", json_string(ns));
		deleg_ask(d, ns, "A", on_parent_addr);
	} else if (st != NULL && strcmp(st, "nodata") == 0 && ++d->level < DELEG_MAX_LEVELS &&
	           strchr(d->parent, '.') != NULL) {
		/* Not a zone apex: its parent zone is further up. */
		memmove(d->parent, strchr(d->parent, '.') + 1, strlen(strchr(d->parent, '.') + 1) + 1);
		ask_parent(d);
	} else {
		deleg_end(d, "no_parent");
	}
	json_decref(lookup);
}

static void ask_parent(struct deleg *d)
{
	deleg_ask(d, d->parent, "NS", on_parent_ns);
}

static int deleg_start(struct engine *e, struct domain_scan *ds)
{
	const char *dot = strchr(ds->domain, '.');
	json_t *dns = json_object_get(ds->doc, "dns");
	if (engine_org_expired(ds) || dot == NULL || dot[1] == '\0' || json_object_get(dns, "delegation"))
		return 0;
	struct deleg *d = calloc(1, sizeof *d);
	if (d == NULL)
		return -ENOMEM;
	d->e = e;
	snprintf(d->parent, sizeof d->parent, "%s", dot + 1);
	d->out = json_pack("{s:s, s:s, s:n, s:{}}", "domain", ds->domain, "status", "error", "parent_server",
	                   "ns");
	/* The probe keeps its own reference: the document may replace it, the probe writes on. */
	if (d->out == NULL || json_object_set(dns, "delegation", d->out) < 0) {
		deleg_free(d);
		return -ENOMEM;
	}
	op_begin(&d->op, ds, deleg_cancel);
	ask_parent(d);
	return 0;
}

static int deleg_unit(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return deleg_start(e, ds);
}

static const char *const deleg_observes[] = {"dns.delegation", NULL};

/* Asks the parent zone, non-recursively, where a silent domain's name servers are. */
const struct probe_module probe_deleg_module = {
    .name = "deleg",
    .unit = UNIT_SILENT_DOMAIN,
    .start = deleg_unit,
    .observes = deleg_observes,
};
