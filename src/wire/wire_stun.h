/*
 * STUN and TURN messages on the wire (RFC 8489, RFC 8656), for the TURN probe: the four
 * requests it sends (Binding, Allocate without credentials, CreatePermission toward one peer
 * address, Refresh with lifetime 0) and the parser of the replies.
 *
 * Over TCP and TLS a STUN message is framed by its own header (20 bytes, the attribute
 * length in bytes 2-3); stun_frame() says how long the message at the start of a buffer is,
 * refusing anything over STUN_MSG_MAX, so a peer cannot grow the probe's buffer. The parser
 * keeps only what the probe records or judges by (the class and method, the error code, the
 * SOFTWARE, REALM and NONCE attributes, the relayed and mapped addresses, the lifetime) and
 * checks every attribute's framing and the length of those it reads: a reply that breaks
 * them is -EBADMSG, never a partial guess. It builds no ChannelData and no Send indication:
 * the probe asks for permissions, it never relays data. No I/O, no judgement.
 */
#ifndef VITALS_WIRE_STUN_H
#define VITALS_WIRE_STUN_H

#include <stddef.h>
#include <stdint.h>

#define STUN_HDR      20         /* bytes of the header */
#define STUN_MAGIC    0x2112A442 /* the magic cookie (RFC 8489 s5) */
#define STUN_MSG_MAX  4096       /* bytes of one message accepted */
#define STUN_TEXT_MAX 763        /* bytes of SOFTWARE, REALM, NONCE (RFC 8489 s14) */
#define STUN_TXID_LEN 12         /* bytes of a transaction id */
#define STUN_REQ_MAX  64         /* bytes any request built here takes */

/* Methods (RFC 8489 s18.2, RFC 8656 s17). */
#define STUN_BINDING           0x001
#define TURN_ALLOCATE          0x003
#define TURN_REFRESH           0x004
#define TURN_CREATE_PERMISSION 0x008

/* Classes, as the bits they occupy in the message type. */
#define STUN_REQUEST    0x0000
#define STUN_INDICATION 0x0010
#define STUN_SUCCESS    0x0100
#define STUN_ERROR      0x0110

/* An address from an XOR-MAPPED-ADDRESS or XOR-RELAYED-ADDRESS, or for XOR-PEER-ADDRESS. */
struct stun_addr {
	int family;     /* 4 or 6; 0 when absent */
	uint8_t ip[16]; /* network order; 4 bytes used for IPv4 */
	uint16_t port;  /* host order */
};

/* A parsed message: a view into the parsed buffer, valid while that buffer is. */
struct stun_msg {
	uint16_t method;             /* STUN_BINDING, TURN_ALLOCATE, ... */
	uint16_t cls;                /* STUN_REQUEST, STUN_SUCCESS, STUN_ERROR, STUN_INDICATION */
	uint8_t txid[STUN_TXID_LEN]; /* the transaction id */
	int error_code;              /* ERROR-CODE as class * 100 + number; 0 when absent */
	const uint8_t *software;     /* SOFTWARE's bytes (not NUL-terminated); NULL when absent */
	size_t software_len;         /* and their count */
	const uint8_t *realm;        /* REALM's bytes; NULL when absent */
	size_t realm_len;            /* and their count */
	int has_nonce;               /* a NONCE attribute came */
	int has_lifetime;            /* a LIFETIME attribute came */
	uint32_t lifetime;           /* its seconds */
	struct stun_addr mapped;     /* XOR-MAPPED-ADDRESS (family 0 when absent) */
	struct stun_addr relayed;    /* XOR-RELAYED-ADDRESS (family 0 when absent) */
	unsigned nattrs;             /* attributes in the message */
};

/*
 * The length of the message at the start of buf[0..len): 0 when fewer than STUN_HDR bytes
 * are there (more needed), the whole message's length (header included; it may be more
 * than len: read on), -EBADMSG when the header is not a STUN header (top bits, magic
 * cookie, a length that is not a multiple of 4), -E2BIG over STUN_MSG_MAX.
 */
int stun_frame(const uint8_t *buf, size_t len);

/* Parses the whole message buf[0..len) (len as stun_frame gave). 0, or -EBADMSG. */
int stun_parse(const uint8_t *buf, size_t len, struct stun_msg *out);

/* Requests, each written to out[0..cap) with the transaction id `txid`: its length, or -ENOSPC. */
int stun_build_binding(uint8_t *out, size_t cap, const uint8_t *txid);
/* Allocate for a UDP relay (REQUESTED-TRANSPORT 17), without credentials. */
int turn_build_allocate(uint8_t *out, size_t cap, const uint8_t *txid);
/* CreatePermission for one peer (XOR-PEER-ADDRESS); -EINVAL for a family other than 4 or 6. */
int turn_build_create_permission(uint8_t *out, size_t cap, const uint8_t *txid, const struct stun_addr *peer);
/* Refresh with LIFETIME `lifetime` (0 frees the allocation). */
int turn_build_refresh(uint8_t *out, size_t cap, const uint8_t *txid, uint32_t lifetime);

/* "192.0.2.1" or "2001:db8::1" into a stun_addr with port `port`: 0, or -EINVAL. */
int stun_addr_from_text(const char *text, uint16_t port, struct stun_addr *out);

#endif
