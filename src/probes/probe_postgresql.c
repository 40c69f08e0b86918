/*
 * PostgreSQL authentication (module "postgresql", UNIT_SERVICE on 5432): one connection, a
 * StartupMessage for a user and database no server has (wire_pg.h), the first answer read:
 * AuthenticationOk means the server lets a client in without any password (`trust`); a
 * cleartext, MD5, SASL, GSS or SSPI request means it asks for one; an ErrorResponse first
 * means it refuses this client before authentication (pg_hba.conf). The connection is closed
 * then: no password is sent, no query, nothing is read from any database.
 * Evidence: services[].postgresql (docs/OBSERVATIONS.md).
 */
#include <errno.h>
#include <string.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_pg.h"
#include "wire_text.h"

#define PG_RCAP (2 * (PG_MSG_MAX + 5))

struct pg_probe {
	struct svc s; /* first */
	struct conn *c;
};

static json_t *str_or_null(const char *s)
{
	return s[0] ? text_json(s, strlen(s)) : json_null();
}

static void record(json_t *out, const struct pg_reply *r)
{
	if (r->type == 'R') {
		json_object_set_new(out, "auth", json_string(pg_auth_name(r->auth)));
		json_object_set_new(out, "auth_code", json_integer(r->auth));
		json_object_set_new(out, "sasl_mechanisms", str_or_null(r->mechs));
	} else {
		json_object_set_new(out, "error_severity", str_or_null(r->severity));
		json_object_set_new(out, "error_sqlstate", str_or_null(r->sqlstate));
		json_object_set_new(out, "error_message", str_or_null(r->message));
	}
}

static void on_data(struct conn *c, void *arg)
{
	struct pg_probe *p = arg;
	for (;;) {
		size_t len, used = 0;
		const uint8_t *d = conn_data(c, &len);
		struct pg_reply r;
		int rc = pg_reply_parse(d, len, &r, &used);
		if (rc == 0)
			return;
		if (rc < 0) {
			svc_end(&p->s, rc == -E2BIG ? "oversized" : "malformed");
			return;
		}
		conn_consume(c, used);
		/* NegotiateProtocolVersion comes before the answer that counts */
		if (r.type == 'v')
			continue;
		record(p->s.out, &r);
		svc_end(&p->s, "ok");
		return;
	}
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct pg_probe *p = arg;
	(void)c;
	(void)err;
	svc_end(&p->s, svc_conn_status(st));
}

static void on_connected(struct conn *c, void *arg)
{
	struct pg_probe *p = arg;
	uint8_t msg[128];
	int n = pg_startup_build(msg, sizeof msg);
	if (n < 0 || conn_write(c, msg, (size_t)n) < 0)
		svc_end(&p->s, "error");
}

static const struct conn_hooks hooks = {.connected = on_connected, .data = on_data, .done = on_done};

static int pg_begin(struct svc *s)
{
	struct pg_probe *p = (struct pg_probe *)s;
	static const char *const members[] = {"auth",           "auth_code",      "sasl_mechanisms",
	                                      "error_severity", "error_sqlstate", "error_message"};
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
		json_object_set_new(s->out, members[i], json_null());
	return svc_connect(s, &hooks, p, PG_RCAP, &p->c);
}

static void pg_stop(struct svc *s)
{
	struct pg_probe *p = (struct pg_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t pg_ports[] = {5432};
static const struct svc_ops pg_ops = {
    .name = "postgresql",
    .ports = pg_ports,
    .nports = sizeof pg_ports / sizeof pg_ports[0],
    .size = sizeof(struct pg_probe),
    .begin = pg_begin,
    .stop = pg_stop,
};

static int pg_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &pg_ops);
}

static const char *const pg_observes[] = {
    "services[].postgresql",
    "services[].postgresql.status",
    "services[].postgresql.auth",
    "services[].postgresql.auth_code",
    "services[].postgresql.sasl_mechanisms",
    "services[].postgresql.error_severity",
    "services[].postgresql.error_sqlstate",
    "services[].postgresql.error_message",
    NULL,
};

const struct probe_module probe_postgresql_module = {
    .name = "postgresql",
    .unit = UNIT_SERVICE,
    .start = pg_start,
    .observes = pg_observes,
};
