/*
 * Quoting network text into error messages: a bounded, printable-ASCII excerpt
 * of untrusted bytes, so a parser's message never carries control characters
 * or unbounded input. Shared by the wire parsers; no I/O.
 */
#ifndef VITALS_WIRE_TEXT_H
#define VITALS_WIRE_TEXT_H

#include <jansson.h>
#include <stddef.h>

/*
 * Copies at most `max` bytes of s[0..len) into dst (dstsz bytes, NUL-terminated),
 * non-printable bytes as '?', and "..." when cut. Returns dst.
 */
const char *text_excerpt(char *dst, size_t dstsz, const char *s, size_t len, size_t max);

/*
 * Network text as a JSON string: valid UTF-8 is kept as it is; every byte that is
 * not part of a valid sequence (a Latin-1 header, a body cut mid-character by a
 * cap) becomes U+FFFD, so evidence is never dropped for its encoding. NUL bytes
 * are kept (JSON can hold them). Returns a new reference, or NULL without memory.
 */
json_t *text_json(const char *s, size_t len);

#endif
