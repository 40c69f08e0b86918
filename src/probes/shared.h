/*
 * A measurement shared by the organizations of a scan (share.h's table, seen from a probe):
 * the first organization to ask for a key measures it, a later one takes the published
 * result or waits for it, and a measurement abandoned by its measurer (its organization's
 * deadline, no descriptors) is asked for again, so one of the waiters measures it. The wait
 * is registered with the waiting organization as an op: its deadline ends it as "timeout".
 *
 * The web probe, the deep-TLS probe, the port sweep and the service probe kit share an
 * endpoint or address this way; each gives its own measure function and a copy of what it
 * needs to measure (the spec, copied here for a later ask; it must hold no pointers).
 */
#ifndef VITALS_SHARED_H
#define VITALS_SHARED_H

#include <jansson.h>
#include <stddef.h>

#include "engine.h"

#define SHARED_SPEC_MAX 640 /* bytes of a probe's spec */

struct shared_ops {
	/*
	 * Measures `spec` into `out` for ds's organization. With `key` (claimed in the table) the
	 * probe publishes the result under it when done (share_publish; NULL abandons it), also
	 * when it cannot start. 0 or a negative errno.
	 */
	int (*measure)(struct engine *e, struct domain_scan *ds, json_t *out, const void *spec,
	               const char *key);
	/* The published result has been merged into `out` (NULL: nothing more to do). 0 or a negative errno.
	 */
	int (*taken)(struct engine *e, struct domain_scan *ds, json_t *out, const void *spec);
	/* A wait ended without a result: "timeout" (the organization's deadline) or "error" (NULL:
	 * `out`'s "status" is set to it). */
	void (*unreached)(json_t *out, const char *status);
	size_t spec_size; /* sizeof the probe's spec, at most SHARED_SPEC_MAX */
};

/*
 * The shared measurement of `key` into `out` (a JSON object the result is merged into):
 * measured here (ops->measure), taken from the table (ops->taken), or waited for. Without a
 * share table (a single-organization command), measured here with no key. 0 or a negative
 * errno (a resource error: the organization is scanned again later).
 */
int shared_measure(struct engine *e, struct domain_scan *ds, const char *key, json_t *out,
                   const struct shared_ops *ops, const void *spec);

#endif
