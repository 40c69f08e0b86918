/*
 * FHIR servers (module "fhir", UNIT_SERVICE on 80, 443, 8080, 8443): GET [base]/metadata
 * (the CapabilityStatement: software, version, FHIR version, whether rest[] has a security
 * section), with base "" and then "/fhir"; then [base]/.well-known/smart-configuration;
 * then an anonymous [base]/Patient?_summary=count&_count=0, which asks for a count and no
 * resources (a server that sends entries anyway has them counted, never read; the answer
 * is read under a 16 KiB cap). Over TLS on 443 and 8443, without credentials. Evidence:
 * services[].fhir (docs/OBSERVATIONS.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probes.h"
#include "svc.h"
#include "svc_clin.h"
#include "wire_fhir.h"

enum fstep { F_METADATA, F_METADATA_FHIR, F_SMART, F_COUNT, F_END };

struct fhir_probe {
	struct svc s; /* first */
	struct clin_get g;
	enum fstep step;
	const char *base; /* "" or "/fhir" */
	char path[64];    /* the GET in flight */
};

static void set_text(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v[0] ? json_string(v) : json_null());
}

static int capability(struct fhir_probe *p, const struct http1_response *r)
{
	struct fhir_capability c;
	json_t *o = p->s.out;
	if (r->status != 200 || fhir_capability_parse((const char *)r->body, r->body_len, &c) < 0)
		return 0;
	json_object_set_new(o, "base", json_string(p->base[0] ? p->base : "/"));
	set_text(o, "software", c.software);
	set_text(o, "version", c.version);
	set_text(o, "fhir_version", c.fhir_version);
	json_object_set_new(o, "security", json_boolean(c.has_security));
	set_text(o, "security_service", c.security_service);
	return 1;
}

static void smart(json_t *o, const struct http1_response *r)
{
	struct fhir_smart sm;
	json_object_set_new(o, "smart_status", json_integer(r->status));
	if (r->status == 200 && fhir_smart_parse((const char *)r->body, r->body_len, &sm) == 0)
		json_object_set_new(o, "smart_authorize", json_boolean(sm.has_authorize && sm.has_token));
}

static void count(json_t *o, const struct http1_response *r)
{
	struct fhir_count n;
	json_object_set_new(o, "count_status", json_integer(r->status));
	if (fhir_count_parse((const char *)r->body, r->body_len, &n) < 0 || !n.bundle)
		return;
	json_object_set_new(o, "count_total", n.total >= 0 ? json_integer(n.total) : json_null());
	json_object_set_new(o, "count_entries", json_integer(n.entries));
}

/* The next GET of the sequence, or the end. */
static void next(struct fhir_probe *p, enum fstep step)
{
	static const char *const tail[] = {"/metadata", "/metadata", "/.well-known/smart-configuration",
	                                   "/Patient?_summary=count&_count=0"};
	static const size_t caps[] = {FHIR_BODY_MAX, FHIR_BODY_MAX, FHIR_COUNT_MAX, FHIR_COUNT_MAX};
	p->step = step;
	if (step == F_END) {
		svc_end(&p->s, "ok");
		return;
	}
	p->base = step == F_METADATA ? "" : step == F_METADATA_FHIR ? "/fhir" : p->base;
	snprintf(p->path, sizeof p->path, "%s%s", p->base, tail[step]);
	p->g.path = p->path;
	p->g.body_cap = caps[step];
	if (clin_get_start(&p->g) < 0)
		svc_end(&p->s, step <= F_METADATA_FHIR ? "error" : "ok");
}

static void on_get(struct clin_get *g, const char *status, const struct http1_response *r)
{
	struct fhir_probe *p = g->arg;
	int probing = p->step <= F_METADATA_FHIR;
	if (status != NULL && probing) {
		/* FHIR has no port of its own: a web port that does not answer is not shown to be FHIR */
		json_object_set_new(p->s.out, "unanswered", json_string(status));
		svc_end(&p->s, "not_fhir");
	} else if (probing && r->status > 0 && !capability(p, r)) {
		/* no CapabilityStatement at "/": HAPI's usual base is /fhir */
		if (p->step == F_METADATA)
			next(p, F_METADATA_FHIR);
		else
			svc_end(&p->s, "not_fhir");
	} else if (probing) {
		next(p, F_SMART);
	} else {
		if (status == NULL && p->step == F_SMART)
			smart(p->s.out, r);
		else if (status == NULL)
			count(p->s.out, r);
		next(p, p->step + 1);
	}
}

static int fhir_begin(struct svc *s)
{
	struct fhir_probe *p = (struct fhir_probe *)s;
	const char *keys[] = {"base",         "software",         "version",       "fhir_version",
	                      "security",     "security_service", "smart_status",  "smart_authorize",
	                      "count_status", "count_total",      "count_entries", "unanswered"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		json_object_set_new(s->out, keys[i], json_null());
	int tls = s->port == 443 || s->port == 8443;
	json_object_set_new(s->out, "tls", json_boolean(tls));
	p->g = (struct clin_get){
	    .s = s, .tls = tls ? engine_state(s->e, &probe_fhir_module) : NULL, .done = on_get, .arg = p};
	p->step = F_METADATA;
	p->base = "";
	snprintf(p->path, sizeof p->path, "/metadata");
	p->g.path = p->path;
	p->g.body_cap = FHIR_BODY_MAX;
	return clin_get_start(&p->g);
}

static void fhir_stop(struct svc *s)
{
	clin_get_stop(&((struct fhir_probe *)s)->g);
}

static int fhir_setup(struct engine *e, void **state, char *err, size_t errlen)
{
	(void)e;
	if ((*state = svc_tls_ctx()) == NULL) {
		snprintf(err, errlen, "cannot set up the FHIR probe's TLS");
		return -ENOMEM;
	}
	return 0;
}

static void fhir_teardown(void *state)
{
	SSL_CTX_free(state);
}

static const uint16_t fhir_ports[] = {80, 443, 8080, 8443};
static const struct svc_ops fhir_ops = {
    .name = "fhir",
    .ports = fhir_ports,
    .nports = sizeof fhir_ports / sizeof fhir_ports[0],
    .size = sizeof(struct fhir_probe),
    .begin = fhir_begin,
    .stop = fhir_stop,
};

static int fhir_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &fhir_ops);
}

static const char *const fhir_observes[] = {
    "services[].fhir",
    "services[].fhir.status",
    "services[].fhir.tls",
    "services[].fhir.base",
    "services[].fhir.software",
    "services[].fhir.version",
    "services[].fhir.fhir_version",
    "services[].fhir.security",
    "services[].fhir.security_service",
    "services[].fhir.smart_status",
    "services[].fhir.smart_authorize",
    "services[].fhir.count_status",
    "services[].fhir.count_total",
    "services[].fhir.count_entries",
    "services[].fhir.unanswered",
    NULL,
};

const struct probe_module probe_fhir_module = {
    .name = "fhir",
    .unit = UNIT_SERVICE,
    .setup = fhir_setup,
    .teardown = fhir_teardown,
    .start = fhir_start,
    .observes = fhir_observes,
};
