/*
 * MongoDB reachable (module "mongodb", UNIT_SERVICE on 27017): one connection, the OP_MSG
 * `hello` every driver sends first (wire_mongo.h), its reply read, then the connection
 * closed. Every MongoDB answers hello before authentication, so an answer shows the
 * database is reachable and says its role and wire version (the release, for the patching
 * checks). No other command: nothing is listed or read.
 * Evidence: services[].mongodb (docs/OBSERVATIONS.md).
 */
#include <errno.h>
#include <string.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_mongo.h"
#include "wire_text.h"

#define MONGO_RCAP (MONGO_REPLY_MAX + 16)

struct mongo_probe {
	struct svc s; /* first */
	struct conn *c;
};

static json_t *str_or_null(const char *s)
{
	return s[0] ? text_json(s, strlen(s)) : json_null();
}

static void record(json_t *out, const struct mongo_hello *h)
{
	json_object_set_new(out, "ok", h->has_ok ? json_real(h->ok) : json_null());
	json_object_set_new(out, "writable_primary",
	                    h->writable < 0 ? json_null() : json_boolean(h->writable));
	json_object_set_new(out, "min_wire_version", h->has_wire ? json_integer(h->min_wire) : json_null());
	json_object_set_new(out, "max_wire_version", h->has_wire ? json_integer(h->max_wire) : json_null());
	json_object_set_new(out, "set_name", str_or_null(h->set_name));
	json_object_set_new(out, "msg", str_or_null(h->msg));
	json_object_set_new(out, "errmsg", str_or_null(h->errmsg));
	json_object_set_new(out, "code", h->code ? json_integer(h->code) : json_null());
}

static void on_data(struct conn *c, void *arg)
{
	struct mongo_probe *p = arg;
	size_t len, used = 0;
	const uint8_t *d = conn_data(c, &len);
	struct mongo_hello h;
	int rc = mongo_hello_parse(d, len, &h, &used);
	if (rc == 0)
		return;
	if (rc == 1)
		record(p->s.out, &h);
	svc_end(&p->s, rc == 1 ? "ok" : rc == -E2BIG ? "oversized" : "malformed");
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct mongo_probe *p = arg;
	(void)c;
	(void)err;
	svc_end(&p->s, svc_conn_status(st));
}

static void on_connected(struct conn *c, void *arg)
{
	struct mongo_probe *p = arg;
	uint8_t msg[64];
	int n = mongo_hello_build(msg, sizeof msg);
	if (n < 0 || conn_write(c, msg, (size_t)n) < 0)
		svc_end(&p->s, "error");
}

static const struct conn_hooks hooks = {.connected = on_connected, .data = on_data, .done = on_done};

static int mongo_begin(struct svc *s)
{
	struct mongo_probe *p = (struct mongo_probe *)s;
	static const char *const members[] = {
	    "ok",  "writable_primary", "min_wire_version", "max_wire_version", "set_name", "msg", "errmsg",
	    "code"};
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
		json_object_set_new(s->out, members[i], json_null());
	return svc_connect(s, &hooks, p, MONGO_RCAP, &p->c);
}

static void mongo_stop(struct svc *s)
{
	struct mongo_probe *p = (struct mongo_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t mongo_ports[] = {27017};
static const struct svc_ops mongo_ops = {
    .name = "mongodb",
    .ports = mongo_ports,
    .nports = sizeof mongo_ports / sizeof mongo_ports[0],
    .size = sizeof(struct mongo_probe),
    .begin = mongo_begin,
    .stop = mongo_stop,
};

static int mongo_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &mongo_ops);
}

static const char *const mongo_observes[] = {
    "services[].mongodb",
    "services[].mongodb.status",
    "services[].mongodb.ok",
    "services[].mongodb.writable_primary",
    "services[].mongodb.min_wire_version",
    "services[].mongodb.max_wire_version",
    "services[].mongodb.set_name",
    "services[].mongodb.msg",
    "services[].mongodb.errmsg",
    "services[].mongodb.code",
    NULL,
};

const struct probe_module probe_mongodb_module = {
    .name = "mongodb",
    .unit = UNIT_SERVICE,
    .start = mongo_start,
    .observes = mongo_observes,
};
