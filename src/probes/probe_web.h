/*
 * The web probe (module probe_web_module, probes.h) keeps per engine one libcurl
 * multi handle driven by the engine's libevent loop (multi-socket API). Fetches never resolve names (every
 * connection goes to the address our resolver gave, with CURLOPT_CONNECT_TO, and the socket-open callback
 * refuses any other address), never follow redirects and refuse any address outside scope.
 *
 * The redirect chain of http://HOST/ is followed by the probe itself, and only
 * within the site: web_hop_parse and web_hop_refusal (pure, unit-tested) decide
 * where a Location points and whether the probe may go there.
 */
#ifndef VITALS_PROBE_WEB_H
#define VITALS_PROBE_WEB_H

#include <event2/event.h>
#include <jansson.h>
#include <stddef.h>

#include "scope.h"

#define WEB_URL_MAX 2048 /* longer Location targets are not followed */

/* Where a Location header points, made absolute against the URL that sent it. */
struct web_hop {
	char url[WEB_URL_MAX]; /* absolute URL, its host in ASCII (punycode) */
	char scheme[8];        /* "http", "https", or another (not followed) */
	char host[256];        /* ASCII host name or address, as curl will connect to it */
	char port[8];          /* port, the scheme's default when absent; "" for unknown schemes */
};

/*
 * Parses `loc` against `base` into *t. Internationalized host names are converted
 * to punycode (the form curl resolves); a host that is still not plain ASCII is
 * refused. Returns 0, or -EINVAL (unusable), -E2BIG (too long), -ENOMEM.
 */
int web_hop_parse(const char *base, const char *loc, struct web_hop *t);

/*
 * Whether the probe may fetch hop t of the chain of `site` (a domain name): only
 * http on port 80 and https on port 443, and only the site itself or its
 * subdomains. Returns NULL when it may; else a text, with *reason set to
 * "scheme", "port" or "off_site".
 */
const char *web_hop_refusal(const struct web_hop *t, const char *site, const char **reason);

struct engine;
struct domain_scan;

/* A single GET another probe asks of the web probe's curl loop (web_get). */
struct web_get {
	const char *url;         /* what to fetch */
	const char *host;        /* the URL's host, as written in it */
	const char *port;        /* its port, "443" for https */
	const char *addr;        /* the address to connect to (resolved and checked by the caller) */
	size_t body_cap;         /* body bytes kept (more: truncated); 0 keeps none */
	void (*done)(void *arg); /* called from the loop once the fetch object is complete */
	void *arg;               /* its argument */
};

/*
 * One fetch for another probe (the MTA-STS policy of probe_mailpol.c) with this module's
 * guards: curl connects only to g->addr, and only when it is in scope; no proxy; no
 * redirect followed; the body kept up to g->body_cap; the connection timeout as its total
 * deadline. Unlike the web's own fetches the certificate must verify, against --ca-file
 * (else the system's store) and the URL's host: a failure is status "tls_error". Fills
 * `out` as a fetch object (docs/OBSERVATIONS.md); g->done runs once when it has ended,
 * also when the organization's deadline cut it ("timeout"), never from inside this call.
 * Returns 0, or a negative errno when it could not start (g->done is then not called).
 */
int web_get(struct engine *e, struct domain_scan *ds, json_t *out, const struct web_get *g);

#endif
