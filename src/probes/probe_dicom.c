/*
 * DICOM (module "dicom", UNIT_SERVICE on 104, 2761, 2762, 4242, 11112): one association
 * from the calling AE title VITALS to the called AE title VITALS-NOSUCH, which no archive
 * should know. The answer is recorded (A-ASSOCIATE-AC with each context's result, or
 * A-ASSOCIATE-RJ / A-ABORT with result, source and reason). After an accept: C-ECHO on the
 * Verification context, then a C-FIND at STUDY level (Study Root) whose only key is
 * StudyDate=19000101, a date no study has, so nothing can match; then A-RELEASE. Port 2762
 * is DICOM over TLS (PS3.15 B.1) through the connection layer's TLS. Never C-STORE, C-MOVE
 * or C-GET; data set bytes of an answer are counted, never kept; a pending C-FIND answer
 * (something matched after all) is aborted at once. Evidence: services[].dicom
 * (docs/OBSERVATIONS.md).
 */
#include <errno.h>
#include <stdlib.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "svc_clin.h"
#include "wire_dicom.h"

#define DICOM_TLS_PORT 2762
#define CALLED_AET     "VITALS-NOSUCH"
#define CALLING_AET    "VITALS"

enum dstep { D_ASSOC, D_ECHO, D_FIND, D_RELEASE };

struct dicom_probe {
	struct svc s; /* first */
	struct conn *c;
	enum dstep step;
	int find_ok;            /* the FIND context was accepted */
	struct dicom_dimse dim; /* the DIMSE answer being read */
};

static SSL_CTX *dicom_ctx(struct engine *e);

/* Every step returns 1 once it has ended the measurement (svc_end frees p), else 0. */
static int end(struct dicom_probe *p, const char *status)
{
	svc_end(&p->s, status);
	return 1;
}

static int send_pdu(struct dicom_probe *p, int (*build)(uint8_t *, size_t, uint16_t, size_t *), uint16_t id)
{
	uint8_t b[512];
	size_t len;
	if (build(b, sizeof b, id, &len) < 0 || conn_write(p->c, b, len) < 0)
		return end(p, "error");
	return 0;
}

static int send_release(struct dicom_probe *p)
{
	uint8_t b[16];
	size_t len;
	p->step = D_RELEASE;
	if (dicom_release_rq(b, sizeof b, &len) < 0 || conn_write(p->c, b, len) < 0)
		return end(p, "ok");
	return 0;
}

/* After the echo (or instead of it): the query, or the release. */
static int next_find(struct dicom_probe *p)
{
	if (!p->find_ok)
		return send_release(p);
	p->step = D_FIND;
	dicom_dimse_init(&p->dim);
	return send_pdu(p, dicom_find_rq, 2);
}

static void record_assoc(json_t *out, const struct dicom_assoc *a)
{
	const char *what = a->type == DICOM_ASSOC_AC   ? "accepted"
	                   : a->type == DICOM_ASSOC_RJ ? "rejected"
	                                               : "aborted";
	json_object_set_new(out, "association", json_string(what));
	if (a->type != DICOM_ASSOC_AC) {
		json_object_set_new(out, "reject",
		                    json_pack("{s:i, s:i, s:i}", "result", a->result, "source", a->source,
		                              "reason", a->reason));
		return;
	}
	int echo = dicom_ctx_result(a, DICOM_CTX_ECHO), find = dicom_ctx_result(a, DICOM_CTX_FIND);
	json_object_set_new(out, "echo_context", echo < 0 ? json_null() : json_integer(echo));
	json_object_set_new(out, "find_context", find < 0 ? json_null() : json_integer(find));
	json_object_set_new(out, "implementation_uid",
	                    a->impl_uid[0] ? json_string(a->impl_uid) : json_null());
	json_object_set_new(out, "implementation_version",
	                    a->impl_version[0] ? json_string(a->impl_version) : json_null());
	if (find != 0)
		json_object_set_new(out, "find", json_string("context_refused"));
}

static int on_assoc(struct dicom_probe *p, const uint8_t *pdu, size_t len)
{
	struct dicom_assoc a;
	int rc = dicom_assoc_parse(pdu, len, &a);
	if (rc < 0)
		return end(p, rc == -EPROTO ? "not_dicom" : "malformed");
	record_assoc(p->s.out, &a);
	if (a.type != DICOM_ASSOC_AC)
		return end(p, "ok");
	p->find_ok = dicom_ctx_result(&a, DICOM_CTX_FIND) == 0;
	if (dicom_ctx_result(&a, DICOM_CTX_ECHO) != 0)
		return next_find(p);
	p->step = D_ECHO;
	dicom_dimse_init(&p->dim);
	return send_pdu(p, dicom_echo_rq, 1);
}

/* A C-FIND answer: success (nothing matched), pending (something did: stop now) or a refusal. */
static int on_find_answer(struct dicom_probe *p)
{
	uint16_t st = p->dim.status;
	json_object_set_new(p->s.out, "find_status", p->dim.has_status ? json_integer(st) : json_null());
	if (st == 0xff00 || st == 0xff01) {
		static const uint8_t abort_pdu[10] = {DICOM_ABORT, 0, 0, 0, 0, 4, 0, 0, 0, 0};
		json_object_set_new(p->s.out, "find", json_string("matched"));
		(void)conn_write(p->c, abort_pdu, sizeof abort_pdu);
		return end(p, "ok");
	}
	json_object_set_new(p->s.out, "find",
	                    json_string(p->dim.has_status && st == 0 ? "success" : "refused"));
	return send_release(p);
}

/* A PDU during C-ECHO or C-FIND. */
static int on_dimse(struct dicom_probe *p, const uint8_t *pdu, size_t len)
{
	if (pdu[0] == DICOM_ABORT || pdu[0] == DICOM_RELEASE_RQ) {
		json_object_set_new(p->s.out, "aborted_at", json_string(p->step == D_ECHO ? "echo" : "find"));
		if (p->step == D_FIND)
			json_object_set_new(p->s.out, "find", json_string("aborted"));
		return end(p, "ok");
	}
	int rc = dicom_dimse_feed(&p->dim, pdu, len);
	if (rc < 0)
		return end(p, rc == -E2BIG ? "oversized" : "malformed");
	if (rc == 0)
		return 0;
	if (p->step == D_FIND)
		return on_find_answer(p);
	json_object_set_new(p->s.out, "echo_status",
	                    p->dim.has_status ? json_integer(p->dim.status) : json_null());
	return next_find(p);
}

static int on_pdu(struct dicom_probe *p, const uint8_t *pdu, size_t len)
{
	if (p->step == D_ASSOC)
		return on_assoc(p, pdu, len);
	if (p->step == D_RELEASE)
		return end(p, "ok"); /* A-RELEASE-RP, or whatever ends it */
	return on_dimse(p, pdu, len);
}

static void on_data(struct conn *c, void *arg)
{
	struct dicom_probe *p = arg;
	for (;;) {
		size_t len, pl;
		const uint8_t *d = conn_data(c, &len);
		int rc = dicom_pdu_frame(d, len, &pl);
		if (rc < 0) {
			end(p, p->step == D_ASSOC && rc == -EBADMSG ? "not_dicom"
			       : rc == -E2BIG                       ? "oversized"
			                                            : "malformed");
			return;
		}
		/* the PDU is read in place, and consumed only when the probe goes on */
		if (rc == 0 || on_pdu(p, d, pl) == 1)
			return;
		conn_consume(c, pl);
	}
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct dicom_probe *p = arg;
	(void)c;
	(void)err;
	/* a server that closes once it has answered has still answered */
	svc_end(&p->s, p->step == D_ASSOC ? svc_conn_status(st) : "ok");
}

static void send_assoc(struct dicom_probe *p)
{
	uint8_t b[512];
	size_t len;
	if (dicom_assoc_rq(b, sizeof b, CALLED_AET, CALLING_AET, &len) < 0 || conn_write(p->c, b, len) < 0)
		end(p, "error");
}

static void on_connected(struct conn *c, void *arg)
{
	struct dicom_probe *p = arg;
	if (p->s.port != DICOM_TLS_PORT) {
		send_assoc(p);
		return;
	}
	SSL_CTX *ctx = dicom_ctx(p->s.e);
	if (ctx == NULL || conn_start_tls(c, ctx, p->s.host[0] ? p->s.host : NULL) < 0)
		svc_end(&p->s, "error");
}

static void on_secured(struct conn *c, void *arg)
{
	(void)c;
	send_assoc(arg);
}

static const struct conn_hooks hooks = {
    .connected = on_connected, .secured = on_secured, .data = on_data, .done = on_done};

static int dicom_begin(struct svc *s)
{
	struct dicom_probe *p = (struct dicom_probe *)s;
	json_t *o = s->out;
	json_object_set_new(o, "tls", json_boolean(s->port == DICOM_TLS_PORT));
	json_object_set_new(o, "called_aet", json_string(CALLED_AET));
	json_object_set_new(o, "calling_aet", json_string(CALLING_AET));
	const char *nulls[] = {"association",        "reject",
	                       "echo_context",       "find_context",
	                       "implementation_uid", "implementation_version",
	                       "echo_status",        "find",
	                       "find_status",        "aborted_at"};
	for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
		json_object_set_new(o, nulls[i], json_null());
	return svc_connect(s, &hooks, p, DICOM_PDU_MAX, &p->c);
}

static void dicom_stop(struct svc *s)
{
	struct dicom_probe *p = (struct dicom_probe *)s;
	p->c = conn_free(p->c);
}

/* ---- module ---- */

static SSL_CTX *dicom_ctx(struct engine *e)
{
	return engine_state(e, &probe_dicom_module);
}

static int dicom_setup(struct engine *e, void **state, char *err, size_t errlen)
{
	(void)e;
	SSL_CTX *ctx = svc_tls_ctx();
	if (ctx == NULL) {
		snprintf(err, errlen, "cannot set up the DICOM probe's TLS");
		return -ENOMEM;
	}
	*state = ctx;
	return 0;
}

static void dicom_teardown(void *state)
{
	SSL_CTX_free(state);
}

static const uint16_t dicom_ports[] = {104, 2761, DICOM_TLS_PORT, 4242, 11112};
static const struct svc_ops dicom_ops = {
    .name = "dicom",
    .ports = dicom_ports,
    .nports = sizeof dicom_ports / sizeof dicom_ports[0],
    .size = sizeof(struct dicom_probe),
    .begin = dicom_begin,
    .stop = dicom_stop,
};

static int dicom_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &dicom_ops);
}

static const char *const dicom_observes[] = {
    "services[].dicom",
    "services[].dicom.status",
    "services[].dicom.tls",
    "services[].dicom.association",
    "services[].dicom.reject",
    "services[].dicom.echo_context",
    "services[].dicom.find_context",
    "services[].dicom.echo_status",
    "services[].dicom.find",
    "services[].dicom.find_status",
    "services[].dicom.implementation_uid",
    "services[].dicom.implementation_version",
    "services[].dicom.aborted_at",
    NULL,
};

const struct probe_module probe_dicom_module = {
    .name = "dicom",
    .unit = UNIT_SERVICE,
    .setup = dicom_setup,
    .teardown = dicom_teardown,
    .start = dicom_start,
    .observes = dicom_observes,
};
