/*
 * MySQL/MariaDB greeting (module "mysql", UNIT_SERVICE on 3306): one connection, nothing
 * sent, the server's first packet read (wire_mysql.h), then the connection closed. A
 * handshake means the server takes login attempts from this client; its version string is
 * the version for the patching checks. An ERR packet (1130, host not allowed) means it
 * refuses this client before any login. No credentials are sent.
 * Evidence: services[].mysql (docs/OBSERVATIONS.md).
 */
#include <errno.h>
#include <string.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_mysql.h"
#include "wire_text.h"

#define MYSQL_RCAP (4 + MYSQL_GREETING_MAX + 64)

struct mysql_probe {
	struct svc s; /* first */
	struct conn *c;
};

static void record(json_t *out, const struct mysql_greeting *g)
{
	json_object_set_new(out, "greeting", json_string(g->is_error ? "error" : "handshake"));
	if (g->is_error) {
		json_object_set_new(out, "error_code", json_integer(g->err_code));
		json_object_set_new(out, "error_message", text_json(g->err_msg, strlen(g->err_msg)));
		return;
	}
	json_object_set_new(out, "protocol", json_integer(g->protocol));
	json_object_set_new(out, "software", text_json(g->version, strlen(g->version)));
	json_object_set_new(out, "tls", json_boolean(g->caps & MYSQL_CLIENT_SSL));
	json_object_set_new(out, "auth_plugin",
	                    g->auth_plugin[0] ? text_json(g->auth_plugin, strlen(g->auth_plugin))
	                                      : json_null());
}

static void on_data(struct conn *c, void *arg)
{
	struct mysql_probe *p = arg;
	size_t len, used = 0;
	const uint8_t *d = conn_data(c, &len);
	struct mysql_greeting g;
	int rc = mysql_greeting_parse(d, len, &g, &used);
	if (rc == 0)
		return;
	if (rc == 1)
		record(p->s.out, &g);
	svc_end(&p->s, rc == 1 ? "ok" : rc == -E2BIG ? "oversized" : "malformed");
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct mysql_probe *p = arg;
	(void)c;
	(void)err;
	svc_end(&p->s, svc_conn_status(st));
}

static const struct conn_hooks hooks = {.data = on_data, .done = on_done};

static int mysql_begin(struct svc *s)
{
	struct mysql_probe *p = (struct mysql_probe *)s;
	static const char *const members[] = {"greeting",    "protocol",   "software",     "tls",
	                                      "auth_plugin", "error_code", "error_message"};
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
		json_object_set_new(s->out, members[i], json_null());
	return svc_connect(s, &hooks, p, MYSQL_RCAP, &p->c);
}

static void mysql_stop(struct svc *s)
{
	struct mysql_probe *p = (struct mysql_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t mysql_ports[] = {3306};
static const struct svc_ops mysql_ops = {
    .name = "mysql",
    .ports = mysql_ports,
    .nports = sizeof mysql_ports / sizeof mysql_ports[0],
    .size = sizeof(struct mysql_probe),
    .begin = mysql_begin,
    .stop = mysql_stop,
};

static int mysql_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &mysql_ops);
}

static const char *const mysql_observes[] = {
    "services[].mysql",
    "services[].mysql.status",
    "services[].mysql.greeting",
    "services[].mysql.protocol",
    "services[].mysql.software",
    "services[].mysql.tls",
    "services[].mysql.auth_plugin",
    "services[].mysql.error_code",
    "services[].mysql.error_message",
    NULL,
};

const struct probe_module probe_mysql_module = {
    .name = "mysql",
    .unit = UNIT_SERVICE,
    .start = mysql_start,
    .observes = mysql_observes,
};
