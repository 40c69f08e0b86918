/*
 * The port sweep (module "ports"): every address of a host, mail host or given address
 * gets a TCP connect to each port of SWEEP_PORTS, once per domain document (an address
 * two hosts share is swept once), through conn.c: the scope guard, the scan's pacing and
 * per-address limit, and the connect deadline. A completed connect is an open port, a
 * reset a closed one, silence until the deadline a filtered one (nmap's words). The
 * result is the "port_sweeps" entry of the address; each open port becomes a "services"
 * entry and a UNIT_SERVICE unit the service probes claim by port (svc.h).
 *
 * Nothing is sent on a connection: it is reset as soon as it is up (no TIME_WAIT left on
 * either side, as a connect scan of thousands of addresses needs). A shared address
 * (a vendor's host many organizations list) is swept once per scan (share.h). UDP is not
 * swept (STUN/TURN are probed over TCP).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "endpoints.h"
#include "engine.h"
#include "probes.h"
#include "share.h"
#include "shared.h"
#include "svc.h"

/* The ports swept and the service each is registered for (IANA, or the product's default). */
static const struct {
	uint16_t port;
	const char *service;
} sweep_ports[] = {
    {21, "ftp"},          {22, "ssh"},        {23, "telnet"},      {25, "smtp"},
    {80, "http"},         {104, "dicom"},     {443, "https"},      {445, "smb"},
    {2575, "hl7"},        {2761, "dicom"},    {2762, "dicom-tls"}, {3306, "mysql"},
    {3389, "rdp"},        {3478, "stun"},     {4242, "dicom"},     {5349, "turns"},
    {5432, "postgresql"}, {5900, "vnc"},      {5901, "vnc"},       {6379, "redis"},
    {8042, "orthanc"},    {8080, "http-alt"}, {8443, "https-alt"}, {9200, "elasticsearch"},
    {11112, "dicom"},     {27017, "mongodb"},
};
#define NPORTS (sizeof sweep_ports / sizeof sweep_ports[0])

static const char *ports_service_name(unsigned port)
{
	for (size_t i = 0; i < NPORTS; i++)
		if (sweep_ports[i].port == port)
			return sweep_ports[i].service;
	return NULL;
}

/* One port being tried. */
struct
try {
	struct sweep *sw;
	struct conn *c;
	unsigned idx; /* into sweep_ports */
};

enum port_state { P_PENDING = 0, P_OPEN, P_CLOSED, P_FILTERED };

/* One address being swept. */
struct sweep {
	struct op op;
	struct engine *e;
	json_t *entry; /* its port_sweeps entry (a reference) */
	char *key;     /* shared: the measurement's key */
	char addr[64];
	char host[256];
	int shared;
	unsigned left; /* tries under way */
	struct try tries[NPORTS];
	enum port_state state[NPORTS];
};

static json_t *array_of(json_t *doc, const char *name)
{
	json_t *a = json_object_get(doc, name);
	if (a == NULL && json_object_set_new(doc, name, json_array()) == 0)
		a = json_object_get(doc, name);
	return a;
}

static json_t *sweep_of(json_t *doc, const char *addr)
{
	json_t *a = json_object_get(doc, "port_sweeps"), *e;
	size_t i;
	json_array_foreach(a, i, e)
	{
		const char *ea = json_string_value(json_object_get(e, "addr"));
		if (ea != NULL && strcmp(ea, addr) == 0)
			return e;
	}
	return NULL;
}

/*
 * The sweep's result is in `entry`: a services entry and a UNIT_SERVICE unit per open port.
 * A host's unit lends its name and asset to the services on its address.
 */
static int report_open(struct engine *e, struct domain_scan *ds, const struct unit *parent, json_t *entry)
{
	json_t *services, *p;
	const char *addr = json_string_value(json_object_get(entry, "addr"));
	size_t i;
	int rc = addr ? 0 : -ENOMEM;
	json_array_foreach(json_object_get(entry, "open"), i, p)
	{
		unsigned port = (unsigned)json_integer_value(p);
		const char *name = ports_service_name(port);
		if (rc < 0 || svc_entry(ds->doc, addr, port) != NULL)
			continue;
		if ((services = array_of(ds->doc, "services")) == NULL) {
			rc = -ENOMEM;
			continue;
		}
		json_t *s =
		    json_pack("{s:s, s:i, s:O, s:b, s:s?}", "addr", addr, "port", (int)port, "host",
		              json_object_get(entry, "host"), "shared", parent->shared != 0, "service", name);
		if (s == NULL || json_array_append_new(services, s) < 0) {
			rc = -ENOMEM;
			continue;
		}
		struct unit u = {.kind = UNIT_SERVICE,
		                 .name = parent->kind == UNIT_ADDRESS ? addr : parent->name,
		                 .addr = addr,
		                 .port = port,
		                 .asset = parent->asset,
		                 .site = parent->site,
		                 .shared = parent->shared};
		int r = engine_found(e, ds, &u);
		if (r < 0 && engine_resource_error(r))
			rc = r;
	}
	return rc;
}

static void sweep_free(struct sweep *sw)
{
	for (size_t i = 0; i < NPORTS; i++)
		sw->tries[i].c = conn_free(sw->tries[i].c);
	json_decref(sw->entry);
	free(sw->key);
	free(sw);
}

/* Fills the entry from the port states. */
static void sweep_record(struct sweep *sw, const char *status)
{
	json_t *open = json_array();
	int closed = 0, filtered = 0;
	for (size_t i = 0; i < NPORTS; i++) {
		if (sw->state[i] == P_OPEN)
			json_array_append_new(open, json_integer(sweep_ports[i].port));
		closed += sw->state[i] == P_CLOSED;
		filtered += sw->state[i] == P_FILTERED;
	}
	json_object_set_new(sw->entry, "open", open);
	json_object_set_new(sw->entry, "closed", json_integer(closed));
	json_object_set_new(sw->entry, "filtered", json_integer(filtered));
	json_object_set_new(sw->entry, "status", json_string(status));
}

static void sweep_finish(struct sweep *sw)
{
	struct domain_scan *ds = sw->op.ds;
	sweep_record(sw, "ok");
	if (sw->key != NULL)
		share_publish(engine_opts(sw->e)->share, sw->key, sw->entry);
	struct unit u = {.kind = sw->host[0] ? UNIT_HOST : UNIT_ADDRESS,
	                 .name = sw->host[0] ? sw->host : sw->addr,
	                 .shared = sw->shared};
	int rc = report_open(sw->e, ds, &u, sw->entry);
	if (rc < 0 && engine_resource_error(rc))
		engine_starved(ds);
	op_done(&sw->op);
	sweep_free(sw);
}

static void try_end(struct try *t, enum port_state st)
{
	struct sweep *sw = t->sw;
	t->c = conn_free(t->c);
	sw->state[t->idx] = st;
	if (--sw->left == 0)
		sweep_finish(sw);
}

static void on_connected(struct conn *c, void *arg)
{
	(void)c;
	try_end(arg, P_OPEN);
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	(void)c;
	(void)err;
	/* A reset is a closed port; silence, an unreachable network or a failed socket is not
	 * known to be closed. */
	try_end(arg, st == CONN_REFUSED ? P_CLOSED : P_FILTERED);
}

static const struct conn_hooks hooks = {.connected = on_connected, .done = on_done};

/* The organization's deadline: what was decided stays; the rest is unknown. */
static void sweep_cancel(struct op *op)
{
	struct sweep *sw = (struct sweep *)op;
	sweep_record(sw, "timeout");
	if (sw->key != NULL)
		share_publish(engine_opts(sw->e)->share, sw->key, NULL);
	op_done(&sw->op);
	sweep_free(sw);
}

static int sweep_start(struct engine *e, struct domain_scan *ds, json_t *entry, const char *addr,
                       const struct unit *u, const char *key)
{
	const struct engine_opts *o = engine_opts(e);
	struct sweep *sw = calloc(1, sizeof *sw);
	if (sw == NULL || (key != NULL && (sw->key = strdup(key)) == NULL)) {
		free(sw);
		if (key != NULL)
			share_publish(o->share, key, NULL);
		return -ENOMEM;
	}
	sw->e = e;
	sw->entry = json_incref(entry);
	sw->shared = u->shared;
	snprintf(sw->addr, sizeof sw->addr, "%s", addr);
	snprintf(sw->host, sizeof sw->host, "%s", u->kind == UNIT_ADDRESS ? "" : u->name);
	op_begin(&sw->op, ds, sweep_cancel);
	struct conn_cfg cfg = {.scope = o->scope,
	                       .connect_ms = o->conn_timeout_ms,
	                       .total_ms = o->conn_timeout_ms,
	                       .rcap = 1,
	                       .pace = o->pace,
	                       .reset_close = 1};
	int rc = 0;
	sw->left = 1; /* held while starting, so no try finishes the sweep under us */
	for (size_t i = 0; i < NPORTS && rc == 0; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		struct try *t = &sw->tries[i];
		*t = (struct try){.sw = sw, .idx = (unsigned)i};
		rc = engine_sockaddr(addr, sweep_ports[i].port, &ss, &sl);
		if (rc == 0)
			rc = conn_new(engine_base(e), &cfg, &hooks, t, &t->c);
		if (rc == 0)
			rc = conn_connect(t->c, (struct sockaddr *)&ss, sl);
		if (rc == 0)
			sw->left++;
		else
			t->c = conn_free(t->c);
	}
	if (rc < 0) {
		if (sw->key != NULL)
			share_publish(o->share, sw->key, NULL);
		sweep_record(sw, engine_resource_error(rc) ? "error"
		                 : rc == -EACCES           ? "out_of_scope"
		                                           : "error");
		op_done(&sw->op);
		sweep_free(sw);
		return engine_resource_error(rc) ? rc : 0;
	}
	if (--sw->left == 0)
		sweep_finish(sw);
	return 0;
}

/* ---- shared addresses ---- */

/* What a sweep of a shared address needs, kept while waiting (shared.h). */
struct sweep_spec {
	char addr[64];
	char name[256];      /* the parent unit's name */
	enum unit_kind kind; /* its kind */
	int shared;
};

static struct unit spec_unit(const struct sweep_spec *sp)
{
	return (struct unit){.kind = sp->kind, .name = sp->name, .shared = sp->shared};
}

static int shared_sweep(struct engine *e, struct domain_scan *ds, json_t *entry, const void *spec,
                        const char *key)
{
	const struct sweep_spec *sp = spec;
	struct unit u = spec_unit(sp);
	return sweep_start(e, ds, entry, sp->addr, &u, key);
}

/* Another organization's sweep: its open ports become this organization's services too. */
static int shared_taken(struct engine *e, struct domain_scan *ds, json_t *entry, const void *spec)
{
	struct unit u = spec_unit(spec);
	return report_open(e, ds, &u, entry);
}

static const struct shared_ops sweep_shared = {
    .measure = shared_sweep, .taken = shared_taken, .spec_size = sizeof(struct sweep_spec)};

static int sweep_claim(struct engine *e, struct domain_scan *ds, json_t *entry, const char *addr,
                       const struct unit *u)
{
	char key[128];
	struct sweep_spec sp = {.kind = u->kind, .shared = u->shared};
	snprintf(sp.addr, sizeof sp.addr, "%s", addr);
	snprintf(sp.name, sizeof sp.name, "%s", u->name);
	snprintf(key, sizeof key, "ports %s", addr);
	return shared_measure(e, ds, key, entry, &sweep_shared, &sp);
}

/* ---- the module ---- */

static json_t *entry_new(const struct unit *u, const char *addr)
{
	json_t *ports = json_array();
	for (size_t i = 0; ports != NULL && i < NPORTS; i++)
		json_array_append_new(ports, json_integer(sweep_ports[i].port));
	return json_pack("{s:s, s:o, s:b, s:s, s:o, s:o, s:i, s:i}", "addr", addr, "host",
	                 u->kind == UNIT_ADDRESS ? json_null() : json_string(u->name), "shared",
	                 u->shared != 0, "status", "error", "ports", ports ? ports : json_null(), "open",
	                 json_array(), "closed", 0, "filtered", 0);
}

static int ports_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	const struct engine_opts *o = engine_opts(e);
	struct endpoints eps;
	int rc = 0;
	if (o->services_off)
		return 0;
	unit_endpoints(u, o->scope, &eps);
	if (eps.n == 0)
		return 0; /* no address: no sweep (the analyzer says not_observed) */
	json_t *sweeps = array_of(ds->doc, "port_sweeps");
	if (sweeps == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < eps.n && rc == 0; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		if (sweep_of(ds->doc, eps.addr[i]) != NULL)
			continue;
		json_t *entry = entry_new(u, eps.addr[i]);
		if (entry == NULL || json_array_append(sweeps, entry) < 0) {
			json_decref(entry);
			return -ENOMEM;
		}
		if (engine_sockaddr(eps.addr[i], sweep_ports[0].port, &ss, &sl) < 0)
			json_object_set_new(entry, "status", json_string("error"));
		else if (!engine_in_scope(e, (struct sockaddr *)&ss))
			json_object_set_new(entry, "status", json_string("out_of_scope"));
		else
			rc = u->shared ? sweep_claim(e, ds, entry, eps.addr[i], u)
			               : sweep_start(e, ds, entry, eps.addr[i], u, NULL);
		json_decref(entry);
	}
	return rc;
}

static const char *const ports_observes[] = {
    "port_sweeps",          "services",
    "port_sweeps[].addr",   "port_sweeps[].host",
    "port_sweeps[].shared", "port_sweeps[].status",
    "port_sweeps[].ports",  "port_sweeps[].open",
    "port_sweeps[].closed", "port_sweeps[].filtered",
    "services[].addr",      "services[].port",
    "services[].host",      "services[].shared",
    "services[].service",   NULL,
};

/* The TCP connect sweep of every address: see the top of this file. */
const struct probe_module probe_ports_module = {
    .name = "ports",
    .unit = UNIT_HOST,
    .also = (1u << UNIT_ADDRESS) | (1u << UNIT_MAIL_HOST),
    .start = ports_start,
    .observes = ports_observes,
};
