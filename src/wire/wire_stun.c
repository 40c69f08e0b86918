/* STUN and TURN messages: see wire_stun.h. */
#include "wire_stun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* Attribute types (RFC 8489 s18.3, RFC 8656 s18). */
#define ATTR_ERROR_CODE          0x0009
#define ATTR_LIFETIME            0x000D
#define ATTR_XOR_PEER_ADDRESS    0x0012
#define ATTR_REALM               0x0014
#define ATTR_NONCE               0x0015
#define ATTR_XOR_RELAYED_ADDRESS 0x0016
#define ATTR_REQUESTED_TRANSPORT 0x0019
#define ATTR_XOR_MAPPED_ADDRESS  0x0020
#define ATTR_SOFTWARE            0x8022

#define PROTO_UDP 17

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

int stun_frame(const uint8_t *buf, size_t len)
{
	if (len < STUN_HDR)
		return 0;
	uint16_t alen = get16(buf + 2);
	/* The two top bits of every STUN message are zero; that and the cookie tell STUN apart. */
	if ((buf[0] & 0xC0) != 0 || get32(buf + 4) != STUN_MAGIC || alen % 4 != 0)
		return -EBADMSG;
	if ((size_t)alen + STUN_HDR > STUN_MSG_MAX)
		return -E2BIG;
	return STUN_HDR + alen;
}

/* An XOR-*-ADDRESS value (RFC 8489 s14.2): the port and address XORed with the cookie and txid. */
static int parse_xaddr(const uint8_t *v, size_t len, const uint8_t *hdr, struct stun_addr *out)
{
	if (len < 4 || v[0] != 0)
		return -EBADMSG;
	size_t alen = v[1] == 0x01 ? 4 : v[1] == 0x02 ? 16 : 0;
	if (alen == 0 || len != 4 + alen)
		return -EBADMSG;
	out->family = alen == 4 ? 4 : 6;
	out->port = get16(v + 2) ^ (uint16_t)(STUN_MAGIC >> 16);
	/* The key is the cookie and then the transaction id: bytes 4..20 of the header. */
	for (size_t i = 0; i < alen; i++)
		out->ip[i] = v[4 + i] ^ hdr[4 + i];
	return 0;
}

/* ERROR-CODE (RFC 8489 s14.8): class 3-6 in bits 8-10, number 0-99, then a reason. */
static int parse_error(const uint8_t *v, size_t len, int *code)
{
	if (len < 4 || v[3] > 99 || (v[2] & 0x07) < 3 || (v[2] & 0x07) > 6)
		return -EBADMSG;
	*code = (v[2] & 0x07) * 100 + v[3];
	return 0;
}

static int parse_text(const uint8_t *v, size_t len, const uint8_t **p, size_t *n)
{
	if (len > STUN_TEXT_MAX)
		return -EBADMSG;
	*p = v;
	*n = len;
	return 0;
}

/* One attribute: only the first of a type counts (RFC 8489 s14), later ones are skipped. */
static int parse_attr(uint16_t type, const uint8_t *v, size_t len, const uint8_t *hdr, struct stun_msg *m)
{
	switch (type) {
	case ATTR_ERROR_CODE:
		return m->error_code ? 0 : parse_error(v, len, &m->error_code);
	case ATTR_LIFETIME:
		if (len != 4)
			return -EBADMSG;
		if (!m->has_lifetime)
			m->lifetime = get32(v);
		m->has_lifetime = 1;
		return 0;
	case ATTR_SOFTWARE:
		return m->software ? 0 : parse_text(v, len, &m->software, &m->software_len);
	case ATTR_REALM:
		return m->realm ? 0 : parse_text(v, len, &m->realm, &m->realm_len);
	case ATTR_NONCE:
		m->has_nonce = 1;
		return len <= STUN_TEXT_MAX ? 0 : -EBADMSG;
	case ATTR_XOR_MAPPED_ADDRESS:
		return m->mapped.family ? 0 : parse_xaddr(v, len, hdr, &m->mapped);
	case ATTR_XOR_RELAYED_ADDRESS:
		return m->relayed.family ? 0 : parse_xaddr(v, len, hdr, &m->relayed);
	default:
		return 0;
	}
}

int stun_parse(const uint8_t *buf, size_t len, struct stun_msg *out)
{
	int n = stun_frame(buf, len);
	if (n <= 0 || (size_t)n != len)
		return -EBADMSG;
	struct stun_msg m;
	memset(&m, 0, sizeof m);
	uint16_t type = get16(buf);
	m.cls = type & 0x0110;
	m.method = (uint16_t)((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
	memcpy(m.txid, buf + 8, STUN_TXID_LEN);
	for (size_t off = STUN_HDR; off < len; m.nattrs++) {
		if (len - off < 4)
			return -EBADMSG;
		uint16_t at = get16(buf + off), al = get16(buf + off + 2);
		size_t padded = ((size_t)al + 3) & ~(size_t)3;
		if (padded > len - off - 4 || parse_attr(at, buf + off + 4, al, buf, &m) < 0)
			return -EBADMSG;
		off += 4 + padded;
	}
	*out = m;
	return 0;
}

/* The header of a request of `method` with `alen` bytes of attributes. */
static void put_header(uint8_t *out, uint16_t method, size_t alen, const uint8_t *txid)
{
	uint16_t type = (uint16_t)((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2));
	put16(out, type);
	put16(out + 2, (uint16_t)alen);
	put32(out + 4, STUN_MAGIC);
	memcpy(out + 8, txid, STUN_TXID_LEN);
}

/* A request with one attribute of `vlen` bytes (a multiple of 4), or none when `value` is NULL. */
static int build1(uint8_t *out, size_t cap, uint16_t method, const uint8_t *txid, uint16_t at,
                  const uint8_t *value, size_t vlen)
{
	size_t alen = value ? 4 + vlen : 0;
	if (cap < STUN_HDR + alen)
		return -ENOSPC;
	put_header(out, method, alen, txid);
	if (value) {
		put16(out + STUN_HDR, at);
		put16(out + STUN_HDR + 2, (uint16_t)vlen);
		memcpy(out + STUN_HDR + 4, value, vlen);
	}
	return (int)(STUN_HDR + alen);
}

int stun_build_binding(uint8_t *out, size_t cap, const uint8_t *txid)
{
	return build1(out, cap, STUN_BINDING, txid, 0, NULL, 0);
}

int turn_build_allocate(uint8_t *out, size_t cap, const uint8_t *txid)
{
	const uint8_t transport[4] = {PROTO_UDP, 0, 0, 0};
	return build1(out, cap, TURN_ALLOCATE, txid, ATTR_REQUESTED_TRANSPORT, transport, sizeof transport);
}

int turn_build_create_permission(uint8_t *out, size_t cap, const uint8_t *txid, const struct stun_addr *peer)
{
	uint8_t v[20], key[16];
	size_t alen = peer->family == 4 ? 4 : peer->family == 6 ? 16 : 0;
	if (alen == 0)
		return -EINVAL;
	put32(key, STUN_MAGIC);
	memcpy(key + 4, txid, STUN_TXID_LEN);
	v[0] = 0;
	v[1] = alen == 4 ? 0x01 : 0x02;
	put16(v + 2, peer->port ^ (uint16_t)(STUN_MAGIC >> 16));
	for (size_t i = 0; i < alen; i++)
		v[4 + i] = peer->ip[i] ^ key[i];
	return build1(out, cap, TURN_CREATE_PERMISSION, txid, ATTR_XOR_PEER_ADDRESS, v, 4 + alen);
}

int turn_build_refresh(uint8_t *out, size_t cap, const uint8_t *txid, uint32_t lifetime)
{
	uint8_t v[4];
	put32(v, lifetime);
	return build1(out, cap, TURN_REFRESH, txid, ATTR_LIFETIME, v, sizeof v);
}

int stun_addr_from_text(const char *text, uint16_t port, struct stun_addr *out)
{
	struct stun_addr a;
	memset(&a, 0, sizeof a);
	if (inet_pton(AF_INET, text, a.ip) == 1)
		a.family = 4;
	else if (inet_pton(AF_INET6, text, a.ip) == 1)
		a.family = 6;
	else
		return -EINVAL;
	a.port = port;
	*out = a;
	return 0;
}
