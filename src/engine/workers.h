/*
 * Workers: N share-nothing scan engines, each on its own thread with its own event
 * loop (and so its own libunbound contexts, SSL_CTXs and curl multi handle), and one
 * writer: the calling thread, which receives every finished organization in turn and
 * analyzes, grades, stores and streams it. No probe ever waits on the database.
 *
 * Organizations are dealt by the scan's seeded permutation: worker w takes positions
 * w, w + N, w + 2N, ... of it, so which worker scans what is fixed by the seed.
 * Concurrency and rate are shared out among the workers.
 *
 * It does not grade or store (the callback does), and it handles no signals: the
 * caller passes a flag that its own signal handler sets; the workers are stopped
 * within a tenth of a second of it (or of the result being stored when it came),
 * from the writer thread.
 */
#ifndef VITALS_WORKERS_H
#define VITALS_WORKERS_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "engine.h"
#include "targets.h"

/* Called on the writer thread for each finished organization; `observations` is the callee's. */
typedef void (*workers_result_fn)(void *arg, const struct target *t, json_t *observations, time_t started,
                                  time_t finished);
/* Called on the writer thread about once a second with organizations reported so far. */
typedef void (*workers_tick_fn)(void *arg, size_t done, size_t total);

struct workers_run {
	const struct engine_opts *eng;     /* engine options: concurrency and rate are totals */
	int n;                             /* workers, 1 or more */
	const struct target_list *targets; /* the organizations */
	const size_t *order;               /* the positions to scan, in the scan's order */
	size_t norder;                     /* how many */
	workers_result_fn on_result;       /* the writer */
	workers_tick_fn tick;              /* progress, or NULL */
	void *arg;                         /* for both */
	const volatile sig_atomic_t *stop; /* set by the caller's signal handler */
};

struct workers_stats {
	size_t reported;  /* organizations handed to on_result */
	size_t unstarted; /* organizations an engine could not start (out of memory) */
	int stopped;      /* *stop was seen and the workers were stopped */
	size_t measured;  /* shared measurements made (share.h) */
	size_t reused;    /* shared measurements reused by another organization */
};

/*
 * Runs the scan and returns once every worker has ended and every result has been
 * handed over. Organizations neither reported nor abandoned by a stop (an engine that
 * failed) count as unstarted, so the scan is not complete. Returns 0, or a negative
 * errno code with `err` set when an engine or a thread could not be made (then the
 * threads that did start were stopped, and what they reported was handed over).
 */
int workers_scan(const struct workers_run *r, struct workers_stats *stats, char *err, size_t errlen);

/* The default number of workers: the processors online (at least 1). */
int workers_default(void);

#endif
