/*
 * The named-endpoint module (probe_tlsep_module, probes.h) of `vitals tls`: each
 * "domain" it is given is an endpoint's canonical line (tls_endpoint.h). An address is
 * handed to the deep-TLS probe as a given address; a host name is first resolved (A,
 * and AAAA when the scope allows IPv6) through the engine's resolver, and its addresses
 * then go to the probe as a web host's do (the first four of each family, each through
 * the scope guard). No other discovery: no MX, no web, no apex.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine.h"
#include "probe_tlsscan.h"
#include "probes.h"
#include "resolver.h"
#include "tls_endpoint.h"

/* A host name being resolved. */
struct tlsep {
	struct op op;           /* registration with the organization */
	struct engine *e;       /* the engine */
	struct tls_endpoint ep; /* what was named */
	json_t *asset;          /* {"host", "a", "aaaa"}: the lookups, as a host asset has them */
	struct rquery *q[2];    /* A and AAAA in flight */
	unsigned pending;       /* lookups not yet answered */
	struct tlsep *self[2];  /* callback arguments: which lookup answered is &self[i] - self */
};

static const char *const qtypes[] = {"A", "AAAA"};
static const char *const qkeys[] = {"a", "aaaa"};

static struct tlsscan_where where_of(const struct tls_endpoint *ep)
{
	/* A known TLS service port is named as the scan names it (DICOM over TLS, TURN over TLS),
	 * so the same endpoint is judged alike by both commands. */
	unsigned port = tls_endpoint_port(ep);
	return (struct tlsscan_where){.port = port,
	                              .smtp = ep->smtp,
	                              .sni = ep->sni[0] ? ep->sni : NULL,
	                              .service = ep->smtp ? NULL : tlsscan_service_name(port)};
}

/* Both lookups are in (or cut): the probe takes the host's addresses, or records why there are none. */
static void resolved(struct tlsep *h)
{
	struct tlsscan_where w = where_of(&h->ep);
	/* A server name given for a host name replaces it: it is what is sent and matched. */
	struct unit u = {.kind = UNIT_HOST, .name = w.sni ? w.sni : h->ep.name, .asset = h->asset};
	int rc = tlsscan_unit(h->e, h->op.ds, &u, &w);
	if (rc < 0 && !engine_resource_error(rc))
		json_object_set_new(h->op.ds->doc, "error", json_string("cannot start the TLS scan"));
	op_done(&h->op);
	json_decref(h->asset);
	free(h);
}

static void on_lookup(void *arg, json_t *lookup)
{
	struct tlsep **slot = arg, *h = *slot;
	size_t i = (size_t)(slot - h->self);
	h->q[i] = NULL;
	json_object_set_new(h->asset, qkeys[i], lookup);
	if (--h->pending == 0)
		resolved(h);
}

/* The organization deadline: no address is taken, the endpoint is recorded as timed out. */
static void tlsep_cancel(struct op *op)
{
	struct tlsep *h = (struct tlsep *)op;
	for (size_t i = 0; i < 2; i++) {
		resolver_cancel(h->q[i]);
		h->q[i] = NULL;
		json_object_set_new(h->asset, qkeys[i],
		                    json_pack("{s:s, s:[]}", "status", "timeout", "records"));
	}
	resolved(h);
}

static int resolve_host(struct engine *e, struct domain_scan *ds, const struct tls_endpoint *ep)
{
	struct tlsep *h = calloc(1, sizeof *h);
	unsigned n = scope_allows_family(engine_opts(e)->scope, AF_INET6) ? 2 : 1;
	if (h == NULL || (h->asset = json_pack("{s:s}", "host", ep->name)) == NULL) {
		free(h);
		return -ENOMEM;
	}
	h->e = e;
	h->ep = *ep;
	op_begin(&h->op, ds, tlsep_cancel);
	for (unsigned i = 0; i < n; i++) {
		h->self[i] = h;
		h->pending++;
		int rc =
		    resolver_query(engine_resolver(e), ep->name, qtypes[i], on_lookup, &h->self[i], &h->q[i]);
		if (rc < 0) {
			h->pending--;
			json_object_set_new(h->asset, qkeys[i],
			                    json_pack("{s:s, s:[]}", "status", "error", "records"));
		}
	}
	if (h->pending == 0)
		resolved(h);
	return 0;
}

static int tlsep_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	struct tls_endpoint ep;
	char why[128];
	if (tls_endpoint_line(u->name, strlen(u->name), &ep, why, sizeof why) != 1)
		return -EINVAL; /* the command checked every endpoint before the scan */
	if (!ep.literal)
		return resolve_host(e, ds, &ep);
	struct tlsscan_where w = where_of(&ep);
	struct unit a = {.kind = UNIT_ADDRESS, .name = ep.name};
	return tlsscan_unit(e, ds, &a, &w);
}

static const char *const tlsep_observes[] = {NULL};

/* `vitals tls`: each target domain is one named endpoint's line. */
const struct probe_module probe_tlsep_module = {
    .name = "tlsep",
    .unit = UNIT_DOMAIN,
    .start = tlsep_start,
    .observes = tlsep_observes,
};
