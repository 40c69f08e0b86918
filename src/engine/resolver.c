/* Iterative, validating DNS resolution in the engine's loop through libunbound. */
#include "resolver.h"
#include "wire_dns.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <unbound-event.h>
#include <unbound.h>

struct rquery {
	struct resolver *r;         /* owner */
	int async_id;               /* unbound's id, for ub_cancel */
	struct ub_ctx *active;      /* the context asking now: validating, then raw for bogus data */
	json_t *bogus;              /* the validating answer when it was bogus, while raw data is fetched */
	struct event *timer;        /* our own deadline */
	struct event *deliver;      /* hands the answer over from the loop, never from inside unbound */
	json_t *answer;             /* the lookup waiting for `deliver` */
	resolver_cb cb;             /* where the lookup goes */
	void *arg;                  /* its argument */
	char *name;                 /* asked name */
	int type;                   /* asked type */
	struct rquery *prev, *next; /* in-flight list */
	int submitted;              /* handed to unbound (else waiting in the pending FIFO) */
	struct rquery *pnext;       /* pending FIFO */
};

struct resolver {
	struct event_base *base; /* the loop */
	struct ub_ctx *ub;       /* validating context */
	struct ub_ctx *raw;      /* non-validating context: fetches the records of bogus answers */
	int timeout_ms;          /* per query */
	struct rquery *inflight; /* queries under way */
	size_t ninflight;        /* their count */
	size_t nactive;          /* of them, handed to unbound */
	size_t max_active;       /* the most handed to unbound at once */
	struct rquery *pend_head, *pend_tail; /* the others, in order */
};

static int set_opt(struct ub_ctx *ub, const char *opt, const char *val, char *err, size_t errlen)
{
	int rc = ub_ctx_set_option(ub, opt, val);
	if (rc != 0)
		snprintf(err, errlen, "unbound option %s %s: %s", opt, val, ub_strerror(rc));
	return rc ? -EINVAL : 0;
}

/* The scope, as unbound understands it: blocks it must never send to. */
static int apply_scope(struct ub_ctx *ub, const struct scope *s, char *err, size_t errlen)
{
	struct cidr *block = NULL;
	int n = scope_blocklist(s, &block);
	if (n < 0) {
		snprintf(err, errlen, "cannot compute the resolver's blocklist");
		return n;
	}
	int rc = 0, v6_all = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		char text[64];
		cidr_format(&block[i], text, sizeof text);
		if (block[i].family == AF_INET6 && block[i].prefix == 0)
			v6_all = 1;
		rc = set_opt(ub, "do-not-query-address:", text, err, errlen);
	}
	free(block);
	/* With no IPv6 in scope, do not even try: it only adds timeouts. */
	if (rc == 0 && v6_all)
		rc = set_opt(ub, "do-ip6:", "no", err, errlen);
	return rc;
}

/* The probes' own sockets get what the two contexts leave, under the engine's back-pressure. */
unsigned resolver_ports(int workers)
{
	struct rlimit rl;
	rlim_t n = 4096, share = 8 * (rlim_t)(workers > 0 ? workers : 1);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / share < n)
		n = rl.rlim_cur / share < 8 ? 8 : rl.rlim_cur / share;
	return (unsigned)n;
}

static int configure(struct ub_ctx *ub, const struct resolver_opts *o, int validate, char *err, size_t errlen)
{
	char ports[16];
	snprintf(ports, sizeof ports, "%u", resolver_ports(o->workers));
	static const char *const opts[][2] = {
	    /* unbound refuses loopback name servers unless told; the scope decides instead. */
	    {"do-not-query-localhost:", "no"},
	    {"val-log-level:", "2"},
	    {"num-queries-per-thread:", "4096"},
	    {"outgoing-range:", "4096"},
	    {"qname-minimisation:", "no"},
	    /*
	     * A name server that timed out is not written off for the rest of the scan: unbound
	     * would back it off for infra-host-ttl (900 s) and fail every later query to it, and
	     * one moment of loss at a hosting provider's servers would cost every organization
	     * they serve. Keep probing it, and forget the penalty after a minute.
	     */
	    {"infra-keep-probing:", "yes"},
	    {"infra-host-ttl:", "60"},
	    {"verbosity:", "0"},
	    {"use-syslog:", "no"},
	    {"logfile:", ""},
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof opts / sizeof opts[0] && rc == 0; i++)
		rc = set_opt(ub, opts[i][0], opts[i][1], err, errlen);
	if (rc == 0)
		rc = set_opt(ub, "outgoing-range:", ports, err, errlen);
	if (rc == 0 && o->root_hints)
		rc = set_opt(ub, "root-hints:", o->root_hints, err, errlen);
	if (rc == 0 && validate && o->trust_anchor && (rc = ub_ctx_add_ta_file(ub, o->trust_anchor)) != 0) {
		snprintf(err, errlen, "trust anchor %s: %s", o->trust_anchor, ub_strerror(rc));
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = apply_scope(ub, o->scope, err, errlen);
	/*
	 * unbound answers for the reserved test. name itself (RFC 6761: NXDOMAIN, and
	 * "localhost." as its NS); the simulated sector lives there, and on the
	 * internet the root says NXDOMAIN anyway, so the local zone goes.
	 */
	if (rc == 0 && ub_ctx_zone_remove(ub, "test.") != 0) {
		snprintf(err, errlen, "cannot remove unbound's local test. zone");
		rc = -EINVAL;
	}
	return rc;
}

int resolver_new(struct event_base *base, const struct resolver_opts *o, struct resolver **out, char *err,
                 size_t errlen)
{
	struct resolver *r = calloc(1, sizeof *r);
	if (r == NULL)
		return -ENOMEM;
	r->base = base;
	r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
	/*
	 * unbound sends through at most outgoing-range sockets and queues the rest inside,
	 * where our deadline would run for queries not yet asked: past twice that many (each
	 * of ours may take a few upstream queries), queries wait here, their time not running.
	 */
	r->max_active = 2 * (size_t)resolver_ports(o->workers);
	/*
	 * A validating resolver answers SERVFAIL for bogus data (val-permissive-mode
	 * would hide the bogus state instead), so a second, non-validating context
	 * fetches those records: the DNSSEC checks see "bogus", the others the data.
	 */
	r->ub = ub_ctx_create_event(base);
	r->raw = ub_ctx_create_event(base);
	int rc = r->ub && r->raw ? configure(r->ub, o, 1, err, errlen) : -ENOMEM;
	if (rc == 0)
		rc = configure(r->raw, o, 0, err, errlen);
	if (rc < 0) {
		resolver_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static void pend_remove(struct resolver *r, struct rquery *q)
{
	struct rquery **pp = &r->pend_head, *prev = NULL;
	while (*pp != NULL && *pp != q) {
		prev = *pp;
		pp = &(*pp)->pnext;
	}
	if (*pp == NULL)
		return;
	*pp = q->pnext;
	if (r->pend_tail == q)
		r->pend_tail = prev;
}

static void pump_pending(struct resolver *r);

static void rquery_unlink_free(struct rquery *q)
{
	struct resolver *r = q->r;
	if (q->submitted)
		r->nactive--;
	else
		pend_remove(r, q);
	if (q->prev)
		q->prev->next = q->next;
	else
		r->inflight = q->next;
	if (q->next)
		q->next->prev = q->prev;
	r->ninflight--;
	if (q->timer)
		event_free(q->timer);
	if (q->deliver)
		event_free(q->deliver);
	json_decref(q->answer);
	json_decref(q->bogus);
	free(q->name);
	int was_active = q->submitted;
	free(q);
	if (was_active)
		pump_pending(r);
}

struct resolver *resolver_free(struct resolver *r)
{
	if (r == NULL)
		return NULL;
	r->max_active = 0; /* nothing pending is handed over while the queries go */
	while (r->inflight) {
		if (r->inflight->submitted && r->inflight->answer == NULL)
			ub_cancel(r->inflight->active, r->inflight->async_id);
		rquery_unlink_free(r->inflight);
	}
	if (r->ub)
		ub_ctx_delete(r->ub);
	if (r->raw)
		ub_ctx_delete(r->raw);
	free(r);
	return NULL;
}

/*
 * unbound calls back from inside ub_resolve_event when the answer is cached, so
 * the lookup is only parked here and delivered by our own event.
 */
static json_t *answer_lookup(struct rquery *q, int rcode, void *packet, int len, int sec, char *why_bogus)
{
	static const char *const secs[] = {"insecure", "bogus", "secure"};
	json_t *lk = dns_lookup_new(q->name, q->type, "error");
	if (rcode != 0 || packet == NULL) {
		const char *st = rcode == LDNS_RCODE_REFUSED ? "refused" : "servfail";
		json_object_set_new(lk, "status", json_string(st));
		json_object_set_new(lk, "rcode", json_string(st[0] == 'r' ? "REFUSED" : "SERVFAIL"));
	} else {
		dns_lookup_fill(lk, q->type, packet, (size_t)len);
	}
	if ((packet != NULL || sec == 1) && sec >= 0 && sec <= 2)
		json_object_set_new(lk, "sec", json_string(secs[sec]));
	if (why_bogus != NULL)
		json_object_set_new(lk, "why_bogus", json_string(why_bogus));
	return lk;
}

static void on_answer(void *arg, int rcode, void *packet, int len, int sec, char *why_bogus, int ratelimited);

/* The records of a bogus answer, asked again without validation. */
static int ask_raw(struct rquery *q, json_t *bogus)
{
	q->bogus = bogus;
	q->active = q->r->raw;
	if (ub_resolve_event(q->active, q->name, q->type, LDNS_RR_CLASS_IN, q, on_answer, &q->async_id) == 0)
		return 0;
	q->bogus = NULL;
	return -EIO;
}

/*
 * unbound calls back from inside ub_resolve_event when the answer is cached, so
 * the lookup is only parked here and delivered by our own event.
 */
static void on_answer(void *arg, int rcode, void *packet, int len, int sec, char *why_bogus, int ratelimited)
{
	struct rquery *q = arg;
	json_t *lk = answer_lookup(q, rcode, packet, len, sec, why_bogus);
	if (ratelimited)
		json_object_set_new(lk, "ratelimited", json_true());
	if (q->bogus != NULL) {
		/* Second round: the raw records, still marked bogus. */
		json_object_set(lk, "sec", json_object_get(q->bogus, "sec"));
		json_object_set(lk, "why_bogus", json_object_get(q->bogus, "why_bogus"));
		json_decref(q->bogus);
		q->bogus = NULL;
	} else if (sec == 1 && ask_raw(q, lk) == 0) {
		return;
	}
	json_decref(q->answer);
	q->answer = lk;
	evtimer_del(q->timer);
	event_active(q->deliver, 0, 0);
}

static void finish(struct rquery *q, json_t *lk)
{
	resolver_cb cb = q->cb;
	void *cbarg = q->arg;
	q->answer = NULL;
	rquery_unlink_free(q);
	cb(cbarg, lk);
}

static void on_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct rquery *q = arg;
	finish(q, q->answer);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct rquery *q = arg;
	ub_cancel(q->active, q->async_id);
	finish(q, dns_lookup_new(q->name, q->type, "timeout"));
}

static int type_number(const char *type)
{
	ldns_rr_type t = ldns_get_rr_type_by_name(type);
	return t == 0 ? -EINVAL : (int)t;
}

/*
 * Hands q to unbound and starts its deadline then: a query waiting for its turn has not
 * been asked, so its time does not run. 0, -ENOMEM or -EIO.
 */
static int submit(struct rquery *q)
{
	struct resolver *r = q->r;
	struct timeval tv = {r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000};
	if (evtimer_add(q->timer, &tv) < 0)
		return -ENOMEM;
	q->submitted = 1;
	r->nactive++;
	q->active = r->ub;
	int ub = ub_resolve_event(r->ub, q->name, q->type, LDNS_RR_CLASS_IN, q, on_answer, &q->async_id);
	if (ub != 0) {
		q->submitted = 0;
		r->nactive--;
		evtimer_del(q->timer);
		return ub == UB_NOMEM ? -ENOMEM : -EIO;
	}
	return 0;
}

/*
 * The next waiting queries, as far as the cap allows. One that cannot be asked gets an
 * "error" lookup through its own deliver event (never a callback from here).
 */
static void pump_pending(struct resolver *r)
{
	struct rquery *q;
	while (r->nactive < r->max_active && (q = r->pend_head) != NULL) {
		r->pend_head = q->pnext;
		if (r->pend_head == NULL)
			r->pend_tail = NULL;
		q->pnext = NULL;
		if (submit(q) < 0) {
			q->submitted = 1; /* its slot is released with it */
			r->nactive++;
			q->answer = dns_lookup_new(q->name, q->type, "error");
			event_active(q->deliver, 0, 0);
		}
	}
}

int resolver_query(struct resolver *r, const char *name, const char *type, resolver_cb cb, void *arg,
                   struct rquery **out)
{
	int t = type_number(type);
	if (t < 0)
		return t;
	struct rquery *q = calloc(1, sizeof *q);
	if (q == NULL || (q->name = strdup(name)) == NULL) {
		free(q);
		return -ENOMEM;
	}
	q->r = r;
	q->type = t;
	q->cb = cb;
	q->arg = arg;
	q->next = r->inflight;
	if (r->inflight)
		r->inflight->prev = q;
	r->inflight = q;
	r->ninflight++;
	q->timer = evtimer_new(r->base, on_timeout, q);
	q->deliver = event_new(r->base, -1, 0, on_deliver, q);
	if (q->timer == NULL || q->deliver == NULL) {
		rquery_unlink_free(q);
		return -ENOMEM; /* the engine's back-pressure retries later */
	}
	if (r->nactive < r->max_active && r->pend_head == NULL) {
		int rc = submit(q);
		if (rc < 0) {
			rquery_unlink_free(q);
			return rc;
		}
	} else if (r->pend_tail != NULL) {
		r->pend_tail->pnext = q;
		r->pend_tail = q;
	} else {
		r->pend_head = r->pend_tail = q;
	}
	if (out)
		*out = q;
	return 0;
}

void resolver_cancel(struct rquery *q)
{
	if (q == NULL)
		return;
	if (q->submitted && q->answer == NULL)
		ub_cancel(q->active, q->async_id);
	rquery_unlink_free(q);
}

size_t resolver_inflight(const struct resolver *r)
{
	return r->ninflight;
}
