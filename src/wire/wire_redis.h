/*
 * Redis replies on the wire (RESP2, the Redis serialization protocol), read under caps,
 * for the service probe that asks an exposed Redis "PING" and "INFO server" without
 * credentials. A reply is a type byte and a line: '+' a simple string, '-' an error,
 * ':' an integer, '$' a bulk string of the given length (then its bytes and CR LF; -1
 * is null), '*' an array (only its count is read: the probe sends no command that
 * answers one). The INFO text is "key:value" lines; only redis_version is taken.
 *
 * It opens no socket and judges nothing: the probe records what came.
 */
#ifndef VITALS_WIRE_REDIS_H
#define VITALS_WIRE_REDIS_H

#include <stddef.h>
#include <stdint.h>

#define REDIS_LINE_MAX    512           /* a simple string, error or length line */
#define REDIS_BULK_MAX    (64u * 1024u) /* a bulk string (INFO server is about 1.5 KB) */
#define REDIS_VERSION_MAX 32            /* a version string kept */

/* What the probe sends: "PING", then "INFO server", as RESP arrays. */
extern const char redis_request[];
extern const size_t redis_request_len;

struct redis_reply {
	char type;                 /* '+', '-', ':', '$', '*' */
	char line[REDIS_LINE_MAX]; /* the line after the type byte (NUL-terminated, CR LF cut) */
	const uint8_t *bulk;       /* '$': the bytes (in the caller's buffer), NULL for a null bulk */
	size_t bulk_len;           /* '$': their count */
};

/*
 * Reads one reply from the front of data[0..len): the bytes it took (> 0), 0 when more
 * are needed, -EPROTO when the first byte is no RESP type (something else answered),
 * -EBADMSG for a malformed reply, -E2BIG past a cap.
 */
int redis_reply_parse(const uint8_t *data, size_t len, struct redis_reply *out);

/* The redis_version of an INFO text into out (NUL-terminated); 0, or -ENOENT. */
int redis_info_version(const uint8_t *info, size_t len, char *out, size_t outlen);

#endif
