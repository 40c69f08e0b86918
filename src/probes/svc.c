/* The service probe kit: see svc.h. */
#include "svc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share.h"
#include "shared.h"

json_t *svc_entry(json_t *doc, const char *addr, unsigned port)
{
	json_t *a = json_object_get(doc, "services"), *e;
	size_t i;
	json_array_foreach(a, i, e)
	{
		const char *ea = json_string_value(json_object_get(e, "addr"));
		if (ea != NULL && strcmp(ea, addr) == 0 &&
		    json_integer_value(json_object_get(e, "port")) == (json_int_t)port)
			return e;
	}
	return NULL;
}

static int claims(const struct svc_ops *ops, unsigned port)
{
	for (size_t i = 0; i < ops->nports; i++)
		if (ops->ports[i] == port)
			return 1;
	return 0;
}

const char *svc_conn_status(enum conn_status st)
{
	/* conn.c's own names; a status of 0 (still running) never reaches a done hook */
	return st == 0 ? "error" : conn_status_name(st);
}

int svc_connect(struct svc *s, const struct conn_hooks *h, void *arg, size_t rcap, struct conn **out)
{
	const struct engine_opts *o = engine_opts(s->e);
	struct conn_cfg cfg = {.scope = o->scope,
	                       .connect_ms = o->conn_timeout_ms,
	                       .total_ms = o->conn_timeout_ms,
	                       .rcap = rcap,
	                       .pace = o->pace};
	struct conn *c = NULL;
	int rc = conn_new(engine_base(s->e), &cfg, h, arg, &c);
	if (rc == 0)
		rc = conn_connect(c, (const struct sockaddr *)&s->sa, s->salen);
	if (rc < 0)
		c = conn_free(c);
	*out = c;
	return rc;
}

/* ---- a measurement ---- */

static void measure_free(struct svc *s)
{
	if (s->ops->stop != NULL)
		s->ops->stop(s);
	json_decref(s->out);
	free(s->key);
	free(s);
}

void svc_end(struct svc *s, const char *status)
{
	if (status != NULL)
		json_object_set_new(s->out, "status", json_string(status));
	if (s->key != NULL)
		share_publish(engine_opts(s->e)->share, s->key, s->out);
	op_done(&s->op);
	measure_free(s);
}

/* The organization's deadline: the measurement did not finish on its merits, so a shared
 * one is abandoned (another organization measures it) and this one says "timeout". */
static void measure_cancel(struct op *op)
{
	struct svc *s = (struct svc *)op;
	json_object_set_new(s->out, "status", json_string("timeout"));
	if (s->key != NULL)
		share_publish(engine_opts(s->e)->share, s->key, NULL);
	op_done(&s->op);
	measure_free(s);
}

/* What a unit is, kept while waiting for another organization's measurement (shared.h). */
struct spec {
	char addr[64];
	unsigned port;
	char host[256];
	const struct svc_ops *ops; /* static */
};

static int measure(struct engine *e, struct domain_scan *ds, json_t *out, const void *spec, const char *key)
{
	const struct spec *sp = spec;
	const struct svc_ops *ops = sp->ops;
	struct svc *s = calloc(1, ops->size < sizeof *s ? sizeof *s : ops->size);
	if (s == NULL || (key != NULL && (s->key = strdup(key)) == NULL)) {
		free(s);
		if (key != NULL) /* claimed but never measured: the next asker measures it */
			share_publish(engine_opts(e)->share, key, NULL);
		return -ENOMEM;
	}
	s->e = e;
	s->ops = ops;
	s->out = json_incref(out);
	s->port = sp->port;
	snprintf(s->addr, sizeof s->addr, "%s", sp->addr);
	snprintf(s->host, sizeof s->host, "%s", sp->host);
	engine_sockaddr(sp->addr, sp->port, &s->sa, &s->salen);
	op_begin(&s->op, ds, measure_cancel);
	int rc = ops->begin(s);
	if (rc < 0) {
		/* a resource error requeues the organization; anything else is this probe's error */
		if (s->key != NULL)
			share_publish(engine_opts(e)->share, s->key, NULL);
		free(s->key);
		s->key = NULL;
		svc_end(s, rc == -EACCES ? "out_of_scope" : "error");
		return engine_resource_error(rc) ? rc : 0;
	}
	return 0;
}

static const struct shared_ops svc_shared = {.measure = measure, .spec_size = sizeof(struct spec)};

int svc_start(struct engine *e, struct domain_scan *ds, const struct unit *u, const struct svc_ops *ops)
{
	if (u->kind != UNIT_SERVICE || u->addr == NULL || !claims(ops, u->port))
		return 0;
	json_t *entry = svc_entry(ds->doc, u->addr, u->port);
	json_t *out = json_pack("{s:s}", "status", "error");
	if (entry == NULL || out == NULL || json_object_set(entry, ops->name, out) < 0) {
		json_decref(out);
		return entry == NULL ? -EINVAL : -ENOMEM;
	}
	struct spec sp = {.port = u->port, .ops = ops};
	char key[400];
	snprintf(sp.addr, sizeof sp.addr, "%s", u->addr);
	snprintf(sp.host, sizeof sp.host, "%s", u->name && strcmp(u->name, u->addr) != 0 ? u->name : "");
	snprintf(key, sizeof key, "svc %s %s %u %s", ops->name, sp.addr, sp.port, sp.host);
	int rc =
	    u->shared ? shared_measure(e, ds, key, out, &svc_shared, &sp) : measure(e, ds, out, &sp, NULL);
	json_decref(out);
	return rc;
}

SSL_CTX *svc_tls_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		return NULL;
	/* Any server speaking TLS 1.0 or later is talked to: whether it is DICOM, FHIR or a
	 * PACS is the question here, its TLS quality the deep-TLS probe's. */
	SSL_CTX_set_security_level(ctx, 0);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}
