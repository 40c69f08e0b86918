/* wire_smb on canned bytes: both requests, Samba 4.17's replies (captured), errors, bad and long input. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "wire_smb.h"

/* Samba 4.17 answers, captured from the testbed (hex). */
static const char samba_smb2_signed[] =
    "000000fefe534d424000000000000000000001000100000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000004100030011030100766d000000000000000000000000000007000000000080"
    "000000800000008000643f0d834683dd01000000000000000080004a00d0000000604806062b0601050502a03e303ca00e30"
    "0c060a2b06010401823702020aa32a3028a0261b246e6f745f646566696e65645f696e5f5246433431373840706c65617365"
    "5f69676e6f72650000000000000100260000000000010020000100c8fd0093baf0cb3a8db5fb305f7bb10c9debc0735cbd6e"
    "e481e6ca6978283380";
static const char samba_smb1_nt1[] =
    "00000067ff534d4272000000008803c00000000000000000000000000000000000000000110000033200010004410000000001"
    "009c3a0000fdf380006460be824683dd010000082200e9ec4e859d4d651257004f0052004b00470052004f00550050000000"
    "56004d000000";
static const char samba_smb1_refused[] =
    "00000025ff534d4272000000008803c0000000000000000000000000000000000000000001ffff0000";

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; h[0] && h[1] && n < cap; h += 2) {
		unsigned v = 0;
		for (int i = 0; i < 2; i++)
			v = v * 16 + (unsigned)(h[i] <= '9' ? h[i] - '0' : h[i] - 'a' + 10);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void test_requests(void)
{
	uint8_t b2[SMB2_NEGOTIATE_LEN], b1[SMB1_NEGOTIATE_LEN];
	smb2_build_negotiate(b2);
	ok(b2[0] == 0 && b2[3] == SMB2_NEGOTIATE_LEN - 4 && memcmp(b2 + 4, "\xFESMB", 4) == 0, "SMB2 header");
	ok(b2[68] == 36 && b2[70] == 5 && b2[72] == SMB2_SIGNING_ENABLED,
	   "NEGOTIATE: 5 dialects, signing enabled");
	ok(b2[104] == 0x02 && b2[105] == 0x02 && b2[112] == 0x11 && b2[113] == 0x03,
	   "2.0.2 first, 3.1.1 last");
	ok(b2[4 + 64 + 28] == 112 && b2[4 + 112] == 1 && b2[4 + 112 + 2] == 38,
	   "preauth context at 112, 8-aligned");
	smb1_build_negotiate(b1);
	ok(b1[3] == SMB1_NEGOTIATE_LEN - 4 && memcmp(b1 + 4, "\xFFSMB\x72", 5) == 0, "SMB1 NEGOTIATE header");
	ok(memcmp(b1 + 4 + 35, "\x02NT LM 0.12", 12) == 0, "only the NT LM 0.12 dialect");
}

static void test_samba(void)
{
	uint8_t b[512];
	struct smb_reply r;
	size_t n = unhex(samba_smb2_signed, b, sizeof b);
	is_int(smb_parse_reply(b, n, &r), 4 + 254, "SMB2 negotiate response, whole");
	ok(r.version == 2 && r.status == 0 && r.negotiated, "SMB2, success, negotiated");
	is_str(smb2_dialect_name(r.dialect), "3.1.1", "dialect 3.1.1");
	is_int(r.security_mode, SMB2_SIGNING_ENABLED | SMB2_SIGNING_REQUIRED, "server signing = mandatory");
	is_int(smb_parse_reply(b, 100, &r), 0, "part of it: more needed");
	n = unhex(samba_smb1_nt1, b, sizeof b);
	is_int(smb_parse_reply(b, n, &r), 4 + 103, "SMB1 negotiate response");
	ok(r.version == 1 && r.negotiated && r.dialect == 0, "SMBv1 accepted: NT LM 0.12 chosen");
	is_int(r.security_mode & (SMB1_SIGNING_ENABLED | SMB1_SIGNING_REQUIRED), 0, "no SMB1 signing");
	n = unhex(samba_smb1_refused, b, sizeof b);
	is_int(smb_parse_reply(b, n, &r), 4 + 37, "SMB1 refused (server min protocol SMB2_10)");
	ok(r.version == 1 && r.negotiated && r.dialect == SMB1_NO_DIALECT, "DialectIndex 0xFFFF");
}

static void test_errors(void)
{
	uint8_t b[4 + 64 + 9] = {0, 0, 0, 73, 0xFE, 'S', 'M', 'B', 64};
	struct smb_reply r = {.version = 9};
	b[4 + 8] = 0x22;
	b[4 + 11] = 0xC0; /* STATUS_ACCESS_DENIED */
	is_int(smb_parse_reply(b, sizeof b, &r), (int)sizeof b, "an SMB2 error response");
	ok(r.version == 2 && r.status == 0xC0000022 && !r.negotiated, "its status, nothing negotiated");
	static const uint8_t nbss[] = {0x83, 0, 0, 1, 0x8F};
	static const uint8_t huge[] = {0, 1, 0, 0};
	static const uint8_t short2[] = {0, 0, 0, 8, 0xFE, 'S', 'M', 'B', 64, 0, 0, 0};
	static const uint8_t other[] = {0, 0, 0, 4, 'R', 'F', 'B', ' '};
	r.version = 9;
	is_int(smb_parse_reply(nbss, sizeof nbss, &r), -EBADMSG, "a NetBIOS negative session response");
	is_int(smb_parse_reply(huge, sizeof huge, &r), -E2BIG, "a 64 KiB message is over the cap");
	is_int(smb_parse_reply(short2, sizeof short2, &r), -EBADMSG, "an SMB2 header cut short");
	is_int(smb_parse_reply(other, sizeof other, &r), -EBADMSG, "not SMB");
	is_int(r.version, 9, "no output on failure");
	ok(smb2_dialect_name(0x0311) && smb2_dialect_name(0x0400) == NULL, "dialect names");
}

int main(void)
{
	test_requests();
	test_samba();
	test_errors();
	return done_testing();
}
