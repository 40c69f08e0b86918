/*
 * Endpoints of `vitals tls`, as users write them on the command line and in its -f file:
 * `ADDR`, `ADDR:PORT`, `[V6]`, `[V6]:PORT`, a bare IPv6 address, `HOST` or `HOST:PORT`,
 * and on a file line after the endpoint, separated by blanks, `sni=NAME` and
 * `starttls=smtp`. A line's canonical text (tls_endpoint_text) reads back to the same
 * endpoint, so the command hands each endpoint to the engine (a target's domain) as that text.
 *
 * Pure parsing: no resolution, no scope (the engine resolves host names and guards
 * every address), no I/O.
 */
#ifndef VITALS_TLS_ENDPOINT_H
#define VITALS_TLS_ENDPOINT_H

#include <stddef.h>

#define TLS_ENDPOINT_NAME_MAX 254  /* a host name of at most 253 characters, and its NUL */
#define TLS_ENDPOINT_LINE_MAX 1024 /* longest line of an endpoints file */
#define TLS_ENDPOINT_TEXT_MAX 600  /* canonical text of any endpoint fits */

struct tls_endpoint {
	char name[TLS_ENDPOINT_NAME_MAX]; /* the host name (lower case), or the address (inet_ntop text) */
	int literal;                      /* name is an address: 4 or 6, else 0 */
	unsigned port;                    /* 1..65535, or 0: the default (443, or 25 with starttls=smtp) */
	char sni[TLS_ENDPOINT_NAME_MAX];  /* server name to send and match ("" none: a host's own) */
	int smtp;                         /* EHLO and STARTTLS before TLS */
};

/*
 * Parses one endpoint (s[0..len), no blanks) into *ep (sni and smtp cleared). Returns 0,
 * or -EINVAL with `why` saying what is wrong.
 */
int tls_endpoint_parse(const char *s, size_t len, struct tls_endpoint *ep, char *why, size_t whylen);

/*
 * Parses one line of an endpoints file: the endpoint, then `sni=NAME` and `starttls=smtp`
 * in any order, blanks between; `#` starts a comment. Returns 1 with *ep set, 0 for a
 * blank or comment line, or -EINVAL with `why` set.
 */
int tls_endpoint_line(const char *line, size_t len, struct tls_endpoint *ep, char *why, size_t whylen);

/* The port to connect to: the given one, else 25 with STARTTLS, else 443. */
unsigned tls_endpoint_port(const struct tls_endpoint *ep);

/*
 * The canonical line of *ep (the port always written), which tls_endpoint_line reads back to an
 * endpoint of the same name, port (tls_endpoint_port), server name and STARTTLS. Returns its
 * length, or -ENOSPC.
 */
int tls_endpoint_text(const struct tls_endpoint *ep, char *buf, size_t len);

#endif
