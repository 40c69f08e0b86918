/*
 * What the clinical service probes (probe_dicom.c, probe_pacs_web.c, probe_fhir.c) share:
 * one HTTP/1.0 GET over a service's
 * connection (svc_connect), TLS when asked, read under a cap with wire_http1.
 *
 * A GET with body_cap 0 reads the status and headers only and closes the connection then:
 * how the web probes ask for /patients and DICOMweb studies without reading any record.
 * It never follows redirects, never sends credentials and never writes.
 */
#ifndef VITALS_SVC_CLIN_H
#define VITALS_SVC_CLIN_H

#include <openssl/ssl.h>
#include <stddef.h>

#include "conn.h"
#include "svc.h"
#include "wire_http1.h"

struct clin_get;
/*
 * The GET is over: `status` is NULL when a response was read (r is then valid during the
 * call only), else the status word ("timeout", "refused", "not_http", "oversized", ...).
 * The callback may start the next GET on the same object.
 */
typedef void (*clin_get_cb)(struct clin_get *g, const char *status, const struct http1_response *r);

struct clin_get {
	struct svc *s;    /* the measurement: address, port, host name */
	SSL_CTX *tls;     /* TLS with this context, or NULL for cleartext */
	const char *path; /* "/metadata" (not copied) */
	size_t body_cap;  /* body bytes read; 0: the head only */
	clin_get_cb done; /* called once per clin_get_start that returned 0 */
	void *arg;        /* the owner's */
	struct conn *c;   /* the connection in flight (the helper's) */
	int over;         /* the callback has been called */
};

/* Starts g->path on g->s. 0, or a negative errno (the callback is then not called). */
int clin_get_start(struct clin_get *g);
/* Closes what is in flight; the callback is not called. Accepts a never-started object. */
void clin_get_stop(struct clin_get *g);

#endif
