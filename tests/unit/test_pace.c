/*
 * Pacing (pace.c): the per-address limit, FIFO grants, cancelled waits, the
 * token bucket against an injected clock, and two threads with their own loops
 * sharing one object. No sockets: tickets are only asked for and released.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "pace.h"
#include "tap.h"

#define NT 8 /* tickets per case */

struct grants {
	struct pace_ticket *t[NT]; /* the tickets */
	int order[NT];             /* which ticket got the nth grant */
	int n;                     /* grants so far */
};

struct slot {
	struct grants *g; /* where grants are counted */
	int i;            /* this ticket's index */
};

static struct slot slots[NT];

static void on_grant(void *arg)
{
	struct slot *s = arg;

	s->g->order[s->g->n++] = s->i;
}

static struct sockaddr_storage v4(const char *a, int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, a, &sin->sin_addr);
	return ss;
}

static struct sockaddr_storage v6(const char *a)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, a, &sin6->sin6_addr);
	return ss;
}

/* Runs the loop until nothing is left to do now. */
static void settle(struct event_base *base)
{
	for (int i = 0; i < 8; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

static int ask(struct pace *p, struct event_base *base, struct grants *g, int i,
               const struct sockaddr_storage *sa)
{
	slots[i] = (struct slot){g, i};
	return pace_acquire(p, base, (const struct sockaddr *)sa, on_grant, &slots[i], &g->t[i]);
}

static void test_per_address(void)
{
	struct event_base *base = event_base_new();
	struct sockaddr_storage a = v4("127.0.0.1", 80), other = v4("127.0.0.2", 80), six = v6("::1"),
	                        mapped = v6("::ffff:127.0.0.1");
	struct grants g = {0};
	struct pace *p = NULL;

	is_int(pace_new(0, 2, &p), 0, "per-address: pace_new");
	for (int i = 0; i < 5; i++) {
		struct sockaddr_storage s = v4("127.0.0.1", 80 + i); /* the port does not count */
		is_int(ask(p, base, &g, i, &s), 0, "per-address: acquire");
	}
	is_int(g.n, 0, "per-address: no grant inside pace_acquire");
	ask(p, base, &g, 5, &other);
	ask(p, base, &g, 6, &six);
	settle(base);
	is_int(g.n, 4, "per-address: two for 127.0.0.1, one each for 127.0.0.2 and ::1");
	ok(g.order[0] == 0 && g.order[1] == 1, "per-address: the first two of 127.0.0.1 went first");
	is_int(pace_in_flight(p, (struct sockaddr *)&a), 2, "per-address: 127.0.0.1 has 2 in flight");
	is_int(pace_in_flight(p, (struct sockaddr *)&mapped), 2,
	       "per-address: ::ffff:127.0.0.1 is the same address");
	is_int(pace_addresses(p), 3, "per-address: three entries");

	/* FIFO: each release lets the oldest waiter of that address in. */
	g.t[1] = pace_release(g.t[1]);
	settle(base);
	is_int(g.n, 5, "fifo: one release, one grant");
	is_int(g.order[4], 2, "fifo: the oldest waiter (2) is granted");
	g.t[3] = pace_release(g.t[3]); /* a wait cancelled: 3 is never called */
	g.t[0] = pace_release(g.t[0]);
	settle(base);
	is_int(g.n, 6, "cancel: one more grant");
	is_int(g.order[5], 4, "cancel: 4 is next, the cancelled 3 is skipped");
	is_int(pace_in_flight(p, (struct sockaddr *)&a), 2, "cancel: 127.0.0.1 still has 2 (2 and 4)");

	for (int i = 0; i < 7; i++)
		g.t[i] = pace_release(g.t[i]);
	is_int(pace_addresses(p), 0, "memory: every address entry is gone once idle");
	is_int(pace_in_flight(p, (struct sockaddr *)&a), 0, "memory: 127.0.0.1 has none in flight");
	ok(pace_release(NULL) == NULL, "release: accepts NULL");
	pace_free(p);
	event_base_free(base);
}

/* The global limit: at most N in flight across addresses, FIFO, a release lets the next in. */
static void test_global(void)
{
	struct event_base *base = event_base_new();
	struct grants g = {0};
	struct pace *p = NULL;
	char addr[32];

	is_int(pace_new(0, 2, &p), 0, "global: pace_new");
	pace_set_max_in_flight(p, 3);
	for (int i = 0; i < 5; i++) {
		snprintf(addr, sizeof addr, "127.0.0.%d", i + 1);
		struct sockaddr_storage s = v4(addr, 443);
		ask(p, base, &g, i, &s);
	}
	settle(base);
	is_int(g.n, 3, "global: three of five addresses get a connection");
	is_int(pace_global_in_flight(p), 3, "global: three in flight");
	g.t[1] = pace_release(g.t[1]);
	settle(base);
	is_int(g.n, 4, "global: a release lets one more in");
	is_int(g.order[3], 3, "global: the oldest waiter (3)");
	g.t[4] = pace_release(g.t[4]); /* a waiter gives up: its address slot goes too */
	g.t[0] = pace_release(g.t[0]);
	settle(base);
	is_int(g.n, 4, "global: nobody left waiting");
	is_int(pace_global_in_flight(p), 2, "global: two in flight");
	for (int i = 0; i < 5; i++)
		g.t[i] = pace_release(g.t[i]);
	is_int(pace_addresses(p), 0, "global: every address entry is gone once idle");
	is_int(pace_global_in_flight(p), 0, "global: none in flight");
	pace_free(p);
	event_base_free(base);
}

/* A grant on its way (event active) and then a release: the callback never runs. */
static void test_cancel_granted(void)
{
	struct event_base *base = event_base_new();
	struct sockaddr_storage a = v4("127.0.0.1", 80);
	struct grants g = {0};
	struct pace *p = NULL;

	pace_new(0, 1, &p);
	ask(p, base, &g, 0, &a);
	ask(p, base, &g, 1, &a);
	g.t[0] = pace_release(g.t[0]); /* granted, not delivered yet */
	settle(base);
	is_int(g.n, 1, "cancel granted: one callback");
	is_int(g.order[0], 1, "cancel granted: it is 1's, never 0's");
	g.t[1] = pace_release(g.t[1]);
	pace_free(p);
	event_base_free(base);
}

static void test_errors(void)
{
	struct event_base *base = event_base_new();
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	struct pace_ticket *t = NULL;
	struct pace *p = NULL;

	is_int(pace_new(0, 0, &p), -EINVAL, "errors: per-address 0 is refused");
	is_int(pace_new(-1, 1, &p), -EINVAL, "errors: a negative rate is refused");
	pace_new(0, 1, &p);
	is_int(pace_acquire(p, base, (struct sockaddr *)&un, on_grant, NULL, &t), -EAFNOSUPPORT,
	       "errors: only IPv4 and IPv6");
	ok(t == NULL, "errors: no ticket on failure");
	pace_free(p);
	ok(pace_free(NULL) == NULL, "errors: pace_free accepts NULL");
	event_base_free(base);
}

/* ---- the rate ---- */

static int64_t fake_now;

static int64_t fake_clock(void *arg)
{
	return fake_now;
}

/* Waits for the next timer (the token timer), after what is ready now (finalizers of released tickets). */
static void tick(struct event_base *base)
{
	settle(base);
	event_base_loop(base, EVLOOP_ONCE);
	settle(base);
}

static void test_rate(void)
{
	struct event_base *base = event_base_new();
	struct grants g = {0};
	struct pace *p = NULL;
	char a[32];

	/* 10 per second: a bucket of one, then one every 100 ms of the (frozen) clock. */
	pace_new(10, 100, &p);
	fake_now = 1000000000;
	pace_set_clock(p, fake_clock, NULL);
	for (int i = 0; i < 3; i++) {
		snprintf(a, sizeof(a), "127.0.1.%d", i + 1);
		struct sockaddr_storage s = v4(a, 443);
		ask(p, base, &g, i, &s);
	}
	settle(base);
	is_int(g.n, 1, "rate: the bucket holds one");
	tick(base);
	is_int(g.n, 1, "rate: the timer fired but the clock did not move: still one");
	fake_now += 50000000;
	tick(base);
	is_int(g.n, 1, "rate: 50 ms later, half a token: still one");
	fake_now += 50000000;
	tick(base);
	is_int(g.n, 2, "rate: 100 ms later, the second");
	fake_now += 100000000;
	tick(base);
	is_int(g.n, 3, "rate: 200 ms later, the third");
	ok(g.order[0] == 0 && g.order[1] == 1 && g.order[2] == 2, "rate: in the order asked");
	for (int i = 0; i < 3; i++)
		g.t[i] = pace_release(g.t[i]);
	pace_free(p);
	event_base_free(base);
}

static void test_burst(void)
{
	struct event_base *base = event_base_new();
	struct sockaddr_storage s = v4("127.0.2.1", 443);
	struct grants g = {0};
	struct pace *p = NULL;

	/* 100 per second holds 50 ms: five at once, then the clock decides. */
	pace_new(100, 100, &p);
	fake_now = 5000000000;
	pace_set_clock(p, fake_clock, NULL);
	for (int i = 0; i < NT; i++)
		ask(p, base, &g, i, &s);
	settle(base);
	is_int(g.n, 5, "burst: five of eight at once");
	g.t[7] = pace_release(g.t[7]); /* the last waiter gives up */
	fake_now += 20000000;
	tick(base);
	is_int(g.n, 7, "burst: 20 ms later two more, and not the cancelled one");
	ok(g.order[5] == 5 && g.order[6] == 6, "burst: in the order asked");
	for (int i = 0; i < NT; i++)
		g.t[i] = pace_release(g.t[i]);
	is_int(pace_addresses(p), 0, "burst: nothing kept");
	pace_free(p);
	event_base_free(base);
}

/* ---- two threads, one address, one slot ---- */

#define CYCLES 2000

struct worker {
	struct pace *p;             /* shared */
	struct event_base *base;    /* its own loop */
	struct pace_ticket *t;      /* its ticket */
	int cycles;                 /* grants received */
	int stuck;                  /* the watchdog fired */
	atomic_int *in_flight;      /* both threads' count of granted tickets */
	atomic_int *overlaps;       /* grants that found the other one in flight */
	struct sockaddr_storage sa; /* the one address */
};

static void on_worker_grant(void *arg);

static void worker_ask(struct worker *w)
{
	if (pace_acquire(w->p, w->base, (struct sockaddr *)&w->sa, on_worker_grant, w, &w->t) < 0)
		w->stuck = 1;
}

static void on_worker_grant(void *arg)
{
	struct worker *w = arg;

	if (atomic_fetch_add(w->in_flight, 1) != 0)
		atomic_fetch_add(w->overlaps, 1);
	atomic_fetch_sub(w->in_flight, 1);
	/* Released inside its own callback, and asked again: the other thread is waiting. */
	w->t = pace_release(w->t);
	if (++w->cycles < CYCLES)
		worker_ask(w);
}

static void on_stuck(evutil_socket_t fd, short what, void *arg)
{
	((struct worker *)arg)->stuck = 1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct event *wd = evtimer_new(w->base, on_stuck, w);
	struct timeval ten = {10, 0};

	evtimer_add(wd, &ten);
	worker_ask(w);
	while (w->cycles < CYCLES && !w->stuck)
		event_base_loop(w->base, EVLOOP_ONCE);
	w->t = pace_release(w->t);
	event_free(wd);
	return NULL;
}

static void test_threads(void)
{
	atomic_int in_flight = 0, overlaps = 0;
	struct worker w[2];
	pthread_t th[2];
	struct pace *p = NULL;

	pace_new(0, 1, &p);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct worker){
		    .p = p, .base = event_base_new(), .in_flight = &in_flight, .overlaps = &overlaps};
		w[i].sa = v4("127.0.3.1", 80);
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ok(!w[0].stuck && !w[1].stuck, "threads: neither thread waited for ever (releases wake the other)");
	is_int(w[0].cycles + w[1].cycles, 2 * CYCLES, "threads: every grant arrived");
	is_int(atomic_load(&overlaps), 0, "threads: never two in flight to the address");
	is_int(pace_addresses(p), 0, "threads: nothing kept");
	for (int i = 0; i < 2; i++)
		event_base_free(w[i].base);
	pace_free(p);
}

int main(void)
{
	test_global();
	/* As the workers do: before any base, so a release may wake another thread's loop. */
	evthread_use_pthreads();
	test_per_address();
	test_cancel_granted();
	test_errors();
	test_rate();
	test_burst();
	test_threads();
	return done_testing();
}
