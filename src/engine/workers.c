/* Share-nothing scan engines on their own threads, and the writer that receives their results. */
#include "workers.h"

#include <errno.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"

/* How often the writer looks at the stop flag and the clock while no result arrives. */
#define WAIT_NS (100 * 1000 * 1000L)

struct result {
	const struct target *t;   /* the organization */
	json_t *obs;              /* its observations, the writer's to free */
	time_t started, finished; /* its scan */
	struct result *next;      /* queue order */
};

/* What the workers and the writer share, under `mu`. */
struct shared {
	pthread_mutex_t mu;   /* guards everything below */
	pthread_cond_t cv;    /* a result arrived or a worker ended */
	struct result *head;  /* results not yet handed over */
	struct result **tail; /* where the next one goes */
	int running;          /* workers that have not ended */
	size_t lost;          /* results dropped for want of memory */
};

struct worker {
	struct shared *sh;            /* the queue */
	struct event_base *base;      /* its loop */
	struct engine *engine;        /* its engine */
	struct event *stop;           /* activated by the writer to stop the engine */
	const struct target_list *tl; /* the organizations */
	size_t *order;                /* its share of the order */
	size_t n;                     /* how many */
	size_t unstarted;             /* what its engine could not start */
	pthread_t thread;             /* the thread */
	int joinable;                 /* the thread was started */
};

static pthread_once_t threads_on = PTHREAD_ONCE_INIT;

/* libevent must lock its bases before any is made, so the writer may wake a worker's loop. */
static void use_threads(void)
{
	evthread_use_pthreads();
}

int workers_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

/* The engine's callback, on the worker's thread: queue the result for the writer. */
static void on_org(void *arg, const struct target *t, json_t *obs, time_t started, time_t finished)
{
	struct worker *w = arg;
	struct result *r = malloc(sizeof *r);
	pthread_mutex_lock(&w->sh->mu);
	if (r != NULL) {
		*r = (struct result){t, obs, started, finished, NULL};
		*w->sh->tail = r;
		w->sh->tail = &r->next;
	} else {
		/* Not reported: the scan stays incomplete and --resume scans it again. */
		w->sh->lost++;
		json_decref(obs);
	}
	pthread_cond_signal(&w->sh->cv);
	pthread_mutex_unlock(&w->sh->mu);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	engine_stop(w->engine);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	engine_run(w->engine, w->tl, w->order, w->n, on_org, w);
	w->unstarted = engine_failed(w->engine);
	pthread_mutex_lock(&w->sh->mu);
	w->sh->running--;
	pthread_cond_signal(&w->sh->cv);
	pthread_mutex_unlock(&w->sh->mu);
	return NULL;
}

/* Worker i's options: its share of the concurrency (the first ones take the remainder) and of the rate. */
static struct engine_opts share_of(const struct engine_opts *all, int n, int i)
{
	struct engine_opts o = *all;
	int each = all->concurrency / n, extra = all->concurrency % n;
	o.concurrency = each + (i < extra);
	if (o.concurrency < 1)
		o.concurrency = 1;
	o.rate = all->rate / n;
	o.workers = n;
	return o;
}

static int worker_init(struct worker *w, const struct workers_run *r, int i, struct shared *sh, char *err,
                       size_t errlen)
{
	struct engine_opts o = share_of(r->eng, r->n, i);
	w->sh = sh;
	w->tl = r->targets;
	w->order = malloc((r->norder / (size_t)r->n + 1) * sizeof *w->order);
	if (w->order == NULL || (w->base = event_base_new()) == NULL)
		return errf(err, errlen, -ENOMEM, "out of memory");
	for (size_t k = (size_t)i; k < r->norder; k += (size_t)r->n)
		w->order[w->n++] = r->order[k];
	int rc = engine_new(w->base, &o, &w->engine, err, errlen);
	if (rc == 0 && (w->stop = event_new(w->base, -1, 0, on_stop, w)) == NULL)
		rc = errf(err, errlen, -ENOMEM, "out of memory");
	return rc;
}

static void worker_free(struct worker *w)
{
	if (w->stop)
		event_free(w->stop);
	w->engine = engine_free(w->engine);
	if (w->base)
		event_base_free(w->base);
	free(w->order);
}

/* Starts the threads with SIGINT and SIGTERM blocked in them: only the writer's thread takes signals. */
static int start_threads(struct worker *v, int n, struct shared *sh, char *err, size_t errlen)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		pthread_mutex_lock(&sh->mu);
		sh->running++;
		pthread_mutex_unlock(&sh->mu);
		rc = -pthread_create(&v[i].thread, NULL, worker_main, &v[i]);
		if (rc == 0) {
			v[i].joinable = 1;
			continue;
		}
		pthread_mutex_lock(&sh->mu);
		sh->running--;
		pthread_mutex_unlock(&sh->mu);
		errf(err, errlen, rc, "cannot start a worker thread: %s", err_text(-rc));
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static void stop_all(struct worker *v, int n)
{
	for (int i = 0; v != NULL && i < n; i++)
		if (v[i].joinable)
			event_active(v[i].stop, EV_READ, 1);
}

/* Hands queued results to the writer, outside the lock; returns with the lock held again. */
static void deliver(const struct workers_run *r, struct worker *v, struct shared *sh,
                    struct workers_stats *st)
{
	struct result *list = sh->head;
	sh->head = NULL;
	sh->tail = &sh->head;
	pthread_mutex_unlock(&sh->mu);
	while (list != NULL) {
		struct result *next = list->next;
		/* A stop reaches the workers before a backlog is stored, not after it. */
		if (r->stop != NULL && *r->stop && !st->stopped) {
			st->stopped = 1;
			stop_all(v, r->n);
		}
		r->on_result(r->arg, list->t, list->obs, list->started, list->finished);
		st->reported++;
		free(list);
		list = next;
	}
	pthread_mutex_lock(&sh->mu);
}

static void wait_a_little(struct shared *sh)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += WAIT_NS;
	if (until.tv_nsec >= 1000000000L)
		until.tv_sec++, until.tv_nsec -= 1000000000L;
	pthread_cond_timedwait(&sh->cv, &sh->mu, &until);
}

/* The writer's loop: results as they come, the stop flag, a progress tick each second. */
static void write_results(const struct workers_run *r, struct worker *v, struct shared *sh,
                          struct workers_stats *st)
{
	time_t last = time(NULL);
	pthread_mutex_lock(&sh->mu);
	while (sh->running > 0 || sh->head != NULL) {
		if (sh->head != NULL)
			deliver(r, v, sh, st);
		else
			wait_a_little(sh);
		if (r->stop != NULL && *r->stop && !st->stopped) {
			st->stopped = 1;
			stop_all(v, r->n);
		}
		if (r->tick != NULL && time(NULL) != last) {
			last = time(NULL);
			pthread_mutex_unlock(&sh->mu);
			r->tick(r->arg, st->reported, r->norder);
			pthread_mutex_lock(&sh->mu);
		}
	}
	pthread_mutex_unlock(&sh->mu);
}

int workers_scan(const struct workers_run *r, struct workers_stats *stats, char *err, size_t errlen)
{
	struct shared sh = {.mu = PTHREAD_MUTEX_INITIALIZER};
	pthread_condattr_t ca;
	/* A clock step must not stall the stop and progress checks. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sh.cv, &ca);
	pthread_condattr_destroy(&ca);
	struct workers_stats st = {0};
	int n = r->n < 1 ? 1 : r->n;
	struct workers_run run = *r;
	struct engine_opts eng = *r->eng;
	run.n = n;
	run.eng = &eng;
	sh.tail = &sh.head;
	pthread_once(&threads_on, use_threads);
	struct worker *v = calloc((size_t)n, sizeof *v);
	int rc = v ? 0 : errf(err, errlen, -ENOMEM, "out of memory");
	/* One table for every worker, so a shared endpoint is measured once per scan. */
	if (rc == 0 && eng.share == NULL && share_new(0, &eng.share) < 0)
		rc = errf(err, errlen, -ENOMEM, "out of memory");
	for (int i = 0; rc == 0 && i < n; i++)
		rc = worker_init(&v[i], &run, i, &sh, err, errlen);
	if (rc == 0)
		rc = start_threads(v, n, &sh, err, errlen);
	if (rc < 0)
		stop_all(v, n);
	write_results(&run, v, &sh, &st);
	for (int i = 0; v != NULL && i < n; i++) {
		if (v[i].joinable)
			pthread_join(v[i].thread, NULL);
		st.unstarted += v[i].unstarted;
		worker_free(&v[i]);
	}
	st.unstarted += sh.lost;
	/* Whatever was neither reported nor abandoned by a stop (an engine that failed) is unstarted. */
	if (!st.stopped && st.reported + st.unstarted < run.norder)
		st.unstarted = run.norder - st.reported;
	pthread_cond_destroy(&sh.cv);
	free(v);
	if (eng.share != NULL && r->eng->share == NULL) {
		share_stats(eng.share, &st.measured, &st.reused);
		share_free(eng.share);
	}
	*stats = st;
	return rc;
}
