/*
 * The scan engine: one libevent loop that walks organizations in a given order,
 * keeps at most `concurrency` of them in flight, runs every probe of every
 * domain, enforces the per-organization deadline and hands each finished
 * organization's observations to the caller. It never judges (analyzers do) and
 * never stores (the command does).
 *
 * Probes plug in as modules (struct probe_module below; the registry is
 * src/probes/probes.c, passed in engine_opts): the engine starts every module
 * registered for a unit when discovery reports one (engine_found). A probe starts
 * asynchronous operations for one unit; each operation is registered as an
 * `op` so the organization deadline can cancel it, and the organization is
 * finished when its last op completes. Every address a probe would contact is
 * checked with engine_in_scope() first.
 *
 * Back-pressure: a probe that cannot start for lack of file descriptors or
 * memory (engine_resource_error) calls engine_starved() instead of recording an
 * error. The organization is then cancelled, its results are dropped, and it is
 * scanned again later; meanwhile the engine halves the number of organizations
 * it keeps in flight and raises it again one at a time as organizations finish.
 */
#ifndef VITALS_ENGINE_H
#define VITALS_ENGINE_H

#include <event2/event.h>
#include <jansson.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "pace.h"
#include "scope.h"
#include "share.h"
#include "targets.h"

struct engine;
struct org_scan;

enum { TLS_DEPTH_SWEEP = 0, TLS_DEPTH_FULL, TLS_DEPTH_OFF };

struct engine_opts {
	const char *root_hints;    /* root hints file (NULL: unbound's built-in) */
	const char *trust_anchor;  /* DNSSEC trust anchor file (NULL: no validation) */
	const char *ca_file;       /* CA bundle for certificate trust (NULL: system) */
	const struct scope *scope; /* what may be contacted */
	int query_timeout_ms;      /* per DNS query */
	int conn_timeout_ms;       /* per connection (connect + handshake or request) */
	int org_timeout_ms;        /* per organization, all probes */
	int concurrency;           /* organizations in flight */
	double rate;               /* organizations started per second (0: no limit) */
	int max_spf_names;         /* SPF names fetched per domain */
	int workers;               /* engines running in the process (each in its own thread) */
	struct share *share;       /* measurements shared by the whole scan (share.h), or NULL */
	struct pace *pace;         /* connection pacing shared by every engine of the scan, or NULL */
	int tls_depth;             /* deep-TLS probe (--tls): TLS_DEPTH_SWEEP (0, the default), _FULL, _OFF */
	int services_off;          /* --services off: no port sweep, so no service probes */
	const struct probe_module *const *modules; /* the probe modules to run (probes.h) */
	size_t nmodules;                           /* how many */
};

/* One domain being scanned: its observation document and its organization. */
struct domain_scan {
	struct org_scan *org;   /* owner */
	const struct target *t; /* the organization's target (owned by the target list) */
	size_t index;           /* which of t's domains: the first also carries t's given hosts */
	const char *domain;     /* the domain (owned by the target list) */
	json_t *doc;            /* observation document being filled */
	json_t *spf_seen;       /* names the SPF probe has fetched or asked for */
};

/* An asynchronous operation a probe has under way; embedded first in the probe's own struct. */
struct op {
	struct domain_scan *ds;        /* the domain it works for */
	void (*cancel)(struct op *op); /* stops it, records "timeout", then calls op_done */
	struct op *prev, *next;        /* the organization's op list */
};

/*
 * Units: what a probe module works on. Discovery (the DNS module) reports each unit it
 * finds with engine_found(); the engine starts every module registered for that kind of
 * unit. No probe starts another by name. Every host and address found is also an asset
 * of the organization, recorded with the reason it belongs (docs/OBSERVATIONS.md).
 */
enum unit_kind {
	UNIT_DOMAIN = 0,    /* a target's domain: fed by the engine itself */
	UNIT_SILENT_DOMAIN, /* a domain whose own name servers gave no answer */
	UNIT_NAME_SERVER,   /* one address of one of a domain's name servers */
	UNIT_HOST,          /* a web host (the apex, www, a given host) with its A and AAAA lookups */
	UNIT_MAIL_HOST,     /* an MX host with its A and AAAA lookups */
	UNIT_ADDRESS,       /* a given address */
	UNIT_SERVICE,       /* an open TCP port of an address, found by the port sweep */
	UNIT_KINDS,
};

struct unit {
	enum unit_kind kind; /* which kind */
	const char *name;    /* the domain, name server or host name; the address for UNIT_ADDRESS;
	                        UNIT_SERVICE: the host the address was found under, or the address */
	const char *addr;    /* UNIT_NAME_SERVER, UNIT_SERVICE: the address, as text */
	unsigned port;       /* UNIT_SERVICE: the open TCP port */
	json_t *asset;       /* UNIT_HOST, UNIT_MAIL_HOST, UNIT_ADDRESS (UNIT_SERVICE: its parent's):
	                        its asset object (borrowed) */
	const char *site;    /* UNIT_HOST: the site its redirects may stay within (a domain or the host) */
	int shared;          /* the host or address is not under the organization's domains: it may
	                        serve many organizations, so it is measured once per scan */
};

/*
 * A probe module: a const struct registered in the table of probes.c (zmap's probe
 * modules are the model). Adding a probe is one file and one row there.
 * - setup (optional): per engine, so per worker thread: builds the module's own state
 *   (an SSL_CTX, a curl multi handle...) that engine_state() returns to its probes;
 *   0 or a negative errno with `err` set.
 * - teardown (optional): frees that state after the engine's last organization.
 * - start: begins the work for one unit of the registered kind; registers an op for
 *   everything still in flight when it returns; 0 or a negative errno (a resource
 *   error makes the engine scan the organization again later).
 * - observes: the observation paths the module writes in a domain document ("dns.axfr",
 *   "web.tls"), NULL-terminated: its declared schema, which tests hold against
 *   docs/OBSERVATIONS.md and against what scans really store.
 */
struct probe_module {
	const char *name;    /* "dns", "web", ... */
	enum unit_kind unit; /* what it works on */
	unsigned also;       /* more unit kinds it works on, as a mask of 1u << kind (0: none) */
	int (*setup)(struct engine *e, void **state, char *err, size_t errlen);       /* or NULL */
	void (*teardown)(void *state);                                                /* or NULL */
	int (*start)(struct engine *e, struct domain_scan *ds, const struct unit *u); /* required */
	const char *const *observes; /* observation paths it writes, NULL-terminated */
};

/* Called once per finished organization; `observations` (array of domain docs) is the callee's. */
typedef void (*engine_org_cb)(void *arg, const struct target *t, json_t *observations, time_t started,
                              time_t finished);

int engine_new(struct event_base *base, const struct engine_opts *o, struct engine **out, char *err,
               size_t errlen);
struct engine *engine_free(struct engine *e);

/*
 * Scans targets[order[0..n-1]], calling cb for each organization as it finishes,
 * and returns when all are done or engine_stop() was called (then the
 * organizations in flight are abandoned, not reported). Returns the number of
 * organizations reported or a negative errno code.
 */
int engine_run(struct engine *e, const struct target_list *targets, const size_t *order, size_t n,
               engine_org_cb cb, void *arg);
/* Stops starting organizations and ends engine_run soon. Safe from a signal event callback. */
void engine_stop(struct engine *e);
/* Organizations of the last run that could not be started (out of memory): not reported. */
size_t engine_failed(const struct engine *e);

/* For probes. */
struct event_base *engine_base(struct engine *e);
struct resolver *engine_resolver(struct engine *e);
const struct engine_opts *engine_opts(struct engine *e);
/* The state a module's setup hook made in this engine, or NULL. */
void *engine_state(struct engine *e, const struct probe_module *m);
int engine_in_scope(struct engine *e, const struct sockaddr *sa);
/* An IPv4 or IPv6 address in text and a port as a socket address; 0, or -EINVAL when not an address. */
int engine_sockaddr(const char *addr, unsigned port, struct sockaddr_storage *ss, socklen_t *len);
/* 1 once the organization's deadline has passed: start nothing new. */
int engine_org_expired(const struct domain_scan *ds);
/*
 * Reports a unit found for ds's organization: every module registered for its kind is
 * started on it. Returns 0, or the first start's negative errno (a resource error has
 * already made the organization scan again later).
 */
int engine_found(struct engine *e, struct domain_scan *ds, const struct unit *u);
/* 1 when a start failed for lack of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM; either sign). */
int engine_resource_error(int err);
/*
 * A probe of ds's organization could not start for lack of resources: the
 * organization will be cancelled (from the loop, never inside this call), its
 * results dropped and the organization scanned again later, at most
 * ENGINE_REQUEUE_MAX times (then it is reported with what it has).
 */
void engine_starved(struct domain_scan *ds);
#define ENGINE_REQUEUE_MAX 4
/* Registers an op in flight for ds's organization. */
void op_begin(struct op *op, struct domain_scan *ds, void (*cancel)(struct op *op));
/* Unregisters it; when it was the organization's last, the organization finishes (later, from the loop). */
void op_done(struct op *op);

#endif
