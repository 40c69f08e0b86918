/*
 * Shared measurements: an endpoint that serves many organizations (a vendor's portal,
 * a hosting provider's address) is measured once per scan and its observation reused.
 * One object serves every worker of a scan; it is thread-safe (one mutex).
 *
 * The first organization to ask for a key measures it (SHARE_MEASURE) and publishes
 * the result; every later one gets the published result at once (SHARE_DONE) or, while
 * the measurement is under way, waits for it (SHARE_WAIT): its callback then runs on
 * its own loop, whichever worker's thread published. A measurement that could not
 * finish on its own merits (its organization's deadline passed, it lacked descriptors)
 * is abandoned instead: the waiters are called back without a result and ask again, so
 * one of them measures it. Results are kept as JSON text, within a byte budget; past
 * the budget a result is still given to its waiters but not kept for later askers,
 * who measure again.
 *
 * It knows nothing of probes or observations: keys and results are the caller's. A
 * resumed scan starts with nothing kept.
 */
#ifndef VITALS_SHARE_H
#define VITALS_SHARE_H

#include <event2/event.h>
#include <jansson.h>
#include <stddef.h>

#define SHARE_BUDGET_BYTES (64u * 1024 * 1024) /* results kept for later askers */

struct share;
struct share_wait;

enum share_claim {
	SHARE_MEASURE = 0, /* nobody has: the caller measures and calls share_publish */
	SHARE_DONE,        /* *result holds the published observation (the caller's) */
	SHARE_WAIT,        /* *wait is registered: the callback comes later, from `base` */
};

/*
 * Called once per wait, from the waiter's loop: `result` (the caller's) is the
 * observation, or NULL when the measurement was abandoned (ask again). The wait is
 * over: do not share_cancel it.
 */
typedef void (*share_cb)(void *arg, json_t *result);

/* A shared-measurement table; budget 0 means SHARE_BUDGET_BYTES. 0 or -ENOMEM. */
int share_new(size_t budget, struct share **out);
/* Frees the table; every wait must be over or cancelled. Accepts NULL. */
struct share *share_free(struct share *sh);

/*
 * Asks for `key`. Returns the claim (>= 0) or a negative errno (-ENOMEM). With
 * SHARE_WAIT the callback is called once from `base`'s loop unless the wait is
 * cancelled first.
 */
int share_claim(struct share *sh, const char *key, struct event_base *base, share_cb cb, void *arg,
                json_t **result, struct share_wait **wait);
/*
 * The measurer's answer for `key`: `result` (borrowed, serialised here) goes to every
 * waiter and is kept for later askers; NULL abandons the measurement (waiters ask again).
 */
void share_publish(struct share *sh, const char *key, const json_t *result);
/* Ends a wait before its callback ran (the callback is never called). From the waiter's thread. */
void share_cancel(struct share *sh, struct share_wait *w);

/* Counters for benchmarks and tests: measurements made, results reused (done or waited for). */
void share_stats(struct share *sh, size_t *measured, size_t *reused);

#endif
