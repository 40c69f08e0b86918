/*
 * The VNC probe (module "vnc", ports 5900 and 5901): reads the server's RFB
 * ProtocolVersion, answers with the version a client would (wire_rfb.h), reads the
 * security types the server offers and closes. It never chooses a security type, so it
 * never authenticates and never sees the screen.
 *
 * It records the version and the offer (docs/OBSERVATIONS.md, "vnc"); whether security
 * type None is offered is the analyzer's to judge.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_rfb.h"

/* The security message with the longest reason accepted, and the version before it. */
#define VNC_READ_CAP (RFB_VERSION_LEN + 5 + RFB_REASON_MAX)

struct vnc_probe {
	struct svc s;            /* the kit's part, first */
	struct conn *c;          /* the exchange */
	unsigned minor;          /* the minor version answered (3, 7, 8); 0 before the server's version */
	struct rfb_security sec; /* the offer, once whole */
};

static void vnc_security(struct vnc_probe *p, const struct rfb_security *sec)
{
	json_t *types = json_array(), *names = json_array();
	for (unsigned i = 0; i < sec->ntypes; i++) {
		const char *n = rfb_security_name(sec->types[i]);
		json_array_append_new(types, json_integer(sec->types[i]));
		json_array_append_new(names, n ? json_string(n) : json_null());
	}
	json_object_set_new(p->s.out, "security_types", types);
	json_object_set_new(p->s.out, "security_names", names);
	json_object_set_new(p->s.out, "reason", sec->ntypes == 0 ? json_string(sec->reason) : json_null());
}

/* The server's version is whole: recorded, and answered. */
static int vnc_version(struct vnc_probe *p, unsigned major, unsigned minor)
{
	char v[16];
	uint8_t answer[RFB_VERSION_LEN];
	snprintf(v, sizeof v, "%u.%u", major, minor);
	json_object_set_new(p->s.out, "version", json_string(v));
	p->minor = rfb_client_version(major, minor, answer);
	conn_consume(p->c, RFB_VERSION_LEN);
	return conn_write(p->c, answer, sizeof answer);
}

static void vnc_data(struct conn *c, void *arg)
{
	struct vnc_probe *p = arg;
	size_t len = 0;
	const uint8_t *b = conn_data(c, &len);
	unsigned major, minor;
	if (p->minor == 0) {
		int rc = rfb_parse_version(b, len, &major, &minor);
		if (rc < 0)
			svc_end(&p->s, "not_vnc");
		else if (rc == 1 && vnc_version(p, major, minor) < 0)
			svc_end(&p->s, "error");
		return;
	}
	int rc = rfb_parse_security(b, len, p->minor, &p->sec);
	if (rc > 0)
		vnc_security(p, &p->sec);
	if (rc != 0)
		svc_end(&p->s, rc > 0 ? "ok" : rc == -E2BIG ? "oversized" : "malformed");
}

static void vnc_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct vnc_probe *p = arg;
	svc_end(&p->s, svc_conn_status(st));
}

static const struct conn_hooks vnc_hooks = {.data = vnc_data, .done = vnc_done};

static int vnc_begin(struct svc *s)
{
	struct vnc_probe *p = (struct vnc_probe *)s;
	json_object_set_new(s->out, "version", json_null());
	json_object_set_new(s->out, "security_types", json_null());
	json_object_set_new(s->out, "security_names", json_null());
	json_object_set_new(s->out, "reason", json_null());
	return svc_connect(s, &vnc_hooks, p, VNC_READ_CAP, &p->c);
}

static void vnc_stop(struct svc *s)
{
	struct vnc_probe *p = (struct vnc_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t vnc_ports[] = {5900, 5901};
static const struct svc_ops vnc_ops = {"vnc", vnc_ports, 2, sizeof(struct vnc_probe), vnc_begin, vnc_stop};

static int vnc_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &vnc_ops);
}

static const char *const vnc_observes[] = {"services[].vnc", "services[].vnc.status",
                                           "services[].vnc.version", "services[].vnc.security_types", NULL};

const struct probe_module probe_vnc_module = {
    .name = "vnc",
    .unit = UNIT_SERVICE,
    .start = vnc_start,
    .observes = vnc_observes,
};
