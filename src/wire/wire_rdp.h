/*
 * RDP connection negotiation on the wire (MS-RDPBCGR 2.2.1.1 and 2.2.1.2): the client's
 * X.224 Connection Request carrying an RDP Negotiation Request (the security protocols it
 * offers), and the server's X.224 Connection Confirm with an RDP Negotiation Response (the
 * protocol it selected) or an RDP Negotiation Failure (why it refused), each in a TPKT
 * (RFC 1006). A Connection Confirm without negotiation data is a server that knows only
 * standard RDP security.
 *
 * It opens no socket and judges nothing: whether Network Level Authentication (CredSSP) is
 * required is the analyzer's conclusion from what servers select and refuse.
 */
#ifndef VITALS_WIRE_RDP_H
#define VITALS_WIRE_RDP_H

#include <stddef.h>
#include <stdint.h>

/* requestedProtocols / selectedProtocol bits (MS-RDPBCGR 2.2.1.1.1). */
#define RDP_PROTO_RDP       0x00u /* standard RDP security (no bit) */
#define RDP_PROTO_SSL       0x01u /* TLS */
#define RDP_PROTO_HYBRID    0x02u /* CredSSP (NLA) */
#define RDP_PROTO_RDSTLS    0x04u
#define RDP_PROTO_HYBRID_EX 0x08u /* CredSSP with Early User Authorization Result */

#define RDP_REQUEST_LEN 19u /* TPKT 4 + X.224 CR 7 + negotiation request 8 */
#define RDP_REPLY_MAX   512 /* a Connection Confirm is 11 or 19 bytes; a longer TPKT is refused */

/* What followed the Connection Confirm. */
enum rdp_neg {
	RDP_NEG_NONE = 0,     /* no negotiation data: standard RDP security only */
	RDP_NEG_RESPONSE = 2, /* TYPE_RDP_NEG_RSP: `value` is the selected protocol */
	RDP_NEG_FAILURE = 3,  /* TYPE_RDP_NEG_FAILURE: `value` is the failure code */
};

/* One parsed Connection Confirm. */
struct rdp_reply {
	enum rdp_neg type; /* response, failure or none */
	uint8_t flags;     /* the negotiation flags byte (0 without negotiation data) */
	uint32_t value;    /* selected protocol or failure code (0 without negotiation data) */
};

/* Writes the Connection Request offering `protocols` into buf[RDP_REQUEST_LEN]. */
void rdp_build_request(uint32_t protocols, uint8_t buf[RDP_REQUEST_LEN]);

/*
 * Parses the first TPKT of `len` received bytes: its length when it is whole and a
 * Connection Confirm (*r written), 0 when more bytes are needed, -EBADMSG when it is not a
 * Connection Confirm (or its negotiation data is malformed), -E2BIG over RDP_REPLY_MAX.
 */
int rdp_parse_reply(const uint8_t *b, size_t len, struct rdp_reply *r);

/* "rdp", "tls", "credssp", "rdstls", "credssp_ex" for one protocol value; NULL otherwise. */
const char *rdp_protocol_name(uint32_t proto);

/* The failure code's name ("hybrid_required_by_server", ...); NULL for an unknown code. */
const char *rdp_failure_name(uint32_t code);

#endif
