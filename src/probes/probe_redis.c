/*
 * Redis without credentials (module "redis", UNIT_SERVICE on 6379): one connection,
 * "PING" and "INFO server" sent at once, both replies read. +PONG means any caller may
 * run commands (an exposed, unauthenticated store); -NOAUTH means a password is asked;
 * -DENIED is protected mode (no password, but remote clients refused). The INFO reply
 * gives the version for the patching checks. It runs no command that reads or writes
 * keys. Evidence: services[].redis (docs/OBSERVATIONS.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_redis.h"
#include "wire_text.h"

#define REDIS_RCAP (REDIS_BULK_MAX + 2 * REDIS_LINE_MAX)

struct redis_probe {
	struct svc s; /* first */
	struct conn *c;
	int replies; /* read so far */
};

static void record_first(json_t *out, const struct redis_reply *r)
{
	int pong = r->type == '+' && strcmp(r->line, "PONG") == 0;
	int noauth = r->type == '-' && strncmp(r->line, "NOAUTH", 6) == 0;
	int denied = r->type == '-' && strncmp(r->line, "DENIED", 6) == 0;
	char text[128], line[124];
	snprintf(text, sizeof text, "%c%s", r->type,
	         text_excerpt(line, sizeof line, r->line, strlen(r->line), 120));
	json_object_set_new(out, "ping", json_string(text));
	/* any other error (a renamed or blocked PING) says nothing either way */
	json_object_set_new(out, "auth_required",
	                    pong               ? json_false()
	                    : noauth || denied ? json_true()
	                                       : json_null());
	json_object_set_new(out, "protected_mode", json_boolean(denied));
}

static void record_info(json_t *out, const struct redis_reply *r)
{
	char v[REDIS_VERSION_MAX + 1];
	if (r->type == '$' && r->bulk != NULL && redis_info_version(r->bulk, r->bulk_len, v, sizeof v) == 0)
		json_object_set_new(out, "version", json_string(v));
}

static void on_data(struct conn *c, void *arg)
{
	struct redis_probe *p = arg;
	size_t len;
	const uint8_t *d = conn_data(c, &len);
	while (p->replies < 2) {
		struct redis_reply r;
		int n = redis_reply_parse(d, len, &r);
		if (n == 0)
			return;
		if (n < 0) {
			svc_end(&p->s, p->replies == 0 && n == -EPROTO ? "not_redis"
			               : n == -E2BIG                   ? "oversized"
			                                               : "malformed");
			return;
		}
		if (p->replies++ == 0)
			record_first(p->s.out, &r);
		else
			record_info(p->s.out, &r);
		conn_consume(c, (size_t)n);
		d = conn_data(c, &len);
	}
	svc_end(&p->s, "ok");
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct redis_probe *p = arg;
	(void)c;
	(void)err;
	/* PING answered and the connection closed before INFO: what came is still the answer */
	svc_end(&p->s, p->replies > 0 ? "ok" : svc_conn_status(st));
}

static void on_connected(struct conn *c, void *arg)
{
	struct redis_probe *p = arg;
	if (conn_write(c, redis_request, redis_request_len) < 0)
		svc_end(&p->s, "error");
}

static const struct conn_hooks hooks = {.connected = on_connected, .data = on_data, .done = on_done};

static int redis_begin(struct svc *s)
{
	struct redis_probe *p = (struct redis_probe *)s;
	json_object_set_new(s->out, "ping", json_null());
	json_object_set_new(s->out, "auth_required", json_null());
	json_object_set_new(s->out, "protected_mode", json_null());
	json_object_set_new(s->out, "version", json_null());
	return svc_connect(s, &hooks, p, REDIS_RCAP, &p->c);
}

static void redis_stop(struct svc *s)
{
	struct redis_probe *p = (struct redis_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t redis_ports[] = {6379};
static const struct svc_ops redis_ops = {
    .name = "redis",
    .ports = redis_ports,
    .nports = sizeof redis_ports / sizeof redis_ports[0],
    .size = sizeof(struct redis_probe),
    .begin = redis_begin,
    .stop = redis_stop,
};

static int redis_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &redis_ops);
}

static const char *const redis_observes[] = {
    "services[].redis",
    "services[].redis.status",
    "services[].redis.ping",
    "services[].redis.auth_required",
    "services[].redis.protected_mode",
    "services[].redis.version",
    NULL,
};

const struct probe_module probe_redis_module = {
    .name = "redis",
    .unit = UNIT_SERVICE,
    .start = redis_start,
    .observes = redis_observes,
};
