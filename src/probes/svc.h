/*
 * The service probe kit: what every probe of an open port (UNIT_SERVICE, found by the
 * port sweep, probe_ports.c) shares, so that a protocol probe is its wire format and
 * its exchange, nothing else. The kit
 * - claims the unit when its port is one of the probe's, else does nothing;
 * - gives the probe its object in the "services" entry of the address and port
 *   (docs/OBSERVATIONS.md), "status" preset to "error";
 * - measures a shared address (a vendor's host serving many organizations) once per
 *   scan through share.h, other organizations getting the published object;
 * - registers the measurement as an op, so the organization's deadline stops it;
 * - opens connections through conn.c with the engine's scope, pacing and deadlines.
 *
 * A probe embeds struct svc first in its own state, starts its I/O in ops->begin and
 * calls svc_end() once with its status. It never reads or writes patient data.
 */
#ifndef VITALS_SVC_H
#define VITALS_SVC_H

#include <jansson.h>
#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conn.h"
#include "engine.h"

struct svc;

struct svc_ops {
	const char *name;            /* "redis": the member it writes in a services entry */
	const uint16_t *ports;       /* the ports it claims */
	size_t nports;               /* how many */
	size_t size;                 /* sizeof the probe's state (struct svc first) */
	int (*begin)(struct svc *s); /* starts the I/O; 0 or a negative errno */
	void (*stop)(struct svc *s); /* frees the probe's own I/O and memory; once, after svc_end
	                                or at the deadline; NULL: nothing to free */
};

struct svc {
	struct op op;               /* with the organization (the kit's) */
	struct engine *e;           /* the engine */
	const struct svc_ops *ops;  /* the probe */
	json_t *out;                /* the probe's object ("status" preset to "error"): fill it */
	char addr[64];              /* the service address, as text */
	unsigned port;              /* its port */
	char host[256];             /* the host name ("" for a given address) */
	struct sockaddr_storage sa; /* addr:port */
	socklen_t salen;
	/* the kit's own */
	char *key; /* shared: the measurement's key in the scan's share table */
};

/*
 * A UNIT_SERVICE module's start: 0 at once when the port is not one of ops->ports;
 * otherwise the measurement (shared when the unit is) and ops->begin. 0 or a negative
 * errno (a resource error makes the engine scan the organization again later).
 */
int svc_start(struct engine *e, struct domain_scan *ds, const struct unit *u, const struct svc_ops *ops);
/*
 * The measurement is over: s->out gets "status" = status (when not NULL), is published
 * for other organizations when shared, ops->stop is called and s freed. Call once.
 */
void svc_end(struct svc *s, const char *status);
/*
 * A TCP connection to s->sa through conn.c with the engine's scope, pacing and timeouts
 * and a read cap of `rcap` bytes, connecting when this returns 0; negative errno
 * otherwise (-EACCES: out of scope, nothing sent).
 */
int svc_connect(struct svc *s, const struct conn_hooks *h, void *arg, size_t rcap, struct conn **out);
/* The status word of a connection's end: "refused", "timeout", "closed", "oversized", ... */
const char *svc_conn_status(enum conn_status st);
/*
 * A client context for any TLS 1.0+ server, no verification (the probes record what answers
 * over TLS; the deep-TLS probe judges certificates): DICOM over TLS, the PACS and FHIR web
 * ports over TLS, FTP after AUTH TLS. NULL when out of memory. The caller frees it.
 */
SSL_CTX *svc_tls_ctx(void);
/* The services entry of addr:port in a domain document, or NULL. */
json_t *svc_entry(json_t *doc, const char *addr, unsigned port);

#endif
