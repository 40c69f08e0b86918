/*
 * The AXFR probe: asks each of a domain's name-server addresses, over TCP, for a
 * full zone transfer, reads the first response message only and closes. It
 * records whether the server answered with the zone (an SOA in the answer) or
 * refused; it never keeps the zone's contents beyond a record count.
 *
 * Each connection has one total deadline, the connection timeout, counted from
 * the start of the connect: a server that drips a byte at a time cannot keep it
 * open longer (an idle timeout would be reset by every byte).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "wire_dns.h"

struct axfr {
	struct op op;            /* registration with the organization */
	struct bufferevent *bev; /* the TCP connection */
	struct event *deadline;  /* the connection's total deadline */
	json_t *entry;           /* the dns.axfr entry being filled (borrowed from the doc) */
};

/* Runs after the deadline event's callback (if running) has returned: the safe point. */
static void axfr_finalize(struct event *ev, void *arg)
{
	free(arg);
}

static void axfr_end(struct axfr *x, const char *status, const char *error)
{
	json_object_set_new(x->entry, "status", json_string(status));
	if (error != NULL)
		json_object_set_new(x->entry, "error", json_string(error));
	if (x->bev)
		bufferevent_free(x->bev);
	op_done(&x->op);
	/* axfr_end may run inside the deadline's own callback: libevent frees it (and us) later. */
	if (x->deadline != NULL && event_free_finalize(0, x->deadline, axfr_finalize) == 0)
		return;
	if (x->deadline != NULL)
		event_free(x->deadline);
	free(x);
}

static void axfr_cancel(struct op *op)
{
	axfr_end((struct axfr *)op, "timeout", NULL);
}

static void axfr_deadline(evutil_socket_t fd, short what, void *arg)
{
	axfr_end(arg, "timeout", NULL);
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

static void axfr_read(struct bufferevent *bev, void *arg)
{
	struct axfr *x = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[2];
	if (evbuffer_copyout(in, hdr, 2) < 2)
		return;
	size_t len = (size_t)hdr[0] << 8 | hdr[1];
	if (evbuffer_get_length(in) < len + 2)
		return;
	uint8_t *msg = malloc(len ? len : 1);
	if (msg == NULL) {
		axfr_end(x, "error", "out of memory");
		return;
	}
	evbuffer_drain(in, 2);
	evbuffer_remove(in, msg, len);
	axfr_judge_message(x, msg, len);
	free(msg);
}

static void axfr_event(struct bufferevent *bev, short what, void *arg)
{
	struct axfr *x = arg;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_EOF)
		axfr_end(x, "refused", "connection closed without an answer");
	else {
		int err = EVUTIL_SOCKET_ERROR();
		axfr_end(x, err == ECONNREFUSED ? "refused" : "error", evutil_socket_error_to_string(err));
	}
}

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

static int axfr_connect(struct engine *e, struct axfr *x, const struct sockaddr_in *sin, const char *zone)
{
	uint8_t *q = NULL;
	size_t qlen = 0;
	int rc = axfr_query(zone, &q, &qlen);
	if (rc < 0)
		return rc;
	int ms = engine_opts(e)->conn_timeout_ms;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	x->bev = bufferevent_socket_new(engine_base(e), -1, BEV_OPT_CLOSE_ON_FREE);
	x->deadline = evtimer_new(engine_base(e), axfr_deadline, x);
	if (x->bev == NULL || x->deadline == NULL || bufferevent_write(x->bev, q, qlen) < 0 ||
	    evtimer_add(x->deadline, &tv) < 0) {
		free(q);
		return -ENOMEM;
	}
	free(q);
	bufferevent_setcb(x->bev, axfr_read, NULL, axfr_event, x);
	bufferevent_enable(x->bev, EV_READ | EV_WRITE);
	errno = 0;
	if (bufferevent_socket_connect(x->bev, (const struct sockaddr *)sin, sizeof *sin) < 0)
		return errno ? -errno : -EIO;
	return 0;
}

int probe_axfr_start(struct engine *e, struct domain_scan *ds, const char *ns, const char *addr)
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
	if (!engine_in_scope(e, (struct sockaddr *)&sin)) {
		json_object_set_new(entry, "status", json_string("out_of_scope"));
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
	if (rc < 0 && engine_resource_error(rc))
		engine_starved(ds); /* the organization is scanned again: this entry is dropped with it */
	if (rc < 0)
		axfr_end(x, "error", strerror(-rc));
	return 0;
}
