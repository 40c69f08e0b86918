/* The STUN/TURN checks: see analyze_svc_turn.h. */
#include "analyze_svc_turn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *const turn_peer_classes[] = {"loopback", "rfc1918", "link_local", "cgnat"};
const unsigned turn_npeer_classes = sizeof turn_peer_classes / sizeof turn_peer_classes[0];

/* What the TURN objects of one address showed, worst first. */
struct turn_seen {
	int objects;      /* TURN objects (one per TURN port answered by something) */
	int ok;           /* of which the protocol answered and was read */
	int granted;      /* Allocate succeeded without credentials */
	int refused;      /* Allocate refused (401 and the like) */
	int permitted;    /* internal peers permitted, over every granted relay */
	int denied;       /* internal peers refused */
	int unanswered;   /* permissions asked for with no verdict */
	const char *bad;  /* the status of an object that is not "ok" and not "not_turn", or NULL */
	char first[96];   /* the first internal peer permitted: "10.0.0.1 (rfc1918) on 3478" */
	json_t *evidence; /* [{"port": N, "turn": {...}}] */
};

static void count_peers(const json_t *turn, unsigned port, struct turn_seen *s)
{
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(turn, "peers"), i, p)
	{
		const json_t *permitted = json_object_get(p, "permitted");
		if (json_is_true(permitted)) {
			if (s->permitted++ == 0)
				snprintf(s->first, sizeof s->first, "%s (%s) on %u",
				         json_string_value(json_object_get(p, "addr")) ?: "?",
				         json_string_value(json_object_get(p, "class")) ?: "?", port);
		} else if (json_is_false(permitted)) {
			s->denied++;
		} else {
			s->unanswered++;
		}
	}
}

static void see_one(const json_t *entry, const json_t *turn, struct turn_seen *s)
{
	const char *status = json_string_value(json_object_get(turn, "status"));
	const char *alloc = json_string_value(json_object_get(turn, "allocate"));
	unsigned port = (unsigned)json_integer_value(json_object_get(entry, "port"));
	s->objects++;
	json_array_append_new(s->evidence, json_pack("{s:I,s:O}", "port", (json_int_t)port, "turn", turn));
	if (status == NULL || strcmp(status, "ok") != 0) {
		/* Something else on a TURN port is no TURN server; anything else leaves the port unknown. */
		if (s->bad == NULL && (status == NULL || strcmp(status, "not_turn") != 0))
			s->bad = status ? status : "error";
		return;
	}
	s->ok++;
	if (alloc != NULL && strcmp(alloc, "granted") == 0) {
		s->granted++;
		count_peers(turn, port, s);
	} else if (alloc != NULL) {
		s->refused++;
	} else if (s->bad == NULL) {
		s->bad = "no_allocate_answer";
	}
}

static int see(const json_t *entries, struct turn_seen *s)
{
	size_t i;
	const json_t *e;
	memset(s, 0, sizeof *s);
	s->evidence = json_array();
	if (s->evidence == NULL)
		return -ENOMEM;
	json_array_foreach(entries, i, e)
	{
		const json_t *turn = json_object_get(e, "turn");
		if (json_is_object(turn))
			see_one(e, turn, s);
	}
	return 0;
}

/* The sweep did not finish: what it did not see cannot be judged. */
static const char *sweep_unfinished(const json_t *sweep)
{
	const char *st = json_string_value(json_object_get(sweep, "status"));
	return st != NULL && strcmp(st, "ok") != 0 ? st : NULL;
}

static void verdict(struct svc_verdict *v, enum fstatus st, const char *reason, struct turn_seen *s)
{
	v->status = st;
	v->reason = reason;
	v->evidence = s->evidence;
	s->evidence = NULL;
}

/* No TURN server answered at this address: na, or indeterminate when that is unknown. */
static int no_relay(const json_t *sweep, struct turn_seen *s, struct svc_verdict *v)
{
	const char *unfinished = sweep_unfinished(sweep);
	if (s->bad != NULL || unfinished != NULL) {
		verdict(v, FS_INDETERMINATE, s->bad ? s->bad : unfinished, s);
		snprintf(v->detail, sizeof v->detail, "TURN could not be judged here: %s", v->reason);
	} else {
		verdict(v, FS_NA, "no_turn", s);
		snprintf(v->detail, sizeof v->detail, "no TURN server answered at this address");
	}
	return 0;
}

int turn_open_relay(const json_t *sweep, const json_t *entries, struct svc_verdict *v)
{
	struct turn_seen s;
	if (see(entries, &s) < 0)
		return -ENOMEM;
	memset(v, 0, sizeof *v);
	if (s.granted > 0) {
		verdict(v, FS_FAIL, NULL, &s);
		snprintf(v->detail, sizeof v->detail,
		         "a TURN relay is allocated to anyone without credentials (%d of %d TURN ports)",
		         s.granted, s.objects);
	} else if (s.refused > 0 && s.bad == NULL) {
		verdict(v, FS_PASS, NULL, &s);
		snprintf(v->detail, sizeof v->detail, "TURN allocations require credentials");
	} else {
		no_relay(sweep, &s, v);
	}
	json_decref(s.evidence);
	return 0;
}

int turn_peer_filtering(const json_t *sweep, const json_t *entries, struct svc_verdict *v)
{
	struct turn_seen s;
	if (see(entries, &s) < 0)
		return -ENOMEM;
	memset(v, 0, sizeof *v);
	if (s.permitted > 0) {
		verdict(v, FS_FAIL, NULL, &s);
		snprintf(v->detail, sizeof v->detail,
		         "an open TURN relay permits peers inside the network: %s, %d internal permissions "
		         "granted",
		         s.first, s.permitted);
	} else if (s.granted > 0 && s.unanswered == 0 && s.denied > 0) {
		verdict(v, FS_PASS, NULL, &s);
		snprintf(
		    v->detail, sizeof v->detail,
		    "the open TURN relay refuses loopback, private, link-local and CGNAT peers (%d refusals)",
		    s.denied);
	} else if (s.granted > 0) {
		verdict(v, FS_INDETERMINATE, "unanswered", &s);
		snprintf(v->detail, sizeof v->detail, "%d of the relay's permission requests got no answer",
		         s.unanswered);
	} else if (s.refused > 0 && s.bad == NULL) {
		verdict(v, FS_NA, "credentials_required", &s);
		snprintf(v->detail, sizeof v->detail,
		         "no relay is granted without credentials: its peer filtering cannot be seen from "
		         "outside");
	} else {
		no_relay(sweep, &s, v);
	}
	json_decref(s.evidence);
	return 0;
}
