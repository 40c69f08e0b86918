/*
 * Pacing (see pace.h for the contract). One mutex guards everything: the table
 * of addresses with connections in flight or waiters, each with its FIFO of
 * tickets waiting for a slot; the FIFO of tickets holding a slot and waiting for
 * a token; the token bucket. pump() hands out what the limits allow after any
 * change. A ticket's event is touched by other threads only under the mutex and
 * only while the ticket is queued or granted, and release unqueues it under the
 * mutex first, so the owner may then free it (through libevent's finalizer,
 * which is safe from inside the event's own callback).
 */
#include "pace.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PACE_BUCKETS 4096 /* address table size; entries exist only while in use */
#define PACE_KEYLEN  17   /* family byte and up to 16 address bytes */

enum ticket_state { T_ADDR_WAIT = 0, T_GLOBAL_WAIT, T_RATE_WAIT, T_GRANTED, T_DELIVERED };

struct pace_addr {
	uint8_t key[PACE_KEYLEN]; /* the address */
	int in_flight;            /* tickets holding a slot (rate waiters and granted) */
	struct pace_ticket *head; /* first ticket waiting for a slot */
	struct pace_ticket *tail; /* last one */
	struct pace_addr *next;   /* hash chain */
};

struct pace_ticket {
	struct pace *p;                  /* the pacing object */
	struct pace_addr *a;             /* its address entry */
	struct event *ev;                /* on the owner's base: the grant, or the token timer */
	pace_cb cb;                      /* the owner's callback */
	void *arg;                       /* its argument */
	enum ticket_state state;         /* where it is */
	struct pace_ticket *prev, *next; /* in its address FIFO, the global FIFO or the token FIFO */
};

struct pace {
	pthread_mutex_t mu;                    /* guards everything below */
	double rate;                           /* tokens per second, 0: no limit */
	double burst;                          /* bucket size */
	double tokens;                         /* tokens now */
	int64_t refilled;                      /* clock at the last refill */
	int per_addr;                          /* slots per address */
	size_t naddrs;                         /* address entries kept */
	pace_clock_fn clock;                   /* the clock */
	void *clock_arg;                       /* its argument */
	struct pace_ticket *rq_head, *rq_tail; /* holding a slot, waiting for a token */
	int max_global;                        /* connections in flight across the scan, 0: no limit */
	int global;                            /* tickets holding a global slot */
	struct pace_ticket *gq_head, *gq_tail; /* holding an address slot, waiting for a global one */
	struct pace_addr *table[PACE_BUCKETS]; /* addresses in use */
};

static int64_t mono_ns(void *arg)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int pace_new(double rate, int per_addr, struct pace **out)
{
	struct pace *p;

	if (!out || per_addr < 1 || !(rate >= 0 && rate <= 1e9))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return -ENOMEM;
	}
	p->rate = rate;
	p->burst = fmax(1.0, floor(rate * PACE_BURST_MS / 1000.0));
	p->tokens = p->burst;
	p->per_addr = per_addr;
	p->clock = mono_ns;
	p->refilled = mono_ns(NULL);
	*out = p;
	return 0;
}

struct pace *pace_free(struct pace *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < PACE_BUCKETS; i++)
		while (p->table[i]) {
			struct pace_addr *a = p->table[i];
			p->table[i] = a->next;
			free(a);
		}
	pthread_mutex_destroy(&p->mu);
	free(p);
	return NULL;
}

void pace_set_max_in_flight(struct pace *p, int max)
{
	pthread_mutex_lock(&p->mu);
	p->max_global = max > 0 ? max : 0;
	pthread_mutex_unlock(&p->mu);
}

int pace_global_in_flight(struct pace *p)
{
	pthread_mutex_lock(&p->mu);
	int n = p->global;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void pace_set_clock(struct pace *p, pace_clock_fn fn, void *arg)
{
	pthread_mutex_lock(&p->mu);
	p->clock = fn ? fn : mono_ns;
	p->clock_arg = arg;
	p->refilled = p->clock(p->clock_arg);
	p->tokens = p->burst;
	pthread_mutex_unlock(&p->mu);
}

/* ---- the address table ---- */

/* The key of sa's address; an IPv4-mapped IPv6 address is the IPv4 one. -EAFNOSUPPORT otherwise. */
static int addr_key(const struct sockaddr *sa, uint8_t key[PACE_KEYLEN])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	memset(key, 0, PACE_KEYLEN);
	if (sa->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && memcmp(&s6->sin6_addr, mapped, 12) == 0) {
		key[0] = 4;
		memcpy(key + 1, (const uint8_t *)&s6->sin6_addr + 12, 4);
	} else if (sa->sa_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, &s6->sin6_addr, 16);
	} else {
		return -EAFNOSUPPORT;
	}
	return 0;
}

static size_t bucket(const uint8_t key[PACE_KEYLEN])
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < PACE_KEYLEN; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % PACE_BUCKETS;
}

static struct pace_addr **addr_slot(struct pace *p, const uint8_t key[PACE_KEYLEN])
{
	struct pace_addr **pp = &p->table[bucket(key)];

	while (*pp && memcmp((*pp)->key, key, PACE_KEYLEN) != 0)
		pp = &(*pp)->next;
	return pp;
}

/* The entry for key, made if needed; NULL without memory. */
static struct pace_addr *addr_get(struct pace *p, const uint8_t key[PACE_KEYLEN])
{
	struct pace_addr **pp = addr_slot(p, key);

	if (!*pp && (*pp = calloc(1, sizeof(**pp))) != NULL) {
		memcpy((*pp)->key, key, PACE_KEYLEN);
		p->naddrs++;
	}
	return *pp;
}

/* Frees the entry once nothing is in flight and nobody waits. */
static void addr_put(struct pace *p, struct pace_addr *a)
{
	struct pace_addr **pp;

	if (a->in_flight > 0 || a->head)
		return;
	pp = addr_slot(p, a->key);
	*pp = a->next;
	free(a);
	p->naddrs--;
}

/* ---- queues ---- */

static void q_push(struct pace_ticket **head, struct pace_ticket **tail, struct pace_ticket *t)
{
	t->next = NULL;
	t->prev = *tail;
	if (*tail)
		(*tail)->next = t;
	else
		*head = t;
	*tail = t;
}

static void q_remove(struct pace_ticket **head, struct pace_ticket **tail, struct pace_ticket *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		*head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		*tail = t->prev;
	t->prev = t->next = NULL;
}

/* ---- handing out ---- */

/* Wakes the owner's loop. The timer part is dropped without waiting for a callback that runs. */
static void grant(struct pace_ticket *t)
{
	t->state = T_GRANTED;
	event_del_noblock(t->ev);
	event_active(t->ev, EV_TIMEOUT, 1);
}

static void refill(struct pace *p)
{
	int64_t now = p->clock(p->clock_arg);

	if (now > p->refilled)
		p->tokens = fmin(p->burst, p->tokens + (double)(now - p->refilled) * p->rate / 1e9);
	p->refilled = now;
}

/* Tokens to the head of the token FIFO while there are any; else its timer for the next one. */
static void pump_tokens(struct pace *p)
{
	struct pace_ticket *t;

	while ((t = p->rq_head) != NULL) {
		refill(p);
		if (p->tokens < 1.0) {
			double wait_us = ceil((1.0 - p->tokens) * 1e6 / p->rate);
			struct timeval tv = {.tv_sec = (time_t)(wait_us / 1e6),
			                     .tv_usec = (suseconds_t)fmod(wait_us, 1e6)};
			evtimer_add(t->ev, &tv);
			return;
		}
		p->tokens -= 1.0;
		q_remove(&p->rq_head, &p->rq_tail, t);
		grant(t);
	}
}

/* A ticket with both slots goes on to the tokens, or is granted when there is no rate. */
static void to_tokens(struct pace *p, struct pace_ticket *t)
{
	p->global++;
	if (p->rate > 0) {
		t->state = T_RATE_WAIT;
		q_push(&p->rq_head, &p->rq_tail, t);
	} else {
		grant(t);
	}
}

static int global_free(const struct pace *p)
{
	return p->max_global == 0 || p->global < p->max_global;
}

/* Global slots to the first tickets waiting for one. */
static void pump_global(struct pace *p)
{
	struct pace_ticket *t;

	while (global_free(p) && (t = p->gq_head) != NULL) {
		q_remove(&p->gq_head, &p->gq_tail, t);
		to_tokens(p, t);
	}
	if (p->rate > 0)
		pump_tokens(p);
}

/* Slots of `a` to its first waiters, as far as the limit allows; they go on to a global slot. */
static void pump_addr(struct pace *p, struct pace_addr *a)
{
	struct pace_ticket *t;

	while (a->in_flight < p->per_addr && (t = a->head) != NULL) {
		q_remove(&a->head, &a->tail, t);
		a->in_flight++;
		if (global_free(p) && p->gq_head == NULL) {
			to_tokens(p, t);
		} else {
			t->state = T_GLOBAL_WAIT;
			q_push(&p->gq_head, &p->gq_tail, t);
		}
	}
	if (p->rate > 0)
		pump_tokens(p);
}

/* The ticket's event: a grant to deliver, or the token timer of the FIFO's head. */
static void on_ticket(evutil_socket_t fd, short what, void *arg)
{
	struct pace_ticket *t = arg;
	struct pace *p = t->p;
	int deliver;

	pthread_mutex_lock(&p->mu);
	if (t->state == T_RATE_WAIT)
		pump_tokens(p);
	deliver = t->state == T_GRANTED;
	if (deliver)
		t->state = T_DELIVERED;
	pthread_mutex_unlock(&p->mu);
	if (deliver)
		t->cb(t->arg);
}

int pace_acquire(struct pace *p, struct event_base *base, const struct sockaddr *sa, pace_cb cb, void *arg,
                 struct pace_ticket **out)
{
	uint8_t key[PACE_KEYLEN];
	struct pace_ticket *t;
	int r;

	if (!p || !base || !sa || !cb || !out)
		return -EINVAL;
	r = addr_key(sa, key);
	if (r < 0)
		return r;
	t = calloc(1, sizeof(*t));
	if (!t || !(t->ev = evtimer_new(base, on_ticket, t))) {
		free(t);
		return -ENOMEM;
	}
	*t = (struct pace_ticket){.p = p, .ev = t->ev, .cb = cb, .arg = arg, .state = T_ADDR_WAIT};
	pthread_mutex_lock(&p->mu);
	t->a = addr_get(p, key);
	if (t->a) {
		q_push(&t->a->head, &t->a->tail, t);
		pump_addr(p, t->a);
	}
	pthread_mutex_unlock(&p->mu);
	if (!t->a) {
		event_free(t->ev);
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

/* Takes t out of wherever it is; what it held goes to the next waiters. Under the mutex. */
static void unqueue(struct pace *p, struct pace_ticket *t)
{
	struct pace_addr *a = t->a;
	int was_head = p->rq_head == t;

	if (t->state == T_ADDR_WAIT) {
		q_remove(&a->head, &a->tail, t);
	} else if (t->state == T_GLOBAL_WAIT) {
		q_remove(&p->gq_head, &p->gq_tail, t);
		a->in_flight--;
		pump_addr(p, a);
	} else {
		if (t->state == T_RATE_WAIT)
			q_remove(&p->rq_head, &p->rq_tail, t);
		a->in_flight--;
		p->global--;
		pump_global(p);
		pump_addr(p, a);
	}
	/* The head's timer went with it: the new head needs its own. */
	if (was_head && p->rate > 0)
		pump_tokens(p);
	addr_put(p, a);
}

static void ticket_finalize(struct event *ev, void *arg)
{
	free(arg);
}

struct pace_ticket *pace_release(struct pace_ticket *t)
{
	if (!t)
		return NULL;
	pthread_mutex_lock(&t->p->mu);
	unqueue(t->p, t);
	pthread_mutex_unlock(&t->p->mu);
	/* Nobody else can reach t now; the finalizer waits for a callback of ours that runs. */
	if (event_free_finalize(0, t->ev, ticket_finalize) < 0) {
		event_free(t->ev);
		free(t);
	}
	return NULL;
}

int pace_in_flight(struct pace *p, const struct sockaddr *sa)
{
	uint8_t key[PACE_KEYLEN];
	struct pace_addr *a;
	int n;

	if (!p || !sa || addr_key(sa, key) < 0)
		return -EINVAL;
	pthread_mutex_lock(&p->mu);
	a = *addr_slot(p, key);
	n = a ? a->in_flight : 0;
	pthread_mutex_unlock(&p->mu);
	return n;
}

size_t pace_addresses(struct pace *p)
{
	size_t n;

	pthread_mutex_lock(&p->mu);
	n = p->naddrs;
	pthread_mutex_unlock(&p->mu);
	return n;
}
