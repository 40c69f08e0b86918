/*
 * The endpoints of a unit, as every per-endpoint probe (web, tlsscan) sees them: a given
 * address is its own endpoint; a host's are its first ENDPOINT_ADDRS_PER_FAMILY A records,
 * then as many AAAA records when the scope allows IPv6 at all. A host with none of them
 * gets a reason (the failed lookup's status, out_of_scope when only IPv6 addresses were
 * skipped, or no_address), so the probe can record one unreached entry.
 *
 * Pure reading of the unit's asset; no I/O, no per-address scope check (the probe does it).
 */
#ifndef VITALS_ENDPOINTS_H
#define VITALS_ENDPOINTS_H

#include <stddef.h>

#include "engine.h"

#define ENDPOINT_ADDRS_PER_FAMILY 4

struct endpoints {
	size_t n;                                        /* addresses */
	const char *addr[2 * ENDPOINT_ADDRS_PER_FAMILY]; /* borrowed from the unit's asset */
	const char *unreached;                           /* n == 0: why (see above) */
};

void unit_endpoints(const struct unit *u, const struct scope *scope, struct endpoints *out);

#endif
