/*
 * The resolver: iterative DNS resolution with DNSSEC validation inside the
 * engine's libevent loop, through libunbound (ub_ctx_create_event). Each answer
 * becomes a *lookup* JSON object (docs/OBSERVATIONS.md). The scope guard is
 * enforced here by handing unbound the complement of the scope as
 * do-not-query-address blocks, so no name server outside scope is ever asked.
 *
 * Every query has its own deadline: when it passes, the query is cancelled and
 * reported with status "timeout". This module does not judge answers.
 */
#ifndef VITALS_RESOLVER_H
#define VITALS_RESOLVER_H

#include <event2/event.h>
#include <jansson.h>

#include "scope.h"

struct resolver;
struct rquery;

struct resolver_opts {
	const char *root_hints;    /* root hints file; NULL: unbound's built-in root servers */
	const char *trust_anchor;  /* DNSKEY/DS trust anchor file; NULL: no validation */
	const struct scope *scope; /* addresses the resolver may query */
	int timeout_ms;            /* per query */
	int workers;               /* resolvers in the process, one per worker: they share the file limit */
};

/* The lookup object for the answer; the callee owns `lookup`. */
typedef void (*resolver_cb)(void *arg, json_t *lookup);

/* Creates a resolver on `base`. On failure writes a message into err. */
int resolver_new(struct event_base *base, const struct resolver_opts *o, struct resolver **out, char *err,
                 size_t errlen);
struct resolver *resolver_free(struct resolver *r);
/*
 * Ports each of a resolver's two contexts may hold open (unbound's outgoing-range) when
 * `workers` resolvers run in the process: together they take a quarter of the current
 * open-file limit, 8 to 4096 each. Beyond it unbound queues queries rather than
 * failing them when descriptors run out.
 */
unsigned resolver_ports(int workers);

/*
 * Asks for (name, type), e.g. ("org001.test", "TXT"). The callback runs exactly
 * once, later, from the loop, unless the query is cancelled. *q (may be NULL)
 * receives a handle for resolver_cancel.
 */
int resolver_query(struct resolver *r, const char *name, const char *type, resolver_cb cb, void *arg,
                   struct rquery **q);
/* Cancels a query in flight: its callback will not run. */
void resolver_cancel(struct rquery *q);

/* How many queries are in flight. */
size_t resolver_inflight(const struct resolver *r);

#endif
