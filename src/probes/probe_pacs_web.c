/*
 * PACS web APIs (module "pacs_web", UNIT_SERVICE on 8042 and the web ports 80, 443, 8080,
 * 8443): Orthanc's REST API without credentials. GET /system identifies it (200 with a
 * JSON "Version", or 401/403 with an "Orthanc" realm); then GET /patients and
 * GET /dicom-web/studies?limit=1, each read up to its status line and headers only (the
 * connection is closed before any body, so no list of records is ever read). Over TLS on
 * 443 and 8443. Sends no credentials. Evidence: services[].pacs_web (docs/OBSERVATIONS.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probes.h"
#include "svc.h"
#include "svc_clin.h"
#include "wire_pacs.h"

enum pstep { P_SYSTEM, P_PATIENTS, P_DICOMWEB };

struct pacs_probe {
	struct svc s; /* first */
	struct clin_get g;
	enum pstep step;
};

static const char *const paths[] = {"/system", "/patients", "/dicom-web/studies?limit=1"};
static const char *const status_keys[] = {"system_status", "patients_status", "dicomweb_status"};

static int tls_port(unsigned port)
{
	return port == 443 || port == 8443;
}

/* /system: an Orthanc answering (its version), or locked with its realm; else not a PACS. */
static int identify(json_t *o, const struct http1_response *r)
{
	char realm[128];
	struct pacs_system sys;
	if (r->status == 200 && pacs_system_parse((const char *)r->body, r->body_len, &sys) == 0) {
		json_object_set_new(o, "product", json_string("orthanc"));
		json_object_set_new(o, "version", json_string(sys.version));
		json_object_set_new(o, "name", sys.name[0] ? json_string(sys.name) : json_null());
		return 1;
	}
	if ((r->status == 401 || r->status == 403) &&
	    http1_header(r, "WWW-Authenticate", realm, sizeof realm) == 0 && strcasestr(realm, "orthanc")) {
		json_object_set_new(o, "product", json_string("orthanc"));
		json_object_set_new(o, "realm", json_string(realm));
		return 1;
	}
	return 0;
}

/*
 * /system unanswered: on Orthanc's own port that leaves the question open; on a web port
 * shared with every site (80, 443, 8080, 8443) a server that does not answer it as Orthanc
 * is not shown to be a PACS, and the web probes judge that server.
 */
static const char *identify_failed(unsigned port, const char *status)
{
	return port == 8042 && strcmp(status, "not_http") != 0 ? status : "not_pacs_web";
}

static void on_get(struct clin_get *g, const char *status, const struct http1_response *r)
{
	struct pacs_probe *p = g->arg;
	if (status != NULL && p->step == P_SYSTEM) {
		json_object_set_new(p->s.out, "unanswered", json_string(status));
		svc_end(&p->s, identify_failed(p->s.port, status));
		return;
	}
	if (status != NULL) {
		svc_end(&p->s, "ok");
		return;
	}
	json_object_set_new(p->s.out, status_keys[p->step], json_integer(r->status));
	if (p->step == P_SYSTEM && !identify(p->s.out, r)) {
		svc_end(&p->s, "not_pacs_web");
		return;
	}
	if (p->step == P_DICOMWEB) {
		svc_end(&p->s, "ok");
		return;
	}
	p->step++;
	g->path = paths[p->step];
	g->body_cap = 0;
	if (clin_get_start(g) < 0)
		svc_end(&p->s, "ok");
}

static int pacs_begin(struct svc *s)
{
	struct pacs_probe *p = (struct pacs_probe *)s;
	const char *keys[] = {"product",       "version",         "name",           "realm",
	                      "system_status", "patients_status", "dicomweb_status"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		json_object_set_new(s->out, keys[i], json_null());
	json_object_set_new(s->out, "tls", json_boolean(tls_port(s->port)));
	p->g = (struct clin_get){.s = s,
	                         .tls = tls_port(s->port) ? engine_state(s->e, &probe_pacs_web_module) : NULL,
	                         .path = paths[P_SYSTEM],
	                         .body_cap = PACS_BODY_MAX,
	                         .done = on_get,
	                         .arg = p};
	return clin_get_start(&p->g);
}

static void pacs_stop(struct svc *s)
{
	clin_get_stop(&((struct pacs_probe *)s)->g);
}

static int pacs_setup(struct engine *e, void **state, char *err, size_t errlen)
{
	(void)e;
	if ((*state = svc_tls_ctx()) == NULL) {
		snprintf(err, errlen, "cannot set up the PACS web probe's TLS");
		return -ENOMEM;
	}
	return 0;
}

static void pacs_teardown(void *state)
{
	SSL_CTX_free(state);
}

static const uint16_t pacs_ports[] = {80, 443, 8042, 8080, 8443};
static const struct svc_ops pacs_ops = {
    .name = "pacs_web",
    .ports = pacs_ports,
    .nports = sizeof pacs_ports / sizeof pacs_ports[0],
    .size = sizeof(struct pacs_probe),
    .begin = pacs_begin,
    .stop = pacs_stop,
};

static int pacs_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &pacs_ops);
}

static const char *const pacs_observes[] = {
    "services[].pacs_web",
    "services[].pacs_web.status",
    "services[].pacs_web.tls",
    "services[].pacs_web.product",
    "services[].pacs_web.version",
    "services[].pacs_web.name",
    "services[].pacs_web.realm",
    "services[].pacs_web.system_status",
    "services[].pacs_web.patients_status",
    "services[].pacs_web.dicomweb_status",
    NULL,
};

const struct probe_module probe_pacs_web_module = {
    .name = "pacs_web",
    .unit = UNIT_SERVICE,
    .setup = pacs_setup,
    .teardown = pacs_teardown,
    .start = pacs_start,
    .observes = pacs_observes,
};
