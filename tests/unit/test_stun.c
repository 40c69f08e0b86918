/*
 * wire_stun on canned bytes: the RFC 5769 sample responses, TURN replies as coturn sends
 * them (401 with REALM and NONCE, an Allocate success, a 403), the requests byte for byte,
 * the framing and every malformed attribute the parser must refuse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "wire_stun.h"

static const uint8_t txid[12] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

/* RFC 5769 s2.2: a Binding success with SOFTWARE, XOR-MAPPED-ADDRESS, integrity, fingerprint. */
static const uint8_t rfc5769_v4[] = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0x19, 0x38, 0xc1, 0x83, 0x8b,
    0x6e, 0x5b, 0x6a, 0xcd, 0xb5, 0xc1, 0xee, 0x1e, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

/* RFC 5769 s2.3: the same with an IPv6 mapped address. */
static const uint8_t rfc5769_v6[] = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};

/* An Allocate error 401 with NONCE, REALM "turn.test" and SOFTWARE, as coturn answers it. */
static const uint8_t alloc_401[] = {
    0x01, 0x13, 0x00, 0x44, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    /* ERROR-CODE 401 "Unauthorized" */
    0x00, 0x09, 0x00, 0x10, 0x00, 0x00, 0x04, 0x01, 'U', 'n', 'a', 'u', 't', 'h', 'o', 'r', 'i', 'z', 'e',
    'd',
    /* NONCE "0123456789abcdef" */
    0x00, 0x15, 0x00, 0x10, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f',
    /* REALM "turn.test", padded */
    0x00, 0x14, 0x00, 0x09, 't', 'u', 'r', 'n', '.', 't', 'e', 's', 't', 0, 0, 0,
    /* SOFTWARE "Coturn" with 2 bytes of padding */
    0x80, 0x22, 0x00, 0x06, 'C', 'o', 't', 'u', 'r', 'n', 0, 0};

/* An Allocate success: XOR-RELAYED-ADDRESS 127.40.4.1:50000, XOR-MAPPED 127.0.0.1:40000, LIFETIME 600. */
static const uint8_t alloc_ok[] = {0x01, 0x03, 0x00, 0x20, 0x21, 0x12, 0xa4, 0x42, 1,    2,    3,
                                   4,    5,    6,    7,    8,    9,    10,   11,   12,   0x00, 0x16,
                                   0x00, 0x08, 0x00, 0x01, 0xe2, 0x42, 0x5e, 0x3a, 0xa0, 0x43, 0x00,
                                   0x20, 0x00, 0x08, 0x00, 0x01, 0xbd, 0x52, 0x5e, 0x12, 0xa4, 0x43,
                                   0x00, 0x0d, 0x00, 0x04, 0x00, 0x00, 0x02, 0x58};

/* A CreatePermission error 403 "Forbidden IP". */
static const uint8_t perm_403[] = {0x01, 0x18, 0x00, 0x14, 0x21, 0x12, 0xa4, 0x42, 1,   2,
                                   3,    4,    5,    6,    7,    8,    9,    10,   11,  12,
                                   0x00, 0x09, 0x00, 0x10, 0x00, 0x00, 0x04, 0x03, 'F', 'o',
                                   'r',  'b',  'i',  'd',  'd',  'e',  'n',  ' ',  'I', 'P'};

static void test_rfc5769(void)
{
	struct stun_msg m;
	is_int(stun_frame(rfc5769_v4, 10), 0, "fewer than 20 bytes: more needed");
	is_int(stun_frame(rfc5769_v4, 20), (int)sizeof rfc5769_v4, "the header gives the whole length");
	is_int(stun_parse(rfc5769_v4, sizeof rfc5769_v4, &m), 0, "RFC 5769 IPv4 response parses");
	is_int(m.cls, STUN_SUCCESS, "a success");
	is_int(m.method, STUN_BINDING, "of Binding");
	ok(memcmp(m.txid, txid, 12) == 0, "its transaction id");
	is_int(m.software_len, 11, "SOFTWARE of 11 bytes");
	ok(m.software && memcmp(m.software, "test vector", 11) == 0, "SOFTWARE 'test vector'");
	is_int(m.mapped.family, 4, "mapped IPv4");
	is_int(m.mapped.port, 32853, "mapped port 32853");
	ok(memcmp(m.mapped.ip, "\xc0\x00\x02\x01", 4) == 0, "mapped 192.0.2.1");
	is_int(m.nattrs, 4, "four attributes");
	is_int(m.error_code, 0, "no error code");
	is_int(stun_parse(rfc5769_v6, sizeof rfc5769_v6, &m), 0, "RFC 5769 IPv6 response parses");
	is_int(m.mapped.family, 6, "mapped IPv6");
	is_int(m.mapped.port, 32853, "its port");
	ok(memcmp(m.mapped.ip, "\x20\x01\x0d\xb8\x12\x34\x56\x78\x00\x11\x22\x33\x44\x55\x66\x77", 16) == 0,
	   "mapped 2001:db8:1234:5678:11:2233:4455:6677");
}

static void test_turn_replies(void)
{
	struct stun_msg m;
	is_int(stun_parse(alloc_401, sizeof alloc_401, &m), 0, "the 401 parses");
	is_int(m.cls, STUN_ERROR, "an error");
	is_int(m.method, TURN_ALLOCATE, "of Allocate");
	is_int(m.error_code, 401, "401");
	ok(m.has_nonce, "with a NONCE");
	ok(m.realm && m.realm_len == 9 && memcmp(m.realm, "turn.test", 9) == 0, "REALM turn.test");
	ok(m.software && m.software_len == 6 && memcmp(m.software, "Coturn", 6) == 0, "SOFTWARE");
	is_int(stun_parse(alloc_ok, sizeof alloc_ok, &m), 0, "the Allocate success parses");
	is_int(m.cls, STUN_SUCCESS, "a success");
	is_int(m.method, TURN_ALLOCATE, "of Allocate");
	is_int(m.relayed.family, 4, "a relayed address");
	ok(memcmp(m.relayed.ip, "\x7f\x28\x04\x01", 4) == 0, "relayed 127.40.4.1");
	is_int(m.relayed.port, 50000, "relayed port 50000");
	ok(memcmp(m.mapped.ip, "\x7f\x00\x00\x01", 4) == 0 && m.mapped.port == 40000,
	   "mapped 127.0.0.1:40000");
	ok(m.has_lifetime && m.lifetime == 600, "lifetime 600");
	ok(!m.has_nonce && m.realm == NULL && m.software == NULL, "nothing else");
	is_int(stun_parse(perm_403, sizeof perm_403, &m), 0, "the 403 parses");
	is_int(m.method, TURN_CREATE_PERMISSION, "of CreatePermission");
	is_int(m.error_code, 403, "403");
}

static void test_build(void)
{
	uint8_t b[STUN_REQ_MAX];
	static const uint8_t bind[] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
	is_int(stun_build_binding(b, sizeof b, txid), 20, "a Binding request is a header");
	ok(memcmp(b, bind, 8) == 0 && memcmp(b + 8, txid, 12) == 0, "its bytes");
	static const uint8_t alloc[] = {0x00, 0x03, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42};
	static const uint8_t transport[] = {0x00, 0x19, 0x00, 0x04, 0x11, 0x00, 0x00, 0x00};
	is_int(turn_build_allocate(b, sizeof b, txid), 28, "Allocate: 28 bytes");
	ok(memcmp(b, alloc, 8) == 0 && memcmp(b + 20, transport, 8) == 0, "REQUESTED-TRANSPORT UDP");
	struct stun_addr peer;
	is_int(stun_addr_from_text("10.0.0.1", 0, &peer), 0, "an IPv4 peer");
	static const uint8_t perm[] = {0x00, 0x08, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42};
	static const uint8_t xpeer[] = {0x00, 0x12, 0x00, 0x08, 0x00, 0x01,
	                                0x21, 0x12, 0x2b, 0x12, 0xa4, 0x43};
	is_int(turn_build_create_permission(b, sizeof b, txid, &peer), 32, "CreatePermission: 32 bytes");
	ok(memcmp(b, perm, 8) == 0 && memcmp(b + 20, xpeer, 12) == 0, "XOR-PEER-ADDRESS of 10.0.0.1");
	is_int(stun_addr_from_text("fd00::1", 0, &peer), 0, "an IPv6 peer");
	is_int(turn_build_create_permission(b, sizeof b, txid, &peer), 44, "IPv6 CreatePermission: 44 bytes");
	is_int(b[25], 0x02, "family IPv6");
	is_int(b[43], 0x01 ^ 0xae, "the last address byte XORed with the txid's last");
	static const uint8_t refresh[] = {0x00, 0x04, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42};
	static const uint8_t life0[] = {0x00, 0x0d, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00};
	is_int(turn_build_refresh(b, sizeof b, txid, 0), 28, "Refresh: 28 bytes");
	ok(memcmp(b, refresh, 8) == 0 && memcmp(b + 20, life0, 8) == 0, "LIFETIME 0");
	is_int(turn_build_refresh(b, 27, txid, 0), -ENOSPC, "too small a buffer: -ENOSPC");
	peer.family = 5;
	is_int(turn_build_create_permission(b, sizeof b, txid, &peer), -EINVAL, "an unknown family: -EINVAL");
	is_int(stun_addr_from_text("localhost", 0, &peer), -EINVAL, "a name is not an address");
}

/* alloc_ok with byte `at` set to `v`; parsed. */
static int parse_patched(size_t at, uint8_t v)
{
	uint8_t b[sizeof alloc_ok];
	struct stun_msg m;
	memcpy(b, alloc_ok, sizeof b);
	b[at] = v;
	int n = stun_frame(b, sizeof b);
	return n < 0 ? n : stun_parse(b, sizeof b, &m);
}

static void test_malformed(void)
{
	struct stun_msg m;
	is_int(parse_patched(0, 0x41), -EBADMSG, "top bits set: not STUN");
	is_int(parse_patched(4, 0x22), -EBADMSG, "wrong magic cookie");
	is_int(parse_patched(3, 0x21), -EBADMSG, "a length not a multiple of 4");
	is_int(parse_patched(3, 0x24), -EBADMSG, "a length past the bytes there");
	is_int(parse_patched(23, 0x40), -EBADMSG, "an attribute overrunning the message");
	is_int(parse_patched(25, 0x03), -EBADMSG, "an address family 3");
	is_int(parse_patched(23, 0x04), -EBADMSG, "an IPv4 address of 4 bytes");
	is_int(parse_patched(47, 0x03), -EBADMSG, "a LIFETIME of 3 bytes");
	uint8_t b[sizeof perm_403];
	memcpy(b, perm_403, sizeof b);
	b[26] = 0x07;
	is_int(stun_parse(b, sizeof b, &m), -EBADMSG, "error class 7");
	b[26] = 0x04;
	b[27] = 100;
	is_int(stun_parse(b, sizeof b, &m), -EBADMSG, "error number 100");
	b[27] = 3;
	b[23] = 0x02;
	is_int(stun_parse(b, sizeof b, &m), -EBADMSG, "an ERROR-CODE of 2 bytes");
	static uint8_t big[STUN_HDR + 4 + 800];
	memcpy(big, rfc5769_v4, 20);
	big[2] = (uint8_t)((4 + 800) >> 8);
	big[3] = (uint8_t)(4 + 800);
	big[20] = 0x80, big[21] = 0x22, big[22] = 800 >> 8, big[23] = 800 & 0xff;
	is_int(stun_parse(big, sizeof big, &m), -EBADMSG, "a SOFTWARE of 800 bytes");
	uint8_t huge[20];
	memcpy(huge, rfc5769_v4, 20);
	huge[2] = 0x10, huge[3] = 0x00;
	is_int(stun_frame(huge, 20), -E2BIG, "a message over STUN_MSG_MAX: -E2BIG");
	is_int(stun_parse(rfc5769_v4, sizeof rfc5769_v4 - 4, &m), -EBADMSG, "a cut message");
	is_int(stun_parse((const uint8_t *)"HTTP/1.1 400 Bad Request\r\n", 26, &m), -EBADMSG,
	       "HTTP is not STUN");
}

/* A stream captured from a testbed server (tests/fuzz/corpus/stun), cut into its messages. */
static int read_stream(const char *name, struct stun_msg *m, size_t max, uint8_t *buf, size_t cap)
{
	char path[512];
	const char *src = getenv("VITALS_SRCDIR");
	snprintf(path, sizeof path, "%s/tests/fuzz/corpus/stun/%s", src ? src : ".", name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	size_t len = fread(buf, 1, cap, f), off = 0, n = 0;
	fclose(f);
	while (off < len && n < max) {
		int k = stun_frame(buf + off, len - off);
		if (k <= 0 || (size_t)k > len - off || stun_parse(buf + off, (size_t)k, &m[n]) < 0)
			return -(int)n - 2;
		off += (size_t)k;
		n++;
	}
	return (int)n;
}

static void test_coturn(void)
{
	static uint8_t buf[4096];
	struct stun_msg m[5];
	is_int(read_stream("coturn_open_stream.bin", m, 5, buf, sizeof buf), 5,
	       "coturn open relay: 5 replies");
	ok(m[0].method == STUN_BINDING && m[0].cls == STUN_SUCCESS, "Binding success");
	ok(m[0].software_len == 20 && memcmp(m[0].software, "Coturn-4.6.1 'Gorst'", 20) == 0, "its SOFTWARE");
	ok(m[1].method == TURN_ALLOCATE && m[1].cls == STUN_SUCCESS, "Allocate granted without credentials");
	ok(m[1].relayed.family == 4 && memcmp(m[1].relayed.ip, "\x7f\x28\x04\x01", 4) == 0,
	   "relayed on 127.40.4.1");
	ok(m[1].has_lifetime && m[1].lifetime == 600, "for 600 s");
	ok(m[2].method == TURN_CREATE_PERMISSION && m[2].cls == STUN_SUCCESS, "10.0.0.1 permitted");
	ok(m[3].cls == STUN_ERROR && m[3].error_code == 403, "127.0.0.1 refused with 403");
	ok(m[4].method == TURN_REFRESH && m[4].cls == STUN_SUCCESS, "Refresh to lifetime 0 accepted");
	is_int(read_stream("coturn_ltcred_stream.bin", m, 5, buf, sizeof buf), 2,
	       "coturn lt-cred-mech: 2 replies");
	ok(m[1].cls == STUN_ERROR && m[1].error_code == 401 && m[1].has_nonce, "Allocate: 401 with a NONCE");
	ok(m[1].realm_len == 13 && memcmp(m[1].realm, "turn.svc.test", 13) == 0, "and the REALM");
	is_int(read_stream("coturn_malformed_stream.bin", m, 5, buf, sizeof buf), -2,
	       "the hostile emulator's first reply is malformed");
}

int main(void)
{
	test_coturn();
	test_rfc5769();
	test_turn_replies();
	test_build();
	test_malformed();
	return done_testing();
}
