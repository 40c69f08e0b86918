/*
 * The AXFR probe: asks each of a domain's name-server addresses, over TCP, for a
 * full zone transfer, reads the first response message only and closes. It
 * records whether the server answered with the zone (an SOA in the answer) or
 * refused; it never keeps the zone's contents beyond a record count.
 *
 * Each exchange goes through the connection layer (conn.h), which checks the
 * scope, caps what is read at one message, and keeps one total deadline, the
 * connection timeout, counted from the start of the connect: a server that drips
 * a byte at a time cannot keep it open longer (an idle timeout would be reset by
 * every byte).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "engine.h"
#include "probes.h"
#include "wire_dns.h"
#include "errbuf.h"

/* The first message: its two-byte length prefix and at most 65535 bytes. */
#define AXFR_READ_CAP (2 + 65535)

struct axfr {
	struct op op;   /* registration with the organization */
	struct conn *c; /* the TCP exchange, its deadlines and read cap */
	json_t *entry;  /* the dns.axfr entry being filled (borrowed from the doc) */
};

/* May run inside a hook of x->c: conn_free defers the free to a safe point. */
static void axfr_end(struct axfr *x, const char *status, const char *error)
{
	json_object_set_new(x->entry, "status", json_string(status));
	if (error != NULL)
		json_object_set_new(x->entry, "error", json_string(error));
	x->c = conn_free(x->c);
	op_done(&x->op);
	free(x);
}

static void axfr_cancel(struct op *op)
{
	axfr_end((struct axfr *)op, "timeout", NULL);
}

static void axfr_judge_message(struct axfr *x, const uint8_t *msg, size_t len)
{
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, msg, len) != LDNS_STATUS_OK) {
		axfr_end(x, "error", "unparsable response");
		return;
	}
	ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
	char *rc = ldns_pkt_rcode2str(rcode);
	json_object_set_new(x->entry, "rcode", json_string(rc ? rc : "?"));
	free(rc);
	ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t n = an ? ldns_rr_list_rr_count(an) : 0;
	json_object_set_new(x->entry, "records", json_integer((json_int_t)n));
	int open = rcode == LDNS_RCODE_NOERROR && n > 0 &&
	           ldns_rr_get_type(ldns_rr_list_rr(an, 0)) == LDNS_RR_TYPE_SOA;
	ldns_pkt_free(pkt);
	axfr_end(x, open ? "open" : "refused", NULL);
}

static void axfr_data(struct conn *c, void *arg)
{
	size_t len = 0;
	const uint8_t *in = conn_data(c, &len);
	if (len < 2 || len < 2 + ((size_t)in[0] << 8 | in[1]))
		return;
	axfr_judge_message(arg, in + 2, (size_t)in[0] << 8 | in[1]);
}

static void axfr_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct axfr *x = arg;
	/* A paced connect that found no descriptor: back-pressure, as when it fails at the start. */
	if (engine_resource_error(err))
		engine_starved(x->op.ds);
	if (st == CONN_CLOSED)
		axfr_end(x, "refused", "connection closed without an answer");
	else if (st == CONN_TIMEOUT)
		axfr_end(x, "timeout", NULL);
	else
		axfr_end(x, st == CONN_REFUSED ? "refused" : "error", conn_error(c));
}

static const struct conn_hooks axfr_hooks = {
    .data = axfr_data,
    .done = axfr_done,
};

/* The AXFR query for `zone`, with its two-byte TCP length prefix. */
static int axfr_query(const char *zone, uint8_t **out, size_t *outlen)
{
	uint8_t *wire = NULL;
	size_t len = 0;
	int rc = dns_query_build(zone, LDNS_RR_TYPE_AXFR, 0, &wire, &len);
	if (rc < 0 || len > 65535) {
		free(wire);
		return rc < 0 ? rc : -EINVAL;
	}
	*out = malloc(len + 2);
	if (*out == NULL) {
		free(wire);
		return -ENOMEM;
	}
	(*out)[0] = (uint8_t)(len >> 8);
	(*out)[1] = (uint8_t)len;
	memcpy(*out + 2, wire, len);
	free(wire);
	*outlen = len + 2;
	return 0;
}

#define AXFR_ENTRIES_MAX 16

/* The dns.axfr entry for a new address, or NULL when it is already asked (or too many are). */
static json_t *axfr_entry(struct domain_scan *ds, const char *ns, const char *addr)
{
	json_t *list = json_object_get(json_object_get(ds->doc, "dns"), "axfr");
	size_t i;
	json_t *it;
	if (json_array_size(list) >= AXFR_ENTRIES_MAX)
		return NULL;
	json_array_foreach(list, i, it)
	{
		if (strcmp(json_string_value(json_object_get(it, "addr")) ?: "", addr) == 0)
			return NULL;
	}
	json_t *e = json_pack("{s:s, s:s, s:s, s:n, s:n, s:n}", "ns", ns, "addr", addr, "status", "error",
	                      "rcode", "records", "error");
	/* The list keeps the entry alive; the probe writes into it as a borrowed reference. */
	if (e == NULL || json_array_append_new(list, e) < 0)
		return NULL;
	return e;
}

/* The whole exchange has one deadline, counted from the connect: a drip cannot extend it. */
static int axfr_connect(struct engine *e, struct axfr *x, const struct sockaddr_in *sin, const char *zone)
{
	const struct engine_opts *o = engine_opts(e);
	struct conn_cfg cfg = {.scope = o->scope,
	                       .connect_ms = o->conn_timeout_ms,
	                       .total_ms = o->conn_timeout_ms,
	                       .rcap = AXFR_READ_CAP,
	                       .pace = o->pace};
	uint8_t *q = NULL;
	size_t qlen = 0;
	int rc = axfr_query(zone, &q, &qlen);
	if (rc == 0)
		rc = conn_new(engine_base(e), &cfg, &axfr_hooks, x, &x->c);
	if (rc == 0)
		rc = conn_connect(x->c, (const struct sockaddr *)sin, sizeof *sin);
	/* Queued now, sent once connected. */
	if (rc == 0)
		rc = conn_write(x->c, q, qlen);
	free(q);
	return rc;
}

static int axfr_start(struct engine *e, struct domain_scan *ds, const char *ns, const char *addr)
{
	if (engine_org_expired(ds))
		return 0;
	json_t *entry = axfr_entry(ds, ns, addr);
	if (entry == NULL)
		return 0;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(53)};
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		json_object_set_new(entry, "error", json_string("not an IPv4 address"));
		return 0;
	}
	struct axfr *x = calloc(1, sizeof *x);
	if (x == NULL) {
		engine_starved(ds);
		return -ENOMEM;
	}
	x->entry = entry;
	op_begin(&x->op, ds, axfr_cancel);
	int rc = axfr_connect(e, x, &sin, ds->domain);
	if (rc == -EACCES) {
		/* The connection layer refused the address before any packet: nothing to record but that. */
		axfr_end(x, "out_of_scope", NULL);
		return 0;
	}
	if (rc < 0 && engine_resource_error(rc))
		engine_starved(ds); /* the organization is scanned again: this entry is dropped with it */
	if (rc < 0)
		axfr_end(x, "error", err_text(-rc));
	return 0;
}

static int axfr_unit(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return axfr_start(e, ds, u->name, u->addr);
}

static const char *const axfr_observes[] = {"dns.axfr", NULL};

/* Asks one address of one name server for the whole zone. */
const struct probe_module probe_axfr_module = {
    .name = "axfr",
    .unit = UNIT_NAME_SERVER,
    .start = axfr_unit,
    .observes = axfr_observes,
};
