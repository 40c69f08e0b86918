/* The scan engine: scheduling, deadlines and the op registry. */
#include "engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver.h"

/* Most probe modules one engine runs. */
#define MODULES_MAX 32

struct org_scan {
	struct engine *e;             /* owner */
	const struct target *t;       /* what is scanned */
	struct domain_scan *ds;       /* one per domain */
	size_t nds;                   /* how many */
	struct op *ops;               /* operations in flight */
	size_t nops;                  /* their count */
	struct event *deadline;       /* per-organization deadline */
	struct event *finish;         /* deferred completion, so no op is freed inside its own callback */
	int expired;                  /* the deadline has passed */
	int starved;                  /* a probe lacked resources: drop the results, scan again */
	int tries;                    /* earlier attempts that starved */
	time_t started;               /* wall clock at start */
	struct org_scan *prev, *next; /* the engine's in-flight list */
};

struct engine {
	struct event_base *base;           /* the loop */
	struct engine_opts o;              /* options */
	struct resolver *res;              /* DNS */
	void *state[MODULES_MAX];          /* each module's own state, from its setup hook */
	struct event *pump;                /* starts organizations when there is room */
	const struct target_list *targets; /* current run */
	const size_t *order;               /* its order */
	size_t n, next, done, inflight;    /* its progress */
	size_t failed;                     /* organizations that could not be started (out of memory) */
	struct org_scan *orgs;             /* in flight */
	engine_org_cb cb;                  /* result sink */
	void *cbarg;                       /* its argument */
	int stopping;                      /* engine_stop was called */
	struct timeval rate_next;          /* earliest start of the next organization when rate-limited */
	size_t limit;                      /* organizations kept in flight now (back-pressure lowers it) */
	size_t clean;                      /* finished since the limit last rose */
	struct requeued *retry;            /* organizations to scan again (room for n) */
	size_t nretry;                     /* how many wait */
};

/* An organization that starved, waiting to be scanned again. */
struct requeued {
	const struct target *t; /* what is scanned */
	int tries;              /* attempts so far */
};

struct event_base *engine_base(struct engine *e)
{
	return e->base;
}

struct resolver *engine_resolver(struct engine *e)
{
	return e->res;
}

void *engine_state(struct engine *e, const struct probe_module *m)
{
	for (size_t i = 0; i < e->o.nmodules; i++)
		if (e->o.modules[i] == m)
			return e->state[i];
	return NULL;
}

int engine_found(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	int first = 0;
	for (size_t i = 0; i < e->o.nmodules; i++) {
		const struct probe_module *m = e->o.modules[i];
		if (m->unit != u->kind && !(m->also & (1u << u->kind)))
			continue;
		int rc = m->start(e, ds, u);
		if (rc < 0 && engine_resource_error(rc))
			engine_starved(ds);
		if (rc < 0 && first == 0)
			first = rc;
	}
	return first;
}

/* Each module's per-engine state; a module whose setup fails fails the engine. */
static int modules_setup(struct engine *e, char *err, size_t errlen)
{
	if (e->o.nmodules > MODULES_MAX) {
		snprintf(err, errlen, "more than %d probe modules", MODULES_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < e->o.nmodules; i++) {
		const struct probe_module *m = e->o.modules[i];
		int rc = m->setup ? m->setup(e, &e->state[i], err, errlen) : 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void modules_teardown(struct engine *e)
{
	for (size_t i = 0; i < e->o.nmodules && i < MODULES_MAX; i++) {
		const struct probe_module *m = e->o.modules[i];
		if (m->teardown && e->state[i])
			m->teardown(e->state[i]);
		e->state[i] = NULL;
	}
}

const struct engine_opts *engine_opts(struct engine *e)
{
	return &e->o;
}

int engine_in_scope(struct engine *e, const struct sockaddr *sa)
{
	return scope_allows(e->o.scope, sa);
}

int engine_sockaddr(const char *addr, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof *ss);
	if (port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof *sin;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof *sin6;
		return 0;
	}
	return -EINVAL;
}

int engine_org_expired(const struct domain_scan *ds)
{
	return ds->org->expired || ds->org->e->stopping;
}

size_t engine_failed(const struct engine *e)
{
	return e->failed;
}

int engine_resource_error(int err)
{
	err = err < 0 ? -err : err;
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

void engine_starved(struct domain_scan *ds)
{
	struct org_scan *org = ds->org;
	struct engine *e = org->e;
	size_t half = e->inflight / 2;
	if (!org->starved && org->tries < ENGINE_REQUEUE_MAX) {
		org->starved = 1;
		/* Fewer organizations at once until finishes show there is room again. */
		e->limit = half < 1 ? 1 : half < e->limit ? half : e->limit;
		e->clean = 0;
		/* Cancel from the loop: the caller may be inside one of the ops. */
		event_active(org->deadline, EV_TIMEOUT, 1);
	}
}

static void pump_cb(evutil_socket_t fd, short what, void *arg);

/*
 * Test seam: VITALS_TEST_CONCURRENCY overrides --concurrency after the command
 * has fitted it to the open-file limit, so a test can run a low limit with
 * many organizations in flight and see the back-pressure work. It applies to each
 * engine, so to each worker.
 */
static void test_concurrency(struct engine_opts *o)
{
	const char *v = getenv("VITALS_TEST_CONCURRENCY");
	char *end = NULL;
	long n = v ? strtol(v, &end, 10) : 0;
	if (v && end != v && *end == '\0' && n > 0 && n <= 100000)
		o->concurrency = (int)n;
}

int engine_new(struct event_base *base, const struct engine_opts *o, struct engine **out, char *err,
               size_t errlen)
{
	struct engine *e = calloc(1, sizeof *e);
	if (e == NULL)
		return -ENOMEM;
	e->base = base;
	e->o = *o;
	if (e->o.concurrency <= 0)
		e->o.concurrency = 64;
	if (e->o.max_spf_names <= 0)
		e->o.max_spf_names = 30;
	test_concurrency(&e->o);
	struct resolver_opts ro = {o->root_hints, o->trust_anchor, o->scope, o->query_timeout_ms, o->workers};
	int rc = resolver_new(base, &ro, &e->res, err, errlen);
	if (rc == 0)
		rc = modules_setup(e, err, errlen);
	if (rc == 0 && (e->pump = event_new(base, -1, 0, pump_cb, e)) == NULL)
		rc = -ENOMEM;
	if (rc < 0) {
		engine_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

static void org_free(struct org_scan *org);

struct engine *engine_free(struct engine *e)
{
	if (e == NULL)
		return NULL;
	while (e->orgs)
		org_free(e->orgs);
	if (e->pump)
		event_free(e->pump);
	modules_teardown(e);
	e->res = resolver_free(e->res);
	free(e->retry);
	free(e);
	return NULL;
}

void op_begin(struct op *op, struct domain_scan *ds, void (*cancel)(struct op *op))
{
	struct org_scan *org = ds->org;
	op->ds = ds;
	op->cancel = cancel;
	op->prev = NULL;
	op->next = org->ops;
	if (org->ops)
		org->ops->prev = op;
	org->ops = op;
	org->nops++;
}

void op_done(struct op *op)
{
	struct org_scan *org = op->ds->org;
	if (op->prev)
		op->prev->next = op->next;
	else
		org->ops = op->next;
	if (op->next)
		op->next->prev = op->prev;
	op->prev = op->next = NULL;
	op->cancel = NULL; /* marks it done */
	if (--org->nops == 0)
		event_active(org->finish, 0, 0);
}

static void org_unlink(struct org_scan *org)
{
	struct engine *e = org->e;
	if (org->prev)
		org->prev->next = org->next;
	else if (e->orgs == org)
		e->orgs = org->next;
	if (org->next)
		org->next->prev = org->prev;
	org->prev = org->next = NULL;
}

/* Marks the organization expired and cancels its ops: each records a timeout and calls op_done. */
static void org_cancel_ops(struct org_scan *org)
{
	org->expired = 1;
	while (org->ops)
		org->ops->cancel(org->ops);
}

/* Frees an organization; ops still in flight are cancelled first. */
static void org_free(struct org_scan *org)
{
	org_cancel_ops(org);
	org_unlink(org);
	for (size_t i = 0; i < org->nds; i++) {
		json_decref(org->ds[i].doc);
		json_decref(org->ds[i].spf_seen);
	}
	free(org->ds);
	if (org->deadline)
		event_free(org->deadline);
	if (org->finish)
		event_free(org->finish);
	free(org);
}

/* Additive increase: one more organization in flight per `limit` clean finishes. */
static void org_finished_clean(struct engine *e)
{
	if (e->limit >= (size_t)e->o.concurrency || ++e->clean < e->limit)
		return;
	e->limit++;
	e->clean = 0;
}

static void org_finish_cb(evutil_socket_t fd, short what, void *arg)
{
	struct org_scan *org = arg;
	struct engine *e = org->e;
	if (org->nops > 0)
		return;
	json_t *obs = json_array();
	for (size_t i = 0; i < org->nds; i++) {
		json_array_append(obs, org->ds[i].doc);
	}
	const struct target *t = org->t;
	time_t started = org->started;
	int starved = org->starved, tries = org->tries;
	org_free(org);
	e->inflight--;
	if (starved && !e->stopping) {
		json_decref(obs);
		e->retry[e->nretry++] = (struct requeued){t, tries + 1};
		event_active(e->pump, 0, 0);
		return;
	}
	org_finished_clean(e);
	e->done++;
	if (!e->stopping)
		e->cb(e->cbarg, t, obs, started, time(NULL));
	else
		json_decref(obs);
	event_active(e->pump, 0, 0);
}

static void org_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	/* The last op_done schedules the organization's finish. */
	org_cancel_ops(arg);
}

/* The hold op only keeps the organization open; cancelling it just lets go. */
static void hold_cancel(struct op *op)
{
	op_done(op);
}

static int org_start_domains(struct org_scan *org)
{
	for (size_t i = 0; i < org->nds; i++) {
		struct domain_scan *ds = &org->ds[i];
		struct unit u = {.kind = UNIT_DOMAIN, .name = ds->domain};
		int rc = engine_found(org->e, ds, &u);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int org_start(struct engine *e, const struct target *t, int tries)
{
	struct org_scan *org = calloc(1, sizeof *org);
	if (org == NULL)
		return -ENOMEM;
	org->e = e;
	org->t = t;
	org->tries = tries;
	org->started = time(NULL);
	org->next = e->orgs;
	if (e->orgs)
		e->orgs->prev = org;
	e->orgs = org;
	org->ds = calloc(t->ndomains, sizeof *org->ds);
	org->deadline = evtimer_new(e->base, org_deadline_cb, org);
	org->finish = event_new(e->base, -1, 0, org_finish_cb, org);
	if (org->ds == NULL || org->deadline == NULL || org->finish == NULL)
		goto fail;
	org->nds = t->ndomains;
	for (size_t i = 0; i < t->ndomains; i++) {
		org->ds[i].org = org;
		org->ds[i].t = t;
		org->ds[i].index = i;
		org->ds[i].domain = t->domains[i];
		org->ds[i].doc = json_pack("{s:s, s:I, s:{}, s:[], s:[]}", "domain", t->domains[i], "started",
		                           (json_int_t)org->started, "dns", "assets", "webs");
		org->ds[i].spf_seen = json_object();
		if (org->ds[i].doc == NULL || org->ds[i].spf_seen == NULL)
			goto fail;
	}
	struct timeval tv = {e->o.org_timeout_ms / 1000, (e->o.org_timeout_ms % 1000) * 1000};
	if (evtimer_add(org->deadline, &tv) < 0)
		goto fail;
	e->inflight++;
	/* Hold the organization open while probes start, so none can finish it early. */
	struct op hold;
	op_begin(&hold, &org->ds[0], hold_cancel);
	int rc = org_start_domains(org);
	if (hold.cancel != NULL) /* still registered */
		op_done(&hold);
	if (rc < 0 && engine_resource_error(rc))
		engine_starved(&org->ds[0]);
	/* Not requeued (another error, or too many tries): it completes with what started. */
	if (rc < 0 && !org->starved)
		org_cancel_ops(org);
	return 0;
fail:
	org_free(org);
	return -ENOMEM;
}

/* Rate limit: 1 when the next organization may start now; else arms the pump for later. */
static int rate_allows(struct engine *e)
{
	if (e->o.rate <= 0)
		return 1;
	struct timeval now, wait;
	event_base_gettimeofday_cached(e->base, &now);
	if (evutil_timercmp(&now, &e->rate_next, <)) {
		evutil_timersub(&e->rate_next, &now, &wait);
		event_add(e->pump, &wait);
		return 0;
	}
	double step = 1.0 / e->o.rate;
	struct timeval inc = {(time_t)step, (suseconds_t)((step - (time_t)step) * 1e6)};
	evutil_timeradd(&now, &inc, &e->rate_next);
	return 1;
}

static void pump_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine *e = arg;
	while (!e->stopping && (e->nretry > 0 || e->next < e->n) && e->inflight < e->limit) {
		if (!rate_allows(e))
			return;
		struct requeued r = {NULL, 0};
		if (e->nretry > 0)
			r = e->retry[--e->nretry];
		else
			r.t = &e->targets->v[e->order[e->next++]];
		if (org_start(e, r.t, r.tries) < 0)
			e->failed++; /* out of memory for this one: skip it, keep going; the caller says so */
	}
	if ((e->stopping || (e->next >= e->n && e->nretry == 0)) && e->inflight == 0)
		event_base_loopbreak(e->base);
}

/* Frees the organizations in flight without reporting them. */
static void engine_abandon(struct engine *e)
{
	while (e->orgs) {
		org_free(e->orgs);
		e->inflight--;
	}
}

int engine_run(struct engine *e, const struct target_list *targets, const size_t *order, size_t n,
               engine_org_cb cb, void *arg)
{
	e->targets = targets;
	e->order = order;
	e->n = n;
	e->next = e->done = e->inflight = e->failed = e->nretry = e->clean = 0;
	e->limit = (size_t)e->o.concurrency;
	free(e->retry);
	/* Each organization is in flight or waiting at most once: n entries always suffice. */
	if ((e->retry = calloc(n ? n : 1, sizeof *e->retry)) == NULL)
		return -ENOMEM;
	e->cb = cb;
	e->cbarg = arg;
	e->stopping = 0;
	event_active(e->pump, 0, 0);
	if (event_base_dispatch(e->base) < 0)
		return -EIO;
	engine_abandon(e);
	return (int)e->done;
}

void engine_stop(struct engine *e)
{
	e->stopping = 1;
	engine_abandon(e);
	event_base_loopbreak(e->base);
}
