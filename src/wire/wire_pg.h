/*
 * The PostgreSQL frontend/backend protocol 3.0 as far as the authentication exchange
 * (PostgreSQL documentation, "Message Flow" and "Message Formats"): the StartupMessage a
 * scanner sends, and the server's first answer to it: an authentication request
 * (AuthenticationOk when `trust` lets anyone in; cleartext, MD5, SASL with its mechanisms,
 * GSS or SSPI when a password or ticket is needed), an ErrorResponse (no pg_hba.conf entry,
 * too many connections) or a NegotiateProtocolVersion.
 *
 * The startup names a user and database no real server has, so even under `trust` the
 * session ends at once (the role does not exist): it never logs in as anyone real, never
 * sends a query. The parser takes everything read so far, copies what it keeps into its
 * own capped fields and allocates nothing; it judges nothing.
 */
#ifndef VITALS_WIRE_PG_H
#define VITALS_WIRE_PG_H

#include <stddef.h>
#include <stdint.h>

#define PG_MSG_MAX      8192   /* the largest first message accepted (an error text is short) */
#define PG_PROTOCOL_3   196608 /* 3.0: (3 << 16) | 0 */
#define PG_STARTUP_USER "vitals-probe"
#define PG_STARTUP_DB   "vitals-probe"

/* Authentication request codes (the Int32 after 'R'). */
enum pg_auth {
	PG_AUTH_OK = 0,
	PG_AUTH_KERBEROS = 2,
	PG_AUTH_CLEARTEXT = 3,
	PG_AUTH_MD5 = 5,
	PG_AUTH_GSS = 7,
	PG_AUTH_SSPI = 9,
	PG_AUTH_SASL = 10,
};

/* The server's first message. */
struct pg_reply {
	char type;            /* 'R' authentication, 'E' error, 'v' NegotiateProtocolVersion */
	int32_t auth;         /* 'R': the request code (enum pg_auth) */
	char mechs[256];      /* 'R' SASL: its mechanisms, comma-joined ("SCRAM-SHA-256") */
	char severity[16];    /* 'E': field S ("FATAL") */
	char sqlstate[8];     /* 'E': field C ("28000") */
	char message[256];    /* 'E': field M, cut to fit */
	int32_t newest_minor; /* 'v': the newest minor version the server supports */
};

/* The StartupMessage for PG_STARTUP_USER and PG_STARTUP_DB into buf; its length or -ENOSPC. */
int pg_startup_build(uint8_t *buf, size_t cap);

/*
 * The first backend message in buf[0..len): 1 when whole (*used its bytes), 0 when more
 * are needed, -E2BIG for a length over PG_MSG_MAX, -EBADMSG for a type other than R, E
 * or v, a length that cannot be, or a body that does not fit its type.
 */
int pg_reply_parse(const uint8_t *buf, size_t len, struct pg_reply *out, size_t *used);

/* A name for an authentication code: "ok", "cleartext", "md5", "sasl", "gss", "sspi", ... */
const char *pg_auth_name(int32_t auth);

#endif
