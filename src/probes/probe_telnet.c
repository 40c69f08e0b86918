/*
 * The Telnet probe (module "telnet", port 23): connects and listens. A Telnet server
 * speaks first, with option negotiations (IAC DO/WILL ...) or a banner and login prompt;
 * the probe reads the first bytes that arrive and closes. It never answers a negotiation
 * and never sends a user name.
 *
 * It records the negotiations and the text (docs/OBSERVATIONS.md, "telnet").
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_telnet.h"

#define TELNET_READ_CAP 4096 /* one read's worth: what is not kept is counted and dropped */

struct telnet_probe {
	struct svc s;         /* the kit's part, first */
	struct conn *c;       /* the exchange */
	struct telnet_scan t; /* what came so far */
};

static json_t *telnet_negs(const struct telnet_scan *t)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < t->nnegs; i++) {
		char buf[32];
		const char *opt = telnet_opt_name(t->negs[i].opt);
		if (opt != NULL)
			snprintf(buf, sizeof buf, "%s %s", telnet_cmd_name(t->negs[i].cmd), opt);
		else
			snprintf(buf, sizeof buf, "%s %u", telnet_cmd_name(t->negs[i].cmd), t->negs[i].opt);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static void telnet_record(struct telnet_probe *p)
{
	const struct telnet_scan *t = &p->t;
	json_object_set_new(p->s.out, "commands", json_integer(t->ncmds));
	json_object_set_new(p->s.out, "negotiations", telnet_negs(t));
	json_object_set_new(p->s.out, "text", t->textlen ? json_string(t->text) : json_null());
	json_object_set_new(p->s.out, "other_bytes", json_integer((json_int_t)t->other));
}

static void telnet_data(struct conn *c, void *arg)
{
	struct telnet_probe *p = arg;
	size_t len = 0;
	const uint8_t *b = conn_data(c, &len);
	telnet_feed(&p->t, b, len);
	conn_consume(c, len);
	/* A command cut between two reads: wait for its end, but not past a read's worth of bytes. */
	if (p->t.bytes < TELNET_READ_CAP &&
	    (p->t.state != 0 || (p->t.ncmds == 0 && p->t.textlen == 0 && p->t.other == 0)))
		return;
	telnet_record(p);
	svc_end(&p->s, telnet_plausible(&p->t) ? "ok" : "not_telnet");
}

static void telnet_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct telnet_probe *p = arg;
	telnet_record(p);
	svc_end(&p->s, svc_conn_status(st));
}

static const struct conn_hooks telnet_hooks = {.data = telnet_data, .done = telnet_done};

static int telnet_begin(struct svc *s)
{
	struct telnet_probe *p = (struct telnet_probe *)s;
	telnet_init(&p->t);
	return svc_connect(s, &telnet_hooks, p, TELNET_READ_CAP, &p->c);
}

static void telnet_stop(struct svc *s)
{
	struct telnet_probe *p = (struct telnet_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t telnet_ports[] = {23};
static const struct svc_ops telnet_ops = {"telnet",     telnet_ports, 1, sizeof(struct telnet_probe),
                                          telnet_begin, telnet_stop};

static int telnet_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &telnet_ops);
}

static const char *const telnet_observes[] = {"services[].telnet", "services[].telnet.status",
                                              "services[].telnet.negotiations", "services[].telnet.text",
                                              NULL};

const struct probe_module probe_telnet_module = {
    .name = "telnet",
    .unit = UNIT_SERVICE,
    .start = telnet_start,
    .observes = telnet_observes,
};
