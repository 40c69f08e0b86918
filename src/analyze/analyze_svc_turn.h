/*
 * The STUN/TURN checks (docs/METHODOLOGY.md, version 5, "Clinical systems"), judged for one
 * swept address from the "turn" objects of its services entries (docs/OBSERVATIONS.md,
 * "turn"): whether a relay is granted without credentials (svc.turn.open_relay) and, where
 * one is, whether it refuses peers inside the network (svc.turn.peer_filtering). Every TURN
 * port of the address (3478, 5349 over TLS) counts: the worst one stands for the address.
 * Pure: no I/O.
 */
#ifndef VITALS_ANALYZE_SVC_TURN_H
#define VITALS_ANALYZE_SVC_TURN_H

#include <jansson.h>

#include "finding.h"

/* What a check concluded for one address. */
struct svc_verdict {
	enum fstatus status; /* pass, fail, indeterminate, na */
	const char *reason;  /* short machine reason ("timeout", "no_turn", ...), or NULL */
	char detail[384];    /* the one-line explanation */
	json_t *evidence;    /* a new reference (the TURN objects judged), or NULL */
};

/* The peer classes the probe asks permissions toward, in its order ("loopback", "rfc1918", ...). */
extern const char *const turn_peer_classes[];
extern const unsigned turn_npeer_classes;

/*
 * `sweep`: the address's port_sweeps object; `entries`: an array of its services entries.
 * 0 and *v filled, or -ENOMEM.
 */
int turn_open_relay(const json_t *sweep, const json_t *entries, struct svc_verdict *v);
int turn_peer_filtering(const json_t *sweep, const json_t *entries, struct svc_verdict *v);

#endif
