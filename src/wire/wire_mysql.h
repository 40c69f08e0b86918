/*
 * The MySQL/MariaDB client/server protocol's first packet (MySQL internals manual,
 * "Connection Phase": Protocol::Handshake v10 and the ERR packet): the server speaks first,
 * so a scanner sends nothing and reads the greeting, whose protocol version, server version
 * ("5.5.5-10.11.6-MariaDB-0+deb12u1"), capability flags (SSL offered) and default
 * authentication plugin are evidence; or the ERR packet a server sends to a host it will not
 * talk to (1130 "Host ... is not allowed to connect").
 *
 * The parser takes everything read so far, copies what it keeps into capped fields and
 * allocates nothing; it never logs in and judges nothing.
 */
#ifndef VITALS_WIRE_MYSQL_H
#define VITALS_WIRE_MYSQL_H

#include <stddef.h>
#include <stdint.h>

#define MYSQL_GREETING_MAX 1024       /* payload bytes of the greeting accepted (real ones: ~100) */
#define MYSQL_CLIENT_SSL   0x00000800 /* capability: the server offers TLS */

struct mysql_greeting {
	int is_error;         /* 1: an ERR packet instead of a handshake */
	unsigned protocol;    /* the protocol version byte (10) */
	char version[128];    /* server version, cut to fit */
	uint32_t conn_id;     /* connection id */
	uint32_t caps;        /* capability flags (the upper half 0 when the packet ends before it) */
	char auth_plugin[64]; /* default authentication plugin ("" when not sent) */
	unsigned err_code;    /* ERR: the error code */
	char err_msg[256];    /* ERR: its message, cut to fit */
};

/*
 * The greeting packet in buf[0..len): 1 when whole (*used its bytes), 0 when more are
 * needed, -E2BIG for a payload over MYSQL_GREETING_MAX, -EBADMSG for a sequence number
 * other than 0, an empty payload, a handshake whose fixed part is cut or unterminated, or
 * a first byte that is neither 0xff (ERR) nor a protocol version 9 or 10.
 */
int mysql_greeting_parse(const uint8_t *buf, size_t len, struct mysql_greeting *out, size_t *used);

#endif
