/*
 * A whole HTTP/1.x response as read off a connection that the server closes (the clinical
 * web probes ask with HTTP/1.0, so no chunked coding and no keep-alive): the status code,
 * a header's value, and the body, which ends at Content-Length or at the close.
 *
 * It reads at most HTTP1_HEAD_MAX bytes of head; the body is whatever the caller's read cap
 * let in (a body cut by the cap is marked truncated, never an error). It never allocates and
 * returns spans into the caller's buffer. Opens no socket and judges nothing.
 */
#ifndef VITALS_WIRE_HTTP1_H
#define VITALS_WIRE_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#define HTTP1_HEAD_MAX 16384 /* a longer head is the peer's -E2BIG */

struct http1_response {
	int status;          /* 100-599 */
	int minor;           /* HTTP/1.minor */
	const uint8_t *head; /* the header lines (after the status line), CR LF separated */
	size_t head_len;
	const uint8_t *body; /* the body bytes present */
	size_t body_len;
	long long content_length; /* -1 when absent or unreadable */
	int truncated;            /* fewer body bytes than Content-Length said */
};

/*
 * Parses `len` bytes read so far. 1 and *out when the head is whole and the body complete
 * (Content-Length reached, or `closed`: the peer ended the stream); 0 when more is needed;
 * -EBADMSG when the bytes are not an HTTP/1.x response; -E2BIG for a head over the cap.
 */
int http1_parse(const uint8_t *buf, size_t len, int closed, struct http1_response *out);

/*
 * The value of the first header called `name` (case-insensitive), blanks trimmed, copied
 * into dst (NUL-terminated, cut to dstlen, control bytes as '?'). 0, or -ENOENT.
 */
int http1_header(const struct http1_response *r, const char *name, char *dst, size_t dstlen);

#endif
