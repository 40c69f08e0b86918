/*
 * SMB negotiation on the wire over direct TCP (port 445: a 4-byte header, a zero byte and
 * a 24-bit length, before each message; MS-SMB2 2.1): the SMB2 NEGOTIATE request
 * (MS-SMB2 2.2.3, dialects 2.0.2 to 3.1.1, signing enabled, with the preauthentication
 * integrity context 3.1.1 needs), an SMB1 NEGOTIATE offering only "NT LM 0.12"
 * (MS-CIFS 2.2.4.52), and the server's reply to either: its dialect and SecurityMode.
 *
 * It opens no socket and goes no further than NEGOTIATE: no session, no share, no file. It
 * judges nothing: SMBv1 accepted, signing required, are the analyzer's conclusions.
 */
#ifndef VITALS_WIRE_SMB_H
#define VITALS_WIRE_SMB_H

#include <stddef.h>
#include <stdint.h>

#define SMB2_NEGOTIATE_LEN                                                                                   \
	162                   /* transport header 4 + SMB2 header 64 + body 36 + 5 dialects + pad + context */
#define SMB1_NEGOTIATE_LEN 51 /* transport header 4 + SMB1 header 32 + WordCount, ByteCount, one dialect */
#define SMB_REPLY_MAX      16384 /* a negotiate response with its security blob; a longer message is refused */

/* SMB2 SecurityMode bits (MS-SMB2 2.2.4). */
#define SMB2_SIGNING_ENABLED  0x01u
#define SMB2_SIGNING_REQUIRED 0x02u
/* SMB1 SecurityMode bits (MS-CIFS 2.2.4.52.2). */
#define SMB1_SIGNING_ENABLED  0x04u
#define SMB1_SIGNING_REQUIRED 0x08u
#define SMB1_NO_DIALECT       0xFFFFu /* DialectIndex when no offered dialect is accepted */

/* One parsed reply to a NEGOTIATE. */
struct smb_reply {
	unsigned version;       /* 1 (an SMB1 header) or 2 (an SMB2 header) */
	uint32_t status;        /* the header's NT status (0: success) */
	int negotiated;         /* 1 when a negotiate response body was read (dialect, security_mode) */
	uint16_t dialect;       /* SMB2 DialectRevision; SMB1 DialectIndex (SMB1_NO_DIALECT: none) */
	uint16_t security_mode; /* SMB2 SecurityMode; SMB1 SecurityMode byte (0 when absent) */
};

/* Writes the SMB2 NEGOTIATE request into buf[SMB2_NEGOTIATE_LEN]. */
void smb2_build_negotiate(uint8_t buf[SMB2_NEGOTIATE_LEN]);

/* Writes the SMB1 NEGOTIATE request into buf[SMB1_NEGOTIATE_LEN]. */
void smb1_build_negotiate(uint8_t buf[SMB1_NEGOTIATE_LEN]);

/*
 * Parses the first message of `len` received bytes: its size with the transport header when
 * whole (*r written), 0 when more bytes are needed, -EBADMSG when it is not an SMB1 or SMB2
 * reply to NEGOTIATE (or too short for one), -E2BIG over SMB_REPLY_MAX.
 */
int smb_parse_reply(const uint8_t *b, size_t len, struct smb_reply *r);

/* "2.0.2", "2.1", "3.0", "3.0.2", "3.1.1", "2.x" (the 0x02FF wildcard); NULL otherwise. */
const char *smb2_dialect_name(uint16_t dialect);

#endif
