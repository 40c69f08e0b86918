/*
 * The opening of the RFB (VNC) protocol (RFC 6143 s7.1): the server's ProtocolVersion
 * ("RFB 003.008\n"), the version a client answers with, and the server's security types
 * (version 3.7 and later: a count and a list, or a count of 0 and a reason; version 3.3: one
 * 32-bit type chosen by the server, 0 with a reason).
 *
 * It opens no socket, never chooses a security type and never authenticates: the probe
 * reads the offer and closes. Judging (security type None offered) is the analyzer's.
 */
#ifndef VITALS_WIRE_RFB_H
#define VITALS_WIRE_RFB_H

#include <stddef.h>
#include <stdint.h>

#define RFB_VERSION_LEN 12  /* "RFB xxx.yyy\n" */
#define RFB_TYPES_MAX   255 /* the count is one byte */
#define RFB_REASON_MAX  512 /* bytes of a refusal reason accepted; a longer one is refused */

#define RFB_SEC_INVALID 0
#define RFB_SEC_NONE    1
#define RFB_SEC_VNCAUTH 2

/* The server's security offer. */
struct rfb_security {
	unsigned ntypes;                 /* types offered (0: refused, see reason) */
	uint8_t types[RFB_TYPES_MAX];    /* in the server's order */
	char reason[RFB_REASON_MAX + 1]; /* the refusal reason, NUL-terminated ("" when none) */
};

/*
 * Parses the 12-byte ProtocolVersion: 1 and *major, *minor written when whole, 0 when more
 * bytes are needed, -EBADMSG when it is not one.
 */
int rfb_parse_version(const uint8_t *b, size_t len, unsigned *major, unsigned *minor);

/*
 * The version a client answers with (3.3, 3.7 or 3.8, never above the server's, RFC 6143
 * s7.1.1: versions between are read as the lower) into out[RFB_VERSION_LEN]; the minor
 * version chosen is returned (3, 7 or 8).
 */
unsigned rfb_client_version(unsigned major, unsigned minor, uint8_t out[RFB_VERSION_LEN]);

/*
 * Parses the security message for the chosen minor version (3: one 32-bit type; 7 or 8: a
 * list): the bytes it took when whole (*s written), 0 when more are needed, -EBADMSG when
 * malformed, -E2BIG when a reason is over RFB_REASON_MAX.
 */
int rfb_parse_security(const uint8_t *b, size_t len, unsigned minor, struct rfb_security *s);

/* "none", "vnc", "ra2", "tight", "vencrypt", ... for a security type; NULL when unnamed. */
const char *rfb_security_name(uint8_t type);

#endif
