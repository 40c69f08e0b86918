/*
 * The RDP probe (module "rdp", port 3389): two X.224 Connection Requests, each on a
 * connection of its own. The first offers TLS, CredSSP and CredSSP with early user
 * authorization and shows what the server prefers; the second offers TLS alone and shows
 * whether a client without Network Level Authentication is refused
 * (HYBRID_REQUIRED_BY_SERVER) or let through to a logon screen. Each reads the Connection
 * Confirm and closes: no TLS handshake, no CredSSP, no credentials, no cookie.
 *
 * It records the negotiations (docs/OBSERVATIONS.md, "rdp"); whether NLA is required is
 * the analyzer's conclusion (analyze_svc_remote.c).
 */
#include <errno.h>
#include <jansson.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_rdp.h"

/* The offers, in order: everything a modern client offers, then a client without NLA. */
static const uint32_t rdp_offers[] = {
    RDP_PROTO_SSL | RDP_PROTO_HYBRID | RDP_PROTO_HYBRID_EX,
    RDP_PROTO_SSL,
};
#define RDP_STEPS (sizeof rdp_offers / sizeof rdp_offers[0])

struct rdp_probe {
	struct svc s;   /* the kit's part, first */
	struct conn *c; /* the exchange in progress */
	unsigned step;  /* index into rdp_offers */
	int answered;   /* some step got a Connection Confirm */
};

static int rdp_exchange(struct rdp_probe *p);

/* The names of the protocols offered, in bit order. */
static json_t *rdp_offered(uint32_t protos)
{
	json_t *a = json_array();
	for (uint32_t bit = 1; bit <= RDP_PROTO_HYBRID_EX; bit <<= 1)
		if (protos & bit)
			json_array_append_new(a, json_string(rdp_protocol_name(bit)));
	return a;
}

/* The step's entry in "negotiations", with its status; the other members null. */
static json_t *rdp_entry(struct rdp_probe *p, const char *status)
{
	json_t *negs = json_object_get(p->s.out, "negotiations");
	json_t *e = json_pack("{s:o, s:s, s:n, s:n, s:n}", "offered", rdp_offered(rdp_offers[p->step]),
	                      "status", status, "selected", "failure", "code");
	json_array_append_new(negs, e);
	return e;
}

/* The step ended (its entry written): the next one, or the end. */
static void rdp_next(struct rdp_probe *p)
{
	p->c = conn_free(p->c);
	if (++p->step < RDP_STEPS && rdp_exchange(p) == 0)
		return;
	if (p->step < RDP_STEPS)
		rdp_entry(p, "error");
	svc_end(&p->s, "ok");
}

/* A step that got no Confirm: the first one's status is the probe's; a later one's is its own. */
static void rdp_failed(struct rdp_probe *p, const char *status)
{
	rdp_entry(p, status);
	if (!p->answered) {
		svc_end(&p->s, status);
		return;
	}
	rdp_next(p);
}

static void rdp_record(struct rdp_probe *p, const struct rdp_reply *r)
{
	json_t *e = rdp_entry(p, "ok");
	const char *name =
	    r->type == RDP_NEG_FAILURE ? rdp_failure_name(r->value) : rdp_protocol_name(r->value);
	json_object_set_new(e, r->type == RDP_NEG_FAILURE ? "failure" : "selected",
	                    name ? json_string(name) : json_null());
	json_object_set_new(e, "code", json_integer(r->value));
	/* A Confirm without negotiation data: the server knows only standard RDP security. */
	json_object_set_new(e, "negotiation", json_boolean(r->type != RDP_NEG_NONE));
	p->answered = 1;
}

static void rdp_data(struct conn *c, void *arg)
{
	struct rdp_probe *p = arg;
	size_t len = 0;
	const uint8_t *b = conn_data(c, &len);
	struct rdp_reply r;
	int rc = rdp_parse_reply(b, len, &r);
	if (rc == 0)
		return;
	if (rc < 0) {
		/* A first byte that is not TPKT's version: another protocol answered. */
		rdp_failed(p, rc == -E2BIG ? "oversized" : b[0] != 3 ? "not_rdp" : "malformed");
		return;
	}
	rdp_record(p, &r);
	rdp_next(p);
}

static void rdp_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	rdp_failed(arg, svc_conn_status(st));
}

static const struct conn_hooks rdp_hooks = {.data = rdp_data, .done = rdp_done};

static int rdp_exchange(struct rdp_probe *p)
{
	uint8_t req[RDP_REQUEST_LEN];
	rdp_build_request(rdp_offers[p->step], req);
	int rc = svc_connect(&p->s, &rdp_hooks, p, RDP_REPLY_MAX, &p->c);
	/* Queued now, sent once connected. */
	if (rc == 0)
		rc = conn_write(p->c, req, sizeof req);
	return rc;
}

static int rdp_begin(struct svc *s)
{
	struct rdp_probe *p = (struct rdp_probe *)s;
	json_object_set_new(s->out, "negotiations", json_array());
	return rdp_exchange(p);
}

static void rdp_stop(struct svc *s)
{
	struct rdp_probe *p = (struct rdp_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t rdp_ports[] = {3389};
static const struct svc_ops rdp_ops = {"rdp", rdp_ports, 1, sizeof(struct rdp_probe), rdp_begin, rdp_stop};

static int rdp_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &rdp_ops);
}

static const char *const rdp_observes[] = {"services[].rdp", "services[].rdp.status",
                                           "services[].rdp.negotiations", NULL};

const struct probe_module probe_rdp_module = {
    .name = "rdp",
    .unit = UNIT_SERVICE,
    .start = rdp_start,
    .observes = rdp_observes,
};
