/*
 * Elasticsearch and OpenSearch's root endpoint over plain HTTP/1.1 (Elastic's "Root API"
 * and OpenSearch's "Cluster information" pages): the `GET /` a scanner sends without
 * credentials, and the answer: 200 with a JSON object naming the cluster and its version
 * (open to anyone), or 401 with WWW-Authenticate (security on).
 *
 * The parser takes everything read so far: the response is whole at its Content-Length or,
 * without one, when the peer closed. It keeps the status, whether WWW-Authenticate came,
 * X-elastic-product, and from a JSON body cluster_name, version.number,
 * version.distribution ("opensearch") and tagline, copied into capped fields. Chunked
 * bodies are not decoded (the fields stay empty). It judges nothing.
 */
#ifndef VITALS_WIRE_ES_H
#define VITALS_WIRE_ES_H

#include <stddef.h>
#include <stdint.h>

#define ES_HEAD_MAX 16384 /* bytes of status line and headers accepted */
#define ES_BODY_MAX 49152 /* bytes of body accepted (a root answer: ~500) */

struct es_reply {
	int status;             /* the HTTP status code */
	int www_authenticate;   /* a WWW-Authenticate header came */
	int json;               /* the body is a JSON object */
	char product[64];       /* X-elastic-product ("Elasticsearch"), "" when absent */
	char cluster_name[128]; /* cluster_name, "" when absent */
	char version[64];       /* version.number */
	char distribution[32];  /* version.distribution ("opensearch"; Elasticsearch sends none) */
	char tagline[128];      /* tagline ("You Know, for Search") */
};

/* The request for `host` (the address, with its port) into buf: its length, or -ENOSPC. */
int es_request_build(char *buf, size_t cap, const char *host);

/*
 * The response in buf[0..len), `closed` when the peer has closed: 1 when whole, 0 when more
 * is needed, -E2BIG past ES_HEAD_MAX or ES_BODY_MAX, -EBADMSG when it is not an HTTP/1.x
 * response (or ends before its Content-Length).
 */
int es_reply_parse(const uint8_t *buf, size_t len, int closed, struct es_reply *out);

#endif
