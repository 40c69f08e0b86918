/* wire_rdp on canned bytes: the request, xrdp's confirms, a failure, old servers, bad and long replies. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "wire_rdp.h"

static void test_request(void)
{
	uint8_t b[RDP_REQUEST_LEN];
	rdp_build_request(RDP_PROTO_SSL | RDP_PROTO_HYBRID | RDP_PROTO_HYBRID_EX, b);
	static const uint8_t want[RDP_REQUEST_LEN] = {3, 0, 0, 19, 14, 0xE0, 0, 0, 0, 0,
	                                              0, 1, 0, 8,  0,  0x0B, 0, 0, 0};
	ok(memcmp(b, want, sizeof want) == 0, "TPKT, X.224 CR, RDP_NEG_REQ offering TLS|CredSSP|CredSSP-EX");
	rdp_build_request(RDP_PROTO_SSL, b);
	is_int(b[15], 1, "offering TLS alone");
}

static void test_xrdp(void)
{
	/* Captured from xrdp 0.9.21 (security_layer=negotiate) offered TLS|CredSSP|CredSSP-EX, then CredSSP.
	 */
	static const uint8_t tls[] = {3, 0, 0, 19, 14, 0xD0, 0, 0, 0x12, 0x34, 0, 2, 1, 8, 0, 1, 0, 0, 0};
	static const uint8_t rdp[] = {3, 0, 0, 19, 14, 0xD0, 0, 0, 0x12, 0x34, 0, 2, 1, 8, 0, 0, 0, 0, 0};
	struct rdp_reply r = {0};
	is_int(rdp_parse_reply(tls, sizeof tls, &r), 19, "a whole confirm: its length");
	is_int(r.type, RDP_NEG_RESPONSE, "a negotiation response");
	is_str(rdp_protocol_name(r.value), "tls", "xrdp selects TLS");
	is_int(r.flags, 1, "its flags byte");
	is_int(rdp_parse_reply(rdp, sizeof rdp, &r), 19, "offered CredSSP alone");
	is_str(rdp_protocol_name(r.value), "rdp", "xrdp falls back to standard RDP security (no NLA)");
	is_int(rdp_parse_reply(tls, 10, &r), 0, "part of a confirm: more needed");
	is_int(rdp_parse_reply(tls, 3, &r), 0, "part of the TPKT header: more needed");
}

static void test_failure_and_old(void)
{
	static const uint8_t fail[] = {3, 0, 0, 19, 14, 0xD0, 0, 0, 0, 0, 0, 3, 0, 8, 0, 5, 0, 0, 0};
	static const uint8_t old[] = {3, 0, 0, 11, 6, 0xD0, 0, 0, 0x12, 0x34, 0};
	struct rdp_reply r = {0};
	is_int(rdp_parse_reply(fail, sizeof fail, &r), 19, "a negotiation failure");
	is_int(r.type, RDP_NEG_FAILURE, "its type");
	is_str(rdp_failure_name(r.value), "hybrid_required_by_server", "NLA required");
	is_int(rdp_parse_reply(old, sizeof old, &r), 11, "a confirm without negotiation data");
	is_int(r.type, RDP_NEG_NONE, "a server that knows only standard RDP security");
	ok(rdp_failure_name(99) == NULL && rdp_protocol_name(3) == NULL, "unknown codes have no name");
}

static void test_bad(void)
{
	struct rdp_reply r = {RDP_NEG_RESPONSE, 7, 7};
	static const uint8_t ssh[] = "SSH-2.0-OpenSSH_9.2\r\n";
	static const uint8_t dr[] = {3, 0, 0, 11, 6, 0x80, 0, 0, 0, 0, 0};
	static const uint8_t badneg[] = {3, 0, 0, 19, 14, 0xD0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 5, 0, 0, 0};
	static const uint8_t shortneg[] = {3, 0, 0, 15, 10, 0xD0, 0, 0, 0, 0, 0, 2, 0, 4, 0};
	static const uint8_t li[] = {3, 0, 0, 19, 9, 0xD0, 0, 0, 0, 0, 0, 2, 0, 8, 0, 1, 0, 0, 0};
	static const uint8_t huge[] = {3, 0, 0x40, 0, 14, 0xD0};
	is_int(rdp_parse_reply(ssh, 1, &r), -EBADMSG, "not a TPKT: known from the first byte");
	is_int(rdp_parse_reply(dr, sizeof dr, &r), -EBADMSG, "a disconnect request is not a confirm");
	is_int(rdp_parse_reply(badneg, sizeof badneg, &r), -EBADMSG, "a negotiation request type in a reply");
	is_int(rdp_parse_reply(shortneg, sizeof shortneg, &r), -EBADMSG,
	       "negotiation data of the wrong size");
	is_int(rdp_parse_reply(li, sizeof li, &r), -EBADMSG, "X.224 length disagreeing with TPKT");
	is_int(rdp_parse_reply(huge, sizeof huge, &r), -E2BIG, "a 16 KiB TPKT is over the cap");
	is_int(r.value, 7, "no output on failure");
}

int main(void)
{
	test_request();
	test_xrdp();
	test_failure_and_old();
	test_bad();
	return done_testing();
}
