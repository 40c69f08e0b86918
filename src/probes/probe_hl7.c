/*
 * HL7 v2 over MLLP (module "hl7", UNIT_SERVICE on 2575): one framed message that every
 * receiver must reject (wire_hl7.h: a lone MSH, processing ID D, type ZZZ^Z99^ZZZ), and
 * the framed reply read under a cap. A reply with MSH means an HL7 interface answers
 * anyone; its MSA acknowledgment code (AR, AE...) and the sender's MSH-3/4/12 are
 * recorded. The message names no patient and no receiver can file it. Evidence:
 * services[].hl7 (docs/OBSERVATIONS.md).
 */
#include <errno.h>
#include <time.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_hl7.h"

#define CONTROL_ID "VITALSPROBE1"

struct hl7_probe {
	struct svc s; /* first */
	struct conn *c;
	struct hl7_reply r; /* the reply being read */
};

static void set_text(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v[0] ? json_string(v) : json_null());
}

static void record(json_t *o, const struct hl7_ack *a)
{
	set_text(o, "sending_app", a->sending_app);
	set_text(o, "sending_facility", a->sending_facility);
	set_text(o, "message_type", a->message_type);
	set_text(o, "version", a->version);
	json_object_set_new(o, "msa", json_boolean(a->has_msa));
	set_text(o, "ack_code", a->ack_code);
	set_text(o, "ack_control_id", a->ack_control_id);
	set_text(o, "ack_text", a->ack_text);
}

static void on_data(struct conn *c, void *arg)
{
	struct hl7_probe *p = arg;
	size_t len, used = 0;
	const uint8_t *d = conn_data(c, &len);
	int first = p->r.len == 0;
	int rc = hl7_reply_feed(&p->r, d, len, &used);
	conn_consume(c, used);
	if (rc == 0)
		return;
	struct hl7_ack a;
	if (rc < 0) {
		svc_end(&p->s, rc == -E2BIG ? "oversized" : first ? "not_hl7" : "malformed");
	} else if (hl7_ack_parse(&p->r, &a) < 0) {
		svc_end(&p->s, "malformed");
	} else {
		record(p->s.out, &a);
		svc_end(&p->s, "ok");
	}
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct hl7_probe *p = arg;
	(void)c;
	(void)err;
	svc_end(&p->s, svc_conn_status(st));
}

static void on_connected(struct conn *c, void *arg)
{
	struct hl7_probe *p = arg;
	char ts[16];
	uint8_t msg[256];
	size_t len;
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm) == NULL || strftime(ts, sizeof ts, "%Y%m%d%H%M%S", &tm) != 14 ||
	    hl7_probe_message(msg, sizeof msg, ts, CONTROL_ID, &len) < 0 || conn_write(c, msg, len) < 0)
		svc_end(&p->s, "error");
}

static const struct conn_hooks hooks = {.connected = on_connected, .data = on_data, .done = on_done};

static int hl7_begin(struct svc *s)
{
	struct hl7_probe *p = (struct hl7_probe *)s;
	const char *keys[] = {"sending_app", "sending_facility", "message_type",   "version",
	                      "msa",         "ack_code",         "ack_control_id", "ack_text"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		json_object_set_new(s->out, keys[i], json_null());
	hl7_reply_init(&p->r);
	return svc_connect(s, &hooks, p, HL7_REPLY_MAX, &p->c);
}

static void hl7_stop(struct svc *s)
{
	struct hl7_probe *p = (struct hl7_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t hl7_ports[] = {2575};
static const struct svc_ops hl7_ops = {
    .name = "hl7",
    .ports = hl7_ports,
    .nports = sizeof hl7_ports / sizeof hl7_ports[0],
    .size = sizeof(struct hl7_probe),
    .begin = hl7_begin,
    .stop = hl7_stop,
};

static int hl7_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &hl7_ops);
}

static const char *const hl7_observes[] = {
    "services[].hl7",
    "services[].hl7.status",
    "services[].hl7.sending_app",
    "services[].hl7.sending_facility",
    "services[].hl7.message_type",
    "services[].hl7.version",
    "services[].hl7.msa",
    "services[].hl7.ack_code",
    "services[].hl7.ack_control_id",
    "services[].hl7.ack_text",
    NULL,
};

const struct probe_module probe_hl7_module = {
    .name = "hl7",
    .unit = UNIT_SERVICE,
    .start = hl7_start,
    .observes = hl7_observes,
};
