/*
 * Elasticsearch/OpenSearch without credentials (module "elasticsearch", UNIT_SERVICE on
 * 9200): one connection, `GET /` over plain HTTP with no Authorization (wire_es.h), the
 * answer read: 200 with the cluster's name and version means anyone can use the REST API
 * (search and read every index); 401 with a challenge means security is on. Only the root
 * document is asked for: no index, no search. Evidence: services[].elasticsearch
 * (docs/OBSERVATIONS.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_es.h"
#include "wire_text.h"

#define ES_RCAP (ES_HEAD_MAX + ES_BODY_MAX)

struct es_probe {
	struct svc s; /* first */
	struct conn *c;
};

static json_t *str_or_null(const char *s)
{
	return s[0] ? text_json(s, strlen(s)) : json_null();
}

static void record(json_t *out, const struct es_reply *r)
{
	json_object_set_new(out, "http_status", json_integer(r->status));
	json_object_set_new(out, "auth_challenge", json_boolean(r->www_authenticate));
	json_object_set_new(out, "cluster_name", str_or_null(r->cluster_name));
	json_object_set_new(out, "version", str_or_null(r->version));
	json_object_set_new(out, "distribution", str_or_null(r->distribution));
	json_object_set_new(out, "product", str_or_null(r->product));
	json_object_set_new(out, "tagline", str_or_null(r->tagline));
}

/* Parses what came; ends the probe unless more is needed. */
static void parse(struct es_probe *p, struct conn *c, int closed, const char *closed_status)
{
	size_t len;
	const uint8_t *d = conn_data(c, &len);
	struct es_reply r;
	int rc = len == 0 && closed ? -ENODATA : es_reply_parse(d, len, closed, &r);
	if (rc == 0)
		return;
	if (rc == 1)
		record(p->s.out, &r);
	svc_end(&p->s, rc == 1          ? "ok"
	               : rc == -ENODATA ? closed_status
	               : rc == -E2BIG   ? "oversized"
	                                : "malformed");
}

static void on_data(struct conn *c, void *arg)
{
	parse(arg, c, 0, NULL);
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct es_probe *p = arg;
	(void)err;
	/* a body delimited by the close is whole only now */
	if (st == CONN_CLOSED)
		parse(p, c, 1, svc_conn_status(st));
	else
		svc_end(&p->s, svc_conn_status(st));
}

static void on_connected(struct conn *c, void *arg)
{
	struct es_probe *p = arg;
	char req[256], host[96];
	snprintf(host, sizeof host, strchr(p->s.addr, ':') ? "[%s]:%u" : "%s:%u", p->s.addr, p->s.port);
	int n = es_request_build(req, sizeof req, host);
	if (n < 0 || conn_write(c, req, (size_t)n) < 0)
		svc_end(&p->s, "error");
}

static const struct conn_hooks hooks = {.connected = on_connected, .data = on_data, .done = on_done};

static int es_begin(struct svc *s)
{
	struct es_probe *p = (struct es_probe *)s;
	static const char *const members[] = {"http_status",  "auth_challenge", "cluster_name", "version",
	                                      "distribution", "product",        "tagline"};
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
		json_object_set_new(s->out, members[i], json_null());
	return svc_connect(s, &hooks, p, ES_RCAP, &p->c);
}

static void es_stop(struct svc *s)
{
	struct es_probe *p = (struct es_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t es_ports[] = {9200};
static const struct svc_ops es_ops = {
    .name = "elasticsearch",
    .ports = es_ports,
    .nports = sizeof es_ports / sizeof es_ports[0],
    .size = sizeof(struct es_probe),
    .begin = es_begin,
    .stop = es_stop,
};

static int es_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &es_ops);
}

static const char *const es_observes[] = {
    "services[].elasticsearch",
    "services[].elasticsearch.status",
    "services[].elasticsearch.http_status",
    "services[].elasticsearch.auth_challenge",
    "services[].elasticsearch.cluster_name",
    "services[].elasticsearch.version",
    "services[].elasticsearch.distribution",
    "services[].elasticsearch.product",
    "services[].elasticsearch.tagline",
    NULL,
};

const struct probe_module probe_elasticsearch_module = {
    .name = "elasticsearch",
    .unit = UNIT_SERVICE,
    .start = es_start,
    .observes = es_observes,
};
