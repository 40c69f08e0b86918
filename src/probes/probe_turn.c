/*
 * STUN/TURN (module "turn", UNIT_SERVICE on TCP 3478, and 5349 as TURN over TLS through the
 * connection layer's TLS). One connection, one request at a time (RFC 8489, 8656):
 * - Binding: the SOFTWARE attribute, if the server names itself;
 * - Allocate for a UDP relay without credentials: 401 with REALM and NONCE means credentials
 *   are required; success means anyone gets a relay (an open relay);
 * - only when a relay was granted: CreatePermission toward one peer of each internal class
 *   (loopback, RFC 1918, the link-local cloud metadata address, carrier-grade NAT), each
 *   permitted or refused; then Refresh with lifetime 0 frees the allocation.
 * It asks permissions and nothing else: no Send indication, no ChannelData, no data is ever
 * relayed (wire_stun builds neither). UDP is not swept yet. Evidence: services[].turn
 * (docs/OBSERVATIONS.md).
 */
#include <errno.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_stun.h"
#include "wire_text.h"

/* The peers asked for, one per internal class; the order is the evidence's. */
static const struct {
	const char *cls;
	const char *addr;
} peers[] = {
    {"loopback", "127.0.0.1"},  {"rfc1918", "10.0.0.1"},           {"rfc1918", "172.16.0.1"},
    {"rfc1918", "192.168.0.1"}, {"link_local", "169.254.169.254"}, {"cgnat", "100.64.0.1"},
};
#define NPEERS (sizeof peers / sizeof peers[0])

/* The requests in order: Binding, Allocate, a permission per peer, Refresh. */
enum { STEP_BINDING = 0, STEP_ALLOCATE = 1, STEP_PEER0 = 2, STEP_REFRESH = STEP_PEER0 + NPEERS, STEP_DONE };

struct turn_probe {
	struct svc s; /* first */
	struct conn *c;
	int step;                    /* the request waiting for its reply */
	int answered;                /* replies read */
	uint8_t txid[STUN_TXID_LEN]; /* of the request waiting */
	json_t *peers;               /* services[].turn.peers (borrowed from s.out) */
};

struct turn_state {
	SSL_CTX *ctx; /* TURN over TLS: any version, no verification (trust is the TLS probe's) */
};

static void set(struct turn_probe *p, const char *key, json_t *v)
{
	json_object_set_new(p->s.out, key, v);
}

/* The request of the current step into buf: its length, or a negative errno. */
static int build(struct turn_probe *p, uint8_t *buf, size_t cap)
{
	struct stun_addr peer;
	if (RAND_bytes(p->txid, sizeof p->txid) != 1)
		return -EIO;
	if (p->step == STEP_BINDING)
		return stun_build_binding(buf, cap, p->txid);
	if (p->step == STEP_ALLOCATE)
		return turn_build_allocate(buf, cap, p->txid);
	if (p->step == STEP_REFRESH)
		return turn_build_refresh(buf, cap, p->txid, 0);
	int rc = stun_addr_from_text(peers[p->step - STEP_PEER0].addr, 0, &peer);
	return rc < 0 ? rc : turn_build_create_permission(buf, cap, p->txid, &peer);
}

static int send_step(struct turn_probe *p)
{
	uint8_t buf[STUN_REQ_MAX];
	int n = build(p, buf, sizeof buf);
	return n < 0 ? n : conn_write(p->c, buf, (size_t)n);
}

static void record_software(struct turn_probe *p, const struct stun_msg *m)
{
	if (m->software != NULL && json_is_null(json_object_get(p->s.out, "software")))
		set(p, "software", text_json((const char *)m->software, m->software_len));
}

static void record_allocate(struct turn_probe *p, const struct stun_msg *m)
{
	char addr[64] = "";
	if (m->cls == STUN_SUCCESS) {
		set(p, "allocate", json_string("granted"));
		if (m->relayed.family == 4)
			snprintf(addr, sizeof addr, "%u.%u.%u.%u:%u", m->relayed.ip[0], m->relayed.ip[1],
			         m->relayed.ip[2], m->relayed.ip[3], m->relayed.port);
		set(p, "relayed", addr[0] ? json_string(addr) : json_null());
		set(p, "lifetime", m->has_lifetime ? json_integer(m->lifetime) : json_null());
		set(p, "peers", json_array());
		p->peers = json_object_get(p->s.out, "peers");
		return;
	}
	set(p, "allocate", json_string(m->error_code == 401 ? "unauthorized" : "refused"));
	set(p, "allocate_error", m->error_code ? json_integer(m->error_code) : json_null());
	set(p, "realm", m->realm ? text_json((const char *)m->realm, m->realm_len) : json_null());
	set(p, "nonce", json_boolean(m->has_nonce));
}

static void record_peer(struct turn_probe *p, const struct stun_msg *m)
{
	size_t i = (size_t)(p->step - STEP_PEER0);
	/* 443 (peer address family mismatch: an IPv6 relay) refuses the family, not the peer. */
	json_t *permitted = m->cls == STUN_SUCCESS ? json_true()
	                    : m->error_code == 443 ? json_null()
	                                           : json_false();
	json_array_append_new(p->peers, json_pack("{s:s,s:s,s:o,s:o}", "class", peers[i].cls, "addr",
	                                          peers[i].addr, "permitted", permitted, "error",
	                                          m->error_code ? json_integer(m->error_code) : json_null()));
}

/* Records one reply and says which step follows (STEP_DONE: none). */
static int take(struct turn_probe *p, const struct stun_msg *m)
{
	record_software(p, m);
	switch (p->step) {
	case STEP_BINDING:
		set(p, "binding", json_string(m->cls == STUN_SUCCESS ? "ok" : "error"));
		return STEP_ALLOCATE;
	case STEP_ALLOCATE:
		record_allocate(p, m);
		return m->cls == STUN_SUCCESS ? STEP_PEER0 : STEP_DONE;
	case STEP_REFRESH:
		set(p, "released", json_boolean(m->cls == STUN_SUCCESS));
		return STEP_DONE;
	default:
		record_peer(p, m);
		return p->step + 1;
	}
}

/* One whole message at the head of the buffer: 1 when the probe goes on, 0 when it ended. */
static int on_message(struct turn_probe *p, const uint8_t *d, size_t n)
{
	struct stun_msg m;
	if (stun_parse(d, n, &m) < 0) {
		svc_end(&p->s, "malformed");
		return 0;
	}
	/* An indication (none is asked for) is skipped; a reply to another request is not ours. */
	if (m.cls == STUN_INDICATION)
		return 1;
	if (memcmp(m.txid, p->txid, sizeof p->txid) != 0 || m.cls == STUN_REQUEST) {
		svc_end(&p->s, "malformed");
		return 0;
	}
	p->answered++;
	p->step = take(p, &m);
	if (p->step == STEP_DONE || send_step(p) < 0) {
		svc_end(&p->s, "ok");
		return 0;
	}
	return 1;
}

static void on_data(struct conn *c, void *arg)
{
	struct turn_probe *p = arg;
	size_t len;
	const uint8_t *d = conn_data(c, &len);
	for (;;) {
		int n = stun_frame(d, len);
		if (n < 0) {
			svc_end(&p->s, n == -E2BIG        ? "oversized"
			               : p->answered == 0 ? "not_turn"
			                                  : "malformed");
			return;
		}
		if (n == 0 || (size_t)n > len)
			return;
		if (!on_message(p, d, (size_t)n))
			return;
		conn_consume(c, (size_t)n);
		d = conn_data(c, &len);
	}
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct turn_probe *p = arg;
	(void)c;
	(void)err;
	/* A server that answered and then closed has still shown what it answered. */
	svc_end(&p->s, p->answered > 0 ? "ok" : svc_conn_status(st));
}

static void start_exchange(struct turn_probe *p)
{
	if (send_step(p) < 0)
		svc_end(&p->s, "error");
}

static void on_connected(struct conn *c, void *arg)
{
	struct turn_probe *p = arg;
	struct turn_state *st = engine_state(p->s.e, &probe_turn_module);
	if (p->s.port != 5349) {
		start_exchange(p);
		return;
	}
	if (st == NULL || conn_start_tls(c, st->ctx, p->s.host[0] ? p->s.host : NULL) < 0)
		svc_end(&p->s, "error");
}

static void on_secured(struct conn *c, void *arg)
{
	(void)c;
	start_exchange(arg);
}

static const struct conn_hooks hooks = {
    .connected = on_connected, .secured = on_secured, .data = on_data, .done = on_done};

static int turn_begin(struct svc *s)
{
	struct turn_probe *p = (struct turn_probe *)s;
	static const char *const keys[] = {"binding", "software", "allocate", "allocate_error", "realm",
	                                   "nonce",   "relayed",  "lifetime", "peers",          "released"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		set(p, keys[i], json_null());
	set(p, "tls", json_boolean(s->port == 5349));
	p->step = STEP_BINDING;
	return svc_connect(s, &hooks, p, STUN_MSG_MAX, &p->c);
}

static void turn_stop(struct svc *s)
{
	struct turn_probe *p = (struct turn_probe *)s;
	p->c = conn_free(p->c);
}

static int turn_setup(struct engine *e, void **state, char *err, size_t errlen)
{
	struct turn_state *st = calloc(1, sizeof *st);
	(void)e;
	/* A relay behind an old TLS stack is still a relay: any version from TLS 1.0, any suite. */
	if (st == NULL || (st->ctx = svc_tls_ctx()) == NULL) {
		free(st);
		snprintf(err, errlen, "turn: no TLS context");
		return -ENOMEM;
	}
	*state = st;
	return 0;
}

static void turn_teardown(void *state)
{
	struct turn_state *st = state;
	if (st == NULL)
		return;
	SSL_CTX_free(st->ctx);
	free(st);
}

static const uint16_t turn_ports[] = {3478, 5349};
static const struct svc_ops turn_ops = {
    .name = "turn",
    .ports = turn_ports,
    .nports = sizeof turn_ports / sizeof turn_ports[0],
    .size = sizeof(struct turn_probe),
    .begin = turn_begin,
    .stop = turn_stop,
};

static int turn_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &turn_ops);
}

static const char *const turn_observes[] = {
    "services[].turn",
    "services[].turn.status",
    "services[].turn.tls",
    "services[].turn.binding",
    "services[].turn.software",
    "services[].turn.allocate",
    "services[].turn.allocate_error",
    "services[].turn.realm",
    "services[].turn.nonce",
    "services[].turn.relayed",
    "services[].turn.lifetime",
    "services[].turn.peers",
    "services[].turn.released",
    NULL,
};

const struct probe_module probe_turn_module = {
    .name = "turn",
    .unit = UNIT_SERVICE,
    .setup = turn_setup,
    .teardown = turn_teardown,
    .start = turn_start,
    .observes = turn_observes,
};
