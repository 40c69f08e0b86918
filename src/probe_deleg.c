/*
 * The delegation probe: when a domain's own servers give no answer (SERVFAIL or
 * timeout), it asks the parent zone's server, without recursion, which name
 * servers the domain is delegated to, and where they are. That tells a dead or
 * lame delegation from one the scope guard would not let us reach. Every
 * address is scope-checked before it is contacted; the probe records, it does
 * not judge.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "probes.h"
#include "resolver.h"
#include "wire_dns.h"

#define DELEG_MAX_LEVELS 4
#define DELEG_PACKET_MAX 4096

struct deleg {
	struct op op;        /* registration with the organization */
	struct engine *e;    /* the engine */
	json_t *out;         /* dns.delegation (borrowed from the doc) */
	char parent[256];    /* zone asked for NS */
	int level;           /* labels stripped so far */
	struct rquery *q;    /* resolver query in flight, or NULL */
	evutil_socket_t fd;  /* UDP socket to the parent's server, or -1 */
	struct event *ev;    /* its read event */
	struct event *timer; /* the parent's deadline: junk datagrams must not extend it */
	uint8_t id[2];       /* the query id, to match the answer */
	int pending_addrs;   /* NS address lookups still out */
};

static void deleg_free(struct deleg *d)
{
	if (d->ev)
		event_free(d->ev);
	if (d->timer)
		event_free(d->timer);
	json_decref(d->out);
	if (d->fd >= 0)
		close(d->fd);
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

static void on_parent_timeout(evutil_socket_t fd, short what, void *arg)
{
	deleg_end(arg, "parent_timeout");
}

static void on_referral(evutil_socket_t fd, short what, void *arg)
{
	struct deleg *d = arg;
	uint8_t buf[DELEG_PACKET_MAX];
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	if (n < 12 || memcmp(buf, d->id, 2) != 0)
		return; /* not our answer, or an ICMP error: wait for the real one or the timeout */
	json_t *ref = NULL;
	if (dns_referral_parse(buf, (size_t)n, &ref) < 0) {
		deleg_end(d, "parent_error");
		return;
	}
	json_object_set(d->out, "ns", json_object_get(ref, "ns"));
	json_object_set(d->out, "parent_rcode", json_object_get(ref, "rcode"));
	json_decref(ref);
	event_del(d->ev);
	event_del(d->timer);
	json_object_set_new(d->out, "asked", json_object());
	deleg_resolve_next(d);
}

static int send_query(struct deleg *d, const struct sockaddr_in *sin, const char *domain)
{
	uint8_t *wire = NULL;
	size_t len = 0;
	int rc = dns_query_build(domain, 2 /* NS */, 0, &wire, &len);
	if (rc < 0)
		return rc;
	memcpy(d->id, wire, 2);
	d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0 || connect(d->fd, (const struct sockaddr *)sin, sizeof *sin) < 0 ||
	    send(d->fd, wire, len, 0) != (ssize_t)len)
		rc = errno ? -errno : -EIO;
	free(wire);
	if (rc < 0)
		return rc;
	int ms = engine_opts(d->e)->query_timeout_ms;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	d->ev = event_new(engine_base(d->e), d->fd, EV_READ | EV_PERSIST, on_referral, d);
	d->timer = evtimer_new(engine_base(d->e), on_parent_timeout, d);
	if (d->ev == NULL || d->timer == NULL || event_add(d->ev, NULL) < 0 || evtimer_add(d->timer, &tv) < 0)
		return -ENOMEM;
	return 0;
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
		if (rc < 0)
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
	d->fd = -1;
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

/* Asks the parent zone, non-recursively, where a silent domain's name servers are. */
const struct probe_module probe_deleg_module = {
    .name = "deleg",
    .unit = UNIT_SILENT_DOMAIN,
    .start = deleg_unit,
};
