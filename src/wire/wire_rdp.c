/* RDP connection negotiation: see wire_rdp.h. */
#include "wire_rdp.h"

#include <errno.h>
#include <string.h>

#define TPKT_VERSION 3
#define X224_CR      0xE0 /* Connection Request TPDU code */
#define X224_CC      0xD0 /* Connection Confirm TPDU code (high nibble; low nibble is CDT) */
#define NEG_LEN      8    /* every negotiation structure is 8 bytes */

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void rdp_build_request(uint32_t protocols, uint8_t buf[RDP_REQUEST_LEN])
{
	/* No routing token and no cookie: the cookie carries a user name, and we have none. */
	static const uint8_t head[] = {TPKT_VERSION,
	                               0,
	                               0,
	                               RDP_REQUEST_LEN,
	                               RDP_REQUEST_LEN - 5,
	                               X224_CR,
	                               0,
	                               0,
	                               0,
	                               0,
	                               0,
	                               1 /* TYPE_RDP_NEG_REQ */,
	                               0,
	                               NEG_LEN,
	                               0};
	memcpy(buf, head, sizeof head);
	put_le32(buf + sizeof head, protocols);
}

/* The negotiation structure after the 7-byte X.224 header, `n` bytes of it. */
static int parse_neg(const uint8_t *p, size_t n, struct rdp_reply *r)
{
	if (n == 0) {
		*r = (struct rdp_reply){RDP_NEG_NONE, 0, 0};
		return 0;
	}
	if (n != NEG_LEN || (p[2] | p[3] << 8) != NEG_LEN ||
	    (p[0] != RDP_NEG_RESPONSE && p[0] != RDP_NEG_FAILURE))
		return -EBADMSG;
	*r = (struct rdp_reply){(enum rdp_neg)p[0], p[1], get_le32(p + 4)};
	return 0;
}

int rdp_parse_reply(const uint8_t *b, size_t len, struct rdp_reply *r)
{
	if (len < 4)
		return len > 0 && b[0] != TPKT_VERSION ? -EBADMSG : 0;
	size_t tlen = (size_t)b[2] << 8 | b[3];
	if (b[0] != TPKT_VERSION || tlen < 11)
		return -EBADMSG;
	if (tlen > RDP_REPLY_MAX)
		return -E2BIG;
	if (len < tlen)
		return 0;
	/* X.224 length indicator counts the TPDU header after itself, data included here. */
	if ((size_t)b[4] + 5 != tlen || (b[5] & 0xF0) != X224_CC)
		return -EBADMSG;
	struct rdp_reply tmp;
	int rc = parse_neg(b + 11, tlen - 11, &tmp);
	if (rc < 0)
		return rc;
	*r = tmp;
	return (int)tlen;
}

const char *rdp_protocol_name(uint32_t proto)
{
	switch (proto) {
	case RDP_PROTO_RDP:
		return "rdp";
	case RDP_PROTO_SSL:
		return "tls";
	case RDP_PROTO_HYBRID:
		return "credssp";
	case RDP_PROTO_RDSTLS:
		return "rdstls";
	case RDP_PROTO_HYBRID_EX:
		return "credssp_ex";
	}
	return NULL;
}

const char *rdp_failure_name(uint32_t code)
{
	static const char *const names[] = {
	    NULL,
	    "ssl_required_by_server",
	    "ssl_not_allowed_by_server",
	    "ssl_cert_not_on_server",
	    "inconsistent_flags",
	    "hybrid_required_by_server",
	    "ssl_with_user_auth_required_by_server",
	};
	return code < sizeof names / sizeof names[0] ? names[code] : NULL;
}
