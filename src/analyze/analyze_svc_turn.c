/*
 * STUN/TURN checks (probe "turn", services[].turn, docs/OBSERVATIONS.md): a relay allocated
 * to anyone without credentials (svc.turn.open_relay), and whether such a relay refuses peers
 * inside the network: loopback, RFC 1918, link-local with the cloud metadata address,
 * carrier-grade NAT (svc.turn.peer_filtering). Each TURN port of an address (3478, 5349 over
 * TLS) is judged on its own; the analyzer keeps the worst for the address.
 */
#include <stdio.h>
#include <string.h>

#include "analyze_services.h"

static int granted(const json_t *probe)
{
	const char *a = json_string_value(json_object_get(probe, "allocate"));
	return a != NULL && strcmp(a, "granted") == 0;
}

static void open_relay(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const char *alloc = json_string_value(json_object_get(probe, "allocate"));
	long long port = json_integer_value(json_object_get(entry, "port"));
	if (granted(probe)) {
		v->status = FS_FAIL;
		snprintf(v->detail, sizeof v->detail,
		         "TURN on port %lld allocates a relay to anyone without credentials", port);
	} else if (alloc != NULL) {
		v->status = FS_PASS;
		snprintf(v->detail, sizeof v->detail,
		         "TURN on port %lld refuses an Allocate without credentials (%s)", port, alloc);
	} else {
		v->status = FS_INDETERMINATE;
		v->reason = "unanswered";
		snprintf(v->detail, sizeof v->detail, "TURN on port %lld did not answer the Allocate", port);
	}
}

/* Over the relay's permission answers: how many internal peers were permitted, refused, unanswered. */
static void count_peers(const json_t *probe, int n[3], char *first, size_t firstsz)
{
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(probe, "peers"), i, p)
	{
		const json_t *permitted = json_object_get(p, "permitted");
		int k = json_is_true(permitted) ? 0 : json_is_false(permitted) ? 1 : 2;
		if (k == 0 && n[0] == 0)
			snprintf(first, firstsz, "%s (%s)",
			         json_string_value(json_object_get(p, "addr")) ?: "?",
			         json_string_value(json_object_get(p, "class")) ?: "?");
		n[k]++;
	}
}

static void peer_filtering(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	long long port = json_integer_value(json_object_get(entry, "port"));
	int n[3] = {0, 0, 0};
	char first[80] = "";
	if (!granted(probe)) {
		v->status = FS_NA;
		v->reason = "no_relay";
		snprintf(v->detail, sizeof v->detail,
		         "TURN on port %lld grants no relay without credentials: its peer filtering is not "
		         "visible",
		         port);
		return;
	}
	count_peers(probe, n, first, sizeof first);
	if (n[0] > 0) {
		v->status = FS_FAIL;
		snprintf(v->detail, sizeof v->detail,
		         "the open TURN relay on port %lld permits peers inside the network: %s and %d more",
		         port, first, n[0] - 1);
	} else if (n[1] > 0 && n[2] == 0) {
		v->status = FS_PASS;
		snprintf(
		    v->detail, sizeof v->detail,
		    "the open TURN relay on port %lld refuses loopback, private, link-local and CGNAT peers",
		    port);
	} else {
		v->status = FS_INDETERMINATE;
		v->reason = "unanswered";
		snprintf(v->detail, sizeof v->detail,
		         "%d of the relay's permission requests on port %lld got no answer", n[2], port);
	}
}

const struct svc_check svc_checks_turn[] = {
    {"svc.turn.open_relay", "turn", FS_NA, "TURN", open_relay},
    {"svc.turn.peer_filtering", "turn", FS_NA, "TURN", peer_filtering},
    {NULL, NULL, FS_NA, NULL, NULL},
};
