/*
 * `vitals serve`: the web server of the disclosure program (and, as SERVE-CARDS lands,
 * the live scorecards), on libmicrohttpd. One internal polling thread serves every
 * connection, so the database connections are used by one thread only; connections
 * are capped (SERVE_CONN_LIMIT) and each is closed after SERVE_CONN_TIMEOUT seconds
 * of silence (docs/SERVE.md says why).
 *
 * serve_start returns once the socket listens; serve_stop waits for the thread to end.
 * It neither parses the command line nor handles signals (cmd_serve.c does).
 */
#ifndef VITALS_SERVE_H
#define VITALS_SERVE_H

#include <stddef.h>

#include "vdp_seal.h"

#define SERVE_CONN_LIMIT   64 /* connections at once; more wait in the listen queue */
#define SERVE_CONN_TIMEOUT 30 /* seconds a connection may stay idle */

struct store;
struct vdp;
struct serve;

struct serve_config {
	const char *addr;     /* listen address (IPv4 or IPv6 literal) */
	unsigned port;        /* listen port (0: any free port) */
	const char *base_url; /* absolute URL the pages and security.txt name, without a trailing '/' */
	int behind_https;     /* a reverse proxy terminates TLS: send HSTS */
	const char *tls_cert; /* PEM text of the certificate chain, or NULL (plain HTTP) */
	const char *tls_key;  /* PEM text of its key, or NULL */
};

/*
 * Starts serving. `st` (the scans), `v` (the program tables) and `keys` must outlive the
 * server. 0 with *out set, or a negative errno and the reason in `err`.
 */
int serve_start(const struct serve_config *cfg, struct store *st, struct vdp *v, const struct seal_keys *keys,
                struct serve **out, char *err, size_t errlen);
/* The port the server listens on (useful when 0 was asked). */
unsigned serve_port(const struct serve *s);
/* Stops accepting, finishes the thread, frees the server. NULL-safe; returns NULL. */
struct serve *serve_stop(struct serve *s);

#endif
