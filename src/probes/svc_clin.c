/* The clinical probes' TLS context and HTTP/1.0 GET: see svc_clin.h. */
#include "svc_clin.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void finish(struct clin_get *g, const char *status, const struct http1_response *r)
{
	if (g->over)
		return;
	g->over = 1;
	struct conn *c = g->c;
	g->c = NULL;
	/* the callback may start another GET on g; this connection is freed at a safe point */
	g->done(g, status, r);
	conn_free(c);
}

static void send_request(struct clin_get *g)
{
	char req[512];
	const char *host = g->s->host[0] ? g->s->host : g->s->addr;
	int n = snprintf(req, sizeof req,
	                 "GET %s HTTP/1.0\r\nHost: %s:%u\r\nUser-Agent: vitals/" VITALS_VERSION
	                 "\r\nAccept: application/json, application/fhir+json\r\nConnection: close\r\n\r\n",
	                 g->path, host, g->s->port);
	if (n < 0 || (size_t)n >= sizeof req || conn_write(g->c, req, (size_t)n) < 0)
		finish(g, "error", NULL);
}

static void on_connected(struct conn *c, void *arg)
{
	struct clin_get *g = arg;
	if (g->tls == NULL) {
		send_request(g);
		return;
	}
	const char *sni = g->s->host[0] ? g->s->host : NULL;
	if (conn_start_tls(c, g->tls, sni) < 0)
		finish(g, "error", NULL);
}

static void on_secured(struct conn *c, void *arg)
{
	(void)c;
	send_request(arg);
}

static void try_parse(struct clin_get *g, int closed)
{
	size_t len;
	const uint8_t *d = conn_data(g->c, &len);
	struct http1_response r;
	int rc = http1_parse(d, len, closed, &r);
	if (rc == 0 && g->body_cap == 0 && http1_parse(d, len, 1, &r) == 1)
		rc = 1; /* the head is whole: the body is not wanted */
	if (rc == 0 && closed)
		rc = -EBADMSG;
	if (rc == 1 && g->body_cap > 0 && r.body_len > g->body_cap)
		r.body_len = g->body_cap;
	if (rc != 0)
		finish(g, rc == 1 ? NULL : rc == -E2BIG ? "oversized" : "not_http", rc == 1 ? &r : NULL);
}

static void on_data(struct conn *c, void *arg)
{
	(void)c;
	try_parse(arg, 0);
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct clin_get *g = arg;
	(void)c;
	(void)err;
	size_t len;
	conn_data(g->c, &len);
	/* the server closes after an HTTP/1.0 answer, and a full buffer is the cap reached;
	 * either way try_parse finishes (and the owner may free g in its callback) */
	if ((st == CONN_CLOSED || st == CONN_OVERSIZED) && len > 0)
		try_parse(g, 1);
	else
		finish(g, svc_conn_status(st), NULL);
}

static const struct conn_hooks hooks = {
    .connected = on_connected, .secured = on_secured, .data = on_data, .done = on_done};

int clin_get_start(struct clin_get *g)
{
	g->over = 0;
	size_t rcap = HTTP1_HEAD_MAX + 4 + g->body_cap;
	return svc_connect(g->s, &hooks, g, rcap, &g->c);
}

void clin_get_stop(struct clin_get *g)
{
	g->over = 1;
	g->c = conn_free(g->c);
}
